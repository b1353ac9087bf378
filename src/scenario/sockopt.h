/*
 * sockopt: the socket options a scenario's `SIDE setsockopt NAME VALUE` step
 * can set, in one table: the word a scenario writes, the kernel's level,
 * option number and name, the range the kernel accepts and the value's
 * unit. The parser checks values against it, the lab makes the call from
 * it, the timeline writes the call with it, and the model and the timer
 * model take the option by its enum: a new option is one row here and one
 * case where a runner gives it meaning.
 */
#ifndef TCPLAB_SOCKOPT_H
#define TCPLAB_SOCKOPT_H

#include <stdbool.h>
#include <stddef.h>

enum tl_sockopt {
	TL_OPT_SYNCNT,	     /* TCP_SYNCNT: SYN (SYN-ACK on a listener) retries */
	TL_OPT_USER_TIMEOUT, /* TCP_USER_TIMEOUT, ms */
	TL_OPT_LINGER2,	     /* TCP_LINGER2, s: an orphan's FIN-WAIT-2 */
	TL_OPT_KEEPALIVE,    /* SO_KEEPALIVE, on or off */
	TL_OPT_KEEPIDLE,     /* TCP_KEEPIDLE, s of silence before the first probe */
	TL_OPT_KEEPINTVL,    /* TCP_KEEPINTVL, s between probes */
	TL_OPT_KEEPCNT,	     /* TCP_KEEPCNT: unanswered probes before the reset */
	TL_OPT_NODELAY,	     /* TCP_NODELAY, on or off: Nagle's algorithm off */
	TL_OPT_QUICKACK,     /* TCP_QUICKACK, on or off: ACK at once, or delay ACKs */
	TL_OPT_MAXSEG,	     /* TCP_MAXSEG, bytes: the MSS offered and used */
	TL_OPT_RCVBUF,	     /* SO_RCVBUF, bytes: the kernel keeps twice that */
	TL_OPT_SNDBUF,	     /* SO_SNDBUF, bytes: the kernel keeps twice that */
	TL_OPT_DEFER_ACCEPT, /* TCP_DEFER_ACCEPT, s: a listener waits for data */
	TL_OPT_COUNT
};

enum tl_sockopt_unit {
	TL_UNIT_SWITCH, /* written on or off, passed as 1 or 0 */
	TL_UNIT_COUNT,	/* a number of retries or probes */
	TL_UNIT_MS,
	TL_UNIT_S,
	TL_UNIT_BYTES,
};

struct tl_sockopt_info {
	enum tl_sockopt opt;
	const char *word;	 /* "keepidle": how a scenario names it */
	const char *kernel_name; /* "TCP_KEEPIDLE" */
	int level;		 /* SOL_SOCKET or IPPROTO_TCP */
	int optname;		 /* SO_KEEPALIVE, TCP_KEEPIDLE, ... */
	long min, max;		 /* the values a scenario may give, checked when it is parsed */
	enum tl_sockopt_unit unit;
};

/* The row of opt; NULL only for a value outside the enum. Static data. */
const struct tl_sockopt_info *tl_sockopt_info(enum tl_sockopt opt);

/* The row a scenario's word names ("keepidle"); NULL for an unknown word. */
const struct tl_sockopt_info *tl_sockopt_find(const char *word);

/* The scenario words of every option, in table order, for "expected ..." messages; cut at len. */
void tl_sockopt_words(char *out, size_t len);

/* "s", "ms", "bytes", "on|off", "N": how a value is written, for messages and docs. */
const char *tl_sockopt_unit_name(enum tl_sockopt_unit unit);

/*
 * The call as the timeline writes it: "setsockopt(TCP_KEEPIDLE, 1)"; a
 * switch as 1 or 0, as the kernel receives it. Cut at len, never fails.
 */
void tl_sockopt_call_text(enum tl_sockopt opt, int value, char *out, size_t len);

#endif
