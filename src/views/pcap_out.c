/*
 * pcap_out: nanosecond pcap files from a timeline's packets.
 */
#include "views/pcap_out.h"
#include "core/textbuf.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { PCAP_SNAPLEN = 262144 };

#define NS_PER_SEC 1000000000ull

int tl_pcap_write(const char *path, const struct tl_timeline *tl, char *err, size_t errlen)
{
	/* A pcap file has one link type: the first packet's, checked for all. */
	int linktype = -1;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || !ev->u.packet.bytes)
			continue;
		if (linktype < 0)
			linktype = ev->u.packet.linktype;
		else if (ev->u.packet.linktype != linktype) {
			tl_errorf(err, errlen,
				"%s: one link type per file: event %zu has %d, the first packet %d",
				path, i, ev->u.packet.linktype, linktype);
			return -1;
		}
	}
	if (linktype < 0)
		linktype = DLT_EN10MB;

	pcap_t *dead = pcap_open_dead_with_tstamp_precision(linktype, PCAP_SNAPLEN,
							    PCAP_TSTAMP_PRECISION_NANO);
	if (!dead) {
		tl_errorf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	if (!d) {
		tl_errorf(err, errlen, "%s: %s", path, pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || !ev->u.packet.bytes)
			continue;
		const struct tl_packet *p = &ev->u.packet;
		struct pcap_pkthdr hdr;
		memset(&hdr, 0, sizeof(hdr));
		/* With a nano-precision handle, pcap_dump() reads tv_usec as ns. */
		hdr.ts.tv_sec = (time_t)(p->wall_ns / NS_PER_SEC);
		hdr.ts.tv_usec = (suseconds_t)(p->wall_ns % NS_PER_SEC);
		hdr.caplen = p->cap_len;
		hdr.len = p->wire_len > p->cap_len ? p->wire_len : p->cap_len;
		pcap_dump((u_char *)d, &hdr, p->bytes);
	}

	/* pcap_dump() cannot report errors: catch a full disk at flush and close. */
	int rc = 0;
	if (pcap_dump_flush(d) != 0) {
		tl_errorf(err, errlen, "%s: write failed: %s", path, strerror(errno));
		rc = -1;
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return rc;
}
