/*
 * driver: the one meaning of a scenario's steps, over a backend.
 */
#include "scenario/driver.h"

#include "core/invariant.h"
#include "core/textbuf.h"

struct driver {
	const struct tl_scenario *sc;
	const struct tl_drive_backend *be;
	uint64_t last_now_ns; /* the backend's clock never runs backwards: waits rely on it */
};

bool tl_drive_state_matches(enum tl_state want, enum tl_state is)
{
	bool want_syn_recv = want == TL_SYN_RECV || want == TL_NEW_SYN_RECV;
	bool is_syn_recv = is == TL_SYN_RECV || is == TL_NEW_SYN_RECV;
	return want_syn_recv ? is_syn_recv : want == is;
}

bool tl_drive_state_in(enum tl_state s, const enum tl_state *states, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (states[i] == s)
			return true;
	return n == 0;
}

/* ---- conditions ---- */

struct calls_arg {
	const struct tl_drive_backend *be;
	enum tl_side side;
	size_t count;
};

static bool calls_reached(const void *arg)
{
	const struct calls_arg *a = arg;
	size_t returned = a->be->calls_returned(a->be->ctx, a->side);
	TL_ASSERT(returned <= a->count); /* a side returns only calls it was handed */
	return returned >= a->count;
}

struct state_arg {
	const struct tl_drive_backend *be;
	enum tl_side side;
	enum tl_state states[2]; /* the states that satisfy the wait */
	size_t n_states;
	uint64_t since_ns;
};

static void wanted_states(struct state_arg *a, enum tl_state want)
{
	a->n_states = 0;
	for (enum tl_state s = TL_ESTABLISHED; s < TL_STATE_COUNT; s++)
		if (tl_drive_state_matches(want, s) && a->n_states < 2)
			a->states[a->n_states++] = s;
	TL_ASSERT(a->n_states > 0);
}

/* Its newest state, or one a listing shows: a dump may miss a brief state, the tracer a request socket. */
static bool side_in_state(const void *arg)
{
	const struct state_arg *a = arg;
	enum tl_state newest = a->be->newest_state(a->be->ctx, a->side);
	for (size_t i = 0; i < a->n_states; i++)
		if (newest == a->states[i])
			return true;
	return a->be->count_listed(a->be->ctx, a->side, a->states, a->n_states, 0) > 0;
}

/* Gone only by a listing made after the wait began: an older one may predate the socket. */
static bool side_gone(const void *arg)
{
	const struct state_arg *a = arg;
	return a->be->count_listed(a->be->ctx, a->side, NULL, 0, a->since_ns) == 0;
}

static bool no_time_wait(const void *arg)
{
	const struct state_arg *a = arg;
	return a->be->count_listed(a->be->ctx, TL_SIDE_NONE, a->states, a->n_states, a->since_ns) == 0;
}

/* ---- waiting ---- */

static int wait_for(struct driver *d, const struct tl_drive_wait *w, int line, char *err, size_t errlen)
{
	switch (d->be->run_until(d->be->ctx, w)) {
	case TL_DRIVE_OK:
		TL_ASSERT(w->cond ? w->cond(w->arg) : d->be->now(d->be->ctx) >= w->deadline_ns);
		return 0;
	case TL_DRIVE_STOPPED:
		return 1;
	case TL_DRIVE_TIMEOUT:
		return tl_errorf(err, errlen, "line %d: %s did not happen in time", line, w->what);
	case TL_DRIVE_BROKEN:
		return tl_errorf(err, errlen, "%s", d->be->broken(d->be->ctx));
	}
	return tl_errorf(err, errlen, "line %d: a wait ended for no known reason", line);
}

static uint64_t now(struct driver *d)
{
	uint64_t t = d->be->now(d->be->ctx);
	TL_ASSERT(t >= d->last_now_ns);
	d->last_now_ns = t;
	return t;
}

static uint64_t deadline_after(struct driver *d, uint64_t ns)
{
	return now(d) + ns;
}

/* ---- steps ---- */

struct side_queue {
	size_t handed[3]; /* calls handed to each side */
};

static int call_step(struct driver *d, struct side_queue *q, const struct tl_step *st, char *err,
		     size_t errlen)
{
	char what[96];
	TL_ASSERT(st->side == TL_SIDE_CLIENT || st->side == TL_SIDE_SERVER);
	if (q->handed[st->side] == TL_DRIVE_MAX_CALLS)
		return tl_errorf(err, errlen, "line %d: more than %d steps for the %s", st->line, TL_DRIVE_MAX_CALLS,
				 tl_side_name(st->side));
	d->be->start_call(d->be->ctx, st);
	q->handed[st->side]++;
	if (st->background)
		return 0;
	tl_textf(what, sizeof(what), "the %s's call on line %d to return", tl_side_name(st->side), st->line);
	struct calls_arg a = { d->be, st->side, q->handed[st->side] };
	struct tl_drive_wait w = { calls_reached, &a, deadline_after(d, TL_DRIVE_CALL_LIMIT_NS), st->side, what };
	return wait_for(d, &w, st->line, err, errlen);
}

static int join_step(struct driver *d, const struct side_queue *q, const struct tl_step *st, char *err,
		     size_t errlen)
{
	char what[96];
	tl_textf(what, sizeof(what), "the %s's calls to return", tl_side_name(st->side));
	struct calls_arg a = { d->be, st->side, q->handed[st->side] };
	uint64_t limit = st->duration_ns ? st->duration_ns : TL_DRIVE_CALL_LIMIT_NS;
	struct tl_drive_wait w = { calls_reached, &a, deadline_after(d, limit), st->side, what };
	return wait_for(d, &w, st->line, err, errlen);
}

static int sleep_step(struct driver *d, const struct tl_step *st, char *err, size_t errlen)
{
	char what[96];
	tl_textf(what, sizeof(what), "sleep %.3f s", st->duration_ns / 1e9);
	struct tl_drive_wait w = { NULL, NULL, deadline_after(d, st->duration_ns), st->side, what };
	return wait_for(d, &w, st->line, err, errlen);
}

static int state_step(struct driver *d, const struct tl_step *st, char *err, size_t errlen)
{
	char what[96];
	struct state_arg a = { .be = d->be, .side = st->side, .since_ns = now(d) };
	bool gone = st->kind == TL_STEP_WAIT_GONE;
	if (gone)
		tl_textf(what, sizeof(what), "%s sockets to go away", tl_side_name(st->side));
	else {
		tl_textf(what, sizeof(what), "%s state %s", tl_side_name(st->side), tl_state_name(st->state));
		wanted_states(&a, st->state);
	}
	uint64_t limit = st->duration_ns ? st->duration_ns : TL_DRIVE_WAIT_DEFAULT_NS;
	struct tl_drive_wait w = { gone ? side_gone : side_in_state, &a, deadline_after(d, limit), st->side, what };
	return wait_for(d, &w, st->line, err, errlen);
}

static int add_fault(struct driver *d, const struct tl_fault *f, int line, char *err, size_t errlen)
{
	char why[512], text[256], note[300];
	tl_fault_format(f, text, sizeof(text));
	int rc = d->be->fault_add(d->be->ctx, f, why, sizeof(why));
	if (rc < 0) {
		/* A rule from the command line has no line: blame the option, not the file. */
		if (line <= 0)
			tl_textf(err, errlen, "--%s '%s': %s", tl_fault_action_name(f->action), text, why);
		else
			tl_textf(err, errlen, "line %d: %s", line, why);
		return rc == TL_RUN_REFUSED ? TL_RUN_REFUSED : -1;
	}
	tl_textf(note, sizeof(note), "fault on: %s %s", tl_fault_action_name(f->action), text);
	d->be->note(d->be->ctx, note);
	return 0;
}

static int clear_faults(struct driver *d, int line, char *err, size_t errlen)
{
	char why[512];
	if (d->be->faults_clear(d->be->ctx, why, sizeof(why)) < 0)
		return tl_errorf(err, errlen, "line %d: %s", line, why);
	d->be->note(d->be->ctx, "faults off: every drop and delay rule removed");
	return 0;
}

static int inject_step(struct driver *d, const struct tl_step *st, char *err, size_t errlen)
{
	char why[256];
	int rc = d->be->inject(d->be->ctx, st, why, sizeof(why));
	if (rc < 0)
		tl_textf(err, errlen, "line %d: inject: %s", st->line, why);
	return rc < 0 ? rc : 0;
}

static int flood_step(struct driver *d, const struct tl_step *st, char *err, size_t errlen)
{
	char why[256];
	if (d->be->flood(d->be->ctx, st, why, sizeof(why)) < 0)
		return tl_errorf(err, errlen, "line %d: flood: %s", st->line, why);
	return 0;
}

static int run_step(struct driver *d, struct side_queue *q, const struct tl_step *st, char *err,
		    size_t errlen)
{
	switch (st->kind) {
	case TL_STEP_LISTEN:
	case TL_STEP_ACCEPT:
	case TL_STEP_CONNECT:
	case TL_STEP_SEND:
	case TL_STEP_RECV:
	case TL_STEP_SHUTDOWN:
	case TL_STEP_CLOSE:
	case TL_STEP_ABORT:
	case TL_STEP_SETSOCKOPT:
	case TL_STEP_BIND:
	case TL_STEP_POLL_CONNECT:
	case TL_STEP_OPEN:
	case TL_STEP_CHURN:
	case TL_STEP_SERVE:
		return call_step(d, q, st, err, errlen);
	case TL_STEP_JOIN:
		return join_step(d, q, st, err, errlen);
	case TL_STEP_SLEEP:
		return sleep_step(d, st, err, errlen);
	case TL_STEP_SNAPSHOT:
		d->be->snapshot(d->be->ctx, st->label);
		return 0;
	case TL_STEP_WAIT_STATE:
	case TL_STEP_WAIT_GONE:
		return state_step(d, st, err, errlen);
	case TL_STEP_FAULT:
		return add_fault(d, &st->rule, st->line, err, errlen);
	case TL_STEP_UNFAULT:
		return clear_faults(d, st->line, err, errlen);
	case TL_STEP_INJECT:
		return inject_step(d, st, err, errlen);
	case TL_STEP_FLOOD:
		return flood_step(d, st, err, errlen);
	}
	return tl_errorf(err, errlen, "line %d: unknown step", st->line);
}

/* After the script: let the last packets arrive, and wait out TIME-WAIT when asked. */
static int run_tail(struct driver *d, bool wait_time_wait, char *err, size_t errlen)
{
	struct tl_drive_wait settle = { NULL, NULL, deadline_after(d, TL_DRIVE_SETTLE_NS), TL_SIDE_NONE,
					"the last packets" };
	int rc = wait_for(d, &settle, 0, err, errlen);
	if (rc || !wait_time_wait)
		return rc;
	struct state_arg a = { .be = d->be, .states = { TL_TIME_WAIT }, .n_states = 1,
			       .since_ns = now(d) };
	struct tl_drive_wait w = { no_time_wait, &a, deadline_after(d, TL_DRIVE_TIME_WAIT_LIMIT_NS), TL_SIDE_NONE,
				   "TIME-WAIT to end" };
	return wait_for(d, &w, 0, err, errlen);
}

int tl_drive(const struct tl_scenario *sc, const struct tl_drive_backend *be, const struct tl_drive_options *o,
	     char *err, size_t errlen)
{
	struct driver d = { sc, be, 0 };
	TL_ASSERT(be->now && be->start_call && be->calls_returned && be->run_until && be->newest_state &&
		  be->count_listed && be->snapshot && be->fault_add && be->faults_clear && be->note && be->broken &&
		  be->flood);
	struct side_queue q = { { 0 } };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < o->n_faults; i++)
		rc = add_fault(&d, &o->faults[i], 0, err, errlen);
	if (rc == 0 && be->first_step)
		be->first_step(be->ctx);
	for (size_t i = 0; rc == 0 && i < sc->n_steps; i++)
		rc = run_step(&d, &q, &sc->steps[i], err, errlen);
	if (rc == 0)
		rc = run_tail(&d, o->wait_time_wait, err, errlen);
	return rc;
}
