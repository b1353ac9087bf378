/*
 * pcap_out: a run's packets written to a pcap file, the form every packet
 * tool reads, whichever runner produced them.
 */
#ifndef TCPLAB_PCAP_OUT_H
#define TCPLAB_PCAP_OUT_H

#include <stddef.h>

#include "core/event.h"

/*
 * Writes every TL_EV_PACKET of tl (in timeline order) to a pcap file with
 * nanosecond timestamps from wall_ns, readable by tcpdump -r and Wireshark.
 * Returns 0, or -1 with the reason in err.
 */
int tl_pcap_write(const char *path, const struct tl_timeline *tl, char *err, size_t errlen);

#endif
