/*
 * sockstate: turns the raw state events of a run into the history a person
 * expects, using sock_diag where the state tracepoint is blind
 * (shared/KERNEL-FACTS.md lists the blind spots measured on this kernel).
 */
#include "analysis/sockstate.h"

#include "analysis/conns.h"
#include "core/hindex.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each pass below asks, for one event, for the few events of the same
 * 4-tuple (or socket): on a pile of 10,000 connections a scan of the whole
 * timeline per event would be 10^9 steps. So the candidates come from hash
 * indexes built once, in timeline order; each candidate is checked with the
 * scan's own condition when asked, as earlier steps may have changed it.
 * Events to leave the timeline are marked and removed at the end, so that
 * indexes stay valid while the passes run.
 */
struct resolve {
	struct tl_timeline *tl;
	bool *gone;		  /* per event: leaves the timeline at the end */
	struct tl_hindex closes;  /* tracepoint changes to CLOSE, by tuple */
	struct tl_hindex syns;	  /* packets with SYN and no ACK, by tuple */
	struct tl_hindex births;  /* tracepoint changes from LISTEN, by tuple */
	struct tl_hindex sighted; /* sightings of requests (LISTEN -> SYN_RECV), by tuple */
};

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

/*
 * The tracepoint reports the client's first change before its port is
 * bound: the port comes from the socket's next change that has one. Walked
 * backwards, so the next such change of each socket is at hand (a freed
 * socket's address comes back for another, many times in a pile).
 */
static int fill_unbound_ports(struct tl_timeline *tl)
{
	struct tl_hindex next_bound; /* sock_id -> the nearest later tracepoint change with a port */
	tl_hindex_init(&next_bound);
	int rc = 0;
	for (size_t i = tl->n; i-- > 0 && rc == 0;) {
		struct tl_event *ev = &tl->ev[i];
		if (!is_state(ev, TL_SRC_TRACEPOINT))
			continue;
		if (ev->u.state.tuple.sport) {
			rc = tl_hindex_set(&next_bound, ev->u.state.sock_id, i);
			continue;
		}
		size_t it = tl_hindex_first(&next_bound, ev->u.state.sock_id);
		if (it != TL_HINDEX_NONE)
			ev->u.state.tuple = tl->ev[next_bound.val[it]].u.state.tuple;
	}
	tl_hindex_free(&next_bound);
	return rc;
}

/* A request socket starts when its SYN arrives: take that time, exact, from the capture. */
static void place_request_socket(struct resolve *r, struct tl_event *seen)
{
	const struct tl_tuple *local = &seen->u.state.tuple;
	seen->u.state.from = TL_LISTEN;
	seen->u.state.to = TL_SYN_RECV;
	snprintf(seen->u.state.why, sizeof(seen->u.state.why), "request socket: %s, the tracepoint never does",
		 seen_by(seen));
	const uint64_t seen_ns = seen->t_ns; /* the loop moves seen->t_ns: bound it by the sighting */
	struct tl_tuple peer = tl_tuple_reverse(local);
	for (size_t it = tl_hindex_first(&r->syns, tl_tuple_hash(&peer)); it != TL_HINDEX_NONE;
	     it = tl_hindex_next(&r->syns, it)) {
		const struct tl_event *ev = &r->tl->ev[r->syns.val[it]];
		if (ev->t_ns > seen_ns)
			break; /* in time order: the rest came later */
		if (tl_tuple_is_reverse(&ev->u.packet.tuple, local)) {
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

static bool merge_with_handover(struct resolve *r, size_t seen_idx)
{
	struct tl_event *seen = &r->tl->ev[seen_idx], *best = NULL;
	for (size_t it = tl_hindex_first(&r->closes, tl_tuple_hash(&seen->u.state.tuple)); it != TL_HINDEX_NONE;
	     it = tl_hindex_next(&r->closes, it)) {
		struct tl_event *ev = &r->tl->ev[r->closes.val[it]];
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

/* Removes the events marked gone, in one pass: the rest keep their order. */
static void drop_gone(struct resolve *r)
{
	struct tl_timeline *tl = r->tl;
	size_t kept = 0;
	for (size_t i = 0; i < tl->n; i++) {
		if (r->gone[i])
			tl_event_release(&tl->ev[i]);
		else
			tl->ev[kept++] = tl->ev[i];
	}
	tl->n = kept;
}

/* The tracepoint's birth of the child socket a vanished request became, or NULL. */
static struct tl_event *child_of(struct resolve *r, size_t gone_idx)
{
	const struct tl_event *gone = &r->tl->ev[gone_idx];
	for (size_t it = tl_hindex_first(&r->births, tl_tuple_hash(&gone->u.state.tuple));
	     it != TL_HINDEX_NONE && r->births.val[it] < gone_idx; it = tl_hindex_next(&r->births, it)) {
		struct tl_event *ev = &r->tl->ev[r->births.val[it]];
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
static void end_request_before_successor(struct resolve *r, struct tl_event *gone)
{
	uint64_t born_ns = 0, successor_ns = 0;
	for (size_t it = tl_hindex_first(&r->sighted, tl_tuple_hash(&gone->u.state.tuple)); it != TL_HINDEX_NONE;
	     it = tl_hindex_next(&r->sighted, it)) {
		const struct tl_event *ev = &r->tl->ev[r->sighted.val[it]];
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

/* Files each event that a pass may ask for under its tuple. Returns 0, or -1 (ENOMEM). */
static int index_for_sightings(struct resolve *r)
{
	for (size_t i = 0; i < r->tl->n; i++) {
		const struct tl_event *ev = &r->tl->ev[i];
		int rc = 0;
		if (ev->kind == TL_EV_PACKET && (ev->u.packet.flags & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN)
			rc = tl_hindex_add(&r->syns, tl_tuple_hash(&ev->u.packet.tuple), i);
		else if (is_state(ev, TL_SRC_TRACEPOINT) && ev->u.state.to == TL_CLOSE)
			rc = tl_hindex_add(&r->closes, tl_tuple_hash(&ev->u.state.tuple), i);
		if (rc == 0 && is_state(ev, TL_SRC_TRACEPOINT) && ev->u.state.from == TL_LISTEN)
			rc = tl_hindex_add(&r->births, tl_tuple_hash(&ev->u.state.tuple), i);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Requests whose sighting found their SYN or not: place them, or hand sockets over to time-wait ones. */
static void resolve_sightings(struct resolve *r)
{
	for (size_t i = 0; i < r->tl->n; i++) {
		struct tl_event *ev = &r->tl->ev[i];
		if (!is_sighting(ev) || ev->u.state.from != TL_STATE_NONE)
			continue;
		if (ev->u.state.to == TL_NEW_SYN_RECV || ev->u.state.to == TL_SYN_RECV)
			place_request_socket(r, ev);
		else if (merge_with_handover(r, i))
			r->gone[i] = true;
	}
}

/* The request sightings, as resolve_sightings() left them. Returns 0, or -1 (ENOMEM). */
static int index_requests(struct resolve *r)
{
	for (size_t i = 0; i < r->tl->n; i++) {
		const struct tl_event *ev = &r->tl->ev[i];
		if (!r->gone[i] && is_sighting(ev) && ev->u.state.from == TL_LISTEN && ev->u.state.to == TL_SYN_RECV &&
		    tl_hindex_add(&r->sighted, tl_tuple_hash(&ev->u.state.tuple), i) < 0)
			return -1;
	}
	return 0;
}

/* A request socket that vanished was dropped, or became the child socket
 * that the tracepoint reports; only the first is an end. */
static void end_requests(struct resolve *r)
{
	for (size_t i = 0; i < r->tl->n; i++) {
		struct tl_event *ev = &r->tl->ev[i];
		if (r->gone[i] || !is_sighting(ev))
			continue;
		if (ev->u.state.from == TL_NEW_SYN_RECV)
			ev->u.state.from = TL_SYN_RECV;
		struct tl_event *child = ev->u.state.from == TL_SYN_RECV && ev->u.state.to == TL_CLOSE
						 ? child_of(r, i)
						 : NULL;
		if (child) {
			continue_request(child);
			r->gone[i] = true;
		} else if (ev->u.state.from == TL_SYN_RECV && ev->u.state.to == TL_CLOSE) {
			end_request_before_successor(r, ev);
		}
	}
}

static bool has_sightings(const struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		if (is_sighting(&tl->ev[i]))
			return true;
	return false;
}

int tl_states_resolve(struct tl_timeline *tl)
{
	if (fill_unbound_ports(tl) < 0)
		return -1;
	if (!has_sightings(tl)) {
		tl_timeline_sort(tl);
		return 0; /* the model's runs: the tracepoint's blind spots are not there to fill */
	}
	struct resolve r = { .tl = tl, .gone = calloc(tl->n, sizeof(bool)) };
	tl_hindex_init(&r.closes);
	tl_hindex_init(&r.syns);
	tl_hindex_init(&r.births);
	tl_hindex_init(&r.sighted);
	int rc = -1;
	if (r.gone && index_for_sightings(&r) == 0) {
		resolve_sightings(&r);
		if (index_requests(&r) == 0) {
			end_requests(&r);
			rc = 0;
		}
		drop_gone(&r);
	}
	free(r.gone);
	tl_hindex_free(&r.closes);
	tl_hindex_free(&r.syns);
	tl_hindex_free(&r.births);
	tl_hindex_free(&r.sighted);
	tl_timeline_sort(tl);
	return rc;
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
