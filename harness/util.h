/* Small helpers shared by every module: allocation that cannot return
 * NULL, error messages that carry a file:line, string helpers. */
#ifndef SPLICECHECK_UTIL_H
#define SPLICECHECK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A parse error: where, and what was wrong.  Parsers fill the first one
 * and stop, so the message a user sees is the root cause. */
struct diag {
	bool set;
	char msg[512];
};

__attribute__((format(printf, 4, 5)))
bool diag_at(struct diag *d, const char *file, int line, const char *fmt, ...);

/* While the arena is on, allocations come from one MAP_SHARED mapping.
 * Everything parsed (cases, expected lines) goes there: fork does not copy
 * the page tables of a shared mapping, so starting a case's child costs the
 * same with 100 cases as with 10000.  Children only read what is there.
 * Arena memory is never freed on its own; xfree ignores it. */
void arena_begin(void);
void arena_end(void);

void xfree(void *p);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);

/* A growable byte buffer, used to build output text. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sb_putc(struct sbuf *b, char c);
void sb_puts(struct sbuf *b, const char *s);
void sb_putn(struct sbuf *b, const char *s, size_t n);
__attribute__((format(printf, 2, 3))) void sb_printf(struct sbuf *b, const char *fmt, ...);
void sb_free(struct sbuf *b);

/* Parse an integer in C syntax (decimal, 0x hex, optional sign) that must
 * span the whole string. */
bool parse_int(const char *s, long long *out);
bool parse_uint(const char *s, unsigned long long *out);

/* fnmatch-style glob on case names. */
bool glob_match(const char *glob, const char *name);

/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);

#endif
