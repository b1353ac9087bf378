/*
 * test_sockdiag: sock_diag dumps against the running kernel. Each test moves
 * the process into a fresh network namespace (unshare), builds real sockets
 * on 127.0.0.1 in known states (LISTEN, ESTABLISHED with queued data,
 * TIME-WAIT, a request socket held in SYN-RECV by TCP_DEFER_ACCEPT, an
 * orphaned FIN-WAIT-2) and checks the rows dumped and the netstat-like table
 * printed from them. Needs root (CAP_SYS_ADMIN for unshare).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/event.h"
#include "lab/sockdiag.h"
#include "views/snapshot.h"

#define LOOPBACK htonl(INADDR_LOOPBACK)

/* What a test opened, released by teardown even after a failed assertion. */
struct fixture {
	struct tl_sockdiag *diag;
	struct tl_sock_row *rows;
	size_t n;
	int fds[16];
	size_t nfds;
	int home_ns; /* the namespace the test started in */
};

static struct fixture *fx;

static int setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->home_ns = -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < f->nfds; i++)
		close(f->fds[i]);
	free(f->rows);
	tl_sockdiag_close(f->diag);
	if (f->home_ns >= 0)
		close(f->home_ns);
	free(f);
	fx = NULL;
	return 0;
}

static int track(int fd)
{
	assert_true(fd >= 0);
	assert_true(fx->nfds < sizeof(fx->fds) / sizeof(fx->fds[0]));
	fx->fds[fx->nfds++] = fd;
	return fd;
}

static void close_now(int fd)
{
	for (size_t i = 0; i < fx->nfds; i++) {
		if (fx->fds[i] == fd) {
			fx->fds[i] = fx->fds[--fx->nfds];
			break;
		}
	}
	close(fd);
}

static void enter_new_netns(void)
{
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	assert_int_equal(system("ip link set lo up"), 0);
}

static void open_diag(void)
{
	char err[256];
	fx->diag = tl_sockdiag_open(err, sizeof(err));
	if (!fx->diag)
		fail_msg("tl_sockdiag_open: %s", err);
}

static void dump(void)
{
	char err[256];
	free(fx->rows);
	fx->rows = NULL;
	if (tl_sockdiag_dump(fx->diag, &fx->rows, &fx->n, err, sizeof(err)) < 0)
		fail_msg("tl_sockdiag_dump: %s", err);
	if (getenv("TL_TEST_VERBOSE")) {
		struct tl_snapshot s = { .label = "test", .n = fx->n, .rows = fx->rows };
		tl_snapshot_print(stderr, &s, "  ");
	}
}

static int listener(uint16_t port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = LOOPBACK };
	int one = 1;
	int fd = track(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

static int client(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = LOOPBACK };
	int fd = track(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static const struct tl_sock_row *find_row(uint16_t sport, uint16_t dport)
{
	for (size_t i = 0; i < fx->n; i++) {
		if (fx->rows[i].tuple.sport == sport && fx->rows[i].tuple.dport == dport)
			return &fx->rows[i];
	}
	return NULL;
}

static void test_listen_established_time_wait(void **state)
{
	(void)state;
	enter_new_netns();
	open_diag();

	int l = listener(2017, 8);
	int c = client(2017);
	uint16_t cport = local_port(c);
	track(accept(l, NULL, NULL));
	assert_int_equal(send(c, "hello", 5, 0), 5);
	/* A second connection that ends: client closes first -> TIME-WAIT. */
	int c2 = client(2017);
	uint16_t c2port = local_port(c2);
	int s2 = track(accept(l, NULL, NULL));
	close_now(c2);
	sleep_ms(20);
	close_now(s2);
	sleep_ms(20);
	dump();

	/* Exactly: the listener, both ends of the open connection, the
	 * time-wait socket (the server's end of the second is gone). */
	assert_int_equal(fx->n, 4);

	const struct tl_sock_row *r = find_row(2017, 0);
	assert_non_null(r);
	assert_int_equal(r->state, TL_LISTEN);
	assert_int_equal(tl_addr_v4_be(&r->tuple.saddr), LOOPBACK);
	assert_int_equal(tl_addr_v4_be(&r->tuple.daddr), 0);
	assert_int_equal(r->send_q, 8); /* a listener's limit: the backlog */
	assert_int_equal(r->timer, TL_TIMER_OFF);
	assert_true(r->inode != 0);
	assert_true(r->cookie != 0);

	r = find_row(2017, cport);
	assert_non_null(r);
	assert_int_equal(r->state, TL_ESTABLISHED);
	assert_int_equal(r->recv_q, 5); /* "hello", unread */
	assert_int_equal(tl_addr_v4_be(&r->tuple.daddr), LOOPBACK);
	assert_true(r->inode != 0);

	r = find_row(cport, 2017);
	assert_non_null(r);
	assert_int_equal(r->state, TL_ESTABLISHED);
	assert_int_equal(r->send_q, 0); /* acknowledged already */

	/* TIME-WAIT: the client's end, no inode, the 60 s timer running. */
	r = find_row(c2port, 2017);
	assert_non_null(r);
	assert_int_equal(r->state, TL_TIME_WAIT);
	assert_int_equal(r->timer, TL_TIMER_TIMEWAIT);
	assert_in_range(r->timer_ms, 59000, 60000);
	assert_int_equal(r->inode, 0);
	assert_true(r->cookie != 0);
	assert_null(find_row(2017, c2port));
}

/*
 * A request socket, held in SYN-RECV: with TCP_DEFER_ACCEPT the server
 * drops the handshake's bare ACK and keeps the request socket, while the
 * client is ESTABLISHED. sock_diag reports it as SYN_RECV (not the kernel's
 * internal NEW_SYN_RECV), with no inode and the SYN-ACK timer running.
 */
static void test_request_socket(void **state)
{
	(void)state;
	enter_new_netns();
	open_diag();

	int l = listener(2018, 8);
	int secs = 30;
	assert_int_equal(setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)), 0);
	int c = client(2018);
	uint16_t cport = local_port(c);
	sleep_ms(20);
	dump();

	const struct tl_sock_row *r = find_row(2018, cport);
	assert_non_null(r);
	assert_int_equal(r->state, TL_SYN_RECV);
	assert_int_equal(r->timer, TL_TIMER_ON);
	assert_in_range(r->timer_ms, 1, 1000); /* the first SYN-ACK timeout: 1 s */
	assert_int_equal(r->retrans, 0);
	assert_int_equal(r->inode, 0);
	assert_true(r->cookie != 0);

	r = find_row(cport, 2018);
	assert_non_null(r);
	assert_int_equal(r->state, TL_ESTABLISHED);
}

/*
 * The server closes first and the client never does: the server's orphaned
 * socket reaches FIN-WAIT-2 and is replaced by a time-wait socket whose
 * substate is FIN_WAIT2, with tcp_fin_timeout (60 s) on its timer.
 */
static void test_orphaned_fin_wait2(void **state)
{
	(void)state;
	enter_new_netns();
	open_diag();

	int l = listener(2019, 8);
	int c = client(2019);
	uint16_t cport = local_port(c);
	int s = track(accept(l, NULL, NULL));
	close_now(s);
	sleep_ms(20);
	dump();

	const struct tl_sock_row *r = find_row(2019, cport);
	assert_non_null(r);
	assert_int_equal(r->state, TL_FIN_WAIT2);
	assert_int_equal(r->timer, TL_TIMER_TIMEWAIT);
	assert_in_range(r->timer_ms, 59000, 60000);
	assert_int_equal(r->inode, 0);

	/* The client has read nothing, yet Recv-Q is 1: the queue is
	 * rcv_nxt - copied_seq, and the FIN took a sequence number. netstat
	 * shows the same. */
	r = find_row(cport, 2019);
	assert_non_null(r);
	assert_int_equal(r->state, TL_CLOSE_WAIT);
	assert_int_equal(r->recv_q, 1);
}

/* A dump sees the namespace the diag socket was opened in, nothing else. */
static void test_only_own_namespace(void **state)
{
	(void)state;
	enter_new_netns();
	listener(2020, 8);
	enter_new_netns();
	open_diag();
	dump();
	assert_int_equal(fx->n, 0);
	assert_null(fx->rows);

	listener(2021, 8);
	dump();
	assert_int_equal(fx->n, 1);
	assert_non_null(find_row(2021, 0));
	assert_null(find_row(2020, 0));
}

/* Many sockets: the dump spans several netlink messages. */
static void test_dump_spanning_messages(void **state)
{
	(void)state;
	enter_new_netns();
	open_diag();
	/* Each row is a message of about 100 bytes, so 400 listeners need
	 * more than one 32 KiB read. Too many for the fixture's fd list: they
	 * are closed here. */
	enum { N = 400 };
	static int fds[N];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = LOOPBACK };
	for (int i = 0; i < N; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fds[i] >= 0);
		a.sin_port = htons((uint16_t)(30000 + i));
		assert_int_equal(bind(fds[i], (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(listen(fds[i], 1), 0);
	}
	char err[256];
	free(fx->rows);
	fx->rows = NULL;
	int rc = tl_sockdiag_dump(fx->diag, &fx->rows, &fx->n, err, sizeof(err));
	for (int i = 0; i < N; i++)
		close(fds[i]);
	assert_int_equal(rc, 0);
	assert_int_equal(fx->n, N);
	for (int i = 0; i < N; i++)
		assert_non_null(find_row((uint16_t)(30000 + i), 0));
}

/* SOCK_DESTROY for everything: a listener, an open connection, a request
 * socket and a time-wait socket are all gone afterwards, and the
 * application sees its connection aborted. */
static void test_destroy_all(void **state)
{
	(void)state;
	enter_new_netns();
	open_diag();

	int l = listener(2022, 8);
	int c = client(2022);
	track(accept(l, NULL, NULL));
	int c2 = client(2022);
	int s2 = track(accept(l, NULL, NULL));
	close_now(c2);
	sleep_ms(20);
	close_now(s2);
	int d = listener(2023, 8);
	int secs = 30;
	assert_int_equal(setsockopt(d, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)), 0);
	client(2023);
	sleep_ms(20);
	dump();
	/* 2 listeners, 2 ends, TIME-WAIT, a request socket and its client. */
	assert_int_equal(fx->n, 7);

	int destroyed = tl_sockdiag_destroy_all(fx->diag);
	assert_true(destroyed >= 4 && destroyed <= 7);
	/* What stays: the two aborted listeners, as bound CLOSE sockets,
	 * until the test closes their descriptors. */
	dump();
	assert_int_equal(fx->n, 2);
	for (size_t i = 0; i < fx->n; i++)
		assert_int_equal(fx->rows[i].state, TL_CLOSE);
	close_now(l);
	close_now(d);
	dump();
	assert_int_equal(fx->n, 0);

	char b;
	errno = 0;
	assert_int_equal(recv(c, &b, 1, MSG_DONTWAIT), -1);
	assert_true(errno == ECONNABORTED || errno == ECONNRESET);
}

/* tl_snapshot_print's text into buf (a copy, so that a failed assertion leaks nothing). */
static void print_snapshot(const struct tl_snapshot *s, const char *indent, char *buf, size_t len)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);
	assert_non_null(out);
	tl_snapshot_print(out, s, indent);
	fclose(out);
	snprintf(buf, len, "%s", text);
	free(text);
}

/* Every "(12.34/" becomes "(T/": a timer's remaining seconds, which run on
 * between two reads of the same socket; the rest of the line must agree. */
static void normalise_timers(char *line)
{
	char *p = line;
	while ((p = strchr(p, '('))) {
		char *q = p + 1;
		while ((*q >= '0' && *q <= '9') || *q == '.')
			q++;
		if (q > p + 1 && *q == '/') {
			p[1] = 'T';
			memmove(p + 2, q, strlen(q) + 1);
		}
		p++;
	}
}

/* The lines of text, normalised, into lines[] (at most max); returns how many. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		normalise_timers(l);
		lines[n++] = l;
	}
	return n;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * tcplab's snapshot table against netstat -tano itself (net-tools), run in
 * the same namespace on the same sockets: a listener with its backlog, an
 * established pair with unread data and a keepalive timer, a time-wait
 * socket, a request socket in SYN-RECV, an orphaned FIN-WAIT-2 and its peer
 * in CLOSE-WAIT. Only two things may differ: a timer's remaining seconds
 * (they run on between the two reads) and the order of rows, which is each
 * tool's walk of the kernel's tables (sock_diag's and /proc/net/tcp's).
 */
static void test_snapshot_matches_netstat(void **state)
{
	(void)state;
	if (system("command -v netstat >/dev/null 2>&1") != 0) {
		print_message("skipped: netstat is not installed (Debian package net-tools)\n");
		skip();
	}
	enter_new_netns();
	open_diag();

	int l = listener(2017, 8);
	int c = client(2017);
	int one = 1;
	assert_int_equal(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	track(accept(l, NULL, NULL));
	assert_int_equal(send(c, "hello", 5, 0), 5);
	int c2 = client(2017);
	int s2 = track(accept(l, NULL, NULL));
	close_now(c2); /* the client closes first: TIME-WAIT */
	sleep_ms(20);
	close_now(s2);

	int deferred = listener(2018, 8);
	int secs = 30;
	assert_int_equal(setsockopt(deferred, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)), 0);
	client(2018); /* held as a request socket on the server's side */

	int l3 = listener(2019, 8);
	client(2019);
	close_now(track(accept(l3, NULL, NULL))); /* orphaned FIN-WAIT-2, CLOSE-WAIT peer */
	sleep_ms(20);

	dump();
	struct tl_snapshot snap = { .label = "now", .n = fx->n, .rows = fx->rows };
	static char ours_text[65536];
	print_snapshot(&snap, "", ours_text, sizeof(ours_text));

	FILE *p = popen("netstat -tano", "r");
	assert_non_null(p);
	static char theirs[65536];
	size_t got = fread(theirs, 1, sizeof(theirs) - 1, p);
	theirs[got] = '\0';
	assert_int_equal(pclose(p), 0);

	char *a[64], *b[64];
	size_t na = split_lines(ours_text, a, 64);
	size_t nb = split_lines(theirs, b, 64);
	/* netstat's first line is its title ("Active Internet connections ..."). */
	assert_true(nb >= 1 && !strncmp(b[0], "Active Internet connections", 27));
	print_message("tcplab:\n");
	for (size_t i = 0; i < na; i++)
		print_message("  %s\n", a[i]);
	print_message("netstat -tano:\n");
	for (size_t i = 1; i < nb; i++)
		print_message("  %s\n", b[i]);
	assert_int_equal(na, 11); /* header + 10 sockets: the test built what it meant to */
	assert_int_equal(na, nb - 1);
	assert_string_equal(a[0], b[1]); /* the header */
	qsort(a + 1, na - 1, sizeof(a[0]), by_string);
	qsort(b + 2, nb - 2, sizeof(b[0]), by_string);
	for (size_t i = 1; i < na; i++)
		assert_string_equal(a[i], b[i + 1]);
}

/* Rows netstat cannot be given on demand (a SYN-ACK resent three times, a
 * request socket still named NEW_SYN_RECV): the layout the netstat
 * comparison above fixes, applied to them. */
static void test_snapshot_print(void **state)
{
	(void)state;
	struct tl_sock_row rows[] = {
		{ .tuple = { tl_addr_v4(LOOPBACK), tl_addr_v4(0), 2017, 0 }, .state = TL_LISTEN, .send_q = 8 },
		{ .tuple = { tl_addr_v4(LOOPBACK), tl_addr_v4(LOOPBACK), 2017, 40000 },
		  .state = TL_ESTABLISHED,
		  .recv_q = 5,
		  .timer = TL_TIMER_KEEPALIVE,
		  .timer_ms = 7199890 },
		{ .tuple = { tl_addr_v4(LOOPBACK), tl_addr_v4(LOOPBACK), 2018, 40001 },
		  .state = TL_SYN_RECV,
		  .timer = TL_TIMER_ON,
		  .timer_ms = 200,
		  .retrans = 3 },
		{ .tuple = { tl_addr_v4(LOOPBACK), tl_addr_v4(LOOPBACK), 40002, 2017 },
		  .state = TL_TIME_WAIT,
		  .timer = TL_TIMER_TIMEWAIT,
		  .timer_ms = 59870 },
		{ .tuple = { tl_addr_v4(LOOPBACK), tl_addr_v4(LOOPBACK), 2019, 40003 },
		  .state = TL_NEW_SYN_RECV,
		  .timer = TL_TIMER_ON,
		  .timer_ms = 1000 },
		{ .tuple = { tl_addr_v4(LOOPBACK), tl_addr_v4(LOOPBACK), 2019, 40004 }, .state = TL_FIN_WAIT1 },
	};
	struct tl_snapshot s = { .label = "t", .n = 6, .rows = rows };
	static char text[4096];
	print_snapshot(&s, "> ", text, sizeof(text));

	const char *want =
		"> Proto Recv-Q Send-Q Local Address           Foreign Address         State"
		"       Timer\n"
		"> tcp        0      0 127.0.0.1:2017          0.0.0.0:*               LISTEN"
		"      off (0.00/0/0)\n"
		"> tcp        5      0 127.0.0.1:2017          127.0.0.1:40000         "
		"ESTABLISHED keepalive (7199.89/0/0)\n"
		"> tcp        0      0 127.0.0.1:2018          127.0.0.1:40001         SYN_RECV"
		"    on (0.20/3/0)\n"
		"> tcp        0      0 127.0.0.1:40002         127.0.0.1:2017          TIME_WAIT"
		"   timewait (59.87/0/0)\n"
		"> tcp        0      0 127.0.0.1:2019          127.0.0.1:40003         SYN_RECV"
		"    on (1.00/0/0)\n"
		"> tcp        0      0 127.0.0.1:2019          127.0.0.1:40004         FIN_WAIT1"
		"   off (0.00/0/0)\n";
	assert_string_equal(text, want);

	/* An empty snapshot is the header alone. */
	struct tl_snapshot empty = { .label = "e" };
	print_snapshot(&empty, "", text, sizeof(text));
	assert_non_null(strstr(text, "Proto Recv-Q"));
	assert_null(strchr(strchr(text, '\n') + 1, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listen_established_time_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphaned_fin_wait2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_own_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_spanning_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_matches_netstat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_print, setup, teardown),
	};
	if (geteuid() != 0) {
		fprintf(stderr, "test_sockdiag: needs root (network namespaces)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
