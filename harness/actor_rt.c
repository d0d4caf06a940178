#include "actor_rt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

unsigned long long rt_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)t.tv_sec * 1000000000ULL + (unsigned long long)t.tv_nsec;
}

static ssize_t rt_read_file(pid_t pid, pid_t tid, const char *name, char *buf, size_t cap)
{
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/%s", (int)pid, (int)tid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int task_sleeps_in(pid_t pid, pid_t tid, long nr)
{
	char buf[512];
	if (nr < 0)
		return 0;
	if (rt_read_file(pid, tid, "syscall", buf, sizeof buf) < 0)
		return -1;
	/* "running", or a negative number outside any call, never match */
	if (!(buf[0] >= '0' && buf[0] <= '9') || atol(buf) != nr)
		return 0;
	if (rt_read_file(pid, tid, "stat", buf, sizeof buf) < 0)
		return -1;
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] == 'S';
}

int task_works(pid_t pid, pid_t tid)
{
	char buf[512];
	/* where /proc has no syscall file (gVisor) its state cannot be
	 * trusted either */
	if (rt_read_file(pid, tid, "syscall", buf, sizeof buf) < 0)
		return -1;
	if (strncmp(buf, "running", 7) == 0)
		return 1;
	if (rt_read_file(pid, tid, "stat", buf, sizeof buf) < 0)
		return -1;
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && (rp[2] == 'R' || rp[2] == 'D');
}

/* How often the task has been switched out: a task seen asleep twice with
 * the same count slept all the time in between. */
static long long task_switches(pid_t pid, pid_t tid)
{
	char buf[2048];
	if (rt_read_file(pid, tid, "status", buf, sizeof buf) < 0)
		return -1;
	long long sum = 0;
	int found = 0;
	for (const char *p = buf; (p = strstr(p, "ctxt_switches:")); p++, found++)
		sum += atoll(p + strlen("ctxt_switches:"));
	return found == 2 ? sum : -1;
}

static void rt_write_int(int fd, int v)
{
	while (write(fd, &v, sizeof v) < 0 && errno == EINTR)
		;
}

static void actor_loop(struct actor *a)
{
	rt_write_int(a->ack_w, (int)syscall(SYS_gettid));
	for (;;) {
		int item;
		ssize_t n = read(a->cmd_r, &item, sizeof item);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof item || item < 0)
			return;
		a->run(item, a->arg);
		rt_write_int(a->ack_w, item);
	}
}

static void *actor_thread(void *arg)
{
	actor_loop(arg);
	return NULL;
}

/* Reads an int from the actor's ack pipe, waiting at most ms (-1: no
 * bound): 1 read, 0 none yet, -1 the pipe closed. */
static int read_ack(struct actor *a, int ms, int *v)
{
	struct pollfd p = {.fd = a->ack_r, .events = POLLIN};
	int r = poll(&p, 1, ms);
	if (r <= 0)
		return 0;
	ssize_t n = read(a->ack_r, v, sizeof *v);
	if (n < 0 && errno == EINTR)
		return 0;
	return n == (ssize_t)sizeof *v ? 1 : -1;
}

int actor_start(struct actor *a, bool process, void (*run)(int item, void *arg), void *arg)
{
	int cmd[2], ack[2];
	if (pipe2(cmd, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ack, O_CLOEXEC) < 0) {
		int e = errno;
		close(cmd[0]);
		close(cmd[1]);
		errno = e;
		return -1;
	}
	*a = (struct actor){.process = process, .pid = getpid(), .cmd_r = cmd[0], .cmd_w = cmd[1], .ack_r = ack[0],
			    .ack_w = ack[1], .signalled = -1, .run = run, .arg = arg};
	int err = 0;
	if (process) {
		pid_t pid = fork();
		if (pid < 0) {
			err = errno;
		} else if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(a->cmd_w);
			close(a->ack_r);
			actor_loop(a);
			_exit(0);
		} else {
			a->pid = pid;
			close(a->cmd_r);
			close(a->ack_w);
			a->cmd_r = a->ack_w = -1;
		}
	} else {
		err = pthread_create(&a->thread, NULL, actor_thread, a);
	}
	int tid = 0;
	if (!err) {
		int got;
		while ((got = read_ack(a, -1, &tid)) == 0)
			;
		if (got < 0)
			err = EIO;
	}
	if (err) {
		close(cmd[0]);
		close(cmd[1]);
		close(ack[0]);
		close(ack[1]);
		errno = err;
		return -1;
	}
	a->tid = tid;
	return 0;
}

int actor_send(struct actor *a, int item, long nr)
{
	int q = a->sent % ACTOR_QUEUE;
	a->item[q] = item;
	a->nr[q] = nr;
	a->sent_ns[q] = rt_now_ns();
	a->sent++;
	rt_write_int(a->cmd_w, item);
	return 0;
}

/* Reads the acks there are (waiting at most ms for the first). */
static void take_acks(struct actor *a, int ms)
{
	int v, got;
	while (!a->gone && a->acked < a->sent && (got = read_ack(a, ms, &v)) != 0) {
		if (got < 0) {
			a->gone = true;
			int st = 0;
			if (a->process && waitpid(a->pid, &st, 0) == a->pid && WIFSIGNALED(st))
				a->dead_sig = WTERMSIG(st);
			break;
		}
		a->acked++;
		ms = 0;
	}
}

bool actor_busy(struct actor *a)
{
	take_acks(a, 0);
	return !a->gone && a->acked < a->sent;
}

static int oldest(const struct actor *a) { return a->acked % ACTOR_QUEUE; }

int actor_wait_sleeping(struct actor *a, const struct actor_watch *w)
{
	bool use_proc = w->use_proc;
	for (;;) {
		if (!actor_busy(a)) {
			errno = EALREADY;
			return -1;
		}
		int q = oldest(a);
		if (use_proc) {
			int s = task_sleeps_in(a->pid, a->tid, a->nr[q]);
			if (s == 1)
				return 0;
			use_proc = s == 0;
		}
		/* where /proc cannot tell: a step in its call this long sleeps */
		if (!use_proc && (rt_now_ns() - a->sent_ns[q]) / 1000000u >= w->timeout_ms)
			return 0;
		take_acks(a, 1);
	}
}

int actor_join(struct actor *a, struct actor *all, int n, const struct actor_watch *w)
{
	bool use_proc = w->use_proc;
	unsigned long long start = rt_now_ns();
	long long prev[16];
	bool have_prev = false;
	while (actor_busy(a)) {
		int q = oldest(a);
		bool fire = false;
		if (a->signalled != a->acked && use_proc) {
			/* every busy actor asleep in its call, twice, none switched */
			long long now[16] = {0};
			bool all_asleep = true, same = have_prev;
			for (int i = 0; i < n && i < 16 && all_asleep; i++) {
				struct actor *b = &all[i];
				now[i] = 0;
				if (!actor_busy(b))
					continue;
				int s = task_sleeps_in(b->pid, b->tid, b->nr[oldest(b)]);
				if (s < 0)
					use_proc = false;
				all_asleep = s == 1;
				now[i] = task_switches(b->pid, b->tid);
				same = same && now[i] >= 0 && now[i] == prev[i];
			}
			fire = all_asleep && same;
			have_prev = all_asleep;
			memcpy(prev, now, sizeof prev);
		}
		if (a->signalled != a->acked && !use_proc) {
			unsigned long long since = a->sent_ns[q] > start ? a->sent_ns[q] : start;
			fire = (rt_now_ns() - since) / 1000000u >= w->timeout_ms;
		}
		if (fire) {
			actor_signal(a, w->signal);
			a->signalled = a->acked;
		}
		take_acks(a, 1);
	}
	return a->gone && a->acked < a->sent ? a->item[oldest(a)] : -1;
}

int actor_signal(struct actor *a, int sig)
{
	return (int)syscall(SYS_tgkill, a->pid, a->tid, sig);
}

void actor_stop(struct actor *a)
{
	/* told, not left to see EOF: a process actor forked later holds a
	 * copy of this pipe's write end */
	if (!a->gone)
		rt_write_int(a->cmd_w, -1);
	close(a->cmd_w);
	if (a->process) {
		if (!a->gone)
			while (waitpid(a->pid, NULL, 0) < 0 && errno == EINTR)
				;
	} else {
		pthread_join(a->thread, NULL);
		close(a->cmd_r);
		close(a->ack_w);
	}
	close(a->ack_r);
}
