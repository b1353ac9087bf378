/*
 * tracer: the user half of the eBPF tracer. Opens the bpftool skeleton of
 * src/lab/bpf/tracer.bpf.c, fixes the namespace filter in its read-only data,
 * loads and attaches the programs (only inet_sock_set_state is required; the
 * others are skipped with a warning on a kernel that lacks them), and turns
 * every ring buffer record into a struct tl_event in one place,
 * record_to_event().
 */
#include "lab/tracer.h"
#include "lab/clock.h"
#include "core/textbuf.h"

#include <bpf/btf.h>
#include <bpf/bpf.h>
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

_Static_assert(sizeof(struct tl_trace_record) == 64, "record layout shared with tracer.bpf.c");

/* A request or time-wait socket known from its timer. */
struct timed_socket {
	uint64_t id;
	struct tl_tuple tuple;
	uint8_t of;		/* TL_TIMER_OF_* */
	enum tl_state state;	/* SYN_RECV, or the time-wait socket's substate */
	uint64_t cancelled_ns;	/* its timer was stopped then, and not re-armed yet; 0 if not */
};

struct tl_tracer {
	struct tracer_bpf *skel;
	bool socket_timers; /* the four timer programs are attached */
	struct timed_socket *timed;
	size_t n_timed, cap_timed;
	struct ring_buffer *rb;
	/* Where the ring buffer callback appends, valid during a drain only. */
	struct tl_timeline *sink;
	int appended;
	bool append_failed;
	uint64_t lost_reported;
	uint64_t missed_reported;  /* runs the kernel skipped (recursion_misses), already said */
	uint64_t missed_checked_ns; /* when they were last counted */
};

/* How often the skipped runs are counted: one syscall per program each time. */
#define MISSED_CHECK_NS 250000000ull

/* One program and the tracepoint it needs. nargs counts the tracepoint
 * arguments the program reads: on a kernel whose tracepoint has fewer, the
 * verifier would reject the whole object, so such programs are left out.
 * The socket-timer programs are loaded only when asked for, and only when
 * both timer handlers were found in /proc/kallsyms. */
struct prog_slot {
	struct bpf_program *prog;
	struct bpf_link **link;
	const char *tracepoint;
	unsigned nargs;
	bool mandatory;
	bool socket_timer;
};

enum { N_PROGS = 10 };

/* How long a stopped timer may wait for its re-arm (mod_timer stops and starts in one call). */
#define REARM_WINDOW_NS TL_TRACER_REARM_WINDOW_NS

static void prog_slots(struct tracer_bpf *skel, struct prog_slot slots[N_PROGS])
{
	const struct prog_slot all[N_PROGS] = {
		{ skel->progs.on_set_state, &skel->links.on_set_state, "inet_sock_set_state", 3, true, false },
		{ skel->progs.on_retransmit_skb, &skel->links.on_retransmit_skb, "tcp_retransmit_skb", 3, false,
		  false },
		{ skel->progs.on_retransmit_synack, &skel->links.on_retransmit_synack, "tcp_retransmit_synack", 2,
		  false, false },
		{ skel->progs.on_send_reset, &skel->links.on_send_reset, "tcp_send_reset", 2, false, false },
		{ skel->progs.on_receive_reset, &skel->links.on_receive_reset, "tcp_receive_reset", 1, false, false },
		{ skel->progs.on_kfree_skb, &skel->links.on_kfree_skb, "kfree_skb", 3, false, false },
		{ skel->progs.on_timer_start, &skel->links.on_timer_start, "timer_start", 1, false, true },
		{ skel->progs.on_timer_cancel, &skel->links.on_timer_cancel, "timer_cancel", 1, false, true },
		{ skel->progs.on_timer_expire, &skel->links.on_timer_expire, "timer_expire_entry", 1, false, true },
		{ skel->progs.on_timer_done, &skel->links.on_timer_done, "timer_expire_exit", 1, false, true },
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
/*
 * The addresses of n functions from /proc/kallsyms (root sees real
 * addresses), 0 for one not found. One pass: the kernel formats the whole
 * table as it is read, some 50 ms of a lab's start for each scan.
 */
static void kernel_symbols(const char *const *names, uint64_t *addrs, size_t n)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[256], sym[128], type;
	unsigned long long addr;
	size_t found = 0;
	for (size_t i = 0; i < n; i++)
		addrs[i] = 0;
	if (!f)
		return;
	while (found < n && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s", &addr, &type, sym) != 3)
			continue;
		for (size_t i = 0; i < n; i++)
			if (!addrs[i] && !strcmp(sym, names[i])) {
				addrs[i] = addr;
				found++;
			}
	}
	fclose(f);
}

static struct tracer_bpf *open_and_load(uint32_t netns_ino, const struct btf *vmlinux, bool only_mandatory,
					bool socket_timers, char *warn, size_t warnlen)
{
	struct tracer_bpf *skel = tracer_bpf__open();
	if (!skel)
		return NULL;
	skel->rodata->target_netns = netns_ino;
	if (socket_timers && !only_mandatory) {
		static const char *const handlers[] = { "reqsk_timer_handler", "tw_timer_handler" };
		uint64_t addrs[2];
		kernel_symbols(handlers, addrs, 2);
		skel->rodata->request_timer_fn = addrs[0];
		skel->rodata->time_wait_timer_fn = addrs[1];
		if (!skel->rodata->request_timer_fn || !skel->rodata->time_wait_timer_fn) {
			tl_appendf(warn, warnlen, "%stracer: reqsk_timer_handler or tw_timer_handler is not in "
						  "/proc/kallsyms; request and time-wait sockets not traced",
				   warn[0] ? "; " : "");
			socket_timers = false;
		}
	}

	struct prog_slot slots[N_PROGS];
	prog_slots(skel, slots);
	for (int i = 0; i < N_PROGS; i++) {
		if (slots[i].mandatory)
			continue;
		if (only_mandatory || (slots[i].socket_timer && !socket_timers)) {
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
	return tl_tracer_open_with(netns_ino, false, err, errlen);
}

struct tl_tracer *tl_tracer_open_with(uint32_t netns_ino, bool socket_timers, char *err, size_t errlen)
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

	t->skel = open_and_load(netns_ino, vmlinux, false, socket_timers, warn, sizeof(warn));
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
		t->skel = open_and_load(netns_ino, vmlinux, true, false, warn, sizeof(warn));
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

	t->socket_timers = t->skel->links.on_timer_start && t->skel->links.on_timer_cancel &&
			   t->skel->links.on_timer_expire && t->skel->links.on_timer_done;
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

bool tl_tracer_socket_timers(const struct tl_tracer *t)
{
	return t->socket_timers;
}

int tl_tracer_fd(const struct tl_tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

static enum tl_state state_of(unsigned v)
{
	return tl_state_valid((int)v) ? (enum tl_state)v : TL_STATE_NONE;
}

/* The record's address bytes are already in tl_addr's form (tracer.bpf.c maps IPv4). */
static struct tl_addr addr_of(const __u8 bytes[16])
{
	struct tl_addr a;
	memcpy(a.b, bytes, sizeof(a.b));
	return a;
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
		.saddr = addr_of(r->saddr),
		.daddr = addr_of(r->daddr),
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
	case TL_REC_TIMER_START:
	case TL_REC_TIMER_CANCEL:
	case TL_REC_TIMER_EXPIRE:
	case TL_REC_TIMER_DONE:
		return false; /* on_timer_record() reads these, with what it knows of the socket */
	}
	return false;
}

static int emit(struct tl_tracer *t, const struct tl_event *ev)
{
	if (tl_timeline_append(t->sink, ev) < 0) {
		t->append_failed = true;
		return -ENOMEM; /* stops ring_buffer__consume */
	}
	t->appended++;
	return 0;
}

/* ---- request and time-wait sockets from their timers ---- */

static struct timed_socket *find_timed(struct tl_tracer *t, uint64_t id)
{
	for (size_t i = 0; i < t->n_timed; i++)
		if (t->timed[i].id == id)
			return &t->timed[i];
	return NULL;
}

static int timed_state(struct tl_tracer *t, const struct timed_socket *s, uint64_t t_ns, enum tl_state from,
		       enum tl_state to, const char *why)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_STATE };
	ev.u.state.sock_id = s->id;
	ev.u.state.tuple = s->tuple;
	ev.u.state.from = from;
	ev.u.state.to = to;
	ev.u.state.source = TL_SRC_SOCK_TIMER;
	snprintf(ev.u.state.why, sizeof(ev.u.state.why), "%s", why);
	return emit(t, &ev);
}

static int timed_gone(struct tl_tracer *t, size_t i, uint64_t t_ns, const char *why)
{
	struct timed_socket s = t->timed[i];
	t->timed[i] = t->timed[--t->n_timed];
	return timed_state(t, &s, t_ns, s.state, TL_CLOSE, why);
}

/* Timers stopped longer ago than a re-arm takes, by the clock the records use: those sockets went. */
static int settle_cancelled(struct tl_tracer *t, uint64_t now_ns)
{
	for (size_t i = 0; i < t->n_timed;) {
		const struct timed_socket *s = &t->timed[i];
		if (!s->cancelled_ns || s->cancelled_ns + REARM_WINDOW_NS > now_ns) {
			i++;
			continue;
		}
		const char *why = s->of == TL_TIMER_OF_REQUEST
					  ? "request socket gone before its timer ran out: the listener's child, or reset"
					  : "time-wait socket killed before its timer ran out (reused or reset)";
		if (timed_gone(t, i, s->cancelled_ns, why) < 0)
			return -1;
	}
	return 0;
}

static enum tl_state timed_state_of(const struct tl_trace_record *r)
{
	return r->flags == TL_TIMER_OF_REQUEST ? TL_SYN_RECV : state_of(r->state);
}

static int on_timer_record(struct tl_tracer *t, const struct tl_trace_record *r)
{
	if (settle_cancelled(t, r->t_ns) < 0)
		return -1;
	struct timed_socket *s = find_timed(t, r->sk_id);
	switch ((enum tl_rec_kind)r->kind) {
	case TL_REC_TIMER_START:
		if (!s) {
			if (t->n_timed == t->cap_timed) {
				size_t cap = t->cap_timed ? 2 * t->cap_timed : 64;
				struct timed_socket *grown = realloc(t->timed, cap * sizeof(*grown));
				if (!grown) {
					t->append_failed = true;
					return -ENOMEM;
				}
				t->timed = grown;
				t->cap_timed = cap;
			}
			s = &t->timed[t->n_timed++];
			*s = (struct timed_socket){
				.id = r->sk_id,
				.tuple = { .saddr = addr_of(r->saddr), .daddr = addr_of(r->daddr), .sport = r->sport,
					   .dport = r->dport },
				.of = r->flags,
				.state = timed_state_of(r),
			};
			return timed_state(t, s, r->t_ns, TL_STATE_NONE, s->state,
					   r->flags == TL_TIMER_OF_REQUEST ? "request socket made: its timer armed"
									   : "time-wait socket made: its timer armed");
		}
		s->cancelled_ns = 0; /* re-armed: a SYN-ACK resent, a substate moved on */
		if (timed_state_of(r) != s->state) {
			enum tl_state before = s->state;
			s->state = timed_state_of(r);
			return timed_state(t, s, r->t_ns, before, s->state, "time-wait socket moved on: its timer re-armed");
		}
		return 0;
	case TL_REC_TIMER_CANCEL:
		if (s)
			s->cancelled_ns = r->t_ns;
		return 0;
	case TL_REC_TIMER_EXPIRE:
		return 0;
	case TL_REC_TIMER_DONE:
		if (!s)
			return 0;
		return timed_gone(t, (size_t)(s - t->timed), r->t_ns,
				  s->of == TL_TIMER_OF_REQUEST ? "request socket dropped: its timer used up the SYN-ACK retries"
							       : "time-wait socket's timer ran out");
	default:
		return 0;
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct tl_tracer *t = ctx;
	struct tl_event ev;

	if (size < sizeof(struct tl_trace_record) || !t->sink)
		return 0;
	const struct tl_trace_record *r = data;
	if (r->kind >= TL_REC_TIMER_START && r->kind <= TL_REC_TIMER_DONE)
		return on_timer_record(t, r) < 0 ? -ENOMEM : 0;
	if (!record_to_event(data, &ev))
		return 0;
	return emit(t, &ev);
}

/* A note on the timeline, now. Returns 0, or -1 when out of memory. */
__attribute__((format(printf, 3, 4))) static int note(struct tl_tracer *t, struct tl_timeline *tl, const char *fmt, ...)
{
	struct tl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.t_ns = tl_now_ns();
	ev.kind = TL_EV_NOTE;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev.u.note, sizeof(ev.u.note), fmt, ap);
	va_end(ap);
	if (tl_timeline_append(tl, &ev) < 0)
		return -1;
	t->appended++;
	return 0;
}

int tl_tracer_drain(struct tl_tracer *t, struct tl_timeline *tl, char *err, size_t errlen)
{
	t->sink = tl;
	t->appended = 0;
	t->append_failed = false;
	int rc = ring_buffer__consume(t->rb);
	if (rc >= 0 && !t->append_failed)
		settle_cancelled(t, tl_now_ns());
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

	/* The kernel side counts what did not fit, and what it never ran; say so
	 * on the timeline rather than let a state change vanish silently. */
	uint64_t lost = __atomic_load_n(&t->skel->bss->lost_records, __ATOMIC_RELAXED);
	if (lost > t->lost_reported) {
		if (note(t, tl, "tracer: %llu kernel events lost (ring buffer full)",
			 (unsigned long long)(lost - t->lost_reported)) < 0)
			goto nomem;
		t->lost_reported = lost;
	}
	uint64_t now = tl_now_ns();
	if (now - t->missed_checked_ns >= MISSED_CHECK_NS) {
		t->missed_checked_ns = now;
		uint64_t missed = tl_tracer_missed(t);
		if (missed > t->missed_reported) {
			if (note(t, tl,
				 "tracer: %llu kernel events missed: one of its programs was already running on "
				 "that CPU (the kernel's BPF recursion guard skips it); a state change may be missing",
				 (unsigned long long)(missed - t->missed_reported)) < 0)
				goto nomem;
			t->missed_reported = missed;
		}
	}
	return t->appended;
nomem:
	snprintf(err, errlen, "tracer: adding events to the timeline: %s", strerror(ENOMEM));
	return -1;
}

uint64_t tl_tracer_missed(const struct tl_tracer *t)
{
	uint64_t missed = 0;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, t->skel->obj)
	{
		int fd = bpf_program__fd(prog);
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			missed += info.recursion_misses;
	}
	return missed;
}

void tl_tracer_close(struct tl_tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	tracer_bpf__destroy(t->skel);
	free(t->timed);
	free(t);
}
