/*
 * cmd_list: `tcplab list`: the shipped scenarios with their titles, the
 * walkthrough's ten first, then the library group by group, each headed by
 * the word that runs it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "scenario/catalog.h"
#include "scenario/scenario.h"

/* One group's heading and its scenarios. Returns TL_EXIT_OK or the loader's status. */
static int print_group(const char *word, const char *heading, int id_width)
{
	struct tl_scenario *scs;
	size_t n;
	char *args[] = { (char *)word };
	int status = tl_cli_load_scenarios(1, args, &scs, &n);
	if (status != TL_EXIT_OK)
		return status;
	printf("%s\n", heading);
	for (size_t i = 0; i < n; i++)
		printf("  %-*s %s\n", id_width, scs[i].id, scs[i].title);
	tl_cli_free_scenarios(scs, n);
	return TL_EXIT_OK;
}

int tl_cmd_list(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			puts("usage: tcplab list\n\nLists the shipped scenarios: the walkthrough's ten (what 'tcplab run'\n"
			     "runs), then the library, group by group, each with its id and title.\n"
			     "Run one with 'tcplab run ID', a group with 'tcplab run GROUP', the\n"
			     "whole library with 'tcplab run library'.");
			return TL_EXIT_OK;
		}
		fprintf(stderr, "tcplab list: takes no arguments, got '%s'\n", argv[1]);
		return TL_EXIT_USAGE;
	}
	char err[1024], **groups;
	size_t n_groups;
	if (tl_catalog_groups(&groups, &n_groups, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return TL_EXIT_USAGE;
	}
	/* Library ids are words ("rst-in-close-wait"): one column wide enough for all. */
	enum { ID_WIDTH = 22 };
	int status = print_group(TL_CATALOG_WALKTHROUGH,
				 "walkthrough: the walkthrough's cases (tcplab run, or tcplab run walkthrough)", ID_WIDTH);
	if (status == TL_EXIT_OK && n_groups)
		printf("\nlibrary: every group below (tcplab run library)\n");
	for (size_t i = 0; status == TL_EXIT_OK && i < n_groups; i++) {
		char heading[256];
		snprintf(heading, sizeof(heading), "%s (tcplab run %s)", groups[i], groups[i]);
		status = print_group(groups[i], heading, ID_WIDTH);
	}
	tl_catalog_free(groups, n_groups);
	return status;
}
