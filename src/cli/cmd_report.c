/*
 * cmd_report: `tcplab report -o DIR [ID|FILE...]`: runs the scenarios side
 * by side, on the kernel (each in a network namespace of its own, as `run`
 * does) or with --sim on the simulator, and leaves in DIR per scenario its
 * capture (ID.pcap), its JSON document with the retransmission series
 * (ID.json) and its ladder diagram (ID.svg), then one page, DIR/index.html,
 * built from those files by html_report. Each child writes its own files
 * and exits; the parent reads them back, so the page shows exactly what
 * the files hold.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "views/pcap_out.h"
#include "analysis/check.h"
#include "cli/cli.h"
#include "views/html_report.h"
#include "views/json_out.h"
#include "lab/lab.h"
#include "lab/netns.h"
#include "cli/report.h"
#include "analysis/series.h"
#include "model/sim.h"
#include "cli/suite.h"
#include "views/svg.h"
#include "core/textbuf.h"
#include "model/timer_model.h"

#define STEM_LEN 64
#define MAX_SYSCTLS 32

struct report_cli {
	const char *dir;
	bool sim;
	const struct tl_timer_profile *timers;
	uint64_t seed;
	bool seed_given;
	unsigned jobs;
	char (*stems)[STEM_LEN]; /* per scenario: its files' name without extension, unique */
};

static void report_usage(FILE *out)
{
	fputs("usage: tcplab report -o DIR [OPTIONS] [ID|FILE...]\n"
	      "\n"
	      "Runs scenarios and writes one self-contained HTML page, DIR/index.html:\n"
	      "a summary, then per scenario the walkthrough section it reproduces, the\n"
	      "explanation, the checks, the ladder diagram, the retransmissions beside\n"
	      "the timer model and the walkthrough, the socket snapshots and the whole\n"
	      "timeline. Beside it, per scenario: ID.pcap (the packets), ID.json (the\n"
	      "run, see docs/json.md) and ID.svg (the ladder). The page fetches nothing:\n"
	      "open it from disk or send it as it is. With no scenario named, runs every\n"
	      "shipped scenario (see 'tcplab list'). On the kernel it needs root.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output DIR  where to write the page and the files (created if\n"
	      "                    missing; earlier files of the same scenarios are\n"
	      "                    replaced)\n"
	      "  --sim             run on tcplab's TCP model instead of the kernel:\n"
	      "                    virtual time, no privileges needed\n"
	      "  --timers NAME     fast (default), kernel or article, as for 'tcplab run'\n"
	      "  --seed N          with --sim: initial sequence numbers and timestamps\n"
	      "                    (default 1)\n"
	      "  -j, --jobs N      run at most N scenarios at once (default: all)\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "exit status: 0 all passed, 1 a check failed, 2 bad input, 3 a scenario\n"
	      "could not run or the page could not be written, 130 interrupted\n",
	      out);
}

/* ---- in the child: run one scenario, write its three files ---------------- */

static void file_path(const struct report_cli *o, size_t index, const char *ext, char *out, size_t len)
{
	snprintf(out, len, "%s/%s.%s", o->dir, o->stems[index], ext);
}

/* The timer sysctls as the JSON's settings carry them. */
static size_t settings_sysctls(const struct tl_timer_settings *t, struct tl_json_sysctl *out,
			       char (*names)[48], char (*values)[24])
{
	size_t n = 0;
	long v;
	const char *name;
	for (size_t i = 0; n < MAX_SYSCTLS && (name = tl_timer_sysctl_at(t, i, &v)); i++) {
		snprintf(names[n], sizeof(names[n]), "net.ipv4.%s", name);
		snprintf(values[n], sizeof(values[n]), "%ld", v);
		out[n] = (struct tl_json_sysctl){ .name = names[n], .value = values[n] };
		n++;
	}
	return n;
}

/* Runs sc on the kernel or the model into tl. Returns the runner's result (0, 1 stopped, -1 with err). */
static int run_scenario(const struct tl_scenario *sc, const struct report_cli *o, volatile sig_atomic_t *stop,
			struct tl_timeline *tl, struct tl_timer_settings *timers, char *err, size_t errlen)
{
	tl_timer_settings_default(timers);
	if (o->sim) {
		struct tl_sim_options so = { .timers = o->timers, .seed = o->seed, .stop = stop };
		return tl_sim_run(sc, &so, tl, timers, err, errlen);
	}
	if (tl_netns_enter_new(err, errlen) < 0) {
		tl_timeline_init(tl, tl_now_ns());
		return -1;
	}
	struct tl_lab_options lo = {
		.stop = stop,
		.progress = isatty(STDERR_FILENO) ? stderr : NULL,
		.timers = o->timers,
	};
	return tl_lab_run(sc, &lo, tl, timers, err, errlen);
}

/* Writes the pcap, the JSON (with series and checks) and the SVG. Returns 0,
 * or -1 after saying which failed in out. */
static int write_files(const struct tl_scenario *sc, size_t index, const struct report_cli *o,
		       const struct tl_timeline *tl, const struct tl_timer_settings *timers,
		       const struct tl_series_report *series, const struct tl_check_report *rep, const char *run_error,
		       FILE *out)
{
	char path[PATH_MAX], err[1024];
	int rc = 0;
	file_path(o, index, "pcap", path, sizeof(path));
	if (tl_pcap_write(path, tl, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: pcap: %s\n", sc->id, err);
		rc = -1;
	}
	struct tl_json_sysctl sysctls[MAX_SYSCTLS];
	char names[MAX_SYSCTLS][48], values[MAX_SYSCTLS][24];
	struct tl_json_settings js = {
		.sysctls = sysctls,
		.n_sysctls = settings_sysctls(timers, sysctls, names, values),
		.timer_profile = o->timers ? o->timers->name : NULL,
		.run_error = run_error,
		.series = series,
	};
	file_path(o, index, "json", path, sizeof(path));
	if (tl_json_write(path, sc, tl, rep, &js, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: json: %s\n", sc->id, err);
		rc = -1;
	}
	file_path(o, index, "svg", path, sizeof(path));
	if (tl_svg_write(path, sc, tl, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: svg: %s\n", sc->id, err);
		rc = -1;
	}
	return rc;
}

/* One line per scenario, and the failed checks under it. */
static void print_verdict(FILE *out, const struct tl_scenario *sc, enum tl_verdict v, const struct tl_check_report *rep,
			  const char *run_error)
{
	fprintf(out, "   %s %s\n", tl_verdict_name(v), sc->id);
	if (run_error)
		fprintf(out, "           %s: %s\n", sc->path, run_error);
	for (size_t i = 0; rep && i < rep->n; i++)
		if (!rep->items[i].pass)
			fprintf(out, "           %s:%d: %s: %s\n", sc->path, rep->items[i].line, rep->items[i].what,
				rep->items[i].difference);
}

static enum tl_verdict report_one(const struct tl_scenario *sc, size_t index, FILE *out, volatile sig_atomic_t *stop,
				  void *ctx)
{
	const struct report_cli *o = ctx;
	char err[1024] = "", why[1100];
	struct tl_timeline tl;
	struct tl_timer_settings timers;
	int rc = run_scenario(sc, o, stop, &tl, &timers, err, sizeof(err));
	const char *run_error = rc < 0 ? err : rc > 0 ? "interrupted" : NULL;
	struct tl_series_report *series = calloc(1, sizeof(*series));
	struct tl_check_report rep = { 0 };
	bool checked = false, analysed = false;
	enum tl_verdict v = rc < 0 ? TL_VERDICT_ERROR : rc > 0 ? TL_VERDICT_INTERRUPTED : TL_VERDICT_PASS;
	if (!series || tl_report_prepare(sc, &tl) < 0) {
		run_error = "out of memory";
		v = TL_VERDICT_ERROR;
	} else if (tl_series_analyze(sc, &tl, &timers, series, why, sizeof(why)) < 0) {
		tl_textf(err, sizeof(err), "timer model: %s", why);
		run_error = err;
		v = TL_VERDICT_ERROR;
	} else {
		analysed = true;
		if (rc == 0) {
			if (tl_check_run(sc, &tl, series, &rep) < 0) {
				run_error = "out of memory";
				v = TL_VERDICT_ERROR;
			} else {
				checked = true;
				v = rep.pass ? TL_VERDICT_PASS : TL_VERDICT_FAIL;
			}
		}
	}
	print_verdict(out, sc, v, checked ? &rep : NULL, run_error);
	if (write_files(sc, index, o, &tl, &timers, analysed ? series : NULL, checked ? &rep : NULL, run_error, out) < 0)
		v = TL_VERDICT_ERROR;
	tl_check_report_free(&rep);
	free(series);
	tl_timeline_free(&tl);
	return v;
}

/* ---- in the parent: names, the page, the summary ----------------------------- */

/* A file stem from an id: [A-Za-z0-9._-], never starting with a dot, unique among the first i. */
static void make_stem(char (*stems)[STEM_LEN], size_t i, const char *id)
{
	char base[STEM_LEN - 8];
	size_t k = 0;
	for (const char *p = id; *p && k < sizeof(base) - 1; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			  c == '_' || (c == '.' && k > 0);
		base[k++] = ok ? c : '_';
	}
	base[k] = '\0';
	if (!k)
		snprintf(base, sizeof(base), "scenario");
	snprintf(stems[i], STEM_LEN, "%s", base);
	for (unsigned copy = 2;; copy++) {
		bool taken = !strcmp(stems[i], "index");
		for (size_t j = 0; j < i && !taken; j++)
			taken = !strcmp(stems[j], stems[i]);
		if (!taken)
			return;
		snprintf(stems[i], STEM_LEN, "%s-%u", base, copy);
	}
}

/* mkdir -p. Returns 0, or -1 with errno set. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* The whole file at path as a string, or NULL. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	char chunk[65536];
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + got + 1 > cap) {
			size_t grown_cap = (len + got + 1) * 2;
			char *grown = realloc(buf, grown_cap);
			if (!grown) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = grown;
			cap = grown_cap;
		}
		memcpy(buf + len, chunk, got);
		len += got;
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed || !buf) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

struct page_files {
	struct json_object *doc;
	char *svg;
	char pcap[STEM_LEN + 8], json[STEM_LEN + 8], svg_name[STEM_LEN + 8];
	char problem[160];
};

/* The document carries its own error (the run did not finish). */
static bool doc_says_error(struct json_object *doc)
{
	struct json_object *v;
	return json_object_object_get_ex(doc, "verdict", &v) && json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), "error");
}

/* Reads back what the child wrote for scenario i. */
static void load_files(const struct report_cli *o, size_t i, enum tl_verdict verdict, struct page_files *pf,
		       struct tl_html_run *run, const char *id)
{
	char path[PATH_MAX];
	memset(pf, 0, sizeof(*pf));
	snprintf(pf->pcap, sizeof(pf->pcap), "%s.pcap", o->stems[i]);
	snprintf(pf->json, sizeof(pf->json), "%s.json", o->stems[i]);
	snprintf(pf->svg_name, sizeof(pf->svg_name), "%s.svg", o->stems[i]);
	file_path(o, i, "json", path, sizeof(path));
	pf->doc = json_object_from_file(path);
	bool have_json = pf->doc != NULL;
	file_path(o, i, "svg", path, sizeof(path));
	pf->svg = read_text(path);
	file_path(o, i, "pcap", path, sizeof(path));
	bool have_pcap = access(path, R_OK) == 0;
	if (!have_json)
		tl_textf(pf->problem, sizeof(pf->problem), "%s could not be read back (the run %s).", pf->json,
			 verdict == TL_VERDICT_INTERRUPTED ? "was interrupted" : "ended before writing it");
	else if (verdict == TL_VERDICT_ERROR && !doc_says_error(pf->doc))
		tl_textf(pf->problem, sizeof(pf->problem),
			 "The run's files could not all be written; the command's output says which.");
	*run = (struct tl_html_run){
		.stem = o->stems[i],
		.id = id,
		.doc = pf->doc,
		.svg = pf->svg,
		.pcap_href = have_pcap ? pf->pcap : NULL,
		.json_href = have_json ? pf->json : NULL,
		.svg_href = pf->svg ? pf->svg_name : NULL,
		.problem = pf->problem[0] ? pf->problem : NULL,
	};
}

/* "Linux 6.18.0 kernel, a network namespace per scenario" or the simulator's seed. */
static void describe_runner(const struct report_cli *o, char *out, size_t len)
{
	struct utsname u;
	if (o->sim)
		tl_textf(out, len, "tcplab's TCP model (simulated, seed %" PRIu64 ")", o->seed);
	else if (uname(&u) == 0)
		tl_textf(out, len, "%s %s kernel (%s), a network namespace per scenario", u.sysname, u.release, u.machine);
	else
		tl_textf(out, len, "the running kernel, a network namespace per scenario");
}

/* The command line as one string, for the page's header. */
static void describe_command(int argc, char **argv, char *out, size_t len)
{
	tl_textf(out, len, "tcplab");
	for (int i = 0; i < argc; i++)
		tl_appendf(out, len, " %s", argv[i]);
}

/* Reads every run's files back and writes DIR/index.html. Returns 0, or -1 after saying why. */
static int write_page(const struct report_cli *o, const struct tl_scenario *scs, size_t n,
		      const struct tl_suite_result *res, int argc, char **argv)
{
	struct page_files *files = calloc(n ? n : 1, sizeof(*files));
	struct tl_html_run *runs = calloc(n ? n : 1, sizeof(*runs));
	char runner[256], generated[64], command[1024], path[PATH_MAX], err[1024];
	int rc = -1;
	if (!files || !runs) {
		fprintf(stderr, "tcplab report: out of memory\n");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		load_files(o, i, res[i].verdict, &files[i], &runs[i], scs[i].id);
	describe_runner(o, runner, sizeof(runner));
	describe_command(argc, argv, command, sizeof(command));
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) || !strftime(generated, sizeof(generated), "%Y-%m-%d %H:%M UTC", &tm))
		generated[0] = '\0';
	struct tl_html_page page = {
		.title = o->sim ? "tcplab report (simulated)" : "tcplab report",
		.runner = runner,
		.generated = generated[0] ? generated : NULL,
		.command = command,
	};
	snprintf(path, sizeof(path), "%s/index.html", o->dir);
	if (tl_html_report_write(path, &page, runs, n, err, sizeof(err)) < 0)
		fprintf(stderr, "tcplab report: %s\n", err);
	else
		rc = 0;
done:
	for (size_t i = 0; files && i < n; i++) {
		json_object_put(files[i].doc);
		free(files[i].svg);
	}
	free(files);
	free(runs);
	return rc;
}

static void print_summary(FILE *out, const struct report_cli *o, const struct tl_scenario *scs, size_t n,
			  const struct tl_suite_result *res)
{
	size_t passed = 0;
	fprintf(out, "summary%s\n   %-8s %-7s %8s  %s\n", o->sim ? " (simulated)" : "", "scenario", "result", "time",
		"title");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "   %-8s %-7s %6.2f s  %s\n", scs[i].id, tl_verdict_name(res[i].verdict), res[i].seconds,
			scs[i].title);
		passed += res[i].verdict == TL_VERDICT_PASS;
	}
	fprintf(out, "   %zu of %zu scenarios passed\n", passed, n);
}

/* Parses the options into o. Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct report_cli *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "sim", no_argument, NULL, 'S' },
		{ "timers", required_argument, NULL, 't' }, { "seed", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->dir = optarg;
			break;
		case 'S':
			o->sim = true;
			break;
		case 't':
			if (!(o->timers = tl_timer_profile_find(optarg))) {
				fprintf(stderr,
					"tcplab report: unknown timer profile '%s' (expected fast, kernel or article)\n",
					optarg);
				return TL_EXIT_USAGE;
			}
			break;
		case 's':
			if (!tl_cli_parse_long(optarg, 0, 0x7fffffffL, &v)) {
				fprintf(stderr, "tcplab report: --seed takes a whole number from 0 to 2147483647, got '%s'\n",
					optarg);
				return TL_EXIT_USAGE;
			}
			o->seed = (uint64_t)v;
			o->seed_given = true;
			break;
		case 'j':
			if (!tl_cli_parse_long(optarg, 1, 256, &v)) {
				fprintf(stderr, "tcplab report: --jobs takes a whole number from 1 to 256, got '%s'\n",
					optarg);
				return TL_EXIT_USAGE;
			}
			o->jobs = (unsigned)v;
			break;
		case 'h':
			report_usage(stdout);
			return TL_EXIT_OK;
		default:
			fprintf(stderr, "tcplab report: try 'tcplab report --help'\n");
			return TL_EXIT_USAGE;
		}
	}
	if (!o->dir || !o->dir[0]) {
		fprintf(stderr, "tcplab report: -o DIR is required: where to write index.html and the run files\n");
		return TL_EXIT_USAGE;
	}
	if (o->seed_given && !o->sim) {
		fprintf(stderr, "tcplab report: --seed applies to --sim only (the kernel chooses its own sequence numbers)\n");
		return TL_EXIT_USAGE;
	}
	/* Room for "/" STEM ".json" after the directory in every path. */
	if (strlen(o->dir) > PATH_MAX - STEM_LEN - 16) {
		fprintf(stderr, "tcplab report: -o: the directory name is too long\n");
		return TL_EXIT_USAGE;
	}
	return -1;
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

/* Earlier files of these scenarios go first, so that a run which writes nothing cannot show an old result. */
static void remove_old_files(const struct report_cli *o, size_t n)
{
	static const char *const exts[] = { "json", "svg", "pcap" };
	char path[PATH_MAX];
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
			file_path(o, i, exts[k], path, sizeof(path));
			unlink(path);
		}
	}
}

int tl_cmd_report(int argc, char **argv)
{
	struct report_cli o = { .timers = tl_timer_profile_find("fast"), .seed = 1 };
	int early = parse_options(argc, argv, &o);
	if (early >= 0)
		return early;
	struct tl_scenario *scs;
	size_t n;
	if (tl_cli_load_scenarios(argc - optind, argv + optind, &scs, &n) < 0)
		return TL_EXIT_USAGE;
	if (!o.sim && tl_cli_require_lab_privileges("report") < 0) {
		tl_cli_free_scenarios(scs, n);
		return TL_EXIT_LAB;
	}
	if (make_dirs(o.dir) < 0) {
		fprintf(stderr, "tcplab report: -o %s: %s\n", o.dir, strerror(errno));
		tl_cli_free_scenarios(scs, n);
		return TL_EXIT_USAGE;
	}
	o.stems = calloc(n ? n : 1, sizeof(*o.stems));
	struct tl_suite_result *res = calloc(n ? n : 1, sizeof(*res));
	if (!o.stems || !res) {
		free(o.stems);
		free(res);
		tl_cli_free_scenarios(scs, n);
		return TL_EXIT_LAB;
	}
	for (size_t i = 0; i < n; i++)
		make_stem(o.stems, i, scs[i].id);
	remove_old_files(&o, n);
	int interrupted = tl_suite_run(scs, n, o.jobs, report_one, &o, stdout, res);
	print_summary(stdout, &o, scs, n, res);
	int status = exit_status(res, n, interrupted);
	if (write_page(&o, scs, n, res, argc, argv) < 0) {
		if (status == TL_EXIT_OK || status == TL_EXIT_FAIL)
			status = TL_EXIT_LAB;
	} else {
		printf("   report: %s/index.html\n", o.dir);
	}
	if (interrupted)
		fprintf(stderr, "tcplab report: interrupted; the page shows what finished\n");
	free(res);
	free(o.stems);
	tl_cli_free_scenarios(scs, n);
	return status;
}
