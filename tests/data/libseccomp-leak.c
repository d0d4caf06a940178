/* libseccomp 2.5.4 leaks with nothing of splicecheck's involved: the rules
 * splicecheck hands it for tests/data/profiles/libseccomp-2.5.4-leak.json
 * (runc's split of two conditions on argument 1), every call succeeding,
 * the context released.  Built and run under ASan by
 * tests/test_seccomp_cli.py::test_libseccomp_leak_is_the_library's:
 *   576 bytes in 6 objects with libseccomp 2.5.4. */
#include <seccomp.h>
#include <stdio.h>

int main(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(1));
	if (!ctx || seccomp_arch_add(ctx, SCMP_ARCH_X86) < 0)
		return 2;
	const char *names[] = {"socket", "socketcall"};
	for (int i = 0; i < 2; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (seccomp_rule_add(ctx, SCMP_ACT_KILL, nr, 1, SCMP_A1(SCMP_CMP_EQ, 2)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_KILL, nr, 1, SCMP_A1(SCMP_CMP_GE, 0x7fffffffffffffffULL)) < 0)
			return 2;
	}
	seccomp_release(ctx);
	return 0;
}
