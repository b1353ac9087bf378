/*
 * test_sides: sockets to sides from the calls each side made. A server
 * listening on 2018 owns the listener, its request and child sockets; the
 * client's connecting socket is the client's before its port is known (the
 * tracepoint reports SYN_SENT with source port 0) and after; a reset that
 * no socket sent (nothing listens on 2017) speaks for the side the client
 * talks to; a socket no call explains has no side.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/event.h"
#include "lab/sides.h"

static struct tl_tuple tuple(uint16_t sport, uint16_t dport)
{
	return (struct tl_tuple){ .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(dport ? htonl(INADDR_LOOPBACK) : 0),
				  .sport = sport, .dport = dport };
}

static void server_on_its_own_port(void **state)
{
	(void)state;
	struct tl_sides s;
	tl_sides_init(&s);
	tl_sides_bound(&s, TL_SIDE_SERVER, 2018);
	tl_sides_target(&s, TL_SIDE_CLIENT, 2018);
	struct tl_tuple listener = tuple(2018, 0), child = tuple(2018, 40000), unbound = tuple(0, 2018),
			connecting = tuple(40000, 2018);
	assert_int_equal(tl_sides_of_socket(&s, &listener), TL_SIDE_SERVER);
	assert_int_equal(tl_sides_of_socket(&s, &child), TL_SIDE_SERVER);
	assert_int_equal(tl_sides_of_socket(&s, &unbound), TL_SIDE_CLIENT);
	assert_int_equal(tl_sides_of_socket(&s, &connecting), TL_SIDE_CLIENT);
	/* Packets: the SYN-ACK is the server's, the SYN the client's. */
	assert_int_equal(tl_sides_of_sender(&s, &child), TL_SIDE_SERVER);
	assert_int_equal(tl_sides_of_sender(&s, &connecting), TL_SIDE_CLIENT);
	/* The scenario's default port means nothing here. */
	struct tl_tuple other = tuple(2017, 40001);
	assert_int_equal(tl_sides_of_socket(&s, &other), TL_SIDE_NONE);
}

static void reset_from_a_port_nobody_listens_on(void **state)
{
	(void)state;
	struct tl_sides s;
	tl_sides_init(&s);
	tl_sides_target(&s, TL_SIDE_CLIENT, 2017);
	struct tl_tuple rst = tuple(2017, 40000);
	assert_int_equal(tl_sides_of_socket(&s, &rst), TL_SIDE_NONE);
	assert_int_equal(tl_sides_of_sender(&s, &rst), TL_SIDE_SERVER);
}

static void tagging_keeps_what_the_runner_set(void **state)
{
	(void)state;
	struct tl_sides s;
	struct tl_timeline tl;
	tl_sides_init(&s);
	tl_sides_bound(&s, TL_SIDE_SERVER, 2018);
	tl_sides_bound(&s, TL_SIDE_CLIENT, 40000);
	tl_timeline_init(&tl, 0);
	struct tl_event packet = { .kind = TL_EV_PACKET }, call = { .kind = TL_EV_APP, .side = TL_SIDE_CLIENT },
			note = { .kind = TL_EV_NOTE }, snap = { .kind = TL_EV_SNAPSHOT };
	packet.u.packet.tuple = tuple(2018, 40000);
	snap.u.snapshot.rows = calloc(2, sizeof(*snap.u.snapshot.rows));
	assert_non_null(snap.u.snapshot.rows);
	snap.u.snapshot.n = 2;
	snap.u.snapshot.rows[0].tuple = tuple(40000, 2018);
	snap.u.snapshot.rows[1].tuple = tuple(2018, 0);
	assert_int_equal(tl_timeline_append(&tl, &packet), 0);
	assert_int_equal(tl_timeline_append(&tl, &call), 0);
	assert_int_equal(tl_timeline_append(&tl, &note), 0);
	assert_int_equal(tl_timeline_append(&tl, &snap), 0);
	tl_sides_tag(&s, &tl);
	assert_int_equal(tl.ev[0].side, TL_SIDE_SERVER);
	assert_int_equal(tl.ev[1].side, TL_SIDE_CLIENT);
	assert_int_equal(tl.ev[2].side, TL_SIDE_NONE);
	assert_int_equal(tl.ev[3].u.snapshot.rows[0].side, TL_SIDE_CLIENT);
	assert_int_equal(tl.ev[3].u.snapshot.rows[1].side, TL_SIDE_SERVER);
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(server_on_its_own_port),
		cmocka_unit_test(reset_from_a_port_nobody_listens_on),
		cmocka_unit_test(tagging_keeps_what_the_runner_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
