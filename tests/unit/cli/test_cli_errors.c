/*
 * test_cli_errors: errors on the command line's own paths reach the user as
 * one line with their context and the right exit status (cli.h): out of
 * memory is 3 and says so (not an empty or stale message, not "bad input"),
 * a path too long is refused rather than cut, and a suite that cannot start
 * is not reported as interrupted over a summary of zeroed results.
 *
 * Out of memory cannot be had on demand, so it is made two ways: strdup is
 * defined here (the linker takes it before the C library's) and fails when
 * asked to; and the suite is given more scenarios than calloc can count,
 * a real allocation failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/runcli.h"
#include "cli/suite.h"
#include "scenario/scenario.h"

/* A calloc that cannot be satisfied returns NULL instead of stopping the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static int strdup_fails;

char *strdup(const char *s)
{
	if (strdup_fails) {
		errno = ENOMEM;
		return NULL;
	}
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	return p ? memcpy(p, s, n) : NULL;
}

/* What a call printed: stdout and stderr are redirected to files around it. */
struct captured {
	char out[4096], err[4096];
};

static void read_all(int fd, char *buf, size_t len)
{
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static int capture_begin(int *saved_out, int *saved_err, int *fd_out, int *fd_err)
{
	char out_name[] = "/tmp/test_cli_out.XXXXXX", err_name[] = "/tmp/test_cli_err.XXXXXX";
	*fd_out = mkstemp(out_name);
	*fd_err = mkstemp(err_name);
	assert_true(*fd_out >= 0 && *fd_err >= 0);
	unlink(out_name);
	unlink(err_name);
	fflush(stdout);
	fflush(stderr);
	*saved_out = dup(1);
	*saved_err = dup(2);
	dup2(*fd_out, 1);
	dup2(*fd_err, 2);
	return 0;
}

static void capture_end(int saved_out, int saved_err, int fd_out, int fd_err, struct captured *c)
{
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	read_all(fd_out, c->out, sizeof(c->out));
	read_all(fd_err, c->err, sizeof(c->err));
}

/* tl_cli_load_scenarios with what it prints captured; returns its status. */
static int load_capturing(int n_args, char **args, struct tl_scenario **scs, size_t *n, struct captured *c)
{
	int so, se, fo, fe;
	capture_begin(&so, &se, &fo, &fe);
	int status = tl_cli_load_scenarios(n_args, args, scs, n);
	capture_end(so, se, fo, fe, c);
	return status;
}

static size_t lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void path_out_of_memory_says_so(void **state)
{
	(void)state;
	char *args[] = { "N3" };
	struct tl_scenario *scs = NULL;
	size_t n = 99;
	struct captured c;
	strdup_fails = 1;
	int status = load_capturing(1, args, &scs, &n, &c);
	strdup_fails = 0;
	assert_int_equal(status, TL_EXIT_LAB);
	assert_null(scs);
	assert_int_equal(n, 0);
	assert_string_equal(c.err, "tcplab: N3: out of memory for its path\n");
	assert_string_equal(c.out, "");
}

static void path_too_long_is_refused_not_cut(void **state)
{
	(void)state;
	static char arg[6000];
	memset(arg, 'a', sizeof(arg) - 5);
	memcpy(arg + sizeof(arg) - 5, ".scn", 5);
	arg[10] = '/';
	char *args[] = { arg };
	struct tl_scenario *scs = NULL;
	size_t n;
	struct captured c;
	int status = load_capturing(1, args, &scs, &n, &c);
	assert_int_equal(status, TL_EXIT_USAGE);
	assert_int_equal(lines(c.err), 1);
	assert_non_null(strstr(c.err, strerror(ENAMETOOLONG)));
	assert_null(strstr(c.err, "cannot open")); /* a cut path would have been opened */
}

static void unknown_scenario_is_bad_input(void **state)
{
	(void)state;
	char *args[] = { "N3", "NOSUCH9" };
	struct tl_scenario *scs = NULL;
	size_t n;
	struct captured c;
	int status = load_capturing(2, args, &scs, &n, &c);
	assert_int_equal(status, TL_EXIT_USAGE);
	assert_string_equal(c.err, "tcplab: no scenario 'NOSUCH9' (see 'tcplab list')\n");
}

static enum tl_verdict never_runs(const struct tl_scenario *sc, size_t index, FILE *out, volatile sig_atomic_t *stop,
				  void *ctx)
{
	(void)sc, (void)index, (void)out, (void)stop, (void)ctx;
	fail_msg("a job ran although the suite could not start");
	return TL_VERDICT_ERROR;
}

/* More scenarios than calloc can count: the suite cannot start, and says so. */
static void suite_out_of_memory_is_not_interrupted(void **state)
{
	(void)state;
	struct tl_scenario sc = { 0 };
	struct tl_suite_result res = { .verdict = TL_VERDICT_FAIL };
	struct tl_runcli o = { .command = "sim" };
	size_t huge = SIZE_MAX / 4;
	int so, se, fo, fe;
	struct captured c;
	capture_begin(&so, &se, &fo, &fe);
	int status = tl_runcli_run_suite(&o, &sc, huge, never_runs, "summary", &res);
	capture_end(so, se, fo, fe, &c);
	assert_int_equal(status, TL_EXIT_LAB);
	assert_int_equal(lines(c.err), 1);
	assert_non_null(strstr(c.err, "tcplab sim: cannot run the scenarios: out of memory"));
	assert_null(strstr(c.err, "interrupted"));
	assert_string_equal(c.out, ""); /* no summary of results that do not exist */
	assert_false(res.done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_out_of_memory_says_so),
		cmocka_unit_test(path_too_long_is_refused_not_cut),
		cmocka_unit_test(unknown_scenario_is_bad_input),
		cmocka_unit_test(suite_out_of_memory_is_not_interrupted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
