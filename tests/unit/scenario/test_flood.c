/*
 * Unit tests of the flood's SYNs: each from its own spoofed address of the
 * family's prefix, which nothing in the lab owns, with the options of a
 * real client, and the same SYN for the same number every time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "core/addr.h"
#include "core/wire.h"
#include "model/tcp_model.h"
#include "scenario/flood.h"

static struct tl_addr addr(const char *text)
{
	struct tl_addr a;
	assert_true(tl_addr_parse(text, &a));
	return a;
}

static void sources_are_numbered_hosts_of_the_prefix(void **state)
{
	(void)state;
	struct tl_addr target = addr("127.0.0.1");
	struct tl_flood_syn a, b;
	tl_flood_syn(&target, 2017, 0, &a);
	tl_flood_syn(&target, 2017, 299, &b);
	struct tl_addr first = addr("10.0.0.1"), want = addr("10.0.1.44"); /* host 300 = 256 + 44 */
	assert_true(tl_addr_equal(&a.tuple.saddr, &first));
	assert_true(tl_addr_equal(&b.tuple.saddr, &want));
	assert_true(tl_addr_equal(&a.tuple.daddr, &target));
	assert_int_equal(a.tuple.dport, 2017);
	assert_int_equal(a.tuple.sport, 1024);
	assert_int_equal(b.tuple.sport, 1024 + 299);
	assert_int_not_equal(a.seq, b.seq);
	struct tl_flood_syn again;
	tl_flood_syn(&target, 2017, 299, &again);
	assert_memory_equal(&again, &b, sizeof(b));

	struct tl_addr target6 = addr("::1"), want6 = addr("fd00:2017::2");
	tl_flood_syn(&target6, 2017, 1, &a);
	assert_true(tl_addr_equal(&a.tuple.saddr, &want6));
}

static void only_the_prefix_is_a_source(void **state)
{
	(void)state;
	const char *inside[] = { "10.0.0.1", "10.255.255.254", "fd00:2017::1", "fd00:2017::ffff:1" };
	const char *outside[] = { "127.0.0.1", "11.0.0.1", "::1", "fd00:2018::1", "9.255.255.255" };
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		struct tl_addr a = addr(inside[i]);
		assert_true(tl_flood_is_source(&a));
	}
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		struct tl_addr a = addr(outside[i]);
		assert_false(tl_flood_is_source(&a));
	}
}

/* The options decode as a Linux client's SYN on Ethernet: mss 1460, sackOK, TS, wscale 7. */
static void options_are_a_real_clients(void **state)
{
	(void)state;
	struct tl_addr target = addr("127.0.0.1");
	struct tl_flood_syn s;
	tl_flood_syn(&target, 2017, 4, &s);
	struct tl_tcp_options o;
	assert_int_equal(s.options_len % 4, 0);
	assert_true(tl_tcp_options_decode(s.options, s.options_len, &o));
	assert_true(o.mss_set);
	assert_int_equal(o.mss, 1460);
	assert_true(o.sack_ok);
	assert_true(o.ts_set);
	assert_int_equal(o.ts_ecr, 0);
	assert_true(o.wscale_set);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(s.window, 64240);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sources_are_numbered_hosts_of_the_prefix),
		cmocka_unit_test(only_the_prefix_is_a_source),
		cmocka_unit_test(options_are_a_real_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
