/*
 * testutil — see testutil.h. Servers are started with fork/exec; their stdout is a pipe
 * read until the "listening on" line, their stderr goes to <dir>/server.log, which is
 * printed whenever a helper fails so that a failing test shows what the server said.
 *
 * CAIRN_VALGRIND=1 runs every server under valgrind (memcheck, leaks reported as errors,
 * exit status 99 on any error); tu_server_stop then returns that status.
 */
#define _GNU_SOURCE
#include "testutil.h"
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TU_FAIL(...) test_fail(__FILE__, __LINE__, __VA_ARGS__)

static int server_counter;

const char *tu_cairn_bin(void)
{
	const char *b = getenv("CAIRN_BIN");
	return b && *b ? b : "./build/cairn";
}

static int under_valgrind(void)
{
	const char *v = getenv("CAIRN_VALGRIND");
	return v && *v && strcmp(v, "0") != 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The last ~8 KB of the server's log, to stderr. */
static void dump_log(const char *dir)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/server.log", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "    (no server log at %s)\n", path);
		return;
	}
	long start = 0;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		start = size > 8192 ? size - 8192 : 0;
	}
	fseek(f, start, SEEK_SET);
	fprintf(stderr, "    ---- server log (%s)%s ----\n", path, start ? ", tail" : "");
	char line[1024];
	while (fgets(line, sizeof line, f))
		fprintf(stderr, "    | %s", line);
	fprintf(stderr, "    ---- end of server log ----\n");
	fclose(f);
}

static void fail_with_log(const struct tu_server *s, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
static void fail_with_log(const struct tu_server *s, const char *file, int line, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s && s->dir[0])
		dump_log(s->dir);
	test_fail(file, line, "%s", msg);
}

static void ensure_curl(void)
{
	static int done;
	if (!done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			TU_FAIL("curl_global_init failed");
		done = 1;
	}
}

/* ------------------------------------------------------------------ HTTP */

struct sink {
	char *data;
	size_t len, alloc;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;
	if (s->len + n + 1 > s->alloc) {
		size_t na = s->alloc ? s->alloc : 4096;
		while (na < s->len + n + 1)
			na *= 2;
		char *p = realloc(s->data, na);
		if (!p)
			return 0;
		s->data = p;
		s->alloc = na;
	}
	memcpy(s->data + s->len, ptr, n);
	s->len += n;
	s->data[s->len] = 0;
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct tu_response *r = userdata;
	size_t n = size * nmemb;
	/* A new status line (after a 100 Continue, say) starts a new header block. */
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		r->headers[0] = 0;
	size_t used = strlen(r->headers);
	size_t room = sizeof r->headers - 1 - used;
	size_t take = n < room ? n : room;
	memcpy(r->headers + used, ptr, take);
	r->headers[used + take] = 0;
	return n;
}

/* One request; returns a curl error text, or NULL on success. */
static const char *do_request(const char *url, const char *method, const char *content_type,
			      const void *body, size_t len, struct tu_response *out, long timeout_s)
{
	static char errbuf[CURL_ERROR_SIZE + 64];
	ensure_curl();
	memset(out, 0, sizeof *out);
	CURL *c = curl_easy_init();
	if (!c)
		return "curl_easy_init failed";
	struct sink sink = {0};
	struct curl_slist *hdrs = NULL;
	char ct[300];
	char cerr[CURL_ERROR_SIZE] = "";
	if (content_type) {
		snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
		hdrs = curl_slist_append(hdrs, ct);
	} else {
		/* libcurl would add application/x-www-form-urlencoded to any body. */
		hdrs = curl_slist_append(hdrs, "Content-Type:");
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	hdrs = curl_slist_append(hdrs, "User-Agent: mlflow-python-client/2.17.2");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);  /* traversal tests send ../ verbatim */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	}
	CURLcode rc = curl_easy_perform(c);
	const char *result = NULL;
	if (rc != CURLE_OK) {
		snprintf(errbuf, sizeof errbuf, "%s %s: %s", method, url, cerr[0] ? cerr : curl_easy_strerror(rc));
		result = errbuf;
		free(sink.data);
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
		char *got_ct = NULL;
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &got_ct);
		if (got_ct)
			snprintf(out->content_type, sizeof out->content_type, "%s", got_ct);
		if (!sink.data) {
			sink.data = calloc(1, 1);
			if (!sink.data)
				TU_FAIL("out of memory");
		}
		out->body = sink.data;
		out->len = sink.len;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return result;
}

void tu_request(const struct tu_server *s, const char *method, const char *path,
		const char *content_type, const void *body, size_t len, struct tu_response *out)
{
	char url[8192];
	int n = snprintf(url, sizeof url, "%s%s", s->base_url, path);
	if (n < 0 || (size_t)n >= sizeof url)
		TU_FAIL("URL too long: %.200s...", path);
	const char *e = do_request(url, method, content_type, body, len, out, under_valgrind() ? 280 : 55);
	if (e)
		fail_with_log(s, __FILE__, __LINE__, "request failed: %s", e);
}

void tu_call(const struct tu_server *s, const char *method, const char *path, const char *json_body,
	     struct tu_response *out)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		tu_request(s, method, path, NULL, NULL, 0, out);
	else
		tu_request(s, method, path, "application/json", json_body ? json_body : "",
			   json_body ? strlen(json_body) : 0, out);
}

void tu_response_free(struct tu_response *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

json_t *tu_json(const struct tu_response *r)
{
	json_error_t e;
	json_t *v = json_loadb(r->body ? r->body : "", r->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v)
		TU_FAIL("response (status %ld) is not JSON: %s at %d: %.2000s", r->status, e.text,
			e.position, r->body ? r->body : "");
	return v;
}

json_t *tu_call_json(const struct tu_server *s, const char *method, const char *path,
		     const char *json_body, long status)
{
	struct tu_response r;
	tu_call(s, method, path, json_body, &r);
	if (r.status != status)
		fail_with_log(s, __FILE__, __LINE__, "%s %s%s%.300s: expected status %ld, got %ld: %.2000s",
			      method, path, json_body ? " " : "", json_body ? json_body : "", status,
			      r.status, r.body);
	json_error_t e;
	json_t *v = json_loadb(r.body, r.len, JSON_DECODE_ANY, &e);
	if (!v)
		fail_with_log(s, __FILE__, __LINE__, "%s %s: body is not JSON (%s): %.2000s", method, path,
			      e.text, r.body);
	tu_response_free(&r);
	return v;
}

const char *tu_expect_error(const struct tu_server *s, const char *method, const char *path,
			    const char *json_body, long status, const char *error_code)
{
	static char message[8192];
	struct tu_response r;
	tu_call(s, method, path, json_body, &r);
	json_error_t e;
	json_t *v = json_loadb(r.body, r.len, 0, &e);
	if (r.status != status || !v || !json_is_object(v))
		fail_with_log(s, __FILE__, __LINE__, "%s %s%s%.300s: expected %ld %s, got %ld: %.2000s",
			      method, path, json_body ? " " : "", json_body ? json_body : "", status,
			      error_code, r.status, r.body);
	const char *code = json_string_value(json_object_get(v, "error_code"));
	const char *msg = json_string_value(json_object_get(v, "message"));
	if (!code || strcmp(code, error_code) != 0 || !msg)
		fail_with_log(s, __FILE__, __LINE__, "%s %s%s%.300s: expected error_code %s with a message, got: %.2000s",
			      method, path, json_body ? " " : "", json_body ? json_body : "", error_code, r.body);
	if (strncmp(r.content_type, "application/json", 16) != 0)
		fail_with_log(s, __FILE__, __LINE__, "%s %s: error Content-Type is '%s', not application/json",
			      method, path, r.content_type);
	snprintf(message, sizeof message, "%s", msg);
	json_decref(v);
	tu_response_free(&r);
	return message;
}

/* ------------------------------------------------------------------ server process */

static void make_dir(const char *dir)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		TU_FAIL("mkdir %s: %s", dir, strerror(errno));
}

/* Read one line from fd within `timeout_s`; 0 on success, -1 on EOF or timeout. */
static int read_line(int fd, char *line, size_t cap, double timeout_s)
{
	size_t n = 0;
	double deadline = now_s() + timeout_s;
	while (n + 1 < cap) {
		double left = deadline - now_s();
		if (left <= 0)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return -1;
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		line[n++] = c;
	}
	line[n] = 0;
	return 0;
}

static int child_exited(pid_t pid, int *status)
{
	pid_t r = waitpid(pid, status, WNOHANG);
	return r == pid;
}

void tu_server_start(struct tu_server *s, const char *dir, const char *const *extra_args)
{
	char given[sizeof s->dir];
	/* `dir` may be s->dir itself (a restart), so copy it before clearing s. */
	if (dir)
		snprintf(given, sizeof given, "%s", dir);
	memset(s, 0, sizeof *s);
	if (dir) {
		snprintf(s->dir, sizeof s->dir, "%s", given);
	} else {
		snprintf(s->dir, sizeof s->dir, "%s/server-%d", test_tmpdir(), ++server_counter);
	}
	make_dir(s->dir);
	snprintf(s->db_uri, sizeof s->db_uri, "sqlite:///%s/cairn.db", s->dir);
	char artifacts[1100];
	snprintf(artifacts, sizeof artifacts, "%s/artifacts", s->dir);
	char logpath[1100];
	snprintf(logpath, sizeof logpath, "%s/server.log", s->dir);

	const char *argv[96];
	size_t n = 0;
	int vg = under_valgrind();
	if (vg) {
		argv[n++] = "valgrind";
		argv[n++] = "-q";
		argv[n++] = "--error-exitcode=99";
		argv[n++] = "--leak-check=full";
		argv[n++] = "--errors-for-leak-kinds=definite";
		argv[n++] = "--show-leak-kinds=definite";
	}
	argv[n++] = tu_cairn_bin();
	argv[n++] = "server";
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--backend-store-uri";
	argv[n++] = s->db_uri;
	argv[n++] = "--artifacts-destination";
	argv[n++] = artifacts;
	for (size_t i = 0; extra_args && extra_args[i]; i++) {
		if (n + 2 >= sizeof argv / sizeof argv[0])
			TU_FAIL("too many server arguments");
		argv[n++] = extra_args[i];
	}
	argv[n] = NULL;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		TU_FAIL("pipe: %s", strerror(errno));
	int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0)
		TU_FAIL("open %s: %s", logpath, strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		TU_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(logfd, 2);
		close(fds[0]);
		close(fds[1]);
		/* The server runs in the test's process group, so the runner's group kill of a
		 * timed-out test takes the server with it. */
		if (vg)
			execvp(argv[0], (char *const *)argv);
		else
			execv(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	close(logfd);
	s->pid = pid;

	double timeout = vg ? 120 : 15;
	char line[512];
	double started = now_s();
	if (read_line(fds[0], line, sizeof line, timeout) != 0) {
		close(fds[0]);
		int st = 0;
		/* EOF means the server exited; give it a moment to be reaped. */
		int exited = 0;
		for (int i = 0; i < 200 && !(exited = child_exited(pid, &st)); i++)
			usleep(10000);
		if (!exited) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		s->pid = 0;
		char how[96];
		if (!exited)
			snprintf(how, sizeof how, "still running after %.0f s; killed", timeout);
		else if (WIFSIGNALED(st))
			snprintf(how, sizeof how, "killed by signal %d after %.1f s", WTERMSIG(st), now_s() - started);
		else
			snprintf(how, sizeof how, "exited with status %d after %.1f s", WEXITSTATUS(st), now_s() - started);
		fail_with_log(s, __FILE__, __LINE__, "server did not print its 'listening on' line (%s)", how);
	}
	close(fds[0]);
	const char *prefix = "listening on http://";
	char *colon = strrchr(line, ':');
	long port = 0;
	if (strncmp(line, prefix, strlen(prefix)) == 0 && colon)
		port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		s->pid = 0;
		fail_with_log(s, __FILE__, __LINE__, "unexpected first line from the server: '%s'", line);
	}
	s->port = (int)port;
	snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1:%d", s->port);

	char url[256];
	snprintf(url, sizeof url, "%s/health", s->base_url);
	double deadline = now_s() + timeout;
	for (;;) {
		struct tu_response r;
		const char *e = do_request(url, "GET", NULL, NULL, 0, &r, 5);
		if (!e) {
			long st = r.status;
			tu_response_free(&r);
			if (st == 200)
				break;
		}
		int status = 0;
		if (child_exited(pid, &status)) {
			s->pid = 0;
			fail_with_log(s, __FILE__, __LINE__, "server exited (status 0x%x) before /health answered", status);
		}
		if (now_s() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			s->pid = 0;
			fail_with_log(s, __FILE__, __LINE__, "/health did not answer 200 within %.0f s", timeout);
		}
		usleep(10000);
	}
}

int tu_server_stop(struct tu_server *s)
{
	if (s->pid <= 0)
		return -1;
	int status = 0;
	kill(s->pid, SIGTERM);
	double deadline = now_s() + (under_valgrind() ? 60 : 10);
	for (;;) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (now_s() > deadline) {
			fprintf(stderr, "    server %d did not stop within the deadline; SIGKILL\n", (int)s->pid);
			dump_log(s->dir);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			break;
		}
		usleep(5000);
	}
	s->pid = 0;
	if (status != 0)
		dump_log(s->dir);
	return status;
}

void tu_server_kill9(struct tu_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* ------------------------------------------------------------------ CLI */

int tu_run_cli(const char *const *args, char **out)
{
	const char *argv[128];
	size_t n = 0;
	argv[n++] = tu_cairn_bin();
	for (size_t i = 0; args && args[i]; i++) {
		if (n + 1 >= sizeof argv / sizeof argv[0])
			TU_FAIL("too many CLI arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		TU_FAIL("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		TU_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	struct sink sink = {0};
	char chunk[4096];
	for (;;) {
		ssize_t r = read(fds[0], chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (on_body(chunk, 1, (size_t)r, &sink) != (size_t)r)
			TU_FAIL("out of memory reading CLI output");
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!sink.data) {
		sink.data = calloc(1, 1);
		if (!sink.data)
			TU_FAIL("out of memory");
	}
	if (out)
		*out = sink.data;
	else
		free(sink.data);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}
