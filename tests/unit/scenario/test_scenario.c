/*
 * test_scenario: the scenario parser. One full file read back field by field,
 * the defaults, then one test per kind of error, each asserting the exact
 * "FILE:LINE: message" start, that parsing returns -1 and that the output is
 * left empty (safe to free). Run under ASan to show nothing leaks on any path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "scenario/scenario.h"

#define T "title t\n" /* the smallest valid header */

/* Every form of the grammar in one file. Not a shipped scenario (those are
 * tested from the .scn files in scenarios/): a name of its own, so that it
 * cannot pass for one. */
static const char full_text[] =
	"# every form, written out in full\n"
	"title   Client closes, server closes at once   \n"
	"section \"4.5 Four-way teardown # not a comment\"\n"
	"explain The server's ACK of the client's FIN  # a comment\n"
	"explain\tcarries its own FIN.\n"
	"host 127.0.0.2\n"
	"port 3000\n"
	"sysctl net.ipv4.tcp_fin_timeout = 5\n"
	"sysctl net.ipv4.tcp_syn_retries 2\r\n"
	"sysctl net.ipv4.tcp_synack_retries=1\n"
	"sysctl net.ipv4.tcp_rmem \"4096\t131072 6291456\"\n"
	"\n"
	"server listen\n"
	"server accept &\n"
	"client setsockopt syncnt 3\n"
	"client setsockopt user_timeout 0\n"
	"server setsockopt linger2 -1\n"
	"client connect\n"
	"client connect 127.0.0.3\n"
	"client connect 4000 &\n"
	"server listen 127.0.0.4 5000\n"
	"wait server\n"
	"client send \"hel\\\"lo\\n\\t\\\\\"\n"
	"client send 3 bytes &\n"
	"server recv\n"
	"client shutdown wr\n"
	"server shutdown rd\n"
	"server shutdown rdwr\n"
	"sleep 200ms\n"
	"sleep 1.5s\n"
	"snapshot after the first FIN\n"
	"snapshot\n"
	"wait client state FIN-WAIT-2\n"
	"wait server state close_wait timeout 2s\n"
	"wait client gone\n"
	"wait client gone timeout 1min\n"
	"drop nft tcp flags & fin == fin\n"
	"undrop\n"
	"server close\n"
	"client abort\n"
	"expect client states SYN_SENT -> ESTABLISHED > FIN-WAIT-1 FIN_WAIT2 TIME-WAIT\n"
	"expect server states LISTEN SYN-RCVD ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED\n"
	"expect packets S S. . P. . F. . F. .\n"
	"expect roles handshake-1/3 handshake-2/3 handshake-3/3 data ack teardown-1\n"
	"expect client connect ok\n"
	"expect client send any\n"
	"expect server recv ECONNRESET\n"
	"expect client setsockopt EINVAL\n"
	"expect server listed TIME-WAIT\n";

static void parses_full_scenario(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	int rc = tl_scenario_parse_text("grammar/every-form.scn", full_text, &sc, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");

	assert_string_equal(sc.id, "every-form");
	assert_string_equal(sc.path, "grammar/every-form.scn");
	assert_string_equal(sc.title, "Client closes, server closes at once");
	assert_string_equal(sc.section, "4.5 Four-way teardown # not a comment");
	assert_string_equal(sc.explain, "The server's ACK of the client's FIN carries its own FIN.");
	assert_string_equal(sc.host, "127.0.0.2");
	assert_int_equal(sc.port, 3000);

	assert_int_equal(sc.n_sysctls, 4);
	assert_string_equal(sc.sysctls[0].name, "net.ipv4.tcp_fin_timeout");
	assert_string_equal(sc.sysctls[0].value, "5");
	assert_int_equal(sc.sysctls[0].line, 8);
	assert_string_equal(sc.sysctls[1].name, "net.ipv4.tcp_syn_retries");
	assert_string_equal(sc.sysctls[1].value, "2");
	assert_string_equal(sc.sysctls[2].name, "net.ipv4.tcp_synack_retries");
	assert_string_equal(sc.sysctls[2].value, "1");
	assert_string_equal(sc.sysctls[3].value, "4096\t131072 6291456");

	assert_int_equal(sc.n_steps, 28);
	const struct tl_step *st = sc.steps;

	/* server listen: the scenario's host and port, even though the defaults
	 * were set before; line numbers count the comment and the blank line */
	assert_int_equal(st[0].kind, TL_STEP_LISTEN);
	assert_int_equal(st[0].side, TL_SIDE_SERVER);
	assert_false(st[0].background);
	assert_int_equal(st[0].line, 13);
	assert_string_equal(st[0].host, "127.0.0.2");
	assert_int_equal(st[0].port, 3000);

	assert_int_equal(st[1].kind, TL_STEP_ACCEPT);
	assert_true(st[1].background);

	assert_int_equal(st[2].kind, TL_STEP_SETSOCKOPT);
	assert_int_equal(st[2].side, TL_SIDE_CLIENT);
	assert_int_equal(st[2].opt, TL_OPT_SYNCNT);
	assert_int_equal(st[2].opt_value, 3);
	assert_int_equal(st[3].opt, TL_OPT_USER_TIMEOUT);
	assert_int_equal(st[3].opt_value, 0);
	assert_int_equal(st[4].opt, TL_OPT_LINGER2);
	assert_int_equal(st[4].opt_value, -1);

	assert_int_equal(st[5].kind, TL_STEP_CONNECT);
	assert_string_equal(st[5].host, "127.0.0.2");
	assert_int_equal(st[5].port, 3000);
	assert_string_equal(st[6].host, "127.0.0.3"); /* one word that is an address */
	assert_int_equal(st[6].port, 3000);
	assert_string_equal(st[7].host, "127.0.0.2"); /* one word that is a port */
	assert_int_equal(st[7].port, 4000);
	assert_true(st[7].background);
	assert_int_equal(st[8].kind, TL_STEP_LISTEN);
	assert_string_equal(st[8].host, "127.0.0.4");
	assert_int_equal(st[8].port, 5000);

	assert_int_equal(st[9].kind, TL_STEP_JOIN);
	assert_int_equal(st[9].side, TL_SIDE_SERVER);

	assert_int_equal(st[10].kind, TL_STEP_SEND);
	assert_int_equal(st[10].data_len, 9);
	assert_memory_equal(st[10].data, "hel\"lo\n\t\\", 9);
	assert_int_equal(st[11].kind, TL_STEP_SEND);
	assert_int_equal(st[11].data_len, 3);
	assert_memory_equal(st[11].data, "xxx", 3);
	assert_true(st[11].background);

	assert_int_equal(st[12].kind, TL_STEP_RECV);
	assert_int_equal(st[13].kind, TL_STEP_SHUTDOWN);
	assert_int_equal(st[13].shutdown_how, SHUT_WR);
	assert_int_equal(st[14].shutdown_how, SHUT_RD);
	assert_int_equal(st[15].shutdown_how, SHUT_RDWR);

	assert_int_equal(st[16].kind, TL_STEP_SLEEP);
	assert_int_equal(st[16].side, TL_SIDE_NONE);
	assert_int_equal(st[16].duration_ns, 200000000ull);
	assert_int_equal(st[17].duration_ns, 1500000000ull);

	assert_int_equal(st[18].kind, TL_STEP_SNAPSHOT);
	assert_string_equal(st[18].label, "after the first FIN");
	assert_string_equal(st[19].label, "");

	assert_int_equal(st[20].kind, TL_STEP_WAIT_STATE);
	assert_int_equal(st[20].side, TL_SIDE_CLIENT);
	assert_int_equal(st[20].state, TL_FIN_WAIT2);
	assert_int_equal(st[20].duration_ns, 0);
	assert_int_equal(st[21].state, TL_CLOSE_WAIT);
	assert_int_equal(st[21].duration_ns, 2000000000ull);
	assert_int_equal(st[22].kind, TL_STEP_WAIT_GONE);
	assert_int_equal(st[22].duration_ns, 0);
	assert_int_equal(st[23].duration_ns, 60000000000ull);

	assert_int_equal(st[24].kind, TL_STEP_FAULT);
	assert_string_equal(st[24].fault, "nft tcp flags & fin == fin");
	assert_true(st[24].rule.raw); /* parsed with the scenario's port */
	assert_int_equal(st[25].kind, TL_STEP_UNFAULT);
	assert_int_equal(st[26].kind, TL_STEP_CLOSE);
	assert_int_equal(st[27].kind, TL_STEP_ABORT);
	assert_int_equal(st[27].side, TL_SIDE_CLIENT);
	assert_int_equal(st[27].line, 40);

	tl_scenario_free(&sc);
	assert_null(sc.steps);
	assert_int_equal(sc.n_steps, 0);
}

static void parses_full_expectations(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("every-form.scn", full_text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.n_expects, 9);
	const struct tl_expect *e = sc.expects;

	assert_int_equal(e[0].kind, TL_EXPECT_STATES);
	assert_int_equal(e[0].side, TL_SIDE_CLIENT);
	assert_int_equal(e[0].line, 41);
	assert_int_equal(e[0].n, 5);
	assert_int_equal(e[0].states[0], TL_SYN_SENT);
	assert_int_equal(e[0].states[1], TL_ESTABLISHED);
	assert_int_equal(e[0].states[2], TL_FIN_WAIT1);
	assert_int_equal(e[0].states[3], TL_FIN_WAIT2);
	assert_int_equal(e[0].states[4], TL_TIME_WAIT);

	assert_int_equal(e[1].side, TL_SIDE_SERVER);
	assert_int_equal(e[1].n, 6);
	assert_int_equal(e[1].states[0], TL_LISTEN);
	assert_int_equal(e[1].states[1], TL_SYN_RECV);
	assert_int_equal(e[1].states[5], TL_CLOSE);

	assert_int_equal(e[2].kind, TL_EXPECT_PACKETS);
	assert_int_equal(e[2].side, TL_SIDE_NONE);
	assert_int_equal(e[2].n, 9);
	assert_int_equal(e[2].flags[0], TL_TH_SYN);
	assert_int_equal(e[2].flags[1], TL_TH_SYN | TL_TH_ACK);
	assert_int_equal(e[2].flags[2], TL_TH_ACK);
	assert_int_equal(e[2].flags[3], TL_TH_PSH | TL_TH_ACK);
	assert_int_equal(e[2].flags[5], TL_TH_FIN | TL_TH_ACK);

	assert_int_equal(e[3].kind, TL_EXPECT_ROLES);
	assert_int_equal(e[3].n, 6);
	assert_int_equal(e[3].roles[0], TL_ROLE_HANDSHAKE_1);
	assert_int_equal(e[3].roles[4], TL_ROLE_ACK);
	assert_int_equal(e[3].roles[5], TL_ROLE_TEARDOWN_1);

	assert_int_equal(e[4].kind, TL_EXPECT_CALL);
	assert_string_equal(e[4].verb, "connect");
	assert_int_equal(e[4].err, 0);
	assert_false(e[4].any_result);
	assert_string_equal(e[5].verb, "send");
	assert_true(e[5].any_result);
	assert_int_equal(e[6].side, TL_SIDE_SERVER);
	assert_string_equal(e[6].verb, "recv");
	assert_int_equal(e[6].err, ECONNRESET);
	assert_string_equal(e[7].verb, "setsockopt");
	assert_int_equal(e[7].err, EINVAL);

	assert_int_equal(e[8].kind, TL_EXPECT_LISTED);
	assert_int_equal(e[8].side, TL_SIDE_SERVER);
	assert_int_equal(e[8].n, 1);
	assert_int_equal(e[8].states[0], TL_TIME_WAIT);
	tl_scenario_free(&sc);
}

/* A step's "=> RESULT": the step itself as without it, and an expectation of that step's call. */
static void parses_step_results(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	const char *text = T
		"server listen => ok\n"				/* 2 */
		"server accept => ok &\n"				/* 3 */
		"client connect  127.0.0.1\t2017 => 0   # comment\n"	/* 4 */
		"client send \"a  => b\" => 7\n"			/* 5: '=>' in quotes is data */
		"client send 10 bytes => EPIPE\n"			/* 6 */
		"server recv => \"a  => b\"\n"			/* 7 */
		"server recv => 0\n"					/* 8 */
		"client recv => ECONNRESET &\n"			/* 9 */
		"client shutdown wr => ENOTCONN\n"			/* 10 */
		"client setsockopt linger2 -1 => any\n"		/* 11 */
		"client close\n"					/* 12: no result, no expectation */
		"expect client send ok\n";				/* 13 */
	assert_int_equal(tl_scenario_parse_text("r.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.n_steps, 11);
	assert_int_equal(sc.n_expects, 11);

	assert_int_equal(sc.steps[1].kind, TL_STEP_ACCEPT);
	assert_true(sc.steps[1].background);
	assert_string_equal(sc.steps[2].host, "127.0.0.1");
	assert_int_equal(sc.steps[2].port, 2017);
	assert_int_equal(sc.steps[3].data_len, 7);
	assert_memory_equal(sc.steps[3].data, "a  => b", 7);
	assert_int_equal(sc.steps[4].data_len, 10);
	assert_true(sc.steps[7].background);
	assert_int_equal(sc.steps[9].opt_value, -1);

	const struct tl_expect *e = sc.expects;
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(e[i].kind, TL_EXPECT_CALL);
		assert_true(e[i].of_step);
		assert_int_equal(e[i].line, sc.steps[i].line);
		assert_int_equal(e[i].side, sc.steps[i].side);
		assert_string_equal(e[i].verb, tl_step_verb(sc.steps[i].kind));
	}
	assert_string_equal(e[0].written, "server listen => ok");
	assert_false(e[0].any_result || e[0].want_ret || e[0].err || e[0].text_len);
	assert_string_equal(e[1].written, "server accept => ok &");
	assert_string_equal(e[2].written, "client connect 127.0.0.1 2017 => 0");
	assert_true(e[2].want_ret);
	assert_int_equal(e[2].ret, 0);
	assert_string_equal(e[3].written, "client send \"a  => b\" => 7");
	assert_int_equal(e[3].ret, 7);
	assert_int_equal(e[4].err, EPIPE);
	assert_false(e[4].want_ret);
	assert_int_equal(e[5].text_len, 7);
	assert_memory_equal(e[5].text, "a  => b", 7);
	assert_false(e[5].want_ret);
	assert_true(e[6].want_ret);
	assert_int_equal(e[6].ret, 0);
	assert_int_equal(e[7].err, ECONNRESET);
	assert_string_equal(e[7].written, "client recv => ECONNRESET &");
	assert_int_equal(e[8].err, ENOTCONN);
	assert_true(e[9].any_result);
	/* The old form still means the side's first call of the verb. */
	assert_false(e[10].of_step);
	assert_int_equal(e[10].line, 13);
	assert_string_equal(e[10].verb, "send");
	tl_scenario_free(&sc);
}

/* A long step's name is cut to fit its check, and says so. */
static void long_steps_are_cut_in_their_names(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	const char *text = T "server recv => \"0123456789012345678901234567890123456789012345678901234567890123\"\n";
	assert_int_equal(tl_scenario_parse_text("r.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(strlen(sc.expects[0].written), sizeof(sc.expects[0].written) - 1);
	assert_string_equal(sc.expects[0].written + sizeof(sc.expects[0].written) - 4, "...");
	assert_int_equal(sc.expects[0].text_len, 64);
	tl_scenario_free(&sc);
}

static void applies_defaults(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	const char *text = "title t\n"
			   "server listen\n"
			   "client connect\n"
			   "sleep 10us\n"
			   "sleep 5ns\n"
			   "sleep 0.1s\n"
			   "sleep 2.25min\n";
	assert_int_equal(tl_scenario_parse_text("dir.d/A1", text, &sc, err, sizeof(err)), 0);
	assert_string_equal(sc.id, "A1");
	assert_string_equal(sc.host, "127.0.0.1");
	assert_int_equal(sc.port, 2017);
	assert_string_equal(sc.explain, "");
	assert_int_equal(sc.n_sysctls, 0);
	assert_null(sc.sysctls);
	assert_int_equal(sc.n_expects, 0);
	assert_string_equal(sc.steps[0].host, "127.0.0.1");
	assert_int_equal(sc.steps[0].port, 2017);
	assert_string_equal(sc.steps[1].host, "127.0.0.1");
	assert_int_equal(sc.steps[1].port, 2017);
	assert_int_equal(sc.steps[2].duration_ns, 10000ull);
	assert_int_equal(sc.steps[3].duration_ns, 5ull);
	assert_int_equal(sc.steps[4].duration_ns, 100000000ull);
	assert_int_equal(sc.steps[5].duration_ns, 135000000000ull);
	tl_scenario_free(&sc);
}

/*
 * The server's port is where the server listens, else where the client
 * connects, else the scenario's port; fault rules take their direction from
 * it, wherever they stand in the file.
 */
static void server_port_from_the_steps(void **state)
{
	(void)state;
	static const struct {
		const char *steps;
		uint16_t want;
	} cases[] = {
		{ "drop from server\nclient connect 2019\nserver listen 2018\n", 2018 },
		{ "drop from server\nclient connect 2019\n", 2019 },
		{ "drop from server\nserver listen\n", 2017 },
		{ "port 2020\ndrop from server\n", 2020 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_scenario sc;
		char text[256], err[256];
		snprintf(text, sizeof(text), "title t\n%s", cases[i].steps);
		assert_int_equal(tl_scenario_parse_text("t.scn", text, &sc, err, sizeof(err)), 0);
		assert_int_equal(sc.server_port, cases[i].want);
		assert_int_equal(sc.steps[0].kind, TL_STEP_FAULT);
		assert_int_equal(sc.steps[0].rule.server_port, cases[i].want);
		tl_scenario_free(&sc);
	}
}

/* "delay" is a fault step like "drop", numbered with them, and knows its hold. */
static void parses_delay_step(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("t.scn", "title t\nserver listen 2018\ndrop from client count 1\n"
							 "delay from server has F for 1.5s\nundrop\n",
						&sc, err, sizeof(err)), 0);
	assert_int_equal(sc.steps[1].kind, TL_STEP_FAULT);
	assert_int_equal(sc.steps[1].rule.action, TL_FAULT_DROP);
	assert_int_equal(sc.steps[2].kind, TL_STEP_FAULT);
	assert_int_equal(sc.steps[2].rule.action, TL_FAULT_DELAY);
	assert_int_equal(sc.steps[2].rule.delay_ns, 1500000000ull);
	assert_int_equal(sc.steps[2].rule.server_port, 2018);
	assert_string_equal(sc.steps[2].rule.name, "rule2");
	assert_int_equal(sc.steps[3].kind, TL_STEP_UNFAULT);
	tl_scenario_free(&sc);
}

/* A file with more steps than the first array holds: growth keeps them all. */
static void grows_arrays(void **state)
{
	(void)state;
	size_t n = 500, cap = 64 + n * 24;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t used = (size_t)snprintf(text, cap, "title many\n");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, cap - used, "client send %zu bytes\n", i + 1);
	struct tl_scenario sc;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("many.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.n_steps, n);
	assert_int_equal(sc.steps[n - 1].data_len, n);
	assert_int_equal(sc.steps[n - 1].line, (int)n + 1);
	tl_scenario_free(&sc);
	free(text);
}

/* An empty list expects nothing: no packets, no state changes. */
static void accepts_empty_lists(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	const char *text = T "expect packets\nexpect roles  # none either\nexpect server states\n";
	assert_int_equal(tl_scenario_parse_text("x.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.n_expects, 3);
	assert_int_equal(sc.expects[0].kind, TL_EXPECT_PACKETS);
	assert_int_equal(sc.expects[0].n, 0);
	assert_int_equal(sc.expects[1].kind, TL_EXPECT_ROLES);
	assert_int_equal(sc.expects[1].n, 0);
	assert_int_equal(sc.expects[2].kind, TL_EXPECT_STATES);
	assert_int_equal(sc.expects[2].side, TL_SIDE_SERVER);
	assert_int_equal(sc.expects[2].n, 0);
	tl_scenario_free(&sc);
}

static void reads_file(void **state)
{
	(void)state;
	char path[] = "/tmp/tcplab-test-XXXXXX.scn";
	int fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	const char text[] = "title from a file\nclient connect\nexpect client connect ECONNREFUSED\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);

	struct tl_scenario sc;
	char err[256];
	int rc = tl_scenario_parse_file(path, &sc, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_string_equal(sc.path, path);
	assert_int_equal(strlen(sc.id), strlen("tcplab-test-XXXXXX"));
	assert_int_equal(sc.expects[0].err, ECONNREFUSED);
	tl_scenario_free(&sc);
}

static void free_is_safe_on_empty(void **state)
{
	(void)state;
	struct tl_scenario sc;
	memset(&sc, 0, sizeof(sc));
	tl_scenario_free(&sc);
	tl_scenario_free(&sc);
	tl_scenario_free(NULL);
}

/* ---- errors ---- */

/*
 * Parses text as file "name"; asserts failure, that the message starts with
 * want (the whole of it when exact), and that the output is left empty.
 */
static void check_error(const char *name, const char *text, const char *want, bool exact)
{
	struct tl_scenario sc;
	char err[512] = "unchanged";
	memset(&sc, 0xA5, sizeof(sc)); /* the parser must not rely on a zeroed struct */
	int rc = tl_scenario_parse_text(name, text, &sc, err, sizeof(err));
	bool ok = exact ? !strcmp(err, want) : !strncmp(err, want, strlen(want));
	if (!ok)
		print_error("wanted %s \"%s\"\n   got \"%s\"\n", exact ? "exactly" : "a start", want, err);
	assert_int_equal(rc, -1);
	assert_true(ok);
	assert_null(sc.steps);
	assert_null(sc.expects);
	assert_null(sc.sysctls);
	assert_int_equal(sc.n_steps, 0);
	tl_scenario_free(&sc);
}

static void err_missing_title(void **state)
{
	(void)state;
	check_error("x.scn", "client connect\n", "x.scn: missing 'title'", true);
	check_error("x.scn", "", "x.scn: missing 'title'", true);
	check_error("x.scn", "title\n", "x.scn:1: 'title' needs text", true);
}

static void err_duplicate_header(void **state)
{
	(void)state;
	check_error("x.scn", T "client close\ntitle again\n", "x.scn:3: duplicate 'title' (first at line 1)",
		    true);
	check_error("x.scn", T "section a\nsection b\n", "x.scn:3: duplicate 'section' (first at line 2)", true);
	check_error("x.scn", T "port 1\nport 2\n", "x.scn:3: duplicate 'port' (first at line 2)", true);
	check_error("x.scn", T "host 127.0.0.1\nhost 127.0.0.1\n", "x.scn:3: duplicate 'host'", false);
	/* Two installed rules of one name: refused at load, naming both lines; after undrop, a name is free again. */
	check_error("x.scn", T "drop from client name x\ndrop from server name x\n",
		    "x.scn:3: a fault rule named 'x' is already installed (line 2)", true);
	check_error("x.scn", T "drop from client\ndrop from server flags S. name rule1\n",
		    "x.scn:3: a fault rule named 'rule1' is already installed (line 2)", true);
	struct tl_scenario free_again;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("x.scn", T "drop from client name x\nundrop\ndrop from server name x\n",
						&free_again, err, sizeof(err)), 0);
	tl_scenario_free(&free_again);
	check_error("x.scn", T "sysctl net.ipv4.tcp_fin_timeout 5\nsysctl net.ipv4.tcp_fin_timeout 6\n",
		    "x.scn:3: sysctl net.ipv4.tcp_fin_timeout already set at line 2", true);
}

static void err_unknown_keyword(void **state)
{
	(void)state;
	check_error("x.scn", T "\n\n\n\n\n\n\nconect\n", "x.scn:9: unknown keyword 'conect'", false);
	check_error("x.scn", T "connect\n",
		    "x.scn:2: unknown keyword 'connect' (a socket step starts with its side: "
		    "'client connect' or 'server connect')", true);
	check_error("x.scn", T "frobnicate\n", "x.scn:2: unknown keyword 'frobnicate' (expected title,", false);
	check_error("x.scn", T "\"title\" x\n", "x.scn:2: a line must start with a keyword", false);
}

static void err_unknown_step(void **state)
{
	(void)state;
	check_error("x.scn", T "client conect\n",
		    "x.scn:2: unknown client step 'conect' (did you mean 'connect'?)", true);
	check_error("x.scn", T "server\n", "x.scn:2: 'server' needs a step (expected listen,", false);
	check_error("x.scn", T "wait nobody\n", "x.scn:2: unknown side 'nobody' (expected client or server)",
		    true);
}

static void err_unknown_state(void **state)
{
	(void)state;
	check_error("N3.scn", T "expect client states SYN_SENT ESTABLISH\n",
		    "N3.scn:2: unknown state 'ESTABLISH' (expected a TCP state name such as ESTABLISHED)",
		    true);
	check_error("N3.scn", T "wait server state NOPE\n",
		    "N3.scn:2: unknown state 'NOPE' (expected a TCP state name such as", false);
	check_error("N3.scn", T "expect client states SYN_SENT ->\n",
		    "N3.scn:2: '->' must stand between two state names", true);
}

static void err_port(void **state)
{
	(void)state;
	check_error("x.scn", T "\n\nport 70000\n", "x.scn:4: port 70000 out of range 1..65535", true);
	check_error("x.scn", T "port 0\n", "x.scn:2: port 0 out of range 1..65535", true);
	check_error("x.scn", T "port 99999999999999999999999\n", "x.scn:2: port 99999999999999999999999 out of range",
		    false);
	check_error("x.scn", T "port 80x\n", "x.scn:2: port '80x' is not a number (expected 1..65535)", true);
	check_error("x.scn", T "port +80\n", "x.scn:2: port '+80' is not a number", false);
	check_error("x.scn", T "port\n", "x.scn:2: 'port' takes one number, got 0 words", true);
	check_error("x.scn", T "client connect 127.0.0.1 65536\n", "x.scn:2: port 65536 out of range", false);
	check_error("x.scn", T "client connect localhost\n",
		    "x.scn:2: 'client connect': 'localhost' is neither an IP address nor a port", true);
}

/* `host ::1` is a scenario's own; --ipv6 rewrites the IPv4 loopback of one written for IPv4. */
static void ipv6_hosts(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256] = "";
	assert_int_equal(tl_scenario_parse_text("v6.scn", T "host ::1\nserver listen\nclient connect ::1 2018\n", &sc, err,
						  sizeof(err)),
			 0);
	assert_string_equal(sc.host, "::1");
	assert_string_equal(sc.steps[0].host, "::1");
	assert_int_equal(sc.steps[1].port, 2018);
	assert_int_equal(tl_scenario_use_ipv6(&sc), 0); /* nothing IPv4 left to rewrite */
	tl_scenario_free(&sc);

	assert_int_equal(tl_scenario_parse_text("v4.scn", T "server listen\nclient connect 127.0.0.2 2017\n"
							      "client connect 10.0.0.1\n", &sc, err, sizeof(err)),
			 0);
	assert_int_equal(tl_scenario_use_ipv6(&sc), 3); /* host, listen, the first connect */
	assert_string_equal(sc.host, "::1");
	assert_string_equal(sc.steps[0].host, "::1");
	assert_string_equal(sc.steps[1].host, "::1");
	assert_string_equal(sc.steps[2].host, "10.0.0.1"); /* not loopback: left as written */
	tl_scenario_free(&sc);
}

static void err_host(void **state)
{
	(void)state;
	check_error("x.scn", T "host 127.0.0.256\n",
		    "x.scn:2: host '127.0.0.256' is not an IP address (expected e.g. 127.0.0.1 or ::1)", true);
	check_error("x.scn", T "server listen ::1::2 80\n", "x.scn:2: host '::1::2' is not an IP address", false);
}

static void err_word_count(void **state)
{
	(void)state;
	check_error("x.scn", T "\n\n\n\n\nclient listen 127.0.0.1 80 90\n",
		    "x.scn:7: 'client listen' takes [HOST] [PORT], got 3 words", true);
	check_error("x.scn", T "server accept now\n",
		    "x.scn:2: 'server accept' takes nothing, or N to accept N connections into the side's crowd, got 'now'",
		    true);
	check_error("x.scn", T "server recv now\n", "x.scn:2: 'server recv' takes no arguments, got 1 word", true);
	check_error("x.scn", T "server shutdown\n", "x.scn:2: 'server shutdown' takes rd, wr or rdwr, got 0 words",
		    true);
	check_error("x.scn", T "server shutdown both\n", "x.scn:2: 'server shutdown': unknown direction 'both'",
		    false);
	check_error("x.scn", T "undrop all\n", "x.scn:2: 'undrop' takes no arguments, got 1 word", true);
	check_error("x.scn", T "wait client state\n", "x.scn:2: 'wait client state' takes STATE", false);
	check_error("x.scn", T "wait client gone 2s\n", "x.scn:2: 'wait client gone' takes [timeout DURATION]",
		    false);
	check_error("x.scn", T "wait client state LISTEN after 2s\n",
		    "x.scn:2: expected 'timeout' after the wait condition, got 'after'", true);
	check_error("x.scn", T "wait client soon\n", "x.scn:2: 'wait client' then 'soon': expected state or gone",
		    true);
	check_error("x.scn", T "expect server listed\n", "x.scn:2: 'expect server listed' takes one STATE", false);
	check_error("x.scn", T "expect server connect\n", "x.scn:2: 'expect server connect' takes one RESULT",
		    false);
	check_error("x.scn", T "expect server bogus ok\n", "x.scn:2: unknown expectation 'server bogus'", false);
	check_error("x.scn", T "expect nothing\n", "x.scn:2: unknown expectation 'nothing'", false);
}

static void err_quotes(void **state)
{
	(void)state;
	check_error("x.scn", T "client send \"hello\n",
		    "x.scn:2: unterminated quote: the string opened at column 13 does not end on this line", true);
	check_error("x.scn", T "client send \"hello\\\n", "x.scn:2: unterminated quote", false);
	check_error("x.scn", T "client send \"a\\qb\"\n",
		    "x.scn:2: unknown escape '\\q' at column 15 (expected \\n, \\t, \\\\ or \\\")", true);
	check_error("x.scn", T "client send \"a\"b\n", "x.scn:2: text right after the closing quote", false);
	check_error("x.scn", T "client send a\"b\"\n", "x.scn:2: stray '\"' inside a word", false);
	check_error("x.scn", T "client send hello\n",
		    "x.scn:2: 'client send' takes \"TEXT\" (in double quotes) or N bytes, got 1 word", true);
	check_error("x.scn", T "client send \"\"\n", "x.scn:2: 'client send' needs at least one byte", true);
}

static void err_background(void **state)
{
	(void)state;
	check_error("x.scn", T "sleep 1s &\n", "x.scn:2: '&' only follows a client or server step, not 'sleep'",
		    true);
	check_error("x.scn", T "wait client &\n", "x.scn:2: '&' only follows a client or server step, not 'wait'",
		    true);
	check_error("x.scn", T "drop in tcp &\n", "x.scn:2: '&' only follows a client or server step, not 'drop'",
		    true);
	check_error("x.scn", T "expect packets S &\n", "x.scn:2: '&' only follows a client or server step", false);
	check_error("x.scn", T "client connect & 80\n", "x.scn:2: '&' must be the last word on the line", true);
}

static void err_duration(void **state)
{
	(void)state;
	check_error("x.scn", T "sleep 200\n",
		    "x.scn:2: sleep '200' has no unit (expected ns, us, ms, s or min, e.g. 200ms)", true);
	check_error("x.scn", T "sleep 2h\n", "x.scn:2: sleep '2h' has an unknown unit 'h'", false);
	check_error("x.scn", T "sleep fast\n", "x.scn:2: sleep 'fast' is not a duration", false);
	check_error("x.scn", T "sleep -1s\n", "x.scn:2: sleep '-1s' is not a duration", false);
	check_error("x.scn", T "sleep 1.s\n", "x.scn:2: sleep '1.s' is not a duration", false);
	check_error("x.scn", T "sleep 0ms\n", "x.scn:2: sleep 0ms: a duration must be more than 0", true);
	check_error("x.scn", T "sleep 1.5ns\n", "x.scn:2: sleep 1.5ns is not a whole number of nanoseconds", true);
	check_error("x.scn", T "sleep 0.0000000001s\n", "x.scn:2: sleep '0.0000000001s' has more than 9 decimals",
		    true);
	check_error("x.scn", T "sleep 61min\n", "x.scn:2: sleep 61min is longer than 3600 s", true);
	check_error("x.scn", T "sleep 99999999999999999999999s\n", "x.scn:2: sleep 99999999999999999999999s is longer",
		    false);
	check_error("x.scn", T "wait client gone timeout 5\n", "x.scn:2: timeout '5' has no unit", false);
	check_error("x.scn", T "sleep\n", "x.scn:2: 'sleep' takes one DURATION (e.g. 200ms), got 0 words", true);
}

static void err_numbers(void **state)
{
	(void)state;
	check_error("x.scn", T "client send 0 bytes\n", "x.scn:2: byte count 0 out of range 1..1048576", true);
	check_error("x.scn", T "client send 1048577 bytes\n", "x.scn:2: byte count 1048577 out of range", false);
	check_error("x.scn", T "client send 5 kilobytes\n", "x.scn:2: 'client send' takes \"TEXT\"", false);
	check_error("x.scn", T "client setsockopt syncnt 128\n", "x.scn:2: syncnt 128 out of range 1..127", true);
	check_error("x.scn", T "client setsockopt user_timeout -1\n",
		    "x.scn:2: user_timeout -1 out of range 0..2147483647", true);
	check_error("x.scn", T "client setsockopt linger2 -2\n", "x.scn:2: linger2 -2 out of range -1..", false);
	check_error("x.scn", T "client setsockopt nodelay 1\n", "x.scn:2: nodelay takes on or off, got '1'", true);
	check_error("x.scn", T "client setsockopt syncnt\n", "x.scn:2: 'client setsockopt' takes NAME VALUE", false);
}

static void err_sysctl(void **state)
{
	(void)state;
	check_error("x.scn", T "sysctl kernel.hostname x\n",
		    "x.scn:2: sysctl name 'kernel.hostname' is not a network sysctl", false);
	check_error("x.scn", T "sysctl net..ipv4 1\n", "x.scn:2: sysctl name 'net..ipv4' is not", false);
	check_error("x.scn", T "sysctl net.ipv4/../x 1\n", "x.scn:2: sysctl name 'net.ipv4/../x' is not", false);
	check_error("x.scn", T "sysctl net.IPV4.x 1\n", "x.scn:2: sysctl name 'net.IPV4.x' is not", false);
	check_error("x.scn", T "sysctl net.ipv4.x = \n", "x.scn:2: sysctl net.ipv4.x needs a value", true);
	check_error("x.scn", T "sysctl net.ipv4.x\n", "x.scn:2: 'sysctl' takes NAME [=] VALUE, got 1 word", true);
	check_error("x.scn", T "sysctl net.ipv4.x= \n", "x.scn:2: sysctl net.ipv4.x needs a value", true);
	check_error("x.scn", T "sysctl net.ipv4.x \"a\\nb\"\n", "x.scn:2: sysctl net.ipv4.x: the value holds a control",
		    false);
	check_error("x.scn", T "sysctl net.ipv4.x 123456789012345678901234567890123\n",
		    "x.scn:2: sysctl value too long (33 bytes, at most 31)", true);
}

static void err_expectations(void **state)
{
	(void)state;
	check_error("x.scn", T "expect client connect ECONNREFUSE\n",
		    "x.scn:2: unknown result 'ECONNREFUSE' (expected ok, any or an errno name such as ECONNREFUSED)",
		    true);
	check_error("x.scn", T "expect packets S S. X\n",
		    "x.scn:2: unknown packet flags 'X' (expected tcpdump flags such as", false);
	check_error("x.scn", T "expect roles data handshake\n",
		    "x.scn:2: unknown role 'handshake' (expected one of handshake-1/3, handshake-2/3,", false);
	check_error("x.scn", T "expect client\n", "x.scn:2: 'expect client' needs states, listed, count or a call", false);
	check_error("x.scn", T "expect server count SYN_RECV 5\n",
		    "x.scn:2: 'expect server count' takes STATE =|>=|<= N (e.g. expect server count SYN_RECV = 5)", true);
	check_error("x.scn", T "expect server count SYN_RECV == 5\n", "x.scn:2: 'expect count': '==' is not =, >= or <=",
		    true);
	check_error("x.scn", T "expect server:b count SYN_RECV = 5\n",
		    "x.scn:2: 'expect server:b count' counts every socket of the side: write 'expect server count'", true);
}

/* flood syn N and the crowd's steps (open, churn, serve, accept N, close all): counts, pacing, no names. */
static void flood_and_crowd_steps(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("f.scn", T "server listen\nflood syn 200 every 1ms\nflood syn 3\n"
							  "expect server count SYN_RECV >= 9\n",
						  &sc, err, sizeof(err)),
			 0);
	assert_int_equal(sc.steps[1].kind, TL_STEP_FLOOD);
	assert_int_equal(sc.steps[1].count, 200);
	assert_int_equal(sc.steps[1].duration_ns, 1000000);
	assert_int_equal(sc.steps[2].count, 3);
	assert_int_equal(sc.steps[2].duration_ns, 0);
	assert_int_equal(sc.expects[0].kind, TL_EXPECT_COUNT);
	assert_int_equal(sc.expects[0].states[0], TL_SYN_RECV);
	assert_string_equal(sc.expects[0].counter_op, ">=");
	assert_int_equal(sc.expects[0].counter_value, 9);
	tl_scenario_free(&sc);
	assert_int_equal(tl_scenario_parse_text("c.scn", T "server listen\nserver serve 50 &\nclient churn 50 every 2ms => ok\n"
							  "client open 3\nserver accept 3\nclient close all\n",
						  &sc, err, sizeof(err)),
			 0);
	assert_int_equal(sc.steps[1].kind, TL_STEP_SERVE);
	assert_int_equal(sc.steps[1].count, 50);
	assert_true(sc.steps[1].background);
	assert_int_equal(sc.steps[2].kind, TL_STEP_CHURN);
	assert_int_equal(sc.steps[2].duration_ns, 2000000);
	assert_int_equal(sc.steps[3].kind, TL_STEP_OPEN);
	assert_int_equal(sc.steps[4].kind, TL_STEP_ACCEPT);
	assert_int_equal(sc.steps[4].count, 3);
	assert_true(sc.steps[5].all);
	assert_int_equal(sc.steps[5].duration_ns, 0);
	assert_string_equal(sc.expects[0].verb, "churn");
	tl_scenario_free(&sc);
	check_error("x.scn", T "flood 200\n", "x.scn:2: 'flood' takes syn N [every DURATION]", false);
	check_error("x.scn", T "flood syn 0\n", "x.scn:2: flood syn 0 out of range 1..100000", true);
	check_error("x.scn", T "flood syn 100001\n", "x.scn:2: flood syn 100001 out of range 1..100000", true);
	check_error("x.scn", T "flood syn 5 each 1ms\n", "x.scn:2: 'flood syn 5' then 'each': expected every DURATION",
		    true);
	check_error("x.scn", T "flood syn 5 &\n", "x.scn:2:", false);
	check_error("x.scn", T "client open\n", "x.scn:2: 'client open' takes N [every DURATION], e.g. client open 100 every 1ms",
		    true);
	check_error("x.scn", T "server serve 5 every 1ms\n", "x.scn:2: 'server serve' takes N, e.g. server serve 100", true);
	check_error("x.scn", T "client:b churn 5\n", "x.scn:2: 'client:b churn': the crowd is the side's, not a connection's (drop ':b')",
		    true);
	check_error("x.scn", T "client churn 0\n", "x.scn:2: client churn 0 out of range 1..100000", true);
	check_error("x.scn", T "client close all each 5ms\n", "x.scn:2: 'client close all' then 'each': expected every DURATION",
		    true);
	check_error("x.scn", T "client churn 5 => 6\n", "x.scn:2: 'client churn' result 6 out of range 0..5", true);
	check_error("x.scn", T "client:b close all\n",
		    "x.scn:2: 'client:b close all': the crowd is the side's, not a connection's (write client close all)", true);
	check_error("x.scn", T "client:flood connect\n",
		    "x.scn:2: connection name 'flood' is taken: it names a flood's spoofed peers", true);
}

static void err_step_results(void **state)
{
	(void)state;
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "client send 10 bytes => EPIPEE",
		  "unknown result 'EPIPEE' for 'client send' (expected ok, any, the byte count sent or an errno name "
		  "such as EPIPE)" },
		{ "server recv => Ok", "unknown result 'Ok' for 'server recv' (did you mean 'ok'?)" },
		{ "client close => x1",
		  "unknown result 'x1' for 'client close' (expected ok, 0, any or an errno name such as EBADF)" },
		{ "client send 10 bytes => 11", "'client send' result 11 out of range 1..10" },
		{ "client send 10 bytes => 0", "'client send' result 0 out of range 1..10" },
		{ "server recv => 70000", "'server recv' result 70000 out of range 0..65536" },
		{ "server recv => 1O", "'server recv' result '1O' is not a number (expected 0..65536)" },
		{ "server accept => 3",
		  "'server accept' returns a new descriptor, not a number to expect: write => ok, not '3'" },
		{ "client connect => 1", "'client connect' returns 0 when it succeeds: write => 0 or => ok, not '1'" },
		{ "client send \"x\" => \"x\"",
		  "'client send': a quoted result is what a recv returns (expected ok, any, the byte count sent or an "
		  "errno name)" },
		{ "server recv => \"\"", "'server recv' result \"\": write => 0 for end of file" },
		{ "server recv => \"01234567890123456789012345678901234567890123456789012345678901234\"",
		  "'server recv' result text too long (65 bytes, at most 64; => N checks a count)" },
		{ "client connect & => ETIMEDOUT",
		  "'&' must be the last word on the line, after the result: '=> ETIMEDOUT &'" },
		{ "client connect =>", "'=>' needs a RESULT after it, e.g. => ok, => 0 or => EPIPE" },
		{ "client connect => &", "'=>' needs a RESULT after it, e.g. => ok, => 0 or => EPIPE" },
		{ "client connect => ETIMEDOUT 2017", "'=>' takes one RESULT, got 2 words" },
		{ "client connect => ok => ok", "a step takes one '=>', and this line has two" },
		{ "client => ok", "'client' needs a step before '=>' (expected listen, accept," },
		{ "client connect -> ok", "unknown word '->' (did you mean '=>'?)" },
		{ "client connect = ok", "unknown word '=' (did you mean '=>'?)" },
		{ "client connect =>ok", "'=>ok': put a blank after '=>' ('=> ok')" },
		{ "client connect 127.0.0.1 2017 2018 => ok", "'client connect' takes [HOST] [PORT], got 3 words" },
		{ "sleep 1s => 0", "'=>' only follows a client or server step, not 'sleep'" },
		{ "wait client => 0", "'=>' only follows a client or server step, not 'wait'" },
		{ "expect client connect => ok", "'=>' only follows a client or server step, not 'expect'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], want[256];
		snprintf(text, sizeof(text), T "%s\n", cases[i].line);
		snprintf(want, sizeof(want), "x.scn:2: %s", cases[i].want);
		check_error("x.scn", text, want, cases[i].want[strlen(cases[i].want) - 1] != ',');
	}
}

/* bind before connect, listen's backlog, close of the listener alone. */
static void bind_backlog_and_listener_close(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[512];
	const char *text = T "server listen 127.0.0.1 2017 backlog 1\n"
			     "server listen backlog 0\n"
			     "client bind 127.0.0.1 40001\n"
			     "client connect => ok\n"
			     "client bind 40002 => EADDRINUSE\n"
			     "server close listener\n"
			     "server close\n";
	assert_int_equal(tl_scenario_parse_text("b.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.n_steps, 7);
	assert_int_equal(sc.steps[0].backlog, 1);
	assert_int_equal(sc.steps[0].port, 2017);
	assert_int_equal(sc.steps[1].backlog, 0);
	assert_true(sc.steps[1].backlog_set);
	assert_false(sc.steps[2].backlog_set);
	assert_int_equal(sc.steps[2].kind, TL_STEP_BIND);
	assert_string_equal(sc.steps[2].host, "127.0.0.1");
	assert_int_equal(sc.steps[2].port, 40001);
	assert_int_equal(sc.steps[4].port, 40002);
	assert_true(sc.steps[5].on_listener);
	assert_false(sc.steps[6].on_listener);
	tl_scenario_free(&sc);

	check_error("x.scn", T "client bind 127.0.0.1\n", "x.scn:2: 'client bind' takes [HOST] PORT: the port to connect from",
		    true);
	check_error("x.scn", T "server bind 3000\nserver listen\n",
		    "x.scn:3: 'server listen' after the bind at line 2: listen takes its own [HOST] [PORT]; bind is for connect",
		    true);
	check_error("x.scn", T "client bind 3000\nclient bind 3001\n",
		    "x.scn:3: 'client bind': the socket bound at line 2 has not connected yet", true);
	check_error("x.scn", T "server close everything\n",
		    "x.scn:2: 'server close' takes nothing, 'listener' (the listening socket) or 'all' (the side's crowd), got 'everything'",
		    true);
	check_error("x.scn", T "server listen backlog 70000\n", "x.scn:2: backlog", false);
}

/* client:NAME and server:NAME: each name its own slot, in order of first use, in steps and expectations. */
static void named_connections(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[512];
	const char *text = T "server listen\n"
			     "client:a connect\n"
			     "client:b-2 connect &\n"
			     "server:first accept => ok\n"
			     "client:a send \"x\"\n"
			     "client bind 40001\n"
			     "client:b-2 bind 40002\n"
			     "client connect\n"
			     "client:b-2 close\n"
			     "expect client:a states CLOSE > SYN_SENT\n"
			     "expect server:first listed ESTABLISHED\n"
			     "expect client:b-2 close ok\n";
	assert_int_equal(tl_scenario_parse_text("n.scn", text, &sc, err, sizeof(err)), 0);
	const struct tl_conn_names *client = &sc.conns[TL_SIDE_CLIENT], *server = &sc.conns[TL_SIDE_SERVER];
	assert_int_equal(client->n, 3);
	assert_string_equal(client->name[0], "");
	assert_string_equal(client->name[1], "a");
	assert_string_equal(client->name[2], "b-2");
	assert_int_equal(server->n, 2);
	assert_string_equal(server->name[1], "first");
	assert_int_equal(sc.steps[0].conn_slot, 0);
	assert_string_equal(sc.steps[1].conn, "a");
	assert_int_equal(sc.steps[1].conn_slot, 1);
	assert_int_equal(sc.steps[2].conn_slot, 2);
	assert_true(sc.steps[2].background);
	assert_int_equal(sc.steps[3].conn_slot, 1);
	assert_int_equal(sc.steps[4].conn_slot, 1);
	assert_int_equal(sc.steps[7].conn_slot, 0); /* a bind per connection: the unnamed one's is taken here */
	assert_string_equal(sc.expects[0].conn, "first"); /* the step's own "=> ok" */
	assert_string_equal(sc.expects[1].conn, "a");
	assert_string_equal(sc.expects[3].conn, "b-2");
	assert_true(tl_scenario_conn_used(&sc, TL_SIDE_CLIENT, 0));
	assert_false(tl_scenario_conn_used(&sc, TL_SIDE_SERVER, 0)); /* listen is not a connection */
	tl_scenario_free(&sc);

	check_error("x.scn", T "client:B connect\n",
		    "x.scn:2: connection name 'B' after 'client:': a lower-case letter, then letters, digits, '-' or '_'",
		    true);
	check_error("x.scn", T "client: connect\n", "x.scn:2: connection name '' after 'client:'", false);
	check_error("x.scn", T "client:abcdefghijklmnop connect\n",
		    "x.scn:2: connection name 'abcdefghijklmnop' is longer than 15 bytes", true);
	check_error("x.scn", T "server:l listen\n", "x.scn:2: 'server:l': a side has one listener", false);
	check_error("x.scn", T "server:l close listener\n", "x.scn:2: 'server:l close listener'", false);
	check_error("x.scn", T "wait client:a\n", "x.scn:2: 'client:a': this line takes a side, not a connection",
		    false);
	check_error("x.scn", T "client:a connect\nexpect client:b states CLOSE\n",
		    "x.scn:3: 'expect client:b': no client step names connection b", true);
	check_error("x.scn", T "client:a bind 4000\nclient:a bind 4001\n",
		    "x.scn:3: 'client:a bind': the socket bound at line 2 has not connected yet", true);
	check_error("x.scn",
		    T "client:a close\nclient:b close\nclient:c close\nclient:d close\nclient:e close\n"
		      "client:f close\nclient:g close\nclient:h close\n",
		    "x.scn:9: 'client:h': a side names at most 7 connections", true);
	check_error("x.scn", T "clients:a close\n", "x.scn:2: unknown keyword 'clients:a'", false);
}

/* connect's last word "nonblock", and poll-connect with its results. */
static void nonblocking_connect(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[512];
	const char *text = T "client connect nonblock => EINPROGRESS\n"
			     "client:b connect ::1 2018 nonblock\n"
			     "client poll-connect => ECONNREFUSED\n"
			     "client connect 2019\n";
	assert_int_equal(tl_scenario_parse_text("n.scn", text, &sc, err, sizeof(err)), 0);
	assert_true(sc.steps[0].nonblock);
	assert_true(sc.steps[1].nonblock);
	assert_string_equal(sc.steps[1].host, "::1");
	assert_int_equal(sc.steps[1].port, 2018);
	assert_int_equal(sc.steps[2].kind, TL_STEP_POLL_CONNECT);
	assert_string_equal(tl_step_verb(TL_STEP_POLL_CONNECT), "poll-connect");
	assert_false(sc.steps[3].nonblock);
	assert_int_equal(sc.expects[1].err, ECONNREFUSED);
	tl_scenario_free(&sc);

	check_error("x.scn", T "client connect nonblock 2018\n",
		    "x.scn:2: 'client connect': 'nonblock' comes last, after [HOST] [PORT]", true);
	check_error("x.scn", T "client poll-connect now\n", "x.scn:2: 'client poll-connect' takes no arguments", false);
}

/* expect counter NAME OP N. */
static void counter_expectations(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[512];
	const char *text = T "expect counter TcpExtListenOverflows >= 1\nexpect counter TcpActiveOpens = 0\n";
	assert_int_equal(tl_scenario_parse_text("c.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.expects[0].kind, TL_EXPECT_COUNTER);
	assert_string_equal(sc.expects[0].counter, "TcpExtListenOverflows");
	assert_string_equal(sc.expects[0].counter_op, ">=");
	assert_int_equal(sc.expects[0].counter_value, 1);
	assert_string_equal(sc.expects[1].counter_op, "=");
	tl_scenario_free(&sc);

	check_error("x.scn", T "expect counter ListenOverflows >= 1\n",
		    "x.scn:2: 'expect counter': 'ListenOverflows' is not a TCP counter's name as nstat prints it", false);
	check_error("x.scn", T "expect counter TcpActiveOpens == 1\n",
		    "x.scn:2: 'expect counter TcpActiveOpens': '==' is not =, >= or <=", true);
	check_error("x.scn", T "expect counter TcpActiveOpens = -1\n", "x.scn:2: counter value -1 out of range", false);
	check_error("x.scn", T "expect counter TcpActiveOpens\n", "x.scn:2: 'expect counter' takes NAME", false);
}

/* inject SIDE[:NAME] FLAGS [seq +N] [ack +N]. */
static void inject_steps(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[512];
	const char *text = T "inject client S\n"
			     "inject server:b R. seq -1 ack +7\n"
			     "inject client R seq +2147483647\n";
	assert_int_equal(tl_scenario_parse_text("i.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.steps[0].kind, TL_STEP_INJECT);
	assert_int_equal(sc.steps[0].side, TL_SIDE_CLIENT);
	assert_int_equal(sc.steps[0].inject_flags, TL_TH_SYN);
	assert_int_equal(sc.steps[0].inject_seq_offset, 0);
	assert_string_equal(sc.steps[1].conn, "b");
	assert_int_equal(sc.steps[1].inject_flags, TL_TH_RST | TL_TH_ACK);
	assert_int_equal(sc.steps[1].inject_seq_offset, -1);
	assert_int_equal(sc.steps[1].inject_ack_offset, 7);
	assert_int_equal(sc.steps[2].inject_seq_offset, 2147483647);
	tl_scenario_free(&sc);

	check_error("x.scn", T "inject client\n", "x.scn:2: 'inject' takes SIDE[:NAME] FLAGS [seq +N] [ack +N]", true);
	check_error("x.scn", T "inject lab R\n", "x.scn:2: unknown side 'lab'", false);
	check_error("x.scn", T "inject client X\n", "x.scn:2: 'inject': 'X' is not a segment's flags", false);
	check_error("x.scn", T "inject client R seq +1 seq +2\n",
		    "x.scn:2: 'inject': expected seq +N or ack +N (each once), got 'seq'", true);
	check_error("x.scn", T "inject client R win 5\n",
		    "x.scn:2: 'inject': expected seq +N or ack +N (each once), got 'win'", true);
	check_error("x.scn", T "inject client R seq +2147483648\n", "x.scn:2: seq 2147483648 out of range", false);
	check_error("x.scn", T "inject client R &\n", "x.scn:2:", false);
}

static void err_list_too_long(void **state)
{
	(void)state;
	char text[4096];
	size_t used = (size_t)snprintf(text, sizeof(text), T "expect client states");
	for (int i = 0; i < TL_MAX_LIST; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, " ESTABLISHED ->");
	snprintf(text + used, sizeof(text) - used, " CLOSE\n");
	check_error("x.scn", text, "x.scn:2: more than 64 states in one expectation", true);

	used = (size_t)snprintf(text, sizeof(text), T "expect packets");
	for (int i = 0; i <= TL_MAX_LIST; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, " .");
	snprintf(text + used, sizeof(text) - used, "\n");
	check_error("x.scn", text, "x.scn:2: more than 64 packets in one expectation", true);

	/* exactly TL_MAX_LIST fits */
	used = (size_t)snprintf(text, sizeof(text), T "expect roles");
	for (int i = 0; i < TL_MAX_LIST; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, " ack");
	snprintf(text + used, sizeof(text) - used, "\n");
	struct tl_scenario sc;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("x.scn", text, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.expects[0].n, TL_MAX_LIST);
	tl_scenario_free(&sc);
}

static void err_text_lengths(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), "title %0200d\n", 1);
	check_error("x.scn", text, "x.scn:1: title too long (200 bytes, at most 127)", true);
	size_t used = (size_t)snprintf(text, sizeof(text), T);
	for (int i = 0; i < 12; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "explain %0100d\n", i);
	check_error("x.scn", text, "x.scn:12: explanation too long (1110 bytes with this line, at most 1023 in all)",
		    true);
	snprintf(text, sizeof(text), T "snapshot %060d\n", 1);
	check_error("x.scn", text, "x.scn:2: snapshot label too long (60 bytes, at most 47)", true);
	check_error("x.scn", T "drop\n", "x.scn:2: 'drop' needs a rule", true);
	/* The rule itself is checked at load time, at its own line. */
	check_error("x.scn", T "client connect\ndrop from clinet\n", "x.scn:3: from 'clinet': expected client or server",
		    true);
	/* A delay is checked the same way; its hold is a duration as sleep writes it. */
	check_error("x.scn", T "delay\n", "x.scn:2: 'delay' needs a rule", true);
	check_error("x.scn", T "client connect\ndelay from client\n",
		    "x.scn:3: a delay needs 'for DURATION', how long each packet is held (e.g. delay from client for 50ms)",
		    true);
	check_error("x.scn", T "delay for 50\n", "x.scn:2: for '50' has no unit (expected ns, us, ms, s or min, e.g. 200ms)",
		    true);
	check_error("x.scn", T "drop from client for 50ms\n", "x.scn:2: 'for' belongs to delay rules", false);
	check_error("x.scn", T "delay for 5ms name x\ndrop from server name x\n",
		    "x.scn:3: a fault rule named 'x' is already installed (line 2)", true);
	check_error("x.scn", T "delay for 5ms &\n", "x.scn:2: '&' only follows a client or server step, not 'delay'", true);
	check_error("a-scenario-name-longer-than-the-id.scn", T,
		    "a-scenario-name-longer-than-the-id.scn: file name too long for a scenario id", false);
}

static void err_file(void **state)
{
	(void)state;
	struct tl_scenario sc;
	char err[256];
	assert_int_equal(tl_scenario_parse_file("/nonexistent/x.scn", &sc, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/x.scn: cannot open: No such file or directory");
	assert_null(sc.steps);
	tl_scenario_free(&sc);

	/* a tiny err buffer truncates, never overflows */
	char tiny[8];
	assert_int_equal(tl_scenario_parse_text("x.scn", "bogus\n", &sc, tiny, sizeof(tiny)), -1);
	assert_string_equal(tiny, "x.scn:1");
	assert_int_equal(tl_scenario_parse_text("x.scn", "bogus\n", &sc, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_full_scenario),
		cmocka_unit_test(parses_delay_step),
		cmocka_unit_test(parses_full_expectations),
		cmocka_unit_test(parses_step_results),
		cmocka_unit_test(long_steps_are_cut_in_their_names),
		cmocka_unit_test(applies_defaults),
		cmocka_unit_test(ipv6_hosts),
		cmocka_unit_test(server_port_from_the_steps),
		cmocka_unit_test(grows_arrays),
		cmocka_unit_test(accepts_empty_lists),
		cmocka_unit_test(reads_file),
		cmocka_unit_test(free_is_safe_on_empty),
		cmocka_unit_test(err_missing_title),
		cmocka_unit_test(err_duplicate_header),
		cmocka_unit_test(err_unknown_keyword),
		cmocka_unit_test(err_unknown_step),
		cmocka_unit_test(err_unknown_state),
		cmocka_unit_test(err_port),
		cmocka_unit_test(err_host),
		cmocka_unit_test(err_word_count),
		cmocka_unit_test(err_quotes),
		cmocka_unit_test(err_background),
		cmocka_unit_test(err_duration),
		cmocka_unit_test(err_numbers),
		cmocka_unit_test(err_sysctl),
		cmocka_unit_test(err_expectations),
		cmocka_unit_test(err_step_results),
		cmocka_unit_test(bind_backlog_and_listener_close),
		cmocka_unit_test(named_connections),
		cmocka_unit_test(nonblocking_connect),
		cmocka_unit_test(inject_steps),
		cmocka_unit_test(counter_expectations),
		cmocka_unit_test(err_list_too_long),
		cmocka_unit_test(err_text_lengths),
		cmocka_unit_test(err_file),
		cmocka_unit_test(flood_and_crowd_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
