/*
 * addr: IP addresses of either family in one type, so that tuples, the
 * model and every view carry IPv4 and IPv6 alike.
 *
 * An address is 16 bytes in network order; an IPv4 address is kept as its
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d, RFC 4291 2.5.5.2), which is also
 * how the kernel shows an IPv4 peer of an AF_INET6 socket. So one memcmp
 * compares any two addresses, and the family is read off the address: there
 * is no separate field that could disagree with it.
 */
#ifndef TCPLAB_ADDR_H
#define TCPLAB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_addr {
	uint8_t b[16]; /* network order; IPv4 as ::ffff:a.b.c.d */
};

/* Room for any address as text ("ffff:...:255.255.255.255") and NUL. */
#define TL_ADDR_STRLEN 46
/* Room for "[address]:65535" and NUL. */
#define TL_ENDPOINT_STRLEN (TL_ADDR_STRLEN + 8)

/* An IPv4 address (network order, as in struct in_addr) in the mapped form. */
struct tl_addr tl_addr_v4(uint32_t addr_be);

/* 127.0.0.1 and ::1. */
struct tl_addr tl_addr_loopback(int family);

/* True for an IPv4 address (the mapped form). */
bool tl_addr_is_v4(const struct tl_addr *a);

/* AF_INET or AF_INET6. */
int tl_addr_family(const struct tl_addr *a);

/* The IPv4 address in network order; 0 for an IPv6 one. */
uint32_t tl_addr_v4_be(const struct tl_addr *a);

bool tl_addr_equal(const struct tl_addr *a, const struct tl_addr *b);

/* The wildcard of either family: 0.0.0.0 or ::. */
bool tl_addr_is_any(const struct tl_addr *a);

/* 127.0.0.0/8 or ::1: what the loopback device answers for. */
bool tl_addr_is_loopback(const struct tl_addr *a);

/* The lab's own IPv6 address, on lo beside ::1 in every lab namespace: not a loopback address. */
#define TL_LAB_ADDR6 "fd00::1"

/* A loopback address or the lab's own: what a lab namespace (and the model) answers for. */
bool tl_addr_is_lab_local(const struct tl_addr *a);

/*
 * Reads "127.0.0.1" or "::1" (inet_pton's forms of either family). Returns
 * true and fills *out, or false for text that is neither (*out unchanged).
 */
bool tl_addr_parse(const char *text, struct tl_addr *out);

/* The family of an address as text: AF_INET, AF_INET6, or 0 for neither. */
int tl_addr_text_family(const char *text);

/* "127.0.0.1" or "::1", as inet_ntop writes them (and tcpdump -nn prints). */
void tl_addr_format(const struct tl_addr *a, char *out, size_t len);

/* "127.0.0.1:2017" or "[::1]:2017", as ss prints an endpoint. */
void tl_endpoint_format(const struct tl_addr *a, uint16_t port, char *out, size_t len);

/* The same from an address written as text: brackets when it holds a ':'. */
void tl_host_port_format(const char *host, uint16_t port, char *out, size_t len);

/* Fills a struct sockaddr_in or sockaddr_in6 (by the address's family) in
 * *ss and returns its length. */
struct sockaddr_storage;
unsigned tl_addr_to_sockaddr(const struct tl_addr *a, uint16_t port, struct sockaddr_storage *ss);

/* Reads a struct sockaddr_in or sockaddr_in6; false for any other family. */
bool tl_addr_from_sockaddr(const struct sockaddr_storage *ss, struct tl_addr *a, uint16_t *port);

#endif
