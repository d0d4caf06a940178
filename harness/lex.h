/* Splits one line of a case or expected file into words.  A word runs
 * to the next blank, except that "quoted text" and [bracketed lists] are
 * kept whole, so `5:"a b"` and `[b:1, b+1:2]` are single words. */
#ifndef SPLICECHECK_LEX_H
#define SPLICECHECK_LEX_H

#include "util.h"

/* An expected line is a case name, one outcome per step and up to
 * MAX_QUALS qualifiers: this bound leaves room for MAX_CASE_STEPS steps. */
#define LEX_MAX_WORDS 1024

struct words {
	int n;
	char *w[LEX_MAX_WORDS];
};

/* Splits line in place (it writes NULs into it).  A word starting with '#'
 * ends the line.  Returns false with d set on an unterminated quote or
 * bracket, or too many words. */
bool lex_line(char *line, struct words *out, const char *file, int lineno, struct diag *d);

/* Calls each(ctx, lineno, words) for every line of text that has words.
 * each returns LEX_NEXT to go on, LEX_STOP to stop (no error) or LEX_ERROR
 * with d set.  Returns false on an error from lexing or from each. */
enum { LEX_ERROR = -1, LEX_STOP = 0, LEX_NEXT = 1 };
bool lex_lines(const char *file, const char *text, size_t len,
	       int (*each)(void *ctx, int lineno, const struct words *w, struct diag *d), void *ctx, struct diag *d);

/* Decodes a C-style quoted string starting at s (which points at the
 * opening quote).  Writes the bytes to out (may be NULL to measure) and
 * returns the number of bytes, or -1 on a bad escape; *end is set past
 * the closing quote. */
long lex_unquote(const char *s, char *out, const char **end);

/* Appends s as a quoted C string with \n, \t, \\, \" and \xHH escapes. */
void lex_quote(struct sbuf *b, const unsigned char *s, size_t n);

#endif
