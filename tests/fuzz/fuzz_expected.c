/* libFuzzer target: the expected-file parser (expect_parse_file) against a
 * fixed small suite, then a lookup of every case under a few targets,
 * kernels and privileges, so the qualifiers it parsed are judged too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_parse.h"
#include "expect.h"

/* fz.N has N steps, so a seed line maps onto the case with as many
 * outcomes (tests/fuzz/make-seeds does that renaming). */
static const char suite_text[] =
	"case fz.1\n  pipe p\n  close p.r\n"
	"case fz.2\n  pipe p\n  close p.r\n  close p.w\n"
	"case fz.3\n  pipe p\n  buffer b\n  vmsplice p.w [b:1] 1 0\n  poke b \"y\"\n  read p.r 1\n"
	"case fz.4\n  pipe p\n  close -1\n  close -1\n  close -1\n  close -1\n"
	"case fz.5\n  pipe p\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n"
	"case fz.6\n  pipe p\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n"
	"case fz.7\n  pipe p\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n"
	"case fz.8\n  pipe p\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n  close -1\n"
	"  close -1\n";

static struct suite suite;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	struct diag d = {0};
	if (!cases_parse("fz.case", suite_text, sizeof suite_text - 1, &suite, &d)) {
		fprintf(stderr, "fuzz_expected: the fixed suite does not parse: %s\n", d.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* expect_parse_file reads a NUL-terminated text: give it exactly that */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct expset set = {0};
	struct diag d = {0};
	bool ok = expect_parse_file(&set, "fz.expected", text, "linux", &suite, &d);
	if (ok == d.set)
		abort();
	static const char *const chains[][3] = {{"linux", NULL, NULL}, {"gvisor", "linux", NULL}};
	static const struct kver kernels[] = {{{3, 9, 0}}, {{6, 1, 0}}, {{99, 0, 0}}};
	for (size_t c = 0; c < 2; c++)
		for (size_t k = 0; k < 3; k++)
			for (int root = 0; root < 2; root++) {
				struct target_env env = {.chain = chains[c], .kernel = kernels[k], .root = root};
				for (int i = 0; i < suite.n; i++) {
					const struct exp_line *e = expect_lookup(&set, i, &env);
					/* a line found must fit its case */
					if (e && (e->case_idx != i || e->nouts > suite.cases[i].nsteps))
						abort();
				}
			}
	expect_free(&set);
	free(text);
	return 0;
}
