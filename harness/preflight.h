/* Before any case runs: does this environment have what the selected
 * cases need (open files, processes, memory, scratch space), and are the
 * fd numbers they treat as closed really closed?  A shortfall would show
 * up as a kernel result (a FAIL or a wrong errno); instead the run stops
 * before it starts and says what is lacking (exit 3). */
#ifndef SPLICECHECK_PREFLIGHT_H
#define SPLICECHECK_PREFLIGHT_H

#include "model.h"
#include "runner.h"
#include "util.h"

/* Checks the cases order[0..n) of s as o would run them.  May raise the
 * soft RLIMIT_NOFILE up to the hard limit, and lower o->jobs where
 * RLIMIT_NPROC leaves room for fewer cases at once (saying so in notes).
 * False with every shortfall, one per line, in lacks. */
bool preflight(const struct suite *s, const int *order, int n, struct run_opts *o, struct sbuf *lacks,
	       struct sbuf *notes);

#endif
