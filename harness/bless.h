/* --bless FILE: writes the target's expected file back with what this
 * run saw.  The line that held for a case gets the seen outcomes (its
 * qualifiers kept); a case with no line, or whose line comes from an
 * inherited target, gets a new plain line at the end; everything else
 * (comments, other ranges) is kept as it was.  Review it as a diff. */
#ifndef SPLICECHECK_BLESS_H
#define SPLICECHECK_BLESS_H

#include "expect.h"
#include "model.h"

/* seen[i]: the seen outcomes of case i joined by blanks, or NULL when it
 * did not run (skipped, broken, filtered out).  matched[i]: the line that
 * held for it.  Returns false with a message on stderr. */
bool bless_write(const char *path, const struct expset *set, const struct suite *s, char *const *seen,
		 const struct exp_line *const *matched);

#endif
