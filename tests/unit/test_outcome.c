/* Outcomes and data: one canonical spelling, so expected and seen compare
 * as text and any real difference shows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "data.h"
#include "outcome.h"

static const char *canon(const char *w)
{
	static char out[512];
	struct sbuf b = {0};
	char why[256];
	if (!outcome_canonical(w, &b, why, sizeof why)) {
		snprintf(out, sizeof out, "ERROR: %s", why);
	} else {
		snprintf(out, sizeof out, "%s", b.s);
	}
	sb_free(&b);
	return out;
}

Test(outcome, canonical_forms)
{
	cr_assert_str_eq(canon("1000"), "1000");
	cr_assert_str_eq(canon("0x10"), "16");
	cr_assert_str_eq(canon("EINVAL"), "EINVAL");
	cr_assert_str_eq(canon("EPIPE+SIGPIPE"), "EPIPE+SIGPIPE");
	cr_assert_str_eq(canon("blocks"), "blocks");
	cr_assert_str_eq(canon("65536+blocks"), "65536+blocks");
	cr_assert_str_eq(canon("SIGSEGV"), "SIGSEGV");
	cr_assert_str_eq(canon("-"), "-");
	cr_assert_str_eq(canon("5:\"hello\""), "5:\"hello\"");
	cr_assert_str_eq(canon("4:\"aa\"*2"), "4:\"aaaa\"");
	cr_assert_str_eq(canon("16:\"a\"*8+\"b\"*8"), "16:\"a\"*8+\"b\"*8");
	cr_assert_str_eq(canon("2+SIGXFSZ+SIGPIPE"), "2+SIGPIPE+SIGXFSZ");
}

Test(outcome, rejects_malformed)
{
	cr_assert(strncmp(canon("EWHATEVER"), "ERROR", 5) == 0);
	cr_assert(strncmp(canon("12abc"), "ERROR", 5) == 0);
	cr_assert(strncmp(canon("EINVAL:\"x\""), "ERROR", 5) == 0);
	cr_assert(strncmp(canon("5:\"unterminated"), "ERROR", 5) == 0);
	cr_assert(strncmp(canon("5+SIGNOPE"), "ERROR", 5) == 0);
	cr_assert(strncmp(canon("EINVAL+blocks"), "ERROR", 5) == 0);
	cr_assert(strncmp(canon(""), "ERROR", 5) == 0);
}

Test(outcome, data_longer_than_its_count_is_refused_before_it_is_made)
{
	/* 64 MiB of data for a count of 8192: found by fuzzing, it took
	 * seconds to build and hash before it was refused */
	cr_assert_str_eq(canon("8192:\"f\"*PAGE*2*PAGE*2"),
			 "ERROR: '8192:\"f\"*PAGE*2*PAGE*2': more bytes of data than the count 8192");
	cr_assert(strncmp(canon("4:\"aa\"*3"), "ERROR", 5) == 0);
	cr_assert_str_eq(canon("6:\"aa\"*3"), "6:\"aaaaaa\"");
}

Test(outcome, different_outcomes_differ)
{
	char a[64];
	snprintf(a, sizeof a, "%s", canon("1000"));
	cr_assert_str_neq(a, canon("999"));
	snprintf(a, sizeof a, "%s", canon("EPIPE"));
	cr_assert_str_neq(a, canon("EPIPE+SIGPIPE"));
	snprintf(a, sizeof a, "%s", canon("1:\"y\""));
	cr_assert_str_neq(a, canon("1:\"x\""));
}

Test(data, long_varied_data_is_hashed_and_stable)
{
	unsigned char buf[4096];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 7 + i / 13);
	struct sbuf b = {0};
	data_format(buf, sizeof buf, &b);
	cr_assert(strncmp(b.s, "fnv64=", 6) == 0, "%s", b.s);
	char first[64];
	snprintf(first, sizeof first, "%s", b.s);
	buf[4095] ^= 1;
	b.len = 0;
	data_format(buf, sizeof buf, &b);
	cr_assert_str_neq(first, b.s);
	sb_free(&b);
}

Test(data, runs_and_escapes_round_trip)
{
	unsigned char buf[100];
	memset(buf, 0, 50);
	memcpy(buf + 50, "he\"l\\lo\n", 8);
	memset(buf + 58, 'z', 42);
	struct sbuf b = {0};
	data_format(buf, sizeof buf, &b);
	cr_assert_str_eq(b.s, "\"\\x00\"*50+\"he\\\"l\\\\lo\\n\"+\"z\"*42");
	unsigned char *back;
	size_t len;
	unsigned long long h;
	bool is_hash;
	cr_assert(data_decode(b.s, false, &back, &len, &h, &is_hash));
	cr_assert_eq(len, sizeof buf);
	cr_assert(memcmp(back, buf, len) == 0);
	free(back);
	sb_free(&b);
}

/* Counts and data lengths in pages: evaluated with the page size the
 * harness runs with, so one expected line holds on 4 KiB and 64 KiB pages. */
Test(outcome, page_arithmetic)
{
	abi_set_page_size(4096);
	cr_assert_str_eq(canon("PAGE*15+1"), "61441");
	cr_assert_str_eq(canon("PIPE_DEF_SIZE"), "65536");
	cr_assert_str_eq(canon("PAGE*2-1"), "8191");
	cr_assert_str_eq(canon("PAGE+blocks"), "4096+blocks");
	cr_assert_str_eq(canon("PAGE*15+1+SIGPIPE"), "61441+SIGPIPE");
	cr_assert_str_eq(canon("PAGE:\"a\"*PAGE"), "4096:\"a\"*4096");
	cr_assert_str_eq(canon("PIPE_DEF_SIZE:\"f\"*PIPE_DEF_SIZE"), "65536:\"f\"*65536");
	abi_set_page_size(65536);
	cr_assert_str_eq(canon("PAGE*15+1"), "983041");
	cr_assert_str_eq(canon("PIPE_DEF_SIZE:\"f\"*PIPE_DEF_SIZE"), "1048576:\"f\"*1048576");
	cr_assert_str_eq(canon("PAGE-2048"), "63488");
	abi_set_page_size(0);
	/* an errno or a signal is never taken for a constant */
	cr_assert_str_eq(canon("EPIPE+SIGPIPE"), "EPIPE+SIGPIPE");
	cr_assert(strncmp(canon("PAGES"), "ERROR", 5) == 0);
	cr_assert(strncmp(canon("PAGE:\"a\"*NOPE"), "ERROR", 5) == 0);
}
