/*
 * event: the one stream of timestamped events that every runner produces
 * (the kernel lab, later the simulator) and every check and renderer reads.
 *
 * A run appends events from several sources (captured packets, traced state
 * changes, application calls, socket snapshots); tl_timeline_sort() puts them
 * in time order. Events own the heap memory they point to (packet bytes,
 * snapshot rows, packet text); tl_timeline_free() releases it.
 */
#ifndef TCPLAB_EVENT_H
#define TCPLAB_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/tcp_state.h"

/* Addresses of either family (core/addr.h: IPv4 as ::ffff:a.b.c.d), ports in
 * host byte order. "s" is the sender for a packet and the local end for a
 * socket. Compare with the helpers below, never by bytes of the struct. */
struct tl_tuple {
	struct tl_addr saddr;
	struct tl_addr daddr;
	uint16_t sport;
	uint16_t dport;
};

/* Same addresses and ports, end for end. */
bool tl_tuple_equal(const struct tl_tuple *a, const struct tl_tuple *b);

/* a is b seen from the other end (a's sender is b's receiver). */
bool tl_tuple_is_reverse(const struct tl_tuple *a, const struct tl_tuple *b);

/* The tuple seen from the other end. */
struct tl_tuple tl_tuple_reverse(const struct tl_tuple *t);

/* A hash of the tuple, end for end: equal tuples hash alike (core/hindex.h). */
uint64_t tl_tuple_hash(const struct tl_tuple *t);

/* A hash of the tuple's two ends in either order: a tuple and its reverse hash alike. */
uint64_t tl_tuple_pair_hash(const struct tl_tuple *t);

/* AF_INET or AF_INET6, from the local (sending) end's address. */
int tl_tuple_family(const struct tl_tuple *t);

enum tl_side {
	TL_SIDE_NONE = 0,
	TL_SIDE_CLIENT,
	TL_SIDE_SERVER,
};

enum tl_event_kind {
	TL_EV_PACKET,	/* a captured (or simulated) TCP segment */
	TL_EV_STATE,	/* a socket changed state */
	TL_EV_APP,	/* an application socket call returned */
	TL_EV_SNAPSHOT, /* a netstat-like table of the lab's sockets */
	TL_EV_RETRANS,	/* the kernel retransmitted a segment */
	TL_EV_RESET,	/* the kernel sent or received a RST */
	TL_EV_DROP,	/* a packet was dropped (by a fault rule) */
	TL_EV_NOTE,	/* free text the runner wants on the timeline */
	TL_EV_COUNTERS, /* the namespace's TCP counters (nstat's), how much each grew during the run */
	TL_EV_CENSUS,	/* how many sockets each side had in each state: many connections over time */
};

/* Where a state change was seen. */
enum tl_state_source {
	TL_SRC_TRACEPOINT, /* sock:inet_sock_set_state, exact time */
	TL_SRC_SOCK_DIAG,  /* netlink sock_diag poll: the tracepoint's blind spots */
	TL_SRC_MODEL,	   /* the simulator's model */
	TL_SRC_TRACEPOINT_DIAG, /* time from the tracepoint, state from sock_diag */
	TL_SRC_SOCK_TIMER,	/* a request or time-wait socket's own timer, armed, re-armed or run
				 * (timer tracepoints): exact, where the state tracepoint is blind */
	TL_SRC_TRACEPOINT_TIMER, /* time from the tracepoint, state from the time-wait socket's timer */
};

/* TCP header flags, as on the wire. */
enum {
	TL_TH_FIN = 0x01,
	TL_TH_SYN = 0x02,
	TL_TH_RST = 0x04,
	TL_TH_PSH = 0x08,
	TL_TH_ACK = 0x10,
	TL_TH_URG = 0x20,
	TL_TH_ECE = 0x40,
	TL_TH_CWR = 0x80,
};

/* What a packet does in the life of its connection (derived, see roles.h). */
enum tl_role {
	TL_ROLE_NONE = 0,
	TL_ROLE_HANDSHAKE_1, /* SYN */
	TL_ROLE_HANDSHAKE_2, /* SYN-ACK */
	TL_ROLE_HANDSHAKE_3, /* the ACK of the SYN-ACK */
	TL_ROLE_DATA,
	TL_ROLE_ACK,	     /* a pure ACK with no other role */
	TL_ROLE_TEARDOWN_1,  /* the first FIN */
	TL_ROLE_TEARDOWN_2,  /* the ACK of the first FIN */
	TL_ROLE_TEARDOWN_23, /* the second FIN, also the first ACK of the first FIN */
	TL_ROLE_TEARDOWN_3,  /* the second FIN */
	TL_ROLE_TEARDOWN_4,  /* the ACK of the second FIN */
	TL_ROLE_RESET,
	TL_ROLE_HANDSHAKE_3_AGAIN, /* the handshake's ACK again, answering a resent SYN-ACK */
	TL_ROLE_DUP_ACK,	   /* the same ACK again, window unchanged, while the peer has data in flight */
	TL_ROLE_DSACK,		   /* an ACK whose first SACK block reports a segment received twice (RFC 2883) */
	TL_ROLE_ZERO_WINDOW,	   /* an ACK that closes the window: the receiver's buffer is full */
	TL_ROLE_WINDOW_UPDATE,	   /* the same ACK with a new window, after a zero window */
	TL_ROLE_WINDOW_PROBE,	   /* a probe of a zero window: one below the acknowledged, no data */
	TL_ROLE_KEEPALIVE_PROBE, /* an ACK one below what was sent, that the peer must answer */
	TL_ROLE_STRAY_SYN,	 /* a SYN, not the connection's own, on a connection that is open */
	TL_ROLE_CHALLENGE_ACK,	 /* the ACK answering a stray SYN or an inexact RST (RFC 5961) */
	TL_ROLE_COUNT
};

/* The TCP options of a packet's frame, in the order it carries them (core/wire.h). */
enum {
	TL_TCP_OPTION_SPACE = 40, /* bytes after the fixed header: at most 40 one-byte options */
	TL_TCP_SACK_BLOCKS_MAX = 4, /* 2 + 4 * 8 bytes fill the option space */
};

struct tl_tcp_option_list {
	uint8_t n;
	uint8_t kind[TL_TCP_OPTION_SPACE];
	bool malformed; /* the walk stopped at an option whose length does not fit; kind[] ends there */
	uint16_t mss;
	uint8_t wscale;
	uint32_t ts_val, ts_ecr;
	uint8_t n_sack;
	uint32_t sack[TL_TCP_SACK_BLOCKS_MAX][2]; /* left and right edges, absolute as on the wire */
};

/* How a direction's relative sequence numbers are counted (see roles.h). */
enum tl_seq_base {
	TL_BASE_NONE = 0, /* nothing seen from that direction yet: numbers stay absolute */
	TL_BASE_FIRST,	  /* from the direction's first segment: it sent no SYN */
	TL_BASE_SYN,	  /* from the direction's last SYN: its initial sequence number */
};

/*
 * Where a segment belongs, set once by tl_roles_annotate() for every packet
 * and drop report so that no view tracks connections again.
 */
struct tl_conn_ref {
	unsigned conn;	    /* 1, 2, ... in order of the connections' first packets; 0: not annotated,
			     * or a drop report of a connection no packet showed */
	uint8_t dir;	    /* 0: the way the connection's first segment went, 1: back */
	enum tl_seq_base seq_base; /* of the sender's direction */
	enum tl_seq_base ack_base; /* of the peer's direction; TL_BASE_NONE also without ACK */
	uint32_t rel_seq;   /* seq minus the sender's base */
	uint32_t rel_ack;   /* ack minus the peer's base; the ack as sent when ack_base is NONE */
};

struct tl_packet {
	struct tl_tuple tuple;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t window;
	uint32_t payload_len;
	struct tl_tcp_option_list options; /* parsed from the frame; empty without one */
	/* The frame as captured, from the link-layer header on. */
	int linktype; /* DLT_* */
	uint32_t wire_len;
	uint32_t cap_len;
	uint8_t *bytes;	     /* owned */
	uint64_t wall_ns;    /* CLOCK_REALTIME of capture, for pcap files */
	char *text;	     /* owned; tcpdump -nn text, set by roles_annotate() */
	enum tl_role role;   /* set by roles_annotate() */
	unsigned retrans_no; /* 0, or n for the n-th resend of the same segment */
	uint64_t resend_gap_ns; /* for a resend: time since the previous send of the segment */
	struct tl_conn_ref ref; /* set by roles_annotate() */
	bool dropped;	     /* a fault rule dropped it after capture */
	bool injected;	     /* made by an inject step, sent by no socket (scenario/inject.h) */
	char drop_rule[48];  /* which rule, when dropped */
};

struct tl_state_change {
	uint64_t sock_id; /* the kernel's socket address (tracepoint), or diag cookie */
	struct tl_tuple tuple;
	enum tl_state from;
	enum tl_state to;
	enum tl_state_source source;
	char why[128]; /* set where a blind spot of the tracepoint was filled */
};

/* A connection's name as a scenario writes it ("client:b" names b), with its end. */
#define TL_CONN_NAME_MAX 16
/* The connection name of every socket, packet and row of a flood step's spoofed peers (scenario/flood.h). */
#define TL_CONN_FLOOD "flood"
/* The connection name of everything of a side's crowd (open, churn, serve, accept N): no call names them. */
#define TL_CONN_CROWD "crowd"
/* Whether conn is a flood's or a crowd's: many connections, none of the scenario's own. */
bool tl_conn_is_many(const char *conn);

/* How many of the bytes a recv() returned its call record keeps, for a step's `=> "TEXT"`. */
#define TL_APP_DATA_BYTES 64

struct tl_app_call {
	char verb[16];	 /* "connect", "accept", "send", ... for expectations */
	char call[96];	 /* "connect(127.0.0.1:2017)" */
	long ret;	 /* the call's return value */
	int err;	 /* errno when ret < 0, else 0 */
	char detail[96]; /* "5 bytes", "end of file", "" */
	uint64_t called_ns; /* when the call was made; the event's time is its return */
	int step_line;	 /* the scenario line of the step that made it, 0 if none: the expectations
			  * of that step judge this call and no other */
	char data[TL_APP_DATA_BYTES]; /* recv: its first min(ret, TL_APP_DATA_BYTES) bytes, as received */
	char conn[TL_CONN_NAME_MAX]; /* the connection the step named ("b" of "client:b"); "" unnamed */
	/* connect and accept: the connection's own port and its peer's, as the
	 * socket had them when the call returned (a failed connect keeps its
	 * port); 0 when unknown. They tie the connection's sockets to its name.
	 * listen: the port it listens on (peer 0). */
	uint16_t local_port;
	uint16_t peer_port;
	bool crowd; /* a crowd step's (open, churn, serve, accept N, close all): its connections are TL_CONN_CROWD's */
};

/* Timer kinds as sock_diag reports them (idiag_timer). */
enum tl_sock_timer {
	TL_TIMER_OFF = 0,
	TL_TIMER_ON = 1, /* retransmission */
	TL_TIMER_KEEPALIVE = 2,
	TL_TIMER_TIMEWAIT = 3,
	TL_TIMER_PROBE = 4, /* zero window probe */
};

struct tl_sock_row {
	struct tl_tuple tuple; /* s = local end */
	enum tl_state state;
	uint32_t recv_q;
	uint32_t send_q;
	enum tl_sock_timer timer;
	uint32_t timer_ms;  /* time left on the timer */
	uint32_t retrans;   /* retransmissions so far */
	uint64_t cookie;    /* the kernel's socket cookie */
	uint32_t inode;	    /* 0 for request, time-wait and orphaned sockets */
	enum tl_side side;  /* whose socket: the runner knows, from the calls that made it */
	char conn[TL_CONN_NAME_MAX]; /* its named connection (tl_conns_tag), "" for none */
};

/* One TCP counter as nstat names it ("TcpActiveOpens", "TcpExtListenOverflows"), and its growth. */
#define TL_COUNTER_NAME_MAX 48
struct tl_counter {
	char name[TL_COUNTER_NAME_MAX];
	int64_t delta;
};

/* Every counter the runner keeps, zeros included (the model keeps fewer than the kernel). */
struct tl_counters {
	size_t n;
	struct tl_counter *v; /* owned */
	bool model;	      /* the model's few, not the kernel's all */
};

/* How often a run of many connections (scenario/flood.h, the crowd) counts its sockets. */
#define TL_CENSUS_EVERY_NS 100000000ull

/* A count of the sockets by side (enum tl_side) and state, listeners and request sockets included. */
struct tl_census {
	uint32_t count[3][TL_STATE_COUNT];
};

/* Adds each row of a socket table to c, by its side and state (a request socket as SYN_RECV). */
void tl_census_add_rows(struct tl_census *c, const struct tl_sock_row *rows, size_t n);

/* Writes one census as "client TIME_WAIT 50, server LISTEN 1" (or "no sockets"). */
void tl_census_format(const struct tl_census *c, char *out, size_t len);

struct tl_snapshot {
	char label[48];
	size_t n;
	struct tl_sock_row *rows; /* owned */
};

enum tl_retrans_kind {
	TL_RETRANS_SYN,
	TL_RETRANS_SYNACK,
	TL_RETRANS_SEGMENT, /* data or FIN from a full socket */
};

struct tl_retrans {
	enum tl_retrans_kind kind;
	struct tl_tuple tuple;
	enum tl_state state; /* the sender's state when it resent */
	uint32_t seq;
	uint8_t flags;
};

struct tl_reset {
	bool sent; /* true: the kernel sent it; false: a socket received it */
	struct tl_tuple tuple;
	enum tl_state state; /* the socket's state, TL_STATE_NONE if none */
};

struct tl_drop {
	struct tl_tuple tuple;
	uint32_t seq;
	uint8_t flags;
	char rule[48];
	struct tl_conn_ref ref; /* set by roles_annotate(); no ack: ack_base stays NONE */
};

struct tl_event {
	uint64_t t_ns; /* CLOCK_MONOTONIC, or virtual time in the simulator */
	enum tl_event_kind kind;
	/* Whose socket made it (a packet: its sender's), as the runner knew when it
	 * recorded it; NONE for notes and snapshots. No one works it out later. */
	enum tl_side side;
	/* The named connection it belongs to (tl_conns_tag, analysis/conns.h); "" for the unnamed
	 * one, for events of no connection, and in scenarios that name none. */
	char conn[TL_CONN_NAME_MAX];
	uint32_t order; /* arrival order: breaks ties between equal times */
	union {
		struct tl_packet packet;
		struct tl_state_change state;
		struct tl_app_call app;
		struct tl_snapshot snapshot;
		struct tl_retrans retrans;
		struct tl_reset reset;
		struct tl_drop drop;
		struct tl_counters counters;
		struct tl_census census;
		char note[160];
	} u;
};

struct tl_timeline {
	struct tl_event *ev;
	size_t n;
	size_t cap;
	uint64_t t0_ns; /* the run's start: renderers print t_ns - t0_ns */
	uint32_t next_order;
};

void tl_timeline_init(struct tl_timeline *tl, uint64_t t0_ns);

/* The 4-tuple an event is about (a packet's sender first), or NULL for calls, snapshots, notes, counters. */
const struct tl_tuple *tl_event_tuple(const struct tl_event *ev);

/*
 * Appends a copy of *ev and takes ownership of the memory it points to.
 * Returns 0, or -1 (ENOMEM) after freeing that memory.
 */
int tl_timeline_append(struct tl_timeline *tl, const struct tl_event *ev);

/*
 * Moves every event of src into dst (src is left empty), appending them in
 * src's array order: each gets a new order key after dst's, because keys
 * must stay unique within a timeline for the sort's tie-break to be total.
 * So at equal times dst's events come first, then src's in src's own order.
 * Returns 0, or -1 (ENOMEM) when some events could not be kept (they are freed).
 */
int tl_timeline_merge(struct tl_timeline *dst, struct tl_timeline *src);

/* Sorts by time; events with equal times keep their arrival order. */
void tl_timeline_sort(struct tl_timeline *tl);

/* Frees what one event owns (not the event itself). */
void tl_event_release(struct tl_event *ev);

void tl_timeline_free(struct tl_timeline *tl);

/* The run's counters: its last TL_EV_COUNTERS event's; NULL when it recorded none. */
const struct tl_counters *tl_timeline_counters(const struct tl_timeline *tl);

/* The counter of that name in c; NULL when the runner keeps none of that name. */
const struct tl_counter *tl_counter_find(const struct tl_counters *c, const char *name);

/* Flags in tcpdump's letters: "S", "S.", "P.", "F.", "R.", "." */
void tl_flags_letters(uint8_t flags, char out[12]);

/* Parses tcpdump letters back to flags; false for a letter tcpdump never prints. */
bool tl_flags_parse(const char *letters, uint8_t *flags);

/* "connect(127.0.0.1:2017) = -1 ECONNREFUSED (Connection refused)" */
void tl_app_call_format(const struct tl_app_call *call, char *out, size_t len);

const char *tl_side_name(enum tl_side side);

/* How a scenario writes a side's connection: "client", or "client:b" for the named connection b. */
#define TL_SIDE_CONN_STRLEN (8 + TL_CONN_NAME_MAX)
void tl_side_conn_name(enum tl_side side, const char *conn, char *out, size_t len);
/* "handshake-1/3", "dup-ack": one word, as `expect roles` and the JSON write it. */
const char *tl_role_name(enum tl_role role);
/* "handshake 1/3", "dup ACK": as a reader reads it on the timeline and in the pictures. */
const char *tl_role_words(enum tl_role role);
/* Parses a role name as tl_role_name() prints it. */
bool tl_role_parse(const char *name, enum tl_role *out);

#endif
