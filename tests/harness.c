/* The test runner described in harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <ftw.h>

static char tmpdir_[4096];

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(1);
}

const char *test_tmpdir(void)
{
	if (!tmpdir_[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir_, sizeof tmpdir_, "%s/cairn-test-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir_)) {
			fprintf(stderr, "    cannot create a temporary directory: %s\n", strerror(errno));
			_exit(1);
		}
	}
	return tmpdir_;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

static void cleanup_tmpdir(void)
{
	if (tmpdir_[0]) {
		nftw(tmpdir_, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		tmpdir_[0] = 0;
	}
}

static int run_one(const struct test_case *t, int timeout)
{
	if (getenv("CAIRN_TEST_NOFORK")) {
		t->fn();
		cleanup_tmpdir();
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "    fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		/* Own process group, so that a timed-out test's children die with it. */
		setpgid(0, 0);
		t->fn();
		cleanup_tmpdir();
		/* exit, not _exit: LeakSanitizer checks for leaks in an atexit hook. */
		exit(0);
	}
	int status = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "    waitpid: %s\n", strerror(errno));
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "    timed out after %d s\n", timeout);
			return 1;
		}
		usleep(2000);
	}
	/* Kill anything the test left behind in its group (servers it started and forgot). */
	kill(-pid, SIGKILL);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "    killed by signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int test_run_all(int argc, char **argv, const struct test_case *tests, size_t n)
{
	int timeout = 60;
	const char *t = getenv("CAIRN_TEST_TIMEOUT");
	if (t) {
		long v = strtol(t, NULL, 10);
		if (v > 0 && v < 100000)
			timeout = (int)v;
	}
	size_t passed = 0, failed = 0;
	const char *prog = strrchr(argv[0], '/');
	prog = prog ? prog + 1 : argv[0];
	for (size_t i = 0; i < n; i++) {
		if (argc > 1) {
			int wanted = 0;
			for (int a = 1; a < argc; a++)
				if (strcmp(argv[a], tests[i].name) == 0)
					wanted = 1;
			if (!wanted)
				continue;
		}
		int rc = run_one(&tests[i], timeout);
		if (rc == 0) {
			passed++;
			printf("ok   %s %s\n", prog, tests[i].name);
		} else {
			failed++;
			printf("FAIL %s %s\n", prog, tests[i].name);
		}
		fflush(stdout);
	}
	printf("%s: %zu passed, %zu failed\n", prog, passed, failed);
	return failed ? 1 : 0;
}
