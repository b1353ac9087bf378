/*
 * test_fault_delay: delay rules ("delay from client has F for 50ms") without
 * a kernel: the action and the hold parsed, the errors of "for", the
 * canonical text and its round trip, the nft rule the lab installs, the
 * timeline's hold note, and the duration's shortest text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "scenario/duration.h"
#include "scenario/fault.h"

#define PORT 2017
#define MS 1000000ull

static struct tl_fault delay_ok(const char *text)
{
	struct tl_fault f;
	char err[256] = "";
	if (tl_fault_parse_action(TL_FAULT_DELAY, text, 1, PORT, &f, err, sizeof(err)) != 0)
		fail_msg("'%s' did not parse as a delay: %s", text, err);
	return f;
}

static void bad(enum tl_fault_action action, const char *text, const char *want)
{
	struct tl_fault f;
	char err[256] = "";
	if (tl_fault_parse_action(action, text, 1, PORT, &f, err, sizeof(err)) != -1)
		fail_msg("'%s' parsed but should not have", text);
	if (!strstr(err, want))
		fail_msg("'%s': message \"%s\" does not contain \"%s\"", text, err, want);
	if (strchr(err, '\n'))
		fail_msg("'%s': message is not one line: \"%s\"", text, err);
}

static void test_parse(void **state)
{
	(void)state;
	struct tl_fault f = delay_ok("from client has F count 1 for 50ms");
	assert_int_equal(f.action, TL_FAULT_DELAY);
	assert_int_equal(f.delay_ns, 50 * MS);
	assert_int_equal(f.from, TL_FAULT_FROM_CLIENT);
	assert_true(f.flags_has_set);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.name, "rule1");
	assert_string_equal(tl_fault_action_name(f.action), "delay");

	/* Any order, every duration form the scenario format knows. */
	assert_int_equal(delay_ok("for 1.5s from server").delay_ns, 1500 * MS);
	assert_int_equal(delay_ok("for 250us").delay_ns, 250000);
	assert_int_equal(delay_ok("for 1min").delay_ns, 60000 * MS);
	f = delay_ok("for 20ms name late nft tcp dport 2017");
	assert_true(f.raw);
	assert_string_equal(f.name, "late");
	assert_int_equal(f.delay_ns, 20 * MS);

	/* A drop rule is still a drop: action and hold zero. */
	char err[128];
	assert_int_equal(tl_fault_parse("from client", 1, PORT, &f, err, sizeof(err)), 0);
	assert_int_equal(f.action, TL_FAULT_DROP);
	assert_int_equal(f.delay_ns, 0);
	assert_string_equal(tl_fault_action_name(f.action), "drop");
}

static void test_errors(void **state)
{
	(void)state;
	bad(TL_FAULT_DELAY, "from client", "a delay needs 'for DURATION'");
	bad(TL_FAULT_DELAY, "from client for", "'for' needs a duration");
	bad(TL_FAULT_DELAY, "for 50", "for '50' has no unit");
	bad(TL_FAULT_DELAY, "for 50x", "has an unknown unit 'x'");
	bad(TL_FAULT_DELAY, "for 0ms", "a duration must be more than 0");
	bad(TL_FAULT_DELAY, "for 61s", "for 61s is longer than 60 s");
	bad(TL_FAULT_DELAY, "for 2h", "unknown unit 'h'");
	bad(TL_FAULT_DELAY, "for 5ms for 6ms", "duplicate 'for'");
	bad(TL_FAULT_DELAY, "", "empty rule (expected from, sport, dport, flags, has, count, for, name or nft)");
	bad(TL_FAULT_DELAY, "form client for 5ms", "expected from, sport, dport, flags, has, count, for, name or nft");
	bad(TL_FAULT_DROP, "from client for 50ms", "'for' belongs to delay rules");
	/* A drop's own list of words does not offer 'for'. */
	bad(TL_FAULT_DROP, "form client", "(expected from, sport, dport, flags, has, count, name or nft)");
}

static void test_format_round_trip(void **state)
{
	(void)state;
	static const struct {
		const char *text, *canonical;
	} cases[] = {
		{ "for 50ms has F from client count 1", "from client has F count 1 for 50ms name rule1" },
		{ "for 1.5s", "for 1500ms name rule1" },
		{ "for 2s name x", "for 2s name x" },
		{ "for 0.000001s", "for 1us name rule1" },
		{ "for 1min", "for 60s name rule1" },
		{ "for 7ns count 2 nft tcp dport 2017", "count 2 for 7ns name rule1 nft tcp dport 2017" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_fault f = delay_ok(cases[i].text);
		char out[600];
		tl_fault_format(&f, out, sizeof(out));
		assert_string_equal(out, cases[i].canonical);
		struct tl_fault g = delay_ok(out);
		assert_int_equal(g.delay_ns, f.delay_ns);
		assert_int_equal(g.count, f.count);
		assert_int_equal(g.raw, f.raw);
		assert_string_equal(g.name, f.name);
	}
}

static void test_nft_delay_rule(void **state)
{
	(void)state;
	struct tl_fault f = delay_ok("from server has F count 1 for 50ms");
	char out[1024];
	assert_int_equal(tl_fault_nft_delay_rule(&f, 0x7c1a0003, "delay", out, sizeof(out)), 0);
	assert_string_equal(out, "tcp sport 2017 tcp flags & (fin) == fin numgen inc mod 2147483647 < 1 "
				 "meta mark set 0x7c1a0003 jump delay");
	f = delay_ok("for 5ms");
	assert_int_equal(tl_fault_nft_delay_rule(&f, 0x7c1a0000, "delay", out, sizeof(out)), 0);
	assert_string_equal(out, "meta l4proto tcp meta mark set 0x7c1a0000 jump delay");
	char small[20];
	assert_int_equal(tl_fault_nft_delay_rule(&f, 1, "delay", small, sizeof(small)), -1);
}

static void test_hold_note(void **state)
{
	(void)state;
	struct tl_fault f = delay_ok("for 50ms name crossing");
	struct tl_tuple t;
	memset(&t, 0, sizeof(t));
	t.saddr = tl_addr_v4(htonl(0x7f000001));
	t.daddr = tl_addr_v4(htonl(0x7f000001));
	t.sport = 40000;
	t.dport = 2017;
	char note[160];
	tl_fault_hold_note(&f, &t, TL_TH_FIN | TL_TH_ACK, note, sizeof(note));
	assert_string_equal(note, "delay crossing holds 127.0.0.1:40000 > 127.0.0.1:2017 F. for 50ms");
}

static void test_duration_format(void **state)
{
	(void)state;
	char out[32];
	static const struct {
		uint64_t ns;
		const char *text;
	} cases[] = {
		{ 1, "1ns" },	      { 1500, "1500ns" },	  { 2000, "2us" },	  { 50 * MS, "50ms" },
		{ 1500 * MS, "1500ms" }, { 3000 * MS, "3s" }, { 3600000 * MS, "3600s" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tl_duration_format(cases[i].ns, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
		/* What it writes parses back to the same time. */
		uint64_t back = 0;
		char why[128];
		assert_int_equal(tl_duration_parse("for", out, out, &back, why, sizeof(why)), 0);
		assert_int_equal(back, cases[i].ns);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_nft_delay_rule),
		cmocka_unit_test(test_hold_note),
		cmocka_unit_test(test_duration_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
