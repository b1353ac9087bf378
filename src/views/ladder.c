/*
 * ladder: builds the rows of a ladder diagram from a timeline and prints
 * them as text. Sequence numbers on the arrows are relative to each
 * direction's SYN (or, without one, to its first segment), as roles.h
 * recorded them on each packet, not parsed back from tcpdump's text, which
 * prints the handshake's numbers absolute. The text canvas is one line of
 * cells at a time, a cell holding one UTF-8 character, so Unicode and ASCII
 * drawings share every position computation.
 */
#include "views/ladder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/drops.h"
#include "analysis/sockstate.h"
#include "core/hindex.h"
#include "core/invariant.h"

#define DROP_MATCH_NS 100000000ull /* a drop report and its captured packet: 100 ms apart at most */

/* ---- text that is always valid UTF-8 ---------------------------------- */

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when s starts an invalid one. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		: (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 2 && s[0] < 0xc2)
		return 0; /* overlong */
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void tl_ladder_clean_text(char *dst, size_t len, const char *src)
{
	size_t k = 0;
	const unsigned char *s = (const unsigned char *)src;
	while (*s) {
		int n = utf8_len(s);
		bool bad = n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7f));
		size_t need = bad ? 1 : (size_t)n;
		if (k + need >= len)
			break;
		if (bad)
			dst[k] = '?';
		else
			memcpy(dst + k, s, need);
		k += need;
		s += bad ? 1 : need;
	}
	if (len)
		dst[k] = '\0';
}

/* ---- labels ------------------------------------------------------------ */

/*
 * "S. seq 0 ack 1 len 0" from the numbers roles.h recorded on the segment.
 * A drop report knows neither the ack number nor the length.
 */
static void segment_label(uint8_t flags, const struct tl_conn_ref *ref, uint32_t len, bool reported_drop,
			  char *out, size_t outlen)
{
	char letters[12];
	tl_flags_letters(flags, letters);
	int n = snprintf(out, outlen, "%s seq %u", letters, ref->rel_seq);
	if ((flags & TL_TH_ACK) && !reported_drop && n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - n, " ack %u", ref->rel_ack);
	if (!reported_drop && n >= 0 && (size_t)n < outlen)
		snprintf(out + n, outlen - n, " len %u", len);
}

/* ---- building the rows ------------------------------------------------- */

struct drop_mark {
	bool dropped;	  /* a packet that a drop event names */
	const char *rule; /* the first rule name a drop event gave it */
	bool absorbed;	  /* a drop event drawn as its packet */
};

struct build {
	const struct tl_scenario *sc;
	const struct tl_timeline *tl;
	struct tl_ladder *l;
	size_t cap;
	struct drop_mark *marks; /* one per event */
	bool seen_state[3];	 /* per side: a state change was drawn */
	enum tl_state current[3];
};

static bool same_segment(const struct tl_drop *d, const struct tl_packet *p)
{
	return tl_tuple_equal(&d->tuple, &p->tuple) && d->seq == p->seq &&
	       d->flags == p->flags;
}

static uint64_t distance_ns(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* The packet nearest in time to drop event i that it names, or -1; of equally near ones the first. */
static long drop_target(const struct tl_timeline *tl, const struct tl_hindex *packets, size_t i)
{
	const struct tl_event *d = &tl->ev[i];
	long best = -1;
	uint64_t key = tl_drop_key(&d->u.drop.tuple, d->u.drop.seq, d->u.drop.flags);
	for (size_t it = tl_hindex_first(packets, key); it != TL_HINDEX_NONE; it = tl_hindex_next(packets, it)) {
		size_t j = packets->val[it];
		const struct tl_event *p = &tl->ev[j];
		if (distance_ns(p->t_ns, d->t_ns) > DROP_MATCH_NS || !same_segment(&d->u.drop, &p->u.packet))
			continue;
		if (best < 0 || distance_ns(p->t_ns, d->t_ns) < distance_ns(tl->ev[best].t_ns, d->t_ns))
			best = (long)j;
	}
	return best;
}

/*
 * Drop reports the analysis left on the timeline name packets it did not
 * match; a capture that lost many packets leaves many, so their candidates
 * come from an index, not a scan each. Returns 0, or -1 (ENOMEM).
 */
static int match_drops(const struct tl_timeline *tl, struct drop_mark *marks)
{
	struct tl_hindex packets;
	tl_hindex_init(&packets);
	if (tl_drops_index_packets(tl, &packets) < 0) {
		tl_hindex_free(&packets);
		return -1;
	}
	for (size_t i = 0; i < tl->n; i++) {
		if (tl->ev[i].kind != TL_EV_DROP)
			continue;
		long j = drop_target(tl, &packets, i);
		if (j < 0)
			continue;
		marks[j].dropped = true;
		if (!marks[j].rule && tl->ev[i].u.drop.rule[0])
			marks[j].rule = tl->ev[i].u.drop.rule;
		marks[i].absorbed = true;
	}
	tl_hindex_free(&packets);
	return 0;
}

static int push_row(struct build *b, const struct tl_ladder_row *r)
{
	struct tl_ladder *l = b->l;
	if (l->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct tl_ladder_row *grown = realloc(l->rows, cap * sizeof(*grown));
		if (!grown)
			return -1;
		l->rows = grown;
		b->cap = cap;
	}
	l->rows[l->n++] = *r;
	return 0;
}

static uint64_t rel_time(const struct tl_timeline *tl, uint64_t t_ns)
{
	return t_ns > tl->t0_ns ? t_ns - tl->t0_ns : 0;
}

static void learn_endpoints(struct tl_ladder *l, enum tl_side side, const struct tl_tuple *tp)
{
	if (l->client[0] || side == TL_SIDE_NONE)
		return;
	bool client_sends = side == TL_SIDE_CLIENT;
	tl_endpoint_format(client_sends ? &tp->saddr : &tp->daddr, client_sends ? tp->sport : tp->dport,
			   l->client, sizeof(l->client));
	tl_endpoint_format(client_sends ? &tp->daddr : &tp->saddr, client_sends ? tp->dport : tp->sport,
			   l->server, sizeof(l->server));
}

/* "handshake 1/3", "retransmission #2 of teardown 1" ("retrans #2 of ..." when brief), "" for no role. */
static void role_text(enum tl_role role, unsigned retrans_no, bool brief, char *out, size_t len)
{
	const char *words = tl_role_words(role);
	if (retrans_no)
		snprintf(out, len, "%s #%u of %s", brief ? "retrans" : "retransmission", retrans_no, words);
	else
		snprintf(out, len, "%s", words);
}

static int add_packet(struct build *b, size_t i)
{
	const struct tl_event *ev = &b->tl->ev[i];
	const struct tl_packet *p = &ev->u.packet;
	struct tl_ladder_row r = { .kind = TL_LROW_PACKET, .t_ns = rel_time(b->tl, ev->t_ns), .flags = p->flags };
	r.side = ev->side;
	if (!p->ref.conn) {
		errno = EINVAL; /* a timeline that did not go through tl_roles_annotate */
		return -1;
	}
	segment_label(p->flags, &p->ref, p->payload_len, false, r.label, sizeof(r.label));
	role_text(p->role, p->retrans_no, false, r.role, sizeof(r.role));
	role_text(p->role, p->retrans_no, true, r.role_short, sizeof(r.role_short));
	r.retrans_no = p->retrans_no;
	r.reset = p->flags & TL_TH_RST;
	r.dropped = p->dropped || b->marks[i].dropped;
	tl_ladder_clean_text(r.drop_rule, sizeof(r.drop_rule), p->drop_rule[0] ? p->drop_rule
						     : b->marks[i].rule ? b->marks[i].rule : "");
	learn_endpoints(b->l, r.side, &p->tuple);
	return push_row(b, &r);
}

/* A drop report that no captured packet matches: an arrow of its own. */
static int add_lone_drop(struct build *b, size_t i)
{
	const struct tl_event *ev = &b->tl->ev[i];
	const struct tl_drop *d = &ev->u.drop;
	struct tl_ladder_row r = { .kind = TL_LROW_PACKET, .t_ns = rel_time(b->tl, ev->t_ns), .flags = d->flags };
	r.side = ev->side;
	if (d->ref.seq_base == TL_BASE_NONE) {
		errno = EINVAL; /* a timeline that did not go through tl_roles_annotate */
		return -1;
	}
	segment_label(d->flags, &d->ref, 0, true, r.label, sizeof(r.label));
	r.reset = d->flags & TL_TH_RST;
	r.dropped = true;
	tl_ladder_clean_text(r.drop_rule, sizeof(r.drop_rule), d->rule);
	return push_row(b, &r);
}

static int add_state(struct build *b, const struct tl_event *ev)
{
	const struct tl_state_change *s = &ev->u.state;
	if (ev->side != TL_SIDE_CLIENT && ev->side != TL_SIDE_SERVER)
		return 0;
	if (b->seen_state[ev->side] && b->current[ev->side] == s->to)
		return 0; /* another socket of the side, no visible change */
	if (!b->seen_state[ev->side]) {
		b->seen_state[ev->side] = true;
		if (ev->side == TL_SIDE_CLIENT)
			b->l->client_initial = s->from;
		else
			b->l->server_initial = s->from;
	}
	b->current[ev->side] = s->to;
	struct tl_ladder_row r = { .kind = TL_LROW_STATE, .side = ev->side, .t_ns = rel_time(b->tl, ev->t_ns),
				   .from = s->from, .state = s->to };
	return push_row(b, &r);
}

static int add_call(struct build *b, const struct tl_event *ev)
{
	char text[512];
	struct tl_ladder_row r = { .kind = TL_LROW_CALL, .side = ev->side, .t_ns = rel_time(b->tl, ev->t_ns) };
	tl_app_call_format(&ev->u.app, text, sizeof(text));
	tl_ladder_clean_text(r.text, sizeof(r.text), text);
	r.failed = ev->u.app.ret < 0;
	r.called_ns = ev->u.app.called_ns ? rel_time(b->tl, ev->u.app.called_ns) : r.t_ns;
	if (r.called_ns > r.t_ns)
		r.called_ns = r.t_ns;
	return push_row(b, &r);
}

/* "snapshot LABEL: server LISTEN, client TIME_WAIT" */
static void snapshot_text(const struct tl_snapshot *s, char *out, size_t len)
{
	snprintf(out, len, "snapshot%s%s:", s->label[0] ? " " : "", s->label);
	for (size_t k = 0; k < s->n; k++) {
		enum tl_side side = s->rows[k].side;
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s %s %s", k ? "," : "", tl_side_name(side),
			 tl_state_name(s->rows[k].state));
	}
	if (!s->n) {
		size_t used = strlen(out);
		snprintf(out + used, len - used, " no sockets");
	}
}

/*
 * Copies the list "head: a, b, c" into dst; when it does not fit, as many
 * items as do, then how many were left out: "head: a, b, and 1 more".
 */
static void fit_list(char *dst, size_t len, const char *list)
{
	if (strlen(list) < len) {
		tl_ladder_clean_text(dst, len, list);
		return;
	}
	size_t left_out = 1;
	for (const char *cut = strrchr(list, ','); cut; left_out++) {
		char tail[32];
		int n = snprintf(tail, sizeof(tail), ", and %zu more", left_out);
		if ((size_t)(cut - list) + (size_t)n < len) {
			char *kept = strndup(list, (size_t)(cut - list));
			if (kept) {
				tl_ladder_clean_text(dst, len, kept);
				snprintf(dst + strlen(dst), len - strlen(dst), "%s", tail);
				free(kept);
				return;
			}
			break;
		}
		while (--cut > list && *cut != ',')
			;
		if (cut == list)
			break;
	}
	tl_ladder_clean_text(dst, len, list); /* no item fits after the head: cut as any text */
}

/* Room for one socket in a snapshot's summary (", server ESTABLISHED") and for its head. */
#define SNAPSHOT_ITEM_MAX 40
#define SNAPSHOT_HEAD_MAX (sizeof(((struct tl_snapshot *)0)->label) + 32)

static int add_note(struct build *b, const struct tl_event *ev)
{
	struct tl_ladder_row r = { .kind = TL_LROW_NOTE, .side = TL_SIDE_NONE, .t_ns = rel_time(b->tl, ev->t_ns) };
	if (ev->kind != TL_EV_SNAPSHOT) {
		tl_ladder_clean_text(r.text, sizeof(r.text), ev->u.note);
		return push_row(b, &r);
	}
	size_t len = SNAPSHOT_HEAD_MAX + ev->u.snapshot.n * SNAPSHOT_ITEM_MAX;
	char *text = malloc(len);
	if (!text)
		return -1;
	snapshot_text(&ev->u.snapshot, text, len);
	TL_ASSERT(strlen(text) + 1 < len); /* the whole list was written */
	fit_list(r.text, sizeof(r.text), text);
	free(text);
	return push_row(b, &r);
}

static int add_event(struct build *b, size_t i)
{
	const struct tl_event *ev = &b->tl->ev[i];
	switch (ev->kind) {
	case TL_EV_PACKET: return add_packet(b, i);
	case TL_EV_STATE: return add_state(b, ev);
	case TL_EV_APP: return add_call(b, ev);
	case TL_EV_SNAPSHOT:
	case TL_EV_NOTE: return add_note(b, ev);
	case TL_EV_DROP: return b->marks[i].absorbed ? 0 : add_lone_drop(b, i);
	case TL_EV_COUNTERS: /* the timeline's and the report's, not the ladder's */
	case TL_EV_CENSUS:
	case TL_EV_RETRANS: /* the packet's arrow says "retransmission #n" */
	case TL_EV_RESET:   /* the packet's arrow says "reset" */
		return 0;
	}
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The median gap between rows into *out (0 for fewer than two rows). Returns 0, or -1 when out of memory. */
static int median_gap(const struct tl_ladder *l, uint64_t *out)
{
	*out = 0;
	if (l->n < 2)
		return 0;
	uint64_t *gaps = malloc((l->n - 1) * sizeof(*gaps));
	if (!gaps)
		return -1;
	for (size_t i = 1; i < l->n; i++)
		gaps[i - 1] = l->rows[i].gap_ns;
	qsort(gaps, l->n - 1, sizeof(*gaps), compare_u64);
	*out = gaps[(l->n - 1) / 2];
	free(gaps);
	return 0;
}

static bool is_break(uint64_t gap_ns, uint64_t median_ns)
{
	if (gap_ns >= TL_LADDER_BREAK_ALWAYS_NS)
		return true;
	return gap_ns >= TL_LADDER_BREAK_MIN_NS && gap_ns > TL_LADDER_BREAK_MEDIANS * median_ns;
}

/* Returns 0, or -1 when out of memory. */
static int mark_gaps(struct tl_ladder *l)
{
	uint64_t prev = 0;
	for (size_t i = 0; i < l->n; i++) {
		l->rows[i].gap_ns = l->rows[i].t_ns - prev;
		prev = l->rows[i].t_ns;
	}
	if (median_gap(l, &l->median_gap_ns) < 0)
		return -1;
	l->scaled_ns = 0;
	for (size_t i = 0; i < l->n; i++) {
		l->rows[i].break_before = is_break(l->rows[i].gap_ns, l->median_gap_ns);
		l->scaled_ns += tl_ladder_scaled_gap_ns(l, i);
	}
	return 0;
}

int tl_ladder_build(const struct tl_scenario *sc, const struct tl_timeline *tl, struct tl_ladder *out)
{
	struct build b = { .sc = sc, .tl = tl, .l = out };
	memset(out, 0, sizeof(*out));
	b.marks = calloc(tl->n ? tl->n : 1, sizeof(*b.marks));
	if (!b.marks || match_drops(tl, b.marks) < 0) {
		free(b.marks);
		errno = ENOMEM;
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < tl->n && rc == 0; i++)
		rc = add_event(&b, i);
	free(b.marks);
	if (rc == 0 && !out->server[0]) /* no packet: the server is where the scenario listens */
		tl_host_port_format(sc->host, sc->port, out->server, sizeof(out->server));
	if (rc == 0 && mark_gaps(out) < 0) {
		errno = ENOMEM;
		rc = -1;
	}
	if (rc < 0) {
		int why = errno;
		tl_ladder_free(out);
		errno = why;
		return -1;
	}
	return 0;
}

void tl_ladder_free(struct tl_ladder *l)
{
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

uint64_t tl_ladder_scaled_gap_ns(const struct tl_ladder *l, size_t i)
{
	if (i == 0 || i >= l->n || l->rows[i].break_before)
		return 0;
	return l->rows[i].gap_ns;
}

const char *tl_ladder_state_name(enum tl_state st)
{
	return st == TL_STATE_NONE ? "no socket" : tl_state_name(st);
}

void tl_ladder_format_gap(uint64_t gap_ns, bool ascii, char *out, size_t len)
{
	const char *approx = ascii ? "~" : "\u2248";
	double s = gap_ns / 1e9;
	if (s >= 10)
		snprintf(out, len, "%s %.1f s", approx, s);
	else if (s >= 1)
		snprintf(out, len, "%s %.2f s", approx, s);
	else
		snprintf(out, len, "%s %.1f ms", approx, s * 1e3);
}

/* ---- the text canvas --------------------------------------------------- */

#define MIN_COLS 72
#define MAX_COLS 160 /* longer arrows only make the labels harder to follow */
#define TIME_COLS 10  /* "%10.6f" */
#define STATE_COLS 14 /* the longest state name, BOUND_INACTIVE */
#define STATE_COLS_NARROW 11 /* ESTABLISHED: below WIDE_COLS */
#define WIDE_COLS 96
#define SPACER_BUDGET 8 /* blank lines that the scaled time may add in all */
#define SPACER_MAX 3	/* ... and at most this many in one gap */

struct glyphs {
	const char *life, *send_right, *send_left, *shaft, *head_right, *head_left;
	const char *cross, *broken, *call, *top, *bottom, *ellipsis;
};

static const struct glyphs unicode_glyphs = {
	"\u2502", "\u251c", "\u2524", "\u2500", "\u25b6", "\u25c0",
	"\u2715", "\u2506", "\u25c6", "\u252c", "\u2534", "\u2026",
};

static const struct glyphs ascii_glyphs = {
	"|", "|", "|", "-", ">", "<", "x", ":", "*", "+", "+", "...",
};

/* Where things go: the client's lifeline at xc, the server's at xs. */
struct geom {
	int width;
	int state_cols;
	int xc, xs;
	const struct glyphs *g;
	bool ascii;
};

struct line {
	char cell[MAX_COLS][5];
	int width;
};

static void line_blank(struct line *ln, const struct geom *gm, const char *life)
{
	ln->width = gm->width;
	for (int i = 0; i < gm->width; i++)
		strcpy(ln->cell[i], " ");
	if (life) {
		strcpy(ln->cell[gm->xc], life);
		strcpy(ln->cell[gm->xs], life);
	}
}

static void line_put(struct line *ln, int col, const char *glyph)
{
	if (col >= 0 && col < ln->width)
		snprintf(ln->cell[col], sizeof(ln->cell[col]), "%s", glyph);
}

static int text_cols(const char *s)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
		int k = utf8_len(p);
		p += k ? k : 1;
	}
	return n;
}

/* Writes s from col on, at most max columns; a longer text ends in an ellipsis. Returns the columns used. */
static int line_text(struct line *ln, const struct geom *gm, int col, const char *s, int max)
{
	int total = text_cols(s), ell = gm->ascii ? 3 : 1, used = 0;
	if (max <= 0)
		return 0;
	int keep = total <= max ? total : (max > ell ? max - ell : max);
	const unsigned char *p = (const unsigned char *)s;
	for (; used < keep && *p; used++) {
		int k = utf8_len(p);
		char glyph[5] = "?";
		if (k) {
			memcpy(glyph, p, k);
			glyph[k] = '\0';
		}
		line_put(ln, col + used, glyph);
		p += k ? k : 1;
	}
	for (int e = 0; total > keep && e < ell && used < max; e++, used++)
		line_put(ln, col + used, gm->ascii ? "." : gm->g->ellipsis);
	return used;
}

static void line_text_right(struct line *ln, const struct geom *gm, int end_col, const char *s, int max)
{
	int n = text_cols(s);
	if (n > max)
		n = max;
	line_text(ln, gm, end_col - n + 1, s, max);
}

static int line_emit(FILE *out, const struct line *ln)
{
	int last = ln->width - 1;
	while (last >= 0 && !strcmp(ln->cell[last], " "))
		last--;
	for (int i = 0; i <= last; i++)
		fputs(ln->cell[i], out);
	return fputc('\n', out) == EOF ? -1 : 0;
}

static void line_time(struct line *ln, const struct geom *gm, uint64_t t_ns)
{
	char t[32];
	snprintf(t, sizeof(t), "%*.6f", TIME_COLS, t_ns / 1e9);
	line_text(ln, gm, 0, t, TIME_COLS);
}

static void line_fill(struct line *ln, int from, int to, const char *glyph)
{
	for (int i = from; i <= to; i++)
		line_put(ln, i, glyph);
}

/* ---- drawing rows ------------------------------------------------------ */

/* The role, or its brief form when the role is longer than room. */
static const char *fitting_role(const struct tl_ladder_row *r, int room)
{
	return text_cols(r->role) <= room ? r->role : r->role_short;
}

static int role_line_room(const struct geom *gm)
{
	return gm->xs - gm->xc - 3;
}

/* Text on a line of its own between the columns, above an arrow that had no room for it. */
static int emit_role_line(FILE *out, const struct geom *gm, const char *text)
{
	struct line ln;
	line_blank(&ln, gm, gm->g->life);
	int room = role_line_room(gm), n = text_cols(text);
	if (n > room)
		n = room;
	line_text(&ln, gm, gm->xc + 2 + (room - n) / 2, text, room);
	return line_emit(out, &ln);
}

/* A whole arrow: sender's tee, shaft, head at the receiver; label near the left end, role near the right. */
static int draw_arrow(FILE *out, const struct geom *gm, const struct tl_ladder_row *r)
{
	struct line ln;
	bool rightward = r->side != TL_SIDE_SERVER;
	int a = gm->xc + 1, z = gm->xs - 1, inner = z - a + 1;
	int room = inner - text_cols(r->label) - 11;
	const char *role = fitting_role(r, room);
	int role_cols = text_cols(role);
	bool role_inline = role_cols <= room;
	if (!role_inline && emit_role_line(out, gm, fitting_role(r, role_line_room(gm))) < 0)
		return -1;
	line_blank(&ln, gm, gm->g->life);
	line_time(&ln, gm, r->t_ns);
	line_fill(&ln, a, z, gm->g->shaft);
	line_put(&ln, rightward ? gm->xc : gm->xs, rightward ? gm->g->send_right : gm->g->send_left);
	line_put(&ln, rightward ? z : a, rightward ? gm->g->head_right : gm->g->head_left);
	line_put(&ln, a + 3, " ");
	int used = line_text(&ln, gm, a + 4, r->label, inner - 8);
	line_put(&ln, a + 4 + used, " ");
	if (role_inline && role_cols) {
		line_put(&ln, z - 3, " ");
		line_text_right(&ln, gm, z - 4, role, role_cols);
		line_put(&ln, z - 4 - role_cols, " ");
	}
	return line_emit(out, &ln);
}

/* "dropped by rule1 · handshake 1/3"; role may be NULL or empty. */
static void drop_words(const struct tl_ladder_row *r, const char *role, bool ascii, char *out, size_t len)
{
	bool with_role = role && role[0];
	snprintf(out, len, "dropped%s%s%s%s", r->drop_rule[0] ? " by " : "", r->drop_rule,
		 with_role ? (ascii ? ", " : " \u00b7 ") : "", with_role ? role : "");
}

/* Where the cross of a dropped arrow goes: halfway, or further when the label needs the room. */
static int cross_col(const struct geom *gm, bool rightward, int label_cols)
{
	int mid = (gm->xc + gm->xs) / 2;
	if (rightward) {
		int c = gm->xc + label_cols + 7;
		return c < mid ? mid : c > gm->xs - 4 ? gm->xs - 4 : c;
	}
	int c = gm->xs - label_cols - 7;
	return c > mid ? mid : c < gm->xc + 4 ? gm->xc + 4 : c;
}

/*
 * The words beside the cross, best first: "dropped by RULE · role";
 * "dropped by RULE" or "dropped" with the role on a line above; nothing,
 * with all of it above.
 */
static int dropped_words(FILE *out, const struct geom *gm, const struct tl_ladder_row *r, int room, char *words,
			 size_t len)
{
	char all[192];
	drop_words(r, fitting_role(r, room - (int)strlen("dropped by  \u00b7 ") - text_cols(r->drop_rule)),
		   gm->ascii, words, len);
	if (text_cols(words) <= room || !r->role[0])
		return 0;
	drop_words(r, NULL, gm->ascii, words, len);
	if (text_cols(words) > room)
		snprintf(words, len, "dropped");
	if (text_cols(words) <= room)
		return emit_role_line(out, gm, fitting_role(r, role_line_room(gm)));
	drop_words(r, fitting_role(r, role_line_room(gm)), gm->ascii, all, sizeof(all));
	words[0] = '\0';
	return emit_role_line(out, gm, all);
}

/* An arrow that stops about halfway under a cross: the label on the drawn
 * part, "dropped by RULE" and the role on the other. */
static int draw_dropped(FILE *out, const struct geom *gm, const struct tl_ladder_row *r)
{
	struct line ln;
	char words[192];
	bool rightward = r->side != TL_SIDE_SERVER;
	int c = cross_col(gm, rightward, text_cols(r->label));
	int a = rightward ? gm->xc + 1 : c + 1, z = rightward ? c - 1 : gm->xs - 1;
	int room = rightward ? gm->xs - c - 3 : c - gm->xc - 3;
	if (dropped_words(out, gm, r, room, words, sizeof(words)) < 0)
		return -1;
	line_blank(&ln, gm, gm->g->life);
	line_time(&ln, gm, r->t_ns);
	line_fill(&ln, a, z, gm->g->shaft);
	line_put(&ln, rightward ? gm->xc : gm->xs, rightward ? gm->g->send_right : gm->g->send_left);
	line_put(&ln, c, gm->g->cross);
	line_put(&ln, a + 3, " ");
	int used = line_text(&ln, gm, a + 4, r->label, z - a - 5);
	line_put(&ln, a + 4 + used, " ");
	if (rightward)
		line_text(&ln, gm, c + 2, words, room);
	else
		line_text_right(&ln, gm, c - 2, words, room);
	return line_emit(out, &ln);
}

static int draw_state(FILE *out, const struct geom *gm, const struct tl_ladder_row *r)
{
	struct line ln;
	line_blank(&ln, gm, gm->g->life);
	line_time(&ln, gm, r->t_ns);
	if (r->side == TL_SIDE_CLIENT)
		line_text_right(&ln, gm, gm->xc - 2, tl_ladder_state_name(r->state), gm->state_cols);
	else
		line_text(&ln, gm, gm->xs + 2, tl_ladder_state_name(r->state), gm->width - gm->xs - 2);
	return line_emit(out, &ln);
}

static int draw_call(FILE *out, const struct geom *gm, const struct tl_ladder_row *r)
{
	struct line ln;
	int room = gm->xs - gm->xc - 4;
	line_blank(&ln, gm, gm->g->life);
	line_time(&ln, gm, r->t_ns);
	if (r->side == TL_SIDE_SERVER) {
		line_put(&ln, gm->xs, gm->g->call);
		line_text_right(&ln, gm, gm->xs - 2, r->text, room);
	} else {
		line_put(&ln, gm->xc, gm->g->call);
		line_text(&ln, gm, gm->xc + 2, r->text, room);
	}
	return line_emit(out, &ln);
}

/* Length in bytes of the longest prefix of s that fits in cols columns, cut at a space when possible. */
static size_t wrap_point(const char *s, int cols)
{
	size_t cut = 0, last_space = 0;
	int n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (p[cut] && n < cols) {
		int k = utf8_len(p + cut);
		if (p[cut] == ' ')
			last_space = cut;
		cut += k ? k : 1;
		n++;
	}
	if (!p[cut] || last_space == 0)
		return cut;
	return last_space;
}

/* A note between the columns, wrapped over as many lines as it needs. */
static int draw_note(FILE *out, const struct geom *gm, const struct tl_ladder_row *r)
{
	int room = gm->xs - gm->xc - 5;
	const char *s = r->text;
	bool first = true;
	do {
		struct line ln;
		char piece[sizeof(r->text)];
		size_t cut = wrap_point(s, room);
		snprintf(piece, sizeof(piece), "%.*s", (int)cut, s);
		line_blank(&ln, gm, gm->g->life);
		if (first)
			line_time(&ln, gm, r->t_ns);
		line_text(&ln, gm, gm->xc + 3, piece, room);
		if (line_emit(out, &ln) < 0)
			return -1;
		s += cut;
		while (*s == ' ')
			s++;
		first = false;
	} while (*s);
	return 0;
}

static int draw_break(FILE *out, const struct geom *gm, uint64_t gap_ns)
{
	struct line ln;
	char label[48];
	tl_ladder_format_gap(gap_ns, gm->ascii, label, sizeof(label));
	line_blank(&ln, gm, gm->g->broken);
	int n = text_cols(label);
	line_text(&ln, gm, (gm->xc + gm->xs - n) / 2 + 1, label, gm->xs - gm->xc - 2);
	return line_emit(out, &ln);
}

/* Blank lines for a gap drawn to scale: the run's scaled time shares SPACER_BUDGET lines. */
static int draw_spacers(FILE *out, const struct geom *gm, const struct tl_ladder *l, size_t i)
{
	uint64_t gap = tl_ladder_scaled_gap_ns(l, i);
	if (!l->scaled_ns || !gap)
		return 0;
	uint64_t n = gap * SPACER_BUDGET / l->scaled_ns;
	struct line ln;
	line_blank(&ln, gm, gm->g->life);
	for (uint64_t k = 0; k < n && k < SPACER_MAX; k++)
		if (line_emit(out, &ln) < 0)
			return -1;
	return 0;
}

static int draw_row(FILE *out, const struct geom *gm, const struct tl_ladder_row *r)
{
	switch (r->kind) {
	case TL_LROW_PACKET: return r->dropped ? draw_dropped(out, gm, r) : draw_arrow(out, gm, r);
	case TL_LROW_STATE: return draw_state(out, gm, r);
	case TL_LROW_CALL: return draw_call(out, gm, r);
	case TL_LROW_NOTE: return draw_note(out, gm, r);
	}
	return 0;
}

/* ---- header, footer, the whole ladder ---------------------------------- */

static void centered(struct line *ln, const struct geom *gm, int center, const char *s)
{
	int n = text_cols(s), start = center - n / 2;
	if (start < TIME_COLS + 1)
		start = TIME_COLS + 1;
	if (start + n > gm->width)
		start = gm->width - n;
	line_text(ln, gm, start < 0 ? 0 : start, s, gm->width - (start < 0 ? 0 : start));
}

static int draw_header(FILE *out, const struct geom *gm, const struct tl_scenario *sc, const struct tl_ladder *l)
{
	struct line ln;
	char title[256], name[96];
	snprintf(title, sizeof(title), "%s  %s", sc->id, sc->title);
	line_blank(&ln, gm, NULL);
	line_text(&ln, gm, 0, title, gm->width);
	if (line_emit(out, &ln) < 0)
		return -1;
	line_blank(&ln, gm, NULL);
	line_text_right(&ln, gm, TIME_COLS - 1, "time (s)", TIME_COLS);
	snprintf(name, sizeof(name), "client %s", l->client);
	centered(&ln, gm, gm->xc, name);
	snprintf(name, sizeof(name), "server %s", l->server);
	centered(&ln, gm, gm->xs, name);
	if (line_emit(out, &ln) < 0)
		return -1;
	line_blank(&ln, gm, gm->g->top);
	line_text_right(&ln, gm, gm->xc - 2, tl_ladder_state_name(l->client_initial), gm->state_cols);
	line_text(&ln, gm, gm->xs + 2, tl_ladder_state_name(l->server_initial), gm->width - gm->xs - 2);
	return line_emit(out, &ln);
}

static int draw_footer(FILE *out, const struct geom *gm)
{
	static const char *const unicode_items[] = {
		"\u251c\u2500\u25b6 packet: flags, relative seq/ack, length, role", "\u2500\u2715 dropped",
		"\u25c6 call", "\u2506 \u2248 idle time cut",
	};
	static const char *const ascii_items[] = {
		"|--> packet: flags, relative seq/ack, length, role", "--x dropped", "* call", ": ~ idle time cut",
	};
	const char *const *items = gm->ascii ? ascii_items : unicode_items;
	struct line ln;
	line_blank(&ln, gm, gm->g->bottom);
	if (line_emit(out, &ln) < 0)
		return -1;
	line_blank(&ln, gm, NULL);
	int col = TIME_COLS + 1;
	for (size_t i = 0; i < 4; i++) {
		int n = text_cols(items[i]);
		if (col > TIME_COLS + 1 && col + n > gm->width) {
			if (line_emit(out, &ln) < 0)
				return -1;
			line_blank(&ln, gm, NULL);
			col = TIME_COLS + 1;
		}
		col += line_text(&ln, gm, col, items[i], gm->width - col) + 3;
	}
	return line_emit(out, &ln);
}

static void geom_init(struct geom *gm, const struct tl_ladder_options *o)
{
	int width = o && o->width > 0 ? o->width : 100;
	gm->width = width < MIN_COLS ? MIN_COLS : width > MAX_COLS ? MAX_COLS : width;
	gm->ascii = o && o->ascii;
	gm->g = gm->ascii ? &ascii_glyphs : &unicode_glyphs;
	gm->state_cols = gm->width >= WIDE_COLS ? STATE_COLS : STATE_COLS_NARROW;
	gm->xc = TIME_COLS + 1 + gm->state_cols + 1;
	gm->xs = gm->width - gm->state_cols - 2;
}

static int draw_ladder(FILE *out, const struct geom *gm, const struct tl_scenario *sc, const struct tl_ladder *l)
{
	if (draw_header(out, gm, sc, l) < 0)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct tl_ladder_row *r = &l->rows[i];
		int rc = r->break_before ? draw_break(out, gm, r->gap_ns) : draw_spacers(out, gm, l, i);
		if (rc < 0 || draw_row(out, gm, r) < 0)
			return -1;
	}
	return draw_footer(out, gm);
}

int tl_ladder_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *tl,
		    const struct tl_ladder_options *o)
{
	struct tl_ladder l;
	struct geom gm;
	if (tl_ladder_build(sc, tl, &l) < 0)
		return -1;
	geom_init(&gm, o);
	int rc = draw_ladder(out, &gm, sc, &l);
	tl_ladder_free(&l);
	if (rc == 0 && fflush(out) == EOF)
		rc = -1;
	return rc;
}
