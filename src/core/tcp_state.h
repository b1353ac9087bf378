/*
 * tcp_state: the one table of TCP state names shared by the tracer, sock_diag,
 * the model, the checks and every renderer.
 *
 * The numeric values are the kernel's (include/net/tcp_states.h), so a state
 * read from a tracepoint or from sock_diag converts by a range check only.
 */
#ifndef TCPLAB_TCP_STATE_H
#define TCPLAB_TCP_STATE_H

#include <stdbool.h>

enum tl_state {
	TL_STATE_NONE = 0, /* no socket yet / unknown */
	TL_ESTABLISHED = 1,
	TL_SYN_SENT = 2,
	TL_SYN_RECV = 3,
	TL_FIN_WAIT1 = 4,
	TL_FIN_WAIT2 = 5,
	TL_TIME_WAIT = 6,
	TL_CLOSE = 7,
	TL_CLOSE_WAIT = 8,
	TL_LAST_ACK = 9,
	TL_LISTEN = 10,
	TL_CLOSING = 11,
	TL_NEW_SYN_RECV = 12, /* a request socket: ss and netstat call it SYN-RECV */
	TL_BOUND_INACTIVE = 13,
	TL_STATE_COUNT
};

/* Kernel-style name ("FIN_WAIT1"); "?" for a value out of range. Never NULL. */
const char *tl_state_name(enum tl_state s);

/* The RFC 9293 spelling, as ss prints it ("FIN-WAIT-1", "CLOSED"). Never NULL. */
const char *tl_state_rfc_name(enum tl_state s);

/*
 * Parses a state name in either spelling, case-insensitively; "CLOSED" is
 * TL_CLOSE and "SYN-RCVD" is TL_SYN_RECV. Returns false for an unknown name.
 */
bool tl_state_parse(const char *name, enum tl_state *out);

/* True when v is a value the kernel uses for a TCP state. */
bool tl_state_valid(int v);

#endif
