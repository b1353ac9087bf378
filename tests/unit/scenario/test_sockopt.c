/*
 * test_sockopt: the socket-option table and the `SIDE setsockopt NAME VALUE`
 * steps read through it. Every option parses at both ends of its range and
 * is refused one past each end with the parser's "FILE:LINE:" message; a
 * switch takes only on or off; the table's levels and numbers are the
 * kernel's (checked against a real socket where a value shows in
 * getsockopt). The timeline's call text is the table's kernel name.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenario/call.h"
#include "scenario/scenario.h"
#include "scenario/sockopt.h"

/* Parses "title t" and one setsockopt line; returns the parser's result, err holds its message. */
static int parse_one(const char *line, struct tl_scenario *sc, char *err, size_t errlen)
{
	char text[256];
	snprintf(text, sizeof(text), "title t\nclient setsockopt %s\n", line);
	return tl_scenario_parse_text("x.scn", text, sc, err, errlen);
}

static void accepted(const char *line, enum tl_sockopt opt, int value)
{
	struct tl_scenario sc;
	char err[256] = "";
	if (parse_one(line, &sc, err, sizeof(err)) != 0)
		print_error("'%s' refused: %s\n", line, err);
	assert_int_equal(sc.n_steps, 1);
	assert_int_equal(sc.steps[0].kind, TL_STEP_SETSOCKOPT);
	assert_int_equal(sc.steps[0].opt, opt);
	assert_int_equal(sc.steps[0].opt_value, value);
	tl_scenario_free(&sc);
}

static void refused(const char *line, const char *want)
{
	struct tl_scenario sc;
	char err[512] = "";
	assert_int_equal(parse_one(line, &sc, err, sizeof(err)), -1);
	if (strcmp(err, want))
		print_error("'%s': wanted \"%s\"\n   got \"%s\"\n", line, want, err);
	assert_string_equal(err, want);
	assert_null(sc.steps);
	tl_scenario_free(&sc);
}

/* Each numeric option at both ends of its range, refused one past each end, with the table's words. */
static void every_range_end(void **state)
{
	(void)state;
	for (int i = 0; i < TL_OPT_COUNT; i++) {
		const struct tl_sockopt_info *o = tl_sockopt_info((enum tl_sockopt)i);
		assert_non_null(o);
		assert_int_equal(o->opt, i);
		assert_ptr_equal(tl_sockopt_find(o->word), o);
		if (o->unit == TL_UNIT_SWITCH)
			continue;
		char line[96], want[160];
		snprintf(line, sizeof(line), "%s %ld", o->word, o->min);
		accepted(line, o->opt, (int)o->min);
		snprintf(line, sizeof(line), "%s %ld", o->word, o->max);
		accepted(line, o->opt, (int)o->max);
		snprintf(line, sizeof(line), "%s %ld", o->word, o->min - 1);
		snprintf(want, sizeof(want), "x.scn:2: %s %ld out of range %ld..%ld", o->word, o->min - 1, o->min, o->max);
		refused(line, want);
		if (o->max < INT_MAX) {
			snprintf(line, sizeof(line), "%s %ld", o->word, o->max + 1);
			snprintf(want, sizeof(want), "x.scn:2: %s %ld out of range %ld..%ld", o->word, o->max + 1, o->min,
				 o->max);
			refused(line, want);
		}
	}
}

/* The kernel's own limits, written out, so that a wrong row in the table fails here. */
static void kernel_ranges(void **state)
{
	(void)state;
	refused("syncnt 128", "x.scn:2: syncnt 128 out of range 1..127");
	refused("keepidle 0", "x.scn:2: keepidle 0 out of range 1..32767");
	refused("keepidle 32768", "x.scn:2: keepidle 32768 out of range 1..32767");
	refused("keepintvl 32768", "x.scn:2: keepintvl 32768 out of range 1..32767");
	refused("keepcnt 128", "x.scn:2: keepcnt 128 out of range 1..127");
	refused("keepcnt 0", "x.scn:2: keepcnt 0 out of range 1..127");
	refused("maxseg 87", "x.scn:2: maxseg 87 out of range 88..32767");
	refused("maxseg 32768", "x.scn:2: maxseg 32768 out of range 88..32767");
	refused("rcvbuf 0", "x.scn:2: rcvbuf 0 out of range 1..212992");
	refused("sndbuf 212993", "x.scn:2: sndbuf 212993 out of range 1..212992");
	refused("defer_accept -1", "x.scn:2: defer_accept -1 out of range 0..2147483647");
	refused("user_timeout 2147483648", "x.scn:2: user_timeout 2147483648 out of range 0..2147483647");
	accepted("linger2 -1", TL_OPT_LINGER2, -1);
}

static void switches(void **state)
{
	(void)state;
	accepted("keepalive on", TL_OPT_KEEPALIVE, 1);
	accepted("keepalive off", TL_OPT_KEEPALIVE, 0);
	accepted("nodelay on", TL_OPT_NODELAY, 1);
	accepted("quickack off", TL_OPT_QUICKACK, 0);
	refused("keepalive 1", "x.scn:2: keepalive takes on or off, got '1'");
	refused("nodelay yes", "x.scn:2: nodelay takes on or off, got 'yes'");
	refused("quickack ON", "x.scn:2: quickack takes on or off, got 'ON'");
	refused("keepidle on", "x.scn:2: keepidle 'on' is not a number (expected 1..32767)");
}

static void unknown_and_word_count(void **state)
{
	(void)state;
	char names[256];
	tl_sockopt_words(names, sizeof(names));
	assert_string_equal(names, "syncnt, user_timeout, linger2, keepalive, keepidle, keepintvl, keepcnt, nodelay, "
				   "quickack, maxseg, rcvbuf, sndbuf or defer_accept");
	char want[512];
	snprintf(want, sizeof(want), "x.scn:2: unknown socket option 'keepalives' (expected %s)", names);
	refused("keepalives on", want);
	snprintf(want, sizeof(want), "x.scn:2: 'client setsockopt' takes NAME VALUE (NAME one of %s), got 1 word", names);
	refused("keepalive", want);
	snprintf(want, sizeof(want), "x.scn:2: 'client setsockopt' takes NAME VALUE (NAME one of %s), got 3 words", names);
	refused("keepalive on now", want);
	assert_null(tl_sockopt_find("KEEPALIVE"));
	assert_null(tl_sockopt_info(TL_OPT_COUNT));
}

/* The level and number the lab passes are the kernel's: a value set through the table reads back. */
static void levels_and_numbers(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	const struct {
		enum tl_sockopt opt;
		int value, readback;
	} cases[] = {
		{ TL_OPT_KEEPALIVE, 1, 1 }, { TL_OPT_KEEPIDLE, 7, 7 },	 { TL_OPT_KEEPINTVL, 3, 3 },
		{ TL_OPT_KEEPCNT, 4, 4 },   { TL_OPT_NODELAY, 1, 1 },	 { TL_OPT_MAXSEG, 1000, 1000 },
		{ TL_OPT_SYNCNT, 2, 2 },    { TL_OPT_USER_TIMEOUT, 1500, 1500 },
		/* the kernel keeps twice a buffer size (socket(7)) */
		{ TL_OPT_RCVBUF, 4096, 8192 }, { TL_OPT_SNDBUF, 8192, 16384 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tl_sockopt_info *o = tl_sockopt_info(cases[i].opt);
		int v = cases[i].value, got = -1;
		socklen_t len = sizeof(got);
		assert_int_equal(setsockopt(fd, o->level, o->optname, &v, sizeof(v)), 0);
		assert_int_equal(getsockopt(fd, o->level, o->optname, &got, &len), 0);
		if (got != cases[i].readback)
			print_error("%s: set %d, read back %d\n", o->kernel_name, v, got);
		assert_int_equal(got, cases[i].readback);
	}
	close(fd);
	assert_int_equal(tl_sockopt_info(TL_OPT_DEFER_ACCEPT)->optname, TCP_DEFER_ACCEPT);
	assert_int_equal(tl_sockopt_info(TL_OPT_QUICKACK)->optname, TCP_QUICKACK);
	assert_int_equal(tl_sockopt_info(TL_OPT_LINGER2)->optname, TCP_LINGER2);
}

static void call_text(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	assert_int_equal(parse_one("keepalive on", &sc, err, sizeof(err)), 0);
	struct tl_app_call call;
	tl_call_begin(&sc.steps[0], "127.0.0.1", 2017, &call);
	assert_string_equal(call.verb, "setsockopt");
	assert_string_equal(call.call, "setsockopt(SO_KEEPALIVE, 1)");
	tl_scenario_free(&sc);
	char text[64];
	tl_sockopt_call_text(TL_OPT_MAXSEG, 536, text, sizeof(text));
	assert_string_equal(text, "setsockopt(TCP_MAXSEG, 536)");
	assert_string_equal(tl_sockopt_unit_name(tl_sockopt_info(TL_OPT_KEEPIDLE)->unit), "s");
	assert_string_equal(tl_sockopt_unit_name(tl_sockopt_info(TL_OPT_NODELAY)->unit), "on|off");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_range_end),
		cmocka_unit_test(kernel_ranges),
		cmocka_unit_test(switches),
		cmocka_unit_test(unknown_and_word_count),
		cmocka_unit_test(levels_and_numbers),
		cmocka_unit_test(call_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
