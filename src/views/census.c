/*
 * census: counts by side and state, over time.
 */
#include "views/census.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"

static const enum tl_side sides[] = { TL_SIDE_CLIENT, TL_SIDE_SERVER, TL_SIDE_NONE };
#define N_SIDES 3
#define MAX_COLUMNS (N_SIDES * TL_STATE_COUNT)

struct column {
	enum tl_side side;
	enum tl_state state;
};

/* The side and state pairs that ever had a socket, in side then state order. */
static size_t columns(const struct tl_timeline *tl, struct column *cols)
{
	bool used[3][TL_STATE_COUNT] = { { false } };
	for (size_t i = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_EV_CENSUS)
			for (size_t k = 0; k < N_SIDES; k++)
				for (int st = 0; st < TL_STATE_COUNT; st++)
					used[sides[k]][st] |= tl->ev[i].u.census.count[sides[k]][st] != 0;
	size_t n = 0;
	for (size_t k = 0; k < N_SIDES; k++)
		for (int st = 0; st < TL_STATE_COUNT; st++)
			if (used[sides[k]][st])
				cols[n++] = (struct column){ sides[k], (enum tl_state)st };
	return n;
}

static bool same_counts(const struct tl_census *a, const struct tl_census *b)
{
	return !memcmp(a, b, sizeof(*a));
}

void tl_census_print(FILE *out, const struct tl_timeline *tl, size_t max_rows)
{
	struct column cols[MAX_COLUMNS];
	size_t n_cols = columns(tl, cols);
	/* The censuses worth a row: the first, and each that differs from the one before. */
	size_t *rows = malloc((tl->n ? tl->n : 1) * sizeof(*rows)), n_rows = 0;
	if (!rows)
		return;
	const struct tl_census *prev = NULL;
	for (size_t i = 0; i < tl->n; i++) {
		if (tl->ev[i].kind != TL_EV_CENSUS || (prev && same_counts(prev, &tl->ev[i].u.census)))
			continue;
		rows[n_rows++] = i;
		prev = &tl->ev[i].u.census;
	}
	if (!n_rows || !n_cols) {
		free(rows);
		return;
	}
	fprintf(out, "\n   sockets by state over time (a census every %llu ms; rows where a count changed%s)\n",
		(unsigned long long)(TL_CENSUS_EVERY_NS / 1000000ull), n_rows > max_rows ? ", thinned" : "");
	fprintf(out, "   %10s", "time (s)");
	for (size_t c = 0; c < n_cols; c++) {
		char head[40];
		tl_textf(head, sizeof(head), "%s %s", tl_side_name(cols[c].side), tl_state_rfc_name(cols[c].state));
		fprintf(out, "  %*s", (int)(strlen(head) > 8 ? strlen(head) : 8), head);
	}
	fprintf(out, "\n");
	for (size_t r = 0; r < n_rows; r++) {
		/* Thinned evenly, the last row always kept: the run's end state. */
		if (n_rows > max_rows && r + 1 < n_rows && (r * max_rows) / n_rows == ((r + 1) * max_rows) / n_rows)
			continue;
		const struct tl_event *ev = &tl->ev[rows[r]];
		fprintf(out, "   %10.6f", (ev->t_ns > tl->t0_ns ? ev->t_ns - tl->t0_ns : 0) / 1e9);
		for (size_t c = 0; c < n_cols; c++) {
			char head[40];
			tl_textf(head, sizeof(head), "%s %s", tl_side_name(cols[c].side), tl_state_rfc_name(cols[c].state));
			fprintf(out, "  %*u", (int)(strlen(head) > 8 ? strlen(head) : 8),
				ev->u.census.count[cols[c].side][cols[c].state]);
		}
		fprintf(out, "\n");
	}
	free(rows);
}
