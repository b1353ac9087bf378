/*
 * delayq: holds the packets of delay rules (docs/faults.md) in the current
 * network namespace. A delay rule marks each packet it matches with its own
 * mark and hands it to an nfnetlink_queue queue (firewall.h, nft_queue.h);
 * this reader takes each queued packet, notes on the timeline which rule
 * holds it, and gives the kernel its verdict, accept, once the rule's time
 * has passed since the packet was sent (its kernel stamp). The kernel keeps
 * the packet meanwhile, so what arrives is the very packet that was sent.
 *
 * The queue fails open: the rule's bypass flag lets packets pass while no
 * reader is bound, and a full queue accepts rather than drops. A lab that
 * dies takes the namespace, its rules and its queue with it.
 */
#ifndef TCPLAB_DELAYQ_H
#define TCPLAB_DELAYQ_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/fault.h"

/* The marks delay rules set: this base, plus the rule's slot. The lab's
 * packets carry no other mark. */
#define TL_DELAYQ_MARK_BASE 0x7c1a0000u
#define TL_DELAYQ_MAX_RULES 64

struct tl_delayq;

/*
 * Binds queue queue_num of the current network namespace to a new netlink
 * socket. Returns the reader (free with tl_delayq_close), or NULL with the
 * reason in err.
 */
struct tl_delayq *tl_delayq_open(uint16_t queue_num, char *err, size_t errlen);

/* A non-blocking descriptor that becomes readable when packets wait (poll()). */
int tl_delayq_fd(const struct tl_delayq *q);

/*
 * Registers delay rule f before its nftables rule is installed, so that no
 * packet can come before its rule is known, and gives the mark the rule must
 * set. Safe to call while another thread services the queue. Returns 0, or
 * -1 with err set when TL_DELAYQ_MAX_RULES rules were registered in this run.
 */
int tl_delayq_add_rule(struct tl_delayq *q, const struct tl_fault *f, uint32_t *mark, char *err,
		       size_t errlen);

/*
 * Takes every packet waiting, without blocking: appends to tl one TL_EV_NOTE
 * per packet (tl_fault_hold_note's text, stamped when it was sent), then
 * accepts every held packet whose time has come, in the order they are due
 * (at equal times, the order they came). realtime_minus_mono_ns converts
 * kernel stamps (capture.h). Returns 0, or -1 with err set: a netlink error,
 * or the kernel lost queue messages (their packets would never be let go).
 */
int tl_delayq_service(struct tl_delayq *q, int64_t realtime_minus_mono_ns, struct tl_timeline *tl,
		      char *err, size_t errlen);

/* CLOCK_MONOTONIC time the next held packet is due, or 0 when none is held. */
uint64_t tl_delayq_next_due_ns(const struct tl_delayq *q);

/* How many packets are held now. */
size_t tl_delayq_held(const struct tl_delayq *q);

/* Unbinds (the kernel drops what is still held) and frees q. NULL is fine. */
void tl_delayq_close(struct tl_delayq *q);

#endif
