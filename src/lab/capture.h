/*
 * capture: live packet capture with libpcap on an interface of the current
 * network namespace.
 */
#ifndef TCPLAB_CAPTURE_H
#define TCPLAB_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

struct tl_capture;

/*
 * Opens ifname ("lo") for TCP packets: immediate mode, nanosecond
 * timestamps, non-blocking, BPF filter "tcp". Call it after the interface is
 * up. Returns NULL with pcap's reason in err.
 */
struct tl_capture *tl_capture_open(const char *ifname, char *err, size_t errlen);

/* A descriptor that becomes readable when packets wait (for poll()). */
int tl_capture_fd(const struct tl_capture *c);

/* DLT_* of the capture. */
int tl_capture_linktype(const struct tl_capture *c);

/*
 * Reads every packet waiting and appends each as a TL_EV_PACKET to tl, with
 * t_ns = capture time on CLOCK_MONOTONIC (pcap's CLOCK_REALTIME stamp minus
 * realtime_minus_mono_ns) and u.packet.wall_ns = the pcap stamp. Side is left
 * TL_SIDE_NONE. Returns the number appended, or -1 with err set.
 */
int tl_capture_drain(struct tl_capture *c, int64_t realtime_minus_mono_ns, struct tl_timeline *tl,
		     char *err, size_t errlen);

void tl_capture_close(struct tl_capture *c);

/* CLOCK_REALTIME minus CLOCK_MONOTONIC, measured tightly (ns). */
int64_t tl_realtime_minus_mono_ns(void);

#endif
