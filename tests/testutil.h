/*
 * testutil — helpers for integration tests: start the real `cairn` binary on a free
 * loopback port, talk HTTP to it (libcurl), stop it. Every server a test starts is stopped
 * by tu_server_stop (and, as a backstop, killed with the test's process group by the runner).
 *
 * The binary is $CAIRN_BIN (set by `make test`), else ./build/cairn.
 * Contract with `cairn server`: with --port 0 it picks a free port and prints, as its first
 * line on stdout, "listening on http://HOST:PORT".
 */
#ifndef CAIRN_TESTUTIL_H
#define CAIRN_TESTUTIL_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct tu_server {
	pid_t pid;
	int port;
	char base_url[128];   /* "http://127.0.0.1:PORT" */
	char dir[1024];       /* working directory of the server (a fresh dir under test_tmpdir) */
	char db_uri[1200];    /* the --backend-store-uri it was started with */
};

/* Start `cairn server --port 0 --backend-store-uri sqlite:///<dir>/cairn.db
 * --artifacts-destination <dir>/artifacts` plus `extra_args` (NULL-terminated, may be NULL).
 * If `dir` is NULL a fresh directory under test_tmpdir() is used; passing the same dir again
 * restarts on the same database. Waits until /health answers. Fails the test on error. */
void tu_server_start(struct tu_server *s, const char *dir, const char *const *extra_args);
/* SIGTERM and wait (SIGKILL after 10 s). Returns the exit status as from waitpid. */
int tu_server_stop(struct tu_server *s);
/* SIGKILL and wait: for crash-durability tests. */
void tu_server_kill9(struct tu_server *s);

struct tu_response {
	long status;
	char *body;           /* NUL-terminated */
	size_t len;
	char content_type[256];
	char headers[4096];   /* raw response headers */
};

/* One request. `path` is appended to base_url. content_type NULL means none is sent. */
void tu_request(const struct tu_server *s, const char *method, const char *path,
		const char *content_type, const void *body, size_t len, struct tu_response *out);
/* POST/PATCH/DELETE with a JSON body (Content-Type application/json); GET ignores body. */
void tu_call(const struct tu_server *s, const char *method, const char *path, const char *json_body,
	     struct tu_response *out);
void tu_response_free(struct tu_response *r);

/* Parse the body as JSON; fails the test if it is not JSON. Caller json_decref()s. */
json_t *tu_json(const struct tu_response *r);
/* Call and expect `status`; returns the parsed body (caller decrefs). Fails the test
 * with the body in the message otherwise. */
json_t *tu_call_json(const struct tu_server *s, const char *method, const char *path,
		     const char *json_body, long status);
/* Expect an MLflow error: status and error_code checked, returns the message (static copy). */
const char *tu_expect_error(const struct tu_server *s, const char *method, const char *path,
			    const char *json_body, long status, const char *error_code);

/* Run the cairn binary with args (NULL-terminated), capture stdout+stderr. Returns the exit
 * code (or 128+signal). The output is malloc'd into *out (may be NULL). */
int tu_run_cli(const char *const *args, char **out);

const char *tu_cairn_bin(void);

#endif
