#include "lex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool lex_line(char *line, struct words *out, const char *file, int lineno, struct diag *d)
{
	out->n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return true;
		if (out->n == LEX_MAX_WORDS)
			return diag_at(d, file, lineno, "too many words on one line (at most %d)", LEX_MAX_WORDS);
		out->w[out->n++] = p;
		int depth = 0;
		while (*p && (depth > 0 || !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))) {
			if (*p == '"') {
				const char *end;
				if (lex_unquote(p, NULL, &end) < 0)
					return diag_at(d, file, lineno, "unterminated or malformed quoted text: %s", p);
				p = (char *)end;
				continue;
			}
			if (*p == '[')
				depth++;
			else if (*p == ']' && --depth < 0)
				return diag_at(d, file, lineno, "']' without '['");
			p++;
		}
		if (depth > 0)
			return diag_at(d, file, lineno, "'[' without a closing ']'");
		if (*p)
			*p++ = '\0';
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long lex_unquote(const char *s, char *out, const char **end)
{
	long n = 0;
	if (*s++ != '"')
		return -1;
	while (*s && *s != '"') {
		int c = (unsigned char)*s++;
		if (c == '\\') {
			int e = (unsigned char)*s++;
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '0': c = '\0'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x': {
				int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
				if (lo < 0)
					return -1;
				c = hi * 16 + lo;
				s += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (out)
			out[n] = (char)c;
		n++;
	}
	if (*s != '"')
		return -1;
	if (end)
		*end = s + 1;
	return n;
}

void lex_quote(struct sbuf *b, const unsigned char *s, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
		} else if (c == '\n') {
			sb_puts(b, "\\n");
		} else if (c == '\t') {
			sb_puts(b, "\\t");
		} else if (c < 0x20 || c >= 0x7f) {
			sb_printf(b, "\\x%02x", c);
		} else {
			sb_putc(b, (char)c);
		}
	}
	sb_putc(b, '"');
}

bool lex_lines(const char *file, const char *text, size_t len,
	       int (*each)(void *ctx, int lineno, const struct words *w, struct diag *d), void *ctx, struct diag *d)
{
	/* a scratch copy (lex_line writes into it), not kept: plain malloc,
	 * so it never lands in the arena */
	char *buf = malloc(len + 1);
	if (!buf)
		return diag_at(d, file, 0, "out of memory");
	memcpy(buf, text, len);
	buf[len] = '\0';
	int lineno = 0, r = LEX_NEXT;
	for (char *line = buf, *next; r == LEX_NEXT && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		struct words w;
		if (!lex_line(line, &w, file, lineno, d))
			r = LEX_ERROR;
		else if (w.n > 0)
			r = each(ctx, lineno, &w, d);
	}
	free(buf);
	return r != LEX_ERROR;
}
