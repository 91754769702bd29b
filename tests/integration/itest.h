/*
 * itest — small helpers shared by the integration tests (private to tests/integration/):
 * the calls the MLflow Python client makes, written once. All `static inline` so that a
 * test file that uses only some of them compiles warning-free.
 */
#ifndef CAIRN_ITEST_H
#define CAIRN_ITEST_H

#include "../harness.h"
#include "../testutil.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define API "/api/2.0/mlflow"
#define AJAX "/ajax-api/2.0/mlflow"
#define ARTIFACTS "/api/2.0/mlflow-artifacts"

static inline long long it_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Build a JSON body with json_pack syntax; returns a malloc'd string. */
static inline char *it_vbody(const char *fmt, va_list ap)
{
	json_error_t e;
	json_t *v = json_vpack_ex(&e, 0, fmt, ap);
	if (!v)
		test_fail(__FILE__, __LINE__, "json_pack(\"%s\"): %s", fmt, e.text);
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!s)
		test_fail(__FILE__, __LINE__, "json_dumps failed");
	return s;
}

static inline char *it_body(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = it_vbody(fmt, ap);
	va_end(ap);
	return s;
}

/* POST `path` with a json_pack-built body, expect `status`, return the parsed answer. */
static inline json_t *it_post(const struct tu_server *s, const char *path, long status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = it_vbody(fmt, ap);
	va_end(ap);
	json_t *v = tu_call_json(s, "POST", path, body, status);
	free(body);
	return v;
}

/* POST and expect an MLflow error; returns the message (static copy). */
static inline const char *it_post_error(const struct tu_server *s, const char *path, long status,
					const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = it_vbody(fmt, ap);
	va_end(ap);
	const char *m = tu_expect_error(s, "POST", path, body, status, code);
	free(body);
	return m;
}

/* GET with a printf-built path. */
static inline json_t *it_get(const struct tu_server *s, long status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline json_t *it_get(const struct tu_server *s, long status, const char *fmt, ...)
{
	char path[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	return tu_call_json(s, "GET", path, NULL, status);
}

/* application/x-www-form-urlencoded, as `requests` encodes query values. */
static inline const char *it_qs(const char *v)
{
	static char bufs[4][4096];
	static int next;
	char *out = bufs[next++ % 4];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p && n + 4 < sizeof bufs[0]; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			out[n++] = (char)*p;
		} else if (*p == ' ') {
			out[n++] = '+';
		} else {
			snprintf(out + n, 4, "%%%02X", *p);
			n += 3;
		}
	}
	out[n] = 0;
	return out;
}

static inline void it_copy_str(char *dst, size_t cap, json_t *v, const char *what)
{
	const char *s = json_string_value(v);
	if (!s)
		test_fail(__FILE__, __LINE__, "%s is not a string", what);
	snprintf(dst, cap, "%s", s);
}

static inline void it_create_experiment(const struct tu_server *s, const char *name, char id[64])
{
	json_t *r = it_post(s, API "/experiments/create", 200, "{s:s}", "name", name);
	it_copy_str(id, 64, json_object_get(r, "experiment_id"), "experiment_id");
	json_decref(r);
}

/* runs/create as mlflow.start_run() sends it (spec §3.2): the client's default tags, the
 * user, the start time. `run_name` may be NULL. Returns the whole answer {run: ...}. */
static inline json_t *it_create_run_json(const struct tu_server *s, const char *exp_id, const char *run_name,
					 long long start_time)
{
	json_t *tags = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]",
				 "key", "mlflow.user", "value", "tester",
				 "key", "mlflow.source.name", "value", "train.py",
				 "key", "mlflow.source.type", "value", "LOCAL");
	if (run_name)
		json_array_append_new(tags, json_pack("{s:s,s:s}", "key", "mlflow.runName", "value", run_name));
	json_t *body = json_pack("{s:s,s:s,s:I,s:o}", "experiment_id", exp_id, "user_id", "tester",
				 "start_time", (json_int_t)(start_time ? start_time : it_now_ms()), "tags", tags);
	if (run_name)
		json_object_set_new(body, "run_name", json_string(run_name));
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	json_t *r = tu_call_json(s, "POST", API "/runs/create", text, 200);
	free(text);
	return r;
}

static inline void it_create_run(const struct tu_server *s, const char *exp_id, const char *run_name, char id[64])
{
	json_t *r = it_create_run_json(s, exp_id, run_name, 0);
	it_copy_str(id, 64, json_object_get(json_object_get(json_object_get(r, "run"), "info"), "run_id"),
		    "run.info.run_id");
	json_decref(r);
}

static inline void it_log_metric(const struct tu_server *s, const char *run, const char *key, double v,
				 long long ts, long long step)
{
	json_decref(it_post(s, API "/runs/log-metric", 200, "{s:s,s:s,s:s,s:f,s:I,s:I}", "run_id", run,
			    "run_uuid", run, "key", key, "value", v, "timestamp", (json_int_t)ts, "step",
			    (json_int_t)step));
}

static inline void it_log_param(const struct tu_server *s, const char *run, const char *key, const char *v)
{
	json_decref(it_post(s, API "/runs/log-parameter", 200, "{s:s,s:s,s:s,s:s}", "run_id", run,
			    "run_uuid", run, "key", key, "value", v));
}

static inline void it_set_tag(const struct tu_server *s, const char *run, const char *key, const char *v)
{
	json_decref(it_post(s, API "/runs/set-tag", 200, "{s:s,s:s,s:s,s:s}", "run_id", run,
			    "run_uuid", run, "key", key, "value", v));
}

/* GET runs/get; returns the "run" object (caller decrefs). */
static inline json_t *it_get_run(const struct tu_server *s, const char *run_id)
{
	json_t *r = it_get(s, 200, API "/runs/get?run_id=%s", run_id);
	json_t *run = json_object_get(r, "run");
	if (!json_is_object(run))
		test_fail(__FILE__, __LINE__, "runs/get answer has no run object");
	json_incref(run);
	json_decref(r);
	return run;
}

/* Find {key,...} in an array of objects by key; NULL when absent. */
static inline json_t *it_find_key(json_t *arr, const char *key)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *k = json_string_value(json_object_get(v, "key"));
		if (k && strcmp(k, key) == 0)
			return v;
	}
	return NULL;
}

static inline const char *it_run_param(json_t *run, const char *key)
{
	return json_string_value(json_object_get(it_find_key(json_object_get(json_object_get(run, "data"), "params"), key), "value"));
}

static inline const char *it_run_tag(json_t *run, const char *key)
{
	return json_string_value(json_object_get(it_find_key(json_object_get(json_object_get(run, "data"), "tags"), key), "value"));
}

static inline json_t *it_run_metric(json_t *run, const char *key)
{
	return it_find_key(json_object_get(json_object_get(run, "data"), "metrics"), key);
}

static inline const char *it_run_info_str(json_t *run, const char *field)
{
	return json_string_value(json_object_get(json_object_get(run, "info"), field));
}

/* A JSON number as a double; fails on anything else. */
static inline double it_num(json_t *v, const char *what)
{
	if (!json_is_number(v))
		test_fail(__FILE__, __LINE__, "%s is not a number", what);
	return json_number_value(v);
}

static inline size_t it_array_size(json_t *obj, const char *field)
{
	json_t *a = json_object_get(obj, field);
	return a ? json_array_size(a) : 0;
}

/* Does the string contain `needle`, ignoring ASCII case? */
static inline int it_contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; p && *p; p++) {
		size_t i = 0;
		while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

#define CHECK_CONTAINS_CI(hay, needle) CHECK_MSG(it_contains_ci((hay), (needle)), \
	"\"%s\" does not contain \"%s\" (any case)", (hay) ? (hay) : "(null)", (needle))

#endif
