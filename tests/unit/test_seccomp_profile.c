/* Unit tests for harness/seccomp_profile.*: error messages for malformed
 * profiles, predictions for the shipped profiles, and — the point of the
 * module — predictions checked against what the kernel does once the
 * profile is really installed in a forked child. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "seccomp_profile.h"

#ifndef SC_TEST_ROOT
#define SC_TEST_ROOT "." /* the repository root */
#endif
#define PROFILES SC_TEST_ROOT "/profiles/"
#define BAD SC_TEST_ROOT "/tests/data/profiles/"

#define GIFT 0x8u
#define NONBLOCK 0x2u

/* /dev/null, at a fixed number so the probes are constants: no call below
 * can move data or block on it, the kernel answers EBADF (vmsplice: not a
 * pipe), EINVAL (splice, tee: no pipe) or 0 (zero length). A closed fd
 * would not do: valgrind answers EBADF for it itself, and the filter never
 * sees the call. */
#define BADFD 900

/* ---- fixtures --------------------------------------------------------- */

static struct sc_env no_caps_618 = {.caps = 0, .kernel_major = 6, .kernel_minor = 18};

/* Under valgrind 3.19 seccomp(2) is unhandled, so libseccomp drops to API
 * level 2 and refuses KILL_PROCESS and LOG: that is the host, not a bug. */
static bool lacks_api3(const struct sc_profile *p, const char *err)
{
	return !p && seccomp_api_get() < 3 && strstr(err, "API level 3");
}

static void skip_without_api3(const struct sc_profile *p, const char *err)
{
	if (lacks_api3(p, err))
		cr_skip_test("%s", err);
}

static struct sc_profile *load_ok(const char *path, const struct sc_env *env)
{
	char err[512] = "";
	struct sc_profile *p = sc_profile_load_env(path, env, err, sizeof err);
	skip_without_api3(p, err);
	cr_assert_not_null(p, "loading %s: %s", path, err);
	return p;
}

static struct sc_profile *parse_ok(const char *text)
{
	char err[512] = "";
	struct sc_profile *p = sc_profile_parse_env("mem.json", text, strlen(text), &no_caps_618,
						    err, sizeof err);
	skip_without_api3(p, err);
	cr_assert_not_null(p, "parsing %s: %s", text, err);
	return p;
}

static struct sc_verdict predict(const struct sc_profile *p, long nr, unsigned long long a0,
				 unsigned long long a1, unsigned long long a2,
				 unsigned long long a3)
{
	unsigned long long args[6] = {a0, a1, a2, a3, 0, 0};
	return sc_profile_predict(p, nr, args);
}

static void expect_verdict(struct sc_verdict v, enum sc_action a, int err, const char *what)
{
	cr_expect_eq(v.action, a, "%s: action %s, expected %s", what, sc_action_name(v.action),
		     sc_action_name(a));
	cr_expect_eq(v.err, err, "%s: err %d, expected %d", what, v.err, err);
}

/* ---- malformed profiles ------------------------------------------------- */

static void expect_error(const char *file, const char *want)
{
	char path[256], err[512] = "", full[768];
	snprintf(path, sizeof path, BAD "%s", file);
	struct sc_profile *p = sc_profile_load(path, err, sizeof err);
	cr_expect_null(p, "%s loaded", file);
	sc_profile_free(p);
	snprintf(full, sizeof full, "%s%s", path, want);
	cr_expect_str_eq(err, full);
}

Test(bad_profile, not_json)
{
	expect_error("bad-not-json.json", ":4:56: string or '}' expected near '}'");
}

Test(bad_profile, empty_file)
{
	expect_error("bad-empty.json", ":1: '[' or '{' expected near end of file");
}

Test(bad_profile, duplicate_key)
{
	expect_error("bad-duplicate-key.json", ":3:17: duplicate object key near '\"defaultAction\"'");
}

Test(bad_profile, top_level_array)
{
	expect_error("bad-top-array.json", ": top level: expected an object, got an array");
}

/* A name libseccomp does not know is skipped by runc and crun (a call
 * newer than the library, or a typo): warned and skipped; --strict
 * refuses it. */
Test(bad_profile, unknown_syscall_strict)
{
	sc_profile_set_strict(true);
	expect_error("bad-unknown-syscall.json", ": syscalls[1].names[1]: unknown syscall \"vmsplicee\" (--strict)");
	sc_profile_set_strict(false);
}

Test(bad_profile, unknown_syscall_warns_and_is_skipped)
{
	char err[512] = "";
	struct sc_profile *p = sc_profile_load(BAD "bad-unknown-syscall.json", err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	const char *w = sc_profile_warnings(p);
	cr_assert_not_null(w);
	cr_expect(strstr(w, BAD "bad-unknown-syscall.json: syscalls[1].names[1]: unknown syscall \"vmsplicee\" (libseccomp ") != NULL,
		  "%s", w);
	cr_expect(strstr(w, "does not know it), ignored as runc and crun ignore it\n") != NULL, "%s", w);
	sc_profile_free(p);
}

Test(bad_profile, unknown_action)
{
	expect_error("bad-unknown-action.json", ": syscalls[0].action: unknown action \"SCMP_ACT_DENY\"");
}

Test(bad_profile, notify_rejected)
{
	expect_error("bad-notify.json", ": syscalls[0].action: SCMP_ACT_NOTIFY needs a user-space "
					"listener; not supported");
}

Test(bad_profile, arg_op)
{
	expect_error("bad-arg-op.json", ": syscalls[2].args[0].op: unknown operator \"SCMP_CMP_AND\"");
}

Test(bad_profile, arg_index_out_of_range)
{
	expect_error("bad-arg-index.json", ": syscalls[0].args[1].index: 6 is out of range 0..5");
}

Test(bad_profile, names_not_an_array)
{
	expect_error("bad-wrong-type-names.json",
		     ": syscalls[0].names: expected an array of syscall names, got a string");
}

Test(bad_profile, errno_not_an_integer)
{
	expect_error("bad-wrong-type-errno.json",
		     ": syscalls[0].errnoRet: expected a non-negative integer, got a string");
}

Test(bad_profile, errno_out_of_range)
{
	expect_error("bad-errno-range.json", ": syscalls[0].errnoRet: 5000 is out of range 0..4094");
}

Test(bad_profile, errno_on_kill)
{
	expect_error("bad-errno-on-kill.json", ": syscalls[0].errnoRet: only SCMP_ACT_ERRNO and "
					       "SCMP_ACT_TRACE take an errno, not SCMP_ACT_KILL_PROCESS");
}

Test(bad_profile, missing_default_action)
{
	expect_error("bad-missing-default.json", ": defaultAction: missing (required)");
}

/* A key no runtime reads is ignored, as runc, crun and containers/common
 * ignore it, and named in a warning; --strict refuses it. */
Test(bad_profile, unknown_key_warns_and_is_ignored)
{
	char err[512] = "";
	struct sc_profile *p = sc_profile_load(BAD "bad-unknown-key.json", err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_expect_str_eq(sc_profile_warnings(p), BAD "bad-unknown-key.json: syscalls[0].errnoret: "
					       "unknown key, ignored (no runtime reads it)\n");
	/* what a runtime does with it: errnoret ignored, so runc's EPERM */
	struct sc_verdict v = sc_profile_predict(p, SYS_vmsplice, NULL);
	cr_expect_eq(v.action, SC_ERRNO);
	cr_expect_eq(v.err, EPERM);
	sc_profile_free(p);
}

Test(bad_profile, unknown_key_strict)
{
	sc_profile_set_strict(true);
	expect_error("bad-unknown-key.json", ": syscalls[0].errnoret: unknown key (--strict)");
	sc_profile_set_strict(false);
}

Test(bad_profile, known_keys_no_warning)
{
	struct sc_profile *p = load_ok(PROFILES "docker-default.json", &no_caps_618);
	cr_expect_null(sc_profile_warnings(p));
	sc_profile_free(p);
}

/* containers/common's keys: defaultErrno and errno, names beside the
 * numbers */
Test(semantics, errno_names_as_containers_common_writes_them)
{
	struct sc_profile *p = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"defaultErrno\": \"ENOSYS\","
		" \"syscalls\": [{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errno\": \"EPERM\"},"
		" {\"names\": [\"splice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22, \"errno\": \"EINVAL\"},"
		" {\"names\": [\"tee\", \"read\", \"write\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\", \"errno\": \"EIO\"}]}");
	cr_expect_null(sc_profile_warnings(p));
	cr_expect_eq(sc_profile_predict(p, SYS_vmsplice, NULL).err, EPERM);
	cr_expect_eq(sc_profile_predict(p, SYS_splice, NULL).err, EINVAL);
	cr_expect_eq(sc_profile_predict(p, SYS_tee, NULL).action, SC_ALLOW);
	cr_expect_eq(sc_profile_predict(p, SYS_pipe2, NULL).err, ENOSYS);
	sc_profile_free(p);
}

Test(bad_profile, errno_name_disagrees_with_number)
{
	char err[512] = "";
	const char text[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, "
			    "\"defaultErrno\": \"ENOSYS\"}";
	cr_expect_null(sc_profile_parse("inline", text, strlen(text), err, sizeof err));
	cr_expect_str_eq(err, "inline: defaultErrno: \"ENOSYS\" (38) disagrees with the errno number 1 beside it");
	const char text2[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"tee\"], "
			     "\"action\": \"SCMP_ACT_ERRNO\", \"errno\": \"EWHATEVER\"}]}";
	cr_expect_null(sc_profile_parse("inline", text2, strlen(text2), err, sizeof err));
	cr_expect_str_eq(err, "inline: syscalls[0].errno: unknown errno name \"EWHATEVER\"");
}

/* The shipped copy of containers-common's profile (profiles/), and the
 * installed one where the package is: both load without a warning. */
Test(shipped, containers_common_default)
{
	struct sc_profile *p = load_ok(PROFILES "containers-default.json", &no_caps_618);
	cr_expect_null(sc_profile_warnings(p));
	cr_expect_eq(sc_profile_predict(p, SYS_vmsplice, NULL).err, EPERM);
	cr_expect_eq(sc_profile_predict(p, SYS_splice, NULL).action, SC_ALLOW);
	cr_expect_eq(sc_profile_predict(p, 1000, NULL).err, ENOSYS);
	sc_profile_free(p);
	if (access("/usr/share/containers/seccomp.json", R_OK) == 0) {
		p = load_ok("/usr/share/containers/seccomp.json", &no_caps_618);
		cr_expect_null(sc_profile_warnings(p));
		sc_profile_free(p);
	}
}

/* Bounds, checked before libseccomp: a profile past them is refused
 * at once with its position (a 50,000-rule profile took libseccomp more
 * than 5 minutes). */
static char *many_rules(int n, int conds, const char *arch_map)
{
	size_t cap = 256 + (size_t)n * (96 + (size_t)conds * 80);
	char *t = malloc(cap), *w = t;
	w += sprintf(w, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", %s \"syscalls\": [", arch_map);
	for (int i = 0; i < n; i++) {
		w += sprintf(w, "%s{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": %d, \"args\": [",
			     i ? "," : "", 1 + i % 100);
		for (int k = 0; k < conds; k++)
			w += sprintf(w, "%s{\"index\": %d, \"value\": %d, \"valueTwo\": %d, \"op\": \"SCMP_CMP_MASKED_EQ\"}",
				     k ? "," : "", k, i * 7 + k, i);
		w += sprintf(w, "]}");
	}
	sprintf(w, "]}");
	return t;
}

static void expect_refused(const char *text, const char *want)
{
	char err[512] = "";
	struct sc_profile *p = sc_profile_parse_env("big.json", text, strlen(text), &no_caps_618, err, sizeof err);
	cr_expect_null(p);
	sc_profile_free(p);
	cr_expect(strstr(err, want), "%s", err);
}

Test(bounds, rules)
{
	char *t = many_rules(50000, 0, "");
	expect_refused(t, "big.json: syscalls[2048]: more than 2048 rules");
	free(t);
}

Test(bounds, conditions_on_one_syscall)
{
	char *t = many_rules(43, 6, "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", "
				    "\"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}],");
	expect_refused(t, "big.json: syscalls[42]: more than 256 conditions on one syscall");
	free(t);
}

Test(bounds, within_loads)
{
	char *t = many_rules(42, 6, "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", "
				    "\"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}],");
	struct sc_profile *p = parse_ok(t);
	cr_expect_eq(sc_profile_rule_count(p), 42);
	sc_profile_free(p);
	free(t);
}

Test(bad_profile, unknown_arch)
{
	expect_error("bad-unknown-arch.json", ": architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
}

Test(bad_profile, unknown_cap)
{
	expect_error("bad-unknown-cap.json",
		     ": syscalls[0].includes.caps[0]: unknown capability \"CAP_SYS_ADMN\"");
}

Test(bad_profile, min_kernel_format)
{
	expect_error("bad-min-kernel.json", ": syscalls[0].includes.minKernel: invalid kernel "
					    "version \"4\", expected \"X.Y\"");
}

Test(bad_profile, value_beyond_jansson)
{
	expect_error("bad-value-too-big.json", ":5:56: too big integer near '18446744073709551615'");
}

Test(bad_profile, docker_key_in_oci_config)
{
	expect_error("bad-oci-docker-key.json",
		     ": linux.seccomp.syscalls[0].excludes: a Docker profile key, not part of the "
		     "OCI linux.seccomp object");
}

Test(bad_profile, config_without_seccomp)
{
	expect_error("bad-config-no-seccomp.json",
		     ": linux.seccomp: missing: a config.json without a seccomp profile");
}

Test(bad_profile, missing_file)
{
	expect_error("no-such-file.json", ": unable to open " BAD
					  "no-such-file.json: No such file or directory");
}

Test(bad_profile, parse_names_the_buffer)
{
	char err[256] = "";
	const char text[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			    "[\"tee\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 2, "
			    "\"op\": \"SCMP_CMP_GT\"}]}]}";
	cr_expect_null(sc_profile_parse("inline", text, strlen(text), err, sizeof err));
	cr_expect_str_eq(err, "inline: syscalls[0].args[0].value: missing (required)");
}

Test(bad_profile, tiny_error_buffer)
{
	char err[8];
	cr_expect_null(sc_profile_parse("x", "[", 1, err, sizeof err));
	cr_expect_eq(strlen(err), 7);
	cr_expect_null(sc_profile_parse("x", "[", 1, NULL, 0));
}

/* ---- shipped profiles: predictions -------------------------------------- */

Test(shipped, deny_vmsplice_errno)
{
	struct sc_profile *p = load_ok(PROFILES "deny-vmsplice-errno.json", NULL);
	cr_expect_str_eq(sc_profile_name(p), "deny-vmsplice-errno.json");
	expect_verdict(predict(p, SYS_vmsplice, BADFD, 0, 1, 0), SC_ERRNO, ENOTRECOVERABLE, "vmsplice");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, GIFT), SC_ERRNO, ENOTRECOVERABLE, "gift");
	expect_verdict(predict(p, SYS_splice, 0, 0, 0, 0), SC_ALLOW, 0, "splice");
	expect_verdict(predict(p, SYS_tee, 0, 0, 0, 0), SC_ALLOW, 0, "tee");
	sc_profile_free(p);
}

Test(shipped, deny_vmsplice_kill)
{
	struct sc_profile *p = load_ok(PROFILES "deny-vmsplice-kill.json", NULL);
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 0), SC_KILL_PROCESS, 0, "vmsplice");
	expect_verdict(predict(p, SYS_getpid, 0, 0, 0, 0), SC_ALLOW, 0, "getpid");
	sc_profile_free(p);
}

Test(shipped, deny_vmsplice_gift)
{
	struct sc_profile *p = load_ok(PROFILES "deny-vmsplice-gift.json", NULL);
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 0), SC_ALLOW, 0, "flags 0");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, NONBLOCK), SC_ALLOW, 0, "nonblock");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, GIFT), SC_ERRNO, ENOTRECOVERABLE, "gift");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, GIFT | NONBLOCK), SC_ERRNO, ENOTRECOVERABLE,
		       "gift|nonblock");
	/* the comparison is on all 64 bits of the register */
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 1ull << 35 | GIFT), SC_ERRNO,
		       ENOTRECOVERABLE, "high bits + gift");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 1ull << 35), SC_ALLOW, 0, "high bits");
	expect_verdict(predict(p, SYS_splice, 0, 0, 0, GIFT), SC_ALLOW, 0, "splice, same flag");
	sc_profile_free(p);
}

Test(shipped, oci_config)
{
	struct sc_profile *p = load_ok(PROFILES "oci-config-deny-splice.json", NULL);
	expect_verdict(predict(p, SYS_splice, 0, 0, 0, 0), SC_ERRNO, ENOTRECOVERABLE, "splice");
	expect_verdict(predict(p, SYS_tee, 0, 0, 65536, 0), SC_ALLOW, 0, "tee 64k");
	expect_verdict(predict(p, SYS_tee, 0, 0, 65537, 0), SC_ERRNO, ENOTRECOVERABLE, "tee 64k+1");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 0), SC_ALLOW, 0, "vmsplice");
	sc_profile_free(p);
}

Test(shipped, docker_default_without_caps)
{
	struct sc_profile *p = load_ok(PROFILES "docker-default.json", &no_caps_618);
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, GIFT), SC_ALLOW, 0, "vmsplice");
	expect_verdict(predict(p, SYS_splice, 0, 0, 0, 0), SC_ALLOW, 0, "splice");
	expect_verdict(predict(p, SYS_tee, 0, 0, 0, 0), SC_ALLOW, 0, "tee");
	expect_verdict(predict(p, SYS_unshare, 0, 0, 0, 0), SC_ERRNO, EPERM, "unshare");
	expect_verdict(predict(p, SYS_reboot, 0, 0, 0, 0), SC_ERRNO, EPERM, "reboot");
	expect_verdict(predict(p, SYS_clone3, 0, 0, 0, 0), SC_ERRNO, ENOSYS, "clone3");
	expect_verdict(predict(p, SYS_clone, SIGCHLD, 0, 0, 0), SC_ALLOW, 0, "clone plain");
	expect_verdict(predict(p, SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0), SC_ERRNO, EPERM,
		       "clone newuser");
	expect_verdict(predict(p, SYS_personality, 0, 0, 0, 0), SC_ALLOW, 0, "personality 0");
	expect_verdict(predict(p, SYS_personality, 0xffffffff, 0, 0, 0), SC_ALLOW, 0,
		       "personality query");
	expect_verdict(predict(p, SYS_personality, 1, 0, 0, 0), SC_ERRNO, EPERM, "personality 1");
	expect_verdict(predict(p, SYS_socket, AF_INET, 0, 0, 0), SC_ALLOW, 0, "socket inet");
	expect_verdict(predict(p, SYS_socket, 40, 0, 0, 0), SC_ERRNO, EPERM, "socket vsock");
	expect_verdict(predict(p, SYS_ptrace, 0, 0, 0, 0), SC_ALLOW, 0, "ptrace on 6.18");
#ifdef __x86_64__
	expect_verdict(predict(p, SYS_arch_prctl, 0, 0, 0, 0), SC_ALLOW, 0, "arch_prctl on amd64");
	/* x32 numbers (bit 30) are in the filter through the sub-arch */
	expect_verdict(predict(p, 0x40000000 | SYS_getpid, 0, 0, 0, 0), SC_ALLOW, 0, "x32 getpid");
#endif
	sc_profile_free(p);
}

Test(shipped, docker_default_caps_and_kernel)
{
	struct sc_env admin = {.caps = 1ull << CAP_SYS_ADMIN, .kernel_major = 6, .kernel_minor = 18};
	struct sc_env old = {.caps = 0, .kernel_major = 4, .kernel_minor = 7};
	struct sc_profile *p = load_ok(PROFILES "docker-default.json", &admin);
	expect_verdict(predict(p, SYS_unshare, 0, 0, 0, 0), SC_ALLOW, 0, "unshare");
	expect_verdict(predict(p, SYS_clone3, 0, 0, 0, 0), SC_ALLOW, 0, "clone3");
	expect_verdict(predict(p, SYS_clone, CLONE_NEWUSER, 0, 0, 0), SC_ALLOW, 0, "clone newuser");
	expect_verdict(predict(p, SYS_reboot, 0, 0, 0, 0), SC_ERRNO, EPERM, "reboot");
	sc_profile_free(p);
	p = load_ok(PROFILES "docker-default.json", &old);
	expect_verdict(predict(p, SYS_ptrace, 0, 0, 0, 0), SC_ERRNO, EPERM, "ptrace on 4.7");
	sc_profile_free(p);
}

Test(shipped, current_env_loads_everything)
{
	static const char *const names[] = {"docker-default.json", "deny-vmsplice-errno.json",
					    "deny-vmsplice-kill.json", "deny-vmsplice-gift.json",
					    "oci-config-deny-splice.json"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, PROFILES "%s", names[i]);
		char err[512] = "";
		struct sc_profile *p = sc_profile_load(path, err, sizeof err);
		cr_expect(p || lacks_api3(p, err), "%s", err);
		sc_profile_free(p);
	}
}

/* ---- semantics on in-memory profiles ------------------------------------ */

#define ONE_RULE(rule) "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [" rule "]}"

Test(semantics, errno_defaults_to_eperm)
{
	struct sc_profile *p = parse_ok(ONE_RULE("{\"names\": [\"tee\"], \"action\": \"SCMP_ACT_ERRNO\"}"));
	expect_verdict(predict(p, SYS_tee, 0, 0, 0, 0), SC_ERRNO, EPERM, "tee");
	sc_profile_free(p);
}

Test(semantics, same_arg_twice_is_or_as_in_runc)
{
	struct sc_profile *p = parse_ok(ONE_RULE(
		"{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 131, "
		"\"args\": [{\"index\": 3, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
		"           {\"index\": 3, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}"));
	cr_expect_eq(sc_profile_rule_count(p), 2);
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 1), SC_ERRNO, 131, "flags 1");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 2), SC_ERRNO, 131, "flags 2");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 3), SC_ALLOW, 0, "flags 3");
	sc_profile_free(p);
}

Test(semantics, different_args_are_and)
{
	struct sc_profile *p = parse_ok(ONE_RULE(
		"{\"names\": [\"tee\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 131, "
		"\"args\": [{\"index\": 2, \"value\": 4096, \"op\": \"SCMP_CMP_GE\"},"
		"           {\"index\": 3, \"value\": 2, \"valueTwo\": 2, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"));
	expect_verdict(predict(p, SYS_tee, 0, 0, 4096, NONBLOCK), SC_ERRNO, 131, "both");
	expect_verdict(predict(p, SYS_tee, 0, 0, 4095, NONBLOCK), SC_ALLOW, 0, "len only");
	expect_verdict(predict(p, SYS_tee, 0, 0, 4096, 0), SC_ALLOW, 0, "flag only");
	sc_profile_free(p);
}

Test(semantics, rule_same_as_default_is_dropped)
{
	struct sc_profile *p = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": ["
		"{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1},"
		"{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	cr_expect_eq(sc_profile_rule_count(p), 1);
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 0), SC_ERRNO, EPERM, "vmsplice");
	expect_verdict(predict(p, SYS_getpid, 0, 0, 0, 0), SC_ALLOW, 0, "getpid");
	sc_profile_free(p);
}

Test(semantics, docker_single_name_and_nulls)
{
	struct sc_profile *p = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": null, \"syscalls\": ["
		"{\"name\": \"splice\", \"action\": \"SCMP_ACT_TRAP\", \"args\": null,"
		" \"comment\": \"old Docker form\"}]}");
	expect_verdict(predict(p, SYS_splice, 0, 0, 0, 0), SC_TRAP, 0, "splice");
	sc_profile_free(p);
}

Test(semantics, includes_and_excludes)
{
	struct sc_profile *p = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		"{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 10,"
		" \"includes\": {\"minKernel\": \"99.0\"}},"
		"{\"names\": [\"splice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 11,"
		" \"excludes\": {\"minKernel\": \"6.18\"}},"
		"{\"names\": [\"tee\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 12,"
		" \"includes\": {\"arches\": [\"amd64\", \"arm64\", \"ppc64le\", \"s390x\", \"riscv64\"]}},"
		"{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13,"
		" \"excludes\": {\"caps\": [\"CAP_CHOWN\"]}}]}");
	expect_verdict(predict(p, SYS_vmsplice, 0, 0, 0, 0), SC_ALLOW, 0, "kernel too old");
	expect_verdict(predict(p, SYS_splice, 0, 0, 0, 0), SC_ALLOW, 0, "kernel new enough");
#if defined(__x86_64__) || defined(__aarch64__)
	expect_verdict(predict(p, SYS_tee, 0, 0, 0, 0), SC_ERRNO, 12, "native arch listed");
#endif
	expect_verdict(predict(p, SYS_getppid, 0, 0, 0, 0), SC_ERRNO, 13, "cap not held");
	sc_profile_free(p);
}

Test(semantics, verdict_text)
{
	char b[32];
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_ALLOW, 0}, b, sizeof b), "allow");
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_LOG, 0}, b, sizeof b), "allow");
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_ERRNO, EPERM}, b, sizeof b), "EPERM");
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_ERRNO, 0}, b, sizeof b), "0");
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_ERRNO, 4000}, b, sizeof b),
			 "errno 4000");
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_TRACE, ENOSYS}, b, sizeof b), "ENOSYS");
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_KILL_PROCESS, 0}, b, sizeof b),
			 "SIGSYS");
	cr_expect_str_eq(sc_verdict_str((struct sc_verdict){SC_TRAP, 0}, b, sizeof b), "SIGSYS");
}

/* ---- predictions against the installed filter -------------------------- */

struct probe {
	const char *what;
	long nr;
	unsigned long long a[6];
};

static struct iovec probe_iov; /* a real iovec, so valgrind's vmsplice check passes */

#define IOV ((unsigned long long)(uintptr_t)&probe_iov)

static const struct probe probes[] = {
	{"vmsplice 0", SYS_vmsplice, {BADFD, IOV, 1, 0}},
	{"vmsplice MOVE", SYS_vmsplice, {BADFD, IOV, 1, 1}},
	{"vmsplice NONBLOCK", SYS_vmsplice, {BADFD, IOV, 1, NONBLOCK}},
	{"vmsplice MORE", SYS_vmsplice, {BADFD, IOV, 1, 4}},
	{"vmsplice GIFT", SYS_vmsplice, {BADFD, IOV, 1, GIFT}},
	{"vmsplice GIFT|NONBLOCK", SYS_vmsplice, {BADFD, IOV, 1, GIFT | NONBLOCK}},
	{"vmsplice ALL", SYS_vmsplice, {BADFD, IOV, 1, 0xf}},
	{"vmsplice bad flags", SYS_vmsplice, {BADFD, IOV, 1, 0x100}},
	{"splice", SYS_splice, {BADFD, 0, BADFD, 0, 1, 0}},
	{"splice len 0", SYS_splice, {BADFD, 0, BADFD, 0, 0, 0}},
	{"splice NONBLOCK", SYS_splice, {BADFD, 0, BADFD, 0, 1, NONBLOCK}},
	{"tee", SYS_tee, {BADFD, BADFD, 1, 0}},
	{"tee len 0", SYS_tee, {BADFD, BADFD, 0, 0}},
	{"tee 64k", SYS_tee, {BADFD, BADFD, 65536, 0}},
	{"tee 64k+1", SYS_tee, {BADFD, BADFD, 65537, GIFT}},
	{"getpid", SYS_getpid, {0}},
};
#define NPROBES (sizeof probes / sizeof probes[0])

struct outcome {
	enum { RETURNED, FAILED, SIGNALLED, BROKEN } kind;
	long value; /* return value, errno, signal, or install error */
};

struct report {
	int install; /* 0 or -errno from sc_profile_install */
	long ret;
	int err;
};

static void child(int wfd, const struct sc_profile *p, const struct probe *pr)
{
	static char buf[64];
	struct report r = {0};
	struct rlimit none = {0, 0};
	probe_iov = (struct iovec){buf, sizeof buf};
	alarm(20);
	/* a SIGSYS death would otherwise dump core into the test's cwd */
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0);
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, BADFD) != BADFD)
		_exit(3);
	close(null);
	if (p && (r.install = sc_profile_install(p)) < 0) {
		(void)!write(wfd, &r, sizeof r);
		_exit(0);
	}
	r.ret = syscall(pr->nr, pr->a[0], pr->a[1], pr->a[2], pr->a[3], pr->a[4], pr->a[5]);
	r.err = r.ret < 0 ? errno : 0;
	(void)!write(wfd, &r, sizeof r);
	_exit(0);
}

static struct outcome run(const struct sc_profile *p, const struct probe *pr)
{
	int fds[2];
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], p, pr);
	}
	close(fds[1]);
	struct report r;
	ssize_t n = read(fds[0], &r, sizeof r);
	close(fds[0]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return (struct outcome){SIGNALLED, WTERMSIG(st)};
	if (n != (ssize_t)sizeof r)
		return (struct outcome){BROKEN, -1};
	if (r.install < 0)
		return (struct outcome){BROKEN, r.install};
	if (r.ret < 0)
		return (struct outcome){FAILED, r.err};
	/* getpid's value differs per child; only "succeeded" is comparable */
	return (struct outcome){RETURNED, pr->nr == SYS_getpid ? 0 : r.ret};
}

static struct outcome expected(struct sc_verdict v, struct outcome base)
{
	switch (v.action) {
	case SC_ALLOW: case SC_LOG:
		return base;
	case SC_ERRNO: case SC_TRACE:
		return v.err == 0 ? (struct outcome){RETURNED, 0} : (struct outcome){FAILED, v.err};
	case SC_KILL_PROCESS: case SC_KILL_THREAD: case SC_TRAP:
		break;
	}
	return (struct outcome){SIGNALLED, SIGSYS};
}

static const char *show(struct outcome o, char *b, size_t len)
{
	static const char *const kinds[] = {"returned", "failed", "signalled", "broken"};
	snprintf(b, len, "%s %ld", kinds[o.kind], o.value);
	return b;
}

static struct outcome baseline[NPROBES];
static bool have_baseline;

static void check_against_kernel(const struct sc_profile *p, const char *label)
{
	if (!have_baseline) {
		for (size_t i = 0; i < NPROBES; i++)
			baseline[i] = run(NULL, &probes[i]);
		have_baseline = true;
	}
	for (size_t i = 0; i < NPROBES; i++) {
		struct sc_verdict v = sc_profile_predict(p, probes[i].nr, probes[i].a);
		struct outcome want = expected(v, baseline[i]), got = run(p, &probes[i]);
		char a[64], b[64], c[32];
		cr_expect(want.kind == got.kind && want.value == got.value,
			  "%s, %s: predicted %s (%s), kernel gave %s", label, probes[i].what,
			  sc_verdict_str(v, c, sizeof c), show(want, a, sizeof a),
			  show(got, b, sizeof b));
	}
}

static void check_file(const char *name, const struct sc_env *env)
{
	char path[256];
	snprintf(path, sizeof path, PROFILES "%s", name);
	struct sc_profile *p = load_ok(path, env);
	check_against_kernel(p, name);
	sc_profile_free(p);
}

TestSuite(kernel, .timeout = 300);

Test(kernel, errno_never_from_the_kernel)
{
	/* the premise of the deny profiles' errno choice */
	for (size_t i = 0; i < NPROBES; i++) {
		struct outcome o = run(NULL, &probes[i]);
		cr_expect(!(o.kind == FAILED && o.value == ENOTRECOVERABLE), "%s", probes[i].what);
	}
}

Test(kernel, docker_default) { check_file("docker-default.json", NULL); }
Test(kernel, docker_default_no_caps) { check_file("docker-default.json", &no_caps_618); }
Test(kernel, deny_vmsplice_errno) { check_file("deny-vmsplice-errno.json", NULL); }
Test(kernel, deny_vmsplice_kill) { check_file("deny-vmsplice-kill.json", NULL); }
Test(kernel, deny_vmsplice_gift) { check_file("deny-vmsplice-gift.json", NULL); }
Test(kernel, oci_config) { check_file("oci-config-deny-splice.json", NULL); }

#define VMSPLICE_RULE(action, extra)                                                            \
	ONE_RULE("{\"names\": [\"vmsplice\"], \"action\": \"" action "\"" extra "}")
#define FLAGS_RULE(op, v, v2)                                                                   \
	VMSPLICE_RULE("SCMP_ACT_ERRNO", ", \"errnoRet\": 131, \"args\": [{\"index\": 3, \"value\": " \
					#v ", \"valueTwo\": " #v2 ", \"op\": \"" op "\"}]")

static const char *const mem_profiles[] = {
	FLAGS_RULE("SCMP_CMP_NE", 0, 0),
	FLAGS_RULE("SCMP_CMP_LT", 2, 0),
	FLAGS_RULE("SCMP_CMP_LE", 2, 0),
	FLAGS_RULE("SCMP_CMP_EQ", 8, 0),
	FLAGS_RULE("SCMP_CMP_GE", 8, 0),
	FLAGS_RULE("SCMP_CMP_GT", 8, 0),
	FLAGS_RULE("SCMP_CMP_MASKED_EQ", 10, 2),
	VMSPLICE_RULE("SCMP_ACT_TRAP", ""),
	VMSPLICE_RULE("SCMP_ACT_TRACE", ""),
	VMSPLICE_RULE("SCMP_ACT_TRACE", ", \"errnoRet\": 5"),
	VMSPLICE_RULE("SCMP_ACT_LOG", ""),
	VMSPLICE_RULE("SCMP_ACT_KILL", ""),
	VMSPLICE_RULE("SCMP_ACT_KILL_THREAD", ""),
	VMSPLICE_RULE("SCMP_ACT_ERRNO", ""),
	VMSPLICE_RULE("SCMP_ACT_ERRNO", ", \"errnoRet\": 0"),
	/* runc's OR split */
	VMSPLICE_RULE("SCMP_ACT_ERRNO", ", \"errnoRet\": 131, \"args\": ["
					"{\"index\": 3, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
					"{\"index\": 3, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]"),
	/* a conditional and an unconditional rule for one call, both orders:
	 * whatever libseccomp makes of it, the prediction must follow */
	ONE_RULE("{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 131,"
		 " \"args\": [{\"index\": 3, \"value\": 8, \"valueTwo\": 8, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
		 "{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 133}"),
	ONE_RULE("{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 133},"
		 "{\"names\": [\"vmsplice\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 131,"
		 " \"args\": [{\"index\": 3, \"value\": 8, \"valueTwo\": 8, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"),
	/* two conditional rules with different actions that can both hold */
	ONE_RULE("{\"names\": [\"tee\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 131,"
		 " \"args\": [{\"index\": 2, \"value\": 65536, \"op\": \"SCMP_CMP_GT\"}]},"
		 "{\"names\": [\"tee\"], \"action\": \"SCMP_ACT_KILL_PROCESS\","
		 " \"args\": [{\"index\": 3, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}"),
	/* an allow-list, as real profiles are, with a filter flag */
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 95,"
	" \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": ["
	"{\"names\": [\"write\", \"exit\", \"exit_group\", \"rt_sigprocmask\", \"rt_sigreturn\","
	"  \"rt_sigaction\", \"rt_sigtimedwait\", \"gettid\", \"getpid\", \"tgkill\", \"kill\","
	"  \"futex\", \"close\", \"mmap\", \"munmap\", \"mprotect\", \"madvise\", \"brk\", \"read\","
	"  \"clock_gettime\", \"sched_yield\", \"fcntl\", \"alarm\", \"getppid\","
	"  \"sigaltstack\"],"
	" \"action\": \"SCMP_ACT_ALLOW\"},"
	"{\"names\": [\"vmsplice\", \"tee\"], \"action\": \"SCMP_ACT_ALLOW\","
	" \"args\": [{\"index\": 3, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
};

Test(kernel, in_memory_profiles)
{
	for (size_t i = 0; i < sizeof mem_profiles / sizeof mem_profiles[0]; i++) {
		char err[512] = "";
		const char *text = mem_profiles[i];
		struct sc_profile *p = sc_profile_parse_env("mem.json", text, strlen(text),
							    &no_caps_618, err, sizeof err);
		if (lacks_api3(p, err)) {
			cr_log_warn("mem_profiles[%zu] not checked: %s", i, err);
			continue;
		}
		cr_assert_not_null(p, "%s", err);
		char label[32];
		snprintf(label, sizeof label, "mem_profiles[%zu]", i);
		check_against_kernel(p, label);
		sc_profile_free(p);
	}
}

/* ---- --seccomp-from-start: what the harness needs itself ---------------- */

#include "kinds.h"
#include "seccomp_needs.h"

/* The architectures the project builds (build.ninja: the native build and
 * `ninja cross`), for the kinds' calls: each must name calls every one of
 * them has. */
static const struct {
	const char *name;
	uint32_t arch;
} built_archs[] = {
	{"x86-64", SCMP_ARCH_X86_64}, {"i386", SCMP_ARCH_X86}, {"aarch64", SCMP_ARCH_AARCH64},
	{"ppc64le", SCMP_ARCH_PPC64LE}, {"s390x", SCMP_ARCH_S390X},
};

/* every fixture kind says the calls its maker makes, and they are calls
 * of every architecture built, so the prediction covers the kind there */
Test(needs, every_kind_has_calls_that_resolve)
{
	const struct kind *k;
	size_t nkinds = 0;
	for (size_t i = 0; (k = kind_at(i)); i++, nkinds++) {
		cr_expect(k->calls && k->calls[strspn(k->calls, " ")], "kind %s: its calls (kinds.c) are missing",
			  k->name);
		for (size_t a = 0; a < sizeof built_archs / sizeof *built_archs; a++) {
			struct sc_call calls[SC_NEEDS_MAX_CALLS];
			char bad[64] = "";
			int n = sc_needs_resolve(k->calls, built_archs[a].arch, calls, SC_NEEDS_MAX_CALLS, bad, sizeof bad);
			cr_expect_gt(n, 0, "kind %s on %s: calls \"%s\": '%s' is no system call there", k->name,
				     built_archs[a].name, k->calls ? k->calls : "", bad);
		}
	}
	cr_expect_gt(nkinds, 30);
}

/* what the table check above relies on: a name no architecture has, or
 * none of whose alternatives this one has, is refused; a|b takes the first
 * the architecture has */
Test(needs, resolve_takes_the_first_the_arch_has)
{
	struct sc_call c[SC_NEEDS_MAX_CALLS];
	char bad[64] = "";
	cr_expect_eq(sc_needs_resolve("pipe2 no_such_call", SCMP_ARCH_X86_64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad),
		     -1);
	cr_expect_str_eq(bad, "no_such_call");
	cr_expect_eq(sc_needs_resolve("mkdir", SCMP_ARCH_AARCH64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), -1);
	cr_expect_str_eq(bad, "mkdir");
	cr_expect_eq(sc_needs_resolve(NULL, SCMP_ARCH_NATIVE, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 0);
	cr_expect_eq(sc_needs_resolve("read read read read read read read read read", SCMP_ARCH_NATIVE, c,
				      SC_NEEDS_MAX_CALLS, bad, sizeof bad), -1);
	cr_expect(strstr(bad, "more than 8 calls"), "%s", bad);

	cr_assert_eq(sc_needs_resolve(" mkdir|mkdirat  pipe2 ", SCMP_ARCH_X86_64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 2);
	cr_expect_str_eq(c[0].name, "mkdir");
	cr_expect_eq(c[0].nr, 83); /* x86-64's mkdir */
	cr_expect_str_eq(c[1].name, "pipe2");
	cr_expect_eq(c[1].nr, 293);
	cr_assert_eq(sc_needs_resolve("mkdir|mkdirat", SCMP_ARCH_AARCH64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 1);
	cr_expect_str_eq(c[0].name, "mkdirat"); /* arm64 has no mkdir */
	cr_expect_eq(c[0].nr, 34);
	cr_assert_eq(sc_needs_resolve("accept|accept4", SCMP_ARCH_X86_64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 1);
	cr_expect_str_eq(c[0].name, "accept");
	cr_expect_eq(c[0].nr, 43);
	/* i386 and s390x reach accept only through socketcall, or as accept4 */
	cr_assert_eq(sc_needs_resolve("accept|accept4", SCMP_ARCH_X86, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 1);
	cr_expect_str_eq(c[0].name, "accept4");
	cr_expect_eq(c[0].nr, 364);
	cr_assert_eq(sc_needs_resolve("accept|accept4", SCMP_ARCH_S390X, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 1);
	cr_expect_str_eq(c[0].name, "accept4");
	/* the direct calls of what libseccomp multiplexes through socketcall
	 * there (the C headers' numbers) */
	cr_assert_eq(sc_needs_resolve("socket", SCMP_ARCH_X86, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 1);
	cr_expect_eq(c[0].nr, 359);
	cr_assert_eq(sc_needs_resolve("accept|accept4", SCMP_ARCH_PPC64LE, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 1);
	cr_expect_str_eq(c[0].name, "accept");
	cr_expect_eq(c[0].nr, 330);
	/* ppc64le has no memfd_secret: the runtime makes it by its generic
	 * number (rt.h), which a profile's default action still judges */
	cr_assert_eq(sc_needs_resolve("memfd_secret", SCMP_ARCH_PPC64LE, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 1);
	cr_expect_eq(c[0].nr, 447);
	/* a name no architecture has is refused, wherever it stands */
	cr_expect_eq(sc_needs_resolve("memfd_secert", SCMP_ARCH_X86_64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), -1);
	cr_expect_eq(sc_needs_resolve("mkdir|mkdirta", SCMP_ARCH_X86_64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), -1);
	cr_expect_eq(sc_needs_resolve("mkdri|mkdirat", SCMP_ARCH_AARCH64, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), -1);
	cr_expect_str_eq(bad, "mkdri|mkdirat");
	/* native: the C library's numbers */
	cr_assert_eq(sc_needs_resolve("pipe2 mkdir|mkdirat", SCMP_ARCH_NATIVE, c, SC_NEEDS_MAX_CALLS, bad, sizeof bad), 2);
	cr_expect_eq(c[0].nr, SYS_pipe2);
#ifdef SYS_mkdir
	cr_expect_eq(c[1].nr, SYS_mkdir);
#else
	cr_expect_eq(c[1].nr, SYS_mkdirat);
#endif
}

/* a profile denying any one call of a kind's maker is predicted to stop
 * that kind's fixture at that call */
Test(needs, each_call_denied_is_predicted)
{
	const struct kind *k;
	for (size_t i = 0; (k = kind_at(i)); i++) {
		struct sc_call calls[SC_NEEDS_MAX_CALLS];
		char bad[64] = "";
		int n = sc_needs_resolve(k->calls, SCMP_ARCH_NATIVE, calls, SC_NEEDS_MAX_CALLS, bad, sizeof bad);
		for (int c = 0; c < n; c++) {
			char text[256], why[64] = "", want[64];
			snprintf(text, sizeof text, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
				 "[\"%s\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}", calls[c].name);
			struct sc_profile *p = parse_ok(text);
			struct fixture f = {.kind = k};
			bool skip = false;
			cr_expect(sc_needs_fixture(p, &f, why, sizeof why, &skip), "kind %s: denying %s is not predicted",
				  k->name, calls[c].name);
			snprintf(want, sizeof want, "%s: EPERM", calls[c].name);
			cr_expect_str_eq(why, want, "kind %s", k->name);
			cr_expect(skip, "kind %s: EPERM is a SKIP", k->name);
			sc_profile_free(p);
		}
	}
}

Test(needs, deny_all_and_allow_all)
{
	struct sc_profile *deny = parse_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}");
	struct sc_profile *allow = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	struct sbuf b = {0};
	cr_expect_eq(sc_needs_fatal(allow, true, &b), 0);
	cr_expect_gt(sc_needs_fatal(deny, false, &b), 0);
	cr_expect(strstr(b.s, "write: EPERM"), "%s", b.s);
	cr_expect_null(strstr(b.s, "arch_prctl"), "%s", b.s); /* start-up is not a case's */
	sb_free(&b);
	cr_expect_gt(sc_needs_fatal(deny, true, &b), 0);
	cr_expect(strstr(b.s, "mprotect: EPERM"), "%s", b.s);
	sb_free(&b);
	sc_profile_free(deny);
	sc_profile_free(allow);
}

/* ---- one verdict over a range of an argument (a stream loop's lengths) --- */

Test(semantics, predict_range_finds_the_rule_inside_the_range)
{
	struct sc_profile *p = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"splice\"],"
		" \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,"
		" \"args\": [{\"index\": 4, \"value\": 4096, \"op\": \"SCMP_CMP_EQ\"}]},"
		" {\"names\": [\"tee\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,"
		" \"args\": [{\"index\": 2, \"value\": 3, \"op\": \"SCMP_CMP_MASKED_EQ\", \"valueTwo\": 1}]}]}");
	unsigned long long args[6] = {0};
	struct sc_verdict v;
	/* one value inside: not one verdict; ranges beside it: allowed */
	cr_expect_not(sc_profile_predict_range(p, SYS_splice, args, 4, 1, 1048575, &v));
	cr_expect_not(sc_profile_predict_range(p, SYS_splice, args, 4, 4096, 4097, &v));
	cr_expect(sc_profile_predict_range(p, SYS_splice, args, 4, 1, 4095, &v));
	expect_verdict(v, SC_ALLOW, 0, "below 4096");
	cr_expect(sc_profile_predict_range(p, SYS_splice, args, 4, 4097, 1048575, &v));
	expect_verdict(v, SC_ALLOW, 0, "above 4096");
	cr_expect(sc_profile_predict_range(p, SYS_splice, args, 4, 4096, 4096, &v));
	expect_verdict(v, SC_ERRNO, 1, "at 4096");
	/* another argument's range: the rule does not look at it */
	cr_expect(sc_profile_predict_range(p, SYS_splice, args, 2, 0, 100, &v));
	expect_verdict(v, SC_ALLOW, 0, "fd_out");
	/* a masked comparison: no sides to probe, so only one value is sure */
	cr_expect_not(sc_profile_predict_range(p, SYS_tee, args, 2, 2, 5, &v));
	cr_expect(sc_profile_predict_range(p, SYS_tee, args, 2, 5, 5, &v));
	expect_verdict(v, SC_ERRNO, 1, "tee 5");
	sc_profile_free(p);
}
