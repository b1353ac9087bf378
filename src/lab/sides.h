/*
 * sides: which side of the scenario a socket in the lab's namespace belongs
 * to, from the calls each side made. A side owns the ports it listened on
 * (and with them its listener's request sockets, children and their
 * time-wait sockets) and the local ports its connects were given; a socket
 * whose peer is a port a side connects to is that side's connecting socket,
 * even before connect() has returned its port. The side threads record each
 * call's ports before making it, so the observer can tag every event as it
 * reads it.
 */
#ifndef TCPLAB_SIDES_H
#define TCPLAB_SIDES_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/driver.h"

/* A port per listen or connect, and a side makes at most this many calls. */
#define TL_SIDES_MAX_PORTS TL_DRIVE_MAX_CALLS

struct tl_side_ports {
	uint16_t bound[TL_SIDES_MAX_PORTS];  /* listened on, or given to a connect */
	size_t n_bound;
	uint16_t target[TL_SIDES_MAX_PORTS]; /* connected to */
	size_t n_target;
};

struct tl_sides {
	struct tl_side_ports of[3]; /* indexed by enum tl_side; [TL_SIDE_NONE] unused */
};

void tl_sides_init(struct tl_sides *s);

/* side listens on port, or a connect of side was given it as its local port. */
void tl_sides_bound(struct tl_sides *s, enum tl_side side, uint16_t port);

/* side connects to port. */
void tl_sides_target(struct tl_sides *s, enum tl_side side, uint16_t port);

/* The side of the socket with this tuple (s = local end); NONE when no call explains it. */
enum tl_side tl_sides_of_socket(const struct tl_sides *s, const struct tl_tuple *local);

/*
 * The side that sent a packet (s = sender). A packet that no side's socket
 * sent (the kernel's reset for a port nobody listens on) is the host
 * answering for the side the receiver talks to: the receiver's peer.
 */
enum tl_side tl_sides_of_sender(const struct tl_sides *s, const struct tl_tuple *sent);

/* Sets the side of every event with an endpoint that has none yet. */
void tl_sides_tag(const struct tl_sides *s, struct tl_timeline *tl);

/* Sets the side of every row. */
void tl_sides_tag_rows(const struct tl_sides *s, struct tl_sock_row *rows, size_t n);

#endif
