/*
 * lab: runs a scenario on the real kernel, in the calling process's network
 * namespace, which must be a fresh private one (tl_netns_enter_new): the
 * client and the server are threads making real socket calls; an observer
 * thread captures packets (libpcap), reads the eBPF tracer's ring buffer and
 * polls sock_diag; the result is one raw timeline.
 */
#ifndef TCPLAB_LAB_H
#define TCPLAB_LAB_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/event.h"
#include "scenario/fault.h"
#include "scenario/scenario.h"
#include "model/timer_model.h"

struct tl_lab_options {
	bool wait_time_wait;	    /* at the end, wait until TIME-WAIT sockets are gone */
	volatile sig_atomic_t *stop; /* set by a signal handler: stop soon; may be NULL */
	FILE *progress;		    /* a terminal for progress lines on long waits, or NULL */
	const struct tl_timer_profile *timers; /* sysctls written before the scenario's own; NULL: none */
	const struct tl_fault *faults;	    /* rules installed before the first step */
	size_t n_faults;
};

/*
 * Applies sc's sysctls, runs its steps and fills tl (initialised here, time
 * sorted, every event with an endpoint and every snapshot row tagged with
 * its side, from the calls each side made: lab/sides.h). Returns 0 when the script ran to its
 * end, 1 when it was stopped through o->stop, and -1 with the reason in err
 * when the lab itself failed (tracer, capture, sysctl, a step that never
 * returned), or TL_RUN_REFUSED (scenario/driver.h) when the kernel refused
 * the scenario's input: a sysctl's name or value, a raw nft rule. tl holds what was observed in every case;
 * free it with tl_timeline_free. *timers receives the namespace's timer
 * sysctls as read back after they were set (defaults where one cannot be read).
 */
int tl_lab_run(const struct tl_scenario *sc, const struct tl_lab_options *o,
	       struct tl_timeline *tl, struct tl_timer_settings *timers, char *err, size_t errlen);

#endif
