/* `splicecheck repro CASE`: one case as a standalone C program (libc
 * only) that makes the same fixtures and calls, spells each outcome as
 * the harness does, and compares them with the expected outcomes of the
 * target and kernel it was generated for.  See docs/reporting-bugs.md. */
#ifndef SPLICECHECK_REPRO_H
#define SPLICECHECK_REPRO_H

#include <stdio.h>

#include "expect.h"
#include "model.h"

/* Exit status of a reproducer whose fixtures cannot be made here (the
 * harness's SKIP), as automake and kselftest spell "skipped". */
#define REPRO_EXIT_SKIP 77

struct repro_opts {
	const char *target;  /* the expected outcomes' target */
	const char *kernel;  /* the kernel the version ranges were judged for */
	unsigned timeout_ms; /* the run's watchdog timeout (a case's own wins) */
	const char *arch;    /* the architecture arch= lines were judged for */
	unsigned long page_size; /* PAGE in the case and its expected line */
};

/* Writes the program for case ci of s to out; e is the expected line that
 * holds (NULL: none, the program then only shows what it sees).  Returns
 * false with d set when some fixture kind or call has no generator. */
bool repro_write(FILE *out, const struct suite *s, int ci, const struct expset *set, const struct exp_line *e,
		 const struct repro_opts *o, struct diag *d);

#endif
