/* Which target the harness runs on (linux, gvisor, ...), and why it
 * thinks so: the expected outcomes differ per target. */
#ifndef SPLICECHECK_DETECT_H
#define SPLICECHECK_DETECT_H

#include <stddef.h>

/* Fills target[] and why[]. */
void detect_target(char *target, size_t tn, char *why, size_t wn);

#endif
