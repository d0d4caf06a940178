/* libFuzzer target: the seccomp profile reader (sc_profile_parse_env), on
 * any bytes, with a fixed environment so a run is reproducible.  A profile
 * that loads is also asked about a few calls. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	/* CAP_SYS_ADMIN (21) held, as root in a container would: includes
	 * and excludes on caps are both taken */
	const struct sc_env env = {.caps = 1ull << 21, .kernel_major = 6, .kernel_minor = 1};
	char err[512];
	err[0] = '\0';
	struct sc_profile *p = sc_profile_parse_env("fuzz.json", text, size, &env, err, sizeof err);
	if (!p && (!err[0] || !memchr(err, '\0', sizeof err)))
		abort(); /* a refusal must say why */
	if (p) {
		static const long nrs[] = {SYS_vmsplice, SYS_splice, SYS_tee, SYS_read, SYS_write, 999};
		const unsigned long long args[6] = {1, 0, 4096, 0, 0, 0};
		for (size_t i = 0; i < sizeof nrs / sizeof *nrs; i++) {
			char buf[64];
			struct sc_verdict v = sc_profile_predict(p, nrs[i], args);
			sc_verdict_str(v, buf, sizeof buf);
			sc_profile_predict(p, nrs[i], NULL);
		}
		sc_profile_name(p);
		sc_profile_rule_count(p);
		sc_profile_free(p);
	}
	free(text);
	return 0;
}
