/* The runtime: the C that makes fixtures and does the harness's own steps,
 * written once for both users of it.  The harness links harness/rt_*.c;
 * a reproducer (`splicecheck repro`) carries the same files verbatim
 * (build/rt_embedded.c, written by tools/embed.py), after this header and
 * with their #include "..." lines dropped, so what the reproducer does is
 * what the harness did.  Hence the rules for every rt_*.c file: the C
 * library and kernel headers only, every name starts with rt_ (a
 * reproducer's variables never clash with it), nothing static that a
 * reproducer might leave unused (it compiles with -Wall -Wextra -Werror),
 * and errors are returned, never printed. */
#ifndef SPLICECHECK_RT_H
#define SPLICECHECK_RT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* a 32-bit build (a reproducer compiled -m32, the i386 harness) opens
 * with O_LARGEFILE and has a 64-bit off_t, as a 64-bit one does */
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Calls of the fd matrix's kinds that an older C library does not name;
 * their numbers are the same on every architecture (5.1 and later). */
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fspick
#define SYS_fspick 433
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

/* The running kernel's page size (sysconf), and the largest Linux uses. */
unsigned long rt_page_size(void);
/* len bytes of fresh read-write memory at a fixed low address (the next
 * free one), so that its distance from the top of user space is the same
 * in every run; MAP_FAILED with errno set. */
void *rt_map_low(size_t len);
#define RT_PAGE_MAX (64 * 1024)
#define RT_MAX_ENDS 4
#define RT_FIXTURE_INIT {.fd = {-1, -1, -1, -1}}

/* Which operation a maker that returned an errno was doing ("mkfifo",
 * "open fifo for writing"): per thread, so actors can make fixtures too. */
extern _Thread_local const char *rt_failed;

/* Whether a fixture that failed with err is missing here (the kernel, the
 * privilege or the file system lacks it: SKIP) rather than broken. */
bool rt_unavailable(int err);

/* A fixture as made: its fds (one per end, -1 where closed), and for
 * buffers and offsets the memory. */
struct rt_fixture {
	int fd[RT_MAX_ENDS];
	unsigned char *map; /* the whole mapping */
	size_t maplen;
	unsigned char *base; /* a buffer: where it starts (map + offset) */
	size_t len;          /* ... and its usable length */
	loff_t *off;         /* an offset: the loff_t */
};

/* What a fixture's options become: plain values, the same for every
 * kind (a kind reads the fields it documents and ignores the rest), so
 * that a reproducer writes a maker's call as one compound literal. */
#define RT_FULL (-1LL) /* fill: until the pipe is full */
#define RT_END(i) (1u << (i))
struct rt_fixture_args {
	const char *path;    /* a file or directory; NULL: the kind's default */
	int flags;           /* O_ flags for open(2), pipe2(2); *_NONBLOCK (= O_NONBLOCK) */
	int domain;          /* a socket's family */
	int type;            /* a socket type */
	int protocol;        /* a socket's protocol */
	long long size;      /* pipe: F_SETPIPE_SZ; file, memfd: bytes of content */
	long long fill;      /* pipe: bytes written into it, or RT_FULL */
	int byte;            /* the byte that fill, size and a buffer are made of */
	const char *text;    /* file, memfd: the content (then size is unused) */
	size_t textlen;
	unsigned count;      /* eventfd: its counter */
	unsigned nonblock;   /* RT_END(i): end i gets O_NONBLOCK */
	unsigned close;      /* RT_END(i): end i is closed once made */
	int create;          /* opath: create the file first */
	size_t pages;        /* buffer: pages (then one guard page) */
	size_t offset;       /* buffer: where it starts in them */
	size_t len;          /* buffer: its length when shorter */
	int prot;            /* buffer, offset: PROT_ flags once made */
	long long value;     /* offset: its value */
	int thp;             /* buffer: one transparent huge page instead (thp_rt.c) */
};

/* A fixture maker: fills *fx, returns 0 or an errno with rt_failed set.
 * The fds it made stay in fx even when it fails, for the caller to close
 * (a case's process exits instead). */
typedef int rt_maker(const struct rt_fixture_args *a, struct rt_fixture *fx);

rt_maker rt_make_pipe, rt_make_fifo, rt_make_file, rt_make_memfd, rt_make_open, rt_make_opath, rt_make_dir,
	rt_make_socketpair, rt_make_tcp, rt_make_udp, rt_make_pty, rt_make_eventfd, rt_make_timerfd,
	rt_make_signalfd, rt_make_epoll, rt_make_inotify, rt_make_pidfd, rt_make_closed, rt_make_buffer,
	rt_make_offset;
/* rt_fdkinds.c: the fds the matrix of issue 17 adds */
rt_maker rt_make_socket, rt_make_fanotify, rt_make_userfaultfd, rt_make_perf_event, rt_make_io_uring,
	rt_make_bpf_map, rt_make_fsopen, rt_make_fspick, rt_make_open_tree, rt_make_memfd_secret,
	rt_make_seccomp_notify, rt_make_landlock;

/* Helpers the makers share. */
int rt_write_all(int fd, int byte, size_t n);
int rt_fill_pipe(int fd, int byte);
int rt_set_nonblock(int fd, int on);

/* Steps the harness does itself (calls.c): each returns the step's value,
 * or -1 with errno set. */
long long rt_fionread(int fd);
long long rt_fsize(int fd);
long long rt_fill(int fd);
long long rt_nonblock(int fd, int on);
long long rt_fsizelimit(unsigned long long bytes);
struct actor_watch;
/* w: how the step watches its child (NULL: from /proc, 250 ms where /proc
 * cannot tell). */
long long rt_forkvmsplice(int fd, void *addr, size_t len, const struct actor_watch *w);
long long rt_peek(const void *addr, void *buf, size_t len);
long long rt_poke(void *addr, const void *data, size_t len);
long long rt_alarm(unsigned long long ms);

/* Data spelt as splicecheck spells it (harness/data.c, which the unit
 * tests hold this to): "text", runs "a"*4096 joined by +, or when that
 * is long, the FNV-1a hash fnv64=0123456789abcdef.  out has cap bytes. */
void rt_format_data(const unsigned char *p, size_t n, char *out, size_t cap);

/* ---- Only reproducers use what follows (rt_repro.c); the harness has
 * its own runner and watchdog. ---- */

struct rt_name {
	int value;
	const char *name;
};

/* A case as a reproducer carries it. */
struct rt_case {
	const char *name;
	const char *where;       /* cases/x.case:12 */
	int nsteps;
	unsigned timeout_ms;     /* the watchdog: a step still in its call after this is ended */
	int needs_root, needs_tmpfs;
	unsigned long page_size; /* the page size its lengths and expected outcomes were written with */
	int have_expected;       /* 0: no expected outcomes for the target, nothing compared */
	int nexpected;
	const char *const *expected;  /* per step */
	const char *const *call_text; /* per step, as splicecheck shows the call */
	const struct rt_name *errnos; /* errno names as the harness spells them */
	size_t nerrnos;
	const struct rt_name *signals;
	size_t nsignals;
	void (*run)(void);       /* the fixtures and steps, in order */
};

/* Runs the case in a child process with this one as its watchdog, prints
 * each step's outcome beside the expected one, returns the exit status:
 * 0 as expected, 1 an outcome differs, 77 SKIP, 2 setup failed (also:
 * this kernel's pages are not the size the case was written for). */
int rt_repro_main(const struct rt_case *c);
/* A fixture maker's result: on an errno the case ends as SKIP
 * (rt_unavailable) or BROKEN, naming rt_failed. */
void rt_need(int err);
/* Around each step's call: the outcome goes to the watchdog process. */
void rt_step_begin(int step);
void rt_step_end(int step, long long r, int err, int no_outcome, const unsigned char *data);
/* fds 0-2 onto /dev/null: a case writing to them (or flooding them)
 * cannot reach the report. */
void rt_stdio_to_null(void);
/* Fresh memory for a read's data. */
unsigned char *rt_rdbuf(size_t len);
/* Actors in a reproducer (actor_rt.c does the work): an actor's step
 * sends no start record (the main actor's join watches it); a sync point
 * (sleeping, join, signal) tells the watchdog to allow it a long limit. */
void rt_actor_step_begin(void);
void rt_sync_step_begin(int step);
/* Starts actor k (a thread, or a process when process) that runs
 * run(step) for each step handed to it with rt_actor_send. */
void rt_start_actor(int k, int process, void (*run)(int step, void *arg), const char *what);
void rt_actor_send(int k, int step, long nr);
long rt_sleeping(int k);
long rt_join(int k);
long rt_signal_actor(int k, int sig);
/* Every actor's steps return before the case ends. */
void rt_finish_actors(void);
/* The path of name in the case's tmpfs directory (fs=tmpfs). */
const char *rt_tmpfs_path(const char *name);

#endif
