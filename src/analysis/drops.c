/*
 * drops: joins drop reports to captured packets.
 */
#include "analysis/drops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A drop is reported within microseconds of the capture; 5 ms is generous. */
#define MATCH_WINDOW_NS 5000000ull

/* The packets of a key are a drop's only candidates. */
uint64_t tl_drop_key(const struct tl_tuple *t, uint32_t seq, uint8_t flags)
{
	return tl_tuple_hash(t) ^ tl_hash_mix((uint64_t)seq << 8 | flags);
}

static bool same_packet(const struct tl_packet *p, const struct tl_drop *d)
{
	return tl_tuple_equal(&p->tuple, &d->tuple) && p->seq == d->seq &&
	       p->flags == d->flags;
}

/* Who reported a drop: the firewall's NFLOG (names the rule) or the kernel's kfree_skb. */
enum witness { BY_NFLOG = 1, BY_KFREE = 2 };

static enum witness witness_of(const struct tl_drop *d)
{
	return d->rule[0] ? BY_NFLOG : BY_KFREE;
}

/*
 * The packet the drop at drop_idx reports, as an index into tl->ev, or -1.
 * Each drop is reported by two witnesses, and a timer's send and the answer
 * to a duplicate SYN can be two equal packets microseconds apart: so each
 * witness claims a packet once, and a witness prefers the packet the other
 * one already claimed, then a packet no one claimed, nearest first (stamps
 * of capture and drop come from different clocks' readings, so a little
 * past the drop too).
 */
static long find_packet(const struct tl_timeline *tl, const struct tl_hindex *packets, size_t drop_idx,
			const unsigned char *claimed)
{
	const struct tl_event *d = &tl->ev[drop_idx];
	enum witness w = witness_of(&d->u.drop), other = w == BY_NFLOG ? BY_KFREE : BY_NFLOG;
	long best[3] = { -1, -1, -1 }; /* claimed by the other, by no one, any not by w */
	uint64_t best_dist[3] = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
	uint64_t key = tl_drop_key(&d->u.drop.tuple, d->u.drop.seq, d->u.drop.flags);
	/* The key's packets in timeline order, as a scan of the whole timeline met them. */
	for (size_t it = tl_hindex_first(packets, key); it != TL_HINDEX_NONE; it = tl_hindex_next(packets, it)) {
		size_t j = packets->val[it];
		const struct tl_event *ev = &tl->ev[j];
		if ((claimed[j] & w) || !same_packet(&ev->u.packet, &d->u.drop))
			continue;
		uint64_t dist = ev->t_ns > d->t_ns ? ev->t_ns - d->t_ns : d->t_ns - ev->t_ns;
		if (dist > MATCH_WINDOW_NS)
			continue;
		int tier = claimed[j] & other ? 0 : !claimed[j] ? 1 : 2;
		if (dist < best_dist[tier]) {
			best[tier] = (long)j;
			best_dist[tier] = dist;
		}
	}
	return best[0] >= 0 ? best[0] : best[1] >= 0 ? best[1] : best[2];
}

int tl_drops_index_packets(const struct tl_timeline *tl, struct tl_hindex *packets)
{
	for (size_t j = 0; j < tl->n; j++) {
		const struct tl_event *ev = &tl->ev[j];
		if (ev->kind == TL_EV_PACKET &&
		    tl_hindex_add(packets, tl_drop_key(&ev->u.packet.tuple, ev->u.packet.seq, ev->u.packet.flags), j) < 0)
			return -1;
	}
	return 0;
}

void tl_drops_attach(struct tl_timeline *tl)
{
	bool *matched = calloc(tl->n ? tl->n : 1, sizeof(*matched));
	unsigned char *claimed = calloc(tl->n ? tl->n : 1, sizeof(*claimed));
	struct tl_hindex packets;
	tl_hindex_init(&packets);
	if (!matched || !claimed || tl_drops_index_packets(tl, &packets) < 0) {
		free(matched);
		free(claimed);
		tl_hindex_free(&packets);
		return; /* drops stay as their own events */
	}
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		long j = ev->kind == TL_EV_DROP ? find_packet(tl, &packets, i, claimed) : -1;
		if (j < 0)
			continue;
		struct tl_packet *p = &tl->ev[j].u.packet;
		claimed[j] |= witness_of(&ev->u.drop);
		p->dropped = true;
		if (ev->u.drop.rule[0])
			snprintf(p->drop_rule, sizeof(p->drop_rule), "%s", ev->u.drop.rule);
		matched[i] = true; /* the packet shows it now */
	}
	tl_hindex_free(&packets);
	size_t kept = 0;
	for (size_t i = 0; i < tl->n; i++)
		if (!matched[i])
			tl->ev[kept++] = tl->ev[i];
	tl->n = kept;
	free(matched);
	free(claimed);
}
