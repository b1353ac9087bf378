/*
 * Unit tests of retransmission series: a series longer than it can hold is
 * said and fails, never judged on a part of it; keepalive probes judged from
 * the silence they end, with the times this kernel showed.
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

#include "analysis/roles.h"
#include "analysis/series.h"
#include "core/addr.h"
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

#define MS 1000000ull

/* One packet at t_ms (fractional), from the client when from_client. */
static void packet_at(struct tl_timeline *tl, double t_ms, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
		      bool dropped)
{
	struct tl_tuple t = { .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
			      .sport = from_client ? 40000 : 2017, .dport = from_client ? 2017 : 40000 };
	struct tl_event ev = { .t_ns = (uint64_t)(t_ms * 1e6), .kind = TL_EV_PACKET,
			       .side = from_client ? TL_SIDE_CLIENT : TL_SIDE_SERVER };
	assert_int_equal(tl_packet_build(&t, seq, ack, flags, 64, NULL, 0, NULL, 0, &ev.u.packet), 0);
	ev.u.packet.dropped = dropped;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

/* The client's keepalive as captured here (keepidle 1, keepintvl 1, keepcnt 2), the first probe at first_ms. */
static void keepalive_run(struct tl_timeline *tl, double first_ms)
{
	const uint8_t A = TL_TH_ACK;
	tl_timeline_init(tl, 0);
	packet_at(tl, 0.0, true, TL_TH_SYN, 100, 0, false);
	packet_at(tl, 0.013, false, TL_TH_SYN | A, 500, 101, false);
	packet_at(tl, 0.028, true, A, 101, 501, false);
	packet_at(tl, first_ms, true, A, 100, 501, false);
	packet_at(tl, first_ms + 0.02, false, A, 501, 101, true);
	packet_at(tl, 2046.0, true, A, 100, 501, false);
	packet_at(tl, 2046.02, false, A, 501, 101, true);
	packet_at(tl, 3070.0, true, TL_TH_RST | A, 101, 501, false);
	assert_int_equal(tl_roles_annotate(tl), 0);
}

static const struct tl_series *keepalive_series(double first_ms, struct tl_series_report *rep)
{
	static const char text[] = "title t\nclient setsockopt keepalive on\nclient setsockopt keepidle 1\n"
				   "client setsockopt keepintvl 1\nclient setsockopt keepcnt 2\nclient connect\n";
	struct tl_timeline tl;
	struct tl_scenario sc;
	struct tl_timer_settings set;
	char err[256];
	assert_int_equal(tl_scenario_parse_text("t.scn", text, &sc, err, sizeof(err)), 0);
	tl_timer_settings_default(&set);
	keepalive_run(&tl, first_ms);
	assert_int_equal(tl_series_analyze(&sc, &tl, &set, rep, err, sizeof(err)), 0);
	tl_timeline_free(&tl);
	tl_scenario_free(&sc);
	assert_int_equal(rep->n, 1);
	return &rep->s[0];
}

static void keepalive_probes_judged_from_the_silence(void **state)
{
	(void)state;
	struct tl_series_report *rep = calloc(1, sizeof(*rep));
	assert_non_null(rep);
	const struct tl_series *s = keepalive_series(1026.0, rep);
	assert_int_equal(s->kind, TL_SERIES_KEEPALIVE);
	assert_int_equal(s->tcase, TL_TIMER_KEEPALIVE_PROBES);
	assert_int_equal(s->n_sends, 2);
	assert_int_equal(s->n_predicted, 2);
	assert_true(s->pass);
	assert_int_equal(s->end, TL_SERIES_END_GAVE_UP);
	/* From the SYN-ACK, the client's last segment received: 1.026 - 0.000013 s. */
	assert_true(s->sends[0].at_ms > 1025.98 && s->sends[0].at_ms < 1025.99);
	assert_true(s->sends[0].pred_at_ms == 1000.0 && s->sends[1].pred_at_ms == 2000.0);
	assert_true(s->pred_give_up_ms == 3000.0);
	assert_string_equal(s->sends[0].what, "keepalive probe");
	assert_non_null(strstr(s->give_up_why, "2 probes unanswered, TCP_KEEPCNT 2"));

	/* A probe before its time is no timer's: the series differs. */
	s = keepalive_series(990.0, rep);
	assert_false(s->pass);
	assert_non_null(strstr(s->problem, "send #0 at 0.990 s, predicted 1.000 s"));
	free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_series_too_long_to_hold_fails_and_says_so),
		cmocka_unit_test(keepalive_probes_judged_from_the_silence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
