#include "sigrec.h"

#include <string.h>

/* per thread: an actor's signals are its own step's */
static __thread volatile sig_atomic_t delivered;
static __thread volatile sig_atomic_t watchdog_fired;

static void record(int sig)
{
	if (sig == WATCHDOG_SIGNAL)
		watchdog_fired = 1;
	else if (sig < 32)
		delivered |= 1 << sig;
}

static void catch(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = record;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void sigrec_init(void)
{
	catch(SIGPIPE);
	catch(SIGALRM);
	catch(SIGUSR1);
	catch(SIGXFSZ);
	catch(WATCHDOG_SIGNAL);
}

void sigrec_sigpipe(int mode)
{
	if (mode == 0)
		catch(SIGPIPE);
	else
		signal(SIGPIPE, mode == 1 ? SIG_IGN : SIG_DFL);
}

void sigrec_reset(void)
{
	delivered = 0;
	watchdog_fired = 0;
}

unsigned sigrec_delivered(void) { return (unsigned)delivered; }
bool sigrec_watchdog_fired(void) { return watchdog_fired; }
