/*
 * tcp_model: one host's TCP as Linux 6.18 runs it on loopback, without a
 * clock or I/O (see tcp_model.h for the contract, docs/model.md in prose).
 *
 * Call flow: every entry point takes now_ns, does its work on the socket
 * table, reports through the note callback as it goes, and ends with
 * reap(), which frees the sockets that reached CLOSE and that nobody holds.
 * Freeing is deferred to that one place so that a socket pointer stays valid
 * for the whole of an input, however many state changes it causes.
 *
 * Timers follow the kernel's jiffies: a timer armed d jiffies ahead fires on
 * the first tick at least d jiffies later, never between ticks and never
 * early: the kernel's timer wheel rounds an expiry up so that a timer armed
 * between two ticks does not fire before its time (calc_index()). Every
 * retransmission and linger time comes from timer_model.h; this file only
 * asks it and keeps a step index.
 */
#include "model/tcp_model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define TS_OPTION_BYTES 12    /* nop, nop, TS: taken from every segment's payload room */
#define MAX_QUICKACKS 16      /* TCP_MAX_QUICKACKS */
#define MAX_DUP_SYNS 64	      /* duplicate SYNs a request socket remembers for the timer model */
#define TW_SYN_ISN_GAP 65537u /* a SYN reusing a TIME-WAIT pair gets snd_nxt + 65535 + 2 */
#define RMEM_DEFAULT 131072u  /* tcp_rmem[1]: a receive buffer nobody sized */
#define SOCK_MIN_RCVBUF 2304u /* the smallest SO_RCVBUF leaves: 2 x TCP_SKB_MIN_TRUESIZE */
#define RMEM_MAX 212992	      /* net.core.rmem_max as shipped: SO_RCVBUF is cut to it */
#define MSS_DEFAULT 536u      /* TCP_MSS_DEFAULT */
#define MIN_MSS 88u	      /* TCP_MIN_MSS */
#define MAX_WINDOW_CLAMP (65535u << 14)
/* The buffer memory an unread FIN holds: the kernel charges its empty packet's truesize (about 768
 * bytes on loopback, an estimate); the model counts payload bytes, which a FIN alone would not show. */
#define FIN_CHARGE_BYTES 768u

/* A segment sent and not yet acknowledged, for the RTT sample its ACK gives (tcp_clean_rtx_queue()). */
struct sent_seg {
	uint32_t start; /* its first sequence number */
	uint32_t end;	/* sequence number after it */
	uint64_t at_ns; /* its first transmission */
	bool resent;	/* sent again: its ACK gives no sample (Karn) */
};
#define SENT_SEGS 32 /* segments remembered; a sample is skipped when the oldest were forgotten */

struct rtx_timer {
	uint64_t deadline_ns; /* 0: off */
	uint64_t base_ns;     /* the first tick at or after the transmission being repeated */
	size_t next;	      /* the schedule's next step */
};

/* Socket options beyond the timers' (scenario/sockopt.h); a listener's children inherit them. */
struct sock_opts {
	bool keepalive;	    /* SO_KEEPALIVE */
	bool nodelay;	    /* TCP_NODELAY: Nagle's algorithm off */
	uint16_t user_mss;  /* TCP_MAXSEG, 0: not set */
	uint32_t rcvbuf;    /* sk_rcvbuf: twice SO_RCVBUF's value, else tcp_rmem[1] */
	bool rcvbuf_locked; /* SO_RCVBUF was set: the window is clamped to the buffer */
};

/* A socket a listener made: a request or a child, known by id and cookie (its slot may be reused). */
struct member {
	int id;
	uint64_t cookie;
};

/*
 * Where the table keeps a socket: its id, its place in the 4-tuple hash
 * (under the tuple it was hashed with, so that a changed tuple is moved), and
 * for a listener the requests and children it made, so that its queues are
 * counted without a walk over every socket.
 */
struct sock_links {
	int id;		     /* -1: not in the table (a SYN cookie's request on the stack) */
	bool hashed;	     /* in the 4-tuple hash, under htuple */
	struct tl_tuple htuple;
	int hash_next;	     /* the next id in its bucket, -1 at the end */
	bool port_owner;     /* holds its port as bind() or listen() does: connect() never picks it */
	struct member *members; /* listener: what it made, oldest first; stale entries skipped */
	size_t n_members, cap_members;
};

struct sock {
	enum tl_tcp_kind kind;
	enum tl_state state;
	uint64_t cookie;
	bool app_held; /* the application has a descriptor for it */
	bool orphan;   /* closed by the application while connected */
	struct tl_tuple tuple;
	int listener; /* requests and unaccepted children: the listening socket's id, else -1 */
	enum tl_side owner; /* who made it: the application's side, or its listener's */
	bool in_accept_queue;
	uint64_t accept_order;
	int backlog;
	struct tl_timer_settings timers; /* namespace sysctls plus this socket's options */
	struct sock_opts opts;
	/* negotiated in the handshake (offered, before it ends) */
	bool ts_ok, sack_ok, ws_ok;
	/* A duplicate was received: the next segment reports it in a D-SACK block (tcp_dsack_set()). */
	bool dsack;
	uint32_t dsack_start, dsack_end;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t peer_mss;
	uint8_t offered_wscale; /* the scale our SYN or SYN-ACK offered: the buffer's */
	uint32_t ts_offset, ts_recent;
	bool ts_recent_inherited; /* connect took a time-wait socket over: the peer's timestamps are known */
	/* sending */
	uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_sml;
	uint32_t snd_max_window; /* the largest window the peer offered: segments stay within half of it */
	uint32_t snd_max; /* the highest sequence number sent: after a timeout snd_nxt goes back to snd_una */
	uint8_t *sndbuf;
	size_t snd_len, snd_cap;
	uint32_t snd_buf_seq; /* the sequence number of sndbuf[0] */
	bool fin_queued;
	uint32_t fin_seq;
	bool snd_shut;
	/* receiving */
	uint32_t irs, rcv_nxt, rcv_wup, rcv_right;
	uint32_t rcv_wnd;      /* the window last offered (tp->rcv_wnd) */
	uint32_t rcv_ssthresh; /* the most a window may offer: the first window (no growth modelled) */
	uint32_t window_clamp; /* the most a window may ever offer */
	uint32_t rcv_mss;      /* the peer's segment size as guessed from what arrives (icsk_ack.rcv_mss) */
	uint8_t *rcvbuf;
	size_t rcv_len, rcv_cap;
	bool fin_rcvd, eof_read, rcv_shut;
	bool was_established; /* connected once: SS_CONNECTED for good, connect() is EISCONN */
	bool reuse;	      /* SO_REUSEADDR, as listen and bind set it: binding its port does not conflict */
	bool user_bound;      /* bind() gave it its port, which stays its own in CLOSE (SOCK_BINDPORT_LOCK) */
	int err;	/* reported once by the next call */
	int connect_rc; /* -EINPROGRESS while the handshake runs */
	/* delayed ACK */
	bool ack_pending, pingpong;
	uint64_t delack_ns;
	int quick;
	int64_t ato_j;
	uint64_t lrcv_ns;
	/* timers */
	struct rtx_timer rtx;
	unsigned retransmits;
	uint64_t linger_ns;   /* TIME_WAIT or FIN_WAIT2 ends, or a full FIN_WAIT2 hands over */
	uint64_t tw_entry_ns; /* when it became a time-wait socket (tw_entry_stamp): tcp_tw_reuse_delay counts from it */
	int64_t fw2_mini_ms;  /* > 0: at linger_ns the full FIN_WAIT2 becomes a time-wait socket */
	uint64_t last_oow_ack_ns;
	/* keepalive: the kernel's sk_timer for an open connection */
	uint64_t ka_deadline_ns; /* 0: off */
	int probes_out;		 /* icsk_probes_out: keepalive or window probes since the peer last ACKed */
	/* the persist timer (ICSK_TIME_PROBE0): the peer's window is closed and data waits */
	uint64_t probe_ns;	 /* 0: off */
	int probe_backoff;	 /* icsk_backoff while probing */
	bool probes_counting;	 /* icsk_probes_tstamp is set: the first probe's timer fired */
	int64_t probes_tstamp_j; /* the jiffy it fired in */
	/* round-trip time: the persist timer's base is the RTO it gives */
	struct tl_timer_rtt rtt;
	struct sent_seg *sent; /* SENT_SEGS of them, allocated with the first: a time-wait socket keeps none */
	size_t n_sent;
	uint64_t rcv_tstamp_ns;	 /* when a segment was last received (rcv_tstamp): the silence starts */
	uint64_t armed_order; /* when one of its timers was last armed: ties fire newest first */
	/* listener: it sent a SYN cookie lately (tcp_synq_overflow()), so an unknown ACK may carry one */
	bool synq_overflowed;
	uint64_t synq_overflow_ns;
	/* request socket */
	int64_t *dup_syn_ms; /* MAX_DUP_SYNS of them, allocated with the first duplicate */
	size_t n_dup_syn;
	unsigned synack_fired;
	/* the table's bookkeeping (never copied from one socket to another) */
	struct sock_links links;
};

/* The counters the model keeps (the kernel keeps many more); names as nstat prints them. */
enum mib_counter {
	MIB_ACTIVE_OPENS,
	MIB_PASSIVE_OPENS,
	MIB_ESTAB_RESETS,
	MIB_OUT_RSTS,
	MIB_LISTEN_OVERFLOWS,
	MIB_LISTEN_DROPS,
	MIB_CHALLENGE_ACK,
	MIB_SYN_CHALLENGE,
	MIB_TW_RECYCLED,
	MIB_SYNCOOKIES_SENT,
	MIB_SYNCOOKIES_RECV,
	MIB_SYNCOOKIES_FAILED,
	MIB_REQQ_FULL_DROP,
	MIB_REQQ_FULL_DO_COOKIES,
	MIB_RETRANS_SEGS,
	MIB_TW_OVERFLOW,
	MIB_COUNT
};

static const char *const mib_names[MIB_COUNT] = {
	[MIB_ACTIVE_OPENS] = "TcpActiveOpens",		[MIB_PASSIVE_OPENS] = "TcpPassiveOpens",
	[MIB_ESTAB_RESETS] = "TcpEstabResets",		[MIB_OUT_RSTS] = "TcpOutRsts",
	[MIB_LISTEN_OVERFLOWS] = "TcpExtListenOverflows", [MIB_LISTEN_DROPS] = "TcpExtListenDrops",
	[MIB_CHALLENGE_ACK] = "TcpExtTCPChallengeACK",	[MIB_SYN_CHALLENGE] = "TcpExtTCPSYNChallenge",
	[MIB_TW_RECYCLED] = "TcpExtTWRecycled",
	[MIB_SYNCOOKIES_SENT] = "TcpExtSyncookiesSent",	[MIB_SYNCOOKIES_RECV] = "TcpExtSyncookiesRecv",
	[MIB_SYNCOOKIES_FAILED] = "TcpExtSyncookiesFailed", [MIB_REQQ_FULL_DROP] = "TcpExtTCPReqQFullDrop",
	[MIB_REQQ_FULL_DO_COOKIES] = "TcpExtTCPReqQFullDoCookies",
	[MIB_RETRANS_SEGS] = "TcpRetransSegs",
	[MIB_TW_OVERFLOW] = "TcpExtTCPTimeWaitOverflow",
};

/* A binary heap of fixed-size items, first the one `before` puts first. */
struct heap {
	unsigned char *items;
	size_t n, cap, size;
	bool (*before)(const void *a, const void *b);
};

/* A timer of a socket armed at deadline_ns; stale once the socket's timers moved (see timers_settle). */
struct timer_entry {
	uint64_t deadline_ns;
	uint64_t order; /* the socket's armed_order when pushed */
	uint64_t cookie;
	int id;
};

#define PORTS 65536

struct tl_tcp_stack {
	struct tl_tcp_config cfg;
	uint64_t mib[MIB_COUNT];
	tl_tcp_note_fn note;
	void *note_ctx;
	/* The socket table: any number of sockets, each found by id, by 4-tuple or by port without a
	 * walk over the others (a pile of 100,000 time-wait sockets is a case to serve). */
	struct sock **socks; /* by id; NULL: free */
	size_t n_ids;	     /* ids handed out so far: every socket's id is below it */
	size_t cap_ids;
	size_t n_live;	     /* sockets in the table */
	struct heap free_ids; /* ids below n_ids that are free: the lowest is reused first */
	int *reap_ids;	      /* sockets that may have become free to reap (reap_later) */
	size_t n_reap, cap_reap;
	int *hash;	      /* 4-tuple hash: the first id of each bucket, -1 for none */
	size_t hash_buckets;  /* a power of two */
	size_t n_hashed;
	struct heap timers;   /* timer_entry, earliest first; ties newest armed first */
	int *listeners;	      /* ids of the sockets that called listen(), stale ones skipped */
	size_t n_listeners, cap_listeners;
	uint32_t *port_owners; /* per port: sockets holding it as bind() or listen() does */
	size_t n_tw;	      /* time-wait sockets (TIME_WAIT or an orphan's FIN_WAIT2): tcp_max_tw_buckets */
	uint64_t rng;
	uint64_t next_cookie;
	uint64_t next_accept_order;
	uint64_t next_armed_order;
	uint16_t next_port;
	uint64_t now_ns;
	struct tl_timer_schedule *sched;	/* scratch for predictions */
	struct tl_timer_synack_exchange *xchg; /* scratch */
	char err[256];
};

/* ---- small helpers ---- */

static bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* splitmix64's finalizer: every bit of z stirs every bit of the result. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* splitmix64: a tiny generator whose whole state is the stack's rng word. */
static uint64_t next_random(struct tl_tcp_stack *st)
{
	return mix64(st->rng += 0x9e3779b97f4a7c15ull);
}

static uint64_t jiffy_ns(const struct tl_tcp_stack *st)
{
	return NS_PER_S / (uint64_t)st->cfg.timers.hz;
}

static uint64_t tick_floor(const struct tl_tcp_stack *st, uint64_t t_ns)
{
	return t_ns - t_ns % jiffy_ns(st);
}

/* The first tick at or after t. */
static uint64_t tick_ceil(const struct tl_tcp_stack *st, uint64_t t_ns)
{
	uint64_t floor = tick_floor(st, t_ns);
	return floor == t_ns ? t_ns : floor + jiffy_ns(st);
}

/* A timer armed now for d jiffies: the first tick d jiffies after now or later (0: the next tick). */
static uint64_t tick_deadline(const struct tl_tcp_stack *st, uint64_t now_ns, int64_t d_j)
{
	uint64_t t = tick_ceil(st, now_ns + (uint64_t)(d_j > 0 ? d_j : 0) * jiffy_ns(st));
	return t > now_ns ? t : now_ns + jiffy_ns(st);
}

static void timers_push(struct tl_tcp_stack *st, const struct sock *s);

/* The timer wheel keeps a bucket's timers newest first: equal expiries fire in reverse arming order.
 * Every timer armed is followed by this, which files the socket's timers anew. */
static void armed(struct tl_tcp_stack *st, struct sock *s)
{
	s->armed_order = ++st->next_armed_order;
	timers_push(st, s);
}

static int64_t ms_to_jiffies(const struct tl_tcp_stack *st, int64_t ms)
{
	return (ms * st->cfg.timers.hz + 999) / 1000;
}

static int64_t ato_min_j(const struct tl_tcp_stack *st)
{
	return st->cfg.timers.hz / 25; /* TCP_ATO_MIN: 40 ms */
}

static uint32_t seq_space(const struct tl_tcp_seg *g)
{
	return g->payload_len + !!(g->flags & TL_TH_SYN) + !!(g->flags & TL_TH_FIN);
}

uint32_t tl_tcp_seg_len(const struct tl_tcp_seg *seg)
{
	return seq_space(seg);
}

static void fail(struct tl_tcp_stack *st, const char *what)
{
	if (!st->err[0])
		tl_textf(st->err, sizeof(st->err), "%s", what);
}

/* ---- configuration ---- */

uint16_t tl_tcp_adv_mss(const struct tl_tcp_config *c, int family)
{
	enum { TCP_HDR = 20, IPV4_HDR = 20, IPV6_HDR = 40, IP_MAX_PMTU = 65535, IPV6_MAXPLEN = 65535 };
	if (family == AF_INET6) {
		uint32_t mss = c->lo_mtu - IPV6_HDR - TCP_HDR;
		return (uint16_t)(mss > IPV6_MAXPLEN - TCP_HDR ? IPV6_MAXPLEN : mss);
	}
	uint32_t mss = c->lo_mtu - IPV4_HDR - TCP_HDR;
	return (uint16_t)(mss > IP_MAX_PMTU - IPV4_HDR - TCP_HDR ? IP_MAX_PMTU - IPV4_HDR - TCP_HDR : mss);
}

uint16_t tl_tcp_initial_window(uint32_t mss)
{
	uint32_t space = TL_TCP_RECV_BYTES;
	if (mss && space > mss)
		space = space / mss * mss;
	return (uint16_t)(space > 65535 ? 65535 : space);
}

void tl_tcp_config_default(struct tl_tcp_config *c)
{
	memset(c, 0, sizeof(*c));
	tl_timer_settings_default(&c->timers);
	c->local_addr = tl_addr_loopback(AF_INET);
	c->ephemeral_first = 32768; /* ip_local_port_range in a new namespace */
	c->ephemeral_last = 60999;
	c->ephemeral_start = 40000; /* the ports the model's scenarios have always seen first */
	c->tw_reuse = 2;	    /* a new namespace's: loopback only */
	c->tw_reuse_delay_ms = 1000;
	c->max_tw_buckets = 131072; /* a new namespace's on this host (KERNEL-FACTS.md) */
	c->lo_mtu = 65536;
	c->wscale = 10;
	c->sack = true;
	c->timestamps = true;
	c->window_scaling = true;
	c->syncookies = 1;	   /* a new namespace's */
	c->max_syn_backlog = 2048; /* a new namespace's on this host (KERNEL-FACTS.md) */
	c->somaxconn = 4096;	   /* SOMAXCONN */
	c->abort_on_overflow = 0;
	c->seed = 1;
}

static int parse_long(const char *text, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || end == text || *end)
		return -1;
	*out = v;
	return 0;
}

static bool *option_sysctl(struct tl_tcp_config *c, const char *base)
{
	if (!strcmp(base, "tcp_sack"))
		return &c->sack;
	if (!strcmp(base, "tcp_timestamps"))
		return &c->timestamps;
	if (!strcmp(base, "tcp_window_scaling"))
		return &c->window_scaling;
	return NULL;
}

/* The listener's and the time-wait sockets' sysctls, each with the range its kernel handler accepts. */
struct queue_sysctl {
	const char *name;
	long min, max;
};

enum { Q_SYNCOOKIES, Q_ABORT_ON_OVERFLOW, Q_MAX_SYN_BACKLOG, Q_SOMAXCONN, Q_TW_REUSE, Q_TW_REUSE_DELAY, Q_MAX_TW };

static const struct queue_sysctl queue_sysctls[] = {
	[Q_SYNCOOKIES] = { "net.ipv4.tcp_syncookies", 0, 255 },	     /* proc_dou8vec_minmax without bounds: any u8 */
	[Q_ABORT_ON_OVERFLOW] = { "net.ipv4.tcp_abort_on_overflow", 0, 255 }, /* the same */
	[Q_MAX_SYN_BACKLOG] = { "net.ipv4.tcp_max_syn_backlog", INT_MIN, INT_MAX }, /* proc_dointvec: any int */
	[Q_SOMAXCONN] = { "net.core.somaxconn", 0, INT_MAX },		   /* proc_dointvec_minmax, extra1 0 */
	[Q_TW_REUSE] = { "net.ipv4.tcp_tw_reuse", 0, 2 },		   /* proc_dou8vec_minmax, 0..2 */
	[Q_TW_REUSE_DELAY] = { "net.ipv4.tcp_tw_reuse_delay", 1, 60000 }, /* 1 ms .. TCP_PAWS_MSL s */
	[Q_MAX_TW] = { "net.ipv4.tcp_max_tw_buckets", INT_MIN, INT_MAX }, /* proc_dointvec: any int */
};

/* The entry for name, given whole or without "net.ipv4." / "net.core.", or NULL. */
static const struct queue_sysctl *queue_sysctl_find(const char *name)
{
	for (size_t i = 0; i < sizeof(queue_sysctls) / sizeof(queue_sysctls[0]); i++) {
		const char *full = queue_sysctls[i].name;
		if (!strcmp(name, full) || !strcmp(name, full + strlen("net.ipv4.")))
			return &queue_sysctls[i];
	}
	return NULL;
}

static void queue_sysctl_store(struct tl_tcp_config *c, const struct queue_sysctl *q, long v)
{
	switch (q - queue_sysctls) {
	case Q_SYNCOOKIES: c->syncookies = (uint8_t)v; break;
	case Q_ABORT_ON_OVERFLOW: c->abort_on_overflow = (uint8_t)v; break;
	case Q_MAX_SYN_BACKLOG: c->max_syn_backlog = (int)v; break;
	case Q_SOMAXCONN: c->somaxconn = (int)v; break;
	case Q_TW_REUSE: c->tw_reuse = (uint8_t)v; break;
	case Q_TW_REUSE_DELAY: c->tw_reuse_delay_ms = (uint32_t)v; break;
	default: c->max_tw_buckets = (int)v; break;
	}
}

#define UNPRIVILEGED_PORT_START 1024 /* net.ipv4.ip_unprivileged_port_start, not modelled otherwise */

/*
 * ip_local_port_range "LOW HIGH": two numbers of 1..65535 (the handler's
 * bounds), HIGH not below LOW, LOW not below ip_unprivileged_port_start.
 */
static int port_range_sysctl(struct tl_tcp_config *c, const char *name, const char *value, char *err,
			     size_t errlen)
{
	char *end;
	errno = 0;
	long low = strtol(value, &end, 10);
	const char *rest = end;
	long high = end == value ? 0 : strtol(rest, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (errno || end == rest || *end)
		return tl_errorf(err, errlen, "%s: '%s' is not two whole numbers", name, value);
	if (low < 1 || high > 65535 || high < low || low < UNPRIVILEGED_PORT_START)
		return tl_errorf(err, errlen, "%s: expected LOW HIGH with %d <= LOW <= HIGH <= 65535, got '%s'", name,
				 UNPRIVILEGED_PORT_START, value);
	c->ephemeral_first = (uint16_t)low;
	c->ephemeral_last = (uint16_t)high;
	return 0;
}

/* Where the port search starts: the model's usual first port when the range has it, else the range's low end. */
static uint16_t first_port(const struct tl_tcp_config *c)
{
	return c->ephemeral_start >= c->ephemeral_first && c->ephemeral_start <= c->ephemeral_last ? c->ephemeral_start
												  : c->ephemeral_first;
}

int tl_tcp_config_sysctl(struct tl_tcp_config *c, const char *name, const char *value, char *err,
			 size_t errlen)
{
	static const char prefix[] = "net.ipv4.";
	const char *base = strncmp(name, prefix, sizeof(prefix) - 1) ? name : name + sizeof(prefix) - 1;
	long v;
	if (!strcmp(base, "ip_local_port_range"))
		return port_range_sysctl(c, name, value, err, errlen);
	bool *flag = option_sysctl(c, base);
	const struct queue_sysctl *queue = queue_sysctl_find(name);
	if (!flag && !queue && !tl_timer_sysctl_known(base)) {
		tl_textf(err, errlen, "%s is not modelled by the simulator", name);
		return TL_TCP_SYSCTL_UNMODELLED;
	}
	/* Every sysctl the model knows holds one integer. */
	if (parse_long(value, &v) < 0)
		return tl_errorf(err, errlen, "%s: '%s' is not a whole number", name, value);
	if (queue) {
		if (v < queue->min || v > queue->max)
			return tl_errorf(err, errlen, "%s: expected %ld..%ld, got %ld", name, queue->min, queue->max, v);
		queue_sysctl_store(c, queue, v);
		return 0;
	}
	if (flag) {
		if (v < 0 || v > 2)
			return tl_errorf(err, errlen, "%s: expected 0..2, got %ld", name, v);
		*flag = v != 0;
		if (flag == &c->sack)
			c->timers.tail_loss_probe = v != 0; /* the probe needs SACK */
		return 0;
	}
	return tl_timer_settings_set(&c->timers, name, v, err, errlen);
}

/* ---- options ---- */

static size_t put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t put_ts(const struct tl_tcp_options *o, uint8_t *p)
{
	p[0] = 8;
	p[1] = 10;
	put_u32(p + 2, o->ts_val);
	put_u32(p + 6, o->ts_ecr);
	return 10;
}

/* tcp_options_write(): the order and padding Linux uses on a SYN. */
static size_t encode_syn_options(const struct tl_tcp_options *o, uint8_t *out)
{
	size_t n = 0;
	if (o->mss_set) {
		out[n++] = 2;
		out[n++] = 4;
		out[n++] = (uint8_t)(o->mss >> 8);
		out[n++] = (uint8_t)o->mss;
	}
	if (o->ts_set) {
		if (o->sack_ok) {
			out[n++] = 4;
			out[n++] = 2;
		} else {
			out[n++] = 1;
			out[n++] = 1;
		}
		n += put_ts(o, out + n);
	} else if (o->sack_ok) {
		out[n++] = 1;
		out[n++] = 1;
		out[n++] = 4;
		out[n++] = 2;
	}
	if (o->wscale_set) {
		out[n++] = 1;
		out[n++] = 3;
		out[n++] = 3;
		out[n++] = o->wscale;
	}
	return n;
}

size_t tl_tcp_options_encode(const struct tl_tcp_seg *seg, uint8_t out[TL_TCP_MAX_OPTIONS])
{
	if (seg->flags & TL_TH_SYN)
		return encode_syn_options(&seg->opt, out);
	size_t n = 0;
	if (seg->opt.ts_set) {
		out[n++] = 1;
		out[n++] = 1;
		n += put_ts(&seg->opt, out + n);
	}
	if (seg->opt.sack_block_set) {
		out[n++] = 1;
		out[n++] = 1;
		out[n++] = 5;
		out[n++] = 10;
		n += put_u32(out + n, seg->opt.sack_left);
		n += put_u32(out + n, seg->opt.sack_right);
	}
	return n;
}

static bool decode_one(const uint8_t *p, size_t len, struct tl_tcp_options *o)
{
	switch (p[0]) {
	case 2:
		if (len != 4)
			return false;
		o->mss_set = true;
		o->mss = (uint16_t)(p[2] << 8 | p[3]);
		return true;
	case 3:
		if (len != 3)
			return false;
		o->wscale_set = true;
		o->wscale = p[2] > 14 ? 14 : p[2]; /* RFC 7323: larger shifts mean 14 */
		return true;
	case 4:
		o->sack_ok = len == 2;
		return len == 2;
	case 8:
		if (len != 10)
			return false;
		o->ts_set = true;
		o->ts_val = get_u32(p + 2);
		o->ts_ecr = get_u32(p + 6);
		return true;
	case 5: /* SACK: the first block is kept (the model sends no more than one) */
		if (len < 10 || (len - 2) % 8)
			return false;
		o->sack_block_set = true;
		o->sack_left = get_u32(p + 2);
		o->sack_right = get_u32(p + 6);
		return true;
	default:
		return true; /* the rest: not modelled */
	}
}

bool tl_tcp_options_decode(const uint8_t *bytes, size_t len, struct tl_tcp_options *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < len;) {
		if (bytes[i] == 0)
			break;
		if (bytes[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || bytes[i + 1] < 2 || i + bytes[i + 1] > len)
			return false;
		if (!decode_one(bytes + i, bytes[i + 1], out))
			return false;
		i += bytes[i + 1];
	}
	return true;
}

/* ---- the socket table ---- */

/* Makes room for need items of size bytes in *items (of *cap). False when out of memory. */
static bool grow_array(void *items, size_t *cap, size_t need, size_t size)
{
	void **p = items;
	if (need <= *cap)
		return true;
	size_t cap2 = *cap ? *cap : 16;
	while (cap2 < need)
		cap2 *= 2;
	void *grown = realloc(*p, cap2 * size);
	if (!grown)
		return false;
	*p = grown;
	*cap = cap2;
	return true;
}

static void *heap_at(const struct heap *h, size_t i)
{
	return h->items + i * h->size;
}

static void heap_swap(struct heap *h, size_t i, size_t j)
{
	unsigned char tmp[sizeof(struct timer_entry)];
	memcpy(tmp, heap_at(h, i), h->size);
	memcpy(heap_at(h, i), heap_at(h, j), h->size);
	memcpy(heap_at(h, j), tmp, h->size);
}

static bool heap_push(struct heap *h, const void *item)
{
	if (!grow_array(&h->items, &h->cap, h->n + 1, h->size))
		return false;
	size_t i = h->n++;
	memcpy(heap_at(h, i), item, h->size);
	while (i > 0 && h->before(heap_at(h, i), heap_at(h, (i - 1) / 2))) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return true;
}

static void heap_pop(struct heap *h)
{
	if (!h->n)
		return;
	memcpy(heap_at(h, 0), heap_at(h, --h->n), h->size);
	for (size_t i = 0;;) {
		size_t first = i, l = 2 * i + 1, r = l + 1;
		if (l < h->n && h->before(heap_at(h, l), heap_at(h, first)))
			first = l;
		if (r < h->n && h->before(heap_at(h, r), heap_at(h, first)))
			first = r;
		if (first == i)
			return;
		heap_swap(h, i, first);
		i = first;
	}
}

static bool id_before(const void *a, const void *b)
{
	return *(const int *)a < *(const int *)b;
}

static bool timer_before(const void *a, const void *b)
{
	const struct timer_entry *x = a, *y = b;
	if (x->deadline_ns != y->deadline_ns)
		return x->deadline_ns < y->deadline_ns;
	return x->order > y->order; /* the wheel fires a bucket's newest timer first */
}

static struct sock *sock_at(const struct tl_tcp_stack *st, int id)
{
	return id >= 0 && (size_t)id < st->n_ids ? st->socks[id] : NULL;
}

/* The socket's id, or -1 for one outside the table (a SYN cookie's request). */
static int sock_id(const struct tl_tcp_stack *st, const struct sock *s)
{
	return sock_at(st, s->links.id) == s ? s->links.id : -1;
}

/* Sockets that may have become free: reap() looks at them, and at no other. */
static void reap_later(struct tl_tcp_stack *st, const struct sock *s)
{
	int id = sock_id(st, s);
	if (id >= 0 && grow_array(&st->reap_ids, &st->cap_reap, st->n_reap + 1, sizeof(int)))
		st->reap_ids[st->n_reap++] = id;
}

/* The lowest free id, as a fixed table would give it; -1 when the table may not grow. */
static int id_take(struct tl_tcp_stack *st)
{
	if (st->cfg.max_socks && st->n_live >= st->cfg.max_socks)
		return -1;
	if (st->free_ids.n) {
		int id = *(const int *)heap_at(&st->free_ids, 0);
		heap_pop(&st->free_ids);
		return id;
	}
	if (st->n_ids >= INT_MAX || !grow_array(&st->socks, &st->cap_ids, st->n_ids + 1, sizeof(*st->socks)))
		return -1;
	st->socks[st->n_ids] = NULL;
	return (int)st->n_ids++;
}

static struct sock *sock_new(struct tl_tcp_stack *st, enum tl_tcp_kind kind, int *id_out)
{
	struct sock *s = calloc(1, sizeof(*s));
	int id = s ? id_take(st) : -1;
	if (id < 0) {
		free(s);
		return NULL;
	}
	s->kind = kind;
	s->state = TL_CLOSE;
	s->cookie = ++st->next_cookie;
	s->listener = -1;
	s->timers = st->cfg.timers;
	s->opts.rcvbuf = RMEM_DEFAULT;
	s->connect_rc = -ENOTCONN;
	s->links.id = id;
	s->links.hash_next = -1;
	st->socks[id] = s;
	st->n_live++;
	reap_later(st, s); /* one its caller gives up on is freed too */
	if (id_out)
		*id_out = id;
	return s;
}

/* ---- the 4-tuple hash: a segment finds its connection, connect() a free 4-tuple ---- */

static size_t tuple_bucket(const struct tl_tcp_stack *st, const struct tl_tuple *t)
{
	uint64_t h = (uint64_t)t->sport << 16 | t->dport;
	for (size_t i = 0; i < sizeof(t->saddr.b); i += 8) {
		uint64_t a, b;
		memcpy(&a, t->saddr.b + i, 8);
		memcpy(&b, t->daddr.b + i, 8);
		h = mix64(h ^ a) ^ b;
	}
	return (size_t)mix64(h) & (st->hash_buckets - 1);
}

static void hash_link(struct tl_tcp_stack *st, struct sock *s)
{
	size_t b = tuple_bucket(st, &s->tuple);
	s->links.htuple = s->tuple;
	s->links.hash_next = st->hash[b];
	s->links.hashed = true;
	st->hash[b] = s->links.id;
}

static void hash_unlink(struct tl_tcp_stack *st, struct sock *s)
{
	if (!s->links.hashed)
		return;
	int *at = &st->hash[tuple_bucket(st, &s->links.htuple)];
	while (*at != s->links.id)
		at = &st->socks[*at]->links.hash_next;
	*at = s->links.hash_next;
	s->links.hashed = false;
	st->n_hashed--;
}

/* Twice the buckets once there are twice as many sockets as buckets: chains stay short. */
static void hash_grow(struct tl_tcp_stack *st)
{
	size_t n = st->hash_buckets * 2;
	int *hash = malloc(n * sizeof(*hash));
	if (!hash)
		return; /* longer chains, still right */
	free(st->hash);
	st->hash = hash;
	st->hash_buckets = n;
	for (size_t i = 0; i < n; i++)
		hash[i] = -1;
	for (size_t id = 0; id < st->n_ids; id++)
		if (st->socks[id] && st->socks[id]->links.hashed)
			hash_link(st, st->socks[id]);
}

/* Files s under its tuple; every change of a table socket's tuple ends with this. */
static void sock_rehash(struct tl_tcp_stack *st, struct sock *s)
{
	if (s->links.hashed && tl_tuple_equal(&s->links.htuple, &s->tuple))
		return;
	hash_unlink(st, s);
	hash_link(st, s);
	if (++st->n_hashed > 2 * st->hash_buckets)
		hash_grow(st);
}

/* The table socket with tuple t (s = local) that is not in CLOSE, nor a listener, nor skip;
 * the lowest id when several are, as a walk in id order would find. */
static struct sock *sock_by_tuple(const struct tl_tcp_stack *st, const struct tl_tuple *t, bool requests,
				  const struct sock *skip)
{
	struct sock *best = NULL;
	for (int id = st->hash[tuple_bucket(st, t)]; id >= 0; id = st->socks[id]->links.hash_next) {
		struct sock *s = st->socks[id];
		if (s == skip || s->state == TL_CLOSE || s->state == TL_LISTEN || (!requests && s->kind == TL_TCP_REQUEST) ||
		    !tl_tuple_equal(&s->tuple, t))
			continue;
		if (!best || s->links.id < best->links.id)
			best = s;
	}
	return best;
}

/* ---- ports held as bind() holds them ---- */

/* s holds its port as a bind bucket made by bind() or listen() does (fastreuse >= 0). */
static void own_port(struct tl_tcp_stack *st, struct sock *s)
{
	if (s->links.port_owner)
		return;
	s->links.port_owner = true;
	st->port_owners[s->tuple.sport]++;
}

/* ---- listeners: what each made, for its queues ---- */

static bool member_of(const struct tl_tcp_stack *st, int lid, const struct member *m)
{
	const struct sock *s = sock_at(st, m->id);
	return s && s->cookie == m->cookie && s->listener == lid;
}

/* Drops the entries of sockets the listener no longer has. */
static void members_compact(const struct tl_tcp_stack *st, struct sock *l)
{
	size_t kept = 0;
	for (size_t i = 0; i < l->links.n_members; i++)
		if (member_of(st, sock_id(st, l), &l->links.members[i]))
			l->links.members[kept++] = l->links.members[i];
	l->links.n_members = kept;
}

/* The listener made s (a request, or a child from a request or a cookie). */
static void listener_adopt(struct tl_tcp_stack *st, struct sock *l, const struct sock *s)
{
	struct sock_links *k = &l->links;
	if (k->n_members == k->cap_members)
		members_compact(st, l);
	if (!grow_array(&k->members, &k->cap_members, k->n_members + 1, sizeof(*k->members))) {
		fail(st, "out of memory for a listener's queue");
		return;
	}
	k->members[k->n_members++] = (struct member){ .id = sock_id(st, s), .cookie = s->cookie };
}

static void listeners_add(struct tl_tcp_stack *st, int lid)
{
	size_t kept = 0;
	for (size_t i = 0; i < st->n_listeners; i++) {
		const struct sock *l = sock_at(st, st->listeners[i]);
		if (l && l->state == TL_LISTEN && st->listeners[i] != lid)
			st->listeners[kept++] = st->listeners[i];
	}
	st->n_listeners = kept;
	if (grow_array(&st->listeners, &st->cap_listeners, kept + 1, sizeof(int)))
		st->listeners[st->n_listeners++] = lid;
}

static void free_buffers(struct sock *s)
{
	free(s->sndbuf);
	free(s->rcvbuf);
	free(s->sent);
	free(s->dup_syn_ms);
	s->sent = NULL;
	s->dup_syn_ms = NULL;
	s->n_sent = s->n_dup_syn = 0;
	s->sndbuf = s->rcvbuf = NULL;
	s->snd_len = s->snd_cap = s->rcv_len = s->rcv_cap = 0;
}

static void sock_free(struct tl_tcp_stack *st, int id)
{
	struct sock *s = st->socks[id];
	hash_unlink(st, s);
	if (s->links.port_owner)
		st->port_owners[s->tuple.sport]--;
	free(s->links.members);
	free_buffers(s);
	free(s);
	st->socks[id] = NULL;
	st->n_live--;
	if (!heap_push(&st->free_ids, &id))
		fail(st, "out of memory for the free socket ids");
}

/* Frees what reached CLOSE and is neither held by the application nor waiting in an accept queue. */
static void reap(struct tl_tcp_stack *st)
{
	for (size_t i = 0; i < st->n_reap; i++) {
		int id = st->reap_ids[i];
		struct sock *s = sock_at(st, id);
		if (s && s->state == TL_CLOSE && !s->app_held && !s->in_accept_queue)
			sock_free(st, id);
	}
	st->n_reap = 0;
}

/* ---- notes ---- */

static void emit(struct tl_tcp_stack *st, const struct tl_tcp_note *n)
{
	/* Every resend the tracer would report (SYN, SYN-ACK, a probe or a segment) is one the kernel counts. */
	if (n->kind == TL_TCP_NOTE_RETRANS)
		st->mib[MIB_RETRANS_SEGS]++;
	if (st->note)
		st->note(st->note_ctx, n);
}

static struct tl_tcp_note note_for(struct tl_tcp_stack *st, const struct sock *s, enum tl_tcp_note_kind kind)
{
	struct tl_tcp_note n = { .kind = kind, .now_ns = st->now_ns, .sock = -1, .state = TL_STATE_NONE };
	if (s) {
		n.sock = sock_id(st, s);
		n.side = s->owner;
		n.cookie = s->cookie;
		n.tuple = s->tuple;
		n.state = s->kind == TL_TCP_REQUEST ? TL_NEW_SYN_RECV : s->state;
	}
	return n;
}

__attribute__((format(printf, 4, 5))) static void set_state(struct tl_tcp_stack *st, struct sock *s,
							     enum tl_state to, const char *fmt, ...)
{
	if (s->state == to)
		return;
	struct tl_tcp_note n = note_for(st, s, TL_TCP_NOTE_STATE);
	n.from = s->state;
	n.to = to;
	if (to == TL_CLOSE && (s->state == TL_ESTABLISHED || s->state == TL_CLOSE_WAIT))
		st->mib[MIB_ESTAB_RESETS]++; /* tcp_set_state(): a synchronized connection closed without FINs */
	s->state = to;
	if (to == TL_CLOSE) {
		reap_later(st, s);
		if (s->kind == TL_TCP_MINI)
			st->n_tw--; /* the time-wait socket is gone (its timer, a RST, or taken over) */
	}
	if (to == TL_ESTABLISHED)
		s->was_established = true;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(n.why, sizeof(n.why), fmt, ap);
		va_end(ap);
	}
	emit(st, &n);
}

/* ---- sending ---- */

static uint32_t ts_now(const struct tl_tcp_stack *st, const struct sock *s)
{
	return (uint32_t)(st->now_ns / NS_PER_MS) + s->ts_offset;
}

/* The MSS a SYN or SYN-ACK offers: the route's for the socket's family (65495 or 65476 on
 * loopback), or TCP_MAXSEG if smaller (tcp_mss_clamp()). */
static uint16_t offered_mss(const struct tl_tcp_stack *st, const struct sock *s)
{
	uint16_t route = tl_tcp_adv_mss(&st->cfg, tl_tuple_family(&s->tuple));
	return s->opts.user_mss && s->opts.user_mss < route ? s->opts.user_mss : route;
}

/*
 * The payload a segment carries at most (tcp_sync_mss()): the smaller of
 * the peer's MSS and ours, less the timestamp option, and no more than half
 * the largest window the peer has offered (tcp_bound_to_half_wnd()), so that
 * a small receive window still takes two segments.
 */
static uint16_t mss_payload(const struct tl_tcp_stack *st, const struct sock *s)
{
	uint32_t mss = offered_mss(st, s);
	if (s->peer_mss && s->peer_mss < mss)
		mss = s->peer_mss;
	mss -= s->ts_ok ? TS_OPTION_BYTES : 0;
	uint32_t cutoff = s->snd_max_window > MSS_DEFAULT ? s->snd_max_window / 2 : s->snd_max_window;
	uint32_t least = 68 - 20 - (s->ts_ok ? TS_OPTION_BYTES : 0); /* 68 bytes less the TCP header */
	if (cutoff && mss > cutoff)
		mss = cutoff > least ? cutoff : least;
	return (uint16_t)mss;
}

/* tcp_ack_update_window(): what the peer offers now, and the most it ever did. */
static void peer_window(struct sock *s, uint32_t wnd)
{
	s->snd_wnd = wnd;
	if (wnd > s->snd_max_window)
		s->snd_max_window = wnd;
}

/* ---- the receive window ---- */

/* tcp_full_space(): what the buffer may offer, at the kernel's first scaling ratio of one half. */
static uint32_t full_space(const struct sock *s)
{
	return s->opts.rcvbuf / 2;
}

static uint32_t window_unit(const struct sock *s)
{
	return 1u << (s->ws_ok ? s->rcv_wscale : 0);
}

static uint8_t log2_u32(uint32_t v)
{
	uint8_t n = 0;
	while (v >>= 1)
		n++;
	return n;
}

/*
 * tcp_select_initial_window(): the first window, rounded down to a multiple
 * of mss, and the scale to offer. A buffer set with SO_RCVBUF clamps both;
 * otherwise the scale is sized for the largest buffer the socket could grow
 * to (cfg.wscale, 10 here).
 */
static void initial_window(const struct tl_tcp_stack *st, struct sock *s, uint32_t mss)
{
	uint32_t clamp = s->opts.rcvbuf_locked ? full_space(s) : MAX_WINDOW_CLAMP;
	uint32_t space = full_space(s) < clamp ? full_space(s) : clamp;
	if (space > mss)
		space = space / mss * mss;
	s->rcv_wnd = s->rcv_ssthresh = space;
	s->offered_wscale = 0;
	if (st->cfg.window_scaling) {
		int scale = s->opts.rcvbuf_locked ? log2_u32(clamp) - 15 : st->cfg.wscale;
		s->offered_wscale = (uint8_t)(scale < 0 ? 0 : scale > st->cfg.wscale ? st->cfg.wscale : scale);
	}
	uint64_t most = (uint64_t)65535 << s->offered_wscale;
	s->window_clamp = most < clamp ? (uint32_t)most : clamp;
}

/* What a SYN or SYN-ACK says of the window: never scaled (RFC 7323). */
static uint16_t syn_window(const struct sock *s)
{
	return (uint16_t)(s->rcv_wnd < 65535 ? s->rcv_wnd : 65535);
}

/*
 * __tcp_select_window(): the window the free space allows now. The kernel
 * counts the buffer in the memory its packets take (truesize) and a
 * scaling ratio it learns from them; the model counts payload bytes at the
 * first ratio, so once data arrives a window may differ (docs/model.md).
 */
static uint32_t window_allowed(const struct sock *s, bool *short_of_space)
{
	uint32_t unit = window_unit(s), allowed = full_space(s);
	uint32_t full = s->window_clamp < allowed ? s->window_clamp : allowed;
	size_t queued = s->rcv_len + (s->fin_rcvd && !s->eof_read ? FIN_CHARGE_BYTES : 0);
	uint32_t free_space = allowed > queued ? allowed - (uint32_t)queued : 0;
	uint32_t mss = s->rcv_mss < full ? s->rcv_mss : full;
	*short_of_space = free_space < full / 2;
	if (*short_of_space) {
		free_space = free_space / unit * unit;
		if (free_space < allowed / 16 || free_space < mss)
			return 0; /* rather a zero window than data dropped for want of memory */
	}
	if (free_space > s->rcv_ssthresh)
		free_space = s->rcv_ssthresh;
	if (unit > 1)
		return (free_space + unit - 1) / unit * unit; /* enough that the scale does not round it away */
	uint32_t window = s->rcv_wnd;
	if ((int64_t)window <= (int64_t)free_space - mss || window > free_space)
		window = mss ? free_space / mss * mss : free_space;
	else if (mss == full && free_space > window + full / 2)
		window = free_space;
	return window;
}

/*
 * tcp_select_window(): the window for the segment going out. The right
 * edge already offered never moves back, so a window that would shrink is
 * rounded up instead.
 */
static uint32_t select_window(struct sock *s)
{
	bool short_of_space;
	uint32_t unit = window_unit(s), win = window_allowed(s, &short_of_space);
	if (short_of_space)
		s->quick = 0; /* a buffer half full: no more ACKs at once */
	uint32_t cur = seq_gt(s->rcv_right, s->rcv_nxt) ? s->rcv_right - s->rcv_nxt : 0;
	if (win < cur)
		win = (cur + unit - 1) / unit * unit;
	s->rcv_wnd = win;
	uint64_t most = (uint64_t)65535 << (s->ws_ok ? s->rcv_wscale : 0);
	if (win > most)
		win = (uint32_t)most;
	s->rcv_right = s->rcv_nxt + win;
	return win;
}

static void ack_sent(struct sock *s)
{
	s->ack_pending = false;
	s->delack_ns = 0;
	if (s->quick > 0)
		s->quick--;
	s->rcv_wup = s->rcv_nxt;
}

static void fill_options(const struct tl_tcp_stack *st, struct sock *s, struct tl_tcp_seg *g)
{
	if (s->ts_ok) {
		g->opt.ts_set = true;
		g->opt.ts_val = ts_now(st, s);
		g->opt.ts_ecr = s->ts_recent;
	}
	if (!(g->flags & TL_TH_SYN)) {
		/* tcp_options_write(): a pending D-SACK goes out once, on the next segment. */
		if (s->dsack && (g->flags & TL_TH_ACK)) {
			g->opt.sack_block_set = true;
			g->opt.sack_left = s->dsack_start;
			g->opt.sack_right = s->dsack_end;
			s->dsack = false;
		}
		return;
	}
	g->opt.mss_set = true;
	g->opt.mss = offered_mss(st, s);
	g->opt.sack_ok = s->sack_ok;
	g->opt.wscale_set = s->ws_ok;
	g->opt.wscale = s->rcv_wscale;
}

/*
 * A segment that takes sequence space is remembered until acknowledged:
 * its ACK's delay is an RTT sample, unless it was sent again (Karn).
 */
static void remember_sent(struct tl_tcp_stack *st, struct sock *s, uint32_t seq, uint32_t space)
{
	uint32_t end = seq + space;
	if (!s->sent) {
		if (sock_id(st, s) < 0)
			return; /* a SYN cookie's request, on the stack for one segment: no ACK will find it */
		s->sent = malloc(SENT_SEGS * sizeof(*s->sent));
		if (!s->sent) {
			fail(st, "out of memory for a socket's sent segments");
			return;
		}
	}
	if (s->n_sent && seq_lt(seq, s->sent[s->n_sent - 1].end)) {
		for (size_t i = 0; i < s->n_sent; i++)
			if (seq_gt(s->sent[i].end, seq) && seq_lt(s->sent[i].start, end))
				s->sent[i].resent = true;
		return;
	}
	if (s->n_sent == SENT_SEGS)
		memmove(s->sent, s->sent + 1, --s->n_sent * sizeof(s->sent[0]));
	s->sent[s->n_sent++] = (struct sent_seg){ .start = seq, .end = end, .at_ns = st->now_ns };
}

/*
 * The ACK moved snd_una from old_una: the oldest segment it acknowledges
 * gives the RTT sample (tcp_clean_rtx_queue()), none when any of them was
 * resent or the oldest was forgotten.
 */
static void rtt_acked(struct tl_tcp_stack *st, struct sock *s, uint32_t old_una, uint32_t ack)
{
	size_t n = 0;
	bool resent = false;
	if (!s->n_sent)
		return;
	while (n < s->n_sent && !seq_gt(s->sent[n].end, ack))
		resent |= s->sent[n++].resent;
	if (n && !resent && !seq_gt(s->sent[0].start, old_una))
		tl_timer_rtt_sample(&s->rtt, &s->timers, (int64_t)((st->now_ns - s->sent[0].at_ns) / 1000), ack,
				    s->snd_nxt);
	memmove(s->sent, s->sent + n, (s->n_sent - n) * sizeof(s->sent[0]));
	s->n_sent -= n;
}

/* Every segment a socket sends goes through here. */
static void xmit(struct tl_tcp_stack *st, struct sock *s, uint32_t seq, const uint8_t *payload, uint32_t len,
		 uint8_t flags)
{
	struct tl_tcp_seg g = { .tuple = s->tuple, .seq = seq, .flags = flags, .payload = payload,
				.payload_len = len };
	if (flags & TL_TH_ACK)
		g.ack = s->rcv_nxt;
	if (flags & TL_TH_SYN)
		g.window = syn_window(s);
	else
		g.window = (uint16_t)(select_window(s) >> (s->ws_ok ? s->rcv_wscale : 0));
	fill_options(st, s, &g);
	if (seq_space(&g) && !(flags & TL_TH_RST))
		remember_sent(st, s, seq, seq_space(&g));
	if (flags & TL_TH_ACK)
		ack_sent(s);
	struct tl_tcp_note n = note_for(st, s, TL_TCP_NOTE_SEGMENT);
	n.tuple = g.tuple;
	n.seg = &g;
	emit(st, &n);
}

static void send_ack(struct tl_tcp_stack *st, struct sock *s)
{
	xmit(st, s, s->snd_nxt, NULL, 0, TL_TH_ACK);
}

/*
 * tcp_v4_send_reset(): the answer to a segment that no socket accepts. With
 * an ACK it takes that ACK as its sequence number (a bare R); without one it
 * acknowledges the segment (R. with seq 0). No options, window 0.
 */
static void reply_reset(struct tl_tcp_stack *st, const struct tl_tcp_seg *seg, const struct sock *s)
{
	if (seg->flags & TL_TH_RST)
		return;
	struct tl_tcp_seg r = {
		.tuple = { .saddr = seg->tuple.daddr, .daddr = seg->tuple.saddr,
			   .sport = seg->tuple.dport, .dport = seg->tuple.sport },
	};
	if (seg->flags & TL_TH_ACK) {
		r.seq = seg->ack;
		r.flags = TL_TH_RST;
	} else {
		r.ack = seg->seq + seq_space(seg);
		r.flags = TL_TH_RST | TL_TH_ACK;
	}
	struct tl_tcp_note n = note_for(st, s, TL_TCP_NOTE_RESET_SENT);
	n.tuple = r.tuple;
	st->mib[MIB_OUT_RSTS]++;
	emit(st, &n);
	n = note_for(st, s, TL_TCP_NOTE_SEGMENT);
	n.tuple = r.tuple;
	n.seg = &r;
	emit(st, &n);
}

/* tcp_send_active_reset(): the socket itself ends the connection with R. */
static void active_reset(struct tl_tcp_stack *st, struct sock *s)
{
	struct tl_tcp_note n = note_for(st, s, TL_TCP_NOTE_RESET_SENT);
	st->mib[MIB_OUT_RSTS]++;
	emit(st, &n);
	xmit(st, s, s->snd_nxt, NULL, 0, TL_TH_RST | TL_TH_ACK);
}

/* ---- retransmission timer: the schedule is timer_model's ---- */

static enum tl_timer_case rtx_case(const struct sock *s)
{
	if (s->kind == TL_TCP_REQUEST)
		return TL_TIMER_SYNACK;
	if (s->state == TL_SYN_SENT || s->state == TL_SYN_RECV)
		return TL_TIMER_SYN_SENT; /* a full SYN_RECV socket (simultaneous open) keeps its SYN rules */
	if (!s->orphan)
		return TL_TIMER_DATA;
	return s->state == TL_LAST_ACK ? TL_TIMER_LAST_ACK : TL_TIMER_FIN_WAIT1;
}

static int predict(struct tl_tcp_stack *st, const struct sock *s)
{
	char why[256];
	struct tl_timer_settings set = s->timers;
	set.tail_loss_probe = set.tail_loss_probe && s->sack_ok;
	if (tl_timer_predict(rtx_case(s), &set, st->sched, why, sizeof(why)) == 0)
		return 0;
	fail(st, why);
	return -1;
}

/* Arms the timer for the step rtx.next of the schedule: a retransmission, or the give-up after the last. */
static void rtx_arm_next(struct tl_tcp_stack *st, struct sock *s)
{
	if (predict(st, s) < 0) {
		s->rtx.deadline_ns = 0;
		return;
	}
	const struct tl_timer_schedule *sc = st->sched;
	int64_t at_ms = s->rtx.next < sc->n_retx ? sc->retx[s->rtx.next].at_ms : sc->give_up_ms;
	uint64_t t = s->rtx.base_ns + (uint64_t)at_ms * NS_PER_MS;
	/* A schedule shortened by a later setsockopt may already be due: the next tick then. */
	s->rtx.deadline_ns = t > st->now_ns ? t : tick_deadline(st, st->now_ns, 1);
	armed(st, s);
}

static void rtx_start(struct tl_tcp_stack *st, struct sock *s)
{
	/* The schedule counts from the first tick at or after now: no send comes early. */
	s->rtx.base_ns = tick_ceil(st, st->now_ns);
	s->rtx.next = 0;
	rtx_arm_next(st, s);
}

static void rtx_stop(struct sock *s)
{
	s->rtx.deadline_ns = 0;
	s->rtx.next = 0;
}

/* ---- endings ---- */

/* TIME-WAIT, FIN-WAIT-2 and the FIN-WAIT-2 hand-over share one timer. */
static void set_linger(struct tl_tcp_stack *st, struct sock *s, int64_t ms)
{
	s->linger_ns = tick_deadline(st, st->now_ns, ms_to_jiffies(st, ms));
	armed(st, s);
}

static void probe_stop(struct sock *s)
{
	s->probe_ns = 0;
	s->probe_backoff = 0;
	s->probes_counting = false;
}

static void timers_off(struct sock *s)
{
	rtx_stop(s);
	probe_stop(s);
	s->ka_deadline_ns = 0;
	s->delack_ns = 0;
	s->ack_pending = false;
	s->linger_ns = 0;
	s->fw2_mini_ms = 0;
}

/* tcp_done(): the connection is over; the application sees end of file or its error. */
__attribute__((format(printf, 3, 4))) static void sock_done(struct tl_tcp_stack *st, struct sock *s,
							     const char *fmt, ...)
{
	char why[TL_TCP_WHY_LEN] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	timers_off(s);
	s->rcv_shut = s->snd_shut = true;
	if (s->connect_rc == -EINPROGRESS)
		s->connect_rc = s->err ? -s->err : -ECONNRESET;
	set_state(st, s, TL_CLOSE, "%s", why);
}

/*
 * The full socket hands over to a time-wait socket (tcp_time_wait()). Data
 * received but not yet read stays readable: on the kernel the application's
 * full socket keeps its receive queue beside the time-wait socket, so recv()
 * returns that data before the end of file (a half-close whose reply and FIN
 * arrive before the client reads them).
 *
 * A namespace holds at most tcp_max_tw_buckets time-wait sockets
 * (inet_twsk_alloc() fails once it holds that many): then tcp_time_wait()
 * counts TCPTimeWaitOverflow and closes the full socket at once (tcp_done()),
 * without a RST, and this returns false. A time-wait socket that moves on
 * from FIN-WAIT-2 to TIME-WAIT is the same one: nothing is allocated.
 */
static bool become_mini(struct tl_tcp_stack *st, struct sock *s)
{
	bool allocated = s->kind != TL_TCP_MINI;
	if (allocated && (long long)st->n_tw >= st->cfg.max_tw_buckets) {
		st->mib[MIB_TW_OVERFLOW]++;
		sock_done(st, s, "no time-wait socket: tcp_max_tw_buckets (%d) are in use, closed at once",
			  st->cfg.max_tw_buckets);
		return false;
	}
	timers_off(s);
	free(s->sndbuf);
	s->sndbuf = NULL;
	s->snd_len = s->snd_cap = 0;
	free(s->sent); /* nothing it sends takes sequence space: no RTT sample is to come */
	s->sent = NULL;
	s->n_sent = 0;
	s->kind = TL_TCP_MINI;
	s->rcv_shut = s->snd_shut = true;
	if (allocated) {
		st->n_tw++;
		s->tw_entry_ns = st->now_ns;
	}
	return true;
}

static void enter_time_wait(struct tl_tcp_stack *st, struct sock *s)
{
	int64_t tw_ms = tl_timer_time_wait_ms();
	if (!become_mini(st, s))
		return;
	set_linger(st, s, tw_ms);
	set_state(st, s, TL_TIME_WAIT, "a time-wait socket takes over for %lld s (TCP_TIMEWAIT_LEN)",
		  (long long)(tw_ms / 1000));
}

/*
 * An orphan whose FIN was ACKed waits for the peer's FIN (tcp_fin_time()).
 * Returns false when it was destroyed instead (TCP_LINGER2 < 0), in which
 * case the caller answers the segment with a RST.
 */
static bool orphan_fin_wait2(struct tl_tcp_stack *st, struct sock *s, bool seg_has_fin)
{
	struct tl_timer_fin_wait2 fw;
	char why[256];
	if (tl_timer_fin_wait2(&s->timers, &fw, why, sizeof(why)) < 0) {
		fail(st, why);
		return true;
	}
	if (!fw.waits) {
		sock_done(st, s, "TCP_LINGER2 < 0: no FIN-WAIT-2, the orphan is destroyed");
		return false;
	}
	if (fw.full_socket_ms > 0) {
		rtx_stop(s);
		s->ka_deadline_ns = 0; /* the kernel's one sk_timer now counts FIN-WAIT-2 */
		set_linger(st, s, fw.full_socket_ms);
		s->fw2_mini_ms = fw.timewait_sock_ms;
	} else if (seg_has_fin) {
		/* Stays a full socket: the FIN in this very segment is processed next. */
		set_linger(st, s, fw.timewait_sock_ms);
	} else if (become_mini(st, s)) {
		set_linger(st, s, fw.timewait_sock_ms);
	}
	return true;
}

/* ---- sending data and FIN ---- */

static uint32_t data_end(const struct sock *s)
{
	return s->snd_buf_seq + (uint32_t)s->snd_len;
}

/* tcp_event_data_sent(): a reply within ato of the last arrival makes the connection interactive. */
static void data_sent(struct tl_tcp_stack *st, struct sock *s)
{
	if (s->ato_j && st->now_ns - s->lrcv_ns < (uint64_t)s->ato_j * jiffy_ns(st))
		s->pingpong = true;
}

static bool can_send_data(const struct sock *s)
{
	return s->state == TL_ESTABLISHED || s->state == TL_CLOSE_WAIT || s->state == TL_FIN_WAIT1 ||
	       s->state == TL_LAST_ACK || s->state == TL_CLOSING;
}

/* One new data segment, or 0 bytes when window or Nagle (Minshall's variant) holds it back. */
static uint32_t next_data_len(const struct tl_tcp_stack *st, const struct sock *s)
{
	uint32_t avail = data_end(s) - s->snd_nxt;
	uint32_t wnd_end = s->snd_una + s->snd_wnd;
	uint32_t room = seq_gt(wnd_end, s->snd_nxt) ? wnd_end - s->snd_nxt : 0;
	uint32_t mss = mss_payload(st, s);
	uint32_t len = min_u32(avail, mss);
	if (len > room)
		return 0; /* tcp_snd_wnd_test(): the segment goes whole or waits; the persist timer probes */
	if (len && len < mss && len == avail && !s->opts.nodelay && seq_gt(s->snd_sml, s->snd_una) &&
	    s->snd_nxt != s->snd_una)
		return 0; /* a small segment is still unacknowledged */
	return len;
}

/* Whatever goes out below snd_max was sent before: the tracer would report it as a retransmission. */
static void note_if_resent(struct tl_tcp_stack *st, struct sock *s, uint32_t seq)
{
	if (!seq_lt(seq, s->snd_max))
		return;
	struct tl_tcp_note n = note_for(st, s, TL_TCP_NOTE_RETRANS);
	n.retrans = TL_RETRANS_SEGMENT;
	emit(st, &n);
}

static void sent_upto(struct sock *s, uint32_t end)
{
	s->snd_nxt = end;
	if (seq_gt(end, s->snd_max))
		s->snd_max = end;
}

/* The segment at snd_nxt: len data bytes, with the FIN when they end the data and a FIN is queued. */
static void send_data(struct tl_tcp_stack *st, struct sock *s, uint32_t len, bool pushed)
{
	uint32_t seq = s->snd_nxt;
	bool last = seq + len == data_end(s);
	bool fin = last && s->fin_queued;
	uint8_t flags = TL_TH_ACK | (last || pushed ? TL_TH_PSH : 0) | (fin ? TL_TH_FIN : 0);
	note_if_resent(st, s, seq);
	xmit(st, s, seq, s->sndbuf + (seq - s->snd_buf_seq), len, flags);
	sent_upto(s, seq + len + fin);
	if (len < mss_payload(st, s))
		s->snd_sml = s->snd_nxt;
	data_sent(st, s);
}

static void send_fin(struct tl_tcp_stack *st, struct sock *s)
{
	note_if_resent(st, s, s->fin_seq);
	xmit(st, s, s->fin_seq, NULL, 0, TL_TH_FIN | TL_TH_ACK);
	sent_upto(s, s->fin_seq + 1);
}

static void probe_check(struct tl_tcp_stack *st, struct sock *s);

/* tcp_write_xmit(): new data the window allows, then the FIN once all data went out. */
static void push(struct tl_tcp_stack *st, struct sock *s)
{
	if (s->kind != TL_TCP_FULL || !can_send_data(s))
		return;
	bool sent = false;
	uint32_t len;
	while (seq_lt(s->snd_nxt, data_end(s)) && (len = next_data_len(st, s)) > 0) {
		send_data(st, s, len, false);
		sent = true;
	}
	if (s->fin_queued && s->snd_nxt == s->fin_seq) {
		send_fin(st, s);
		sent = true;
	}
	if (sent) {
		probe_stop(s); /* tcp_rearm_rto(): the retransmission timer replaces it */
		if (!s->rtx.deadline_ns)
			rtx_start(st, s);
	}
	probe_check(st, s);
}

static void queue_fin(struct tl_tcp_stack *st, struct sock *s)
{
	if (s->fin_queued)
		return;
	s->fin_queued = true;
	s->fin_seq = data_end(s);
	push(st, s);
}

/* tcp_close_state(): where close() or shutdown(SHUT_WR) leads, and whether a FIN goes out. */
static bool close_state(struct tl_tcp_stack *st, struct sock *s)
{
	switch (s->state) {
	case TL_ESTABLISHED:
	case TL_SYN_RECV:
		set_state(st, s, TL_FIN_WAIT1, NULL);
		return true;
	case TL_CLOSE_WAIT:
		set_state(st, s, TL_LAST_ACK, NULL);
		return true;
	default:
		return false;
	}
}

/* ---- delayed ACKs ---- */

static bool in_quickack_mode(const struct sock *s)
{
	return s->quick > 0 && !s->pingpong;
}

/* __tcp_ack_snd_check(): now in quick-ACK mode or after a full segment's worth, else on the delayed-ACK timer. */
static void ack_check(struct tl_tcp_stack *st, struct sock *s)
{
	if (!s->ack_pending || s->kind != TL_TCP_FULL)
		return;
	if (in_quickack_mode(s) || s->rcv_nxt - s->rcv_wup > mss_payload(st, s)) {
		send_ack(st, s);
		return;
	}
	/* ato 0 (no data received yet) still waits for the next tick. */
	if (!s->delack_ns) {
		s->delack_ns = tick_deadline(st, st->now_ns, s->ato_j);
		armed(st, s);
	}
}

/* tcp_incr_quickack(): as many immediate ACKs as half the window holds segments, 2 to 16. */
static void more_quickacks(struct sock *s)
{
	uint32_t n = s->rcv_mss ? s->rcv_wnd / (2 * s->rcv_mss) : 0;
	n = n == 0 ? 2 : n > MAX_QUICKACKS ? MAX_QUICKACKS : n;
	if ((int)n > s->quick)
		s->quick = (int)n;
}

/* tcp_event_data_recv(): the first data turns quick-ACK mode on; so does a long pause. */
static void data_received(struct tl_tcp_stack *st, struct sock *s, uint32_t len)
{
	int64_t rto_ms = tl_timer_effective_rto_ms(&s->timers);
	if (len >= s->rcv_mss) /* tcp_measure_rcv_mss(): a bigger segment raises the guess */
		s->rcv_mss = len < offered_mss(st, s) ? len : offered_mss(st, s);
	if (!s->ato_j) {
		more_quickacks(s);
		s->ato_j = ato_min_j(st);
	} else if (st->now_ns - s->lrcv_ns > (uint64_t)rto_ms * NS_PER_MS) {
		more_quickacks(s);
	}
	s->lrcv_ns = st->now_ns;
}

/* ---- timers firing ---- */

/*
 * The timer resends the first unacknowledged segment. Everything after it
 * counts as lost too (go-back-N from snd_una): push() resends it as ACKs
 * open room, which is what the kernel's loss marking amounts to on a link
 * that only loses what a rule drops.
 */
static void retransmit_head(struct tl_tcp_stack *st, struct sock *s, bool probe)
{
	if (!probe)
		s->retransmits++;
	if (s->state == TL_SYN_SENT || s->state == TL_SYN_RECV || s->snd_una == s->iss) {
		struct tl_tcp_note n = note_for(st, s, TL_TCP_NOTE_RETRANS);
		n.retrans = s->state == TL_SYN_SENT ? TL_RETRANS_SYN : TL_RETRANS_SYNACK;
		emit(st, &n);
		xmit(st, s, s->iss, NULL, 0, s->state == TL_SYN_SENT ? TL_TH_SYN : TL_TH_SYN | TL_TH_ACK);
		return;
	}
	s->snd_nxt = s->snd_una;
	if (seq_lt(s->snd_nxt, data_end(s)))
		send_data(st, s, min_u32(data_end(s) - s->snd_nxt, mss_payload(st, s)), false);
	else if (s->fin_queued && s->snd_nxt == s->fin_seq)
		send_fin(st, s);
}

static void give_up(struct tl_tcp_stack *st, struct sock *s, const char *why)
{
	if (!s->orphan) {
		s->err = ETIMEDOUT;
		if (s->connect_rc == -EINPROGRESS)
			s->connect_rc = -ETIMEDOUT;
	}
	sock_done(st, s, "%s", why);
}

static void fire_rtx(struct tl_tcp_stack *st, struct sock *s)
{
	if (predict(st, s) < 0) {
		rtx_stop(s);
		return;
	}
	const struct tl_timer_schedule *sc = st->sched;
	if (s->rtx.next >= sc->n_retx) {
		give_up(st, s, sc->give_up_why);
		return;
	}
	bool probe = sc->retx[s->rtx.next].tlp;
	s->rtx.next++;
	retransmit_head(st, s, probe);
	rtx_arm_next(st, s);
}

/* The delayed-ACK timer (tcp_delack_timer_handler()). */
static void fire_delack(struct tl_tcp_stack *st, struct sock *s)
{
	s->delack_ns = 0;
	if (!s->ack_pending)
		return;
	if (!s->pingpong) {
		int64_t rto_j = ms_to_jiffies(st, tl_timer_effective_rto_ms(&s->timers));
		s->ato_j = s->ato_j * 2 < rto_j ? s->ato_j * 2 : rto_j; /* missed: inflate ato */
	} else {
		s->pingpong = false; /* missed in ping-pong mode: leave it */
		s->ato_j = ato_min_j(st);
	}
	send_ack(st, s);
}

static void fire_linger(struct tl_tcp_stack *st, struct sock *s)
{
	s->linger_ns = 0;
	if (s->kind == TL_TCP_FULL && s->fw2_mini_ms > 0) {
		/* tcp_keepalive_timer(): the full FIN-WAIT-2 hands over to a time-wait socket. */
		int64_t ms = s->fw2_mini_ms;
		if (become_mini(st, s))
			set_linger(st, s, ms);
		return;
	}
	if (s->state == TL_TIME_WAIT)
		sock_done(st, s, "TIME-WAIT ended after %lld s", (long long)(tl_timer_time_wait_ms() / 1000));
	else
		sock_done(st, s, "orphaned FIN-WAIT-2 ended (tcp_fin_timeout or TCP_LINGER2)");
}

/* ---- keepalive (tcp_keepalive_timer()): the rule is timer_model's ---- */

static int64_t jiffies_at(const struct tl_tcp_stack *st, uint64_t t_ns)
{
	return (int64_t)(t_ns / jiffy_ns(st));
}

/* inet_csk_reset_keepalive_timer(): d_j jiffies from now (0: the next tick). */
static void keepalive_arm(struct tl_tcp_stack *st, struct sock *s, int64_t d_j)
{
	s->ka_deadline_ns = tick_deadline(st, st->now_ns, d_j);
	armed(st, s);
}

/* tcp_ack() took a segment: the silence ends, and the probes count from zero again. */
static void heard_from_peer(struct tl_tcp_stack *st, struct sock *s)
{
	s->rcv_tstamp_ns = st->now_ns;
	s->probes_out = 0;
}

/* tcp_finish_connect(), tcp_create_openreq_child(): a new connection's timer starts with the idle time. */
static void keepalive_start(struct tl_tcp_stack *st, struct sock *s)
{
	heard_from_peer(st, s);
	if (s->opts.keepalive)
		keepalive_arm(st, s, tl_timer_keepalive_idle_j(&s->timers));
}

/* Data or a FIN not yet acknowledged, or not yet sent: the retransmission timer watches the peer. */
static bool in_flight(const struct sock *s)
{
	uint32_t write_end = data_end(s) + (s->fin_queued ? 1u : 0u);
	return seq_lt(s->snd_una, s->snd_max) || seq_lt(s->snd_max, write_end);
}

/* Silence in jiffies as the kernel counts it: from the jiffy of the last arrival. */
static int64_t silent_j(const struct tl_tcp_stack *st, const struct sock *s)
{
	return jiffies_at(st, st->now_ns) - jiffies_at(st, s->rcv_tstamp_ns);
}

static bool keepalive_applies(const struct sock *s)
{
	return s->opts.keepalive && s->kind == TL_TCP_FULL && s->state != TL_CLOSE && s->state != TL_LISTEN &&
	       s->state != TL_SYN_SENT;
}

static void fire_keepalive(struct tl_tcp_stack *st, struct sock *s)
{
	s->ka_deadline_ns = 0;
	if (!keepalive_applies(s))
		return;
	if (in_flight(s)) { /* "it is alive without keepalive" */
		keepalive_arm(st, s, tl_timer_keepalive_idle_j(&s->timers));
		return;
	}
	struct tl_keepalive_firing f;
	tl_timer_keepalive_fire(&s->timers, silent_j(st, s), s->probes_out, &f);
	switch (f.action) {
	case TL_KEEPALIVE_WAIT:
		keepalive_arm(st, s, f.next_j);
		return;
	case TL_KEEPALIVE_PROBE:
		/* tcp_xmit_probe_skb(): one below snd_una, so the peer must answer */
		xmit(st, s, s->snd_una - 1, NULL, 0, TL_TH_ACK);
		s->probes_out++;
		keepalive_arm(st, s, f.next_j);
		return;
	case TL_KEEPALIVE_GIVE_UP:
		active_reset(st, s); /* tcp_send_active_reset(), then tcp_write_err() */
		give_up(st, s, f.why);
		return;
	}
}

/* SO_KEEPALIVE (tcp_set_keepalive()): switched on over a connection, the timer waits the idle time from now. */
static void set_keepalive(struct tl_tcp_stack *st, struct sock *s, bool on)
{
	bool was = s->opts.keepalive;
	s->opts.keepalive = on;
	if (s->kind != TL_TCP_FULL || s->state == TL_CLOSE || s->state == TL_LISTEN)
		return;
	if (on && !was)
		keepalive_arm(st, s, tl_timer_keepalive_idle_j(&s->timers));
	else if (!on)
		s->ka_deadline_ns = 0;
}

/* TCP_KEEPIDLE with keepalive on re-arms the timer for what is left of the new idle time. */
static void keepidle_changed(struct tl_tcp_stack *st, struct sock *s)
{
	if (!s->opts.keepalive || s->kind != TL_TCP_FULL || s->state == TL_CLOSE || s->state == TL_LISTEN)
		return;
	int64_t idle_j = tl_timer_keepalive_idle_j(&s->timers), gone_j = silent_j(st, s);
	keepalive_arm(st, s, idle_j > gone_j ? idle_j - gone_j : 0);
}

/* ---- the persist timer: window probes (tcp_probe_timer(), tcp_send_probe0()) ---- */

static bool data_waits(const struct sock *s)
{
	return seq_lt(s->snd_nxt, data_end(s));
}

static bool nothing_in_flight(const struct sock *s)
{
	return s->snd_una == s->snd_max;
}

/* The timer settings with the RTO this connection measured: tcp_probe0_base() takes icsk_rto. */
static struct tl_timer_settings persist_settings(const struct sock *s)
{
	struct tl_timer_settings set = s->timers;
	int64_t rto_ms = tl_timer_rtt_rto_ms(&s->rtt, &s->timers);
	if (rto_ms > 0)
		set.established_rto_ms = (int)rto_ms;
	return set;
}

static void probe_arm(struct tl_tcp_stack *st, struct sock *s, int64_t d_j)
{
	s->probe_ns = tick_deadline(st, st->now_ns, d_j);
	armed(st, s);
}

/* tcp_check_probe_timer(): data a closed window holds back, nothing in flight: probe after one base. */
static void probe_check(struct tl_tcp_stack *st, struct sock *s)
{
	if (s->probe_ns || s->rtx.deadline_ns || !nothing_in_flight(s) || !data_waits(s))
		return;
	struct tl_timer_settings set = persist_settings(s);
	probe_arm(st, s, tl_timer_persist_base_j(&set));
}

/*
 * tcp_write_wakeup(): a window that opened less than the next segment
 * takes the part that fits, pushed; a closed one gets an ACK one below
 * snd_una with no data (tcp_xmit_probe_skb()), which the peer answers
 * with its window.
 */
static void send_probe0(struct tl_tcp_stack *st, struct sock *s)
{
	uint32_t wnd_end = s->snd_una + s->snd_wnd;
	if (!seq_lt(s->snd_nxt, wnd_end)) {
		xmit(st, s, s->snd_una - 1, NULL, 0, TL_TH_ACK);
		return;
	}
	send_data(st, s, min_u32(min_u32(wnd_end - s->snd_nxt, mss_payload(st, s)), data_end(s) - s->snd_nxt), true);
	if (!s->rtx.deadline_ns)
		rtx_start(st, s);
}

static void fire_probe(struct tl_tcp_stack *st, struct sock *s)
{
	s->probe_ns = 0;
	if (s->kind != TL_TCP_FULL || !can_send_data(s) || !nothing_in_flight(s) || !data_waits(s)) {
		s->probes_out = 0;
		probe_stop(s);
		return;
	}
	int64_t now_j = jiffies_at(st, st->now_ns);
	if (!s->probes_counting) {
		s->probes_counting = true;
		s->probes_tstamp_j = now_j;
	}
	struct tl_timer_settings set = persist_settings(s);
	struct tl_persist_firing f;
	tl_timer_persist_fire(&set, now_j - s->probes_tstamp_j, s->probes_out, s->probe_backoff, &f);
	if (f.action == TL_PERSIST_GIVE_UP) {
		give_up(st, s, f.why); /* tcp_write_err(): no RST */
		return;
	}
	send_probe0(st, s);
	if (!nothing_in_flight(s)) { /* data went out: the retransmission timer watches it */
		s->probes_out = 0;
		probe_stop(s);
		return;
	}
	s->probes_out++;
	s->probe_backoff = f.backoff;
	probe_arm(st, s, f.next_j);
}

/*
 * tcp_ack_probe(): an ACK that finds nothing in flight and data waiting.
 * A window that takes the next segment ends the probing (push() sends
 * it); otherwise the timer waits the backed-off gap again, from now.
 */
static void ack_probe(struct tl_tcp_stack *st, struct sock *s)
{
	if (!data_waits(s))
		return;
	uint32_t head = min_u32(data_end(s) - s->snd_nxt, mss_payload(st, s));
	if (!seq_gt(s->snd_nxt + head, s->snd_una + s->snd_wnd)) {
		probe_stop(s);
		return;
	}
	struct tl_timer_settings set = persist_settings(s);
	int64_t since_j = s->probes_counting ? jiffies_at(st, st->now_ns) - s->probes_tstamp_j : -1;
	probe_arm(st, s, tl_timer_persist_when_j(&set, s->probe_backoff, since_j, NULL));
}

/* ---- request sockets: the SYN-ACK exchange is timer_model's ---- */

static int predict_exchange(struct tl_tcp_stack *st, const struct sock *req)
{
	char why[256];
	if (tl_timer_predict_synack_exchange(&req->timers, 0, req->dup_syn_ms, req->n_dup_syn, st->xchg, why,
					     sizeof(why)) == 0)
		return 0;
	fail(st, why);
	return -1;
}

/* The request timer's firing number synack_fired (a SYN-ACK, or the drop) in the predicted exchange. */
static const struct tl_timer_synack_event *next_timer_event(const struct tl_tcp_stack *st, const struct sock *req)
{
	unsigned seen = 0;
	for (size_t i = 0; i < st->xchg->n_events; i++) {
		const struct tl_timer_synack_event *e = &st->xchg->events[i];
		if (e->request != 0 || (e->kind != TL_SYNACK_TIMER && e->kind != TL_SYNACK_DROP))
			continue;
		if (seen++ == req->synack_fired)
			return e;
	}
	return NULL;
}

static void request_arm(struct tl_tcp_stack *st, struct sock *req)
{
	const struct tl_timer_synack_event *e = predict_exchange(st, req) == 0 ? next_timer_event(st, req) : NULL;
	req->rtx.deadline_ns = e ? req->rtx.base_ns + (uint64_t)e->at_ms * NS_PER_MS : 0;
	if (e && req->rtx.deadline_ns <= st->now_ns)
		req->rtx.deadline_ns = tick_deadline(st, st->now_ns, 1);
	armed(st, req);
}

static void send_synack(struct tl_tcp_stack *st, struct sock *req, bool again)
{
	if (again) {
		struct tl_tcp_note n = note_for(st, req, TL_TCP_NOTE_RETRANS);
		n.retrans = TL_RETRANS_SYNACK;
		emit(st, &n);
	}
	xmit(st, req, req->iss, NULL, 0, TL_TH_SYN | TL_TH_ACK);
}

static size_t request_count(const struct tl_tcp_stack *st, int listener, bool young_only);

/* The SYN-ACK retries a request has: the listener's TCP_SYNCNT, else tcp_synack_retries. */
static int synack_retries(const struct sock *req)
{
	return req->timers.syncnt ? req->timers.syncnt : req->timers.synack_retries;
}

/*
 * reqsk_timer_handler(): the retries a request's timer allows. Once the
 * listener's requests are more than half its backlog (at least 8 of them
 * counted double), old requests (whose timer fired before) lose retries,
 * down to 2, for as long as they outnumber the young ones as the rule
 * counts them: a flood's requests give way sooner.
 */
static int request_retries(const struct tl_tcp_stack *st, const struct sock *req)
{
	int retries = synack_retries(req);
	const struct sock *l = sock_at(st, req->listener);
	size_t qlen = request_count(st, req->listener, false);
	size_t floor = l && l->backlog > 8 ? (size_t)l->backlog : 8;
	if (qlen * 2 <= floor)
		return retries;
	size_t young = request_count(st, req->listener, true) * 2;
	while (retries > 2 && qlen >= young) {
		retries--;
		young *= 2;
	}
	return retries;
}

static void fire_request(struct tl_tcp_stack *st, struct sock *req)
{
	const struct tl_timer_synack_event *e = predict_exchange(st, req) == 0 ? next_timer_event(st, req) : NULL;
	int configured = synack_retries(req), retries = request_retries(st, req);
	bool pruned = e && e->kind != TL_SYNACK_DROP && req->synack_fired >= (unsigned)retries;
	if (pruned) {
		timers_off(req);
		set_state(st, req, TL_CLOSE, "request dropped after %d retries, not %d: the queue is crowded with old requests",
			  retries, configured);
		return;
	}
	if (!e || e->kind == TL_SYNACK_DROP) {
		timers_off(req);
		set_state(st, req, TL_CLOSE, "request dropped: the timer used up tcp_synack_retries (%d)", configured);
		return;
	}
	req->synack_fired++;
	req->retransmits++;
	send_synack(st, req, true);
	request_arm(st, req);
}

/* A duplicate SYN: answered at once or not (tcp_invalid_ratelimit), as the exchange predicts. */
static void request_dup_syn(struct tl_tcp_stack *st, struct sock *req)
{
	/* A duplicate within the request's first tick comes before its base: at 0. */
	uint64_t since_ns = st->now_ns > req->rtx.base_ns ? st->now_ns - req->rtx.base_ns : 0;
	int64_t at_ms = (int64_t)((since_ns + NS_PER_MS / 2) / NS_PER_MS);
	if (req->n_dup_syn == MAX_DUP_SYNS)
		return; /* beyond what the model remembers: not answered */
	if (!req->dup_syn_ms && !(req->dup_syn_ms = malloc(MAX_DUP_SYNS * sizeof(*req->dup_syn_ms)))) {
		fail(st, "out of memory for a request's duplicate SYNs");
		return;
	}
	req->dup_syn_ms[req->n_dup_syn++] = at_ms;
	if (predict_exchange(st, req) < 0)
		return;
	bool answer = false;
	for (size_t i = 0; i < st->xchg->n_events; i++) {
		const struct tl_timer_synack_event *e = &st->xchg->events[i];
		if (e->request == 0 && e->at_ms == at_ms &&
		    (e->kind == TL_SYNACK_DUP_ANSWER || e->kind == TL_SYNACK_DUP_IGNORED))
			answer = e->kind == TL_SYNACK_DUP_ANSWER; /* the last one at that time is this SYN's */
	}
	if (answer)
		send_synack(st, req, true);
	request_arm(st, req);
}

/* ---- input: listeners and requests ---- */

static void negotiate(const struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *syn)
{
	s->ts_ok = st->cfg.timestamps && syn->opt.ts_set;
	s->sack_ok = st->cfg.sack && syn->opt.sack_ok;
	s->ws_ok = st->cfg.window_scaling && syn->opt.wscale_set;
	s->snd_wscale = s->ws_ok ? syn->opt.wscale : 0;
	s->rcv_wscale = s->ws_ok ? s->offered_wscale : 0;
	s->peer_mss = syn->opt.mss_set ? syn->opt.mss : MSS_DEFAULT;
	if (syn->opt.ts_set)
		s->ts_recent = syn->opt.ts_val;
}

static size_t accept_queue_len(const struct tl_tcp_stack *st, int listener)
{
	const struct sock *l = sock_at(st, listener);
	size_t n = 0;
	for (size_t i = 0; l && i < l->links.n_members; i++) {
		const struct member *m = &l->links.members[i];
		n += member_of(st, listener, m) && st->socks[m->id]->in_accept_queue;
	}
	return n;
}

/* tcp_initialize_rcv_mss(): a guess of the peer's segments, at most 536 until bigger ones arrive. */
static uint32_t initial_rcv_mss(const struct tl_tcp_stack *st, const struct sock *s)
{
	uint32_t hint = offered_mss(st, s);
	if (s->rcv_wnd / 2 < hint)
		hint = s->rcv_wnd / 2;
	if (hint > MSS_DEFAULT)
		hint = MSS_DEFAULT;
	return hint < MIN_MSS ? MIN_MSS : hint;
}

/* The peer's SYN arrived: what our SYN or SYN-ACK offers is the right edge. */
static void start_receiving(const struct tl_tcp_stack *st, struct sock *s, uint32_t irs)
{
	s->irs = irs;
	s->rcv_nxt = s->rcv_wup = irs + 1;
	s->rcv_right = s->rcv_nxt + syn_window(s);
	s->rcv_mss = initial_rcv_mss(st, s);
}

/* ---- the SYN queue and SYN cookies ---- */

#define COOKIE_BITS 24			 /* COOKIEBITS: below them the MSS index, under a hash */
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1)
#define COOKIE_PERIOD_NS (60 * NS_PER_S) /* TCP_SYNCOOKIE_PERIOD: a cookie carries the period it was made in */
#define COOKIE_MAX_AGE 2		 /* MAX_SYNCOOKIE_AGE: periods a cookie stays good, and a listener alert */
#define COOKIE_TS_BITS 6		 /* TSBITS: a cookie SYN-ACK's timestamp carries the SYN's options */
#define COOKIE_TS_NO_WSCALE 0xfu	 /* TS_OPT_WSCALE_MASK: the SYN offered no window scale */
#define COOKIE_TS_SACK (1u << 4)	 /* TS_OPT_SACK */
#define COOKIE_MSS_VALUES 4

/* The MSS values a cookie can carry: msstab of syncookies.c, and of its IPv6 twin (MTU less 60). */
static const uint16_t cookie_msstab_v4[COOKIE_MSS_VALUES] = { 536, 1300, 1440, 1460 };
static const uint16_t cookie_msstab_v6[COOKIE_MSS_VALUES] = { 1280 - 60, 1480 - 60, 1500 - 60, 9000 - 60 };

static const uint16_t *cookie_msstab(const struct tl_tuple *t)
{
	return tl_tuple_family(t) == AF_INET6 ? cookie_msstab_v6 : cookie_msstab_v4;
}

/*
 * cookie_hash(): a hash of the connection's addresses and ports (and, for
 * the second one, the period), keyed by the seed where the kernel keys it
 * with a secret of its own. t is the listener's view (s = local).
 */
static uint32_t cookie_hash(const struct tl_tcp_stack *st, const struct tl_tuple *t, uint32_t count, uint64_t which)
{
	uint64_t h = mix64(st->cfg.seed ^ (which << 32 | count));
	for (size_t i = 0; i < sizeof(t->saddr.b); i++)
		h = mix64(h ^ ((uint64_t)t->saddr.b[i] << 8 | t->daddr.b[i]));
	return (uint32_t)mix64(h ^ ((uint64_t)t->sport << 16 | t->dport));
}

static uint32_t cookie_period(const struct tl_tcp_stack *st)
{
	return (uint32_t)(st->now_ns / COOKIE_PERIOD_NS);
}

/* secure_tcp_syn_cookie(): an ISN that holds the MSS index and its period, so nothing need be kept. */
static uint32_t cookie_make(const struct tl_tcp_stack *st, const struct tl_tuple *t, uint32_t peer_isn,
			    uint32_t mss_index)
{
	uint32_t count = cookie_period(st);
	return cookie_hash(st, t, 0, 0) + peer_isn + (count << COOKIE_BITS) +
	       ((cookie_hash(st, t, count, 1) + mss_index) & COOKIE_MASK);
}

/*
 * check_tcp_syn_cookie(), __cookie_v4_check(): the MSS the cookie an ACK
 * returns (its ack less one) holds, or 0 when it holds none: forged, or
 * made COOKIE_MAX_AGE periods ago or more.
 */
static uint16_t cookie_check(const struct tl_tcp_stack *st, const struct tl_tuple *t, const struct tl_tcp_seg *ack)
{
	uint32_t count = cookie_period(st);
	uint32_t rest = ack->ack - 1 - (cookie_hash(st, t, 0, 0) + (ack->seq - 1));
	uint32_t age = (count - (rest >> COOKIE_BITS)) & (UINT32_MAX >> COOKIE_BITS);
	if (age >= COOKIE_MAX_AGE)
		return 0;
	uint32_t index = (rest - cookie_hash(st, t, count - age, 1)) & COOKIE_MASK;
	return index < COOKIE_MSS_VALUES ? cookie_msstab(t)[index] : 0;
}

/* The largest MSS a cookie can carry that the peer's does not exceed; the smallest when none fits. */
static uint32_t cookie_mss_index(const struct tl_tuple *t, uint32_t peer_mss)
{
	uint32_t i = COOKIE_MSS_VALUES - 1;
	while (i > 0 && peer_mss < cookie_msstab(t)[i])
		i--;
	return i;
}

/* secure_tcp_ts_off(): a connection's timestamp offset from its addresses, the same at SYN and ACK. */
static uint32_t cookie_ts_offset(const struct tl_tcp_stack *st, const struct tl_tuple *t)
{
	return cookie_hash(st, t, 0, 2);
}

/*
 * cookie_init_timestamp(): a cookie SYN-ACK's timestamp is now (ms) with its
 * low bits replaced by the options the SYN offered (its window scale, SACK),
 * and never later than now; the ACK's echo brings them back.
 */
static uint32_t cookie_ts_ms(const struct tl_tcp_stack *st, const struct sock *req)
{
	uint32_t options = req->ws_ok ? req->snd_wscale : COOKIE_TS_NO_WSCALE;
	if (req->sack_ok)
		options |= COOKIE_TS_SACK;
	uint64_t now = st->now_ns / NS_PER_MS;
	uint64_t ts = (now >> COOKIE_TS_BITS << COOKIE_TS_BITS) | options;
	if (ts > now)
		ts -= 1u << COOKIE_TS_BITS;
	return (uint32_t)ts;
}

/*
 * cookie_timestamp_decode(): the options an ACK's echoed timestamp brings
 * back. Without timestamps there are none (the cookie SYN-ACK offered none
 * either). False when they ask for one this host has switched off since.
 */
static bool cookie_options(const struct tl_tcp_stack *st, struct sock *req, const struct tl_tcp_seg *ack)
{
	if (!st->cfg.timestamps || !ack->opt.ts_set)
		return true;
	uint32_t options = ack->opt.ts_ecr - req->ts_offset;
	req->ts_ok = true;
	req->ts_recent = ack->opt.ts_val;
	req->sack_ok = options & COOKIE_TS_SACK;
	if (req->sack_ok && !st->cfg.sack)
		return false;
	if ((options & COOKIE_TS_NO_WSCALE) == COOKIE_TS_NO_WSCALE)
		return true;
	req->ws_ok = true;
	req->snd_wscale = (uint8_t)(options & COOKIE_TS_NO_WSCALE);
	return st->cfg.window_scaling;
}

/* tcp_synq_overflow(): the listener sent a cookie; the time is refreshed at most once a second. */
static void cookie_sent(struct tl_tcp_stack *st, struct sock *l)
{
	uint64_t now = tick_floor(st, st->now_ns);
	if (!l->synq_overflowed || now > l->synq_overflow_ns + NS_PER_S) {
		l->synq_overflowed = true;
		l->synq_overflow_ns = now;
	}
	st->mib[MIB_SYNCOOKIES_SENT]++; /* cookie_init_sequence() */
}

/* !tcp_synq_no_recent_overflow(): a cookie went out within TCP_SYNCOOKIE_VALID (2 min). */
static bool cookies_sent_lately(const struct tl_tcp_stack *st, const struct sock *l)
{
	uint64_t now = tick_floor(st, st->now_ns);
	return l->synq_overflowed && now + NS_PER_S >= l->synq_overflow_ns &&
	       now <= l->synq_overflow_ns + COOKIE_MAX_AGE * COOKIE_PERIOD_NS;
}

/* inet_csk_reqsk_queue_len(), or with young_only reqsk_queue_len_young(): requests whose timer never fired. */
static size_t request_count(const struct tl_tcp_stack *st, int listener, bool young_only)
{
	const struct sock *l = sock_at(st, listener);
	size_t n = 0;
	for (size_t i = 0; l && i < l->links.n_members; i++) {
		const struct member *m = &l->links.members[i];
		const struct sock *s = member_of(st, listener, m) ? st->socks[m->id] : NULL;
		n += s && s->kind == TL_TCP_REQUEST && s->state != TL_CLOSE && (!young_only || s->synack_fired == 0);
	}
	return n;
}

/* Only a table capped by cfg.max_socks fills up: the kernel's has no such limit. */
static bool table_full(const struct tl_tcp_stack *st)
{
	return st->cfg.max_socks && st->n_live >= st->cfg.max_socks;
}

/* sk_acceptq_is_full(): full once it holds more than the backlog, so backlog 0 takes one. */
static bool accept_queue_full(const struct tl_tcp_stack *st, const struct sock *l, int lid)
{
	return accept_queue_len(st, lid) > (size_t)l->backlog;
}

static void listen_overflow(struct tl_tcp_stack *st)
{
	st->mib[MIB_LISTEN_OVERFLOWS]++;
	st->mib[MIB_LISTEN_DROPS]++; /* tcp_listendrop() */
}

/*
 * inet_csk_reqsk_queue_is_full(): more requests than the backlog, as for the
 * accept queue. A socket table with no room left (cfg.max_socks) counts as
 * full too, so a flood runs on, but the kernel's queue was not full then: the
 * stack records the failure, and the run is no longer the kernel's.
 */
static bool syn_queue_full(struct tl_tcp_stack *st, const struct sock *l, int lid)
{
	if (request_count(st, lid, false) > (size_t)l->backlog)
		return true;
	if (!table_full(st))
		return false;
	char why[160];
	tl_textf(why, sizeof(why),
		 "a SYN found the model's socket table full (%zu sockets): it was handled as if the SYN queue "
		 "were full, which the kernel's was not",
		 st->cfg.max_socks);
	fail(st, why);
	return true;
}

/*
 * tcp_conn_request()'s rules without tcp_peer_is_proven(): the model keeps
 * no TCP metrics, so no peer is proven. tcp_max_syn_backlog acts only
 * without cookies, keeping its last quarter free; int arithmetic as the
 * kernel's (which wraps).
 */
static bool syn_backlog_exhausted(const struct tl_tcp_stack *st, size_t qlen)
{
	int max = st->cfg.max_syn_backlog;
	int32_t room = (int32_t)((uint32_t)max - (uint32_t)qlen);
	return room < (max >> 2);
}

enum syn_verdict { SYN_REQUEST, SYN_COOKIE, SYN_DROP };

/*
 * tcp_conn_request(): what a SYN gets. isn != 0 (a time-wait socket gave
 * way) skips the SYN queue's limits: that peer is evidently real. Every
 * drop counts TcpExtListenDrops.
 */
static enum syn_verdict admit_syn(struct tl_tcp_stack *st, struct sock *l, int lid, uint32_t isn)
{
	const struct tl_tcp_config *c = &st->cfg;
	bool want_cookie = false;
	if (!isn && (c->syncookies == 2 || syn_queue_full(st, l, lid))) {
		/* tcp_syn_flood_action(): cookies if they are on at all, else the SYN goes */
		if (!c->syncookies) {
			st->mib[MIB_REQQ_FULL_DROP]++;
			st->mib[MIB_LISTEN_DROPS]++;
			return SYN_DROP;
		}
		st->mib[MIB_REQQ_FULL_DO_COOKIES]++;
		want_cookie = true;
	}
	if (accept_queue_full(st, l, lid)) {
		listen_overflow(st);
		return SYN_DROP;
	}
	if (want_cookie)
		return SYN_COOKIE;
	if (!isn && !c->syncookies && syn_backlog_exhausted(st, request_count(st, lid, false))) {
		st->mib[MIB_LISTEN_DROPS]++;
		return SYN_DROP;
	}
	if (table_full(st)) { /* only a time-wait SYN gets here with no room: the kernel would take it */
		fail(st, "a SYN that took over a time-wait pair found the model's socket table full");
		st->mib[MIB_LISTEN_DROPS]++;
		return SYN_DROP;
	}
	return SYN_REQUEST;
}

/* A request of listener l for the peer that sent seg: it inherits the listener's owner and options. */
static void request_of(struct sock *req, const struct sock *l, int lid, const struct tl_tcp_seg *seg)
{
	req->tuple = tl_tuple_reverse(&seg->tuple);
	req->listener = lid;
	req->owner = l->owner;
	req->timers = l->timers;
	req->opts = l->opts;
}

/*
 * What tcp_conn_request() makes of a SYN: addresses, the options agreed,
 * the window. A cookie keeps options only inside its timestamp, so without
 * one it offers none (tcp_clear_options()).
 */
static void request_init(const struct tl_tcp_stack *st, struct sock *req, const struct sock *l, int lid,
			 const struct tl_tcp_seg *seg, bool cookie)
{
	request_of(req, l, lid, seg);
	negotiate(st, req, seg);
	if (cookie && !req->ts_ok) {
		req->sack_ok = req->ws_ok = false;
		req->snd_wscale = 0;
	}
	/* tcp_openreq_init_rwin(): the listener's buffer and MSS, less the timestamps the SYN asked for */
	initial_window(st, req, offered_mss(st, req) - (req->ts_ok ? TS_OPTION_BYTES : 0));
	req->rcv_wscale = req->ws_ok ? req->offered_wscale : 0;
	start_receiving(st, req, seg->seq);
}

/*
 * tcp_conn_request() with want_cookie: the SYN-ACK's ISN is the cookie and
 * nothing is kept (ss lists no SYN-RECV); the request lives on this stack
 * frame for the one segment, so no timer repeats it.
 */
static void send_cookie_synack(struct tl_tcp_stack *st, struct sock *l, int lid, const struct tl_tcp_seg *seg)
{
	struct sock req;
	memset(&req, 0, sizeof(req));
	req.kind = TL_TCP_REQUEST;
	request_init(st, &req, l, lid, seg, true);
	uint32_t mss = req.opts.user_mss && req.opts.user_mss < req.peer_mss ? req.opts.user_mss : req.peer_mss;
	req.iss = cookie_make(st, &req.tuple, seg->seq, cookie_mss_index(&req.tuple, mss));
	/* ts_now() adds the offset to now: this one makes it the cookie's timestamp */
	req.ts_offset = cookie_ts_offset(st, &req.tuple) + cookie_ts_ms(st, &req) - (uint32_t)(st->now_ns / NS_PER_MS);
	req.state = TL_SYN_RECV;
	cookie_sent(st, l);
	xmit(st, &req, req.iss, NULL, 0, TL_TH_SYN | TL_TH_ACK);
}

/* tcp_conn_request(): a SYN on a listener makes a request socket and its SYN-ACK, or a cookie. */
static void listen_syn(struct tl_tcp_stack *st, struct sock *l, const struct tl_tcp_seg *seg, uint32_t isn)
{
	int lid = sock_id(st, l);
	enum syn_verdict verdict = admit_syn(st, l, lid, isn);
	if (verdict == SYN_COOKIE)
		send_cookie_synack(st, l, lid, seg);
	if (verdict != SYN_REQUEST)
		return;
	struct sock *req = sock_new(st, TL_TCP_REQUEST, NULL);
	if (!req)
		return; /* out of memory */
	req->iss = isn ? isn : (uint32_t)next_random(st);
	req->ts_offset = (uint32_t)next_random(st);
	request_init(st, req, l, lid, seg, false);
	sock_rehash(st, req);
	listener_adopt(st, l, req);
	req->state = TL_LISTEN;
	set_state(st, req, TL_SYN_RECV, "request socket made by this SYN (ss lists SYN-RECV)");
	send_synack(st, req, false);
	/* As rtx_start() counts: from the first tick at or after now. */
	req->rtx.base_ns = tick_ceil(st, st->now_ns);
	request_arm(st, req);
}

static struct sock *make_child(struct tl_tcp_stack *st, struct sock *req, const struct tl_tcp_seg *seg);
static void child_established(struct tl_tcp_stack *st, struct sock *c, const struct tl_tcp_seg *seg);

/*
 * cookie_v4_check(): the request a good cookie stands for, rebuilt from the
 * ACK: the cookie's MSS (not the peer's), the options its timestamp echoes,
 * and a window sized by that MSS, as cookie_v4_check() sizes it. False when
 * the options cannot be had.
 */
static bool cookie_request(const struct tl_tcp_stack *st, const struct sock *l, int lid,
			   const struct tl_tcp_seg *ack, uint16_t mss, struct sock *req)
{
	memset(req, 0, sizeof(*req));
	req->kind = TL_TCP_REQUEST;
	request_of(req, l, lid, ack);
	req->iss = ack->ack - 1;
	req->ts_offset = cookie_ts_offset(st, &req->tuple);
	if (!cookie_options(st, req, ack))
		return false;
	req->peer_mss = mss;
	initial_window(st, req, mss);
	req->rcv_wscale = req->ws_ok ? req->offered_wscale : 0;
	start_receiving(st, req, ack->seq - 1);
	req->state = TL_SYN_RECV;
	return true;
}

/*
 * tcp_v4_cookie_check(): an ACK that no request knows may return a cookie
 * this listener sent lately. True when it did: the child goes straight to
 * ESTABLISHED and the accept queue, or is dropped if that queue is full.
 * False leaves the ACK to the listener, which resets it.
 */
static bool cookie_ack(struct tl_tcp_stack *st, struct sock *l, const struct tl_tcp_seg *seg)
{
	if (!st->cfg.syncookies || !cookies_sent_lately(st, l))
		return false;
	int lid = sock_id(st, l);
	struct tl_tuple t = tl_tuple_reverse(&seg->tuple);
	uint16_t mss = cookie_check(st, &t, seg);
	if (!mss) {
		st->mib[MIB_SYNCOOKIES_FAILED]++;
		return false;
	}
	st->mib[MIB_SYNCOOKIES_RECV]++;
	struct sock req;
	if (!cookie_request(st, l, lid, seg, mss, &req))
		return false;
	if (accept_queue_full(st, l, lid)) {
		listen_overflow(st); /* tcp_v4_syn_recv_sock(): the ACK is dropped, no RST */
		return true;
	}
	struct sock *c = make_child(st, &req, seg);
	if (!c) {
		fail(st, "a valid SYN cookie found the model's socket table full: its connection was dropped");
		return true;
	}
	c->state = TL_LISTEN; /* the child's tracepoint says LISTEN -> SYN_RECV when it is made */
	set_state(st, c, TL_SYN_RECV, "child made from a valid SYN cookie (no request socket was kept)");
	child_established(st, c, seg);
	return true;
}

static void listen_input(struct tl_tcp_stack *st, struct sock *l, const struct tl_tcp_seg *seg, uint32_t isn)
{
	if (seg->flags & TL_TH_RST)
		return;
	if ((seg->flags & TL_TH_ACK) && !(seg->flags & TL_TH_SYN) && cookie_ack(st, l, seg))
		return;
	if (seg->flags & TL_TH_ACK) {
		reply_reset(st, seg, l); /* an ACK for a connection the listener does not know */
		return;
	}
	if ((seg->flags & TL_TH_SYN) && !(seg->flags & TL_TH_FIN))
		listen_syn(st, l, seg, isn);
}

static void process_text(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg);

/* tcp_check_req() accepted the ACK: the request becomes a full child socket in the accept queue. */
static struct sock *make_child(struct tl_tcp_stack *st, struct sock *req, const struct tl_tcp_seg *seg)
{
	int id;
	struct sock *c = sock_new(st, TL_TCP_FULL, &id);
	if (!c)
		return NULL;
	uint64_t cookie = c->cookie;
	struct sock_links links = c->links;
	*c = *req; /* a cookie's request lives on the caller's stack frame: nothing in it is owned */
	c->cookie = cookie;
	c->links = links;
	/* The child takes the request's sent SYN-ACK over (its ACK is an RTT sample); the duplicate SYNs stay the
	 * request's, freed with it. */
	req->sent = NULL;
	req->n_sent = 0;
	c->dup_syn_ms = NULL;
	c->n_dup_syn = 0;
	sock_rehash(st, c);
	own_port(st, c); /* a child shares its listener's bind bucket (__inet_inherit_port()) */
	c->kind = TL_TCP_FULL;
	c->state = TL_SYN_RECV;
	c->retransmits = 0;
	timers_off(c);
	c->snd_una = c->snd_nxt = c->snd_max = c->snd_sml = c->snd_buf_seq = req->iss + 1;
	rtt_acked(st, c, req->iss, req->iss + 1); /* tcp_synack_rtt_meas() */
	peer_window(c, (uint32_t)seg->window << c->snd_wscale);
	c->in_accept_queue = true;
	c->accept_order = ++st->next_accept_order;
	st->mib[MIB_PASSIVE_OPENS]++; /* tcp_create_openreq_child() */
	c->connect_rc = 0;
	req->state = TL_CLOSE; /* it lives on as the child: no note of its own */
	req->rtx.deadline_ns = 0;
	reap_later(st, req);
	struct sock *l = sock_at(st, c->listener);
	if (l)
		listener_adopt(st, l, c);
	return c;
}

/* The final ACK made the child: it is ESTABLISHED and takes what the ACK carries. */
static void child_established(struct tl_tcp_stack *st, struct sock *c, const struct tl_tcp_seg *seg)
{
	set_state(st, c, TL_ESTABLISHED, NULL);
	keepalive_start(st, c);
	process_text(st, c, seg);
	ack_check(st, c);
}

/*
 * tcp_check_req() found the accept queue full (tcp_v4_syn_recv_sock()):
 * with tcp_abort_on_overflow the peer gets a RST and the request goes;
 * without, the ACK is ignored and the request's SYN-ACKs go on, so a later
 * ACK may find room.
 */
static void request_overflow(struct tl_tcp_stack *st, struct sock *req, const struct tl_tcp_seg *seg)
{
	listen_overflow(st);
	if (!st->cfg.abort_on_overflow)
		return;
	reply_reset(st, seg, req);
	timers_off(req);
	set_state(st, req, TL_CLOSE, "request dropped: the accept queue was full (tcp_abort_on_overflow)");
}

static void request_input(struct tl_tcp_stack *st, struct sock *req, const struct tl_tcp_seg *seg)
{
	if (seg->flags & TL_TH_RST) {
		if (seg->seq == req->rcv_nxt) {
			timers_off(req);
			set_state(st, req, TL_CLOSE, "request socket reset by the peer");
		}
		return;
	}
	if (seg->flags & TL_TH_SYN) {
		if (!(seg->flags & TL_TH_ACK) && seg->seq == req->irs)
			request_dup_syn(st, req);
		return;
	}
	if (!(seg->flags & TL_TH_ACK))
		return;
	struct sock *l = sock_at(st, req->listener);
	if (seg->ack != req->iss + 1) {
		/* tcp_check_req() hands it to the listener: a cookie check, then a RST */
		if (l)
			listen_input(st, l, seg, 0);
		else
			reply_reset(st, seg, req);
		return;
	}
	if (l && accept_queue_full(st, l, req->listener)) {
		request_overflow(st, req, seg);
		return;
	}
	if (seg->opt.ts_set)
		req->ts_recent = seg->opt.ts_val;
	struct sock *c = make_child(st, req, seg);
	if (!c) {
		fail(st, "a final ACK found the model's socket table full: its child was not made");
		return;
	}
	child_established(st, c, seg);
}

/* ---- input: the connecting side ---- */

/* tcp_reset(): an accepted RST ends the connection; the error depends on the state. */
static void got_reset(struct tl_tcp_stack *st, struct sock *s)
{
	struct tl_tcp_note n = note_for(st, s, TL_TCP_NOTE_RESET_RECEIVED);
	int err = s->state == TL_SYN_SENT ? ECONNREFUSED : s->state == TL_CLOSE_WAIT ? EPIPE : ECONNRESET;
	emit(st, &n);
	if (s->connect_rc == -EINPROGRESS)
		s->connect_rc = -err;
	if (!s->orphan && s->kind == TL_TCP_FULL)
		s->err = err; /* also for a child not accepted yet: accept() then recv() report it */
	s->snd_len = 0; /* the write queue is purged; what was received stays readable */
	s->snd_buf_seq = s->snd_nxt;
	sock_done(st, s, "RST received");
}

static void synsent_established(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	negotiate(st, s, seg);
	start_receiving(st, s, seg->seq);
	s->snd_una = seg->ack;
	rtt_acked(st, s, s->iss, seg->ack);
	peer_window(s, seg->window); /* a SYN-ACK's window is never scaled */
	rtx_stop(s);
	s->retransmits = 0;
	s->connect_rc = 0;
	set_state(st, s, TL_ESTABLISHED, NULL);
	keepalive_start(st, s);
	send_ack(st, s); /* the handshake's third leg leaves at once */
	push(st, s);
}

/* tcp_rcv_synsent_state_process() */
static void synsent_input(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (seg->flags & TL_TH_ACK) {
		if (seg->ack != s->snd_nxt) {
			reply_reset(st, seg, s);
			return;
		}
		if (seg->flags & TL_TH_RST) {
			got_reset(st, s);
			return;
		}
		if (seg->flags & TL_TH_SYN)
			synsent_established(st, s, seg);
		return;
	}
	if ((seg->flags & (TL_TH_SYN | TL_TH_RST)) != TL_TH_SYN)
		return;
	/* Simultaneous open: both SYNs crossed. */
	negotiate(st, s, seg);
	start_receiving(st, s, seg->seq);
	set_state(st, s, TL_SYN_RECV, "simultaneous open: the peer's SYN crossed ours");
	xmit(st, s, s->iss, NULL, 0, TL_TH_SYN | TL_TH_ACK);
}

/* ---- input: synchronized states ---- */

/* tcp_sequence(): not entirely before what we acknowledged, not beyond the window. */
static bool seq_acceptable(const struct sock *s, const struct tl_tcp_seg *seg)
{
	uint32_t end = seg->seq + seq_space(seg);
	uint32_t wnd = seq_gt(s->rcv_right, s->rcv_nxt) ? s->rcv_right - s->rcv_nxt : 0;
	return !seq_lt(end, s->rcv_wup) && !seq_gt(seg->seq, s->rcv_nxt + wnd);
}

/* tcp_oow_rate_limited(): at most one answer to a pure ACK or SYN per tcp_invalid_ratelimit. */
static bool oow_rate_limited(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (seq_space(seg) && !(seg->flags & TL_TH_SYN))
		return false; /* data or FIN: always answered */
	uint64_t limit_ns = (uint64_t)s->timers.invalid_ratelimit_ms * NS_PER_MS;
	if (s->last_oow_ack_ns && st->now_ns - s->last_oow_ack_ns < limit_ns)
		return true;
	s->last_oow_ack_ns = st->now_ns;
	return false;
}

static void oow_ack(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (!oow_rate_limited(st, s, seg))
		send_ack(st, s);
}

/* tcp_send_challenge_ack(): counted only when it leaves. */
static void challenge_ack(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (oow_rate_limited(st, s, seg))
		return;
	st->mib[MIB_CHALLENGE_ACK]++;
	send_ack(st, s);
}

/* A SYN on a synchronized connection, in the window or not (tcp_validate_incoming's syn_challenge). */
static void syn_challenge(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	st->mib[MIB_SYN_CHALLENGE]++;
	challenge_ack(st, s, seg);
}

/* tcp_validate_incoming(): sequence check, RST (RFC 5961: exact or challenged), stray SYN. */
static bool validate(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (!seq_acceptable(s, seg)) {
		if (seg->flags & TL_TH_SYN)
			syn_challenge(st, s, seg);
		else if (!(seg->flags & TL_TH_RST))
			oow_ack(st, s, seg); /* out of window: a duplicate ACK */
		return false;
	}
	if (seg->flags & TL_TH_RST) {
		if (seg->seq == s->rcv_nxt)
			got_reset(st, s);
		else
			challenge_ack(st, s, seg); /* in the window but not exact */
		return false;
	}
	if (seg->flags & TL_TH_SYN) {
		syn_challenge(st, s, seg);
		return false;
	}
	if (seg->opt.ts_set && s->ts_ok && seq_le(seg->seq, s->rcv_nxt))
		s->ts_recent = seg->opt.ts_val;
	return true;
}

static void drop_acked(struct tl_tcp_stack *st, struct sock *s, uint32_t ack)
{
	uint32_t upto = seq_lt(ack, data_end(s)) ? ack : data_end(s);
	if (seq_gt(upto, s->snd_buf_seq)) {
		size_t n = upto - s->snd_buf_seq;
		memmove(s->sndbuf, s->sndbuf + n, s->snd_len - n);
		s->snd_len -= n;
		s->snd_buf_seq = upto;
	}
	uint32_t old_una = s->snd_una;
	s->snd_una = ack;
	rtt_acked(st, s, old_una, ack);
	if (seq_gt(ack, s->snd_nxt))
		s->snd_nxt = ack; /* a copy sent before the timeout arrived after all */
	s->retransmits = 0;
	if (s->snd_una == s->snd_max)
		rtx_stop(s);
	else
		rtx_start(st, s); /* tcp_rearm_rto(): the rest waits one RTO from now */
}

/* The FIN we sent is acknowledged: FIN-WAIT-1, CLOSING and LAST-ACK move on. False: the socket is gone. */
static bool our_fin_acked(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	switch (s->state) {
	case TL_FIN_WAIT1:
		set_state(st, s, TL_FIN_WAIT2, NULL);
		if (!s->orphan)
			return true;
		if (seg->payload_len && seq_gt(seg->seq + seg->payload_len, s->rcv_nxt)) {
			sock_done(st, s, "orphan received new data: RST");
			reply_reset(st, seg, s);
			return false;
		}
		if (!orphan_fin_wait2(st, s, seg->flags & TL_TH_FIN)) {
			reply_reset(st, seg, s);
			return false;
		}
		return s->kind == TL_TCP_FULL && s->state != TL_CLOSE; /* CLOSE: no time-wait socket was left */
	case TL_CLOSING:
		enter_time_wait(st, s);
		return false;
	case TL_LAST_ACK:
		sock_done(st, s, NULL);
		return false;
	default:
		return true;
	}
}

/* tcp_ack(). False when the segment is to be discarded or the socket is gone. */
static bool process_ack(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (seq_gt(seg->ack, s->snd_max)) {
		challenge_ack(st, s, seg); /* acknowledges what was never sent: discard */
		return false;
	}
	if (seq_lt(seg->ack, s->snd_una))
		return true; /* an old ACK: the rest of the segment still counts */
	heard_from_peer(st, s);
	bool was_idle = nothing_in_flight(s); /* !prior_packets */
	peer_window(s, (uint32_t)seg->window << s->snd_wscale);
	if (seq_gt(seg->ack, s->snd_una))
		drop_acked(st, s, seg->ack);
	if (was_idle && s->kind == TL_TCP_FULL)
		ack_probe(st, s);
	if (s->fin_queued && s->snd_una == s->fin_seq + 1)
		return our_fin_acked(st, s, seg);
	return true;
}

/* tcp_fin(): what the peer's FIN does in each state. */
static void peer_fin(struct tl_tcp_stack *st, struct sock *s)
{
	s->fin_rcvd = true;
	switch (s->state) {
	case TL_SYN_RECV:
	case TL_ESTABLISHED:
		set_state(st, s, TL_CLOSE_WAIT, NULL);
		s->pingpong = true; /* the ACK may wait for the application's answer */
		break;
	case TL_FIN_WAIT1:
		send_ack(st, s);
		set_state(st, s, TL_CLOSING, "simultaneous close: both FINs crossed");
		break;
	case TL_FIN_WAIT2:
		send_ack(st, s);
		enter_time_wait(st, s);
		break;
	default:
		break;
	}
}

static void queue_data(struct tl_tcp_stack *st, struct sock *s, const uint8_t *bytes, uint32_t len)
{
	/* What the window offered is taken, even the part a rounded-up window promised beyond the buffer. */
	uint32_t room = seq_gt(s->rcv_right, s->rcv_nxt) ? s->rcv_right - s->rcv_nxt : 0;
	/* ... up to the receive buffer (sk_rcvbuf); tcp_try_rmem_schedule() drops the rest. */
	size_t limit = s->opts.rcvbuf;
	room = s->rcv_len >= limit ? 0 : min_u32(room, (uint32_t)(limit - s->rcv_len));
	len = min_u32(len, room);
	if (!len)
		return;
	if (s->rcv_len + len > s->rcv_cap) {
		size_t cap = s->rcv_cap ? s->rcv_cap * 2 : 4096;
		while (cap < s->rcv_len + len)
			cap *= 2;
		uint8_t *grown = realloc(s->rcvbuf, cap);
		if (!grown) {
			fail(st, "out of memory for received data");
			return;
		}
		s->rcvbuf = grown;
		s->rcv_cap = cap;
	}
	memcpy(s->rcvbuf + s->rcv_len, bytes, len);
	s->rcv_len += len;
	s->rcv_nxt += len;
	data_received(st, s, len);
}

/*
 * tcp_dsack_set(): with SACK negotiated (and tcp_dsack, default 1, which the
 * model does not let a scenario change), the part of a segment that was
 * received already is reported in a D-SACK block (RFC 2883) on the next ACK.
 */
static void dsack_set(struct sock *s, uint32_t start, uint32_t end)
{
	if (!s->sack_ok)
		return;
	s->dsack = true;
	s->dsack_start = start;
	s->dsack_end = end;
}

/* tcp_data_queue(): in-order data and FIN; anything else gets a duplicate ACK at once. */
static void data_queue(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	uint32_t end = seg->seq + seq_space(seg);
	if (!seq_gt(end, s->rcv_nxt)) {
		/* A retransmission of what we have (a FIN resent because our ACK was late or lost). */
		dsack_set(s, seg->seq, end);
		send_ack(st, s);
		return;
	}
	if (seq_gt(seg->seq, s->rcv_nxt)) {
		/* Out of order: no reassembly queue (and so no SACK block) in the model; ACK now. */
		send_ack(st, s);
		return;
	}
	if (seq_lt(seg->seq, s->rcv_nxt))
		dsack_set(s, seg->seq, s->rcv_nxt); /* partly old: the old part is the duplicate */
	uint32_t skip = s->rcv_nxt - seg->seq;
	if (seg->payload_len > skip)
		queue_data(st, s, seg->payload + skip, seg->payload_len - skip);
	s->ack_pending = true;
	if ((seg->flags & TL_TH_FIN) && s->rcv_nxt == end - 1) {
		s->rcv_nxt = end;
		peer_fin(st, s);
	}
}

/* Step 7 of tcp_rcv_state_process(): the segment's text. */
static void process_text(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (!seg->payload_len && !(seg->flags & TL_TH_FIN))
		return;
	switch (s->state) {
	case TL_CLOSE_WAIT:
	case TL_CLOSING:
	case TL_LAST_ACK:
		if (!seq_lt(seg->seq, s->rcv_nxt))
			return; /* the peer already sent its FIN: nothing new can follow */
		break;
	case TL_FIN_WAIT1:
	case TL_FIN_WAIT2:
		/* RFC 1122: data for a socket closed for reading is answered with a reset. */
		if (s->rcv_shut && seg->payload_len &&
		    seq_gt(seg->seq + seg->payload_len, s->rcv_nxt)) {
			sock_done(st, s, "data arrived after close(): RST");
			reply_reset(st, seg, s);
			return;
		}
		break;
	case TL_ESTABLISHED:
		break;
	default:
		return;
	}
	data_queue(st, s, seg);
}

/* The full socket in SYN_RECV after a simultaneous open. False: discard the rest. */
static bool synrecv_input(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	bool synack = (seg->flags & (TL_TH_SYN | TL_TH_ACK)) == (TL_TH_SYN | TL_TH_ACK);
	if (synack && seg->seq == s->irs && seg->ack == s->snd_nxt) {
		/* The peer's SYN-ACK: established, and its SYN is old news, so ACK it at once. */
		s->snd_una = seg->ack;
		peer_window(s, seg->window);
		rtx_stop(s);
		s->connect_rc = 0;
		set_state(st, s, TL_ESTABLISHED, NULL);
		send_ack(st, s);
		return false;
	}
	if (!validate(st, s, seg) || !(seg->flags & TL_TH_ACK))
		return false;
	if (seg->ack != s->snd_nxt) {
		reply_reset(st, seg, s);
		return false;
	}
	s->snd_una = seg->ack;
	peer_window(s, (uint32_t)seg->window << s->snd_wscale);
	rtx_stop(s);
	s->connect_rc = 0;
	set_state(st, s, TL_ESTABLISHED, NULL);
	return true;
}

static void full_input(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	switch (s->state) {
	case TL_LISTEN:
		listen_input(st, s, seg, 0);
		return;
	case TL_SYN_SENT:
		synsent_input(st, s, seg);
		return;
	case TL_SYN_RECV:
		if (!synrecv_input(st, s, seg))
			return;
		break;
	default:
		if (!(seg->flags & (TL_TH_ACK | TL_TH_RST | TL_TH_SYN)))
			return;
		if (!validate(st, s, seg) || !(seg->flags & TL_TH_ACK) || !process_ack(st, s, seg))
			return;
		break;
	}
	process_text(st, s, seg);
	if (s->kind != TL_TCP_FULL || s->state == TL_CLOSE)
		return;
	ack_check(st, s);
	push(st, s);
}

/* ---- input: time-wait sockets (tcp_timewait_state_process()) ---- */

enum tw_verdict { TW_DONE, TW_SYN };

/* tcp_timewait_check_oow_rate_limit(): the same rule as a full socket's, a resent FIN always answered. */
static void tw_ack(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (!oow_rate_limited(st, s, seg))
		send_ack(st, s);
}

static void tw_fin_wait2(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	uint32_t end = seg->seq + seq_space(seg);
	if (seg->flags & TL_TH_RST) {
		sock_done(st, s, "RST received");
		return;
	}
	if ((seg->flags & TL_TH_SYN) && !seq_lt(seg->seq, s->rcv_nxt)) {
		sock_done(st, s, "SYN on a closing pair: RST");
		reply_reset(st, seg, s);
		return;
	}
	if (!(seg->flags & TL_TH_ACK) || !seq_gt(end, s->rcv_nxt) || end == seg->seq)
		return; /* old duplicate or bare ACK */
	if (!(seg->flags & TL_TH_FIN) || end != s->rcv_nxt + 1) {
		sock_done(st, s, "new data after close(): RST");
		reply_reset(st, seg, s);
		return;
	}
	s->rcv_nxt = end;
	s->fin_rcvd = true;
	send_ack(st, s);
	enter_time_wait(st, s);
}

static enum tw_verdict tw_input(struct tl_tcp_stack *st, struct sock *s, const struct tl_tcp_seg *seg)
{
	if (s->state == TL_FIN_WAIT2) {
		tw_fin_wait2(st, s, seg);
		return TW_DONE;
	}
	bool bare = seq_space(seg) == 0 || (seg->flags & TL_TH_RST);
	if (seg->seq == s->rcv_nxt && bare) {
		if (seg->flags & TL_TH_RST)
			sock_done(st, s, "a RST ended TIME-WAIT early (tcp_rfc1337 = 0)");
		else
			set_linger(st, s, tl_timer_time_wait_ms());
		return TW_DONE;
	}
	if ((seg->flags & (TL_TH_SYN | TL_TH_RST | TL_TH_ACK)) == TL_TH_SYN && seq_gt(seg->seq, s->rcv_nxt))
		return TW_SYN; /* a new connection may reuse the pair */
	if (seg->flags & TL_TH_RST)
		return TW_DONE;
	if (seg->flags & TL_TH_ACK)
		set_linger(st, s, tl_timer_time_wait_ms());
	tw_ack(st, s, seg);
	return TW_DONE;
}

/* ---- demultiplexing ---- */

static bool is_local(const struct tl_addr *addr)
{
	return tl_addr_is_lab_local(addr);
}

/* The socket of this exact connection: a request, a full or a time-wait socket (never one in CLOSE). */
static struct sock *lookup_connection(const struct tl_tcp_stack *st, const struct tl_tcp_seg *seg)
{
	struct tl_tuple local = tl_tuple_reverse(&seg->tuple);
	return sock_by_tuple(st, &local, true, NULL);
}

/* A listener of the address's family, bound to it or to the family's wildcard
 * (the model has no IPv6 socket that also takes IPv4). */
static struct sock *lookup_listener(const struct tl_tcp_stack *st, const struct tl_addr *addr, uint16_t port)
{
	struct sock *best = NULL;
	for (size_t i = 0; i < st->n_listeners; i++) {
		struct sock *s = sock_at(st, st->listeners[i]);
		if (s && s->state == TL_LISTEN && s->tuple.sport == port &&
		    tl_addr_family(&s->tuple.saddr) == tl_addr_family(addr) &&
		    (tl_addr_equal(&s->tuple.saddr, addr) || tl_addr_is_any(&s->tuple.saddr)) &&
		    (!best || s->links.id < best->links.id))
			best = s; /* the lowest id, as a walk in id order finds it */
	}
	return best;
}

static void input_to_listener(struct tl_tcp_stack *st, const struct tl_tcp_seg *seg, uint32_t isn)
{
	struct sock *l = lookup_listener(st, &seg->tuple.daddr, seg->tuple.dport);
	if (l)
		listen_input(st, l, seg, isn);
	else
		reply_reset(st, seg, NULL); /* no socket there */
}

void tl_tcp_input(struct tl_tcp_stack *st, const struct tl_tcp_seg *seg, uint64_t now_ns)
{
	st->now_ns = now_ns;
	if (!is_local(&seg->tuple.daddr))
		return; /* another host's: a SYN-ACK to a flood's spoofed source, sent back on a shared link */
	struct sock *s = lookup_connection(st, seg);
	if (!s) {
		input_to_listener(st, seg, 0);
	} else if (s->kind == TL_TCP_REQUEST) {
		request_input(st, s, seg);
	} else if (s->kind == TL_TCP_MINI) {
		uint32_t isn = s->snd_nxt + TW_SYN_ISN_GAP;
		if (tw_input(st, s, seg) == TW_SYN) {
			/* As this kernel does it: the listener makes the request, then the time-wait socket goes. */
			input_to_listener(st, seg, isn ? isn : 1);
			sock_done(st, s, "a new SYN reuses the pair: the listener took it, TIME-WAIT ends");
		}
	} else {
		full_input(st, s, seg);
	}
	reap(st);
}

/* ---- time ---- */

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

static uint64_t sock_deadline(const struct sock *s)
{
	return earliest(earliest(earliest(earliest(s->rtx.deadline_ns, s->delack_ns), s->linger_ns), s->ka_deadline_ns),
			s->probe_ns);
}

/*
 * The timer heap holds an entry for each timer a socket had armed when it
 * last armed one, stamped with that arming's order. An entry is current
 * while the socket (same cookie) has that order still and its earliest
 * timer is the entry's: timers are only ever armed through armed(), which
 * files them all anew, and otherwise only stopped, which leaves entries
 * behind that this drops when they come to the top.
 */
static bool timer_current(const struct tl_tcp_stack *st, const struct timer_entry *e)
{
	const struct sock *s = sock_at(st, e->id);
	return s && s->cookie == e->cookie && s->armed_order == e->order && sock_deadline(s) == e->deadline_ns;
}

static void timer_file(struct tl_tcp_stack *st, const struct sock *s, uint64_t deadline_ns)
{
	struct timer_entry e = { .deadline_ns = deadline_ns, .order = s->armed_order, .cookie = s->cookie,
				 .id = sock_id(st, s) };
	if (deadline_ns && e.id >= 0 && !heap_push(&st->timers, &e))
		fail(st, "out of memory for the timer heap");
}

/* Entries of every socket's timers, and nothing stale: when stale ones outnumber the sockets. */
static void timers_rebuild(struct tl_tcp_stack *st)
{
	st->timers.n = 0;
	for (size_t id = 0; id < st->n_ids; id++) {
		const struct sock *s = st->socks[id];
		if (s && sock_deadline(s))
			timer_file(st, s, sock_deadline(s));
	}
}

static void timers_push(struct tl_tcp_stack *st, const struct sock *s)
{
	if (st->timers.n > 4 * st->n_live + 1024) {
		timers_rebuild(st);
		return;
	}
	const uint64_t all[] = { s->rtx.deadline_ns, s->delack_ns, s->linger_ns, s->ka_deadline_ns, s->probe_ns };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		timer_file(st, s, all[i]);
}

/* Drops stale entries from the top: the top is then the timer that fires next. */
static void timers_settle(struct tl_tcp_stack *st)
{
	while (st->timers.n && !timer_current(st, heap_at(&st->timers, 0)))
		heap_pop(&st->timers);
}

uint64_t tl_tcp_next_deadline_ns(const struct tl_tcp_stack *st)
{
	/* Dropping stale entries changes no answer: the heap is a cache of the sockets' timers. */
	struct tl_tcp_stack *cache = (struct tl_tcp_stack *)st;
	timers_settle(cache);
	return st->timers.n ? ((const struct timer_entry *)heap_at(&st->timers, 0))->deadline_ns : UINT64_MAX;
}

/* Fires one timer of s due at t; the retransmission timer first, as the kernel's wheel order is unknowable. */
static void fire_one(struct tl_tcp_stack *st, struct sock *s, uint64_t t)
{
	if (s->rtx.deadline_ns == t) {
		s->rtx.deadline_ns = 0;
		if (s->kind == TL_TCP_REQUEST)
			fire_request(st, s);
		else
			fire_rtx(st, s);
	} else if (s->delack_ns == t) {
		fire_delack(st, s);
	} else if (s->linger_ns == t) {
		fire_linger(st, s);
	} else if (s->ka_deadline_ns == t) {
		fire_keepalive(st, s);
	} else if (s->probe_ns == t) {
		fire_probe(st, s);
	}
}

void tl_tcp_advance(struct tl_tcp_stack *st, uint64_t now_ns)
{
	for (;;) {
		uint64_t t = tl_tcp_next_deadline_ns(st);
		if (t > now_ns)
			break;
		st->now_ns = t;
		/* The newest armed of the sockets due at t (timer_before), one at a time: a firing may
		 * change other timers. */
		const struct timer_entry *newest = heap_at(&st->timers, 0);
		fire_one(st, st->socks[newest->id], t);
		reap(st);
	}
	st->now_ns = now_ns;
}

/* ---- the stack ---- */

struct tl_tcp_stack *tl_tcp_stack_new(const struct tl_tcp_config *cfg, tl_tcp_note_fn note, void *ctx)
{
	if (tl_timer_settings_check(&cfg->timers, NULL, 0) != 0 || cfg->timers.hz <= 0)
		return NULL;
	struct tl_tcp_stack *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	enum { FIRST_BUCKETS = 256 };
	st->free_ids = (struct heap){ .size = sizeof(int), .before = id_before };
	st->timers = (struct heap){ .size = sizeof(struct timer_entry), .before = timer_before };
	st->sched = malloc(sizeof(*st->sched));
	st->xchg = malloc(sizeof(*st->xchg));
	st->hash = malloc(FIRST_BUCKETS * sizeof(*st->hash));
	st->port_owners = calloc(PORTS, sizeof(*st->port_owners));
	if (!st->sched || !st->xchg || !st->hash || !st->port_owners) {
		tl_tcp_stack_free(st);
		return NULL;
	}
	st->hash_buckets = FIRST_BUCKETS;
	for (size_t i = 0; i < FIRST_BUCKETS; i++)
		st->hash[i] = -1;
	st->cfg = *cfg;
	st->note = note;
	st->note_ctx = ctx;
	st->rng = cfg->seed;
	st->next_port = first_port(cfg);
	return st;
}

void tl_tcp_stack_free(struct tl_tcp_stack *st)
{
	if (!st)
		return;
	for (size_t id = 0; id < st->n_ids; id++) {
		if (!st->socks[id])
			continue;
		free(st->socks[id]->links.members);
		free_buffers(st->socks[id]);
		free(st->socks[id]);
	}
	free(st->socks);
	free(st->free_ids.items);
	free(st->reap_ids);
	free(st->hash);
	free(st->timers.items);
	free(st->listeners);
	free(st->port_owners);
	free(st->sched);
	free(st->xchg);
	free(st);
}

const char *tl_tcp_stack_error(const struct tl_tcp_stack *st)
{
	return st->err;
}

/* ---- application calls ---- */

/* The application's socket: a FULL or time-wait socket it still holds. */
static struct sock *app_sock(const struct tl_tcp_stack *st, int id)
{
	struct sock *s = sock_at(st, id);
	return s && s->app_held ? s : NULL;
}

int tl_tcp_socket(struct tl_tcp_stack *st)
{
	int id;
	struct sock *s = sock_new(st, TL_TCP_FULL, &id);
	if (!s)
		return -EMFILE;
	s->app_held = true;
	return id;
}

int tl_tcp_set_owner(struct tl_tcp_stack *st, int sock, enum tl_side owner)
{
	struct sock *s = app_sock(st, sock);
	if (!s)
		return -EBADF;
	s->owner = owner;
	return 0;
}

bool tl_tcp_sockopt_modelled(enum tl_sockopt opt)
{
	/* The options whose meaning the model gives; the rest it does not know. */
	static const bool modelled[TL_OPT_COUNT] = {
		[TL_OPT_SYNCNT] = true,	  [TL_OPT_USER_TIMEOUT] = true, [TL_OPT_LINGER2] = true,
		[TL_OPT_KEEPIDLE] = true, [TL_OPT_KEEPINTVL] = true,	[TL_OPT_KEEPCNT] = true,
		[TL_OPT_KEEPALIVE] = true, [TL_OPT_MAXSEG] = true,	[TL_OPT_RCVBUF] = true,
		[TL_OPT_NODELAY] = true,   [TL_OPT_QUICKACK] = true,
	};
	return (int)opt >= 0 && opt < TL_OPT_COUNT && modelled[opt];
}

/*
 * __sock_set_rcvbuf(): the value is cut to net.core.rmem_max (as shipped:
 * the model cannot see the host's), doubled for the kernel's bookkeeping,
 * and from now on the window is clamped to it.
 */
static void set_rcvbuf(struct sock *s, int value)
{
	uint32_t v = (uint32_t)value > RMEM_MAX ? RMEM_MAX : (uint32_t)value;
	s->opts.rcvbuf = 2 * v > SOCK_MIN_RCVBUF ? 2 * v : SOCK_MIN_RCVBUF;
	s->opts.rcvbuf_locked = true;
}

/* TCP_NODELAY on sends at once what Nagle's algorithm held back (tcp_push_pending_frames()). */
static void set_nodelay(struct tl_tcp_stack *st, struct sock *s, bool on)
{
	s->opts.nodelay = on;
	if (on)
		push(st, s);
}

/*
 * TCP_QUICKACK (__tcp_sock_set_quickack()) is a moment's mode, not a lasting
 * option: off enters ping-pong mode, so ACKs wait for the delayed-ACK timer;
 * on leaves it and sends a pending ACK at once.
 */
static void set_quickack(struct tl_tcp_stack *st, struct sock *s, bool on)
{
	s->pingpong = !on;
	if (on && s->ack_pending && s->kind == TL_TCP_FULL &&
	    (s->state == TL_ESTABLISHED || s->state == TL_CLOSE_WAIT))
		send_ack(st, s);
}

int tl_tcp_setsockopt(struct tl_tcp_stack *st, int sock, enum tl_sockopt opt, int value, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s)
		return -EBADF;
	if (!tl_tcp_sockopt_modelled(opt))
		return -ENOPROTOOPT;
	if (tl_timer_settings_sockopt(&s->timers, opt, value) < 0)
		return -EINVAL;
	if (opt == TL_OPT_MAXSEG && value && (value < (int)MIN_MSS || value > 32767))
		return -EINVAL; /* MAX_TCP_WINDOW */
	if (opt == TL_OPT_KEEPALIVE)
		set_keepalive(st, s, value != 0);
	else if (opt == TL_OPT_KEEPIDLE)
		keepidle_changed(st, s);
	else if (opt == TL_OPT_MAXSEG) /* rx_opt.user_mss: the next connection's MSS, offered and used */
		s->opts.user_mss = (uint16_t)value;
	else if (opt == TL_OPT_RCVBUF)
		set_rcvbuf(s, value);
	else if (opt == TL_OPT_NODELAY)
		set_nodelay(st, s, value != 0);
	else if (opt == TL_OPT_QUICKACK)
		set_quickack(st, s, value != 0);
	reap(st);
	return 0;
}

static bool port_listening(const struct tl_tcp_stack *st, uint16_t port)
{
	for (size_t i = 0; i < st->n_listeners; i++) {
		const struct sock *l = sock_at(st, st->listeners[i]);
		if (l && l->state == TL_LISTEN && l->tuple.sport == port)
			return true;
	}
	return false;
}

int tl_tcp_listen(struct tl_tcp_stack *st, int sock, const struct tl_addr *addr, uint16_t port, int backlog,
		  uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s || s->kind != TL_TCP_FULL)
		return -EBADF;
	if (s->state != TL_CLOSE || s->tuple.sport)
		return -EINVAL;
	if (!tl_addr_is_any(addr) && !is_local(addr))
		return -EADDRNOTAVAIL;
	if (port_listening(st, port))
		return -EADDRINUSE; /* SO_REUSEADDR lets only LISTEN sockets conflict */
	/* A listener's remote end is its family's wildcard, as sock_diag shows it. */
	struct tl_addr any = tl_addr_is_v4(addr) ? tl_addr_v4(0) : (struct tl_addr){ { 0 } };
	s->tuple = (struct tl_tuple){ .saddr = *addr, .daddr = any, .sport = port };
	sock_rehash(st, s);
	own_port(st, s);
	listeners_add(st, sock);
	s->reuse = true;
	/* __sys_listen(): compared unsigned, so a negative backlog takes somaxconn too */
	s->backlog = (unsigned)backlog > (unsigned)st->cfg.somaxconn ? st->cfg.somaxconn : backlog;
	set_state(st, s, TL_LISTEN, NULL);
	return 0;
}

/*
 * inet_csk_bind_conflict() for sockets that all set SO_REUSEADDR before
 * bind: a port conflicts only with a listener on it, or with a socket there
 * that did not set the option (one whose port connect() chose).
 */
static bool bind_conflict(const struct tl_tcp_stack *st, const struct sock *self, uint16_t port)
{
	for (size_t id = 0; id < st->n_ids; id++) { /* bind() is rare: a walk over the table will do */
		const struct sock *o = st->socks[id];
		if (!o || o == self || o->state == TL_CLOSE || o->tuple.sport != port)
			continue;
		if (o->state == TL_LISTEN || !o->reuse)
			return true;
	}
	return false;
}

int tl_tcp_bind(struct tl_tcp_stack *st, int sock, const struct tl_addr *addr, uint16_t port, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s || s->kind != TL_TCP_FULL)
		return -EBADF;
	if (s->state != TL_CLOSE || s->tuple.sport)
		return -EINVAL; /* bound already */
	if (!tl_addr_is_any(addr) && !is_local(addr))
		return -EADDRNOTAVAIL;
	if (bind_conflict(st, s, port))
		return -EADDRINUSE;
	s->tuple.saddr = *addr;
	s->tuple.sport = port;
	sock_rehash(st, s);
	own_port(st, s);
	s->reuse = true;
	s->user_bound = true;
	return 0;
}

/*
 * tcp_twsk_unique(): whether connect() may take over the time-wait socket o
 * that holds the 4-tuple it wants. Only when o's connection used timestamps
 * (tw_ts_recent_stamp set: they keep the old connection's segments apart
 * from the new one's). A connect from a bound port (search false, no twp)
 * needs nothing more; the search for an ephemeral port needs tcp_tw_reuse
 * (2 means loopback only, which every lab connection is; never for an
 * orphan's FIN-WAIT-2) and o to be more than tcp_tw_reuse_delay old:
 * time_after32(now_ms, tw_entry_stamp + delay), in milliseconds.
 */
static bool tw_reusable(const struct tl_tcp_stack *st, const struct sock *o, bool search)
{
	if (o->kind != TL_TCP_MINI || !o->ts_ok)
		return false;
	if (!search)
		return true;
	if (!st->cfg.tw_reuse || o->state == TL_FIN_WAIT2)
		return false;
	uint32_t thresh = (uint32_t)(o->tw_entry_ns / NS_PER_MS) + st->cfg.tw_reuse_delay_ms;
	return (int32_t)(thresh - (uint32_t)(st->now_ns / NS_PER_MS)) < 0;
}

/*
 * The first port at or after the cursor in ip_local_port_range that gives
 * the 4-tuple source:port -> daddr:dport (__inet_hash_connect()): a port no
 * socket holds as bind() or listen() holds one (a bucket with fastreuse >= 0),
 * whose 4-tuple no socket has, or has as a time-wait socket connect() may take
 * over (*tw). The kernel starts at a hash of the destination and steps by
 * two; the model walks on from where its last search stopped, so the ports
 * it gives are 40000, 40001, ... (which port is not compared with the
 * kernel's, whether there is one is). 0 when every port is taken.
 */
static uint16_t ephemeral_port(struct tl_tcp_stack *st, const struct tl_addr *source, const struct tl_addr *daddr,
			       uint16_t dport, struct sock **tw)
{
	const struct tl_tcp_config *c = &st->cfg;
	unsigned span = (unsigned)c->ephemeral_last - c->ephemeral_first + 1;
	*tw = NULL;
	for (unsigned tries = 0; tries < span; tries++) {
		uint16_t p = st->next_port < c->ephemeral_first || st->next_port > c->ephemeral_last ? c->ephemeral_first
												  : st->next_port;
		st->next_port = p >= c->ephemeral_last ? c->ephemeral_first : (uint16_t)(p + 1);
		if (st->port_owners[p])
			continue;
		struct tl_tuple t = { .saddr = *source, .daddr = *daddr, .sport = p, .dport = dport };
		struct sock *o = sock_by_tuple(st, &t, false, NULL);
		if (!o)
			return p;
		if (tw_reusable(st, o, true)) {
			*tw = o;
			return p;
		}
	}
	return 0;
}

static void offer_options(const struct tl_tcp_stack *st, struct sock *s)
{
	s->ts_ok = st->cfg.timestamps;
	s->sack_ok = st->cfg.sack;
	s->ws_ok = st->cfg.window_scaling;
	/* tcp_connect_init(): the option's room is taken from the window's MSS only when the
	 * peer's timestamps are known already (from a time-wait socket taken over). */
	initial_window(st, s, offered_mss(st, s) - (s->ts_ok && s->ts_recent_inherited ? TS_OPTION_BYTES : 0));
	s->rcv_wscale = s->ws_ok ? s->offered_wscale : 0;
}

/*
 * connect() takes the time-wait socket o's 4-tuple over (tcp_twsk_unique()
 * said it may): the new connection starts 65537 past the old one's sequence
 * numbers, knows the peer's last timestamp, and o ends, counted in
 * TWRecycled (__inet_check_established()).
 */
static void take_over(struct tl_tcp_stack *st, struct sock *s, struct sock *o)
{
	s->iss = o->snd_nxt + 65535 + 2;
	if (!s->iss)
		s->iss = 1;
	st->mib[MIB_TW_RECYCLED]++;
	s->ts_recent = o->ts_recent;
	s->ts_recent_inherited = true;
	sock_done(st, o, "time-wait socket taken over by a connect from its 4-tuple (timestamps on)");
}

/*
 * A bound socket's 4-tuple held by another socket (__inet_check_established()
 * without a port search): a time-wait socket gives way (tw_reusable() without
 * a search); anything else makes connect() fail. Returns 0 (the 4-tuple is
 * free now), or -EADDRNOTAVAIL.
 */
static int claim_four_tuple(struct tl_tcp_stack *st, struct sock *s, const struct tl_tuple *t)
{
	struct sock *o = sock_by_tuple(st, t, false, s);
	if (!o)
		return 0;
	if (!tw_reusable(st, o, false))
		return -EADDRNOTAVAIL;
	take_over(st, s, o);
	return 0;
}

/*
 * tcp_v4_connect() enters SYN-SENT before inet_hash_connect() looks for a
 * port and a unique 4-tuple, and falls back to CLOSE when there is none: no
 * SYN leaves, and the socket keeps the port it had (0 unless bound).
 */
static int no_four_tuple(struct tl_tcp_stack *st, struct sock *s, const struct tl_tuple *tried, const char *why)
{
	struct tl_tuple bound = s->tuple;
	s->tuple = *tried;
	set_state(st, s, TL_SYN_SENT, NULL);
	set_state(st, s, TL_CLOSE, "%s", why);
	s->tuple = bound;
	return -EADDRNOTAVAIL;
}

int tl_tcp_connect(struct tl_tcp_stack *st, int sock, const struct tl_addr *addr, uint16_t port, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s || s->kind != TL_TCP_FULL)
		return -EBADF;
	if (s->state == TL_SYN_SENT)
		return -EALREADY;
	if (s->state != TL_CLOSE || s->was_established)
		return -EISCONN;
	if (!is_local(addr))
		return -ENETUNREACH; /* the lab's namespace has loopback only */
	/* The source: 127.0.0.1 (lo's route says src 127.0.0.1 for all of 127/8); over IPv6 the
	 * destination itself, a local address (RFC 6724's first rule: prefer the same address). */
	struct tl_addr source = tl_addr_is_v4(addr) ? st->cfg.local_addr : *addr;
	if (s->tuple.sport && !tl_addr_is_any(&s->tuple.saddr))
		source = s->tuple.saddr;
	/* A bound socket connects from its port (and its address, unless it bound the wildcard). */
	struct sock *tw = NULL;
	uint16_t sport = s->tuple.sport ? s->tuple.sport : ephemeral_port(st, &source, addr, port, &tw);
	struct tl_tuple tuple = { .saddr = source, .daddr = *addr, .sport = sport, .dport = port };
	if (!sport)
		return no_four_tuple(st, s, &tuple, "connect() found no free port: EADDRNOTAVAIL, no SYN sent");
	s->iss = (uint32_t)next_random(st);
	s->ts_recent_inherited = false;
	if (tw)
		take_over(st, s, tw);
	if (s->tuple.sport && claim_four_tuple(st, s, &tuple) < 0)
		return no_four_tuple(st, s, &tuple, "connect() found the 4-tuple taken: EADDRNOTAVAIL, no SYN sent");
	s->tuple = tuple;
	sock_rehash(st, s);
	s->ts_offset = (uint32_t)next_random(st);
	offer_options(st, s);
	s->snd_una = s->iss;
	s->snd_nxt = s->snd_max = s->snd_sml = s->snd_buf_seq = s->iss + 1;
	s->connect_rc = -EINPROGRESS;
	s->err = 0;
	s->fin_queued = s->fin_rcvd = s->eof_read = s->rcv_shut = s->snd_shut = false;
	set_state(st, s, TL_SYN_SENT, NULL);
	st->mib[MIB_ACTIVE_OPENS]++; /* tcp_connect() */
	xmit(st, s, s->iss, NULL, 0, TL_TH_SYN);
	rtx_start(st, s);
	reap(st);
	return -EINPROGRESS;
}

int tl_tcp_connect_result(const struct tl_tcp_stack *st, int sock)
{
	const struct sock *s = app_sock(st, sock);
	return s ? s->connect_rc : -EBADF;
}

int tl_tcp_accept(struct tl_tcp_stack *st, int listener, struct tl_tuple *peer, uint64_t now_ns)
{
	struct sock *l = app_sock(st, listener), *best = NULL;
	int best_id = -1;
	st->now_ns = now_ns;
	if (!l || l->state != TL_LISTEN)
		return -EINVAL;
	for (size_t i = 0; i < l->links.n_members; i++) {
		const struct member *m = &l->links.members[i];
		struct sock *c = member_of(st, listener, m) ? st->socks[m->id] : NULL;
		if (c && c->in_accept_queue && (!best || c->accept_order < best->accept_order)) {
			best = c;
			best_id = m->id;
		}
	}
	if (!best)
		return -EAGAIN;
	best->in_accept_queue = false;
	best->listener = -1;
	best->app_held = true;
	if (peer)
		*peer = best->tuple;
	return best_id;
}

static int take_error(struct sock *s)
{
	int e = s->err;
	s->err = 0;
	return -e;
}

static int append_send(struct sock *s, const void *data, size_t len)
{
	if (s->snd_len + len > s->snd_cap) {
		size_t cap = s->snd_cap ? s->snd_cap : 4096;
		while (cap < s->snd_len + len)
			cap *= 2;
		uint8_t *grown = realloc(s->sndbuf, cap);
		if (!grown)
			return -ENOBUFS;
		s->sndbuf = grown;
		s->snd_cap = cap;
	}
	memcpy(s->sndbuf + s->snd_len, data, len);
	s->snd_len += len;
	return 0;
}

long tl_tcp_send(struct tl_tcp_stack *st, int sock, const void *data, size_t len, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s)
		return -EBADF;
	if (s->kind == TL_TCP_MINI)
		return -EPIPE;
	if (s->err)
		return take_error(s);
	if (s->snd_shut)
		return -EPIPE;
	if (s->state == TL_SYN_SENT || s->state == TL_SYN_RECV)
		return -EAGAIN; /* sendmsg waits for the handshake */
	if (s->state != TL_ESTABLISHED && s->state != TL_CLOSE_WAIT)
		return -EPIPE;
	size_t room = TL_TCP_MAX_SEND_BYTES - s->snd_len;
	size_t n = len < room ? len : room;
	if (!n)
		return -EAGAIN;
	if (append_send(s, data, n) < 0)
		return -ENOBUFS;
	push(st, s);
	reap(st);
	return (long)n;
}

/* tcp_cleanup_rbuf(): after a read, a window that at least doubled is announced at once. */
static void window_update(struct tl_tcp_stack *st, struct sock *s)
{
	if (s->state != TL_ESTABLISHED && s->state != TL_FIN_WAIT1 && s->state != TL_FIN_WAIT2)
		return;
	uint32_t cur = seq_gt(s->rcv_right, s->rcv_nxt) ? s->rcv_right - s->rcv_nxt : 0;
	if ((uint64_t)2 * cur > s->window_clamp)
		return;
	bool short_of_space;
	uint32_t allowed = window_allowed(s, &short_of_space);
	if (short_of_space)
		s->quick = 0;
	if (allowed && allowed >= 2 * cur)
		send_ack(st, s);
}

static long read_data(struct tl_tcp_stack *st, struct sock *s, void *buf, size_t len)
{
	size_t n = len < s->rcv_len ? len : s->rcv_len;
	memcpy(buf, s->rcvbuf, n);
	memmove(s->rcvbuf, s->rcvbuf + n, s->rcv_len - n);
	s->rcv_len -= n;
	window_update(st, s);
	return (long)n;
}

long tl_tcp_recv(struct tl_tcp_stack *st, int sock, void *buf, size_t len, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s)
		return -EBADF;
	if (s->kind == TL_TCP_MINI)
		return s->rcv_len && len ? read_data(st, s, buf, len) : 0;
	if (s->state == TL_LISTEN)
		return -ENOTCONN;
	long rc;
	if (s->rcv_len && len)
		rc = read_data(st, s, buf, len);
	else if (s->fin_rcvd) {
		s->eof_read = true; /* the FIN is consumed: Recv-Q drops by one */
		rc = 0;
	} else if (s->err)
		rc = take_error(s);
	else if (s->rcv_shut)
		rc = 0;
	else if (s->state == TL_CLOSE)
		rc = -ENOTCONN;
	else
		rc = -EAGAIN;
	reap(st);
	return rc;
}

int tl_tcp_shutdown(struct tl_tcp_stack *st, int sock, int how, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s)
		return -EBADF;
	if (how < 0 || how > 2)
		return -EINVAL;
	if (s->kind != TL_TCP_FULL || s->state == TL_CLOSE || s->state == TL_LISTEN ||
	    s->state == TL_SYN_SENT)
		return -ENOTCONN;
	if (how != 1)
		s->rcv_shut = true;
	if (how != 0 && !s->snd_shut) {
		s->snd_shut = true;
		if (close_state(st, s))
			queue_fin(st, s);
	}
	reap(st);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* inet_csk_listen_stop(): requests vanish, unaccepted children are reset, in id order. */
static void listener_stop(struct tl_tcp_stack *st, int lid)
{
	struct sock *l = st->socks[lid];
	members_compact(st, l);
	size_t n = l->links.n_members;
	int *ids = malloc((n ? n : 1) * sizeof(*ids));
	if (!ids) {
		fail(st, "out of memory while a listener closed");
		return;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = l->links.members[i].id;
	qsort(ids, n, sizeof(*ids), id_cmp);
	for (size_t i = 0; i < n; i++) {
		struct sock *c = st->socks[ids[i]];
		if (c->kind == TL_TCP_REQUEST) {
			timers_off(c);
			set_state(st, c, TL_CLOSE, "the listener closed");
			continue;
		}
		c->in_accept_queue = false;
		c->listener = -1;
		if (c->state != TL_CLOSE) {
			set_state(st, c, TL_CLOSE, "the listener closed before accept()");
			active_reset(st, c);
			timers_off(c);
		}
		reap_later(st, c);
	}
	free(ids);
}

static void close_connection(struct tl_tcp_stack *st, struct sock *s)
{
	s->orphan = true;
	s->rcv_shut = s->snd_shut = true;
	if (s->rcv_len) {
		/* Unread data: the peer must learn it was lost, so a RST replaces the FIN. */
		s->rcv_len = 0;
		set_state(st, s, TL_CLOSE, "closed with unread data: RST instead of FIN");
		active_reset(st, s);
		timers_off(s);
		return;
	}
	if (close_state(st, s))
		queue_fin(st, s);
	else if (s->state == TL_FIN_WAIT2 && s->kind == TL_TCP_FULL && !orphan_fin_wait2(st, s, false))
		active_reset(st, s);
}

int tl_tcp_close(struct tl_tcp_stack *st, int sock, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s)
		return -EBADF;
	s->app_held = false;
	reap_later(st, s);
	if (s->kind == TL_TCP_MINI) {
		reap(st);
		return 0;
	}
	switch (s->state) {
	case TL_LISTEN:
		listener_stop(st, sock);
		set_state(st, s, TL_CLOSE, NULL);
		break;
	case TL_SYN_SENT:
		timers_off(s);
		set_state(st, s, TL_CLOSE, NULL);
		break;
	case TL_CLOSE:
		break;
	default:
		close_connection(st, s);
		break;
	}
	reap(st);
	return 0;
}

/* tcp_need_reset(): the states in which an abort tells the peer. */
static bool abort_resets(const struct sock *s)
{
	switch (s->state) {
	case TL_ESTABLISHED:
	case TL_CLOSE_WAIT:
	case TL_FIN_WAIT1:
	case TL_FIN_WAIT2:
	case TL_SYN_RECV:
		return true;
	case TL_CLOSING:
	case TL_LAST_ACK:
		return s->snd_nxt != data_end(s) + s->fin_queued; /* unsent data */
	default:
		return false;
	}
}

int tl_tcp_abort(struct tl_tcp_stack *st, int sock, uint64_t now_ns)
{
	struct sock *s = app_sock(st, sock);
	st->now_ns = now_ns;
	if (!s)
		return -EBADF;
	s->app_held = false;
	reap_later(st, s);
	if (s->kind == TL_TCP_MINI) {
		reap(st);
		return 0;
	}
	if (s->state == TL_LISTEN)
		listener_stop(st, sock);
	bool reset = abort_resets(s);
	/* tcp_disconnect(): CLOSE first, then the RST, as the kernel orders them. */
	set_state(st, s, TL_CLOSE, reset ? "SO_LINGER 0: aborted with a RST" : NULL);
	if (reset)
		active_reset(st, s);
	timers_off(s);
	reap(st);
	return 0;
}

/* ---- inspection ---- */

static size_t unacked_bytes(const struct sock *s)
{
	if (s->kind != TL_TCP_FULL || s->state == TL_LISTEN || s->state == TL_CLOSE)
		return 0;
	return data_end(s) + s->fin_queued - s->snd_una; /* write_seq - snd_una, as ss's Send-Q */
}

int tl_tcp_info(const struct tl_tcp_stack *st, int sock, struct tl_tcp_info *out)
{
	const struct sock *s = sock_at(st, sock);
	if (!s)
		return -EBADF;
	*out = (struct tl_tcp_info){
		.kind = s->kind, .state = s->state, .tuple = s->tuple, .cookie = s->cookie, .owner = s->owner,
		.app_held = s->app_held, .iss = s->iss, .irs = s->irs, .snd_una = s->snd_una,
		.snd_nxt = s->snd_nxt, .snd_wnd = s->snd_wnd, .rcv_nxt = s->rcv_nxt,
		.unread = s->rcv_len, .rcvbuf = s->opts.rcvbuf, .unacked = unacked_bytes(s), .retransmits = s->retransmits,
		.rtx_deadline_ns = s->rtx.deadline_ns, .delack_deadline_ns = s->delack_ns,
		.linger_deadline_ns = s->linger_ns, .keepalive_deadline_ns = s->ka_deadline_ns,
		.probe_deadline_ns = s->probe_ns, .probes_out = s->probes_out, .probe_backoff = s->probe_backoff,
	};
	return 0;
}

size_t tl_tcp_sockets(const struct tl_tcp_stack *st, int *ids, size_t max)
{
	size_t n = 0;
	for (size_t id = 0; id < st->n_ids; id++) {
		if (!st->socks[id])
			continue;
		if (n < max)
			ids[n] = (int)id;
		n++;
	}
	return n;
}

static uint32_t ms_left(uint64_t deadline_ns, uint64_t now_ns)
{
	return deadline_ns > now_ns ? (uint32_t)((deadline_ns - now_ns) / NS_PER_MS) : 0;
}

/* The timer column of ss: which timer runs and how long it has left. */
static void row_timer(const struct sock *s, uint64_t now_ns, struct tl_sock_row *r)
{
	if (s->kind == TL_TCP_MINI) {
		r->timer = TL_TIMER_TIMEWAIT;
		r->timer_ms = ms_left(s->linger_ns, now_ns);
	} else if (s->rtx.deadline_ns) {
		r->timer = TL_TIMER_ON;
		r->timer_ms = ms_left(s->rtx.deadline_ns, now_ns);
		r->retrans = s->kind == TL_TCP_REQUEST ? s->synack_fired : s->retransmits;
	} else if (s->linger_ns) {
		r->timer = TL_TIMER_KEEPALIVE; /* a full FIN-WAIT-2 longer than 60 s */
		r->timer_ms = ms_left(s->linger_ns, now_ns);
	} else if (s->probe_ns) {
		r->timer = TL_TIMER_PROBE; /* the persist timer, with the window probes out */
		r->timer_ms = ms_left(s->probe_ns, now_ns);
		r->retrans = (unsigned)s->probes_out;
	} else if (s->ka_deadline_ns) {
		r->timer = TL_TIMER_KEEPALIVE; /* sock_diag's count here is the probes out */
		r->timer_ms = ms_left(s->ka_deadline_ns, now_ns);
		r->retrans = (unsigned)s->probes_out;
	}
}

static struct tl_sock_row make_row(const struct tl_tcp_stack *st, const struct sock *s, uint64_t now_ns)
{
	struct tl_sock_row r = { .tuple = s->tuple, .state = s->state, .cookie = s->cookie, .side = s->owner };
	if (s->state == TL_LISTEN) {
		r.recv_q = (uint32_t)accept_queue_len(st, sock_id(st, s));
		r.send_q = (uint32_t)s->backlog;
		return r;
	}
	if (s->kind == TL_TCP_FULL) {
		r.recv_q = (uint32_t)s->rcv_len + (s->fin_rcvd && !s->eof_read);
		r.send_q = (uint32_t)unacked_bytes(s);
	}
	/* Request, time-wait, orphaned and unaccepted sockets have no file, hence no inode. */
	r.inode = s->app_held && s->kind == TL_TCP_FULL ? (uint32_t)(100000 + s->cookie) : 0;
	row_timer(s, now_ns, &r);
	return r;
}

size_t tl_tcp_snapshot(const struct tl_tcp_stack *st, uint64_t now_ns, struct tl_sock_row *rows, size_t max)
{
	size_t n = 0;
	/* Listeners first, as sock_diag dumps its listening hash before the established one; a socket in
	 * CLOSE only while the application holds a port it bound (the kernel's bind hash lists it). */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t id = 0; id < st->n_ids; id++) {
			const struct sock *s = st->socks[id];
			bool listed = s && (s->state != TL_CLOSE || (s->app_held && s->user_bound && s->tuple.sport));
			if (!listed || (s->state == TL_LISTEN) != (pass == 0))
				continue;
			if (n < max)
				rows[n] = make_row(st, s, now_ns);
			n++;
		}
	}
	return n;
}

size_t tl_tcp_counters(const struct tl_tcp_stack *st, struct tl_counter *out, size_t max)
{
	for (size_t i = 0; i < MIB_COUNT && i < max; i++) {
		tl_textf(out[i].name, sizeof(out[i].name), "%s", mib_names[i]);
		out[i].delta = (int64_t)st->mib[i];
	}
	return MIB_COUNT;
}
