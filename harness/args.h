/* Argument types of the calls a step makes: how each is written in a
 * case, shown in a report, and turned into raw syscall arguments in the
 * case's child.  A new argument type is one entry in args.c. */
#ifndef SPLICECHECK_ARGS_H
#define SPLICECHECK_ARGS_H

#include "kinds.h"
#include "model.h"
#include "util.h"

/* An argument of a call, as the call table describes it. */
struct argdef {
	enum argtype type;
	const char *name;          /* "fd_in", for reports */
	unsigned long long cval;   /* A_CONST: the value */
	const char *const *words;  /* A_WORD: the words allowed, index = value */
	/* the parameter's name in the man page, where name is not it (JSON
	 * reports key arguments by it: ioctl's "request", fcntl's "cmd"); ""
	 * for a raw argument the man page does not show (pwritev2's pos_h) */
	const char *key;
};

struct actor;
struct actor_watch;

/* The case's child while it runs steps: one per actor. */
struct runctx {
	const struct tcase *c;
	struct rt_fixture *fx;
	void *allocs[MAX_ARGS];
	int nallocs;
	unsigned char *rdbuf; /* where an A_RDBUF argument's data lands */
	size_t rdlen;
	long long anon_off[MAX_ARGS]; /* &100: anonymous offsets */
	bool alarm_pending;           /* an `alarm` step's timer has not fired yet */
	int actor;                    /* who runs the steps: 0 main, k + 1 actors[k] */
	struct actor *actors;         /* the case's actors (shared by all) */
	int nactors;
	const struct actor_watch *watch;
	/* a process actor died in item's step, killed by sig (0: it exited) */
	void (*actor_died)(struct runctx *rc, int item, int sig);
};

/* The names of a flag or enumeration argument type, or NULL. */
const struct flag_set *arg_flag_set(enum argtype t);

bool arg_parse(struct arg *a, const struct argdef *def, const char *word, const struct tcase *c, const char *file,
	       int line, struct diag *d);
void arg_free(struct arg *a);
/* strace-like: p.w<pipe:w>, [{b, 1000}], SPLICE_F_GIFT, &o=[100] */
void arg_render(const struct arg *a, const struct argdef *def, const struct tcase *c, struct sbuf *b);
/* Appends the raw syscall argument(s) for a; returns how many (0 for a
 * harness-side argument), or -1 with errno set when it cannot be made. */
int arg_resolve(const struct arg *a, const struct argdef *def, struct runctx *rc, int slot, unsigned long long *raw);
void runctx_release_step(struct runctx *rc);

#endif
