#include "preflight.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kinds.h"
#include "version.h"

/* Open files a case's process holds besides its fixtures: stdin/out/err,
 * the result pipe, the trace file, and what the C library opens. */
#define FD_BASE 8
/* Processes a case may have at once: its own and one it forks (a
 * forkvmsplice step, a fixture's helper). */
#define PROCS_PER_CASE 2
/* Address space a case's process needs beyond its buffers (the harness
 * binary, libc, libseccomp, stacks). */
#define MEM_BASE (64ull << 20)
/* Scratch space a case needs beyond its files' contents: directories,
 * fifos, small files. */
#define SCRATCH_BASE (1ull << 20)

static unsigned long long sat_add(unsigned long long a, unsigned long long b)
{
	unsigned long long r;
	return __builtin_add_overflow(a, b, &r) ? ~0ull : r;
}

/* What one case needs at most, from its fixtures. */
struct need {
	int fds;
	unsigned long long mem, disk;
};

static struct need case_need(const struct tcase *c)
{
	struct need nd = {.fds = FD_BASE, .mem = MEM_BASE, .disk = 0};
	for (int i = 0; i < c->nfix; i++) {
		const struct fixture *f = &c->fix[i];
		const struct kind *k = f->kind;
		if (k->role == ROLE_FD) {
			int ends = 0;
			while (ends < MAX_ENDS && k->ends[ends])
				ends++;
			/* one more while it is made: a listening socket, a pty master */
			nd.fds += (ends ? ends : 1) + 1;
		}
		unsigned long long size = fixture_opt_num(f, "size", 0), pages = fixture_opt_num(f, "pages", 0);
		const char *data = fixture_opt(f, "data");
		unsigned long long bytes = sat_add(size, data ? strlen(data) : 0);
		if (k->flags & KIND_NEEDS_SCRATCH)
			nd.disk = sat_add(nd.disk, bytes);
		nd.mem = sat_add(nd.mem, sat_add(bytes, pages * 4096ull));
	}
	return nd;
}

/* Processes of this real uid now: RLIMIT_NPROC counts them all. */
static int processes_of_uid(uid_t uid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300], line[256];
		snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		unsigned long real;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "Uid: %lu", &real) == 1) {
				n += real == uid;
				break;
			}
		fclose(f);
	}
	closedir(d);
	return n;
}

static void human(unsigned long long v, char *buf, size_t n)
{
	if (v >= 10ull << 20)
		snprintf(buf, n, "%llu MiB", v >> 20);
	else if (v >= 10ull << 10)
		snprintf(buf, n, "%llu KiB", v >> 10);
	else
		snprintf(buf, n, "%llu bytes", v);
}

static void check_fds(int need, const char *who, struct sbuf *lacks, struct sbuf *notes)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)need)
		return;
	rlim_t had = rl.rlim_cur;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (rlim_t)need) {
		rl.rlim_cur = (rlim_t)need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
			sb_printf(notes, "raised the open-file limit from %lu to %d\n", (unsigned long)had, need);
			return;
		}
	}
	sb_printf(lacks, "open files: RLIMIT_NOFILE is %lu (hard %lu); %s needs up to %d (ulimit -n %d)\n",
		  (unsigned long)had, (unsigned long)rl.rlim_max, who, need, need);
}

/* The most cases at once, at most jobs, whose processes and the
 * launcher's (mode m) fit in `have` processes; 0 if none. */
static int procs_fit(enum launch_mode m, int jobs, long have)
{
	int j = jobs;
	while (j > 0 && (long)PROCS_PER_CASE * j + launcher_overhead(m, j) > have)
		j--;
	return j;
}

static void check_procs(int *jobs, enum launch_mode *launch, struct sbuf *lacks, struct sbuf *notes)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NPROC, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	/* the kernel lets these past the limit */
	unsigned long long caps = caps_effective();
	if (caps & ((1ull << 24) | (1ull << 21))) /* CAP_SYS_RESOURCE, CAP_SYS_ADMIN */
		return;
	long have = (long)rl.rlim_cur - processes_of_uid(getuid());
	if (procs_fit(*launch, *jobs, have) == *jobs)
		return;
	/* the launcher's own processes are what a tight limit can least
	 * afford: the mode that runs the most cases at once, the faster on a
	 * tie (a case's process that forks a helper it cannot have would
	 * report EAGAIN as the kernel's answer) */
	static const char *const how[] = {[LAUNCH_SPARES] = "", [LAUNCH_SERVER] = ", each made as it starts",
					  [LAUNCH_FORK] = ", each forked by the harness"};
	enum launch_mode best = *launch;
	int fit = 0;
	for (enum launch_mode m = *launch; m <= LAUNCH_FORK; m++) {
		int f = procs_fit(m, *jobs, have);
		if (f > fit) {
			fit = f;
			best = m;
		}
	}
	if (fit >= 1) {
		sb_printf(notes, "RLIMIT_NPROC (%lu) leaves room for %ld more processes: running %d case%s at a time%s\n",
			  (unsigned long)rl.rlim_cur, have, fit, fit == 1 ? "" : "s", how[best]);
		*jobs = fit;
		*launch = best;
		return;
	}
	sb_printf(lacks, "processes: RLIMIT_NPROC is %lu and this user already has %ld; a case needs %d more "
		  "(ulimit -u %ld)\n", (unsigned long)rl.rlim_cur, (long)rl.rlim_cur - have, PROCS_PER_CASE,
		  (long)rl.rlim_cur - have + PROCS_PER_CASE);
}

static void check_memory(unsigned long long need, const char *who, struct sbuf *lacks)
{
	static const struct {
		int res;
		const char *name;
	} limits[] = {{RLIMIT_AS, "RLIMIT_AS"}, {RLIMIT_DATA, "RLIMIT_DATA"}};
	char a[32], b[32];
	for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
		struct rlimit rl;
		if (getrlimit(limits[i].res, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
			continue;
		human(rl.rlim_cur, a, sizeof a);
		human(need, b, sizeof b);
		sb_printf(lacks, "memory: %s is %s; %s needs about %s\n", limits[i].name, a, who, b);
	}
}

static void check_scratch(const char *dir, unsigned long long need, int jobs, struct sbuf *lacks)
{
	struct statvfs sv;
	if (statvfs(dir, &sv) < 0) {
		sb_printf(lacks, "scratch space: %s: %s (--scratch DIR or TMPDIR chooses another)\n", dir, strerror(errno));
		return;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		sb_printf(lacks, "scratch space: %s is not writable: %s (--scratch DIR or TMPDIR chooses another)\n", dir,
			  strerror(errno));
		return;
	}
	unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	char a[32], b[32];
	if (avail < need) {
		human(avail, a, sizeof a);
		human(need, b, sizeof b);
		sb_printf(lacks, "scratch space: %s has %s free; %d case%s at a time need about %s "
			  "(--scratch DIR or TMPDIR chooses another)\n", dir, a, jobs, jobs == 1 ? "" : "s", b);
	}
	/* f_files == 0: the filesystem does not count inodes */
	if (sv.f_files && sv.f_favail < (fsfilcnt_t)(16 * jobs + 16))
		sb_printf(lacks, "scratch space: %s has %lu free inodes; the cases need about %d\n", dir,
			  (unsigned long)sv.f_favail, 16 * jobs + 16);
}

/* An fd number a case writes as a literal (`splice 7 ...`) reaches the
 * kernel as is: in the case's process it must be closed, and the only
 * fds besides the fixtures' are what the harness itself inherited. */
static void check_literal_fds(const struct suite *s, const int *order, int n, struct sbuf *lacks)
{
	for (int k = 0; k < n; k++) {
		const struct tcase *c = &s->cases[order[k]];
		for (int i = 0; i < c->nsteps; i++) {
			const struct step *st = &c->steps[i];
			for (int a = 0; a < st->nargs; a++) {
				const struct arg *arg = &st->args[a];
				if (arg->type != A_FD || arg->fd.fixture >= 0 || arg->fd.literal <= 2 ||
				    arg->fd.literal > 1 << 20)
					continue;
				if (fcntl((int)arg->fd.literal, F_GETFD) >= 0)
					sb_printf(lacks, "fd %lld is open in the harness (inherited from its parent) but %s "
						  "(%s:%d) uses it as a closed fd: start the run without it\n",
						  arg->fd.literal, c->name, c->file, st->line);
			}
		}
	}
}

bool preflight(const struct suite *s, const int *order, int n, struct run_opts *o, struct sbuf *lacks,
	       struct sbuf *notes)
{
	struct need most = {0};
	int most_fds_case = -1, most_mem_case = -1;
	unsigned long long disk_one = 0;
	bool scratch = false;
	for (int k = 0; k < n; k++) {
		const struct tcase *c = &s->cases[order[k]];
		struct need nd = case_need(c);
		if (nd.fds > most.fds)
			most.fds = nd.fds, most_fds_case = order[k];
		if (nd.mem > most.mem)
			most.mem = nd.mem, most_mem_case = order[k];
		if (c->needs_scratch) {
			scratch = true;
			if (nd.disk > disk_one)
				disk_one = nd.disk;
		}
	}
	if (n == 0)
		return true;
	check_procs(&o->jobs, &o->launch, lacks, notes);
	/* the harness itself holds a result pipe per running case */
	int harness_fds = FD_BASE + 2 * o->jobs;
	char who[200];
	if (harness_fds > most.fds)
		snprintf(who, sizeof who, "the harness running %d cases at once", o->jobs);
	else
		snprintf(who, sizeof who, "case %s", s->cases[most_fds_case].name);
	check_fds(harness_fds > most.fds ? harness_fds : most.fds, who, lacks, notes);
	snprintf(who, sizeof who, "case %s", s->cases[most_mem_case].name);
	check_memory(most.mem, who, lacks);
	if (scratch)
		check_scratch(o->scratch_parent, sat_add(SCRATCH_BASE, disk_one) * (unsigned)o->jobs, o->jobs, lacks);
	check_literal_fds(s, order, n, lacks);
	return lacks->len == 0;
}
