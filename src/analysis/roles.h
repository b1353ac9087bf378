/*
 * roles: what each packet does in its connection (handshake 1/3, data,
 * teardown leg 2+3, reset, ...) and whether it repeats an earlier segment,
 * derived from the packets themselves in capture order, never written per
 * scenario. The same pass is the one place that follows connections: it
 * records on each packet (and each drop report still on the timeline) its
 * connection, direction, and sequence and acknowledgement numbers relative
 * to each direction's base (struct tl_conn_ref); the ladder, its SVG and
 * compare read those. Also sets each packet's tcpdump text, which needs the
 * same in-order pass for tcpdump's own relative-number rule.
 */
#ifndef TCPLAB_ROLES_H
#define TCPLAB_ROLES_H

#include "core/event.h"

/*
 * Annotates every TL_EV_PACKET of a time-sorted timeline: text, role,
 * retrans_no, resend_gap_ns and ref; and the ref of every TL_EV_DROP.
 * Packets already annotated get fresh values. Remembers every segment of a
 * run, however many. Returns 0, or -1 with errno ENOMEM when out of memory
 * (EOVERFLOW if a packet's text outgrew the longest a TCP header can print,
 * which the sanitizer build asserts never happens).
 */
int tl_roles_annotate(struct tl_timeline *tl);

#endif
