/*
 * nft_queue: one nf_tables transaction, written by hand: BATCH_BEGIN,
 * NEWRULE (acknowledged), BATCH_END. The rule's expression list holds one
 * "target" expression whose data are the xtables target's name, revision and
 * its struct xt_NFQ_info_v3, exactly what the NFQUEUE target reads.
 */
#include "lab/nft_queue.h"
#include "lab/nl_request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* How long the kernel may take to answer before we give up. */
enum { ANSWER_TIMEOUT_MS = 2000 };
/* The NFQUEUE target's revision whose info is struct xt_NFQ_info_v3. */
enum { NFQUEUE_REVISION = 3 };

static void put_batch_mark(struct mnl_nlmsg_batch *b, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
}

static void put_rule(struct mnl_nlmsg_batch *b, uint32_t seq, const char *table, const char *chain,
		     uint16_t queue_num)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = NFPROTO_INET;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	struct nlattr *exprs = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	struct nlattr *elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, "target");
	struct nlattr *data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_strz(nlh, NFTA_TARGET_NAME, "NFQUEUE");
	mnl_attr_put_u32(nlh, NFTA_TARGET_REV, htonl(NFQUEUE_REVISION));
	/* The target reads its info in host order, as iptables writes it. */
	struct xt_NFQ_info_v3 info = { .queuenum = queue_num, .queues_total = 1, .flags = NFQ_FLAG_BYPASS };
	mnl_attr_put(nlh, NFTA_TARGET_INFO, sizeof(info), &info);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, elem);
	mnl_attr_nest_end(nlh, exprs);
	mnl_nlmsg_batch_next(b);
}

int tl_nft_queue_rule_add(const char *table, const char *chain, uint16_t queue_num, char *err,
			  size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], rx[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = (uint32_t)time(NULL);
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	put_batch_mark(b, NFNL_MSG_BATCH_BEGIN, seq);
	put_rule(b, seq + 1, table, chain, queue_num);
	put_batch_mark(b, NFNL_MSG_BATCH_END, seq + 2);

	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int rc = -1;
	if (!nl) {
		snprintf(err, errlen, "the queue rule: opening a NETLINK_NETFILTER socket: %s", strerror(errno));
	} else if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "the queue rule: binding: %s", strerror(errno));
	} else if (tl_nl_request(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), seq + 1, rx, sizeof(rx),
				 ANSWER_TIMEOUT_MS) < 0) {
		snprintf(err, errlen, "the queue rule (nft_compat, NFQUEUE target): %s",
			 errno == ETIMEDOUT ? "no answer from nf_tables" : strerror(errno));
	} else {
		rc = 0;
	}
	mnl_nlmsg_batch_stop(b);
	if (nl)
		mnl_socket_close(nl);
	return rc;
}
