/*
 * test_fault: the fault rule language without a kernel: parsing of every
 * form, the canonical text (and that it parses back to the same rule), the
 * errors, the simulator's match function as a truth table, and the nft rule
 * text the lab installs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "scenario/fault.h"

#define PORT 2017

static struct tl_fault parse_ok(const char *text)
{
	struct tl_fault f;
	char err[256] = "";
	int rc = tl_fault_parse(text, 1, PORT, &f, err, sizeof(err));
	if (rc != 0)
		fail_msg("'%s' did not parse: %s", text, err);
	return f;
}

/* Parses text, expects failure, and checks the message contains want. */
static void parse_bad(const char *text, const char *want)
{
	struct tl_fault f;
	char err[256] = "";
	int rc = tl_fault_parse(text, 1, PORT, &f, err, sizeof(err));
	if (rc != -1)
		fail_msg("'%s' parsed but should not have", text);
	if (!strstr(err, want))
		fail_msg("'%s': message \"%s\" does not contain \"%s\"", text, err, want);
	if (strchr(err, '\n'))
		fail_msg("'%s': message is not one line: \"%s\"", text, err);
}

/* Field by field: struct copies need not keep padding bytes. */
static void assert_fault_equal(const struct tl_fault *a, const struct tl_fault *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->server_port, b->server_port);
	assert_int_equal(a->from, b->from);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->flags_exact_set, b->flags_exact_set);
	assert_int_equal(a->flags_exact, b->flags_exact);
	assert_int_equal(a->flags_has_set, b->flags_has_set);
	assert_int_equal(a->flags_has, b->flags_has);
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->raw, b->raw);
	assert_string_equal(a->nft, b->nft);
}

static void format_is(const char *text, const char *want)
{
	struct tl_fault f = parse_ok(text);
	char out[600];
	int n = tl_fault_format(&f, out, sizeof(out));
	assert_string_equal(out, want);
	assert_int_equal(n, (int)strlen(want));
	/* The canonical text is a fixed point: it parses back to an equal rule. */
	struct tl_fault g = parse_ok(out);
	assert_fault_equal(&f, &g);
}

static void nft_is(const char *text, const char *want)
{
	struct tl_fault f = parse_ok(text);
	char out[1024];
	assert_int_equal(tl_fault_nft_rule(&f, 7, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

/* ---- parsing ---- */

static void test_parse_defaults(void **state)
{
	(void)state;
	struct tl_fault f;
	char err[128];
	assert_int_equal(tl_fault_parse("from client", 3, PORT, &f, err, sizeof(err)), 0);
	assert_string_equal(f.name, "rule3"); /* the lab's index names it */
	assert_int_equal(f.server_port, PORT);
	assert_int_equal(f.from, TL_FAULT_FROM_CLIENT);
	assert_int_equal(f.sport, 0);
	assert_int_equal(f.dport, 0);
	assert_false(f.flags_exact_set);
	assert_false(f.flags_has_set);
	assert_int_equal(f.count, 0);
	assert_false(f.raw);
	assert_string_equal(f.nft, "");
}

static void test_parse_every_word(void **state)
{
	(void)state;
	struct tl_fault f = parse_ok("from server dport 40000 flags S. count 2 name synack");
	assert_int_equal(f.from, TL_FAULT_FROM_SERVER);
	assert_int_equal(f.dport, 40000);
	assert_true(f.flags_exact_set);
	assert_int_equal(f.flags_exact, TL_TH_SYN | TL_TH_ACK);
	assert_int_equal(f.count, 2);
	assert_string_equal(f.name, "synack");

	f = parse_ok("\thas F   sport 65535 from client ");
	assert_int_equal(f.from, TL_FAULT_FROM_CLIENT);
	assert_int_equal(f.sport, 65535);
	assert_true(f.flags_has_set);
	assert_int_equal(f.flags_has, TL_TH_FIN);

	f = parse_ok("dport 1 count 2147483646 name a-b_c.9");
	assert_int_equal(f.dport, 1);
	assert_int_equal(f.count, TL_FAULT_COUNT_MAX);
	assert_string_equal(f.name, "a-b_c.9");

	f = parse_ok("flags none");
	assert_true(f.flags_exact_set);
	assert_int_equal(f.flags_exact, 0);

	/* Only count or name: every TCP packet matches. */
	f = parse_ok("count 1");
	assert_int_equal(f.from, TL_FAULT_FROM_ANY);
	assert_int_equal(f.count, 1);
}

static void test_parse_raw(void **state)
{
	(void)state;
	struct tl_fault f = parse_ok("nft tcp dport 2017 tcp flags syn");
	assert_true(f.raw);
	assert_string_equal(f.nft, "tcp dport 2017 tcp flags syn");
	assert_false(tl_fault_simulable(&f));

	/* count and name go before nft; after it everything is nft's, even
	 * words that look like ours. */
	f = parse_ok("count 3 name r  nft  ct count 5   name x  ");
	assert_true(f.raw);
	assert_int_equal(f.count, 3);
	assert_string_equal(f.name, "r");
	assert_string_equal(f.nft, "ct count 5   name x");

	f = parse_ok("nft iifname \"lo\" tcp dport { 2017, 2018 }");
	assert_string_equal(f.nft, "iifname \"lo\" tcp dport { 2017, 2018 }");
	assert_true(tl_fault_simulable(&(struct tl_fault){ .raw = false }));
}

/* ---- canonical text ---- */

static void test_format(void **state)
{
	(void)state;
	format_is("from client", "from client name rule1");
	format_is("name x count 2 flags S. from server", "from server flags S. count 2 name x");
	format_is("dport 80 sport 1234", "sport 1234 dport 80 name rule1");
	format_is("has FP", "has FP name rule1");
	format_is("flags none", "flags none name rule1");
	format_is("flags .S", "flags S. name rule1"); /* letters in tcpdump's order */
	format_is("count 1", "count 1 name rule1");
	format_is("name z nft tcp dport 2017", "name z nft tcp dport 2017");
	format_is("nft tcp flags syn count 2", "name rule1 nft tcp flags syn count 2");
	format_is("count 4 nft  meta l4proto tcp ", "count 4 name rule1 nft meta l4proto tcp");

	/* Truncation works like snprintf's. */
	struct tl_fault f = parse_ok("from server flags S. count 2");
	char small[10];
	int n = tl_fault_format(&f, small, sizeof(small));
	assert_int_equal(n, (int)strlen("from server flags S. count 2 name rule1"));
	assert_string_equal(small, "from serv");
	assert_int_equal(tl_fault_format(&f, NULL, 0), n);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	(void)state;
	parse_bad("", "empty rule");
	parse_bad("   \t ", "empty rule");
	parse_bad("from clients", "from 'clients': expected client or server");
	parse_bad("from", "'from' needs client or server");
	parse_bad("sport 0", "sport 0 out of range 1..65535");
	parse_bad("dport 70000", "dport 70000 out of range 1..65535");
	parse_bad("dport 99999999999999999999", "out of range 1..65535");
	parse_bad("dport -1", "dport '-1' is not a port number");
	parse_bad("dport 0x10", "dport '0x10' is not a port number");
	parse_bad("dport 20 17", "unknown word '17'");
	parse_bad("dport", "'dport' needs a port number");
	parse_bad("drop from client", "unknown word 'drop' (expected from, sport, dport, flags, has, "
				       "count, name or nft)");
	parse_bad("form client", "unknown word 'form'");
	parse_bad("flags SX", "flags 'SX': bad flag letters");
	parse_bad("flags", "'flags' needs tcpdump flag letters");
	parse_bad("flags SEW", "ECE and CWR");
	parse_bad("has none", "has 'none' asks for no flag");
	parse_bad("count 0", "count 0 out of range 1..2147483646");
	parse_bad("count 2147483647", "count 2147483647 out of range");
	parse_bad("count two", "count 'two' is not a number");
	parse_bad("count", "'count' needs a number");
	parse_bad("name", "'name' needs a rule name");
	parse_bad("name bad/name", "name 'bad/name': expected 1 to 31 letters");
	parse_bad("name 0123456789012345678901234567890123", "name '0123456789012345678901234567890123'");
	parse_bad("from client from server", "duplicate 'from'");
	parse_bad("count 1 count 2", "duplicate 'count'");
	parse_bad("flags S has S", "use either 'flags' (exactly these) or 'has'");
	parse_bad("from client dport 80", "'dport 80' contradicts 'from client'");
	parse_bad("from client sport 2017", "'sport 2017' contradicts 'from client'");
	parse_bad("from server sport 80", "'sport 80' contradicts 'from server'");
	parse_bad("from server dport 2017", "'dport 2017' contradicts 'from server'");
	parse_bad("nft", "'nft' needs an nft match");
	parse_bad("nft   ", "'nft' needs an nft match");
	parse_bad("nft tcp dport 1; flush ruleset", "may not contain ';'");
	parse_bad("nft tcp dport 1 # hi", "may not contain '#'");
	parse_bad("nft tcp dport 1\nflush ruleset", "one line");
	parse_bad("from client nft tcp dport 1", "'nft' replaces from");
	parse_bad("nft iifname \"lo", "unterminated '\"'");
	char longword[200];
	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	parse_bad(longword, "is too long");
	char longraw[700] = "nft ";
	memset(longraw + 4, 'a', sizeof(longraw) - 5);
	longraw[sizeof(longraw) - 1] = '\0';
	parse_bad(longraw, "the nft match is 695 bytes long (at most 511)");

	/* Redundant but consistent words are fine. */
	parse_ok("from client dport 2017");
	parse_ok("from server sport 2017");

	struct tl_fault f;
	char err[64];
	assert_int_equal(tl_fault_parse("from client", 1, 0, &f, err, sizeof(err)), -1);
	assert_int_equal(tl_fault_parse(NULL, 1, PORT, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty rule"));
	/* A NULL or tiny error buffer is allowed. */
	assert_int_equal(tl_fault_parse("bogus", 1, PORT, &f, NULL, 0), -1);
	char tiny[4];
	assert_int_equal(tl_fault_parse("bogus", 1, PORT, &f, tiny, sizeof(tiny)), -1);
	assert_string_equal(tiny, "unk");
}

/* ---- tl_fault_matches ---- */

static struct tl_tuple lo_tuple(uint16_t sport, uint16_t dport)
{
	return (struct tl_tuple){ .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
				  .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
				  .sport = sport,
				  .dport = dport };
}

static void test_matches_truth_table(void **state)
{
	(void)state;
	const uint8_t S = TL_TH_SYN, SA = TL_TH_SYN | TL_TH_ACK, A = TL_TH_ACK,
		      FA = TL_TH_FIN | TL_TH_ACK, PA = TL_TH_PSH | TL_TH_ACK, R = TL_TH_RST;
	const struct tl_tuple c2s = lo_tuple(40000, PORT); /* client to server */
	const struct tl_tuple s2c = lo_tuple(PORT, 40000); /* server to client */
	static const struct {
		const char *rule;
		int dir; /* 0: client to server, 1: server to client */
		uint8_t flags;
		bool match;
	} rows[] = {
		{ "from client", 0, S, true },
		{ "from client", 0, FA, true },
		{ "from client", 1, SA, false },
		{ "from server", 1, SA, true },
		{ "from server", 0, S, false },
		{ "from server flags S.", 1, SA, true },
		{ "from server flags S.", 1, A, false },
		{ "from server flags S.", 1, SA | TL_TH_ECE, true }, /* ECE, CWR not compared */
		{ "flags S", 0, S, true },
		{ "flags S", 0, SA, false }, /* exact: an extra flag fails */
		{ "flags S", 1, SA, false },
		{ "has S", 1, SA, true },    /* at least: extra flags are fine */
		{ "has S", 0, S, true },
		{ "has S", 0, A, false },
		{ "has F", 0, FA, true },
		{ "has F", 1, FA, true },
		{ "has F", 0, PA, false },
		{ "has F.", 0, FA, true },
		{ "has F.", 0, TL_TH_FIN, false },
		{ "flags none", 0, 0, true },
		{ "flags none", 0, A, false },
		{ "flags R", 1, R, true },
		{ "flags R", 1, R | A, false },
		{ "dport 2017", 0, A, true },
		{ "dport 2017", 1, A, false },
		{ "sport 40000", 0, A, true },
		{ "sport 40000", 1, A, false },
		{ "dport 40000 from server", 1, A, true },
		{ "dport 40001 from server", 1, A, false },
		{ "from client has F count 1", 0, FA, true }, /* count is the caller's */
		{ "count 5", 1, A, true },
		{ "name any", 0, PA, true },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tl_fault f = parse_ok(rows[i].rule);
		bool got = tl_fault_matches(&f, rows[i].dir ? &s2c : &c2s, rows[i].flags, PORT);
		if (got != rows[i].match)
			fail_msg("row %zu: '%s' %s flags %#x: got %d, want %d", i, rows[i].rule,
				 rows[i].dir ? "s2c" : "c2s", rows[i].flags, got, rows[i].match);
	}

	/* The server_port argument decides the direction. */
	struct tl_fault f = parse_ok("from client");
	struct tl_tuple other = lo_tuple(40000, 3000);
	assert_false(tl_fault_matches(&f, &other, S, PORT));
	assert_true(tl_fault_matches(&f, &other, S, 3000));

	/* A raw rule never matches in the simulator. */
	f = parse_ok("nft tcp dport 2017");
	assert_false(tl_fault_matches(&f, &c2s, S, PORT));
}

static void test_drops_nth(void **state)
{
	(void)state;
	struct tl_fault f = parse_ok("from server flags S. count 2");
	assert_true(tl_fault_drops_nth(&f, 0));
	assert_true(tl_fault_drops_nth(&f, 1));
	assert_false(tl_fault_drops_nth(&f, 2));
	assert_false(tl_fault_drops_nth(&f, 1000));
	f = parse_ok("from server");
	assert_true(tl_fault_drops_nth(&f, 0));
	assert_true(tl_fault_drops_nth(&f, UINT64_MAX));
}

/* ---- nft rule text ---- */

static void test_nft_text(void **state)
{
	(void)state;
	nft_is("from client", "tcp dport 2017 log group 7 prefix \"tcplab:rule1\" drop");
	nft_is("from server", "tcp sport 2017 log group 7 prefix \"tcplab:rule1\" drop");
	nft_is("from server flags S. count 2",
	       "tcp sport 2017 tcp flags & (fin|syn|rst|psh|ack|urg) == syn|ack "
	       "numgen inc mod 2147483647 < 2 log group 7 prefix \"tcplab:rule1\" drop");
	nft_is("dport 2017 flags S. count 2",
	       "tcp dport 2017 tcp flags & (fin|syn|rst|psh|ack|urg) == syn|ack "
	       "numgen inc mod 2147483647 < 2 log group 7 prefix \"tcplab:rule1\" drop");
	nft_is("from client has F name fin",
	       "tcp dport 2017 tcp flags & (fin) == fin log group 7 prefix \"tcplab:fin\" drop");
	nft_is("has FP", "tcp flags & (fin|psh) == fin|psh log group 7 prefix \"tcplab:rule1\" drop");
	nft_is("flags none", "tcp flags & (fin|syn|rst|psh|ack|urg) == 0x0 log group 7 prefix "
			     "\"tcplab:rule1\" drop");
	/* An explicit port takes the place of the one "from" implies. */
	nft_is("from client dport 2017 sport 40000",
	       "tcp sport 40000 tcp dport 2017 log group 7 prefix \"tcplab:rule1\" drop");
	nft_is("from server dport 40000",
	       "tcp sport 2017 tcp dport 40000 log group 7 prefix \"tcplab:rule1\" drop");
	/* Nothing to say about TCP yet: name the protocol, or UDP would match. */
	nft_is("count 1", "meta l4proto tcp numgen inc mod 2147483647 < 1 log group 7 prefix "
			  "\"tcplab:rule1\" drop");
	nft_is("count 3 name raw nft tcp dport 2017 tcp flags syn",
	       "tcp dport 2017 tcp flags syn numgen inc mod 2147483647 < 3 log group 7 prefix "
	       "\"tcplab:raw\" drop");

	struct tl_fault f = parse_ok("from client");
	char out[1024];
	assert_int_equal(tl_fault_nft_rule(&f, 65535, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "log group 65535 "));
	char small[20];
	assert_int_equal(tl_fault_nft_rule(&f, 7, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(tl_fault_nft_rule(&f, 7, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_every_word),
		cmocka_unit_test(test_parse_raw),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_matches_truth_table),
		cmocka_unit_test(test_drops_nth),
		cmocka_unit_test(test_nft_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
