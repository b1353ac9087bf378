/*
 * nl_request: mnl_cb_run() stops at the acknowledgement of our sequence
 * number (MNL_CB_STOP) and fails with the kernel's errno on an error
 * message; everything else is read past.
 */
#include "lab/nl_request.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int tl_nl_request(struct mnl_socket *nl, const void *req, size_t len, uint32_t seq, void *rx, size_t rx_len,
		  int timeout_ms)
{
	if (mnl_socket_sendto(nl, req, len) < 0)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		int pr = poll(&p, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -1;
		if (pr == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t n = mnl_socket_recvfrom(nl, rx, rx_len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		int rc = mnl_cb_run(rx, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc == MNL_CB_ERROR)
			return -1;
	}
}

struct mnl_socket *tl_nl_open_netfilter(int rcvbuf, const char *who, char *err, size_t errlen)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) {
		snprintf(err, errlen, "%s: opening a NETLINK_NETFILTER socket: %s", who, strerror(errno));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "%s: binding the NETLINK_NETFILTER socket: %s", who, strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	int fd = mnl_socket_get_fd(nl);
	/* FORCE passes rmem_max as root; the plain option is the best we can
	 * do without, and a small buffer still works, just sooner overruns. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "%s: O_NONBLOCK: %s", who, strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

int tl_nl_read_all(struct mnl_socket *nl, void *buf, size_t len, mnl_cb_t cb, void *data)
{
	int overrun = 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return overrun;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Messages were lost; the socket works on. Read what is left. */
				overrun = 1;
				continue;
			}
			return -1;
		}
		if (mnl_cb_run(buf, (size_t)n, 0, 0, cb, data) == MNL_CB_ERROR)
			return -1;
	}
}
