/*
 * Unit tests of causal order: events whose clock put them a few
 * microseconds on the wrong side of the packet that caused them (or that
 * they caused) are placed by cause, and nothing else moves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "analysis/causal.h"
#include "core/event.h"
#include "core/wire.h"

#define CLIENT 40000
#define SERVER 2017
#define US 1000ull

enum { S = TL_TH_SYN, A = TL_TH_ACK, F = TL_TH_FIN, R = TL_TH_RST };

static struct tl_tuple tuple(bool from_client)
{
	return (struct tl_tuple){
		.saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
		.sport = from_client ? CLIENT : SERVER, .dport = from_client ? SERVER : CLIENT,
	};
}

static void packet(struct tl_timeline *tl, uint64_t t_ns, bool from_client, uint8_t flags, uint32_t seq,
		   bool dropped)
{
	struct tl_tuple t = tuple(from_client);
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_PACKET };
	assert_int_equal(tl_packet_build(&t, seq, 0, flags, 512, NULL, 0, NULL, 0, &ev.u.packet), 0);
	ev.u.packet.dropped = dropped;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void state(struct tl_timeline *tl, uint64_t t_ns, bool client, enum tl_state from, enum tl_state to)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_STATE };
	ev.u.state.tuple = tuple(client);
	ev.u.state.from = from;
	ev.u.state.to = to;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void reset(struct tl_timeline *tl, uint64_t t_ns, bool client_end, bool sent)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_RESET };
	ev.u.reset.sent = sent;
	ev.u.reset.tuple = tuple(client_end);
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void retrans(struct tl_timeline *tl, uint64_t t_ns, bool client, uint32_t seq)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_RETRANS };
	ev.u.retrans.tuple = tuple(client);
	ev.u.retrans.seq = seq;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

/* The kinds of the timeline in order, one letter each: P packet, S state, T retransmission, R reset, N note. */
static void expect_kinds(const struct tl_timeline *tl, const char *want)
{
	char got[64] = "";
	for (size_t i = 0; i < tl->n && i + 1 < sizeof(got); i++)
		got[i] = "PSAZTRDN"[tl->ev[i].kind];
	assert_string_equal(got, want);
	for (size_t i = 1; i < tl->n; i++)
		assert_true(tl->ev[i - 1].t_ns <= tl->ev[i].t_ns);
}

static void rst_received_before_the_rst_moves_after_it(void **st)
{
	(void)st;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	packet(&tl, 100 * US, true, S, 1, false);
	reset(&tl, 104 * US, false, true);		  /* the server's kernel sends it */
	reset(&tl, 106 * US, true, false);		  /* the client receives it: 3 us early */
	state(&tl, 107 * US, true, TL_SYN_SENT, TL_CLOSE); /* and closes: 2 us early */
	packet(&tl, 109 * US, false, R | A, 0, false);
	tl_timeline_sort(&tl);
	assert_int_equal(tl_causal_order(&tl), 2);
	expect_kinds(&tl, "PRPRSN");
	assert_int_equal(tl.ev[3].t_ns, 109 * US + 1);
	assert_non_null(strstr(tl.ev[5].u.note, "2 events placed by cause"));
	assert_non_null(strstr(tl.ev[5].u.note, "up to 3 us"));
	tl_timeline_free(&tl);
}

static void sends_move_before_the_packet_they_cause(void **st)
{
	(void)st;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	packet(&tl, 50 * US, true, S, 7, false);
	state(&tl, 52 * US, true, TL_CLOSE, TL_SYN_SENT); /* traced after the capture stamped its SYN */
	packet(&tl, 1000 * US, true, S, 7, false);
	retrans(&tl, 1003 * US, true, 7); /* the retransmission event after its packet */
	tl_timeline_sort(&tl);
	assert_int_equal(tl_causal_order(&tl), 2);
	expect_kinds(&tl, "SNPTP");
	assert_int_equal(tl.ev[0].t_ns, 50 * US - 1);
	assert_int_equal(tl.ev[3].t_ns, 1000 * US - 1);
	tl_timeline_free(&tl);
}

static void causal_timelines_stay_as_they_are(void **st)
{
	(void)st;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	state(&tl, 10 * US, true, TL_CLOSE, TL_SYN_SENT);
	packet(&tl, 11 * US, true, S, 1, false);
	state(&tl, 12 * US, false, TL_LISTEN, TL_SYN_RECV);
	packet(&tl, 13 * US, false, S | A, 9, false);
	state(&tl, 14 * US, true, TL_SYN_SENT, TL_ESTABLISHED);
	packet(&tl, 15 * US, true, A, 2, false);
	state(&tl, 16 * US, false, TL_SYN_RECV, TL_ESTABLISHED);
	state(&tl, 30 * US, false, TL_ESTABLISHED, TL_FIN_WAIT1);
	packet(&tl, 31 * US, false, F | A, 10, false);
	state(&tl, 32 * US, true, TL_ESTABLISHED, TL_CLOSE_WAIT);
	tl_timeline_sort(&tl);
	assert_int_equal(tl_causal_order(&tl), 0);
	expect_kinds(&tl, "SPSPSPSSPS");
	tl_timeline_free(&tl);
}

static void no_cause_in_reach_means_no_move(void **st)
{
	(void)st;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	/* A FIN-WAIT-2 ending by its timer: no FIN arrived, the next packet is unrelated. */
	state(&tl, 10 * US, false, TL_FIN_WAIT1, TL_FIN_WAIT2);
	packet(&tl, 10 * US + TL_CAUSAL_WINDOW_NS + 1, true, A, 5, false);
	/* An ACK the firewall dropped did not arrive: it causes nothing. */
	state(&tl, 5000 * US, true, TL_SYN_RECV, TL_ESTABLISHED);
	packet(&tl, 5001 * US, false, A, 5, true);
	/* A packet in the other direction is no cause either. */
	state(&tl, 9000 * US, true, TL_ESTABLISHED, TL_CLOSE_WAIT);
	packet(&tl, 9001 * US, true, F | A, 5, false);
	tl_timeline_sort(&tl);
	assert_int_equal(tl_causal_order(&tl), 0);
	expect_kinds(&tl, "SPSPSP");
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rst_received_before_the_rst_moves_after_it),
		cmocka_unit_test(sends_move_before_the_packet_they_cause),
		cmocka_unit_test(causal_timelines_stay_as_they_are),
		cmocka_unit_test(no_cause_in_reach_means_no_move),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
