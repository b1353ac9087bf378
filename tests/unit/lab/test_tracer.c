/*
 * test_tracer: the eBPF tracer against the running kernel. Each test moves
 * the process into fresh network namespaces (unshare), opens the tracer for
 * one of them, makes real TCP connections on 127.0.0.1 and checks the events
 * drained: state sequences per socket, the namespace filter, resets sent and
 * received, retransmissions, and netfilter drops. Needs root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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
#include "core/wire.h"
#include "lab/sockdiag.h"
#include "lab/tracer.h"

#define LOOPBACK htonl(INADDR_LOOPBACK)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * What a test opened, so that teardown releases it even when an assertion
 * jumped out of the test halfway: up to two namespaces (each with a tracer
 * and a timeline) and the sockets.
 */
struct fixture {
	int ns_fd[2];
	uint32_t ino[2];
	struct tl_tracer *tracer[2];
	struct tl_timeline tl[2];
	int fds[16];
	size_t nfds;
};

static struct fixture *fx; /* the running test's, for the socket helpers */

static int setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->ns_fd[0] = fx->ns_fd[1] = -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < f->nfds; i++)
		close(f->fds[i]);
	for (int i = 0; i < 2; i++) {
		tl_timeline_free(&f->tl[i]);
		tl_tracer_close(f->tracer[i]);
		if (f->ns_fd[i] >= 0)
			close(f->ns_fd[i]);
	}
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

/* Closes a tracked socket now (the test wants the FIN or RST). */
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

static bool socket_timers; /* the next tracer opened also follows request and time-wait sockets */

static struct tl_tracer *open_tracer(uint32_t ino)
{
	char err[512];
	struct tl_tracer *t = tl_tracer_open_with(ino, socket_timers, err, sizeof(err));
	if (!t)
		fail_msg("tl_tracer_open: %s", err);
	if (err[0])
		print_message("warning: %s\n", err);
	return t;
}

/* Moves the process into a new network namespace with lo up, and opens a
 * tracer for it: namespace i of the fixture. */
static void enter_new_netns(int i)
{
	struct stat st;
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	assert_int_equal(system("ip link set lo up"), 0);
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	fx->ino[i] = (uint32_t)st.st_ino;
	fx->ns_fd[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(fx->ns_fd[i] >= 0);
	fx->tracer[i] = open_tracer(fx->ino[i]);
	tl_timeline_init(&fx->tl[i], now_ns());
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

/* connect() to 127.0.0.1:port; returns the fd, *rc gets connect's errno. */
static int client(uint16_t port, int flags, int *rc)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = LOOPBACK };
	int fd = track(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0));
	*rc = connect(fd, (struct sockaddr *)&a, sizeof(a)) ? errno : 0;
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

/* A whole connection: handshake, client closes first, then the server.
 * Returns the client's port. */
static uint16_t run_session(uint16_t port)
{
	int rc;
	int l = listener(port, 8);
	int c = client(port, 0, &rc);
	assert_int_equal(rc, 0);
	uint16_t cport = local_port(c);
	int s = track(accept(l, NULL, NULL));
	close_now(c);
	sleep_ms(20);
	close_now(s);
	close_now(l);
	return cport;
}

static const struct tl_event *find_state(const struct tl_timeline *tl, uint16_t sport,
					 uint16_t dport, enum tl_state from, enum tl_state to)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_EV_STATE && e->u.state.tuple.sport == sport &&
		    e->u.state.tuple.dport == dport && e->u.state.from == from &&
		    e->u.state.to == to)
			return e;
	}
	return NULL;
}

static uint64_t sock_with(const struct tl_timeline *tl, uint16_t sport, uint16_t dport,
			  enum tl_state from, enum tl_state to)
{
	const struct tl_event *e = find_state(tl, sport, dport, from, to);
	return e ? e->u.state.sock_id : 0;
}

/* "127.0.0.1:2017 > 127.0.0.1:40000" */
static void tuple_text(const struct tl_tuple *t, char *out, size_t len)
{
	char a[TL_ENDPOINT_STRLEN], b[TL_ENDPOINT_STRLEN];
	tl_endpoint_format(&t->saddr, t->sport, a, sizeof(a));
	tl_endpoint_format(&t->daddr, t->dport, b, sizeof(b));
	snprintf(out, len, "%s > %s", a, b);
}

/* With TL_TEST_VERBOSE set, prints what was drained (for a failing test). */
static void dump(const struct tl_timeline *tl)
{
	if (!getenv("TL_TEST_VERBOSE"))
		return;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		unsigned long long t_ns = e->t_ns - tl->t0_ns;
		char tu[2 * TL_ENDPOINT_STRLEN + 4], f[12];
		switch (e->kind) {
		case TL_EV_STATE:
			tuple_text(&e->u.state.tuple, tu, sizeof(tu));
			print_message("%llu state %#llx %s %s -> %s\n", t_ns,
				      (unsigned long long)e->u.state.sock_id, tu,
				      tl_state_name(e->u.state.from), tl_state_name(e->u.state.to));
			break;
		case TL_EV_RETRANS:
			tuple_text(&e->u.retrans.tuple, tu, sizeof(tu));
			tl_flags_letters(e->u.retrans.flags, f);
			print_message("%llu retrans %d %s [%s] seq %u in %s\n", t_ns,
				      e->u.retrans.kind, tu, f, e->u.retrans.seq,
				      tl_state_name(e->u.retrans.state));
			break;
		case TL_EV_RESET:
			tuple_text(&e->u.reset.tuple, tu, sizeof(tu));
			print_message("%llu reset %s %s in %s\n", t_ns,
				      e->u.reset.sent ? "sent" : "received", tu,
				      tl_state_name(e->u.reset.state));
			break;
		case TL_EV_DROP:
			tuple_text(&e->u.drop.tuple, tu, sizeof(tu));
			tl_flags_letters(e->u.drop.flags, f);
			print_message("%llu drop %s [%s] seq %u\n", t_ns, tu, f, e->u.drop.seq);
			break;
		default:
			print_message("%llu %s\n", t_ns,
				      e->kind == TL_EV_NOTE ? e->u.note : "(other event)");
			break;
		}
	}
}

typedef bool (*done_fn)(const struct tl_timeline *tl, const void *arg);

typedef bool (*done_fn)(const struct tl_timeline *tl, const void *arg);

/* Drains namespace i's tracer until done() holds or timeout_ms passes,
 * waiting with poll() on the tracer's descriptor. */
static struct tl_timeline *drain_until(int i, done_fn done, const void *arg, long timeout_ms)
{
	char err[256];
	struct tl_timeline *tl = &fx->tl[i];
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		if (tl_tracer_drain(fx->tracer[i], tl, err, sizeof(err)) < 0)
			fail_msg("drain: %s", err);
		if ((done && done(tl, arg)) || now_ns() >= deadline)
			break;
		struct pollfd p = { .fd = tl_tracer_fd(fx->tracer[i]), .events = POLLIN };
		poll(&p, 1, 50);
	}
	tl_timeline_sort(tl);
	dump(tl);
	return tl;
}

/* Asserts the whole life of one socket, e.g. CLOSE SYN_SENT ESTABLISHED as
 * CLOSE>SYN_SENT SYN_SENT>ESTABLISHED, and prints both sides on failure. */
static void assert_states(const struct tl_timeline *tl, uint64_t sock_id, const char *who,
			  const enum tl_state *want, size_t nwant)
{
	char got[512] = "", exp[512] = "";
	size_t n = 0;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind != TL_EV_STATE || e->u.state.sock_id != sock_id)
			continue;
		size_t u = strlen(got);
		snprintf(got + u, sizeof(got) - u, "%s%s>%s", n++ ? " " : "",
			 tl_state_name(e->u.state.from), tl_state_name(e->u.state.to));
	}
	for (size_t i = 0; i + 1 < nwant; i++) {
		size_t u = strlen(exp);
		snprintf(exp + u, sizeof(exp) - u, "%s%s>%s", i ? " " : "",
			 tl_state_name(want[i]), tl_state_name(want[i + 1]));
	}
	if (strcmp(got, exp))
		fail_msg("%s: expected %s, got %s", who, exp, got);
}

struct session {
	uint16_t cport, sport;
};

static bool session_done(const struct tl_timeline *tl, const void *arg)
{
	const struct session *s = arg;
	return find_state(tl, s->cport, s->sport, TL_FIN_WAIT2, TL_CLOSE) &&
	       find_state(tl, s->sport, s->cport, TL_LAST_ACK, TL_CLOSE) &&
	       find_state(tl, s->sport, 0, TL_LISTEN, TL_CLOSE);
}

static void test_states_of_one_connection(void **state)
{
	(void)state;
	enter_new_netns(0);

	uint16_t cport = run_session(2017);
	struct session want = { cport, 2017 };
	const struct tl_timeline *tl = drain_until(0, session_done, &want, 2000);

	/* The client: its first event still has source port 0 (the state is
	 * set before inet_hash_connect picks the port). */
	uint64_t c = sock_with(tl, 0, 2017, TL_CLOSE, TL_SYN_SENT);
	assert_true(c != 0);
	const enum tl_state cwant[] = { TL_CLOSE,     TL_SYN_SENT,  TL_ESTABLISHED,
					TL_FIN_WAIT1, TL_FIN_WAIT2, TL_CLOSE };
	assert_states(tl, c, "client", cwant, 6);
	assert_true(sock_with(tl, cport, 2017, TL_SYN_SENT, TL_ESTABLISHED) == c);
	/* The port survives into the last event (read from inet_sport). */
	assert_true(sock_with(tl, cport, 2017, TL_FIN_WAIT2, TL_CLOSE) == c);

	/* The accepted child starts as a clone of the listener: LISTEN ->
	 * SYN_RECV -> ESTABLISHED, both when the handshake's ACK arrives. */
	uint64_t s = sock_with(tl, 2017, cport, TL_LISTEN, TL_SYN_RECV);
	assert_true(s != 0 && s != c);
	const enum tl_state swant[] = { TL_LISTEN,     TL_SYN_RECV, TL_ESTABLISHED,
					TL_CLOSE_WAIT, TL_LAST_ACK, TL_CLOSE };
	assert_states(tl, s, "server child", swant, 6);

	uint64_t l = sock_with(tl, 2017, 0, TL_CLOSE, TL_LISTEN);
	assert_true(l != 0 && l != s && l != c);
	const enum tl_state lwant[] = { TL_CLOSE, TL_LISTEN, TL_CLOSE };
	assert_states(tl, l, "listener", lwant, 3);

	/* Tuples are local end first, addresses in network order; times are
	 * CLOCK_MONOTONIC, within the test's run. */
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		assert_int_equal(e->kind, TL_EV_STATE);
		assert_int_equal(e->side, TL_SIDE_NONE);
		assert_int_equal(e->u.state.source, TL_SRC_TRACEPOINT);
		assert_true(e->t_ns >= tl->t0_ns && e->t_ns <= now_ns());
		if (e->u.state.sock_id == s) {
			assert_int_equal(tl_addr_v4_be(&e->u.state.tuple.saddr), LOOPBACK);
			assert_int_equal(tl_addr_v4_be(&e->u.state.tuple.daddr), LOOPBACK);
			assert_int_equal(e->u.state.tuple.dport, cport);
		}
	}
}

static bool listener_closed(const struct tl_timeline *tl, const void *arg)
{
	const uint16_t *port = arg;
	return find_state(tl, *port, 0, TL_LISTEN, TL_CLOSE) != NULL;
}

static bool any_event_on_port(const struct tl_timeline *tl, uint16_t port)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_EV_STATE &&
		    (e->u.state.tuple.sport == port || e->u.state.tuple.dport == port))
			return true;
	}
	return false;
}

/* Two namespaces, a tracer for each, the same kind of connection in both:
 * each tracer reports its own namespace only. */
static void test_other_namespace_not_reported(void **state)
{
	(void)state;
	enter_new_netns(0);
	enter_new_netns(1);
	assert_true(fx->ino[0] != fx->ino[1]);

	run_session(2018); /* in namespace 1, where the process is now */
	assert_int_equal(setns(fx->ns_fd[0], CLONE_NEWNET), 0);
	run_session(2017);

	uint16_t p0 = 2017, p1 = 2018;
	const struct tl_timeline *tl0 = drain_until(0, listener_closed, &p0, 2000);
	const struct tl_timeline *tl1 = drain_until(1, listener_closed, &p1, 2000);
	assert_true(any_event_on_port(tl0, 2017));
	assert_true(any_event_on_port(tl1, 2018));
	assert_false(any_event_on_port(tl0, 2018));
	assert_false(any_event_on_port(tl1, 2017));
}

static const struct tl_event *find_reset(const struct tl_timeline *tl, bool sent, uint16_t sport,
					 uint16_t dport)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_EV_RESET && e->u.reset.sent == sent &&
		    e->u.reset.tuple.sport == sport && e->u.reset.tuple.dport == dport)
			return e;
	}
	return NULL;
}

struct reset_pair {
	uint16_t from, to; /* the RST goes from port `from` to port `to` */
};

static bool reset_pair_seen(const struct tl_timeline *tl, const void *arg)
{
	const struct reset_pair *r = arg;
	return find_reset(tl, true, r->from, r->to) && find_reset(tl, false, r->to, r->from);
}

static const struct tl_event *find_refused(const struct tl_timeline *tl, uint16_t dport)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_EV_STATE && e->u.state.from == TL_SYN_SENT &&
		    e->u.state.to == TL_CLOSE && e->u.state.tuple.dport == dport)
			return e;
	}
	return NULL;
}

static bool refused_seen(const struct tl_timeline *tl, const void *arg)
{
	return find_refused(tl, *(const uint16_t *)arg) != NULL;
}

/*
 * N1: a SYN to a closed port. No socket answers, so tcp_v4_send_reset runs
 * with sk NULL and the tuple comes from the SYN, reversed; the client's
 * SYN-SENT socket then receives it (tcp_reset). The sent event comes first:
 * this tracepoint fires before the RST is transmitted.
 */
static void test_reset_for_closed_port(void **state)
{
	(void)state;
	int rc;
	enter_new_netns(0);

	client(2019, 0, &rc);
	assert_int_equal(rc, ECONNREFUSED);
	/* A refused socket is unbound again; its port is in its last event. */
	uint16_t port = 2019;
	const struct tl_timeline *tl = drain_until(0, refused_seen, &port, 1000);
	const struct tl_event *refused = find_refused(tl, 2019);
	assert_non_null(refused);
	uint16_t cport = refused->u.state.tuple.sport;
	assert_true(cport != 0);
	struct reset_pair want = { 2019, cport };
	tl = drain_until(0, reset_pair_seen, &want, 1000);

	const struct tl_event *sent = find_reset(tl, true, 2019, cport);
	assert_non_null(sent);
	assert_int_equal(sent->u.reset.state, TL_STATE_NONE);
	assert_int_equal(tl_addr_v4_be(&sent->u.reset.tuple.saddr), LOOPBACK);
	assert_int_equal(tl_addr_v4_be(&sent->u.reset.tuple.daddr), LOOPBACK);
	const struct tl_event *got = find_reset(tl, false, cport, 2019);
	assert_non_null(got);
	assert_int_equal(got->u.reset.state, TL_SYN_SENT);
	assert_true(got->t_ns >= sent->t_ns);
}

/*
 * An abortive close (SO_LINGER 0): tcp_disconnect sets CLOSE first and then
 * sends an active reset (sk, no skb), so the sent event says CLOSE. Its
 * tracepoint fires after the RST is transmitted, and on loopback the peer
 * has processed it by then: the received event comes first.
 */
static void test_reset_on_abortive_close(void **state)
{
	(void)state;
	int rc;
	enter_new_netns(0);

	int l = listener(2020, 8);
	int c = client(2020, 0, &rc);
	assert_int_equal(rc, 0);
	uint16_t cport = local_port(c);
	track(accept(l, NULL, NULL));
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	assert_int_equal(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close_now(c);

	struct reset_pair want = { cport, 2020 };
	const struct tl_timeline *tl = drain_until(0, reset_pair_seen, &want, 1000);
	const struct tl_event *sent = find_reset(tl, true, cport, 2020);
	assert_non_null(sent);
	assert_int_equal(sent->u.reset.state, TL_CLOSE);
	const struct tl_event *got = find_reset(tl, false, 2020, cport);
	assert_non_null(got);
	assert_int_equal(got->u.reset.state, TL_ESTABLISHED);
	assert_non_null(find_state(tl, cport, 2020, TL_ESTABLISHED, TL_CLOSE));
	assert_non_null(find_state(tl, 2020, cport, TL_ESTABLISHED, TL_CLOSE));
}

static const struct tl_event *find_retrans(const struct tl_timeline *tl,
					   enum tl_retrans_kind kind, uint16_t sport)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_EV_RETRANS && e->u.retrans.kind == kind &&
		    e->u.retrans.tuple.sport == sport)
			return e;
	}
	return NULL;
}

struct retrans_want {
	enum tl_retrans_kind kind;
	uint16_t sport;
};

static bool retrans_seen(const struct tl_timeline *tl, const void *arg)
{
	const struct retrans_want *w = arg;
	return find_retrans(tl, w->kind, w->sport) != NULL;
}

/* A SYN to a listener whose accept queue is full is dropped by TCP (not by
 * netfilter), so the client resends it when its 1 s initial RTO expires. */
static void test_syn_retransmission(void **state)
{
	(void)state;
	int rc;
	enter_new_netns(0);

	listener(2021, 0);
	client(2021, 0, &rc); /* fills the queue of 0 + 1: never accepted */
	assert_int_equal(rc, 0);
	int c = client(2021, SOCK_NONBLOCK, &rc);
	assert_int_equal(rc, EINPROGRESS);
	uint16_t cport = local_port(c);

	struct retrans_want w = { TL_RETRANS_SYN, cport };
	const struct tl_timeline *tl = drain_until(0, retrans_seen, &w, 2500);
	const struct tl_event *e = find_retrans(tl, TL_RETRANS_SYN, cport);
	assert_non_null(e);
	assert_int_equal(e->u.retrans.state, TL_SYN_SENT);
	assert_int_equal(e->u.retrans.flags, TL_TH_SYN);
	assert_int_equal(e->u.retrans.tuple.dport, 2021);
	assert_int_equal(tl_addr_v4_be(&e->u.retrans.tuple.saddr), LOOPBACK);
	assert_int_equal(tl_addr_v4_be(&e->u.retrans.tuple.daddr), LOOPBACK);

	/* About 1 s after the first SYN (timers fire late, never early). */
	const struct tl_event *syn = NULL;
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *s = &tl->ev[i];
		if (s->kind == TL_EV_STATE && s->u.state.to == TL_SYN_SENT)
			syn = s; /* the last one is c's */
	}
	assert_non_null(syn);
	assert_true(e->t_ns - syn->t_ns >= 1000000000u - 5000000u);
	assert_true(e->t_ns - syn->t_ns < 1500000000u);
}

/*
 * TCP_DEFER_ACCEPT keeps the server's request socket when the handshake's
 * bare ACK arrives; with the option at 1 s the request socket resends its
 * SYN-ACK at its first timeout. A SYN-ACK retransmission with no packet lost.
 */
static void test_synack_retransmission(void **state)
{
	(void)state;
	int rc;
	enter_new_netns(0);

	int l = listener(2022, 8);
	int secs = 1;
	assert_int_equal(setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)), 0);
	int c = client(2022, 0, &rc);
	assert_int_equal(rc, 0);
	uint16_t cport = local_port(c);

	struct retrans_want w = { TL_RETRANS_SYNACK, 2022 };
	const struct tl_timeline *tl = drain_until(0, retrans_seen, &w, 2500);
	const struct tl_event *e = find_retrans(tl, TL_RETRANS_SYNACK, 2022);
	assert_non_null(e);
	assert_int_equal(e->u.retrans.state, TL_NEW_SYN_RECV);
	assert_int_equal(e->u.retrans.flags, TL_TH_SYN | TL_TH_ACK);
	assert_int_equal(e->u.retrans.tuple.dport, cport);
	assert_int_equal(tl_addr_v4_be(&e->u.retrans.tuple.saddr), LOOPBACK);

	/* Its sequence number is the server's ISN, which the client has
	 * acknowledged: the client's rcv_nxt, read in repair mode, is ISN + 1. */
	int on = 1, q = TCP_RECV_QUEUE;
	uint32_t rcv_nxt = 0;
	socklen_t len = sizeof(rcv_nxt);
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)), 0);
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)), 0);
	assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_QUEUE_SEQ, &rcv_nxt, &len), 0);
	assert_int_equal(e->u.retrans.seq + 1, rcv_nxt);
	/* (Closed in repair mode by teardown: silently, no FIN.) */
}

static const struct tl_event *find_drop(const struct tl_timeline *tl, uint16_t dport)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_EV_DROP && e->u.drop.tuple.dport == dport)
			return e;
	}
	return NULL;
}

static bool drop_seen(const struct tl_timeline *tl, const void *arg)
{
	const uint16_t *dport = arg;
	return find_drop(tl, *dport) != NULL;
}

/* An nftables drop rule in the input hook: kfree_skb(NETFILTER_DROP). */
static void test_netfilter_drop(void **state)
{
	(void)state;
	int rc;
	if (system("command -v nft >/dev/null 2>&1") != 0) {
		print_message("skipped: nft is not installed (Debian package nftables)\n");
		skip();
	}
	enter_new_netns(0);
	if (system("nft 'add table ip tl_test; add chain ip tl_test in { type filter hook "
		   "input priority 0; }; add rule ip tl_test in tcp dport 2023 drop'") != 0) {
		print_message("skipped: nft could not add a rule: no nf_tables in this kernel?\n");
		skip();
	}

	listener(2023, 8);
	int c = client(2023, SOCK_NONBLOCK, &rc);
	assert_int_equal(rc, EINPROGRESS);
	uint16_t cport = local_port(c);
	uint16_t dport = 2023;
	const struct tl_timeline *tl = drain_until(0, drop_seen, &dport, 1000);

	const struct tl_event *e = find_drop(tl, 2023);
	assert_non_null(e);
	assert_int_equal(e->u.drop.tuple.sport, cport);
	assert_int_equal(tl_addr_v4_be(&e->u.drop.tuple.saddr), LOOPBACK);
	assert_int_equal(tl_addr_v4_be(&e->u.drop.tuple.daddr), LOOPBACK);
	assert_int_equal(e->u.drop.flags, TL_TH_SYN);
	uint32_t dropped_seq = e->u.drop.seq;

	/* The retransmission resends the dropped SYN's sequence number. */
	struct retrans_want w = { TL_RETRANS_SYN, cport };
	tl = drain_until(0, retrans_seen, &w, 2500);
	const struct tl_event *r = find_retrans(tl, TL_RETRANS_SYN, cport);
	assert_non_null(r);
	assert_int_equal(r->u.retrans.seq, dropped_seq);
}

static void test_drain_with_nothing_waiting(void **state)
{
	(void)state;
	char err[256];
	enter_new_netns(0);
	assert_true(tl_tracer_fd(fx->tracer[0]) >= 0);
	assert_int_equal(tl_tracer_drain(fx->tracer[0], &fx->tl[0], err, sizeof(err)), 0);
	assert_int_equal(fx->tl[0].n, 0);
	tl_tracer_close(NULL);
}

/* True when a socket-timer event FROM -> TO was seen on the tuple. */
static bool has_timer_event(const struct tl_timeline *tl, uint16_t sport, uint16_t dport, enum tl_state from,
			    enum tl_state to)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		if (e->kind == TL_EV_STATE && e->u.state.source == TL_SRC_SOCK_TIMER && e->u.state.tuple.sport == sport &&
		    e->u.state.tuple.dport == dport && e->u.state.from == from && e->u.state.to == to)
			return true;
	}
	return false;
}

struct timer_want {
	uint16_t sport, dport;
	enum tl_state from, to;
};

static bool timer_event_seen(const struct tl_timeline *tl, const void *arg)
{
	const struct timer_want *w = arg;
	return has_timer_event(tl, w->sport, w->dport, w->from, w->to);
}

static void expect_timer_event(uint16_t sport, uint16_t dport, enum tl_state from, enum tl_state to, long timeout_ms,
			       const char *what)
{
	struct timer_want w = { sport, dport, from, to };
	if (!has_timer_event(drain_until(0, timer_event_seen, &w, timeout_ms), sport, dport, from, to))
		fail_msg("%s: no socket-timer event %u>%u %s -> %s", what, sport, dport, tl_state_name(from),
			 tl_state_name(to));
}

/* A SYN from nowhere: a raw segment from a port with no socket, so the SYN-ACK meets a RST. */
static void send_stray_syn(uint16_t sport, uint16_t dport)
{
	struct tl_tuple t = { .saddr = tl_addr_v4(LOOPBACK), .daddr = tl_addr_v4(LOOPBACK), .sport = sport, .dport = dport };
	struct tl_packet p;
	assert_int_equal(tl_packet_build(&t, 1000, 0, TL_TH_SYN, 65535, NULL, 0, NULL, 0, &p), 0);
	int raw = track(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP));
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = LOOPBACK };
	/* Ethernet (14) and IPv4 (20) headers first: the kernel writes the IP header itself. */
	const size_t tcp_off = 14 + 20;
	assert_int_equal(sendto(raw, p.bytes + tcp_off, p.cap_len - tcp_off, 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)(p.cap_len - tcp_off));
	free(p.bytes);
}

/*
 * The state tracepoint's blind spots, seen through the sockets' own timers:
 * a request made and turned into the child, a request reset, a client's
 * time-wait socket moved on by the server's FIN and then killed, an
 * orphan's FIN-WAIT-2 moved on by the peer's FIN, and one whose timer ran out.
 */
static void test_socket_timer_events(void **state)
{
	(void)state;
	socket_timers = true;
	enter_new_netns(0);
	socket_timers = false;
	assert_int_equal(system("sysctl -q -w net.ipv4.tcp_fin_timeout=1"), 0);

	/* The client closes first: an orphan in FIN-WAIT-2, then TIME-WAIT when the server's FIN comes.
	 * Half-closed first, for the reason given for the server below. */
	int rc0;
	int l0 = listener(2017, 8);
	int c0 = client(2017, 0, &rc0);
	assert_int_equal(rc0, 0);
	uint16_t cport = local_port(c0);
	int s0 = track(accept(l0, NULL, NULL));
	assert_int_equal(shutdown(c0, SHUT_WR), 0);
	sleep_ms(50);
	close_now(c0);
	sleep_ms(20);
	close_now(s0);
	close_now(l0);
	expect_timer_event(2017, cport, TL_STATE_NONE, TL_SYN_RECV, 2000, "request made");
	expect_timer_event(2017, cport, TL_SYN_RECV, TL_CLOSE, 2000, "request became the child");
	expect_timer_event(cport, 2017, TL_STATE_NONE, TL_FIN_WAIT2, 2000, "client's orphan handed to a time-wait socket");
	expect_timer_event(cport, 2017, TL_FIN_WAIT2, TL_TIME_WAIT, 2000, "the server's FIN moved it on");
	char err[256];
	struct tl_sockdiag *d = tl_sockdiag_open(err, sizeof(err));
	if (!d)
		fail_msg("sock_diag: %s", err);
	int destroyed = tl_sockdiag_destroy_all(d);
	tl_sockdiag_close(d);
	assert_true(destroyed >= 1);
	expect_timer_event(cport, 2017, TL_TIME_WAIT, TL_CLOSE, 2000, "time-wait socket killed");

	/* The server closes first: its orphan waits in FIN-WAIT-2 until the client's FIN. It half-closes
	 * and closes only once the FIN is acknowledged, so that close() itself hands it to a time-wait
	 * socket: an ACK that the kernel takes while close() holds the socket keeps it a full socket. */
	int rc;
	int l = listener(2018, 8);
	int c = client(2018, 0, &rc);
	assert_int_equal(rc, 0);
	uint16_t cport2 = local_port(c);
	int s = track(accept(l, NULL, NULL));
	assert_int_equal(shutdown(s, SHUT_WR), 0);
	sleep_ms(50);
	close_now(s);
	expect_timer_event(2018, cport2, TL_STATE_NONE, TL_FIN_WAIT2, 2000, "server's orphan handed to a time-wait socket");
	close_now(c);
	expect_timer_event(2018, cport2, TL_FIN_WAIT2, TL_TIME_WAIT, 2000, "the client's FIN moved it on");

	/* ... and when the client never closes, tcp_fin_timeout (1 s) runs out. */
	c = client(2018, 0, &rc);
	assert_int_equal(rc, 0);
	uint16_t cport3 = local_port(c);
	s = track(accept(l, NULL, NULL));
	assert_int_equal(shutdown(s, SHUT_WR), 0);
	sleep_ms(50);
	close_now(s);
	expect_timer_event(2018, cport3, TL_FIN_WAIT2, TL_CLOSE, 3000, "the orphan's timer ran out");

	/* A SYN with no socket behind it: the request is made, then reset. */
	send_stray_syn(40999, 2018);
	expect_timer_event(2018, 40999, TL_STATE_NONE, TL_SYN_RECV, 2000, "stray request made");
	expect_timer_event(2018, 40999, TL_SYN_RECV, TL_CLOSE, 2000, "stray request reset");
}

/* Without asking, the tracer reports none of them. */
static void test_socket_timer_events_off_by_default(void **state)
{
	(void)state;
	enter_new_netns(0);
	run_session(2017);
	sleep_ms(50);
	const struct tl_timeline *tl = drain_until(0, NULL, NULL, 0);
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_EV_STATE)
			assert_int_not_equal(tl->ev[i].u.state.source, TL_SRC_SOCK_TIMER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_states_of_one_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_namespace_not_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_for_closed_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_on_abortive_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synack_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netfilter_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_with_nothing_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_timer_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_timer_events_off_by_default, setup, teardown),
	};
	if (geteuid() != 0) {
		fprintf(stderr, "test_tracer: needs root (eBPF and network namespaces)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
