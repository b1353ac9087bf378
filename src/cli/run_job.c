/*
 * run_job: the runner the options choose, then the shared report tail.
 */
#include "cli/run_job.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli/report.h"
#include "cli/runcli.h"
#include "core/textbuf.h"
#include "lab/lab.h"
#include "lab/netns.h"
#include "model/sim.h"

/* Runs sc on the kernel or the model into tl: the runner's result (0, 1 stopped, -1 with err). */
static int run_backend(const struct tl_runcli *o, const struct tl_scenario *sc, volatile sig_atomic_t *stop,
		       struct tl_timeline *tl, struct tl_timer_settings *timers, char *err, size_t errlen)
{
	struct tl_fault faults[TL_RUNCLI_MAX_DROPS];
	size_t n_faults = tl_runcli_faults(o, sc, faults);
	if (o->simulated) {
		struct tl_sim_options so = { .timers = o->timers, .faults = faults, .n_faults = n_faults,
					     .wait_time_wait = o->time_wait, .seed = o->seed, .stop = stop };
		return tl_sim_run(sc, &so, tl, timers, err, errlen);
	}
	struct tl_lab_options lo = {
		.wait_time_wait = o->time_wait,
		.stop = stop,
		.progress = isatty(STDERR_FILENO) ? stderr : NULL,
		.timers = o->timers,
		.faults = faults,
		.n_faults = n_faults,
	};
	return tl_lab_run(sc, &lo, tl, timers, err, errlen);
}

/* The sim command line that repeats this run: the seed and every option that changed it. */
static void repeat_command(const struct tl_runcli *o, const struct tl_scenario *sc, char *out, size_t len)
{
	tl_textf(out, len, "tcplab sim --seed %" PRIu64, o->seed);
	if (o->timers && strcmp(o->timers->name, "fast"))
		tl_appendf(out, len, " --timers %s", o->timers->name);
	for (size_t k = 0; k < o->n_drops; k++) {
		/* Double quotes: the whole command is shown in single ones. */
		tl_appendf(out, len, " --%s \"", tl_fault_action_name(o->drop_action[k]));
		for (const char *c = o->drops[k]; *c; c++)
			tl_appendf(out, len, strchr("\"\\$`", *c) ? "\\%c" : "%c", *c);
		tl_appendf(out, len, "\"");
	}
	if (o->time_wait)
		tl_appendf(out, len, " --time-wait");
	tl_appendf(out, len, " %s", sc->path);
}

void tl_run_job_sim_notes(FILE *out, const struct tl_scenario *sc)
{
	for (size_t i = 0; i < sc->n_steps; i++) {
		char why[160];
		if (tl_sim_step_modelled(&sc->steps[i]))
			continue;
		tl_sim_unmodelled_text(&sc->steps[i], why, sizeof(why));
		fprintf(out, "   NOTE %s: %s:%d: %s\n", sc->id, sc->path, sc->steps[i].line, why);
	}
}

enum tl_verdict tl_run_job(const struct tl_scenario *sc, size_t index, FILE *out, volatile sig_atomic_t *stop,
			   void *ctx)
{
	const struct tl_runcli *o = ctx;
	char err[1024] = "";
	if (!o->simulated && tl_netns_enter_new(err, sizeof(err)) < 0) {
		fprintf(out, "== %s  %s\n   ERROR: %s\n\n", sc->id, sc->title, err);
		return TL_VERDICT_ERROR;
	}
	struct tl_timeline tl;
	struct tl_timer_settings timers;
	int rc = run_backend(o, sc, stop, &tl, &timers, err, sizeof(err));
	struct tl_runcli_names names;
	struct tl_report_options ro;
	tl_runcli_report_options(o, sc, index, &timers, &names, &ro);
	enum tl_verdict v = tl_report_run(sc, &tl, rc, err, &ro, out);
	if (o->simulated) /* after the verdict, so that -q shows it too; JSON alone on standard output */
		tl_run_job_sim_notes(ro.json_path && !strcmp(ro.json_path, "-") ? stderr : out, sc);
	if (o->simulated && v != TL_VERDICT_PASS && v != TL_VERDICT_INTERRUPTED && v != TL_VERDICT_REFUSED) {
		char command[8192];
		repeat_command(o, sc, command, sizeof(command));
		/* JSON on standard output is the whole of it: the hint goes beside the summary then. */
		bool json_out = o->json_path && !strcmp(o->json_path, "-");
		fprintf(json_out ? stderr : out, "   simulated with seed %" PRIu64 ": '%s' repeats this run\n\n",
			o->seed, command);
	}
	tl_timeline_free(&tl);
	return v;
}
