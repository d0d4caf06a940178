/* Expected files (expected/TARGET.expected): one line per case with one
 * outcome per step, errnos by name, and optional qualifiers (linux<3.10,
 * root, ...) that make a later line override an earlier one where they
 * hold.  A file may start with `inherit BASE`: its lines then overlay the
 * base target's. */
#ifndef SPLICECHECK_EXPECT_H
#define SPLICECHECK_EXPECT_H

#include "model.h"
#include "source.h"
#include "version.h"

#define MAX_QUALS 4
#define MAX_CHAIN 8

struct exp_line {
	const char *file; /* owned by the set */
	int line;
	const char *target;
	int case_idx;
	int nouts;
	char **outs; /* canonical spellings */
	int nq;
	struct qualifier q[MAX_QUALS];
	char *qual_text; /* the qualifiers as written, for bless */
	bool rest_unchecked; /* steps past nouts are not judged (after a call a seccomp profile denied) */
};

#define MAX_TARGETS 32

struct expset {
	/* the targets a qualifier may name: those with an expected file (when
	 * empty, as in unit tests, only the file's own target) */
	char known[MAX_TARGETS][32];
	int nknown;
	/* set before expect_load: the suite is part of the cases (--cases FILE),
	 * so lines naming a case it does not hold are passed over, not errors */
	bool partial;
	const char *chain[MAX_CHAIN + 1]; /* running target first, then what it inherits */
	int nfiles;
	struct srcfile files[MAX_CHAIN]; /* base first */
	int n;
	struct exp_line *v;
	/* lines of case i are by_case[case_start[i] .. case_start[i+1]), in
	 * file order: a lookup reads only its own case's lines */
	int *by_case, *case_start;
};

/* Loads TARGET.expected (and what it inherits) from dir, or from the
 * embedded set when dir is NULL, checking every line against the suite. */
bool expect_load(struct expset *set, const char *dir, const char *target, const struct suite *s, struct diag *d);
/* The line that holds for case i here: the last one that matches. */
const struct exp_line *expect_lookup(const struct expset *set, int case_idx, const struct target_env *env);
/* Parses one file's lines into the set (for tests and the loader). */
bool expect_parse_file(struct expset *set, const char *file, const char *text, const char *target,
		       const struct suite *s, struct diag *d);
void expect_free(struct expset *set);

#endif
