/* A reproducer's own runner: the case runs in a child process (a signal
 * that kills it is that step's outcome) and this process is its watchdog
 * (a step still in its call after the timeout, and not working as /proc
 * shows, gets the watchdog's real-time signal, recorded by sigrec.c's
 * handler without SA_RESTART, and its outcome is `blocks`), as the
 * harness's runner.c and child.c do.
 * Outcomes are spelt as harness/outcome.c spells them.  Part of the
 * runtime (see rt.h); the harness compiles it but does not link it. */
#include "rt.h"
#include "actor_rt.h"
#include "sigrec.h"

#define RT_GRACE_MS 2000
/* a sync point (sleeping, join) watches the actors itself, within this */
#define RT_SYNC_LIMIT_MS 20000
/* a step /proc shows still working at the timeout (running, waiting for a
 * CPU or the disk) is not waiting to be woken: it is given this much more */
#define RT_WORKING_LIMIT_MS 10000

static const struct rt_case *rt_the_case;

/* Child -> parent: one record per write, smaller than PIPE_BUF, so each
 * arrives whole. */
enum { RT_MSG_START = 1, RT_MSG_DONE, RT_MSG_SKIP, RT_MSG_BROKEN };
struct rt_msg {
	int type;
	int step;
	char text[240];
};

static int rt_msg_fd = -1;
static char rt_tmpfs_dir[4096]; /* fs=tmpfs files: a directory on /dev/shm */

static const char *rt_name_of(const struct rt_name *v, size_t n, int value, const char *fmt)
{
	static char buf[16];
	for (size_t i = 0; i < n; i++)
		if (v[i].value == value)
			return v[i].name;
	snprintf(buf, sizeof buf, fmt, value);
	return buf;
}

static const char *rt_signal_name(int sig)
{
	return rt_name_of(rt_the_case->signals, rt_the_case->nsignals, sig, "SIG%d");
}

static void rt_send(int type, int step, const char *text)
{
	struct rt_msg m = {.type = type, .step = step};
	snprintf(m.text, sizeof m.text, "%s", text);
	while (write(rt_msg_fd, &m, sizeof m) < 0 && errno == EINTR)
		;
}

void rt_need(int err)
{
	if (!err)
		return;
	char text[240];
	snprintf(text, sizeof text, "%s: %s", rt_failed, strerror(err));
	rt_send(rt_unavailable(err) ? RT_MSG_SKIP : RT_MSG_BROKEN, 0, text);
	_exit(0);
}

const char *rt_tmpfs_path(const char *name)
{
	static char path[4200];
	if (!rt_tmpfs_dir[0]) {
		rt_failed = "no tmpfs scratch directory (/dev/shm)";
		rt_need(ENOENT);
	}
	snprintf(path, sizeof path, "%s/%s", rt_tmpfs_dir, name);
	return path;
}

unsigned char *rt_rdbuf(size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		rt_failed = "mmap read buffer";
		rt_need(errno);
	}
	return p;
}

void rt_step_begin(int step)
{
	rt_send(RT_MSG_START, step, "");
	sigrec_reset();
	errno = 0;
}

/* ---- actors (harness/actor_rt.c does the work) */

#define RT_MAX_ACTORS 8
static struct actor rt_actors[RT_MAX_ACTORS];
static int rt_nactors;
static struct actor_watch rt_actor_watch = {0, 1, 0};

void rt_actor_step_begin(void)
{
	sigrec_reset();
	errno = 0;
}

void rt_sync_step_begin(int step)
{
	rt_send(RT_MSG_START, step, "sync");
	sigrec_reset();
	errno = 0;
}

void rt_start_actor(int k, int process, void (*run)(int step, void *arg), const char *what)
{
	rt_actor_watch.timeout_ms = rt_the_case->timeout_ms;
	rt_actor_watch.signal = WATCHDOG_SIGNAL;
	if (k >= RT_MAX_ACTORS || actor_start(&rt_actors[k], process, run, NULL) < 0) {
		rt_failed = what;
		rt_need(errno ? errno : EINVAL);
	}
	rt_nactors = k + 1;
}

void rt_actor_send(int k, int step, long nr) { actor_send(&rt_actors[k], step, nr); }

long rt_sleeping(int k) { return actor_wait_sleeping(&rt_actors[k], &rt_actor_watch); }

/* A process actor that died in a step: that step's outcome is the signal. */
long rt_join(int k)
{
	int step = actor_join(&rt_actors[k], rt_actors, rt_nactors, &rt_actor_watch);
	if (step >= 0)
		rt_send(RT_MSG_DONE, step, rt_actors[k].dead_sig ? rt_signal_name(rt_actors[k].dead_sig) : "EIO");
	return 0;
}

long rt_signal_actor(int k, int sig) { return actor_signal(&rt_actors[k], sig); }

void rt_finish_actors(void)
{
	for (int k = 0; k < rt_nactors; k++) {
		rt_join(k);
		actor_stop(&rt_actors[k]);
	}
}

/* The outcome, spelt as splicecheck spells it: 1000, EINVAL, blocks,
 * 65536+blocks, 5:"hello", EPIPE+SIGPIPE, - . */
void rt_step_end(int step, long long r, int err, int no_outcome, const unsigned char *data)
{
	char text[240];
	size_t n = 0;
	/* a failed call sets errno; a negative value without it (an offset
	 * of -1) is a value */
	int failed = r < 0 && err != 0;
	int fired = sigrec_watchdog_fired();
	if (failed && err == EINTR && fired) {
		n = (size_t)snprintf(text, sizeof text, "blocks");
	} else if (failed) {
		n = (size_t)snprintf(text, sizeof text, "%s",
				     rt_name_of(rt_the_case->errnos, rt_the_case->nerrnos, err, "E%d"));
	} else if (no_outcome) {
		rt_send(RT_MSG_DONE, step, "-");
		return;
	} else {
		n = (size_t)snprintf(text, sizeof text, "%lld", r);
		if (data) {
			text[n++] = ':';
			rt_format_data(data, (size_t)r, text + n, sizeof text - n);
			n = strlen(text);
		}
		if (fired)
			n += (size_t)snprintf(text + n, sizeof text - n, "+blocks");
	}
	unsigned sigs = sigrec_delivered();
	for (int s = 1; s < 32 && n < sizeof text; s++)
		if (sigs & (1u << s))
			n += (size_t)snprintf(text + n, sizeof text - n, "+%s", rt_signal_name(s));
	rt_send(RT_MSG_DONE, step, text);
}

static int rt_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static long long rt_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The case's process: fds 0-2 on /dev/null as in the harness, in the
 * scratch directory, signals recorded. */
static void rt_case_child(const struct rt_case *c, int fd, const char *scratch)
{
	rt_msg_fd = fd;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigrec_init();
	rt_stdio_to_null();
	if (chdir(scratch) < 0) {
		rt_failed = "chdir to the scratch directory";
		rt_need(errno);
	}
	c->run();
	_exit(0);
}

/* Reads the child's records until it closes its end, ending a step that
 * outlives the timeout as the harness does; fills seen[] and reason. */
static int rt_watch(const struct rt_case *c, pid_t pid, int fd, char (*seen)[240], char *reason, int *in_step)
{
	int status_kind = 0;
	long long deadline = -1, killed_at = -1, working_until = -1;
	for (;;) {
		long long now = rt_now_ms();
		int wait = -1;
		if (*in_step >= 0 && killed_at < 0)
			wait = deadline > now ? (int)(deadline - now) : 0;
		else if (killed_at >= 0)
			wait = 50;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int ready = poll(&pfd, 1, wait);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			if (*in_step >= 0 && deadline >= 0 && rt_now_ms() >= deadline && rt_now_ms() < working_until &&
			    task_works(pid, pid) == 1) {
				deadline = rt_now_ms() + 1; /* look again */
			} else if (*in_step >= 0 && deadline >= 0 && rt_now_ms() >= deadline) {
				/* the step is still in its call: end it as the harness does */
				/* its main thread, never an actor */
				syscall(SYS_tgkill, pid, pid, WATCHDOG_SIGNAL);
				deadline = -1;
				killed_at = rt_now_ms();
			} else if (killed_at >= 0 && rt_now_ms() - killed_at >= RT_GRACE_MS) {
				kill(pid, SIGKILL);
				killed_at = -2; /* sent: wait for it to die */
			}
			continue;
		}
		struct rt_msg m;
		ssize_t got = 0;
		while (got < (ssize_t)sizeof m) {
			ssize_t r = read(fd, (char *)&m + got, sizeof m - (size_t)got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += r;
		}
		if (got < (ssize_t)sizeof m)
			return status_kind;
		if (m.type == RT_MSG_START) {
			*in_step = m.step;
			bool sync = strcmp(m.text, "sync") == 0;
			deadline = rt_now_ms() + c->timeout_ms + (sync ? RT_SYNC_LIMIT_MS : 0);
			working_until = sync ? -1 : deadline + RT_WORKING_LIMIT_MS;
			killed_at = -1;
		} else if (m.type == RT_MSG_DONE) {
			if (m.step >= 1 && m.step <= c->nsteps)
				snprintf(seen[m.step - 1], 240, "%s", m.text);
			if (m.step == *in_step) /* not an actor's step */
				*in_step = -1;
		} else {
			status_kind = m.type;
			snprintf(reason, 240, "%s", m.text);
		}
	}
}

int rt_repro_main(const struct rt_case *c)
{
	rt_the_case = c;
	/* PAGE was a number when the program was written: on other pages its
	 * lengths and expected counts mean something else */
	if (c->page_size && c->page_size != rt_page_size()) {
		printf("%s (%s)\nwritten for %lu-byte pages, and this kernel's are %lu: write it again with "
		       "splicecheck repro --page-size %lu %s\n",
		       c->name, c->where, c->page_size, rt_page_size(), rt_page_size(), c->name);
		return 2;
	}
	char(*seen)[240] = calloc((size_t)c->nsteps + 1, sizeof *seen);
	char reason[240] = "";
	const char *tmp = getenv("TMPDIR");
	char scratch[4096];
	snprintf(scratch, sizeof scratch, "%s/splicecheck-repro.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!seen || !mkdtemp(scratch)) {
		perror("mkdtemp");
		return 2;
	}
	if (c->needs_tmpfs) {
		/* fs=tmpfs files live here; where there is none they are skipped */
		snprintf(rt_tmpfs_dir, sizeof rt_tmpfs_dir, "/dev/shm/splicecheck-repro.XXXXXX");
		if (!mkdtemp(rt_tmpfs_dir))
			rt_tmpfs_dir[0] = '\0';
	}
	if (c->needs_root && geteuid() != 0) {
		printf("SKIP %s: needs root\n", c->name);
		rmdir(scratch);
		if (rt_tmpfs_dir[0])
			rmdir(rt_tmpfs_dir);
		free(seen);
		return 77;
	}
	int p[2];
	if (pipe(p) < 0) {
		perror("pipe");
		return 2;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		close(p[0]);
		rt_case_child(c, p[1], scratch);
	}
	close(p[1]);
	int in_step = -1;
	int status_kind = rt_watch(c, pid, p[0], seen, reason, &in_step);
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status) && in_step >= 1 && in_step <= c->nsteps)
		snprintf(seen[in_step - 1], sizeof seen[in_step - 1], "%s", rt_signal_name(WTERMSIG(status)));
	nftw(scratch, rt_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (rt_tmpfs_dir[0])
		nftw(rt_tmpfs_dir, rt_remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	printf("%s (%s)\n", c->name, c->where);
	if (status_kind) {
		printf("%s: %s\n", status_kind == RT_MSG_SKIP ? "SKIP" : "BROKEN", reason);
		free(seen);
		return status_kind == RT_MSG_SKIP ? 77 : 2;
	}
	int differ = 0;
	for (int i = 0; i < c->nsteps; i++) {
		const char *exp = i < c->nexpected ? c->expected[i] : NULL;
		printf("step %d: %s", i + 1, c->call_text[i]);
		if (seen[i][0])
			printf(" = %s\n", seen[i]);
		else
			printf(" (not run)\n");
		if (c->have_expected && (exp ? strcmp(exp, seen[i]) != 0 : seen[i][0] != 0)) {
			printf("        expected %s\n", exp ? exp : "(not run)");
			differ = 1;
		}
	}
	free(seen);
	if (!c->have_expected) {
		printf("no expected outcomes recorded for this target: nothing compared\n");
		return 0;
	}
	printf("%s\n", differ ? "DIFFERS from the expected outcomes" : "as expected");
	return differ;
}
