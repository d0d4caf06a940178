/* Makes the case processes of a run, each as cheaply as the kernel allows.
 *
 * A small server process is forked once when the run starts; it makes
 * each case's process with clone(CLONE_PARENT), so the process is the
 * harness's own child all the same (waitpid, kill, /proc, and
 * PR_SET_PDEATHSIG work as with fork), but the harness, which touches many
 * pages between cases, is never forked: no page of it is write-protected
 * for copy-on-write, and what every case's process needs set once
 * (signal dispositions, fds 0-2 on /dev/null, limits) is set once, in the
 * server, and inherited.  Where the server cannot be had (it cannot be
 * forked, clone(CLONE_PARENT) is refused, it died, or its processes stop
 * taking cases) the harness forks each case's process itself, as before:
 * the same process, made slower.
 * docs/design.md, "The case launcher". */
#ifndef SPLICECHECK_LAUNCHER_H
#define SPLICECHECK_LAUNCHER_H

#include <stdbool.h>
#include <sys/types.h>

/* Runs in a case's process, which is already set to die with the harness;
 * out_fd is the write end of its result pipe.  Never returns. */
typedef void (*launch_body)(int pos, int aux, int out_fd);

/* How case processes are made: by spares made ahead (the server makes one
 * per slot and one more), by the server as each case starts, or by the
 * harness forking.  The server costs a process, and spares one per slot
 * and one more, which a tight RLIMIT_NPROC may not afford (preflight.c);
 * in that order, of fewer processes of the launcher's own.  A run that
 * keeps to one CPU (launcher.c) makes no spares in LAUNCH_SPARES either. */
enum launch_mode { LAUNCH_SPARES, LAUNCH_SERVER, LAUNCH_FORK };

/* Processes the launcher itself keeps in mode m with `slots` slots, beyond
 * the cases' own. */
int launcher_overhead(enum launch_mode m, int slots);

/* Before a run's first case: `slots` cases at most at once; `prepare` sets
 * what every case's process shares (run once in the server, or in each
 * forked process); `warm` is what a spare does before it waits.  The
 * harness must not change what `body` reads after this, until
 * launcher_stop. */
void launcher_start(int slots, enum launch_mode mode, launch_body body, void (*prepare)(void), void (*warm)(void));

/* In a case's process that will start actors (threads or processes of
 * its own): the CPUs the harness was given.  At -j 1, where making a
 * process is cheap, the harness, its server and a case's process keep to
 * one CPU, where hand-overs are cheap too; a case's actors run at once on
 * as many CPUs as the harness had.  A no-op where the run is not kept to
 * one CPU, and after the first call. */
void launcher_unpin(void);

/* Starts a case's process in `slot`, which calls body(pos, aux, out_fd).
 * out_fd is closed here, in the harness, either way.  0: started (its pid
 * from launcher_pid); -errno: no process was made.  `last`: the run has no
 * case to start after this one, so the server and the spares left waiting
 * end now, while the last cases run, not after them (a case started later
 * all the same, one retried, is forked). */
int launcher_spawn(int slot, int pos, int aux, int out_fd, bool last);

/* The process of slot's latest launcher_spawn: > 0 its pid; <= 0 not
 * made yet, or never (the server could not).  Once the process has been
 * seen (its pipe sent something or hung up) it is known, if it was made. */
pid_t launcher_pid(int slot);

/* For a slot whose pipe hung up with launcher_pid <= 0: its case never
 * ran.  Returns 0 when it can be started again at once (the server failed
 * in itself; the harness forks from now on), else the errno that kept the
 * process from being made (EAGAIN, ENOMEM: the system is short). */
int launcher_lost(int slot);

/* An fd that poll() finds readable when a case's process may have ended
 * (a signalfd for SIGCHLD, blocked in the harness from launcher_start to
 * launcher_free): the harness sleeps until the process is gone, not until
 * its pipe hangs up a moment before (and then again in waitpid).  -1
 * where there is none: then the pipe's hang-up is the sign. */
int launcher_exit_fd(void);

/* A case's process that has ended, reaped: its pid, and its status in
 * *status; 0 when there is none now.  Called until it says 0: the first
 * call clears launcher_exit_fd. */
pid_t launcher_reap(int *status);

/* Waits for the case's process pid to end (its pipe hung up first);
 * waitpid's value. */
pid_t launcher_wait(pid_t pid, int *status);

/* A case's process has not appeared for long: its case went to no
 * process (the server and the spares are stopped, or wedged).  They are
 * killed, so the case's pipe hangs up unmade and it is started again; the
 * harness forks from now on. */
void launcher_abandon(void);

/* After the run (or when it stops): no more spawns; the server makes the
 * processes it was asked for, ends, and is reaped.  launcher_pid still
 * answers, until launcher_free. */
void launcher_stop(void);
void launcher_free(void);

#endif
