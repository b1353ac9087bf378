/*
 * sim: the discrete-event simulator.
 *
 * Three things happen at virtual times: a model timer fires, a segment
 * arrives at the end of the link, a side's call returns. be_run_until()
 * takes them in time order (at equal times in that order: a timer firing on
 * the same tick as an arrival goes first, as the kernel runs its timer
 * softirq before delivering), after each one retries the calls that were
 * blocked, and stops when the driver's condition holds or its deadline
 * passes. The driver (scenario/driver.h) walks the script; each side runs
 * its own calls in order like the lab's side threads.
 */
#include "model/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/invariant.h"
#include "core/wire.h"
#include "core/textbuf.h"
#include "scenario/flood.h"
#include "scenario/inject.h"
#include "scenario/call.h"
#include "scenario/driver.h"

#define MAX_FAULTS 32
#define FIRST_FD 3

struct sim_call {
	bool active;
	bool attempted; /* the model call was made once (connect's SYN went out) */
	const struct tl_step *st;
	uint64_t called_ns;
	uint64_t return_ns; /* 0 while blocked */
	struct tl_app_call app;
	/* A crowd step: connections made so far, the one in progress (-1: none), when the next may start. */
	size_t crowd_done;
	int crowd_id;
	uint64_t wake_ns; /* 0: no pacing wait */
};

struct sim_side {
	enum tl_side side;
	const struct tl_step *queue[TL_DRIVE_MAX_CALLS];
	size_t queued, done;
	struct sim_call cur;
	struct tl_side_sockets sock; /* model socket ids */
};

struct in_flight {
	struct tl_tcp_seg seg;
	uint8_t *payload; /* owned copy */
	uint64_t arrive_ns;
};

struct sim_fault {
	struct tl_fault rule;
	uint64_t matched; /* matching segments so far, dropped or not (the kernel rule's counter) */
};

struct sim {
	const struct tl_scenario *sc;
	const struct tl_sim_options *opt;
	struct tl_tcp_stack *stack;
	struct tl_timeline tl;
	uint64_t now_ns;
	struct sim_side side[2];
	struct in_flight *link;
	size_t n_link, cap_link;
	struct sim_fault faults[MAX_FAULTS];
	size_t n_faults;
	enum tl_state current[3]; /* newest state of each side's connection sockets */
	size_t pending_retrans;	  /* index+1 of a retransmission event waiting for its segment */
	bool injecting;		  /* the segment on its way is an inject step's: no socket sent it */
	bool census;		  /* many connections: the sockets are counted every TL_CENSUS_EVERY_NS */
	uint64_t next_census_ns;
	int next_fd;
	int *fd_of; /* by socket id: the descriptor an application would hold for each model socket */
	size_t cap_fd;
	char err[256];
	char broken[300];	      /* what broken() shows */
	char recv_buf[TL_RECV_BYTES]; /* scratch for one recv() */
};

/* ---- the event stream ---- */

static void append(struct sim *s, struct tl_event *ev)
{
	ev->t_ns = s->now_ns;
	if (tl_timeline_append(&s->tl, ev) < 0 && !s->err[0])
		tl_textf(s->err, sizeof(s->err), "out of memory");
}

static struct sim_side *side_of(struct sim *s, enum tl_side side)
{
	return &s->side[side == TL_SIDE_SERVER ? 1 : 0];
}

static void note_text(struct sim *s, const char *text)
{
	struct tl_event ev = { .kind = TL_EV_NOTE };
	tl_textf(ev.u.note, sizeof(ev.u.note), "%s", text);
	append(s, &ev);
}

/* ---- faults: the same rules the lab installs in nftables ---- */

/* The first rule that drops or holds the segment, or NULL. Rules are
 * evaluated in order; each counts every segment that matches it, as numgen
 * does; the first that applies decides, as a verdict ends the kernel's chain
 * (a held packet is accepted when it is let go, never judged again). */
static const struct sim_fault *deciding_rule(struct sim *s, const struct tl_tcp_seg *g)
{
	for (size_t i = 0; i < s->n_faults; i++) {
		struct sim_fault *f = &s->faults[i];
		if (!tl_fault_matches(&f->rule, &g->tuple, g->flags, f->rule.server_port))
			continue;
		if (tl_fault_drops_nth(&f->rule, f->matched++))
			return f;
	}
	return NULL;
}

static int be_fault_add(void *ctx, const struct tl_fault *f, char *why, size_t len)
{
	struct sim *s = ctx;
	if (!tl_fault_simulable(f))
		return tl_errorf(why, len, "a raw nft rule runs on the real kernel only");
	for (size_t i = 0; i < s->n_faults; i++)
		if (!strcmp(s->faults[i].rule.name, f->name))
			return tl_errorf(why, len, "a fault rule named '%s' is already installed", f->name);
	if (s->n_faults == MAX_FAULTS)
		return tl_errorf(why, len, "more than %d fault rules", MAX_FAULTS);
	s->faults[s->n_faults++] = (struct sim_fault){ .rule = *f };
	return 0;
}

static int be_faults_clear(void *ctx, char *why, size_t len)
{
	struct sim *s = ctx;
	(void)why;
	(void)len;
	s->n_faults = 0;
	return 0;
}

/* ---- what the model reports ---- */

/*
 * Puts a copy of the segment on the link, to arrive TL_SIM_LINK_NS and
 * held_ns later. The link stays in order of arrival, and a segment that
 * arrives at the same time as others goes after them, as a queue releases
 * what it holds in the order it came.
 */
static void enqueue(struct sim *s, const struct tl_tcp_seg *g, uint64_t held_ns)
{
	if (s->n_link == s->cap_link) {
		size_t cap = s->cap_link ? s->cap_link * 2 : 16;
		struct in_flight *grown = realloc(s->link, cap * sizeof(*grown));
		if (!grown) {
			tl_textf(s->err, sizeof(s->err), "out of memory");
			return;
		}
		s->link = grown;
		s->cap_link = cap;
	}
	/* The payload's copy first: a failure then leaves the link as it was. */
	uint8_t *payload = NULL;
	if (g->payload_len && !(payload = malloc(g->payload_len))) {
		tl_textf(s->err, sizeof(s->err), "out of memory");
		return;
	}
	if (g->payload_len)
		memcpy(payload, g->payload, g->payload_len);
	uint64_t arrive_ns = s->now_ns + TL_SIM_LINK_NS + held_ns;
	size_t at = s->n_link;
	while (at > 0 && s->link[at - 1].arrive_ns > arrive_ns)
		at--;
	memmove(s->link + at + 1, s->link + at, (s->n_link - at) * sizeof(*s->link));
	struct in_flight *x = &s->link[at];
	x->seg = *g;
	x->payload = payload;
	x->seg.payload = payload;
	x->arrive_ns = arrive_ns;
	s->n_link++;
}

/* The capture's view: a real frame, stamped with the virtual time on the fixed epoch. */
static void capture(struct sim *s, const struct tl_tcp_seg *g, enum tl_side sender)
{
	uint8_t opts[TL_TCP_MAX_OPTIONS];
	size_t n_opts = tl_tcp_options_encode(g, opts);
	struct tl_event ev = { .kind = TL_EV_PACKET, .side = sender };
	if (tl_packet_build(&g->tuple, g->seq, g->ack, g->flags, g->window, opts, n_opts, g->payload,
			    g->payload_len, &ev.u.packet) < 0) {
		tl_textf(s->err, sizeof(s->err), "cannot build a frame: %s", strerror(errno));
		return;
	}
	ev.u.packet.wall_ns = TL_SIM_EPOCH_NS + s->now_ns;
	ev.u.packet.injected = s->injecting;
	append(s, &ev);
	if (s->pending_retrans) {
		struct tl_retrans *r = &s->tl.ev[s->pending_retrans - 1].u.retrans;
		r->seq = g->seq;
		r->flags = g->flags;
		s->pending_retrans = 0;
	}
}

static void on_segment(struct sim *s, const struct tl_tcp_seg *g, enum tl_side sender)
{
	capture(s, g, sender);
	/* To a flood's spoofed source: the lab's rule for its absent hosts drops it, before any other. */
	static const struct sim_fault flood = { .rule = { .name = TL_FLOOD_RULE, .action = TL_FAULT_DROP } };
	const struct sim_fault *f = tl_flood_is_source(&g->tuple.daddr) ? &flood : deciding_rule(s, g);
	if (!f) {
		enqueue(s, g, 0);
		return;
	}
	if (f->rule.action == TL_FAULT_DELAY) {
		/* The lab's queue reader cannot tell sides: the note names the endpoints instead. */
		struct tl_event ev = { .kind = TL_EV_NOTE, .side = TL_SIDE_NONE };
		tl_fault_hold_note(&f->rule, &g->tuple, g->flags, ev.u.note, sizeof(ev.u.note));
		append(s, &ev);
		enqueue(s, g, f->rule.delay_ns);
		return;
	}
	/* Captured on the way out, dropped at the input hook: the capture has it, the peer not. */
	struct tl_event drop = { .kind = TL_EV_DROP, .side = sender };
	drop.u.drop = (struct tl_drop){ .tuple = g->tuple, .seq = g->seq, .flags = g->flags };
	tl_textf(drop.u.drop.rule, sizeof(drop.u.drop.rule), "%s", f->rule.name);
	append(s, &drop);
}

static void on_state(struct sim *s, const struct tl_tcp_note *n)
{
	struct tl_event ev = { .kind = TL_EV_STATE, .side = n->side };
	ev.u.state = (struct tl_state_change){ .sock_id = n->cookie, .tuple = n->tuple, .from = n->from,
					       .to = n->to, .source = TL_SRC_MODEL };
	tl_textf(ev.u.state.why, sizeof(ev.u.state.why), "%s", n->why);
	append(s, &ev);
	if (n->tuple.dport && n->side != TL_SIDE_NONE)
		s->current[n->side] = n->to;
}

/*
 * A note without a socket is the host answering for a port no socket has
 * (the reset to a connect where nothing listens): it speaks for the side
 * the receiving socket talks to.
 */
/* The ids of the stack's sockets (*n of them), to free; NULL with *n 0 when there are none or no memory. */
static int *socket_ids(const struct sim *s, size_t *n)
{
	size_t want = tl_tcp_sockets(s->stack, NULL, 0);
	int *ids = want ? malloc(want * sizeof(*ids)) : NULL;
	*n = ids ? tl_tcp_sockets(s->stack, ids, want) : 0;
	if (*n > want)
		*n = want;
	return ids;
}

static enum tl_side answering_side(const struct sim *s, const struct tl_tuple *sent)
{
	size_t n = 0;
	int *ids = socket_ids(s, &n);
	enum tl_side side = TL_SIDE_NONE;
	for (size_t i = 0; i < n; i++) {
		struct tl_tcp_info info;
		if (tl_tcp_info(s->stack, ids[i], &info) == 0 && info.tuple.sport == sent->dport &&
		    info.tuple.dport == sent->sport && tl_addr_equal(&info.tuple.saddr, &sent->daddr)) {
			side = info.owner == TL_SIDE_CLIENT   ? TL_SIDE_SERVER
			       : info.owner == TL_SIDE_SERVER ? TL_SIDE_CLIENT
							      : TL_SIDE_NONE;
			break;
		}
	}
	free(ids);
	return side;
}

static enum tl_side side_of_note(const struct sim *s, const struct tl_tcp_note *n)
{
	return n->side != TL_SIDE_NONE || n->sock >= 0 ? n->side : answering_side(s, &n->tuple);
}

static void on_note(void *ctx, const struct tl_tcp_note *n)
{
	struct sim *s = ctx;
	struct tl_event ev = { .side = side_of_note(s, n) };
	switch (n->kind) {
	case TL_TCP_NOTE_SEGMENT:
		on_segment(s, n->seg, ev.side);
		return;
	case TL_TCP_NOTE_STATE:
		on_state(s, n);
		return;
	case TL_TCP_NOTE_RETRANS:
		ev.kind = TL_EV_RETRANS;
		ev.u.retrans = (struct tl_retrans){ .kind = n->retrans, .tuple = n->tuple, .state = n->state };
		append(s, &ev);
		s->pending_retrans = s->tl.n;
		return;
	case TL_TCP_NOTE_RESET_SENT:
	case TL_TCP_NOTE_RESET_RECEIVED:
		ev.kind = TL_EV_RESET;
		ev.u.reset = (struct tl_reset){ .sent = n->kind == TL_TCP_NOTE_RESET_SENT, .tuple = n->tuple,
						.state = n->state };
		append(s, &ev);
		return;
	}
}

/* ---- the sides' calls, recorded as sockops.c records real ones ---- */

static void call_failed(struct tl_app_call *c, int neg_errno)
{
	tl_call_failed(c, -neg_errno);
}

/* The next descriptor, given to socket id (any number of sockets: the table grows). */
static int give_fd(struct sim *s, int id)
{
	if ((size_t)id >= s->cap_fd) {
		size_t cap = s->cap_fd ? s->cap_fd : 64;
		while (cap <= (size_t)id)
			cap *= 2;
		int *grown = realloc(s->fd_of, cap * sizeof(*grown));
		if (!grown)
			return s->next_fd++; /* the number is still the application's; only the record is lost */
		s->fd_of = grown;
		s->cap_fd = cap;
	}
	s->fd_of[id] = s->next_fd++;
	return s->fd_of[id];
}

/* A new model socket that the side holds: what comes of it is that side's. */
static int own_socket(struct sim *s, const struct sim_side *sd)
{
	int id = tl_tcp_socket(s->stack);
	if (id >= 0) {
		tl_tcp_set_owner(s->stack, id, sd->side);
		give_fd(s, id);
	}
	return id;
}

/* The socket a listen or connect uses: one made early for setsockopt, or a new one. */
static int take_socket(struct sim *s, struct sim_side *sd)
{
	int id = tl_side_sockets_take_pending(&sd->sock, sd->cur.st);
	return id >= 0 ? id : own_socket(s, sd);
}

/* Closes what the slot holds, if anything, so a new socket can take it. */
static void replace(struct sim *s, int *slot, int id)
{
	if (*slot >= 0)
		tl_tcp_close(s->stack, *slot, s->now_ns);
	*slot = id;
}

static const char *call_host(const struct sim *s, const struct tl_step *st)
{
	return tl_call_host(st, s->sc->host);
}

static uint16_t call_port(const struct sim *s, const struct tl_step *st)
{
	return tl_call_port(st, s->sc->port);
}

static bool do_listen(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	const struct tl_step *st = sd->cur.st;
	struct tl_addr addr;
	if (!tl_addr_parse(call_host(s, st), &addr)) {
		call_failed(c, -EINVAL);
		return true;
	}
	int id = take_socket(s, sd);
	int rc = id < 0 ? id : tl_tcp_listen(s->stack, id, &addr, call_port(s, st), tl_call_backlog(st), s->now_ns);
	if (rc < 0) {
		if (id >= 0)
			tl_tcp_close(s->stack, id, s->now_ns);
		call_failed(c, rc);
		return true;
	}
	replace(s, &sd->sock.listener, id);
	return true;
}

/* The socket goes to the pending slot: the next connect takes it (tl_side_sockets_take_pending). */
static bool do_bind(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	const struct tl_step *st = sd->cur.st;
	struct tl_addr addr;
	if (!tl_addr_parse(call_host(s, st), &addr)) {
		call_failed(c, -EINVAL);
		return true;
	}
	int *pending = tl_side_sockets_pending(&sd->sock, st);
	if (*pending < 0) {
		int made = own_socket(s, sd);
		if (made < 0) {
			call_failed(c, made);
			return true;
		}
		*pending = made;
	}
	int rc = tl_tcp_bind(s->stack, *pending, &addr, call_port(s, st), s->now_ns);
	if (rc < 0)
		call_failed(c, rc);
	return true;
}

static bool do_accept(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	struct tl_tuple peer;
	if (sd->sock.listener < 0) {
		call_failed(c, -EBADF);
		return true;
	}
	int id = tl_tcp_accept(s->stack, sd->sock.listener, &peer, s->now_ns);
	if (id == -EAGAIN)
		return false;
	if (id < 0) {
		call_failed(c, id);
		return true;
	}
	replace(s, tl_side_sockets_conn(&sd->sock, sd->cur.st), id);
	c->ret = give_fd(s, id);
	tl_call_accepted(&peer.daddr, peer.dport, peer.sport, c);
	return true;
}

static bool connect_started(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	const struct tl_step *st = sd->cur.st;
	struct tl_addr addr;
	if (!tl_addr_parse(call_host(s, st), &addr)) {
		call_failed(c, -EINVAL);
		return true;
	}
	int id = take_socket(s, sd);
	if (id < 0) {
		call_failed(c, id);
		return true;
	}
	replace(s, tl_side_sockets_conn(&sd->sock, st), id);
	c->peer_port = call_port(s, st);
	int rc = tl_tcp_connect(s->stack, id, &addr, call_port(s, st), s->now_ns);
	if (rc != -EINPROGRESS) {
		struct tl_tcp_info info = { 0 };
		tl_tcp_info(s->stack, id, &info);
		c->local_port = info.tuple.sport; /* a bound socket keeps its port, as the kernel's does */
		call_failed(c, rc);
		return true;
	}
	return false;
}

/* How the connection's connect ended: false while the handshake runs. */
static bool connect_ended(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	int conn = *tl_side_sockets_conn(&sd->sock, sd->cur.st);
	int rc = tl_tcp_connect_result(s->stack, conn);
	if (rc == -EINPROGRESS)
		return false;
	struct tl_tcp_info info = { 0 };
	tl_tcp_info(s->stack, conn, &info);
	if (rc < 0) {
		c->local_port = info.tuple.sport; /* as the kernel's socket keeps its port */
		call_failed(c, rc);
		return true;
	}
	tl_call_connected_from(&info.tuple.saddr, info.tuple.sport, c);
	return true;
}

static bool do_connect(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	if (!sd->cur.attempted) {
		sd->cur.attempted = true;
		if (connect_started(s, sd, c))
			return true;
		if (sd->cur.st->nonblock) {
			/* The SYN is out; the call returns at once, as the kernel's does. */
			struct tl_tcp_info info = { 0 };
			tl_tcp_info(s->stack, *tl_side_sockets_conn(&sd->sock, sd->cur.st), &info);
			c->local_port = info.tuple.sport;
			call_failed(c, -EINPROGRESS);
			return true;
		}
	}
	return connect_ended(s, sd, c);
}

/* poll() until writable, then SO_ERROR: the model's connect result, once the handshake has ended. */
static bool do_poll_connect(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	if (*tl_side_sockets_conn(&sd->sock, sd->cur.st) < 0) {
		call_failed(c, -EBADF);
		return true;
	}
	return connect_ended(s, sd, c);
}

static bool do_send(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	const struct tl_step *st = sd->cur.st;
	long n = tl_tcp_send(s->stack, *tl_side_sockets_conn(&sd->sock, st), st->data, st->data_len, s->now_ns);
	if (n == -EAGAIN)
		return false;
	if (n < 0)
		call_failed(c, (int)n);
	else
		c->ret = n;
	return true;
}

static bool do_recv(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	char *buf = s->recv_buf;
	long n = tl_tcp_recv(s->stack, *tl_side_sockets_conn(&sd->sock, sd->cur.st), buf, TL_RECV_BYTES, s->now_ns);
	if (n == -EAGAIN)
		return false;
	if (n < 0) {
		call_failed(c, (int)n);
		return true;
	}
	tl_call_received(buf, n, c);
	return true;
}

static bool do_shutdown(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	int how = sd->cur.st->shutdown_how;
	int rc = tl_tcp_shutdown(s->stack, *tl_side_sockets_conn(&sd->sock, sd->cur.st), how, s->now_ns);
	if (rc < 0)
		call_failed(c, rc);
	return true;
}

static bool do_close(struct sim *s, struct sim_side *sd, bool abort_conn, struct tl_app_call *c)
{
	int *id = tl_side_sockets_closing(&sd->sock, sd->cur.st);
	if (*id < 0) {
		call_failed(c, -EBADF);
		return true;
	}
	int rc = abort_conn ? tl_tcp_abort(s->stack, *id, s->now_ns) : tl_tcp_close(s->stack, *id, s->now_ns);
	*id = -1;
	if (rc < 0)
		call_failed(c, rc);
	return true;
}

/* ---- the crowd: many connections, one step, as lab/sockops.c makes them ---- */

/*
 * One of a crowd step's calls is done: the next waits as the lab's next
 * system call would, for this one's segments to be taken in (a call's
 * time), and for its turn when the step is paced.
 */
static void crowd_next(struct sim *s, struct sim_call *k)
{
	k->crowd_done++;
	uint64_t paced = k->st->duration_ns ? k->called_ns + k->crowd_done * k->st->duration_ns : 0;
	uint64_t after_call = s->now_ns + TL_SIM_CALL_NS;
	k->wake_ns = paced > after_call ? paced : after_call;
}

static bool crowd_returns(const struct tl_step *st, size_t done, int neg_errno, struct tl_app_call *c)
{
	tl_call_crowd_result(st, done, -neg_errno, c);
	return true;
}

/* open N (each held in the crowd) and churn N (each closed at once): paced connects, stopping at the first failure. */
static bool do_connect_many(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	struct sim_call *k = &sd->cur;
	const struct tl_step *st = k->st;
	struct tl_addr addr;
	if (!tl_addr_parse(call_host(s, st), &addr))
		return crowd_returns(st, 0, -EINVAL, c);
	for (;;) {
		if (k->crowd_id < 0) {
			if (k->crowd_done == st->count)
				return crowd_returns(st, k->crowd_done, 0, c);
			if (k->wake_ns > s->now_ns)
				return false;
			int id = own_socket(s, sd);
			if (id < 0)
				return crowd_returns(st, k->crowd_done, id, c);
			int rc = tl_tcp_connect(s->stack, id, &addr, call_port(s, st), s->now_ns);
			if (rc != -EINPROGRESS) {
				tl_tcp_close(s->stack, id, s->now_ns);
				return crowd_returns(st, k->crowd_done, rc < 0 ? rc : -EINVAL, c);
			}
			k->crowd_id = id;
		}
		int rc = tl_tcp_connect_result(s->stack, k->crowd_id);
		if (rc == -EINPROGRESS)
			return false;
		int id = k->crowd_id;
		k->crowd_id = -1;
		if (rc < 0) {
			tl_tcp_close(s->stack, id, s->now_ns);
			return crowd_returns(st, k->crowd_done, rc, c);
		}
		if (st->kind == TL_STEP_CHURN) {
			tl_tcp_close(s->stack, id, s->now_ns);
		} else if (tl_side_sockets_crowd_add(&sd->sock, id) < 0) {
			tl_tcp_close(s->stack, id, s->now_ns);
			return crowd_returns(st, k->crowd_done, -ENOMEM, c);
		}
		crowd_next(s, k);
	}
}

/* accept N (each held in the crowd) and serve N (each read to its end, then closed). */
static bool do_accept_many(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	struct sim_call *k = &sd->cur;
	const struct tl_step *st = k->st;
	if (sd->sock.listener < 0)
		return crowd_returns(st, 0, -EBADF, c);
	for (;;) {
		if (k->crowd_id < 0) {
			if (k->crowd_done == st->count)
				return crowd_returns(st, k->crowd_done, 0, c);
			if (k->wake_ns > s->now_ns)
				return false;
			struct tl_tuple peer;
			int id = tl_tcp_accept(s->stack, sd->sock.listener, &peer, s->now_ns);
			if (id == -EAGAIN)
				return false;
			if (id < 0)
				return crowd_returns(st, k->crowd_done, id, c);
			give_fd(s, id);
			if (st->kind == TL_STEP_ACCEPT) {
				if (tl_side_sockets_crowd_add(&sd->sock, id) < 0) {
					tl_tcp_close(s->stack, id, s->now_ns);
					return crowd_returns(st, k->crowd_done, -ENOMEM, c);
				}
				crowd_next(s, k);
				continue;
			}
			k->crowd_id = id;
		}
		long n = tl_tcp_recv(s->stack, k->crowd_id, s->recv_buf, TL_RECV_BYTES, s->now_ns);
		if (n == -EAGAIN)
			return false;
		if (n > 0)
			continue;
		tl_tcp_close(s->stack, k->crowd_id, s->now_ns); /* at its end, or its error: done with it */
		k->crowd_id = -1;
		crowd_next(s, k);
	}
}

/* One close() at a time, as the lab's loop makes them. */
static bool do_close_crowd(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	struct sim_call *k = &sd->cur;
	while (k->crowd_done < sd->sock.n_crowd) {
		if (k->wake_ns > s->now_ns)
			return false;
		tl_tcp_close(s->stack, sd->sock.crowd[k->crowd_done], s->now_ns);
		crowd_next(s, k);
	}
	size_t n = sd->sock.n_crowd;
	tl_side_sockets_crowd_clear(&sd->sock);
	return crowd_returns(k->st, n, 0, c);
}

/*
 * An option the model does not honour is not refused: the kernel takes it,
 * so the call succeeds, and a note on the timeline says the model ignored it.
 */
static bool do_setsockopt(struct sim *s, struct sim_side *sd, struct tl_app_call *c)
{
	const struct tl_step *st = sd->cur.st;
	int *id = tl_side_sockets_option_target(&sd->sock, st);
	if (*id < 0) {
		int made = own_socket(s, sd);
		if (made < 0) {
			call_failed(c, made);
			return true;
		}
		*id = made;
	}
	int rc = tl_tcp_setsockopt(s->stack, *id, st->opt, st->opt_value, s->now_ns);
	if (rc == -ENOPROTOOPT) {
		char why[160], note[192];
		tl_sim_unmodelled_text(st, why, sizeof(why));
		tl_textf(note, sizeof(note), "line %d: %s", st->line, why);
		note_text(s, note);
	} else if (rc < 0) {
		call_failed(c, rc);
	}
	return true;
}

/* Makes (or retries) the side's current call. True when it returned. */
static bool try_call(struct sim *s, struct sim_side *sd)
{
	struct tl_app_call *c = &sd->cur.app;
	switch (sd->cur.st->kind) {
	case TL_STEP_LISTEN: return do_listen(s, sd, c);
	case TL_STEP_ACCEPT: return sd->cur.st->count ? do_accept_many(s, sd, c) : do_accept(s, sd, c);
	case TL_STEP_CONNECT: return do_connect(s, sd, c);
	case TL_STEP_SEND: return do_send(s, sd, c);
	case TL_STEP_RECV: return do_recv(s, sd, c);
	case TL_STEP_SHUTDOWN: return do_shutdown(s, sd, c);
	case TL_STEP_CLOSE: return sd->cur.st->all ? do_close_crowd(s, sd, c) : do_close(s, sd, false, c);
	case TL_STEP_ABORT: return do_close(s, sd, true, c);
	case TL_STEP_SETSOCKOPT: return do_setsockopt(s, sd, c);
	case TL_STEP_BIND: return do_bind(s, sd, c);
	case TL_STEP_POLL_CONNECT: return do_poll_connect(s, sd, c);
	case TL_STEP_OPEN:
	case TL_STEP_CHURN: return do_connect_many(s, sd, c);
	case TL_STEP_SERVE: return do_accept_many(s, sd, c);
	case TL_STEP_SLEEP:
	case TL_STEP_SNAPSHOT:
	case TL_STEP_JOIN:
	case TL_STEP_WAIT_STATE:
	case TL_STEP_WAIT_GONE:
	case TL_STEP_FAULT:
	case TL_STEP_UNFAULT:
	case TL_STEP_INJECT:
	case TL_STEP_FLOOD:
		break;
	}
	call_failed(c, -EINVAL);
	return true;
}

/* Starts the side's next queued call, if it is idle. */
static void start_next(struct sim *s, struct sim_side *sd)
{
	if (sd->cur.active || sd->done == sd->queued)
		return;
	sd->cur = (struct sim_call){ .active = true, .st = sd->queue[sd->done], .called_ns = s->now_ns, .crowd_id = -1 };
	tl_call_begin(sd->cur.st, call_host(s, sd->cur.st), call_port(s, sd->cur.st), &sd->cur.app);
	if (try_call(s, sd))
		sd->cur.return_ns = s->now_ns + TL_SIM_CALL_NS;
}

static void finish_call(struct sim *s, struct sim_side *sd)
{
	struct tl_event ev = { .kind = TL_EV_APP, .side = sd->side };
	ev.u.app = sd->cur.app;
	ev.u.app.called_ns = sd->cur.called_ns;
	append(s, &ev);
	sd->cur.active = false;
	sd->done++;
	start_next(s, sd);
}

/*
 * A blocked call whose condition now holds returns a moment later; a crowd
 * that closes each connection (serve, churn) has just made a close(), whose
 * FIN on loopback is taken in by the peer before the call returns, as for
 * any call that does not block: a snapshot after it sees the peer's TIME-WAIT.
 */
static void retry_blocked(struct sim *s)
{
	for (int i = 0; i < 2; i++) {
		struct sim_side *sd = &s->side[i];
		if (!sd->cur.active || sd->cur.return_ns || !try_call(s, sd))
			continue;
		bool closed = sd->cur.st->kind == TL_STEP_SERVE || sd->cur.st->kind == TL_STEP_CHURN;
		sd->cur.return_ns = s->now_ns + (closed ? TL_SIM_CALL_NS : TL_SIM_WAKE_NS);
	}
}

/* ---- the event loop ---- */

static uint64_t next_event_ns(const struct sim *s)
{
	uint64_t t = tl_tcp_next_deadline_ns(s->stack);
	if (s->n_link && s->link[0].arrive_ns < t)
		t = s->link[0].arrive_ns;
	for (int i = 0; i < 2; i++) {
		const struct sim_call *c = &s->side[i].cur;
		if (c->active && c->return_ns && c->return_ns < t)
			t = c->return_ns;
		if (c->active && !c->return_ns && c->wake_ns > s->now_ns && c->wake_ns < t)
			t = c->wake_ns; /* a paced crowd step's next connection */
	}
	if (s->census && s->next_census_ns < t)
		t = s->next_census_ns;
	return t;
}

static void deliver_due(struct sim *s)
{
	size_t n = 0;
	while (n < s->n_link && s->link[n].arrive_ns <= s->now_ns)
		n++;
	if (!n)
		return;
	/* Take them off the link first: delivering may put new segments on it. */
	struct in_flight *due = malloc(n * sizeof(*due));
	if (!due) {
		tl_textf(s->err, sizeof(s->err), "out of memory");
		return;
	}
	memcpy(due, s->link, n * sizeof(*due));
	memmove(s->link, s->link + n, (s->n_link - n) * sizeof(*due));
	s->n_link -= n;
	for (size_t i = 0; i < n; i++) {
		tl_tcp_input(s->stack, &due[i].seg, s->now_ns);
		free(due[i].payload);
	}
	free(due);
}

/* The sockets by side and state, as the lab's observer counts them from the socket table. */
static void take_census(struct sim *s)
{
	struct tl_event ev = { .kind = TL_EV_CENSUS };
	size_t n = tl_tcp_snapshot(s->stack, s->now_ns, NULL, 0);
	struct tl_sock_row *rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		tl_textf(s->err, sizeof(s->err), "out of memory");
		return;
	}
	n = tl_tcp_snapshot(s->stack, s->now_ns, rows, n);
	tl_census_add_rows(&ev.u.census, rows, n);
	free(rows);
	append(s, &ev);
	s->next_census_ns = s->now_ns + TL_CENSUS_EVERY_NS;
}

/* Everything due at t: timers, then arrivals, then returning calls; then retries of blocked calls. */
static void process(struct sim *s, uint64_t t)
{
	s->now_ns = t;
	tl_tcp_advance(s->stack, t);
	deliver_due(s);
	for (int i = 0; i < 2; i++) {
		struct sim_side *sd = &s->side[i];
		if (sd->cur.active && sd->cur.return_ns == t)
			finish_call(s, sd);
	}
	retry_blocked(s);
	if (s->census && t >= s->next_census_ns)
		take_census(s);
}

/* ---- the driver's backend ---- */

static uint64_t be_now(void *ctx)
{
	const struct sim *s = ctx;
	return s->now_ns;
}

static void be_start_call(void *ctx, const struct tl_step *st)
{
	struct sim *s = ctx;
	struct sim_side *sd = side_of(s, st->side);
	TL_ASSERT(sd->queued < TL_DRIVE_MAX_CALLS);
	sd->queue[sd->queued++] = st;
	start_next(s, sd);
}

static size_t be_calls_returned(void *ctx, enum tl_side side)
{
	return side_of(ctx, side)->done;
}

static bool wait_holds(const struct sim *s, const struct tl_drive_wait *w)
{
	return w->cond ? w->cond(w->arg) : s->now_ns >= w->deadline_ns;
}

/* Takes events in time order until w holds; without events left before the deadline, jumps to it. */
static enum tl_drive_result be_run_until(void *ctx, const struct tl_drive_wait *w)
{
	struct sim *s = ctx;
	retry_blocked(s);
	while (!wait_holds(s, w)) {
		if (s->opt->stop && *s->opt->stop)
			return TL_DRIVE_STOPPED;
		if (s->err[0] || tl_tcp_stack_error(s->stack)[0])
			return TL_DRIVE_BROKEN;
		uint64_t t = next_event_ns(s);
		if (t > w->deadline_ns) {
			s->now_ns = w->deadline_ns;
			return wait_holds(s, w) ? TL_DRIVE_OK : TL_DRIVE_TIMEOUT;
		}
		process(s, t);
	}
	return TL_DRIVE_OK;
}

static enum tl_state be_newest_state(void *ctx, enum tl_side side)
{
	const struct sim *s = ctx;
	return s->current[side];
}

/* The model's sockets are its own listing, always current: since_ns does not matter. */
static long be_count_listed(void *ctx, enum tl_side side, const enum tl_state *states, size_t n_states,
			    uint64_t since_ns)
{
	const struct sim *s = ctx;
	size_t n = 0;
	int *ids = socket_ids(s, &n);
	long count = 0;
	(void)since_ns;
	for (size_t i = 0; i < n; i++) {
		struct tl_tcp_info info;
		if (tl_tcp_info(s->stack, ids[i], &info) < 0 || info.state == TL_CLOSE || !info.tuple.dport)
			continue;
		if ((side == TL_SIDE_NONE || info.owner == side) &&
		    tl_drive_state_in(info.state, states, n_states))
			count++;
	}
	free(ids);
	return count;
}

static void be_snapshot(void *ctx, const char *label)
{
	struct sim *s = ctx;
	struct tl_event ev = { .kind = TL_EV_SNAPSHOT };
	size_t n = tl_tcp_snapshot(s->stack, s->now_ns, NULL, 0);
	tl_textf(ev.u.snapshot.label, sizeof(ev.u.snapshot.label), "%s", label);
	ev.u.snapshot.rows = calloc(n ? n : 1, sizeof(*ev.u.snapshot.rows));
	if (!ev.u.snapshot.rows) {
		tl_textf(s->err, sizeof(s->err), "out of memory");
		return;
	}
	ev.u.snapshot.n = tl_tcp_snapshot(s->stack, s->now_ns, ev.u.snapshot.rows, n);
	append(s, &ev);
}

/* The inject step's segment, on the link as if the side's host had sent it. */
static int be_inject(void *ctx, const struct tl_step *st, char *why, size_t len)
{
	struct sim *s = ctx;
	struct tl_inject_plan plan;
	char note[160];
	if (tl_inject_plan(&s->tl, st, &plan, why, len) < 0)
		return TL_RUN_REFUSED;
	tl_inject_note(st, &plan, note, sizeof(note));
	note_text(s, note);
	struct tl_tcp_seg g = { .tuple = plan.tuple, .seq = plan.seq, .ack = plan.ack, .flags = plan.flags,
				.window = plan.window };
	g.opt.ts_set = plan.ts_set;
	g.opt.ts_val = plan.ts_val;
	g.opt.ts_ecr = plan.ts_ecr;
	s->injecting = true;
	on_segment(s, &g, st->side);
	s->injecting = false;
	return 0;
}

static const char *be_broken(void *ctx);

/* The flood's SYNs, on the link as the lab's raw socket sends them, paced by virtual time. */
static int be_flood(void *ctx, const struct tl_step *st, char *why, size_t len)
{
	struct sim *s = ctx;
	struct tl_addr target;
	char note[200];
	if (!tl_addr_parse(s->sc->host, &target))
		return tl_errorf(why, len, "the scenario's host %s is not an address", s->sc->host);
	tl_flood_note(st, &target, s->sc->server_port, note, sizeof(note));
	note_text(s, note);
	/* Each raw send is a call: on loopback the SYN is taken in, and answered, before it returns. */
	uint64_t gap_ns = st->duration_ns > TL_SIM_CALL_NS ? st->duration_ns : TL_SIM_CALL_NS;
	for (size_t i = 0; i < st->count; i++) {
		if (i) {
			struct tl_drive_wait gap = { .deadline_ns = s->now_ns + gap_ns, .side = TL_SIDE_NONE,
						     .what = "the flood's next SYN" };
			enum tl_drive_result r = be_run_until(s, &gap);
			if (r == TL_DRIVE_STOPPED)
				return tl_errorf(why, len, "stopped after %zu of %zu SYNs", i, st->count);
			if (r != TL_DRIVE_OK)
				return tl_errorf(why, len, "%s", be_broken(s));
		}
		struct tl_flood_syn syn;
		tl_flood_syn(&target, s->sc->server_port, i, &syn);
		struct tl_tcp_seg g = { .tuple = syn.tuple, .seq = syn.seq, .flags = TL_TH_SYN, .window = syn.window };
		if (!tl_tcp_options_decode(syn.options, syn.options_len, &g.opt))
			return tl_errorf(why, len, "the flood's SYN options do not decode");
		s->injecting = true;
		on_segment(s, &g, TL_SIDE_CLIENT);
		s->injecting = false;
	}
	return 0;
}

static void be_note(void *ctx, const char *text)
{
	note_text(ctx, text);
}

static const char *be_broken(void *ctx)
{
	struct sim *s = ctx;
	tl_textf(s->broken, sizeof(s->broken), "model: %s", s->err[0] ? s->err : tl_tcp_stack_error(s->stack));
	return s->broken;
}

void tl_sim_unmodelled_text(const struct tl_step *st, char *out, size_t len)
{
	const struct tl_sockopt_info *o = tl_sockopt_info(st->opt);
	tl_textf(out, len, "setsockopt %s (%s) is not modelled by the simulator: the model runs as if it were not set",
		 o ? o->word : "?", o ? o->kernel_name : "?");
}

bool tl_sim_step_modelled(const struct tl_step *st)
{
	return st->kind != TL_STEP_SETSOCKOPT || tl_tcp_sockopt_modelled(st->opt);
}

/* ---- set-up ---- */

int tl_sim_config(const struct tl_scenario *sc, const struct tl_timer_profile *profile, uint64_t seed,
		  struct tl_tcp_config *out, char *err, size_t errlen)
{
	char why[256];
	tl_tcp_config_default(out);
	out->seed = seed;
	if (profile && tl_timer_profile_settings(profile, &out->timers, why, sizeof(why)) < 0)
		return tl_errorf(err, errlen, "timer profile %s: %s", profile->name, why);
	for (size_t i = 0; i < sc->n_sysctls; i++) {
		const struct tl_sysctl *y = &sc->sysctls[i];
		int rc = tl_tcp_config_sysctl(out, y->name, y->value, why, sizeof(why));
		if (rc < 0) {
			tl_textf(err, errlen, "line %d: %s", y->line, why);
			return rc == TL_TCP_SYSCTL_UNMODELLED ? -1 : TL_RUN_REFUSED;
		}
	}
	return 0;
}

static void side_init(struct sim_side *sd, enum tl_side side)
{
	memset(sd, 0, sizeof(*sd));
	sd->side = side;
	tl_side_sockets_init(&sd->sock);
}

static int sim_start(struct sim *s, struct tl_timer_settings *timers, char *err, size_t errlen)
{
	struct tl_tcp_config cfg;
	int rc = tl_sim_config(s->sc, s->opt->timers, s->opt->seed, &cfg, err, errlen);
	if (rc < 0)
		return rc;
	*timers = cfg.timers;
	if (!(s->stack = tl_tcp_stack_new(&cfg, on_note, s)))
		return tl_errorf(err, errlen, "cannot start the model (out of memory or invalid timer settings)");
	side_init(&s->side[0], TL_SIDE_CLIENT);
	side_init(&s->side[1], TL_SIDE_SERVER);
	s->next_fd = FIRST_FD;
	return 0;
}

static void sim_free(struct sim *s)
{
	for (int i = 0; i < 2; i++)
		tl_side_sockets_crowd_clear(&s->side[i].sock);
	for (size_t i = 0; i < s->n_link; i++)
		free(s->link[i].payload);
	free(s->link);
	tl_tcp_stack_free(s->stack);
	tl_timeline_free(&s->tl);
	free(s->fd_of);
	free(s);
}

/* After the last step: the model's counters, which start at 0 with the stack. */
static void record_counters(struct sim *s)
{
	struct tl_event ev = { .t_ns = s->now_ns, .kind = TL_EV_COUNTERS };
	size_t n = tl_tcp_counters(s->stack, NULL, 0);
	ev.u.counters.v = calloc(n, sizeof(*ev.u.counters.v));
	if (!ev.u.counters.v) {
		tl_textf(s->err, sizeof(s->err), "out of memory");
		return;
	}
	ev.u.counters.n = tl_tcp_counters(s->stack, ev.u.counters.v, n);
	ev.u.counters.model = true;
	append(s, &ev);
}

int tl_sim_run(const struct tl_scenario *sc, const struct tl_sim_options *o, struct tl_timeline *tl,
	       struct tl_timer_settings *timers, char *err, size_t errlen)
{
	struct sim *s = calloc(1, sizeof(*s));
	tl_timeline_init(tl, 0);
	tl_timer_settings_default(timers);
	if (!s)
		return tl_errorf(err, errlen, "out of memory");
	s->sc = sc;
	s->opt = o;
	s->census = tl_scenario_has_many(sc);
	tl_timeline_init(&s->tl, 0);
	const struct tl_drive_backend backend = {
		.ctx = s, .now = be_now, .start_call = be_start_call, .calls_returned = be_calls_returned,
		.run_until = be_run_until, .newest_state = be_newest_state, .count_listed = be_count_listed,
		.snapshot = be_snapshot, .fault_add = be_fault_add, .faults_clear = be_faults_clear,
		.note = be_note, .broken = be_broken, .inject = be_inject, .flood = be_flood,
	};
	const struct tl_drive_options drive = { o->faults, o->n_faults, o->wait_time_wait };
	int rc = sim_start(s, timers, err, errlen);
	if (rc == 0)
		rc = tl_drive(sc, &backend, &drive, err, errlen);
	if (rc == 0)
		record_counters(s);
	tl_timeline_sort(&s->tl);
	*tl = s->tl;
	tl_timeline_init(&s->tl, 0);
	sim_free(s);
	return rc;
}
