/*
 * lab: the kernel runner.
 *
 * Threads: the caller runs the driver (scenario/driver.h), which walks the
 * script through the backend below; one worker per side
 * makes that side's socket calls in order; the observer collects packets,
 * tracer records and sock_diag sightings. They share one timeline under a
 * mutex; the condition variable wakes the driver when a call returns or the
 * observer saw something a wait step may be waiting for.
 */
#include "lab/lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lab/capture.h"
#include "lab/clock.h"
#include "lab/delayq.h"
#include "lab/firewall.h"
#include "lab/netns.h"
#include "lab/mib.h"
#include "lab/nflog.h"
#include "lab/rawsend.h"
#include "lab/sockdiag.h"
#include "lab/sides.h"
#include "lab/sockops.h"
#include "scenario/call.h"
#include "core/invariant.h"
#include "core/textbuf.h"
#include "lab/tracer.h"
#include "scenario/driver.h"
#include "scenario/flood.h"

#define DIAG_INTERVAL_NS 2000000ull	       /* sock_diag poll: request and time-wait sockets */
/* A wait on sockets with no news this long: a sock_diag dump checks what the events say is there. */
#define CHECK_AFTER_NS 1000000000ull
#define PROGRESS_AFTER_NS TL_NS_PER_S	       /* only waits longer than this deserve a progress line */
#define NAP_NS 100000000ull		       /* longest sleep of a wait between looks at the clock */
#define SIDE_NICE (-10) /* the side threads' priority: see favour_this_thread() */
#define TL_MAX_INJECTED 64 /* injected segments the capture has not shown yet */
#define NFLOG_GROUP 7 /* per namespace: parallel labs do not share it */
#define DELAY_QUEUE 7 /* the nfnetlink_queue queue of delay rules, per namespace too */

struct side_worker {
	struct lab *lab;
	enum tl_side side;
	pthread_t thread;
	bool started;
	struct tl_peer peer;
	const struct tl_step *queue[TL_DRIVE_MAX_CALLS];
	size_t queued; /* steps handed to the worker */
	size_t done;   /* steps it finished */
};

/* A socket the events say exists, for the waits when no dump is made. */
struct live_socket {
	uint64_t id;
	struct tl_tuple tuple;
	uint64_t absent_since_ns; /* 0, or when a check dump first missed it */
	enum tl_side side;
	enum tl_state state;
	bool connected; /* has a peer: a listener does not count as a connection */
};

struct mini_socket {
	uint64_t cookie;
	struct tl_tuple tuple;
	enum tl_state state;
	bool seen;
	uint64_t missed_ns; /* first dump that did not list it, 0 while listed */
};

struct lab {
	const struct tl_scenario *sc;
	const struct tl_lab_options *opt;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tl_timeline tl;
	bool quit; /* tells workers and observer to end */
	struct side_worker side[2];
	struct tl_sides sides; /* which side owns which socket, from the calls */

	/* observer */
	pthread_t observer;
	bool observer_started;
	struct tl_capture *cap;
	struct tl_tracer *tracer;
	struct tl_sockdiag *diag;      /* the observer's */
	struct tl_sockdiag *snap_diag; /* the driver's: a netlink socket runs one dump at a time */
	struct tl_firewall *firewall;  /* only when the scenario has faults */
	struct tl_nflog *nflog;
	struct tl_delayq *delayq;      /* only when the scenario has delay rules */
	int64_t real_minus_mono_ns;
	struct mini_socket *mini; /* the observer's: request and time-wait sockets seen so far */
	bool timed_by_tracer; /* their lives come exactly from the tracer (their timers): no dumps needed */
	struct live_socket *live; /* with timed_by_tracer: every socket the events say exists */
	size_t n_live, cap_live;
	uint64_t drained_ns; /* when the observer last took in what the kernel reported */
	size_t n_mini, cap_mini;
	struct tl_sock_row *rows; /* the last dump, for wait steps */
	size_t n_rows;
	uint64_t rows_ns;
	/* The dump before: a dump can miss a socket being handed to a time-wait
	 * socket, so an absence counts only when two dumps in a row agree. */
	struct tl_sock_row *prev_rows;
	size_t n_prev_rows;
	uint64_t prev_rows_ns;
	enum tl_state current[3]; /* newest state of each side's connection socket */
	uint64_t current_since_ns[3];
	enum tl_side waiting_for; /* the side a wait step waits on, for its progress line */
	bool waiting_on_sockets;  /* a wait whose condition reads the sockets */
	uint64_t drained_news_ns; /* when the observer last took in an event */
	uint64_t next_check_ns;	  /* the next check dump while such a wait has no news */
	struct tl_timer_settings timers; /* the namespace's, for predicted ends in progress lines */
	char observer_err[256];
	struct tl_counters mib_start; /* the namespace's TCP counters at the first step */
	struct tl_inject_plan injected[TL_MAX_INJECTED]; /* what inject steps sent, to mark in the capture */
	size_t n_injected;
	bool flooded[2]; /* a flood step routed its IPv4 [0] or IPv6 [1] prefix into lo: its SYNs are marked */
	bool census;	      /* many connections: the observer counts the sockets every TL_CENSUS_EVERY_NS */
	uint64_t next_census_ns;
};


static struct timespec deadline_in(uint64_t ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t total = (uint64_t)ts.tv_nsec + ns % 1000000000ull;
	ts.tv_sec += (time_t)(ns / 1000000000ull + total / 1000000000ull);
	ts.tv_nsec = (long)(total % 1000000000ull);
	return ts;
}

static bool stopping(const struct lab *lab)
{
	return lab->opt->stop && *lab->opt->stop;
}

static struct side_worker *worker_of(struct lab *lab, enum tl_side side)
{
	return &lab->side[side == TL_SIDE_SERVER ? 1 : 0];
}

/*
 * Under the lock. A failure (out of memory) ends the run as a broken
 * observer would: a timeline with a hole in it would mislead every check.
 */
static void append(struct lab *lab, const struct tl_event *ev)
{
	if (tl_timeline_append(&lab->tl, ev) < 0 && !lab->observer_err[0])
		tl_textf(lab->observer_err, sizeof(lab->observer_err), "out of memory recording the timeline");
}

/* Under the lock: the captured segments an inject step made are marked so, once each. */
static void mark_injected(struct lab *lab, struct tl_timeline *fresh)
{
	for (size_t i = 0; i < fresh->n; i++) {
		struct tl_packet *p = &fresh->ev[i].u.packet;
		if (fresh->ev[i].kind != TL_EV_PACKET)
			continue;
		/* Only a flood step's SYNs come from its prefix: the listener's answers go the other way. */
		if ((lab->flooded[0] || lab->flooded[1]) && tl_flood_is_source(&p->tuple.saddr))
			p->injected = true;
		for (size_t k = 0; k < lab->n_injected && !p->injected; k++)
			if (tl_inject_matches(&lab->injected[k], p)) {
				p->injected = true;
				lab->injected[k] = lab->injected[--lab->n_injected];
			}
	}
}

/* Under the lock: fresh observations, tagged with their sides, onto the timeline. */
static void take_in(struct lab *lab, struct tl_timeline *fresh)
{
	mark_injected(lab, fresh);
	tl_sides_tag(&lab->sides, fresh);
	if (tl_timeline_merge(&lab->tl, fresh) < 0 && !lab->observer_err[0])
		tl_textf(lab->observer_err, sizeof(lab->observer_err), "out of memory recording the timeline");
}

/* ---- side workers ---- */

/* Under the lock, before the call: the ports it will own or talk to. */
static void note_call_ports(struct lab *lab, enum tl_side side, const struct tl_step *st)
{
	uint16_t port = tl_call_port(st, lab->sc->port);
	if (st->kind == TL_STEP_LISTEN)
		tl_sides_bound(&lab->sides, side, port);
	else if (st->kind == TL_STEP_CONNECT || st->kind == TL_STEP_OPEN || st->kind == TL_STEP_CHURN)
		tl_sides_target(&lab->sides, side, port);
}

/* After a listen or connect: the local port the kernel gave (0 when none), as the call recorded it. */
static uint16_t local_port(const struct tl_step *st, const struct tl_app_call *call)
{
	return st->kind == TL_STEP_LISTEN || st->kind == TL_STEP_CONNECT ? call->local_port : 0;
}

/*
 * A side's next call follows the kernel's event that woke it (a FIN read,
 * then close()) as an application's would, well inside a delayed-ACK timer
 * of 40 ms, even while other labs keep the cores busy: the side and driver
 * threads have a higher share of the CPU than the observers' (nice, this
 * process's own threads only, set after the observer started so that it
 * keeps the default; the host's settings are untouched). Without the
 * privilege a thread runs as it is.
 */
static void set_this_thread_nice(int nice)
{
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

static void favour_this_thread(void)
{
	set_this_thread_nice(SIDE_NICE);
}

/*
 * Bulk work (a crowd's thousands of calls, a flood's SYNs) is not a wake-up
 * to serve quickly: favoured, it would starve every lab's observer, whose
 * delay queue must let held packets go on time.
 */
static void bulk_work_begins(void)
{
	set_this_thread_nice(0);
}

static void *side_main(void *arg)
{
	struct side_worker *w = arg;
	struct lab *lab = w->lab;
	favour_this_thread();
	pthread_mutex_lock(&lab->mu);
	for (;;) {
		while (!lab->quit && w->done == w->queued)
			pthread_cond_wait(&lab->cv, &lab->mu);
		if (lab->quit)
			break;
		const struct tl_step *st = w->queue[w->done];
		note_call_ports(lab, w->side, st);
		pthread_mutex_unlock(&lab->mu);

		struct tl_event ev = { .kind = TL_EV_APP, .side = w->side };
		uint64_t called = tl_now_ns();
		if (tl_step_is_crowd(st))
			bulk_work_begins();
		tl_sockop_run(&w->peer, st, lab->sc->host, lab->sc->port, &ev.u.app);
		if (tl_step_is_crowd(st))
			favour_this_thread();
		ev.t_ns = tl_now_ns();
		ev.u.app.called_ns = called;
		uint16_t given = local_port(st, &ev.u.app);

		pthread_mutex_lock(&lab->mu);
		if (lab->quit)
			break; /* woken by the clean-up at the end: not part of the run */
		tl_sides_bound(&lab->sides, w->side, given);
		append(lab, &ev);
		w->done++;
		pthread_cond_broadcast(&lab->cv);
	}
	pthread_mutex_unlock(&lab->mu);
	return NULL;
}

/* ---- observer ---- */

static struct mini_socket *find_mini(struct lab *lab, uint64_t cookie)
{
	for (size_t i = 0; i < lab->n_mini; i++)
		if (lab->mini[i].cookie == cookie)
			return &lab->mini[i];
	return NULL;
}

static int emit_sighting(struct tl_timeline *out, uint64_t t_ns, const struct mini_socket *m,
			 enum tl_state from, enum tl_state to)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_STATE };
	ev.u.state = (struct tl_state_change){
		.sock_id = m->cookie, .tuple = m->tuple, .from = from, .to = to,
		.source = TL_SRC_SOCK_DIAG,
	};
	return tl_timeline_append(out, &ev);
}

static struct mini_socket *new_mini(struct lab *lab)
{
	if (lab->n_mini == lab->cap_mini) {
		size_t cap = lab->cap_mini ? lab->cap_mini * 2 : 64;
		struct mini_socket *grown = realloc(lab->mini, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		lab->mini = grown;
		lab->cap_mini = cap;
	}
	return &lab->mini[lab->n_mini++];
}

/*
 * Compares a dump with the request and time-wait sockets seen before: the
 * state tracepoint is blind to them, so their births, changes and deaths
 * are reported from here.
 */
static int track_mini_sockets(struct lab *lab, const struct tl_sock_row *rows, size_t n,
			      uint64_t t_ns, struct tl_timeline *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < lab->n_mini; i++)
		lab->mini[i].seen = false;
	for (size_t r = 0; r < n; r++) {
		if (!tl_row_is_mini_socket(&rows[r]))
			continue;
		struct mini_socket *m = find_mini(lab, rows[r].cookie);
		if (!m) {
			if (!(m = new_mini(lab)))
				return tl_errorf(err, errlen, "out of memory tracking request and time-wait sockets");
			*m = (struct mini_socket){ .cookie = rows[r].cookie, .tuple = rows[r].tuple,
						   .state = TL_STATE_NONE };
		}
		m->seen = true;
		m->missed_ns = 0;
		if (m->state != rows[r].state) {
			if (!lab->timed_by_tracer && emit_sighting(out, t_ns, m, m->state, rows[r].state) < 0)
				return tl_errorf(err, errlen, "out of memory recording a sock_diag sighting");
			m->state = rows[r].state;
		}
	}
	for (size_t i = 0; i < lab->n_mini;) {
		if (lab->mini[i].seen) {
			i++;
			continue;
		}
		/* Gone only when two dumps in a row miss it, and since the first of them. */
		if (!lab->mini[i].missed_ns) {
			lab->mini[i].missed_ns = t_ns;
			i++;
			continue;
		}
		if (!lab->timed_by_tracer &&
		    emit_sighting(out, lab->mini[i].missed_ns, &lab->mini[i], lab->mini[i].state, TL_CLOSE) < 0)
			return tl_errorf(err, errlen, "out of memory recording a sock_diag sighting");
		lab->mini[i] = lab->mini[--lab->n_mini];
	}
	return 0;
}

/*
 * Under the lock: the sockets the events say exist. Full sockets come and go
 * with the state tracepoint, request and time-wait sockets with their timers;
 * a time-wait socket's timer is armed before the full socket's CLOSE, so a
 * side's connection never seems to vanish at the hand-over. Returns -1 when
 * out of memory.
 */
static int note_live_sockets(struct lab *lab, const struct tl_timeline *fresh)
{
	for (size_t i = 0; i < fresh->n; i++) {
		const struct tl_event *ev = &fresh->ev[i];
		if (ev->kind != TL_EV_STATE ||
		    (ev->u.state.source != TL_SRC_TRACEPOINT && ev->u.state.source != TL_SRC_SOCK_TIMER))
			continue;
		struct live_socket *s = NULL;
		for (size_t k = 0; k < lab->n_live && !s; k++)
			if (lab->live[k].id == ev->u.state.sock_id)
				s = &lab->live[k];
		if (ev->u.state.to == TL_CLOSE) {
			if (s)
				*s = lab->live[--lab->n_live];
			continue;
		}
		if (!s) {
			if (lab->n_live == lab->cap_live) {
				size_t cap = lab->cap_live ? 2 * lab->cap_live : 64;
				struct live_socket *grown = realloc(lab->live, cap * sizeof(*grown));
				if (!grown)
					return -1;
				lab->live = grown;
				lab->cap_live = cap;
			}
			s = &lab->live[lab->n_live++];
			*s = (struct live_socket){ .id = ev->u.state.sock_id };
		}
		s->state = ev->u.state.to;
		s->tuple = ev->u.state.tuple;
		s->absent_since_ns = 0;
		s->connected = ev->u.state.tuple.dport != 0;
		if (ev->side != TL_SIDE_NONE)
			s->side = ev->side;
	}
	return 0;
}

/*
 * A safety net under the events, used only while a wait on sockets has had
 * no news for CHECK_AFTER_NS: a socket the events say is there that two
 * dumps in a row, a check apart, no longer list has ended unseen (a timer
 * event the tracer missed). It ends on the timeline with source sock_diag
 * and says so, rather than leaving the wait to time out.
 */
static void check_live_sockets(struct lab *lab, const struct tl_sock_row *rows, size_t n_rows, uint64_t now,
			       struct tl_timeline *fresh)
{
	for (size_t k = 0; k < lab->n_live; k++) {
		struct live_socket *s = &lab->live[k];
		/* A listener ends by close(), which the tracepoint always sees; a connecting
		 * socket enters SYN_SENT before connect() picks its port, so its events
		 * may not say its own end. Only a known four-tuple can be looked for. */
		if (!s->connected || !s->tuple.sport)
			continue;
		bool listed = false;
		for (size_t r = 0; r < n_rows && !listed; r++)
			listed = tl_tuple_equal(&rows[r].tuple, &s->tuple);
		if (listed) {
			s->absent_since_ns = 0;
			continue;
		}
		if (!s->absent_since_ns) {
			s->absent_since_ns = now;
			continue;
		}
		struct tl_event ev = { .t_ns = s->absent_since_ns, .kind = TL_EV_STATE, .side = s->side };
		ev.u.state.sock_id = s->id;
		ev.u.state.tuple = s->tuple;
		ev.u.state.from = s->state;
		ev.u.state.to = TL_CLOSE;
		ev.u.state.source = TL_SRC_SOCK_DIAG;
		snprintf(ev.u.state.why, sizeof(ev.u.state.why),
			 "no kernel event ended it; sock_diag stopped listing it (the tracer missed its timer's end)");
		(void)tl_timeline_append(fresh, &ev); /* out of memory: the wait still sees the socket gone */
		lab->live[k--] = lab->live[--lab->n_live];
	}
}

/* Under the lock: the newest state of each side's connection socket. */
static void note_current_states(struct lab *lab, const struct tl_timeline *fresh)
{
	for (size_t i = 0; i < fresh->n; i++) {
		const struct tl_event *ev = &fresh->ev[i];
		if (ev->kind != TL_EV_STATE || ev->u.state.tuple.dport == 0 || ev->side == TL_SIDE_NONE)
			continue;
		enum tl_side side = ev->side;
		if (lab->current[side] != ev->u.state.to)
			lab->current_since_ns[side] = ev->t_ns;
		lab->current[side] = ev->u.state.to;
	}
}

static int observe_once(struct lab *lab, uint64_t *next_dump_ns)
{
	struct pollfd fds[4] = {
		{ .fd = tl_capture_fd(lab->cap), .events = POLLIN },
		{ .fd = tl_tracer_fd(lab->tracer), .events = POLLIN },
		{ .fd = lab->nflog ? tl_nflog_fd(lab->nflog) : -1, .events = POLLIN },
		{ .fd = lab->delayq ? tl_delayq_fd(lab->delayq) : -1, .events = POLLIN },
	};
	char err[256];
	struct tl_timeline fresh;
	tl_timeline_init(&fresh, 0);
	/* Timed by the tracer, the observer only waits for what the kernel reports; the
	 * timeout lets the tracer settle timers stopped and not re-armed. A held
	 * packet wakes it when it is due. */
	uint64_t wait_ns = (lab->timed_by_tracer ? 20 : 1) * 1000000ull;
	uint64_t due = lab->delayq ? tl_delayq_next_due_ns(lab->delayq) : 0, before = tl_now_ns();
	if (due)
		wait_ns = due <= before ? 0 : (due - before < wait_ns ? due - before : wait_ns);
	struct timespec timeout = { .tv_sec = (time_t)(wait_ns / 1000000000ull), .tv_nsec = (long)(wait_ns % 1000000000ull) };
	ppoll(fds, 4, &timeout, NULL);
	if (tl_capture_drain(lab->cap, lab->real_minus_mono_ns, &fresh, err, sizeof(err)) < 0 ||
	    tl_tracer_drain(lab->tracer, &fresh, err, sizeof(err)) < 0 ||
	    (lab->nflog && tl_nflog_drain(lab->nflog, lab->real_minus_mono_ns, &fresh, err, sizeof(err)) < 0) ||
	    (lab->delayq && tl_delayq_service(lab->delayq, lab->real_minus_mono_ns, &fresh, err, sizeof(err)) < 0))
		goto fail;
	uint64_t now = tl_now_ns();
	struct tl_sock_row *rows = NULL;
	size_t n_rows = 0;
	bool dumped = false;
	if (!lab->timed_by_tracer && now >= *next_dump_ns) {
		if (tl_sockdiag_dump(lab->diag, &rows, &n_rows, err, sizeof(err)) < 0)
			goto fail;
		/* Stamped after the dump: what it lists was true by then. */
		now = tl_now_ns();
		if (track_mini_sockets(lab, rows, n_rows, now, &fresh, err, sizeof(err)) < 0) {
			free(rows);
			goto fail;
		}
		*next_dump_ns = now + DIAG_INTERVAL_NS;
		dumped = true;
	}
	struct tl_sock_row *counted = NULL;
	size_t n_counted = 0;
	bool census = lab->census && now >= lab->next_census_ns;
	if (census) {
		if (tl_sockdiag_dump(lab->diag, &counted, &n_counted, err, sizeof(err)) < 0) {
			free(rows);
			goto fail;
		}
		lab->next_census_ns = now + TL_CENSUS_EVERY_NS;
	}
	pthread_mutex_lock(&lab->mu);
	if (census) {
		struct tl_event ev = { .t_ns = tl_now_ns(), .kind = TL_EV_CENSUS };
		tl_sides_tag_rows(&lab->sides, counted, n_counted);
		tl_census_add_rows(&ev.u.census, counted, n_counted);
		free(counted);
		if (tl_timeline_append(&fresh, &ev) < 0) {
			snprintf(err, sizeof(err), "out of memory counting the lab's sockets");
			pthread_mutex_unlock(&lab->mu);
			free(rows);
			goto fail;
		}
	}
	tl_sides_tag(&lab->sides, &fresh);
	note_current_states(lab, &fresh);
	if (lab->timed_by_tracer && note_live_sockets(lab, &fresh) < 0) {
		snprintf(err, sizeof(err), "out of memory tracking the lab's sockets");
		pthread_mutex_unlock(&lab->mu);
		goto fail;
	}
	if (lab->timed_by_tracer && lab->waiting_on_sockets && now >= lab->next_check_ns &&
	    now - lab->drained_news_ns >= CHECK_AFTER_NS) {
		struct tl_sock_row *check = NULL;
		size_t n_check = 0;
		if (tl_sockdiag_dump(lab->diag, &check, &n_check, err, sizeof(err)) == 0)
			check_live_sockets(lab, check, n_check, now, &fresh);
		free(check);
		lab->next_check_ns = now + CHECK_AFTER_NS / 4;
	}
	if (fresh.n)
		lab->drained_news_ns = now;
	lab->drained_ns = now;
	take_in(lab, &fresh);
	if (dumped) {
		tl_sides_tag_rows(&lab->sides, rows, n_rows);
		free(lab->prev_rows);
		lab->prev_rows = lab->rows;
		lab->n_prev_rows = lab->n_rows;
		lab->prev_rows_ns = lab->rows_ns;
		lab->rows = rows;
		lab->n_rows = n_rows;
		lab->rows_ns = now;
	}
	pthread_cond_broadcast(&lab->cv);
	pthread_mutex_unlock(&lab->mu);
	tl_timeline_free(&fresh);
	return 0;
fail:
	pthread_mutex_lock(&lab->mu);
	take_in(lab, &fresh); /* what was read before the failure still counts */
	snprintf(lab->observer_err, sizeof(lab->observer_err), "%s", err);
	pthread_cond_broadcast(&lab->cv);
	pthread_mutex_unlock(&lab->mu);
	return -1;
}

static void *observer_main(void *arg)
{
	struct lab *lab = arg;
	uint64_t next_dump_ns = 0;
	for (;;) {
		pthread_mutex_lock(&lab->mu);
		bool quit = lab->quit;
		pthread_mutex_unlock(&lab->mu);
		if (quit || observe_once(lab, &next_dump_ns) < 0)
			break;
	}
	return NULL;
}

/* ---- the driver ---- */

/*
 * When the state the waited-for side is in will end on its own, as the timer
 * model predicts from the namespace's settings (socket options aside).
 */
static bool predicted_end(struct lab *lab, uint64_t *end_ns, const char **why)
{
	enum tl_side side = lab->waiting_for;
	struct tl_timer_schedule *sched;
	struct tl_timer_fin_wait2 fw2;
	enum tl_timer_case which;
	int64_t end_ms;
	if (side == TL_SIDE_NONE)
		return false;
	switch (lab->current[side]) {
	case TL_SYN_SENT: which = TL_TIMER_SYN_SENT; *why = "SYN-SENT gives up"; break;
	case TL_SYN_RECV: which = TL_TIMER_SYNACK; *why = "the request is dropped"; break;
	case TL_FIN_WAIT1: which = TL_TIMER_FIN_WAIT1; *why = "the orphan in FIN-WAIT-1 is destroyed"; break;
	case TL_LAST_ACK: which = TL_TIMER_LAST_ACK; *why = "the orphan in LAST-ACK is destroyed"; break;
	case TL_FIN_WAIT2:
		if (tl_timer_fin_wait2(&lab->timers, &fw2, NULL, 0) < 0)
			return false;
		*end_ns = lab->current_since_ns[side] + (uint64_t)fw2.total_ms * 1000000ull;
		*why = "FIN-WAIT-2 times out";
		return true;
	case TL_TIME_WAIT:
		*end_ns = lab->current_since_ns[side] + (uint64_t)tl_timer_time_wait_ms() * 1000000ull;
		*why = "TIME-WAIT ends";
		return true;
	default:
		return false;
	}
	if (!(sched = malloc(sizeof(*sched))))
		return false;
	bool ok = tl_timer_predict(which, &lab->timers, sched, NULL, 0) == 0;
	end_ms = sched->give_up_ms;
	free(sched);
	*end_ns = lab->current_since_ns[side] + (uint64_t)end_ms * 1000000ull;
	return ok;
}

static void progress(struct lab *lab, const char *what, uint64_t started_ns, uint64_t limit_ns)
{
	if (!lab->opt->progress)
		return;
	uint64_t now = tl_now_ns(), end_ns;
	const char *why;
	char tail[96] = "";
	if (predicted_end(lab, &end_ns, &why) && end_ns > now)
		snprintf(tail, sizeof(tail), ", about %.0f s more until %s", (end_ns - now) / 1e9, why);
	else if (limit_ns)
		snprintf(tail, sizeof(tail), " (at most %.0f s)", limit_ns / 1e9);
	fprintf(lab->opt->progress, "\r\033[K  %s: waiting for %s: %.0f s%s", lab->sc->id, what,
		(now - started_ns) / 1e9, tail);
	fflush(lab->opt->progress);
}

static void progress_done(struct lab *lab)
{
	if (lab->opt->progress) {
		fprintf(lab->opt->progress, "\r\033[K");
		fflush(lab->opt->progress);
	}
}

/* ---- the driver's backend: called with the lock held ---- */

static uint64_t be_now(void *ctx)
{
	(void)ctx;
	return tl_now_ns();
}

static void be_start_call(void *ctx, const struct tl_step *st)
{
	struct lab *lab = ctx;
	struct side_worker *w = worker_of(lab, st->side);
	TL_ASSERT(w->queued < TL_DRIVE_MAX_CALLS);
	w->queue[w->queued++] = st;
	pthread_cond_broadcast(&lab->cv);
}

static size_t be_calls_returned(void *ctx, enum tl_side side)
{
	return worker_of(ctx, side)->done;
}

static bool wait_holds(const struct tl_drive_wait *w, uint64_t now)
{
	return w->cond ? w->cond(w->arg) : now >= w->deadline_ns;
}

/* Sleeps on the condition variable: workers and the observer broadcast what they change. */
static enum tl_drive_result be_run_until(void *ctx, const struct tl_drive_wait *w)
{
	struct lab *lab = ctx;
	uint64_t start = tl_now_ns(), shown = start;
	uint64_t limit_ns = w->cond && w->deadline_ns > start ? w->deadline_ns - start : 0;
	lab->waiting_for = w->side;
	lab->waiting_on_sockets = w->cond != NULL;
	lab->next_check_ns = start + CHECK_AFTER_NS;
	for (;;) {
		/* One reading of the clock per turn: a wait without a condition must not
		 * see its deadline pass between two readings and call that a timeout. */
		uint64_t now = tl_now_ns();
		if (wait_holds(w, now))
			break;
		enum tl_drive_result ended = stopping(lab) ? TL_DRIVE_STOPPED
					     : lab->observer_err[0] ? TL_DRIVE_BROKEN
					     : now >= w->deadline_ns ? TL_DRIVE_TIMEOUT
								      : TL_DRIVE_OK;
		if (ended != TL_DRIVE_OK) {
			lab->waiting_on_sockets = false;
			return ended;
		}
		if (now - shown >= PROGRESS_AFTER_NS) {
			progress(lab, w->what, start, limit_ns);
			shown = now;
		}
		uint64_t nap = w->deadline_ns - now < NAP_NS ? w->deadline_ns - now : NAP_NS;
		struct timespec ts = deadline_in(nap);
		pthread_cond_timedwait(&lab->cv, &lab->mu, &ts);
	}
	lab->waiting_on_sockets = false;
	if (shown != start)
		progress_done(lab);
	return TL_DRIVE_OK;
}

static enum tl_state be_newest_state(void *ctx, enum tl_side side)
{
	const struct lab *lab = ctx;
	return lab->current[side];
}

static long count_rows(const struct tl_sock_row *rows, size_t n, enum tl_side side, const enum tl_state *states,
		       size_t n_states)
{
	long count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tl_sock_row *r = &rows[i];
		bool sides_match = side == TL_SIDE_NONE || r->side == side;
		if (r->tuple.dport && sides_match && tl_drive_state_in(r->state, states, n_states))
			count++;
	}
	return count;
}

/*
 * Sockets the last dump lists; none only when the dump before it, also
 * fresh, lists none either: one dump can miss a socket while the kernel
 * hands it to a time-wait socket (seen: a wait for the server to be gone
 * ended at the hand-over, 2 runs in 20). -1 until the dumps are fresh.
 */
static long be_count_listed(void *ctx, enum tl_side side, const enum tl_state *states, size_t n_states,
			    uint64_t since_ns)
{
	const struct lab *lab = ctx;
	if (lab->timed_by_tracer) {
		/* What the events said, once the observer has taken in all reported since the wait began. */
		if (lab->drained_ns <= since_ns)
			return -1;
		long count = 0;
		for (size_t i = 0; i < lab->n_live; i++) {
			const struct live_socket *s = &lab->live[i];
			if (s->connected && (side == TL_SIDE_NONE || s->side == side) &&
			    tl_drive_state_in(s->state, states, n_states))
				count++;
		}
		return count;
	}
	if (lab->rows_ns <= since_ns)
		return -1;
	long count = count_rows(lab->rows, lab->n_rows, side, states, n_states);
	if (count)
		return count;
	if (lab->prev_rows_ns <= since_ns)
		return -1;
	return count_rows(lab->prev_rows, lab->n_prev_rows, side, states, n_states);
}

static void be_snapshot(void *ctx, const char *label)
{
	struct lab *lab = ctx;
	struct tl_event ev = { .t_ns = tl_now_ns(), .kind = TL_EV_SNAPSHOT };
	char err[128];
	tl_textf(ev.u.snapshot.label, sizeof(ev.u.snapshot.label), "%s", label);
	if (tl_sockdiag_dump(lab->snap_diag, &ev.u.snapshot.rows, &ev.u.snapshot.n, err, sizeof(err)) < 0) {
		struct tl_event note = { .t_ns = ev.t_ns, .kind = TL_EV_NOTE };
		tl_textf(note.u.note, sizeof(note.u.note), "snapshot failed: %s", err);
		append(lab, &note);
		return;
	}
	tl_sides_tag_rows(&lab->sides, ev.u.snapshot.rows, ev.u.snapshot.n);
	append(lab, &ev);
}

static int be_fault_add(void *ctx, const struct tl_fault *f, char *why, size_t len)
{
	struct lab *lab = ctx;
	int rc;
	if (f->action == TL_FAULT_DELAY) {
		uint32_t mark;
		rc = tl_delayq_add_rule(lab->delayq, f, &mark, why, len);
		if (rc == 0)
			rc = tl_firewall_add_delay(lab->firewall, f, mark, DELAY_QUEUE, why, len);
	} else {
		rc = tl_firewall_add(lab->firewall, f, why, len);
	}
	return rc == TL_FIREWALL_REFUSED ? TL_RUN_REFUSED : rc;
}

/* The rule that stands for the flood's absent hosts: it drops what is sent to them. */
static int add_flood_rule(struct lab *lab, int family, char *why, size_t len)
{
	struct tl_fault rule;
	tl_flood_drop_rule(family, &rule);
	return tl_firewall_add(lab->firewall, &rule, why, len) < 0 ? -1 : 0;
}

/* undrop removes the scenario's rules, not the flood's: its hosts stay absent. */
static int be_faults_clear(void *ctx, char *why, size_t len)
{
	struct lab *lab = ctx;
	if (tl_firewall_remove_all(lab->firewall, why, len) < 0)
		return -1;
	for (int v6 = 0; v6 < 2; v6++)
		if (lab->flooded[v6] && add_flood_rule(lab, v6 ? AF_INET6 : AF_INET, why, len) < 0)
			return -1;
	return 0;
}

static void be_note(void *ctx, const char *text)
{
	struct lab *lab = ctx;
	struct tl_event ev = { .t_ns = tl_now_ns(), .kind = TL_EV_NOTE };
	tl_textf(ev.u.note, sizeof(ev.u.note), "%s", text);
	append(lab, &ev);
}

/* How long an inject waits for the observer to take in what was sent before it. */
#define INJECT_SETTLE_NS 500000000ull

static int be_inject(void *ctx, const struct tl_step *st, char *why, size_t len)
{
	struct lab *lab = ctx;
	uint64_t asked = tl_now_ns();
	struct tl_inject_plan plan;
	/* Under the lock, as every driver call (the waits release it). The segment follows the connection's newest one: the capture must have handed it over. */
	struct timespec until = deadline_in(INJECT_SETTLE_NS);
	while (lab->drained_ns <= asked && !lab->observer_err[0] &&
	       pthread_cond_timedwait(&lab->cv, &lab->mu, &until) == 0)
		;
	if (tl_inject_plan(&lab->tl, st, &plan, why, len) < 0)
		return TL_RUN_REFUSED;
	int rc = 0;
	if (lab->n_injected == TL_MAX_INJECTED)
		rc = tl_errorf(why, len, "more than %d injected segments not yet seen by the capture", TL_MAX_INJECTED);
	if (rc == 0) {
		lab->injected[lab->n_injected++] = plan;
		struct tl_event ev = { .t_ns = tl_now_ns(), .kind = TL_EV_NOTE };
		tl_inject_note(st, &plan, ev.u.note, sizeof(ev.u.note));
		append(lab, &ev);
	}
	return rc < 0 ? rc : tl_raw_send(&plan, why, len);
}

/* Sends the flood's SYNs, one every st->duration_ns, from the first on. */
static int send_flood(const struct tl_step *st, const struct tl_addr *target, uint16_t port, char *why, size_t len)
{
	int fd = tl_raw_open(tl_addr_family(target), why, len);
	if (fd < 0)
		return -1;
	struct tl_pacer pacer = { .every_ns = st->duration_ns };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < st->count; i++) {
		tl_pace(&pacer);
		struct tl_flood_syn syn;
		tl_flood_syn(target, port, i, &syn);
		struct tl_raw_segment seg = { .tuple = syn.tuple, .seq = syn.seq, .flags = TL_TH_SYN,
					      .window = syn.window, .options = syn.options,
					      .options_len = syn.options_len };
		rc = tl_raw_send_segment(fd, &seg, why, len);
	}
	close(fd);
	return rc;
}

static int be_flood(void *ctx, const struct tl_step *st, char *why, size_t len)
{
	struct lab *lab = ctx;
	struct tl_addr target, net;
	unsigned prefix_len;
	if (!tl_addr_parse(lab->sc->host, &target))
		return tl_errorf(why, len, "the scenario's host %s is not an address", lab->sc->host);
	int family = tl_addr_family(&target);
	bool *routed = &lab->flooded[family == AF_INET6];
	tl_flood_prefix(family, &net, &prefix_len);
	if (!*routed && (tl_netns_route_into_lo(&net, prefix_len, why, len) < 0 || add_flood_rule(lab, family, why, len) < 0))
		return -1;
	*routed = true;
	struct tl_event ev = { .t_ns = tl_now_ns(), .kind = TL_EV_NOTE };
	tl_flood_note(st, &target, lab->sc->server_port, ev.u.note, sizeof(ev.u.note));
	append(lab, &ev);
	/* Paced sends take a while: the observer must go on taking in what they cause. */
	pthread_mutex_unlock(&lab->mu);
	bulk_work_begins();
	int rc = send_flood(st, &target, lab->sc->server_port, why, len);
	favour_this_thread();
	pthread_mutex_lock(&lab->mu);
	return rc;
}

static void be_first_step(void *ctx)
{
	struct lab *lab = ctx;
	char why[160];
	/* The counters' starting point: the set-up's own traffic (none) is not the scenario's. */
	if (tl_mib_read(&lab->mib_start, why, sizeof(why)) < 0) {
		char note[160];
		tl_textf(note, sizeof(note), "no TCP counters for this run: %s", why);
		be_note(ctx, note);
	}
	lab->tl.t0_ns = tl_now_ns(); /* time 0 is the first step, not the lab's set-up */
}

/* Under the lock, after the last step: how much each counter grew, on the timeline. */
static void record_counters(struct lab *lab)
{
	char why[160];
	struct tl_event ev = { .kind = TL_EV_COUNTERS };
	if (!lab->mib_start.v)
		return;
	if (tl_mib_read(&ev.u.counters, why, sizeof(why)) < 0) {
		char note[160];
		tl_textf(note, sizeof(note), "no TCP counters at the end of the run: %s", why);
		be_note(lab, note);
		return;
	}
	tl_mib_delta(&lab->mib_start, &ev.u.counters);
	ev.t_ns = tl_now_ns();
	append(lab, &ev);
}

static const char *be_broken(void *ctx)
{
	const struct lab *lab = ctx;
	return lab->observer_err[0] ? lab->observer_err : "observer failed";
}


static bool has_delays(const struct lab *lab)
{
	for (size_t i = 0; i < lab->sc->n_steps; i++)
		if (lab->sc->steps[i].kind == TL_STEP_FAULT && lab->sc->steps[i].rule.action == TL_FAULT_DELAY)
			return true;
	for (size_t i = 0; i < lab->opt->n_faults; i++)
		if (lab->opt->faults[i].action == TL_FAULT_DELAY)
			return true;
	return false;
}

/* Fault rules, or a flood, whose answers to its spoofed sources a rule drops. */
static bool has_faults(const struct lab *lab)
{
	if (lab->opt->n_faults)
		return true;
	for (size_t i = 0; i < lab->sc->n_steps; i++)
		if (lab->sc->steps[i].kind == TL_STEP_FAULT || lab->sc->steps[i].kind == TL_STEP_FLOOD)
			return true;
	return false;
}

/* The profile's sysctls first, so that a scenario's own sysctl lines win. */
static int apply_sysctls(struct lab *lab, char *err, size_t errlen)
{
	char why[256], value[32];
	const struct tl_timer_profile *prof = lab->opt->timers;
	for (size_t i = 0; prof && i < prof->n_sysctls; i++) {
		snprintf(value, sizeof(value), "%ld", prof->sysctls[i].value);
		if (tl_sysctl_set(prof->sysctls[i].name, value, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "timer profile %s: %s", prof->name, why);
			return -1;
		}
	}
	for (size_t i = 0; i < lab->sc->n_sysctls; i++) {
		const struct tl_sysctl *s = &lab->sc->sysctls[i];
		int rc = tl_sysctl_set(s->name, s->value, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "line %d: %s", s->line, why);
			return rc == TL_SYSCTL_REFUSED ? TL_RUN_REFUSED : -1;
		}
	}
	return 0;
}

/*
 * What the model needs, read back from the namespace: the truth, whatever
 * set it. A sysctl that cannot be read (an older kernel lacks
 * tcp_syn_linear_timeouts) or that the model refuses leaves its default in
 * place, and the timeline says so: every prediction depends on it.
 */
static long held_value(const struct tl_timer_settings *s, const char *name)
{
	long v = 0;
	for (size_t i = 0; i < tl_timer_sysctl_count(); i++) {
		const char *base = tl_timer_sysctl_at(s, i, &v);
		size_t nl = strlen(name), bl = base ? strlen(base) : 0;
		if (base && nl >= bl && !strcmp(name + nl - bl, base))
			return v;
	}
	return v;
}

static void read_timer_settings(struct lab *lab, struct tl_timer_settings *out)
{
	const struct tl_timer_profile *all = tl_timer_profile_find("kernel");
	tl_timer_settings_default(out);
	TL_ASSERT(all != NULL);
	for (size_t i = 0; all && i < all->n_sysctls; i++) {
		const char *name = all->sysctls[i].name, *dot = strrchr(name, '.');
		long v;
		char why[200], text[160];
		if (tl_sysctl_get_long(name, &v, why, sizeof(why)) < 0 ||
		    tl_timer_settings_set(out, name, v, why, sizeof(why)) < 0) {
			tl_textf(text, sizeof(text), "timer model: %.80s; it predicts with %s = %ld", why,
				 dot ? dot + 1 : name, held_value(out, name));
			pthread_mutex_lock(&lab->mu);
			be_note(lab, text);
			pthread_mutex_unlock(&lab->mu);
		}
	}
}

static int start_firewall(struct lab *lab, char *err, size_t errlen)
{
	char why[512];
	if (!has_faults(lab))
		return 0;
	if (!(lab->nflog = tl_nflog_open(NFLOG_GROUP, why, sizeof(why))) ||
	    !(lab->firewall = tl_firewall_open(NFLOG_GROUP, why, sizeof(why)))) {
		snprintf(err, errlen, "faults: %s", why);
		return -1;
	}
	if (has_delays(lab) && !(lab->delayq = tl_delayq_open(DELAY_QUEUE, why, sizeof(why)))) {
		snprintf(err, errlen, "faults: %s", why);
		return -1;
	}
	return 0;
}

static int start_lab(struct lab *lab, char *err, size_t errlen)
{
	char why[256];
	int rc = apply_sysctls(lab, err, errlen);
	if (rc < 0)
		return rc;
	uint32_t ns_ino = tl_netns_inode();
	if (!ns_ino) {
		snprintf(err, errlen, "cannot read this network namespace's inode");
		return -1;
	}
	why[0] = '\0';
	/* The fallback can be asked for, so that it is tested on kernels that do not need it. */
	const char *poll_env = getenv("TCPLAB_POLL_BLIND_SPOTS");
	bool want_timers = !(poll_env && !strcmp(poll_env, "1"));
	if (!(lab->tracer = tl_tracer_open_with(ns_ino, want_timers, why, sizeof(why)))) {
		snprintf(err, errlen, "state tracer: %s", why);
		return -1;
	}
	lab->timed_by_tracer = tl_tracer_socket_timers(lab->tracer);
	if (why[0]) {
		/* Loaded with a warning (an optional program is missing): say so on the timeline. */
		struct tl_event note = { .t_ns = tl_now_ns(), .kind = TL_EV_NOTE };
		snprintf(note.u.note, sizeof(note.u.note), "tracer: %.140s", why);
		append(lab, &note);
	}
	if (!lab->timed_by_tracer) {
		struct tl_event note = { .t_ns = tl_now_ns(), .kind = TL_EV_NOTE };
		snprintf(note.u.note, sizeof(note.u.note),
			 "request and time-wait sockets: sock_diag polled every %llu ms (their timers are not traced%s)",
			 DIAG_INTERVAL_NS / 1000000, want_timers ? " on this kernel" : ": TCPLAB_POLL_BLIND_SPOTS=1");
		append(lab, &note);
	}
	if (!(lab->cap = tl_capture_open("lo", why, sizeof(why)))) {
		snprintf(err, errlen, "packet capture: %s", why);
		return -1;
	}
	if (!(lab->diag = tl_sockdiag_open(why, sizeof(why))) ||
	    !(lab->snap_diag = tl_sockdiag_open(why, sizeof(why)))) {
		snprintf(err, errlen, "sock_diag: %s", why);
		return -1;
	}
	lab->real_minus_mono_ns = tl_realtime_minus_mono_ns();
	if (start_firewall(lab, err, errlen) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		struct side_worker *w = &lab->side[i];
		w->lab = lab;
		w->side = i ? TL_SIDE_SERVER : TL_SIDE_CLIENT;
		tl_peer_init(&w->peer);
		if (pthread_create(&w->thread, NULL, side_main, w)) {
			snprintf(err, errlen, "cannot start the %s thread", tl_side_name(w->side));
			return -1;
		}
		w->started = true;
	}
	if (pthread_create(&lab->observer, NULL, observer_main, lab)) {
		snprintf(err, errlen, "cannot start the observer thread");
		return -1;
	}
	lab->observer_started = true;
	return 0;
}

/* After the observer stopped: what the sources still hold. A failure here is said on the timeline. */
static void collect_rest(struct lab *lab)
{
	char err[256] = "";
	struct tl_timeline fresh;
	tl_timeline_init(&fresh, 0);
	/* A time-wait socket killed just before the end is known gone only a window after its timer stopped. */
	struct timespec settle = { 0, (long)TL_TRACER_REARM_WINDOW_NS };
	while (nanosleep(&settle, &settle) < 0 && errno == EINTR)
		;
	if ((lab->cap && tl_capture_drain(lab->cap, lab->real_minus_mono_ns, &fresh, err, sizeof(err)) < 0) ||
	    (lab->nflog && tl_nflog_drain(lab->nflog, lab->real_minus_mono_ns, &fresh, err, sizeof(err)) < 0) ||
	    (lab->delayq && tl_delayq_service(lab->delayq, lab->real_minus_mono_ns, &fresh, err, sizeof(err)) < 0) ||
	    (lab->tracer && tl_tracer_drain(lab->tracer, &fresh, err, sizeof(err)) < 0)) {
		struct tl_event note = { .t_ns = tl_now_ns(), .kind = TL_EV_NOTE };
		tl_textf(note.u.note, sizeof(note.u.note), "the last events could not all be read: %.100s", err);
		tl_timeline_append(&fresh, &note);
	}
	if (lab->delayq && tl_delayq_held(lab->delayq)) {
		/* The run ended inside a hold: those packets never arrive. */
		struct tl_event note = { .t_ns = tl_now_ns(), .kind = TL_EV_NOTE };
		size_t n = tl_delayq_held(lab->delayq);
		tl_textf(note.u.note, sizeof(note.u.note), "delay: %zu %s still held when the run ended (never delivered)",
			 n, n == 1 ? "packet" : "packets");
		tl_timeline_append(&fresh, &note);
	}
	pthread_mutex_lock(&lab->mu);
	take_in(lab, &fresh);
	pthread_mutex_unlock(&lab->mu);
}

/*
 * Stops observing, collects what is still queued, then ends every socket
 * still open in the namespace, so that blocked calls return and no orphaned
 * socket keeps the namespace alive after the run. Returns false when a worker
 * could not be joined (it still holds the lab, which must then not be freed).
 */
static bool stop_lab(struct lab *lab)
{
	bool all_joined = true;
	pthread_mutex_lock(&lab->mu);
	lab->quit = true;
	pthread_cond_broadcast(&lab->cv);
	pthread_mutex_unlock(&lab->mu);
	if (lab->observer_started)
		pthread_join(lab->observer, NULL);
	collect_rest(lab);
	tl_tracer_close(lab->tracer);
	tl_capture_close(lab->cap);
	lab->tracer = NULL;
	lab->cap = NULL;
	if (lab->diag)
		tl_sockdiag_destroy_all(lab->diag);
	for (int i = 0; i < 2; i++) {
		struct side_worker *w = &lab->side[i];
		if (!w->started)
			continue;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		if (pthread_timedjoin_np(w->thread, NULL, &ts) == 0) {
			tl_peer_close_all(&w->peer);
		} else {
			pthread_detach(w->thread);
			all_joined = false;
		}
	}
	return all_joined;
}

int tl_lab_run(const struct tl_scenario *sc, const struct tl_lab_options *o,
	       struct tl_timeline *tl, struct tl_timer_settings *timers, char *err, size_t errlen)
{
	struct lab *lab = calloc(1, sizeof(*lab));
	int rc = 0;
	if (!lab) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lab->sc = sc;
	lab->opt = o;
	tl_sides_init(&lab->sides);
	lab->census = tl_scenario_has_many(sc);
	pthread_mutex_init(&lab->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&lab->cv, &ca);
	pthread_condattr_destroy(&ca);
	tl_timeline_init(&lab->tl, tl_now_ns());

	const struct tl_drive_backend backend = {
		.ctx = lab, .now = be_now, .start_call = be_start_call, .calls_returned = be_calls_returned,
		.run_until = be_run_until, .newest_state = be_newest_state, .count_listed = be_count_listed,
		.snapshot = be_snapshot, .fault_add = be_fault_add, .faults_clear = be_faults_clear,
		.note = be_note, .broken = be_broken, .first_step = be_first_step, .inject = be_inject,
		.flood = be_flood,
	};
	rc = start_lab(lab, err, errlen);
	read_timer_settings(lab, timers);
	lab->timers = *timers;
	pthread_mutex_lock(&lab->mu);
	lab->tl.t0_ns = tl_now_ns(); /* until the first step: a failed set-up still has a time 0 */
	if (rc == 0) {
		struct tl_drive_options drive = { o->faults, o->n_faults, o->wait_time_wait };
		favour_this_thread(); /* the driver: a sleep step's end starts the next call on time, too */
		rc = tl_drive(sc, &backend, &drive, err, errlen);
		record_counters(lab);
	}
	if (rc == -1 && lab->observer_err[0])
		snprintf(err, errlen, "%s", lab->observer_err);
	pthread_mutex_unlock(&lab->mu);

	bool joined = stop_lab(lab);
	pthread_mutex_lock(&lab->mu);
	if (rc == 0 && lab->observer_err[0]) /* failed after the last wait, or recording the last events */
		rc = tl_errorf(err, errlen, "%s", lab->observer_err);
	tl_timeline_sort(&lab->tl);
	*tl = lab->tl;
	tl_timeline_init(&lab->tl, 0);
	pthread_mutex_unlock(&lab->mu);
	if (!joined)
		return rc; /* a stuck worker still uses lab; process exit reclaims it */
	tl_sockdiag_close(lab->diag);
	tl_sockdiag_close(lab->snap_diag);
	tl_firewall_close(lab->firewall);
	tl_nflog_close(lab->nflog);
	tl_delayq_close(lab->delayq);
	free(lab->rows);
	free(lab->prev_rows);
	free(lab->live);
	free(lab->mini);
	free(lab->mib_start.v);
	pthread_cond_destroy(&lab->cv);
	pthread_mutex_destroy(&lab->mu);
	free(lab);
	return rc;
}
