/*
 * catalog: finds shipped scenario files, so `tcplab run N3` works from the
 * source tree, from an install, and with TCPLAB_SCENARIOS pointing elsewhere.
 */
#include "scenario/catalog.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TCPLAB_DATADIR
#define TCPLAB_DATADIR "/usr/local/share/tcplab"
#endif

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Copies path into out when it fits; a cut path would name another file. */
static bool copy_path(char *out, size_t len, const char *path)
{
	return (size_t)snprintf(out, len, "%s", path) < len;
}

int tl_catalog_dir(char *out, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("TCPLAB_SCENARIOS");
	if (env && *env) {
		if (!is_dir(env)) {
			snprintf(err, errlen, "TCPLAB_SCENARIOS=%s: not a directory", env);
			return -1;
		}
		if (!copy_path(out, len, env)) {
			snprintf(err, errlen, "TCPLAB_SCENARIOS: %s", strerror(ENAMETOOLONG));
			return -1;
		}
		return 0;
	}
	/* The binary lives in build/ (or build-san/) of the source tree, or in PREFIX/bin. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *dir = dirname(exe);
		char cand[PATH_MAX + 32];
		snprintf(cand, sizeof(cand), "%s/../scenarios", dir);
		if (is_dir(cand) && copy_path(out, len, cand))
			return 0;
		snprintf(cand, sizeof(cand), "%s/../share/tcplab/scenarios", dir);
		if (is_dir(cand) && copy_path(out, len, cand))
			return 0;
	}
	if (is_dir(TCPLAB_DATADIR "/scenarios") && copy_path(out, len, TCPLAB_DATADIR "/scenarios"))
		return 0;
	snprintf(err, errlen, "no scenario directory found (set TCPLAB_SCENARIOS)");
	return -1;
}

int tl_catalog_resolve(const char *arg, char *path, size_t len, char *err, size_t errlen)
{
	size_t alen = strlen(arg);
	if (strchr(arg, '/') || (alen > 4 && !strcmp(arg + alen - 4, ".scn"))) {
		if (!copy_path(path, len, arg)) {
			snprintf(err, errlen, "%.60s...: %s", arg, strerror(ENAMETOOLONG));
			return -1;
		}
		return 0;
	}
	char dir[PATH_MAX];
	if (tl_catalog_dir(dir, sizeof(dir), err, errlen) < 0)
		return -1;
	for (const char *c = arg; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
			snprintf(err, errlen, "'%s' is neither a scenario id nor a file path", arg);
			return -1;
		}
	}
	if ((size_t)snprintf(path, len, "%s/%s.scn", dir, arg) >= len) {
		snprintf(err, errlen, "scenario '%.60s': %s/%.60s.scn: %s", arg, dir, arg, strerror(ENAMETOOLONG));
		return -1;
	}
	if (access(path, R_OK) == 0)
		return 0;
	/* Ids are written as shipped (N3, A1) but typed as they come: n3 finds N3. */
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l == alen + 4 && !strcmp(de->d_name + alen, ".scn") && !strncasecmp(de->d_name, arg, alen) &&
		    (size_t)snprintf(path, len, "%s/%s", dir, de->d_name) < len && access(path, R_OK) == 0) {
			closedir(d);
			return 0;
		}
	}
	if (d)
		closedir(d);
	snprintf(err, errlen, "no scenario '%s' (see 'tcplab list')", arg);
	return -1;
}

static int group_of(const char *name)
{
	return name[0] == 'N' ? 0 : name[0] == 'A' ? 1 : 2;
}

static int natural_order(const void *a, const void *b)
{
	const char *x = basename(*(char *const *)a), *y = basename(*(char *const *)b);
	int gx = group_of(x), gy = group_of(y);
	if (gx != gy)
		return gx - gy;
	while (*x && *y) {
		if (isdigit((unsigned char)*x) && isdigit((unsigned char)*y)) {
			long nx = strtol(x, (char **)&x, 10), ny = strtol(y, (char **)&y, 10);
			if (nx != ny)
				return nx < ny ? -1 : 1;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x - (unsigned char)*y;
		x++;
		y++;
	}
	return (unsigned char)*x - (unsigned char)*y;
}

int tl_catalog_list(char ***paths, size_t *n, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	*paths = NULL;
	*n = 0;
	if (tl_catalog_dir(dir, sizeof(dir), err, errlen) < 0)
		return -1;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 4 || strcmp(de->d_name + l - 4, ".scn"))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **grown = realloc(*paths, cap * sizeof(*grown));
			if (!grown)
				goto oom;
			*paths = grown;
		}
		if (asprintf(&(*paths)[*n], "%s/%s", dir, de->d_name) < 0)
			goto oom;
		(*n)++;
		errno = 0; /* readdir's end and its failure differ only by errno */
	}
	if (errno) {
		int read_err = errno;
		closedir(d);
		tl_catalog_free(*paths, *n);
		*paths = NULL;
		*n = 0;
		snprintf(err, errlen, "%s: cannot list: %s", dir, strerror(read_err));
		errno = read_err;
		return -1;
	}
	closedir(d);
	qsort(*paths, *n, sizeof(**paths), natural_order);
	return 0;
oom:
	closedir(d);
	tl_catalog_free(*paths, *n);
	*paths = NULL;
	*n = 0;
	snprintf(err, errlen, "%s: out of memory listing the scenarios", dir);
	errno = ENOMEM; /* the caller's exit status tells memory from a missing directory */
	return -1;
}

void tl_catalog_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
