#include "stream_rt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

unsigned char stream_byte(unsigned long long i)
{
	unsigned long long z = (i >> 3) + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (unsigned char)(z >> ((i & 7) * 8));
}

static void stream_chunk(unsigned char *buf, unsigned long long from, size_t n)
{
	for (size_t k = 0; k < n; k++)
		buf[k] = stream_byte(from + k);
}

/* A loop's result: what moved, or the failure of the call that ended it
 * (how much had moved before a failure depends on timing; the errno does not). */
static long moved_or_fail(size_t done, long r)
{
	return r >= 0 ? (long)done : -1;
}

long stream_feed(int fd, size_t n)
{
	/* on the stack, not thread-local: a 64 KiB TLS block would part the
	 * few thread-local words every case writes (errno, the signal record)
	 * onto two pages */
	unsigned char buf[STREAM_CHUNK];
	size_t done = 0;
	long r = 0;
	while (done < n) {
		size_t want = n - done < sizeof buf ? n - done : sizeof buf;
		stream_chunk(buf, done, want);
		r = write(fd, buf, want);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	return moved_or_fail(done, r);
}

long stream_drain(int fd, unsigned char *buf, size_t n)
{
	size_t done = 0;
	long r = 0;
	while (done < n && (r = read(fd, buf + done, n - done)) > 0)
		done += (size_t)r;
	return moved_or_fail(done, r);
}

/* After a call moved 0 bytes: whether the input (a pipe or a socket) can
 * still bring more, i.e. it was not the end.  On Linux a blocking call
 * returns 0 only at the end, and this says so at once; a kernel that
 * returns 0 instead of sleeping (gVisor, from an empty pipe into a file or
 * socket) is waited out here, so that a stream's outcome is about its
 * bytes (whether a single call sleeps is what the wake-up cases check).
 * Linux: a pipe without writers says POLLHUP, a socket its peer shut
 * POLLRDHUP, so the loop ends as it would have.
 * A regular file's 0 is its end. */
static int more_may_come(int fd, int fd_out, int *zeros)
{
	struct stat st;
	if (++*zeros > 1000 || fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
	if (poll(&p, 1, -1) != 1) /* EINTR: the watchdog ends the loop */
		return 0;
	if (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))
		return 0;
	/* ... and a 0 for a full output (gVisor again): wait for room */
	p = (struct pollfd){.fd = fd_out, .events = POLLOUT};
	return poll(&p, 1, -1) == 1 && !(p.revents & (POLLERR | POLLNVAL));
}

long stream_splice(int fd_in, int fd_out, size_t n, unsigned flags)
{
	size_t done = 0;
	long r = 0;
	int zeros = 0;
	while (done < n) {
		r = splice(fd_in, NULL, fd_out, NULL, n - done, flags);
		if (r < 0 || (r == 0 && !more_may_come(fd_in, fd_out, &zeros)))
			break;
		done += (size_t)r;
	}
	return moved_or_fail(done, r);
}

long stream_tee(int fd_in, int fd_out, size_t n, unsigned flags)
{
	size_t done = 0;
	long r = 0;
	int zeros = 0;
	while (done < n) {
		r = tee(fd_in, fd_out, n - done, flags);
		if (r < 0 || (r == 0 && !more_may_come(fd_in, fd_out, &zeros)))
			break;
		done += (size_t)r;
	}
	return moved_or_fail(done, r);
}

long stream_vmsplice(int fd, size_t n, unsigned flags)
{
	/* vmsplice hands the pipe references to these pages, not copies: the
	 * whole stream gets its own mapping, never written again */
	unsigned char *buf = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -1;
	stream_chunk(buf, 0, n);
	size_t done = 0;
	long r = 0;
	while (done < n) {
		struct iovec iov = {buf + done, n - done < STREAM_CHUNK ? n - done : STREAM_CHUNK};
		r = vmsplice(fd, &iov, 1, flags);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	int e = errno;
	munmap(buf, n ? n : 1);
	errno = e;
	return moved_or_fail(done, r);
}
