/*
 * Unit tests of the blind-spot filling: TIME-WAIT and orphaned FIN-WAIT-2
 * hand-overs, request sockets placed at their SYN, unbound source ports,
 * and the per-side state paths the checks compare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "core/event.h"
#include "analysis/sockstate.h"


static struct tl_tuple tuple(uint16_t sport, uint16_t dport)
{
	return (struct tl_tuple){ .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(dport ? htonl(INADDR_LOOPBACK) : 0),
				  .sport = sport, .dport = dport };
}

/* As a runner records it: with the side whose socket it is. */
static void add_state(struct tl_timeline *tl, enum tl_side side, uint64_t t, uint64_t id, struct tl_tuple tp,
		      enum tl_state from, enum tl_state to, enum tl_state_source src)
{
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_STATE, .side = side };
	ev.u.state = (struct tl_state_change){ .sock_id = id, .tuple = tp, .from = from, .to = to, .source = src };
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void add_syn(struct tl_timeline *tl, uint64_t t, uint16_t sport, uint16_t dport)
{
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_PACKET };
	ev.u.packet.tuple = tuple(sport, dport);
	ev.u.packet.flags = TL_TH_SYN;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void assert_path(const struct tl_timeline *tl, enum tl_side side, const enum tl_state *want, size_t n)
{
	enum tl_state got[32];
	size_t len = tl_states_path(tl, side, "", got, 32);
	char buf[512] = "";
	for (size_t i = 0; i < len && i < 32; i++) {
		strcat(buf, tl_state_name(got[i]));
		strcat(buf, " ");
	}
	if (len != n)
		fail_msg("%s path has %zu states: %s", tl_side_name(side), len, buf);
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("%s path differs at #%zu: %s", tl_side_name(side), i + 1, buf);
}

static void client_closing_first_reaches_time_wait(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_state(&tl, TL_SIDE_CLIENT, 10, 1, tuple(0, 2017), TL_CLOSE, TL_SYN_SENT, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_CLIENT, 20, 1, tuple(40000, 2017), TL_SYN_SENT, TL_ESTABLISHED, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_CLIENT, 30, 1, tuple(40000, 2017), TL_ESTABLISHED, TL_FIN_WAIT1, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_CLIENT, 40, 1, tuple(40000, 2017), TL_FIN_WAIT1, TL_FIN_WAIT2, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_CLIENT, 50, 1, tuple(40000, 2017), TL_FIN_WAIT2, TL_CLOSE, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_CLIENT, 900, 77, tuple(40000, 2017), TL_STATE_NONE, TL_TIME_WAIT, TL_SRC_SOCK_DIAG);
	tl_states_resolve(&tl);
	assert_int_equal(tl.ev[0].u.state.tuple.sport, 40000); /* filled from the same socket */
	const struct tl_event *last = &tl.ev[tl.n - 1];
	assert_int_equal(last->u.state.to, TL_TIME_WAIT);
	assert_int_equal(last->u.state.source, TL_SRC_TRACEPOINT_DIAG);
	assert_int_equal(last->t_ns, 50); /* the tracepoint's exact time */
	const enum tl_state want[] = { TL_CLOSE, TL_SYN_SENT, TL_ESTABLISHED, TL_FIN_WAIT1,
				       TL_FIN_WAIT2, TL_TIME_WAIT };
	assert_path(&tl, TL_SIDE_CLIENT, want, 6);
	tl_timeline_free(&tl);
}

static void orphaned_fin_wait2_stays_until_it_vanishes(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_state(&tl, TL_SIDE_SERVER, 10, 5, tuple(2017, 0), TL_CLOSE, TL_LISTEN, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 20, 6, tuple(2017, 40000), TL_LISTEN, TL_SYN_RECV, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 21, 6, tuple(2017, 40000), TL_SYN_RECV, TL_ESTABLISHED, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 30, 6, tuple(2017, 40000), TL_ESTABLISHED, TL_FIN_WAIT1, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 31, 6, tuple(2017, 40000), TL_FIN_WAIT1, TL_FIN_WAIT2, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 32, 6, tuple(2017, 40000), TL_FIN_WAIT2, TL_CLOSE, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 40, 9, tuple(2017, 40000), TL_STATE_NONE, TL_FIN_WAIT2, TL_SRC_SOCK_DIAG);
	add_state(&tl, TL_SIDE_SERVER, 2000, 9, tuple(2017, 40000), TL_FIN_WAIT2, TL_CLOSE, TL_SRC_SOCK_DIAG);
	tl_states_resolve(&tl);
	const enum tl_state want[] = { TL_LISTEN, TL_SYN_RECV, TL_ESTABLISHED, TL_FIN_WAIT1,
				       TL_FIN_WAIT2, TL_CLOSE };
	assert_path(&tl, TL_SIDE_SERVER, want, 6);
	/* The tracepoint's early CLOSE became a note; the end is sock_diag's. */
	bool noted = false;
	for (size_t i = 0; i < tl.n; i++)
		if (tl.ev[i].kind == TL_EV_NOTE && strstr(tl.ev[i].u.note, "FIN_WAIT2"))
			noted = true;
	assert_true(noted);
	assert_int_equal(tl.ev[tl.n - 1].t_ns, 2000);
	tl_timeline_free(&tl);
}

static void request_socket_starts_at_its_syn(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_syn(&tl, 100, 40000, 2017);
	add_state(&tl, TL_SIDE_SERVER, 1500, 3, tuple(2017, 40000), TL_STATE_NONE, TL_NEW_SYN_RECV, TL_SRC_SOCK_DIAG);
	add_state(&tl, TL_SIDE_SERVER, 9000, 3, tuple(2017, 40000), TL_NEW_SYN_RECV, TL_CLOSE, TL_SRC_SOCK_DIAG);
	tl_states_resolve(&tl);
	assert_int_equal(tl.ev[1].kind, TL_EV_STATE);
	assert_int_equal(tl.ev[1].t_ns, 100);
	assert_int_equal(tl.ev[1].u.state.to, TL_SYN_RECV);
	const enum tl_state want[] = { TL_LISTEN, TL_SYN_RECV, TL_CLOSE };
	assert_path(&tl, TL_SIDE_SERVER, want, 3);
	tl_timeline_free(&tl);
}

static void a_dropped_request_ends_before_its_successor_starts(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_syn(&tl, 100, 40000, 2017);
	add_state(&tl, TL_SIDE_SERVER, 1500, 3, tuple(2017, 40000), TL_STATE_NONE, TL_SYN_RECV, TL_SRC_SOCK_DIAG);
	add_syn(&tl, 5000000, 40000, 2017); /* the first request is gone: this SYN makes a new one */
	/* One dump sees both: the first request gone and its successor new. */
	add_state(&tl, TL_SIDE_SERVER, 5001000, 3, tuple(2017, 40000), TL_SYN_RECV, TL_CLOSE, TL_SRC_SOCK_DIAG);
	add_state(&tl, TL_SIDE_SERVER, 5001000, 4, tuple(2017, 40000), TL_STATE_NONE, TL_SYN_RECV, TL_SRC_SOCK_DIAG);
	tl_states_resolve(&tl);
	const enum tl_state want[] = { TL_LISTEN, TL_SYN_RECV, TL_CLOSE, TL_LISTEN, TL_SYN_RECV };
	assert_path(&tl, TL_SIDE_SERVER, want, 5);
	uint64_t first_born = 0, second_born = 0;
	for (size_t i = 0; i < tl.n; i++)
		if (tl.ev[i].kind == TL_EV_STATE && tl.ev[i].u.state.to == TL_SYN_RECV)
			*(tl.ev[i].u.state.sock_id == 3 ? &first_born : &second_born) = tl.ev[i].t_ns;
	assert_int_equal(first_born, 100);     /* its own SYN, not the later one */
	assert_int_equal(second_born, 5000000);
	tl_timeline_free(&tl);
}

/*
 * A request that lives long enough for sock_diag to see it (its SYN-ACK was
 * lost) and then becomes the child: the tracepoint's LISTEN -> SYN_RECV for
 * the child continues the request's SYN_RECV, it is not a second one.
 */
static void a_seen_request_and_its_child_are_one_syn_recv(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_state(&tl, TL_SIDE_SERVER, 10, 5, tuple(2017, 0), TL_CLOSE, TL_LISTEN, TL_SRC_TRACEPOINT);
	add_syn(&tl, 100, 40000, 2017);
	add_state(&tl, TL_SIDE_SERVER, 1500, 3, tuple(2017, 40000), TL_STATE_NONE, TL_NEW_SYN_RECV, TL_SRC_SOCK_DIAG);
	add_state(&tl, TL_SIDE_SERVER, 5000, 9, tuple(2017, 40000), TL_LISTEN, TL_SYN_RECV, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 5001, 9, tuple(2017, 40000), TL_SYN_RECV, TL_ESTABLISHED, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 6000, 3, tuple(2017, 40000), TL_NEW_SYN_RECV, TL_CLOSE, TL_SRC_SOCK_DIAG);
	tl_states_resolve(&tl);
	const enum tl_state want[] = { TL_LISTEN, TL_SYN_RECV, TL_ESTABLISHED };
	assert_path(&tl, TL_SIDE_SERVER, want, 3);
	bool noted = false;
	for (size_t i = 0; i < tl.n; i++)
		noted |= tl.ev[i].kind == TL_EV_NOTE && strstr(tl.ev[i].u.note, "became a full socket");
	assert_true(noted);
	tl_timeline_free(&tl);
}

static void listener_is_not_part_of_the_server_path(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_state(&tl, TL_SIDE_SERVER, 10, 5, tuple(2017, 0), TL_CLOSE, TL_LISTEN, TL_SRC_TRACEPOINT);
	add_state(&tl, TL_SIDE_SERVER, 99, 5, tuple(2017, 0), TL_LISTEN, TL_CLOSE, TL_SRC_TRACEPOINT);
	tl_states_resolve(&tl);
	assert_path(&tl, TL_SIDE_SERVER, NULL, 0);
	tl_timeline_free(&tl);
}

/*
 * A pile: 2,000 connections one after another, each socket at the address
 * the one before freed (the kernel reuses it), each ending in a time-wait
 * socket. Every first change takes its port from its own socket's next
 * change, and every hand-over finds its own CLOSE, not a neighbour's.
 */
static void a_pile_of_reused_sockets_keeps_each_its_own(void **state)
{
	(void)state;
	enum { N = 2000 };
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	for (uint64_t i = 0; i < N; i++) {
		uint16_t port = (uint16_t)(40000 + i);
		uint64_t t = i * 1000;
		add_state(&tl, TL_SIDE_CLIENT, t, 7, tuple(0, 2017), TL_CLOSE, TL_SYN_SENT, TL_SRC_TRACEPOINT);
		add_state(&tl, TL_SIDE_CLIENT, t + 1, 7, tuple(port, 2017), TL_SYN_SENT, TL_ESTABLISHED, TL_SRC_TRACEPOINT);
		add_state(&tl, TL_SIDE_CLIENT, t + 2, 7, tuple(port, 2017), TL_ESTABLISHED, TL_CLOSE, TL_SRC_TRACEPOINT);
		add_state(&tl, TL_SIDE_CLIENT, t + 3, 100 + i, tuple(port, 2017), TL_STATE_NONE, TL_TIME_WAIT,
			  TL_SRC_SOCK_TIMER);
	}
	assert_int_equal(tl_states_resolve(&tl), 0);
	assert_int_equal(tl.n, 3 * N); /* each sighting merged into its CLOSE */
	for (size_t i = 0; i < N; i++) {
		const struct tl_event *first = &tl.ev[3 * i], *last = &tl.ev[3 * i + 2];
		assert_int_equal(first->u.state.tuple.sport, 40000 + i);
		assert_int_equal(last->u.state.to, TL_TIME_WAIT);
		assert_int_equal(last->u.state.tuple.sport, 40000 + i);
		assert_int_equal(last->t_ns, i * 1000 + 2);
	}
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_closing_first_reaches_time_wait),
		cmocka_unit_test(orphaned_fin_wait2_stays_until_it_vanishes),
		cmocka_unit_test(request_socket_starts_at_its_syn),
		cmocka_unit_test(a_dropped_request_ends_before_its_successor_starts),
		cmocka_unit_test(listener_is_not_part_of_the_server_path),
		cmocka_unit_test(a_seen_request_and_its_child_are_one_syn_recv),
		cmocka_unit_test(a_pile_of_reused_sockets_keeps_each_its_own),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
