/*
 * clock: CLOCK_MONOTONIC in ns, for the lab's stamps.
 */
#include "lab/clock.h"

#include <errno.h>
#include <time.h>

uint64_t tl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A kernel stamp later than this after reading is not believed. */
#define FUTURE_SLACK_NS (100ull * 1000000ull)

uint64_t tl_kernel_stamp_ns(uint64_t sec, uint64_t usec, int64_t realtime_minus_mono_ns, uint64_t now_ns)
{
	if (sec == 0 || sec > 1ull << 40 || usec >= 1000000)
		return now_ns;
	int64_t wall_ns = (int64_t)(sec * 1000000000ull + usec * 1000ull);
	int64_t mono_ns = wall_ns - realtime_minus_mono_ns;
	if (mono_ns <= 0 || (uint64_t)mono_ns > now_ns + FUTURE_SLACK_NS)
		return now_ns;
	return (uint64_t)mono_ns;
}

void tl_pace(struct tl_pacer *p)
{
	if (p->calls && p->every_ns) {
		uint64_t due = p->first_ns + p->calls * p->every_ns;
		if (due < p->last_ns + p->every_ns)
			due = p->last_ns + p->every_ns;
		struct timespec ts = { (time_t)(due / 1000000000ull), (long)(due % 1000000000ull) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	p->last_ns = tl_now_ns();
	if (!p->calls++)
		p->first_ns = p->last_ns;
}
