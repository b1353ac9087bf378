/*
 * compare: sets a kernel run and a model run of one scenario side by side.
 * Packets are reduced to what both must share (sender, connection, flags,
 * role, relative sequence numbers, length, dropped or not) and compared by
 * index; state paths per side; retransmission series send by send with a
 * tolerance. cli/compare_job.c runs both and calls it.
 */
#include "analysis/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sockstate.h"
#include "core/textbuf.h"

#define MAX_CONNS 64	     /* connections told apart per run; later ones compare as connection 0 */
#define MAX_PATH_STATES 128  /* states shown per side */
#define CELL_WIDTH 50	     /* the kernel's column in the packet table */

double tl_compare_tolerance_ms(double kernel_at_ms)
{
	return TL_COMPARE_TOL_MS + TL_COMPARE_TOL_FRAC * fabs(kernel_at_ms);
}

/* ---- packets ---------------------------------------------------------- */

/* One connection of a run: its first packet's sender is direction 0. */
struct conn {
	struct tl_tuple first;
	bool isn_known[2];
	uint32_t isn[2];
};

/* A packet reduced to what the kernel and the model must share. */
struct pkt_view {
	enum tl_side side;
	unsigned conn; /* 1, 2, ... in order of first packet; 0 past MAX_CONNS */
	uint8_t flags;
	enum tl_role role;
	unsigned retrans_no;
	bool seq_relative; /* false: the sender never sent a SYN, seq is as on the wire */
	bool ack_relative;
	uint32_t seq;
	uint32_t ack; /* 0 without the ACK flag */
	uint32_t len;
	bool dropped;
	char wire[112]; /* "win 64, options [nop,nop,TS]": window and options, timestamp values cut */
};

/* Walks one timeline's packets, keeping each connection's initial sequence numbers. */
struct pkt_iter {
	const struct tl_timeline *tl;
	size_t next;
	size_t n_conns;
	struct conn conns[MAX_CONNS];
};

static void pkt_iter_init(struct pkt_iter *it, const struct tl_timeline *tl)
{
	memset(it, 0, sizeof(*it));
	it->tl = tl;
}

static bool same_tuple(const struct tl_tuple *a, const struct tl_tuple *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport && a->dport == b->dport;
}

static bool reversed_tuple(const struct tl_tuple *a, const struct tl_tuple *b)
{
	return a->saddr == b->daddr && a->daddr == b->saddr && a->sport == b->dport && a->dport == b->sport;
}

/* The connection t belongs to and its direction; NULL when the table is full. */
static struct conn *find_conn(struct pkt_iter *it, const struct tl_tuple *t, unsigned *index, int *dir)
{
	for (size_t k = 0; k < it->n_conns; k++) {
		struct conn *c = &it->conns[k];
		if (same_tuple(&c->first, t) || reversed_tuple(&c->first, t)) {
			*index = (unsigned)k + 1;
			*dir = same_tuple(&c->first, t) ? 0 : 1;
			return c;
		}
	}
	if (it->n_conns == MAX_CONNS) {
		*index = 0;
		*dir = 0;
		return NULL;
	}
	struct conn *c = &it->conns[it->n_conns++];
	memset(c, 0, sizeof(*c));
	c->first = *t;
	*index = (unsigned)it->n_conns;
	*dir = 0;
	return c;
}

/*
 * The window and options of tcpdump's text for p (roles.h set it), with the
 * timestamp option's values cut out: "win 65495, options [mss 65495,sackOK,
 * TS,nop,wscale 10]". Empty when the text has no window.
 */
static void wire_text(const struct tl_packet *p, char *out, size_t len)
{
	const char *from = p->text ? strstr(p->text, ", win ") : NULL;
	const char *end = from ? strstr(from, ", length ") : NULL;
	size_t n = 0;
	out[0] = '\0';
	if (!end)
		return;
	for (const char *c = from + 2; c < end && n + 1 < len;) {
		if (!strncmp(c, "TS val ", 7)) {
			/* the option runs to the next ',' or ']' */
			while (c < end && *c != ',' && *c != ']')
				c++;
			for (const char *w = "TS"; *w && n + 1 < len; w++)
				out[n++] = *w;
			continue;
		}
		out[n++] = *c++;
	}
	out[n] = '\0';
}

/* The next packet of the run as a view; false at the end. */
static bool pkt_next(struct pkt_iter *it, struct pkt_view *v)
{
	const struct tl_timeline *tl = it->tl;
	while (it->next < tl->n && tl->ev[it->next].kind != TL_EV_PACKET)
		it->next++;
	if (it->next == tl->n)
		return false;
	const struct tl_event *ev = &tl->ev[it->next++];
	const struct tl_packet *p = &ev->u.packet;
	int dir;
	memset(v, 0, sizeof(*v));
	v->side = ev->side;
	v->flags = p->flags;
	v->role = p->role;
	v->retrans_no = p->retrans_no;
	v->len = p->payload_len;
	v->dropped = p->dropped;
	v->seq = p->seq;
	v->ack = (p->flags & TL_TH_ACK) ? p->ack : 0;
	wire_text(p, v->wire, sizeof(v->wire));
	struct conn *c = find_conn(it, &p->tuple, &v->conn, &dir);
	if (!c)
		return true;
	/* Every SYN (re)starts its direction: a new request or a reused four-tuple has a new ISN. */
	if (p->flags & TL_TH_SYN) {
		c->isn_known[dir] = true;
		c->isn[dir] = p->seq;
	}
	if (c->isn_known[dir]) {
		v->seq_relative = true;
		v->seq = p->seq - c->isn[dir];
	}
	if ((p->flags & TL_TH_ACK) && c->isn_known[!dir]) {
		v->ack_relative = true;
		v->ack = p->ack - c->isn[!dir];
	}
	return true;
}

static bool pkt_equal(const struct pkt_view *a, const struct pkt_view *b)
{
	return a->side == b->side && a->conn == b->conn && a->flags == b->flags && a->role == b->role &&
	       a->retrans_no == b->retrans_no && a->seq_relative == b->seq_relative && a->seq == b->seq &&
	       a->ack_relative == b->ack_relative && a->ack == b->ack && a->len == b->len && a->dropped == b->dropped &&
	       !strcmp(a->wire, b->wire);
}

/* "client F.  seq 6 ack 1 len 0 teardown-1" */
static void pkt_cell(const struct pkt_view *v, char *out, size_t len)
{
	char flags[12], ack[24];
	tl_flags_letters(v->flags, flags);
	if (!(v->flags & TL_TH_ACK))
		snprintf(ack, sizeof(ack), "-");
	else
		snprintf(ack, sizeof(ack), "%s%u", v->ack_relative ? "" : "abs ", v->ack);
	tl_textf(out, len, "%-6s %-3s seq %s%u ack %s len %u ", tl_side_name(v->side), flags,
		 v->seq_relative ? "" : "abs ", v->seq, ack, v->len);
	if (v->retrans_no)
		tl_appendf(out, len, "retransmission #%u of %s", v->retrans_no, tl_role_name(v->role));
	else
		tl_appendf(out, len, "%s", tl_role_name(v->role));
	if (v->dropped)
		tl_appendf(out, len, " DROPPED");
	if (!v->conn)
		tl_appendf(out, len, " (connection past the %dth)", MAX_CONNS);
	else if (v->conn != 1)
		tl_appendf(out, len, " (connection %u)", v->conn);
}

struct pkt_counts {
	size_t kernel, model, differ;
};

static struct pkt_counts count_packets(const struct tl_timeline *kernel, const struct tl_timeline *model)
{
	struct pkt_iter ki, mi;
	struct pkt_counts c = { 0 };
	struct pkt_view kv, mv;
	pkt_iter_init(&ki, kernel);
	pkt_iter_init(&mi, model);
	for (;;) {
		bool hk = pkt_next(&ki, &kv), hm = pkt_next(&mi, &mv);
		if (!hk && !hm)
			break;
		c.kernel += hk;
		c.model += hm;
		c.differ += !hk || !hm || !pkt_equal(&kv, &mv);
	}
	return c;
}

static int compare_packets(FILE *out, const struct tl_timeline *kernel, const struct tl_timeline *model)
{
	struct pkt_counts c = count_packets(kernel, model);
	if (!c.kernel && !c.model) {
		fprintf(out, "   packets   none on the kernel, none in the model\n");
		return 0;
	}
	if (!c.differ) {
		fprintf(out, "   packets   %zu of %zu equal (sender, flags, role, relative seq/ack, length, window, options)\n",
			c.kernel, c.kernel);
		return 0;
	}
	fprintf(out, "   packets   %zu on the kernel, %zu in the model, %zu differ\n", c.kernel, c.model, c.differ);
	fprintf(out, "          %-*s  %s\n", CELL_WIDTH, "kernel", "model");
	struct pkt_iter ki, mi;
	struct pkt_view kv, mv;
	char kcell[160], mcell[160];
	pkt_iter_init(&ki, kernel);
	pkt_iter_init(&mi, model);
	for (size_t i = 1;; i++) {
		bool hk = pkt_next(&ki, &kv), hm = pkt_next(&mi, &mv);
		if (!hk && !hm)
			break;
		bool same = hk && hm && pkt_equal(&kv, &mv);
		if (hk)
			pkt_cell(&kv, kcell, sizeof(kcell));
		else
			tl_textf(kcell, sizeof(kcell), "- (the kernel does not send it)");
		if (same)
			tl_textf(mcell, sizeof(mcell), "same");
		else if (hm)
			pkt_cell(&mv, mcell, sizeof(mcell));
		else
			tl_textf(mcell, sizeof(mcell), "- (the model does not send it)");
		fprintf(out, "   %s %3zu  %-*s  %s\n", same ? " " : "!", i, CELL_WIDTH, kcell, mcell);
		if (hk && hm && strcmp(kv.wire, mv.wire))
			fprintf(out, "          %-*s  %s\n", CELL_WIDTH, kv.wire, mv.wire);
	}
	return (int)c.differ;
}

/* ---- state paths ------------------------------------------------------ */

static void path_text(const enum tl_state *st, size_t n, size_t total, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		tl_appendf(out, len, "%s%s", i ? " " : "", tl_state_name(st[i]));
	if (total > n)
		tl_appendf(out, len, " ... (%zu states)", total);
	if (!total)
		tl_appendf(out, len, "(none)");
}

static int compare_states(FILE *out, enum tl_side side, const struct tl_timeline *kernel,
			  const struct tl_timeline *model)
{
	enum tl_state ks[MAX_PATH_STATES], ms[MAX_PATH_STATES];
	char ktext[MAX_PATH_STATES * 13], mtext[MAX_PATH_STATES * 13];
	size_t nk = tl_states_path(kernel, side, ks, MAX_PATH_STATES);
	size_t nm = tl_states_path(model, side, ms, MAX_PATH_STATES);
	size_t sk = nk < MAX_PATH_STATES ? nk : MAX_PATH_STATES, sm = nm < MAX_PATH_STATES ? nm : MAX_PATH_STATES;
	path_text(ks, sk, nk, ktext, sizeof(ktext));
	bool same = nk == nm && !memcmp(ks, ms, sk * sizeof(ks[0]));
	if (same) {
		fprintf(out, "   %-6s    states equal: %s\n", tl_side_name(side), ktext);
		return 0;
	}
	path_text(ms, sm, nm, mtext, sizeof(mtext));
	fprintf(out, "   %-6s    states differ\n", tl_side_name(side));
	fprintf(out, "     kernel  %s\n", ktext);
	fprintf(out, "     model   %s\n", mtext);
	return 1;
}

/* ---- retransmission series -------------------------------------------- */

static bool series_same_kind(const struct tl_series *a, const struct tl_series *b)
{
	return a->kind == b->kind && a->side == b->side && a->tcase == b->tcase;
}

/* Compares one send; returns 1 when it is a difference. */
static int compare_send(FILE *out, size_t i, const struct tl_series_send *k, const struct tl_series_send *m,
			double wheel_ms)
{
	char what[64];
	if (!m) {
		fprintf(out, "   !  %-3zu %-26s %9.3f %10s   DIFFERS: the model does not send it\n", i, k->what,
			k->at_ms / 1e3, "-");
		return 1;
	}
	if (!k) {
		fprintf(out, "   !  %-3zu %-26s %9s %10.3f   DIFFERS: the kernel does not send it\n", i, m->what, "-",
			m->at_ms / 1e3);
		return 1;
	}
	tl_textf(what, sizeof(what), "%s", k->what);
	if (strcmp(k->what, m->what))
		tl_textf(what, sizeof(what), "%s / %s", k->what, m->what);
	double apart = m->at_ms - k->at_ms, tol = tl_compare_tolerance_ms(k->at_ms);
	bool ok = fabs(apart) <= tol;
	fprintf(out, "   %s  %-3zu %-26s %9.3f %10.3f %11.1f %10.1f", ok ? " " : "!", i, what, k->at_ms / 1e3,
		m->at_ms / 1e3, -apart + 0.0, tol);
	if (ok) {
		fprintf(out, "   ok\n");
		return 0;
	}
	if (apart < 0 && -apart <= wheel_ms + tol) {
		/* The model fires on the tick; the kernel's timer wheel rounds expiries up by an amount
		 * that depends on where the wheel stood (docs/compare.md): late within that is the same rule. */
		fprintf(out, "   timer wheel: the kernel %.1f ms late, the wheel allows %.1f (not counted)\n", -apart,
			wheel_ms);
		return 0;
	}
	fprintf(out, "   DIFFERS: the kernel %.1f ms %s\n", fabs(apart), apart < 0 ? "later" : "earlier");
	return 1;
}

static int compare_one_series(FILE *out, const struct tl_series *k, const struct tl_series *m)
{
	char title[96];
	int diffs = 0;
	tl_series_title(k, title, sizeof(title));
	fprintf(out, "   retransmissions: %s\n", title);
	fprintf(out, "      %-3s %-26s %9s %10s %11s %10s\n", "#", "send", "kernel (s)", "model (s)", "k-m (ms)",
		"tol. (ms)");
	size_t n = k->n_sends > m->n_sends ? k->n_sends : m->n_sends;
	/* An answer to a duplicate SYN inherits the lateness of the timers before it. */
	double wheel_ms = 0;
	for (size_t i = 0; i < n; i++) {
		if (i < k->n_sends && k->sends[i].allowed_late_ms > wheel_ms)
			wheel_ms = k->sends[i].allowed_late_ms;
		diffs += compare_send(out, i, i < k->n_sends ? &k->sends[i] : NULL, i < m->n_sends ? &m->sends[i] : NULL,
				      wheel_ms);
	}
	if (k->gave_up != m->gave_up) {
		fprintf(out, "   !      gave up: %s on the kernel, %s in the model   DIFFERS\n",
			k->gave_up ? "yes" : "not seen", m->gave_up ? "yes" : "not seen");
		diffs++;
	} else if (k->gave_up) {
		double apart = k->gave_up_ms - m->gave_up_ms, tol = tl_compare_tolerance_ms(k->gave_up_ms);
		fprintf(out, "          %-26s %9.3f %10.3f %11.1f %10.1f   %s (not a retransmission: not counted)\n",
			"gave up", k->gave_up_ms / 1e3, m->gave_up_ms / 1e3, apart + 0.0, tol,
			fabs(apart) <= tol ? "within" : "outside");
	}
	return diffs;
}

static int compare_series(FILE *out, const struct tl_series_report *k, const struct tl_series_report *m)
{
	bool used[TL_SERIES_MAX] = { false };
	char title[96];
	int diffs = 0;
	if (!k->n && !m->n) {
		fprintf(out, "   retransmissions: none on the kernel, none in the model\n");
		return 0;
	}
	for (size_t i = 0; i < k->n; i++) {
		size_t j = 0;
		while (j < m->n && (used[j] || !series_same_kind(&k->s[i], &m->s[j])))
			j++;
		if (j == m->n) {
			tl_series_title(&k->s[i], title, sizeof(title));
			fprintf(out, "   ! retransmissions: %s: %zu sends on the kernel, none in the model   DIFFERS\n", title,
				k->s[i].n_sends);
			diffs++;
			continue;
		}
		used[j] = true;
		diffs += compare_one_series(out, &k->s[i], &m->s[j]);
	}
	for (size_t j = 0; j < m->n; j++) {
		if (used[j])
			continue;
		tl_series_title(&m->s[j], title, sizeof(title));
		fprintf(out, "   ! retransmissions: %s: %zu sends in the model, none on the kernel   DIFFERS\n", title,
			m->s[j].n_sends);
		diffs++;
	}
	return diffs;
}

int tl_compare_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *kernel,
		     const struct tl_series_report *kernel_series, const struct tl_timeline *model,
		     const struct tl_series_report *model_series)
{
	int diffs = compare_packets(out, kernel, model);
	diffs += compare_states(out, TL_SIDE_CLIENT, kernel, model);
	diffs += compare_states(out, TL_SIDE_SERVER, kernel, model);
	diffs += compare_series(out, kernel_series, model_series);
	if (diffs)
		fprintf(out, "   %s: %d difference%s between the kernel and the model\n", sc->id, diffs,
			diffs == 1 ? "" : "s");
	else
		fprintf(out, "   %s: the model conforms to the kernel\n", sc->id);
	return diffs;
}
