/*
 * Unit tests of the checks: each kind of expectation passes on a timeline
 * that shows it and fails, with expected and observed side by side and the
 * first difference, on one that does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>

#include <cmocka.h>

#include "analysis/check.h"
#include "analysis/packet.h"
#include "core/wire.h"
#include "cli/report.h"
#include "scenario/scenario.h"

static struct tl_tuple tuple(uint16_t sport, uint16_t dport)
{
	return (struct tl_tuple){ .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
				  .sport = sport, .dport = dport };
}

/* The fixtures' server listens on SERVER_PORT; their client is every other port. */
#define SERVER_PORT 2017

static enum tl_side fixture_side(uint16_t local_port)
{
	return local_port == SERVER_PORT ? TL_SIDE_SERVER : TL_SIDE_CLIENT;
}

static void add_packet(struct tl_timeline *tl, uint64_t t, uint16_t sport, uint16_t dport, uint8_t flags,
		       uint32_t seq, uint32_t ack)
{
	struct tl_tuple tp = tuple(sport, dport);
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_PACKET, .side = fixture_side(sport) };
	assert_int_equal(tl_packet_build(&tp, seq, ack, flags, 512, NULL, 0, NULL, 0, &ev.u.packet), 0);
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void add_state(struct tl_timeline *tl, uint64_t t, uint16_t sport, uint16_t dport, enum tl_state from,
		      enum tl_state to)
{
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_STATE, .side = fixture_side(sport) };
	ev.u.state = (struct tl_state_change){ .sock_id = sport, .tuple = tuple(sport, dport), .from = from, .to = to };
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

/* A call as the runners record it: made by the step on step_line; recv's bytes in data. */
static void add_call_data(struct tl_timeline *tl, uint64_t t, enum tl_side side, const char *verb, long ret,
			  int err, int step_line, const char *data)
{
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_APP, .side = side };
	snprintf(ev.u.app.verb, sizeof(ev.u.app.verb), "%s", verb);
	snprintf(ev.u.app.call, sizeof(ev.u.app.call), "%s()", verb);
	ev.u.app.ret = ret;
	ev.u.app.err = err;
	ev.u.app.step_line = step_line;
	if (data)
		memcpy(ev.u.app.data, data, strlen(data));
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void add_call(struct tl_timeline *tl, uint64_t t, enum tl_side side, const char *verb, long ret, int err,
		     int step_line)
{
	add_call_data(tl, t, side, verb, ret, err, step_line, NULL);
}

/* A refused connection, as the kernel lab records N1. */
static void refused_connection(struct tl_timeline *tl)
{
	tl_timeline_init(tl, 0);
	add_state(tl, 10, 40000, 2017, TL_CLOSE, TL_SYN_SENT);
	add_packet(tl, 20, 40000, 2017, TL_TH_SYN, 100, 0);
	add_packet(tl, 30, 2017, 40000, TL_TH_RST | TL_TH_ACK, 0, 101);
	add_state(tl, 40, 40000, 2017, TL_SYN_SENT, TL_CLOSE);
	add_call(tl, 50, TL_SIDE_CLIENT, "connect", -1, ECONNREFUSED, 2); /* "client connect", line 2 in check() */
	assert_int_equal(tl_report_prepare(&(struct tl_scenario){ .port = 2017 }, tl), 0);
}

/* The checks of scenario text on tl. */
static struct tl_check_report check_text(const char *text, const struct tl_timeline *tl)
{
	char err[256];
	struct tl_scenario sc;
	struct tl_series_report series = { 0 };
	struct tl_check_report rep;
	if (tl_scenario_parse_text("t.scn", text, &sc, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(tl_check_run(&sc, tl, &series, &rep), 0);
	tl_scenario_free(&sc);
	return rep;
}

static struct tl_check_report check(const char *expectations, struct tl_timeline *tl)
{
	char text[2048];
	snprintf(text, sizeof(text), "title t\nclient connect\n%s", expectations);
	return check_text(text, tl);
}

static void matching_expectations_pass(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	struct tl_check_report rep = check("expect client connect ECONNREFUSED\n"
					   "expect client states CLOSE > SYN_SENT > CLOSE\n"
					   "expect packets S R.\n"
					   "expect roles handshake-1/3 reset\n",
					   &tl);
	assert_true(rep.pass);
	assert_int_equal(rep.n, 4);
	assert_string_equal(rep.items[1].observed, "CLOSE SYN_SENT CLOSE");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

/* The run's counters against = N, >= N, <= N; a name the runner does not keep is not counted. */
static void counters_are_judged_by_their_growth(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	struct tl_check_report rep = check("expect counter TcpOutRsts = 1\n", &tl);
	assert_false(rep.pass); /* no counters recorded */
	assert_string_equal(rep.items[0].observed, "the run recorded no counters");
	tl_check_report_free(&rep);

	struct tl_event ev = { .t_ns = 900, .kind = TL_EV_COUNTERS };
	ev.u.counters.n = 2;
	ev.u.counters.v = calloc(2, sizeof(struct tl_counter));
	assert_non_null(ev.u.counters.v);
	snprintf(ev.u.counters.v[0].name, TL_COUNTER_NAME_MAX, "TcpOutRsts");
	ev.u.counters.v[0].delta = 1;
	snprintf(ev.u.counters.v[1].name, TL_COUNTER_NAME_MAX, "TcpActiveOpens");
	ev.u.counters.v[1].delta = 3;
	ev.u.counters.model = true;
	assert_int_equal(tl_timeline_append(&tl, &ev), 0);
	rep = check("expect counter TcpOutRsts = 1\nexpect counter TcpActiveOpens >= 3\n"
		    "expect counter TcpActiveOpens <= 2\nexpect counter TcpExtTW = 0\n",
		    &tl);
	assert_true(rep.items[0].pass);
	assert_true(rep.items[1].pass);
	assert_false(rep.items[2].pass);
	assert_string_equal(rep.items[2].observed, "3");
	assert_string_equal(rep.items[2].expected, "<= 2");
	assert_false(rep.items[3].pass);
	assert_string_equal(rep.items[3].observed, "the model keeps no such counter");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

static void a_different_path_names_the_first_difference(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	struct tl_check_report rep = check("expect client states CLOSE > SYN_SENT > ESTABLISHED\n", &tl);
	assert_false(rep.pass);
	assert_int_equal(rep.items[0].line, 3);
	assert_string_equal(rep.items[0].expected, "CLOSE SYN_SENT ESTABLISHED");
	assert_string_equal(rep.items[0].observed, "CLOSE SYN_SENT CLOSE");
	assert_string_equal(rep.items[0].difference, "first difference at #3");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

static void missing_and_extra_packets_are_told_apart(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	struct tl_check_report rep = check("expect packets S R. .\n", &tl);
	assert_false(rep.pass);
	assert_string_equal(rep.items[0].difference, "observed stops after 2 of 3");
	tl_check_report_free(&rep);
	rep = check("expect packets S\n", &tl);
	assert_false(rep.pass);
	assert_string_equal(rep.items[0].difference, "observed has 1 more after #1");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

static void a_call_with_another_result_fails(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	struct tl_check_report rep = check("expect client connect ok\nexpect server accept any\n", &tl);
	assert_false(rep.items[0].pass);
	assert_string_equal(rep.items[0].expected, "success");
	assert_false(rep.items[1].pass); /* never made */
	assert_string_equal(rep.items[1].difference, "the call was never made");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

static void timers_need_a_timer_that_ran_out(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	struct tl_check_report rep = check("expect timers\n", &tl);
	assert_false(rep.pass);
	assert_string_equal(rep.items[0].observed, "no retransmission and no linger timer in this run");
	assert_string_equal(rep.items[0].difference, "no timer ran out in this run");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

/* A failed call that no expect line speaks of fails the run, naming its step's line. */
static void unexpected_failures_are_findings(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	struct tl_check_report rep = check("expect client states CLOSE SYN_SENT CLOSE\n", &tl);
	assert_false(rep.pass);
	assert_false(rep.unchecked);
	assert_int_equal(rep.n, 2);
	assert_true(rep.items[0].pass);
	assert_false(rep.items[1].pass);
	assert_string_equal(rep.items[1].what, "client connect");
	assert_int_equal(rep.items[1].line, 2); /* "client connect" is the file's second line */
	assert_string_equal(rep.items[1].observed, "connect() = -1 ECONNREFUSED (Connection refused)");
	tl_check_report_free(&rep);

	/* Expected, the same failure is the expectation's business; none at all: unchecked. */
	rep = check("expect client connect ECONNREFUSED\n", &tl);
	assert_true(rep.pass);
	assert_int_equal(rep.n, 1);
	tl_check_report_free(&rep);
	rep = check("", &tl);
	assert_true(rep.unchecked);
	assert_false(rep.pass);
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

/* The failed call's line is its step's, whatever lab steps of its side come before it. */
static void unexpected_failures_after_lab_steps(void **state)
{
	(void)state;
	struct tl_timeline tl;
	refused_connection(&tl);
	add_call(&tl, 60, TL_SIDE_CLIENT, "send", -1, EPIPE, 4);
	struct tl_check_report rep = check("wait client state CLOSE\nclient send 1 bytes\n"
					   "expect client connect ECONNREFUSED\n",
					   &tl);
	assert_false(rep.pass);
	assert_int_equal(rep.n, 2);
	assert_true(rep.items[0].pass);
	assert_string_equal(rep.items[1].what, "client send");
	assert_int_equal(rep.items[1].line, 4);
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

/*
 * The calls of a script whose peer went away, as the kernel makes them:
 * the first send leaves (the peer's RST comes back), the second fails with
 * EPIPE; the first recv reads the data, the second the end of file.
 */
static const char two_of_each[] = "title t\n"
				  "client connect\n"		     /* line 2 */
				  "client send 10 bytes\n"	     /* line 3 */
				  "client send 10 bytes\n"	     /* line 4 */
				  "client recv\n"		     /* line 5 */
				  "client recv\n";		     /* line 6 */

static void peer_gone(struct tl_timeline *tl)
{
	tl_timeline_init(tl, 0);
	add_call(tl, 10, TL_SIDE_CLIENT, "connect", 0, 0, 2);
	add_call(tl, 20, TL_SIDE_CLIENT, "send", 10, 0, 3);
	add_call(tl, 30, TL_SIDE_CLIENT, "send", -1, EPIPE, 4);
	add_call_data(tl, 40, TL_SIDE_CLIENT, "recv", 5, 0, 5, "hello");
	add_call(tl, 50, TL_SIDE_CLIENT, "recv", 0, 0, 6);
}

/* The checks of two_of_each, "=> result" put on the step on line at_line and extra lines added, on tl. */
static struct tl_check_report check_steps(int at_line, const char *result, const char *extra,
					  const struct tl_timeline *tl)
{
	char text[2048];
	size_t used = 0;
	int line = 1;
	for (const char *c = two_of_each; *c; c++) {
		if (*c == '\n' && line++ == at_line)
			used += (size_t)snprintf(text + used, sizeof(text) - used, " => %s", result);
		text[used++] = *c;
	}
	snprintf(text + used, sizeof(text) - used, "%s", extra);
	return check_text(text, tl);
}

/* A step's "=> RESULT" judges that step's call, not the side's first of its verb. */
static void a_step_result_judges_its_own_call(void **state)
{
	(void)state;
	struct tl_timeline tl;
	peer_gone(&tl);
	struct tl_check_report rep = check_steps(4, "EPIPE", "", &tl);
	assert_true(rep.pass);
	assert_int_equal(rep.n, 1); /* the EPIPE is expected: no unexpected-failure item */
	assert_int_equal(rep.items[0].line, 4);
	assert_string_equal(rep.items[0].what, "client send 10 bytes => EPIPE");
	assert_string_equal(rep.items[0].expected, "-1 EPIPE");
	tl_check_report_free(&rep);

	/* The old form judges the first send only: the second's EPIPE is unexpected then. */
	rep = check_steps(0, "", "expect client send EPIPE\n", &tl);
	assert_false(rep.items[0].pass);
	assert_string_equal(rep.items[0].observed, "send() = 10");
	tl_check_report_free(&rep);

	rep = check_steps(3, "10", "", &tl);
	assert_false(rep.pass); /* the step on line 4 failed and nothing expects it */
	assert_int_equal(rep.n, 2);
	assert_true(rep.items[0].pass);
	assert_false(rep.items[1].pass);
	assert_int_equal(rep.items[1].line, 4);
	assert_string_equal(rep.items[1].difference, "the call failed and nothing expects it");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

/* A wrong "=> RESULT" fails at the step's line, with the step, what it expected and what the call returned. */
static void a_wrong_step_result_names_its_step(void **state)
{
	(void)state;
	struct tl_timeline tl;
	peer_gone(&tl);
	struct tl_check_report rep = check_steps(4, "10", "", &tl);
	assert_false(rep.pass);
	assert_int_equal(rep.n, 1); /* judged by its own expectation, so not reported twice */
	assert_int_equal(rep.items[0].line, 4);
	assert_string_equal(rep.items[0].what, "client send 10 bytes => 10");
	assert_string_equal(rep.items[0].expected, "10");
	assert_string_equal(rep.items[0].observed, "send() = -1 EPIPE (Broken pipe)");
	assert_string_equal(rep.items[0].difference, "the call's result differs");
	tl_check_report_free(&rep);

	rep = check_steps(3, "ECONNRESET", "", &tl);
	assert_false(rep.items[0].pass);
	assert_string_equal(rep.items[0].expected, "-1 ECONNRESET");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

/* recv: a count, 0 for end of file, or the very bytes. */
static void recv_results_count_and_compare_bytes(void **state)
{
	(void)state;
	struct tl_timeline tl;
	peer_gone(&tl);
	static const struct {
		int line;
		const char *result;
		bool pass;
		const char *expected;
	} cases[] = {
		{ 5, "5", true, "5" },
		{ 5, "\"hello\"", true, "5, \"hello\"" },
		{ 5, "\"hellO\"", false, "5, \"hellO\"" }, /* same count, other bytes */
		{ 5, "\"hell\"", false, "4, \"hell\"" },
		{ 5, "0", false, "0, end of file" },
		{ 5, "ok", true, "success" },
		{ 6, "0", true, "0, end of file" },
		{ 6, "ok", true, "success" },
		{ 6, "\"hello\"", false, "5, \"hello\"" },
		{ 6, "ECONNRESET", false, "-1 ECONNRESET" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_check_report rep = check_steps(cases[i].line, cases[i].result, "", &tl);
		if (rep.items[0].pass != cases[i].pass)
			fail_msg("line %d => %s: pass %d, wanted %d", cases[i].line, cases[i].result,
				 rep.items[0].pass, cases[i].pass);
		assert_string_equal(rep.items[0].expected, cases[i].expected);
		tl_check_report_free(&rep);
	}
	tl_timeline_free(&tl);
}

/* A step whose call never returned (a recv still blocked at the end) fails its "=> RESULT". */
static void a_step_that_never_returned_fails(void **state)
{
	(void)state;
	struct tl_timeline tl;
	peer_gone(&tl);
	struct tl_check_report rep = check_steps(4, "EPIPE", "client recv => 0\n", &tl);
	assert_int_equal(rep.n, 2);
	assert_true(rep.items[0].pass);
	assert_false(rep.items[1].pass);
	assert_int_equal(rep.items[1].line, 7);
	assert_string_equal(rep.items[1].observed, "no return from the recv call");
	assert_string_equal(rep.items[1].difference, "the call did not return before the run ended");
	tl_check_report_free(&rep);
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matching_expectations_pass),
		cmocka_unit_test(counters_are_judged_by_their_growth),
		cmocka_unit_test(a_different_path_names_the_first_difference),
		cmocka_unit_test(missing_and_extra_packets_are_told_apart),
		cmocka_unit_test(a_call_with_another_result_fails),
		cmocka_unit_test(timers_need_a_timer_that_ran_out),
		cmocka_unit_test(unexpected_failures_are_findings),
		cmocka_unit_test(unexpected_failures_after_lab_steps),
		cmocka_unit_test(a_step_result_judges_its_own_call),
		cmocka_unit_test(a_wrong_step_result_names_its_step),
		cmocka_unit_test(recv_results_count_and_compare_bytes),
		cmocka_unit_test(a_step_that_never_returned_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
