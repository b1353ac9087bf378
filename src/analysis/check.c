/*
 * check: compares what a scenario expects with what the run observed. The
 * observed side always comes from the event stream, so the same checks judge
 * the kernel lab and, later, the simulator.
 */
#include "analysis/check.h"

#include "analysis/conns.h"
#include "core/errnames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sockstate.h"

/* Appends one word to a space-separated list, marking truncation. */
static void append_word(char *buf, size_t len, const char *word)
{
	size_t used = strlen(buf);
	if (used + strlen(word) + 5 >= len) {
		if (used + 4 < len && strcmp(buf + used - (used >= 3 ? 3 : used), "..."))
			strcat(buf, " ...");
		return;
	}
	if (used)
		strcat(buf, " ");
	strcat(buf, word);
}

static void first_difference(struct tl_check_item *it, size_t at, size_t n_exp, size_t n_obs)
{
	if (at < n_exp && at < n_obs)
		snprintf(it->difference, sizeof(it->difference), "first difference at #%zu", at + 1);
	else if (n_obs < n_exp)
		snprintf(it->difference, sizeof(it->difference),
			 "observed stops after %zu of %zu", n_obs, n_exp);
	else
		snprintf(it->difference, sizeof(it->difference),
			 "observed has %zu more after #%zu", n_obs - n_exp, n_exp);
}

static void check_states(const struct tl_expect *ex, const struct tl_timeline *tl,
			 struct tl_check_item *it)
{
	enum tl_state obs[TL_MAX_LIST * 4];
	char name[TL_SIDE_CONN_STRLEN];
	size_t n_obs = tl_states_path(tl, ex->side, ex->conn, obs, sizeof(obs) / sizeof(obs[0]));
	size_t shown = n_obs < sizeof(obs) / sizeof(obs[0]) ? n_obs : sizeof(obs) / sizeof(obs[0]);
	tl_side_conn_name(ex->side, ex->conn, name, sizeof(name));
	snprintf(it->what, sizeof(it->what), "%s states", name);
	for (size_t i = 0; i < ex->n; i++)
		append_word(it->expected, sizeof(it->expected), tl_state_name(ex->states[i]));
	for (size_t i = 0; i < shown; i++)
		append_word(it->observed, sizeof(it->observed), tl_state_name(obs[i]));
	size_t i = 0;
	while (i < ex->n && i < shown && ex->states[i] == obs[i])
		i++;
	/* TIME-WAIT always ends in CLOSE; a run that waited it out saw that too. */
	bool time_wait_ended = i == ex->n && ex->n && ex->states[ex->n - 1] == TL_TIME_WAIT &&
			       n_obs == ex->n + 1 && obs[ex->n] == TL_CLOSE;
	it->pass = (i == ex->n && n_obs == ex->n) || time_wait_ended;
	if (!it->pass)
		first_difference(it, i, ex->n, n_obs);
}

/* Packet flags or roles, whichever the expectation lists. */
static void check_packets(const struct tl_expect *ex, const struct tl_timeline *tl,
			  struct tl_check_item *it)
{
	bool roles = ex->kind == TL_EXPECT_ROLES;
	size_t n_obs = 0, match = 0;
	bool diverged = false;
	snprintf(it->what, sizeof(it->what), roles ? "packet roles" : "packet flags");
	for (size_t i = 0; i < ex->n; i++) {
		char letters[12];
		tl_flags_letters(ex->flags[i], letters);
		append_word(it->expected, sizeof(it->expected),
			    roles ? tl_role_name(ex->roles[i]) : letters);
	}
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET)
			continue;
		const struct tl_packet *p = &ev->u.packet;
		char letters[12];
		tl_flags_letters(p->flags, letters);
		append_word(it->observed, sizeof(it->observed), roles ? tl_role_name(p->role) : letters);
		bool same = n_obs < ex->n &&
			    (roles ? p->role == ex->roles[n_obs] : p->flags == ex->flags[n_obs]);
		if (same && !diverged)
			match++;
		else
			diverged = true;
		n_obs++;
	}
	it->pass = (match == ex->n && n_obs == ex->n);
	if (!it->pass)
		first_difference(it, match, ex->n, n_obs);
}

/* What a call expectation asks for, in the words tl_app_call_format uses for what a call returned. */
static void describe_result(const struct tl_expect *ex, char *out, size_t len)
{
	if (ex->any_result) {
		snprintf(out, len, "any result");
	} else if (ex->err) {
		snprintf(out, len, "-1 %s", tl_errno_name(ex->err));
	} else if (ex->text_len) {
		char shown[TL_APP_DATA_BYTES + 1];
		for (size_t i = 0; i < ex->text_len; i++)
			shown[i] = ex->text[i] >= 0x20 && ex->text[i] < 0x7f ? ex->text[i] : '.';
		shown[ex->text_len] = '\0';
		snprintf(out, len, "%zu, \"%s\"", ex->text_len, shown);
	} else if (ex->want_ret) {
		bool eof = ex->ret == 0 && !strcmp(ex->verb, "recv");
		snprintf(out, len, "%ld%s", ex->ret, eof ? ", end of file" : "");
	} else {
		snprintf(out, len, "success");
	}
}

static bool result_matches(const struct tl_expect *ex, const struct tl_app_call *c)
{
	if (ex->any_result)
		return true;
	if (ex->err)
		return c->ret < 0 && c->err == ex->err;
	if (c->ret < 0)
		return false;
	/* ret == text_len <= TL_APP_DATA_BYTES: the call record holds every byte received. */
	if (ex->text_len)
		return c->ret == (long)ex->text_len && !memcmp(c->data, ex->text, ex->text_len);
	return !ex->want_ret || c->ret == ex->ret;
}

/* Whether ev is a call ex judges: its step's own call, or any of the connection's calls of the verb. */
static bool judges(const struct tl_expect *ex, const struct tl_event *ev)
{
	return ev->kind == TL_EV_APP && ev->side == ex->side && !strcmp(ev->u.app.verb, ex->verb) &&
	       (ex->of_step ? ev->u.app.step_line == ex->line : !strcmp(ev->u.app.conn, ex->conn));
}

/* One check for both forms: a step's "=> RESULT" judges that step's call, an expect line the first. */
static void check_call(const struct tl_expect *ex, const struct tl_timeline *tl,
		       struct tl_check_item *it)
{
	char name[TL_SIDE_CONN_STRLEN];
	tl_side_conn_name(ex->side, ex->conn, name, sizeof(name));
	if (ex->of_step)
		snprintf(it->what, sizeof(it->what), "%s", ex->written);
	else
		snprintf(it->what, sizeof(it->what), "%s %s", name, ex->verb);
	describe_result(ex, it->expected, sizeof(it->expected));
	for (size_t i = 0; i < tl->n; i++) {
		if (!judges(ex, &tl->ev[i]))
			continue;
		const struct tl_app_call *c = &tl->ev[i].u.app;
		tl_app_call_format(c, it->observed, sizeof(it->observed));
		it->pass = result_matches(ex, c);
		if (!it->pass)
			snprintf(it->difference, sizeof(it->difference), "the call's result differs");
		return;
	}
	it->pass = false;
	if (ex->of_step) {
		snprintf(it->observed, sizeof(it->observed), "no return from the %s call", ex->verb);
		snprintf(it->difference, sizeof(it->difference), "the call did not return before the run ended");
		return;
	}
	snprintf(it->observed, sizeof(it->observed), "no %s call", ex->verb);
	snprintf(it->difference, sizeof(it->difference), "the call was never made");
}

static void check_listed(const struct tl_expect *ex,
			 const struct tl_timeline *tl, struct tl_check_item *it)
{
	enum tl_state want = ex->states[0];
	char name[TL_SIDE_CONN_STRLEN];
	bool named = tl_conns_named(tl, ex->side);
	tl_side_conn_name(ex->side, ex->conn, name, sizeof(name));
	snprintf(it->what, sizeof(it->what), "%s listed", name);
	snprintf(it->expected, sizeof(it->expected), "a snapshot lists a %s socket in %s", name,
		 tl_state_rfc_name(want));
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_SNAPSHOT)
			continue;
		for (size_t r = 0; r < ev->u.snapshot.n; r++) {
			const struct tl_sock_row *row = &ev->u.snapshot.rows[r];
			enum tl_state st = row->state == TL_NEW_SYN_RECV ? TL_SYN_RECV : row->state;
			if (row->side != ex->side || (named && strcmp(row->conn, ex->conn)))
				continue;
			append_word(it->observed, sizeof(it->observed), tl_state_rfc_name(row->state));
			if (st == (want == TL_NEW_SYN_RECV ? TL_SYN_RECV : want))
				it->pass = true;
		}
	}
	if (!it->observed[0])
		snprintf(it->observed, sizeof(it->observed), "no %s socket in any snapshot", name);
	if (!it->pass)
		snprintf(it->difference, sizeof(it->difference), "state not listed");
}

static bool compare_holds(const char *op, long long have, long want)
{
	return !strcmp(op, "=") ? have == want : !strcmp(op, ">=") ? have >= want : have <= want;
}

/* The most sockets of a side one snapshot lists in a state, against "= N", ">= N" or "<= N". */
static void check_count(const struct tl_expect *ex, const struct tl_timeline *tl, struct tl_check_item *it)
{
	enum tl_state want = ex->states[0] == TL_NEW_SYN_RECV ? TL_SYN_RECV : ex->states[0];
	const char *side = ex->side == TL_SIDE_CLIENT ? "client" : "server";
	snprintf(it->what, sizeof(it->what), "%s count %s", side, tl_state_rfc_name(want));
	snprintf(it->expected, sizeof(it->expected), "%s %ld (the most that one snapshot lists)", ex->counter_op,
		 ex->counter_value);
	long most = -1;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_SNAPSHOT)
			continue;
		long n = 0;
		for (size_t r = 0; r < ev->u.snapshot.n; r++) {
			const struct tl_sock_row *row = &ev->u.snapshot.rows[r];
			enum tl_state st = row->state == TL_NEW_SYN_RECV ? TL_SYN_RECV : row->state;
			n += row->side == ex->side && st == want;
		}
		if (n > most)
			most = n;
	}
	if (most < 0) {
		snprintf(it->observed, sizeof(it->observed), "no snapshot in this run");
		snprintf(it->difference, sizeof(it->difference), "nothing counted");
		return;
	}
	snprintf(it->observed, sizeof(it->observed), "%ld", most);
	it->pass = compare_holds(ex->counter_op, most, ex->counter_value);
	if (!it->pass)
		snprintf(it->difference, sizeof(it->difference), "%ld %s sockets at most", most, tl_state_rfc_name(want));
}

/* A counter's growth over the run against "= N", ">= N" or "<= N". */
static void check_counter(const struct tl_expect *ex, const struct tl_timeline *tl, struct tl_check_item *it)
{
	snprintf(it->what, sizeof(it->what), "counter %s", ex->counter);
	snprintf(it->expected, sizeof(it->expected), "%s %ld", ex->counter_op, ex->counter_value);
	const struct tl_counters *all = tl_timeline_counters(tl);
	const struct tl_counter *c = all ? tl_counter_find(all, ex->counter) : NULL;
	if (!c) {
		snprintf(it->observed, sizeof(it->observed), "%s",
			 !all	     ? "the run recorded no counters"
			 : all->model ? "the model keeps no such counter"
				      : "no such counter in /proc/net/snmp or /proc/net/netstat");
		snprintf(it->difference, sizeof(it->difference), "not counted");
		return;
	}
	long long d = (long long)c->delta;
	snprintf(it->observed, sizeof(it->observed), "%lld", d);
	it->pass = compare_holds(ex->counter_op, d, ex->counter_value);
	if (!it->pass)
		snprintf(it->difference, sizeof(it->difference), "the counter grew by %lld", d);
}

/* Adds "title: what" to the observed list of the timers check, "; "-joined. */
static void add_timer_word(struct tl_check_item *it, const char *title, const char *what, bool more)
{
	char word[200];
	snprintf(word, sizeof(word), "%s: %s%s", title, what, more ? ";" : "");
	append_word(it->observed, sizeof(it->observed), word);
}

static void timer_failed(struct tl_check_item *it, const char *title, const char *problem)
{
	if (!it->pass)
		return;
	it->pass = false;
	snprintf(it->difference, sizeof(it->difference), "%s: %s", title, problem);
}

static void check_timers(const struct tl_series_report *series, struct tl_check_item *it)
{
	snprintf(it->what, sizeof(it->what), "timers");
	snprintf(it->expected, sizeof(it->expected),
		 "every retransmission, give-up and linger timer when the timer model predicts");
	const struct tl_linger_report *lg = &series->lingers;
	size_t timed = 0; /* series, and lingers their own timer ended: what there is to judge */
	it->pass = true;
	for (size_t i = 0; i < series->n; i++) {
		const struct tl_series *s = &series->s[i];
		char title[96], what[64];
		tl_series_title(s, title, sizeof(title));
		snprintf(what, sizeof(what), "%zu sends %s", s->n_sends, s->pass ? "as predicted" : "OFF");
		add_timer_word(it, title, what, i + 1 < series->n || lg->n);
		if (!s->pass)
			timer_failed(it, title, s->problem);
		timed++;
	}
	for (size_t i = 0; i < lg->n; i++) {
		const struct tl_linger *l = &lg->items[i];
		char title[96], what[64];
		tl_linger_title(l, title, sizeof(title));
		snprintf(what, sizeof(what), "%.3f s, %s%s", l->lasted_ms / 1e3,
			 l->end == TL_LINGER_END_TIMER ? "ended by its timer"
			 : l->end == TL_LINGER_END_PEER ? "ended by the peer"
							 : "cut off by the run's end",
			 l->pass ? (l->end == TL_LINGER_END_TIMER ? " as predicted" : "") : ", OFF");
		add_timer_word(it, title, what, i + 1 < lg->n);
		if (!l->pass)
			timer_failed(it, title, l->problem);
		if (l->end == TL_LINGER_END_TIMER)
			timed++;
	}
	if (lg->not_judged)
		timer_failed(it, "linger timers", "more stays than tcplab judges in one run");
	if (!timed && it->pass) {
		it->pass = false;
		if (!it->observed[0])
			snprintf(it->observed, sizeof(it->observed), "no retransmission and no linger timer in this run");
		snprintf(it->difference, sizeof(it->difference), "no timer ran out in this run");
	}
}

/* True when an expectation judges this call: its result is then that expectation's business. */
static bool call_expected(const struct tl_scenario *sc, const struct tl_event *call)
{
	for (size_t i = 0; i < sc->n_expects; i++) {
		const struct tl_expect *ex = &sc->expects[i];
		if (ex->kind == TL_EXPECT_CALL && judges(ex, call))
			return true;
	}
	return false;
}

/*
 * A call that failed where no expectation judges it (no expect line of its
 * side and verb, no "=> RESULT" on its step) is a finding, not a pass by
 * silence: one failing item each, at its step's line. Returns how many were
 * added, or -1 when out of memory.
 */
static int check_unexpected_failures(const struct tl_scenario *sc, const struct tl_timeline *tl,
				     struct tl_check_report *report)
{
	int added = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_APP || ev->u.app.ret >= 0 || call_expected(sc, ev))
			continue;
		struct tl_check_item *items = realloc(report->items, (report->n + 1) * sizeof(*items));
		if (!items)
			return -1;
		report->items = items;
		struct tl_check_item *it = &items[report->n++];
		memset(it, 0, sizeof(*it));
		it->line = ev->u.app.step_line;
		char name[TL_SIDE_CONN_STRLEN];
		tl_side_conn_name(ev->side, ev->u.app.conn, name, sizeof(name));
		snprintf(it->what, sizeof(it->what), "%s %s", name, ev->u.app.verb);
		snprintf(it->expected, sizeof(it->expected), "success (no expect line or => says otherwise)");
		tl_app_call_format(&ev->u.app, it->observed, sizeof(it->observed));
		snprintf(it->difference, sizeof(it->difference), "the call failed and nothing expects it");
		report->pass = false;
		added++;
	}
	return added;
}

int tl_check_run(const struct tl_scenario *sc, const struct tl_timeline *tl,
		 const struct tl_series_report *series, struct tl_check_report *report)
{
	report->pass = true;
	report->n = sc->n_expects;
	report->unchecked = sc->n_expects == 0;
	report->items = calloc(sc->n_expects ? sc->n_expects : 1, sizeof(report->items[0]));
	if (!report->items)
		return -1;
	for (size_t i = 0; i < sc->n_expects; i++) {
		const struct tl_expect *ex = &sc->expects[i];
		struct tl_check_item *it = &report->items[i];
		it->line = ex->line;
		switch (ex->kind) {
		case TL_EXPECT_STATES:
			check_states(ex, tl, it);
			break;
		case TL_EXPECT_PACKETS:
		case TL_EXPECT_ROLES:
			check_packets(ex, tl, it);
			break;
		case TL_EXPECT_CALL:
			check_call(ex, tl, it);
			break;
		case TL_EXPECT_LISTED:
			check_listed(ex, tl, it);
			break;
		case TL_EXPECT_TIMERS:
			check_timers(series, it);
			break;
		case TL_EXPECT_COUNTER:
			check_counter(ex, tl, it);
			break;
		case TL_EXPECT_COUNT:
			check_count(ex, tl, it);
			break;
		}
		if (!it->pass)
			report->pass = false;
	}
	if (check_unexpected_failures(sc, tl, report) < 0) {
		tl_check_report_free(report);
		return -1;
	}
	return 0;
}

void tl_check_report_free(struct tl_check_report *report)
{
	free(report->items);
	report->items = NULL;
	report->n = 0;
}
