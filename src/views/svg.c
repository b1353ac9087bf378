/*
 * svg: draws the rows of a ladder (ladder.h) as SVG. Layout first, then
 * drawing: every row gets a y position from the time since the previous row
 * (to scale within a height budget, never closer than its text needs; a
 * break is a fixed band whose height grows with the log of the gap), and
 * the drawing passes read those positions, back to front: lifelines, state
 * bars, break bands, arrows and calls, time labels, legend.
 */
#include "views/svg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "views/ladder.h"
#include "core/textbuf.h"

#define WIDTH 1000
#define TIME_X 84.0	 /* right edge of the time labels */
#define CLIENT_X 320.0
#define SERVER_X 780.0
#define BAR_W 8.0	 /* state bars, centred on the lifelines */
#define HEAD_TOP 66.0	 /* the column header boxes */
#define HEAD_H 44.0
#define ROWS_TOP 150.0
#define SLANT 6.0	 /* an arrow drops this much from sender to receiver */
#define MIN_ROW_PX 16.0	 /* time labels never overlap */
#define SCALE_BUDGET_PX 180.0 /* the height all gaps drawn to scale share at most */
#define MAX_PX_PER_NS 0.0005  /* 0.5 px per microsecond at most */
#define NOTE_CHARS 66
#define NOTE_LINE_PX 14.0
#define CALL_CHARS 60
#define LEGEND_H 112.0

struct svg {
	FILE *out;
	const struct tl_scenario *sc;
	const struct tl_ladder *l;
	double *y;	    /* one per row */
	double lines_end;   /* where the lifelines stop */
	double height;
	double px_per_ns;
};

/* ---- text -------------------------------------------------------------- */

static size_t text_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Writes text (already valid UTF-8) as XML character data. */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* Writes at most max characters of s, ending in an ellipsis when it is
 * longer; returns true when it cut s. */
static bool put_clipped(FILE *out, const char *s, size_t max)
{
	char clean[512];
	tl_ladder_clean_text(clean, sizeof(clean), s);
	if (text_chars(clean) <= max) {
		put_escaped(out, clean);
		return false;
	}
	size_t k = 0, chars = 0;
	while (clean[k] && chars + 1 < max) {
		k++;
		while (((unsigned char)clean[k] & 0xc0) == 0x80)
			k++;
		chars++;
	}
	clean[k] = '\0';
	put_escaped(out, clean);
	fputs("\u2026", out);
	return true;
}

/* A text element; a clipped text keeps its whole self as a tooltip. */
static void text_el(const struct svg *s, double x, double y, const char *cls, const char *anchor, const char *fill,
		    const char *text, size_t max)
{
	fprintf(s->out, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\" text-anchor=\"%s\"", x, y, cls, anchor);
	if (fill)
		fprintf(s->out, " fill=\"%s\"", fill);
	fputs(">", s->out);
	if (put_clipped(s->out, text, max)) {
		char clean[512];
		tl_ladder_clean_text(clean, sizeof(clean), text);
		fputs("<title>", s->out);
		put_escaped(s->out, clean);
		fputs("</title>", s->out);
	}
	fputs("</text>\n", s->out);
}

/* Byte length of the next note line: at most NOTE_CHARS characters, cut at a space when possible. */
static size_t note_cut(const char *s)
{
	size_t k = 0, chars = 0, space = 0;
	while (s[k] && chars < NOTE_CHARS) {
		if (s[k] == ' ')
			space = k;
		k++;
		while (((unsigned char)s[k] & 0xc0) == 0x80)
			k++;
		chars++;
	}
	return (!s[k] || !space) ? k : space;
}

static int note_lines(const char *s)
{
	int n = 0;
	do {
		s += note_cut(s);
		while (*s == ' ')
			s++;
		n++;
	} while (*s);
	return n;
}

/* ---- colours ----------------------------------------------------------- */

struct state_colour {
	const char *bar;  /* NULL: no bar, the socket does not exist or is closed */
	const char *text;
};

static struct state_colour state_colour(enum tl_state st)
{
	switch (st) {
	case TL_LISTEN: return (struct state_colour){ "#a475f9", "#6639ba" };
	case TL_SYN_SENT:
	case TL_SYN_RECV:
	case TL_NEW_SYN_RECV: return (struct state_colour){ "#d4a72c", "#7d4e00" };
	case TL_ESTABLISHED: return (struct state_colour){ "#2da44e", "#116329" };
	case TL_FIN_WAIT1:
	case TL_FIN_WAIT2:
	case TL_CLOSING: return (struct state_colour){ "#fb8f44", "#953800" };
	case TL_CLOSE_WAIT:
	case TL_LAST_ACK: return (struct state_colour){ "#e85aad", "#99286e" };
	case TL_TIME_WAIT: return (struct state_colour){ "#8c959f", "#424a53" };
	case TL_STATE_NONE:
	case TL_CLOSE:
	case TL_BOUND_INACTIVE:
	case TL_STATE_COUNT: break;
	}
	return (struct state_colour){ NULL, "#6e7781" };
}

#define BLUE "#0969da"
#define ORANGE "#bc4c00"
#define RED "#cf222e"
#define GREY "#6e7781"
#define INK "#1f2328"

static const char *arrow_colour(const struct tl_ladder_row *r)
{
	return r->reset ? RED : r->retrans_no ? ORANGE : BLUE;
}

/* ---- layout ------------------------------------------------------------ */

static double above(const struct tl_ladder_row *r)
{
	switch (r->kind) {
	case TL_LROW_PACKET: return 22;
	case TL_LROW_STATE: return 9;
	case TL_LROW_CALL: return 10;
	case TL_LROW_NOTE: return 13;
	}
	return 10;
}

static double below(const struct tl_ladder_row *r)
{
	switch (r->kind) {
	case TL_LROW_PACKET: return r->role[0] || r->dropped ? SLANT + 19 : SLANT + 8;
	case TL_LROW_STATE: return 7;
	case TL_LROW_CALL: return 8;
	case TL_LROW_NOTE: return NOTE_LINE_PX * note_lines(r->text) - 2;
	}
	return 8;
}

/* A break's band: taller for longer gaps, so 1, 2, 4, 8 s of backoff still read as growing. */
static double break_px(uint64_t gap_ns)
{
	double h = 34 + 8 * log2((double)gap_ns / TL_LADDER_BREAK_MIN_NS);
	return h < 34 ? 34 : h > 90 ? 90 : h;
}

/* The band of the break before row i: its top and height. */
static void break_band(const struct svg *s, size_t i, double *top, double *h)
{
	*h = break_px(s->l->rows[i].gap_ns);
	*top = i ? s->y[i - 1] + below(&s->l->rows[i - 1]) + 4 : ROWS_TOP;
}

static void layout(struct svg *s)
{
	const struct tl_ladder *l = s->l;
	s->px_per_ns = l->scaled_ns ? SCALE_BUDGET_PX / l->scaled_ns : 0;
	if (s->px_per_ns > MAX_PX_PER_NS)
		s->px_per_ns = MAX_PX_PER_NS;
	double y = ROWS_TOP;
	for (size_t i = 0; i < l->n; i++) {
		const struct tl_ladder_row *r = &l->rows[i];
		if (r->break_before) {
			double top, h;
			s->y[i] = y; /* break_band reads the previous row only */
			break_band(s, i, &top, &h);
			y = top + h + 4 + above(r);
		} else if (i == 0) {
			y = ROWS_TOP + above(r);
		} else {
			double need = below(&l->rows[i - 1]) + above(r), scaled = tl_ladder_scaled_gap_ns(l, i) * s->px_per_ns;
			need = need < MIN_ROW_PX ? MIN_ROW_PX : need;
			y += scaled > need ? scaled : need;
		}
		s->y[i] = y;
	}
	s->lines_end = (l->n ? y + below(&l->rows[l->n - 1]) : ROWS_TOP) + 24;
	s->height = s->lines_end + 28 + LEGEND_H + 16;
}

/* The y of a time between rows (for the start of a blocking call). */
static double y_at(const struct svg *s, uint64_t t_ns)
{
	const struct tl_ladder *l = s->l;
	for (size_t i = 0; i < l->n; i++) {
		if (l->rows[i].t_ns < t_ns)
			continue;
		if (i == 0)
			return s->y[0];
		uint64_t t0 = l->rows[i - 1].t_ns, t1 = l->rows[i].t_ns;
		double f = t1 > t0 ? (double)(t_ns - t0) / (t1 - t0) : 1;
		return s->y[i - 1] + f * (s->y[i] - s->y[i - 1]);
	}
	return l->n ? s->y[l->n - 1] : ROWS_TOP;
}

static double side_x(enum tl_side side)
{
	return side == TL_SIDE_SERVER ? SERVER_X : CLIENT_X;
}

/* ---- document, header, lifelines, states ------------------------------- */

static void emit_style(const struct svg *s)
{
	fputs("<style>\n"
	      ".tl-sans{font-family:'DejaVu Sans',Verdana,'Helvetica Neue',Arial,sans-serif}\n"
	      ".tl-mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono',monospace}\n"
	      ".tl-title{font-size:18px;font-weight:bold;fill:" INK "}\n"
	      ".tl-sub{font-size:12.5px;fill:" GREY "}\n"
	      ".tl-col{font-size:15px;font-weight:bold;fill:" INK "}\n"
	      ".tl-ep{font-size:12px;fill:#424a53}\n"
	      ".tl-time{font-size:11px;fill:" GREY "}\n"
	      ".tl-state{font-size:12px;font-weight:bold}\n"
	      ".tl-pk{font-size:12px;font-weight:bold;paint-order:stroke;stroke:#fff;stroke-width:4px;"
	      "stroke-linejoin:round}\n"
	      ".tl-role{font-size:11px;font-style:italic;fill:#57606a;paint-order:stroke;stroke:#fff;"
	      "stroke-width:4px;stroke-linejoin:round}\n"
	      ".tl-drop{font-size:11px;font-weight:bold;fill:" RED "}\n"
	      ".tl-call{font-size:11.5px;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}\n"
	      ".tl-note{font-size:11.5px;fill:#3d444d}\n"
	      ".tl-gap{font-size:12px;font-weight:bold;fill:#424a53}\n"
	      ".tl-legend{font-size:11.5px;fill:#3d444d}\n"
	      "</style>\n",
	      s->out);
}

static void emit_title(const struct svg *s)
{
	char title[256];
	snprintf(title, sizeof(title), "%s \u00b7 %s", s->sc->id, s->sc->title);
	text_el(s, 24, 32, "tl-sans tl-title", "start", NULL, title, 100);
	if (s->sc->section[0]) {
		snprintf(title, sizeof(title), "walkthrough: %s", s->sc->section);
		text_el(s, 24, 51, "tl-sans tl-sub", "start", NULL, title, 140);
	}
	text_el(s, TIME_X, ROWS_TOP - 14, "tl-sans tl-time", "end", NULL, "time (s)", 20);
}

static void emit_column_head(const struct svg *s, double x, const char *name, const char *endpoint)
{
	fprintf(s->out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"200\" height=\"%.1f\" rx=\"7\" fill=\"#f6f8fa\" "
		"stroke=\"#d0d7de\"/>\n",
		x - 100, HEAD_TOP, HEAD_H);
	text_el(s, x, HEAD_TOP + 19, "tl-sans tl-col", "middle", NULL, name, 20);
	text_el(s, x, HEAD_TOP + 36, "tl-mono tl-ep", "middle", NULL, endpoint[0] ? endpoint : "\u2014", 28);
}

static void emit_lifelines(const struct svg *s)
{
	for (int k = 0; k < 2; k++) {
		double x = k ? SERVER_X : CLIENT_X;
		fprintf(s->out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#8c959f\" stroke-width=\"1.5\"/>\n"
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#8c959f\" stroke-width=\"1.5\"/>\n",
			x, HEAD_TOP + HEAD_H, x, s->lines_end, x - 8, s->lines_end, x + 8, s->lines_end);
	}
}

static void emit_state_label(const struct svg *s, enum tl_side side, double y, enum tl_state st)
{
	bool client = side == TL_SIDE_CLIENT;
	text_el(s, client ? CLIENT_X - 12 : SERVER_X + 12, y + 4, "tl-sans tl-state", client ? "end" : "start",
		state_colour(st).text, tl_ladder_state_name(st), 20);
}

static void emit_span(const struct svg *s, enum tl_side side, double y0, double y1, enum tl_state st)
{
	const char *bar = state_colour(st).bar;
	if (!bar || y1 <= y0)
		return;
	fprintf(s->out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\" fill=\"%s\" fill-opacity=\"0.9\"/>\n",
		side_x(side) - BAR_W / 2, y0, BAR_W, y1 - y0, bar);
}

/* One side's states: a bar for the span each was held, its name where it began. */
static void emit_states(const struct svg *s, enum tl_side side)
{
	const struct tl_ladder *l = s->l;
	enum tl_state st = side == TL_SIDE_CLIENT ? l->client_initial : l->server_initial;
	double start = HEAD_TOP + HEAD_H;
	emit_state_label(s, side, start + 12, st);
	for (size_t i = 0; i < l->n; i++) {
		const struct tl_ladder_row *r = &l->rows[i];
		if (r->kind != TL_LROW_STATE || r->side != side)
			continue;
		emit_span(s, side, start, s->y[i], st);
		emit_state_label(s, side, s->y[i], r->state);
		st = r->state;
		start = s->y[i];
	}
	emit_span(s, side, start, s->lines_end, st);
}

/* ---- breaks ------------------------------------------------------------ */

static void emit_zigzag(const struct svg *s, double x, double y)
{
	fprintf(s->out,
		"<path d=\"M%.1f %.1f l12 -6 M%.1f %.1f l12 -6\" stroke=\"#57606a\" stroke-width=\"1.6\" fill=\"none\"/>\n",
		x - 6, y, x - 6, y + 6);
}

static void emit_break(const struct svg *s, size_t i)
{
	double top, h;
	char label[48];
	break_band(s, i, &top, &h);
	fprintf(s->out,
		"<rect x=\"16\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#f6f8fa\" fill-opacity=\"0.88\"/>\n"
		"<path d=\"M16 %.1f H%d M16 %.1f H%d\" stroke=\"#afb8c1\" stroke-dasharray=\"5 4\"/>\n",
		top, WIDTH - 32, h, top, WIDTH - 16, top + h, WIDTH - 16);
	emit_zigzag(s, CLIENT_X, top + h / 2);
	emit_zigzag(s, SERVER_X, top + h / 2);
	tl_ladder_format_gap(s->l->rows[i].gap_ns, false, label, sizeof(label));
	double w = 7.4 * text_chars(label) + 22, mid = (CLIENT_X + SERVER_X) / 2;
	fprintf(s->out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"20\" rx=\"10\" fill=\"#fff\" stroke=\"#afb8c1\"/>\n",
		mid - w / 2, top + h / 2 - 10, w);
	text_el(s, mid, top + h / 2 + 4, "tl-sans tl-gap", "middle", NULL, label, 30);
}

/* ---- rows -------------------------------------------------------------- */

static void emit_head(const struct svg *s, double x1, double y1, double x2, double y2, const char *colour)
{
	double dx = x2 - x1, dy = y2 - y1, len = sqrt(dx * dx + dy * dy);
	double ux = dx / len, uy = dy / len, bx = x2 - 11 * ux, by = y2 - 11 * uy;
	fprintf(s->out, "<path d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" fill=\"%s\"/>\n", x2, y2, bx - 4.5 * uy,
		by + 4.5 * ux, bx + 4.5 * uy, by - 4.5 * ux, colour);
}

static void emit_shaft(const struct svg *s, double x1, double y1, double x2, double y2, const struct tl_ladder_row *r)
{
	fprintf(s->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.8\"%s/>\n",
		x1, y1, x2, y2, arrow_colour(r), r->retrans_no ? " stroke-dasharray=\"7 4\"" : "");
}

static void emit_cross(const struct svg *s, double x, double y)
{
	fprintf(s->out,
		"<path d=\"M%.1f %.1f l12 12 M%.1f %.1f l-12 12\" stroke=\"" RED "\" stroke-width=\"3\" "
		"stroke-linecap=\"round\"/>\n",
		x - 6, y - 6, x + 6, y - 6);
}

/* "dropped by rule1" beside the cross, on the side the packet never reached. */
static void emit_drop_words(const struct svg *s, const struct tl_ladder_row *r, double x, double y, double dir)
{
	char words[96];
	snprintf(words, sizeof(words), "dropped%s%s", r->drop_rule[0] ? " by " : "", r->drop_rule);
	text_el(s, x + dir * 14, y + 4, "tl-sans tl-drop", dir > 0 ? "start" : "end", NULL, words, 34);
}

static void emit_packet(const struct svg *s, size_t i)
{
	const struct tl_ladder_row *r = &s->l->rows[i];
	double dir = r->side == TL_SIDE_SERVER ? -1 : 1, y = s->y[i];
	double x1 = side_x(r->side) + dir * (BAR_W / 2 + 1);
	double x2 = side_x(r->side == TL_SIDE_SERVER ? TL_SIDE_CLIENT : TL_SIDE_SERVER) - dir * (BAR_W / 2 + 1);
	double xe = r->dropped ? (x1 + x2) / 2 : x2, ye = y + SLANT * (xe - x1) / (x2 - x1);
	if (r->dropped) {
		emit_shaft(s, x1, y, xe - dir * 6, ye, r);
		emit_cross(s, xe, ye);
		emit_drop_words(s, r, xe, ye, dir);
	} else {
		emit_shaft(s, x1, y, xe - dir * 8, ye - SLANT * 8 / (x2 - x1) * dir, r);
		emit_head(s, x1, y, xe, ye, arrow_colour(r));
	}
	double mx = (x1 + xe) / 2, my = (y + ye) / 2;
	text_el(s, mx, my - 7, "tl-mono tl-pk", "middle", arrow_colour(r), r->label, 60);
	if (r->role[0])
		text_el(s, mx, my + 16, "tl-sans tl-role", "middle", NULL, r->role, r->dropped ? 34 : 70);
}

static void emit_call(const struct svg *s, size_t i)
{
	const struct tl_ladder_row *r = &s->l->rows[i];
	double dir = r->side == TL_SIDE_SERVER ? -1 : 1, x = side_x(r->side), y = s->y[i];
	double y0 = y_at(s, r->called_ns);
	if (y - y0 > 12) /* the call blocked: a dotted bracket from where it was made */
		fprintf(s->out,
			"<path d=\"M%.1f %.1f h%.1f V%.1f\" stroke=\"#8c959f\" stroke-width=\"1.3\" "
			"stroke-dasharray=\"2 3\" fill=\"none\"/>\n",
			x, y0, dir * 10, y - 5);
	fprintf(s->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#fff\" stroke=\"%s\" stroke-width=\"2\"/>\n",
		x, y, r->failed ? RED : INK);
	text_el(s, x + dir * 12, y + 4, "tl-mono tl-call", dir > 0 ? "start" : "end", r->failed ? RED : INK, r->text,
		CALL_CHARS);
}

static void emit_note(const struct svg *s, size_t i)
{
	const struct tl_ladder_row *r = &s->l->rows[i];
	bool snapshot = !strncmp(r->text, "snapshot", 8);
	int lines = note_lines(r->text);
	double mid = (CLIENT_X + SERVER_X) / 2, w = SERVER_X - CLIENT_X - 60, y = s->y[i];
	fprintf(s->out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"5\" fill=\"%s\" stroke=\"%s\" "
		"stroke-width=\"0.8\"/>\n",
		mid - w / 2, y - 11, w, NOTE_LINE_PX * lines + 4, snapshot ? "#ddf4ff" : "#fff8c5",
		snapshot ? "#54aeff" : "#d4a72c");
	const char *p = r->text;
	for (int k = 0; k < lines; k++) {
		char piece[sizeof(r->text)];
		size_t cut = note_cut(p);
		snprintf(piece, sizeof(piece), "%.*s", (int)cut, p);
		text_el(s, mid, y + 3 + k * NOTE_LINE_PX, "tl-sans tl-note", "middle", NULL, piece, NOTE_CHARS);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void emit_rows(const struct svg *s)
{
	for (size_t i = 0; i < s->l->n; i++) {
		char t[32];
		switch (s->l->rows[i].kind) {
		case TL_LROW_PACKET: emit_packet(s, i); break;
		case TL_LROW_CALL: emit_call(s, i); break;
		case TL_LROW_NOTE: emit_note(s, i); break;
		case TL_LROW_STATE: break; /* drawn with its side's bars */
		}
		snprintf(t, sizeof(t), "%.6f", s->l->rows[i].t_ns / 1e9);
		text_el(s, TIME_X, s->y[i] + 4, "tl-mono tl-time", "end", NULL, t, 16);
	}
}

/* ---- legend ------------------------------------------------------------ */

static void legend_arrow(const struct svg *s, double x, double y, const char *colour, bool dashed, bool dropped)
{
	double end = dropped ? x + 26 : x + 44;
	fprintf(s->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.8\"%s/>\n",
		x, y, end - 7, y, colour, dashed ? " stroke-dasharray=\"7 4\"" : "");
	if (dropped)
		emit_cross(s, end, y);
	else
		emit_head(s, x, y, end, y, colour);
}

static void legend_item(const struct svg *s, double x, double y, const char *text)
{
	text_el(s, x + 58, y + 4, "tl-sans tl-legend", "start", NULL, text, 70);
}

static void emit_legend(const struct svg *s)
{
	double top = s->lines_end + 28, x1 = 40, x2 = WIDTH / 2 + 10, y = top + 30;
	fprintf(s->out,
		"<rect x=\"24\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" rx=\"7\" fill=\"#fff\" stroke=\"#d0d7de\"/>\n",
		top, WIDTH - 48, LEGEND_H);
	text_el(s, 40, top + 16, "tl-sans tl-legend", "start", GREY, "legend", 10);
	legend_arrow(s, x1, y, BLUE, false, false);
	legend_item(s, x1, y, "packet: flags, relative seq/ack, length; its role below");
	legend_arrow(s, x1, y + 20, ORANGE, true, false);
	legend_item(s, x1, y + 20, "retransmission #n of an earlier segment");
	legend_arrow(s, x1, y + 40, RED, false, false);
	legend_item(s, x1, y + 40, "reset (RST)");
	legend_arrow(s, x1, y + 60, BLUE, false, true);
	legend_item(s, x1, y + 60, "dropped by a fault rule: never arrived");
	fprintf(s->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" rx=\"2\" fill=\"#2da44e\"/>\n",
		x2 + 18, y - 8, BAR_W);
	legend_item(s, x2, y, "state the side held, named where it began");
	fprintf(s->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#fff\" stroke=\"" INK "\" stroke-width=\"2\"/>\n",
		x2 + 22, y + 20);
	legend_item(s, x2, y + 20, "application call returned (dotted: it blocked)");
	fprintf(s->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"44\" height=\"14\" fill=\"#f6f8fa\" stroke=\"#afb8c1\" "
			"stroke-dasharray=\"5 4\"/>\n",
		x2, y + 33);
	legend_item(s, x2, y + 40, "\u2248 idle time cut out, not to scale");
	text_el(s, x2 + 44, y + 64, "tl-mono tl-time", "end", NULL, "0.001234", 12);
	legend_item(s, x2, y + 60, "seconds since the run began");
}

/* ---- the document ------------------------------------------------------ */

static void emit_document(struct svg *s)
{
	FILE *out = s->out;
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
		"role=\"img\">\n<title>",
		WIDTH, s->height, WIDTH, s->height);
	put_clipped(out, s->sc->id, 32);
	fputs(" ladder diagram: client on the left, server on the right, time flowing down</title>\n", out);
	emit_style(s);
	fprintf(out, "<rect width=\"%d\" height=\"%.0f\" fill=\"#fff\"/>\n", WIDTH, s->height);
	emit_title(s);
	emit_column_head(s, CLIENT_X, "client", s->l->client);
	emit_column_head(s, SERVER_X, "server", s->l->server);
	emit_lifelines(s);
	emit_states(s, TL_SIDE_CLIENT);
	emit_states(s, TL_SIDE_SERVER);
	for (size_t i = 0; i < s->l->n; i++)
		if (s->l->rows[i].break_before)
			emit_break(s, i);
	emit_rows(s);
	emit_legend(s);
	fputs("</svg>\n", out);
}

int tl_svg_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *tl, char *err,
		 size_t errlen)
{
	struct tl_ladder l;
	if (tl_ladder_build(sc, tl, &l) < 0)
		return tl_errorf(err, errlen, "%s", errno == EINVAL ? "packets without their connection's numbers "
						 "(the timeline was not annotated)" : "out of memory");
	struct svg s = { .out = out, .sc = sc, .l = &l, .y = calloc(l.n ? l.n : 1, sizeof(double)) };
	if (!s.y) {
		tl_ladder_free(&l);
		return tl_errorf(err, errlen, "out of memory");
	}
	layout(&s);
	emit_document(&s);
	free(s.y);
	tl_ladder_free(&l);
	if (fflush(out) == EOF || ferror(out))
		return tl_errorf(err, errlen, "write: %s", strerror(errno ? errno : EIO));
	return 0;
}

int tl_svg_write(const char *path, const struct tl_scenario *sc, const struct tl_timeline *tl, char *err,
		 size_t errlen)
{
	char why[256];
	FILE *f = fopen(path, "w");
	if (!f)
		return tl_errorf(err, errlen, "%s: %s", path, strerror(errno));
	int rc = tl_svg_print(f, sc, tl, why, sizeof(why));
	if (fclose(f) == EOF && rc == 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		rc = -1;
	}
	return rc < 0 ? tl_errorf(err, errlen, "%s: %s", path, why) : 0;
}

char *tl_svg_string(const struct tl_scenario *sc, const struct tl_timeline *tl, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		tl_errorf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = tl_svg_print(f, sc, tl, err, errlen);
	if (fclose(f) == EOF && rc == 0)
		rc = tl_errorf(err, errlen, "out of memory");
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
