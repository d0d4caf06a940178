/* Makers of the other fds the kernel hands out (issue 17's matrix: every
 * kind of fd in every operand position): unconnected sockets of any
 * family, fanotify, userfaultfd, a perf event, io_uring, a bpf map, the
 * mount API's fds, memfd_secret, a seccomp user-notification fd and a
 * landlock ruleset.  Each is made with arguments valid on every kernel
 * that has the feature, so a failure means the kernel, the sandbox or the
 * privilege lacks it: EINVAL (a flag or call it does not know) is turned
 * into EOPNOTSUPP, and the case is a SKIP naming why.  Structures the C
 * library does not define are spelt here, as the kernel's ABI fixes them,
 * so a reproducer compiles against old kernel headers too.  Part of the
 * runtime: see rt.h for the rules. */
#include "rt.h"

#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <sys/fanotify.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

/* fd from a call that probes a feature: EINVAL there means "not known
 * here". */
static int rt_probe(long fd, struct rt_fixture *fx, const char *what)
{
	if ((fx->fd[0] = (int)fd) >= 0)
		return 0;
	rt_failed = what;
	return errno == EINVAL ? EOPNOTSUPP : errno ? errno : EIO;
}

/* A socket of family domain, type and protocol, neither bound nor
 * connected. */
int rt_make_socket(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	return rt_probe(socket(a->domain, a->type, a->protocol), fx, "socket");
}

int rt_make_fanotify(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	return rt_probe(fanotify_init(FAN_CLASS_NOTIF, O_RDONLY), fx, "fanotify_init");
}

/* UFFD_USER_MODE_ONLY (1; 5.11) lets an unprivileged process have one;
 * a kernel before it says EINVAL and is asked without. */
int rt_make_userfaultfd(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | 1);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	return rt_probe(fd, fx, "userfaultfd");
}

/* A software counter of this process, disabled. */
int rt_make_perf_event(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	struct perf_event_attr pe;
	memset(&pe, 0, sizeof pe);
	pe.type = PERF_TYPE_SOFTWARE;
	pe.size = sizeof pe;
	pe.config = PERF_COUNT_SW_CPU_CLOCK;
	pe.disabled = 1;
	pe.exclude_kernel = 1;
	pe.exclude_hv = 1;
	return rt_probe(syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0), fx, "perf_event_open");
}

/* struct io_uring_params is 120 bytes, zero but for what the kernel
 * fills in. */
int rt_make_io_uring(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	uint32_t params[30];
	memset(params, 0, sizeof params);
	return rt_probe(syscall(SYS_io_uring_setup, 1, params), fx, "io_uring_setup");
}

/* BPF_MAP_CREATE (0) of a BPF_MAP_TYPE_ARRAY (2): key 4 bytes, value 8,
 * one entry; the rest of union bpf_attr zero. */
int rt_make_bpf_map(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	uint32_t attr[16];
	memset(attr, 0, sizeof attr);
	attr[0] = 2;
	attr[1] = 4;
	attr[2] = 8;
	attr[3] = 1;
	return rt_probe(syscall(SYS_bpf, 0, attr, sizeof attr), fx, "bpf(BPF_MAP_CREATE)");
}

/* A file system context for tmpfs (there on every kernel). */
int rt_make_fsopen(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	return rt_probe(syscall(SYS_fsopen, "tmpfs", 0), fx, "fsopen");
}

/* A context to reconfigure the mount at path (nothing is reconfigured:
 * that takes an fsconfig call). */
int rt_make_fspick(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	return rt_probe(syscall(SYS_fspick, AT_FDCWD, a->path ? a->path : "/", 0), fx, "fspick");
}

/* The mount at path, not cloned: an O_PATH-like fd. */
int rt_make_open_tree(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	return rt_probe(syscall(SYS_open_tree, AT_FDCWD, a->path ? a->path : "/", 0), fx, "open_tree");
}

int rt_make_memfd_secret(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	return rt_probe(syscall(SYS_memfd_secret, 0), fx, "memfd_secret");
}

/* The listener of a filter that allows every call: nothing is ever
 * notified, and the case runs as before.  Installing a filter takes
 * no_new_privs (or CAP_SYS_ADMIN); the case's process sets it, which
 * changes nothing else a case does. */
int rt_make_seccomp_notify(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		rt_failed = "PR_SET_NO_NEW_PRIVS";
		return errno;
	}
	return rt_probe(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog), fx,
			"seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)");
}

/* A ruleset handling LANDLOCK_ACCESS_FS_EXECUTE (1), not enforced: struct
 * landlock_ruleset_attr's first field is all a 5.13 kernel reads. */
int rt_make_landlock(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	uint64_t handled_access_fs = 1;
	return rt_probe(syscall(SYS_landlock_create_ruleset, &handled_access_fs, sizeof handled_access_fs, 0), fx,
			"landlock_create_ruleset");
}
