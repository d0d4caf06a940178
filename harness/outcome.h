/* The outcome of one step, and its one canonical spelling: 1000, EINVAL,
 * EPIPE+SIGPIPE, 5:"hello", 65536+blocks, blocks, SIGSEGV, -.  Expected
 * and seen outcomes are compared in that spelling, so two ways of writing
 * the same outcome compare equal and anything else differs. */
#ifndef SPLICECHECK_OUTCOME_H
#define SPLICECHECK_OUTCOME_H

#include "util.h"

enum outcome_kind {
	OC_NONE,   /* "-": a harness-side step with nothing to observe */
	OC_RET,    /* a return value, with data when the step read some */
	OC_ERR,    /* an errno */
	OC_BLOCKS, /* the watchdog ended the step, which returned EINTR */
	OC_KILLED, /* a signal killed the case's process during the step */
};

#define OUTCOME_DATA_MAX 128

struct outcome {
	enum outcome_kind kind;
	bool blocked; /* the watchdog fired, but the call returned a count */
	bool has_data;
	int err;
	int killsig;
	unsigned sigs; /* bit n: signal n was delivered (and caught) during the step */
	long long ret;
	char data[OUTCOME_DATA_MAX];
};

void outcome_format(const struct outcome *o, struct sbuf *b);
/* Parses one word; false with why[] filled on anything malformed. */
bool outcome_parse(const char *word, struct outcome *o, char *why, size_t whylen);
/* The word's canonical spelling into out, or false. */
bool outcome_canonical(const char *word, struct sbuf *out, char *why, size_t whylen);

#endif
