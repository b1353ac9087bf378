/*
 * firewall: fault rules as nftables rules, through libnftables' command
 * language (the same text nft takes), with output and errors buffered so the
 * library never prints. Adding a rule echoes it with its handle
 * (NFT_CTX_OUTPUT_ECHO | NFT_CTX_OUTPUT_HANDLE), which is how a rule is later
 * deleted: nftables deletes rules by handle only. nft's error text is kept
 * but cut to one line: its "Error:" lines, each with the word its carets
 * point at.
 */
#include "lab/firewall.h"
#include "lab/nft_queue.h"

#include <errno.h>
#include <inttypes.h>
#include <nftables/libnftables.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CMD_MAX 2048
#define TABLE_SPEC "inet " TL_FIREWALL_TABLE
#define CHAIN_SPEC TABLE_SPEC " " TL_FIREWALL_CHAIN
/* The table and the input chain, made by any batch that needs them. */
#define ADD_CHAIN_CMD                                                                                  \
	"add table " TABLE_SPEC "; add chain " CHAIN_SPEC " { type filter hook input priority 0; policy " \
	"accept; }; "

struct installed {
	char name[TL_FAULT_NAME_MAX];
	uint64_t handle;
};

struct tl_firewall {
	struct nft_ctx *nft;
	uint16_t log_group;
	bool delay_chain_made; /* since the table was last made */
	size_t n;
	struct installed rules[TL_FIREWALL_MAX_RULES];
};

/* The kernel numbers its first network namespace, the host's, with this
 * fixed inode (PROC_NET_INIT_INO in include/linux/proc_ns.h). */
#define INIT_NET_INO 0xEFFFFFF9u

/*
 * True when the current network namespace is the host's: the kernel's
 * first one, or PID 1's (a container's own, where tcplab was started). PID
 * 1's may be unreadable even to root (a sandbox without CAP_SYS_PTRACE);
 * then only the first test applies. The lab always enters a namespace of its
 * own first, so neither ever holds there.
 */
static bool in_host_netns(void)
{
	struct stat self, init;
	if (stat("/proc/self/ns/net", &self) < 0)
		return false; /* no /proc: nothing to compare; the caller's word stands */
	if (self.st_ino == INIT_NET_INO)
		return true;
	if (stat("/proc/1/ns/net", &init) < 0)
		return false;
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}

struct tl_firewall *tl_firewall_open(uint16_t log_group, char *err, size_t errlen)
{
	if (in_host_netns()) {
		snprintf(err, errlen, "refusing to change the firewall of the host's network "
				      "namespace (enter the lab's namespace first)");
		return NULL;
	}
	struct tl_firewall *fw = calloc(1, sizeof(*fw));
	if (!fw) {
		snprintf(err, errlen, "firewall: %s", strerror(errno));
		return NULL;
	}
	fw->log_group = log_group;
	fw->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!fw->nft) {
		snprintf(err, errlen, "firewall: cannot make an nftables context");
		free(fw);
		return NULL;
	}
	nft_ctx_output_set_flags(fw->nft, NFT_CTX_OUTPUT_ECHO | NFT_CTX_OUTPUT_HANDLE);
	if (nft_ctx_buffer_output(fw->nft) != 0 || nft_ctx_buffer_error(fw->nft) != 0) {
		snprintf(err, errlen, "firewall: cannot buffer nftables' output");
		tl_firewall_close(fw);
		return NULL;
	}
	return fw;
}

void tl_firewall_close(struct tl_firewall *fw)
{
	if (!fw)
		return;
	if (fw->nft)
		nft_ctx_free(fw->nft);
	free(fw);
}

size_t tl_firewall_count(const struct tl_firewall *fw)
{
	return fw->n;
}

static struct installed *find(struct tl_firewall *fw, const char *name)
{
	for (size_t i = 0; i < fw->n; i++)
		if (!strcmp(fw->rules[i].name, name))
			return &fw->rules[i];
	return NULL;
}

uint64_t tl_firewall_handle(const struct tl_firewall *fw, const char *name)
{
	for (size_t i = 0; i < fw->n; i++)
		if (!strcmp(fw->rules[i].name, name))
			return fw->rules[i].handle;
	return 0;
}

/* Line i of text (0-based) as [*start, *start + *len), or false past the end. */
static bool line_at(const char *text, size_t i, const char **start, size_t *len)
{
	const char *s = text;
	for (; i > 0; i--) {
		s = strchr(s, '\n');
		if (!s)
			return false;
		s++;
	}
	if (!*s)
		return false;
	const char *nl = strchr(s, '\n');
	*start = s;
	*len = nl ? (size_t)(nl - s) : strlen(s);
	return true;
}

/*
 * nft reports an error in three lines: "Error: what", the command line, and
 * a line of '^' (the culprit) and '~' (context) under it. Makes one line of
 * every such report: "nft: what at 'culprit'", joined with "; ". Anything
 * else, or nothing at all, is reported as it is.
 */
static void nft_error_text(const char *buf, char *err, size_t errlen)
{
	size_t used = 0;
	bool any = false;
	const char *line, *cmd, *mark;
	size_t len, cmd_len, mark_len;
	if (!err || !errlen)
		return;
	err[0] = '\0';
	for (size_t i = 0; line_at(buf, i, &line, &len); i++) {
		static const char tag[] = "Error: ";
		if (len < sizeof(tag) - 1 || strncmp(line, tag, sizeof(tag) - 1))
			continue;
		const char *what = line + sizeof(tag) - 1;
		int what_len = (int)(len - (sizeof(tag) - 1));
		int n = snprintf(err + used, errlen - used, "%snft: %.*s", any ? "; " : "", what_len,
				 what);
		if (n < 0 || (size_t)n >= errlen - used)
			return;
		used += (size_t)n;
		any = true;
		/* The culprit: the command's characters above the first to the last '^'. */
		if (line_at(buf, i + 1, &cmd, &cmd_len) && line_at(buf, i + 2, &mark, &mark_len)) {
			size_t first = SIZE_MAX, last = 0;
			for (size_t k = 0; k < mark_len && k < cmd_len; k++) {
				if (mark[k] == '^') {
					if (first == SIZE_MAX)
						first = k;
					last = k;
				} else if (mark[k] != ' ' && mark[k] != '~') {
					first = SIZE_MAX; /* not a marker line */
					break;
				}
			}
			if (first != SIZE_MAX) {
				n = snprintf(err + used, errlen - used, " at '%.*s'",
					     (int)(last - first + 1), cmd + first);
				if (n < 0 || (size_t)n >= errlen - used)
					return;
				used += (size_t)n;
			}
		}
	}
	if (any)
		return;
	/* No "Error:" line: the first non-empty line, or a fixed text. */
	for (size_t i = 0; line_at(buf, i, &line, &len); i++) {
		if (len) {
			snprintf(err, errlen, "nft: %.*s", (int)len, line);
			return;
		}
	}
	snprintf(err, errlen, "nft failed without a message");
}

/*
 * Runs one batch of commands. Returns 0 with *out pointing to the echoed
 * output (valid until the next command), or -1 with nft's message in err.
 */
static int run(struct tl_firewall *fw, const char *cmd, const char **out, char *err, size_t errlen)
{
	/* Reading the buffers rewinds them, so old text cannot leak in here. */
	(void)nft_ctx_get_output_buffer(fw->nft);
	(void)nft_ctx_get_error_buffer(fw->nft);
	int rc = nft_run_cmd_from_buffer(fw->nft, cmd);
	const char *o = nft_ctx_get_output_buffer(fw->nft);
	const char *e = nft_ctx_get_error_buffer(fw->nft);
	if (rc != 0) {
		nft_error_text(e ? e : "", err, errlen);
		return -1;
	}
	if (out)
		*out = o ? o : "";
	return 0;
}

/* The handle nft echoed for the added rule: "add rule ... # handle 5". */
static uint64_t echoed_rule_handle(const char *out)
{
	static const char add[] = "add rule ";
	static const char tag[] = "# handle ";
	const char *line;
	size_t len;
	for (size_t i = 0; line_at(out, i, &line, &len); i++) {
		if (len < sizeof(add) - 1 || strncmp(line, add, sizeof(add) - 1))
			continue;
		/* The last "# handle " of the line: the rule's text cannot hold
		 * '#' (fault.c refuses it), so that one is nft's annotation. */
		const char *h = NULL;
		for (const char *p = strstr(line, tag); p && p < line + len; p = strstr(p + 1, tag))
			h = p;
		if (!h)
			return 0;
		const char *digits = h + sizeof(tag) - 1;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(digits, &end, 10);
		if (errno || end == digits || *digits < '0' || *digits > '9')
			return 0;
		return v;
	}
	return 0;
}

/* Refuses a rule that could not be remembered, before anything changes. */
static int check_room(struct tl_firewall *fw, const struct tl_fault *f, char *err, size_t errlen)
{
	if (find(fw, f->name)) {
		snprintf(err, errlen, "a fault rule named '%s' is already installed", f->name);
		return -1;
	}
	if (fw->n == TL_FIREWALL_MAX_RULES) {
		snprintf(err, errlen, "too many fault rules (at most %d)", TL_FIREWALL_MAX_RULES);
		return -1;
	}
	return 0;
}

/* Installs f's rule, rule (the text after "add rule inet tcplab input"), and remembers its handle. */
static int install(struct tl_firewall *fw, const struct tl_fault *f, const char *rule, char *err, size_t errlen)
{
	/*
	 * "add" of an existing table or chain changes nothing, so every batch
	 * can carry them: the first rule makes them, and a rule added after
	 * tl_firewall_remove_all() makes them again. One batch is atomic: a
	 * rejected rule leaves no table behind. It is one line, because nft
	 * quotes the first line of its input above the carets that point into
	 * the line at fault; on one line they point at the right word.
	 */
	char cmd[CMD_MAX];
	int n = snprintf(cmd, sizeof(cmd), ADD_CHAIN_CMD "add rule " CHAIN_SPEC " %s", rule);
	if (n < 0 || (size_t)n >= sizeof(cmd)) {
		snprintf(err, errlen, "fault rule '%s' is too long for nft", f->name);
		return -1;
	}
	const char *out;
	if (run(fw, cmd, &out, err, errlen) < 0)
		return f->raw ? TL_FIREWALL_REFUSED : -1; /* tcplab's own rules are tested; a raw one is the user's */
	uint64_t handle = echoed_rule_handle(out);
	if (!handle) {
		/* Installed, but we could never remove it alone: undo it all. */
		snprintf(err, errlen, "nft did not echo the handle of rule '%s'", f->name);
		char ignored[8];
		(void)tl_firewall_remove_all(fw, ignored, sizeof(ignored));
		return -1;
	}
	struct installed *r = &fw->rules[fw->n++];
	snprintf(r->name, sizeof(r->name), "%s", f->name);
	r->handle = handle;
	return 0;
}

int tl_firewall_add(struct tl_firewall *fw, const struct tl_fault *f, char *err, size_t errlen)
{
	if (check_room(fw, f, err, errlen) < 0)
		return -1;
	char rule[CMD_MAX - 256];
	if (tl_fault_nft_rule(f, fw->log_group, rule, sizeof(rule)) < 0) {
		snprintf(err, errlen, "fault rule '%s' is too long for nft", f->name);
		return -1;
	}
	return install(fw, f, rule, err, errlen);
}

/*
 * The chain every delay rule jumps to, holding the one rule that queues
 * (nft_queue.h), made once per table: the queue rule must be in place
 * before any rule jumps there, or the jump would return and let packets pass.
 */
static int make_delay_chain(struct tl_firewall *fw, uint16_t queue_num, char *err, size_t errlen)
{
	if (fw->delay_chain_made)
		return 0;
	if (run(fw, ADD_CHAIN_CMD "add chain " TABLE_SPEC " " TL_FIREWALL_DELAY_CHAIN, NULL, err, errlen) < 0)
		return -1;
	if (tl_nft_queue_rule_add(TL_FIREWALL_TABLE, TL_FIREWALL_DELAY_CHAIN, queue_num, err, errlen) < 0)
		return -1;
	fw->delay_chain_made = true;
	return 0;
}

int tl_firewall_add_delay(struct tl_firewall *fw, const struct tl_fault *f, uint32_t mark, uint16_t queue_num,
			  char *err, size_t errlen)
{
	if (check_room(fw, f, err, errlen) < 0)
		return -1;
	char rule[CMD_MAX - 256];
	if (tl_fault_nft_delay_rule(f, mark, TL_FIREWALL_DELAY_CHAIN, rule, sizeof(rule)) < 0) {
		snprintf(err, errlen, "fault rule '%s' is too long for nft", f->name);
		return -1;
	}
	if (make_delay_chain(fw, queue_num, err, errlen) < 0)
		return -1;
	return install(fw, f, rule, err, errlen);
}

int tl_firewall_remove(struct tl_firewall *fw, const char *name, char *err, size_t errlen)
{
	struct installed *r = find(fw, name);
	if (!r) {
		snprintf(err, errlen, "no fault rule named '%s' is installed", name);
		return -1;
	}
	char cmd[256], msg[512];
	snprintf(cmd, sizeof(cmd), "delete rule " CHAIN_SPEC " handle %" PRIu64, r->handle);
	int rc = run(fw, cmd, NULL, msg, sizeof(msg));
	/* Gone from the kernel ("No such file or directory": someone removed
	 * it, or the table) or removed now: either way, forget it. */
	if (rc == 0 || strstr(msg, "No such file or directory"))
		*r = fw->rules[--fw->n];
	if (rc < 0)
		snprintf(err, errlen, "removing fault rule '%s': %s", name, msg);
	return rc;
}

int tl_firewall_remove_all(struct tl_firewall *fw, char *err, size_t errlen)
{
	/* nft 1.0.6 has no "destroy" (delete if present): adding the table
	 * first in the same batch makes the delete succeed either way. */
	int rc = run(fw, "add table " TABLE_SPEC "; delete table " TABLE_SPEC, NULL, err, errlen);
	if (rc == 0) {
		fw->n = 0;
		fw->delay_chain_made = false;
	}
	return rc;
}
