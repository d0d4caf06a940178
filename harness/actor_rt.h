/* Actors: a second thread or process of a case, and the sync points the
 * main actor orders them with (wait until an actor's step sleeps in its
 * call, join it, signal it).  No timer orders anything: whether a task
 * sleeps inside a syscall is read from /proc/PID/task/TID/{syscall,stat};
 * only where /proc cannot tell (some sandboxes) does a step's age stand in.
 *
 * libc only, no harness headers: the harness links this file, and a
 * reproducer embeds it verbatim (harness/repro.c), so both run the same code. */
#ifndef SPLICECHECK_ACTOR_RT_H
#define SPLICECHECK_ACTOR_RT_H

#include <stdbool.h>
#include <pthread.h>
#include <sys/types.h>

#define ACTOR_QUEUE 64 /* steps handed to one actor and not yet returned */

struct actor {
	bool process;          /* a forked process (own memory) rather than a thread */
	pid_t pid, tid;        /* the task to watch and signal: /proc/PID/task/TID */
	pthread_t thread;
	int cmd_w, ack_r;      /* main's ends: item numbers out, returned item numbers back */
	int cmd_r, ack_w;      /* the actor's ends */
	int sent, acked;       /* items handed over, items returned */
	int item[ACTOR_QUEUE]; /* per item in flight, in order: its number, */
	long nr[ACTOR_QUEUE];  /* the syscall it sleeps in (-1: none), */
	unsigned long long sent_ns[ACTOR_QUEUE]; /* and when it was handed over */
	int signalled;         /* the item the join's watchdog signal went to, or -1 */
	bool gone;             /* its ack pipe closed: the process died */
	int dead_sig;          /* ... killed by this signal (0: it exited) */
	void (*run)(int item, void *arg);
	void *arg;
};

/* Where a step's age stands in for /proc: the case's timeout. */
struct actor_watch {
	unsigned timeout_ms;
	bool use_proc;         /* false: /proc cannot tell here (or --no-proc) */
	int signal;            /* the watchdog's signal */
};

/* 1: the task sleeps (state S) inside syscall nr; 0: it does not; -1:
 * /proc cannot tell. */
int task_sleeps_in(pid_t pid, pid_t tid, long nr);
/* 1: the task is working, not waiting to be woken: running, runnable
 * (waiting for a CPU) or in an uninterruptible wait (state R or D: disk
 * I/O, a lock); 0: it is not; -1: /proc cannot tell. */
int task_works(pid_t pid, pid_t tid);
unsigned long long rt_now_ns(void);

/* Starts the actor: a thread, or a forked process that dies with its
 * parent; it runs run(item, arg) for every item handed to it, in order.
 * 0, or -1 with errno set. */
int actor_start(struct actor *a, bool process, void (*run)(int item, void *arg), void *arg);
/* Hands item to the actor; nr is the syscall it may sleep in. */
int actor_send(struct actor *a, int item, long nr);
/* Whether the actor has items in flight (after reading its acks). */
bool actor_busy(struct actor *a);
/* Waits until the actor's oldest item in flight sleeps in its call: 0; or
 * -1 with errno EALREADY when every item returned first. */
int actor_wait_sleeping(struct actor *a, const struct actor_watch *w);
/* Waits until every item handed to a returned.  While it waits it is a's
 * watchdog: when a's call sleeps and so does every other busy actor in
 * all[0..n) (seen twice, no task switched in between: nobody is left to
 * wake them), or where /proc cannot tell after the timeout, a's call gets
 * the watchdog signal.  Returns the item a process actor was in when it
 * died (a->dead_sig says how), else -1. */
int actor_join(struct actor *a, struct actor *all, int n, const struct actor_watch *w);
/* Sends sig to the actor's task. */
int actor_signal(struct actor *a, int sig);
/* Ends an idle actor: the thread or process returns and is reaped. */
void actor_stop(struct actor *a);

#endif
