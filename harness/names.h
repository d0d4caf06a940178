/* Names the case and expected files use for numbers: splice flags,
 * errnos, signals, whence values and constants such as SIZE_MAX.  Adding
 * a flag or a constant is one line in names.c. */
#ifndef SPLICECHECK_NAMES_H
#define SPLICECHECK_NAMES_H

#include "util.h"

struct name_val {
	const char *name;
	unsigned long long val;
};

/* A set of flags that can be or-ed, spelt `GIFT|NONBLOCK` or with the
 * full prefix `SPLICE_F_GIFT`, or as a number. */
struct flag_set {
	const char *what;   /* for messages: "splice flag" */
	const char *prefix; /* "SPLICE_F_" */
	const struct name_val *v;
	size_t n;
};

extern const struct flag_set splice_flags;
extern const struct flag_set rwf_flags;
extern const struct flag_set whence_names;
extern const struct flag_set shut_names;

bool flags_parse(const struct flag_set *fs, const char *word, unsigned long long *out);
/* `SPLICE_F_GIFT|0x100`, or `0`. */
void flags_render(const struct flag_set *fs, unsigned long long v, struct sbuf *b);

/* A number: decimal, hex, negative, a named constant (SIZE_MAX, PAGE,
 * ...), or a sum/product of those without blanks (`SSIZE_MAX+1`,
 * `PAGE*16`).  False when a product or sum leaves what 64 bits hold
 * (below -2^63 or above 2^64-1): an overflow is an error, never a wrap. */
bool num_parse(const char *word, unsigned long long *out);

/* "EINVAL" <-> 22.  Unknown names give -1 / NULL. */
int errno_by_name(const char *name);
const char *errno_name(int err);
/* "SIGPIPE" <-> 13. */
int signal_by_name(const char *name);
const char *signal_name(int sig);

#endif
