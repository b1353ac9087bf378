/*
 * sockstate: turns the raw state events of a run into the history a person
 * expects, using sock_diag where the state tracepoint is blind
 * (shared/KERNEL-FACTS.md lists the blind spots measured on this kernel).
 */
#include "analysis/sockstate.h"

#include "analysis/conns.h"

#include <stdio.h>
#include <string.h>

static bool same_tuple(const struct tl_tuple *a, const struct tl_tuple *b)
{
	return tl_tuple_equal(a, b);
}

static bool is_state(const struct tl_event *ev, enum tl_state_source src)
{
	return ev->kind == TL_EV_STATE && ev->u.state.source == src;
}

/* A request or time-wait socket seen: by a sock_diag dump, or exactly, through its own timer. */
static bool is_sighting(const struct tl_event *ev)
{
	return is_state(ev, TL_SRC_SOCK_DIAG) || is_state(ev, TL_SRC_SOCK_TIMER);
}

/* Who saw it, for the why texts. */
static const char *seen_by(const struct tl_event *ev)
{
	return ev->u.state.source == TL_SRC_SOCK_TIMER ? "its own timer shows it" : "sock_diag lists it";
}

/* The tracepoint reports the client's first change before its port is bound. */
static void fill_unbound_ports(struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		if (!is_state(ev, TL_SRC_TRACEPOINT) || ev->u.state.tuple.sport)
			continue;
		for (size_t j = i + 1; j < tl->n; j++) {
			struct tl_event *later = &tl->ev[j];
			if (is_state(later, TL_SRC_TRACEPOINT) &&
			    later->u.state.sock_id == ev->u.state.sock_id && later->u.state.tuple.sport) {
				ev->u.state.tuple = later->u.state.tuple;
				break;
			}
		}
	}
}

/* A request socket starts when its SYN arrives: take that time, exact, from the capture. */
static void place_request_socket(struct tl_timeline *tl, struct tl_event *seen)
{
	const struct tl_tuple *local = &seen->u.state.tuple;
	seen->u.state.from = TL_LISTEN;
	seen->u.state.to = TL_SYN_RECV;
	snprintf(seen->u.state.why, sizeof(seen->u.state.why), "request socket: %s, the tracepoint never does",
		 seen_by(seen));
	const uint64_t seen_ns = seen->t_ns; /* the loop moves seen->t_ns: bound it by the sighting */
	for (size_t j = 0; j < tl->n && tl->ev[j].t_ns <= seen_ns; j++) {
		const struct tl_event *ev = &tl->ev[j];
		if (ev->kind != TL_EV_PACKET)
			continue;
		const struct tl_packet *p = &ev->u.packet;
		if ((p->flags & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN && tl_tuple_is_reverse(&p->tuple, local)) {
			seen->t_ns = ev->t_ns;
			snprintf(seen->u.state.why, sizeof(seen->u.state.why),
				 "request socket made by this SYN: %s, the tracepoint never does", seen_by(seen));
		}
	}
}

/*
 * A time-wait socket takes over at the moment the tracepoint reports CLOSE:
 * that event has the exact time, sock_diag knows the state that follows. The
 * kernel makes the time-wait socket visible a few microseconds before the
 * full socket's CLOSE fires, so a dump can see it first: the hand-over is
 * the CLOSE nearest to the sighting, before it or just after.
 */
#define HANDOVER_AFTER_NS 20000000ull

static bool merge_with_handover(struct tl_timeline *tl, size_t seen_idx)
{
	struct tl_event *seen = &tl->ev[seen_idx], *best = NULL;
	for (size_t j = 0; j < tl->n; j++) {
		struct tl_event *ev = &tl->ev[j];
		if (!is_state(ev, TL_SRC_TRACEPOINT) || ev->u.state.to != TL_CLOSE ||
		    !same_tuple(&ev->u.state.tuple, &seen->u.state.tuple) ||
		    ev->t_ns > seen->t_ns + HANDOVER_AFTER_NS)
			continue;
		best = ev; /* time order: the last one that qualifies is the nearest */
	}
	if (!best)
		return false;
	if (seen->u.state.to == TL_TIME_WAIT) {
		best->u.state.to = TL_TIME_WAIT;
		bool timer = seen->u.state.source == TL_SRC_SOCK_TIMER;
		best->u.state.source = timer ? TL_SRC_TRACEPOINT_TIMER : TL_SRC_TRACEPOINT_DIAG;
		snprintf(best->u.state.why, sizeof(best->u.state.why),
			 "a time-wait socket took over (the tracepoint says CLOSE; %s TIME-WAIT)",
			 timer ? "its own timer shows" : "sock_diag lists");
	} else {
		enum tl_state stays = seen->u.state.to;
		best->kind = TL_EV_NOTE;
		best->side = TL_SIDE_NONE; /* notes are the lab's voice, as the timeline prints them */
		snprintf(best->u.note, sizeof(best->u.note),
			 "socket handed to a time-wait socket that stays %s (the tracepoint says CLOSE; %s)",
			 tl_state_name(stays),
			 seen->u.state.source == TL_SRC_SOCK_TIMER ? "its own timer shows it" : "sock_diag still lists it");
	}
	return true;
}

static void drop_event(struct tl_timeline *tl, size_t i)
{
	tl_event_release(&tl->ev[i]);
	memmove(&tl->ev[i], &tl->ev[i + 1], (tl->n - i - 1) * sizeof(tl->ev[0]));
	tl->n--;
}

/* The tracepoint's birth of the child socket a vanished request became, or NULL. */
static struct tl_event *child_of(struct tl_timeline *tl, size_t gone_idx)
{
	const struct tl_event *gone = &tl->ev[gone_idx];
	for (size_t j = 0; j < gone_idx; j++) {
		struct tl_event *ev = &tl->ev[j];
		if (is_state(ev, TL_SRC_TRACEPOINT) && ev->u.state.from == TL_LISTEN &&
		    same_tuple(&ev->u.state.tuple, &gone->u.state.tuple))
			return ev;
	}
	return NULL;
}

/*
 * sock_diag saw the request, so the connection is in SYN_RECV since its SYN;
 * the child's LISTEN -> SYN_RECV, which the tracepoint reports when the
 * final ACK arrives, is the same state going on in a full socket, not a
 * second handshake. Said as a note, so the path has SYN_RECV once.
 */
static void continue_request(struct tl_event *child)
{
	child->kind = TL_EV_NOTE;
	child->side = TL_SIDE_NONE; /* notes are the lab's voice, as the timeline prints them */
	snprintf(child->u.note, sizeof(child->u.note),
		 "the request socket became a full socket, still SYN_RECV (the tracepoint says LISTEN -> SYN_RECV)");
}

/*
 * One dump can show a request gone and its successor on the same four-tuple
 * new: the old one was dropped before the SYN that made the new one (the
 * kernel answers a SYN with a new request only when none exists), so its end
 * goes just before that SYN, not at the dump.
 */
static void end_request_before_successor(struct tl_timeline *tl, struct tl_event *gone)
{
	uint64_t born_ns = 0, successor_ns = 0;
	for (size_t j = 0; j < tl->n; j++) {
		const struct tl_event *ev = &tl->ev[j];
		if (!is_sighting(ev) || ev->u.state.from != TL_LISTEN ||
		    ev->u.state.to != TL_SYN_RECV || !same_tuple(&ev->u.state.tuple, &gone->u.state.tuple))
			continue;
		if (ev->u.state.sock_id == gone->u.state.sock_id)
			born_ns = ev->t_ns;
		else if (ev->t_ns <= gone->t_ns && ev->t_ns > successor_ns)
			successor_ns = ev->t_ns;
	}
	if (successor_ns > born_ns && successor_ns > 0) {
		gone->t_ns = successor_ns - 1;
		snprintf(gone->u.state.why, sizeof(gone->u.state.why),
			 "request dropped: the next SYN made a new one (one sock_diag dump saw both)");
	}
}

void tl_states_resolve(struct tl_timeline *tl)
{
	fill_unbound_ports(tl);
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		if (!is_sighting(ev) || ev->u.state.from != TL_STATE_NONE)
			continue;
		if (ev->u.state.to == TL_NEW_SYN_RECV || ev->u.state.to == TL_SYN_RECV) {
			place_request_socket(tl, ev);
		} else if (merge_with_handover(tl, i)) {
			drop_event(tl, i);
			i--;
		}
	}
	/* A request socket that vanished was dropped, or became the child socket
	 * that the tracepoint reports; only the first is an end. */
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		if (!is_sighting(ev))
			continue;
		if (ev->u.state.from == TL_NEW_SYN_RECV)
			ev->u.state.from = TL_SYN_RECV;
		struct tl_event *child = ev->u.state.from == TL_SYN_RECV && ev->u.state.to == TL_CLOSE
						 ? child_of(tl, i)
						 : NULL;
		if (child) {
			continue_request(child);
			drop_event(tl, i);
			i--;
		} else if (ev->u.state.from == TL_SYN_RECV && ev->u.state.to == TL_CLOSE) {
			end_request_before_successor(tl, ev);
		}
	}
	tl_timeline_sort(tl);
}

size_t tl_states_path(const struct tl_timeline *tl, enum tl_side side, const char *conn, enum tl_state *out,
		      size_t max)
{
	size_t n = 0;
	enum tl_state last = TL_STATE_NONE;
	bool named = tl_conns_named(tl, side);
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_STATE || ev->side != side || (named && strcmp(ev->conn, conn)))
			continue;
		const struct tl_state_change *sc = &ev->u.state;
		/* A listening socket has no peer; its own life is not the connection's. */
		if (sc->tuple.dport == 0 && sc->to != TL_SYN_SENT && sc->from != TL_SYN_SENT)
			continue;
		enum tl_state steps[2] = { sc->from, sc->to };
		for (int k = 0; k < 2; k++) {
			if (steps[k] == TL_STATE_NONE || steps[k] == last)
				continue;
			if (n < max)
				out[n] = steps[k];
			n++;
			last = steps[k];
		}
	}
	return n;
}
