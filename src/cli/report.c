/*
 * report: the shared tail of every run: from raw events to a verdict.
 */
#include "cli/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/invariant.h"
#include "core/textbuf.h"
#include "views/pcap_out.h"
#include "analysis/causal.h"
#include "analysis/check.h"
#include "analysis/conns.h"
#include "analysis/drops.h"
#include "views/json_out.h"
#include "views/ladder.h"
#include "views/render.h"
#include "analysis/roles.h"
#include "analysis/series.h"
#include "analysis/sockstate.h"
#include "scenario/driver.h"
#include "views/svg.h"

int tl_report_prepare(const struct tl_scenario *sc, struct tl_timeline *tl)
{
	(void)sc; /* the runners tag each event with its side as they record it */
	if (tl_states_resolve(tl) < 0 || tl_conns_tag(tl) < 0)
		return -1;
	tl_drops_attach(tl);
	if (tl_causal_order(tl) < 0)
		return -1;
	return tl_roles_annotate(tl);
}

/* The run's settings for JSON: each timer sysctl as the namespace had it. */
static size_t json_sysctls(const struct tl_timer_settings *t, struct tl_json_sysctl *out, char (*names)[48],
			   char (*values)[24], size_t max)
{
	size_t n = 0;
	long v;
	const char *name;
	for (size_t i = 0; n < max && (name = tl_timer_sysctl_at(t, i, &v)); i++) {
		snprintf(names[n], sizeof(names[n]), "net.ipv4.%s", name);
		snprintf(values[n], sizeof(values[n]), "%ld", v);
		out[n] = (struct tl_json_sysctl){ .name = names[n], .value = values[n] };
		n++;
	}
	/* The caller's arrays hold every timer sysctl the model knows. */
	TL_ASSERT(!tl_timer_sysctl_at(t, n, &v));
	return n;
}

/* One pcap, JSON and SVG file each, where the path is not NULL; JSON "-" is
 * standard output. Returns 0, or -1 after saying which failed in out. */
static int write_set(const struct tl_scenario *sc, const struct tl_timeline *tl, const struct tl_check_report *rep,
		     const struct tl_json_settings *js, const char *pcap_path, const char *json_path,
		     const char *svg_path, FILE *out)
{
	char err[1024];
	int rc = 0;
	if (pcap_path && tl_pcap_write(pcap_path, tl, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: pcap: %s\n", sc->id, err);
		rc = -1;
	}
	if (svg_path && tl_svg_write(svg_path, sc, tl, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: svg: %s\n", sc->id, err);
		rc = -1;
	}
	if (json_path) {
		/* "-" goes where the report goes, so that parallel runs stay whole and in order. */
		struct json_object *doc = NULL;
		if (!strcmp(json_path, "-") ? !(doc = tl_json_run(sc, tl, rep, js, err, sizeof(err)))
					    : tl_json_write(json_path, sc, tl, rep, js, err, sizeof(err)) < 0) {
			fprintf(out, "   ERROR %s: json: %s\n", sc->id, err);
			rc = -1;
		}
		if (doc) {
			/* One document per line (NDJSON): several scenarios stay readable one by one. */
			fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
			json_object_put(doc);
		}
	}
	return rc;
}

/* The files the options ask for. Returns 0, or -1 after saying why in out. */
static int write_files(const struct tl_scenario *sc, const struct tl_timeline *tl, const struct tl_check_report *rep,
		       const struct tl_series_report *series, const struct tl_timer_settings *timers,
		       const char *run_error, const struct tl_report_options *o, FILE *out)
{
	struct tl_json_sysctl sysctls[32];
	char names[32][48], values[32][24];
	struct tl_json_settings js = {
		.sysctls = sysctls,
		.n_sysctls = json_sysctls(timers, sysctls, names, values, 32),
		.timer_profile = o->timer_profile,
		.run_error = run_error,
		.series = series,
	};
	int rc = write_set(sc, tl, rep, &js, o->pcap_path, o->json_path, o->svg_path, out);
	if (o->files_stem) {
		char pcap[4200], json[4200], svg[4200];
		snprintf(pcap, sizeof(pcap), "%s.pcap", o->files_stem);
		snprintf(json, sizeof(json), "%s.json", o->files_stem);
		snprintf(svg, sizeof(svg), "%s.svg", o->files_stem);
		if (write_set(sc, tl, rep, &js, pcap, json, svg, out) < 0)
			rc = -1;
	}
	return rc;
}

void tl_report_print_run_error(FILE *out, const struct tl_scenario *sc, const char *run_err, bool refused, bool quiet)
{
	int line = 0, used = 0;
	const char *lead = quiet ? "" : "\n", *word = refused ? "REFUSED" : "ERROR";
	if (sscanf(run_err, "line %d: %n", &line, &used) == 1 && used > 0 && line > 0)
		fprintf(out, "%s   %s %s: %s:%d: %s\n\n", lead, word, sc->id, sc->path, line, run_err + used);
	else
		fprintf(out, "%s   %s %s: %s\n\n", lead, word, sc->id, run_err);
}

/* -q: one line, and for a failure the first failed check's place and reason on it. */
static void print_quiet_verdict(FILE *out, const struct tl_scenario *sc, const struct tl_check_report *rep)
{
	if (rep->pass) {
		fprintf(out, "   PASS %s\n", sc->id);
		return;
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct tl_check_item *it = &rep->items[i];
		if (!it->pass) {
			fprintf(out, "   FAIL %s: %s:%d: %s: %s\n", sc->id, sc->path, it->line, it->what, it->difference);
			return;
		}
	}
	fprintf(out, "   FAIL %s\n", sc->id);
}

enum tl_verdict tl_report_run(const struct tl_scenario *sc, struct tl_timeline *tl, int run_rc,
			      const char *run_err, const struct tl_report_options *o, FILE *out)
{
	char err[1024];
	if (tl_report_prepare(sc, tl) < 0) {
		fprintf(out, "== %s  %s\n   ERROR: out of memory labelling the packets\n\n", sc->id, sc->title);
		return TL_VERDICT_ERROR;
	}
	struct tl_timer_settings defaults;
	const struct tl_timer_settings *timers = o->timers;
	if (!timers) {
		tl_timer_settings_default(&defaults);
		timers = &defaults;
	}
	struct tl_series_report *series = calloc(1, sizeof(*series));
	if (!series || tl_series_analyze(sc, tl, timers, series, err, sizeof(err)) < 0) {
		char why[1100];
		tl_textf(why, sizeof(why), "timer model: %s", series ? err : "out of memory");
		fprintf(out, "== %s  %s\n   ERROR: %s\n\n", sc->id, sc->title, why);
		/* The files still carry the run and say why it has no verdict (report's page reads them). */
		write_files(sc, tl, NULL, NULL, timers, why, o, out);
		free(series);
		return TL_VERDICT_ERROR;
	}
	/* JSON on standard output is the whole output: nothing else may mix in. */
	bool silent = o->json_path && !strcmp(o->json_path, "-");
	FILE *text = silent ? NULL : out;
	if (!o->quiet && text) {
		tl_render_header(out, sc);
		if (o->timer_profile)
			fprintf(out, "   timers: %s\n", o->timer_profile);
		tl_render_timeline(out, tl);
		tl_series_render(out, sc, series);
	}
	enum tl_verdict verdict;
	struct tl_check_report rep = { 0 };
	bool checked = false;
	if (run_rc < 0) {
		tl_report_print_run_error(text ? text : stderr, sc, run_err, run_rc == TL_RUN_REFUSED, o->quiet);
		verdict = run_rc == TL_RUN_REFUSED ? TL_VERDICT_REFUSED : TL_VERDICT_ERROR;
	} else if (run_rc > 0) {
		fprintf(text ? text : stderr, "%s   STOPPED %s: interrupted\n\n", o->quiet ? "" : "\n", sc->id);
		verdict = TL_VERDICT_INTERRUPTED;
	} else {
		if (tl_check_run(sc, tl, series, &rep) < 0) {
			fprintf(text ? text : stderr, "   ERROR %s: out of memory evaluating the checks\n\n", sc->id);
			free(series);
			return TL_VERDICT_ERROR;
		}
		checked = true;
		bool ladder_failed = false;
		if (o->ladder && !o->quiet && text) {
			struct tl_ladder_options lo = { .ascii = o->ascii, .width = o->width };
			fputc('\n', out);
			if (tl_ladder_print(out, sc, tl, &lo) < 0) {
				fprintf(out, "   ERROR %s: ladder: %s\n", sc->id, strerror(errno));
				ladder_failed = true;
			}
		}
		if (!text)
			; /* the JSON carries the verdict */
		else if (o->quiet)
			print_quiet_verdict(out, sc, &rep);
		else
			tl_render_verdict(out, sc, &rep);
		/* A report missing what was asked for cannot stand as a pass or a fail. */
		verdict = ladder_failed ? TL_VERDICT_ERROR : rep.pass ? TL_VERDICT_PASS : TL_VERDICT_FAIL;
	}
	if (write_files(sc, tl, checked ? &rep : NULL, series, timers,
			run_rc ? (run_rc > 0 ? "interrupted" : run_err) : NULL, o, out) < 0)
		verdict = TL_VERDICT_ERROR;
	free(series);
	tl_check_report_free(&rep);
	return verdict;
}
