/*
 * nflog: reports of the packets fault rules dropped, read from an NFLOG
 * group (nfnetlink_log over libmnl) in the current network namespace. Each
 * rule firewall.h installs logs the packet to the group, with the prefix
 * "tcplab:NAME", just before dropping it; the report becomes a TL_EV_DROP
 * event naming the rule. The packet capture still shows the dropped packet
 * (loopback capture happens before the input hook), so these events are how
 * a run knows which captured packets never arrived.
 */
#ifndef TCPLAB_NFLOG_H
#define TCPLAB_NFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* Bytes of each packet the kernel copies to us: an IPv4 header with options
 * (at most 60) and the first 20 bytes of TCP, enough for ports, sequence
 * number and flags. */
#define TL_NFLOG_COPY_BYTES 80

struct tl_nflog;

/*
 * Binds NFLOG group `group` of the current network namespace to a new
 * netlink socket, copying TL_NFLOG_COPY_BYTES of each packet, one report per
 * packet as soon as it is logged. Open it before installing rules that log
 * to the group. Returns the listener (free with tl_nflog_close), or NULL
 * with the reason in err (EPERM: another socket of the namespace already
 * has the group, or the caller lacks CAP_NET_ADMIN there).
 */
struct tl_nflog *tl_nflog_open(uint16_t group, char *err, size_t errlen);

/* A non-blocking descriptor that becomes readable when reports wait (poll()). */
int tl_nflog_fd(const struct tl_nflog *l);

/*
 * Reads every report waiting, without blocking, and appends one TL_EV_DROP
 * per IPv4 TCP packet to tl: tuple, seq and flags from the copied headers,
 * rule = the log prefix without "tcplab:", side TL_SIDE_NONE. t_ns is the
 * kernel's timestamp of the packet, converted from CLOCK_REALTIME to
 * CLOCK_MONOTONIC by subtracting realtime_minus_mono_ns (see capture.h),
 * when the report carries one (the kernel stamps packets only while some
 * socket, a packet capture for one, asks for timestamps); otherwise the
 * CLOCK_MONOTONIC time of reading, a little late. Other reports (IPv6, not
 * TCP, cut short) are skipped. Returns the number of events appended, or -1
 * with err set: a netlink error, or the kernel lost reports because the
 * socket's buffer was full (events read before that stay in tl).
 */
int tl_nflog_drain(struct tl_nflog *l, int64_t realtime_minus_mono_ns, struct tl_timeline *tl,
		   char *err, size_t errlen);

/* Unbinds the group (closing the socket does it) and frees l. NULL is fine. */
void tl_nflog_close(struct tl_nflog *l);

#endif
