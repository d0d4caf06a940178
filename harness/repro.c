/* The reproducer generator.  It walks a parsed case (struct tcase) and
 * writes one C file: the runtime verbatim (rt.h and harness/rt_*.c, the
 * same code the harness runs, embedded at build time as rt_sources), then
 * the case: a call to the kind's maker in the runtime per fixture (with
 * the arguments kinds.c maps its options to) and per step the C its
 * calls.c entry gives.  So a new kind or call needs no code here; the
 * test that reproduces every case (tests/test_repro.py) fails on one
 * that a reproducer cannot write.
 *
 * The program keeps the harness's shape (rt_repro.c), so its outcomes are
 * the harness's: the case runs in a child process, the parent is the
 * watchdog, signals are recorded as the harness records them, outcomes
 * are spelt canonically. */
#include "repro.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "calls.h"
#include "kinds.h"
#include "lex.h"
#include "names.h"
#include "source.h"

/* The runtime's files, in the order a reproducer carries them
 * (build/rt_embedded.c, from rt_sources in build.ninja). */
extern const struct embedded_file rt_sources[];
extern const size_t rt_sources_count;

struct gen {
	const struct tcase *c;
	struct sbuf body; /* run_case's statements */
	/* a case with actors: its fixtures live at file scope (decl), where
	 * the actors' steps (funcs, one function each, run through the
	 * switch in items) see them too */
	bool shared;
	struct sbuf decl, funcs, items;
	char **var;       /* per fixture, per end: its C variable */
	bool *var_used;   /* ... and whether a step uses it */
	bool in_step;
	struct diag *d;
	bool ok;
};

/* Text for a C comment: never ends it early nor opens another. */
static void comment_text(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		sb_putc(b, *s);
		if ((s[0] == '*' && s[1] == '/') || (s[0] == '/' && s[1] == '*'))
			sb_putc(b, ' ');
	}
}

/* A C string literal of any bytes: octal escapes (at most three digits,
 * so a following digit cannot extend them), and no trigraphs. */
static void c_quote(struct sbuf *b, const unsigned char *p, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(b, "\\n");
		else if (ch == '\t')
			sb_puts(b, "\\t");
		else if (ch < 0x20 || ch >= 0x7f || (ch == '?' && i && p[i - 1] == '?'))
			sb_printf(b, "\\%03o", ch);
		else
			sb_putc(b, (char)ch);
	}
	sb_putc(b, '"');
}

static void c_quote_str(struct sbuf *b, const char *s) { c_quote(b, (const unsigned char *)s, strlen(s)); }

/* A number as a C expression: plain when it fits an int, else in hex with
 * a cast to the parameter's type (so that no conversion warns). */
static void c_num(struct sbuf *b, unsigned long long v, const char *ctype)
{
	long long sv = (long long)v;
	if (sv >= INT_MIN && sv <= INT_MAX)
		sb_printf(b, "%lld", sv);
	else if (ctype)
		sb_printf(b, "(%s)%#llxULL", ctype, v);
	else
		sb_printf(b, "%#llxULL", v);
}

/* Names a fixture's variable must not take: C's keywords, and the C
 * library's functions and the names the generated code itself uses.
 * The runtime's names all start with rt_ or sigrec_ (see var_name). */
static const char *const reserved[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
	"float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
	"sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "r",
	"i", "n", "iov", "pattern", "buf", "errno", "main", "close", "read", "write", "pread", "pwrite", "lseek",
	"fcntl", "splice", "vmsplice", "tee", "shutdown", "ftruncate", "pwritev2", "open", "raise", "getpid",
	"calloc", "memset", "memcpy", "data", "step", "NULL", "loff_t", "size_t", "off_t", "stdin", "stdout",
	"stderr", "errno_names", "signal_names", "expected", "call_text", "run_case", "the_case", "bool", "true",
	"false",
};

/* The C variable of fixture i's end e: NAME or NAME_END (p_r, p_w), made
 * a valid identifier that no name the program uses is shadowed by; its
 * struct rt_fixture is that name + "_fx" (p_fx). */
static char *var_name(const struct fixture *f, int e)
{
	struct sbuf b = {0};
	for (const char *p = f->name; *p; p++)
		sb_putc(&b, *p == '-' ? '_' : *p);
	if (f->kind->ends[0])
		sb_printf(&b, "_%s", f->kind->ends[e]);
	bool clash = b.s[0] >= '0' && b.s[0] <= '9';
	for (size_t i = 0; i < ARRAY_LEN(reserved) && !clash; i++)
		clash = strcmp(b.s, reserved[i]) == 0;
	clash |= strncmp(b.s, "rt_", 3) == 0 || strncmp(b.s, "sigrec_", 7) == 0 || strncmp(b.s, "RT_", 3) == 0;
	/* the actor, stream and huge-page runtimes' names */
	clash |= strncmp(b.s, "actor", 5) == 0 || strncmp(b.s, "stream_", 7) == 0 || strncmp(b.s, "task_", 5) == 0 ||
		 strncmp(b.s, "thp_", 4) == 0 || strncmp(b.s, "step_", 5) == 0;
	size_t len = strlen(b.s);
	clash |= len >= 3 && strcmp(b.s + len - 3, "_fx") == 0;
	/* the names a step's block declares: off3, data2 */
	size_t digits = strspn(b.s + strcspn(b.s, "0123456789"), "0123456789");
	clash |= (strncmp(b.s, "off", 3) == 0 || strncmp(b.s, "data", 4) == 0) && digits &&
		 !b.s[strcspn(b.s, "0123456789") + digits];
	if (!clash)
		return b.s;
	char *v = xasprintf("fx_%s", b.s);
	sb_free(&b);
	return v;
}

static const char *V(struct gen *g, int fixture, int end)
{
	if (g->in_step)
		g->var_used[fixture * MAX_ENDS + end] = true;
	return g->var[fixture * MAX_ENDS + end];
}

/* ---- fixtures: a call to the kind's maker ---- */

static void c_char(struct sbuf *b, int ch)
{
	if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\')
		sb_printf(b, "'%c'", ch);
	else
		sb_printf(b, "%d", ch);
}

/* Flags by name where they have one: O_ flags (pipe2's O_EXCL is
 * O_NOTIFICATION_PIPE), PROT_ flags, socket types. */
static void open_flags_text(struct sbuf *b, int flags)
{
	static const struct name_val fl[] = {
		{"O_APPEND", O_APPEND}, {"O_DIRECT", O_DIRECT}, {"O_NONBLOCK", O_NONBLOCK}, {"O_EXCL", O_EXCL},
		{"O_CLOEXEC", O_CLOEXEC}, {"O_DIRECTORY", O_DIRECTORY}, {"O_PATH", O_PATH}, {"O_CREAT", O_CREAT},
		{"O_TRUNC", O_TRUNC}, {"O_NOATIME", O_NOATIME}, {"O_SYNC", O_SYNC},
	};
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_WRONLY | O_RDWR"};
	bool any = (flags & O_ACCMODE) != 0;
	if (any)
		sb_puts(b, acc[flags & O_ACCMODE]);
	flags &= ~O_ACCMODE;
	for (size_t i = 0; i < ARRAY_LEN(fl); i++) {
		if ((flags & (int)fl[i].val) == (int)fl[i].val) {
			sb_printf(b, "%s%s", any ? " | " : "", fl[i].name);
			flags &= ~(int)fl[i].val;
			any = true;
		}
	}
	if (flags || !any)
		sb_printf(b, "%s%#x", any ? " | " : "", (unsigned)flags);
}

static void prot_text(struct sbuf *b, int prot)
{
	if (prot == PROT_NONE)
		sb_puts(b, "PROT_NONE");
	else
		sb_printf(b, "%s%s%s", prot & PROT_READ ? "PROT_READ" : "", (prot & PROT_READ) && (prot & PROT_WRITE) ? " | " : "",
			  prot & PROT_WRITE ? "PROT_WRITE" : "");
}

static void name_or_number(struct sbuf *b, const struct name_val *v, size_t n, int value)
{
	for (size_t i = 0; i < n; i++) {
		if ((int)v[i].val == value) {
			sb_puts(b, v[i].name);
			return;
		}
	}
	sb_printf(b, "%d", value);
}

static void socket_type_text(struct sbuf *b, int type)
{
	static const struct name_val types[] = {
		{"SOCK_STREAM", SOCK_STREAM}, {"SOCK_DGRAM", SOCK_DGRAM}, {"SOCK_SEQPACKET", SOCK_SEQPACKET},
		{"SOCK_RAW", SOCK_RAW},
	};
	name_or_number(b, types, ARRAY_LEN(types), type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC));
	if (type & SOCK_NONBLOCK)
		sb_puts(b, " | SOCK_NONBLOCK");
	if (type & SOCK_CLOEXEC)
		sb_puts(b, " | SOCK_CLOEXEC");
}

static void domain_text(struct sbuf *b, int domain)
{
	static const struct name_val domains[] = {
		{"AF_UNIX", AF_UNIX}, {"AF_INET", AF_INET}, {"AF_INET6", AF_INET6}, {"AF_NETLINK", AF_NETLINK},
		{"AF_VSOCK", AF_VSOCK}, {"AF_PACKET", AF_PACKET},
	};
	name_or_number(b, domains, ARRAY_LEN(domains), domain);
}

/* RT_END(0) | RT_END(1) /\* r, w *\/ */
static void ends_text(struct sbuf *b, const struct kind *k, unsigned mask)
{
	bool first = true;
	for (int i = 0; i < MAX_ENDS; i++) {
		if (mask & RT_END(i)) {
			sb_printf(b, "%sRT_END(%d)", first ? "" : " | ", i);
			first = false;
		}
	}
	sb_puts(b, " /* ");
	first = true;
	for (int i = 0; i < MAX_ENDS && k->ends[i]; i++) {
		if (mask & RT_END(i)) {
			sb_printf(b, "%s%s", first ? "" : ", ", k->ends[i]);
			first = false;
		}
	}
	sb_puts(b, " */");
}

/* The maker's arguments as a compound literal: the fields that are set. */
static void args_text(struct sbuf *b, const struct fixture *f, const struct kind_args *ka)
{
	const struct rt_fixture_args *a = &ka->rt;
	struct sbuf in = {0};
	if (ka->in_tmpfs) {
		sb_puts(&in, ".path = rt_tmpfs_path(");
		c_quote_str(&in, a->path);
		sb_puts(&in, "), ");
	} else if (a->path) {
		sb_puts(&in, ".path = ");
		c_quote_str(&in, a->path);
		sb_puts(&in, ", ");
	}
	if (a->flags) {
		sb_puts(&in, ".flags = ");
		open_flags_text(&in, a->flags);
		sb_puts(&in, ", ");
	}
	if (a->domain) {
		sb_puts(&in, ".domain = ");
		domain_text(&in, a->domain);
		sb_puts(&in, ", ");
	}
	if (a->type) {
		sb_puts(&in, ".type = ");
		socket_type_text(&in, a->type);
		sb_puts(&in, ", ");
	}
	if (a->protocol)
		sb_printf(&in, ".protocol = %d, ", a->protocol);
	if (a->size)
		sb_printf(&in, ".size = %lld, ", a->size);
	if (a->fill == RT_FULL)
		sb_puts(&in, ".fill = RT_FULL, ");
	else if (a->fill)
		sb_printf(&in, ".fill = %lld, ", a->fill);
	if (a->byte) {
		sb_puts(&in, ".byte = ");
		c_char(&in, a->byte);
		sb_puts(&in, ", ");
	}
	if (a->text) {
		sb_puts(&in, ".text = ");
		c_quote(&in, (const unsigned char *)a->text, a->textlen);
		sb_printf(&in, ", .textlen = %zu, ", a->textlen);
	}
	if (a->count)
		sb_printf(&in, ".count = %u, ", a->count);
	if (a->nonblock) {
		sb_puts(&in, ".nonblock = ");
		ends_text(&in, f->kind, a->nonblock);
		sb_puts(&in, ", ");
	}
	if (a->close) {
		sb_puts(&in, ".close = ");
		ends_text(&in, f->kind, a->close);
		sb_puts(&in, ", ");
	}
	if (a->create)
		sb_printf(&in, ".create = %d, ", a->create);
	if (a->pages)
		sb_printf(&in, ".pages = %zu, ", a->pages);
	if (a->offset)
		sb_printf(&in, ".offset = %zu, ", a->offset);
	if (a->len)
		sb_printf(&in, ".len = %zu, ", a->len);
	if (a->prot || f->kind->role != ROLE_FD) {
		sb_puts(&in, ".prot = ");
		prot_text(&in, a->prot);
		sb_puts(&in, ", ");
	}
	if (a->thp)
		sb_puts(&in, ".thp = 1, ");
	if (a->value) {
		sb_puts(&in, ".value = ");
		c_num(&in, (unsigned long long)a->value, "long long");
		sb_puts(&in, ", ");
	}
	if (in.len >= 2)
		in.s[in.len -= 2] = '\0';
	sb_printf(b, "&(struct rt_fixture_args){%s}", in.s && in.len ? in.s : "0");
	sb_free(&in);
}

static void fixture_source(const struct fixture *f, struct sbuf *b)
{
	sb_printf(b, "%s %s", f->kind->name, f->name);
	if (f->param)
		sb_printf(b, " %s", f->param);
	for (int i = 0; i < f->nopts; i++)
		sb_printf(b, " %s%s%s", f->opts[i].key, *f->opts[i].val ? "=" : "", f->opts[i].val);
}

/* The fixture's struct rt_fixture, the maker's call, then a variable per
 * end (or the buffer's start, or the loff_t's address) for the steps. */
static void gen_fixture(struct gen *g, int fi)
{
	const struct fixture *f = &g->c->fix[fi];
	if (!f->kind->maker) {
		g->ok = !diag_at(g->d, g->c->file, f->line, "repro: the fixture kind '%s' has no maker in the runtime "
				 "(its entry in harness/kinds.c)", f->kind->name);
		return;
	}
	struct sbuf src = {0};
	fixture_source(f, &src);
	sb_puts(&g->body, "\n\t/* ");
	comment_text(&g->body, src.s);
	sb_printf(&g->body, " (%s:%d) */\n", g->c->file, f->line);
	sb_free(&src);
	struct kind_args ka;
	kind_args(f, &ka);
	char *fx = xasprintf("%s_fx", f->kind->ends[0] ? f->name : V(g, fi, 0));
	for (char *p = fx; *p; p++)
		*p = *p == '-' ? '_' : *p;
	if (g->shared) {
		sb_printf(&g->decl, "static struct rt_fixture %s = RT_FIXTURE_INIT;\n", fx);
		sb_printf(&g->body, "\trt_need(%s(", f->kind->maker);
	} else {
		sb_printf(&g->body, "\tstruct rt_fixture %s = RT_FIXTURE_INIT;\n\trt_need(%s(", fx, f->kind->maker);
	}
	args_text(&g->body, f, &ka);
	sb_printf(&g->body, ", &%s));\n", fx);
	kind_args_free(&ka);
	/* with actors the variables are declared at file scope, set here */
	const char *decl_type = f->kind->role == ROLE_BUFFER ? "unsigned char *" :
				f->kind->role == ROLE_OFFSET ? "loff_t *" : "int ";
	struct sbuf *vars = g->shared ? &g->decl : &g->body;
	sb_printf(vars, "%s%s", g->shared ? "static " : "\t", decl_type);
	for (int e = 0; e == 0 || (f->kind->role == ROLE_FD && e < MAX_ENDS && f->kind->ends[e]); e++) {
		const char *field = f->kind->role == ROLE_BUFFER ? "base" : f->kind->role == ROLE_OFFSET ? "off" : "fd";
		if (g->shared) {
			sb_printf(&g->decl, "%s%s", e ? ", " : "", V(g, fi, e));
			sb_printf(&g->body, "\t%s = %s.%s", V(g, fi, e), fx, field);
		} else {
			sb_printf(&g->body, "%s%s = %s.%s", e ? ", " : "", V(g, fi, e), fx, field);
		}
		if (f->kind->role == ROLE_FD)
			sb_printf(&g->body, "[%d]", e);
		if (g->shared)
			sb_puts(&g->body, ";\n");
	}
	sb_puts(vars, ";\n");
	xfree(fx);
}

/* ---- arguments ---- */

/* One step's C: statements before the call (pre), the expressions its
 * raw arguments become (as the harness's arg_resolve makes them), and
 * the variable its read data lands in. */
struct stepgen {
	struct sbuf pre;
	struct sbuf expr[MAX_ARGS * 2];
	const char *exprtype[MAX_ARGS * 2];
	int nexpr;
	bool reads;
};

static void ptr_expr(struct gen *g, const struct ptrref *p, struct sbuf *b)
{
	if (p->buf >= 0) {
		sb_puts(b, V(g, p->buf, 0));
		if (p->add)
			sb_printf(b, " + %llu", p->add);
	} else if (p->addr == 0) {
		sb_puts(b, "NULL");
	} else {
		sb_printf(b, "(void *)%#llxUL", p->addr);
		if (p->special && *p->special)
			sb_printf(b, " /* %s */", p->special);
	}
}

static struct sbuf *next_expr(struct stepgen *sg) { return &sg->expr[sg->nexpr++]; }

static void arg_fd(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	if (a->fd.fixture < 0)
		c_num(next_expr(sg), (unsigned long long)a->fd.literal, "int");
	else
		sb_puts(next_expr(sg), V(g, a->fd.fixture, a->fd.end));
}

static void arg_iov(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	const struct iovspec *v = &a->iov;
	if (v->array_is_ptr) {
		ptr_expr(g, &v->array, next_expr(sg));
		return;
	}
	struct sbuf *pre = &sg->pre;
	if (v->n == 0) {
		sb_puts(pre, "\t\tstruct iovec iov[1] = {{NULL, 0}}; /* an empty list */\n");
		sb_puts(next_expr(sg), "iov");
		return;
	}
	sb_printf(pre, "\t\tstruct iovec %s[] = {", v->repeat == 1 ? "iov" : "pattern");
	for (int i = 0; i < v->n; i++) {
		sb_puts(pre, i ? ", {" : "{");
		ptr_expr(g, &v->v[i].base, pre);
		sb_puts(pre, ", ");
		c_num(pre, v->v[i].len, "size_t");
		sb_putc(pre, '}');
	}
	sb_puts(pre, "};\n");
	if (v->repeat != 1) {
		unsigned long long n = (unsigned long long)v->n * v->repeat;
		sb_printf(pre, "\t\tstruct iovec *iov = calloc(%llu, sizeof *iov); /* the list, %llu times */\n", n,
			  v->repeat);
		sb_printf(pre, "\t\tfor (size_t i = 0; i < %llu; i++)\n\t\t\tiov[i] = pattern[i %% %d];\n", n, v->n);
	}
	sb_puts(next_expr(sg), "iov");
}

static void arg_num(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	struct sbuf *b = next_expr(sg);
	c_num(b, a->num, sg->exprtype[sg->nexpr - 1]);
	long long v;
	if (!parse_int(a->text, &v)) {
		sb_puts(b, " /* ");
		comment_text(b, a->text);
		sb_puts(b, " */");
	}
}

static void enum_expr(const struct flag_set *fs, unsigned long long v, struct sbuf *b)
{
	for (size_t i = 0; i < fs->n; i++) {
		if (fs->v[i].val == v) {
			sb_printf(b, "%s%s", fs->prefix, fs->v[i].name);
			return;
		}
	}
	c_num(b, v, "int");
}

static void arg_flags(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	struct sbuf *b = next_expr(sg);
	/* flags or-ed by name; whence and how are plain enumerations */
	switch (a->type) {
	case A_SPLICE_FLAGS:
	case A_RWF_FLAGS:
		flags_render(arg_flag_set(a->type), a->num, b);
		break;
	default:
		enum_expr(arg_flag_set(a->type), a->num, b);
		break;
	}
}

static void arg_offptr(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	struct sbuf *b = next_expr(sg);
	switch (a->off.kind) {
	case OFF_NULL:
		sb_puts(b, "NULL");
		break;
	case OFF_NAMED:
		sb_puts(b, V(g, a->off.fixture, 0));
		break;
	case OFF_VALUE:
		sb_printf(&sg->pre, "\t\tloff_t off%d = %lld;\n", sg->nexpr - 1, a->off.value);
		sb_printf(b, "&off%d", sg->nexpr - 1);
		break;
	case OFF_PTR:
		ptr_expr(g, &a->off.ptr, b);
		break;
	}
}

/* Data to write: a string literal when short, else built in a buffer
 * from its runs (memset) and text (memcpy). */
static void arg_data(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	const unsigned char *p = a->data.p;
	size_t n = a->data.len, i = 0;
	struct sbuf *b = next_expr(sg);
	bool runs = false;
	for (size_t k = 0; k + 8 <= n && !runs; k++)
		runs = memcmp(p + k, p + k + 1, 7) == 0;
	if (!runs && n <= 80) {
		c_quote(b, p, n);
	} else {
		int id = sg->nexpr - 1;
		sb_printf(&sg->pre, "\t\tstatic unsigned char data%d[%zu];\n", id, n ? n : 1);
		while (i < n) {
			size_t run = 1;
			while (i + run < n && p[i + run] == p[i])
				run++;
			if (run >= 8) {
				sb_printf(&sg->pre, "\t\tmemset(data%d + %zu, ", id, i);
				c_char(&sg->pre, p[i]);
				sb_printf(&sg->pre, ", %zu);\n", run);
				i += run;
				continue;
			}
			size_t j = i;
			while (j < n && j - i < 64 && !(j + 8 <= n && memcmp(p + j, p + j + 1, 7) == 0))
				j++;
			sb_printf(&sg->pre, "\t\tmemcpy(data%d + %zu, ", id, i);
			c_quote(&sg->pre, p + i, j - i);
			sb_printf(&sg->pre, ", %zu);\n", j - i);
			i = j;
		}
		sb_printf(b, "data%d", id);
	}
	sb_printf(next_expr(sg), "%zu", n);
}

static void arg_rdbuf(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	sb_printf(&sg->pre, "\t\tunsigned char *buf = rt_rdbuf(%llu);\n", a->num);
	sb_puts(next_expr(sg), "buf");
	c_num(next_expr(sg), a->num, "size_t");
	sg->reads = true;
}

static void arg_ptr(struct gen *g, const struct arg *a, struct stepgen *sg) { ptr_expr(g, &a->ptr, next_expr(sg)); }

static void arg_offname(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	sb_puts(next_expr(sg), V(g, a->fixture, 0));
}

static void arg_ms(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	sb_printf(next_expr(sg), "%llu", a->num);
}

/* A word: its index (as the harness passes it), or, for a signal name,
 * the signal's macro. */
static void arg_word(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	if (signal_by_name(a->text) > 0)
		sb_puts(next_expr(sg), a->text);
	else
		sb_printf(next_expr(sg), "%d /* %s */", a->word, a->text);
}

static void arg_const(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	sb_puts(next_expr(sg), a->text);
}

static void arg_actor(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	sb_printf(next_expr(sg), "%d /* %s */", a->word, a->text);
}

/* Per argument type: how many raw arguments it becomes and their C. */
static void (*const arg_gens[])(struct gen *, const struct arg *, struct stepgen *) = {
	[A_FD] = arg_fd,         [A_IOV] = arg_iov,         [A_NUM] = arg_num,
	[A_SPLICE_FLAGS] = arg_flags, [A_RWF_FLAGS] = arg_flags, [A_WHENCE] = arg_flags,
	[A_SHUT] = arg_flags,    [A_OFFPTR] = arg_offptr,   [A_DATA] = arg_data,
	[A_RDBUF] = arg_rdbuf,   [A_PTR] = arg_ptr,         [A_OFFNAME] = arg_offname,
	[A_MS] = arg_ms,         [A_WORD] = arg_word,       [A_CONST] = arg_const,
	[A_ACTOR] = arg_actor,
};

/* ---- calls ---- */



/* How a call is written in C comes with it, from its entry in calls.c. */
static const struct repro_c *call_gen_of(const struct call *c)
{
	return c->repro.expr ? &c->repro : NULL;
}

/* The step as the case file writes it, for a comment. */
static void step_source(const struct step *s, struct sbuf *b)
{
	sb_puts(b, s->call->name);
	for (int i = 0; i < s->nargs; i++)
		if (s->args[i].type != A_CONST)
			sb_printf(b, " %s", s->args[i].text);
}

/* The syscall an actor's step may sleep in, as the C library names it. */
static const char *sys_name(long nr)
{
	static const struct {
		long nr;
		const char *name;
	} names[] = {
		{SYS_vmsplice, "SYS_vmsplice"}, {SYS_splice, "SYS_splice"}, {SYS_tee, "SYS_tee"}, {SYS_read, "SYS_read"},
		{SYS_write, "SYS_write"},       {SYS_pread64, "SYS_pread64"}, {SYS_pwrite64, "SYS_pwrite64"},
		{SYS_close, "SYS_close"},       {SYS_pwritev2, "SYS_pwritev2"},
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return "-1";
}

/* thread NAME, process NAME: started where the line stands. */
static void gen_actor(struct gen *g, int k)
{
	const struct actor_decl *a = &g->c->actors[k];
	sb_printf(&g->body, "\n\t/* %s %s (%s:%d) */\n\trt_start_actor(%d, %d, run_item, \"start %s %s\");\n",
		  a->process ? "process" : "thread", a->name, g->c->file, a->line, k, a->process,
		  a->process ? "process" : "thread", a->name);
}

static void gen_step(struct gen *g, int si)
{
	const struct step *s = &g->c->steps[si];
	const struct repro_c *cg = call_gen_of(s->call);
	if (!cg) {
		g->ok = !diag_at(g->d, g->c->file, s->line, "repro: the call '%s' has no C expression (its repro field "
				 "in harness/calls.c)", s->call->name);
		return;
	}
	struct stepgen sg = {0};
	g->in_step = true;
	for (int k = 0; k < MAX_ARGS * 2; k++)
		sg.exprtype[k] = cg->types[k];
	for (int i = 0; i < s->nargs; i++)
		arg_gens[s->args[i].type](g, &s->args[i], &sg);
	g->in_step = false;
	struct sbuf b = {0};
	sb_printf(&b, "\n\t/* step %d, %s:%d: ", si + 1, g->c->file, s->line);
	struct sbuf src = {0};
	step_source(s, &src);
	comment_text(&b, src.s);
	sb_free(&src);
	sb_puts(&b, " */\n\t{\n");
	if (sg.pre.s)
		sb_puts(&b, sg.pre.s);
	/* long long: a result (an offset, a file size) past 4 GiB on a 32-bit build */
	if (s->actor)
		sb_puts(&b, "\t\trt_actor_step_begin();\n\t\tlong long r = ");
	else
		sb_printf(&b, "\t\t%s(%d);\n\t\tlong long r = ",
			  (s->call->flags & CALL_SYNC) ? "rt_sync_step_begin" : "rt_step_begin", si + 1);
	for (const char *t = cg->expr; *t; t++) {
		if (*t == '$' && t[1] >= '0' && t[1] <= '9') {
			int k = *++t - '0';
			sb_puts(&b, k < sg.nexpr && sg.expr[k].s ? sg.expr[k].s : "0");
		} else {
			sb_putc(&b, *t);
		}
	}
	sb_printf(&b, ";\n\t\trt_step_end(%d, r, errno, %d, %s);\n\t}\n", si + 1,
		  (s->call->flags & CALL_NO_OUTCOME) ? 1 : 0, sg.reads ? "buf" : "NULL");
	if (s->actor) {
		/* the actor runs it: a function of its own, handed over by number */
		const char *who = g->c->actors[s->actor - 1].name;
		sb_printf(&g->funcs, "\n/* run by actor %s */\nstatic void step_%d(void)\n{%s}\n", who, si + 1, b.s);
		sb_printf(&g->items, "\tcase %d:\n\t\tstep_%d();\n\t\tbreak;\n", si + 1, si + 1);
		sb_printf(&g->body, "\n\t/* step %d, %s:%d: handed to actor %s, which runs it while this goes on */\n"
			  "\trt_actor_send(%d, %d, %s);\n", si + 1, g->c->file, s->line, who, s->actor - 1, si + 1,
			  sys_name(s->call->nr));
	} else {
		sb_puts(&g->body, b.s);
	}
	sb_free(&b);
	sb_free(&sg.pre);
	for (int i = 0; i < MAX_ARGS * 2; i++)
		sb_free(&sg.expr[i]);
}

/* ---- the program ---- */

static void put_tables(FILE *out)
{
	fputs("static const struct rt_name errno_names[] = {\n", out);
	int col = 0;
	/* from 0: where the C library names errno 0, the harness shows it so */
	for (int e = 0; e < 134; e++) {
		const char *n = errno_name(e);
		if (!n)
			continue;
		fprintf(out, "%s{%s, \"%s\"},", col == 0 ? "\t" : " ", n, n);
		if (++col == 4) {
			fputc('\n', out);
			col = 0;
		}
	}
	fputs(col ? "\n};\n" : "};\n", out);
	fputs("static const struct rt_name signal_names[] = {\n", out);
	col = 0;
	for (int s = 1; s < 32; s++) {
		const char *n = signal_name(s);
		if (strncmp(n, "SIG", 3) != 0 || (n[3] >= '0' && n[3] <= '9'))
			continue;
		fprintf(out, "%s{%s, \"%s\"},", col == 0 ? "\t" : " ", n, n);
		if (++col == 4) {
			fputc('\n', out);
			col = 0;
		}
	}
	fputs(col ? "\n};\n" : "};\n", out);
}


/* The runtime, verbatim but for its #include "..." lines: what they
 * name comes first (rt.h, sigrec.h). */
static void put_runtime(FILE *out)
{
	for (size_t i = 0; i < rt_sources_count; i++) {
		const struct embedded_file *f = &rt_sources[i];
		fprintf(out, "\n/* ---- %s: the runtime, the same code the harness runs ---- */\n", f->path);
		for (const char *p = f->data, *end = f->data + f->len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
			if (strncmp(p, "#include \"", 10) != 0)
				fwrite(p, 1, n, out);
			p += n;
		}
	}
}

static void put_header(FILE *out, const struct tcase *c, int ci, const struct expset *set,
		       const struct exp_line *e, const struct repro_opts *o)
{
	struct sbuf b = {0};
	sb_printf(&b, "/* splicecheck reproducer for case %s (%s:%d).\n *\n", c->name, c->file, c->line);
	if (c->ntags) {
		sb_puts(&b, " * tags:");
		for (int i = 0; i < c->ntags; i++)
			sb_printf(&b, " %s", c->tags[i]);
		sb_puts(&b, "\n");
	}
	if (c->ncovers) {
		sb_puts(&b, " * covers (docs/checks.md):");
		for (int i = 0; i < c->ncovers; i++)
			sb_printf(&b, " %s", c->covers[i]);
		sb_puts(&b, "\n");
	}
	sb_printf(&b, " * Generated by `splicecheck repro` for target %s, kernel %s, %s with %lu-byte pages.\n",
		  o->target, o->kernel, o->arch, o->page_size);
	if (e)
		sb_printf(&b, " * Expected outcomes: %s:%d, %s%s%s.\n", e->file, e->line,
			  e->nq ? "the line for " : "a plain line (it holds unless a later line with a range does)",
			  e->nq ? e->qual_text : "", e->nq ? " (where it holds)" : "");
	else
		sb_puts(&b, " * No expected outcomes are recorded for this target: it only shows what it sees.\n");
	bool any = false;
	for (int i = 0; set && i < set->n; i++) {
		const struct exp_line *x = &set->v[i];
		if (x->case_idx != ci)
			continue;
		if (!any)
			sb_puts(&b, " * Every expected line for this case (the last that holds wins):\n");
		any = true;
		sb_printf(&b, " *   %s:%d %s", x->file, x->line, x == e ? "=> " : "   ");
		for (int k = 0; k < x->nouts; k++) {
			sb_putc(&b, ' ');
			comment_text(&b, x->outs[k]);
		}
		if (x->nq)
			sb_printf(&b, "   [%s]", x->qual_text);
		sb_puts(&b, "\n");
	}
	sb_puts(&b, " *\n"
		    " *   cc -Wall -o repro repro.c && ./repro\n"
		    " *\n"
		    " * Exit status: 0 every outcome as expected, 1 an outcome differs, 77 a\n"
		    " * fixture cannot be made here (the harness says SKIP), 2 setup failed (or\n"
		    " * this kernel's pages are not the size it was written for).\n"
		    " * Outcomes are spelt as splicecheck spells them (docs/writing-cases.md):\n"
		    " * 1000, EINVAL, blocks, EPIPE+SIGPIPE, 5:\"hello\", SIGSEGV, -.\n"
		    " */\n");
	fputs(b.s, out);
	sb_free(&b);
}

bool repro_write(FILE *out, const struct suite *s, int ci, const struct expset *set, const struct exp_line *e,
		 const struct repro_opts *o, struct diag *d)
{
	const struct tcase *c = &s->cases[ci];
	struct gen g = {.c = c, .d = d, .ok = true, .shared = c->nactors > 0};
	g.var = xcalloc((size_t)(c->nfix ? c->nfix : 1) * MAX_ENDS, sizeof *g.var);
	g.var_used = xcalloc((size_t)(c->nfix ? c->nfix : 1) * MAX_ENDS, sizeof *g.var_used);
	for (int i = 0; i < c->nfix; i++)
		for (int e2 = 0; e2 == 0 || (e2 < MAX_ENDS && c->fix[i].kind->ends[e2]); e2++)
			g.var[i * MAX_ENDS + e2] = var_name(&c->fix[i], e2);
	for (int it = 0; it < c->nitems && g.ok; it++) {
		if (c->items[it].kind == ITEM_ACTOR)
			gen_actor(&g, c->items[it].index);
		else if (c->items[it].is_step)
			gen_step(&g, c->items[it].index);
		else
			gen_fixture(&g, c->items[it].index);
	}
	if (c->nactors)
		sb_puts(&g.body, "\n\trt_finish_actors();\n");
	bool first = true;
	for (int i = 0; i < c->nfix * MAX_ENDS; i++) {
		if (g.var[i] && !g.var_used[i]) {
			sb_printf(&g.body, "%s\t(void)%s;\n", first ? "\n\t/* made, but no step uses them */\n" : "",
				  g.var[i]);
			first = false;
		}
	}
	if (g.ok) {
		put_header(out, c, ci, set, e, o);
		put_runtime(out);
		fputs("\n/* ---- This case. ---- */\n\n", out);
		put_tables(out);
		struct sbuf b = {0};
		if (e) {
			sb_printf(&b, "/* %s:%d%s%s */\n", e->file, e->line, e->nq ? " " : "", e->nq ? e->qual_text : "");
			sb_puts(&b, "static const char *const expected[] = {\n");
			for (int i = 0; i < e->nouts; i++) {
				sb_puts(&b, "\t");
				c_quote_str(&b, e->outs[i]);
				sb_puts(&b, ",\n");
			}
			sb_puts(&b, "};\n");
		} else {
			sb_puts(&b, "static const char *const expected[] = {NULL};\n");
		}
		sb_puts(&b, "/* each step's call, as splicecheck shows it */\nstatic const char *const call_text[] = {\n");
		for (int i = 0; i < c->nsteps; i++) {
			struct sbuf t = {0};
			call_render(&c->steps[i], c, &t);
			sb_puts(&b, "\t");
			c_quote_str(&b, t.s);
			sb_puts(&b, ",\n");
			sb_free(&t);
		}
		sb_puts(&b, c->nsteps ? "};\n" : "\tNULL,\n};\n");
		if (g.shared)
			sb_printf(&b, "\n/* The case's fixtures, shared with its actors. */\n%s"
				  "\n/* The steps the actors run. */\n%s\n"
				  "static void run_item(int step, void *arg)\n{\n\t(void)arg;\n\tswitch (step) {\n%s\t}\n}\n",
				  g.decl.s ? g.decl.s : "", g.funcs.s ? g.funcs.s : "", g.items.s ? g.items.s : "");
		sb_printf(&b, "\n/* The case's fixtures%s and steps, in order. */\nstatic void run_case(void)\n{%s}\n",
			  g.shared ? ", actors" : "", g.body.s ? g.body.s : "\n");
		sb_puts(&b, "\nstatic const struct rt_case the_case = {\n\t.name = ");
		c_quote_str(&b, c->name);
		sb_printf(&b, ",\n\t.where = \"%s:%d\",\n", c->file, c->line);
		sb_printf(&b, "\t.nsteps = %d,\n\t.timeout_ms = %u, /* the watchdog: a step still in its call after this is "
			  "ended */\n", c->nsteps, c->timeout_ms ? c->timeout_ms : o->timeout_ms);
		sb_printf(&b, "\t.needs_root = %d,\n\t.needs_tmpfs = %d,\n", c->needs_root, c->needs_tmpfs);
		sb_printf(&b, "\t.page_size = %lu, /* the byte counts above are this page size's */\n", o->page_size);
		sb_printf(&b, "\t.have_expected = %d,\n\t.nexpected = %d,\n", e != NULL, e ? e->nouts : 0);
		sb_puts(&b, "\t.expected = expected,\n\t.call_text = call_text,\n"
			    "\t.errnos = errno_names,\n\t.nerrnos = sizeof errno_names / sizeof errno_names[0],\n"
			    "\t.signals = signal_names,\n\t.nsignals = sizeof signal_names / sizeof signal_names[0],\n"
			    "\t.run = run_case,\n};\n\n"
			    "int main(void) { return rt_repro_main(&the_case); }\n");
		fputs(b.s, out);
		sb_free(&b);
	}
	for (int i = 0; i < c->nfix * MAX_ENDS; i++)
		xfree(g.var[i]);
	xfree(g.var);
	xfree(g.var_used);
	sb_free(&g.body);
	sb_free(&g.decl);
	sb_free(&g.funcs);
	sb_free(&g.items);
	return g.ok;
}

