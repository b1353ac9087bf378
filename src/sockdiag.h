/*
 * sockdiag: netlink sock_diag (libmnl) dumps of every TCP socket of the
 * current network namespace, in every state, including request sockets
 * (SYN-RECV) and time-wait sockets that the state tracepoint never reports;
 * and the netstat-like table printed for a snapshot.
 */
#ifndef TCPLAB_SOCKDIAG_H
#define TCPLAB_SOCKDIAG_H

#include <stddef.h>
#include <stdio.h>

#include "event.h"

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

/*
 * Prints a snapshot like netstat -tano: one header line and a row per
 * socket (Proto Recv-Q Send-Q Local Address Foreign Address State Timer),
 * the timer as netstat shows it, e.g. "timewait (59.87/0/0)". Each line is
 * prefixed by indent.
 */
void tl_snapshot_print(FILE *out, const struct tl_snapshot *s, const char *indent);

#endif
