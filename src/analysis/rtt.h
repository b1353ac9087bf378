/*
 * rtt: the RTO a side's connection had at a moment of a run, estimated from
 * the capture as the kernel estimates it from its ACKs (timer_model.h's
 * tl_timer_rtt_sample): each ACK from the peer that moves the side's
 * snd_una gives the delay since the oldest segment it acknowledges was
 * sent, unless one of them was sent twice. The persist timer waits that
 * RTO, so a delayed ACK before a window closed shows in the probes' gaps.
 */
#ifndef TCPLAB_RTT_H
#define TCPLAB_RTT_H

#include <stdint.h>

#include "core/event.h"
#include "model/timer_model.h"

/*
 * The RTO in ms (a whole number of jiffies) of side's first connection
 * after the packets up to and including until_ns, with the sysctls in
 * *set; 0 when no ACK gave a sample.
 */
int64_t tl_rtt_capture_rto_ms(const struct tl_timeline *tl, enum tl_side side, uint64_t until_ns,
			      const struct tl_timer_settings *set);

#endif
