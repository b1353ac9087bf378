/*
 * cmd_list: `tcplab list`: the shipped scenarios with their titles.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "scenario/scenario.h"

int tl_cmd_list(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			puts("usage: tcplab list\n\nLists the shipped scenarios: id, title and the walkthrough section\n"
			     "each reproduces. Run one with 'tcplab run ID'.");
			return TL_EXIT_OK;
		}
		fprintf(stderr, "tcplab list: takes no arguments, got '%s'\n", argv[1]);
		return TL_EXIT_USAGE;
	}
	struct tl_scenario *scs;
	size_t n;
	int status = tl_cli_load_scenarios(0, NULL, &scs, &n);
	if (status != TL_EXIT_OK)
		return status;
	for (size_t i = 0; i < n; i++)
		printf("%-6s %s\n", scs[i].id, scs[i].title);
	tl_cli_free_scenarios(scs, n);
	return TL_EXIT_OK;
}
