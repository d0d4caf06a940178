/* Where case and expected files come from: a directory on disk, or the
 * copies embedded in the binary at build time (so one static file runs
 * the whole suite in a VM or container). */
#ifndef SPLICECHECK_SOURCE_H
#define SPLICECHECK_SOURCE_H

#include "util.h"

struct srcfile {
	char *name; /* as shown in messages: cases/vmsplice.case */
	char *text;
	size_t len;
};

struct embedded_file {
	const char *path;
	const char *data;
	size_t len;
};

/* Files of the embedded set whose path starts with prefix and ends with
 * suffix, sorted by path. */
int source_embedded(const char *prefix, const char *suffix, struct srcfile **out);
/* A file, or every file ending in suffix in a directory (sorted).
 * False with d set when it cannot be read. */
bool source_disk(const char *path, const char *suffix, struct srcfile **out, int *n, struct diag *d);
/* One named file: from dir if dir is set, else from the embedded set. */
bool source_one(const char *dir, const char *prefix, const char *name, struct srcfile *out);
/* The stems of the files ending in suffix (linux for linux.expected) in
 * dir, or in the embedded set under prefix when dir is NULL: at most max,
 * each shorter than 32 bytes (longer names are left out). */
int source_stems(const char *dir, const char *prefix, const char *suffix, char (*stems)[32], int max);
/* Whether the embedded files under prefix are those of the checkout the
 * binary was built in (cases/ or expected/ there): false with d naming what
 * is new, removed or changed since.  Always true in a build without a
 * checkout (the static one) or when the checkout is gone. */
bool source_embedded_fresh(const char *prefix, const char *suffix, struct diag *d);
void srcfiles_free(struct srcfile *f, int n);

#endif
