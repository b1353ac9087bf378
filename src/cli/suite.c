/*
 * suite: a child per scenario, outputs collected through pipes.
 *
 * Children die with the parent (PR_SET_PDEATHSIG), so even a killed tcplab
 * leaves no process and therefore no namespace behind. Signal handlers only
 * set flags; the loops below act on them.
 */
#include "cli/suite.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t parent_stop;
static volatile sig_atomic_t child_stop;

static void on_parent_signal(int sig)
{
	(void)sig;
	parent_stop = 1;
}

static void on_child_signal(int sig)
{
	(void)sig;
	child_stop = 1;
}

struct child {
	pid_t pid;
	int fd; /* read end of its output pipe, -1 when closed */
	char *buf;
	size_t len, cap;
	bool exited;
	int status;
	double started_s;
	size_t lost;	      /* bytes of output that found no memory */
	char start_error[160]; /* why its process could not start, or "" */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *tl_verdict_name(enum tl_verdict v)
{
	switch (v) {
	case TL_VERDICT_PASS: return "PASS";
	case TL_VERDICT_FAIL: return "FAIL";
	case TL_VERDICT_ERROR: return "ERROR";
	case TL_VERDICT_INTERRUPTED: return "STOPPED";
	case TL_VERDICT_REFUSED: return "REFUSED";
	}
	return "?";
}

static void install(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Returns the child's pid, or -1 with why in err. */
static pid_t spawn(const struct tl_scenario *sc, size_t index, tl_suite_job job, void *ctx, int *fd_out,
		   char *err, size_t errlen)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot make its output pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start its process: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		install(SIGINT, on_child_signal);
		install(SIGTERM, on_child_signal);
		FILE *out = fdopen(fds[1], "w");
		if (!out) {
			dprintf(fds[1], "== %s  %s\n   ERROR: cannot open its output: %s\n\n", sc->id, sc->title,
				strerror(errno));
			_exit(TL_VERDICT_ERROR);
		}
		enum tl_verdict v = job(sc, index, out, &child_stop, ctx);
		fclose(out);
		exit(v);
	}
	close(fds[1]);
	*fd_out = fds[0];
	return pid;
}

static void read_output(struct child *c)
{
	char chunk[8192];
	ssize_t n = read(c->fd, chunk, sizeof(chunk));
	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return;
		close(c->fd);
		c->fd = -1;
		return;
	}
	if (c->len + (size_t)n > c->cap) {
		size_t cap = (c->len + n) * 2;
		char *grown = realloc(c->buf, cap);
		if (!grown) {
			c->lost += (size_t)n; /* said when the report is printed */
			return;
		}
		c->buf = grown;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, chunk, n);
	c->len += n;
}

static enum tl_verdict verdict_of(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) <= TL_VERDICT_REFUSED)
		return (enum tl_verdict)WEXITSTATUS(status);
	if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM))
		return TL_VERDICT_INTERRUPTED;
	return TL_VERDICT_ERROR;
}

int tl_suite_run(const struct tl_scenario *scs, size_t n, unsigned jobs, tl_suite_job job, void *ctx,
		 FILE *out, struct tl_suite_result *results, char *err, size_t errlen)
{
	struct child *ch = calloc(n ? n : 1, sizeof(*ch));
	size_t next_start = 0, next_print = 0, running = 0;
	bool signalled = false;
	if (!ch) {
		snprintf(err, errlen, "out of memory for %zu scenarios' processes", n);
		return -1;
	}
	parent_stop = 0;
	install(SIGINT, on_parent_signal);
	install(SIGTERM, on_parent_signal);
	for (size_t i = 0; i < n; i++)
		ch[i].fd = -1;

	while (next_print < n) {
		while (!parent_stop && next_start < n && (jobs == 0 || running < jobs)) {
			struct child *c = &ch[next_start];
			c->started_s = now_s();
			c->pid = spawn(&scs[next_start], next_start, job, ctx, &c->fd, c->start_error,
				       sizeof(c->start_error));
			if (c->pid < 0) {
				c->exited = true;
				c->status = TL_VERDICT_ERROR << 8;
			} else {
				running++;
			}
			next_start++;
		}
		if (parent_stop && !signalled) {
			for (size_t i = 0; i < next_start; i++)
				if (!ch[i].exited && ch[i].pid > 0)
					kill(ch[i].pid, SIGTERM);
			signalled = true;
			next_start = n; /* start nothing more */
			for (size_t i = 0; i < n; i++)
				if (!ch[i].pid && !ch[i].exited) {
					ch[i].exited = true;
					ch[i].status = TL_VERDICT_INTERRUPTED << 8;
				}
		}
		struct pollfd pfd[64];
		size_t map[64], np = 0;
		for (size_t i = 0; i < n && np < 64; i++) {
			if (ch[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = ch[i].fd, .events = POLLIN };
				map[np++] = i;
			}
		}
		if (np)
			poll(pfd, np, 100);
		for (size_t k = 0; k < np; k++)
			if (pfd[k].revents)
				read_output(&ch[map[k]]);
		for (size_t i = 0; i < n; i++) {
			struct child *c = &ch[i];
			if (c->pid > 0 && !c->exited && c->fd < 0 &&
			    waitpid(c->pid, &c->status, 0) == c->pid) {
				c->exited = true;
				running--;
				results[i].seconds = now_s() - c->started_s;
			}
		}
		while (next_print < n && ch[next_print].exited && ch[next_print].fd < 0) {
			struct child *c = &ch[next_print];
			const struct tl_scenario *sc = &scs[next_print];
			if (c->len)
				fwrite(c->buf, 1, c->len, out);
			if (c->start_error[0])
				fprintf(out, "== %s  %s\n   ERROR: %s\n\n", sc->id, sc->title, c->start_error);
			if (c->lost)
				fprintf(out, "   ERROR %s: out of memory: %zu bytes of this report were lost\n\n", sc->id,
					c->lost);
			fflush(out);
			enum tl_verdict v = verdict_of(c->status);
			/* A report that lost part of itself cannot stand as a pass or a fail. */
			results[next_print].verdict = c->lost && v != TL_VERDICT_INTERRUPTED ? TL_VERDICT_ERROR : v;
			results[next_print].done = true;
			next_print++;
		}
		if (!np && next_print < n && !ch[next_print].exited && ch[next_print].pid <= 0)
			break; /* nothing left that can make progress */
	}
	/* A scenario the loop never reached has no verdict: a zeroed one would read as PASS. */
	for (size_t i = next_print; i < n; i++) {
		fprintf(out, "== %s  %s\n   ERROR: the suite stopped before this scenario finished\n\n", scs[i].id,
			scs[i].title);
		results[i] = (struct tl_suite_result){ .verdict = TL_VERDICT_ERROR };
	}
	for (size_t i = 0; i < n; i++)
		free(ch[i].buf);
	free(ch);
	install(SIGINT, SIG_DFL);
	install(SIGTERM, SIG_DFL);
	return parent_stop ? 1 : 0;
}
