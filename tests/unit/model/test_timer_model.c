/*
 * Unit tests for timer_model: pin every predicted schedule to the kernel's
 * rules (Linux 6.18, HZ 250) and to captures taken on that kernel.
 *
 * The "measured" fixtures are tcpdump -tt times on lo, in ms after the first
 * transmission, from loopback namespaces with the stated sysctls; a timer
 * never fires early, so each one must lie between the prediction and the
 * prediction plus the accumulated allowed lateness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/timer_model.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Schedules are ~40 KB: one per test, not on the stack. */
static struct tl_timer_schedule sc;
static struct tl_timer_schedule sc2;
static struct tl_timer_synack_exchange ex;
static char err[256];

static struct tl_timer_settings defaults(void)
{
	struct tl_timer_settings s;

	tl_timer_settings_default(&s);
	return s;
}

static void predict_ok(enum tl_timer_case which, const struct tl_timer_settings *s,
		       struct tl_timer_schedule *out)
{
	err[0] = '\0';
	if (tl_timer_predict(which, s, out, err, sizeof(err)) != 0)
		fail_msg("tl_timer_predict(%s): %s", tl_timer_case_name(which), err);
}

/* Retransmission times (ms after the first send) must be exactly `at_ms`. */
static void expect_times(const struct tl_timer_schedule *s, const int64_t *at_ms, size_t n)
{
	size_t i;

	if (s->n_retx != n)
		fail_msg("expected %zu retransmissions, got %zu", n, s->n_retx);
	for (i = 0; i < n; i++)
		if (s->retx[i].at_ms != at_ms[i])
			fail_msg("retransmission %zu: expected at %lld ms, got %lld ms", i,
				 (long long)at_ms[i], (long long)s->retx[i].at_ms);
}

static void expect_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("expected \"%s\" in \"%s\"", needle, haystack);
}

/* A measured time fits a prediction: never early, at most `tolerance_ms` late. */
static void expect_late_within(const char *what, int64_t predicted, int64_t measured,
			       int64_t tolerance_ms)
{
	if (measured < predicted || measured > predicted + tolerance_ms)
		fail_msg("%s: measured %lld ms, predicted %lld ms + up to %lld ms", what,
			 (long long)measured, (long long)predicted, (long long)tolerance_ms);
}

static void expect_measured(const struct tl_timer_schedule *s, const int64_t *measured, size_t n,
			    int64_t measured_end)
{
	size_t i;
	char what[64];

	assert_int_equal(s->n_retx, n);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "retransmission %zu", i);
		expect_late_within(what, s->retx[i].at_ms, measured[i], s->retx[i].cum_lateness_ms);
	}
	expect_late_within("give-up", s->give_up_ms, measured_end, s->give_up_lateness_ms);
}

static void expect_same_settings(const struct tl_timer_settings *a,
				 const struct tl_timer_settings *b)
{
	assert_int_equal(a->syn_retries, b->syn_retries);
	assert_int_equal(a->synack_retries, b->synack_retries);
	assert_int_equal(a->syn_linear_timeouts, b->syn_linear_timeouts);
	assert_int_equal(a->orphan_retries, b->orphan_retries);
	assert_int_equal(a->retries2, b->retries2);
	assert_int_equal(a->rto_min_us, b->rto_min_us);
	assert_int_equal(a->rto_max_ms, b->rto_max_ms);
	assert_int_equal(a->fin_timeout_s, b->fin_timeout_s);
	assert_int_equal(a->invalid_ratelimit_ms, b->invalid_ratelimit_ms);
	assert_int_equal(a->keepalive_time_s, b->keepalive_time_s);
	assert_int_equal(a->keepalive_intvl_s, b->keepalive_intvl_s);
	assert_int_equal(a->keepalive_probes, b->keepalive_probes);
	assert_int_equal(a->keepidle_s, b->keepidle_s);
	assert_int_equal(a->keepintvl_s, b->keepintvl_s);
	assert_int_equal(a->keepcnt, b->keepcnt);
	assert_int_equal(a->syncnt, b->syncnt);
	assert_int_equal(a->user_timeout_ms, b->user_timeout_ms);
	assert_int_equal(a->linger2_s, b->linger2_s);
	assert_int_equal(a->established_rto_ms, b->established_rto_ms);
	assert_int_equal(a->tail_loss_probe, b->tail_loss_probe);
	assert_int_equal(a->hz, b->hz);
}

/* ---- (a) SYN-SENT ---- */

static void test_syn_defaults_linear_then_doubling(void **state)
{
	static const int64_t at[] = {1000, 2000,  3000,	 4000,	5000,
				     7000, 11000, 19000, 35000, 67000};
	struct tl_timer_settings s = defaults();

	(void)state;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 131000);
	assert_int_equal(sc.end, TL_END_COUNT);
	assert_int_equal(sc.count_limit, 10);
	assert_int_equal(sc.time_limit_ms, 127000);
	assert_int_equal(sc.n_tlp, 0);
	assert_int_equal(sc.retx[0].rule, TL_RULE_INITIAL);
	assert_int_equal(sc.retx[1].rule, TL_RULE_LINEAR);
	assert_int_equal(sc.retx[4].rule, TL_RULE_LINEAR);
	assert_int_equal(sc.retx[5].rule, TL_RULE_BACKOFF);
	expect_contains(sc.retx[1].why, "linear phase: tcp_syn_linear_timeouts=4, gap stays 1 s");
	expect_contains(sc.retx[5].why, "exponential back-off: gap doubles to 2 s");
	expect_contains(sc.give_up_why,
			"10 retransmissions reached tcp_syn_retries 6 + tcp_syn_linear_timeouts 4");
}

static void test_syn_linear_zero_is_the_walkthrough(void **state)
{
	static const int64_t at[] = {1000, 3000, 7000, 15000, 31000, 63000};
	struct tl_timer_settings s = defaults();

	(void)state;
	s.syn_linear_timeouts = 0;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 127000);
	assert_int_equal(sc.give_up_gap_ms, 64000);
}

static void test_syn_time_budget_ends_before_count(void **state)
{
	static const int64_t at[] = {1000, 2000};
	struct tl_timer_settings s = defaults();

	(void)state;
	/* N = 1, L = 4: count limit 5, but (2^2 - 1) x 1 s = 3 s runs out first (measured 3.054) */
	s.syn_retries = 1;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 3000);
	assert_int_equal(sc.end, TL_END_TIME_BUDGET);
	expect_contains(sc.give_up_why, "time budget (2^2-1) x 1 s = 3 s");
	expect_late_within("connect() failure", sc.give_up_ms, 3054, sc.give_up_lateness_ms);
}

static void test_syn_syncnt_overrides_sysctl(void **state)
{
	static const int64_t at[] = {1000, 3000};
	struct tl_timer_settings s = defaults();

	(void)state;
	s.syn_linear_timeouts = 0;
	s.syn_retries = 6;
	s.syncnt = 2;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 7000);
	expect_contains(sc.give_up_why, "TCP_SYNCNT 2");
	/* with the default linear phase TCP_SYNCNT adds to it like the sysctl does */
	s.syn_linear_timeouts = 4;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	assert_int_equal(sc.count_limit, 6);
	/* 1, 2, 3, 4, 5 s, then a 2 s gap reaches the (2^3-1) s budget before the count */
	assert_int_equal(sc.n_retx, 5);
	assert_int_equal(sc.give_up_ms, 7000);
	assert_int_equal(sc.end, TL_END_TIME_BUDGET);
}

static void test_syn_user_timeout_replaces_time_limit(void **state)
{
	static const int64_t at2500[] = {1000, 2000};
	static const int64_t at500[] = {1000};
	struct tl_timer_settings s = defaults();

	(void)state;
	s.user_timeout_ms = 2500; /* measured: SYNs at 1.035, 2.059 s, ETIMEDOUT at 2.539 s */
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, at2500, ARRAY_LEN(at2500));
	assert_int_equal(sc.give_up_ms, 2500);
	assert_int_equal(sc.end, TL_END_USER_TIMEOUT);
	assert_int_equal(sc.time_limit_ms, 2500);
	expect_late_within("connect() failure", sc.give_up_ms, 2539, sc.give_up_lateness_ms);

	/* below 1 s: the first timer still waits 1 s, then the next fires 1 jiffy later */
	s.user_timeout_ms = 500; /* measured: SYN at 1.001 s, ETIMEDOUT at 1.013 s */
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, at500, ARRAY_LEN(at500));
	assert_int_equal(sc.give_up_ms, 1004);
	expect_late_within("connect() failure", sc.give_up_ms, 1013, sc.give_up_lateness_ms);

	/* the count limit still applies */
	s.user_timeout_ms = 300000;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	assert_int_equal(sc.give_up_ms, 131000);
	assert_int_equal(sc.end, TL_END_COUNT);

	/* a long gap is cut to end at the user timeout */
	s.syn_linear_timeouts = 0;
	s.user_timeout_ms = 60000;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	assert_int_equal(sc.n_retx, 5);
	assert_int_equal(sc.give_up_ms, 60000);
	assert_int_equal(sc.give_up_gap_ms, 29000);
}

static void test_syn_rto_max_caps_gaps_and_budget(void **state)
{
	static const int64_t at[] = {1000, 2000, 3000, 4000, 5000, 6000};
	struct tl_timer_settings s = defaults();

	(void)state;
	/* measured: SYNs every ~1.02 s, ETIMEDOUT at 7.149 s */
	s.rto_max_ms = 1000;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.retx[5].rule, TL_RULE_RTO_MAX);
	assert_int_equal(sc.give_up_ms, 7000);
	assert_int_equal(sc.end, TL_END_TIME_BUDGET);
	expect_contains(sc.give_up_why, "(2^1-1) x 1 s + 6 x 1 s = 7 s");
	expect_late_within("connect() failure", sc.give_up_ms, 7149, sc.give_up_lateness_ms);
}

static void test_syn_rto_min_does_not_matter(void **state)
{
	struct tl_timer_settings s = defaults();

	(void)state;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc2);
	s.rto_min_us = 5000;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	assert_int_equal(sc.n_retx, sc2.n_retx);
	assert_int_equal(sc.give_up_ms, sc2.give_up_ms);
}

static void test_syn_matches_captures(void **state)
{
	/* tcp_syn_linear_timeouts 4 (default) and 0, SYNs dropped by nftables */
	static const int64_t def[] = {1014, 2038,  3062,  4086,	 5114,
				      7126, 11286, 19478, 35606, 67866};
	static const int64_t lin0[] = {1026, 3042, 7294, 15490, 31614, 65410};
	struct tl_timer_settings s = defaults();

	(void)state;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_measured(&sc, def, ARRAY_LEN(def), 133399);
	s.syn_linear_timeouts = 0;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_measured(&sc, lin0, ARRAY_LEN(lin0), 130942);
}

/* ---- (b) SYN-RECV ---- */

static void test_synack_timer_schedule(void **state)
{
	static const int64_t at[] = {1000, 3000, 7000, 15000, 31000};
	static const int64_t at2[] = {1000, 3000};
	struct tl_timer_settings s = defaults();

	(void)state;
	predict_ok(TL_TIMER_SYNACK, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 63000);
	assert_int_equal(sc.end, TL_END_REQUEST_DROP);
	expect_contains(sc.give_up_why, "tcp_synack_retries 5, 63 s after the request was created");

	s.syncnt = 2; /* the listener's TCP_SYNCNT */
	predict_ok(TL_TIMER_SYNACK, &s, &sc);
	expect_times(&sc, at2, ARRAY_LEN(at2));
	assert_int_equal(sc.give_up_ms, 7000);
	expect_contains(sc.give_up_why, "TCP_SYNCNT 2");

	s.syncnt = 0;
	s.synack_retries = 0;
	predict_ok(TL_TIMER_SYNACK, &s, &sc);
	assert_int_equal(sc.n_retx, 0);
	assert_int_equal(sc.give_up_ms, 1000);

	/* request timers are capped at TCP_RTO_MAX (120 s), whatever tcp_rto_max_ms says */
	s.synack_retries = 8;
	s.rto_max_ms = 1000;
	predict_ok(TL_TIMER_SYNACK, &s, &sc);
	assert_int_equal(sc.retx[7].gap_ms, 120000);
	assert_int_equal(sc.retx[7].rule, TL_RULE_RTO_MAX);
	/* 1, 3, 7, 15, 31, 63, 127, then 120 s (not 128) to 247 s; dropped 120 s later */
	assert_int_equal(sc.retx[7].at_ms, 247000);
	assert_int_equal(sc.give_up_ms, 367000);
}

/* Checks the predicted timer SYN-ACKs and new requests of an exchange against a capture. */
struct wire_event {
	enum tl_timer_synack_event_kind kind;
	int64_t measured_ms;
};

static void expect_exchange_matches(const struct tl_timer_synack_exchange *x,
				    const struct wire_event *wire, size_t n_wire)
{
	size_t i, w = 0;
	int64_t tol = 0, prev = 0;

	for (i = 0; i < x->n_events && w < n_wire; i++) {
		const struct tl_timer_synack_event *ev = &x->events[i];
		char what[80];

		if (ev->kind == TL_SYNACK_DUP_ANSWER || ev->kind == TL_SYNACK_NEW_REQUEST) {
			/* driven by a client SYN: the timer re-arms from the measured time */
			tol = 0;
			prev = ev->at_ms;
			if (ev->kind == TL_SYNACK_DUP_ANSWER)
				continue;
		} else if (ev->kind == TL_SYNACK_TIMER) {
			tol += tl_timer_allowed_lateness_ms(ev->at_ms - prev, 250);
			prev = ev->at_ms;
		} else {
			continue;
		}
		if (ev->kind != wire[w].kind)
			fail_msg("event %zu: expected %s, predicted %s at %lld ms", i,
				 tl_timer_synack_event_name(wire[w].kind),
				 tl_timer_synack_event_name(ev->kind), (long long)ev->at_ms);
		snprintf(what, sizeof(what), "%s %zu", tl_timer_synack_event_name(ev->kind), w);
		expect_late_within(what, ev->at_ms, wire[w].measured_ms, tol);
		w++;
	}
	assert_int_equal(w, n_wire);
}

static void test_synack_exchange_default_client(void **state)
{
	/* The kernel's default client: its SYNs at 1, 2, 3, 4, 5 s push the request timer. */
	static const int64_t syn[] = {0,    1000,  2000,  3000,	 4000, 5000,
				      7000, 11000, 19000, 35000, 67000};
	static const struct {
		enum tl_timer_synack_event_kind kind;
		int64_t at_ms;
		int request;
	} want[] = {
		{TL_SYNACK_NEW_REQUEST, 0, 0},	   {TL_SYNACK_TIMER, 1000, 0},
		{TL_SYNACK_DUP_ANSWER, 1000, 0},   {TL_SYNACK_DUP_ANSWER, 2000, 0},
		{TL_SYNACK_DUP_ANSWER, 3000, 0},   {TL_SYNACK_DUP_ANSWER, 4000, 0},
		{TL_SYNACK_DUP_ANSWER, 5000, 0},   {TL_SYNACK_TIMER, 7000, 0},
		{TL_SYNACK_DUP_ANSWER, 7000, 0},   {TL_SYNACK_TIMER, 11000, 0},
		{TL_SYNACK_DUP_ANSWER, 11000, 0},  {TL_SYNACK_TIMER, 19000, 0},
		{TL_SYNACK_DUP_ANSWER, 19000, 0},  {TL_SYNACK_TIMER, 35000, 0},
		{TL_SYNACK_DUP_ANSWER, 35000, 0},  {TL_SYNACK_DROP, 67000, 0},
		{TL_SYNACK_NEW_REQUEST, 67000, 1}, {TL_SYNACK_TIMER, 68000, 1},
		{TL_SYNACK_TIMER, 70000, 1},	   {TL_SYNACK_TIMER, 74000, 1},
		{TL_SYNACK_TIMER, 82000, 1},	   {TL_SYNACK_TIMER, 98000, 1},
		{TL_SYNACK_DROP, 130000, 1},
	};
	struct tl_timer_settings s = defaults();
	size_t i;

	(void)state;
	if (tl_timer_predict_synack_exchange(&s, 0, syn, ARRAY_LEN(syn), &ex, err, sizeof(err)) !=
	    0)
		fail_msg("%s", err);
	assert_int_equal(ex.n_events, ARRAY_LEN(want));
	for (i = 0; i < ARRAY_LEN(want); i++) {
		if (ex.events[i].kind != want[i].kind || ex.events[i].at_ms != want[i].at_ms ||
		    ex.events[i].request != want[i].request)
			fail_msg("event %zu: expected %s at %lld (request %d), got %s at %lld "
				 "(request %d)",
				 i, tl_timer_synack_event_name(want[i].kind),
				 (long long)want[i].at_ms, want[i].request,
				 tl_timer_synack_event_name(ex.events[i].kind),
				 (long long)ex.events[i].at_ms, ex.events[i].request);
	}
	assert_int_equal(ex.n_requests, 2);
	assert_int_equal(ex.n_timer_synacks, 10);
	assert_int_equal(ex.n_dup_synacks, 9);
	assert_int_equal(ex.last_drop_ms, 130000);
	expect_contains(ex.events[2].why, "re-armed to 2 s from now");
}

/*
 * A duplicate SYN 2 ms after the request timer's due time: the timer first
 * (the default order: its SYN-ACK, then the SYN's answer), or, with timers
 * as late as the wheel allows, the SYN first, whose answer re-arms the timer
 * a full timeout later, so no timer SYN-ACK comes near it.
 */
static void test_synack_exchange_late_timer_order(void **state)
{
	const int64_t syn[] = { 0, 1002 };
	struct tl_timer_settings s = defaults();

	(void)state;
	assert_true(tl_timer_allowed_lateness_ms(1000, s.hz) > 2);
	assert_int_equal(tl_timer_predict_synack_exchange(&s, 0, syn, 2, &ex, err, sizeof(err)), 0);
	assert_int_equal(ex.events[1].kind, TL_SYNACK_TIMER);
	assert_int_equal(ex.events[1].at_ms, 1000);
	assert_int_equal(ex.events[2].kind, TL_SYNACK_DUP_ANSWER);
	assert_int_equal(ex.events[2].at_ms, 1002);
	assert_int_equal(tl_timer_predict_synack_exchange_late(&s, 0, syn, 2, true, &ex, err, sizeof(err)), 0);
	assert_int_equal(ex.events[1].kind, TL_SYNACK_DUP_ANSWER);
	assert_int_equal(ex.events[1].at_ms, 1002);
	assert_int_equal(ex.events[2].kind, TL_SYNACK_TIMER);
	assert_int_equal(ex.events[2].at_ms, 2002);
}

static void test_synack_exchange_walkthrough_client(void **state)
{
	/* With linear 0 the client's SYNs coincide with the timer: pairs, drop at 63 s. */
	static const int64_t syn[] = {0, 1000, 3000, 7000, 15000, 31000, 63000};
	struct tl_timer_settings s = defaults();
	size_t i, timers = 0;

	(void)state;
	s.syn_linear_timeouts = 0;
	if (tl_timer_predict_synack_exchange(&s, 0, syn, ARRAY_LEN(syn), &ex, err, sizeof(err)) !=
	    0)
		fail_msg("%s", err);
	for (i = 0; i < ex.n_events; i++) {
		if (ex.events[i].kind == TL_SYNACK_TIMER && ex.events[i].request == 0) {
			assert_int_equal(ex.events[i].at_ms, syn[timers + 1]);
			/* the timer fires first, the duplicate's answer follows: a pair */
			assert_int_equal(ex.events[i + 1].kind, TL_SYNACK_DUP_ANSWER);
			timers++;
		}
		if (ex.events[i].kind == TL_SYNACK_DROP && ex.events[i].request == 0) {
			assert_int_equal(ex.events[i].at_ms, 63000);
			/* the SYN at 63 s then finds no request: a new one, a new ISN */
			assert_int_equal(ex.events[i + 1].kind, TL_SYNACK_NEW_REQUEST);
			assert_int_equal(ex.events[i + 1].at_ms, 63000);
		}
	}
	assert_int_equal(timers, 5);
}

static void test_synack_exchange_matches_captures(void **state)
{
	/* default sysctls; client SYN send times as captured */
	static const int64_t syn_def[] = {0,	1009,  2033,  3057,  4077, 5101,
					  7117, 11149, 19341, 35469, 67725};
	static const struct wire_event wire_def[] = {
		{TL_SYNACK_NEW_REQUEST, 0},	{TL_SYNACK_TIMER, 1009},  {TL_SYNACK_TIMER, 7117},
		{TL_SYNACK_TIMER, 11149},	{TL_SYNACK_TIMER, 19341}, {TL_SYNACK_TIMER, 35469},
		{TL_SYNACK_NEW_REQUEST, 67725}, {TL_SYNACK_TIMER, 68753}, {TL_SYNACK_TIMER, 70765},
		{TL_SYNACK_TIMER, 74893},	{TL_SYNACK_TIMER, 83089}, {TL_SYNACK_TIMER, 99213},
	};
	/* listener TCP_SYNCNT 2: dropped at 11 s, not 7 s; ss lost the next request by 18.587 s */
	static const int64_t syn_r2[] = {0, 1014, 2038, 3058, 4086, 5106, 7122, 11350, 19538};
	static const struct wire_event wire_r2[] = {
		{TL_SYNACK_NEW_REQUEST, 0},	{TL_SYNACK_TIMER, 1014},  {TL_SYNACK_TIMER, 7122},
		{TL_SYNACK_NEW_REQUEST, 11350}, {TL_SYNACK_TIMER, 12370}, {TL_SYNACK_TIMER, 14386},
		{TL_SYNACK_NEW_REQUEST, 19538}, {TL_SYNACK_TIMER, 20562}, {TL_SYNACK_TIMER, 22578},
	};
	struct tl_timer_settings s = defaults();
	size_t i;

	(void)state;
	if (tl_timer_predict_synack_exchange(&s, 0, syn_def, ARRAY_LEN(syn_def), &ex, err,
					     sizeof(err)) != 0)
		fail_msg("%s", err);
	expect_exchange_matches(&ex, wire_def, ARRAY_LEN(wire_def));

	s.syncnt = 2;
	if (tl_timer_predict_synack_exchange(&s, 0, syn_r2, ARRAY_LEN(syn_r2), &ex, err,
					     sizeof(err)) != 0)
		fail_msg("%s", err);
	expect_exchange_matches(&ex, wire_r2, ARRAY_LEN(wire_r2));
	for (i = 0; i < ex.n_events; i++)
		if (ex.events[i].kind == TL_SYNACK_DROP && ex.events[i].request == 1)
			assert_true(ex.events[i].at_ms <= 18587);
}

static void test_synack_exchange_rate_limit_and_errors(void **state)
{
	static const int64_t syn[] = {0, 100, 300, 700, 1200};
	static const int64_t unsorted[] = {0, 2000, 1000};
	static const enum tl_timer_synack_event_kind want[] = {
		TL_SYNACK_NEW_REQUEST, TL_SYNACK_DUP_ANSWER, TL_SYNACK_DUP_IGNORED,
		TL_SYNACK_DUP_ANSWER,  TL_SYNACK_DUP_ANSWER, TL_SYNACK_TIMER,
	};
	struct tl_timer_settings s = defaults();
	size_t i;

	(void)state;
	if (tl_timer_predict_synack_exchange(&s, 0, syn, ARRAY_LEN(syn), &ex, err, sizeof(err)) !=
	    0)
		fail_msg("%s", err);
	for (i = 0; i < ARRAY_LEN(want); i++)
		assert_int_equal(ex.events[i].kind, want[i]);
	/* the answer at 1.2 s re-armed the timer to 2.2 s */
	assert_int_equal(ex.events[5].at_ms, 2200);
	expect_contains(ex.events[2].why, "tcp_invalid_ratelimit 500 ms");

	assert_int_equal(
		tl_timer_predict_synack_exchange(&s, 0, unsorted, 3, &ex, err, sizeof(err)), -1);
	expect_contains(err, "not ascending");
	assert_int_equal(tl_timer_predict_synack_exchange(&s, 0, NULL, 2, &ex, err, sizeof(err)),
			 -1);
	/* no duplicate SYN at all: the timer-only schedule */
	if (tl_timer_predict_synack_exchange(&s, 0, NULL, 0, &ex, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(ex.n_timer_synacks, 5);
	assert_int_equal(ex.last_drop_ms, 63000);
}

/* ---- (c), (d) orphaned FIN ---- */

static void test_orphan_fin_defaults(void **state)
{
	static const int64_t at[] = {204, 408, 816, 1632, 3264, 6528, 13056, 26112, 52224};
	struct tl_timer_settings s = defaults();

	(void)state;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_true(sc.retx[0].tlp);
	assert_int_equal(sc.n_tlp, 1);
	assert_int_equal(sc.retx[0].rule, TL_RULE_TLP);
	assert_int_equal(sc.retx[1].rule, TL_RULE_INITIAL);
	/* (2^(8+1) - 1) x 200 ms = 102.2 s after the first RTO retransmission at 408 ms */
	assert_int_equal(sc.time_limit_ms, 102200);
	assert_true(sc.time_from_first_rto);
	assert_int_equal(sc.give_up_ms, 104448);
	assert_int_equal(sc.end, TL_END_TIME_BUDGET);
	expect_contains(sc.give_up_why, "(2^9-1) x 0.2 s = 102.2 s");
	expect_contains(sc.give_up_why, "tcp_orphan_retries 0, 8 while alive");
	/* KERNEL-FACTS: "about 107 s with defaults" */
	assert_true(107000 >= sc.give_up_ms && 107000 <= sc.give_up_ms + sc.give_up_lateness_ms);

	/* LAST-ACK orphans follow the same rules */
	predict_ok(TL_TIMER_LAST_ACK, &s, &sc2);
	expect_times(&sc2, at, ARRAY_LEN(at));
	assert_int_equal(sc2.give_up_ms, sc.give_up_ms);
}

static void test_orphan_fin_matches_capture(void **state)
{
	static const int64_t fin[] = {207, 415, 831, 1663, 3327, 6783, 13443, 26751, 54915};
	struct tl_timer_settings s = defaults();

	(void)state;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	/* ss saw the socket gone at 108.162 s (polled every 50 ms) */
	expect_measured(&sc, fin, ARRAY_LEN(fin), 108162);
}

static void test_orphan_retries_sysctl(void **state)
{
	static const int64_t at[] = {204, 408, 816, 1632};
	struct tl_timer_settings s = defaults();

	(void)state;
	/* B = 2: budget 1.4 s; measured FW1 gone at 3.365 s, LAST-ACK at 3.381 s */
	s.orphan_retries = 2;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 3264);
	expect_late_within("FIN-WAIT-1 destroyed", sc.give_up_ms, 3365, sc.give_up_lateness_ms);
	predict_ok(TL_TIMER_LAST_ACK, &s, &sc);
	expect_late_within("LAST-ACK destroyed", sc.give_up_ms, 3381, sc.give_up_lateness_ms);
	/* the probe does not start the budget: 1.632 s is 1.428 s after it, but 1.224 s after R1 */
	assert_int_equal(sc.retx[3].at_ms, 1632);
}

static void test_orphan_not_alive_at_rto_max(void **state)
{
	static const int64_t at[] = {204, 408, 816, 1632};
	struct tl_timer_settings s = defaults();

	(void)state;
	/* RTO 204 -> 408 -> 816 -> 1000 (cap): no longer "alive", 0 means 0 (measured: 2.739 s) */
	s.rto_max_ms = 1000;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 2632);
	assert_int_equal(sc.end, TL_END_ORPHAN_RTO_MAX);
	expect_late_within("FIN-WAIT-1 destroyed", sc.give_up_ms, 2739, sc.give_up_lateness_ms);
	/* a non-zero sysctl keeps its value when not alive */
	s.orphan_retries = 3;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	assert_int_equal(sc.end, TL_END_TIME_BUDGET);
	assert_true(sc.give_up_ms > 2632);
}

static void test_orphan_without_tlp_and_explicit_rto(void **state)
{
	static const int64_t no_tlp[] = {204, 612, 1428};
	struct tl_timer_settings s = defaults();

	(void)state;
	s.orphan_retries = 2;
	s.tail_loss_probe = false;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	expect_times(&sc, no_tlp, ARRAY_LEN(no_tlp));
	assert_int_equal(sc.n_tlp, 0);
	assert_int_equal(sc.give_up_ms, 3060);
	expect_contains(sc.retx[0].why, "RTO 0.204 s after the FIN");

	s.tail_loss_probe = true;
	s.established_rto_ms = 300;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	assert_int_equal(sc.retx[0].at_ms, 300);
	assert_int_equal(sc.retx[1].at_ms, 600);
	assert_int_equal(sc.retx[2].gap_ms, 600);
}

static void test_orphan_marginal_budget(void **state)
{
	struct tl_timer_settings s = defaults();

	(void)state;
	/* An exact 200 ms RTO puts R9 at 102.0 s after R1, 0.2 s under the budget: the
	 * model sends it, but a kernel whose timers ran late gives up there instead. */
	s.established_rto_ms = 200;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	assert_int_equal(sc.n_retx, 10);
	assert_int_equal(sc.retx[9].at_ms, 102400);
	assert_int_equal(sc.give_up_ms, 204800);
	assert_int_equal(sc.marginal_retx, 9);
	/* with the real loopback RTO (204 ms) there is no doubt */
	s.established_rto_ms = 0;
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	assert_int_equal(sc.marginal_retx, -1);
}

/* ---- (e) data ---- */

static void test_data_retries2(void **state)
{
	static const int64_t r3[] = {205, 417, 857, 1689, 3353};
	struct tl_timer_settings s = defaults();

	(void)state;
	predict_ok(TL_TIMER_DATA, &s, &sc);
	assert_int_equal(sc.n_retx, 16); /* probe + 15 */
	assert_int_equal(sc.time_limit_ms, 924600);
	assert_int_equal(sc.give_up_ms, 408 + 928488);
	assert_int_equal(sc.retx[11].rule, TL_RULE_RTO_MAX);
	assert_int_equal(sc.retx[11].gap_ms, 120000);
	expect_contains(sc.give_up_why, "(2^10-1) x 0.2 s + 6 x 120 s = 924.6 s");
	expect_contains(sc.retx[11].why, "capped at tcp_rto_max_ms=120000");

	/* measured with tcp_retries2 3: ETIMEDOUT at 6.841 s */
	s.retries2 = 3;
	predict_ok(TL_TIMER_DATA, &s, &sc);
	assert_int_equal(sc.give_up_ms, 6528);
	expect_measured(&sc, r3, ARRAY_LEN(r3), 6841);

	/* tcp_rto_max_ms lowers both the gaps and the budget's second term */
	s.retries2 = 15;
	s.rto_max_ms = 10000;
	predict_ok(TL_TIMER_DATA, &s, &sc);
	/* thresh = ilog2(10 s / 0.2 s) = 5: (2^6-1) x 0.2 + 10 x 10 s = 112.6 s */
	assert_int_equal(sc.time_limit_ms, 112600);
}

static void test_data_user_timeout(void **state)
{
	static const int64_t at[] = {204, 408, 816, 1632};
	struct tl_timer_settings s = defaults();

	(void)state;
	/* measured: ETIMEDOUT at 1.922 s */
	s.user_timeout_ms = 1500;
	predict_ok(TL_TIMER_DATA, &s, &sc);
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 1908);
	assert_int_equal(sc.end, TL_END_USER_TIMEOUT);
	expect_late_within("ETIMEDOUT", sc.give_up_ms, 1922, sc.give_up_lateness_ms);
}

static void test_too_long_schedule_is_refused(void **state)
{
	struct tl_timer_settings s = defaults();

	(void)state;
	s.retries2 = 255;
	s.rto_max_ms = 1000;
	assert_int_equal(tl_timer_predict(TL_TIMER_DATA, &s, &sc, err, sizeof(err)), -1);
	expect_contains(err, "longer than 256 retransmissions");
	/* the longest SYN schedule still fits */
	s.syn_retries = 127;
	s.syn_linear_timeouts = 127;
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	assert_int_equal(sc.give_up_ms, 128000);
}

/* ---- linger ---- */

static void fw2(const struct tl_timer_settings *s, struct tl_timer_fin_wait2 *f)
{
	if (tl_timer_fin_wait2(s, f, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void test_fin_wait2_and_time_wait(void **state)
{
	struct tl_timer_settings s = defaults();
	struct tl_timer_fin_wait2 f;

	(void)state;
	fw2(&s, &f);
	assert_true(f.waits);
	assert_int_equal(f.total_ms, 60000);
	assert_int_equal(f.full_socket_ms, 0);
	assert_int_equal(tl_timer_time_wait_ms(), 60000);

	s.fin_timeout_s = 5; /* measured 5.278 s */
	fw2(&s, &f);
	assert_int_equal(f.total_ms, 5000);

	/* above 60 s: keepalive timer for T - 60, then a time-wait socket for T - 60 again */
	s.fin_timeout_s = 65; /* measured 10.371 s */
	fw2(&s, &f);
	assert_int_equal(f.fin_time_ms, 65000);
	assert_int_equal(f.full_socket_ms, 5000);
	assert_int_equal(f.timewait_sock_ms, 5000);
	assert_int_equal(f.total_ms, 10000);
	expect_contains(f.why, "10 s in all");
	s.fin_timeout_s = 90; /* measured 60.895 s */
	fw2(&s, &f);
	assert_int_equal(f.total_ms, 60000);

	/* never below 3.5 RTO: 179 jiffies */
	s.fin_timeout_s = 0;
	fw2(&s, &f);
	assert_int_equal(f.total_ms, 716);
}

static void test_linger2(void **state)
{
	struct tl_timer_settings s = defaults();
	struct tl_timer_fin_wait2 f;

	(void)state;
	s.linger2_s = 3; /* measured 3.290 s */
	fw2(&s, &f);
	assert_int_equal(f.total_ms, 3000);
	expect_contains(f.why, "TCP_LINGER2 3 s");

	/* not capped by tcp_fin_timeout (it was before commit f0628c524fd1); measured 81.470 s */
	s.linger2_s = 100;
	fw2(&s, &f);
	assert_int_equal(f.fin_time_ms, 100000);
	assert_int_equal(f.total_ms, 80000);

	/* capped at TCP_FIN_TIMEOUT_MAX, 120 s */
	s.linger2_s = 500;
	fw2(&s, &f);
	assert_int_equal(f.fin_time_ms, 120000);
	assert_int_equal(f.total_ms, 120000);

	/* negative: no FIN-WAIT-2; measured: gone at the ACK, which is answered with R */
	s.linger2_s = -1;
	fw2(&s, &f);
	assert_false(f.waits);
	assert_int_equal(f.total_ms, 0);
	expect_contains(f.why, "RST");
}

/* ---- helpers ---- */

static void test_allowed_lateness(void **state)
{
	(void)state;
	assert_int_equal(tl_timer_allowed_lateness_ms(200, 250), 10);
	assert_int_equal(tl_timer_allowed_lateness_ms(204, 250), 10);
	assert_int_equal(tl_timer_allowed_lateness_ms(1000, 250), 38);
	assert_int_equal(tl_timer_allowed_lateness_ms(2000, 250), 38);
	assert_int_equal(tl_timer_allowed_lateness_ms(4000, 250), 262);
	assert_int_equal(tl_timer_allowed_lateness_ms(16000, 250), 262);
	assert_int_equal(tl_timer_allowed_lateness_ms(32000, 250), 2054);
	assert_int_equal(tl_timer_allowed_lateness_ms(64000, 250), 2054);
	assert_int_equal(tl_timer_allowed_lateness_ms(120000, 250), 2054);
	assert_int_equal(tl_timer_allowed_lateness_ms(0, 250), 0);
	assert_int_equal(tl_timer_allowed_lateness_ms(1000, 0), 0);
	/* KERNEL-FACTS measured up to 1.5 s late on 32-64 s timers */
	assert_true(tl_timer_allowed_lateness_ms(32000, 250) >= 1500);
	assert_int_equal(tl_timer_allowed_lateness_ms(50, 1000), 4);
	assert_int_equal(tl_timer_allowed_lateness_ms(200, 1000), 11);
}

static void test_loopback_rto(void **state)
{
	struct tl_timer_settings s = defaults();

	(void)state;
	assert_int_equal(tl_timer_loopback_rto_ms(200000, 250), 204);
	assert_int_equal(tl_timer_loopback_rto_ms(200000, 1000), 201);
	assert_int_equal(tl_timer_loopback_rto_ms(1, 250), 8);
	assert_int_equal(tl_timer_loopback_rto_ms(0, 250), 0);
	assert_int_equal(tl_timer_effective_rto_ms(&s), 204);
	s.established_rto_ms = 150;
	assert_int_equal(tl_timer_effective_rto_ms(&s), 152); /* rounded up to a jiffy */
}

static void test_settings_check_and_set(void **state)
{
	struct tl_timer_settings s = defaults(), before;

	(void)state;
	assert_int_equal(tl_timer_settings_check(&s, err, sizeof(err)), 0);
	assert_int_equal(tl_timer_settings_set(&s, "net.ipv4.tcp_syn_retries", 3, err, sizeof(err)),
			 0);
	assert_int_equal(s.syn_retries, 3);
	assert_int_equal(tl_timer_settings_set(&s, "tcp_fin_timeout", 7, err, sizeof(err)), 0);
	assert_int_equal(s.fin_timeout_s, 7);

	before = s;
	assert_int_equal(tl_timer_settings_set(&s, "tcp_rto_max_ms", 999, err, sizeof(err)), -1);
	assert_string_equal(err, "tcp_rto_max_ms: expected 1000..120000, got 999");
	expect_same_settings(&s, &before);
	assert_int_equal(tl_timer_settings_set(&s, "tcp_syn_retries", 0, err, sizeof(err)), -1);
	assert_int_equal(tl_timer_settings_set(&s, "tcp_sack", 1, err, sizeof(err)), -1);
	expect_contains(err, "not a sysctl the timer model knows");
	assert_int_equal(tl_timer_settings_set(&s, NULL, 1, err, sizeof(err)), -1);

	s.syncnt = 128;
	assert_int_equal(tl_timer_predict(TL_TIMER_SYN_SENT, &s, &sc, err, sizeof(err)), -1);
	assert_string_equal(err, "TCP_SYNCNT: expected 1..127, got 128");
	s.syncnt = 0;
	s.hz = 123;
	assert_int_equal(tl_timer_settings_check(&s, NULL, 0), -1);
	assert_int_equal(tl_timer_predict((enum tl_timer_case)99, &before, &sc, err, sizeof(err)),
			 -1);
}

static void test_profiles(void **state)
{
	static const int64_t article_syn[] = {1000, 3000, 7000, 15000, 31000, 63000};
	static const int64_t article_synack[] = {1000, 3000, 7000, 15000, 31000};
	struct tl_timer_settings s, d = defaults();
	struct tl_timer_fin_wait2 f;
	const struct tl_timer_profile *p;
	size_t n, i, j;
	int c;

	(void)state;
	p = tl_timer_profiles(&n);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].name, "kernel");
	assert_string_equal(p[1].name, "fast");
	assert_string_equal(p[2].name, "article");
	assert_null(tl_timer_profile_find("nope"));
	for (i = 0; i < n; i++) {
		assert_ptr_equal(tl_timer_profile_find(p[i].name), &p[i]);
		for (j = 0; j < p[i].n_sysctls; j++)
			assert_int_equal(strncmp(p[i].sysctls[j].name, "net.ipv4.tcp_", 13), 0);
		if (tl_timer_profile_settings(&p[i], &s, err, sizeof(err)) != 0)
			fail_msg("%s", err);
	}

	/* kernel: writes the defaults */
	assert_int_equal(
		tl_timer_profile_settings(tl_timer_profile_find("kernel"), &s, err, sizeof(err)),
		0);
	expect_same_settings(&s, &d);

	/* fast: every abnormal case over within 8 s */
	assert_int_equal(
		tl_timer_profile_settings(tl_timer_profile_find("fast"), &s, err, sizeof(err)), 0);
	for (c = 0; c < TL_TIMER_CASE_COUNT; c++) {
		predict_ok((enum tl_timer_case)c, &s, &sc);
		if (sc.give_up_ms > 8000)
			fail_msg("fast profile: %s ends at %lld ms",
				 tl_timer_case_name((enum tl_timer_case)c),
				 (long long)sc.give_up_ms);
	}
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	assert_int_equal(sc.n_retx, 3); /* 1, 2 s linear, then 4 s doubled */
	assert_int_equal(sc.retx[2].rule, TL_RULE_BACKOFF);
	fw2(&s, &f);
	assert_int_equal(f.total_ms, 5000);

	/* article: the walkthrough's tables */
	assert_int_equal(
		tl_timer_profile_settings(tl_timer_profile_find("article"), &s, err, sizeof(err)),
		0);
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	expect_times(&sc, article_syn, ARRAY_LEN(article_syn));
	assert_int_equal(sc.give_up_ms, 127000);
	predict_ok(TL_TIMER_SYNACK, &s, &sc);
	expect_times(&sc, article_synack, ARRAY_LEN(article_synack));
	assert_int_equal(sc.give_up_ms, 63000);
}

static void test_explain_vs_walkthrough(void **state)
{
	struct tl_timer_settings s = defaults();
	char out[1024];

	(void)state;
	assert_int_equal(tl_timer_explain_vs_walkthrough(TL_TIMER_SYN_SENT, &s, out, sizeof(out),
							 err, sizeof(err)),
			 0);
	expect_contains(out,
			"tcp_syn_linear_timeouts=4 (Linux 6.7+) keeps the first 5 gaps at 1 s");
	expect_contains(out, "131 s, not 127 s");

	assert_int_equal(tl_timer_explain_vs_walkthrough(TL_TIMER_SYNACK, &s, out, sizeof(out), err,
							 sizeof(err)),
			 0);
	expect_contains(out, "Same as the walkthrough");
	expect_contains(out, "timer SYN-ACKs at 1, 7, 11, 19, 35 s and the drop at 67 s");

	s.syn_linear_timeouts = 0;
	assert_int_equal(tl_timer_explain_vs_walkthrough(TL_TIMER_SYN_SENT, &s, out, sizeof(out),
							 err, sizeof(err)),
			 0);
	expect_contains(out, "Same as the walkthrough");
	assert_int_equal(tl_timer_explain_vs_walkthrough(TL_TIMER_SYNACK, &s, out, sizeof(out), err,
							 sizeof(err)),
			 0);
	assert_null(strstr(out, "On the wire"));

	s.syncnt = 3;
	s.user_timeout_ms = 10000;
	assert_int_equal(tl_timer_explain_vs_walkthrough(TL_TIMER_SYN_SENT, &s, out, sizeof(out),
							 err, sizeof(err)),
			 0);
	expect_contains(out, "TCP_SYNCNT=3");
	expect_contains(out, "TCP_USER_TIMEOUT=10000 ms");

	s = defaults();
	s.orphan_retries = 2;
	assert_int_equal(tl_timer_explain_vs_walkthrough(TL_TIMER_LAST_ACK, &s, out, sizeof(out),
							 err, sizeof(err)),
			 0);
	expect_contains(out, "tcp_orphan_retries=2");

	s.hz = 7;
	assert_int_equal(tl_timer_explain_vs_walkthrough(TL_TIMER_SYN_SENT, &s, out, sizeof(out),
							 err, sizeof(err)),
			 -1);
	assert_string_equal(out, "");
}

static void test_why_strings_fit_and_names(void **state)
{
	const struct tl_timer_profile *p;
	struct tl_timer_settings s;
	char gaps[512];
	size_t n, i, j;
	int c;

	(void)state;
	p = tl_timer_profiles(&n);
	for (i = 0; i < n; i++) {
		assert_int_equal(tl_timer_profile_settings(&p[i], &s, err, sizeof(err)), 0);
		s.user_timeout_ms = i == 2 ? 20000 : 0;
		for (c = 0; c < TL_TIMER_CASE_COUNT; c++) {
			predict_ok((enum tl_timer_case)c, &s, &sc);
			for (j = 0; j < sc.n_retx; j++)
				if (strlen(sc.retx[j].why) >= TL_TIMER_WHY_LEN - 1)
					fail_msg("why cut: %s", sc.retx[j].why);
			if (strlen(sc.give_up_why) >= TL_TIMER_WHY_LEN - 1)
				fail_msg("why cut: %s", sc.give_up_why);
			assert_string_not_equal(tl_timer_end_name(sc.end), "?");
		}
	}
	s = defaults();
	predict_ok(TL_TIMER_SYN_SENT, &s, &sc);
	tl_timer_format_gaps(&sc, gaps, sizeof(gaps));
	assert_string_equal(gaps, "1, 1, 1, 1, 1, 2, 4, 8, 16, 32 s");
	predict_ok(TL_TIMER_FIN_WAIT1, &s, &sc);
	tl_timer_format_gaps(&sc, gaps, 20);
	assert_string_equal(gaps, "0.204, 0.204, 0.408");
	assert_string_equal(tl_timer_case_name(TL_TIMER_LAST_ACK), "LAST-ACK orphan FIN");
	assert_string_equal(tl_timer_case_name((enum tl_timer_case)42), "?");
	assert_string_equal(tl_timer_rule_name(TL_RULE_LINEAR), "linear");
	assert_string_equal(tl_timer_synack_event_name(TL_SYNACK_DROP), "request dropped");
}

/* ---- (f) keepalive, (g) zero-window probes ---- */

/* Each measured time lies between the prediction and the prediction plus its accumulated allowance. */
static void expect_within(const struct tl_timer_schedule *s, const int64_t *measured_ms, size_t n,
			  int64_t measured_end_ms)
{
	assert_int_equal(s->n_retx, n);
	for (size_t i = 0; i < n; i++)
		if (measured_ms[i] < s->retx[i].at_ms || measured_ms[i] > s->retx[i].at_ms + s->retx[i].cum_lateness_ms)
			fail_msg("send %zu measured at %lld ms, predicted %lld ms + %lld", i, (long long)measured_ms[i],
				 (long long)s->retx[i].at_ms, (long long)s->retx[i].cum_lateness_ms);
	if (measured_end_ms >= 0 &&
	    (measured_end_ms < s->give_up_ms || measured_end_ms > s->give_up_ms + s->give_up_lateness_ms))
		fail_msg("end measured at %lld ms, predicted %lld ms + %lld", (long long)measured_end_ms,
			 (long long)s->give_up_ms, (long long)s->give_up_lateness_ms);
}

static void test_keepalive_probes_then_reset(void **state)
{
	/* Captured here: TCP_KEEPIDLE 2, TCP_KEEPINTVL 1, TCP_KEEPCNT 3, the peer's answers
	 * dropped; from the SYN-ACK (the client's last segment received): probes at 2.011,
	 * 3.035, 4.059 s, the RST at 5.083 s, recv() failing with ETIMEDOUT. */
	static const int64_t probes[] = {2011, 3035, 4059};
	struct tl_timer_settings s = defaults();

	(void)state;
	s.keepidle_s = 2;
	s.keepintvl_s = 1;
	s.keepcnt = 3;
	predict_ok(TL_TIMER_KEEPALIVE_PROBES, &s, &sc);
	static const int64_t at[] = {2000, 3000, 4000};
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.give_up_ms, 5000);
	assert_int_equal(sc.end, TL_END_COUNT);
	assert_int_equal(sc.retx[0].rule, TL_RULE_KEEPALIVE_IDLE);
	assert_int_equal(sc.retx[1].rule, TL_RULE_KEEPALIVE_INTVL);
	expect_contains(sc.give_up_why, "3 probes unanswered, TCP_KEEPCNT 3");
	expect_within(&sc, probes, ARRAY_LEN(probes), 5083);

	/* The sysctls when no option is set: two hours of silence, then 9 probes 75 s apart. */
	s = defaults();
	predict_ok(TL_TIMER_KEEPALIVE_PROBES, &s, &sc);
	assert_int_equal(sc.n_retx, 9);
	assert_int_equal(sc.retx[0].at_ms, 7200000);
	assert_int_equal(sc.give_up_ms, 7200000 + 9 * 75000);
	expect_contains(sc.retx[0].why, "tcp_keepalive_time 7200 s");

	/* TCP_USER_TIMEOUT replaces the count: the first firing at least that silent, with a probe out. */
	s.keepidle_s = 2;
	s.keepintvl_s = 1;
	s.keepcnt = 3;
	s.user_timeout_ms = 6500;
	predict_ok(TL_TIMER_KEEPALIVE_PROBES, &s, &sc);
	assert_int_equal(sc.n_retx, 5); /* 2, 3, 4, 5, 6 s */
	assert_int_equal(sc.give_up_ms, 7000);
	assert_int_equal(sc.end, TL_END_USER_TIMEOUT);
}

/* One firing of the keepalive timer, the rule the schedule above walks and the model's timer follows. */
static void test_keepalive_firing(void **state)
{
	struct tl_timer_settings s = defaults();
	struct tl_keepalive_firing f;

	(void)state;
	s.keepidle_s = 2;
	s.keepintvl_s = 1;
	s.keepcnt = 2;
	assert_int_equal(tl_timer_keepalive_idle_j(&s), 500);
	/* Silent 1.2 s: wait for the rest of the idle time (the peer spoke after the timer was armed). */
	tl_timer_keepalive_fire(&s, 300, 0, &f);
	assert_int_equal(f.action, TL_KEEPALIVE_WAIT);
	assert_int_equal(f.next_j, 200);
	tl_timer_keepalive_fire(&s, 500, 0, &f);
	assert_int_equal(f.action, TL_KEEPALIVE_PROBE);
	assert_int_equal(f.next_j, 250);
	expect_contains(f.why, "first keepalive probe: silent for TCP_KEEPIDLE 2 s");
	tl_timer_keepalive_fire(&s, 750, 1, &f);
	assert_int_equal(f.action, TL_KEEPALIVE_PROBE);
	expect_contains(f.why, "keepalive probe 2: TCP_KEEPINTVL 1 s after the last");
	tl_timer_keepalive_fire(&s, 1000, 2, &f);
	assert_int_equal(f.action, TL_KEEPALIVE_GIVE_UP);
	expect_contains(f.why, "2 probes unanswered, TCP_KEEPCNT 2");
	/* With TCP_USER_TIMEOUT the count does not matter, the silence does, once a probe is out. */
	s.user_timeout_ms = 2500;
	tl_timer_keepalive_fire(&s, 500, 2, &f);
	assert_int_equal(f.action, TL_KEEPALIVE_PROBE);
	tl_timer_keepalive_fire(&s, 625, 0, &f);
	assert_int_equal(f.action, TL_KEEPALIVE_PROBE);
	tl_timer_keepalive_fire(&s, 625, 1, &f);
	assert_int_equal(f.action, TL_KEEPALIVE_GIVE_UP);
	expect_contains(f.why, "past TCP_USER_TIMEOUT 2500 ms");
}

static void test_zero_window_probes(void **state)
{
	/* Captured here: a reader that stopped reading, the connection's RTO 212 ms (its RTT
	 * sample included a delayed ACK); from the ACK that closed the window: probes at 0.212,
	 * 0.640, 1.500, 3.200, 6.784 s, each answered with the window still closed. */
	static const int64_t probes[] = {212, 640, 1500, 3200, 6784};
	struct tl_timer_settings s = defaults();

	(void)state;
	s.established_rto_ms = 212;
	assert_int_equal(tl_timer_predict_persist_answered(&s, 5, &sc, err, sizeof(err)), 0);
	static const int64_t at[] = {212, 636, 1484, 3180, 6572};
	expect_times(&sc, at, ARRAY_LEN(at));
	assert_int_equal(sc.retx[0].rule, TL_RULE_PERSIST);
	assert_int_equal(sc.retx[1].rule, TL_RULE_BACKOFF);
	assert_int_equal(sc.end, TL_END_NEVER);
	expect_within(&sc, probes, ARRAY_LEN(probes), -1);

	/* Answered, the gaps grow to tcp_rto_max_ms and stay there. */
	assert_int_equal(tl_timer_predict_persist_answered(&s, 20, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.retx[19].gap_ms, 120000);
	assert_int_equal(sc.retx[19].rule, TL_RULE_RTO_MAX);

	/* A peer that stopped answering: given up after tcp_retries2 probes. */
	s.retries2 = 3;
	predict_ok(TL_TIMER_PERSIST, &s, &sc);
	assert_int_equal(sc.n_retx, 3);
	assert_int_equal(sc.give_up_ms, 212 + 424 + 848 + 1696);
	assert_int_equal(sc.end, TL_END_COUNT);

	/* TCP_USER_TIMEOUT counts from the first probe's timer, answered or not, and cuts the last gap. */
	s.retries2 = 15;
	s.user_timeout_ms = 2000;
	assert_int_equal(tl_timer_predict_persist_answered(&s, 50, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.end, TL_END_USER_TIMEOUT);
	assert_int_equal(sc.give_up_ms, 212 + 2000);
	assert_int_equal(sc.retx[sc.n_retx - 1].at_ms, 1484); /* 212, 636, 1484; then cut */
}

/* Measured with ss -ti on this kernel: RTT samples of 59 us (SYN-ACK), 12 us, then 42.1 ms (a delayed ACK): rto 208. */
static void rtt_estimator_after_a_delayed_ack(void **state)
{
	struct tl_timer_settings s = defaults();
	struct tl_timer_rtt r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(tl_timer_rtt_rto_ms(&r, &s), 0);
	tl_timer_rtt_sample(&r, &s, 59, 1, 1);
	tl_timer_rtt_sample(&r, &s, 12, 2049, 2049);
	assert_int_equal(tl_timer_rtt_rto_ms(&r, &s), 204); /* loopback: rto_min plus a jiffy */
	tl_timer_rtt_sample(&r, &s, 42113, 4097, 4097);
	assert_int_equal(r.srtt_us8 >> 3, 5310); /* ss: rtt:5.513 ms, within a sample's microseconds */
	assert_int_equal(r.rttvar_us, 200000);
	assert_int_equal(tl_timer_rtt_rto_ms(&r, &s), 208);
	/* The RTO the persist timer then waits: no less than TCP_RTO_MIN, whatever tcp_rto_min_us says. */
	s.established_rto_ms = (int)tl_timer_rtt_rto_ms(&r, &s);
	assert_int_equal(tl_timer_persist_base_j(&s), 52);
	s.established_rto_ms = 20;
	assert_int_equal(tl_timer_persist_base_j(&s), 50);
}

/* One firing of the persist timer: back-off up to tcp_retries2, the give-ups, the user-timeout clamp. */
static void persist_timer_firings(void **state)
{
	struct tl_timer_settings s = defaults();
	struct tl_persist_firing f;
	enum tl_timer_rule rule;

	(void)state;
	s.established_rto_ms = 208;
	s.retries2 = 2; /* the 'fast' profile: the gap doubles twice, then stays */
	tl_timer_persist_fire(&s, 0, 0, 0, &f);
	assert_int_equal(f.action, TL_PERSIST_PROBE);
	assert_int_equal(f.backoff, 1);
	assert_int_equal(f.next_j, 104);
	tl_timer_persist_fire(&s, 104, 0, 1, &f);
	assert_int_equal(f.next_j, 208);
	tl_timer_persist_fire(&s, 312, 0, 2, &f);
	assert_int_equal(f.backoff, 2);
	assert_int_equal(f.next_j, 208);
	/* Two probes unanswered reach tcp_retries2 2. */
	tl_timer_persist_fire(&s, 520, 2, 2, &f);
	assert_int_equal(f.action, TL_PERSIST_GIVE_UP);
	assert_int_equal(f.end, TL_END_COUNT);
	expect_contains(f.why, "2 probes unanswered, tcp_retries2 2");
	/* The shift stops at 10, the gap at tcp_rto_max_ms. */
	s.retries2 = 15;
	assert_int_equal(tl_timer_persist_when_j(&s, 15, -1, &rule), 30000);
	assert_int_equal(rule, TL_RULE_RTO_MAX);
	s.rto_max_ms = 60000;
	assert_int_equal(tl_timer_persist_when_j(&s, 9, -1, &rule), 15000);
	/* TCP_USER_TIMEOUT 1000 ms: the gap is cut to what is left, at least TCP_TIMEOUT_MIN, then it gives up. */
	s.user_timeout_ms = 1000;
	tl_timer_persist_fire(&s, 104, 0, 1, &f);
	assert_int_equal(f.next_j, 146);
	assert_int_equal(f.rule, TL_RULE_USER_TIMEOUT);
	assert_int_equal(tl_timer_persist_when_j(&s, 1, 249, NULL), 2);
	tl_timer_persist_fire(&s, 250, 0, 2, &f);
	assert_int_equal(f.action, TL_PERSIST_GIVE_UP);
	assert_int_equal(f.end, TL_END_USER_TIMEOUT);
}

static void test_probe_timer_settings(void **state)
{
	struct tl_timer_settings s = defaults();

	(void)state;
	assert_int_equal(tl_timer_settings_set(&s, "net.ipv4.tcp_keepalive_time", 30, err, sizeof(err)), 0);
	assert_int_equal(tl_timer_settings_set(&s, "tcp_keepalive_probes", 256, err, sizeof(err)), -1);
	assert_string_equal(err, "tcp_keepalive_probes: expected 0..255, got 256");
	s.keepcnt = 128;
	assert_int_equal(tl_timer_predict(TL_TIMER_KEEPALIVE_PROBES, &s, &sc, err, sizeof(err)), -1);
	assert_string_equal(err, "TCP_KEEPCNT: expected 0..127, got 128");
	/* A zero idle time fires at the next tick rather than never. */
	s = defaults();
	s.keepalive_time_s = 0;
	s.keepalive_probes = 1;
	predict_ok(TL_TIMER_KEEPALIVE_PROBES, &s, &sc);
	assert_int_equal(sc.retx[0].at_ms, 4);
	assert_string_equal(tl_timer_case_name(TL_TIMER_PERSIST), "zero-window probes");
}

/* Reads "X s" (as the model prints times) at p into ms. */
static int64_t seconds_text_ms(const char *p)
{
	double secs = 0;
	if (sscanf(p, "%lf s", &secs) != 1)
		fail_msg("no time in: %s", p);
	return (int64_t)(secs * 1000 + 0.5);
}

/*
 * The give-up sentence of an established socket's series shows arithmetic a
 * reader can redo from the table: the firing time is the predicted give-up,
 * the first RTO retransmission is the first non-probe resend, and the time
 * between them is their difference and is past the budget.
 */
static void test_give_up_arithmetic_adds_up(void **state)
{
	static const int orphan_retries[] = { 0, 1, 2, 3, 8 };
	static const enum tl_timer_case cases[] = { TL_TIMER_FIN_WAIT1, TL_TIMER_LAST_ACK, TL_TIMER_DATA };

	size_t checked = 0;
	(void)state;
	for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
		for (size_t r = 0; r < ARRAY_LEN(orphan_retries); r++) {
			struct tl_timer_settings s = defaults();
			s.orphan_retries = orphan_retries[r];
			s.retries2 = orphan_retries[r] + 3;
			predict_ok(cases[c], &s, &sc);
			if (sc.end != TL_END_TIME_BUDGET)
				continue;
			const char *fired = strstr(sc.give_up_why, "when the timer fired at ");
			const char *after = fired ? strchr(fired + 24, ',') : NULL;
			const char *first = strstr(sc.give_up_why, "first RTO retransmission (");
			const char *budget = strstr(sc.give_up_why, " = ");
			if (!fired || !after || !first || !budget)
				fail_msg("no arithmetic in: %s", sc.give_up_why);
			int64_t fired_ms = seconds_text_ms(fired + 24);
			int64_t since_ms = seconds_text_ms(after + 2);
			int64_t first_ms = seconds_text_ms(first + 26);
			int64_t budget_ms = seconds_text_ms(budget + 3);
			assert_int_equal(fired_ms, sc.give_up_ms);
			assert_int_equal(first_ms, sc.retx[sc.n_tlp].at_ms);
			assert_int_equal(since_ms, fired_ms - first_ms);
			assert_int_equal(budget_ms, sc.time_limit_ms);
			assert_true(since_ms >= budget_ms);
			checked++;
		}
	}
	assert_true(checked >= ARRAY_LEN(cases) * ARRAY_LEN(orphan_retries) - 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_defaults_linear_then_doubling),
		cmocka_unit_test(test_syn_linear_zero_is_the_walkthrough),
		cmocka_unit_test(test_syn_time_budget_ends_before_count),
		cmocka_unit_test(test_syn_syncnt_overrides_sysctl),
		cmocka_unit_test(test_syn_user_timeout_replaces_time_limit),
		cmocka_unit_test(test_syn_rto_max_caps_gaps_and_budget),
		cmocka_unit_test(test_syn_rto_min_does_not_matter),
		cmocka_unit_test(test_syn_matches_captures),
		cmocka_unit_test(test_synack_timer_schedule),
		cmocka_unit_test(test_synack_exchange_default_client),
		cmocka_unit_test(test_synack_exchange_late_timer_order),
		cmocka_unit_test(test_synack_exchange_walkthrough_client),
		cmocka_unit_test(test_synack_exchange_matches_captures),
		cmocka_unit_test(test_synack_exchange_rate_limit_and_errors),
		cmocka_unit_test(test_orphan_fin_defaults),
		cmocka_unit_test(test_orphan_fin_matches_capture),
		cmocka_unit_test(test_orphan_retries_sysctl),
		cmocka_unit_test(test_orphan_not_alive_at_rto_max),
		cmocka_unit_test(test_orphan_without_tlp_and_explicit_rto),
		cmocka_unit_test(test_orphan_marginal_budget),
		cmocka_unit_test(test_data_retries2),
		cmocka_unit_test(test_data_user_timeout),
		cmocka_unit_test(test_too_long_schedule_is_refused),
		cmocka_unit_test(test_fin_wait2_and_time_wait),
		cmocka_unit_test(test_linger2),
		cmocka_unit_test(test_allowed_lateness),
		cmocka_unit_test(test_loopback_rto),
		cmocka_unit_test(test_settings_check_and_set),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_explain_vs_walkthrough),
		cmocka_unit_test(test_why_strings_fit_and_names),
		cmocka_unit_test(test_give_up_arithmetic_adds_up),
		cmocka_unit_test(test_keepalive_probes_then_reset),
		cmocka_unit_test(test_keepalive_firing),
		cmocka_unit_test(test_zero_window_probes),
		cmocka_unit_test(rtt_estimator_after_a_delayed_ack),
		cmocka_unit_test(persist_timer_firings),
		cmocka_unit_test(test_probe_timer_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
