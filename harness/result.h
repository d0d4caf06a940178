/* What running one case produced, and the records its child sends. */
#ifndef SPLICECHECK_RESULT_H
#define SPLICECHECK_RESULT_H

#include <stdint.h>

#include "outcome.h"

enum case_status { ST_PASS, ST_FAIL, ST_SKIP, ST_BROKEN };

struct case_result {
	enum case_status status;
	char reason[256];
	int nout;             /* steps that ran */
	struct outcome *out;  /* one per step of the case */
	struct outcome *overlay; /* per step: what a seccomp profile makes of it */
	unsigned char *overlaid; /* per step: whether overlay[] holds something */
	double ms;            /* wall time of the case's child */
};

/* Child -> parent, one write each (smaller than PIPE_BUF, so atomic). */
enum rec_type { REC_STEP_START = 1, REC_STEP_DONE, REC_SKIP, REC_BROKEN };

/* How the parent's watchdog treats a step of the main actor. */
enum rec_watch {
	WATCH_PROC,    /* ended when /proc says it sleeps in its call (or at the timeout) */
	WATCH_TIMEOUT, /* a timer or a busy actor may wake it: only the timeout ends it */
	WATCH_SYNC,    /* a sync point, which watches the actors itself: only the long limit */
};

struct rec {
	uint8_t type;
	uint8_t may_wake; /* enum rec_watch */
	uint8_t actor;    /* who runs the step: 0 the main actor (the one the parent watches) */
	uint16_t step;
	int32_t nr;       /* the syscall the step makes */
	uint8_t has_overlay; /* step start: the seccomp profile denies this call, as overlay says */
	struct outcome overlay;
	struct outcome out;
	char reason[200];
};

_Static_assert(sizeof(struct rec) < 4096, "records must be written atomically");

#endif
