/*
 * event: the timeline container and the small vocabularies every stage
 * shares (sides, roles, tcpdump flag letters, application calls as text).
 */
#include "core/event.h"
#include "core/errnames.h"
#include "core/hindex.h"
#include "core/invariant.h"
#include "core/textbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void tl_timeline_init(struct tl_timeline *tl, uint64_t t0_ns)
{
	memset(tl, 0, sizeof(*tl));
	tl->t0_ns = t0_ns;
}

void tl_event_release(struct tl_event *ev)
{
	switch (ev->kind) {
	case TL_EV_PACKET:
		free(ev->u.packet.bytes);
		free(ev->u.packet.text);
		ev->u.packet.bytes = NULL;
		ev->u.packet.text = NULL;
		break;
	case TL_EV_SNAPSHOT:
		free(ev->u.snapshot.rows);
		ev->u.snapshot.rows = NULL;
		ev->u.snapshot.n = 0;
		break;
	case TL_EV_COUNTERS:
		free(ev->u.counters.v);
		ev->u.counters.v = NULL;
		ev->u.counters.n = 0;
		break;
	case TL_EV_STATE:
	case TL_EV_APP:
	case TL_EV_RETRANS:
	case TL_EV_RESET:
	case TL_EV_DROP:
	case TL_EV_NOTE:
	case TL_EV_CENSUS:
		break;
	}
}

void tl_census_add_rows(struct tl_census *c, const struct tl_sock_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum tl_state st = rows[i].state == TL_NEW_SYN_RECV ? TL_SYN_RECV : rows[i].state;
		unsigned side = (unsigned)rows[i].side;
		if (side < 3 && (unsigned)st < TL_STATE_COUNT)
			c->count[side][st]++;
	}
}

static const enum tl_side census_sides[] = { TL_SIDE_CLIENT, TL_SIDE_SERVER, TL_SIDE_NONE };

void tl_census_format(const struct tl_census *c, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t k = 0; k < 3; k++)
		for (int st = 0; st < TL_STATE_COUNT; st++) {
			uint32_t n = c->count[census_sides[k]][st];
			if (n && used < len)
				used += (size_t)snprintf(out + used, len - used, "%s%s %s %u", used ? ", " : "",
							 tl_side_name(census_sides[k]), tl_state_name((enum tl_state)st), n);
		}
	if (!out[0])
		tl_textf(out, len, "no sockets");
}

bool tl_conn_is_many(const char *conn)
{
	return !strcmp(conn, TL_CONN_FLOOD) || !strcmp(conn, TL_CONN_CROWD);
}

const struct tl_tuple *tl_event_tuple(const struct tl_event *ev)
{
	switch (ev->kind) {
	case TL_EV_PACKET: return &ev->u.packet.tuple;
	case TL_EV_STATE: return &ev->u.state.tuple;
	case TL_EV_RETRANS: return &ev->u.retrans.tuple;
	case TL_EV_RESET: return &ev->u.reset.tuple;
	case TL_EV_DROP: return &ev->u.drop.tuple;
	case TL_EV_APP:
	case TL_EV_SNAPSHOT:
	case TL_EV_NOTE:
	case TL_EV_COUNTERS:
	case TL_EV_CENSUS:
		break;
	}
	return NULL;
}

int tl_timeline_append(struct tl_timeline *tl, const struct tl_event *ev)
{
	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 64;
		struct tl_event *grown = realloc(tl->ev, cap * sizeof(*grown));
		if (!grown) {
			struct tl_event copy = *ev;
			tl_event_release(&copy);
			errno = ENOMEM;
			return -1;
		}
		tl->ev = grown;
		tl->cap = cap;
	}
	/* A wrapped key would tie with the first event's and make the sort's order depend on qsort. */
	TL_ASSERT(tl->next_order != UINT32_MAX);
	tl->ev[tl->n] = *ev;
	tl->ev[tl->n].order = tl->next_order++;
	tl->n++;
	return 0;
}

int tl_timeline_merge(struct tl_timeline *dst, struct tl_timeline *src)
{
	TL_ASSERT(dst != src);
	int rc = 0;
	for (size_t i = 0; i < src->n; i++) {
		if (tl_timeline_append(dst, &src->ev[i]) < 0)
			rc = -1;
	}
	free(src->ev);
	src->ev = NULL;
	src->n = src->cap = 0;
	return rc;
}

static int by_time_then_order(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;
	TL_ASSERT(x == y || x->order != y->order);
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return 0;
}

void tl_timeline_sort(struct tl_timeline *tl)
{
	/* qsort is not stable, but (t_ns, order) is a total order: order is unique. */
	if (tl->n > 1)
		qsort(tl->ev, tl->n, sizeof(tl->ev[0]), by_time_then_order);
}

void tl_timeline_free(struct tl_timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		tl_event_release(&tl->ev[i]);
	free(tl->ev);
	memset(tl, 0, sizeof(*tl));
}

void tl_flags_letters(uint8_t flags, char out[12])
{
	/* tcpdump's order (FIN SYN RST PSH ACK URG ECE CWR), so "S.", "FP.", "SEW". */
	static const struct {
		uint8_t bit;
		char letter;
	} order[] = {
		{ TL_TH_FIN, 'F' }, { TL_TH_SYN, 'S' }, { TL_TH_RST, 'R' }, { TL_TH_PSH, 'P' },
		{ TL_TH_ACK, '.' }, { TL_TH_URG, 'U' }, { TL_TH_ECE, 'E' }, { TL_TH_CWR, 'W' },
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (flags & order[i].bit)
			out[n++] = order[i].letter;
	if (n == 0) {
		strcpy(out, "none");
		return;
	}
	out[n] = '\0';
}

bool tl_flags_parse(const char *letters, uint8_t *flags)
{
	uint8_t f = 0;
	if (!strcmp(letters, "none")) {
		*flags = 0;
		return true;
	}
	if (!*letters)
		return false;
	for (const char *c = letters; *c; c++) {
		switch (*c) {
		case 'S': f |= TL_TH_SYN; break;
		case 'F': f |= TL_TH_FIN; break;
		case 'P': f |= TL_TH_PSH; break;
		case 'R': f |= TL_TH_RST; break;
		case 'W': f |= TL_TH_CWR; break;
		case 'E': f |= TL_TH_ECE; break;
		case 'U': f |= TL_TH_URG; break;
		case '.': f |= TL_TH_ACK; break;
		default: return false;
		}
	}
	*flags = f;
	return true;
}

bool tl_tuple_equal(const struct tl_tuple *a, const struct tl_tuple *b)
{
	return tl_addr_equal(&a->saddr, &b->saddr) && tl_addr_equal(&a->daddr, &b->daddr) &&
	       a->sport == b->sport && a->dport == b->dport;
}

static uint64_t endpoint_hash(const struct tl_addr *a, uint16_t port)
{
	return tl_hash_bytes(port, a->b, sizeof(a->b));
}

uint64_t tl_tuple_hash(const struct tl_tuple *t)
{
	return tl_hash_mix(endpoint_hash(&t->saddr, t->sport) * 31 + endpoint_hash(&t->daddr, t->dport));
}

/* A sum does not care which end comes first. */
uint64_t tl_tuple_pair_hash(const struct tl_tuple *t)
{
	return tl_hash_mix(endpoint_hash(&t->saddr, t->sport) + endpoint_hash(&t->daddr, t->dport));
}

bool tl_tuple_is_reverse(const struct tl_tuple *a, const struct tl_tuple *b)
{
	struct tl_tuple back = tl_tuple_reverse(b);
	return tl_tuple_equal(a, &back);
}

struct tl_tuple tl_tuple_reverse(const struct tl_tuple *t)
{
	return (struct tl_tuple){ .saddr = t->daddr, .daddr = t->saddr, .sport = t->dport, .dport = t->sport };
}

int tl_tuple_family(const struct tl_tuple *t)
{
	return tl_addr_family(&t->saddr);
}

const char *tl_side_name(enum tl_side side)
{
	switch (side) {
	case TL_SIDE_NONE: return "lab";
	case TL_SIDE_CLIENT: return "client";
	case TL_SIDE_SERVER: return "server";
	}
	return "?";
}

static const struct {
	const char *name, *words;
} roles[TL_ROLE_COUNT] = {
	[TL_ROLE_NONE] = { "none", "" },
	[TL_ROLE_HANDSHAKE_1] = { "handshake-1/3", "handshake 1/3" },
	[TL_ROLE_HANDSHAKE_2] = { "handshake-2/3", "handshake 2/3" },
	[TL_ROLE_HANDSHAKE_3] = { "handshake-3/3", "handshake 3/3" },
	[TL_ROLE_DATA] = { "data", "data" },
	[TL_ROLE_ACK] = { "ack", "ack" },
	[TL_ROLE_TEARDOWN_1] = { "teardown-1", "teardown 1" },
	[TL_ROLE_TEARDOWN_2] = { "teardown-2", "teardown 2" },
	[TL_ROLE_TEARDOWN_23] = { "teardown-2+3", "teardown 2+3" },
	[TL_ROLE_TEARDOWN_3] = { "teardown-3", "teardown 3" },
	[TL_ROLE_TEARDOWN_4] = { "teardown-4", "teardown 4" },
	[TL_ROLE_RESET] = { "reset", "reset" },
	[TL_ROLE_HANDSHAKE_3_AGAIN] = { "handshake-3/3-again", "handshake 3/3 again" },
	[TL_ROLE_DUP_ACK] = { "dup-ack", "dup ACK" },
	[TL_ROLE_DSACK] = { "d-sack", "D-SACK" },
	[TL_ROLE_ZERO_WINDOW] = { "zero-window", "zero window" },
	[TL_ROLE_WINDOW_UPDATE] = { "window-update", "window update" },
	[TL_ROLE_WINDOW_PROBE] = { "window-probe", "window probe" },
	[TL_ROLE_KEEPALIVE_PROBE] = { "keepalive-probe", "keepalive probe" },
	[TL_ROLE_STRAY_SYN] = { "stray-syn", "stray SYN" },
	[TL_ROLE_CHALLENGE_ACK] = { "challenge-ack", "challenge ACK" },
};

const char *tl_role_name(enum tl_role role)
{
	return (role >= 0 && role < TL_ROLE_COUNT) ? roles[role].name : "?";
}

const char *tl_role_words(enum tl_role role)
{
	return (role >= 0 && role < TL_ROLE_COUNT) ? roles[role].words : "?";
}

bool tl_role_parse(const char *name, enum tl_role *out)
{
	for (int r = 0; r < TL_ROLE_COUNT; r++) {
		if (!strcasecmp(name, roles[r].name)) {
			*out = (enum tl_role)r;
			return true;
		}
	}
	return false;
}

void tl_app_call_format(const struct tl_app_call *call, char *out, size_t len)
{
	if (call->ret < 0)
		snprintf(out, len, "%s = -1 %s (%s)", call->call, tl_errno_name(call->err),
			 strerror(call->err));
	else if (call->detail[0])
		snprintf(out, len, "%s = %ld, %s", call->call, call->ret, call->detail);
	else
		snprintf(out, len, "%s = %ld", call->call, call->ret);
}

const struct tl_counter *tl_counter_find(const struct tl_counters *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name))
			return &c->v[i];
	return NULL;
}

const struct tl_counters *tl_timeline_counters(const struct tl_timeline *tl)
{
	for (size_t i = tl->n; i-- > 0;)
		if (tl->ev[i].kind == TL_EV_COUNTERS)
			return &tl->ev[i].u.counters;
	return NULL;
}

void tl_side_conn_name(enum tl_side side, const char *conn, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", tl_side_name(side), conn[0] ? ":" : "", conn);
}
