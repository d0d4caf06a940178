#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* One request, harness -> server; the case's pipe end rides along
 * (SCM_RIGHTS).  SOCK_SEQPACKET keeps requests whole. */
struct request {
	int32_t slot, pos, aux;
};

static struct {
	launch_body body;
	void (*prepare)(void);
	int slots;
	pid_t harness;
	pid_t server;         /* > 0 while the server is in use */
	int sock;             /* the harness's end */
	/* one per slot, shared with the server: the kernel writes the pid
	 * there (CLONE_PARENT_SETTID) before the process first runs; the
	 * server writes -errno there when it could not make it.  Then two
	 * for the probe: its pid, and the parent it saw. */
	volatile pid_t *pids; /* MAP_SHARED */
	pid_t *forked;        /* the harness's own record, when it forks */
	int exit_fd;          /* signalfd for SIGCHLD, or -1 */
	sigset_t old_mask;
} L = {.sock = -1, .server = -1, .exit_fd = -1};

/* SIGCHLD is blocked in the harness for its signalfd; a case's process
 * must have it as the harness had it before. */
static void restore_mask(void)
{
	sigprocmask(SIG_SETMASK, &L.old_mask, NULL);
}

/* clone(CLONE_PARENT) with fork's semantics (no new stack): the child
 * goes on from here on a copy of this stack.  The raw call, as glibc has no
 * wrapper for a stackless clone; only the argument order differs by
 * architecture, and parent_tid is the third everywhere. */
static long clone_sibling(volatile pid_t *ptid)
{
	unsigned long flags = CLONE_PARENT | CLONE_PARENT_SETTID | SIGCHLD;
#if defined(__s390__) || defined(__s390x__)
	return syscall(SYS_clone, 0UL, flags, ptid, NULL, 0UL);
#else
	return syscall(SYS_clone, flags, 0UL, ptid, NULL, 0UL);
#endif
}

/* In a case's process, before anything else: die with the harness; and
 * if it died before that was set, now. */
static void bind_to_harness(void)
{
	/* through syscall(), whose page the process touched already: each
	 * other page of libc would be a page fault */
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (syscall(SYS_getppid) != L.harness)
		_exit(1);
}

/* The first thing the server does: a process made as a case's will be,
 * which says who its parent is and exits; its pid goes to the harness.
 * Where clone(CLONE_PARENT) is refused the server exits instead. */
static void probe(int sock)
{
	long pid = clone_sibling(&L.pids[L.slots]);
	if (pid == 0) {
		L.pids[L.slots + 1] = getppid();
		_exit(0);
	}
	pid_t p = (pid_t)pid;
	if (pid < 0 || send(sock, &p, sizeof p, MSG_NOSIGNAL) != (ssize_t)sizeof p)
		_exit(1);
}

__attribute__((noreturn)) static void serve(int sock)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != L.harness)
		_exit(0);
	/* out of the way of the /dev/null that prepare puts on 0-2 */
	if (sock <= 2) {
		int moved = fcntl(sock, F_DUPFD_CLOEXEC, 3);
		if (moved >= 0) {
			close(sock);
			sock = moved;
		}
	}
	probe(sock);
	if (L.exit_fd >= 0)
		close(L.exit_fd);
	restore_mask();
	L.prepare();
	for (;;) {
		struct request rq;
		struct iovec iov = {&rq, sizeof rq};
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} cm;
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
				    .msg_controllen = sizeof cm.buf};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the harness closed its end, or is gone */
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		if ((size_t)n != sizeof rq || rq.slot < 0 || rq.slot >= L.slots)
			_exit(1);
		if (!h || h->cmsg_type != SCM_RIGHTS || (mh.msg_flags & MSG_CTRUNC)) {
			/* the fd did not arrive: this process is out of them */
			L.pids[rq.slot] = -EMFILE;
			continue;
		}
		int fd;
		memcpy(&fd, CMSG_DATA(h), sizeof fd);
		long pid = clone_sibling(&L.pids[rq.slot]);
		if (pid == 0) {
			/* a case's process has no fd but its pipe's besides what
			 * the harness had; syscall(), as in bind_to_harness */
			syscall(SYS_close, sock);
			bind_to_harness();
			L.body(rq.pos, rq.aux, fd);
			_exit(1);
		}
		if (pid < 0)
			L.pids[rq.slot] = -errno;
		/* after the pid or -errno is written: the harness, seeing the
		 * pipe hang up, then finds one or the other */
		close(fd);
	}
}

static void drop_server(void);

static void start_server(void)
{
	void *p = mmap(NULL, ((size_t)L.slots + 2) * sizeof *L.pids, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return;
	L.pids = p;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (pid == 0) {
		close(sv[0]);
		serve(sv[1]);
	}
	close(sv[1]);
	L.sock = sv[0];
	L.server = pid;
	/* the probe must be the harness's child and see the harness as its
	 * parent (gVisor, for one, makes it the former but not the latter,
	 * and PR_SET_PDEATHSIG would follow the server): else, fork */
	pid_t probe_pid = 0, got = -1;
	int status = 0;
	ssize_t n;
	do
		n = recv(L.sock, &probe_pid, sizeof probe_pid, 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof probe_pid && probe_pid > 0)
		while ((got = waitpid(probe_pid, &status, 0)) < 0 && errno == EINTR)
			;
	if (got != probe_pid || L.pids[L.slots + 1] != L.harness || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		drop_server();
}

void launcher_start(int slots, launch_body body, void (*prepare)(void))
{
	L.body = body;
	L.prepare = prepare;
	L.slots = slots;
	L.harness = getpid();
	L.forked = calloc((size_t)slots, sizeof *L.forked);
	if (!L.forked) {
		fputs("splicecheck: out of memory\n", stderr);
		exit(2);
	}
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &L.old_mask);
	L.exit_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (L.exit_fd < 0)
		restore_mask();
	if (!getenv("SPLICECHECK_FORK"))
		start_server();
}

/* The server is of no more use: end it; the harness forks from now on. */
static void drop_server(void)
{
	if (L.sock >= 0)
		close(L.sock);
	L.sock = -1;
	if (L.server <= 0)
		return;
	kill(L.server, SIGKILL);
	while (waitpid(L.server, NULL, 0) < 0 && errno == EINTR)
		;
	L.server = -1;
}

static int fork_case(int slot, int pos, int aux, int out_fd)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(out_fd);
		return -err;
	}
	if (pid == 0) {
		bind_to_harness();
		/* out of the way of the /dev/null that prepare puts on 0-2 (a
		 * harness started with one of them closed gets it for a pipe) */
		if (out_fd <= 2)
			out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
		if (L.exit_fd >= 0)
			close(L.exit_fd);
		restore_mask();
		L.prepare();
		L.body(pos, aux, out_fd);
		_exit(1);
	}
	close(out_fd);
	L.forked[slot] = pid;
	return 0;
}

int launcher_spawn(int slot, int pos, int aux, int out_fd)
{
	L.forked[slot] = 0;
	if (L.pids)
		L.pids[slot] = 0;
	if (L.server > 0) {
		struct request rq = {.slot = slot, .pos = pos, .aux = aux};
		struct iovec iov = {&rq, sizeof rq};
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} cm;
		memset(&cm, 0, sizeof cm);
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
				    .msg_controllen = sizeof cm.buf};
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &out_fd, sizeof out_fd);
		ssize_t n;
		do
			n = sendmsg(L.sock, &mh, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof rq) {
			close(out_fd);
			return 0;
		}
		drop_server();
	}
	return fork_case(slot, pos, aux, out_fd);
}

pid_t launcher_pid(int slot)
{
	if (L.forked[slot])
		return L.forked[slot];
	return L.pids ? L.pids[slot] : 0;
}

int launcher_lost(int slot)
{
	pid_t v = L.pids ? L.pids[slot] : 0;
	if (v < 0 && (v == -EAGAIN || v == -ENOMEM || v == -EMFILE || v == -ENFILE))
		return -v;
	/* the server died, or clone(CLONE_PARENT) is refused here (a
	 * seccomp filter, a kernel without it): fork instead */
	drop_server();
	return 0;
}

int launcher_exit_fd(void) { return L.exit_fd; }

pid_t launcher_reap(int *status)
{
	if (L.exit_fd < 0)
		return 0;
	/* SIGCHLD is not queued: one pending at most, one read clears it */
	struct signalfd_siginfo si[8];
	if (read(L.exit_fd, si, sizeof si) < 0 && errno != EAGAIN && errno != EINTR)
		return 0;
	for (;;) {
		pid_t pid = waitpid(-1, status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return 0;
		if (pid != L.server)
			return pid;
		/* the server died: the requests it had are lost, and their
		 * pipes hang up with no pid; from now on the harness forks */
		L.server = -1;
		drop_server();
	}
}

void launcher_stop(void)
{
	if (L.server > 0) {
		close(L.sock);
		L.sock = -1;
		while (waitpid(L.server, NULL, 0) < 0 && errno == EINTR)
			;
		L.server = -1;
	}
}

void launcher_free(void)
{
	launcher_stop();
	if (L.exit_fd >= 0) {
		close(L.exit_fd);
		L.exit_fd = -1;
		restore_mask();
	}
	if (L.pids)
		munmap((void *)L.pids, ((size_t)L.slots + 2) * sizeof *L.pids);
	L.pids = NULL;
	free(L.forked);
	L.forked = NULL;
}
