/* Signals in a case's child: which ones were delivered during a step,
 * and whether the watchdog interrupted it. */
#ifndef SPLICECHECK_SIGREC_H
#define SPLICECHECK_SIGREC_H

#include <signal.h>
#include <stdbool.h>

/* The signal the parent sends to end a step that blocks.  A real-time
 * signal, so no case confuses it with one it tests. */
#define WATCHDOG_SIGNAL (SIGRTMIN + 3)

/* Installs the recording handler (no SA_RESTART, so a blocked call
 * returns EINTR) for SIGPIPE, SIGALRM, SIGUSR1, SIGXFSZ and the watchdog signal. */
void sigrec_init(void);
/* How SIGPIPE is handled from now on: 0 caught and recorded, 1 ignored,
 * 2 default (it kills). */
void sigrec_sigpipe(int mode);
/* Clears the record before a step. */
void sigrec_reset(void);
/* Signals delivered to this thread since its reset, as a bit mask (watchdog excluded). */
unsigned sigrec_delivered(void);
bool sigrec_watchdog_fired(void);

#endif
