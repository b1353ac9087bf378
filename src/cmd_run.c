/*
 * cmd_run: `tcplab run`: each scenario in a child process and a network
 * namespace of its own, its timeline and checks printed whole and in order,
 * then a summary table.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fault.h"
#include "lab.h"
#include "netns.h"
#include "report.h"
#include "suite.h"
#include "timer_model.h"

#define MAX_CLI_FAULTS 16

struct run_options {
	const char *pcap_path;
	const struct tl_timer_profile *timers;
	const char *drops[MAX_CLI_FAULTS]; /* --drop rules, parsed per scenario (direction is by its port) */
	size_t n_drops;
	bool time_wait;
	bool quiet;
	unsigned jobs;
	size_t n_scenarios;
};

static void run_usage(FILE *out)
{
	fputs("usage: tcplab run [OPTIONS] [ID|FILE...]\n"
	      "\n"
	      "Runs scenarios on the real kernel, each in a private network namespace\n"
	      "that disappears with the run: nothing on the host is changed. With no\n"
	      "scenario named, runs every shipped scenario (see 'tcplab list').\n"
	      "Prints each run's timeline (packets as tcpdump prints them, with their\n"
	      "role; every state change; application calls; socket snapshots), the\n"
	      "checks, and a summary. Needs root.\n"
	      "\n"
	      "options:\n"
	      "  --pcap FILE      write the captured packets to FILE (pcap, nanosecond\n"
	      "                   stamps); with several scenarios FILE gets -ID before\n"
	      "                   its extension\n"
	      "  --timers NAME    timer settings written into the lab's namespace before\n"
	      "                   the scenario's own sysctls: fast (default: small retry\n"
	      "                   counts, each abnormal case ends in seconds), kernel\n"
	      "                   (this kernel's defaults: minutes), article (the\n"
	      "                   walkthrough's numbers: SYN gaps 1, 2, 4, 8, 16, 32 s)\n"
	      "  --drop RULE      drop packets from the start, e.g. 'from server flags S.\n"
	      "                   count 2' or 'nft tcp dport 2017' (repeatable; syntax in\n"
	      "                   docs/faults.md)\n"
	      "  --time-wait      wait out TIME-WAIT (60 s) and show TIME_WAIT -> CLOSE\n"
	      "  -j, --jobs N     run at most N scenarios at once (default: all)\n"
	      "  -q, --quiet      print only the verdicts and the summary\n"
	      "  -h, --help       show this help\n"
	      "\n"
	      "exit status: 0 all passed, 1 a check failed, 2 bad input, 3 the lab\n"
	      "could not run, 130 interrupted\n",
	      out);
}

/* "x.pcap" -> "x-N3.pcap" when several scenarios share one --pcap name. */
static void pcap_name_for(const struct run_options *o, const char *id, char *out, size_t len)
{
	if (o->n_scenarios == 1) {
		snprintf(out, len, "%s", o->pcap_path);
		return;
	}
	const char *dot = strrchr(o->pcap_path, '.');
	const char *slash = strrchr(o->pcap_path, '/');
	if (!dot || (slash && dot < slash))
		snprintf(out, len, "%s-%s", o->pcap_path, id);
	else
		snprintf(out, len, "%.*s-%s%s", (int)(dot - o->pcap_path), o->pcap_path, id, dot);
}

static enum tl_verdict run_in_lab(const struct tl_scenario *sc, size_t index, FILE *out,
				  volatile sig_atomic_t *stop, void *ctx)
{
	(void)index;
	const struct run_options *o = ctx;
	char err[1024] = "", pcap[4096];
	struct tl_timeline tl;
	if (tl_netns_enter_new(err, sizeof(err)) < 0) {
		fprintf(out, "== %s  %s\n   ERROR: %s\n\n", sc->id, sc->title, err);
		return TL_VERDICT_ERROR;
	}
	struct tl_lab_options lo = {
		.wait_time_wait = o->time_wait,
		.stop = stop,
		.progress = isatty(STDERR_FILENO) ? stderr : NULL,
	};
	struct tl_fault faults[MAX_CLI_FAULTS];
	for (size_t i = 0; i < o->n_drops; i++)
		tl_fault_parse(o->drops[i], 100 + (unsigned)i, sc->port, &faults[i], err, sizeof(err));
	lo.timers = o->timers;
	lo.faults = faults;
	lo.n_faults = o->n_drops;
	struct tl_timer_settings timers;
	int rc = tl_lab_run(sc, &lo, &tl, &timers, err, sizeof(err));
	struct tl_report_options ro = { .quiet = o->quiet, .timers = &timers,
					.timer_profile = o->timers ? o->timers->name : NULL };
	if (o->pcap_path) {
		pcap_name_for(o, sc->id, pcap, sizeof(pcap));
		ro.pcap_path = pcap;
	}
	enum tl_verdict v = tl_report_run(sc, &tl, rc, err, &ro, out);
	tl_timeline_free(&tl);
	return v;
}

static void print_summary(FILE *out, const struct tl_scenario *scs, size_t n,
			  const struct tl_suite_result *res)
{
	size_t passed = 0;
	fprintf(out, "summary\n   %-8s %-7s %8s  %s\n", "scenario", "result", "time", "title");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "   %-8s %-7s %6.2f s  %s\n", scs[i].id, tl_verdict_name(res[i].verdict),
			res[i].seconds, scs[i].title);
		passed += res[i].verdict == TL_VERDICT_PASS;
	}
	fprintf(out, "   %zu of %zu scenarios passed\n", passed, n);
}

int tl_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pcap", required_argument, NULL, 'p' },
		{ "time-wait", no_argument, NULL, 'w' },
		{ "timers", required_argument, NULL, 't' },
		{ "drop", required_argument, NULL, 'd' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_options o = { .timers = tl_timer_profile_find("fast") };
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.pcap_path = optarg;
			break;
		case 'w':
			o.time_wait = true;
			break;
		case 't':
			if (!(o.timers = tl_timer_profile_find(optarg))) {
				fprintf(stderr, "tcplab run: unknown timer profile '%s' (expected fast, kernel or article)\n", optarg);
				return TL_EXIT_USAGE;
			}
			break;
		case 'd':
			if (o.n_drops == MAX_CLI_FAULTS) {
				fprintf(stderr, "tcplab run: at most %d --drop rules\n", MAX_CLI_FAULTS);
				return TL_EXIT_USAGE;
			}
			o.drops[o.n_drops++] = optarg;
			break;
		case 'j':
			if (!tl_cli_parse_long(optarg, 1, 256, &v)) {
				fprintf(stderr, "tcplab run: --jobs takes a whole number from 1 to 256, got '%s'\n", optarg);
				return TL_EXIT_USAGE;
			}
			o.jobs = (unsigned)v;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			run_usage(stdout);
			return TL_EXIT_OK;
		default:
			fprintf(stderr, "tcplab run: try 'tcplab run --help'\n");
			return TL_EXIT_USAGE;
		}
	}
	struct tl_scenario *scs;
	size_t n;
	if (tl_cli_load_scenarios(argc - optind, argv + optind, &scs, &n) < 0)
		return TL_EXIT_USAGE;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < o.n_drops; k++) {
			struct tl_fault f;
			char why[512];
			if (tl_fault_parse(o.drops[k], 100 + (unsigned)k, scs[i].port, &f, why, sizeof(why)) < 0) {
				fprintf(stderr, "tcplab run: --drop '%s': %s\n", o.drops[k], why);
				tl_cli_free_scenarios(scs, n);
				return TL_EXIT_USAGE;
			}
		}
	}
	if (tl_cli_require_lab_privileges("run") < 0) {
		tl_cli_free_scenarios(scs, n);
		return TL_EXIT_LAB;
	}
	o.n_scenarios = n;
	struct tl_suite_result *res = calloc(n ? n : 1, sizeof(*res));
	if (!res) {
		tl_cli_free_scenarios(scs, n);
		return TL_EXIT_LAB;
	}
	int interrupted = tl_suite_run(scs, n, o.jobs, run_in_lab, &o, stdout, res);
	print_summary(stdout, scs, n, res);
	int status = TL_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		if (res[i].verdict == TL_VERDICT_ERROR)
			status = TL_EXIT_LAB;
		else if (res[i].verdict == TL_VERDICT_FAIL && status == TL_EXIT_OK)
			status = TL_EXIT_FAIL;
	}
	if (interrupted) {
		fprintf(stderr, "tcplab run: interrupted; every lab namespace is gone\n");
		status = TL_EXIT_INTERRUPTED;
	}
	free(res);
	tl_cli_free_scenarios(scs, n);
	return status;
}
