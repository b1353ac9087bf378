/*
 * sockstate: per-socket state histories from the timeline's state events,
 * with the state tracepoint's blind spots filled from sock_diag sightings:
 *   - a socket replaced by a time-wait socket shows X -> CLOSE in the
 *     tracepoint; sock_diag shows it in TIME_WAIT (or still FIN_WAIT2 when an
 *     orphan waits out tcp_fin_timeout);
 *   - a request socket (SYN-RECV) never fires the tracepoint;
 *   - the client's first event has source port 0 (not bound yet).
 */
#ifndef TCPLAB_SOCKSTATE_H
#define TCPLAB_SOCKSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/*
 * Rewrites a time-sorted timeline in place as described above and sorts it
 * again. sock_diag events must carry from = TL_STATE_NONE for a first
 * sighting and to = TL_CLOSE when the socket vanished from the dumps.
 * Returns 0, or -1 (ENOMEM) with the timeline resolved in part.
 */
int tl_states_resolve(struct tl_timeline *tl);

/*
 * Writes into out (at most max) the state path of side's connection sockets
 * (listening sockets excluded), in time order, e.g. CLOSE SYN_SENT
 * ESTABLISHED. Where the side names its connections (analysis/conns.h),
 * only those of connection conn ("" the unnamed one); conn is ignored where
 * it names none. Returns the path's length (which may exceed max).
 */
size_t tl_states_path(const struct tl_timeline *tl, enum tl_side side, const char *conn, enum tl_state *out,
		      size_t max);

#endif
