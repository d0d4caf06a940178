#include "overlay.h"

#include <stdlib.h>

#include "outcome.h"

bool overlay_expectation(const struct exp_line *base, const struct case_result *res, int nsteps,
			 struct exp_line *out)
{
	int first = -1;
	for (int i = 0; i < nsteps && first < 0; i++)
		if (res->overlaid && res->overlaid[i])
			first = i;
	if (first < 0)
		return false;
	*out = base ? *base : (struct exp_line){.file = "(no base expectation)", .case_idx = -1};
	out->nouts = first + 1;
	out->outs = xcalloc((size_t)first + 1, sizeof *out->outs);
	for (int i = 0; i < first; i++)
		out->outs[i] = xstrdup(base && i < base->nouts ? base->outs[i] : "(none)");
	struct sbuf b = {0};
	outcome_format(&res->overlay[first], &b);
	out->outs[first] = b.s;
	out->rest_unchecked = true;
	return true;
}

void overlay_free(struct exp_line *e)
{
	for (int i = 0; i < e->nouts; i++)
		xfree(e->outs[i]);
	xfree(e->outs);
}
