/* libFuzzer target: the case-file parser (cases_parse), on any bytes.
 * A parse either succeeds or fills the diag; it must never crash, leak,
 * or read past the text it was given. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* cases_parse takes a length, so the text needs no terminator: hand
	 * it an exact-size copy so ASan sees any read past the end */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct suite s = {0};
	struct diag d = {0};
	bool ok = cases_parse("fuzz.case", text, size, &s, &d);
	/* a failed parse must say why; a successful one must not */
	if (ok == d.set || (d.set && !memchr(d.msg, '\0', sizeof d.msg)))
		abort();
	suite_free(&s);
	free(text);
	return 0;
}
