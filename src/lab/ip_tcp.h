/*
 * ip_tcp: reads the addresses, ports, sequence number and flags of a TCP
 * packet that netfilter copied to userspace (an NFLOG report, a queued
 * packet): the IP header, then at least the first 14 bytes of TCP.
 */
#ifndef TCPLAB_IP_TCP_H
#define TCPLAB_IP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/*
 * Fills d's tuple, seq and flags from the packet b of len bytes, of family
 * AF_INET or AF_INET6 (as netfilter reports it). False for anything else:
 * not TCP, an IPv4 fragment after the first (no TCP header), an IPv6 packet
 * with extension headers (loopback TCP carries none), or cut before the
 * flags. d's rule and ref are left alone.
 */
bool tl_ip_tcp_read(int family, const uint8_t *b, size_t len, struct tl_drop *d);

#endif
