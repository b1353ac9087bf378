/*
 * suite: runs several scenarios side by side, each in a child process of its
 * own (and so in a network namespace of its own), and prints their outputs
 * whole and in the order given. SIGINT and SIGTERM stop every child, which
 * takes its namespace with it.
 */
#ifndef TCPLAB_SUITE_H
#define TCPLAB_SUITE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "scenario/scenario.h"

enum tl_verdict {
	TL_VERDICT_PASS = 0,
	TL_VERDICT_FAIL = 1,
	TL_VERDICT_ERROR = 2,	    /* the lab could not run it */
	TL_VERDICT_INTERRUPTED = 3, /* stopped by a signal */
	TL_VERDICT_REFUSED = 4,	    /* the kernel (or the model) refused the scenario's input: bad input */
};

/*
 * Runs one scenario in a child process: writes the scenario's whole report
 * to out and returns its verdict. stop is set when the child is asked to stop.
 */
typedef enum tl_verdict (*tl_suite_job)(const struct tl_scenario *sc, size_t index, FILE *out,
					volatile sig_atomic_t *stop, void *ctx);

struct tl_suite_result {
	enum tl_verdict verdict;
	double seconds;
	bool done; /* verdict and seconds are the scenario's: the suite got that far */
};

/*
 * Runs job for each of the n scenarios, at most jobs at a time (0: all at
 * once), printing each report to out as soon as it and all before it are
 * done. Fills results[i]. Returns 0, 1 when interrupted by SIGINT/SIGTERM,
 * or -1 with err when it could not run at all (then results are untouched).
 * A scenario whose process could not start is an ERROR whose report says why.
 */
int tl_suite_run(const struct tl_scenario *scs, size_t n, unsigned jobs, tl_suite_job job, void *ctx,
		 FILE *out, struct tl_suite_result *results, char *err, size_t errlen);

const char *tl_verdict_name(enum tl_verdict v);

#endif
