/*
 * conns: events tied to the named connections by their ports.
 */
#include "analysis/conns.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hindex.h"
#include "scenario/flood.h"

/* A connect or accept that gave its connection ports; name "" for the unnamed connection. */
struct named_call {
	enum tl_side side;
	uint16_t local_port, peer_port;
	uint64_t from_ns; /* when the connection's sockets may first appear */
	const char *name;
};

struct conn_table {
	struct named_call *calls;
	size_t n_calls;
	bool crowd; /* the run has crowd steps: what no call claims is the crowd's */
	struct tl_hindex calls_by_ports; /* ports_key -> the calls of those ports, in call order */
	struct tl_hindex time_wait;	 /* ports_key -> the newest event so far that entered TIME-WAIT there */
};

/* One key for a side's end of a connection: its side and both ports. */
static uint64_t ports_key(enum tl_side side, uint16_t local, uint16_t peer)
{
	return (uint64_t)side << 32 | (uint64_t)local << 16 | peer;
}

static bool ties_ports(const struct tl_event *ev)
{
	const struct tl_app_call *c = &ev->u.app;
	return ev->kind == TL_EV_APP && c->local_port && c->peer_port &&
	       (!strcmp(c->verb, "connect") || !strcmp(c->verb, "accept"));
}

/* The name of side's connection with these ports at time t: the newest call whose connection began by then. */
static const char *name_at(const struct conn_table *t, enum tl_side side, uint16_t local, uint16_t peer, uint64_t t_ns)
{
	const char *name = NULL;
	uint64_t newest = 0;
	const struct tl_hindex *x = &t->calls_by_ports;
	for (size_t it = tl_hindex_first(x, ports_key(side, local, peer)); it != TL_HINDEX_NONE;
	     it = tl_hindex_next(x, it)) {
		const struct named_call *c = &t->calls[x->val[it]];
		if (c->from_ns > t_ns)
			continue;
		if (!name || c->from_ns >= newest) {
			name = c->name;
			newest = c->from_ns;
		}
	}
	return name;
}

static bool same_ports(const struct tl_tuple *t, const struct tl_app_call *c)
{
	return t->sport == c->local_port && t->dport == c->peer_port;
}

/*
 * A connect's sockets begin with its call. An accept's connection began
 * with its handshake, before the call: at the newest request socket on its
 * ports (so two connections on one 4-tuple stay apart), else after the call
 * before it on those ports returned.
 */
static uint64_t connection_start(const struct tl_timeline *tl, size_t at)
{
	const struct tl_event *ev = &tl->ev[at];
	const struct tl_app_call *c = &ev->u.app;
	if (!strcmp(c->verb, "connect"))
		return c->called_ns ? c->called_ns : ev->t_ns;
	for (size_t i = at; i-- > 0;) {
		const struct tl_event *before = &tl->ev[i];
		if (before->side != ev->side)
			continue;
		if (before->kind == TL_EV_STATE && before->u.state.to == TL_SYN_RECV &&
		    same_ports(&before->u.state.tuple, c))
			return before->t_ns;
		if (ties_ports(before) && before->u.app.local_port == c->local_port &&
		    before->u.app.peer_port == c->peer_port)
			return before->t_ns;
	}
	return 0;
}

/*
 * The connection that put a socket on these ports into TIME-WAIT before the
 * event being tagged: a time-wait socket is the old connection's to its end,
 * even when a new connection on the same 4-tuple is what ends it (and the
 * kernel gives the time-wait socket an identity of its own, first seen
 * then). tl_conns_tag() files each such event as it passes it, so this is a
 * look-up, not a walk back over the timeline.
 */
static const char *time_wait_owner(const struct conn_table *t, const struct tl_timeline *tl, enum tl_side side,
				   uint16_t local, uint16_t peer)
{
	size_t it = tl_hindex_first(&t->time_wait, ports_key(side, local, peer));
	return it == TL_HINDEX_NONE ? NULL : tl->ev[t->time_wait.val[it]].conn;
}

/* A state change belongs to the connection its ports name at its time; a time-wait socket's end to its owner. */
static const char *socket_name(const struct conn_table *t, const struct tl_timeline *tl, size_t at)
{
	const struct tl_event *ev = &tl->ev[at];
	const struct tl_state_change *sc = &ev->u.state;
	const char *owner = sc->from == TL_TIME_WAIT
				    ? time_wait_owner(t, tl, ev->side, sc->tuple.sport, sc->tuple.dport)
				    : NULL;
	return owner ? owner : name_at(t, ev->side, sc->tuple.sport, sc->tuple.dport, ev->t_ns);
}

/* The ports an event carries, its side's end first; false for an event of no connection. */
static bool event_ports(const struct tl_event *ev, uint16_t *local, uint16_t *peer)
{
	const struct tl_tuple *tuple;
	switch (ev->kind) {
	case TL_EV_PACKET: tuple = &ev->u.packet.tuple; break;
	case TL_EV_RETRANS: tuple = &ev->u.retrans.tuple; break;
	case TL_EV_RESET: tuple = &ev->u.reset.tuple; break;
	case TL_EV_DROP: tuple = &ev->u.drop.tuple; break;
	default: return false;
	}
	*local = tuple->sport;
	*peer = tuple->dport;
	return true;
}

/* A name no call gives is the crowd's when there is one, else the event stays as it is. */
static void set_name(const struct conn_table *t, char out[TL_CONN_NAME_MAX], const char *name)
{
	if (name)
		memcpy(out, name, TL_CONN_NAME_MAX);
	else if (t->crowd)
		snprintf(out, TL_CONN_NAME_MAX, "%s", TL_CONN_CROWD);
}

/* A row in TIME-WAIT is its owner's, as its state changes are; another row goes by its ports. */
static const char *row_name(const struct conn_table *t, const struct tl_timeline *tl, size_t at,
			    const struct tl_sock_row *row)
{
	const char *owner = row->state == TL_TIME_WAIT
				    ? time_wait_owner(t, tl, row->side, row->tuple.sport, row->tuple.dport)
				    : NULL;
	return owner ? owner : name_at(t, row->side, row->tuple.sport, row->tuple.dport, tl->ev[at].t_ns);
}

static void tag_event(const struct conn_table *t, struct tl_timeline *tl, size_t at)
{
	struct tl_event *ev = &tl->ev[at];
	uint16_t local, peer;
	if (ev->kind == TL_EV_APP) {
		memcpy(ev->conn, ev->u.app.conn, TL_CONN_NAME_MAX);
	} else if (ev->kind == TL_EV_STATE) {
		/* A listener's own life is the side's, not a connection's. */
		if (ev->u.state.tuple.dport || !t->crowd)
			set_name(t, ev->conn, socket_name(t, tl, at));
	} else if (ev->kind == TL_EV_SNAPSHOT) {
		for (size_t r = 0; r < ev->u.snapshot.n; r++) {
			struct tl_sock_row *row = &ev->u.snapshot.rows[r];
			if (row->tuple.dport || !t->crowd)
				set_name(t, row->conn, row_name(t, tl, at, row));
		}
	} else if (event_ports(ev, &local, &peer)) {
		set_name(t, ev->conn, name_at(t, ev->side, local, peer, ev->t_ns));
	}
}

/*
 * A flood's spoofed peers are no connection of the scenario's: their
 * sockets, packets and rows are the flood's, so that a side's connection
 * (named or not) is only its own.
 */
static void tag_flood(struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		const struct tl_tuple *t = tl_event_tuple(ev);
		if (t && (tl_flood_is_source(&t->saddr) || tl_flood_is_source(&t->daddr)))
			snprintf(ev->conn, TL_CONN_NAME_MAX, "%s", TL_CONN_FLOOD);
		if (ev->kind != TL_EV_SNAPSHOT)
			continue;
		for (size_t r = 0; r < ev->u.snapshot.n; r++) {
			struct tl_sock_row *row = &ev->u.snapshot.rows[r];
			if (tl_flood_is_source(&row->tuple.daddr))
				snprintf(row->conn, TL_CONN_NAME_MAX, "%s", TL_CONN_FLOOD);
		}
	}
}

bool tl_conns_has_crowd(const struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_EV_APP && tl->ev[i].u.app.crowd)
			return true;
	return false;
}

/* The calls that give ports, each filed under its side and ports. Returns 0, or -1 (ENOMEM). */
static int collect_calls(struct conn_table *t, const struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		t->n_calls += ties_ports(&tl->ev[i]);
	t->calls = calloc(t->n_calls ? t->n_calls : 1, sizeof(*t->calls));
	if (!t->calls)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (!ties_ports(ev))
			continue;
		t->calls[k] = (struct named_call){ .side = ev->side,
						   .local_port = ev->u.app.local_port,
						   .peer_port = ev->u.app.peer_port,
						   .from_ns = connection_start(tl, i),
						   .name = ev->u.app.conn };
		if (tl_hindex_add(&t->calls_by_ports, ports_key(ev->side, ev->u.app.local_port, ev->u.app.peer_port),
				  k++) < 0)
			return -1;
	}
	return 0;
}

/* Tags every event in time order; what entered TIME-WAIT is filed once tagged. Returns 0, or -1 (ENOMEM). */
static int tag_all(struct conn_table *t, struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		tag_event(t, tl, i);
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind == TL_EV_STATE && ev->u.state.to == TL_TIME_WAIT &&
		    tl_hindex_set(&t->time_wait, ports_key(ev->side, ev->u.state.tuple.sport, ev->u.state.tuple.dport),
				  i) < 0)
			return -1;
	}
	return 0;
}

int tl_conns_tag(struct tl_timeline *tl)
{
	struct conn_table t = { .crowd = tl_conns_has_crowd(tl) };
	if (!t.crowd && !tl_conns_named(tl, TL_SIDE_CLIENT) && !tl_conns_named(tl, TL_SIDE_SERVER)) {
		tag_flood(tl);
		return 0; /* every other event is an unnamed connection's, as it is */
	}
	tl_hindex_init(&t.calls_by_ports);
	tl_hindex_init(&t.time_wait);
	int rc = collect_calls(&t, tl) < 0 || tag_all(&t, tl) < 0 ? -1 : 0;
	free(t.calls);
	tl_hindex_free(&t.calls_by_ports);
	tl_hindex_free(&t.time_wait);
	if (rc < 0) {
		errno = ENOMEM;
		return -1;
	}
	tag_flood(tl);
	return 0;
}

bool tl_conns_named(const struct tl_timeline *tl, enum tl_side side)
{
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].side == side &&
		    ((tl->ev[i].kind == TL_EV_APP && tl->ev[i].u.app.conn[0]) || tl_conn_is_many(tl->ev[i].conn)))
			return true;
	return false;
}
