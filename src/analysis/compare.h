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
 * Packets the model sends at one instant from the two sides (each side's
 * own timer) and the answers that follow within a millisecond may come in
 * another order on the kernel, whose timer wheel runs timers of one bucket
 * in its own order: when they are the same packets, the rows are shown
 * marked "~" and not counted as differences.
 *
 * Packets carry their connection, direction and relative numbers from
 * roles.h and their options from the frame (core/wire.h); compare reads
 * them and follows no connection itself, so any number of connections is
 * told apart.
 *
 * Retransmission times are compared with TL_COMPARE_TOL_MS plus
 * TL_COMPARE_TOL_FRAC of the kernel's time since the series' first send.
 * The kernel's timer wheel fires timers late, never early, so a kernel
 * send later than the model's by at most that tolerance plus the wheel's
 * accumulated allowance (tl_series_send.allowed_late_ms; an answer to a
 * duplicate SYN inherits the largest allowance before it) follows the same
 * rule and is not counted as a difference; its line still shows it, with
 * the lateness and the allowance, marked "not counted" (docs/compare.md).
 * A kernel send earlier by more than the tolerance, or later than that
 * bound, is a difference.
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
 * not. Returns the number of differences, 0 when the model conforms, or -1
 * with errno ENOMEM after printing what it could (state paths of any length
 * are compared whole, so they are copied). Reads only; a line that does not
 * fit is cut.
 */
int tl_compare_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *kernel,
		     const struct tl_series_report *kernel_series, const struct tl_timeline *model,
		     const struct tl_series_report *model_series);

#endif
