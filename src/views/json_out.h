/*
 * json_out: a run as one JSON document (json-c): the scenario, the settings
 * the lab ran with (sysctls as read back from the namespace, the timer
 * profile), every event of the timeline with its time, side and fields, the
 * retransmission series beside the timer model and the walkthrough, the
 * checks and the verdict. The format is documented in docs/json.md and
 * described by docs/tcplab-run.schema.json; TL_JSON_SCHEMA_VERSION changes
 * whenever a field is renamed, removed or changes meaning (adding a field
 * does not).
 */
#ifndef TCPLAB_JSON_OUT_H
#define TCPLAB_JSON_OUT_H

#include <stddef.h>

#include "analysis/check.h"
#include "core/event.h"
#include "scenario/scenario.h"

#define TL_JSON_SCHEMA_VERSION 1

struct json_object; /* json-c */

/* One sysctl as the namespace reported it. Both strings are only read. */
struct tl_json_sysctl {
	const char *name;  /* "net.ipv4.tcp_fin_timeout" */
	const char *value; /* "2" */
};

struct tl_json_settings {
	const struct tl_json_sysctl *sysctls; /* read back after the lab set them; may be NULL when n is 0 */
	size_t n_sysctls;
	const char *timer_profile; /* "fast", "kernel", "article"; NULL when none was applied */
	const char *run_error;	   /* why the run did not finish ("interrupted", the lab's error), or NULL */
	/* the run's retransmission series as tl_series_analyze() judged them, or
	 * NULL when they were not analysed ("series" is then null) */
	const struct tl_series_report *series;
};

/*
 * Builds the document for a run of scenario sc whose timeline tl is sorted
 * and annotated as tl_report_run() leaves it. rep is the checks' report, or
 * NULL when the run was not checked; settings may be NULL. The verdict is
 * "error" when settings->run_error is set or rep is NULL, otherwise "pass"
 * or "fail". Only reads its arguments. Returns a new object that the caller
 * releases with json_object_put(), or NULL with the reason in err.
 */
struct json_object *tl_json_run(const struct tl_scenario *sc, const struct tl_timeline *tl,
				const struct tl_check_report *rep, const struct tl_json_settings *settings,
				char *err, size_t errlen);

/*
 * Writes that document, pretty-printed, to the file path_or_dash (created
 * or truncated), or to standard output when it is "-". Returns 0, or -1
 * with "PATH: reason" in err.
 */
int tl_json_write(const char *path_or_dash, const struct tl_scenario *sc, const struct tl_timeline *tl,
		  const struct tl_check_report *rep, const struct tl_json_settings *settings, char *err,
		  size_t errlen);

#endif
