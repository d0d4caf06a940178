/* Fixture kinds: every fd kind, buffer and offset a case can declare.
 * Adding a kind is one entry in the table in kinds.c: its name, its ends,
 * the options it takes and the function that makes it. */
#ifndef SPLICECHECK_KINDS_H
#define SPLICECHECK_KINDS_H

#include "model.h"
#include "util.h"

enum kind_role { ROLE_FD, ROLE_BUFFER, ROLE_OFFSET };

/* A fixture as made in the case's child. */
struct fxstate {
	int fd[MAX_ENDS];
	unsigned char *map; /* buffers and offsets: the whole mapping */
	size_t maplen;
	unsigned char *base; /* where the buffer starts (map + offset) */
	size_t len;          /* its usable length */
	long long *off;      /* offsets: the loff_t */
};

struct make_env {
	const char *tmpfs_dir; /* this case's directory on tmpfs, or NULL */
};

/* KIND_CLOSED_FD: the fixture's fd must be closed whenever a step runs
 * (checked before each step: a case then never reads an open fd as a
 * kernel's EBADF). */
enum { KIND_NEEDS_SCRATCH = 1, KIND_PARAM_REQUIRED = 2, KIND_PARAM_OPTIONAL = 4, KIND_CLOSED_FD = 8 };

struct kind {
	const char *name;
	enum kind_role role;
	const char *ends[MAX_ENDS + 1]; /* NULL-terminated; none: the fixture is one fd */
	const char *param;              /* what the positional word is, for messages */
	const char *keys[12];           /* options it takes, NULL-terminated */
	unsigned flags;
	const char *summary;            /* one line for the case-writing guide */
	/* Checks what can be checked before running; false with d set. */
	bool (*check)(const struct fixture *f, const char *file, struct diag *d);
	/* Makes the fixture; returns 0, or an errno with why[] filled. */
	int (*make)(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t whylen);
};

const struct kind *kind_by_name(const char *name);
const struct kind *kind_at(size_t i); /* NULL past the end: for docs and tests */
int kind_end_index(const struct kind *k, const char *end);
/* "pipe:w,nonblock=w" — how an fd is shown in calls and reports. */
void kind_describe(const struct fixture *f, int end, struct sbuf *b);

#endif
