#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi.h"
#include "actor_rt.h"
#include "args.h"
#include "calls.h"
#include "data.h"
#include "kinds.h"
#include "launcher.h"
#include "result.h"
#include "seccomp_profile.h"
#include "sigrec.h"
#include "trace.h"

/* What every case's process reads or writes first, in one struct and so
 * on one page of .data: in a new process each page it touches is a page
 * fault (the profiles alone were in .bss, on a page of their own). */
static struct {
	struct actor_watch watch;
	int out_fd;
	const struct sc_profile *install_profile, *predict_profile;
} self = {.watch = {.timeout_ms = 250, .use_proc = true, .signal = 0}, .out_fd = -1};

void child_set_watch(unsigned timeout_ms, bool use_proc)
{
	self.watch.timeout_ms = timeout_ms;
	self.watch.use_proc = use_proc;
}

void child_set_seccomp(const struct sc_profile *install, const struct sc_profile *predict)
{
	self.install_profile = install;
	self.predict_profile = predict;
}

/* Calls through syscall(), whose page every case's process has touched
 * already: in a new process each other page of libc it touches is a page
 * fault, which costs more than the call (docs/design.md, "The case
 * launcher"). */
static void send_rec(const struct rec *r)
{
	long w;
	do
		w = syscall(SYS_write, self.out_fd, r, sizeof *r);
	while (w < 0 && errno == EINTR);
}

__attribute__((noreturn)) static void give_up(int type, const char *fmt, ...)
{
	struct rec r = {.type = (uint8_t)type};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r.reason, sizeof r.reason, fmt, ap);
	va_end(ap);
	send_rec(&r);
	_exit(0);
}

/* What the profile makes of this call, as an outcome: its errno, or the
 * SIGSYS that kills; false where it allows the call. */
static bool predicted_outcome(const struct step *s, const unsigned long long *raw, struct outcome *o)
{
	if (!self.predict_profile)
		return false;
	struct seen_call seen = {.nr = s->call->nr, .vary = -1};
	if (s->call->seen_by_seccomp)
		s->call->seen_by_seccomp(raw, &seen);
	else
		memcpy(seen.args, raw, sizeof seen.args);
	if (seen.nr < 0)
		return false;
	struct sc_verdict v = sc_profile_predict(self.predict_profile, seen.nr, seen.args);
	bool allowed = v.action == SC_ALLOW || v.action == SC_LOG;
	/* A loop's first call is always made and a denied one ends the loop;
	 * past an allowed one, the later calls decide only if the profile
	 * treats every length they may pass alike.  If not, the step's outcome
	 * would be timing (how the kernel split the stream), which a case
	 * never records: it is skipped, saying why. */
	if (allowed && seen.vary >= 0) {
		struct sc_verdict later;
		if (!sc_profile_predict_range(self.predict_profile, seen.nr, seen.args, (unsigned)seen.vary, seen.lo,
					      seen.hi, &later) ||
		    !(later.action == SC_ALLOW || later.action == SC_LOG))
			give_up(REC_SKIP,
				"line %d: %s allows %s's first call but not all the later ones (argument %d from "
				"%llu to %llu): which of them the step makes is timing",
				s->line, sc_profile_name(self.predict_profile), s->call->name, seen.vary + 1, seen.lo,
				seen.hi);
	}
	switch (v.action) {
	case SC_ALLOW:
	case SC_LOG:
		return false;
	case SC_ERRNO:
	case SC_TRACE:
		*o = (struct outcome){.kind = OC_ERR, .err = v.err};
		return true;
	default:
		/* killed in a forked process, the step itself reports EIO */
		*o = seen.forked ? (struct outcome){.kind = OC_ERR, .err = EIO}
				 : (struct outcome){.kind = OC_KILLED, .killsig = SIGSYS};
		return true;
	}
}

static bool any_actor_busy(struct runctx *rc)
{
	for (int i = 0; i < rc->nactors; i++)
		if (actor_busy(&rc->actors[i]))
			return true;
	return false;
}

static struct outcome run_step(const struct step *s, int idx, struct runctx *rc)
{
	unsigned long long raw[MAX_ARGS * 2] = {0};
	int nraw = 0;
	for (int i = 0; i < s->nargs; i++) {
		int n = arg_resolve(&s->args[i], &s->call->a[i], rc, i, raw + nraw);
		if (n < 0)
			give_up(REC_BROKEN, "line %d: cannot prepare argument %d of %s: %s", s->line, i + 1,
				s->call->name, strerror(errno));
		nraw += n;
	}
	/* the registers this ABI's syscall takes (a 32-bit build splits a
	 * 64-bit offset in two), which are also what a seccomp filter sees */
	unsigned long regs[6] = {0};
	unsigned long long seen[MAX_ARGS * 2];
	memcpy(seen, raw, sizeof seen);
	if (!s->call->exec) {
		abi_syscall_regs(s->call->nr, raw, nraw, regs, 6);
		for (int i = 0; i < 6; i++)
			seen[i] = regs[i];
	}
	struct rec start = {.type = REC_STEP_START, .step = (uint16_t)idx, .nr = (int32_t)s->call->nr,
			    .actor = (uint8_t)rc->actor, .may_wake = WATCH_PROC};
	if (s->call->flags & (CALL_SYNC | CALL_SELF_WATCH))
		start.may_wake = WATCH_SYNC;
	else if (rc->alarm_pending || any_actor_busy(rc))
		start.may_wake = WATCH_TIMEOUT;
	start.has_overlay = predicted_outcome(s, seen, &start.overlay);
	trace_call(rc->c, idx, rc, raw);
	send_rec(&start);
	sigrec_reset();
	errno = 0;
	long long ret = s->call->exec ? s->call->exec(rc, s, raw)
				 : syscall(s->call->nr, regs[0], regs[1], regs[2], regs[3], regs[4], regs[5]);
	int err = errno;
	struct outcome o = {.kind = OC_RET, .ret = ret};
	bool fired = sigrec_watchdog_fired();
	/* a step the harness does itself (getoff, fsize) may have a negative
	 * value: it failed only if it set errno */
	bool failed = ret < 0 && (err != 0 || !s->call->exec);
	if (failed && err == EINTR && fired) {
		o.kind = OC_BLOCKS;
	} else if (failed) {
		o.kind = OC_ERR;
		o.err = err;
	} else if (s->call->flags & CALL_NO_OUTCOME) {
		o.kind = OC_NONE;
	} else {
		o.blocked = fired;
		if (rc->rdbuf) {
			struct sbuf b = {0};
			data_format(rc->rdbuf, (size_t)ret, &b);
			snprintf(o.data, sizeof o.data, "%s", b.s);
			sb_free(&b);
			o.has_data = true;
		}
	}
	o.sigs = sigrec_delivered();
	if (o.sigs & (1u << SIGALRM))
		rc->alarm_pending = false;
	trace_result(rc->c, idx, rc, raw, ret, err, &o);
	runctx_release_step(rc);
	return o;
}

/* A fixture meant as a closed fd must be closed when a step runs: if
 * something took its number (a later fixture, under a small fd limit), the
 * step would judge an open fd, and the case is BROKEN, not a kernel's
 * verdict. */
static void prove_closed(const struct tcase *c, const struct rt_fixture *fx, int step)
{
	for (int i = 0; i < c->nfix; i++) {
		if (!(c->fix[i].kind->flags & KIND_CLOSED_FD) || fx[i].fd[0] < 0 || fcntl(fx[i].fd[0], F_GETFD) < 0)
			continue;
		give_up(REC_BROKEN, "%s:%d: closed %s: fd %d, meant to be closed, is open at step %d (line %d)", c->file,
			c->fix[i].line, c->fix[i].name, fx[i].fd[0], step + 1, c->steps[step].line);
	}
}

/* An actor's step: run in its thread or process, its outcome sent from there. */
static void actor_item(int idx, void *arg)
{
	struct runctx *rc = arg;
	struct rec done = {.type = REC_STEP_DONE, .step = (uint16_t)idx, .actor = (uint8_t)rc->actor};
	done.out = run_step(&rc->c->steps[idx], idx, rc);
	send_rec(&done);
}

/* A process actor died inside item's step: the main actor reports it. */
static void actor_died(struct runctx *rc, int item, int sig)
{
	struct rec done = {.type = REC_STEP_DONE, .step = (uint16_t)item, .actor = (uint8_t)rc->c->steps[item].actor};
	done.out = sig ? (struct outcome){.kind = OC_KILLED, .killsig = sig} : (struct outcome){.kind = OC_ERR, .err = EIO};
	send_rec(&done);
}

static void install_seccomp(bool *installed)
{
	if (!self.install_profile || *installed)
		return;
	/* no core files from a profile's SIGSYS, anywhere */
	prctl(PR_SET_DUMPABLE, 0);
	int err = sc_profile_install(self.install_profile);
	if (err)
		give_up(REC_BROKEN, "cannot install seccomp profile %s: %s", sc_profile_name(self.install_profile),
			strerror(-err));
	*installed = true;
}


void child_prepare(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL); /* the harness catches it; a case sees the default */
	/* a sanitizer (the ASan build) catches faults to report them and
	 * exits 1; in a case's process the fault is the case's outcome, so it
	 * must die by the signal as in the plain build */
	static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
	for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++)
		signal(fault_signals[i], SIG_DFL);
	sigrec_init();
	/* the report is the harness's stdout: a case writing to fd 1 or 2
	 * (or flooding it) must not reach it */
	rt_stdio_to_null();
	/* a crashing case leaves no core file behind, in its scratch or elsewhere */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
}

void child_warm(void)
{
	/* the state every case writes or reads first (volatile: a store of
	 * what is there already would be left out) */
	*(volatile unsigned *)&self.watch.timeout_ms = self.watch.timeout_ms;
	sigrec_reset();
	errno = 0;
	volatile int touch = WATCHDOG_SIGNAL + (self.install_profile != NULL) + (self.predict_profile != NULL);
	(void)touch;
	/* the stack a step runs on: child_run's frame and the call's */
	volatile char stack[3 * 4096];
	for (size_t i = 0; i < sizeof stack; i += 1024)
		stack[i] = 0;
	/* the code of the common path, each page with its neighbours (a
	 * fault maps those too) */
	static void (*const code[])(void) = {
		(void (*)(void))child_run, (void (*)(void))arg_resolve, (void (*)(void))_exit,
	};
	for (size_t i = 0; i < sizeof code / sizeof *code; i++)
		touch = *(const volatile unsigned char *)(uintptr_t)code[i];
}

void child_run(const struct tcase *c, int fd, const char *scratch_dir, const struct make_env *env)
{
	/* a harness started with a standard fd closed may have been given it
	 * for the result pipe (and child_prepare put /dev/null there since) */
	self.out_fd = fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (scratch_dir && chdir(scratch_dir) < 0)
		give_up(REC_BROKEN, "cannot enter scratch directory %s: %s", scratch_dir, strerror(errno));
	/* actors run at once on the CPUs the harness was given; and before any
	 * profile is installed, which may refuse the call */
	if (c->nactors > 0)
		launcher_unpin();

	/* on the stack where few: a page of heap written is a page copied */
	struct rt_fixture few[16];
	struct rt_fixture *fx = c->nfix < 16 ? memset(few, 0, sizeof few) : calloc((size_t)c->nfix + 1, sizeof *fx);
	if (!fx)
		give_up(REC_BROKEN, "out of memory");
	for (int i = 0; i < c->nfix; i++)
		for (int e = 0; e < MAX_ENDS; e++)
			fx[i].fd[e] = -1;
	self.watch.signal = WATCHDOG_SIGNAL;
	/* not on the stack: they are 6 KiB, which a case without actors
	 * never touches, and a deeper stack is more pages written (each a
	 * fault in a new process); child_run runs once in a process */
	static struct actor actors[MAX_ACTORS];
	static struct runctx arc[MAX_ACTORS];
	struct runctx rc = {.c = c, .fx = fx, .actors = actors, .watch = &self.watch, .actor_died = actor_died};
	bool installed = false;

	for (int it = 0; it < c->nitems; it++) {
		const struct item *item = &c->items[it];
		if (item->kind == ITEM_ACTOR) {
			/* a thread inherits the filter; a process, too */
			install_seccomp(&installed);
			int k = item->index;
			arc[k] = (struct runctx){.c = c, .fx = fx, .actor = k + 1, .actors = actors, .watch = &self.watch};
			if (actor_start(&actors[k], c->actors[k].process, actor_item, &arc[k]) < 0)
				give_up(REC_BROKEN, "%s:%d: cannot start actor %s: %s", c->file, c->actors[k].line,
					c->actors[k].name, strerror(errno));
			rc.nactors = k + 1;
			for (int j = 0; j <= k; j++)
				arc[j].nactors = k + 1;
			continue;
		}
		if (item->kind == ITEM_FIXTURE) {
			const struct fixture *f = &c->fix[item->index];
			char why[160] = "";
			int err = kind_make(f, &fx[item->index], env, why, sizeof why);
			if (err)
				give_up(rt_unavailable(err) ? REC_SKIP : REC_BROKEN, "%s:%d: %s %s: %s", c->file, f->line,
					f->kind->name, f->name, why);
			continue;
		}
		install_seccomp(&installed);
		const struct step *s = &c->steps[item->index];
		prove_closed(c, fx, item->index);
		if (s->actor) {
			actor_send(&actors[s->actor - 1], item->index, s->call->nr);
			continue;
		}
		struct rec done = {.type = REC_STEP_DONE, .step = (uint16_t)item->index};
		done.out = run_step(s, item->index, &rc);
		send_rec(&done);
	}
	/* every actor's steps return before the case ends: an implicit join */
	for (int k = 0; k < rc.nactors; k++) {
		int item = actor_join(&actors[k], actors, rc.nactors, &self.watch);
		if (item >= 0)
			actor_died(&rc, item, actors[k].dead_sig);
		actor_stop(&actors[k]);
	}
	_exit(0);
}
