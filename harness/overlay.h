/* A seccomp profile as an overlay on expectations: the outcome of a call
 * the profile denies is what the profile says (its errno, or SIGSYS); the
 * other calls keep the base target's outcomes.  Steps after a denied call
 * see its consequences (a pipe left empty), not the profile, so they are
 * not judged. */
#ifndef SPLICECHECK_OVERLAY_H
#define SPLICECHECK_OVERLAY_H

#include "expect.h"
#include "result.h"

/* Fills *out from base and the profile's verdicts in res; returns false
 * (out untouched) when no step was denied.  Free with overlay_free. */
bool overlay_expectation(const struct exp_line *base, const struct case_result *res, int nsteps,
			 struct exp_line *out);
void overlay_free(struct exp_line *e);

#endif
