/*
 * sockdiag: netlink sock_diag (libmnl) dumps of every TCP socket of the
 * current network namespace, in every state, including request sockets
 * (SYN-RECV) and time-wait sockets that the state tracepoint never reports.
 */
#ifndef TCPLAB_SOCKDIAG_H
#define TCPLAB_SOCKDIAG_H

#include <stddef.h>
#include <stdio.h>

#include "core/event.h"

struct tl_sockdiag;

/* Opens a NETLINK_SOCK_DIAG socket in the current namespace. NULL + err. */
struct tl_sockdiag *tl_sockdiag_open(char *err, size_t errlen);

/*
 * Dumps all IPv4 TCP sockets (all states). On success *rows is a malloc'd
 * array of *n rows (caller frees; NULL when n is 0) and returns 0; on failure
 * returns -1 with err set. A dump interrupted by a concurrent change
 * (NLM_F_DUMP_INTR) is retried.
 */
int tl_sockdiag_dump(struct tl_sockdiag *d, struct tl_sock_row **rows, size_t *n, char *err,
		     size_t errlen);

/*
 * Aborts every TCP socket of the namespace (SOCK_DESTROY, as `ss -K` does),
 * so that blocked calls return and no orphaned socket outlives its run.
 * Returns how many were destroyed, or -1 when the dump failed.
 */
int tl_sockdiag_destroy_all(struct tl_sockdiag *d);

void tl_sockdiag_close(struct tl_sockdiag *d);

/* True for a sock_diag row that the state tracepoint cannot follow: a
 * request socket or a time-wait socket (in TIME_WAIT or FIN_WAIT2 substate). */
bool tl_row_is_mini_socket(const struct tl_sock_row *row);

#endif
