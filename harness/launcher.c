#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

/* A case to run, harness -> whichever spare (or the server) takes it; the
 * case's pipe end rides along (SCM_RIGHTS).  SOCK_SEQPACKET keeps each
 * one whole and gives it to one reader. */
struct go {
	int32_t slot, pos, aux;
};

/* A spare's entry, in the page shared with the server and the spares. */
enum { SPARE_FREE, SPARE_ASKED, SPARE_TAKEN };
struct spare {
	volatile pid_t pid;     /* the kernel writes it (CLONE_PARENT_SETTID);
				 * the server, -errno when it could not */
	volatile int32_t state; /* the harness: FREE, ASKED; the spare: TAKEN */
};

static struct {
	launch_body body;
	void (*prepare)(void);
	void (*warm)(void);
	int slots;
	bool spares;       /* LAUNCH_SPARES: the server makes spares */
	bool retired;      /* the last case is sent: the server and the
			    * waiting spares are ending, none is replaced */
	long fail_spares;  /* SPLICECHECK_SPARES_FAIL: spares the server is to
			    * fail to make, as if out of processes (tests) */
	pid_t harness;
	pid_t server;      /* > 0 while the server is in use */
	int sock;          /* the harness's end: spare requests (an entry's index) */
	int go;            /* the harness's end of the go socket */
	int go_peer;       /* the server's and the spares' end (-1 in the harness) */
	/* MAP_SHARED: a pid per slot (the kernel writes it when the server
	 * makes the process, the spare when it takes the case; the server
	 * writes -errno when no process could be had), then three for the
	 * probe (its pid, the parent it saw, the us of CPU its clone took,
	 * or -1), one that is 1 when the run keeps to one CPU
	 * (keep_to_one_cpu), then the spares */
	volatile pid_t *pids;
	struct spare *spare;
	int nspare;
	size_t map_len;
	pid_t *forked;     /* the harness's own record, when it forks */
	int exit_fd;       /* signalfd for SIGCHLD, or -1 */
	bool in_batch;     /* launcher_reap: read it, not yet reaped to none */
	sigset_t old_mask;
	bool may_pin;        /* -j 1 with CPUs to spare: user_cpus is set, and
			      * this process may be kept to one of them */
	int one_cpu_said;    /* SPLICECHECK_ONE_CPU: 1 keep to one CPU, 0 do
			      * not (tests); -1 the probe's clone decides */
	bool tried_one_cpu;  /* the harness is on one CPU: try_one_cpu */
	cpu_set_t user_cpus; /* the CPUs the harness was given: its cases' */
} L = {.sock = -1, .go = -1, .go_peer = -1, .server = -1, .exit_fd = -1};

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

/* -j 1 runs a case at a time, and each is a chain of hand-overs: the
 * harness to the spare that takes the case, the harness to the server for
 * the next spare, the case's process back to the harness as it ends.
 * Across CPUs each is the wakeup of a CPU that went idle, which in a
 * virtual machine can cost more than making a process: a round trip
 * through a pipe took 90 us across this machine's two vCPUs, 4 us on one,
 * and the server's clone 40-180 us of CPU.  There the harness, its server
 * and its spares had best keep to one CPU, and so does a case's process
 * while it is one thread of work; it gets the harness's CPUs back before
 * it starts an actor (launcher_unpin), so that actors run at once as they
 * would have.  Giving them back to every case as it starts lost most of the
 * gain (1000 trivial cases: 167 ms, against 150 kept and 169 not): the
 * scheduler then moves the case's process, and its end wakes the harness
 * across CPUs again.
 * Where making a process costs more than those hand-overs, the spare made
 * on another CPU while a case runs is worth them: the ASan build's clone
 * took 430-750 us here, a fork in a TCG guest about 2 ms, and kept to one
 * CPU they ran 1000 trivial cases 34-67 % and 23-30 % slower.  So the CPU
 * the probe's clone took decides: at most PIN_CLONE_US, between the two,
 * one CPU.  The start is on one CPU whatever the clone turns out to cost
 * (try_one_cpu), which saves the hand-shake with the server and the probe
 * 0.2 ms of wakeups.  Kept to one CPU, the server makes no spares but each
 * case's process as its case starts (serve_every_case).  More slots than
 * one would queue on one CPU.
 * SPLICECHECK_ONE_CPU=1 or 0 decides instead of the clone (tests). */
enum { PIN_CLONE_US = 250 };

static void may_pin(int slots)
{
	L.may_pin = slots == 1 && sched_getaffinity(0, sizeof L.user_cpus, &L.user_cpus) == 0 &&
		    CPU_COUNT(&L.user_cpus) > 1;
}

static volatile pid_t *kept_to_one_cpu(void)
{
	return &L.pids[L.slots + 3];
}

/* Before the server is forked, so that it and the probe start on that
 * CPU too: the harness to the CPU it is on, which the scheduler chose */
static void try_one_cpu(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();
	L.tried_one_cpu = false;
	if (!L.may_pin || L.one_cpu_said == 0 || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &L.user_cpus))
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	L.tried_one_cpu = sched_setaffinity(0, sizeof one, &one) == 0;
}

/* A message to the server, which would otherwise be an entry's index: from
 * now on take every case and make its process as it starts; no spares */
enum { SERVE_EVERY_CASE = -1 };

static void drop_server(void);

/* One message to the server (an entry's index, or SERVE_EVERY_CASE); when
 * it cannot be sent the server is dropped and the harness forks from now
 * on.  False then. */
static bool tell_server(int32_t msg)
{
	ssize_t n;
	do
		n = send(L.sock, &msg, sizeof msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof msg)
		return true;
	drop_server();
	return false;
}

/* On one CPU nothing makes a spare while a case runs, and a spare is one
 * more process switch a case: the server makes each case's process as
 * its case starts, as where the user gave the harness one CPU */
static void serve_every_case(void)
{
	tell_server(SERVE_EVERY_CASE);
	L.spares = false;
}

/* After the probe, before any spare: kept to one CPU where its clone was
 * cheap, else the harness and the server get every CPU back */
static void keep_to_one_cpu(long clone_us)
{
	bool cheap = clone_us >= 0 && clone_us <= PIN_CLONE_US;
	if (!L.tried_one_cpu)
		return;
	if ((L.one_cpu_said < 0 ? cheap : L.one_cpu_said) && L.server > 0) {
		*kept_to_one_cpu() = 1;
		if (L.spares)
			serve_every_case();
		return;
	}
	if (L.server > 0)
		sched_setaffinity(L.server, sizeof L.user_cpus, &L.user_cpus);
	sched_setaffinity(0, sizeof L.user_cpus, &L.user_cpus);
	L.tried_one_cpu = false;
}

void launcher_unpin(void)
{
	if (L.may_pin && L.pids && *kept_to_one_cpu() == 1)
		sched_setaffinity(0, sizeof L.user_cpus, &L.user_cpus);
	L.may_pin = false;
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

/* The next case from the go socket: 1 with *fd its pipe end (-1 when the
 * fd did not come: this process is out of them); 0 at its end (the
 * harness closed it: the run is over); -1 when there is none now (flags
 * MSG_DONTWAIT; another took it). */
static int take_go(struct go *g, int *fd, int flags)
{
	struct iovec iov = {g, sizeof *g};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
	long n;
	do
		n = syscall(SYS_recvmsg, L.go_peer, &mh, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n != (long)sizeof *g || g->slot < 0 || g->slot >= L.slots)
		return 0;
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	*fd = -1;
	if (h && h->cmsg_type == SCM_RIGHTS && !(mh.msg_flags & MSG_CTRUNC))
		memcpy(fd, CMSG_DATA(h), sizeof *fd);
	return 1;
}

/* A spare: a case's process made before its case, waiting for one.  The
 * server makes one for each case the harness starts, while that case
 * runs; so starting the next case costs the harness one message, not the
 * making of a process.  It becomes the case's process as it takes it: its
 * pid goes where the harness looks for that case's. */
__attribute__((noreturn)) static void be_spare(int k, int server_sock)
{
	syscall(SYS_close, server_sock);
	bind_to_harness();
	if (L.warm)
		L.warm();
	(void)L.spare[k].state; /* its page, which it writes on taking a case */
	for (;;) {
		struct go g;
		int fd;
		if (take_go(&g, &fd, 0) <= 0)
			_exit(0);
		if (fd < 0) {
			L.pids[g.slot] = -EMFILE;
			continue;
		}
		/* TAKEN first: a spare that dies between the two is never
		 * taken for that case's process (its case hangs up unmade) */
		L.spare[k].state = SPARE_TAKEN;
		L.pids[g.slot] = L.spare[k].pid;
		syscall(SYS_close, L.go_peer);
		L.body(g.pos, g.aux, fd);
		_exit(1);
	}
}

/* A case the server takes itself, when one comes that no spare takes
 * first, and whose process it makes (or says why not): one for each spare
 * it could not make, so that no case waits for a spare that is not there;
 * every case, when it makes no spares (LAUNCH_SERVER).  Like take_go. */
static int take_one(int server_sock)
{
	struct go g;
	int fd;
	int r = take_go(&g, &fd, MSG_DONTWAIT);
	if (r <= 0)
		return r;
	if (fd < 0) {
		L.pids[g.slot] = -EMFILE;
		return 1;
	}
	long pid = clone_sibling(&L.pids[g.slot]);
	if (pid == 0) {
		syscall(SYS_close, server_sock);
		syscall(SYS_close, L.go_peer);
		bind_to_harness();
		L.body(g.pos, g.aux, fd);
		_exit(1);
	}
	if (pid < 0)
		L.pids[g.slot] = -errno;
	/* after the pid or -errno is written: the harness, seeing the pipe
	 * hang up, then finds one or the other */
	close(fd);
	return 1;
}

/* The first thing the server does: a process made as a case's will be,
 * which says who its parent is and exits; its pid goes to the harness.
 * Where clone(CLONE_PARENT) is refused the server exits instead. */
static void probe(int sock)
{
	/* the CPU it took, not the time: a loaded machine's is no dearer */
	struct timespec t0, t1;
	bool timed = clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0) == 0;
	long pid = clone_sibling(&L.pids[L.slots]);
	if (pid == 0) {
		L.pids[L.slots + 1] = getppid();
		_exit(0);
	}
	timed = clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1) == 0 && timed;
	L.pids[L.slots + 2] = timed ? (pid_t)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000) : -1;
	pid_t p = (pid_t)pid;
	if (pid < 0 || send(sock, &p, sizeof p, MSG_NOSIGNAL) != (ssize_t)sizeof p)
		_exit(1);
}

/* fd, moved out of the way of the /dev/null that prepare puts on 0-2 */
static int above_stdio(int fd)
{
	if (fd > 2)
		return fd;
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (moved < 0)
		return fd;
	close(fd);
	return moved;
}

__attribute__((noinline, noreturn)) static void serve_loop(int sock)
{
	/* cases the server owes: one for each spare it could not make; all
	 * of them, when it makes none (LAUNCH_SERVER) */
	int owed = L.spares ? 0 : INT_MAX;
	for (;;) {
		if (owed > 0) {
			struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = L.go_peer, .events = POLLIN}};
			if (poll(p, 2, -1) < 0)
				continue;
			if (p[1].revents) {
				int r = take_one(sock);
				if (r > 0 && owed != INT_MAX)
					owed--;
				else if (r == 0)
					owed = 0; /* the run is over: no more cases */
			}
			if (!p[0].revents)
				continue;
		}
		int32_t k;
		ssize_t n = recv(sock, &k, sizeof k, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the harness closed its end, or is gone */
		if (n != (ssize_t)sizeof k || k < SERVE_EVERY_CASE || k >= L.nspare)
			_exit(1);
		if (k == SERVE_EVERY_CASE) {
			owed = INT_MAX;
			continue;
		}
		long pid;
		if (L.fail_spares > 0) {
			L.fail_spares--;
			pid = -1;
			errno = EAGAIN;
		} else {
			pid = clone_sibling(&L.spare[k].pid);
		}
		if (pid == 0)
			be_spare(k, sock);
		if (pid < 0) {
			L.spare[k].pid = -errno;
			owed++;
		}
	}
}

/* The frames a case's process writes first are those below the server's
 * loop (take_one's or be_spare's, case_main's, child_run's, a step's):
 * each page of them is a copy-on-write fault in it.  A trivial case's
 * take about 3.5 KiB, which span one page or two as the stack's start
 * falls (at random): so the loop starts near the top of a page. */
enum { LOOP_PAGE_OFFSET = 4000 };

__attribute__((noinline, noreturn)) static void serve_from_page_top(int sock)
{
	size_t page = (size_t)getpagesize();
	size_t at = (uintptr_t)__builtin_frame_address(0) % page;
	size_t pad = (at + page - LOOP_PAGE_OFFSET) % page;
	char gap[pad + 1];
	/* the compiler may not leave it out: the loop's frames go below it */
	__asm__ volatile("" : : "r"(gap) : "memory");
	serve_loop(sock);
}

__attribute__((noreturn)) static void serve(int sock)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != L.harness)
		_exit(0);
	sock = above_stdio(sock);
	L.go_peer = above_stdio(L.go_peer);
	probe(sock);
	if (L.exit_fd >= 0)
		close(L.exit_fd);
	restore_mask();
	L.prepare();
	/* what the harness freed before the fork: pages no process the
	 * server makes needs a copy of (the built-in suite's server keeps
	 * 35 heap pages of 89, each case's process copies and frees 54 fewer
	 * page-table entries) */
	malloc_trim(0);
	serve_from_page_top(sock);
}

static void start_server(void)
{
	/* room for every spare there can be: one per slot and one more
	 * waiting, one per slot taken and not yet reaped, and those that died
	 * unreaped */
	L.nspare = 4 * L.slots + 8;
	L.map_len = ((size_t)L.slots + 4) * sizeof *L.pids + (size_t)L.nspare * sizeof *L.spare;
	void *p = mmap(NULL, L.map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	L.pids = p;
	L.spare = (struct spare *)((char *)p + ((size_t)L.slots + 4) * sizeof *L.pids);
	int sv[2], gv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, gv) < 0) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		close(gv[0]);
		close(gv[1]);
		return;
	}
	if (pid == 0) {
		close(sv[0]);
		close(gv[0]);
		L.go_peer = gv[1];
		serve(sv[1]);
	}
	close(sv[1]);
	close(gv[1]);
	L.sock = sv[0];
	L.go = gv[0];
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

/* Asks the server for one more spare; the harness forks from now on
 * where it cannot. */
static void ask_spare(void)
{
	int k = 0;
	/* an entry is free again when its process is reaped, or when the
	 * server could not make one (it took a case itself instead) */
	while (k < L.nspare && L.spare[k].state != SPARE_FREE && !(L.spare[k].pid < 0))
		k++;
	if (k == L.nspare) {
		drop_server();
		return;
	}
	L.spare[k].pid = 0;
	L.spare[k].state = SPARE_ASKED;
	if (!tell_server(k))
		L.spare[k].state = SPARE_FREE;
}

int launcher_overhead(enum launch_mode m, int slots)
{
	return m == LAUNCH_SPARES ? 1 + slots + 1 : m == LAUNCH_SERVER ? 1 : 0;
}

void launcher_start(int slots, enum launch_mode mode, launch_body body, void (*prepare)(void), void (*warm)(void))
{
	L.spares = mode == LAUNCH_SPARES;
	L.body = body;
	L.prepare = prepare;
	L.warm = warm;
	L.slots = slots;
	L.in_batch = false;
	L.retired = false;
	/* the path a spare the server cannot make takes (the server owes a
	 * case), which a real shortage reaches only by a race with other
	 * processes of the user: for tests */
	const char *fail = getenv("SPLICECHECK_SPARES_FAIL");
	L.fail_spares = fail ? strtol(fail, NULL, 10) : 0;
	const char *one = getenv("SPLICECHECK_ONE_CPU");
	L.one_cpu_said = one && *one ? strcmp(one, "0") != 0 : -1;
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
	/* before the server is forked: it and its processes know it too */
	may_pin(slots);
	if (mode != LAUNCH_FORK) {
		try_one_cpu();
		start_server();
		/* no server (it could not be made, or the probe failed):
		 * every CPU back, as the clone is not known */
		keep_to_one_cpu(L.server > 0 ? L.pids[L.slots + 2] : -1);
	}
	/* a spare per slot and one more, made while the harness gets on
	 * with the run: the spare a case takes has then waited a whole case
	 * at least, not just been made (at -j 1, 170 us a case against 198,
	 * median of 11 rounds of 1000 trivial cases) */
	for (int i = 0; i < slots + 1 && L.server > 0 && L.spares; i++)
		ask_spare();
}

/* The server is of no more use: end it; the harness forks from now on.
 * Spares still waiting take the cases sent already, then find the go
 * socket closed and exit (reaped as spares). */
static void drop_server(void)
{
	if (L.sock >= 0)
		close(L.sock);
	L.sock = -1;
	if (L.go >= 0)
		close(L.go);
	L.go = -1;
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

static bool send_go(int slot, int pos, int aux, int out_fd)
{
	struct go g = {.slot = slot, .pos = pos, .aux = aux};
	struct iovec iov = {&g, sizeof g};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	memset(&cm, 0, sizeof cm);
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &out_fd, sizeof out_fd);
	ssize_t n;
	do
		n = sendmsg(L.go, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof g;
}

/* No case will come after the one just sent: the server ends once it has
 * made what it was asked for, the spares still waiting as they find the
 * go socket shut (a case's go sent before is read first), each reaped as
 * it ends; launcher_stop then finds them gone, not ending. */
static void retire(void)
{
	L.retired = true;
	shutdown(L.go, SHUT_WR);
	close(L.sock);
	L.sock = -1;
}

int launcher_spawn(int slot, int pos, int aux, int out_fd, bool last)
{
	L.forked[slot] = 0;
	if (L.pids)
		L.pids[slot] = 0;
	if (L.server > 0 && !L.retired) {
		if (send_go(slot, pos, aux, out_fd)) {
			close(out_fd);
			/* the spare that takes it is replaced, while it runs;
			 * after the last, none is */
			if (last)
				retire();
			else if (L.spares)
				ask_spare();
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
	 * seccomp filter, a kernel without it), or the spare that took the
	 * case died before it was the case's: fork instead */
	drop_server();
	return 0;
}

int launcher_exit_fd(void) { return L.exit_fd; }

static int spare_of(pid_t pid)
{
	for (int k = 0; L.spare && k < L.nspare; k++)
		if (L.spare[k].state != SPARE_FREE && L.spare[k].pid == pid)
			return k;
	return -1;
}

/* pid has been reaped: true when it was a spare that never took a case
 * (killed while it waited), which is replaced. */
static bool reaped(pid_t pid)
{
	int k = spare_of(pid);
	if (k < 0)
		return false;
	bool waiting = L.spare[k].state == SPARE_ASKED;
	L.spare[k].state = SPARE_FREE;
	if (waiting && L.server > 0 && !L.retired)
		ask_spare();
	return waiting;
}

pid_t launcher_reap(int *status)
{
	if (L.exit_fd < 0)
		return 0;
	/* SIGCHLD is not queued: one pending at most, one read clears it;
	 * and once per batch of calls (to the one that finds none left): a
	 * child that ends after that read signals again */
	struct signalfd_siginfo si[8];
	if (!L.in_batch && read(L.exit_fd, si, sizeof si) < 0 && errno != EAGAIN && errno != EINTR)
		return 0;
	L.in_batch = true;
	for (;;) {
		pid_t pid = waitpid(-1, status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0) {
			L.in_batch = false;
			return 0;
		}
		if (pid == L.server) {
			/* the server died: the cases no spare had taken are
			 * lost, and their pipes hang up with no pid; from now
			 * on the harness forks */
			L.server = -1;
			drop_server();
			continue;
		}
		if (!reaped(pid))
			return pid;
	}
}

pid_t launcher_wait(pid_t pid, int *status)
{
	pid_t got;
	while ((got = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	if (got > 0)
		reaped(got);
	return got;
}

void launcher_abandon(void)
{
	drop_server();
	/* the waiting ones only: one that took a case is that case's */
	for (int k = 0; L.spare && k < L.nspare; k++)
		if (L.spare[k].state == SPARE_ASKED && L.spare[k].pid > 0)
			kill(L.spare[k].pid, SIGKILL);
}

void launcher_stop(void)
{
	drop_server();
	/* every process that will ever be is made: the spares still waiting
	 * end now (a case's process among them, when the run is stopped,
	 * which the runner kills anyway) */
	for (int k = 0; L.spare && k < L.nspare; k++)
		if (L.spare[k].state != SPARE_FREE && L.spare[k].pid > 0)
			kill(L.spare[k].pid, SIGKILL);
}

void launcher_free(void)
{
	launcher_stop();
	for (int k = 0; L.spare && k < L.nspare; k++) {
		if (L.spare[k].state != SPARE_FREE && L.spare[k].pid > 0)
			while (waitpid(L.spare[k].pid, NULL, 0) < 0 && errno == EINTR)
				;
		L.spare[k].state = SPARE_FREE;
	}
	if (L.exit_fd >= 0) {
		close(L.exit_fd);
		L.exit_fd = -1;
		restore_mask();
	}
	launcher_unpin();
	if (L.pids)
		munmap((void *)L.pids, L.map_len);
	L.pids = NULL;
	L.spare = NULL;
	free(L.forked);
	L.forked = NULL;
}
