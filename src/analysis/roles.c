/*
 * roles: labels packets by following each connection's two directions.
 *
 * A connection is keyed by its unordered pair of endpoints. For each direction
 * we remember the SYN's sequence number, the FIN's, which segments were
 * already sent (to spot retransmissions), and whether the peer's FIN was
 * already acknowledged, which decides between teardown leg 2, the merged leg
 * 2+3 that Linux sends when the application closes at once, and leg 4.
 */
#include "analysis/roles.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/packet.h"

#define MAX_SENT 64 /* distinct segments remembered per direction */

struct sent_segment {
	uint32_t seq;
	uint32_t len; /* payload bytes, plus one for SYN and FIN */
	uint8_t flags;
	enum tl_role role;
	unsigned sends;
	uint64_t last_ns; /* when it was last sent */
};

struct direction {
	bool syn_seen;
	uint32_t syn_seq;
	bool fin_seen;
	uint32_t fin_seq;
	enum tl_role fin_role;	/* teardown-1, -3 or -2+3 */
	bool fin_acked;		/* the other direction acknowledged this FIN */
	bool synack_acked;	/* this direction sent handshake 3/3 */
	struct sent_segment sent[MAX_SENT];
	size_t n_sent;
};

struct conn {
	uint32_t addr_a, addr_b;
	uint16_t port_a, port_b; /* a is the first packet's sender */
	struct direction dir[2];
};

struct conn_table {
	struct conn *v;
	size_t n, cap;
};

static struct conn *find_conn(struct conn_table *t, const struct tl_tuple *tp, int *dir)
{
	for (size_t i = 0; i < t->n; i++) {
		struct conn *c = &t->v[i];
		if (c->addr_a == tp->saddr && c->port_a == tp->sport && c->addr_b == tp->daddr &&
		    c->port_b == tp->dport) {
			*dir = 0;
			return c;
		}
		if (c->addr_b == tp->saddr && c->port_b == tp->sport && c->addr_a == tp->daddr &&
		    c->port_a == tp->dport) {
			*dir = 1;
			return c;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct conn *grown = realloc(t->v, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		t->v = grown;
		t->cap = cap;
	}
	struct conn *c = &t->v[t->n++];
	memset(c, 0, sizeof(*c));
	c->addr_a = tp->saddr;
	c->port_a = tp->sport;
	c->addr_b = tp->daddr;
	c->port_b = tp->dport;
	*dir = 0;
	return c;
}

static uint32_t seq_space(const struct tl_packet *p)
{
	return p->payload_len + !!(p->flags & TL_TH_SYN) + !!(p->flags & TL_TH_FIN);
}

/* Returns the earlier send of the same segment, or NULL for a new one. */
static struct sent_segment *earlier_send(struct direction *d, const struct tl_packet *p)
{
	uint8_t kind = p->flags & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST);
	for (size_t i = 0; i < d->n_sent; i++) {
		struct sent_segment *s = &d->sent[i];
		if (s->seq == p->seq && s->len == seq_space(p) && (s->flags & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST)) == kind)
			return s;
	}
	return NULL;
}

static void remember(struct direction *d, const struct tl_packet *p, enum tl_role role, uint64_t t_ns)
{
	if (d->n_sent == MAX_SENT)
		return;
	d->sent[d->n_sent++] = (struct sent_segment){
		.seq = p->seq, .len = seq_space(p), .flags = p->flags, .role = role, .sends = 1, .last_ns = t_ns
	};
}

static enum tl_role classify_new(struct direction *me, struct direction *peer, const struct tl_packet *p)
{
	bool ack = p->flags & TL_TH_ACK;
	if (p->flags & TL_TH_RST)
		return TL_ROLE_RESET;
	if (p->flags & TL_TH_SYN) {
		me->syn_seen = true;
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
	if (acks_peer_fin) {
		peer->fin_acked = true;
		if (p->payload_len)
			return TL_ROLE_DATA;
		return peer->fin_role == TL_ROLE_TEARDOWN_1 ? TL_ROLE_TEARDOWN_2 : TL_ROLE_TEARDOWN_4;
	}
	if (p->payload_len)
		return TL_ROLE_DATA;
	if (ack && peer->syn_seen && !me->synack_acked && me->syn_seen && p->ack == peer->syn_seq + 1) {
		me->synack_acked = true;
		return TL_ROLE_HANDSHAKE_3;
	}
	return TL_ROLE_ACK;
}

static void annotate_packet(struct conn *c, int dir, struct tl_packet *p, uint64_t t_ns)
{
	struct direction *me = &c->dir[dir], *peer = &c->dir[!dir];
	/* A SYN with a new initial sequence number starts a new connection on the same ports. */
	if ((p->flags & TL_TH_SYN) && !(p->flags & TL_TH_ACK) && me->syn_seen && me->syn_seq != p->seq) {
		memset(&c->dir, 0, sizeof(c->dir));
	}
	struct sent_segment *prev = seq_space(p) ? earlier_send(me, p) : NULL;
	if (prev) {
		p->role = prev->role;
		p->retrans_no = prev->sends++;
		p->resend_gap_ns = t_ns - prev->last_ns;
		prev->last_ns = t_ns;
		return;
	}
	p->role = classify_new(me, peer, p);
	p->retrans_no = 0;
	p->resend_gap_ns = 0;
	if (seq_space(p) || (p->flags & TL_TH_RST))
		remember(me, p, p->role, t_ns);
}

int tl_roles_annotate(struct tl_timeline *tl)
{
	struct conn_table table = { 0 };
	struct tl_seq_tracker *seqs = tl_seq_tracker_new();
	int rc = 0;
	if (!seqs)
		return -1;
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET)
			continue;
		struct tl_packet *p = &ev->u.packet;
		char text[512];
		int dir;
		tl_packet_format(seqs, p, text, sizeof(text));
		free(p->text);
		p->text = strdup(text);
		struct conn *c = find_conn(&table, &p->tuple, &dir);
		if (!p->text || !c) {
			rc = -1;
			break;
		}
		annotate_packet(c, dir, p, ev->t_ns);
	}
	free(table.v);
	tl_seq_tracker_free(seqs);
	return rc;
}
