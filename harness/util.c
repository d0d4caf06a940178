#include "util.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>
#include <sys/mman.h>

bool diag_at(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	if (d->set)
		return false;
	int n = line > 0 ? snprintf(d->msg, sizeof d->msg, "%s:%d: ", file, line)
			 : snprintf(d->msg, sizeof d->msg, "%s: ", file);
	if (n < 0 || (size_t)n >= sizeof d->msg)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg + n, sizeof d->msg - n, fmt, ap);
	va_end(ap);
	d->set = true;
	return false;
}

static void *oom(void)
{
	fputs("splicecheck: out of memory\n", stderr);
	exit(2);
}

#define ARENA_SIZE (128u << 20)
#define ARENA_ALIGN 16

static struct {
	char *base;
	size_t used;
	bool on;
	char *last; /* the newest allocation, which can grow in place */
} arena;

void arena_begin(void)
{
	if (!arena.base) {
		/* reserved, not committed: only pages written are backed */
		void *p = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return; /* plain malloc, as before */
		arena.base = p;
	}
	arena.on = true;
}

void arena_end(void) { arena.on = false; }

static bool in_arena(const void *p)
{
	return arena.base && (const char *)p >= arena.base && (const char *)p < arena.base + ARENA_SIZE;
}

/* Each block is preceded by its capacity, so xrealloc knows what to copy. */
static size_t *block_size(void *p) { return (size_t *)((char *)p - ARENA_ALIGN); }

static void *arena_alloc(size_t n)
{
	size_t need = ARENA_ALIGN + ((n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1));
	if (!arena.on || need > ARENA_SIZE - arena.used)
		return NULL;
	char *p = arena.base + arena.used + ARENA_ALIGN;
	arena.used += need;
	*block_size(p) = need - ARENA_ALIGN; /* its capacity */
	arena.last = p;
	return p; /* fresh mapping: already zero */
}

void xfree(void *p)
{
	if (!in_arena(p))
		free(p);
}

void *xmalloc(size_t n)
{
	void *p = arena_alloc(n);
	if (!p)
		p = malloc(n ? n : 1);
	return p ? p : oom();
}

void *xcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return oom();
	void *p = arena_alloc(n * size);
	if (!p)
		p = calloc(n ? n : 1, size ? size : 1);
	return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
	if (p && in_arena(p)) {
		size_t cap = *block_size(p);
		if (n <= cap)
			return p;
		if (p == arena.last && arena.on) {
			size_t want = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
			if (want - cap <= ARENA_SIZE - arena.used) {
				arena.used += want - cap;
				*block_size(p) = want;
				return p;
			}
		}
		/* arrays grow one element at a time: double, or copying them
		 * would be quadratic */
		void *q = xmalloc(n > 2 * cap ? n : 2 * cap);
		memcpy(q, p, cap);
		return q;
	}
	if (!p)
		return xmalloc(n);
	if (!arena.on) {
		p = realloc(p, n ? n : 1);
		return p ? p : oom();
	}
	/* a heap block grown while the arena is on moves into the arena */
	void *q = arena_alloc(n);
	if (!q) {
		q = realloc(p, n ? n : 1);
		return q ? q : oom();
	}
	size_t old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	free(p);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *p = xmalloc(n + 1);
	memcpy(p, s, n + 1);
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return oom();
	char *copy = xstrdup(s);
	free(s);
	return copy;
}

static void sb_grow(struct sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sb_putc(struct sbuf *b, char c) { sb_putn(b, &c, 1); }
void sb_puts(struct sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_free(struct sbuf *b)
{
	xfree(b->s);
	*b = (struct sbuf){0};
}

bool parse_int(const char *s, long long *out)
{
	if (!*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_uint(const char *s, unsigned long long *out)
{
	if (!*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool glob_match(const char *glob, const char *name)
{
	return fnmatch(glob, name, 0) == 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
