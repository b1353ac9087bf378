/*
 * rawsend: puts one TCP segment on the lab's wire that no socket sent, for
 * an inject step (scenario/inject.h). A raw socket in the lab's namespace
 * sends it with its own IPv4 or IPv6 header, so it takes the path a
 * segment from the connection's own socket takes: through the firewall's
 * output hook, the capture, and the peer's input.
 */
#ifndef TCPLAB_RAWSEND_H
#define TCPLAB_RAWSEND_H

#include <stddef.h>

#include "scenario/inject.h"

/* 0, or -1 with why (a raw socket needs CAP_NET_RAW). */
int tl_raw_send(const struct tl_inject_plan *plan, char *why, size_t len);

#endif
