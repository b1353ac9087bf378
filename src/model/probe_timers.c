/*
 * probe_timers: the two timers that probe a peer instead of resending data.
 *
 * Keepalive (tcp_keepalive_timer()): once a connection with SO_KEEPALIVE has
 * received nothing for the idle time (TCP_KEEPIDLE or tcp_keepalive_time),
 * the timer sends a probe (an ACK whose sequence number is one below
 * snd_una) and then one every interval (TCP_KEEPINTVL or
 * tcp_keepalive_intvl). Each firing first checks whether to give up: with
 * TCP_USER_TIMEOUT set, when the silence has lasted that long and a probe is
 * out; otherwise when TCP_KEEPCNT (tcp_keepalive_probes) probes went
 * unanswered. Giving up sends a RST and fails the socket with ETIMEDOUT. Any
 * segment from the peer ends the silence and starts the idle time again.
 *
 * Persist (tcp_probe_timer(), tcp_send_probe0()): while the peer's window is
 * closed and data waits, the sender probes it. The first probe comes one
 * tcp_probe0_base() (the RTO, at least TCP_RTO_MIN) after the window closed,
 * each later one after the base shifted left by the back-off, which grows
 * with every probe up to tcp_retries2, the gap capped at tcp_rto_max_ms. An
 * answer (the peer's ACK, its window still closed) resets the unanswered
 * count, so a live peer is probed for ever (RFC 1122 4.2.2.17); a peer that
 * stopped answering is given up on after tcp_retries2 probes. TCP_USER_TIMEOUT
 * counts from the first probe's timer, answered or not, and shortens the
 * last gap so that the timer fires when it runs out.
 *
 * Both were checked against captures on this kernel (tests/unit/model/
 * test_timer_model.c holds them).
 */
#include "model/timer_walk.h"

#include "core/textbuf.h"

#define TIMEOUT_MIN_J 2 /* TCP_TIMEOUT_MIN: the shortest persist timer */
#define PROBE0_MAX_SHIFT 10 /* ilog2(TCP_RTO_MAX / TCP_RTO_MIN) + 1 */

static int keepalive_idle_s(const struct tl_timer_settings *s)
{
	return s->keepidle_s ? s->keepidle_s : s->keepalive_time_s;
}

static int keepalive_intvl_s(const struct tl_timer_settings *s)
{
	return s->keepintvl_s ? s->keepintvl_s : s->keepalive_intvl_s;
}

static int keepalive_count(const struct tl_timer_settings *s)
{
	return s->keepcnt ? s->keepcnt : s->keepalive_probes;
}

int64_t tl_timer_keepalive_idle_j(const struct tl_timer_settings *s)
{
	/* A zero time re-arms the timer for the next tick. */
	return max64(ms_to_j((int64_t)keepalive_idle_s(s) * 1000, s->hz), 1);
}

/* The probe: which one it is and the rule that spaced it. */
static void keepalive_probe(const struct tl_timer_settings *s, int probes_out, struct tl_keepalive_firing *out)
{
	out->action = TL_KEEPALIVE_PROBE;
	out->next_j = max64(ms_to_j((int64_t)keepalive_intvl_s(s) * 1000, s->hz), 1);
	if (probes_out == 0)
		tl_textf(out->why, sizeof(out->why), "first keepalive probe: silent for %s %d s",
			 s->keepidle_s ? "TCP_KEEPIDLE" : "tcp_keepalive_time", keepalive_idle_s(s));
	else
		tl_textf(out->why, sizeof(out->why), "keepalive probe %d: %s %d s after the last", probes_out + 1,
			 s->keepintvl_s ? "TCP_KEEPINTVL" : "tcp_keepalive_intvl", keepalive_intvl_s(s));
}

void tl_timer_keepalive_fire(const struct tl_timer_settings *s, int64_t silent_j, int probes_out,
			     struct tl_keepalive_firing *out)
{
	const int count = keepalive_count(s);
	const int64_t idle_j = tl_timer_keepalive_idle_j(s);
	char at[24];
	out->next_j = 0;
	tl_tm_fmt_ms(j_to_ms(silent_j, s->hz), at, sizeof(at));
	if (silent_j < idle_j) {
		out->action = TL_KEEPALIVE_WAIT;
		out->next_j = idle_j - silent_j;
		tl_textf(out->why, sizeof(out->why), "silent for %s only: waits for the idle time", at);
		return;
	}
	out->action = TL_KEEPALIVE_GIVE_UP;
	if (s->user_timeout_ms && silent_j >= ms_to_j(s->user_timeout_ms, s->hz) && probes_out > 0) {
		tl_textf(out->why, sizeof(out->why),
			 "reset (ETIMEDOUT): silent for %s, past TCP_USER_TIMEOUT %d ms, with a probe out", at,
			 s->user_timeout_ms);
		return;
	}
	if (!s->user_timeout_ms && probes_out >= count) {
		tl_textf(out->why, sizeof(out->why), "reset (ETIMEDOUT): %d probe%s unanswered, %s %d", probes_out,
			 probes_out == 1 ? "" : "s", s->keepcnt ? "TCP_KEEPCNT" : "tcp_keepalive_probes", count);
		return;
	}
	keepalive_probe(s, probes_out, out);
}

int tl_tm_predict_keepalive(const struct tl_timer_settings *s, struct tl_timer_schedule *out, char *err,
			    size_t errlen)
{
	struct tl_tm_walk w;
	struct tl_keepalive_firing f;
	int probes_out = 0;

	tl_tm_walk_init(&w, out, TL_TIMER_KEEPALIVE_PROBES, s->hz);
	out->count_limit = s->user_timeout_ms ? -1 : keepalive_count(s);
	out->time_limit_ms = s->user_timeout_ms ? s->user_timeout_ms : -1;
	/* Silent from time 0 with nothing in flight: the timer's first firing finds the idle time passed. */
	for (int64_t t_j = tl_timer_keepalive_idle_j(s);; t_j += f.next_j) {
		tl_timer_keepalive_fire(s, t_j, probes_out, &f);
		if (f.action == TL_KEEPALIVE_GIVE_UP) {
			tl_tm_walk_end(&w, t_j, s->user_timeout_ms ? TL_END_USER_TIMEOUT : TL_END_COUNT, f.why);
			return 0;
		}
		if (tl_tm_walk_add(&w, t_j, false, probes_out ? TL_RULE_KEEPALIVE_INTVL : TL_RULE_KEEPALIVE_IDLE, f.why,
				   err, errlen) < 0)
			return -1;
		probes_out++;
	}
}

int64_t tl_timer_persist_base_j(const struct tl_timer_settings *s)
{
	return max64(tl_tm_effective_rto_j(s), s->hz / 5); /* tcp_probe0_base(): at least TCP_RTO_MIN */
}

int64_t tl_timer_persist_when_j(const struct tl_timer_settings *s, int backoff, int64_t since_first_j,
				enum tl_timer_rule *rule)
{
	/* tcp_probe0_when(): the shift stops at ilog2(TCP_RTO_MAX / TCP_RTO_MIN) + 1, the gap at tcp_rto_max_ms */
	const int shift = backoff < PROBE0_MAX_SHIFT ? backoff : PROBE0_MAX_SHIFT;
	const int64_t max_j = ms_to_j(s->rto_max_ms, s->hz);
	int64_t when_j = tl_timer_persist_base_j(s) << shift;
	enum tl_timer_rule why = backoff ? TL_RULE_BACKOFF : TL_RULE_PERSIST;
	if (when_j > max_j) {
		when_j = max_j;
		why = TL_RULE_RTO_MAX;
	}
	if (s->user_timeout_ms && since_first_j >= 0) {
		/* tcp_clamp_probe0_to_user_timeout(): what is left, at least TCP_TIMEOUT_MIN */
		int64_t remaining_j = max64(ms_to_j(s->user_timeout_ms, s->hz) - since_first_j, TIMEOUT_MIN_J);
		if (remaining_j < when_j) {
			when_j = remaining_j;
			why = TL_RULE_USER_TIMEOUT;
		}
	}
	if (rule)
		*rule = why;
	return when_j;
}

void tl_timer_persist_fire(const struct tl_timer_settings *s, int64_t since_first_j, int probes_out, int backoff,
			   struct tl_persist_firing *out)
{
	char used[24];
	if (s->user_timeout_ms && since_first_j > 0 && j_to_ms(since_first_j, s->hz) >= s->user_timeout_ms) {
		out->action = TL_PERSIST_GIVE_UP;
		out->end = TL_END_USER_TIMEOUT;
		tl_tm_fmt_ms(j_to_ms(since_first_j, s->hz), used, sizeof(used));
		tl_textf(out->why, sizeof(out->why),
			 "give up (ETIMEDOUT): %s since the first probe's timer, past TCP_USER_TIMEOUT %d ms", used,
			 s->user_timeout_ms);
		return;
	}
	if (probes_out >= s->retries2) {
		out->action = TL_PERSIST_GIVE_UP;
		out->end = TL_END_COUNT;
		tl_textf(out->why, sizeof(out->why), "give up (ETIMEDOUT): %d probes unanswered, tcp_retries2 %d",
			 probes_out, s->retries2);
		return;
	}
	/* tcp_send_probe0(): the back-off grows up to tcp_retries2, and the timer waits base << back-off */
	out->action = TL_PERSIST_PROBE;
	out->backoff = backoff < s->retries2 ? backoff + 1 : backoff;
	out->next_j = tl_timer_persist_when_j(s, out->backoff, since_first_j < 0 ? 0 : since_first_j, &out->rule);
}

int tl_tm_predict_persist(const struct tl_timer_settings *s, bool peer_answers, size_t max_probes,
			  struct tl_timer_schedule *out, char *err, size_t errlen)
{
	const int hz = s->hz;
	struct tl_tm_walk w;
	struct tl_persist_firing f;
	char why[TL_TIMER_WHY_LEN], base[24], gap[24];
	int backoff = 0, unanswered = 0;
	int64_t t_j = tl_timer_persist_base_j(s), first_j = -1;
	enum tl_timer_rule rule = TL_RULE_PERSIST;

	tl_tm_walk_init(&w, out, TL_TIMER_PERSIST, hz);
	out->count_limit = peer_answers ? -1 : s->retries2;
	out->time_limit_ms = s->user_timeout_ms ? s->user_timeout_ms : -1;
	tl_tm_fmt_ms(j_to_ms(tl_timer_persist_base_j(s), hz), base, sizeof(base));
	for (;;) {
		if (first_j < 0)
			first_j = t_j; /* icsk_probes_tstamp: set at the first firing */
		tl_timer_persist_fire(s, t_j - first_j, unanswered, backoff, &f);
		if (f.action == TL_PERSIST_GIVE_UP) {
			tl_tm_walk_end(&w, t_j, f.end, f.why);
			return 0;
		}
		if (out->n_retx >= max_probes) {
			tl_textf(why, sizeof(why), "the peer answers every probe: the sender waits while the window "
						   "stays closed (RFC 1122)");
			tl_tm_walk_end(&w, t_j, TL_END_NEVER, why);
			return 0;
		}
		tl_tm_fmt_ms(j_to_ms(t_j - w.last_tx_j, hz), gap, sizeof(gap));
		if (rule == TL_RULE_PERSIST)
			tl_textf(why, sizeof(why), "first zero-window probe: %s (the RTO, at least 200 ms) after the "
						   "window closed",
				 base);
		else if (rule == TL_RULE_USER_TIMEOUT)
			tl_textf(why, sizeof(why), "gap cut to %s: TCP_USER_TIMEOUT %d ms runs out then", gap,
				 s->user_timeout_ms);
		else
			tl_textf(why, sizeof(why), "zero-window probe: %s x 2^%d = %s%s", base, backoff, gap,
				 rule == TL_RULE_RTO_MAX ? ", capped at tcp_rto_max_ms" : "");
		if (tl_tm_walk_add(&w, t_j, false, rule, why, err, errlen) < 0)
			return -1;
		backoff = f.backoff;
		if (!peer_answers)
			unanswered++;
		rule = f.rule;
		t_j += f.next_j;
	}
}
