/* Reads case files (cases/NAME.case) into a suite.  The syntax is described
 * in docs/writing-cases.md. */
#ifndef SPLICECHECK_CASE_PARSE_H
#define SPLICECHECK_CASE_PARSE_H

#include "model.h"
#include "util.h"

/* Appends the cases of one file to s.  file names the file in messages;
 * it must outlive the suite. */
bool cases_parse(const char *file, const char *text, size_t len, struct suite *s, struct diag *d);
int suite_find(const struct suite *s, const char *name);

#endif
