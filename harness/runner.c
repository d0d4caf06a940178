#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "names.h"
#include "sigrec.h"

/* How long a case's child may spend outside any step (making fixtures)
 * before it is killed as hung. */
#define SETUP_LIMIT_MS 10000

/* Results are held from a case's start until it and every case before it
 * are reported, in a ring of this many per job: the harness's memory stays
 * the same whatever the number of cases (a bigger process also forks
 * slower).  A case that runs long stalls new starts only once this many
 * later cases have finished behind it. */
#define WINDOW_PER_JOB 256

struct slot {
	pid_t pid;
	int fd;
	int order_pos; /* index into order[] */
	int in_step;   /* -1: not inside a step */
	int step_nr;
	bool may_wake;
	bool watchdog_sent, kill_sent;
	uint64_t phase_start, watchdog_at, started;
	char buf[sizeof(struct rec)];
	size_t have;
	char scratch[600];
};

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

void run_stop(int why) { stop_signal = why; }

/* What stops a run: an interrupt, and a report nobody reads any more
 * (SIGPIPE: `splicecheck | head -1`), after which the cases are killed
 * and the scratch directory removed as for SIGINT. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
#define NSTOP (sizeof stop_signals / sizeof *stop_signals)

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *path)
{
	if (path[0])
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Whether the child sleeps inside syscall nr: /proc says state S and the
 * syscall it is in.  Returns -1 where /proc cannot tell. */
static int sleeps_in(pid_t pid, int nr)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (atoi(buf) != nr || !(buf[0] >= '0' && buf[0] <= '9'))
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] == 'S';
}

struct run {
	const struct suite *s;
	const int *order;
	int n;
	const struct run_opts *o;
	struct case_result *res; /* ring of `window` entries: position pos is at pos % window */
	bool *finished;
	int window;
	pid_t self;
	int next_report;
	case_done_fn done;
	void *arg;
	char root[512], tmpfs_root[512];
};

static struct case_result *res_at(struct run *r, int pos) { return &r->res[pos % r->window]; }

static void free_result(struct case_result *res)
{
	xfree(res->out);
	xfree(res->overlay);
	xfree(res->overlaid);
	res->out = NULL;
	res->overlay = NULL;
	res->overlaid = NULL;
}

static void report_ready(struct run *r)
{
	while (r->next_report < r->n && r->finished[r->next_report % r->window]) {
		struct case_result *res = res_at(r, r->next_report);
		r->done(r->order[r->next_report], res, r->arg);
		free_result(res);
		r->finished[r->next_report % r->window] = false;
		r->next_report++;
	}
}

static void set_reason(struct case_result *res, enum case_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_reason(struct case_result *res, enum case_status st, const char *fmt, ...)
{
	res->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
}

static void handle_rec(struct run *r, struct slot *sl, const struct rec *rec)
{
	struct case_result *res = res_at(r, sl->order_pos);
	const struct tcase *c = &r->s->cases[r->order[sl->order_pos]];
	switch (rec->type) {
	case REC_STEP_START:
		if (rec->has_overlay && rec->step < c->nsteps) {
			res->overlay[rec->step] = rec->overlay;
			res->overlaid[rec->step] = 1;
		}
		sl->in_step = rec->step;
		sl->step_nr = rec->nr;
		sl->may_wake = rec->may_wake;
		sl->watchdog_sent = false;
		sl->phase_start = now_ns();
		break;
	case REC_STEP_DONE:
		if (rec->step < c->nsteps) {
			res->out[rec->step] = rec->out;
			if (rec->step + 1 > res->nout)
				res->nout = rec->step + 1;
		}
		sl->in_step = -1;
		sl->phase_start = now_ns();
		break;
	case REC_SKIP:
	case REC_BROKEN:
		set_reason(res, rec->type == REC_SKIP ? ST_SKIP : ST_BROKEN, "%.200s", rec->reason);
		break;
	}
}

static void finish_slot(struct run *r, struct slot *sl)
{
	int status = 0;
	while (waitpid(sl->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(sl->fd);
	struct case_result *res = res_at(r, sl->order_pos);
	const struct tcase *c = &r->s->cases[r->order[sl->order_pos]];
	res->ms = (double)(now_ns() - sl->started) / 1e6;
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		if (sl->in_step >= 0) {
			res->out[sl->in_step] = (struct outcome){.kind = OC_KILLED, .killsig = sig};
			res->nout = sl->in_step + 1;
			if (sl->kill_sent)
				set_reason(res, ST_PASS, "step %d did not return after the watchdog signal; killed",
					   sl->in_step + 1);
		} else if (res->status == ST_PASS) {
			set_reason(res, ST_BROKEN, "%s outside any step%s", signal_name(sig),
				   sl->kill_sent ? " (setup hung, killed)" : "");
		}
	} else if (WEXITSTATUS(status) != 0 && res->status == ST_PASS) {
		set_reason(res, ST_BROKEN, "the case's process exited with status %d", WEXITSTATUS(status));
	}
	if (res->status == ST_PASS && res->nout < c->nsteps && !(res->nout && res->out[res->nout - 1].kind == OC_KILLED))
		set_reason(res, ST_BROKEN, "the case's process ended after %d of %d steps", res->nout, c->nsteps);
	if (c->needs_scratch)
		remove_tree(sl->scratch);
	if (c->needs_tmpfs && r->tmpfs_root[0]) {
		char p[600];
		snprintf(p, sizeof p, "%s/%d", r->tmpfs_root, sl->order_pos);
		remove_tree(p);
	}
	r->finished[sl->order_pos % r->window] = true;
	sl->pid = 0;
}

/* Whether a failure to make a case's process is the system being short
 * of something (fds, processes, memory) rather than the harness broken. */
static bool resource_short(int err) { return err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM; }

enum start { STARTED, START_LATER, START_FAILED };

/* Starts case pos in slot sl (or settles it at once: a SKIP, a BROKEN).
 * When the system is short of fds or processes it waits for a running
 * case to free some (START_LATER); with none running, the case is BROKEN
 * with the reason and the run goes on. */
static enum start start_slot(struct run *r, struct slot *sl, int pos, int running)
{
	const struct tcase *c = &r->s->cases[r->order[pos]];
	struct case_result *res = res_at(r, pos);
	*res = (struct case_result){.status = ST_PASS};
	res->out = xcalloc((size_t)c->nsteps, sizeof *res->out);
	res->overlay = xcalloc((size_t)c->nsteps, sizeof *res->overlay);
	res->overlaid = xcalloc((size_t)c->nsteps, sizeof *res->overlaid);
	if (c->needs_root && geteuid() != 0) {
		set_reason(res, ST_SKIP, "needs root");
		r->finished[pos % r->window] = true;
		return STARTED;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int err = errno;
		if (resource_short(err) && running > 0) {
			free_result(res);
			return START_LATER;
		}
		if (!resource_short(err)) {
			perror("splicecheck: pipe2");
			return START_FAILED;
		}
		set_reason(res, ST_BROKEN, "cannot make the case's result pipe: %s", strerror(err));
		r->finished[pos % r->window] = true;
		return STARTED;
	}
	*sl = (struct slot){.order_pos = pos, .in_step = -1};
	if (c->needs_scratch) {
		snprintf(sl->scratch, sizeof sl->scratch, "%s/%d", r->root, pos);
		if (mkdir(sl->scratch, 0700) < 0) {
			set_reason(res, ST_BROKEN, "cannot make scratch directory %s: %s", sl->scratch, strerror(errno));
			close(p[0]);
			close(p[1]);
			r->finished[pos % r->window] = true;
			return STARTED;
		}
	}
	char tmpfs_dir[600] = "";
	if (c->needs_tmpfs && r->tmpfs_root[0]) {
		snprintf(tmpfs_dir, sizeof tmpfs_dir, "%s/%d", r->tmpfs_root, pos);
		if (mkdir(tmpfs_dir, 0700) < 0)
			tmpfs_dir[0] = '\0';
	}
	fflush(NULL);
	sl->started = sl->phase_start = now_ns();
	sl->pid = fork();
	if (sl->pid < 0) {
		int err = errno;
		sl->pid = 0;
		close(p[0]);
		close(p[1]);
		remove_tree(sl->scratch);
		if (tmpfs_dir[0])
			remove_tree(tmpfs_dir);
		if (resource_short(err) && running > 0) {
			free_result(res);
			return START_LATER;
		}
		if (!resource_short(err)) {
			errno = err;
			perror("splicecheck: fork");
			return START_FAILED;
		}
		set_reason(res, ST_BROKEN, "cannot fork the case's process: %s", strerror(err));
		r->finished[pos % r->window] = true;
		return STARTED;
	}
	if (sl->pid == 0) {
		close(p[0]);
		/* die with the harness; and if it died before that was set, now */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != r->self)
			_exit(1);
		/* a sanitizer (the ASan build) catches faults to report them and
		 * exits 1; in a case's process the fault is the case's outcome,
		 * so it must die by the signal as in the plain build */
		for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++)
			signal(fault_signals[i], SIG_DFL);
		struct make_env env = {.tmpfs_dir = tmpfs_dir[0] ? tmpfs_dir : NULL};
		child_run(c, p[1], c->needs_scratch ? sl->scratch : NULL, &env);
	}
	close(p[1]);
	sl->fd = p[0];
	return STARTED;
}

/* The watchdog: a step that sleeps in its call, or has run past the
 * timeout, gets the watchdog signal; one that ignores it, SIGKILL. */
static void watch(struct run *r, struct slot *sl, uint64_t now)
{
	const struct run_opts *o = r->o;
	uint64_t age_ms = (now - sl->phase_start) / 1000000u;
	if (sl->kill_sent)
		return;
	if (sl->in_step < 0) {
		if (age_ms >= SETUP_LIMIT_MS) {
			kill(sl->pid, SIGKILL);
			sl->kill_sent = true;
		}
		return;
	}
	if (sl->watchdog_sent) {
		if ((now - sl->watchdog_at) / 1000000u >= o->grace_ms) {
			kill(sl->pid, SIGKILL);
			sl->kill_sent = true;
		}
		return;
	}
	const struct tcase *c = &r->s->cases[r->order[sl->order_pos]];
	bool fire = age_ms >= (c->timeout_ms ? c->timeout_ms : o->timeout_ms);
	if (!fire && !sl->may_wake && o->detect_ms && age_ms >= o->detect_ms && sl->step_nr >= 0)
		fire = sleeps_in(sl->pid, sl->step_nr) == 1;
	if (fire) {
		kill(sl->pid, WATCHDOG_SIGNAL);
		sl->watchdog_sent = true;
		sl->watchdog_at = now;
	}
}

static int poll_timeout(const struct run *r, const struct slot *slots, int jobs)
{
	int t = 50;
	for (int i = 0; i < jobs; i++) {
		if (!slots[i].pid)
			continue;
		if (slots[i].in_step >= 0 && !slots[i].watchdog_sent)
			t = r->o->detect_ms ? 1 : 5;
		else if (slots[i].watchdog_sent && t > 5)
			t = 5;
	}
	return t;
}

static void read_slot(struct run *r, struct slot *sl)
{
	for (;;) {
		ssize_t n = read(sl->fd, sl->buf + sl->have, sizeof sl->buf - sl->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			finish_slot(r, sl);
			return;
		}
		sl->have += (size_t)n;
		if (sl->have == sizeof sl->buf) {
			struct rec rec;
			memcpy(&rec, sl->buf, sizeof rec);
			sl->have = 0;
			handle_rec(r, sl, &rec);
		}
		return;
	}
}

static bool make_roots(struct run *r)
{
	bool scratch = false, tmpfs = false;
	for (int i = 0; i < r->n; i++) {
		scratch |= r->s->cases[r->order[i]].needs_scratch;
		tmpfs |= r->s->cases[r->order[i]].needs_tmpfs;
	}
	if (scratch) {
		snprintf(r->root, sizeof r->root, "%s/splicecheck.XXXXXX", r->o->scratch_parent);
		if (!mkdtemp(r->root)) {
			fprintf(stderr, "splicecheck: cannot make a scratch directory in %s: %s\n", r->o->scratch_parent,
				strerror(errno));
			r->root[0] = '\0';
			return false;
		}
	}
	/* fs=tmpfs files need a directory on a tmpfs; where there is none
	 * those fixtures are skipped */
	if (tmpfs) {
		snprintf(r->tmpfs_root, sizeof r->tmpfs_root, "/dev/shm/splicecheck.XXXXXX");
		if (!mkdtemp(r->tmpfs_root))
			r->tmpfs_root[0] = '\0';
	}
	return true;
}

int run_cases(const struct suite *s, const int *order, int n, const struct run_opts *o, case_done_fn done, void *arg)
{
	struct run r = {.s = s, .order = order, .n = n, .o = o, .done = done, .arg = arg};
	int jobs = o->jobs > 0 ? o->jobs : 1;
	if (!make_roots(&r))
		return -1;
	r.window = jobs * WINDOW_PER_JOB;
	r.self = getpid();
	r.res = xcalloc((size_t)r.window, sizeof *r.res);
	r.finished = xcalloc((size_t)r.window, sizeof *r.finished);
	struct slot *slots = xcalloc((size_t)jobs, sizeof *slots);
	struct pollfd *pfd = xcalloc((size_t)jobs, sizeof *pfd);
	struct sigaction sa = {.sa_handler = on_stop}, old_sa[NSTOP];
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, &old_sa[i]);
	stop_signal = 0;
	int next = 0, running = 0, rc = 0;
	while (!stop_signal && (next < n || running > 0)) {
		for (int i = 0; i < jobs && next < n && next < r.next_report + r.window && !stop_signal; i++) {
			if (slots[i].pid)
				continue;
			enum start st = start_slot(&r, &slots[i], next, running);
			if (st == START_FAILED) {
				rc = -1;
				goto out;
			}
			if (st == START_LATER)
				break;
			next++;
			running += slots[i].pid != 0;
		}
		report_ready(&r);
		int np = 0;
		int map[jobs];
		for (int i = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			pfd[np] = (struct pollfd){.fd = slots[i].fd, .events = POLLIN};
			map[np++] = i;
		}
		if (np == 0)
			continue;
		int ready = poll(pfd, (nfds_t)np, poll_timeout(&r, slots, jobs));
		if (ready < 0 && errno != EINTR) {
			perror("splicecheck: poll");
			rc = -1;
			goto out;
		}
		for (int k = 0; k < np && ready > 0; k++) {
			if (pfd[k].revents) {
				read_slot(&r, &slots[map[k]]);
				running -= slots[map[k]].pid == 0;
			}
		}
		uint64_t now = now_ns();
		for (int i = 0; i < jobs; i++)
			if (slots[i].pid)
				watch(&r, &slots[i], now);
	}
	report_ready(&r);
out:
	if (stop_signal && rc == 0)
		rc = stop_signal;
	for (int i = 0; i < jobs; i++) {
		if (!slots[i].pid)
			continue;
		kill(slots[i].pid, SIGKILL);
		waitpid(slots[i].pid, NULL, 0);
		close(slots[i].fd);
		remove_tree(slots[i].scratch);
	}
	for (int i = 0; i < r.window; i++)
		free_result(&r.res[i]);
	if (r.root[0])
		remove_tree(r.root);
	if (r.tmpfs_root[0])
		remove_tree(r.tmpfs_root);
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &old_sa[i], NULL);
	xfree(r.res);
	xfree(r.finished);
	xfree(slots);
	xfree(pfd);
	return rc;
}
