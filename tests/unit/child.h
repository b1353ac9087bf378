/*
 * child.h: running a real-kernel test body in a forked child, so that it can
 * unshare() a network namespace without touching the test process or the
 * host. The child returns CHILD_PASS, CHILD_FAIL or CHILD_SKIP and writes its
 * message to a pipe; the parent turns that into cmocka's verdict. Included by
 * the namespace tests only (header-only: each test is one translation unit).
 */
#ifndef TCPLAB_TEST_CHILD_H
#define TCPLAB_TEST_CHILD_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHILD_PASS = 0, CHILD_FAIL = 1, CHILD_SKIP = 2 };

/* A child's verdict: the message goes to the parent's pipe. */
struct child {
	int fd;
};

__attribute__((format(printf, 2, 3), unused)) static int child_fail(struct child *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && write(c->fd, msg, strlen(msg)) < 0) {
		/* nothing more to do: the exit status still says it failed */
	}
	return CHILD_FAIL;
}

/* In a child: return a failure with a message unless cond holds. */
#define CHECK(c, cond, ...)                                  \
	do {                                                 \
		if (!(cond))                                 \
			return child_fail((c), __VA_ARGS__); \
	} while (0)

/* Runs fn in a forked child; fills msg with what it wrote and returns its wait status. */
static int child_run(int (*fn)(struct child *c), char *msg, size_t len)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		struct child c = { .fd = pfd[1] };
		_exit(fn(&c)); /* _exit: no cmocka or sanitizer teardown in the child */
	}
	close(pfd[1]);
	size_t used = 0;
	ssize_t n;
	while (used < len - 1 && (n = read(pfd[0], msg + used, len - 1 - used)) > 0)
		used += (size_t)n;
	msg[used] = '\0';
	close(pfd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Turns a child's wait status and message into cmocka's pass, skip or failure. */
static void child_judge(int status, const char *msg)
{
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == CHILD_SKIP) {
		print_message("skipped: %s\n", msg);
		skip();
	}
	if (WEXITSTATUS(status) != CHILD_PASS)
		fail_msg("in the namespace: %s", msg);
}

#endif
