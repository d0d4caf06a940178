#include "expect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_parse.h"
#include "lex.h"
#include "outcome.h"

static bool valid_target(const char *t)
{
	if (!*t || strlen(t) >= 32)
		return false;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '-'))
			return false;
	return true;
}

static bool target_known(const struct expset *set, const char *name, const char *file_target)
{
	if (strcmp(name, file_target) == 0)
		return true;
	for (int i = 0; i < set->nknown; i++)
		if (strcmp(set->known[i], name) == 0)
			return true;
	return false;
}

static bool parse_line(struct expset *set, const char *file, int lineno, const struct words *w, const char *target,
		       const struct suite *s, struct diag *d)
{
	int ci = suite_find(s, w->w[0]);
	if (ci < 0 && set->partial)
		return true; /* --cases FILE: a line for a case not loaded this run */
	if (ci < 0)
		return diag_at(d, file, lineno, "no case named '%s'", w->w[0]);
	const struct tcase *c = &s->cases[ci];
	struct exp_line e = {.file = file, .line = lineno, .target = target, .case_idx = ci};
	int i = 1;
	struct sbuf qt = {0};
	bool ok = true;
	e.outs = xcalloc((size_t)w->n, sizeof *e.outs);
	for (; i < w->n && !qualifier_like(w->w[i]); i++) {
		struct sbuf b = {0};
		char why[256];
		if (!outcome_canonical(w->w[i], &b, why, sizeof why)) {
			sb_free(&b);
			ok = diag_at(d, file, lineno, "%s: step %d: %s", c->name, e.nouts + 1, why);
			goto out;
		}
		e.outs[e.nouts++] = b.s;
	}
	for (; i < w->n; i++) {
		char why[256];
		if (e.nq == MAX_QUALS) {
			ok = diag_at(d, file, lineno, "at most %d qualifiers", MAX_QUALS);
			goto out;
		}
		if (!qualifier_like(w->w[i]) || !qualifier_parse(w->w[i], &e.q[e.nq], why, sizeof why)) {
			ok = diag_at(d, file, lineno, "%s: %s", c->name,
				     qualifier_like(w->w[i]) ? why : "an outcome after a qualifier");
			goto out;
		}
		if (e.q[e.nq].target[0] && !target_known(set, e.q[e.nq].target, target)) {
			ok = diag_at(d, file, lineno, "%s: '%s': no target named '%s' (there is no %s.expected)", c->name,
				     w->w[i], e.q[e.nq].target, e.q[e.nq].target);
			goto out;
		}
		e.nq++;
		sb_printf(&qt, "%s%s", qt.len ? " " : "", w->w[i]);
	}
	char why[256];
	if (!qualifiers_consistent(e.q, e.nq, target, why, sizeof why)) {
		ok = diag_at(d, file, lineno, "%s: %s: this line would never hold", c->name, why);
		goto out;
	}
	bool killed = e.nouts && e.outs[e.nouts - 1][0] == 'S' && e.outs[e.nouts - 1][1] == 'I';
	if (e.nouts != c->nsteps && !(killed && e.nouts < c->nsteps)) {
		ok = diag_at(d, file, lineno, "%s has %d step%s (%s:%d) but this line gives %d outcome%s", c->name,
			     c->nsteps, c->nsteps == 1 ? "" : "s", c->file, c->line, e.nouts, e.nouts == 1 ? "" : "s");
		goto out;
	}
	e.qual_text = qt.s ? qt.s : xstrdup("");
	set->v = xrealloc(set->v, sizeof *set->v * (size_t)(set->n + 1));
	set->v[set->n++] = e;
	return true;
out:
	for (int k = 0; k < e.nouts; k++)
		xfree(e.outs[k]);
	xfree(e.outs);
	sb_free(&qt);
	return ok;
}

struct inherit_state {
	const char *file;
	char *base;
	size_t n;
};

/* Only the first line with words is read: `inherit BASE`, or not. */
static int read_inherit_line(void *ctx, int lineno, const struct words *w, struct diag *d)
{
	struct inherit_state *st = ctx;
	if (strcmp(w->w[0], "inherit") != 0)
		return LEX_STOP;
	if (w->n != 2 || !valid_target(w->w[1]))
		return diag_at(d, st->file, lineno, "expected 'inherit TARGET'"), LEX_ERROR;
	snprintf(st->base, st->n, "%s", w->w[1]);
	return LEX_STOP;
}

/* Returns the inherited target named by a leading `inherit BASE`, or "". */
static bool read_inherit(const char *file, const char *text, char *base, size_t n, struct diag *d)
{
	base[0] = '\0';
	struct inherit_state st = {file, base, n};
	return lex_lines(file, text, strlen(text), read_inherit_line, &st, d);
}

struct expect_state {
	struct expset *set;
	const char *file, *target;
	const struct suite *s;
	bool first;
};

static int expect_line(void *ctx, int lineno, const struct words *w, struct diag *d)
{
	struct expect_state *st = ctx;
	bool first = st->first;
	st->first = false;
	if (strcmp(w->w[0], "inherit") == 0) {
		if (!first)
			return diag_at(d, st->file, lineno, "'inherit' must be the first line"), LEX_ERROR;
		return LEX_NEXT;
	}
	if (w->n < 2)
		return diag_at(d, st->file, lineno, "expected 'CASE OUTCOME...' (one outcome per step)"), LEX_ERROR;
	return parse_line(st->set, st->file, lineno, w, st->target, st->s, d) ? LEX_NEXT : LEX_ERROR;
}

bool expect_parse_file(struct expset *set, const char *file, const char *text, const char *target,
		       const struct suite *s, struct diag *d)
{
	struct expect_state st = {set, file, target, s, true};
	return lex_lines(file, text, strlen(text), expect_line, &st, d);
}

/* A counting sort of line indices by case, keeping file order within a case. */
static void index_lines(struct expset *set, int ncases)
{
	set->case_start = xcalloc((size_t)ncases + 2, sizeof *set->case_start);
	set->by_case = xcalloc((size_t)set->n + 1, sizeof *set->by_case);
	for (int i = 0; i < set->n; i++)
		set->case_start[set->v[i].case_idx + 2]++;
	for (int c = 0; c < ncases; c++)
		set->case_start[c + 2] += set->case_start[c + 1];
	for (int i = 0; i < set->n; i++)
		set->by_case[set->case_start[set->v[i].case_idx + 1]++] = i;
}

bool expect_load(struct expset *set, const char *dir, const char *target, const struct suite *s, struct diag *d)
{
	bool partial = set->partial;
	*set = (struct expset){.partial = partial};
	if (!valid_target(target))
		return diag_at(d, "--target", 0, "'%s' is not a target name", target);
	set->nknown = source_stems(dir, "expected/", ".expected", set->known, MAX_TARGETS);
	/* walk the chain from the target down to its base */
	char names[MAX_CHAIN][32];
	int n = 0;
	snprintf(names[0], sizeof names[0], "%s", target);
	for (;;) {
		char fname[64];
		snprintf(fname, sizeof fname, "%s.expected", names[n]);
		struct srcfile f = {0};
		if (!source_one(dir, "expected/", fname, &f)) {
			diag_at(d, dir ? dir : "expected (embedded)", 0, "no expected file for target '%s' (%s)", names[n],
				fname);
			goto fail;
		}
		set->files[set->nfiles++] = f;
		char base[32];
		if (!read_inherit(f.name, f.text, base, sizeof base, d))
			goto fail;
		n++;
		if (!base[0])
			break;
		for (int i = 0; i < n; i++) {
			if (strcmp(names[i], base) == 0) {
				diag_at(d, f.name, 0, "inherit %s: a cycle", base);
				goto fail;
			}
		}
		if (n == MAX_CHAIN) {
			diag_at(d, f.name, 0, "inherit chain longer than %d", MAX_CHAIN);
			goto fail;
		}
		snprintf(names[n], sizeof names[n], "%s", base);
	}
	/* files[] holds target first: reverse so the base is parsed first */
	for (int i = 0; i < set->nfiles / 2; i++) {
		struct srcfile t = set->files[i];
		set->files[i] = set->files[set->nfiles - 1 - i];
		set->files[set->nfiles - 1 - i] = t;
	}
	for (int i = 0; i < set->nfiles; i++)
		set->chain[i] = xstrdup(names[i]);
	for (int i = 0; i < set->nfiles; i++)
		if (!expect_parse_file(set, set->files[i].name, set->files[i].text, set->chain[set->nfiles - 1 - i], s, d))
			goto fail;
	index_lines(set, s->n);
	return true;
fail:
	expect_free(set);
	return false;
}

const struct exp_line *expect_lookup(const struct expset *set, int case_idx, const struct target_env *env)
{
	const struct exp_line *found = NULL;
	int from = set->by_case ? set->case_start[case_idx] : 0;
	int to = set->by_case ? set->case_start[case_idx + 1] : set->n;
	for (int k = from; k < to; k++) {
		const struct exp_line *e = &set->v[set->by_case ? set->by_case[k] : k];
		if (e->case_idx != case_idx)
			continue;
		bool match = true;
		for (int q = 0; q < e->nq && match; q++)
			match = qualifier_matches(&e->q[q], e->target, env);
		if (e->nq == 0) {
			match = false;
			for (int j = 0; env->chain[j]; j++)
				match |= strcmp(env->chain[j], e->target) == 0;
		}
		if (match)
			found = e;
	}
	return found;
}

void expect_free(struct expset *set)
{
	for (int i = 0; i < set->n; i++) {
		for (int k = 0; k < set->v[i].nouts; k++)
			xfree(set->v[i].outs[k]);
		xfree(set->v[i].outs);
		xfree(set->v[i].qual_text);
	}
	xfree(set->v);
	xfree(set->by_case);
	xfree(set->case_start);
	for (int i = 0; i < set->nfiles; i++) {
		xfree(set->files[i].name);
		xfree(set->files[i].text);
	}
	for (int i = 0; set->chain[i]; i++)
		xfree((char *)set->chain[i]);
	*set = (struct expset){0};
}
