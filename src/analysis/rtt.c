#include "analysis/rtt.h"

#include <stdbool.h>
#include <string.h>

#define SEGS_HELD 64 /* segments in flight followed; a sample whose segment was forgotten is skipped */

struct seg_sent {
	uint32_t start, end;
	uint64_t at_ns;
	bool resent;
};

static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static uint32_t seq_space(const struct tl_packet *p)
{
	return p->payload_len + ((p->flags & TL_TH_SYN) ? 1u : 0u) + ((p->flags & TL_TH_FIN) ? 1u : 0u);
}

struct flight {
	struct seg_sent seg[SEGS_HELD];
	size_t n;
	bool started;
	uint32_t una, nxt;
	struct tl_timer_rtt rtt;
};

static void sent(struct flight *f, const struct tl_packet *p, uint64_t t_ns)
{
	uint32_t start = p->seq, end = p->seq + seq_space(p);
	if (!f->started) {
		f->started = true;
		f->una = f->nxt = start;
	}
	if (seq_before(start, f->nxt)) {
		for (size_t i = 0; i < f->n; i++)
			if (seq_before(start, f->seg[i].end) && seq_before(f->seg[i].start, end))
				f->seg[i].resent = true;
		return;
	}
	if (f->n == SEGS_HELD)
		memmove(f->seg, f->seg + 1, --f->n * sizeof(f->seg[0]));
	f->seg[f->n++] = (struct seg_sent){ .start = start, .end = end, .at_ns = t_ns };
	f->nxt = end;
}

static void acked(struct flight *f, uint32_t ack, uint64_t t_ns, const struct tl_timer_settings *set)
{
	if (!f->started || !seq_before(f->una, ack) || seq_before(f->nxt, ack))
		return;
	size_t n = 0;
	bool resent = false;
	while (n < f->n && !seq_before(ack, f->seg[n].end))
		resent |= f->seg[n++].resent;
	if (n && !resent && !seq_before(f->una, f->seg[0].start))
		tl_timer_rtt_sample(&f->rtt, set, (int64_t)((t_ns - f->seg[0].at_ns) / 1000), ack, f->nxt);
	memmove(f->seg, f->seg + n, (f->n - n) * sizeof(f->seg[0]));
	f->n -= n;
	f->una = ack;
}

int64_t tl_rtt_capture_rto_ms(const struct tl_timeline *tl, enum tl_side side, uint64_t until_ns,
			      const struct tl_timer_settings *set)
{
	struct flight f;
	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < tl->n && tl->ev[i].t_ns <= until_ns; i++) {
		const struct tl_event *ev = &tl->ev[i];
		if (ev->kind != TL_EV_PACKET || ev->side == TL_SIDE_NONE || ev->u.packet.ref.conn != 1)
			continue;
		const struct tl_packet *p = &ev->u.packet;
		if (p->flags & TL_TH_RST)
			continue;
		if (ev->side == side) {
			if (seq_space(p))
				sent(&f, p, ev->t_ns);
		} else if ((p->flags & TL_TH_ACK) && !p->dropped) {
			acked(&f, p->ack, ev->t_ns, set);
		}
	}
	return tl_timer_rtt_rto_ms(&f.rtt, set);
}
