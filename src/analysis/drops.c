/*
 * drops: joins drop reports to captured packets.
 */
#include "analysis/drops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A drop is reported within microseconds of the capture; 5 ms is generous. */
#define MATCH_WINDOW_NS 5000000ull

static bool same_packet(const struct tl_packet *p, const struct tl_drop *d)
{
	return p->tuple.saddr == d->tuple.saddr && p->tuple.daddr == d->tuple.daddr &&
	       p->tuple.sport == d->tuple.sport && p->tuple.dport == d->tuple.dport && p->seq == d->seq &&
	       p->flags == d->flags;
}

static struct tl_packet *find_packet(struct tl_timeline *tl, size_t drop_idx)
{
	const struct tl_event *d = &tl->ev[drop_idx];
	/* Stamps of capture and drop come from different clocks' readings: look a
	 * little past the drop too, nearest first. */
	struct tl_packet *best = NULL;
	uint64_t best_dist = UINT64_MAX;
	for (size_t j = 0; j < tl->n; j++) {
		struct tl_event *ev = &tl->ev[j];
		if (ev->kind != TL_EV_PACKET || !same_packet(&ev->u.packet, &d->u.drop))
			continue;
		uint64_t dist = ev->t_ns > d->t_ns ? ev->t_ns - d->t_ns : d->t_ns - ev->t_ns;
		if (dist <= MATCH_WINDOW_NS && dist < best_dist) {
			best = &ev->u.packet;
			best_dist = dist;
		}
	}
	return best;
}

void tl_drops_attach(struct tl_timeline *tl)
{
	bool *matched = calloc(tl->n ? tl->n : 1, sizeof(*matched));
	if (!matched)
		return; /* drops stay as their own events */
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		struct tl_packet *p = ev->kind == TL_EV_DROP ? find_packet(tl, i) : NULL;
		if (!p)
			continue;
		p->dropped = true;
		if (ev->u.drop.rule[0])
			snprintf(p->drop_rule, sizeof(p->drop_rule), "%s", ev->u.drop.rule);
		matched[i] = true; /* the packet shows it now */
	}
	size_t kept = 0;
	for (size_t i = 0; i < tl->n; i++)
		if (!matched[i])
			tl->ev[kept++] = tl->ev[i];
	tl->n = kept;
	free(matched);
}
