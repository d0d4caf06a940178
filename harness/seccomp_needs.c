/* The calls the harness makes itself, as tables: see seccomp_needs.h.
 * Predicted with all arguments zero: a profile whose rule on one of these
 * reads an argument is judged on that vector only. */
#include "seccomp_needs.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "kinds.h"
#include "rt.h"

struct need {
	long nr;
	const char *name;
	const char *why;
	bool in_case; /* made by a case's process after --seccomp installs a profile */
};

#define N(call, why) {SYS_##call, #call, why, false}
#define C(call, why) {SYS_##call, #call, why, true}

/* Architectures without the old call (arm64 has no poll, mkdir or dup2):
 * the C library makes the newer one instead.  (A fixture kind's calls say
 * the same as "mkdir|mkdirat": kinds.h.) */
#ifdef SYS_poll
#define POLL_CALL poll
#else
#define POLL_CALL ppoll
#endif
#ifdef SYS_mkdir
#define MKDIR_CALL mkdir
#else
#define MKDIR_CALL mkdirat
#endif
#ifdef SYS_dup2
#define DUP2_CALL dup2
#else
#define DUP2_CALL dup3
#endif
/* one more level, so the name above is expanded before N pastes it */
#define NX(call, why) N(call, why)

/* Denied, the process dies before main (found by denying each call of a
 * static and a dynamic build's start-up under bwrap --seccomp). */
static const struct need startup[] = {
	N(execve, "the runtime's exec of the binary"),
#ifdef SYS_arch_prctl
	N(arch_prctl, "the C library's thread-local storage, before main"),
#endif
	N(mprotect, "the C library's read-only relocations, before main"),
};

/* The harness process and each case's process, outside any step. */
static const struct need harness[] = {
	C(write, "the report, and each step's result to the harness"),
	N(read, "results from the cases"),
	NX(POLL_CALL, "waiting for results"),
	N(pipe2, "a result pipe per case"),
	N(clone, "a process per case"),
	N(wait4, "reaping each case"),
	N(kill, "the watchdog"),
	C(exit_group, "ending each case"),
	C(mmap, "memory"),
	C(munmap, "memory"),
	N(openat, "the scratch directory"),
	NX(MKDIR_CALL, "the scratch directory"),
	N(close, "closing fds"),
	C(fcntl, "the preflight and closed fixtures"),
	N(rt_sigaction, "signal handlers"),
	N(prctl, "each case's death signal"),
	N(chdir, "each case's scratch directory"),
	NX(DUP2_CALL, "each case's stdin, stdout and stderr"),
};

static bool allowed(const struct sc_profile *p, long nr, char *verdict, size_t n)
{
	struct sc_verdict v = sc_profile_predict(p, nr, NULL);
	sc_verdict_str(v, verdict, n);
	return v.action == SC_ALLOW || v.action == SC_LOG;
}

int sc_needs_fatal(const struct sc_profile *p, bool whole, struct sbuf *out)
{
	int n = 0;
	char v[32];
	const struct {
		const struct need *t;
		size_t n;
	} tables[] = {{startup, sizeof startup / sizeof *startup}, {harness, sizeof harness / sizeof *harness}};
	for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
		for (size_t i = 0; i < tables[t].n; i++)
			if ((whole || tables[t].t[i].in_case) && !allowed(p, tables[t].t[i].nr, v, sizeof v))
				sb_printf(out, "%s%s: %s (%s)", n++ ? "; " : "", tables[t].t[i].name, v, tables[t].t[i].why);
	return n;
}

/* The number of call name on arch, or -1 where it has none.  libseccomp
 * gives a call that i386, ppc64le and s390x also reach through socketcall
 * or ipc a pseudo number (-101 for socket) there: the direct call (Linux
 * 4.3), which the C headers name and a profile's rule on the name also
 * matches, is found by looking the numbers up.  Other negative numbers:
 * the architecture has no such call. */
static int call_nr(uint32_t arch, const char *name)
{
	int r = seccomp_syscall_resolve_name_arch(arch, name);
	if (r >= 0 || r <= -300 || r > -100)
		return r < 0 ? -1 : r;
	for (int nr = 0; nr < 1024; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(arch, nr);
		bool same = s && strcmp(s, name) == 0;
		free(s);
		if (same)
			return nr;
	}
	return -1;
}

/* A call added in Linux 5.1 or later has one number on every architecture
 * (asm-generic's, arm64's), and a maker makes it by that number where the
 * C library does not name it (rt.h): ppc64le's memfd_secret is 447, which
 * its kernel does not know, but a profile's default action still applies
 * to it. */
static int generic_nr(const char *name)
{
	int r = seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, name);
	return r >= 403 ? r : -1;
}

int sc_needs_resolve(const char *calls, uint32_t arch, struct sc_call *out, size_t max, char *bad, size_t badn)
{
	size_t n = 0;
	for (const char *w = calls ? calls : ""; *(w += strspn(w, " ")); w += strcspn(w, " ")) {
		size_t wlen = strcspn(w, " ");
		if (n == max) {
			snprintf(bad, badn, "%.*s: more than %zu calls", (int)wlen, w, max);
			return -1;
		}
		/* the first name this architecture has; failing that, the first
		 * new call by its generic number */
		out[n].nr = -1;
		for (int pass = 0; pass < 2 && out[n].nr < 0; pass++)
			for (const char *a = w; a < w + wlen; a += strcspn(a, "| "), a += *a == '|') {
				char name[sizeof out->name] = "";
				size_t alen = strcspn(a, "| ");
				if (alen < sizeof name)
					memcpy(name, a, alen), name[alen] = '\0';
				if (!*name || seccomp_syscall_resolve_name_arch(arch, name) == __NR_SCMP_ERROR) {
					/* a typo: no call of any architecture */
					snprintf(bad, badn, "%.*s", (int)wlen, w);
					return -1;
				}
				int nr = pass == 0 ? call_nr(arch, name) : generic_nr(name);
				if (nr >= 0 && out[n].nr < 0) {
					out[n].nr = nr;
					memcpy(out[n].name, name, alen + 1);
				}
			}
		if (out[n++].nr < 0) {
			snprintf(bad, badn, "%.*s", (int)wlen, w);
			return -1;
		}
	}
	return (int)n;
}

bool sc_needs_fixture(const struct sc_profile *p, const struct fixture *f, char *buf, size_t n, bool *skip)
{
	struct sc_call calls[SC_NEEDS_MAX_CALLS];
	char bad[64];
	/* a kind whose calls do not resolve is a table error the unit tests
	 * catch; there is nothing to predict from */
	int ncalls = sc_needs_resolve(f->kind->calls, SCMP_ARCH_NATIVE, calls, SC_NEEDS_MAX_CALLS, bad, sizeof bad);
	for (int c = 0; c < ncalls; c++) {
		const struct sc_call *nd = &calls[c];
		char v[32];
		if (allowed(p, nd->nr, v, sizeof v))
			continue;
		struct sc_verdict sv = sc_profile_predict(p, nd->nr, NULL);
		/* as child.c's means_unavailable counts a fixture's errno */
		int e = sv.err;
		*skip = (sv.action == SC_ERRNO || sv.action == SC_TRACE) &&
			(e == EPERM || e == EACCES || e == ENOENT || e == ENOSYS || e == EAFNOSUPPORT ||
			 e == EPROTONOSUPPORT || e == EOPNOTSUPP || e == ENODEV || e == ENXIO || e == ENOPKG);
		snprintf(buf, n, "%s: %s", nd->name, v);
		return true;
	}
	return false;
}

bool sc_needs_report(const struct sc_profile *p, bool whole, const char *path, const struct suite *s,
		     const int *order, int n, FILE *err)
{
	struct sbuf b = {0};
	if (sc_needs_fatal(p, whole, &b)) {
		if (whole)
			fprintf(err, "splicecheck: %s, on the whole process from its start (as a runtime installs it), "
				"denies calls this program cannot do without: %s: under a runtime enforcing it, "
				"splicecheck cannot run\n", path, b.s);
		else
			fprintf(err, "splicecheck: %s denies calls a case makes outside its steps after the profile "
				"is installed: %s: no case could run under it\n", path, b.s);
		sb_free(&b);
		return false;
	}
	sb_free(&b);
	for (int i = 0; whole && i < n; i++) {
		const struct tcase *c = &s->cases[order[i]];
		for (int f = 0; f < c->nfix; f++) {
			char why[64];
			bool skip = false;
			if (!sc_needs_fixture(p, &c->fix[f], why, sizeof why, &skip))
				continue;
			fprintf(err, "splicecheck: predicted under %s from the start: %s %s (%s:%d: %s %s: %s)\n", path,
				c->name, skip ? "SKIP" : "BROKEN", c->file, c->fix[f].line, c->fix[f].kind->name,
				c->fix[f].name, why);
			break;
		}
	}
	return true;
}
