/*
 * compare_job: the body of `tcplab run --compare` for one scenario: runs it
 * on the kernel and on the model with the same settings, prepares both
 * timelines as every run is prepared, and prints how they differ.
 */
#include "cli/compare_job.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "analysis/check.h"
#include "analysis/compare.h"
#include "analysis/series.h"
#include "cli/report.h"
#include "cli/run_job.h"
#include "lab/lab.h"
#include "lab/netns.h"
#include "model/sim.h"
#include "scenario/driver.h"

/* Timer sysctls the two runs had, which should be the same; one difference per sysctl. */
static int compare_settings(FILE *out, const struct tl_timer_settings *k, const struct tl_timer_settings *m)
{
	int diffs = 0;
	const char *name;
	long kv, mv;
	for (size_t i = 0; (name = tl_timer_sysctl_at(k, i, &kv)); i++) {
		tl_timer_sysctl_at(m, i, &mv);
		if (kv == mv)
			continue;
		fprintf(out, "   ! sysctl %s is %ld on the kernel, %ld in the model   DIFFERS\n", name, kv, mv);
		diffs++;
	}
	return diffs;
}

static enum tl_verdict finish(FILE *out, const struct tl_scenario *sc, enum tl_verdict v)
{
	fprintf(out, "   %s %s\n\n", tl_verdict_name(v), sc->id);
	return v;
}

/*
 * The scenario's own expectations, judged on one run: a comparison that
 * agrees is no pass when both runs miss what the scenario expects. Prints
 * each failed check with its place; returns how many failed, or -1.
 */
static int judge_expectations(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *tl,
			      const struct tl_series_report *series, const char *where)
{
	struct tl_check_report rep = { 0 };
	if (tl_check_run(sc, tl, series, &rep) < 0)
		return -1;
	int failed = 0;
	for (size_t i = 0; i < rep.n; i++) {
		const struct tl_check_item *it = &rep.items[i];
		if (it->pass)
			continue;
		fprintf(out, "   ! %s: %s:%d: %s: %s (expected %s, observed %s)\n", where, sc->path, it->line, it->what,
			it->difference, it->expected, it->observed);
		failed++;
	}
	tl_check_report_free(&rep);
	return failed;
}

/* Both runs are done and prepared: analyse and print. */
static enum tl_verdict compare_runs(FILE *out, const struct tl_scenario *sc, struct tl_timeline *kernel,
				    const struct tl_timer_settings *ktimers, struct tl_timeline *model,
				    const struct tl_timer_settings *mtimers)
{
	char err[1024];
	struct tl_series_report *ks = calloc(1, sizeof(*ks)), *ms = calloc(1, sizeof(*ms));
	enum tl_verdict v = TL_VERDICT_ERROR;
	if (!ks || !ms) {
		fprintf(out, "   ERROR: out of memory for the retransmission series\n");
		goto done;
	}
	if (tl_series_analyze(sc, kernel, ktimers, ks, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR: timer model, kernel run: %s\n", err);
		goto done;
	}
	if (tl_series_analyze(sc, model, mtimers, ms, err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR: timer model, model run: %s\n", err);
		goto done;
	}
	int sysctl_diffs = compare_settings(out, ktimers, mtimers);
	int run_diffs = tl_compare_print(out, sc, kernel, ks, model, ms);
	if (run_diffs < 0) {
		fprintf(out, "   ERROR %s: comparing the kernel and the model: out of memory\n", sc->id);
		goto done;
	}
	int diffs = run_diffs + sysctl_diffs;
	if (sysctl_diffs)
		fprintf(out, "   %s: and %d timer sysctl%s differ (above)\n", sc->id, sysctl_diffs,
			sysctl_diffs == 1 ? "" : "s");
	int kernel_failed = judge_expectations(out, sc, kernel, ks, "on the kernel");
	int model_failed = judge_expectations(out, sc, model, ms, "in the model");
	if (kernel_failed < 0 || model_failed < 0) {
		fprintf(out, "   ERROR %s: judging the expectations: out of memory\n", sc->id);
		goto done;
	}
	if (kernel_failed || model_failed)
		fprintf(out, "   %s: the scenario's expectations fail on the kernel (%d) and in the model (%d)\n", sc->id,
			kernel_failed, model_failed);
	else
		fprintf(out, "   the scenario's expectations hold on the kernel and in the model\n");
	v = diffs || kernel_failed || model_failed ? TL_VERDICT_FAIL : TL_VERDICT_PASS;
done:
	free(ks);
	free(ms);
	return v;
}

enum tl_verdict tl_compare_job(const struct tl_scenario *sc, const struct tl_compare_options *o, FILE *out,
			       volatile sig_atomic_t *stop)
{
	char err[1024] = "";
	struct tl_timeline kernel, model;
	struct tl_timer_settings ktimers, mtimers;
	enum tl_verdict v;
	fprintf(out, "== %s  %s\n   the kernel against the model: timers %s, model seed %llu\n", sc->id, sc->title,
		o->timers ? o->timers->name : "as the scenario sets them", (unsigned long long)o->seed);
	if (tl_addr_text_family(sc->host) == AF_INET6)
		fprintf(out, "   over IPv6: the server at %s\n", sc->host);
	tl_run_job_sim_notes(out, sc);
	if (tl_netns_enter_new(err, sizeof(err)) < 0) {
		fprintf(out, "   ERROR: %s\n", err);
		return finish(out, sc, TL_VERDICT_ERROR);
	}
	struct tl_lab_options lo = { .wait_time_wait = o->wait_time_wait, .stop = stop, .progress = o->progress,
				     .timers = o->timers, .faults = o->faults, .n_faults = o->n_faults };
	int rc = tl_lab_run(sc, &lo, &kernel, &ktimers, err, sizeof(err));
	if (rc != 0) {
		if (rc < 0)
			tl_report_print_run_error(out, sc, err, rc == TL_RUN_REFUSED, true);
		tl_timeline_free(&kernel);
		return finish(out, sc, rc > 0 ? TL_VERDICT_INTERRUPTED : rc == TL_RUN_REFUSED ? TL_VERDICT_REFUSED
										       : TL_VERDICT_ERROR);
	}
	struct tl_sim_options so = { .timers = o->timers, .faults = o->faults, .n_faults = o->n_faults,
				     .wait_time_wait = o->wait_time_wait, .seed = o->seed, .stop = stop };
	rc = tl_sim_run(sc, &so, &model, &mtimers, err, sizeof(err));
	if (rc != 0) {
		/* The kernel ran it; a model that cannot is a difference, said as such. */
		if (rc < 0)
			fprintf(out, "   ! the model cannot run this scenario, the kernel can: %s   DIFFERS\n"
				     "   %s: 1 difference between the kernel and the model\n",
				err, sc->id);
		v = rc > 0 ? TL_VERDICT_INTERRUPTED : TL_VERDICT_FAIL;
	} else if (tl_report_prepare(sc, &kernel) < 0 || tl_report_prepare(sc, &model) < 0) {
		fprintf(out, "   ERROR: out of memory labelling the packets\n");
		v = TL_VERDICT_ERROR;
	} else {
		v = compare_runs(out, sc, &kernel, &ktimers, &model, &mtimers);
	}
	tl_timeline_free(&kernel);
	tl_timeline_free(&model);
	return finish(out, sc, v);
}
