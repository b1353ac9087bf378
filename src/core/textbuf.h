/*
 * textbuf: the two ways every module writes a message into a caller's fixed
 * buffer: replacing it (an error for the caller) or adding to it. Both
 * accept a NULL or empty buffer and never overrun.
 */
#ifndef TCPLAB_TEXTBUF_H
#define TCPLAB_TEXTBUF_H

#include <stddef.h>

/* Writes the message into err and returns -1, so `return tl_errorf(...)` reports a failure. */
int tl_errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes the text into buf, cut at len: for sentences whose cut is acceptable. */
void tl_textf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends to the NUL-terminated text in buf, truncating at len. */
void tl_appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
