/*
 * conns: which of a side's named connections each event belongs to.
 *
 * A scenario may give a side several connections ("client:b connect"). Only
 * the calls know their names; the kernel's sockets, packets and snapshot
 * rows know ports. A connect or accept call records its connection's ports
 * (its own and its peer's), and those ports tie every socket, packet,
 * retransmission, reset, drop and snapshot row with the same ports to the
 * call's name: the newest connection on those ports at the event's time. A
 * time-wait socket (its end, its rows) stays the connection's that entered
 * TIME-WAIT, even when a newer connection on the same 4-tuple ends it.
 */
#ifndef TCPLAB_CONNS_H
#define TCPLAB_CONNS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"

/*
 * Sets the conn name of every event and snapshot row of a named connection,
 * and TL_CONN_FLOOD on those of a flood's spoofed peers, on a time-sorted
 * timeline (after tl_states_resolve: every socket has its ports). Returns
 * 0, or -1 (ENOMEM).
 */
int tl_conns_tag(struct tl_timeline *tl);

/*
 * Whether side's calls name any connection. Where they do, an event is
 * connection c's when its conn is c ("" the unnamed one, which holds what no
 * named one claims); where they do not, every event of the side is the
 * unnamed connection's. A flood's spoofed peers count as a connection named
 * TL_CONN_FLOOD.
 */
bool tl_conns_named(const struct tl_timeline *tl, enum tl_side side);

/* Whether the run has crowd steps (open, churn, serve, accept N, close all): the app calls say. */
bool tl_conns_has_crowd(const struct tl_timeline *tl);

#endif
