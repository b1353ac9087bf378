/*
 * compare_job: one scenario on the kernel and on the model, compared
 * (analysis/compare.h says how).
 */
#ifndef TCPLAB_COMPARE_JOB_H
#define TCPLAB_COMPARE_JOB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/suite.h"
#include "model/timer_model.h"
#include "scenario/fault.h"
#include "scenario/scenario.h"

/* What `tcplab run --compare` passes to each scenario's job. */
struct tl_compare_options {
	const struct tl_timer_profile *timers; /* both runs' sysctls before the scenario's; NULL: none */
	const struct tl_fault *faults;	       /* extra rules in both runs (--drop) */
	size_t n_faults;
	bool wait_time_wait;		       /* both runs wait out TIME-WAIT */
	uint64_t seed;			       /* the model's initial sequence numbers and timestamps */
	FILE *progress;			       /* the kernel run's progress lines on long waits, or NULL */
};

/*
 * Runs sc on the kernel and on the model and prints the comparison to out,
 * headed by the scenario and ended by its verdict line ("   PASS N5"). Call
 * it in a child process of its own (tl_suite_run's job): it enters a new
 * network namespace, which must happen before any thread is started.
 * Returns PASS when the model conforms, FAIL on any difference (the model
 * refusing the scenario included: it says what it does not model), ERROR
 * when the kernel run or the analysis failed, INTERRUPTED when stop was set.
 */
enum tl_verdict tl_compare_job(const struct tl_scenario *sc, const struct tl_compare_options *o, FILE *out,
			       volatile sig_atomic_t *stop);

#endif
