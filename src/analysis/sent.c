/*
 * sent: an array of segments in the order they were first sent, and an
 * open-addressed index into it that is never more than half full, so a
 * free slot ends every probe.
 */
#include "analysis/sent.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/invariant.h"

/* Most directions send a handful of segments, and a flood's peers one each:
 * a small first room keeps 100,000 of them from costing 100,000 big blocks. */
#define FIRST_CAP 2

/* The first slot to probe for a segment, in a table of n_slots (a power of two). */
static size_t first_slot(uint32_t seq, uint32_t len, uint8_t kind, size_t n_slots)
{
	uint64_t h = ((uint64_t)seq << 32 | (uint64_t)len << 8 | kind) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (n_slots - 1);
}

static bool same_segment(const struct tl_sent_segment *g, uint32_t seq, uint32_t len, uint8_t kind)
{
	return g->seq == seq && g->len == len && tl_segment_kind(g->flags) == kind;
}

struct tl_sent_segment *tl_sent_find(const struct tl_sent_set *s, uint32_t seq, uint32_t len, uint8_t kind)
{
	size_t n_slots = 2 * s->cap;
	if (!n_slots)
		return NULL;
	for (size_t i = first_slot(seq, len, kind, n_slots);; i = (i + 1) & (n_slots - 1)) {
		if (!s->slot[i])
			return NULL;
		struct tl_sent_segment *g = &s->seg[s->slot[i] - 1];
		if (same_segment(g, seq, len, kind))
			return g;
	}
}

static void index_segment(size_t *slot, size_t n_slots, const struct tl_sent_segment *seg, size_t at)
{
	const struct tl_sent_segment *g = &seg[at];
	size_t i = first_slot(g->seq, g->len, tl_segment_kind(g->flags), n_slots);
	while (slot[i])
		i = (i + 1) & (n_slots - 1);
	slot[i] = at + 1;
}

/* Doubles the room and rebuilds the index. Returns 0, or -1 when out of memory. */
static int grow(struct tl_sent_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : FIRST_CAP;
	TL_ASSERT((cap & (cap - 1)) == 0 && cap > s->n);
	struct tl_sent_segment *grown = realloc(s->seg, cap * sizeof(*grown));
	if (!grown)
		return -1;
	s->seg = grown;
	size_t *slot = calloc(2 * cap, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t k = 0; k < s->n; k++)
		index_segment(slot, 2 * cap, s->seg, k);
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

int tl_sent_add(struct tl_sent_set *s, const struct tl_sent_segment *seg)
{
	TL_ASSERT(!tl_sent_find(s, seg->seq, seg->len, tl_segment_kind(seg->flags)));
	if (s->n == s->cap && grow(s) < 0)
		return -1;
	s->seg[s->n] = *seg;
	index_segment(s->slot, 2 * s->cap, s->seg, s->n);
	s->n++;
	return 0;
}

void tl_sent_clear(struct tl_sent_set *s)
{
	free(s->seg);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}
