/*
 * scenario: reads a scenario file (docs/scenario-format.md) into a struct
 * tl_scenario. A line is split into words (quoted strings unescaped), its
 * first word picks a handler, and the handler checks every argument before
 * anything is stored, so a scenario either parses completely or not at all.
 * The first error stops parsing and is reported as "FILE:LINE: message"; the
 * message names the word that was wrong and, where it helps, what would have
 * been accepted.
 */
#include "scenario/scenario.h"

#include "core/errnames.h"
#include "scenario/call.h"
#include "scenario/duration.h"
#include "scenario/flood.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Limits on everything a file can ask for, so a broken or hostile file fails
 * with a message instead of exhausting memory or overflowing a counter. */
#define MAX_FILE_BYTES (4u << 20)
#define MAX_WORDS 256 /* a full state list with arrows needs 3 + 64 + 63 */
#define MAX_STEPS 4096
#define MAX_EXPECTS 4096
#define MAX_SYSCTLS 256
#define MAX_SEND_BYTES 1048576
#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 2017

struct parser {
	const char *name; /* the file name, first in every message */
	int line;	  /* 0 while no line is being read: messages omit it */
	char *err;
	size_t errlen;
	struct tl_scenario *sc;
	int title_line, section_line, host_line, port_line; /* 0 until seen */
	int bind_line[3][TL_MAX_CONNS]; /* per connection: a bind no connect has taken yet, 0 when none */
	size_t steps_cap, expects_cap, sysctls_cap;
};

/* One line split into words. */
struct words {
	size_t n;
	char *w[MAX_WORDS];	/* unescaped, NUL-terminated */
	bool quoted[MAX_WORDS]; /* written as "..." (so never a keyword or '&') */
	size_t start[MAX_WORDS];/* offset of the word in the line as written */
	const char *line;	/* the line as written */
	size_t end;		/* end of the last word: comments and blanks cut */
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	if (!p->err || !p->errlen)
		return -1;
	int k = p->line > 0 ? snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line)
			    : snprintf(p->err, p->errlen, "%s: ", p->name);
	if (k >= 0 && (size_t)k < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A word as it appears in a message: at most 40 bytes, control characters
 * (from \n or \t escapes) shown as '?' so a message stays on one line. The
 * struct is a temporary that lives until the end of the printf call. */
struct shown {
	char s[48];
};

static struct shown show(const char *w)
{
	struct shown r;
	size_t i = 0;
	for (; w[i] && i < 40; i++)
		r.s[i] = iscntrl((unsigned char)w[i]) ? '?' : w[i];
	if (w[i]) {
		memcpy(r.s + i, "...", 3);
		i += 3;
	}
	r.s[i] = '\0';
	return r;
}

/*
 * Edit distance, for "did you mean" hints. Words are compared on their first
 * 31 bytes only: a hint for a longer word is not worth a bigger table.
 */
static size_t edit_distance(const char *a, const char *b, bool fold_case)
{
	size_t la = strnlen(a, 31), lb = strnlen(b, 31);
	size_t row[32];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = (unsigned char)a[i - 1], cb = (unsigned char)b[j - 1];
			if (fold_case) {
				ca = toupper(ca);
				cb = toupper(cb);
			}
			size_t best = diag + (ca != cb);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = row[j];
			row[j] = best;
		}
	}
	return row[lb];
}

/* The candidate nearest to word, or NULL when none is near enough to be a
 * plausible typo (at most 2 edits, or a third of the word). */
static const char *nearest(const char *word, const char *const *cands, size_t n, bool fold_case)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, len = strlen(word);
	size_t limit = len / 3 > 2 ? len / 3 : 2;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i], fold_case);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

/*
 * Splits one line (without its newline) into words. buf receives the
 * unescaped words; it needs len + 1 bytes, since a quoted word shrinks by its
 * quotes and a bare word's terminator takes the place of the blank after it
 * (or the one extra byte, at the end of the line).
 */
static int split_line(struct parser *p, const char *line, size_t len, char *buf, struct words *ws)
{
	size_t i = 0, o = 0;
	ws->n = 0;
	ws->line = line;
	ws->end = 0;
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len || line[i] == '#')
			return 0;
		if (ws->n == MAX_WORDS)
			return fail(p, "more than %d words on one line", MAX_WORDS);
		size_t start = i;
		char *w = buf + o;
		bool quoted = line[i] == '"';
		if (quoted) {
			i++;
			for (;;) {
				if (i >= len)
					return fail(p, "unterminated quote: the string opened at column %zu "
						       "does not end on this line", start + 1);
				char c = line[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i >= len)
						return fail(p, "unterminated quote: the string opened at "
							       "column %zu ends in a lone '\\'", start + 1);
					char e = line[i++];
					switch (e) {
					case 'n': c = '\n'; break;
					case 't': c = '\t'; break;
					case '\\': c = '\\'; break;
					case '"': c = '"'; break;
					default:
						return fail(p, "unknown escape '\\%c' at column %zu (expected "
							       "\\n, \\t, \\\\ or \\\")", isprint((unsigned char)e) ? e : '?', i - 1);
					}
				}
				buf[o++] = c;
			}
			if (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#')
				return fail(p, "text right after the closing quote at column %zu "
					       "(words are separated by blanks)", i + 1);
		} else {
			while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#') {
				if (line[i] == '"')
					return fail(p, "stray '\"' inside a word at column %zu "
						       "(a quoted string must start a word)", i + 1);
				buf[o++] = line[i++];
			}
		}
		buf[o++] = '\0';
		ws->w[ws->n] = w;
		ws->quoted[ws->n] = quoted;
		ws->start[ws->n] = start;
		ws->n++;
		ws->end = i;
	}
}

/* "1 word", "3 words": for the messages that count what they got. */
static const char *words_noun(size_t n)
{
	return n == 1 ? "word" : "words";
}

static bool is_word(const struct words *ws, size_t k, const char *s)
{
	return k < ws->n && !ws->quoted[k] && !strcmp(ws->w[k], s);
}

/*
 * The text after word k as written ("title", "explain", "drop" and
 * "snapshot" take the rest of the line); a single quoted word stands for its
 * unquoted text, so a title can hold a '#'.
 */
static const char *rest_of_line(const struct words *ws, size_t k, size_t *len)
{
	if (ws->n <= k) {
		*len = 0;
		return "";
	}
	if (ws->n == k + 1 && ws->quoted[k]) {
		*len = strlen(ws->w[k]);
		return ws->w[k];
	}
	*len = ws->end - ws->start[k];
	return ws->line + ws->start[k];
}

static int copy_text(struct parser *p, const char *what, char *dst, size_t size, const char *src,
		     size_t len)
{
	if (len >= size)
		return fail(p, "%s too long (%zu bytes, at most %zu)", what, len, size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/*
 * Takes a trailing '&' off the line. A bare '&' anywhere else is an error:
 * it would otherwise be read as an argument and give a puzzling message.
 */
static int take_background(struct parser *p, struct words *ws, bool *background)
{
	*background = false;
	for (size_t k = 0; k + 1 < ws->n; k++) {
		if (!is_word(ws, k, "&"))
			continue;
		if (is_word(ws, k + 1, "=>") && k + 2 < ws->n)
			return fail(p, "'&' must be the last word on the line, after the result: '=> %s &'",
				    show(ws->w[k + 2]).s);
		return fail(p, "'&' must be the last word on the line");
	}
	if (ws->n > 1 && is_word(ws, ws->n - 1, "&")) {
		ws->n--;
		*background = true;
	}
	return 0;
}

/* Lab steps, expectations and settings run in the script's own flow and
 * make no call: '&' and '=> RESULT' there have no meaning. */
static int refuse_background(struct parser *p, struct words *ws)
{
	bool bg;
	for (size_t k = 1; k < ws->n; k++)
		if (is_word(ws, k, "=>"))
			return fail(p, "'=>' only follows a client or server step, not '%s'", ws->w[0]);
	if (take_background(p, ws, &bg) < 0)
		return -1;
	if (bg)
		return fail(p, "'&' only follows a client or server step, not '%s'", ws->w[0]);
	return 0;
}

/* For lines whose rest is free text (a label, a fault rule): only a trailing
 * '&' is refused, since the text may hold '&' (a rule's bit mask). */
static int refuse_trailing_background(struct parser *p, struct words *ws)
{
	if (ws->n > 1 && is_word(ws, ws->n - 1, "&"))
		return fail(p, "'&' only follows a client or server step, not '%s'", ws->w[0]);
	return 0;
}

enum num_result { NUM_OK, NUM_NOT_NUMBER, NUM_RANGE };

/* A whole word as a decimal integer: errno, end pointer and range checked. */
static enum num_result parse_long(const char *s, long min, long max, long *out)
{
	if (!(*s == '-' || (*s >= '0' && *s <= '9')))
		return NUM_NOT_NUMBER;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		return NUM_NOT_NUMBER;
	if (errno == ERANGE || v < min || v > max)
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

static int number_arg(struct parser *p, const char *what, const char *s, long min, long max,
		      long *out)
{
	switch (parse_long(s, min, max, out)) {
	case NUM_OK:
		return 0;
	case NUM_NOT_NUMBER:
		return fail(p, "%s '%s' is not a number (expected %ld..%ld)", what, show(s).s, min, max);
	case NUM_RANGE:
		return fail(p, "%s %s out of range %ld..%ld", what, show(s).s, min, max);
	}
	return -1;
}

static int parse_duration(struct parser *p, const char *what, const char *s, uint64_t *out_ns)
{
	char why[256];
	if (tl_duration_parse(what, s, show(s).s, out_ns, why, sizeof(why)) < 0)
		return fail(p, "%s", why);
	return 0;
}

/* A connection's name: a lower-case letter, then letters, digits, '-' or '_'. */
static bool conn_name_ok(const char *name)
{
	if (!(*name >= 'a' && *name <= 'z'))
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

/*
 * "client", "server", or with conn non-NULL also "client:NAME": the side's
 * connection NAME (conn gets "" without one). A name where the line takes
 * none is refused.
 */
static int parse_side_conn(struct parser *p, const char *w, enum tl_side *side, char conn[TL_CONN_NAME_MAX])
{
	const char *colon = strchr(w, ':');
	size_t side_len = colon ? (size_t)(colon - w) : strlen(w);
	if (side_len == 6 && !strncmp(w, "client", 6))
		*side = TL_SIDE_CLIENT;
	else if (side_len == 6 && !strncmp(w, "server", 6))
		*side = TL_SIDE_SERVER;
	else
		return fail(p, "unknown side '%s' (expected client or server%s)", show(w).s,
			    conn ? ", or client:NAME / server:NAME for a named connection" : "");
	if (!colon) {
		if (conn)
			conn[0] = '\0';
		return 0;
	}
	if (!conn)
		return fail(p, "'%s': this line takes a side, not a connection (write %s)", show(w).s,
			    tl_side_name(*side));
	const char *name = colon + 1;
	if (strlen(name) >= TL_CONN_NAME_MAX)
		return fail(p, "connection name '%s' is longer than %d bytes", show(name).s, TL_CONN_NAME_MAX - 1);
	if (!conn_name_ok(name))
		return fail(p, "connection name '%s' after '%s:': a lower-case letter, then letters, digits, "
			       "'-' or '_'", show(name).s, tl_side_name(*side));
	if (!strcmp(name, TL_CONN_FLOOD))
		return fail(p, "connection name '%s' is taken: it names a flood's spoofed peers", name);
	snprintf(conn, TL_CONN_NAME_MAX, "%s", name);
	return 0;
}

static int parse_side(struct parser *p, const char *w, enum tl_side *side)
{
	return parse_side_conn(p, w, side, NULL);
}

/* The slot of side's connection `name` in the scenario's table, added on first use. */
static int conn_slot(struct parser *p, enum tl_side side, const char *name, unsigned *slot)
{
	struct tl_conn_names *cn = &p->sc->conns[side];
	for (size_t i = 0; i < cn->n; i++)
		if (!strcmp(cn->name[i], name)) {
			*slot = (unsigned)i;
			return 0;
		}
	if (cn->n == TL_MAX_CONNS)
		return fail(p, "'%s:%s': a side names at most %d connections", tl_side_name(side), name,
			    TL_MAX_CONNS - 1);
	snprintf(cn->name[cn->n], TL_CONN_NAME_MAX, "%s", name);
	*slot = (unsigned)cn->n++;
	return 0;
}

static int parse_state(struct parser *p, const char *w, enum tl_state *state)
{
	if (tl_state_parse(w, state))
		return 0;
	const char *names[2 * TL_STATE_COUNT];
	size_t n = 0;
	for (int s = TL_ESTABLISHED; s < TL_STATE_COUNT; s++) {
		names[n++] = tl_state_name((enum tl_state)s);
		names[n++] = tl_state_rfc_name((enum tl_state)s);
	}
	const char *hint = nearest(w, names, n, true);
	return fail(p, "unknown state '%s' (expected a TCP state name such as %s)", show(w).s,
		    hint ? hint : "ESTABLISHED");
}

static int parse_host(struct parser *p, const char *w, char *dst, size_t size)
{
	struct tl_addr a;
	if (!tl_addr_parse(w, &a))
		return fail(p, "host '%s' is not an IP address (expected e.g. 127.0.0.1 or ::1)", show(w).s);
	return copy_text(p, "host", dst, size, w, strlen(w));
}

static void *grow(struct parser *p, void *arr, size_t n, size_t *cap, size_t size, size_t max,
		  const char *what)
{
	if (n < *cap)
		return arr;
	if (n >= max) {
		fail(p, "more than %zu %s", max, what);
		return NULL;
	}
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	void *q = realloc(arr, ncap * size);
	if (!q) {
		fail(p, "out of memory");
		return NULL;
	}
	*cap = ncap;
	return q;
}

/* Appends st, which owns its data and fault; on failure they are freed. */
static int add_step(struct parser *p, struct tl_step *st)
{
	struct tl_scenario *sc = p->sc;
	struct tl_step *a = grow(p, sc->steps, sc->n_steps, &p->steps_cap, sizeof(*a), MAX_STEPS, "steps");
	if (!a) {
		free(st->data);
		free(st->fault);
		return -1;
	}
	sc->steps = a;
	a[sc->n_steps++] = *st;
	return 0;
}

static int add_expect(struct parser *p, const struct tl_expect *e)
{
	struct tl_scenario *sc = p->sc;
	struct tl_expect *a =
		grow(p, sc->expects, sc->n_expects, &p->expects_cap, sizeof(*a), MAX_EXPECTS, "expectations");
	if (!a)
		return -1;
	sc->expects = a;
	a[sc->n_expects++] = *e;
	return 0;
}

/* ---- header lines ---- */

static int once(struct parser *p, const char *kw, int *seen_line)
{
	if (*seen_line)
		return fail(p, "duplicate '%s' (first at line %d)", kw, *seen_line);
	*seen_line = p->line;
	return 0;
}

static int parse_title(struct parser *p, struct words *ws)
{
	bool is_title = !strcmp(ws->w[0], "title");
	size_t len;
	const char *text = rest_of_line(ws, 1, &len);
	if (once(p, ws->w[0], is_title ? &p->title_line : &p->section_line) < 0)
		return -1;
	if (!len)
		return fail(p, "'%s' needs text", ws->w[0]);
	if (is_title)
		return copy_text(p, "title", p->sc->title, sizeof(p->sc->title), text, len);
	return copy_text(p, "section", p->sc->section, sizeof(p->sc->section), text, len);
}

static int parse_explain(struct parser *p, struct words *ws)
{
	char *dst = p->sc->explain;
	size_t len, used = strlen(dst), cap = sizeof(p->sc->explain);
	const char *text = rest_of_line(ws, 1, &len);
	if (!len)
		return fail(p, "'explain' needs text");
	size_t sep = used ? 1 : 0;
	if (used + sep + len >= cap)
		return fail(p, "explanation too long (%zu bytes with this line, at most %zu in all)",
			    used + sep + len, cap - 1);
	if (sep)
		dst[used++] = ' ';
	memcpy(dst + used, text, len);
	dst[used + len] = '\0';
	return 0;
}

static int parse_host_line(struct parser *p, struct words *ws)
{
	if (refuse_background(p, ws) < 0 || once(p, "host", &p->host_line) < 0)
		return -1;
	if (ws->n != 2)
		return fail(p, "'host' takes one IP address, got %zu %s", ws->n - 1, words_noun(ws->n - 1));
	return parse_host(p, ws->w[1], p->sc->host, sizeof(p->sc->host));
}

static int parse_port_line(struct parser *p, struct words *ws)
{
	long v = 0;
	if (refuse_background(p, ws) < 0 || once(p, "port", &p->port_line) < 0)
		return -1;
	if (ws->n != 2)
		return fail(p, "'port' takes one number, got %zu %s", ws->n - 1, words_noun(ws->n - 1));
	if (number_arg(p, "port", ws->w[1], 1, 65535, &v) < 0)
		return -1;
	p->sc->port = (uint16_t)v;
	return 0;
}

/* Only net.* sysctls are per network namespace; anything else would change
 * the host. Path tricks ("..", "/") are ruled out by the character set. */
static bool sysctl_name_ok(const char *name)
{
	if (strncmp(name, "net.", 4) != 0 || strstr(name, "..") || name[strlen(name) - 1] == '.')
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.'))
			return false;
	return true;
}

static int parse_sysctl(struct parser *p, struct words *ws)
{
	const char *name, *value;
	char joined[256] = "";
	if (refuse_background(p, ws) < 0)
		return -1;
	if (ws->n == 2 && !ws->quoted[1] && strchr(ws->w[1], '=')) {
		/* "NAME=VALUE" in one word, as sysctl(8) writes it */
		if (copy_text(p, "sysctl", joined, sizeof(joined), ws->w[1], strlen(ws->w[1])) < 0)
			return -1;
		char *eq = strchr(joined, '=');
		*eq = '\0';
		name = joined;
		value = eq + 1;
	} else if (ws->n == 3 && !is_word(ws, 2, "=")) {
		name = ws->w[1];
		value = ws->w[2];
	} else if (ws->n == 4 && is_word(ws, 2, "=")) {
		name = ws->w[1];
		value = ws->w[3];
	} else if (ws->n == 3) {
		return fail(p, "sysctl %s needs a value", show(ws->w[1]).s);
	} else {
		return fail(p, "'sysctl' takes NAME [=] VALUE, got %zu %s", ws->n - 1, words_noun(ws->n - 1));
	}
	if (!sysctl_name_ok(name))
		return fail(p, "sysctl name '%s' is not a network sysctl (expected net. followed by "
			       "lower-case letters, digits, '_' and '.', e.g. net.ipv4.tcp_fin_timeout)",
			    show(name).s);
	if (!*value)
		return fail(p, "sysctl %s needs a value", name);
	for (const char *c = value; *c; c++)
		if (iscntrl((unsigned char)*c) && *c != '\t')
			return fail(p, "sysctl %s: the value holds a control character", name);

	struct tl_scenario *sc = p->sc;
	for (size_t i = 0; i < sc->n_sysctls; i++)
		if (!strcmp(sc->sysctls[i].name, name))
			return fail(p, "sysctl %s already set at line %d", name, sc->sysctls[i].line);
	struct tl_sysctl s = { .line = p->line };
	if (copy_text(p, "sysctl name", s.name, sizeof(s.name), name, strlen(name)) < 0 ||
	    copy_text(p, "sysctl value", s.value, sizeof(s.value), value, strlen(value)) < 0)
		return -1;
	struct tl_sysctl *a =
		grow(p, sc->sysctls, sc->n_sysctls, &p->sysctls_cap, sizeof(*a), MAX_SYSCTLS, "sysctls");
	if (!a)
		return -1;
	sc->sysctls = a;
	a[sc->n_sysctls++] = s;
	return 0;
}

/* ---- side steps ---- */

static const char *const verb_names[] = {
	"listen", "accept", "connect", "send", "recv", "shutdown", "close", "abort", "setsockopt", "bind",
	"poll-connect", "open", "churn", "serve",
};
static const enum tl_step_kind verb_kinds[] = {
	TL_STEP_LISTEN, TL_STEP_ACCEPT, TL_STEP_CONNECT, TL_STEP_SEND, TL_STEP_RECV,
	TL_STEP_SHUTDOWN, TL_STEP_CLOSE, TL_STEP_ABORT, TL_STEP_SETSOCKOPT, TL_STEP_BIND,
	TL_STEP_POLL_CONNECT, TL_STEP_OPEN, TL_STEP_CHURN, TL_STEP_SERVE,
};
#define N_VERBS (sizeof(verb_names) / sizeof(verb_names[0]))
#define VERB_LIST \
	"listen, accept, connect, send, recv, shutdown, close, abort, setsockopt, bind, poll-connect, open, churn or serve"

bool tl_scenario_has_many(const struct tl_scenario *sc)
{
	for (size_t i = 0; i < sc->n_steps; i++)
		if (sc->steps[i].kind == TL_STEP_FLOOD || tl_step_is_crowd(&sc->steps[i]))
			return true;
	return false;
}

const char *tl_step_verb(enum tl_step_kind kind)
{
	for (size_t v = 0; v < N_VERBS; v++)
		if (verb_kinds[v] == kind)
			return verb_names[v];
	return NULL;
}

static int parse_endpoint(struct parser *p, struct tl_step *st, const char *what, char **args,
			  size_t nargs);

/* A bind fixes where the side's next connect comes from; a listen names its own address. */
static int check_bind_order(struct parser *p, const struct tl_step *st, const char *what)
{
	int *bound = &p->bind_line[st->side][st->conn_slot];
	switch (st->kind) {
	case TL_STEP_BIND:
		if (*bound)
			return fail(p, "'%s': the socket bound at line %d has not connected yet", what, *bound);
		*bound = p->line;
		return 0;
	case TL_STEP_LISTEN:
		if (*bound)
			return fail(p, "'%s' after the bind at line %d: listen takes its own [HOST] [PORT]; bind is for connect",
				    what, *bound);
		return 0;
	case TL_STEP_CONNECT:
		*bound = 0;
		return 0;
	default:
		return 0;
	}
}

/* [HOST] [PORT] [backlog N] */
static int parse_listen(struct parser *p, struct tl_step *st, const char *what, char **args, size_t nargs)
{
	if (nargs >= 2 && !strcmp(args[nargs - 2], "backlog")) {
		long v;
		if (number_arg(p, "backlog", args[nargs - 1], 0, 65535, &v) < 0)
			return -1;
		st->backlog = (int)v;
		st->backlog_set = true;
		nargs -= 2;
	}
	return parse_endpoint(p, st, what, args, nargs);
}

/* [HOST] [PORT]: one word is a host if it reads as an address, else a port.
 * Missing parts stay empty/0 and get the scenario's defaults at the end, so
 * "host" and "port" lines may come anywhere in the file. */
static int parse_endpoint(struct parser *p, struct tl_step *st, const char *what, char **args,
			  size_t nargs)
{
	struct tl_addr a;
	long v = 0;
	if (nargs > 2)
		return fail(p, "'%s' takes [HOST] [PORT], got %zu %s", what, nargs, words_noun(nargs));
	if (nargs == 2) {
		if (parse_host(p, args[0], st->host, sizeof(st->host)) < 0 ||
		    number_arg(p, "port", args[1], 1, 65535, &v) < 0)
			return -1;
		st->port = (uint16_t)v;
	}
	if (nargs == 1) {
		if (tl_addr_parse(args[0], &a))
			return copy_text(p, "host", st->host, sizeof(st->host), args[0], strlen(args[0]));
		if (parse_long(args[0], LONG_MIN, LONG_MAX, &v) == NUM_NOT_NUMBER)
			return fail(p, "'%s': '%s' is neither an IP address nor a port", what,
				    show(args[0]).s);
		if (number_arg(p, "port", args[0], 1, 65535, &v) < 0)
			return -1;
		st->port = (uint16_t)v;
	}
	return 0;
}

static int parse_crowd_count(struct parser *p, struct tl_step *st, const char *what, const char *w)
{
	long n;
	if (number_arg(p, what, w, 1, TL_CROWD_MAX, &n) < 0)
		return -1;
	st->count = (size_t)n;
	return 0;
}

/* open|churn|serve N [every DURATION]: the side's crowd, never a named connection. */
static int parse_crowd(struct parser *p, struct tl_step *st, const char *what, char **args, size_t nargs)
{
	if (st->conn[0])
		return fail(p, "'%s': the crowd is the side's, not a connection's (drop ':%s')", what, st->conn);
	bool paced = st->kind != TL_STEP_SERVE;
	if (nargs != 1 && !(paced && nargs == 3))
		return fail(p, paced ? "'%s' takes N [every DURATION], e.g. %s 100 every 1ms" : "'%s' takes N, e.g. %s 100",
			    what, what);
	if (parse_crowd_count(p, st, what, args[0]) < 0)
		return -1;
	if (nargs == 3 && strcmp(args[1], "every"))
		return fail(p, "'%s %s' then '%s': expected every DURATION", what, args[0], show(args[1]).s);
	return nargs == 3 ? parse_duration(p, "every", args[2], &st->duration_ns) : 0;
}

static int parse_send(struct parser *p, struct tl_step *st, const char *what, struct words *ws)
{
	char **args = ws->w + 2;
	size_t nargs = ws->n - 2;
	long n = 0;
	if (nargs == 1 && ws->quoted[2]) {
		size_t len = strlen(args[0]);
		if (len == 0)
			return fail(p, "'%s' needs at least one byte", what);
		if (len > MAX_SEND_BYTES)
			return fail(p, "'%s' text too long (%zu bytes, at most %d)", what, len, MAX_SEND_BYTES);
		st->data = malloc(len);
		if (!st->data)
			return fail(p, "out of memory");
		memcpy(st->data, args[0], len);
		st->data_len = len;
		return 0;
	}
	if (nargs == 2 && is_word(ws, 3, "bytes")) {
		if (number_arg(p, "byte count", args[0], 1, MAX_SEND_BYTES, &n) < 0)
			return -1;
		st->data = malloc((size_t)n);
		if (!st->data)
			return fail(p, "out of memory");
		memset(st->data, 'x', (size_t)n);
		st->data_len = (size_t)n;
		return 0;
	}
	return fail(p, "'%s' takes \"TEXT\" (in double quotes) or N bytes, got %zu %s", what, nargs, words_noun(nargs));
}

/* NAME VALUE, both checked against the option table (scenario/sockopt.h). */
static int parse_setsockopt(struct parser *p, struct tl_step *st, const char *what, char **args,
			    size_t nargs)
{
	char names[256];
	tl_sockopt_words(names, sizeof(names));
	if (nargs != 2)
		return fail(p, "'%s' takes NAME VALUE (NAME one of %s), got %zu %s", what, names, nargs,
			    words_noun(nargs));
	const struct tl_sockopt_info *o = tl_sockopt_find(args[0]);
	if (!o)
		return fail(p, "unknown socket option '%s' (expected %s)", show(args[0]).s, names);
	st->opt = o->opt;
	if (o->unit == TL_UNIT_SWITCH) {
		if (strcmp(args[1], "on") && strcmp(args[1], "off"))
			return fail(p, "%s takes on or off, got '%s'", o->word, show(args[1]).s);
		st->opt_value = !strcmp(args[1], "on");
		return 0;
	}
	long v = 0;
	if (number_arg(p, o->word, args[1], o->min, o->max, &v) < 0)
		return -1;
	st->opt_value = (int)v;
	return 0;
}

/* ---- call results: "expect SIDE VERB RESULT" and a step's "=> RESULT" ---- */

/* The results a place accepts, for the message about a word it does not. */
struct result_forms {
	const char *forms;   /* "ok, any or an errno name" */
	const char *example; /* an errno name the call often returns, when no near one is found */
};

static const struct result_forms expect_line_forms = { "ok, any or an errno name", "ECONNREFUSED" };

/* Below, with the expectations: ok, any or an errno name. */

static int parse_result(struct parser *p, const char *w, const char *owner, struct result_forms f,
			struct tl_expect *e);

/* What a call returns when it succeeds, which decides the numbers its "=> RESULT" may say. */
enum call_returns {
	RETURNS_ZERO,	     /* 0: "=> 0" is "=> ok" */
	RETURNS_SENT,	     /* the bytes sent, at most the step's own */
	RETURNS_RECEIVED,    /* the bytes received, 0 at end of file; also "TEXT" */
	RETURNS_DESCRIPTOR,  /* a new descriptor: no number to expect */
	RETURNS_COUNT,	     /* a crowd step: how many connections it made, at most the step's own */
};

#define RETURNS_ZERO_FORMS "ok, 0, any or an errno name"
#define RETURNS_COUNT_FORMS "ok, any, the number of connections or an errno name"

/* Per verb, in verb_names order: what its call returns, and an errno it often fails with. */
static const struct verb_result {
	enum call_returns returns;
	struct result_forms forms;
} verb_results[] = {
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "EADDRINUSE" } },				   /* listen */
	{ RETURNS_DESCRIPTOR, { "ok, any or an errno name", "EINVAL" } },		   /* accept */
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "ECONNREFUSED" } },			   /* connect */
	{ RETURNS_SENT, { "ok, any, the byte count sent or an errno name", "EPIPE" } },	   /* send */
	{ RETURNS_RECEIVED,
	  { "ok, any, a byte count (0: end of file), \"TEXT\" or an errno name", "ECONNRESET" } }, /* recv */
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "ENOTCONN" } },				   /* shutdown */
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "EBADF" } },				   /* close */
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "EBADF" } },				   /* abort */
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "EINVAL" } },				   /* setsockopt */
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "EADDRINUSE" } },			   /* bind */
	{ RETURNS_ZERO, { RETURNS_ZERO_FORMS, "ECONNREFUSED" } },			   /* poll-connect */
	{ RETURNS_COUNT, { RETURNS_COUNT_FORMS, "EADDRNOTAVAIL" } },			   /* open */
	{ RETURNS_COUNT, { RETURNS_COUNT_FORMS, "EADDRNOTAVAIL" } },			   /* churn */
	{ RETURNS_COUNT, { RETURNS_COUNT_FORMS, "EMFILE" } },				   /* serve */
};
_Static_assert(sizeof(verb_results) / sizeof(verb_results[0]) == N_VERBS, "one verb_results entry per verb");

/* "=> N": the value the call returns. Only what the call can return is accepted. */
static int parse_result_count(struct parser *p, const struct tl_step *st, const struct verb_result *vr,
			      const char *what, const char *w, struct tl_expect *e)
{
	char name[48];
	long n = 0;
	snprintf(name, sizeof(name), "'%s' result", what);
	switch (vr->returns) {
	case RETURNS_DESCRIPTOR:
		return fail(p, "'%s' returns a new descriptor, not a number to expect: write => ok, not '%s'",
			    what, show(w).s);
	case RETURNS_SENT:
		if (number_arg(p, name, w, 1, (long)st->data_len, &n) < 0)
			return -1;
		break;
	case RETURNS_RECEIVED:
		if (number_arg(p, name, w, 0, TL_RECV_BYTES, &n) < 0)
			return -1;
		break;
	case RETURNS_COUNT:
		if (number_arg(p, name, w, 0, (long)st->count, &n) < 0)
			return -1;
		break;
	case RETURNS_ZERO:
		if (strcmp(w, "0") != 0)
			return fail(p, "'%s' returns 0 when it succeeds: write => 0 or => ok, not '%s'", what,
				    show(w).s);
		break;
	}
	e->want_ret = true;
	e->ret = n;
	return 0;
}

/* '=> "TEXT"': the bytes a recv returns, all of them. */
static int parse_result_text(struct parser *p, const struct verb_result *vr, const char *what, const char *w,
			     struct tl_expect *e)
{
	size_t len = strlen(w);
	if (vr->returns != RETURNS_RECEIVED)
		return fail(p, "'%s': a quoted result is what a recv returns (expected %s)", what, vr->forms.forms);
	if (!len)
		return fail(p, "'%s' result \"\": write => 0 for end of file", what);
	if (len > TL_APP_DATA_BYTES)
		return fail(p, "'%s' result text too long (%zu bytes, at most %d; => N checks a count)", what, len,
			    TL_APP_DATA_BYTES);
	memcpy(e->text, w, len);
	e->text_len = len;
	return 0;
}

/* A step's "=> RESULT" (w) as the expectation of that step's own call; v is the step's verb. */
static int parse_step_result(struct parser *p, const struct tl_step *st, size_t v, const char *what,
			     const char *w, bool quoted, struct tl_expect *e)
{
	const struct verb_result *vr = &verb_results[v];
	char owner[48];
	snprintf(owner, sizeof(owner), " for '%s'", what);
	e->kind = TL_EXPECT_CALL;
	e->side = st->side;
	memcpy(e->conn, st->conn, sizeof(e->conn));
	e->line = st->line;
	e->of_step = true;
	snprintf(e->verb, sizeof(e->verb), "%s", verb_names[v]);
	if (quoted)
		return parse_result_text(p, vr, what, w, e);
	if (isdigit((unsigned char)w[0]) || w[0] == '-')
		return parse_result_count(p, st, vr, what, w, e);
	return parse_result(p, w, owner, vr->forms, e);
}

/* A word made of '=', '-' and '>' only, such as "->" or "=": most likely a mistyped "=>". */
static bool looks_like_arrow(const char *w)
{
	return w[0] && strspn(w, "=->") == strlen(w) && strcmp(w, "=>") != 0;
}

/*
 * Takes a trailing "=> RESULT" off a side step (after its '&' is taken):
 * *result is the RESULT word, NULL without one. A mistyped arrow is refused
 * here, where the hint is plain, rather than as a puzzling extra argument.
 */
static int take_result(struct parser *p, struct words *ws, const char **result, bool *quoted)
{
	size_t at = 0;
	*result = NULL;
	for (size_t k = 1; k < ws->n; k++) {
		const char *w = ws->w[k];
		if (ws->quoted[k])
			continue;
		if (!strcmp(w, "=>")) {
			if (at)
				return fail(p, "a step takes one '=>', and this line has two");
			at = k;
		} else if (!strncmp(w, "=>", 2)) {
			return fail(p, "'%s': put a blank after '=>' ('=> %s')", show(w).s, show(w + 2).s);
		} else if (looks_like_arrow(w)) {
			return fail(p, "unknown word '%s' (did you mean '=>'?)", show(w).s);
		}
	}
	if (!at)
		return 0;
	if (at < 2)
		return fail(p, "'%s' needs a step before '=>' (expected " VERB_LIST ")", ws->w[0]);
	if (at + 1 == ws->n)
		return fail(p, "'=>' needs a RESULT after it, e.g. => ok, => 0 or => EPIPE");
	if (at + 2 < ws->n)
		return fail(p, "'=>' takes one RESULT, got %zu words", ws->n - at - 1);
	*result = ws->w[at + 1];
	*quoted = ws->quoted[at + 1];
	ws->n = at;
	return 0;
}

/*
 * The line as written, for the name of its check: "client send 10 bytes =>
 * EPIPE". Blanks outside quotes run together; cut with "..." to fit.
 */
static void written_text(const struct words *ws, char *out, size_t size)
{
	char all[256];
	size_t o = 0;
	bool in_quote = false, blank = false;
	for (size_t i = ws->start[0]; i < ws->end && o + 4 < sizeof(all); i++) { /* 3 bytes at most a turn */
		char c = ws->line[i];
		if (!in_quote && (c == ' ' || c == '\t')) {
			blank = true;
			continue;
		}
		if (blank)
			all[o++] = ' ';
		blank = false;
		if (c == '"')
			in_quote = !in_quote;
		else if (c == '\\' && in_quote && i + 1 < ws->end)
			all[o++] = ws->line[i++]; /* an escaped quote does not end the string */
		all[o++] = iscntrl((unsigned char)ws->line[i]) ? '?' : ws->line[i];
	}
	all[o] = '\0';
	if (o < size) {
		memcpy(out, all, o + 1);
		return;
	}
	memcpy(out, all, size - 4);
	memcpy(out + size - 4, "...", 4);
}

static int parse_side_step(struct parser *p, struct words *ws)
{
	struct tl_step st = { .line = p->line };
	struct tl_expect result = { 0 };
	const char *result_word = NULL;
	bool result_quoted = false;
	written_text(ws, result.written, sizeof(result.written));
	if (take_background(p, ws, &st.background) < 0 || take_result(p, ws, &result_word, &result_quoted) < 0 ||
	    parse_side_conn(p, ws->w[0], &st.side, st.conn) < 0 || conn_slot(p, st.side, st.conn, &st.conn_slot) < 0)
		return -1;
	if (ws->n < 2)
		return fail(p, "'%s' needs a step (expected " VERB_LIST ")", ws->w[0]);

	const char *verb = ws->w[1];
	size_t v = 0;
	while (v < N_VERBS && (ws->quoted[1] || strcmp(verb, verb_names[v]) != 0))
		v++;
	if (v == N_VERBS) {
		const char *hint = nearest(verb, verb_names, N_VERBS, false);
		if (hint)
			return fail(p, "unknown %s step '%s' (did you mean '%s'?)", ws->w[0], show(verb).s, hint);
		return fail(p, "unknown %s step '%s' (expected " VERB_LIST ")", ws->w[0], show(verb).s);
	}
	st.kind = verb_kinds[v];

	char what[32];
	snprintf(what, sizeof(what), "%s %s", ws->w[0], verb_names[v]);
	char **args = ws->w + 2;
	size_t nargs = ws->n - 2;
	int rc = 0;
	switch (st.kind) {
	case TL_STEP_LISTEN:
		if (st.conn[0])
			return fail(p, "'%s': a side has one listener, which takes no connection name "
				       "(name the connections it accepts: %s:%s accept)", ws->w[0], tl_side_name(st.side), st.conn);
		rc = parse_listen(p, &st, what, args, nargs);
		break;
	case TL_STEP_CONNECT:
		if (nargs && !ws->quoted[1 + nargs] && !strcmp(args[nargs - 1], "nonblock")) {
			st.nonblock = true;
			nargs--;
		}
		for (size_t k = 0; k < nargs; k++)
			if (!strcmp(args[k], "nonblock"))
				return fail(p, "'%s': 'nonblock' comes last, after [HOST] [PORT]", what);
		rc = parse_endpoint(p, &st, what, args, nargs);
		break;
	case TL_STEP_BIND:
		rc = parse_endpoint(p, &st, what, args, nargs);
		if (rc == 0 && !st.port)
			rc = fail(p, "'%s' takes [HOST] PORT: the port to connect from", what);
		break;
	case TL_STEP_SEND:
		rc = parse_send(p, &st, what, ws);
		break;
	case TL_STEP_OPEN:
	case TL_STEP_CHURN:
	case TL_STEP_SERVE:
		rc = parse_crowd(p, &st, what, args, nargs);
		break;
	case TL_STEP_SHUTDOWN:
		if (nargs != 1)
			rc = fail(p, "'%s' takes rd, wr or rdwr, got %zu %s", what, nargs, words_noun(nargs));
		else if (!strcmp(args[0], "rd"))
			st.shutdown_how = SHUT_RD;
		else if (!strcmp(args[0], "wr"))
			st.shutdown_how = SHUT_WR;
		else if (!strcmp(args[0], "rdwr"))
			st.shutdown_how = SHUT_RDWR;
		else
			rc = fail(p, "'%s': unknown direction '%s' (expected rd, wr or rdwr)", what,
				  show(args[0]).s);
		break;
	case TL_STEP_SETSOCKOPT:
		rc = parse_setsockopt(p, &st, what, args, nargs);
		break;
	case TL_STEP_CLOSE:
		if (nargs == 1 && !ws->quoted[2] && !strcmp(args[0], "listener") && st.conn[0])
			rc = fail(p, "'%s close listener': the listener is the side's, not a connection's (write %s close listener)",
				  ws->w[0], tl_side_name(st.side));
		else if (nargs == 1 && !ws->quoted[2] && !strcmp(args[0], "listener"))
			st.on_listener = true;
		else if (nargs == 1 && !ws->quoted[2] && !strcmp(args[0], "all") && st.conn[0])
			rc = fail(p, "'%s close all': the crowd is the side's, not a connection's (write %s close all)",
				  ws->w[0], tl_side_name(st.side));
		else if ((nargs == 1 || nargs == 3) && !ws->quoted[2] && !strcmp(args[0], "all")) {
			st.all = true;
			if (nargs == 3 && strcmp(args[1], "every"))
				rc = fail(p, "'%s all' then '%s': expected every DURATION", what, show(args[1]).s);
			else if (nargs == 3)
				rc = parse_duration(p, "every", args[2], &st.duration_ns);
		}
		else if (nargs)
			rc = fail(p, "'%s' takes nothing, 'listener' (the listening socket) or 'all' (the side's crowd), got '%s'",
				  what, show(args[0]).s);
		break;
	case TL_STEP_ACCEPT:
		if (nargs == 1 && st.conn[0])
			rc = fail(p, "'%s N': the crowd is the side's, not a connection's (write %s accept N)", ws->w[0],
				  tl_side_name(st.side));
		else if (nargs == 1 && parse_long(args[0], LONG_MIN, LONG_MAX, &(long){ 0 }) != NUM_NOT_NUMBER)
			rc = parse_crowd_count(p, &st, what, args[0]);
		else if (nargs)
			rc = fail(p, "'%s' takes nothing, or N to accept N connections into the side's crowd, got '%s'", what,
				  show(args[0]).s);
		break;
	case TL_STEP_RECV:
	case TL_STEP_ABORT:
	case TL_STEP_POLL_CONNECT:
		if (nargs)
			rc = fail(p, "'%s' takes no arguments, got %zu %s", what, nargs, words_noun(nargs));
		break;
	case TL_STEP_SLEEP:
	case TL_STEP_SNAPSHOT:
	case TL_STEP_JOIN:
	case TL_STEP_WAIT_STATE:
	case TL_STEP_WAIT_GONE:
	case TL_STEP_FAULT:
	case TL_STEP_UNFAULT:
	case TL_STEP_INJECT:
	case TL_STEP_FLOOD:
		break; /* lab steps: never from verb_kinds */
	}
	if (rc == 0)
		rc = check_bind_order(p, &st, what);
	if (rc == 0 && result_word)
		rc = parse_step_result(p, &st, v, what, result_word, result_quoted, &result);
	if (rc < 0) {
		free(st.data);
		return -1;
	}
	if (add_step(p, &st) < 0)
		return -1;
	return result_word ? add_expect(p, &result) : 0;
}

/* ---- lab steps ---- */

static int parse_sleep(struct parser *p, struct words *ws)
{
	struct tl_step st = { .kind = TL_STEP_SLEEP, .side = TL_SIDE_NONE, .line = p->line };
	if (refuse_background(p, ws) < 0)
		return -1;
	if (ws->n != 2)
		return fail(p, "'sleep' takes one DURATION (e.g. 200ms), got %zu %s", ws->n - 1, words_noun(ws->n - 1));
	if (parse_duration(p, "sleep", ws->w[1], &st.duration_ns) < 0)
		return -1;
	return add_step(p, &st);
}

static int parse_snapshot(struct parser *p, struct words *ws)
{
	struct tl_step st = { .kind = TL_STEP_SNAPSHOT, .side = TL_SIDE_NONE, .line = p->line };
	size_t len;
	if (refuse_trailing_background(p, ws) < 0)
		return -1;
	const char *label = rest_of_line(ws, 1, &len);
	if (copy_text(p, "snapshot label", st.label, sizeof(st.label), label, len) < 0)
		return -1;
	return add_step(p, &st);
}

#define WAIT_USAGE "'wait' takes SIDE, SIDE state STATE [timeout DURATION] or SIDE gone [timeout DURATION]"

static int parse_wait(struct parser *p, struct words *ws)
{
	struct tl_step st = { .line = p->line };
	size_t timeout_at;
	if (refuse_background(p, ws) < 0)
		return -1;
	if (ws->n < 2)
		return fail(p, WAIT_USAGE);
	if (parse_side(p, ws->w[1], &st.side) < 0)
		return -1;
	if (ws->n == 2) {
		st.kind = TL_STEP_JOIN;
		return add_step(p, &st);
	}
	if (is_word(ws, 2, "state")) {
		if (ws->n != 4 && ws->n != 6)
			return fail(p, "'wait %s state' takes STATE [timeout DURATION], got %zu %s",
				    ws->w[1], ws->n - 3, words_noun(ws->n - 3));
		if (parse_state(p, ws->w[3], &st.state) < 0)
			return -1;
		st.kind = TL_STEP_WAIT_STATE;
		timeout_at = 4;
	} else if (is_word(ws, 2, "gone")) {
		if (ws->n != 3 && ws->n != 5)
			return fail(p, "'wait %s gone' takes [timeout DURATION], got %zu %s", ws->w[1],
				    ws->n - 3, words_noun(ws->n - 3));
		st.kind = TL_STEP_WAIT_GONE;
		timeout_at = 3;
	} else {
		return fail(p, "'wait %s' then '%s': expected state or gone", ws->w[1], show(ws->w[2]).s);
	}
	if (ws->n > timeout_at) {
		if (!is_word(ws, timeout_at, "timeout"))
			return fail(p, "expected 'timeout' after the wait condition, got '%s'",
				    show(ws->w[timeout_at]).s);
		if (parse_duration(p, "timeout", ws->w[timeout_at + 1], &st.duration_ns) < 0)
			return -1;
	}
	return add_step(p, &st);
}

#define INJECT_USAGE "'inject' takes SIDE[:NAME] FLAGS [seq +N] [ack +N]"
#define MAX_INJECT_OFFSET 2147483647L

/* "+N" or "-N" (or N): an offset to a sequence or acknowledgment number. */
static int parse_offset(struct parser *p, const char *what, const char *w, int64_t *out)
{
	long v;
	if (number_arg(p, what, w[0] == '+' ? w + 1 : w, -MAX_INJECT_OFFSET, MAX_INJECT_OFFSET, &v) < 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_inject(struct parser *p, struct words *ws)
{
	struct tl_step st = { .kind = TL_STEP_INJECT, .line = p->line };
	unsigned slot;
	if (refuse_background(p, ws) < 0)
		return -1;
	if (ws->n < 3 || ws->n % 2 == 0)
		return fail(p, INJECT_USAGE);
	if (parse_side_conn(p, ws->w[1], &st.side, st.conn) < 0 || conn_slot(p, st.side, st.conn, &slot) < 0)
		return -1;
	st.conn_slot = slot;
	if (ws->quoted[2] || !tl_flags_parse(ws->w[2], &st.inject_flags) || !st.inject_flags)
		return fail(p, "'inject': '%s' is not a segment's flags in tcpdump's letters (S, S., ., P., F., R, R.)",
			    show(ws->w[2]).s);
	bool seq_seen = false, ack_seen = false;
	for (size_t k = 3; k + 1 < ws->n; k += 2) {
		bool *seen = is_word(ws, k, "seq") ? &seq_seen : is_word(ws, k, "ack") ? &ack_seen : NULL;
		if (!seen || *seen)
			return fail(p, "'inject': expected seq +N or ack +N (each once), got '%s'", show(ws->w[k]).s);
		*seen = true;
		if (parse_offset(p, ws->w[k], ws->w[k + 1],
				 seen == &seq_seen ? &st.inject_seq_offset : &st.inject_ack_offset) < 0)
			return -1;
	}
	return add_step(p, &st);
}

#define FLOOD_USAGE "'flood' takes syn N [every DURATION] (e.g. flood syn 200 every 1ms)"

static int parse_flood(struct parser *p, struct words *ws)
{
	struct tl_step st = { .kind = TL_STEP_FLOOD, .side = TL_SIDE_NONE, .line = p->line };
	long n;
	if (refuse_background(p, ws) < 0)
		return -1;
	if ((ws->n != 3 && ws->n != 5) || !is_word(ws, 1, "syn"))
		return fail(p, FLOOD_USAGE);
	if (number_arg(p, "flood syn", ws->w[2], 1, TL_FLOOD_MAX, &n) < 0)
		return -1;
	st.count = (size_t)n;
	if (ws->n == 5) {
		if (!is_word(ws, 3, "every"))
			return fail(p, "'flood syn %ld' then '%s': expected every DURATION", n, show(ws->w[3]).s);
		if (parse_duration(p, "every", ws->w[4], &st.duration_ns) < 0)
			return -1;
	}
	return add_step(p, &st);
}

/* "drop RULE" and "delay RULE": the rule is parsed once the server's port is known (finish). */
static int parse_fault(struct parser *p, struct words *ws, enum tl_fault_action action)
{
	struct tl_step st = { .kind = TL_STEP_FAULT, .side = TL_SIDE_NONE, .line = p->line };
	st.rule.action = action;
	size_t len;
	if (refuse_trailing_background(p, ws) < 0)
		return -1;
	const char *rule = rest_of_line(ws, 1, &len);
	if (!len)
		return fail(p, "'%s' needs a rule", ws->w[0]);
	st.fault = strndup(rule, len);
	if (!st.fault)
		return fail(p, "out of memory");
	return add_step(p, &st);
}

static int parse_drop(struct parser *p, struct words *ws)
{
	return parse_fault(p, ws, TL_FAULT_DROP);
}

static int parse_delay(struct parser *p, struct words *ws)
{
	return parse_fault(p, ws, TL_FAULT_DELAY);
}

static int parse_undrop(struct parser *p, struct words *ws)
{
	struct tl_step st = { .kind = TL_STEP_UNFAULT, .side = TL_SIDE_NONE, .line = p->line };
	if (refuse_background(p, ws) < 0)
		return -1;
	if (ws->n != 1)
		return fail(p, "'undrop' takes no arguments, got %zu %s", ws->n - 1, words_noun(ws->n - 1));
	return add_step(p, &st);
}

/* ---- expectations ---- */

/*
 * ok, any or an errno name, into e. owner names the step in the message
 * (" for 'client send'"; "" on an expect line) and f says what its place
 * accepts, so that a wrong word is answered with what is allowed.
 */
static int parse_result(struct parser *p, const char *w, const char *owner, struct result_forms f,
			struct tl_expect *e)
{
	if (!strcmp(w, "ok"))
		return 0;
	if (!strcmp(w, "any")) {
		e->any_result = true;
		return 0;
	}
	if ((e->err = tl_errno_parse(w)))
		return 0;
	if (!strcasecmp(w, "ok") || !strcasecmp(w, "any"))
		return fail(p, "unknown result '%s'%s (did you mean '%s'?)", show(w).s, owner,
			    strcasecmp(w, "ok") ? "any" : "ok");
	const char *names[64];
	size_t n_names = tl_errno_count() < 64 ? tl_errno_count() : 64;
	for (size_t i = 0; i < n_names; i++)
		names[i] = tl_errno_name_at(i);
	const char *hint = nearest(w, names, n_names, true);
	return fail(p, "unknown result '%s'%s (expected %s such as %s)", show(w).s, owner, f.forms,
		    hint ? hint : f.example);
}

static int check_list_length(struct parser *p, size_t n, const char *what)
{
	if (n >= TL_MAX_LIST)
		return fail(p, "more than %d %s in one expectation", TL_MAX_LIST, what);
	return 0;
}

static bool is_arrow(const struct words *ws, size_t k)
{
	return is_word(ws, k, "->") || is_word(ws, k, ">");
}

/* The lists below may be empty: "expect packets" alone expects a silent
 * capture, "expect client states" alone a client socket that never changed
 * state. */
static int parse_state_list(struct parser *p, struct words *ws, size_t from, struct tl_expect *e)
{
	for (size_t k = from; k < ws->n; k++) {
		if (is_arrow(ws, k)) {
			if (k == from || k + 1 == ws->n || is_arrow(ws, k + 1))
				return fail(p, "'%s' must stand between two state names", ws->w[k]);
			continue;
		}
		if (check_list_length(p, e->n, "states") < 0 || parse_state(p, ws->w[k], &e->states[e->n]) < 0)
			return -1;
		e->n++;
	}
	return 0;
}

static int parse_packet_list(struct parser *p, struct words *ws, struct tl_expect *e)
{
	for (size_t k = 2; k < ws->n; k++) {
		if (check_list_length(p, e->n, "packets") < 0)
			return -1;
		if (!tl_flags_parse(ws->w[k], &e->flags[e->n]))
			return fail(p, "unknown packet flags '%s' (expected tcpdump flags such as S, S., ., P., "
				       "F., R. or R)", show(ws->w[k]).s);
		e->n++;
	}
	return 0;
}

static int parse_role_list(struct parser *p, struct words *ws, struct tl_expect *e)
{
	for (size_t k = 2; k < ws->n; k++) {
		if (check_list_length(p, e->n, "roles") < 0)
			return -1;
		if (tl_role_parse(ws->w[k], &e->roles[e->n])) {
			e->n++;
			continue;
		}
		char all[256] = "";
		size_t used = 0;
		for (int r = TL_ROLE_HANDSHAKE_1; r < TL_ROLE_COUNT; r++) {
			int w = snprintf(all + used, sizeof(all) - used, "%s%s", r > TL_ROLE_HANDSHAKE_1 ? ", " : "",
					 tl_role_name((enum tl_role)r));
			if (w < 0 || (size_t)w >= sizeof(all) - used)
				break;
			used += (size_t)w;
		}
		return fail(p, "unknown role '%s' (expected one of %s)", show(ws->w[k]).s, all);
	}
	return 0;
}

/* "=", ">=" or "<=" into e->counter_op; what names the expectation in the error. */
static int parse_compare_op(struct parser *p, const char *what, const char *op, struct tl_expect *e)
{
	if (strcmp(op, "=") && strcmp(op, ">=") && strcmp(op, "<="))
		return fail(p, "'%s': '%s' is not =, >= or <=", what, show(op).s);
	snprintf(e->counter_op, sizeof(e->counter_op), "%s", op);
	return 0;
}

#define COUNTER_USAGE "'expect counter' takes NAME =|>=|<= N, e.g. expect counter TcpExtListenOverflows >= 1"

/* expect counter NAME OP N: NAME as nstat prints it, Tcp or TcpExt and the kernel's own name. */
static int parse_counter(struct parser *p, struct words *ws, struct tl_expect *e)
{
	e->kind = TL_EXPECT_COUNTER;
	if (ws->n != 5)
		return fail(p, COUNTER_USAGE);
	const char *name = ws->w[2], *op = ws->w[3];
	bool named = (!strncmp(name, "Tcp", 3) && name[3] >= 'A' && name[3] <= 'Z');
	for (const char *c = name; named && *c; c++)
		named = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
	if (!named || strlen(name) >= sizeof(e->counter))
		return fail(p, "'expect counter': '%s' is not a TCP counter's name as nstat prints it "
			       "(TcpActiveOpens, TcpExtListenOverflows, ...)", show(name).s);
	char what[96];
	snprintf(what, sizeof(what), "expect counter %s", name);
	if (parse_compare_op(p, what, op, e) < 0)
		return -1;
	long v;
	if (number_arg(p, "counter value", ws->w[4], 0, LONG_MAX, &v) < 0)
		return -1;
	snprintf(e->counter, sizeof(e->counter), "%s", name);
	e->counter_value = v;
	return add_expect(p, e);
}

static int parse_expect(struct parser *p, struct words *ws)
{
	struct tl_expect e = { .line = p->line };
	if (refuse_background(p, ws) < 0)
		return -1;
	if (ws->n < 2)
		return fail(p, "'expect' needs what to expect (expected packets, roles, timers, counter, client or server)");
	if (is_word(ws, 1, "packets")) {
		e.kind = TL_EXPECT_PACKETS;
		if (parse_packet_list(p, ws, &e) < 0)
			return -1;
		return add_expect(p, &e);
	}
	if (is_word(ws, 1, "timers")) {
		e.kind = TL_EXPECT_TIMERS;
		if (ws->n != 2)
			return fail(p, "'expect timers' takes no arguments, got %zu %s", ws->n - 2,
				    words_noun(ws->n - 2));
		return add_expect(p, &e);
	}
	if (is_word(ws, 1, "counter"))
		return parse_counter(p, ws, &e);
	if (is_word(ws, 1, "roles")) {
		e.kind = TL_EXPECT_ROLES;
		if (parse_role_list(p, ws, &e) < 0)
			return -1;
		return add_expect(p, &e);
	}
	if (strncmp(ws->w[1], "client", 6) != 0 && strncmp(ws->w[1], "server", 6) != 0)
		return fail(p, "unknown expectation '%s' (expected packets, roles, timers, counter, client or server)",
			    show(ws->w[1]).s);
	if (parse_side_conn(p, ws->w[1], &e.side, e.conn) < 0)
		return -1;
	if (ws->n < 3)
		return fail(p, "'expect %s' needs states, listed, count or a call (" VERB_LIST ")", ws->w[1]);

	const char *what = ws->w[2];
	if (is_word(ws, 2, "states")) {
		e.kind = TL_EXPECT_STATES;
		if (parse_state_list(p, ws, 3, &e) < 0)
			return -1;
		return add_expect(p, &e);
	}
	if (is_word(ws, 2, "count")) {
		e.kind = TL_EXPECT_COUNT;
		if (ws->n != 6)
			return fail(p, "'expect %s count' takes STATE =|>=|<= N (e.g. expect server count SYN_RECV = 5)",
				    ws->w[1]);
		if (e.conn[0])
			return fail(p, "'expect %s count' counts every socket of the side: write 'expect %s count'",
				    ws->w[1], e.side == TL_SIDE_CLIENT ? "client" : "server");
		if (parse_state(p, ws->w[3], &e.states[0]) < 0 || parse_compare_op(p, "expect count", ws->w[4], &e) < 0)
			return -1;
		e.n = 1;
		if (number_arg(p, "count", ws->w[5], 0, LONG_MAX, &e.counter_value) < 0)
			return -1;
		return add_expect(p, &e);
	}
	if (is_word(ws, 2, "listed")) {
		e.kind = TL_EXPECT_LISTED;
		if (ws->n != 4)
			return fail(p, "'expect %s listed' takes one STATE, got %zu %s", ws->w[1], ws->n - 3, words_noun(ws->n - 3));
		if (parse_state(p, ws->w[3], &e.states[0]) < 0)
			return -1;
		e.n = 1;
		return add_expect(p, &e);
	}
	for (size_t v = 0; v < N_VERBS; v++) {
		if (strcmp(what, verb_names[v]) != 0)
			continue;
		e.kind = TL_EXPECT_CALL;
		if (ws->n != 4)
			return fail(p, "'expect %s %s' takes one RESULT (ok, any or an errno name), got %zu %s",
				    ws->w[1], what, ws->n - 3, words_noun(ws->n - 3));
		snprintf(e.verb, sizeof(e.verb), "%s", verb_names[v]);
		if (parse_result(p, ws->w[3], "", expect_line_forms, &e) < 0)
			return -1;
		return add_expect(p, &e);
	}
	return fail(p, "unknown expectation '%s %s' (expected states, listed, count or a call: " VERB_LIST ")",
		    ws->w[1], show(what).s);
}

/* ---- the walkthrough's numbers ---- */

static int parse_walkthrough(struct parser *p, struct words *ws)
{
	static const char *const series_names[] = { "syn", "synack", "fin" }; /* the walkthrough measured these */
	if (refuse_background(p, ws) < 0)
		return -1;
	if (ws->n < 3)
		return fail(p, "'walkthrough' takes a series (syn, synack or fin) and its gaps in seconds");
	const size_t n_names = sizeof(series_names) / sizeof(series_names[0]);
	size_t which = n_names;
	for (size_t i = 0; i < n_names; i++)
		if (!strcmp(ws->w[1], series_names[i]))
			which = i;
	if (which == n_names)
		return fail(p, "unknown series '%s' (expected syn, synack or fin)", show(ws->w[1]).s);
	struct tl_walkthrough_gaps *g = &p->sc->walkthrough[which];
	if (g->line)
		return fail(p, "duplicate 'walkthrough %s' (first at line %d)", ws->w[1], g->line);
	if (ws->n - 2 > TL_MAX_GAPS)
		return fail(p, "too many gaps (%zu, at most %d)", ws->n - 2, TL_MAX_GAPS);
	for (size_t k = 2; k < ws->n; k++) {
		char *end;
		errno = 0;
		double v = strtod(ws->w[k], &end);
		if (errno || end == ws->w[k] || *end || v <= 0 || v > 3600)
			return fail(p, "gap '%s' is not a number of seconds from 0 to 3600", show(ws->w[k]).s);
		g->gaps_s[g->n++] = v;
	}
	g->line = p->line;
	return 0;
}

/* ---- the file ---- */

static const struct {
	const char *keyword;
	int (*parse)(struct parser *, struct words *);
} keywords[] = {
	{ "title", parse_title },     { "section", parse_title },	{ "explain", parse_explain },
	{ "host", parse_host_line },  { "port", parse_port_line },	{ "sysctl", parse_sysctl },
	{ "client", parse_side_step }, { "server", parse_side_step }, { "sleep", parse_sleep },
	{ "snapshot", parse_snapshot }, { "wait", parse_wait },	{ "drop", parse_drop }, { "delay", parse_delay },
	{ "undrop", parse_undrop },   { "expect", parse_expect },	{ "walkthrough", parse_walkthrough },
	{ "inject", parse_inject },   { "flood", parse_flood },
};
#define N_KEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

static int parse_words(struct parser *p, struct words *ws)
{
	const char *kw = ws->w[0];
	if (ws->quoted[0])
		return fail(p, "a line must start with a keyword, not a quoted string");
	for (size_t i = 0; i < N_KEYWORDS; i++)
		if (!strcmp(kw, keywords[i].keyword))
			return keywords[i].parse(p, ws);
	if (!strncmp(kw, "client:", 7) || !strncmp(kw, "server:", 7))
		return parse_side_step(p, ws);

	/* A step written without its side ("connect") is a likely slip. */
	for (size_t v = 0; v < N_VERBS; v++)
		if (!strcmp(kw, verb_names[v]))
			return fail(p, "unknown keyword '%s' (a socket step starts with its side: "
				       "'client %s' or 'server %s')", kw, kw, kw);
	const char *names[N_KEYWORDS + N_VERBS];
	for (size_t i = 0; i < N_KEYWORDS; i++)
		names[i] = keywords[i].keyword;
	for (size_t v = 0; v < N_VERBS; v++)
		names[N_KEYWORDS + v] = verb_names[v];
	const char *hint = nearest(kw, names, N_KEYWORDS + N_VERBS, false);
	for (size_t v = 0; hint && v < N_VERBS; v++)
		if (hint == verb_names[v])
			return fail(p, "unknown keyword '%s' (did you mean 'client %s' or 'server %s'?)",
				    show(kw).s, hint, hint);
	if (hint)
		return fail(p, "unknown keyword '%s' (did you mean '%s'?)", show(kw).s, hint);
	return fail(p, "unknown keyword '%s' (expected title, section, explain, host, port, sysctl, "
		       "client, server, sleep, snapshot, wait, drop, delay, undrop, inject, walkthrough or expect)",
		       show(kw).s);
}

static int parse_lines(struct parser *p, const char *text)
{
	char *buf = malloc(strlen(text) + 1);
	if (!buf)
		return fail(p, "out of memory");
	const char *s = text;
	int rc = 0;
	while (*s && rc == 0) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		p->line++;
		if (len && s[len - 1] == '\r') /* files edited on Windows */
			len--;
		struct words ws;
		rc = split_line(p, s, len, buf, &ws);
		if (rc == 0 && ws.n)
			rc = parse_words(p, &ws);
		if (!nl)
			break;
		s = nl + 1;
	}
	free(buf);
	return rc;
}

/* Where the server listens; without a listen, where the client connects. */
static uint16_t server_port(const struct tl_scenario *sc)
{
	static const struct {
		enum tl_side side;
		enum tl_step_kind kind;
	} owners[] = { { TL_SIDE_SERVER, TL_STEP_LISTEN }, { TL_SIDE_CLIENT, TL_STEP_CONNECT } };
	for (size_t k = 0; k < sizeof(owners) / sizeof(owners[0]); k++)
		for (size_t i = 0; i < sc->n_steps; i++)
			if (sc->steps[i].side == owners[k].side && sc->steps[i].kind == owners[k].kind)
				return sc->steps[i].port;
	return sc->port;
}

/* An expectation about a named connection needs a step that names it. */
static int check_expect_conn(struct parser *p, const struct tl_expect *e)
{
	const struct tl_conn_names *cn = &p->sc->conns[e->side];
	for (size_t k = 0; k < cn->n; k++)
		if (!strcmp(cn->name[k], e->conn))
			return 0;
	p->line = e->line;
	return fail(p, "'expect %s:%s': no %s step names connection %s", tl_side_name(e->side), e->conn,
		    tl_side_name(e->side), e->conn);
}

/* Fills what the file left to the defaults; checks what only the whole file
 * can show. */
static int finish(struct parser *p)
{
	struct tl_scenario *sc = p->sc;
	p->line = 0;
	if (!p->title_line)
		return fail(p, "missing 'title'");
	if (!p->host_line)
		snprintf(sc->host, sizeof(sc->host), "%s", DEFAULT_HOST);
	if (!p->port_line)
		sc->port = DEFAULT_PORT;
	for (size_t i = 0; i < sc->n_steps; i++) {
		struct tl_step *st = &sc->steps[i];
		if (st->kind != TL_STEP_LISTEN && st->kind != TL_STEP_CONNECT)
			continue;
		if (!st->host[0])
			memcpy(st->host, sc->host, sizeof(st->host));
		if (!st->port)
			st->port = sc->port;
	}
	sc->server_port = server_port(sc);
	for (size_t i = 0; i < sc->n_expects; i++)
		if (check_expect_conn(p, &sc->expects[i]) < 0)
			return -1;
	unsigned n_faults = 0;
	size_t active_from = 0; /* the first step whose rule is still installed: undrop removes them all */
	for (size_t i = 0; i < sc->n_steps; i++) {
		struct tl_step *st = &sc->steps[i];
		if (st->kind == TL_STEP_UNFAULT)
			active_from = i + 1;
		if (st->kind != TL_STEP_FAULT)
			continue;
		/* Parsed now that the server's port is known: direction is by port. */
		char why[256];
		if (tl_fault_parse_action(st->rule.action, st->fault, ++n_faults, sc->server_port, &st->rule, why,
					  sizeof(why)) < 0) {
			p->line = st->line;
			return fail(p, "%s", why);
		}
		/* Two installed rules of one name cannot both be told apart in the capture: refused now, not mid-run. */
		for (size_t j = active_from; j < i; j++) {
			const struct tl_step *other = &sc->steps[j];
			if (other->kind == TL_STEP_FAULT && !strcmp(other->rule.name, st->rule.name)) {
				p->line = st->line;
				return fail(p, "a fault rule named '%s' is already installed (line %d)", st->rule.name,
					    other->line);
			}
		}
	}
	return 0;
}

/* path and id: "scenarios/N3.scn" gives the id "N3". */
static int set_identity(struct parser *p, const char *name)
{
	struct tl_scenario *sc = p->sc;
	if (copy_text(p, "file name", sc->path, sizeof(sc->path), name, strlen(name)) < 0)
		return -1;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (!len)
		return fail(p, "cannot make a scenario id from the file name");
	if (len >= sizeof(sc->id))
		return fail(p, "file name too long for a scenario id (%zu bytes before the extension, "
			       "at most %zu)", len, sizeof(sc->id) - 1);
	memcpy(sc->id, base, len);
	sc->id[len] = '\0';
	return 0;
}

int tl_scenario_parse_text(const char *name, const char *text, struct tl_scenario *out, char *err,
			   size_t errlen)
{
	struct parser p = { .name = name ? name : "(scenario)", .err = err, .errlen = errlen, .sc = out };
	memset(out, 0, sizeof(*out));
	for (size_t side = 0; side < 3; side++)
		out->conns[side].n = 1; /* the unnamed connection, "" */
	if (err && errlen)
		err[0] = '\0';
	int rc = -1;
	if (strlen(text) > MAX_FILE_BYTES)
		fail(&p, "longer than %u bytes", MAX_FILE_BYTES);
	else if (set_identity(&p, p.name) == 0 && parse_lines(&p, text) == 0 && finish(&p) == 0)
		rc = 0;
	if (rc < 0)
		tl_scenario_free(out);
	return rc;
}

int tl_scenario_parse_file(const char *path, struct tl_scenario *out, char *err, size_t errlen)
{
	struct parser p = { .name = path, .err = err, .errlen = errlen, .sc = out };
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "re");
	if (!f)
		return fail(&p, "cannot open: %s", strerror(errno));
	/* One byte more than the limit shows whether the file is over it. */
	char *text = malloc(MAX_FILE_BYTES + 2);
	if (!text) {
		fclose(f);
		return fail(&p, "out of memory");
	}
	size_t len = fread(text, 1, MAX_FILE_BYTES + 1, f);
	int read_err = ferror(f) ? errno : 0;
	fclose(f);
	int rc = -1;
	if (read_err)
		fail(&p, "cannot read: %s", strerror(read_err));
	else if (len > MAX_FILE_BYTES)
		fail(&p, "longer than %u bytes", MAX_FILE_BYTES);
	else if (memchr(text, '\0', len))
		fail(&p, "holds a NUL byte: not a text file");
	else {
		text[len] = '\0';
		rc = tl_scenario_parse_text(path, text, out, err, errlen);
	}
	free(text);
	return rc;
}

void tl_scenario_free(struct tl_scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; sc->steps && i < sc->n_steps; i++) {
		free(sc->steps[i].data);
		free(sc->steps[i].fault);
	}
	free(sc->steps);
	free(sc->expects);
	free(sc->sysctls);
	memset(sc, 0, sizeof(*sc));
}

/* ::1 for an IPv4 loopback address; false (host unchanged) for any other. */
static bool loopback_to_ipv6(char *host, size_t size)
{
	struct tl_addr a;
	if (!tl_addr_parse(host, &a) || !tl_addr_is_v4(&a) || !tl_addr_is_loopback(&a))
		return false;
	snprintf(host, size, "::1");
	return true;
}

size_t tl_scenario_use_ipv6(struct tl_scenario *sc)
{
	size_t n = loopback_to_ipv6(sc->host, sizeof(sc->host));
	for (size_t i = 0; i < sc->n_steps; i++)
		n += loopback_to_ipv6(sc->steps[i].host, sizeof(sc->steps[i].host));
	return n;
}

bool tl_scenario_conn_used(const struct tl_scenario *sc, enum tl_side side, unsigned slot)
{
	for (size_t i = 0; i < sc->n_steps; i++) {
		const struct tl_step *st = &sc->steps[i];
		if (st->side == side && st->conn_slot == slot &&
		    (st->kind == TL_STEP_CONNECT || st->kind == TL_STEP_ACCEPT))
			return true;
	}
	return false;
}
