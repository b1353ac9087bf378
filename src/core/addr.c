/*
 * addr: IPv4 and IPv6 addresses in the one form the tuples carry (see addr.h).
 */
#include "core/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

struct tl_addr tl_addr_v4(uint32_t addr_be)
{
	struct tl_addr a;
	memcpy(a.b, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(a.b + 12, &addr_be, 4);
	return a;
}

struct tl_addr tl_addr_loopback(int family)
{
	if (family == AF_INET6) {
		struct tl_addr a = { .b = { [15] = 1 } };
		return a;
	}
	return tl_addr_v4(htonl(INADDR_LOOPBACK));
}

bool tl_addr_is_v4(const struct tl_addr *a)
{
	return memcmp(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

int tl_addr_family(const struct tl_addr *a)
{
	return tl_addr_is_v4(a) ? AF_INET : AF_INET6;
}

uint32_t tl_addr_v4_be(const struct tl_addr *a)
{
	uint32_t v = 0;
	if (tl_addr_is_v4(a))
		memcpy(&v, a->b + 12, 4);
	return v;
}

bool tl_addr_equal(const struct tl_addr *a, const struct tl_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

bool tl_addr_is_any(const struct tl_addr *a)
{
	static const struct tl_addr v6_any;
	return tl_addr_equal(a, &v6_any) || (tl_addr_is_v4(a) && tl_addr_v4_be(a) == 0);
}

bool tl_addr_is_loopback(const struct tl_addr *a)
{
	if (tl_addr_is_v4(a))
		return a->b[12] == 127;
	struct tl_addr one = tl_addr_loopback(AF_INET6);
	return tl_addr_equal(a, &one);
}

bool tl_addr_is_lab_local(const struct tl_addr *a)
{
	struct tl_addr own;
	return tl_addr_is_loopback(a) || (tl_addr_parse(TL_LAB_ADDR6, &own) && tl_addr_equal(a, &own));
}

bool tl_addr_parse(const char *text, struct tl_addr *out)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		*out = tl_addr_v4(v4.s_addr);
		return true;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		memcpy(out->b, &v6, sizeof(out->b));
		return true;
	}
	return false;
}

int tl_addr_text_family(const char *text)
{
	struct tl_addr a;
	return tl_addr_parse(text, &a) ? tl_addr_family(&a) : 0;
}

/* Dotted quad as inet_ntop writes it; by hand, because glibc's calls
 * sprintf per byte and every packet line of a 100,000-peer flood needs two. */
static void format_v4(const uint8_t *b, char *text)
{
	char *at = text;
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*at++ = (char)('0' + v / 100);
		if (v >= 10)
			*at++ = (char)('0' + v / 10 % 10);
		*at++ = (char)('0' + v % 10);
		*at++ = i < 3 ? '.' : '\0';
	}
}

void tl_addr_format(const struct tl_addr *a, char *out, size_t len)
{
	char text[TL_ADDR_STRLEN];
	if (tl_addr_is_v4(a))
		format_v4(a->b + 12, text);
	else
		inet_ntop(AF_INET6, a->b, text, sizeof(text));
	if (!len)
		return;
	/* snprintf's "%s", without its cost: cut to fit, always terminated. */
	size_t n = strlen(text);
	n = n < len - 1 ? n : len - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

void tl_endpoint_format(const struct tl_addr *a, uint16_t port, char *out, size_t len)
{
	char text[TL_ADDR_STRLEN];
	tl_addr_format(a, text, sizeof(text));
	tl_host_port_format(text, port, out, len);
}

void tl_host_port_format(const char *host, uint16_t port, char *out, size_t len)
{
	/* A port after an IPv6 address would read as one more group: ss, URLs
	 * and RFC 5952 section 6 put the address in brackets. */
	if (strchr(host, ':'))
		snprintf(out, len, "[%s]:%u", host, port);
	else
		snprintf(out, len, "%s:%u", host, port);
}

unsigned tl_addr_to_sockaddr(const struct tl_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (tl_addr_is_v4(a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->b + 12, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->b, sizeof(a->b));
	return sizeof(*sin6);
}

bool tl_addr_from_sockaddr(const struct sockaddr_storage *ss, struct tl_addr *a, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		*a = tl_addr_v4(sin->sin_addr.s_addr);
		*port = ntohs(sin->sin_port);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		memcpy(a->b, &sin6->sin6_addr, sizeof(a->b));
		*port = ntohs(sin6->sin6_port);
		return true;
	}
	return false;
}
