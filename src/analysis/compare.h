/*
 * compare: the kernel against the model. One scenario's kernel run and its
 * simulated run (cli/compare_job.h runs both with the same timer profile)
 * give two annotated timelines, set side by side here: the packets aligned
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/event.h"
#include "scenario/scenario.h"
#include "analysis/series.h"
#include "model/timer_model.h"

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

#endif
