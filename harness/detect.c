#include "detect.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

/* gVisor reports this fixed uname version on every host. */
#define GVISOR_UNAME_VERSION "#1 SMP Sun Jan 10 15:06:54 PST 2016"

void detect_target(char *target, size_t tn, char *why, size_t wn)
{
	struct utsname u;
	if (uname(&u) == 0 && strcmp(u.version, GVISOR_UNAME_VERSION) == 0) {
		snprintf(target, tn, "gvisor");
		snprintf(why, wn, "uname version is gVisor's fixed \"%s\"", GVISOR_UNAME_VERSION);
		return;
	}
	snprintf(target, tn, "linux");
	snprintf(why, wn, "no sandbox recognised");
}
