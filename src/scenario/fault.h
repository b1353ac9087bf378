/*
 * fault: the fault rules of a scenario ("drop from client count 2", "delay
 * from server has F for 50ms"), parsed into a struct tl_fault that both
 * runners share. A rule either drops what it matches or delays it: holds
 * each matching packet for a time, then lets it go on. The kernel lab turns one
 * into an nftables rule (tl_fault_nft_rule, installed by firewall.h); the
 * simulator asks tl_fault_matches() about each segment it would deliver.
 * Pure: no I/O, no allocation, no globals, so a parsed fault can be copied
 * freely. The syntax is documented for users in docs/faults.md.
 *
 * Direction is by port, not address: on loopback both ends are 127.0.0.1,
 * so "from client" means "sent to the server's port" and "from server" means
 * "sent from the server's port". The server's port is where the scenario's
 * server listens (struct tl_scenario's server_port), not a guess from the
 * scenario's default port.
 */
#ifndef TCPLAB_FAULT_H
#define TCPLAB_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* A rule name: letters, digits, '-', '_' and '.', at most 31 of them, so
 * "tcplab:" + name fits tl_drop.rule and an nft log prefix. */
#define TL_FAULT_NAME_MAX 32
/* The NFLOG prefix of a rule's reports is this, then the rule's name. */
#define TL_FAULT_LOG_PREFIX "tcplab:"
/* The raw match after "nft", at most 511 bytes. */
#define TL_FAULT_NFT_MAX 512
/*
 * The largest count. The kernel rule counts matching packets with
 * "numgen inc mod TL_FAULT_NUMGEN_MOD", which wraps to 0 after that many
 * matches; a count below the modulus keeps "the first N" exact (the wrap
 * would need 2^31 matching packets in one run).
 */
#define TL_FAULT_NUMGEN_MOD 2147483647u
#define TL_FAULT_COUNT_MAX (TL_FAULT_NUMGEN_MOD - 1u)

/* The TCP flags a rule compares; ECE and CWR are left out, as the walkthrough
 * never uses them and ECN negotiation would make "flags S" miss a SYN. */
#define TL_FAULT_FLAG_MASK (TL_TH_FIN | TL_TH_SYN | TL_TH_RST | TL_TH_PSH | TL_TH_ACK | TL_TH_URG)

/* The longest delay: a held packet is a packet in flight, and TCP resends
 * one unacknowledged for longer than its timers allow anyway. */
#define TL_FAULT_DELAY_MAX_NS (60ull * 1000000000ull)

enum tl_fault_action {
	TL_FAULT_DROP = 0, /* "drop RULE": the packet never arrives */
	TL_FAULT_DELAY,	   /* "delay RULE for D": the packet arrives D after it was sent */
};

enum tl_fault_from {
	TL_FAULT_FROM_ANY = 0,
	TL_FAULT_FROM_CLIENT, /* packets to the server's port */
	TL_FAULT_FROM_SERVER, /* packets from the server's port */
};

struct tl_fault {
	char name[TL_FAULT_NAME_MAX]; /* "rule1" unless named */
	enum tl_fault_action action;
	uint64_t delay_ns;	      /* TL_FAULT_DELAY: how long each matching packet is held */
	uint16_t server_port;	      /* the server's listening port, given to the parser */
	enum tl_fault_from from;
	uint16_t sport;		      /* 0: any */
	uint16_t dport;		      /* 0: any */
	bool flags_exact_set;	      /* "flags L": exactly these among TL_FAULT_FLAG_MASK */
	uint8_t flags_exact;
	bool flags_has_set;	      /* "has L": at least these */
	uint8_t flags_has;
	uint32_t count;		      /* 0: every matching packet; else only the first count */
	bool raw;		      /* "nft MATCH...": the match below replaces every field above */
	char nft[TL_FAULT_NFT_MAX];   /* raw nft match text, trimmed; "" unless raw */
};

/*
 * Parses the text of a rule after the word "drop" ("from server flags S.
 * count 2"). index numbers the default name ("rule<index>"); server_port is
 * the scenario's port, the one "from client" and "from server" refer to.
 * Returns 0 with *out filled, or -1 with a one-line message in err naming
 * the bad word and what was expected (*out is then unspecified). Words that
 * can never match together ("from client dport 80") are errors too.
 */
int tl_fault_parse(const char *text, unsigned index, uint16_t server_port, struct tl_fault *out,
		   char *err, size_t errlen);

/*
 * The same for either action: TL_FAULT_DROP parses the text after "drop",
 * TL_FAULT_DELAY the text after "delay", which must hold "for DURATION"
 * (a duration as scenario files write it, at most TL_FAULT_DELAY_MAX_NS);
 * "for" in a drop rule is an error.
 */
int tl_fault_parse_action(enum tl_fault_action action, const char *text, unsigned index,
			  uint16_t server_port, struct tl_fault *out, char *err, size_t errlen);

/* "drop" or "delay": the step's keyword (and option's name) for action. */
const char *tl_fault_action_name(enum tl_fault_action action);

/*
 * Writes the canonical text of f (without "drop" or "delay"), words in a
 * fixed order and the name always last before a raw match: "from client
 * flags S count 2 name rule1", "count 1 name x nft tcp dport 2017", "has F
 * count 1 for 50ms name rule2". Parsing it again with the same
 * server port gives an equal fault. Truncates to len like snprintf; returns
 * the length the full text needs.
 */
int tl_fault_format(const struct tl_fault *f, char *out, size_t len);

/*
 * False for a raw nft rule: its match is nftables' language, which only the
 * kernel evaluates, so the simulator cannot run a scenario that uses one.
 */
bool tl_fault_simulable(const struct tl_fault *f);

/*
 * Whether a segment with this tuple and these TCP flags matches the rule's
 * match part (direction, ports, flags), given the server's port (normally
 * f->server_port). The count is not applied here: the caller keeps, per
 * rule, how many segments matched before and asks tl_fault_drops_nth().
 * Always false for a raw rule (see tl_fault_simulable).
 */
bool tl_fault_matches(const struct tl_fault *f, const struct tl_tuple *tuple, uint8_t flags,
		      uint16_t server_port);

/*
 * Whether the matching segment that had matched_before matching segments
 * before it is dropped (for a delay rule: held): with count N, the first N
 * matching segments are and every later one passes; without count, all are. This
 * is what the kernel rule does (every match advances its counter, dropped or
 * not).
 */
bool tl_fault_drops_nth(const struct tl_fault *f, uint64_t matched_before);

/*
 * The timeline's line for a packet a delay rule holds, the same from both
 * runners: "delay rule1 holds 127.0.0.1:40000 > 127.0.0.1:2017 F. for 50ms".
 */
void tl_fault_hold_note(const struct tl_fault *f, const struct tl_tuple *tuple, uint8_t flags, char *out,
			size_t len);

/*
 * Writes the nftables rule for a drop rule f, as it follows "add rule inet tcplab input":
 * the match, then "numgen inc mod 2147483647 < N" when counted, then
 * "log group G prefix \"tcplab:NAME\"" (so an NFLOG listener on log_group
 * learns which rule dropped which packet), then "drop". "from client" and
 * "from server" use f->server_port. Returns 0, or -1 when len is too small
 * (out then holds a truncated, unusable text).
 */
int tl_fault_nft_rule(const struct tl_fault *f, uint16_t log_group, char *out, size_t len);

/*
 * Writes the nftables rule for a delay rule f: the same match and count,
 * then "meta mark set MARK jump CHAIN". The chain hands the packet to a
 * userspace queue, whose reader learns from the mark which rule held it
 * (the lab's firewall.h). Returns 0, or -1 when len is too small.
 */
int tl_fault_nft_delay_rule(const struct tl_fault *f, uint32_t mark, const char *chain, char *out,
			    size_t len);

#endif
