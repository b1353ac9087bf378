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
#include "lab/ip_tcp.h"
#include "lab/nl_request.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
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

	/* Reports that slip in before the answer carry sequence 0 and are skipped. */
	if (tl_nl_request(l->nl, nlh, nlh->nlmsg_len, seq, l->buf, sizeof(l->buf), CONFIG_ACK_TIMEOUT_MS) == 0)
		return 0;
	int e = errno;
	if (e == ETIMEDOUT)
		snprintf(err, errlen, "NFLOG group %u: no answer to the bind request", l->group);
	else
		snprintf(err, errlen, "binding NFLOG group %u: %s%s", l->group, strerror(e),
			 /* The kernel says EPERM both to a process without
			  * CAP_NET_ADMIN and for a group another socket has. */
			 e == EPERM ? " (another socket of this namespace has the group, "
				      "or CAP_NET_ADMIN is missing)"
				    : "");
	return -1;
}

struct tl_nflog *tl_nflog_open(uint16_t group, char *err, size_t errlen)
{
	struct tl_nflog *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "nflog: %s", strerror(errno));
		return NULL;
	}
	l->group = group;
	l->nl = tl_nl_open_netfilter(SOCKET_RCVBUF, "nflog", err, errlen);
	if (!l->nl) {
		free(l);
		return NULL;
	}
	l->portid = mnl_socket_get_portid(l->nl);
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

/* The packet's time on CLOCK_MONOTONIC: its kernel stamp, when the report has one. */
static uint64_t report_time_ns(const struct nlattr *ts_attr, int64_t realtime_minus_mono_ns,
			       uint64_t now_ns)
{
	if (!ts_attr)
		return now_ns;
	struct nfulnl_msg_packet_timestamp ts;
	memcpy(&ts, mnl_attr_get_payload(ts_attr), sizeof(ts));
	return tl_kernel_stamp_ns(be64toh(ts.sec), be64toh(ts.usec), realtime_minus_mono_ns, now_ns);
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
	if (!tl_ip_tcp_read(nfg->nfgen_family, payload, payload_len, &ev.u.drop))
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
	int rc = tl_nl_read_all(l->nl, l->buf, sizeof(l->buf), drop_from_report, &c);
	if (rc < 0) {
		snprintf(err, errlen, "reading NFLOG group %u: %s", l->group,
			 c.append_failed ? "out of memory" : strerror(errno));
		return -1;
	}
	if (rc > 0) {
		snprintf(err, errlen, "NFLOG group %u: the kernel lost drop reports (receive buffer "
				      "full): the list of drops is incomplete", l->group);
		return -1;
	}
	return c.appended;
}
