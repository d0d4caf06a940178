/* Steps the harness does itself rather than as one syscall (calls.c's exec
 * functions call these; a reproducer's step calls them by the same name).
 * Each returns the step's value, or -1 with errno set.  Part of the
 * runtime: see rt.h for the rules. */
#include "rt.h"
#include "actor_rt.h"
#include "sigrec.h"

long long rt_fionread(int fd)
{
	int n = 0;
	if (ioctl(fd, FIONREAD, &n) < 0)
		return -1;
	return n;
}

long long rt_fsize(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	return (long long)st.st_size;
}

/* Writes until the fd says EAGAIN, a page at a time, and returns how much
 * went in: a pipe's capacity as this kernel counts it. */
long long rt_fill(int fd)
{
	static const char page[RT_PAGE_MAX];
	size_t n = rt_page_size() < sizeof page ? rt_page_size() : sizeof page;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	long long total = 0;
	ssize_t w;
	while ((w = write(fd, page, n)) > 0)
		total += w;
	int err = errno;
	fcntl(fd, F_SETFL, fl);
	if (total == 0) {
		errno = err;
		return -1;
	}
	return total;
}

long long rt_nonblock(int fd, int on) { return rt_set_nonblock(fd, on); }

/* Lowers only the soft RLIMIT_FSIZE, so the hard limit stays for the rest
 * of the case. */
long long rt_fsizelimit(unsigned long long bytes)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0)
		return -1;
	rl.rlim_cur = bytes;
	return setrlimit(RLIMIT_FSIZE, &rl);
}

/* CVE-2020-29374: a child process vmsplices memory it shares copy-on-write
 * with this one, then exits; the result is the child's vmsplice result
 * (EIO when the child died without telling it). */
long long rt_forkvmsplice(int fd, void *addr, size_t len, const struct actor_watch *w)
{
	struct iovec iov = {.iov_base = addr, .iov_len = len};
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		long r = syscall(SYS_vmsplice, fd, &iov, 1UL, 0U);
		long out[2] = {r, r < 0 ? errno : 0};
		ssize_t w2 = write(p[1], out, sizeof out);
		_exit(w2 == sizeof out ? 0 : 1);
	}
	close(p[1]);
	/* this step watches the child itself, as a join watches an actor (no
	 * timer that a loaded machine outruns): a child asleep in its vmsplice
	 * is killed, and the step's result is then EIO */
	bool use_proc = !w || w->use_proc;
	unsigned limit = w ? w->timeout_ms : 250;
	unsigned long long since = rt_now_ns();
	for (;;) {
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		int r = poll(&pf, 1, 1);
		if (r > 0)
			break;
		int asleep = use_proc ? task_sleeps_in(pid, pid, SYS_vmsplice) : -1;
		if (asleep == 1 || (asleep < 0 && (rt_now_ns() - since) / 1000000u >= limit) ||
		    (r < 0 && sigrec_watchdog_fired())) {
			kill(pid, SIGKILL);
			break;
		}
	}
	long out[2] = {-1, EIO};
	ssize_t n;
	while ((n = read(p[0], out, sizeof out)) < 0 && errno == EINTR)
		;
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (n != sizeof out) {
		errno = EIO;
		return -1;
	}
	errno = (int)out[1];
	return out[0];
}

/* The bytes in user memory (a fault here kills the case: that is the
 * step's outcome). */
long long rt_peek(const void *addr, void *buf, size_t len)
{
	memcpy(buf, addr, len);
	return (long long)len;
}

long long rt_poke(void *addr, const void *data, size_t len)
{
	memcpy(addr, data, len);
	return 0;
}

/* SIGALRM after ms milliseconds; the recording handler has no
 * SA_RESTART, so a call it interrupts returns EINTR. */
long long rt_alarm(unsigned long long ms)
{
	struct itimerval it = {.it_value = {.tv_sec = (long)(ms / 1000), .tv_usec = (long)(ms % 1000) * 1000}};
	return setitimer(ITIMER_REAL, &it, NULL);
}

void rt_stdio_to_null(void)
{
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
}
