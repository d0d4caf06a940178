/* Shared between seccomp_profile.c (JSON), seccomp_filter.c (libseccomp)
 * and seccomp_bpf.c (prediction). Not part of the harness API. */
#ifndef SPLICECHECK_SECCOMP_INTERNAL_H
#define SPLICECHECK_SECCOMP_INTERNAL_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp_profile.h"

#define SC_MAX_ARGS 6
#define SC_MAX_ARCHES 16

struct sc_cond {
	unsigned index;
	enum scmp_compare op;
	uint64_t value, value_two;
};

struct sc_rule {
	int nr;          /* native number, or libseccomp's negative pseudo number
			  * for a call that only exists on another arch */
	uint32_t action; /* libseccomp action value, errno data included */
	unsigned ncond;
	struct sc_cond cond[SC_MAX_ARGS];
	unsigned call, name; /* syscalls[call].names[name], for messages */
};

enum {
	SC_FLAG_TSYNC = 1u << 0,
	SC_FLAG_LOG = 1u << 1,
	SC_FLAG_SPEC_ALLOW = 1u << 2,
};

struct sc_profile {
	char *path;          /* as given, for messages */
	const char *display; /* base name, inside path */
	char *prefix;        /* "linux.seccomp." inside a config.json, else "" */
	uint32_t def_action;
	uint32_t arches[SC_MAX_ARCHES];
	unsigned narches;
	unsigned flags;
	struct sc_rule *rules;
	size_t nrules, caprules;
	struct sock_filter *prog;
	size_t nprog;
	char *warnings; /* "file: where: what\n" lines, or NULL */
};

/* Builds the libseccomp context for p. On failure returns NULL, sets *rc to
 * -errno and *bad_rule to the failing rule's index (or SIZE_MAX). */
scmp_filter_ctx sc_filter_build(const struct sc_profile *p, int *rc, size_t *bad_rule);
/* Builds and exports p's filter into p->prog in a child process, killed
 * after SC_BUILD_TIMEOUT_MS (libseccomp 2.5.4 can loop for ever): 0, or
 * -errno (-ETIMEDOUT then) with *bad_rule the failing rule or SIZE_MAX. */
#define SC_BUILD_TIMEOUT_MS 10000
int sc_filter_compile(struct sc_profile *p, size_t *bad_rule);
/* Exports the program of ctx (built by sc_filter_build for p) into
 * p->prog. 0 or -errno. */
int sc_filter_export(struct sc_profile *p, scmp_filter_ctx ctx);

/* Checks that prog only uses what sc_bpf_run evaluates. NULL if fine, else
 * a short reason. */
const char *sc_bpf_check(const struct sock_filter *prog, size_t n);
/* The SECCOMP_RET_* value the program returns for d, as the kernel's
 * classic-BPF interpreter would. */
uint32_t sc_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d);

#endif
