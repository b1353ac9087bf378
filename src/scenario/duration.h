/*
 * duration: the one way a scenario writes a length of time ("200ms",
 * "1.5s"), shared by the scenario parser (sleep, timeouts) and the fault
 * rules (a delay's "for 50ms"), so that both accept exactly the same words.
 * Pure: no I/O, no allocation.
 */
#ifndef TCPLAB_DURATION_H
#define TCPLAB_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define TL_DURATION_MAX_NS (3600ull * 1000000000ull) /* no lab run needs an hour */

/*
 * Parses s: digits, optionally '.' and up to 9 more digits, then a unit (ns,
 * us, ms, s, min), more than 0 and at most TL_DURATION_MAX_NS, a whole
 * number of nanoseconds. Returns 0 with *out_ns set, or -1 with a one-line
 * message in why that starts with what and the word ("sleep '200' has no
 * unit (...)"); shown is the word as the message should show it (the caller
 * may have made control characters visible).
 */
int tl_duration_parse(const char *what, const char *s, const char *shown, uint64_t *out_ns, char *why,
		      size_t len);

/* Writes ns in the largest unit that keeps it whole: "50ms", "1500us", "2s". */
void tl_duration_format(uint64_t ns, char *out, size_t len);

#endif
