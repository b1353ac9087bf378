/*
 * inject: the segment an `inject` step sends, worked out the same way for
 * the kernel lab and the simulator.
 *
 * `inject client:b R` puts on the wire a segment that client's connection b
 * could have sent next, but that no socket sent: tcplab makes it (a raw
 * socket in the lab, the simulator's link in the model). Its 4-tuple is the
 * connection's, from the ports its connect or accept recorded; its sequence
 * and acknowledgment numbers follow the newest segment the connection sent
 * (seq after that one's data, SYN and FIN; the same ack, window and
 * timestamps), moved by the step's offsets; segments injected before are
 * not the connection's and are skipped. What a peer does with such a
 * segment (a challenge ACK for a SYN on an established connection, a reset
 * accepted or challenged) is the kernel's answer to an attacker or a
 * confused middlebox, seen from both ends.
 */
#ifndef TCPLAB_INJECT_H
#define TCPLAB_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/scenario.h"

struct tl_inject_plan {
	struct tl_tuple tuple; /* the connection's, its sender first */
	uint32_t seq, ack;
	uint8_t flags;	 /* TL_TH_*, as the step wrote them */
	uint16_t window; /* as in the header */
	bool ts_set;	 /* the connection's segments carry timestamps: so does this one */
	uint32_t ts_val, ts_ecr;
};

/*
 * Plans st's segment from the events on tl so far. Returns 0, or -1 with
 * why ("client:b has no connection yet", "... has sent no segment yet").
 */
int tl_inject_plan(const struct tl_timeline *tl, const struct tl_step *st, struct tl_inject_plan *out, char *why,
		   size_t len);

/* Whether the captured packet p is the segment plan made: the runners mark it injected. */
bool tl_inject_matches(const struct tl_inject_plan *plan, const struct tl_packet *p);

/* The note on the timeline, before the captured segment itself: "line 12: tcplab injects [R.] seq 1 ack 1
 * as client:b's connection would send it; no socket does". */
void tl_inject_note(const struct tl_step *st, const struct tl_inject_plan *plan, char *out, size_t len);

#endif
