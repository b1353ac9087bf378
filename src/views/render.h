/*
 * render: the text a person reads after a run: the scenario's header, one
 * merged timeline (packets with their roles, state changes with where they
 * were seen, application calls, snapshots), the explanation, and the checks.
 */
#ifndef TCPLAB_RENDER_H
#define TCPLAB_RENDER_H

#include <stdio.h>

#include "analysis/check.h"
#include "core/event.h"
#include "scenario/scenario.h"

/* "handshake 1/3", "teardown 2+3", "retransmission #2 of handshake 1/3" */
void tl_role_describe(const struct tl_packet *p, char *out, size_t len);

/* Writes one timeline line (without newline) for ev into out. */
void tl_render_event(const struct tl_timeline *tl, const struct tl_event *ev, char *out, size_t len);

/* The counters that changed, three to a line, each line after indent: "TcpActiveOpens +1". */
void tl_counters_print(FILE *out, const struct tl_counters *c, const char *indent);

/* The scenario's title block. */
void tl_render_header(FILE *out, const struct tl_scenario *sc);

/* Every event of a sorted, annotated timeline, one per line (snapshots as tables). */
void tl_render_timeline(FILE *out, const struct tl_timeline *tl);

/* The explanation and the checks, ending with "PASS ID" or "FAIL ID". */
void tl_render_verdict(FILE *out, const struct tl_scenario *sc, const struct tl_check_report *rep);

#endif
