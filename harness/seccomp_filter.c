/* The libseccomp side: one function builds the context for both install and
 * export, so the program predictions run on is the program that gets loaded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp_internal.h"

/* libseccomp 2.5.4 (Debian 12) leaks arg-tree nodes (96 bytes each) that
 * it allocates inside seccomp_rule_add_array and then drops from its own
 * tree, out of reach of seccomp_release: two rules on one syscall that
 * compare the same argument, on a filter with a 32-bit arch (x86) beside
 * x86_64 -- runc's split of a Docker "args" list that names an index twice.
 * tests/data/profiles/libseccomp-2.5.4-leak.json is the smallest profile
 * found; tests/data/libseccomp-leak.c shows the leak with libseccomp alone,
 * calling nothing of ours (fuzz-seccomp found it).  Under LeakSanitizer the
 * allocations made inside that one call are not leak-checked: narrow,
 * since the context itself comes from seccomp_init, so a context we fail to
 * release is still reported, and every other allocation is checked. */
#if defined(__SANITIZE_ADDRESS__)
#define SC_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SC_LSAN 1
#endif
#endif
#ifdef SC_LSAN
#include <sanitizer/lsan_interface.h>
#define LIBSECCOMP_LEAK_BEGIN() __lsan_disable()
#define LIBSECCOMP_LEAK_END() __lsan_enable()
#else
#define LIBSECCOMP_LEAK_BEGIN() ((void)0)
#define LIBSECCOMP_LEAK_END() ((void)0)
#endif

static int add_arches(scmp_filter_ctx ctx, const struct sc_profile *p)
{
	for (unsigned i = 0; i < p->narches; i++) {
		int rc = seccomp_arch_add(ctx, p->arches[i]);
		/* the native arch is already there; runc ignores the repeat too */
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

static int set_flags(scmp_filter_ctx ctx, unsigned flags)
{
	static const struct {
		unsigned flag;
		enum scmp_filter_attr attr;
	} map[] = {
		{SC_FLAG_TSYNC, SCMP_FLTATR_CTL_TSYNC},
		{SC_FLAG_LOG, SCMP_FLTATR_CTL_LOG},
		{SC_FLAG_SPEC_ALLOW, SCMP_FLTATR_CTL_SSB},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (!(flags & map[i].flag))
			continue;
		int rc = seccomp_attr_set(ctx, map[i].attr, 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r)
{
	struct scmp_arg_cmp cmp[SC_MAX_ARGS];
	for (unsigned i = 0; i < r->ncond; i++)
		cmp[i] = (struct scmp_arg_cmp){r->cond[i].index, r->cond[i].op, r->cond[i].value,
					       r->cond[i].value_two};
	LIBSECCOMP_LEAK_BEGIN();
	int rc = seccomp_rule_add_array(ctx, r->action, r->nr, r->ncond, cmp);
	LIBSECCOMP_LEAK_END();
	return rc;
}

scmp_filter_ctx sc_filter_build(const struct sc_profile *p, int *rc, size_t *bad_rule)
{
	*bad_rule = SIZE_MAX;
	scmp_filter_ctx ctx = seccomp_init(p->def_action);
	if (!ctx) {
		/* libseccomp only says NULL: an action the kernel's API level
		 * lacks, or no memory */
		*rc = -EINVAL;
		return NULL;
	}
	*rc = add_arches(ctx, p);
	if (*rc == 0)
		*rc = set_flags(ctx, p->flags);
	for (size_t i = 0; *rc == 0 && i < p->nrules; i++) {
		*rc = add_rule(ctx, &p->rules[i]);
		if (*rc < 0)
			*bad_rule = i;
	}
	if (*rc < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

static int read_all(int fd, struct sc_profile *p)
{
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return -errno;
	if (size == 0 || size % sizeof(struct sock_filter))
		return -EPROTO;
	p->prog = malloc(size);
	if (!p->prog)
		return -ENOMEM;
	if (pread(fd, p->prog, size, 0) != size)
		return errno ? -errno : -EIO;
	p->nprog = size / sizeof(struct sock_filter);
	return 0;
}

int sc_filter_export(struct sc_profile *p, scmp_filter_ctx ctx)
{
	/* libseccomp 2.5 only exports to an fd; a memfd avoids a temp file */
	int fd = memfd_create("splicecheck-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc == 0)
		rc = read_all(fd, p);
	close(fd);
	return rc;
}

/* The exported program itself is loaded, not a second libseccomp build:
 * what runs is byte for byte what the predictions ran on, and a case's
 * start-up costs one syscall whatever the profile's size. */
int sc_profile_install(const struct sc_profile *p)
{
	/* set here rather than left to libseccomp, so an unprivileged run
	 * fails on the load, not on a missing prerequisite */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	struct sock_fprog prog = {.len = (unsigned short)p->nprog, .filter = p->prog};
	unsigned flags = 0;
	if (p->flags & SC_FLAG_TSYNC)
		flags |= SECCOMP_FILTER_FLAG_TSYNC;
	if (p->flags & SC_FLAG_LOG)
		flags |= SECCOMP_FILTER_FLAG_LOG;
	if (p->flags & SC_FLAG_SPEC_ALLOW)
		flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	/* no seccomp(2) (valgrind 3.19 lacks it): prctl takes a flagless filter */
	if (rc < 0 && errno == ENOSYS && flags == 0)
		rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	return rc < 0 ? -errno : 0;
}

int sc_profile_write_bpf(const struct sc_profile *p, int fd)
{
	const char *b = (const char *)p->prog;
	size_t left = p->nprog * sizeof *p->prog;
	while (left) {
		ssize_t w = write(fd, b, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		b += w;
		left -= (size_t)w;
	}
	return 0;
}

/* ---- the build in a child process, bounded in time ----------------------
 * libseccomp 2.5.4 can loop for ever on a small profile (two rules on one
 * syscall: tests/data/profiles/libseccomp-2.5.4-loop.json, found by
 * fuzz-seccomp), and a harness never hangs: the filter is built and exported
 * in a child, which hands back the program through a pipe, and is killed
 * after SC_BUILD_TIMEOUT_MS. */

struct build_reply {
	int rc;
	size_t bad_rule;
	size_t nprog;
};

static bool write_all(int fd, const void *buf, size_t n)
{
	const char *b = buf;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads n bytes unless the deadline passes first (false then, or at EOF). */
static bool read_by(int fd, void *buf, size_t n, struct timespec deadline)
{
	char *b = buf;
	while (n) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			return false;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, (int)ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		ssize_t got = read(fd, b, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		b += got;
		n -= (size_t)got;
	}
	return true;
}

static void build_in_child(struct sc_profile *p, int fd)
{
	struct build_reply r = {0};
	scmp_filter_ctx ctx = sc_filter_build(p, &r.rc, &r.bad_rule);
	if (ctx) {
		r.rc = sc_filter_export(p, ctx);
		r.nprog = r.rc == 0 ? p->nprog : 0;
	}
	if (write_all(fd, &r, sizeof r) && r.nprog)
		write_all(fd, p->prog, r.nprog * sizeof *p->prog);
	_exit(0);
}

int sc_filter_compile(struct sc_profile *p, size_t *bad_rule)
{
	*bad_rule = SIZE_MAX;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		build_in_child(p, fds[1]);
	}
	close(fds[1]);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += SC_BUILD_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (SC_BUILD_TIMEOUT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	struct build_reply r;
	int rc;
	if (!read_by(fds[0], &r, sizeof r, deadline)) {
		rc = -ETIMEDOUT;
	} else if (r.rc < 0) {
		rc = r.rc;
		*bad_rule = r.bad_rule;
	} else if (r.nprog == 0 || r.nprog > 65536 || !(p->prog = malloc(r.nprog * sizeof *p->prog))) {
		rc = -EPROTO;
	} else if (!read_by(fds[0], p->prog, r.nprog * sizeof *p->prog, deadline)) {
		free(p->prog);
		p->prog = NULL;
		rc = -ETIMEDOUT;
	} else {
		p->nprog = r.nprog;
		rc = 0;
	}
	close(fds[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return rc;
}
