/*
 * runcli: what `tcplab run` and `tcplab sim` share: their options, the
 * per-scenario output file names, the report options they imply, the summary
 * table and the exit status. Each command keeps only what is its own (the
 * runner it uses; sim's --seed).
 */
#ifndef TCPLAB_RUNCLI_H
#define TCPLAB_RUNCLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario/fault.h"
#include "cli/report.h"
#include "scenario/scenario.h"
#include "cli/suite.h"
#include "model/timer_model.h"

#define TL_RUNCLI_MAX_DROPS 16

struct tl_runcli {
	const char *command; /* "run" or "sim", for messages */
	const struct tl_timer_profile *timers;
	const char *drops[TL_RUNCLI_MAX_DROPS]; /* parsed per scenario: direction is by its port */
	size_t n_drops;
	const char *pcap_path, *json_path, *svg_path;
	bool ladder, ascii, time_wait, quiet, compare;
	unsigned jobs;
	uint64_t seed;	   /* sim only */
	bool allow_seed;   /* the command takes --seed */
	bool allow_compare; /* the command takes --compare */
	size_t n_scenarios;
};

/* The options' help text, shared by both commands' usage. */
extern const char tl_runcli_options_help[];

/*
 * Parses argv (argv[0] is the command) into o, whose command, allow_* and
 * defaults the caller set. usage prints the command's help. Returns -1 to
 * go on (optind is the first scenario argument), or an exit status to
 * return at once (0 after --help, 2 after a usage error, already printed).
 */
int tl_runcli_parse(struct tl_runcli *o, int argc, char **argv, void (*usage)(FILE *));

/*
 * Checks every --drop rule against every scenario's port; with simulated
 * set, refuses raw nft rules. Prints the first problem; returns 0 or -1.
 */
int tl_runcli_check_drops(const struct tl_runcli *o, const struct tl_scenario *scs, size_t n, bool simulated);

/* The --drop rules parsed for one scenario into out (TL_RUNCLI_MAX_DROPS); returns how many. */
size_t tl_runcli_faults(const struct tl_runcli *o, const struct tl_scenario *sc, struct tl_fault *out);

/* Per-scenario file names and the rest of the report options for sc. The
 * names live in names (caller's, kept while ro is used). */
struct tl_runcli_names {
	char pcap[4096], json[4096], svg[4096];
};
void tl_runcli_report_options(const struct tl_runcli *o, const struct tl_scenario *sc,
			      const struct tl_timer_settings *timers, struct tl_runcli_names *names,
			      struct tl_report_options *ro);

/* Runs the suite with job, prints the summary (to stderr when JSON goes to
 * standard output) and returns the command's exit status. */
int tl_runcli_run_suite(const struct tl_runcli *o, const struct tl_scenario *scs, size_t n,
			tl_suite_job job, const char *summary_title);

#endif
