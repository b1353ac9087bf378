/*
 * ip_tcp: header fields from a copied packet, without trusting its lengths.
 */
#include "lab/ip_tcp.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Ports, sequence number and flags from a TCP header of at least 14 bytes. */
static void read_tcp_fields(const uint8_t *th, struct tl_drop *d)
{
	d->tuple.sport = be16_at(th);
	d->tuple.dport = be16_at(th + 2);
	d->seq = be32_at(th + 4);
	d->flags = th[13];
}

static bool read_ipv6(const uint8_t *b, size_t len, struct tl_drop *d)
{
	enum { IP6_HDR_LEN = 40 };
	if (len < IP6_HDR_LEN + 14 || (b[0] >> 4) != 6 || b[6] != IPPROTO_TCP)
		return false;
	memcpy(d->tuple.saddr.b, b + 8, 16);
	memcpy(d->tuple.daddr.b, b + 24, 16);
	read_tcp_fields(b + IP6_HDR_LEN, d);
	return true;
}

static bool read_ipv4(const uint8_t *b, size_t len, struct tl_drop *d)
{
	if (len < 20 || (b[0] >> 4) != 4)
		return false;
	size_t ihl = (size_t)(b[0] & 0x0f) * 4;
	if (ihl < 20 || b[9] != IPPROTO_TCP)
		return false;
	if ((be16_at(b + 6) & 0x1fff) != 0) /* fragment offset */
		return false;
	if (len < ihl + 14)
		return false;
	uint32_t saddr, daddr; /* network order */
	memcpy(&saddr, b + 12, 4);
	memcpy(&daddr, b + 16, 4);
	d->tuple.saddr = tl_addr_v4(saddr);
	d->tuple.daddr = tl_addr_v4(daddr);
	read_tcp_fields(b + ihl, d);
	return true;
}

bool tl_ip_tcp_read(int family, const uint8_t *b, size_t len, struct tl_drop *d)
{
	if (family == AF_INET6)
		return read_ipv6(b, len, d);
	if (family == AF_INET)
		return read_ipv4(b, len, d);
	return false;
}
