/*
 * Unit tests of the kernel-versus-model comparison: two timelines built
 * packet by packet (tl_packet_build) and prepared as a runner's would be
 * (tl_report_prepare), one standing for the kernel and one for the model.
 * What the kernel may do differently (initial sequence numbers, client
 * ports, timestamp values, timing) must not count; a different flag,
 * length, relative number, window, extra packet, state or late
 * retransmission must.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "analysis/compare.h"
#include "core/event.h"
#include "analysis/packet.h"
#include "core/wire.h"
#include "cli/report.h"

#define SERVER_PORT 2017

enum { S = TL_TH_SYN, A = TL_TH_ACK, F = TL_TH_FIN, P = TL_TH_PSH, R = TL_TH_RST };

/* One run as a test builds it: its client port, initial sequence numbers and timestamp clock. */
struct run {
	struct tl_timeline tl;
	uint16_t client_port;
	uint32_t client_isn, server_isn;
	uint32_t ts_base;
	uint16_t window;
};

static void run_init(struct run *r, uint16_t client_port, uint32_t client_isn, uint32_t server_isn, uint32_t ts_base,
		     uint16_t window)
{
	tl_timeline_init(&r->tl, 0);
	r->client_port = client_port;
	r->client_isn = client_isn;
	r->server_isn = server_isn;
	r->ts_base = ts_base;
	r->window = window;
}

/* nop, nop, TS val/ecr: as on every segment after the SYNs on loopback */
static void ts_option(uint8_t opt[12], uint32_t val, uint32_t ecr)
{
	opt[0] = 1;
	opt[1] = 1;
	opt[2] = 8;
	opt[3] = 10;
	val = htonl(val);
	ecr = htonl(ecr);
	memcpy(opt + 4, &val, 4);
	memcpy(opt + 8, &ecr, 4);
}

/* A packet with seq and ack given relative to the run's initial sequence numbers. */
static void pkt(struct run *r, uint64_t t_us, bool from_client, uint8_t flags, uint32_t rel_seq, uint32_t rel_ack,
		size_t len)
{
	static const uint8_t payload[16] = "hello, world";
	uint8_t opt[12];
	struct tl_tuple t = {
		.saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
		.sport = from_client ? r->client_port : SERVER_PORT, .dport = from_client ? SERVER_PORT : r->client_port,
	};
	uint32_t own = from_client ? r->client_isn : r->server_isn, peer = from_client ? r->server_isn : r->client_isn;
	ts_option(opt, r->ts_base + (uint32_t)(t_us / 1000), r->ts_base ^ 0x5a5a5a5a);
	struct tl_event ev = { .t_ns = t_us * 1000, .kind = TL_EV_PACKET,
			       .side = from_client ? TL_SIDE_CLIENT : TL_SIDE_SERVER };
	assert_int_equal(tl_packet_build(&t, own + rel_seq, (flags & A) ? peer + rel_ack : 0, flags, r->window, opt,
					 sizeof(opt), payload, len, &ev.u.packet),
			 0);
	assert_int_equal(tl_timeline_append(&r->tl, &ev), 0);
}

/* A state change of the client's connection socket or the server's. */
static void state(struct run *r, uint64_t t_us, bool client, enum tl_state from, enum tl_state to)
{
	struct tl_event ev = { .t_ns = t_us * 1000, .kind = TL_EV_STATE,
			       .side = client ? TL_SIDE_CLIENT : TL_SIDE_SERVER };
	ev.u.state.tuple = (struct tl_tuple){
		.saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
		.sport = client ? r->client_port : SERVER_PORT, .dport = client ? SERVER_PORT : r->client_port,
	};
	ev.u.state.sock_id = client ? 1 : 2;
	ev.u.state.from = from;
	ev.u.state.to = to;
	ev.u.state.source = TL_SRC_MODEL;
	assert_int_equal(tl_timeline_append(&r->tl, &ev), 0);
}

/* N5's exchange, with the run's own numbers; t_scale stretches its timing. */
static void client_closes_first(struct run *r, uint64_t t_scale, size_t data_len)
{
	uint64_t t = 0;
	state(r, t += t_scale, true, TL_CLOSE, TL_SYN_SENT);
	pkt(r, t += t_scale, true, S, 0, 0, 0);
	pkt(r, t += t_scale, false, S | A, 0, 1, 0);
	state(r, t += t_scale, true, TL_SYN_SENT, TL_ESTABLISHED);
	pkt(r, t += t_scale, true, A, 1, 1, 0);
	state(r, t += t_scale, false, TL_SYN_RECV, TL_ESTABLISHED);
	pkt(r, t += t_scale, true, P | A, 1, 1, data_len);
	pkt(r, t += t_scale, false, A, 1, 1 + (uint32_t)data_len, 0);
	state(r, t += t_scale, true, TL_ESTABLISHED, TL_FIN_WAIT1);
	pkt(r, t += t_scale, true, F | A, 1 + (uint32_t)data_len, 1, 0);
	state(r, t += t_scale, false, TL_ESTABLISHED, TL_CLOSE_WAIT);
	state(r, t += t_scale, false, TL_CLOSE_WAIT, TL_LAST_ACK);
	pkt(r, t += t_scale, false, F | A, 1, 2 + (uint32_t)data_len, 0);
	state(r, t += t_scale, true, TL_FIN_WAIT1, TL_FIN_WAIT2);
	state(r, t += t_scale, true, TL_FIN_WAIT2, TL_TIME_WAIT);
	pkt(r, t += t_scale, true, A, 2 + (uint32_t)data_len, 2, 0);
	state(r, t += t_scale, false, TL_LAST_ACK, TL_CLOSE);
}

static struct tl_scenario scenario(void)
{
	struct tl_scenario sc;
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.id, sizeof(sc.id), "T1");
	snprintf(sc.host, sizeof(sc.host), "127.0.0.1");
	sc.port = SERVER_PORT;
	return sc;
}

/* Prepares both runs, compares them and returns the count; *text gets what was printed (free it). */
static int compare(struct run *kernel, struct run *model, const struct tl_series_report *ks,
		   const struct tl_series_report *ms, char **text)
{
	static const struct tl_series_report none = { 0 };
	struct tl_scenario sc = scenario();
	size_t len;
	FILE *out = open_memstream(text, &len);
	assert_non_null(out);
	tl_timeline_sort(&kernel->tl);
	tl_timeline_sort(&model->tl);
	assert_int_equal(tl_report_prepare(&sc, &kernel->tl), 0);
	assert_int_equal(tl_report_prepare(&sc, &model->tl), 0);
	int diffs = tl_compare_print(out, &sc, &kernel->tl, ks ? ks : &none, &model->tl, ms ? ms : &none);
	fclose(out);
	return diffs;
}

static void finish(struct run *kernel, struct run *model, char *text)
{
	tl_timeline_free(&kernel->tl);
	tl_timeline_free(&model->tl);
	free(text);
}

static void isn_ports_timestamp_values_and_timing_are_normalised(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	run_init(&k, 51734, 0xfffffff0u, 2157286796u, 1766833208u, 64); /* the client's numbers wrap around 2^32 */
	run_init(&m, 40000, 2298633409u, 4214379870u, 1703865447u, 64);
	client_closes_first(&k, 37, 5);
	client_closes_first(&m, 10, 5);
	int diffs = compare(&k, &m, NULL, NULL, &text);
	if (diffs)
		fail_msg("%d differences:\n%s", diffs, text);
	assert_non_null(strstr(text, "packets   8 of 8 equal"));
	assert_non_null(strstr(text, "server    states equal: SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"));
	assert_non_null(strstr(text, "client    states equal: CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT"));
	assert_non_null(strstr(text, "T1: the model conforms to the kernel"));
	finish(&k, &m, text);
}

static void a_different_length_is_a_difference_shown_side_by_side(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	client_closes_first(&k, 10, 5);
	client_closes_first(&m, 10, 4);
	int diffs = compare(&k, &m, NULL, NULL, &text);
	/* The data, its ACK, both FINs and the last ACK carry the length in their numbers. */
	assert_int_equal(diffs, 5);
	assert_non_null(strstr(text, "packets   8 on the kernel, 8 in the model, 5 differ"));
	assert_non_null(strstr(text, "!   4  client P.  seq 1 ack 1 len 5 data"));
	assert_non_null(strstr(text, "client P.  seq 1 ack 1 len 4 data"));
	assert_non_null(strstr(text, "    1  client S   seq 0 ack - len 0 handshake-1/3"));
	assert_non_null(strstr(text, "same"));
	finish(&k, &m, text);
}

static void a_different_window_is_a_difference_and_shows_the_options(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 128);
	pkt(&k, 10, true, S, 0, 0, 0);
	pkt(&m, 10, true, S, 0, 0, 0);
	assert_int_equal(compare(&k, &m, NULL, NULL, &text), 1);
	assert_non_null(strstr(text, "!   1  client S   seq 0 ack - len 0 handshake-1/3          client S "));
	assert_non_null(strstr(text, "          win 64, options [nop,nop,TS]                        win 128, options [nop,nop,TS]\n"));
	finish(&k, &m, text);
}

static void a_packet_only_the_kernel_sends_is_said_plainly(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	client_closes_first(&k, 10, 5);
	client_closes_first(&m, 10, 5);
	pkt(&k, 1000, false, R, 2, 0, 0); /* a late reset from the server, bare R */
	int diffs = compare(&k, &m, NULL, NULL, &text);
	assert_int_equal(diffs, 1);
	assert_non_null(strstr(text, "!   9  server R   seq 2 ack - len 0 reset"));
	assert_non_null(strstr(text, "- (the model does not send it)"));
	assert_non_null(strstr(text, "T1: 1 difference between the kernel and the model"));
	finish(&k, &m, text);
}

static void a_refused_connection_compares_its_reset_without_a_server_isn(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	/* N1: S, then R. with seq 0 and ack = the SYN's + 1; the server never sent a SYN. */
	run_init(&k, 51734, 123456, 0, 5, 64);
	run_init(&m, 40000, 999, 0, 77, 64);
	pkt(&k, 10, true, S, 0, 0, 0);
	pkt(&k, 20, false, R | A, 0, 1, 0);
	pkt(&m, 10, true, S, 0, 0, 0);
	pkt(&m, 20, false, R | A, 0, 1, 0);
	assert_int_equal(compare(&k, &m, NULL, NULL, &text), 0);
	finish(&k, &m, text);

	/* A reset whose wire sequence number differs is not hidden by normalisation. */
	run_init(&k, 51734, 123456, 0, 5, 64);
	run_init(&m, 40000, 999, 0, 77, 64);
	pkt(&k, 10, true, S, 0, 0, 0);
	pkt(&k, 20, false, R | A, 0, 1, 0);
	pkt(&m, 10, true, S, 0, 0, 0);
	pkt(&m, 20, false, R | A, 5, 1, 0);
	assert_int_equal(compare(&k, &m, NULL, NULL, &text), 1);
	assert_non_null(strstr(text, "server R.  seq abs 0 ack 1 len 0 reset"));
	assert_non_null(strstr(text, "server R.  seq abs 5 ack 1 len 0 reset"));
	finish(&k, &m, text);
}

static void a_different_state_path_is_a_difference(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	client_closes_first(&k, 10, 5);
	client_closes_first(&m, 10, 5);
	state(&m, 1000, true, TL_TIME_WAIT, TL_CLOSE); /* the model's TIME-WAIT ended, the kernel's not */
	int diffs = compare(&k, &m, NULL, NULL, &text);
	assert_int_equal(diffs, 1);
	assert_non_null(strstr(text, "client    states differ\n"
				     "     kernel  CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT\n"
				     "     model   CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE\n"));
	assert_non_null(strstr(text, "server    states equal"));
	finish(&k, &m, text);
}

/* n connections, each a handshake from its own client port with its own initial numbers. */
static void many_handshakes(struct run *r, uint16_t first_port, uint32_t isn_step, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t t = 100 * (i + 1);
		r->client_port = (uint16_t)(first_port + i);
		r->client_isn += isn_step;
		r->server_isn -= isn_step;
		pkt(r, t, true, S, 0, 0, 0);
		pkt(r, t + 10, false, S | A, 0, 1, 0);
		pkt(r, t + 20, true, A, 1, 1, 0);
	}
}

/* Every connection keeps its own number and its own relative numbers, however many there are. */
static void more_than_64_connections_are_told_apart(void **state_)
{
	(void)state_;
	enum { CONNS = 70 };
	struct run k, m;
	char *text;
	run_init(&k, 0, 1000, 7000, 5, 64);
	run_init(&m, 0, 1, 9, 77, 64);
	many_handshakes(&k, 50000, 104729, CONNS);
	many_handshakes(&m, 40000, 7919, CONNS);
	int diffs = compare(&k, &m, NULL, NULL, &text);
	if (diffs)
		fail_msg("%d differences:\n%s", diffs, text);
	assert_non_null(strstr(text, "packets   210 of 210 equal"));
	finish(&k, &m, text);

	/* A difference in the 70th connection is shown as that connection's. */
	run_init(&k, 0, 1000, 7000, 5, 64);
	run_init(&m, 0, 1, 9, 77, 64);
	many_handshakes(&k, 50000, 104729, CONNS);
	many_handshakes(&m, 40000, 7919, CONNS - 1);
	m.client_port = 40000 + CONNS - 1;
	pkt(&m, 100 * CONNS, true, S, 0, 0, 0);
	pkt(&m, 100 * CONNS + 10, false, S | A, 0, 1, 0);
	pkt(&m, 100 * CONNS + 20, true, A, 1, 2, 0); /* acknowledges one more than the kernel */
	assert_int_equal(compare(&k, &m, NULL, NULL, &text), 1);
	assert_non_null(strstr(text, "! 210  client .   seq 1 ack 1 len 0 handshake-3/3 (connection 70)"));
	assert_non_null(strstr(text, "client .   seq 1 ack 2 len 0 ack (connection 70)"));
	finish(&k, &m, text);
}

/* A path longer than the lines print is still compared to its last state. */
static void a_long_state_path_is_compared_whole(void **state_)
{
	(void)state_;
	enum { FLIPS = 80 }; /* 160 states, more than the 128 printed */
	struct run k, m;
	char *text;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	for (uint64_t i = 0; i < FLIPS; i++) {
		bool last = i == FLIPS - 1;
		state(&k, 10 * i + 1, true, TL_ESTABLISHED, TL_FIN_WAIT1);
		state(&k, 10 * i + 2, true, TL_FIN_WAIT1, TL_ESTABLISHED);
		state(&m, 10 * i + 1, true, TL_ESTABLISHED, TL_FIN_WAIT1);
		state(&m, 10 * i + 2, true, TL_FIN_WAIT1, last ? TL_FIN_WAIT2 : TL_ESTABLISHED);
	}
	assert_int_equal(compare(&k, &m, NULL, NULL, &text), 1);
	assert_non_null(strstr(text, "client    states differ\n"));
	assert_non_null(strstr(text, "... (161 states)"));
	finish(&k, &m, text);
}

/* A2 at 4 s: the client's SYN timer and the server's SYN-ACK timer are due at one instant. */
static void syn_and_synack_timers(struct run *r, bool client_first, uint64_t gap_us)
{
	pkt(r, 0, true, S, 0, 0, 0);
	pkt(r, 10, false, S | A, 0, 1, 0);
	uint64_t t = 4000000;
	pkt(r, t, client_first, client_first ? S : S | A, 0, client_first ? 0 : 1, 0);
	pkt(r, t + gap_us, !client_first, client_first ? S | A : S, 0, client_first ? 1 : 0, 0);
}

/* Two sides' sends the model makes at one instant may come in either order; any other swap counts. */
static void sends_at_one_instant_from_both_sides_may_swap(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	syn_and_synack_timers(&k, true, 30);
	syn_and_synack_timers(&m, false, 0);
	int diffs = compare(&k, &m, NULL, NULL, &text);
	if (diffs)
		fail_msg("%d differences:\n%s", diffs, text);
	assert_non_null(strstr(text, "4 on the kernel, 4 in the model, 0 differ, 1 race of timers in another order"));
	assert_non_null(strstr(text, "~   3  client S "));
	assert_non_null(strstr(text, "~ rows 3-4: the model's timers of several sockets fire at one instant"));
	assert_non_null(strstr(text, "order, over 0.030 ms (not counted)"));
	finish(&k, &m, text);

	/* The model sends them 5 ms apart: their order is TCP's, and a swap is two differences. */
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	syn_and_synack_timers(&k, true, 30);
	syn_and_synack_timers(&m, false, 5000);
	assert_int_equal(compare(&k, &m, NULL, NULL, &text), 2);
	assert_null(strstr(text, "~ "));
	finish(&k, &m, text);
}

/* fin-ack-lost at 0.204 s: both sides' FIN timers fire on one tick and each answers the other's resend. */
static void crossing_fins(struct run *r, bool kernel_order, uint32_t last_ack)
{
	pkt(r, 0, true, S, 0, 0, 0);
	pkt(r, 10, false, S | A, 0, 1, 0);
	pkt(r, 20, true, A, 1, 1, 0);
	pkt(r, 100, true, F | A, 1, 1, 0);
	pkt(r, 110, false, F | A, 1, 2, 0);
	uint64_t t = 204000;
	if (kernel_order) { /* the client's timer ran first and was answered before the server's ran */
		pkt(r, t, true, F | A, 1, 1, 0);
		pkt(r, t + 30, false, A, 2, 2, 0);
		pkt(r, t + 2000, false, F | A, 1, 2, 0);
		pkt(r, t + 2030, true, A, 2, last_ack, 0);
	} else {
		pkt(r, t, false, F | A, 1, 2, 0);
		pkt(r, t, true, F | A, 1, 1, 0);
		pkt(r, t + 10, true, A, 2, last_ack, 0);
		pkt(r, t + 10, false, A, 2, 2, 0);
	}
}

/* Two timers' resends and their answers, interleaved otherwise on the kernel: the same packets, no difference. */
static void a_race_of_two_timers_with_answers_may_interleave(void **state_)
{
	(void)state_;
	struct run k, m;
	char *text;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	crossing_fins(&k, true, 2);
	crossing_fins(&m, false, 2);
	int diffs = compare(&k, &m, NULL, NULL, &text);
	if (diffs)
		fail_msg("%d differences:\n%s", diffs, text);
	assert_non_null(strstr(text, "~ rows 6-9: the model's timers of several sockets fire at one instant"));
	assert_non_null(strstr(text, "order, over 2.030 ms (not counted)"));
	finish(&k, &m, text);

	/* The client's answer acknowledges one more on the kernel: not the same packets, so the rows are
	 * compared one by one. */
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	crossing_fins(&k, true, 3);
	crossing_fins(&m, false, 2);
	assert_true(compare(&k, &m, NULL, NULL, &text) > 0);
	assert_null(strstr(text, "~ rows"));
	finish(&k, &m, text);
}

static void syn_series(struct tl_series_report *r, const double *at_ms, size_t n, bool gave_up, double gave_up_ms)
{
	memset(r, 0, sizeof(*r));
	r->n = 1;
	struct tl_series *s = &r->s[0];
	s->kind = TL_SERIES_SYN;
	s->side = TL_SIDE_CLIENT;
	s->tcase = TL_TIMER_SYN_SENT;
	s->n_sends = n;
	s->n_predicted = n;
	for (size_t i = 0; i < n; i++) {
		s->sends[i].at_ms = at_ms[i];
		s->sends[i].what = i ? "retransmission" : "SYN";
		s->sends[i].predicted = true;
		s->sends[i].pred_at_ms = at_ms[i];
		s->sends[i].allowed_late_ms = 38.0 * (double)i;
	}
	s->gave_up = gave_up;
	s->gave_up_ms = gave_up_ms;
}

static void retransmissions_are_compared_within_2_ms_plus_2_percent(void **state_)
{
	(void)state_;
	assert_true(tl_compare_tolerance_ms(0) == 2.0);
	assert_true(tl_compare_tolerance_ms(1000) == 22.0);
	assert_true(tl_compare_tolerance_ms(4000) == 82.0);

	struct run k, m;
	char *text;
	struct tl_series_report *ks = malloc(sizeof(*ks)), *ms = malloc(sizeof(*ms));
	assert_non_null(ks);
	assert_non_null(ms);
	/* Within: 21.9 ms at 1.0219 s (22.4 allowed), 81 ms late at 4 s (82 allowed); give-up not counted. */
	const double kernel_at[] = { 0, 1021.9, 2030, 4081 }, model_at[] = { 0, 1000, 2000, 4000 };
	syn_series(ks, kernel_at, 4, true, 8400);
	syn_series(ms, model_at, 4, true, 8000);
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	int diffs = compare(&k, &m, ks, ms, &text);
	if (diffs)
		fail_msg("%d differences:\n%s", diffs, text);
	assert_non_null(strstr(text, "retransmissions: client SYN-SENT SYN"));
	assert_non_null(strstr(text, "outside (not a retransmission: not counted)"));
	finish(&k, &m, text);

	/* 31 ms late at 1 s: outside 2 ms + 2 %, inside the timer wheel's allowance, so shown and not
	 * counted; 200 ms late at 2 s is outside both; and the model has an extra send. */
	const double late_at[] = { 0, 1031, 2200, 4000 }, more_at[] = { 0, 1000, 2000, 4000, 8000 };
	syn_series(ks, late_at, 4, true, 8000);
	syn_series(ms, more_at, 5, false, 0);
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	diffs = compare(&k, &m, ks, ms, &text);
	assert_int_equal(diffs, 3);
	assert_non_null(strstr(text, "timer wheel: the kernel 31.0 ms late, the wheel allows 38.0 (not counted)"));
	assert_non_null(strstr(text, "DIFFERS: the kernel 200.0 ms later"));
	assert_non_null(strstr(text, "DIFFERS: the kernel does not send it"));
	assert_non_null(strstr(text, "gave up: yes on the kernel, not seen in the model   DIFFERS"));
	finish(&k, &m, text);

	/* A series on one side only. */
	ms->n = 0;
	run_init(&k, 51734, 1000, 7000, 5, 64);
	run_init(&m, 40000, 1, 9, 77, 64);
	assert_int_equal(compare(&k, &m, ks, ms, &text), 1);
	assert_non_null(strstr(text, "client SYN-SENT SYN: 4 sends on the kernel, none in the model   DIFFERS"));
	finish(&k, &m, text);
	free(ks);
	free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_long_state_path_is_compared_whole),
		cmocka_unit_test(sends_at_one_instant_from_both_sides_may_swap),
		cmocka_unit_test(a_race_of_two_timers_with_answers_may_interleave),
		cmocka_unit_test(more_than_64_connections_are_told_apart),
		cmocka_unit_test(isn_ports_timestamp_values_and_timing_are_normalised),
		cmocka_unit_test(a_different_length_is_a_difference_shown_side_by_side),
		cmocka_unit_test(a_different_window_is_a_difference_and_shows_the_options),
		cmocka_unit_test(a_packet_only_the_kernel_sends_is_said_plainly),
		cmocka_unit_test(a_refused_connection_compares_its_reset_without_a_server_isn),
		cmocka_unit_test(a_different_state_path_is_a_difference),
		cmocka_unit_test(retransmissions_are_compared_within_2_ms_plus_2_percent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
