/*
 * tracer: eBPF programs (libbpf CO-RE skeleton, ring buffer) that report what
 * the kernel does to TCP sockets of one network namespace:
 *   - every state change (tp_btf/inet_sock_set_state), exact time, socket
 *     address as its identity; -> TL_EV_STATE, source TL_SRC_TRACEPOINT
 *   - retransmissions (tcp_retransmit_skb, tcp_retransmit_synack) -> TL_EV_RETRANS
 *   - resets sent and received (tcp_send_reset, tcp_receive_reset) -> TL_EV_RESET
 *   - packets freed by netfilter (kfree_skb with reason NETFILTER_DROP) -> TL_EV_DROP
 *   - on request, where the state tracepoint is blind, the lives of request
 *     and time-wait sockets, seen through their own timers (timer
 *     tracepoints) -> TL_EV_STATE, source TL_SRC_SOCK_TIMER, shaped as
 *     sock_diag's sightings are: first seen (from TL_STATE_NONE), moved on
 *     (a time-wait socket's FIN_WAIT2 -> TIME_WAIT), gone (-> CLOSE)
 * Times are bpf_ktime_get_ns(), i.e. CLOCK_MONOTONIC. Side is left NONE.
 */
#ifndef TCPLAB_TRACER_H
#define TCPLAB_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

struct tl_tracer;

/*
 * Loads and attaches the programs, reporting only sockets and packets of the
 * network namespace whose /proc/self/ns/net inode is netns_ino. Needs
 * CAP_BPF and CAP_PERFMON (root). Returns NULL with the reason in err
 * (libbpf's message and errno text, and what privilege is missing on EPERM).
 * On success err may hold a warning (an optional program that could not be
 * attached); it is left untouched when there is none.
 */
struct tl_tracer *tl_tracer_open(uint32_t netns_ino, char *err, size_t errlen);

/*
 * As tl_tracer_open, and with socket_timers also the request and time-wait
 * sockets: made (NONE -> SYN_RECV, NONE -> the time-wait substate), moved
 * on (FIN_WAIT2 -> TIME_WAIT) and gone (-> CLOSE: the request turned into
 * the listener's child, reset or expired; the time-wait socket's timer ran
 * out or it was killed). A stopped timer is an end only when it is not
 * re-armed within a few milliseconds, so an end may come out one drain
 * late, with its own time. Where the timer handlers cannot be found, err
 * says so and those sockets are not traced.
 */
struct tl_tracer *tl_tracer_open_with(uint32_t netns_ino, bool socket_timers, char *err, size_t errlen);

/* True when request and time-wait sockets are traced through their timers (asked for, and attached). */
bool tl_tracer_socket_timers(const struct tl_tracer *t);

/* A descriptor that becomes readable when records wait (for poll()). */
int tl_tracer_fd(const struct tl_tracer *t);

/* Consumes every record waiting and appends each as an event to tl. Returns
 * the number appended, or -1 with err set. */
int tl_tracer_drain(struct tl_tracer *t, struct tl_timeline *tl, char *err, size_t errlen);

/* Detaches and frees. NULL is allowed. */
void tl_tracer_close(struct tl_tracer *t);

/*
 * How long after a socket's timer stopped the tracer waits for it to be
 * re-armed before it takes the socket as gone (a request's or time-wait
 * socket's end): the last drain of a run must come at least this long
 * after the run's last event, or such an end would be left out.
 */
#define TL_TRACER_REARM_WINDOW_NS 10000000ull

/*
 * How many times the kernel skipped one of the tracer's programs because it
 * was already running on that CPU (bpf_prog_info.recursion_misses, summed):
 * events that never reached the ring buffer. tl_tracer_drain notes new ones
 * on the timeline.
 */
uint64_t tl_tracer_missed(const struct tl_tracer *t);

#endif
