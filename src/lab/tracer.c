/*
 * tracer: the user half of the eBPF tracer. Opens the bpftool skeleton of
 * src/lab/bpf/tracer.bpf.c, fixes the namespace filter in its read-only data,
 * loads and attaches the programs (only inet_sock_set_state is required; the
 * others are skipped with a warning on a kernel that lacks them), and turns
 * every ring buffer record into a struct tl_event in one place,
 * record_to_event().
 */
#include "lab/tracer.h"
#include "core/textbuf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab/bpf/tracer_record.h"
#include "tracer.skel.h"

_Static_assert(sizeof(struct tl_trace_record) == 40, "record layout shared with tracer.bpf.c");

struct tl_tracer {
	struct tracer_bpf *skel;
	struct ring_buffer *rb;
	/* Where the ring buffer callback appends, valid during a drain only. */
	struct tl_timeline *sink;
	int appended;
	bool append_failed;
	uint64_t lost_reported;
};

/* One program and the tracepoint it needs. nargs counts the tracepoint
 * arguments the program reads: on a kernel whose tracepoint has fewer, the
 * verifier would reject the whole object, so such programs are left out. */
struct prog_slot {
	struct bpf_program *prog;
	struct bpf_link **link;
	const char *tracepoint;
	unsigned nargs;
	bool mandatory;
};

enum { N_PROGS = 6 };

static void prog_slots(struct tracer_bpf *skel, struct prog_slot slots[N_PROGS])
{
	const struct prog_slot all[N_PROGS] = {
		{ skel->progs.on_set_state, &skel->links.on_set_state, "inet_sock_set_state", 3,
		  true },
		{ skel->progs.on_retransmit_skb, &skel->links.on_retransmit_skb,
		  "tcp_retransmit_skb", 3, false },
		{ skel->progs.on_retransmit_synack, &skel->links.on_retransmit_synack,
		  "tcp_retransmit_synack", 2, false },
		{ skel->progs.on_send_reset, &skel->links.on_send_reset, "tcp_send_reset", 2,
		  false },
		{ skel->progs.on_receive_reset, &skel->links.on_receive_reset,
		  "tcp_receive_reset", 1, false },
		{ skel->progs.on_kfree_skb, &skel->links.on_kfree_skb, "kfree_skb", 3, false },
	};
	memcpy(slots, all, sizeof(all));
}

/*
 * libbpf prints to stderr by default; tcplab's library code never prints.
 * The first warning of an open is kept instead: for a failed load it is the
 * one that names the program and the reason ("prog 'x': BPF program load
 * failed: ..."); later ones only repeat that the object failed. The hook is
 * process-wide, installed only while tl_tracer_open runs: open tracers from
 * one thread at a time.
 */
static char libbpf_msg[256];

static int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || libbpf_msg[0])
		return 0;
	vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
	static const char prefix[] = "libbpf: ";
	if (!strncmp(libbpf_msg, prefix, sizeof(prefix) - 1))
		memmove(libbpf_msg, libbpf_msg + sizeof(prefix) - 1,
			strlen(libbpf_msg) - (sizeof(prefix) - 1) + 1);
	size_t n = strlen(libbpf_msg);
	while (n && (libbpf_msg[n - 1] == '\n' || libbpf_msg[n - 1] == ' '))
		libbpf_msg[--n] = '\0';
	return 0;
}


/* "what: errno text (libbpf: its first warning)", or on EPERM the privilege
 * that is missing. */
static void load_error(char *err, size_t errlen, const char *what, int errnum)
{
	if (errnum == EPERM) {
		snprintf(err, errlen,
			 "%s: %s: loading eBPF needs root (CAP_BPF and CAP_PERFMON, or "
			 "CAP_SYS_ADMIN)",
			 what, strerror(errnum));
		return;
	}
	/* The verifier rejects a program with EACCES, which strerror calls
	 * "Permission denied": say what it means. */
	const char *why = errnum == EACCES ? "rejected by the kernel's verifier" : strerror(errnum);
	if (libbpf_msg[0])
		snprintf(err, errlen, "%s: %s (libbpf: %s)", what, why, libbpf_msg);
	else
		snprintf(err, errlen, "%s: %s", what, why);
}

/* True when the running kernel's tracepoint exists with at least nargs
 * arguments: its BTF typedef btf_trace_<name> points to a function whose
 * first parameter is the tracepoint's private data pointer. */
static bool tracepoint_has_args(const struct btf *vmlinux, const char *name, unsigned nargs)
{
	char typedef_name[96];
	snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name);
	int id = btf__find_by_name_kind(vmlinux, typedef_name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return false;
	const struct btf_type *t = btf__type_by_id(vmlinux, id);
	t = t ? btf__type_by_id(vmlinux, t->type) : NULL; /* the pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return false;
	return btf_vlen(t) >= nargs + 1;
}

/*
 * Opens the skeleton and loads it. With only_mandatory, every optional
 * program is left out; otherwise those whose tracepoint this kernel lacks.
 * Returns the loaded skeleton, or NULL with errno set.
 */
static struct tracer_bpf *open_and_load(uint32_t netns_ino, const struct btf *vmlinux,
					bool only_mandatory, char *warn, size_t warnlen)
{
	struct tracer_bpf *skel = tracer_bpf__open();
	if (!skel)
		return NULL;
	skel->rodata->target_netns = netns_ino;

	struct prog_slot slots[N_PROGS];
	prog_slots(skel, slots);
	for (int i = 0; i < N_PROGS; i++) {
		if (slots[i].mandatory)
			continue;
		if (only_mandatory) {
			bpf_program__set_autoload(slots[i].prog, false);
		} else if (!tracepoint_has_args(vmlinux, slots[i].tracepoint, slots[i].nargs)) {
			bpf_program__set_autoload(slots[i].prog, false);
			tl_appendf(warn, warnlen,
				"%stracer: this kernel has no tracepoint %s with %u arguments; "
				"not traced",
				warn[0] ? "; " : "", slots[i].tracepoint, slots[i].nargs);
		}
	}
	int rc = tracer_bpf__load(skel);
	if (rc) {
		int saved = rc < 0 ? -rc : errno;
		tracer_bpf__destroy(skel);
		errno = saved;
		return NULL;
	}
	return skel;
}

static int on_record(void *ctx, void *data, size_t size);

struct tl_tracer *tl_tracer_open(uint32_t netns_ino, char *err, size_t errlen)
{
	struct tl_tracer *t = NULL;
	struct btf *vmlinux = NULL;
	char warn[512] = "";

	err[0] = '\0';
	libbpf_msg[0] = '\0';
	libbpf_print_fn_t old_print = libbpf_set_print(capture_libbpf);

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		load_error(err, errlen, "reading the kernel's BTF (/sys/kernel/btf/vmlinux)",
			   errno);
		goto fail;
	}

	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "tracer: %s", strerror(errno));
		goto fail;
	}

	t->skel = open_and_load(netns_ino, vmlinux, false, warn, sizeof(warn));
	if (!t->skel) {
		int first = errno;
		char first_msg[sizeof(libbpf_msg)];
		snprintf(first_msg, sizeof(first_msg), "%s", libbpf_msg);
		if (first == EPERM) {
			load_error(err, errlen, "loading the eBPF tracer", first);
			goto fail;
		}
		/* Some optional program did not pass the verifier on this
		 * kernel: the state changes are worth having without it. */
		libbpf_msg[0] = '\0';
		t->skel = open_and_load(netns_ino, vmlinux, true, warn, sizeof(warn));
		if (!t->skel) {
			load_error(err, errlen, "loading the eBPF tracer", errno);
			goto fail;
		}
		tl_appendf(warn, sizeof(warn),
			"%stracer: only state changes are traced; the other programs failed "
			"to load: %s (libbpf: %s)",
			warn[0] ? "; " : "",
			first == EACCES ? "rejected by the kernel's verifier" : strerror(first),
			first_msg);
	}

	struct prog_slot slots[N_PROGS];
	prog_slots(t->skel, slots);
	for (int i = 0; i < N_PROGS; i++) {
		if (!bpf_program__autoload(slots[i].prog))
			continue;
		libbpf_msg[0] = '\0';
		struct bpf_link *link = bpf_program__attach(slots[i].prog);
		if (!link) {
			int e = errno;
			if (slots[i].mandatory) {
				char what[96];
				snprintf(what, sizeof(what), "attaching to tracepoint %s",
					 slots[i].tracepoint);
				load_error(err, errlen, what, e);
				goto fail;
			}
			tl_appendf(warn, sizeof(warn), "%stracer: attaching to %s: %s; not traced",
				warn[0] ? "; " : "", slots[i].tracepoint, strerror(e));
			continue;
		}
		/* The skeleton destroys the links it holds. */
		*slots[i].link = link;
	}

	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_record, t, NULL);
	if (!t->rb) {
		load_error(err, errlen, "opening the tracer's ring buffer", errno);
		goto fail;
	}

	btf__free(vmlinux);
	libbpf_set_print(old_print);
	/* Success: err holds the warnings, if any, for the caller to show. */
	snprintf(err, errlen, "%s", warn);
	return t;

fail:
	btf__free(vmlinux);
	tl_tracer_close(t);
	libbpf_set_print(old_print);
	return NULL;
}

int tl_tracer_fd(const struct tl_tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

static enum tl_state state_of(unsigned v)
{
	return tl_state_valid((int)v) ? (enum tl_state)v : TL_STATE_NONE;
}

/*
 * The boundary: one kernel record to one timeline event. Returns false for a
 * record of a kind this build does not know (never expected: both halves are
 * built from the same tracer_record.h).
 */
static bool record_to_event(const struct tl_trace_record *r, struct tl_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->t_ns = r->t_ns;
	ev->side = TL_SIDE_NONE;
	const struct tl_tuple tuple = {
		.saddr = r->saddr,
		.daddr = r->daddr,
		.sport = r->sport,
		.dport = r->dport,
	};

	switch ((enum tl_rec_kind)r->kind) {
	case TL_REC_STATE:
		ev->kind = TL_EV_STATE;
		ev->u.state.sock_id = r->sk_id;
		ev->u.state.tuple = tuple;
		ev->u.state.from = state_of(r->old_state);
		ev->u.state.to = state_of(r->state);
		ev->u.state.source = TL_SRC_TRACEPOINT;
		return true;
	case TL_REC_RETRANS:
	case TL_REC_RETRANS_SYNACK:
		ev->kind = TL_EV_RETRANS;
		/* A full socket resends a SYN-ACK too: after a simultaneous
		 * open, or as a Fast Open server's child. */
		if (r->kind == TL_REC_RETRANS_SYNACK ||
		    (r->flags & (TL_TH_SYN | TL_TH_ACK)) == (TL_TH_SYN | TL_TH_ACK))
			ev->u.retrans.kind = TL_RETRANS_SYNACK;
		else if (r->flags & TL_TH_SYN)
			ev->u.retrans.kind = TL_RETRANS_SYN;
		else
			ev->u.retrans.kind = TL_RETRANS_SEGMENT;
		ev->u.retrans.tuple = tuple;
		ev->u.retrans.state = state_of(r->state);
		ev->u.retrans.seq = r->seq;
		ev->u.retrans.flags = r->flags;
		return true;
	case TL_REC_RESET_SENT:
	case TL_REC_RESET_RECEIVED:
		ev->kind = TL_EV_RESET;
		ev->u.reset.sent = r->kind == TL_REC_RESET_SENT;
		ev->u.reset.tuple = tuple;
		ev->u.reset.state = state_of(r->state);
		return true;
	case TL_REC_DROP:
		ev->kind = TL_EV_DROP;
		ev->u.drop.tuple = tuple;
		ev->u.drop.seq = r->seq;
		ev->u.drop.flags = r->flags;
		/* The rule's name is known to whoever installed it, not here. */
		return true;
	}
	return false;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct tl_tracer *t = ctx;
	struct tl_event ev;

	if (size < sizeof(struct tl_trace_record) || !t->sink)
		return 0;
	if (!record_to_event(data, &ev))
		return 0;
	if (tl_timeline_append(t->sink, &ev) < 0) {
		t->append_failed = true;
		return -ENOMEM; /* stops ring_buffer__consume */
	}
	t->appended++;
	return 0;
}

int tl_tracer_drain(struct tl_tracer *t, struct tl_timeline *tl, char *err, size_t errlen)
{
	t->sink = tl;
	t->appended = 0;
	t->append_failed = false;
	int rc = ring_buffer__consume(t->rb);
	t->sink = NULL;
	if (t->append_failed) {
		snprintf(err, errlen, "tracer: adding events to the timeline: %s",
			 strerror(ENOMEM));
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "tracer: reading the ring buffer: %s", strerror(-rc));
		return -1;
	}

	/* The kernel side counts what did not fit; say so on the timeline
	 * rather than let a state change vanish silently. */
	uint64_t lost = __atomic_load_n(&t->skel->bss->lost_records, __ATOMIC_RELAXED);
	if (lost > t->lost_reported) {
		struct tl_event ev;
		struct timespec now;
		memset(&ev, 0, sizeof(ev));
		clock_gettime(CLOCK_MONOTONIC, &now);
		ev.t_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
		ev.kind = TL_EV_NOTE;
		snprintf(ev.u.note, sizeof(ev.u.note),
			 "tracer: %llu kernel events lost (ring buffer full)",
			 (unsigned long long)(lost - t->lost_reported));
		t->lost_reported = lost;
		if (tl_timeline_append(tl, &ev) < 0) {
			snprintf(err, errlen, "tracer: adding events to the timeline: %s",
				 strerror(ENOMEM));
			return -1;
		}
		t->appended++;
	}
	return t->appended;
}

void tl_tracer_close(struct tl_tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	tracer_bpf__destroy(t->skel);
	free(t);
}
