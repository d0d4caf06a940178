#include "report.h"

#include <string.h>

#include "calls.h"
#include "outcome.h"
#include "overlay.h"

static const char *status_word(enum case_status s)
{
	static const char *const w[] = {"pass", "fail", "skip", "broken"};
	return w[s];
}

static void seen_text(const struct case_result *res, int i, struct sbuf *b)
{
	if (i < res->nout)
		outcome_format(&res->out[i], b);
	else
		sb_puts(b, "(not run)");
}

static const char *expected_text(const struct exp_line *e, int i)
{
	if (e && i >= e->nouts && e->rest_unchecked)
		return "(not judged: after a call the seccomp profile denies)";
	return e && i < e->nouts ? e->outs[i] : "(none)";
}

bool step_matches(const struct case_result *res, const struct exp_line *e, int i)
{
	if (e && i >= e->nouts && e->rest_unchecked)
		return true;
	if (!e || i >= e->nouts || i >= res->nout)
		return e && i >= e->nouts && i >= res->nout;
	if (strcmp(e->outs[i], OVERLAY_UNJUDGED) == 0)
		return true;
	struct sbuf b = {0};
	outcome_format(&res->out[i], &b);
	bool eq = strcmp(b.s, e->outs[i]) == 0;
	sb_free(&b);
	return eq;
}

static void judge(const struct tcase *c, struct case_result *res, const struct exp_line *e, const char *target)
{
	if (res->status != ST_PASS)
		return;
	if (!e) {
		res->status = ST_FAIL;
		snprintf(res->reason, sizeof res->reason, "no expected outcome for target %s (--bless records one)",
			 target);
		return;
	}
	int n = c->nsteps;
	for (int i = 0; i < n; i++) {
		if (!step_matches(res, e, i)) {
			res->status = ST_FAIL;
			if (!res->reason[0])
				snprintf(res->reason, sizeof res->reason, "step %d differs", i + 1);
			return;
		}
	}
}

static void json_str(struct sbuf *b, const char *s)
{
	sb_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c == '\n')
			sb_puts(b, "\\n");
		else if (c < 0x20)
			sb_printf(b, "\\u%04x", c);
		else
			sb_putc(b, (char)c);
	}
	sb_putc(b, '"');
}

static void xml_str(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '&': sb_puts(b, "&amp;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				sb_printf(b, "&#%d;", *s);
			else
				sb_putc(b, *s);
		}
	}
}

/* The steps of a case, one per line: where, the call, seen and expected. */
static void steps_text(const struct tcase *c, const struct case_result *res, const struct exp_line *e,
		       const char *indent, struct sbuf *b)
{
	for (int i = 0; i < c->nsteps; i++) {
		const struct step *s = &c->steps[i];
		sb_printf(b, "%sstep %d  %s:%d  ", indent, i + 1, c->file, s->line);
		call_render(s, c, b);
		sb_puts(b, " = ");
		seen_text(res, i, b);
		if (!step_matches(res, e, i))
			sb_printf(b, "\n%s        expected %s, seen ", indent, expected_text(e, i)), seen_text(res, i, b);
		sb_putc(b, '\n');
	}
	if (e)
		sb_printf(b, "%sexpected from %s:%d%s\n", indent, e->file, e->line,
			  e->rest_unchecked ? ", overlaid by the seccomp profile" : "");
}

static void text_begin(struct report *r) { (void)r; }

static void text_one(struct report *r, const struct tcase *c, const struct case_result *res, const struct exp_line *e)
{
	static const char *const word[] = {"PASS", "FAIL", "SKIP", "BROKEN"};
	struct sbuf b = {0};
	sb_printf(&b, "%-6s %s", word[res->status], c->name);
	if (res->status != ST_PASS && res->reason[0])
		sb_printf(&b, "  (%s)", res->reason);
	sb_putc(&b, '\n');
	if (res->status == ST_FAIL || (r->verbose && res->status == ST_PASS))
		steps_text(c, res, e, "       ", &b);
	fputs(b.s, r->out);
	sb_free(&b);
}

static void text_end(struct report *r)
{
	fprintf(r->out, "%d passed, %d failed, %d skipped\n", r->passed, r->failed + r->broken, r->skipped);
}

static void tap_begin(struct report *r)
{
	fprintf(r->out, "KTAP version 1\n1..%d\n", r->ncases);
	if (r->platform)
		fprintf(r->out, "# splicecheck on %s, %s, scratch on %s\n", r->kernel ? r->kernel : "?", r->platform,
			r->env && r->env->fs ? r->env->fs : "?");
}

static void tap_one(struct report *r, const struct tcase *c, const struct case_result *res, const struct exp_line *e)
{
	struct sbuf b = {0};
	if (res->status == ST_FAIL || res->status == ST_BROKEN || r->verbose)
		steps_text(c, res, e, "# ", &b);
	if (b.s)
		fputs(b.s, r->out);
	sb_free(&b);
	if (res->status == ST_SKIP)
		fprintf(r->out, "ok %d %s # SKIP %s\n", r->index, c->name, res->reason);
	else if (res->status == ST_PASS)
		fprintf(r->out, "ok %d %s\n", r->index, c->name);
	else
		fprintf(r->out, "not ok %d %s%s%s\n", r->index, c->name, res->reason[0] ? " # " : "", res->reason);
}

static void tap_end(struct report *r)
{
	fprintf(r->out, "# totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:%d\n", r->passed, r->failed,
		r->skipped, r->broken);
	fprintf(r->out, "# %d passed, %d failed, %d skipped\n", r->passed, r->failed + r->broken, r->skipped);
}

static void json_begin(struct report *r) { (void)r; }

static void json_key_value(struct sbuf *b, bool *first, const char *key, const char *value, size_t len)
{
	sb_puts(b, *first ? "" : ",");
	*first = false;
	json_str(b, key);
	sb_putc(b, ':');
	char *v = xstrndup(value, len);
	json_str(b, v);
	xfree(v);
}

/* One key per syscall argument, named as the man page names it: a case's
 * DATA is write's buf and count, a read's COUNT its buf and count. */
static void json_args(struct sbuf *b, const struct step *s, const struct tcase *c)
{
	bool first = true;
	struct sbuf t = {0};
	for (int a = 0; a < s->nargs; a++) {
		const struct argdef *def = &s->call->a[a];
		const char *key = def->key ? def->key : def->name;
		if (!*key)
			continue;
		t.len = 0;
		arg_render(&s->args[a], def, c, &t);
		const char *text = t.s ? t.s : "";
		/* both render as "BUF, COUNT", the count being a plain number */
		const char *sep = def->type == A_DATA || def->type == A_RDBUF ? strrchr(text, ',') : NULL;
		if (!sep) {
			json_key_value(b, &first, key, text, strlen(text));
		} else if (def->type == A_DATA) {
			json_key_value(b, &first, key, text, (size_t)(sep - text));
			json_key_value(b, &first, "count", sep + 2, strlen(sep + 2));
		} else {
			json_key_value(b, &first, "buf", text, (size_t)(sep - text));
			json_key_value(b, &first, key, sep + 2, strlen(sep + 2));
		}
	}
	sb_free(&t);
}

static void json_one(struct report *r, const struct tcase *c, const struct case_result *res, const struct exp_line *e)
{
	struct sbuf b = {0};
	for (int i = 0; i < c->nsteps && res->status != ST_SKIP; i++) {
		const struct step *s = &c->steps[i];
		struct sbuf t = {0};
		sb_puts(&b, "{\"type\":\"step\",\"case\":");
		json_str(&b, c->name);
		sb_printf(&b, ",\"step\":%d,\"line\":", i + 1);
		sb_printf(&t, "%s:%d", c->file, s->line);
		json_str(&b, t.s);
		sb_puts(&b, ",\"syscall\":");
		json_str(&b, s->call->shown);
		sb_puts(&b, ",\"call\":");
		t.len = 0;
		call_render(s, c, &t);
		json_str(&b, t.s);
		sb_puts(&b, ",\"args\":{");
		json_args(&b, s, c);
		sb_puts(&b, "},\"outcome\":");
		t.len = 0;
		t.s[0] = '\0';
		seen_text(res, i, &t);
		json_str(&b, t.s);
		sb_puts(&b, ",\"expected\":");
		json_str(&b, expected_text(e, i));
		sb_puts(&b, ",\"status\":");
		json_str(&b, i >= res->nout ? "not-run" : step_matches(res, e, i) ? "pass" : "fail");
		sb_puts(&b, "}\n");
		sb_free(&t);
	}
	sb_puts(&b, "{\"type\":\"case\",\"case\":");
	json_str(&b, c->name);
	sb_puts(&b, ",\"file\":");
	json_str(&b, c->file);
	sb_printf(&b, ",\"line\":%d,\"status\":", c->line);
	json_str(&b, status_word(res->status));
	sb_puts(&b, ",\"reason\":");
	json_str(&b, res->reason);
	sb_puts(&b, ",\"covers\":[");
	for (int i = 0; i < c->ncovers; i++) {
		sb_puts(&b, i ? "," : "");
		json_str(&b, c->covers[i]);
	}
	sb_puts(&b, "],\"tags\":[");
	for (int i = 0; i < c->ntags; i++) {
		sb_puts(&b, i ? "," : "");
		json_str(&b, c->tags[i]);
	}
	sb_puts(&b, "],\"outcomes\":[");
	for (int i = 0; i < res->nout && res->status != ST_SKIP; i++) {
		struct sbuf t = {0};
		seen_text(res, i, &t);
		sb_puts(&b, i ? "," : "");
		json_str(&b, t.s);
		sb_free(&t);
	}
	sb_puts(&b, "],\"expected\":[");
	for (int i = 0; e && i < e->nouts; i++) {
		sb_puts(&b, i ? "," : "");
		json_str(&b, e->outs[i]);
	}
	sb_puts(&b, "],\"expected_from\":");
	if (e) {
		struct sbuf t = {0};
		sb_printf(&t, "%s:%d", e->file, e->line);
		json_str(&b, t.s);
		sb_free(&t);
	} else {
		sb_puts(&b, "null");
	}
	sb_printf(&b, ",\"ms\":%.3f}\n", res->ms);
	fputs(b.s, r->out);
	sb_free(&b);
}

static void json_end(struct report *r)
{
	struct sbuf b = {0};
	sb_puts(&b, "{\"type\":\"summary\",\"target\":");
	json_str(&b, r->target);
	sb_puts(&b, ",\"kernel\":");
	json_str(&b, r->kernel);
	if (r->env && r->env->arch) {
		sb_puts(&b, ",\"arch\":");
		json_str(&b, r->env->arch);
		sb_printf(&b, ",\"abi\":%d,\"page_size\":%lu", r->env->bits, r->env->page);
	}
	if (r->env) {
		/* the filesystem the fs= qualifiers were judged with (null: unreadable) */
		sb_puts(&b, ",\"scratch_fs\":");
		if (r->env->fs)
			json_str(&b, r->env->fs);
		else
			sb_puts(&b, "null");
	}
	sb_printf(&b, ",\"passed\":%d,\"failed\":%d,\"skipped\":%d,\"broken\":%d}\n", r->passed, r->failed, r->skipped,
		  r->broken);
	fputs(b.s, r->out);
	sb_free(&b);
}

static void junit_begin(struct report *r) { (void)r; }

static void junit_one(struct report *r, const struct tcase *c, const struct case_result *res, const struct exp_line *e)
{
	struct sbuf *b = &r->buf;
	size_t dot = strcspn(c->name, ".");
	sb_printf(b, "  <testcase classname=\"splicecheck.%.*s\" name=\"", (int)dot, c->name);
	xml_str(b, c->name);
	sb_printf(b, "\" file=\"%s\" line=\"%d\" time=\"%.6f\"", c->file, c->line, res->ms / 1000.0);
	if (res->status == ST_PASS) {
		sb_puts(b, "/>\n");
		return;
	}
	sb_puts(b, ">\n");
	const char *tag = res->status == ST_SKIP ? "skipped" : res->status == ST_BROKEN ? "error" : "failure";
	sb_printf(b, "    <%s message=\"", tag);
	xml_str(b, res->reason);
	sb_puts(b, "\">");
	if (res->status != ST_SKIP) {
		struct sbuf t = {0};
		steps_text(c, res, e, "", &t);
		if (t.s)
			xml_str(b, t.s);
		sb_free(&t);
	}
	sb_printf(b, "</%s>\n  </testcase>\n", tag);
}

static void junit_end(struct report *r)
{
	fprintf(r->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(r->out, "<testsuite name=\"splicecheck %s %s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n",
		r->target, r->kernel, r->ncases, r->failed, r->broken, r->skipped);
	if (r->buf.s)
		fputs(r->buf.s, r->out);
	fprintf(r->out, "</testsuite>\n</testsuites>\n");
	sb_free(&r->buf);
}

static const struct report_format formats[] = {
	{"text", text_begin, text_one, text_end},
	{"tap", tap_begin, tap_one, tap_end},
	{"json", json_begin, json_one, json_end},
	{"junit", junit_begin, junit_one, junit_end},
};

const struct report_format *report_format_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(formats); i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}

void report_begin(struct report *r) { r->fmt->begin(r); }

void report_case(struct report *r, const struct tcase *c, struct case_result *res, const struct exp_line *e)
{
	judge(c, res, e, r->target);
	r->index++;
	switch (res->status) {
	case ST_PASS: r->passed++; break;
	case ST_FAIL: r->failed++; break;
	case ST_SKIP: r->skipped++; break;
	case ST_BROKEN: r->broken++; break;
	}
	r->fmt->one(r, c, res, e);
	fflush(r->out);
}

void report_end(struct report *r) { r->fmt->end(r); }
