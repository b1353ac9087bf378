/*
 * Unit tests of retransmission series: a series longer than it can hold is
 * said and fails, never judged on a part of it.
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

#include "analysis/series.h"
#include "core/event.h"
#include "core/wire.h"
#include "scenario/scenario.h"

/* n SYNs from the client, one a second, none answered. */
static void syns(struct tl_timeline *tl, size_t n)
{
	struct tl_tuple t = { .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
			      .sport = 40000, .dport = 2017 };
	tl_timeline_init(tl, 0);
	for (size_t i = 0; i < n; i++) {
		struct tl_event ev = { .t_ns = (uint64_t)i * 1000000000ull, .kind = TL_EV_PACKET,
				       .side = TL_SIDE_CLIENT };
		assert_int_equal(tl_packet_build(&t, 7, 0, TL_TH_SYN, 65535, NULL, 0, NULL, 0, &ev.u.packet), 0);
		assert_int_equal(tl_timeline_append(tl, &ev), 0);
	}
}

static void analyze(size_t n_syns, struct tl_series_report *rep)
{
	struct tl_timeline tl;
	struct tl_scenario sc;
	struct tl_timer_settings set;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("t.scn", "title t\nclient connect\n", &sc, err, sizeof(err)), 0);
	tl_timer_settings_default(&set);
	syns(&tl, n_syns);
	assert_int_equal(tl_series_analyze(&sc, &tl, &set, rep, err, sizeof(err)), 0);
	tl_timeline_free(&tl);
	tl_scenario_free(&sc);
}

static void a_series_too_long_to_hold_fails_and_says_so(void **state)
{
	(void)state;
	struct tl_series_report *rep = calloc(1, sizeof(*rep));
	assert_non_null(rep);
	analyze(TL_SERIES_MAX_SENDS + 40, rep);
	assert_int_equal(rep->n, 1);
	assert_int_equal(rep->s[0].n_sends, TL_SERIES_MAX_SENDS);
	assert_int_equal(rep->s[0].sends_cut, 40);
	assert_false(rep->s[0].pass);
	assert_non_null(strstr(rep->s[0].problem, "40 sends more than"));
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct tl_scenario sc = { 0 };
	tl_series_render(out, &sc, rep);
	fclose(out);
	assert_non_null(strstr(text, "(40 more sends not shown or judged"));
	free(text);

	/* Within the limit, nothing is said about one. */
	analyze(5, rep);
	assert_int_equal(rep->s[0].sends_cut, 0);
	free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_series_too_long_to_hold_fails_and_says_so),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
