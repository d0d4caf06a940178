/* Kernel versions and the qualifiers of expected lines: linux<3.10,
 * linux>=5.8,<5.16.11, gvisor, root, user, cap_sys_resource, !cap_sys_resource,
 * and where the architecture matters: arch=s390x, !arch=x86_64, abi=32,
 * page=65536, page>4096; and where the filesystem under the scratch
 * directory decides: fs=overlay, !fs=9p (harness/scratchfs.c names them).
 * Privilege differences are the kernel's capability checks, so a line can
 * name the capability rather than uid 0. */
#ifndef SPLICECHECK_VERSION_H
#define SPLICECHECK_VERSION_H

#include "util.h"

/* The largest number one part of a version may have: larger parts are
 * refused rather than wrapped. */
#define KVER_PART_MAX 999999

struct kver {
	int v[3];
};

/* "6.18.44-fc-v595" -> 6.18.44.  False when it does not start with a number
 * or a part is larger than KVER_PART_MAX. */
bool kver_parse(const char *s, struct kver *out);
int kver_cmp(const struct kver *a, const struct kver *b);
void kver_format(const struct kver *k, char *buf, size_t n);

/* What a qualifier is tested against. */
struct target_env {
	const char *const *chain; /* the running target and those it inherits: {"gvisor", "linux", NULL} */
	struct kver kernel;
	bool root;
	unsigned long long caps; /* effective capabilities, bit n = capability n */
	const char *arch;        /* what the harness was built for: x86_64, i386, s390x, ... (NULL: unknown) */
	int bits;                /* its word size, 32 or 64 (0: unknown) */
	unsigned long page;      /* the kernel's page size (0: unknown) */
	const char *fs;          /* the scratch directory's filesystem (NULL: unknown) */
};

struct qualifier {
	char target[32]; /* "" for the file's own target */
	int ncmp;
	struct {
		int op; /* '<', 'l' (<=), '>', 'g' (>=), '=' */
		struct kver ver;
	} cmp[4];
	int priv; /* 0 any, 1 root only, -1 unprivileged only */
	int cap;  /* -1 none; else the line holds only with (or, cap_neg, without) this capability */
	bool cap_neg;
	char arch[16]; /* arch=NAME (!arch=NAME: arch_neg): "" for any */
	bool arch_neg;
	int bits;      /* abi=32, abi=64; 0 for any */
	int page_op;   /* page=N, page>N, ... as in cmp[].op; 0 for any */
	unsigned long page;
	char fs[16]; /* fs=NAME (!fs=NAME: fs_neg): "" for any */
	bool fs_neg;
};

/* The running kernel's upstream version into buf, and where it was read.
 * Distribution kernels hide it: Debian's uname -r is the ABI name
 * (5.10.0-46-cloud-amd64 for 5.10.262) and the version is in uname -v
 * ("Debian 5.10.262-1"); Ubuntu's is in /proc/version_signature. */
void kver_running(char *buf, size_t n, const char **source);

/* The calling process's effective capabilities as a bit mask; none inside
 * a user namespace, whose capabilities the kernel's checks against the
 * initial namespace do not honour. */
unsigned long long caps_effective(void);

/* True when word looks like a qualifier at all (it starts lowercase or
 * with an operator), so a parser can tell it from an outcome. */
bool qualifier_like(const char *word);
bool qualifier_parse(const char *word, struct qualifier *q, char *why, size_t n);
/* Whether the qualifiers of one line can hold at once: false, with why,
 * for `root user`, `cap_x !cap_x`, two arches, or two ranges of one
 * target with no version in common (the line would never hold). */
bool qualifiers_consistent(const struct qualifier *q, int n, const char *file_target, char *why, size_t wn);
bool qualifier_matches(const struct qualifier *q, const char *file_target, const struct target_env *env);

#endif
