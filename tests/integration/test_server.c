/*
 * `cairn server` as a process: probes, start-up contract, flags, signals, restart
 * persistence, durability across kill -9, concurrent clients.
 */
#include "itest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t got;
	while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (b)
		b[n] = 0;
	return b;
}

static char *server_log(const struct tu_server *s)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/server.log", s->dir);
	char *t = read_file(path);
	CHECK_MSG(t != NULL, "cannot read %s", path);
	return t;
}

TEST(health_and_version)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	struct tu_response r;
	tu_request(&s, "GET", "/health", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK_STR_EQ(r.body, "OK");
	tu_response_free(&r);
	tu_request(&s, "GET", "/version", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK_STR_EQ(r.body, "2.17.2");
	tu_response_free(&r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

static int sig_exit(const struct tu_server *s, int sig)
{
	kill(s->pid, sig);
	int status = 0;
	for (int i = 0; i < 2000; i++) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			return status;
		usleep(5000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	return -1;
}

TEST(sigterm_and_sigint_exit_cleanly)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char id[64];
	it_create_experiment(&s, "before-term", id);
	int st = sig_exit(&s, SIGTERM);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "SIGTERM: status 0x%x", st);
	char *log = server_log(&s);
	CHECK_STR_CONTAINS(log, "SIGTERM");
	free(log);
	tu_server_start(&s, s.dir, NULL);
	st = sig_exit(&s, SIGINT);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "SIGINT: status 0x%x", st);
}

/* Everything the tracking API wrote is there after a clean restart on the same files. */
TEST(restart_persistence)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64], run[64];
	it_create_experiment(&s, "persist", exp);
	json_decref(it_post(&s, API "/experiments/set-experiment-tag", 200, "{s:s,s:s,s:s}", "experiment_id", exp,
			    "key", "ek", "value", "ev"));
	it_create_run(&s, exp, "keeper", run);
	it_log_param(&s, run, "p", "1");
	it_log_metric(&s, run, "m", 0.25, 10, 3);
	it_log_metric(&s, run, "m", 0.5, 20, 4);
	it_set_tag(&s, run, "t", "v");
	json_decref(it_post(&s, API "/runs/update", 200, "{s:s,s:s,s:I}", "run_id", run, "status", "FINISHED",
			    "end_time", (json_int_t)12345));
	struct tu_response r;
	tu_request(&s, "PUT", ARTIFACTS "/artifacts/x/file.txt", NULL, "data", 4, &r);
	CHECK_INT_EQ(r.status, 200);
	tu_response_free(&r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);

	tu_server_start(&s, s.dir, NULL);
	json_t *g = it_get(&s, 200, API "/experiments/get-by-name?experiment_name=persist");
	json_t *e = json_object_get(g, "experiment");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "experiment_id")), exp);
	CHECK_STR_EQ(json_string_value(json_object_get(it_find_key(json_object_get(e, "tags"), "ek"), "value")), "ev");
	json_decref(g);
	json_t *got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_info_str(got, "run_name"), "keeper");
	CHECK_STR_EQ(it_run_info_str(got, "status"), "FINISHED");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(got, "info"), "end_time")), 12345);
	CHECK_STR_EQ(it_run_param(got, "p"), "1");
	CHECK_STR_EQ(it_run_tag(got, "t"), "v");
	CHECK(it_num(json_object_get(it_run_metric(got, "m"), "value"), "m") == 0.5);
	json_decref(got);
	json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=m", run);
	CHECK_INT_EQ(it_array_size(h, "metrics"), 2);
	json_decref(h);
	tu_request(&s, "GET", ARTIFACTS "/artifacts/x/file.txt", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK(r.len == 4 && memcmp(r.body, "data", 4) == 0);
	tu_response_free(&r);
	/* The next experiment id does not reuse an old one. */
	char exp2[64];
	it_create_experiment(&s, "after-restart", exp2);
	CHECK(strcmp(exp2, exp) != 0);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* A write acknowledged with 200 survives kill -9 of the server. */
TEST(durability_across_kill9)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	it_log_metric(&s, run, "acked", 42.5, 1000, 7);
	json_decref(it_post(&s, API "/runs/log-batch", 200, "{s:s,s:[{s:s,s:s}],s:[{s:s,s:f,s:I}]}", "run_id", run,
			    "params", "key", "bp", "value", "bv", "metrics", "key", "bm", "value", 1.0,
			    "timestamp", (json_int_t)5));
	it_set_tag(&s, run, "last", "write");
	tu_server_kill9(&s);
	tu_server_start(&s, s.dir, NULL);
	json_t *got = it_get_run(&s, run);
	json_t *m = it_run_metric(got, "acked");
	CHECK(m != NULL);
	CHECK(it_num(json_object_get(m, "value"), "acked") == 42.5);
	CHECK_INT_EQ(json_integer_value(json_object_get(m, "step")), 7);
	CHECK_STR_EQ(it_run_param(got, "bp"), "bv");
	CHECK(it_run_metric(got, "bm") != NULL);
	CHECK_STR_EQ(it_run_tag(got, "last"), "write");
	json_decref(got);
	/* And it keeps working after the crash recovery. */
	it_log_metric(&s, run, "acked", 43, 2000, 8);
	tu_server_kill9(&s);
	tu_server_start(&s, s.dir, NULL);
	json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=acked", run);
	CHECK_INT_EQ(it_array_size(h, "metrics"), 2);
	json_decref(h);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* Clients hammering one run concurrently: every acknowledged point is stored. */
TEST(concurrent_clients)
{
	struct tu_server s;
	const char *const args[] = { "--workers", "4", NULL };
	tu_server_start(&s, NULL, args);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	enum { CLIENTS = 4, POINTS = 40 };
	pid_t kids[CLIENTS];
	for (int c = 0; c < CLIENTS; c++) {
		kids[c] = fork();
		CHECK(kids[c] >= 0);
		if (kids[c] == 0) {
			for (int i = 0; i < POINTS; i++) {
				if (i % 4 == 3) {
					char k[32];
					snprintf(k, sizeof k, "p%d_%d", c, i);
					it_log_param(&s, run, k, "v");
				} else {
					it_log_metric(&s, run, "shared", c * 1000 + i, 1000 + i, c * 1000 + i);
				}
			}
			_exit(0);
		}
	}
	for (int c = 0; c < CLIENTS; c++) {
		int st = 0;
		waitpid(kids[c], &st, 0);
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "client %d failed (status 0x%x)", c, st);
	}
	json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=shared", run);
	CHECK_INT_EQ(it_array_size(h, "metrics"), CLIENTS * POINTS * 3 / 4);
	json_decref(h);
	json_t *got = it_get_run(&s, run);
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "params"), CLIENTS * POINTS / 4);
	json_decref(got);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* One keep-alive connection carrying several requests, as requests.Session does. */
TEST(keep_alive_connection)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)s.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
	for (int i = 0; i < 3; i++) {
		const char *req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
		CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
		char buf[2048];
		size_t n = 0;
		/* Read until the body "OK" of this response has arrived. */
		while (n < sizeof buf - 1) {
			ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
			CHECK_MSG(got > 0, "connection closed after %d responses", i);
			n += (size_t)got;
			buf[n] = 0;
			char *hdr_end = strstr(buf, "\r\n\r\n");
			if (hdr_end && strstr(hdr_end, "OK"))
				break;
		}
		CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0);
	}
	close(fd);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(access_log_and_log_level)
{
	struct tu_server s;
	const char *const args[] = { "--access-log", NULL };
	tu_server_start(&s, NULL, args);
	json_decref(it_get(&s, 200, API "/experiments/get?experiment_id=0"));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
	char *log = server_log(&s);
	CHECK_STR_CONTAINS(log, "/api/2.0/mlflow/experiments/get");
	free(log);

	const char *const quiet[] = { "--log-level", "error", NULL };
	tu_server_start(&s, NULL, quiet);
	json_decref(it_get(&s, 200, API "/experiments/get?experiment_id=0"));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
	log = server_log(&s);
	CHECK_MSG(strstr(log, "INFO") == NULL, "--log-level error still logged INFO lines:\n%s", log);
	free(log);
}

/* Run `cairn server ARGS` expecting it to exit by itself; returns the exit code. */
static int server_exit_code(const char *const *args, char **out)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = "server";
	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return tu_run_cli(argv, out);
}

TEST(bad_flags_exit_2)
{
	char db[1200], dest[1200];
	snprintf(db, sizeof db, "sqlite:///%s/flags.db", test_tmpdir());
	snprintf(dest, sizeof dest, "%s/dest", test_tmpdir());
	static const char *const bad[][4] = {
		{ "--port", "abc", NULL }, { "--port", "70000", NULL }, { "--port", "-1", NULL },
		{ "--workers", "0", NULL }, { "--workers", "x", NULL }, { "--bogus", NULL },
		{ "--log-level", "loud", NULL }, { "stray-argument", NULL },
		{ "--artifacts-only", "--no-serve-artifacts", NULL }, { "--port", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *args[12];
		size_t n = 0;
		args[n++] = "--backend-store-uri";
		args[n++] = db;
		args[n++] = "--artifacts-destination";
		args[n++] = dest;
		for (size_t k = 0; bad[i][k]; k++)
			args[n++] = bad[i][k];
		args[n] = NULL;
		char *out = NULL;
		int rc = server_exit_code(args, &out);
		CHECK_MSG(rc == 2, "server %s %s: exit %d, output: %s", bad[i][0], bad[i][1] ? bad[i][1] : "", rc, out);
		CHECK_MSG(strstr(out, "--help") != NULL, "usage error without a hint: %s", out);
		free(out);
	}
	char *out = NULL;
	CHECK_INT_EQ(tu_run_cli((const char *const[]){ "server", "--help", NULL }, &out), 0);
	CHECK_STR_CONTAINS(out, "Example");
	CHECK_STR_CONTAINS(out, "--backend-store-uri");
	CHECK_STR_CONTAINS(out, "--artifacts-destination");
	free(out);
}

TEST(busy_port_exit_3)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char port[16], db[1200], dest[1200];
	snprintf(port, sizeof port, "%d", s.port);
	snprintf(db, sizeof db, "sqlite:///%s/other.db", test_tmpdir());
	snprintf(dest, sizeof dest, "%s/other-artifacts", test_tmpdir());
	char *out = NULL;
	int rc = server_exit_code((const char *const[]){ "--port", port, "--backend-store-uri", db,
							 "--artifacts-destination", dest, NULL }, &out);
	CHECK_MSG(rc == 3, "exit %d, output: %s", rc, out);
	CHECK_STR_CONTAINS(out, port);
	CHECK(strstr(out, "listening on http") == NULL);
	free(out);
	/* The first server is unaffected. */
	json_decref(it_get(&s, 200, API "/experiments/get?experiment_id=0"));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(unwritable_store_exit_3)
{
	char file[1200], db[1300], dest[1300];
	snprintf(file, sizeof file, "%s/plain-file", test_tmpdir());
	FILE *f = fopen(file, "w");
	CHECK(f != NULL);
	fputs("not a directory\n", f);
	fclose(f);
	snprintf(db, sizeof db, "sqlite:///%s/sub/cairn.db", file);  /* parent is a regular file */
	snprintf(dest, sizeof dest, "%s/dest", test_tmpdir());
	char *out = NULL;
	int rc = server_exit_code((const char *const[]){ "--port", "0", "--backend-store-uri", db,
							 "--artifacts-destination", dest, NULL }, &out);
	CHECK_MSG(rc == 3, "exit %d, output: %s", rc, out);
	CHECK_STR_CONTAINS(out, "plain-file");
	free(out);
	/* A database file that is not SQLite. */
	snprintf(db, sizeof db, "sqlite:///%s", file);
	rc = server_exit_code((const char *const[]){ "--port", "0", "--backend-store-uri", db,
						     "--artifacts-destination", dest, NULL }, &out);
	CHECK_MSG(rc == 3 || rc == 2, "exit %d, output: %s", rc, out);
	free(out);
	/* An artifacts destination that cannot be created. */
	snprintf(db, sizeof db, "sqlite:///%s/ok.db", test_tmpdir());
	snprintf(dest, sizeof dest, "%s/below", file);
	rc = server_exit_code((const char *const[]){ "--port", "0", "--backend-store-uri", db,
						     "--artifacts-destination", dest, NULL }, &out);
	CHECK_MSG(rc == 3, "exit %d, output: %s", rc, out);
	free(out);
}

TEST_MAIN(health_and_version, sigterm_and_sigint_exit_cleanly, restart_persistence, durability_across_kill9,
	  concurrent_clients, keep_alive_connection, access_log_and_log_level, bad_flags_exit_2, busy_port_exit_3,
	  unwritable_store_exit_3)
