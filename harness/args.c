#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "data.h"
#include "lex.h"
#include "names.h"

/* Addresses a case can name instead of a buffer.  unmapped lies below
 * mmap_min_addr, so nothing can ever be mapped there.  kernel is the
 * kernel's text on x86-64; a 32-bit build uses the last page, above the
 * compat TASK_SIZE (0xffffe000) and in a native 32-bit kernel's space.
 * noncanonical has no meaning on 32 bits (it is 0 there). */
static const struct name_val special_ptrs[] = {
	{"NULL", 0},
	{"unmapped", 0x1000},
	{"kernel", sizeof(void *) == 8 ? 0xffffffff81000000ULL : 0xfffff000ULL},
	{"noncanonical", 0x0000800000000000ULL},
};

static const struct fixture *find_fixture(const struct tcase *c, const char *name, size_t len, int *index)
{
	for (int i = 0; i < c->nfix; i++) {
		if (strlen(c->fix[i].name) == len && strncmp(c->fix[i].name, name, len) == 0) {
			*index = i;
			return &c->fix[i];
		}
	}
	return NULL;
}

static bool ptr_parse(struct ptrref *p, const char *s, size_t len, const struct tcase *c, const char *file, int line,
		      struct diag *d)
{
	*p = (struct ptrref){.buf = -1};
	for (size_t i = 0; i < ARRAY_LEN(special_ptrs); i++) {
		if (strlen(special_ptrs[i].name) == len && strncmp(special_ptrs[i].name, s, len) == 0) {
			p->addr = special_ptrs[i].val;
			p->special = special_ptrs[i].name;
			return true;
		}
	}
	char tmp[128];
	if (len >= sizeof tmp)
		return diag_at(d, file, line, "pointer too long: %.*s", (int)len, s);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (num_parse(tmp, &p->addr) && (tmp[0] >= '0' && tmp[0] <= '9')) {
		p->special = "";
		return true;
	}
	size_t nlen = strcspn(tmp, "+");
	const struct fixture *f = find_fixture(c, tmp, nlen, &p->buf);
	if (!f || f->kind->role != ROLE_BUFFER)
		return diag_at(d, file, line, "'%.*s' is not a buffer declared above (nor NULL, unmapped, kernel, "
				"noncanonical)", (int)nlen, tmp);
	if (tmp[nlen] && !num_parse(tmp + nlen + 1, &p->add))
		return diag_at(d, file, line, "bad offset in '%s': expected BUFFER+NUMBER", tmp);
	return true;
}

static void ptr_render(const struct ptrref *p, const struct tcase *c, struct sbuf *b)
{
	if (p->buf < 0) {
		if (p->special && *p->special)
			sb_puts(b, p->special);
		else
			sb_printf(b, "%#llx", p->addr);
	} else if (p->add) {
		sb_printf(b, "%s+%llu", c->fix[p->buf].name, p->add);
	} else {
		sb_puts(b, c->fix[p->buf].name);
	}
}

static unsigned long long ptr_resolve(const struct ptrref *p, const struct runctx *rc)
{
	if (p->buf < 0)
		return p->addr;
	return (unsigned long long)(uintptr_t)rc->fx[p->buf].base + p->add;
}

static bool fd_parse(struct arg *a, const char *w, const struct tcase *c, const char *file, int line, struct diag *d)
{
	a->fd = (struct fdref){.fixture = -1};
	if (parse_int(w, &a->fd.literal))
		return true;
	size_t nlen = strcspn(w, ".");
	const struct fixture *f = find_fixture(c, w, nlen, &a->fd.fixture);
	if (!f || f->kind->role != ROLE_FD)
		return diag_at(d, file, line, "'%.*s' is not an fd declared above (nor a number)", (int)nlen, w);
	if (!f->kind->ends[0]) {
		if (w[nlen])
			return diag_at(d, file, line, "'%s': a %s has no ends, write just %s", w, f->kind->name, f->name);
		return true;
	}
	if (!w[nlen])
		return diag_at(d, file, line, "'%s' is a %s: name an end, e.g. %s.%s", w, f->kind->name, f->name,
			       f->kind->ends[0]);
	a->fd.end = kind_end_index(f->kind, w + nlen + 1);
	if (a->fd.end < 0)
		return diag_at(d, file, line, "'%s': a %s has no end '%s'", w, f->kind->name, w + nlen + 1);
	return true;
}

/* [PTR:LEN, PTR:LEN]*REPEAT, or a special address for the array itself. */
static bool iov_parse(struct arg *a, const char *w, const struct tcase *c, const char *file, int line, struct diag *d)
{
	struct iovspec *v = &a->iov;
	*v = (struct iovspec){.repeat = 1};
	if (w[0] != '[') {
		v->array_is_ptr = true;
		return ptr_parse(&v->array, w, strlen(w), c, file, line, d);
	}
	const char *close = strrchr(w, ']');
	if (close[1]) {
		if (close[1] != '*' || !num_parse(close + 2, &v->repeat) || v->repeat > 1u << 20)
			return diag_at(d, file, line, "after ']' expected *COUNT (at most 1048576): %s", close);
	}
	const char *p = w + 1;
	while (p < close) {
		while (*p == ' ' || *p == ',')
			p++;
		if (p >= close)
			break;
		size_t n = strcspn(p, ",]");
		const char *colon = memchr(p, ':', n);
		if (!colon)
			return diag_at(d, file, line, "iovec '%.*s': expected BASE:LEN", (int)n, p);
		v->v = xrealloc(v->v, sizeof *v->v * (size_t)(v->n + 1));
		struct iov_entry *e = &v->v[v->n++];
		size_t blen = (size_t)(colon - p);
		while (blen && p[blen - 1] == ' ')
			blen--;
		if (!ptr_parse(&e->base, p, blen, c, file, line, d))
			return false;
		char num[64];
		size_t llen = n - (size_t)(colon + 1 - p);
		while (llen && colon[llen] == ' ')
			llen--;
		if (llen >= sizeof num)
			return diag_at(d, file, line, "iovec length too long");
		memcpy(num, colon + 1, llen);
		num[llen] = '\0';
		if (!num_parse(num, &e->len))
			return diag_at(d, file, line, "iovec length '%s': expected a number", num);
		p += n;
	}
	return true;
}

static bool off_parse(struct arg *a, const char *w, const struct tcase *c, const char *file, int line, struct diag *d)
{
	struct offspec *o = &a->off;
	*o = (struct offspec){.kind = OFF_PTR};
	if (strcmp(w, "NULL") == 0) {
		o->kind = OFF_NULL;
		return true;
	}
	if (w[0] != '&')
		return ptr_parse(&o->ptr, w, strlen(w), c, file, line, d);
	unsigned long long v;
	if (num_parse(w + 1, &v)) {
		o->kind = OFF_VALUE;
		o->value = (long long)v;
		return true;
	}
	const struct fixture *f = find_fixture(c, w + 1, strlen(w + 1), &o->fixture);
	if (!f || f->kind->role != ROLE_OFFSET)
		return diag_at(d, file, line, "'%s': expected NULL, &NUMBER, &OFFSET (an offset declared above) or an "
				"address name", w);
	o->kind = OFF_NAMED;
	return true;
}

const struct flag_set *arg_flag_set(enum argtype t)
{
	switch (t) {
	case A_SPLICE_FLAGS: return &splice_flags;
	case A_RWF_FLAGS: return &rwf_flags;
	case A_WHENCE: return &whence_names;
	case A_SHUT: return &shut_names;
	default: return NULL;
	}
}

static bool ms_parse(const char *w, unsigned long long *ms)
{
	char *end;
	unsigned long long v = strtoull(w, &end, 10);
	if (end == w)
		return false;
	if (strcmp(end, "ms") == 0)
		*ms = v;
	else if (strcmp(end, "s") == 0)
		*ms = v * 1000;
	else
		return false;
	return true;
}

bool arg_parse(struct arg *a, const struct argdef *def, const char *w, const struct tcase *c, const char *file,
	       int line, struct diag *d)
{
	a->type = def->type;
	a->text = xstrdup(w);
	int idx;
	switch (def->type) {
	case A_FD:
		return fd_parse(a, w, c, file, line, d);
	case A_IOV:
		return iov_parse(a, w, c, file, line, d);
	case A_NUM:
	case A_RDBUF:
		if (!num_parse(w, &a->num))
			return diag_at(d, file, line, "%s: '%s' is not a number, or overflows 64 bits", def->name, w);
		if (def->type == A_RDBUF && a->num > DATA_MAX_DECODED)
			return diag_at(d, file, line, "%s: at most %u bytes can be read into a buffer", def->name,
				       DATA_MAX_DECODED);
		return true;
	case A_SPLICE_FLAGS:
	case A_RWF_FLAGS:
	case A_WHENCE:
	case A_SHUT: {
		const struct flag_set *fs = arg_flag_set(def->type);
		if (!flags_parse(fs, w, &a->num))
			return diag_at(d, file, line, "'%s' is not a %s", w, fs->what);
		return true;
	}
	case A_OFFPTR:
		return off_parse(a, w, c, file, line, d);
	case A_DATA: {
		unsigned long long h;
		bool is_hash;
		if (!data_decode(w, false, &a->data.p, &a->data.len, &h, &is_hash))
			return diag_at(d, file, line, "%s: '%s' is not data (\"text\", \"a\"*4096, joined by +)",
				       def->name, w);
		return true;
	}
	case A_PTR:
		return ptr_parse(&a->ptr, w, strlen(w), c, file, line, d);
	case A_OFFNAME:
		if (!find_fixture(c, w, strlen(w), &idx) || c->fix[idx].kind->role != ROLE_OFFSET)
			return diag_at(d, file, line, "'%s' is not an offset declared above", w);
		a->fixture = idx;
		return true;
	case A_MS:
		if (!ms_parse(w, &a->num))
			return diag_at(d, file, line, "'%s': expected a duration like 20ms or 1s", w);
		return true;
	case A_WORD:
		for (int i = 0; def->words[i]; i++) {
			if (strcmp(def->words[i], w) == 0) {
				a->word = i;
				return true;
			}
		}
		return diag_at(d, file, line, "'%s': expected one of %s%s%s%s", w, def->words[0],
			       def->words[1] ? ", " : "", def->words[1] ? def->words[1] : "",
			       def->words[1] && def->words[2] ? ", ..." : "");
	case A_ACTOR:
		for (int i = 0; i < c->nactors; i++) {
			if (strcmp(c->actors[i].name, w) == 0) {
				a->word = i;
				return true;
			}
		}
		return diag_at(d, file, line, "'%s' is not an actor declared above (thread NAME or process NAME)", w);
	case A_CONST:
		break;
	}
	return true;
}

void arg_free(struct arg *a)
{
	xfree(a->text);
	if (a->type == A_IOV)
		xfree(a->iov.v);
	if (a->type == A_DATA)
		xfree(a->data.p);
}

void arg_render(const struct arg *a, const struct argdef *def, const struct tcase *c, struct sbuf *b)
{
	switch (def->type) {
	case A_FD:
		if (a->fd.fixture < 0) {
			sb_printf(b, "%lld", a->fd.literal);
			break;
		}
		sb_puts(b, a->text);
		sb_putc(b, '<');
		kind_describe(&c->fix[a->fd.fixture], a->fd.end, b);
		sb_putc(b, '>');
		break;
	case A_IOV:
		if (a->iov.array_is_ptr) {
			ptr_render(&a->iov.array, c, b);
			break;
		}
		sb_putc(b, '[');
		for (int i = 0; i < a->iov.n; i++) {
			sb_puts(b, i ? ", {" : "{");
			ptr_render(&a->iov.v[i].base, c, b);
			sb_printf(b, ", %llu}", a->iov.v[i].len);
		}
		sb_putc(b, ']');
		if (a->iov.repeat != 1)
			sb_printf(b, "*%llu", a->iov.repeat);
		break;
	case A_NUM:
	case A_MS:
		sb_puts(b, a->text);
		break;
	case A_RDBUF:
		sb_printf(b, "buf, %s", a->text);
		break;
	case A_SPLICE_FLAGS:
	case A_RWF_FLAGS:
	case A_WHENCE:
	case A_SHUT:
		flags_render(arg_flag_set(def->type), a->num, b);
		break;
	case A_OFFPTR:
		if (a->off.kind == OFF_NAMED)
			sb_printf(b, "&%s=[%s]", c->fix[a->off.fixture].name, c->fix[a->off.fixture].param);
		else if (a->off.kind == OFF_VALUE)
			sb_printf(b, "&[%lld]", a->off.value);
		else if (a->off.kind == OFF_NULL)
			sb_puts(b, "NULL");
		else
			ptr_render(&a->off.ptr, c, b);
		break;
	case A_DATA:
		data_format(a->data.p, a->data.len, b);
		sb_printf(b, ", %zu", a->data.len);
		break;
	case A_PTR:
		ptr_render(&a->ptr, c, b);
		break;
	case A_OFFNAME:
	case A_WORD:
	case A_ACTOR:
		sb_puts(b, a->text);
		break;
	case A_CONST:
		sb_puts(b, def->name);
		break;
	}
}

int arg_resolve(const struct arg *a, const struct argdef *def, struct runctx *rc, int slot, unsigned long long *raw)
{
	switch (def->type) {
	case A_FD:
		raw[0] = a->fd.fixture < 0 ? (unsigned long long)a->fd.literal
					   : (unsigned long long)(long long)rc->fx[a->fd.fixture].fd[a->fd.end];
		return 1;
	case A_IOV: {
		if (a->iov.array_is_ptr) {
			raw[0] = ptr_resolve(&a->iov.array, rc);
			return 1;
		}
		size_t n = (size_t)a->iov.n * (size_t)a->iov.repeat;
		struct iovec *v = calloc(n ? n : 1, sizeof *v);
		if (!v)
			return -1;
		rc->allocs[rc->nallocs++] = v;
		for (size_t i = 0; i < n; i++) {
			const struct iov_entry *e = &a->iov.v[i % (size_t)a->iov.n];
			v[i].iov_base = (void *)(uintptr_t)ptr_resolve(&e->base, rc);
			v[i].iov_len = (size_t)e->len;
		}
		raw[0] = (unsigned long long)(uintptr_t)v;
		return 1;
	}
	case A_RDBUF: {
		size_t len = (size_t)a->num;
		void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		rc->rdbuf = p;
		rc->rdlen = len;
		raw[0] = (unsigned long long)(uintptr_t)p;
		raw[1] = len;
		return 2;
	}
	case A_OFFPTR:
		switch (a->off.kind) {
		case OFF_NULL:
			raw[0] = 0;
			break;
		case OFF_NAMED:
			raw[0] = (unsigned long long)(uintptr_t)rc->fx[a->off.fixture].off;
			break;
		case OFF_VALUE:
			rc->anon_off[slot] = a->off.value;
			raw[0] = (unsigned long long)(uintptr_t)&rc->anon_off[slot];
			break;
		case OFF_PTR:
			raw[0] = ptr_resolve(&a->off.ptr, rc);
			break;
		}
		return 1;
	case A_DATA:
		raw[0] = (unsigned long long)(uintptr_t)a->data.p;
		raw[1] = a->data.len;
		return 2;
	case A_PTR:
		raw[0] = ptr_resolve(&a->ptr, rc);
		return 1;
	case A_OFFNAME:
		raw[0] = (unsigned long long)a->fixture;
		return 1;
	case A_WORD:
	case A_ACTOR:
		raw[0] = (unsigned long long)a->word;
		return 1;
	case A_CONST:
		raw[0] = def->cval;
		return 1;
	case A_NUM:
	case A_MS:
	case A_SPLICE_FLAGS:
	case A_RWF_FLAGS:
	case A_WHENCE:
	case A_SHUT:
		raw[0] = a->num;
		return 1;
	}
	errno = EINVAL;
	return -1;
}

void runctx_release_step(struct runctx *rc)
{
	for (int i = 0; i < rc->nallocs; i++)
		xfree(rc->allocs[i]);
	rc->nallocs = 0;
	if (rc->rdbuf)
		munmap(rc->rdbuf, rc->rdlen ? rc->rdlen : 1);
	rc->rdbuf = NULL;
	rc->rdlen = 0;
}
