/* The case-file parser: what it builds, and the file:line it names when
 * the input is wrong. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "calls.h"
#include "case_parse.h"
#include "kinds.h"

static struct suite s;
static struct diag d;

static bool parse(const char *text)
{
	suite_free(&s);
	d = (struct diag){0};
	return cases_parse("t.case", text, strlen(text), &s, &d);
}

static void teardown(void) { suite_free(&s); }

TestSuite(case_parse, .fini = teardown);

Test(case_parse, builds_fixtures_and_steps_in_order)
{
	cr_assert(parse("# comment\n"
			"case a.b\n"
			"  covers x.y z.w\n"
			"  tags CVE-1 man-page\n"
			"  pipe p size=8192 nonblock=r\n"
			"  buffer b pages=2 offset=24 fill=a\n"
			"  vmsplice p.w [b:1000, b+1000:24]*2 4 GIFT|NONBLOCK\n"
			"  offset o 100\n"
			"  splice p.r NULL p.w &o SIZE_MAX 0x100\n"),
		  "%s", d.msg);
	cr_assert_eq(s.n, 1);
	const struct tcase *c = &s.cases[0];
	cr_assert_str_eq(c->name, "a.b");
	cr_assert_eq(c->ncovers, 2);
	cr_assert_str_eq(c->covers[1], "z.w");
	cr_assert_eq(c->ntags, 2);
	cr_assert_eq(c->nfix, 3);
	cr_assert_eq(c->nsteps, 2);
	cr_assert_eq(c->nitems, 5);
	cr_assert(!c->items[0].is_step);
	cr_assert(c->items[2].is_step);
	cr_assert(!c->items[3].is_step);
	const struct step *v = &c->steps[0];
	cr_assert_str_eq(v->call->name, "vmsplice");
	cr_assert_eq(v->args[1].iov.n, 2);
	cr_assert_eq(v->args[1].iov.repeat, 2);
	cr_assert_eq(v->args[1].iov.v[1].base.add, 1000);
	cr_assert_eq(v->args[1].iov.v[1].len, 24);
	cr_assert_eq(v->args[2].num, 4);
	cr_assert_eq(v->args[3].num, 0x8 | 0x2);
	const struct step *sp = &c->steps[1];
	cr_assert_eq(sp->args[1].off.kind, OFF_NULL);
	cr_assert_eq(sp->args[3].off.kind, OFF_NAMED);
	cr_assert_eq(sp->args[4].num, (unsigned long long)-1);
	cr_assert_eq(sp->args[5].num, 0x100);
	cr_assert_str_eq(fixture_opt(&c->fix[0], "nonblock"), "r");
	cr_assert_str_eq(fixture_opt(&c->fix[0], "size"), "8192");
}

Test(case_parse, renders_calls_like_strace)
{
	cr_assert(parse("case r\n pipe p\n buffer b\n vmsplice p.w [b+8:1]*16 16 GIFT|0x100\n"
			" splice p.r &7 -1 unmapped PAGE*2 0\n"),
		  "%s", d.msg);
	struct sbuf b = {0};
	call_render(&s.cases[0].steps[0], &s.cases[0], &b);
	cr_assert_str_eq(b.s, "vmsplice(p.w<pipe:w>, [{b+8, 1}]*16, 16, SPLICE_F_GIFT|0x100)");
	b.len = 0;
	call_render(&s.cases[0].steps[1], &s.cases[0], &b);
	cr_assert_str_eq(b.s, "splice(p.r<pipe:r>, &[7], -1, unmapped, PAGE*2, 0)");
	sb_free(&b);
}

struct bad {
	const char *text;
	const char *msg;
};

static const struct bad bad_inputs[] = {
	{"pipe p\n", "t.case:1: 'pipe' before the first 'case NAME' line"},
	{"case a\n  frobnicate x\n", "t.case:2: 'frobnicate' is neither"},
	{"case a\n  pipe p colour=red\n  close p.r\n", "t.case:2: pipe p: unknown option 'colour'"},
	{"case a\n  pipe p\n  vmsplice p.x [] 0 0\n", "t.case:3: 'p.x': a pipe has no end 'x'"},
	{"case a\n  pipe p\n  vmsplice p [] 0 0\n", "t.case:3: 'p' is a pipe: name an end"},
	{"case a\n  vmsplice q.w [] 0 0\n", "t.case:2: 'q' is not an fd declared above"},
	{"case a\n  pipe p\n  vmsplice p.w [] 0\n", "t.case:3: vmsplice takes 4 arguments"},
	{"case a\n  pipe p\n  vmsplice p.w [b:1] 1 0\n", "t.case:3: 'b' is not a buffer declared above"},
	{"case a\n  pipe p\n  vmsplice p.w [] 0 WOBBLE\n", "t.case:3: 'WOBBLE' is not a splice flag"},
	{"case a\n  pipe p\n  splice p.r &nope p.w NULL 1 0\n", "t.case:3: '&nope': expected NULL"},
	{"case a\n  pipe p\n  write p.w \"abc\n", "t.case:3: unterminated or malformed quoted text"},
	{"case a\n  pipe p\n", "t.case:1: case a has no steps"},
	{"case a\n  pipe p\n  close p.r\ncase a\n  pipe p\n  close p.r\n", "t.case:4: case a is already defined at t.case:1"},
	{"case a\n  pipe p\n  pipe p\n", "t.case:3: 'p' is already declared"},
	{"case a\n  buffer b pages=0\n  poke b \"x\"\n", "t.case:2: pages=0: expected 1 to 65536"},
	{"case a\n  open f /etc/passwd mode=w\n  close f\n", "t.case:2: open /etc/passwd for writing"},
	{"case a\n  pipe p nonblock=x\n  close p.r\n", "t.case:2: nonblock=x: 'x' is not an end of a pipe"},
	{"case a\n  needs wings\n", "t.case:2: needs wings"},
	{"case bad name!\n", "t.case:1: expected 'case NAME'"},
	{"case a\n  pipe p\n  vmsplice p.w [b:1 0 0\n", "t.case:3: '[' without a closing ']'"},
};

Test(case_parse, rejects_bad_input)
{
	for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
		const struct bad *b = &bad_inputs[i];
		cr_expect_not(parse(b->text), "accepted: %s", b->text);
		cr_expect(d.set, "no message for: %s", b->text);
		cr_expect(strncmp(d.msg, b->msg, strlen(b->msg)) == 0, "message was: %s\nwanted prefix: %s", d.msg,
			  b->msg);
	}
}

Test(case_parse, every_kind_and_call_has_a_summary)
{
	const struct kind *k;
	const struct call *c;
	for (size_t i = 0; (k = kind_at(i)); i++)
		cr_assert(k->summary && *k->summary && k->make, "kind %s", k->name);
	for (size_t i = 0; (c = call_at(i)); i++)
		cr_assert(c->summary && *c->summary && (c->exec || c->nr >= 0), "call %s", c->name);
}

/* "case NAME" and the example under it, indented as a case's body. */
static bool parse_example(const char *name, const char *example)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "case %s\n", name);
	for (const char *l = example; *l && n < sizeof text; l += *l == '\n') {
		int len = (int)strcspn(l, "\n");
		n += (size_t)snprintf(text + n, sizeof text - n, "  %.*s\n", len, l);
		l += len;
	}
	cr_assert(n < sizeof text, "the example of %s is too long for this test", name);
	return parse(text);
}

/* tests/test_repro.py reproduces these examples; here, without a
 * compiler: each entry has one, it parses, and it uses what it shows. */
Test(case_parse, every_call_and_kind_has_an_example_using_it)
{
	const struct call *c;
	for (size_t i = 0; (c = call_at(i)); i++) {
		cr_assert(c->example && *c->example, "call %s has no example in its entry in harness/calls.c", c->name);
		cr_assert(parse_example("example.call", c->example), "call %s: its example: %s", c->name, d.msg);
		bool used = false;
		for (int j = 0; j < s.cases[0].nsteps; j++)
			used |= s.cases[0].steps[j].call == c;
		cr_assert(used, "call %s: its example makes no %s step", c->name, c->name);
	}
	const struct kind *k;
	for (size_t i = 0; (k = kind_at(i)); i++) {
		cr_assert(k->example && *k->example, "kind %s has no example in its entry in harness/kinds.c", k->name);
		cr_assert(parse_example("example.kind", k->example), "kind %s: its example: %s", k->name, d.msg);
		bool used = false;
		for (int j = 0; j < s.cases[0].nfix; j++)
			used |= s.cases[0].fix[j].kind == k;
		cr_assert(used, "kind %s: its example declares no %s", k->name, k->name);
	}
}
