/*
 * wire: TCP over IPv4 or IPv6 frames decoded into struct tl_packet and built from header
 * fields, and the layer offsets of a frame for readers of its options.
 */
#ifndef TCPLAB_WIRE_H
#define TCPLAB_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

enum { TL_TCP_MIN_HDR_LEN = 20 };

/* TCP option kinds whose values struct tl_tcp_option_list keeps. */
enum {
	TL_TCPOPT_EOL = 0,
	TL_TCPOPT_NOP = 1,
	TL_TCPOPT_MSS = 2,
	TL_TCPOPT_WSCALE = 3,
	TL_TCPOPT_SACK_PERMITTED = 4,
	TL_TCPOPT_SACK = 5,
	TL_TCPOPT_TIMESTAMP = 8,
};

/* Where the layers of one frame are; offsets from the frame's first byte. */
struct tl_frame_view {
	unsigned ip_version; /* 4 or 6 */
	uint32_t ip_off;
	uint32_t ip_hdr_len;
	uint32_t ip_total_len; /* the IP header's own length field (IPv6: 40 + payload length) */
	uint32_t tcp_off;
	uint32_t tcp_hdr_len;
};

/*
 * Finds the IPv4 or IPv6 and TCP headers of a frame of the given DLT_* link type and
 * checks that the TCP header (options included) was captured whole. Returns
 * 0, or -1 with a reason in err (which may be NULL).
 */
int tl_frame_parse(int linktype, const uint8_t *frame, uint32_t cap_len, struct tl_frame_view *v,
		   char *err, size_t errlen);

/*
 * Decodes one frame of the given DLT_* link type (DLT_EN10MB, DLT_NULL,
 * DLT_RAW, DLT_LINUX_SLL are understood) holding TCP over IPv4 or IPv6 (no
 * IPv6 extension headers). Fills the header
 * fields of *out (tuple, seq, ack, flags, window, payload_len, linktype,
 * wire_len, cap_len) and a malloc'd copy of the frame in out->bytes (owned by
 * the caller). Returns 0, or -1 with a reason in err for a frame that is not
 * TCP over IP or is truncated before the end of the TCP header.
 */
int tl_packet_decode(int linktype, const uint8_t *frame, uint32_t cap_len, uint32_t wire_len,
		     struct tl_packet *out, char *err, size_t errlen);

/*
 * Builds an Ethernet-framed (DLT_EN10MB, zero MACs as on loopback) TCP frame
 * over IPv4 or IPv6 (the tuple's family) from header fields, for the simulator's packets and for tests.
 * options/options_len are the raw TCP option bytes (padded to 4 by the
 * caller). Fills out as tl_packet_decode would. Returns 0, or -1 with errno
 * ENOMEM, or EINVAL when options_len is over 40 or not a multiple of 4, or
 * the tuple's addresses are of two families.
 */
int tl_packet_build(const struct tl_tuple *tuple, uint32_t seq, uint32_t ack, uint8_t flags,
		    uint16_t window, const uint8_t *options, size_t options_len,
		    const uint8_t *payload, size_t payload_len, struct tl_packet *out);

/*
 * Walks TCP option bytes (what follows the fixed header) into *out: every
 * kind in order, and the values of mss, wscale, TS and SACK. An option
 * whose length byte is missing, too small, runs past the end, or is not its
 * kind's fixed size ends the walk with out->malformed set. The decoders
 * above fill tl_packet.options with it.
 */
void tl_tcp_options_parse(const uint8_t *opts, size_t len, struct tl_tcp_option_list *out);

/* Network byte order readers. */
static inline uint16_t tl_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t tl_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t tl_get_be64(const uint8_t *p)
{
	return (uint64_t)tl_get_be32(p) << 32 | tl_get_be32(p + 4);
}

#endif
