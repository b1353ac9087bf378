/*
 * test_mib: the namespace's TCP counters on the real kernel, read in a
 * fresh namespace (a forked child, so the host is left alone): nstat's
 * names, and one connect on loopback counted once as an active open and
 * once as a passive one, with nothing from the host's own traffic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child.h"
#include "lab/mib.h"
#include "lab/netns.h"

static int64_t delta_of(const struct tl_counters *c, const char *name)
{
	const struct tl_counter *k = tl_counter_find(c, name);
	return k ? k->delta : -1000;
}

/* A listener and one connection to it on 127.0.0.1, accepted. */
static int one_connection(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(2017) };
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	int s = accept(l, NULL, NULL);
	if (s < 0)
		return -1;
	close(s);
	close(c);
	close(l);
	return 0;
}

static int counts_one_connection_child(struct child *c)
{
	char err[256];
	if (tl_netns_enter_new(err, sizeof(err)) < 0) {
		child_fail(c, "%s", err);
		return strstr(err, "CAP_SYS_ADMIN") ? CHILD_SKIP : CHILD_FAIL;
	}
	struct tl_counters before, after;
	CHECK(c, tl_mib_read(&before, err, sizeof(err)) == 0, "first read: %s", err);
	CHECK(c, before.n > 50, "only %zu counters", before.n);
	CHECK(c, tl_counter_find(&before, "TcpActiveOpens") && tl_counter_find(&before, "TcpExtListenOverflows") &&
			 tl_counter_find(&before, "TcpExtTCPChallengeACK"),
	      "nstat's names missing (first is %s)", before.v[0].name);
	CHECK(c, delta_of(&before, "TcpActiveOpens") == 0, "a new namespace starts at 0, not %lld",
	      (long long)delta_of(&before, "TcpActiveOpens"));
	CHECK(c, one_connection() == 0, "connection on loopback: %s", strerror(errno));
	CHECK(c, tl_mib_read(&after, err, sizeof(err)) == 0, "second read: %s", err);
	tl_mib_delta(&before, &after);
	CHECK(c, delta_of(&after, "TcpActiveOpens") == 1, "TcpActiveOpens grew by %lld",
	      (long long)delta_of(&after, "TcpActiveOpens"));
	CHECK(c, delta_of(&after, "TcpPassiveOpens") == 1, "TcpPassiveOpens grew by %lld",
	      (long long)delta_of(&after, "TcpPassiveOpens"));
	CHECK(c, delta_of(&after, "TcpRtoMin") == 0, "a constant is not a growth");
	free(before.v);
	free(after.v);
	return CHILD_PASS;
}

static void counts_one_connection(void **state)
{
	(void)state;
	char msg[1024];
	child_judge(child_run(counts_one_connection_child, msg, sizeof(msg)), msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_one_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
