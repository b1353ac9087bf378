/*
 * tcp_model_fuzz: a libFuzzer harness for the TCP model (src/model/tcp_model.h).
 * Each input is a small program: a header of host settings (seed, SACK,
 * timestamps, window scaling, timer sysctls) for two stacks, 127.0.0.1 and
 * 127.0.0.2, then a sequence of actions: application calls on either stack,
 * crafted segments (any flags; sequence and acknowledgment numbers at, near or
 * far from the target socket's own; windows; options, structured or raw
 * bytes; payloads), operations on the wire between the stacks (deliver, drop,
 * duplicate, reorder) and the passing of virtual time. After every action it
 * asserts, through the public API only, what must hold whatever the input:
 * state changes follow the RFC 9293 diagram plus the Linux transitions the
 * model documents, snd_una <= snd_nxt, every armed timer lies in the future,
 * the application keeps exactly the sockets it holds, segments sent are well
 * formed and carry the bytes the application wrote (every byte's value is a
 * function of its sequence number, so misplaced data shows), notes come in
 * time order, and at the end, once everything is closed and two hours have
 * passed, both socket tables are empty. AddressSanitizer, UBSan and
 * LeakSanitizer catch the rest. A violation prints the step and aborts, so
 * libFuzzer keeps the input; TCPLAB_FUZZ_TRACE=1 replays one with every
 * action and note printed. Known limits of the model are tolerated and
 * counted (see "tolerances" below) unless TCPLAB_FUZZ_STRICT=1.
 * TCPLAB_FUZZ_WRITE_SEEDS=DIR writes the seed corpus (the walkthrough's cases
 * and one reproducer per finding, as action programs), runs each, and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "model/tcp_model.h"
#include "core/tcp_state.h"
#include "model/timer_model.h"

#define N_HOSTS 2
#define FUZZ_MAX_SOCKS 64	  /* a host's socket table is capped (cfg.max_socks) to keep inputs small */
#define MAX_STEPS 400		  /* actions of one input */
#define MAX_WIRE 512		  /* segments in flight; more are lost */
#define WIRE_NS 10000ull	  /* loopback delay, as the simulator's */
#define STORM_DELIVERIES 10000	  /* back-to-back deliveries without a timer: a segment loop */
#define MAX_RUN_EVENTS 200000	  /* events of one time advance: a runaway */
#define FINAL_DRAIN_NS (7200ull * 1000000000ull) /* after closing everything */
#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

/* ---- the input ---- */

enum op {
	OP_SOCKET,
	OP_LISTEN,
	OP_CONNECT,
	OP_ACCEPT,
	OP_SEND,
	OP_RECV,
	OP_SHUTDOWN,
	OP_CLOSE,
	OP_ABORT,
	OP_SETSOCKOPT,
	OP_SEGMENT,
	OP_DELIVER,
	OP_DROP,
	OP_DUPLICATE,
	OP_SWAP,
	OP_ADVANCE,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"socket", "listen", "connect", "accept", "send", "recv", "shutdown", "close",
	"abort", "setsockopt", "segment", "deliver", "drop", "duplicate", "swap", "advance",
};

/*
 * An input: 8 header bytes (host options, A in the low nibble and B in the high one: SACK
 * off, timestamps off, window scaling off, the kernel's retry counts; four sysctl picks;
 * a seed byte per host; one spare), then actions, each an opcode byte (modulo OP_COUNT)
 * and the operand bytes its act_* function takes. Bytes past the end read as 0.
 */

/* ---- the state of one run ---- */

struct wire_seg {
	struct tl_tcp_seg seg;
	uint8_t *payload; /* owned copy */
	uint64_t arrive_ns;
};

struct app_sock {
	bool held;	      /* the application holds this id, by our own count */
	uint64_t cookie;      /* of the socket it holds */
	uint64_t sent, read;  /* bytes handed to send() and read since connect or accept */
	bool accepted;	      /* it came from accept(): Linux keeps it SS_CONNECTED for good */
	size_t unread;	      /* received bytes waiting for recv() at the last check */
};

struct fuzz;

struct host {
	struct fuzz *f;
	int index;
	uint32_t addr_be;
	struct tl_tcp_config cfg;
	struct tl_tcp_stack *st;
	struct app_sock app[FUZZ_MAX_SOCKS];
	enum tl_state *cookie_state; /* last state noted per cookie; TL_STATE_NONE: no note yet */
	size_t cookie_cap;
	uint64_t last_note_ns;
	int expect; /* 0, or the note kind announced by RETRANS / RESET_SENT for the next segment */
};

struct fuzz {
	const uint8_t *in;
	size_t len, pos;
	struct host h[N_HOSTS];
	uint64_t now_ns;  /* time of the action being run; every call gets it */
	struct wire_seg wire[MAX_WIRE];
	size_t n_wire;
	size_t step;
	const char *action;
	bool trace;
	bool stop_input; /* a tolerated limit makes the rest of the input meaningless: it ends */
};

static bool trace_on;

/*
 * Tolerances: known limits of the model that the harness lets pass unless TCPLAB_FUZZ_STRICT=1, each a
 * finding reported to the model's owners; remove a tolerance once the model handles it.
 * At exit the harness prints how often each was met.
 *
 * ACK_WAR: duplicate and challenge ACKs are not rate-limited. Two endpoints whose sequence
 * numbers disagree (after an injected segment) answer each other's out-of-window ACK at
 * once, forever; Linux sends at most one per tcp_invalid_ratelimit (tcp_oow_rate_limited).
 * Tolerated by clearing the wire.
 *
 * SCHEDULE_LIMIT: TCP_USER_TIMEOUT above about 8.5 hours (Linux takes up to INT_MAX ms)
 * makes a retransmission schedule longer than the timer model's 256 steps; the prediction
 * fails, the stack reports it through tl_tcp_stack_error and the socket is left without a
 * retransmission timer. The model declared itself unable to go on, so the input ends there.
 *
 * TIME_WAIT_DISCARDS_UNREAD: a socket the application holds becomes the time-wait socket
 * when its connection enters TIME-WAIT (docs/model.md), and that frees its receive buffer:
 * bytes received but not read yet are lost and recv() says end of file at once. Linux
 * keeps the closed full socket, whose data stays readable.
 *
 * CLOSED_MINI_KEPT: close() or abort() of a time-wait socket whose TIME-WAIT already ended
 * returns without reap(), so the socket stays in the table (listed, holding a slot) until
 * some other input arrives or timer fires; tl_tcp_advance() reaps only after a firing, so
 * on an idle stack it stays for good.
 *
 * RECEIVE_CREEP: no receive memory limit. The window never shrinks, so each ACK re-offers
 * at least one window unit (1024 bytes at wscale 10) beyond what the buffer holds; a socket
 * connected to itself (connect() to its own ephemeral port, no listener needed) that sends
 * more than it reads feeds itself forever at wire speed, its buffer growing without end.
 * Linux drops what exceeds sk_rcvbuf (tcp_try_rmem_schedule). The input ends there.
 *
 * RECONNECT_ACCEPTED: connect() on an accepted socket whose connection ended starts a new
 * connection, keeping the old one's unread bytes; Linux keeps an accepted socket
 * SS_CONNECTED, so connect() is EISCONN. The input ends there.
 *
 * DATA_AFTER_FIN: in CLOSE-WAIT, CLOSING or LAST-ACK a segment that starts before rcv_nxt
 * and runs past the peer's FIN (only a made-up peer sends one) has its bytes after the FIN
 * queued behind the bytes before it, and one recv() returns both; Linux, which queues
 * them too, stops a read at the FIN, so the application sees the end of file in between.
 * The input ends there.
 *
 * SOCKET_TABLE_LIMIT: a stack here holds FUZZ_MAX_SOCKS sockets (cfg.max_socks). A SYN or final ACK that needs
 * one more (a request or a child) when the application's sockets and the requests fill the
 * table cannot be handled as the kernel would; the stack treats the SYN queue as full and
 * reports it through tl_tcp_stack_error ("socket table full"). The input ends there.
 */
enum tolerance {
	TOLERATE_ACK_WAR,
	TOLERATE_SCHEDULE_LIMIT,
	TOLERATE_TIME_WAIT_DISCARDS_UNREAD,
	TOLERATE_CLOSED_MINI_KEPT,
	TOLERATE_RECEIVE_CREEP,
	TOLERATE_RECONNECT_ACCEPTED,
	TOLERATE_DATA_AFTER_FIN,
	TOLERATE_SOCKET_TABLE_LIMIT,
	TOLERATE_COUNT
};
static const char *const tolerance_names[TOLERATE_COUNT] = {
	"ACK war", "schedule limit", "time-wait discards unread data",
	"closed time-wait socket kept", "receive buffer creep", "reconnect of an accepted socket",
	"data after the peer's FIN", "socket table full",
};
static unsigned long tolerated[TOLERATE_COUNT];
static bool strict;

__attribute__((format(printf, 2, 3), noreturn)) static void violation(const struct fuzz *f, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tcp_model_fuzz: INVARIANT at step %zu (%s), t=%" PRIu64 " ns: ", f->step,
		f->action ? f->action : "setup", f->now_ns);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define CHECK(f, cond, ...)                      \
	do {                                     \
		if (!(cond))                     \
			violation((f), __VA_ARGS__); \
	} while (0)

__attribute__((format(printf, 2, 3))) static void trace(const struct fuzz *f, const char *fmt, ...)
{
	if (!f->trace)
		return;
	va_list ap;
	fprintf(stderr, "%12.6f  ", (double)f->now_ns / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint8_t take(struct fuzz *f)
{
	return f->pos < f->len ? f->in[f->pos++] : 0;
}

static uint16_t take16(struct fuzz *f)
{
	uint16_t hi = take(f);
	return (uint16_t)(hi << 8 | take(f));
}

static uint32_t take32(struct fuzz *f)
{
	uint32_t hi = take16(f);
	return hi << 16 | take16(f);
}

static bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

/* Every data byte anyone sends is this function of its sequence number, so a misplaced byte shows. */
static uint8_t pattern(uint32_t seq)
{
	uint32_t x = seq * 0x9e3779b1u;
	return (uint8_t)(x >> 24 ^ x >> 11);
}

/*
 * The byte loops run over megabytes per input: left out of the coverage
 * instrumentation, whose per-comparison hooks would otherwise take most of
 * the time and teach the fuzzer nothing (noinline: inlined, they would be
 * instrumented as part of their caller).
 */
#define UNINSTRUMENTED __attribute__((no_sanitize("coverage"), noinline))

UNINSTRUMENTED static void fill_pattern(uint8_t *buf, size_t len, uint32_t first_seq)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(first_seq + (uint32_t)i);
}

/* The index of the first byte that is not the pattern, or len when all are. */
UNINSTRUMENTED static size_t pattern_mismatch(const uint8_t *buf, size_t len, uint32_t first_seq)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pattern(first_seq + (uint32_t)i))
			return i;
	return len;
}

static const char *kind_name(enum tl_tcp_kind k)
{
	switch (k) {
	case TL_TCP_FULL:
		return "full";
	case TL_TCP_REQUEST:
		return "request";
	case TL_TCP_MINI:
		return "time-wait";
	}
	return "?";
}

/* ---- allowed state changes ---- */

/*
 * RFC 9293's diagram (3.3.2), its event processing text where the diagram
 * is silent (a RST or a timeout ends a synchronized connection: -> CLOSED;
 * FIN-WAIT-1 with its FIN acked by a FIN: -> TIME-WAIT), and what Linux adds
 * as the model documents it: a request socket ends in CLOSE when its timer
 * gives up, its listener closes or it is reset; an unaccepted child ends in
 * CLOSE with its listener; an orphaned FIN-WAIT-2 ends after tcp_fin_timeout.
 */
static bool transition_allowed(enum tl_state from, enum tl_state to)
{
	switch (from) {
	case TL_CLOSE:
		return to == TL_LISTEN || to == TL_SYN_SENT;
	case TL_LISTEN:
		return to == TL_SYN_RECV || to == TL_CLOSE;
	case TL_SYN_SENT:
		return to == TL_SYN_RECV || to == TL_ESTABLISHED || to == TL_CLOSE;
	case TL_SYN_RECV:
		return to == TL_ESTABLISHED || to == TL_FIN_WAIT1 || to == TL_CLOSE;
	case TL_ESTABLISHED:
		return to == TL_FIN_WAIT1 || to == TL_CLOSE_WAIT || to == TL_CLOSE;
	case TL_FIN_WAIT1:
		return to == TL_FIN_WAIT2 || to == TL_CLOSING || to == TL_TIME_WAIT || to == TL_CLOSE;
	case TL_FIN_WAIT2:
		return to == TL_TIME_WAIT || to == TL_CLOSE;
	case TL_CLOSE_WAIT:
		return to == TL_LAST_ACK || to == TL_CLOSE;
	case TL_CLOSING:
		return to == TL_TIME_WAIT || to == TL_CLOSE;
	case TL_LAST_ACK:
		return to == TL_CLOSE;
	case TL_TIME_WAIT:
		return to == TL_CLOSE;
	case TL_STATE_NONE:
	case TL_NEW_SYN_RECV:
	case TL_BOUND_INACTIVE:
	case TL_STATE_COUNT:
		return false;
	}
	return false;
}

/* The states a socket of each kind may be in between two calls. */
static bool kind_state_ok(enum tl_tcp_kind kind, enum tl_state s, bool held)
{
	switch (kind) {
	case TL_TCP_REQUEST:
		return s == TL_SYN_RECV;
	case TL_TCP_MINI:
		return s == TL_TIME_WAIT || s == TL_FIN_WAIT2 || (s == TL_CLOSE && held);
	case TL_TCP_FULL:
		return s >= TL_ESTABLISHED && s <= TL_CLOSING && s != TL_TIME_WAIT;
	}
	return false;
}

static bool synchronized(enum tl_state s)
{
	return s == TL_ESTABLISHED || s == TL_FIN_WAIT1 || s == TL_FIN_WAIT2 || s == TL_CLOSE_WAIT ||
	       s == TL_CLOSING || s == TL_LAST_ACK || s == TL_SYN_RECV;
}

/* ---- cookies: the last noted state of every socket ever made ---- */

static enum tl_state *cookie_slot(struct host *h, uint64_t cookie)
{
	if (cookie >= h->cookie_cap) {
		size_t cap = h->cookie_cap ? h->cookie_cap : 64;
		while (cap <= cookie)
			cap *= 2;
		enum tl_state *grown = realloc(h->cookie_state, cap * sizeof(*grown));
		if (!grown)
			abort();
		for (size_t i = h->cookie_cap; i < cap; i++)
			grown[i] = TL_STATE_NONE;
		h->cookie_state = grown;
		h->cookie_cap = cap;
	}
	return &h->cookie_state[cookie];
}

/* ---- the wire ---- */

/* The host a segment is addressed to: B owns 127.0.0.2, A the rest of 127/8; NULL off the loopback. */
static struct host *host_for(struct fuzz *f, const struct tl_addr *daddr)
{
	uint32_t daddr_be = tl_addr_v4_be(daddr);
	if ((ntohl(daddr_be) >> 24) != 127)
		return NULL;
	return daddr_be == f->h[1].addr_be ? &f->h[1] : &f->h[0];
}

static void wire_put(struct fuzz *f, const struct tl_tcp_seg *seg, uint64_t arrive_ns)
{
	if (f->n_wire == MAX_WIRE || !host_for(f, &seg->tuple.daddr))
		return; /* lost: the wire is full, or it leaves the loopback for a made-up peer */
	size_t at = f->n_wire;
	while (at > 0 && f->wire[at - 1].arrive_ns > arrive_ns)
		at--;
	memmove(&f->wire[at + 1], &f->wire[at], (f->n_wire - at) * sizeof(f->wire[0]));
	struct wire_seg *w = &f->wire[at];
	w->seg = *seg;
	w->payload = NULL;
	if (seg->payload_len) {
		w->payload = malloc(seg->payload_len);
		if (!w->payload)
			abort();
		memcpy(w->payload, seg->payload, seg->payload_len);
	}
	w->seg.payload = w->payload;
	w->arrive_ns = arrive_ns;
	f->n_wire++;
}

static void wire_remove(struct fuzz *f, size_t i)
{
	free(f->wire[i].payload);
	memmove(&f->wire[i], &f->wire[i + 1], (f->n_wire - i - 1) * sizeof(f->wire[0]));
	f->n_wire--;
}

/* ---- notes: checked as they come ---- */

static void check_segment(struct host *h, const struct tl_tcp_note *n)
{
	struct fuzz *f = h->f;
	const struct tl_tcp_seg *g = n->seg;
	CHECK(f, g, "SEGMENT note without a segment");
	char fl[12];
	tl_flags_letters(g->flags, fl);
	CHECK(f, (ntohl(tl_addr_v4_be(&g->tuple.saddr)) >> 24) == 127, "host %d sent [%s] from a non-loopback address %08x",
	      h->index, fl, ntohl(tl_addr_v4_be(&g->tuple.saddr)));
	CHECK(f, !(g->flags & (TL_TH_URG | TL_TH_ECE | TL_TH_CWR)), "host %d sent flags [%s] it never uses",
	      h->index, fl);
	CHECK(f, !(g->flags & TL_TH_RST) || !g->payload_len, "a RST with %u bytes of payload", g->payload_len);
	CHECK(f, !(g->flags & TL_TH_SYN) || !g->payload_len, "a SYN with %u bytes of payload", g->payload_len);
	CHECK(f, !(g->flags & TL_TH_SYN) || !(g->flags & (TL_TH_RST | TL_TH_FIN)), "a segment [%s]", fl);
	CHECK(f, (g->flags & TL_TH_ACK) || (g->flags & (TL_TH_SYN | TL_TH_RST)),
	      "a segment [%s] seq %u without ACK, SYN or RST", fl, g->seq);
	/* No segment carries more than the MSS the sender itself advertises (it is the larger one here). */
	uint16_t mss = tl_tcp_adv_mss(&h->cfg, tl_tuple_family(&g->tuple));
	CHECK(f, g->payload_len <= mss, "host %d sent [%s] seq %u with %u bytes, more than the MSS %u",
	      h->index, fl, g->seq, g->payload_len, mss);
	if (g->payload_len) {
		CHECK(f, g->payload, "%u bytes of payload at NULL", g->payload_len);
		size_t bad = pattern_mismatch(g->payload, g->payload_len, g->seq);
		CHECK(f, bad == g->payload_len,
		      "host %d sent [%s] seq %u len %u: byte at seq %u is not what the application wrote there "
		      "(stale or misplaced send buffer)",
		      h->index, fl, g->seq, g->payload_len, g->seq + (uint32_t)bad);
	}
	uint8_t opt[TL_TCP_MAX_OPTIONS];
	size_t olen = tl_tcp_options_encode(g, opt);
	CHECK(f, olen <= TL_TCP_MAX_OPTIONS && olen % 4 == 0, "options of [%s] take %zu bytes", fl, olen);
	struct tl_tcp_options back;
	CHECK(f, tl_tcp_options_decode(opt, olen, &back), "the options of a sent [%s] do not decode", fl);
	CHECK(f, back.ts_set == g->opt.ts_set && (!back.ts_set || (back.ts_val == g->opt.ts_val &&
								    back.ts_ecr == g->opt.ts_ecr)),
	      "TS option of [%s] does not survive encode and decode", fl);
	if (g->flags & TL_TH_SYN)
		CHECK(f, back.mss_set == g->opt.mss_set && back.mss == g->opt.mss &&
			      back.sack_ok == g->opt.sack_ok && back.wscale_set == g->opt.wscale_set &&
			      (!back.wscale_set || back.wscale == g->opt.wscale),
		      "SYN options of [%s] do not survive encode and decode", fl);
}

static void check_state_note(struct host *h, const struct tl_tcp_note *n)
{
	struct fuzz *f = h->f;
	CHECK(f, n->sock >= 0 && n->sock < FUZZ_MAX_SOCKS && n->cookie, "STATE note without a socket");
	CHECK(f, n->from != n->to, "STATE note %s -> %s", tl_state_name(n->from), tl_state_name(n->to));
	enum tl_state *last = cookie_slot(h, n->cookie);
	if (*last == TL_STATE_NONE)
		/* A new socket starts in CLOSE, a request socket in LISTEN, a child in SYN_RECV. */
		CHECK(f, n->from == TL_CLOSE || n->from == TL_LISTEN || n->from == TL_SYN_RECV,
		      "host %d socket %d (cookie %" PRIu64 ") appears in %s", h->index, n->sock, n->cookie,
		      tl_state_name(n->from));
	else
		CHECK(f, n->from == *last, "host %d socket %d (cookie %" PRIu64 ") was %s, its note says %s -> %s",
		      h->index, n->sock, n->cookie, tl_state_name(*last), tl_state_name(n->from),
		      tl_state_name(n->to));
	CHECK(f, transition_allowed(n->from, n->to), "host %d socket %d: %s -> %s is no transition of TCP (%s)",
	      h->index, n->sock, tl_state_name(n->from), tl_state_name(n->to), n->why);
	*last = n->to;
}

static void on_note(void *ctx, const struct tl_tcp_note *n)
{
	struct host *h = ctx;
	struct fuzz *f = h->f;
	CHECK(f, n->now_ns >= h->last_note_ns && n->now_ns <= f->now_ns,
	      "host %d note at %" PRIu64 " ns after one at %" PRIu64 " ns, during a call at %" PRIu64 " ns",
	      h->index, n->now_ns, h->last_note_ns, f->now_ns);
	h->last_note_ns = n->now_ns;
	if (h->expect && n->kind != TL_TCP_NOTE_SEGMENT)
		violation(f, "host %d: a note of kind %d announced a segment, then came a note of kind %d",
			  h->index, h->expect, (int)n->kind);
	switch (n->kind) {
	case TL_TCP_NOTE_SEGMENT: {
		check_segment(h, n);
		if (h->expect == TL_TCP_NOTE_RESET_SENT)
			CHECK(f, n->seg->flags & TL_TH_RST, "RESET_SENT announced a segment without RST");
		h->expect = 0;
		char fl[12];
		tl_flags_letters(n->seg->flags, fl);
		trace(f, "  host %d sends [%s] %u > %u seq %u ack %u win %u len %u", h->index, fl, n->seg->tuple.sport,
		      n->seg->tuple.dport, n->seg->seq, n->seg->ack, n->seg->window, n->seg->payload_len);
		wire_put(f, n->seg, n->now_ns + WIRE_NS);
		break;
	}
	case TL_TCP_NOTE_STATE:
		trace(f, "  host %d sock %d %s -> %s %s", h->index, n->sock, tl_state_name(n->from), tl_state_name(n->to),
		      n->why);
		check_state_note(h, n);
		break;
	case TL_TCP_NOTE_RETRANS:
		CHECK(f, n->retrans == TL_RETRANS_SYN || n->retrans == TL_RETRANS_SYNACK ||
			      n->retrans == TL_RETRANS_SEGMENT,
		      "RETRANS note of kind %d", (int)n->retrans);
		h->expect = TL_TCP_NOTE_RETRANS;
		break;
	case TL_TCP_NOTE_RESET_SENT:
		h->expect = TL_TCP_NOTE_RESET_SENT;
		break;
	case TL_TCP_NOTE_RESET_RECEIVED:
		CHECK(f, n->sock >= 0, "RESET_RECEIVED without a socket");
		break;
	}
}

/* ---- invariants between actions ---- */

static void check_host(struct host *h)
{
	struct fuzz *f = h->f;
	CHECK(f, !h->expect, "host %d announced a segment that never came", h->index);
	const char *err = tl_tcp_stack_error(h->st);
	enum tolerance limit = strstr(err, "schedule longer than") ? TOLERATE_SCHEDULE_LIMIT
			       : strstr(err, "socket table full")  ? TOLERATE_SOCKET_TABLE_LIMIT
								   : TOLERATE_COUNT;
	if (err[0] && !strict && limit != TOLERATE_COUNT) {
		tolerated[limit]++;
		f->stop_input = true;
		return;
	}
	CHECK(f, !err[0], "host %d stack error: %s", h->index, err);
	uint64_t next = tl_tcp_next_deadline_ns(h->st);
	CHECK(f, next > f->now_ns, "host %d: a timer at %" PRIu64 " ns is due but did not fire", h->index, next);
	int ids[FUZZ_MAX_SOCKS];
	size_t n = tl_tcp_sockets(h->st, ids, FUZZ_MAX_SOCKS);
	CHECK(f, n <= FUZZ_MAX_SOCKS, "host %d lists %zu sockets", h->index, n);
	bool present[FUZZ_MAX_SOCKS] = { false };
	size_t open = 0;
	uint64_t earliest = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		int id = ids[i];
		CHECK(f, id >= 0 && id < FUZZ_MAX_SOCKS && !present[id], "host %d lists id %d", h->index, id);
		present[id] = true;
		struct tl_tcp_info in;
		CHECK(f, tl_tcp_info(h->st, id, &in) == 0, "host %d: no info for listed socket %d", h->index, id);
		const char *sn = tl_state_name(in.state);
		const struct app_sock *a = &h->app[id];
		if (!strict && in.kind == TL_TCP_MINI && in.state == TL_CLOSE && !in.app_held && !a->held) {
			tolerated[TOLERATE_CLOSED_MINI_KEPT]++;
			continue;
		}
		CHECK(f, in.app_held == a->held, "host %d socket %d (%s, %s): the model says held=%d, the application %d",
		      h->index, id, kind_name(in.kind), sn, in.app_held, a->held);
		CHECK(f, !a->held || in.cookie == a->cookie, "host %d socket %d changed under the application",
		      h->index, id);
		if (a->held) {
			int cr = tl_tcp_connect_result(h->st, id);
			CHECK(f, cr <= 0, "host %d socket %d: connect result %d", h->index, id, cr);
			/* Only recv() takes received bytes away while the application holds the socket. */
			if (!strict && in.kind == TL_TCP_MINI && in.unread < h->app[id].unread) {
				tolerated[TOLERATE_TIME_WAIT_DISCARDS_UNREAD]++;
				h->app[id].unread = in.unread;
			}
			CHECK(f, in.unread >= h->app[id].unread,
			      "host %d socket %d (%s, %s): %zu received bytes the application never read were "
			      "discarded",
			      h->index, id, kind_name(in.kind), sn, h->app[id].unread - in.unread);
			h->app[id].unread = in.unread;
		}
		CHECK(f, kind_state_ok(in.kind, in.state, in.app_held) || (in.kind == TL_TCP_FULL && in.state == TL_CLOSE),
		      "host %d socket %d: a %s socket in %s", h->index, id, kind_name(in.kind), sn);
		/* reap() frees every closed socket that no one holds; only a child waiting in an accept queue stays. */
		CHECK(f, in.state != TL_CLOSE || in.app_held || in.kind == TL_TCP_FULL,
		      "host %d socket %d: a %s socket in CLOSE left in the table", h->index, id, kind_name(in.kind));
		enum tl_state noted = *cookie_slot(h, in.cookie);
		CHECK(f, noted == in.state || (noted == TL_STATE_NONE && in.state == TL_CLOSE),
		      "host %d socket %d is %s, its last note said %s", h->index, id, sn, tl_state_name(noted));
		uint64_t deadlines[5] = { in.rtx_deadline_ns, in.delack_deadline_ns, in.linger_deadline_ns,
					  in.keepalive_deadline_ns, in.probe_deadline_ns };
		for (int k = 0; k < 5; k++) {
			CHECK(f, !deadlines[k] || deadlines[k] > f->now_ns,
			      "host %d socket %d (%s): timer %d armed for %" PRIu64 " ns, in the past", h->index, id, sn, k,
			      deadlines[k]);
			if (deadlines[k] && deadlines[k] < earliest)
				earliest = deadlines[k];
		}
		if (in.state == TL_CLOSE || in.state == TL_LISTEN)
			CHECK(f, !in.rtx_deadline_ns && !in.delack_deadline_ns && !in.linger_deadline_ns &&
				 !in.keepalive_deadline_ns && !in.probe_deadline_ns,
			      "host %d socket %d in %s has a timer armed", h->index, id, sn);
		if (in.kind == TL_TCP_MINI && in.state != TL_CLOSE)
			CHECK(f, in.linger_deadline_ns && !in.rtx_deadline_ns && !in.delack_deadline_ns &&
				 !in.keepalive_deadline_ns && !in.probe_deadline_ns,
			      "host %d time-wait socket %d in %s: timers rtx %" PRIu64 " delack %" PRIu64 " linger %" PRIu64,
			      h->index, id, sn, in.rtx_deadline_ns, in.delack_deadline_ns, in.linger_deadline_ns);
		if (in.kind == TL_TCP_FULL && (synchronized(in.state) || in.state == TL_SYN_SENT)) {
			CHECK(f, seq_le(in.snd_una, in.snd_nxt), "host %d socket %d in %s: snd_una %u > snd_nxt %u",
			      h->index, id, sn, in.snd_una, in.snd_nxt);
			CHECK(f, in.unacked <= TL_TCP_MAX_SEND_BYTES + 1, "host %d socket %d in %s: %zu bytes unacked",
			      h->index, id, sn, in.unacked);
		}
		if (!strict && in.unread > in.rcvbuf) {
			tolerated[TOLERATE_RECEIVE_CREEP]++;
			f->stop_input = true;
			return;
		}
		CHECK(f, in.unread <= in.rcvbuf, "host %d socket %d in %s: %zu bytes unread, the buffer is %zu",
		      h->index, id, sn, in.unread, in.rcvbuf);
		open += in.state != TL_CLOSE;
	}
	for (int id = 0; id < FUZZ_MAX_SOCKS; id++)
		CHECK(f, present[id] || !h->app[id].held, "host %d freed socket %d, which the application holds",
		      h->index, id);
	CHECK(f, next == earliest, "host %d: next deadline %" PRIu64 " ns, the sockets' earliest timer %" PRIu64 " ns",
	      h->index, next, earliest);
	struct tl_sock_row rows[FUZZ_MAX_SOCKS];
	size_t nr = tl_tcp_snapshot(h->st, f->now_ns, rows, FUZZ_MAX_SOCKS);
	CHECK(f, nr == open, "host %d: snapshot has %zu rows for %zu sockets not in CLOSE", h->index, nr, open);
	for (size_t i = 0; i < nr; i++)
		CHECK(f, tl_state_valid((int)rows[i].state) && rows[i].state != TL_CLOSE &&
			      rows[i].send_q <= TL_TCP_MAX_SEND_BYTES + 1,
		      "host %d: snapshot row %zu state %d send-q %u", h->index, i, (int)rows[i].state, rows[i].send_q);
}

static void check_all(struct fuzz *f)
{
	for (int i = 0; i < N_HOSTS && !f->stop_input; i++)
		check_host(&f->h[i]);
}

/* ---- time ---- */

static void deliver(struct fuzz *f, size_t i)
{
	struct wire_seg w = f->wire[i];
	memmove(&f->wire[i], &f->wire[i + 1], (f->n_wire - i - 1) * sizeof(f->wire[0]));
	f->n_wire--;
	struct host *h = host_for(f, &w.seg.tuple.daddr); /* never NULL: wire_put keeps only loopback */
	char fl[12];
	tl_flags_letters(w.seg.flags, fl);
	trace(f, "host %d receives [%s] %u > %u seq %u ack %u len %u", h->index, fl, w.seg.tuple.sport,
	      w.seg.tuple.dport, w.seg.seq, w.seg.ack, w.seg.payload_len);
	tl_tcp_input(h->st, &w.seg, f->now_ns);
	free(w.payload);
}

/* Timers and wire deliveries in time order up to until_ns (a timer first at equal times, as the simulator). */
static void run_until(struct fuzz *f, uint64_t until_ns)
{
	size_t back_to_back = 0, events = 0;
	for (;;) {
		uint64_t t = UINT64_MAX;
		for (int i = 0; i < N_HOSTS; i++) {
			uint64_t d = tl_tcp_next_deadline_ns(f->h[i].st);
			t = d < t ? d : t;
		}
		bool timer = true;
		if (f->n_wire && f->wire[0].arrive_ns < t) {
			t = f->wire[0].arrive_ns;
			timer = false;
		}
		if (t > until_ns || f->stop_input)
			break;
		CHECK(f, ++events < MAX_RUN_EVENTS, "%zu events without reaching %" PRIu64 " ns: a runaway", events,
		      until_ns);
		f->now_ns = t > f->now_ns ? t : f->now_ns;
		if (timer) {
			back_to_back = 0;
			for (int i = 0; i < N_HOSTS; i++)
				tl_tcp_advance(f->h[i].st, f->now_ns);
		} else if (++back_to_back < STORM_DELIVERIES) {
			deliver(f, 0);
		} else {
			/* Two sockets that answer each other's every segment at once never stop (an ACK war). */
			CHECK(f, !strict,
			      "%zu segments delivered back to back without a timer: the stacks answer each other forever "
			      "(last: %u > %u seq %u ack %u flags %#x)",
			      back_to_back, f->wire[0].seg.tuple.sport, f->wire[0].seg.tuple.dport, f->wire[0].seg.seq,
			      f->wire[0].seg.ack, f->wire[0].seg.flags);
			tolerated[TOLERATE_ACK_WAR]++;
			trace(f, "ACK war tolerated: the wire is cleared");
			while (f->n_wire)
				wire_remove(f, f->n_wire - 1);
			back_to_back = 0;
		}
		check_all(f);
	}
	f->now_ns = until_ns > f->now_ns ? until_ns : f->now_ns;
	for (int i = 0; i < N_HOSTS; i++)
		tl_tcp_advance(f->h[i].st, f->now_ns);
}

static uint64_t advance_amount(struct fuzz *f, uint8_t code)
{
	static const uint64_t fixed[] = { 0,	   1 * US,   10 * US,	100 * US, 1 * MS,  4 * MS,   5 * MS,
					  40 * MS, 200 * MS, 205 * MS, 1 * SEC,	 3 * SEC, 10 * SEC, 30 * SEC,
					  59 * SEC, 60 * SEC, 61 * SEC, 120 * SEC, 300 * SEC, 1000 * SEC };
	size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	if (code % 32 < nf)
		return fixed[code % 32];
	code = (uint8_t)(code % 32 - nf); /* 20 and up: relative to the next deadline */
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < N_HOSTS; i++) {
		uint64_t d = tl_tcp_next_deadline_ns(f->h[i].st);
		next = d < next ? d : next;
	}
	if (next == UINT64_MAX)
		return 1 * SEC;
	uint64_t to = next - f->now_ns;
	switch (code % 4) {
	case 0:
		return to; /* exactly the next deadline */
	case 1:
		return to - 1; /* just before it */
	case 2:
		return to + 1;
	default:
		return (uint64_t)take16(f) * US;
	}
}

/* ---- choosing sockets and values ---- */

struct target {
	struct host *h;
	int id;
	bool exists;
	struct tl_tcp_info info;
};

/* A byte names a socket: the high bit a host, the rest mostly one of the sockets in use. */
static struct target take_target(struct fuzz *f)
{
	uint8_t b = take(f);
	struct target t = { .h = &f->h[b >> 7], .id = -1 };
	int ids[FUZZ_MAX_SOCKS];
	size_t n = tl_tcp_sockets(t.h->st, ids, FUZZ_MAX_SOCKS);
	int idx = b & 0x7f;
	t.id = n && idx < 0x70 ? ids[(size_t)idx % n] : idx % FUZZ_MAX_SOCKS;
	t.exists = tl_tcp_info(t.h->st, t.id, &t.info) == 0;
	return t;
}

static struct host *take_host(struct fuzz *f)
{
	return &f->h[take(f) & 1];
}

static struct tl_addr take_addr(struct fuzz *f, bool for_listen)
{
	static const uint32_t addrs[] = { 0x7f000001, 0x7f000002, 0x7f000001, 0x7f000003,
					  0,	      0x0a000001, 0x7fffffff, 0x7f000002 };
	uint32_t a = addrs[take(f) % 8];
	if (!a && !for_listen)
		a = 0x7f000002;
	return tl_addr_v4(htonl(a));
}

static uint16_t take_port(struct fuzz *f)
{
	static const uint16_t ports[] = { 2017, 2017, 2018, 40000, 40001, 0, 65535, 2017 };
	return ports[take(f) % 8];
}

static uint32_t take_len(struct fuzz *f, bool big_ok)
{
	static const uint32_t lens[] = { 0,    1,     2,     5,	    12,	   100,	  536,	 1000,
					 4096, 65483, 65484, 65495, 65536, 70000, 0,	 200000 };
	uint8_t c = take(f);
	if (c >= 0xf0)
		return take16(f);
	uint32_t len = lens[c % 16];
	if (len > 65536 && !big_ok)
		len = 65536;
	if (c >= 0xe0 && big_ok)
		len = TL_TCP_MAX_SEND_BYTES + 1; /* more than a send buffer takes */
	return len;
}

/* ---- actions ---- */

static void forget(struct host *h, int id)
{
	memset(&h->app[id], 0, sizeof(h->app[id]));
}

static void hold(struct host *h, int id)
{
	struct tl_tcp_info in;
	CHECK(h->f, tl_tcp_info(h->st, id, &in) == 0, "host %d returned socket %d, which does not exist", h->index, id);
	CHECK(h->f, in.app_held, "host %d returned socket %d but does not count it as held", h->index, id);
	CHECK(h->f, !h->app[id].held, "host %d returned socket %d, which the application already holds", h->index, id);
	forget(h, id);
	h->app[id].held = true;
	h->app[id].cookie = in.cookie;
}

static void act_socket(struct fuzz *f)
{
	struct host *h = take_host(f);
	int id = tl_tcp_socket(h->st);
	trace(f, "host %d socket() = %d", h->index, id);
	if (id < 0) {
		CHECK(f, id == -EMFILE && tl_tcp_sockets(h->st, NULL, 0) == FUZZ_MAX_SOCKS,
		      "socket() = %d with %zu sockets in use", id, tl_tcp_sockets(h->st, NULL, 0));
		return;
	}
	hold(h, id);
}

static void act_listen(struct fuzz *f)
{
	struct target t = take_target(f);
	struct tl_addr addr = take_addr(f, true);
	uint16_t port = take_port(f);
	int backlog = (int)(take(f) % 8) - 1;
	int rc = tl_tcp_listen(t.h->st, t.id, &addr, port, backlog, f->now_ns);
	trace(f, "host %d listen(%d, %08x:%u, %d) = %d", t.h->index, t.id, ntohl(tl_addr_v4_be(&addr)), port, backlog, rc);
	CHECK(f, rc == 0 || rc == -EBADF || rc == -EINVAL || rc == -EADDRNOTAVAIL || rc == -EADDRINUSE,
	      "listen() = %d", rc);
	CHECK(f, rc == -EBADF || t.h->app[t.id].held, "listen() on a socket the application does not hold = %d", rc);
}

static void act_connect(struct fuzz *f)
{
	struct target t = take_target(f);
	struct tl_addr addr = take_addr(f, false);
	uint16_t port = take_port(f);
	bool accepted = t.h->app[t.id].accepted;
	int rc = tl_tcp_connect(t.h->st, t.id, &addr, port, f->now_ns);
	trace(f, "host %d connect(%d, %08x:%u) = %d", t.h->index, t.id, ntohl(tl_addr_v4_be(&addr)), port, rc);
	CHECK(f, rc == -EINPROGRESS || rc == -EBADF || rc == -EALREADY || rc == -EISCONN || rc == -ENETUNREACH ||
		      rc == -EADDRNOTAVAIL,
	      "connect() = %d", rc);
	CHECK(f, rc == -EBADF || t.h->app[t.id].held, "connect() on a socket the application does not hold = %d", rc);
	if (rc == -EINPROGRESS) {
		/* An accepted socket is SS_CONNECTED in Linux for good: connect() on it is EISCONN. */
		if (!strict && accepted) {
			tolerated[TOLERATE_RECONNECT_ACCEPTED]++;
			f->stop_input = true;
			return;
		}
		CHECK(f, !accepted, "host %d socket %d came from accept(), and connect() started a new connection",
		      t.h->index, t.id);
		t.h->app[t.id].sent = t.h->app[t.id].read = 0;
	}
}

static void act_accept(struct fuzz *f)
{
	struct target t = take_target(f);
	struct tl_tuple peer;
	int rc = tl_tcp_accept(t.h->st, t.id, &peer, f->now_ns);
	trace(f, "host %d accept(%d) = %d", t.h->index, t.id, rc);
	if (rc >= 0) {
		CHECK(f, rc < FUZZ_MAX_SOCKS, "accept() = %d", rc);
		hold(t.h, rc);
		t.h->app[rc].accepted = true;
		return;
	}
	CHECK(f, rc == -EAGAIN || rc == -EINVAL, "accept() = %d", rc);
}

static void act_send(struct fuzz *f)
{
	struct target t = take_target(f);
	uint32_t len = take_len(f, true);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	struct app_sock *a = &t.h->app[t.id];
	/* The bytes a socket writes are the pattern at the sequence numbers they will take. */
	uint32_t first = t.exists ? t.info.iss + 1 + (uint32_t)a->sent : 0;
	fill_pattern(buf, len, first);
	long rc = tl_tcp_send(t.h->st, t.id, buf, len, f->now_ns);
	free(buf);
	trace(f, "host %d send(%d, %u) = %ld", t.h->index, t.id, len, rc);
	CHECK(f, rc <= (long)len, "send(%u bytes) = %ld", len, rc);
	CHECK(f, rc < 0 || a->held, "send() on a socket the application does not hold = %ld", rc);
	if (rc > 0)
		a->sent += (uint64_t)rc;
}

static void act_recv(struct fuzz *f)
{
	struct target t = take_target(f);
	uint32_t len = take_len(f, false);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	long rc = tl_tcp_recv(t.h->st, t.id, buf, len, f->now_ns);
	trace(f, "host %d recv(%d, %u) = %ld", t.h->index, t.id, len, rc);
	CHECK(f, rc <= (long)len, "recv(%u bytes) = %ld", len, rc);
	CHECK(f, rc < 0 || t.h->app[t.id].held, "recv() on a socket the application does not hold = %ld", rc);
	if (rc > 0) {
		struct app_sock *a = &t.h->app[t.id];
		uint32_t first = t.info.irs + 1 + (uint32_t)a->read;
		size_t bad = pattern_mismatch(buf, (size_t)rc, first);
		bool fin_seen = t.info.state == TL_CLOSE_WAIT || t.info.state == TL_CLOSING ||
				t.info.state == TL_LAST_ACK || t.info.state == TL_CLOSE;
		if (!strict && bad < (size_t)rc && fin_seen && buf[bad] == pattern(first + (uint32_t)bad + 1)) {
			tolerated[TOLERATE_DATA_AFTER_FIN]++; /* the byte after the FIN's sequence number */
			f->stop_input = true;
			free(buf);
			return;
		}
		CHECK(f, bad == (size_t)rc,
		      "host %d socket %d: recv() byte %" PRIu64 " of the stream (seq %u) is not what was sent at "
		      "that sequence number",
		      t.h->index, t.id, a->read + bad, first + (uint32_t)bad);
		a->read += (uint64_t)rc;
	}
	struct tl_tcp_info after;
	if (t.h->app[t.id].held && tl_tcp_info(t.h->st, t.id, &after) == 0)
		t.h->app[t.id].unread = after.unread;
	free(buf);
}

static void act_shutdown(struct fuzz *f)
{
	struct target t = take_target(f);
	int how = (int)(take(f) % 5) - 1;
	int rc = tl_tcp_shutdown(t.h->st, t.id, how, f->now_ns);
	trace(f, "host %d shutdown(%d, %d) = %d", t.h->index, t.id, how, rc);
	CHECK(f, rc == 0 || rc == -EBADF || rc == -EINVAL || rc == -ENOTCONN, "shutdown() = %d", rc);
}

static void act_close(struct fuzz *f, bool abort_it)
{
	struct target t = take_target(f);
	int rc = abort_it ? tl_tcp_abort(t.h->st, t.id, f->now_ns) : tl_tcp_close(t.h->st, t.id, f->now_ns);
	trace(f, "host %d %s(%d) = %d", t.h->index, abort_it ? "abort" : "close", t.id, rc);
	CHECK(f, rc == 0 || rc == -EBADF, "%s() = %d", abort_it ? "abort" : "close", rc);
	CHECK(f, (rc == 0) == t.h->app[t.id].held, "%s(%d) = %d, and the application %s it",
	      abort_it ? "abort" : "close", t.id, rc, t.h->app[t.id].held ? "held" : "did not hold");
	if (rc == 0)
		forget(t.h, t.id);
}

static void act_setsockopt(struct fuzz *f)
{
	static const int values[] = { -5, -1, 0, 1, 2, 3, 60, 120, 121, 127, 128, 1000, 100000, 2147483647,
				      -2147483647 - 1, 6 };
	struct target t = take_target(f);
	enum tl_sockopt opt = (enum tl_sockopt)(take(f) % TL_OPT_COUNT);
	int value = values[take(f) % 16];
	int rc = tl_tcp_setsockopt(t.h->st, t.id, opt, value, f->now_ns);
	trace(f, "host %d setsockopt(%d, %d, %d) = %d", t.h->index, t.id, (int)opt, value, rc);
	CHECK(f, rc == 0 || rc == -EBADF || rc == -EINVAL || (rc == -ENOPROTOOPT && !tl_tcp_sockopt_modelled(opt)),
	      "setsockopt() = %d", rc);
}

/* Options of a crafted segment: none, the ones Linux sends, odd values, or raw bytes to decode. */
static void take_options(struct fuzz *f, struct tl_tcp_options *o, uint32_t ts_base)
{
	static const uint16_t mss[] = { 0, 1, 11, 12, 13, 48, 536, 1460, 65495, 65535, 88, 64 };
	static const uint8_t wscale[] = { 0, 7, 10, 14, 15, 255 };
	uint8_t mode = take(f);
	memset(o, 0, sizeof(*o));
	switch (mode % 5) {
	case 0:
		return;
	case 1:
		o->ts_set = true;
		o->ts_val = ts_base + take(f);
		o->ts_ecr = take32(f);
		return;
	case 2:
	case 3:
		o->mss_set = mode & 0x10;
		o->mss = mss[take(f) % 12];
		o->sack_ok = mode & 0x20;
		o->ts_set = mode & 0x40;
		o->ts_val = take32(f);
		o->ts_ecr = take32(f);
		o->wscale_set = mode & 0x80;
		o->wscale = wscale[take(f) % 6];
		return;
	default: {
		uint8_t raw[TL_TCP_MAX_OPTIONS];
		size_t n = take(f) % (TL_TCP_MAX_OPTIONS + 1);
		for (size_t i = 0; i < n; i++)
			raw[i] = take(f);
		uint8_t *exact = malloc(n ? n : 1); /* exact size, so a read past the end is caught */
		if (!exact)
			abort();
		memcpy(exact, raw, n);
		if (!tl_tcp_options_decode(exact, n, o))
			memset(o, 0, sizeof(*o)); /* malformed: the segment goes without */
		free(exact);
		return;
	}
	}
}

static uint32_t take_seq(struct fuzz *f, const struct target *t)
{
	const struct tl_tcp_info *in = &t->info;
	uint8_t mode = take(f);
	switch (mode % 12) {
	case 0:
	case 1:
		return in->rcv_nxt;
	case 2:
		return in->rcv_nxt - 1;
	case 3:
		return in->rcv_nxt + 1;
	case 4:
		return in->rcv_nxt + TL_TCP_RECV_BYTES;
	case 5:
		return in->rcv_nxt + TL_TCP_RECV_BYTES - 1;
	case 6:
		return in->irs;
	case 7:
		return in->rcv_nxt - TL_TCP_RECV_BYTES;
	case 8:
		return in->rcv_nxt + take(f);
	case 9:
		return in->rcv_nxt - take(f);
	case 10:
		return in->rcv_nxt + 0x80000000u;
	default:
		return take32(f);
	}
}

static uint32_t take_ack(struct fuzz *f, const struct target *t)
{
	const struct tl_tcp_info *in = &t->info;
	uint8_t mode = take(f);
	switch (mode % 12) {
	case 0:
	case 1:
		return in->snd_nxt;
	case 2:
		return in->snd_una;
	case 3:
		return in->snd_nxt + 1;
	case 4:
		return in->snd_una - 1;
	case 5:
		return in->iss + 1;
	case 6:
		return in->snd_una + (uint32_t)in->unacked;
	case 7:
		return in->snd_una + (uint32_t)in->unacked - 1;
	case 8:
		return in->snd_nxt + take(f);
	case 9:
		return in->snd_una - take(f);
	case 10:
		return in->snd_una + 0x80000000u;
	default:
		return take32(f);
	}
}

static uint16_t take_window(struct fuzz *f)
{
	static const uint16_t w[] = { 64, 64, 0, 1, 2, 63, 65535, 512 };
	uint8_t c = take(f);
	return c >= 0xf8 ? take16(f) : w[c % 8];
}

/* A segment made up for a socket: from its peer's side of its tuple, or from somewhere else. */
static void act_segment(struct fuzz *f)
{
	struct target t = take_target(f);
	struct tl_tcp_seg g = { 0 };
	uint8_t tmode = take(f);
	struct tl_tuple tu = t.info.tuple;
	if (tl_addr_is_any(&tu.saddr))
		tu.saddr = tl_addr_v4(t.h->addr_be);
	if (!tu.dport || tmode % 8 == 6) { /* a listener, or a new peer */
		tu.daddr = take_addr(f, false);
		tu.dport = take_port(f);
	}
	if (tmode % 8 == 7) {
		tu.saddr = take_addr(f, false);
		tu.sport = take_port(f);
	}
	if ((ntohl(tl_addr_v4_be(&tu.saddr)) >> 24) != 127)
		tu.saddr = tl_addr_v4(t.h->addr_be); /* a host only ever receives what is addressed to it */
	g.tuple = (struct tl_tuple){ .saddr = tu.daddr, .daddr = tu.saddr, .sport = tu.dport, .dport = tu.sport };
	g.flags = take(f);
	g.seq = take_seq(f, &t);
	g.ack = take_ack(f, &t);
	g.window = take_window(f);
	take_options(f, &g.opt, (uint32_t)(f->now_ns / MS));
	uint32_t len = take_len(f, false);
	uint8_t *payload = NULL;
	if (len) {
		payload = malloc(len);
		if (!payload)
			abort();
		fill_pattern(payload, len, g.seq);
	}
	g.payload = payload;
	g.payload_len = len;
	struct host *to = host_for(f, &g.tuple.daddr); /* tu.saddr is on the loopback */
	char fl[12];
	tl_flags_letters(g.flags, fl);
	trace(f, "host %d gets crafted [%s] %u > %u seq %u ack %u win %u len %u", to->index, fl, g.tuple.sport,
	      g.tuple.dport, g.seq, g.ack, g.window, len);
	tl_tcp_input(to->st, &g, f->now_ns);
	free(payload);
}

static void act_wire(struct fuzz *f, enum op op)
{
	uint8_t n = take(f);
	trace(f, "wire: %s %u (%zu in flight)", op_names[op], n, f->n_wire);
	switch (op) {
	case OP_DELIVER: /* the first few now, whatever their arrival time */
		for (unsigned i = 0; i < 1u + n % 8 && f->n_wire; i++)
			deliver(f, 0);
		break;
	case OP_DROP:
		if (f->n_wire)
			wire_remove(f, n % f->n_wire);
		break;
	case OP_DUPLICATE:
		if (f->n_wire) {
			struct wire_seg *w = &f->wire[n % f->n_wire];
			wire_put(f, &w->seg, w->arrive_ns + (n >> 4) * US);
		}
		break;
	case OP_SWAP:
		if (f->n_wire >= 2) {
			size_t i = n % (f->n_wire - 1);
			struct wire_seg tmp = f->wire[i];
			f->wire[i] = f->wire[i + 1];
			f->wire[i + 1] = tmp;
			uint64_t at = f->wire[i].arrive_ns; /* keep arrival times in order */
			f->wire[i].arrive_ns = f->wire[i + 1].arrive_ns;
			f->wire[i + 1].arrive_ns = at;
		}
		break;
	default:
		break;
	}
}

/* ---- one input ---- */

/* Sysctls the header may set (timers, options, the listener's queues); values outside the
 * kernel's ranges must be refused without effect. */
static const char *const sysctl_names[] = {
	"net.ipv4.tcp_syn_retries",	 "net.ipv4.tcp_synack_retries", "net.ipv4.tcp_syn_linear_timeouts",
	"net.ipv4.tcp_orphan_retries",	 "net.ipv4.tcp_retries2",	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_invalid_ratelimit", "net.ipv4.tcp_rto_min_us",	"net.ipv4.tcp_sack",
	"net.ipv4.tcp_timestamps",	 "net.ipv4.tcp_window_scaling", "net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_syncookies",	 "net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_abort_on_overflow",
	"net.core.somaxconn",
};

static void setup_host(struct fuzz *f, int i, uint8_t opts, uint8_t sysctl_a, uint8_t sysctl_b)
{
	struct host *h = &f->h[i];
	h->f = f;
	h->index = i;
	h->addr_be = htonl(0x7f000001 + (uint32_t)i);
	tl_tcp_config_default(&h->cfg);
	h->cfg.max_socks = FUZZ_MAX_SOCKS;
	h->cfg.local_addr = tl_addr_v4(h->addr_be);
	h->cfg.seed = (uint64_t)take(f) + 1 + (uint64_t)i * 7919;
	h->cfg.sack = !(opts & 1);
	h->cfg.timestamps = !(opts & 2);
	h->cfg.window_scaling = !(opts & 4);
	h->cfg.timers.tail_loss_probe = h->cfg.sack;
	/* Small retry counts by default, so timers run out within the run; the kernel's when asked. */
	if (!(opts & 8)) {
		h->cfg.timers.syn_retries = 2;
		h->cfg.timers.synack_retries = 2;
		h->cfg.timers.orphan_retries = 1;
		h->cfg.timers.retries2 = 3;
		h->cfg.timers.fin_timeout_s = 3;
	}
	uint8_t picks[2] = { sysctl_a, sysctl_b };
	for (int k = 0; k < 2; k++) {
		const char *name = sysctl_names[picks[k] % (sizeof(sysctl_names) / sizeof(sysctl_names[0]))];
		char value[16], err[256];
		snprintf(value, sizeof(value), "%d", (int)(picks[k] >> 4) - 2);
		struct tl_tcp_config before = h->cfg;
		if (tl_tcp_config_sysctl(&h->cfg, name, value, err, sizeof(err)) != 0)
			CHECK(f, !memcmp(&before, &h->cfg, sizeof(before)), "a refused sysctl %s=%s changed the config",
			      name, value);
	}
	h->st = tl_tcp_stack_new(&h->cfg, on_note, h);
	CHECK(f, h->st, "no stack for a config the sysctls accepted");
}

static void teardown(struct fuzz *f)
{
	for (int i = 0; i < N_HOSTS; i++) {
		tl_tcp_stack_free(f->h[i].st);
		free(f->h[i].cookie_state);
	}
	while (f->n_wire)
		wire_remove(f, f->n_wire - 1);
}

/* Everything closed, two hours later: no socket may be left, however the run went. */
static void final_phase(struct fuzz *f)
{
	f->action = "final close";
	for (int i = 0; i < N_HOSTS; i++) {
		struct host *h = &f->h[i];
		for (int id = 0; id < FUZZ_MAX_SOCKS; id++) {
			if (!h->app[id].held)
				continue;
			int rc = tl_tcp_close(h->st, id, f->now_ns);
			CHECK(f, rc == 0, "close(%d) of a held socket = %d", id, rc);
			forget(h, id);
		}
	}
	check_all(f);
	f->action = "final drain";
	run_until(f, f->now_ns + FINAL_DRAIN_NS);
	check_all(f);
	if (f->stop_input)
		return;
	for (int i = 0; i < N_HOSTS; i++) {
		struct host *h = &f->h[i];
		int ids[FUZZ_MAX_SOCKS];
		size_t n = tl_tcp_sockets(h->st, ids, FUZZ_MAX_SOCKS);
		for (size_t k = 0; k < n; k++) {
			struct tl_tcp_info in;
			tl_tcp_info(h->st, ids[k], &in);
			if (!strict && in.kind == TL_TCP_MINI && in.state == TL_CLOSE && !in.app_held) {
				tolerated[TOLERATE_CLOSED_MINI_KEPT]++; /* nothing fires, so nothing reaps it */
				continue;
			}
			violation(f, "host %d socket %d (%s, %s, %u > %u, unacked %zu, peer window %u) still exists two "
				     "hours after everything was closed",
				  h->index, ids[k], kind_name(in.kind), tl_state_name(in.state), in.tuple.sport,
				  in.tuple.dport, in.unacked, in.snd_wnd);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz fz; /* large (the wire); one input at a time */
	struct fuzz *f = &fz;
	memset(f, 0, sizeof(*f));
	f->in = data;
	f->len = size;
	f->trace = trace_on;
	uint8_t opts = take(f);
	uint8_t s[4] = { take(f), take(f), take(f), take(f) };
	setup_host(f, 0, opts, s[0], s[1]);
	setup_host(f, 1, (uint8_t)(opts >> 4), s[2], s[3]);
	take(f); /* the spare header byte */
	check_all(f);
	while (f->pos < f->len && f->step < MAX_STEPS && !f->stop_input) {
		f->step++;
		enum op op = (enum op)(take(f) % OP_COUNT);
		f->action = op_names[op];
		switch (op) {
		case OP_SOCKET:
			act_socket(f);
			break;
		case OP_LISTEN:
			act_listen(f);
			break;
		case OP_CONNECT:
			act_connect(f);
			break;
		case OP_ACCEPT:
			act_accept(f);
			break;
		case OP_SEND:
			act_send(f);
			break;
		case OP_RECV:
			act_recv(f);
			break;
		case OP_SHUTDOWN:
			act_shutdown(f);
			break;
		case OP_CLOSE:
			act_close(f, false);
			break;
		case OP_ABORT:
			act_close(f, true);
			break;
		case OP_SETSOCKOPT:
			act_setsockopt(f);
			break;
		case OP_SEGMENT:
			act_segment(f);
			break;
		case OP_DELIVER:
		case OP_DROP:
		case OP_DUPLICATE:
		case OP_SWAP:
			act_wire(f, op);
			break;
		case OP_ADVANCE: {
			uint64_t d = advance_amount(f, take(f));
			trace(f, "advance %.6f s", (double)d / 1e9);
			run_until(f, f->now_ns + d);
			break;
		}
		case OP_COUNT:
			break;
		}
		check_all(f);
	}
	if (!f->stop_input)
		final_phase(f);
	teardown(f);
	return 0;
}

/* ---- the seed corpus ---- */

/* Socket references in seeds: host A's or B's sockets in id order (see take_target). */
#define A(i) (i)
#define B(i) (0x80 | (i))
/* Values for take_addr / take_port / take_len / advance_amount. */
#define ADDR_A 0
#define ADDR_B 1
#define ADDR_ANY 4
#define PORT_2017 0
#define LEN_5 3
#define LEN_100 5
#define LEN_1000 7
#define LEN_65483 9
#define LEN_200K 15
#define T_10US 2
#define T_1MS 4
#define T_40MS 7
#define T_1S 10
#define T_10S 12
#define T_61S 16
#define T_1000S 19
#define T_NEXT 20 /* exactly the next deadline of either host */

/*
 * Header: options (A low nibble, B high: bits SACK off, TS off, WS off, kernel retry counts), four
 * sysctl picks (index | (value + 2) << 4; 0 is refused, so no change), a seed byte per host, one spare.
 */
#define HEADER 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00

/* B listens on 127.0.0.2:2017; A connects; B accepts; the handshake runs. Sockets: A0, B0 listener, B1 child. */
#define HANDSHAKE                                                                      \
	OP_SOCKET, 1, OP_LISTEN, B(0), ADDR_ANY, PORT_2017, 5, OP_SOCKET, 0, OP_CONNECT, A(0), \
		ADDR_B, PORT_2017, OP_ADVANCE, T_1MS, OP_ACCEPT, B(0)

static const uint8_t seed_n3[] = { HEADER, HANDSHAKE, OP_ADVANCE, T_1S };
static const uint8_t seed_n5[] = { HEADER,	 HANDSHAKE, OP_SEND,  A(0),	  LEN_5,	OP_ADVANCE, T_1MS,
				   OP_RECV,	 B(1),	    LEN_1000, OP_CLOSE,	  A(0),		OP_ADVANCE, T_1MS,
				   OP_RECV,	 B(1),	    LEN_1000, OP_CLOSE,	  B(1),		OP_ADVANCE, T_61S };
static const uint8_t seed_n6[] = { HEADER, HANDSHAKE, OP_CLOSE, B(1), OP_ADVANCE, T_40MS, OP_ADVANCE, T_10S,
				   OP_SEND, A(0),     LEN_5,    OP_ADVANCE, T_1S };
static const uint8_t seed_a1[] = { HEADER, OP_SOCKET, 0, OP_CONNECT, A(0), ADDR_B, PORT_2017,
				   OP_DROP, 0,	      OP_ADVANCE, T_NEXT, OP_DROP, 0, OP_ADVANCE, T_1000S };
static const uint8_t seed_a3[] = { HEADER,	HANDSHAKE, OP_SEND,    A(0), LEN_1000, OP_ADVANCE, T_1MS,
				   OP_CLOSE,	A(0),	   OP_DROP,    0,    OP_ADVANCE, T_NEXT,     OP_DROP,
				   0,		OP_ADVANCE, T_1000S };
static const uint8_t seed_bulk[] = { HEADER,   HANDSHAKE, OP_SEND, A(0), LEN_200K, OP_ADVANCE, T_1MS, OP_RECV,
				     B(1),     LEN_65483, OP_ADVANCE, T_1MS, OP_RECV, B(1), LEN_65483, OP_ADVANCE,
				     T_10S,    OP_SHUTDOWN, A(0), 2, OP_ADVANCE, T_40MS };
/* Simultaneous open: A's port 40000 to B's port 40000 and back, both SYNs on the wire at once. */
static const uint8_t seed_simopen[] = { HEADER, OP_SOCKET, 0, OP_SOCKET, 1, OP_CONNECT, A(0), ADDR_B, 3,
					OP_CONNECT, B(0), ADDR_A, 3, OP_ADVANCE, T_1MS, OP_CLOSE, A(0),
					OP_CLOSE, B(0), OP_ADVANCE, T_61S };
/* Crafted: an exact RST, a SYN on an established connection, data beyond the window. */
static const uint8_t seed_crafted[] = { HEADER, HANDSHAKE,
					OP_SEGMENT, A(0), 0, TL_TH_SYN, 0, 0, 0, 0, 0,
					OP_SEGMENT, A(0), 0, TL_TH_ACK | TL_TH_PSH, 4, 0, 0, 0, LEN_1000,
					OP_SEGMENT, B(1), 0, TL_TH_ACK | TL_TH_PSH, 0, 0, 0, 0, LEN_5,
					OP_ADVANCE, T_40MS,
					OP_SEGMENT, A(0), 0, TL_TH_RST, 0, 0, 0, 0, 0 };
/* Abort with data in flight, close with unread data, a listener closed with a child not accepted. */
static const uint8_t seed_resets[] = { HEADER, HANDSHAKE, OP_SEND, A(0), LEN_1000, OP_ADVANCE, T_10US,
				       OP_CLOSE, B(1), OP_ADVANCE, T_1MS, OP_SOCKET, 0, OP_CONNECT, A(1), ADDR_B,
				       PORT_2017, OP_ADVANCE, T_1MS, OP_CLOSE, B(0), OP_ADVANCE, T_1MS,
				       OP_ABORT, A(0), OP_ADVANCE, T_10S };

/* The server closes first, so its child ends in TIME-WAIT beside the listener; a new SYN reuses the pair. */
static const uint8_t seed_tw_reuse[] = { HEADER, HANDSHAKE, OP_CLOSE, B(1), OP_ADVANCE, T_1MS, OP_CLOSE, A(0),
					 OP_ADVANCE, T_1MS, OP_SEGMENT, B(1), 0, TL_TH_SYN, 3, 0, 0, 0, 0,
					 OP_ADVANCE, T_1MS, OP_ACCEPT, B(0), OP_ADVANCE, T_61S };
/* TIME-WAIT on the client: the server's FIN again, then an exact RST. */
static const uint8_t seed_tw_segments[] = { HEADER, HANDSHAKE, OP_CLOSE, A(0), OP_ADVANCE, T_40MS, OP_CLOSE, B(1),
					    OP_ADVANCE, T_1MS, OP_SEGMENT, A(0), 0, TL_TH_FIN | TL_TH_ACK, 2, 0, 0,
					    0, 0, OP_ADVANCE, T_1S, OP_SEGMENT, A(0), 0, TL_TH_RST, 0, 0, 0, 0, 0,
					    OP_ADVANCE, T_1S };
/* The SYN-ACK lost: a request socket whose timer runs out. */
static const uint8_t seed_a2[] = { HEADER,     OP_SOCKET, 1,	  OP_LISTEN, B(0),   ADDR_ANY, PORT_2017, 5,
				   OP_SOCKET,  0,	  OP_CONNECT, A(0),	ADDR_B, PORT_2017, OP_ADVANCE, T_10US,
				   OP_DROP,    0,	  OP_ADVANCE, T_NEXT,	OP_DROP, 0,	   OP_ADVANCE, T_NEXT,
				   OP_DROP,    0,	  OP_ADVANCE, T_10S,	OP_CLOSE, A(0),	   OP_ADVANCE, T_1000S };
/* A SYN from off the loopback (10.0.0.1): its SYN-ACKs go nowhere, so the request timer gives up. */
static const uint8_t seed_request_drop[] = { HEADER, OP_SOCKET, 1, OP_LISTEN, B(0), ADDR_ANY, PORT_2017, 5,
					     OP_SEGMENT, B(0), 0, 5, 3, TL_TH_SYN, 0, 0, 0, 0, 0,
					     OP_ADVANCE, T_1000S };
/* TCP_LINGER2 < 0 (no FIN-WAIT-2: a RST at the ACK of the FIN) and 120 s (a full socket first). */
static const uint8_t seed_linger2[] = { HEADER,	  HANDSHAKE, OP_SETSOCKOPT, A(0), 2,	1, OP_CLOSE, A(0),
					OP_ADVANCE, T_1S,  OP_SOCKET,	  0,	OP_CONNECT, A(0), ADDR_B, PORT_2017,
					OP_ADVANCE, T_1MS, OP_SETSOCKOPT, A(0), 2,	7, OP_CLOSE, A(0),
					OP_ADVANCE, T_61S, OP_ADVANCE,	  T_61S };

/*
 * Simultaneous open, both SYN-ACKs lost, A closes in SYN_RECV (FIN_WAIT1 with its SYN not
 * acknowledged), then A's retransmission timer fires. Found by this harness: the model
 * resent "data" from before its send buffer (sndbuf - 1, NULL - 1 here) at the SYN's
 * sequence number instead of the SYN-ACK. Kept as a seed so that it stays fixed.
 */
static const uint8_t seed_simopen_close[] = { HEADER, OP_SOCKET, 0, OP_SOCKET, 1, OP_CONNECT, A(0), ADDR_B, 3,
					      OP_CONNECT, B(0), ADDR_A, 3, OP_ADVANCE, T_10US, OP_DROP, 0,
					      OP_DROP, 0, OP_CLOSE, A(0), OP_DROP, 0, OP_ADVANCE, T_1S };

/*
 * Was a zero-window stall: B's window is full, B's RST is lost, A closes, and the orphan
 * armed no timer, so it lived for ever. The persist timer probes it now and gives up after
 * tcp_retries2 unanswered probes. Kept as a seed so that it stays fixed.
 */
static const uint8_t seed_zero_window[] = { HEADER,   HANDSHAKE, OP_SEND,  A(0), LEN_200K, OP_ADVANCE, T_1MS,
					    OP_CLOSE, B(1),	 OP_DROP,  0,	 OP_CLOSE, A(0),       OP_ADVANCE,
					    T_1000S };

/*
 * One seed per known limit (see the tolerances above): each passes as a tolerance and fails
 * under TCPLAB_FUZZ_STRICT=1 until the model handles it, so a fix can be checked at once.
 */
/* ACK_WAR: A connects to itself (port 40000), a made-up SYN with sequence number 0 crosses its own. */
static const uint8_t seed_ack_war[] = { HEADER, OP_SOCKET, 0, OP_CONNECT, A(0), ADDR_A, 3, OP_SEGMENT, A(0), 0,
					TL_TH_SYN, 11, 0, 0, 0, 0, 0, 0, 0, 0, OP_ADVANCE, T_1MS };
/* SCHEDULE_LIMIT: TCP_USER_TIMEOUT INT_MAX ms, then data: a schedule of more than 256 steps. */
static const uint8_t seed_schedule_limit[] = { HEADER, HANDSHAKE, OP_SETSOCKOPT, A(0), 1, 13, OP_SEND, A(0), LEN_5,
					       OP_ADVANCE, T_1S };
/* TIME_WAIT_DISCARDS_UNREAD: A shuts down, B sends 1000 bytes and closes, A enters TIME-WAIT unread. */
static const uint8_t seed_tw_unread[] = { HEADER, HANDSHAKE, OP_SHUTDOWN, A(0), 2, OP_ADVANCE, T_1MS, OP_SEND, B(1),
					  LEN_1000, OP_CLOSE, B(1), OP_ADVANCE, T_1MS, OP_RECV, A(0), LEN_1000 };
/* CLOSED_MINI_KEPT: the same, TIME-WAIT runs out while A holds it, then A closes it. */
static const uint8_t seed_mini_close[] = { HEADER, HANDSHAKE, OP_SHUTDOWN, A(0), 2, OP_ADVANCE, T_1MS, OP_CLOSE, B(1),
					   OP_ADVANCE, T_1MS, OP_ADVANCE, T_61S, OP_CLOSE, A(0), OP_ADVANCE, T_1MS };
/*
 * RECEIVE_CREEP: A connects to itself (its first port, 40000) and sends 200 KB it never reads;
 * once a data segment overtakes a pure ACK (the swap), every segment it receives lets it send
 * the next one into the window it re-offers.
 */
static const uint8_t seed_self_feed[] = { HEADER,     OP_SOCKET, 0,    OP_CONNECT, A(0), ADDR_A, 3, OP_DELIVER, 2,
					  OP_SEND,    A(0),	 LEN_200K, OP_DELIVER, 2,   OP_SWAP, 0, OP_ADVANCE,
					  T_1S };
/* RECONNECT_ACCEPTED: A aborts, then B's accepted socket, reset, is connected again. */
static const uint8_t seed_reconnect[] = { HEADER,    HANDSHAKE, OP_ABORT, A(0),   OP_ADVANCE,
					  T_1MS,     OP_CONNECT, B(1),     ADDR_A, PORT_2017 };
/* DATA_AFTER_FIN: A, connected to itself, gets 5 bytes and a FIN it never sent, then sends 100 bytes. */
static const uint8_t seed_data_after_fin[] = { HEADER,	   OP_SOCKET, 0, OP_CONNECT, A(0), ADDR_A, 3, OP_ADVANCE,
					       T_1MS,	   OP_SEGMENT, A(0), 0, TL_TH_FIN | TL_TH_ACK, 0, 0, 0, 0,
					       LEN_5,	   OP_SEND, A(0), LEN_100, OP_ADVANCE, T_1MS, OP_RECV, A(0),
					       LEN_65483 };

struct seed {
	const char *name;
	const uint8_t *bytes;
	size_t len;
};

#define SEED(n) { #n, n, sizeof(n) }
static const struct seed seeds[] = { SEED(seed_n3),	 SEED(seed_n5),	     SEED(seed_n6),
				     SEED(seed_a1),	 SEED(seed_a3),	     SEED(seed_bulk),
				     SEED(seed_simopen), SEED(seed_crafted), SEED(seed_resets),
				     SEED(seed_tw_reuse), SEED(seed_tw_segments), SEED(seed_a2),
				     SEED(seed_linger2), SEED(seed_request_drop), SEED(seed_simopen_close), SEED(seed_zero_window),
				     SEED(seed_ack_war), SEED(seed_schedule_limit), SEED(seed_tw_unread),
				     SEED(seed_mini_close), SEED(seed_self_feed), SEED(seed_reconnect),
				     SEED(seed_data_after_fin) };

static int write_seeds(const char *dir)
{
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].name);
		fprintf(stderr, "seed %s\n", seeds[i].name); /* names the seed a report below is about */
		FILE *fp = fopen(path, "wb");
		if (!fp || fwrite(seeds[i].bytes, 1, seeds[i].len, fp) != seeds[i].len || fclose(fp) != 0) {
			perror(path);
			return 1;
		}
		LLVMFuzzerTestOneInput(seeds[i].bytes, seeds[i].len); /* every seed passes, or we stop here */
	}
	printf("%zu seeds written to %s\n", sizeof(seeds) / sizeof(seeds[0]), dir);
	return 0;
}

static void print_tolerated(void)
{
	fprintf(stderr, "tcp_model_fuzz: tolerated known model limits:");
	for (int i = 0; i < TOLERATE_COUNT; i++)
		fprintf(stderr, "%s %s %lu", i ? "," : "", tolerance_names[i], tolerated[i]);
	fprintf(stderr, "%s\n", strict ? " (strict: none allowed)" : "");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(print_tolerated);
	const char *t = getenv("TCPLAB_FUZZ_TRACE");
	trace_on = t && *t && strcmp(t, "0");
	const char *s = getenv("TCPLAB_FUZZ_STRICT");
	strict = s && *s && strcmp(s, "0");
	const char *dir = getenv("TCPLAB_FUZZ_WRITE_SEEDS");
	if (dir && *dir)
		exit(write_seeds(dir));
	return 0;
}
