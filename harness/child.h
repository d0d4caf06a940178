/* Runs one case in the forked child: makes its fixtures in order, makes
 * its calls, and sends a record per step to the parent. */
#ifndef SPLICECHECK_CHILD_H
#define SPLICECHECK_CHILD_H

#include "kinds.h"
#include "model.h"

struct sc_profile;

/* A seccomp profile to install before the first step, and one whose
 * verdict on every call is sent to the parent (set before forking). */
void child_set_seccomp(const struct sc_profile *install, const struct sc_profile *predict);

/* What every case's process shares, set once per process that makes
 * them (or is one): signal dispositions, fds 0-2 on /dev/null, no core
 * files.  Before child_run. */
void child_prepare(void);

/* In a case's process made before its case is known (launcher.c's
 * spares): takes, while it waits, the page faults every case's process
 * takes first, so that they are not on the case's time. */
void child_warm(void);

/* The watchdog's limits for the actors a case starts (set before forking):
 * the case's timeout, and whether /proc may tell that a task sleeps. */
void child_set_watch(unsigned timeout_ms, bool use_proc);

/* Never returns. */
__attribute__((noreturn)) void child_run(const struct tcase *c, int out_fd, const char *scratch_dir,
					 const struct make_env *env);

#endif
