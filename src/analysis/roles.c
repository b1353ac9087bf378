/*
 * roles: labels packets by following each connection's two directions, and
 * records on each packet and drop report where it belongs (connection,
 * direction, numbers relative to each direction's base) so that no view
 * follows connections again.
 *
 * A connection is keyed by its unordered pair of endpoints. For each direction
 * we remember the SYN's sequence number, the FIN's, which segments were
 * already sent (to spot retransmissions), and whether the peer's FIN was
 * already acknowledged, which decides between teardown leg 2, the merged leg
 * 2+3 that Linux sends when the application closes at once, and leg 4; and
 * what it last acknowledged and advertised, which tells a pure ACK's kind:
 * the handshake's ACK again (answering a resent SYN-ACK), a window probe (one
 * below what the peer acknowledged, while the peer's window is zero), a
 * D-SACK (RFC 2883: the first SACK block at or below the cumulative ACK, or
 * inside the second), a zero window, a window update (the same ACK after a
 * zero window), a duplicate ACK (the same ACK and window while the peer has
 * data in flight), else a plain ACK; and how far it has sent, which tells a
 * keepalive probe (one below that, while the peer's window is open).
 */
#include "analysis/roles.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/packet.h"
#include "analysis/sent.h"
#include "core/hindex.h"
#include "core/invariant.h"

/* Room for tcpdump's text of one packet: the fixed fields take about 120
 * characters, the 40 option bytes at most about 400 (SACK blocks, hex). */
#define TEXT_MAX 1024

/* What a direction's relative numbers count from; outlives a new connection on the same ports. */
struct numbering {
	enum tl_seq_base kind;
	uint32_t base;
};

struct direction {
	bool syn_seen;
	bool syn_acked_peer;	/* its SYN was a SYN-ACK: the peer opened */
	uint32_t syn_seq;
	bool fin_seen;
	uint32_t fin_seq;
	enum tl_role fin_role;	/* teardown-1, -3 or -2+3 */
	bool fin_acked;		/* the other direction acknowledged this FIN */
	bool synack_acked;	/* this direction sent handshake 3/3 */
	bool synack_resent;	/* its last segment was a SYN-ACK resent, not yet answered */
	bool sent_any;
	bool reset_sent;	/* it sent a reset the peer took: the connection is over */
	bool challenge_due;	/* the peer sent a stray SYN or an inexact reset: its next pure ACK answers it */
	uint32_t snd_max;	/* one past the highest sequence number sent */
	bool acked_any;
	uint32_t last_ack;	/* what it last acknowledged ... */
	uint16_t last_window;	/* ... and the window it advertised then (raw, unscaled) */
	struct tl_sent_set sent;	/* every distinct segment, to recognise its resends */
};

/* a after b in sequence space (RFC 9293's modular comparison) */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

struct conn {
	struct tl_addr addr_a, addr_b;
	uint16_t port_a, port_b; /* a is the first segment's sender */
	unsigned index;		 /* 0 until the connection's first packet */
	struct numbering numbering[2];
	struct direction dir[2];
};

struct conn_table {
	struct conn *v;
	size_t n, cap;
	unsigned n_indexed;
	struct tl_hindex by_pair; /* tl_tuple_pair_hash of a connection's ends -> its index in v */
};

static void direction_reset(struct direction *d)
{
	tl_sent_clear(&d->sent);
	memset(d, 0, sizeof(*d));
}

static void conn_table_free(struct conn_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		direction_reset(&t->v[i].dir[0]);
		direction_reset(&t->v[i].dir[1]);
	}
	free(t->v);
	tl_hindex_free(&t->by_pair);
}

/* The direction of tp on c: 0 or 1, or -1 when tp is not c's. */
static int conn_direction(const struct conn *c, const struct tl_tuple *tp)
{
	if (tl_addr_equal(&c->addr_a, &tp->saddr) && c->port_a == tp->sport && tl_addr_equal(&c->addr_b, &tp->daddr) &&
	    c->port_b == tp->dport)
		return 0;
	if (tl_addr_equal(&c->addr_b, &tp->saddr) && c->port_b == tp->sport && tl_addr_equal(&c->addr_a, &tp->daddr) &&
	    c->port_a == tp->dport)
		return 1;
	return -1;
}

/* A new connection whose first segment went as tp; NULL when out of memory. */
static struct conn *add_conn(struct conn_table *t, const struct tl_tuple *tp, uint64_t pair_hash)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct conn *grown = realloc(t->v, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		t->v = grown;
		t->cap = cap;
	}
	if (tl_hindex_add(&t->by_pair, pair_hash, t->n) < 0)
		return NULL;
	struct conn *c = &t->v[t->n++];
	memset(c, 0, sizeof(*c));
	c->addr_a = tp->saddr;
	c->port_a = tp->sport;
	c->addr_b = tp->daddr;
	c->port_b = tp->dport;
	return c;
}

/* The connection of tp's two ends, made at its first segment; NULL when out of memory. */
static struct conn *find_conn(struct conn_table *t, const struct tl_tuple *tp, int *dir)
{
	uint64_t h = tl_tuple_pair_hash(tp);
	for (size_t it = tl_hindex_first(&t->by_pair, h); it != TL_HINDEX_NONE; it = tl_hindex_next(&t->by_pair, it)) {
		struct conn *c = &t->v[t->by_pair.val[it]];
		if ((*dir = conn_direction(c, tp)) >= 0)
			return c;
	}
	*dir = 0;
	return add_conn(t, tp, h);
}

/*
 * The one rule for relative numbers (docs/compare.md): a direction counts
 * from its last SYN, or, while it has sent none (a reset answering a SYN, a
 * capture that started late), from its first segment. The peer's SYN does
 * not change it: a challenge ACK answering a new SYN on old ports still
 * counts in its own connection's numbers.
 */
static void learn_base(struct conn *c, int dir, uint32_t seq, uint8_t flags)
{
	struct numbering *me = &c->numbering[dir];
	if (flags & TL_TH_SYN)
		*me = (struct numbering){ .kind = TL_BASE_SYN, .base = seq };
	else if (me->kind == TL_BASE_NONE)
		*me = (struct numbering){ .kind = TL_BASE_FIRST, .base = seq };
}

static struct tl_conn_ref make_ref(const struct conn *c, int dir, uint32_t seq, uint32_t ack, bool has_ack)
{
	const struct numbering *me = &c->numbering[dir], *peer = &c->numbering[!dir];
	TL_ASSERT(me->kind != TL_BASE_NONE); /* learn_base() ran for this segment */
	struct tl_conn_ref r = { .conn = c->index, .dir = (uint8_t)dir, .seq_base = me->kind,
				 .rel_seq = seq - me->base, .rel_ack = ack };
	if (has_ack && peer->kind != TL_BASE_NONE) {
		r.ack_base = peer->kind;
		r.rel_ack = ack - peer->base;
	}
	return r;
}

static uint32_t seq_space(const struct tl_packet *p)
{
	return p->payload_len + !!(p->flags & TL_TH_SYN) + !!(p->flags & TL_TH_FIN);
}

/* Returns the earlier send of the same segment, or NULL for a new one. */
static struct tl_sent_segment *earlier_send(struct direction *d, const struct tl_packet *p)
{
	return tl_sent_find(&d->sent, p->seq, seq_space(p), tl_segment_kind(p->flags));
}

/* Returns 0, or -1 when out of memory. */
static int remember(struct direction *d, const struct tl_packet *p, enum tl_role role, uint64_t t_ns)
{
	struct tl_sent_segment seg = {
		.seq = p->seq, .len = seq_space(p), .flags = p->flags, .role = role, .sends = 1, .last_ns = t_ns
	};
	return tl_sent_add(&d->sent, &seg);
}

static bool has_dsack(const struct tl_packet *p)
{
	const struct tl_tcp_option_list *o = &p->options;
	if (!o->n_sack || !(p->flags & TL_TH_ACK))
		return false;
	const uint32_t *first = o->sack[0];
	if (!seq_after(first[1], p->ack))
		return true;
	return o->n_sack > 1 && !seq_after(o->sack[1][0], first[0]) && !seq_after(first[1], o->sack[1][1]);
}

/*
 * Linux's keepalive probe (tcp_xmit_probe_skb()) is an ACK whose sequence
 * number is one below the oldest unacknowledged byte, so that the peer must
 * answer it; other stacks send that last byte again. Keepalive probes only
 * when nothing is in flight, so that byte is the last one sent. A
 * zero-window probe has the same form: while the peer's window is closed
 * the packet is a window probe, not a keepalive probe.
 */
static bool keepalive_probe(const struct direction *me, const struct direction *peer, const struct tl_packet *p)
{
	if (!me->sent_any || (peer->acked_any && peer->last_window == 0) || !(p->flags & TL_TH_ACK) ||
	    (p->flags & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST)))
		return false;
	return p->payload_len <= 1 && p->seq == me->snd_max - 1;
}

/* A segment without data, SYN, FIN or RST: which kind of ACK it is. */
static enum tl_role classify_pure_ack(struct direction *me, struct direction *peer, const struct tl_packet *p)
{
	if (!(p->flags & TL_TH_ACK))
		return TL_ROLE_ACK;
	/* The challenge repeats where the receiver stands: the same ack as before. */
	if (me->challenge_due && (!me->acked_any || p->ack == me->last_ack))
		return TL_ROLE_CHALLENGE_ACK; /* annotate_packet() ends the wait after any segment */
	if (peer->synack_resent && p->ack == peer->syn_seq + 1) {
		peer->synack_resent = false; /* one answer per resend */
		return TL_ROLE_HANDSHAKE_3_AGAIN;
	}
	if (peer->acked_any && peer->last_window == 0 && me->sent_any && p->seq == peer->last_ack - 1)
		return TL_ROLE_WINDOW_PROBE;
	if (has_dsack(p))
		return TL_ROLE_DSACK;
	if (p->window == 0)
		return TL_ROLE_ZERO_WINDOW;
	bool same_ack = me->acked_any && p->ack == me->last_ack;
	if (same_ack && me->last_window == 0)
		return TL_ROLE_WINDOW_UPDATE;
	if (same_ack && p->window == me->last_window && peer->sent_any && seq_after(peer->snd_max, p->ack))
		return TL_ROLE_DUP_ACK;
	return TL_ROLE_ACK;
}

/* Handshake done, and neither direction has sent a FIN or a reset since. */
static bool connection_open(const struct direction *a, const struct direction *b)
{
	return (a->synack_acked || b->synack_acked) && !a->fin_seen && !b->fin_seen && !a->reset_sent &&
	       !b->reset_sent;
}

/* A SYN with a new initial sequence number while the connection is open: not a new connection. */
static bool stray_syn(const struct direction *me, const struct direction *peer, const struct tl_packet *p)
{
	return (p->flags & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN && me->syn_seen && me->syn_seq != p->seq &&
	       connection_open(me, peer);
}

static enum tl_role classify_new(struct direction *me, struct direction *peer, const struct tl_packet *p)
{
	bool ack = p->flags & TL_TH_ACK;
	if (p->flags & TL_TH_RST) {
		/* RFC 5961: only the next expected number resets an open connection; another is
		 * challenged. The receiver expects what it acknowledged, or (its ACK delayed) the
		 * end of what it was sent. */
		if (peer->acked_any && p->seq != peer->last_ack && !(me->sent_any && p->seq == me->snd_max) &&
		    connection_open(me, peer))
			peer->challenge_due = true;
		else
			me->reset_sent = true;
		return TL_ROLE_RESET;
	}
	if (p->flags & TL_TH_SYN) {
		me->syn_seen = true;
		me->syn_acked_peer = ack;
		me->syn_seq = p->seq;
		return ack ? TL_ROLE_HANDSHAKE_2 : TL_ROLE_HANDSHAKE_1;
	}
	bool acks_peer_fin = ack && peer->fin_seen && !peer->fin_acked && p->ack == peer->fin_seq + 1;
	if (p->flags & TL_TH_FIN) {
		me->fin_seen = true;
		me->fin_seq = p->seq + p->payload_len;
		if (!peer->fin_seen) {
			me->fin_role = TL_ROLE_TEARDOWN_1;
		} else if (acks_peer_fin) {
			peer->fin_acked = true;
			me->fin_role = TL_ROLE_TEARDOWN_23;
		} else {
			me->fin_role = TL_ROLE_TEARDOWN_3;
		}
		return me->fin_role;
	}
	if (keepalive_probe(me, peer, p))
		return TL_ROLE_KEEPALIVE_PROBE;
	if (acks_peer_fin) {
		peer->fin_acked = true;
		if (p->payload_len)
			return TL_ROLE_DATA;
		return peer->fin_role == TL_ROLE_TEARDOWN_1 ? TL_ROLE_TEARDOWN_2 : TL_ROLE_TEARDOWN_4;
	}
	if (p->payload_len)
		return TL_ROLE_DATA;
	/* Only the ACK of a SYN-ACK: a passive opener's ACK of the bare SYN (its duplicate ACK
	 * when the first data is lost) is not the handshake's. */
	if (ack && peer->syn_seen && peer->syn_acked_peer && !me->synack_acked && me->syn_seen &&
	    p->ack == peer->syn_seq + 1) {
		me->synack_acked = true;
		return TL_ROLE_HANDSHAKE_3;
	}
	return classify_pure_ack(me, peer, p);
}

/* What the direction has now sent, acknowledged and advertised: the next pure ACK is judged by it. */
static void note_sent(struct direction *me, const struct tl_packet *p, bool synack_resend)
{
	me->synack_resent = synack_resend;
	if (p->flags & TL_TH_RST)
		return; /* a reset's numbers are not the connection's */
	uint32_t end = p->seq + seq_space(p);
	if (!me->sent_any || seq_after(end, me->snd_max))
		me->snd_max = end;
	me->sent_any = true;
	if (p->flags & TL_TH_ACK) {
		me->acked_any = true;
		me->last_ack = p->ack;
		me->last_window = p->window;
	}
}

/* Returns 0, or -1 when out of memory. */
/* A SYN with a new initial sequence number, not a stray one: a new connection on old ports. */
static bool new_connection(const struct direction *me, const struct tl_packet *p)
{
	return (p->flags & TL_TH_SYN) && !(p->flags & TL_TH_ACK) && me->syn_seen && me->syn_seq != p->seq;
}

static int annotate_packet(struct conn *c, int dir, struct tl_packet *p, uint64_t t_ns, bool stray)
{
	struct direction *me = &c->dir[dir], *peer = &c->dir[!dir];
	if (stray) {
		p->role = TL_ROLE_STRAY_SYN;
		p->retrans_no = 0;
		p->resend_gap_ns = 0;
		peer->challenge_due = true;
		return 0;
	}
	/* A SYN with a new initial sequence number starts a new connection on the same ports. */
	if (new_connection(me, p)) {
		direction_reset(me);
		direction_reset(peer);
	}
	struct tl_sent_segment *prev = seq_space(p) ? earlier_send(me, p) : NULL;
	if (prev) {
		TL_ASSERT(prev->sends > 0 && t_ns >= prev->last_ns); /* a time-sorted timeline */
		p->role = prev->role;
		p->retrans_no = prev->sends++;
		p->resend_gap_ns = t_ns - prev->last_ns;
		prev->last_ns = t_ns;
		note_sent(me, p, (p->flags & (TL_TH_SYN | TL_TH_ACK)) == (TL_TH_SYN | TL_TH_ACK));
		return 0;
	}
	p->role = classify_new(me, peer, p);
	/* A challenge ACK leaves at once, or never (tcp_invalid_ratelimit): anything else ends the wait. */
	me->challenge_due = false;
	p->retrans_no = 0;
	p->resend_gap_ns = 0;
	note_sent(me, p, false);
	/* A reset is never resent, but two can share a sequence number (an abort's
	 * R. that was lost, then the listener's R answering later data with the
	 * same ack): each is a reset of its own, and the first is the one kept. */
	if ((p->flags & TL_TH_RST) && earlier_send(me, p))
		return 0;
	if (seq_space(p) || (p->flags & TL_TH_RST))
		return remember(me, p, p->role, t_ns);
	return 0;
}

/* tcpdump's text for p, in capture order. Returns 0, or -1 with errno set. */
static int set_text(struct tl_seq_tracker *seqs, struct tl_packet *p)
{
	char text[TEXT_MAX];
	int n = tl_packet_format(seqs, p, text, sizeof(text));
	TL_ASSERT(n >= 0 && (size_t)n < sizeof(text));
	if (n < 0 || (size_t)n >= sizeof(text)) {
		errno = EOVERFLOW; /* a line cut short would no longer be tcpdump's */
		return -1;
	}
	if (!tl_seq_tracker_ok(seqs)) {
		errno = ENOMEM;
		return -1;
	}
	free(p->text);
	p->text = strdup(text);
	return p->text ? 0 : -1;
}

static int track_packet(struct conn_table *t, struct tl_seq_tracker *seqs, struct tl_event *ev)
{
	struct tl_packet *p = &ev->u.packet;
	int dir;
	if (set_text(seqs, p) < 0)
		return -1;
	struct conn *c = find_conn(t, &p->tuple, &dir);
	if (!c)
		return -1;
	/* A stray SYN is not the connection's: its numbers stay counted from the connection's own SYN. */
	bool stray = stray_syn(&c->dir[dir], &c->dir[!dir], p);
	/* Numbered in order of first packet, a new connection on old ports too: which old port a
	 * kernel hands out again is its own choice, the connection's order is not. */
	if (!c->index || (!stray && new_connection(&c->dir[dir], p)))
		c->index = ++t->n_indexed;
	learn_base(c, dir, p->seq, stray ? 0 : p->flags);
	p->ref = make_ref(c, dir, p->seq, p->ack, p->flags & TL_TH_ACK);
	return annotate_packet(c, dir, p, ev->t_ns, stray);
}

/*
 * A drop report left on the timeline names a segment the capture did not
 * show: it still teaches its direction's base, as its packet would have.
 */
static int track_drop(struct conn_table *t, struct tl_drop *d)
{
	int dir;
	struct conn *c = find_conn(t, &d->tuple, &dir);
	if (!c)
		return -1;
	learn_base(c, dir, d->seq, d->flags);
	d->ref = make_ref(c, dir, d->seq, 0, false);
	return 0;
}

int tl_roles_annotate(struct tl_timeline *tl)
{
	struct conn_table table = { 0 };
	struct tl_seq_tracker *seqs = tl_seq_tracker_new();
	int rc = 0;
	if (!seqs)
		return -1;
	for (size_t i = 0; i < tl->n && rc == 0; i++) {
		struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_PACKET)
			rc = track_packet(&table, seqs, ev);
		else if (ev->kind == TL_EV_DROP)
			rc = track_drop(&table, &ev->u.drop);
	}
	conn_table_free(&table);
	tl_seq_tracker_free(seqs);
	return rc;
}
