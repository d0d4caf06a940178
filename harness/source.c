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

void srcfiles_free(struct srcfile *f, int n)
{
	for (int i = 0; i < n; i++) {
		xfree(f[i].name);
		xfree(f[i].text);
	}
	xfree(f);
}
