#include "abi.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

const char *abi_arch(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
	return "x32";
#elif defined(__x86_64__)
	return "x86_64";
#elif defined(__i386__)
	return "i386";
#elif defined(__aarch64__)
	return "aarch64";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__powerpc64__)
	return "ppc64";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "unknown";
#endif
}

int abi_bits(void)
{
	return (int)sizeof(long) * 8;
}

static unsigned long page_override;

void abi_set_page_size(unsigned long page)
{
	page_override = page;
}

unsigned long abi_page_size(void)
{
	static unsigned long page;
	if (page_override)
		return page_override;
	if (!page) {
		long p = sysconf(_SC_PAGESIZE);
		page = p > 0 ? (unsigned long)p : 4096;
	}
	return page;
}

void abi_kernel_machine(char *buf, size_t n)
{
	struct utsname u;
	snprintf(buf, n, "%s", uname(&u) == 0 ? u.machine : "unknown");
}

void abi_describe(char *buf, size_t n)
{
	char km[65];
	abi_kernel_machine(km, sizeof km);
	unsigned long p = abi_page_size();
	char page[32];
	if (p % 1024 == 0)
		snprintf(page, sizeof page, "%lu KiB pages", p / 1024);
	else
		snprintf(page, sizeof page, "%lu-byte pages", p);
	/* a 32-bit build on a 64-bit kernel: every call goes through compat */
	bool same = strcmp(km, abi_arch()) == 0 || (strncmp(km, "armv", 4) == 0 && strcmp(abi_arch(), "arm") == 0) ||
		    (km[0] == 'i' && strcmp(km + 2, "86") == 0 && strcmp(abi_arch(), "i386") == 0);
	if (same)
		snprintf(buf, n, "%s, %s, %d-bit", abi_arch(), page, abi_bits());
	else
		snprintf(buf, n, "%s on a%s %s kernel%s, %s, %d-bit", abi_arch(), km[0] == 'x' ? "n" : "", km,
			 abi_bits() == 32 ? " (compat)" : "", page, abi_bits());
}

/* The calls with a 64-bit file offset passed by value, and which of the
 * call's raw arguments it is.  On a 64-bit ABI it is one register; on a
 * 32-bit ABI two, low word first (i386, and the compat entry points of
 * x86_64: compat_arg_u64_dual).  pwritev2 already names its high word
 * (pos_h, which a 64-bit kernel ignores): there the split fills both. */
static const struct {
	long nr;
	int arg;
	bool has_high_slot;
} loff_args[] = {
#ifdef SYS_pread64
	{SYS_pread64, 3, false},
#endif
#ifdef SYS_pwrite64
	{SYS_pwrite64, 3, false},
#endif
#ifdef SYS_pwritev2
	{SYS_pwritev2, 3, true},
#endif
};

int abi_syscall_regs(long nr, const unsigned long long *raw, int nraw, unsigned long *regs, int max)
{
	int n = 0;
	for (int i = 0; i < nraw && n < max; i++) {
		int split = -1;
		if (sizeof(long) < sizeof(long long))
			for (size_t k = 0; k < sizeof loff_args / sizeof loff_args[0]; k++)
				if (loff_args[k].nr == nr && loff_args[k].arg == i)
					split = (int)k;
		if (split < 0) {
			regs[n++] = (unsigned long)raw[i];
			continue;
		}
		regs[n++] = (unsigned long)(raw[i] & 0xffffffffULL);
		if (n < max)
			regs[n++] = (unsigned long)(raw[i] >> 16 >> 16);
		if (loff_args[split].has_high_slot)
			i++; /* the high word's own slot is now filled */
	}
	return n;
}
