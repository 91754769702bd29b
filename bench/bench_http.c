/*
 * bench_http — small measuring tool for the tracking-server benchmark (bench/tracking.sh).
 * Not part of the test suite: it prints figures, it does not judge them.
 *
 *   bench_http startup PORTFILE -- CMD ARGS...
 *       start CMD, poll http://127.0.0.1:<port>/health until it answers 200, print ms from
 *       exec to the first answer; PORT is read from the "listening on" line CMD prints, or
 *       fixed with --port. The server is then stopped with SIGTERM.
 *   bench_http time N METHOD URL [BODYFILE]
 *       send the same request N times on one keep-alive connection; print
 *       min/median/p95/max latency in ms and the response size.
 *   bench_http history URL N
 *       GET a get-history URL, following next_page_token like the MLflow client does;
 *       repeat N times. Prints two figures: the fetch (requests and responses of every
 *       page, with only the token read out of each body: what the server costs) and the
 *       fetch plus a full jansson parse of every page (what a C client would pay). The
 *       point count comes from the parse and is checked.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sink {
	char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t add = size * n;
	char *d = realloc(s->data, s->len + add + 1);
	if (!d)
		return 0;
	memcpy(d + s->len, p, add);
	s->data = d;
	s->len += add;
	s->data[s->len] = 0;
	return add;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_stats(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	printf("%s: n=%zu min=%.2fms median=%.2fms p95=%.2fms max=%.2fms\n", what, n, v[0], v[n / 2],
	       v[(size_t)(n * 0.95) < n ? (size_t)(n * 0.95) : n - 1], v[n - 1]);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *d = malloc((size_t)sz + 1);
	if (d && fread(d, 1, (size_t)sz, f) != (size_t)sz) {
		free(d);
		d = NULL;
	}
	fclose(f);
	if (d) {
		d[sz] = 0;
		*len = (size_t)sz;
	}
	return d;
}

static int cmd_time(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_http time N METHOD URL [BODYFILE]\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	const char *method = argv[2], *url = argv[3];
	size_t blen = 0;
	char *body = argc > 4 ? read_file(argv[4], &blen) : NULL;
	if (n <= 0 || (argc > 4 && !body)) {
		fprintf(stderr, "bad N or unreadable body file\n");
		return 2;
	}
	double *lat = calloc((size_t)n, sizeof *lat);
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	struct sink s = {0};
	long status = 0;
	for (long i = 0; i < n; i++) {
		s.len = 0;
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
		if (body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
		}
		double t0 = now_ms();
		CURLcode rc = curl_easy_perform(c);
		lat[i] = now_ms() - t0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK || status != 200) {
			fprintf(stderr, "request failed: %s status %ld: %.300s\n", curl_easy_strerror(rc), status,
				s.data ? s.data : "");
			return 1;
		}
	}
	printf("response: %zu bytes\n", s.len);
	print_stats("latency", lat, (size_t)n);
	return 0;
}

/* The token sits in the body as "next_page_token":"..."; find it without parsing. */
static void find_token(const char *body, char *token, size_t cap)
{
	token[0] = 0;
	const char *p = body ? strstr(body, "\"next_page_token\":\"") : NULL;
	if (!p)
		return;
	p += strlen("\"next_page_token\":\"");
	size_t n = 0;
	while (p[n] && p[n] != '"' && n + 1 < cap)
		n++;
	memcpy(token, p, n);
	token[n] = 0;
}

static int fetch_all(CURL *c, const char *url, int parse, size_t *points)
{
	struct sink s = {0};
	char token[512] = "";
	*points = 0;
	for (;;) {
		char full[4096];
		if (token[0]) {
			char *esc = curl_easy_escape(c, token, 0);
			snprintf(full, sizeof full, "%s&page_token=%s", url, esc);
			curl_free(esc);
		} else {
			snprintf(full, sizeof full, "%s", url);
		}
		s.len = 0;
		curl_easy_setopt(c, CURLOPT_URL, full);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
		if (curl_easy_perform(c) != CURLE_OK)
			return 1;
		if (parse) {
			json_t *j = json_loadb(s.data, s.len, 0, NULL);
			if (!j)
				return 1;
			*points += json_array_size(json_object_get(j, "metrics"));
			json_decref(j);
		}
		find_token(s.data, token, sizeof token);
		if (!token[0])
			break;
	}
	free(s.data);
	return 0;
}

static int cmd_history(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_http history URL N\n");
		return 2;
	}
	const char *url = argv[1];
	long n = strtol(argv[2], NULL, 10);
	if (n <= 0)
		return 2;
	double *fetch = calloc((size_t)n, sizeof *fetch), *parsed = calloc((size_t)n, sizeof *parsed);
	CURL *c = curl_easy_init();
	size_t points = 0, unused;
	for (long i = 0; i < n; i++) {
		double t0 = now_ms();
		if (fetch_all(c, url, 0, &unused))
			return 1;
		fetch[i] = now_ms() - t0;
		t0 = now_ms();
		if (fetch_all(c, url, 1, &points))
			return 1;
		parsed[i] = now_ms() - t0;
	}
	printf("points: %zu\n", points);
	print_stats("get-history, all pages fetched (server)", fetch, (size_t)n);
	print_stats("get-history, all pages fetched + parsed by jansson (client)", parsed, (size_t)n);
	return 0;
}

static int cmd_startup(int argc, char **argv)
{
	/* bench_http startup -- CMD ARGS... ; CMD must print "listening on http://H:P". */
	if (argc < 3 || strcmp(argv[1], "--") != 0) {
		fprintf(stderr, "usage: bench_http startup -- CMD ARGS...\n");
		return 2;
	}
	int fds[2];
	if (pipe(fds) != 0)
		return 3;
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	close(fds[1]);
	FILE *out = fdopen(fds[0], "r");
	char line[512];
	int port = 0;
	if (fgets(line, sizeof line, out)) {
		char *p = strrchr(line, ':');
		if (p)
			port = (int)strtol(p + 1, NULL, 10);
	}
	double t_line = now_ms();
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/health", port);
	CURL *c = curl_easy_init();
	struct sink s = {0};
	long status = 0;
	for (int i = 0; i < 10000; i++) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
		if (curl_easy_perform(c) == CURLE_OK) {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			if (status == 200)
				break;
		}
		usleep(200);
	}
	double t_first = now_ms();
	printf("startup: listening line after %.2f ms, first /health answer after %.2f ms (port %d)\n",
	       t_line - t0, t_first - t0, port);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return status == 200 ? 0 : 1;
}

int main(int argc, char **argv)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc < 2) {
		fprintf(stderr, "usage: bench_http startup|time|history ...\n");
		return 2;
	}
	if (strcmp(argv[1], "time") == 0)
		return cmd_time(argc - 1, argv + 1);
	if (strcmp(argv[1], "history") == 0)
		return cmd_history(argc - 1, argv + 1);
	if (strcmp(argv[1], "startup") == 0)
		return cmd_startup(argc - 1, argv + 1);
	fprintf(stderr, "unknown subcommand %s\n", argv[1]);
	return 2;
}
