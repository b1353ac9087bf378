/*
 * errnames: one table of errno names for the whole program.
 */
#include "core/errnames.h"

#include <errno.h>
#include <string.h>

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ ECONNREFUSED, "ECONNREFUSED" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ECONNRESET, "ECONNRESET" },	  { EPIPE, "EPIPE" },
	{ ENOTCONN, "ENOTCONN" },	  { EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { EHOSTUNREACH, "EHOSTUNREACH" },
	{ ENETUNREACH, "ENETUNREACH" },	  { EINPROGRESS, "EINPROGRESS" },
	{ EALREADY, "EALREADY" },	  { EISCONN, "EISCONN" },
	{ EAGAIN, "EAGAIN" },		  { EINTR, "EINTR" },
	{ ECONNABORTED, "ECONNABORTED" }, { EINVAL, "EINVAL" },
	{ EBADF, "EBADF" },		  { ENOBUFS, "ENOBUFS" },
	{ EPERM, "EPERM" },		  { EACCES, "EACCES" },
};

#define N_NAMES (sizeof(errno_names) / sizeof(errno_names[0]))

const char *tl_errno_name(int err)
{
	for (size_t i = 0; i < N_NAMES; i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	/* Any other errno still gets its real name (EMFILE, ENOMEM...), not a guess. */
	const char *name = strerrorname_np(err);
	return name ? name : "E?";
}

int tl_errno_parse(const char *name)
{
	/* EWOULDBLOCK is EAGAIN on Linux; people write either. */
	if (!strcmp(name, "EWOULDBLOCK"))
		return EWOULDBLOCK;
	for (size_t i = 0; i < N_NAMES; i++)
		if (!strcmp(errno_names[i].name, name))
			return errno_names[i].err;
	return 0;
}

size_t tl_errno_count(void)
{
	return N_NAMES;
}

const char *tl_errno_name_at(size_t i)
{
	return i < N_NAMES ? errno_names[i].name : NULL;
}
