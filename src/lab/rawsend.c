/*
 * rawsend: a hand-made segment through a raw socket.
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

int tl_raw_send(const struct tl_inject_plan *plan, char *why, size_t len)
{
	uint8_t opts[12];
	size_t n_opts = timestamp_option(plan, opts);
	struct tl_packet pkt;
	memset(&pkt, 0, sizeof(pkt));
	if (tl_packet_build(&plan->tuple, plan->seq, plan->ack, plan->flags, plan->window, opts, n_opts, NULL, 0,
			    &pkt) < 0)
		return tl_errorf(why, len, "cannot build the segment: %s", strerror(errno));
	int family = tl_tuple_family(&plan->tuple);
	struct sockaddr_storage to;
	socklen_t to_len = tl_addr_to_sockaddr(&plan->tuple.daddr, 0, &to);
	/* IPPROTO_RAW: the packet carries its own IP header (IP_HDRINCL, and its IPv6 counterpart). */
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	int rc = 0;
	if (fd < 0) {
		rc = tl_errorf(why, len, "raw socket: %s%s", strerror(errno),
			       errno == EPERM ? " (injecting a segment needs CAP_NET_RAW)" : "");
	} else if (sendto(fd, pkt.bytes + ETHERNET_HEADER_LEN, pkt.cap_len - ETHERNET_HEADER_LEN, 0,
			  (struct sockaddr *)&to, to_len) < 0) {
		rc = tl_errorf(why, len, "sending the segment: %s", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	free(pkt.bytes);
	free(pkt.text);
	return rc;
}
