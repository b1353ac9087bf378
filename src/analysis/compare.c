/*
 * compare: sets a kernel run and a model run of one scenario side by side.
 * Packets are reduced to what both must share (sender, connection, flags,
 * role, relative sequence numbers, length, window, options, dropped or not)
 * and compared by index, reading the connection and numbers roles.h put on
 * each packet and the options core/wire.h parsed from its frame; state paths
 * per side; retransmission series send by send with a tolerance.
 * cli/compare_job.c runs both and calls it.
 */
#include "analysis/compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/conns.h"
#include "analysis/packet.h"
#include "analysis/sockstate.h"
#include "core/invariant.h"
#include "core/textbuf.h"
#include "core/wire.h"

#define PATH_SHOWN 128	  /* states printed per side; a longer path is still compared whole */
#define CELL_WIDTH 50	  /* the kernel's column in the packet table */
#define WIRE_TEXT_MAX 320 /* "win N, options [...]": 40 option bytes print at most about 280 */

double tl_compare_tolerance_ms(double kernel_at_ms)
{
	return TL_COMPARE_TOL_MS + TL_COMPARE_TOL_FRAC * fabs(kernel_at_ms);
}

/* ---- packets ---------------------------------------------------------- */

/* A packet reduced to what the kernel and the model must share. */
struct pkt_view {
	size_t order; /* its place on the timeline */
	uint64_t t_ns;
	enum tl_side side;
	unsigned conn; /* 1, 2, ... in order of first packet (roles.h) */
	uint8_t flags;
	enum tl_role role;
	unsigned retrans_no;
	bool seq_relative; /* false: the sender never sent a SYN, seq is as on the wire */
	bool ack_relative;
	uint32_t seq;
	uint32_t ack; /* 0 without the ACK flag */
	uint32_t len;
	bool dropped;
	uint16_t window;
	struct tl_tcp_option_list options; /* timestamp values zeroed, SACK edges relative as ack */
};

/* Walks one timeline's packets. */
struct pkt_iter {
	const struct tl_timeline *tl;
	size_t next;
};

static void pkt_iter_init(struct pkt_iter *it, const struct tl_timeline *tl)
{
	memset(it, 0, sizeof(*it));
	it->tl = tl;
}

/* The options as compared: timestamp values differ by nature; SACK edges count from the peer's base. */
static void comparable_options(const struct tl_packet *p, struct tl_tcp_option_list *o)
{
	*o = p->options;
	o->ts_val = o->ts_ecr = 0;
	if (p->ref.ack_base != TL_BASE_SYN)
		return;
	uint32_t peer_base = p->ack - p->ref.rel_ack;
	for (unsigned b = 0; b < o->n_sack; b++) {
		o->sack[b][0] -= peer_base;
		o->sack[b][1] -= peer_base;
	}
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
	TL_ASSERT(p->ref.conn > 0); /* prepared with tl_report_prepare, which runs roles */
	memset(v, 0, sizeof(*v));
	v->t_ns = ev->t_ns;
	v->side = ev->side;
	v->conn = p->ref.conn;
	v->flags = p->flags;
	v->role = p->role;
	v->retrans_no = p->retrans_no;
	v->len = p->payload_len;
	v->dropped = p->dropped;
	v->window = p->window;
	comparable_options(p, &v->options);
	v->seq_relative = p->ref.seq_base == TL_BASE_SYN;
	v->seq = v->seq_relative ? p->ref.rel_seq : p->seq;
	if (p->flags & TL_TH_ACK) {
		v->ack_relative = p->ref.ack_base == TL_BASE_SYN;
		v->ack = v->ack_relative ? p->ref.rel_ack : p->ack;
	}
	return true;
}

static bool options_equal(const struct tl_tcp_option_list *a, const struct tl_tcp_option_list *b)
{
	return a->n == b->n && !memcmp(a->kind, b->kind, a->n) && a->malformed == b->malformed &&
	       a->mss == b->mss && a->wscale == b->wscale && a->n_sack == b->n_sack &&
	       !memcmp(a->sack, b->sack, a->n_sack * sizeof(a->sack[0]));
}

/* "win 64, options [nop,nop,TS]": the window and options as tcpdump names them, timestamp values cut. */
static void wire_text(const struct pkt_view *v, char *out, size_t len)
{
	const struct tl_tcp_option_list *o = &v->options;
	tl_textf(out, len, "win %u", v->window);
	if (!o->n && !o->malformed)
		return;
	tl_appendf(out, len, ", options [");
	for (unsigned i = 0; i < o->n; i++) {
		const char *name = tl_tcp_option_name(o->kind[i]);
		const char *comma = i ? "," : "";
		switch (o->kind[i]) {
		case TL_TCPOPT_MSS: tl_appendf(out, len, "%smss %u", comma, o->mss); break;
		case TL_TCPOPT_WSCALE: tl_appendf(out, len, "%swscale %u", comma, o->wscale); break;
		case TL_TCPOPT_TIMESTAMP: tl_appendf(out, len, "%sTS", comma); break;
		case TL_TCPOPT_SACK:
			tl_appendf(out, len, "%ssack %u ", comma, o->n_sack);
			for (unsigned b = 0; b < o->n_sack; b++)
				tl_appendf(out, len, "{%u:%u}", o->sack[b][0], o->sack[b][1]);
			break;
		default:
			if (name)
				tl_appendf(out, len, "%s%s", comma, name);
			else
				tl_appendf(out, len, "%sunknown-%u", comma, o->kind[i]);
		}
	}
	tl_appendf(out, len, "%s]", o->malformed ? "[bad opt]" : "");
}

static bool pkt_equal(const struct pkt_view *a, const struct pkt_view *b)
{
	return a->side == b->side && a->conn == b->conn && a->flags == b->flags && a->role == b->role &&
	       a->retrans_no == b->retrans_no && a->seq_relative == b->seq_relative && a->seq == b->seq &&
	       a->ack_relative == b->ack_relative && a->ack == b->ack && a->len == b->len && a->dropped == b->dropped &&
	       a->window == b->window && options_equal(&a->options, &b->options);
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
	if (v->conn != 1)
		tl_appendf(out, len, " (connection %u)", v->conn);
}

/* One run's packets as views, malloc'd; *n gets their number. NULL when out of memory. */
static struct pkt_view *pkt_views(const struct tl_timeline *tl, size_t *n)
{
	struct pkt_iter it;
	struct pkt_view v;
	*n = 0;
	for (size_t i = 0; i < tl->n; i++)
		*n += tl->ev[i].kind == TL_EV_PACKET;
	struct pkt_view *all = malloc((*n ? *n : 1) * sizeof(*all));
	if (!all)
		return NULL;
	pkt_iter_init(&it, tl);
	for (size_t i = 0; pkt_next(&it, &v); i++) {
		all[i] = v;
		all[i].order = i;
	}
	return all;
}

static int by_connection(const void *a, const void *b)
{
	const struct pkt_view *x = a, *y = b;
	if (x->conn != y->conn)
		return x->conn < y->conn ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}


/* How a row of the packet table compares. */
enum pkt_kind {
	ROW_SAME,
	ROW_REORDERED, /* in a race (below): this packet is the burst's, at another place */
	ROW_DIFFERS,
};

struct pkt_row {
	enum pkt_kind kind;
	bool race_end; /* the last row of a race whose order differs: the note goes after it */
	size_t race_first;
};

/* Two sends the model makes at one instant (its timers fire on the tick, both sides on one). */
#define SAME_INSTANT_NS 1000ull
/* What follows them within this is their answers (the model's loopback takes microseconds). */
#define RACE_GAP_NS 1000000ull
/* The longest race compared as a set: two packets each of a crowd of 100. */
#define MAX_RACE 200

/*
 * A race: from row i, the model sends from two sockets at one instant (their
 * timers due on one tick: both sides of a connection, or many connections
 * of a crowd) and the answers follow. On the kernel each timer runs from
 * the timer wheel in an order of its own, and a crowd's timers, armed by
 * calls a kernel makes more slowly, spread over more ticks, so the packets
 * of the race may come in any interleaving; they must be the same packets.
 * Returns the race's last row (a race too long to compare stops one past
 * MAX_RACE), or i when there is no race at i.
 */
static size_t race_end(const struct pkt_view *m, size_t nm, size_t i)
{
	if (i + 1 >= nm || m[i + 1].t_ns - m[i].t_ns > SAME_INSTANT_NS ||
	    (m[i].side == m[i + 1].side && m[i].conn == m[i + 1].conn))
		return i;
	/* A flood's packets can follow each other closely for the whole run:
	 * stop one past the longest race, which same_packets() refuses all the
	 * same, or every row would walk to the end of the run. */
	size_t j = i + 1;
	while (j + 1 < nm && j - i < MAX_RACE && m[j + 1].t_ns - m[j].t_ns <= RACE_GAP_NS)
		j++;
	return j;
}

/* k[i..j] and m[i..j] are the same packets in some order. */
static bool same_packets(const struct pkt_view *k, const struct pkt_view *m, size_t i, size_t j)
{
	bool used[MAX_RACE] = { false };
	if (j - i + 1 > sizeof(used))
		return false; /* no race is this long: compare row by row */
	for (size_t a = i; a <= j; a++) {
		size_t b = i;
		while (b <= j && (used[b - i] || !pkt_equal(&k[a], &m[b])))
			b++;
		if (b > j)
			return false;
		used[b - i] = true;
	}
	return true;
}

/* Fills row[0..rows) for nk kernel and nm model packets; returns the number of rows that differ. */
static size_t align_rows(const struct pkt_view *k, size_t nk, const struct pkt_view *m, size_t nm, struct pkt_row *row,
			 size_t rows)
{
	size_t differ = 0;
	for (size_t i = 0; i < rows; i++) {
		size_t j = i < nm ? race_end(m, nm, i) : i;
		if (j > i && j < nk && same_packets(k, m, i, j)) {
			bool reordered = false;
			for (size_t r = i; r <= j; r++) {
				bool same = pkt_equal(&k[r], &m[r]);
				row[r] = (struct pkt_row){ same ? ROW_SAME : ROW_REORDERED, false, i };
				reordered |= !same;
			}
			row[j].race_end = reordered;
			i = j;
		} else if (i < nk && i < nm && pkt_equal(&k[i], &m[i])) {
			row[i] = (struct pkt_row){ ROW_SAME, false, i };
		} else {
			row[i] = (struct pkt_row){ ROW_DIFFERS, false, i };
			differ++;
		}
	}
	return differ;
}

static void print_packet_rows(FILE *out, const struct pkt_view *k, size_t nk, const struct pkt_view *m, size_t nm,
			      const struct pkt_row *row, size_t rows)
{
	char kcell[160], mcell[160], kwire[WIRE_TEXT_MAX], mwire[WIRE_TEXT_MAX];
	fprintf(out, "          %-*s  %s\n", CELL_WIDTH, "kernel", "model");
	for (size_t i = 0; i < rows; i++) {
		bool hk = i < nk, hm = i < nm;
		if (hk)
			pkt_cell(&k[i], kcell, sizeof(kcell));
		else
			tl_textf(kcell, sizeof(kcell), "- (the kernel does not send it)");
		if (row[i].kind == ROW_SAME)
			tl_textf(mcell, sizeof(mcell), "same");
		else if (hm)
			pkt_cell(&m[i], mcell, sizeof(mcell));
		else
			tl_textf(mcell, sizeof(mcell), "- (the model does not send it)");
		const char *mark = row[i].kind == ROW_DIFFERS ? "!" : row[i].kind == ROW_SAME ? " " : "~";
		fprintf(out, "   %s %3zu  %-*s  %s\n", mark, i + 1, CELL_WIDTH, kcell, mcell);
		if (hk && hm && (k[i].window != m[i].window || !options_equal(&k[i].options, &m[i].options))) {
			wire_text(&k[i], kwire, sizeof(kwire));
			wire_text(&m[i], mwire, sizeof(mwire));
			fprintf(out, "          %-*s  %s\n", CELL_WIDTH, kwire, mwire);
		}
		if (row[i].race_end) {
			size_t first = row[i].race_first;
			fprintf(out, "          ~ rows %zu-%zu: the model's timers of several sockets fire at one instant\n"
				     "            and these are the same packets; the kernel's timer wheel ran them in\n"
				     "            another order, over %.3f ms (not counted)\n",
				first + 1, i + 1, (k[i].t_ns - k[first].t_ns) / 1e6);
		}
	}
}

/* Returns the number of packet rows that differ, or -1 (errno ENOMEM) when out of memory. */
static int compare_packets(FILE *out, const struct tl_timeline *kernel, const struct tl_timeline *model)
{
	size_t nk, nm;
	struct pkt_view *k = pkt_views(kernel, &nk), *m = pkt_views(model, &nm);
	/*
	 * A crowd's connections are independent: which one's segment the kernel
	 * sends first depends on how its threads and timers were scheduled (the
	 * model runs one call at a time). Their packets are compared connection by
	 * connection, each in its own order; connections are numbered by their
	 * first packets, which calls made one after another keep in order.
	 */
	bool by_conn = tl_conns_has_crowd(kernel) || tl_conns_has_crowd(model);
	if (by_conn && k && m) {
		qsort(k, nk, sizeof(*k), by_connection);
		qsort(m, nm, sizeof(*m), by_connection);
	}
	size_t rows = nk > nm ? nk : nm;
	struct pkt_row *row = malloc((rows ? rows : 1) * sizeof(*row));
	int rc = -1;
	if (!k || !m || !row) {
		errno = ENOMEM;
		goto done;
	}
	size_t differ = align_rows(k, nk, m, nm, row, rows);
	size_t races = 0;
	for (size_t i = 0; i < rows; i++)
		races += row[i].race_end;
	rc = (int)differ;
	if (!rows) {
		fprintf(out, "   packets   none on the kernel, none in the model\n");
	} else if (!differ && !races) {
		fprintf(out, "   packets   %zu of %zu equal (sender, flags, role, relative seq/ack, length, window, options)%s\n",
			nk, nk, by_conn ? ", connection by connection" : "");
	} else {
		fprintf(out, "   packets   %zu on the kernel, %zu in the model, %zu differ", nk, nm, differ);
		if (races)
			fprintf(out, ", %zu race%s of timers in another order", races, races == 1 ? "" : "s");
		fprintf(out, "\n");
		print_packet_rows(out, k, nk, m, nm, row, rows);
	}
done:
	free(k);
	free(m);
	free(row);
	return rc;
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

/* The state path of side's connection conn in tl, malloc'd; *n gets its length. NULL when out of memory. */
static enum tl_state *states_path(const struct tl_timeline *tl, enum tl_side side, const char *conn, size_t *n)
{
	*n = tl_states_path(tl, side, conn, NULL, 0);
	enum tl_state *st = malloc((*n ? *n : 1) * sizeof(*st));
	if (st)
		tl_states_path(tl, side, conn, st, *n);
	return st;
}

/* Returns 1 when the paths of side's connection conn differ, 0 when they agree, -1 (errno ENOMEM) when
 * out of memory. */
static int compare_conn_states(FILE *out, enum tl_side side, const char *conn, int width,
			       const struct tl_timeline *kernel, const struct tl_timeline *model)
{
	char ktext[PATH_SHOWN * 13], mtext[PATH_SHOWN * 13], who[TL_SIDE_CONN_STRLEN];
	size_t nk, nm;
	enum tl_state *ks = states_path(kernel, side, conn, &nk), *ms = states_path(model, side, conn, &nm);
	tl_side_conn_name(side, conn, who, sizeof(who));
	int rc = -1;
	if (!ks || !ms) {
		errno = ENOMEM;
		goto done;
	}
	path_text(ks, nk < PATH_SHOWN ? nk : PATH_SHOWN, nk, ktext, sizeof(ktext));
	if (nk == nm && !memcmp(ks, ms, nk * sizeof(ks[0]))) {
		fprintf(out, "   %-*s    states equal: %s\n", width, who, ktext);
		rc = 0;
		goto done;
	}
	path_text(ms, nm < PATH_SHOWN ? nm : PATH_SHOWN, nm, mtext, sizeof(mtext));
	fprintf(out, "   %-*s    states differ\n", width, who);
	fprintf(out, "     kernel  %s\n", ktext);
	fprintf(out, "     model   %s\n", mtext);
	rc = 1;
done:
	free(ks);
	free(ms);
	return rc;
}

/* Every connection the scenario gives side, each on its own: how many differ, or -1. */
static int compare_states(FILE *out, const struct tl_scenario *sc, enum tl_side side,
			  const struct tl_timeline *kernel, const struct tl_timeline *model)
{
	int diffs = 0, width = 6; /* "client" */
	static const struct tl_conn_names unnamed_only = { .n = 1 };
	const struct tl_conn_names *names = sc->conns[side].n ? &sc->conns[side] : &unnamed_only;
	for (size_t k = 1; k < names->n; k++)
		if (7 + (int)strlen(names->name[k]) > width)
			width = 7 + (int)strlen(names->name[k]);
	for (size_t k = 0; k < names->n; k++) {
		if (!k && names->n > 1 && !tl_scenario_conn_used(sc, side, 0))
			continue; /* only named connections: the unnamed one has no path */
		int rc = compare_conn_states(out, side, names->name[k], width, kernel, model);
		if (rc < 0)
			return -1;
		diffs += rc;
	}
	return diffs;
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

/* ---- counters ----------------------------------------------------------- */

/* Each counter the model keeps against the kernel's of that name. Returns how many differ. */
static int compare_counters(FILE *out, const struct tl_timeline *kernel, const struct tl_timeline *model)
{
	const struct tl_counters *k = tl_timeline_counters(kernel), *m = tl_timeline_counters(model);
	if (!k || !m) {
		fprintf(out, "   counters  %s\n", !k ? "none from the kernel: not compared" : "none from the model: not compared");
		return 0;
	}
	int diffs = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct tl_counter *kc = tl_counter_find(k, m->v[i].name);
		if (kc && kc->delta == m->v[i].delta)
			continue;
		if (!diffs++)
			fprintf(out, "   counters  differ (kernel, model):\n");
		if (kc)
			fprintf(out, "     %-30s %+lld  %+lld\n", m->v[i].name, (long long)kc->delta, (long long)m->v[i].delta);
		else
			fprintf(out, "     %-30s the kernel has no such counter\n", m->v[i].name);
	}
	if (!diffs)
		fprintf(out, "   counters  %zu of %zu equal (the model keeps %zu of the kernel's %zu)\n", m->n, m->n, m->n,
			k->n);
	return diffs;
}

/* ---- snapshots ---------------------------------------------------------- */

/* The n-th snapshot of a run (from 0), or NULL. */
static const struct tl_snapshot *nth_snapshot(const struct tl_timeline *tl, size_t n)
{
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_EV_SNAPSHOT && !n--)
			return &tl->ev[i].u.snapshot;
	return NULL;
}

static size_t count_snapshots(const struct tl_timeline *tl)
{
	size_t n = 0;
	for (size_t i = 0; i < tl->n; i++)
		n += tl->ev[i].kind == TL_EV_SNAPSHOT;
	return n;
}

/*
 * The script takes its snapshots at the same steps on the kernel and in the
 * model: each pair must list as many sockets of each side in each state.
 * Returns how many pairs differ (a missing snapshot counts as one).
 */
static int compare_snapshots(FILE *out, const struct tl_timeline *kernel, const struct tl_timeline *model)
{
	size_t nk = count_snapshots(kernel), nm = count_snapshots(model), n = nk < nm ? nk : nm;
	int diffs = nk != nm;
	if (nk != nm)
		fprintf(out, "   ! snapshots: %zu on the kernel, %zu in the model   DIFFERS\n", nk, nm);
	for (size_t i = 0; i < n; i++) {
		const struct tl_snapshot *k = nth_snapshot(kernel, i), *m = nth_snapshot(model, i);
		struct tl_census ck = { { { 0 } } }, cm = { { { 0 } } };
		tl_census_add_rows(&ck, k->rows, k->n);
		tl_census_add_rows(&cm, m->rows, m->n);
		if (!memcmp(&ck, &cm, sizeof(ck)))
			continue;
		char tk[512], tm[512];
		tl_census_format(&ck, tk, sizeof(tk));
		tl_census_format(&cm, tm, sizeof(tm));
		fprintf(out, "   ! snapshot %zu%s%s differs by side and state   DIFFERS\n       kernel: %s\n       model:  %s\n",
			i + 1, k->label[0] ? " " : "", k->label, tk, tm);
		diffs++;
	}
	if (!diffs && n)
		fprintf(out, "   snapshots %zu of %zu equal (sockets by side and state)\n", n, n);
	return diffs;
}

int tl_compare_print(FILE *out, const struct tl_scenario *sc, const struct tl_timeline *kernel,
		     const struct tl_series_report *kernel_series, const struct tl_timeline *model,
		     const struct tl_series_report *model_series)
{
	int diffs = compare_packets(out, kernel, model);
	if (diffs < 0)
		return -1;
	int client = compare_states(out, sc, TL_SIDE_CLIENT, kernel, model);
	int server = client < 0 ? -1 : compare_states(out, sc, TL_SIDE_SERVER, kernel, model);
	if (client < 0 || server < 0)
		return -1;
	diffs += client + server;
	diffs += compare_series(out, kernel_series, model_series);
	diffs += compare_counters(out, kernel, model);
	diffs += compare_snapshots(out, kernel, model);
	if (diffs)
		fprintf(out, "   %s: %d difference%s between the kernel and the model\n", sc->id, diffs,
			diffs == 1 ? "" : "s");
	else
		fprintf(out, "   %s: the model conforms to the kernel\n", sc->id);
	return diffs;
}
