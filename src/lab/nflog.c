/*
 * nflog: an nfnetlink_log listener on libmnl. Binding is one NFULNL_MSG_CONFIG
 * request (bind the group, copy mode and range, queue threshold 1), checked
 * by its acknowledgement; reports then arrive as NFULNL_MSG_PACKET messages,
 * each becoming a TL_EV_DROP in one place, drop_from_report().
 *
 * No NFULNL_CFG_CMD_PF_BIND is sent: that makes nfnetlink_log the
 * namespace's default logger of a family, which only matters to log rules
 * that name no logger. nftables' "log group N" names NFLOG itself, so its
 * reports reach the group without it, and the namespace's default stays as
 * it was.
 */
#include "lab/nflog.h"
#include "lab/clock.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "scenario/fault.h"

/* The kernel sends reports in messages of at most the group's buffer size,
 * a page by default and never more than 128 KiB: a receive buffer this
 * large never truncates one. */
enum { RECV_BUF_SIZE = 131072 };
/* Room for reports the lab has not read yet: thousands of drops. */
enum { SOCKET_RCVBUF = 1 << 20 };
/* How long binding may take before we give up on the acknowledgement. */
enum { CONFIG_ACK_TIMEOUT_MS = 2000 };
/* A kernel timestamp later than this after reading is not believed (see
 * report_time_ns). */
#define FUTURE_SLACK_NS (100ull * 1000000ull)

struct tl_nflog {
	struct mnl_socket *nl;
	unsigned portid;
	uint16_t group;
	/* Aligned for the struct nlmsghdr at its start. */
	_Alignas(max_align_t) char buf[RECV_BUF_SIZE];
};

void tl_nflog_close(struct tl_nflog *l)
{
	if (!l)
		return;
	if (l->nl)
		mnl_socket_close(l->nl); /* the kernel unbinds the group on release */
	free(l);
}

int tl_nflog_fd(const struct tl_nflog *l)
{
	return mnl_socket_get_fd(l->nl);
}

/* Sends the bind request and waits for its acknowledgement. */
static int bind_group(struct tl_nflog *l, char *err, size_t errlen)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	unsigned seq = (unsigned)time(NULL);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(l->group);

	/* One message: the kernel binds first, then applies the settings. */
	struct nfulnl_msg_config_cmd cmd = { .command = NFULNL_CFG_CMD_BIND };
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	struct nfulnl_msg_config_mode mode = {
		.copy_range = htonl(TL_NFLOG_COPY_BYTES),
		.copy_mode = NFULNL_COPY_PACKET,
	};
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	/* Send each report at once rather than batch them behind a 1 s timer. */
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));

	if (mnl_socket_sendto(l->nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "NFLOG group %u: sending the bind request: %s", l->group,
			 strerror(errno));
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(l->nl), .events = POLLIN };
		int pr = poll(&p, 1, CONFIG_ACK_TIMEOUT_MS);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			snprintf(err, errlen, "NFLOG group %u: %s", l->group,
				 pr == 0 ? "no answer to the bind request" : strerror(errno));
			return -1;
		}
		ssize_t n = mnl_socket_recvfrom(l->nl, l->buf, sizeof(l->buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(err, errlen, "NFLOG group %u: %s", l->group, strerror(errno));
			return -1;
		}
		/* Reports that slip in before the answer carry sequence 0, which
		 * mnl_cb_run lets through; only our answer stops the loop. */
		int rc = mnl_cb_run(l->buf, (size_t)n, seq, l->portid, NULL, NULL);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc == MNL_CB_ERROR) {
			int e = errno;
			snprintf(err, errlen, "binding NFLOG group %u: %s%s", l->group, strerror(e),
				 /* The kernel says EPERM both to a process without
				  * CAP_NET_ADMIN and for a group another socket has. */
				 e == EPERM ? " (another socket of this namespace has the group, "
					      "or CAP_NET_ADMIN is missing)"
					    : "");
			return -1;
		}
	}
}

struct tl_nflog *tl_nflog_open(uint16_t group, char *err, size_t errlen)
{
	struct tl_nflog *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "nflog: %s", strerror(errno));
		return NULL;
	}
	l->group = group;
	l->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!l->nl) {
		snprintf(err, errlen, "opening a NETLINK_NETFILTER socket: %s", strerror(errno));
		free(l);
		return NULL;
	}
	if (mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "binding the NETLINK_NETFILTER socket: %s", strerror(errno));
		tl_nflog_close(l);
		return NULL;
	}
	l->portid = mnl_socket_get_portid(l->nl);
	int fd = mnl_socket_get_fd(l->nl);
	int rcvbuf = SOCKET_RCVBUF;
	/* FORCE passes rmem_max as root; the plain option is the best we can
	 * do without, and a small buffer still works, just sooner overruns. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "nflog: O_NONBLOCK: %s", strerror(errno));
		tl_nflog_close(l);
		return NULL;
	}
	if (bind_group(l, err, errlen) < 0) {
		tl_nflog_close(l);
		return NULL;
	}
	return l;
}

struct report_attrs {
	const struct nlattr *tb[NFULA_MAX + 1];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct report_attrs *r = data;
	uint16_t type = mnl_attr_get_type(a);
	if (mnl_attr_type_valid(a, NFULA_MAX) < 0)
		return MNL_CB_OK; /* newer than our headers: not ours to read */
	switch (type) {
	case NFULA_PREFIX:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_OK;
		break;
	case NFULA_TIMESTAMP:
		if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC,
				       sizeof(struct nfulnl_msg_packet_timestamp)) < 0)
			return MNL_CB_OK;
		break;
	default:
		break;
	}
	r->tb[type] = a;
	return MNL_CB_OK;
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Ports, sequence number and flags from a TCP header of at least 14 bytes. */
static void read_tcp_fields(const uint8_t *th, struct tl_drop *d)
{
	d->tuple.sport = be16_at(th);
	d->tuple.dport = be16_at(th + 2);
	d->seq = be32_at(th + 4);
	d->flags = th[13];
}

/*
 * The same from a copied IPv6 packet. False for one whose next header is not
 * TCP (extension headers are not walked: loopback TCP carries none), or cut
 * before the flags.
 */
static bool parse_ipv6_tcp(const uint8_t *b, size_t len, struct tl_drop *d)
{
	enum { IP6_HDR_LEN = 40 };
	if (len < IP6_HDR_LEN + 14 || (b[0] >> 4) != 6 || b[6] != IPPROTO_TCP)
		return false;
	memcpy(d->tuple.saddr.b, b + 8, 16);
	memcpy(d->tuple.daddr.b, b + 24, 16);
	read_tcp_fields(b + IP6_HDR_LEN, d);
	return true;
}

/*
 * Reads ports, sequence number and flags from a copied IPv4 packet. False
 * for anything else: not IPv4, not TCP, a later fragment (no TCP header), or
 * cut before the flags.
 */
static bool parse_ipv4_tcp(const uint8_t *b, size_t len, struct tl_drop *d)
{
	if (len < 20 || (b[0] >> 4) != 4)
		return false;
	size_t ihl = (size_t)(b[0] & 0x0f) * 4;
	if (ihl < 20 || b[9] != IPPROTO_TCP)
		return false;
	if ((be16_at(b + 6) & 0x1fff) != 0) /* fragment offset */
		return false;
	if (len < ihl + 14)
		return false;
	const uint8_t *th = b + ihl;
	uint32_t saddr, daddr; /* network order */
	memcpy(&saddr, b + 12, 4);
	memcpy(&daddr, b + 16, 4);
	d->tuple.saddr = tl_addr_v4(saddr);
	d->tuple.daddr = tl_addr_v4(daddr);
	read_tcp_fields(th, d);
	return true;
}

/*
 * The packet's time on CLOCK_MONOTONIC. NFULA_TIMESTAMP is the skb's stamp,
 * which the kernel sets from CLOCK_REALTIME on receipt while timestamps are
 * wanted; a stamp that converts to a time before boot or after now is not
 * believed (a different clock base), and the time of reading is used.
 */
static uint64_t report_time_ns(const struct nlattr *ts_attr, int64_t realtime_minus_mono_ns,
			       uint64_t now_ns)
{
	if (!ts_attr)
		return now_ns;
	struct nfulnl_msg_packet_timestamp ts;
	memcpy(&ts, mnl_attr_get_payload(ts_attr), sizeof(ts));
	uint64_t sec = be64toh(ts.sec), usec = be64toh(ts.usec);
	if (sec == 0 || sec > 1ull << 40 || usec >= 1000000)
		return now_ns;
	int64_t wall_ns = (int64_t)(sec * 1000000000ull + usec * 1000ull);
	int64_t mono_ns = wall_ns - realtime_minus_mono_ns;
	if (mono_ns <= 0 || (uint64_t)mono_ns > now_ns + FUTURE_SLACK_NS)
		return now_ns;
	return (uint64_t)mono_ns;
}

struct drain_ctx {
	struct tl_timeline *tl;
	int64_t realtime_minus_mono_ns;
	int appended;
	bool append_failed;
};

/* One NFULNL_MSG_PACKET report -> one TL_EV_DROP. */
static int drop_from_report(const struct nlmsghdr *nlh, void *data)
{
	struct drain_ctx *c = data;
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg))
		return MNL_CB_OK;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	/* An inet table logs each packet under its own family. */
	if (nfg->nfgen_family != AF_INET && nfg->nfgen_family != AF_INET6)
		return MNL_CB_OK;
	struct report_attrs r;
	memset(&r, 0, sizeof(r));
	if (mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, &r) < 0 || !r.tb[NFULA_PAYLOAD])
		return MNL_CB_OK;

	struct tl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = TL_EV_DROP;
	ev.side = TL_SIDE_NONE;
	const uint8_t *payload = mnl_attr_get_payload(r.tb[NFULA_PAYLOAD]);
	size_t payload_len = mnl_attr_get_payload_len(r.tb[NFULA_PAYLOAD]);
	bool tcp = nfg->nfgen_family == AF_INET6 ? parse_ipv6_tcp(payload, payload_len, &ev.u.drop)
						 : parse_ipv4_tcp(payload, payload_len, &ev.u.drop);
	if (!tcp)
		return MNL_CB_OK;
	if (r.tb[NFULA_PREFIX]) {
		const char *prefix = mnl_attr_get_str(r.tb[NFULA_PREFIX]);
		size_t plen = strlen(TL_FAULT_LOG_PREFIX);
		if (!strncmp(prefix, TL_FAULT_LOG_PREFIX, plen))
			prefix += plen;
		snprintf(ev.u.drop.rule, sizeof(ev.u.drop.rule), "%s", prefix);
	}
	ev.t_ns = report_time_ns(r.tb[NFULA_TIMESTAMP], c->realtime_minus_mono_ns, tl_now_ns());
	if (tl_timeline_append(c->tl, &ev) < 0) {
		c->append_failed = true;
		return MNL_CB_ERROR;
	}
	c->appended++;
	return MNL_CB_OK;
}

int tl_nflog_drain(struct tl_nflog *l, int64_t realtime_minus_mono_ns, struct tl_timeline *tl,
		   char *err, size_t errlen)
{
	struct drain_ctx c = { .tl = tl, .realtime_minus_mono_ns = realtime_minus_mono_ns };
	bool overrun = false;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(l->nl, l->buf, sizeof(l->buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Reports were lost; the socket works on. Read what is left. */
				overrun = true;
				continue;
			}
			snprintf(err, errlen, "reading NFLOG group %u: %s", l->group, strerror(errno));
			return -1;
		}
		/* Sequence 0 and port 0: reports are unsolicited, nothing to match. */
		int rc = mnl_cb_run(l->buf, (size_t)n, 0, 0, drop_from_report, &c);
		if (rc == MNL_CB_ERROR) {
			snprintf(err, errlen, "reading NFLOG group %u: %s", l->group,
				 c.append_failed ? "out of memory" : strerror(errno));
			return -1;
		}
	}
	if (overrun) {
		snprintf(err, errlen, "NFLOG group %u: the kernel lost drop reports (receive buffer "
				      "full): the list of drops is incomplete", l->group);
		return -1;
	}
	return c.appended;
}
