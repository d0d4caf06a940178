/* Reports: human text (default), KTAP, JSON lines and JUnit XML.  A new
 * format is one entry in the table in report.c. */
#ifndef SPLICECHECK_REPORT_H
#define SPLICECHECK_REPORT_H

#include <stdio.h>

#include "expect.h"
#include "model.h"
#include "result.h"

struct report {
	const struct report_format *fmt;
	FILE *out;
	bool verbose;
	const char *target;
	const char *kernel;
	const char *platform;         /* "x86_64, 4 KiB pages, 64-bit" (abi_describe) */
	const struct target_env *env; /* its arch, word size and page size */
	int ncases, index;
	int passed, failed, skipped, broken;
	struct sbuf buf; /* formats that write everything at the end */
};

struct report_format {
	const char *name;
	void (*begin)(struct report *r);
	void (*one)(struct report *r, const struct tcase *c, const struct case_result *res, const struct exp_line *e);
	void (*end)(struct report *r);
};

const struct report_format *report_format_by_name(const char *name);
void report_begin(struct report *r);
/* Judges res against e (status PASS becomes FAIL where an outcome
 * differs), counts it and writes it. */
void report_case(struct report *r, const struct tcase *c, struct case_result *res, const struct exp_line *e);
void report_end(struct report *r);

/* Whether step i's seen outcome equals the expected one. */
bool step_matches(const struct case_result *res, const struct exp_line *e, int i);

#endif
