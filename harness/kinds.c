#include "kinds.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#include "abi.h"
#include "lex.h"
#include "names.h"

/* The running kernel's page (as rt_page_size() has it when the fixture
 * is made). */
#define PAGE abi_page_size()

static bool has(const struct fixture *f, const char *key) { return fixture_opt(f, key) != NULL; }

/* Whether an option naming ends (nonblock=r, close=r,w; bare or "all":
 * every end) selects end i. */
static bool end_selected(const char *v, const char *end)
{
	if (!*v || strcmp(v, "all") == 0)
		return true;
	size_t n = strlen(end);
	for (const char *p = v; *p; p += strcspn(p, ","), p += *p == ',') {
		if (strncmp(p, end, n) == 0 && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

/* nonblock=ENDS or close=ENDS as a mask of RT_END bits. */
static unsigned ends_mask(const struct fixture *f, const char *key)
{
	const char *v = fixture_opt(f, key);
	unsigned m = 0;
	for (int i = 0; v && f->kind->ends[i]; i++)
		if (end_selected(v, f->kind->ends[i]))
			m |= RT_END(i);
	return m;
}

static bool check_ends_opt(const struct fixture *f, const char *key, const char *file, struct diag *d)
{
	const char *v = fixture_opt(f, key);
	if (!v || !*v || strcmp(v, "all") == 0)
		return true;
	for (const char *p = v; *p; p += strcspn(p, ","), p += *p == ',') {
		size_t n = strcspn(p, ",");
		bool known = false;
		for (int i = 0; f->kind->ends[i]; i++)
			known |= strlen(f->kind->ends[i]) == n && strncmp(f->kind->ends[i], p, n) == 0;
		if (!known)
			return diag_at(d, file, f->line, "%s=%s: '%.*s' is not an end of a %s", key, v, (int)n, p,
				       f->kind->name);
	}
	return true;
}

/* The options every kind with ends takes. */
static void args_ends(const struct fixture *f, struct kind_args *ka)
{
	ka->rt.nonblock = ends_mask(f, "nonblock");
	ka->rt.close = ends_mask(f, "close");
}

/* A kind with one fd whose nonblock option is its NONBLOCK flag. */
static void args_nonblock_flag(const struct fixture *f, struct kind_args *ka)
{
	ka->rt.flags = has(f, "nonblock") ? O_NONBLOCK : 0;
}

static void args_none(const struct fixture *f, struct kind_args *ka) { (void)f, (void)ka; }

static bool check_pipe(const struct fixture *f, const char *file, struct diag *d)
{
	const char *fill = fixture_opt(f, "fill");
	unsigned long long n;
	if (fill && strcmp(fill, "full") != 0 && !num_parse(fill, &n))
		return diag_at(d, file, f->line, "fill=%s: expected a byte count or 'full'", fill);
	const char *size = fixture_opt(f, "size");
	if (size && !num_parse(size, &n))
		return diag_at(d, file, f->line, "size=%s: expected a byte count", size);
	return check_ends_opt(f, "nonblock", file, d) && check_ends_opt(f, "close", file, d);
}

static void args_pipe(const struct fixture *f, struct kind_args *ka)
{
	/* O_NOTIFICATION_PIPE is O_EXCL: a watch-queue pipe */
	ka->rt.flags = (has(f, "packet") ? O_DIRECT : 0) | (has(f, "notify") ? O_EXCL : 0);
	ka->rt.size = (long long)fixture_opt_num(f, "size", 0);
	const char *fill = fixture_opt(f, "fill");
	ka->rt.fill = !fill ? 0 : strcmp(fill, "full") == 0 ? RT_FULL : (long long)fixture_opt_num(f, "fill", 0);
	ka->rt.byte = fill ? fixture_opt_byte(f, "byte", 'f') : 0;
	args_ends(f, ka);
}

static void args_fifo(const struct fixture *f, struct kind_args *ka)
{
	snprintf(ka->path, sizeof ka->path, "%s.fifo", f->name);
	ka->rt.path = ka->path;
	args_ends(f, ka);
}

static int mode_flags(const char *mode)
{
	if (!mode || strcmp(mode, "rw") == 0)
		return O_RDWR;
	if (strcmp(mode, "r") == 0)
		return O_RDONLY;
	if (strcmp(mode, "w") == 0)
		return O_WRONLY;
	/* access mode 3: neither read nor write, only ioctls */
	if (strcmp(mode, "none") == 0)
		return O_WRONLY | O_RDWR;
	return -1;
}

static bool check_mode(const struct fixture *f, const char *file, struct diag *d)
{
	const char *mode = fixture_opt(f, "mode");
	if (mode_flags(mode) < 0)
		return diag_at(d, file, f->line, "mode=%s: expected r, w, rw or none", mode);
	return true;
}

/* File content: data="..." or size=N bytes of byte=c. */
static void args_content(const struct fixture *f, struct kind_args *ka)
{
	const char *data = fixture_opt(f, "data");
	if (data) {
		long len = lex_unquote(data, NULL, NULL);
		ka->text = xmalloc((size_t)len + 1);
		lex_unquote(data, ka->text, NULL);
		ka->rt.text = ka->text;
		ka->rt.textlen = (size_t)len;
	} else {
		ka->rt.size = (long long)fixture_opt_num(f, "size", 0);
		ka->rt.byte = ka->rt.size ? fixture_opt_byte(f, "byte", 'f') : 0;
	}
}

static bool check_file(const struct fixture *f, const char *file, struct diag *d)
{
	const char *fs = fixture_opt(f, "fs");
	const char *data = fixture_opt(f, "data");
	if (fs && strcmp(fs, "scratch") != 0 && strcmp(fs, "tmpfs") != 0)
		return diag_at(d, file, f->line, "fs=%s: expected scratch or tmpfs", fs);
	if (data && lex_unquote(data, NULL, NULL) < 0)
		return diag_at(d, file, f->line, "data=%s: expected \"quoted text\"", data);
	unsigned long long sz;
	const char *size = fixture_opt(f, "size");
	if (size && !num_parse(size, &sz))
		return diag_at(d, file, f->line, "size=%s: expected a byte count", size);
	return check_mode(f, file, d);
}

static void args_file(const struct fixture *f, struct kind_args *ka)
{
	const char *fs = fixture_opt(f, "fs");
	ka->in_tmpfs = fs && strcmp(fs, "tmpfs") == 0;
	snprintf(ka->path, sizeof ka->path, "%s", f->name);
	ka->rt.path = ka->path;
	args_content(f, ka);
	ka->rt.flags = mode_flags(fixture_opt(f, "mode")) | (has(f, "append") ? O_APPEND : 0) |
		       (has(f, "direct") ? O_DIRECT : 0) | (has(f, "nonblock") ? O_NONBLOCK : 0);
}

static void args_memfd(const struct fixture *f, struct kind_args *ka)
{
	ka->rt.path = f->name;
	args_content(f, ka);
}

/* Devices, /proc and /sys files.  Only the sinks that keep nothing may be
 * opened for writing: the harness never writes outside its scratch. */
static const char *const writable_paths[] = {"/dev/null", "/dev/zero", "/dev/full", NULL};

static bool check_open(const struct fixture *f, const char *file, struct diag *d)
{
	if (!check_mode(f, file, d))
		return false;
	if (f->param[0] != '/')
		return diag_at(d, file, f->line, "open %s %s: expected an absolute path", f->name, f->param);
	int flags = mode_flags(fixture_opt(f, "mode"));
	if (!fixture_opt(f, "mode"))
		flags = O_RDONLY;
	if (flags != O_RDONLY) {
		for (int i = 0; writable_paths[i]; i++)
			if (strcmp(writable_paths[i], f->param) == 0)
				return true;
		return diag_at(d, file, f->line, "open %s for writing: only /dev/null, /dev/zero and /dev/full may be "
				"written (the harness writes nothing outside its scratch directory)", f->param);
	}
	return true;
}

static void args_open(const struct fixture *f, struct kind_args *ka)
{
	ka->rt.path = f->param;
	ka->rt.flags = (fixture_opt(f, "mode") ? mode_flags(fixture_opt(f, "mode")) : O_RDONLY) |
		       (has(f, "nonblock") ? O_NONBLOCK : 0);
}

static void args_opath(const struct fixture *f, struct kind_args *ka)
{
	ka->rt.path = f->param ? f->param : f->name;
	ka->rt.create = !f->param;
}

static void args_dir(const struct fixture *f, struct kind_args *ka) { ka->rt.path = f->param; }

static const struct name_val socket_types[] = {
	{"unix-stream", SOCK_STREAM}, {"unix-dgram", SOCK_DGRAM}, {"unix-seqpacket", SOCK_SEQPACKET},
};

static bool check_socketpair(const struct fixture *f, const char *file, struct diag *d)
{
	for (size_t i = 0; i < ARRAY_LEN(socket_types); i++)
		if (strcmp(f->param, socket_types[i].name) == 0)
			return check_ends_opt(f, "nonblock", file, d);
	return diag_at(d, file, f->line, "socketpair %s: expected unix-stream, unix-dgram or unix-seqpacket", f->param);
}

static void args_socketpair(const struct fixture *f, struct kind_args *ka)
{
	for (size_t i = 0; i < ARRAY_LEN(socket_types); i++)
		if (strcmp(f->param, socket_types[i].name) == 0)
			ka->rt.type = (int)socket_types[i].val;
	args_ends(f, ka);
}

/* socket TYPE: a socket neither bound nor connected. */
static const struct socket_kind {
	const char *name;
	int domain, type, protocol;
} sockets[] = {
	{"unix-stream", AF_UNIX, SOCK_STREAM, 0},
	{"unix-dgram", AF_UNIX, SOCK_DGRAM, 0},
	{"unix-seqpacket", AF_UNIX, SOCK_SEQPACKET, 0},
	{"inet-stream", AF_INET, SOCK_STREAM, 0},
	{"inet-dgram", AF_INET, SOCK_DGRAM, 0},
	{"inet6-stream", AF_INET6, SOCK_STREAM, 0},
	{"inet-raw", AF_INET, SOCK_RAW, IPPROTO_ICMP},  /* CAP_NET_RAW */
	{"netlink-route", AF_NETLINK, SOCK_RAW, 0},     /* NETLINK_ROUTE */
	{"vsock-stream", AF_VSOCK, SOCK_STREAM, 0},     /* where vsock is loaded */
	{"packet-raw", AF_PACKET, SOCK_RAW, 0},         /* CAP_NET_RAW; protocol 0: it receives nothing */
};

static const struct socket_kind *socket_kind(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(sockets); i++)
		if (strcmp(name, sockets[i].name) == 0)
			return &sockets[i];
	return NULL;
}

static bool check_socket(const struct fixture *f, const char *file, struct diag *d)
{
	if (socket_kind(f->param))
		return true;
	struct sbuf b = {0};
	for (size_t i = 0; i < ARRAY_LEN(sockets); i++)
		sb_printf(&b, "%s%s", i ? ", " : "", sockets[i].name);
	diag_at(d, file, f->line, "socket %s: expected one of %s", f->param, b.s);
	sb_free(&b);
	return false;
}

static void args_socket(const struct fixture *f, struct kind_args *ka)
{
	const struct socket_kind *s = socket_kind(f->param);
	ka->rt.domain = s->domain;
	ka->rt.type = s->type | (has(f, "nonblock") ? SOCK_NONBLOCK : 0);
	ka->rt.protocol = s->protocol;
}

/* fspick, open-tree: an absolute path (default /). */
static bool check_mount_path(const struct fixture *f, const char *file, struct diag *d)
{
	if (f->param && f->param[0] != '/')
		return diag_at(d, file, f->line, "%s %s %s: expected an absolute path", f->kind->name, f->name, f->param);
	return true;
}

static void args_path(const struct fixture *f, struct kind_args *ka) { ka->rt.path = f->param; }

static void args_eventfd(const struct fixture *f, struct kind_args *ka)
{
	ka->rt.count = (unsigned)fixture_opt_num(f, "count", 0);
	args_nonblock_flag(f, ka);
}

static int prot_of(const char *p)
{
	if (!p || strcmp(p, "rw") == 0)
		return PROT_READ | PROT_WRITE;
	if (strcmp(p, "r") == 0)
		return PROT_READ;
	if (strcmp(p, "w") == 0)
		return PROT_WRITE;
	if (strcmp(p, "none") == 0)
		return PROT_NONE;
	return -1;
}

static bool check_buffer(const struct fixture *f, const char *file, struct diag *d)
{
	unsigned long long v;
	static const char *const nums[] = {"pages", "offset", "len"};
	for (size_t i = 0; i < ARRAY_LEN(nums); i++) {
		const char *s = fixture_opt(f, nums[i]);
		if (s && !num_parse(s, &v))
			return diag_at(d, file, f->line, "%s=%s: expected a number", nums[i], s);
	}
	if (fixture_opt_num(f, "pages", 1) == 0 || fixture_opt_num(f, "pages", 1) > 65536)
		return diag_at(d, file, f->line, "pages=%s: expected 1 to 65536", fixture_opt(f, "pages"));
	if (fixture_opt_num(f, "offset", 0) >= fixture_opt_num(f, "pages", 1) * PAGE)
		return diag_at(d, file, f->line, "offset=%s is past the buffer's pages", fixture_opt(f, "offset"));
	if (prot_of(fixture_opt(f, "prot")) < 0)
		return diag_at(d, file, f->line, "prot=%s: expected rw, r, w or none", fixture_opt(f, "prot"));
	return true;
}

static void args_buffer(const struct fixture *f, struct kind_args *ka)
{
	ka->rt.pages = (size_t)fixture_opt_num(f, "pages", 1);
	ka->rt.offset = (size_t)fixture_opt_num(f, "offset", 0);
	ka->rt.len = (size_t)fixture_opt_num(f, "len", 0);
	ka->rt.byte = fixture_opt_byte(f, "fill", 0);
	ka->rt.prot = prot_of(fixture_opt(f, "prot"));
	ka->rt.thp = has(f, "thp");
}

static bool check_offset(const struct fixture *f, const char *file, struct diag *d)
{
	unsigned long long v;
	if (!num_parse(f->param, &v))
		return diag_at(d, file, f->line, "offset %s %s: expected a number", f->name, f->param);
	const char *p = fixture_opt(f, "prot");
	if (p && strcmp(p, "r") != 0 && strcmp(p, "rw") != 0)
		return diag_at(d, file, f->line, "prot=%s: expected r or rw", p);
	return true;
}

static void args_offset(const struct fixture *f, struct kind_args *ka)
{
	unsigned long long v = 0;
	num_parse(f->param, &v);
	ka->rt.value = (long long)v;
	ka->rt.prot = prot_of(fixture_opt(f, "prot"));
}

/* The runtime's maker of a kind, and its name for reproducers. */
#define MAKER(k) rt_make_##k, "rt_make_" #k

static const struct kind kinds[] = {
	{"pipe", ROLE_FD, {"r", "w"}, NULL, {"size", "fill", "byte", "nonblock", "close", "packet", "notify"}, 0,
	 "a pipe: ends NAME.r and NAME.w (packet: O_DIRECT, notify: O_NOTIFICATION_PIPE)", check_pipe, args_pipe, MAKER(pipe),
	 "pipe2 fcntl",
	 "pipe x fill=5 byte=z size=8192 nonblock=w\nfionread x.r"},
	{"fifo", ROLE_FD, {"r", "w", "rw"}, NULL, {"nonblock", "close"}, KIND_NEEDS_SCRATCH,
	 "a FIFO in the scratch directory, opened three ways: NAME.r, NAME.w, NAME.rw (O_RDWR)", check_pipe, args_fifo, MAKER(fifo),
	 "mknodat openat",
	 "fifo x nonblock=r close=w\nwrite x.rw \"ab\""},
	{"file", ROLE_FD, {NULL}, NULL, {"mode", "append", "direct", "nonblock", "fs", "size", "byte", "data"},
	 KIND_NEEDS_SCRATCH, "a regular file in the scratch directory (fs=tmpfs: on /dev/shm)", check_file, args_file, MAKER(file),
	 "openat write",
	 "file x data=\"a\\x01?\" append\nfsize x"},
	{"memfd", ROLE_FD, {NULL}, NULL, {"size", "byte", "data"}, 0, "a memfd", check_file, args_memfd, MAKER(memfd),
	 "memfd_create write",
	 "memfd x size=10 byte=q\nread x 4"},
	{"open", ROLE_FD, {NULL}, "PATH", {"mode", "nonblock"}, KIND_PARAM_REQUIRED,
	 "a device, /proc or /sys file by absolute path (read-only but for /dev/null, /dev/zero, /dev/full)",
	 check_open, args_open, MAKER(open),
	 "openat",
	 "open x /dev/null mode=w\nwrite x \"hi\""},
	{"opath", ROLE_FD, {NULL}, "PATH", {NULL}, KIND_PARAM_OPTIONAL | KIND_NEEDS_SCRATCH,
	 "an O_PATH fd (of PATH, or of a new scratch file)", NULL, args_opath, MAKER(opath),
	 "openat",
	 "opath x\nfsize x"},
	{"dir", ROLE_FD, {NULL}, "PATH", {NULL}, KIND_PARAM_OPTIONAL | KIND_NEEDS_SCRATCH,
	 "a directory opened O_RDONLY (PATH, or the scratch directory)", NULL, args_dir, MAKER(dir),
	 "mkdir|mkdirat openat",
	 "dir x\nread x 1"},
	{"socketpair", ROLE_FD, {"0", "1"}, "TYPE", {"nonblock"}, KIND_PARAM_REQUIRED,
	 "an AF_UNIX socketpair, TYPE unix-stream, unix-dgram or unix-seqpacket: NAME.0, NAME.1", check_socketpair,
	 args_socketpair, MAKER(socketpair),
	 "socketpair",
	 "socketpair x unix-dgram nonblock\nread x.0 1"},
	{"tcp", ROLE_FD, {"c", "s"}, NULL, {"nonblock"}, 0, "a TCP connection on loopback: NAME.c connects, NAME.s accepted",
	 NULL, args_ends, MAKER(tcp),
	 "socket bind listen getsockname connect accept|accept4",
	 "tcp x\nwrite x.c \"tcp\"\nread x.s 3"},
	{"udp", ROLE_FD, {"c", "s"}, NULL, {"nonblock"}, 0, "two connected UDP sockets on loopback: NAME.c, NAME.s", NULL,
	 args_ends, MAKER(udp),
	 "socket bind getsockname connect",
	 "udp x nonblock=s\nread x.s 1"},
	{"pty", ROLE_FD, {"m", "s"}, NULL, {"nonblock"}, 0, "a pseudo-terminal in raw mode: NAME.m master, NAME.s slave",
	 NULL, args_ends, MAKER(pty),
	 "openat ioctl",
	 "pty x\nwrite x.s \"pty\"\nread x.m 3"},
	{"eventfd", ROLE_FD, {NULL}, NULL, {"count", "nonblock"}, 0, "an eventfd", NULL, args_eventfd, MAKER(eventfd),
	 "eventfd2",
	 "eventfd x count=3 nonblock\nread x 8"},
	{"timerfd", ROLE_FD, {NULL}, NULL, {"nonblock"}, 0, "a timerfd (CLOCK_MONOTONIC, not armed)", NULL, args_nonblock_flag, MAKER(timerfd),
	 "timerfd_create",
	 "timerfd x nonblock\nread x 8"},
	{"signalfd", ROLE_FD, {NULL}, NULL, {"nonblock"}, 0, "a signalfd for SIGUSR1", NULL, args_nonblock_flag, MAKER(signalfd),
	 "rt_sigprocmask signalfd4",
	 "signalfd x nonblock\nread x 128"},
	{"epoll", ROLE_FD, {NULL}, NULL, {NULL}, 0, "an epoll fd", NULL, args_none, MAKER(epoll),
	 "epoll_create1",
	 "epoll x\nread x 1"},
	{"inotify", ROLE_FD, {NULL}, NULL, {NULL}, 0, "an inotify fd", NULL, args_none, MAKER(inotify),
	 "inotify_init1",
	 "inotify x\nfionread x"},
	{"pidfd", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a pidfd of the case's own process", NULL, args_none, MAKER(pidfd),
	 "pidfd_open",
	 "pidfd x\nread x 1"},
	{"closed", ROLE_FD, {NULL}, NULL, {NULL}, KIND_CLOSED_FD, "an fd number that is not open", NULL, args_none,
	 MAKER(closed),
	 "fcntl",
	 "closed x\nclose x"},
	{"socket", ROLE_FD, {NULL}, "TYPE", {"nonblock"}, KIND_PARAM_REQUIRED,
	 "a socket neither bound nor connected: TYPE unix-stream, unix-dgram, unix-seqpacket, inet-stream, "
	 "inet-dgram, inet6-stream, inet-raw, netlink-route, vsock-stream, packet-raw", check_socket, args_socket,
	 MAKER(socket),
	 "socket",
	 "socket x inet-stream nonblock\nread x 1"},
	{"fanotify", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a fanotify group (FAN_CLASS_NOTIF, O_RDONLY)", NULL, args_none,
	 MAKER(fanotify),
	 "fanotify_init",
	 "fanotify x\nread x 1"},
	{"userfaultfd", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a userfaultfd (user-mode only where the kernel has it)", NULL,
	 args_none, MAKER(userfaultfd),
	 "userfaultfd",
	 "userfaultfd x\nread x 1"},
	{"perf-event", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a perf event: a disabled software CPU clock of the case",
	 NULL, args_none, rt_make_perf_event, "rt_make_perf_event",
	 "perf_event_open",
	 "perf-event x\nread x 8"},
	{"io-uring", ROLE_FD, {NULL}, NULL, {NULL}, 0, "an io_uring instance with one entry", NULL, args_none,
	 rt_make_io_uring, "rt_make_io_uring",
	 "io_uring_setup",
	 "io-uring x\nread x 1"},
	{"bpf-map", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a bpf array map of one entry", NULL, args_none, rt_make_bpf_map,
	 "rt_make_bpf_map",
	 "bpf",
	 "bpf-map x\nread x 1"},
	{"fsopen", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a file system context (fsopen of tmpfs)", NULL, args_none,
	 MAKER(fsopen),
	 "fsopen",
	 "fsopen x\nread x 1"},
	{"fspick", ROLE_FD, {NULL}, "PATH", {NULL}, KIND_PARAM_OPTIONAL,
	 "a context to reconfigure the mount at PATH (default /), never used to", check_mount_path, args_path,
	 MAKER(fspick),
	 "fspick",
	 "fspick x /\nread x 1"},
	{"open-tree", ROLE_FD, {NULL}, "PATH", {NULL}, KIND_PARAM_OPTIONAL, "open_tree of the mount at PATH (default /)",
	 check_mount_path, args_path, rt_make_open_tree, "rt_make_open_tree",
	 "open_tree",
	 "open-tree x\nread x 1"},
	{"memfd-secret", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a memfd_secret", NULL, args_none, rt_make_memfd_secret,
	 "rt_make_memfd_secret",
	 "memfd_secret",
	 "memfd-secret x\nfsize x"},
	{"seccomp-notify", ROLE_FD, {NULL}, NULL, {NULL}, 0,
	 "a seccomp user-notification fd, of a filter that allows every call (sets no_new_privs)", NULL, args_none,
	 rt_make_seccomp_notify, "rt_make_seccomp_notify",
	 "prctl seccomp",
	 "seccomp-notify x\nfionread x"},
	{"landlock", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a landlock ruleset, not enforced", NULL, args_none,
	 MAKER(landlock),
	 "landlock_create_ruleset",
	 "landlock x\nread x 1"},
	{"buffer", ROLE_BUFFER, {NULL}, NULL, {"pages", "offset", "len", "fill", "prot", "thp"}, 0,
	 "user memory: pages=N (then a guard page), offset=N into them, fill=c, prot=rw|r|w|none; thp: one "
	 "transparent huge page instead (SKIP where the kernel gives none)", check_buffer,
	 args_buffer, MAKER(buffer),
	 "mmap mprotect",
	 "buffer x pages=2 offset=100 fill=k prot=r\npeek x+4090 10"},
	{"offset", ROLE_OFFSET, {NULL}, "VALUE", {"prot"}, KIND_PARAM_REQUIRED,
	 "an loff_t holding VALUE, for splice's offset pointers (&NAME); prot=r makes it read-only", check_offset,
	 args_offset, MAKER(offset),
	 "mmap mprotect",
	 "offset x 7 prot=r\ngetoff x"},
};

const struct kind *kind_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

const struct kind *kind_at(size_t i) { return i < ARRAY_LEN(kinds) ? &kinds[i] : NULL; }

int kind_end_index(const struct kind *k, const char *end)
{
	for (int i = 0; k->ends[i]; i++)
		if (strcmp(k->ends[i], end) == 0)
			return i;
	return -1;
}

void kind_describe(const struct fixture *f, int end, struct sbuf *b)
{
	sb_puts(b, f->kind->name);
	char sep = ':';
	if (f->kind->ends[0]) {
		sb_printf(b, "%c%s", sep, f->kind->ends[end]);
		sep = ',';
	}
	if (f->param) {
		sb_printf(b, "%c%s", sep, f->param);
		sep = ',';
	}
	for (int i = 0; i < f->nopts; i++) {
		if (strcmp(f->opts[i].key, "data") == 0)
			continue;
		sb_printf(b, "%c%s%s%s", sep, f->opts[i].key, *f->opts[i].val ? "=" : "", f->opts[i].val);
		sep = ',';
	}
}

void kind_args(const struct fixture *f, struct kind_args *ka)
{
	*ka = (struct kind_args){0};
	f->kind->args(f, ka);
}

void kind_args_free(struct kind_args *ka)
{
	xfree(ka->text);
	ka->text = NULL;
}

int kind_make(const struct fixture *f, struct rt_fixture *fx, const struct make_env *env, char *why, size_t n)
{
	struct kind_args ka;
	kind_args(f, &ka);
	int err = 0;
	if (ka.in_tmpfs) {
		if (!env->tmpfs_dir) {
			snprintf(why, n, "no tmpfs scratch directory (/dev/shm): %s", strerror(ENOENT));
			kind_args_free(&ka);
			return ENOENT;
		}
		snprintf(ka.path, sizeof ka.path, "%s/%s", env->tmpfs_dir, f->name);
		ka.rt.path = ka.path;
	}
	if ((err = f->kind->make(&ka.rt, fx)))
		snprintf(why, n, "%s: %s", rt_failed, strerror(err));
	kind_args_free(&ka);
	return err;
}
