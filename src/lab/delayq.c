/*
 * delayq: an nfnetlink_queue reader on libmnl. Binding is one
 * NFQNL_MSG_CONFIG request (bind the queue, copy the headers, fail open,
 * take GSO packets whole so that a held packet is released as it was sent).
 * Queued packets arrive as NFQNL_MSG_PACKET messages; each becomes a held
 * entry, due at its kernel stamp plus its rule's delay, and one
 * NFQNL_MSG_VERDICT (NF_ACCEPT) lets it go on when that time has come.
 *
 * The rules' table is written by the driver's thread while the observer's
 * thread reads it: it has its own lock. The held packets are the
 * observer's alone.
 */
#include "lab/delayq.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lab/clock.h"
#include "lab/ip_tcp.h"
#include "lab/nl_request.h"

/* Enough of each packet for its IP header and the TCP header's flags. */
enum { COPY_BYTES = 80 };
/* The kernel's queue length: far more than a scenario ever holds at once;
 * past it the queue fails open (accepts). */
enum { QUEUE_MAXLEN = 4096 };
enum { RECV_BUF_SIZE = 65536 };
enum { SOCKET_RCVBUF = 1 << 20 };
enum { CONFIG_ACK_TIMEOUT_MS = 2000 };

struct rule {
	struct tl_fault fault;
};

struct held {
	uint32_t id;	 /* the kernel's packet id, for the verdict */
	uint64_t due_ns; /* CLOCK_MONOTONIC */
	uint64_t order;	 /* arrival order, for equal due times */
};

struct tl_delayq {
	struct mnl_socket *nl;
	uint16_t queue_num;
	pthread_mutex_t mu; /* guards rules and n_rules */
	struct rule rules[TL_DELAYQ_MAX_RULES];
	size_t n_rules;
	struct held *held;
	size_t n_held, cap_held;
	uint64_t arrivals;
	_Alignas(max_align_t) char buf[RECV_BUF_SIZE];
};

void tl_delayq_close(struct tl_delayq *q)
{
	if (!q)
		return;
	if (q->nl)
		mnl_socket_close(q->nl);
	pthread_mutex_destroy(&q->mu);
	free(q->held);
	free(q);
}

int tl_delayq_fd(const struct tl_delayq *q)
{
	return mnl_socket_get_fd(q->nl);
}

static struct nlmsghdr *put_queue_header(char *buf, uint16_t type, uint16_t queue_num)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(queue_num);
	return nlh;
}

static int bind_queue(struct tl_delayq *q, char *err, size_t errlen)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = put_queue_header(req, NFQNL_MSG_CONFIG, q->queue_num);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	/* One message: the kernel binds first, then applies the settings. */
	struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND };
	mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	struct nfqnl_msg_config_params params = { .copy_range = htonl(COPY_BYTES),
						  .copy_mode = NFQNL_COPY_PACKET };
	mnl_attr_put(nlh, NFQA_CFG_PARAMS, sizeof(params), &params);
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(QUEUE_MAXLEN));
	uint32_t flags = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO;
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	if (tl_nl_request(q->nl, nlh, nlh->nlmsg_len, nlh->nlmsg_seq, q->buf, sizeof(q->buf),
			  CONFIG_ACK_TIMEOUT_MS) == 0)
		return 0;
	snprintf(err, errlen, "binding delay queue %u: %s", q->queue_num,
		 errno == ETIMEDOUT ? "no answer to the bind request" : strerror(errno));
	return -1;
}

struct tl_delayq *tl_delayq_open(uint16_t queue_num, char *err, size_t errlen)
{
	struct tl_delayq *q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(err, errlen, "delay queue: %s", strerror(errno));
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	q->queue_num = queue_num;
	q->nl = tl_nl_open_netfilter(SOCKET_RCVBUF, "delay queue", err, errlen);
	if (!q->nl) {
		tl_delayq_close(q);
		return NULL;
	}
	if (bind_queue(q, err, errlen) < 0) {
		tl_delayq_close(q);
		return NULL;
	}
	return q;
}

int tl_delayq_add_rule(struct tl_delayq *q, const struct tl_fault *f, uint32_t *mark, char *err,
		       size_t errlen)
{
	int rc = 0;
	pthread_mutex_lock(&q->mu);
	if (q->n_rules == TL_DELAYQ_MAX_RULES) {
		snprintf(err, errlen, "more than %d delay rules in one run", TL_DELAYQ_MAX_RULES);
		rc = -1;
	} else {
		/* Slots are never reused: a packet held by a removed rule keeps its meaning. */
		q->rules[q->n_rules].fault = *f;
		*mark = TL_DELAYQ_MARK_BASE + (uint32_t)q->n_rules;
		q->n_rules++;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

/* The rule that set mark, copied; false for a mark no delay rule sets. */
static bool rule_of_mark(struct tl_delayq *q, uint32_t mark, struct tl_fault *out)
{
	bool found = false;
	pthread_mutex_lock(&q->mu);
	uint32_t slot = mark - TL_DELAYQ_MARK_BASE;
	if (mark >= TL_DELAYQ_MARK_BASE && slot < q->n_rules) {
		*out = q->rules[slot].fault;
		found = true;
	}
	pthread_mutex_unlock(&q->mu);
	return found;
}

static int send_verdict(struct tl_delayq *q, uint32_t id)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = put_queue_header(req, NFQNL_MSG_VERDICT, q->queue_num);
	struct nfqnl_msg_verdict_hdr v = { .verdict = htonl(NF_ACCEPT), .id = htonl(id) };
	mnl_attr_put(nlh, NFQA_VERDICT_HDR, sizeof(v), &v);
	return mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

static int hold(struct tl_delayq *q, uint32_t id, uint64_t due_ns)
{
	if (q->n_held == q->cap_held) {
		size_t cap = q->cap_held ? q->cap_held * 2 : 16;
		struct held *grown = realloc(q->held, cap * sizeof(*grown));
		if (!grown)
			return -1;
		q->held = grown;
		q->cap_held = cap;
	}
	q->held[q->n_held++] = (struct held){ .id = id, .due_ns = due_ns, .order = q->arrivals++ };
	return 0;
}

struct service_ctx {
	struct tl_delayq *q;
	struct tl_timeline *tl;
	int64_t realtime_minus_mono_ns;
	bool failed;
	char why[160];
};

struct packet_attrs {
	const struct nlattr *tb[NFQA_MAX + 1];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct packet_attrs *r = data;
	if (mnl_attr_type_valid(a, NFQA_MAX) < 0)
		return MNL_CB_OK; /* newer than our headers: not ours to read */
	r->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/* The packet's send time: its kernel stamp, or now. */
static uint64_t sent_ns(const struct nlattr *ts_attr, int64_t realtime_minus_mono_ns, uint64_t now_ns)
{
	if (!ts_attr || mnl_attr_get_payload_len(ts_attr) < sizeof(struct nfqnl_msg_packet_timestamp))
		return now_ns;
	struct nfqnl_msg_packet_timestamp ts;
	memcpy(&ts, mnl_attr_get_payload(ts_attr), sizeof(ts));
	return tl_kernel_stamp_ns(be64toh(ts.sec), be64toh(ts.usec), realtime_minus_mono_ns, now_ns);
}

/* One NFQNL_MSG_PACKET: a note, and the packet held until its rule's time. */
static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct service_ctx *c = data;
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg))
		return MNL_CB_OK;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct packet_attrs r;
	memset(&r, 0, sizeof(r));
	if (mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, &r) < 0 || !r.tb[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(r.tb[NFQA_PACKET_HDR]) < sizeof(struct nfqnl_msg_packet_hdr))
		return MNL_CB_OK;
	const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(r.tb[NFQA_PACKET_HDR]);
	uint32_t id = ntohl(ph->packet_id);
	uint32_t mark = r.tb[NFQA_MARK] ? ntohl(mnl_attr_get_u32(r.tb[NFQA_MARK])) : 0;
	struct tl_fault rule;
	struct tl_event ev = { .kind = TL_EV_NOTE, .side = TL_SIDE_NONE };
	if (!rule_of_mark(c->q, mark, &rule)) {
		/* Not a delay rule's packet (a raw rule's own mark?): let it go at once. */
		if (send_verdict(c->q, id) < 0)
			goto fail;
		return MNL_CB_OK;
	}
	uint64_t now = tl_now_ns();
	uint64_t sent = sent_ns(r.tb[NFQA_TIMESTAMP], c->realtime_minus_mono_ns, now);
	struct tl_drop hdr;
	memset(&hdr, 0, sizeof(hdr));
	if (r.tb[NFQA_PAYLOAD] && tl_ip_tcp_read(nfg->nfgen_family, mnl_attr_get_payload(r.tb[NFQA_PAYLOAD]),
						 mnl_attr_get_payload_len(r.tb[NFQA_PAYLOAD]), &hdr)) {
		ev.t_ns = sent;
		tl_fault_hold_note(&rule, &hdr.tuple, hdr.flags, ev.u.note, sizeof(ev.u.note));
		if (tl_timeline_append(c->tl, &ev) < 0) {
			snprintf(c->why, sizeof(c->why), "out of memory");
			c->failed = true;
			return MNL_CB_ERROR;
		}
	}
	if (hold(c->q, id, sent + rule.delay_ns) < 0) {
		snprintf(c->why, sizeof(c->why), "out of memory");
		c->failed = true;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
fail:
	snprintf(c->why, sizeof(c->why), "verdict: %s", strerror(errno));
	c->failed = true;
	return MNL_CB_ERROR;
}

/* Reads every queue message waiting. */
static int take_packets(struct service_ctx *c, char *err, size_t errlen)
{
	struct tl_delayq *q = c->q;
	int rc = tl_nl_read_all(q->nl, q->buf, sizeof(q->buf), packet_cb, c);
	if (rc < 0) {
		snprintf(err, errlen, "delay queue %u: %s", q->queue_num, c->failed ? c->why : strerror(errno));
		return -1;
	}
	if (rc > 0) {
		/* Their packets stay queued with no one to let them go. */
		snprintf(err, errlen, "delay queue %u: the kernel lost queued packets' messages (receive "
				      "buffer full)", q->queue_num);
		return -1;
	}
	return 0;
}

/* The held packet due first (at equal times, the one that came first). */
static size_t first_due(const struct tl_delayq *q)
{
	size_t best = 0;
	for (size_t i = 1; i < q->n_held; i++) {
		const struct held *a = &q->held[i], *b = &q->held[best];
		if (a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->order < b->order))
			best = i;
	}
	return best;
}

int tl_delayq_service(struct tl_delayq *q, int64_t realtime_minus_mono_ns, struct tl_timeline *tl,
		      char *err, size_t errlen)
{
	struct service_ctx c = { .q = q, .tl = tl, .realtime_minus_mono_ns = realtime_minus_mono_ns };
	if (take_packets(&c, err, errlen) < 0)
		return -1;
	while (q->n_held) {
		size_t i = first_due(q);
		if (q->held[i].due_ns > tl_now_ns())
			break;
		if (send_verdict(q, q->held[i].id) < 0) {
			snprintf(err, errlen, "delay queue %u: verdict: %s", q->queue_num, strerror(errno));
			return -1;
		}
		q->held[i] = q->held[--q->n_held];
	}
	return 0;
}

uint64_t tl_delayq_next_due_ns(const struct tl_delayq *q)
{
	return q->n_held ? q->held[first_due(q)].due_ns : 0;
}

size_t tl_delayq_held(const struct tl_delayq *q)
{
	return q->n_held;
}
