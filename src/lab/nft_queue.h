/*
 * nft_queue: adds the one nftables rule that hands packets to a userspace
 * queue, in the current network namespace.
 *
 * This kernel has nf_tables' "queue" statement compiled out
 * (CONFIG_NFT_QUEUE), so nft's own language cannot say it; it has the
 * xtables NFQUEUE target and nft_compat, which lets an nf_tables rule carry
 * an xtables target (as iptables-nft does). libnftables only reads text, so
 * this rule is built as netlink messages (libmnl): a NEWRULE whose one
 * expression is the "target" NFQUEUE, revision 3, with the bypass flag: while
 * no reader is bound to the queue, packets pass instead of being dropped.
 */
#ifndef TCPLAB_NFT_QUEUE_H
#define TCPLAB_NFT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Appends "queue to queue_num, bypass" to chain `chain` of the inet table
 * `table`, which must exist. Returns 0, or -1 with the kernel's reason in
 * err (say, nft_compat or NFQUEUE missing from the kernel: ENOENT).
 */
int tl_nft_queue_rule_add(const char *table, const char *chain, uint16_t queue_num, char *err,
			  size_t errlen);

#endif
