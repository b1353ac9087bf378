/*
 * test_firewall: fault rules on the real kernel (needs root; skipped without
 * CAP_SYS_ADMIN). Each test runs in a forked child that enters a new network
 * namespace (unshare, then `ip link set lo up`), installs rules with
 * firewall.c, listens to their NFLOG reports with nflog.c and sends real TCP
 * traffic over loopback. The parent checks that the host's ruleset (`nft
 * list ruleset`) is the same before and after. A child reports a failure as
 * text through a pipe (cmocka's asserts would jump inside the child), and its
 * exit status says pass, fail or skip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "scenario/fault.h"
#include "lab/delayq.h"
#include "lab/firewall.h"
#include "lab/nflog.h"

#define PORT 2017
#define GROUP 7

/* Runs a shell command and returns its standard output (malloc'd, never
 * NULL), or NULL when it could not run or failed. */
static char *command_output(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 4096, n = 0;
	char *out = malloc(cap);
	if (!out) {
		pclose(p);
		return NULL;
	}
	size_t got;
	while ((got = fread(out + n, 1, cap - n - 1, p)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *grown = realloc(out, cap * 2);
			if (!grown)
				break;
			out = grown;
			cap *= 2;
		}
	}
	out[n] = '\0';
	int status = pclose(p);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Enters a new network namespace with lo up, or says why the test cannot run. */
static int child_enter(struct child *c)
{
	if (unshare(CLONE_NEWNET) < 0) {
		child_fail(c, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return errno == EPERM ? CHILD_SKIP : CHILD_FAIL;
	}
	if (system("ip link set lo up") != 0)
		return child_fail(c, "ip link set lo up failed");
	return CHILD_PASS;
}

/* Runs fn in a forked child, turns its verdict into cmocka's, and checks
 * that the host's ruleset did not change meanwhile. */
static void run_in_child(int (*fn)(struct child *c))
{
	char *host_before = command_output("nft list ruleset 2>/dev/null");
	if (!host_before) {
		print_message("skipped: cannot read the host's ruleset (nft missing or not root)\n");
		skip();
	}
	char msg[1024];
	int status = child_run(fn, msg, sizeof(msg));

	char *host_after = command_output("nft list ruleset 2>/dev/null");
	assert_non_null(host_after);
	assert_string_equal(host_before, host_after);
	free(host_before);
	free(host_after);

	child_judge(status, msg);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CLOCK_REALTIME minus CLOCK_MONOTONIC, for NFLOG's realtime stamps. */
static int64_t realtime_minus_mono_ns(void)
{
	struct timespec r, m;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * 1000000000ll +
	       ((int64_t)r.tv_nsec - (int64_t)m.tv_nsec);
}

/* A listener on 127.0.0.1:PORT, or -1. */
static int listen_on_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0)
		return -1;
	return fd;
}

/* Starts a non-blocking connect to 127.0.0.1:PORT; *sport gets the local port. */
static int connect_start(uint16_t *sport)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
		return -1;
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	if (getsockname(fd, (struct sockaddr *)&me, &len) < 0)
		return -1;
	*sport = ntohs(me.sin_port);
	return fd;
}

/* Waits up to timeout_ms for a connect to finish: 1 connected, 0 not yet, -1 failed. */
static int connect_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int rc = poll(&p, 1, timeout_ms);
	if (rc <= 0)
		return rc;
	int so_err = 0;
	socklen_t len = sizeof(so_err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_err, &len) < 0 || so_err)
		return -1;
	return 1;
}

/* Drains l into tl until it holds want events or timeout_ms passed, then a
 * little longer, so that an unwanted extra report would show up too. */
static int collect_drops(struct tl_nflog *l, struct tl_timeline *tl, size_t want, int timeout_ms,
			 char *err, size_t errlen)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	bool settled = false;
	for (;;) {
		if (tl_nflog_drain(l, realtime_minus_mono_ns(), tl, err, errlen) < 0)
			return -1;
		uint64_t now = mono_ns();
		if (tl->n >= want && !settled) {
			settled = true;
			deadline = now + 100 * 1000000ull;
		}
		if (now >= deadline)
			return 0;
		struct pollfd p = { .fd = tl_nflog_fd(l), .events = POLLIN };
		(void)poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1);
	}
}

/* Installs rule text (after "drop") through a new firewall; returns it or NULL. */
static struct tl_firewall *install(struct child *c, const char *text, unsigned index)
{
	char err[512];
	struct tl_fault f;
	if (tl_fault_parse(text, index, PORT, &f, err, sizeof(err)) < 0) {
		child_fail(c, "parse '%s': %s", text, err);
		return NULL;
	}
	struct tl_firewall *fw = tl_firewall_open(GROUP, err, sizeof(err));
	if (!fw) {
		child_fail(c, "tl_firewall_open: %s", err);
		return NULL;
	}
	if (tl_firewall_add(fw, &f, err, sizeof(err)) < 0) {
		child_fail(c, "tl_firewall_add '%s': %s", text, err);
		tl_firewall_close(fw);
		return NULL;
	}
	return fw;
}

/* ---- count 2: exactly the first two SYNs are dropped and logged ---- */

static int first_two_syns_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	char err[512];
	struct tl_nflog *l = tl_nflog_open(GROUP, err, sizeof(err));
	CHECK(c, l, "tl_nflog_open: %s", err);
	struct tl_firewall *fw = install(c, "from client count 2 name first2", 1);
	if (!fw)
		return CHILD_FAIL;
	CHECK(c, tl_firewall_count(fw) == 1 && tl_firewall_handle(fw, "first2") > 0,
	      "rule not remembered");
	int lfd = listen_on_port();
	CHECK(c, lfd >= 0, "listen: %s", strerror(errno));

	uint64_t t_start = mono_ns();
	uint16_t sports[3];
	for (int i = 0; i < 3; i++) {
		int fd = connect_start(&sports[i]);
		CHECK(c, fd >= 0, "connect %d: %s", i + 1, strerror(errno));
		/* Well under the 1 s SYN retransmission timer: each socket sends
		 * one SYN only, so the rule sees exactly three SYNs in all. */
		int w = connect_wait(fd, 300);
		if (i < 2) {
			CHECK(c, w == 0, "connect %d: the SYN should have been dropped (got %d)", i + 1,
			      w);
			close(fd); /* a socket in SYN-SENT closes without a packet */
		} else {
			CHECK(c, w == 1, "connect 3: the SYN should have passed (got %d)", w);
			int afd = accept(lfd, NULL, NULL);
			CHECK(c, afd >= 0, "accept: %s", strerror(errno));
		}
	}

	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	CHECK(c, collect_drops(l, &tl, 2, 2000, err, sizeof(err)) == 0, "drain: %s", err);
	CHECK(c, tl.n == 2, "%zu drops reported, want 2", tl.n);
	uint64_t t_end = mono_ns();
	for (size_t i = 0; i < tl.n; i++) {
		const struct tl_event *ev = &tl.ev[i];
		const struct tl_drop *d = &ev->u.drop;
		CHECK(c, ev->kind == TL_EV_DROP, "event %zu: kind %d", i, ev->kind);
		CHECK(c, !strcmp(d->rule, "first2"), "event %zu: rule '%s', want first2", i, d->rule);
		CHECK(c, d->flags == TL_TH_SYN, "event %zu: flags %#x, want SYN", i, d->flags);
		CHECK(c, tl_addr_v4_be(&d->tuple.saddr) == htonl(INADDR_LOOPBACK) &&
				 tl_addr_v4_be(&d->tuple.daddr) == htonl(INADDR_LOOPBACK),
		      "event %zu: addresses are not 127.0.0.1", i);
		CHECK(c, d->tuple.dport == PORT, "event %zu: dport %u", i, d->tuple.dport);
		CHECK(c, d->tuple.sport == sports[i], "event %zu: sport %u, want %u (connect %zu)", i,
		      d->tuple.sport, sports[i], i + 1);
		CHECK(c, ev->t_ns >= t_start && ev->t_ns <= t_end,
		      "event %zu: time %llu outside the run [%llu, %llu]", i,
		      (unsigned long long)ev->t_ns, (unsigned long long)t_start,
		      (unsigned long long)t_end);
	}
	tl_timeline_free(&tl);
	tl_firewall_close(fw);
	tl_nflog_close(l);
	return CHILD_PASS;
}

static void test_first_two_syns(void **state)
{
	(void)state;
	run_in_child(first_two_syns_child);
}

/* ---- count counts matching packets only: the FIN after data ---- */

static int first_fin_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	char err[512];
	struct tl_nflog *l = tl_nflog_open(GROUP, err, sizeof(err));
	CHECK(c, l, "tl_nflog_open: %s", err);
	struct tl_firewall *fw = install(c, "from client has F count 1", 4);
	if (!fw)
		return CHILD_FAIL;
	int lfd = listen_on_port();
	CHECK(c, lfd >= 0, "listen: %s", strerror(errno));
	uint16_t sport;
	int cfd = connect_start(&sport);
	CHECK(c, cfd >= 0 && connect_wait(cfd, 1000) == 1, "connect failed");
	int sfd = accept(lfd, NULL, NULL);
	CHECK(c, sfd >= 0, "accept: %s", strerror(errno));

	/* Several packets from the client that do not match (SYN, ACK, data)
	 * have passed the rule; had they advanced its counter, the FIN would
	 * now pass too. */
	for (int i = 0; i < 3; i++) {
		CHECK(c, send(cfd, "hello", 5, 0) == 5, "send: %s", strerror(errno));
		char buf[16];
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		CHECK(c, poll(&p, 1, 1000) == 1 && recv(sfd, buf, sizeof(buf), 0) == 5,
		      "data %d did not arrive", i + 1);
	}
	CHECK(c, shutdown(cfd, SHUT_WR) == 0, "shutdown: %s", strerror(errno));

	/* The first FIN is dropped; the retransmission (a tail-loss probe about
	 * 0.2 s later on loopback) passes, so the server reads end of file. */
	uint64_t t_fin = mono_ns();
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	CHECK(c, poll(&p, 1, 3000) == 1, "the retransmitted FIN never arrived");
	char buf[16];
	CHECK(c, recv(sfd, buf, sizeof(buf), 0) == 0, "expected end of file");
	uint64_t waited_ms = (mono_ns() - t_fin) / 1000000ull;
	CHECK(c, waited_ms >= 100, "end of file after %llu ms: the first FIN was not dropped",
	      (unsigned long long)waited_ms);

	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	CHECK(c, collect_drops(l, &tl, 1, 2000, err, sizeof(err)) == 0, "drain: %s", err);
	CHECK(c, tl.n == 1, "%zu drops reported, want 1", tl.n);
	const struct tl_drop *d = &tl.ev[0].u.drop;
	CHECK(c, !strcmp(d->rule, "rule4"), "rule '%s', want the default name rule4", d->rule);
	CHECK(c, d->flags == (TL_TH_FIN | TL_TH_ACK), "flags %#x, want FIN|ACK", d->flags);
	CHECK(c, d->tuple.sport == sport && d->tuple.dport == PORT, "tuple %u > %u",
	      d->tuple.sport, d->tuple.dport);
	CHECK(c, d->seq != 0, "sequence number 0");
	tl_timeline_free(&tl);
	tl_firewall_close(fw);
	tl_nflog_close(l);
	return CHILD_PASS;
}

static void test_count_counts_matches_only(void **state)
{
	(void)state;
	run_in_child(first_fin_child);
}

/* ---- nft's own error for a bad raw rule; nothing left behind ---- */

static int bad_raw_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	char err[512];
	struct tl_fault f;
	CHECK(c, tl_fault_parse("nft tcp dportx 2017", 1, PORT, &f, err, sizeof(err)) == 0,
	      "parse: %s", err);
	struct tl_firewall *fw = tl_firewall_open(GROUP, err, sizeof(err));
	CHECK(c, fw, "tl_firewall_open: %s", err);
	err[0] = '\0';
	/* A raw rule is the writer's: refused, not a failed lab. */
	CHECK(c, tl_firewall_add(fw, &f, err, sizeof(err)) == TL_FIREWALL_REFUSED, "nft accepted 'tcp dportx'");
	CHECK(c, strstr(err, "nft: syntax error") && strstr(err, "at 'dportx'") && !strchr(err, '\n'),
	      "unexpected message: \"%s\"", err);
	CHECK(c, tl_firewall_count(fw) == 0, "a rejected rule was remembered");

	/* Rejected in the kernel rather than the parser: nft's text too. */
	CHECK(c, tl_fault_parse("nft meta mark set 1", 2, PORT, &f, err, sizeof(err)) == 0,
	      "parse: %s", err);
	err[0] = '\0';
	int added = tl_firewall_add(fw, &f, err, sizeof(err));
	if (added == 0) {
		/* Accepted by this nft: fine, but then remove_all must clean it up. */
		CHECK(c, tl_firewall_remove_all(fw, err, sizeof(err)) == 0, "remove_all: %s", err);
	} else {
		CHECK(c, added == TL_FIREWALL_REFUSED, "a raw rule the kernel rejects: %d, not refused", added);
		CHECK(c, !strncmp(err, "nft: ", 5), "unexpected message: \"%s\"", err);
	}

	/* The batch was atomic: the table made with the bad rule is gone too. */
	char *tables = command_output("nft list tables");
	CHECK(c, tables && tables[0] == '\0', "tables left: \"%s\"", tables ? tables : "(nft failed)");
	free(tables);
	tl_firewall_close(fw);
	return CHILD_PASS;
}

static void test_bad_raw_rule(void **state)
{
	(void)state;
	run_in_child(bad_raw_child);
}

/* ---- every form the parser makes is a rule nft accepts ---- */

static int accepted_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	static const char *const rules[] = {
		"from client",
		"from server",
		"from client flags S",
		"from server flags S. count 2",
		"from client has F",
		"from server has F.",
		"flags none",
		"flags R",
		"has FPU",
		"sport 40000 dport 2017",
		"from server dport 40000",
		"count 1",
		"nft tcp dport 2017 tcp flags syn",
		"count 3 nft tcp sport { 2017, 2018 } ip saddr 127.0.0.1",
	};
	char err[512];
	struct tl_firewall *fw = tl_firewall_open(GROUP, err, sizeof(err));
	CHECK(c, fw, "tl_firewall_open: %s", err);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct tl_fault f;
		CHECK(c, tl_fault_parse(rules[i], (unsigned)i + 1, PORT, &f, err, sizeof(err)) == 0,
		      "parse '%s': %s", rules[i], err);
		CHECK(c, tl_firewall_add(fw, &f, err, sizeof(err)) == 0, "add '%s': %s", rules[i],
		      err);
	}
	CHECK(c, tl_firewall_count(fw) == sizeof(rules) / sizeof(rules[0]), "count %zu",
	      tl_firewall_count(fw));
	CHECK(c, tl_firewall_remove_all(fw, err, sizeof(err)) == 0, "remove_all: %s", err);
	tl_firewall_close(fw);
	return CHILD_PASS;
}

static void test_every_form_accepted(void **state)
{
	(void)state;
	run_in_child(accepted_child);
}

/* ---- remove one by name, remove all ---- */

static int remove_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	char err[512];
	struct tl_firewall *fw = tl_firewall_open(GROUP, err, sizeof(err));
	CHECK(c, fw, "tl_firewall_open: %s", err);
	struct tl_fault a, b;
	CHECK(c, tl_fault_parse("from client flags S name ruleA", 1, PORT, &a, err, sizeof(err)) == 0,
	      "parse: %s", err);
	CHECK(c, tl_fault_parse("from server flags S. name ruleB", 2, PORT, &b, err, sizeof(err)) == 0,
	      "parse: %s", err);
	CHECK(c, tl_firewall_add(fw, &a, err, sizeof(err)) == 0, "add a: %s", err);
	CHECK(c, tl_firewall_add(fw, &b, err, sizeof(err)) == 0, "add b: %s", err);
	CHECK(c, tl_firewall_handle(fw, "ruleA") != tl_firewall_handle(fw, "ruleB"), "same handle");

	CHECK(c, tl_firewall_add(fw, &b, err, sizeof(err)) == -1 &&
			 strstr(err, "'ruleB' is already installed"),
	      "duplicate name: \"%s\"", err);

	CHECK(c, tl_firewall_remove(fw, "ruleA", err, sizeof(err)) == 0, "remove a: %s", err);
	char *chain = command_output("nft list chain inet tcplab input");
	CHECK(c, chain, "nft list chain failed");
	CHECK(c, !strstr(chain, "tcplab:ruleA") && strstr(chain, "tcplab:ruleB") &&
			 strstr(chain, "hook input priority filter"),
	      "after removing ruleA: %s", chain);
	free(chain);
	CHECK(c, tl_firewall_count(fw) == 1 && tl_firewall_handle(fw, "ruleA") == 0,
	      "ruleA still remembered");
	CHECK(c, tl_firewall_remove(fw, "ruleA", err, sizeof(err)) == -1 &&
			 strstr(err, "no fault rule named 'ruleA'"),
	      "second remove: \"%s\"", err);

	CHECK(c, tl_firewall_remove_all(fw, err, sizeof(err)) == 0, "remove_all: %s", err);
	CHECK(c, tl_firewall_count(fw) == 0, "rules remembered after remove_all");
	char *tables = command_output("nft list tables");
	CHECK(c, tables && tables[0] == '\0', "tables left: \"%s\"", tables ? tables : "(nft failed)");
	free(tables);
	/* Again, with no table: still fine. */
	CHECK(c, tl_firewall_remove_all(fw, err, sizeof(err)) == 0, "second remove_all: %s", err);

	/* A rule after remove_all makes the table again. */
	CHECK(c, tl_firewall_add(fw, &a, err, sizeof(err)) == 0, "add after remove_all: %s", err);
	tables = command_output("nft list tables");
	CHECK(c, tables && strstr(tables, "table inet tcplab"), "no table: \"%s\"",
	      tables ? tables : "(nft failed)");
	free(tables);
	tl_firewall_close(fw);
	return CHILD_PASS;
}

static void test_remove(void **state)
{
	(void)state;
	run_in_child(remove_child);
}

/* ---- NFLOG group already taken ---- */

static int busy_group_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	char err[512];
	struct tl_nflog *l = tl_nflog_open(GROUP, err, sizeof(err));
	CHECK(c, l, "tl_nflog_open: %s", err);
	CHECK(c, tl_nflog_fd(l) >= 0 && (fcntl(tl_nflog_fd(l), F_GETFL) & O_NONBLOCK),
	      "descriptor is not non-blocking");
	struct tl_nflog *again = tl_nflog_open(GROUP, err, sizeof(err));
	CHECK(c, !again && strstr(err, "another socket of this namespace has the group"),
	      "second bind: \"%s\"", err);
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	CHECK(c, tl_nflog_drain(l, 0, &tl, err, sizeof(err)) == 0 && tl.n == 0,
	      "drain with nothing logged");
	tl_nflog_close(l);
	/* Closing released the group. */
	l = tl_nflog_open(GROUP, err, sizeof(err));
	CHECK(c, l, "reopen: %s", err);
	tl_nflog_close(l);
	return CHILD_PASS;
}

static void test_busy_group(void **state)
{
	(void)state;
	run_in_child(busy_group_child);
}

/* ---- never in the host's namespace ---- */

static void test_host_namespace_refused(void **state)
{
	(void)state;
	/* The host's: the kernel's first namespace (its fixed inode), or PID 1's. */
	struct stat self, init;
	assert_int_equal(stat("/proc/self/ns/net", &self), 0);
	bool host = self.st_ino == 0xEFFFFFF9u ||
		    (stat("/proc/1/ns/net", &init) == 0 && self.st_ino == init.st_ino &&
		     self.st_dev == init.st_dev);
	if (!host) {
		print_message("skipped: this test does not run in the host's namespace\n");
		skip();
	}
	char *before = command_output("nft list ruleset 2>/dev/null");
	char err[256] = "";
	struct tl_firewall *fw = tl_firewall_open(GROUP, err, sizeof(err));
	assert_null(fw);
	assert_non_null(strstr(err, "host's network namespace"));
	char *after = command_output("nft list ruleset 2>/dev/null");
	if (before && after)
		assert_string_equal(before, after);
	free(before);
	free(after);
}

/* ---- delay: the first SYN held 100 ms by the queue, the next not; no reader, nothing held ---- */

/* Serves q until fd's connect finishes or timeout_ms passes; the time it took in ms, or -1. */
static int64_t connect_while_serving(struct tl_delayq *q, int fd, struct tl_timeline *tl, int timeout_ms,
				     char *err, size_t errlen)
{
	uint64_t t0 = mono_ns();
	while (mono_ns() - t0 < (uint64_t)timeout_ms * 1000000ull) {
		if (q && tl_delayq_service(q, realtime_minus_mono_ns(), tl, err, errlen) < 0)
			return -1;
		if (connect_wait(fd, 1) == 1)
			return (int64_t)((mono_ns() - t0) / 1000000ull);
	}
	snprintf(err, errlen, "not connected after %d ms", timeout_ms);
	return -1;
}

static int delay_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	char err[512];
	struct tl_delayq *q = tl_delayq_open(GROUP, err, sizeof(err));
	CHECK(c, q, "tl_delayq_open: %s", err);
	struct tl_firewall *fw = tl_firewall_open(GROUP, err, sizeof(err));
	CHECK(c, fw, "tl_firewall_open: %s", err);
	struct tl_fault f;
	CHECK(c, tl_fault_parse_action(TL_FAULT_DELAY, "from client flags S count 1 for 100ms name held", 1, PORT,
				       &f, err, sizeof(err)) == 0, "parse: %s", err);
	uint32_t mark;
	CHECK(c, tl_delayq_add_rule(q, &f, &mark, err, sizeof(err)) == 0, "add_rule: %s", err);
	CHECK(c, tl_firewall_add_delay(fw, &f, mark, GROUP, err, sizeof(err)) == 0, "add_delay: %s", err);
	char *rules = command_output("nft list chain inet tcplab input");
	CHECK(c, rules && strstr(rules, "jump delay"), "the rule does not jump to the delay chain: %s",
	      rules ? rules : "(nft failed)");
	free(rules);
	int lfd = listen_on_port();
	CHECK(c, lfd >= 0, "listen: %s", strerror(errno));

	/* Held 100 ms, far below the first SYN retransmission (1 s). */
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	uint16_t sport;
	int fd = connect_start(&sport);
	CHECK(c, fd >= 0, "connect: %s", strerror(errno));
	int64_t ms = connect_while_serving(q, fd, &tl, 900, err, sizeof(err));
	CHECK(c, ms >= 100 && ms < 150, "the held SYN's connect took %lld ms (%s)", (long long)ms, err);
	CHECK(c, tl.n == 1 && tl.ev[0].kind == TL_EV_NOTE, "%zu events, not one note", tl.n);
	char want[128];
	snprintf(want, sizeof(want), "delay held holds 127.0.0.1:%u > 127.0.0.1:%u S for 100ms", sport, PORT);
	CHECK(c, !strcmp(tl.ev[0].u.note, want), "note '%s', not '%s'", tl.ev[0].u.note, want);

	/* count 1: the next SYN passes at once. */
	fd = connect_start(&sport);
	ms = connect_while_serving(q, fd, &tl, 900, err, sizeof(err));
	CHECK(c, ms >= 0 && ms < 20 && tl.n == 1, "the second SYN was held too (%lld ms)", (long long)ms);

	/* No reader bound: the queue's bypass lets every packet pass. */
	tl_delayq_close(q);
	CHECK(c, tl_fault_parse_action(TL_FAULT_DELAY, "from client for 100ms name all", 2, PORT, &f, err,
				       sizeof(err)) == 0, "parse: %s", err);
	CHECK(c, tl_firewall_add_delay(fw, &f, TL_DELAYQ_MARK_BASE + 1, GROUP, err, sizeof(err)) == 0,
	      "add_delay: %s", err);
	fd = connect_start(&sport);
	ms = connect_while_serving(NULL, fd, &tl, 900, err, sizeof(err));
	CHECK(c, ms >= 0 && ms < 20, "with no reader, a SYN waited %lld ms (%s)", (long long)ms, err);
	tl_timeline_free(&tl);
	tl_firewall_close(fw);
	return CHILD_PASS;
}

static void test_delay(void **state)
{
	(void)state;
	run_in_child(delay_child);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_two_syns),
		cmocka_unit_test(test_count_counts_matches_only),
		cmocka_unit_test(test_bad_raw_rule),
		cmocka_unit_test(test_every_form_accepted),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_busy_group),
		cmocka_unit_test(test_host_namespace_refused),
		cmocka_unit_test(test_delay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
