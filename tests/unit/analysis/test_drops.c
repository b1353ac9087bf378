/*
 * Unit tests of joining drop reports to captured packets. Each drop has two
 * witnesses (the rule's NFLOG report, with its name, and kfree_skb, without)
 * and equal packets can leave microseconds apart (a SYN-ACK from the
 * request timer and one answering a duplicate SYN): every dropped packet
 * must be marked, once, and a drop no packet matches must stay visible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "analysis/drops.h"
#include "core/wire.h"

/* 127.0.0.1 in tl_addr's mapped form (core/addr.h), as a constant. */
#define LOOPBACK_ADDR { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 } }
static const struct tl_tuple synack_tuple = {
	.saddr = LOOPBACK_ADDR, .daddr = LOOPBACK_ADDR, .sport = 2017, .dport = 40000,
};

static void synack(struct tl_timeline *tl, uint64_t t_ns)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_PACKET, .side = TL_SIDE_SERVER };
	assert_int_equal(tl_packet_build(&synack_tuple, 7000, 1001, TL_TH_SYN | TL_TH_ACK, 64, NULL, 0, NULL, 0,
					 &ev.u.packet),
			 0);
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void drop(struct tl_timeline *tl, uint64_t t_ns, const char *rule)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_DROP, .side = TL_SIDE_SERVER };
	ev.u.drop.tuple = synack_tuple;
	ev.u.drop.seq = 7000;
	ev.u.drop.flags = TL_TH_SYN | TL_TH_ACK;
	snprintf(ev.u.drop.rule, sizeof(ev.u.drop.rule), "%s", rule);
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static size_t count(const struct tl_timeline *tl, enum tl_event_kind kind, bool dropped)
{
	size_t n = 0;
	for (size_t i = 0; i < tl->n; i++)
		n += tl->ev[i].kind == kind && (kind != TL_EV_PACKET || tl->ev[i].u.packet.dropped == dropped);
	return n;
}

static void equal_packets_microseconds_apart_are_each_marked(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	/* Both witnesses stamp nearer the second packet than the first. */
	synack(&tl, 1000000);
	synack(&tl, 1000012);
	drop(&tl, 1000010, "");
	drop(&tl, 1000011, "drop-from-server");
	drop(&tl, 1000013, "");
	drop(&tl, 1000014, "drop-from-server");
	tl_timeline_sort(&tl);
	tl_drops_attach(&tl);
	assert_int_equal(count(&tl, TL_EV_PACKET, true), 2);
	assert_int_equal(count(&tl, TL_EV_PACKET, false), 0);
	assert_int_equal(count(&tl, TL_EV_DROP, false), 0);
	for (size_t i = 0; i < tl.n; i++)
		assert_string_equal(tl.ev[i].u.packet.drop_rule, "drop-from-server");
	tl_timeline_free(&tl);
}

static void one_witness_alone_marks_one_packet(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	/* One drop seen twice, the other packet passed: only one is marked. */
	synack(&tl, 1000000);
	synack(&tl, 1000012);
	drop(&tl, 1000003, "");
	drop(&tl, 1000004, "drop-from-server");
	tl_timeline_sort(&tl);
	tl_drops_attach(&tl);
	assert_int_equal(count(&tl, TL_EV_PACKET, true), 1);
	assert_int_equal(count(&tl, TL_EV_PACKET, false), 1);
	assert_true(tl.ev[0].u.packet.dropped);
	tl_timeline_free(&tl);
}

static void a_drop_without_its_packet_stays_visible(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	synack(&tl, 1000000);
	drop(&tl, 1000003, "drop-from-server");
	drop(&tl, 9000000, "drop-from-server"); /* 8 ms later: not this packet's */
	tl_timeline_sort(&tl);
	tl_drops_attach(&tl);
	assert_int_equal(count(&tl, TL_EV_PACKET, true), 1);
	assert_int_equal(count(&tl, TL_EV_DROP, false), 1);
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equal_packets_microseconds_apart_are_each_marked),
		cmocka_unit_test(one_witness_alone_marks_one_packet),
		cmocka_unit_test(a_drop_without_its_packet_stays_visible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
