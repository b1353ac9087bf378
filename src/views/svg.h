/*
 * svg: a run's ladder diagram as a self-contained SVG picture: the client's
 * lifeline on the left, the server's on the right, time flowing down to
 * scale with long idle gaps cut into labelled breaks, one arrow per packet
 * (flags, relative seq/ack, length above it, its role below), dropped
 * packets stopping halfway under a red cross, each side's states as
 * coloured bars beside its lifeline, application calls marked where they
 * returned, and a legend. The rows are those of ladder.h, so the picture
 * and the text ladder agree. Nothing is fetched from outside: fonts are
 * named by family with generic fallbacks, styles are inline, and no id is
 * used, so several pictures can be embedded in one HTML page.
 */
#ifndef TCPLAB_SVG_H
#define TCPLAB_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "core/event.h"
#include "scenario/scenario.h"

/*
 * Writes the ladder of tl, a timeline of scenario sc sorted and annotated as
 * tl_report_run() leaves it (only read), to out as one SVG document.
 * Returns 0, or -1 with the reason in err (out of memory, or out's write
 * error).
 */
int tl_svg_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *tl, char *err,
		 size_t errlen);

/*
 * As tl_svg_print, into the file at path (created or truncated). Returns 0,
 * or -1 with "PATH: reason" in err.
 */
int tl_svg_write(const char *path, const struct tl_scenario *sc, const struct tl_timeline *tl, char *err,
		 size_t errlen);

/*
 * As tl_svg_print, into a malloc'd NUL-terminated string that the caller
 * frees (for embedding in a page). Returns NULL with the reason in err.
 */
char *tl_svg_string(const struct tl_scenario *sc, const struct tl_timeline *tl, char *err, size_t errlen);

#endif
