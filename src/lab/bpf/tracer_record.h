/*
 * tracer_record: the one record the tracer's eBPF programs put in the ring
 * buffer, shared by the BPF object (tracer.bpf.c, compiled against vmlinux.h)
 * and the user side (tracer.c, which turns each record into a struct
 * tl_event). Plain fixed-width types only, laid out without holes, so both
 * compilers agree on every offset.
 */
#ifndef TCPLAB_TRACER_RECORD_H
#define TCPLAB_TRACER_RECORD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum tl_rec_kind {
	TL_REC_STATE = 1,	    /* inet_sock_set_state: old_state -> new_state */
	TL_REC_RETRANS = 2,	    /* tcp_retransmit_skb: a full socket resent seq/flags */
	TL_REC_RETRANS_SYNACK = 3,  /* tcp_retransmit_synack: a request socket resent */
	TL_REC_RESET_SENT = 4,	    /* tcp_send_reset */
	TL_REC_RESET_RECEIVED = 5,  /* tcp_receive_reset */
	TL_REC_DROP = 6,	    /* kfree_skb, reason NETFILTER_DROP */
	/* The state tracepoint's blind spots, seen through the sockets' own timers
	 * (timer tracepoints, filtered to the request and time-wait timer functions):
	 * sk_id is the request or time-wait socket, flags says which (TL_TIMER_OF_*),
	 * state its substate (time-wait) or timeouts so far (request). */
	TL_REC_TIMER_START = 7,	 /* armed or re-armed */
	TL_REC_TIMER_CANCEL = 8, /* stopped before it ran out (re-armed at once, or the socket went) */
	TL_REC_TIMER_EXPIRE = 9, /* ran out: its handler starts */
	TL_REC_TIMER_DONE = 10,	 /* its handler returned (without re-arming: the socket is gone) */
};

/* Whose timer a TL_REC_TIMER_* record is about. */
enum { TL_TIMER_OF_REQUEST = 1, TL_TIMER_OF_TIME_WAIT = 2 };

struct tl_trace_record {
	__u64 t_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 sk_id;	/* the socket's kernel address; 0 when there is none */
	__u8 saddr[16];	/* network byte order, IPv4 as ::ffff:a.b.c.d (core/addr.h);
			 * s = local end, or the packet's sender */
	__u8 daddr[16];
	__u16 sport;	/* host byte order */
	__u16 dport;	/* host byte order */
	__u32 seq;	/* the segment's sequence number (not for STATE, RESET_RECEIVED,
			 * or a RESET_SENT without an answered segment) */
	__u16 kind;	/* enum tl_rec_kind */
	__u8 old_state; /* STATE: the state left */
	__u8 state;	/* STATE: the state entered; others: the socket's state, 0 if none */
	__u8 flags;	/* TCP header flags of the segment (TL_TH_*) */
	__u8 pad[3];	/* to 64 bytes, a multiple of 8, with no implicit padding */
};

#endif
