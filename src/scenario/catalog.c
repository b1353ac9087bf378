/*
 * catalog: finds shipped scenario files, so `tcplab run N3` works from the
 * source tree, from an install, and with TCPLAB_SCENARIOS pointing elsewhere.
 * The walkthrough's cases sit at the top of the scenario directory; each
 * folder below it is one group of the library (close/, reset/, ...).
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

/* Copies dir/name into path; false when it does not fit (never a cut path). */
static bool join_path(char *path, size_t len, const char *dir, const char *name)
{
	return (size_t)snprintf(path, len, "%s/%s", dir, name) < len;
}

/* Whether dir holds ID.scn, in any case of ID ("n3" finds N3.scn); fills path. */
static bool find_in_dir(const char *dir, const char *id, char *path, size_t len)
{
	size_t idlen = strlen(id);
	char name[NAME_MAX + 1];
	if ((size_t)snprintf(name, sizeof(name), "%s.scn", id) < sizeof(name) && join_path(path, len, dir, name) &&
	    access(path, R_OK) == 0)
		return true;
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;
	while (d && !found && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		found = l == idlen + 4 && !strcmp(de->d_name + idlen, ".scn") &&
			!strncasecmp(de->d_name, id, idlen) && join_path(path, len, dir, de->d_name) &&
			access(path, R_OK) == 0;
	}
	if (d)
		closedir(d);
	return found;
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
	if (alen > NAME_MAX - 4) {
		snprintf(err, errlen, "scenario '%.60s...': %s", arg, strerror(ENAMETOOLONG));
		return -1;
	}
	/* The walkthrough's cases first, then each library group's. */
	if (find_in_dir(dir, arg, path, len))
		return 0;
	char **groups;
	size_t n_groups;
	if (tl_catalog_groups(&groups, &n_groups, err, errlen) < 0)
		return -1;
	bool found = false;
	for (size_t i = 0; i < n_groups && !found; i++) {
		char gdir[PATH_MAX];
		found = join_path(gdir, sizeof(gdir), dir, groups[i]) && find_in_dir(gdir, arg, path, len);
	}
	tl_catalog_free(groups, n_groups);
	if (found)
		return 0;
	snprintf(err, errlen, "no scenario '%s' (see 'tcplab list')", arg);
	return -1;
}

static int group_of(const char *name)
{
	return name[0] == 'N' ? 0 : name[0] == 'A' ? 1 : 2;
}

/* The end of a name as sorted: "half-close" sorts before "half-close-late-reply". */
static bool at_end(const char *p)
{
	return !*p || !strcmp(p, ".scn");
}

static int natural_order(const void *a, const void *b)
{
	const char *x = basename(*(char *const *)a), *y = basename(*(char *const *)b);
	int gx = group_of(x), gy = group_of(y);
	if (gx != gy)
		return gx - gy;
	while (!at_end(x) && !at_end(y)) {
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
	return at_end(x) ? (at_end(y) ? 0 : -1) : 1;
}

/* Appends an owned copy of text to a growing array; false when out of memory. */
static bool append(char ***items, size_t *n, size_t *cap, char *text)
{
	if (!text)
		return false;
	if (*n == *cap) {
		size_t grown_cap = *cap ? *cap * 2 : 16;
		char **grown = realloc(*items, grown_cap * sizeof(*grown));
		if (!grown) {
			free(text);
			return false;
		}
		*items = grown;
		*cap = grown_cap;
	}
	(*items)[(*n)++] = text;
	return true;
}

static bool is_scenario_file(const char *name)
{
	size_t l = strlen(name);
	return l > 4 && !strcmp(name + l - 4, ".scn");
}

/* Whether dir/name is a group: a folder, not hidden, holding at least one scenario. */
static bool is_group(const char *dir, const char *name)
{
	char path[PATH_MAX];
	if (name[0] == '.' || !join_path(path, sizeof(path), dir, name) || !is_dir(path))
		return false;
	DIR *d = opendir(path);
	struct dirent *de;
	bool any = false;
	while (d && !any && (de = readdir(d)))
		any = is_scenario_file(de->d_name);
	if (d)
		closedir(d);
	return any;
}

/*
 * Lists dir's entries: its scenario files as paths (want_groups false), or
 * the names of its group folders (true). Sorted; 0, or -1 with err.
 */
static int list_dir(const char *dir, bool want_groups, char ***items, size_t *n, char *err, size_t errlen)
{
	*items = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (want_groups ? is_group(dir, de->d_name) : is_scenario_file(de->d_name)) {
			char *text = NULL;
			if (want_groups)
				text = strdup(de->d_name);
			else if (asprintf(&text, "%s/%s", dir, de->d_name) < 0)
				text = NULL;
			if (!append(items, n, &cap, text))
				goto oom;
		}
		errno = 0; /* readdir's end and its failure differ only by errno */
	}
	if (errno) {
		int read_err = errno;
		closedir(d);
		tl_catalog_free(*items, *n);
		*items = NULL;
		*n = 0;
		snprintf(err, errlen, "%s: cannot list: %s", dir, strerror(read_err));
		errno = read_err;
		return -1;
	}
	closedir(d);
	qsort(*items, *n, sizeof(**items), natural_order);
	return 0;
oom:
	closedir(d);
	tl_catalog_free(*items, *n);
	*items = NULL;
	*n = 0;
	snprintf(err, errlen, "%s: out of memory listing the scenarios", dir);
	errno = ENOMEM; /* the caller's exit status tells memory from a missing directory */
	return -1;
}

int tl_catalog_list(char ***paths, size_t *n, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	*paths = NULL;
	*n = 0;
	if (tl_catalog_dir(dir, sizeof(dir), err, errlen) < 0)
		return -1;
	return list_dir(dir, false, paths, n, err, errlen);
}

int tl_catalog_groups(char ***names, size_t *n, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	*names = NULL;
	*n = 0;
	if (tl_catalog_dir(dir, sizeof(dir), err, errlen) < 0)
		return -1;
	return list_dir(dir, true, names, n, err, errlen);
}

int tl_catalog_group(const char *group, char ***paths, size_t *n, char *err, size_t errlen)
{
	char dir[PATH_MAX], gdir[PATH_MAX];
	*paths = NULL;
	*n = 0;
	if (tl_catalog_dir(dir, sizeof(dir), err, errlen) < 0)
		return -1;
	if (!join_path(gdir, sizeof(gdir), dir, group)) {
		snprintf(err, errlen, "group '%.60s': %s", group, strerror(ENAMETOOLONG));
		return -1;
	}
	return list_dir(gdir, false, paths, n, err, errlen);
}

int tl_catalog_expand(const char *arg, char ***paths, size_t *n, char *err, size_t errlen)
{
	*paths = NULL;
	*n = 0;
	if (!strcasecmp(arg, TL_CATALOG_WALKTHROUGH))
		return tl_catalog_list(paths, n, err, errlen);
	bool whole_library = !strcasecmp(arg, TL_CATALOG_LIBRARY);
	char path[PATH_MAX], *copy;
	/* An id or a path first: no id is a group's name (tests/integration/library.sh). */
	bool one = !whole_library && tl_catalog_resolve(arg, path, sizeof(path), err, errlen) == 0;
	if (!one && !strchr(arg, '/')) {
		char **groups;
		size_t n_groups, cap = 0;
		if (tl_catalog_groups(&groups, &n_groups, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i < n_groups; i++) {
			if (!whole_library && strcasecmp(arg, groups[i]))
				continue;
			char **in_group;
			size_t n_in;
			if (tl_catalog_group(groups[i], &in_group, &n_in, err, errlen) < 0) {
				tl_catalog_free(groups, n_groups);
				tl_catalog_free(*paths, *n);
				*paths = NULL;
				*n = 0;
				return -1;
			}
			for (size_t k = 0; k < n_in; k++) {
				if (!append(paths, n, &cap, in_group[k])) {
					for (size_t rest = k + 1; rest < n_in; rest++)
						free(in_group[rest]);
					free(in_group);
					tl_catalog_free(groups, n_groups);
					tl_catalog_free(*paths, *n);
					*paths = NULL;
					*n = 0;
					snprintf(err, errlen, "out of memory listing the library");
					errno = ENOMEM;
					return -1;
				}
			}
			free(in_group); /* its strings now belong to *paths */
		}
		tl_catalog_free(groups, n_groups);
		if (*n || whole_library)
			return 0;
		snprintf(err, errlen, "no scenario '%s' (see 'tcplab list')", arg);
		return -1;
	}
	if (!one)
		return -1; /* err says why */
	if (!(copy = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory for its path", arg);
		errno = ENOMEM;
		return -1;
	}
	*paths = malloc(sizeof(**paths));
	if (!*paths) {
		free(copy);
		snprintf(err, errlen, "%s: out of memory for its path", arg);
		errno = ENOMEM;
		return -1;
	}
	(*paths)[0] = copy;
	*n = 1;
	return 0;
}

void tl_catalog_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
