/*
 * Error paths of the REST API (spec §1.2, §1.4, §1.5, §7): every bad request gets MLflow's
 * status and error_code with a message that names the culprit, the server keeps answering,
 * and nothing is half-written.
 */
#include "itest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* The run's params/metrics/tags counts, to prove a failed request wrote nothing. */
static void counts(const struct tu_server *s, const char *run, size_t *np, size_t *nm, size_t *nt)
{
	json_t *got = it_get_run(s, run);
	json_t *data = json_object_get(got, "data");
	*np = it_array_size(data, "params");
	*nm = it_array_size(data, "metrics");
	*nt = it_array_size(data, "tags");
	json_decref(got);
}

static void check_alive(const struct tu_server *s)
{
	struct tu_response r;
	tu_request(s, "GET", "/health", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	tu_response_free(&r);
}

TEST(malformed_json)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	static const char *const bodies[] = { "{", "{\"name\": }", "not json", "{\"name\":\"x\",}", "{\"name\":\"a\"}{}" };
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		const char *m = tu_expect_error(&s, "POST", API "/experiments/create", bodies[i], 400,
						"INVALID_PARAMETER_VALUE");
		/* Either a JSON complaint or, like MLflow (unparseable counts as {}), the missing name. */
		CHECK_MSG(it_contains_ci(m, "json") || strstr(m, "name"), "message \"%s\" names neither JSON nor 'name'", m);
	}
	/* Not an object. */
	tu_expect_error(&s, "POST", API "/experiments/create", "[1,2]", 400, "INVALID_PARAMETER_VALUE");
	tu_expect_error(&s, "POST", API "/experiments/create", "42", 400, "INVALID_PARAMETER_VALUE");
	json_t *r = it_post(&s, API "/experiments/search", 200, "{s:s}", "view_type", "ALL");
	CHECK_INT_EQ(it_array_size(r, "experiments"), 1);  /* only Default: nothing was created */
	json_decref(r);
	check_alive(&s);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* Old clients send the JSON message as a JSON string; MLflow decodes it a second time. */
TEST(json_string_body_decoded_twice)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_t *r = tu_call_json(&s, "POST", API "/experiments/create", "\"{\\\"name\\\": \\\"twice\\\"}\"", 200);
	CHECK(json_string_value(json_object_get(r, "experiment_id")) != NULL);
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(missing_required_fields_named)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	static const struct { const char *path; const char *fmt; const char *field; } cases[] = {
		{ API "/experiments/create", "{}", "name" },
		{ API "/experiments/update", "{s:s}", "new_name" },
		{ API "/experiments/restore", "{}", "experiment_id" },
		{ API "/experiments/set-experiment-tag", "{s:s,s:s}", "experiment_id" },
		{ API "/runs/log-metric", "{s:s,s:f,s:I}", "key" },
		{ API "/runs/log-parameter", "{s:s,s:s}", "key" },
		{ API "/runs/set-tag", "{s:s,s:s}", "key" },
		{ API "/runs/delete-tag", "{}", "run_id" },
		{ API "/runs/update", "{s:s}", "run_id" },
		{ API "/runs/delete", "{}", "run_id" },
		{ API "/runs/log-inputs", "{}", "run_id" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *b;
		if (strcmp(cases[i].fmt, "{}") == 0)
			b = json_object();
		else if (strstr(cases[i].path, "experiments/update"))
			b = json_pack(cases[i].fmt, "experiment_id", "0");
		else if (strstr(cases[i].path, "set-experiment-tag"))
			b = json_pack(cases[i].fmt, "key", "k", "value", "v");
		else if (strstr(cases[i].path, "log-metric"))
			b = json_pack(cases[i].fmt, "run_id", run, "value", 1.0, "timestamp", (json_int_t)1);
		else if (strstr(cases[i].path, "runs/update"))
			b = json_pack(cases[i].fmt, "status", "FINISHED");
		else
			b = json_pack(cases[i].fmt, "run_id", run, "value", "v");
		char *text = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		const char *m = tu_expect_error(&s, "POST", cases[i].path, text, 400, "INVALID_PARAMETER_VALUE");
		CHECK_MSG(strstr(m, cases[i].field) != NULL, "%s %s: message \"%s\" does not name '%s'", cases[i].path,
			  text, m, cases[i].field);
		free(text);
	}
	/* log-inputs needs datasets; an empty string counts as missing. */
	const char *m = it_post_error(&s, API "/runs/log-inputs", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "run_id", run);
	CHECK_STR_CONTAINS(m, "datasets");
	m = it_post_error(&s, API "/runs/log-parameter", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:s}", "run_id", run,
			  "key", "", "value", "v");
	CHECK_STR_CONTAINS(m, "key");
	size_t np, nm, nt;
	counts(&s, run, &np, &nm, &nt);
	CHECK_INT_EQ(np, 0);
	CHECK_INT_EQ(nm, 0);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(wrong_typed_fields_named)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	char body[512];
	static const struct { const char *path; const char *fmt; const char *field; } cases[] = {
		{ API "/runs/log-metric", "{\"run_id\":\"%s\",\"key\":\"m\",\"value\":\"abc\",\"timestamp\":1}", "value" },
		{ API "/runs/log-metric", "{\"run_id\":\"%s\",\"key\":\"m\",\"value\":[1],\"timestamp\":1}", "value" },
		{ API "/runs/log-metric", "{\"run_id\":\"%s\",\"key\":\"m\",\"value\":1,\"timestamp\":1.5}", "timestamp" },
		{ API "/runs/log-metric", "{\"run_id\":\"%s\",\"key\":{},\"value\":1,\"timestamp\":1}", "key" },
		{ API "/runs/log-parameter", "{\"run_id\":\"%s\",\"key\":\"p\",\"value\":{\"a\":1}}", "value" },
		{ API "/runs/set-tag", "{\"run_id\":\"%s\",\"key\":7,\"value\":\"v\"}", "key" },
		{ API "/runs/log-batch", "{\"run_id\":\"%s\",\"metrics\":{\"key\":\"m\"}}", "metrics" },
		{ API "/runs/log-batch", "{\"run_id\":\"%s\",\"params\":\"p=1\"}", "params" },
		{ API "/runs/log-batch", "{\"run_id\":\"%s\",\"tags\":[1,2]}", "tags" },
		{ API "/runs/log-batch", "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"m\",\"value\":\"x\",\"timestamp\":1}]}", "value" },
		{ API "/runs/update", "{\"run_id\":\"%s\",\"end_time\":\"soon\"}", "end_time" },
		{ API "/runs/search", "{\"experiment_ids\":\"%s\"}", "experiment_ids" },
		{ API "/runs/search", "{\"experiment_ids\":[\"0\"],\"max_results\":\"many%s\"}", "max_results" },
		{ API "/runs/search", "{\"experiment_ids\":[\"0\"],\"order_by\":\"start_time%s\"}", "order_by" },
		{ API "/runs/create", "{\"experiment_id\":\"0\",\"start_time\":\"noon%s\"}", "start_time" },
		{ API "/runs/create", "{\"experiment_id\":\"0\",\"tags\":{\"k\":\"v%s\"}}", "tags" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(body, sizeof body, cases[i].fmt, run);
		const char *m = tu_expect_error(&s, "POST", cases[i].path, body, 400, "INVALID_PARAMETER_VALUE");
		CHECK_MSG(strstr(m, cases[i].field) != NULL, "%s %s: message \"%s\" does not name '%s'", cases[i].path,
			  body, m, cases[i].field);
	}
	const char *m = tu_expect_error(&s, "POST", API "/experiments/create", "{\"name\": 5}", 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "name");
	/* GET parameters have types too. */
	char path[256];
	snprintf(path, sizeof path, API "/metrics/get-history?run_id=%s&metric_key=m&max_results=abc", run);
	m = tu_expect_error(&s, "GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "max_results");
	size_t np, nm, nt;
	counts(&s, run, &np, &nm, &nt);
	CHECK_INT_EQ(np + nm, 0);
	check_alive(&s);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* POST needs Content-Type: application/json (parameters ignored); spec §1.2. */
TEST(content_type_rules)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	const char *body = "{\"name\":\"ct\"}";
	struct tu_response r;
	tu_request(&s, "POST", API "/experiments/create", NULL, body, strlen(body), &r);
	CHECK_INT_EQ(r.status, 400);
	json_t *v = tu_json(&r);
	CHECK_STR_EQ(json_string_value(json_object_get(v, "error_code")), "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(json_string_value(json_object_get(v, "message")), "Content-Type");
	json_decref(v);
	tu_response_free(&r);
	tu_request(&s, "POST", API "/experiments/create", "text/plain", body, strlen(body), &r);
	CHECK_INT_EQ(r.status, 400);
	v = tu_json(&r);
	CHECK_STR_CONTAINS(json_string_value(json_object_get(v, "message")), "Content-Type");
	json_decref(v);
	tu_response_free(&r);
	tu_request(&s, "POST", API "/experiments/create", "application/x-www-form-urlencoded", body, strlen(body), &r);
	CHECK_INT_EQ(r.status, 400);
	tu_response_free(&r);
	tu_expect_error(&s, "GET", API "/experiments/get-by-name?experiment_name=ct", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	tu_request(&s, "POST", API "/experiments/create", "application/json; charset=utf-8", body, strlen(body), &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK(strncmp(r.content_type, "application/json", 16) == 0);
	tu_response_free(&r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* Raw HTTP: send `req` (headers only) and return the status of the answer, -1 if none. */
static int raw_status(const struct tu_server *s, const char *req)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)s->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	char buf[4096];
	size_t n = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 20000) <= 0)
			break;
		ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
		buf[n] = 0;
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	close(fd);
	buf[n] = 0;
	int status = -1;
	if (n > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
		status = (int)strtol(buf + 9, NULL, 10);
	return status;
}

TEST(oversize_body_413)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	/* A declared length far over any limit is refused before the body is read. */
	int st = raw_status(&s, "POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: x\r\n"
				"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n");
	CHECK_INT_EQ(st, 413);
	/* A real 5 MiB body on an ordinary RPC. */
	size_t n = 5u << 20;
	char *big = malloc(n + 64);
	CHECK(big != NULL);
	size_t off = (size_t)snprintf(big, 64, "{\"name\":\"");
	memset(big + off, 'a', n - off - 2);
	memcpy(big + n - 2, "\"}", 2);
	struct tu_response r;
	tu_request(&s, "POST", API "/experiments/create", "application/json", big, n, &r);
	CHECK_INT_EQ(r.status, 413);
	json_t *v = tu_json(&r);
	CHECK(json_string_value(json_object_get(v, "error_code")) != NULL);
	json_decref(v);
	tu_response_free(&r);
	free(big);
	check_alive(&s);
	/* A log-batch of about 1.5 MB (100 params x 6000 + 100 tags x 8000 characters) is allowed. */
	char run[64];
	it_create_run(&s, "0", NULL, run);
	json_t *params = json_array(), *tags = json_array();
	char *val = malloc(8001);
	memset(val, 'v', 8000);
	val[8000] = 0;
	for (int i = 0; i < 100; i++) {
		char k[32];
		snprintf(k, sizeof k, "p%d", i);
		json_array_append_new(params, json_pack("{s:s,s:s#}", "key", k, "value", val, (int)6000));
		snprintf(k, sizeof k, "t%d", i);
		json_array_append_new(tags, json_pack("{s:s,s:s}", "key", k, "value", val));
	}
	json_t *b = json_pack("{s:s,s:o,s:o}", "run_id", run, "params", params, "tags", tags);
	char *text = json_dumps(b, JSON_COMPACT);
	CHECK(strlen(text) > 1400000);
	json_decref(tu_call_json(&s, "POST", API "/runs/log-batch", text, 200));
	free(text);
	json_decref(b);
	free(val);
	size_t np, nm, nt;
	counts(&s, run, &np, &nm, &nt);
	CHECK_INT_EQ(np, 100);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(unknown_endpoint_and_wrong_method)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	const char *m = tu_expect_error(&s, "GET", API "/no/such/thing", NULL, 404, "ENDPOINT_NOT_FOUND");
	CHECK(*m);
	tu_expect_error(&s, "POST", API "/runs/create-something", "{}", 404, "ENDPOINT_NOT_FOUND");
	tu_expect_error(&s, "GET", "/api/2.0/mlflow/traces", NULL, 404, "ENDPOINT_NOT_FOUND");
	tu_expect_error(&s, "GET", "/nonexistent", NULL, 404, "ENDPOINT_NOT_FOUND");
	tu_expect_error(&s, "GET", API "/runs/get/extra", NULL, 404, "ENDPOINT_NOT_FOUND");
	/* A path that exists with another method: 405 with a JSON error naming the method. */
	static const char *const wrong[][2] = {
		{ "GET", API "/runs/create" }, { "DELETE", API "/experiments/create" }, { "POST", API "/runs/get" },
		{ "PUT", API "/runs/log-metric" },
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		struct tu_response r;
		tu_call(&s, wrong[i][0], wrong[i][1], "{\"name\":\"x\"}", &r);
		CHECK_MSG(r.status == 405, "%s %s: %ld", wrong[i][0], wrong[i][1], r.status);
		json_t *v = tu_json(&r);
		CHECK(json_string_value(json_object_get(v, "error_code")) != NULL);
		CHECK_STR_CONTAINS(json_string_value(json_object_get(v, "message")), wrong[i][0]);
		json_decref(v);
		tu_response_free(&r);
	}
	tu_expect_error(&s, "GET", API "/experiments/get-by-name?experiment_name=x", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	check_alive(&s);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(invalid_utf8_body)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	static const char *const bodies[] = {
		"{\"name\":\"bad\xff\"}",
		"{\"name\":\"over\xc0\xaflong\"}",
		"{\"name\":\"surrogate\xed\xa0\x80\"}",
	};
	for (size_t i = 0; i < 3; i++)
		tu_expect_error(&s, "POST", API "/experiments/create", bodies[i], 400, "INVALID_PARAMETER_VALUE");
	/* Invalid UTF-8 in a query parameter too. */
	struct tu_response r;
	tu_call(&s, "GET", API "/experiments/get-by-name?experiment_name=%FF%FE", NULL, &r);
	CHECK(r.status == 400 || r.status == 404);
	tu_response_free(&r);
	/* Valid non-ASCII is fine and round-trips. */
	char id[64];
	it_create_experiment(&s, "données-实验-🚀", id);
	json_t *g = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(g, "experiment"), "name")), "données-实验-🚀");
	json_decref(g);
	json_t *sr = it_post(&s, API "/experiments/search", 200, "{s:s}", "view_type", "ALL");
	CHECK_INT_EQ(it_array_size(sr, "experiments"), 2);
	json_decref(sr);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(bad_page_tokens_and_max_results)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	static const char *const tokens[] = { "garbage", "eyJvZmZzZXQiOiAtNX0=" /* {"offset": -5} */,
					      "e30=" /* {} */, "bm90IGpzb24=" /* not json */ };
	for (size_t i = 0; i < 4; i++) {
		it_post_error(&s, API "/runs/search", 400, "INVALID_PARAMETER_VALUE", "{s:[s],s:s}", "experiment_ids", "0",
			      "page_token", tokens[i]);
		it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "page_token", tokens[i]);
	}
	/* MLflow's own token format works. */
	json_decref(it_post(&s, API "/runs/search", 200, "{s:[s],s:s}", "experiment_ids", "0", "page_token",
			    "eyJvZmZzZXQiOiAxMDAwfQ=="));
	it_post_error(&s, API "/runs/search", 400, "INVALID_PARAMETER_VALUE", "{s:[s],s:I}", "experiment_ids", "0",
		      "max_results", (json_int_t)100000);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* A string of bad requests against one run, then: the server answers and the run holds
 * exactly what the good requests wrote. */
TEST(bad_requests_leave_no_trace)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	it_log_param(&s, run, "p", "1");
	it_log_metric(&s, run, "m", 1, 1, 0);
	size_t np0, nm0, nt0;
	counts(&s, run, &np0, &nm0, &nt0);
	char body[512];
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"p\",\"value\":\"2\"}", run);
	tu_expect_error(&s, "POST", API "/runs/log-parameter", body, 400, "INVALID_PARAMETER_VALUE");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"params\":[{\"key\":\"new\",\"value\":\"1\"}],"
		 "\"metrics\":[{\"key\":\"m2\",\"value\":1,\"timestamp\":-1}]}", run);
	tu_expect_error(&s, "POST", API "/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"t\",\"value\":\"v\"", run);
	tu_expect_error(&s, "POST", API "/runs/set-tag", body, 400, "INVALID_PARAMETER_VALUE");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"params\":[{\"value\":\"1\"}]}", run);
	const char *m = tu_expect_error(&s, "POST", API "/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "key");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"tags\":[{\"key\":\"ok\",\"value\":\"1\"},{\"key\":\"a//b\",\"value\":\"1\"}]}", run);
	tu_expect_error(&s, "POST", API "/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
	size_t np, nm, nt;
	counts(&s, run, &np, &nm, &nt);
	CHECK_INT_EQ(np, np0);
	CHECK_INT_EQ(nm, nm0);
	CHECK_INT_EQ(nt, nt0);
	json_t *got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_param(got, "p"), "1");
	json_decref(got);
	json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=m2", run);
	CHECK_INT_EQ(it_array_size(h, "metrics"), 0);
	json_decref(h);
	check_alive(&s);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* Unknown fields are ignored; camelCase is optional and not tested. */
TEST(unknown_fields_ignored)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_t *r = tu_call_json(&s, "POST", API "/experiments/create",
				 "{\"name\":\"extra\",\"surprise\":{\"nested\":[1,2,3]},\"another\":null}", 200);
	CHECK(json_string_value(json_object_get(r, "experiment_id")) != NULL);
	json_decref(r);
	/* An old client sending experiment_id as a number. */
	r = tu_call_json(&s, "POST", API "/runs/create", "{\"experiment_id\":0}", 200);
	CHECK_STR_EQ(it_run_info_str(json_object_get(r, "run"), "experiment_id"), "0");
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* Responses are JSON objects with the JSON content type, even empty ones. */
TEST(empty_responses_are_json_objects)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	char body[256];
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"k\",\"value\":\"v\"}", run);
	struct tu_response r;
	tu_call(&s, "POST", API "/runs/set-tag", body, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK(strncmp(r.content_type, "application/json", 16) == 0);
	json_t *v = tu_json(&r);
	CHECK(json_is_object(v));
	CHECK_INT_EQ(json_object_size(v), 0);
	json_decref(v);
	tu_response_free(&r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST_MAIN(malformed_json, json_string_body_decoded_twice, missing_required_fields_named,
	  wrong_typed_fields_named, content_type_rules, oversize_body_413, unknown_endpoint_and_wrong_method,
	  invalid_utf8_body, bad_page_tokens_and_max_results, bad_requests_leave_no_trace,
	  unknown_fields_ignored, empty_responses_are_json_objects)
