/*
 * cli: the commands of the tcplab program. Each takes the arguments after
 * its name (argv[0] is the command's name), prints its own --help, and
 * returns the process exit status: 0 success, 1 a check failed, 2 bad usage
 * or input, 3 the lab could not run.
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
 * On error prints "tcplab: FILE:LINE: what" and returns -1. */
struct tl_scenario;
int tl_cli_load_scenarios(int n_args, char **args, struct tl_scenario **out, size_t *n);
void tl_cli_free_scenarios(struct tl_scenario *scs, size_t n);

/* Parses a whole decimal number in [min, max]; false (errno-style checks) otherwise. */
#include <stdbool.h>
bool tl_cli_parse_long(const char *s, long min, long max, long *out);

/* Checks the capabilities the kernel lab needs; prints one line naming the
 * missing ones and returns -1 when any is missing. */
int tl_cli_require_lab_privileges(const char *command);

#endif
