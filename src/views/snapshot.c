/*
 * snapshot: netstat -tano's table, column widths and timer spelling included,
 * so that a reader can set ours beside the real tool's.
 */
#include "views/snapshot.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* netstat's state column: the kernel's spelling, and a request socket
 * (which sock_diag already reports as SYN_RECV) never as NEW_SYN_RECV. */
static const char *netstat_state(enum tl_state s)
{
	return s == TL_NEW_SYN_RECV ? tl_state_name(TL_SYN_RECV) : tl_state_name(s);
}

/* netstat prints a port 0 as "*" ("0.0.0.0:*" for a listener's peer). An
 * IPv6 address is bracketed as ss does ("[::1]:2017"): netstat's "::1:2017"
 * cannot be read back. */
static void netstat_endpoint(const struct tl_addr *addr, uint16_t port, char *out, size_t len)
{
	char a[TL_ADDR_STRLEN + 2];
	tl_addr_format(addr, a + 1, sizeof(a) - 1);
	const char *shown = a + 1;
	if (!tl_addr_is_v4(addr)) {
		a[0] = '[';
		strcat(a, "]");
		shown = a;
	}
	if (port)
		snprintf(out, len, "%s:%u", shown, (unsigned)port);
	else
		snprintf(out, len, "%s:*", shown);
}

/* netstat -o: "name (seconds left/retransmits/keepalive probes)". */
static void netstat_timer(const struct tl_sock_row *r, char *out, size_t len)
{
	double secs = r->timer_ms / 1000.0;
	switch (r->timer) {
	case TL_TIMER_OFF:
		snprintf(out, len, "off (0.00/%u/0)", r->retrans);
		return;
	case TL_TIMER_ON:
		snprintf(out, len, "on (%.2f/%u/0)", secs, r->retrans);
		return;
	case TL_TIMER_KEEPALIVE:
		/* sock_diag's count here is probes, netstat's third field. */
		snprintf(out, len, "keepalive (%.2f/0/%u)", secs, r->retrans);
		return;
	case TL_TIMER_TIMEWAIT:
		snprintf(out, len, "timewait (%.2f/0/0)", secs);
		return;
	case TL_TIMER_PROBE:
		snprintf(out, len, "probe (%.2f/0/%u)", secs, r->retrans);
		return;
	}
	snprintf(out, len, "unkn-%d (%.2f/%u/0)", (int)r->timer, secs, r->retrans);
}

/* Up to this many rows a snapshot is printed whole; beyond, summarised (JSON keeps every row). */
#define FULL_ROWS 24
#define ROWS_PER_STATE 3

static void print_row(FILE *out, const struct tl_sock_row *r, const char *indent)
{
	char local[TL_ENDPOINT_STRLEN], foreign[TL_ENDPOINT_STRLEN], timer[48];
		netstat_endpoint(&r->tuple.saddr, r->tuple.sport, local, sizeof(local));
		netstat_endpoint(&r->tuple.daddr, r->tuple.dport, foreign, sizeof(foreign));
		netstat_timer(r, timer, sizeof(timer));
		/* netstat reads a listener's Send-Q from /proc/net/tcp, where it is 0; the
		 * backlog sock_diag puts there (and ss shows) stays in the row and the JSON. */
		uint32_t send_q = r->state == TL_LISTEN ? 0 : r->send_q;
		/* netstat's protocol column: "tcp6" for an IPv6 socket. */
		fprintf(out, "%s%-5s %6u %6u %-23s %-23s %-11s %s\n", indent,
			tl_tuple_family(&r->tuple) == AF_INET6 ? "tcp6" : "tcp", r->recv_q, send_q, local, foreign, netstat_state(r->state), timer);
}

/*
 * Many sockets: how many in each state, each listener's accept queue
 * against its backlog, then the first rows of each state, in the order
 * the states first appear.
 */
static void print_summary(FILE *out, const struct tl_snapshot *s, const char *indent)
{
	size_t count[TL_STATE_COUNT] = { 0 };
	enum tl_state order[TL_STATE_COUNT];
	size_t n_order = 0;
	for (size_t i = 0; i < s->n; i++) {
		enum tl_state st = s->rows[i].state;
		if ((unsigned)st >= TL_STATE_COUNT)
			continue;
		if (!count[st]++)
			order[n_order++] = st;
	}
	fprintf(out, "%sby state:", indent);
	for (size_t k = 0; k < n_order; k++)
		fprintf(out, "%s %s %zu", k ? "," : "", netstat_state(order[k]), count[order[k]]);
	fprintf(out, "\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct tl_sock_row *r = &s->rows[i];
		char local[TL_ENDPOINT_STRLEN];
		if (r->state != TL_LISTEN)
			continue;
		netstat_endpoint(&r->tuple.saddr, r->tuple.sport, local, sizeof(local));
		fprintf(out, "%slistener %s: accept queue %u of backlog %u\n", indent, local, r->recv_q, r->send_q);
	}
	fprintf(out, "%sProto Recv-Q Send-Q %-23s %-23s %-11s Timer\n", indent, "Local Address", "Foreign Address",
		"State");
	for (size_t k = 0; k < n_order; k++) {
		size_t shown = 0;
		for (size_t i = 0; i < s->n && shown < ROWS_PER_STATE; i++)
			if (s->rows[i].state == order[k]) {
				print_row(out, &s->rows[i], indent);
				shown++;
			}
		if (count[order[k]] > shown)
			fprintf(out, "%s      ... %zu more in %s (every row: --json)\n", indent, count[order[k]] - shown,
				netstat_state(order[k]));
	}
}

void tl_snapshot_print(FILE *out, const struct tl_snapshot *s, const char *indent)
{
	if (!indent)
		indent = "";
	if (s->n > FULL_ROWS) {
		print_summary(out, s, indent);
		return;
	}
	/* netstat's widths: %6 queues, %-23 endpoints, %-11 state. */
	fprintf(out, "%sProto Recv-Q Send-Q %-23s %-23s %-11s Timer\n", indent, "Local Address",
		"Foreign Address", "State");
	for (size_t i = 0; i < s->n; i++)
		print_row(out, &s->rows[i], indent);
}
