/* The calls a step can make: the calls under test (vmsplice, splice, tee)
 * and the plain ones that set up or observe (read, write, close, poke,
 * F_SETPIPE_SZ, FIONREAD, lseek, ...).  Adding a call is one entry in the
 * table in calls.c, its example included. */
#ifndef SPLICECHECK_CALLS_H
#define SPLICECHECK_CALLS_H

#include "args.h"
#include "model.h"

enum {
	CALL_NO_OUTCOME = 1, /* harness-side: its outcome is always "-" */
	CALL_UNDER_TEST = 2, /* one of vmsplice, splice, tee */
	CALL_SYNC = 4,       /* orders actors (sleeping, join, signal): the main actor's only */
	CALL_SELF_WATCH = 8, /* waits for a process it forks and watches it itself: the parent's long limit only */
};

/* How a reproducer writes the call in C: an expression over the raw
 * arguments ($0, $1, ... as arg_resolve lays them out; libc's wrapper
 * where libc has one, else the runtime's function that the exec function
 * calls too, rt.h), and the C type of each (for the cast a large literal
 * needs; NULL: none). */
struct repro_c {
	const char *expr;
	const char *types[MAX_ARGS * 2];
};

/* The calls a step makes, as a seccomp filter sees them: the first with
 * these arguments; the later ones (a loop's) the same but for args[vary],
 * which then lies in [lo, hi]. */
struct seen_call {
	long nr;                     /* -1: the step makes no call */
	unsigned long long args[6];  /* the first call's (a pointer the filter cannot know: 0) */
	int vary;                    /* -1: every call is the first one again, or there is none after it */
	unsigned long long lo, hi;
	bool forked;                 /* made by a forked process: a kill shows as the step's EIO */
};

struct call {
	const char *name;    /* as written in a case */
	const char *shown;   /* as rendered in reports (the real syscall) */
	long nr;             /* the syscall it makes, -1 for none: the watchdog looks for it */
	int nargs;           /* including A_CONST ones, which the case does not write */
	struct argdef a[MAX_ARGS];
	unsigned flags;
	const char *summary;
	/* NULL: syscall(nr, raw...).  Else does the step itself and returns
	 * its value, or -1 with errno set. */
	long long (*exec)(struct runctx *rc, const struct step *s, const unsigned long long *raw);
	/* For a step whose exec makes its syscall(s) other than as
	 * syscall(nr, raw...) (a loop of calls, or a call in a forked
	 * process): what a seccomp filter sees of them.  NULL: nr with the
	 * raw arguments. */
	void (*seen_by_seccomp)(const unsigned long long *raw, struct seen_call *seen);
	struct repro_c repro;
	/* A case body using it, one line a line: the fixtures it needs, then
	 * the step (after any steps that set it up).  `splicecheck reference`
	 * prints it under the call; tests/test_repro.py reproduces it, so a
	 * call a reproducer cannot write fails there, and a unit test fails
	 * for a call without one. */
	const char *example;
};

const struct call *call_by_name(const char *name);
const struct call *call_by_nr(long nr);
const struct call *call_at(size_t i);
/* How many words a case writes for the call. */
int call_written_args(const struct call *c);
/* strace-like: vmsplice(p.w<pipe:w>, [{b, 1000}], 1, SPLICE_F_GIFT) */
void call_render(const struct step *s, const struct tcase *c, struct sbuf *b);

#endif
