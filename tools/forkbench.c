/* The floor for one case: fork, the child exits at once, the parent
 * waits.  tools/bench.py divides the harness's per-case time by this,
 * measured in the same run on the same machine, so the ratio is what the
 * harness adds over the kernel's cost of a process (a figure, not a test).
 * A separate tiny program rather than a mode of splicecheck: forking a
 * small process is the floor itself, the harness's own size included in
 * what it adds.
 *   forkbench N   ->  prints microseconds per fork+wait
 *   forkbench --rss FILE CMD ARG...  ->  runs CMD, writes its peak RSS in KiB
 *       to FILE, exits with its status.  From this small process, because a
 *       peak RSS survives exec: measured from Python it would be Python's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run_rss(const char *out, char **argv)
{
	pid_t p = fork();
	if (p < 0) {
		perror("forkbench: fork");
		return 1;
	}
	if (p == 0) {
		execv(argv[0], argv);
		perror("forkbench: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	while (wait4(p, &status, 0, &ru) < 0)
		;
	FILE *f = fopen(out, "w");
	if (!f || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror("forkbench: writing the figure");
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	if (argc > 3 && strcmp(argv[1], "--rss") == 0)
		return run_rss(argv[2], argv + 3);
	long n = argc > 1 ? atol(argv[1]) : 1000;
	if (n < 1) {
		fputs("usage: forkbench N\n", stderr);
		return 2;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("forkbench: fork");
			return 1;
		}
		if (p == 0)
			_exit(0);
		while (waitpid(p, NULL, 0) < 0)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / (double)n;
	printf("%.2f\n", us);
	return 0;
}
