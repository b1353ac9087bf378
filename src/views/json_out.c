/*
 * json_out: builds a run's JSON document with json-c, which does all the
 * escaping; strings are made valid UTF-8 first (invalid bytes become
 * U+FFFD) because json-c passes bytes through as they are. A builder keeps
 * one failure flag, so each field is one line and an allocation failure
 * anywhere fails the whole document once, at the end.
 */
#include "views/json_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/errnames.h"
#include "analysis/series.h"
#include "core/textbuf.h"

struct builder {
	bool failed;
	uint64_t t0_ns;
};

/* ---- values ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 for an invalid byte. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		: (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 2 && s[0] < 0xc2)
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string of s with every invalid UTF-8 byte replaced by U+FFFD; NULL when out of memory. */
static struct json_object *new_string(const char *s)
{
	size_t len = strlen(s), k = 0;
	char *clean = malloc(3 * len + 1);
	if (!clean)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = utf8_len(p);
		if (n) {
			memcpy(clean + k, p, n);
			k += n;
			p += n;
		} else {
			memcpy(clean + k, "\xef\xbf\xbd", 3);
			k += 3;
			p++;
		}
	}
	struct json_object *o = json_object_new_string_len(clean, (int)k);
	free(clean);
	return o;
}

static void add(struct builder *b, struct json_object *obj, const char *key, struct json_object *v)
{
	if (!v) {
		b->failed = true;
		return;
	}
	if (json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		b->failed = true;
	}
}

static void add_null(struct builder *b, struct json_object *obj, const char *key)
{
	if (json_object_object_add(obj, key, NULL) < 0)
		b->failed = true;
}

static void add_str(struct builder *b, struct json_object *obj, const char *key, const char *s)
{
	if (s)
		add(b, obj, key, new_string(s));
	else
		add_null(b, obj, key);
}

/* A string, or null when it is empty. */
static void add_str_or_null(struct builder *b, struct json_object *obj, const char *key, const char *s)
{
	add_str(b, obj, key, s && s[0] ? s : NULL);
}

static void add_int(struct builder *b, struct json_object *obj, const char *key, int64_t v)
{
	add(b, obj, key, json_object_new_int64(v));
}

static void add_bool(struct builder *b, struct json_object *obj, const char *key, bool v)
{
	add(b, obj, key, json_object_new_boolean(v));
}

/* 64-bit identifiers as "0x..." strings: JSON readers lose precision above 2^53. */
static void add_hex(struct builder *b, struct json_object *obj, const char *key, uint64_t v)
{
	char hex[24];
	snprintf(hex, sizeof(hex), "0x%" PRIx64, v);
	add_str(b, obj, key, hex);
}

static void add_flags(struct builder *b, struct json_object *obj, const char *key, uint8_t flags)
{
	char letters[12];
	tl_flags_letters(flags, letters);
	add_str(b, obj, key, letters);
}

static int64_t relative_ns(const struct builder *b, uint64_t t_ns)
{
	return (int64_t)(t_ns - b->t0_ns);
}

/* t_ns and t_s (seconds with nanosecond digits, kept as printed rather than as a binary double). */
static void add_time(struct builder *b, struct json_object *obj, uint64_t t_ns)
{
	int64_t rel = relative_ns(b, t_ns);
	char text[40];
	snprintf(text, sizeof(text), "%s%" PRId64 ".%09" PRId64, rel < 0 ? "-" : "", (rel < 0 ? -rel : rel) / 1000000000,
		 (rel < 0 ? -rel : rel) % 1000000000);
	add_int(b, obj, "t_ns", rel);
	add(b, obj, "t_s", json_object_new_double_s((double)rel / 1e9, text));
}

static struct json_object *new_object(struct builder *b)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		b->failed = true;
	return o;
}

static struct json_object *new_array(struct builder *b)
{
	struct json_object *a = json_object_new_array();
	if (!a)
		b->failed = true;
	return a;
}

static void append(struct builder *b, struct json_object *array, struct json_object *v)
{
	if (!array || !v) {
		json_object_put(v);
		b->failed = true;
		return;
	}
	if (json_object_array_add(array, v) < 0) {
		json_object_put(v);
		b->failed = true;
	}
}

static void add_tuple(struct builder *b, struct json_object *obj, const char *key, const struct tl_tuple *t)
{
	struct json_object *o = new_object(b);
	char addr[TL_ADDR_STRLEN];
	if (!o)
		return;
	tl_addr_format(&t->saddr, addr, sizeof(addr));
	add_str(b, o, "saddr", addr);
	add_int(b, o, "sport", t->sport);
	tl_addr_format(&t->daddr, addr, sizeof(addr));
	add_str(b, o, "daddr", addr);
	add_int(b, o, "dport", t->dport);
	add(b, obj, key, o);
}

/* ---- events ------------------------------------------------------------ */

static const char *kind_name(enum tl_event_kind k)
{
	switch (k) {
	case TL_EV_PACKET: return "packet";
	case TL_EV_STATE: return "state";
	case TL_EV_APP: return "app";
	case TL_EV_SNAPSHOT: return "snapshot";
	case TL_EV_RETRANS: return "retrans";
	case TL_EV_RESET: return "reset";
	case TL_EV_DROP: return "drop";
	case TL_EV_NOTE: return "note";
	case TL_EV_COUNTERS: return "counters";
	case TL_EV_CENSUS: return "census";
	}
	return "?";
}

static const char *source_name(enum tl_state_source s)
{
	switch (s) {
	case TL_SRC_TRACEPOINT: return "tracepoint";
	case TL_SRC_SOCK_DIAG: return "sock_diag";
	case TL_SRC_MODEL: return "model";
	case TL_SRC_TRACEPOINT_DIAG: return "tracepoint+sock_diag";
	case TL_SRC_SOCK_TIMER: return "socket timer";
	case TL_SRC_TRACEPOINT_TIMER: return "tracepoint+socket timer";
	}
	return "?";
}

static const char *retrans_name(enum tl_retrans_kind k)
{
	switch (k) {
	case TL_RETRANS_SYN: return "SYN";
	case TL_RETRANS_SYNACK: return "SYN-ACK";
	case TL_RETRANS_SEGMENT: return "segment";
	}
	return "?";
}

static const char *timer_name(enum tl_sock_timer t)
{
	switch (t) {
	case TL_TIMER_OFF: return "off";
	case TL_TIMER_ON: return "on";
	case TL_TIMER_KEEPALIVE: return "keepalive";
	case TL_TIMER_TIMEWAIT: return "timewait";
	case TL_TIMER_PROBE: return "probe";
	}
	return "unknown";
}

static void packet_fields(struct builder *b, struct json_object *o, const struct tl_packet *p)
{
	add_str(b, o, "text", p->text);
	add_flags(b, o, "flags", p->flags);
	add_int(b, o, "seq", p->seq);
	add_int(b, o, "ack", p->ack);
	add_int(b, o, "window", p->window);
	add_int(b, o, "len", p->payload_len);
	add_str(b, o, "role", tl_role_name(p->role));
	add_int(b, o, "retrans_no", p->retrans_no);
	add_int(b, o, "resend_gap_ns", (int64_t)p->resend_gap_ns);
	add_bool(b, o, "dropped", p->dropped);
	add_str_or_null(b, o, "drop_rule", p->drop_rule);
	add_tuple(b, o, "tuple", &p->tuple);
}

static void state_fields(struct builder *b, struct json_object *o, const struct tl_state_change *s)
{
	add_str(b, o, "from", tl_state_name(s->from));
	add_str(b, o, "to", tl_state_name(s->to));
	add_str(b, o, "source", source_name(s->source));
	add_str_or_null(b, o, "why", s->why);
	add_hex(b, o, "sock_id", s->sock_id);
	add_tuple(b, o, "tuple", &s->tuple);
}

static void app_fields(struct builder *b, struct json_object *o, const struct tl_app_call *a)
{
	char text[512];
	tl_app_call_format(a, text, sizeof(text));
	add_str(b, o, "verb", a->verb);
	add_str(b, o, "call", a->call);
	add_int(b, o, "ret", a->ret);
	add_str(b, o, "errno", a->err ? tl_errno_name(a->err) : NULL);
	add_str_or_null(b, o, "detail", a->detail);
	if (a->called_ns)
		add_int(b, o, "called_ns", relative_ns(b, a->called_ns));
	else
		add_null(b, o, "called_ns");
	add_str(b, o, "text", text);
}

static struct json_object *snapshot_row(struct builder *b, const struct tl_sock_row *r)
{
	struct json_object *o = new_object(b);
	char ep[TL_ENDPOINT_STRLEN];
	if (!o)
		return NULL;
	tl_endpoint_format(&r->tuple.saddr, r->tuple.sport, ep, sizeof(ep));
	add_str(b, o, "local", ep);
	tl_endpoint_format(&r->tuple.daddr, r->tuple.dport, ep, sizeof(ep));
	add_str(b, o, "remote", ep);
	add_str(b, o, "state", tl_state_name(r->state));
	add_int(b, o, "recv_q", r->recv_q);
	add_int(b, o, "send_q", r->send_q);
	add_str(b, o, "timer", timer_name(r->timer));
	add_int(b, o, "timer_ms", r->timer_ms);
	add_int(b, o, "retrans", r->retrans);
	add_hex(b, o, "cookie", r->cookie);
	add_int(b, o, "inode", r->inode);
	if (r->conn[0])
		add_str(b, o, "conn", r->conn);
	return o;
}

static void snapshot_fields(struct builder *b, struct json_object *o, const struct tl_snapshot *s)
{
	struct json_object *rows = new_array(b);
	add_str(b, o, "label", s->label);
	for (size_t i = 0; rows && i < s->n; i++)
		append(b, rows, snapshot_row(b, &s->rows[i]));
	add(b, o, "rows", rows);
}

/* Every counter the runner keeps, by name: how much it grew during the run. */
static void counters_fields(struct builder *b, struct json_object *o, const struct tl_counters *c)
{
	struct json_object *all = new_object(b);
	for (size_t i = 0; all && i < c->n; i++)
		add_int(b, all, c->v[i].name, c->v[i].delta);
	add(b, o, "counters", all);
}

/* {"client": {"TIME_WAIT": 50}, "server": {...}}: the states each side had sockets in, and how many. */
static void census_fields(struct builder *b, struct json_object *o, const struct tl_census *c)
{
	static const enum tl_side sides[] = { TL_SIDE_CLIENT, TL_SIDE_SERVER, TL_SIDE_NONE };
	struct json_object *all = new_object(b);
	for (size_t k = 0; all && k < 3; k++) {
		struct json_object *side = new_object(b);
		for (int st = 0; side && st < TL_STATE_COUNT; st++)
			if (c->count[sides[k]][st])
				add_int(b, side, tl_state_name((enum tl_state)st), c->count[sides[k]][st]);
		add(b, all, tl_side_name(sides[k]), side);
	}
	add(b, o, "sockets", all);
}

static void retrans_fields(struct builder *b, struct json_object *o, const struct tl_retrans *r)
{
	add_str(b, o, "retrans_of", retrans_name(r->kind));
	add_str(b, o, "state", tl_state_name(r->state));
	add_int(b, o, "seq", r->seq);
	add_flags(b, o, "flags", r->flags);
	add_tuple(b, o, "tuple", &r->tuple);
}

static void reset_fields(struct builder *b, struct json_object *o, const struct tl_reset *r)
{
	add_bool(b, o, "sent", r->sent);
	add_str(b, o, "state", tl_state_name(r->state));
	add_tuple(b, o, "tuple", &r->tuple);
}

static void drop_fields(struct builder *b, struct json_object *o, const struct tl_drop *d)
{
	add_int(b, o, "seq", d->seq);
	add_flags(b, o, "flags", d->flags);
	add_str_or_null(b, o, "rule", d->rule);
	add_tuple(b, o, "tuple", &d->tuple);
}

static struct json_object *event_object(struct builder *b, const struct tl_event *ev)
{
	struct json_object *o = new_object(b);
	if (!o)
		return NULL;
	add_time(b, o, ev->t_ns);
	add_str(b, o, "side", tl_side_name(ev->side));
	if (ev->conn[0])
		add_str(b, o, "conn", ev->conn);
	add_str(b, o, "kind", kind_name(ev->kind));
	switch (ev->kind) {
	case TL_EV_PACKET: packet_fields(b, o, &ev->u.packet); break;
	case TL_EV_STATE: state_fields(b, o, &ev->u.state); break;
	case TL_EV_APP: app_fields(b, o, &ev->u.app); break;
	case TL_EV_SNAPSHOT: snapshot_fields(b, o, &ev->u.snapshot); break;
	case TL_EV_RETRANS: retrans_fields(b, o, &ev->u.retrans); break;
	case TL_EV_RESET: reset_fields(b, o, &ev->u.reset); break;
	case TL_EV_DROP: drop_fields(b, o, &ev->u.drop); break;
	case TL_EV_NOTE: add_str(b, o, "text", ev->u.note); break;
	case TL_EV_COUNTERS: counters_fields(b, o, &ev->u.counters); break;
	case TL_EV_CENSUS: census_fields(b, o, &ev->u.census); break;
	}
	return o;
}

/* ---- retransmission series ---------------------------------------------- */

/* Seconds from milliseconds, written with microsecond digits. */
static void add_seconds(struct builder *b, struct json_object *obj, const char *key, double ms)
{
	char text[40];
	snprintf(text, sizeof(text), "%.6f", ms / 1e3);
	add(b, obj, key, json_object_new_double_s(ms / 1e3, text));
}

static void add_seconds_or_null(struct builder *b, struct json_object *obj, const char *key, bool present,
				double ms)
{
	if (present)
		add_seconds(b, obj, key, ms);
	else
		add_null(b, obj, key);
}

static const char *series_kind_name(enum tl_series_kind k)
{
	switch (k) {
	case TL_SERIES_SYN: return "syn";
	case TL_SERIES_SYNACK: return "syn-ack";
	case TL_SERIES_FIN: return "fin";
	case TL_SERIES_KEEPALIVE: return "keepalive";
	case TL_SERIES_PERSIST: return "window-probes";
	case TL_SERIES_COUNT: break;
	}
	return "?";
}

static struct json_object *series_send(struct builder *b, const struct tl_series *s, size_t i)
{
	const struct tl_series_send *x = &s->sends[i];
	const struct tl_series_send *prev = i ? &s->sends[i - 1] : NULL;
	struct json_object *o = new_object(b);
	if (!o)
		return NULL;
	add_str(b, o, "what", x->what ? x->what : "send");
	add_seconds(b, o, "at_s", x->at_ms);
	add_seconds_or_null(b, o, "gap_s", prev, prev ? x->at_ms - prev->at_ms : 0);
	add_seconds_or_null(b, o, "predicted_at_s", x->predicted, x->pred_at_ms);
	add_seconds_or_null(b, o, "predicted_gap_s", x->predicted && prev && prev->predicted,
			    prev ? x->pred_at_ms - prev->pred_at_ms : 0);
	add_seconds_or_null(b, o, "allowed_late_s", x->predicted, x->allowed_late_ms);
	add_bool(b, o, "predicted", x->predicted);
	add_bool(b, o, "ok", x->ok);
	return o;
}

static struct json_object *series_object(struct builder *b, const struct tl_scenario *sc, const struct tl_series *s)
{
	struct json_object *o = new_object(b), *sends = new_array(b), *gaps = new_array(b);
	char title[96];
	if (!o) {
		json_object_put(sends);
		json_object_put(gaps);
		return NULL;
	}
	tl_series_title(s, title, sizeof(title));
	add_str(b, o, "title", title);
	add_str(b, o, "kind", series_kind_name(s->kind));
	add_str(b, o, "side", tl_side_name(s->side));
	for (size_t i = 0; sends && i < s->n_sends; i++)
		append(b, sends, series_send(b, s, i));
	add(b, o, "sends", sends);
	add_int(b, o, "predicted_sends", (int64_t)s->n_predicted);
	add_str(b, o, "end", tl_series_end_name(s->end));
	add_seconds(b, o, "end_s", s->end_ms);
	add_seconds_or_null(b, o, "gave_up_s", s->gave_up, s->gave_up_ms);
	add_seconds_or_null(b, o, "predicted_give_up_s", !s->no_give_up, s->pred_give_up_ms);
	add_str_or_null(b, o, "give_up_why", s->give_up_why);
	add_bool(b, o, "pass", s->pass);
	add_str_or_null(b, o, "problem", s->pass ? NULL : s->problem);
	const struct tl_walkthrough_gaps *g = s->kind < TL_SERIES_COUNT ? &sc->walkthrough[s->kind] : NULL;
	for (size_t i = 0; gaps && g && i < g->n; i++) {
		char text[32];
		snprintf(text, sizeof(text), "%g", g->gaps_s[i]);
		append(b, gaps, json_object_new_double_s(g->gaps_s[i], text));
	}
	add(b, o, "walkthrough_gaps_s", gaps);
	add_str_or_null(b, o, "versus_walkthrough", s->versus_walkthrough);
	return o;
}

static void add_series(struct builder *b, struct json_object *root, const struct tl_scenario *sc,
		       const struct tl_json_settings *st)
{
	if (!st || !st->series) {
		add_null(b, root, "series");
		return;
	}
	struct json_object *series = new_array(b);
	for (size_t i = 0; series && i < st->series->n; i++)
		append(b, series, series_object(b, sc, &st->series->s[i]));
	add(b, root, "series", series);
}

static struct json_object *linger_object(struct builder *b, const struct tl_linger *l)
{
	struct json_object *o = new_object(b);
	char title[96];
	if (!o)
		return NULL;
	tl_linger_title(l, title, sizeof(title));
	add_str(b, o, "title", title);
	add_str(b, o, "state", l->kind == TL_LINGER_TIME_WAIT ? "TIME_WAIT" : "FIN_WAIT2");
	add_str(b, o, "side", tl_side_name(l->side));
	add_seconds(b, o, "entered_s", l->entered_ms);
	add_seconds(b, o, "lasted_s", l->lasted_ms);
	add_seconds(b, o, "predicted_s", l->predicted_ms);
	add_str(b, o, "ended_by", tl_linger_end_name(l->end));
	add_str(b, o, "why", l->why);
	add_bool(b, o, "pass", l->pass);
	add_str_or_null(b, o, "problem", l->pass ? NULL : l->problem);
	return o;
}

/* The linger timers travel with the series: null when those were not analysed. */
static void add_lingers(struct builder *b, struct json_object *root, const struct tl_json_settings *st)
{
	if (!st || !st->series) {
		add_null(b, root, "linger_timers");
		return;
	}
	struct json_object *lingers = new_array(b);
	for (size_t i = 0; lingers && i < st->series->lingers.n; i++)
		append(b, lingers, linger_object(b, &st->series->lingers.items[i]));
	add(b, root, "linger_timers", lingers);
}

/* ---- the document ------------------------------------------------------ */

static struct json_object *sysctl_object(struct builder *b, const char *name, const char *value)
{
	struct json_object *o = new_object(b);
	if (!o)
		return NULL;
	add_str(b, o, "name", name);
	add_str(b, o, "value", value);
	return o;
}

static void add_scenario(struct builder *b, struct json_object *root, const struct tl_scenario *sc)
{
	struct json_object *o = new_object(b), *sysctls = new_array(b);
	if (!o)
		return;
	add_str(b, o, "id", sc->id);
	add_str(b, o, "title", sc->title);
	add_str(b, o, "section", sc->section);
	add_str(b, o, "path", sc->path);
	add_str(b, o, "explain", sc->explain);
	add_str(b, o, "host", sc->host);
	add_int(b, o, "port", sc->port);
	for (size_t i = 0; sysctls && i < sc->n_sysctls; i++)
		append(b, sysctls, sysctl_object(b, sc->sysctls[i].name, sc->sysctls[i].value));
	add(b, o, "sysctls", sysctls);
	add(b, root, "scenario", o);
}

static void add_settings(struct builder *b, struct json_object *root, const struct tl_json_settings *st)
{
	struct json_object *o = new_object(b), *sysctls = new_array(b);
	if (!o)
		return;
	add_str(b, o, "timer_profile", st ? st->timer_profile : NULL);
	for (size_t i = 0; sysctls && st && i < st->n_sysctls; i++)
		append(b, sysctls, sysctl_object(b, st->sysctls[i].name, st->sysctls[i].value));
	add(b, o, "sysctls", sysctls);
	/* The simulator's time starts at 0 and is virtual; the lab's is CLOCK_MONOTONIC. */
	if (b->t0_ns)
		add_int(b, o, "t0_monotonic_ns", (int64_t)b->t0_ns);
	else
		add_null(b, o, "t0_monotonic_ns");
	add(b, root, "settings", o);
}

static void add_events(struct builder *b, struct json_object *root, const struct tl_timeline *tl)
{
	struct json_object *events = new_array(b);
	for (size_t i = 0; events && i < tl->n; i++)
		append(b, events, event_object(b, &tl->ev[i]));
	add(b, root, "events", events);
}

static struct json_object *check_object(struct builder *b, const struct tl_check_item *it)
{
	struct json_object *o = new_object(b);
	if (!o)
		return NULL;
	add_int(b, o, "line", it->line);
	add_bool(b, o, "pass", it->pass);
	add_str(b, o, "what", it->what);
	add_str(b, o, "expected", it->expected);
	add_str(b, o, "observed", it->observed);
	add_str_or_null(b, o, "difference", it->difference);
	return o;
}

static void add_checks(struct builder *b, struct json_object *root, const struct tl_check_report *rep,
		       const struct tl_json_settings *st)
{
	struct json_object *checks = new_array(b);
	for (size_t i = 0; checks && rep && i < rep->n; i++)
		append(b, checks, check_object(b, &rep->items[i]));
	add(b, root, "checks", checks);
	const char *error = st ? st->run_error : NULL;
	add_str(b, root, "verdict", error || !rep ? "error" : rep->pass ? "pass" : "fail");
	add_str(b, root, "error", error ? error : rep ? NULL : "the run was not checked");
}

struct json_object *tl_json_run(const struct tl_scenario *sc, const struct tl_timeline *tl,
				const struct tl_check_report *rep, const struct tl_json_settings *settings,
				char *err, size_t errlen)
{
	struct builder b = { .t0_ns = tl->t0_ns };
	struct json_object *root = new_object(&b);
	if (!root) {
		tl_errorf(err, errlen, "out of memory");
		return NULL;
	}
	add_int(&b, root, "schema_version", TL_JSON_SCHEMA_VERSION);
	add_str(&b, root, "tool", "tcplab");
	add_scenario(&b, root, sc);
	add_settings(&b, root, settings);
	add_events(&b, root, tl);
	add_series(&b, root, sc, settings);
	add_lingers(&b, root, settings);
	add_checks(&b, root, rep, settings);
	if (b.failed) {
		json_object_put(root);
		tl_errorf(err, errlen, "out of memory");
		return NULL;
	}
	return root;
}

static int write_text(const char *path_or_dash, const char *text, char *err, size_t errlen)
{
	bool to_stdout = !strcmp(path_or_dash, "-");
	FILE *f = to_stdout ? stdout : fopen(path_or_dash, "w");
	if (!f)
		return tl_errorf(err, errlen, "%s: %s", path_or_dash, strerror(errno));
	int failed = fputs(text, f) == EOF || fputc('\n', f) == EOF;
	failed |= to_stdout ? fflush(f) == EOF : fclose(f) == EOF;
	if (failed)
		return tl_errorf(err, errlen, "%s: %s", to_stdout ? "standard output" : path_or_dash,
				 strerror(errno ? errno : EIO));
	return 0;
}

int tl_json_write(const char *path_or_dash, const struct tl_scenario *sc, const struct tl_timeline *tl,
		  const struct tl_check_report *rep, const struct tl_json_settings *settings, char *err,
		  size_t errlen)
{
	char why[256];
	struct json_object *root = tl_json_run(sc, tl, rep, settings, why, sizeof(why));
	if (!root)
		return tl_errorf(err, errlen, "%s: %s", path_or_dash, why);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								       JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = text ? write_text(path_or_dash, text, err, errlen)
		      : tl_errorf(err, errlen, "%s: out of memory", path_or_dash);
	json_object_put(root);
	return rc;
}
