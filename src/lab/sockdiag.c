/*
 * sockdiag: snapshots of every IPv4 and IPv6 TCP socket of the current network
 * namespace through netlink sock_diag (libmnl), the way ss gets them, and the
 * netstat -tano-like table printed for a snapshot.
 *
 * A dump covers what the state tracepoint cannot show: request sockets (a
 * server's half-open connections, idiag_state SYN_RECV) and time-wait
 * sockets, including orphaned FIN-WAIT-2 ones (a time-wait socket whose
 * substate is FIN_WAIT2). The kernel's struct inet_diag_msg becomes a
 * struct tl_sock_row in one place, row_from_diag(). The same dump, followed
 * by one SOCK_DESTROY per socket, ends a run's leftover sockets.
 */
#include "lab/sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The kernel sends dump messages of at most 32 KiB (netlink_recvmsg caps
 * max_recvmsg_len there); a smaller buffer would truncate them. */
enum { DUMP_BUF_SIZE = 32768 };

/* sock_diag dumps one family per request: a snapshot asks for both. */
static const uint8_t dump_families[] = { AF_INET, AF_INET6 };

/* A dump that a concurrent change interrupted (NLM_F_DUMP_INTR) is retried
 * this many times before giving up. */
enum { DUMP_TRIES = 5 };

struct tl_sockdiag {
	struct mnl_socket *nl;
	unsigned portid;
	unsigned seq;
	char buf[DUMP_BUF_SIZE];
};

struct tl_sockdiag *tl_sockdiag_open(char *err, size_t errlen)
{
	struct tl_sockdiag *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "sock_diag: %s", strerror(errno));
		return NULL;
	}
	d->nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!d->nl) {
		snprintf(err, errlen, "opening a NETLINK_SOCK_DIAG socket: %s", strerror(errno));
		free(d);
		return NULL;
	}
	if (mnl_socket_bind(d->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "binding the NETLINK_SOCK_DIAG socket: %s",
			 strerror(errno));
		tl_sockdiag_close(d);
		return NULL;
	}
	d->portid = mnl_socket_get_portid(d->nl);
	return d;
}

void tl_sockdiag_close(struct tl_sockdiag *d)
{
	if (!d)
		return;
	if (d->nl)
		mnl_socket_close(d->nl);
	free(d);
}

static enum tl_sock_timer timer_of(uint8_t t)
{
	switch (t) {
	case TL_TIMER_OFF:
	case TL_TIMER_ON:
	case TL_TIMER_KEEPALIVE:
	case TL_TIMER_TIMEWAIT:
	case TL_TIMER_PROBE:
		return (enum tl_sock_timer)t;
	}
	return TL_TIMER_OFF;
}

/*
 * The boundary: one kernel inet_diag_msg to one row. Addresses become
 * tl_addr (IPv4 mapped, core/addr.h), ports host order.
 *
 * Kernel conventions kept as they are:
 *  - a request socket comes with idiag_state SYN_RECV (3): inet_diag
 *    reports TCP_NEW_SYN_RECV as SYN_RECV; its inode is 0, its timer the
 *    SYN-ACK timer, its retrans the SYN-ACKs resent so far;
 *  - a time-wait socket comes with its substate: TIME_WAIT, or FIN_WAIT2
 *    for an orphan waiting out tcp_fin_timeout; timer TIMEWAIT either way;
 *  - with the keepalive and zero-window-probe timers, idiag_retrans counts
 *    the probes sent (icsk_probes_out), not retransmissions;
 *  - for a listener, recv_q is the accept queue's length and send_q its
 *    limit (the listen() backlog), as ss shows them.
 */
static void row_from_diag(const struct inet_diag_msg *m, struct tl_sock_row *r)
{
	memset(r, 0, sizeof(*r));
	if (m->idiag_family == AF_INET6) {
		memcpy(r->tuple.saddr.b, m->id.idiag_src, sizeof(r->tuple.saddr.b));
		memcpy(r->tuple.daddr.b, m->id.idiag_dst, sizeof(r->tuple.daddr.b));
	} else {
		r->tuple.saddr = tl_addr_v4(m->id.idiag_src[0]);
		r->tuple.daddr = tl_addr_v4(m->id.idiag_dst[0]);
	}
	r->tuple.sport = ntohs(m->id.idiag_sport);
	r->tuple.dport = ntohs(m->id.idiag_dport);
	r->state = tl_state_valid(m->idiag_state) ? (enum tl_state)m->idiag_state : TL_STATE_NONE;
	r->recv_q = m->idiag_rqueue;
	r->send_q = m->idiag_wqueue;
	r->timer = timer_of(m->idiag_timer);
	r->timer_ms = m->idiag_expires;
	r->retrans = m->idiag_retrans;
	/* sock_diag splits the 64-bit cookie, low half first. */
	r->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	r->inode = m->idiag_inode;
}

/* A growing array of n items of `size` bytes, for the dump's visitors. */
struct vec {
	void *items;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		void *grown = realloc(v->items, cap * v->size);
		if (!grown)
			return NULL;
		v->items = grown;
		v->cap = cap;
	}
	return (char *)v->items + v->size * v->n++;
}

/* What a dump does with each socket; -1 stops it (out of memory). */
typedef int (*diag_visit)(struct vec *v, const struct inet_diag_msg *m);

static int visit_row(struct vec *v, const struct inet_diag_msg *m)
{
	struct tl_sock_row *r = vec_push(v);
	if (!r)
		return -1;
	row_from_diag(m, r);
	return 0;
}

static int send_request(struct tl_sockdiag *d, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d->buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++d->seq;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	/* Every state. The kernel adds request sockets for the SYN_RECV bit
	 * and walks time-wait sockets for the TIME_WAIT (and FIN_WAIT2) bits. */
	req->idiag_states = ~0u;
	return mnl_socket_sendto(d->nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

enum msg_result { DUMP_MORE, DUMP_DONE, DUMP_FAILED };

/* One message of a dump answer. */
static enum msg_result dump_msg(const struct nlmsghdr *nlh, diag_visit visit, struct vec *v,
				char *err, size_t errlen)
{
	if (nlh->nlmsg_type == NLMSG_DONE)
		return DUMP_DONE;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		int code = nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) ? EBADMSG : -e->error;
		/* ENOENT: the kernel has no sock_diag handler for TCP. */
		snprintf(err, errlen, "sock_diag: the kernel refused the dump: %s%s",
			 strerror(code), code == ENOENT ? " (is tcp_diag available?)" : "");
		return DUMP_FAILED;
	}
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return DUMP_MORE;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct inet_diag_msg)) {
		snprintf(err, errlen, "sock_diag: short inet_diag_msg (%zu bytes)",
			 mnl_nlmsg_get_payload_len(nlh));
		return DUMP_FAILED;
	}
	if (visit(v, mnl_nlmsg_get_payload(nlh)) < 0) {
		snprintf(err, errlen, "sock_diag: %s", strerror(ENOMEM));
		return DUMP_FAILED;
	}
	return DUMP_MORE;
}

/*
 * One dump: sends the request and reads until NLMSG_DONE or NLMSG_ERROR.
 * Messages that do not answer this request (another port id or sequence
 * number, e.g. the rest of an earlier dump abandoned on error) are skipped.
 * Returns 0 (with *interrupted set when the kernel flagged NLM_F_DUMP_INTR:
 * the result is then inconsistent), or -1 with err set.
 */
static int dump_once(struct tl_sockdiag *d, uint8_t family, diag_visit visit, struct vec *v,
		     bool *interrupted, char *err, size_t errlen)
{
	*interrupted = false;
	if (send_request(d, family) < 0) {
		snprintf(err, errlen, "sock_diag: sending the dump request: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(d->nl, d->buf, sizeof(d->buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "sock_diag: reading the dump: %s", strerror(errno));
			return -1;
		}
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)d->buf;
		int left = (int)len;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_pid != d->portid || nlh->nlmsg_seq != d->seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				*interrupted = true;
			switch (dump_msg(nlh, visit, v, err, errlen)) {
			case DUMP_MORE:
				break;
			case DUMP_DONE:
				return 0;
			case DUMP_FAILED:
				return -1;
			}
		}
	}
}

/* Appends one family's sockets to v, retrying interrupted dumps. */
static int dump_family(struct tl_sockdiag *d, uint8_t family, diag_visit visit, struct vec *v,
		       char *err, size_t errlen)
{
	size_t kept = v->n;
	for (int attempt = 1;; attempt++) {
		bool interrupted;
		v->n = kept;
		if (dump_once(d, family, visit, v, &interrupted, err, errlen) < 0)
			return -1;
		if (!interrupted)
			return 0;
		if (attempt == DUMP_TRIES) {
			snprintf(err, errlen,
				 "sock_diag: the dump was interrupted by socket changes %d times",
				 DUMP_TRIES);
			return -1;
		}
	}
}

/* Dumps every family into v (emptied first). */
static int dump(struct tl_sockdiag *d, diag_visit visit, struct vec *v, char *err, size_t errlen)
{
	v->n = 0;
	for (size_t i = 0; i < sizeof(dump_families); i++)
		if (dump_family(d, dump_families[i], visit, v, err, errlen) < 0)
			return -1;
	return 0;
}

int tl_sockdiag_dump(struct tl_sockdiag *d, struct tl_sock_row **rows, size_t *n, char *err,
		     size_t errlen)
{
	struct vec v = { .size = sizeof(struct tl_sock_row) };
	*rows = NULL;
	*n = 0;
	if (dump(d, visit_row, &v, err, errlen) < 0) {
		free(v.items);
		return -1;
	}
	if (v.n == 0) {
		free(v.items);
		return 0;
	}
	*rows = v.items;
	*n = v.n;
	return 0;
}

/* What SOCK_DESTROY needs to find a socket: its family and its id. */
struct diag_target {
	uint8_t family;
	struct inet_diag_sockid id;
};

static int visit_id(struct vec *v, const struct inet_diag_msg *m)
{
	struct diag_target *t = vec_push(v);
	if (!t)
		return -1;
	t->family = m->idiag_family;
	t->id = m->id;
	return 0;
}

/*
 * Asks the kernel to abort one socket (SOCK_DESTROY, tcp_abort()): it finds
 * the socket by the id the dump gave, cookie included, so a socket that was
 * replaced meanwhile is left alone (ESTALE). Returns 0 or an errno.
 */
static int destroy_one(struct tl_sockdiag *d, const struct diag_target *target)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d->buf);
	nlh->nlmsg_type = SOCK_DESTROY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++d->seq;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = target->family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0u;
	req->id = target->id;
	if (mnl_socket_sendto(d->nl, nlh, nlh->nlmsg_len) < 0)
		return errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(d->nl, d->buf, sizeof(d->buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)d->buf;
		int left = (int)len;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_pid != d->portid || h->nlmsg_seq != d->seq)
				continue;
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr)))
				return EBADMSG;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			return -e->error; /* 0: the acknowledgement */
		}
	}
}

int tl_sockdiag_destroy_all(struct tl_sockdiag *d)
{
	char err[256] = "";
	struct vec v = { .size = sizeof(struct diag_target) };
	if (dump(d, visit_id, &v, err, sizeof(err)) < 0) {
		free(v.items);
		return -1;
	}
	/* Sockets that go away meanwhile are not counted: a listener's abort
	 * takes its request sockets and unaccepted children with it (ENOENT
	 * for those), and a peer's RST can close the other end first. */
	int destroyed = 0;
	const struct diag_target *targets = v.items;
	for (size_t i = 0; i < v.n; i++) {
		if (destroy_one(d, &targets[i]) == 0)
			destroyed++;
	}
	free(v.items);
	return destroyed;
}

bool tl_row_is_mini_socket(const struct tl_sock_row *row)
{
	/* sock_diag reports a request socket as SYN_RECV without an inode; a full
	 * socket passes through SYN_RECV only for an instant. */
	bool request = (row->state == TL_SYN_RECV || row->state == TL_NEW_SYN_RECV) && !row->inode;
	return request || row->state == TL_TIME_WAIT ||
	       (row->state == TL_FIN_WAIT2 && row->timer == TL_TIMER_TIMEWAIT);
}
