/*
 * html_report: one self-contained HTML page for a set of runs, built from
 * each run's JSON document (json_out.h) and its ladder diagram (svg.h).
 * The page opens with a summary (counts and a table linking to every
 * scenario), then one collapsible section per scenario: the walkthrough
 * section it reproduces, the explanation, the checks, the ladder, the
 * retransmission series against the timer model and the walkthrough, the
 * socket snapshots, the whole timeline as a table, the lab's settings and
 * links to the run's files. Styles and the few lines of script are inline
 * and a Content-Security-Policy forbids every fetch, so the page reads the
 * same from a disk, a mail attachment or a CI artifact. Every string from a
 * document is HTML-escaped here; the SVG is embedded as given (svg.c
 * escapes its own text).
 */
#ifndef TCPLAB_HTML_REPORT_H
#define TCPLAB_HTML_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct json_object; /* json-c */

/* One scenario's run. Everything is only read. */
struct tl_html_run {
	const char *stem;	      /* unique per page, [A-Za-z0-9._-]: the section's anchor is "run-STEM" */
	const char *id;		      /* the scenario's id, shown when doc is NULL */
	struct json_object *doc;      /* the run's document (tl_json_run), or NULL when there is none */
	const char *svg;	      /* the ladder as one SVG document (tl_svg_string), or NULL */
	const char *pcap_href;	      /* links relative to the page, each may be NULL */
	const char *json_href;
	const char *svg_href;
	const char *problem;	      /* what went wrong outside the document (a file missing), or NULL */
	double wall_s;		      /* the run's time as the terminal's summary prints it (set-up included); < 0: unknown */
};

/* The page as a whole. Strings may be NULL. */
struct tl_html_page {
	const char *title;     /* "tcplab report" when NULL */
	const char *runner;    /* "Linux 6.18.0 kernel, one network namespace per scenario" */
	const char *generated; /* "2025-06-01 12:00 UTC" */
	const char *command;   /* the command line that made the page */
};

/*
 * Writes the page for the n runs, in the order given, to out. A run's
 * verdict is its document's ("pass", "fail", "error"); a run without a
 * document or with a problem counts as an error. Returns 0, or -1 with the
 * reason in err (out's write error).
 */
int tl_html_report_print(FILE *out, const struct tl_html_page *page, const struct tl_html_run *runs, size_t n,
			 char *err, size_t errlen);

/*
 * As tl_html_report_print, into the file at path: written beside it first
 * and renamed into place, so a reader never sees half a page. Returns 0, or
 * -1 with "PATH: reason" in err.
 */
int tl_html_report_write(const char *path, const struct tl_html_page *page, const struct tl_html_run *runs,
			 size_t n, char *err, size_t errlen);

/* Writes s to out as HTML text or attribute content: & < > " ' escaped,
 * control characters other than tab and newline replaced by U+FFFD. */
void tl_html_escape(FILE *out, const char *s);

#endif
