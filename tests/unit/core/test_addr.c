/*
 * test_addr: the one address type of both families (core/addr.h) and the
 * tuple helpers built on it (core/event.h): parsing and printing as
 * inet_pton/inet_ntop and ss do, the IPv4-mapped form, comparisons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/event.h"

static struct tl_addr parsed(const char *text)
{
	struct tl_addr a;
	if (!tl_addr_parse(text, &a))
		fail_msg("'%s' does not parse", text);
	return a;
}

static void test_parse_and_format_both_families(void **state)
{
	(void)state;
	static const char *const texts[] = { "127.0.0.1", "10.1.2.3", "0.0.0.0", "255.100.99.9", "::1", "::", "fd00::1",
					     "2001:db8::8:800:200c:417a" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tl_addr a = parsed(texts[i]);
		char out[TL_ADDR_STRLEN];
		tl_addr_format(&a, out, sizeof(out));
		assert_string_equal(out, texts[i]);
		assert_int_equal(tl_addr_family(&a), strchr(texts[i], ':') ? AF_INET6 : AF_INET);
		assert_int_equal(tl_addr_text_family(texts[i]), tl_addr_family(&a));
	}
	struct tl_addr a = parsed("127.0.0.1");
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 };
	assert_memory_equal(a.b, mapped, 16); /* RFC 4291 2.5.5.2 */
	assert_int_equal(tl_addr_v4_be(&a), htonl(INADDR_LOOPBACK));
	struct tl_addr six = parsed("::1");
	assert_int_equal(tl_addr_v4_be(&six), 0);
	/* A mapped address written as IPv6 text is the IPv4 address. */
	struct tl_addr as_v6_text = parsed("::ffff:127.0.0.1");
	assert_true(tl_addr_equal(&as_v6_text, &a));

	struct tl_addr untouched = a;
	assert_false(tl_addr_parse("localhost", &untouched));
	assert_false(tl_addr_parse("127.0.0.256", &untouched));
	assert_false(tl_addr_parse("::1::2", &untouched));
	assert_false(tl_addr_parse("", &untouched));
	assert_true(tl_addr_equal(&untouched, &a));
	assert_int_equal(tl_addr_text_family("::1:2017x"), 0);
}

static void test_loopback_and_any(void **state)
{
	(void)state;
	struct tl_addr lo4 = tl_addr_loopback(AF_INET), lo6 = tl_addr_loopback(AF_INET6);
	struct tl_addr p4 = parsed("127.0.0.1"), p6 = parsed("::1");
	assert_true(tl_addr_equal(&lo4, &p4));
	assert_true(tl_addr_equal(&lo6, &p6));
	assert_false(tl_addr_equal(&lo4, &lo6));
	struct tl_addr other_lo = parsed("127.0.0.2"), net = parsed("10.0.0.1"), ula = parsed("fd00::1");
	assert_true(tl_addr_is_loopback(&lo4) && tl_addr_is_loopback(&lo6) && tl_addr_is_loopback(&other_lo));
	assert_false(tl_addr_is_loopback(&net) || tl_addr_is_loopback(&ula));
	/* The lab's own address is local to the lab, not loopback; another ULA is neither. */
	struct tl_addr own = parsed(TL_LAB_ADDR6), other_ula = parsed("fd00::2");
	assert_true(tl_addr_is_lab_local(&own) && tl_addr_is_lab_local(&lo6) && tl_addr_is_lab_local(&other_lo));
	assert_false(tl_addr_is_loopback(&own) || tl_addr_is_lab_local(&other_ula) || tl_addr_is_lab_local(&net));
	struct tl_addr any4 = tl_addr_v4(0), any6 = { { 0 } };
	assert_true(tl_addr_is_any(&any4) && tl_addr_is_any(&any6));
	assert_false(tl_addr_is_any(&lo4) || tl_addr_is_any(&lo6));
	assert_int_equal(tl_addr_family(&any4), AF_INET);
	assert_int_equal(tl_addr_family(&any6), AF_INET6);
}

/* A port after an IPv6 address goes behind brackets, as ss prints it. */
static void test_endpoints(void **state)
{
	(void)state;
	char out[TL_ENDPOINT_STRLEN];
	struct tl_addr lo4 = tl_addr_loopback(AF_INET), lo6 = tl_addr_loopback(AF_INET6);
	tl_endpoint_format(&lo4, 2017, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:2017");
	tl_endpoint_format(&lo6, 2017, out, sizeof(out));
	assert_string_equal(out, "[::1]:2017");
	struct tl_addr longest = parsed("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	tl_endpoint_format(&longest, 65535, out, sizeof(out));
	assert_string_equal(out, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	tl_host_port_format("::1", 80, out, sizeof(out));
	assert_string_equal(out, "[::1]:80");
	tl_host_port_format("127.0.0.1", 80, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:80");
}

static void test_sockaddr_round_trip(void **state)
{
	(void)state;
	static const char *const texts[] = { "127.0.0.1", "::1" };
	for (size_t i = 0; i < 2; i++) {
		struct tl_addr a = parsed(texts[i]), back;
		struct sockaddr_storage ss;
		uint16_t port = 0;
		unsigned len = tl_addr_to_sockaddr(&a, 2017, &ss);
		assert_int_equal(ss.ss_family, i ? AF_INET6 : AF_INET);
		assert_int_equal(len, i ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		assert_true(tl_addr_from_sockaddr(&ss, &back, &port));
		assert_true(tl_addr_equal(&a, &back));
		assert_int_equal(port, 2017);
	}
	struct sockaddr_storage unix_ss = { .ss_family = AF_UNIX };
	struct tl_addr a;
	uint16_t port;
	assert_false(tl_addr_from_sockaddr(&unix_ss, &a, &port));
}

static void test_tuples(void **state)
{
	(void)state;
	struct tl_tuple c = { parsed("::1"), parsed("::1"), 40000, 2017 };
	struct tl_tuple s = tl_tuple_reverse(&c);
	assert_int_equal(s.sport, 2017);
	assert_int_equal(s.dport, 40000);
	assert_true(tl_tuple_is_reverse(&s, &c));
	assert_true(tl_tuple_is_reverse(&c, &s));
	assert_false(tl_tuple_equal(&s, &c));
	struct tl_tuple same = c;
	assert_true(tl_tuple_equal(&same, &c));
	/* Same ports and numbers, other family: another connection. */
	struct tl_tuple v4 = { parsed("0.0.0.1"), parsed("0.0.0.1"), 40000, 2017 };
	assert_false(tl_tuple_equal(&v4, &c));
	assert_int_equal(tl_tuple_family(&c), AF_INET6);
	assert_int_equal(tl_tuple_family(&v4), AF_INET);
	same.daddr = parsed("::2");
	assert_false(tl_tuple_equal(&same, &c));
	assert_false(tl_tuple_is_reverse(&same, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format_both_families),
		cmocka_unit_test(test_loopback_and_any),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_sockaddr_round_trip),
		cmocka_unit_test(test_tuples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
