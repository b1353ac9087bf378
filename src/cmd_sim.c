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

#include "cli.h"
#include "fault.h"
#include "report.h"
#include "sim.h"
#include "suite.h"
#include "timer_model.h"

#define MAX_CLI_FAULTS 16
#define DEFAULT_SEED 1

struct sim_cli {
	const char *pcap_path;
	const struct tl_timer_profile *timers;
	const char *drops[MAX_CLI_FAULTS];
	size_t n_drops;
	bool time_wait;
	bool quiet;
	unsigned jobs;
	uint64_t seed;
	size_t n_scenarios;
};

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
	      "options:\n"
	      "  --timers NAME    timer sysctls applied before the scenario's own: fast\n"
	      "                   (default), kernel or article, as for 'tcplab run'\n"
	      "  --drop RULE      drop packets from the start (repeatable; syntax in\n"
	      "                   docs/faults.md; raw nft rules cannot be simulated)\n"
	      "  --pcap FILE      write the simulated packets to FILE (pcap); with several\n"
	      "                   scenarios FILE gets -ID before its extension\n"
	      "  --time-wait      run on until TIME-WAIT (60 s) ends\n"
	      "  --seed N         initial sequence numbers and timestamps (default 1);\n"
	      "                   the same seed gives the same run, byte for byte\n"
	      "  -j, --jobs N     run at most N scenarios at once (default: all)\n"
	      "  -q, --quiet      print only the verdicts and the summary\n"
	      "  -h, --help       show this help\n"
	      "\n"
	      "exit status: 0 all passed, 1 a check failed, 2 bad input, 3 a scenario\n"
	      "could not be simulated, 130 interrupted\n",
	      out);
}

/* "x.pcap" -> "x-N3.pcap" when several scenarios share one --pcap name. */
static void pcap_name_for(const struct sim_cli *o, const char *id, char *out, size_t len)
{
	const char *dot = strrchr(o->pcap_path, '.');
	const char *slash = strrchr(o->pcap_path, '/');
	if (o->n_scenarios == 1)
		snprintf(out, len, "%s", o->pcap_path);
	else if (!dot || (slash && dot < slash))
		snprintf(out, len, "%s-%s", o->pcap_path, id);
	else
		snprintf(out, len, "%.*s-%s%s", (int)(dot - o->pcap_path), o->pcap_path, id, dot);
}

static enum tl_verdict run_in_sim(const struct tl_scenario *sc, size_t index, FILE *out,
				  volatile sig_atomic_t *stop, void *ctx)
{
	(void)index;
	const struct sim_cli *o = ctx;
	char err[1024] = "", pcap[4096];
	struct tl_fault faults[MAX_CLI_FAULTS];
	for (size_t i = 0; i < o->n_drops; i++)
		tl_fault_parse(o->drops[i], 100 + (unsigned)i, sc->port, &faults[i], err, sizeof(err));
	struct tl_sim_options so = { .timers = o->timers, .faults = faults, .n_faults = o->n_drops,
				     .wait_time_wait = o->time_wait, .seed = o->seed, .stop = stop };
	struct tl_timeline tl;
	struct tl_timer_settings timers;
	int rc = tl_sim_run(sc, &so, &tl, &timers, err, sizeof(err));
	struct tl_report_options ro = { .quiet = o->quiet, .timers = &timers,
					.timer_profile = o->timers ? o->timers->name : NULL };
	if (o->pcap_path) {
		pcap_name_for(o, sc->id, pcap, sizeof(pcap));
		ro.pcap_path = pcap;
	}
	enum tl_verdict v = tl_report_run(sc, &tl, rc, err, &ro, out);
	if (v != TL_VERDICT_PASS && v != TL_VERDICT_INTERRUPTED)
		fprintf(out, "   simulated with seed %" PRIu64 ": 'tcplab sim --seed %" PRIu64 " %s' repeats this run\n\n",
			o->seed, o->seed, sc->path);
	tl_timeline_free(&tl);
	return v;
}

static void print_summary(FILE *out, const struct tl_scenario *scs, size_t n, const struct tl_suite_result *res)
{
	size_t passed = 0;
	fprintf(out, "summary (simulated)\n   %-8s %-7s %8s  %s\n", "scenario", "result", "time", "title");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "   %-8s %-7s %6.2f s  %s\n", scs[i].id, tl_verdict_name(res[i].verdict),
			res[i].seconds, scs[i].title);
		passed += res[i].verdict == TL_VERDICT_PASS;
	}
	fprintf(out, "   %zu of %zu scenarios passed\n", passed, n);
}

/* Parses the options into o. Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct sim_cli *o)
{
	static const struct option longopts[] = {
		{ "pcap", required_argument, NULL, 'p' }, { "time-wait", no_argument, NULL, 'w' },
		{ "timers", required_argument, NULL, 't' }, { "drop", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' }, { "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->pcap_path = optarg;
			break;
		case 'w':
			o->time_wait = true;
			break;
		case 't':
			if (!(o->timers = tl_timer_profile_find(optarg))) {
				fprintf(stderr, "tcplab sim: unknown timer profile '%s' (expected fast, kernel or article)\n",
					optarg);
				return TL_EXIT_USAGE;
			}
			break;
		case 'd':
			if (o->n_drops == MAX_CLI_FAULTS) {
				fprintf(stderr, "tcplab sim: at most %d --drop rules\n", MAX_CLI_FAULTS);
				return TL_EXIT_USAGE;
			}
			o->drops[o->n_drops++] = optarg;
			break;
		case 's':
			if (!tl_cli_parse_long(optarg, 0, 0x7fffffffL, &v)) {
				fprintf(stderr, "tcplab sim: --seed takes a whole number from 0 to 2147483647, got '%s'\n",
					optarg);
				return TL_EXIT_USAGE;
			}
			o->seed = (uint64_t)v;
			break;
		case 'j':
			if (!tl_cli_parse_long(optarg, 1, 256, &v)) {
				fprintf(stderr, "tcplab sim: --jobs takes a whole number from 1 to 256, got '%s'\n", optarg);
				return TL_EXIT_USAGE;
			}
			o->jobs = (unsigned)v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			sim_usage(stdout);
			return TL_EXIT_OK;
		default:
			fprintf(stderr, "tcplab sim: try 'tcplab sim --help'\n");
			return TL_EXIT_USAGE;
		}
	}
	return -1;
}

/* Every --drop rule must parse for every scenario's port and be simulable. */
static int check_drops(const struct sim_cli *o, const struct tl_scenario *scs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < o->n_drops; k++) {
			struct tl_fault f;
			char why[512];
			if (tl_fault_parse(o->drops[k], 100 + (unsigned)k, scs[i].port, &f, why, sizeof(why)) < 0) {
				fprintf(stderr, "tcplab sim: --drop '%s': %s\n", o->drops[k], why);
				return -1;
			}
			if (!tl_fault_simulable(&f)) {
				fprintf(stderr, "tcplab sim: --drop '%s': a raw nft rule runs on the real kernel only\n",
					o->drops[k]);
				return -1;
			}
		}
	}
	return 0;
}

static int exit_status(const struct tl_suite_result *res, size_t n, int interrupted)
{
	int status = TL_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		if (res[i].verdict == TL_VERDICT_ERROR)
			status = TL_EXIT_LAB;
		else if (res[i].verdict == TL_VERDICT_FAIL && status == TL_EXIT_OK)
			status = TL_EXIT_FAIL;
	}
	return interrupted ? TL_EXIT_INTERRUPTED : status;
}

int tl_cmd_sim(int argc, char **argv)
{
	struct sim_cli o = { .timers = tl_timer_profile_find("fast"), .seed = DEFAULT_SEED };
	int early = parse_options(argc, argv, &o);
	if (early >= 0)
		return early;
	struct tl_scenario *scs;
	size_t n;
	if (tl_cli_load_scenarios(argc - optind, argv + optind, &scs, &n) < 0)
		return TL_EXIT_USAGE;
	if (check_drops(&o, scs, n) < 0) {
		tl_cli_free_scenarios(scs, n);
		return TL_EXIT_USAGE;
	}
	o.n_scenarios = n;
	struct tl_suite_result *res = calloc(n ? n : 1, sizeof(*res));
	if (!res) {
		tl_cli_free_scenarios(scs, n);
		return TL_EXIT_LAB;
	}
	int interrupted = tl_suite_run(scs, n, o.jobs, run_in_sim, &o, stdout, res);
	print_summary(stdout, scs, n, res);
	int status = exit_status(res, n, interrupted);
	if (interrupted)
		fprintf(stderr, "tcplab sim: interrupted\n");
	free(res);
	tl_cli_free_scenarios(scs, n);
	return status;
}
