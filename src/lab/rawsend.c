/*
 * rawsend: hand-made segments through a raw socket.
 */
#include "lab/rawsend.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/textbuf.h"
#include "core/wire.h"

/* The frame tl_packet_build makes starts with an Ethernet header; a raw socket takes the IP packet. */
#define ETHERNET_HEADER_LEN 14

/* "nop, nop, TS": what Linux puts on a segment after the handshake when timestamps are on. */
static size_t timestamp_option(const struct tl_inject_plan *plan, uint8_t out[12])
{
	if (!plan->ts_set)
		return 0;
	out[0] = out[1] = TL_TCPOPT_NOP;
	out[2] = TL_TCPOPT_TIMESTAMP;
	out[3] = 10;
	for (int i = 0; i < 4; i++) {
		out[4 + i] = (uint8_t)(plan->ts_val >> (24 - 8 * i));
		out[8 + i] = (uint8_t)(plan->ts_ecr >> (24 - 8 * i));
	}
	return 12;
}

int tl_raw_open(int family, char *why, size_t len)
{
	/* IPPROTO_RAW: the packet carries its own IP header (IP_HDRINCL, and its IPv6 counterpart). */
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return tl_errorf(why, len, "raw socket: %s%s", strerror(errno),
				 errno == EPERM ? " (sending a hand-made segment needs CAP_NET_RAW)" : "");
	return fd;
}

int tl_raw_send_segment(int fd, const struct tl_raw_segment *seg, char *why, size_t len)
{
	struct tl_packet pkt;
	memset(&pkt, 0, sizeof(pkt));
	if (tl_packet_build(&seg->tuple, seg->seq, seg->ack, seg->flags, seg->window, seg->options, seg->options_len,
			    NULL, 0, &pkt) < 0)
		return tl_errorf(why, len, "cannot build the segment: %s", strerror(errno));
	struct sockaddr_storage to;
	socklen_t to_len = tl_addr_to_sockaddr(&seg->tuple.daddr, 0, &to);
	int rc = 0;
	if (sendto(fd, pkt.bytes + ETHERNET_HEADER_LEN, pkt.cap_len - ETHERNET_HEADER_LEN, 0, (struct sockaddr *)&to,
		   to_len) < 0)
		rc = tl_errorf(why, len, "sending the segment: %s", strerror(errno));
	free(pkt.bytes);
	free(pkt.text);
	return rc;
}

int tl_raw_send(const struct tl_inject_plan *plan, char *why, size_t len)
{
	uint8_t opts[12];
	struct tl_raw_segment seg = { .tuple = plan->tuple, .seq = plan->seq, .ack = plan->ack, .flags = plan->flags,
				      .window = plan->window, .options = opts };
	seg.options_len = timestamp_option(plan, opts);
	int fd = tl_raw_open(tl_tuple_family(&plan->tuple), why, len);
	if (fd < 0)
		return -1;
	int rc = tl_raw_send_segment(fd, &seg, why, len);
	close(fd);
	return rc;
}
