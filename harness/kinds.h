/* Fixture kinds: every fd kind, buffer and offset a case can declare.
 * Adding a kind is one entry in the table in kinds.c: its name, its ends,
 * the options it takes, how they map to the arguments of its maker in
 * the runtime, that maker, the system calls the maker makes and an
 * example of its use; plus the maker itself (rt_make_KIND, declared in
 * rt.h, in harness/rt_fdkinds.c or rt_fixture.c) and the kind's row in
 * docs/writing-cases.md (docs/writing-cases.md, "Adding a fixture kind").  The harness calls the maker in the case's child; a
 * reproducer prints a call to the same function with the same arguments;
 * --seccomp-from-start predicts from the calls (seccomp_needs.c). */
#ifndef SPLICECHECK_KINDS_H
#define SPLICECHECK_KINDS_H

#include "model.h"
#include "rt.h"
#include "util.h"

/* A made fixture is the runtime's struct rt_fixture; this is the name it
 * had before the runtime, for code written against that. */
#define fxstate rt_fixture

enum kind_role { ROLE_FD, ROLE_BUFFER, ROLE_OFFSET };

struct make_env {
	const char *tmpfs_dir; /* this case's directory on tmpfs, or NULL */
};

/* A fixture's options as the runtime's arguments. */
struct kind_args {
	struct rt_fixture_args rt;
	bool in_tmpfs;  /* path is a file in the case's tmpfs directory */
	char path[512]; /* storage for rt.path */
	char *text;     /* storage for rt.text */
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
	/* The fixture's options as its maker's arguments. */
	void (*args)(const struct fixture *f, struct kind_args *ka);
	rt_maker *make;
	const char *maker; /* the maker's name, for reproducers */
	/* The system calls the maker makes, in order, space-separated, named
	 * as the C library makes them (open is openat, mkfifo mknodat, eventfd
	 * eventfd2, posix_openpt openat, tcsetattr ioctl).  "a|b": the first of
	 * a and b this architecture has (mkdir|mkdirat: arm64 has no mkdir).
	 * --seccomp-from-start predicts from them which fixtures a profile
	 * breaks (seccomp_needs.c); a unit test resolves them on every
	 * architecture the project builds. */
	const char *calls;
	/* A case body using it, one line a line: its fixture with the options
	 * worth showing, then steps on it.  `splicecheck reference` prints it;
	 * tests/test_repro.py reproduces it, so a kind a reproducer cannot
	 * write fails there. */
	const char *example;
};

/* Makes the fixture in the case's child; returns 0, or an errno with
 * why[] filled. */
int kind_make(const struct fixture *f, struct rt_fixture *fx, const struct make_env *env, char *why, size_t whylen);
/* The maker's arguments for f (the path of an fs=tmpfs file is its bare
 * name: kind_make and a reproducer each put it in their tmpfs directory);
 * kind_args_free releases them. */
void kind_args(const struct fixture *f, struct kind_args *ka);
void kind_args_free(struct kind_args *ka);

const struct kind *kind_by_name(const char *name);
const struct kind *kind_at(size_t i); /* NULL past the end: for docs and tests */
int kind_end_index(const struct kind *k, const char *end);
/* "pipe:w,nonblock=w" — how an fd is shown in calls and reports. */
void kind_describe(const struct fixture *f, int end, struct sbuf *b);

#endif
