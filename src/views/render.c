/*
 * render: plain-text timeline. One line per event, time relative to the
 * run's start in seconds with microseconds, the side, then the event.
 */
#include "views/render.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "views/census.h"
#include "views/snapshot.h"

void tl_role_describe(const struct tl_packet *p, char *out, size_t len)
{
	const char *role = tl_role_words(p->role);
	int n;
	if (p->retrans_no)
		n = snprintf(out, len, "retransmission #%u of %s, %.3f s after the previous send", p->retrans_no,
			     role, p->resend_gap_ns / 1e9);
	else
		n = snprintf(out, len, "%s%s", p->injected ? "injected, " : "", role);
	if (p->dropped && n >= 0 && (size_t)n < len)
		snprintf(out + n, len - n, "%sDROPPED%s%s", n ? ", " : "",
			 p->drop_rule[0] ? " by " : "", p->drop_rule);
}

static const char *source_tag(enum tl_state_source s)
{
	switch (s) {
	case TL_SRC_TRACEPOINT: return "";
	case TL_SRC_SOCK_DIAG: return "sock_diag";
	case TL_SRC_MODEL: return "model";
	case TL_SRC_TRACEPOINT_DIAG: return "tracepoint+sock_diag";
	case TL_SRC_SOCK_TIMER: return "socket timer";
	case TL_SRC_TRACEPOINT_TIMER: return "tracepoint+socket timer";
	}
	return "?";
}

static const char *retrans_word(enum tl_retrans_kind k)
{
	switch (k) {
	case TL_RETRANS_SYN: return "SYN";
	case TL_RETRANS_SYNACK: return "SYN-ACK";
	case TL_RETRANS_SEGMENT: return "segment";
	}
	return "?";
}

void tl_render_event(const struct tl_timeline *tl, const struct tl_event *ev, char *out, size_t len)
{
	(void)tl;
	char a[TL_ENDPOINT_STRLEN], b[TL_ENDPOINT_STRLEN];
	switch (ev->kind) {
	case TL_EV_PACKET: {
		char role[96];
		tl_role_describe(&ev->u.packet, role, sizeof(role));
		snprintf(out, len, "%s%s%s%s", ev->u.packet.text ? ev->u.packet.text : "(packet)",
			 role[0] ? "   [" : "", role, role[0] ? "]" : "");
		break;
	}
	case TL_EV_STATE: {
		const struct tl_state_change *s = &ev->u.state;
		const char *tag = source_tag(s->source);
		if (s->from == TL_STATE_NONE)
			snprintf(out, len, "seen in %s", tl_state_name(s->to));
		else
			snprintf(out, len, "%s -> %s", tl_state_name(s->from), tl_state_name(s->to));
		size_t used = strlen(out);
		if (tag[0] || s->why[0])
			snprintf(out + used, len - used, "   (%s%s%s)", tag, tag[0] && s->why[0] ? ": " : "",
				 s->why);
		break;
	}
	case TL_EV_APP:
		tl_app_call_format(&ev->u.app, out, len);
		break;
	case TL_EV_SNAPSHOT:
		snprintf(out, len, "snapshot%s%s: %zu socket%s", ev->u.snapshot.label[0] ? " " : "",
			 ev->u.snapshot.label, ev->u.snapshot.n, ev->u.snapshot.n == 1 ? "" : "s");
		break;
	case TL_EV_RETRANS:
		snprintf(out, len, "kernel retransmits %s in %s", retrans_word(ev->u.retrans.kind),
			 tl_state_name(ev->u.retrans.state));
		break;
	case TL_EV_RESET:
		tl_endpoint_format(&ev->u.reset.tuple.saddr, ev->u.reset.tuple.sport, a, sizeof(a));
		tl_endpoint_format(&ev->u.reset.tuple.daddr, ev->u.reset.tuple.dport, b, sizeof(b));
		if (ev->u.reset.sent)
			snprintf(out, len, "kernel sends RST %s > %s%s%s", a, b,
				 ev->u.reset.state == TL_STATE_NONE ? " (no socket there)" : " from ",
				 ev->u.reset.state == TL_STATE_NONE ? "" : tl_state_name(ev->u.reset.state));
		else
			snprintf(out, len, "socket %s in %s receives RST", a, tl_state_name(ev->u.reset.state));
		break;
	case TL_EV_DROP:
		tl_endpoint_format(&ev->u.drop.tuple.saddr, ev->u.drop.tuple.sport, a, sizeof(a));
		tl_endpoint_format(&ev->u.drop.tuple.daddr, ev->u.drop.tuple.dport, b, sizeof(b));
		snprintf(out, len, "firewall drops %s > %s%s%s", a, b, ev->u.drop.rule[0] ? " by " : "",
			 ev->u.drop.rule);
		break;
	case TL_EV_NOTE:
		snprintf(out, len, "%s", ev->u.note);
		break;
	case TL_EV_CENSUS:
		tl_census_format(&ev->u.census, out, len);
		break;
	case TL_EV_COUNTERS: {
		size_t grew = 0;
		for (size_t i = 0; i < ev->u.counters.n; i++)
			grew += ev->u.counters.v[i].delta != 0;
		snprintf(out, len, "TCP counters over the run (nstat's names): %zu of %zu changed", grew,
			 ev->u.counters.n);
		break;
	}
	}
}

/* One line of counter cells, without the padding of its last cell. */
static void flush_cells(FILE *out, const char *indent, char *line)
{
	size_t end = strlen(line);
	while (end && line[end - 1] == ' ')
		line[--end] = '\0';
	if (end)
		fprintf(out, "%s%s\n", indent, line);
	line[0] = '\0';
}

void tl_counters_print(FILE *out, const struct tl_counters *c, const char *indent)
{
	char line[256] = "";
	int col = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (!c->v[i].delta)
			continue;
		char cell[80];
		snprintf(cell, sizeof(cell), "%s %+lld", c->v[i].name, (long long)c->v[i].delta);
		size_t used = strlen(line);
		snprintf(line + used, sizeof(line) - used, col ? "  %-34s" : "%-34s", cell);
		if (++col == 3) {
			flush_cells(out, indent, line);
			col = 0;
		}
	}
	flush_cells(out, indent, line);
}

void tl_render_header(FILE *out, const struct tl_scenario *sc)
{
	fprintf(out, "== %s  %s\n", sc->id, sc->title);
	if (sc->section[0])
		fprintf(out, "   walkthrough: %s\n", sc->section);
	if (tl_addr_text_family(sc->host) == AF_INET6)
		fprintf(out, "   over IPv6: the server at %s\n", sc->host);
	if (sc->n_sysctls) {
		fprintf(out, "   sysctls in the lab:");
		for (size_t i = 0; i < sc->n_sysctls; i++)
			fprintf(out, " %s=%s", sc->sysctls[i].name, sc->sysctls[i].value);
		fprintf(out, "\n");
	}
}

/*
 * The first events of a flood or a crowd show what it is; the rest would
 * bury the scenario's own connections, so they are counted instead.
 */
#define GROUP_LINES 12
#define CENSUS_ROWS 24

enum group { NO_GROUP, FLOOD, CROWD, N_GROUPS };

static enum group group_of(const struct tl_event *ev)
{
	return !strcmp(ev->conn, TL_CONN_FLOOD) ? FLOOD : !strcmp(ev->conn, TL_CONN_CROWD) ? CROWD : NO_GROUP;
}

/* "... 170 more events of the flood's spoofed peers": what was left out since the last line printed. */
static void print_hidden(FILE *out, int width, size_t hidden[N_GROUPS])
{
	static const char *const what[N_GROUPS] = { "", "the flood's spoofed peers", "the crowd's connections" };
	for (int g = FLOOD; g < N_GROUPS; g++)
		if (hidden[g])
			fprintf(out, "   %10s  %-*s  ... %zu more events of %s (--json and --pcap have them)\n", "", width, "",
				hidden[g], what[g]);
	memset(hidden, 0, N_GROUPS * sizeof(hidden[0]));
}

void tl_render_timeline(FILE *out, const struct tl_timeline *tl)
{
	int width = 6;
	char side[TL_SIDE_CONN_STRLEN];
	for (size_t i = 0; i < tl->n; i++) {
		tl_side_conn_name(tl->ev[i].side, tl->ev[i].conn, side, sizeof(side));
		if ((int)strlen(side) > width)
			width = (int)strlen(side);
	}
	fprintf(out, "\n   %10s  %-*s  %s\n", "time (s)", width, "side", "event");
	size_t shown[N_GROUPS] = { 0 }, hidden[N_GROUPS] = { 0 };
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *ev = &tl->ev[i];
		char line[1024];
		if (ev->kind == TL_EV_CENSUS)
			continue; /* the table after the timeline shows them */
		enum group g = group_of(ev);
		if (g != NO_GROUP && shown[g]++ >= GROUP_LINES) {
			hidden[g]++;
			continue;
		}
		print_hidden(out, width, hidden);
		uint64_t rel_ns = ev->t_ns > tl->t0_ns ? ev->t_ns - tl->t0_ns : 0;
		tl_render_event(tl, ev, line, sizeof(line));
		tl_side_conn_name(ev->side, ev->conn, side, sizeof(side));
		fprintf(out, "   %10.6f  %-*s  %s\n", rel_ns / 1e9, width, side, line);
		if (ev->kind == TL_EV_SNAPSHOT)
			tl_snapshot_print(out, &ev->u.snapshot, "                       ");
		if (ev->kind == TL_EV_COUNTERS)
			tl_counters_print(out, &ev->u.counters, "                       ");
	}
	print_hidden(out, width, hidden);
	tl_census_print(out, tl, CENSUS_ROWS);
}

void tl_render_verdict(FILE *out, const struct tl_scenario *sc, const struct tl_check_report *rep)
{
	if (sc->explain[0])
		fprintf(out, "\n   why: %s\n", sc->explain);
	fprintf(out, "\n   checks:\n");
	for (size_t i = 0; i < rep->n; i++) {
		const struct tl_check_item *it = &rep->items[i];
		/* A name wider than its column (a step as written) keeps two blanks before what follows. */
		int width = strlen(it->what) < 16 ? 16 : (int)strlen(it->what) + 1;
		if (it->pass) {
			fprintf(out, "     PASS  %-*s %s\n", width, it->what, it->observed);
		} else {
			fprintf(out, "     FAIL  %-*s %s:%d: %s\n", width, it->what, sc->path, it->line, it->difference);
			fprintf(out, "           expected: %s\n", it->expected);
			fprintf(out, "           observed: %s\n", it->observed);
		}
	}
	if (rep->unchecked)
		fprintf(out, "     (no expect line: nothing was checked but that no call failed)\n");
	fprintf(out, "\n   %s %s\n\n", rep->pass ? "PASS" : "FAIL", sc->id);
}
