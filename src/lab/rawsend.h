/*
 * rawsend: puts TCP segments on the lab's wire that no socket sent, for an
 * inject step (scenario/inject.h) and a flood step (scenario/flood.h). A
 * raw socket in the lab's namespace sends each with its own IPv4 or IPv6
 * header, so it takes the path a segment from a socket takes: through the
 * firewall's output hook, the capture, and the receiver's input.
 */
#ifndef TCPLAB_RAWSEND_H
#define TCPLAB_RAWSEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/inject.h"

/* The segment to send: header fields in host order, option bytes as on the wire (padded to 4). */
struct tl_raw_segment {
	struct tl_tuple tuple; /* its sender first */
	uint32_t seq, ack;
	uint8_t flags; /* TL_TH_* */
	uint16_t window;
	const uint8_t *options;
	size_t options_len;
};

/* A raw socket of family (AF_INET, AF_INET6) that takes whole IP packets; -1 with why (needs CAP_NET_RAW). */
int tl_raw_open(int family, char *why, size_t len);

/* Sends seg on the raw socket fd: 0, or -1 with why. */
int tl_raw_send_segment(int fd, const struct tl_raw_segment *seg, char *why, size_t len);

/* The inject step's segment, on a socket of its own: 0, or -1 with why. */
int tl_raw_send(const struct tl_inject_plan *plan, char *why, size_t len);

#endif
