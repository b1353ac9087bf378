/*
 * clock: the lab's one clock. Every event the lab records is stamped on
 * CLOCK_MONOTONIC (the eBPF programs' bpf_ktime_get_ns() reads the same
 * clock); packet capture stamps come on CLOCK_REALTIME and are shifted onto
 * it (lab/capture.h). The model never reads a clock: its time is passed in.
 */
#ifndef TCPLAB_CLOCK_H
#define TCPLAB_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC now, in ns. */
uint64_t tl_now_ns(void);

#endif
