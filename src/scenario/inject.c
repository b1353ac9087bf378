/*
 * inject: a segment that follows a connection's newest one.
 */
#include "scenario/inject.h"

#include <string.h>

#include "core/textbuf.h"
#include "core/wire.h"

/* The connection's ports from its newest connect or accept; false when it has made none. */
static bool connection_ports(const struct tl_timeline *tl, const struct tl_step *st, uint16_t *local, uint16_t *peer)
{
	const struct tl_event *best = NULL;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		const struct tl_app_call *c = &ev->u.app;
		if (ev->kind != TL_EV_APP || ev->side != st->side || strcmp(c->conn, st->conn) ||
		    !c->local_port || !c->peer_port || (strcmp(c->verb, "connect") && strcmp(c->verb, "accept")))
			continue;
		if (!best || ev->t_ns >= best->t_ns)
			best = ev;
	}
	if (!best)
		return false;
	*local = best->u.app.local_port;
	*peer = best->u.app.peer_port;
	return true;
}

static const struct tl_packet *newest_sent(const struct tl_timeline *tl, uint16_t local, uint16_t peer)
{
	const struct tl_event *best = NULL;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || ev->u.packet.injected || ev->u.packet.tuple.sport != local ||
		    ev->u.packet.tuple.dport != peer)
			continue;
		if (!best || ev->t_ns >= best->t_ns)
			best = ev;
	}
	return best ? &best->u.packet : NULL;
}

int tl_inject_plan(const struct tl_timeline *tl, const struct tl_step *st, struct tl_inject_plan *out, char *why,
		   size_t len)
{
	char name[TL_SIDE_CONN_STRLEN];
	uint16_t local, peer;
	tl_side_conn_name(st->side, st->conn, name, sizeof(name));
	memset(out, 0, sizeof(*out));
	if (!connection_ports(tl, st, &local, &peer))
		return tl_errorf(why, len, "%s has no connection yet: inject follows its connect or accept", name);
	const struct tl_packet *last = newest_sent(tl, local, peer);
	if (!last)
		return tl_errorf(why, len, "%s has sent no segment yet to follow", name);
	uint32_t next = last->seq + last->payload_len + !!(last->flags & TL_TH_SYN) + !!(last->flags & TL_TH_FIN);
	out->tuple = last->tuple;
	out->seq = next + (uint32_t)st->inject_seq_offset;
	out->ack = (last->flags & TL_TH_ACK ? last->ack : 0) + (uint32_t)st->inject_ack_offset;
	out->flags = st->inject_flags;
	out->window = last->window;
	for (size_t k = 0; k < last->options.n; k++)
		if (last->options.kind[k] == TL_TCPOPT_TIMESTAMP) {
			out->ts_set = true;
			out->ts_val = last->options.ts_val;
			out->ts_ecr = last->options.ts_ecr;
		}
	return 0;
}

bool tl_inject_matches(const struct tl_inject_plan *plan, const struct tl_packet *p)
{
	return tl_tuple_equal(&plan->tuple, &p->tuple) && plan->seq == p->seq && plan->ack == p->ack &&
	       plan->flags == p->flags;
}

void tl_inject_note(const struct tl_step *st, const struct tl_inject_plan *plan, char *out, size_t len)
{
	char name[TL_SIDE_CONN_STRLEN], letters[12];
	tl_side_conn_name(st->side, st->conn, name, sizeof(name));
	tl_flags_letters(plan->flags, letters);
	tl_textf(out, len, "line %d: tcplab injects [%s] seq %u ack %u as %s's connection would send it; no socket does",
		 st->line, letters, plan->seq, plan->ack, name);
}
