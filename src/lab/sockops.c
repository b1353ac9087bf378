/*
 * sockops: real socket calls for one side of a scenario, recorded the way a
 * person would write them down: the call, what it returned, and errno.
 */
#include "lab/sockops.h"

#include "lab/clock.h"

#include "scenario/call.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void tl_peer_init(struct tl_peer *p)
{
	tl_side_sockets_init(&p->fd);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_crowd(struct tl_peer *p)
{
	for (size_t i = 0; i < p->fd.n_crowd; i++)
		close_fd(&p->fd.crowd[i]);
	tl_side_sockets_crowd_clear(&p->fd);
}

void tl_peer_close_all(struct tl_peer *p)
{
	for (size_t i = 0; i < TL_MAX_CONNS; i++) {
		close_fd(&p->fd.conn[i]);
		close_fd(&p->fd.pending[i]);
	}
	close_fd(&p->fd.listener);
	close_crowd(p);
}

static int fail(struct tl_app_call *call)
{
	return tl_call_failed(call, errno);
}

/* The socket a listen or connect uses: one made early for setsockopt, or a
 * new one. Its family is the address's that the side talks to or listens on
 * (the scenario's host when the step names none). */
static int new_socket(int family)
{
	return socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int take_socket(struct tl_peer *p, const struct tl_step *st, int family)
{
	int fd = tl_side_sockets_take_pending(&p->fd, st);
	return fd >= 0 ? fd : new_socket(family);
}

static int fill_addr(const char *host, uint16_t port, struct sockaddr_storage *sa, socklen_t *len)
{
	struct tl_addr a;
	if (!tl_addr_parse(host, &a)) {
		errno = EINVAL;
		return -1;
	}
	*len = tl_addr_to_sockaddr(&a, port, sa);
	return 0;
}

/* The socket's own port, 0 when it has none. */
static uint16_t local_port_of(int fd)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	struct tl_addr addr;
	uint16_t port;
	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0 || !tl_addr_from_sockaddr(&local, &addr, &port))
		return 0;
	return port;
}

/* SO_REUSEADDR, then bind(): what listen and bind steps do before their own call. */
static int bind_reusing(int fd, const struct sockaddr_storage *sa, socklen_t sa_len)
{
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -1;
	return bind(fd, (const struct sockaddr *)sa, sa_len);
}

static int do_listen(struct tl_peer *p, const struct tl_step *st, const char *host, uint16_t port,
		     struct tl_app_call *call)
{
	struct sockaddr_storage sa;
	socklen_t sa_len;
	if (fill_addr(host, port, &sa, &sa_len) < 0)
		return fail(call);
	int fd = take_socket(p, st, sa.ss_family);
	if (fd < 0)
		return fail(call);
	if (bind_reusing(fd, &sa, sa_len) < 0 || listen(fd, tl_call_backlog(st)) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return fail(call);
	}
	close_fd(&p->fd.listener);
	p->fd.listener = fd;
	call->local_port = local_port_of(fd);
	call->ret = 0;
	return 0;
}

/* SO_REUSEADDR and bind(): the socket waits in the pending slot for the connect that takes it. */
static int do_bind(struct tl_peer *p, const struct tl_step *st, const char *host, uint16_t port,
		   struct tl_app_call *call)
{
	struct sockaddr_storage sa;
	socklen_t sa_len;
	if (fill_addr(host, port, &sa, &sa_len) < 0)
		return fail(call);
	int *pending = tl_side_sockets_pending(&p->fd, st);
	if (*pending < 0 && (*pending = new_socket(sa.ss_family)) < 0)
		return fail(call);
	if (bind_reusing(*pending, &sa, sa_len) < 0)
		return fail(call);
	call->ret = 0;
	return 0;
}


static int do_accept(struct tl_peer *p, const struct tl_step *st, struct tl_app_call *call)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	if (p->fd.listener < 0)
		return tl_call_failed(call, EBADF);
	int fd = accept4(p->fd.listener, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return fail(call);
	int *conn = tl_side_sockets_conn(&p->fd, st);
	close_fd(conn);
	*conn = fd;
	call->ret = fd;
	struct tl_addr addr;
	uint16_t port;
	if (tl_addr_from_sockaddr(&peer, &addr, &port))
		tl_call_accepted(&addr, port, local_port_of(fd), call);
	return 0;
}

/* A connect succeeded: where from. */
static int connected(int fd, struct tl_app_call *call)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	struct tl_addr local_addr;
	uint16_t local_port;
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0 &&
	    tl_addr_from_sockaddr(&local, &local_addr, &local_port))
		tl_call_connected_from(&local_addr, local_port, call);
	call->ret = 0;
	return 0;
}

static int do_connect(struct tl_peer *p, const struct tl_step *st, const char *host, uint16_t port,
		      struct tl_app_call *call)
{
	struct sockaddr_storage sa;
	socklen_t sa_len;
	if (fill_addr(host, port, &sa, &sa_len) < 0)
		return fail(call);
	int fd = take_socket(p, st, sa.ss_family);
	if (fd < 0)
		return fail(call);
	int *conn = tl_side_sockets_conn(&p->fd, st);
	close_fd(conn);
	*conn = fd;
	call->peer_port = port;
	int flags = fcntl(fd, F_GETFL);
	if (st->nonblock && (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
		return fail(call);
	int rc = connect(fd, (struct sockaddr *)&sa, sa_len);
	int saved = errno;
	/* Only the connect is non-blocking: the steps after it block as they always do. */
	if (st->nonblock && fcntl(fd, F_SETFL, flags) < 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc < 0) {
		/* A refused, timed-out or pending connect keeps the port it was given: its sockets' port. */
		call->local_port = local_port_of(fd);
		errno = saved;
		return fail(call);
	}
	return connected(fd, call);
}

/* The way a program learns how its non-blocking connect ended: writable, then SO_ERROR. */
static int do_poll_connect(struct tl_peer *p, const struct tl_step *st, struct tl_app_call *call)
{
	int fd = *tl_side_sockets_conn(&p->fd, st);
	if (fd < 0)
		return tl_call_failed(call, EBADF);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	while (poll(&pfd, 1, -1) < 0)
		if (errno != EINTR)
			return fail(call);
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return fail(call);
	if (soerr)
		return tl_call_failed(call, soerr);
	return connected(fd, call);
}

static int do_send(struct tl_peer *p, const struct tl_step *st, struct tl_app_call *call)
{
	ssize_t n = send(*tl_side_sockets_conn(&p->fd, st), st->data, st->data_len, MSG_NOSIGNAL);
	if (n < 0)
		return fail(call);
	call->ret = n;
	return 0;
}

static int do_recv(struct tl_peer *p, const struct tl_step *st, struct tl_app_call *call)
{
	char buf[TL_RECV_BYTES];
	ssize_t n = recv(*tl_side_sockets_conn(&p->fd, st), buf, sizeof(buf), 0);
	if (n < 0)
		return fail(call);
	tl_call_received(buf, n, call);
	return 0;
}

static int do_shutdown(struct tl_peer *p, const struct tl_step *st, struct tl_app_call *call)
{
	if (shutdown(*tl_side_sockets_conn(&p->fd, st), st->shutdown_how) < 0)
		return fail(call);
	call->ret = 0;
	return 0;
}

static int do_close(struct tl_peer *p, const struct tl_step *st, bool abort_conn, struct tl_app_call *call)
{
	int *fd = tl_side_sockets_closing(&p->fd, st);
	if (*fd < 0)
		return tl_call_failed(call, EBADF);
	if (abort_conn) {
		/* A zero linger time makes close() abort: RST instead of FIN. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		if (setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
			return fail(call);
	}
	int rc = close(*fd);
	*fd = -1;
	if (rc < 0)
		return fail(call);
	call->ret = 0;
	return 0;
}

/* ---- the crowd: many connections, one step ---- */

/* One blocking connect to sa: the descriptor, or -1 with errno. */
static int connect_one(const struct sockaddr_storage *sa, socklen_t sa_len)
{
	int fd = new_socket(sa->ss_family);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sa_len) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* open N (each held in the crowd) and churn N (each closed at once): paced connects, stopping at the first failure. */
static int do_connect_many(struct tl_peer *p, const struct tl_step *st, const char *host, uint16_t port,
			   struct tl_app_call *call)
{
	struct sockaddr_storage sa;
	socklen_t sa_len;
	if (fill_addr(host, port, &sa, &sa_len) < 0)
		return fail(call);
	struct tl_pacer pacer = { .every_ns = st->duration_ns };
	size_t done = 0;
	int err = 0;
	for (; done < st->count; done++) {
		tl_pace(&pacer);
		int fd = connect_one(&sa, sa_len);
		if (fd < 0 || (st->kind == TL_STEP_OPEN && tl_side_sockets_crowd_add(&p->fd, fd) < 0)) {
			err = errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		if (st->kind == TL_STEP_CHURN)
			close(fd);
	}
	tl_call_crowd_result(st, done, err, call);
	return err ? -1 : 0;
}

/* Reads a connection to its end (or its error): what a server does before it closes. */
static void read_to_end(int fd)
{
	char buf[4096];
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0 || (n < 0 && errno == EINTR))
		;
}

/* accept N (each held in the crowd) and serve N (each read to its end, then closed). */
static int do_accept_many(struct tl_peer *p, const struct tl_step *st, struct tl_app_call *call)
{
	if (p->fd.listener < 0)
		return tl_call_failed(call, EBADF);
	size_t done = 0;
	int err = 0;
	for (; done < st->count; done++) {
		int fd = accept4(p->fd.listener, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0 || (st->kind == TL_STEP_ACCEPT && tl_side_sockets_crowd_add(&p->fd, fd) < 0)) {
			err = errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		if (st->kind == TL_STEP_SERVE) {
			read_to_end(fd);
			close(fd);
		}
	}
	tl_call_crowd_result(st, done, err, call);
	return err ? -1 : 0;
}

/* close all [every D]: one close() after another, paced as open and churn are. */
static int do_close_crowd(struct tl_peer *p, const struct tl_step *st, struct tl_app_call *call)
{
	size_t n = p->fd.n_crowd;
	struct tl_pacer pacer = { .every_ns = st->duration_ns };
	for (size_t i = 0; i < n; i++) {
		tl_pace(&pacer);
		close_fd(&p->fd.crowd[i]);
	}
	tl_side_sockets_crowd_clear(&p->fd);
	tl_call_crowd_result(st, n, 0, call);
	return 0;
}

/* The option's level and number come from the table; a switch is passed as 1 or 0. */
static int do_setsockopt(struct tl_peer *p, const struct tl_step *st, const char *host,
			 struct tl_app_call *call)
{
	const struct tl_sockopt_info *o = tl_sockopt_info(st->opt);
	if (!o)
		return tl_call_failed(call, EINVAL);
	int *fd = tl_side_sockets_option_target(&p->fd, st);
	/* Made before the listen or connect that will use it: of the scenario's family. */
	int family = tl_addr_text_family(host) == AF_INET6 ? AF_INET6 : AF_INET;
	if (*fd < 0 && (*fd = new_socket(family)) < 0)
		return fail(call);
	if (setsockopt(*fd, o->level, o->optname, &st->opt_value, sizeof(st->opt_value)) < 0)
		return fail(call);
	call->ret = 0;
	return 0;
}

int tl_sockop_run(struct tl_peer *p, const struct tl_step *st, const char *host, uint16_t port,
		  struct tl_app_call *call)
{
	const char *h = tl_call_host(st, host);
	uint16_t pt = tl_call_port(st, port);
	tl_call_begin(st, h, pt, call);
	switch (st->kind) {
	case TL_STEP_LISTEN:
		return do_listen(p, st, h, pt, call);
	case TL_STEP_ACCEPT:
		return st->count ? do_accept_many(p, st, call) : do_accept(p, st, call);
	case TL_STEP_CONNECT:
		return do_connect(p, st, h, pt, call);
	case TL_STEP_SEND:
		return do_send(p, st, call);
	case TL_STEP_RECV:
		return do_recv(p, st, call);
	case TL_STEP_SHUTDOWN:
		return do_shutdown(p, st, call);
	case TL_STEP_CLOSE:
		return st->all ? do_close_crowd(p, st, call) : do_close(p, st, false, call);
	case TL_STEP_ABORT:
		return do_close(p, st, true, call);
	case TL_STEP_BIND:
		return do_bind(p, st, h, pt, call);
	case TL_STEP_SETSOCKOPT:
		return do_setsockopt(p, st, h, call);
	case TL_STEP_POLL_CONNECT:
		return do_poll_connect(p, st, call);
	case TL_STEP_OPEN:
	case TL_STEP_CHURN:
		return do_connect_many(p, st, h, pt, call);
	case TL_STEP_SERVE:
		return do_accept_many(p, st, call);
	case TL_STEP_SLEEP:
	case TL_STEP_SNAPSHOT:
	case TL_STEP_JOIN:
	case TL_STEP_WAIT_STATE:
	case TL_STEP_WAIT_GONE:
	case TL_STEP_FAULT:
	case TL_STEP_UNFAULT:
	case TL_STEP_INJECT:
	case TL_STEP_FLOOD:
		break;
	}
	return tl_call_failed(call, EINVAL);
}

