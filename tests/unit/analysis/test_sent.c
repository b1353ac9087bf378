/*
 * Unit tests of the set of sent segments roles.c uses to recognise resends:
 * every segment is found again however many there are, and segments with
 * the same numbers but a different kind stay apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/sent.h"

static void every_segment_is_found_again_across_growth(void **state)
{
	(void)state;
	enum { SEGMENTS = 5000 };
	struct tl_sent_set s = { 0 };
	for (uint32_t i = 0; i < SEGMENTS; i++) {
		struct tl_sent_segment g = { .seq = 1000 + 1448 * i, .len = 1448, .flags = TL_TH_ACK, .sends = 1,
					     .last_ns = i };
		assert_null(tl_sent_find(&s, g.seq, g.len, tl_segment_kind(g.flags)));
		assert_int_equal(tl_sent_add(&s, &g), 0);
	}
	assert_int_equal(s.n, SEGMENTS);
	for (uint32_t i = 0; i < SEGMENTS; i++) {
		struct tl_sent_segment *g = tl_sent_find(&s, 1000 + 1448 * i, 1448, 0);
		assert_non_null(g);
		assert_int_equal(g->last_ns, i);
	}
	assert_null(tl_sent_find(&s, 1000, 1447, 0)); /* same start, other length */
	tl_sent_clear(&s);
	assert_int_equal(s.n, 0);
	assert_null(tl_sent_find(&s, 1000, 1448, 0));
}

static void a_different_kind_is_a_different_segment(void **state)
{
	(void)state;
	struct tl_sent_set s = { 0 };
	struct tl_sent_segment fin = { .seq = 77, .len = 1, .flags = TL_TH_FIN | TL_TH_ACK, .role = TL_ROLE_TEARDOWN_1 };
	struct tl_sent_segment syn = { .seq = 77, .len = 1, .flags = TL_TH_SYN, .role = TL_ROLE_HANDSHAKE_1 };
	assert_int_equal(tl_sent_add(&s, &fin), 0);
	assert_null(tl_sent_find(&s, 77, 1, tl_segment_kind(TL_TH_SYN)));
	assert_int_equal(tl_sent_add(&s, &syn), 0);
	assert_int_equal(tl_sent_find(&s, 77, 1, tl_segment_kind(TL_TH_SYN))->role, TL_ROLE_HANDSHAKE_1);
	assert_int_equal(tl_sent_find(&s, 77, 1, tl_segment_kind(TL_TH_FIN | TL_TH_ACK))->role, TL_ROLE_TEARDOWN_1);
	tl_sent_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_segment_is_found_again_across_growth),
		cmocka_unit_test(a_different_kind_is_a_different_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
