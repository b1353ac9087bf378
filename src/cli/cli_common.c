/*
 * cli_common: what several commands share: loading scenarios by id or path,
 * checking numbers, and checking privileges before touching the kernel.
 */
#include <errno.h>
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

int tl_cli_load_scenarios(int n_args, char **args, struct tl_scenario **out, size_t *n)
{
	char err[1024];
	char **paths = NULL;
	size_t n_paths = 0;
	*out = NULL;
	*n = 0;
	if (n_args == 0) {
		if (tl_catalog_list(&paths, &n_paths, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcplab: %s\n", err);
			return -1;
		}
	} else {
		paths = calloc(n_args, sizeof(*paths));
		if (!paths)
			return -1;
		n_paths = n_args;
		for (int i = 0; i < n_args; i++) {
			char path[PATH_MAX];
			if (tl_catalog_resolve(args[i], path, sizeof(path), err, sizeof(err)) < 0 ||
			    !(paths[i] = strdup(path))) {
				fprintf(stderr, "tcplab: %s\n", paths[i] ? "out of memory" : err);
				tl_catalog_free(paths, n_paths);
				return -1;
			}
		}
	}
	struct tl_scenario *scs = calloc(n_paths ? n_paths : 1, sizeof(*scs));
	if (!scs) {
		tl_catalog_free(paths, n_paths);
		return -1;
	}
	for (size_t i = 0; i < n_paths; i++) {
		if (tl_scenario_parse_file(paths[i], &scs[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "tcplab: %s\n", err);
			tl_cli_free_scenarios(scs, i + 1);
			tl_catalog_free(paths, n_paths);
			return -1;
		}
	}
	tl_catalog_free(paths, n_paths);
	*out = scs;
	*n = n_paths;
	return 0;
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
	fprintf(stderr, "tcplab %s: needs root; missing %s; try: sudo tcplab %s\n", command, missing,
		command);
	return -1;
}
