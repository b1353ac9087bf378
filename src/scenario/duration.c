/*
 * duration: computed in integers so that "0.1s" is exactly 100000000 ns.
 */
#include "scenario/duration.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000ull

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", NS_PER_S }, { "min", 60 * NS_PER_S },
};
#define N_UNITS (sizeof(units) / sizeof(units[0]))

static int too_long(const char *what, const char *shown, char *why, size_t len)
{
	snprintf(why, len, "%s %s is longer than %llu s", what, shown,
		 (unsigned long long)(TL_DURATION_MAX_NS / NS_PER_S));
	return -1;
}

int tl_duration_parse(const char *what, const char *s, const char *shown, uint64_t *out_ns, char *why,
		      size_t len)
{
	const char *c = s;
	uint64_t whole = 0, frac = 0, scale = 1;

	if (!isdigit((unsigned char)*c)) {
		snprintf(why, len, "%s '%s' is not a duration (expected a number and a unit, e.g. 200ms or 1.5s)",
			 what, shown);
		return -1;
	}
	for (; isdigit((unsigned char)*c); c++) {
		if (whole > TL_DURATION_MAX_NS) /* already too long in any unit; stops overflow */
			return too_long(what, shown, why, len);
		whole = whole * 10 + (uint64_t)(*c - '0');
	}
	if (*c == '.') {
		c++;
		if (!isdigit((unsigned char)*c)) {
			snprintf(why, len, "%s '%s' is not a duration (expected digits after '.', e.g. 1.5s)", what,
				 shown);
			return -1;
		}
		for (; isdigit((unsigned char)*c); c++) {
			if (scale == NS_PER_S) {
				snprintf(why, len, "%s '%s' has more than 9 decimals", what, shown);
				return -1;
			}
			frac = frac * 10 + (uint64_t)(*c - '0');
			scale *= 10;
		}
	}
	if (*c == '\0') {
		snprintf(why, len, "%s '%s' has no unit (expected ns, us, ms, s or min, e.g. 200ms)", what, shown);
		return -1;
	}
	uint64_t unit_ns = 0;
	for (size_t i = 0; i < N_UNITS; i++)
		if (!strcmp(c, units[i].name))
			unit_ns = units[i].ns;
	if (!unit_ns) {
		/* The unit is the tail of the word: shown's tail is its visible form. */
		size_t tail = strlen(c), n = strlen(shown);
		snprintf(why, len, "%s '%s' has an unknown unit '%s' (expected ns, us, ms, s or min)", what, shown,
			 tail <= n ? shown + n - tail : c);
		return -1;
	}
	if (whole > TL_DURATION_MAX_NS / unit_ns)
		return too_long(what, shown, why, len);
	/* frac / scale of a unit: cancel common powers of ten first, which keeps
	 * frac * unit below 6e10 (no overflow) and shows whether it is exact. */
	uint64_t unit = unit_ns;
	while (scale > 1 && unit % 10 == 0) {
		scale /= 10;
		unit /= 10;
	}
	if ((frac * unit) % scale) {
		snprintf(why, len, "%s %s is not a whole number of nanoseconds", what, shown);
		return -1;
	}
	uint64_t total = whole * unit_ns + frac * unit / scale;
	if (total > TL_DURATION_MAX_NS)
		return too_long(what, shown, why, len);
	if (total == 0) {
		snprintf(why, len, "%s %s: a duration must be more than 0", what, shown);
		return -1;
	}
	*out_ns = total;
	return 0;
}

void tl_duration_format(uint64_t ns, char *out, size_t len)
{
	size_t best = 0;
	for (size_t i = 1; i < N_UNITS - 1; i++) /* "min" is never shorter than "s" for a whole number */
		if (ns % units[i].ns == 0)
			best = i;
	snprintf(out, len, "%llu%s", (unsigned long long)(ns / units[best].ns), units[best].name);
}
