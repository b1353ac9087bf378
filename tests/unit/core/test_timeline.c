/*
 * Unit tests of the timeline: ownership on append, merging sources, and the
 * time order with arrival order breaking ties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"

static struct tl_event note_at(uint64_t t_ns, const char *text)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_NOTE };
	snprintf(ev.u.note, sizeof(ev.u.note), "%s", text);
	return ev;
}

static void sort_orders_by_time_then_arrival(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 100);
	struct tl_event evs[] = { note_at(300, "c"), note_at(200, "a"), note_at(300, "d"),
				  note_at(200, "b"), note_at(100, "first") };
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		assert_int_equal(tl_timeline_append(&tl, &evs[i]), 0);
	tl_timeline_sort(&tl);
	const char *want[] = { "first", "a", "b", "c", "d" };
	assert_int_equal(tl.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(tl.ev[i].u.note, want[i]);
	tl_timeline_free(&tl);
}

static void merge_moves_everything_and_keeps_ties_in_source_order(void **state)
{
	(void)state;
	struct tl_timeline main_tl, packets, states;
	tl_timeline_init(&main_tl, 0);
	tl_timeline_init(&packets, 0);
	tl_timeline_init(&states, 0);
	struct tl_event p1 = note_at(10, "packet 1"), p2 = note_at(30, "packet 2");
	struct tl_event s1 = note_at(20, "state 1"), s2 = note_at(30, "state 2");
	tl_timeline_append(&packets, &p1);
	tl_timeline_append(&packets, &p2);
	tl_timeline_append(&states, &s1);
	tl_timeline_append(&states, &s2);
	assert_int_equal(tl_timeline_merge(&main_tl, &packets), 0);
	assert_int_equal(tl_timeline_merge(&main_tl, &states), 0);
	assert_int_equal(packets.n, 0);
	assert_null(packets.ev);
	assert_int_equal(main_tl.n, 4);
	tl_timeline_sort(&main_tl);
	/* Equal times: the packet merged first stays first. */
	assert_string_equal(main_tl.ev[0].u.note, "packet 1");
	assert_string_equal(main_tl.ev[1].u.note, "state 1");
	assert_string_equal(main_tl.ev[2].u.note, "packet 2");
	assert_string_equal(main_tl.ev[3].u.note, "state 2");
	tl_timeline_free(&main_tl);
}

/* event.h's contract: merged events get new keys after dst's, so keys stay
 * unique (the sort's tie-break is total) and at equal times dst's events come
 * first, src's after them in src's own order. Keeping src's keys would tie
 * "src first" (key 0) with "dst" (key 0) and leave the order to qsort. */
static void merge_renumbers_after_destination(void **state)
{
	(void)state;
	struct tl_timeline dst, src;
	tl_timeline_init(&dst, 0);
	tl_timeline_init(&src, 0);
	struct tl_event s1 = note_at(5, "src first"), s2 = note_at(5, "src second"), d1 = note_at(5, "dst");
	assert_int_equal(tl_timeline_append(&src, &s1), 0);
	assert_int_equal(tl_timeline_append(&src, &s2), 0);
	assert_int_equal(tl_timeline_append(&dst, &d1), 0);
	assert_int_equal(tl_timeline_merge(&dst, &src), 0);
	assert_int_equal(dst.n, 3);
	for (size_t i = 0; i < dst.n; i++)
		for (size_t j = i + 1; j < dst.n; j++)
			assert_int_not_equal(dst.ev[i].order, dst.ev[j].order);
	tl_timeline_sort(&dst);
	assert_string_equal(dst.ev[0].u.note, "dst");
	assert_string_equal(dst.ev[1].u.note, "src first");
	assert_string_equal(dst.ev[2].u.note, "src second");
	/* Appends after the merge still come after everything merged. */
	struct tl_event later = note_at(5, "appended later");
	assert_int_equal(tl_timeline_append(&dst, &later), 0);
	tl_timeline_sort(&dst);
	assert_string_equal(dst.ev[3].u.note, "appended later");
	tl_timeline_free(&dst);
	tl_timeline_free(&src);
}

static void free_releases_owned_memory(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	for (int i = 0; i < 200; i++) { /* several growths */
		struct tl_event ev = { .t_ns = (uint64_t)(200 - i), .kind = TL_EV_PACKET };
		ev.u.packet.bytes = malloc(64);
		ev.u.packet.text = strdup("IP x > y");
		assert_int_equal(tl_timeline_append(&tl, &ev), 0);
		struct tl_event snap = { .t_ns = (uint64_t)i, .kind = TL_EV_SNAPSHOT };
		snap.u.snapshot.rows = calloc(3, sizeof(struct tl_sock_row));
		snap.u.snapshot.n = 3;
		assert_int_equal(tl_timeline_append(&tl, &snap), 0);
	}
	tl_timeline_sort(&tl);
	for (size_t i = 1; i < tl.n; i++)
		assert_true(tl.ev[i - 1].t_ns <= tl.ev[i].t_ns);
	tl_timeline_free(&tl); /* LeakSanitizer judges this */
	assert_int_equal(tl.n, 0);
}

static void flag_letters_round_trip(void **state)
{
	(void)state;
	const char *cases[] = { "S", "S.", ".", "P.", "F.", "R.", "R", "FP.", "SEW", "none" };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t f;
		char back[12];
		assert_true(tl_flags_parse(cases[i], &f));
		tl_flags_letters(f, back);
		assert_string_equal(back, cases[i]);
	}
	uint8_t f;
	assert_false(tl_flags_parse("SX", &f));
	assert_false(tl_flags_parse("", &f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sort_orders_by_time_then_arrival),
		cmocka_unit_test(merge_moves_everything_and_keeps_ties_in_source_order),
		cmocka_unit_test(merge_renumbers_after_destination),
		cmocka_unit_test(free_releases_owned_memory),
		cmocka_unit_test(flag_letters_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
