/* The runtime (harness/rt_*.c) that the harness links and every
 * reproducer carries: its makers, its data spelling (held to the
 * harness's data_format), and a reproducer's runner with a case of its
 * own, under the sanitizers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "data.h"
#include "rt.h"

static void same_spelling(const unsigned char *p, size_t n)
{
	struct sbuf want = {0};
	data_format(p, n, &want);
	char got[240];
	rt_format_data(p, n, got, sizeof got);
	cr_assert_str_eq(got, want.s, "length %zu", n);
	sb_free(&want);
}

Test(rt, data_spelt_as_the_harness_spells_it)
{
	static const char *const fixed[] = {"", "a", "hello", "\"\\\n\t\x01\x7f\xff", "aaaaaaa", "aaaaaaaa",
					    "abcdefghaaaaaaaaaaaaij"};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		same_spelling((const unsigned char *)fixed[i], strlen(fixed[i]));
	/* runs and text of every length around the limits, and random bytes */
	unsigned char buf[4096];
	unsigned seed = 1;
	for (size_t n = 0; n < 300; n++) {
		for (int kind = 0; kind < 4; kind++) {
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				unsigned r = seed >> 16;
				buf[i] = kind == 0 ? 'a' : kind == 1 ? (unsigned char)('a' + i % 7)
					 : kind == 2 ? (unsigned char)(i / 9 % 3 + 'x')
						     : (unsigned char)r;
			}
			same_spelling(buf, n);
		}
	}
	memset(buf, 0, sizeof buf);
	same_spelling(buf, sizeof buf);
}

Test(rt, pipe_maker_fills_and_applies_end_options)
{
	struct rt_fixture fx = RT_FIXTURE_INIT;
	cr_assert_eq(rt_make_pipe(&(struct rt_fixture_args){.fill = 5, .byte = 'z', .nonblock = RT_END(0)}, &fx), 0);
	cr_assert_eq(rt_fionread(fx.fd[0]), 5);
	char b[8];
	cr_assert_eq(read(fx.fd[0], b, sizeof b), 5);
	cr_assert_eq(memcmp(b, "zzzzz", 5), 0);
	cr_assert_eq(read(fx.fd[0], b, sizeof b), -1, "the read end is non-blocking");
	cr_assert_eq(errno, EAGAIN);
	close(fx.fd[0]);
	close(fx.fd[1]);

	struct rt_fixture full = RT_FIXTURE_INIT;
	cr_assert_eq(rt_make_pipe(&(struct rt_fixture_args){.fill = RT_FULL, .size = 8192, .close = RT_END(0)}, &full), 0);
	cr_assert_eq(full.fd[0], -1, "close= closed the read end");
	cr_assert_eq(fcntl(full.fd[1], F_GETPIPE_SZ), 8192);
	close(full.fd[1]);
}

Test(rt, a_failed_maker_names_its_operation)
{
	struct rt_fixture fx = RT_FIXTURE_INIT;
	int err = rt_make_open(&(struct rt_fixture_args){.path = "/nonexistent/splicecheck"}, &fx);
	cr_assert_eq(err, ENOENT);
	cr_assert_str_eq(rt_failed, "/nonexistent/splicecheck");
	cr_assert(rt_unavailable(err), "a missing file is SKIP");
	cr_assert(!rt_unavailable(EBADF));
}

Test(rt, buffer_has_a_guard_page_and_offset_its_value)
{
	struct rt_fixture b = RT_FIXTURE_INIT;
	cr_assert_eq(rt_make_buffer(&(struct rt_fixture_args){.pages = 2, .offset = 100, .byte = 'k',
							       .prot = PROT_READ | PROT_WRITE}, &b), 0);
	cr_assert_eq(b.base, b.map + 100);
	cr_assert_eq(b.len, 2 * rt_page_size() - 100);
	cr_assert_eq(b.base[b.len - 1], 'k');
	/* the page after the buffer is inaccessible: the kernel says EFAULT */
	int p[2];
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], b.base + b.len - 1, 1), 1);
	cr_assert_eq(write(p[1], b.map + 2 * rt_page_size(), 1), -1);
	cr_assert_eq(errno, EFAULT);
	close(p[0]);
	close(p[1]);
	struct rt_fixture o = RT_FIXTURE_INIT;
	cr_assert_eq(rt_make_offset(&(struct rt_fixture_args){.value = -7, .prot = PROT_READ}, &o), 0);
	cr_assert_eq(*o.off, -7);
}

/* Buffers lie low, one after another, far below the top of user space
 * whatever ASLR drew: 2 GiB past one is still user space in every run. */
Test(rt, buffers_lie_low_one_after_another)
{
	struct rt_fixture a = RT_FIXTURE_INIT, b = RT_FIXTURE_INIT;
	struct rt_fixture_args args = {.pages = 3, .byte = 'x', .prot = PROT_READ | PROT_WRITE};
	cr_assert_eq(rt_make_buffer(&args, &a), 0);
	cr_assert_eq(rt_make_buffer(&args, &b), 0);
	uintptr_t pa = (uintptr_t)a.map, pb = (uintptr_t)b.map;
	cr_assert(pa >= 0x40000000UL && pa < 0x40000000UL * 5, "buffer at %#lx", (unsigned long)pa);
	cr_assert(pb >= pa + a.maplen && pb < 0x40000000UL * 5, "second buffer at %#lx", (unsigned long)pb);
	cr_assert_eq(a.map[0], 'x');
	munmap(a.map, a.maplen);
	munmap(b.map, b.maplen);
}

/* ---- a reproducer's runner, with a case of its own ---- */

static const struct rt_name errnos[] = {{EAGAIN, "EAGAIN"}, {EBADF, "EBADF"}};
static const struct rt_name signals[] = {{SIGPIPE, "SIGPIPE"}};
static const char *const calls[] = {"write", "read", "read"};

static void run_pipe_case(void)
{
	struct rt_fixture p = RT_FIXTURE_INIT;
	rt_need(rt_make_pipe(&(struct rt_fixture_args){0}, &p));
	rt_step_begin(1);
	long r = write(p.fd[1], "hi", 2);
	rt_step_end(1, r, errno, 0, NULL);
	unsigned char *buf = rt_rdbuf(10);
	rt_step_begin(2);
	r = read(p.fd[0], buf, 10);
	rt_step_end(2, r, errno, 0, buf);
	/* nothing left: sleeps until the watchdog ends it */
	rt_step_begin(3);
	r = read(p.fd[0], buf, 10);
	rt_step_end(3, r, errno, 0, buf);
}

static void run_missing_fixture(void)
{
	struct rt_fixture f = RT_FIXTURE_INIT;
	rt_need(rt_make_open(&(struct rt_fixture_args){.path = "/nonexistent/splicecheck"}, &f));
}

static int repro(void (*run)(void), const char *const *expected, int nsteps)
{
	struct rt_case c = {.name = "unit.rt", .where = "test_rt.c:1", .nsteps = nsteps, .timeout_ms = 100,
			    .have_expected = 1, .nexpected = nsteps, .expected = expected, .call_text = calls,
			    .errnos = errnos, .nerrnos = 2, .signals = signals, .nsignals = 1, .run = run};
	fflush(stdout);
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	int rc = rt_repro_main(&c);
	fclose(stdout);
	stdout = saved;
	return rc;
}

Test(rt, repro_runner_sees_outcomes_and_blocks)
{
	static const char *const right[] = {"2", "2:\"hi\"", "blocks"};
	static const char *const wrong[] = {"2", "2:\"ho\"", "blocks"};
	cr_assert_eq(repro(run_pipe_case, right, 3), 0);
	cr_assert_eq(repro(run_pipe_case, wrong, 3), 1);
}

Test(rt, repro_runner_skips_what_cannot_be_made)
{
	static const char *const none[] = {NULL};
	cr_assert_eq(repro(run_missing_fixture, none, 0), 77);
}
