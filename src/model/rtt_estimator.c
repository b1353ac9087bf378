/*
 * rtt_estimator: the RTO a connection computes from its round-trip samples
 * (tcp_rtt_estimator(), __tcp_set_rto() in net/ipv4/tcp_input.c), part of
 * timer_model. On loopback every sample is microseconds and the RTO is
 * tcp_rto_min_us plus a jiffy; a sample that waited for the peer's
 * delayed ACK (40 ms) adds an eighth of it to the smoothed RTT, and the
 * RTO one jiffy more: what the persist timer's probes are spaced by.
 */
#include "model/timer_walk.h"

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

void tl_timer_rtt_sample(struct tl_timer_rtt *r, const struct tl_timer_settings *s, int64_t sample_us,
			 uint32_t snd_una, uint32_t snd_nxt)
{
	int64_t m = sample_us < 0 ? 0 : sample_us;
	if (!r->srtt_us8) {
		r->srtt_us8 = max64(m << 3, 1);
		r->mdev_us = m << 1;
		r->rttvar_us = r->mdev_max_us = max64(r->mdev_us, s->rto_min_us);
		r->rtt_seq = snd_nxt;
		return;
	}
	m -= r->srtt_us8 >> 3;
	r->srtt_us8 = max64(r->srtt_us8 + m, 1);
	if (m < 0) {
		/* A sample below the average moves the deviation only an eighth as much. */
		m = -m - (r->mdev_us >> 2);
		if (m > 0)
			m >>= 3;
	} else {
		m -= r->mdev_us >> 2;
	}
	r->mdev_us += m;
	if (r->mdev_us > r->mdev_max_us) {
		r->mdev_max_us = r->mdev_us;
		if (r->mdev_max_us > r->rttvar_us)
			r->rttvar_us = r->mdev_max_us;
	}
	if (seq_after(snd_una, r->rtt_seq)) {
		/* Once a round trip: rttvar decays towards the round's largest deviation. */
		if (r->mdev_max_us < r->rttvar_us)
			r->rttvar_us -= (r->rttvar_us - r->mdev_max_us) >> 2;
		r->rtt_seq = snd_nxt;
		r->mdev_max_us = s->rto_min_us;
	}
}

int64_t tl_timer_rtt_rto_ms(const struct tl_timer_rtt *r, const struct tl_timer_settings *s)
{
	if (!r->srtt_us8 || s->hz <= 0)
		return 0;
	int64_t rto_j = us_to_j((r->srtt_us8 >> 3) + r->rttvar_us, s->hz);
	return j_to_ms(min64(rto_j, ms_to_j(s->rto_max_ms, s->hz)), s->hz);
}
