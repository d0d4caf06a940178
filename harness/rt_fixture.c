/* Fixture makers: one function per kind of fd or memory a case declares
 * (kinds.c maps the case's options to struct rt_fixture_args; a
 * reproducer calls the same function with the same arguments).  Part of
 * the runtime: see rt.h for the rules. */
#include "rt.h"
#include "thp_rt.h"

_Thread_local const char *rt_failed = "";

bool rt_unavailable(int err)
{
	switch (err) {
	case EPERM: case EACCES: case ENOENT: case ENOSYS: case EAFNOSUPPORT: case EPROTONOSUPPORT:
	case EOPNOTSUPP: case ENODEV: case ENXIO: case ENOPKG:
		return true;
	default:
		return false;
	}
}

unsigned long rt_page_size(void)
{
	static unsigned long page;
	if (!page) {
		long p = sysconf(_SC_PAGESIZE);
		page = p > 0 ? (unsigned long)p : 4096;
	}
	return page;
}

/* The errno of the operation that failed, remembered by name. */
static int rt_fail(const char *what)
{
	rt_failed = what;
	return errno ? errno : EIO;
}

int rt_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int rt_write_all(int fd, int byte, size_t n)
{
	unsigned char chunk[4096];
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
 * one whole page, then tops up a partly full last page byte by byte. */
int rt_fill_pipe(int fd, int byte)
{
	int fl = fcntl(fd, F_GETFL);
	unsigned char chunk[RT_PAGE_MAX];
	size_t page = rt_page_size() < sizeof chunk ? rt_page_size() : sizeof chunk;
	memset(chunk, byte, page);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int err = 0;
	while (write(fd, chunk, page) > 0)
		;
	if (errno != EAGAIN)
		err = errno;
	while (!err && write(fd, chunk, 1) > 0)
		;
	fcntl(fd, F_SETFL, fl);
	return err;
}

/* nonblock= and close= of a kind with ends, in that order. */
static int rt_ends(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	for (int i = 0; i < RT_MAX_ENDS; i++)
		if ((a->nonblock & RT_END(i)) && fx->fd[i] >= 0 && rt_set_nonblock(fx->fd[i], 1) < 0)
			return rt_fail("O_NONBLOCK");
	for (int i = 0; i < RT_MAX_ENDS; i++) {
		if ((a->close & RT_END(i)) && fx->fd[i] >= 0) {
			close(fx->fd[i]);
			fx->fd[i] = -1;
		}
	}
	return 0;
}

/* A pipe: fd[0] reads, fd[1] writes.  flags: pipe2's (O_DIRECT: packet
 * mode; O_EXCL: O_NOTIFICATION_PIPE), size: F_SETPIPE_SZ, fill bytes of
 * byte (RT_FULL: until full). */
int rt_make_pipe(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if (pipe2(fx->fd, a->flags) < 0) {
		/* a kernel (or gVisor) that does not know the flag says EINVAL:
		 * the feature is missing, so the case is skipped, not broken */
		int err = rt_fail((a->flags & O_EXCL) ? "pipe2(O_NOTIFICATION_PIPE)" : a->flags ? "pipe2(O_DIRECT)" : "pipe2");
		return err == EINVAL && a->flags ? EOPNOTSUPP : err;
	}
	if (a->size && fcntl(fx->fd[1], F_SETPIPE_SZ, (int)a->size) < 0)
		return rt_fail("F_SETPIPE_SZ");
	int err = a->fill == RT_FULL ? rt_fill_pipe(fx->fd[1], a->byte)
		  : a->fill	     ? rt_write_all(fx->fd[1], a->byte, (size_t)a->fill)
				     : 0;
	if (err) {
		rt_failed = "filling the pipe";
		return err;
	}
	return rt_ends(a, fx);
}

/* A FIFO at path, opened three ways: fd[0] read, fd[1] write, fd[2]
 * O_RDWR.  The read end is opened first and non-blocking, so that opening
 * the write end does not wait for a reader. */
int rt_make_fifo(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if (mkfifo(a->path, 0600) < 0)
		return rt_fail("mkfifo");
	if ((fx->fd[0] = open(a->path, O_RDONLY | O_NONBLOCK)) < 0)
		return rt_fail("open fifo for reading");
	if ((fx->fd[1] = open(a->path, O_WRONLY)) < 0)
		return rt_fail("open fifo for writing");
	if ((fx->fd[2] = open(a->path, O_RDWR)) < 0)
		return rt_fail("open fifo O_RDWR");
	rt_set_nonblock(fx->fd[0], 0);
	return rt_ends(a, fx);
}

/* Content: text when given, else size bytes of byte. */
static int rt_content(const struct rt_fixture_args *a, int fd)
{
	if (a->text)
		return write(fd, a->text, a->textlen) < 0 ? errno : 0;
	return rt_write_all(fd, a->byte, (size_t)a->size);
}

/* A regular file at path: created with its content, then opened again
 * with the flags under test. */
int rt_make_file(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	int w = open(a->path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	if (w < 0)
		return rt_fail("create file");
	int err = rt_content(a, w);
	close(w);
	if (err) {
		rt_failed = "write file content";
		return err;
	}
	if ((fx->fd[0] = open(a->path, a->flags)) < 0) {
		/* a file system without O_DIRECT (tmpfs before 6.6) says EINVAL:
		 * the feature is missing here, so the case is skipped */
		err = rt_fail((a->flags & O_DIRECT) ? "open with O_DIRECT" : "open file");
		return err == EINVAL && (a->flags & O_DIRECT) ? EOPNOTSUPP : err;
	}
	return 0;
}

/* A memfd named path with its content, at offset 0. */
int rt_make_memfd(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if ((fx->fd[0] = memfd_create(a->path ? a->path : "memfd", 0)) < 0)
		return rt_fail("memfd_create");
	int err = rt_content(a, fx->fd[0]);
	if (err) {
		rt_failed = "write memfd content";
		return err;
	}
	lseek(fx->fd[0], 0, SEEK_SET);
	return 0;
}

/* path opened with flags (O_NOCTTY added: a terminal never becomes the
 * case's controlling one). */
int rt_make_open(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if ((fx->fd[0] = open(a->path, a->flags | O_NOCTTY)) < 0)
		return rt_fail(a->path);
	return 0;
}

/* An O_PATH fd of path; create: of a new file of that name. */
int rt_make_opath(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if (a->create) {
		int w = open(a->path, O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (w < 0)
			return rt_fail("create file for O_PATH");
		close(w);
	}
	if ((fx->fd[0] = open(a->path, O_PATH)) < 0)
		return rt_fail("open O_PATH");
	return 0;
}

/* A directory (path, or the current one) opened O_RDONLY. */
int rt_make_dir(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if ((fx->fd[0] = open(a->path ? a->path : ".", O_RDONLY | O_DIRECTORY)) < 0)
		return rt_fail("open directory");
	return 0;
}

/* An AF_UNIX socketpair of the given type: fd[0] and fd[1]. */
int rt_make_socketpair(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if (socketpair(AF_UNIX, a->type ? a->type : SOCK_STREAM, 0, fx->fd) < 0)
		return rt_fail("socketpair");
	return rt_ends(a, fx);
}

/* Loopback TCP: fd[0] the connecting socket, fd[1] the accepted one. */
int rt_make_tcp(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof sa;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return rt_fail("socket(AF_INET)");
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &al) < 0) {
		int err = rt_fail("listen on loopback");
		close(l);
		return err;
	}
	fx->fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fx->fd[0] < 0 || connect(fx->fd[0], (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = rt_fail("connect on loopback");
		close(l);
		return err;
	}
	fx->fd[1] = accept(l, NULL, NULL);
	int err = fx->fd[1] < 0 ? rt_fail("accept") : 0;
	close(l);
	return err ? err : rt_ends(a, fx);
}

/* Loopback UDP: two sockets connected to each other. */
int rt_make_udp(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	struct sockaddr_in sa[2];
	for (int i = 0; i < 2; i++) {
		socklen_t al = sizeof sa[i];
		sa[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if ((fx->fd[i] = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    bind(fx->fd[i], (struct sockaddr *)&sa[i], sizeof sa[i]) < 0 ||
		    getsockname(fx->fd[i], (struct sockaddr *)&sa[i], &al) < 0)
			return rt_fail("udp socket on loopback");
	}
	for (int i = 0; i < 2; i++)
		if (connect(fx->fd[i], (struct sockaddr *)&sa[1 - i], sizeof sa[i]) < 0)
			return rt_fail("connect udp");
	return rt_ends(a, fx);
}

/* A pseudo-terminal in raw mode, so the bytes read are the bytes
 * written: fd[0] the master, fd[1] the slave. */
int rt_make_pty(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if ((fx->fd[0] = posix_openpt(O_RDWR | O_NOCTTY)) < 0)
		return rt_fail("posix_openpt");
	if (grantpt(fx->fd[0]) < 0 || unlockpt(fx->fd[0]) < 0)
		return rt_fail("unlockpt");
	const char *name = ptsname(fx->fd[0]);
	if (!name || (fx->fd[1] = open(name, O_RDWR | O_NOCTTY)) < 0)
		return rt_fail("open pty slave");
	struct termios t;
	if (tcgetattr(fx->fd[1], &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fx->fd[1], TCSANOW, &t);
	}
	return rt_ends(a, fx);
}

/* One fd from one call: fd[0]. */
static int rt_one(int fd, struct rt_fixture *fx, const char *what)
{
	if ((fx->fd[0] = fd) < 0)
		return rt_fail(what);
	return 0;
}

/* flags O_NONBLOCK: EFD_NONBLOCK, TFD_NONBLOCK and SFD_NONBLOCK are it. */
int rt_make_eventfd(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	return rt_one(eventfd(a->count, a->flags & O_NONBLOCK ? EFD_NONBLOCK : 0), fx, "eventfd");
}

/* Not armed: on CLOCK_MONOTONIC. */
int rt_make_timerfd(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	return rt_one(timerfd_create(CLOCK_MONOTONIC, a->flags & O_NONBLOCK ? TFD_NONBLOCK : 0), fx, "timerfd_create");
}

/* For SIGUSR1. */
int rt_make_signalfd(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	return rt_one(signalfd(-1, &m, a->flags & O_NONBLOCK ? SFD_NONBLOCK : 0), fx, "signalfd");
}

int rt_make_epoll(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	return rt_one(epoll_create1(0), fx, "epoll_create1");
}

int rt_make_inotify(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	return rt_one(inotify_init1(0), fx, "inotify_init1");
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* The process's own pidfd, by the syscall's number: older C libraries
 * have no wrapper. */
int rt_make_pidfd(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	return rt_one((int)syscall(SYS_pidfd_open, getpid(), 0), fx, "pidfd_open");
}

/* An fd number that is certainly closed: high enough that no later
 * fixture is given it.  Under a small RLIMIT_NOFILE (ulimit -n 20) no fd
 * at or past the limit can be opened, so the first such number that is
 * not an fd inherited open is closed for good; it is never a low number a
 * later fixture would take.  The harness checks it is still closed at
 * every step (KIND_CLOSED_FD in kinds.h). */
int rt_make_closed(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	(void)a;
	int fd = fcntl(0, F_DUPFD, 200);
	if (fd >= 0) {
		close(fd);
	} else {
		for (fd = 200; fcntl(fd, F_GETFD) >= 0; fd++)
			;
	}
	fx->fd[0] = fd;
	return 0;
}

/* Where buffers go: low in the address space, at a fixed address, the
 * next free one after the last buffer, not where mmap puts them by
 * itself: just below the stack, at a distance ASLR draws anew for each
 * run.  A length that reaches past a buffer (2 GiB) is then refused or
 * clamped by the kernel's access_ok the same way in every run: arm64's
 * 6.1 has mmap's area within about 2 GiB of the top of user space, and
 * refused such an iovec (EFAULT) in most runs but clamped it in some.
 * Where that address is taken, the next gigabyte; after a few, mmap's
 * own choice. */
#define RT_BUFFER_BASE 0x40000000UL
#define RT_BUFFER_STEP 0x40000000UL
void *rt_map_low(size_t len)
{
	static uintptr_t next = RT_BUFFER_BASE;
	uintptr_t hint = next;
	for (int i = 0; i < 4 && hint && hint + len > hint; i++, hint += RT_BUFFER_STEP) {
		void *p = mmap((void *)hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		if ((uintptr_t)p == hint) {
			next = hint + len;
			return p;
		}
		munmap(p, len); /* the kernel put it elsewhere: the hint is taken */
	}
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* pages of memory filled with byte, then one inaccessible guard page so
 * that a transfer running past the end faults instead of reading a
 * neighbour; the buffer starts offset bytes in, len long when given. */
int rt_make_buffer(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	if (a->thp) {
		static _Thread_local char why[160];
		fx->base = thp_buffer(a->byte, &fx->len, why, sizeof why);
		rt_failed = why;
		return fx->base ? 0 : (errno ? errno : EIO);
	}
	size_t pages = a->pages ? a->pages : 1, page = rt_page_size();
	fx->maplen = (pages + 1) * page;
	fx->map = rt_map_low(fx->maplen);
	if (fx->map == MAP_FAILED) {
		fx->map = NULL;
		return rt_fail("mmap buffer");
	}
	fx->base = fx->map + a->offset;
	fx->len = pages * page - a->offset;
	if (a->len && a->len < fx->len)
		fx->len = a->len;
	memset(fx->map, a->byte, pages * page);
	if (mprotect(fx->map + pages * page, page, PROT_NONE) < 0 ||
	    mprotect(fx->map, pages * page, a->prot) < 0)
		return rt_fail("mprotect buffer");
	return 0;
}

/* An loff_t holding value, on a page of its own so that prot can make it
 * read-only. */
int rt_make_offset(const struct rt_fixture_args *a, struct rt_fixture *fx)
{
	size_t page = rt_page_size();
	fx->maplen = page;
	fx->map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fx->map == MAP_FAILED) {
		fx->map = NULL;
		return rt_fail("mmap offset");
	}
	fx->off = (loff_t *)(void *)fx->map;
	*fx->off = a->value;
	if (mprotect(fx->map, page, a->prot) < 0)
		return rt_fail("mprotect offset");
	return 0;
}
