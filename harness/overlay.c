#include "overlay.h"

#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "outcome.h"

/* Step i, an actor's, before the denied step first with no join of its
 * actor in between: it may still have been running (a sync point says it
 * sleeps), so what it saw can be the denial's consequence. */
static bool in_flight(const struct tcase *c, int i, int first)
{
	int a = c->steps[i].actor;
	if (a == 0)
		return false;
	for (int j = i + 1; j < first; j++)
		if (strcmp(c->steps[j].call->name, "join") == 0 && c->steps[j].args[0].word == a - 1)
			return false;
	return true;
}

bool overlay_expectation(const struct exp_line *base, const struct case_result *res, const struct tcase *c,
			 int nsteps, struct exp_line *out)
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
		out->outs[i] = xstrdup(c && in_flight(c, i, first)      ? OVERLAY_UNJUDGED
				       : base && i < base->nouts ? base->outs[i]
								 : "(none)");
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
