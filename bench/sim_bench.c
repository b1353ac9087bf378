/*
 * sim_bench: how fast the simulator and the TCP model run, for bench/run.
 *
 *   sim_bench suite [RUNS]     every shipped scenario through tl_sim_run and
 *                              tl_report_run (text to /dev/null), in this
 *                              process, once per timer profile; prints the
 *                              median of RUNS passes (default 21) against the
 *                              50 ms goal
 *   sim_bench lifecycles [N]   N complete connection lifecycles (default one
 *                              million) on two model stacks, 127.0.0.1 and
 *                              127.0.0.2, in virtual time: handshake, 64 bytes
 *                              and their ACK, four-way close (FIN, ACK, FIN,
 *                              ACK: 9 segments in all), TIME-WAIT run out;
 *                              prints "RATE lifecycles/s PEAK_KIB KiB SEGS segments"
 *   sim_bench kernel [N]       the same lifecycles with real sockets on the
 *                              loopback of the current network namespace
 *                              (bench/run gives it a private one), without
 *                              waiting out TIME-WAIT; prints "RATE lifecycles/s"
 *
 * Every lifecycle is checked (return values, bytes, sockets left), so a rate
 * is never that of a run that went wrong. Exit 0, or 1 with the reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scenario/catalog.h"
#include "core/event.h"
#include "cli/report.h"
#include "scenario/scenario.h"
#include "model/sim.h"
#include "model/tcp_model.h"
#include "model/timer_model.h"

#define SUITE_GOAL_MS 50.0
#define MAX_RUNS 101
#define PORT 2017
#define MSG_BYTES 64
#define WIRE_NS 10000ull
#define MS_NS 1000000ull
#define WIRE_SLOTS 64 /* segments in flight at once; a lifecycle has at most two */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* ---- the shipped suite in the simulator ---- */

/* One pass over every scenario: simulate, report, free. Returns the failures. */
static int suite_pass(const struct tl_scenario *scs, size_t n, const struct tl_timer_profile *profile, FILE *sink)
{
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct tl_sim_options so = { .timers = profile, .seed = 1 };
		struct tl_timeline tl;
		struct tl_timer_settings timers;
		char err[1024] = "";
		int rc = tl_sim_run(&scs[i], &so, &tl, &timers, err, sizeof(err));
		struct tl_report_options ro = { .timers = &timers, .timer_profile = profile->name };
		enum tl_verdict v = tl_report_run(&scs[i], &tl, rc, err, &ro, sink);
		tl_timeline_free(&tl);
		if (v != TL_VERDICT_PASS) {
			fprintf(stderr, "sim_bench: %s does not pass with timers %s%s%s\n", scs[i].id, profile->name,
				err[0] ? ": " : "", err);
			failed++;
		}
	}
	return failed;
}

static int bench_suite(int runs)
{
	char err[1024];
	char **paths;
	size_t n;
	if (tl_catalog_list(&paths, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "sim_bench: %s\n", err);
		return 1;
	}
	struct tl_scenario *scs = calloc(n ? n : 1, sizeof(*scs));
	FILE *sink = fopen("/dev/null", "w");
	int rc = !scs || !sink;
	size_t parsed = 0;
	for (; !rc && parsed < n; parsed++) {
		if (tl_scenario_parse_file(paths[parsed], &scs[parsed], err, sizeof(err)) < 0) {
			fprintf(stderr, "sim_bench: %s\n", err);
			rc = 1;
			break;
		}
	}
	const char *profiles[] = { "fast", "kernel" };
	for (size_t p = 0; !rc && p < 2; p++) {
		const struct tl_timer_profile *prof = tl_timer_profile_find(profiles[p]);
		double ms[MAX_RUNS];
		rc = suite_pass(scs, n, prof, sink) != 0; /* warm-up, and every scenario must pass */
		for (int r = 0; !rc && r < runs; r++) {
			double t0 = now_s();
			rc = suite_pass(scs, n, prof, sink) != 0;
			ms[r] = (now_s() - t0) * 1e3;
		}
		if (rc)
			break;
		qsort(ms, (size_t)runs, sizeof(ms[0]), cmp_double);
		double med = ms[runs / 2];
		char name[64];
		snprintf(name, sizeof(name), "sim suite, %s timers", prof->name);
		printf("%-34s %7.1f ms   goal %6.0f ms   %s   (in-process, %zu scenarios, median of %d, min %.1f ms)\n",
		       name, med, SUITE_GOAL_MS, med < SUITE_GOAL_MS ? "met" : "MISSED", n, runs, ms[0]);
	}
	for (size_t i = 0; i < parsed; i++)
		tl_scenario_free(&scs[i]);
	free(scs);
	if (sink)
		fclose(sink);
	tl_catalog_free(paths, n);
	return rc;
}

/* ---- lifecycles on the model ---- */

struct in_flight {
	struct tl_tcp_seg seg;
	uint8_t payload[MSG_BYTES];
	uint64_t arrive_ns;
};

/* Two model hosts and the wire between them. Segments are delivered in the order sent, 10 us later. */
struct pair {
	struct tl_tcp_stack *host[2];
	uint32_t addr_be[2];
	uint64_t now_ns;
	struct in_flight wire[WIRE_SLOTS];
	size_t head, n; /* a ring */
	uint64_t segments;
	const char *failure;
};

static void on_note(void *ctx, const struct tl_tcp_note *note)
{
	struct pair *p = ctx;
	if (note->kind != TL_TCP_NOTE_SEGMENT)
		return;
	if (p->n == WIRE_SLOTS || note->seg->payload_len > MSG_BYTES) {
		p->failure = "a segment the lifecycle never sends (or too many in flight)";
		return;
	}
	struct in_flight *w = &p->wire[(p->head + p->n++) % WIRE_SLOTS];
	w->seg = *note->seg;
	if (note->seg->payload_len)
		memcpy(w->payload, note->seg->payload, note->seg->payload_len);
	w->seg.payload = w->payload;
	w->arrive_ns = note->now_ns + WIRE_NS;
	p->segments++;
}

/* Timers and deliveries in time order until until_ns. */
static void pump(struct pair *p, uint64_t until_ns)
{
	for (;;) {
		uint64_t a = tl_tcp_next_deadline_ns(p->host[0]), b = tl_tcp_next_deadline_ns(p->host[1]);
		uint64_t t = a < b ? a : b;
		bool deliver = p->n && p->wire[p->head].arrive_ns < t;
		if (deliver)
			t = p->wire[p->head].arrive_ns;
		if (t > until_ns)
			break;
		p->now_ns = t;
		if (deliver) {
			struct in_flight *w = &p->wire[p->head];
			p->head = (p->head + 1) % WIRE_SLOTS;
			p->n--;
			int to = tl_addr_v4_be(&w->seg.tuple.daddr) == p->addr_be[1];
			tl_tcp_input(p->host[to], &w->seg, t); /* the slot stays intact until reused */
		} else {
			tl_tcp_advance(p->host[0], t);
			tl_tcp_advance(p->host[1], t);
		}
	}
	p->now_ns = until_ns;
	tl_tcp_advance(p->host[0], until_ns);
	tl_tcp_advance(p->host[1], until_ns);
}

#define EXPECT(p, cond, what)                \
	do {                                 \
		if (!(cond) && !(p)->failure) \
			(p)->failure = (what);  \
	} while (0)

/* One lifecycle: client on host 0, server (listening) on host 1. */
static void lifecycle(struct pair *p, int listener, const uint8_t *msg)
{
	struct tl_tcp_stack *cl = p->host[0], *sv = p->host[1];
	uint8_t buf[MSG_BYTES];
	int c = tl_tcp_socket(cl);
	struct tl_addr server = tl_addr_v4(p->addr_be[1]);
	EXPECT(p, c >= 0, "socket()");
	EXPECT(p, tl_tcp_connect(cl, c, &server, PORT, p->now_ns) == -EINPROGRESS, "connect()");
	pump(p, p->now_ns + 100000); /* S, S., . take 30 us */
	EXPECT(p, tl_tcp_connect_result(cl, c) == 0, "the handshake did not complete");
	int s = tl_tcp_accept(sv, listener, NULL, p->now_ns);
	EXPECT(p, s >= 0, "accept()");
	EXPECT(p, tl_tcp_send(cl, c, msg, MSG_BYTES, p->now_ns) == MSG_BYTES, "send()");
	pump(p, p->now_ns + 100000);
	EXPECT(p, tl_tcp_recv(sv, s, buf, sizeof(buf), p->now_ns) == MSG_BYTES && !memcmp(buf, msg, MSG_BYTES),
	       "recv() of the data");
	EXPECT(p, tl_tcp_close(cl, c, p->now_ns) == 0, "client close()");
	/* The FIN, and the server's ACK of it on the delayed-ACK timer (40 ms): a four-way close, not N5's 2+3. */
	pump(p, p->now_ns + 100 * MS_NS);
	struct tl_tcp_info info;
	EXPECT(p, tl_tcp_info(cl, c, &info) == 0 && info.state == TL_FIN_WAIT2, "the client is not in FIN-WAIT-2");
	EXPECT(p, tl_tcp_recv(sv, s, buf, sizeof(buf), p->now_ns) == 0, "recv() of the end of file");
	EXPECT(p, tl_tcp_close(sv, s, p->now_ns) == 0, "server close()");
	pump(p, p->now_ns + 100000); /* the server's FIN and its ACK: TIME-WAIT and CLOSE */
	pump(p, p->now_ns + (uint64_t)tl_timer_time_wait_ms() * MS_NS + 10 * MS_NS);
	EXPECT(p, tl_tcp_sockets(cl, NULL, 0) == 0 && tl_tcp_sockets(sv, NULL, 0) == 1,
	       "sockets left after TIME-WAIT");
}

static int bench_lifecycles(long n)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct tl_tcp_config cfg[2];
	if (!p)
		return 1;
	for (int i = 0; i < 2; i++) {
		tl_tcp_config_default(&cfg[i]);
		p->addr_be[i] = htonl(0x7f000001 + (uint32_t)i);
		cfg[i].local_addr = tl_addr_v4(p->addr_be[i]);
		cfg[i].seed = (uint64_t)i + 1;
		p->host[i] = tl_tcp_stack_new(&cfg[i], on_note, p);
	}
	int listener = p->host[1] ? tl_tcp_socket(p->host[1]) : -1;
	struct tl_addr server = tl_addr_v4(p->addr_be[1]);
	if (!p->host[0] || listener < 0 ||
	    tl_tcp_listen(p->host[1], listener, &server, PORT, 128, 0) != 0) {
		fprintf(stderr, "sim_bench: cannot set up the model's stacks\n");
		tl_tcp_stack_free(p->host[0]);
		tl_tcp_stack_free(p->host[1]);
		free(p);
		return 1;
	}
	uint8_t msg[MSG_BYTES];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)('a' + i % 26);
	double t0 = now_s();
	long done = 0;
	for (; done < n && !p->failure; done++)
		lifecycle(p, listener, msg);
	double secs = now_s() - t0;
	int rc = 0;
	if (p->failure) {
		fprintf(stderr, "sim_bench: lifecycle %ld: %s\n", done, p->failure);
		rc = 1;
	} else {
		printf("%.0f lifecycles/s %ld KiB %.1f segments %ld lifecycles %.3f s\n", (double)done / secs,
		       peak_rss_kib(), (double)p->segments / (double)done, done, secs);
	}
	tl_tcp_stack_free(p->host[0]);
	tl_tcp_stack_free(p->host[1]);
	free(p);
	return rc;
}

/* ---- the same lifecycles on the kernel ---- */

static int fail_errno(const char *what, long i)
{
	fprintf(stderr, "sim_bench: kernel lifecycle %ld: %s: %s\n", i, what, strerror(errno));
	return 1;
}

static int bench_kernel(long n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 128) < 0)
		return fail_errno("listen", 0);
	uint8_t msg[MSG_BYTES], buf[MSG_BYTES];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)('a' + i % 26);
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return fail_errno("connect", i);
		int s = accept(l, NULL, NULL);
		if (s < 0)
			return fail_errno("accept", i);
		if (send(c, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
			return fail_errno("send", i);
		if (recv(s, buf, sizeof(buf), MSG_WAITALL) != (ssize_t)sizeof(buf) || memcmp(buf, msg, sizeof(msg)))
			return fail_errno("recv", i);
		close(c);
		if (recv(s, buf, sizeof(buf), 0) != 0)
			return fail_errno("recv of the end of file", i);
		close(s);
	}
	double secs = now_s() - t0;
	printf("%.0f lifecycles/s %ld lifecycles %.3f s\n", (double)n / secs, n, secs);
	close(l);
	return 0;
}

static long arg_count(const char *s, long dflt, long max)
{
	if (!s)
		return dflt;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || end == s || *end || v < 1 || v > max ? -1 : v;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *count = argc > 2 ? argv[2] : NULL;
	long n;
	if (argc <= 3 && !strcmp(mode, "suite") && (n = arg_count(count, 21, MAX_RUNS)) > 0)
		return bench_suite((int)n);
	if (argc <= 3 && !strcmp(mode, "lifecycles") && (n = arg_count(count, 1000000, 1000000000)) > 0)
		return bench_lifecycles(n);
	if (argc <= 3 && !strcmp(mode, "kernel") && (n = arg_count(count, 100000, 1000000000)) > 0)
		return bench_kernel(n);
	fprintf(stderr, "usage: sim_bench suite [RUNS] | lifecycles [N] | kernel [N]\n");
	return 2;
}
