/*
 * timer_walk: shared by the timer predictors (see timer_walk.h).
 */
#include "model/timer_walk.h"

#include <string.h>

#include "core/textbuf.h"

void tl_tm_fmt_ms(int64_t ms, char *out, size_t len)
{
	if (ms % 1000 == 0)
		tl_textf(out, len, "%lld s", (long long)(ms / 1000));
	else if (ms % 100 == 0)
		tl_textf(out, len, "%lld.%01lld s", (long long)(ms / 1000),
		    (long long)(ms % 1000 / 100));
	else if (ms % 10 == 0)
		tl_textf(out, len, "%lld.%02lld s", (long long)(ms / 1000), (long long)(ms % 1000 / 10));
	else
		tl_textf(out, len, "%lld.%03lld s", (long long)(ms / 1000), (long long)(ms % 1000));
}

int64_t tl_tm_effective_rto_j(const struct tl_timer_settings *s)
{
	int64_t rto_j;

	if (s->established_rto_ms > 0)
		rto_j = ms_to_j(s->established_rto_ms, s->hz);
	else
		rto_j = us_to_j(s->rto_min_us, s->hz) + 1;
	return min64(rto_j, ms_to_j(s->rto_max_ms, s->hz)); /* tcp_bound_rto() */
}

int tl_tm_walk_add(struct tl_tm_walk *w, int64_t at_j, bool tlp, enum tl_timer_rule rule,
		    const char *why, char *err, size_t errlen)
{
	struct tl_timer_schedule *out = w->out;
	struct tl_timer_step *st;

	if (out->n_retx >= TL_TIMER_MAX_RETX) {
		tl_errorf(err, errlen, "schedule longer than %d retransmissions", TL_TIMER_MAX_RETX);
		return -1;
	}
	st = &out->retx[out->n_retx++];
	st->at_ms = j_to_ms(at_j, w->hz);
	st->gap_ms = j_to_ms(at_j - w->last_tx_j, w->hz);
	st->tlp = tlp;
	st->rule = rule;
	st->lateness_ms = tl_timer_allowed_lateness_ms(st->gap_ms, w->hz);
	w->cum_lateness_ms += st->lateness_ms;
	st->cum_lateness_ms = w->cum_lateness_ms;
	tl_textf(st->why, sizeof(st->why), "%s", why);
	if (tlp)
		out->n_tlp++;
	w->last_tx_j = at_j;
	return 0;
}

void tl_tm_walk_end(struct tl_tm_walk *w, int64_t at_j, enum tl_timer_end end, const char *why)
{
	struct tl_timer_schedule *out = w->out;

	out->give_up_ms = j_to_ms(at_j, w->hz);
	out->give_up_gap_ms = j_to_ms(at_j - w->last_tx_j, w->hz);
	out->give_up_lateness_ms =
		w->cum_lateness_ms + tl_timer_allowed_lateness_ms(out->give_up_gap_ms, w->hz);
	out->end = end;
	tl_textf(out->give_up_why, sizeof(out->give_up_why), "%s", why);
}

void tl_tm_walk_init(struct tl_tm_walk *w, struct tl_timer_schedule *out, enum tl_timer_case which,
		      int hz)
{
	memset(out, 0, sizeof(*out));
	out->which = which;
	out->count_limit = -1;
	out->time_limit_ms = -1;
	out->marginal_retx = -1;
	w->out = out;
	w->hz = hz;
	w->last_tx_j = 0;
	w->cum_lateness_ms = 0;
}
