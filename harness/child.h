/* Runs one case in the forked child: makes its fixtures in order, makes
 * its calls, and sends a record per step to the parent. */
#ifndef SPLICECHECK_CHILD_H
#define SPLICECHECK_CHILD_H

#include "kinds.h"
#include "model.h"

/* Never returns. */
__attribute__((noreturn)) void child_run(const struct tcase *c, int out_fd, const char *scratch_dir,
					 const struct make_env *env);

#endif
