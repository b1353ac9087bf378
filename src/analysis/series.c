/*
 * series: finds the retransmission series of a run and judges each send
 * and each give-up against the timer model (timer_model.h), which knows the
 * kernel's rules; this file only measures and compares.
 */
#include "analysis/series.h"
#include "analysis/rtt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/invariant.h"
#include "core/textbuf.h"

#define MEASURE_SLACK_MS 2.0 /* capture and tracepoint stamps versus the timer's own clock */
#define DIAG_SLACK_MS 6.0    /* a request's end is seen by a sock_diag poll, every 2 ms */

static double ms_between(uint64_t from_ns, uint64_t to_ns)
{
	return ((double)to_ns - (double)from_ns) / 1e6;
}

/* Which later sends belong with the first one. */
enum same_as_first {
	SAME_SEQ, /* resends: the first one's sequence number */
	SAME_ACK, /* SYN-ACKs answering one SYN: a request dropped and made again has a new number, not a new ack */
};

/* Send times of one side's packets whose SYN/ACK/FIN bits match and that
 * belong with the first such packet (same), whose sequence number *first_seq
 * receives; a later connection's packets are not the series'. Stores at most
 * max times and returns how many sends there were, so that a caller sees
 * when there were more. */
static size_t collect_sends(const struct tl_timeline *tl, enum tl_side side, uint8_t mask, uint8_t want,
			    enum same_as_first same, uint64_t *t_ns, size_t max, uint32_t *first_seq)
{
	size_t n = 0;
	uint32_t seq = 0, ack = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || ev->side != side || (ev->u.packet.flags & mask) != want)
			continue;
		if (n == 0) {
			seq = ev->u.packet.seq;
			ack = ev->u.packet.ack;
		} else if (same == SAME_SEQ ? ev->u.packet.seq != seq : ev->u.packet.ack != ack) {
			continue;
		}
		if (n < max)
			t_ns[n] = ev->t_ns;
		n++;
	}
	if (first_seq)
		*first_seq = seq;
	return n;
}

/* More sends than a series holds: said in the table and judged as a difference, never cut silently. */
static size_t keep_sends(struct tl_series *s, size_t total)
{
	if (total <= TL_SERIES_MAX_SENDS)
		return total;
	s->sends_cut = total - TL_SERIES_MAX_SENDS;
	return TL_SERIES_MAX_SENDS;
}

/*
 * The first packet from side's peer after t0 that arrived (not dropped)
 * with flags & mask == want and, when ack_min is given, acknowledging at
 * least *ack_min.
 */
static bool peer_answer(const struct tl_timeline *tl, enum tl_side side, uint64_t t0, uint8_t mask, uint8_t want,
			const uint32_t *ack_min, uint64_t *t_ns)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || ev->t_ns < t0 || ev->side == side || ev->side == TL_SIDE_NONE)
			continue;
		const struct tl_packet *p = &ev->u.packet;
		if (p->dropped || (p->flags & mask) != want)
			continue;
		if (ack_min && (int32_t)(p->ack - *ack_min) < 0)
			continue;
		*t_ns = ev->t_ns;
		return true;
	}
	return false;
}

/* The run's last moment: where a series that nothing ended was cut off. */
static uint64_t run_end_ns(const struct tl_timeline *tl)
{
	return tl->n ? tl->ev[tl->n - 1].t_ns : 0;
}

/*
 * Sets s->end and s->end_ms from what was seen (t0 is the series' zero):
 * the earliest of the acknowledgement, the peer's RST and the give-up, or
 * the run's end.
 */
static void settle_end(struct tl_series *s, uint64_t t0, const struct tl_timeline *tl, bool acked, uint64_t ack_ns,
		       bool reset, uint64_t reset_ns, bool gave_up, uint64_t gave_up_ns)
{
	s->end = TL_SERIES_END_CUT_OFF;
	uint64_t end_ns = run_end_ns(tl);
	if (gave_up) {
		s->end = TL_SERIES_END_GAVE_UP;
		end_ns = gave_up_ns;
	}
	if (reset && (s->end == TL_SERIES_END_CUT_OFF || reset_ns <= end_ns)) {
		s->end = TL_SERIES_END_RESET;
		end_ns = reset_ns;
	}
	if (acked && (s->end == TL_SERIES_END_CUT_OFF || ack_ns <= end_ns)) {
		s->end = TL_SERIES_END_ACKED;
		end_ns = ack_ns;
	}
	s->end_ms = ms_between(t0, end_ns > t0 ? end_ns : t0);
	s->gave_up = s->end == TL_SERIES_END_GAVE_UP;
	s->gave_up_ms = s->gave_up ? s->end_ms : 0;
}

const char *tl_series_end_name(enum tl_series_end end)
{
	switch (end) {
	case TL_SERIES_END_GAVE_UP: return "gave up";
	case TL_SERIES_END_ACKED: return "acknowledged";
	case TL_SERIES_END_RESET: return "reset";
	case TL_SERIES_END_CUT_OFF: return "cut off";
	}
	return "?";
}

/* The first state change of side after t0 that ends in CLOSE from one of `from`. */
static bool find_end(const struct tl_timeline *tl, enum tl_side side, uint64_t t0, const enum tl_state *from,
		     size_t n_from, bool last, uint64_t *t_ns)
{
	bool found = false;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_STATE || ev->side != side || ev->t_ns < t0 || ev->u.state.to != TL_CLOSE)
			continue;
		for (size_t k = 0; k < n_from; k++) {
			if (ev->u.state.from != from[k])
				continue;
			*t_ns = ev->t_ns;
			found = true;
			if (!last)
				return true;
		}
	}
	return found;
}

static void side_settings(const struct tl_scenario *sc, enum tl_side side, const struct tl_timer_settings *ns,
			  struct tl_timer_settings *out)
{
	*out = *ns;
	for (size_t i = 0; i < sc->n_steps; i++) {
		const struct tl_step *st = &sc->steps[i];
		if (st->kind != TL_STEP_SETSOCKOPT || st->side != side)
			continue;
		/* A value the kernel refused left the socket as it was: so does this. */
		(void)tl_timer_settings_sockopt(out, st->opt, st->opt_value);
	}
}

/* Judges the measured sends against the predicted ones, in order. */
static void judge_sends(struct tl_series *s)
{
	s->pass = !s->sends_cut;
	if (s->sends_cut)
		tl_textf(s->problem, sizeof(s->problem), "%zu sends more than the %d a series holds: not judged", s->sends_cut,
			 TL_SERIES_MAX_SENDS);
	for (size_t i = 0; i < s->n_sends; i++) {
		struct tl_series_send *x = &s->sends[i];
		if (!x->predicted) {
			x->ok = false;
			continue;
		}
		x->ok = x->at_ms >= x->pred_at_ms - MEASURE_SLACK_MS &&
			x->at_ms <= x->pred_at_ms + x->allowed_late_ms + MEASURE_SLACK_MS;
		if (!x->ok && s->pass) {
			s->pass = false;
			tl_textf(s->problem, sizeof(s->problem),
				 "send #%zu at %.3f s, predicted %.3f s (allowed up to %.3f s late)", i,
				 x->at_ms / 1e3, x->pred_at_ms / 1e3, x->allowed_late_ms / 1e3);
		}
	}
}

/*
 * For a series that ended before any give-up: how many of the predicted
 * sends (times pred_ms, each allowed late_ms) fit before the end. Those whose
 * latest time is before it must have happened; those predicted no later
 * than it may have.
 */
static void judge_count_before(struct tl_series *s, const double *pred_ms, const double *late_ms, size_t n_pred)
{
	s->pred_lo = s->pred_hi = 0;
	for (size_t i = 0; i < n_pred; i++) {
		if (pred_ms[i] + late_ms[i] + MEASURE_SLACK_MS < s->end_ms)
			s->pred_lo++;
		if (pred_ms[i] - MEASURE_SLACK_MS <= s->end_ms)
			s->pred_hi++;
	}
	if ((s->n_sends < s->pred_lo || s->n_sends > s->pred_hi) && s->pass) {
		s->pass = false;
		if (s->pred_lo == s->pred_hi)
			tl_textf(s->problem, sizeof(s->problem), "%zu sends before it was %s at %.3f s, the model predicts %zu",
				 s->n_sends, tl_series_end_name(s->end), s->end_ms / 1e3, s->pred_lo);
		else
			tl_textf(s->problem, sizeof(s->problem),
				 "%zu sends before it was %s at %.3f s, the model predicts %zu to %zu", s->n_sends,
				 tl_series_end_name(s->end), s->end_ms / 1e3, s->pred_lo, s->pred_hi);
	}
}

static void judge_count_and_end(struct tl_series *s, int marginal_retx, double extra_slack_ms, const double *pred_ms,
				const double *late_ms, size_t n_pred)
{
	if (s->end != TL_SERIES_END_GAVE_UP) {
		judge_count_before(s, pred_ms, late_ms, n_pred);
		return;
	}
	bool count_ok = s->n_sends == s->n_predicted ||
			(marginal_retx >= 0 && s->n_sends == (size_t)marginal_retx + 1);
	if (!count_ok && s->pass) {
		s->pass = false;
		tl_textf(s->problem, sizeof(s->problem), "%zu retransmissions, the model predicts %zu",
			 s->n_sends ? s->n_sends - 1 : 0, s->n_predicted ? s->n_predicted - 1 : 0);
	}
	double late = s->give_up_late_ms + MEASURE_SLACK_MS + extra_slack_ms;
	if ((s->gave_up_ms < s->pred_give_up_ms - MEASURE_SLACK_MS || s->gave_up_ms > s->pred_give_up_ms + late) &&
	    s->pass) {
		s->pass = false;
		tl_textf(s->problem, sizeof(s->problem), "gave up at %.3f s, predicted %.3f s (allowed up to %.3f s late)",
			 s->gave_up_ms / 1e3, s->pred_give_up_ms / 1e3, late / 1e3);
	}
}

/* What the send at index i of a series predicted from a schedule is called. */
static const char *send_name(const struct tl_series *s, size_t i, size_t originals,
			     const struct tl_timer_schedule *sched)
{
	if (i < originals)
		return s->kind == TL_SERIES_SYN ? "SYN" : "FIN";
	if (s->kind == TL_SERIES_KEEPALIVE)
		return "keepalive probe";
	if (s->kind == TL_SERIES_PERSIST)
		return "window probe";
	bool tlp = i - originals < sched->n_retx && sched->retx[i - originals].tlp;
	return tlp ? "tail-loss probe" : "retransmission";
}

/*
 * A series the schedule gives send by send: SYN and FIN, whose first send
 * (originals = 1) is the segment itself at zero_ns, and keepalive, whose
 * every probe is the timer's (originals = 0) and whose zero is when the
 * connection fell silent.
 */
static int fill_from_schedule(struct tl_series *s, const uint64_t *t_ns, size_t n, uint64_t zero_ns, size_t originals,
			      const struct tl_timer_settings *set, char *err, size_t errlen)
{
	struct tl_timer_schedule *sched = malloc(sizeof(*sched));
	if (!sched)
		return tl_errorf(err, errlen, "out of memory");
	int rc = s->kind == TL_SERIES_PERSIST && s->peer_answers
			 ? tl_timer_predict_persist_answered(set, TL_TIMER_MAX_RETX, sched, err, errlen)
			 : tl_timer_predict(s->tcase, set, sched, err, errlen);
	if (rc < 0) {
		free(sched);
		return -1;
	}
	s->n_predicted = sched->n_retx + originals;
	s->n_sends = n < TL_SERIES_MAX_SENDS ? n : TL_SERIES_MAX_SENDS;
	double pred_ms[TL_SERIES_MAX_SENDS] = { 0 }, late_ms[TL_SERIES_MAX_SENDS] = { 0 };
	for (size_t i = originals; i < s->n_predicted && i < TL_SERIES_MAX_SENDS; i++) {
		pred_ms[i] = (double)sched->retx[i - originals].at_ms;
		late_ms[i] = (double)sched->retx[i - originals].cum_lateness_ms;
	}
	for (size_t i = 0; i < s->n_sends; i++) {
		struct tl_series_send *x = &s->sends[i];
		x->at_ms = ms_between(zero_ns, t_ns[i]);
		x->predicted = i < s->n_predicted;
		x->what = send_name(s, i, originals, sched);
		if (x->predicted && i >= originals) {
			x->pred_at_ms = pred_ms[i];
			x->allowed_late_ms = late_ms[i];
		}
	}
	s->no_give_up = sched->end == TL_END_NEVER;
	s->pred_give_up_ms = (double)sched->give_up_ms;
	s->give_up_late_ms = (double)sched->give_up_lateness_ms;
	tl_textf(s->give_up_why, sizeof(s->give_up_why), "%s", sched->give_up_why);
	judge_sends(s);
	judge_count_and_end(s, sched->marginal_retx, 0, pred_ms, late_ms,
			    s->n_predicted < TL_SERIES_MAX_SENDS ? s->n_predicted : TL_SERIES_MAX_SENDS);
	free(sched);
	return 0;
}

/*
 * The next series of the report, for side's sends of one kind (total of
 * them seen), with the settings side's sockets had in *set. One series per
 * kind and side, eight at most: the array cannot fill, and NULL says it did.
 */
static struct tl_series *new_series(struct tl_series_report *out, enum tl_series_kind kind, enum tl_side side,
				    enum tl_timer_case tcase, size_t *total, const struct tl_scenario *sc,
				    const struct tl_timer_settings *ns, struct tl_timer_settings *set)
{
	TL_ASSERT(out->n < TL_SERIES_MAX);
	if (out->n == TL_SERIES_MAX)
		return NULL;
	struct tl_series *s = &out->s[out->n++];
	*total = keep_sends(s, *total);
	side_settings(sc, side, ns, set);
	s->kind = kind;
	s->side = side;
	s->tcase = tcase;
	return s;
}

static int analyze_syn(const struct tl_scenario *sc, const struct tl_timeline *tl, const struct tl_timer_settings *ns,
		       struct tl_series_report *out, uint64_t *t_ns, char *err, size_t errlen)
{
	uint32_t syn_seq;
	size_t n = collect_sends(tl, TL_SIDE_CLIENT, TL_TH_SYN | TL_TH_ACK, TL_TH_SYN, SAME_SEQ, t_ns, TL_SERIES_MAX_SENDS,
				 &syn_seq);
	if (n < 2)
		return 0;
	struct tl_timer_settings set;
	struct tl_series *s = new_series(out, TL_SERIES_SYN, TL_SIDE_CLIENT, TL_TIMER_SYN_SENT, &n, sc, ns, &set);
	if (!s)
		return 0;
	const enum tl_state from[] = { TL_SYN_SENT };
	const uint32_t acked_seq = syn_seq + 1;
	uint64_t end_ns = 0, ack_ns = 0, rst_ns = 0;
	bool gave_up = find_end(tl, TL_SIDE_CLIENT, t_ns[0], from, 1, false, &end_ns);
	bool acked = peer_answer(tl, TL_SIDE_CLIENT, t_ns[0], TL_TH_SYN | TL_TH_ACK | TL_TH_RST, TL_TH_SYN | TL_TH_ACK,
				 &acked_seq, &ack_ns);
	bool reset = peer_answer(tl, TL_SIDE_CLIENT, t_ns[0], TL_TH_RST, TL_TH_RST, NULL, &rst_ns);
	settle_end(s, t_ns[0], tl, acked, ack_ns, reset, rst_ns, gave_up, end_ns);
	tl_timer_explain_vs_walkthrough(s->tcase, &set, s->versus_walkthrough, sizeof(s->versus_walkthrough), NULL, 0);
	return fill_from_schedule(s, t_ns, n, t_ns[0], 1, &set, err, errlen);
}

static bool closed_before(const struct tl_timeline *tl, enum tl_side side, uint64_t t)
{
	for (size_t i = 0; i < tl->n && tl->ev[i].t_ns <= t; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_APP && ev->side == side &&
		    (!strcmp(ev->u.app.verb, "close") || !strcmp(ev->u.app.verb, "abort")))
			return true;
	}
	return false;
}

static enum tl_state state_at(const struct tl_timeline *tl, enum tl_side side, uint64_t t)
{
	enum tl_state st = TL_STATE_NONE;
	for (size_t i = 0; i < tl->n && tl->ev[i].t_ns <= t; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_STATE && ev->side == side && ev->u.state.tuple.dport)
			st = ev->u.state.to;
	}
	return st;
}

static int analyze_fin(const struct tl_scenario *sc, const struct tl_timeline *tl, enum tl_side side,
		       const struct tl_timer_settings *ns, struct tl_series_report *out, uint64_t *t_ns, char *err,
		       size_t errlen)
{
	uint32_t fin_seq;
	size_t n = collect_sends(tl, side, TL_TH_FIN, TL_TH_FIN, SAME_SEQ, t_ns, TL_SERIES_MAX_SENDS, &fin_seq);
	if (n < 2)
		return 0;
	struct tl_timer_settings set;
	struct tl_series *s = new_series(out, TL_SERIES_FIN, side, TL_TIMER_DATA, &n, sc, ns, &set);
	if (!s)
		return 0;
	/* The FIN's packet is captured just after the close() that moved the state. */
	enum tl_state st = state_at(tl, side, t_ns[0]);
	bool orphan = closed_before(tl, side, t_ns[0] + 1000000);
	s->tcase = !orphan ? TL_TIMER_DATA : st == TL_LAST_ACK ? TL_TIMER_LAST_ACK : TL_TIMER_FIN_WAIT1;
	const enum tl_state from[] = { TL_FIN_WAIT1, TL_LAST_ACK, TL_CLOSING };
	/* The FIN takes one sequence number; data before it was acknowledged or is resent with it. */
	const uint32_t acked_seq = fin_seq + 1;
	uint64_t end_ns = 0, ack_ns = 0, rst_ns = 0;
	bool gave_up = find_end(tl, side, t_ns[0], from, 3, false, &end_ns);
	bool acked = peer_answer(tl, side, t_ns[0], TL_TH_ACK | TL_TH_RST, TL_TH_ACK, &acked_seq, &ack_ns);
	bool reset = peer_answer(tl, side, t_ns[0], TL_TH_RST, TL_TH_RST, NULL, &rst_ns);
	settle_end(s, t_ns[0], tl, acked, ack_ns, reset, rst_ns, gave_up, end_ns);
	tl_timer_explain_vs_walkthrough(s->tcase, &set, s->versus_walkthrough, sizeof(s->versus_walkthrough), NULL, 0);
	return fill_from_schedule(s, t_ns, n, t_ns[0], 1, &set, err, errlen);
}

/* Server SYN-ACKs: the request timer and the answers to the client's duplicate SYNs. */
/*
 * Fills s with the run's SYN-ACKs (t_ns, n of them) against the predicted
 * exchange ex, and judges them.
 */
static void fill_synack(struct tl_series *s, const struct tl_timer_synack_exchange *ex,
			const struct tl_timer_settings *set, const struct tl_timeline *tl, const uint64_t *syn_ns,
			const uint64_t *t_ns, size_t n, size_t syns_cut, uint32_t synack_seq)
{
	n = keep_sends(s, n);
	if (syns_cut > s->sends_cut)
		s->sends_cut = syns_cut;
	s->kind = TL_SERIES_SYNACK;
	s->side = TL_SIDE_SERVER;
	s->tcase = TL_TIMER_SYNACK;
	s->n_sends = n;
	double allowance_ms = 0, prev_ms = 0;
	double pred_ms[TL_SERIES_MAX_SENDS] = { 0 }, late_ms[TL_SERIES_MAX_SENDS] = { 0 };
	for (size_t k = 0; k < ex->n_events; k++) {
		const struct tl_timer_synack_event *e = &ex->events[k];
		/* Timer events may be late by the wheel's granularity for the time they waited. */
		if (e->kind == TL_SYNACK_TIMER || e->kind == TL_SYNACK_DROP)
			allowance_ms += (double)tl_timer_allowed_lateness_ms(e->at_ms - (int64_t)prev_ms, set->hz);
		if (e->kind == TL_SYNACK_DROP || e->kind == TL_SYNACK_DUP_IGNORED)
			continue;
		prev_ms = (double)e->at_ms;
		if (s->n_predicted < TL_SERIES_MAX_SENDS) {
			pred_ms[s->n_predicted] = (double)e->at_ms;
			late_ms[s->n_predicted] = e->kind == TL_SYNACK_TIMER ? allowance_ms : 0;
		}
		if (s->n_predicted < n && s->n_predicted < TL_SERIES_MAX_SENDS) {
			struct tl_series_send *x = &s->sends[s->n_predicted];
			x->predicted = true;
			x->pred_at_ms = (double)e->at_ms;
			x->allowed_late_ms = e->kind == TL_SYNACK_TIMER ? allowance_ms : 0;
			x->what = tl_timer_synack_event_name(e->kind);
		}
		s->n_predicted++;
	}
	for (size_t i = 0; i < n; i++) {
		s->sends[i].at_ms = ms_between(syn_ns[0], t_ns[i]);
		if (!s->sends[i].predicted)
			s->sends[i].what = "SYN-ACK";
	}
	s->pred_give_up_ms = (double)ex->last_drop_ms;
	s->give_up_late_ms = allowance_ms;
	tl_textf(s->give_up_why, sizeof(s->give_up_why),
		 "the request timer used up tcp_synack_retries (%d) firings", set->syncnt ? set->syncnt : set->synack_retries);
	const enum tl_state from[] = { TL_SYN_RECV };
	/* The handshake's last ACK acknowledges the SYN-ACK's one sequence number. */
	const uint32_t acked_seq = synack_seq + 1;
	uint64_t end_ns = 0, ack_ns = 0, rst_ns = 0;
	bool gave_up = find_end(tl, TL_SIDE_SERVER, syn_ns[0], from, 1, true, &end_ns);
	bool acked = peer_answer(tl, TL_SIDE_SERVER, t_ns[0], TL_TH_SYN | TL_TH_ACK | TL_TH_RST, TL_TH_ACK, &acked_seq,
				 &ack_ns);
	bool reset = peer_answer(tl, TL_SIDE_SERVER, t_ns[0], TL_TH_RST, TL_TH_RST, NULL, &rst_ns);
	settle_end(s, syn_ns[0], tl, acked, ack_ns, reset, rst_ns, gave_up, end_ns);
	tl_timer_explain_vs_walkthrough(s->tcase, set, s->versus_walkthrough, sizeof(s->versus_walkthrough), NULL, 0);
	judge_sends(s);
	judge_count_and_end(s, -1, DIAG_SLACK_MS, pred_ms, late_ms,
			    s->n_predicted < TL_SERIES_MAX_SENDS ? s->n_predicted : TL_SERIES_MAX_SENDS);
}

static int analyze_synack(const struct tl_scenario *sc, const struct tl_timeline *tl, const struct tl_timer_settings *ns,
			  struct tl_series_report *out, uint64_t *t_ns, char *err, size_t errlen)
{
	uint32_t synack_seq;
	size_t n = collect_sends(tl, TL_SIDE_SERVER, TL_TH_SYN | TL_TH_ACK, TL_TH_SYN | TL_TH_ACK, SAME_ACK, t_ns,
				 TL_SERIES_MAX_SENDS, &synack_seq);
	if (n < 2)
		return 0;
	/* One series per kind and side, four at most: the array cannot fill. */
	TL_ASSERT(out->n < TL_SERIES_MAX);
	if (out->n == TL_SERIES_MAX)
		return 0;
	uint64_t *syn_ns = malloc(TL_SERIES_MAX_SENDS * sizeof(*syn_ns));
	int64_t *syn_ms = malloc(TL_SERIES_MAX_SENDS * sizeof(*syn_ms));
	struct tl_timer_synack_exchange *ex = malloc(sizeof(*ex));
	int rc = -1;
	if (!syn_ns || !syn_ms || !ex) {
		tl_errorf(err, errlen, "out of memory");
		goto done;
	}
	size_t n_syn = collect_sends(tl, TL_SIDE_CLIENT, TL_TH_SYN | TL_TH_ACK, TL_TH_SYN, SAME_SEQ, syn_ns,
				     TL_SERIES_MAX_SENDS, NULL);
	/* More SYNs than held: the exchange would be predicted from part of them; the series says so. */
	const size_t syns_cut = n_syn > TL_SERIES_MAX_SENDS ? n_syn - TL_SERIES_MAX_SENDS : 0;
	if (syns_cut)
		n_syn = TL_SERIES_MAX_SENDS;
	if (!n_syn) {
		rc = 0;
		goto done;
	}
	for (size_t i = 0; i < n_syn; i++)
		syn_ms[i] = (int64_t)(ms_between(syn_ns[0], syn_ns[i]) + 0.5);
	struct tl_timer_settings set;
	side_settings(sc, TL_SIDE_SERVER, ns, &set);
	if (tl_timer_predict_synack_exchange(&set, 0, syn_ms, n_syn, ex, err, errlen) < 0)
		goto done;

	struct tl_series *s = &out->s[out->n++];
	fill_synack(s, ex, &set, tl, syn_ns, t_ns, n, syns_cut, synack_seq);
	/* The client's SYN and the request's timer due in one wheel bucket run in either
	 * order: a run that fails the first order is judged against the other too. */
	struct tl_series *other = s->pass ? NULL : calloc(1, sizeof(*other));
	if (other && tl_timer_predict_synack_exchange_late(&set, 0, syn_ms, n_syn, true, ex, err, errlen) == 0) {
		fill_synack(other, ex, &set, tl, syn_ns, t_ns, n, syns_cut, synack_seq);
		if (other->pass) {
			memcpy(s, other, sizeof(*s));
			tl_appendf(s->give_up_why, sizeof(s->give_up_why),
				   "; a request timer ran after a SYN due in its bucket (the wheel's order)");
		}
	}
	free(other);
	rc = 0;
done:
	free(syn_ns);
	free(syn_ms);
	free(ex);
	return rc;
}

/* ---- keepalive probes ---- */

/* The side's probes of one role sent after after_ns, up to max times stored; returns how many there were. */
static size_t collect_probes(const struct tl_timeline *tl, enum tl_side side, enum tl_role role, uint64_t after_ns,
			     uint64_t *t_ns, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || ev->side != side || ev->t_ns <= after_ns ||
		    ev->u.packet.role != role)
			continue;
		if (n < max)
			t_ns[n] = ev->t_ns;
		n++;
	}
	return n;
}

/* When side last heard from its peer (a packet that arrived) before t_ns; 0 if never. */
static uint64_t last_heard(const struct tl_timeline *tl, enum tl_side side, uint64_t t_ns)
{
	uint64_t heard = 0;
	for (size_t i = 0; i < tl->n && tl->ev[i].t_ns < t_ns; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_PACKET && ev->side != side && ev->side != TL_SIDE_NONE && !ev->u.packet.dropped)
			heard = ev->t_ns;
	}
	return heard;
}

/*
 * Where the silence that the first probe ended began, as the kernel counts
 * it: from the last segment received, unless SO_KEEPALIVE was switched on
 * over the connection later, which arms the timer for the idle time from
 * that call (tcp_set_keepalive()); a TCP_KEEPIDLE set after it re-arms from
 * the last segment received again.
 */
static uint64_t silence_start(const struct tl_timeline *tl, enum tl_side side, uint64_t heard_ns,
			      uint64_t first_probe_ns)
{
	char on[64];
	const char *idle = tl_sockopt_info(TL_OPT_KEEPIDLE)->kernel_name;
	uint64_t switched_ns = 0;
	tl_sockopt_call_text(TL_OPT_KEEPALIVE, 1, on, sizeof(on));
	for (size_t i = 0; i < tl->n && tl->ev[i].t_ns < first_probe_ns; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_APP || ev->side != side || ev->u.app.ret < 0)
			continue;
		if (!strcmp(ev->u.app.call, on))
			switched_ns = ev->u.app.called_ns ? ev->u.app.called_ns : ev->t_ns;
		else if (strstr(ev->u.app.call, idle))
			switched_ns = 0;
	}
	return switched_ns > heard_ns ? switched_ns : heard_ns;
}

/* The side's first RST after t_ns: how its keepalive gave up. */
static bool reset_sent(const struct tl_timeline *tl, enum tl_side side, uint64_t t_ns, uint64_t *at_ns)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_PACKET && ev->side == side && ev->t_ns > t_ns && (ev->u.packet.flags & TL_TH_RST)) {
			*at_ns = ev->t_ns;
			return true;
		}
	}
	return false;
}

/*
 * The last run of unanswered keepalive probes of side: those after the last
 * packet it heard from its peer before its last probe. Each is judged
 * against the timer model from the start of that silence; the run ends
 * with the side's RST (gave up), an answer from the peer, or the run's end.
 */
static int analyze_keepalive(const struct tl_scenario *sc, const struct tl_timeline *tl, enum tl_side side,
			     const struct tl_timer_settings *ns, struct tl_series_report *out, uint64_t *t_ns, char *err,
			     size_t errlen)
{
	size_t n = collect_probes(tl, side, TL_ROLE_KEEPALIVE_PROBE, 0, t_ns, TL_SERIES_MAX_SENDS);
	if (!n)
		return 0;
	uint64_t last_probe_ns = t_ns[(n < TL_SERIES_MAX_SENDS ? n : TL_SERIES_MAX_SENDS) - 1];
	uint64_t heard_ns = last_heard(tl, side, last_probe_ns);
	n = collect_probes(tl, side, TL_ROLE_KEEPALIVE_PROBE, heard_ns, t_ns, TL_SERIES_MAX_SENDS);
	struct tl_timer_settings set;
	struct tl_series *s = new_series(out, TL_SERIES_KEEPALIVE, side, TL_TIMER_KEEPALIVE_PROBES, &n, sc, ns, &set);
	if (!s)
		return 0;
	uint64_t zero_ns = silence_start(tl, side, heard_ns, t_ns[0]);
	uint64_t rst_ns = 0, answer_ns = 0, peer_rst_ns = 0;
	bool gave_up = reset_sent(tl, side, t_ns[0], &rst_ns);
	bool answered = peer_answer(tl, side, t_ns[n - 1] + 1, 0, 0, NULL, &answer_ns);
	bool reset = peer_answer(tl, side, t_ns[0], TL_TH_RST, TL_TH_RST, NULL, &peer_rst_ns);
	settle_end(s, zero_ns, tl, answered, answer_ns, reset, peer_rst_ns, gave_up, rst_ns);
	return fill_from_schedule(s, t_ns, n, zero_ns, 0, &set, err, errlen);
}

/* ---- window probes (the persist timer) ---- */

/* The first packet from side's peer after t0 that opens the window, or says anything at all (any_packet). */
static bool peer_speaks(const struct tl_timeline *tl, enum tl_side side, uint64_t t0, bool any_packet, uint64_t *t_ns)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || ev->t_ns <= t0 || ev->side == side || ev->side == TL_SIDE_NONE ||
		    ev->u.packet.dropped || (!any_packet && !ev->u.packet.window))
			continue;
		*t_ns = ev->t_ns;
		return true;
	}
	return false;
}

/*
 * The side's window probes: the persist timer, armed by the ACK that closed
 * the window (the last packet the side heard before its first probe), at
 * the RTO the side's connection measured by then. The peer's window
 * update ends the series (acknowledged); so does the side's connection
 * closing (gave up: ETIMEDOUT, no RST), a RST, or the run's end. The
 * schedule is that of a peer that answers when it answered any probe
 * (only TCP_USER_TIMEOUT ends it), else of one gone silent (tcp_retries2).
 */
static int analyze_persist(const struct tl_scenario *sc, const struct tl_timeline *tl, enum tl_side side,
			   const struct tl_timer_settings *ns, struct tl_series_report *out, uint64_t *t_ns, char *err,
			   size_t errlen)
{
	size_t n = collect_probes(tl, side, TL_ROLE_WINDOW_PROBE, 0, t_ns, TL_SERIES_MAX_SENDS);
	if (!n)
		return 0;
	struct tl_timer_settings set;
	struct tl_series *s = new_series(out, TL_SERIES_PERSIST, side, TL_TIMER_PERSIST, &n, sc, ns, &set);
	if (!s)
		return 0;
	uint64_t zero_ns = last_heard(tl, side, t_ns[0]);
	int64_t rto_ms = tl_rtt_capture_rto_ms(tl, side, zero_ns, &set);
	if (rto_ms > 0)
		set.established_rto_ms = (int)rto_ms;
	const enum tl_state from[] = { TL_ESTABLISHED, TL_CLOSE_WAIT };
	uint64_t end_ns = 0, open_ns = 0, rst_ns = 0, answer_ns = 0;
	bool gave_up = find_end(tl, side, t_ns[0], from, 2, false, &end_ns);
	bool opened = peer_speaks(tl, side, t_ns[0], false, &open_ns);
	bool reset = peer_answer(tl, side, t_ns[0], TL_TH_RST, TL_TH_RST, NULL, &rst_ns);
	s->peer_answers = peer_speaks(tl, side, t_ns[0], true, &answer_ns) && (!opened || answer_ns < open_ns);
	settle_end(s, zero_ns, tl, opened, open_ns, reset, rst_ns, gave_up, end_ns);
	return fill_from_schedule(s, t_ns, n, zero_ns, 0, &set, err, errlen);
}

/*
 * The timeline without a flood's and a crowd's events (a view: the events
 * stay the timeline's): series and stays follow the scenario's own
 * connections, one per side, while many connections are judged by counts.
 * Returns 0 with own->ev NULL when there is nothing to leave out.
 */
static int own_connections(const struct tl_timeline *tl, struct tl_timeline *own)
{
	*own = *tl;
	own->ev = NULL;
	size_t n = 0;
	for (size_t i = 0; i < tl->n; i++)
		n += !tl_conn_is_many(tl->ev[i].conn);
	if (n == tl->n)
		return 0;
	if (!(own->ev = malloc((n ? n : 1) * sizeof(*own->ev))))
		return -1;
	own->n = own->cap = 0;
	for (size_t i = 0; i < tl->n; i++)
		if (!tl_conn_is_many(tl->ev[i].conn))
			own->ev[own->n++] = tl->ev[i];
	own->cap = own->n;
	return 0;
}

int tl_series_analyze(const struct tl_scenario *sc, const struct tl_timeline *whole,
		      const struct tl_timer_settings *settings, struct tl_series_report *out,
		      char *err, size_t errlen)
{
	struct tl_timeline own;
	memset(out, 0, sizeof(*out));
	if (own_connections(whole, &own) < 0)
		return tl_errorf(err, errlen, "out of memory");
	const struct tl_timeline *tl = own.ev ? &own : whole;
	uint64_t *t_ns = malloc(TL_SERIES_MAX_SENDS * sizeof(*t_ns));
	int rc = -1;
	if (!t_ns) {
		free(own.ev);
		return tl_errorf(err, errlen, "out of memory");
	}
	if (analyze_syn(sc, tl, settings, out, t_ns, err, errlen) == 0 &&
	    analyze_synack(sc, tl, settings, out, t_ns, err, errlen) == 0 &&
	    analyze_fin(sc, tl, TL_SIDE_CLIENT, settings, out, t_ns, err, errlen) == 0 &&
	    analyze_fin(sc, tl, TL_SIDE_SERVER, settings, out, t_ns, err, errlen) == 0 &&
	    analyze_keepalive(sc, tl, TL_SIDE_CLIENT, settings, out, t_ns, err, errlen) == 0 &&
	    analyze_keepalive(sc, tl, TL_SIDE_SERVER, settings, out, t_ns, err, errlen) == 0 &&
	    analyze_persist(sc, tl, TL_SIDE_CLIENT, settings, out, t_ns, err, errlen) == 0 &&
	    analyze_persist(sc, tl, TL_SIDE_SERVER, settings, out, t_ns, err, errlen) == 0) {
		struct tl_timer_settings client, server;
		side_settings(sc, TL_SIDE_CLIENT, settings, &client);
		side_settings(sc, TL_SIDE_SERVER, settings, &server);
		const struct tl_timer_settings *per_side[3] = { settings, &client, &server };
		rc = tl_linger_analyze(tl, per_side, &out->lingers, err, errlen);
	}
	free(t_ns);
	free(own.ev);
	return rc;
}

void tl_series_title(const struct tl_series *s, char *out, size_t len)
{
	tl_textf(out, len, "%s %s", tl_side_name(s->side), tl_timer_case_name(s->tcase));
}

static void render_walkthrough(FILE *out, const struct tl_walkthrough_gaps *g)
{
	if (!g->n)
		return;
	fprintf(out, "       walkthrough's gaps: ");
	for (size_t i = 0; i < g->n; i++)
		fprintf(out, "%s%g", i ? ", " : "", g->gaps_s[i]);
	fprintf(out, " s\n");
}

static void render_count(char *out, size_t len, size_t lo, size_t hi)
{
	if (lo == hi)
		tl_textf(out, len, "%zu", lo);
	else
		tl_textf(out, len, "%zu to %zu", lo, hi);
}

/* How the series ended, and what the model says of that end. */
static void render_end(FILE *out, const struct tl_series *s)
{
	char allowed[48];
	render_count(allowed, sizeof(allowed), s->pred_lo, s->pred_hi);
	switch (s->end) {
	case TL_SERIES_END_GAVE_UP:
		if (s->n_predicted > s->n_sends)
			fprintf(out, "     (the model predicts %zu more send%s)\n", s->n_predicted - s->n_sends,
				s->n_predicted - s->n_sends == 1 ? "" : "s");
		fprintf(out, "     gave up at %.3f s, predicted %.3f s: %s\n", s->gave_up_ms / 1e3, s->pred_give_up_ms / 1e3,
			s->give_up_why);
		return;
	case TL_SERIES_END_ACKED:
	case TL_SERIES_END_RESET:
		fprintf(out, "     %s by the peer at %.3f s after %zu send%s; the model predicts %s send%s by then\n",
			s->end == TL_SERIES_END_ACKED ? "acknowledged" : "reset", s->end_ms / 1e3, s->n_sends,
			s->n_sends == 1 ? "" : "s", allowed, s->pred_hi == 1 ? "" : "s");
		if (s->no_give_up)
			fprintf(out, "     (had it not ended, no give-up: %s)\n", s->give_up_why);
		else
			fprintf(out, "     (had it not ended, the give-up was predicted at %.3f s: %s)\n",
				s->pred_give_up_ms / 1e3, s->give_up_why);
		return;
	case TL_SERIES_END_CUT_OFF:
		fprintf(out, "     cut off by the end of the run at %.3f s after %zu send%s; the model predicts %s send%s by then\n",
			s->end_ms / 1e3, s->n_sends, s->n_sends == 1 ? "" : "s", allowed, s->pred_hi == 1 ? "" : "s");
		if (s->no_give_up)
			fprintf(out, "     no give-up predicted: %s\n", s->give_up_why);
		else
			fprintf(out, "     predicted give-up at %.3f s: %s\n", s->pred_give_up_ms / 1e3, s->give_up_why);
		return;
	}
}

static void render_one(FILE *out, const struct tl_scenario *sc, const struct tl_series *s)
{
	char title[96];
	const struct tl_walkthrough_gaps *g = &sc->walkthrough[s->kind];
	bool per_row = s->kind != TL_SERIES_SYNACK && g->n;
	tl_series_title(s, title, sizeof(title));
	fprintf(out, "\n   retransmissions: %s\n", title);
	/* The walkthrough's column holds its gap before this send, beside ours. */
	fprintf(out, "     %-4s %-26s %9s %9s %11s %11s  %-11s %s\n", "#", "send", "at (s)", "gap (s)", "predicted",
		"pred. gap", per_row ? "walk. gap" : "", "vs model");
	for (size_t i = 0; i < s->n_sends; i++) {
		const struct tl_series_send *x = &s->sends[i];
		char at[16] = "-", gap[16] = "-", pred[16] = "-", pgap[16] = "-", walk[16] = "";
		snprintf(at, sizeof(at), "%.3f", x->at_ms / 1e3);
		if (i)
			snprintf(gap, sizeof(gap), "%.3f", (x->at_ms - s->sends[i - 1].at_ms) / 1e3);
		if (x->predicted) {
			snprintf(pred, sizeof(pred), "%.3f", x->pred_at_ms / 1e3);
			if (i && s->sends[i - 1].predicted)
				snprintf(pgap, sizeof(pgap), "%.3f", (x->pred_at_ms - s->sends[i - 1].pred_at_ms) / 1e3);
		}
		if (per_row && i && i - 1 < g->n)
			snprintf(walk, sizeof(walk), "%g", g->gaps_s[i - 1]);
		fprintf(out, "     %-4zu %-26s %9s %9s %11s %11s  %-11s %s\n", i, x->what, at, gap, pred, pgap, walk,
			!x->predicted ? "NOT PREDICTED" : x->ok ? "ok" : "OFF");
	}
	fprintf(out, "     (vs model: ok when sent no earlier than predicted and no later than the kernel's timer\n"
		     "      wheel may delay it, %.0f ms of capture slack either way)\n", MEASURE_SLACK_MS);
	if (s->sends_cut)
		fprintf(out, "     (%zu more sends not shown or judged: a series holds %d)\n", s->sends_cut, TL_SERIES_MAX_SENDS);
	render_end(out, s);
	render_walkthrough(out, g);
	if (s->versus_walkthrough[0])
		fprintf(out, "       versus the walkthrough: %s\n", s->versus_walkthrough);
	fprintf(out, "     %s%s%s\n", s->pass ? "matches the model" : "DIFFERS from the model: ", s->pass ? "" : s->problem,
		"");
}

void tl_series_render(FILE *out, const struct tl_scenario *sc, const struct tl_series_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		render_one(out, sc, &rep->s[i]);
	tl_linger_render(out, &rep->lingers);
}
