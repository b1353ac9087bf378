/*
 * linger: the timers that end a state rather than resend a segment, measured
 * in a run and set beside the timer model: an orphaned socket's FIN-WAIT-2
 * (tcp_fin_timeout or TCP_LINGER2; above 60 s the kernel spends the excess
 * as a full socket on the keepalive timer, the rest as a time-wait socket)
 * and TIME-WAIT (60 s, fixed).
 *
 * Each stay ends one of three ways: its timer (judged: no earlier than
 * predicted, no later than the timer wheel allows), the peer (a FIN that
 * moves FIN-WAIT-2 on to TIME-WAIT, a RST; judged only not to be later than
 * the timer would have been), or the end of the run (likewise).
 */
#ifndef TCPLAB_LINGER_H
#define TCPLAB_LINGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/event.h"
#include "model/timer_model.h"

#define TL_LINGER_MAX 16 /* stays judged per run; more are counted and said, not judged */

enum tl_linger_kind {
	TL_LINGER_FIN_WAIT2, /* an orphan waiting for the peer's FIN */
	TL_LINGER_TIME_WAIT,
};

enum tl_linger_end {
	TL_LINGER_END_TIMER,   /* the state's own timer ended it */
	TL_LINGER_END_PEER,    /* a packet from the peer ended it first */
	TL_LINGER_END_CUT_OFF, /* the run ended first */
};

struct tl_linger {
	enum tl_linger_kind kind;
	enum tl_side side;
	char conn[TL_CONN_NAME_MAX]; /* the socket's named connection, "" for none */
	double entered_ms;  /* since the run's start */
	double lasted_ms;   /* until it ended, or until the run's end */
	enum tl_linger_end end;
	double predicted_ms;
	double allowed_late_ms;
	char why[2 * TL_TIMER_WHY_LEN]; /* the rule behind the prediction */
	bool pass;
	char problem[160];
};

struct tl_linger_report {
	size_t n;
	size_t not_judged; /* stays beyond TL_LINGER_MAX */
	struct tl_linger items[TL_LINGER_MAX];
};

/*
 * Finds every orphaned FIN-WAIT-2 and every TIME-WAIT in an annotated,
 * time-sorted timeline (sides set) and judges each against settings (the
 * namespace's sysctls with each side's socket options added by the caller
 * for `side_settings[side]`). Returns 0, or -1 with the reason in err.
 */
int tl_linger_analyze(const struct tl_timeline *tl, const struct tl_timer_settings *side_settings[3],
		      struct tl_linger_report *out, char *err, size_t errlen);

/* "client FIN-WAIT-2 (orphan)", "server TIME-WAIT" */
void tl_linger_title(const struct tl_linger *l, char *out, size_t len);

/* "timer", "peer", "cut off" */
const char *tl_linger_end_name(enum tl_linger_end end);

/* Prints one table of every stay, or nothing when there is none. */
void tl_linger_render(FILE *out, const struct tl_linger_report *rep);

#endif
