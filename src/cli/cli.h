/*
 * cli: the commands of the tcplab program. Each takes the arguments after
 * its name (argv[0] is the command's name), prints its own --help, and
 * returns the process exit status: 0 success, 1 a check failed, 2 bad usage
 * or input, 3 the lab could not run (out of memory included), 130
 * interrupted. Every error is one line on stderr that names its context.
 */
#ifndef TCPLAB_CLI_H
#define TCPLAB_CLI_H

enum { TL_EXIT_OK = 0, TL_EXIT_FAIL = 1, TL_EXIT_USAGE = 2, TL_EXIT_LAB = 3, TL_EXIT_INTERRUPTED = 130 };

int tl_cmd_run(int argc, char **argv);
int tl_cmd_sim(int argc, char **argv);
int tl_cmd_list(int argc, char **argv);
int tl_cmd_client(int argc, char **argv);
int tl_cmd_server(int argc, char **argv);
int tl_cmd_report(int argc, char **argv);

/* Loads the scenarios named by args (ids or paths; none: the shipped suite).
 * Returns TL_EXIT_OK; or prints "tcplab: FILE:LINE: what" and returns
 * TL_EXIT_USAGE for bad input, TL_EXIT_LAB when out of memory. */
struct tl_scenario;
int tl_cli_load_scenarios(int n_args, char **args, struct tl_scenario **out, size_t *n);

/* calloc for n (at least one) items, or NULL after "tcplab COMMAND: out of memory" on stderr. */
#include <stddef.h>
void *tl_cli_calloc(const char *command, size_t n, size_t size);
void tl_cli_free_scenarios(struct tl_scenario *scs, size_t n);

/* Parses a whole decimal number in [min, max]; false (errno-style checks) otherwise. */
#include <stdbool.h>
bool tl_cli_parse_long(const char *s, long min, long max, long *out);

/*
 * For getopt_long run with opterr = 0 and an optstring starting with ':':
 * says in one line which option (c is '?' unknown, ':' its value missing)
 * and returns TL_EXIT_USAGE. getopt's own two-line message named the
 * command without "tcplab".
 */
int tl_cli_bad_option(const char *command, int c, char **argv);

/* Checks the capabilities the kernel lab needs; prints one line naming the
 * missing ones and returns -1 when any is missing. */
int tl_cli_require_lab_privileges(const char *command);

#endif
