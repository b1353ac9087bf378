/*
 * wire: the bytes of a TCP segment as it travels, from the link layer on.
 * Both runners speak it: the lab decodes what libpcap captured, the
 * simulator builds what its model sends, so every later stage reads the
 * same struct tl_packet with the frame behind it.
 */
#include "core/wire.h"
#include "core/invariant.h"
#include "core/textbuf.h"

#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

enum {
	ETH_HDR_LEN = 14,
	SLL_HDR_LEN = 16,
	NULL_HDR_LEN = 4,
	IP_MIN_HDR_LEN = 20,
	IP6_HDR_LEN = 40,
	TCP_MAX_OPT_LEN = 40,
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	/* DLT_NULL's family value for IPv6 depends on the capturing OS: Linux,
	 * then NetBSD/OpenBSD, FreeBSD, macOS (libpcap's BSD_AFNUM_INET6_*). */
	NULL_AF_INET6_LINUX = 10,
	NULL_AF_INET6_BSD = 24,
	NULL_AF_INET6_FREEBSD = 28,
	NULL_AF_INET6_DARWIN = 30,
	IP_FLAG_DF = 0x4000,
	IP_OFFSET_MASK = 0x1fff,
	IP_DEFAULT_TTL = 64,
};


static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- decoding ---------------------------------------------------------- */





/* The IP version an ethertype announces; 0 for one that is not IP. */
static unsigned ethertype_version(uint16_t type)
{
	return type == ETHERTYPE_IPV4 ? 4 : type == ETHERTYPE_IPV6 ? 6 : 0;
}

/* The IP version a DLT_NULL family announces; 0 for one that is not IP. */
static unsigned null_family_version(uint32_t family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case NULL_AF_INET6_LINUX:
	case NULL_AF_INET6_BSD:
	case NULL_AF_INET6_FREEBSD:
	case NULL_AF_INET6_DARWIN:
		return 6;
	default:
		return 0;
	}
}

/* Finds the IP header behind the link-layer header, and the IP version the
 * link layer announces (0 when it does not say: DLT_RAW). */
static int link_header_len(int linktype, const uint8_t *frame, uint32_t cap_len, uint32_t *len,
			   unsigned *version, char *err, size_t errlen)
{
	switch (linktype) {
	case DLT_EN10MB:
		if (cap_len < ETH_HDR_LEN)
			return tl_errorf(err, errlen, "Ethernet header truncated (%u of %d bytes)",
				    cap_len, ETH_HDR_LEN);
		*version = ethertype_version(tl_get_be16(frame + 12));
		if (!*version)
			return tl_errorf(err, errlen, "not IP (ethertype 0x%04x)",
				    tl_get_be16(frame + 12));
		*len = ETH_HDR_LEN;
		return 0;
	case DLT_LINUX_SLL:
		if (cap_len < SLL_HDR_LEN)
			return tl_errorf(err, errlen, "Linux cooked header truncated (%u of %d bytes)",
				    cap_len, SLL_HDR_LEN);
		*version = ethertype_version(tl_get_be16(frame + 14));
		if (!*version)
			return tl_errorf(err, errlen, "not IP (protocol 0x%04x)",
				    tl_get_be16(frame + 14));
		*len = SLL_HDR_LEN;
		return 0;
	case DLT_NULL: {
		if (cap_len < NULL_HDR_LEN)
			return tl_errorf(err, errlen, "loopback header truncated (%u of %d bytes)",
				    cap_len, NULL_HDR_LEN);
		/* The family is in the capturing host's byte order: accept either. */
		uint32_t family = tl_get_be32(frame);
		*version = null_family_version(family);
		if (!*version)
			*version = null_family_version(__builtin_bswap32(family));
		if (!*version)
			return tl_errorf(err, errlen, "not IP (address family %u)", family);
		*len = NULL_HDR_LEN;
		return 0;
	}
	case DLT_RAW:
		*version = 0;
		*len = 0;
		return 0;
	default:
		return tl_errorf(err, errlen, "unsupported link type %d", linktype);
	}
}

/*
 * The IPv6 header's lengths. Extension headers are refused rather than
 * walked: loopback TCP carries none, and a frame with one is not a plain
 * segment the rest of tcplab could show the way tcpdump does.
 */
static int ipv6_lengths(const uint8_t *ip, uint32_t ip_cap, uint32_t *hdr_len, uint32_t *total_len,
			char *err, size_t errlen)
{
	if (ip_cap < IP6_HDR_LEN)
		return tl_errorf(err, errlen, "IPv6 header truncated (%u of %d bytes)", ip_cap, IP6_HDR_LEN);
	if (ip[6] != IPPROTO_TCP)
		return tl_errorf(err, errlen, "not TCP (IPv6 next header %u; extension headers are not read)",
				 ip[6]);
	*hdr_len = IP6_HDR_LEN;
	*total_len = IP6_HDR_LEN + tl_get_be16(ip + 4);
	return 0;
}

/* The IPv4 header's lengths, for a header that is not a later fragment. */
static int ipv4_lengths(const uint8_t *ip, uint32_t ip_cap, uint32_t *hdr_len, uint32_t *total_len,
			char *err, size_t errlen)
{
	if (ip_cap < IP_MIN_HDR_LEN)
		return tl_errorf(err, errlen, "IP header truncated (%u of %d bytes)", ip_cap,
			    IP_MIN_HDR_LEN);
	uint32_t ip_hdr_len = (ip[0] & 0x0fu) * 4;
	uint32_t ip_total_len = tl_get_be16(ip + 2);
	if (ip_hdr_len < IP_MIN_HDR_LEN)
		return tl_errorf(err, errlen, "bad IP header length %u", ip_hdr_len);
	if (ip[9] != IPPROTO_TCP)
		return tl_errorf(err, errlen, "not TCP (IP protocol %u)", ip[9]);
	/* A later fragment carries no TCP header to show. */
	if (tl_get_be16(ip + 6) & IP_OFFSET_MASK)
		return tl_errorf(err, errlen, "IP fragment at offset %u has no TCP header",
			    (tl_get_be16(ip + 6) & IP_OFFSET_MASK) * 8u);
	*hdr_len = ip_hdr_len;
	*total_len = ip_total_len;
	return 0;
}

int tl_frame_parse(int linktype, const uint8_t *frame, uint32_t cap_len, struct tl_frame_view *v,
		       char *err, size_t errlen)
{
	uint32_t link_len = 0;
	unsigned announced = 0;
	if (link_header_len(linktype, frame, cap_len, &link_len, &announced, err, errlen) < 0)
		return -1;

	const uint8_t *ip = frame + link_len;
	uint32_t ip_cap = cap_len - link_len;
	if (ip_cap < 1)
		return tl_errorf(err, errlen, "IP header truncated (%u of %d bytes)", ip_cap, IP_MIN_HDR_LEN);
	uint32_t ip_hdr_len = 0, ip_total_len = 0;
	unsigned version = ip[0] >> 4;
	if (announced && version != announced)
		return tl_errorf(err, errlen, "IP version %u where the link layer announces IPv%u", version,
				 announced);
	if (version == 4) {
		if (ipv4_lengths(ip, ip_cap, &ip_hdr_len, &ip_total_len, err, errlen) < 0)
			return -1;
	} else if (version == 6) {
		if (ipv6_lengths(ip, ip_cap, &ip_hdr_len, &ip_total_len, err, errlen) < 0)
			return -1;
	} else {
		return tl_errorf(err, errlen, "not IP (IP version %u)", version);
	}
	if (ip_total_len < ip_hdr_len + TL_TCP_MIN_HDR_LEN)
		return tl_errorf(err, errlen, "IP total length %u leaves no room for a TCP header",
			    ip_total_len);
	if (ip_cap < ip_hdr_len + TL_TCP_MIN_HDR_LEN)
		return tl_errorf(err, errlen, "TCP header truncated (%u of %u bytes captured)",
			    ip_cap < ip_hdr_len ? 0 : ip_cap - ip_hdr_len,
			    (unsigned)TL_TCP_MIN_HDR_LEN);

	const uint8_t *tcp = ip + ip_hdr_len;
	uint32_t tcp_hdr_len = (uint32_t)(tcp[12] >> 4) * 4;
	if (tcp_hdr_len < TL_TCP_MIN_HDR_LEN)
		return tl_errorf(err, errlen, "bad TCP header length %u", tcp_hdr_len);
	if (ip_hdr_len + tcp_hdr_len > ip_total_len)
		return tl_errorf(err, errlen, "TCP header length %u exceeds the IP payload (%u bytes)",
			    tcp_hdr_len, ip_total_len - ip_hdr_len);
	if (ip_cap < ip_hdr_len + tcp_hdr_len)
		return tl_errorf(err, errlen, "TCP options truncated (%u of %u header bytes captured)",
			    ip_cap - ip_hdr_len, tcp_hdr_len);

	v->ip_version = version;
	v->ip_off = link_len;
	v->ip_hdr_len = ip_hdr_len;
	v->ip_total_len = ip_total_len;
	v->tcp_off = link_len + ip_hdr_len;
	v->tcp_hdr_len = tcp_hdr_len;
	return 0;
}

/* The length a kind must have, or 0 when any length of at least 2 will do. */
static unsigned option_fixed_len(unsigned kind)
{
	switch (kind) {
	case TL_TCPOPT_MSS: return 4;
	case TL_TCPOPT_WSCALE: return 3;
	case TL_TCPOPT_TIMESTAMP: return 10;
	default: return 0;
	}
}

static bool sack_len_ok(unsigned len)
{
	return len >= 10 && (len - 2) % 8 == 0 && (len - 2) / 8 <= TL_TCP_SACK_BLOCKS_MAX;
}

void tl_tcp_options_parse(const uint8_t *opts, size_t len, struct tl_tcp_option_list *out)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	while (i < len) {
		unsigned kind = opts[i];
		/* One kind per byte at most: the option space bounds the list. */
		TL_ASSERT(out->n < TL_TCP_OPTION_SPACE);
		if (kind == TL_TCPOPT_EOL || kind == TL_TCPOPT_NOP) {
			out->kind[out->n++] = (uint8_t)kind;
			i++;
			if (kind == TL_TCPOPT_EOL)
				return;
			continue;
		}
		unsigned olen = i + 1 < len ? opts[i + 1] : 0;
		unsigned fixed = option_fixed_len(kind);
		if (olen < 2 || i + olen > len || (fixed && olen != fixed) || (kind == TL_TCPOPT_SACK && !sack_len_ok(olen))) {
			out->malformed = true;
			return;
		}
		const uint8_t *data = opts + i + 2;
		out->kind[out->n++] = (uint8_t)kind;
		switch (kind) {
		case TL_TCPOPT_MSS: out->mss = tl_get_be16(data); break;
		case TL_TCPOPT_WSCALE: out->wscale = data[0]; break;
		case TL_TCPOPT_TIMESTAMP:
			out->ts_val = tl_get_be32(data);
			out->ts_ecr = tl_get_be32(data + 4);
			break;
		case TL_TCPOPT_SACK:
			out->n_sack = (uint8_t)((olen - 2) / 8);
			for (unsigned b = 0; b < out->n_sack; b++) {
				out->sack[b][0] = tl_get_be32(data + 8 * b);
				out->sack[b][1] = tl_get_be32(data + 8 * b + 4);
			}
			break;
		}
		i += olen;
	}
}

/* Fills the header fields of out from a frame tl_frame_parse() accepted. */
static void fill_fields(int linktype, const uint8_t *frame, uint32_t cap_len, uint32_t wire_len,
			const struct tl_frame_view *v, struct tl_packet *out)
{
	const uint8_t *ip = frame + v->ip_off;
	const uint8_t *tcp = frame + v->tcp_off;

	memset(out, 0, sizeof(*out));
	if (v->ip_version == 6) {
		memcpy(out->tuple.saddr.b, ip + 8, 16);
		memcpy(out->tuple.daddr.b, ip + 24, 16);
	} else {
		uint32_t s, d;
		memcpy(&s, ip + 12, 4);
		memcpy(&d, ip + 16, 4);
		out->tuple.saddr = tl_addr_v4(s);
		out->tuple.daddr = tl_addr_v4(d);
	}
	out->tuple.sport = tl_get_be16(tcp);
	out->tuple.dport = tl_get_be16(tcp + 2);
	out->seq = tl_get_be32(tcp + 4);
	out->ack = tl_get_be32(tcp + 8);
	out->flags = tcp[13];
	out->window = tl_get_be16(tcp + 14);
	tl_tcp_options_parse(tcp + TL_TCP_MIN_HDR_LEN, v->tcp_hdr_len - TL_TCP_MIN_HDR_LEN, &out->options);
	out->payload_len = v->ip_total_len - v->ip_hdr_len - v->tcp_hdr_len;
	out->linktype = linktype;
	out->wire_len = wire_len;
	out->cap_len = cap_len;
}

int tl_packet_decode(int linktype, const uint8_t *frame, uint32_t cap_len, uint32_t wire_len,
		     struct tl_packet *out, char *err, size_t errlen)
{
	struct tl_frame_view v;
	if (!frame)
		return tl_errorf(err, errlen, "no frame");
	if (tl_frame_parse(linktype, frame, cap_len, &v, err, errlen) < 0)
		return -1;

	uint8_t *copy = malloc(cap_len);
	if (!copy)
		return tl_errorf(err, errlen, "out of memory copying a %u-byte frame", cap_len);
	memcpy(copy, frame, cap_len);
	fill_fields(linktype, frame, cap_len, wire_len, &v, out);
	out->bytes = copy;
	return 0;
}

/* ---- building ----------------------------------------------------------- */

/* The Internet checksum's folded one's-complement sum, continued from sum. */
static uint32_t sum_words(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The IPv4 header of a segment of tcp_len bytes; returns its pseudo-header's sum. */
static uint32_t put_ipv4_header(uint8_t *ip, const struct tl_tuple *tuple, size_t tcp_len)
{
	uint32_t s = tl_addr_v4_be(&tuple->saddr), d = tl_addr_v4_be(&tuple->daddr);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(IP_MIN_HDR_LEN + tcp_len));
	/* id 0 keeps simulated runs byte-for-byte reproducible; DF makes it legal. */
	put_be16(ip + 6, IP_FLAG_DF);
	ip[8] = IP_DEFAULT_TTL;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	put_be16(ip + 10, (uint16_t)~sum_words(0, ip, IP_MIN_HDR_LEN));

	/* The pseudo-header: addresses, protocol, TCP length. */
	uint8_t pseudo[12];
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put_be16(pseudo + 10, (uint16_t)tcp_len);
	return sum_words(0, pseudo, sizeof(pseudo));
}

/* The IPv6 header (flow label 0, hop limit 64); returns its pseudo-header's sum. */
static uint32_t put_ipv6_header(uint8_t *ip, const struct tl_tuple *tuple, size_t tcp_len)
{
	ip[0] = 0x60;
	put_be16(ip + 4, (uint16_t)tcp_len);
	ip[6] = IPPROTO_TCP;
	ip[7] = IP_DEFAULT_TTL;
	memcpy(ip + 8, tuple->saddr.b, 16);
	memcpy(ip + 24, tuple->daddr.b, 16);

	/* RFC 8200 8.1: addresses, upper-layer length (32 bits), zeros, next header. */
	uint8_t pseudo[40];
	memcpy(pseudo, ip + 8, 32);
	put_be32(pseudo + 32, (uint32_t)tcp_len);
	memset(pseudo + 36, 0, 3);
	pseudo[39] = IPPROTO_TCP;
	return sum_words(0, pseudo, sizeof(pseudo));
}

int tl_packet_build(const struct tl_tuple *tuple, uint32_t seq, uint32_t ack, uint8_t flags,
		    uint16_t window, const uint8_t *options, size_t options_len,
		    const uint8_t *payload, size_t payload_len, struct tl_packet *out)
{
	bool v6 = !tl_addr_is_v4(&tuple->saddr);
	size_t ip_hdr_len = v6 ? IP6_HDR_LEN : IP_MIN_HDR_LEN;
	size_t tcp_hdr_len = TL_TCP_MIN_HDR_LEN + options_len;
	/* IPv4's total length counts its header; IPv6's payload length does not. */
	size_t length_field = (v6 ? 0 : ip_hdr_len) + tcp_hdr_len + payload_len;
	if (options_len % 4 != 0 || options_len > TCP_MAX_OPT_LEN || length_field > 0xffff ||
	    (options_len && !options) || (payload_len && !payload) ||
	    tl_addr_is_v4(&tuple->daddr) == v6) {
		errno = EINVAL;
		return -1;
	}
	size_t frame_len = ETH_HDR_LEN + ip_hdr_len + tcp_hdr_len + payload_len;
	uint8_t *f = calloc(1, frame_len);
	if (!f) {
		errno = ENOMEM;
		return -1;
	}

	/* Ethernet: zero MACs, as Linux puts on loopback frames. */
	put_be16(f + 12, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);

	uint8_t *ip = f + ETH_HDR_LEN;
	size_t tcp_len = tcp_hdr_len + payload_len;
	uint32_t sum = v6 ? put_ipv6_header(ip, tuple, tcp_len) : put_ipv4_header(ip, tuple, tcp_len);

	uint8_t *tcp = ip + ip_hdr_len;
	put_be16(tcp, tuple->sport);
	put_be16(tcp + 2, tuple->dport);
	put_be32(tcp + 4, seq);
	put_be32(tcp + 8, ack);
	tcp[12] = (uint8_t)(tcp_hdr_len / 4 << 4);
	tcp[13] = flags;
	put_be16(tcp + 14, window);
	if (options_len)
		memcpy(tcp + TL_TCP_MIN_HDR_LEN, options, options_len);
	if (payload_len)
		memcpy(tcp + tcp_hdr_len, payload, payload_len);

	sum = sum_words(sum, tcp, tcp_len);
	put_be16(tcp + 16, (uint16_t)~sum);

	struct tl_frame_view v;
	if (tl_frame_parse(DLT_EN10MB, f, (uint32_t)frame_len, &v, NULL, 0) < 0) {
		/* Cannot happen for a frame built above; fail rather than half-fill. */
		free(f);
		errno = EINVAL;
		return -1;
	}
	fill_fields(DLT_EN10MB, f, (uint32_t)frame_len, (uint32_t)frame_len, &v, out);
	out->bytes = f;
	return 0;
}
