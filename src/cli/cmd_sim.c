/*
 * cmd_sim: `tcplab sim`: the scenarios run on the TCP model instead of the
 * kernel (sim.h), with run's options, timeline, checks and summary. Time is
 * virtual, so every timer profile finishes at once; no privileges needed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "scenario/fault.h"
#include "cli/report.h"
#include "model/sim.h"
#include "cli/runcli.h"
#include "cli/suite.h"
#include "model/timer_model.h"

#define DEFAULT_SEED 1

static void sim_usage(FILE *out)
{
	fputs("usage: tcplab sim [OPTIONS] [ID|FILE...]\n"
	      "\n"
	      "Runs scenarios on tcplab's model of Linux TCP instead of the kernel: a\n"
	      "discrete-event simulation with a virtual clock, so minutes of TCP timers\n"
	      "pass at once. Prints the same timeline, checks and summary as 'tcplab\n"
	      "run', judged by the same expectations. Needs no privileges. With no\n"
	      "scenario named, runs every shipped scenario (see 'tcplab list').\n"
	      "\n"
	      "options:\n",
	      out);
	fputs(tl_runcli_options_help, out);
	fputs("  --seed N         initial sequence numbers and timestamps (default 1);\n"
	      "                   the same seed gives the same run, byte for byte\n"
	      "\n"
	      "exit status: 0 all passed, 1 a check failed, 2 bad input, 3 a scenario\n"
	      "could not be simulated, 130 interrupted\n",
	      out);
}

static enum tl_verdict run_in_sim(const struct tl_scenario *sc, size_t index, FILE *out,
				  volatile sig_atomic_t *stop, void *ctx)
{
	(void)index;
	const struct tl_runcli *o = ctx;
	char err[1024] = "";
	struct tl_fault faults[TL_RUNCLI_MAX_DROPS];
	struct tl_sim_options so = { .timers = o->timers, .faults = faults,
				     .n_faults = tl_runcli_faults(o, sc, faults),
				     .wait_time_wait = o->time_wait, .seed = o->seed, .stop = stop };
	struct tl_timeline tl;
	struct tl_timer_settings timers;
	int rc = tl_sim_run(sc, &so, &tl, &timers, err, sizeof(err));
	struct tl_runcli_names names;
	struct tl_report_options ro;
	tl_runcli_report_options(o, sc, &timers, &names, &ro);
	enum tl_verdict v = tl_report_run(sc, &tl, rc, err, &ro, out);
	if (v != TL_VERDICT_PASS && v != TL_VERDICT_INTERRUPTED)
		fprintf(out, "   simulated with seed %" PRIu64 ": 'tcplab sim --seed %" PRIu64 " %s' repeats this run\n\n",
			o->seed, o->seed, sc->path);
	tl_timeline_free(&tl);
	return v;
}

int tl_cmd_sim(int argc, char **argv)
{
	struct tl_runcli o = { .command = "sim", .timers = tl_timer_profile_find("fast"), .seed = DEFAULT_SEED,
			       .allow_seed = true };
	int early = tl_runcli_parse(&o, argc, argv, sim_usage);
	if (early >= 0)
		return early;
	struct tl_scenario *scs;
	size_t n;
	if (tl_cli_load_scenarios(argc - optind, argv + optind, &scs, &n) < 0)
		return TL_EXIT_USAGE;
	int status = TL_EXIT_USAGE;
	if (tl_runcli_check_drops(&o, scs, n, true) == 0) {
		o.n_scenarios = n;
		status = tl_runcli_run_suite(&o, scs, n, run_in_sim, "summary (simulated)");
	}
	tl_cli_free_scenarios(scs, n);
	return status;
}
