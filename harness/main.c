/* splicecheck: conformance tests for vmsplice(2), splice(2) and tee(2).
 * Parses the command line, loads cases and expectations, runs, reports. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "abi.h"
#include "bless.h"
#include "calls.h"
#include "kinds.h"
#include "names.h"
#include "case_parse.h"
#include "detect.h"
#include "expect.h"
#include "outcome.h"
#include "overlay.h"
#include "preflight.h"
#include "child.h"
#include "seccomp_needs.h"
#include "seccomp_profile.h"
#include "report.h"
#include "repro.h"
#include "runner.h"
#include "trace.h"
#include "source.h"
#include "version.h"
#include "scratchfs.h"

#define EXIT_BAD_INPUT 2
/* The run could not be done here: the environment lacks what the selected
 * cases need (preflight), or the report could not be written.  Never 0 or
 * 1: nothing was judged. */
#define EXIT_ENV 3

struct options {
	const char *command; /* run, list, reference, seccomp-bpf */
	const char *command_arg; /* the one argument of a command that takes one */
	const char *filters[32];
	int nfilters;
	const char *tags[32];
	int ntags;
	const char *format;
	const char *target;
	const char *kernel;
	const char *repro_arch;        /* repro: judge arch= lines as for this architecture */
	unsigned long repro_page_size; /* repro: PAGE is this many bytes */
	const char *cases[32];
	int ncases;
	const char *expected_dir;
	const char *bless;
	const char *seccomp;        /* install this profile in every case */
	const char *expect_seccomp; /* expect this profile's verdicts, install nothing */
	const char *seccomp_start;  /* install it in the harness before any case, as a runtime does */
	bool verbose, quiet;
	bool strict; /* a seccomp profile key no runtime reads is an error */
	bool trace; /* every call, as strace shows it, on stderr */
	struct run_opts run;
};

static void usage(FILE *f)
{
	fputs("usage: splicecheck [run|list|reference|seccomp-bpf PROFILE|repro CASE] [options]\n"
	      "  run (default): run the cases; list: name them; reference: the fixture kinds and calls;\n"
	      "  seccomp-bpf PROFILE: the profile's BPF program on stdout (for bwrap --seccomp FD)\n"
	      "  repro CASE: the case as a standalone C program on stdout (docs/reporting-bugs.md)\n"
	      "  -f, --filter GLOB    only cases whose name matches (repeatable)\n"
	      "  -t, --tag TAG        only cases with this tag (repeatable)\n"
	      "      --format FMT     text (default), tap, json, junit\n"
	      "      --target NAME    expected outcomes of this target (default: detected)\n"
	      "      --kernel VER     judge version ranges as for this kernel (default: uname -r)\n"
	      "      --page-size N    repro: for a kernel with N-byte pages (PAGE; default: this kernel's)\n"
	      "      --arch NAME      repro: judge arch= lines as for NAME, uname -m's spelling (default:\n"
	      "                       this build's); the word size stays this build's\n"
	      "      --cases PATH     case file or directory (repeatable; default: the built-in cases)\n"
	      "      --expected DIR   expected files (default: the built-in ones)\n"
	      "      --bless FILE     write the target's expected file, updated with what this run saw\n"
	      "      --seccomp PROFILE         install this seccomp profile (OCI or Docker JSON) in every case\n"
	      "                                before its first step, and expect what it does\n"
	      "      --expect-seccomp PROFILE  expect what the profile does, install nothing (inside a runtime\n"
	      "                                that enforces it)\n"
	      "      --seccomp-from-start PROFILE  install it on the whole harness before any fixture, as a\n"
	      "                                runtime does; predict the fixtures and start-up calls it denies\n"
	      "      --strict         refuse a profile key no runtime reads (default: warn, ignore it)\n"
	      "  -j, --jobs N         cases run at once (default: the number of CPUs)\n"
	      "      --timeout MS     end a step still in its call after MS (default 250)\n"
	      "      --no-proc-watch  never ask /proc whether a step sleeps: use the timeout alone\n"
	      "      --scratch DIR    where the run's scratch directory goes (default: $TMPDIR or /tmp)\n"
	      "  -v, --verbose        show every call with its outcome\n"
	      "      --trace          every call as strace shows it (real fds, addresses, data) on stderr\n"
	      "  -q, --quiet          do not say which target and kernel were chosen\n"
	      "  -h, --help\n"
	      "exit status: 0 all as expected, 1 an outcome differs (or a case is BROKEN), 2 bad input or\n"
	      "  usage (also: a selection that matches no case), 3 the environment lacks what the cases need\n"
	      "  or the report could not be written, 128+N stopped by signal N (cases killed, scratch removed)\n",
	      f);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("splicecheck: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(splicecheck --help for usage)\n", stderr);
	return EXIT_BAD_INPUT;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { O_FORMAT = 256, O_TARGET, O_KERNEL, O_CASES, O_EXPECTED, O_BLESS, O_TIMEOUT, O_NOPROC, O_SCRATCH,
	       O_SECCOMP, O_EXPECT_SECCOMP, O_TRACE, O_STRICT, O_SECCOMP_START, O_PAGE_SIZE, O_ARCH };
	static const struct option longs[] = {
		{"filter", required_argument, NULL, 'f'}, {"tag", required_argument, NULL, 't'},
		{"format", required_argument, NULL, O_FORMAT}, {"target", required_argument, NULL, O_TARGET},
		{"kernel", required_argument, NULL, O_KERNEL}, {"cases", required_argument, NULL, O_CASES},
		{"expected", required_argument, NULL, O_EXPECTED}, {"bless", required_argument, NULL, O_BLESS},
		{"jobs", required_argument, NULL, 'j'}, {"timeout", required_argument, NULL, O_TIMEOUT},
		{"no-proc-watch", no_argument, NULL, O_NOPROC}, {"scratch", required_argument, NULL, O_SCRATCH},
		{"seccomp", required_argument, NULL, O_SECCOMP},
		{"expect-seccomp", required_argument, NULL, O_EXPECT_SECCOMP},
		{"strict", no_argument, NULL, O_STRICT},
		{"seccomp-from-start", required_argument, NULL, O_SECCOMP_START},
		{"page-size", required_argument, NULL, O_PAGE_SIZE}, {"arch", required_argument, NULL, O_ARCH},
		{"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},
		{"trace", no_argument, NULL, O_TRACE},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->format = "text";
	o->command = "run";
	o->run = (struct run_opts){.jobs = ncpu > 0 ? (int)ncpu : 1, .timeout_ms = 250, .detect_ms = 1,
				   .grace_ms = 2000};
	/* spares pay where a second CPU makes them while a case runs; on one
	 * CPU a spare is one more process switch a case, and the server
	 * making each case's process as it starts costs less.
	 * SPLICECHECK_FORK=1: the harness forks each case itself
	 * (benchmarks, tests) */
	cpu_set_t usable;
	bool one_cpu = sched_getaffinity(0, sizeof usable, &usable) == 0 ? CPU_COUNT(&usable) == 1 : ncpu == 1;
	o->run.launch = getenv("SPLICECHECK_FORK") ? LAUNCH_FORK : one_cpu ? LAUNCH_SERVER : LAUNCH_SPARES;
	const char *tmp = getenv("TMPDIR");
	o->run.scratch_parent = tmp && *tmp ? tmp : "/tmp";
	opterr = 0;
	int c;
	long long v;
	while ((c = getopt_long(argc, argv, ":f:t:j:vqh", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (o->nfilters == 32)
				return bad_usage("too many --filter options%s", "");
			o->filters[o->nfilters++] = optarg;
			break;
		case 't':
			if (o->ntags == 32)
				return bad_usage("too many --tag options%s", "");
			o->tags[o->ntags++] = optarg;
			break;
		case O_FORMAT: o->format = optarg; break;
		case O_TARGET: o->target = optarg; break;
		case O_KERNEL: o->kernel = optarg; break;
		case O_CASES:
			if (o->ncases == 32)
				return bad_usage("too many --cases options%s", "");
			o->cases[o->ncases++] = optarg;
			break;
		case O_EXPECTED: o->expected_dir = optarg; break;
		case O_BLESS: o->bless = optarg; break;
		case O_SECCOMP: o->seccomp = optarg; break;
		case O_EXPECT_SECCOMP: o->expect_seccomp = optarg; break;
		case O_STRICT: o->strict = true; break;
		case O_SECCOMP_START: o->seccomp_start = optarg; break;
		case O_PAGE_SIZE:
			/* the page sizes Linux has: 4 KiB to 256 KiB, a power of two */
			if (!parse_int(optarg, &v) || v < 4096 || v > 262144 || (v & (v - 1)))
				return bad_usage("--page-size %s: expected a power of two, 4096 to 262144", optarg);
			o->repro_page_size = (unsigned long)v;
			break;
		case O_ARCH:
			if (!*optarg || strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(optarg))
				return bad_usage("--arch '%s': expected a name as uname -m spells it (aarch64, s390x)",
						 optarg);
			o->repro_arch = optarg;
			break;
		case 'j':
			if (!parse_int(optarg, &v) || v < 1 || v > 256)
				return bad_usage("--jobs %s: expected 1 to 256", optarg);
			o->run.jobs = (int)v;
			break;
		case O_TIMEOUT:
			if (!parse_int(optarg, &v) || v < 1 || v > 600000)
				return bad_usage("--timeout %s: expected milliseconds, 1 to 600000", optarg);
			o->run.timeout_ms = (unsigned)v;
			break;
		case O_NOPROC: o->run.detect_ms = 0; break;
		case O_SCRATCH: o->run.scratch_parent = optarg; break;
		case 'v': o->verbose = true; break;
		case O_TRACE: o->trace = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		case ':': /* an option that takes a value came last, without one */
			for (int i = 0; longs[i].name; i++)
				if (longs[i].val == optopt && optopt >= 256)
					return bad_usage("option --%s needs a value", longs[i].name);
			if (optopt > 0 && optopt < 256)
				return bad_usage("option -%s needs a value", (char[]){(char)optopt, 0});
			return bad_usage("option %s needs a value", argv[optind - 1]);
		default:
			/* optopt is the short option getopt did not know; for a long
			 * one it is 0 and the word is in argv */
			if (optopt > ' ' && optopt < 127)
				return bad_usage("unknown option -%s", (char[]){(char)optopt, 0});
			return bad_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		o->command = argv[optind++];
		static const char *const with_arg[] = {"seccomp-bpf", "repro", NULL};
		static const char *const plain[] = {"run", "list", "reference", NULL};
		bool takes_arg = false, known = false;
		for (int i = 0; with_arg[i]; i++)
			takes_arg |= strcmp(o->command, with_arg[i]) == 0;
		for (int i = 0; plain[i]; i++)
			known |= strcmp(o->command, plain[i]) == 0;
		if (!known && !takes_arg)
			return bad_usage("unknown command '%s' (run, list, reference, seccomp-bpf PROFILE, repro CASE)",
					 o->command);
		if (takes_arg) {
			if (optind == argc)
				return bad_usage("%s needs an argument", o->command);
			o->command_arg = argv[optind++];
		}
		if (optind < argc)
			return bad_usage("unexpected argument '%s'", argv[optind]);
	}
	/* a run judges what it sees here, with this kernel's page and this
	 * build's architecture; only a reproducer is written for another */
	if ((o->repro_page_size || o->repro_arch) && strcmp(o->command, "repro") != 0)
		return bad_usage("--page-size and --arch are for repro (a run judges with this kernel's)%s", "");
	if (!!o->seccomp + !!o->expect_seccomp + !!o->seccomp_start > 1)
		return bad_usage("--seccomp, --expect-seccomp and --seccomp-from-start exclude each other%s", "");
	if ((o->seccomp || o->expect_seccomp || o->seccomp_start) && o->bless)
		return bad_usage("--bless records the base target: not with a seccomp profile%s", "");
	if (!report_format_by_name(o->format))
		return bad_usage("--format '%s': expected text, tap, json or junit", o->format);
	return 0;
}

/* Edits to the checkout are never silently ignored: the embedded copies
 * this run would use must be the checkout's files (static build: always). */
static bool embedded_fresh(const struct options *o)
{
	struct diag dc = {0}, de = {0};
	bool ok = o->ncases > 0 || source_embedded_fresh("cases/", ".case", &dc);
	ok &= o->expected_dir || source_embedded_fresh("expected/", ".expected", &de);
	if (dc.set)
		fprintf(stderr, "splicecheck: %s\n", dc.msg);
	if (de.set)
		fprintf(stderr, "splicecheck: %s\n", de.msg);
	return ok;
}

static bool load_cases(const struct options *o, struct suite *s, struct srcfile **files, int *nfiles)
{
	struct diag d = {0};
	*files = NULL;
	*nfiles = 0;
	if (o->ncases == 0) {
		*nfiles = source_embedded("cases/", ".case", files);
	} else {
		for (int i = 0; i < o->ncases; i++) {
			if (!source_disk(o->cases[i], ".case", files, nfiles, &d)) {
				fprintf(stderr, "splicecheck: %s\n", d.msg);
				return false;
			}
		}
	}
	for (int i = 0; i < *nfiles; i++) {
		if (!cases_parse((*files)[i].name, (*files)[i].text, (*files)[i].len, s, &d)) {
			fprintf(stderr, "splicecheck: %s\n", d.msg);
			return false;
		}
	}
	if (s->n == 0) {
		fprintf(stderr, "splicecheck: no cases found%s\n", o->ncases ? "" : " (this binary has none built in)");
		return false;
	}
	return true;
}

static bool selected(const struct options *o, const struct tcase *c)
{
	bool ok = o->nfilters == 0;
	for (int i = 0; i < o->nfilters && !ok; i++)
		ok = glob_match(o->filters[i], c->name);
	if (!ok)
		return false;
	if (o->ntags == 0)
		return true;
	for (int i = 0; i < o->ntags; i++)
		for (int j = 0; j < c->ntags; j++)
			if (strcmp(o->tags[i], c->tags[j]) == 0)
				return true;
	return false;
}

struct run_state {
	int write_errno; /* the report could not be written: why */
	const struct suite *s;
	const struct expset *exp;
	const struct target_env *env;
	struct report *rep;
	char **seen;
	const struct exp_line **matched;
};

static void on_case_done(int ci, struct case_result *res, void *arg)
{
	struct run_state *st = arg;
	const struct tcase *c = &st->s->cases[ci];
	const struct exp_line *e = expect_lookup(st->exp, ci, st->env);
	st->matched[ci] = e;
	struct exp_line overlaid;
	bool over = overlay_expectation(e, res, c, c->nsteps, &overlaid);
	if (res->status == ST_PASS && st->seen) {
		struct sbuf b = {0};
		for (int i = 0; i < res->nout; i++) {
			if (i)
				sb_putc(&b, ' ');
			outcome_format(&res->out[i], &b);
		}
		st->seen[ci] = b.s;
	}
	trace_print(stderr, c, res);
	report_case(st->rep, c, res, over ? &overlaid : e);
	if (over)
		overlay_free(&overlaid);
	/* a report nobody can read (EPIPE, ENOSPC, /dev/full) is not a pass:
	 * stop the run now rather than judge cases no one will see */
	if (ferror(st->rep->out) && !st->write_errno) {
		st->write_errno = errno ? errno : EIO;
		run_stop(SIGPIPE);
	}
}

/* A standard fd the harness was started without would be handed to the
 * first file it opens (a result pipe, a scratch file), and the report or
 * messages would go there.  False when stdout is closed: there is nowhere
 * to write the report. */
static bool standard_fds_open(void)
{
	bool out_open = fcntl(1, F_GETFD) >= 0;
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
	return out_open;
}

/* Nothing selected is not a pass: a misspelt --filter or --tag in a CI job
 * would stay green for ever. */
static bool nothing_selected(const struct options *o)
{
	struct sbuf b = {0};
	for (int i = 0; i < o->nfilters; i++)
		sb_printf(&b, " --filter '%s'", o->filters[i]);
	for (int i = 0; i < o->ntags; i++)
		sb_printf(&b, " --tag '%s'", o->tags[i]);
	fprintf(stderr, "splicecheck: no case matches%s (splicecheck list names them)\n", b.s ? b.s : "");
	sb_free(&b);
	return true;
}

/* An example case body, indented under the kind or call it shows. */
static void print_example(const char *example)
{
	for (const char *l = example; l && *l; l += *l == '\n') {
		int n = (int)strcspn(l, "\n");
		printf("  %.*s\n", n, l);
		l += n;
	}
}

/* The fixture kinds and calls the tables hold, each with its example
 * under it, for the case-writing guide (a test checks the guide names
 * every one) and for tests/test_repro.py, which reproduces the examples. */
static void print_reference(void)
{
	const struct kind *k;
	const struct call *c;
	for (size_t i = 0; (k = kind_at(i)); i++) {
		printf("kind %-12s %s\n", k->name, k->summary);
		print_example(k->example);
	}
	for (size_t i = 0; (c = call_at(i)); i++) {
		printf("call %-12s %s\n", c->name, c->summary);
		print_example(c->example);
	}
}

/* A seccomp profile, its warnings on stderr; NULL (said why) if refused. */
static struct sc_profile *load_profile(const char *path, bool strict)
{
	char err[512];
	sc_profile_set_strict(strict);
	struct sc_profile *p = sc_profile_load(path, err, sizeof err);
	if (!p) {
		fprintf(stderr, "splicecheck: %s\n", err);
		return NULL;
	}
	const char *w = sc_profile_warnings(p);
	for (const char *l = w; l && *l; l = strchr(l, '\n') + 1)
		fprintf(stderr, "splicecheck: warning: %.*s\n", (int)strcspn(l, "\n"), l);
	return p;
}

/* The profile's BPF program on stdout, for runtimes that load one
 * (bwrap --seccomp FD), so a sandbox run enforces exactly what
 * --expect-seccomp predicts. */
static int export_bpf(const char *path, bool strict)
{
	struct sc_profile *p = load_profile(path, strict);
	if (!p)
		return EXIT_BAD_INPUT;
	int rc = sc_profile_write_bpf(p, 1);
	sc_profile_free(p);
	if (rc) {
		fprintf(stderr, "splicecheck: writing the BPF program: %s\n", strerror(-rc));
		return EXIT_BAD_INPUT;
	}
	return 0;
}

/* `repro CASE`: the case as a standalone C program on stdout. */
static int write_repro(const struct suite *s, const struct expset *exp, const struct target_env *env,
		       const struct options *o, const char *target, const char *kernel)
{
	int ci = -1;
	for (int i = 0; i < s->n && ci < 0; i++)
		if (strcmp(s->cases[i].name, o->command_arg) == 0)
			ci = i;
	if (ci < 0) {
		fprintf(stderr, "splicecheck: repro: no case named '%s' (splicecheck list names them)\n",
			o->command_arg);
		return EXIT_BAD_INPUT;
	}
	struct repro_opts ro = {.target = target, .kernel = kernel, .timeout_ms = o->run.timeout_ms,
				.arch = env->arch, .page_size = env->page};
	struct diag d = {0};
	if (!repro_write(stdout, s, ci, exp, expect_lookup(exp, ci, env), &ro, &d)) {
		fprintf(stderr, "splicecheck: %s\n", d.msg);
		return EXIT_BAD_INPUT;
	}
	return fflush(stdout) == 0 ? 0 : EXIT_BAD_INPUT;
}

static int list_cases(const struct suite *s, const struct options *o)
{
	int n = 0;
	for (int i = 0; i < s->n; i++) {
		const struct tcase *c = &s->cases[i];
		if (!selected(o, c))
			continue;
		n++;
		printf("%-48s %s:%d", c->name, c->file, c->line);
		for (int j = 0; j < c->ncovers; j++)
			printf(" %s", c->covers[j]);
		putchar('\n');
	}
	if (n == 0 && nothing_selected(o))
		return EXIT_BAD_INPUT;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "splicecheck: cannot write the list: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	if (!standard_fds_open()) {
		fprintf(stderr, "splicecheck: stdout is closed: there is nowhere to write the report\n");
		return EXIT_ENV;
	}
	int rc = parse_options(argc, argv, &o);
	if (rc)
		return rc;
	if (strcmp(o.command, "seccomp-bpf") == 0)
		return export_bpf(o.command_arg, o.strict);
	if (strcmp(o.command, "reference") == 0) {
		print_reference();
		return 0;
	}
	struct suite s = {0};
	struct srcfile *files;
	int nfiles;
	/* what is parsed from here to the run lives in the shared arena */
	if (!embedded_fresh(&o))
		return EXIT_BAD_INPUT;
	/* PAGE is evaluated as the cases are read: a reproducer for another
	 * kernel's pages must read them with its page size */
	if (o.repro_page_size)
		abi_set_page_size(o.repro_page_size);
	arena_begin();
	if (!load_cases(&o, &s, &files, &nfiles)) {
		suite_free(&s);
		srcfiles_free(files, nfiles);
		return EXIT_BAD_INPUT;
	}
	if (strcmp(o.command, "list") == 0) {
		rc = list_cases(&s, &o);
		suite_free(&s);
		srcfiles_free(files, nfiles);
		return rc;
	}

	char target[32], why[256];
	detect_target(target, sizeof target, why, sizeof why);
	/* a sandbox that is not a Linux kernel (gVisor) reports a fixed uname:
	 * judged as Linux, it must be judged as the Linux it runs on */
	if (o.target && strcmp(o.target, "linux") == 0 && strcmp(target, "linux") != 0 && !o.kernel &&
	    strcmp(o.command, "run") == 0) {
		fprintf(stderr, "splicecheck: --target linux under %s (%s): its uname -r is no Linux version; "
			"say which Linux it is judged as with --kernel VERSION (the host's uname -r)\n", target, why);
		suite_free(&s);
		srcfiles_free(files, nfiles);
		return EXIT_BAD_INPUT;
	}
	if (o.target) {
		snprintf(target, sizeof target, "%s", o.target);
		snprintf(why, sizeof why, "--target");
	}
	char running[128];
	const char *kernel_source = "--kernel";
	kver_running(running, sizeof running, &kernel_source);
	const char *kernel = o.kernel ? o.kernel : running;
	if (o.kernel)
		kernel_source = "--kernel";
	struct target_env env = {.root = geteuid() == 0, .caps = caps_effective(),
				 .arch = o.repro_arch ? o.repro_arch : abi_arch(),
				 .bits = abi_bits(), .page = abi_page_size()};
	/* outcomes a filesystem decides are judged with the scratch
	 * directory's (fs= qualifiers): name it, so a run says which it had */
	char fs_detail[160];
	env.fs = scratchfs_of(o.run.scratch_parent, fs_detail, sizeof fs_detail);
	char platform[160];
	abi_describe(platform, sizeof platform);
	struct expset exp = {0};
	/* --cases FILE (not a directory) judges just that file's cases against
	 * the whole expected files */
	for (int i = 0; i < o.ncases; i++) {
		struct stat sb;
		if (stat(o.cases[i], &sb) == 0 && !S_ISDIR(sb.st_mode))
			exp.partial = true;
	}
	struct diag d = {0};
	if (!kver_parse(kernel, &env.kernel))
		diag_at(&d, "--kernel", 0, "'%s': expected a version like 6.1 or 5.10.102", kernel);
	else
		expect_load(&exp, o.expected_dir, target, &s, &d);
	if (d.set) {
		fprintf(stderr, "splicecheck: %s\n", d.msg);
		suite_free(&s);
		srcfiles_free(files, nfiles);
		return EXIT_BAD_INPUT;
	}
	env.chain = exp.chain;
	/* where the outcomes are really seen: the running kernel, whatever
	 * --kernel judges against (bless writes only lines that hold here) */
	struct target_env seen_env = env;
	if (!kver_parse(running, &seen_env.kernel))
		seen_env.kernel = env.kernel;
	if (o.bless && !bless_check_target(o.bless, &exp, target, &d)) {
		fprintf(stderr, "splicecheck: %s\n", d.msg);
		expect_free(&exp);
		suite_free(&s);
		srcfiles_free(files, nfiles);
		return EXIT_BAD_INPUT;
	}
	if (strcmp(o.command, "repro") == 0) {
		rc = write_repro(&s, &exp, &env, &o, target, kernel);
		expect_free(&exp);
		suite_free(&s);
		srcfiles_free(files, nfiles);
		return rc;
	}
	struct sc_profile *profile = NULL;
	const char *profile_path = o.seccomp ? o.seccomp : o.expect_seccomp ? o.expect_seccomp : o.seccomp_start;
	if (profile_path) {
		profile = load_profile(profile_path, o.strict);
		if (!profile) {
			expect_free(&exp);
			suite_free(&s);
			srcfiles_free(files, nfiles);
			return EXIT_BAD_INPUT;
		}
		child_set_seccomp(o.seccomp ? profile : NULL, profile);
	}
	if (!o.quiet)
		fprintf(stderr, "splicecheck: target %s (%s), kernel %s (%s), %s, scratch %s on %s (%s), %s%s%s%s\n",
			target, why, kernel, kernel_source, platform, o.run.scratch_parent, env.fs ? env.fs : "?",
			fs_detail, env.root ? "root" : "unprivileged", profile ? ", seccomp profile " : "",
			profile ? profile_path : "",
			profile ? (o.seccomp ? " (installed)" : o.seccomp_start ? " (on the whole run)" : " (expected)") : "");

	arena_end();
	int *order = xcalloc((size_t)s.n, sizeof *order), n = 0;
	for (int i = 0; i < s.n; i++)
		if (selected(&o, &s.cases[i]))
			order[n++] = i;
	/* nothing selected, or a profile under which nothing can run */
	if ((n == 0 && nothing_selected(&o)) ||
	    (profile && !o.expect_seccomp && !sc_needs_report(profile, o.seccomp_start, profile_path, &s, order, n, stderr))) {
		xfree(order);
		expect_free(&exp);
		suite_free(&s);
		srcfiles_free(files, nfiles);
		sc_profile_free(profile);
		return EXIT_BAD_INPUT;
	}
	struct sbuf lacks = {0}, notes = {0};
	bool fit = preflight(&s, order, n, &o.run, &lacks, &notes);
	if (notes.len && !o.quiet)
		fprintf(stderr, "splicecheck: %s", notes.s);
	if (!fit) {
		fprintf(stderr, "splicecheck: this environment lacks what the selected cases need; nothing was run:\n%s",
			lacks.s);
		sb_free(&lacks);
		sb_free(&notes);
		xfree(order);
		expect_free(&exp);
		suite_free(&s);
		srcfiles_free(files, nfiles);
		sc_profile_free(profile);
		return EXIT_ENV;
	}
	sb_free(&lacks);
	sb_free(&notes);
	struct report rep = {.fmt = report_format_by_name(o.format), .out = stdout, .verbose = o.verbose,
			     .target = target, .kernel = kernel, .platform = platform, .env = &env, .ncases = n};
	struct run_state st = {.s = &s, .exp = &exp, .env = &env, .rep = &rep};
	if (o.bless)
		st.seen = xcalloc((size_t)s.n, sizeof *st.seen);
	st.matched = xcalloc((size_t)s.n, sizeof *st.matched);
	if (o.trace && !trace_open())
		fprintf(stderr, "splicecheck: --trace: cannot make the trace file: %s\n", strerror(errno));
	report_begin(&rep);
	/* as a runtime: every fixture and the harness itself under the filter */
	if (o.seccomp_start && (rc = sc_profile_install(profile)) < 0) {
		fprintf(stderr, "splicecheck: cannot install seccomp profile %s: %s\n", profile_path, strerror(-rc));
		exit(EXIT_BAD_INPUT);
	}
	int stopped = run_cases(&s, order, n, &o.run, on_case_done, &st);
	if (stopped == 0) {
		report_end(&rep);
		if ((fflush(stdout) != 0 || ferror(stdout)) && !st.write_errno)
			st.write_errno = errno ? errno : EIO;
	}
	if (stopped == SIGPIPE && !st.write_errno)
		st.write_errno = EPIPE;
	bool bless_failed = false;
	if (stopped == 0 && !st.write_errno && o.bless &&
	    !bless_write(o.bless, &exp, &s, st.seen, st.matched, &seen_env, target))
		stopped = -1, bless_failed = true;
	rc = st.write_errno ? EXIT_ENV
	     : stopped > 0  ? 128 + stopped
	     : stopped < 0  ? (bless_failed ? EXIT_BAD_INPUT : EXIT_ENV)
	     : (rep.failed || rep.broken) ? 1 : 0;
	if (st.write_errno)
		fprintf(stderr, "splicecheck: cannot write the report: %s; stopped after %d of %d cases, cleaned up\n",
			strerror(st.write_errno), rep.index, n);
	else if (stopped > 0)
		fprintf(stderr, "splicecheck: stopped by %s after %d of %d cases; cleaned up\n", signal_name(stopped),
			rep.index, n);
	for (int i = 0; st.seen && i < s.n; i++)
		xfree(st.seen[i]);
	xfree(st.seen);
	xfree(st.matched);
	trace_close();
	xfree(order);
	expect_free(&exp);
	suite_free(&s);
	srcfiles_free(files, nfiles);
	sc_profile_free(profile);
	return rc;
}
