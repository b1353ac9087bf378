/*
 * call: what a side's socket call is, whichever backend makes it: which of
 * the side's sockets it uses, how it is written down (the call text
 * "connect(127.0.0.1:2017)", what recv() got, the names of shutdown's and
 * setsockopt's arguments), and the few numbers both backends must agree on
 * (listen's backlog, recv's buffer). The kernel lab (lab/sockops.c) and the
 * simulator (model/sim.c) make the calls; this file alone decides what they
 * act on and how they read on the timeline.
 */
#ifndef TCPLAB_CALL_H
#define TCPLAB_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/scenario.h"

#define TL_LISTEN_BACKLOG 16
#define TL_RECV_BYTES 65536

/*
 * The sockets one side holds, as its backend's handles (descriptors in the
 * lab, model socket ids in the simulator); -1 when there is none. Connections
 * are kept per slot of the side's tl_conn_names: a step acts on its own
 * (st->conn_slot), slot 0 being the unnamed one.
 */
struct tl_side_sockets {
	int listener;		   /* the server's listening socket */
	int conn[TL_MAX_CONNS];	   /* the connected socket (accepted or connecting) */
	int pending[TL_MAX_CONNS]; /* made early, by a setsockopt before listen/connect or by a bind before connect */
	/* The crowd: what open and accept N hold, many connections with no name of their own. */
	int *crowd;
	size_t n_crowd, cap_crowd;
};

void tl_side_sockets_init(struct tl_side_sockets *s);

/* Adds a socket to the side's crowd: 0, or -1 (ENOMEM). */
int tl_side_sockets_crowd_add(struct tl_side_sockets *s, int id);

/* Frees the crowd's array (the caller closed its sockets) and empties it. */
void tl_side_sockets_crowd_clear(struct tl_side_sockets *s);

/* The connection st acts on (may hold -1). */
int *tl_side_sockets_conn(struct tl_side_sockets *s, const struct tl_step *st);

/* For bind: the slot where st's socket waits for its connect. */
int *tl_side_sockets_pending(struct tl_side_sockets *s, const struct tl_step *st);

/* For listen and connect: the socket a setsockopt or bind made early, now taken; -1: make a new one. */
int tl_side_sockets_take_pending(struct tl_side_sockets *s, const struct tl_step *st);

/*
 * For close and abort: the listener for "close listener" (st->on_listener),
 * else st's connection if there is one, else, for the unnamed connection,
 * the listener (may hold -1).
 */
int *tl_side_sockets_closing(struct tl_side_sockets *s, const struct tl_step *st);

/* The backlog a listen step passes: its own, or TL_LISTEN_BACKLOG. */
int tl_call_backlog(const struct tl_step *st);

/*
 * For setsockopt: st's connection, else (for the unnamed one) the listener,
 * else the connection's pending slot; when that holds -1 the caller makes a
 * socket there, used later by listen or connect (options given before them
 * must be on the socket they use).
 */
int *tl_side_sockets_option_target(struct tl_side_sockets *s, const struct tl_step *st);

/* The address a listen or connect step uses: its own, or the scenario's. */
const char *tl_call_host(const struct tl_step *st, const char *scenario_host);
uint16_t tl_call_port(const struct tl_step *st, uint16_t scenario_port);

/*
 * Starts the record of st's call: clears *call, sets its verb, its call
 * text and st's line. host and port are what the call uses (tl_call_host,
 * tl_call_port).
 */
void tl_call_begin(const struct tl_step *st, const char *host, uint16_t port, struct tl_app_call *call);

/* The call failed with errno err (positive). Returns -1. */
int tl_call_failed(struct tl_app_call *call, int err);

/* recv() returned n >= 0 bytes of buf: the count, its first bytes, and a short text payload shown as text. */
void tl_call_received(const char *buf, long n, struct tl_app_call *call);

/* connect() succeeded from this local endpoint. */
void tl_call_connected_from(const struct tl_addr *addr, uint16_t port, struct tl_app_call *call);

/* accept() returned a connection from peer:peer_port, on its own local_port. */
void tl_call_accepted(const struct tl_addr *peer, uint16_t peer_port, uint16_t local_port, struct tl_app_call *call);

/*
 * A crowd step (open, churn, serve, accept N) made `done` of its st->count
 * connections; err is the errno that stopped it, 0 when it made them all:
 * the record's result then is the count, else -1 with err, and its detail
 * says how far it got.
 */
void tl_call_crowd_result(const struct tl_step *st, size_t done, int err, struct tl_app_call *call);

/* Whether st acts on the side's crowd (open, churn, serve, accept N, close all). */
bool tl_step_is_crowd(const struct tl_step *st);

/* "SHUT_WR"; "?" for a value the format does not have. */
const char *tl_shutdown_name(int how);

#endif
