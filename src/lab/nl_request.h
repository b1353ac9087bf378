/*
 * nl_request: what every netfilter netlink client of the lab (nflog's
 * reports, the delay queue, the queue rule) does on a libmnl socket: open
 * it, send one request (or batch) and wait for the kernel's answer, read
 * every message waiting.
 */
#ifndef TCPLAB_NL_REQUEST_H
#define TCPLAB_NL_REQUEST_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Sends len bytes of req on nl, then reads answers into rx (rx_len bytes,
 * large enough for any message the socket may receive) until the
 * acknowledgement of message seq arrives. Unsolicited messages that slip in
 * meanwhile (sequence 0) are skipped. Returns 0 when the kernel acknowledged
 * it, or -1 with errno set: the kernel's error, or ETIMEDOUT after timeout_ms
 * without an answer.
 */
int tl_nl_request(struct mnl_socket *nl, const void *req, size_t len, uint32_t seq, void *rx, size_t rx_len,
		  int timeout_ms);

/*
 * Opens a NETLINK_NETFILTER socket bound to a port the kernel picks, with a
 * receive buffer of rcvbuf bytes (past net.core.rmem_max when root), and
 * non-blocking. Returns it, or NULL with the reason in err, after who.
 */
struct mnl_socket *tl_nl_open_netfilter(int rcvbuf, const char *who, char *err, size_t errlen);

/*
 * Reads every message waiting on the non-blocking socket nl into buf and runs
 * cb(data) on each (unsolicited messages: no sequence or port is checked).
 * Returns 0; 1 when the kernel dropped messages because the receive buffer
 * was full (ENOBUFS), the rest having been read; or -1 with errno set: a
 * socket error, or cb returned MNL_CB_ERROR.
 */
int tl_nl_read_all(struct mnl_socket *nl, void *buf, size_t len, mnl_cb_t cb, void *data);

#endif
