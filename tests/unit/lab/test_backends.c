/*
 * test_backends: one driver, two backends. Every shipped scenario (read
 * from the scenarios folder) gives the same step results on the real kernel (in
 * a fresh namespace) and on the model: the same calls per side with the
 * same results or errnos, and the same outcome of the run (every wait
 * satisfied, or the same one timing out). Waits for a server in SYN_RECV
 * are satisfied by its request socket under either of the state's names on
 * both. Needs root (namespaces, eBPF, nftables).
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/errnames.h"
#include "core/event.h"
#include "core/textbuf.h"
#include "lab/lab.h"
#include "lab/netns.h"
#include "model/sim.h"
#include "model/timer_model.h"
#include "scenario/scenario.h"

#define RESULTS_LEN 8192
#define MAX_SCENARIOS 64

/*
 * What the steps did, per side in call order, then how the run ended. An
 * accept's result is a descriptor, whose number is the process's business;
 * every other result and every errno must agree.
 */
static void step_results(const struct tl_timeline *tl, int rc, const char *err, char *out, size_t len)
{
	size_t used = 0;
	static const enum tl_side sides[] = { TL_SIDE_CLIENT, TL_SIDE_SERVER };
	out[0] = '\0';
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < tl->n; i++) {
			const struct tl_event *ev = &tl->ev[i];
			if (ev->kind != TL_EV_APP || ev->side != sides[k])
				continue;
			const struct tl_app_call *c = &ev->u.app;
			char result[32];
			if (c->ret < 0)
				tl_textf(result, sizeof(result), "%s", tl_errno_name(c->err));
			else if (!strcmp(c->verb, "accept"))
				tl_textf(result, sizeof(result), "a descriptor");
			else
				tl_textf(result, sizeof(result), "%ld", c->ret);
			used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s %s = %s\n",
						 tl_side_name(sides[k]), c->call, result);
		}
	}
	snprintf(out + used, used < len ? len - used : 0, "run: %s %s\n",
		 rc == 0 ? "ran to its end" : rc > 0 ? "stopped" : "failed:", rc < 0 ? err : "");
}

static void on_model(const struct tl_scenario *sc, char *out, size_t len)
{
	struct tl_sim_options o = { .timers = tl_timer_profile_find("fast"), .seed = 1 };
	struct tl_timeline tl;
	struct tl_timer_settings timers;
	char err[512] = "";
	int rc = tl_sim_run(sc, &o, &tl, &timers, err, sizeof(err));
	step_results(&tl, rc, err, out, len);
	tl_timeline_free(&tl);
}

/* In a forked child: a fresh namespace, the lab, the results to fd. */
static int on_kernel_child(const struct tl_scenario *sc, int fd)
{
	struct tl_lab_options o = { .timers = tl_timer_profile_find("fast") };
	struct tl_timeline tl;
	struct tl_timer_settings timers;
	char err[512] = "", out[RESULTS_LEN];
	if (tl_netns_enter_new(err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "cannot enter a namespace: %s\n", err);
	} else {
		int rc = tl_lab_run(sc, &o, &tl, &timers, err, sizeof(err));
		step_results(&tl, rc, err, out, sizeof(out));
		tl_timeline_free(&tl);
	}
	size_t n = strlen(out);
	return write(fd, out, n) == (ssize_t)n ? 0 : 1;
}

struct kernel_run {
	pid_t pid;
	int fd;
	char results[RESULTS_LEN];
};

/* Scenarios run side by side, each in its own namespace: the suite takes as long as its longest. */
static void start_on_kernel(const struct tl_scenario *sc, struct kernel_run *k)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	k->pid = fork();
	assert_true(k->pid >= 0);
	if (k->pid == 0) {
		close(pfd[0]);
		_exit(on_kernel_child(sc, pfd[1]));
	}
	close(pfd[1]);
	k->fd = pfd[0];
}

static void finish_on_kernel(struct kernel_run *k)
{
	size_t used = 0;
	ssize_t n;
	while (used < sizeof(k->results) - 1 &&
	       (n = read(k->fd, k->results + used, sizeof(k->results) - 1 - used)) > 0)
		used += (size_t)n;
	k->results[used] = '\0';
	close(k->fd);
	int status;
	assert_int_equal(waitpid(k->pid, &status, 0), k->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void same_on_both(struct tl_scenario *scs, size_t n)
{
	struct kernel_run *runs = calloc(n, sizeof(*runs));
	char model[RESULTS_LEN];
	assert_non_null(runs);
	for (size_t i = 0; i < n; i++)
		start_on_kernel(&scs[i], &runs[i]);
	for (size_t i = 0; i < n; i++)
		finish_on_kernel(&runs[i]);
	for (size_t i = 0; i < n; i++) {
		on_model(&scs[i], model, sizeof(model));
		if (strcmp(runs[i].results, model))
			fail_msg("%s: the kernel and the model differ\n-- kernel:\n%s-- model:\n%s", scs[i].id,
				 runs[i].results, model);
	}
	free(runs);
}

static void shipped_scenarios_same_on_both(void **state)
{
	(void)state;
	const char *dir = getenv("TCPLAB_SCENARIOS");
	char pattern[4096], err[512];
	struct tl_scenario scs[MAX_SCENARIOS];
	glob_t g;
	snprintf(pattern, sizeof(pattern), "%s/*.scn", dir ? dir : "scenarios");
	if (glob(pattern, 0, NULL, &g) != 0)
		fail_msg("no shipped scenarios at %s (set TCPLAB_SCENARIOS)", pattern);
	assert_true(g.gl_pathc <= MAX_SCENARIOS);
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (tl_scenario_parse_file(g.gl_pathv[i], &scs[i], err, sizeof(err)) < 0)
			fail_msg("%s", err);
	same_on_both(scs, g.gl_pathc);
	for (size_t i = 0; i < g.gl_pathc; i++)
		tl_scenario_free(&scs[i]);
	globfree(&g);
}

/*
 * The server's SYN-ACKs are dropped, so its request socket stays: the
 * kernel calls it NEW_SYN_RECV, sock_diag and ss SYN_RECV. Both names wait
 * for it, on both backends, and the run goes on to its end.
 */
static void request_socket_waits(void **state)
{
	(void)state;
	static const char *const names[] = { "NEW_SYN_RECV", "SYN_RECV" };
	struct tl_scenario scs[2];
	char text[512], err[512];
	for (size_t i = 0; i < 2; i++) {
		tl_textf(text, sizeof(text),
			 "title   a request socket waited for as %s\n"
			 "server listen\n"
			 "drop from server\n"
			 "client connect &\n"
			 "wait server state %s timeout 5s\n",
			 names[i], names[i]);
		if (tl_scenario_parse_text(names[i], text, &scs[i], err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	same_on_both(scs, 2);
	for (size_t i = 0; i < 2; i++) {
		char model[RESULTS_LEN];
		on_model(&scs[i], model, sizeof(model));
		if (!strstr(model, "run: ran to its end"))
			fail_msg("wait server state %s:\n%s", names[i], model);
		tl_scenario_free(&scs[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_socket_waits),
		cmocka_unit_test(shipped_scenarios_same_on_both),
	};
	if (geteuid() != 0) {
		fprintf(stderr, "test_backends: needs root (namespaces, eBPF, nftables)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
