/*
 * test_netns: the namespace module on the real kernel (needs root; skipped
 * without CAP_SYS_ADMIN). Every test that enters a namespace does it in a
 * forked child, so the test process itself, and the host, stay where they
 * are: the parent then checks that the host's value was left alone. A child
 * reports a failure as text through a pipe (cmocka's asserts would jump
 * inside the child), and its exit status says pass, fail or skip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "lab/netns.h"

/* Enters a new namespace, or says why the test cannot run here. */
static int child_enter(struct child *c)
{
	char err[256];
	if (tl_netns_enter_new(err, sizeof(err)) == 0)
		return CHILD_PASS;
	if (strstr(err, "CAP_SYS_ADMIN")) {
		child_fail(c, "%s", err);
		return CHILD_SKIP;
	}
	return child_fail(c, "tl_netns_enter_new: %s", err);
}

/* Runs fn in a forked child and turns its verdict into cmocka's. */
static void run_in_child(int (*fn)(struct child *c))
{
	char msg[1024];
	int status = child_run(fn, msg, sizeof(msg));
	child_judge(status, msg);
}

/* ---- lo is up: a TCP connection on 127.0.0.1 works ---- */

static int lo_is_up_child(struct child *c)
{
	uint32_t host_ns = tl_netns_inode();
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	uint32_t lab_ns = tl_netns_inode();
	if (!host_ns || !lab_ns || host_ns == lab_ns)
		return child_fail(c, "namespace inode before %u, after %u", host_ns, lab_ns);

	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return child_fail(c, "SIOCGIFFLAGS lo: %s", strerror(errno));
	close(s);
	if (!(ifr.ifr_flags & IFF_UP))
		return child_fail(c, "lo is not up (flags %#x)", (unsigned)ifr.ifr_flags);

	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		return child_fail(c, "listener on 127.0.0.1: %s", strerror(errno));
	int cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return child_fail(c, "connect to 127.0.0.1:%u: %s", ntohs(a.sin_port), strerror(errno));
	int afd = accept(lfd, NULL, NULL);
	char byte = 0;
	if (afd < 0 || send(cfd, "!", 1, 0) != 1 || recv(afd, &byte, 1, 0) != 1 || byte != '!')
		return child_fail(c, "one byte over loopback: %s", strerror(errno));
	close(afd);
	close(cfd);
	close(lfd);
	return CHILD_PASS;
}

static void lo_is_up(void **state)
{
	(void)state;
	run_in_child(lo_is_up_child);
}

/* ---- a sysctl set in the namespace reads back; the host keeps its own ---- */

#define FIN_TIMEOUT "net.ipv4.tcp_fin_timeout"

static long host_fin_timeout;

static int sysctl_child(struct child *c)
{
	/* Opened in the host's namespace: the file stays bound to the host's
	 * value after unshare, which shows the two values are separate. */
	int host_fd = open("/proc/sys/net/ipv4/tcp_fin_timeout", O_RDONLY | O_CLOEXEC);
	if (host_fd < 0)
		return child_fail(c, "open host tcp_fin_timeout: %s", strerror(errno));
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;

	char err[256], buf[64];
	long v;
	long want = host_fin_timeout == 17 ? 18 : 17;
	snprintf(buf, sizeof(buf), "%ld", want);
	if (tl_sysctl_set(FIN_TIMEOUT, buf, err, sizeof(err)) < 0)
		return child_fail(c, "set: %s", err);
	if (tl_sysctl_get_long(FIN_TIMEOUT, &v, err, sizeof(err)) < 0)
		return child_fail(c, "get_long: %s", err);
	if (v != want)
		return child_fail(c, "read back %ld, wanted %ld", v, want);
	if (tl_sysctl_get(FIN_TIMEOUT, buf, sizeof(buf), err, sizeof(err)) < 0)
		return child_fail(c, "get: %s", err);
	char want_text[32];
	snprintf(want_text, sizeof(want_text), "%ld", want);
	if (strcmp(buf, want_text) != 0)
		return child_fail(c, "get gave '%s', wanted '%s' (no newline)", buf, want_text);

	ssize_t n = pread(host_fd, buf, sizeof(buf) - 1, 0);
	close(host_fd);
	if (n <= 0)
		return child_fail(c, "read host tcp_fin_timeout: %s", strerror(errno));
	buf[n] = '\0';
	if (strtol(buf, NULL, 10) != host_fin_timeout)
		return child_fail(c, "host value through the old file: %s, wanted %ld", buf, host_fin_timeout);

	/* The kernel refuses a value out of range: the writer's mistake, and the message names it. */
	const char *want_err = "sysctl net.ipv4.tcp_syn_retries = 999: the kernel refuses it (Invalid argument)";
	if (tl_sysctl_set("net.ipv4.tcp_syn_retries", "999", err, sizeof(err)) != TL_SYSCTL_REFUSED ||
	    strcmp(err, want_err) != 0)
		return child_fail(c, "set 999: got '%s', wanted '%s'", err, want_err);
	if (tl_sysctl_set("net.ipv4.tcp_syn_retries", "many", err, sizeof(err)) != TL_SYSCTL_REFUSED)
		return child_fail(c, "set 'many' was not refused");
	if (tl_sysctl_set("net.ipv4.tcp_no_such_sysctl", "1", err, sizeof(err)) != TL_SYSCTL_REFUSED ||
	    !strstr(err, "no such sysctl"))
		return child_fail(c, "set of a missing sysctl: '%s'", err);
	return CHILD_PASS;
}

static void sysctl_set_stays_in_namespace(void **state)
{
	(void)state;
	char err[256];
	if (tl_sysctl_get_long(FIN_TIMEOUT, &host_fin_timeout, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	run_in_child(sysctl_child);
	long after;
	if (tl_sysctl_get_long(FIN_TIMEOUT, &after, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(after, host_fin_timeout);
}

/* ---- bad names ---- */

static const char *const bad_names[] = {
	"kernel.hostname",		 /* not per network namespace */
	"net",				 /* no sysctl under it */
	"net.",
	"net..ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_fin_timeout.",
	"net.ipv4/../../kernel/hostname", /* a path out of /proc/sys/net */
	"NET.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp fin",
	"",
};

static bool names_rejected(char *why, size_t whylen, bool write)
{
	char err[512], buf[64];
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		const char *name = bad_names[i];
		int rc = write ? tl_sysctl_set(name, "1", err, sizeof(err))
			       : tl_sysctl_get(name, buf, sizeof(buf), err, sizeof(err));
		char want[160];
		snprintf(want, sizeof(want), "sysctl %s: not a network sysctl name", name);
		if (rc != -1 || strncmp(err, want, strlen(want)) != 0) {
			snprintf(why, whylen, "%s '%s': rc %d, err '%s'", write ? "set" : "get", name, rc, err);
			return false;
		}
	}
	return true;
}

/* Reading is harmless, so the host's namespace will do. */
static void bad_names_rejected_on_get(void **state)
{
	(void)state;
	char why[700];
	if (!names_rejected(why, sizeof(why), false))
		fail_msg("%s", why);
}

/* Writing is tried in a private network and UTS namespace, so that even a
 * broken check could not change the host. */
static int bad_names_set_child(struct child *c)
{
	int rc = child_enter(c);
	if (rc != CHILD_PASS)
		return rc;
	if (unshare(CLONE_NEWUTS) < 0)
		return child_fail(c, "unshare(CLONE_NEWUTS): %s", strerror(errno));
	char why[700];
	if (!names_rejected(why, sizeof(why), true))
		return child_fail(c, "%s", why);
	return CHILD_PASS;
}

static void bad_names_rejected_on_set(void **state)
{
	(void)state;
	run_in_child(bad_names_set_child);
}

static void missing_and_odd_sysctls(void **state)
{
	(void)state;
	char err[256], buf[4];
	long v;
	assert_int_equal(tl_sysctl_get("net.ipv4.no_such_sysctl", buf, sizeof(buf), err, sizeof(err)), -1);
	assert_string_equal(err, "sysctl net.ipv4.no_such_sysctl: no such sysctl "
				 "(/proc/sys/net/ipv4/no_such_sysctl)");
	/* three numbers, so not a long; and longer than a 4-byte buffer */
	assert_int_equal(tl_sysctl_get_long("net.ipv4.tcp_rmem", &v, err, sizeof(err)), -1);
	assert_true(strstr(err, "is not a single integer") != NULL);
	assert_int_equal(tl_sysctl_get("net.ipv4.tcp_rmem", buf, sizeof(buf), err, sizeof(err)), -1);
	assert_string_equal(err, "sysctl net.ipv4.tcp_rmem: value longer than 3 bytes");
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lo_is_up),
		cmocka_unit_test(sysctl_set_stays_in_namespace),
		cmocka_unit_test(bad_names_rejected_on_get),
		cmocka_unit_test(bad_names_rejected_on_set),
		cmocka_unit_test(missing_and_odd_sysctls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
