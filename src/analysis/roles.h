/*
 * roles: what each packet does in its connection (handshake 1/3, data,
 * teardown leg 2+3, reset, ...) and whether it repeats an earlier segment,
 * derived from the packets themselves in capture order, never written per
 * scenario. Also sets each packet's tcpdump text, which needs the same
 * in-order pass for tcpdump's relative sequence numbers.
 */
#ifndef TCPLAB_ROLES_H
#define TCPLAB_ROLES_H

#include "core/event.h"

/*
 * Annotates every TL_EV_PACKET of a time-sorted timeline: text, role and
 * retrans_no. Packets already annotated get fresh values. Returns 0, or -1
 * when out of memory.
 */
int tl_roles_annotate(struct tl_timeline *tl);

#endif
