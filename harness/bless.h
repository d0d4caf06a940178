/* --bless FILE: writes the target's expected file back with what this
 * run saw.  The line that held for a case gets the seen outcomes (its
 * qualifiers kept); a case with no line, or whose line comes from an
 * inherited target, gets a new plain line at the end; everything else
 * (comments, other ranges) is kept as it was.  Review it as a diff.
 *
 * Bless never loses golden data: it refuses a file that belongs to another
 * target than the one judged; a line whose qualifiers do not hold for the
 * kernel the outcomes were seen on (a --kernel other than the running one,
 * a regression record's range) is left alone and named; and what it would
 * write is parsed first, so it never writes a file the parser refuses.
 * Every line it changes or adds is printed on stderr. */
#ifndef SPLICECHECK_BLESS_H
#define SPLICECHECK_BLESS_H

#include "expect.h"
#include "model.h"

/* Before the run: false with d set when path is another target's file (its
 * name is OTHER.expected for a known target OTHER, or its `inherit` line
 * differs from the judged target's own file). */
bool bless_check_target(const char *path, const struct expset *set, const char *target, struct diag *d);

/* seen[i]: the seen outcomes of case i joined by blanks, or NULL when it
 * did not run (skipped, broken, filtered out).  matched[i]: the line that
 * held for it under the judged environment.  seen_env: the environment the
 * outcomes were really seen in (the running kernel).  Returns false with a
 * message on stderr; changed lines are listed on stderr. */
bool bless_write(const char *path, const struct expset *set, const struct suite *s, char *const *seen,
		 const struct exp_line *const *matched, const struct target_env *seen_env, const char *target);

#endif
