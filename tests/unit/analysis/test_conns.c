/*
 * Unit tests of the named connections: events tied to a connection by the
 * ports its connect or accept recorded, two connections on one 4-tuple kept
 * apart (the old one's time-wait socket ends when the new one's SYN comes),
 * and the per-connection state paths the checks compare.
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

#include "core/event.h"
#include "analysis/conns.h"
#include "analysis/sockstate.h"

static struct tl_tuple tuple(uint16_t sport, uint16_t dport)
{
	return (struct tl_tuple){ .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
				  .sport = sport, .dport = dport };
}

static void add_call(struct tl_timeline *tl, enum tl_side side, uint64_t called, uint64_t t, const char *verb,
		     const char *conn, uint16_t local, uint16_t peer)
{
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_APP, .side = side };
	snprintf(ev.u.app.verb, sizeof(ev.u.app.verb), "%s", verb);
	snprintf(ev.u.app.conn, sizeof(ev.u.app.conn), "%s", conn);
	ev.u.app.called_ns = called;
	ev.u.app.local_port = local;
	ev.u.app.peer_port = peer;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void add_state(struct tl_timeline *tl, enum tl_side side, uint64_t t, uint64_t id, struct tl_tuple tp,
		      enum tl_state from, enum tl_state to)
{
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_STATE, .side = side };
	ev.u.state = (struct tl_state_change){ .sock_id = id, .tuple = tp, .from = from, .to = to,
					       .source = TL_SRC_MODEL };
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void add_packet(struct tl_timeline *tl, enum tl_side side, uint64_t t, struct tl_tuple tp)
{
	struct tl_event ev = { .t_ns = t, .kind = TL_EV_PACKET, .side = side };
	ev.u.packet.tuple = tp;
	ev.u.packet.flags = TL_TH_ACK;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static size_t path(const struct tl_timeline *tl, enum tl_side side, const char *conn, enum tl_state *out)
{
	return tl_states_path(tl, side, conn, out, 16);
}

/* Two clients at once: each event goes to the connection whose ports it carries. */
static void events_follow_their_ports(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_call(&tl, TL_SIDE_CLIENT, 5, 30, "connect", "a", 40001, 2017);
	add_state(&tl, TL_SIDE_CLIENT, 10, 1, tuple(40001, 2017), TL_CLOSE, TL_SYN_SENT);
	add_state(&tl, TL_SIDE_SERVER, 15, 2, tuple(2017, 40001), TL_LISTEN, TL_SYN_RECV);
	add_state(&tl, TL_SIDE_CLIENT, 20, 1, tuple(40001, 2017), TL_SYN_SENT, TL_ESTABLISHED);
	add_call(&tl, TL_SIDE_CLIENT, 31, 60, "connect", "b", 40002, 2017);
	add_state(&tl, TL_SIDE_CLIENT, 40, 3, tuple(40002, 2017), TL_CLOSE, TL_SYN_SENT);
	add_packet(&tl, TL_SIDE_CLIENT, 41, tuple(40002, 2017));
	add_packet(&tl, TL_SIDE_CLIENT, 42, tuple(40001, 2017));
	add_call(&tl, TL_SIDE_SERVER, 70, 80, "accept", "", 2017, 40001);
	tl_timeline_sort(&tl);
	assert_true(tl_conns_named(&tl, TL_SIDE_CLIENT));
	assert_false(tl_conns_named(&tl, TL_SIDE_SERVER));
	assert_int_equal(tl_conns_tag(&tl), 0);
	for (size_t i = 0; i < tl.n; i++) {
		const struct tl_event *ev = &tl.ev[i];
		uint16_t local = ev->kind == TL_EV_PACKET ? ev->u.packet.tuple.sport
				 : ev->kind == TL_EV_STATE ? ev->u.state.tuple.sport : ev->u.app.local_port;
		const char *want = ev->side == TL_SIDE_SERVER ? "" : local == 40001 ? "a" : "b";
		assert_string_equal(ev->conn, want);
	}
	enum tl_state got[16];
	assert_int_equal(path(&tl, TL_SIDE_CLIENT, "a", got), 3);
	assert_int_equal(got[2], TL_ESTABLISHED);
	assert_int_equal(path(&tl, TL_SIDE_CLIENT, "b", got), 2);
	assert_int_equal(path(&tl, TL_SIDE_CLIENT, "", got), 0);
	/* A side that names none has one path of all its connection sockets, whatever conn says. */
	assert_int_equal(path(&tl, TL_SIDE_SERVER, "x", got), 2);
	tl_timeline_free(&tl);
}

/*
 * The server's old connection on 2017/40001 waits in TIME-WAIT; a new SYN on
 * the same 4-tuple makes the new connection's request socket, then ends the
 * old time-wait socket (first seen by its own id then). The end, and a
 * TIME-WAIT row listed after the new accept began, are the old connection's;
 * the request the new one's, though its accept comes later.
 */
static void one_four_tuple_two_connections(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_state(&tl, TL_SIDE_SERVER, 10, 1, tuple(2017, 40001), TL_LISTEN, TL_SYN_RECV);
	add_state(&tl, TL_SIDE_SERVER, 11, 1, tuple(2017, 40001), TL_SYN_RECV, TL_ESTABLISHED);
	add_call(&tl, TL_SIDE_SERVER, 5, 12, "accept", "old", 2017, 40001);
	add_state(&tl, TL_SIDE_SERVER, 20, 1, tuple(2017, 40001), TL_ESTABLISHED, TL_FIN_WAIT1);
	add_state(&tl, TL_SIDE_SERVER, 30, 9, tuple(2017, 40001), TL_FIN_WAIT2, TL_TIME_WAIT);
	add_state(&tl, TL_SIDE_SERVER, 50, 1, tuple(2017, 40001), TL_LISTEN, TL_SYN_RECV); /* the kernel reused id 1 */
	add_state(&tl, TL_SIDE_SERVER, 51, 10, tuple(2017, 40001), TL_TIME_WAIT, TL_CLOSE); /* the tw socket's own id */
	add_state(&tl, TL_SIDE_SERVER, 52, 1, tuple(2017, 40001), TL_SYN_RECV, TL_ESTABLISHED);
	add_call(&tl, TL_SIDE_SERVER, 40, 60, "accept", "new", 2017, 40001);
	struct tl_event snap = { .t_ns = 45, .kind = TL_EV_SNAPSHOT }; /* after the new accept began */
	snap.u.snapshot.n = 1;
	snap.u.snapshot.rows = calloc(1, sizeof(struct tl_sock_row));
	assert_non_null(snap.u.snapshot.rows);
	snap.u.snapshot.rows[0] = (struct tl_sock_row){ .tuple = tuple(2017, 40001), .state = TL_TIME_WAIT,
							.side = TL_SIDE_SERVER };
	assert_int_equal(tl_timeline_append(&tl, &snap), 0);
	tl_timeline_sort(&tl);
	assert_int_equal(tl_conns_tag(&tl), 0);
	enum tl_state got[16];
	const enum tl_state old_path[] = { TL_LISTEN, TL_SYN_RECV, TL_ESTABLISHED, TL_FIN_WAIT1,
					   TL_FIN_WAIT2, TL_TIME_WAIT, TL_CLOSE };
	assert_int_equal(path(&tl, TL_SIDE_SERVER, "old", got), 7);
	assert_memory_equal(got, old_path, sizeof(old_path));
	const enum tl_state new_path[] = { TL_LISTEN, TL_SYN_RECV, TL_ESTABLISHED };
	assert_int_equal(path(&tl, TL_SIDE_SERVER, "new", got), 3);
	assert_memory_equal(got, new_path, sizeof(new_path));
	for (size_t i = 0; i < tl.n; i++)
		if (tl.ev[i].kind == TL_EV_SNAPSHOT)
			assert_string_equal(tl.ev[i].u.snapshot.rows[0].conn, "old");
	tl_timeline_free(&tl);
}

/* Without a name anywhere nothing is tagged and the paths are the sides' as before. */
static void no_names_no_tags(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_call(&tl, TL_SIDE_CLIENT, 5, 30, "connect", "", 40001, 2017);
	add_state(&tl, TL_SIDE_CLIENT, 10, 1, tuple(40001, 2017), TL_CLOSE, TL_SYN_SENT);
	tl_timeline_sort(&tl);
	assert_int_equal(tl_conns_tag(&tl), 0);
	for (size_t i = 0; i < tl.n; i++)
		assert_string_equal(tl.ev[i].conn, "");
	tl_timeline_free(&tl);
}

/* A flood's request sockets and packets are the flood's: the server's own connection keeps its one path. */
static void flood_peers_are_not_the_connection(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	struct tl_tuple spoofed = tuple(2017, 1024);
	assert_true(tl_addr_parse("10.0.0.1", &spoofed.daddr));
	add_packet(&tl, TL_SIDE_CLIENT, 5, tl_tuple_reverse(&spoofed));
	add_state(&tl, TL_SIDE_SERVER, 6, 9, spoofed, TL_LISTEN, TL_SYN_RECV);
	add_state(&tl, TL_SIDE_SERVER, 15, 2, tuple(2017, 40001), TL_LISTEN, TL_SYN_RECV);
	add_state(&tl, TL_SIDE_SERVER, 16, 2, tuple(2017, 40001), TL_SYN_RECV, TL_ESTABLISHED);
	add_call(&tl, TL_SIDE_SERVER, 1, 20, "accept", "", 2017, 40001);
	assert_int_equal(tl_conns_tag(&tl), 0);
	assert_string_equal(tl.ev[0].conn, TL_CONN_FLOOD);
	assert_string_equal(tl.ev[1].conn, TL_CONN_FLOOD);
	assert_string_equal(tl.ev[2].conn, "");
	enum tl_state p[16];
	assert_int_equal(path(&tl, TL_SIDE_SERVER, "", p), 3);
	assert_int_equal(p[0], TL_LISTEN);
	assert_int_equal(p[1], TL_SYN_RECV);
	assert_int_equal(p[2], TL_ESTABLISHED);
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(events_follow_their_ports),
		cmocka_unit_test(one_four_tuple_two_connections),
		cmocka_unit_test(no_names_no_tags),
		cmocka_unit_test(flood_peers_are_not_the_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
