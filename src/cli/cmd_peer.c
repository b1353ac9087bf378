/*
 * cmd_peer: `tcplab client` and `tcplab server`, the walkthrough's two
 * programs for experiments by hand on any host. Every socket call is printed
 * with its result and, on failure, errno's name and text. They make the same
 * calls as the lab's client and server (sockops).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/invariant.h"
#include "lab/sockops.h"

static volatile sig_atomic_t interrupted;
static struct tl_peer *interruptible; /* whose sockets a signal shuts down */

static void shut(int fd)
{
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

/*
 * A signal that comes between the check of `interrupted` and a blocking
 * accept() or recv() would not interrupt it: shutting the sockets down
 * (async-signal-safe) ends the call wherever it is.
 */
static void on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	interrupted = 1;
	if (interruptible) {
		shut(interruptible->fd.listener);
		for (size_t i = 0; i < TL_MAX_CONNS; i++)
			shut(interruptible->fd.conn[i]);
	}
	errno = saved;
}

/* Without SA_RESTART, so that Ctrl-C ends a blocked accept() or recv(). */
static void catch_interrupts(struct tl_peer *p)
{
	interruptible = p;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int call(struct tl_peer *p, const struct tl_step *st, const char *host, uint16_t port)
{
	struct tl_app_call c;
	char line[512];
	int rc = tl_sockop_run(p, st, host, port, &c);
	if (interrupted) /* the call ended because of it, or at least not before it */
		return -1;
	tl_app_call_format(&c, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	return rc < 0 ? -1 : (int)c.ret;
}

/* Sleeps, or until Ctrl-C; seconds < 0 means until Ctrl-C. */
static void pause_for(double seconds)
{
	if (seconds < 0) {
		/* Blocked but for sigsuspend(): a signal cannot slip in between the test and the wait. */
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigprocmask(SIG_BLOCK, &block, &old);
		while (!interrupted)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 86400)
		return false;
	*out = v;
	return true;
}

static bool parse_port(const char *cmd, const char *s, uint16_t *port)
{
	long v;
	if (!tl_cli_parse_long(s, 1, 65535, &v)) {
		fprintf(stderr, "tcplab %s: --port takes a number from 1 to 65535, got '%s'\n", cmd, s);
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

static void client_usage(FILE *out)
{
	fputs("usage: tcplab client [HOST] [--port N] [ACTION...]\n"
	      "\n"
	      "Connects to HOST (default 127.0.0.1) on port N (default 2017), then does\n"
	      "the actions in the order given, printing each socket call and its result.\n"
	      "With no action it keeps the connection open until Ctrl-C.\n"
	      "\n"
	      "actions:\n"
	      "  --send TEXT     send TEXT\n"
	      "  --recv          receive once (0 bytes: the server closed its side)\n"
	      "  --wait SEC      wait SEC seconds (decimals allowed)\n"
	      "  --shutdown      half-close: shutdown(SHUT_WR) sends FIN, reading goes on\n"
	      "  --close         close(): FIN, the orderly end\n"
	      "  --abort         close() with SO_LINGER 0: RST, the abortive end\n"
	      "  --hold          keep everything as it is until Ctrl-C\n"
	      "\n"
	      "example, the walkthrough's data case:\n"
	      "  tcplab client --send hello --wait 1 --close\n"
	      "\n"
	      "exit status: 0 every call succeeded, 1 a call failed (its line says why),\n"
	      "2 bad usage, 130 interrupted (Ctrl-C or SIGTERM).\n",
	      out);
}

int tl_cmd_client(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' }, { "send", required_argument, NULL, 's' },
		{ "recv", no_argument, NULL, 'r' },	  { "wait", required_argument, NULL, 'w' },
		{ "shutdown", no_argument, NULL, 'S' },	  { "close", no_argument, NULL, 'c' },
		{ "abort", no_argument, NULL, 'a' },	  { "hold", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },	  { NULL, 0, NULL, 0 },
	};
	uint16_t port = 2017;
	int c, n_actions = 0;
	double secs;
	/* First pass: check everything and find the port and host, so that bad input
	 * is reported before any packet is sent. */
	optind = 0; /* 0 re-initialises GNU getopt, which permutes argv */
	opterr = 0; /* tl_cli_bad_option says it in one line */
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_port("client", optarg, &port))
				return TL_EXIT_USAGE;
			break;
		case 'w':
			if (!parse_seconds(optarg, &secs)) {
				fprintf(stderr, "tcplab client: --wait takes seconds from 0 to 86400, got '%s'\n", optarg);
				return TL_EXIT_USAGE;
			}
			n_actions++;
			break;
		case 'h':
			client_usage(stdout);
			return TL_EXIT_OK;
		case '?':
		case ':':
			return tl_cli_bad_option("client", c, argv);
		default:
			n_actions++;
			break;
		}
	}
	const char *host = "127.0.0.1";
	if (optind < argc)
		host = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "tcplab client: unexpected argument '%s' (options go before or after HOST)\n", argv[optind]);
		return TL_EXIT_USAGE;
	}
	struct tl_addr probe;
	if (!tl_addr_parse(host, &probe)) {
		fprintf(stderr, "tcplab client: '%s' is not an IP address (e.g. 127.0.0.1 or ::1)\n", host);
		return TL_EXIT_USAGE;
	}

	struct tl_peer peer;
	tl_peer_init(&peer);
	catch_interrupts(&peer);
	struct tl_step st = { .kind = TL_STEP_CONNECT };
	int status = TL_EXIT_OK;
	if (call(&peer, &st, host, port) < 0) {
		tl_peer_close_all(&peer);
		return TL_EXIT_FAIL;
	}
	optind = 0; /* 0 re-initialises GNU getopt, which permutes argv */
	while (!interrupted && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		memset(&st, 0, sizeof(st));
		switch (c) {
		case 's':
			st.kind = TL_STEP_SEND;
			st.data = optarg;
			st.data_len = strlen(optarg);
			break;
		case 'r': st.kind = TL_STEP_RECV; break;
		case 'S': st.kind = TL_STEP_SHUTDOWN; st.shutdown_how = SHUT_WR; break;
		case 'c': st.kind = TL_STEP_CLOSE; break;
		case 'a': st.kind = TL_STEP_ABORT; break;
		case 'w': {
			bool valid = parse_seconds(optarg, &secs); /* the first pass refused what is not */
			TL_ASSERT(valid);
			pause_for(secs);
			continue;
		}
		case 'H':
			pause_for(-1);
			continue;
		default:
			continue;
		}
		if (call(&peer, &st, host, port) < 0) {
			status = TL_EXIT_FAIL;
			break;
		}
	}
	if (!n_actions)
		pause_for(-1);
	tl_peer_close_all(&peer);
	if (interrupted) {
		fprintf(stderr, "tcplab client: interrupted\n");
		return TL_EXIT_INTERRUPTED;
	}
	return status;
}

static void server_usage(FILE *out)
{
	fputs("usage: tcplab server [--host ADDR] [--port N] [OPTIONS]\n"
	      "\n"
	      "Listens on ADDR (default 127.0.0.1) port N (default 2017) and serves one\n"
	      "connection after another: prints what arrives and closes when the client\n"
	      "closes. Every socket call is printed with its result. Ctrl-C ends it.\n"
	      "\n"
	      "options:\n"
	      "  --close-after SEC  close each connection SEC seconds after accepting it,\n"
	      "                     without waiting for the client (the server closes first)\n"
	      "  --hold             do not close when the client closes: the connection\n"
	      "                     stays in CLOSE-WAIT until Ctrl-C\n"
	      "  --once             serve one connection, then exit\n"
	      "\n"
	      "exit status: 0 ended by Ctrl-C or SIGTERM (how a server ends) or after\n"
	      "--once, 1 a call failed (its line says why), 2 bad usage.\n",
	      out);
}

int tl_cmd_server(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },   { "port", required_argument, NULL, 'p' },
		{ "close-after", required_argument, NULL, 'c' }, { "hold", no_argument, NULL, 'k' },
		{ "once", no_argument, NULL, '1' },	    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = "127.0.0.1";
	uint16_t port = 2017;
	double close_after = -1;
	bool hold = false, once = false;
	int c;
	optind = 0; /* 0 re-initialises GNU getopt, which permutes argv */
	opterr = 0; /* tl_cli_bad_option says it in one line */
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'p':
			if (!parse_port("server", optarg, &port))
				return TL_EXIT_USAGE;
			break;
		case 'c':
			if (!parse_seconds(optarg, &close_after)) {
				fprintf(stderr, "tcplab server: --close-after takes seconds from 0 to 86400, got '%s'\n", optarg);
				return TL_EXIT_USAGE;
			}
			break;
		case 'k': hold = true; break;
		case '1': once = true; break;
		case 'h':
			server_usage(stdout);
			return TL_EXIT_OK;
		default:
			return tl_cli_bad_option("server", c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tcplab server: unexpected argument '%s'\n", argv[optind]);
		return TL_EXIT_USAGE;
	}
	struct tl_addr probe;
	if (!tl_addr_parse(host, &probe)) {
		fprintf(stderr, "tcplab server: '%s' is not an IP address (e.g. 127.0.0.1 or ::1)\n", host);
		return TL_EXIT_USAGE;
	}
	struct tl_peer peer;
	tl_peer_init(&peer);
	catch_interrupts(&peer);
	struct tl_step st = { .kind = TL_STEP_LISTEN };
	if (call(&peer, &st, host, port) < 0)
		return TL_EXIT_FAIL;
	int status = TL_EXIT_OK; /* Ctrl-C is how a server ends, not a failure */
	while (!interrupted) {
		st = (struct tl_step){ .kind = TL_STEP_ACCEPT };
		if (call(&peer, &st, host, port) < 0) {
			if (!interrupted)
				status = TL_EXIT_FAIL; /* accept() failed: its line above says why */
			break;
		}
		if (close_after >= 0) {
			pause_for(close_after);
		} else {
			st = (struct tl_step){ .kind = TL_STEP_RECV };
			while (!interrupted && call(&peer, &st, host, port) > 0)
				;
			if (hold)
				pause_for(-1);
		}
		st = (struct tl_step){ .kind = TL_STEP_CLOSE };
		if (call(&peer, &st, host, port) < 0 && !interrupted)
			status = TL_EXIT_FAIL;
		if (once)
			break;
	}
	tl_peer_close_all(&peer);
	return status;
}
