/*
 * census: many sockets over time, as a table of counts by side and state
 * (the run's TL_EV_CENSUS events), where a line per packet would be
 * thousands of lines.
 */
#ifndef TCPLAB_CENSUS_VIEW_H
#define TCPLAB_CENSUS_VIEW_H

#include <stddef.h>
#include <stdio.h>

#include "core/event.h"

/*
 * Prints the run's censuses as a table: a column per side and state that
 * ever had a socket, a row per census whose counts differ from the row
 * printed before, at most max_rows of them (evenly spread, the last always
 * kept). Prints nothing when the run has no census.
 */
void tl_census_print(FILE *out, const struct tl_timeline *tl, size_t max_rows);

#endif
