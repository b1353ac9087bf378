/*
 * tcp_model: a pure model of one host's TCP (Linux 6.18 on loopback), for
 * the simulator and for tests.
 *
 * A struct tl_tcp_stack holds every socket of one host: listeners, request
 * sockets (half-open, SYN-RECV), full sockets and time-wait sockets. The
 * caller drives it with three kinds of input, each stamped with the virtual
 * time now_ns: application calls (tl_tcp_connect, tl_tcp_send, ...), arriving
 * segments (tl_tcp_input), and the passing of time (tl_tcp_advance, up to the
 * deadline tl_tcp_next_deadline_ns asks for). Everything the stack does is
 * reported through one callback, in order: segments it sends, state changes
 * (from, to, and why where Linux hides the truth from its tracepoint),
 * retransmissions and resets. Blocking is the caller's business: a call that
 * would block returns -EAGAIN (-EINPROGRESS for connect) and has no effect;
 * the caller retries after the next input.
 *
 * What is modelled: the RFC 9293 state machine with all eleven states
 * (simultaneous open and close included), Linux's answers to segments that
 * reach no socket, a listener's SYN queue and SYN cookies under a SYN
 * flood, piles of any number of sockets (ip_local_port_range, tcp_tw_reuse,
 * tcp_max_tw_buckets), the options Linux puts on loopback SYNs, delayed ACKs
 * with quick-ACK and ping-pong modes, and every retransmission and linger
 * time, taken from timer_model.h (never restated here). docs/model.md says
 * what is left out.
 *
 * Pure: no clock reads, no I/O, no globals; randomness (initial sequence
 * numbers, timestamp offsets) comes from cfg.seed, so equal inputs give equal
 * outputs. Errors are negative errno values.
 */
#ifndef TCPLAB_TCP_MODEL_H
#define TCPLAB_TCP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "model/timer_model.h"

#define TL_TCP_MAX_OPTIONS 40		/* TCP option bytes in one header */
#define TL_TCP_MAX_SEND_BYTES (4u << 20) /* a socket's send buffer (tcp_wmem max) */
#define TL_TCP_RECV_BYTES 65536u	/* receive window once established, 64 << wscale 10 */
#define TL_TCP_WHY_LEN 128

/* The host's settings: namespace sysctls and loopback constants. */
struct tl_tcp_config {
	struct tl_timer_settings timers; /* every retransmission and linger time, HZ included */
	struct tl_addr local_addr;	 /* IPv4 source of connections: 127.0.0.1 (IPv6: ::1) */
	/* Ports connect() picks (docs/model.md, "Piles of connections") */
	uint16_t ephemeral_first;	 /* ip_local_port_range's low end (32768 in a new namespace) */
	uint16_t ephemeral_last;	 /* its high end (60999) */
	uint16_t ephemeral_start;	 /* where the model's search starts, if in the range (40000) */
	uint8_t tw_reuse;		 /* tcp_tw_reuse: 0 never, 1 or 2 (loopback only: the lab is) take over TIME-WAIT */
	uint32_t tw_reuse_delay_ms;	 /* tcp_tw_reuse_delay (1000): how old a time-wait socket must be */
	int max_tw_buckets;		 /* tcp_max_tw_buckets (131072 in a new namespace) */
	size_t max_socks;		 /* 0: no limit, as the kernel; a harness's cap on the table (see tl_tcp_stack_error) */
	uint32_t lo_mtu;		 /* loopback's MTU, 65536: MSS and first windows follow (tl_tcp_adv_mss) */
	uint8_t wscale;			 /* window scale offered (10 on this kernel, for tcp_rmem's 32 MiB) */
	bool sack;			 /* net.ipv4.tcp_sack */
	bool timestamps;		 /* net.ipv4.tcp_timestamps */
	bool window_scaling;		 /* net.ipv4.tcp_window_scaling */
	/* A listener under a SYN flood (docs/model.md, "The SYN queue and SYN cookies") */
	uint8_t syncookies;		 /* tcp_syncookies: 0 never, 2 always, else when the SYN queue is full */
	int max_syn_backlog;		 /* tcp_max_syn_backlog (2048): without cookies, its last quarter is kept */
	int somaxconn;			 /* net.core.somaxconn (4096): listen()'s backlog is cut to it */
	uint8_t abort_on_overflow;	 /* tcp_abort_on_overflow: non-zero, RST a final ACK at a full accept queue */
	uint64_t seed;			 /* initial sequence numbers and timestamp offsets */
};

/*
 * The MSS a socket of this family (AF_INET, AF_INET6) advertises on
 * loopback, by the kernel's rules: ipv4_default_advmss() is the MTU less
 * 40 header bytes, at most 65535 - 40 (65495 on lo); ip6_default_advmss()
 * the MTU less 60 (65476 on lo), and 65535 above 65535 - 20.
 */
uint16_t tl_tcp_adv_mss(const struct tl_tcp_config *c, int family);

/*
 * The window of a SYN (mss: the advertised MSS) or of a SYN-ACK (mss: the
 * advertised MSS less the 12 bytes of the TS option when timestamps were
 * agreed), as tcp_select_initial_window() offers it: the receive space
 * (TL_TCP_RECV_BYTES) rounded down to a multiple of mss, at most 65535
 * (a SYN's window is never scaled). 65495 and 65483 for IPv4 on lo.
 */
uint16_t tl_tcp_initial_window(uint32_t mss);

/* Fills c with this kernel's loopback defaults and seed 1. Cannot fail. */
void tl_tcp_config_default(struct tl_tcp_config *c);

/*
 * Applies one sysctl ("net.ipv4.tcp_fin_timeout", value "2"): the timer
 * model's sysctls plus tcp_sack, tcp_timestamps, tcp_window_scaling,
 * tcp_syncookies, tcp_max_syn_backlog, tcp_abort_on_overflow,
 * net.core.somaxconn, tcp_tw_reuse, tcp_tw_reuse_delay, tcp_max_tw_buckets
 * and ip_local_port_range (two numbers, "40000 40049"), each within the
 * range the kernel's handler takes.
 * Returns 0; -1 with the reason in err for a value the kernel would refuse
 * (the writer's mistake); TL_TCP_SYSCTL_UNMODELLED with the reason for a
 * sysctl the model does not know (the model's limit). c is unchanged on
 * failure.
 */
#define TL_TCP_SYSCTL_UNMODELLED (-2)
int tl_tcp_config_sysctl(struct tl_tcp_config *c, const char *name, const char *value, char *err,
			 size_t errlen);

/* TCP options of a segment, decoded. */
struct tl_tcp_options {
	bool mss_set;
	uint16_t mss;
	bool sack_ok;
	bool ts_set;
	uint32_t ts_val, ts_ecr;
	bool wscale_set;
	uint8_t wscale;
	/* One SACK block: the model sends only a D-SACK (RFC 2883), one block at most. */
	bool sack_block_set;
	uint32_t sack_left, sack_right;
};

/* A segment on the wire, header fields in host order; tuple.s is the sender. */
struct tl_tcp_seg {
	struct tl_tuple tuple;
	uint32_t seq, ack;
	uint8_t flags;	 /* TL_TH_* */
	uint16_t window; /* as in the header (before scaling) */
	struct tl_tcp_options opt;
	const uint8_t *payload; /* valid only during the call that hands the segment over */
	uint32_t payload_len;
};

/*
 * Writes the option bytes Linux sends for seg into out, in its order: on a
 * SYN "mss, sackOK, TS, nop, wscale" (with nops where one is left out),
 * otherwise "nop, nop, TS", then "nop, nop, sack" when a block is set.
 * Returns the length, a multiple of 4.
 */
size_t tl_tcp_options_encode(const struct tl_tcp_seg *seg, uint8_t out[TL_TCP_MAX_OPTIONS]);

/* Decodes option bytes; unknown options are skipped. False when they are malformed. */
bool tl_tcp_options_decode(const uint8_t *bytes, size_t len, struct tl_tcp_options *out);

/* Sequence space a segment takes: payload, plus one for SYN and one for FIN. */
uint32_t tl_tcp_seg_len(const struct tl_tcp_seg *seg);

/* What the stack reports, in the order it happens. */
enum tl_tcp_note_kind {
	TL_TCP_NOTE_SEGMENT,	    /* seg leaves the host */
	TL_TCP_NOTE_STATE,	    /* a socket went from -> to */
	TL_TCP_NOTE_RETRANS,	    /* the next SEGMENT note is a retransmission */
	TL_TCP_NOTE_RESET_SENT,	    /* the next SEGMENT note is a RST */
	TL_TCP_NOTE_RESET_RECEIVED, /* a socket accepted a RST */
};

struct tl_tcp_note {
	enum tl_tcp_note_kind kind;
	uint64_t now_ns;
	int sock;		  /* socket id, -1 when no socket is involved */
	enum tl_side side;	  /* the socket's owner (tl_tcp_set_owner), NONE without a socket */
	uint64_t cookie;	  /* the socket's unique number, 0 without a socket */
	struct tl_tuple tuple;	  /* the socket's, s = local; for a segment, s = the sender */
	enum tl_state from, to;	  /* STATE */
	enum tl_state state;	  /* RETRANS, RESET_*: the socket's state (TL_STATE_NONE: none) */
	enum tl_retrans_kind retrans; /* RETRANS */
	const struct tl_tcp_seg *seg; /* SEGMENT */
	char why[TL_TCP_WHY_LEN];     /* STATE: where the kernel's tracepoint would not tell */
};

typedef void (*tl_tcp_note_fn)(void *ctx, const struct tl_tcp_note *note);

struct tl_tcp_stack;

/*
 * A stack with the settings of cfg (copied) that reports to note(ctx, ...).
 * The callback must not call back into the stack. NULL when out of memory
 * or when cfg's timer settings are invalid (tl_timer_settings_check).
 */
struct tl_tcp_stack *tl_tcp_stack_new(const struct tl_tcp_config *cfg, tl_tcp_note_fn note, void *ctx);

/* Frees the stack and every socket, without a note. NULL is allowed. */
void tl_tcp_stack_free(struct tl_tcp_stack *st);

/*
 * The first internal failure, or "" when none: a timer prediction that
 * failed, memory that ran out, or a SYN the model could not treat as the
 * kernel would because its socket table was full (only a table capped by
 * cfg.max_socks fills up); the stack then goes on as if the listener's SYN
 * queue were full, which the kernel's was not.
 */
const char *tl_tcp_stack_error(const struct tl_tcp_stack *st);

/* Application calls. Each returns >= 0 on success or a negative errno. */

/* A new socket (CLOSE, held by the application): its id (the lowest free one), or -EMFILE
 * (cfg.max_socks reached, or out of memory). */
int tl_tcp_socket(struct tl_tcp_stack *st);
/*
 * A socket option (scenario/sockopt.h), with the kernel's meaning as far as
 * tl_tcp_sockopt_modelled() says: 0, -EBADF, -EINVAL for a value the kernel
 * refuses, or -ENOPROTOOPT (nothing changed) for an option the model does
 * not honour, which the caller must say rather than pass over in silence.
 */
int tl_tcp_setsockopt(struct tl_tcp_stack *st, int sock, enum tl_sockopt opt, int value, uint64_t now_ns);
/* Whether tl_tcp_setsockopt gives opt its meaning; false: -ENOPROTOOPT. Pure. */
bool tl_tcp_sockopt_modelled(enum tl_sockopt opt);
/*
 * Says which side of the scenario holds the socket (TL_SIDE_NONE until
 * said). The sockets it gives rise to (a listener's requests and children,
 * its own time-wait form) keep the owner, and every note and snapshot row
 * about them carries it.
 */
int tl_tcp_set_owner(struct tl_tcp_stack *st, int sock, enum tl_side owner);
/* bind(addr:port) with SO_REUSEADDR and listen(backlog); the address's family is the socket's. */
int tl_tcp_listen(struct tl_tcp_stack *st, int sock, const struct tl_addr *addr, uint16_t port, int backlog,
		  uint64_t now_ns);
/* bind(addr:port) with SO_REUSEADDR, for a connect from that port: 0, -EADDRINUSE, -EINVAL when bound. */
int tl_tcp_bind(struct tl_tcp_stack *st, int sock, const struct tl_addr *addr, uint16_t port, uint64_t now_ns);
/* Binds an ephemeral port (unless tl_tcp_bind did) and sends the SYN: -EINPROGRESS; see tl_tcp_connect_result.
 * The source is cfg.local_addr, or ::1 for an IPv6 destination. */
int tl_tcp_connect(struct tl_tcp_stack *st, int sock, const struct tl_addr *addr, uint16_t port, uint64_t now_ns);
/* 0 once connected, -EINPROGRESS while the handshake runs, or why it failed. */
int tl_tcp_connect_result(const struct tl_tcp_stack *st, int sock);
/* The next connection of a listener (its id; *peer filled), or -EAGAIN. */
int tl_tcp_accept(struct tl_tcp_stack *st, int listener, struct tl_tuple *peer, uint64_t now_ns);
/* Queues and sends bytes: how many were taken, -EAGAIN when none fit. */
long tl_tcp_send(struct tl_tcp_stack *st, int sock, const void *data, size_t len, uint64_t now_ns);
/* Reads up to len bytes: n, 0 at end of file, -EAGAIN when nothing is there yet. */
long tl_tcp_recv(struct tl_tcp_stack *st, int sock, void *buf, size_t len, uint64_t now_ns);
/* how: 0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR. */
int tl_tcp_shutdown(struct tl_tcp_stack *st, int sock, int how, uint64_t now_ns);
/* close(): the socket id is the application's no more. */
int tl_tcp_close(struct tl_tcp_stack *st, int sock, uint64_t now_ns);
/* close() with SO_LINGER 0: a RST where there is a connection. */
int tl_tcp_abort(struct tl_tcp_stack *st, int sock, uint64_t now_ns);

/*
 * A segment arrives. One addressed to another host (not 127.0.0.0/8, ::1
 * or fd00::1) is not for this stack and is dropped unanswered. A SYN from
 * any source, a foreign one included (a flood's spoofed 10.0.0.1:1024), to
 * a listener's address and port is that listener's: its SYN-ACK leaves
 * through the note callback like any segment, addressed to that source.
 */
void tl_tcp_input(struct tl_tcp_stack *st, const struct tl_tcp_seg *seg, uint64_t now_ns);

/* When the next timer fires, UINT64_MAX when none is armed. */
uint64_t tl_tcp_next_deadline_ns(const struct tl_tcp_stack *st);

/* Fires every timer due at or before now_ns, earliest first. */
void tl_tcp_advance(struct tl_tcp_stack *st, uint64_t now_ns);

/* What a socket is, for tests and for the simulator's waits. */
enum tl_tcp_kind {
	TL_TCP_FULL,	/* a full socket: listener, connection, orphan */
	TL_TCP_REQUEST, /* a half-open connection of a listener (SYN-RECV in ss) */
	TL_TCP_MINI,	/* a time-wait socket: TIME_WAIT, or an orphan's FIN_WAIT2 */
};

struct tl_tcp_info {
	enum tl_tcp_kind kind;
	enum tl_state state;
	struct tl_tuple tuple; /* s = local */
	uint64_t cookie;
	enum tl_side owner; /* see tl_tcp_set_owner */
	bool app_held; /* the application still has it */
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_wnd;
	uint32_t rcv_nxt;
	size_t unread;	/* bytes received, not read yet */
	size_t rcvbuf;	/* the most it may hold unread: sk_rcvbuf, twice SO_RCVBUF or tcp_rmem[1] */
	size_t unacked; /* bytes sent or queued, not acknowledged */
	unsigned retransmits;
	uint64_t rtx_deadline_ns;    /* 0: off */
	uint64_t delack_deadline_ns; /* 0: off */
	uint64_t linger_deadline_ns; /* TIME_WAIT or FIN_WAIT2 end, 0: off */
	uint64_t keepalive_deadline_ns; /* the keepalive timer, 0: off */
	uint64_t probe_deadline_ns;	/* the persist timer (zero-window probes), 0: off */
	int probes_out;			/* keepalive or window probes the peer has not answered */
	int probe_backoff;		/* the persist timer's back-off */
};

/* Fills *out for socket id sock. Returns 0, or -EBADF for a free slot. */
int tl_tcp_info(const struct tl_tcp_stack *st, int sock, struct tl_tcp_info *out);

/*
 * The counters the model keeps, named as nstat names the kernel's
 * ("TcpActiveOpens", "TcpExtTCPChallengeACK"), with their counts since the
 * stack was made, into out (at most max). Returns how many it keeps.
 */
size_t tl_tcp_counters(const struct tl_tcp_stack *st, struct tl_counter *out, size_t max);

/* Ids of the sockets in use, in id order, at most max of them; returns how many there are. */
size_t tl_tcp_sockets(const struct tl_tcp_stack *st, int *ids, size_t max);

/*
 * The table `ss -tan` would show at now_ns (sockets in CLOSE are not
 * listed), at most max rows into rows. Returns how many rows there are.
 */
size_t tl_tcp_snapshot(const struct tl_tcp_stack *st, uint64_t now_ns, struct tl_sock_row *rows,
		       size_t max);

#endif
