#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Weak: the unit tests link without an embedded set. */
extern const struct embedded_file embedded_files[] __attribute__((weak));
extern const size_t embedded_count __attribute__((weak));

/* The checkout the binary was built in: only the plain and ASan builds
 * link it (build/checkout.c); the static build and the unit tests do not. */
extern const char embedded_checkout[] __attribute__((weak));

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct srcfile *)a)->name, ((const struct srcfile *)b)->name);
}

int source_embedded(const char *prefix, const char *suffix, struct srcfile **out)
{
	size_t total = &embedded_count ? embedded_count : 0;
	int n = 0;
	*out = xcalloc(total + 1, sizeof **out);
	for (size_t i = 0; i < total; i++) {
		const struct embedded_file *e = &embedded_files[i];
		if (strncmp(e->path, prefix, strlen(prefix)) != 0 || !ends_with(e->path, suffix))
			continue;
		(*out)[n].name = xstrdup(e->path);
		(*out)[n].text = xstrndup(e->data, e->len);
		(*out)[n].len = e->len;
		n++;
	}
	qsort(*out, (size_t)n, sizeof **out, by_name);
	return n;
}

static bool read_file(const char *path, struct srcfile *f, struct diag *d)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return diag_at(d, path, 0, "cannot read: %s", strerror(errno));
	struct sbuf b = {0};
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		sb_putn(&b, chunk, n);
	bool err = ferror(fp);
	fclose(fp);
	if (err) {
		sb_free(&b);
		return diag_at(d, path, 0, "read error");
	}
	if (memchr(b.s ? b.s : "", '\0', b.len)) {
		sb_free(&b);
		return diag_at(d, path, 0, "holds a NUL byte: not a text file");
	}
	f->name = xstrdup(path);
	f->text = b.s ? b.s : xstrdup("");
	f->len = b.len;
	return true;
}

bool source_disk(const char *path, const char *suffix, struct srcfile **out, int *n, struct diag *d)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return diag_at(d, path, 0, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		*out = xrealloc(*out, sizeof **out * (size_t)(*n + 1));
		if (!read_file(path, &(*out)[*n], d))
			return false;
		(*n)++;
		return true;
	}
	DIR *dir = opendir(path);
	if (!dir)
		return diag_at(d, path, 0, "%s", strerror(errno));
	int first = *n;
	struct dirent *e;
	bool ok = true;
	while (ok && (e = readdir(dir))) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix))
			continue;
		char *full = xasprintf("%s/%s", path, e->d_name);
		*out = xrealloc(*out, sizeof **out * (size_t)(*n + 1));
		ok = read_file(full, &(*out)[*n], d);
		if (ok)
			(*n)++;
		xfree(full);
	}
	closedir(dir);
	qsort(*out + first, (size_t)(*n - first), sizeof **out, by_name);
	return ok;
}

bool source_one(const char *dir, const char *prefix, const char *name, struct srcfile *out)
{
	struct diag d = {0};
	if (dir) {
		char *full = xasprintf("%s/%s", dir, name);
		bool ok = access(full, F_OK) == 0 && read_file(full, out, &d);
		xfree(full);
		return ok;
	}
	size_t total = &embedded_count ? embedded_count : 0;
	for (size_t i = 0; i < total; i++) {
		const struct embedded_file *e = &embedded_files[i];
		size_t pl = strlen(prefix);
		if (strncmp(e->path, prefix, pl) == 0 && strcmp(e->path + pl, name) == 0) {
			out->name = xstrdup(e->path);
			out->text = xstrndup(e->data, e->len);
			out->len = e->len;
			return true;
		}
	}
	return false;
}

static void add_stem(const char *name, const char *suffix, char (*stems)[32], int max, int *n)
{
	size_t len = strlen(name), sl = strlen(suffix);
	if (*n < max && name[0] != '.' && ends_with(name, suffix) && len - sl < 32 && len > sl)
		snprintf(stems[(*n)++], 32, "%.*s", (int)(len - sl), name);
}

int source_stems(const char *dir, const char *prefix, const char *suffix, char (*stems)[32], int max)
{
	int n = 0;
	if (dir) {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d)))
			add_stem(e->d_name, suffix, stems, max, &n);
		if (d)
			closedir(d);
		return n;
	}
	size_t total = &embedded_count ? embedded_count : 0, pl = strlen(prefix);
	for (size_t i = 0; i < total; i++)
		if (strncmp(embedded_files[i].path, prefix, pl) == 0 && !strchr(embedded_files[i].path + pl, '/'))
			add_stem(embedded_files[i].path + pl, suffix, stems, max, &n);
	return n;
}

bool source_embedded_fresh(const char *prefix, const char *suffix, struct diag *d)
{
	if (!embedded_checkout || !embedded_checkout[0])
		return true;
	char *dir = xasprintf("%s/%.*s", embedded_checkout, (int)strlen(prefix) - 1, prefix);
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		xfree(dir); /* the binary was carried elsewhere: its copy is all there is */
		return true;
	}
	struct srcfile *disk = NULL, *built = NULL;
	int ndisk = 0, nbuilt = source_embedded(prefix, suffix, &built);
	struct diag rd = {0};
	struct sbuf why = {0};
	int nwhy = 0;
	if (!source_disk(dir, suffix, &disk, &ndisk, &rd)) {
		sb_printf(&why, "\n  %s", rd.msg);
		nwhy++;
	}
	/* both lists are sorted by name: walk them together */
	size_t dl = strlen(embedded_checkout) + 1;
	for (int i = 0, j = 0; !rd.set && (i < ndisk || j < nbuilt);) {
		const char *dn = i < ndisk ? disk[i].name + dl : NULL, *bn = j < nbuilt ? built[j].name : NULL;
		int c = !dn ? 1 : !bn ? -1 : strcmp(dn, bn);
		const char *what = NULL, *name = c <= 0 ? dn : bn;
		if (c < 0)
			what = "is new: it is not built into this binary";
		else if (c > 0)
			what = "was removed, but this binary still has it";
		else if (disk[i].len != built[j].len || memcmp(disk[i].text, built[j].text, disk[i].len) != 0)
			what = "changed since this binary was built: its copy inside is older";
		if (what && nwhy++ < 8)
			sb_printf(&why, "\n  %s/%s %s", embedded_checkout, name, what);
		i += c <= 0;
		j += c >= 0;
	}
	if (nwhy > 8)
		sb_printf(&why, "\n  and %d more", nwhy - 8);
	bool fresh = nwhy == 0;
	if (!fresh)
		diag_at(d, dir, 0, "the copies built into this binary are stale:%s\n"
			"run ninja to rebuild, or read the files on disk with --cases %s/cases --expected %s/expected",
			why.s, embedded_checkout, embedded_checkout);
	sb_free(&why);
	srcfiles_free(disk, ndisk);
	srcfiles_free(built, nbuilt);
	xfree(dir);
	return fresh;
}

void srcfiles_free(struct srcfile *f, int n)
{
	for (int i = 0; i < n; i++) {
		xfree(f[i].name);
		xfree(f[i].text);
	}
	xfree(f);
}
