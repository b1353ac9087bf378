/*
 * Unit tests of the census view: rows counted by side and state (a request
 * socket as SYN-RECV), one table column per side and state that ever had a
 * socket, a row only where a count changed, and thinning that keeps the last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"
#include "views/census.h"

static void add_census(struct tl_timeline *tl, uint64_t t_ns, uint32_t client_tw, uint32_t server_listen)
{
	struct tl_event ev = { .t_ns = t_ns, .kind = TL_EV_CENSUS };
	ev.u.census.count[TL_SIDE_CLIENT][TL_TIME_WAIT] = client_tw;
	ev.u.census.count[TL_SIDE_SERVER][TL_LISTEN] = server_listen;
	assert_int_equal(tl_timeline_append(tl, &ev), 0);
}

static void counts_rows_by_side_and_state(void **state)
{
	(void)state;
	struct tl_sock_row rows[3] = { { .state = TL_NEW_SYN_RECV, .side = TL_SIDE_SERVER },
				       { .state = TL_SYN_RECV, .side = TL_SIDE_SERVER },
				       { .state = TL_TIME_WAIT, .side = TL_SIDE_CLIENT } };
	struct tl_census c = { { { 0 } } };
	tl_census_add_rows(&c, rows, 3);
	assert_int_equal(c.count[TL_SIDE_SERVER][TL_SYN_RECV], 2);
	assert_int_equal(c.count[TL_SIDE_CLIENT][TL_TIME_WAIT], 1);
	char text[128];
	tl_census_format(&c, text, sizeof(text));
	assert_string_equal(text, "client TIME_WAIT 1, server SYN_RECV 2");
	struct tl_census none = { { { 0 } } };
	tl_census_format(&none, text, sizeof(text));
	assert_string_equal(text, "no sockets");
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void prints_changes_and_thins_to_the_limit(void **state)
{
	(void)state;
	struct tl_timeline tl;
	tl_timeline_init(&tl, 0);
	add_census(&tl, 0, 0, 1);
	add_census(&tl, 100000000, 0, 1); /* no change: no row */
	for (uint32_t i = 1; i <= 40; i++)
		add_census(&tl, (1 + i) * 100000000ull, i, 1);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	tl_census_print(out, &tl, 10);
	fclose(out);
	assert_non_null(strstr(buf, "client TIME-WAIT"));
	assert_non_null(strstr(buf, "server LISTEN"));
	assert_null(strstr(buf, "SYN-RECV"));
	assert_non_null(strstr(buf, "thinned"));
	assert_int_equal(count_lines(buf), 1 + 1 + 1 + 10); /* blank, title, header, 10 rows */
	assert_non_null(strstr(buf, "  40  ")); /* the last row is kept */
	free(buf);
	tl_timeline_free(&tl);

	tl_timeline_init(&tl, 0);
	buf = NULL;
	out = open_memstream(&buf, &len);
	tl_census_print(out, &tl, 10);
	fclose(out);
	assert_int_equal(len, 0); /* no census, no table */
	free(buf);
	tl_timeline_free(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_rows_by_side_and_state),
		cmocka_unit_test(prints_changes_and_thins_to_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
