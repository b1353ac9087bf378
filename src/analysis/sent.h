/*
 * sent: the distinct segments one direction of a connection has sent, each
 * found again by its sequence number, sequence space and kind (SYN, FIN,
 * RST or none), so roles.c can tell a resend from a new segment in constant
 * time however long the run. No limit: the set grows as it fills.
 */
#ifndef TCPLAB_SENT_H
#define TCPLAB_SENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

struct tl_sent_segment {
	uint32_t seq;
	uint32_t len; /* payload bytes, plus one for SYN and FIN */
	uint8_t flags;
	enum tl_role role;
	unsigned sends;
	uint64_t last_ns; /* when it was last sent */
};

struct tl_sent_set {
	struct tl_sent_segment *seg;
	size_t n, cap; /* cap: 0 or a power of two */
	size_t *slot;  /* 2 * cap: a position in seg plus one, 0 when free */
};

/*
 * The flags that make two sends of the same numbers different segments. A
 * SYN-ACK is not a SYN resent: after a simultaneous open the side whose SYN
 * went first answers the peer's SYN with a SYN-ACK of the same number.
 */
static inline uint8_t tl_segment_kind(uint8_t flags)
{
	uint8_t kind = flags & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST);
	return (flags & TL_TH_SYN) ? (uint8_t)(kind | (flags & TL_TH_ACK)) : kind;
}

/* The earlier send of the segment (seq, len, kind = tl_segment_kind(flags)), or NULL. */
struct tl_sent_segment *tl_sent_find(const struct tl_sent_set *s, uint32_t seq, uint32_t len, uint8_t kind);

/* Adds a segment tl_sent_find does not know. Returns 0, or -1 (ENOMEM). */
int tl_sent_add(struct tl_sent_set *s, const struct tl_sent_segment *seg);

/* Frees the set and leaves it empty, ready for reuse. */
void tl_sent_clear(struct tl_sent_set *s);

#endif
