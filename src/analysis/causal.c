/*
 * causal: effects after their causes across clocks (see causal.h).
 */
#include "analysis/causal.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/invariant.h"

enum link {
	LINK_NONE,
	LINK_AFTER_ARRIVAL, /* caused by a segment arriving at the local end */
	LINK_BEFORE_SEND,   /* causes a segment the local end sends */
};

/* Which packets can be the other end of the link. */
struct need {
	enum link link;
	struct tl_tuple local; /* s = the socket's own end */
	uint8_t all;	       /* flags the packet must have */
	uint8_t none;	       /* flags it must not have */
	bool match_seq;	       /* a retransmission: the same sequence number */
	uint32_t seq;
};

struct state_rule {
	enum tl_state from, to;
	enum link link;
	uint8_t all, none;
};

/* The transitions a segment causes or that send one; the rest stay where their clock put them. */
static const struct state_rule state_rules[] = {
	{ TL_SYN_SENT, TL_ESTABLISHED, LINK_AFTER_ARRIVAL, TL_TH_SYN | TL_TH_ACK, 0 },
	{ TL_SYN_SENT, TL_SYN_RECV, LINK_AFTER_ARRIVAL, TL_TH_SYN, TL_TH_ACK },
	{ TL_LISTEN, TL_SYN_RECV, LINK_AFTER_ARRIVAL, TL_TH_SYN, TL_TH_ACK },
	{ TL_SYN_RECV, TL_ESTABLISHED, LINK_AFTER_ARRIVAL, TL_TH_ACK, TL_TH_RST },
	{ TL_ESTABLISHED, TL_CLOSE_WAIT, LINK_AFTER_ARRIVAL, TL_TH_FIN, TL_TH_RST },
	{ TL_FIN_WAIT1, TL_FIN_WAIT2, LINK_AFTER_ARRIVAL, TL_TH_ACK, TL_TH_RST },
	{ TL_FIN_WAIT1, TL_CLOSING, LINK_AFTER_ARRIVAL, TL_TH_FIN, TL_TH_RST },
	{ TL_FIN_WAIT1, TL_TIME_WAIT, LINK_AFTER_ARRIVAL, TL_TH_FIN, TL_TH_RST },
	{ TL_FIN_WAIT2, TL_TIME_WAIT, LINK_AFTER_ARRIVAL, TL_TH_FIN, TL_TH_RST },
	{ TL_CLOSING, TL_TIME_WAIT, LINK_AFTER_ARRIVAL, TL_TH_ACK, TL_TH_RST },
	{ TL_CLOSE, TL_SYN_SENT, LINK_BEFORE_SEND, TL_TH_SYN, TL_TH_ACK },
	{ TL_ESTABLISHED, TL_FIN_WAIT1, LINK_BEFORE_SEND, TL_TH_FIN, 0 },
	{ TL_SYN_RECV, TL_FIN_WAIT1, LINK_BEFORE_SEND, TL_TH_FIN, 0 },
	{ TL_CLOSE_WAIT, TL_LAST_ACK, LINK_BEFORE_SEND, TL_TH_FIN, 0 },
};

static struct need need_of(const struct tl_event *ev)
{
	struct need n = { .link = LINK_NONE };
	switch (ev->kind) {
	case TL_EV_RESET:
		n.link = ev->u.reset.sent ? LINK_BEFORE_SEND : LINK_AFTER_ARRIVAL;
		n.local = ev->u.reset.tuple;
		n.all = TL_TH_RST;
		return n;
	case TL_EV_RETRANS:
		n.link = LINK_BEFORE_SEND;
		n.local = ev->u.retrans.tuple;
		n.match_seq = true;
		n.seq = ev->u.retrans.seq;
		return n;
	case TL_EV_STATE: {
		const struct tl_state_change *sc = &ev->u.state;
		n.local = sc->tuple;
		/* Any state ending in CLOSE at once after a RST arrived: the RST did it. */
		if (sc->to == TL_CLOSE && sc->from != TL_CLOSE && sc->from != TL_LISTEN &&
		    sc->from != TL_STATE_NONE) {
			n.link = LINK_AFTER_ARRIVAL;
			n.all = TL_TH_RST;
			return n;
		}
		for (size_t i = 0; i < sizeof(state_rules) / sizeof(state_rules[0]); i++) {
			const struct state_rule *r = &state_rules[i];
			if (r->from == sc->from && r->to == sc->to) {
				n.link = r->link;
				n.all = r->all;
				n.none = r->none;
				return n;
			}
		}
		return n;
	}
	default:
		return n;
	}
}

static bool fits(const struct need *n, const struct tl_event *ev)
{
	if (ev->kind != TL_EV_PACKET)
		return false;
	const struct tl_packet *p = &ev->u.packet;
	const struct tl_tuple *t = &p->tuple, *l = &n->local;
	if ((p->flags & n->all) != n->all || (p->flags & n->none))
		return false;
	if (n->match_seq && p->seq != n->seq)
		return false;
	if (n->link == LINK_BEFORE_SEND)
		return tl_tuple_equal(t, l);
	/* A packet the firewall dropped never arrived. */
	return !p->dropped && tl_tuple_is_reverse(t, l);
}

/* The index of the nearest fitting packet in direction dir (+1 or -1) within the window, or -1. */
static long nearest(const struct tl_timeline *tl, size_t i, int dir, const struct need *n)
{
	const uint64_t t = tl->ev[i].t_ns;
	for (long j = (long)i + dir; j >= 0 && (size_t)j < tl->n; j += dir) {
		uint64_t tj = tl->ev[j].t_ns;
		if ((dir > 0 ? tj - t : t - tj) > TL_CAUSAL_WINDOW_NS)
			break;
		if (fits(n, &tl->ev[j]))
			return j;
	}
	return -1;
}

int tl_causal_order(struct tl_timeline *tl)
{
	if (tl->n < 2)
		return 0;
	const size_t n_events = tl->n;
	uint64_t *moved_to = calloc(n_events, sizeof(*moved_to));
	bool *moves = calloc(n_events, sizeof(*moves));
	if (!moved_to || !moves) {
		free(moved_to);
		free(moves);
		return -1;
	}
	int moved = 0;
	uint64_t max_shift_ns = 0, first_ns = UINT64_MAX;
	for (size_t i = 0; i < n_events; i++) {
		TL_ASSERT(i == 0 || tl->ev[i - 1].t_ns <= tl->ev[i].t_ns);
		struct need n = need_of(&tl->ev[i]);
		if (n.link == LINK_NONE)
			continue;
		/* Which way the packet at the link's other end belongs: before an arrival's effect, after a send's cause. */
		int home = n.link == LINK_AFTER_ARRIVAL ? -1 : +1;
		if (nearest(tl, i, home, &n) >= 0)
			continue;
		long j = nearest(tl, i, -home, &n);
		if (j < 0)
			continue;
		uint64_t tj = tl->ev[j].t_ns, ti = tl->ev[i].t_ns;
		moves[i] = true;
		moved_to[i] = home < 0 ? tj + 1 : tj - 1;
		uint64_t shift = tj > ti ? tj - ti : ti - tj;
		if (shift > max_shift_ns)
			max_shift_ns = shift;
		if (moved_to[i] < first_ns)
			first_ns = moved_to[i];
		moved++;
	}
	if (moved) {
		struct tl_event note = { .t_ns = first_ns, .kind = TL_EV_NOTE };
		snprintf(note.u.note, sizeof(note.u.note),
			 "%d event%s placed by cause: packet capture and kernel tracing clocks differ here "
			 "by up to %.0f us",
			 moved, moved == 1 ? "" : "s", (double)max_shift_ns / 1e3);
		/* The note first: out of memory leaves the timeline as it was. */
		if (tl_timeline_append(tl, &note) < 0) {
			moved = -1;
		} else {
			for (size_t i = 0; i < n_events; i++)
				if (moves[i])
					tl->ev[i].t_ns = moved_to[i];
			tl_timeline_sort(tl);
		}
	}
	free(moved_to);
	free(moves);
	return moved;
}
