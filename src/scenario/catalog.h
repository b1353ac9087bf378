/*
 * catalog: where shipped scenarios live and how an argument names one.
 * An argument containing '/' or ending in ".scn" is a file path; anything
 * else is a shipped scenario's id ("N3"), looked up in the first of:
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

/*
 * Lists the shipped scenarios' paths in suite order: the walkthrough's
 * normal cases (N*) first, then the abnormal ones (A*), then the rest, each
 * group in natural order. *paths is malloc'd, each entry too; free with
 * tl_catalog_free. Returns 0, or -1 with err (and errno ENOMEM when out of
 * memory).
 */
int tl_catalog_list(char ***paths, size_t *n, char *err, size_t errlen);

void tl_catalog_free(char **paths, size_t n);

#endif
