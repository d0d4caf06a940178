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

bool bless_write(const char *path, const struct expset *set, const struct suite *s, char *const *seen,
		 const struct exp_line *const *matched)
{
	const struct srcfile *own = &set->files[set->nfiles - 1];
	struct sbuf out = {0};
	bool *done = xcalloc((size_t)s->n + 1, sizeof *done);
	int lineno = 0;
	for (const char *line = own->text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		lineno++;
		int ci = -1;
		for (int i = 0; i < s->n && ci < 0; i++)
			if (matched[i] && matched[i]->file == own->name && matched[i]->line == lineno && seen[i])
				ci = i;
		if (ci >= 0 && !same_outs(matched[ci], seen[ci]))
			put_line(&out, s->cases[ci].name, seen[ci], matched[ci]->qual_text);
		else
			sb_printf(&out, "%.*s\n", (int)len, line);
		if (ci >= 0)
			done[ci] = true;
		line = nl ? nl + 1 : NULL;
	}
	for (int i = 0; i < s->n; i++) {
		if (!seen[i] || done[i])
			continue;
		if (matched[i] && same_outs(matched[i], seen[i]))
			continue;
		put_line(&out, s->cases[i].name, seen[i], NULL);
	}
	xfree(done);
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	FILE *fp = fopen(tmp, "w");
	bool ok = fp && fwrite(out.s ? out.s : "", 1, out.len, fp) == out.len;
	if (fp && fclose(fp) != 0)
		ok = false;
	if (ok && rename(tmp, path) < 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "splicecheck: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	xfree(tmp);
	sb_free(&out);
	return ok;
}
