/*
 * flood: the SYNs of a `flood syn N` step, made the same way for the kernel
 * lab and the simulator.
 *
 * A SYN flood is many SYNs from addresses that never answer: the attacker
 * spoofs its sources, so the listener's SYN-ACKs go to hosts that are not
 * there. tcplab makes the i-th SYN of a step from the i-th address of a
 * prefix that belongs to no one in the lab (10.0.0.0/8, fd00:2017::/64);
 * the lab routes that prefix into its loopback, where the SYN-ACKs are
 * captured and then dropped by a rule named TL_FLOOD_RULE before any socket
 * could answer them, and the simulator's link drops them the same way. No
 * packet ever leaves the lab's namespace.
 */
#ifndef TCPLAB_FLOOD_H
#define TCPLAB_FLOOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/event.h"
#include "scenario/scenario.h"

#define TL_FLOOD_MAX 100000	/* SYNs in one step */
/* The fault rule's name that drops what is sent to the flood's sources, as no host there takes it. */
#define TL_FLOOD_RULE "flood"
#define TL_FLOOD_OPTIONS_LEN 20 /* mss, sackOK, TS, nop, wscale */

/* One SYN of a flood, as it goes on the wire. */
struct tl_flood_syn {
	struct tl_tuple tuple; /* a spoofed source to the target */
	uint32_t seq;
	uint16_t window;
	uint8_t options[TL_FLOOD_OPTIONS_LEN];
	size_t options_len;
};

/*
 * The i-th SYN (from 0) of a flood against target:port: from the i-th host
 * of the family's flood prefix, port 1024 upwards, with the options a Linux
 * client on Ethernet offers (mss 1460, sackOK, TS, wscale 7) so that a
 * listener answers it as it would a real client.
 */
void tl_flood_syn(const struct tl_addr *target, uint16_t port, size_t i, struct tl_flood_syn *out);

/* The prefix flood sources come from, for AF_INET or AF_INET6: the lab routes it into loopback. */
void tl_flood_prefix(int family, struct tl_addr *net, unsigned *prefix_len);

/* Whether a is in a flood prefix: a segment to it reaches no one. */
bool tl_flood_is_source(const struct tl_addr *a);

/* The drop rule (raw nft match) for segments to the family's flood prefix, named TL_FLOOD_RULE. */
void tl_flood_drop_rule(int family, struct tl_fault *out);

/* The note on the timeline: "line 9: tcplab floods 127.0.0.1:2017 with 200 SYNs from 10.0.0.1 to 10.0.0.200, ...". */
void tl_flood_note(const struct tl_step *st, const struct tl_addr *target, uint16_t port, char *out, size_t len);

#endif
