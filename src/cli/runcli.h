/*
 * runcli: what `tcplab run`, `tcplab sim` and `tcplab report` share: their
 * options and ranges, the per-scenario output file names, the report options
 * they imply, the summary table and the exit status. Each command keeps only
 * what is its own (run's --compare; sim's --seed; report's -o DIR and page).
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
#define TL_RUNCLI_STEM_LEN 64

struct tl_runcli {
	const char *command; /* "run", "sim" or "report", for messages */
	const struct tl_timer_profile *timers;
	const char *drops[TL_RUNCLI_MAX_DROPS]; /* --drop and --delay rules, parsed per scenario: direction is by its port */
	enum tl_fault_action drop_action[TL_RUNCLI_MAX_DROPS]; /* which of the two each one came from */
	size_t n_drops;
	const char *pcap_path, *json_path, *svg_path;
	bool ladder, ascii, time_wait, quiet, compare;
	bool ipv6;	   /* --ipv6: the scenarios' IPv4 loopback becomes ::1 */
	unsigned jobs;
	uint64_t seed;	   /* the model's initial sequence numbers and timestamps */
	bool seed_given;   /* --seed was on the command line */
	bool simulated;	   /* run on the model instead of the kernel (sim; report --sim) */
	bool allow_seed;   /* the command takes --seed */
	bool allow_compare; /* the command takes --compare */
	bool allow_report; /* the command takes -o DIR and --sim (report) */
	const char *output_dir; /* -o DIR: each scenario also writes DIR/STEM.pcap, .json, .svg */
	char (*stems)[TL_RUNCLI_STEM_LEN]; /* with output_dir: per scenario, its files' unique stem */
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

/* The scenarios a command runs and room for their results. */
struct tl_runcli_suite {
	struct tl_scenario *scs;
	size_t n;
	struct tl_suite_result *res;
};

/*
 * After tl_runcli_parse: loads the scenarios argv names from optind on,
 * checks the --drop rules against them and, on the kernel, the privileges
 * the lab needs; sets o->n_scenarios. Returns TL_EXIT_OK, or an exit status
 * after saying why. Free s with tl_runcli_suite_free either way.
 */
int tl_runcli_load(struct tl_runcli *o, int argc, char **argv, struct tl_runcli_suite *s);
void tl_runcli_suite_free(struct tl_runcli_suite *s);


/* The --drop rules parsed for one scenario into out (TL_RUNCLI_MAX_DROPS); returns how many. */
size_t tl_runcli_faults(const struct tl_runcli *o, const struct tl_scenario *sc, struct tl_fault *out);

/* Per-scenario file names and the rest of the report options for sc, the
 * index-th scenario. The names live in names (caller's, kept while ro is used). */
struct tl_runcli_names {
	char pcap[4096], json[4096], svg[4096], stem[4096];
};
void tl_runcli_report_options(const struct tl_runcli *o, const struct tl_scenario *sc, size_t index,
			      const struct tl_timer_settings *timers, struct tl_runcli_names *names,
			      struct tl_report_options *ro);

/* Where the summary and other closing lines go: stderr when JSON is standard output. */
FILE *tl_runcli_closing_stream(const struct tl_runcli *o);

/*
 * Runs the suite with job, fills results[n] (the caller's), prints the
 * summary and returns the command's exit status; when the suite could not
 * be run at all it says why on stderr and returns TL_EXIT_LAB.
 */
int tl_runcli_run_suite(const struct tl_runcli *o, const struct tl_scenario *scs, size_t n,
			tl_suite_job job, const char *summary_title, struct tl_suite_result *results);

#endif
