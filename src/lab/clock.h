/*
 * clock: the lab's one clock. Every event the lab records is stamped on
 * CLOCK_MONOTONIC (the eBPF programs' bpf_ktime_get_ns() reads the same
 * clock); packet capture stamps come on CLOCK_REALTIME and are shifted onto
 * it (lab/capture.h). The model never reads a clock: its time is passed in.
 */
#ifndef TCPLAB_CLOCK_H
#define TCPLAB_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC now, in ns. */
uint64_t tl_now_ns(void);

/*
 * A packet's kernel stamp as netfilter's queue and log report it (an skb
 * stamp on CLOCK_REALTIME, seconds and microseconds), on CLOCK_MONOTONIC:
 * shifted by realtime_minus_mono_ns (capture.h). A stamp of 0, or one that
 * converts to before boot or to more than 100 ms after now_ns, is not
 * believed (the kernel stamps packets only while some socket asks for
 * stamps), and now_ns, the time of reading, stands instead.
 */
uint64_t tl_kernel_stamp_ns(uint64_t sec, uint64_t usec, int64_t realtime_minus_mono_ns, uint64_t now_ns);

/*
 * Paced steps (a flood's SYNs, a crowd's calls, `every D`): the i-th call is
 * due every_ns after the first's start times i, and never less than every_ns
 * after the call before it began, so that a thread that fell behind does not
 * catch up with calls back to back (the pacing is what keeps each call's
 * consequences apart). Start with { .every_ns = D }; every_ns 0 never waits.
 */
struct tl_pacer {
	uint64_t every_ns, first_ns, last_ns;
	size_t calls;
};

/* Waits until the next call is due, then counts it as begun. */
void tl_pace(struct tl_pacer *p);

#endif
