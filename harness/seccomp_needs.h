/* What a seccomp profile installed for the whole process (as a runtime
 * installs it, before the program starts: --seccomp-from-start) does to the
 * calls the harness makes itself: before main (the C library's start-up),
 * in the harness between cases, and in making each fixture.  A profile that
 * denies one of these kills or breaks a run under a real runtime while a
 * per-case --seccomp stays green; these say so before anything runs. */
#ifndef SPLICECHECK_SECCOMP_NEEDS_H
#define SPLICECHECK_SECCOMP_NEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "seccomp_profile.h"
#include "util.h"

/* Appends "name: VERDICT (why)", "; "-separated, for each call the harness
 * cannot do without that the profile does not allow; returns how many.
 * whole: the profile is on the whole process from its start (start-up
 * calls before main, the harness's own); else it is installed by --seccomp
 * in each case before its first step (the calls a case makes after that,
 * outside its steps). */
int sc_needs_fatal(const struct sc_profile *p, bool whole, struct sbuf *out);

/* The first call making fixture f that the profile does not allow, as
 * "pipe2: EPERM"; false if it allows them all.  *skip: the fixture code
 * would count the failure as a missing feature (SKIP), else BROKEN. */
bool sc_needs_fixture(const struct sc_profile *p, const struct fixture *f, char *buf, size_t n, bool *skip);

/* For --seccomp (whole false) and --seccomp-from-start (whole true): says
 * on err what the profile denies that the harness cannot do without, and
 * returns false (nothing can run); whole, it also names each selected case
 * whose fixture the profile denies, with the SKIP or BROKEN that follows. */
bool sc_needs_report(const struct sc_profile *p, bool whole, const char *path, const struct suite *s,
		     const int *order, int n, FILE *err);

/* A fixture kind's calls (struct kind's calls, kinds.h: "socket bind
 * accept|accept4") as system call numbers of arch (a libseccomp
 * SCMP_ARCH_* token; SCMP_ARCH_NATIVE: the one this program is built
 * for), each word the first of its |-separated names the architecture has
 * (or, a call new in Linux 5.1 or later it lacks, its generic number, as
 * rt.h makes it).  Returns how many, at most max; -1 with bad set to the
 * word when the architecture has none of its names, when a name is no
 * call of any architecture (a typo), or when there are more than max. */
enum { SC_NEEDS_MAX_CALLS = 8 };
struct sc_call {
	long nr;
	char name[40];
};
int sc_needs_resolve(const char *calls, uint32_t arch, struct sc_call *out, size_t max, char *bad, size_t badn);

#endif
