/*
 * report: the shared tail of every run: from raw events to a verdict.
 */
#include "report.h"

#include <stdlib.h>

#include "capture.h"
#include "check.h"
#include "drops.h"
#include "render.h"
#include "roles.h"
#include "series.h"
#include "sockstate.h"

enum tl_verdict tl_report_run(const struct tl_scenario *sc, struct tl_timeline *tl, int run_rc,
			      const char *run_err, const struct tl_report_options *o, FILE *out)
{
	char err[1024];
	tl_states_resolve(tl);
	tl_assign_sides(tl, sc->port);
	tl_drops_attach(tl);
	if (tl_roles_annotate(tl) < 0) {
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
	if (!o->quiet) {
		tl_render_header(out, sc);
		if (o->timer_profile)
			fprintf(out, "   timers: %s\n", o->timer_profile);
		tl_render_timeline(out, tl);
		tl_series_render(out, sc, series);
	}
	enum tl_verdict verdict;
	if (run_rc < 0) {
		fprintf(out, "%s   ERROR %s: %s: %s\n\n", o->quiet ? "" : "\n", sc->id, sc->path, run_err);
		verdict = TL_VERDICT_ERROR;
	} else if (run_rc > 0) {
		fprintf(out, "%s   STOPPED %s: interrupted\n\n", o->quiet ? "" : "\n", sc->id);
		verdict = TL_VERDICT_INTERRUPTED;
	} else {
		struct tl_check_report rep;
		if (tl_check_run(sc, tl, series, &rep) < 0) {
			free(series);
			return TL_VERDICT_ERROR;
		}
		if (o->quiet)
			fprintf(out, "   %s %s\n", rep.pass ? "PASS" : "FAIL", sc->id);
		else
			tl_render_verdict(out, sc, &rep);
		verdict = rep.pass ? TL_VERDICT_PASS : TL_VERDICT_FAIL;
		tl_check_report_free(&rep);
	}
	free(series);
	if (o->pcap_path && tl_pcap_write(o->pcap_path, tl, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR %s: pcap: %s\n", sc->id, err);
		verdict = TL_VERDICT_ERROR;
	}
	return verdict;
}
