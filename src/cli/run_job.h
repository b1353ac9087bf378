/*
 * run_job: one scenario from start to verdict, the same for `run`, `sim`
 * and `report`: runs it on the backend the command line names (the kernel,
 * in a network namespace of its own, or the model) with the command line's
 * timers, --drop rules and --time-wait, then hands the timeline to report.c's
 * tail with the files the command line asks for.
 */
#ifndef TCPLAB_RUN_JOB_H
#define TCPLAB_RUN_JOB_H

#include <signal.h>
#include <stdio.h>

#include "cli/suite.h"
#include "scenario/scenario.h"

/* A tl_suite_job; ctx is the command's struct tl_runcli. Call it in a child
 * process of its own: on the kernel it enters a new network namespace. */
enum tl_verdict tl_run_job(const struct tl_scenario *sc, size_t index, FILE *out, volatile sig_atomic_t *stop,
			   void *ctx);

/* One line per step the simulator does not honour (sim.h), "   NOTE ID: FILE:LINE: why"; none when all are. */
void tl_run_job_sim_notes(FILE *out, const struct tl_scenario *sc);

#endif
