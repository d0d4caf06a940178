/* Streams: the loops a step makes to move a megabyte or more (write a
 * known byte stream, splice until a count has moved), so that a case
 * checks every byte by its digest.  libc only, no harness headers: the
 * harness links this file and a reproducer embeds it verbatim. */
#ifndef SPLICECHECK_STREAM_RT_H
#define SPLICECHECK_STREAM_RT_H

#include <stddef.h>

/* The most a feed's write or a vmsplice-loop's call passes at once. */
#define STREAM_CHUNK 65536

/* Byte i of the stream: position-dependent (a splitmix64 of i / 8), so a
 * byte lost, repeated or moved changes the digest of what arrives. */
unsigned char stream_byte(unsigned long long i);
/* Writes the first n bytes of the stream to fd, 64 KiB per write: the
 * bytes written, or -1 with errno when a write fails. */
long stream_feed(int fd, size_t n);
/* Reads until n bytes are in buf or EOF: the bytes read, or -1 with errno
 * when a read fails. */
long stream_drain(int fd, unsigned char *buf, size_t n);
/* splice(fd_in, NULL, fd_out, NULL, rest, flags) until n bytes moved or
 * the input ends (a call returns 0 and a pipe or socket input says no more
 * can come): the bytes moved, or -1 with errno when a call fails. */
long stream_splice(int fd_in, int fd_out, size_t n, unsigned flags);
/* The same with tee (fd_in keeps its data: the caller drains it). */
long stream_tee(int fd_in, int fd_out, size_t n, unsigned flags);
/* vmsplice the stream's first n bytes into the pipe fd, at most 64 KiB per
 * call: the bytes moved, or -1 with errno when a call fails. */
long stream_vmsplice(int fd, size_t n, unsigned flags);

#endif
