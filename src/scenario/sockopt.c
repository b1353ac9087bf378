/*
 * sockopt: the table of socket options (see sockopt.h). Ranges are the
 * kernel's own (Linux 6.18, include/net/tcp.h: MAX_TCP_SYNCNT 127,
 * MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL 32767, MAX_TCP_KEEPCNT 127,
 * TCP_MIN_MSS 88 to MAX_TCP_WINDOW 32767 for TCP_MAXSEG), so a value the
 * kernel would refuse with EINVAL is refused at its line instead. The
 * buffer sizes stop at 212992, the default net.core.rmem_max and wmem_max:
 * the kernel cuts a larger value to those host-wide sysctls, which tcplab
 * never changes and the model cannot see.
 */
#include "scenario/sockopt.h"

#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "core/textbuf.h"

#define DEFAULT_MEM_MAX 212992 /* net.core.rmem_max and wmem_max when nobody changed them */

static const struct tl_sockopt_info table[TL_OPT_COUNT] = {
	{ TL_OPT_SYNCNT, "syncnt", "TCP_SYNCNT", IPPROTO_TCP, TCP_SYNCNT, 1, 127, TL_UNIT_COUNT },
	{ TL_OPT_USER_TIMEOUT, "user_timeout", "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, 0, INT_MAX,
	  TL_UNIT_MS },
	{ TL_OPT_LINGER2, "linger2", "TCP_LINGER2", IPPROTO_TCP, TCP_LINGER2, -1, INT_MAX, TL_UNIT_S },
	{ TL_OPT_KEEPALIVE, "keepalive", "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 0, 1, TL_UNIT_SWITCH },
	{ TL_OPT_KEEPIDLE, "keepidle", "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, 32767, TL_UNIT_S },
	{ TL_OPT_KEEPINTVL, "keepintvl", "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, 32767, TL_UNIT_S },
	{ TL_OPT_KEEPCNT, "keepcnt", "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, 127, TL_UNIT_COUNT },
	{ TL_OPT_NODELAY, "nodelay", "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 0, 1, TL_UNIT_SWITCH },
	{ TL_OPT_QUICKACK, "quickack", "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK, 0, 1, TL_UNIT_SWITCH },
	{ TL_OPT_MAXSEG, "maxseg", "TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG, 88, 32767, TL_UNIT_BYTES },
	{ TL_OPT_RCVBUF, "rcvbuf", "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, 1, DEFAULT_MEM_MAX, TL_UNIT_BYTES },
	{ TL_OPT_SNDBUF, "sndbuf", "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, 1, DEFAULT_MEM_MAX, TL_UNIT_BYTES },
	{ TL_OPT_DEFER_ACCEPT, "defer_accept", "TCP_DEFER_ACCEPT", IPPROTO_TCP, TCP_DEFER_ACCEPT, 0, INT_MAX,
	  TL_UNIT_S },
};

const struct tl_sockopt_info *tl_sockopt_info(enum tl_sockopt opt)
{
	if ((int)opt < 0 || opt >= TL_OPT_COUNT)
		return NULL;
	return &table[opt];
}

const struct tl_sockopt_info *tl_sockopt_find(const char *word)
{
	for (size_t i = 0; i < TL_OPT_COUNT; i++)
		if (!strcmp(table[i].word, word))
			return &table[i];
	return NULL;
}

void tl_sockopt_words(char *out, size_t len)
{
	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < TL_OPT_COUNT; i++)
		tl_appendf(out, len, "%s%s", i == 0 ? "" : i + 1 == TL_OPT_COUNT ? " or " : ", ", table[i].word);
}

const char *tl_sockopt_unit_name(enum tl_sockopt_unit unit)
{
	switch (unit) {
	case TL_UNIT_SWITCH: return "on|off";
	case TL_UNIT_COUNT: return "N";
	case TL_UNIT_MS: return "ms";
	case TL_UNIT_S: return "s";
	case TL_UNIT_BYTES: return "bytes";
	}
	return "?";
}

void tl_sockopt_call_text(enum tl_sockopt opt, int value, char *out, size_t len)
{
	const struct tl_sockopt_info *o = tl_sockopt_info(opt);
	tl_textf(out, len, "setsockopt(%s, %d)", o ? o->kernel_name : "?", value);
}
