/*
 * Unit tests of the ladder diagrams: the rows built from a timeline
 * (relative numbers, roles, states, calls, drops, breaks), the text ladder
 * in Unicode and ASCII, and the SVG picture. Timelines are built here from
 * event records; packets go through tl_packet_build and tl_roles_annotate so
 * their texts and roles are the real ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "core/event.h"
#include "views/ladder.h"
#include "analysis/packet.h"
#include "core/wire.h"
#include "analysis/roles.h"
#include "scenario/scenario.h"
#include "views/svg.h"

#define T0 1000000000ull /* the run's start: events are given in microseconds after it */
#define CLIENT_PORT 40000
#define SERVER_PORT 2017

enum { S = TL_TH_SYN, A = TL_TH_ACK, F = TL_TH_FIN, P = TL_TH_PSH, R = TL_TH_RST };

/* ---- building timelines ------------------------------------------------ */

static struct tl_tuple tuple(bool from_client)
{
	return (struct tl_tuple){ .saddr = tl_addr_v4(htonl(INADDR_LOOPBACK)), .daddr = tl_addr_v4(htonl(INADDR_LOOPBACK)),
				  .sport = from_client ? CLIENT_PORT : SERVER_PORT,
				  .dport = from_client ? SERVER_PORT : CLIENT_PORT };
}

static void append(struct tl_timeline *tl, struct tl_event *ev, uint64_t t_us)
{
	ev->t_ns = T0 + t_us * 1000;
	assert_int_equal(tl_timeline_append(tl, ev), 0);
}

static void pkt(struct tl_timeline *tl, uint64_t t_us, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
		size_t len)
{
	static const uint8_t payload[64] = "hello";
	struct tl_tuple t = tuple(from_client);
	struct tl_event ev = { .kind = TL_EV_PACKET, .side = from_client ? TL_SIDE_CLIENT : TL_SIDE_SERVER };
	assert_int_equal(tl_packet_build(&t, seq, ack, flags, 512, NULL, 0, payload, len, &ev.u.packet), 0);
	append(tl, &ev, t_us);
}

static void state(struct tl_timeline *tl, uint64_t t_us, enum tl_side side, enum tl_state from, enum tl_state to)
{
	struct tl_event ev = { .kind = TL_EV_STATE, .side = side };
	ev.u.state = (struct tl_state_change){ .sock_id = side, .tuple = tuple(side == TL_SIDE_CLIENT), .from = from,
					       .to = to };
	append(tl, &ev, t_us);
}

static void call(struct tl_timeline *tl, uint64_t t_us, enum tl_side side, const char *verb, const char *text,
		 long ret, int err, uint64_t called_us)
{
	struct tl_event ev = { .kind = TL_EV_APP, .side = side };
	snprintf(ev.u.app.verb, sizeof(ev.u.app.verb), "%s", verb);
	snprintf(ev.u.app.call, sizeof(ev.u.app.call), "%s", text);
	ev.u.app.ret = ret;
	ev.u.app.err = err;
	ev.u.app.called_ns = T0 + called_us * 1000;
	append(tl, &ev, t_us);
}

static void note(struct tl_timeline *tl, uint64_t t_us, const char *text)
{
	struct tl_event ev = { .kind = TL_EV_NOTE };
	snprintf(ev.u.note, sizeof(ev.u.note), "%s", text);
	append(tl, &ev, t_us);
}

static void drop(struct tl_timeline *tl, uint64_t t_us, bool from_client, uint8_t flags, uint32_t seq,
		 const char *rule)
{
	struct tl_event ev = { .kind = TL_EV_DROP, .side = from_client ? TL_SIDE_CLIENT : TL_SIDE_SERVER };
	ev.u.drop = (struct tl_drop){ .tuple = tuple(from_client), .seq = seq, .flags = flags };
	snprintf(ev.u.drop.rule, sizeof(ev.u.drop.rule), "%s", rule);
	append(tl, &ev, t_us);
}

static void handshake(struct tl_timeline *tl)
{
	state(tl, 60, TL_SIDE_SERVER, TL_CLOSE, TL_LISTEN);
	call(tl, 80, TL_SIDE_SERVER, "listen", "listen(127.0.0.1:2017)", 0, 0, 50);
	state(tl, 300, TL_SIDE_CLIENT, TL_CLOSE, TL_SYN_SENT);
	pkt(tl, 350, true, S, 1000, 0, 0);
	pkt(tl, 370, false, S | A, 5000, 1001, 0);
	state(tl, 380, TL_SIDE_CLIENT, TL_SYN_SENT, TL_ESTABLISHED);
	pkt(tl, 390, true, A, 1001, 5001, 0);
	state(tl, 395, TL_SIDE_SERVER, TL_LISTEN, TL_SYN_RECV);
	state(tl, 400, TL_SIDE_SERVER, TL_SYN_RECV, TL_ESTABLISHED);
	call(tl, 440, TL_SIDE_CLIENT, "connect", "connect(127.0.0.1:2017)", 0, 0, 290);
}

/* N5: data, the client closes first, the server's FIN merges legs 2 and 3, then TIME-WAIT ends after 60 s. */
static void client_closes_first(struct tl_timeline *tl)
{
	handshake(tl);
	pkt(tl, 1650, true, P | A, 1001, 5001, 5);
	pkt(tl, 1660, false, A, 5001, 1006, 0);
	state(tl, 2000, TL_SIDE_CLIENT, TL_ESTABLISHED, TL_FIN_WAIT1);
	pkt(tl, 2010, true, F | A, 1006, 5001, 0);
	state(tl, 2013, TL_SIDE_SERVER, TL_ESTABLISHED, TL_CLOSE_WAIT);
	state(tl, 2250, TL_SIDE_SERVER, TL_CLOSE_WAIT, TL_LAST_ACK);
	pkt(tl, 2300, false, F | A, 5001, 1007, 0);
	state(tl, 2318, TL_SIDE_CLIENT, TL_FIN_WAIT1, TL_FIN_WAIT2);
	state(tl, 2373, TL_SIDE_CLIENT, TL_FIN_WAIT2, TL_TIME_WAIT);
	pkt(tl, 2390, true, A, 1007, 5002, 0);
	state(tl, 2405, TL_SIDE_SERVER, TL_LAST_ACK, TL_CLOSE);
	state(tl, 60002400, TL_SIDE_CLIENT, TL_TIME_WAIT, TL_CLOSE);
	assert_int_equal(tl_roles_annotate(tl), 0);
}

/* A1-like: the SYN and its first resend are dropped by a rule, the second resend gets through. */
static void syn_dropped(struct tl_timeline *tl)
{
	state(tl, 60, TL_SIDE_SERVER, TL_CLOSE, TL_LISTEN);
	state(tl, 300, TL_SIDE_CLIENT, TL_CLOSE, TL_SYN_SENT);
	pkt(tl, 350, true, S, 1000, 0, 0);
	drop(tl, 352, true, S, 1000, "rule1");
	pkt(tl, 1000350, true, S, 1000, 0, 0);
	drop(tl, 1000352, true, S, 1000, "rule1");
	pkt(tl, 3000350, true, S, 1000, 0, 0);
	pkt(tl, 3000370, false, S | A, 5000, 1001, 0);
	assert_int_equal(tl_roles_annotate(tl), 0);
}

static struct tl_scenario scenario(void)
{
	struct tl_scenario sc;
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.id, sizeof(sc.id), "N5");
	snprintf(sc.title, sizeof(sc.title), "Client closes first <&> \"quoted\"");
	snprintf(sc.section, sizeof(sc.section), "case 5");
	snprintf(sc.host, sizeof(sc.host), "127.0.0.1");
	sc.port = SERVER_PORT;
	sc.server_port = SERVER_PORT; /* as the parser finds it: no listen step here */
	return sc;
}

/* ---- reading output ---------------------------------------------------- */

static char *ladder_text(const struct tl_timeline *tl, bool ascii, int width)
{
	struct tl_scenario sc = scenario();
	struct tl_ladder_options o = { .ascii = ascii, .width = width };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(tl_ladder_print(f, &sc, tl, &o), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The first line of text containing needle, copied into line; fails the test when there is none. */
static const char *line_with(const char *text, const char *needle, char *line, size_t len)
{
	const char *hit = strstr(text, needle);
	if (!hit)
		fail_msg("no line with '%s' in:\n%s", needle, text);
	const char *start = hit, *end = strchr(hit, '\n');
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(line, len, "%.*s", (int)((end ? end : hit + strlen(hit)) - start), start);
	return line;
}

static void assert_contains(const char *line, const char *needle)
{
	if (!strstr(line, needle))
		fail_msg("'%s' lacks '%s'", line, needle);
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static int columns(const char *s, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static void assert_width(const char *text, int width)
{
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (columns(p, len) > width)
			fail_msg("line wider than %d: '%.*s'", width, (int)len, p);
		p += len + (end != NULL);
	}
}

/* ---- the rows ---------------------------------------------------------- */

static const struct tl_ladder_row *nth_packet(const struct tl_ladder *l, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->rows[i].kind == TL_LROW_PACKET && n-- == 0)
			return &l->rows[i];
	fail_msg("fewer than %zu packet rows", n + 1);
	return NULL;
}

static void rows_have_relative_numbers_roles_and_sides(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_ladder l;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	client_closes_first(&tl);
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), 0);
	static const char *const labels[] = { "S seq 0 len 0", "S. seq 0 ack 1 len 0", ". seq 1 ack 1 len 0",
					      "P. seq 1 ack 1 len 5", ". seq 1 ack 6 len 0", "F. seq 6 ack 1 len 0",
					      "F. seq 1 ack 7 len 0", ". seq 7 ack 2 len 0" };
	static const char *const roles[] = { "handshake 1/3", "handshake 2/3", "handshake 3/3", "data", "ack",
					     "teardown 1", "teardown 2+3", "teardown 4" };
	for (size_t i = 0; i < 8; i++) {
		assert_string_equal(nth_packet(&l, i)->label, labels[i]);
		assert_string_equal(nth_packet(&l, i)->role, roles[i]);
	}
	assert_int_equal(nth_packet(&l, 1)->side, TL_SIDE_SERVER);
	assert_string_equal(l.client, "127.0.0.1:40000");
	assert_string_equal(l.server, "127.0.0.1:2017");
	assert_int_equal(l.client_initial, TL_CLOSE);
	assert_int_equal(l.rows[0].t_ns, 60000); /* relative to t0 */
	tl_ladder_free(&l);
	tl_timeline_free(&tl);
}

/*
 * The arrows show the numbers roles.h recorded on each packet, which compare
 * reads too: one rule, including a server's challenge ACK to a new SYN on the
 * old ports, which still counts from the server's own last SYN.
 */
static void arrows_show_the_numbers_roles_recorded(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_ladder l;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	handshake(&tl);
	pkt(&tl, 500, true, S, 9000, 0, 0);	 /* a stray SYN on the open connection */
	pkt(&tl, 510, false, A, 5001, 1001, 0); /* its challenge ACK, in the connection's numbers */
	assert_int_equal(tl_roles_annotate(&tl), 0);
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), 0);
	size_t k = 0;
	for (size_t i = 0; i < tl.n; i++) {
		if (tl.ev[i].kind != TL_EV_PACKET)
			continue;
		const struct tl_packet *p = &tl.ev[i].u.packet;
		char flags[12], want[72];
		tl_flags_letters(p->flags, flags);
		if (p->flags & A)
			snprintf(want, sizeof(want), "%s seq %u ack %u len %u", flags, p->ref.rel_seq, p->ref.rel_ack,
				 p->payload_len);
		else
			snprintf(want, sizeof(want), "%s seq %u len %u", flags, p->ref.rel_seq, p->payload_len);
		assert_string_equal(nth_packet(&l, k++)->label, want);
	}
	assert_int_equal(k, 5);
	/* The stray SYN is not the connection's: numbers still count from its own SYN (1000). */
	assert_string_equal(nth_packet(&l, 3)->label, "S seq 8000 len 0");
	assert_string_equal(nth_packet(&l, 4)->label, ". seq 1 ack 1 len 0");
	tl_ladder_free(&l);
	tl_timeline_free(&tl);
}

static void a_long_idle_gap_is_a_break_and_not_scaled(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_ladder l;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	client_closes_first(&tl);
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), 0);
	const struct tl_ladder_row *last = &l.rows[l.n - 1];
	assert_true(last->break_before);
	assert_int_equal(last->state, TL_CLOSE);
	assert_true(l.scaled_ns < 3000000); /* the 60 s are not in the scaled time */
	size_t breaks = 0;
	for (size_t i = 0; i < l.n; i++)
		breaks += l.rows[i].break_before;
	assert_int_equal(breaks, 1);
	char gap[32];
	tl_ladder_format_gap(last->gap_ns, false, gap, sizeof(gap));
	assert_string_equal(gap, "\u2248 60.0 s");
	tl_ladder_format_gap(21300000, true, gap, sizeof(gap));
	assert_string_equal(gap, "~ 21.3 ms");
	tl_ladder_free(&l);
	tl_timeline_free(&tl);
}

static void a_drop_event_marks_its_packet_and_a_retransmission_is_numbered(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_ladder l;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	syn_dropped(&tl);
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), 0);
	size_t packets = 0;
	for (size_t i = 0; i < l.n; i++)
		packets += l.rows[i].kind == TL_LROW_PACKET;
	assert_int_equal(packets, 4); /* the drop events became marks, not arrows */
	assert_true(nth_packet(&l, 0)->dropped);
	assert_string_equal(nth_packet(&l, 0)->drop_rule, "rule1");
	assert_true(nth_packet(&l, 1)->dropped);
	assert_false(nth_packet(&l, 2)->dropped);
	assert_string_equal(nth_packet(&l, 2)->role, "retransmission #2 of handshake 1/3");
	tl_ladder_free(&l);
	tl_timeline_free(&tl);
}

static void a_drop_without_a_captured_packet_is_an_arrow_of_its_own(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_ladder l;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	state(&tl, 300, TL_SIDE_CLIENT, TL_ESTABLISHED, TL_FIN_WAIT1);
	drop(&tl, 400, true, F | A, 77, "");
	assert_int_equal(tl_roles_annotate(&tl), 0); /* numbers a drop report too */
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.rows[1].kind, TL_LROW_PACKET);
	assert_true(l.rows[1].dropped);
	assert_int_equal(l.rows[1].side, TL_SIDE_CLIENT);
	assert_string_equal(l.rows[1].label, "F. seq 0"); /* a drop report has no ack number or length */
	assert_string_equal(l.server, "127.0.0.1:2017"); /* from the scenario: no packet was captured */
	tl_ladder_free(&l);
	tl_timeline_free(&tl);
}

/* Without roles' numbers the ladder refuses rather than draw zeros. */
static void an_unannotated_timeline_is_refused(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_ladder l;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	pkt(&tl, 350, true, S, 1000, 0, 0);
	errno = 0;
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tl_roles_annotate(&tl), 0);
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), 0);
	assert_string_equal(nth_packet(&l, 0)->label, "S seq 0 len 0");
	tl_ladder_free(&l);
	tl_timeline_free(&tl);
}

/* A snapshot of more sockets than a row holds says how many it left out. */
static void a_long_snapshot_counts_the_sockets_it_leaves_out(void **unused)
{
	(void)unused;
	enum { SOCKETS = 40 };
	struct tl_timeline tl;
	struct tl_ladder l;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	struct tl_event ev = { .kind = TL_EV_SNAPSHOT };
	snprintf(ev.u.snapshot.label, sizeof(ev.u.snapshot.label), "after close");
	ev.u.snapshot.rows = calloc(SOCKETS, sizeof(*ev.u.snapshot.rows));
	assert_non_null(ev.u.snapshot.rows);
	ev.u.snapshot.n = SOCKETS;
	for (size_t i = 0; i < SOCKETS; i++) {
		ev.u.snapshot.rows[i].tuple = tuple(true);
		ev.u.snapshot.rows[i].tuple.sport = (uint16_t)(CLIENT_PORT + i);
		ev.u.snapshot.rows[i].state = TL_TIME_WAIT;
		ev.u.snapshot.rows[i].side = TL_SIDE_CLIENT; /* as a runner tags its rows */
	}
	append(&tl, &ev, 100);
	assert_int_equal(tl_ladder_build(&sc, &tl, &l), 0);
	assert_int_equal(l.n, 1);
	const char *text = l.rows[0].text;
	assert_non_null(strstr(text, "snapshot after close: client TIME_WAIT, client TIME_WAIT"));
	const char *more = strstr(text, ", and ");
	assert_non_null(more);
	unsigned left_out = 0;
	assert_int_equal(sscanf(more, ", and %u more", &left_out), 1);
	size_t shown = 0;
	for (const char *c = strstr(text, "client"); c && c < more; c = strstr(c + 1, "client"))
		shown++;
	assert_int_equal(shown + left_out, SOCKETS);
	assert_true(strlen(text) < sizeof(l.rows[0].text));
	tl_ladder_free(&l);
	tl_timeline_free(&tl);
}

static void texts_are_cleaned_to_valid_utf8(void **unused)
{
	(void)unused;
	char out[16];
	tl_ladder_clean_text(out, sizeof(out), "a\xff" "b\n\xc3\xa9");
	assert_string_equal(out, "a?b?\xc3\xa9");
	tl_ladder_clean_text(out, 4, "ab\xc3\xa9"); /* é does not fit whole: not cut in two */
	assert_string_equal(out, "ab");
}

/* ---- the text ladder --------------------------------------------------- */

static void unicode_ladder_draws_arrows_states_calls_and_breaks(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	char line[1024];
	tl_timeline_init(&tl, T0);
	client_closes_first(&tl);
	char *text = ladder_text(&tl, false, 100);
	line_with(text, "handshake 1/3", line, sizeof(line));
	assert_contains(line, "\u251c\u2500\u2500\u2500 S seq 0 len 0 \u2500");
	assert_contains(line, "\u2500\u25b6\u2502");
	line_with(text, "handshake 2/3", line, sizeof(line));
	assert_contains(line, "\u2502\u25c0\u2500\u2500 S. seq 0 ack 1 len 0");
	assert_contains(line, "\u2524");
	line_with(text, "teardown 2+3", line, sizeof(line));
	assert_contains(line, "F. seq 1 ack 7 len 0");
	assert_contains(line, "\u25c0");
	line_with(text, "ESTABLISHED \u2502", line, sizeof(line)); /* the client's, left of its column */
	assert_contains(line, "0.000380");
	line_with(text, "\u2502 ESTABLISHED", line, sizeof(line)); /* the server's, right of its column */
	assert_contains(line, "0.000400");
	line_with(text, "TIME_WAIT \u2502", line, sizeof(line));
	line_with(text, "\u25c6 connect(127.0.0.1:2017) = 0", line, sizeof(line));
	line_with(text, "listen(127.0.0.1:2017) = 0 \u25c6", line, sizeof(line));
	line_with(text, "\u2248 60.0 s", line, sizeof(line));
	assert_int_equal(count(line, "\u2506"), 2);
	line_with(text, "N5  Client closes first", line, sizeof(line));
	line_with(text, "client 127.0.0.1:40000", line, sizeof(line));
	assert_contains(line, "server 127.0.0.1:2017");
	assert_width(text, 100);
	free(text);
	tl_timeline_free(&tl);
}

static void ascii_ladder_uses_ascii_only(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	char line[1024];
	tl_timeline_init(&tl, T0);
	client_closes_first(&tl);
	char *text = ladder_text(&tl, true, 100);
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p >= 0x80)
			fail_msg("non-ASCII byte 0x%02x at offset %td", (unsigned char)*p, p - text);
	line_with(text, "handshake 1/3", line, sizeof(line));
	assert_contains(line, "|--- S seq 0 len 0 -");
	assert_contains(line, "-->|");
	line_with(text, "handshake 2/3", line, sizeof(line));
	assert_contains(line, "|<-- S. seq 0 ack 1 len 0 -");
	line_with(text, "~ 60.0 s", line, sizeof(line));
	line_with(text, "* connect(", line, sizeof(line));
	free(text);
	tl_timeline_free(&tl);
}

static void dropped_arrows_stop_under_a_cross(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	char line[1024];
	tl_timeline_init(&tl, T0);
	syn_dropped(&tl);
	char *text = ladder_text(&tl, false, 100);
	assert_int_equal(count(text, "\u2715"), 2 + 1); /* two arrows and the legend */
	line_with(text, "\u2715 dropped by rule1", line, sizeof(line));
	assert_contains(line, "\u251c\u2500\u2500\u2500 S seq 0 len 0 \u2500");
	if (strstr(line, "\u25b6"))
		fail_msg("a dropped arrow reaches the server: '%s'", line);
	const char *cross = strstr(line, "\u2715");
	int col = columns(line, (size_t)(cross - line)), client = 26, server = 100 - 16;
	assert_in_range(col, client + (server - client) / 3, server - (server - client) / 3);
	line_with(text, "#2 of handshake 1/3", line, sizeof(line));
	assert_contains(line, "\u25b6");
	free(text);
	tl_timeline_free(&tl);
}

static void narrow_terminals_get_the_role_above_the_arrow(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	char line[1024];
	tl_timeline_init(&tl, T0);
	syn_dropped(&tl);
	char *text = ladder_text(&tl, false, 40); /* raised to the minimum, 72 */
	assert_width(text, 72);
	line_with(text, "retrans #2 of handshake 1/3", line, sizeof(line)); /* the brief form */
	if (strstr(line, "\u25b6"))
		fail_msg("the role should be on its own line at 72 columns: '%s'", line);
	const char *next = strstr(text, "retrans #2 of handshake 1/3");
	line_with(strchr(next, '\n') + 1, "\u25b6", line, sizeof(line));
	assert_contains(line, "S seq 0 len 0");
	free(text);
	tl_timeline_free(&tl);
}

static void a_side_without_events_has_no_socket(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	char line[512];
	tl_timeline_init(&tl, T0);
	state(&tl, 60, TL_SIDE_SERVER, TL_CLOSE, TL_LISTEN);
	note(&tl, 100, "a note long enough to be wrapped over two lines between the two columns of the ladder, "
		       "with a bad byte \xff here");
	char *text = ladder_text(&tl, false, 100);
	line_with(text, "no socket \u252c", line, sizeof(line));
	line_with(text, "byte ? here", line, sizeof(line));
	assert_int_equal(count(text, "a note long"), 1);
	free(text);
	tl_timeline_free(&tl);
}

static void printing_to_a_failed_stream_fails(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_scenario sc = scenario();
	tl_timeline_init(&tl, T0);
	client_closes_first(&tl);
	FILE *full = fopen("/dev/full", "w");
	if (!full) {
		print_message("skipped: /dev/full cannot be opened: %s\n", strerror(errno));
		skip();
	}
	setvbuf(full, NULL, _IONBF, 0);
	assert_int_equal(tl_ladder_print(full, &sc, &tl, NULL), -1);
	fclose(full);
	tl_timeline_free(&tl);
}

/* ---- SVG --------------------------------------------------------------- */

static void svg_is_self_contained_and_escaped(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_scenario sc = scenario();
	char err[256] = "";
	tl_timeline_init(&tl, T0);
	client_closes_first(&tl);
	note(&tl, 60002500, "x < y & z");
	char *svg = tl_svg_string(&sc, &tl, err, sizeof(err));
	assert_non_null(svg);
	assert_true(!strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39));
	assert_true(strlen(svg) > 7 && !strcmp(svg + strlen(svg) - 7, "</svg>\n"));
	assert_int_equal(count(svg, "http"), 1); /* only the namespace: nothing is fetched */
	assert_int_equal(count(svg, " id="), 0);  /* embeddable several times in one page */
	assert_int_equal(count(svg, "<text"), count(svg, "</text>"));
	assert_non_null(strstr(svg, "Client closes first &lt;&amp;&gt; &quot;quoted&quot;"));
	assert_non_null(strstr(svg, "x &lt; y &amp; z"));
	assert_non_null(strstr(svg, ">S. seq 0 ack 1 len 0<"));
	assert_non_null(strstr(svg, ">teardown 2+3<"));
	assert_non_null(strstr(svg, ">TIME_WAIT<"));
	assert_non_null(strstr(svg, ">\u2248 60.0 s<"));
	assert_non_null(strstr(svg, ">connect(127.0.0.1:2017) = 0<"));
	assert_non_null(strstr(svg, ">127.0.0.1:40000<"));
	assert_non_null(strstr(svg, "legend"));
	free(svg);
	tl_timeline_free(&tl);
}

static void svg_draws_dropped_packets_with_a_red_cross(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_scenario sc = scenario();
	char err[256] = "";
	tl_timeline_init(&tl, T0);
	syn_dropped(&tl);
	char *svg = tl_svg_string(&sc, &tl, err, sizeof(err));
	assert_non_null(svg);
	assert_int_equal(count(svg, ">dropped by rule1<"), 2);
	assert_int_equal(count(svg, "stroke=\"#cf222e\" stroke-width=\"3\""), 2 + 1); /* two crosses and the legend's */
	assert_non_null(strstr(svg, ">retransmission #1 of handshake 1/3<"));
	assert_non_null(strstr(svg, "stroke-dasharray=\"7 4\"")); /* retransmissions are dashed */
	free(svg);
	tl_timeline_free(&tl);
}

static void svg_write_reports_the_path_it_could_not_open(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_scenario sc = scenario();
	char err[256] = "", path[] = "/tmp/tcplab-test-svg-XXXXXX";
	tl_timeline_init(&tl, T0);
	client_closes_first(&tl);
	assert_int_equal(tl_svg_write("/nonexistent/dir/x.svg", &sc, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/x.svg: "));
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(tl_svg_write(path, &sc, &tl, err, sizeof(err)), 0);
	FILE *f = fdopen(fd, "r");
	char head[8] = "";
	assert_non_null(fgets(head, sizeof(head), f));
	assert_string_equal(head, "<svg xm");
	fclose(f);
	unlink(path);
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_have_relative_numbers_roles_and_sides),
		cmocka_unit_test(arrows_show_the_numbers_roles_recorded),
		cmocka_unit_test(a_long_idle_gap_is_a_break_and_not_scaled),
		cmocka_unit_test(a_drop_event_marks_its_packet_and_a_retransmission_is_numbered),
		cmocka_unit_test(a_drop_without_a_captured_packet_is_an_arrow_of_its_own),
		cmocka_unit_test(an_unannotated_timeline_is_refused),
		cmocka_unit_test(a_long_snapshot_counts_the_sockets_it_leaves_out),
		cmocka_unit_test(texts_are_cleaned_to_valid_utf8),
		cmocka_unit_test(unicode_ladder_draws_arrows_states_calls_and_breaks),
		cmocka_unit_test(ascii_ladder_uses_ascii_only),
		cmocka_unit_test(dropped_arrows_stop_under_a_cross),
		cmocka_unit_test(narrow_terminals_get_the_role_above_the_arrow),
		cmocka_unit_test(a_side_without_events_has_no_socket),
		cmocka_unit_test(printing_to_a_failed_stream_fails),
		cmocka_unit_test(svg_is_self_contained_and_escaped),
		cmocka_unit_test(svg_draws_dropped_packets_with_a_red_cross),
		cmocka_unit_test(svg_write_reports_the_path_it_could_not_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
