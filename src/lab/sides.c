/*
 * sides: sockets to sides, from the sides' own calls.
 */
#include "lab/sides.h"

#include <string.h>

#include "core/invariant.h"

void tl_sides_init(struct tl_sides *s)
{
	memset(s, 0, sizeof(*s));
}

static bool has_port(const uint16_t *ports, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static void add_port(uint16_t *ports, size_t *n, uint16_t port)
{
	if (!port || has_port(ports, *n, port))
		return;
	TL_ASSERT(*n < TL_SIDES_MAX_PORTS);
	if (*n < TL_SIDES_MAX_PORTS)
		ports[(*n)++] = port;
}

void tl_sides_bound(struct tl_sides *s, enum tl_side side, uint16_t port)
{
	TL_ASSERT(side == TL_SIDE_CLIENT || side == TL_SIDE_SERVER);
	add_port(s->of[side].bound, &s->of[side].n_bound, port);
}

void tl_sides_target(struct tl_sides *s, enum tl_side side, uint16_t port)
{
	TL_ASSERT(side == TL_SIDE_CLIENT || side == TL_SIDE_SERVER);
	add_port(s->of[side].target, &s->of[side].n_target, port);
}

static enum tl_side other(enum tl_side side)
{
	return side == TL_SIDE_CLIENT ? TL_SIDE_SERVER : side == TL_SIDE_SERVER ? TL_SIDE_CLIENT : TL_SIDE_NONE;
}

enum tl_side tl_sides_of_socket(const struct tl_sides *s, const struct tl_tuple *local)
{
	static const enum tl_side sides[] = { TL_SIDE_SERVER, TL_SIDE_CLIENT };
	/* Its own port first: a child socket's peer may be a port its side also connects to. */
	for (size_t i = 0; i < 2; i++)
		if (has_port(s->of[sides[i]].bound, s->of[sides[i]].n_bound, local->sport))
			return sides[i];
	for (size_t i = 0; local->dport && i < 2; i++)
		if (has_port(s->of[sides[i]].target, s->of[sides[i]].n_target, local->dport))
			return sides[i];
	return TL_SIDE_NONE;
}

enum tl_side tl_sides_of_sender(const struct tl_sides *s, const struct tl_tuple *sent)
{
	enum tl_side side = tl_sides_of_socket(s, sent);
	if (side != TL_SIDE_NONE)
		return side;
	struct tl_tuple receiver = { .saddr = sent->daddr, .daddr = sent->saddr, .sport = sent->dport,
				     .dport = sent->sport };
	return other(tl_sides_of_socket(s, &receiver));
}


void tl_sides_tag(const struct tl_sides *s, struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		struct tl_event *ev = &tl->ev[i];
		const struct tl_tuple *t = tl_event_tuple(ev);
		if (t && ev->side == TL_SIDE_NONE)
			ev->side = tl_sides_of_sender(s, t);
		else if (ev->kind == TL_EV_SNAPSHOT)
			tl_sides_tag_rows(s, ev->u.snapshot.rows, ev->u.snapshot.n);
	}
}

void tl_sides_tag_rows(const struct tl_sides *s, struct tl_sock_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rows[i].side = tl_sides_of_socket(s, &rows[i].tuple);
}
