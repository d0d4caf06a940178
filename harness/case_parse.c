#include "case_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "calls.h"
#include "kinds.h"
#include "lex.h"
#include "names.h"

const char *fixture_opt(const struct fixture *f, const char *key)
{
	for (int i = 0; i < f->nopts; i++)
		if (strcmp(f->opts[i].key, key) == 0)
			return f->opts[i].val;
	return NULL;
}

unsigned long long fixture_opt_num(const struct fixture *f, const char *key, unsigned long long dflt)
{
	const char *v = fixture_opt(f, key);
	unsigned long long n;
	return v && num_parse(v, &n) ? n : dflt;
}

int fixture_opt_byte(const struct fixture *f, const char *key, int dflt)
{
	const char *v = fixture_opt(f, key);
	return v && *v ? (unsigned char)v[0] : dflt;
}

int case_actor_index(const struct tcase *c, const char *name)
{
	for (int i = 0; i < c->nactors; i++)
		if (strcmp(c->actors[i].name, name) == 0)
			return i;
	return -1;
}

int case_fixture_index(const struct tcase *c, const char *name)
{
	for (int i = 0; i < c->nfix; i++)
		if (strcmp(c->fix[i].name, name) == 0)
			return i;
	return -1;
}

static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int suite_find(const struct suite *s, const char *name)
{
	if (!s->nslots)
		return -1;
	for (unsigned i = name_hash(name) & (unsigned)(s->nslots - 1);; i = (i + 1) & (unsigned)(s->nslots - 1)) {
		int v = s->slots[i];
		if (v == 0)
			return -1;
		if (strcmp(s->cases[v - 1].name, name) == 0)
			return v - 1;
	}
}

static void index_insert(struct suite *s, int ci)
{
	unsigned mask = (unsigned)(s->nslots - 1);
	unsigned i = name_hash(s->cases[ci].name) & mask;
	while (s->slots[i])
		i = (i + 1) & mask;
	s->slots[i] = ci + 1;
}

/* Keeps the index at most half full, growing it by doubling. */
static void index_add(struct suite *s, int ci)
{
	if (2 * (s->n + 1) > s->nslots) {
		xfree(s->slots);
		s->nslots = s->nslots ? 2 * s->nslots : 64;
		s->slots = xcalloc((size_t)s->nslots, sizeof *s->slots);
		for (int i = 0; i < s->n; i++)
			if (i != ci)
				index_insert(s, i);
	}
	index_insert(s, ci);
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

static char **append_words(char **list, int *n, const struct words *w, int from)
{
	list = xrealloc(list, sizeof *list * (size_t)(*n + w->n - from));
	for (int i = from; i < w->n; i++)
		list[(*n)++] = xstrdup(w->w[i]);
	return list;
}

static void add_item(struct tcase *c, enum item_kind kind, int index)
{
	c->items = xrealloc(c->items, sizeof *c->items * (size_t)(c->nitems + 1));
	c->items[c->nitems++] = (struct item){kind == ITEM_STEP, index, kind};
}

static bool parse_fixture(struct tcase *c, const struct kind *k, const struct words *w, const char *file, int line,
			  struct diag *d)
{
	if (w->n < 2 || !valid_name(w->w[1]) || strchr(w->w[1], '.'))
		return diag_at(d, file, line, "%s: expected a name (letters, digits, _ and -) after '%s'", k->name,
			       k->name);
	if (case_fixture_index(c, w->w[1]) >= 0 || case_actor_index(c, w->w[1]) >= 0)
		return diag_at(d, file, line, "'%s' is already declared in case %s", w->w[1], c->name);
	c->fix = xrealloc(c->fix, sizeof *c->fix * (size_t)(c->nfix + 1));
	struct fixture *f = &c->fix[c->nfix++];
	*f = (struct fixture){.kind = k, .name = xstrdup(w->w[1]), .line = line};
	int i = 2;
	if ((k->flags & (KIND_PARAM_REQUIRED | KIND_PARAM_OPTIONAL)) && i < w->n && !strchr(w->w[i], '='))
		f->param = xstrdup(w->w[i++]);
	if ((k->flags & KIND_PARAM_REQUIRED) && !f->param)
		return diag_at(d, file, line, "%s %s: expected %s after the name", k->name, f->name, k->param);
	f->opts = xcalloc((size_t)(w->n - i) + 1, sizeof *f->opts);
	for (; i < w->n; i++) {
		char *eq = strchr(w->w[i], '=');
		size_t klen = eq ? (size_t)(eq - w->w[i]) : strlen(w->w[i]);
		bool known = false;
		for (int j = 0; k->keys[j]; j++)
			known |= strlen(k->keys[j]) == klen && strncmp(k->keys[j], w->w[i], klen) == 0;
		if (!known) {
			struct sbuf b = {0};
			for (int j = 0; k->keys[j]; j++)
				sb_printf(&b, "%s%s", j ? ", " : "", k->keys[j]);
			diag_at(d, file, line, "%s %s: unknown option '%.*s' (a %s takes: %s)", k->name, f->name,
				(int)klen, w->w[i], k->name, b.s ? b.s : "no options");
			sb_free(&b);
			return false;
		}
		f->opts[f->nopts].key = xstrndup(w->w[i], klen);
		f->opts[f->nopts].val = xstrdup(eq ? eq + 1 : "");
		f->nopts++;
	}
	if (k->check && !k->check(f, file, d))
		return false;
	if (k->flags & KIND_NEEDS_SCRATCH)
		c->needs_scratch = true;
	const char *fs = fixture_opt(f, "fs");
	if (fs && strcmp(fs, "tmpfs") == 0)
		c->needs_tmpfs = true;
	add_item(c, ITEM_FIXTURE, c->nfix - 1);
	return true;
}

static bool parse_step(struct tcase *c, const struct call *call, const struct words *w, const char *file, int line,
		       int actor, struct diag *d)
{
	if (actor && (call->flags & CALL_SYNC))
		return diag_at(d, file, line, "%s: only the main actor orders actors (write it without '%s:')", call->name,
			       c->actors[actor - 1].name);
	int want = call_written_args(call);
	if (w->n - 1 != want)
		return diag_at(d, file, line, "%s takes %d argument%s (%s), got %d", call->name, want, want == 1 ? "" : "s",
			       call->summary, w->n - 1);
	if (c->nsteps == MAX_CASE_STEPS)
		return diag_at(d, file, line, "case %s has more than %d steps", c->name, MAX_CASE_STEPS);
	c->steps = xrealloc(c->steps, sizeof *c->steps * (size_t)(c->nsteps + 1));
	struct step *s = &c->steps[c->nsteps++];
	*s = (struct step){.call = call, .line = line, .nargs = call->nargs, .actor = actor};
	int word = 1;
	for (int i = 0; i < call->nargs; i++) {
		if (call->a[i].type == A_CONST) {
			s->args[i] = (struct arg){.type = A_CONST, .text = xstrdup(call->a[i].name)};
			continue;
		}
		if (!arg_parse(&s->args[i], &call->a[i], w->w[word++], c, file, line, d)) {
			s->nargs = i + 1;
			return false;
		}
	}
	add_item(c, ITEM_STEP, c->nsteps - 1);
	return true;
}

/* thread NAME, process NAME: an actor, started where the line stands. */
static bool parse_actor(struct tcase *c, const struct words *w, const char *file, int line, struct diag *d)
{
	if (w->n != 2 || !valid_name(w->w[1]) || strchr(w->w[1], '.'))
		return diag_at(d, file, line, "expected '%s NAME' (letters, digits, _ and -)", w->w[0]);
	if (c->nactors == MAX_ACTORS)
		return diag_at(d, file, line, "at most %d actors besides the main one", MAX_ACTORS);
	if (case_fixture_index(c, w->w[1]) >= 0 || case_actor_index(c, w->w[1]) >= 0)
		return diag_at(d, file, line, "'%s' is already declared in case %s", w->w[1], c->name);
	c->actors[c->nactors] = (struct actor_decl){.name = xstrdup(w->w[1]), .process = w->w[0][0] == 'p', .line = line};
	add_item(c, ITEM_ACTOR, c->nactors++);
	return true;
}

/* NAME: CALL ARGS...: a step the actor NAME runs. */
static bool parse_actor_step(struct tcase *c, const struct words *w, const char *file, int line, struct diag *d)
{
	char name[64];
	snprintf(name, sizeof name, "%.*s", (int)strlen(w->w[0]) - 1, w->w[0]);
	int a = case_actor_index(c, name);
	if (a < 0)
		return diag_at(d, file, line, "'%s:': no actor %s declared above (thread %s or process %s)", name, name,
			       name, name);
	const struct call *call = w->n > 1 ? call_by_name(w->w[1]) : NULL;
	if (!call)
		return diag_at(d, file, line, "'%s:' must be followed by a call", name);
	static struct words rest; /* big: not on the stack */
	for (int i = 1; i < w->n; i++)
		rest.w[i - 1] = w->w[i];
	rest.n = w->n - 1;
	return parse_step(c, call, &rest, file, line, a + 1, d);
}

static bool parse_ms(const char *w, unsigned *ms)
{
	char *end;
	unsigned long v = strtoul(w, &end, 10);
	if (end == w || (strcmp(end, "ms") != 0 && strcmp(end, "s") != 0) || v > 600000)
		return false;
	*ms = (unsigned)(strcmp(end, "s") == 0 ? v * 1000 : v);
	return true;
}

static bool parse_header(struct tcase *c, const struct words *w, const char *file, int line, struct diag *d)
{
	const char *kw = w->w[0];
	if (strcmp(kw, "covers") == 0 || strcmp(kw, "tags") == 0) {
		if (w->n < 2)
			return diag_at(d, file, line, "%s: expected at least one word", kw);
		if (kw[0] == 'c')
			c->covers = append_words(c->covers, &c->ncovers, w, 1);
		else
			c->tags = append_words(c->tags, &c->ntags, w, 1);
		return true;
	}
	if (strcmp(kw, "needs") == 0) {
		for (int i = 1; i < w->n; i++) {
			if (strcmp(w->w[i], "root") != 0)
				return diag_at(d, file, line, "needs %s: the only need is 'root'", w->w[i]);
			c->needs_root = true;
		}
		return true;
	}
	/* timeout */
	if (w->n != 2 || !parse_ms(w->w[1], &c->timeout_ms))
		return diag_at(d, file, line, "timeout: expected one duration like 500ms or 2s");
	return true;
}

static bool finish_case(struct tcase *c, struct diag *d)
{
	if (c && c->nsteps == 0)
		return diag_at(d, c->file, c->line, "case %s has no steps", c->name);
	return true;
}

struct parse_state {
	const char *file;
	struct suite *s;
	struct tcase *cur;
};

static int parse_case_line(void *ctx, int lineno, const struct words *wp, struct diag *d)
{
	struct parse_state *ps = ctx;
	const char *file = ps->file;
	struct suite *s = ps->s;
	const char *kw = wp->w[0];
	if (strcmp(kw, "case") == 0) {
		if (!finish_case(ps->cur, d))
			return LEX_ERROR;
		if (wp->n != 2 || !valid_name(wp->w[1]))
			return diag_at(d, file, lineno, "expected 'case NAME' (letters, digits, '.', '_', '-')"), LEX_ERROR;
		int prev = suite_find(s, wp->w[1]);
		if (prev >= 0)
			return diag_at(d, file, lineno, "case %s is already defined at %s:%d", wp->w[1], s->cases[prev].file,
				       s->cases[prev].line),
			       LEX_ERROR;
		s->cases = xrealloc(s->cases, sizeof *s->cases * (size_t)(s->n + 1));
		ps->cur = &s->cases[s->n];
		*ps->cur = (struct tcase){.name = xstrdup(wp->w[1]), .file = file, .line = lineno};
		index_add(s, s->n);
		s->n++;
		return LEX_NEXT;
	}
	struct tcase *cur = ps->cur;
	if (!cur)
		return diag_at(d, file, lineno, "'%s' before the first 'case NAME' line", kw), LEX_ERROR;
	const struct kind *k;
	const struct call *call;
	bool ok;
	if (strcmp(kw, "covers") == 0 || strcmp(kw, "tags") == 0 || strcmp(kw, "needs") == 0 ||
	    strcmp(kw, "timeout") == 0)
		ok = parse_header(cur, wp, file, lineno, d);
	else if ((k = kind_by_name(kw)))
		ok = parse_fixture(cur, k, wp, file, lineno, d);
	else if ((call = call_by_name(kw)))
		ok = parse_step(cur, call, wp, file, lineno, 0, d);
	else if (strcmp(kw, "thread") == 0 || strcmp(kw, "process") == 0)
		ok = parse_actor(cur, wp, file, lineno, d);
	else if (kw[0] && kw[strlen(kw) - 1] == ':')
		ok = parse_actor_step(cur, wp, file, lineno, d);
	else
		ok = diag_at(d, file, lineno, "'%s' is neither a fixture kind, a call, an actor (thread/process, NAME:) nor covers/tags/needs/timeout "
				"(see docs/writing-cases.md)", kw);
	return ok ? LEX_NEXT : LEX_ERROR;
}

bool cases_parse(const char *file, const char *text, size_t len, struct suite *s, struct diag *d)
{
	struct parse_state ps = {.file = file, .s = s};
	return lex_lines(file, text, len, parse_case_line, &ps, d) && finish_case(ps.cur, d);
}

static void case_free(struct tcase *c)
{
	xfree(c->name);
	for (int i = 0; i < c->ncovers; i++)
		xfree(c->covers[i]);
	for (int i = 0; i < c->ntags; i++)
		xfree(c->tags[i]);
	xfree(c->covers);
	xfree(c->tags);
	for (int i = 0; i < c->nfix; i++) {
		xfree(c->fix[i].name);
		xfree(c->fix[i].param);
		for (int j = 0; j < c->fix[i].nopts; j++) {
			xfree(c->fix[i].opts[j].key);
			xfree(c->fix[i].opts[j].val);
		}
		xfree(c->fix[i].opts);
	}
	xfree(c->fix);
	for (int i = 0; i < c->nactors; i++)
		xfree(c->actors[i].name);
	for (int i = 0; i < c->nsteps; i++)
		for (int j = 0; j < c->steps[i].nargs; j++)
			arg_free(&c->steps[i].args[j]);
	xfree(c->steps);
	xfree(c->items);
}

void suite_free(struct suite *s)
{
	for (int i = 0; i < s->n; i++)
		case_free(&s->cases[i]);
	xfree(s->cases);
	xfree(s->slots);
	*s = (struct suite){0};
}
