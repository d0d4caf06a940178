/* Runs cases, each in its own forked child, up to `jobs` at once, with a
 * watchdog on every step; hands results back in case order. */
#ifndef SPLICECHECK_RUNNER_H
#define SPLICECHECK_RUNNER_H

#include "model.h"
#include "launcher.h"
#include "result.h"

struct run_opts {
	int jobs;
	enum launch_mode launch; /* preflight may choose a leaner one */
	unsigned timeout_ms;    /* a step still in its call after this is ended */
	unsigned detect_ms;     /* how soon /proc is asked whether a step sleeps in its call; 0 = never */
	unsigned grace_ms;      /* after the watchdog signal, how long before SIGKILL */
	const char *scratch_parent; /* where the run's scratch directory goes */
};

/* Called once per case, in the order of `order`, as soon as it and every
 * case before it are done. */
typedef void (*case_done_fn)(int case_idx, struct case_result *r, void *arg);

/* Asks the run under way to stop as if by signal `why` (a report that
 * cannot be written): called from a case_done_fn. */
void run_stop(int why);

/* Returns 0, or the signal number (SIGINT, SIGTERM, SIGHUP, SIGPIPE) that
 * stopped the run, or what run_stop was given;
 * either way every child is reaped and the scratch directory removed.
 * Returns -1 with a message on stderr when the run could not start. */
int run_cases(const struct suite *s, const int *order, int n, const struct run_opts *o, case_done_fn done,
	      void *arg);

#endif
