/*
 * check: compares what a scenario expects with what the run observed. The
 * observed side always comes from the event stream, so the same checks judge
 * the kernel lab and, later, the simulator.
 */
#include "analysis/check.h"
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
	size_t n_obs = tl_states_path(tl, ex->side, obs, sizeof(obs) / sizeof(obs[0]));
	size_t shown = n_obs < sizeof(obs) / sizeof(obs[0]) ? n_obs : sizeof(obs) / sizeof(obs[0]);
	snprintf(it->what, sizeof(it->what), "%s states", tl_side_name(ex->side));
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

static void describe_result(int err, bool any, char *out, size_t len)
{
	if (any)
		snprintf(out, len, "any result");
	else if (err)
		snprintf(out, len, "-1 %s", tl_errno_name(err));
	else
		snprintf(out, len, "success");
}

static void check_call(const struct tl_expect *ex, const struct tl_timeline *tl,
		       struct tl_check_item *it)
{
	snprintf(it->what, sizeof(it->what), "%s %s", tl_side_name(ex->side), ex->verb);
	describe_result(ex->err, ex->any_result, it->expected, sizeof(it->expected));
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_APP || ev->side != ex->side || strcmp(ev->u.app.verb, ex->verb))
			continue;
		const struct tl_app_call *c = &ev->u.app;
		tl_app_call_format(c, it->observed, sizeof(it->observed));
		it->pass = ex->any_result || (ex->err ? (c->ret < 0 && c->err == ex->err) : c->ret >= 0);
		if (!it->pass)
			snprintf(it->difference, sizeof(it->difference), "the call's result differs");
		return;
	}
	snprintf(it->observed, sizeof(it->observed), "no %s call", ex->verb);
	snprintf(it->difference, sizeof(it->difference), "the call was never made");
	it->pass = false;
}

static void check_listed(const struct tl_expect *ex,
			 const struct tl_timeline *tl, struct tl_check_item *it)
{
	enum tl_state want = ex->states[0];
	snprintf(it->what, sizeof(it->what), "%s listed", tl_side_name(ex->side));
	snprintf(it->expected, sizeof(it->expected), "a snapshot lists a %s socket in %s",
		 tl_side_name(ex->side), tl_state_rfc_name(want));
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_SNAPSHOT)
			continue;
		for (size_t r = 0; r < ev->u.snapshot.n; r++) {
			const struct tl_sock_row *row = &ev->u.snapshot.rows[r];
			enum tl_state st = row->state == TL_NEW_SYN_RECV ? TL_SYN_RECV : row->state;
			if (row->side != ex->side)
				continue;
			append_word(it->observed, sizeof(it->observed), tl_state_rfc_name(row->state));
			if (st == (want == TL_NEW_SYN_RECV ? TL_SYN_RECV : want))
				it->pass = true;
		}
	}
	if (!it->observed[0])
		snprintf(it->observed, sizeof(it->observed), "no %s socket in any snapshot",
			 tl_side_name(ex->side));
	if (!it->pass)
		snprintf(it->difference, sizeof(it->difference), "state not listed");
}

static void check_timers(const struct tl_series_report *series, struct tl_check_item *it)
{
	snprintf(it->what, sizeof(it->what), "timers");
	snprintf(it->expected, sizeof(it->expected),
		 "every retransmission and give-up when the timer model predicts");
	it->pass = series->n > 0;
	for (size_t i = 0; i < series->n; i++) {
		const struct tl_series *s = &series->s[i];
		char title[96], word[160];
		tl_series_title(s, title, sizeof(title));
		snprintf(word, sizeof(word), "%s%s: %zu sends %s", i ? ";" : "", title, s->n_sends,
			 s->pass ? "as predicted" : "OFF");
		append_word(it->observed, sizeof(it->observed), word);
		if (!s->pass && it->pass) {
			it->pass = false;
			snprintf(it->difference, sizeof(it->difference), "%s: %s", title, s->problem);
		}
	}
	if (!series->n) {
		snprintf(it->observed, sizeof(it->observed), "no retransmission in this run");
		snprintf(it->difference, sizeof(it->difference), "nothing was retransmitted");
	}
}

int tl_check_run(const struct tl_scenario *sc, const struct tl_timeline *tl,
		 const struct tl_series_report *series, struct tl_check_report *report)
{
	report->pass = true;
	report->n = sc->n_expects;
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
		}
		if (!it->pass)
			report->pass = false;
	}
	return 0;
}

void tl_check_report_free(struct tl_check_report *report)
{
	free(report->items);
	report->items = NULL;
	report->n = 0;
}
