/*
 * test_lab: what the kernel lab says about itself. A timer sysctl that
 * cannot be read back (here made unreadable for real: a private mount
 * namespace binds a file holding no number over it) leaves the timer
 * model's default in place, and the timeline names the sysctl and the
 * value the predictions then use. Needs root.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"
#include "core/event.h"
#include "lab/lab.h"
#include "lab/netns.h"
#include "model/timer_model.h"
#include "scenario/scenario.h"

#define SYSCTL_FILE "/proc/sys/net/ipv4/tcp_syn_linear_timeouts"

/* In the child: SYSCTL_FILE reads "x" from now on, in this mount namespace only. */
static int make_unreadable(struct child *c)
{
	char path[] = "/tmp/tcplab-test-lab-XXXXXX";
	int fd = mkstemp(path);
	CHECK(c, fd >= 0, "mkstemp failed");
	CHECK(c, write(fd, "x\n", 2) == 2, "cannot write %s", path);
	close(fd);
	CHECK(c, unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS) failed");
	CHECK(c, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "cannot make / private");
	CHECK(c, mount(path, SYSCTL_FILE, NULL, MS_BIND, NULL) == 0, "cannot bind over " SYSCTL_FILE);
	unlink(path);
	return CHILD_PASS;
}

static int unreadable_sysctl_child(struct child *c)
{
	char err[512] = "";
	struct tl_scenario sc;
	struct tl_timeline tl;
	struct tl_timer_settings timers, defaults;
	struct tl_lab_options o = { 0 }; /* no timer profile: nothing writes the sysctl */
	if (access(SYSCTL_FILE, R_OK) != 0)
		return CHILD_SKIP; /* a kernel before 6.7 has no such sysctl: nothing to make unreadable */
	CHECK(c, tl_netns_enter_new(err, sizeof(err)) == 0, "namespace: %s", err);
	int rc = make_unreadable(c);
	if (rc != CHILD_PASS)
		return rc;
	CHECK(c, tl_scenario_parse_text("t.scn", "title t\nserver listen\n", &sc, err, sizeof(err)) == 0, "%s",
	      err);
	CHECK(c, tl_lab_run(&sc, &o, &tl, &timers, err, sizeof(err)) == 0, "lab: %s", err);
	tl_timer_settings_default(&defaults);
	CHECK(c, timers.syn_linear_timeouts == defaults.syn_linear_timeouts,
	      "syn_linear_timeouts %d, the model's default is %d", timers.syn_linear_timeouts,
	      defaults.syn_linear_timeouts);
	char want[96];
	snprintf(want, sizeof(want), "it predicts with tcp_syn_linear_timeouts = %d", defaults.syn_linear_timeouts);
	bool said = false;
	for (size_t i = 0; i < tl.n; i++)
		if (tl.ev[i].kind == TL_EV_NOTE && strstr(tl.ev[i].u.note, "net.ipv4.tcp_syn_linear_timeouts") &&
		    strstr(tl.ev[i].u.note, want))
			said = true;
	tl_timeline_free(&tl);
	tl_scenario_free(&sc);
	CHECK(c, said, "no note names the unreadable sysctl and the value used instead");
	return CHILD_PASS;
}

static void unreadable_sysctl_is_reported(void **state)
{
	(void)state;
	char msg[1024];
	int status = child_run(unreadable_sysctl_child, msg, sizeof(msg));
	child_judge(status, msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unreadable_sysctl_is_reported),
	};
	if (geteuid() != 0) {
		fprintf(stderr, "test_lab: needs root (namespaces, eBPF, mounts)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
