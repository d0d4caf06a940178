/* The calls the harness makes itself, as tables: see seccomp_needs.h.
 * Predicted with all arguments zero: a profile whose rule on one of these
 * reads an argument is judged on that vector only. */
#include "seccomp_needs.h"

#include <errno.h>
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

/* Architectures without the old call (arm64 has no poll, mkdir or dup2;
 * i386 and s390x no accept): the C library makes the newer one instead. */
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
#ifdef SYS_accept
#define ACCEPT_CALL accept
#else
#define ACCEPT_CALL accept4
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

/* The calls each fixture kind makes, in order (glibc's: open is openat,
 * mkfifo mknodat, eventfd eventfd2, posix_openpt openat, tcsetattr ioctl). */
static const struct {
	const char *kind;
	struct need calls[6];
} fixture_calls[] = {
	{"pipe", {N(pipe2, ""), N(fcntl, "")}},
	{"fifo", {N(mknodat, ""), N(openat, "")}},
	{"file", {N(openat, ""), N(write, "")}},
	{"memfd", {N(memfd_create, ""), N(write, "")}},
	{"open", {N(openat, "")}},
	{"opath", {N(openat, "")}},
	{"dir", {NX(MKDIR_CALL, ""), N(openat, "")}},
	{"socketpair", {N(socketpair, "")}},
	{"tcp", {N(socket, ""), N(bind, ""), N(listen, ""), N(getsockname, ""), N(connect, ""), NX(ACCEPT_CALL, "")}},
	{"udp", {N(socket, ""), N(bind, ""), N(getsockname, ""), N(connect, "")}},
	{"pty", {N(openat, ""), N(ioctl, "")}},
	{"eventfd", {N(eventfd2, "")}},
	{"timerfd", {N(timerfd_create, "")}},
	{"signalfd", {N(rt_sigprocmask, ""), N(signalfd4, "")}},
	{"epoll", {N(epoll_create1, "")}},
	{"inotify", {N(inotify_init1, "")}},
	{"pidfd", {N(pidfd_open, "")}},
	{"closed", {N(fcntl, "")}},
	{"buffer", {N(mmap, ""), N(mprotect, "")}},
	{"offset", {N(mmap, ""), N(mprotect, "")}},
	{"socket", {N(socket, "")}},
	{"fanotify", {N(fanotify_init, "")}},
	{"userfaultfd", {N(userfaultfd, "")}},
	{"perf-event", {N(perf_event_open, "")}},
	{"io-uring", {N(io_uring_setup, "")}},
	{"bpf-map", {N(bpf, "")}},
	{"fsopen", {N(fsopen, "")}},
	{"fspick", {N(fspick, "")}},
	{"open-tree", {N(open_tree, "")}},
	{"memfd-secret", {N(memfd_secret, "")}},
	{"seccomp-notify", {N(prctl, ""), N(seccomp, "")}},
	{"landlock", {N(landlock_create_ruleset, "")}},
};

static int table_index(const char *kind)
{
	for (size_t i = 0; i < sizeof fixture_calls / sizeof *fixture_calls; i++)
		if (strcmp(fixture_calls[i].kind, kind) == 0)
			return (int)i;
	return -1;
}

bool sc_needs_knows_kind(const char *kind)
{
	return table_index(kind) >= 0;
}

bool sc_needs_fixture(const struct sc_profile *p, const struct fixture *f, char *buf, size_t n, bool *skip)
{
	int i = table_index(f->kind->name);
	if (i < 0)
		return false;
	for (size_t c = 0; c < 6 && fixture_calls[i].calls[c].name; c++) {
		const struct need *nd = &fixture_calls[i].calls[c];
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
