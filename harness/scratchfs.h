/* The filesystem under the scratch directory, by the f_type statfs(2)
 * reports, for the fs= qualifier of expected lines: an outcome a
 * filesystem decides (gVisor's memory-backed overlay and tmpfs answer a
 * splice at offset LLONG_MAX-2 with 0, its gofer mounts with EINVAL) is
 * written for the filesystems it holds on, and the run names the one it
 * was judged with. */
#ifndef SPLICECHECK_SCRATCHFS_H
#define SPLICECHECK_SCRATCHFS_H

#include <stdbool.h>
#include <stddef.h>

/* The name of dir's filesystem (ext4, tmpfs, overlay, 9p, ...); "unknown"
 * for a magic number the table does not hold (with its hex number in
 * detail), NULL when dir cannot be read (detail says why). */
const char *scratchfs_of(const char *dir, char *detail, size_t n);
/* Whether an fs= qualifier may name this filesystem (the table's names). */
bool scratchfs_known(const char *name);
/* The table's names, space-separated, for an error message. */
const char *scratchfs_names(void);

#endif
