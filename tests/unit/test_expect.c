/* Expected files: which line holds, and the file:line of what is wrong. */
#include <criterion/criterion.h>
#include <string.h>

#include "case_parse.h"
#include "expect.h"
#include "overlay.h"
#include "result.h"

static struct suite s;
static struct expset set;
static struct diag d;
static const char *const chain[] = {"linux", NULL};

static void setup(void)
{
	const char *cases = "case a\n pipe p\n close p.r\n close p.w\n"
			    "case b\n pipe p\n close p.r\n";
	cr_assert(cases_parse("t.case", cases, strlen(cases), &s, &d), "%s", d.msg);
}

static void teardown(void)
{
	expect_free(&set);
	suite_free(&s);
}

TestSuite(expect, .init = setup, .fini = teardown);

static bool load(const char *text)
{
	expect_free(&set);
	set = (struct expset){0};
	d = (struct diag){0};
	return expect_parse_file(&set, "t.expected", text, "linux", &s, &d);
}

static const char *outcome_for(int ci, const char *kernel)
{
	struct target_env env = {.chain = chain, .root = true};
	kver_parse(kernel, &env.kernel);
	const struct exp_line *e = expect_lookup(&set, ci, &env);
	return e ? e->outs[0] : "(none)";
}

Test(expect, later_matching_lines_override)
{
	cr_assert(load("a 0 0\n"
		       "a EBADF 0 linux<3.10\n"
		       "a EINVAL 0 linux>=5.1,<5.10\n"
		       "# comment\n"
		       "b 0\n"),
		  "%s", d.msg);
	cr_assert_str_eq(outcome_for(0, "6.18.1"), "0");
	cr_assert_str_eq(outcome_for(0, "3.4"), "EBADF");
	cr_assert_str_eq(outcome_for(0, "5.4.0"), "EINVAL");
	cr_assert_str_eq(outcome_for(1, "5.4.0"), "0");
}

Test(expect, no_line_means_no_expectation)
{
	cr_assert(load("a 0 0\n"), "%s", d.msg);
	cr_assert_str_eq(outcome_for(1, "6.1"), "(none)");
}

Test(expect, errors_name_file_and_line)
{
	cr_assert_not(load("a 0 0\nzzz 0\n"));
	cr_assert_str_eq(d.msg, "t.expected:2: no case named 'zzz'");
	cr_assert_not(load("\nb 0 0\n"));
	cr_assert(strstr(d.msg, "t.expected:2: b has 1 step") == d.msg, "%s", d.msg);
	cr_assert_not(load("a 0 EWHAT\n"));
	cr_assert(strstr(d.msg, "t.expected:1: a: step 2:") == d.msg, "%s", d.msg);
	cr_assert_not(load("a 0 0 linux<<3\n"));
	cr_assert(strstr(d.msg, "t.expected:1:") == d.msg, "%s", d.msg);
	cr_assert_not(load("a 0 linux<3 0\n"));
	cr_assert(strstr(d.msg, "an outcome after a qualifier"), "%s", d.msg);
}

Test(expect, a_killing_signal_ends_the_line)
{
	cr_assert(load("a SIGSEGV\n"), "%s", d.msg);
	cr_assert_not(load("a 0\n"));
}

/* A profile's verdict replaces the denied step's expected outcome; the
 * steps after it are not judged. */
Test(expect, seccomp_overlay)
{
	cr_assert(load("a 0 0\n"), "%s", d.msg);
	const struct exp_line *base = &set.v[0];
	struct outcome out[2] = {{.kind = OC_ERR, .err = 131}, {.kind = OC_RET}};
	struct outcome ov[2] = {{.kind = OC_ERR, .err = 131}, {0}};
	unsigned char overlaid[2] = {1, 0};
	struct case_result res = {.status = ST_PASS, .nout = 2, .out = out, .overlay = ov, .overlaid = overlaid};
	struct exp_line e;
	cr_assert(overlay_expectation(base, &res, NULL, 2, &e));
	cr_assert_eq(e.nouts, 1);
	cr_assert_str_eq(e.outs[0], "ENOTRECOVERABLE");
	cr_assert(e.rest_unchecked);
	overlay_free(&e);

	/* nothing denied: no overlay */
	overlaid[0] = 0;
	cr_assert_not(overlay_expectation(base, &res, NULL, 2, &e));

	/* a kill ends the expectation at that step */
	ov[1] = (struct outcome){.kind = OC_KILLED, .killsig = 31};
	overlaid[1] = 1;
	cr_assert(overlay_expectation(base, &res, NULL, 2, &e));
	cr_assert_eq(e.nouts, 2);
	cr_assert_str_eq(e.outs[0], "0");
	cr_assert_str_eq(e.outs[1], "SIGSYS");
	overlay_free(&e);
}
