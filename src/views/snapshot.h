/*
 * snapshot: a socket snapshot printed as the table people know from
 * netstat -tano, whichever runner took it.
 */
#ifndef TCPLAB_SNAPSHOT_H
#define TCPLAB_SNAPSHOT_H

#include <stdio.h>

#include "core/event.h"

/*
 * Prints a snapshot like netstat -tano: one header line and a row per
 * socket (Proto Recv-Q Send-Q Local Address Foreign Address State Timer),
 * the timer as netstat shows it, e.g. "timewait (59.87/0/0)". Each line is
 * prefixed by indent.
 */
void tl_snapshot_print(FILE *out, const struct tl_snapshot *s, const char *indent);

#endif
