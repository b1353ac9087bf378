/*
 * test_hindex: the hash index the analysis passes use instead of scans
 * (core/hindex.h): a key's items come back in filing order across growth,
 * other keys' items never, and set stores like a map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/socket.h>

#include "core/event.h"
#include "core/hindex.h"

static void test_items_of_a_key_in_filing_order(void **state)
{
	(void)state;
	struct tl_hindex x;
	tl_hindex_init(&x);
	assert_true(tl_hindex_first(&x, 7) == TL_HINDEX_NONE);
	/* Enough items to grow the buckets several times; three keys interleaved. */
	for (size_t i = 0; i < 3000; i++)
		assert_int_equal(tl_hindex_add(&x, i % 3, i), 0);
	for (uint64_t k = 0; k < 3; k++) {
		size_t expect = k, seen = 0;
		for (size_t it = tl_hindex_first(&x, k); it != TL_HINDEX_NONE; it = tl_hindex_next(&x, it)) {
			assert_int_equal(x.val[it], expect);
			expect += 3;
			seen++;
		}
		assert_int_equal(seen, 1000);
	}
	assert_true(tl_hindex_first(&x, 3) == TL_HINDEX_NONE);
	tl_hindex_free(&x);
}

static void test_set_replaces_the_value(void **state)
{
	(void)state;
	struct tl_hindex x;
	tl_hindex_init(&x);
	for (size_t i = 0; i < 500; i++)
		assert_int_equal(tl_hindex_set(&x, i % 10, i), 0);
	assert_int_equal(x.n, 10);
	for (uint64_t k = 0; k < 10; k++) {
		size_t it = tl_hindex_first(&x, k);
		assert_true(it != TL_HINDEX_NONE);
		assert_int_equal(x.val[it], 490 + k);
		assert_true(tl_hindex_next(&x, it) == TL_HINDEX_NONE);
	}
	tl_hindex_free(&x);
}

static void test_tuple_hashes(void **state)
{
	(void)state;
	struct tl_tuple t = { .saddr = tl_addr_loopback(AF_INET), .daddr = tl_addr_v4(0x0100000a), .sport = 2017,
			      .dport = 40000 };
	struct tl_tuple back = tl_tuple_reverse(&t);
	assert_true(tl_tuple_pair_hash(&t) == tl_tuple_pair_hash(&back));
	assert_true(tl_tuple_hash(&t) != tl_tuple_hash(&back));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_of_a_key_in_filing_order),
		cmocka_unit_test(test_set_replaces_the_value),
		cmocka_unit_test(test_tuple_hashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
