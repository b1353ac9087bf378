/*
 * drops: marks the captured packets that a fault rule really dropped.
 *
 * On loopback the capture sees a packet before the input hook drops it, so
 * the capture alone cannot tell. Two witnesses say what was dropped: the
 * NFLOG report of the rule (with its name) and the kernel's kfree_skb
 * tracepoint with reason NETFILTER_DROP. Each drop event is matched to the
 * nearest captured packet with the same endpoints, sequence number and
 * flags that its witness has not claimed yet (equal packets can leave
 * microseconds apart: each is marked once per witness); matched drop events
 * leave the timeline (the packet now carries them), unmatched ones stay
 * visible.
 */
#ifndef TCPLAB_DROPS_H
#define TCPLAB_DROPS_H

#include "core/event.h"
#include "core/hindex.h"

/* Works on a time-sorted timeline; keeps it sorted. */
void tl_drops_attach(struct tl_timeline *tl);

/* The key a drop report and the packet it names share: endpoints, sequence number, flags. */
uint64_t tl_drop_key(const struct tl_tuple *t, uint32_t seq, uint8_t flags);

/*
 * Files every packet of tl under its tl_drop_key, in timeline order, into
 * an index the caller initialised (core/hindex.h): a drop report's
 * candidates, without a scan of the timeline per report. Returns 0, or -1
 * (ENOMEM).
 */
int tl_drops_index_packets(const struct tl_timeline *tl, struct tl_hindex *packets);

#endif
