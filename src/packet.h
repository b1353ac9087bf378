/*
 * packet: decodes captured frames into struct tl_packet and prints them the
 * way `tcpdump -nn` prints a TCP/IPv4 packet after its timestamp, e.g.
 *   IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [S], seq 1234, win 65495,
 *   options [mss 65495,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0
 * Sequence numbers follow tcpdump's default: absolute until a connection's
 * first ACK-bearing packet fixes its initial numbers, relative afterwards.
 * That needs memory across packets, kept in a struct tl_seq_tracker.
 */
#ifndef TCPLAB_PACKET_H
#define TCPLAB_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * Decodes one frame of the given DLT_* link type (DLT_EN10MB, DLT_NULL,
 * DLT_RAW, DLT_LINUX_SLL are understood) holding IPv4/TCP. Fills the header
 * fields of *out (tuple, seq, ack, flags, window, payload_len, linktype,
 * wire_len, cap_len) and a malloc'd copy of the frame in out->bytes (owned by
 * the caller). Returns 0, or -1 with a reason in err for a frame that is not
 * IPv4/TCP or is truncated before the end of the TCP header.
 */
int tl_packet_decode(int linktype, const uint8_t *frame, uint32_t cap_len, uint32_t wire_len,
		     struct tl_packet *out, char *err, size_t errlen);

struct tl_seq_tracker;

/* NULL when out of memory. */
struct tl_seq_tracker *tl_seq_tracker_new(void);
void tl_seq_tracker_free(struct tl_seq_tracker *t);

/*
 * Writes tcpdump's text for p into buf (always NUL-terminated, truncated to
 * len) and updates the tracker. Packets must be given in capture order. A
 * NULL tracker prints absolute numbers (as tcpdump -S); a packet without
 * bytes prints from its fields alone, without options.
 * Returns the length tcpdump's text has (as snprintf does).
 */
int tl_packet_format(struct tl_seq_tracker *t, const struct tl_packet *p, char *buf, size_t len);

/*
 * Builds an Ethernet-framed (DLT_EN10MB, zero MACs as on loopback) IPv4/TCP
 * frame from header fields, for the simulator's packets and for tests.
 * options/options_len are the raw TCP option bytes (padded to 4 by the
 * caller). Fills out as tl_packet_decode would. Returns 0, or -1 with errno
 * ENOMEM, or EINVAL when options_len is over 40 or not a multiple of 4.
 */
int tl_packet_build(const struct tl_tuple *tuple, uint32_t seq, uint32_t ack, uint8_t flags,
		    uint16_t window, const uint8_t *options, size_t options_len,
		    const uint8_t *payload, size_t payload_len, struct tl_packet *out);

#endif
