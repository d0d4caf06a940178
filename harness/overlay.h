/* A seccomp profile as an overlay on expectations: the outcome of a call
 * the profile denies is what the profile says (its errno, or SIGSYS); the
 * other calls keep the base target's outcomes.  Steps after a denied call
 * see its consequences (a pipe left empty), not the profile, so they are
 * not judged; nor is an actor's step still in flight when it ran (a
 * thread's read that the denied vmsplice would have fed). */
#ifndef SPLICECHECK_OVERLAY_H
#define SPLICECHECK_OVERLAY_H

#include "expect.h"
#include "model.h"
#include "result.h"

/* The expected text of a step that is not judged (it matches anything). */
#define OVERLAY_UNJUDGED "(not judged: in flight when a call the seccomp profile denies ran)"

/* Fills *out from base and the profile's verdicts in res; returns false
 * (out untouched) when no step was denied.  c (NULL: no actors) tells
 * which earlier steps were an actor's, still in flight.  Free with
 * overlay_free. */
bool overlay_expectation(const struct exp_line *base, const struct case_result *res, const struct tcase *c,
			 int nsteps, struct exp_line *out);
void overlay_free(struct exp_line *e);

#endif
