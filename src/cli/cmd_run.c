/*
 * cmd_run: `tcplab run`: each scenario in a child process and a network
 * namespace of its own, on the real kernel; timelines, checks and summary
 * as runcli and report make them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/compare_job.h"
#include "cli/run_job.h"
#include "cli/runcli.h"

static void run_usage(FILE *out)
{
	fputs("usage: tcplab run [OPTIONS] [ID|GROUP|FILE...]\n"
	      "\n"
	      "Runs scenarios on the real kernel, each in a private network namespace\n"
	      "that disappears with the run: nothing on the host is changed. With no\n"
	      "scenario named, runs the walkthrough's ten; 'library' runs the whole\n"
	      "library, a group's name one group (see 'tcplab list').\n"
	      "Prints each run's timeline (packets as tcpdump prints them, with their\n"
	      "role; every state change; application calls; socket snapshots), the\n"
	      "retransmission tables, the checks, and a summary. Needs root.\n"
	      "\n"
	      "options:\n",
	      out);
	fputs(tl_runcli_options_help, out);
	fputs("  --compare        run each scenario on the kernel and on tcplab's model and\n"
	      "                   print where they differ (docs/compare.md)\n"
	      "\n"
	      "exit status: 0 all passed, 1 a check failed, 2 bad input (also one the\n"
	      "kernel refused while running: REFUSED), 3 the lab could not run,\n"
	      "130 interrupted\n",
	      out);
}

static enum tl_verdict compare_in_lab(const struct tl_scenario *sc, size_t index, FILE *out,
				      volatile sig_atomic_t *stop, void *ctx)
{
	(void)index;
	const struct tl_runcli *o = ctx;
	struct tl_fault faults[TL_RUNCLI_MAX_DROPS];
	struct tl_compare_options co = {
		.timers = o->timers,
		.faults = faults,
		.n_faults = tl_runcli_faults(o, sc, faults),
		.wait_time_wait = o->time_wait,
		.seed = 1, /* as `tcplab sim` by default, so either run can be repeated alone */
		.progress = isatty(STDERR_FILENO) ? stderr : NULL,
	};
	return tl_compare_job(sc, &co, out, stop);
}

int tl_cmd_run(int argc, char **argv)
{
	struct tl_runcli o = { .command = "run", .timers = tl_timer_profile_find("fast"), .allow_compare = true };
	int early = tl_runcli_parse(&o, argc, argv, run_usage);
	if (early >= 0)
		return early;
	struct tl_runcli_suite s;
	int status = tl_runcli_load(&o, argc, argv, &s);
	if (status == TL_EXIT_OK)
		status = tl_runcli_run_suite(&o, s.scs, s.n, o.compare ? compare_in_lab : tl_run_job,
					     o.compare ? "summary (kernel against model)" : "summary", s.res);
	tl_runcli_suite_free(&s);
	return status;
}
