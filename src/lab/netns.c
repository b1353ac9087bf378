/*
 * netns: puts the lab in a private network namespace and sets its sysctls.
 *
 * unshare(CLONE_NEWNET) gives a namespace with only a loopback device, and
 * that device starts down; it is brought up with one rtnetlink RTM_NEWLINK
 * request (libmnl) whose ACK is awaited, and given the lab's own IPv6
 * address (RTM_NEWADDR, core/addr.h), so a failure is reported here and
 * not later as a puzzling ENETUNREACH from connect(). Sysctls are files under
 * /proc/sys; only net.* ones are accepted because only those are per
 * namespace: anything else would change the host.
 */
#include "lab/netns.h"
#include "core/addr.h"
#include "core/textbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define NETLINK_TIMEOUT_S 5 /* the kernel answers at once; this only bounds a bug */


/* Sends one rtnetlink request and waits for the kernel's answer; what names it in errors. */
static int rtnl_request(struct nlmsghdr *nlh, const char *what, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return tl_errorf(err, errlen, "%s: netlink socket: %s", what, strerror(errno));
	int rc = -1;
	struct timeval tv = { .tv_sec = NETLINK_TIMEOUT_S };
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		tl_errorf(err, errlen, "%s: SO_RCVTIMEO: %s", what, strerror(errno));
		goto out;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		tl_errorf(err, errlen, "%s: netlink bind: %s", what, strerror(errno));
		goto out;
	}
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1; /* a fresh socket: any sequence number is unambiguous */
	uint32_t seq = nlh->nlmsg_seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		tl_errorf(err, errlen, "%s: send: %s", what, strerror(errno));
		goto out;
	}
	uint32_t portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			tl_errorf(err, errlen, "%s: answer: %s", what,
				  errno == EAGAIN ? "no answer from the kernel" : strerror(errno));
			goto out;
		}
		/* mnl_cb_run turns an NLMSG_ERROR carrying an error into -1 with
		 * errno set to it, and the ACK (error 0) into MNL_CB_STOP. */
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
		if (r == MNL_CB_ERROR) {
			tl_errorf(err, errlen, "%s: %s", what, strerror(errno));
			goto out;
		}
		if (r == MNL_CB_STOP)
			break;
	}
	rc = 0;
out:
	mnl_socket_close(nl);
	return rc;
}

/* Sets IFF_UP on "lo". */
static int loopback_up(unsigned int lo, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)lo;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP; /* change this flag only */
	return rtnl_request(nlh, "loopback: RTM_NEWLINK lo up", err, errlen);
}

/* Gives lo the lab's own IPv6 address (TL_LAB_ADDR6), beside ::1: a scenario may use an address that is not loopback's. */
static int lab_address(unsigned int lo, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tl_addr a;
	if (!tl_addr_parse(TL_LAB_ADDR6, &a))
		return tl_errorf(err, errlen, "the lab's address %s does not parse", TL_LAB_ADDR6);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = 128;
	ifa->ifa_flags = IFA_F_NODAD; /* usable at once: no duplicate detection on a private lo */
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = lo;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a.b), a.b);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a.b), a.b);
	return rtnl_request(nlh, "lab address: RTM_NEWADDR " TL_LAB_ADDR6 "/128 dev lo", err, errlen);
}

int tl_netns_route_into_lo(const struct tl_addr *net, unsigned prefix_len, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[96], text[TL_ADDR_STRLEN];
	unsigned int lo = if_nametoindex("lo");
	if (!lo)
		return tl_errorf(err, errlen, "loopback: if_nametoindex(lo): %s", strerror(errno));
	bool v4 = tl_addr_is_v4(net);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE; /* a second flood finds it there */
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = v4 ? AF_INET : AF_INET6;
	rtm->rtm_dst_len = (unsigned char)prefix_len;
	rtm->rtm_table = RT_TABLE_LOCAL;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_HOST;
	rtm->rtm_type = RTN_LOCAL;
	if (v4)
		mnl_attr_put(nlh, RTA_DST, 4, net->b + 12);
	else
		mnl_attr_put(nlh, RTA_DST, 16, net->b);
	mnl_attr_put_u32(nlh, RTA_OIF, lo);
	tl_addr_format(net, text, sizeof(text));
	tl_textf(what, sizeof(what), "flood route: RTM_NEWROUTE local %s/%u dev lo", text, prefix_len);
	return rtnl_request(nlh, what, err, errlen);
}

int tl_netns_enter_new(char *err, size_t errlen)
{
	/* unshare moves only the calling thread: it must run before any thread
	 * is started, so that every thread the lab starts inherits it. */
	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;
		if (e == EPERM)
			return tl_errorf(err, errlen,
				       "unshare(CLONE_NEWNET): %s: a network namespace needs CAP_SYS_ADMIN "
				       "(run as root)", strerror(e));
		return tl_errorf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(e));
	}
	/* On failure the process stays in the new, unusable namespace: the
	 * caller is expected to give up, and the namespace dies with it. */
	unsigned int lo = if_nametoindex("lo");
	if (!lo)
		return tl_errorf(err, errlen, "loopback: if_nametoindex(lo): %s", strerror(errno));
	if (loopback_up(lo, err, errlen) < 0)
		return -1;
	return lab_address(lo, err, errlen);
}

uint32_t tl_netns_inode(void)
{
	struct stat st;
	if (stat("/proc/self/ns/net", &st) < 0)
		return 0;
	return (uint32_t)st.st_ino;
}

/*
 * Checks a dotted name and turns it into its /proc/sys path. The character
 * set leaves out '/', so the path cannot leave /proc/sys/net; "net." first
 * keeps every write inside the namespace.
 */
static int sysctl_path(const char *name, char *path, size_t len, char *err, size_t errlen)
{
	size_t n = strlen(name);
	bool ok = n > 4 && !strncmp(name, "net.", 4) && !strstr(name, "..") && name[n - 1] != '.';
	for (const char *c = name; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.';
	if (!ok)
		return tl_errorf(err, errlen,
			       "sysctl %.96s: not a network sysctl name (expected net. followed by "
			       "lower-case letters, digits, '_' and '.')", name);
	int w = snprintf(path, len, "/proc/sys/%s", name);
	if (w < 0 || (size_t)w >= len)
		return tl_errorf(err, errlen, "sysctl %.96s: name too long", name);
	for (char *c = path + strlen("/proc/sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
	return 0;
}

static int open_sysctl(const char *name, const char *path, int flags, char *err, size_t errlen)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT) {
		tl_textf(err, errlen, "sysctl %s: no such sysctl (%s)", name, path);
		return TL_SYSCTL_REFUSED;
	}
	return tl_errorf(err, errlen, "sysctl %s: %s: %s", name, path, strerror(errno));
}

int tl_sysctl_set(const char *name, const char *value, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (sysctl_path(name, path, sizeof(path), err, errlen) < 0)
		return -1;
	size_t len = strlen(value);
	if (!len) {
		tl_textf(err, errlen, "sysctl %s: empty value", name);
		return TL_SYSCTL_REFUSED;
	}
	for (const char *c = value; *c; c++) {
		if (*c == '\n') { /* the kernel would read it as the end of the value */
			tl_textf(err, errlen, "sysctl %s: the value holds a newline", name);
			return TL_SYSCTL_REFUSED;
		}
	}
	int fd = open_sysctl(name, path, O_WRONLY, err, errlen);
	if (fd < 0)
		return fd;
	/* One write: the kernel parses a sysctl value from a single write, and
	 * rejects a bad one (out of range, not a number) with its errno there. */
	ssize_t n = write(fd, value, len);
	int e = errno;
	close(fd);
	if (n < 0) {
		tl_textf(err, errlen, "sysctl %s = %.64s: the kernel refuses it (%s)", name, value, strerror(e));
		return e == EINVAL || e == ERANGE ? TL_SYSCTL_REFUSED : -1;
	}
	if ((size_t)n != len)
		return tl_errorf(err, errlen, "sysctl %s = %.64s: short write (%zd of %zu bytes)", name, value,
			       n, len);
	return 0;
}

/* No sysctl value comes near this; reading fills at most it. */
#define SYSCTL_READ_MAX 4096

int tl_sysctl_get(const char *name, char *buf, size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (!buf || !len)
		return tl_errorf(err, errlen, "sysctl %s: no room for a value", name);
	buf[0] = '\0';
	if (sysctl_path(name, path, sizeof(path), err, errlen) < 0)
		return -1;
	int fd = open_sysctl(name, path, O_RDONLY, err, errlen);
	if (fd < 0)
		return -1;
	/*
	 * Read into a buffer of our own, large enough for any value: the
	 * kernel's numeric handlers format the whole value in one read(),
	 * cut to the size asked for, and answer any later read at a non-zero
	 * offset with end of file, so a short caller's buffer could not tell
	 * a cut value from a whole one.
	 */
	char *tmp = malloc(SYSCTL_READ_MAX);
	if (!tmp) {
		close(fd);
		return tl_errorf(err, errlen, "sysctl %s: out of memory", name);
	}
	size_t used = 0;
	int rc = 0;
	while (used < SYSCTL_READ_MAX) {
		ssize_t n = read(fd, tmp + used, SYSCTL_READ_MAX - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = tl_errorf(err, errlen, "sysctl %s: read: %s", name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (rc == 0 && used == SYSCTL_READ_MAX)
		rc = tl_errorf(err, errlen, "sysctl %s: value longer than %d bytes", name, SYSCTL_READ_MAX - 1);
	if (rc == 0 && used && tmp[used - 1] == '\n')
		used--;
	if (rc == 0 && used >= len)
		rc = tl_errorf(err, errlen, "sysctl %s: value longer than %zu bytes", name, len - 1);
	if (rc == 0) {
		memcpy(buf, tmp, used);
		buf[used] = '\0';
	}
	free(tmp);
	return rc;
}

int tl_sysctl_get_long(const char *name, long *value, char *err, size_t errlen)
{
	char buf[64];
	if (tl_sysctl_get(name, buf, sizeof(buf), err, errlen) < 0)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (end == buf || *end != '\0')
		return tl_errorf(err, errlen, "sysctl %s: '%s' is not a single integer", name, buf);
	if (errno == ERANGE)
		return tl_errorf(err, errlen, "sysctl %s: %s out of range for a long", name, buf);
	*value = v;
	return 0;
}
