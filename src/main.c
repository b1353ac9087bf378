/*
 * main: the tcplab command line. Dispatches to a command; each command owns
 * its options and its --help.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: tcplab COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "Makes every TCP connection state visible: runs a client and a server in a\n"
	      "throw-away network namespace, captures every packet, traces every kernel\n"
	      "state change, and checks them against what the scenario expects.\n"
	      "\n"
	      "commands:\n"
	      "  run [ID|FILE...]      run scenarios on the real kernel (default: the\n"
	      "                        walkthrough's suite); needs root\n"
	      "  sim [ID|FILE...]      run scenarios on tcplab's TCP model in virtual time\n"
	      "                        (no privileges; minutes of timers pass at once)\n"
	      "  report -o DIR [ID...] run scenarios, write DIR/index.html: one page with\n"
	      "                        every check, ladder and timeline (--sim: no root)\n"
	      "  list                  list the shipped scenarios\n"
	      "  server [--port N]     the walkthrough's server, for experiments by hand\n"
	      "  client [HOST] ...     the walkthrough's client, for experiments by hand\n"
	      "\n"
	      "Run 'tcplab COMMAND --help' (or 'tcplab help COMMAND') for a command's\n"
	      "options, 'tcplab --version' for the version.\n",
	      out);
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TL_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("tcplab %s\n", TCPLAB_VERSION);
		return TL_EXIT_OK;
	}
	if ((!strcmp(cmd, "help") || !strcmp(cmd, "--help")) && argc > 2 && strcmp(argv[2], "help") &&
	    strcmp(argv[2], "--help")) {
		/* 'tcplab help run' is 'tcplab run --help' */
		char *args[] = { argv[0], argv[2], "--help", NULL };
		return dispatch(3, args);
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (!strcmp(cmd, "run"))
		return tl_cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "sim"))
		return tl_cmd_sim(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return tl_cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return tl_cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "client"))
		return tl_cmd_client(argc - 1, argv + 1);
	if (!strcmp(cmd, "server"))
		return tl_cmd_server(argc - 1, argv + 1);
	fprintf(stderr, "tcplab: unknown command '%s' (try 'tcplab --help')\n", cmd);
	return TL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int status = dispatch(argc, argv);
	/* Output that never arrived (a full disk, a closed pipe) is an error, not a success. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "tcplab: cannot write the output: %s\n", strerror(errno));
		if (status == TL_EXIT_OK || status == TL_EXIT_FAIL)
			status = TL_EXIT_LAB;
	}
	return status;
}
