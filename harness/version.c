#include "version.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <stdint.h>

#include "scratchfs.h"

bool kver_parse(const char *s, struct kver *out)
{
	*out = (struct kver){{0, 0, 0}};
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return i > 0;
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		/* a part that does not fit would wrap and compare wrongly */
		if (errno || v > KVER_PART_MAX)
			return false;
		out->v[i] = (int)v;
		s = end;
		if (*s != '.')
			return true;
		s++;
	}
	return true;
}

int kver_cmp(const struct kver *a, const struct kver *b)
{
	for (int i = 0; i < 3; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	return 0;
}

void kver_format(const struct kver *k, char *buf, size_t n)
{
	snprintf(buf, n, "%d.%d.%d", k->v[0], k->v[1], k->v[2]);
}

bool qualifier_like(const char *w)
{
	if (strncmp(w, "blocks", 6) == 0 && (w[6] == '\0' || w[6] == '+'))
		return false;
	return islower((unsigned char)w[0]) || w[0] == '<' || w[0] == '>' || w[0] == '=' || w[0] == '!';
}

static bool parse_cmp(const char *s, size_t len, struct qualifier *q)
{
	int op;
	if (len >= 2 && s[0] == '<' && s[1] == '=')
		op = 'l', s += 2, len -= 2;
	else if (len >= 2 && s[0] == '>' && s[1] == '=')
		op = 'g', s += 2, len -= 2;
	else if (len >= 1 && (s[0] == '<' || s[0] == '>' || s[0] == '='))
		op = s[0], s++, len--;
	else
		return false;
	char tmp[32];
	if (len == 0 || len >= sizeof tmp || q->ncmp == 4)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	/* strictly 1 to 3 dot-separated numbers: 5..1 and 5.1.2.3 are typos */
	int dots = 0;
	for (size_t i = 0; i < len; i++) {
		if (tmp[i] == '.' && (i == 0 || tmp[i - 1] == '.' || i + 1 == len || ++dots > 2))
			return false;
		if (!isdigit((unsigned char)tmp[i]) && tmp[i] != '.')
			return false;
	}
	q->cmp[q->ncmp].op = op;
	if (!kver_parse(tmp, &q->cmp[q->ncmp].ver))
		return false;
	q->ncmp++;
	return true;
}

void kver_running(char *buf, size_t n, const char **source)
{
	struct utsname u;
	uname(&u);
	snprintf(buf, n, "%s", u.release);
	*source = "uname -r";
	/* "Ubuntu 5.15.0-91.101-generic 5.15.131": the last word */
	FILE *f = fopen("/proc/version_signature", "r");
	if (f) {
		char line[256];
		if (fgets(line, sizeof line, f)) {
			char *last = strrchr(line, ' ');
			struct kver k;
			if (last && kver_parse(last + 1, &k)) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(buf, n, "%s", last + 1);
				*source = "/proc/version_signature";
			}
		}
		fclose(f);
		return;
	}
	const char *deb = strstr(u.version, "Debian ");
	struct kver k;
	if (deb && kver_parse(deb + 7, &k)) {
		snprintf(buf, n, "%.*s", (int)strcspn(deb + 7, " -+~"), deb + 7);
		*source = "uname -v";
	}
}

/* The capabilities an expected line may depend on: one entry each. */
static const struct {
	const char *name;
	int cap;
} capabilities[] = {
	{"cap_sys_resource", 24},
	{"cap_sys_admin", 21},
	{"cap_ipc_lock", 14},
	{"cap_fowner", 3},
};

/* Whether this process is in the initial user namespace: a capability held
 * only inside a child namespace does not pass the kernel's checks against
 * the initial one (capable(), as F_SETPIPE_SZ past pipe-max-size uses). */
static bool in_initial_userns(void)
{
	char buf[128] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	unsigned long inside, outside, count;
	return sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0 &&
	       count == 4294967295UL;
}

unsigned long long caps_effective(void)
{
	if (!in_initial_userns())
		return 0;
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2] = {{0, 0, 0}, {0, 0, 0}};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	return (unsigned long long)data[0].effective | (unsigned long long)data[1].effective << 32;
}

/* Whether some kernel version satisfies every comparison of q: a range
 * such as >=7.0,<5.0 would never hold, and a line that never holds is a
 * mistake, not an expectation. */
static bool range_possible_of(const struct qualifier *const *qs, int nq)
{
	struct kver lo = {{0, 0, 0}}, hi = {{KVER_PART_MAX, KVER_PART_MAX, KVER_PART_MAX}};
	bool lo_open = false, hi_open = false;
	for (int k = 0; k < nq; k++) {
		for (int i = 0; i < qs[k]->ncmp; i++) {
			const struct kver *v = &qs[k]->cmp[i].ver;
			int op = qs[k]->cmp[i].op;
			if (op == '>' || op == 'g' || op == '=') {
				int c = kver_cmp(v, &lo);
				if (c > 0 || (c == 0 && op == '>'))
					lo = *v, lo_open = op == '>';
			}
			if (op == '<' || op == 'l' || op == '=') {
				int c = kver_cmp(v, &hi);
				if (c < 0 || (c == 0 && op == '<'))
					hi = *v, hi_open = op == '<';
			}
		}
	}
	int c = kver_cmp(&lo, &hi);
	return c < 0 || (c == 0 && !lo_open && !hi_open);
}

static bool range_possible(const struct qualifier *q)
{
	return range_possible_of(&q, 1);
}

bool qualifiers_consistent(const struct qualifier *q, int n, const char *file_target, char *why, size_t wn)
{
	for (int i = 0; i < n; i++) {
		const char *ti = q[i].target[0] ? q[i].target : file_target;
		for (int j = i + 1; j < n; j++) {
			const char *tj = q[j].target[0] ? q[j].target : file_target;
			if (q[i].priv && q[j].priv && q[i].priv != q[j].priv) {
				snprintf(why, wn, "root and user never hold together");
				return false;
			}
			if (q[i].cap >= 0 && q[i].cap == q[j].cap && q[i].cap_neg != q[j].cap_neg) {
				snprintf(why, wn, "a capability and its negation never hold together");
				return false;
			}
			if (q[i].arch[0] && q[j].arch[0] && !q[i].arch_neg && !q[j].arch_neg &&
			    strcmp(q[i].arch, q[j].arch) != 0) {
				snprintf(why, wn, "arch=%s and arch=%s never hold together", q[i].arch, q[j].arch);
				return false;
			}
			if (q[i].fs[0] && q[j].fs[0] && (strcmp(q[i].fs, q[j].fs) == 0 ? q[i].fs_neg != q[j].fs_neg
											: !q[i].fs_neg && !q[j].fs_neg)) {
				snprintf(why, wn, "%sfs=%s and %sfs=%s never hold together", q[i].fs_neg ? "!" : "", q[i].fs,
					 q[j].fs_neg ? "!" : "", q[j].fs);
				return false;
			}
			const struct qualifier *pair[2] = {&q[i], &q[j]};
			if (q[i].ncmp && q[j].ncmp && strcmp(ti, tj) == 0 && !range_possible_of(pair, 2)) {
				snprintf(why, wn, "no %s version is in both ranges", ti);
				return false;
			}
		}
	}
	return true;
}

static int parse_op(const char **s)
{
	const char *p = *s;
	int op = 0;
	if (p[0] == '<' && p[1] == '=')
		op = 'l', p += 2;
	else if (p[0] == '>' && p[1] == '=')
		op = 'g', p += 2;
	else if (p[0] == '<' || p[0] == '>' || p[0] == '=')
		op = *p++;
	*s = p;
	return op;
}

static bool cmp_holds(int op, int c)
{
	switch (op) {
	case '<': return c < 0;
	case 'l': return c <= 0;
	case '>': return c > 0;
	case 'g': return c >= 0;
	default: return c == 0;
	}
}

/* arch=NAME, !arch=NAME, abi=32|64, page=N (or <, <=, >, >=), fs=NAME,
 * !fs=NAME: where the architecture, word size, page size or the scratch
 * directory's filesystem changes an outcome.  1 parsed,
 * 0 not such a qualifier, -1 malformed. */
static int parse_arch_qualifier(const char *w, struct qualifier *q, char *why, size_t n)
{
	bool neg = w[0] == '!';
	if (strncmp(w + neg, "arch=", 5) == 0) {
		const char *a = w + neg + 5;
		size_t l = strlen(a);
		if (l == 0 || l >= sizeof q->arch || strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_") != l) {
			snprintf(why, n, "'%s': expected arch=NAME as uname -m spells it (x86_64, i386, aarch64, ppc64le, s390x)", w);
			return -1;
		}
		memcpy(q->arch, a, l + 1);
		q->arch_neg = neg;
		return 1;
	}
	if (strncmp(w + neg, "fs=", 3) == 0) {
		const char *f = w + neg + 3;
		if (!scratchfs_known(f)) {
			snprintf(why, n, "'%s': expected fs=NAME, a filesystem statfs names: %s", w, scratchfs_names());
			return -1;
		}
		snprintf(q->fs, sizeof q->fs, "%s", f);
		q->fs_neg = neg;
		return 1;
	}
	if (neg)
		return 0;
	if (strncmp(w, "abi=", 4) == 0) {
		if (strcmp(w + 4, "32") != 0 && strcmp(w + 4, "64") != 0) {
			snprintf(why, n, "'%s': expected abi=32 or abi=64", w);
			return -1;
		}
		q->bits = atoi(w + 4);
		return 1;
	}
	if (strncmp(w, "page", 4) == 0 && (w[4] == '=' || w[4] == '<' || w[4] == '>')) {
		const char *p = w + 4;
		q->page_op = parse_op(&p);
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (!isdigit((unsigned char)*p) || *end || v == 0 || (v & (v - 1))) {
			snprintf(why, n, "'%s': expected page=BYTES (a power of two), page>BYTES, page<=BYTES, ...", w);
			return -1;
		}
		q->page = v;
		return 1;
	}
	return 0;
}

bool qualifier_parse(const char *w, struct qualifier *q, char *why, size_t n)
{
	*q = (struct qualifier){.cap = -1};
	int a = parse_arch_qualifier(w, q, why, n);
	if (a)
		return a > 0;
	bool neg = w[0] == '!';
	for (size_t i = 0; i < sizeof capabilities / sizeof capabilities[0]; i++) {
		if (strcmp(w + neg, capabilities[i].name) == 0) {
			q->cap = capabilities[i].cap;
			q->cap_neg = neg;
			return true;
		}
	}
	if (strcmp(w, "root") == 0 || strcmp(w, "user") == 0) {
		q->priv = w[0] == 'r' ? 1 : -1;
		return true;
	}
	size_t t = 0;
	if (!islower((unsigned char)w[0]) && w[0] != '<' && w[0] != '>' && w[0] != '=') {
		snprintf(why, n, "'%s': expected TARGET, TARGET<VER, root, user or a capability such as cap_sys_resource", w);
		return false;
	}
	while (islower((unsigned char)w[t]) || isdigit((unsigned char)w[t]) || w[t] == '-')
		t++;
	if (t >= sizeof q->target) {
		snprintf(why, n, "'%s': target name too long", w);
		return false;
	}
	memcpy(q->target, w, t);
	q->target[t] = '\0';
	const char *s = w + t;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (!parse_cmp(s, len, q)) {
			snprintf(why, n,
				 "'%s': expected TARGET, TARGET<VER, TARGET>=VER,<VER (VER: 1 to 3 numbers up to %d, like 5.10.102), root or user", w, KVER_PART_MAX);
			return false;
		}
		s += len + (s[len] == ',');
		if (s[-1] == ',' && !*s) {
			snprintf(why, n, "'%s': a range ends with a comma", w);
			return false;
		}
	}
	if (!range_possible(q)) {
		snprintf(why, n, "'%s': no kernel version is in this range", w);
		return false;
	}
	return true;
}

bool qualifier_matches(const struct qualifier *q, const char *file_target, const struct target_env *env)
{
	if (q->priv && (q->priv > 0) != env->root)
		return false;
	if (q->cap >= 0 && !!(env->caps & (1ULL << q->cap)) == q->cap_neg)
		return false;
	if (q->arch[0] && (env->arch && strcmp(env->arch, q->arch) == 0) == q->arch_neg)
		return false;
	if (q->bits && q->bits != env->bits)
		return false;
	if (q->fs[0] && (env->fs && strcmp(env->fs, q->fs) == 0) == q->fs_neg)
		return false;
	if (q->page_op && !(env->page && cmp_holds(q->page_op, env->page < q->page ? -1 : env->page > q->page)))
		return false;
	const char *t = q->target[0] ? q->target : file_target;
	bool in_chain = false;
	for (int i = 0; env->chain[i]; i++)
		in_chain |= strcmp(env->chain[i], t) == 0;
	if (!in_chain)
		return false;
	/* a kernel version means something only on the target it is written
	 * for: gVisor, which inherits linux's lines, reports a made-up 4.4.0 */
	if (q->ncmp && strcmp(t, env->chain[0]) != 0)
		return false;
	for (int i = 0; i < q->ncmp; i++) {
		int c = kver_cmp(&env->kernel, &q->cmp[i].ver);
		bool ok;
		switch (q->cmp[i].op) {
		case '<': ok = c < 0; break;
		case 'l': ok = c <= 0; break;
		case '>': ok = c > 0; break;
		case 'g': ok = c >= 0; break;
		default: ok = c == 0; break;
		}
		if (!ok)
			return false;
	}
	return true;
}
