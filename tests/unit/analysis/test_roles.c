/*
 * Unit tests of packet roles: the handshake, data, the three- and four-leg
 * teardowns, resets and retransmissions, from packets built field by field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "core/event.h"
#include "analysis/packet.h"
#include "core/wire.h"
#include "analysis/roles.h"

#define CLIENT 40000
#define SERVER 2017

/* A packet between the server and a client on client_port, with its window and option bytes. */
static void add_full(struct tl_timeline *tl, uint16_t client_port, bool from_client, uint8_t flags, uint32_t seq,
		     uint32_t ack, size_t len, uint16_t window, const uint8_t *opt, size_t opt_len)
{
	static const uint8_t payload[64] = "hello";
	struct tl_tuple t = {
		.saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
		.sport = from_client ? client_port : SERVER, .dport = from_client ? SERVER : client_port,
	};
	struct tl_event ev = { .t_ns = tl->n * 1000, .kind = TL_EV_PACKET };
	assert_int_equal(tl_packet_build(&t, seq, ack, flags, window, opt, opt_len, payload, len, &ev.u.packet), 0);
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void add_on(struct tl_timeline *tl, uint16_t client_port, bool from_client, uint8_t flags, uint32_t seq,
		   uint32_t ack, size_t len)
{
	add_full(tl, client_port, from_client, flags, seq, ack, len, 512, NULL, 0);
}

static void add(struct tl_timeline *tl, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
		size_t len)
{
	add_on(tl, CLIENT, from_client, flags, seq, ack, len);
}

static void assert_roles(struct tl_timeline *tl, const enum tl_role *want, const unsigned *retrans, size_t n)
{
	assert_int_equal(tl_roles_annotate(tl), 0);
	assert_int_equal(tl->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct tl_packet *p = &tl->ev[i].u.packet;
		if (p->role != want[i] || p->retrans_no != (retrans ? retrans[i] : 0))
			fail_msg("packet #%zu (%s): role %s retrans %u, expected %s retrans %u", i + 1,
				 p->text, tl_role_name(p->role), p->retrans_no, tl_role_name(want[i]),
				 retrans ? retrans[i] : 0);
	}
}

enum { S = TL_TH_SYN, A = TL_TH_ACK, F = TL_TH_FIN, P = TL_TH_PSH, R = TL_TH_RST };

static void handshake_data_and_merged_teardown(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, A, 101, 501, 0);
	add(&tl, true, P | A, 101, 501, 5);
	add(&tl, false, A, 501, 106, 0);
	add(&tl, true, F | A, 106, 501, 0);
	add(&tl, false, F | A, 501, 107, 0);
	add(&tl, true, A, 107, 502, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_DATA, TL_ROLE_ACK, TL_ROLE_TEARDOWN_1,
				      TL_ROLE_TEARDOWN_23, TL_ROLE_TEARDOWN_4 };
	assert_roles(&tl, want, NULL, 8);
	assert_non_null(strstr(tl.ev[0].u.packet.text, "IP 127.0.0.1.40000 > 127.0.0.1.2017: Flags [S]"));
	tl_timeline_free(&tl);
}

static void four_leg_teardown_when_the_server_closes_later(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, A, 101, 501, 0);
	add(&tl, false, F | A, 501, 101, 0); /* the server closes first (N6) */
	add(&tl, true, A, 101, 502, 0);
	add(&tl, true, F | A, 101, 502, 0);
	add(&tl, false, A, 502, 102, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_TEARDOWN_1, TL_ROLE_TEARDOWN_2, TL_ROLE_TEARDOWN_3,
				      TL_ROLE_TEARDOWN_4 };
	assert_roles(&tl, want, NULL, 7);
	tl_timeline_free(&tl);
}

static void refused_connection_is_a_reset(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, R | A, 0, 101, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_RESET };
	assert_roles(&tl, want, NULL, 2);
	tl_timeline_free(&tl);
}

/* peer-gone: the server's R. is lost, and the listener's bare R answering the
 * client's next data carries the same sequence number: two resets, neither a
 * retransmission of the other (an invariant stopped the sanitizer build here). */
static void two_resets_with_one_sequence_number(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, A, 101, 501, 0);
	add(&tl, false, R | A, 501, 101, 0);
	add(&tl, true, P | A, 101, 501, 5);
	add(&tl, false, R, 501, 0, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_RESET,	   TL_ROLE_DATA,	TL_ROLE_RESET };
	assert_roles(&tl, want, NULL, 6);
	tl_timeline_free(&tl);
}

static void repeated_syns_are_numbered_and_a_new_isn_starts_over(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, true, S, 900, 0, 0); /* a new connection on the same ports */
	add(&tl, false, S | A, 700, 901, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_1,
				      TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_1,
				      TL_ROLE_HANDSHAKE_2 };
	const unsigned retrans[] = { 0, 0, 1, 1, 2, 0, 0 };
	assert_roles(&tl, want, retrans, 7);
	tl_timeline_free(&tl);
}

static void repeated_fin_keeps_its_role(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, A, 101, 501, 0);
	add(&tl, true, F | A, 101, 501, 0);
	add(&tl, true, F | A, 101, 501, 0);
	add(&tl, true, F | A, 101, 501, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_TEARDOWN_1, TL_ROLE_TEARDOWN_1, TL_ROLE_TEARDOWN_1 };
	const unsigned retrans[] = { 0, 0, 0, 0, 1, 2 };
	assert_roles(&tl, want, retrans, 6);
	tl_timeline_free(&tl);
}

/* Far more segments than a fixed table would hold: a late resend is still recognised. */
static void a_resend_after_many_segments_is_a_retransmission(void **state)
{
	(void)state;
	enum { SEGMENTS = 200, RESENT = 67 }; /* the 68th data segment is sent again */
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, A, 101, 501, 0);
	for (uint32_t i = 0; i < SEGMENTS; i++)
		add(&tl, true, P | A, 101 + 5 * i, 501, 5);
	add(&tl, true, P | A, 101 + 5 * RESENT, 501, 5);
	assert_int_equal(tl_roles_annotate(&tl), 0);
	const struct tl_packet *resend = &tl.ev[tl.n - 1].u.packet;
	assert_int_equal(resend->role, TL_ROLE_DATA);
	assert_int_equal(resend->retrans_no, 1);
	/* add() stamps packet k at k microseconds: the resend comes after the rest */
	assert_int_equal(resend->resend_gap_ns, (tl.n - 1 - (3 + RESENT)) * 1000);
	assert_int_equal(tl.ev[3 + RESENT].u.packet.retrans_no, 0);
	tl_timeline_free(&tl);
}

static void assert_ref(const struct tl_timeline *tl, size_t i, unsigned conn, unsigned dir, enum tl_seq_base seq_base,
		       uint32_t rel_seq, enum tl_seq_base ack_base, uint32_t rel_ack)
{
	const struct tl_conn_ref *r = tl->ev[i].kind == TL_EV_PACKET ? &tl->ev[i].u.packet.ref : &tl->ev[i].u.drop.ref;
	if (r->conn != conn || r->dir != dir || r->seq_base != seq_base || r->rel_seq != rel_seq ||
	    r->ack_base != ack_base || r->rel_ack != rel_ack)
		fail_msg("event #%zu: conn %u dir %u seq %u (base %d) ack %u (base %d), expected conn %u dir %u seq %u "
			 "(base %d) ack %u (base %d)",
			 i + 1, r->conn, r->dir, r->rel_seq, r->seq_base, r->rel_ack, r->ack_base, conn, dir, rel_seq,
			 seq_base, rel_ack, ack_base);
}

/* The one rule for relative numbers, recorded on every packet and drop report. */
static void every_segment_carries_its_connection_and_relative_numbers(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, true, S, 100, 0, 0);		  /* 1: connection 1 */
	add(&tl, false, S | A, 500, 101, 0);
	add(&tl, true, A, 101, 501, 0);
	add_on(&tl, CLIENT + 1, true, S, 7000, 0, 0); /* 4: connection 2, refused */
	add_on(&tl, CLIENT + 1, false, R | A, 0, 7001, 0);
	struct tl_event drop = { .t_ns = tl.n * 1000, .kind = TL_EV_DROP };
	drop.u.drop = (struct tl_drop){
		.tuple = { .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .sport = CLIENT, .dport = SERVER },
		.seq = 101, .flags = P | A,
	};
	assert_int_equal(tl_timeline_append(&tl, &drop), 0); /* 6: a drop report the capture missed */
	add(&tl, true, S, 9000, 0, 0);		  /* 7: a stray SYN on connection 1, open: not its own */
	add(&tl, false, A, 501, 101, 0);	  /* 8: the server's challenge ACK, in its old numbers */
	assert_int_equal(tl_roles_annotate(&tl), 0);
	assert_ref(&tl, 0, 1, 0, TL_BASE_SYN, 0, TL_BASE_NONE, 0);
	assert_ref(&tl, 1, 1, 1, TL_BASE_SYN, 0, TL_BASE_SYN, 1);
	assert_ref(&tl, 2, 1, 0, TL_BASE_SYN, 1, TL_BASE_SYN, 1);
	assert_ref(&tl, 3, 2, 0, TL_BASE_SYN, 0, TL_BASE_NONE, 0);
	assert_ref(&tl, 4, 2, 1, TL_BASE_FIRST, 0, TL_BASE_SYN, 1); /* the server never sent a SYN */
	assert_ref(&tl, 5, 1, 0, TL_BASE_SYN, 1, TL_BASE_NONE, 0);
	assert_ref(&tl, 6, 1, 0, TL_BASE_SYN, 8900, TL_BASE_NONE, 0); /* counted from the connection's own SYN */
	assert_ref(&tl, 7, 1, 1, TL_BASE_SYN, 1, TL_BASE_SYN, 1);
	tl_timeline_free(&tl);
}

enum { C = true, SV = false };

/* The client (ISN 100) opens to the server (ISN 500). */
static void handshake(struct tl_timeline *tl)
{
	add(tl, C, S, 100, 0, 0);
	add(tl, SV, S | A, 500, 101, 0);
	add(tl, C, A, 101, 501, 0);
}

/* The handshake's ACK lost: the server resends its SYN-ACK and the client answers it again. */
static void the_handshake_ack_again_answers_a_resent_synack(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	handshake(&tl);
	add(&tl, SV, S | A, 500, 101, 0);
	add(&tl, C, A, 101, 501, 0);
	add(&tl, C, A, 101, 501, 0); /* no resend before it: the same ACK, nothing in flight */
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3_AGAIN, TL_ROLE_ACK };
	const unsigned retrans[] = { 0, 0, 0, 1, 0, 0 };
	assert_roles(&tl, want, retrans, 6);
	tl_timeline_free(&tl);
}

/* SACK option bytes: nop, nop, SACK with the blocks given. */
static size_t sack_option(uint8_t *o, const uint32_t (*blocks)[2], size_t n)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 5;
	o[3] = (uint8_t)(2 + 8 * n);
	for (size_t b = 0; b < n; b++) {
		uint32_t l = htonl(blocks[b][0]), r = htonl(blocks[b][1]);
		memcpy(o + 4 + 8 * b, &l, 4);
		memcpy(o + 8 + 8 * b, &r, 4);
	}
	return 4 + 8 * n;
}

/* Data in flight and one segment lost: the same ACK again is a duplicate; a block below it a D-SACK. */
static void duplicate_acks_and_dsack(void **state)
{
	(void)state;
	struct tl_timeline tl;
	uint8_t opt[40];
	tl_timeline_init(&tl, 0);
	handshake(&tl);
	add(&tl, C, P | A, 101, 501, 10);  /* lost */
	add(&tl, C, P | A, 111, 501, 10);
	const uint32_t above[][2] = { { 111, 121 } };
	/* The SYN-ACK acknowledged 101 already: both are duplicates (RFC 5681), SACKing what came. */
	add_full(&tl, CLIENT, SV, A, 501, 101, 0, 512, opt, sack_option(opt, above, 1));
	add_full(&tl, CLIENT, SV, A, 501, 101, 0, 512, opt, sack_option(opt, above, 1));
	add(&tl, C, P | A, 101, 501, 10);  /* the resend fills the hole */
	add(&tl, SV, A, 501, 121, 0);
	const uint32_t twice[][2] = { { 111, 121 } };
	add(&tl, C, P | A, 111, 501, 10);  /* a needless resend */
	add_full(&tl, CLIENT, SV, A, 501, 121, 0, 512, opt, sack_option(opt, twice, 1));
	/* RFC 2883's second form: a part received twice of an out-of-order block, inside that block. */
	const uint32_t inside[][2] = { { 131, 135 }, { 131, 141 } };
	add_full(&tl, CLIENT, SV, A, 501, 121, 0, 512, opt, sack_option(opt, inside, 2));
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3, TL_ROLE_DATA,
				      TL_ROLE_DATA, TL_ROLE_DUP_ACK, TL_ROLE_DUP_ACK, TL_ROLE_DATA, TL_ROLE_ACK,
				      TL_ROLE_DATA, TL_ROLE_DSACK, TL_ROLE_DSACK };
	const unsigned retrans[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0 };
	assert_roles(&tl, want, retrans, 12);
	tl_timeline_free(&tl);
}

/* A reader that stops: its window closes, the sender probes it, the reader reopens it. */
static void zero_window_probe_and_update(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	handshake(&tl);
	add(&tl, C, P | A, 101, 501, 10);
	add_full(&tl, CLIENT, SV, A, 501, 111, 0, 0, NULL, 0);	/* the buffer is full */
	add(&tl, C, A, 110, 501, 0);				/* one below what was acknowledged */
	add_full(&tl, CLIENT, SV, A, 501, 111, 0, 0, NULL, 0);	/* still full: its answer */
	add(&tl, C, A, 110, 501, 0);
	add_full(&tl, CLIENT, SV, A, 501, 111, 0, 300, NULL, 0); /* the reader read */
	add(&tl, C, A, 110, 501, 0);				/* the window is open: a keepalive probe's form */
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_DATA,	   TL_ROLE_ZERO_WINDOW, TL_ROLE_WINDOW_PROBE,
				      TL_ROLE_ZERO_WINDOW, TL_ROLE_WINDOW_PROBE, TL_ROLE_WINDOW_UPDATE,
				      TL_ROLE_KEEPALIVE_PROBE };
	assert_roles(&tl, want, NULL, 10);
	tl_timeline_free(&tl);
}

/* Every role has one word for `expect roles` and the JSON, and words for a reader; each name parses back. */
static void every_role_has_a_name_and_words(void **state)
{
	(void)state;
	for (int r = TL_ROLE_HANDSHAKE_1; r < TL_ROLE_COUNT; r++) {
		const char *name = tl_role_name((enum tl_role)r), *words = tl_role_words((enum tl_role)r);
		enum tl_role back;
		assert_non_null(name);
		assert_non_null(words);
		assert_true(words[0]);
		assert_null(strchr(name, ' '));
		assert_true(tl_role_parse(name, &back));
		assert_int_equal(back, r);
	}
}

/*
 * Keepalive probes as the kernel sent them (scenarios/loss/keepalive-peer-gone.scn):
 * an ACK one below what the client sent, each answered by a plain ACK, then
 * the client's reset.
 */
static void keepalive_probes_one_below_what_was_sent(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	handshake(&tl);
	add(&tl, true, A, 100, 501, 0); /* 1.016 s: probe, seq snd_una - 1 */
	add(&tl, false, A, 501, 101, 0);
	add(&tl, true, A, 100, 501, 0); /* 2.042 s: probe */
	add(&tl, false, A, 501, 101, 0);
	add(&tl, true, R | A, 101, 501, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_KEEPALIVE_PROBE, TL_ROLE_ACK, TL_ROLE_KEEPALIVE_PROBE,
				      TL_ROLE_ACK, TL_ROLE_RESET };
	assert_roles(&tl, want, NULL, 8);
	assert_string_equal(tl_role_name(TL_ROLE_KEEPALIVE_PROBE), "keepalive-probe");
	tl_timeline_free(&tl);
}

/* After data, the probe sits one below the data's end; another stack's probe repeats that byte. */
static void keepalive_probe_after_data_and_with_one_old_byte(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	handshake(&tl);
	add(&tl, true, P | A, 101, 501, 5);
	add(&tl, false, A, 501, 106, 0);
	add(&tl, true, A, 106, 501, 0); /* a plain ACK sits at what was sent */
	add(&tl, true, A, 105, 501, 0); /* Linux: one below */
	add(&tl, true, A, 105, 501, 1); /* BSD: the last byte again */
	add(&tl, false, A, 500, 106, 0); /* the server's ACK one below: its probe too */
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_DATA,	   TL_ROLE_ACK,		TL_ROLE_ACK,
				      TL_ROLE_KEEPALIVE_PROBE, TL_ROLE_KEEPALIVE_PROBE, TL_ROLE_KEEPALIVE_PROBE };
	assert_roles(&tl, want, NULL, 9);
	tl_timeline_free(&tl);
}

/* A zero-window probe has the keepalive probe's form; while the peer's window is closed it is not one. */
static void zero_window_probe_is_not_a_keepalive_probe(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	handshake(&tl);
	add(&tl, true, P | A, 101, 501, 5);
	add_full(&tl, CLIENT, false, A, 501, 106, 0, 0, NULL, 0); /* the server's window closes */
	add(&tl, true, A, 105, 501, 0);			/* the persist timer's probe */
	add_full(&tl, CLIENT, false, A, 501, 106, 0, 8, NULL, 0); /* open again */
	add(&tl, true, A, 105, 501, 0);
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3,
				      TL_ROLE_DATA,	   TL_ROLE_ZERO_WINDOW, TL_ROLE_WINDOW_PROBE,
				      TL_ROLE_WINDOW_UPDATE, TL_ROLE_KEEPALIVE_PROBE };
	assert_roles(&tl, want, NULL, 8);
	tl_timeline_free(&tl);
}

/* A SYN reaches a socket in SYN-SENT: its SYN-ACK has its own SYN's number and is no resend of it. */
/*
 * RFC 5961 on an open connection: a SYN with a new number is a stray SYN,
 * not a new connection, and its answer a challenge ACK; an inexact reset is
 * challenged too, unless the answer is rate-limited away (then the next
 * ACK, for new data, is an ordinary one); only the exact reset is obeyed.
 */
static void stray_syn_and_inexact_reset_are_challenged(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	handshake(&tl);
	add(&tl, C, P | A, 101, 501, 2);
	add(&tl, SV, A, 501, 103, 0);
	add(&tl, C, S, 5000, 0, 0);	     /* stray: the connection is open */
	add(&tl, SV, A, 501, 103, 0);	     /* where the server stands */
	add(&tl, C, R, 108, 0, 0);	     /* in the window, not 103 */
	add(&tl, SV, A, 501, 103, 0);
	add(&tl, C, R, 110, 0, 0);	     /* inexact again, the answer rate-limited */
	add(&tl, C, P | A, 103, 501, 2);
	add(&tl, SV, A, 501, 105, 0);	     /* new data acknowledged: not the challenge */
	add(&tl, C, R, 105, 0, 0);	     /* exact: obeyed */
	add(&tl, C, S, 6000, 0, 0);	     /* after the reset: a new connection's SYN */
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2, TL_ROLE_HANDSHAKE_3, TL_ROLE_DATA,
				      TL_ROLE_ACK, TL_ROLE_STRAY_SYN, TL_ROLE_CHALLENGE_ACK, TL_ROLE_RESET,
				      TL_ROLE_CHALLENGE_ACK, TL_ROLE_RESET, TL_ROLE_DATA, TL_ROLE_ACK,
				      TL_ROLE_RESET, TL_ROLE_HANDSHAKE_1 };
	assert_roles(&tl, want, NULL, 14);
	/* The stray SYN does not renumber the client's direction: its data after is at 3. */
	assert_int_equal(tl.ev[10].u.packet.ref.rel_seq, 3);
	tl_timeline_free(&tl);
}

static void simultaneous_open(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add(&tl, C, S, 100, 0, 0);	   /* lost */
	add(&tl, SV, S, 500, 0, 0);	   /* the other side connects too */
	add(&tl, C, S | A, 100, 501, 0); /* simultaneous open: SYN-RECV answers */
	add(&tl, SV, A, 501, 101, 0);
	add(&tl, C, S | A, 100, 501, 0); /* its SYN-ACK again: that is a resend */
	const enum tl_role want[] = { TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_1, TL_ROLE_HANDSHAKE_2,
				      TL_ROLE_HANDSHAKE_3, TL_ROLE_HANDSHAKE_2 };
	const unsigned retrans[] = { 0, 0, 0, 0, 1 };
	assert_roles(&tl, want, retrans, 5);
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_data_and_merged_teardown),
		cmocka_unit_test(the_handshake_ack_again_answers_a_resent_synack),
		cmocka_unit_test(duplicate_acks_and_dsack),
		cmocka_unit_test(zero_window_probe_and_update),
		cmocka_unit_test(every_role_has_a_name_and_words),
		cmocka_unit_test(stray_syn_and_inexact_reset_are_challenged),
		cmocka_unit_test(simultaneous_open),
		cmocka_unit_test(keepalive_probes_one_below_what_was_sent),
		cmocka_unit_test(keepalive_probe_after_data_and_with_one_old_byte),
		cmocka_unit_test(zero_window_probe_is_not_a_keepalive_probe),
		cmocka_unit_test(four_leg_teardown_when_the_server_closes_later),
		cmocka_unit_test(refused_connection_is_a_reset),
		cmocka_unit_test(two_resets_with_one_sequence_number),
		cmocka_unit_test(repeated_syns_are_numbered_and_a_new_isn_starts_over),
		cmocka_unit_test(repeated_fin_keeps_its_role),
		cmocka_unit_test(a_resend_after_many_segments_is_a_retransmission),
		cmocka_unit_test(every_segment_carries_its_connection_and_relative_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
