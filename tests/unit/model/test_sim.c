/*
 * Unit tests of the simulator: scenarios run on the model produce the event
 * stream the kernel lab produces (N3: S, S., . labelled handshake 1/3, 2/3,
 * 3/3), the shipped scenarios pass under every timer profile, runs are
 * reproducible from their seed, fault rules drop what they match, and what
 * cannot be simulated is refused with the line that says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>

#include <cmocka.h>

#include "core/event.h"
#include "cli/report.h"
#include "scenario/scenario.h"
#include "model/sim.h"
#include "model/timer_model.h"

#define SEC 1000000000ull

static void parse(const char *text, struct tl_scenario *sc)
{
	char err[512];
	if (tl_scenario_parse_text("test.scn", text, sc, err, sizeof(err)) < 0)
		fail_msg("parse: %s", err);
}

/* Where the shipped scenarios are: $TCPLAB_SCENARIOS (tests/run sets it), else
 * scenarios/ under the working directory (the source tree's root). */
static const char *shipped_dir(void)
{
	const char *dir = getenv("TCPLAB_SCENARIOS");
	return dir && *dir ? dir : "scenarios";
}

/* Tests of shipped behaviour read the shipped file itself, never a copy that
 * could drift from it. */
static void parse_shipped(const char *id, struct tl_scenario *sc)
{
	char path[4096], err[512];
	snprintf(path, sizeof(path), "%s/%s.scn", shipped_dir(), id);
	if (tl_scenario_parse_file(path, sc, err, sizeof(err)) < 0)
		fail_msg("%s (run from the source tree, or set TCPLAB_SCENARIOS)", err);
}

struct run {
	struct tl_timeline tl;
	struct tl_timer_settings timers;
	int rc;
	char err[512];
};

static void simulate(const struct tl_scenario *sc, const struct tl_sim_options *o, struct run *r)
{
	struct tl_sim_options def = { .timers = tl_timer_profile_find("fast"), .seed = 1 };
	r->err[0] = '\0';
	r->rc = tl_sim_run(sc, o ? o : &def, &r->tl, &r->timers, r->err, sizeof(r->err));
}

/* Reports the run as `tcplab sim` does; returns the verdict, the text in *text (caller frees). */
static enum tl_verdict report(const struct tl_scenario *sc, struct run *r, char **text)
{
	size_t len;
	FILE *out = open_memstream(text, &len);
	assert_non_null(out);
	struct tl_report_options ro = { .timers = &r->timers };
	enum tl_verdict v = tl_report_run(sc, &r->tl, r->rc, r->err, &ro, out);
	fclose(out);
	return v;
}

static size_t packets(const struct tl_timeline *tl, const struct tl_packet **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_EV_PACKET && n < max)
			out[n++] = &tl->ev[i].u.packet;
	return n;
}

static void n3_handshake_roles(void **state)
{
	(void)state;
	struct tl_scenario sc;
	struct run r;
	char *text;
	parse_shipped("N3", &sc);
	simulate(&sc, NULL, &r);
	assert_int_equal(r.rc, 0);
	enum tl_verdict v = report(&sc, &r, &text);
	if (v != TL_VERDICT_PASS)
		fail_msg("N3 in the simulator:\n%s", text);
	const struct tl_packet *p[8];
	assert_int_equal(packets(&r.tl, p, 8), 3);
	assert_int_equal(p[0]->flags, TL_TH_SYN);
	assert_int_equal(p[1]->flags, TL_TH_SYN | TL_TH_ACK);
	assert_int_equal(p[2]->flags, TL_TH_ACK);
	assert_int_equal(p[0]->role, TL_ROLE_HANDSHAKE_1);
	assert_int_equal(p[1]->role, TL_ROLE_HANDSHAKE_2);
	assert_int_equal(p[2]->role, TL_ROLE_HANDSHAKE_3);
	assert_non_null(strstr(p[0]->text, "options [mss 65495,sackOK,TS val"));
	assert_non_null(strstr(p[0]->text, "wscale 10]"));
	/* Real frames with pcap stamps on the fixed epoch. */
	assert_true(p[0]->bytes && p[0]->cap_len == p[0]->wire_len);
	assert_true(p[0]->wall_ns >= TL_SIM_EPOCH_NS);
	/* State changes come from the model, with no blind spot to fill. */
	for (size_t i = 0; i < r.tl.n; i++)
		if (r.tl.ev[i].kind == TL_EV_STATE)
			assert_int_equal(r.tl.ev[i].u.state.source, TL_SRC_MODEL);
	free(text);
	tl_timeline_free(&r.tl);
	tl_scenario_free(&sc);
}

/* The same seed gives the same bytes at the same times; another seed other numbers. */
static void seed_reproduces_run(void **state)
{
	(void)state;
	struct tl_scenario sc;
	struct run a, b, c;
	parse_shipped("N5", &sc);
	struct tl_sim_options o = { .timers = tl_timer_profile_find("fast"), .seed = 7 };
	simulate(&sc, &o, &a);
	simulate(&sc, &o, &b);
	o.seed = 8;
	simulate(&sc, &o, &c);
	const struct tl_packet *pa[16], *pb[16], *pc[16];
	size_t n = packets(&a.tl, pa, 16);
	assert_int_equal(n, 8);
	assert_int_equal(packets(&b.tl, pb, 16), n);
	assert_int_equal(packets(&c.tl, pc, 16), n);
	assert_int_equal(a.tl.n, b.tl.n);
	for (size_t i = 0; i < a.tl.n; i++)
		assert_int_equal(a.tl.ev[i].t_ns, b.tl.ev[i].t_ns);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pa[i]->cap_len, pb[i]->cap_len);
		assert_memory_equal(pa[i]->bytes, pb[i]->bytes, pa[i]->cap_len);
	}
	assert_int_not_equal(pa[0]->seq, pc[0]->seq);
	tl_timeline_free(&a.tl);
	tl_timeline_free(&b.tl);
	tl_timeline_free(&c.tl);
	tl_scenario_free(&sc);
}

/* Every shipped scenario passes in the simulator, with every timer profile. */
static void shipped_scenarios_pass(void **state)
{
	(void)state;
	char pattern[4096];
	glob_t g;
	snprintf(pattern, sizeof(pattern), "%s/*.scn", shipped_dir());
	/* The scenarios ship with the tree: not finding them is a failure, not a reason to skip. */
	if (glob(pattern, 0, NULL, &g) != 0)
		fail_msg("no shipped scenario matches %s (run from the source tree, or set TCPLAB_SCENARIOS)", pattern);
	static const char *const profiles[] = { "fast", "kernel", "article" };
	for (size_t k = 0; k < sizeof(profiles) / sizeof(profiles[0]); k++) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct tl_scenario sc;
			struct run r;
			char err[512], *text;
			if (tl_scenario_parse_file(g.gl_pathv[i], &sc, err, sizeof(err)) < 0)
				fail_msg("%s", err);
			struct tl_sim_options o = { .timers = tl_timer_profile_find(profiles[k]), .seed = 1 };
			simulate(&sc, &o, &r);
			if (report(&sc, &r, &text) != TL_VERDICT_PASS)
				fail_msg("%s with timers %s:\n%s", sc.id, profiles[k], text);
			free(text);
			tl_timeline_free(&r.tl);
			tl_scenario_free(&sc);
		}
	}
	globfree(&g);
}

/*
 * count 2: the first two SYN-ACKs are lost (the second one is the request
 * timer's at 1 s, which fires before the client's SYN timer on that tick, as
 * on the kernel); the answer to the duplicate SYN gets through.
 */
static void counted_drop_rule(void **state)
{
	(void)state;
	struct tl_scenario sc;
	struct run r;
	char *text;
	parse("title drops\n"
	      "server listen\n"
	      "server accept &\n"
	      "drop from server flags S. count 2\n"
	      "client connect\n"
	      "wait server\n"
	      "expect client connect ok\n"
	      "expect packets S S. S. S S. .\n",
	      &sc);
	simulate(&sc, NULL, &r);
	assert_int_equal(r.rc, 0);
	if (report(&sc, &r, &text) != TL_VERDICT_PASS)
		fail_msg("%s", text);
	const struct tl_packet *p[8];
	assert_int_equal(packets(&r.tl, p, 8), 6);
	assert_true(p[1]->dropped && p[2]->dropped && p[2]->retrans_no == 1);
	assert_true(!p[3]->dropped && p[3]->retrans_no == 1 && !p[4]->dropped);
	assert_string_equal(p[1]->drop_rule, "rule1");
	assert_int_equal(r.tl.ev[r.tl.n - 1].kind, TL_EV_COUNTERS); /* the model's, at the end */
	assert_int_equal(r.tl.ev[r.tl.n - 2].kind, TL_EV_APP);
	assert_true(r.tl.ev[r.tl.n - 2].t_ns >= 1 * SEC);
	free(text);
	tl_timeline_free(&r.tl);
	tl_scenario_free(&sc);
}

static void expect_error(const char *text, const char *want)
{
	struct tl_scenario sc;
	struct run r;
	parse(text, &sc);
	simulate(&sc, NULL, &r);
	assert_int_equal(r.rc, -1);
	if (!strstr(r.err, want))
		fail_msg("error '%s' does not say '%s'", r.err, want);
	tl_timeline_free(&r.tl);
	tl_scenario_free(&sc);
}

static void what_cannot_be_simulated(void **state)
{
	(void)state;
	expect_error("title t\nserver listen\ndrop nft tcp dport 2017\n", "line 3: a raw nft rule");
	expect_error("title t\nsysctl net.ipv4.tcp_rmem = 4096\nserver listen\n",
		     "line 2: net.ipv4.tcp_rmem is not modelled");
	expect_error("title t\nserver listen\nwait server state ESTABLISHED timeout 2s\n",
		     "line 3: server state ESTABLISHED did not happen in time");
	expect_error("title t\nserver listen\nserver accept\n", "line 3: the server's call on line 3 to return");
}

/* --time-wait runs on until TIME_WAIT -> CLOSE, 60 s later in virtual time. */
static void waits_out_time_wait(void **state)
{
	(void)state;
	struct tl_scenario sc;
	struct run r;
	parse_shipped("N5", &sc);
	struct tl_sim_options o = { .timers = tl_timer_profile_find("fast"), .seed = 1, .wait_time_wait = true };
	simulate(&sc, &o, &r);
	assert_int_equal(r.rc, 0);
	uint64_t tw_ns = 0, closed_ns = 0;
	for (size_t i = 0; i < r.tl.n; i++) {
		const struct tl_event *ev = &r.tl.ev[i];
		if (ev->kind == TL_EV_STATE && ev->u.state.to == TL_TIME_WAIT)
			tw_ns = ev->t_ns;
		if (ev->kind == TL_EV_STATE && ev->u.state.from == TL_TIME_WAIT && ev->u.state.to == TL_CLOSE)
			closed_ns = ev->t_ns;
	}
	assert_true(tw_ns && closed_ns);
	/* on the first tick 60 s after the time-wait socket took over: never short */
	assert_true(closed_ns - tw_ns >= 60 * SEC && closed_ns - tw_ns < 60 * SEC + 4000000ull);
	tl_timeline_free(&r.tl);
	tl_scenario_free(&sc);
}

/* The profile's sysctls, then the scenario's own. */
static void config_layers(void **state)
{
	(void)state;
	struct tl_scenario sc;
	struct tl_tcp_config cfg;
	char err[256];
	parse("title t\nsysctl net.ipv4.tcp_syn_retries = 4\nserver listen\n", &sc);
	assert_int_equal(tl_sim_config(&sc, tl_timer_profile_find("fast"), 3, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.timers.syn_retries, 4);
	assert_int_equal(cfg.timers.syn_linear_timeouts, 1); /* from "fast" */
	assert_int_equal(cfg.seed, 3);
	tl_scenario_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(n3_handshake_roles),
		cmocka_unit_test(seed_reproduces_run),
		cmocka_unit_test(shipped_scenarios_pass),
		cmocka_unit_test(counted_drop_rule),
		cmocka_unit_test(what_cannot_be_simulated),
		cmocka_unit_test(waits_out_time_wait),
		cmocka_unit_test(config_layers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
