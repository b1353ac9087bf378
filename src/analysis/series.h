/*
 * series: retransmission series measured in a run, set beside what the
 * timer model predicts from the namespace's sysctls and the sockets'
 * options, and beside what the walkthrough measured on its older kernel.
 *
 * A series is the client's SYN in SYN-SENT, the server's SYN-ACKs, a FIN
 * resent in FIN-WAIT-1 or LAST-ACK, or a side's keepalive or window probes. Each send is judged against its
 * predicted time: timers fire late, never early, so a send passes when it
 * is no earlier than predicted and no later than the model's accumulated
 * allowance.
 *
 * A series ends in one of four ways: the peer acknowledges it (after n
 * sends), a RST from the peer ends it, the kernel gives up (connect()
 * failing, the request or the socket destroyed), or the run ends first. The
 * model predicts the sends up to that end: a series acknowledged at time A
 * passes with any number of sends between those whose latest allowed time
 * is before A and those predicted no later than A; a give-up is judged like
 * a send.
 */
#ifndef TCPLAB_SERIES_H
#define TCPLAB_SERIES_H

#include <stdbool.h>
#include <stdio.h>

#include "core/event.h"
#include "scenario/scenario.h"
#include "model/timer_model.h"
#include "analysis/linger.h"

#define TL_SERIES_MAX 8
#define TL_SERIES_MAX_SENDS (TL_TIMER_MAX_RETX + 1)

struct tl_series_send {
	double at_ms;	     /* since the series' first send */
	const char *what;    /* "SYN", "retransmission", "tail-loss probe", "timer", "answer to a duplicate SYN" */
	bool predicted;	     /* the model predicts a send here */
	double pred_at_ms;   /* its predicted time */
	double allowed_late_ms;
	bool ok;
};

enum tl_series_end {
	TL_SERIES_END_GAVE_UP, /* the kernel gave up by its own rule */
	TL_SERIES_END_ACKED,   /* the peer acknowledged what was resent */
	TL_SERIES_END_RESET,   /* a RST from the peer ended it */
	TL_SERIES_END_CUT_OFF, /* the run ended before any of these */
};

/* "acknowledged", "gave up", "reset", "cut off" */
const char *tl_series_end_name(enum tl_series_end end);

struct tl_series {
	enum tl_series_kind kind;
	enum tl_side side;
	enum tl_timer_case tcase;
	size_t n_sends;
	size_t sends_cut; /* sends beyond TL_SERIES_MAX_SENDS: the series fails rather than judge part of it */
	struct tl_series_send sends[TL_SERIES_MAX_SENDS];
	size_t n_predicted;	    /* sends the model predicts, the first included */
	bool peer_answers;	    /* window probes: the peer answered some, so only TCP_USER_TIMEOUT gives up */
	bool no_give_up;	    /* the model predicts none (a peer that answers, no TCP_USER_TIMEOUT) */
	enum tl_series_end end;
	double end_ms;		    /* when it ended (the run's end when cut off), since the first send */
	bool gave_up;		    /* end == TL_SERIES_END_GAVE_UP */
	double gave_up_ms;	    /* measured, since the first send */
	size_t pred_lo, pred_hi;    /* sends the model allows before an acknowledgement, reset or cut-off */
	double pred_give_up_ms;
	double give_up_late_ms;	    /* allowance */
	char give_up_why[TL_TIMER_WHY_LEN];
	bool pass;
	char problem[200];	    /* the first difference, empty on pass */
	char versus_walkthrough[400];
};

struct tl_series_report {
	size_t n;
	struct tl_series s[TL_SERIES_MAX];
	struct tl_linger_report lingers; /* the timers that end FIN-WAIT-2 and TIME-WAIT */
};

/*
 * Finds every retransmission series and every linger timer (linger.h) in
 * an annotated timeline (sides and roles set) and judges each against the
 * model, with settings: the lab
 * namespace's timer sysctls as read back, to which each side's setsockopt
 * steps in sc are added. Returns 0, or -1 with the reason in err.
 */
int tl_series_analyze(const struct tl_scenario *sc, const struct tl_timeline *tl,
		      const struct tl_timer_settings *settings, struct tl_series_report *out,
		      char *err, size_t errlen);

/* Prints one table per series (measured, predicted and the walkthrough's gaps), then the linger timers. */
void tl_series_render(FILE *out, const struct tl_scenario *sc, const struct tl_series_report *rep);

/* "client SYN in SYN-SENT" */
void tl_series_title(const struct tl_series *s, char *out, size_t len);

#endif
