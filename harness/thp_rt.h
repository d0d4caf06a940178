/* A buffer on a transparent huge page, for the copy-on-write cases.
 * libc only, no harness headers: the harness links this file and a
 * reproducer embeds it verbatim. */
#ifndef SPLICECHECK_THP_RT_H
#define SPLICECHECK_THP_RT_H

#include <stddef.h>

/* One huge page (hpage_pmd_size, 2 MiB on x86-64) of anonymous memory,
 * aligned to its size, MADV_HUGEPAGE, filled with fill, followed by an
 * inaccessible guard page outside it; *len is its size.  NULL with errno
 * set and why[] filled when the kernel gives no huge page here (THP
 * disabled or absent: EOPNOTSUPP, which makes the fixture SKIP). */
unsigned char *thp_buffer(int fill, size_t *len, char *why, size_t n);

#endif
