/*
 * cmd_sim: `tcplab sim`: the scenarios run on the TCP model instead of the
 * kernel (sim.h), with run's options, timeline, checks and summary. Time is
 * virtual, so every timer profile finishes at once; no privileges needed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/run_job.h"
#include "cli/runcli.h"

#define DEFAULT_SEED 1

static void sim_usage(FILE *out)
{
	fputs("usage: tcplab sim [OPTIONS] [ID|GROUP|FILE...]\n"
	      "\n"
	      "Runs scenarios on tcplab's model of Linux TCP instead of the kernel: a\n"
	      "discrete-event simulation with a virtual clock, so minutes of TCP timers\n"
	      "pass at once. Prints the same timeline, checks and summary as 'tcplab\n"
	      "run', judged by the same expectations. Needs no privileges. With no\n"
	      "scenario named, runs the walkthrough's ten; 'library' runs the whole\n"
	      "library, a group's name one group (see 'tcplab list').\n"
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

int tl_cmd_sim(int argc, char **argv)
{
	struct tl_runcli o = { .command = "sim", .timers = tl_timer_profile_find("fast"), .seed = DEFAULT_SEED,
			       .allow_seed = true, .simulated = true };
	int early = tl_runcli_parse(&o, argc, argv, sim_usage);
	if (early >= 0)
		return early;
	struct tl_runcli_suite s;
	int status = tl_runcli_load(&o, argc, argv, &s);
	if (status == TL_EXIT_OK)
		status = tl_runcli_run_suite(&o, s.scs, s.n, tl_run_job, "summary (simulated)", s.res);
	tl_runcli_suite_free(&s);
	return status;
}
