/*
 * linger: stays in FIN-WAIT-2 and TIME-WAIT measured against the timer
 * model (see linger.h).
 */
#include "analysis/linger.h"

#include <string.h>

#include "core/invariant.h"
#include "core/textbuf.h"

#define MEASURE_SLACK_MS 2.0 /* capture and tracepoint stamps versus the timer's own clock */
/* A time-wait socket's end is seen by a sock_diag poll every 2 ms, from a thread that a
 * loaded machine can hold back for longer (seen: 15 ms on 2 busy cores). */
#define DIAG_SLACK_MS 20.0
#define PEER_CAUSE_MS 1.0    /* a peer's packet this soon before an end caused it */

static double ms_since(uint64_t from_ns, uint64_t to_ns)
{
	return ((double)to_ns - (double)from_ns) / 1e6;
}

static bool same_tuple(const struct tl_tuple *a, const struct tl_tuple *b)
{
	return tl_tuple_equal(a, b);
}

/* When side's application first closed (or aborted) its socket; 0 if it never did. */
static uint64_t close_time(const struct tl_timeline *tl, enum tl_side side)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_APP && ev->side == side &&
		    (!strcmp(ev->u.app.verb, "close") || !strcmp(ev->u.app.verb, "abort")))
			return ev->u.app.called_ns ? ev->u.app.called_ns : ev->t_ns;
	}
	return 0;
}

/* The state change that ends the stay that began at index `from`, or -1. */
static long leaving(const struct tl_timeline *tl, size_t from)
{
	const struct tl_state_change *in = &tl->ev[from].u.state;
	for (size_t i = from + 1; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_STATE && ev->u.state.from == in->to && same_tuple(&ev->u.state.tuple, &in->tuple))
			return (long)i;
	}
	return -1;
}

/* True when a packet from the peer arrived at the socket shortly before the event at index `end`. */
static bool peer_packet_before(const struct tl_timeline *tl, const struct tl_tuple *local, size_t end)
{
	const uint64_t t_ns = tl->ev[end].t_ns;
	for (size_t i = 0; i < end; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || ev->u.packet.dropped || ms_since(ev->t_ns, t_ns) > PEER_CAUSE_MS)
			continue;
		const struct tl_tuple *t = &ev->u.packet.tuple;
		if (tl_tuple_is_reverse(t, local))
			return true;
	}
	return false;
}

static void judge(struct tl_linger *l)
{
	double late = l->allowed_late_ms + MEASURE_SLACK_MS + DIAG_SLACK_MS;
	l->pass = true;
	if (l->end == TL_LINGER_END_TIMER &&
	    (l->lasted_ms < l->predicted_ms - MEASURE_SLACK_MS || l->lasted_ms > l->predicted_ms + late)) {
		l->pass = false;
		tl_textf(l->problem, sizeof(l->problem), "lasted %.3f s, predicted %.3f s (allowed up to %.3f s late)",
			 l->lasted_ms / 1e3, l->predicted_ms / 1e3, late / 1e3);
	} else if (l->end != TL_LINGER_END_TIMER && l->lasted_ms > l->predicted_ms + late) {
		l->pass = false;
		tl_textf(l->problem, sizeof(l->problem), "still there after %.3f s, the timer was predicted at %.3f s",
			 l->lasted_ms / 1e3, l->predicted_ms / 1e3);
	}
}

static int predict(struct tl_linger *l, const struct tl_timer_settings *set, char *err, size_t errlen)
{
	if (l->kind == TL_LINGER_TIME_WAIT) {
		l->predicted_ms = (double)tl_timer_time_wait_ms();
		l->allowed_late_ms = (double)tl_timer_allowed_lateness_ms(tl_timer_time_wait_ms(), set->hz);
		tl_textf(l->why, sizeof(l->why), "TIME-WAIT lasts TCP_TIMEWAIT_LEN, 60 s, fixed in Linux; "
						 "tcp_fin_timeout does not change it");
		return 0;
	}
	struct tl_timer_fin_wait2 fw2;
	if (tl_timer_fin_wait2(set, &fw2, err, errlen) < 0)
		return -1;
	l->predicted_ms = fw2.waits ? (double)fw2.total_ms : 0;
	/* Up to two timers in a row: the full socket's keepalive timer, then the time-wait socket's. */
	l->allowed_late_ms = (double)(tl_timer_allowed_lateness_ms(fw2.full_socket_ms, set->hz) +
				      tl_timer_allowed_lateness_ms(fw2.timewait_sock_ms, set->hz));
	tl_textf(l->why, sizeof(l->why), "%s", fw2.why);
	return 0;
}

static const char *kind_name(enum tl_linger_kind k)
{
	return k == TL_LINGER_TIME_WAIT ? "TIME-WAIT" : "FIN-WAIT-2 (orphan)";
}

void tl_linger_title(const struct tl_linger *l, char *out, size_t len)
{
	char who[TL_SIDE_CONN_STRLEN];
	tl_side_conn_name(l->side, l->conn, who, sizeof(who));
	tl_textf(out, len, "%s %s", who, kind_name(l->kind));
}

const char *tl_linger_end_name(enum tl_linger_end end)
{
	switch (end) {
	case TL_LINGER_END_TIMER: return "timer";
	case TL_LINGER_END_PEER: return "peer";
	case TL_LINGER_END_CUT_OFF: return "cut off";
	}
	return "?";
}

int tl_linger_analyze(const struct tl_timeline *tl, const struct tl_timer_settings *side_settings[3],
		      struct tl_linger_report *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const uint64_t run_end_ns = tl->n ? tl->ev[tl->n - 1].t_ns : tl->t0_ns;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_STATE || ev->side == TL_SIDE_NONE || ev->u.state.from == ev->u.state.to)
			continue;
		enum tl_linger_kind kind;
		uint64_t start_ns = ev->t_ns;
		if (ev->u.state.to == TL_TIME_WAIT) {
			kind = TL_LINGER_TIME_WAIT;
		} else if (ev->u.state.to == TL_FIN_WAIT2) {
			/* Only an orphan's FIN-WAIT-2 is timed, from the later of the ACK of its FIN and close(). */
			uint64_t closed_ns = close_time(tl, ev->side);
			if (!closed_ns)
				continue;
			if (closed_ns > start_ns)
				start_ns = closed_ns;
			kind = TL_LINGER_FIN_WAIT2;
		} else {
			continue;
		}
		if (out->n == TL_LINGER_MAX) {
			out->not_judged++;
			continue;
		}
		struct tl_linger *l = &out->items[out->n++];
		TL_ASSERT(ev->side < 3 && side_settings[ev->side]);
		l->kind = kind;
		l->side = ev->side;
		memcpy(l->conn, ev->conn, sizeof(l->conn));
		l->entered_ms = ms_since(tl->t0_ns, start_ns);
		if (predict(l, side_settings[ev->side], err, errlen) < 0)
			return -1;
		long j = leaving(tl, i);
		uint64_t end_ns = j < 0 ? run_end_ns : tl->ev[j].t_ns;
		l->lasted_ms = end_ns > start_ns ? ms_since(start_ns, end_ns) : 0;
		if (j < 0)
			l->end = TL_LINGER_END_CUT_OFF;
		else if (tl->ev[j].u.state.to != TL_CLOSE || peer_packet_before(tl, &ev->u.state.tuple, (size_t)j))
			l->end = TL_LINGER_END_PEER;
		else
			l->end = TL_LINGER_END_TIMER;
		judge(l);
	}
	return 0;
}

void tl_linger_render(FILE *out, const struct tl_linger_report *rep)
{
	if (!rep->n && !rep->not_judged)
		return;
	char title[64];
	int width = 30; /* "server FIN-WAIT-2 (orphan)" and room; a connection's name widens it */
	for (size_t i = 0; i < rep->n; i++) {
		tl_linger_title(&rep->items[i], title, sizeof(title));
		if ((int)strlen(title) > width)
			width = (int)strlen(title);
	}
	fprintf(out, "\n   linger timers: how long a state lasted, against the timer that ends it\n");
	fprintf(out, "     %-*s %11s %10s %13s  %-9s %s\n", width, "stay", "entered (s)", "lasted (s)", "predicted (s)",
		"ended by", "vs model");
	for (size_t i = 0; i < rep->n; i++) {
		const struct tl_linger *l = &rep->items[i];
		tl_linger_title(l, title, sizeof(title));
		fprintf(out, "     %-*s %11.3f %10.3f %13.3f  %-9s %s\n", width, title, l->entered_ms / 1e3, l->lasted_ms / 1e3,
			l->predicted_ms / 1e3, tl_linger_end_name(l->end), l->pass ? "ok" : "OFF");
		fprintf(out, "       %s\n", l->why);
		if (!l->pass)
			fprintf(out, "       DIFFERS from the model: %s\n", l->problem);
	}
	if (rep->not_judged)
		fprintf(out, "     (%zu more stays not judged: at most %d per run)\n", rep->not_judged, TL_LINGER_MAX);
}
