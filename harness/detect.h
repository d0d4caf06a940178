/* Which target the harness runs on (linux, gvisor, ...), and why it
 * thinks so: the expected outcomes differ per target.
 *
 * Two tables in detect.c: targets (a sandbox whose kernel is not Linux and
 * so has its own expected file: gVisor) and hints (a container, a seccomp
 * filter or a user namespace around a Linux kernel: the target stays linux,
 * but the reason names them, since a filter or a namespace can change
 * outcomes: run with --expect-seccomp PROFILE for a filter). */
#ifndef SPLICECHECK_DETECT_H
#define SPLICECHECK_DETECT_H

#include <stddef.h>

/* Fills target[] and why[], e.g. "linux" and "no sandbox recognised", or
 * "linux" and "seccomp filter active (2 filters); container hint: firejail
 * (/run/firejail)". */
void detect_target(char *target, size_t tn, char *why, size_t wn);

/* The same, with every path read under root (a test's fake filesystem;
 * "" is the real one), and getenv replaced by env (NULL: getenv). */
void detect_target_at(const char *root, const char *(*env)(const char *), char *target, size_t tn,
		      char *why, size_t wn);

#endif
