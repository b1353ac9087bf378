/*
 * scenario: a scenario file parsed into steps and expectations.
 *
 * A scenario is a script run in order: each step names a side (client or
 * server) or the lab itself. A side step waits for the call to return unless
 * it ends with '&'; "wait SIDE" joins a side's background calls. A side step
 * may state its call's result ("=> EPIPE"): that is an expectation of kind
 * TL_EXPECT_CALL with of_step set, kept with the others. The format
 * is documented in docs/scenario-format.md; parsing stops at the first error,
 * reported as "FILE:LINE: what is wrong".
 */
#ifndef TCPLAB_SCENARIO_H
#define TCPLAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/fault.h"
#include "scenario/sockopt.h"
#include "core/tcp_state.h"

#define TL_MAX_LIST 64 /* longest state, flag or role list in one expectation */
#define TL_CROWD_MAX 100000 /* connections of one open, churn, serve or accept N step */
/* Connections one side may name, with its unnamed one: slot 0 is always the unnamed. */
#define TL_MAX_CONNS 8

enum tl_step_kind {
	/* side steps: run by the client's or the server's socket */
	TL_STEP_LISTEN,	    /* socket, bind(host:port), listen */
	TL_STEP_ACCEPT,	    /* accept one connection */
	TL_STEP_CONNECT,    /* socket, connect(host:port) */
	TL_STEP_SEND,	    /* send data */
	TL_STEP_RECV,	    /* recv once: bytes, or 0 at end of file */
	TL_STEP_SHUTDOWN,   /* shutdown(how) */
	TL_STEP_CLOSE,	    /* close */
	TL_STEP_ABORT,	    /* SO_LINGER 0 then close: sends RST */
	TL_STEP_SETSOCKOPT, /* one option of scenario/sockopt.h */
	TL_STEP_BIND,	    /* socket, SO_REUSEADDR, bind(host:port): the next connect's local end */
	TL_STEP_POLL_CONNECT, /* poll() for POLLOUT, then SO_ERROR: how a non-blocking connect ended */
	/* A side's crowd: many connections at once, held apart from its named ones (scenario/crowd.h). */
	TL_STEP_OPEN,	    /* open N: N connects, each held */
	TL_STEP_CHURN,	    /* churn N: N connects, each closed at once (the client closes first) */
	TL_STEP_SERVE,	    /* serve N: N accepts, each read to its end, then closed */
	/* lab steps */
	TL_STEP_SLEEP,	    /* let time pass */
	TL_STEP_SNAPSHOT,   /* record a socket table */
	TL_STEP_JOIN,	    /* wait SIDE: until the side's background calls returned */
	TL_STEP_WAIT_STATE, /* wait SIDE state S [timeout D]: until a socket of SIDE is in S */
	TL_STEP_WAIT_GONE,  /* wait SIDE gone [timeout D]: until SIDE has no connection socket */
	TL_STEP_FAULT,	    /* install a fault rule (faults issue) */
	TL_STEP_UNFAULT,    /* remove fault rules */
	TL_STEP_INJECT,	    /* inject SIDE[:NAME] FLAGS: a segment the connection could send, made by tcplab (scenario/inject.h) */
	TL_STEP_FLOOD,	    /* flood syn N [every DURATION]: spoofed SYNs at the server (scenario/flood.h) */
};

struct tl_step {
	enum tl_step_kind kind;
	enum tl_side side; /* TL_SIDE_NONE for lab steps other than JOIN/WAIT_* */
	/* Side steps: the connection the step acts on, "b" of "client:b" ("" unnamed), and its
	 * slot in the side's tl_conn_names (0 for the unnamed). */
	char conn[TL_CONN_NAME_MAX];
	unsigned conn_slot;
	bool background;   /* '&': the script goes on without waiting */
	int line;	   /* line in the scenario file */
	char host[64];	   /* LISTEN/CONNECT: address, default the scenario's host */
	uint16_t port;	   /* LISTEN/CONNECT: port, default the scenario's port */
	bool backlog_set;  /* LISTEN: "backlog N" was written; else TL_LISTEN_BACKLOG (scenario/call.h) */
	int backlog;	   /* LISTEN: listen()'s backlog as written */
	bool on_listener;  /* CLOSE: "close listener": the listening socket, even with a connection open */
	bool nonblock;	   /* CONNECT: "nonblock": connect() returns at once (EINPROGRESS); poll-connect waits */
	char *data;	   /* SEND: owned bytes to send */
	size_t data_len;
	int shutdown_how;   /* SHUTDOWN: SHUT_RD, SHUT_WR or SHUT_RDWR */
	enum tl_sockopt opt; /* SETSOCKOPT */
	int opt_value;	     /* in the option's unit; a switch is 1 or 0 */
	uint64_t duration_ns; /* SLEEP: how long; WAIT_*: timeout (0 = default); FLOOD, OPEN, CHURN: between two (0: at once) */
	size_t count;	      /* FLOOD: SYNs; OPEN, CHURN, SERVE, ACCEPT (0: one, the step's own): connections */
	bool all;	      /* CLOSE: "close all": every connection of the side's crowd */
	enum tl_state state;  /* WAIT_STATE */
	char label[48];	      /* SNAPSHOT: a label, may be empty */
	uint8_t inject_flags;	   /* INJECT: TL_TH_* */
	int64_t inject_seq_offset; /* INJECT: "seq +N": added to the sequence number that follows */
	int64_t inject_ack_offset; /* INJECT: "ack +N": added to the connection's newest ack */
	char *fault;	      /* FAULT: the rule text as written, owned */
	struct tl_fault rule; /* FAULT: the rule, parsed with the scenario's port */
};

enum tl_expect_kind {
	TL_EXPECT_STATES,  /* expect SIDE states S1 S2 ...: the path of SIDE's connection socket */
	TL_EXPECT_PACKETS, /* expect packets F1 F2 ...: tcpdump flag letters of every packet */
	TL_EXPECT_ROLES,   /* expect roles R1 R2 ...: the role of every packet */
	TL_EXPECT_CALL,	   /* expect SIDE VERB RESULT: e.g. "client connect ECONNREFUSED"; also a
			    * step's own "=> RESULT": "client send 10 bytes => EPIPE" */
	TL_EXPECT_LISTED,  /* expect SIDE listed S: a snapshot shows a SIDE socket in S */
	TL_EXPECT_TIMERS,  /* expect timers: every retransmission and give-up as the timer model predicts */
	TL_EXPECT_COUNTER, /* expect counter NAME OP N: a TCP counter's growth over the run (nstat's name) */
	TL_EXPECT_COUNT,   /* expect SIDE count STATE OP N: the most SIDE sockets one snapshot lists in STATE */
};

struct tl_expect {
	enum tl_expect_kind kind;
	enum tl_side side;
	char conn[TL_CONN_NAME_MAX]; /* STATES, CALL, LISTED: of this named connection ("" unnamed) */
	int line;
	size_t n;		      /* entries used in the list below */
	enum tl_state states[TL_MAX_LIST]; /* STATES; LISTED uses states[0] */
	uint8_t flags[TL_MAX_LIST];	     /* PACKETS */
	enum tl_role roles[TL_MAX_LIST];     /* ROLES */
	char verb[16];		      /* CALL: "connect", "accept", "send", "recv", "close", ... */
	int err;		      /* CALL: the expected errno, 0 for success */
	bool any_result;	      /* CALL: only that the call was made */
	/* CALL from a step's "=> RESULT": it judges the call the step on `line` made;
	 * otherwise the side's first call of verb. */
	bool of_step;
	bool want_ret;		      /* CALL "=> N": the call returned exactly ret */
	long ret;
	size_t text_len;	      /* CALL '=> "TEXT"': recv returned exactly these bytes; 0: no text */
	char text[TL_APP_DATA_BYTES];
	char written[64];	      /* of_step: the step as written, which names its check */
	char counter[TL_COUNTER_NAME_MAX]; /* COUNTER: "TcpExtListenOverflows" */
	char counter_op[3];	      /* COUNTER, COUNT: "=", ">=" or "<=" */
	long counter_value;	      /* COUNTER, COUNT: N */
};

struct tl_sysctl {
	char name[96];	/* "net.ipv4.tcp_fin_timeout" */
	char value[32];
	int line;
};

/* A retransmission series the walkthrough measured, for side-by-side tables. */
enum tl_series_kind {
	TL_SERIES_SYN,	  /* the client's SYN in SYN-SENT */
	TL_SERIES_SYNACK, /* the server's SYN-ACK */
	TL_SERIES_FIN,	  /* a FIN in FIN-WAIT-1 or LAST-ACK */
	TL_SERIES_KEEPALIVE, /* keepalive probes to a silent peer: the walkthrough has none */
	TL_SERIES_PERSIST,   /* window probes of a closed window (the persist timer): nor these */
	TL_SERIES_COUNT
};

#define TL_MAX_GAPS 32

struct tl_walkthrough_gaps {
	size_t n;		   /* 0: the walkthrough gives none */
	double gaps_s[TL_MAX_GAPS]; /* seconds between successive sends, as the walkthrough saw them */
	int line;
};

/* The names a side's steps give its connections, in order of first use; [0] is "". */
struct tl_conn_names {
	size_t n; /* 1 when the side names none */
	char name[TL_MAX_CONNS][TL_CONN_NAME_MAX];
};

struct tl_scenario {
	char id[32];	   /* from the file name: scenarios/N3.scn -> "N3" */
	char path[4096];
	char title[128];
	char section[160]; /* the walkthrough section it reproduces */
	char explain[1024];/* why it behaves as it does; may be empty */
	char host[64];	   /* default "127.0.0.1" */
	uint16_t port;	   /* default 2017 */
	uint16_t server_port; /* where the server listens (its first listen), else where the client
			       * connects: what "from client" and "from server" in fault rules mean */
	struct tl_sysctl *sysctls;
	size_t n_sysctls;
	struct tl_step *steps;
	size_t n_steps;
	struct tl_expect *expects;
	size_t n_expects;
	struct tl_walkthrough_gaps walkthrough[TL_SERIES_COUNT]; /* "walkthrough syn 1 2 4 ..." */
	struct tl_conn_names conns[3]; /* indexed by enum tl_side; [TL_SIDE_NONE] unused */
};

/*
 * Parses a scenario file. On success fills *out (free with tl_scenario_free)
 * and returns 0. On failure returns -1 and writes "PATH:LINE: message" (or
 * "PATH: message" when the file cannot be read) to err.
 */
int tl_scenario_parse_file(const char *path, struct tl_scenario *out, char *err, size_t errlen);

/* As tl_scenario_parse_file, with the text given; name stands for the path. */
int tl_scenario_parse_text(const char *name, const char *text, struct tl_scenario *out,
			   char *err, size_t errlen);

void tl_scenario_free(struct tl_scenario *sc);

/*
 * Rewrites every IPv4 loopback address the scenario names (its host, and the
 * host of each listen and connect) to ::1, so that a scenario written for
 * IPv4 runs unchanged over IPv6 (`tcplab run --ipv6`). Other addresses, and
 * raw nft matches, stay as written. Returns how many were rewritten.
 */
size_t tl_scenario_use_ipv6(struct tl_scenario *sc);

/* Whether the scenario has many connections: a flood or a crowd step. Its runs count their sockets over time. */
bool tl_scenario_has_many(const struct tl_scenario *sc);

/* Whether a connect or accept step of side acts on its connection in slot. */
bool tl_scenario_conn_used(const struct tl_scenario *sc, enum tl_side side, unsigned slot);

/* The word a side step is written with ("connect"); NULL for a lab step. */
const char *tl_step_verb(enum tl_step_kind kind);

#endif
