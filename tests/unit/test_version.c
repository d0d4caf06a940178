/* Kernel versions and the qualifiers that pick an expected line. */
#include <criterion/criterion.h>

#include "version.h"

static const char *const linux_chain[] = {"linux", NULL};
static const char *const gvisor_chain[] = {"gvisor", "linux", NULL};

static bool holds(const char *qual, const char *kernel, const char *const *chain, bool root)
{
	struct qualifier q;
	char why[128];
	cr_assert(qualifier_parse(qual, &q, why, sizeof why), "%s", why);
	struct target_env env = {.chain = chain, .root = root};
	cr_assert(kver_parse(kernel, &env.kernel));
	return qualifier_matches(&q, "linux", &env);
}

Test(version, parses_release_strings)
{
	struct kver k;
	cr_assert(kver_parse("6.18.44-fc-v595", &k));
	cr_assert_eq(k.v[0], 6);
	cr_assert_eq(k.v[1], 18);
	cr_assert_eq(k.v[2], 44);
	cr_assert(kver_parse("5.10.0-32-cloud-amd64", &k));
	cr_assert_eq(k.v[2], 0);
	cr_assert(kver_parse("7.2", &k));
	cr_assert_not(kver_parse("foo", &k));
}

Test(version, ranges)
{
	cr_assert(holds("linux<3.10", "3.4.113", linux_chain, true));
	cr_assert_not(holds("linux<3.10", "3.10.0", linux_chain, true));
	cr_assert(holds("linux>=5.8,<5.16.11", "5.16.10", linux_chain, true));
	cr_assert_not(holds("linux>=5.8,<5.16.11", "5.16.11", linux_chain, true));
	cr_assert_not(holds("linux>=5.8,<5.16.11", "5.7.19", linux_chain, true));
	cr_assert(holds("linux<=6.1", "6.1.0", linux_chain, true));
	cr_assert(holds("linux=6.1.112", "6.1.112-1-cloud-amd64", linux_chain, true));
	cr_assert(holds(">=6.8", "6.18.0", linux_chain, true));
	cr_assert_not(holds(">6.18", "6.18.0", linux_chain, true));
}

Test(version, targets_and_privilege)
{
	cr_assert_not(holds("gvisor", "4.4.0", linux_chain, true));
	cr_assert(holds("gvisor", "4.4.0", gvisor_chain, true));
	/* version ranges hold only on the target they name, not on one that
	 * inherits it */
	cr_assert_not(holds("linux<3.10", "3.4", gvisor_chain, false));
	cr_assert(holds("gvisor<5", "4.4.0", gvisor_chain, false));
	cr_assert(holds("root", "6.1", linux_chain, true));
	cr_assert_not(holds("root", "6.1", linux_chain, false));
	cr_assert(holds("user", "6.1", linux_chain, false));
}

Test(version, rejects_malformed)
{
	struct qualifier q;
	char why[128];
	cr_assert_not(qualifier_parse("linux<", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("linux<3.x", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("linux~3", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("linux>=7.0,<5.0", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("linux>5.4,<5.4", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("linux=5.4,<5.4", &q, why, sizeof why));
	cr_assert(qualifier_parse("linux>=5.4,<=5.4", &q, why, sizeof why), "%s", why);
	cr_assert_not(qualifier_parse("linux<4294967297.0", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("linux<5..1", &q, why, sizeof why));
	cr_assert_not(qualifier_like("blocks"));
	cr_assert_not(qualifier_like("EINVAL"));
	cr_assert(qualifier_like("linux<3.10"));
}

Test(version, capabilities)
{
	struct qualifier q;
	char why[128];
	const char *const chain[] = {"linux", NULL};
	struct target_env with = {.chain = chain, .caps = 1ULL << 24}, without = {.chain = chain, .caps = 0};
	cr_assert(qualifier_parse("cap_sys_resource", &q, why, sizeof why), "%s", why);
	cr_assert(qualifier_matches(&q, "linux", &with));
	cr_assert_not(qualifier_matches(&q, "linux", &without));
	cr_assert(qualifier_parse("!cap_sys_resource", &q, why, sizeof why), "%s", why);
	cr_assert_not(qualifier_matches(&q, "linux", &with));
	cr_assert(qualifier_matches(&q, "linux", &without));
	cr_assert_not(qualifier_parse("cap_frobnicate", &q, why, sizeof why));
}

/* arch=, abi= and page qualifiers: where the architecture, the word size
 * or the page size changes what the kernel does. */
static bool holds_on(const char *qual, const char *arch, int bits, unsigned long page)
{
	struct qualifier q;
	char why[128];
	cr_assert(qualifier_parse(qual, &q, why, sizeof why), "%s", why);
	struct target_env env = {.chain = linux_chain, .arch = arch, .bits = bits, .page = page};
	cr_assert(kver_parse("6.1", &env.kernel));
	return qualifier_matches(&q, "linux", &env);
}

Test(version, arch_abi_page)
{
	cr_assert(holds_on("arch=s390x", "s390x", 64, 4096));
	cr_assert_not(holds_on("arch=s390x", "x86_64", 64, 4096));
	cr_assert(holds_on("!arch=s390x", "x86_64", 64, 4096));
	cr_assert_not(holds_on("!arch=s390x", "s390x", 64, 4096));
	cr_assert(holds_on("abi=32", "i386", 32, 4096));
	cr_assert_not(holds_on("abi=32", "x86_64", 64, 4096));
	cr_assert(holds_on("page=65536", "ppc64le", 64, 65536));
	cr_assert_not(holds_on("page=65536", "x86_64", 64, 4096));
	cr_assert(holds_on("page>4096", "ppc64le", 64, 65536));
	cr_assert(holds_on("page<=4096", "x86_64", 64, 4096));
	cr_assert_not(holds_on("page>4096", "x86_64", 64, 0)); /* unknown page: no page line holds */
	struct qualifier q;
	char why[128];
	cr_assert_not(qualifier_parse("abi=16", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("page=4000", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("arch=", &q, why, sizeof why));
	cr_assert_not(qualifier_parse("arch=X86", &q, why, sizeof why));
}
