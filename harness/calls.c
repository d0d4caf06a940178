#include "calls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.h"
#include "actor_rt.h"
#include "rt.h"
#include "sigrec.h"
#include "stream_rt.h"

/* The steps the harness does itself: the runtime's functions (rt_step.c),
 * which a reproducer calls by the same names. */
static long long exec_fionread(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return rt_fionread((int)raw[0]);
}

static long long exec_poke(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return rt_poke((void *)(uintptr_t)raw[0], (const void *)(uintptr_t)raw[1], (size_t)raw[2]);
}

static long long exec_peek(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return rt_peek((const void *)(uintptr_t)raw[0], (void *)(uintptr_t)raw[1], (size_t)raw[2]);
}

static long long exec_getoff(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)s;
	return (long long)*rc->fx[raw[0]].off;
}

static long long exec_alarm(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)s;
	if (rt_alarm(raw[0]) < 0)
		return -1;
	rc->alarm_pending = true;
	return 0;
}

static long long exec_sigpipe(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	sigrec_sigpipe((int)raw[0]);
	return 0;
}

static long long exec_fill(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return rt_fill((int)raw[0]);
}

static long long exec_nonblock(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return rt_nonblock((int)raw[0], (int)raw[1]);
}

static long long exec_fsize(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return rt_fsize((int)raw[0]);
}

static long long exec_fsize_limit(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return rt_fsizelimit(raw[0]);
}

static long long exec_fork_vmsplice(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)s;
	return rt_forkvmsplice((int)raw[0], (void *)(uintptr_t)raw[1], (size_t)raw[2], rc->watch);
}

/* The case's process sends itself a signal: how a case tests that the
 * harness records a process killed mid-run (and carries on). */
/* SIGSTOP: a step that never returns, even after the watchdog's signal. */
static const char *const raise_signals[] = {"SIGKILL", "SIGSEGV", "SIGSYS", "SIGABRT", "SIGTERM", "SIGBUS", "SIGSTOP",
					    NULL};
static const int raise_numbers[] = {SIGKILL, SIGSEGV, SIGSYS, SIGABRT, SIGTERM, SIGBUS, SIGSTOP};

static long long exec_raise(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return raise(raise_numbers[raw[0]]) == 0 ? 0 : -1;
}

/* What the forked child's call looks like to a seccomp filter: its iovec
 * pointer is on the child's stack, so only fd, nr_segs and flags are known. */
static void fork_vmsplice_as_seen(const unsigned long long *raw, struct seen_call *seen)
{
	*seen = (struct seen_call){.nr = SYS_vmsplice, .args = {raw[0], 0, 1, 0}, .vary = -1, .forked = true};
}

/* ---- actors: the main actor orders them */

static long long exec_sleeping(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)s;
	return actor_wait_sleeping(&rc->actors[raw[0]], rc->watch);
}

static long long exec_join(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)s;
	struct actor *a = &rc->actors[raw[0]];
	int item = actor_join(a, rc->actors, rc->nactors, rc->watch);
	if (item >= 0 && rc->actor_died)
		rc->actor_died(rc, item, a->dead_sig);
	return 0;
}

static const char *const actor_signals[] = {"SIGUSR1", "SIGALRM", "SIGKILL", NULL};
static const int actor_signal_numbers[] = {SIGUSR1, SIGALRM, SIGKILL};

static long long exec_signal(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)s;
	return actor_signal(&rc->actors[raw[0]], actor_signal_numbers[raw[1]]);
}

/* ---- streams */

static long long exec_feed(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return stream_feed((int)raw[0], (size_t)raw[1]);
}

static long long exec_drain(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return stream_drain((int)raw[0], (unsigned char *)(uintptr_t)raw[1], (size_t)raw[2]);
}

static long long exec_splice_loop(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return stream_splice((int)raw[0], (int)raw[1], (size_t)raw[2], (unsigned)raw[3]);
}

static long long exec_tee_loop(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return stream_tee((int)raw[0], (int)raw[1], (size_t)raw[2], (unsigned)raw[3]);
}

static long long exec_vmsplice_loop(struct runctx *rc, const struct step *s, const unsigned long long *raw)
{
	(void)rc, (void)s;
	return stream_vmsplice((int)raw[0], (size_t)raw[1], (unsigned)raw[2]);
}

/* What the stream loops pass the kernel (stream_rt.c), for a seccomp
 * profile's prediction: a loop's first call asks for the whole count, each
 * later one for what is left of it, so the length lies in [1, count - 1];
 * how the kernel splits the stream, and so which lengths, is timing. */
static void later_lengths(struct seen_call *seen, int idx, unsigned long long first, unsigned long long count,
			  unsigned long long cap)
{
	seen->args[idx] = first;
	if (count > 1) {
		seen->vary = idx;
		seen->lo = 1;
		seen->hi = count - 1 < cap ? count - 1 : cap;
	}
}

static void none_if_empty(struct seen_call *seen, unsigned long long count)
{
	if (count == 0)
		seen->nr = -1;
}

static void splice_loop_as_seen(const unsigned long long *raw, struct seen_call *seen)
{
	/* splice(fd_in, NULL, fd_out, NULL, count - done, flags) */
	*seen = (struct seen_call){.nr = SYS_splice, .args = {raw[0], 0, raw[1], 0, 0, raw[3]}, .vary = -1};
	later_lengths(seen, 4, raw[2], raw[2], ~0ULL);
	none_if_empty(seen, raw[2]);
}

static void tee_loop_as_seen(const unsigned long long *raw, struct seen_call *seen)
{
	/* tee(fd_in, fd_out, count - done, flags) */
	*seen = (struct seen_call){.nr = SYS_tee, .args = {raw[0], raw[1], 0, raw[3]}, .vary = -1};
	later_lengths(seen, 2, raw[2], raw[2], ~0ULL);
	none_if_empty(seen, raw[2]);
}

static void vmsplice_loop_as_seen(const unsigned long long *raw, struct seen_call *seen)
{
	/* vmsplice(fd, &iov, 1, flags), iov on the loop's stack, every call alike */
	*seen = (struct seen_call){.nr = SYS_vmsplice, .args = {raw[0], 0, 1, raw[2]}, .vary = -1};
	none_if_empty(seen, raw[1]);
}

static void feed_as_seen(const unsigned long long *raw, struct seen_call *seen)
{
	/* write(fd, chunk, min(count - done, STREAM_CHUNK)), chunk on the loop's stack */
	unsigned long long first = raw[1] < STREAM_CHUNK ? raw[1] : STREAM_CHUNK;
	*seen = (struct seen_call){.nr = SYS_write, .args = {raw[0], 0, 0}, .vary = -1};
	later_lengths(seen, 2, first, raw[1], STREAM_CHUNK);
	none_if_empty(seen, raw[1]);
}

static void drain_as_seen(const unsigned long long *raw, struct seen_call *seen)
{
	/* read(fd, buf + done, count - done): the first call's buffer */
	*seen = (struct seen_call){.nr = SYS_read, .args = {raw[0], raw[1], 0}, .vary = -1};
	later_lengths(seen, 2, raw[2], raw[2], ~0ULL);
	none_if_empty(seen, raw[2]);
}

/* index = the PROT_ value: none 0, r 1, w 2, rw 3 */
static const char *const prot_words[] = {"none", "r", "w", "rw", NULL};

static const char *const sigpipe_modes[] = {"catch", "ignore", "default", NULL};
static const char *const on_off[] = {"off", "on", NULL};

#define FD(n) {A_FD, n, 0, NULL, NULL}
#define NUM(n) {A_NUM, n, 0, NULL, NULL}
#define FLAGS {A_SPLICE_FLAGS, "flags", 0, NULL, NULL}

static const struct call calls[] = {
	{"vmsplice", "vmsplice", SYS_vmsplice, 4, {FD("fd"), {A_IOV, "iov", 0, NULL, NULL}, NUM("nr_segs"), FLAGS},
	 CALL_UNDER_TEST, "vmsplice FD IOV NR_SEGS FLAGS", NULL, NULL,
	 {"vmsplice($0, $1, $2, $3)", {"int", NULL, "size_t", "unsigned"}},
	 "buffer b fill=v\npipe p\nvmsplice p.w [b:3, b+1:2]*2 4 GIFT|0x100"},
	{"splice", "splice", SYS_splice, 6,
	 {FD("fd_in"), {A_OFFPTR, "off_in", 0, NULL, NULL}, FD("fd_out"), {A_OFFPTR, "off_out", 0, NULL, NULL}, NUM("len"), FLAGS},
	 CALL_UNDER_TEST, "splice FD_IN OFF_IN FD_OUT OFF_OUT LEN FLAGS", NULL, NULL,
	 {"splice($0, $1, $2, $3, $4, $5)", {"int", NULL, "int", NULL, "size_t", "unsigned"}},
	 "file f data=\"splice\"\npipe p\noffset o 1\nsplice f &o p.w NULL 3 MOVE\ngetoff o\n"
	 "splice p.r NULL f &2 SIZE_MAX 0"},
	{"tee", "tee", SYS_tee, 4, {FD("fd_in"), FD("fd_out"), NUM("len"), FLAGS}, CALL_UNDER_TEST,
	 "tee FD_IN FD_OUT LEN FLAGS", NULL, NULL,
	 {"tee($0, $1, $2, $3)", {"int", "int", "size_t", "unsigned"}},
	 "pipe a\npipe b\nwrite a.w \"tee\"\ntee a.r b.w PAGE*16 NONBLOCK\nread b.r 10"},
	{"read", "read", SYS_read, 2, {FD("fd"), {A_RDBUF, "count", 0, NULL, NULL}}, 0,
	 "read FD COUNT: the outcome shows the bytes read", NULL, NULL,
	 {"read($0, $1, $2)", {"int", NULL, "size_t"}},
	 "pipe p\nwrite p.w \"\\0\"*5000\nread p.r 5000"},
	{"pread", "pread64", SYS_pread64, 3, {FD("fd"), {A_RDBUF, "count", 0, NULL, NULL}, NUM("offset")}, 0,
	 "pread FD COUNT OFFSET", NULL, NULL,
	 {"pread($0, $1, $2, $3)", {"int", NULL, "size_t", "off_t"}},
	 "file f data=\"pread\"\npread f 3 2"},
	{"write", "write", SYS_write, 2, {FD("fd"), {A_DATA, "buf", 0, NULL, NULL}}, 0, "write FD DATA", NULL, NULL,
	 {"write($0, $1, $2)", {"int", NULL, "size_t"}},
	 "pipe p\nwrite p.w \"head\"+\"x\"*100+\"tail\""},
	{"pwrite", "pwrite64", SYS_pwrite64, 3, {FD("fd"), {A_DATA, "buf", 0, NULL, NULL}, NUM("offset")}, 0,
	 "pwrite FD DATA OFFSET", NULL, NULL,
	 {"pwrite($0, $1, $2, $3)", {"int", NULL, "size_t", "off_t"}},
	 "file f\npwrite f \"pw\" 0xffffffffff"},
	{"pwritev2", "pwritev2", SYS_pwritev2, 6,
	 {FD("fd"), {A_IOV, "iov", 0, NULL, NULL}, NUM("iovcnt"), NUM("offset"), {A_CONST, "0", 0, NULL, ""},
	  {A_RWF_FLAGS, "flags", 0, NULL, NULL}},
	 0, "pwritev2 FD IOV IOVCNT OFFSET RWF_FLAGS", NULL, NULL,
	 {"pwritev2($0, $1, $2, $3, $5)", {"int", NULL, "int", "off_t", NULL, "int"}},
	 "file f\nbuffer b\npwritev2 f [b:10] 1 -1 NOWAIT"},
	{"close", "close", SYS_close, 1, {FD("fd")}, 0, "close FD", NULL, NULL,
	 {"close($0)", {"int"}},
	 "close 1000"},
	{"lseek", "lseek", SYS_lseek, 3, {FD("fd"), NUM("offset"), {A_WHENCE, "whence", 0, NULL, NULL}}, 0,
	 "lseek FD OFFSET WHENCE", NULL, NULL,
	 {"lseek($0, $1, $2)", {"int", "off_t", "int"}},
	 "file f size=10\nlseek f -1 END\nlseek f 0 DATA"},
	{"ftruncate", "ftruncate", SYS_ftruncate, 2, {FD("fd"), NUM("length")}, 0, "ftruncate FD LENGTH", NULL, NULL,
	 {"ftruncate($0, $1)", {"int", "off_t"}},
	 "file f\nftruncate f SSIZE_MAX+1"},
	{"shutdown", "shutdown", SYS_shutdown, 2, {{A_FD, "fd", 0, NULL, "sockfd"}, {A_SHUT, "how", 0, NULL, NULL}}, 0,
	 "shutdown FD RD|WR|RDWR", NULL, NULL,
	 {"shutdown($0, $1)", {"int", "int"}},
	 "socketpair s unix-stream\nshutdown s.0 WR"},
	{"setpipesz", "fcntl", SYS_fcntl, 3,
	 {FD("fd"), {A_CONST, "F_SETPIPE_SZ", F_SETPIPE_SZ, NULL, "cmd"}, {A_NUM, "size", 0, NULL, "arg"}}, 0,
	 "setpipesz FD BYTES: F_SETPIPE_SZ, returns the size set", NULL, NULL,
	 {"fcntl($0, $1, $2)", {"int", NULL, "long"}},
	 "pipe p\nsetpipesz p.w 0x100001000"},
	{"getpipesz", "fcntl", SYS_fcntl, 2, {FD("fd"), {A_CONST, "F_GETPIPE_SZ", F_GETPIPE_SZ, NULL, "cmd"}}, 0,
	 "getpipesz FD: F_GETPIPE_SZ", NULL, NULL,
	 {"fcntl($0, $1)", {"int"}},
	 "pipe p\ngetpipesz p.r"},
	{"fionread", "ioctl", SYS_ioctl, 2, {FD("fd"), {A_CONST, "FIONREAD", FIONREAD, NULL, "request"}}, 0,
	 "fionread FD: the bytes queued, as the outcome", exec_fionread, NULL,
	 {"rt_fionread($0)", {"int"}},
	 "pipe p\nfionread p.r"},
	{"fsize", "fstat", SYS_fstat, 1, {FD("fd")}, 0, "fsize FD: st_size, as the outcome", exec_fsize, NULL,
	 {"rt_fsize($0)", {"int"}},
	 "memfd m data=\"12\"\nfsize m"},
	{"fill", "write", -1, 1, {FD("fd")}, 0, "fill FD: write pages until EAGAIN; the outcome is the bytes written",
	 exec_fill, NULL,
	 {"rt_fill($0)", {"int"}},
	 "pipe p\nfill p.w"},
	{"nonblock", "fcntl", SYS_fcntl, 2, {FD("fd"), {A_WORD, "on|off", 0, on_off, "arg"}}, 0,
	 "nonblock FD on|off: set or clear O_NONBLOCK", exec_nonblock, NULL,
	 {"rt_nonblock($0, $1)", {"int"}},
	 "pipe p\nnonblock p.r on\nread p.r 1"},
	{"fsizelimit", "setrlimit", -1, 1, {NUM("bytes")}, CALL_NO_OUTCOME,
	 "fsizelimit BYTES: lower the soft RLIMIT_FSIZE (writes past it get EFBIG and SIGXFSZ)", exec_fsize_limit, NULL,
	 {"rt_fsizelimit($0)", {NULL}},
	 "file f\nfsizelimit 3\nwrite f \"abcd\""},
	{"forkvmsplice", "vmsplice", -1, 3, {FD("fd"), {A_PTR, "addr", 0, NULL, NULL}, NUM("len")}, CALL_SELF_WATCH,
	 "forkvmsplice FD BUFFER LEN: a forked child vmsplices [BUFFER:LEN] into FD and exits; its result "
	 "(EIO if a signal killed it)",
	 exec_fork_vmsplice, fork_vmsplice_as_seen,
	 {"rt_forkvmsplice($0, $1, $2, NULL)", {"int", NULL, "size_t"}},
	 "pipe p\nbuffer b fill=c\nforkvmsplice p.w b 10\npoke b \"d\"\nread p.r 2"},
	{"peek", "peek", -1, 2, {{A_PTR, "addr", 0, NULL, NULL}, {A_RDBUF, "count", 0, NULL, NULL}}, 0,
	 "peek BUFFER[+N] COUNT: the bytes in user memory, as the outcome's data", exec_peek, NULL,
	 {"rt_peek($0, $1, $2)", {NULL, NULL, "size_t"}},
	 "buffer b\npeek b+4095 2"},
	{"poke", "poke", -1, 2, {{A_PTR, "addr", 0, NULL, NULL}, {A_DATA, "data", 0, NULL, NULL}}, CALL_NO_OUTCOME,
	 "poke BUFFER[+N] DATA: store bytes into user memory", exec_poke, NULL,
	 {"rt_poke($0, $1, $2)", {NULL, NULL, "size_t"}},
	 "buffer b\npoke unmapped \"x\""},
	{"getoff", "getoff", -1, 1, {{A_OFFNAME, "offset", 0, NULL, NULL}}, 0,
	 "getoff OFFSET: the offset fixture's current value, as the outcome", exec_getoff, NULL,
	 {"*$0", {NULL}},
	 "offset o -1\ngetoff o"},
	{"alarm", "setitimer", -1, 1, {{A_MS, "after", 0, NULL, NULL}}, CALL_NO_OUTCOME,
	 "alarm 20ms: SIGALRM after that long (caught, no SA_RESTART: a blocked call gets EINTR)", exec_alarm, NULL,
	 {"rt_alarm($0)", {NULL}},
	 "pipe p\nalarm 20ms\nread p.r 1"},
	{"sigpipe", "sigaction", -1, 1, {{A_WORD, "mode", 0, sigpipe_modes, NULL}}, CALL_NO_OUTCOME,
	 "sigpipe catch|ignore|default: how SIGPIPE is handled from here on", exec_sigpipe, NULL,
	 {"(sigrec_sigpipe($0), 0)", {NULL}},
	 "pipe p close=r\nsigpipe default\nwrite p.w \"x\""},
	{"raise", "kill", -1, 1, {{A_WORD, "signal", 0, raise_signals, NULL}}, CALL_NO_OUTCOME,
	 "raise SIGKILL|SIGSEGV|SIGSYS|SIGABRT|SIGTERM|SIGBUS|SIGSTOP: the case's process signals itself", exec_raise, NULL,
	 {"(raise($0) == 0 ? 0 : -1)", {NULL}},
	 "raise SIGSEGV"},
	{"mprotect", "mprotect", SYS_mprotect, 3, {{A_PTR, "addr", 0, NULL, NULL}, NUM("len"), {A_WORD, "prot", 0, prot_words, NULL}},
	 CALL_NO_OUTCOME, "mprotect BUFFER LEN none|r|w|rw: change the protection of buffer pages", NULL, NULL,
	 {"mprotect($0, $1, $2)", {NULL, "size_t", "int"}},
	 "buffer b fill=m\nmprotect b 4096 r\npoke b \"x\""},
	{"sleeping", "sleeping", -1, 1, {{A_ACTOR, "actor", 0, NULL, NULL}}, CALL_NO_OUTCOME | CALL_SYNC,
	 "sleeping ACTOR: wait until the actor's step sleeps in its call (EALREADY: it returned first)",
	 exec_sleeping, NULL, {"rt_sleeping($0)", {NULL}},
	 "pipe p\nprocess t\nt: read p.r 3\nsleeping t\nwrite p.w \"abc\"\njoin t"},
	{"join", "join", -1, 1, {{A_ACTOR, "actor", 0, NULL, NULL}}, CALL_NO_OUTCOME | CALL_SYNC,
	 "join ACTOR: wait until the actor's steps returned; one asleep with nobody left to wake it is ended "
	 "(blocks)",
	 exec_join, NULL, {"rt_join($0)", {NULL}},
	 "pipe p\nthread t\nt: read p.r 3\njoin t"},
	{"signal", "tgkill", -1, 2, {{A_ACTOR, "actor", 0, NULL, NULL}, {A_WORD, "signal", 0, actor_signals, NULL}},
	 CALL_NO_OUTCOME | CALL_SYNC, "signal ACTOR SIGUSR1|SIGALRM|SIGKILL: send the actor's task a signal",
	 exec_signal, NULL, {"rt_signal_actor($0, $1)", {NULL, NULL}},
	 "pipe p fill=full\nthread t\nt: write p.w \"x\"\nsleeping t\nsignal t SIGUSR1\njoin t"},
	{"feed", "feed", SYS_write, 2, {FD("fd"), NUM("count")}, 0,
	 "feed FD COUNT: write COUNT bytes of the test stream; the bytes written", exec_feed, feed_as_seen,
	 {"stream_feed($0, $1)", {"int", "size_t"}},
	 "pipe p size=262144\nfeed p.w 200000\ndrain p.r 10"},
	{"drain", "drain", SYS_read, 2, {FD("fd"), {A_RDBUF, "count", 0, NULL, NULL}}, 0,
	 "drain FD COUNT: read until COUNT bytes or EOF; the bytes, as data (a digest when long)", exec_drain, drain_as_seen,
	 {"stream_drain($0, $1, $2)", {"int", NULL, "size_t"}},
	 "socketpair s unix-stream\nthread t\nt: feed s.0 300000\ndrain s.1 300000\njoin t"},
	{"splice-loop", "splice-loop", SYS_splice, 4, {FD("fd_in"), FD("fd_out"), NUM("count"), FLAGS}, 0,
	 "splice-loop FD_IN FD_OUT COUNT FLAGS: splice until COUNT bytes moved or 0; the bytes moved",
	 exec_splice_loop, splice_loop_as_seen, {"stream_splice($0, $1, $2, $3)", {"int", "int", "size_t", "unsigned"}},
	 "pipe p\npipe q\nthread t\nt: feed p.w 200000\nprocess u\nu: splice-loop p.r q.w 200000 0\n"
	 "drain q.r 200000"},
	{"tee-loop", "tee-loop", SYS_tee, 4, {FD("fd_in"), FD("fd_out"), NUM("count"), FLAGS}, 0,
	 "tee-loop FD_IN FD_OUT COUNT FLAGS: tee until COUNT bytes moved or 0; the bytes moved",
	 exec_tee_loop, tee_loop_as_seen, {"stream_tee($0, $1, $2, $3)", {"int", "int", "size_t", "unsigned"}},
	 "pipe p\npipe q\nwrite p.w \"tee\"\ntee-loop p.r q.w 3 0\nread q.r 5"},
	{"vmsplice-loop", "vmsplice-loop", SYS_vmsplice, 3, {FD("fd"), NUM("count"), FLAGS}, 0,
	 "vmsplice-loop FD COUNT FLAGS: vmsplice COUNT bytes of the test stream, 64 KiB a call; the bytes moved",
	 exec_vmsplice_loop, vmsplice_loop_as_seen, {"stream_vmsplice($0, $1, $2)", {"int", "size_t", "unsigned"}},
	 "pipe p\nthread t\nt: vmsplice-loop p.w 100000 0\ndrain p.r 100000\njoin t"},
};

const struct call *call_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(calls); i++)
		if (strcmp(calls[i].name, name) == 0)
			return &calls[i];
	return NULL;
}

const struct call *call_by_nr(long nr)
{
	for (size_t i = 0; i < ARRAY_LEN(calls); i++)
		if (calls[i].nr == nr && (calls[i].flags & CALL_UNDER_TEST))
			return &calls[i];
	return NULL;
}

const struct call *call_at(size_t i) { return i < ARRAY_LEN(calls) ? &calls[i] : NULL; }

int call_written_args(const struct call *c)
{
	int n = 0;
	for (int i = 0; i < c->nargs; i++)
		n += c->a[i].type != A_CONST;
	return n;
}

void call_render(const struct step *s, const struct tcase *c, struct sbuf *b)
{
	if (s->actor)
		sb_printf(b, "%s: ", c->actors[s->actor - 1].name);
	sb_printf(b, "%s(", s->call->shown);
	for (int i = 0; i < s->nargs; i++) {
		if (i)
			sb_puts(b, ", ");
		arg_render(&s->args[i], &s->call->a[i], c, b);
	}
	sb_putc(b, ')');
}
