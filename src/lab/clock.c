/*
 * clock: CLOCK_MONOTONIC in ns, for the lab's stamps.
 */
#include "lab/clock.h"

#include <time.h>

uint64_t tl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
