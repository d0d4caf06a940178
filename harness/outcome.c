#include "outcome.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "names.h"

void outcome_format(const struct outcome *o, struct sbuf *b)
{
	switch (o->kind) {
	case OC_NONE:
		sb_putc(b, '-');
		return;
	case OC_KILLED:
		sb_puts(b, signal_name(o->killsig));
		return;
	case OC_BLOCKS:
		sb_puts(b, "blocks");
		break;
	case OC_ERR: {
		const char *n = errno_name(o->err);
		if (n)
			sb_puts(b, n);
		else
			sb_printf(b, "E%d", o->err);
		break;
	}
	case OC_RET:
		sb_printf(b, "%lld", o->ret);
		if (o->has_data)
			sb_printf(b, ":%s", o->data);
		if (o->blocked)
			sb_puts(b, "+blocks");
		break;
	}
	for (int s = 1; s < 32; s++)
		if (o->sigs & (1u << s))
			sb_printf(b, "+%s", signal_name(s));
}

/* Splits at the first '+' that is outside quotes (data may hold '+'
 * between its literals, so data is consumed as a whole first). */
static const char *data_end(const char *s)
{
	/* data is a sequence of "..."[*N] joined by + */
	if (strncmp(s, "fnv64=", 6) == 0)
		return s + strcspn(s, "+");
	for (;;) {
		if (*s != '"')
			return s;
		s++;
		while (*s && *s != '"')
			s += *s == '\\' && s[1] ? 2 : 1;
		if (*s)
			s++;
		if (*s == '*')
			s += 1 + data_count_len(s + 1);
		if (s[0] == '+' && s[1] == '"')
			s++;
		else
			return s;
	}
}

/* A count written with constants (PAGE*16, PIPE_DEF_SIZE-1): evaluated
 * with the running kernel's page size, so one line holds on 4 KiB and
 * 64 KiB pages alike.  Only words that start like a constant, so an
 * errno or signal name is never taken for one. */
static bool page_arith(const char *tok, long long *v)
{
	unsigned long long u;
	if (!((tok[0] >= 'A' && tok[0] <= 'Z') || (tok[0] >= '0' && tok[0] <= '9')) || !num_parse(tok, &u))
		return false;
	*v = (long long)u;
	return true;
}

bool outcome_parse(const char *word, struct outcome *o, char *why, size_t n)
{
	*o = (struct outcome){0};
	if (strcmp(word, "-") == 0) {
		o->kind = OC_NONE;
		return true;
	}
	const char *s = word;
	size_t head = strcspn(s, "+:");
	/* a count may be page arithmetic, PAGE*15+1: a '+' followed by a
	 * number or constant belongs to it (not +blocks or +SIGNAL) */
	while (s[head] == '+') {
		const char *part = s + head + 1;
		size_t l = strcspn(part, "+:");
		char p[64];
		unsigned long long u;
		if (l == 0 || l >= sizeof p)
			break;
		memcpy(p, part, l);
		p[l] = '\0';
		if (signal_by_name(p) > 0 || !num_parse(p, &u))
			break;
		head += 1 + l;
	}
	char tok[64];
	if (head == 0 || head >= sizeof tok) {
		snprintf(why, n, "'%s' is not an outcome", word);
		return false;
	}
	memcpy(tok, s, head);
	tok[head] = '\0';
	s += head;
	long long v;
	int e;
	if (strcmp(tok, "blocks") == 0) {
		o->kind = OC_BLOCKS;
	} else if (parse_int(tok, &v)) {
		o->kind = OC_RET;
		o->ret = v;
	} else if (page_arith(tok, &v)) {
		o->kind = OC_RET;
		o->ret = v;
	} else if (tok[0] == 'E' && (e = errno_by_name(tok)) > 0) {
		o->kind = OC_ERR;
		o->err = e;
	} else if ((e = signal_by_name(tok)) > 0 && !*s) {
		o->kind = OC_KILLED;
		o->killsig = e;
		return true;
	} else {
		snprintf(why, n, "'%s': '%s' is not a number, an errno name, blocks or a signal", word, tok);
		return false;
	}
	if (*s == ':') {
		if (o->kind != OC_RET) {
			snprintf(why, n, "'%s': only a byte count can be followed by :DATA", word);
			return false;
		}
		const char *end = data_end(s + 1);
		char *lit = xstrndup(s + 1, (size_t)(end - s - 1));
		unsigned char *bytes;
		size_t len;
		unsigned long long h;
		bool is_hash, too_long;
		/* the data is what the call moved: never more bytes than its count */
		size_t max = o->ret < 0 || (unsigned long long)o->ret > SIZE_MAX ? 0 : (size_t)o->ret;
		bool ok = data_decode_max(lit, true, max, &bytes, &len, &h, &is_hash, &too_long);
		xfree(lit);
		if (!ok) {
			if (too_long)
				snprintf(why, n, "'%s': more bytes of data than the count %lld", word, o->ret);
			else
				snprintf(why, n, "'%s': malformed data after ':'", word);
			return false;
		}
		struct sbuf b = {0};
		if (is_hash)
			sb_printf(&b, "fnv64=%016llx", h);
		else
			data_format(bytes, len, &b);
		xfree(bytes);
		snprintf(o->data, sizeof o->data, "%s", b.s);
		sb_free(&b);
		o->has_data = true;
		s = end;
	}
	while (*s == '+') {
		s++;
		size_t l = strcspn(s, "+");
		char part[32];
		if (l == 0 || l >= sizeof part) {
			snprintf(why, n, "'%s': empty or overlong part after '+'", word);
			return false;
		}
		memcpy(part, s, l);
		part[l] = '\0';
		s += l;
		if (strcmp(part, "blocks") == 0 && o->kind == OC_RET) {
			o->blocked = true;
		} else if ((e = signal_by_name(part)) > 0 && e < 32) {
			o->sigs |= 1u << e;
		} else {
			snprintf(why, n, "'%s': '+%s' is not +blocks (after a count) or +SIGNAL", word, part);
			return false;
		}
	}
	if (*s) {
		snprintf(why, n, "'%s': unexpected '%s'", word, s);
		return false;
	}
	return true;
}

bool outcome_canonical(const char *word, struct sbuf *out, char *why, size_t n)
{
	struct outcome o;
	if (!outcome_parse(word, &o, why, n))
		return false;
	outcome_format(&o, out);
	return true;
}
