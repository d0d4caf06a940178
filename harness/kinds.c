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
#include "thp_rt.h"

/* The running kernel's page: buffers are whole pages with a guard page
 * after them, and a full pipe is one page per slot. */
#define PAGE abi_page_size()
#define PAGE_MAX (64 * 1024) /* the largest page Linux uses on the architectures we build for */

static int fail(char *why, size_t n, int err, const char *what)
{
	snprintf(why, n, "%s: %s", what, strerror(err));
	return err;
}


static bool has(const struct fixture *f, const char *key) { return fixture_opt(f, key) != NULL; }

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

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

static int apply_nonblock(const struct fixture *f, struct fxstate *st, const char *const ends[])
{
	const char *v = fixture_opt(f, "nonblock");
	if (!v)
		return 0;
	for (int i = 0; ends[i]; i++)
		if (end_selected(v, ends[i]) && st->fd[i] >= 0 && set_nonblock(st->fd[i], true) < 0)
			return errno;
	return 0;
}

static int write_all(int fd, int byte, size_t n)
{
	static unsigned char chunk[PAGE_MAX];
	memset(chunk, byte, sizeof chunk);
	while (n) {
		ssize_t w = write(fd, chunk, n < sizeof chunk ? n : sizeof chunk);
		if (w < 0)
			return errno;
		n -= (size_t)w;
	}
	return 0;
}

/* Fills a pipe until it says EAGAIN, one page per write so every slot is
 * one whole page. */
static int fill_pipe(int fd, int byte)
{
	int fl = fcntl(fd, F_GETFL);
	static unsigned char chunk[PAGE_MAX];
	size_t page = PAGE < sizeof chunk ? PAGE : sizeof chunk;
	memset(chunk, byte, page);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int err = 0;
	while (write(fd, chunk, page) > 0)
		;
	if (errno != EAGAIN)
		err = errno;
	/* a partially full last page: top up byte by byte */
	while (!err && write(fd, chunk, 1) > 0)
		;
	fcntl(fd, F_SETFL, fl);
	return err;
}

static int close_ends(const struct fixture *f, struct fxstate *st, const char *const ends[])
{
	const char *v = fixture_opt(f, "close");
	for (int i = 0; v && ends[i]; i++) {
		if (end_selected(v, ends[i]) && st->fd[i] >= 0) {
			close(st->fd[i]);
			st->fd[i] = -1;
		}
	}
	return 0;
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

static int make_pipe(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	int fds[2];
	/* O_NOTIFICATION_PIPE is O_EXCL: a watch-queue pipe */
	int flags = (has(f, "packet") ? O_DIRECT : 0) | (has(f, "notify") ? O_EXCL : 0);
	if (pipe2(fds, flags) < 0) {
		/* a kernel (or gVisor) that does not know the flag says EINVAL:
		 * the feature is missing, so the case is skipped, not broken */
		int err = errno == EINVAL && flags ? EOPNOTSUPP : errno;
		return fail(why, n, err, has(f, "notify") ? "pipe2(O_NOTIFICATION_PIPE)" : "pipe2(O_DIRECT)");
	}
	st->fd[0] = fds[0];
	st->fd[1] = fds[1];
	unsigned long long size = fixture_opt_num(f, "size", 0);
	if (size && fcntl(fds[1], F_SETPIPE_SZ, (int)size) < 0)
		return fail(why, n, errno, "F_SETPIPE_SZ");
	const char *fill = fixture_opt(f, "fill");
	int byte = fixture_opt_byte(f, "byte", 'f');
	int err = 0;
	if (fill && strcmp(fill, "full") == 0)
		err = fill_pipe(fds[1], byte);
	else if (fill)
		err = write_all(fds[1], byte, fixture_opt_num(f, "fill", 0));
	if (err)
		return fail(why, n, err, "filling the pipe");
	if ((err = apply_nonblock(f, st, f->kind->ends)))
		return fail(why, n, err, "O_NONBLOCK");
	return close_ends(f, st, f->kind->ends);
}

static int make_fifo(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	char path[256];
	snprintf(path, sizeof path, "%s.fifo", f->name);
	if (mkfifo(path, 0600) < 0)
		return fail(why, n, errno, "mkfifo");
	/* the read end first and non-blocking, so opening the write end
	 * does not wait for a reader */
	if ((st->fd[0] = open(path, O_RDONLY | O_NONBLOCK)) < 0)
		return fail(why, n, errno, "open fifo for reading");
	if ((st->fd[1] = open(path, O_WRONLY)) < 0)
		return fail(why, n, errno, "open fifo for writing");
	if ((st->fd[2] = open(path, O_RDWR)) < 0)
		return fail(why, n, errno, "open fifo O_RDWR");
	set_nonblock(st->fd[0], false);
	int err = apply_nonblock(f, st, f->kind->ends);
	if (err)
		return fail(why, n, err, "O_NONBLOCK");
	return close_ends(f, st, f->kind->ends);
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
static int write_content(const struct fixture *f, int fd)
{
	const char *data = fixture_opt(f, "data");
	if (data) {
		long len = lex_unquote(data, NULL, NULL);
		char *buf = xmalloc((size_t)len + 1);
		lex_unquote(data, buf, NULL);
		ssize_t w = write(fd, buf, (size_t)len);
		int err = w < 0 ? errno : 0;
		xfree(buf);
		return err;
	}
	return write_all(fd, fixture_opt_byte(f, "byte", 'f'), fixture_opt_num(f, "size", 0));
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

static int make_file(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	char path[512];
	const char *fs = fixture_opt(f, "fs");
	if (fs && strcmp(fs, "tmpfs") == 0) {
		if (!env->tmpfs_dir)
			return fail(why, n, ENOENT, "no tmpfs scratch directory (/dev/shm)");
		snprintf(path, sizeof path, "%s/%s", env->tmpfs_dir, f->name);
	} else {
		snprintf(path, sizeof path, "%s", f->name);
	}
	int w = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	if (w < 0)
		return fail(why, n, errno, "create file");
	int err = write_content(f, w);
	close(w);
	if (err)
		return fail(why, n, err, "write file content");
	int flags = mode_flags(fixture_opt(f, "mode"));
	if (has(f, "append"))
		flags |= O_APPEND;
	if (has(f, "direct"))
		flags |= O_DIRECT;
	if (has(f, "nonblock"))
		flags |= O_NONBLOCK;
	if ((st->fd[0] = open(path, flags)) < 0) {
		/* a file system without O_DIRECT (tmpfs before 6.6) says EINVAL:
		 * the feature is missing here, so the case is skipped */
		int err = errno == EINVAL && has(f, "direct") ? EOPNOTSUPP : errno;
		return fail(why, n, err, has(f, "direct") ? "open with O_DIRECT" : "open file");
	}
	return 0;
}

static int make_memfd(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	if ((st->fd[0] = memfd_create(f->name, 0)) < 0)
		return fail(why, n, errno, "memfd_create");
	int err = write_content(f, st->fd[0]);
	if (err)
		return fail(why, n, err, "write memfd content");
	lseek(st->fd[0], 0, SEEK_SET);
	return 0;
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

static int make_open(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	int flags = fixture_opt(f, "mode") ? mode_flags(fixture_opt(f, "mode")) : O_RDONLY;
	if (has(f, "nonblock"))
		flags |= O_NONBLOCK;
	if ((st->fd[0] = open(f->param, flags | O_NOCTTY)) < 0)
		return fail(why, n, errno, f->param);
	return 0;
}

static int make_opath(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	const char *path = f->param;
	if (!path) {
		int w = open(f->name, O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (w < 0)
			return fail(why, n, errno, "create file for O_PATH");
		close(w);
		path = f->name;
	}
	if ((st->fd[0] = open(path, O_PATH)) < 0)
		return fail(why, n, errno, "open O_PATH");
	return 0;
}

static int make_dir(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	if ((st->fd[0] = open(f->param ? f->param : ".", O_RDONLY | O_DIRECTORY)) < 0)
		return fail(why, n, errno, "open directory");
	return 0;
}

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

static int make_socketpair(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	int type = SOCK_STREAM, sv[2];
	for (size_t i = 0; i < ARRAY_LEN(socket_types); i++)
		if (strcmp(f->param, socket_types[i].name) == 0)
			type = (int)socket_types[i].val;
	if (socketpair(AF_UNIX, type, 0, sv) < 0)
		return fail(why, n, errno, "socketpair");
	st->fd[0] = sv[0];
	st->fd[1] = sv[1];
	int err = apply_nonblock(f, st, f->kind->ends);
	return err ? fail(why, n, err, "O_NONBLOCK") : 0;
}

/* Loopback TCP: end c is the connecting socket, end s the accepted one. */
static int make_tcp(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return fail(why, n, errno, "socket(AF_INET)");
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0) {
		int e = errno;
		close(l);
		return fail(why, n, e, "listen on loopback");
	}
	st->fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (st->fd[0] < 0 || connect(st->fd[0], (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(l);
		return fail(why, n, e, "connect on loopback");
	}
	st->fd[1] = accept(l, NULL, NULL);
	int e = errno;
	close(l);
	if (st->fd[1] < 0)
		return fail(why, n, e, "accept");
	int err = apply_nonblock(f, st, f->kind->ends);
	return err ? fail(why, n, err, "O_NONBLOCK") : 0;
}

/* Loopback UDP: two sockets connected to each other. */
static int make_udp(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	struct sockaddr_in a[2];
	for (int i = 0; i < 2; i++) {
		socklen_t al = sizeof a[i];
		a[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if ((st->fd[i] = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    bind(st->fd[i], (struct sockaddr *)&a[i], sizeof a[i]) < 0 ||
		    getsockname(st->fd[i], (struct sockaddr *)&a[i], &al) < 0)
			return fail(why, n, errno, "udp socket on loopback");
	}
	for (int i = 0; i < 2; i++)
		if (connect(st->fd[i], (struct sockaddr *)&a[1 - i], sizeof a[i]) < 0)
			return fail(why, n, errno, "connect udp");
	int err = apply_nonblock(f, st, f->kind->ends);
	return err ? fail(why, n, err, "O_NONBLOCK") : 0;
}

static int make_pty(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	if ((st->fd[0] = posix_openpt(O_RDWR | O_NOCTTY)) < 0)
		return fail(why, n, errno, "posix_openpt");
	if (grantpt(st->fd[0]) < 0 || unlockpt(st->fd[0]) < 0)
		return fail(why, n, errno, "unlockpt");
	const char *name = ptsname(st->fd[0]);
	if (!name || (st->fd[1] = open(name, O_RDWR | O_NOCTTY)) < 0)
		return fail(why, n, errno, "open pty slave");
	/* raw mode, so the bytes read are the bytes written */
	struct termios t;
	if (tcgetattr(st->fd[1], &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(st->fd[1], TCSANOW, &t);
	}
	int err = apply_nonblock(f, st, f->kind->ends);
	return err ? fail(why, n, err, "O_NONBLOCK") : 0;
}

static int one_fd(int fd, struct fxstate *st, char *why, size_t n, const char *what)
{
	if ((st->fd[0] = fd) < 0)
		return fail(why, n, errno, what);
	return 0;
}

static int make_eventfd(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	return one_fd(eventfd((unsigned)fixture_opt_num(f, "count", 0), has(f, "nonblock") ? EFD_NONBLOCK : 0), st, why, n, "eventfd");
}

static int make_timerfd(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	return one_fd(timerfd_create(CLOCK_MONOTONIC, has(f, "nonblock") ? TFD_NONBLOCK : 0), st, why, n, "timerfd_create");
}

static int make_signalfd(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	return one_fd(signalfd(-1, &m, has(f, "nonblock") ? SFD_NONBLOCK : 0), st, why, n, "signalfd");
}

static int make_epoll(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)f, (void)env;
	return one_fd(epoll_create1(0), st, why, n, "epoll_create1");
}

static int make_inotify(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)f, (void)env;
	return one_fd(inotify_init1(0), st, why, n, "inotify_init1");
}

static int make_pidfd(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)f, (void)env;
	return one_fd((int)syscall(SYS_pidfd_open, getpid(), 0), st, why, n, "pidfd_open");
}

/* An fd number that is certainly closed: high enough that no later
 * fixture is given it.  Under a small RLIMIT_NOFILE (ulimit -n 20) no fd
 * at or past the limit can be opened, so the first such number that is not
 * an fd inherited open is closed for good; it is never a low number a
 * later fixture would take.  child.c checks it is still closed at every
 * step (KIND_CLOSED_FD). */
static int make_closed(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)f, (void)env, (void)why, (void)n;
	int fd = fcntl(0, F_DUPFD, 200);
	if (fd >= 0) {
		close(fd);
	} else {
		for (fd = 200; fcntl(fd, F_GETFD) >= 0; fd++)
			;
	}
	st->fd[0] = fd;
	return 0;
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

/* Pages of user memory, followed by one inaccessible guard page so that a
 * transfer running past the end faults instead of reading a neighbour. */
static int make_buffer(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	if (has(f, "thp")) {
		/* one huge page: harness/thp_rt.c, which reproducers embed */
		st->base = thp_buffer(fixture_opt_byte(f, "fill", 0), &st->len, why, n);
		return st->base ? 0 : errno;
	}
	size_t pages = (size_t)fixture_opt_num(f, "pages", 1);
	st->maplen = (pages + 1) * PAGE;
	st->map = mmap(NULL, st->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st->map == MAP_FAILED) {
		st->map = NULL;
		return fail(why, n, errno, "mmap buffer");
	}
	size_t off = (size_t)fixture_opt_num(f, "offset", 0);
	st->base = st->map + off;
	st->len = pages * PAGE - off;
	if (fixture_opt(f, "len") && fixture_opt_num(f, "len", 0) < st->len)
		st->len = (size_t)fixture_opt_num(f, "len", 0);
	memset(st->map, fixture_opt_byte(f, "fill", 0), pages * PAGE);
	if (mprotect(st->map + pages * PAGE, PAGE, PROT_NONE) < 0 ||
	    mprotect(st->map, pages * PAGE, prot_of(fixture_opt(f, "prot"))) < 0)
		return fail(why, n, errno, "mprotect buffer");
	return 0;
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

static int make_offset(const struct fixture *f, struct fxstate *st, const struct make_env *env, char *why, size_t n)
{
	(void)env;
	st->maplen = PAGE;
	st->map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st->map == MAP_FAILED) {
		st->map = NULL;
		return fail(why, n, errno, "mmap offset");
	}
	unsigned long long v = 0;
	num_parse(f->param, &v);
	st->off = (long long *)st->map;
	*st->off = (long long)v;
	const char *p = fixture_opt(f, "prot");
	if (p && strcmp(p, "r") == 0 && mprotect(st->map, PAGE, PROT_READ) < 0)
		return fail(why, n, errno, "mprotect offset");
	return 0;
}

static const struct kind kinds[] = {
	{"pipe", ROLE_FD, {"r", "w"}, NULL, {"size", "fill", "byte", "nonblock", "close", "packet", "notify"}, 0,
	 "a pipe: ends NAME.r and NAME.w (packet: O_DIRECT, notify: O_NOTIFICATION_PIPE)", check_pipe, make_pipe},
	{"fifo", ROLE_FD, {"r", "w", "rw"}, NULL, {"nonblock", "close"}, KIND_NEEDS_SCRATCH,
	 "a FIFO in the scratch directory, opened three ways: NAME.r, NAME.w, NAME.rw (O_RDWR)", check_pipe, make_fifo},
	{"file", ROLE_FD, {NULL}, NULL, {"mode", "append", "direct", "nonblock", "fs", "size", "byte", "data"},
	 KIND_NEEDS_SCRATCH, "a regular file in the scratch directory (fs=tmpfs: on /dev/shm)", check_file, make_file},
	{"memfd", ROLE_FD, {NULL}, NULL, {"size", "byte", "data"}, 0, "a memfd", check_file, make_memfd},
	{"open", ROLE_FD, {NULL}, "PATH", {"mode", "nonblock"}, KIND_PARAM_REQUIRED,
	 "a device, /proc or /sys file by absolute path (read-only but for /dev/null, /dev/zero, /dev/full)",
	 check_open, make_open},
	{"opath", ROLE_FD, {NULL}, "PATH", {NULL}, KIND_PARAM_OPTIONAL | KIND_NEEDS_SCRATCH,
	 "an O_PATH fd (of PATH, or of a new scratch file)", NULL, make_opath},
	{"dir", ROLE_FD, {NULL}, "PATH", {NULL}, KIND_PARAM_OPTIONAL | KIND_NEEDS_SCRATCH,
	 "a directory opened O_RDONLY (PATH, or the scratch directory)", NULL, make_dir},
	{"socketpair", ROLE_FD, {"0", "1"}, "TYPE", {"nonblock"}, KIND_PARAM_REQUIRED,
	 "an AF_UNIX socketpair, TYPE unix-stream, unix-dgram or unix-seqpacket: NAME.0, NAME.1", check_socketpair,
	 make_socketpair},
	{"tcp", ROLE_FD, {"c", "s"}, NULL, {"nonblock"}, 0, "a TCP connection on loopback: NAME.c connects, NAME.s accepted",
	 NULL, make_tcp},
	{"udp", ROLE_FD, {"c", "s"}, NULL, {"nonblock"}, 0, "two connected UDP sockets on loopback: NAME.c, NAME.s", NULL,
	 make_udp},
	{"pty", ROLE_FD, {"m", "s"}, NULL, {"nonblock"}, 0, "a pseudo-terminal in raw mode: NAME.m master, NAME.s slave",
	 NULL, make_pty},
	{"eventfd", ROLE_FD, {NULL}, NULL, {"count", "nonblock"}, 0, "an eventfd", NULL, make_eventfd},
	{"timerfd", ROLE_FD, {NULL}, NULL, {"nonblock"}, 0, "a timerfd (CLOCK_MONOTONIC, not armed)", NULL, make_timerfd},
	{"signalfd", ROLE_FD, {NULL}, NULL, {"nonblock"}, 0, "a signalfd for SIGUSR1", NULL, make_signalfd},
	{"epoll", ROLE_FD, {NULL}, NULL, {NULL}, 0, "an epoll fd", NULL, make_epoll},
	{"inotify", ROLE_FD, {NULL}, NULL, {NULL}, 0, "an inotify fd", NULL, make_inotify},
	{"pidfd", ROLE_FD, {NULL}, NULL, {NULL}, 0, "a pidfd of the case's own process", NULL, make_pidfd},
	{"closed", ROLE_FD, {NULL}, NULL, {NULL}, KIND_CLOSED_FD, "an fd number that is not open", NULL, make_closed},
	{"buffer", ROLE_BUFFER, {NULL}, NULL, {"pages", "offset", "len", "fill", "prot", "thp"}, 0,
	 "user memory: pages=N (then a guard page), offset=N into them, fill=c, prot=rw|r|w|none; thp: one "
	 "transparent huge page instead (SKIP where the kernel gives none)", check_buffer,
	 make_buffer},
	{"offset", ROLE_OFFSET, {NULL}, "VALUE", {"prot"}, KIND_PARAM_REQUIRED,
	 "an loff_t holding VALUE, for splice's offset pointers (&NAME); prot=r makes it read-only", check_offset,
	 make_offset},
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
