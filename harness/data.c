#include "data.h"

#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "names.h"

unsigned long long fnv64(const unsigned char *p, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

size_t data_count_len(const char *s)
{
	size_t n = 0;
	while ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '_' || s[n] == '*' ||
	       s[n] == '-' || s[n] == 'x')
		n++;
	return n;
}

bool data_decode(const char *s, bool allow_hash, unsigned char **out, size_t *len, unsigned long long *hash, bool *is_hash)
{
	bool too_long;
	return data_decode_max(s, allow_hash, DATA_MAX_DECODED, out, len, hash, is_hash, &too_long);
}

bool data_decode_max(const char *s, bool allow_hash, size_t max, unsigned char **out, size_t *len,
		     unsigned long long *hash, bool *is_hash, bool *too_long)
{
	*too_long = false;
	if (max > DATA_MAX_DECODED)
		max = DATA_MAX_DECODED;
	*out = NULL;
	*len = 0;
	*is_hash = false;
	if (strncmp(s, "fnv64=", 6) == 0) {
		char *end;
		if (!allow_hash || strlen(s + 6) != 16)
			return false;
		*hash = strtoull(s + 6, &end, 16);
		*is_hash = true;
		return *end == '\0';
	}
	struct sbuf b = {0};
	for (;;) {
		const char *end;
		long n = lex_unquote(s, NULL, &end);
		if (n < 0)
			goto bad;
		char *seg = xmalloc((size_t)n + 1);
		lex_unquote(s, seg, NULL);
		unsigned long long rep = 1;
		s = end;
		if (*s == '*') {
			/* a count, or page arithmetic: "a"*PAGE*15 ('+' joins literals) */
			size_t cl = data_count_len(s + 1);
			char cnt[64];
			if (cl == 0 || cl >= sizeof cnt) {
				xfree(seg);
				goto bad;
			}
			memcpy(cnt, s + 1, cl);
			cnt[cl] = '\0';
			if (!num_parse(cnt, &rep)) {
				xfree(seg);
				goto bad;
			}
			s += 1 + cl;
		}
		/* checked before a byte is made: a count that says 8192 with
		 * data that would say 64 MiB costs nothing to refuse */
		if (n && rep > (max - b.len) / (unsigned long long)n) {
			xfree(seg);
			*too_long = true;
			goto bad;
		}
		/* by doubling, not one copy per repeat: an empty literal with a
		 * huge count would loop for ever, "a"*67108864 take 64M calls */
		size_t segn = (size_t)n;
		while (n && rep) {
			if (rep & 1)
				sb_putn(&b, seg, segn);
			if ((rep >>= 1)) {
				seg = xrealloc(seg, 2 * segn + 1);
				memcpy(seg + segn, seg, segn);
				segn *= 2;
			}
		}
		xfree(seg);
		if (!*s)
			break;
		if (*s++ != '+')
			goto bad;
	}
	*len = b.len;
	*out = (unsigned char *)(b.s ? b.s : xstrdup(""));
	return true;
bad:
	sb_free(&b);
	return false;
}

/* A run shorter than this is not worth a *N. */
#define MIN_RUN 8
#define MAX_SEGMENTS 6
#define MAX_TEXT 96

void data_format(const unsigned char *p, size_t n, struct sbuf *out)
{
	struct sbuf b = {0};
	int segs = 0;
	size_t i = 0;
	/* once the text is past MAX_TEXT the hash is shown instead: stop, or
	 * megabytes of unrepeated bytes are quoted only to be thrown away */
	while (i < n && segs <= MAX_SEGMENTS && b.len <= MAX_TEXT) {
		size_t run = 1;
		while (i + run < n && p[i + run] == p[i])
			run++;
		if (run >= MIN_RUN) {
			if (b.len)
				sb_putc(&b, '+');
			lex_quote(&b, p + i, 1);
			sb_printf(&b, "*%zu", run);
			i += run;
			segs++;
			continue;
		}
		/* literal text up to the next long run */
		size_t j = i;
		/* past MAX_TEXT the text is not shown: do not scan megabytes for it */
		while (j < n && j - i <= MAX_TEXT) {
			size_t r = 1;
			while (j + r < n && p[j + r] == p[j])
				r++;
			if (r >= MIN_RUN)
				break;
			j += r;
		}
		if (j - i > MAX_TEXT)
			break; /* each byte quotes to at least one character */
		if (b.len)
			sb_putc(&b, '+');
		lex_quote(&b, p + i, j - i);
		i = j;
		segs++;
	}
	if (i < n || b.len > MAX_TEXT)
		sb_printf(out, "fnv64=%016llx", fnv64(p, n));
	else
		sb_puts(out, b.s ? b.s : "\"\"");
	sb_free(&b);
}
