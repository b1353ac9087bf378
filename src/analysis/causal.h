/*
 * causal: puts each event after what caused it when the timeline's sources
 * stamp time on different clocks. In the kernel lab packets carry libpcap's
 * stamps (CLOCK_REALTIME, shifted to the timeline's clock) and state
 * changes, resets and retransmissions the tracer's (CLOCK_MONOTONIC); a few
 * microseconds of error in that shift can print a RST's reception before
 * the RST, or a state change before the packet that caused it.
 *
 * Rules, each within TL_CAUSAL_WINDOW_NS of the event:
 *   - after a packet that arrives at the socket: a RST received (the RST),
 *     and the state changes a segment causes (SYN-SENT -> ESTABLISHED after
 *     the SYN-ACK, LISTEN -> SYN-RECV after the SYN, SYN-RECV ->
 *     ESTABLISHED and FIN-WAIT-1 -> FIN-WAIT-2 after an ACK, ESTABLISHED ->
 *     CLOSE-WAIT and FIN-WAIT-2 -> TIME-WAIT after a FIN, ...);
 *   - before a packet the socket sends: the kernel's own RST and
 *     retransmission events, and the state changes that send a segment
 *     (CLOSE -> SYN-SENT before the SYN, ESTABLISHED -> FIN-WAIT-1 and
 *     CLOSE-WAIT -> LAST-ACK before the FIN).
 * An event is moved only when no packet that could have caused it precedes
 * it (or, for a send, none follows it) inside the window: it takes its
 * cause's time plus (or minus) one nanosecond, so the timeline stays sorted
 * by time, and one note on the timeline says how many moved and by how much.
 */
#ifndef TCPLAB_CAUSAL_H
#define TCPLAB_CAUSAL_H

#include <stddef.h>

#include "core/event.h"

#define TL_CAUSAL_WINDOW_NS 200000ull /* far above the clocks' disagreement, far below a timer */

/*
 * Reorders a time-sorted timeline by the rules above and leaves it sorted.
 * Returns the number of events moved, or -1 when out of memory (the
 * timeline is then unchanged).
 */
int tl_causal_order(struct tl_timeline *tl);

#endif
