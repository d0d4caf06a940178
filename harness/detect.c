/* Target recognition: table-driven, see detect.h. */
#include "detect.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* gVisor reports this fixed uname version on every host. */
#define GVISOR_UNAME_VERSION "#1 SMP Sun Jan 10 15:06:54 PST 2016"

enum probe {
	P_UNAME_VERSION, /* uname's version string equals arg */
	P_PATH,          /* arg exists */
	P_PATH_BOUND,    /* arg exists and /etc/hostname is a mount point, as in
			  * every Docker container: a stray file alone is no
			  * container (some VM images ship an empty /.dockerenv) */
	P_ENV,           /* the environment variable arg is set: its value is the hint */
	P_PID1,          /* /proc/1/comm equals arg: a sandbox's own init */
};

struct rule {
	const char *name; /* the target, or the container hint's name */
	enum probe probe;
	const char *arg;
};

/* Sandboxes with their own expected file; the first that matches wins. */
static const struct rule targets[] = {
	{"gvisor", P_UNAME_VERSION, GVISOR_UNAME_VERSION},
};

/* Containers around a Linux kernel: named in the reason only. */
static const struct rule hints[] = {
	{"docker", P_PATH_BOUND, "/.dockerenv"},
	{"podman", P_PATH, "/run/.containerenv"},
	{"flatpak", P_PATH, "/.flatpak-info"},
	{"bwrap", P_PID1, "bwrap"},
	{"firejail", P_PID1, "firejail"},
	{NULL, P_ENV, "container"}, /* systemd's convention: docker, podman, lxc, firejail... */
};

struct ctx {
	const char *root;
	const char *(*env)(const char *);
};

static const char *real_env(const char *name)
{
	return getenv(name);
}

static FILE *open_at(const struct ctx *c, const char *path)
{
	char full[4096];
	snprintf(full, sizeof full, "%s%s", c->root, path);
	return fopen(full, "r");
}

/* The value of "Key:" in a /proc status-like file, or -1. */
static long status_field(const struct ctx *c, const char *path, const char *key)
{
	FILE *f = open_at(c, path);
	if (!f)
		return -1;
	char line[256];
	long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static bool first_line(const struct ctx *c, const char *path, char *buf, size_t n)
{
	FILE *f = open_at(c, path);
	if (!f)
		return false;
	bool ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return ok;
}

/* Is path a mount point of this process's mount namespace? */
static bool mounted_at(const struct ctx *c, const char *path)
{
	FILE *f = open_at(c, "/proc/self/mountinfo");
	if (!f)
		return false;
	char line[1024], mnt[512];
	bool found = false;
	/* "36 35 98:0 /mnt1 /mnt2 rw ...": the fifth field is the mount point */
	while (!found && fgets(line, sizeof line, f))
		found = sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 && strcmp(mnt, path) == 0;
	fclose(f);
	return found;
}

/* Why the rule matched ("" when it did not). */
static void probe(const struct ctx *c, const struct rule *r, char *why, size_t n)
{
	char buf[256];
	struct utsname u;
	why[0] = 0;
	switch (r->probe) {
	case P_UNAME_VERSION:
		if (uname(&u) == 0 && strcmp(u.version, r->arg) == 0)
			snprintf(why, n, "uname version is %s's fixed \"%s\"", r->name, r->arg);
		break;
	case P_PATH:
		snprintf(buf, sizeof buf, "%s%s", c->root, r->arg);
		if (access(buf, F_OK) == 0)
			snprintf(why, n, "%s (%s)", r->name, r->arg);
		break;
	case P_PATH_BOUND:
		snprintf(buf, sizeof buf, "%s%s", c->root, r->arg);
		if (access(buf, F_OK) == 0 && mounted_at(c, "/etc/hostname"))
			snprintf(why, n, "%s (%s, /etc/hostname bound)", r->name, r->arg);
		break;
	case P_ENV: {
		const char *v = c->env(r->arg);
		if (v && *v)
			snprintf(why, n, "%.32s (%s=%.32s)", r->name ? r->name : v, r->arg, v);
		break;
	}
	case P_PID1:
		if (first_line(c, "/proc/1/comm", buf, sizeof buf) && strcmp(buf, r->arg) == 0)
			snprintf(why, n, "%s (pid 1 is %s)", r->name, r->arg);
		break;
	}
}

static void append(char *why, size_t n, const char *sep, const char *s)
{
	size_t l = strlen(why);
	if (l < n)
		snprintf(why + l, n - l, "%s%s", l ? sep : "", s);
}

void detect_target_at(const char *root, const char *(*env)(const char *), char *target, size_t tn,
		      char *why, size_t wn)
{
	struct ctx c = {.root = root ? root : "", .env = env ? env : real_env};
	char one[160];
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		probe(&c, &targets[i], one, sizeof one);
		if (one[0]) {
			snprintf(target, tn, "%s", targets[i].name);
			snprintf(why, wn, "%s", one);
			return;
		}
	}
	snprintf(target, tn, "linux");
	why[0] = 0;
	/* Seccomp: 2 is filter mode (1 strict could not run us at all) */
	long mode = status_field(&c, "/proc/self/status", "Seccomp");
	if (mode == 2) {
		long nf = status_field(&c, "/proc/self/status", "Seccomp_filters");
		if (nf > 0)
			snprintf(one, sizeof one, "seccomp filter active (%ld filter%s)", nf, nf == 1 ? "" : "s");
		else
			snprintf(one, sizeof one, "seccomp filter active");
		append(why, wn, "; ", one);
	}
	/* uid 0 of a user namespace is some other uid outside it */
	char map[128];
	unsigned long in, out, count;
	if (first_line(&c, "/proc/self/uid_map", map, sizeof map) &&
	    sscanf(map, "%lu %lu %lu", &in, &out, &count) == 3 && !(in == 0 && out == 0 && count == 4294967295UL)) {
		snprintf(one, sizeof one, "user namespace (uid %lu is %lu outside)", in, out);
		append(why, wn, "; ", one);
	}
	char list[200] = "", names[sizeof hints / sizeof hints[0]][40];
	size_t nnames = 0;
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		probe(&c, &hints[i], one, sizeof one);
		if (!one[0])
			continue;
		/* one mention per container: the first rule that names it */
		snprintf(names[nnames], sizeof names[0], "%.*s", (int)strcspn(one, " "), one);
		bool dup = false;
		for (size_t j = 0; j < nnames && !dup; j++)
			dup = strcmp(names[j], names[nnames]) == 0;
		if (!dup) {
			nnames++;
			append(list, sizeof list, ", ", one);
		}
	}
	if (list[0]) {
		snprintf(one, sizeof one, "container hint: %s", list);
		append(why, wn, "; ", one);
	}
	if (!why[0])
		snprintf(why, wn, "no sandbox recognised");
}

void detect_target(char *target, size_t tn, char *why, size_t wn)
{
	detect_target_at("", NULL, target, tn, why, wn);
}
