/*
 * cmd_report: `tcplab report -o DIR [ID|FILE...]`: `tcplab run` (or with
 * --sim `tcplab sim`), the same options, job, output and exit status
 * (runcli, run_job, report.c), whose runs also leave in DIR per scenario
 * its capture (ID.pcap), its JSON document with the retransmission series
 * (ID.json) and its ladder diagram (ID.svg); then one page, DIR/index.html,
 * built from those files by html_report. Each child writes its own files
 * and exits; the parent reads them back, so the page shows exactly what
 * the files hold.
 */
#include <errno.h>
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

#include "cli/cli.h"
#include "cli/run_job.h"
#include "cli/runcli.h"
#include "cli/suite.h"
#include "core/textbuf.h"
#include "views/html_report.h"

#define STEM_LEN TL_RUNCLI_STEM_LEN

static void report_usage(FILE *out)
{
	fputs("usage: tcplab report -o DIR [OPTIONS] [ID|GROUP|FILE...]\n"
	      "\n"
	      "Runs scenarios as 'tcplab run' does (with --sim, as 'tcplab sim' does),\n"
	      "prints the same, and writes one self-contained HTML page, DIR/index.html:\n"
	      "a summary, then per scenario the walkthrough section it reproduces, the\n"
	      "explanation, the checks, the ladder diagram, the retransmissions beside\n"
	      "the timer model and the walkthrough, the socket snapshots and the whole\n"
	      "timeline. Beside it, per scenario: ID.pcap (the packets), ID.json (the\n"
	      "run, see docs/json.md) and ID.svg (the ladder). The page fetches nothing:\n"
	      "open it from disk or send it as it is. With no scenario named, runs the\n"
	      "walkthrough's ten; 'library' runs the whole library, a group's name one\n"
	      "group (see 'tcplab list'). On the kernel it needs root.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output DIR  where to write the page and the files (created if\n"
	      "                    missing; earlier files of the same scenarios are\n"
	      "                    replaced)\n"
	      "  --sim             run on tcplab's TCP model instead of the kernel:\n"
	      "                    virtual time, no privileges needed\n"
	      "  --seed N          with --sim: initial sequence numbers and timestamps\n"
	      "                    (default 1)\n",
	      out);
	fputs(tl_runcli_options_help, out);
	fputs("\n"
	      "exit status: 0 all passed, 1 a check failed, 2 bad input, 3 a scenario\n"
	      "could not run or the page could not be written, 130 interrupted\n",
	      out);
}

/* ---- in the parent: names, the page, the summary ----------------------------- */

static void file_path(const struct tl_runcli *o, size_t index, const char *ext, char *out, size_t len)
{
	snprintf(out, len, "%s/%s.%s", o->output_dir, o->stems[index], ext);
}

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
static void load_files(const struct tl_runcli *o, size_t i, enum tl_verdict verdict, struct page_files *pf,
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
	bool json_written = have_json || access(path, F_OK) == 0;
	file_path(o, i, "svg", path, sizeof(path));
	pf->svg = read_text(path);
	int svg_errno = pf->svg ? 0 : errno;
	bool svg_written = pf->svg || access(path, F_OK) == 0;
	file_path(o, i, "pcap", path, sizeof(path));
	bool have_pcap = access(path, R_OK) == 0;
	if (!have_json && json_written)
		tl_textf(pf->problem, sizeof(pf->problem), "%s could not be read back: %s", pf->json,
			 json_util_get_last_err() ? json_util_get_last_err() : "unknown error");
	else if (!have_json)
		tl_textf(pf->problem, sizeof(pf->problem), "%s could not be read back (the run %s).", pf->json,
			 verdict == TL_VERDICT_INTERRUPTED ? "was interrupted" : "ended before writing it");
	else if (!pf->svg && svg_written)
		tl_textf(pf->problem, sizeof(pf->problem), "%s could not be read back: %s", pf->svg_name,
			 strerror(svg_errno ? svg_errno : EIO));
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
static void describe_runner(const struct tl_runcli *o, char *out, size_t len)
{
	struct utsname u;
	if (o->simulated)
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
static int write_page(const struct tl_runcli *o, const struct tl_scenario *scs, size_t n,
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
	for (size_t i = 0; i < n; i++) {
		load_files(o, i, res[i].verdict, &files[i], &runs[i], scs[i].id);
		runs[i].wall_s = res[i].seconds;
	}
	describe_runner(o, runner, sizeof(runner));
	describe_command(argc, argv, command, sizeof(command));
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) || !strftime(generated, sizeof(generated), "%Y-%m-%d %H:%M UTC", &tm))
		generated[0] = '\0';
	struct tl_html_page page = {
		.title = o->simulated ? "tcplab report (simulated)" : "tcplab report",
		.runner = runner,
		.generated = generated[0] ? generated : NULL,
		.command = command,
	};
	snprintf(path, sizeof(path), "%s/index.html", o->output_dir);
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

/* What report alone requires of its options. Returns -1 to go on, else the exit status. */
static int check_report_options(const struct tl_runcli *o)
{
	if (!o->output_dir || !o->output_dir[0]) {
		fprintf(stderr, "tcplab report: -o DIR is required: where to write index.html and the run files\n");
		return TL_EXIT_USAGE;
	}
	if (o->compare) {
		fprintf(stderr, "tcplab report: --compare prints the kernel against the model and makes no page; "
				"use 'tcplab run --compare'\n");
		return TL_EXIT_USAGE;
	}
	if (o->seed_given && !o->simulated) {
		fprintf(stderr, "tcplab report: --seed applies to --sim only (the kernel chooses its own sequence numbers)\n");
		return TL_EXIT_USAGE;
	}
	/* Room for "/" STEM ".json" after the directory in every path. */
	if (strlen(o->output_dir) > PATH_MAX - STEM_LEN - 16) {
		fprintf(stderr, "tcplab report: -o: the directory name is too long\n");
		return TL_EXIT_USAGE;
	}
	return -1;
}

/* Earlier files of these scenarios go first, so that a run which writes nothing cannot show an old result.
 * Returns 0, or -1 after saying which could not be removed. */
static int remove_old_files(const struct tl_runcli *o, size_t n)
{
	static const char *const exts[] = { "json", "svg", "pcap" };
	char path[PATH_MAX];
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
			file_path(o, i, exts[k], path, sizeof(path));
			if (unlink(path) < 0 && errno != ENOENT) {
				fprintf(stderr, "tcplab report: cannot replace %s: %s\n", path, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

/* Runs the suite into DIR and writes the page. Returns the exit status. */
static int report_suite(struct tl_runcli *o, const struct tl_runcli_suite *s, int argc, char **argv)
{
	if (make_dirs(o->output_dir) < 0) {
		fprintf(stderr, "tcplab report: -o %s: %s\n", o->output_dir, strerror(errno));
		return TL_EXIT_USAGE;
	}
	if (!(o->stems = tl_cli_calloc("report", s->n, sizeof(*o->stems))))
		return TL_EXIT_LAB;
	for (size_t i = 0; i < s->n; i++)
		make_stem(o->stems, i, s->scs[i].id);
	if (remove_old_files(o, s->n) < 0) {
		free(o->stems);
		o->stems = NULL;
		return TL_EXIT_USAGE;
	}
	int status = tl_runcli_run_suite(o, s->scs, s->n, tl_run_job,
					 o->simulated ? "summary (simulated)" : "summary", s->res);
	/* When the suite could not start there is no result to show. */
	if (s->n == 0 || s->res[0].done) {
		if (write_page(o, s->scs, s->n, s->res, argc, argv) == 0)
			fprintf(tl_runcli_closing_stream(o), "   report: %s/index.html\n", o->output_dir);
		else if (status == TL_EXIT_OK || status == TL_EXIT_FAIL)
			status = TL_EXIT_LAB;
	}
	free(o->stems);
	o->stems = NULL;
	return status;
}

int tl_cmd_report(int argc, char **argv)
{
	struct tl_runcli o = { .command = "report", .timers = tl_timer_profile_find("fast"), .seed = 1,
			       .allow_seed = true, .allow_compare = true, .allow_report = true };
	int status = tl_runcli_parse(&o, argc, argv, report_usage);
	if (status >= 0)
		return status;
	if ((status = check_report_options(&o)) >= 0)
		return status;
	struct tl_runcli_suite s;
	status = tl_runcli_load(&o, argc, argv, &s);
	if (status == TL_EXIT_OK)
		status = report_suite(&o, &s, argc, argv);
	tl_runcli_suite_free(&s);
	return status;
}
