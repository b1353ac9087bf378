/*
 * tracer.bpf: the kernel half of tcplab's tracer. BTF tracepoint programs
 * (CO-RE, compiled against vmlinux.h) that watch IPv4 TCP sockets and packets
 * of one network namespace and put one struct tl_trace_record per event in a
 * ring buffer; src/lab/tracer.c loads them through the bpftool skeleton and turns
 * the records into timeline events.
 *
 *   inet_sock_set_state   every state change of a full socket (mandatory)
 *   tcp_retransmit_skb    a full socket resent a segment (SYN, data, FIN)
 *   tcp_retransmit_synack a request socket resent its SYN-ACK
 *   tcp_send_reset        the kernel sent a RST, with or without a socket
 *   tcp_receive_reset     a socket accepted a RST
 *   kfree_skb             a packet freed with reason NETFILTER_DROP
 *
 * The tracepoints are global, so every program filters by the namespace
 * inode in target_netns, which user space sets before load.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tracer_record.h"

/* Not in vmlinux.h: they are macros in the kernel. */
#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP_NUM 6
#define TH_RST 0x04
#define TH_SYN 0x02
#define TH_ACK 0x10

/* The kernel refuses GPL-only helpers (bpf_probe_read_kernel, which
 * BPF_CORE_READ uses) to a program without a GPL-compatible declaration. */
char LICENSE[] SEC("license") = "GPL";

/* Set by user space between open and load; the verifier sees a constant. */
const volatile __u32 target_netns = 0;

/* Records the ring buffer had no room for; user space reports them. */
__u64 lost_records = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* sock_common starts full, request and time-wait sockets alike, so the
 * namespace is read the same way from all three. */
static __always_inline __u32 sock_netns(const struct sock_common *skc)
{
	return BPF_CORE_READ(skc, skc_net.net, ns.inum);
}

/* TCP over either IP: the sockets the lab's scenarios make. */
static __always_inline bool is_inet_family(__u16 family)
{
	return family == AF_INET || family == AF_INET6;
}

/* An IPv4 address in the record's form, ::ffff:a.b.c.d (core/addr.h). */
static __always_inline void put_v4(__u8 out[16], __u32 addr_be)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &addr_be, 4);
}

/* The two addresses every kind of socket keeps in sock_common: for IPv6
 * skc_v6_rcv_saddr (local) and skc_v6_daddr, for IPv4 skc_rcv_saddr and
 * skc_daddr. The local one is the bound address, which for a connected
 * socket is the source its segments carry. */
static __always_inline void addrs_from_sock_common(struct tl_trace_record *r,
						   const struct sock_common *skc)
{
	if (BPF_CORE_READ(skc, skc_family) == AF_INET6) {
		bpf_core_read(r->saddr, sizeof(r->saddr), &skc->skc_v6_rcv_saddr);
		bpf_core_read(r->daddr, sizeof(r->daddr), &skc->skc_v6_daddr);
		return;
	}
	put_v4(r->saddr, BPF_CORE_READ(skc, skc_rcv_saddr));
	put_v4(r->daddr, BPF_CORE_READ(skc, skc_daddr));
}

/* For request and time-wait sockets: only sock_common is there. skc_num is
 * the local port in host order, skc_dport the remote one in network order. */
static __always_inline void tuple_from_sock_common(struct tl_trace_record *r,
						   const struct sock_common *skc)
{
	addrs_from_sock_common(r, skc);
	r->sport = BPF_CORE_READ(skc, skc_num);
	r->dport = bpf_ntohs(BPF_CORE_READ(skc, skc_dport));
}

/* For full sockets, the inet_sock fields the segments carry. Not skc_num:
 * tcp_set_state(TCP_CLOSE) releases the port (inet_put_port zeroes
 * inet_num) before the tracepoint fires, so every X -> CLOSE event would
 * show local port 0; inet_sport keeps the port the connection used. */
static __always_inline void tuple_from_full_sock(struct tl_trace_record *r, const struct sock *sk)
{
	const struct inet_sock *inet = (const struct inet_sock *)sk;

	if (BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET6) {
		addrs_from_sock_common(r, &sk->__sk_common);
	} else {
		put_v4(r->saddr, BPF_CORE_READ(inet, inet_saddr));
		put_v4(r->daddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	}
	r->sport = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	r->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

static __always_inline struct tl_trace_record *reserve(__u16 kind)
{
	struct tl_trace_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->t_ns = bpf_ktime_get_ns();
	r->kind = kind;
	return r;
}

/* The packet view the programs share: an IPv4 or IPv6 header and the TCP
 * header after it, read from the skb's linear data by offset (no bitfields,
 * so no byte-order questions). */
struct pkt_view {
	__u8 saddr[16], daddr[16]; /* the record's form: IPv4 mapped */
	__u16 sport, dport; /* host order */
	__u32 seq;
	__u32 ack;
	__u8 flags;
};

/* The TCP header's fields the records carry. */
static __always_inline void read_tcp_fields(const __u8 th[14], struct pkt_view *p)
{
	p->sport = ((__u16)th[0] << 8) | th[1];
	p->dport = ((__u16)th[2] << 8) | th[3];
	p->seq = ((__u32)th[4] << 24) | ((__u32)th[5] << 16) | ((__u32)th[6] << 8) | th[7];
	p->ack = ((__u32)th[8] << 24) | ((__u32)th[9] << 16) | ((__u32)th[10] << 8) | th[11];
	p->flags = th[13];
}

/* An IPv6 packet whose next header is TCP. One with extension headers is
 * skipped rather than walked: loopback TCP carries none. */
static __always_inline int read_ipv6_tcp(unsigned char *head, __u16 nh, struct pkt_view *p)
{
	__u8 ip6[40];
	__u8 th[14];

	if (bpf_probe_read_kernel(ip6, sizeof(ip6), head + nh))
		return -1;
	if ((ip6[0] >> 4) != 6 || ip6[6] != IPPROTO_TCP_NUM)
		return -1;
	if (bpf_probe_read_kernel(th, sizeof(th), head + nh + sizeof(ip6)))
		return -1;
	__builtin_memcpy(p->saddr, &ip6[8], 16);
	__builtin_memcpy(p->daddr, &ip6[24], 16);
	read_tcp_fields(th, p);
	return 0;
}

static __always_inline int read_ip_tcp(const struct sk_buff *skb, struct pkt_view *p)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 protocol = BPF_CORE_READ(skb, protocol);
	__u8 ip[20];
	__u8 th[14];

	if (protocol == bpf_htons(ETH_P_IPV6))
		return read_ipv6_tcp(head, nh, p);
	if (protocol != bpf_htons(ETH_P_IP))
		return -1;
	if (bpf_probe_read_kernel(ip, sizeof(ip), head + nh))
		return -1;
	if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP_NUM)
		return -1;
	/* The TCP header follows the IP header and its options; computing it
	 * from ihl rather than transport_header also works on paths where the
	 * transport offset is not set yet. */
	__u32 ihl_bytes = (ip[0] & 0x0f) * 4;
	if (ihl_bytes < 20)
		return -1;
	if (bpf_probe_read_kernel(th, sizeof(th), head + nh + ihl_bytes))
		return -1;
	__u32 saddr, daddr;
	__builtin_memcpy(&saddr, &ip[12], 4);
	__builtin_memcpy(&daddr, &ip[16], 4);
	put_v4(p->saddr, saddr);
	put_v4(p->daddr, daddr);
	read_tcp_fields(th, p);
	return 0;
}

static __always_inline __u32 skb_netns(const struct sk_buff *skb)
{
	/* A received packet has its device; one dropped in the output hooks
	 * may not yet (ip_output sets skb->dev after LOCAL_OUT), but then it
	 * still has its sending socket. */
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (dev)
		return BPF_CORE_READ(dev, nd_net.net, ns.inum);
	struct sock *sk = BPF_CORE_READ(skb, sk);
	if (sk)
		return sock_netns(&sk->__sk_common);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	/* The tracepoint serves every protocol built on inet_sock (SCTP,
	 * and DCCP on kernels that still have it). */
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP_NUM)
		return 0;
	if (!is_inet_family(BPF_CORE_READ(sk, __sk_common.skc_family)))
		return 0;
	if (sock_netns(&sk->__sk_common) != target_netns)
		return 0;

	struct tl_trace_record *r = reserve(TL_REC_STATE);
	if (!r)
		return 0;
	r->sk_id = (__u64)sk;
	/* Fired before the new state is stored: a connecting client still
	 * has source port 0 at CLOSE -> SYN_SENT. */
	tuple_from_full_sock(r, sk);
	r->old_state = oldstate;
	r->state = newstate;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* On this kernel the tracepoint sits in __tcp_retransmit_skb and carries err: it
 * also fires for attempts that sent nothing (-EBUSY while the original is
 * still in a host queue, -ENOMEM, ...), which are skipped here. Tail loss
 * probes go through __tcp_retransmit_skb too and are reported. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(on_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	if (err)
		return 0;
	if (!is_inet_family(BPF_CORE_READ(sk, __sk_common.skc_family)))
		return 0;
	if (sock_netns(&sk->__sk_common) != target_netns)
		return 0;

	struct tl_trace_record *r = reserve(TL_REC_RETRANS);
	if (!r)
		return 0;
	r->sk_id = (__u64)sk;
	tuple_from_full_sock(r, sk);
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	/* A queued segment has no header yet: its sequence number and flags
	 * live in the control block (TCP_SKB_CB, skb->cb). */
	const struct tcp_skb_cb *cb = (const struct tcp_skb_cb *)&skb->cb[0];
	r->seq = BPF_CORE_READ(cb, seq);
	r->flags = BPF_CORE_READ(cb, tcp_flags);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(on_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	const struct sock_common *skc = &req->__req_common;

	if (!is_inet_family(BPF_CORE_READ(skc, skc_family)))
		return 0;
	if (sock_netns(skc) != target_netns)
		return 0;

	struct tl_trace_record *r = reserve(TL_REC_RETRANS_SYNACK);
	if (!r)
		return 0;
	/* The request socket is the identity: sk is only its listener. */
	r->sk_id = (__u64)req;
	tuple_from_sock_common(r, skc);
	r->state = BPF_CORE_READ(skc, skc_state);
	r->seq = BPF_CORE_READ((const struct tcp_request_sock *)req, snt_isn);
	r->flags = TH_SYN | TH_ACK;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/*
 * Two kinds of call. tcp_v4_send_reset (tcp_v6_send_reset) answers skb before sending: sk is
 * NULL when no socket matched (N1's RST to a closed port), else a listener,
 * a request or a time-wait socket. tcp_send_active_reset (abort, close with
 * unread data, SO_LINGER 0) passes a full socket and skb NULL, and fires
 * after transmitting: on loopback the peer has already taken the RST by
 * then, and the socket is usually in CLOSE already (tcp_disconnect and
 * tcp_close set it first).
 */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(on_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	struct pkt_view p = {};
	__u32 ns;

	if (sk) {
		if (!is_inet_family(BPF_CORE_READ(sk, __sk_common.skc_family)))
			return 0;
		ns = sock_netns(&sk->__sk_common);
	} else if (skb) {
		ns = skb_netns(skb);
	} else {
		return 0;
	}
	if (ns != target_netns)
		return 0;
	if (skb && read_ip_tcp(skb, &p))
		return 0;

	struct tl_trace_record *r = reserve(TL_REC_RESET_SENT);
	if (!r)
		return 0;
	r->sk_id = (__u64)sk;
	if (sk)
		r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (skb) {
		/* The RST goes back the way the answered segment came: prefer
		 * its tuple, as a listener's own has no remote end. RFC 9293:
		 * if that segment had ACK, the RST is <SEQ=SEG.ACK><RST>, else
		 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>. */
		__builtin_memcpy(r->saddr, p.daddr, sizeof(r->saddr));
		__builtin_memcpy(r->daddr, p.saddr, sizeof(r->daddr));
		r->sport = p.dport;
		r->dport = p.sport;
		if (p.flags & TH_ACK) {
			r->seq = p.ack;
			r->flags = TH_RST;
		} else {
			r->seq = 0;
			r->flags = TH_RST | TH_ACK;
		}
	} else {
		/* The sequence number (tcp_acceptable_seq) is left at 0. */
		tuple_from_full_sock(r, sk);
		r->flags = TH_RST | TH_ACK; /* an active reset carries ACK */
	}
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(on_receive_reset, struct sock *sk)
{
	if (!is_inet_family(BPF_CORE_READ(sk, __sk_common.skc_family)))
		return 0;
	if (sock_netns(&sk->__sk_common) != target_netns)
		return 0;

	struct tl_trace_record *r = reserve(TL_REC_RESET_RECEIVED);
	if (!r)
		return 0;
	r->sk_id = (__u64)sk;
	tuple_from_full_sock(r, sk);
	/* Fired from tcp_reset() before tcp_done(): still the old state. */
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(on_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	struct pkt_view p = {};

	/* Every freed packet of the machine passes here: test the reason
	 * first. The enum's value is relocated (CO-RE): it moves between
	 * kernels as reasons are added. */
	if (reason != bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP))
		return 0;
	if (skb_netns(skb) != target_netns)
		return 0;
	if (read_ip_tcp(skb, &p))
		return 0;

	struct tl_trace_record *r = reserve(TL_REC_DROP);
	if (!r)
		return 0;
	r->sk_id = (__u64)BPF_CORE_READ(skb, sk);
	__builtin_memcpy(r->saddr, p.saddr, sizeof(r->saddr));
	__builtin_memcpy(r->daddr, p.daddr, sizeof(r->daddr));
	r->sport = p.sport;
	r->dport = p.dport;
	r->seq = p.seq;
	r->flags = p.flags;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/*
 * The state tracepoint never sees request sockets and time-wait sockets, but
 * each has a timer of its own (rsk_timer, tw_timer) that the kernel arms when
 * the socket is made, re-arms when it moves on (a SYN-ACK resent, FIN-WAIT-2
 * turned TIME-WAIT) and stops or runs out when it goes. The timer tracepoints
 * see every timer of the machine: these programs keep the two whose handler
 * is reqsk_timer_handler or tw_timer_handler (addresses from /proc/kallsyms,
 * set by user space; 0 leaves the programs unloaded).
 */
const volatile __u64 request_timer_fn = 0;
const volatile __u64 time_wait_timer_fn = 0;

/* The timer whose handler runs on this CPU, to tell a re-arm from an end. */
struct running_timer {
	__u64 timer;
	bool restarted;
	struct tl_trace_record rec;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct running_timer);
} running SEC(".maps");

/* Fills r from the socket behind one of the two timers; false for any other timer or namespace. */
static __always_inline bool socket_of_timer(const struct timer_list *timer, struct tl_trace_record *r)
{
	__u64 fn = (__u64)BPF_CORE_READ(timer, function);
	const struct sock_common *skc;

	if (fn == request_timer_fn && fn) {
		const struct request_sock *req =
			(const void *)((const char *)timer - bpf_core_field_offset(struct request_sock, rsk_timer));
		skc = &req->__req_common;
		r->flags = TL_TIMER_OF_REQUEST;
		r->sk_id = (__u64)req;
		r->state = BPF_CORE_READ_BITFIELD_PROBED(req, num_timeout);
	} else if (fn == time_wait_timer_fn && fn) {
		const struct inet_timewait_sock *tw =
			(const void *)((const char *)timer - bpf_core_field_offset(struct inet_timewait_sock, tw_timer));
		skc = &tw->__tw_common;
		r->flags = TL_TIMER_OF_TIME_WAIT;
		r->sk_id = (__u64)tw;
		r->state = BPF_CORE_READ(tw, tw_substate);
	} else {
		return false;
	}
	if (!is_inet_family(BPF_CORE_READ(skc, skc_family)) || sock_netns(skc) != target_netns)
		return false;
	tuple_from_sock_common(r, skc);
	return true;
}

static __always_inline void timer_record(const struct timer_list *timer, __u16 kind)
{
	struct tl_trace_record probe = {};
	if (!socket_of_timer(timer, &probe))
		return;
	struct tl_trace_record *r = reserve(kind);
	if (!r)
		return;
	probe.t_ns = r->t_ns;
	probe.kind = kind;
	*r = probe;
	bpf_ringbuf_submit(r, 0);
}

SEC("tp_btf/timer_start")
int BPF_PROG(on_timer_start, struct timer_list *timer)
{
	__u32 zero = 0;
	struct running_timer *run = bpf_map_lookup_elem(&running, &zero);
	if (run && run->timer == (__u64)timer)
		run->restarted = true;
	timer_record(timer, TL_REC_TIMER_START);
	return 0;
}

SEC("tp_btf/timer_cancel")
int BPF_PROG(on_timer_cancel, struct timer_list *timer)
{
	timer_record(timer, TL_REC_TIMER_CANCEL);
	return 0;
}

SEC("tp_btf/timer_expire_entry")
int BPF_PROG(on_timer_expire, struct timer_list *timer)
{
	__u32 zero = 0;
	struct running_timer *run = bpf_map_lookup_elem(&running, &zero);
	struct tl_trace_record probe = {};
	if (!run || !socket_of_timer(timer, &probe))
		return 0;
	run->timer = (__u64)timer;
	run->restarted = false;
	run->rec = probe;
	timer_record(timer, TL_REC_TIMER_EXPIRE);
	return 0;
}

/* After the handler the socket may be freed: only what was read before it ran is reported. */
SEC("tp_btf/timer_expire_exit")
int BPF_PROG(on_timer_done, struct timer_list *timer)
{
	__u32 zero = 0;
	struct running_timer *run = bpf_map_lookup_elem(&running, &zero);
	if (!run || run->timer != (__u64)timer)
		return 0;
	run->timer = 0;
	if (run->restarted)
		return 0;
	struct tl_trace_record *r = reserve(TL_REC_TIMER_DONE);
	if (!r)
		return 0;
	__u64 t = r->t_ns;
	*r = run->rec;
	r->t_ns = t;
	r->kind = TL_REC_TIMER_DONE;
	bpf_ringbuf_submit(r, 0);
	return 0;
}
