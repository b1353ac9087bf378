/*
 * Unit tests of the TCP model: one stack, a test wire that carries its
 * segments back to it after 10 us (or drops them), and virtual time.
 * Covers the handshake, data and its ACK, both teardowns, simultaneous
 * close and open, resets for segments that reach no socket, the
 * retransmission schedules (checked against timer_model's predictions),
 * TIME-WAIT and FIN-WAIT-2 expiry, and the sequence-space invariants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "model/tcp_model.h"
#include "model/timer_model.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define JIFFY (4 * MS) /* HZ 250 */
#define WIRE_NS (10 * US)
#define MAX_SEGS 512
#define MAX_NOTES 512
#define SERVER_PORT 2017

enum { S = TL_TH_SYN, A = TL_TH_ACK, F = TL_TH_FIN, P = TL_TH_PSH, R = TL_TH_RST };

struct wire_seg {
	struct tl_tcp_seg seg;
	uint8_t *payload; /* owned copy */
	uint64_t sent_ns;
	bool dropped;
};

struct harness {
	struct tl_tcp_stack *st;
	uint64_t now_ns;
	struct wire_seg segs[MAX_SEGS];
	size_t n_segs, next_delivery;
	struct tl_tcp_note notes[MAX_NOTES]; /* seg pointers are not kept */
	size_t n_notes;
	bool (*drop)(struct harness *h, const struct tl_tcp_seg *seg); /* NULL: deliver everything */
	int drop_budget; /* for drop functions that drop a few */
};

static void on_note(void *ctx, const struct tl_tcp_note *n)
{
	struct harness *h = ctx;
	if (n->kind == TL_TCP_NOTE_SEGMENT) {
		assert_true(h->n_segs < MAX_SEGS);
		struct wire_seg *w = &h->segs[h->n_segs++];
		w->seg = *n->seg;
		w->sent_ns = n->now_ns;
		w->payload = NULL;
		if (n->seg->payload_len) {
			w->payload = malloc(n->seg->payload_len);
			assert_non_null(w->payload);
			memcpy(w->payload, n->seg->payload, n->seg->payload_len);
		}
		w->seg.payload = w->payload;
		w->dropped = h->drop && h->drop(h, n->seg);
	}
	assert_true(h->n_notes < MAX_NOTES);
	h->notes[h->n_notes] = *n;
	h->notes[h->n_notes++].seg = NULL;
}

static struct harness *harness_new(const struct tl_tcp_config *cfg)
{
	struct harness *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	struct tl_tcp_config def;
	if (!cfg) {
		tl_tcp_config_default(&def);
		cfg = &def;
	}
	h->st = tl_tcp_stack_new(cfg, on_note, h);
	assert_non_null(h->st);
	return h;
}

static void harness_free(struct harness *h)
{
	for (size_t i = 0; i < h->n_segs; i++)
		free(h->segs[i].payload);
	tl_tcp_stack_free(h->st);
	free(h);
}

/* Every socket keeps snd_una <= snd_nxt and never acknowledges beyond what it received. */
static void check_invariants(const struct harness *h)
{
	int ids[64];
	size_t n = tl_tcp_sockets(h->st, ids, 64);
	assert_true(n <= 64); /* the tests of one connection or a few */
	for (size_t i = 0; i < n; i++) {
		struct tl_tcp_info info;
		assert_int_equal(tl_tcp_info(h->st, ids[i], &info), 0);
		if (info.kind != TL_TCP_FULL || info.state == TL_LISTEN || info.state == TL_CLOSE)
			continue;
		if ((int32_t)(info.snd_nxt - info.snd_una) < 0)
			fail_msg("socket %d in %s: snd_una %u > snd_nxt %u", ids[i], tl_state_name(info.state),
				 info.snd_una, info.snd_nxt);
	}
}

/* Runs the wire and the timers up to until_ns. */
static void run_until(struct harness *h, uint64_t until_ns)
{
	for (;;) {
		uint64_t t = tl_tcp_next_deadline_ns(h->st);
		if (h->next_delivery < h->n_segs && h->segs[h->next_delivery].sent_ns + WIRE_NS < t)
			t = h->segs[h->next_delivery].sent_ns + WIRE_NS;
		if (t > until_ns)
			break;
		h->now_ns = t;
		tl_tcp_advance(h->st, t);
		while (h->next_delivery < h->n_segs && h->segs[h->next_delivery].sent_ns + WIRE_NS <= t) {
			struct wire_seg *w = &h->segs[h->next_delivery++];
			if (!w->dropped)
				tl_tcp_input(h->st, &w->seg, t);
		}
		check_invariants(h);
	}
	h->now_ns = until_ns;
}

static void run_for(struct harness *h, uint64_t ns)
{
	run_until(h, h->now_ns + ns);
}

static const struct tl_addr *loopback(void)
{
	static struct tl_addr lo;
	lo = tl_addr_loopback(AF_INET);
	return &lo;
}

/* The flags of every segment on the wire, tcpdump-like: "S S. . P. ." */
static void flag_string(const struct harness *h, size_t from, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = from; i < h->n_segs; i++) {
		char letters[12];
		tl_flags_letters(h->segs[i].seg.flags, letters);
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s%s", used ? " " : "", letters);
	}
}

static void assert_flags(const struct harness *h, size_t from, const char *want)
{
	char got[512];
	flag_string(h, from, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("packets '%s', expected '%s'", got, want);
}

/* The state path of the sockets with this local port (listener excluded), as "A B C". */
static void state_path(const struct harness *h, uint16_t port, char *out, size_t len)
{
	enum tl_state last = TL_STATE_NONE;
	out[0] = '\0';
	for (size_t i = 0; i < h->n_notes; i++) {
		const struct tl_tcp_note *n = &h->notes[i];
		if (n->kind != TL_TCP_NOTE_STATE || n->tuple.sport != port || !n->tuple.dport)
			continue;
		enum tl_state steps[2] = { n->from, n->to };
		for (int k = 0; k < 2; k++) {
			if (steps[k] == last)
				continue;
			size_t used = strlen(out);
			snprintf(out + used, len - used, "%s%s", used ? " " : "", tl_state_name(steps[k]));
			last = steps[k];
		}
	}
}

static void assert_path(const struct harness *h, uint16_t port, const char *want)
{
	char got[512];
	state_path(h, port, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("port %u states '%s', expected '%s'", port, got, want);
}

/* A listener on 2017, a client connected to it and the accepted child. */
struct conn {
	int listener, client, child;
	uint16_t client_port;
};

static struct conn connect_pair(struct harness *h)
{
	struct conn c;
	c.listener = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, c.listener, loopback(), SERVER_PORT, 16, h->now_ns), 0);
	c.client = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_connect(h->st, c.client, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	assert_int_equal(tl_tcp_connect_result(h->st, c.client), 0);
	struct tl_tuple peer;
	c.child = tl_tcp_accept(h->st, c.listener, &peer, h->now_ns);
	assert_true(c.child >= 0);
	c.client_port = peer.dport;
	return c;
}

static enum tl_state state_of(const struct harness *h, int sock)
{
	struct tl_tcp_info info;
	assert_int_equal(tl_tcp_info(h->st, sock, &info), 0);
	return info.state;
}

/* ---- tests ---- */

static void handshake(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	assert_flags(h, 0, "S S. .");
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED");
	assert_path(h, SERVER_PORT, "LISTEN SYN_RECV ESTABLISHED");
	assert_int_equal(state_of(h, c.child), TL_ESTABLISHED);
	/* The SYN-ACK acknowledges the SYN; the ACK acknowledges the SYN-ACK. */
	assert_int_equal(h->segs[1].seg.ack, h->segs[0].seg.seq + 1);
	assert_int_equal(h->segs[2].seg.ack, h->segs[1].seg.seq + 1);
	/* Windows as on this kernel's loopback: 65495, 65483, then 64 << 10. */
	assert_int_equal(h->segs[0].seg.window, 65495);
	assert_int_equal(h->segs[1].seg.window, 65483);
	assert_int_equal(h->segs[2].seg.window, 64);
	harness_free(h);
}

/* The option bytes of a real loopback SYN (tcpdump -XX of `tcplab run N5`). */
static void syn_options_as_captured(void **state)
{
	(void)state;
	static const uint8_t captured[] = {
		0x02, 0x04, 0xff, 0xd7,			    /* mss 65495 */
		0x04, 0x02,				    /* sackOK */
		0x08, 0x0a, 0xd0, 0x88, 0x97, 0xfb, 0, 0, 0, 0, /* TS val 3498612731 ecr 0 */
		0x01,					    /* nop */
		0x03, 0x03, 0x0a,			    /* wscale 10 */
	};
	struct tl_tcp_options o;
	assert_true(tl_tcp_options_decode(captured, sizeof(captured), &o));
	assert_true(o.mss_set && o.sack_ok && o.ts_set && o.wscale_set);
	assert_int_equal(o.mss, 65495);
	assert_int_equal(o.ts_val, 3498612731u);
	assert_int_equal(o.wscale, 10);
	struct tl_tcp_seg seg = { .flags = S, .opt = o };
	uint8_t out[TL_TCP_MAX_OPTIONS];
	assert_int_equal(tl_tcp_options_encode(&seg, out), sizeof(captured));
	assert_memory_equal(out, captured, sizeof(captured));
	/* Later segments carry nop, nop, TS. */
	seg.flags = A;
	assert_int_equal(tl_tcp_options_encode(&seg, out), 12);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[2], 8);
}

static void data_acked_at_once(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	size_t mark = h->n_segs;
	uint64_t sent_ns = h->now_ns;
	assert_int_equal(tl_tcp_send(h->st, c.client, "hello", 5, h->now_ns), 5);
	run_for(h, 100 * US);
	assert_flags(h, mark, "P. .");
	/* Quick-ACK mode: the first data is ACKed on arrival, not on the delayed-ACK timer. */
	assert_true(h->segs[mark + 1].sent_ns - sent_ns <= WIRE_NS);
	assert_int_equal(h->segs[mark + 1].seg.ack, h->segs[mark].seg.seq + 5);
	assert_int_equal(h->segs[mark + 1].seg.window, 64);
	char buf[16];
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), -EAGAIN);
	struct tl_tcp_info info;
	tl_tcp_info(h->st, c.client, &info);
	assert_int_equal(info.snd_una, info.snd_nxt);
	assert_int_equal(info.unacked, 0);
	harness_free(h);
}

/* N5: the server closes before its delayed ACK: legs 2 and 3 merge; TIME-WAIT lasts 60 s. */
static void client_closes_first(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	size_t mark = h->n_segs;
	char buf[16];
	assert_int_equal(tl_tcp_send(h->st, c.client, "hello", 5, h->now_ns), 5);
	run_for(h, 50 * US);
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), 5);
	assert_int_equal(tl_tcp_close(h->st, c.client, h->now_ns), 0);
	run_for(h, 50 * US);
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), 0);
	assert_int_equal(tl_tcp_close(h->st, c.child, h->now_ns), 0);
	run_for(h, 1 * MS);
	assert_flags(h, mark, "P. . F. F. .");
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
	assert_path(h, SERVER_PORT, "LISTEN SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE");
	/* TIME-WAIT: 60 s of virtual time, then CLOSE. */
	uint64_t tw_start = 0;
	for (size_t i = 0; i < h->n_notes; i++)
		if (h->notes[i].kind == TL_TCP_NOTE_STATE && h->notes[i].to == TL_TIME_WAIT)
			tw_start = h->notes[i].now_ns;
	run_for(h, 59 * SEC);
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
	run_for(h, 2 * SEC);
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE");
	const struct tl_tcp_note *last = &h->notes[h->n_notes - 1];
	assert_int_equal(last->to, TL_CLOSE);
	uint64_t tw_ns = last->now_ns - tw_start;
	/* Armed between two ticks for 60 s: it ends on the first tick after, never short of 60 s. */
	if (tw_ns < 60 * SEC || tw_ns >= 60 * SEC + 4 * MS)
		fail_msg("TIME-WAIT lasted %.6f s, expected 60 s and the part of a tick", tw_ns / 1e9);
	assert_int_equal(tl_tcp_sockets(h->st, NULL, 0), 1); /* only the listener */
	harness_free(h);
}

static int64_t stack_counter(const struct tl_tcp_stack *st, const char *name)
{
	struct tl_counter all[32];
	struct tl_counters kept = { .v = all, .n = tl_tcp_counters(st, all, 32) };
	assert_true(kept.n <= 32);
	const struct tl_counter *c = tl_counter_find(&kept, name);
	if (!c)
		fail_msg("the model keeps no counter %s", name);
	return c ? c->delta : -1;
}

static int64_t counter(const struct harness *h, const char *name)
{
	return stack_counter(h->st, name);
}

/*
 * sk_acceptq_is_full(): the queue is full once it holds more than the
 * backlog, so backlog 0 takes one connection; the next SYN is dropped
 * unanswered and counted, and the client's resent SYN gets in once
 * accept() made room.
 */
static void full_accept_queue_drops_the_syn(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	int listener = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, listener, loopback(), SERVER_PORT, 0, h->now_ns), 0);
	int a = tl_tcp_socket(h->st), b = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_connect(h->st, a, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	assert_int_equal(tl_tcp_connect_result(h->st, a), 0);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_connect(h->st, b, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 300 * MS);
	assert_flags(h, mark, "S"); /* no SYN-ACK */
	assert_int_equal(counter(h, "TcpExtListenOverflows"), 1);
	assert_int_equal(counter(h, "TcpExtListenDrops"), 1);
	struct tl_tuple peer;
	assert_true(tl_tcp_accept(h->st, listener, &peer, h->now_ns) >= 0);
	run_for(h, 1 * SEC);
	assert_int_equal(tl_tcp_connect_result(h->st, b), 0);
	assert_flags(h, mark, "S S S. .");
	assert_int_equal(counter(h, "TcpExtListenOverflows"), 1);
	harness_free(h);
}

/* The client in its own TIME-WAIT connects again from its bound port. Returns connect's result. */
static int reconnect_from_time_wait(struct harness *h, int *again, uint16_t *port)
{
	int listener = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, listener, loopback(), SERVER_PORT, 16, h->now_ns), 0);
	int client = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_bind(h->st, client, loopback(), 40001, h->now_ns), 0);
	assert_int_equal(tl_tcp_connect(h->st, client, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	struct tl_tuple peer;
	int child = tl_tcp_accept(h->st, listener, &peer, h->now_ns);
	assert_true(child >= 0);
	assert_int_equal(tl_tcp_close(h->st, client, h->now_ns), 0);
	run_for(h, 50 * US);
	assert_int_equal(tl_tcp_close(h->st, child, h->now_ns), 0);
	run_for(h, 20 * MS);
	assert_path(h, 40001, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
	*again = tl_tcp_socket(h->st);
	*port = 40001;
	assert_int_equal(tl_tcp_bind(h->st, *again, loopback(), 40001, h->now_ns), 0);
	return tl_tcp_connect(h->st, *again, loopback(), SERVER_PORT, h->now_ns);
}

/*
 * A connect from the port of our own TIME-WAIT (__inet_check_established):
 * with timestamps the time-wait socket gives way at once, the new ISN 65537
 * past the old one's numbers and the SYN's window computed with the
 * timestamp option's room taken off; without, EADDRNOTAVAIL after an
 * instant in SYN-SENT and no SYN.
 */
static void connect_takes_over_or_is_refused_by_time_wait(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	int again;
	uint16_t port;
	size_t mark = h->n_segs;
	assert_int_equal(reconnect_from_time_wait(h, &again, &port), -EINPROGRESS);
	const struct tl_tcp_seg *old_fin = NULL, *syn = &h->segs[h->n_segs - 1].seg;
	for (size_t i = mark; i < h->n_segs; i++)
		if (h->segs[i].seg.tuple.sport == port && (h->segs[i].seg.flags & TL_TH_FIN))
			old_fin = &h->segs[i].seg;
	assert_non_null(old_fin);
	assert_int_equal(syn->flags, TL_TH_SYN);
	assert_int_equal(syn->seq, old_fin->seq + 1 + 65535 + 2);
	assert_int_equal(syn->window, 65483);
	assert_path(h, 40001, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE SYN_SENT");
	harness_free(h);

	struct tl_tcp_config cfg;
	char err[128];
	tl_tcp_config_default(&cfg);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_timestamps", "0", err, sizeof(err)), 0);
	h = harness_new(&cfg);
	assert_int_equal(reconnect_from_time_wait(h, &again, &port), -EADDRNOTAVAIL);
	assert_int_equal(h->segs[h->n_segs - 1].seg.flags, TL_TH_ACK); /* the old connection's last ACK: no SYN */
	assert_path(h, 40001, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE SYN_SENT CLOSE");
	harness_free(h);
}

/*
 * A half-close: the client shuts down its sending side, and the server's
 * reply and FIN both arrive before the client reads. The client's socket is
 * then in TIME-WAIT, but, as on the kernel, recv() still returns the reply
 * first and only then the end of file.
 */
static void unread_data_survives_time_wait(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	char buf[16];
	assert_int_equal(tl_tcp_shutdown(h->st, c.client, 1, h->now_ns), 0);
	run_for(h, 50 * US);
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), 0);
	assert_int_equal(tl_tcp_send(h->st, c.child, "reply", 5, h->now_ns), 5);
	assert_int_equal(tl_tcp_close(h->st, c.child, h->now_ns), 0);
	run_for(h, 1 * MS);
	assert_int_equal(state_of(h, c.client), TL_TIME_WAIT);
	assert_int_equal(tl_tcp_recv(h->st, c.client, buf, sizeof(buf), h->now_ns), 5);
	assert_memory_equal(buf, "reply", 5);
	assert_int_equal(tl_tcp_recv(h->st, c.client, buf, sizeof(buf), h->now_ns), 0);
	assert_int_equal(tl_tcp_send(h->st, c.client, "x", 1, h->now_ns), -EPIPE);
	harness_free(h);
}

static struct tl_tcp_config fin_timeout_config(int seconds)
{
	struct tl_tcp_config cfg;
	char value[16], err[256];
	tl_tcp_config_default(&cfg);
	snprintf(value, sizeof(value), "%d", seconds);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_fin_timeout", value, err, sizeof(err)), 0);
	return cfg;
}

/* N6: the client's delayed ACK, the orphan's FIN-WAIT-2 timeout, then a bare R for the late FIN. */
static void server_closes_first(void **state)
{
	(void)state;
	struct tl_tcp_config cfg = fin_timeout_config(2);
	struct harness *h = harness_new(&cfg);
	struct conn c = connect_pair(h);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_close(h->st, c.child, h->now_ns), 0);
	run_for(h, 20 * MS);
	assert_flags(h, mark, "F. .");
	/* The FIN put the client in ping-pong mode: its ACK waits for the next tick (HZ 250: at most 4 ms). */
	uint64_t ack_delay = h->segs[mark + 1].sent_ns - h->segs[mark].sent_ns;
	assert_true(ack_delay > WIRE_NS && ack_delay <= 4 * MS + WIRE_NS);
	assert_int_equal(state_of(h, c.client), TL_CLOSE_WAIT);
	struct tl_sock_row rows[8];
	size_t n = tl_tcp_snapshot(h->st, h->now_ns, rows, 8);
	assert_int_equal(n, 3);
	assert_int_equal(rows[2].state, TL_FIN_WAIT2);
	assert_int_equal(rows[2].timer, TL_TIMER_TIMEWAIT);
	assert_int_equal(rows[1].recv_q, 1); /* the FIN, unread */
	run_for(h, 2 * SEC);
	assert_path(h, SERVER_PORT, "LISTEN SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE");
	mark = h->n_segs;
	assert_int_equal(tl_tcp_close(h->st, c.client, h->now_ns), 0);
	run_for(h, 1 * MS);
	assert_flags(h, mark, "F. R");
	/* A bare R takes the FIN's ACK as its sequence number. */
	assert_int_equal(h->segs[mark + 1].seg.seq, h->segs[mark].seg.ack);
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE");
	harness_free(h);
}

/* Both FINs cross: FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both sides. */
static void simultaneous_close(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_close(h->st, c.client, h->now_ns), 0);
	assert_int_equal(tl_tcp_close(h->st, c.child, h->now_ns), 0);
	run_for(h, 1 * MS);
	assert_flags(h, mark, "F. F. . .");
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT");
	assert_path(h, SERVER_PORT, "LISTEN SYN_RECV ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT");
	harness_free(h);
}

/* Two connecting sockets whose SYNs cross: S S S. S. . . and both ESTABLISHED. */
static void simultaneous_open(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	int a = tl_tcp_socket(h->st), b = tl_tcp_socket(h->st);
	/* Ports are handed out in order: a gets 40000, b 40001; each connects to the other. */
	assert_int_equal(tl_tcp_connect(h->st, a, loopback(), 40001, 0), -EINPROGRESS);
	assert_int_equal(tl_tcp_connect(h->st, b, loopback(), 40000, 0), -EINPROGRESS);
	run_for(h, 1 * MS);
	assert_flags(h, 0, "S S S. S. . .");
	assert_int_equal(tl_tcp_connect_result(h->st, a), 0);
	assert_int_equal(tl_tcp_connect_result(h->st, b), 0);
	assert_path(h, 40000, "CLOSE SYN_SENT SYN_RECV ESTABLISHED");
	assert_path(h, 40001, "CLOSE SYN_SENT SYN_RECV ESTABLISHED");
	assert_int_equal(tl_tcp_send(h->st, a, "hi", 2, h->now_ns), 2);
	run_for(h, 1 * MS);
	char buf[4];
	assert_int_equal(tl_tcp_recv(h->st, b, buf, sizeof(buf), h->now_ns), 2);
	harness_free(h);
}

/* N1: a SYN to a closed port gets R. (seq 0, ack isn+1); connect() fails with ECONNREFUSED. */
static void reset_for_no_socket(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	int s = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_connect(h->st, s, loopback(), SERVER_PORT, 0), -EINPROGRESS);
	run_for(h, 1 * MS);
	assert_flags(h, 0, "S R.");
	assert_int_equal(h->segs[1].seg.seq, 0);
	assert_int_equal(h->segs[1].seg.ack, h->segs[0].seg.seq + 1);
	assert_int_equal(h->segs[1].seg.window, 0);
	assert_int_equal(tl_tcp_connect_result(h->st, s), -ECONNREFUSED);
	assert_path(h, 40000, "CLOSE SYN_SENT CLOSE");

	/* A segment with ACK gets a bare R whose sequence number is that ACK; a RST gets nothing. */
	struct tl_tcp_seg stray = {
		.tuple = { .saddr = *loopback(), .daddr = *loopback(), .sport = 5555, .dport = 6666 },
		.seq = 100, .ack = 777, .flags = A | P, .payload_len = 0,
	};
	size_t mark = h->n_segs;
	tl_tcp_input(h->st, &stray, h->now_ns);
	stray.flags = R;
	tl_tcp_input(h->st, &stray, h->now_ns);
	assert_flags(h, mark, "R");
	assert_int_equal(h->segs[mark].seg.seq, 777);
	assert_int_equal(h->segs[mark].seg.tuple.sport, 6666);
	harness_free(h);
}

static bool drop_client(struct harness *h, const struct tl_tcp_seg *seg)
{
	(void)h;
	return seg->tuple.dport == SERVER_PORT;
}

/* Drops the client's data segments number 2 and 3 (counting from 1), once each. */
static bool drop_second_and_third_data(struct harness *h, const struct tl_tcp_seg *seg)
{
	if (seg->tuple.dport != SERVER_PORT || !seg->payload_len)
		return false;
	h->drop_budget++;
	return h->drop_budget == 2 || h->drop_budget == 3;
}

/* Retransmission and give-up times of the nth segment kind, against timer_model's schedule. */
static void assert_schedule(const struct harness *h, uint8_t flags_mask, uint8_t flags, uint64_t base_ns,
			    const struct tl_timer_schedule *sc)
{
	size_t k = 0;
	for (size_t i = 0; i < h->n_segs; i++) {
		if ((h->segs[i].seg.flags & flags_mask) != flags || h->segs[i].sent_ns <= base_ns)
			continue;
		assert_true(k < sc->n_retx);
		assert_int_equal(h->segs[i].sent_ns - base_ns, (uint64_t)sc->retx[k].at_ms * MS);
		k++;
	}
	assert_int_equal(k, sc->n_retx);
}

static void syn_retransmissions_follow_timer_model(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	h->drop = drop_client;
	int l = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, l, loopback(), SERVER_PORT, 16, 0), 0);
	int s = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_connect(h->st, s, loopback(), SERVER_PORT, 0), -EINPROGRESS);
	run_for(h, 300 * SEC);
	struct tl_timer_settings set;
	tl_timer_settings_default(&set);
	struct tl_timer_schedule *sc = malloc(sizeof(*sc));
	assert_non_null(sc);
	assert_int_equal(tl_timer_predict(TL_TIMER_SYN_SENT, &set, sc, NULL, 0), 0);
	/* Time 0 is on a tick: the schedule applies exactly. */
	assert_schedule(h, S | A, S, 0, sc);
	assert_int_equal(tl_tcp_connect_result(h->st, s), -ETIMEDOUT);
	const struct tl_tcp_note *end = NULL;
	for (size_t i = 0; i < h->n_notes; i++)
		if (h->notes[i].kind == TL_TCP_NOTE_STATE && h->notes[i].from == TL_SYN_SENT)
			end = &h->notes[i];
	assert_non_null(end);
	assert_int_equal(end->to, TL_CLOSE);
	assert_int_equal(end->now_ns, (uint64_t)sc->give_up_ms * MS);
	size_t retrans = 0;
	for (size_t i = 0; i < h->n_notes; i++)
		retrans += h->notes[i].kind == TL_TCP_NOTE_RETRANS && h->notes[i].retrans == TL_RETRANS_SYN;
	assert_int_equal(retrans, sc->n_retx);
	free(sc);
	harness_free(h);
}

static void orphan_fin_retransmissions_follow_timer_model(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	run_until(h, 4 * MS); /* start on a tick */
	h->drop = drop_client;
	uint64_t base = h->now_ns;
	assert_int_equal(tl_tcp_close(h->st, c.client, base), 0);
	run_for(h, 200 * SEC);
	struct tl_timer_settings set;
	tl_timer_settings_default(&set);
	struct tl_timer_schedule *sc = malloc(sizeof(*sc));
	assert_non_null(sc);
	assert_int_equal(tl_timer_predict(TL_TIMER_FIN_WAIT1, &set, sc, NULL, 0), 0);
	assert_schedule(h, F, F, base, sc);
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 CLOSE");
	const struct tl_tcp_note *last = NULL;
	for (size_t i = 0; i < h->n_notes; i++)
		if (h->notes[i].kind == TL_TCP_NOTE_STATE && h->notes[i].tuple.sport == c.client_port)
			last = &h->notes[i];
	assert_int_equal(last->now_ns - base, (uint64_t)sc->give_up_ms * MS);
	/* Destroyed silently: no RST on the wire. */
	for (size_t i = 0; i < h->n_segs; i++)
		assert_false(h->segs[i].seg.flags & R);
	free(sc);
	harness_free(h);
}

/* SO_LINGER 0: R. and ECONNRESET for the peer's next call. */
static void abort_resets_the_peer(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_abort(h->st, c.client, h->now_ns), 0);
	run_for(h, 1 * MS);
	assert_flags(h, mark, "R.");
	char buf[4];
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), -ECONNRESET);
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), 0);
	assert_int_equal(tl_tcp_send(h->st, c.child, "x", 1, h->now_ns), -EPIPE);
	harness_free(h);
}

/* close() with unread data sends R. instead of a FIN. */
static void close_with_unread_data_resets(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	assert_int_equal(tl_tcp_send(h->st, c.client, "hello", 5, h->now_ns), 5);
	run_for(h, 100 * US);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_close(h->st, c.child, h->now_ns), 0);
	run_for(h, 1 * MS);
	assert_flags(h, mark, "R.");
	assert_int_equal(state_of(h, c.client), TL_CLOSE);
	harness_free(h);
}

/* TIME-WAIT answers a retransmitted FIN with an ACK. */
static void time_wait_reacks_fin(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	assert_int_equal(tl_tcp_close(h->st, c.client, h->now_ns), 0);
	run_for(h, 50 * US);
	assert_int_equal(tl_tcp_close(h->st, c.child, h->now_ns), 0);
	run_for(h, 1 * MS);
	assert_path(h, c.client_port, "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
	struct tl_tcp_seg fin = { 0 };
	for (size_t i = 0; i < h->n_segs; i++)
		if ((h->segs[i].seg.flags & F) && h->segs[i].seg.tuple.sport == SERVER_PORT)
			fin = h->segs[i].seg;
	size_t mark = h->n_segs;
	tl_tcp_input(h->st, &fin, h->now_ns);
	assert_flags(h, mark, ".");
	assert_int_equal(h->segs[mark].seg.ack, fin.seq + 1);
	harness_free(h);
}

/*
 * A FIN received twice (the peer resent it: our ACK rode on our own FIN,
 * which was lost) is ACKed at once with a D-SACK block naming the
 * duplicate, as tcp_data_queue() does through tcp_dsack_set(): the kernel
 * sent "nop,nop,TS,nop,nop,sack 1 {4:5}" in fin-ack-lost. Without SACK
 * negotiated the ACK carries no block.
 */
static void duplicate_fin_gets_dsack(void **state)
{
	(void)state;
	for (int sack = 1; sack >= 0; sack--) {
		struct tl_tcp_config cfg;
		char err[256];
		tl_tcp_config_default(&cfg);
		assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_sack", sack ? "1" : "0", err, sizeof(err)), 0);
		struct harness *h = harness_new(&cfg);
		struct conn c = connect_pair(h);
		assert_int_equal(tl_tcp_close(h->st, c.client, h->now_ns), 0);
		run_for(h, 50 * US);
		assert_int_equal(state_of(h, c.child), TL_CLOSE_WAIT);
		struct tl_tcp_seg fin = h->segs[h->n_segs - 1].seg;
		assert_true(fin.flags & F);
		run_for(h, 10 * MS); /* the delayed ACK of the FIN has left */
		size_t mark = h->n_segs;
		tl_tcp_input(h->st, &fin, h->now_ns);
		assert_flags(h, mark, ".");
		const struct tl_tcp_seg *ack = &h->segs[mark].seg;
		assert_int_equal(ack->opt.sack_block_set, sack);
		if (sack) {
			assert_int_equal(ack->opt.sack_left, fin.seq);
			assert_int_equal(ack->opt.sack_right, fin.seq + 1);
			uint8_t out[TL_TCP_MAX_OPTIONS];
			struct tl_tcp_options back;
			size_t n = tl_tcp_options_encode(ack, out);
			assert_int_equal(n, 24); /* nop, nop, TS (10), nop, nop, sack (10) */
			assert_true(tl_tcp_options_decode(out, n, &back));
			assert_true(back.sack_block_set);
			assert_int_equal(back.sack_left, fin.seq);
			assert_int_equal(back.sack_right, fin.seq + 1);
		}
		/* Reported once: the next segment carries no block. */
		size_t next = h->n_segs;
		assert_int_equal(tl_tcp_send(h->st, c.child, "x", 1, h->now_ns), 1);
		assert_true(h->n_segs > next);
		assert_false(h->segs[next].seg.opt.sack_block_set);
		harness_free(h);
	}
}

/* TCP_LINGER2 < 0: the orphan is destroyed when its FIN is ACKed and answers with a RST. */
static void linger2_negative_resets(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	assert_int_equal(tl_tcp_setsockopt(h->st, c.child, TL_OPT_LINGER2, -1, h->now_ns), 0);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_close(h->st, c.child, h->now_ns), 0);
	run_for(h, 20 * MS);
	assert_flags(h, mark, "F. . R");
	assert_path(h, SERVER_PORT, "LISTEN SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE");
	harness_free(h);
}

/* A full send buffer, segments of at most the MSS, and every byte arrives in order. */
static void bulk_data_arrives_in_order(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	size_t len = 200000;
	uint8_t *data = malloc(len), *got = malloc(len);
	assert_non_null(data);
	assert_non_null(got);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(tl_tcp_send(h->st, c.client, data, len, h->now_ns), (long)len);
	size_t have = 0;
	for (int round = 0; round < 100 && have < len; round++) {
		run_for(h, 1 * MS);
		long n;
		while ((n = tl_tcp_recv(h->st, c.child, got + have, len - have, h->now_ns)) > 0)
			have += (size_t)n;
	}
	if (have != len) {
		for (size_t i = 0; i < h->n_segs; i++)
			print_message("%u>%u flags %02x seq %u ack %u win %u len %u\n", h->segs[i].seg.tuple.sport,
				      h->segs[i].seg.tuple.dport, h->segs[i].seg.flags, h->segs[i].seg.seq,
				      h->segs[i].seg.ack, h->segs[i].seg.window, h->segs[i].seg.payload_len);
	}
	assert_int_equal(have, len);
	assert_memory_equal(got, data, len);
	for (size_t i = 0; i < h->n_segs; i++)
		assert_true(h->segs[i].seg.payload_len <= 65483);
	free(data);
	free(got);
	harness_free(h);
}

/* Lost segments in the middle of a transfer: the timer resends from snd_una and the rest follows. */
static void lost_data_is_resent(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	h->drop = drop_second_and_third_data;
	size_t len = 300000;
	uint8_t *data = malloc(len), *got = malloc(len);
	assert_non_null(data);
	assert_non_null(got);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(tl_tcp_send(h->st, c.client, data, len, h->now_ns), (long)len);
	size_t have = 0;
	for (int round = 0; round < 3000 && have < len; round++) {
		run_for(h, 1 * MS);
		long n;
		while ((n = tl_tcp_recv(h->st, c.child, got + have, len - have, h->now_ns)) > 0)
			have += (size_t)n;
	}
	assert_int_equal(have, len);
	assert_memory_equal(got, data, len);
	size_t retrans = 0;
	for (size_t i = 0; i < h->n_notes; i++)
		retrans += h->notes[i].kind == TL_TCP_NOTE_RETRANS;
	assert_true(retrans >= 2);
	run_for(h, 500 * MS); /* the last ACK may wait for the delayed-ACK timer */
	struct tl_tcp_info info;
	tl_tcp_info(h->st, c.client, &info);
	assert_int_equal(info.unacked, 0);
	assert_int_equal(info.rtx_deadline_ns, 0);
	free(data);
	free(got);
	harness_free(h);
}

static void config_sysctls(void **state)
{
	(void)state;
	struct tl_tcp_config cfg;
	char err[256];
	tl_tcp_config_default(&cfg);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_syn_retries", "2", err, sizeof(err)), 0);
	assert_int_equal(cfg.timers.syn_retries, 2);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_timestamps", "0", err, sizeof(err)), 0);
	assert_false(cfg.timestamps);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_rmem", "1", err, sizeof(err)), TL_TCP_SYSCTL_UNMODELLED);
	assert_non_null(strstr(err, "not modelled"));
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_syn_retries", "x", err, sizeof(err)), -1);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_syn_retries", "0", err, sizeof(err)), -1);
	assert_int_equal(cfg.timers.syn_retries, 2);
}

/* Without timestamps the SYN says "mss, nop, nop, sackOK, nop, wscale" and data gets 65495-byte room. */
static void no_timestamps(void **state)
{
	(void)state;
	struct tl_tcp_config cfg;
	char err[256];
	tl_tcp_config_default(&cfg);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "tcp_timestamps", "0", err, sizeof(err)), 0);
	struct harness *h = harness_new(&cfg);
	connect_pair(h);
	uint8_t out[TL_TCP_MAX_OPTIONS];
	static const uint8_t want[] = { 2, 4, 0xff, 0xd7, 1, 1, 4, 2, 1, 3, 3, 10 };
	assert_int_equal(tl_tcp_options_encode(&h->segs[0].seg, out), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(tl_tcp_options_encode(&h->segs[2].seg, out), 0);
	harness_free(h);
}

static void same_seed_same_run(void **state)
{
	(void)state;
	struct tl_tcp_config cfg;
	tl_tcp_config_default(&cfg);
	cfg.seed = 42;
	struct harness *a = harness_new(&cfg), *b = harness_new(&cfg);
	connect_pair(a);
	connect_pair(b);
	assert_int_equal(a->n_segs, b->n_segs);
	for (size_t i = 0; i < a->n_segs; i++)
		assert_int_equal(a->segs[i].seg.seq, b->segs[i].seg.seq);
	cfg.seed = 43;
	struct harness *c = harness_new(&cfg);
	connect_pair(c);
	assert_int_not_equal(a->segs[0].seg.seq, c->segs[0].seg.seq);
	harness_free(a);
	harness_free(b);
	harness_free(c);
}

/*
 * Every note and snapshot row names the side that holds the socket: the
 * listener's owner for its request socket (SYN-RECV) and its child, the
 * client's for its connection and the time-wait socket that takes over.
 * The server listens on a port other than SERVER_PORT: no port decides.
 */
static void owners_carry_over(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	int listener = tl_tcp_socket(h->st), client = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_set_owner(h->st, listener, TL_SIDE_SERVER), 0);
	assert_int_equal(tl_tcp_set_owner(h->st, client, TL_SIDE_CLIENT), 0);
	assert_int_equal(tl_tcp_listen(h->st, listener, loopback(), SERVER_PORT + 1, 16, h->now_ns), 0);
	assert_int_equal(tl_tcp_connect(h->st, client, loopback(), SERVER_PORT + 1, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	struct tl_tuple peer;
	int child = tl_tcp_accept(h->st, listener, &peer, h->now_ns);
	assert_true(child >= 0);
	assert_int_equal(tl_tcp_close(h->st, client, h->now_ns), 0);
	run_for(h, 100 * US);
	assert_int_equal(tl_tcp_close(h->st, child, h->now_ns), 0);
	run_for(h, 1 * MS);
	size_t n_request = 0, n_time_wait = 0;
	for (size_t i = 0; i < h->n_notes; i++) {
		const struct tl_tcp_note *n = &h->notes[i];
		enum tl_side want = n->tuple.sport == SERVER_PORT + 1 ? TL_SIDE_SERVER : TL_SIDE_CLIENT;
		if (n->kind == TL_TCP_NOTE_STATE || n->kind == TL_TCP_NOTE_SEGMENT)
			assert_int_equal(n->side, want);
		n_request += n->kind == TL_TCP_NOTE_STATE && n->to == TL_SYN_RECV;
		n_time_wait += n->kind == TL_TCP_NOTE_STATE && n->to == TL_TIME_WAIT;
	}
	assert_int_equal(n_request, 1);
	assert_int_equal(n_time_wait, 1);
	struct tl_sock_row rows[8];
	size_t n = tl_tcp_snapshot(h->st, h->now_ns, rows, 8);
	assert_int_equal(n, 2); /* the listener and the client's time-wait socket */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rows[i].side, rows[i].state == TL_LISTEN ? TL_SIDE_SERVER : TL_SIDE_CLIENT);
	harness_free(h);
}

static bool drop_server(struct harness *h, const struct tl_tcp_seg *seg)
{
	(void)h;
	return seg->tuple.sport == SERVER_PORT;
}

/* The send times (ns) of the client's segments after mark with these flags, at most max. */
static size_t client_sends(const struct harness *h, size_t mark, uint8_t flags, uint64_t *t_ns, size_t max)
{
	size_t n = 0;
	for (size_t i = mark; i < h->n_segs && n < max; i++)
		if (h->segs[i].seg.tuple.dport == SERVER_PORT && h->segs[i].seg.flags == flags)
			t_ns[n++] = h->segs[i].sent_ns;
	return n;
}

struct opt {
	enum tl_sockopt opt;
	int value;
};

/* A connected pair whose client and listener had options set before connect() and listen(). */
static struct conn pair_with_options(struct harness *h, const struct opt *client, size_t n_client,
				     const struct opt *listener, size_t n_listener)
{
	struct conn c = { .listener = tl_tcp_socket(h->st), .client = tl_tcp_socket(h->st) };
	for (size_t i = 0; i < n_client; i++)
		assert_int_equal(tl_tcp_setsockopt(h->st, c.client, client[i].opt, client[i].value, h->now_ns), 0);
	for (size_t i = 0; i < n_listener; i++)
		assert_int_equal(tl_tcp_setsockopt(h->st, c.listener, listener[i].opt, listener[i].value, h->now_ns), 0);
	assert_int_equal(tl_tcp_listen(h->st, c.listener, loopback(), SERVER_PORT, 16, h->now_ns), 0);
	assert_int_equal(tl_tcp_connect(h->st, c.client, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	struct tl_tuple peer;
	c.child = tl_tcp_accept(h->st, c.listener, &peer, h->now_ns);
	assert_true(c.child >= 0);
	c.client_port = peer.dport;
	return c;
}

/* The server's buffer (SO_RCVBUF 2048) filled by two writes of 1024; the third waits for the window. */
static struct conn fill_the_window(struct harness *h, int user_timeout_ms)
{
	const struct opt client[] = { { TL_OPT_USER_TIMEOUT, user_timeout_ms } }, listener[] = { { TL_OPT_RCVBUF, 2048 } };
	struct conn c = pair_with_options(h, client, user_timeout_ms ? 1 : 0, listener, 1);
	char bytes[1024];
	memset(bytes, 'x', sizeof(bytes));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tl_tcp_send(h->st, c.client, bytes, sizeof(bytes), h->now_ns), 1024);
		run_for(h, 100 * US);
	}
	return c;
}

/*
 * Lets run_ns pass after fill_the_window(): the client's window probes
 * (at most max) in *probes, their times counted from the ACK that closed
 * the window; returns how many there were. *mark: the first segment after
 * the writes (the closing ACK, delayed, comes later).
 */
static size_t probes_after_closing(struct harness *h, uint64_t run_ns, size_t *mark, uint64_t *probes, size_t max)
{
	*mark = h->n_segs;
	run_for(h, run_ns);
	uint64_t closed_ns = 0;
	for (size_t i = *mark; i < h->n_segs && !closed_ns; i++)
		if (h->segs[i].seg.tuple.sport == SERVER_PORT && !h->segs[i].seg.window)
			closed_ns = h->segs[i].sent_ns;
	assert_true(closed_ns > 0);
	size_t n = client_sends(h, *mark, A, probes, max);
	for (size_t i = 0; i < n && i < max; i++)
		probes[i] -= closed_ns;
	return n;
}

/*
 * Measured on this kernel (scenarios/loss/zero-window): the closing ACK is
 * delayed 40 ms, which makes the RTO 208 ms; probes (ACKs one below
 * snd_una, no data) 212, 636 and 1500 ms after it, nominally 208, 624 and
 * 1456 (the gap doubling), each timer firing on a tick after its time; the
 * read sends a window update and the waiting bytes follow.
 */
static void closed_window_is_probed_until_the_read(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = fill_the_window(h, 0);
	size_t mark;
	uint64_t probes[4];
	assert_int_equal(probes_after_closing(h, 2 * SEC, &mark, probes, 4), 3);
	const uint64_t at_ms[] = { 208, 624, 1456 };
	for (size_t i = 0; i < 3; i++) {
		/* never early; the model keeps one tick per arming of the lateness the kernel shows */
		assert_in_range(probes[i], at_ms[i] * MS, at_ms[i] * MS + (i + 1) * JIFFY);
	}
	struct tl_tcp_info info;
	assert_int_equal(tl_tcp_info(h->st, c.client, &info), 0);
	assert_int_equal(info.snd_wnd, 0);
	assert_int_equal(info.unacked, 1024); /* the third write, held back */
	for (size_t i = mark; i < h->n_segs; i++)
		if (h->segs[i].seg.tuple.dport == SERVER_PORT && h->segs[i].seg.flags == A)
			assert_int_equal(h->segs[i].seg.seq, info.snd_una - 1);
	assert_int_equal(info.probe_backoff, 3); /* one doubling a probe: tcp_retries2 15 is far */
	assert_true(info.probe_deadline_ns > 0);

	size_t before_read = h->n_segs;
	char buf[4096];
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), 2048);
	run_for(h, 100 * US);
	assert_flags(h, before_read, ". P. .");
	assert_int_equal(h->segs[before_read].seg.window, 2048);
	assert_int_equal(tl_tcp_info(h->st, c.client, &info), 0);
	assert_int_equal(info.probe_deadline_ns, 0);
	assert_int_equal(info.unacked, 0);
	harness_free(h);
}

/* The server answers every probe but never reads: only TCP_USER_TIMEOUT ends it, without a RST. */
static void user_timeout_ends_the_probing(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = fill_the_window(h, 1000);
	size_t mark;
	uint64_t probes[4], resets[1];
	assert_int_equal(probes_after_closing(h, 3 * SEC, &mark, probes, 4), 2);
	assert_in_range(probes[1], 624 * MS, 624 * MS + 2 * JIFFY); /* as in closed_window_is_probed_until_the_read */
	assert_int_equal(client_sends(h, mark, R | A, resets, 1), 0);
	assert_int_equal(state_of(h, c.client), TL_CLOSE);
	assert_int_equal(state_of(h, c.child), TL_ESTABLISHED);
	char buf[8];
	assert_int_equal(tl_tcp_recv(h->st, c.client, buf, sizeof(buf), h->now_ns), -ETIMEDOUT);
	harness_free(h);
}

/*
 * A window that opens less than the next segment: the segment waits
 * (tcp_snd_wnd_test()), and the persist timer sends the part that fits,
 * pushed (tcp_write_wakeup()). Small segments (TCP_NODELAY, 100 bytes) keep
 * the server's guess of the client's segment at 536 (TCP_MSS_DEFAULT): the
 * 48 bytes left below the right edge once 2000 arrived go out with the
 * first probe; a read of 600 frees 648 bytes, offered as 536 (a multiple of
 * that guess), less than the client's next segment of 1024.
 */
static void partly_open_window_takes_part_of_a_segment(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	const struct opt client[] = { { TL_OPT_NODELAY, 1 } }, listener[] = { { TL_OPT_RCVBUF, 2048 } };
	struct conn c = pair_with_options(h, client, 1, listener, 1);
	char bytes[1024];
	memset(bytes, 'x', sizeof(bytes));
	for (int i = 0; i < 20; i++) {
		assert_int_equal(tl_tcp_send(h->st, c.client, bytes, 100, h->now_ns), 100);
		run_for(h, 100 * US);
	}
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_send(h->st, c.client, bytes, sizeof(bytes), h->now_ns), 1024);
	run_for(h, 1 * SEC);
	char buf[600];
	assert_int_equal(tl_tcp_recv(h->st, c.child, buf, sizeof(buf), h->now_ns), 600);
	run_for(h, 2 * SEC);
	char lengths[64] = "";
	for (size_t i = mark; i < h->n_segs; i++) {
		const struct tl_tcp_seg *g = &h->segs[i].seg;
		if (g->tuple.dport == SERVER_PORT && g->payload_len) {
			assert_int_equal(g->flags, A | P);
			snprintf(lengths + strlen(lengths), sizeof(lengths) - strlen(lengths), "%s%u", lengths[0] ? " " : "",
				 g->payload_len);
		}
	}
	assert_string_equal(lengths, "48 536");
	struct tl_tcp_info info;
	assert_int_equal(tl_tcp_info(h->st, c.client, &info), 0);
	assert_int_equal(info.unacked, 1024 - 48 - 536);
	assert_true(info.probe_deadline_ns > 0); /* those 536 bytes closed the window again: the rest waits */
	harness_free(h);
}

/* Keepalive on the client before connect(): its options as the scenario keepalive-peer-gone sets them. */
static struct conn keepalive_pair(struct harness *h, int idle_s, int intvl_s, int cnt)
{
	const struct opt client[] = {
		{ TL_OPT_KEEPALIVE, 1 }, { TL_OPT_KEEPIDLE, idle_s }, { TL_OPT_KEEPINTVL, intvl_s }, { TL_OPT_KEEPCNT, cnt },
	};
	return pair_with_options(h, client, 4, NULL, 0);
}

/*
 * The peer stops answering: probes one below snd_una at the idle time and
 * then every interval, as timer_model predicts, then a RST and ETIMEDOUT
 * (measured on this kernel: probes 1.026, 2.046 s, RST 3.070 s).
 */
static void keepalive_probes_a_silent_peer_then_resets(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = keepalive_pair(h, 1, 1, 2);
	h->drop = drop_server;
	size_t mark = h->n_segs;
	run_for(h, 4 * SEC);
	assert_flags(h, mark, ". . . . R.");
	struct tl_timer_settings set;
	struct tl_timer_schedule *sc = malloc(sizeof(*sc));
	assert_non_null(sc);
	tl_timer_settings_default(&set);
	set.keepidle_s = set.keepintvl_s = 1;
	set.keepcnt = 2;
	assert_int_equal(tl_timer_predict(TL_TIMER_KEEPALIVE_PROBES, &set, sc, NULL, 0), 0);
	uint64_t probes[4], resets[1];
	assert_int_equal(client_sends(h, mark, A, probes, 4), 2);
	assert_int_equal(client_sends(h, mark, R | A, resets, 1), 1);
	/*
	 * The silence began with the SYN-ACK, after the first tick: the timer
	 * fires on the tick after its time (never early), and each re-arming
	 * from that tick keeps the schedule's gaps.
	 */
	assert_int_equal(probes[0], (uint64_t)sc->retx[0].at_ms * MS + JIFFY);
	assert_int_equal(probes[1], (uint64_t)sc->retx[1].at_ms * MS + JIFFY);
	assert_int_equal(resets[0], (uint64_t)sc->give_up_ms * MS + JIFFY);
	struct tl_tcp_info info;
	assert_int_equal(tl_tcp_info(h->st, c.client, &info), 0);
	assert_int_equal(h->segs[mark].seg.seq, info.snd_una - 1);
	assert_int_equal(info.state, TL_CLOSE);
	char buf[8];
	assert_int_equal(tl_tcp_recv(h->st, c.client, buf, sizeof(buf), h->now_ns), -ETIMEDOUT);
	assert_int_equal(state_of(h, c.child), TL_CLOSE); /* the server took the RST */
	free(sc);
	harness_free(h);
}

/* A peer that answers: each answer ends the silence, so with TCP_KEEPCNT 1 it is probed for ever. */
static void answered_probes_never_give_up(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = keepalive_pair(h, 1, 1, 1);
	size_t mark = h->n_segs;
	run_for(h, 3500 * MS);
	assert_flags(h, mark, ". . . . . .");
	uint64_t probes[4];
	assert_int_equal(client_sends(h, mark, A, probes, 4), 3);
	/* armed between two ticks: on the tick after each whole second */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(probes[i], (i + 1) * SEC + JIFFY);
	assert_int_equal(state_of(h, c.client), TL_ESTABLISHED);
	harness_free(h);
}

/* SO_KEEPALIVE switched on over a connection counts the idle time from the call; TCP_KEEPIDLE from the last arrival. */
static void keepalive_set_over_a_connection(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	run_for(h, 500 * MS);
	assert_int_equal(tl_tcp_setsockopt(h->st, c.client, TL_OPT_KEEPIDLE, 1, h->now_ns), 0); /* keepalive off */
	assert_int_equal(tl_tcp_setsockopt(h->st, c.client, TL_OPT_KEEPALIVE, 1, h->now_ns), 0);
	size_t mark = h->n_segs;
	run_for(h, 1200 * MS);
	uint64_t probes[2];
	assert_int_equal(client_sends(h, mark, A, probes, 2), 1);
	assert_int_equal(probes[0], 1500 * MS + JIFFY); /* the call came between two ticks */
	/* Now the last arrival is the answer at 1.5 s: a new idle time re-arms from it, not from the call. */
	assert_int_equal(tl_tcp_setsockopt(h->st, c.client, TL_OPT_KEEPIDLE, 3, h->now_ns), 0);
	mark = h->n_segs;
	run_for(h, 3 * SEC);
	assert_int_equal(client_sends(h, mark, A, probes, 2), 1);
	/* the idle time counts from the jiffy of that answer; the call came between two ticks */
	assert_int_equal(probes[0], 4500 * MS + 2 * JIFFY);
	/* Switched off, nothing more. */
	assert_int_equal(tl_tcp_setsockopt(h->st, c.client, TL_OPT_KEEPALIVE, 0, h->now_ns), 0);
	mark = h->n_segs;
	run_for(h, 10 * SEC);
	assert_int_equal(h->n_segs, mark);
	harness_free(h);
}

/* Sends 3000 bytes from sock and lets them arrive: the payload lengths of the segments, as "a b c". */
static void lengths_of_3000_bytes(struct harness *h, int sock, bool from_client, char *out, size_t len)
{
	static const char data[3000];
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_send(h->st, sock, data, sizeof(data), h->now_ns), (long)sizeof(data));
	run_for(h, 100 * MS);
	out[0] = '\0';
	for (size_t i = mark; i < h->n_segs; i++) {
		const struct tl_tcp_seg *g = &h->segs[i].seg;
		if (!g->payload_len || (g->tuple.dport == SERVER_PORT) != from_client)
			continue;
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s%u", used ? " " : "", g->payload_len);
	}
}

/*
 * TCP_MAXSEG is the MSS the SYN offers and the segments use, and the first
 * window is a multiple of it (tcp_select_initial_window()). Measured here:
 * the client's SYN "mss 1000, win 65000", the listener's SYN-ACK "mss 600",
 * window 65536 rounded down to a multiple of 600 - 12.
 */
static void maxseg_sets_the_mss_and_the_first_windows(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	const struct opt client[] = { { TL_OPT_MAXSEG, 1000 } }, listener[] = { { TL_OPT_MAXSEG, 600 } };
	struct conn c = pair_with_options(h, client, 1, listener, 1);
	const struct tl_tcp_seg *syn = &h->segs[0].seg, *synack = &h->segs[1].seg;
	assert_int_equal(syn->opt.mss, 1000);
	assert_int_equal(syn->window, 65000);
	assert_int_equal(syn->opt.wscale, 10);
	assert_int_equal(synack->opt.mss, 600);
	assert_int_equal(synack->window, 65536 / 588 * 588);
	assert_int_equal(h->segs[2].seg.window, 64);
	/* Each side sends at most the smaller MSS less the timestamps: 588 bytes (the kernel hands
	 * loopback up to five of them as one packet, GSO, which the model does not: docs/model.md). */
	char lengths[64];
	lengths_of_3000_bytes(h, c.client, true, lengths, sizeof(lengths));
	assert_string_equal(lengths, "588 588 588 588 588 60");
	assert_int_equal(tl_tcp_setsockopt(h->st, c.client, TL_OPT_MAXSEG, 87, h->now_ns), -EINVAL);
	harness_free(h);
}

/*
 * SO_RCVBUF sets the buffer (twice the value) and clamps the windows to
 * half of it: below 64 KiB no scale, above it the scale the clamp needs.
 * Measured here: a client with 4096 offers "win 4096, wscale 0"; a listener
 * with 100000 "win 65483, wscale 1", then 32742 (x 2) after 5 bytes. The
 * peer's segments stay within half the largest window (tcp_bound_to_half_wnd()).
 */
static void rcvbuf_sets_the_windows(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	const struct opt client[] = { { TL_OPT_RCVBUF, 4096 } }, listener[] = { { TL_OPT_RCVBUF, 100000 } };
	struct conn c = pair_with_options(h, client, 1, listener, 1);
	assert_int_equal(h->segs[0].seg.window, 4096);
	assert_int_equal(h->segs[0].seg.opt.wscale, 0);
	assert_int_equal(h->segs[1].seg.window, 65483);
	assert_int_equal(h->segs[1].seg.opt.wscale, 1);
	assert_int_equal(h->segs[2].seg.window, 4096);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_send(h->st, c.client, "hello", 5, h->now_ns), 5);
	run_for(h, 100 * US);
	assert_flags(h, mark, "P. .");
	assert_int_equal(h->segs[mark + 1].seg.window, 32742);
	struct tl_tcp_info info;
	assert_int_equal(tl_tcp_info(h->st, c.client, &info), 0);
	assert_int_equal(info.rcvbuf, 8192);
	char lengths[64];
	lengths_of_3000_bytes(h, c.child, false, lengths, sizeof(lengths));
	assert_string_equal(lengths, "2048 952");
	harness_free(h);
}

/* The server's ACK waits (quickack off); the client's second small send waits for it, unless TCP_NODELAY. */
static void nagle_holds_a_small_segment_unless_nodelay(void **state)
{
	(void)state;
	for (int nodelay = 0; nodelay <= 1; nodelay++) {
		struct harness *h = harness_new(NULL);
		const struct opt client[] = { { TL_OPT_NODELAY, nodelay } };
		struct conn c = pair_with_options(h, client, 1, NULL, 0);
		assert_int_equal(tl_tcp_setsockopt(h->st, c.child, TL_OPT_QUICKACK, 0, h->now_ns), 0);
		size_t mark = h->n_segs;
		assert_int_equal(tl_tcp_send(h->st, c.client, "a", 1, h->now_ns), 1);
		run_for(h, 30 * US);
		assert_int_equal(tl_tcp_send(h->st, c.client, "b", 1, h->now_ns), 1);
		run_for(h, 30 * US);
		assert_flags(h, mark, nodelay ? "P. P." : "P.");
		run_for(h, 100 * MS);
		/* the delayed ACK comes on the timer, on the first tick 40 ms after the data (ato TCP_ATO_MIN) */
		assert_flags(h, mark, nodelay ? "P. P. ." : "P. . P. .");
		assert_int_equal(h->segs[mark + (nodelay ? 2 : 1)].sent_ns, 40 * MS + JIFFY);
		harness_free(h);
	}
}

/* TCP_QUICKACK on sends a pending ACK at once. */
static void quickack_on_sends_the_pending_ack(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	assert_int_equal(tl_tcp_setsockopt(h->st, c.child, TL_OPT_QUICKACK, 0, h->now_ns), 0);
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_send(h->st, c.client, "a", 1, h->now_ns), 1);
	run_for(h, 1 * MS);
	assert_flags(h, mark, "P.");
	assert_int_equal(tl_tcp_setsockopt(h->st, c.child, TL_OPT_QUICKACK, 1, h->now_ns), 0);
	assert_flags(h, mark, "P. .");
	assert_int_equal(h->segs[mark + 1].sent_ns, h->now_ns);
	harness_free(h);
}

static void app_errors(void **state)
{
	(void)state;
	struct harness *h = harness_new(NULL);
	struct conn c = connect_pair(h);
	int other = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, other, loopback(), SERVER_PORT, 16, h->now_ns), -EADDRINUSE);
	assert_int_equal(tl_tcp_connect(h->st, c.client, loopback(), SERVER_PORT, h->now_ns), -EISCONN);
	struct tl_addr elsewhere = tl_addr_v4(htonl(0x0a000001));
	assert_int_equal(tl_tcp_connect(h->st, other, &elsewhere, 80, h->now_ns), -ENETUNREACH);
	assert_int_equal(tl_tcp_accept(h->st, c.listener, NULL, h->now_ns), -EAGAIN);
	assert_int_equal(tl_tcp_setsockopt(h->st, other, TL_OPT_SYNCNT, 0, h->now_ns), -EINVAL);
	assert_int_equal(tl_tcp_close(h->st, 63, h->now_ns), -EBADF);
	char buf[4];
	assert_int_equal(tl_tcp_recv(h->st, c.listener, buf, sizeof(buf), h->now_ns), -ENOTCONN);
	harness_free(h);
}

/* The MSS and first windows follow from lo's MTU (65536) by the kernel's
 * per-family rules; IPv4's are the numbers every IPv4 capture shows. */
static void mss_and_first_windows_by_family(void **state)
{
	(void)state;
	struct tl_tcp_config c;
	tl_tcp_config_default(&c);
	uint16_t mss4 = tl_tcp_adv_mss(&c, AF_INET), mss6 = tl_tcp_adv_mss(&c, AF_INET6);
	assert_int_equal(mss4, 65535 - 20 - 20); /* ipv4_default_advmss(): capped below the MTU */
	assert_int_equal(mss6, 65536 - 40 - 20); /* ip6_default_advmss(): the MTU less the headers */
	assert_int_equal(tl_tcp_initial_window(mss4), 65495);	   /* SYN */
	assert_int_equal(tl_tcp_initial_window(mss4 - 12), 65483); /* SYN-ACK with timestamps */
	assert_int_equal(tl_tcp_initial_window(mss6), 65476);
	assert_int_equal(tl_tcp_initial_window(mss6 - 12), 65464);
	/* A small MTU: the receive space rounds down to a multiple of the MSS. */
	c.lo_mtu = 1500;
	assert_int_equal(tl_tcp_adv_mss(&c, AF_INET), 1460);
	assert_int_equal(tl_tcp_adv_mss(&c, AF_INET6), 1440);
	assert_int_equal(tl_tcp_initial_window(1460), 65536 / 1460 * 1460);
	/* Above IPV6_MAXPLEN - 20 the kernel advertises 65535 (jumbo-capable MTU). */
	c.lo_mtu = 70000;
	assert_int_equal(tl_tcp_adv_mss(&c, AF_INET6), 65535);
}

/* ---- a listener under a SYN flood ---- */

#define FLOOD_SYNS 20

/* The n-th flood SYN (n from 1): from 10.0.0.n:1024+n, a Linux-like SYN whose sender never answers. */
static struct tl_tcp_seg flood_syn(unsigned n)
{
	struct tl_tcp_seg syn = {
		.tuple = { .saddr = tl_addr_v4(htonl(0x0a000000u + n)), .daddr = *loopback(),
			   .sport = (uint16_t)(1024 + n), .dport = SERVER_PORT },
		.seq = 1000000u * n,
		.flags = S,
		.window = 64240,
		.opt = { .mss_set = true, .mss = 1460, .sack_ok = true, .ts_set = true, .ts_val = 7000 + n,
			 .wscale_set = true, .wscale = 7 },
	};
	return syn;
}

/* A stack with the defaults and these sysctls: name, value, name, value, ..., NULL. */
static struct harness *harness_with(const char *const *sysctls)
{
	struct tl_tcp_config cfg;
	char err[256];
	tl_tcp_config_default(&cfg);
	for (size_t i = 0; sysctls && sysctls[i]; i += 2)
		assert_int_equal(tl_tcp_config_sysctl(&cfg, sysctls[i], sysctls[i + 1], err, sizeof(err)), 0);
	return harness_new(&cfg);
}

/* harness_with(sysctls), a listener on SERVER_PORT with this backlog, and a flood of n SYNs. */
static struct harness *flooded(const char *const *sysctls, int backlog, unsigned n, int *listener)
{
	struct harness *h = harness_with(sysctls);
	*listener = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, *listener, loopback(), SERVER_PORT, backlog, h->now_ns), 0);
	for (unsigned i = 1; i <= n; i++) {
		struct tl_tcp_seg syn = flood_syn(i);
		tl_tcp_input(h->st, &syn, h->now_ns);
	}
	return h;
}

/* Rows of `ss -tan` in this state, however many sockets the stack has. */
static size_t rows_in(const struct tl_tcp_stack *st, uint64_t now_ns, enum tl_state state)
{
	size_t n = tl_tcp_snapshot(st, now_ns, NULL, 0), count = 0;
	struct tl_sock_row *rows = calloc(n ? n : 1, sizeof(*rows));
	assert_non_null(rows);
	n = tl_tcp_snapshot(st, now_ns, rows, n);
	for (size_t i = 0; i < n; i++)
		count += rows[i].state == state;
	free(rows);
	return count;
}

/* Rows of `ss -tan` in SYN-RECV: the request sockets. */
static size_t syn_recv_rows(const struct harness *h)
{
	return rows_in(h->st, h->now_ns, TL_SYN_RECV);
}

/* SYN-ACKs sent to a flood's sources (10.0.0.0/8), from..now. */
static size_t synacks_to_flood(const struct harness *h, size_t from)
{
	size_t n = 0;
	for (size_t i = from; i < h->n_segs; i++)
		n += h->segs[i].seg.flags == (S | A) && h->segs[i].seg.tuple.daddr.b[12] == 10;
	return n;
}

/*
 * After the wire carried the flood's SYN-ACKs back to the stack: this many
 * requests in SYN-RECV, this many SYN-ACKs, and no RST: SYN-ACKs addressed
 * to another host are not the stack's to answer.
 */
static void assert_flood_answered(struct harness *h, size_t requests, size_t synacks)
{
	run_for(h, 100 * US);
	assert_int_equal(syn_recv_rows(h), requests);
	assert_int_equal(synacks_to_flood(h, 0), synacks);
	for (size_t i = 0; i < h->n_segs; i++)
		assert_false(h->segs[i].seg.flags & R);
}

/* Segments to or from a port, from..now, as flags. */
static void assert_port_flags(const struct harness *h, uint16_t port, size_t from, const char *want)
{
	char got[512] = "";
	for (size_t i = from; i < h->n_segs; i++) {
		const struct tl_tcp_seg *g = &h->segs[i].seg;
		if (g->tuple.sport != port && g->tuple.dport != port)
			continue;
		char letters[12];
		tl_flags_letters(g->flags, letters);
		size_t used = strlen(got);
		snprintf(got + used, sizeof(got) - used, "%s%s", used ? " " : "", letters);
	}
	if (strcmp(got, want))
		fail_msg("port %u packets '%s', expected '%s'", port, got, want);
}

/*
 * The server side's state changes for the connection from this client port,
 * as "A B C", all at one moment: a cookie's child is made and established by
 * the one ACK, with no request socket before it.
 */
static void assert_cookie_child_path(const struct harness *h, uint16_t client_port, const char *want)
{
	char got[256] = "";
	uint64_t first_ns = 0, last_ns = 0;
	for (size_t i = 0; i < h->n_notes; i++) {
		const struct tl_tcp_note *n = &h->notes[i];
		if (n->kind != TL_TCP_NOTE_STATE || n->tuple.sport != SERVER_PORT || n->tuple.dport != client_port)
			continue;
		size_t used = strlen(got);
		if (used)
			snprintf(got + used, sizeof(got) - used, " %s", tl_state_name(n->to));
		else
			snprintf(got, sizeof(got), "%s %s", tl_state_name(n->from), tl_state_name(n->to));
		first_ns = used ? first_ns : n->now_ns;
		last_ns = n->now_ns;
	}
	if (strcmp(got, want))
		fail_msg("server states for port %u '%s', expected '%s'", client_port, got, want);
	assert_int_equal(first_ns, last_ns);
}

static const char *const no_cookies[] = { "net.ipv4.tcp_syncookies", "0", NULL };

/*
 * tcp_syncookies 0, backlog 4. inet_csk_reqsk_queue_is_full() is
 * "requests > backlog", so SYNs 1-5 make requests (5 in SYN-RECV, each
 * answered) and the other 15 find the queue full: tcp_syn_flood_action()
 * counts TCPReqQFullDrop, tcp_listendrop() ListenDrops, and nothing is
 * sent. tcp_max_syn_backlog (2048) keeps 512 free, far away.
 *
 * A real client's SYN is dropped the same way, and so are its retries at
 * 1, 2, 3, 4 and 5 s (tcp_syn_linear_timeouts 4). Its 7 s retry gets in:
 * reqsk_timer_handler() cuts the retries of old requests once requests * 2
 * > max(8, backlog), here 10 > 8, down to 2 when none is young, so the
 * first flood request whose timer fires at 7 s (1 + 2 + 4) is dropped; the
 * queue is then 4, no longer full.
 */
static void syn_flood_without_cookies_fills_the_queue(void **state)
{
	(void)state;
	int listener;
	struct harness *h = flooded(no_cookies, 4, FLOOD_SYNS, &listener);
	assert_flood_answered(h, 5, 5);
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDrop"), 15);
	assert_int_equal(counter(h, "TcpExtListenDrops"), 15);
	assert_int_equal(counter(h, "TcpExtListenOverflows"), 0);
	assert_int_equal(counter(h, "TcpExtSyncookiesSent"), 0);

	int client = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_connect(h->st, client, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 6 * SEC);
	assert_port_flags(h, 40000, 0, "S S S S S S");
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDrop"), 21);
	assert_int_equal(counter(h, "TcpExtListenDrops"), 21);
	assert_int_equal(tl_tcp_connect_result(h->st, client), -EINPROGRESS);
	run_for(h, 1100 * MS);
	assert_port_flags(h, 40000, 0, "S S S S S S S S. .");
	assert_int_equal(tl_tcp_connect_result(h->st, client), 0);
	assert_int_equal(syn_recv_rows(h), 4); /* one flood request gave way */
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDrop"), 21);
	assert_string_equal(tl_tcp_stack_error(h->st), "");
	harness_free(h);
}

/* The data segments a socket sent from..now, their largest payload. */
static uint32_t largest_payload_from(const struct harness *h, uint16_t sport, size_t from)
{
	uint32_t most = 0;
	for (size_t i = from; i < h->n_segs; i++)
		if (h->segs[i].seg.tuple.sport == sport && h->segs[i].seg.payload_len > most)
			most = h->segs[i].seg.payload_len;
	return most;
}

/*
 * tcp_syncookies 1: the first 5 SYNs make requests as without cookies; the
 * 15 past the limit get a SYN-ACK whose ISN is a cookie and leave nothing
 * behind (still 5 in SYN-RECV). Each counts TCPReqQFullDoCookies
 * (tcp_syn_flood_action()) and SyncookiesSent (cookie_init_sequence()).
 * A real client connecting now gets a cookie too, and its final ACK,
 * checked by cookie_v4_check(), makes the child straight into ESTABLISHED
 * and the accept queue. The cookie carries the MSS as msstab's largest
 * entry not above the client's 65495: 1460, so the child's segments take
 * 1460 - 12 bytes of timestamps; its window was sized by that MSS
 * (tcp_select_initial_window(): 65536 rounded down to 44 * 1460 = 64240,
 * advertised rounded up to 1 << 10: 63).
 */
static void syn_flood_with_cookies_lets_a_client_in(void **state)
{
	(void)state;
	int listener;
	struct harness *h = flooded(NULL, 4, FLOOD_SYNS, &listener);
	assert_flood_answered(h, 5, FLOOD_SYNS);
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDoCookies"), 15);
	assert_int_equal(counter(h, "TcpExtSyncookiesSent"), 15);
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDrop"), 0);
	assert_int_equal(counter(h, "TcpExtListenDrops"), 0);

	size_t mark = h->n_segs;
	int client = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_connect(h->st, client, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	assert_port_flags(h, 40000, mark, "S S. .");
	assert_int_equal(tl_tcp_connect_result(h->st, client), 0);
	assert_int_equal(counter(h, "TcpExtSyncookiesSent"), 16);
	assert_int_equal(counter(h, "TcpExtSyncookiesRecv"), 1);
	assert_int_equal(counter(h, "TcpExtSyncookiesFailed"), 0);
	assert_int_equal(counter(h, "TcpPassiveOpens"), 1);
	assert_cookie_child_path(h, 40000, "LISTEN SYN_RECV ESTABLISHED");
	assert_int_equal(syn_recv_rows(h), 5); /* the client's cookie kept nothing */

	struct tl_tuple peer;
	int child = tl_tcp_accept(h->st, listener, &peer, h->now_ns);
	assert_true(child >= 0);
	assert_int_equal(state_of(h, child), TL_ESTABLISHED);
	struct tl_tcp_info info;
	assert_int_equal(tl_tcp_info(h->st, child, &info), 0);
	assert_int_equal(info.snd_wnd, 64 << 10); /* the final ACK's window, at the client's scale 10 */
	static uint8_t data[4000];
	mark = h->n_segs;
	assert_int_equal(tl_tcp_send(h->st, child, data, sizeof(data), h->now_ns), sizeof(data));
	run_for(h, 1 * MS);
	assert_int_equal(largest_payload_from(h, SERVER_PORT, mark), 1460 - 12);
	/* Timestamps, SACK and the window scale came back through the cookie's timestamp. */
	for (size_t i = mark; i < h->n_segs; i++)
		if (h->segs[i].seg.tuple.sport == SERVER_PORT)
			assert_true(h->segs[i].seg.opt.ts_set);
	mark = h->n_segs;
	assert_int_equal(tl_tcp_send(h->st, client, "x", 1, h->now_ns), 1);
	run_for(h, 1 * MS);
	assert_port_flags(h, 40000, mark, "P. .");
	assert_int_equal(h->segs[mark + 1].seg.window, 63);
	assert_string_equal(tl_tcp_stack_error(h->st), "");
	harness_free(h);
}

static const char *const always_cookies[] = { "net.ipv4.tcp_syncookies", "2", NULL };

/* Over IPv6 the cookie's MSS table is the IPv6 one (MTU 1280, 1480, 1500, 9000 less 60): ::1's 65476 gets 8940. */
static void ipv6_cookie_carries_its_own_mss(void **state)
{
	(void)state;
	struct harness *h = harness_with(always_cookies);
	struct tl_addr lo6 = tl_addr_loopback(AF_INET6);
	int listener = tl_tcp_socket(h->st), client = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, listener, &lo6, SERVER_PORT, 4, h->now_ns), 0);
	assert_int_equal(tl_tcp_connect(h->st, client, &lo6, SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	assert_int_equal(counter(h, "TcpExtSyncookiesRecv"), 1);
	struct tl_tuple peer;
	int child = tl_tcp_accept(h->st, listener, &peer, h->now_ns);
	assert_true(child >= 0);
	static uint8_t data[20000];
	size_t mark = h->n_segs;
	assert_int_equal(tl_tcp_send(h->st, child, data, sizeof(data), h->now_ns), sizeof(data));
	run_for(h, 1 * MS);
	assert_int_equal(largest_payload_from(h, SERVER_PORT, mark), 8940 - 12);
	harness_free(h);
}

/*
 * tcp_syncookies 2: every SYN gets a cookie (tcp_syn_flood_action() runs
 * for each, counting TCPReqQFullDoCookies too), no request is made and no
 * timer runs: no SYN-ACK is ever repeated. A SYN without timestamps gets a
 * SYN-ACK with only the MSS: the cookie has nowhere to keep SACK or the
 * window scale (tcp_clear_options()).
 */
static void syncookies_2_keeps_no_requests(void **state)
{
	(void)state;
	int listener;
	struct harness *h = flooded(always_cookies, 4, FLOOD_SYNS, &listener);
	assert_int_equal(syn_recv_rows(h), 0);
	assert_int_equal(tl_tcp_next_deadline_ns(h->st), UINT64_MAX);
	run_for(h, 10 * SEC);
	assert_int_equal(synacks_to_flood(h, 0), FLOOD_SYNS);
	assert_int_equal(counter(h, "TcpExtSyncookiesSent"), FLOOD_SYNS);
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDoCookies"), FLOOD_SYNS);
	assert_int_equal(counter(h, "TcpExtListenDrops"), 0);
	const struct tl_tcp_seg *synack = &h->segs[0].seg;
	assert_true(synack->opt.mss_set && synack->opt.ts_set && synack->opt.sack_ok && synack->opt.wscale_set);

	struct tl_tcp_seg bare = flood_syn(FLOOD_SYNS + 1);
	bare.opt = (struct tl_tcp_options){ .mss_set = true, .mss = 1460 };
	size_t mark = h->n_segs;
	tl_tcp_input(h->st, &bare, h->now_ns);
	assert_int_equal(h->n_segs, mark + 1);
	synack = &h->segs[mark].seg;
	assert_int_equal(synack->flags, S | A);
	assert_true(synack->opt.mss_set);
	assert_false(synack->opt.ts_set || synack->opt.sack_ok || synack->opt.wscale_set);

	int client = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_connect(h->st, client, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
	run_for(h, 100 * US);
	assert_int_equal(tl_tcp_connect_result(h->st, client), 0);
	assert_int_equal(counter(h, "TcpExtSyncookiesRecv"), 1);
	assert_int_equal(syn_recv_rows(h), 0);
	harness_free(h);
}

/*
 * An ACK whose cookie is wrong: cookie_v4_check() counts SyncookiesFailed
 * (the listener sent cookies lately) and leaves it to the listener, which
 * answers with a RST whose sequence number is that ACK. A listener that
 * sent no cookie within 2 minutes (tcp_synq_no_recent_overflow()) does
 * not look: the RST, no count.
 */
static void wrong_cookie_is_reset(void **state)
{
	(void)state;
	int listener;
	struct harness *h = flooded(always_cookies, 4, 1, &listener);
	const struct tl_tcp_seg *synack = &h->segs[0].seg;
	struct tl_tcp_seg ack = flood_syn(1);
	ack.flags = A;
	ack.seq = synack->ack;
	ack.ack = synack->seq + 2; /* not the cookie + 1 */
	size_t mark = h->n_segs;
	tl_tcp_input(h->st, &ack, h->now_ns);
	assert_int_equal(counter(h, "TcpExtSyncookiesFailed"), 1);
	assert_int_equal(counter(h, "TcpExtSyncookiesRecv"), 0);
	assert_flags(h, mark, "R");
	assert_int_equal(h->segs[mark].seg.seq, ack.ack);

	/* The right cookie, 3 minutes on: too old, and the listener no longer looks. */
	run_for(h, 180 * SEC);
	ack.ack = synack->seq + 1;
	mark = h->n_segs;
	tl_tcp_input(h->st, &ack, h->now_ns);
	assert_flags(h, mark, "R");
	assert_int_equal(counter(h, "TcpExtSyncookiesFailed"), 1);
	assert_int_equal(counter(h, "TcpExtSyncookiesRecv"), 0);
	harness_free(h);
}

/*
 * tcp_max_syn_backlog acts only without cookies: tcp_conn_request() drops
 * a SYN when max - requests < max >> 2, so with 8 the 8th SYN finds 7
 * requests (8 - 7 < 2) and it and the rest are dropped, counted as
 * ListenDrops only; the backlog of 100 is far away.
 */
static void max_syn_backlog_keeps_a_quarter_free(void **state)
{
	(void)state;
	static const char *const sysctls[] = { "net.ipv4.tcp_syncookies", "0", "net.ipv4.tcp_max_syn_backlog", "8",
					       NULL };
	int listener;
	struct harness *h = flooded(sysctls, 100, FLOOD_SYNS, &listener);
	assert_int_equal(syn_recv_rows(h), 7);
	assert_int_equal(counter(h, "TcpExtListenDrops"), FLOOD_SYNS - 7);
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDrop"), 0);
	harness_free(h);
}

/*
 * A flood that the listener's queue would take but a socket table capped
 * by cfg.max_socks (a harness's choice: the kernel has no such cap) cannot:
 * the stack treats the SYN queue as full and says so in
 * tl_tcp_stack_error(), rather than failing silently.
 */
#define CAPPED_SOCKS 64
static void socket_table_limit_is_a_full_queue_and_an_error(void **state)
{
	(void)state;
	struct tl_tcp_config cfg;
	tl_tcp_config_default(&cfg);
	cfg.max_socks = CAPPED_SOCKS;
	cfg.syncookies = 0; /* as no_cookies: without cookies, every SYN wants a request socket */
	struct harness *h = harness_new(&cfg);
	int listener = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, listener, loopback(), SERVER_PORT, 1000, h->now_ns), 0);
	for (unsigned i = 1; i <= 100; i++) {
		struct tl_tcp_seg syn = flood_syn(i);
		tl_tcp_input(h->st, &syn, h->now_ns);
	}
	assert_int_equal(syn_recv_rows(h), CAPPED_SOCKS - 1);
	assert_int_equal(counter(h, "TcpExtTCPReqQFullDrop"), 100 - (CAPPED_SOCKS - 1));
	assert_non_null(strstr(tl_tcp_stack_error(h->st), "socket table full"));
	harness_free(h);
}

/*
 * The final ACK finds the accept queue full (backlog 1 holds two): the
 * third client's request was made while there was room. tcp_check_req()
 * counts ListenOverflows and ListenDrops; with tcp_abort_on_overflow 0 the
 * ACK is ignored, the request stays and its SYN-ACK at 1 s brings the
 * ACK again, which gets in once accept() made room; with 1 the client gets
 * a RST.
 */
static void final_ack_meets_a_full_accept_queue(void **state)
{
	(void)state;
	for (int abort_on_overflow = 0; abort_on_overflow <= 1; abort_on_overflow++) {
		const char *const sysctls[] = { "net.ipv4.tcp_abort_on_overflow", abort_on_overflow ? "1" : "0", NULL };
		int listener;
		struct harness *h = flooded(sysctls, 1, 0, &listener);
		int a = tl_tcp_socket(h->st), b = tl_tcp_socket(h->st), c = tl_tcp_socket(h->st);
		assert_int_equal(tl_tcp_connect(h->st, a, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
		run_for(h, 100 * US);
		assert_int_equal(tl_tcp_connect(h->st, b, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
		assert_int_equal(tl_tcp_connect(h->st, c, loopback(), SERVER_PORT, h->now_ns), -EINPROGRESS);
		run_for(h, 100 * US);
		assert_int_equal(counter(h, "TcpExtListenOverflows"), 1);
		assert_int_equal(counter(h, "TcpExtListenDrops"), 1);
		struct tl_tuple peer;
		if (abort_on_overflow) {
			assert_port_flags(h, 40002, 0, "S S. . R");
			assert_int_equal(tl_tcp_connect_result(h->st, c), 0); /* connected, then reset */
			assert_int_equal(state_of(h, c), TL_CLOSE);
			assert_int_equal(syn_recv_rows(h), 0);
		} else {
			assert_int_equal(syn_recv_rows(h), 1);
			assert_true(tl_tcp_accept(h->st, listener, &peer, h->now_ns) >= 0);
			run_for(h, 1100 * MS);
			assert_port_flags(h, 40002, 0, "S S. . S. .");
			assert_int_equal(syn_recv_rows(h), 0);
		}
		/* Two children wait either way: a's and b's, or b's and c's (a's was taken). */
		assert_true(tl_tcp_accept(h->st, listener, &peer, h->now_ns) >= 0);
		assert_true(tl_tcp_accept(h->st, listener, &peer, h->now_ns) >= 0);
		assert_int_equal(tl_tcp_accept(h->st, listener, &peer, h->now_ns), -EAGAIN);
		harness_free(h);
	}
}

/* The new sysctls, and the values their kernel handlers refuse; somaxconn caps listen()'s backlog. */
static void syn_flood_sysctls(void **state)
{
	(void)state;
	struct tl_tcp_config cfg;
	char err[256];
	tl_tcp_config_default(&cfg);
	assert_int_equal(cfg.syncookies, 1);
	assert_int_equal(cfg.max_syn_backlog, 2048);
	assert_int_equal(cfg.somaxconn, 4096);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_syncookies", "2", err, sizeof(err)), 0);
	assert_int_equal(cfg.syncookies, 2);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "tcp_syncookies", "0", err, sizeof(err)), 0);
	assert_int_equal(cfg.syncookies, 0);
	/* proc_dou8vec_minmax with no bounds: any u8, nothing else */
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_syncookies", "255", err, sizeof(err)), 0);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_syncookies", "256", err, sizeof(err)), -1);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_syncookies", "-1", err, sizeof(err)), -1);
	assert_int_equal(cfg.syncookies, 255);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_abort_on_overflow", "1", err, sizeof(err)), 0);
	assert_int_equal(cfg.abort_on_overflow, 1);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_abort_on_overflow", "x", err, sizeof(err)), -1);
	/* proc_dointvec: any int, a negative one too */
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_max_syn_backlog", "-5", err, sizeof(err)), 0);
	assert_int_equal(cfg.max_syn_backlog, -5);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.ipv4.tcp_max_syn_backlog", "2147483648", err, sizeof(err)),
			 -1);
	/* proc_dointvec_minmax from 0 */
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.core.somaxconn", "-1", err, sizeof(err)), -1);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.core.somaxconn", "8", err, sizeof(err)), 0);
	assert_int_equal(cfg.somaxconn, 8);
	assert_int_equal(tl_tcp_config_sysctl(&cfg, "net.core.rmem_max", "8", err, sizeof(err)),
			 TL_TCP_SYSCTL_UNMODELLED);

	struct harness *h = harness_new(&cfg);
	int big = tl_tcp_socket(h->st), negative = tl_tcp_socket(h->st);
	assert_int_equal(tl_tcp_listen(h->st, big, loopback(), SERVER_PORT, 100, h->now_ns), 0);
	assert_int_equal(tl_tcp_listen(h->st, negative, loopback(), SERVER_PORT + 1, -1, h->now_ns), 0);
	struct tl_sock_row rows[4];
	assert_int_equal(tl_tcp_snapshot(h->st, h->now_ns, rows, 4), 2);
	assert_int_equal(rows[0].send_q, 8); /* __sys_listen(): at most somaxconn, and -1 is huge unsigned */
	assert_int_equal(rows[1].send_q, 8);
	harness_free(h);
}

/* ---- piles of connections ---- */

/*
 * A wire for thousands of connections: it keeps no record, only the
 * segments in flight (first in, first out, each WIRE_NS on the way).
 */
struct pile {
	struct tl_tcp_stack *st;
	uint64_t now_ns;
	struct wire_seg *q;
	size_t head, n, cap;
	int listener;
};

static void pile_note(void *ctx, const struct tl_tcp_note *n)
{
	struct pile *p = ctx;
	if (n->kind != TL_TCP_NOTE_SEGMENT)
		return;
	if (p->n == p->cap && p->head) { /* the queue's consumed front makes room first */
		memmove(p->q, p->q + p->head, (p->n - p->head) * sizeof(*p->q));
		p->n -= p->head;
		p->head = 0;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->q = realloc(p->q, p->cap * sizeof(*p->q));
		assert_non_null(p->q);
	}
	struct wire_seg *w = &p->q[p->n++];
	w->seg = *n->seg;
	w->sent_ns = n->now_ns;
	w->dropped = false;
	w->payload = n->seg->payload_len ? malloc(n->seg->payload_len) : NULL;
	if (w->payload)
		memcpy(w->payload, n->seg->payload, n->seg->payload_len);
	w->seg.payload = w->payload;
}

/* A stack with these sysctls (name, value, ..., NULL) and a listener on SERVER_PORT. */
static struct pile *pile_new(const char *const *sysctls)
{
	struct tl_tcp_config cfg;
	char err[256];
	tl_tcp_config_default(&cfg);
	for (size_t i = 0; sysctls && sysctls[i]; i += 2)
		if (tl_tcp_config_sysctl(&cfg, sysctls[i], sysctls[i + 1], err, sizeof(err)) != 0)
			fail_msg("%s", err);
	struct pile *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	p->st = tl_tcp_stack_new(&cfg, pile_note, p);
	assert_non_null(p->st);
	p->listener = tl_tcp_socket(p->st);
	assert_int_equal(tl_tcp_listen(p->st, p->listener, loopback(), SERVER_PORT, 4096, 0), 0);
	return p;
}

static void pile_free(struct pile *p)
{
	for (size_t i = p->head; i < p->n; i++)
		free(p->q[i].payload);
	free(p->q);
	tl_tcp_stack_free(p->st);
	free(p);
}

static void pile_run_until(struct pile *p, uint64_t until_ns)
{
	for (;;) {
		uint64_t t = tl_tcp_next_deadline_ns(p->st);
		if (p->head < p->n && p->q[p->head].sent_ns + WIRE_NS < t)
			t = p->q[p->head].sent_ns + WIRE_NS;
		if (t > until_ns)
			break;
		p->now_ns = t;
		tl_tcp_advance(p->st, t);
		while (p->head < p->n && p->q[p->head].sent_ns + WIRE_NS <= t) {
			struct wire_seg w = p->q[p->head++];
			tl_tcp_input(p->st, &w.seg, t);
			free(w.payload);
		}
	}
	p->now_ns = until_ns;
}

static void pile_run_for(struct pile *p, uint64_t ns)
{
	pile_run_until(p, p->now_ns + ns);
}

/* A client connected to SERVER_PORT (its id) and its accepted child (*child). */
static int pile_connect(struct pile *p, int *child)
{
	int client = tl_tcp_socket(p->st);
	assert_true(client >= 0);
	assert_int_equal(tl_tcp_connect(p->st, client, loopback(), SERVER_PORT, p->now_ns), -EINPROGRESS);
	pile_run_for(p, 100 * US);
	assert_int_equal(tl_tcp_connect_result(p->st, client), 0);
	*child = tl_tcp_accept(p->st, p->listener, NULL, p->now_ns);
	assert_true(*child >= 0);
	return client;
}

/* n connections, each closed by the client first: each leaves a TIME-WAIT socket (if it may). */
static void pile_churn(struct pile *p, int n)
{
	for (int i = 0; i < n; i++) {
		int child, client = pile_connect(p, &child);
		assert_int_equal(tl_tcp_close(p->st, client, p->now_ns), 0);
		pile_run_for(p, 50 * US);
		assert_int_equal(tl_tcp_close(p->st, child, p->now_ns), 0);
		pile_run_for(p, 100 * US);
	}
}

/* connect() from a new socket to the server's port: its result; the socket's id in *id. */
static int pile_try_connect(struct pile *p, uint16_t port, int *id)
{
	*id = tl_tcp_socket(p->st);
	assert_true(*id >= 0);
	return tl_tcp_connect(p->st, *id, loopback(), port, p->now_ns);
}

static const char *const range_of_8_no_reuse[] = { "net.ipv4.ip_local_port_range", "40000 40007",
						   "net.ipv4.tcp_tw_reuse", "0", NULL };

/*
 * __inet_hash_connect(): a port is free for connect() when no socket holds
 * its 4-tuple, or a time-wait socket does and tcp_twsk_unique() lets it go,
 * which tcp_tw_reuse 0 never does in the port search. 8 ports, 8 TIME-WAIT
 * sockets to SERVER_PORT: the 9th connect there finds none (EADDRNOTAVAIL,
 * no SYN). Ports are shared by 4-tuple, not held whole: a connect to
 * another port of the server still gets one of the 8.
 */
static void port_range_runs_out_in_time_wait(void **state)
{
	(void)state;
	struct pile *p = pile_new(range_of_8_no_reuse);
	pile_churn(p, 8);
	assert_int_equal(rows_in(p->st, p->now_ns, TL_TIME_WAIT), 8);
	size_t sent = p->n;
	int extra, other = tl_tcp_socket(p->st), elsewhere;
	assert_int_equal(pile_try_connect(p, SERVER_PORT, &extra), -EADDRNOTAVAIL);
	assert_int_equal(p->n, sent); /* no SYN left */
	assert_int_equal(tl_tcp_listen(p->st, other, loopback(), SERVER_PORT + 1, 16, p->now_ns), 0);
	assert_int_equal(pile_try_connect(p, SERVER_PORT + 1, &elsewhere), -EINPROGRESS);
	struct tl_tcp_info info;
	assert_int_equal(tl_tcp_info(p->st, elsewhere, &info), 0);
	assert_true(info.tuple.sport >= 40000 && info.tuple.sport <= 40007);
	pile_free(p);
}

static const char *const range_of_8_reuse[] = { "net.ipv4.ip_local_port_range", "40000 40007",
						 "net.ipv4.tcp_tw_reuse", "1", NULL };

/*
 * tcp_twsk_unique() with tcp_tw_reuse 1 and timestamps: connect() takes a
 * TIME-WAIT socket's 4-tuple over once time_after32(now_ms, tw_entry_stamp
 * + tcp_tw_reuse_delay): not 500 ms after the pile (delay 1000 ms), but
 * 1100 ms after it. The taking over counts TWRecycled once and the old
 * socket is gone.
 */
static void tw_reuse_takes_a_port_after_the_delay(void **state)
{
	(void)state;
	struct pile *p = pile_new(range_of_8_reuse);
	pile_churn(p, 8);
	uint64_t piled_ns = p->now_ns;
	pile_run_until(p, piled_ns + 500 * MS);
	int early, late;
	assert_int_equal(pile_try_connect(p, SERVER_PORT, &early), -EADDRNOTAVAIL);
	assert_int_equal(stack_counter(p->st, "TcpExtTWRecycled"), 0);
	pile_run_until(p, piled_ns + 1100 * MS);
	assert_int_equal(pile_try_connect(p, SERVER_PORT, &late), -EINPROGRESS);
	pile_run_for(p, 100 * US);
	assert_int_equal(tl_tcp_connect_result(p->st, late), 0);
	assert_int_equal(stack_counter(p->st, "TcpExtTWRecycled"), 1);
	assert_int_equal(rows_in(p->st, p->now_ns, TL_TIME_WAIT), 7);
	pile_free(p);
}

static const char *const five_buckets[] = { "net.ipv4.tcp_max_tw_buckets", "5", NULL };

/*
 * inet_twsk_alloc() fails while the namespace holds tcp_max_tw_buckets
 * time-wait sockets: of 12 connections closed client first, the first 5
 * leave TIME-WAIT sockets and each of the other 7 is closed at once
 * (tcp_time_wait(): TCPTimeWaitOverflow, tcp_done()). Only the listener and
 * the 5 remain. A server that closes only after its delayed ACK leaves the
 * client an orphan in FIN-WAIT-2, which wants a time-wait socket too: none,
 * so it is closed at once, and the server's FIN then meets no socket (RST).
 */
static void max_tw_buckets_closes_the_rest(void **state)
{
	(void)state;
	struct pile *p = pile_new(five_buckets);
	pile_churn(p, 12);
	pile_run_for(p, 1 * SEC);
	assert_int_equal(rows_in(p->st, p->now_ns, TL_TIME_WAIT), 5);
	assert_int_equal(stack_counter(p->st, "TcpExtTCPTimeWaitOverflow"), 7);
	assert_int_equal(tl_tcp_sockets(p->st, NULL, 0), 1 + 5);
	int child, client = pile_connect(p, &child);
	int64_t rsts = stack_counter(p->st, "TcpOutRsts");
	assert_int_equal(tl_tcp_close(p->st, client, p->now_ns), 0);
	pile_run_for(p, 1 * SEC); /* the server's delayed ACK: the client is an orphan in FIN-WAIT-2 */
	assert_int_equal(stack_counter(p->st, "TcpExtTCPTimeWaitOverflow"), 8);
	assert_int_equal(tl_tcp_close(p->st, child, p->now_ns), 0);
	pile_run_for(p, 1 * MS);
	assert_int_equal(stack_counter(p->st, "TcpOutRsts"), rsts + 1);
	assert_int_equal(tl_tcp_sockets(p->st, NULL, 0), 1 + 5);
	pile_free(p);
}

/*
 * 10,000 connections held open (20,000 sockets and the listener), then
 * closed client first: 10,000 TIME-WAIT sockets that end 60 s later. The
 * 4-tuple hash, the timer heap and the port search keep this well under a
 * second; a walk over every socket per segment or per timer would take
 * minutes (the CPU bound below catches that).
 */
#define PILE_CONNS 10000
static void twenty_thousand_sockets(void **state)
{
	(void)state;
	clock_t started = clock();
	struct pile *p = pile_new(NULL);
	static int client[PILE_CONNS], child[PILE_CONNS];
	for (int i = 0; i < PILE_CONNS; i++)
		client[i] = pile_connect(p, &child[i]);
	assert_int_equal(tl_tcp_sockets(p->st, NULL, 0), 2 * PILE_CONNS + 1);
	assert_int_equal(rows_in(p->st, p->now_ns, TL_ESTABLISHED), 2 * PILE_CONNS);
	for (int i = 0; i < PILE_CONNS; i++)
		assert_int_equal(tl_tcp_close(p->st, client[i], p->now_ns), 0);
	pile_run_for(p, 1 * MS);
	for (int i = 0; i < PILE_CONNS; i++)
		assert_int_equal(tl_tcp_close(p->st, child[i], p->now_ns), 0);
	pile_run_for(p, 1 * SEC);
	assert_int_equal(rows_in(p->st, p->now_ns, TL_TIME_WAIT), PILE_CONNS);
	assert_int_equal(tl_tcp_sockets(p->st, NULL, 0), PILE_CONNS + 1);
	pile_run_for(p, 61 * SEC);
	assert_int_equal(tl_tcp_sockets(p->st, NULL, 0), 1);
	pile_free(p);
	double cpu_s = (double)(clock() - started) / CLOCKS_PER_SEC;
	if (cpu_s > 20) /* about 0.3 s with the sanitizers */
		fail_msg("20,000 sockets took %.1f s of CPU", cpu_s);
}

/* ip_local_port_range takes "LOW HIGH" as the kernel's handler does; the time-wait sysctls their ranges. */
static void pile_sysctls(void **state)
{
	(void)state;
	struct tl_tcp_config c;
	char err[256];
	tl_tcp_config_default(&c);
	assert_int_equal(c.ephemeral_first, 32768);
	assert_int_equal(c.ephemeral_last, 60999);
	assert_int_equal(tl_tcp_config_sysctl(&c, "net.ipv4.ip_local_port_range", "40000 40049", err, sizeof(err)), 0);
	assert_int_equal(c.ephemeral_first, 40000);
	assert_int_equal(c.ephemeral_last, 40049);
	assert_int_equal(tl_tcp_config_sysctl(&c, "net.ipv4.ip_local_port_range", "5000\t5000", err, sizeof(err)), 0);
	const char *refused[] = { "40049 40000", "40000", "80 90", "1024 65536", "a b", "1 2 3" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(tl_tcp_config_sysctl(&c, "net.ipv4.ip_local_port_range", refused[i], err, sizeof(err)),
				 -1);
	assert_int_equal(tl_tcp_config_sysctl(&c, "net.ipv4.tcp_tw_reuse", "3", err, sizeof(err)), -1);
	assert_int_equal(tl_tcp_config_sysctl(&c, "net.ipv4.tcp_tw_reuse_delay", "0", err, sizeof(err)), -1);
	assert_int_equal(tl_tcp_config_sysctl(&c, "net.ipv4.tcp_max_tw_buckets", "-1", err, sizeof(err)), 0);
	assert_int_equal(c.max_tw_buckets, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mss_and_first_windows_by_family),
		cmocka_unit_test(handshake),
		cmocka_unit_test(syn_options_as_captured),
		cmocka_unit_test(data_acked_at_once),
		cmocka_unit_test(client_closes_first),
		cmocka_unit_test(full_accept_queue_drops_the_syn),
		cmocka_unit_test(connect_takes_over_or_is_refused_by_time_wait),
		cmocka_unit_test(unread_data_survives_time_wait),
		cmocka_unit_test(server_closes_first),
		cmocka_unit_test(simultaneous_close),
		cmocka_unit_test(simultaneous_open),
		cmocka_unit_test(reset_for_no_socket),
		cmocka_unit_test(syn_retransmissions_follow_timer_model),
		cmocka_unit_test(orphan_fin_retransmissions_follow_timer_model),
		cmocka_unit_test(abort_resets_the_peer),
		cmocka_unit_test(close_with_unread_data_resets),
		cmocka_unit_test(time_wait_reacks_fin),
		cmocka_unit_test(duplicate_fin_gets_dsack),
		cmocka_unit_test(linger2_negative_resets),
		cmocka_unit_test(bulk_data_arrives_in_order),
		cmocka_unit_test(lost_data_is_resent),
		cmocka_unit_test(config_sysctls),
		cmocka_unit_test(no_timestamps),
		cmocka_unit_test(same_seed_same_run),
		cmocka_unit_test(app_errors),
		cmocka_unit_test(owners_carry_over),
		cmocka_unit_test(keepalive_probes_a_silent_peer_then_resets),
		cmocka_unit_test(answered_probes_never_give_up),
		cmocka_unit_test(keepalive_set_over_a_connection),
		cmocka_unit_test(maxseg_sets_the_mss_and_the_first_windows),
		cmocka_unit_test(rcvbuf_sets_the_windows),
		cmocka_unit_test(nagle_holds_a_small_segment_unless_nodelay),
		cmocka_unit_test(quickack_on_sends_the_pending_ack),
		cmocka_unit_test(closed_window_is_probed_until_the_read),
		cmocka_unit_test(user_timeout_ends_the_probing),
		cmocka_unit_test(partly_open_window_takes_part_of_a_segment),
		cmocka_unit_test(syn_flood_without_cookies_fills_the_queue),
		cmocka_unit_test(syn_flood_with_cookies_lets_a_client_in),
		cmocka_unit_test(syncookies_2_keeps_no_requests),
		cmocka_unit_test(ipv6_cookie_carries_its_own_mss),
		cmocka_unit_test(wrong_cookie_is_reset),
		cmocka_unit_test(max_syn_backlog_keeps_a_quarter_free),
		cmocka_unit_test(socket_table_limit_is_a_full_queue_and_an_error),
		cmocka_unit_test(final_ack_meets_a_full_accept_queue),
		cmocka_unit_test(syn_flood_sysctls),
		cmocka_unit_test(port_range_runs_out_in_time_wait),
		cmocka_unit_test(tw_reuse_takes_a_port_after_the_delay),
		cmocka_unit_test(max_tw_buckets_closes_the_rest),
		cmocka_unit_test(twenty_thousand_sockets),
		cmocka_unit_test(pile_sysctls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
