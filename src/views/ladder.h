/*
 * ladder: a run as a ladder (sequence) diagram. The client's column is on
 * the left, the server's on the right, time flows down. tl_ladder_build()
 * turns an annotated timeline into rows (one arrow per packet with its
 * flags, relative seq/ack, length and role; each side's state changes; its
 * application calls; the lab's notes and snapshots) and marks the idle gaps
 * that are drawn as breaks. tl_ladder_print() draws those rows as text for
 * the terminal (Unicode box drawing or plain ASCII); svg.c draws the same
 * rows as an SVG picture, so both always agree.
 */
#ifndef TCPLAB_LADDER_H
#define TCPLAB_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/event.h"
#include "scenario/scenario.h"

/* A gap between two rows is drawn as a break when it is at least
 * TL_LADDER_BREAK_ALWAYS_NS long, or at least TL_LADDER_BREAK_MIN_NS and
 * more than TL_LADDER_BREAK_MEDIANS times the median gap of the run. */
#define TL_LADDER_BREAK_ALWAYS_NS 200000000ull /* 200 ms */
#define TL_LADDER_BREAK_MIN_NS 20000000ull     /* 20 ms */
#define TL_LADDER_BREAK_MEDIANS 3

enum tl_ladder_row_kind {
	TL_LROW_PACKET, /* an arrow from side to the other side */
	TL_LROW_STATE,	/* side enters state */
	TL_LROW_CALL,	/* an application call of side returned */
	TL_LROW_NOTE,	/* the lab's note or snapshot, between the columns */
};

struct tl_ladder_row {
	enum tl_ladder_row_kind kind;
	enum tl_side side; /* packets: the sender; notes: TL_SIDE_NONE */
	uint64_t t_ns;	   /* since the run's start (the timeline's t0_ns) */
	uint64_t gap_ns;   /* since the previous row (the first: since t0) */
	bool break_before; /* that gap is drawn as a break, not to scale */
	/* TL_LROW_PACKET */
	uint8_t flags;
	char label[72];	    /* "S. seq 0 ack 1 len 0": relative numbers */
	char role[96];	    /* "handshake 2/3", "retransmission #1 of teardown 1", "" */
	char role_short[96]; /* the same, briefer: "retrans #1 of teardown 1" */
	unsigned retrans_no;
	bool reset;	    /* RST set */
	bool dropped;	    /* drawn stopping halfway under a cross */
	char drop_rule[48]; /* the rule that dropped it, may be empty */
	/* TL_LROW_STATE */
	enum tl_state from;
	enum tl_state state;
	/* TL_LROW_CALL and TL_LROW_NOTE */
	char text[224];	    /* "connect(127.0.0.1:2017) = 0", a note, a snapshot summary */
	bool failed;	    /* a call that returned an error */
	uint64_t called_ns; /* calls: when it was made, since the run's start */
};

struct tl_ladder {
	struct tl_ladder_row *rows; /* owned, in time order */
	size_t n;
	char client[80]; /* "127.0.0.1:42400", empty when no packet showed it */
	char server[80]; /* "127.0.0.1:2017": without packets, the scenario's host and port */
	enum tl_state client_initial; /* state before the side's first change */
	enum tl_state server_initial;
	uint64_t median_gap_ns;
	uint64_t scaled_ns; /* the sum of the gaps that are drawn to scale */
};

/*
 * Builds the ladder of tl, a timeline of scenario sc that is sorted and
 * annotated (sides and roles) as tl_report_run() leaves it. Only reads sc
 * and tl. Dropped packets are those marked dropped and those a TL_EV_DROP
 * event names (same tuple, seq and flags, within 100 ms); a drop event that
 * matches no captured packet becomes an arrow of its own. The numbers on
 * the arrows are the ones tl_roles_annotate recorded. Fills *out (free with
 * tl_ladder_free) and returns 0, or returns -1 with errno ENOMEM, or EINVAL
 * when a packet or drop report was not annotated.
 */
int tl_ladder_build(const struct tl_scenario *sc, const struct tl_timeline *tl, struct tl_ladder *out);

void tl_ladder_free(struct tl_ladder *l);

/* The gap before row i is at least this long, ignoring breaks: a break counts as 0. */
uint64_t tl_ladder_scaled_gap_ns(const struct tl_ladder *l, size_t i);

/*
 * Copies src into dst (len bytes, always terminated when len > 0) for a
 * drawing: control characters and invalid UTF-8 become '?', and a character
 * is never cut in two. Every text of a built ladder is cleaned so.
 */
void tl_ladder_clean_text(char *dst, size_t len, const char *src);

/* A state as the ladder writes it beside a column: "no socket" for TL_STATE_NONE. */
const char *tl_ladder_state_name(enum tl_state st);

/* "≈ 58.3 s", "≈ 2.00 s", "≈ 21.7 ms" (ascii: "~ 58.3 s"). */
void tl_ladder_format_gap(uint64_t gap_ns, bool ascii, char *out, size_t len);

struct tl_ladder_options {
	bool ascii; /* only - > < x | and letters: for terminals without Unicode */
	int width;  /* terminal columns; 0 means 100; 72 to 160 are used */
};

/*
 * Prints the ladder of tl (see tl_ladder_build for what tl must be) to out:
 * a header with sc's id and title, the two columns, one line per row (two
 * when a packet's role does not fit on its arrow), breaks for long idle
 * gaps, and a one-line legend. o may be NULL for the defaults. Returns 0, or
 * -1 with errno set (ENOMEM, or the write error of out).
 */
int tl_ladder_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *tl,
		    const struct tl_ladder_options *o);

#endif
