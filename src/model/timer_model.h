/*
 * timer_model: a pure model of Linux TCP's retransmission and linger timers.
 *
 * From a namespace's sysctls and a socket's options (struct tl_timer_settings)
 * it predicts when the kernel retransmits a SYN, a SYN-ACK, an orphan's FIN or
 * a data segment, when it sends keepalive and zero-window (persist) probes,
 * when it gives up, and how long FIN-WAIT-2 and TIME-WAIT last; each step carries a short sentence naming the kernel rule behind it,
 * so the checks and renderers can explain a run and how it differs from the
 * walkthrough (written for a kernel without tcp_syn_linear_timeouts).
 *
 * Nothing here reads a clock, a file or a global: times are milliseconds from
 * the first transmission, all state is in the caller's structs, and every
 * function may be called from any thread. The rules follow Linux 6.18
 * (net/ipv4/tcp_timer.c, inet_connection_sock.c, tcp_minisocks.c) and were
 * checked against captures on this kernel; docs/timers.md explains them for
 * users. The model computes in jiffies like the kernel, so HZ is a setting.
 */
#ifndef TCPLAB_TIMER_MODEL_H
#define TCPLAB_TIMER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/sockopt.h"

#define TL_TIMER_MAX_RETX     256   /* longest schedule; longer ones are refused */
#define TL_TIMER_MAX_EVENTS   512   /* longest SYN-ACK exchange; longer ones are refused */
#define TL_TIMER_WHY_LEN      256   /* one rule sentence with its arithmetic, NUL included */
#define TL_TIMER_MAX_SYSCTLS  12    /* sysctls one profile writes */
#define TL_TIMER_TIME_WAIT_MS 60000 /* TCP_TIMEWAIT_LEN: no sysctl changes it */

/*
 * Everything the timers depend on. Fill it with tl_timer_settings_default(),
 * then change fields or apply sysctls with tl_timer_settings_set().
 */
struct tl_timer_settings {
	/* net.ipv4 sysctls of the namespace */
	int syn_retries;	  /* tcp_syn_retries, 1..127 (6) */
	int synack_retries;	  /* tcp_synack_retries, 0..255 (5) */
	int syn_linear_timeouts;  /* tcp_syn_linear_timeouts, 0..127 (4) */
	int orphan_retries;	  /* tcp_orphan_retries, 0..255 (0: 8 while "alive") */
	int retries2;		  /* tcp_retries2, 0..255 (15) */
	int rto_min_us;		  /* tcp_rto_min_us (200000) */
	int rto_max_ms;		  /* tcp_rto_max_ms, 1000..120000 (120000) */
	int fin_timeout_s;	  /* tcp_fin_timeout, >= 0 (60) */
	int invalid_ratelimit_ms; /* tcp_invalid_ratelimit (500): duplicate-SYN answers */
	int keepalive_time_s;	  /* tcp_keepalive_time (7200): silence before the first probe */
	int keepalive_intvl_s;	  /* tcp_keepalive_intvl (75): between probes */
	int keepalive_probes;	  /* tcp_keepalive_probes, 0..255 (9): unanswered probes before the reset */
	/* socket options, 0 when not set */
	int syncnt;	     /* TCP_SYNCNT 1..127: connecting socket (SYN), listener (SYN-ACK) */
	int user_timeout_ms; /* TCP_USER_TIMEOUT, >= 0 */
	int linger2_s; /* TCP_LINGER2: < 0 no FIN-WAIT-2, 0 tcp_fin_timeout, > 0 seconds (<= 120) */
	int keepidle_s;	 /* TCP_KEEPIDLE 1..32767, replaces tcp_keepalive_time */
	int keepintvl_s; /* TCP_KEEPINTVL 1..32767, replaces tcp_keepalive_intvl */
	int keepcnt;	 /* TCP_KEEPCNT 1..127, replaces tcp_keepalive_probes */
	/* the connection */
	int established_rto_ms; /* its RTO; 0: as on loopback, see tl_timer_loopback_rto_ms() */
	bool tail_loss_probe;	/* probe before the first RTO of a FIN or data (SACK on) */
	int hz;			/* the kernel's HZ (250 here): timers run in jiffies */
};

/* The five timed retransmission cases. */
enum tl_timer_case {
	TL_TIMER_SYN_SENT, /* (a) the client's SYN, connect() until ETIMEDOUT */
	TL_TIMER_SYNACK,   /* (b) a request socket's timer SYN-ACKs, until the request is dropped */
	TL_TIMER_FIN_WAIT1, /* (c) an orphan's FIN in FIN-WAIT-1 (close() before the peer's FIN) */
	TL_TIMER_LAST_ACK,  /* (d) an orphan's FIN in LAST-ACK (close() after the peer's FIN) */
	TL_TIMER_DATA,	    /* (e) data or FIN of a socket still open: tcp_retries2 budget */
	TL_TIMER_KEEPALIVE_PROBES, /* (f) keepalive probes to a silent peer, until the reset (ETIMEDOUT) */
	TL_TIMER_PERSIST,   /* (g) zero-window probes to a peer that stopped answering */
};
#define TL_TIMER_CASE_COUNT 7

/* The rule that set the gap before a retransmission. */
enum tl_timer_rule {
	TL_RULE_INITIAL, /* first timeout: 1 s for SYN and SYN-ACK, else the connection's RTO */
	TL_RULE_TLP,	 /* tail-loss probe, about one RTO after the segment */
	TL_RULE_LINEAR,	 /* SYN linear phase: the gap stays at 1 s */
	TL_RULE_BACKOFF, /* exponential back-off: the gap doubled */
	TL_RULE_RTO_MAX, /* the doubled gap was capped at the maximum RTO */
	TL_RULE_USER_TIMEOUT, /* the gap was shortened to end when TCP_USER_TIMEOUT runs out */
	TL_RULE_DUP_SYN,      /* SYN-ACK exchange only: answer to a duplicate SYN */
	TL_RULE_KEEPALIVE_IDLE,	 /* first keepalive probe: the connection was silent for the idle time */
	TL_RULE_KEEPALIVE_INTVL, /* next keepalive probe, one interval after the last */
	TL_RULE_PERSIST,	 /* first zero-window probe, one RTO after the window closed */
};

/* What ended the schedule. */
enum tl_timer_end {
	TL_END_COUNT,	       /* the retransmission count reached its limit */
	TL_END_TIME_BUDGET,    /* the time budget since the first (re)transmission passed */
	TL_END_USER_TIMEOUT,   /* TCP_USER_TIMEOUT passed (it replaces the time budget) */
	TL_END_ORPHAN_RTO_MAX, /* orphan at the maximum RTO: retries 0 means 0 */
	TL_END_REQUEST_DROP,   /* request socket: tcp_synack_retries timer firings used up */
	TL_END_NEVER,	       /* the peer answers every probe: no end while the window stays closed */
};

struct tl_timer_step {
	int64_t at_ms;	/* from the first transmission */
	int64_t gap_ms; /* since the previous transmission */
	bool tlp;	/* a tail-loss probe, not counted as an RTO retransmission */
	enum tl_timer_rule rule;
	int64_t lateness_ms;	 /* tl_timer_allowed_lateness_ms(gap_ms) */
	int64_t cum_lateness_ms; /* lateness summed up to here: timers re-arm late */
	char why[TL_TIMER_WHY_LEN];
};

struct tl_timer_schedule {
	enum tl_timer_case which;
	size_t n_retx; /* retransmissions in retx[], tail-loss probe included */
	int n_tlp;     /* how many of them are tail-loss probes (0 or 1) */
	struct tl_timer_step retx[TL_TIMER_MAX_RETX];
	int64_t give_up_ms;	     /* connect() fails, the request or the socket is destroyed */
	int64_t give_up_gap_ms;	     /* since the last transmission */
	int64_t give_up_lateness_ms; /* allowed lateness of give_up_ms, accumulated */
	enum tl_timer_end end;
	char give_up_why[TL_TIMER_WHY_LEN];
	int count_limit;	  /* RTO retransmissions allowed, -1 when only time ends it */
	int64_t time_limit_ms;	  /* budget checked at each timer, -1 when only the count ends it */
	bool time_from_first_rto; /* budget counted from the first RTO retransmission */
	/*
	 * Index in retx[] of a retransmission that a kernel whose timers ran
	 * late may skip, giving up at that timer instead, because it is within
	 * the accumulated lateness of the time budget; -1 when none.
	 */
	int marginal_retx;
};

/* Fills s with this kernel's defaults (Linux 6.18, HZ 250, no socket options). Cannot fail. */
void tl_timer_settings_default(struct tl_timer_settings *s);

/*
 * Checks every field against the kernel's accepted range. Returns 0, or -1
 * with "field: expected RANGE, got VALUE" in err (may be NULL).
 */
int tl_timer_settings_check(const struct tl_timer_settings *s, char *err, size_t errlen);

/*
 * Sets the field behind a sysctl, named "net.ipv4.tcp_syn_retries" or
 * "tcp_syn_retries". Returns 0, or -1 with the reason in err for an unknown
 * name or a value the kernel refuses; s is unchanged on failure.
 */
int tl_timer_settings_set(struct tl_timer_settings *s, const char *name, long value, char *err,
			  size_t errlen);

/* Whether tl_timer_settings_set takes this sysctl ("net.ipv4.tcp_fin_timeout" or "tcp_fin_timeout"). */
bool tl_timer_sysctl_known(const char *name);

/*
 * Adds a socket option as the kernel stores it (TCP_LINGER2 below 0 is -1,
 * above 120 s is 120 s). Returns 1 when the timers depend on the option, 0
 * when they do not (s unchanged), -1 when the kernel refuses the value
 * (s unchanged).
 */
int tl_timer_settings_sockopt(struct tl_timer_settings *s, enum tl_sockopt opt, int value);

/* How many sysctls the settings hold (the ones tl_timer_settings_set takes). */
size_t tl_timer_sysctl_count(void);

/*
 * The i-th of them: returns its name without "net.ipv4." and sets *value,
 * or returns NULL when i is out of range.
 */
const char *tl_timer_sysctl_at(const struct tl_timer_settings *s, size_t i, long *value);

/*
 * RTO of a loopback connection in ms: tcp_rto_min_us rounded up to a jiffy,
 * plus one jiffy because the (tiny) smoothed RTT is added before rounding
 * up again: 204 ms at HZ 250. Pure arithmetic, cannot fail (0 for hz <= 0).
 */
int64_t tl_timer_loopback_rto_ms(int rto_min_us, int hz);

/* The RTO used for established connections: established_rto_ms or the loopback one. Cannot fail. */
int64_t tl_timer_effective_rto_ms(const struct tl_timer_settings *s);

/*
 * Predicts the retransmissions (probes, for keepalive and persist) and the
 * give-up of case `which` into *out (caller-owned, overwritten). Times count
 * from the first transmission; for keepalive from the last segment
 * received (the connection fell silent), for persist from the ACK that
 * closed the window, with a peer that stops answering the probes. Returns
 * 0, or -1 with the reason in err when the settings are invalid or the
 * schedule exceeds TL_TIMER_MAX_RETX.
 */
int tl_timer_predict(enum tl_timer_case which, const struct tl_timer_settings *s,
		     struct tl_timer_schedule *out, char *err, size_t errlen);

/*
 * Zero-window probes to a peer that answers each with its closed window:
 * RFC 1122 keeps the sender waiting as long as the peer answers, so only
 * TCP_USER_TIMEOUT ends it (end TL_END_USER_TIMEOUT), else the schedule
 * stops after max_probes probes with end TL_END_NEVER. Returns 0, or -1
 * with the reason in err.
 */
int tl_timer_predict_persist_answered(const struct tl_timer_settings *s, size_t max_probes,
				      struct tl_timer_schedule *out, char *err, size_t errlen);

/* What the persist timer does when it fires (tcp_probe_timer()). */
enum tl_persist_action {
	TL_PERSIST_PROBE,   /* send a zero-window probe, fire again next_j later */
	TL_PERSIST_GIVE_UP, /* fail the connection with ETIMEDOUT (tcp_write_err(), no RST) */
};

struct tl_persist_firing {
	enum tl_persist_action action;
	int backoff;		 /* PROBE: icsk_backoff after this probe */
	int64_t next_j;		 /* PROBE: jiffies until the timer fires again */
	enum tl_timer_rule rule; /* PROBE: what set next_j */
	enum tl_timer_end end;	 /* GIVE_UP: why */
	char why[TL_TIMER_WHY_LEN];
};

/* tcp_probe0_base(): the connection's RTO, at least TCP_RTO_MIN, in jiffies; the first probe waits this long. */
int64_t tl_timer_persist_base_j(const struct tl_timer_settings *s);

/*
 * tcp_probe0_when() with tcp_clamp_probe0_to_user_timeout(): the base
 * shifted by backoff, capped at tcp_rto_max_ms, and with TCP_USER_TIMEOUT
 * no later than it runs out counted from the first probe's timer
 * (since_first_j; -1 before the first firing: no clamp). *rule (may be
 * NULL) says what set it. The timer waits this long after each probe, and
 * after each answer that finds the window still closed (tcp_ack_probe()).
 */
int64_t tl_timer_persist_when_j(const struct tl_timer_settings *s, int backoff, int64_t since_first_j,
				enum tl_timer_rule *rule);

/*
 * One firing of the persist timer of a connection whose peer's window is
 * closed while data waits, nothing in flight: since_first_j jiffies since
 * the first firing (0 at the first), probes_out probes unanswered, backoff
 * the back-off so far. Gives up past TCP_USER_TIMEOUT or after tcp_retries2
 * unanswered probes, else probes. The one rule both the persist schedule
 * of tl_timer_predict and the model's own timer follow. Cannot fail.
 */
void tl_timer_persist_fire(const struct tl_timer_settings *s, int64_t since_first_j, int probes_out, int backoff,
			   struct tl_persist_firing *out);

/*
 * The connection's RTT estimate, as tcp_rtt_estimator() keeps it: srtt
 * (times 8), mdev, and rttvar, which never falls below tcp_rto_min_us. A
 * delayed ACK in a sample raises the RTO above loopback's 204 ms: one
 * sample of 40 ms makes it 208 ms. Zero it to start.
 */
struct tl_timer_rtt {
	int64_t srtt_us8;    /* smoothed RTT << 3; 0: no sample yet */
	int64_t mdev_us;     /* mean deviation */
	int64_t mdev_max_us; /* the largest mdev in the current round trip */
	int64_t rttvar_us;   /* the variation the RTO adds */
	uint32_t rtt_seq;    /* snd_nxt when the round trip began */
};

/* Takes one RTT sample (us, >= 0) from an ACK that moved snd_una; snd_nxt is what was sent by then. */
void tl_timer_rtt_sample(struct tl_timer_rtt *r, const struct tl_timer_settings *s, int64_t sample_us,
			 uint32_t snd_una, uint32_t snd_nxt);

/*
 * __tcp_set_rto() in ms, a whole number of jiffies (to put in
 * established_rto_ms): usecs_to_jiffies(srtt + rttvar), bounded by
 * tcp_rto_max_ms; 0 before the first sample.
 */
int64_t tl_timer_rtt_rto_ms(const struct tl_timer_rtt *r, const struct tl_timer_settings *s);

/* What the keepalive timer does when it fires (tcp_keepalive_timer()). */
enum tl_keepalive_action {
	TL_KEEPALIVE_WAIT,    /* silent for less than the idle time: fire again when it will have been */
	TL_KEEPALIVE_PROBE,   /* send a probe, fire again one interval later */
	TL_KEEPALIVE_GIVE_UP, /* send a RST and fail the connection with ETIMEDOUT */
};

struct tl_keepalive_firing {
	enum tl_keepalive_action action;
	int64_t next_j; /* WAIT and PROBE: jiffies until the timer fires again */
	char why[TL_TIMER_WHY_LEN];
};

/*
 * One firing of the keepalive timer of a connection with nothing in flight
 * (with data in flight the kernel only re-arms it for the idle time),
 * silent for silent_j jiffies since it last received a segment, with
 * probes_out probes sent since then: the one rule both the keepalive
 * schedule of tl_timer_predict and the model's own timer follow. For
 * settings that pass tl_timer_settings_check; cannot fail.
 */
void tl_timer_keepalive_fire(const struct tl_timer_settings *s, int64_t silent_j, int probes_out,
			     struct tl_keepalive_firing *out);

/* keepalive_time_when(): TCP_KEEPIDLE, else tcp_keepalive_time, in jiffies (at least one). */
int64_t tl_timer_keepalive_idle_j(const struct tl_timer_settings *s);

/*
 * SYN-ACKs of a server whose SYN-ACKs never reach the client.
 *
 * The request timer is not the only source of SYN-ACKs: each duplicate SYN
 * from the client is answered at once by an extra SYN-ACK (unless it comes
 * within tcp_invalid_ratelimit of the previous answer), and that answer
 * re-arms the request timer to (1 s << timer firings so far) from now. Timer
 * firings alone count against tcp_synack_retries, so duplicate SYNs can push
 * the drop later than (2^(R+1) - 1) s. After a drop, the client's next SYN
 * creates a new request with a new initial sequence number.
 */
enum tl_timer_synack_event_kind {
	TL_SYNACK_NEW_REQUEST, /* a SYN found no request: one is created and answered (new ISN) */
	TL_SYNACK_TIMER,       /* the request timer retransmitted the SYN-ACK */
	TL_SYNACK_DUP_ANSWER,  /* a duplicate SYN was answered at once; the timer re-armed */
	TL_SYNACK_DUP_IGNORED, /* a duplicate SYN within tcp_invalid_ratelimit: no answer */
	TL_SYNACK_DROP,	       /* the request timer found its retries used up: request dropped */
};

struct tl_timer_synack_event {
	enum tl_timer_synack_event_kind kind;
	int64_t at_ms;	 /* same clock as the inputs */
	int request;	 /* 0 for the first request, 1 for the one after the first drop, ... */
	int num_timeout; /* the request's timer firings after this event */
	char why[TL_TIMER_WHY_LEN];
};

struct tl_timer_synack_exchange {
	size_t n_events;
	struct tl_timer_synack_event events[TL_TIMER_MAX_EVENTS];
	int n_requests;	      /* requests created, the first included */
	int n_timer_synacks;  /* SYN-ACKs sent by request timers */
	int n_dup_synacks;    /* SYN-ACKs answering duplicate SYNs */
	int64_t last_drop_ms; /* when the last request was dropped */
};

/*
 * Predicts the SYN-ACK exchange into *out (caller-owned, overwritten) for a
 * request created at request_created_ms and the client's SYNs at syn_ms[]
 * (send times, ascending; on loopback they arrive at once; SYNs at or before
 * the creation are taken as already handled). A timer expiring at the same
 * millisecond as a SYN fires first, as both client and server timers run in
 * one timer softirq before the SYN is delivered. Events are simulated until
 * the last request is dropped. Returns 0, or -1 with the reason in err.
 */
int tl_timer_predict_synack_exchange(const struct tl_timer_settings *s, int64_t request_created_ms,
				     const int64_t *syn_ms, size_t n_syn,
				     struct tl_timer_synack_exchange *out, char *err,
				     size_t errlen);

/*
 * The same exchange when each request timer runs as late as the timer wheel
 * allows (tl_timer_allowed_lateness_ms): a SYN that arrives that close after
 * a timer's due time is taken first, its answer re-arming the timer. On the
 * kernel both orders happen (the SYN's timer and the request's share a
 * bucket), so a judge accepts a run that matches either.
 */
int tl_timer_predict_synack_exchange_late(const struct tl_timer_settings *s, int64_t request_created_ms,
					  const int64_t *syn_ms, size_t n_syn, bool timers_late,
					  struct tl_timer_synack_exchange *out, char *err, size_t errlen);

/* How long an orphaned socket stays in FIN-WAIT-2 once its FIN is ACKed. */
struct tl_timer_fin_wait2 {
	bool waits; /* false for TCP_LINGER2 < 0: destroyed at the ACK, answering it with a RST */
	int64_t fin_time_ms; /* tcp_fin_time(): TCP_LINGER2 or tcp_fin_timeout, at least 3.5 RTO */
	int64_t full_socket_ms; /* part spent as a full socket (only when fin_time exceeds 60 s) */
	int64_t timewait_sock_ms; /* part spent as a time-wait mini socket in substate FIN-WAIT-2 */
	int64_t total_ms;	  /* FIN-WAIT-2 length: full_socket_ms + timewait_sock_ms */
	char why[2 * TL_TIMER_WHY_LEN];
};

/*
 * Computes the orphaned FIN-WAIT-2 length into *out (caller-owned). A FIN
 * from the peer ends FIN-WAIT-2 earlier and starts TIME-WAIT. Returns 0, or
 * -1 with the reason in err for invalid settings.
 */
int tl_timer_fin_wait2(const struct tl_timer_settings *s, struct tl_timer_fin_wait2 *out, char *err,
		       size_t errlen);

/* TIME-WAIT length in ms: TCP_TIMEWAIT_LEN, 60 s; tcp_fin_timeout does not set it. Cannot fail. */
int64_t tl_timer_time_wait_ms(void);

/*
 * How late the kernel may fire a timer of predicted_gap_ms at the given HZ;
 * timers never fire early. The timer wheel files a timer of d jiffies in
 * level n (d < 63 * 8^n) and rounds its expiry up to a multiple of 8^n
 * jiffies; one more jiffy for the tick. At HZ 250: 10 ms below 252 ms,
 * 38 ms up to 2 s, 262 ms up to 16 s, 2054 ms up to 129 s. Each value
 * includes 2 ms of scheduling slack. Returns 0 for a gap <= 0 or hz <= 0.
 */
int64_t tl_timer_allowed_lateness_ms(int64_t predicted_gap_ms, int hz);

/*
 * Writes one or two sentences into the caller's out saying how case `which`
 * under s differs from the walkthrough (a kernel without
 * tcp_syn_linear_timeouts and with default settings: SYN gaps 1, 2, 4, 8,
 * 16, 32 s, SYN-ACK gaps 1, 2, 4, 8, 16 s) and which setting causes it; for
 * SYN-ACKs one more sentence when the client's duplicate SYNs change what the
 * wire shows. Returns 0, or -1 with the reason in err for invalid settings;
 * out is cut to len and always NUL-terminated when len > 0.
 */
int tl_timer_explain_vs_walkthrough(enum tl_timer_case which, const struct tl_timer_settings *s,
				    char *out, size_t len, char *err, size_t errlen);

/* Writes the gaps as "1, 2, 4 s" or "0.204, 0.408 s" into the caller's out; cuts, never fails. */
void tl_timer_format_gaps(const struct tl_timer_schedule *sc, char *out, size_t len);

/* Static names ("SYN-SENT SYN", "FIN-WAIT-1 orphan FIN", ...); "?" out of range, never NULL. */
const char *tl_timer_case_name(enum tl_timer_case which);
const char *tl_timer_rule_name(enum tl_timer_rule rule);
const char *tl_timer_end_name(enum tl_timer_end end);
const char *tl_timer_synack_event_name(enum tl_timer_synack_event_kind kind);

/* A sysctl the lab writes into its namespace: name as under /proc/sys with dots. */
struct tl_timer_sysctl {
	const char *name; /* "net.ipv4.tcp_syn_retries" */
	long value;
};

/* A named set of sysctls: "kernel", "fast" or "article". Static data, never freed. */
struct tl_timer_profile {
	const char *name;
	const char *summary; /* one line: what the profile is for */
	size_t n_sysctls;
	struct tl_timer_sysctl sysctls[TL_TIMER_MAX_SYSCTLS];
};

/* The profiles, in a fixed order; n receives their count. Never NULL. */
const struct tl_timer_profile *tl_timer_profiles(size_t *n);

/* The static profile with that name; NULL for an unknown name or NULL. */
const struct tl_timer_profile *tl_timer_profile_find(const char *name);

/*
 * Fills *out with the defaults and then the profile's sysctls. Returns 0, or
 * -1 with the reason in err (only if the profile table itself is wrong).
 */
int tl_timer_profile_settings(const struct tl_timer_profile *p, struct tl_timer_settings *out,
			      char *err, size_t errlen);

#endif
