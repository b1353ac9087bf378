/*
 * mib: the TCP counters of the namespace the lab runs in, as nstat names
 * them: the Tcp line of /proc/net/snmp ("TcpActiveOpens") and the TcpExt
 * line of /proc/net/netstat ("TcpExtListenOverflows"). /proc/net shows the
 * reading process's namespace, and the lab's process lives in its own, so
 * every count is the scenario's and nothing else's.
 */
#ifndef TCPLAB_MIB_H
#define TCPLAB_MIB_H

#include <stddef.h>

#include "core/event.h"

/* Reads every counter into *out (values, not deltas; free out->v). 0, or -1 with why. */
int tl_mib_read(struct tl_counters *out, char *err, size_t errlen);

/*
 * after minus before, name by name, into after (the constants of the Tcp
 * line, RtoMin and the like, come out 0). A counter missing before counts
 * from 0.
 */
void tl_mib_delta(const struct tl_counters *before, struct tl_counters *after);

#endif
