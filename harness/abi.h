/* What the harness runs as: the architecture it was built for, its word
 * size (a 32-bit build on a 64-bit kernel goes through the kernel's compat
 * entry points), and the running kernel's page size.  Outcomes that depend
 * on them are written with PAGE arithmetic or arch=, page and abi=
 * qualifiers (docs/kernel-matrix.md), and judged with these values. */
#ifndef SPLICECHECK_ABI_H
#define SPLICECHECK_ABI_H

#include <stddef.h>

/* The architecture the harness was compiled for, as uname -m spells the
 * native kernel's: x86_64, i386, aarch64, ppc64le, ppc64, s390x, ... */
const char *abi_arch(void);
/* 32 or 64: the width of long and of pointers in this build. */
int abi_bits(void);
/* The kernel's page size (sysconf), read once. */
unsigned long abi_page_size(void);
/* For tests: judge and evaluate PAGE as if pages were this size (0: real). */
void abi_set_page_size(unsigned long page);
/* "x86_64, 4 KiB pages, 64-bit", or "i386 on an x86_64 kernel (compat),
 * 4 KiB pages, 32-bit". */
void abi_describe(char *buf, size_t n);
/* The kernel's machine (uname -m). */
void abi_kernel_machine(char *buf, size_t n);

/* Turns a call's arguments (one 64-bit value each, in the order the case
 * writes them, as arg_resolve lays them out) into the registers of this
 * ABI's syscall: a 64-bit file offset passed by value takes two registers
 * on a 32-bit ABI (low word first on i386).  Returns how many. */
int abi_syscall_regs(long nr, const unsigned long long *raw, int nraw, unsigned long *regs, int max);

#endif
