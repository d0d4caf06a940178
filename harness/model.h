/* What a parsed case is: its fixtures (fds, buffers, offsets) and its
 * steps (calls), in the order the case file gives them. */
#ifndef SPLICECHECK_MODEL_H
#define SPLICECHECK_MODEL_H

#include <stdbool.h>
#include <stddef.h>

struct kind;
struct call;

#define MAX_ARGS 6
/* Steps in one case: checked when the case is read, so that its expected
 * line (name, outcomes, qualifiers) always fits in one line the expected
 * file parser reads (LEX_MAX_WORDS) and bless never writes one it refuses. */
#define MAX_CASE_STEPS 1000
#define MAX_ENDS 4
#define MAX_ACTORS 4 /* besides the main one */

/* Where a pointer argument points: into a buffer fixture, or at one of
 * the special addresses (NULL, an unmapped page, a kernel address). */
struct ptrref {
	int buf;                  /* fixture index, or -1 for a fixed address */
	unsigned long long add;   /* offset into the buffer */
	unsigned long long addr;  /* the fixed address when buf < 0 */
	const char *special;      /* its name, for rendering ("NULL") */
};

struct iov_entry {
	struct ptrref base;
	unsigned long long len;
};

/* `[b:100, b+100:1]*3`: entries repeated `repeat` times; or, when
 * array_is_ptr, the iovec array pointer itself is a special address. */
struct iovspec {
	int n;
	struct iov_entry *v;
	unsigned long long repeat;
	bool array_is_ptr;
	struct ptrref array;
};

/* An loff_t * argument: NULL, a named `offset` fixture, an anonymous
 * value (`&100`), or a special address. */
enum off_kind { OFF_NULL, OFF_NAMED, OFF_VALUE, OFF_PTR };
struct offspec {
	enum off_kind kind;
	int fixture;
	long long value;
	struct ptrref ptr;
};

struct fdref {
	int fixture; /* -1: a literal number */
	int end;
	long long literal;
};

struct bytes {
	unsigned char *p;
	size_t len;
};

enum argtype {
	A_FD,       /* p.r, f, -1, 7 */
	A_IOV,      /* [b:1000] */
	A_NUM,      /* 1024, SIZE_MAX, PAGE*2 */
	A_SPLICE_FLAGS,
	A_RWF_FLAGS,
	A_WHENCE,
	A_SHUT,
	A_OFFPTR,   /* NULL, &o, &100, unmapped */
	A_DATA,     /* "text", "a"*4096: expands to pointer and length */
	A_RDBUF,    /* a length: expands to a fresh buffer and that length, and the step's data is what landed in it */
	A_PTR,      /* b, b+10, NULL */
	A_OFFNAME,  /* the name of an `offset` fixture */
	A_MS,       /* a duration: 20ms, 1s */
	A_WORD,     /* one of the words the call lists */
	A_ACTOR,    /* the name of an actor declared above */
	A_CONST,    /* fixed by the call's table entry, not written in the case */
};

struct arg {
	enum argtype type;
	char *text; /* as written, for messages */
	union {
		struct fdref fd;
		struct iovspec iov;
		unsigned long long num;
		struct offspec off;
		struct bytes data;
		struct ptrref ptr;
		int fixture;
		int word;
	};
};

struct opt {
	char *key;
	char *val; /* "" for a bare key */
};

struct fixture {
	const struct kind *kind;
	char *name;
	char *param; /* the positional word after the name, if the kind takes one */
	int line;
	int nopts;
	struct opt *opts;
};

struct step {
	const struct call *call;
	int line;
	int actor; /* who runs it: 0 the main actor, k + 1 the case's actors[k] */
	int nargs;
	struct arg args[MAX_ARGS];
};

/* A `thread NAME` or `process NAME` line: an actor that runs the steps
 * written `NAME: CALL ...`, concurrently with the main actor. */
struct actor_decl {
	char *name;
	bool process;
	int line;
};

enum item_kind { ITEM_FIXTURE, ITEM_STEP, ITEM_ACTOR };

struct item {
	bool is_step;
	int index; /* into fix, steps or actors */
	enum item_kind kind;
};

struct tcase {
	char *name;
	const char *file;
	int line;
	int ncovers, ntags;
	char **covers, **tags;
	bool needs_root;
	bool needs_scratch;
	bool needs_tmpfs;
	unsigned timeout_ms; /* 0: the run's default */
	int nfix, nsteps, nitems, nactors;
	struct actor_decl actors[MAX_ACTORS];
	struct fixture *fix;
	struct step *steps;
	struct item *items;
};

struct suite {
	int n;
	struct tcase *cases;
	/* open-addressing index of case names: slot -> case index + 1 (0 empty),
	 * so finding a case by name does not make parsing quadratic */
	int *slots;
	int nslots;
};

const char *fixture_opt(const struct fixture *f, const char *key);
/* An option's value as a number (or its first byte), or dflt when absent. */
unsigned long long fixture_opt_num(const struct fixture *f, const char *key, unsigned long long dflt);
int fixture_opt_byte(const struct fixture *f, const char *key, int dflt);
int case_fixture_index(const struct tcase *c, const char *name);
int case_actor_index(const struct tcase *c, const char *name);
void suite_free(struct suite *s);

#endif
