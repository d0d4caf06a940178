#include "bless.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put_line(struct sbuf *b, const char *name, const char *outs, const char *quals)
{
	sb_printf(b, "%-44s %s%s%s\n", name, outs, quals && *quals ? "  " : "", quals ? quals : "");
}

static bool same_outs(const struct exp_line *e, const char *seen)
{
	struct sbuf b = {0};
	for (int i = 0; i < e->nouts; i++)
		sb_printf(&b, "%s%s", i ? " " : "", e->outs[i]);
	bool eq = b.s && strcmp(b.s, seen) == 0;
	sb_free(&b);
	return eq;
}

/* The target named by a leading `inherit X` line of text, or "". */
static void inherit_of(const char *text, char *out, size_t n)
{
	out[0] = '\0';
	for (const char *p = text; p && *p;) {
		p += strspn(p, " \t\r\n");
		if (*p == '#') {
			p = strchr(p, '\n');
			continue;
		}
		if (strncmp(p, "inherit", 7) == 0 && (p[7] == ' ' || p[7] == '\t'))
			snprintf(out, n, "%.*s", (int)strcspn(p + 8 + strspn(p + 8, " \t"), " \t\r\n"),
				 p + 8 + strspn(p + 8, " \t"));
		return;
	}
}

bool bless_check_target(const char *path, const struct expset *set, const char *target, struct diag *d)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base), sl = strlen(".expected");
	if (len > sl && strcmp(base + len - sl, ".expected") == 0) {
		for (int i = 0; i < set->nknown; i++)
			if (strlen(set->known[i]) == len - sl && strncmp(set->known[i], base, len - sl) == 0 &&
			    strcmp(set->known[i], target) != 0)
				return diag_at(d, "--bless", 0,
					       "%s is target '%s''s file, but this run judges target '%s' "
					       "(bless it from a run with --target %s, where that target really runs)",
					       path, set->known[i], target, set->known[i]);
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return true; /* a new file: nothing to lose */
	char head[4096];
	size_t n = fread(head, 1, sizeof head - 1, f);
	fclose(f);
	head[n] = '\0';
	char theirs[64], ours[64];
	inherit_of(head, theirs, sizeof theirs);
	inherit_of(set->files[set->nfiles - 1].text, ours, sizeof ours);
	if (strcmp(theirs, ours) != 0)
		return diag_at(d, "--bless", 0, "%s %s%s, but target '%s''s file %s%s: it is not that target's file",
			       path, theirs[0] ? "inherits " : "inherits nothing", theirs, target,
			       ours[0] ? "inherits " : "inherits nothing", ours);
	return true;
}

/* Whether every qualifier of e holds where the outcomes were seen: a line
 * for an older kernel (or a regression record's range) matched under
 * --kernel must not take this kernel's outcomes. */
static bool holds_where_seen(const struct exp_line *e, const struct target_env *seen_env)
{
	for (int q = 0; q < e->nq; q++)
		if (!qualifier_matches(&e->q[q], e->target, seen_env))
			return false;
	return true;
}

static bool write_atomically(const char *path, const struct sbuf *out)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	FILE *fp = fopen(tmp, "w");
	bool ok = fp && fwrite(out->s ? out->s : "", 1, out->len, fp) == out->len;
	if (fp && fclose(fp) != 0)
		ok = false;
	if (ok && rename(tmp, path) < 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "splicecheck: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	xfree(tmp);
	return ok;
}

bool bless_write(const char *path, const struct expset *set, const struct suite *s, char *const *seen,
		 const struct exp_line *const *matched, const struct target_env *seen_env, const char *target)
{
	const struct srcfile *own = &set->files[set->nfiles - 1];
	struct sbuf out = {0};
	bool *done = xcalloc((size_t)s->n + 1, sizeof *done);
	int lineno = 0, changed = 0, kept = 0;
	for (const char *line = own->text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		lineno++;
		int ci = -1;
		for (int i = 0; i < s->n && ci < 0; i++)
			if (matched[i] && matched[i]->file == own->name && matched[i]->line == lineno && seen[i])
				ci = i;
		if (ci >= 0 && !same_outs(matched[ci], seen[ci]) && !holds_where_seen(matched[ci], seen_env)) {
			fprintf(stderr, "bless: kept  %s:%d %s (%s: its qualifiers do not hold where these outcomes were "
				"seen)\n", path, lineno, s->cases[ci].name, matched[ci]->qual_text);
			kept++;
			sb_printf(&out, "%.*s\n", (int)len, line);
		} else if (ci >= 0 && !same_outs(matched[ci], seen[ci])) {
			size_t at = out.len;
			put_line(&out, s->cases[ci].name, seen[ci], matched[ci]->qual_text);
			fprintf(stderr, "bless: -%d   %.*s\nbless: +%d   %s", lineno, (int)len, line, lineno, out.s + at);
			changed++;
		} else {
			sb_printf(&out, "%.*s\n", (int)len, line);
		}
		if (ci >= 0)
			done[ci] = true;
		line = nl ? nl + 1 : NULL;
	}
	for (int i = 0; i < s->n; i++) {
		if (!seen[i] || done[i])
			continue;
		if (matched[i] && same_outs(matched[i], seen[i]))
			continue;
		if (matched[i] && !holds_where_seen(matched[i], seen_env)) {
			fprintf(stderr, "bless: kept  %s:%d for %s (%s: its qualifiers do not hold where these outcomes "
				"were seen)\n", matched[i]->file, matched[i]->line, s->cases[i].name, matched[i]->qual_text);
			kept++;
			continue;
		}
		size_t at = out.len;
		put_line(&out, s->cases[i].name, seen[i], NULL);
		fprintf(stderr, "bless: new   %s", out.s + at);
		changed++;
	}
	xfree(done);
	/* what would be written must read back: never leave a file behind that
	 * the next run refuses */
	struct expset check = {0};
	memcpy(check.known, set->known, sizeof check.known);
	check.nknown = set->nknown;
	check.partial = set->partial;
	struct diag d = {0};
	bool ok = expect_parse_file(&check, path, out.s ? out.s : "", target, s, &d);
	expect_free(&check);
	if (!ok)
		fprintf(stderr, "splicecheck: --bless: not written, the result would not parse: %s\n", d.msg);
	else
		ok = write_atomically(path, &out);
	if (ok)
		fprintf(stderr, "bless: %s: %d line%s changed or added, %d kept\n", path, changed, changed == 1 ? "" : "s",
			kept);
	sb_free(&out);
	return ok;
}
