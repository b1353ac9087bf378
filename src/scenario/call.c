/*
 * call: the written form of a side's socket call.
 */
#include "scenario/call.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/invariant.h"
#include "core/textbuf.h"

/* Received bytes shown as text: enough for the walkthrough's greeting. */
#define SHOWN_BYTES 40

void tl_side_sockets_init(struct tl_side_sockets *s)
{
	s->listener = -1;
	for (size_t i = 0; i < TL_MAX_CONNS; i++)
		s->conn[i] = s->pending[i] = -1;
	s->crowd = NULL;
	s->n_crowd = s->cap_crowd = 0;
}

int tl_side_sockets_crowd_add(struct tl_side_sockets *s, int id)
{
	if (s->n_crowd == s->cap_crowd) {
		size_t cap = s->cap_crowd ? 2 * s->cap_crowd : 64;
		int *grown = realloc(s->crowd, cap * sizeof(*grown));
		if (!grown) {
			errno = ENOMEM;
			return -1;
		}
		s->crowd = grown;
		s->cap_crowd = cap;
	}
	s->crowd[s->n_crowd++] = id;
	return 0;
}

void tl_side_sockets_crowd_clear(struct tl_side_sockets *s)
{
	free(s->crowd);
	s->crowd = NULL;
	s->n_crowd = s->cap_crowd = 0;
}

bool tl_step_is_crowd(const struct tl_step *st)
{
	return st->kind == TL_STEP_OPEN || st->kind == TL_STEP_CHURN || st->kind == TL_STEP_SERVE ||
	       (st->kind == TL_STEP_ACCEPT && st->count) || (st->kind == TL_STEP_CLOSE && st->all);
}

void tl_call_crowd_result(const struct tl_step *st, size_t done, int err, struct tl_app_call *call)
{
	if (!err) {
		call->ret = (long)done;
		tl_textf(call->detail, sizeof(call->detail), "%zu connection%s", done, done == 1 ? "" : "s");
		return;
	}
	tl_call_failed(call, err);
	tl_textf(call->detail, sizeof(call->detail), "stopped after %zu of %zu", done, st->count);
}

int *tl_side_sockets_conn(struct tl_side_sockets *s, const struct tl_step *st)
{
	TL_ASSERT(st->conn_slot < TL_MAX_CONNS);
	return &s->conn[st->conn_slot];
}

int *tl_side_sockets_pending(struct tl_side_sockets *s, const struct tl_step *st)
{
	TL_ASSERT(st->conn_slot < TL_MAX_CONNS);
	return &s->pending[st->conn_slot];
}

int tl_side_sockets_take_pending(struct tl_side_sockets *s, const struct tl_step *st)
{
	int *pending = tl_side_sockets_pending(s, st);
	int taken = *pending;
	*pending = -1;
	return taken;
}

int *tl_side_sockets_closing(struct tl_side_sockets *s, const struct tl_step *st)
{
	if (st->on_listener)
		return &s->listener;
	int *conn = tl_side_sockets_conn(s, st);
	return *conn >= 0 || st->conn_slot ? conn : &s->listener;
}

int tl_call_backlog(const struct tl_step *st)
{
	return st->backlog_set ? st->backlog : TL_LISTEN_BACKLOG;
}

int *tl_side_sockets_option_target(struct tl_side_sockets *s, const struct tl_step *st)
{
	int *conn = tl_side_sockets_conn(s, st);
	if (*conn >= 0)
		return conn;
	if (!st->conn_slot && s->listener >= 0)
		return &s->listener;
	return tl_side_sockets_pending(s, st);
}

const char *tl_call_host(const struct tl_step *st, const char *scenario_host)
{
	return st->host[0] ? st->host : scenario_host;
}

uint16_t tl_call_port(const struct tl_step *st, uint16_t scenario_port)
{
	return st->port ? st->port : scenario_port;
}

const char *tl_shutdown_name(int how)
{
	switch (how) {
	case SHUT_RD: return "SHUT_RD";
	case SHUT_WR: return "SHUT_WR";
	case SHUT_RDWR: return "SHUT_RDWR";
	}
	return "?";
}

void tl_call_begin(const struct tl_step *st, const char *host, uint16_t port, struct tl_app_call *call)
{
	const char *verb = tl_step_verb(st->kind);
	char ep[TL_ENDPOINT_STRLEN];
	memset(call, 0, sizeof(*call));
	tl_textf(call->verb, sizeof(call->verb), "%s", verb ? verb : "?");
	memcpy(call->conn, st->conn, sizeof(call->conn));
	call->step_line = st->line;
	call->crowd = tl_step_is_crowd(st);
	switch (st->kind) {
	case TL_STEP_LISTEN:
		tl_host_port_format(host, port, ep, sizeof(ep));
		if (st->backlog_set)
			tl_textf(call->call, sizeof(call->call), "listen(%s, backlog %d)", ep, st->backlog);
		else
			tl_textf(call->call, sizeof(call->call), "listen(%s)", ep);
		return;
	case TL_STEP_BIND:
		tl_host_port_format(host, port, ep, sizeof(ep));
		tl_textf(call->call, sizeof(call->call), "bind(%s)", ep);
		return;
	case TL_STEP_CONNECT:
		tl_host_port_format(host, port, ep, sizeof(ep));
		tl_textf(call->call, sizeof(call->call), "connect(%s)%s", ep, st->nonblock ? " non-blocking" : "");
		return;
	case TL_STEP_POLL_CONNECT:
		tl_textf(call->call, sizeof(call->call), "poll(POLLOUT), getsockopt(SO_ERROR)");
		return;
	case TL_STEP_ACCEPT:
		if (st->count)
			tl_textf(call->call, sizeof(call->call), "accept() x %zu", st->count);
		else
			tl_textf(call->call, sizeof(call->call), "accept()");
		return;
	case TL_STEP_OPEN:
		tl_host_port_format(host, port, ep, sizeof(ep));
		tl_textf(call->call, sizeof(call->call), "connect(%s) x %zu", ep, st->count);
		return;
	case TL_STEP_CHURN:
		tl_host_port_format(host, port, ep, sizeof(ep));
		tl_textf(call->call, sizeof(call->call), "connect(%s), close() x %zu", ep, st->count);
		return;
	case TL_STEP_SERVE:
		tl_textf(call->call, sizeof(call->call), "accept(), recv() to the end, close() x %zu", st->count);
		return;
	case TL_STEP_SEND:
		tl_textf(call->call, sizeof(call->call), "send(%zu bytes)", st->data_len);
		return;
	case TL_STEP_RECV:
		tl_textf(call->call, sizeof(call->call), "recv()");
		return;
	case TL_STEP_SHUTDOWN:
		tl_textf(call->call, sizeof(call->call), "shutdown(%s)", tl_shutdown_name(st->shutdown_how));
		return;
	case TL_STEP_CLOSE:
		tl_textf(call->call, sizeof(call->call),
			 st->on_listener ? "close(listener)" : st->all ? "close() of every crowd connection" : "close()");
		return;
	case TL_STEP_ABORT:
		tl_textf(call->call, sizeof(call->call), "close() with SO_LINGER 0");
		return;
	case TL_STEP_SETSOCKOPT:
		tl_sockopt_call_text(st->opt, st->opt_value, call->call, sizeof(call->call));
		return;
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
	tl_textf(call->call, sizeof(call->call), "(not a socket call)");
}

int tl_call_failed(struct tl_app_call *call, int err)
{
	TL_ASSERT(err > 0);
	call->ret = -1;
	call->err = err;
	return -1;
}

void tl_call_received(const char *buf, long n, struct tl_app_call *call)
{
	TL_ASSERT(n >= 0);
	call->ret = n;
	memcpy(call->data, buf, n > TL_APP_DATA_BYTES ? TL_APP_DATA_BYTES : (size_t)n);
	if (n == 0) {
		/* A FIN, or a reset recv() already reported: the call cannot tell which. */
		tl_textf(call->detail, sizeof(call->detail), "end of file: no more data will come");
		return;
	}
	size_t shown = n > SHOWN_BYTES ? SHOWN_BYTES : (size_t)n;
	char text[SHOWN_BYTES + 1];
	for (size_t i = 0; i < shown; i++)
		text[i] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? buf[i] : '.';
	text[shown] = '\0';
	tl_textf(call->detail, sizeof(call->detail), "\"%s\"%s", text, n > SHOWN_BYTES ? "..." : "");
}

void tl_call_connected_from(const struct tl_addr *addr, uint16_t port, struct tl_app_call *call)
{
	char ep[TL_ENDPOINT_STRLEN];
	tl_endpoint_format(addr, port, ep, sizeof(ep));
	tl_textf(call->detail, sizeof(call->detail), "from %s", ep);
	call->local_port = port;
}

void tl_call_accepted(const struct tl_addr *peer, uint16_t peer_port, uint16_t local_port, struct tl_app_call *call)
{
	tl_endpoint_format(peer, peer_port, call->detail, sizeof(call->detail));
	call->peer_port = peer_port;
	call->local_port = local_port;
}
