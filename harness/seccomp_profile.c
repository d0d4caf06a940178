/* Reading seccomp profiles: the OCI runtime-spec linux.seccomp object (bare,
 * or inside a config.json) and Docker's profile format, which adds archMap,
 * includes/excludes and name. The result is the rule list runc would hand
 * to libseccomp; seccomp_filter.c turns it into a filter. */
#include <errno.h>
#include <jansson.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "seccomp_internal.h"

#define WHERE_MAX 96

struct parse {
	const char *file;
	bool strict; /* an unknown key is an error, not a warning */
	char *err;
	size_t errlen;
	const struct sc_env *env;
	bool oci_only; /* inside a config.json: Docker-only keys are errors */
	const char *prefix;
	struct sc_profile *p;
	const char *native_goarch; /* what Docker's includes.arches matches */
};

static bool fail(struct parse *ps, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct parse *ps, const char *where, const char *fmt, ...)
{
	if (!ps->err || ps->errlen == 0)
		return false;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (where)
		snprintf(ps->err, ps->errlen, "%s: %s%s: %s", ps->file, ps->prefix, where, msg);
	else
		snprintf(ps->err, ps->errlen, "%s: %s", ps->file, msg);
	return false;
}

/* A warning: collected in the profile (one line each), for the caller to
 * print; loading goes on. */
static bool warn(struct parse *ps, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool warn(struct parse *ps, const char *where, const char *fmt, ...)
{
	char msg[256], line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int n = snprintf(line, sizeof line, "%s: %s%s: %s\n", ps->file, ps->prefix, where, msg);
	if (n < 0)
		return true;
	struct sc_profile *p = ps->p;
	size_t add = strlen(line), old = p->warnings ? strlen(p->warnings) : 0;
	char *w = realloc(p->warnings, old + add + 1);
	if (!w)
		return true; /* a lost warning is not worth failing the load */
	memcpy(w + old, line, add + 1);
	p->warnings = w;
	return true;
}

static const char *at(char buf[static WHERE_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *at(char buf[static WHERE_MAX], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, WHERE_MAX, fmt, ap);
	va_end(ap);
	return buf;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static bool want(struct parse *ps, const json_t *v, json_type t, const char *what,
		 const char *where)
{
	if (json_typeof(v) == t)
		return true;
	return fail(ps, where, "expected %s, got %s", what, type_name(v));
}

/* ---- keys ---------------------------------------------------------------- */

static bool in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Every key runc, crun or containers/common reads is known here.  Any
 * other key is ignored, as those readers ignore it (Go's encoding/json),
 * with a warning naming it: a misspelt "errnoRet" would otherwise silently
 * turn into EPERM.  Under --strict it is an error. */
static bool check_keys(struct parse *ps, json_t *obj, const char *where,
		       const char *const *keys, const char *const *docker_keys)
{
	const char *k;
	json_t *v;
	char w[WHERE_MAX];
	json_object_foreach(obj, k, v) {
		const char *kw = where ? at(w, "%s.%s", where, k) : k;
		if (in_list(k, keys))
			continue;
		if (!in_list(k, docker_keys)) {
			if (ps->strict)
				return fail(ps, kw, "unknown key (--strict)");
			warn(ps, kw, "unknown key, ignored (no runtime reads it)");
			continue;
		}
		if (ps->oci_only)
			return fail(ps, kw, "a Docker profile key, not part of the OCI linux.seccomp object");
	}
	return true;
}

/* ---- scalar getters ---------------------------------------------------- */

/* NULL value: absent or JSON null, which Go-written profiles emit for
 * empty lists */
static json_t *get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static bool get_uint(struct parse *ps, json_t *v, const char *where, uint64_t max, uint64_t *out)
{
	if (!want(ps, v, JSON_INTEGER, "a non-negative integer", where))
		return false;
	json_int_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return fail(ps, where, "%lld is out of range 0..%llu", (long long)i,
			    (unsigned long long)max);
	*out = (uint64_t)i;
	return true;
}

/* ---- actions ----------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t action;
	bool takes_errno;
} actions[] = {
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
	/* runc and libseccomp: plain KILL is KILL_THREAD */
	{"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
};

/* The largest errno the kernel passes through (MAX_ERRNO); it caps larger
 * SECCOMP_RET_DATA, so a bigger errnoRet never means what it says. */
#define SC_MAX_ERRNO 4095
/* What libseccomp 2.5.4 accepts in SCMP_ACT_ERRNO(x): it refuses 4095
 * (its check is x < MAX_ERRNO), so the largest errnoRet a runtime can
 * load is 4094. */
#define SC_MAX_ERRNO_RET 4094

/* "EPERM" -> 1, as glibc names them; -1 for a name it does not know. */
static int errno_number(const char *name)
{
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && strcmp(n, name) == 0)
			return e;
	}
	return -1;
}

/* containers/common writes the errno twice: "errnoRet": 1 and "errno":
 * "EPERM" (defaultErrnoRet and defaultErrno at the top).  The number is
 * what it hands to the runtime; the name is read for a profile that only
 * has the name.  Both present and different: the readers disagree, so the
 * profile is refused. */
static bool errno_name_key(struct parse *ps, json_t *obj, const char *where, const char *nkey,
			   bool have_number, uint64_t *errnum)
{
	char w[WHERE_MAX];
	const char *nw = where ? at(w, "%s.%s", where, nkey) : nkey;
	json_t *n = get(obj, nkey);
	if (!n)
		return true;
	if (!want(ps, n, JSON_STRING, "an errno name such as \"EPERM\"", nw))
		return false;
	int e = errno_number(json_string_value(n));
	if (e < 0)
		return fail(ps, nw, "unknown errno name \"%s\"", json_string_value(n));
	if (have_number && (uint64_t)e != *errnum)
		return fail(ps, nw, "\"%s\" (%d) disagrees with the errno number %llu beside it",
			    json_string_value(n), e, (unsigned long long)*errnum);
	*errnum = (uint64_t)e;
	return true;
}

static bool parse_action(struct parse *ps, json_t *obj, const char *where, const char *akey,
			 const char *ekey, const char *nkey, uint32_t *out)
{
	char w[WHERE_MAX];
	const char *aw = where ? at(w, "%s.%s", where, akey) : akey;
	json_t *a = get(obj, akey);
	if (!a)
		return fail(ps, aw, "missing (required)");
	if (!want(ps, a, JSON_STRING, "an action name string", aw))
		return false;
	const char *name = json_string_value(a);
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return fail(ps, aw, "SCMP_ACT_NOTIFY needs a user-space listener; not supported");
	size_t i = 0;
	while (i < sizeof actions / sizeof actions[0] && strcmp(actions[i].name, name) != 0)
		i++;
	if (i == sizeof actions / sizeof actions[0])
		return fail(ps, aw, "unknown action \"%s\"", name);

	char ew[WHERE_MAX];
	const char *ewp = where ? at(ew, "%s.%s", where, ekey) : ekey;
	json_t *e = get(obj, ekey);
	uint64_t errnum = EPERM; /* runc's default for ERRNO and TRACE */
	if (e && !actions[i].takes_errno)
		return fail(ps, ewp, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not %s",
			    name);
	if (e && !get_uint(ps, e, ewp, SC_MAX_ERRNO_RET, &errnum))
		return false;
	/* a name beside an action that takes none: containers/common writes
	 * "errno" on no other, and the runtimes drop it; so do we */
	if (actions[i].takes_errno && !errno_name_key(ps, obj, where, nkey, e != NULL, &errnum))
		return false;
	*out = actions[i].action | (actions[i].takes_errno ? (uint32_t)errnum : 0);
	return true;
}

/* ---- architectures ----------------------------------------------------- */

static bool add_arch(struct parse *ps, uint32_t tok, const char *where)
{
	struct sc_profile *p = ps->p;
	for (unsigned i = 0; i < p->narches; i++)
		if (p->arches[i] == tok)
			return true;
	if (p->narches == SC_MAX_ARCHES)
		return fail(ps, where, "too many architectures");
	p->arches[p->narches++] = tok;
	return true;
}

/* "SCMP_ARCH_X86_64" -> the token libseccomp knows as "x86_64" */
static bool arch_token(struct parse *ps, json_t *v, const char *where, uint32_t *tok)
{
	if (!want(ps, v, JSON_STRING, "an SCMP_ARCH_* string", where))
		return false;
	const char *s = json_string_value(v);
	static const char pfx[] = "SCMP_ARCH_";
	char lower[32];
	size_t n = strlen(s);
	if (strncmp(s, pfx, sizeof pfx - 1) != 0 || n - (sizeof pfx - 1) >= sizeof lower)
		return fail(ps, where, "unknown architecture \"%s\"", s);
	for (size_t i = sizeof pfx - 1; i <= n; i++)
		lower[i - (sizeof pfx - 1)] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	*tok = seccomp_arch_resolve_name(lower);
	if (*tok == 0)
		return fail(ps, where, "unknown architecture \"%s\"", s);
	return true;
}

static bool parse_arch_list(struct parse *ps, json_t *list, const char *where, bool add)
{
	char w[WHERE_MAX];
	size_t i;
	json_t *v;
	if (!want(ps, list, JSON_ARRAY, "an array of SCMP_ARCH_* strings", where))
		return false;
	json_array_foreach(list, i, v) {
		uint32_t tok;
		if (!arch_token(ps, v, at(w, "%s[%zu]", where, i), &tok))
			return false;
		if (add && !add_arch(ps, tok, w))
			return false;
	}
	return true;
}

/* Docker: only the entry for the native arch counts, with its sub-arches;
 * the others are still checked so a typo shows on any host. */
static bool parse_arch_map_entry(struct parse *ps, json_t *e, const char *where)
{
	static const char *const keys[] = {"architecture", "subArchitectures", NULL};
	char w[WHERE_MAX];
	uint32_t tok;
	if (!want(ps, e, JSON_OBJECT, "an object", where) || !check_keys(ps, e, where, keys, NULL))
		return false;
	json_t *a = get(e, "architecture");
	if (!a)
		return fail(ps, at(w, "%s.architecture", where), "missing (required)");
	if (!arch_token(ps, a, at(w, "%s.architecture", where), &tok))
		return false;
	bool native = tok == seccomp_arch_native();
	if (native && !add_arch(ps, tok, w))
		return false;
	json_t *subs = get(e, "subArchitectures");
	return !subs || parse_arch_list(ps, subs, at(w, "%s.subArchitectures", where), native);
}

static bool parse_arches(struct parse *ps, json_t *root)
{
	json_t *list = get(root, "architectures");
	json_t *map = get(root, "archMap");
	if (list && map && json_array_size(list) && json_array_size(map))
		return fail(ps, "archMap", "give either architectures or archMap, not both");
	if (list && !parse_arch_list(ps, list, "architectures", true))
		return false;
	if (!map)
		return true;
	if (!want(ps, map, JSON_ARRAY, "an array", "archMap"))
		return false;
	char w[WHERE_MAX];
	size_t i;
	json_t *e;
	json_array_foreach(map, i, e)
		if (!parse_arch_map_entry(ps, e, at(w, "archMap[%zu]", i)))
			return false;
	return true;
}

/* ---- flags ------------------------------------------------------------- */

static bool parse_flags(struct parse *ps, json_t *root)
{
	static const struct {
		const char *name;
		unsigned flag;
	} map[] = {
		{"SECCOMP_FILTER_FLAG_TSYNC", SC_FLAG_TSYNC},
		{"SECCOMP_FILTER_FLAG_LOG", SC_FLAG_LOG},
		{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SC_FLAG_SPEC_ALLOW},
	};
	json_t *flags = get(root, "flags");
	if (!flags)
		return true;
	if (!want(ps, flags, JSON_ARRAY, "an array of SECCOMP_FILTER_FLAG_* strings", "flags"))
		return false;
	char w[WHERE_MAX];
	size_t i;
	json_t *v;
	json_array_foreach(flags, i, v) {
		if (!want(ps, v, JSON_STRING, "a string", at(w, "flags[%zu]", i)))
			return false;
		size_t k = 0;
		while (k < sizeof map / sizeof map[0] && strcmp(map[k].name, json_string_value(v)))
			k++;
		if (k == sizeof map / sizeof map[0])
			return fail(ps, w, "unknown or unsupported flag \"%s\"", json_string_value(v));
		ps->p->flags |= map[k].flag;
	}
	return true;
}

/* ---- Docker includes / excludes ---------------------------------------- */

static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

static int cap_number(const char *name)
{
	for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* What one includes/excludes block says about this host. */
struct cond_hits {
	bool arch_listed, arch_hit;     /* arches given / native among them */
	bool caps_listed, all_caps, any_cap;
	bool kernel_listed, kernel_ge;
};

static bool parse_arch_filter(struct parse *ps, json_t *arches, const char *where,
			      struct cond_hits *h)
{
	char w[WHERE_MAX];
	size_t i;
	json_t *v;
	if (!want(ps, arches, JSON_ARRAY, "an array of arch names", where))
		return false;
	json_array_foreach(arches, i, v) {
		if (!want(ps, v, JSON_STRING, "a string", at(w, "%s[%zu]", where, i)))
			return false;
		h->arch_listed = true;
		if (ps->native_goarch && strcmp(json_string_value(v), ps->native_goarch) == 0)
			h->arch_hit = true;
	}
	return true;
}

static bool parse_cap_filter(struct parse *ps, json_t *caps, const char *where,
			     struct cond_hits *h)
{
	char w[WHERE_MAX];
	size_t i;
	json_t *v;
	if (!want(ps, caps, JSON_ARRAY, "an array of CAP_* names", where))
		return false;
	h->all_caps = true;
	json_array_foreach(caps, i, v) {
		if (!want(ps, v, JSON_STRING, "a string", at(w, "%s[%zu]", where, i)))
			return false;
		int n = cap_number(json_string_value(v));
		if (n < 0)
			return fail(ps, w, "unknown capability \"%s\"", json_string_value(v));
		bool held = (ps->env->caps >> n) & 1;
		h->caps_listed = true;
		h->all_caps &= held;
		h->any_cap |= held;
	}
	return true;
}

/* Docker's minKernel is "<kernel>.<major>", e.g. "4.8" */
static bool parse_kernel_filter(struct parse *ps, json_t *v, const char *where,
				struct cond_hits *h)
{
	if (!want(ps, v, JSON_STRING, "a \"X.Y\" string", where))
		return false;
	unsigned maj, min;
	int end = 0;
	const char *s = json_string_value(v);
	if (sscanf(s, "%u.%u%n", &maj, &min, &end) != 2 || s[end] != '\0')
		return fail(ps, where, "invalid kernel version \"%s\", expected \"X.Y\"", s);
	h->kernel_listed = true;
	h->kernel_ge = ps->env->kernel_major > maj ||
		       (ps->env->kernel_major == maj && ps->env->kernel_minor >= min);
	return true;
}

static bool parse_cond_block(struct parse *ps, json_t *blk, const char *where,
			     struct cond_hits *h)
{
	static const char *const keys[] = {"arches", "caps", "minKernel", NULL};
	char w[WHERE_MAX];
	json_t *v;
	if (!want(ps, blk, JSON_OBJECT, "an object", where) || !check_keys(ps, blk, where, keys, NULL))
		return false;
	if ((v = get(blk, "arches")) && !parse_arch_filter(ps, v, at(w, "%s.arches", where), h))
		return false;
	if ((v = get(blk, "caps")) && !parse_cap_filter(ps, v, at(w, "%s.caps", where), h))
		return false;
	if ((v = get(blk, "minKernel")) &&
	    !parse_kernel_filter(ps, v, at(w, "%s.minKernel", where), h))
		return false;
	return true;
}

/* As moby's profiles/seccomp: an entry is dropped when any excludes
 * condition holds, or any includes condition does not. */
static bool applies(struct parse *ps, json_t *call, const char *where, bool *keep)
{
	char w[WHERE_MAX];
	struct cond_hits in = {0}, ex = {0};
	json_t *v;
	if ((v = get(call, "includes")) && !parse_cond_block(ps, v, at(w, "%s.includes", where), &in))
		return false;
	if ((v = get(call, "excludes")) && !parse_cond_block(ps, v, at(w, "%s.excludes", where), &ex))
		return false;
	bool drop = (ex.arch_listed && ex.arch_hit) || (ex.caps_listed && ex.any_cap) ||
		    (ex.kernel_listed && ex.kernel_ge) || (in.arch_listed && !in.arch_hit) ||
		    (in.caps_listed && !in.all_caps) || (in.kernel_listed && !in.kernel_ge);
	*keep = !drop;
	return true;
}

/* ---- syscall entries ----------------------------------------------------- */

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

struct entry {
	uint32_t action;
	unsigned ncond;
	struct sc_cond cond[SC_MAX_CONDS];
};

static bool parse_op(struct parse *ps, json_t *arg, const char *where, enum scmp_compare *op)
{
	char w[WHERE_MAX];
	json_t *v = get(arg, "op");
	at(w, "%s.op", where);
	if (!v)
		return fail(ps, w, "missing (required)");
	if (!want(ps, v, JSON_STRING, "an SCMP_CMP_* string", w))
		return false;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (strcmp(ops[i].name, json_string_value(v)) == 0) {
			*op = ops[i].op;
			return true;
		}
	}
	return fail(ps, w, "unknown operator \"%s\"", json_string_value(v));
}

static bool parse_arg(struct parse *ps, json_t *arg, const char *where, struct sc_cond *c)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
	char w[WHERE_MAX];
	uint64_t index;
	json_t *v;
	if (!want(ps, arg, JSON_OBJECT, "an object", where) || !check_keys(ps, arg, where, keys, NULL))
		return false;
	if (!(v = get(arg, "index")))
		return fail(ps, at(w, "%s.index", where), "missing (required)");
	if (!get_uint(ps, v, at(w, "%s.index", where), SC_MAX_ARGS - 1, &index))
		return false;
	c->index = (unsigned)index;
	/* jansson integers are signed 64-bit: a value >= 2^63 already failed
	 * to parse, with its position */
	if (!(v = get(arg, "value")))
		return fail(ps, at(w, "%s.value", where), "missing (required)");
	if (!get_uint(ps, v, at(w, "%s.value", where), INT64_MAX, &c->value))
		return false;
	c->value_two = 0;
	if ((v = get(arg, "valueTwo")) &&
	    !get_uint(ps, v, at(w, "%s.valueTwo", where), INT64_MAX, &c->value_two))
		return false;
	return parse_op(ps, arg, where, &c->op);
}

static bool parse_args(struct parse *ps, json_t *call, const char *where, struct entry *e)
{
	char w[WHERE_MAX];
	json_t *args = get(call, "args"), *a;
	size_t i;
	e->ncond = 0;
	if (!args)
		return true;
	if (!want(ps, args, JSON_ARRAY, "an array", at(w, "%s.args", where)))
		return false;
	if (json_array_size(args) > SC_MAX_CONDS)
		return fail(ps, w, "more than %d conditions", SC_MAX_CONDS);
	json_array_foreach(args, i, a)
		if (!parse_arg(ps, a, at(w, "%s.args[%zu]", where, i), &e->cond[e->ncond++]))
			return false;
	return true;
}

static bool conditions_within_bounds(struct parse *ps, const struct sc_rule *r)
{
	const struct sc_profile *p = ps->p;
	size_t total = r->ncond, same = r->ncond;
	for (size_t i = 0; i < p->nrules; i++) {
		total += p->rules[i].ncond;
		if (p->rules[i].nr == r->nr)
			same += p->rules[i].ncond;
	}
	char w[WHERE_MAX];
	at(w, "syscalls[%u]", r->call);
	if (same > SC_MAX_CONDS_PER_SYSCALL)
		return fail(ps, w, "more than %d conditions on one syscall, summed over its rules",
			    SC_MAX_CONDS_PER_SYSCALL);
	if (total > SC_MAX_CONDS_TOTAL)
		return fail(ps, w, "more than %d conditions in all", SC_MAX_CONDS_TOTAL);
	return true;
}

static bool push_rule(struct parse *ps, const struct sc_rule *r)
{
	struct sc_profile *p = ps->p;
	if (p->nrules == SC_MAX_RULES) {
		char w[WHERE_MAX];
		return fail(ps, at(w, "syscalls[%u]", r->call),
			    "more than %d rules (names, and conditions on one argument, count one each)",
			    SC_MAX_RULES);
	}
	if (r->ncond && !conditions_within_bounds(ps, r))
		return false;
	if (p->nrules == p->caprules) {
		size_t cap = p->caprules ? 2 * p->caprules : 64;
		struct sc_rule *n = realloc(p->rules, cap * sizeof *n);
		if (!n)
			return fail(ps, NULL, "out of memory");
		p->rules = n;
		p->caprules = cap;
	}
	p->rules[p->nrules++] = *r;
	return true;
}

static bool repeats_an_index(const struct entry *e)
{
	unsigned seen = 0;
	for (unsigned i = 0; i < e->ncond; i++) {
		if (seen & (1u << e->cond[i].index))
			return true;
		seen |= 1u << e->cond[i].index;
	}
	return false;
}

/* runc's matchCall: libseccomp refuses two comparisons on one argument in
 * a rule, so runc then adds each condition as a rule of its own (OR, not
 * AND). Mirrored, so the prediction is what a container gets. */
static bool add_rules(struct parse *ps, const struct entry *e, int nr, unsigned call,
		      unsigned name)
{
	struct sc_rule r = {.nr = nr, .action = e->action, .call = call, .name = name};
	/* runc skips these; libseccomp would refuse them with EACCES */
	if (e->action == ps->p->def_action)
		return true;
	if (!repeats_an_index(e)) {
		r.ncond = e->ncond;
		memcpy(r.cond, e->cond, e->ncond * sizeof e->cond[0]);
		return push_rule(ps, &r);
	}
	r.ncond = 1;
	for (unsigned i = 0; i < e->ncond; i++) {
		r.cond[0] = e->cond[i];
		if (!push_rule(ps, &r))
			return false;
	}
	return true;
}

static bool add_name(struct parse *ps, const struct entry *e, json_t *v, const char *where,
		     unsigned call, unsigned name)
{
	if (!want(ps, v, JSON_STRING, "a syscall name string", where))
		return false;
	/* a name libseccomp knows only for another arch resolves to a negative
	 * pseudo number, which it skips per arch.  A name it does not know at
	 * all (newer than it: containerd's and Moby's current lists have
	 * mseal, futex_wake, listmount, ...) is skipped by runc and crun too,
	 * so the filter they load lacks it: warned, and refused by --strict,
	 * where a misspelt name ("vmsplicee") is an error */
	int nr = seccomp_syscall_resolve_name(json_string_value(v));
	if (nr == __NR_SCMP_ERROR) {
		if (ps->strict)
			return fail(ps, where, "unknown syscall \"%s\" (--strict)", json_string_value(v));
		const struct scmp_version *lv = seccomp_version();
		warn(ps, where, "unknown syscall \"%s\" (libseccomp %u.%u.%u does not know it), ignored as runc and crun ignore it",
		     json_string_value(v), lv->major, lv->minor, lv->micro);
		return true;
	}
	return add_rules(ps, e, nr, call, name);
}

static bool parse_names(struct parse *ps, json_t *call, const char *where, const struct entry *e,
			unsigned ci)
{
	char w[WHERE_MAX];
	json_t *names = get(call, "names"), *one = get(call, "name"), *v;
	size_t i;
	if (names && one)
		return fail(ps, where, "give either name or names, not both");
	if (one)
		return add_name(ps, e, one, at(w, "%s.name", where), ci, 0);
	at(w, "%s.names", where);
	if (!names)
		return fail(ps, w, "missing (required)");
	if (!want(ps, names, JSON_ARRAY, "an array of syscall names", w))
		return false;
	if (json_array_size(names) == 0)
		return fail(ps, w, "empty");
	json_array_foreach(names, i, v)
		if (!add_name(ps, e, v, at(w, "%s.names[%zu]", where, i), ci, (unsigned)i))
			return false;
	return true;
}

static bool parse_call(struct parse *ps, json_t *call, unsigned ci)
{
	static const char *const keys[] = {"names", "action", "errnoRet", "args", NULL};
	static const char *const docker[] = {"name", "comment", "includes", "excludes", "errno", NULL};
	char w[WHERE_MAX];
	const char *where = at(w, "syscalls[%u]", ci);
	struct entry e;
	bool keep = true;
	if (!want(ps, call, JSON_OBJECT, "an object", where) ||
	    !check_keys(ps, call, where, keys, docker))
		return false;
	if (!parse_action(ps, call, where, "action", "errnoRet", "errno", &e.action) ||
	    !parse_args(ps, call, where, &e) || !applies(ps, call, where, &keep))
		return false;
	if (!keep) {
		/* names still resolved, so a typo fails on every host; the
		 * rules are dropped again below */
		size_t before = ps->p->nrules;
		bool ok = parse_names(ps, call, where, &e, ci);
		ps->p->nrules = before;
		return ok;
	}
	return parse_names(ps, call, where, &e, ci);
}

static bool parse_syscalls(struct parse *ps, json_t *root)
{
	json_t *calls = get(root, "syscalls"), *c;
	size_t i;
	if (!calls)
		return true;
	if (!want(ps, calls, JSON_ARRAY, "an array", "syscalls"))
		return false;
	json_array_foreach(calls, i, c)
		if (!parse_call(ps, c, (unsigned)i))
			return false;
	return true;
}

/* ---- whole profile ------------------------------------------------------- */

static const char *goarch_of(uint32_t tok)
{
	static const struct {
		uint32_t tok;
		const char *go;
	} map[] = {
		{SCMP_ARCH_X86_64, "amd64"}, {SCMP_ARCH_X86, "386"},
		{SCMP_ARCH_AARCH64, "arm64"}, {SCMP_ARCH_ARM, "arm"},
		{SCMP_ARCH_PPC64LE, "ppc64le"}, {SCMP_ARCH_PPC64, "ppc64"},
		{SCMP_ARCH_S390X, "s390x"}, {SCMP_ARCH_S390, "s390"},
		{SCMP_ARCH_RISCV64, "riscv64"}, {SCMP_ARCH_MIPS64, "mips64"},
		{SCMP_ARCH_MIPSEL64, "mips64le"}, {SCMP_ARCH_MIPS, "mips"},
		{SCMP_ARCH_MIPSEL, "mipsle"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].tok == tok)
			return map[i].go;
	return NULL;
}

/* A config.json (it has "linux" or "ociVersion") holds the profile at
 * .linux.seccomp; anything else is a bare profile. */
static json_t *find_seccomp(struct parse *ps, json_t *root)
{
	if (!json_object_get(root, "linux") && !json_object_get(root, "ociVersion"))
		return root;
	ps->oci_only = true;
	json_t *lx = get(root, "linux");
	if (!lx)
		return fail(ps, "linux", "missing: a config.json without a seccomp profile"), NULL;
	if (!want(ps, lx, JSON_OBJECT, "an object", "linux"))
		return NULL;
	json_t *sec = get(lx, "seccomp");
	if (!sec)
		return fail(ps, "linux.seccomp", "missing: a config.json without a seccomp profile"),
		       NULL;
	if (!want(ps, sec, JSON_OBJECT, "an object", "linux.seccomp"))
		return NULL;
	ps->prefix = "linux.seccomp.";
	return sec;
}

static bool parse_top(struct parse *ps, json_t *sec)
{
	static const char *const keys[] = {"defaultAction", "defaultErrnoRet", "architectures",
					   "flags", "syscalls", NULL};
	static const char *const docker[] = {"archMap", "defaultErrno", NULL};
	if (json_object_get(sec, "listenerPath") || json_object_get(sec, "listenerMetadata"))
		return fail(ps, "listenerPath", "a notify listener is not supported");
	return check_keys(ps, sec, NULL, keys, docker) &&
	       parse_action(ps, sec, NULL, "defaultAction", "defaultErrnoRet", "defaultErrno",
			    &ps->p->def_action) &&
	       parse_arches(ps, sec) && parse_flags(ps, sec) && parse_syscalls(ps, sec);
}

/* Looks up the name a rule came from, for libseccomp's refusals. */
static const char *rule_name(json_t *sec, const struct sc_rule *r)
{
	json_t *call = json_array_get(json_object_get(sec, "syscalls"), r->call);
	json_t *names = json_object_get(call, "names");
	json_t *v = names ? json_array_get(names, r->name) : json_object_get(call, "name");
	return json_is_string(v) ? json_string_value(v) : "?";
}

/* KILL_PROCESS and LOG need libseccomp API level 3, which it only reports
 * when the seccomp(2) syscall works (not under valgrind 3.19, for one);
 * so do the LOG and SPEC_ALLOW filter flags. The bare EINVAL or
 * EOPNOTSUPP would not say so. */
static bool needs_api3(uint32_t action)
{
	return action == SCMP_ACT_KILL_PROCESS || action == SCMP_ACT_LOG;
}

static const char *api_hint(bool needs3)
{
	return needs3 && seccomp_api_get() < 3
		       ? " (needs libseccomp API level 3, i.e. a working seccomp(2) syscall)"
		       : "";
}

static bool compile(struct parse *ps, json_t *sec)
{
	struct sc_profile *p = ps->p;
	size_t bad;
	int rc = sc_filter_compile(p, &bad);
	if (rc == -ETIMEDOUT)
		return fail(ps, NULL, "libseccomp did not finish building the filter in %d s (libseccomp 2.5.4 "
			    "loops on some rules for one syscall)", SC_BUILD_TIMEOUT_MS / 1000);
	if (rc < 0 && bad != SIZE_MAX) {
		char w[WHERE_MAX];
		const struct sc_rule *r = &p->rules[bad];
		return fail(ps, at(w, "syscalls[%u]", r->call), "libseccomp refused the rule for %s: %s%s",
			    rule_name(sec, r), strerror(-rc), api_hint(needs_api3(r->action)));
	}
	if (rc == -EINVAL || rc == -EOPNOTSUPP)
		return fail(ps, NULL, "libseccomp could not set up the filter: %s%s", strerror(-rc),
			    api_hint(needs_api3(p->def_action) || (p->flags & ~SC_FLAG_TSYNC)));
	if (rc < 0)
		return fail(ps, NULL, "building the filter with libseccomp: %s", strerror(-rc));
	if (p->nprog > BPF_MAXINSNS)
		return fail(ps, NULL, "the filter is %zu BPF instructions; the kernel loads at most %d",
			    p->nprog, BPF_MAXINSNS);
	const char *why = sc_bpf_check(p->prog, p->nprog);
	if (why)
		return fail(ps, NULL, "libseccomp generated a program this module cannot evaluate: %s",
			    why);
	return true;
}

static struct sc_profile *new_profile(const char *name)
{
	struct sc_profile *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->path = strdup(name);
	if (!p->path) {
		free(p);
		return NULL;
	}
	const char *slash = strrchr(p->path, '/');
	p->display = slash ? slash + 1 : p->path;
	return p;
}

static bool strict_keys;

void sc_profile_set_strict(bool strict)
{
	strict_keys = strict;
}

const char *sc_profile_warnings(const struct sc_profile *p)
{
	return p->warnings;
}

static struct sc_profile *from_json(const char *name, json_t *root, const struct sc_env *env,
				    char *err, size_t errlen)
{
	struct parse ps = {.file = name, .err = err, .errlen = errlen, .env = env, .prefix = "",
			   .strict = strict_keys};
	ps.native_goarch = goarch_of(seccomp_arch_native());
	if (!json_is_object(root)) {
		fail(&ps, NULL, "top level: expected an object, got %s", type_name(root));
		return NULL;
	}
	ps.p = new_profile(name);
	if (!ps.p) {
		fail(&ps, NULL, "out of memory");
		return NULL;
	}
	json_t *sec = find_seccomp(&ps, root);
	if (!sec || !parse_top(&ps, sec) || !compile(&ps, sec)) {
		sc_profile_free(ps.p);
		return NULL;
	}
	return ps.p;
}

static void json_failure(const char *name, const json_error_t *je, char *err, size_t errlen)
{
	if (!err || errlen == 0)
		return;
	if (je->line > 0 && je->column > 0)
		snprintf(err, errlen, "%s:%d:%d: %s", name, je->line, je->column, je->text);
	else if (je->line > 0)
		snprintf(err, errlen, "%s:%d: %s", name, je->line, je->text);
	else
		snprintf(err, errlen, "%s: %s", name, je->text);
}

static struct sc_profile *finish(const char *name, json_t *root, const json_error_t *je,
				 const struct sc_env *env, char *err, size_t errlen)
{
	if (!root) {
		json_failure(name, je, err, errlen);
		return NULL;
	}
	struct sc_env here;
	if (!env) {
		sc_env_current(&here);
		env = &here;
	}
	struct sc_profile *p = from_json(name, root, env, err, errlen);
	json_decref(root);
	return p;
}

/* Duplicate keys are rejected: which one "wins" differs between readers
 * (Go keeps the last), so a duplicate is a profile bug, reported with its
 * position. */
#define SC_JSON_FLAGS JSON_REJECT_DUPLICATES

struct sc_profile *sc_profile_load_env(const char *path, const struct sc_env *env, char *err,
				       size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, SC_JSON_FLAGS, &je);
	return finish(path, root, &je, env, err, errlen);
}

struct sc_profile *sc_profile_parse_env(const char *name, const char *text, size_t len,
					const struct sc_env *env, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, SC_JSON_FLAGS, &je);
	return finish(name, root, &je, env, err, errlen);
}

struct sc_profile *sc_profile_load(const char *path, char *err, size_t errlen)
{
	return sc_profile_load_env(path, NULL, err, errlen);
}

struct sc_profile *sc_profile_parse(const char *name, const char *text, size_t len, char *err,
				    size_t errlen)
{
	return sc_profile_parse_env(name, text, len, NULL, err, errlen);
}

void sc_profile_free(struct sc_profile *p)
{
	if (!p)
		return;
	free(p->rules);
	free(p->prog);
	free(p->warnings);
	free(p->path);
	free(p);
}

const char *sc_profile_name(const struct sc_profile *p)
{
	return p->display;
}

size_t sc_profile_rule_count(const struct sc_profile *p)
{
	return p->nrules;
}

/* ---- environment ----------------------------------------------------------- */

void sc_env_current(struct sc_env *env)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {{0}};
	*env = (struct sc_env){0};
	/* raw capget: no libcap dependency for two words */
	if (syscall(SYS_capget, &hdr, data) == 0)
		env->caps = data[0].effective | (uint64_t)data[1].effective << 32;
	struct utsname u;
	if (uname(&u) == 0 &&
	    sscanf(u.release, "%u.%u", &env->kernel_major, &env->kernel_minor) != 2)
		env->kernel_major = env->kernel_minor = 0;
}

/* ---- prediction ---------------------------------------------------------- */

static struct sc_verdict verdict_of(uint32_t ret)
{
	uint32_t data = ret & SECCOMP_RET_DATA;
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW: return (struct sc_verdict){SC_ALLOW, 0};
	case SECCOMP_RET_LOG: return (struct sc_verdict){SC_LOG, 0};
	case SECCOMP_RET_ERRNO:
		/* the kernel caps the data at MAX_ERRNO */
		return (struct sc_verdict){SC_ERRNO, data > SC_MAX_ERRNO ? SC_MAX_ERRNO : (int)data};
	case SECCOMP_RET_TRACE: return (struct sc_verdict){SC_TRACE, ENOSYS};
	case SECCOMP_RET_TRAP: return (struct sc_verdict){SC_TRAP, 0};
	case SECCOMP_RET_KILL_THREAD: return (struct sc_verdict){SC_KILL_THREAD, 0};
	}
	/* KILL_PROCESS, and any value the kernel does not know, which it
	 * treats as KILL_PROCESS */
	return (struct sc_verdict){SC_KILL_PROCESS, 0};
}

struct sc_verdict sc_profile_predict(const struct sc_profile *p, long nr,
				     const unsigned long long args[6])
{
	struct seccomp_data d = {.nr = (int)nr, .arch = seccomp_arch_native()};
	for (int i = 0; args && i < 6; i++)
		d.args[i] = args[i];
	return verdict_of(sc_bpf_run(p->prog, p->nprog, &d));
}

static bool same_verdict(struct sc_verdict a, struct sc_verdict b)
{
	return a.action == b.action && a.err == b.err;
}

/* A rule compares an argument with constants (libseccomp's ops; the BPF
 * it generates makes the same comparisons), so between them the verdict
 * cannot change: one value on each side of every constant, and the ends,
 * stand for the whole range.  A masked comparison has no such sides: then
 * the answer is "not one verdict" unless the range is one value. */
bool sc_profile_predict_range(const struct sc_profile *p, long nr, const unsigned long long args[6], unsigned idx,
			      unsigned long long lo, unsigned long long hi, struct sc_verdict *v)
{
	unsigned long long a[6] = {0};
	for (int i = 0; args && i < 6; i++)
		a[i] = args[i];
	if (idx >= 6 || lo > hi)
		return false;
	a[idx] = lo;
	*v = sc_profile_predict(p, nr, a);
	for (size_t r = 0; r < p->nrules; r++) {
		const struct sc_rule *rule = &p->rules[r];
		if (rule->nr != nr)
			continue;
		for (unsigned c = 0; c < rule->ncond; c++) {
			const struct sc_cond *cond = &rule->cond[c];
			if (cond->index != idx)
				continue;
			if (cond->op == SCMP_CMP_MASKED_EQ) {
				if (lo != hi)
					return false;
				continue;
			}
			unsigned long long k = cond->value;
			unsigned long long probe[3] = {k - 1, k, k + 1};
			for (int j = 0; j < 3; j++) {
				if ((j == 0 && k == 0) || (j == 2 && k == ~0ULL) || probe[j] < lo || probe[j] > hi)
					continue;
				a[idx] = probe[j];
				if (!same_verdict(*v, sc_profile_predict(p, nr, a)))
					return false;
			}
		}
	}
	a[idx] = hi;
	return same_verdict(*v, sc_profile_predict(p, nr, a));
}

const char *sc_action_name(enum sc_action a)
{
	static const char *const names[] = {
		[SC_ALLOW] = "allow", [SC_ERRNO] = "errno", [SC_KILL_PROCESS] = "kill-process",
		[SC_KILL_THREAD] = "kill-thread", [SC_TRAP] = "trap", [SC_TRACE] = "trace",
		[SC_LOG] = "log",
	};
	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

const char *sc_verdict_str(struct sc_verdict v, char *buf, size_t len)
{
	const char *s = NULL;
	switch (v.action) {
	case SC_ALLOW: case SC_LOG: s = "allow"; break;
	case SC_KILL_PROCESS: case SC_KILL_THREAD: case SC_TRAP: s = "SIGSYS"; break;
	case SC_TRACE: case SC_ERRNO:
		if (v.err == 0)
			s = "0";
#ifdef __GLIBC__
		else
			s = strerrorname_np(v.err);
#endif
		break;
	}
	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "errno %d", v.err);
	return buf;
}
