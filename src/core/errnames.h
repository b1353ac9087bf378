/*
 * errnames: the symbolic names of the errno values socket calls return, for
 * printing calls ("= -1 ECONNREFUSED") and for parsing expectations.
 */
#ifndef TCPLAB_ERRNAMES_H
#define TCPLAB_ERRNAMES_H

#include <stddef.h>

/* The errno's symbolic name ("ECONNREFUSED"), or "E?" if unknown. */
const char *tl_errno_name(int err);

/* Parses a symbolic errno name; returns 0 when unknown. */
int tl_errno_parse(const char *name);

/* The known names, for hints: index 0 .. tl_errno_count() - 1. */
size_t tl_errno_count(void);
const char *tl_errno_name_at(size_t i);

#endif
