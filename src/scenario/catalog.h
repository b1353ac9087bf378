/*
 * catalog: where shipped scenarios live and how an argument names one.
 * An argument containing '/' or ending in ".scn" is a file path; anything
 * else is a shipped scenario's id ("N3", "half-close"), looked up at the top
 * of the scenario directory (the walkthrough's) and then in each of its
 * group folders (the library's), in any case. The directory is the first of:
 * $TCPLAB_SCENARIOS, scenarios/ beside the source tree the binary was built
 * in, and the installed data directory.
 */
#ifndef TCPLAB_CATALOG_H
#define TCPLAB_CATALOG_H

#include <stddef.h>

/* The directory of shipped scenarios; 0, or -1 with err when none is found. */
int tl_catalog_dir(char *out, size_t len, char *err, size_t errlen);

/* Resolves an id or path to a file path. 0, or -1 with err ("no scenario 'X'",
 * or a path that does not fit in len: never a cut one). */
int tl_catalog_resolve(const char *arg, char *path, size_t len, char *err, size_t errlen);

/* The words that name a whole suite: the walkthrough's ten, and every library group. */
#define TL_CATALOG_WALKTHROUGH "walkthrough"
#define TL_CATALOG_LIBRARY "library"

/*
 * Lists the walkthrough's scenarios (the files at the top of the scenario
 * directory) in suite order: the normal cases (N*) first, then the abnormal
 * ones (A*), then the rest, each in natural order. *paths is malloc'd, each
 * entry too; free with tl_catalog_free. Returns 0, or -1 with err (and
 * errno ENOMEM when out of memory).
 */
int tl_catalog_list(char ***paths, size_t *n, char *err, size_t errlen);

/* The library's group names: the folders of the scenario directory that hold
 * scenarios, sorted. Allocated and returned as tl_catalog_list's. */
int tl_catalog_groups(char ***names, size_t *n, char *err, size_t errlen);

/* The paths of one group's scenarios, sorted. As tl_catalog_list. */
int tl_catalog_group(const char *group, char ***paths, size_t *n, char *err, size_t errlen);

/*
 * What one command-line word names: "walkthrough" its ten, "library" every
 * group's scenarios (group by group), a group's name (any case) that group,
 * else one scenario by id or path (tl_catalog_resolve). As tl_catalog_list.
 */
int tl_catalog_expand(const char *arg, char ***paths, size_t *n, char *err, size_t errlen);

void tl_catalog_free(char **paths, size_t n);

#endif
