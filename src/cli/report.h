/*
 * report: what every runner does with a finished run, so that the kernel
 * lab and the simulator print and judge runs the same way: fill the
 * tracepoint's blind spots, assign sides, label packets, print the
 * timeline, evaluate the checks, write the requested files.
 */
#ifndef TCPLAB_REPORT_H
#define TCPLAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/event.h"
#include "scenario/scenario.h"
#include "cli/suite.h"
#include "model/timer_model.h"

struct tl_report_options {
	bool quiet;		/* only the verdict line */
	const char *pcap_path;	/* write the packets here, or NULL */
	/* the timer settings the run had (namespace sysctls, profile); NULL: kernel defaults */
	const struct tl_timer_settings *timers;
	const char *timer_profile; /* its name, for the header */
	const char *json_path;	   /* write the run as JSON here ("-": standard output), or NULL */
	const char *svg_path;	   /* write the ladder diagram as SVG here, or NULL */
	const char *files_stem;	   /* also write STEM.pcap, STEM.json and STEM.svg (report's page reads them), or NULL */
	bool ladder;		   /* print the ladder diagram in the text */
	bool ascii;		   /* ... with ASCII instead of box-drawing characters */
	int width;		   /* ... this many columns wide (0: 100) */
};

/*
 * The first half of tl_report_run, for callers that print nothing (the
 * kernel-versus-model comparison): fills the tracepoint's blind spots,
 * assigns sides, attaches drops, orders effects after their causes
 * (analysis/causal.h), labels packets. Returns 0, or -1 when out
 * of memory.
 */
int tl_report_prepare(const struct tl_scenario *sc, struct tl_timeline *tl);

/*
 * Finishes a raw timeline tl of scenario sc (sorted by time) and reports it
 * to out. run_rc is the runner's result: 0 ran to the end, 1 stopped by a
 * signal, -1 failed with run_err. Returns the scenario's verdict; tl is left
 * annotated for the caller, who still owns it.
 */
enum tl_verdict tl_report_run(const struct tl_scenario *sc, struct tl_timeline *tl, int run_rc,
			      const char *run_err, const struct tl_report_options *o, FILE *out);

/*
 * A runner's error in the one style, "ERROR ID: FILE:LINE: what" when it
 * names a line of the scenario ("line N: what"), else as it is (an option's
 * fault, the lab's own trouble), never the file blamed for what it did not
 * say; "REFUSED" instead of "ERROR" when the input was refused.
 */
void tl_report_print_run_error(FILE *out, const struct tl_scenario *sc, const char *run_err, bool refused,
			       bool quiet);

#endif
