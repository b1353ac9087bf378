/*
 * Unit tests of an inject step's segment: it follows the newest segment the
 * connection's own socket sent (its data, SYN and FIN counted), with that
 * one's ack, window and timestamps, moved by the step's offsets; segments
 * injected before are not the connection's.
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

#include "core/wire.h"
#include "scenario/inject.h"

static void add_connect(struct tl_timeline *tl, const char *conn, uint16_t local)
{
	struct tl_event ev = { .t_ns = tl->n + 1, .kind = TL_EV_APP, .side = TL_SIDE_CLIENT };
	snprintf(ev.u.app.verb, sizeof(ev.u.app.verb), "connect");
	snprintf(ev.u.app.conn, sizeof(ev.u.app.conn), "%s", conn);
	ev.u.app.local_port = local;
	ev.u.app.peer_port = 2017;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void add_sent(struct tl_timeline *tl, uint16_t local, uint8_t flags, uint32_t seq, uint32_t ack, size_t len,
		     bool injected)
{
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 77, 0, 0, 0, 99 };
	struct tl_tuple t = { .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
			      .sport = local, .dport = 2017 };
	struct tl_event ev = { .t_ns = tl->n + 1, .kind = TL_EV_PACKET, .side = TL_SIDE_CLIENT };
	assert_int_equal(tl_packet_build(&t, seq, ack, flags, 300, ts, sizeof(ts), (const uint8_t *)"abcd", len,
					 &ev.u.packet), 0);
	ev.u.packet.injected = injected;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void follows_the_connections_newest_segment(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	struct tl_step st = { .kind = TL_STEP_INJECT, .side = TL_SIDE_CLIENT, .line = 9, .inject_flags = TL_TH_RST };
	struct tl_inject_plan plan;
	char why[128];
	assert_int_equal(tl_inject_plan(&tl, &st, &plan, why, sizeof(why)), -1);
	assert_string_equal(why, "client has no connection yet: inject follows its connect or accept");
	add_connect(&tl, "", 40000);
	assert_int_equal(tl_inject_plan(&tl, &st, &plan, why, sizeof(why)), -1);
	assert_string_equal(why, "client has sent no segment yet to follow");

	add_sent(&tl, 40000, TL_TH_SYN, 100, 0, 0, false);
	add_sent(&tl, 40001, TL_TH_ACK, 7000, 1, 0, false); /* another connection's */
	add_sent(&tl, 40000, TL_TH_PSH | TL_TH_ACK, 101, 501, 4, false);
	add_sent(&tl, 40000, TL_TH_SYN, 9999, 0, 0, true); /* injected before: skipped */
	assert_int_equal(tl_inject_plan(&tl, &st, &plan, why, sizeof(why)), 0);
	assert_int_equal(plan.seq, 105);
	assert_int_equal(plan.ack, 501);
	assert_int_equal(plan.flags, TL_TH_RST);
	assert_int_equal(plan.window, 300);
	assert_true(plan.ts_set);
	assert_int_equal(plan.ts_val, 77);
	assert_int_equal(plan.ts_ecr, 99);
	assert_int_equal(plan.tuple.sport, 40000);

	add_sent(&tl, 40000, TL_TH_FIN | TL_TH_ACK, 105, 501, 0, false);
	st.inject_seq_offset = -1;
	st.inject_ack_offset = 2;
	assert_int_equal(tl_inject_plan(&tl, &st, &plan, why, sizeof(why)), 0);
	assert_int_equal(plan.seq, 105); /* after the FIN (106), one back */
	assert_int_equal(plan.ack, 503);
	/* The capture's copy of the planned segment is recognised, and only it. */
	struct tl_packet sent;
	assert_int_equal(tl_packet_build(&plan.tuple, plan.seq, plan.ack, plan.flags, plan.window, NULL, 0, NULL, 0,
					 &sent), 0);
	assert_true(tl_inject_matches(&plan, &sent));
	sent.seq++;
	assert_false(tl_inject_matches(&plan, &sent));
	free(sent.bytes);
	free(sent.text);

	/* A named connection follows its own calls only. */
	st.conn[0] = 'b';
	assert_int_equal(tl_inject_plan(&tl, &st, &plan, why, sizeof(why)), -1);
	assert_string_equal(why, "client:b has no connection yet: inject follows its connect or accept");
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(follows_the_connections_newest_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
