/*
 * runcli: the options and the summary common to `run`, `sim` and `report`.
 */
#include "cli/runcli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/invariant.h"

const char tl_runcli_options_help[] =
	"  --timers NAME    timer sysctls applied before the scenario's own: fast\n"
	"                   (default: small retry counts, each abnormal case ends in\n"
	"                   seconds), kernel (this kernel's defaults: minutes),\n"
	"                   article (the walkthrough's: SYN gaps 1, 2, 4, 8, 16, 32 s)\n"
	"  --drop RULE      drop packets from the start, e.g. 'from server flags S.\n"
	"                   count 2' (repeatable; syntax in docs/faults.md)\n"
	"  --delay RULE     hold packets from the start, e.g. 'from client has F\n"
	"                   count 1 for 50ms' (repeatable, counted with --drop)\n"
	"  --pcap FILE      write the packets to FILE (pcap, nanosecond stamps)\n"
	"  --json FILE      write the run as JSON to FILE, or '-' for standard output\n"
	"                   (then nothing else is printed there)\n"
	"  --svg FILE       write the ladder diagram as SVG\n"
	"  --ladder         print the ladder diagram after the timeline\n"
	"  --ascii          draw the ladder with ASCII characters only\n"
	"  --time-wait      wait out TIME-WAIT (60 s) and show TIME_WAIT -> CLOSE\n"
	"  -6, --ipv6       run over IPv6: the scenarios' 127.0.0.1 becomes ::1\n"
	"  -j, --jobs N     run at most N scenarios at once (default: 4 per CPU)\n"
	"  -q, --quiet      print only the verdicts and the summary\n"
	"  -h, --help       show this help\n"
	"With several scenarios, FILE names get -ID before their extension.\n";

enum { OPT_TIMERS = 256, OPT_DROP, OPT_DELAY, OPT_PCAP, OPT_JSON, OPT_SVG, OPT_LADDER, OPT_ASCII, OPT_TIME_WAIT,
       OPT_SEED, OPT_COMPARE, OPT_SIM, OPT_IPV6 = '6' };

static int usage_error(const struct tl_runcli *o, const char *what, const char *arg)
{
	fprintf(stderr, "tcplab %s: %s, got '%s'\n", o->command, what, arg);
	return TL_EXIT_USAGE;
}

/* A --pcap/--json/--svg name, with room for "-ID" (an id is at most 31 bytes)
 * in tl_runcli_names: a cut name would be another file. */
static int take_file_name(struct tl_runcli *o, const char **slot)
{
	size_t max = sizeof(((struct tl_runcli_names *)0)->pcap) - 40;
	if (strlen(optarg) > max) {
		fprintf(stderr, "tcplab %s: a file name of at most %zu bytes, got '%.40s...' (%zu bytes)\n", o->command,
			max, optarg, strlen(optarg));
		return TL_EXIT_USAGE;
	}
	*slot = optarg;
	return -1;
}

static int take_option(struct tl_runcli *o, int c, char **argv, void (*usage)(FILE *))
{
	long v;
	switch (c) {
	case OPT_TIMERS:
		if (!(o->timers = tl_timer_profile_find(optarg)))
			return usage_error(o, "--timers takes fast, kernel or article", optarg);
		return -1;
	case OPT_DROP:
	case OPT_DELAY:
		if (o->n_drops == TL_RUNCLI_MAX_DROPS)
			return usage_error(o, "too many --drop and --delay rules (at most 16)", optarg);
		o->drop_action[o->n_drops] = c == OPT_DELAY ? TL_FAULT_DELAY : TL_FAULT_DROP;
		o->drops[o->n_drops++] = optarg;
		return -1;
	case OPT_PCAP: return take_file_name(o, &o->pcap_path);
	case OPT_JSON: return take_file_name(o, &o->json_path);
	case OPT_SVG: return take_file_name(o, &o->svg_path);
	case OPT_LADDER: o->ladder = true; return -1;
	case OPT_ASCII: o->ascii = true; return -1;
	case OPT_TIME_WAIT: o->time_wait = true; return -1;
	case OPT_IPV6: o->ipv6 = true; return -1;
	case OPT_COMPARE: o->compare = true; return -1;
	case OPT_SIM: o->simulated = true; return -1;
	case 'o': o->output_dir = optarg; return -1;
	case OPT_SEED:
		if (!tl_cli_parse_long(optarg, 0, 0x7fffffffL, &v))
			return usage_error(o, "--seed takes a whole number from 0 to 2147483647", optarg);
		o->seed = (uint64_t)v;
		o->seed_given = true;
		return -1;
	case 'j':
		if (!tl_cli_parse_long(optarg, 1, 256, &v))
			return usage_error(o, "--jobs takes a whole number from 1 to 256", optarg);
		o->jobs = (unsigned)v;
		return -1;
	case 'q': o->quiet = true; return -1;
	case 'h':
		usage(stdout);
		return TL_EXIT_OK;
	default:
		return tl_cli_bad_option(o->command, c, argv);
	}
}

static int refuse(const struct tl_runcli *o, const char *why)
{
	fprintf(stderr, "tcplab %s: %s\n", o->command, why);
	return TL_EXIT_USAGE;
}

/* Options that would do nothing together are refused, each with why: none is dropped silently. */
static int check_combination(const struct tl_runcli *o)
{
	const bool json_out = o->json_path && !strcmp(o->json_path, "-");
	if (o->ascii && !o->ladder)
		return refuse(o, "--ascii draws the terminal ladder: add --ladder");
	if (o->ladder && o->quiet)
		return refuse(o, "--ladder prints after the timeline, which -q leaves out: use one of them");
	if (o->ladder && json_out)
		return refuse(o, "--json - makes standard output JSON alone: --ladder has nowhere to go (write the "
				 "JSON to a file, or the ladder with --svg FILE)");
	if (o->compare && (o->json_path || o->ladder || o->svg_path || o->pcap_path))
		return refuse(o, "--compare prints the kernel against the model; --json, --ladder, --svg and --pcap "
				 "belong to a plain run");
	return -1;
}

int tl_runcli_parse(struct tl_runcli *o, int argc, char **argv, void (*usage)(FILE *))
{
	struct option longopts[19] = {
		{ "timers", required_argument, NULL, OPT_TIMERS }, { "drop", required_argument, NULL, OPT_DROP },
		{ "pcap", required_argument, NULL, OPT_PCAP },	   { "json", required_argument, NULL, OPT_JSON },
		{ "svg", required_argument, NULL, OPT_SVG },	   { "ladder", no_argument, NULL, OPT_LADDER },
		{ "ascii", no_argument, NULL, OPT_ASCII },	   { "time-wait", no_argument, NULL, OPT_TIME_WAIT },
		{ "jobs", required_argument, NULL, 'j' },	   { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },	   { "ipv6", no_argument, NULL, OPT_IPV6 },
		{ "delay", required_argument, NULL, OPT_DELAY },
	};
	size_t n = 13;
	if (o->allow_seed)
		longopts[n++] = (struct option){ "seed", required_argument, NULL, OPT_SEED };
	if (o->allow_compare)
		longopts[n++] = (struct option){ "compare", no_argument, NULL, OPT_COMPARE };
	if (o->allow_report) {
		longopts[n++] = (struct option){ "output", required_argument, NULL, 'o' };
		longopts[n++] = (struct option){ "sim", no_argument, NULL, OPT_SIM };
	}
	TL_ASSERT(n < sizeof(longopts) / sizeof(longopts[0]));
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	int c;
	optind = 0; /* re-initialise GNU getopt */
	opterr = 0; /* tl_cli_bad_option says it in one line */
	while ((c = getopt_long(argc, argv, o->allow_report ? ":o:j:qh6" : ":j:qh6", longopts, NULL)) != -1) {
		int status = take_option(o, c, argv, usage);
		if (status >= 0)
			return status;
	}
	return check_combination(o);
}

/* Every --drop and --delay rule against every scenario's port; on the model,
 * no raw nft rule. Prints the first problem; returns 0 or -1. */
static int check_drops(const struct tl_runcli *o, const struct tl_scenario *scs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < o->n_drops; k++) {
			struct tl_fault f;
			char why[512];
			const char *option = tl_fault_action_name(o->drop_action[k]);
			if (tl_fault_parse_action(o->drop_action[k], o->drops[k], 100 + (unsigned)k, scs[i].server_port,
						  &f, why, sizeof(why)) < 0) {
				fprintf(stderr, "tcplab %s: --%s '%s': %s\n", o->command, option, o->drops[k], why);
				return -1;
			}
			if (o->simulated && !tl_fault_simulable(&f)) {
				fprintf(stderr, "tcplab %s: --%s '%s': a raw nft rule runs on the real kernel only\n",
					o->command, option, o->drops[k]);
				return -1;
			}
		}
	}
	return 0;
}

/* An output file's folder must exist and be writable before anything runs, not after. */
static int check_output(const struct tl_runcli *o, const char *option, const char *path)
{
	if (!path || !strcmp(path, "-"))
		return 0;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (access(dir, W_OK) == 0)
		return 0;
	fprintf(stderr, "tcplab %s: %s %s: cannot write in %s: %s\n", o->command, option, path, dir, strerror(errno));
	return -1;
}

int tl_runcli_load(struct tl_runcli *o, int argc, char **argv, struct tl_runcli_suite *s)
{
	if (check_output(o, "--json", o->json_path) < 0 || check_output(o, "--pcap", o->pcap_path) < 0 ||
	    check_output(o, "--svg", o->svg_path) < 0)
		return TL_EXIT_USAGE;
	*s = (struct tl_runcli_suite){ 0 };
	int status = tl_cli_load_scenarios(argc - optind, argv + optind, &s->scs, &s->n);
	if (status != TL_EXIT_OK)
		return status;
	if (!(s->res = tl_cli_calloc(o->command, s->n, sizeof(*s->res))))
		return TL_EXIT_LAB;
	if (o->ipv6)
		for (size_t i = 0; i < s->n; i++)
			tl_scenario_use_ipv6(&s->scs[i]);
	if (check_drops(o, s->scs, s->n) < 0)
		return TL_EXIT_USAGE;
	if (!o->simulated && tl_cli_require_lab_privileges(o->command) < 0)
		return TL_EXIT_LAB;
	o->n_scenarios = s->n;
	return TL_EXIT_OK;
}

void tl_runcli_suite_free(struct tl_runcli_suite *s)
{
	tl_cli_free_scenarios(s->scs, s->n);
	free(s->res);
	*s = (struct tl_runcli_suite){ 0 };
}

size_t tl_runcli_faults(const struct tl_runcli *o, const struct tl_scenario *sc, struct tl_fault *out)
{
	char why[512];
	size_t n = 0;
	for (size_t k = 0; k < o->n_drops; k++) {
		int rc = tl_fault_parse_action(o->drop_action[k], o->drops[k], 100 + (unsigned)k, sc->server_port,
					       &out[n], why, sizeof(why));
		TL_ASSERT(rc == 0); /* tl_runcli_load checked every rule against every scenario */
		n += rc == 0;
	}
	return n;
}

/* "x.pcap" -> "x-N3.pcap" when several scenarios share one name. */
static const char *name_for(const struct tl_runcli *o, const char *path, const char *id, char *out, size_t len)
{
	if (!path)
		return NULL;
	int n;
	if (o->n_scenarios == 1 || !strcmp(path, "-")) {
		n = snprintf(out, len, "%s", path);
	} else {
		const char *dot = strrchr(path, '.');
		const char *slash = strrchr(path, '/');
		if (!dot || (slash && dot < slash))
			n = snprintf(out, len, "%s-%s", path, id);
		else
			n = snprintf(out, len, "%.*s-%s%s", (int)(dot - path), path, id, dot);
	}
	TL_ASSERT(n >= 0 && (size_t)n < len); /* tl_runcli_parse refused longer names */
	return out;
}

void tl_runcli_report_options(const struct tl_runcli *o, const struct tl_scenario *sc, size_t index,
			      const struct tl_timer_settings *timers, struct tl_runcli_names *names,
			      struct tl_report_options *ro)
{
	const char *stem = NULL;
	if (o->output_dir) {
		TL_ASSERT(o->stems && index < o->n_scenarios);
		snprintf(names->stem, sizeof(names->stem), "%s/%s", o->output_dir, o->stems[index]);
		stem = names->stem;
	}
	*ro = (struct tl_report_options){
		.files_stem = stem,
		.quiet = o->quiet,
		.timers = timers,
		.timer_profile = o->timers ? o->timers->name : NULL,
		.pcap_path = name_for(o, o->pcap_path, sc->id, names->pcap, sizeof(names->pcap)),
		.json_path = name_for(o, o->json_path, sc->id, names->json, sizeof(names->json)),
		.svg_path = name_for(o, o->svg_path, sc->id, names->svg, sizeof(names->svg)),
		.ladder = o->ladder,
		.ascii = o->ascii,
		.width = 100,
	};
}

static void print_summary(FILE *out, const char *title, const struct tl_scenario *scs, size_t n,
			  const struct tl_suite_result *res)
{
	size_t passed = 0;
	int id_width = 8; /* "scenario"; the library's ids are longer words */
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(scs[i].id) > id_width)
			id_width = (int)strlen(scs[i].id);
	fprintf(out, "%s\n   %-*s %-7s %8s  %s\n", title, id_width, "scenario", "result", "time", "title");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "   %-*s %-7s %6.2f s  %s\n", id_width, scs[i].id, tl_verdict_name(res[i].verdict),
			res[i].seconds, scs[i].title);
		passed += res[i].verdict == TL_VERDICT_PASS;
	}
	fprintf(out, "   %zu of %zu scenarios passed\n", passed, n);
}

FILE *tl_runcli_closing_stream(const struct tl_runcli *o)
{
	return o->json_path && !strcmp(o->json_path, "-") ? stderr : stdout;
}

/*
 * Labs side by side, a few per core: more at once finish no sooner (the
 * cores are the limit), and the kernel's timing suffers: an application's
 * wake-up against a 40 ms delayed-ACK timer, a close() before a 204 ms
 * probe. Measured on 2 cores: the library's 40 all at once failed 5
 * timing-bound scenarios in 8 rounds; 8 at once none in 5, in the same time.
 */
static unsigned default_jobs(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 1 ? (unsigned)(4 * cpus) : 4;
}

int tl_runcli_run_suite(const struct tl_runcli *o, const struct tl_scenario *scs, size_t n,
			tl_suite_job job, const char *summary_title, struct tl_suite_result *res)
{
	char why[256];
	int rc = tl_suite_run(scs, n, o->jobs ? o->jobs : default_jobs(), job, (void *)o, stdout, res, why, sizeof(why));
	if (rc < 0) {
		/* No scenario has a result: a summary would print zeroed ones as PASS. */
		fprintf(stderr, "tcplab %s: cannot run the scenarios: %s\n", o->command, why);
		return TL_EXIT_LAB;
	}
	print_summary(tl_runcli_closing_stream(o), summary_title, scs, n, res);
	int status = TL_EXIT_OK;
	/* The gravest outcome decides: a lab that failed, then bad input, then a failed check. */
	for (size_t i = 0; i < n; i++) {
		if (res[i].verdict == TL_VERDICT_ERROR)
			status = TL_EXIT_LAB;
		else if (res[i].verdict == TL_VERDICT_REFUSED && status != TL_EXIT_LAB)
			status = TL_EXIT_USAGE;
		else if (res[i].verdict == TL_VERDICT_FAIL && status == TL_EXIT_OK)
			status = TL_EXIT_FAIL;
	}
	if (rc > 0) {
		fprintf(stderr, "tcplab %s: interrupted; nothing is left behind\n", o->command);
		return TL_EXIT_INTERRUPTED;
	}
	return status;
}
