/* --trace: every call a case makes, as strace would show it, with the
 * real fd numbers and addresses of the case's process and what they are
 * (`vmsplice(4<pipe:w p.w>, [{iov_base=0x7f..., iov_len=1000}], 1,
 * SPLICE_F_GIFT) = 1000`).
 *
 * Fds and addresses exist only in the case's child, so the child renders
 * the lines and appends them, one write each, to a file all children
 * share (a memfd opened O_APPEND before the run); the parent prints a
 * case's lines to stderr when that case is reported, so the trace comes
 * in case order whatever -j is. */
#ifndef SPLICECHECK_TRACE_H
#define SPLICECHECK_TRACE_H

#include <stdio.h>

#include "args.h"
#include "model.h"
#include "outcome.h"
#include "result.h"

/* In the parent, before the run: true when tracing could be set up. */
bool trace_open(void);
/* In a case's child: before a step's call (its arguments resolved to
 * raw), and after it with its outcome.  No-ops unless trace_open ran. */
void trace_call(const struct tcase *c, int step, const struct runctx *rc, const unsigned long long *raw);
void trace_result(const struct tcase *c, int step, const struct runctx *rc, const unsigned long long *raw,
		  long long ret, int err, const struct outcome *o);
/* In the parent, once case c is done: its lines to out, a step that never
 * returned shown with what ended it (res). */
void trace_print(FILE *out, const struct tcase *c, const struct case_result *res);
void trace_close(void);

#endif
