#include "names.h"

#include "abi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SPLICE_F_MOVE
#define SPLICE_F_MOVE 1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE 4
#define SPLICE_F_GIFT 8
#endif
#ifndef RWF_NOWAIT
#define RWF_HIPRI 0x1
#define RWF_DSYNC 0x2
#define RWF_SYNC 0x4
#define RWF_NOWAIT 0x8
#define RWF_APPEND 0x10
#endif

static const struct name_val splice_v[] = {
	{"MOVE", SPLICE_F_MOVE},
	{"NONBLOCK", SPLICE_F_NONBLOCK},
	{"MORE", SPLICE_F_MORE},
	{"GIFT", SPLICE_F_GIFT},
};
const struct flag_set splice_flags = {"splice flag", "SPLICE_F_", splice_v, ARRAY_LEN(splice_v)};

static const struct name_val rwf_v[] = {
	{"HIPRI", RWF_HIPRI}, {"DSYNC", RWF_DSYNC}, {"SYNC", RWF_SYNC},
	{"NOWAIT", RWF_NOWAIT}, {"APPEND", RWF_APPEND},
};
const struct flag_set rwf_flags = {"RWF flag", "RWF_", rwf_v, ARRAY_LEN(rwf_v)};

static const struct name_val whence_v[] = {
	{"SET", SEEK_SET}, {"CUR", SEEK_CUR}, {"END", SEEK_END},
	{"DATA", SEEK_DATA}, {"HOLE", SEEK_HOLE},
};
const struct flag_set whence_names = {"whence", "SEEK_", whence_v, ARRAY_LEN(whence_v)};

static const struct name_val shut_v[] = {
	{"RD", SHUT_RD}, {"WR", SHUT_WR}, {"RDWR", SHUT_RDWR},
};
const struct flag_set shut_names = {"shutdown how", "SHUT_", shut_v, ARRAY_LEN(shut_v)};

/* Constants a case or an expected file may write instead of a number.
 * SIZE_MAX and SSIZE_MAX are this build's (32-bit on a 32-bit build). */
static const struct name_val constants[] = {
	{"SIZE_MAX", SIZE_MAX},
	{"SSIZE_MAX", SSIZE_MAX},
	{"INT_MAX", INT_MAX},
	{"UINT_MAX", UINT_MAX},
	{"LLONG_MAX", LLONG_MAX},
	{"UIO_MAXIOV", 1024},
};

/* Constants in pages of the running kernel: PAGE; PIPE_DEF_SIZE, a new
 * pipe's 16 slots of a page; MAX_RW_COUNT, the kernel's cap on one
 * read/write, INT_MAX rounded down to a page. */
static bool page_constant(const char *name, size_t len, unsigned long long *out)
{
	unsigned long long page = abi_page_size();
	static const char *const names[] = {"PAGE", "PIPE_DEF_SIZE", "MAX_RW_COUNT"};
	const unsigned long long vals[] = {page, 16 * page, (unsigned long long)INT_MAX & ~(page - 1)};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0) {
			*out = vals[i];
			return true;
		}
	}
	return false;
}

static bool lookup(const struct name_val *v, size_t n, const char *prefix, const char *name, size_t len,
		   unsigned long long *out)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	if (plen && len > plen && strncmp(name, prefix, plen) == 0) {
		name += plen;
		len -= plen;
	}
	for (size_t i = 0; i < n; i++) {
		if (strlen(v[i].name) == len && strncmp(v[i].name, name, len) == 0) {
			*out = v[i].val;
			return true;
		}
	}
	return false;
}

static bool atom_parse(const char *s, size_t len, unsigned long long *out)
{
	char tmp[64];
	if (len == 0 || len >= sizeof tmp)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	long long v;
	unsigned long long u;
	if (parse_uint(tmp, &u)) {
		*out = u;
		return true;
	}
	if (parse_int(tmp, &v)) {
		*out = (unsigned long long)v;
		return true;
	}
	return page_constant(tmp, len, out) || lookup(constants, ARRAY_LEN(constants), NULL, tmp, len, out);
}

/* A product of atoms: a*b*c. */
static bool term_parse(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long acc = 1;
	const char *end = s + len;
	while (s < end) {
		const char *star = memchr(s, '*', (size_t)(end - s));
		size_t n = star ? (size_t)(star - s) : (size_t)(end - s);
		unsigned long long v;
		if (!atom_parse(s, n, &v) || __builtin_mul_overflow(acc, v, &acc))
			return false; /* SSIZE_MAX*SSIZE_MAX must not wrap to 1 */
		s += n + (star ? 1 : 0);
		if (star && s == end)
			return false;
	}
	*out = acc;
	return true;
}

/* Sums are kept as a sign and a 64-bit magnitude (no __int128: 32-bit
 * builds lack it), so that a result outside what 64 bits hold (signed
 * below zero, unsigned above) is an error instead of a wrapped number. */
struct wide {
	bool neg;
	unsigned long long mag;
};

static bool wide_add(struct wide *w, bool neg, unsigned long long v)
{
	if (w->neg == neg) {
		if (__builtin_add_overflow(w->mag, v, &w->mag))
			return false;
	} else if (w->mag >= v) {
		w->mag -= v;
	} else {
		w->mag = v - w->mag;
		w->neg = !w->neg;
	}
	if (w->mag == 0)
		w->neg = false;
	return !w->neg || w->mag <= 1ULL << 63;
}

bool num_parse(const char *word, unsigned long long *out)
{
	struct wide acc = {false, 0};
	const char *s = word;
	int sign = 1;
	if (*s == '-' && s[1]) { /* a leading minus belongs to the first atom */
		const char *op = s + 1 + strcspn(s + 1, "+-");
		unsigned long long v;
		if (!term_parse(s + 1, (size_t)(op - s - 1), &v) || !wide_add(&acc, true, v))
			return false;
		s = op;
		if (!*s) {
			*out = acc.neg ? 0 - acc.mag : acc.mag;
			return true;
		}
		sign = *s == '-' ? -1 : 1;
		s++;
	}
	for (;;) {
		size_t n = strcspn(s, "+-");
		unsigned long long v;
		if (!term_parse(s, n, &v) || !wide_add(&acc, sign < 0, v))
			return false;
		s += n;
		if (!*s)
			break;
		sign = *s == '-' ? -1 : 1;
		s++;
	}
	*out = acc.neg ? 0 - acc.mag : acc.mag;
	return true;
}

bool flags_parse(const struct flag_set *fs, const char *word, unsigned long long *out)
{
	unsigned long long acc = 0;
	const char *s = word;
	for (;;) {
		size_t n = strcspn(s, "|");
		unsigned long long v;
		if (n == 0)
			return false;
		if (!lookup(fs->v, fs->n, fs->prefix, s, n, &v) && !atom_parse(s, n, &v))
			return false;
		acc |= v;
		s += n;
		if (!*s)
			break;
		s++;
	}
	*out = acc;
	return true;
}

void flags_render(const struct flag_set *fs, unsigned long long v, struct sbuf *b)
{
	bool any = false;
	for (size_t i = 0; i < fs->n; i++) {
		if (fs->v[i].val && (v & fs->v[i].val) == fs->v[i].val) {
			sb_printf(b, "%s%s%s", any ? "|" : "", fs->prefix, fs->v[i].name);
			v &= ~fs->v[i].val;
			any = true;
		}
	}
	if (v || !any)
		sb_printf(b, "%s%#llx", any ? "|" : "", v);
}

/* Enumerations, not flags: whence and shutdown's how are rendered by name. */

/* glibc knows the names (strerrorname_np, sigabbrev_np); the harness only
 * needs to search them backwards. */
int errno_by_name(const char *name)
{
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && strcmp(n, name) == 0)
			return e;
	}
	return -1;
}

const char *errno_name(int err)
{
	const char *n = strerrorname_np(err);
	return n ? n : NULL;
}

int signal_by_name(const char *name)
{
	if (strncmp(name, "SIG", 3) != 0)
		return -1;
	for (int s = 1; s < NSIG; s++) {
		const char *n = sigabbrev_np(s);
		if (n && strcmp(n, name + 3) == 0)
			return s;
	}
	return -1;
}

const char *signal_name(int sig)
{
	static __thread char buf[16];
	const char *n = sigabbrev_np(sig);
	if (n)
		snprintf(buf, sizeof buf, "SIG%s", n);
	else
		snprintf(buf, sizeof buf, "SIG%d", sig);
	return buf;
}
