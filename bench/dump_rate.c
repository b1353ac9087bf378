/*
 * dump_rate: how long one sock_diag dump of a namespace with many sockets
 * takes through tcplab's sockdiag module. bench/run sets it beside `ss -tan`
 * on the same sockets. Usage: dump_rate SOCKETS DUMPS (run inside a private
 * network namespace with loopback up). Prints the microseconds per dump and
 * the sockets seen; with a third argument it then keeps the sockets open
 * until killed, so that ss can list the same ones.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab/sockdiag.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: dump_rate SOCKETS DUMPS [hold]\n");
		return 2;
	}
	int n_socks = atoi(argv[1]), n_dumps = atoi(argv[2]);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(2017);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0) {
		perror("listen");
		return 1;
	}
	/* Connected pairs: the client end and the accepted end are both dumped. */
	for (int i = 0; i < n_socks / 2; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 || accept(lfd, NULL, NULL) < 0) {
			perror("connect");
			return 1;
		}
	}
	char err[256];
	struct tl_sockdiag *d = tl_sockdiag_open(err, sizeof(err));
	if (!d) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double t0 = now_us();
	size_t seen = 0;
	for (int i = 0; i < n_dumps; i++) {
		struct tl_sock_row *rows;
		size_t n;
		if (tl_sockdiag_dump(d, &rows, &n, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		seen = n;
		free(rows);
	}
	double per = (now_us() - t0) / n_dumps;
	tl_sockdiag_close(d);
	printf("%.1f %zu\n", per, seen);
	fflush(stdout);
	if (argc > 3)
		pause();
	return 0;
}
