/*
 * timer_walk: what the timer predictors share, internal to model/: jiffy
 * arithmetic rounded as the kernel rounds it, times printed for people, the
 * connection's RTO, and the bookkeeping of a schedule being walked timer by
 * timer (each step's allowed lateness accumulates, since every timer is
 * re-armed from the moment the previous one fired).
 */
#ifndef TCPLAB_TIMER_WALK_H
#define TCPLAB_TIMER_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/timer_model.h"

/* msecs_to_jiffies() and usecs_to_jiffies() round up; so does jiffies_to_msecs() for odd HZ. */
static inline int64_t ms_to_j(int64_t ms, int hz)
{
	return (ms * hz + 999) / 1000;
}

static inline int64_t us_to_j(int64_t us, int hz)
{
	return (us * hz + 999999) / 1000000;
}

static inline int64_t j_to_ms(int64_t j, int hz)
{
	return (j * 1000 + hz - 1) / hz;
}

static inline int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static inline int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* "1 s", "0.204 s", "102.2 s": milliseconds for people. */
void tl_tm_fmt_ms(int64_t ms, char *out, size_t len);

/* The connection's RTO in jiffies: established_rto_ms, or loopback's, bounded by tcp_rto_max_ms. */
int64_t tl_tm_effective_rto_j(const struct tl_timer_settings *s);

/* Bookkeeping shared by the predictors while they walk a schedule. */
struct tl_tm_walk {
	struct tl_timer_schedule *out;
	int hz;
	int64_t last_tx_j;	 /* last transmission, jiffies from the first */
	int64_t cum_lateness_ms; /* accumulated allowed lateness up to last_tx_j */
};

void tl_tm_walk_init(struct tl_tm_walk *w, struct tl_timer_schedule *out, enum tl_timer_case which, int hz);

/* Adds a transmission at at_j; -1 with err when the schedule is full. */
int tl_tm_walk_add(struct tl_tm_walk *w, int64_t at_j, bool tlp, enum tl_timer_rule rule, const char *why, char *err,
		   size_t errlen);

/* Ends the schedule at at_j: the give-up, its allowance and its reason. */
void tl_tm_walk_end(struct tl_tm_walk *w, int64_t at_j, enum tl_timer_end end, const char *why);

/* The probe timers (probe_timers.c), for tl_timer_predict; settings already checked. */
int tl_tm_predict_keepalive(const struct tl_timer_settings *s, struct tl_timer_schedule *out, char *err,
			    size_t errlen);
int tl_tm_predict_persist(const struct tl_timer_settings *s, bool peer_answers, size_t max_probes,
			  struct tl_timer_schedule *out, char *err, size_t errlen);

#endif
