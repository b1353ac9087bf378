/*
 * sockops: the socket calls a scenario's client or server makes, each turned
 * into an application-call record (call text, result, errno) for the
 * timeline. Shared by the lab's side threads and by the standalone
 * `tcplab client` and `tcplab server` commands, so both behave the same.
 */
#ifndef TCPLAB_SOCKOPS_H
#define TCPLAB_SOCKOPS_H

#include <stdint.h>

#include "core/errnames.h"
#include "core/event.h"
#include "scenario/call.h"
#include "scenario/scenario.h"

/* The sockets one side owns, as descriptors (-1 when not open). */
struct tl_peer {
	struct tl_side_sockets fd;
};

void tl_peer_init(struct tl_peer *p);

/* Closes whatever the side still has open (no call records). */
void tl_peer_close_all(struct tl_peer *p);

/*
 * Runs one side step (TL_STEP_LISTEN .. TL_STEP_SETSOCKOPT) on the side's
 * sockets and describes it in *call. host/port fill in what the step leaves
 * out. Returns 0 when the call succeeded, -1 when it failed (call->err holds
 * errno). Blocking calls block the caller.
 */
int tl_sockop_run(struct tl_peer *p, const struct tl_step *st, const char *host, uint16_t port,
		  struct tl_app_call *call);

#endif
