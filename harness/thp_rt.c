#include "thp_rt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t thp_size(void)
{
	char buf[64] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r > 0)
			return (size_t)strtoull(buf, NULL, 10);
	}
	return 0;
}

/* How much of [addr, addr+len) /proc/self/smaps says is on huge pages, in kB. */
static long huge_kb(const unsigned char *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	char line[256];
	int inside = 0;
	long kb = -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

unsigned char *thp_buffer(int fill, size_t *len, char *why, size_t n)
{
	size_t size = thp_size(), page = (size_t)sysconf(_SC_PAGESIZE);
	if (!size) {
		snprintf(why, n, "no transparent huge pages here (no /sys/kernel/mm/transparent_hugepage)");
		errno = EOPNOTSUPP;
		return NULL;
	}
	/* room to align, the huge page, and the guard page after it */
	size_t maplen = 2 * size + page;
	unsigned char *map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		snprintf(why, n, "mmap: %s", strerror(errno));
		return NULL;
	}
	unsigned char *base = (unsigned char *)(((uintptr_t)map + size - 1) & ~(uintptr_t)(size - 1));
	if (madvise(base, size, MADV_HUGEPAGE) < 0) {
		int e = errno;
		snprintf(why, n, "madvise(MADV_HUGEPAGE): %s", strerror(e));
		errno = e == EINVAL ? EOPNOTSUPP : e;
		return NULL;
	}
	memset(base, fill, size);
	if (mprotect(base + size, page, PROT_NONE) < 0) {
		snprintf(why, n, "mprotect guard page: %s", strerror(errno));
		return NULL;
	}
	long kb = huge_kb(base);
	if (kb < (long)(size / 1024)) {
		snprintf(why, n, "the kernel gave no huge page (AnonHugePages %ld kB; THP disabled or memory short)", kb);
		errno = EOPNOTSUPP;
		return NULL;
	}
	*len = size;
	return base;
}
