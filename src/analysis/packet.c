/*
 * packet: prints a struct tl_packet as `tcpdump -nn` (4.99) prints a
 * TCP/IPv4 packet after its timestamp (core/wire.h decodes and builds them).
 *
 * The printer follows tcpdump's rules, including its odd corners, because
 * users compare our timeline with tcpdump's output line by line:
 *   - flag letters in tcpdump's table order (F S R P . U E W: "S.E", "SEW");
 *   - sequence numbers absolute until a conversation's first ACK-bearing
 *     packet records both initial numbers, relative after; a SYN with ACK
 *     records them again; packets without ACK always print absolute ones;
 *   - SACK blocks relative to the peer's recorded number, even in the packet
 *     that records it;
 *   - options printed as tcpdump walks them, with its "[len N]", "[bad opt]"
 *     and " [|tcp]" for malformed lists.
 * Not reproduced: the payload dissectors tcpdump runs for well-known ports
 * (21 22 23 25 43 53 80 139 179 323 445 554 639 646 1723 2049 6379 6633 6653
 * 8080 8554 10288); for those ports tcpdump appends text after "length N".
 */
#include "analysis/packet.h"
#include "core/hindex.h"
#include "core/textbuf.h"
#include "core/wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TCP option kinds tcpdump 4.99 knows by name. */
enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACK_OK = 4,
	OPT_SACK = 5,
	OPT_ECHO = 6,
	OPT_ECHOREPLY = 7,
	OPT_TIMESTAMP = 8,
	OPT_CC = 11,
	OPT_CCNEW = 12,
	OPT_CCECHO = 13,
	OPT_MD5 = 19,
	OPT_SCPS = 20,
	OPT_UTO = 28,
	OPT_TCP_AO = 29,
	OPT_MPTCP = 30,
	OPT_FASTOPEN = 34,
	OPT_EXPERIMENT2 = 254,
};

/* ---- the sequence-number tracker --------------------------------------- */

/*
 * tcpdump keys a conversation by its two ends in a fixed order (the end with
 * the smaller port first; by address when the ports are equal) and keeps the
 * initial sequence number of each end.
 */
struct seq_entry {
	struct seq_entry *next;
	uint64_t hash; /* of the key below: the buckets grow without hashing again */
	struct tl_addr first_addr;
	struct tl_addr second_addr;
	uint16_t first_port;
	uint16_t second_port;
	uint32_t first_isn;  /* the first end's initial sequence number */
	uint32_t second_isn;
};

/* The buckets start small and double with the conversations: a flood of
 * 100,000 peers must not walk chains of a hundred for every packet. */
enum { SEQ_BUCKETS_MIN = 1024 };

struct tl_seq_tracker {
	struct seq_entry **bucket;
	size_t n_buckets; /* a power of two */
	size_t n_entries;
	bool out_of_memory;
};

bool tl_seq_tracker_ok(const struct tl_seq_tracker *t)
{
	return !t || !t->out_of_memory;
}

struct tl_seq_tracker *tl_seq_tracker_new(void)
{
	struct tl_seq_tracker *t = calloc(1, sizeof(*t));
	if (t && !(t->bucket = calloc(SEQ_BUCKETS_MIN, sizeof(*t->bucket)))) {
		free(t);
		return NULL;
	}
	if (t)
		t->n_buckets = SEQ_BUCKETS_MIN;
	return t;
}

void tl_seq_tracker_free(struct tl_seq_tracker *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct seq_entry *e = t->bucket[i];
		while (e) {
			struct seq_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(t->bucket);
	free(t);
}

/* Twice the buckets once there are more conversations than buckets; out of memory, the old ones serve on. */
static void seq_tracker_grow(struct tl_seq_tracker *t)
{
	if (t->n_entries <= t->n_buckets)
		return;
	size_t nb = t->n_buckets * 2;
	struct seq_entry **grown = calloc(nb, sizeof(*grown));
	if (!grown)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		for (struct seq_entry *e = t->bucket[i], *next; e; e = next) {
			next = e->next;
			e->next = grown[e->hash & (nb - 1)];
			grown[e->hash & (nb - 1)] = e;
		}
	}
	free(t->bucket);
	t->bucket = grown;
	t->n_buckets = nb;
}

/* The sequence bases the printer subtracts; zero means absolute numbers. */
struct seq_bases {
	uint32_t sender; /* subtracted from seq */
	uint32_t peer;	 /* subtracted from ack and from SACK blocks */
	bool relative;	 /* seq and ack are printed relative */
};

/*
 * tcpdump's rule for an ACK-bearing packet: an unknown conversation, or any
 * SYN, records seq as the sender's and ack - 1 as the peer's initial number
 * and prints absolute numbers; a known one prints seq and ack relative. The
 * returned bases serve the SACK blocks in both cases. Out of memory, the
 * conversation stays unknown (and so absolute), as if first seen, and the
 * tracker says so (tl_seq_tracker_ok).
 */
static struct seq_bases seq_track(struct tl_seq_tracker *t, const struct tl_packet *p)
{
	struct seq_bases b = { 0, 0, false };
	if (!t || !(p->flags & TL_TH_ACK))
		return b;

	const struct tl_tuple *u = &p->tuple;
	bool sender_second = u->sport > u->dport ||
			     (u->sport == u->dport &&
			      memcmp(&u->saddr, &u->daddr, sizeof(u->saddr)) > 0);
	struct tl_addr first_addr = sender_second ? u->daddr : u->saddr;
	struct tl_addr second_addr = sender_second ? u->saddr : u->daddr;
	uint16_t first_port = sender_second ? u->dport : u->sport;
	uint16_t second_port = sender_second ? u->sport : u->dport;

	uint64_t h = tl_hash_bytes((uint64_t)first_port << 16 | second_port, first_addr.b, sizeof(first_addr.b));
	h = tl_hash_bytes(h, second_addr.b, sizeof(second_addr.b));
	struct seq_entry **slot = &t->bucket[h & (t->n_buckets - 1)];
	struct seq_entry *e = *slot;
	while (e && !(tl_addr_equal(&e->first_addr, &first_addr) && tl_addr_equal(&e->second_addr, &second_addr) &&
		      e->first_port == first_port && e->second_port == second_port))
		e = e->next;

	uint32_t sender_isn = p->seq, peer_isn = p->ack - 1;
	if (e && !(p->flags & TL_TH_SYN)) {
		b.sender = sender_second ? e->second_isn : e->first_isn;
		b.peer = sender_second ? e->first_isn : e->second_isn;
		b.relative = true;
		return b;
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e) {
			e->hash = h;
			e->first_addr = first_addr;
			e->second_addr = second_addr;
			e->first_port = first_port;
			e->second_port = second_port;
			e->next = *slot;
			*slot = e;
			t->n_entries++;
		} else {
			t->out_of_memory = true;
		}
	}
	if (e) {
		e->first_isn = sender_second ? peer_isn : sender_isn;
		e->second_isn = sender_second ? sender_isn : peer_isn;
	}
	seq_tracker_grow(t);
	b.sender = sender_isn;
	b.peer = peer_isn;
	return b;
}

/* ---- text --------------------------------------------------------------- */

/* A snprintf-style writer: keeps counting when the buffer is full. */
struct text {
	char *buf;
	size_t cap;
	size_t len;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *at = t->len < t->cap ? t->buf + t->len : NULL;
	size_t room = t->len < t->cap ? t->cap - t->len : 0;
	int n = vsnprintf(at, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

/* n bytes of s, cut as snprintf cuts (the buffer stays NUL-terminated) but counted whole. */
static void text_put(struct text *t, const char *s, size_t n)
{
	if (t->len < t->cap) {
		size_t room = t->cap - t->len - 1, k = n < room ? n : room;
		memcpy(t->buf + t->len, s, k);
		t->buf[t->len + k] = '\0';
	}
	t->len += n;
}

/* text_add(t, "%s", s) without printf: every packet's line goes through these. */
static void text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

/* text_add(t, "<prefix>%u", v) without printf. */
static void text_uint(struct text *t, const char *prefix, unsigned v)
{
	char digits[10];
	size_t n = 0;
	do
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(digits));
	text_str(t, prefix);
	text_put(t, digits + sizeof(digits) - n, n);
}

static void text_hex(struct text *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		text_add(t, "%02x", p[i]);
}

/* ---- options ------------------------------------------------------------ */

/* What the options printer needs besides the option bytes. */
struct opt_context {
	uint8_t flags;
	uint32_t sack_base;
	/* Bytes readable after the options: tcpdump reads a length byte past the
	 * end of the option list when the last kind wants one. */
	const uint8_t *readable_end;
	bool payload_captured; /* the MD5 check needs the whole segment */
};

enum opt_result {
	OPT_OK,
	OPT_BAD,
	OPT_TRUNCATED,	     /* tcpdump prints " [|tcp]" and stops */
	OPT_TRUNCATED_MPTCP, /* the same after an MPTCP option: " [|mptcp]" */
};

const char *tl_tcp_option_name(unsigned kind)
{
	switch (kind) {
	case OPT_EOL: return "eol";
	case OPT_NOP: return "nop";
	case OPT_MSS: return "mss";
	case OPT_WSCALE: return "wscale";
	case OPT_SACK_OK: return "sackOK";
	case OPT_SACK: return "sack";
	case OPT_ECHO: return "echo";
	case OPT_ECHOREPLY: return "echoreply";
	case OPT_TIMESTAMP: return "TS";
	case OPT_CC: return "cc";
	case OPT_CCNEW: return "ccnew";
	case OPT_CCECHO: return ""; /* sic: tcpdump's table has an empty name */
	case OPT_MD5: return "md5";
	case OPT_SCPS: return "scps";
	case OPT_UTO: return "uto";
	case OPT_TCP_AO: return "tcp-ao";
	case OPT_MPTCP: return "mptcp";
	case OPT_FASTOPEN: return "tfo";
	case OPT_EXPERIMENT2: return "exp";
	}
	return NULL;
}

static void fastopen_text(struct text *t, const uint8_t *cookie, unsigned len)
{
	if (len == 0)
		text_add(t, " cookiereq");
	else if (len % 2 != 0 || len < 4 || len > 16)
		text_add(t, " (invalid)");
	else {
		text_add(t, " cookie ");
		text_hex(t, cookie, len);
	}
}

/*
 * MPTCP, as tcpdump's print-mptcp.c shows it: " <len> <subtype>" and the
 * subtype's fields. opt points at the kind byte. False for a layout tcpdump
 * rejects (it then prints "[bad opt]").
 */
/* An MPTCP DSS data ack or sequence number: 8 bytes when wide, else 4. */
static bool dss_number(struct text *t, const char *label, bool wide, const uint8_t **at, unsigned *left)
{
	unsigned n = wide ? 8 : 4;
	if (*left < n)
		return false;
	if (wide)
		text_add(t, "%s%" PRIu64, label, tl_get_be64(*at));
	else
		text_add(t, "%s%u", label, tl_get_be32(*at));
	*at += n;
	*left -= n;
	return true;
}

static bool mptcp_text(struct text *t, const uint8_t *opt, unsigned len, uint8_t flags)
{
	static const char *const names[] = {
		"capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close",
		"unknown",
	};
	if (len < 3)
		return false;
	unsigned subtype = opt[2] >> 4;
	if (subtype > 8)
		subtype = 8;
	text_add(t, " %u %s", len, names[subtype]);

	switch (subtype) {
	case 0: { /* MP_CAPABLE */
		bool syn_form = (len == 12 || len == 4) && (flags & TL_TH_SYN);
		bool ack_form = (len == 20 || len == 22) &&
				(flags & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_ACK;
		if (!syn_form && !ack_form)
			return false;
		unsigned version = opt[2] & 0x0f;
		if (version > 1) {
			text_add(t, " Unknown Version (%u)", version);
			return true;
		}
		text_add(t, " v%u", version);
		if (opt[3] & 0x80)
			text_add(t, " csum");
		if (len == 12 || len >= 20) {
			text_add(t, " {0x%" PRIx64, tl_get_be64(opt + 4));
			if (len >= 20)
				text_add(t, ",0x%" PRIx64, tl_get_be64(opt + 12));
			text_add(t, "}");
		}
		return true;
	}
	case 1: /* MP_JOIN */
		if (!(len == 12 && (flags & TL_TH_SYN)) &&
		    !(len == 16 && (flags & (TL_TH_SYN | TL_TH_ACK)) == (TL_TH_SYN | TL_TH_ACK)) &&
		    !(len == 24 && (flags & TL_TH_ACK)))
			return false;
		if (len != 24) {
			if (opt[2] & 0x01)
				text_add(t, " backup");
			text_add(t, " id %u", opt[3]);
		}
		if (len == 12)
			text_add(t, " token 0x%x nonce 0x%x", tl_get_be32(opt + 4), tl_get_be32(opt + 8));
		else if (len == 16)
			text_add(t, " hmac 0x%" PRIx64 " nonce 0x%x", tl_get_be64(opt + 4),
				 tl_get_be32(opt + 12));
		else {
			text_add(t, " hmac 0x");
			text_hex(t, opt + 4, 20);
		}
		return true;
	case 2: { /* DSS */
		if (len < 4 || (flags & TL_TH_SYN))
			return false;
		uint8_t dss = opt[3];
		const uint8_t *at = opt + 4;
		unsigned left = len - 4;
		if (dss & 0x10)
			text_add(t, " fin");
		if ((dss & 0x01) && !dss_number(t, " ack ", dss & 0x02, &at, &left))
			return false;
		if (dss & 0x04) {
			if (!dss_number(t, " seq ", dss & 0x08, &at, &left))
				return false;
			if (left < 4)
				return false;
			text_add(t, " subseq %u", tl_get_be32(at));
			at += 4;
			left -= 4;
			if (left < 2)
				return false;
			text_add(t, " len %u", tl_get_be16(at));
			at += 2;
			left -= 2;
			if (left >= 2) {
				text_add(t, " csum 0x%x", tl_get_be16(at));
				left -= 2;
			}
		}
		return left == 0;
	}
	case 3: { /* ADD_ADDR */
		if (len != 8 && len != 10 && len != 16 && len != 18 && len != 20 && len != 22 &&
		    len != 28 && len != 30)
			return false;
		const char *echo;
		switch (opt[2] & 0x0f) {
		case 0x6: echo = "v0-ip6"; break;
		case 0x4: echo = "v0-ip4"; break;
		case 0x1: echo = "v1-echo"; break;
		case 0x0: echo = "v1"; break;
		default: echo = "[bad version/echo]"; break;
		}
		text_add(t, " %s id %u", echo, opt[3]);
		char addr[INET6_ADDRSTRLEN];
		if (len <= 18) {
			inet_ntop(AF_INET, opt + 4, addr, sizeof(addr));
			text_add(t, " %s", addr);
			if (len == 10 || len == 18)
				text_add(t, ":%u", tl_get_be16(opt + 8));
			if (len == 16)
				text_add(t, " hmac 0x%" PRIx64, tl_get_be64(opt + 8));
			if (len == 18)
				text_add(t, " hmac 0x%" PRIx64, tl_get_be64(opt + 10));
		} else {
			inet_ntop(AF_INET6, opt + 4, addr, sizeof(addr));
			text_add(t, " %s", addr);
			if (len == 22 || len == 30)
				text_add(t, ":%u", tl_get_be16(opt + 20));
			if (len == 28)
				text_add(t, " hmac 0x%" PRIx64, tl_get_be64(opt + 20));
			if (len == 30)
				text_add(t, " hmac 0x%" PRIx64, tl_get_be64(opt + 22));
		}
		return true;
	}
	case 4: /* REMOVE_ADDR */
		if (len < 4)
			return false;
		text_add(t, " id");
		for (unsigned i = 3; i < len; i++)
			text_add(t, " %u", opt[i]);
		return true;
	case 5: /* MP_PRIO */
		if (len != 3 && len != 4)
			return false;
		text_add(t, (opt[2] & 0x01) ? " backup" : " non-backup");
		if (len == 4)
			text_add(t, " id %u", opt[3]);
		return true;
	case 6: /* MP_FAIL */
		if (len != 12)
			return false;
		text_add(t, " seq %" PRIu64, tl_get_be64(opt + 4));
		return true;
	case 7: /* MP_FASTCLOSE */
		if (len != 12)
			return false;
		text_add(t, " key 0x%" PRIx64, tl_get_be64(opt + 4));
		return true;
	default:
		return true;
	}
}

/*
 * Prints the option list as tcpdump walks it. The walk is tcpdump's own:
 * a kind's fixed data size is read whatever the length byte says (the
 * mismatch shows as "[len N]" and the walk goes on from where the data
 * ended), and only the bytes left in the header bound a read.
 */
static enum opt_result options_text(struct text *t, const uint8_t *cp, unsigned left,
				    const struct opt_context *ctx)
{
	bool first = true, after_mptcp = false;
	text_str(t, ", options [");
	while (left > 0) {
		if (!first)
			text_str(t, ",");
		unsigned kind = *cp++;
		unsigned len = 1;
		if (kind != OPT_EOL && kind != OPT_NOP) {
			if (cp >= ctx->readable_end)
				return after_mptcp ? OPT_TRUNCATED_MPTCP : OPT_TRUNCATED;
			len = *cp++;
			if (len < 2 || len > left)
				goto bad;
			left--; /* the length byte */
		}
		left--; /* the kind byte */

		const char *name = tl_tcp_option_name(kind);
		if (name)
			text_str(t, name);
		else
			text_add(t, "unknown-%u", kind);

		/* How many bytes of data this kind reads; more than left is bad. */
		unsigned data_len = 0;
		switch (kind) {
		case OPT_MSS:
			data_len = 2;
			if (data_len > left)
				goto bad;
			text_uint(t, " ", tl_get_be16(cp));
			break;
		case OPT_WSCALE:
			data_len = 1;
			if (data_len > left)
				goto bad;
			text_uint(t, " ", cp[0]);
			break;
		case OPT_SACK:
			data_len = len - 2;
			if (data_len % 8 != 0) {
				text_add(t, " invalid sack");
				break;
			}
			text_add(t, " %u ", data_len / 8);
			for (unsigned i = 0; i < data_len; i += 8) {
				if (i + 8 > left)
					goto bad;
				text_add(t, "{%u:%u}", tl_get_be32(cp + i) - ctx->sack_base,
					 tl_get_be32(cp + i + 4) - ctx->sack_base);
			}
			break;
		case OPT_CC:
		case OPT_CCNEW:
		case OPT_CCECHO:
		case OPT_ECHO:
		case OPT_ECHOREPLY:
			data_len = 4;
			if (data_len > left)
				goto bad;
			text_add(t, " %u", tl_get_be32(cp));
			break;
		case OPT_TIMESTAMP:
			data_len = 8;
			if (data_len > left)
				goto bad;
			text_uint(t, " val ", tl_get_be32(cp));
			text_uint(t, " ecr ", tl_get_be32(cp + 4));
			break;
		case OPT_MD5:
			data_len = 16;
			if (data_len > left)
				goto bad;
			/* No -M secret: tcpdump says why it cannot check, then the digest. */
			text_add(t, " %scan't check - ",
				 ctx->payload_captured ? "shared secret not supplied with -M, "
						       : "snaplen too short, ");
			text_hex(t, cp, 16);
			break;
		case OPT_SCPS:
			data_len = 2;
			if (data_len > left)
				goto bad;
			text_add(t, " cap %02x id %u", cp[0], cp[1]);
			break;
		case OPT_TCP_AO:
			data_len = len - 2;
			if (data_len < 2) {
				text_add(t, " (invalid)");
				break;
			}
			text_add(t, " keyid %u rnextkeyid %u", cp[0], cp[1]);
			if (data_len > 2) {
				text_add(t, " mac 0x");
				text_hex(t, cp + 2, data_len - 2);
			}
			break;
		case OPT_EOL:
		case OPT_NOP:
		case OPT_SACK_OK:
			break;
		case OPT_UTO: {
			data_len = 2;
			if (data_len > left)
				goto bad;
			unsigned uto = tl_get_be16(cp);
			/* Low bit set: the value is in minutes. */
			text_add(t, " 0x%x %u", uto, (uto & 1) ? (uto >> 1) * 60 : uto >> 1);
			break;
		}
		case OPT_MPTCP:
			data_len = len - 2;
			/* tcpdump names its truncation after the last dissector run. */
			after_mptcp = true;
			if (!mptcp_text(t, cp - 2, len, ctx->flags))
				goto bad;
			break;
		case OPT_FASTOPEN:
			data_len = len - 2;
			text_add(t, " ");
			fastopen_text(t, cp, data_len);
			break;
		case OPT_EXPERIMENT2: {
			data_len = len - 2;
			if (data_len < 2)
				goto bad;
			unsigned magic = tl_get_be16(cp);
			text_add(t, "-");
			/* 0xf989: TCP Fast Open under the shared experimental kind. */
			if (magic == 0xf989) {
				text_add(t, "tfo");
				fastopen_text(t, cp + 2, data_len - 2);
			} else {
				text_add(t, "%04x", magic);
			}
			break;
		}
		default:
			data_len = len - 2;
			if (data_len)
				text_add(t, " 0x");
			text_hex(t, cp, data_len);
			break;
		}

		cp += data_len;
		left -= data_len;
		unsigned consumed = data_len + ((kind == OPT_EOL || kind == OPT_NOP) ? 1 : 2);
		if (consumed != len)
			text_add(t, "[len %u]", len);
		first = false;
		if (kind == OPT_EOL)
			break;
	}
	text_str(t, "]");
	return OPT_OK;
bad:
	/* tcpdump closes the bracket only when an option came before. */
	text_add(t, "[bad opt]%s", first ? "" : "]");
	return OPT_BAD;
}

/* ---- formatting --------------------------------------------------------- */

int tl_packet_format(struct tl_seq_tracker *t, const struct tl_packet *p, char *buf, size_t len)
{
	struct text out = { .buf = buf, .cap = buf ? len : 0, .len = 0 };
	if (out.cap)
		out.buf[0] = '\0';

	/* The frame, when it is there, adds options, urgent pointer and length checks. */
	struct tl_frame_view v;
	bool have_frame = p->bytes &&
			  tl_frame_parse(p->linktype, p->bytes, p->cap_len, &v, NULL, 0) == 0;
	const uint8_t *tcp = have_frame ? p->bytes + v.tcp_off : NULL;

	bool v6 = tl_tuple_family(&p->tuple) == AF_INET6;
	text_str(&out, v6 ? "IP6 " : "IP ");
	if (have_frame) {
		uint32_t ip_wire_len = p->wire_len > v.ip_off ? p->wire_len - v.ip_off : 0;
		/* tcpdump 4.99's ip6_print() puts no space after the "!". */
		if (ip_wire_len < v.ip_total_len)
			text_add(&out, v6 ? "truncated-ip6 - %u bytes missing!" : "truncated-ip - %u bytes missing! ",
				 v.ip_total_len - ip_wire_len);
	}

	char src[TL_ADDR_STRLEN], dst[TL_ADDR_STRLEN];
	tl_addr_format(&p->tuple.saddr, src, sizeof(src));
	tl_addr_format(&p->tuple.daddr, dst, sizeof(dst));
	text_str(&out, src);
	text_uint(&out, ".", p->tuple.sport);
	text_str(&out, " > ");
	text_str(&out, dst);
	text_uint(&out, ".", p->tuple.dport);
	text_str(&out, ": ");

	char letters[12];
	tl_flags_letters(p->flags, letters);
	text_str(&out, "Flags [");
	text_str(&out, letters);
	text_str(&out, "]");

	struct seq_bases bases = seq_track(t, p);
	uint32_t seq = p->seq, ack = p->ack;
	if (bases.relative) {
		seq -= bases.sender;
		ack -= bases.peer;
	}
	if (p->payload_len > 0 || (p->flags & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST))) {
		text_uint(&out, ", seq ", seq);
		if (p->payload_len > 0)
			text_uint(&out, ":", seq + p->payload_len);
	}
	if (p->flags & TL_TH_ACK)
		text_uint(&out, ", ack ", ack);
	text_uint(&out, ", win ", p->window);
	if (p->flags & TL_TH_URG)
		text_add(&out, ", urg %u", tcp ? tl_get_be16(tcp + 18) : 0u);

	if (have_frame && v.tcp_hdr_len > TL_TCP_MIN_HDR_LEN) {
		/* tcpdump cuts its view at the end of the IP datagram. */
		uint32_t datagram_end = v.ip_off + v.ip_total_len;
		uint32_t readable = p->cap_len < datagram_end ? p->cap_len : datagram_end;
		struct opt_context ctx = {
			.flags = p->flags,
			.sack_base = bases.peer,
			.readable_end = p->bytes + readable,
			.payload_captured = p->cap_len >= datagram_end,
		};
		enum opt_result r = options_text(&out, tcp + TL_TCP_MIN_HDR_LEN,
						 v.tcp_hdr_len - TL_TCP_MIN_HDR_LEN, &ctx);
		if (r == OPT_TRUNCATED)
			text_add(&out, " [|tcp]");
		else if (r == OPT_TRUNCATED_MPTCP)
			text_add(&out, " [|mptcp]");
		if (r != OPT_OK)
			return (int)out.len;
	}
	text_uint(&out, ", length ", p->payload_len);
	return (int)out.len;
}

