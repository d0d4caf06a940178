/* Data read back, spelt as splicecheck spells it.  The harness itself
 * uses data_format (harness/data.c, on growing buffers); this is the
 * fixed-buffer twin a reproducer prints with, and tests/unit/test_rt.c
 * holds the two to the same spelling.  Part of the runtime: see rt.h. */
#include "rt.h"

static unsigned long long rt_fnv64(const unsigned char *p, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* s[0..n) as a quoted literal into out (cap bytes, cap > 8). */
static size_t rt_quote(char *out, size_t cap, const unsigned char *s, size_t n)
{
	size_t k = 0;
	char tmp[8];
	out[k++] = '"';
	for (size_t i = 0; i < n && k + 6 < cap; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			snprintf(tmp, sizeof tmp, "\\%c", c);
		else if (c == '\n')
			snprintf(tmp, sizeof tmp, "\\n");
		else if (c == '\t')
			snprintf(tmp, sizeof tmp, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
		else
			snprintf(tmp, sizeof tmp, "%c", c);
		for (char *t = tmp; *t; t++)
			out[k++] = *t;
	}
	out[k++] = '"';
	out[k] = '\0';
	return k;
}

/* Runs of 8 or more equal bytes as "a"*4096, other bytes as quoted text,
 * joined by +; when that would take more than 6 pieces or 96 characters,
 * the hash. */
void rt_format_data(const unsigned char *p, size_t n, char *out, size_t cap)
{
	char b[512];
	size_t len = 0, i = 0;
	int segs = 0;
	b[0] = '\0';
	while (i < n && segs <= 6 && len < 200) {
		size_t run = 1;
		while (i + run < n && p[i + run] == p[i])
			run++;
		if (len)
			b[len++] = '+';
		if (run >= 8) {
			len += rt_quote(b + len, sizeof b - len, p + i, 1);
			len += (size_t)snprintf(b + len, sizeof b - len, "*%zu", run);
			i += run;
			segs++;
			continue;
		}
		/* literal text up to the next run of 8 */
		size_t j = i;
		while (j < n) {
			size_t r = 1;
			while (j + r < n && p[j + r] == p[j])
				r++;
			if (r >= 8)
				break;
			j += r;
		}
		len += rt_quote(b + len, sizeof b - len, p + i, j - i < 100 ? j - i : 100);
		if (j - i >= 100) /* too long for text: the hash below */
			len = 1000;
		i = j;
		segs++;
	}
	if (i < n || len > 96)
		snprintf(out, cap, "fnv64=%016llx", rt_fnv64(p, n));
	else
		snprintf(out, cap, "%s", len ? b : "\"\"");
}
