/*
 * capture: libpcap live capture of the lab's TCP packets into the timeline
 * (views/pcap_out.h writes them back out).
 *
 * Packets are stamped by the kernel on CLOCK_REALTIME (that is what goes into
 * pcap files); the timeline runs on CLOCK_MONOTONIC, so drain() shifts each
 * stamp by the offset tl_realtime_minus_mono_ns() measured. Frames that are
 * not TCP over IPv4 or IPv6 are skipped, not errors.
 */
#include "lab/capture.h"
#include "core/textbuf.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/wire.h"
#include "lab/clock.h"

enum {
	/*
	 * The largest frame loopback carries: a 64 KB GSO segment (IPv4's total
	 * length, IPv6's payload length), its IP header and the 14-byte
	 * Ethernet header. Immediate mode rings hold fixed-size frames of about
	 * this size, so a larger snap length would leave fewer of them.
	 */
	CAPTURE_SNAPLEN = 65535 + 40 + 14,
	/* About 480 such frames: a burst of that many packets (a flood) waits in the ring for the reader. */
	CAPTURE_BUFFER_BYTES = 32 << 20,
	/* More samples make a tight bracket likelier; 16 take a few microseconds. */
	CLOCK_SAMPLES = 16,
};

#define NS_PER_SEC 1000000000ull

struct tl_capture {
	pcap_t *pcap;
	int linktype;
	int fd;
	/* pcap's stamp fraction: nanoseconds when the nano request held, else micro. */
	uint64_t ns_per_frac;
	unsigned lost_reported; /* packets the ring had no room for, already on the timeline */
};

/* A note on the timeline when the kernel dropped packets for want of room in the ring: never a silent hole. */
static int note_losses(struct tl_capture *c, struct tl_timeline *tl)
{
	struct pcap_stat st;
	if (pcap_stats(c->pcap, &st) < 0 || st.ps_drop <= c->lost_reported)
		return 0;
	struct tl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.t_ns = tl_now_ns();
	ev.kind = TL_EV_NOTE;
	snprintf(ev.u.note, sizeof(ev.u.note),
		 "capture: %u packets lost (the capture ring was full): the packet lines and the checks on packets miss them",
		 st.ps_drop - c->lost_reported);
	c->lost_reported = st.ps_drop;
	return tl_timeline_append(tl, &ev);
}


struct tl_capture *tl_capture_open(const char *ifname, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct tl_capture *c = calloc(1, sizeof(*c));
	if (!c) {
		tl_errorf(err, errlen, "capture on %s: out of memory", ifname);
		return NULL;
	}
	c->pcap = pcap_create(ifname, pcap_err);
	if (!c->pcap) {
		tl_errorf(err, errlen, "capture on %s: %s", ifname, pcap_err);
		free(c);
		return NULL;
	}

	const char *step = "set options", *detail;
	/* Immediate mode: a packet is readable as soon as the kernel has it,
	 * not when a buffer fills, so the timeline is complete at each drain. */
	int rc = pcap_set_snaplen(c->pcap, CAPTURE_SNAPLEN);
	if (rc == 0)
		rc = pcap_set_immediate_mode(c->pcap, 1);
	if (rc == 0)
		rc = pcap_set_buffer_size(c->pcap, CAPTURE_BUFFER_BYTES);
	if (rc == 0)
		rc = pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO);
	if (rc != 0)
		goto fail;
	step = "activate";
	rc = pcap_activate(c->pcap);
	if (rc < 0)
		goto fail;
	/* rc > 0 is a warning (e.g. promiscuous mode unsupported): harmless here. */

	struct bpf_program prog;
	step = "compile filter \"tcp\"";
	rc = pcap_compile(c->pcap, &prog, "tcp", 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		goto fail;
	step = "set filter";
	rc = pcap_setfilter(c->pcap, &prog);
	pcap_freecode(&prog);
	if (rc < 0)
		goto fail;
	step = "set non-blocking";
	rc = pcap_setnonblock(c->pcap, 1, pcap_err);
	if (rc < 0) {
		tl_errorf(err, errlen, "capture on %s: %s: %s", ifname, step, pcap_err);
		goto cleanup;
	}

	c->linktype = pcap_datalink(c->pcap);
	c->fd = pcap_get_selectable_fd(c->pcap);
	c->ns_per_frac =
		pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	if (c->fd < 0) {
		tl_errorf(err, errlen, "capture on %s: no selectable descriptor", ifname);
		goto cleanup;
	}
	return c;

fail:
	/* PCAP_ERROR has its detail in pcap_geterr(); other codes name the
	 * failure and may add a detail too ("No such device exists"). */
	detail = pcap_geterr(c->pcap);
	if (rc == PCAP_ERROR)
		tl_errorf(err, errlen, "capture on %s: %s: %s", ifname, step, detail);
	else if (detail && *detail)
		tl_errorf(err, errlen, "capture on %s: %s: %s (%s)", ifname, step,
			pcap_statustostr(rc), detail);
	else
		tl_errorf(err, errlen, "capture on %s: %s: %s", ifname, step, pcap_statustostr(rc));
cleanup:
	pcap_close(c->pcap);
	free(c);
	return NULL;
}

int tl_capture_fd(const struct tl_capture *c)
{
	return c->fd;
}

int tl_capture_linktype(const struct tl_capture *c)
{
	return c->linktype;
}

int tl_capture_drain(struct tl_capture *c, int64_t realtime_minus_mono_ns, struct tl_timeline *tl,
		     char *err, size_t errlen)
{
	int appended = 0;
	for (;;) {
		struct pcap_pkthdr *hdr;
		const u_char *frame;
		int rc = pcap_next_ex(c->pcap, &hdr, &frame);
		if (rc == 0 || rc == PCAP_ERROR_BREAK) { /* nothing more waiting */
			if (note_losses(c, tl) < 0) {
				tl_errorf(err, errlen, "reading capture: out of memory");
				return -1;
			}
			return appended;
		}
		if (rc < 0) {
			tl_errorf(err, errlen, "reading capture: %s", pcap_geterr(c->pcap));
			return -1;
		}

		struct tl_event ev;
		memset(&ev, 0, sizeof(ev));
		if (tl_packet_decode(c->linktype, frame, hdr->caplen, hdr->len, &ev.u.packet, NULL,
				     0) < 0)
			continue; /* not TCP/IPv4: not ours to show */

		uint64_t wall_ns = (uint64_t)hdr->ts.tv_sec * NS_PER_SEC +
				   (uint64_t)hdr->ts.tv_usec * c->ns_per_frac;
		ev.kind = TL_EV_PACKET;
		ev.side = TL_SIDE_NONE;
		ev.t_ns = (uint64_t)((int64_t)wall_ns - realtime_minus_mono_ns);
		ev.u.packet.wall_ns = wall_ns;
		if (tl_timeline_append(tl, &ev) < 0) {
			tl_errorf(err, errlen, "reading capture: out of memory after %d packets",
				appended);
			return -1;
		}
		appended++;
	}
}

void tl_capture_close(struct tl_capture *c)
{
	if (!c)
		return;
	pcap_close(c->pcap);
	free(c);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

int64_t tl_realtime_minus_mono_ns(void)
{
	/*
	 * Read REALTIME between two MONOTONIC reads; the pair closest together
	 * bounds best when REALTIME was really taken (a preemption in between
	 * shows up as a wide bracket and loses).
	 */
	uint64_t best_width_ns = UINT64_MAX;
	int64_t best_offset_ns = 0;
	for (int i = 0; i < CLOCK_SAMPLES; i++) {
		uint64_t before_ns = clock_ns(CLOCK_MONOTONIC);
		uint64_t real_ns = clock_ns(CLOCK_REALTIME);
		uint64_t after_ns = clock_ns(CLOCK_MONOTONIC);
		uint64_t width_ns = after_ns - before_ns;
		if (width_ns < best_width_ns) {
			best_width_ns = width_ns;
			best_offset_ns = (int64_t)(real_ns - (before_ns + width_ns / 2));
		}
	}
	return best_offset_ns;
}
