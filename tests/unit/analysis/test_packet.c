/*
 * test_packet: decoding and tcpdump-style printing of TCP/IPv4 frames.
 *
 * The fixtures are frames captured from real loopback traffic in a scratch
 * network namespace (Linux 6.18, python sockets on 127.0.0.1:2017) with
 * `tcpdump -i lo -w`, dumped with `tcpdump -xx -r`; each carries the line
 * `tcpdump -nn -r` (4.99.3) printed for it, and the tests expect exactly that
 * line. A group of fixtures is one tcpdump run: relative sequence numbers
 * depend on the packets before, so a group goes through one tracker in order.
 * The crafted cases further down were built with tl_packet_build() and their
 * expected lines also come from tcpdump reading the built frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/dlt.h>
#include <cmocka.h>

#include "analysis/packet.h"
#include "core/wire.h"

struct fixture {
	const uint8_t *bytes;
	size_t len;
	const char *tcpdump; /* tcpdump -nn's line after the timestamp */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* one connection, both directions: handshake, data each way, close */
/* IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [S], seq 3593917643, win 65495,
 * options [mss 65495,sackOK,TS val 1272240839 ecr 0,nop,wscale 10], length 0 */
static const uint8_t conv_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x02, 0x23, 0x40, 0x00, 0x40, 0x06,
	0x3a, 0x97, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x96,
	0x07, 0xe1, 0xd6, 0x36, 0xd4, 0xcb, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xff, 0xd7, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02,
	0x08, 0x0a, 0x4b, 0xd4, 0xda, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x0a,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [S.], seq 1945183073, ack 3593917644, win 65483,
 * options [mss 65495,sackOK,TS val 1618658822 ecr 1272240839,nop,wscale 10], length 0 */
static const uint8_t conv_1[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x3c, 0xba, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0xd9, 0x96, 0x73, 0xf1, 0x23, 0x61, 0xd6, 0x36, 0xd4, 0xcc, 0xa0, 0x12,
	0xff, 0xcb, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02,
	0x08, 0x0a, 0x60, 0x7a, 0xc6, 0x06, 0x4b, 0xd4, 0xda, 0xc7, 0x01, 0x03,
	0x03, 0x0a,
};
/* IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 1, win 64,
 * options [nop,nop,TS val 1272240839 ecr 1618658822], length 0 */
static const uint8_t conv_2[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x02, 0x24, 0x40, 0x00, 0x40, 0x06,
	0x3a, 0x9e, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x96,
	0x07, 0xe1, 0xd6, 0x36, 0xd4, 0xcc, 0x73, 0xf1, 0x23, 0x62, 0x80, 0x10,
	0x00, 0x40, 0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x4b, 0xd4,
	0xda, 0xc7, 0x60, 0x7a, 0xc6, 0x06,
};
/* IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [P.], seq 1:6, ack 1, win 64,
 * options [nop,nop,TS val 1272240840 ecr 1618658822], length 5 */
static const uint8_t conv_3[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x39, 0x02, 0x25, 0x40, 0x00, 0x40, 0x06,
	0x3a, 0x98, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x96,
	0x07, 0xe1, 0xd6, 0x36, 0xd4, 0xcc, 0x73, 0xf1, 0x23, 0x62, 0x80, 0x18,
	0x00, 0x40, 0xfe, 0x2d, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x4b, 0xd4,
	0xda, 0xc8, 0x60, 0x7a, 0xc6, 0x06, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [.], ack 6, win 64,
 * options [nop,nop,TS val 1618658823 ecr 1272240840], length 0 */
static const uint8_t conv_4[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x4d, 0x38, 0x40, 0x00, 0x40, 0x06,
	0xef, 0x89, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0xd9, 0x96, 0x73, 0xf1, 0x23, 0x62, 0xd6, 0x36, 0xd4, 0xd1, 0x80, 0x10,
	0x00, 0x40, 0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x60, 0x7a,
	0xc6, 0x07, 0x4b, 0xd4, 0xda, 0xc8,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [P.], seq 1:8, ack 6, win 64,
 * options [nop,nop,TS val 1618658823 ecr 1272240840], length 7 */
static const uint8_t conv_5[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3b, 0x4d, 0x39, 0x40, 0x00, 0x40, 0x06,
	0xef, 0x81, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0xd9, 0x96, 0x73, 0xf1, 0x23, 0x62, 0xd6, 0x36, 0xd4, 0xd1, 0x80, 0x18,
	0x00, 0x40, 0xfe, 0x2f, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x60, 0x7a,
	0xc6, 0x07, 0x4b, 0xd4, 0xda, 0xc8, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x21,
	0x0a,
};
/* IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 8, win 64,
 * options [nop,nop,TS val 1272240840 ecr 1618658823], length 0 */
static const uint8_t conv_6[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x02, 0x26, 0x40, 0x00, 0x40, 0x06,
	0x3a, 0x9c, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x96,
	0x07, 0xe1, 0xd6, 0x36, 0xd4, 0xd1, 0x73, 0xf1, 0x23, 0x69, 0x80, 0x10,
	0x00, 0x40, 0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x4b, 0xd4,
	0xda, 0xc8, 0x60, 0x7a, 0xc6, 0x07,
};
/* IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [F.], seq 6, ack 8, win 64,
 * options [nop,nop,TS val 1272240890 ecr 1618658823], length 0 */
static const uint8_t conv_7[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x02, 0x27, 0x40, 0x00, 0x40, 0x06,
	0x3a, 0x9b, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x96,
	0x07, 0xe1, 0xd6, 0x36, 0xd4, 0xd1, 0x73, 0xf1, 0x23, 0x69, 0x80, 0x11,
	0x00, 0x40, 0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x4b, 0xd4,
	0xda, 0xfa, 0x60, 0x7a, 0xc6, 0x07,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [.], ack 7, win 64,
 * options [nop,nop,TS val 1618658916 ecr 1272240890], length 0 */
static const uint8_t conv_8[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x4d, 0x3a, 0x40, 0x00, 0x40, 0x06,
	0xef, 0x87, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0xd9, 0x96, 0x73, 0xf1, 0x23, 0x69, 0xd6, 0x36, 0xd4, 0xd2, 0x80, 0x10,
	0x00, 0x40, 0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x60, 0x7a,
	0xc6, 0x64, 0x4b, 0xd4, 0xda, 0xfa,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [F.], seq 8, ack 7, win 64,
 * options [nop,nop,TS val 1618658923 ecr 1272240890], length 0 */
static const uint8_t conv_9[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x4d, 0x3b, 0x40, 0x00, 0x40, 0x06,
	0xef, 0x86, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0xd9, 0x96, 0x73, 0xf1, 0x23, 0x69, 0xd6, 0x36, 0xd4, 0xd2, 0x80, 0x11,
	0x00, 0x40, 0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x60, 0x7a,
	0xc6, 0x6b, 0x4b, 0xd4, 0xda, 0xfa,
};
/* IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 9, win 64,
 * options [nop,nop,TS val 1272240940 ecr 1618658923], length 0 */
static const uint8_t conv_10[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x3c, 0xc2, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x96,
	0x07, 0xe1, 0xd6, 0x36, 0xd4, 0xd2, 0x73, 0xf1, 0x23, 0x6a, 0x80, 0x10,
	0x00, 0x40, 0x06, 0xb7, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x4b, 0xd4,
	0xdb, 0x2c, 0x60, 0x7a, 0xc6, 0x6b,
};
static const struct fixture conv[] = {
	{ conv_0, sizeof(conv_0),
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [S], seq 3593917643, win 65495, options "
	  "[mss 65495,sackOK,TS val 1272240839 ecr 0,nop,wscale 10], length 0" },
	{ conv_1, sizeof(conv_1),
	  "IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [S.], seq 1945183073, ack 3593917644, win "
	  "65483, options [mss 65495,sackOK,TS val 1618658822 ecr 1272240839,nop,wscale 10], "
	  "length 0" },
	{ conv_2, sizeof(conv_2),
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 1, win 64, options [nop,nop,TS "
	  "val 1272240839 ecr 1618658822], length 0" },
	{ conv_3, sizeof(conv_3),
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [P.], seq 1:6, ack 1, win 64, options "
	  "[nop,nop,TS val 1272240840 ecr 1618658822], length 5" },
	{ conv_4, sizeof(conv_4),
	  "IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [.], ack 6, win 64, options [nop,nop,TS "
	  "val 1618658823 ecr 1272240840], length 0" },
	{ conv_5, sizeof(conv_5),
	  "IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [P.], seq 1:8, ack 6, win 64, options "
	  "[nop,nop,TS val 1618658823 ecr 1272240840], length 7" },
	{ conv_6, sizeof(conv_6),
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 8, win 64, options [nop,nop,TS "
	  "val 1272240840 ecr 1618658823], length 0" },
	{ conv_7, sizeof(conv_7),
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [F.], seq 6, ack 8, win 64, options "
	  "[nop,nop,TS val 1272240890 ecr 1618658823], length 0" },
	{ conv_8, sizeof(conv_8),
	  "IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [.], ack 7, win 64, options [nop,nop,TS "
	  "val 1618658916 ecr 1272240890], length 0" },
	{ conv_9, sizeof(conv_9),
	  "IP 127.0.0.1.2017 > 127.0.0.1.55702: Flags [F.], seq 8, ack 7, win 64, options "
	  "[nop,nop,TS val 1618658923 ecr 1272240890], length 0" },
	{ conv_10, sizeof(conv_10),
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 9, win 64, options [nop,nop,TS "
	  "val 1272240940 ecr 1618658923], length 0" },
};

/* bare RST from a fully closed client answering late data */
/* IP 127.0.0.1.55704 > 127.0.0.1.2017: Flags [R], seq 2373104323, win 0, length 0 */
static const uint8_t bare_rst_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x3c, 0xce, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x98,
	0x07, 0xe1, 0x8d, 0x72, 0xb2, 0xc3, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04,
	0x00, 0x00, 0x90, 0x2e, 0x00, 0x00,
};
static const struct fixture bare_rst[] = {
	{ bare_rst_0, sizeof(bare_rst_0),
	  "IP 127.0.0.1.55704 > 127.0.0.1.2017: Flags [R], seq 2373104323, win 0, length 0" },
};

/* SYN to a closed port and the kernel's RST-ACK */
/* IP 127.0.0.1.36480 > 127.0.0.1.2018: Flags [S], seq 3636355139, win 65495,
 * options [mss 65495,sackOK,TS val 532663312 ecr 0,nop,wscale 10], length 0 */
static const uint8_t refused_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0xd9, 0x71, 0x40, 0x00, 0x40, 0x06,
	0x63, 0x48, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x8e, 0x80,
	0x07, 0xe2, 0xd8, 0xbe, 0x60, 0x43, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xff, 0xd7, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02,
	0x08, 0x0a, 0x1f, 0xbf, 0xcc, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x0a,
};
/* IP 127.0.0.1.2018 > 127.0.0.1.36480: Flags [R.], seq 0, ack 3636355140, win 0, length 0 */
static const uint8_t refused_1[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x3c, 0xce, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe2,
	0x8e, 0x80, 0x00, 0x00, 0x00, 0x00, 0xd8, 0xbe, 0x60, 0x44, 0x50, 0x14,
	0x00, 0x00, 0xe2, 0x68, 0x00, 0x00,
};
static const struct fixture refused[] = {
	{ refused_0, sizeof(refused_0),
	  "IP 127.0.0.1.36480 > 127.0.0.1.2018: Flags [S], seq 3636355139, win 65495, options "
	  "[mss 65495,sackOK,TS val 532663312 ecr 0,nop,wscale 10], length 0" },
	{ refused_1, sizeof(refused_1),
	  "IP 127.0.0.1.2018 > 127.0.0.1.36480: Flags [R.], seq 0, ack 3636355140, win 0, "
	  "length 0" },
};

/* ECN + TCP Fast Open: cookie request, cookie, SYN with data */
/* IP 127.0.0.1.40001 > 127.0.0.1.2017: Flags [SEW], seq 3533411626, win 64240,
 * options [mss 1460,sackOK,TS val 1174362792 ecr 0,nop,wscale 10,tfo  cookiereq,nop,nop],
 * length 0 */
static const uint8_t ecn_tfo_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x40, 0x2d, 0x39, 0x40, 0x00, 0x40, 0x06,
	0x0f, 0x7d, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x9c, 0x41,
	0x07, 0xe1, 0xd2, 0x9b, 0x95, 0x2a, 0x00, 0x00, 0x00, 0x00, 0xb0, 0xc2,
	0xfa, 0xf0, 0xfe, 0x34, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x45, 0xff, 0x5a, 0xa8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x0a, 0x22, 0x02, 0x01, 0x01,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.40001: Flags [S.E], seq 2829595157, ack 3533411627, win 65160,
 * options [mss 1460,sackOK,TS val 688477161 ecr 1174362792,nop,wscale 10,tfo  cookie 837d9e5ae1649f94,nop,nop],
 * length 0 */
static const uint8_t ecn_tfo_1[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x3c, 0xae, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0x9c, 0x41, 0xa8, 0xa8, 0x32, 0x15, 0xd2, 0x9b, 0x95, 0x2b, 0xd0, 0x52,
	0xfe, 0x88, 0xfe, 0x3c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x29, 0x09, 0x53, 0xe9, 0x45, 0xff, 0x5a, 0xa8, 0x01, 0x03,
	0x03, 0x0a, 0x22, 0x0a, 0x83, 0x7d, 0x9e, 0x5a, 0xe1, 0x64, 0x9f, 0x94,
	0x01, 0x01,
};
/* IP 127.0.0.1.40002 > 127.0.0.1.2017: Flags [SEW], seq 28205847:28205851, win 64240,
 * options [mss 1460,sackOK,TS val 4279708955 ecr 0,nop,wscale 10,tfo  cookie 837d9e5ae1649f94,nop,nop],
 * length 4 */
static const uint8_t ecn_tfo_2[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x4c, 0x4c, 0x7f, 0x40, 0x00, 0x40, 0x06,
	0xf0, 0x2a, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x9c, 0x42,
	0x07, 0xe1, 0x01, 0xae, 0x63, 0x17, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xc2,
	0xfa, 0xf0, 0xfe, 0x40, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0xff, 0x17, 0x2d, 0x1b, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x0a, 0x22, 0x0a, 0x83, 0x7d, 0x9e, 0x5a, 0xe1, 0x64, 0x9f, 0x94,
	0x01, 0x01, 0x66, 0x61, 0x73, 0x74,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.40002: Flags [S.E], seq 287493621, ack 28205852, win 65160,
 * options [mss 1460,sackOK,TS val 2182772473 ecr 4279708955,nop,wscale 10], length 0 */
static const uint8_t ecn_tfo_3[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x3c, 0xba, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0x9c, 0x42, 0x11, 0x22, 0xcd, 0xf5, 0x01, 0xae, 0x63, 0x1c, 0xa0, 0x52,
	0xfe, 0x88, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x82, 0x1a, 0x76, 0xf9, 0xff, 0x17, 0x2d, 0x1b, 0x01, 0x03,
	0x03, 0x0a,
};
static const struct fixture ecn_tfo[] = {
	{ ecn_tfo_0, sizeof(ecn_tfo_0),
	  "IP 127.0.0.1.40001 > 127.0.0.1.2017: Flags [SEW], seq 3533411626, win 64240, options "
	  "[mss 1460,sackOK,TS val 1174362792 ecr 0,nop,wscale 10,tfo  cookiereq,nop,nop], "
	  "length 0" },
	{ ecn_tfo_1, sizeof(ecn_tfo_1),
	  "IP 127.0.0.1.2017 > 127.0.0.1.40001: Flags [S.E], seq 2829595157, ack 3533411627, "
	  "win 65160, options [mss 1460,sackOK,TS val 688477161 ecr 1174362792,nop,wscale "
	  "10,tfo  cookie 837d9e5ae1649f94,nop,nop], length 0" },
	{ ecn_tfo_2, sizeof(ecn_tfo_2),
	  "IP 127.0.0.1.40002 > 127.0.0.1.2017: Flags [SEW], seq 28205847:28205851, win 64240, "
	  "options [mss 1460,sackOK,TS val 4279708955 ecr 0,nop,wscale 10,tfo  cookie "
	  "837d9e5ae1649f94,nop,nop], length 4" },
	{ ecn_tfo_3, sizeof(ecn_tfo_3),
	  "IP 127.0.0.1.2017 > 127.0.0.1.40002: Flags [S.E], seq 287493621, ack 28205852, win "
	  "65160, options [mss 1460,sackOK,TS val 2182772473 ecr 4279708955,nop,wscale 10], "
	  "length 0" },
};

/* SYN-ACK and a later ACK with a SACK block (one segment was dropped) */
/* IP 127.0.0.1.2017 > 127.0.0.1.40003: Flags [S.], seq 1830756473, ack 230410139, win 65160,
 * options [mss 1460,sackOK,TS val 1831275341 ecr 4215807926,nop,wscale 10], length 0 */
static const uint8_t sack_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x3c, 0xba, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0x9c, 0x43, 0x6d, 0x1f, 0x20, 0x79, 0x0d, 0xbb, 0xc7, 0x9b, 0xa0, 0x12,
	0xfe, 0x88, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x6d, 0x27, 0x0b, 0x4d, 0xfb, 0x48, 0x1f, 0xb6, 0x01, 0x03,
	0x03, 0x0a,
};
/* IP 127.0.0.1.2017 > 127.0.0.1.40003: Flags [.], ack 8001, win 69,
 * options [nop,nop,TS val 1831275361 ecr 4215807941,nop,nop,sack 1 {9001:10001}], length 0 */
static const uint8_t sack_1[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x40, 0xf9, 0x8e, 0x40, 0x00, 0x40, 0x06,
	0x43, 0x27, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0x9c, 0x43, 0x6d, 0x1f, 0x20, 0x7a, 0x0d, 0xbb, 0xe6, 0xdb, 0xb0, 0x10,
	0x00, 0x45, 0xfe, 0x34, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x6d, 0x27,
	0x0b, 0x61, 0xfb, 0x48, 0x1f, 0xc5, 0x01, 0x01, 0x05, 0x0a, 0x0d, 0xbb,
	0xea, 0xc3, 0x0d, 0xbb, 0xee, 0xab,
};
static const struct fixture sack[] = {
	{ sack_0, sizeof(sack_0),
	  "IP 127.0.0.1.2017 > 127.0.0.1.40003: Flags [S.], seq 1830756473, ack 230410139, win "
	  "65160, options [mss 1460,sackOK,TS val 1831275341 ecr 4215807926,nop,wscale 10], "
	  "length 0" },
	{ sack_1, sizeof(sack_1),
	  "IP 127.0.0.1.2017 > 127.0.0.1.40003: Flags [.], ack 8001, win 69, options "
	  "[nop,nop,TS val 1831275361 ecr 4215807941,nop,nop,sack 1 {9001:10001}], length 0" },
};

/* the same SACK packet with no history */
/* IP 127.0.0.1.2017 > 127.0.0.1.40003: Flags [.], ack 230418139, win 69,
 * options [nop,nop,TS val 1831275361 ecr 4215807941,nop,nop,sack 1 {1001:2001}], length 0 */
static const uint8_t sack_alone_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x40, 0xf9, 0x8e, 0x40, 0x00, 0x40, 0x06,
	0x43, 0x27, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x07, 0xe1,
	0x9c, 0x43, 0x6d, 0x1f, 0x20, 0x7a, 0x0d, 0xbb, 0xe6, 0xdb, 0xb0, 0x10,
	0x00, 0x45, 0xfe, 0x34, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x6d, 0x27,
	0x0b, 0x61, 0xfb, 0x48, 0x1f, 0xc5, 0x01, 0x01, 0x05, 0x0a, 0x0d, 0xbb,
	0xea, 0xc3, 0x0d, 0xbb, 0xee, 0xab,
};
static const struct fixture sack_alone[] = {
	{ sack_alone_0, sizeof(sack_alone_0),
	  "IP 127.0.0.1.2017 > 127.0.0.1.40003: Flags [.], ack 230418139, win 69, options "
	  "[nop,nop,TS val 1831275361 ecr 4215807941,nop,nop,sack 1 {1001:2001}], length 0" },
};

/* the data packet cut 2 bytes short on the wire (wire = captured < IP length) */
/* IP truncated-ip - 2 bytes missing! 127.0.0.1.55702 > 127.0.0.1.2017: Flags [P.],
 * seq 3593917644:3593917649, ack 1945183074, win 64,
 * options [nop,nop,TS val 1272240840 ecr 1618658822], length 5 */
static const uint8_t cut_short_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x39, 0x02, 0x25, 0x40, 0x00, 0x40, 0x06,
	0x3a, 0x98, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd9, 0x96,
	0x07, 0xe1, 0xd6, 0x36, 0xd4, 0xcc, 0x73, 0xf1, 0x23, 0x62, 0x80, 0x18,
	0x00, 0x40, 0xfe, 0x2d, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x4b, 0xd4,
	0xda, 0xc8, 0x60, 0x7a, 0xc6, 0x06, 0x68, 0x65, 0x6c,
};
static const struct fixture cut_short[] = {
	{ cut_short_0, sizeof(cut_short_0),
	  "IP truncated-ip - 2 bytes missing! 127.0.0.1.55702 > 127.0.0.1.2017: Flags [P.], seq "
	  "3593917644:3593917649, ack 1945183074, win 64, options [nop,nop,TS val 1272240840 "
	  "ecr 1618658822], length 5" },
};

/* IPv6 on loopback (tcplab run --ipv6 N4 --pcap), the handshake as tcpdump -nn
 * printed it: lo frames with ethertype 0x86dd, flow labels set by the kernel. */
/* IP6 ::1.58140 > ::1.2017: Flags [S], seq 4070037247, win 65476, options [mss 65476,sackOK,TS val 963299651 ecr 0,nop,wscale 10], length 0 */
static const uint8_t v6_handshake_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x86, 0xdd, 0x60, 0x05, 0xdc, 0x6f, 0x00, 0x28, 0x06, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xe3, 0x1c, 0x07, 0xe1, 0xf2, 0x97,
	0xd6, 0xff, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xc4, 0x00, 0x30,
	0x00, 0x00, 0x02, 0x04, 0xff, 0xc4, 0x04, 0x02, 0x08, 0x0a, 0x39, 0x6a,
	0xc9, 0x43, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
/* IP6 ::1.2017 > ::1.58140: Flags [S.], seq 905208384, ack 4070037248, win 65464, options [mss 65476,sackOK,TS val 1308553304 ecr 963299651,nop,wscale 10], length 0 */
static const uint8_t v6_handshake_1[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x86, 0xdd, 0x60, 0x00, 0x81, 0xfb, 0x00, 0x28, 0x06, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0xe1, 0xe3, 0x1c, 0x35, 0xf4,
	0x62, 0x40, 0xf2, 0x97, 0xd7, 0x00, 0xa0, 0x12, 0xff, 0xb8, 0x00, 0x30,
	0x00, 0x00, 0x02, 0x04, 0xff, 0xc4, 0x04, 0x02, 0x08, 0x0a, 0x4d, 0xfe,
	0xf0, 0x58, 0x39, 0x6a, 0xc9, 0x43, 0x01, 0x03, 0x03, 0x0a,
};
/* IP6 ::1.58140 > ::1.2017: Flags [.], ack 1, win 64, options [nop,nop,TS val 963299651 ecr 1308553304], length 0 */
static const uint8_t v6_handshake_2[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x86, 0xdd, 0x60, 0x05, 0xdc, 0x6f, 0x00, 0x20, 0x06, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xe3, 0x1c, 0x07, 0xe1, 0xf2, 0x97,
	0xd7, 0x00, 0x35, 0xf4, 0x62, 0x41, 0x80, 0x10, 0x00, 0x40, 0x00, 0x28,
	0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x39, 0x6a, 0xc9, 0x43, 0x4d, 0xfe,
	0xf0, 0x58,
};
static const struct fixture v6_handshake[] = {
	{ v6_handshake_0, sizeof(v6_handshake_0),
	  "IP6 ::1.58140 > ::1.2017: Flags [S], seq 4070037247, win 65476, options [mss 65476,sackOK,"
	  "TS val 963299651 ecr 0,nop,wscale 10], length 0" },
	{ v6_handshake_1, sizeof(v6_handshake_1),
	  "IP6 ::1.2017 > ::1.58140: Flags [S.], seq 905208384, ack 4070037248, win 65464, options [m"
	  "ss 65476,sackOK,TS val 1308553304 ecr 963299651,nop,wscale 10], length 0" },
	{ v6_handshake_2, sizeof(v6_handshake_2),
	  "IP6 ::1.58140 > ::1.2017: Flags [.], ack 1, win 64, options [nop,nop,TS val 963299651 ecr "
	  "1308553304], length 0" },
};

/* the SYN above with its payload length 2 bytes more than the frame holds:
 * tcpdump 4.99 writes no space after the "!" for IPv6 */
/* IP6 truncated-ip6 - 2 bytes missing!::1.58140 > ::1.2017: Flags [S], seq 4070037247:4070037249, win 65476, options [mss 65476,sackOK,TS val 963299651 ecr 0,nop,wscale 10], length 2 */
static const uint8_t v6_cut_short_0[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x86, 0xdd, 0x60, 0x05, 0xdc, 0x6f, 0x00, 0x2a, 0x06, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xe3, 0x1c, 0x07, 0xe1, 0xf2, 0x97,
	0xd6, 0xff, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xc4, 0x00, 0x30,
	0x00, 0x00, 0x02, 0x04, 0xff, 0xc4, 0x04, 0x02, 0x08, 0x0a, 0x39, 0x6a,
	0xc9, 0x43, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
static const struct fixture v6_cut_short[] = {
	{ v6_cut_short_0, sizeof(v6_cut_short_0),
	  "IP6 truncated-ip6 - 2 bytes missing!::1.58140 > ::1.2017: Flags [S], seq 4070037247:407003"
	  "7249, win 65476, options [mss 65476,sackOK,TS val 963299651 ecr 0,nop,wscale 10], length 2" },
};

/* ---- helpers ------------------------------------------------------------ */

static void decode_ok(int linktype, const uint8_t *frame, size_t len, struct tl_packet *p)
{
	char err[128] = "";
	uint32_t len32 = (uint32_t)len;
	if (tl_packet_decode(linktype, frame, len32, len32, p, err, sizeof(err)) != 0)
		fail_msg("decode failed: %s", err);
}

/* Decodes and prints each frame of a group through one tracker, in order. */
static void expect_group(struct tl_seq_tracker *t, const struct fixture *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tl_packet p;
		char text[512];
		decode_ok(DLT_EN10MB, f[i].bytes, f[i].len, &p);
		int text_len = tl_packet_format(t, &p, text, sizeof(text));
		assert_string_equal(text, f[i].tcpdump);
		assert_int_equal(text_len, strlen(f[i].tcpdump));
		free(p.bytes);
	}
}

/* A group as tcpdump printed it: read on its own, from a fresh tracker. */
static void expect_fresh(const struct fixture *f, size_t n)
{
	struct tl_seq_tracker *t = tl_seq_tracker_new();
	assert_non_null(t);
	expect_group(t, f, n);
	tl_seq_tracker_free(t);
}

static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

/* One's-complement sum of 16-bit words; 0xffff over a block with a valid checksum. */
static uint16_t ones_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* ---- real traffic ------------------------------------------------------- */

static void test_connection_both_directions(void **state)
{
	(void)state;
	expect_fresh(conv, COUNT(conv));
}

static void test_decode_fields(void **state)
{
	(void)state;
	struct tl_packet p;
	decode_ok(DLT_EN10MB, conv_0, sizeof(conv_0), &p);
	assert_int_equal(tl_addr_v4_be(&p.tuple.saddr), ip4(127, 0, 0, 1));
	assert_int_equal(tl_addr_v4_be(&p.tuple.daddr), ip4(127, 0, 0, 1));
	assert_int_equal(p.tuple.sport, 55702);
	assert_int_equal(p.tuple.dport, 2017);
	assert_int_equal(p.seq, 3593917643u);
	assert_int_equal(p.ack, 0);
	assert_int_equal(p.flags, TL_TH_SYN);
	assert_int_equal(p.window, 65495);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.linktype, DLT_EN10MB);
	assert_int_equal(p.cap_len, sizeof(conv_0));
	assert_int_equal(p.wire_len, sizeof(conv_0));
	assert_non_null(p.bytes);
	assert_ptr_not_equal(p.bytes, conv_0); /* a copy the caller owns */
	assert_memory_equal(p.bytes, conv_0, sizeof(conv_0));
	assert_null(p.text);
	assert_int_equal(p.role, TL_ROLE_NONE);
	free(p.bytes);

	decode_ok(DLT_EN10MB, conv_3, sizeof(conv_3), &p);
	assert_int_equal(p.flags, TL_TH_PSH | TL_TH_ACK);
	assert_int_equal(p.seq, 3593917644u);
	assert_int_equal(p.ack, 1945183074u);
	assert_int_equal(p.payload_len, 5);
	assert_int_equal(p.window, 64);
	free(p.bytes);
}

static void test_reused_conversation_rerecords_on_syn(void **state)
{
	(void)state;
	/* The same four-tuple again, as after TIME_WAIT reuse: the SYN-ACK
	 * carries SYN, so tcpdump records the numbers afresh instead of
	 * printing them relative to the old connection. */
	struct tl_seq_tracker *t = tl_seq_tracker_new();
	assert_non_null(t);
	expect_group(t, conv, COUNT(conv));
	expect_group(t, conv, COUNT(conv));
	tl_seq_tracker_free(t);
}

static void test_bare_rst_is_absolute(void **state)
{
	(void)state;
	expect_fresh(bare_rst, COUNT(bare_rst));
}

static void test_refused_connection(void **state)
{
	(void)state;
	expect_fresh(refused, COUNT(refused));
}

static void test_ecn_flags_and_fast_open(void **state)
{
	(void)state;
	expect_fresh(ecn_tfo, COUNT(ecn_tfo));
}

static void test_sack_blocks_relative(void **state)
{
	(void)state;
	expect_fresh(sack, COUNT(sack));
}

static void test_sack_blocks_relative_even_without_history(void **state)
{
	(void)state;
	expect_fresh(sack_alone, COUNT(sack_alone));
}

static void test_truncated_ip(void **state)
{
	(void)state;
	expect_fresh(cut_short, COUNT(cut_short));
}

static void expect_reject(int linktype, const uint8_t *frame, size_t len, const char *reason);

/* IPv6 frames print as tcpdump prints them ("IP6 ::1.2017 > ..."), relative
 * numbers tracked per conversation of 16-byte addresses as for IPv4. */
static void test_ipv6_handshake(void **state)
{
	(void)state;
	expect_fresh(v6_handshake, COUNT(v6_handshake));
}

static void test_ipv6_truncated(void **state)
{
	(void)state;
	expect_fresh(v6_cut_short, COUNT(v6_cut_short));
}

static void test_ipv6_decode_fields(void **state)
{
	(void)state;
	struct tl_packet p;
	decode_ok(DLT_EN10MB, v6_handshake_1, sizeof(v6_handshake_1), &p);
	struct tl_addr lo6 = tl_addr_loopback(AF_INET6);
	assert_true(tl_addr_equal(&p.tuple.saddr, &lo6));
	assert_true(tl_addr_equal(&p.tuple.daddr, &lo6));
	assert_int_equal(tl_tuple_family(&p.tuple), AF_INET6);
	assert_int_equal(p.tuple.sport, 2017);
	assert_int_equal(p.tuple.dport, 58140);
	assert_int_equal(p.flags, TL_TH_SYN | TL_TH_ACK);
	assert_int_equal(p.window, 65464);
	assert_int_equal(p.options.mss, 65476); /* lo's MTU 65536 less 40 (IPv6) and 20 (TCP) */
	assert_int_equal(p.payload_len, 0);
	free(p.bytes);
}

/* An IPv6 frame built for the model: header fields, checksum over the IPv6
 * pseudo-header (RFC 8200 8.1), and the same fields and text when decoded. */
static void test_ipv6_build_round_trips(void **state)
{
	(void)state;
	struct tl_tuple tuple = { tl_addr_loopback(AF_INET6), tl_addr_loopback(AF_INET6), 40000, 2017 };
	struct tl_packet built, decoded;
	assert_int_equal(tl_packet_build(&tuple, 7, 9, TL_TH_ACK | TL_TH_PSH, 64, NULL, 0, (const uint8_t *)"hello", 5,
					 &built),
			 0);
	assert_int_equal(built.cap_len, 14 + 40 + 20 + 5);
	const uint8_t *f = built.bytes;
	assert_int_equal(f[12] << 8 | f[13], 0x86dd);
	const uint8_t *ip6 = f + 14;
	assert_int_equal(ip6[0] >> 4, 6);
	assert_int_equal(ip6[4] << 8 | ip6[5], 20 + 5); /* payload length leaves the header out */
	assert_int_equal(ip6[6], IPPROTO_TCP);
	assert_int_equal(ip6[7], 64);
	assert_memory_equal(ip6 + 8, tuple.saddr.b, 16);
	assert_memory_equal(ip6 + 24, tuple.daddr.b, 16);
	uint8_t pseudo[40] = { 0 };
	memcpy(pseudo, ip6 + 8, 32);
	pseudo[35] = 20 + 5;
	pseudo[39] = IPPROTO_TCP;
	assert_int_equal(ones_sum(ones_sum(0, pseudo, sizeof(pseudo)), ip6 + 40, 25), 0xffff);

	decode_ok(DLT_EN10MB, built.bytes, built.cap_len, &decoded);
	assert_true(tl_tuple_equal(&decoded.tuple, &tuple));
	assert_int_equal(decoded.payload_len, 5);
	char text[256];
	tl_packet_format(NULL, &decoded, text, sizeof(text));
	assert_string_equal(text, "IP6 ::1.40000 > ::1.2017: Flags [P.], seq 7:12, ack 9, win 64, length 5");
	free(built.bytes);
	free(decoded.bytes);

	/* A tuple of two families is no frame. */
	tuple.daddr = tl_addr_loopback(AF_INET);
	assert_int_equal(tl_packet_build(&tuple, 1, 0, TL_TH_SYN, 0, NULL, 0, NULL, 0, &built), -1);
	assert_int_equal(errno, EINVAL);
}

/* Extension headers are refused, not walked; a short IPv6 header is truncated. */
static void test_ipv6_decode_rejects(void **state)
{
	(void)state;
	uint8_t f[sizeof(v6_handshake_0)];
	memcpy(f, v6_handshake_0, sizeof(f));
	f[14 + 6] = 0; /* next header: hop-by-hop options */
	expect_reject(DLT_EN10MB, f, sizeof(f), "not TCP (IPv6 next header 0");
	expect_reject(DLT_EN10MB, v6_handshake_0, 14 + 39, "IPv6 header truncated (39 of 40 bytes)");
	memcpy(f, v6_handshake_0, sizeof(f));
	f[14] = 0x45; /* an IPv4 header behind the IPv6 ethertype */
	expect_reject(DLT_EN10MB, f, sizeof(f), "IP version 4 where the link layer announces IPv6");
}

/* ---- formatting edge cases ---------------------------------------------- */

static void test_format_truncates_like_snprintf(void **state)
{
	(void)state;
	struct tl_packet p;
	decode_ok(DLT_EN10MB, conv_0, sizeof(conv_0), &p);
	const char *full = conv[0].tcpdump;

	char small[11];
	memset(small, 'x', sizeof(small));
	struct tl_seq_tracker *t = tl_seq_tracker_new();
	assert_int_equal(tl_packet_format(t, &p, small, sizeof(small)), strlen(full));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	assert_int_equal(tl_packet_format(t, &p, NULL, 0), strlen(full));
	tl_seq_tracker_free(t);
	free(p.bytes);
}

static void test_format_without_frame_bytes(void **state)
{
	(void)state;
	/* A packet known only by its fields (no frame) prints without options. */
	struct tl_packet p;
	decode_ok(DLT_EN10MB, conv_3, sizeof(conv_3), &p);
	free(p.bytes);
	p.bytes = NULL;
	char text[256];
	struct tl_seq_tracker *t = tl_seq_tracker_new();
	tl_packet_format(t, &p, text, sizeof(text));
	assert_string_equal(text, "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [P.], "
				  "seq 3593917644:3593917649, ack 1945183074, win 64, length 5");
	tl_seq_tracker_free(t);
}

/* ---- built frames (expected lines from tcpdump reading them) ------------ */

struct crafted {
	const char *what;
	uint32_t seq;
	uint8_t flags;
	uint16_t window;
	uint8_t options[20];
	size_t options_len;
	const char *payload;
	const char *tcpdump;
};

static const struct crafted crafted[] = {
	{ "Linux SYN", 3054012345u, TL_TH_SYN, 65495,
	  { 2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 123, 0, 0, 0, 0, 1, 3, 3, 7 }, 20, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [S], seq 3054012345, win 65495, "
	  "options [mss 65495,sackOK,TS val 123 ecr 0,nop,wscale 7], length 0" },
	{ "data, no options", 100, TL_TH_PSH | TL_TH_ACK, 512, { 0 }, 0, "hello",
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [P.], seq 100:105, ack 200, win 512, "
	  "length 5" },
	{ "eol ends the list", 100, TL_TH_ACK, 512, { 1, 1, 0, 0 }, 4, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 200, win 512, "
	  "options [nop,nop,eol], length 0" },
	{ "unknown kind", 100, TL_TH_ACK, 512, { 99, 4, 0xbe, 0xef, 1, 1, 1, 0 }, 8, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 200, win 512, "
	  "options [unknown-99 0xbeef,nop,nop,nop,eol], length 0" },
	{ "md5 signature", 100, TL_TH_SYN | TL_TH_ACK, 512,
	  { 19, 18, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 1, 1 }, 20, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [S.], seq 100, ack 200, win 512, "
	  "options [md5 shared secret not supplied with -M, can't check - "
	  "000102030405060708090a0b0c0d0e0f,nop,nop], length 0" },
	{ "urgent", 100, TL_TH_URG | TL_TH_ACK, 512, { 0 }, 0, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.U], ack 200, win 512, urg 0, length 0" },
	{ "no flags", 100, 0, 512, { 0 }, 0, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [none], win 512, length 0" },
	{ "ECE after the ACK dot", 100, TL_TH_ECE | TL_TH_ACK, 512, { 0 }, 0, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.E], ack 200, win 512, length 0" },
	{ "FIN before SYN", 100, TL_TH_FIN | TL_TH_SYN, 512, { 0 }, 0, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [FS], seq 100, win 512, length 0" },
	{ "RST before PSH", 100, TL_TH_RST | TL_TH_PSH, 512, { 0 }, 0, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [RP], seq 100, win 512, length 0" },
	{ "E before W", 100, TL_TH_SYN | TL_TH_ECE | TL_TH_CWR, 512, { 0 }, 0, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [SEW], seq 100, win 512, length 0" },
	{ "length byte disagrees", 100, TL_TH_ACK, 512, { 2, 3, 5, 0xb4, 1, 1, 1, 1 }, 8, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 200, win 512, "
	  "options [mss 1460[len 3],nop,nop,nop,nop], length 0" },
	{ "bad option after a good one", 100, TL_TH_ACK, 512, { 1, 2, 1, 0 }, 4, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 200, win 512, "
	  "options [nop,[bad opt]]" },
	{ "bad first option", 100, TL_TH_ACK, 512, { 2, 1, 0, 0 }, 4, NULL,
	  "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [.], ack 200, win 512, "
	  "options [[bad opt]" },
};

static int build_crafted(const struct crafted *c, struct tl_packet *p)
{
	struct tl_tuple tuple = { tl_addr_v4(ip4(127, 0, 0, 1)), tl_addr_v4(ip4(127, 0, 0, 1)), 55702, 2017 };
	size_t payload_len = c->payload ? strlen(c->payload) : 0;
	/* Every crafted frame carries ack 200; tcpdump shows it only with the flag. */
	return tl_packet_build(&tuple, c->seq, 200, c->flags, c->window, c->options,
			       c->options_len, (const uint8_t *)c->payload, payload_len, p);
}

static void test_build_then_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(crafted); i++) {
		struct tl_packet p;
		assert_int_equal(build_crafted(&crafted[i], &p), 0);
		struct tl_seq_tracker *t = tl_seq_tracker_new();
		char text[512];
		tl_packet_format(t, &p, text, sizeof(text));
		if (strcmp(text, crafted[i].tcpdump) != 0)
			fail_msg("%s:\n  want %s\n  got  %s", crafted[i].what, crafted[i].tcpdump,
				 text);
		tl_seq_tracker_free(t);
		free(p.bytes);
	}
}

static void test_build_round_trips_through_decode(void **state)
{
	(void)state;
	struct tl_packet built, decoded;
	assert_int_equal(build_crafted(&crafted[0], &built), 0);
	assert_int_equal(built.linktype, DLT_EN10MB);
	assert_int_equal(built.cap_len, 14 + 20 + 40);
	assert_int_equal(built.wire_len, built.cap_len);

	const uint8_t *f = built.bytes;
	static const uint8_t zero_macs[12];
	assert_memory_equal(f, zero_macs, sizeof(zero_macs));
	assert_int_equal(f[12] << 8 | f[13], 0x0800);
	const uint8_t *ip = f + 14;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal((ip[6] << 8 | ip[7]) & 0x4000, 0x4000); /* DF */
	assert_int_equal(ip[8], 64);				   /* TTL */
	assert_int_equal(ip[9], 6);
	assert_int_equal(ones_sum(0, ip, 20), 0xffff);

	const uint8_t *tcp = ip + 20;
	uint8_t pseudo[12];
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = 0;
	pseudo[11] = 40;
	assert_int_equal(ones_sum(ones_sum(0, pseudo, 12), tcp, 40), 0xffff);

	decode_ok(built.linktype, built.bytes, built.cap_len, &decoded);
	assert_memory_equal(&decoded.tuple, &built.tuple, sizeof(built.tuple));
	assert_int_equal(decoded.seq, 3054012345u);
	assert_int_equal(decoded.ack, built.ack);
	assert_int_equal(decoded.flags, TL_TH_SYN);
	assert_int_equal(decoded.window, 65495);
	assert_int_equal(decoded.payload_len, 0);

	char text[512];
	struct tl_seq_tracker *t = tl_seq_tracker_new();
	tl_packet_format(t, &decoded, text, sizeof(text));
	assert_string_equal(text, crafted[0].tcpdump);
	tl_seq_tracker_free(t);
	free(built.bytes);
	free(decoded.bytes);

	/* With a payload, and an odd length to exercise the checksum's last byte. */
	struct tl_tuple tuple = { tl_addr_v4(ip4(10, 0, 0, 1)), tl_addr_v4(ip4(10, 0, 0, 2)), 40000, 80 };
	assert_int_equal(tl_packet_build(&tuple, 1, 2, TL_TH_ACK | TL_TH_PSH, 100, NULL, 0,
					 (const uint8_t *)"abc", 3, &built),
			 0);
	assert_int_equal(built.payload_len, 3);
	ip = built.bytes + 14;
	memcpy(pseudo, ip + 12, 8);
	pseudo[11] = 23;
	assert_int_equal(ones_sum(ones_sum(0, pseudo, 12), ip + 20, 23), 0xffff);
	assert_int_equal(ones_sum(0, ip, 20), 0xffff);
	free(built.bytes);
}

/* The options every reader needs come parsed from the frame, never from the printed text. */
static void test_options_parsed_from_the_frame(void **state)
{
	(void)state;
	struct tl_packet p;
	assert_int_equal(build_crafted(&crafted[0], &p), 0); /* mss, sackOK, TS, nop, wscale */
	static const uint8_t syn_kinds[] = { TL_TCPOPT_MSS, 4, TL_TCPOPT_TIMESTAMP, TL_TCPOPT_NOP, TL_TCPOPT_WSCALE };
	assert_int_equal(p.options.n, sizeof(syn_kinds));
	assert_memory_equal(p.options.kind, syn_kinds, sizeof(syn_kinds));
	assert_false(p.options.malformed);
	assert_int_equal(p.options.mss, 65495);
	assert_int_equal(p.options.wscale, 7);
	assert_int_equal(p.options.ts_val, 123);
	assert_int_equal(p.options.ts_ecr, 0);
	free(p.bytes);

	assert_int_equal(build_crafted(&crafted[3], &p), 0); /* unknown-99, nop, nop, nop, eol */
	static const uint8_t unknown_kinds[] = { 99, TL_TCPOPT_NOP, TL_TCPOPT_NOP, TL_TCPOPT_NOP, TL_TCPOPT_EOL };
	assert_int_equal(p.options.n, sizeof(unknown_kinds));
	assert_memory_equal(p.options.kind, unknown_kinds, sizeof(unknown_kinds));
	free(p.bytes);

	struct tl_tcp_option_list o;
	static const uint8_t one_block[] = { 1, 1, 5, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
	tl_tcp_options_parse(one_block, sizeof(one_block), &o);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.n_sack, 1);
	assert_int_equal(o.sack[0][0], 7);
	assert_int_equal(o.sack[0][1], 9);
	static const uint8_t long_mss[] = { 1, 2, 5, 0 }; /* runs past the end */
	tl_tcp_options_parse(long_mss, sizeof(long_mss), &o);
	assert_true(o.malformed);
	assert_int_equal(o.n, 1);
	static const uint8_t short_ts[] = { 8, 6, 0, 0, 0, 0, 1, 1 }; /* not TS's 10 bytes */
	tl_tcp_options_parse(short_ts, sizeof(short_ts), &o);
	assert_true(o.malformed);
	assert_int_equal(o.n, 0);
}

static void test_build_rejects_unpadded_options(void **state)
{
	(void)state;
	struct tl_tuple tuple = { tl_addr_v4(ip4(127, 0, 0, 1)), tl_addr_v4(ip4(127, 0, 0, 1)), 1, 2 };
	static const uint8_t opts[44];
	struct tl_packet p;
	errno = 0;
	assert_int_equal(tl_packet_build(&tuple, 0, 0, TL_TH_SYN, 0, opts, 3, NULL, 0, &p), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tl_packet_build(&tuple, 0, 0, TL_TH_SYN, 0, opts, 44, NULL, 0, &p), -1);
}

/* ---- decoding errors and other link types -------------------------------- */

static void expect_reject(int linktype, const uint8_t *frame, size_t len, const char *reason)
{
	struct tl_packet p;
	char err[128] = "";
	memset(&p, 0, sizeof(p));
	assert_int_equal(tl_packet_decode(linktype, frame, (uint32_t)len, (uint32_t)len, &p, err,
					  sizeof(err)),
			 -1);
	assert_null(p.bytes);
	if (!strstr(err, reason))
		fail_msg("reason \"%s\" does not mention \"%s\"", err, reason);
}

static void test_decode_rejects_truncated(void **state)
{
	(void)state;
	expect_reject(DLT_EN10MB, conv_0, 10, "truncated");	      /* inside Ethernet */
	expect_reject(DLT_EN10MB, conv_0, 14 + 12, "truncated");      /* inside IP */
	expect_reject(DLT_EN10MB, conv_0, 14 + 20 + 10, "truncated"); /* inside TCP */
	expect_reject(DLT_EN10MB, conv_0, 14 + 20 + 30, "truncated"); /* inside the options */
}

static void test_decode_rejects_non_tcp(void **state)
{
	(void)state;
	uint8_t f[sizeof(conv_0)];

	memcpy(f, conv_0, sizeof(f));
	f[14 + 9] = 17; /* UDP */
	expect_reject(DLT_EN10MB, f, sizeof(f), "not TCP");

	memcpy(f, conv_0, sizeof(f));
	f[12] = 0x86; /* IPv6 ethertype */
	f[13] = 0xdd;
	expect_reject(DLT_EN10MB, f, sizeof(f), "IP version 4 where the link layer announces IPv6");

	memcpy(f, conv_0, sizeof(f));
	f[12] = 0x08; /* ARP */
	f[13] = 0x06;
	expect_reject(DLT_EN10MB, f, sizeof(f), "not IP (ethertype 0x0806)");

	memcpy(f, conv_0, sizeof(f));
	f[14 + 7] = 0x10; /* a later fragment */
	expect_reject(DLT_EN10MB, f, sizeof(f), "fragment");

	expect_reject(9999, conv_0, sizeof(conv_0), "link type");
}

static void test_decode_other_link_types(void **state)
{
	(void)state;
	const uint8_t *raw = conv_3 + 14;
	size_t raw_len = sizeof(conv_3) - 14;
	uint8_t null_frame[4 + sizeof(conv_3)], sll_frame[16 + sizeof(conv_3)];
	static const uint8_t null_hdr[4] = { 2, 0, 0, 0 }; /* AF_INET, little-endian host */
	static const uint8_t sll_hdr[16] = { 0, 0, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
	memcpy(null_frame, null_hdr, 4);
	memcpy(null_frame + 4, raw, raw_len);
	memcpy(sll_frame, sll_hdr, 16);
	memcpy(sll_frame + 16, raw, raw_len);

	const struct {
		int linktype;
		const uint8_t *frame;
		size_t len;
	} cases[] = {
		{ DLT_RAW, raw, raw_len },
		{ DLT_NULL, null_frame, 4 + raw_len },
		{ DLT_LINUX_SLL, sll_frame, 16 + raw_len },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct tl_packet p;
		char text[512];
		decode_ok(cases[i].linktype, cases[i].frame, cases[i].len, &p);
		assert_int_equal(p.linktype, cases[i].linktype);
		assert_int_equal(p.payload_len, 5);
		struct tl_seq_tracker *t = tl_seq_tracker_new();
		tl_packet_format(t, &p, text, sizeof(text));
		/* Read alone, the data packet is its conversation's first ACK: absolute. */
		assert_string_equal(text,
				    "IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [P.], "
				    "seq 3593917644:3593917649, ack 1945183074, win 64, "
				    "options [nop,nop,TS val 1272240840 ecr 1618658822], length 5");
		tl_seq_tracker_free(t);
		free(p.bytes);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connection_both_directions),
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_reused_conversation_rerecords_on_syn),
		cmocka_unit_test(test_bare_rst_is_absolute),
		cmocka_unit_test(test_refused_connection),
		cmocka_unit_test(test_ecn_flags_and_fast_open),
		cmocka_unit_test(test_sack_blocks_relative),
		cmocka_unit_test(test_sack_blocks_relative_even_without_history),
		cmocka_unit_test(test_truncated_ip),
		cmocka_unit_test(test_ipv6_handshake),
		cmocka_unit_test(test_ipv6_truncated),
		cmocka_unit_test(test_ipv6_decode_fields),
		cmocka_unit_test(test_ipv6_build_round_trips),
		cmocka_unit_test(test_ipv6_decode_rejects),
		cmocka_unit_test(test_format_truncates_like_snprintf),
		cmocka_unit_test(test_format_without_frame_bytes),
		cmocka_unit_test(test_build_then_format),
		cmocka_unit_test(test_build_round_trips_through_decode),
		cmocka_unit_test(test_options_parsed_from_the_frame),
		cmocka_unit_test(test_build_rejects_unpadded_options),
		cmocka_unit_test(test_decode_rejects_truncated),
		cmocka_unit_test(test_decode_rejects_non_tcp),
		cmocka_unit_test(test_decode_other_link_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
