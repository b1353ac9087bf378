/*
 * fault: parses, formats and evaluates fault rules (see fault.h and
 * docs/faults.md). The text is split into words at blanks; each keyword
 * takes one argument, except "from" (client or server) and "nft", which
 * takes the rest of the text unparsed. Every number is checked in full
 * (digits only, range) and the first bad word stops parsing with a message
 * that names it and what would have been accepted.
 */
#include "scenario/fault.h"
#include "scenario/duration.h"
#include "core/addr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longer than any valid word (a 31-byte name, a 10-digit count). */
#define MAX_WORD 64

struct fparser {
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct fparser *p, const char *fmt, ...)
{
	if (p->err && p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies the next word of *s into word and advances *s past it. Returns 1,
 * 0 at the end of the text, or -1 for a word too long to be any valid one
 * (word then holds its beginning, for the message). */
static int next_word(const char **s, char word[MAX_WORD])
{
	const char *c = *s;
	while (is_blank(*c))
		c++;
	if (!*c)
		return 0;
	size_t n = 0;
	bool cut = false;
	while (*c && !is_blank(*c)) {
		if (n < MAX_WORD - 1)
			word[n++] = *c;
		else
			cut = true;
		c++;
	}
	word[n] = '\0';
	*s = c;
	return cut ? -1 : 1;
}

/* Decimal digits only: no sign, no blanks, no hex, no overflow. */
static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	if (!*s)
		return false;
	uint64_t v = 0;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return false;
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > hi)
			return false;
	}
	if (v < lo)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool is_number_word(const char *s)
{
	if (!*s)
		return false;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= TL_FAULT_NAME_MAX)
		return false;
	for (const char *c = s; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
		if (!ok)
			return false;
	}
	return true;
}

static int parse_port_arg(struct fparser *p, const char *kw, const char *arg, uint16_t *out)
{
	uint32_t v;
	if (!arg)
		return fail(p, "'%s' needs a port number 1..65535", kw);
	if (!parse_u32(arg, 1, 65535, &v)) {
		if (is_number_word(arg))
			return fail(p, "%s %s out of range 1..65535", kw, arg);
		return fail(p, "%s '%s' is not a port number (expected 1..65535)", kw, arg);
	}
	*out = (uint16_t)v;
	return 0;
}

static int parse_flags_arg(struct fparser *p, const char *kw, const char *arg, uint8_t *out)
{
	uint8_t f;
	if (!arg)
		return fail(p, "'%s' needs tcpdump flag letters, e.g. S, S., F. or R", kw);
	if (!tl_flags_parse(arg, &f))
		return fail(p, "%s '%s': bad flag letters (expected F S R P . U, e.g. S, S. or F.)", kw,
			    arg);
	if (f & ~TL_FAULT_FLAG_MASK)
		return fail(p, "%s '%s': ECE and CWR (E, W) are not compared (use F S R P . U)", kw,
			    arg);
	if (!strcmp(kw, "has") && f == 0)
		return fail(p, "has '%s' asks for no flag at all (drop 'has' to match any packet)",
			    arg);
	*out = f;
	return 0;
}

/* The raw match: the rest of the text, trimmed. Characters that would end
 * the rule early or hide our own statements after it are refused: ';' and a
 * newline start another nft command, '#' turns the rest (our count, log and
 * drop) into a comment, an unterminated '"' makes them part of a string. */
static int parse_raw(struct fparser *p, const char *rest, struct tl_fault *f)
{
	while (is_blank(*rest))
		rest++;
	size_t n = strlen(rest);
	while (n && is_blank(rest[n - 1]))
		n--;
	if (n == 0)
		return fail(p, "'nft' needs an nft match after it, e.g. nft tcp dport 2017");
	if (n >= sizeof(f->nft))
		return fail(p, "the nft match is %zu bytes long (at most %zu)", n, sizeof(f->nft) - 1);
	size_t quotes = 0;
	for (size_t i = 0; i < n; i++) {
		switch (rest[i]) {
		case '"':
			quotes++;
			break;
		case ';':
			return fail(p, "the nft match may not contain ';' (one rule only)");
		case '#':
			return fail(p, "the nft match may not contain '#' (nft would read the rest, "
				       "our count, log and drop, as a comment)");
		case '\n':
		case '\r':
			return fail(p, "the nft match must be one line");
		default:
			break;
		}
	}
	/* An open string would swallow our log prefix and confuse nft's error. */
	if (quotes % 2)
		return fail(p, "the nft match has an unterminated '\"'");
	memcpy(f->nft, rest, n);
	f->nft[n] = '\0';
	f->raw = true;
	return 0;
}

/* Rejects combinations that can never match, which are surely mistakes. */
static int check_direction(struct fparser *p, const struct tl_fault *f)
{
	uint16_t sp = f->server_port;
	switch (f->from) {
	case TL_FAULT_FROM_ANY:
		break;
	case TL_FAULT_FROM_CLIENT:
		if (f->dport && f->dport != sp)
			return fail(p, "'dport %u' contradicts 'from client' (the client sends to the "
				       "server's port %u)", f->dport, sp);
		if (f->sport == sp)
			return fail(p, "'sport %u' contradicts 'from client' (%u is the server's port)",
				    f->sport, sp);
		break;
	case TL_FAULT_FROM_SERVER:
		if (f->sport && f->sport != sp)
			return fail(p, "'sport %u' contradicts 'from server' (the server sends from "
				       "its port %u)", f->sport, sp);
		if (f->dport == sp)
			return fail(p, "'dport %u' contradicts 'from server' (%u is the server's port)",
				    f->dport, sp);
		break;
	}
	return 0;
}

/* "for DURATION": a delay's hold. */
static int parse_for_arg(struct fparser *p, const char *arg, uint64_t *out)
{
	char why[200];
	if (!arg)
		return fail(p, "'for' needs a duration, e.g. for 50ms");
	if (tl_duration_parse("for", arg, arg, out, why, sizeof(why)) < 0)
		return fail(p, "%s", why);
	if (*out > TL_FAULT_DELAY_MAX_NS)
		return fail(p, "for %s is longer than %llu s (a delay holds a packet in flight)", arg,
			    TL_FAULT_DELAY_MAX_NS / 1000000000ull);
	return 0;
}

int tl_fault_parse(const char *text, unsigned index, uint16_t server_port, struct tl_fault *out,
		   char *err, size_t errlen)
{
	return tl_fault_parse_action(TL_FAULT_DROP, text, index, server_port, out, err, errlen);
}

const char *tl_fault_action_name(enum tl_fault_action action)
{
	return action == TL_FAULT_DELAY ? "delay" : "drop";
}

int tl_fault_parse_action(enum tl_fault_action action, const char *text, unsigned index,
			  uint16_t server_port, struct tl_fault *out, char *err, size_t errlen)
{
	struct fparser p = { .err = err, .errlen = errlen };
	struct tl_fault f;
	memset(&f, 0, sizeof(f));
	f.action = action;
	f.server_port = server_port;
	if (server_port == 0)
		return fail(&p, "no server port given (the scenario's port, 1..65535)");
	snprintf(f.name, sizeof(f.name), "rule%u", index);

	/* Which keywords were seen, to report duplicates. */
	bool seen_from = false, seen_sport = false, seen_dport = false, seen_flags = false,
	     seen_has = false, seen_count = false, seen_name = false, seen_for = false;
	const char *s = text ? text : "";
	char word[MAX_WORD], arg[MAX_WORD];
	size_t n_words = 0;
	int got;

	while ((got = next_word(&s, word)) != 0) {
		if (got < 0)
			return fail(&p, "word '%.20s...' is too long", word);
		n_words++;
		if (!strcmp(word, "nft")) {
			if (parse_raw(&p, s, &f) < 0)
				return -1;
			if (seen_from || seen_sport || seen_dport || seen_flags || seen_has)
				return fail(&p, "'nft' replaces from, sport, dport, flags and has: "
						"write the whole match in nft");
			break;
		}
		const char *a = NULL;
		const char *after = s;
		got = next_word(&after, arg);
		if (got < 0)
			return fail(&p, "%s '%.20s...' is too long", word, arg);
		if (got > 0)
			a = arg;
		bool *seen = NULL;
		if (!strcmp(word, "from"))
			seen = &seen_from;
		else if (!strcmp(word, "sport"))
			seen = &seen_sport;
		else if (!strcmp(word, "dport"))
			seen = &seen_dport;
		else if (!strcmp(word, "flags"))
			seen = &seen_flags;
		else if (!strcmp(word, "has"))
			seen = &seen_has;
		else if (!strcmp(word, "count"))
			seen = &seen_count;
		else if (!strcmp(word, "name"))
			seen = &seen_name;
		else if (!strcmp(word, "for") && action == TL_FAULT_DELAY)
			seen = &seen_for;
		else if (!strcmp(word, "for"))
			return fail(&p, "'for' belongs to delay rules (a drop holds nothing: write "
					"'delay ... for 50ms' to hold packets)");
		else
			return fail(&p, "unknown word '%s' (expected from, sport, dport, flags, has, "
					"count, %sname or nft)", word, action == TL_FAULT_DELAY ? "for, " : "");
		if (*seen)
			return fail(&p, "duplicate '%s'", word);
		*seen = true;

		if (!strcmp(word, "from")) {
			if (a && !strcmp(a, "client"))
				f.from = TL_FAULT_FROM_CLIENT;
			else if (a && !strcmp(a, "server"))
				f.from = TL_FAULT_FROM_SERVER;
			else if (a)
				return fail(&p, "from '%s': expected client or server", a);
			else
				return fail(&p, "'from' needs client or server");
		} else if (!strcmp(word, "sport")) {
			if (parse_port_arg(&p, word, a, &f.sport) < 0)
				return -1;
		} else if (!strcmp(word, "dport")) {
			if (parse_port_arg(&p, word, a, &f.dport) < 0)
				return -1;
		} else if (!strcmp(word, "flags")) {
			if (parse_flags_arg(&p, word, a, &f.flags_exact) < 0)
				return -1;
			f.flags_exact_set = true;
		} else if (!strcmp(word, "has")) {
			if (parse_flags_arg(&p, word, a, &f.flags_has) < 0)
				return -1;
			f.flags_has_set = true;
		} else if (!strcmp(word, "count")) {
			if (!a)
				return fail(&p, "'count' needs a number of packets 1..%u",
					    TL_FAULT_COUNT_MAX);
			if (!parse_u32(a, 1, TL_FAULT_COUNT_MAX, &f.count)) {
				if (is_number_word(a))
					return fail(&p, "count %s out of range 1..%u (leave 'count' "
							"out to drop every matching packet)",
						    a, TL_FAULT_COUNT_MAX);
				return fail(&p, "count '%s' is not a number (expected 1..%u)", a,
					    TL_FAULT_COUNT_MAX);
			}
		} else if (!strcmp(word, "for")) {
			if (parse_for_arg(&p, a, &f.delay_ns) < 0)
				return -1;
		} else { /* name */
			if (!a)
				return fail(&p, "'name' needs a rule name");
			if (!valid_name(a))
				return fail(&p, "name '%s': expected 1 to %d letters, digits, '-', '_' "
						"or '.'", a, TL_FAULT_NAME_MAX - 1);
			memcpy(f.name, a, strlen(a) + 1); /* valid_name: shorter than f.name */
		}
		s = after; /* every keyword but nft took one argument */
	}
	if (n_words == 0)
		return fail(&p, "empty rule (expected from, sport, dport, flags, has, count, %sname "
				"or nft)", action == TL_FAULT_DELAY ? "for, " : "");
	if (action == TL_FAULT_DELAY && !seen_for)
		return fail(&p, "a delay needs 'for DURATION', how long each packet is held "
				"(e.g. delay from client for 50ms)");
	if (seen_flags && seen_has)
		return fail(&p, "use either 'flags' (exactly these) or 'has' (at least these), not "
				"both");
	if (check_direction(&p, &f) < 0)
		return -1;
	*out = f;
	return 0;
}

/* Appends to a bounded buffer like snprintf, remembering the full length. */
struct sbuf {
	char *out;
	size_t len;
	size_t used; /* what the full text needs, may exceed len */
};

__attribute__((format(printf, 2, 3))) static void put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = b->used < b->len ? b->len - b->used : 0;
	int n = vsnprintf(room ? b->out + b->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n;
}

/* A word separated from the previous one by a blank. */
#define PUTW(b, ...)                        \
	do {                                \
		if ((b)->used)              \
			put((b), " ");      \
		put((b), __VA_ARGS__);      \
	} while (0)

int tl_fault_format(const struct tl_fault *f, char *out, size_t len)
{
	struct sbuf b = { .out = out, .len = len };
	if (len)
		out[0] = '\0';
	char letters[12];
	if (!f->raw) {
		if (f->from == TL_FAULT_FROM_CLIENT)
			PUTW(&b, "from client");
		else if (f->from == TL_FAULT_FROM_SERVER)
			PUTW(&b, "from server");
		if (f->sport)
			PUTW(&b, "sport %u", f->sport);
		if (f->dport)
			PUTW(&b, "dport %u", f->dport);
		if (f->flags_exact_set) {
			tl_flags_letters(f->flags_exact, letters);
			PUTW(&b, "flags %s", letters);
		}
		if (f->flags_has_set) {
			tl_flags_letters(f->flags_has, letters);
			PUTW(&b, "has %s", letters);
		}
	}
	if (f->count)
		PUTW(&b, "count %u", f->count);
	if (f->action == TL_FAULT_DELAY) {
		char d[32];
		tl_duration_format(f->delay_ns, d, sizeof(d));
		PUTW(&b, "for %s", d);
	}
	PUTW(&b, "name %s", f->name);
	if (f->raw)
		PUTW(&b, "nft %s", f->nft);
	return (int)b.used;
}

bool tl_fault_simulable(const struct tl_fault *f)
{
	return !f->raw;
}

bool tl_fault_matches(const struct tl_fault *f, const struct tl_tuple *tuple, uint8_t flags,
		      uint16_t server_port)
{
	if (f->raw)
		return false;
	switch (f->from) {
	case TL_FAULT_FROM_ANY:
		break;
	case TL_FAULT_FROM_CLIENT:
		if (tuple->dport != server_port)
			return false;
		break;
	case TL_FAULT_FROM_SERVER:
		if (tuple->sport != server_port)
			return false;
		break;
	}
	if (f->sport && tuple->sport != f->sport)
		return false;
	if (f->dport && tuple->dport != f->dport)
		return false;
	uint8_t compared = flags & TL_FAULT_FLAG_MASK;
	if (f->flags_exact_set && compared != f->flags_exact)
		return false;
	if (f->flags_has_set && (compared & f->flags_has) != f->flags_has)
		return false;
	return true;
}

bool tl_fault_drops_nth(const struct tl_fault *f, uint64_t matched_before)
{
	return f->count == 0 || matched_before < f->count;
}

void tl_fault_hold_note(const struct tl_fault *f, const struct tl_tuple *tuple, uint8_t flags, char *out,
			size_t len)
{
	char from[64], to[64], letters[12], d[32];
	tl_endpoint_format(&tuple->saddr, tuple->sport, from, sizeof(from));
	tl_endpoint_format(&tuple->daddr, tuple->dport, to, sizeof(to));
	tl_flags_letters(flags, letters);
	tl_duration_format(f->delay_ns, d, sizeof(d));
	snprintf(out, len, "delay %s holds %s > %s %s for %s", f->name, from, to, letters, d);
}

/* nft's names for the bits of TL_FAULT_FLAG_MASK, in tcpdump's order. */
static void put_nft_flags(struct sbuf *b, uint8_t flags, const char *sep)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {
		{ TL_TH_FIN, "fin" }, { TL_TH_SYN, "syn" }, { TL_TH_RST, "rst" },
		{ TL_TH_PSH, "psh" }, { TL_TH_ACK, "ack" }, { TL_TH_URG, "urg" },
	};
	bool first = true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		put(b, "%s%s", first ? "" : sep, names[i].name);
		first = false;
	}
	if (first)
		put(b, "0x0"); /* no flag at all: nft has no name for it */
}

/* The match and the count of f's nftables rule: everything before its verdict. */
static void put_nft_match(struct sbuf *b, const struct tl_fault *f)
{
	if (f->raw) {
		PUTW(b, "%s", f->nft);
	} else {
		bool tcp_named = false; /* a "tcp ..." match implies the protocol */
		if (f->from == TL_FAULT_FROM_CLIENT && !f->dport) {
			PUTW(b, "tcp dport %u", f->server_port);
			tcp_named = true;
		} else if (f->from == TL_FAULT_FROM_SERVER && !f->sport) {
			PUTW(b, "tcp sport %u", f->server_port);
			tcp_named = true;
		}
		if (f->sport) {
			PUTW(b, "tcp sport %u", f->sport);
			tcp_named = true;
		}
		if (f->dport) {
			PUTW(b, "tcp dport %u", f->dport);
			tcp_named = true;
		}
		/* Exact flags: mask with all six, so ECE/CWR never spoil "flags S".
		 * At least: mask with the wanted bits and compare to themselves. */
		if (f->flags_exact_set) {
			PUTW(b, "tcp flags & (");
			put_nft_flags(b, TL_FAULT_FLAG_MASK, "|");
			put(b, ") == ");
			put_nft_flags(b, f->flags_exact, "|");
			tcp_named = true;
		}
		if (f->flags_has_set) {
			PUTW(b, "tcp flags & (");
			put_nft_flags(b, f->flags_has, "|");
			put(b, ") == ");
			put_nft_flags(b, f->flags_has, "|");
			tcp_named = true;
		}
		if (!tcp_named)
			PUTW(b, "meta l4proto tcp");
	}
	/*
	 * The rule's expressions run in order and stop at the first that does
	 * not match, so numgen is evaluated, and its counter advanced, only for
	 * packets that matched everything before it: "< count" is then true for
	 * exactly the first count matching packets. Measured on Linux 6.18 (see
	 * docs/faults.md).
	 */
	if (f->count)
		PUTW(b, "numgen inc mod %u < %u", TL_FAULT_NUMGEN_MOD, f->count);
}

int tl_fault_nft_rule(const struct tl_fault *f, uint16_t log_group, char *out, size_t len)
{
	struct sbuf b = { .out = out, .len = len };
	if (len)
		out[0] = '\0';
	put_nft_match(&b, f);
	PUTW(&b, "log group %u prefix \"%s%s\" drop", log_group, TL_FAULT_LOG_PREFIX, f->name);
	return b.used < len ? 0 : -1;
}

int tl_fault_nft_delay_rule(const struct tl_fault *f, uint32_t mark, const char *chain, char *out,
			    size_t len)
{
	struct sbuf b = { .out = out, .len = len };
	if (len)
		out[0] = '\0';
	put_nft_match(&b, f);
	PUTW(&b, "meta mark set 0x%08x jump %s", mark, chain);
	return b.used < len ? 0 : -1;
}
