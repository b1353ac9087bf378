/*
 * compare: the kernel against the model. One scenario runs on the real
 * kernel (lab.h) and in the simulator (sim.h) with the same timer profile,
 * and the two annotated timelines are set side by side: the packets aligned
 * by index (sender, flags, role, sequence and acknowledgement numbers
 * relative to each direction's initial sequence number, payload length),
 * each side's state path, and each retransmission series send by send. What
 * the kernel may do differently by nature (initial sequence numbers, client
 * ports, timestamp option values, real timing of everything but the
 * retransmission timers) is left out; docs/compare.md lists it.
 *
 * Retransmission times are compared with TL_COMPARE_TOL_MS plus
 * TL_COMPARE_TOL_FRAC of the kernel's time since the series' first send.
 * Nothing is hidden: a send outside that tolerance is a difference even
 * when the kernel's timer wheel explains it, and the line says so.
 */
#ifndef TCPLAB_COMPARE_H
#define TCPLAB_COMPARE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "fault.h"
#include "scenario.h"
#include "series.h"
#include "suite.h"
#include "timer_model.h"

#define TL_COMPARE_TOL_MS 2.0	 /* capture stamps against virtual time */
#define TL_COMPARE_TOL_FRAC 0.02 /* of the kernel's time since the series' first send */

/* How far apart a retransmission may be from the kernel's, at kernel_at_ms after the series' first send. */
double tl_compare_tolerance_ms(double kernel_at_ms);

/*
 * Prints to out how the model's run of sc differs from the kernel's: both
 * timelines prepared with tl_report_prepare (sides, roles and texts set),
 * both series reports from tl_series_analyze on those timelines. Prints one
 * line per part that agrees and a side-by-side table for a part that does
 * not. Returns the number of differences, 0 when the model conforms. Reads
 * only; cannot fail (a line that does not fit is cut).
 */
int tl_compare_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *kernel,
		     const struct tl_series_report *kernel_series, const struct tl_timeline *model,
		     const struct tl_series_report *model_series);

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
