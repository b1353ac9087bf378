/*
 * sim: runs a scenario on the TCP model (tcp_model.h) instead of the
 * kernel: a discrete-event simulator with a virtual clock, one host whose
 * client and server talk over a loopback link with a small fixed delay, the
 * scenario's fault rules applied to every segment, and the kernel lab's
 * step semantics: both are backends of one driver (scenario/driver.h). It produces the same raw event
 * stream as the lab (packets as real frames, state changes with source
 * TL_SRC_MODEL, application calls, snapshots, retransmissions, resets,
 * drops), so tl_report_run() judges a simulated run exactly as a real one.
 *
 * No privileges, no kernel features, no real time: a run of minutes of
 * virtual time takes milliseconds. Deterministic: the seed sets initial
 * sequence numbers and timestamp offsets, nothing else is random.
 */
#ifndef TCPLAB_SIM_H
#define TCPLAB_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "scenario/fault.h"
#include "scenario/scenario.h"
#include "model/tcp_model.h"
#include "model/timer_model.h"

#define TL_SIM_LINK_NS 10000ull	   /* loopback delivery delay */
#define TL_SIM_CALL_NS 25000ull	   /* a call that does not block returns after its segments' round trip */
#define TL_SIM_WAKE_NS 5000ull	   /* a blocked call returns this long after what woke it */
#define TL_SIM_EPOCH_NS 1735689600000000000ull /* wall clock of virtual time 0 (pcap stamps) */

struct tl_sim_options {
	const struct tl_timer_profile *timers; /* sysctls before the scenario's own; NULL: none */
	const struct tl_fault *faults;	       /* rules installed before the first step */
	size_t n_faults;
	bool wait_time_wait;		     /* at the end, run until TIME-WAIT sockets are gone */
	uint64_t seed;			     /* initial sequence numbers and timestamp offsets */
	volatile sig_atomic_t *stop;	     /* set by a signal handler: stop soon; may be NULL */
};

/*
 * The model's host settings for sc: loopback defaults, then the profile's
 * sysctls, then the scenario's sysctl lines. Returns 0; -1 with "line N:
 * why" in err for a sysctl the model does not know; TL_RUN_REFUSED
 * (scenario/driver.h) with the same for a value the kernel would refuse.
 */
int tl_sim_config(const struct tl_scenario *sc, const struct tl_timer_profile *profile, uint64_t seed,
		  struct tl_tcp_config *out, char *err, size_t errlen);

/*
 * Whether the model gives step st its meaning: false for a setsockopt whose
 * option it does not honour (tl_tcp_sockopt_modelled). Such a step still
 * runs, as a call that succeeds, with a note on the timeline; a command
 * says so before the run with tl_sim_unmodelled_text.
 */
bool tl_sim_step_modelled(const struct tl_step *st);

/* "setsockopt defer_accept (TCP_DEFER_ACCEPT) is not modelled ..."; cut at len. */
void tl_sim_unmodelled_text(const struct tl_step *st, char *out, size_t len);

/*
 * Runs sc in the simulator and fills tl (initialised here, time sorted;
 * time 0 is the first step). Returns 0 when the script ran to its end, 1
 * when stopped through o->stop, -1 with the reason in err when it could not
 * run (a sysctl or fault rule the model cannot simulate, a wait that timed
 * out, a call that never returned), or TL_RUN_REFUSED when a sysctl's value
 * is one the kernel refuses too. tl holds what happened in every case;
 * free it with tl_timeline_free. *timers receives the timer settings used.
 */
int tl_sim_run(const struct tl_scenario *sc, const struct tl_sim_options *o, struct tl_timeline *tl,
	       struct tl_timer_settings *timers, char *err, size_t errlen);

#endif
