/*
 * timer_model: predicts Linux TCP retransmission, give-up and linger times
 * from settings alone. See timer_model.h for the contract, docs/timers.md for
 * the rules in prose.
 *
 * Like the kernel, the model counts in jiffies (HZ per second) and converts
 * to milliseconds only at the edges, so rounding (204 ms loopback RTO at HZ
 * 250, 3.5 x RTO floors) comes out as on the wire. Each predictor replays the
 * kernel's timer handler step by step: check whether to give up, retransmit,
 * back off, re-arm.
 */
#include "model/timer_model.h"
#include "core/textbuf.h"
#include "model/timer_walk.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TIMEOUT_INIT_S	     1	 /* TCP_TIMEOUT_INIT: first SYN and SYN-ACK timeout */
#define RTO_MAX_CONST_S	     120 /* TCP_RTO_MAX: still caps request-socket timers in 6.18 */
#define FIN_TIMEOUT_MAX_S    120 /* TCP_FIN_TIMEOUT_MAX: TCP_LINGER2 ceiling */
#define MAX_TCP_SYNCNT	     127
#define MAX_TCP_KEEPIDLE     32767
#define MAX_TCP_KEEPINTVL    32767
#define MAX_TCP_KEEPCNT	     127
#define ORPHAN_RETRIES_ALIVE 8 /* tcp_orphan_retries(): 0 means 8 while alive */



static int ilog2_64(int64_t v)
{
	int r = 0;

	while (v > 1) {
		v >>= 1;
		r++;
	}
	return r;
}


/*
 * tcp_model_timeout(): the time `boundary` retransmissions take when the gap
 * starts at rto_base and doubles up to rto_max, in ms. The kernel compares
 * this with the time since the first (re)transmission at every timer.
 */
static int64_t model_timeout_ms(int boundary, int64_t rto_base_j, int64_t rto_max_j, int hz)
{
	int thresh = ilog2_64(rto_max_j / rto_base_j);
	int64_t timeout_j;

	if (boundary <= thresh)
		timeout_j = ((INT64_C(2) << boundary) - 1) * rto_base_j;
	else
		timeout_j = ((INT64_C(2) << thresh) - 1) * rto_base_j +
			    (int64_t)(boundary - thresh) * rto_max_j;
	return j_to_ms(timeout_j, hz);
}

/* "(2^(7)-1) x 1 s = 127 s", with the rto_max term when the doubling is capped. */
static void describe_budget(int boundary, int64_t rto_base_j, int64_t rto_max_j, int hz, char *out,
			    size_t len)
{
	int thresh = ilog2_64(rto_max_j / rto_base_j);
	char base[24], max[24], total[24];

	tl_tm_fmt_ms(j_to_ms(rto_base_j, hz), base, sizeof(base));
	tl_tm_fmt_ms(j_to_ms(rto_max_j, hz), max, sizeof(max));
	tl_tm_fmt_ms(model_timeout_ms(boundary, rto_base_j, rto_max_j, hz), total, sizeof(total));
	if (boundary <= thresh)
		tl_textf(out, len, "(2^%d-1) x %s = %s", boundary + 1, base, total);
	else
		tl_textf(out, len, "(2^%d-1) x %s + %d x %s = %s", thresh + 1, base, boundary - thresh,
		    max, total);
}

void tl_timer_settings_default(struct tl_timer_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->syn_retries = 6;
	s->synack_retries = 5;
	s->syn_linear_timeouts = 4;
	s->orphan_retries = 0;
	s->retries2 = 15;
	s->rto_min_us = 200000;
	s->rto_max_ms = 120000;
	s->fin_timeout_s = 60;
	s->invalid_ratelimit_ms = 500;
	s->keepalive_time_s = 7200;
	s->keepalive_intvl_s = 75;
	s->keepalive_probes = 9;
	s->syncnt = 0;
	s->user_timeout_ms = 0;
	s->linger2_s = 0;
	s->established_rto_ms = 0;
	s->tail_loss_probe = true;
	s->hz = 250;
}

static int check_range(const char *field, long v, long lo, long hi, char *err, size_t errlen)
{
	if (v >= lo && v <= hi)
		return 0;
	tl_errorf(err, errlen, "%s: expected %ld..%ld, got %ld", field, lo, hi, v);
	return -1;
}

int tl_timer_settings_check(const struct tl_timer_settings *s, char *err, size_t errlen)
{
	if (s->hz != 100 && s->hz != 250 && s->hz != 300 && s->hz != 1000) {
		tl_errorf(err, errlen, "hz: expected 100, 250, 300 or 1000, got %d", s->hz);
		return -1;
	}
	if (check_range("tcp_syn_retries", s->syn_retries, 1, MAX_TCP_SYNCNT, err, errlen) ||
	    check_range("tcp_synack_retries", s->synack_retries, 0, 255, err, errlen) ||
	    check_range("tcp_syn_linear_timeouts", s->syn_linear_timeouts, 0, MAX_TCP_SYNCNT, err,
			errlen) ||
	    check_range("tcp_orphan_retries", s->orphan_retries, 0, 255, err, errlen) ||
	    check_range("tcp_retries2", s->retries2, 0, 255, err, errlen) ||
	    check_range("tcp_rto_min_us", s->rto_min_us, 1, INT_MAX, err, errlen) ||
	    check_range("tcp_rto_max_ms", s->rto_max_ms, 1000, 120000, err, errlen) ||
	    check_range("tcp_fin_timeout", s->fin_timeout_s, 0, INT_MAX / s->hz, err, errlen) ||
	    check_range("tcp_invalid_ratelimit", s->invalid_ratelimit_ms, 0, INT_MAX, err,
			errlen) ||
	    check_range("tcp_keepalive_time", s->keepalive_time_s, 0, INT_MAX / s->hz, err, errlen) ||
	    check_range("tcp_keepalive_intvl", s->keepalive_intvl_s, 0, INT_MAX / s->hz, err, errlen) ||
	    check_range("tcp_keepalive_probes", s->keepalive_probes, 0, 255, err, errlen) ||
	    check_range("TCP_KEEPIDLE", s->keepidle_s, 0, MAX_TCP_KEEPIDLE, err, errlen) ||
	    check_range("TCP_KEEPINTVL", s->keepintvl_s, 0, MAX_TCP_KEEPINTVL, err, errlen) ||
	    check_range("TCP_KEEPCNT", s->keepcnt, 0, MAX_TCP_KEEPCNT, err, errlen) ||
	    check_range("TCP_USER_TIMEOUT", s->user_timeout_ms, 0, INT_MAX, err, errlen) ||
	    check_range("established_rto_ms", s->established_rto_ms, 0, s->rto_max_ms, err, errlen))
		return -1;
	if (s->syncnt != 0 && check_range("TCP_SYNCNT", s->syncnt, 1, MAX_TCP_SYNCNT, err, errlen))
		return -1;
	return 0;
}

struct sysctl_field {
	const char *name;
	size_t offset;
};

static const struct sysctl_field sysctl_fields[] = {
	{"tcp_syn_retries", offsetof(struct tl_timer_settings, syn_retries)},
	{"tcp_synack_retries", offsetof(struct tl_timer_settings, synack_retries)},
	{"tcp_syn_linear_timeouts", offsetof(struct tl_timer_settings, syn_linear_timeouts)},
	{"tcp_orphan_retries", offsetof(struct tl_timer_settings, orphan_retries)},
	{"tcp_retries2", offsetof(struct tl_timer_settings, retries2)},
	{"tcp_rto_min_us", offsetof(struct tl_timer_settings, rto_min_us)},
	{"tcp_rto_max_ms", offsetof(struct tl_timer_settings, rto_max_ms)},
	{"tcp_fin_timeout", offsetof(struct tl_timer_settings, fin_timeout_s)},
	{"tcp_invalid_ratelimit", offsetof(struct tl_timer_settings, invalid_ratelimit_ms)},
	{"tcp_keepalive_time", offsetof(struct tl_timer_settings, keepalive_time_s)},
	{"tcp_keepalive_intvl", offsetof(struct tl_timer_settings, keepalive_intvl_s)},
	{"tcp_keepalive_probes", offsetof(struct tl_timer_settings, keepalive_probes)},
};

static const struct sysctl_field *sysctl_field(const char *name)
{
	static const char prefix[] = "net.ipv4.";
	if (!name)
		return NULL;
	if (strncmp(name, prefix, sizeof(prefix) - 1) == 0)
		name += sizeof(prefix) - 1;
	for (size_t i = 0; i < sizeof(sysctl_fields) / sizeof(sysctl_fields[0]); i++)
		if (!strcmp(name, sysctl_fields[i].name))
			return &sysctl_fields[i];
	return NULL;
}

bool tl_timer_sysctl_known(const char *name)
{
	return sysctl_field(name) != NULL;
}

int tl_timer_settings_set(struct tl_timer_settings *s, const char *name, long value, char *err,
			  size_t errlen)
{
	struct tl_timer_settings trial = *s;
	if (!name) {
		tl_errorf(err, errlen, "sysctl name missing");
		return -1;
	}
	const struct sysctl_field *f = sysctl_field(name);
	if (!f) {
		tl_errorf(err, errlen, "%s: not a sysctl the timer model knows", name);
		return -1;
	}
	if (value < INT_MIN || value > INT_MAX) {
		tl_errorf(err, errlen, "%s: value %ld does not fit an int", name, value);
		return -1;
	}
	*(int *)((char *)&trial + f->offset) = (int)value;
	if (tl_timer_settings_check(&trial, err, errlen) != 0)
		return -1;
	*s = trial;
	return 0;
}

/* Where a timer option lives in the settings; NULL for one the timers do not depend on. */
static int *option_field(struct tl_timer_settings *s, enum tl_sockopt opt)
{
	switch (opt) {
	case TL_OPT_SYNCNT: return &s->syncnt;
	case TL_OPT_USER_TIMEOUT: return &s->user_timeout_ms;
	case TL_OPT_LINGER2: return &s->linger2_s;
	case TL_OPT_KEEPIDLE: return &s->keepidle_s;
	case TL_OPT_KEEPINTVL: return &s->keepintvl_s;
	case TL_OPT_KEEPCNT: return &s->keepcnt;
	case TL_OPT_KEEPALIVE:
	case TL_OPT_NODELAY:
	case TL_OPT_QUICKACK:
	case TL_OPT_MAXSEG:
	case TL_OPT_RCVBUF:
	case TL_OPT_SNDBUF:
	case TL_OPT_DEFER_ACCEPT:
	case TL_OPT_COUNT:
		break;
	}
	return NULL;
}

int tl_timer_settings_sockopt(struct tl_timer_settings *s, enum tl_sockopt opt, int value)
{
	struct tl_timer_settings trial = *s;
	int *field = option_field(&trial, opt);
	if (!field)
		return 0;
	if (opt == TL_OPT_LINGER2) /* do_tcp_setsockopt(): below 0 is -1, above TCP_FIN_TIMEOUT_MAX is cut */
		value = value < 0 ? -1 : value > FIN_TIMEOUT_MAX_S ? FIN_TIMEOUT_MAX_S : value;
	/* 0 means "not set" in the settings, but the kernel refuses it for these. */
	bool zero_refused = opt == TL_OPT_SYNCNT || opt == TL_OPT_KEEPIDLE || opt == TL_OPT_KEEPINTVL ||
			    opt == TL_OPT_KEEPCNT;
	if (zero_refused && value < 1)
		return -1;
	*field = value;
	if (tl_timer_settings_check(&trial, NULL, 0) != 0)
		return -1;
	*s = trial;
	return 1;
}

size_t tl_timer_sysctl_count(void)
{
	return sizeof(sysctl_fields) / sizeof(sysctl_fields[0]);
}

const char *tl_timer_sysctl_at(const struct tl_timer_settings *s, size_t i, long *value)
{
	if (i >= tl_timer_sysctl_count())
		return NULL;
	*value = *(const int *)((const char *)s + sysctl_fields[i].offset);
	return sysctl_fields[i].name;
}

int64_t tl_timer_loopback_rto_ms(int rto_min_us, int hz)
{
	int64_t rto_min_j;

	if (hz <= 0 || rto_min_us <= 0)
		return 0;
	/*
	 * __tcp_set_rto(): usecs_to_jiffies(srtt + rttvar), rttvar at least
	 * the jiffy-rounded rto_min. A loopback srtt of a few microseconds
	 * pushes the sum just past a jiffy boundary: one more jiffy.
	 */
	rto_min_j = us_to_j(rto_min_us, hz);
	return j_to_ms(rto_min_j + 1, hz);
}


int64_t tl_timer_effective_rto_ms(const struct tl_timer_settings *s)
{
	if (s->hz <= 0)
		return 0;
	return j_to_ms(tl_tm_effective_rto_j(s), s->hz);
}

int64_t tl_timer_allowed_lateness_ms(int64_t predicted_gap_ms, int hz)
{
	int64_t d_j, gran_j = 1, level_end_j = 63;
	int level;

	if (predicted_gap_ms <= 0 || hz <= 0)
		return 0;
	d_j = ms_to_j(predicted_gap_ms, hz);
	/* kernel/time/timer.c: LVL_START(n + 1) = 63 << 3n, granularity 8^n jiffies */
	for (level = 0; level < 8 && d_j >= level_end_j; level++) {
		gran_j *= 8;
		level_end_j <<= 3;
	}
	return j_to_ms(gran_j + 1, hz) + 2;
}

int64_t tl_timer_time_wait_ms(void)
{
	return TL_TIMER_TIME_WAIT_MS;
}


/*
 * After a retransmission: the next gap under TCP_USER_TIMEOUT.
 * tcp_clamp_rto_to_user_timeout() ends the timer when the user timeout runs
 * out (1 jiffy if it already has), counted from retrans_stamp.
 */
static int64_t clamp_to_user_timeout(const struct tl_timer_settings *s, int64_t rto_j,
				     int64_t elapsed_j, bool *clamped)
{
	int64_t remaining_ms;

	*clamped = false;
	if (s->user_timeout_ms == 0)
		return rto_j;
	remaining_ms = s->user_timeout_ms - j_to_ms(elapsed_j, s->hz);
	if (remaining_ms <= 0) {
		*clamped = true;
		return 1;
	}
	if (ms_to_j(remaining_ms, s->hz) < rto_j) {
		*clamped = true;
		return ms_to_j(remaining_ms, s->hz);
	}
	return rto_j;
}

static void why_for_gap(enum tl_timer_rule rule, int64_t gap_j, const struct tl_timer_settings *s,
			const char *first_what, char *why, size_t len)
{
	char gap[24];

	tl_tm_fmt_ms(j_to_ms(gap_j, s->hz), gap, sizeof(gap));
	switch (rule) {
	case TL_RULE_INITIAL:
		tl_textf(why, len, "%s", first_what);
		break;
	case TL_RULE_TLP:
		tl_textf(why, len,
		    "tail-loss probe %s after the segment (2 x srtt + rto_min, "
		    "at most the RTO); not counted as a retry",
		    gap);
		break;
	case TL_RULE_LINEAR:
		tl_textf(why, len, "linear phase: tcp_syn_linear_timeouts=%d, gap stays %s",
		    s->syn_linear_timeouts, gap);
		break;
	case TL_RULE_BACKOFF:
		tl_textf(why, len, "exponential back-off: gap doubles to %s", gap);
		break;
	case TL_RULE_RTO_MAX:
		tl_textf(why, len, "exponential back-off capped at tcp_rto_max_ms=%d: gap %s",
		    s->rto_max_ms, gap);
		break;
	case TL_RULE_USER_TIMEOUT:
		tl_textf(why, len, "gap cut to %s: TCP_USER_TIMEOUT=%d ms runs out then", gap,
		    s->user_timeout_ms);
		break;
	case TL_RULE_DUP_SYN:
		tl_textf(why, len, "answer to a duplicate SYN");
		break;
	case TL_RULE_KEEPALIVE_IDLE:
	case TL_RULE_KEEPALIVE_INTVL:
	case TL_RULE_PERSIST:
		/* probe_timers.c words these itself */
		tl_textf(why, len, "%s", first_what);
		break;
	}
}

/* Rule for a doubled RTO: capped or not. */
static enum tl_timer_rule backoff(int64_t *rto_j, int64_t rto_max_j)
{
	if (*rto_j * 2 > rto_max_j) {
		*rto_j = rto_max_j;
		return TL_RULE_RTO_MAX;
	}
	*rto_j *= 2;
	return TL_RULE_BACKOFF;
}

/*
 * (a) SYN-SENT: tcp_write_timeout() gives up at the first timer where the
 * retransmission count reached syn_retries + linear timeouts, or (with at
 * least one retransmission) the time since the first SYN reached
 * tcp_model_timeout(syn_retries, 1 s) or TCP_USER_TIMEOUT. Otherwise
 * tcp_retransmit_timer() resends and doubles the RTO once total_rto exceeds
 * tcp_syn_linear_timeouts.
 */
static int predict_syn(const struct tl_timer_settings *s, struct tl_timer_schedule *out, char *err,
		       size_t errlen)
{
	const int hz = s->hz;
	const int n = s->syncnt ? s->syncnt : s->syn_retries;
	const int lin = s->syn_linear_timeouts;
	const int64_t init_j = (int64_t)TIMEOUT_INIT_S * hz;
	const int64_t rto_max_j = ms_to_j(s->rto_max_ms, hz);
	const char *n_name = s->syncnt ? "TCP_SYNCNT" : "tcp_syn_retries";
	int64_t rto_j = init_j, timer_j = init_j, t_j = 0, limit_ms;
	enum tl_timer_rule rule = TL_RULE_INITIAL;
	char why[TL_TIMER_WHY_LEN], budget[80];
	struct tl_tm_walk w;
	int retx = 0;

	tl_tm_walk_init(&w, out, TL_TIMER_SYN_SENT, hz);
	out->count_limit = n + lin;
	limit_ms = s->user_timeout_ms ? s->user_timeout_ms
				      : model_timeout_ms(n, init_j, rto_max_j, hz);
	out->time_limit_ms = limit_ms;
	describe_budget(n, init_j, rto_max_j, hz, budget, sizeof(budget));

	for (;;) {
		int64_t elapsed_ms, slack_ms;
		bool clamped, time_up;

		t_j += timer_j;
		elapsed_ms = j_to_ms(t_j, hz);
		time_up = retx > 0 && elapsed_ms >= limit_ms;
		if (retx >= out->count_limit) {
			tl_textf(why, sizeof(why),
			    "give up: %d retransmissions reached %s %d + "
			    "tcp_syn_linear_timeouts %d%s",
			    retx, n_name, n, lin, time_up ? "; time budget passed too" : "");
			tl_tm_walk_end(&w, t_j, TL_END_COUNT, why);
			return 0;
		}
		if (time_up) {
			if (s->user_timeout_ms)
				tl_textf(why, sizeof(why),
				    "give up: TCP_USER_TIMEOUT %d ms since the "
				    "first SYN passed (it replaces the time budget)",
				    s->user_timeout_ms);
			else
				tl_textf(why, sizeof(why),
				    "give up: time budget %s (N = %s %d) "
				    "since the first SYN passed",
				    budget, n_name, n);
			tl_tm_walk_end(&w, t_j,
				 s->user_timeout_ms ? TL_END_USER_TIMEOUT : TL_END_TIME_BUDGET,
				 why);
			return 0;
		}
		/* Late timers push elapsed time up: the budget may end it here instead. */
		slack_ms =
			w.cum_lateness_ms + tl_timer_allowed_lateness_ms(j_to_ms(timer_j, hz), hz);
		if (retx > 0 && limit_ms - elapsed_ms <= slack_ms)
			out->marginal_retx = (int)out->n_retx;
		why_for_gap(rule, timer_j, s, "first timeout: TCP_TIMEOUT_INIT, 1 s after the SYN",
			    why, sizeof(why));
		if (tl_tm_walk_add(&w, t_j, false, rule, why, err, errlen) != 0)
			return -1;
		retx++;
		/* tcp_update_rto_stats() counted it in total_rto before the back-off test */
		rule = retx > lin ? backoff(&rto_j, rto_max_j) : TL_RULE_LINEAR;
		timer_j = clamp_to_user_timeout(s, rto_j, t_j, &clamped);
		if (clamped)
			rule = TL_RULE_USER_TIMEOUT;
	}
}

/*
 * (b) a request socket's timer alone (reqsk_timer_handler()): it fires after
 * 1 s << num_timeout (capped at TCP_RTO_MAX, not tcp_rto_max_ms), drops the
 * request once num_timeout reached tcp_synack_retries (or the listener's
 * TCP_SYNCNT), else resends the SYN-ACK.
 */
static int predict_synack(const struct tl_timer_settings *s, struct tl_timer_schedule *out,
			  char *err, size_t errlen)
{
	const int hz = s->hz;
	const int r = s->syncnt ? s->syncnt : s->synack_retries;
	const char *r_name = s->syncnt ? "the listener's TCP_SYNCNT" : "tcp_synack_retries";
	const int64_t init_j = (int64_t)TIMEOUT_INIT_S * hz;
	const int64_t cap_j = (int64_t)RTO_MAX_CONST_S * hz;
	int64_t timer_j = init_j, t_j = 0;
	enum tl_timer_rule rule = TL_RULE_INITIAL;
	char why[TL_TIMER_WHY_LEN], at[24];
	struct tl_tm_walk w;
	int num_timeout = 0;

	tl_tm_walk_init(&w, out, TL_TIMER_SYNACK, hz);
	out->count_limit = r;
	for (;;) {
		t_j += timer_j;
		if (num_timeout >= r) {
			tl_tm_fmt_ms(j_to_ms(t_j, hz), at, sizeof(at));
			tl_textf(why, sizeof(why),
			    "drop: %d timer firings reached %s %d, %s after "
			    "the request was created",
			    num_timeout, r_name, r, at);
			tl_tm_walk_end(&w, t_j, TL_END_REQUEST_DROP, why);
			return 0;
		}
		why_for_gap(rule, timer_j, s, "first timeout: 1 s after the request was created",
			    why, sizeof(why));
		if (rule == TL_RULE_RTO_MAX)
			tl_textf(why, sizeof(why), "request timer capped at TCP_RTO_MAX 120 s");
		if (tl_tm_walk_add(&w, t_j, false, rule, why, err, errlen) != 0)
			return -1;
		num_timeout++;
		if (timer_j * 2 > cap_j) {
			timer_j = cap_j;
			rule = TL_RULE_RTO_MAX;
		} else {
			timer_j *= 2;
			rule = TL_RULE_BACKOFF;
		}
	}
}

/* tcp_orphan_retries(): the sysctl, where 0 means 8 while the RTO is below its maximum. */
static int orphan_retries(const struct tl_timer_settings *s, bool alive)
{
	if (s->orphan_retries == 0 && alive)
		return ORPHAN_RETRIES_ALIVE;
	return s->orphan_retries;
}

/*
 * (c), (d), (e): an established socket's FIN or data. An optional tail-loss
 * probe one RTO after the segment, then RTO retransmissions with the gap
 * doubling up to tcp_rto_max_ms. tcp_write_timeout() gives up at the first
 * timer where the time since the first RTO retransmission (retrans_stamp; the
 * probe does not set it) reached tcp_model_timeout(B, 200 ms) or
 * TCP_USER_TIMEOUT; B is tcp_retries2, or for an orphan tcp_orphan_retries.
 */
static int predict_established(enum tl_timer_case which, const struct tl_timer_settings *s,
			       struct tl_timer_schedule *out, char *err, size_t errlen)
{
	const int hz = s->hz;
	const bool orphan = which == TL_TIMER_FIN_WAIT1 || which == TL_TIMER_LAST_ACK;
	const int64_t rto_max_j = ms_to_j(s->rto_max_ms, hz);
	/* TCP_RTO_MIN, the budget's unit: the constant, not tcp_rto_min_us */
	const int64_t rto_min_const_j = hz / 5;
	int64_t rto_j = tl_tm_effective_rto_j(s), timer_j, t_j = 0, first_rto_j = -1;
	int64_t lateness_at_first_rto = 0;
	enum tl_timer_rule rule = TL_RULE_INITIAL;
	char why[TL_TIMER_WHY_LEN], budget[80], rto[24], first_what[TL_TIMER_WHY_LEN];
	const char *seg = which == TL_TIMER_DATA ? "segment" : "FIN";
	struct tl_tm_walk w;
	int retx = 0;

	tl_tm_walk_init(&w, out, which, hz);
	out->time_from_first_rto = true;
	tl_tm_fmt_ms(j_to_ms(rto_j, hz), rto, sizeof(rto));
	if (s->tail_loss_probe) {
		/* Loopback: 2 x srtt rounds to a jiffy, + rto_min: the same jiffies as the RTO. */
		why_for_gap(TL_RULE_TLP, rto_j, s, "", why, sizeof(why));
		if (tl_tm_walk_add(&w, rto_j, true, TL_RULE_TLP, why, err, errlen) != 0)
			return -1;
		t_j = rto_j;
		tl_textf(first_what, sizeof(first_what),
		    "first RTO retransmission: the connection's RTO %s after the probe", rto);
	} else {
		tl_textf(first_what, sizeof(first_what),
		    "first RTO retransmission: the connection's RTO %s after the %s", rto, seg);
	}
	timer_j = rto_j;

	for (;;) {
		bool alive = rto_j < rto_max_j, clamped;
		int boundary = orphan ? orphan_retries(s, alive) : s->retries2;
		int64_t limit_ms, elapsed_ms = 0, slack_ms;

		t_j += timer_j;
		limit_ms = s->user_timeout_ms
				   ? s->user_timeout_ms
				   : model_timeout_ms(boundary, rto_min_const_j, rto_max_j, hz);
		out->time_limit_ms = limit_ms;
		if (retx > 0) {
			elapsed_ms = j_to_ms(t_j - first_rto_j, hz);
			if (elapsed_ms >= limit_ms) {
				enum tl_timer_end end = TL_END_TIME_BUDGET;

				describe_budget(boundary, rto_min_const_j, rto_max_j, hz, budget,
						sizeof(budget));
				/* The arithmetic a reader can check against the table: the
				 * budget is only looked at when the timer fires. */
				char fired[24], since[24], first[24];
				tl_tm_fmt_ms(j_to_ms(t_j, hz), fired, sizeof(fired));
				tl_tm_fmt_ms(elapsed_ms, since, sizeof(since));
				tl_tm_fmt_ms(j_to_ms(first_rto_j, hz), first, sizeof(first));
				if (s->user_timeout_ms) {
					end = TL_END_USER_TIMEOUT;
					tl_textf(why, sizeof(why),
					    "%s when the timer fired at %s, %s after the first RTO "
					    "retransmission (%s), past TCP_USER_TIMEOUT %d ms",
					    orphan ? "destroyed" : "give up (ETIMEDOUT)", fired, since, first,
					    s->user_timeout_ms);
				} else if (orphan && !alive && s->orphan_retries == 0) {
					end = TL_END_ORPHAN_RTO_MAX;
					tl_textf(why, sizeof(why),
					    "destroyed when the timer fired at %s: RTO reached tcp_rto_max_ms=%d, "
					    "so tcp_orphan_retries=0 now means 0 retries",
					    fired, s->rto_max_ms);
				} else if (orphan) {
					tl_textf(why, sizeof(why),
					    "destroyed silently when the timer fired at %s, %s after the first RTO "
					    "retransmission (%s), past the budget %s (B = tcp_orphan_retries %d%s)",
					    fired, since, first, budget, s->orphan_retries,
					    s->orphan_retries == 0 ? ", 8 while alive" : "");
				} else {
					tl_textf(why, sizeof(why),
					    "give up (ETIMEDOUT) when the timer fired at %s, %s after the first RTO "
					    "retransmission (%s), past the budget %s (tcp_retries2 %d)",
					    fired, since, first, budget, s->retries2);
				}
				tl_tm_walk_end(&w, t_j, end, why);
				return 0;
			}
			/* lateness since the first RTO retransmission counts here */
			slack_ms = w.cum_lateness_ms - lateness_at_first_rto +
				   tl_timer_allowed_lateness_ms(j_to_ms(timer_j, hz), hz);
			if (limit_ms - elapsed_ms <= slack_ms)
				out->marginal_retx = (int)out->n_retx;
		}
		why_for_gap(rule, timer_j, s, first_what, why, sizeof(why));
		if (tl_tm_walk_add(&w, t_j, false, rule, why, err, errlen) != 0)
			return -1;
		if (retx++ == 0) {
			first_rto_j = t_j; /* tcp_retransmit_skb() sets retrans_stamp */
			lateness_at_first_rto = w.cum_lateness_ms;
		}
		rule = backoff(&rto_j, rto_max_j);
		timer_j = clamp_to_user_timeout(s, rto_j, t_j - first_rto_j, &clamped);
		if (clamped)
			rule = TL_RULE_USER_TIMEOUT;
	}
}

int tl_timer_predict(enum tl_timer_case which, const struct tl_timer_settings *s,
		     struct tl_timer_schedule *out, char *err, size_t errlen)
{
	if (tl_timer_settings_check(s, err, errlen) != 0)
		return -1;
	switch (which) {
	case TL_TIMER_SYN_SENT:
		return predict_syn(s, out, err, errlen);
	case TL_TIMER_SYNACK:
		return predict_synack(s, out, err, errlen);
	case TL_TIMER_FIN_WAIT1:
	case TL_TIMER_LAST_ACK:
	case TL_TIMER_DATA:
		return predict_established(which, s, out, err, errlen);
	case TL_TIMER_KEEPALIVE_PROBES:
		return tl_tm_predict_keepalive(s, out, err, errlen);
	case TL_TIMER_PERSIST:
		return tl_tm_predict_persist(s, false, TL_TIMER_MAX_RETX, out, err, errlen);
	}
	tl_errorf(err, errlen, "timer case %d unknown", (int)which);
	return -1;
}

int tl_timer_predict_persist_answered(const struct tl_timer_settings *s, size_t max_probes,
				      struct tl_timer_schedule *out, char *err, size_t errlen)
{
	if (tl_timer_settings_check(s, err, errlen) != 0)
		return -1;
	return tl_tm_predict_persist(s, true, max_probes, out, err, errlen);
}

/* Where the exchange simulation writes: the public struct, or a small array for explanations. */
struct exchange_sink {
	struct tl_timer_synack_event *events;
	size_t cap;
	size_t n;
	bool stop_at_first_drop;
	bool timers_late; /* a request timer runs as late as the wheel allows: a SYN that close after it comes first */
	int n_requests;
	int n_timer_synacks;
	int n_dup_synacks;
	int64_t last_drop_ms;
};

static int exchange_add(struct exchange_sink *k, enum tl_timer_synack_event_kind kind,
			int64_t at_ms, int request, int num_timeout, const char *why, char *err,
			size_t errlen)
{
	struct tl_timer_synack_event *ev;

	if (k->n >= k->cap) {
		tl_errorf(err, errlen, "SYN-ACK exchange longer than %zu events", k->cap);
		return -1;
	}
	ev = &k->events[k->n++];
	ev->kind = kind;
	ev->at_ms = at_ms;
	ev->request = request;
	ev->num_timeout = num_timeout;
	tl_textf(ev->why, sizeof(ev->why), "%s", why);
	return 0;
}

/* reqsk_timeout(): 1 s << num_timeout, capped at TCP_RTO_MAX. */
static int64_t request_timeout_ms(int num_timeout)
{
	int64_t ms = (int64_t)TIMEOUT_INIT_S * 1000;
	int i;

	for (i = 0; i < num_timeout && ms < RTO_MAX_CONST_S * 1000; i++)
		ms *= 2;
	return min64(ms, RTO_MAX_CONST_S * 1000);
}

/*
 * reqsk_timer_handler() and tcp_check_req() against a list of SYN arrivals.
 * Settings are already checked and syn_ms ascending.
 */
static int run_exchange(const struct tl_timer_settings *s, int64_t request_created_ms,
			const int64_t *syn_ms, size_t n_syn, struct exchange_sink *k, char *err,
			size_t errlen)
{
	const int r = s->syncnt ? s->syncnt : s->synack_retries;
	const char *r_name = s->syncnt ? "the listener's TCP_SYNCNT" : "tcp_synack_retries";
	int64_t timer_ms, last_answer_ms = -1;
	char why[TL_TIMER_WHY_LEN], dt[24];
	int request = 0, num_timeout = 0;
	bool alive = true;
	size_t i;

	k->n_requests = 1;
	if (exchange_add(k, TL_SYNACK_NEW_REQUEST, request_created_ms, 0, 0,
			 "SYN creates the request: first SYN-ACK, timer 1 s", err, errlen) != 0)
		return -1;
	timer_ms = request_created_ms + request_timeout_ms(0);
	for (i = 0; i < n_syn && syn_ms[i] <= request_created_ms; i++)
		;

	while (alive || i < n_syn) {
		/* A timer due no later than the next SYN fires first (same softirq, see header);
		 * with timers_late, only one due that early even at its latest. */
		int64_t late_ms = k->timers_late ? tl_timer_allowed_lateness_ms(request_timeout_ms(num_timeout), s->hz) : 0;
		if (alive && (i >= n_syn || timer_ms + late_ms <= syn_ms[i])) {
			if (num_timeout >= r) {
				tl_textf(why, sizeof(why), "drop: %d timer firings reached %s %d",
				    num_timeout, r_name, r);
				if (exchange_add(k, TL_SYNACK_DROP, timer_ms, request, num_timeout,
						 why, err, errlen) != 0)
					return -1;
				k->last_drop_ms = timer_ms;
				alive = false;
				if (k->stop_at_first_drop)
					return 0;
				continue;
			}
			num_timeout++;
			tl_tm_fmt_ms(request_timeout_ms(num_timeout), dt, sizeof(dt));
			tl_textf(why, sizeof(why), "request timer: SYN-ACK %d of %d, next timer in %s",
			    num_timeout, r, dt);
			if (exchange_add(k, TL_SYNACK_TIMER, timer_ms, request, num_timeout, why,
					 err, errlen) != 0)
				return -1;
			k->n_timer_synacks++;
			timer_ms += request_timeout_ms(num_timeout);
			continue;
		}
		if (!alive) {
			/* A SYN after the drop: a new request, a new ISN. */
			request++;
			k->n_requests++;
			alive = true;
			num_timeout = 0;
			last_answer_ms = -1;
			timer_ms = syn_ms[i] + request_timeout_ms(0);
			if (exchange_add(k, TL_SYNACK_NEW_REQUEST, syn_ms[i], request, 0,
					 "SYN after the drop: new request, new ISN, timer 1 s", err,
					 errlen) != 0)
				return -1;
			i++;
			continue;
		}
		/* tcp_check_req(): a duplicate SYN, answered unless rate-limited */
		if (last_answer_ms >= 0 && syn_ms[i] - last_answer_ms < s->invalid_ratelimit_ms) {
			tl_textf(why, sizeof(why),
			    "duplicate SYN %lld ms after the last answer: within "
			    "tcp_invalid_ratelimit %d ms, ignored",
			    (long long)(syn_ms[i] - last_answer_ms), s->invalid_ratelimit_ms);
			if (exchange_add(k, TL_SYNACK_DUP_IGNORED, syn_ms[i], request, num_timeout,
					 why, err, errlen) != 0)
				return -1;
			i++;
			continue;
		}
		last_answer_ms = syn_ms[i];
		timer_ms = syn_ms[i] + request_timeout_ms(num_timeout);
		tl_tm_fmt_ms(request_timeout_ms(num_timeout), dt, sizeof(dt));
		tl_textf(why, sizeof(why),
		    "duplicate SYN answered at once; timer re-armed to %s from now "
		    "(not counted as a retry)",
		    dt);
		if (exchange_add(k, TL_SYNACK_DUP_ANSWER, syn_ms[i], request, num_timeout, why, err,
				 errlen) != 0)
			return -1;
		k->n_dup_synacks++;
		i++;
	}
	return 0;
}

static int check_syns(const int64_t *syn_ms, size_t n_syn, char *err, size_t errlen)
{
	size_t i;

	if (n_syn > 0 && !syn_ms) {
		tl_errorf(err, errlen, "syn_ms is NULL with %zu SYNs", n_syn);
		return -1;
	}
	for (i = 1; i < n_syn; i++) {
		if (syn_ms[i] < syn_ms[i - 1]) {
			tl_errorf(err, errlen, "syn_ms not ascending: [%zu] = %lld after %lld", i,
				(long long)syn_ms[i], (long long)syn_ms[i - 1]);
			return -1;
		}
	}
	return 0;
}

int tl_timer_predict_synack_exchange(const struct tl_timer_settings *s, int64_t request_created_ms,
				     const int64_t *syn_ms, size_t n_syn,
				     struct tl_timer_synack_exchange *out, char *err, size_t errlen)
{
	return tl_timer_predict_synack_exchange_late(s, request_created_ms, syn_ms, n_syn, false, out, err, errlen);
}

int tl_timer_predict_synack_exchange_late(const struct tl_timer_settings *s, int64_t request_created_ms,
					  const int64_t *syn_ms, size_t n_syn, bool timers_late,
					  struct tl_timer_synack_exchange *out, char *err, size_t errlen)
{
	struct exchange_sink k;

	if (tl_timer_settings_check(s, err, errlen) != 0 ||
	    check_syns(syn_ms, n_syn, err, errlen) != 0)
		return -1;
	memset(out, 0, sizeof(*out));
	memset(&k, 0, sizeof(k));
	k.events = out->events;
	k.cap = TL_TIMER_MAX_EVENTS;
	k.timers_late = timers_late;
	if (run_exchange(s, request_created_ms, syn_ms, n_syn, &k, err, errlen) != 0)
		return -1;
	out->n_events = k.n;
	out->n_requests = k.n_requests;
	out->n_timer_synacks = k.n_timer_synacks;
	out->n_dup_synacks = k.n_dup_synacks;
	out->last_drop_ms = k.last_drop_ms;
	return 0;
}

int tl_timer_fin_wait2(const struct tl_timer_settings *s, struct tl_timer_fin_wait2 *out, char *err,
		       size_t errlen)
{
	const int hz = s->hz;
	int64_t rto_j, floor_j, t_j, fin_time_j,
		tw_len_j = (int64_t)TL_TIMER_TIME_WAIT_MS / 1000 * hz;
	char a[24], b[24], c[24], src[64];

	if (tl_timer_settings_check(s, err, errlen) != 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if (s->linger2_s < 0) {
		tl_textf(out->why, sizeof(out->why),
		    "TCP_LINGER2 < 0: no FIN-WAIT-2; the orphan is destroyed when its FIN is "
		    "ACKed and answers that ACK with a RST");
		return 0;
	}
	out->waits = true;
	rto_j = tl_tm_effective_rto_j(s);
	floor_j = (rto_j << 2) - (rto_j >> 1); /* tcp_fin_time(): at least 3.5 RTO */
	if (s->linger2_s > 0) {
		t_j = (int64_t)(s->linger2_s > FIN_TIMEOUT_MAX_S ? FIN_TIMEOUT_MAX_S
								 : s->linger2_s) *
		      hz;
		tl_textf(src, sizeof(src), "TCP_LINGER2 %d s%s", s->linger2_s,
		    s->linger2_s > FIN_TIMEOUT_MAX_S ? " (capped at 120 s)" : "");
	} else {
		t_j = (int64_t)s->fin_timeout_s * hz;
		tl_textf(src, sizeof(src), "tcp_fin_timeout %d s", s->fin_timeout_s);
	}
	fin_time_j = max64(t_j, floor_j);
	out->fin_time_ms = j_to_ms(fin_time_j, hz);
	if (fin_time_j > tw_len_j) {
		/*
		 * The full socket waits fin_time - 60 s on its keepalive timer,
		 * which then hands over to a time-wait socket for fin_time - 60 s
		 * again (tcp_keepalive_timer()): 2 x (fin_time - 60 s) in all.
		 */
		out->full_socket_ms = j_to_ms(fin_time_j - tw_len_j, hz);
		out->timewait_sock_ms = j_to_ms(max64(fin_time_j - tw_len_j, floor_j), hz);
	} else {
		out->timewait_sock_ms = out->fin_time_ms;
	}
	out->total_ms = out->full_socket_ms + out->timewait_sock_ms;
	tl_tm_fmt_ms(out->fin_time_ms, a, sizeof(a));
	tl_tm_fmt_ms(out->total_ms, b, sizeof(b));
	tl_tm_fmt_ms(out->full_socket_ms, c, sizeof(c));
	if (out->full_socket_ms > 0)
		tl_textf(out->why, sizeof(out->why),
		    "%s gives fin_time %s > 60 s: %s as a full socket (keepalive timer, "
		    "fin_time - 60 s), then as long again as a time-wait socket: %s in all",
		    src, a, c, b);
	else if (fin_time_j > t_j)
		tl_textf(out->why, sizeof(out->why),
		    "%s is below 3.5 x RTO: fin_time %s, spent as a time-wait socket in "
		    "substate FIN-WAIT-2",
		    src, a);
	else
		tl_textf(out->why, sizeof(out->why),
		    "%s: fin_time %s, spent as a time-wait socket in substate FIN-WAIT-2", src, a);
	return 0;
}

void tl_timer_format_gaps(const struct tl_timer_schedule *sc, char *out, size_t len)
{
	bool whole = true;
	size_t i;

	if (!out || len == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < sc->n_retx; i++)
		whole = whole && sc->retx[i].gap_ms % 1000 == 0;
	for (i = 0; i < sc->n_retx; i++) {
		int64_t g = sc->retx[i].gap_ms;

		if (whole)
			tl_appendf(out, len, "%s%lld", i ? ", " : "", (long long)(g / 1000));
		else
			tl_appendf(out, len, "%s%lld.%03lld", i ? ", " : "", (long long)(g / 1000),
			       (long long)(g % 1000));
	}
	tl_appendf(out, len, "%ss", sc->n_retx ? " " : "none");
}

/* The walkthrough's kernel: today's defaults without tcp_syn_linear_timeouts. */
static void walkthrough_settings(const struct tl_timer_settings *s, struct tl_timer_settings *ref)
{
	tl_timer_settings_default(ref);
	ref->syn_linear_timeouts = 0;
	ref->hz = s->hz;
}

static void explain_causes(enum tl_timer_case which, const struct tl_timer_settings *s,
			   const struct tl_timer_settings *ref, char *out, size_t len)
{
	size_t before = strnlen(out, len);
	const char *sep = " Because ";

#define CAUSE(...)                                                                                 \
	do {                                                                                       \
		tl_appendf(out, len, "%s", sep);                                                       \
		tl_appendf(out, len, __VA_ARGS__);                                                     \
		sep = "; ";                                                                        \
	} while (0)

	if (which == TL_TIMER_SYN_SENT) {
		if (s->syn_linear_timeouts != 0)
			CAUSE("tcp_syn_linear_timeouts=%d (Linux 6.7+) keeps the first %d gaps "
			      "at 1 s and allows %d more retransmission%s",
			      s->syn_linear_timeouts, s->syn_linear_timeouts + 1,
			      s->syn_linear_timeouts, s->syn_linear_timeouts == 1 ? "" : "s");
		if (s->syncnt)
			CAUSE("TCP_SYNCNT=%d replaces tcp_syn_retries", s->syncnt);
		else if (s->syn_retries != ref->syn_retries)
			CAUSE("tcp_syn_retries=%d, not %d", s->syn_retries, ref->syn_retries);
	}
	if (which == TL_TIMER_SYNACK) {
		if (s->syncnt)
			CAUSE("the listener's TCP_SYNCNT=%d replaces tcp_synack_retries",
			      s->syncnt);
		else if (s->synack_retries != ref->synack_retries)
			CAUSE("tcp_synack_retries=%d, not %d", s->synack_retries,
			      ref->synack_retries);
	}
	if (which == TL_TIMER_FIN_WAIT1 || which == TL_TIMER_LAST_ACK) {
		if (s->orphan_retries != ref->orphan_retries)
			CAUSE("tcp_orphan_retries=%d, not 0 (8 while alive)", s->orphan_retries);
	}
	if (which == TL_TIMER_DATA && s->retries2 != ref->retries2)
		CAUSE("tcp_retries2=%d, not %d", s->retries2, ref->retries2);
	if (which != TL_TIMER_SYNACK) {
		if (s->user_timeout_ms)
			CAUSE("TCP_USER_TIMEOUT=%d ms replaces the time budget",
			      s->user_timeout_ms);
		if (s->rto_max_ms != ref->rto_max_ms)
			CAUSE("tcp_rto_max_ms=%d caps the back-off", s->rto_max_ms);
	}
	if (which >= TL_TIMER_FIN_WAIT1) {
		if (tl_timer_effective_rto_ms(s) != tl_timer_effective_rto_ms(ref))
			CAUSE("the connection's RTO is %lld ms, not %lld ms",
			      (long long)tl_timer_effective_rto_ms(s),
			      (long long)tl_timer_effective_rto_ms(ref));
		if (!s->tail_loss_probe)
			CAUSE("no tail-loss probe precedes the first RTO");
	}
#undef CAUSE
	if (strnlen(out, len) == before)
		tl_appendf(out, len, " Because of settings the walkthrough does not cover (HZ %d).",
		       s->hz);
	else
		tl_appendf(out, len, ".");
}

/* Gaps and give-up of one case as text; the schedule lives only in this frame. */
static int summarize(enum tl_timer_case which, const struct tl_timer_settings *s, char *gaps,
		     size_t gaps_len, int64_t *give_up_ms, struct tl_timer_schedule *scratch,
		     char *err, size_t errlen)
{
	if (tl_timer_predict(which, s, scratch, err, errlen) != 0)
		return -1;
	tl_timer_format_gaps(scratch, gaps, gaps_len);
	*give_up_ms = scratch->give_up_ms;
	return 0;
}

/*
 * The timer-only SYN-ACK schedule matches the walkthrough only when the
 * client's SYN retransmissions coincide with the request timer (no linear
 * timeouts). Otherwise the duplicate SYNs re-arm it: say what the wire shows
 * for a client with the same settings. Silent when nothing differs or the
 * exchange is too long to summarize.
 */
static void explain_wire_synacks(const struct tl_timer_settings *s,
				 struct tl_timer_schedule *scratch, char *out, size_t len)
{
	struct tl_timer_synack_event events[128];
	struct exchange_sink k;
	struct tl_timer_settings client = *s;
	int64_t syns[TL_TIMER_MAX_RETX + 1], timer_only_drop_ms;
	char gaps[200], at[24];
	bool differs = false;
	size_t i, n_syn = 0, n_timer = 0;

	if (predict_synack(s, scratch, NULL, 0) != 0)
		return;
	timer_only_drop_ms = scratch->give_up_ms;
	client.syncnt = 0; /* s->syncnt is the listener's here */
	if (predict_syn(&client, scratch, NULL, 0) != 0)
		return;
	tl_timer_format_gaps(scratch, gaps, sizeof(gaps));
	syns[n_syn++] = 0;
	for (i = 0; i < scratch->n_retx; i++)
		syns[n_syn++] = scratch->retx[i].at_ms;
	memset(&k, 0, sizeof(k));
	k.events = events;
	k.cap = sizeof(events) / sizeof(events[0]);
	k.stop_at_first_drop = true;
	if (run_exchange(s, 0, syns, n_syn, &k, NULL, 0) != 0 || k.last_drop_ms == 0)
		return;
	if (predict_synack(s, scratch, NULL, 0) != 0)
		return;
	for (i = 0; i < k.n; i++) {
		if (events[i].kind != TL_SYNACK_TIMER)
			continue;
		if (n_timer >= scratch->n_retx || scratch->retx[n_timer].at_ms != events[i].at_ms)
			differs = true;
		n_timer++;
	}
	if (!differs && n_timer == scratch->n_retx && k.last_drop_ms == timer_only_drop_ms)
		return;
	tl_appendf(out, len,
	       " On the wire, a client with these settings (SYN gaps %s) re-arms the request "
	       "timer with each duplicate SYN: timer SYN-ACKs at ",
	       gaps);
	n_timer = 0;
	for (i = 0; i < k.n; i++) {
		if (events[i].kind != TL_SYNACK_TIMER)
			continue;
		tl_tm_fmt_ms(events[i].at_ms, at, sizeof(at));
		at[strlen(at) - 2] = '\0'; /* drop " s" */
		tl_appendf(out, len, "%s%s", n_timer++ ? ", " : "", at);
	}
	tl_tm_fmt_ms(k.last_drop_ms, at, sizeof(at));
	tl_appendf(out, len, " s and the drop at %s.", at);
}

int tl_timer_explain_vs_walkthrough(enum tl_timer_case which, const struct tl_timer_settings *s,
				    char *out, size_t len, char *err, size_t errlen)
{
	struct tl_timer_settings ref;
	struct tl_timer_schedule sc;
	char mine[200], theirs[200], t1[24], t2[24];
	int64_t mine_end, theirs_end;
	bool same;

	if (out && len)
		out[0] = '\0';
	if (tl_timer_settings_check(s, err, errlen) != 0)
		return -1;
	walkthrough_settings(s, &ref);
	if (summarize(which, s, mine, sizeof(mine), &mine_end, &sc, err, errlen) != 0 ||
	    summarize(which, &ref, theirs, sizeof(theirs), &theirs_end, &sc, err, errlen) != 0)
		return -1;
	same = strcmp(mine, theirs) == 0 && mine_end == theirs_end;
	tl_tm_fmt_ms(mine_end, t1, sizeof(t1));
	tl_tm_fmt_ms(theirs_end, t2, sizeof(t2));
	if (which >= TL_TIMER_FIN_WAIT1) {
		/* The walkthrough has no table for these; its kernel had the same rules. */
		if (same)
			tl_appendf(out, len,
			       "%s gaps %s, end at %s: the same rules and numbers as the "
			       "walkthrough's kernel with default settings.",
			       tl_timer_case_name(which), mine, t1);
		else
			tl_appendf(out, len,
			       "%s gaps %s and end at %s, where the walkthrough's kernel with "
			       "default settings has %s and %s.",
			       tl_timer_case_name(which), mine, t1, theirs, t2);
	} else if (same) {
		tl_appendf(out, len, "Same as the walkthrough: %s gaps %s, %s at %s.",
		       tl_timer_case_name(which), mine,
		       which == TL_TIMER_SYN_SENT ? "connect() fails" : "request dropped", t1);
	} else {
		tl_appendf(out, len, "%s gaps %s here, %s in the walkthrough; %s at %s, not %s.",
		       tl_timer_case_name(which), mine, theirs,
		       which == TL_TIMER_SYN_SENT ? "connect() fails" : "request dropped", t1, t2);
	}
	if (!same)
		explain_causes(which, s, &ref, out, len);
	if (which == TL_TIMER_SYNACK)
		explain_wire_synacks(s, &sc, out, len);
	return 0;
}

const char *tl_timer_case_name(enum tl_timer_case which)
{
	switch (which) {
	case TL_TIMER_SYN_SENT:
		return "SYN-SENT SYN";
	case TL_TIMER_SYNACK:
		return "SYN-RECV SYN-ACK";
	case TL_TIMER_FIN_WAIT1:
		return "FIN-WAIT-1 orphan FIN";
	case TL_TIMER_LAST_ACK:
		return "LAST-ACK orphan FIN";
	case TL_TIMER_DATA:
		return "ESTABLISHED data";
	case TL_TIMER_KEEPALIVE_PROBES:
		return "keepalive probes";
	case TL_TIMER_PERSIST:
		return "zero-window probes";
	}
	return "?";
}

const char *tl_timer_rule_name(enum tl_timer_rule rule)
{
	switch (rule) {
	case TL_RULE_INITIAL:
		return "initial";
	case TL_RULE_TLP:
		return "tail-loss probe";
	case TL_RULE_LINEAR:
		return "linear";
	case TL_RULE_BACKOFF:
		return "back-off";
	case TL_RULE_RTO_MAX:
		return "rto-max cap";
	case TL_RULE_USER_TIMEOUT:
		return "user-timeout clamp";
	case TL_RULE_DUP_SYN:
		return "duplicate SYN";
	case TL_RULE_KEEPALIVE_IDLE:
		return "keepalive idle";
	case TL_RULE_KEEPALIVE_INTVL:
		return "keepalive interval";
	case TL_RULE_PERSIST:
		return "persist";
	}
	return "?";
}

const char *tl_timer_end_name(enum tl_timer_end end)
{
	switch (end) {
	case TL_END_COUNT:
		return "retry count";
	case TL_END_TIME_BUDGET:
		return "time budget";
	case TL_END_USER_TIMEOUT:
		return "TCP_USER_TIMEOUT";
	case TL_END_ORPHAN_RTO_MAX:
		return "orphan at max RTO";
	case TL_END_REQUEST_DROP:
		return "request dropped";
	case TL_END_NEVER:
		return "no end";
	}
	return "?";
}

const char *tl_timer_synack_event_name(enum tl_timer_synack_event_kind kind)
{
	switch (kind) {
	case TL_SYNACK_NEW_REQUEST:
		return "new request";
	case TL_SYNACK_TIMER:
		return "timer SYN-ACK";
	case TL_SYNACK_DUP_ANSWER:
		return "answer to duplicate SYN";
	case TL_SYNACK_DUP_IGNORED:
		return "duplicate SYN ignored";
	case TL_SYNACK_DROP:
		return "request dropped";
	}
	return "?";
}

/*
 * Profiles. "kernel" writes this kernel's defaults, so a run does not depend
 * on what the host changed. "fast" ends every abnormal case within about
 * 8 s; "article" reproduces the walkthrough's SYN and SYN-ACK tables.
 */
static const struct tl_timer_profile profiles[] = {
	{
		.name = "kernel",
		.summary = "this kernel's defaults: SYN fails after 131 s, orphan FIN after ~104 s",
		.n_sysctls = 12,
		.sysctls =
			{
				{"net.ipv4.tcp_syn_retries", 6},
				{"net.ipv4.tcp_synack_retries", 5},
				{"net.ipv4.tcp_syn_linear_timeouts", 4},
				{"net.ipv4.tcp_orphan_retries", 0},
				{"net.ipv4.tcp_retries2", 15},
				{"net.ipv4.tcp_rto_min_us", 200000},
				{"net.ipv4.tcp_rto_max_ms", 120000},
				{"net.ipv4.tcp_fin_timeout", 60},
				{"net.ipv4.tcp_invalid_ratelimit", 500},
				{"net.ipv4.tcp_keepalive_time", 7200},
				{"net.ipv4.tcp_keepalive_intvl", 75},
				{"net.ipv4.tcp_keepalive_probes", 9},
			},
	},
	{
		.name = "fast",
		.summary =
			"every abnormal case ends within ~8 s: SYN gaps 1, 1, 2 s, orphan FIN and "
			"data give up at ~3.3 s, FIN-WAIT-2 5 s, keepalive 1 s + 2 probes",
		.n_sysctls = 9,
		.sysctls =
			{
				/* N=2, L=1: a linear and a doubled gap; fails at 8 s */
				{"net.ipv4.tcp_syn_retries", 2},
				{"net.ipv4.tcp_syn_linear_timeouts", 1},
				/* SYN-ACKs at 1, 3 s, dropped at 7 s (8 s: fast client) */
				{"net.ipv4.tcp_synack_retries", 2},
				/* (2^3-1) x 200 ms = 1.4 s after R1: gone at ~3.3 s */
				{"net.ipv4.tcp_orphan_retries", 2},
				{"net.ipv4.tcp_retries2", 2},
				/* TIME-WAIT stays 60 s: no sysctl shortens it */
				{"net.ipv4.tcp_fin_timeout", 5},
				/* probes at 1, 2 s of silence, the reset at 3 s */
				{"net.ipv4.tcp_keepalive_time", 1},
				{"net.ipv4.tcp_keepalive_intvl", 1},
				{"net.ipv4.tcp_keepalive_probes", 2},
			},
	},
	{
		.name = "article",
		.summary =
			"the walkthrough's kernel: SYN gaps 1, 2, 4, 8, 16, 32 s (fails at 127 s), "
			"SYN-ACK gaps 1, 2, 4, 8, 16 s (dropped at 63 s)",
		.n_sysctls = 3,
		.sysctls =
			{
				{"net.ipv4.tcp_syn_linear_timeouts", 0},
				{"net.ipv4.tcp_syn_retries", 6},
				{"net.ipv4.tcp_synack_retries", 5},
			},
	},
};

const struct tl_timer_profile *tl_timer_profiles(size_t *n)
{
	if (n)
		*n = sizeof(profiles) / sizeof(profiles[0]);
	return profiles;
}

const struct tl_timer_profile *tl_timer_profile_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

int tl_timer_profile_settings(const struct tl_timer_profile *p, struct tl_timer_settings *out,
			      char *err, size_t errlen)
{
	char why[160];
	size_t i;

	tl_timer_settings_default(out);
	for (i = 0; i < p->n_sysctls; i++) {
		if (tl_timer_settings_set(out, p->sysctls[i].name, p->sysctls[i].value, why,
					  sizeof(why)) != 0) {
			tl_errorf(err, errlen, "profile %s: %s", p->name, why);
			return -1;
		}
	}
	return 0;
}
