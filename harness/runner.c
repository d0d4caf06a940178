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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor_rt.h"
#include "child.h"
#include "launcher.h"
#include "names.h"
#include "sigrec.h"

/* How long a case's child may spend outside any step (making fixtures)
 * before it is killed as hung. */
#define SETUP_LIMIT_MS 10000

/* The parent is not woken by each record a case's process sends, only by
 * its end: a case whose steps return at once costs one wakeup, as a bare
 * fork+wait does.  While a case runs, the parent looks at it (reads its
 * records, runs the watchdog): first after the look interval (1 ms; 5 ms
 * without /proc), or when a typical case of the run has ended if that is
 * later (the median of the last RECENT cases that ended by themselves), so
 * that most cases end before any look; then again after the interval when
 * a look found a step started or ended (it may sleep in its call), else
 * twice as late as the last time, up to LOOK_LATEST_MS.  Each look is a
 * wakeup: under qemu TCG, where a trivial case takes about 3 ms, a look
 * every millisecond was about a sixth of its time.  A step's age counts
 * from the look that found it started, never from earlier: the watchdog
 * may fire a look late, never early (under load, early would be a wrong
 * verdict). */
#define LOOK_MS_NO_PROC 5
#define LOOK_LATEST_MS 10
#define LOOK_LATEST_NS ((uint64_t)LOOK_LATEST_MS * 1000000u)
#define RECENT 16

/* A sync point (join, sleeping) watches the actors itself; the parent
 * ends it only after this long beyond the case's timeout: a bound, so
 * that nothing hangs, that no working case comes near. */
#define SYNC_LIMIT_MS 20000

/* A step still working in its call at the timeout (running, waiting for a
 * CPU, or in an uninterruptible wait such as disk I/O, as /proc says) is
 * not waiting for a wakeup: the timeout is put off for it up to this long
 * beyond it, so that a loaded machine that starves a step, or a slow disk,
 * does not make it `blocks`.  A step that spins or hangs in the kernel is
 * still ended, after this bound. */
#define WORKING_LIMIT_MS 10000

/* Results are held from a case's start until it and every case before it
 * are reported, in a ring of this many per job: the harness's memory stays
 * the same whatever the number of cases (a bigger process also forks
 * slower).  A case that runs long stalls new starts only once this many
 * later cases have finished behind it. */
#define WINDOW_PER_JOB 256

struct slot {
	pid_t pid;     /* 0: free; -1: started, its pid not known yet (launcher_pid) */
	int fd;
	int order_pos; /* index into order[] */
	int in_step;   /* -1: not inside a step */
	int actor_step[MAX_ACTORS + 1]; /* the step each actor is inside, or -1 */
	int step_nr;
	int may_wake; /* enum rec_watch */
	bool watchdog_sent, kill_sent;
	bool more;     /* the last read filled the buffer: there may be more to read */
	bool exited;   /* reaped (status): what is left is its pipe's end */
	int status;
	uint64_t phase_start, watchdog_at, started;
	uint64_t next_look; /* when the parent next reads what the child sent and runs the watchdog */
	uint64_t look_every; /* the interval before next_look */
	bool news;     /* a step of the main actor started or ended since the last look */
	char buf[sizeof(struct rec)];
	size_t have;
	char scratch[600];
};

static uint64_t look_ns(const struct run_opts *o)
{
	return (uint64_t)(o->detect_ms ? o->detect_ms : LOOK_MS_NO_PROC) * 1000000u;
}

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

/* The watchdog's signal to the case's main thread (not to the process:
 * that could reach one of its actors instead). */
static void signal_main(pid_t pid, int sig) { syscall(SYS_tgkill, pid, pid, sig); }

struct run {
	const struct suite *s;
	const int *order;
	int n;
	const struct run_opts *o;
	struct case_result *res; /* ring of `window` entries: position pos is at pos % window */
	bool *finished;
	int window;
	int next_report;
	case_done_fn done;
	void *arg;
	char root[512], tmpfs_root[512];
	struct slot *slots;
	int jobs;
	int *retry, nretry; /* cases to start again: their process was never made */
	uint32_t recent_us[RECENT]; /* how long the last cases that ended by themselves took */
	unsigned nrecent;
};

/* When to look at a case first, from its start: the look interval, or the
 * median time the last cases took when that is longer (up to
 * LOOK_LATEST_MS). */
static uint64_t first_look_ns(const struct run *r)
{
	uint64_t base = look_ns(r->o);
	int n = r->nrecent < RECENT ? (int)r->nrecent : RECENT;
	if (n == 0)
		return base;
	uint32_t v[RECENT];
	memcpy(v, r->recent_us, sizeof v);
	for (int i = 1; i < n; i++) /* insertion sort: n is at most 16 */
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint32_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	uint64_t typical = (uint64_t)v[n / 2] * 1000u;
	return typical <= base ? base : typical < LOOK_LATEST_NS ? typical : LOOK_LATEST_NS;
}

/* A case's directory under root: "root/pos".  The harness and the case's
 * process both name it so; without stdio, as in a case's process snprintf
 * is six pages of libc code (each a fault) that most cases run nothing
 * else of. */
static void case_dir(char *out, size_t size, const char *root, int pos)
{
	char digits[12];
	int nd = 0;
	unsigned v = (unsigned)pos;
	do
		digits[nd++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	size_t n = 0;
	for (; *root && n + 1 < size; root++)
		out[n++] = *root;
	if (n + 1 < size)
		out[n++] = '/';
	while (nd > 0 && n + 1 < size)
		out[n++] = digits[--nd];
	out[n] = '\0';
}

/* The pid of a slot's process, once the launcher has made it; <= 0 before. */
static pid_t slot_pid(const struct run *r, struct slot *sl)
{
	if (sl->pid < 0) {
		pid_t p = launcher_pid((int)(sl - r->slots));
		if (p > 0)
			sl->pid = p;
	}
	return sl->pid;
}

/* Sends sig to a slot's process, if it has been made. */
static void signal_slot(const struct run *r, struct slot *sl, int sig)
{
	if (slot_pid(r, sl) > 0)
		kill(sl->pid, sig);
}

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
		if (rec->actor) { /* the main actor's join watches an actor's steps */
			if (rec->actor <= MAX_ACTORS)
				sl->actor_step[rec->actor] = rec->step;
			break;
		}
		sl->in_step = rec->step;
		sl->news = true;
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
		if (rec->actor) {
			if (rec->actor <= MAX_ACTORS && sl->actor_step[rec->actor] == rec->step)
				sl->actor_step[rec->actor] = -1;
			break;
		}
		sl->in_step = -1;
		sl->news = true;
		sl->phase_start = now_ns();
		break;
	case REC_SKIP:
	case REC_BROKEN:
		set_reason(res, rec->type == REC_SKIP ? ST_SKIP : ST_BROKEN, "%.200s", rec->reason);
		break;
	}
}

static bool resource_short(int err);
static void remove_case_dirs(struct run *r, struct slot *sl, const struct tcase *c);

/* A slot whose pipe hung up before its process was made: the case is
 * started again (at once, or when a running case has freed what the
 * system is short of), or is BROKEN with the reason. */
static void lost_slot(struct run *r, struct slot *sl, const struct tcase *c)
{
	int err = launcher_lost((int)(sl - r->slots));
	int others = 0;
	for (int i = 0; i < r->jobs; i++)
		others += r->slots[i].pid != 0 && &r->slots[i] != sl;
	close(sl->fd);
	remove_case_dirs(r, sl, c);
	sl->pid = 0;
	if (err == 0 || (resource_short(err) && others > 0)) {
		free_result(res_at(r, sl->order_pos));
		r->retry[r->nretry++] = sl->order_pos;
		return;
	}
	set_reason(res_at(r, sl->order_pos), ST_BROKEN, "cannot fork the case's process: %s", strerror(err));
	r->finished[sl->order_pos % r->window] = true;
}

static void remove_case_dirs(struct run *r, struct slot *sl, const struct tcase *c)
{
	if (c->needs_scratch)
		remove_tree(sl->scratch);
	if (c->needs_tmpfs && r->tmpfs_root[0]) {
		char p[600];
		case_dir(p, sizeof p, r->tmpfs_root, sl->order_pos);
		remove_tree(p);
	}
}

/* The step a signal that ended the case's process belongs to.  An actor's
 * step and the main actor's can be in flight together; a process-wide kill
 * by the seccomp profile (SCMP_ACT_KILL_PROCESS) belongs to the one whose
 * call the profile kills, which the step's overlay says.  Otherwise the
 * main actor's step, or -1 between steps. */
static bool overlay_kills(const struct case_result *res, int step, int sig)
{
	return step >= 0 && res->overlaid[step] && res->overlay[step].kind == OC_KILLED &&
	       res->overlay[step].killsig == sig;
}

static int killed_step(const struct slot *sl, const struct case_result *res, int sig)
{
	if (overlay_kills(res, sl->in_step, sig))
		return sl->in_step;
	for (int a = 1; a <= MAX_ACTORS; a++)
		if (overlay_kills(res, sl->actor_step[a], sig))
			return sl->actor_step[a];
	return sl->in_step;
}

static void finish_slot(struct run *r, struct slot *sl)
{
	const struct tcase *c = &r->s->cases[r->order[sl->order_pos]];
	if (slot_pid(r, sl) <= 0) {
		lost_slot(r, sl, c);
		return;
	}
	int status = sl->status;
	if (!sl->exited)
		launcher_wait(sl->pid, &status);
	close(sl->fd);
	struct case_result *res = res_at(r, sl->order_pos);
	uint64_t took = now_ns() - sl->started;
	res->ms = (double)took / 1e6;
	if (!sl->watchdog_sent && !sl->kill_sent && WIFEXITED(status))
		r->recent_us[r->nrecent++ % RECENT] = took / 1000u > UINT32_MAX ? UINT32_MAX : (uint32_t)(took / 1000u);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		int killed = killed_step(sl, res, sig);
		if (killed >= 0) {
			res->out[killed] = (struct outcome){.kind = OC_KILLED, .killsig = sig};
			res->nout = killed + 1;
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
	remove_case_dirs(r, sl, c);
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
static enum start start_slot(struct run *r, struct slot *sl, int pos, int running, bool last)
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
	for (int a = 0; a <= MAX_ACTORS; a++)
		sl->actor_step[a] = -1;
	if (c->needs_scratch) {
		case_dir(sl->scratch, sizeof sl->scratch, r->root, pos);
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
		case_dir(tmpfs_dir, sizeof tmpfs_dir, r->tmpfs_root, pos);
		if (mkdir(tmpfs_dir, 0700) < 0)
			tmpfs_dir[0] = '\0';
	}
	sl->started = sl->phase_start = now_ns();
	sl->look_every = look_ns(r->o);
	sl->next_look = sl->started + first_look_ns(r);
	int err = -launcher_spawn((int)(sl - r->slots), pos, tmpfs_dir[0] != '\0', p[1], last);
	if (err) {
		close(p[0]);
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
	sl->pid = -1;
	slot_pid(r, sl);
	sl->fd = p[0];
	return STARTED;
}

/* The run whose cases the launcher starts: read in each case's process
 * (a copy of the harness as it was when the run started). */
static struct run *launch_run;

/* A case's process: case `pos` of the run, its tmpfs directory made
 * (tmpfs_ok), its results to out_fd. */
__attribute__((noreturn)) static void case_main(int pos, int tmpfs_ok, int out_fd)
{
	const struct run *r = launch_run;
	const struct tcase *c = &r->s->cases[r->order[pos]];
	/* not on the stack: each page of it the process writes is a fault */
	static char scratch[600], tmpfs_dir[600];
	if (c->needs_scratch)
		case_dir(scratch, sizeof scratch, r->root, pos);
	if (tmpfs_ok)
		case_dir(tmpfs_dir, sizeof tmpfs_dir, r->tmpfs_root, pos);
	struct make_env env = {.tmpfs_dir = tmpfs_ok ? tmpfs_dir : NULL};
	child_set_watch(c->timeout_ms ? c->timeout_ms : r->o->timeout_ms, r->o->detect_ms != 0);
	child_run(c, out_fd, c->needs_scratch ? scratch : NULL, &env);
}

/* The watchdog: a step that sleeps in its call, or has run past the
 * timeout, gets the watchdog signal; one that ignores it, SIGKILL. */
static void watch(struct run *r, struct slot *sl, uint64_t now)
{
	const struct run_opts *o = r->o;
	uint64_t age_ms = now > sl->phase_start ? (now - sl->phase_start) / 1000000u : 0;
	/* the next look: after the interval, or twice as late as the last
	 * when this one found nothing new; or sooner when a step just started
	 * reaches the age at which /proc is asked about it */
	sl->look_every = sl->news ? look_ns(o) : 2 * sl->look_every < LOOK_LATEST_NS ? 2 * sl->look_every : LOOK_LATEST_NS;
	sl->news = false;
	sl->next_look = now + sl->look_every;
	uint64_t detect_at = sl->phase_start + (uint64_t)o->detect_ms * 1000000u;
	if (sl->in_step >= 0 && o->detect_ms && detect_at > now && detect_at < sl->next_look)
		sl->next_look = detect_at;
	if (sl->kill_sent)
		return;
	if (sl->in_step < 0) {
		if (age_ms >= SETUP_LIMIT_MS) {
			if (slot_pid(r, sl) > 0)
				kill(sl->pid, SIGKILL);
			else
				launcher_abandon(); /* its pipe then hangs up: lost_slot */
			sl->kill_sent = true;
		}
		return;
	}
	if (sl->watchdog_sent) {
		if ((now - sl->watchdog_at) / 1000000u >= o->grace_ms) {
			signal_slot(r, sl, SIGKILL);
			sl->kill_sent = true;
		}
		return;
	}
	const struct tcase *c = &r->s->cases[r->order[sl->order_pos]];
	unsigned timeout = c->timeout_ms ? c->timeout_ms : o->timeout_ms;
	bool fire = age_ms >= timeout + (sl->may_wake == WATCH_SYNC ? SYNC_LIMIT_MS : 0);
	if (fire && sl->may_wake != WATCH_SYNC && o->detect_ms && age_ms < timeout + WORKING_LIMIT_MS &&
	    slot_pid(r, sl) > 0 && task_works(sl->pid, sl->pid) == 1)
		fire = false;
	if (!fire && sl->may_wake == WATCH_PROC && o->detect_ms && age_ms >= o->detect_ms && sl->step_nr >= 0 &&
	    slot_pid(r, sl) > 0)
		fire = task_sleeps_in(sl->pid, sl->pid, sl->step_nr) == 1;
	if (fire && slot_pid(r, sl) > 0) {
		signal_main(sl->pid, WATCHDOG_SIGNAL);
		sl->watchdog_sent = true;
		sl->watchdog_at = now;
	}
}

/* Until the first slot's next look, in ms rounded up; -1: none running. */
static int poll_timeout(const struct slot *slots, int jobs, uint64_t now)
{
	uint64_t first = UINT64_MAX;
	for (int i = 0; i < jobs; i++)
		if (slots[i].pid && slots[i].next_look < first)
			first = slots[i].next_look;
	if (first == UINT64_MAX)
		return -1;
	return first <= now ? 0 : (int)((first - now + 999999u) / 1000000u);
}

/* Reads what the child has sent (the pipe is readable or hung up, so
 * the first read does not block), and finishes the slot at end of file.
 * A hung-up pipe is read to its end; otherwise one read, and `more` says
 * whether to ask again at once. */
static void drain_slot(struct run *r, struct slot *sl, bool hung_up)
{
	static char buf[16 * sizeof(struct rec)];
	for (;;) {
		ssize_t n = read(sl->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			finish_slot(r, sl);
			return;
		}
		for (size_t off = 0; off < (size_t)n;) {
			size_t k = sizeof sl->buf - sl->have;
			if (k > (size_t)n - off)
				k = (size_t)n - off;
			memcpy(sl->buf + sl->have, buf + off, k);
			sl->have += k;
			off += k;
			if (sl->have == sizeof sl->buf) {
				struct rec rec;
				memcpy(&rec, sl->buf, sizeof rec);
				sl->have = 0;
				handle_rec(r, sl, &rec);
			}
		}
		sl->more = (size_t)n == sizeof buf;
		if (hung_up && !sl->more) {
			/* hung up and now empty: the end, without a read to say so */
			finish_slot(r, sl);
			return;
		}
		if (!hung_up)
			return;
	}
}

/* Reaps the case processes that have ended, and reads what they sent;
 * a pipe still held open (by a process the case made) is waited for. */
static void reap_ended(struct run *r, int *running)
{
	int status;
	pid_t pid;
	while ((pid = launcher_reap(&status)) > 0) {
		for (int i = 0; i < r->jobs; i++) {
			struct slot *sl = &r->slots[i];
			if (!sl->pid || slot_pid(r, sl) != pid)
				continue;
			sl->exited = true;
			sl->status = status;
			struct pollfd p = {.fd = sl->fd, .events = POLLIN};
			if (poll(&p, 1, 0) > 0) {
				drain_slot(r, sl, p.revents & (POLLHUP | POLLERR));
				*running -= sl->pid == 0;
			}
			break;
		}
	}
}

/* Drains the slots whose pipes poll() found readable or hung up (map[k]
 * < 0: the launcher's exit fd, some process ended). */
static void drain_ready(struct run *r, struct slot *slots, const struct pollfd *pfd, const int *map, int np,
			int *running)
{
	for (int k = 0; k < np; k++) {
		if (!pfd[k].revents)
			continue;
		if (map[k] < 0) {
			reap_ended(r, running);
			continue;
		}
		if (!slots[map[k]].pid)
			continue;
		drain_slot(r, &slots[map[k]], pfd[k].revents & (POLLHUP | POLLERR));
		*running -= slots[map[k]].pid == 0;
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
	r.res = xcalloc((size_t)r.window, sizeof *r.res);
	r.finished = xcalloc((size_t)r.window, sizeof *r.finished);
	struct slot *slots = xcalloc((size_t)jobs, sizeof *slots);
	struct pollfd *pfd = xcalloc((size_t)jobs + 1, sizeof *pfd);
	r.slots = slots;
	r.jobs = jobs;
	r.retry = xcalloc((size_t)jobs, sizeof *r.retry);
	launch_run = &r;
	launcher_start(jobs, o->launch, case_main, child_prepare, child_warm);
	struct sigaction sa = {.sa_handler = on_stop}, old_sa[NSTOP];
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, &old_sa[i]);
	stop_signal = 0;
	int next = 0, running = 0, rc = 0;
	while (!stop_signal && (next < n || r.nretry > 0 || running > 0)) {
		for (int i = 0; i < jobs && (r.nretry > 0 || (next < n && next < r.next_report + r.window)) && !stop_signal;
		     i++) {
			if (slots[i].pid)
				continue;
			bool again = r.nretry > 0;
			/* no case left to start after this one (unless one is
			 * lost and retried) */
			bool last = again ? r.nretry == 1 && next == n : r.nretry == 0 && next + 1 == n;
			enum start st = start_slot(&r, &slots[i], again ? r.retry[r.nretry - 1] : next, running, last);
			if (st == START_FAILED) {
				rc = -1;
				goto out;
			}
			if (st == START_LATER)
				break;
			if (again)
				r.nretry--;
			else
				next++;
			running += slots[i].pid != 0;
		}
		report_ready(&r);
		/* sleep until a case's process ends (the launcher's exit fd; or,
		 * without one, its pipe hangs up: poll reports that whatever the
		 * events asked) or a case is due a look */
		int np = 0, nrun = 0, exit_fd = launcher_exit_fd();
		int map[jobs + 1];
		if (exit_fd >= 0) {
			pfd[np] = (struct pollfd){.fd = exit_fd, .events = POLLIN};
			map[np++] = -1;
		}
		for (int i = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			nrun++;
			if (exit_fd >= 0 && !slots[i].exited && !slots[i].more)
				continue;
			pfd[np] = (struct pollfd){.fd = slots[i].fd, .events = slots[i].more ? POLLIN : 0};
			map[np++] = i;
		}
		if (nrun == 0)
			continue;
		int ready = poll(pfd, (nfds_t)np, poll_timeout(slots, jobs, now_ns()));
		if (ready < 0 && errno != EINTR) {
			perror("splicecheck: poll");
			rc = -1;
			goto out;
		}
		if (ready > 0)
			drain_ready(&r, slots, pfd, map, np, &running);
		/* the slots due a look: read what they sent, then the watchdog */
		uint64_t now = now_ns();
		np = 0;
		for (int i = 0; i < jobs; i++) {
			if (!slots[i].pid || slots[i].next_look > now)
				continue;
			pfd[np] = (struct pollfd){.fd = slots[i].fd, .events = POLLIN};
			map[np++] = i;
		}
		if (np && poll(pfd, (nfds_t)np, 0) > 0)
			drain_ready(&r, slots, pfd, map, np, &running);
		now = now_ns();
		for (int k = 0; k < np; k++)
			if (slots[map[k]].pid)
				watch(&r, &slots[map[k]], now);
	}
	report_ready(&r);
out:
	if (stop_signal && rc == 0)
		rc = stop_signal;
	/* the server makes what it was asked to, and ends: every case's
	 * process that will ever be is made and has its pid */
	launcher_stop();
	for (int i = 0; i < jobs; i++) {
		if (!slots[i].pid)
			continue;
		if (slot_pid(&r, &slots[i]) > 0) {
			kill(slots[i].pid, SIGKILL);
			launcher_wait(slots[i].pid, NULL);
		}
		close(slots[i].fd);
		remove_tree(slots[i].scratch);
	}
	launcher_free();
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
	xfree(r.retry);
	return rc;
}
