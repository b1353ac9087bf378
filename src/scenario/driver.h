/*
 * driver: runs a scenario's steps, the same way on every backend.
 *
 * The kernel lab and the simulator differ in how calls are made and how time
 * passes, not in what a step means. The driver owns the meaning: which steps
 * wait and for what, the limits, which socket states satisfy a wait, the
 * notes a fault step leaves, the error texts. A backend only makes calls,
 * lets time pass until a condition holds, and says what its sockets are
 * doing. The driver has no clock and does no I/O of its own: time is the
 * backend's (monotonic in the lab, virtual in the simulator).
 */
#ifndef TCPLAB_DRIVER_H
#define TCPLAB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/fault.h"
#include "scenario/scenario.h"

#define TL_NS_PER_S 1000000000ull
/* A call that blocks longer than this is a failure of the run, not a result. */
#define TL_DRIVE_CALL_LIMIT_NS (400ull * TL_NS_PER_S)
/* How long `wait SIDE state S` and `wait SIDE gone` wait without a timeout of their own. */
#define TL_DRIVE_WAIT_DEFAULT_NS (30ull * TL_NS_PER_S)
/* After the script: long enough for the last segments to arrive and be seen. */
#define TL_DRIVE_SETTLE_NS 30000000ull
/* --time-wait: TIME-WAIT lasts 60 s in Linux; ten more for the last dump to see it end. */
#define TL_DRIVE_TIME_WAIT_LIMIT_NS (70ull * TL_NS_PER_S)

/* The most side steps one side is handed in a run: a backend's call queue holds this many. */
#define TL_DRIVE_MAX_CALLS 512

enum tl_drive_result {
	TL_DRIVE_OK,	  /* the condition held (or, without one, the deadline came) */
	TL_DRIVE_STOPPED, /* a stop was asked (a signal) */
	TL_DRIVE_TIMEOUT, /* the deadline came first */
	TL_DRIVE_BROKEN,  /* the backend cannot go on: see broken() */
};

/* What a backend waits for: cond(arg) holds, or, when cond is NULL, the deadline itself. */
struct tl_drive_wait {
	bool (*cond)(const void *arg);
	const void *arg;
	uint64_t deadline_ns; /* on the backend's clock */
	enum tl_side side;    /* whose progress it is, for progress lines; may be NONE */
	const char *what;     /* "client state SYN_SENT", for progress lines */
};

struct tl_drive_backend {
	void *ctx;
	uint64_t (*now)(void *ctx);
	/* Hands a side step to its side, which makes its calls one after another
	 * (at most TL_DRIVE_MAX_CALLS per side: the driver says so beyond). */
	void (*start_call)(void *ctx, const struct tl_step *st);
	/* How many of the side's calls have returned. */
	size_t (*calls_returned)(void *ctx, enum tl_side side);
	/* Lets time pass until w says so (see tl_drive_wait). */
	enum tl_drive_result (*run_until)(void *ctx, const struct tl_drive_wait *w);
	/* The newest state the side's connection socket entered (TL_STATE_NONE: none yet). */
	enum tl_state (*newest_state)(void *ctx, enum tl_side side);
	/*
	 * How many sockets of side (TL_SIDE_NONE: of either) with a peer are
	 * listed in one of states (n_states 0: in any), in a listing made after
	 * since_ns; -1 when there is no such listing yet.
	 */
	long (*count_listed)(void *ctx, enum tl_side side, const enum tl_state *states, size_t n_states,
			     uint64_t since_ns);
	/* Records a socket table on the timeline; failures go on the timeline or to broken(). */
	void (*snapshot)(void *ctx, const char *label);
	/* 0; -1 with why; TL_RUN_REFUSED when the rule itself is refused (nft's syntax error). */
	int (*fault_add)(void *ctx, const struct tl_fault *f, char *why, size_t len);
	int (*faults_clear)(void *ctx, char *why, size_t len);
	/* Sends the segment of an inject step (scenario/inject.h) and notes it on the timeline; 0, -1 with
	 * why, or TL_RUN_REFUSED when the step cannot be planned (no connection to follow yet). */
	int (*inject)(void *ctx, const struct tl_step *st, char *why, size_t len);
	/* Sends the SYNs of a flood step (scenario/flood.h) at the scenario's server, paced by the step,
	 * and notes them on the timeline; 0 or -1 with why. */
	int (*flood)(void *ctx, const struct tl_step *st, char *why, size_t len);
	/* Free text on the timeline at now(). */
	void (*note)(void *ctx, const char *text);
	/* Why run_until said BROKEN. */
	const char *(*broken)(void *ctx);
	/* The first step starts now, after the options' faults are in: time 0 of
	 * the timeline. NULL for a backend whose clock starts at 0 anyway. */
	void (*first_step)(void *ctx);
};

struct tl_drive_options {
	const struct tl_fault *faults; /* installed before the first step (--drop) */
	size_t n_faults;
	bool wait_time_wait; /* at the end, until no TIME-WAIT socket is left */
};

/*
 * A runner's (and a backend's) result when the scenario's input itself was
 * refused: a sysctl name or value the kernel refuses, a raw nft rule nft
 * refuses. Bad input (exit 2), not a lab that failed (-1, exit 3).
 */
#define TL_RUN_REFUSED (-2)

/*
 * Installs o's faults, runs sc's steps in order, lets the last packets
 * arrive and, when asked, waits out TIME-WAIT. Returns 0 when the script
 * ran to its end, 1 when stopped, -1 with "line N: what" in err, or
 * TL_RUN_REFUSED when fault_add refused a rule (the same err).
 */
int tl_drive(const struct tl_scenario *sc, const struct tl_drive_backend *be, const struct tl_drive_options *o,
	     char *err, size_t errlen);

/*
 * Whether a socket in state `is` satisfies `wait ... state want`: a request
 * socket is SYN_RECV to sock_diag and to ss, NEW_SYN_RECV to the kernel, so
 * either name means either.
 */
bool tl_drive_state_matches(enum tl_state want, enum tl_state is);

/* For count_listed: whether s is one of states (n 0: any state is). */
bool tl_drive_state_in(enum tl_state s, const enum tl_state *states, size_t n);

#endif
