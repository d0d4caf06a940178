#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "calls.h"
#include "data.h"
#include "kinds.h"
#include "names.h"

/* A high fd number, out of the way of the fd numbers cases see. */
#define TRACE_FD_MIN 900
/* One line is one write: well under PIPE_BUF, so O_APPEND keeps it whole
 * whoever else is appending. */
#define LINE_MAX_LEN 1024
#define SHOW_IOVS 4
#define SHOW_BYTES 32

static int trace_fd = -1;

bool trace_open(void)
{
	int fd = memfd_create("splicecheck-trace", MFD_CLOEXEC);
	if (fd < 0)
		return false;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, TRACE_FD_MIN);
	if (hi >= 0) {
		close(fd);
		fd = hi;
	}
	/* every child appends; the parent reads with pread */
	fcntl(fd, F_SETFL, O_APPEND);
	trace_fd = fd;
	return true;
}

void trace_close(void)
{
	if (trace_fd >= 0)
		close(trace_fd);
	trace_fd = -1;
}

/* Short contents of user memory: data in its canonical spelling, cut. */
static void bytes(struct sbuf *b, const void *p, size_t n)
{
	struct sbuf t = {0};
	data_format(p, n < SHOW_BYTES ? n : SHOW_BYTES, &t);
	sb_puts(b, t.s);
	if (n > SHOW_BYTES)
		sb_puts(b, "...");
	sb_free(&t);
}

static void fd_text(struct sbuf *b, const struct arg *a, const struct tcase *c, unsigned long long raw)
{
	sb_printf(b, "%d", (int)raw);
	if (a->fd.fixture < 0)
		return;
	sb_putc(b, '<');
	kind_describe(&c->fix[a->fd.fixture], a->fd.end, b);
	sb_printf(b, " %s>", a->text);
}

/* Which buffer fixture, if any, an address falls in: 0x7f...<b+10>. */
static void addr_text(struct sbuf *b, const struct tcase *c, const struct runctx *rc, unsigned long long addr)
{
	sb_printf(b, "%#llx", addr);
	for (int i = 0; i < c->nfix; i++) {
		const struct rt_fixture *f = &rc->fx[i];
		uintptr_t base = (uintptr_t)f->base;
		if (c->fix[i].kind->role != ROLE_BUFFER || !f->map || addr < base || addr >= (uintptr_t)f->map + f->maplen)
			continue;
		if (addr == base)
			sb_printf(b, "<%s>", c->fix[i].name);
		else
			sb_printf(b, "<%s+%llu>", c->fix[i].name, addr - base);
		return;
	}
}

static void iov_text(struct sbuf *b, const struct arg *a, const struct tcase *c, const struct runctx *rc,
		     unsigned long long raw)
{
	if (a->iov.array_is_ptr) {
		addr_text(b, c, rc, raw);
		return;
	}
	const struct iovec *v = (const struct iovec *)(uintptr_t)raw;
	size_t n = (size_t)a->iov.n * (size_t)a->iov.repeat;
	sb_putc(b, '[');
	for (size_t i = 0; i < n && i < SHOW_IOVS; i++) {
		sb_puts(b, i ? ", {iov_base=" : "{iov_base=");
		addr_text(b, c, rc, (uintptr_t)v[i].iov_base);
		sb_printf(b, ", iov_len=%zu}", v[i].iov_len);
	}
	if (n > SHOW_IOVS)
		sb_printf(b, ", ... (%zu in all)", n);
	sb_putc(b, ']');
}

static void num_text(struct sbuf *b, unsigned long long v)
{
	if ((long long)v < 0 && (long long)v > -65536)
		sb_printf(b, "%lld", (long long)v);
	else
		sb_printf(b, "%llu", v);
}

/* One argument from its raw value(s); returns how many raw values it
 * took (as arg_resolve laid them out). */
static int arg_text(struct sbuf *b, const struct arg *a, const struct argdef *def, const struct tcase *c,
		    const struct runctx *rc, const unsigned long long *raw)
{
	switch (def->type) {
	case A_FD:
		fd_text(b, a, c, raw[0]);
		return 1;
	case A_IOV:
		iov_text(b, a, c, rc, raw[0]);
		return 1;
	case A_DATA:
		bytes(b, (const void *)(uintptr_t)raw[0], (size_t)raw[1]);
		sb_printf(b, ", %llu", raw[1]);
		return 2;
	case A_RDBUF:
		sb_printf(b, "%#llx, %llu", raw[0], raw[1]);
		return 2;
	case A_OFFPTR:
		if (raw[0] == 0)
			sb_puts(b, "NULL");
		else if (a->off.kind == OFF_PTR)
			addr_text(b, c, rc, raw[0]);
		else
			sb_printf(b, "[%lld]", *(const long long *)(uintptr_t)raw[0]);
		return 1;
	case A_PTR:
		addr_text(b, c, rc, raw[0]);
		return 1;
	case A_SPLICE_FLAGS:
		flags_render(&splice_flags, raw[0], b);
		return 1;
	case A_RWF_FLAGS:
		flags_render(&rwf_flags, raw[0], b);
		return 1;
	case A_WHENCE:
	case A_SHUT:
	case A_OFFNAME:
	case A_MS:
	case A_WORD:
	case A_ACTOR:
		sb_puts(b, a->text);
		return 1;
	case A_CONST:
		sb_puts(b, def->name);
		return 1;
	case A_NUM:
		num_text(b, raw[0]);
		return 1;
	}
	return 1;
}

static void put_line(const char *kind, const struct tcase *c, int step, const char *text)
{
	char line[LINE_MAX_LEN];
	int n = snprintf(line, sizeof line, "%s\t%s\t%d\t%s", kind, c->name, step, text);
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	/* a newline inside would split the record: the text never has one */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n] = '\n';
	ssize_t w;
	do
		w = write(trace_fd, line, (size_t)n + 1);
	while (w < 0 && errno == EINTR);
}

void trace_call(const struct tcase *c, int step, const struct runctx *rc, const unsigned long long *raw)
{
	if (trace_fd < 0)
		return;
	const struct step *s = &c->steps[step];
	struct sbuf b = {0};
	sb_printf(&b, "%s(", s->call->shown);
	int k = 0;
	for (int i = 0; i < s->nargs; i++) {
		if (i)
			sb_puts(&b, ", ");
		k += arg_text(&b, &s->args[i], &s->call->a[i], c, rc, raw + k);
	}
	sb_putc(&b, ')');
	put_line("C", c, step, b.s);
	sb_free(&b);
}

void trace_result(const struct tcase *c, int step, const struct runctx *rc, const unsigned long long *raw,
		  long long ret, int err, const struct outcome *o)
{
	(void)raw;
	if (trace_fd < 0)
		return;
	struct sbuf b = {0};
	if (o->kind == OC_BLOCKS)
		sb_printf(&b, "= -1 EINTR (blocked: ended by the watchdog)");
	else if (ret < 0)
		sb_printf(&b, "= -1 %s (%s)", errno_name(err) ? errno_name(err) : "E?", strerror(err));
	else
		sb_printf(&b, "= %lld", ret);
	if (ret > 0 && rc->rdbuf) {
		sb_puts(&b, " => ");
		bytes(&b, rc->rdbuf, (size_t)ret);
	}
	if (o->blocked)
		sb_puts(&b, " (ended by the watchdog)");
	for (int sig = 1; sig < 32; sig++)
		if (o->sigs & (1u << sig))
			sb_printf(&b, " --- %s ---", signal_name(sig));
	put_line("R", c, step, b.s);
	sb_free(&b);
}

void trace_print(FILE *out, const struct tcase *c, const struct case_result *res)
{
	if (trace_fd < 0)
		return;
	off_t size = lseek(trace_fd, 0, SEEK_END);
	if (size <= 0)
		return;
	char *all = xmalloc((size_t)size + 1);
	ssize_t got = pread(trace_fd, all, (size_t)size, 0);
	all[got > 0 ? got : 0] = '\0';
	struct sbuf b = {0};
	int pending = -1; /* a call line whose result has not come */
	for (char *line = all, *next; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		char *kind = strtok(line, "\t"), *name = strtok(NULL, "\t"), *step = strtok(NULL, "\t");
		char *text = strtok(NULL, "");
		if (!kind || !name || !step || strcmp(name, c->name) != 0)
			continue;
		if (kind[0] == 'C') {
			if (pending >= 0)
				sb_puts(&b, " = ?\n");
			sb_printf(&b, "[%s step %d] %s", c->name, atoi(step) + 1, text ? text : "");
			pending = atoi(step);
		} else {
			sb_printf(&b, " %s\n", text ? text : "");
			pending = -1;
		}
	}
	if (pending >= 0) {
		/* the call never returned: what ended the case's process */
		const struct outcome *o = pending < res->nout ? &res->out[pending] : NULL;
		if (o && o->kind == OC_KILLED)
			sb_printf(&b, " = ?\n+++ killed by %s +++\n", signal_name(o->killsig));
		else
			sb_puts(&b, " = ? (the case's process ended)\n");
	}
	if (b.s)
		fputs(b.s, out);
	fflush(out);
	sb_free(&b);
	xfree(all);
}
