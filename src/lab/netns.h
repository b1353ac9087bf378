/*
 * netns: the lab's private network namespace and its settings.
 *
 * The namespace is made with unshare(CLONE_NEWNET) by the process that runs a
 * scenario and is never bind-mounted, so the kernel removes it, with every
 * socket and firewall rule in it, when that process exits for any reason.
 * Sysctls under /proc/sys/net are per namespace: setting them here leaves the
 * host's values alone.
 */
#ifndef TCPLAB_NETNS_H
#define TCPLAB_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

/*
 * Moves the calling thread, and every thread it starts afterwards, into a
 * new network namespace (unshare moves only the caller: call it before
 * starting any thread) and brings its loopback up (rtnetlink via libmnl). Returns 0, or
 * -1 with the reason in err (naming CAP_SYS_ADMIN on EPERM).
 */
int tl_netns_enter_new(char *err, size_t errlen);

/*
 * Makes net/prefix_len local to the current namespace (a local route on lo,
 * rtnetlink via libmnl): segments to it go out on lo, where the capture sees
 * them, and come back in, where a firewall rule can drop them before any
 * socket answers. (IPv6 turns an ordinary route via lo into a reject route,
 * so both families take this way.) A route that is there already is fine.
 * Returns 0, or -1 with the reason in err.
 */
int tl_netns_route_into_lo(const struct tl_addr *net, unsigned prefix_len, char *err, size_t errlen);

/* Inode of the current network namespace (/proc/self/ns/net); 0 on error. */
uint32_t tl_netns_inode(void);

/*
 * Sets a sysctl of the current namespace: name in dotted form
 * ("net.ipv4.tcp_fin_timeout"). Only names under "net." are accepted, so the
 * host is never touched. Returns 0; TL_SYSCTL_REFUSED with err naming the
 * sysctl when the kernel refuses the name (no such sysctl) or the value
 * (not a number, out of range); -1 for any other failure.
 */
#define TL_SYSCTL_REFUSED (-2)
int tl_sysctl_set(const char *name, const char *value, char *err, size_t errlen);

/* Reads a sysctl into buf (trailing newline removed). 0 or -1 with err. */
int tl_sysctl_get(const char *name, char *buf, size_t len, char *err, size_t errlen);

/* Reads an integer sysctl; returns 0 and sets *value, or -1 with err. */
int tl_sysctl_get_long(const char *name, long *value, char *err, size_t errlen);

#endif
