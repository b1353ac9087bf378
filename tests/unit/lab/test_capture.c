/*
 * test_capture: live capture against the real kernel, and pcap files checked
 * by tcpdump itself.
 *
 * The process moves into a network namespace of its own (so it needs root,
 * as in CI) and makes a real TCP connection over its loopback while
 * capturing. The packets then go to a pcap file that `tcpdump -nn` reads
 * back: every line must equal tl_packet_format()'s text and every stamp the
 * packet's wall_ns. A seeded run of random frames holds the printer to
 * tcpdump on option lists and flag mixes no kernel sends. Tests needing root
 * or tcpdump skip with a message when those are missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab/capture.h"
#include "views/pcap_out.h"
#include "analysis/packet.h"
#include "core/wire.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { SERVER_PORT = 2017 };

/* Why the live tests cannot run here, or "" when they can. */
static char no_netns_reason[160];

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bring_lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int enter_netns(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) != 0)
		snprintf(no_netns_reason, sizeof(no_netns_reason),
			 "unshare(CLONE_NEWNET): %s (the live tests need root)", strerror(errno));
	else if (bring_lo_up() != 0)
		snprintf(no_netns_reason, sizeof(no_netns_reason), "bringing lo up: %s",
			 strerror(errno));
	return 0;
}

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin:/usr/sbin:/sbin";
	char *dirs = strdup(path);
	bool found = false;
	char *save = NULL;
	for (char *dir = strtok_r(dirs, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char file[4096];
		snprintf(file, sizeof(file), "%s/%s", dir, name);
		found = access(file, X_OK) == 0;
	}
	free(dirs);
	return found;
}

#define SKIP_WITHOUT_NETNS()                                                  \
	do {                                                                  \
		if (no_netns_reason[0]) {                                     \
			print_message("skipped: %s\n", no_netns_reason);      \
			skip();                                               \
		}                                                             \
	} while (0)

#define SKIP_WITHOUT_TCPDUMP()                                                \
	do {                                                                  \
		if (!have_program("tcpdump")) {                               \
			print_message("skipped: tcpdump is not installed\n"); \
			skip();                                               \
		}                                                             \
	} while (0)

static void temp_pcap_path(char *path, size_t len)
{
	snprintf(path, len, "/tmp/tcplab-test-XXXXXX.pcap");
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
}

/*
 * Runs tcpdump on a pcap file and checks each line against the timeline's
 * packets: the stamp (epoch seconds, nanoseconds) against wall_ns and the
 * rest against tl_packet_format() with one tracker, in file order.
 */
static void expect_tcpdump_agrees(const char *path, const struct tl_timeline *tl)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "tcpdump -nn -tt --time-stamp-precision=nano -r '%s' 2>/dev/null", path);
	FILE *out = popen(cmd, "r");
	assert_non_null(out);
	struct tl_seq_tracker *t = tl_seq_tracker_new();
	assert_non_null(t);

	char *line = NULL;
	size_t line_cap = 0;
	size_t seen = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_packet *p = &tl->ev[i].u.packet;
		if (tl->ev[i].kind != TL_EV_PACKET)
			continue;
		ssize_t n = getline(&line, &line_cap, out);
		if (n <= 0)
			fail_msg("tcpdump printed %zu lines, the timeline has more packets", seen);
		line[strcspn(line, "\n")] = '\0';

		char *dot, *space;
		unsigned long long sec = strtoull(line, &dot, 10);
		unsigned long long frac_ns = strtoull(dot + 1, &space, 10);
		if (*dot != '.' || space - dot != 10 || *space != ' ')
			fail_msg("unexpected tcpdump stamp in: %s", line);
		assert_int_equal(sec * 1000000000ull + frac_ns, p->wall_ns);

		char mine[2048];
		tl_packet_format(t, p, mine, sizeof(mine));
		if (strcmp(space + 1, mine) != 0)
			fail_msg("packet %zu:\n  tcpdump: %s\n  tcplab:  %s", i, space + 1, mine);
		seen++;
	}
	if (getline(&line, &line_cap, out) > 0)
		fail_msg("tcpdump printed more lines than the timeline has packets: %s", line);
	free(line);
	tl_seq_tracker_free(t);
	assert_int_equal(pclose(out), 0);
}

/* ---- live capture ------------------------------------------------------- */

static int listen_on(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static size_t count_fins(const struct tl_timeline *tl)
{
	size_t fins = 0;
	for (size_t i = 0; i < tl->n; i++)
		fins += (tl->ev[i].u.packet.flags & TL_TH_FIN) != 0;
	return fins;
}

static void test_live_connection(void **state)
{
	(void)state;
	SKIP_WITHOUT_NETNS();

	char err[256] = "";
	struct tl_capture *cap = tl_capture_open("lo", err, sizeof(err));
	if (!cap)
		fail_msg("%s", err);
	assert_true(tl_capture_fd(cap) >= 0);
	int linktype = tl_capture_linktype(cap);
	assert_int_equal(linktype, DLT_EN10MB); /* Linux loopback has an Ethernet header */
	int64_t offset_ns = tl_realtime_minus_mono_ns();

	uint64_t before_ns = mono_ns();
	int server = listen_on(SERVER_PORT);
	int client = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(client >= 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(SERVER_PORT) };
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(client, (struct sockaddr *)&to, sizeof(to)), 0);
	int conn = accept(server, NULL, NULL);
	assert_true(conn >= 0);
	assert_int_equal(send(client, "hello", 5, 0), 5);
	char buf[16];
	assert_int_equal(recv(conn, buf, sizeof(buf), 0), 5);
	close(client);
	assert_int_equal(recv(conn, buf, sizeof(buf), 0), 0); /* the client's FIN */
	close(conn);
	close(server);
	uint64_t after_ns = mono_ns();

	/* Drain until both FINs and the last ACK are in; the peer's ACK of a FIN
	 * may be delayed (~40 ms), so wait for it within a generous deadline. */
	struct tl_timeline tl;
	tl_timeline_init(&tl, before_ns);
	uint64_t deadline_ns = mono_ns() + 3000000000ull;
	while (mono_ns() < deadline_ns) {
		struct pollfd pfd = { .fd = tl_capture_fd(cap), .events = POLLIN };
		poll(&pfd, 1, 50);
		if (tl_capture_drain(cap, offset_ns, &tl, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		if (count_fins(&tl) == 2 && !(tl.ev[tl.n - 1].u.packet.flags & TL_TH_FIN))
			break;
	}
	tl_capture_close(cap);

	assert_true(tl.n >= 4);
	const uint8_t want_flags[] = { TL_TH_SYN, TL_TH_SYN | TL_TH_ACK, TL_TH_ACK,
				       TL_TH_PSH | TL_TH_ACK };
	const uint16_t want_dport[] = { SERVER_PORT, 0, SERVER_PORT, SERVER_PORT };
	for (size_t i = 0; i < COUNT(want_flags); i++) {
		const struct tl_event *ev = &tl.ev[i];
		assert_int_equal(ev->kind, TL_EV_PACKET);
		assert_int_equal(ev->side, TL_SIDE_NONE);
		assert_int_equal(ev->u.packet.flags, want_flags[i]);
		if (want_dport[i])
			assert_int_equal(ev->u.packet.tuple.dport, SERVER_PORT);
		else
			assert_int_equal(ev->u.packet.tuple.sport, SERVER_PORT);
	}
	assert_int_equal(tl.ev[3].u.packet.payload_len, 5);

	/* Times: in capture order, inside the window the calls ran in (with
	 * slack for the clock offset's measurement), consistent with wall_ns. */
	const uint64_t slack_ns = 20000000;
	for (size_t i = 0; i < tl.n; i++) {
		const struct tl_event *ev = &tl.ev[i];
		if (i > 0)
			assert_true(ev->t_ns >= tl.ev[i - 1].t_ns);
		assert_int_equal((int64_t)(ev->u.packet.wall_ns - ev->t_ns), offset_ns);
		assert_true(ev->t_ns + slack_ns >= before_ns);
		if (i < COUNT(want_flags))
			assert_true(ev->t_ns <= after_ns + slack_ns);
	}

	if (!have_program("tcpdump")) {
		/* The capture itself passed; only the comparison cannot run. */
		tl_timeline_free(&tl);
		print_message("skipped: tcpdump is not installed\n");
		skip();
	}
	char path[64];
	temp_pcap_path(path, sizeof(path));
	if (tl_pcap_write(path, &tl, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	expect_tcpdump_agrees(path, &tl);
	unlink(path);
	tl_timeline_free(&tl);
}

static void test_capture_open_unknown_interface(void **state)
{
	(void)state;
	SKIP_WITHOUT_NETNS();
	char err[256] = "";
	assert_null(tl_capture_open("nosuchif0", err, sizeof(err)));
	if (!strstr(err, "nosuchif0"))
		fail_msg("error does not name the interface: %s", err);
}

/* ---- pcap files ---------------------------------------------------------- */

/* xorshift32: the same frames on every run and every libc. */
static uint32_t next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static uint32_t below(uint32_t *s, uint32_t n)
{
	return next_random(s) % n;
}

/* Option lists: well-formed ones of known kinds, or bytes biased to kinds. */
static size_t random_options(uint32_t *s, uint8_t out[40])
{
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8,
					 13, 19, 20, 28, 29, 30, 34, 99, 254 };
	size_t n = 0;
	if (below(s, 3) == 0) {
		n = 4 * below(s, 11);
		for (size_t i = 0; i < n; i++) {
			uint32_t r = below(s, 3);
			out[i] = r == 0 ? kinds[below(s, COUNT(kinds))]
					: (uint8_t)(r == 1 ? below(s, 20) : below(s, 256));
		}
		return n;
	}
	for (uint32_t count = 1 + below(s, 5); count > 0; count--) {
		uint8_t kind = kinds[below(s, COUNT(kinds))];
		size_t len;
		switch (kind) {
		case 0:
		case 1: len = 1; break;
		case 2: len = 4; break;
		case 3: len = 3; break;
		case 4: len = 2; break;
		case 5: len = 2 + 8 * (1 + below(s, 3)); break;
		case 8: len = 10; break;
		case 19: len = 18; break;
		case 30: len = 3 + below(s, 28); break;
		case 34: len = 2 + 2 * below(s, 9); break;
		default: len = 2 + below(s, 8); break;
		}
		if (n + len > 40)
			break;
		out[n] = kind;
		if (len > 1)
			out[n + 1] = (uint8_t)len;
		for (size_t i = 2; i < len; i++)
			out[n + i] = (uint8_t)below(s, 256);
		if (kind == 30 && len > 2) /* MPTCP: a subtype tcpdump knows, mostly */
			out[n + 2] = (uint8_t)(below(s, 9) << 4 | below(s, 16));
		n += len;
	}
	while (n % 4)
		out[n++] = 1;
	return n;
}

static void test_random_frames_match_tcpdump(void **state)
{
	(void)state;
	SKIP_WITHOUT_TCPDUMP();
	static const uint16_t ports[] = { 1000, 2017, 3000, 40000, 55702 };
	static const uint32_t addrs[] = { 0x7f000001, 0x7f000002, 0x0a000001 };
	uint32_t seed = 20171;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);

	for (uint32_t i = 0; i < 3000; i++) {
		/* Few ends, so conversations recur and the tracker is exercised. */
		struct tl_tuple tuple = {
			tl_addr_v4(htonl(addrs[below(&seed, 3)])), tl_addr_v4(htonl(addrs[below(&seed, 3)])),
			ports[below(&seed, COUNT(ports))], ports[below(&seed, COUNT(ports))],
		};
		uint8_t flags = (uint8_t)below(&seed, 256);
		if (below(&seed, 2))
			flags |= TL_TH_ACK;
		uint8_t options[40], payload[48];
		size_t options_len = random_options(&seed, options);
		size_t payload_len = below(&seed, 3) ? 0 : below(&seed, sizeof(payload));
		for (size_t k = 0; k < payload_len; k++)
			payload[k] = (uint8_t)below(&seed, 256);
		uint32_t seq = below(&seed, 4) ? next_random(&seed) : below(&seed, 100);
		uint32_t ack = below(&seed, 4) ? next_random(&seed) : below(&seed, 100);

		struct tl_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.kind = TL_EV_PACKET;
		ev.t_ns = i;
		uint16_t window = (uint16_t)next_random(&seed);
		assert_int_equal(tl_packet_build(&tuple, seq, ack, flags, window, options,
						 options_len, payload, payload_len, &ev.u.packet),
				 0);
		/* Sometimes cut the payload short: on the wire, or by the snaplen. */
		if (payload_len && below(&seed, 8) == 0) {
			uint32_t cut = 1 + below(&seed, (uint32_t)payload_len);
			ev.u.packet.cap_len -= cut;
			ev.u.packet.wire_len -= cut;
		} else if (payload_len && below(&seed, 8) == 0) {
			ev.u.packet.cap_len -= 1 + below(&seed, (uint32_t)payload_len);
		}
		ev.u.packet.wall_ns = 1700000000000000000ull + i * 1001ull;
		assert_int_equal(tl_timeline_append(&tl, &ev), 0);
	}

	char path[64], err[256];
	temp_pcap_path(path, sizeof(path));
	if (tl_pcap_write(path, &tl, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	expect_tcpdump_agrees(path, &tl);
	unlink(path);
	tl_timeline_free(&tl);
}

static void test_pcap_write_empty_timeline(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	char path[64], err[256];
	temp_pcap_path(path, sizeof(path));
	assert_int_equal(tl_pcap_write(path, &tl, err, sizeof(err)), 0);

	/* A valid nanosecond pcap header of link type Ethernet, and nothing else. */
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t hdr[32];
	assert_int_equal(fread(hdr, 1, sizeof(hdr), f), 24);
	fclose(f);
	uint32_t magic, linktype;
	memcpy(&magic, hdr, 4);
	memcpy(&linktype, hdr + 20, 4);
	assert_int_equal(magic, 0xa1b23c4d);
	assert_int_equal(linktype, DLT_EN10MB);
	unlink(path);
}

static void test_pcap_write_errors(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	struct tl_tuple tuple = { tl_addr_v4(htonl(0x7f000001)), tl_addr_v4(htonl(0x7f000001)), 1, 2 };
	struct tl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = TL_EV_PACKET;
	struct tl_packet *p = &ev.u.packet;
	assert_int_equal(tl_packet_build(&tuple, 1, 0, TL_TH_SYN, 0, NULL, 0, NULL, 0, p), 0);
	assert_int_equal(tl_timeline_append(&tl, &ev), 0);

	char err[256] = "";
	const char *bad_path = "/nonexistent-dir/x.pcap";
	assert_int_equal(tl_pcap_write(bad_path, &tl, err, sizeof(err)), -1);
	if (!strstr(err, bad_path))
		fail_msg("error does not name the file: %s", err);

	/* One file, one link type: a second kind is refused before writing. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = TL_EV_PACKET;
	assert_int_equal(tl_packet_build(&tuple, 2, 0, TL_TH_SYN, 0, NULL, 0, NULL, 0, p), 0);
	p->linktype = DLT_RAW;
	assert_int_equal(tl_timeline_append(&tl, &ev), 0);
	char path[64];
	temp_pcap_path(path, sizeof(path));
	assert_int_equal(tl_pcap_write(path, &tl, err, sizeof(err)), -1);
	if (!strstr(err, "link type"))
		fail_msg("unexpected error: %s", err);
	unlink(path);
	tl_timeline_free(&tl);
}

static void test_clock_offset(void **state)
{
	(void)state;
	struct timespec real, mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	int64_t rough_ns = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 +
			   (real.tv_nsec - mono.tv_nsec);
	int64_t tight_ns = tl_realtime_minus_mono_ns();
	int64_t diff_ns = tight_ns - rough_ns;
	assert_true(diff_ns > -1000000 && diff_ns < 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_connection),
		cmocka_unit_test(test_capture_open_unknown_interface),
		cmocka_unit_test(test_random_frames_match_tcpdump),
		cmocka_unit_test(test_pcap_write_empty_timeline),
		cmocka_unit_test(test_pcap_write_errors),
		cmocka_unit_test(test_clock_offset),
	};
	return cmocka_run_group_tests(tests, enter_netns, NULL);
}
