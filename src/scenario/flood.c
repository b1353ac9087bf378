/*
 * flood: spoofed SYNs, numbered.
 */
#include "scenario/flood.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/textbuf.h"
#include "core/wire.h"

#define FLOOD_V4_NET 0x0a000000u /* 10.0.0.0/8 */
#define FLOOD_V4_LEN 8
#define FLOOD_V6_NET "fd00:2017::"
#define FLOOD_V6_LEN 64
#define FLOOD_FIRST_PORT 1024
#define FLOOD_PORTS (65536 - FLOOD_FIRST_PORT)
#define FLOOD_MSS 1460	  /* Ethernet's: a host out on the network, not on loopback */
#define FLOOD_WINDOW 64240 /* 44 x 1460, what Linux offers with that MSS */
#define FLOOD_WSCALE 7

void tl_flood_prefix(int family, struct tl_addr *net, unsigned *prefix_len)
{
	if (family == AF_INET6) {
		tl_addr_parse(FLOOD_V6_NET, net);
		*prefix_len = FLOOD_V6_LEN;
	} else {
		*net = tl_addr_v4(htonl(FLOOD_V4_NET));
		*prefix_len = FLOOD_V4_LEN;
	}
}

/* The i-th host of the prefix: i + 1, so that no source is the network's own address. */
static struct tl_addr flood_host(int family, size_t i)
{
	struct tl_addr a;
	unsigned len;
	tl_flood_prefix(family, &a, &len);
	uint32_t host = (uint32_t)i + 1;
	/* The host number goes in the last four bytes: within 10.0.0.0/8 as long as i < 2^24 - 1. */
	for (int k = 0; k < 4; k++)
		a.b[15 - k] = (uint8_t)(a.b[15 - k] | (host >> (8 * k)));
	return a;
}

void tl_flood_drop_rule(int family, struct tl_fault *out)
{
	memset(out, 0, sizeof(*out));
	tl_textf(out->name, sizeof(out->name), "%s", TL_FLOOD_RULE);
	out->action = TL_FAULT_DROP;
	out->raw = true;
	tl_textf(out->nft, sizeof(out->nft), family == AF_INET6 ? "ip6 daddr %s/%d" : "ip daddr %s/%d",
		 family == AF_INET6 ? FLOOD_V6_NET : "10.0.0.0", family == AF_INET6 ? FLOOD_V6_LEN : FLOOD_V4_LEN);
}

bool tl_flood_is_source(const struct tl_addr *a)
{
	struct tl_addr net;
	unsigned len;
	tl_flood_prefix(tl_addr_family(a), &net, &len);
	/* Both prefixes end on a byte boundary, counted in the 16-byte form (IPv4 mapped: 96 bits before). */
	size_t bytes = (tl_addr_is_v4(a) ? 96 + len : len) / 8;
	return memcmp(a->b, net.b, bytes) == 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (24 - 8 * k));
}

void tl_flood_syn(const struct tl_addr *target, uint16_t port, size_t i, struct tl_flood_syn *out)
{
	memset(out, 0, sizeof(*out));
	out->tuple.saddr = flood_host(tl_addr_family(target), i);
	out->tuple.daddr = *target;
	out->tuple.sport = (uint16_t)(FLOOD_FIRST_PORT + i % FLOOD_PORTS);
	out->tuple.dport = port;
	/* Any number will do; a fixed mix of i keeps kernel and model runs alike. */
	out->seq = (uint32_t)((i + 1) * 2654435761u);
	out->window = FLOOD_WINDOW;
	uint8_t *o = out->options;
	o[0] = TL_TCPOPT_MSS;
	o[1] = 4;
	o[2] = FLOOD_MSS >> 8;
	o[3] = FLOOD_MSS & 0xff;
	o[4] = TL_TCPOPT_SACK_PERMITTED;
	o[5] = 2;
	o[6] = TL_TCPOPT_TIMESTAMP;
	o[7] = 10;
	put32(o + 8, (uint32_t)i + 1); /* TS val: the sender's clock, any value */
	put32(o + 12, 0);
	o[16] = TL_TCPOPT_NOP;
	o[17] = TL_TCPOPT_WSCALE;
	o[18] = 3;
	o[19] = FLOOD_WSCALE;
	out->options_len = TL_FLOOD_OPTIONS_LEN;
}

void tl_flood_note(const struct tl_step *st, const struct tl_addr *target, uint16_t port, char *out, size_t len)
{
	char first[TL_ADDR_STRLEN], last[TL_ADDR_STRLEN], to[TL_ENDPOINT_STRLEN];
	int family = tl_addr_family(target);
	struct tl_addr a = flood_host(family, 0), b = flood_host(family, st->count - 1);
	tl_addr_format(&a, first, sizeof(first));
	tl_addr_format(&b, last, sizeof(last));
	tl_endpoint_format(target, port, to, sizeof(to));
	if (st->duration_ns)
		tl_textf(out, len, "line %d: tcplab floods %s with %zu SYNs from %s to %s, one every %.3f ms; nothing answers from there",
			 st->line, to, st->count, first, last, st->duration_ns / 1e6);
	else
		tl_textf(out, len, "line %d: tcplab floods %s with %zu SYNs from %s to %s at once; nothing answers from there",
			 st->line, to, st->count, first, last);
}
