/*
 * cli_common: what several commands share: loading scenarios by id or path,
 * checking numbers, and checking privileges before touching the kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scenario/catalog.h"
#include "cli/cli.h"
#include "scenario/scenario.h"

bool tl_cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

void tl_cli_free_scenarios(struct tl_scenario *scs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tl_scenario_free(&scs[i]);
	free(scs);
}

int tl_cli_bad_option(const char *command, int c, char **argv)
{
	/* A long option or a missing value has moved optind past its word; an unknown short one is optopt. */
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const char *word = c == '?' && optopt > 0 && optopt < 128 ? shortopt : optind > 0 ? argv[optind - 1] : "";
	if (c == ':')
		fprintf(stderr, "tcplab %s: %s needs a value; try 'tcplab %s --help'\n", command, word, command);
	else
		fprintf(stderr, "tcplab %s: unknown option '%s'; try 'tcplab %s --help'\n", command, word, command);
	return TL_EXIT_USAGE;
}

void *tl_cli_calloc(const char *command, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		fprintf(stderr, "tcplab %s: out of memory for %zu items of %zu bytes\n", command, n, size);
	return p;
}

/* The file paths args name (an id, a path, a group, "library", "walkthrough"), or
 * the walkthrough's suite. Returns TL_EXIT_OK, or an exit status after saying why. */
static int scenario_paths(int n_args, char **args, char ***paths, size_t *n_paths)
{
	char err[1024];
	*paths = NULL;
	*n_paths = 0;
	if (n_args == 0) {
		errno = 0;
		if (tl_catalog_list(paths, n_paths, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcplab: %s\n", err);
			return errno == ENOMEM ? TL_EXIT_LAB : TL_EXIT_USAGE;
		}
		return TL_EXIT_OK;
	}
	char **list = NULL;
	size_t n = 0;
	for (int i = 0; i < n_args; i++) {
		char **more;
		size_t n_more;
		errno = 0;
		if (tl_catalog_expand(args[i], &more, &n_more, err, sizeof(err)) < 0) {
			int status = errno == ENOMEM ? TL_EXIT_LAB : TL_EXIT_USAGE;
			fprintf(stderr, "tcplab: %s\n", err);
			tl_catalog_free(list, n);
			return status;
		}
		char **grown = n_more ? realloc(list, (n + n_more) * sizeof(*grown)) : list;
		if (!grown) {
			fprintf(stderr, "tcplab: out of memory for %zu scenario names\n", n + n_more);
			tl_catalog_free(more, n_more);
			tl_catalog_free(list, n);
			return TL_EXIT_LAB;
		}
		list = grown;
		memcpy(list + n, more, n_more * sizeof(*more));
		n += n_more;
		free(more); /* its strings now belong to list */
	}
	*paths = list;
	*n_paths = n;
	return TL_EXIT_OK;
}

int tl_cli_load_scenarios(int n_args, char **args, struct tl_scenario **out, size_t *n)
{
	char err[1024];
	char **paths;
	size_t n_paths;
	*out = NULL;
	*n = 0;
	int status = scenario_paths(n_args, args, &paths, &n_paths);
	if (status != TL_EXIT_OK)
		return status;
	struct tl_scenario *scs = calloc(n_paths ? n_paths : 1, sizeof(*scs));
	if (!scs) {
		fprintf(stderr, "tcplab: out of memory for %zu scenarios\n", n_paths);
		tl_catalog_free(paths, n_paths);
		return TL_EXIT_LAB;
	}
	for (size_t i = 0; i < n_paths; i++) {
		errno = 0;
		if (tl_scenario_parse_file(paths[i], &scs[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "tcplab: %s\n", err);
			status = errno == ENOMEM ? TL_EXIT_LAB : TL_EXIT_USAGE;
			tl_cli_free_scenarios(scs, i + 1);
			tl_catalog_free(paths, n_paths);
			return status;
		}
	}
	tl_catalog_free(paths, n_paths);
	*out = scs;
	*n = n_paths;
	return TL_EXIT_OK;
}

int tl_cli_require_lab_privileges(const char *command)
{
	static const struct {
		int cap;
		const char *name;
		const char *why;
	} needed[] = {
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "network namespaces" },
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "loopback and firewall rules" },
		{ CAP_NET_RAW, "CAP_NET_RAW", "packet capture" },
		{ 39 /* CAP_BPF */, "CAP_BPF", "the eBPF state tracer" },
		{ 38 /* CAP_PERFMON */, "CAP_PERFMON", "the eBPF state tracer" },
	};
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0) {
		fprintf(stderr, "tcplab %s: cannot read this process's capabilities: %s\n", command,
			strerror(errno));
		return -1;
	}
	char missing[256] = "";
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		int c = needed[i].cap;
		if (data[c / 32].effective & (1u << (c % 32)))
			continue;
		size_t used = strlen(missing);
		snprintf(missing + used, sizeof(missing) - used, "%s%s (%s)", used ? ", " : "",
			 needed[i].name, needed[i].why);
	}
	if (!missing[0])
		return 0;
	/* The binary as the user ran it (build/tcplab, not necessarily one on PATH). */
	const char *self = program_invocation_name;
	if (!strcmp(command, "report"))
		fprintf(stderr, "tcplab %s: needs root; missing %s; try: sudo %s %s, or '%s report --sim' (the model: no "
				"root needed)\n",
			command, missing, self, command, self);
	else
		fprintf(stderr, "tcplab %s: needs root; missing %s; try: sudo %s %s, or '%s sim' (the same scenarios on "
				"the model: no root needed)\n",
			command, missing, self, command, self);
	return -1;
}
