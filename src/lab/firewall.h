/*
 * firewall: installs fault rules as nftables rules (libnftables) in the
 * network namespace of the calling process, which must be the lab's private
 * one: tl_firewall_open() refuses to work in the host's namespace (the
 * kernel's first one, or PID 1's).
 *
 * Rules live in "table inet tcplab", chain "input" (type filter, hook input,
 * priority 0), made on the first rule. The walkthrough dropped with iptables
 * INPUT; on loopback, libpcap sees a packet on its way out of lo, before the
 * input hook of the receiving side drops it, so the capture keeps every
 * dropped packet (docs/faults.md). Each rule logs to an NFLOG group with the
 * prefix "tcplab:NAME" before dropping, so nflog.h can say which rule dropped
 * which packet. Delay rules instead mark what they match and jump to a chain
 * that queues it to userspace (delayq.h), which lets it go later. The namespace, and with it the table, disappears when the
 * lab's process exits, whatever happens to this object.
 */
#ifndef TCPLAB_FIREWALL_H
#define TCPLAB_FIREWALL_H

#include <stddef.h>
#include <stdint.h>

#include "scenario/fault.h"

#define TL_FIREWALL_TABLE "tcplab" /* family inet */
#define TL_FIREWALL_CHAIN "input"
#define TL_FIREWALL_DELAY_CHAIN "delay" /* a regular chain: delay rules jump there */
#define TL_FIREWALL_MAX_RULES 64

struct tl_firewall;

/*
 * Opens an nftables context bound to the current network namespace; rules
 * will log to NFLOG group log_group. Changes nothing in the kernel yet.
 * Returns the firewall (free with tl_firewall_close), or NULL with the
 * reason in err: out of memory, or the current namespace is the host's.
 */
struct tl_firewall *tl_firewall_open(uint16_t log_group, char *err, size_t errlen);

/*
 * Installs the rule of fault f at the end of the chain (making the table and
 * chain first if needed, in the same atomic batch) and remembers its handle
 * under f->name. Returns 0; or -1 with err set when the name is already
 * installed, TL_FIREWALL_MAX_RULES are, or nft rejects the rule: then err
 * holds nft's own message, cut to its "Error:" lines with the word it points
 * at ("nft: syntax error, unexpected string at 'dportx'"), and nothing was
 * changed. A raw rule ("nft MATCH...") nft rejects is the writer's:
 * TL_FIREWALL_REFUSED then, with the same err.
 */
#define TL_FIREWALL_REFUSED (-2)
int tl_firewall_add(struct tl_firewall *fw, const struct tl_fault *f, char *err, size_t errlen);

/*
 * Installs the rule of delay fault f the same way: its match and count, then
 * "meta mark set MARK jump delay", where chain "delay" (made the first time)
 * hands every packet to nfnetlink_queue queue queue_num (nft_queue.h) and
 * delayq.h, bound to that queue, learns the rule from the mark. Returns as
 * tl_firewall_add does.
 */
int tl_firewall_add_delay(struct tl_firewall *fw, const struct tl_fault *f, uint32_t mark, uint16_t queue_num,
			  char *err, size_t errlen);

/*
 * Removes the installed rule named name. Returns 0, or -1 with err set when
 * no such rule was installed here or nft fails (the rule is then forgotten
 * all the same if nft says it no longer exists).
 */
int tl_firewall_remove(struct tl_firewall *fw, const char *name, char *err, size_t errlen);

/*
 * Removes the whole table (every rule, the chain), whether or not this
 * object made it, and forgets every rule. Returns 0, or -1 with nft's
 * message in err.
 */
int tl_firewall_remove_all(struct tl_firewall *fw, char *err, size_t errlen);

/* How many rules are installed through fw. */
size_t tl_firewall_count(const struct tl_firewall *fw);

/* The handle nft gave the rule named name, or 0 when there is none. */
uint64_t tl_firewall_handle(const struct tl_firewall *fw, const char *name);

/*
 * Frees fw. Leaves the rules in place: the namespace takes them with it;
 * call tl_firewall_remove_all() first to remove them earlier. NULL is fine.
 */
void tl_firewall_close(struct tl_firewall *fw);

#endif
