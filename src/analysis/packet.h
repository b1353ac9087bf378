/*
 * packet: prints packets the way `tcpdump -nn` prints a TCP/IPv4 packet
 * after its timestamp, e.g.
 *   IP 127.0.0.1.55702 > 127.0.0.1.2017: Flags [S], seq 1234, win 65495,
 *   options [mss 65495,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0
 * Sequence numbers follow tcpdump's default: absolute until a connection's
 * first ACK-bearing packet fixes its initial numbers, relative afterwards.
 * That needs memory across packets, kept in a struct tl_seq_tracker.
 */
#ifndef TCPLAB_PACKET_H
#define TCPLAB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

struct tl_seq_tracker;

/* NULL when out of memory. */
struct tl_seq_tracker *tl_seq_tracker_new(void);
void tl_seq_tracker_free(struct tl_seq_tracker *t);

/* False once the tracker ran out of memory: texts formatted since may show
 * absolute numbers where tcpdump shows relative ones. A NULL tracker is ok. */
bool tl_seq_tracker_ok(const struct tl_seq_tracker *t);

/*
 * Writes tcpdump's text for p into buf (always NUL-terminated, truncated to
 * len) and updates the tracker. Packets must be given in capture order. A
 * NULL tracker prints absolute numbers (as tcpdump -S); a packet without
 * bytes prints from its fields alone, without options.
 * Returns the length tcpdump's text has (as snprintf does).
 */
int tl_packet_format(struct tl_seq_tracker *t, const struct tl_packet *p, char *buf, size_t len);

/* tcpdump's name for a TCP option kind ("mss", "sackOK", "TS", ...), NULL
 * for a kind it prints as "unknown-N". */
const char *tl_tcp_option_name(unsigned kind);

#endif
