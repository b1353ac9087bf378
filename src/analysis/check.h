/*
 * check: a scenario's expectations evaluated against the events of a run.
 * Each expectation gives one item: pass or fail, and on failure the expected
 * and observed values side by side with the first difference.
 */
#ifndef TCPLAB_CHECK_H
#define TCPLAB_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"
#include "scenario/scenario.h"
#include "analysis/series.h"

struct tl_check_item {
	int line; /* the expectation's line in the scenario file (a step's, for its "=> RESULT") */
	bool pass;
	char what[64];	   /* "client states", "packets", "client connect", "client send 10 bytes => EPIPE" */
	char expected[512];
	char observed[512];
	char difference[160]; /* "first difference at #3", empty on pass */
};

struct tl_check_report {
	bool pass;
	bool unchecked; /* the scenario has no expect line: a pass says only that nothing failed */
	size_t n;
	struct tl_check_item *items; /* owned */
};

/*
 * Evaluates every expectation of sc against tl, then adds a failing item
 * for each call that failed where no expectation judges it: no expect line
 * of its side and verb, no "=> RESULT" on its step (a failure nobody
 * expected is not a pass). A step's "=> RESULT" judges the call that step
 * made (tl_app_call.step_line); an expect line the side's first call of
 * its verb. tl must be sorted,
 * resolved (tl_states_resolve), side-assigned and annotated (tl_roles_annotate);
 * series holds the run's retransmission series judged against the timer
 * model (tl_series_analyze), for `expect timers`. Returns 0, or -1 when out
 * of memory.
 */
int tl_check_run(const struct tl_scenario *sc, const struct tl_timeline *tl,
		 const struct tl_series_report *series, struct tl_check_report *report);

void tl_check_report_free(struct tl_check_report *report);

#endif
