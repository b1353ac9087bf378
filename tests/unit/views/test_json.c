/*
 * Unit tests of the JSON document of a run: the header, the scenario and
 * settings, one object per event with its time relative to the run's start
 * and its kind's fields, the checks and the verdict; strings made valid
 * UTF-8; writing to a file, to standard output and to a path that cannot
 * be opened. Timelines are built here from event records; packets go
 * through tl_packet_build and tl_roles_annotate so texts and roles are real.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <errno.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "analysis/check.h"
#include "core/event.h"
#include "views/json_out.h"
#include "analysis/packet.h"
#include "core/wire.h"
#include "analysis/roles.h"
#include "scenario/scenario.h"

#define T0 1000000000ull
#define CLIENT_PORT 40000
#define SERVER_PORT 2017

enum { S = TL_TH_SYN, A = TL_TH_ACK, R = TL_TH_RST, F = TL_TH_FIN };

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

static void pkt(struct tl_timeline *tl, uint64_t t_us, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tl_tuple t = tuple(from_client);
	struct tl_event ev = { .kind = TL_EV_PACKET, .side = from_client ? TL_SIDE_CLIENT : TL_SIDE_SERVER };
	assert_int_equal(tl_packet_build(&t, seq, ack, flags, 512, NULL, 0, NULL, 0, &ev.u.packet), 0);
	append(tl, &ev, t_us);
}

static void add_state(struct tl_timeline *tl, uint64_t t_us)
{
	struct tl_event ev = { .kind = TL_EV_STATE, .side = TL_SIDE_CLIENT };
	ev.u.state = (struct tl_state_change){ .sock_id = 0xffff888101234500ull, .tuple = tuple(true),
					       .from = TL_CLOSE, .to = TL_SYN_SENT, .source = TL_SRC_TRACEPOINT };
	append(tl, &ev, t_us);
}

static void add_connect_refused(struct tl_timeline *tl, uint64_t t_us)
{
	struct tl_event ev = { .kind = TL_EV_APP, .side = TL_SIDE_CLIENT };
	snprintf(ev.u.app.verb, sizeof(ev.u.app.verb), "connect");
	snprintf(ev.u.app.call, sizeof(ev.u.app.call), "connect(127.0.0.1:2017)");
	ev.u.app.ret = -1;
	ev.u.app.err = ECONNREFUSED;
	ev.u.app.called_ns = T0 + 300000;
	append(tl, &ev, t_us);
}

static void add_snapshot(struct tl_timeline *tl, uint64_t t_us)
{
	struct tl_event ev = { .kind = TL_EV_SNAPSHOT, .side = TL_SIDE_NONE };
	snprintf(ev.u.snapshot.label, sizeof(ev.u.snapshot.label), "after");
	ev.u.snapshot.n = 1;
	ev.u.snapshot.rows = calloc(1, sizeof(*ev.u.snapshot.rows));
	assert_non_null(ev.u.snapshot.rows);
	ev.u.snapshot.rows[0] = (struct tl_sock_row){ .tuple = tuple(true), .state = TL_TIME_WAIT, .send_q = 3,
						      .timer = TL_TIMER_TIMEWAIT, .timer_ms = 59870,
						      .cookie = 0x8000000000000001ull };
	append(tl, &ev, t_us);
}

static void add_kernel_events(struct tl_timeline *tl, uint64_t t_us)
{
	struct tl_event ev = { .kind = TL_EV_RETRANS, .side = TL_SIDE_CLIENT };
	ev.u.retrans = (struct tl_retrans){ .kind = TL_RETRANS_SYN, .tuple = tuple(true), .state = TL_SYN_SENT,
					    .seq = 1000, .flags = S };
	append(tl, &ev, t_us);
	ev = (struct tl_event){ .kind = TL_EV_RESET, .side = TL_SIDE_SERVER };
	ev.u.reset = (struct tl_reset){ .sent = true, .tuple = tuple(false), .state = TL_STATE_NONE };
	append(tl, &ev, t_us + 1);
	ev = (struct tl_event){ .kind = TL_EV_DROP, .side = TL_SIDE_NONE };
	ev.u.drop = (struct tl_drop){ .tuple = tuple(true), .seq = 1000, .flags = F | A };
	append(tl, &ev, t_us + 2);
	ev = (struct tl_event){ .kind = TL_EV_NOTE, .side = TL_SIDE_NONE };
	snprintf(ev.u.note, sizeof(ev.u.note), "bad \xff byte, \"quoted\" \\ and / kept");
	append(tl, &ev, t_us + 3);
}

/* N1-like: SYN, R., connect refused, then one event of every other kind. */
static void refused(struct tl_timeline *tl)
{
	tl_timeline_init(tl, T0);
	add_state(tl, 300);
	pkt(tl, 641, true, S, 1000, 0);
	pkt(tl, 660, false, R | A, 0, 1001);
	add_connect_refused(tl, 700);
	add_snapshot(tl, 800);
	add_kernel_events(tl, 900);
	assert_int_equal(tl_roles_annotate(tl), 0);
}

static struct tl_scenario scenario(struct tl_sysctl *sysctl)
{
	struct tl_scenario sc;
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.id, sizeof(sc.id), "N1");
	snprintf(sc.path, sizeof(sc.path), "scenarios/N1.scn");
	snprintf(sc.title, sizeof(sc.title), "Client connects, no server listens");
	snprintf(sc.section, sizeof(sc.section), "case 1");
	snprintf(sc.host, sizeof(sc.host), "127.0.0.1");
	sc.port = SERVER_PORT;
	*sysctl = (struct tl_sysctl){ .name = "net.ipv4.tcp_fin_timeout", .value = "2", .line = 3 };
	sc.sysctls = sysctl;
	sc.n_sysctls = 1;
	return sc;
}

static struct tl_check_report report(struct tl_check_item items[2], bool second_passes)
{
	items[0] = (struct tl_check_item){ .line = 10, .pass = true, .what = "packet flags", .expected = "S R.",
					   .observed = "S R." };
	items[1] = (struct tl_check_item){ .line = 11, .pass = second_passes, .what = "client connect",
					   .expected = "ECONNREFUSED", .observed = "ETIMEDOUT",
					   .difference = "first difference at #1" };
	return (struct tl_check_report){ .pass = second_passes, .n = 2, .items = items };
}

static const struct tl_json_sysctl read_back[] = { { "net.ipv4.tcp_fin_timeout", "2" },
						   { "net.ipv4.tcp_syn_retries", "6" } };
static const struct tl_json_settings settings = { .sysctls = read_back, .n_sysctls = 2, .timer_profile = "fast" };

/* ---- reading the document ---------------------------------------------- */

/* The value at a dotted path of keys and array indices ("events.1.tuple.sport"); fails when absent. */
static struct json_object *at(struct json_object *o, const char *path)
{
	char copy[256], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", path);
	for (char *key = strtok_r(copy, ".", &save); key; key = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array)) {
			size_t i = strtoul(key, NULL, 10);
			if (i >= json_object_array_length(o))
				fail_msg("%s: index %zu out of range", path, i);
			o = json_object_array_get_idx(o, i);
		} else if (!json_object_object_get_ex(o, key, &o)) {
			fail_msg("%s: no key '%s'", path, key);
		}
	}
	return o;
}

static void assert_str_at(struct json_object *root, const char *path, const char *want)
{
	struct json_object *o = at(root, path);
	if (!json_object_is_type(o, json_type_string))
		fail_msg("%s is not a string: %s", path, json_object_to_json_string(o));
	assert_string_equal(json_object_get_string(o), want);
}

static void assert_int_at(struct json_object *root, const char *path, int64_t want)
{
	struct json_object *o = at(root, path);
	if (!json_object_is_type(o, json_type_int))
		fail_msg("%s is not an integer: %s", path, json_object_to_json_string(o));
	assert_int_equal(json_object_get_int64(o), want);
}

static void assert_null_at(struct json_object *root, const char *path)
{
	if (at(root, path) != NULL)
		fail_msg("%s is not null", path);
}

static void assert_bool_at(struct json_object *root, const char *path, bool want)
{
	struct json_object *o = at(root, path);
	assert_true(json_object_is_type(o, json_type_boolean));
	assert_int_equal(json_object_get_boolean(o), want);
}

static struct json_object *build(const struct tl_timeline *tl, const struct tl_check_report *rep,
				 const struct tl_json_settings *st)
{
	struct tl_sysctl sysctl;
	struct tl_scenario sc = scenario(&sysctl);
	char err[128] = "";
	struct json_object *root = tl_json_run(&sc, tl, rep, st, err, sizeof(err));
	if (!root)
		fail_msg("tl_json_run: %s", err);
	return root;
}

/* ---- tests ------------------------------------------------------------- */

static void header_scenario_and_settings(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_check_item items[2];
	struct tl_check_report rep = report(items, true);
	refused(&tl);
	struct json_object *root = build(&tl, &rep, &settings);
	assert_int_at(root, "schema_version", TL_JSON_SCHEMA_VERSION);
	assert_str_at(root, "tool", "tcplab");
	assert_str_at(root, "scenario.id", "N1");
	assert_str_at(root, "scenario.title", "Client connects, no server listens");
	assert_str_at(root, "scenario.section", "case 1");
	assert_str_at(root, "scenario.path", "scenarios/N1.scn");
	assert_int_at(root, "scenario.port", 2017);
	assert_str_at(root, "scenario.sysctls.0.name", "net.ipv4.tcp_fin_timeout");
	assert_str_at(root, "settings.timer_profile", "fast");
	assert_str_at(root, "settings.sysctls.1.name", "net.ipv4.tcp_syn_retries");
	assert_str_at(root, "settings.sysctls.1.value", "6");
	assert_int_equal(json_object_array_length(at(root, "events")), tl.n);
	json_object_put(root);
	tl_timeline_free(&tl);
}

static void packets_states_and_calls(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	refused(&tl);
	struct json_object *root = build(&tl, NULL, NULL);
	assert_int_at(root, "events.0.t_ns", 300000);
	assert_str_at(root, "events.0.kind", "state");
	assert_str_at(root, "events.0.side", "client");
	assert_str_at(root, "events.0.from", "CLOSE");
	assert_str_at(root, "events.0.to", "SYN_SENT");
	assert_str_at(root, "events.0.source", "tracepoint");
	assert_str_at(root, "events.0.sock_id", "0xffff888101234500");
	assert_null_at(root, "events.0.why");
	assert_str_at(root, "events.1.kind", "packet");
	assert_int_at(root, "events.1.t_ns", 641000);
	assert_string_equal(json_object_to_json_string(at(root, "events.1.t_s")), "0.000641000");
	assert_str_at(root, "events.1.flags", "S");
	assert_str_at(root, "events.1.role", "handshake-1/3");
	assert_int_at(root, "events.1.seq", 1000);
	assert_int_at(root, "events.1.len", 0);
	assert_bool_at(root, "events.1.dropped", false);
	assert_null_at(root, "events.1.drop_rule");
	assert_int_at(root, "events.1.tuple.sport", CLIENT_PORT);
	assert_str_at(root, "events.1.tuple.daddr", "127.0.0.1");
	assert_non_null(strstr(json_object_get_string(at(root, "events.1.text")), "Flags [S], seq 1000"));
	assert_str_at(root, "events.2.flags", "R.");
	assert_str_at(root, "events.2.role", "reset");
	assert_str_at(root, "events.2.side", "server");
	assert_str_at(root, "events.3.kind", "app");
	assert_str_at(root, "events.3.verb", "connect");
	assert_int_at(root, "events.3.ret", -1);
	assert_str_at(root, "events.3.errno", "ECONNREFUSED");
	assert_int_at(root, "events.3.called_ns", 300000);
	assert_non_null(strstr(json_object_get_string(at(root, "events.3.text")), "= -1 ECONNREFUSED"));
	json_object_put(root);
	tl_timeline_free(&tl);
}

static void snapshots_and_kernel_events(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	refused(&tl);
	struct json_object *root = build(&tl, NULL, NULL);
	assert_str_at(root, "events.4.kind", "snapshot");
	assert_str_at(root, "events.4.side", "lab");
	assert_str_at(root, "events.4.label", "after");
	assert_str_at(root, "events.4.rows.0.local", "127.0.0.1:40000");
	assert_str_at(root, "events.4.rows.0.remote", "127.0.0.1:2017");
	assert_str_at(root, "events.4.rows.0.state", "TIME_WAIT");
	assert_str_at(root, "events.4.rows.0.timer", "timewait");
	assert_int_at(root, "events.4.rows.0.timer_ms", 59870);
	assert_int_at(root, "events.4.rows.0.send_q", 3);
	assert_str_at(root, "events.4.rows.0.cookie", "0x8000000000000001");
	assert_str_at(root, "events.5.kind", "retrans");
	assert_str_at(root, "events.5.retrans_of", "SYN");
	assert_str_at(root, "events.5.state", "SYN_SENT");
	assert_str_at(root, "events.6.kind", "reset");
	assert_bool_at(root, "events.6.sent", true);
	assert_str_at(root, "events.6.state", "NONE");
	assert_str_at(root, "events.7.kind", "drop");
	assert_str_at(root, "events.7.flags", "F.");
	assert_null_at(root, "events.7.rule");
	assert_str_at(root, "events.8.kind", "note");
	json_object_put(root);
	tl_timeline_free(&tl);
}

static void checks_and_verdicts(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_check_item items[2];
	struct tl_check_report rep = report(items, false);
	refused(&tl);
	struct json_object *root = build(&tl, &rep, &settings);
	assert_int_at(root, "checks.0.line", 10);
	assert_bool_at(root, "checks.0.pass", true);
	assert_null_at(root, "checks.0.difference");
	assert_bool_at(root, "checks.1.pass", false);
	assert_str_at(root, "checks.1.expected", "ECONNREFUSED");
	assert_str_at(root, "checks.1.observed", "ETIMEDOUT");
	assert_str_at(root, "checks.1.difference", "first difference at #1");
	assert_str_at(root, "verdict", "fail");
	assert_null_at(root, "error");
	json_object_put(root);

	rep = report(items, true);
	root = build(&tl, &rep, &settings);
	assert_str_at(root, "verdict", "pass");
	json_object_put(root);

	root = build(&tl, NULL, NULL); /* not checked */
	assert_str_at(root, "verdict", "error");
	assert_str_at(root, "error", "the run was not checked");
	assert_int_equal(json_object_array_length(at(root, "checks")), 0);
	assert_null_at(root, "settings.timer_profile");
	json_object_put(root);

	struct tl_json_settings stopped = { .run_error = "interrupted" };
	root = build(&tl, &rep, &stopped);
	assert_str_at(root, "verdict", "error");
	assert_str_at(root, "error", "interrupted");
	json_object_put(root);
	tl_timeline_free(&tl);
}

static void strings_are_valid_utf8_and_escaped_by_json_c(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	refused(&tl);
	struct json_object *root = build(&tl, NULL, NULL);
	assert_str_at(root, "events.8.text", "bad \xef\xbf\xbd byte, \"quoted\" \\ and / kept");
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_non_null(strstr(text, "\"bad \xef\xbf\xbd byte, \\\"quoted\\\" \\\\ and / kept\""));
	struct json_object *back = json_tokener_parse(text);
	assert_non_null(back);
	assert_true(json_object_equal(root, back));
	json_object_put(back);
	json_object_put(root);
	tl_timeline_free(&tl);
}

static void written_file_parses_back_to_the_same_document(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_sysctl sysctl;
	struct tl_scenario sc = scenario(&sysctl);
	struct tl_check_item items[2];
	struct tl_check_report rep = report(items, true);
	char path[] = "/tmp/tcplab-test-json-XXXXXX", err[256] = "";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	refused(&tl);
	assert_int_equal(tl_json_write(path, &sc, &tl, &rep, &settings, err, sizeof(err)), 0);
	struct json_object *back = json_object_from_file(path), *root = build(&tl, &rep, &settings);
	assert_non_null(back);
	assert_true(json_object_equal(root, back));
	json_object_put(back);
	json_object_put(root);
	unlink(path);
	tl_timeline_free(&tl);
}

static void dash_writes_to_standard_output(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_sysctl sysctl;
	struct tl_scenario sc = scenario(&sysctl);
	char path[] = "/tmp/tcplab-test-json-XXXXXX", err[256] = "";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	assert_true(fd >= 0 && saved >= 0);
	refused(&tl);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	int rc = tl_json_write("-", &sc, &tl, NULL, NULL, err, sizeof(err));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(rc, 0);
	struct json_object *back = json_object_from_file(path);
	assert_non_null(back);
	assert_str_at(back, "scenario.id", "N1");
	json_object_put(back);
	unlink(path);
	tl_timeline_free(&tl);
}

static void an_unwritable_path_is_named_in_the_error(void **unused)
{
	(void)unused;
	struct tl_timeline tl;
	struct tl_sysctl sysctl;
	struct tl_scenario sc = scenario(&sysctl);
	char err[256] = "";
	refused(&tl);
	assert_int_equal(tl_json_write("/nonexistent/dir/run.json", &sc, &tl, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/run.json: "));
	assert_int_equal(tl_json_write("/dev/full", &sc, &tl, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/dev/full: "));
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_scenario_and_settings),
		cmocka_unit_test(packets_states_and_calls),
		cmocka_unit_test(snapshots_and_kernel_events),
		cmocka_unit_test(checks_and_verdicts),
		cmocka_unit_test(strings_are_valid_utf8_and_escaped_by_json_c),
		cmocka_unit_test(written_file_parses_back_to_the_same_document),
		cmocka_unit_test(dash_writes_to_standard_output),
		cmocka_unit_test(an_unwritable_path_is_named_in_the_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
