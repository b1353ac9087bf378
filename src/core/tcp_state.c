/*
 * tcp_state: names of the kernel's TCP states, in both spellings people meet:
 * the kernel's (tracepoints, bcc tools) and the RFC's (netstat, the walkthrough).
 */
#include "core/tcp_state.h"

#include <stddef.h>
#include <strings.h>

static const char *const kernel_names[TL_STATE_COUNT] = {
	[TL_STATE_NONE] = "NONE",
	[TL_ESTABLISHED] = "ESTABLISHED",
	[TL_SYN_SENT] = "SYN_SENT",
	[TL_SYN_RECV] = "SYN_RECV",
	[TL_FIN_WAIT1] = "FIN_WAIT1",
	[TL_FIN_WAIT2] = "FIN_WAIT2",
	[TL_TIME_WAIT] = "TIME_WAIT",
	[TL_CLOSE] = "CLOSE",
	[TL_CLOSE_WAIT] = "CLOSE_WAIT",
	[TL_LAST_ACK] = "LAST_ACK",
	[TL_LISTEN] = "LISTEN",
	[TL_CLOSING] = "CLOSING",
	[TL_NEW_SYN_RECV] = "NEW_SYN_RECV",
	[TL_BOUND_INACTIVE] = "BOUND_INACTIVE",
};

static const char *const rfc_names[TL_STATE_COUNT] = {
	[TL_STATE_NONE] = "NONE",
	[TL_ESTABLISHED] = "ESTABLISHED",
	[TL_SYN_SENT] = "SYN-SENT",
	[TL_SYN_RECV] = "SYN-RECV",
	[TL_FIN_WAIT1] = "FIN-WAIT-1",
	[TL_FIN_WAIT2] = "FIN-WAIT-2",
	[TL_TIME_WAIT] = "TIME-WAIT",
	[TL_CLOSE] = "CLOSED",
	[TL_CLOSE_WAIT] = "CLOSE-WAIT",
	[TL_LAST_ACK] = "LAST-ACK",
	[TL_LISTEN] = "LISTEN",
	[TL_CLOSING] = "CLOSING",
	[TL_NEW_SYN_RECV] = "SYN-RECV",
	[TL_BOUND_INACTIVE] = "BOUND-INACTIVE",
};

bool tl_state_valid(int v)
{
	return v > TL_STATE_NONE && v < TL_STATE_COUNT;
}

const char *tl_state_name(enum tl_state s)
{
	return (s >= 0 && s < TL_STATE_COUNT) ? kernel_names[s] : "?";
}

const char *tl_state_rfc_name(enum tl_state s)
{
	return (s >= 0 && s < TL_STATE_COUNT) ? rfc_names[s] : "?";
}

bool tl_state_parse(const char *name, enum tl_state *out)
{
	static const struct {
		const char *alias;
		enum tl_state state;
	} aliases[] = {
		{ "SYN-RCVD", TL_SYN_RECV },
		{ "SYN_RCVD", TL_SYN_RECV },
		{ "CLOSED", TL_CLOSE },
		{ "FIN_WAIT_1", TL_FIN_WAIT1 },
		{ "FIN_WAIT_2", TL_FIN_WAIT2 },
	};
	for (int s = TL_ESTABLISHED; s < TL_STATE_COUNT; s++) {
		if (!strcasecmp(name, kernel_names[s]) || !strcasecmp(name, rfc_names[s])) {
			*out = (enum tl_state)s;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (!strcasecmp(name, aliases[i].alias)) {
			*out = aliases[i].state;
			return true;
		}
	}
	return false;
}
