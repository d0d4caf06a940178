/* seccomp profiles: read (OCI runtime-spec or Docker format), install with
 * libseccomp, and predict what a profile does to one call, so a run under a
 * profile can overlay the outcomes the profile decides on the base target.
 *
 * Prediction runs the very BPF program libseccomp generates for the profile
 * (exported at load time) on a synthetic seccomp_data, so a prediction and
 * the installed filter cannot disagree about libseccomp's rule semantics.
 */
#ifndef SPLICECHECK_SECCOMP_PROFILE_H
#define SPLICECHECK_SECCOMP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sc_profile; /* opaque */

enum sc_action { SC_ALLOW, SC_ERRNO, SC_KILL_PROCESS, SC_KILL_THREAD, SC_TRAP, SC_TRACE, SC_LOG };

struct sc_verdict {
	enum sc_action action;
	/* SC_ERRNO: the errno the call fails with (0: the call "succeeds" with
	 * 0 without running). SC_TRACE: ENOSYS, what the kernel returns when no
	 * tracer is attached, which is how the harness runs. 0 otherwise. */
	int err;
};

/* What Docker-format includes/excludes are evaluated against. */
struct sc_env {
	uint64_t caps;          /* bit n set: capability n is held */
	unsigned kernel_major;  /* minKernel "X.Y" compares against these */
	unsigned kernel_minor;
};

/* The running process: its effective capabilities and uname release. */
void sc_env_current(struct sc_env *env);

/* On error returns NULL and writes "PATH:LINE:COL: what was wrong" (or
 * "PATH: json.path: what" where there is no position) into err. Docker
 * includes/excludes are evaluated for the running process (sc_env_current). */
struct sc_profile *sc_profile_load(const char *path, char *err, size_t errlen);
/* Same from a memory buffer; name is used in messages. */
struct sc_profile *sc_profile_parse(const char *name, const char *text, size_t len, char *err,
				    size_t errlen);
/* The same with an explicit environment (tests, or predicting for another
 * capability set or kernel). */
struct sc_profile *sc_profile_load_env(const char *path, const struct sc_env *env, char *err,
				       size_t errlen);
struct sc_profile *sc_profile_parse_env(const char *name, const char *text, size_t len,
					const struct sc_env *env, char *err, size_t errlen);

/* Limits checked before libseccomp sees a profile (docs/sandboxes.md): a
 * profile past them is refused with its position.  Within them a profile
 * loads in well under a second; libseccomp's rule database grows
 * quadratically, and the kernel loads at most BPF_MAXINSNS (4096)
 * instructions anyway. */
#define SC_MAX_RULES 2048 /* after names are expanded and conditions split */
#define SC_MAX_CONDS 16   /* "args" of one syscalls entry */
/* Conditions, summed over the rules: on one syscall, and in all.  The cost
 * is in conditions on one syscall (libseccomp merges them into one tree,
 * superlinearly, worst on 32-bit arches where a 64-bit comparison is two):
 * 256 on one syscall, with x86 and x32 in the archMap, loads in ~0.25 s. */
#define SC_MAX_CONDS_PER_SYSCALL 256
#define SC_MAX_CONDS_TOTAL 1024

/* Unknown keys: warned about (sc_profile_warnings) and ignored, as runc,
 * crun and containers/common ignore them; with strict, refused.  Applies to
 * every later load. */
void sc_profile_set_strict(bool strict);
/* "file: where: what\n" lines for what the load ignored, or NULL. */
const char *sc_profile_warnings(const struct sc_profile *p);

/* Install in the calling process (sets PR_SET_NO_NEW_PRIVS first).
 * Returns 0 or -errno. */
int sc_profile_install(const struct sc_profile *p);

/* What the profile does to syscall nr with these 6 args (NULL: all zero) on
 * the native arch. Only this filter: a filter already stacked on the process
 * (a container's) can make the real outcome stricter. */
struct sc_verdict sc_profile_predict(const struct sc_profile *p, long nr,
				     const unsigned long long args[6]);

/* Whether the profile gives every value of args[idx] in [lo, hi] (the other
 * args as given) one verdict: true with it in *v, or false.  For a step
 * whose calls pass a length that shrinks as data moves (a stream loop). */
bool sc_profile_predict_range(const struct sc_profile *p, long nr, const unsigned long long args[6], unsigned idx,
			      unsigned long long lo, unsigned long long hi, struct sc_verdict *v);

/* "profile.json": the base name of the path or name given at load. */
const char *sc_profile_name(const struct sc_profile *p);
/* Number of rules after includes/excludes and name expansion (diagnostics). */
size_t sc_profile_rule_count(const struct sc_profile *p);
void sc_profile_free(struct sc_profile *p);
/* Writes the filter as the kernel loads it (struct sock_filter[]), for a
 * runtime that takes a BPF program, such as bwrap --seccomp FD.  0 or -errno. */
int sc_profile_write_bpf(const struct sc_profile *p, int fd);

/* Outcome text: "allow" (ALLOW, LOG), an errno name ("EPERM"), "0" for an
 * errno-0 rule, "SIGSYS" (KILL_*, TRAP), "ENOSYS" (TRACE, no tracer).
 * Returns buf. */
const char *sc_verdict_str(struct sc_verdict v, char *buf, size_t len);
/* "allow", "errno", "kill-process", "kill-thread", "trap", "trace", "log" */
const char *sc_action_name(enum sc_action a);

#endif
