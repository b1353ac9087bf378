/*
 * report: the shared tail of every run: from raw events to a verdict.
 */
#include "cli/report.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "views/pcap_out.h"
#include "analysis/check.h"
#include "analysis/drops.h"
#include "views/json_out.h"
#include "views/ladder.h"
#include "views/render.h"
#include "analysis/roles.h"
#include "analysis/series.h"
#include "analysis/sockstate.h"
#include "views/svg.h"

int tl_report_prepare(const struct tl_scenario *sc, struct tl_timeline *tl)
{
	(void)sc; /* the runners tag each event with its side as they record it */
	tl_states_resolve(tl);
	tl_drops_attach(tl);
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
	return n;
}

/* JSON, SVG and pcap files the options ask for. Returns 0, or -1 after saying why in out. */
static int write_files(const struct tl_scenario *sc, const struct tl_timeline *tl, const struct tl_check_report *rep,
		       const struct tl_series_report *series, const struct tl_timer_settings *timers,
		       const char *run_error, const struct tl_report_options *o, FILE *out)
{
	char err[1024];
	int rc = 0;
	if (o->pcap_path && tl_pcap_write(o->pcap_path, tl, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: pcap: %s\n", sc->id, err);
		rc = -1;
	}
	if (o->svg_path && tl_svg_write(o->svg_path, sc, tl, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: svg: %s\n", sc->id, err);
		rc = -1;
	}
	if (o->json_path) {
		struct tl_json_sysctl sysctls[32];
		char names[32][48], values[32][24];
		struct tl_json_settings js = {
			.sysctls = sysctls,
			.n_sysctls = json_sysctls(timers, sysctls, names, values, 32),
			.timer_profile = o->timer_profile,
			.run_error = run_error,
			.series = series,
		};
		/* "-" goes where the report goes, so that parallel runs stay whole and in order. */
		struct json_object *doc = NULL;
		if (!strcmp(o->json_path, "-") ? !(doc = tl_json_run(sc, tl, rep, &js, err, sizeof(err)))
					       : tl_json_write(o->json_path, sc, tl, rep, &js, err, sizeof(err)) < 0) {
			fprintf(out, "   ERROR %s: json: %s\n", sc->id, err);
			rc = -1;
		}
		if (doc) {
			fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
			json_object_put(doc);
		}
	}
	return rc;
}

enum tl_verdict tl_report_run(const struct tl_scenario *sc, struct tl_timeline *tl, int run_rc,
			      const char *run_err, const struct tl_report_options *o, FILE *out)
{
	char err[1024];
	if (tl_report_prepare(sc, tl) < 0) {
		fprintf(out, "== %s  %s\n   ERROR: out of memory\n\n", sc->id, sc->title);
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
		fprintf(out, "== %s  %s\n   ERROR: timer model: %s\n\n", sc->id, sc->title, series ? err : "out of memory");
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
		fprintf(text ? text : stderr, "%s   ERROR %s: %s: %s\n\n", o->quiet ? "" : "\n", sc->id, sc->path, run_err);
		verdict = TL_VERDICT_ERROR;
	} else if (run_rc > 0) {
		fprintf(text ? text : stderr, "%s   STOPPED %s: interrupted\n\n", o->quiet ? "" : "\n", sc->id);
		verdict = TL_VERDICT_INTERRUPTED;
	} else {
		if (tl_check_run(sc, tl, series, &rep) < 0) {
			free(series);
			return TL_VERDICT_ERROR;
		}
		checked = true;
		if (o->ladder && !o->quiet && text) {
			struct tl_ladder_options lo = { .ascii = o->ascii, .width = o->width };
			fputc('\n', out);
			tl_ladder_print(out, sc, tl, &lo);
		}
		if (!text)
			; /* the JSON carries the verdict */
		else if (o->quiet)
			fprintf(out, "   %s %s\n", rep.pass ? "PASS" : "FAIL", sc->id);
		else
			tl_render_verdict(out, sc, &rep);
		verdict = rep.pass ? TL_VERDICT_PASS : TL_VERDICT_FAIL;
	}
	if (write_files(sc, tl, checked ? &rep : NULL, series, timers,
			run_rc ? (run_rc > 0 ? "interrupted" : run_err) : NULL, o, out) < 0)
		verdict = TL_VERDICT_ERROR;
	free(series);
	tl_check_report_free(&rep);
	return verdict;
}
