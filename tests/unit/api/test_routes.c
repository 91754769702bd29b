/*
 * The api routes driven over real HTTP, in-process: a SQLite store and an artifact store in
 * the test's temp dir, api_build_routes, http_server_start on a free port, libcurl requests
 * (testutil's tu_request with a hand-filled tu_server). Checks each handler's wire shape
 * against spec §2–§4 and §6.
 */
#include "api/api_internal.h"
#include "../../harness.h"
#include "../../testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct store *store;
	struct artifact_store *as;
	struct api_context ctx;
	struct http_route *routes;
	size_t nroutes;
	struct http_server *srv;
	struct tu_server s;
};

static struct fixture fx;

static void fx_start(int serve_artifacts, int artifacts_only)
{
	struct cairn_error err = {0};
	char path[1024];
	memset(&fx, 0, sizeof fx);
	if (!artifacts_only) {
		snprintf(path, sizeof path, "%s/cairn.db", test_tmpdir());
		struct store_options so = { .default_artifact_root = "mlflow-artifacts:" };
		fx.store = store_open(path, &so, &err);
		CHECK_MSG(fx.store != NULL, "store_open: %s", err.msg);
	}
	if (serve_artifacts) {
		snprintf(path, sizeof path, "%s/artifacts", test_tmpdir());
		CHECK(fs_mkdirs(path, &err) == 0);
		fx.as = artifact_store_open(path, &err);
		CHECK_MSG(fx.as != NULL, "artifact_store_open: %s", err.msg);
	}
	fx.ctx.store = fx.store;
	fx.ctx.artifacts = fx.as;
	fx.ctx.serve_artifacts = serve_artifacts;
	fx.ctx.artifacts_only = artifacts_only;
	CHECK_MSG(api_build_routes(&fx.ctx, &fx.routes, &fx.nroutes, &err) == 0, "%s", err.msg);
	struct http_server_options ho = { .host = "127.0.0.1", .port = 0, .threads = 2,
					   .not_found = api_not_found };
	fx.srv = http_server_start(fx.routes, fx.nroutes, &ho, &err);
	CHECK_MSG(fx.srv != NULL, "http_server_start: %s", err.msg);
	snprintf(fx.s.base_url, sizeof fx.s.base_url, "http://127.0.0.1:%d", http_server_port(fx.srv));
}

static void fx_stop(void)
{
	http_server_stop(fx.srv);
	cairn_free(fx.routes);
	if (fx.as)
		artifact_store_close(fx.as);
	if (fx.store)
		store_close(fx.store);
	memset(&fx, 0, sizeof fx);
}

static json_t *call(const char *method, const char *path, const char *body, long status)
{
	return tu_call_json(&fx.s, method, path, body, status);
}

/* Expect an error; returns its message (static). */
static const char *call_err(const char *method, const char *path, const char *body, long status,
			    const char *code)
{
	return tu_expect_error(&fx.s, method, path, body, status, code);
}

static const char *sget(json_t *o, const char *path)
{
	/* "a.b.c" walk through objects */
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *cur = o;
	for (char *seg = buf, *dot; seg; seg = dot ? dot + 1 : NULL) {
		dot = strchr(seg, '.');
		if (dot)
			*dot = '\0';
		cur = json_object_get(cur, seg);
	}
	return json_string_value(cur);
}

static char *create_run(const char *exp_id)
{
	char body[256];
	snprintf(body, sizeof body, "{\"experiment_id\":\"%s\",\"start_time\":1000,\"user_id\":\"u\"}", exp_id);
	json_t *v = call("POST", "/api/2.0/mlflow/runs/create", body, 200);
	const char *id = sget(v, "run.info.run_id");
	CHECK(id != NULL && strlen(id) == 32);
	char *out = strdup(id);
	json_decref(v);
	return out;
}

TEST(health_version_and_unknown_routes)
{
	fx_start(1, 0);
	struct tu_response r;
	tu_request(&fx.s, "GET", "/health", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK_STR_EQ(r.body, "OK");
	CHECK_STR_CONTAINS(r.content_type, "text/plain");
	tu_response_free(&r);
	tu_request(&fx.s, "GET", "/version", NULL, NULL, 0, &r);
	CHECK_STR_EQ(r.body, CAIRN_MLFLOW_COMPAT_VERSION);
	tu_response_free(&r);
	const char *m = call_err("GET", "/api/2.0/mlflow/nope", NULL, 404, "ENDPOINT_NOT_FOUND");
	CHECK_STR_CONTAINS(m, "GET /api/2.0/mlflow/nope");
	m = call_err("GET", "/api/2.0/mlflow/runs/create", NULL, 405, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "Method GET not allowed");
	/* the bulk UI helper is ajax-only, as in MLflow */
	call_err("GET", "/api/2.0/mlflow/metrics/get-history-bulk?run_id=x&metric_key=m", NULL, 404,
		 "ENDPOINT_NOT_FOUND");
	fx_stop();
}

TEST(experiments_lifecycle)
{
	fx_start(1, 0);
	json_t *v = call("POST", "/api/2.0/mlflow/experiments/create",
			 "{\"name\":\"e1\",\"tags\":[{\"key\":\"k\",\"value\":\"v\"}]}", 200);
	const char *id = sget(v, "experiment_id");
	CHECK(id != NULL);
	char eid[64];
	snprintf(eid, sizeof eid, "%s", id);
	json_decref(v);
	call_err("POST", "/api/2.0/mlflow/experiments/create", "{\"name\":\"e1\"}", 400,
		 "RESOURCE_ALREADY_EXISTS");
	const char *m = call_err("POST", "/api/2.0/mlflow/experiments/create", "{}", 400,
				 "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "Missing value for required parameter 'name'");

	char path[256];
	snprintf(path, sizeof path, "/api/2.0/mlflow/experiments/get?experiment_id=%s", eid);
	v = call("GET", path, NULL, 200);
	CHECK_STR_EQ(sget(v, "experiment.name"), "e1");
	CHECK_STR_EQ(sget(v, "experiment.lifecycle_stage"), "active");
	CHECK_STR_EQ(sget(v, "experiment.artifact_location"), "mlflow-artifacts:/1");
	CHECK(json_is_integer(json_object_get(json_object_get(v, "experiment"), "creation_time")));
	json_t *tags = json_object_get(json_object_get(v, "experiment"), "tags");
	CHECK_INT_EQ(json_array_size(tags), 1);
	json_decref(v);
	v = call("GET", "/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name=e1", NULL, 200);
	CHECK_STR_EQ(sget(v, "experiment.experiment_id"), eid);
	json_decref(v);
	call_err("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope", NULL, 404,
		 "RESOURCE_DOES_NOT_EXIST");
	call_err("GET", "/api/2.0/mlflow/experiments/get?experiment_id=999", NULL, 404,
		 "RESOURCE_DOES_NOT_EXIST");

	/* an integer experiment_id from an old client works */
	snprintf(path, sizeof path, "{\"experiment_id\":%s,\"new_name\":\"e2\"}", eid);
	v = call("POST", "/api/2.0/mlflow/experiments/update", path, 200);
	CHECK_INT_EQ(json_object_size(v), 0);
	json_decref(v);
	snprintf(path, sizeof path, "{\"experiment_id\":\"%s\",\"key\":\"k2\",\"value\":\"v2\"}", eid);
	json_decref(call("POST", "/api/2.0/mlflow/experiments/set-experiment-tag", path, 200));

	v = call("POST", "/api/2.0/mlflow/experiments/search",
		 "{\"max_results\":1,\"order_by\":[\"name ASC\"]}", 200);
	json_t *exps = json_object_get(v, "experiments");
	CHECK_INT_EQ(json_array_size(exps), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(exps, 0), "name")), "Default");
	CHECK(json_string_value(json_object_get(v, "next_page_token")) != NULL);
	json_decref(v);
	v = call("GET", "/api/2.0/mlflow/experiments/search?filter=name+%3D+%27e2%27&view_type=ALL&max_results=10",
		 NULL, 200);
	exps = json_object_get(v, "experiments");
	CHECK_INT_EQ(json_array_size(exps), 1);
	CHECK(json_object_get(v, "next_page_token") == NULL);
	json_decref(v);
	call_err("POST", "/api/2.0/mlflow/experiments/search", "{\"max_results\":50001}", 400,
		 "INVALID_PARAMETER_VALUE");
	call_err("POST", "/api/2.0/mlflow/experiments/search", "{\"view_type\":\"SOME\"}", 400,
		 "INVALID_PARAMETER_VALUE");

	snprintf(path, sizeof path, "{\"experiment_id\":\"%s\"}", eid);
	json_decref(call("POST", "/api/2.0/mlflow/experiments/delete", path, 200));
	v = call("POST", "/api/2.0/mlflow/experiments/search", "{\"view_type\":\"DELETED_ONLY\"}", 200);
	CHECK_INT_EQ(json_array_size(json_object_get(v, "experiments")), 1);
	json_decref(v);
	json_decref(call("POST", "/api/2.0/mlflow/experiments/restore", path, 200));
	fx_stop();
}

TEST(request_body_rules)
{
	fx_start(1, 0);
	struct tu_response r;
	tu_request(&fx.s, "POST", "/api/2.0/mlflow/experiments/create", NULL, "{\"name\":\"x\"}", 12, &r);
	CHECK_INT_EQ(r.status, 400);
	CHECK_STR_CONTAINS(r.body, "Content-Type header is missing");
	tu_response_free(&r);
	tu_request(&fx.s, "POST", "/api/2.0/mlflow/experiments/create", "text/plain", "{\"name\":\"x\"}", 12, &r);
	CHECK_INT_EQ(r.status, 400);
	CHECK_STR_CONTAINS(r.body, "Content-Type must be one of");
	tu_response_free(&r);
	tu_request(&fx.s, "POST", "/api/2.0/mlflow/experiments/create", "application/json; charset=utf-8",
		   "{\"name\":\"x\"}", 12, &r);
	CHECK_INT_EQ(r.status, 200);
	tu_response_free(&r);
	const char *m = call_err("POST", "/api/2.0/mlflow/experiments/create", "{\"name\":", 400,
				 "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "Malformed JSON request body");
	/* JSON inside a JSON string (old clients) */
	json_decref(call("POST", "/api/2.0/mlflow/experiments/create", "\"{\\\"name\\\":\\\"y\\\"}\"", 200));
	tu_request(&fx.s, "POST", "/api/2.0/mlflow/experiments/create", "application/json",
		   "{\"name\":\"\xff\"}", 12, &r);
	CHECK_INT_EQ(r.status, 400);
	CHECK_STR_CONTAINS(r.body, "offset 9");
	tu_response_free(&r);
	/* single-item RPCs are capped at 1 MiB */
	size_t big = (1u << 20) + 100;
	char *body = malloc(big + 1);
	CHECK(body != NULL);
	memset(body, ' ', big);
	body[0] = '{';
	body[big - 1] = '}';
	tu_request(&fx.s, "POST", "/api/2.0/mlflow/runs/log-metric", "application/json", body, big, &r);
	CHECK_INT_EQ(r.status, 413);
	tu_response_free(&r);
	free(body);
	fx_stop();
}

TEST(runs_create_get_update_delete)
{
	fx_start(1, 0);
	json_t *v = call("POST", "/api/2.0/mlflow/runs/create",
			 "{\"experiment_id\":\"0\",\"run_name\":\"r1\",\"start_time\":1234,"
			 "\"tags\":[{\"key\":\"mlflow.user\",\"value\":\"me\"}]}", 200);
	json_t *run = json_object_get(v, "run");
	json_t *info = json_object_get(run, "info");
	CHECK_STR_EQ(sget(info, "run_name"), "r1");
	CHECK_STR_EQ(sget(info, "status"), "RUNNING");
	CHECK_STR_EQ(sget(info, "lifecycle_stage"), "active");
	CHECK_STR_EQ(sget(info, "experiment_id"), "0");
	CHECK_INT_EQ(json_integer_value(json_object_get(info, "start_time")), 1234);
	CHECK(json_object_get(info, "end_time") == NULL);
	CHECK_STR_EQ(sget(info, "run_uuid"), sget(info, "run_id"));
	char id[40];
	snprintf(id, sizeof id, "%s", sget(info, "run_id"));
	char uri[128];
	snprintf(uri, sizeof uri, "mlflow-artifacts:/0/%s/artifacts", id);
	CHECK_STR_EQ(sget(info, "artifact_uri"), uri);
	CHECK(json_is_object(json_object_get(run, "inputs")));
	json_t *tags = json_object_get(json_object_get(run, "data"), "tags");
	int has_name = 0;
	for (size_t i = 0; i < json_array_size(tags); i++)
		if (strcmp(sget(json_array_get(tags, i), "key"), "mlflow.runName") == 0)
			has_name = strcmp(sget(json_array_get(tags, i), "value"), "r1") == 0;
	CHECK(has_name);
	json_decref(v);

	call_err("POST", "/api/2.0/mlflow/runs/create",
		 "{\"run_name\":\"a\",\"tags\":[{\"key\":\"mlflow.runName\",\"value\":\"b\"}]}", 400,
		 "INVALID_PARAMETER_VALUE");

	char path[256], body[512];
	snprintf(path, sizeof path, "/api/2.0/mlflow/runs/get?run_uuid=%s", id);
	v = call("GET", path, NULL, 200);
	CHECK_STR_EQ(sget(v, "run.info.run_id"), id);
	json_decref(v);
	call_err("GET", "/api/2.0/mlflow/runs/get?run_id=00000000000000000000000000000000", NULL, 404,
		 "RESOURCE_DOES_NOT_EXIST");
	call_err("GET", "/api/2.0/mlflow/runs/get", NULL, 400, "INVALID_PARAMETER_VALUE");

	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"status\":\"FINISHED\",\"end_time\":\"2000\"}", id);
	v = call("POST", "/api/2.0/mlflow/runs/update", body, 200);
	CHECK_STR_EQ(sget(v, "run_info.status"), "FINISHED");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(v, "run_info"), "end_time")), 2000);
	json_decref(v);
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"status\":4}", id);
	v = call("POST", "/api/2.0/mlflow/runs/update", body, 200);
	CHECK_STR_EQ(sget(v, "run_info.status"), "FAILED");
	json_decref(v);
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"status\":\"DONE\"}", id);
	call_err("POST", "/api/2.0/mlflow/runs/update", body, 400, "INVALID_PARAMETER_VALUE");

	snprintf(body, sizeof body, "{\"run_id\":\"%s\"}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/delete", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"k\",\"value\":\"v\"}", id);
	call_err("POST", "/api/2.0/mlflow/runs/set-tag", body, 400, "INVALID_PARAMETER_VALUE");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\"}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/restore", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"k\",\"value\":\"v\"}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/set-tag", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"k\"}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/delete-tag", body, 200));
	call_err("POST", "/api/2.0/mlflow/runs/delete-tag", body, 404, "RESOURCE_DOES_NOT_EXIST");
	fx_stop();
}

TEST(logging_metrics_params_batch)
{
	fx_start(1, 0);
	char *id = create_run("0");
	char body[1024], path[256];
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"run_uuid\":\"%s\",\"key\":\"loss\",\"value\":0.5,"
		 "\"timestamp\":10,\"step\":1}", id, id);
	json_t *v = call("POST", "/api/2.0/mlflow/runs/log-metric", body, 200);
	CHECK_INT_EQ(json_object_size(v), 0);
	json_decref(v);
	snprintf(body, sizeof body, "{\"run_uuid\":\"%s\",\"key\":\"loss\",\"value\":\"NaN\","
		 "\"timestamp\":\"11\",\"step\":\"2\"}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-metric", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"loss\",\"value\":\"Infinity\",\"timestamp\":12}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-metric", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"loss\",\"value\":true,\"timestamp\":12}", id);
	call_err("POST", "/api/2.0/mlflow/runs/log-metric", body, 400, "INVALID_PARAMETER_VALUE");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"loss\",\"value\":1}", id);
	const char *m = call_err("POST", "/api/2.0/mlflow/runs/log-metric", body, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "'timestamp'");

	snprintf(path, sizeof path, "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=loss&max_results=25000", id);
	v = call("GET", path, NULL, 200);
	json_t *ms = json_object_get(v, "metrics");
	CHECK_INT_EQ(json_array_size(ms), 3);
	CHECK(json_is_real(json_object_get(json_array_get(ms, 0), "value")));
	CHECK_STR_EQ(sget(json_array_get(ms, 1), "value"), "NaN");
	CHECK_STR_EQ(sget(json_array_get(ms, 2), "value"), "Infinity");
	CHECK(json_object_get(v, "next_page_token") == NULL);
	json_decref(v);
	snprintf(path, sizeof path, "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=none", id);
	v = call("GET", path, NULL, 200);
	CHECK_INT_EQ(json_object_size(v), 0);
	json_decref(v);

	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"p\",\"value\":\"1\"}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-parameter", body, 200));
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-parameter", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"p\",\"value\":\"2\"}", id);
	call_err("POST", "/api/2.0/mlflow/runs/log-parameter", body, 400, "INVALID_PARAMETER_VALUE");

	/* log-batch: run_uuid alone is not enough */
	snprintf(body, sizeof body, "{\"run_uuid\":\"%s\"}", id);
	call_err("POST", "/api/2.0/mlflow/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"acc\",\"value\":0.9,\"timestamp\":5}],"
		 "\"params\":[{\"key\":\"q\",\"value\":\"x\"}],\"tags\":[{\"key\":\"t\",\"value\":\"y\"}]}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-batch", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"acc\",\"value\":0.9}]}", id);
	m = call_err("POST", "/api/2.0/mlflow/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "metrics[0]");
	CHECK_STR_CONTAINS(m, "timestamp");

	/* 101 params */
	struct buf b;
	buf_init(&b, 0);
	CHECK(buf_printf(&b, "{\"run_id\":\"%s\",\"params\":[", id) == 0);
	for (int i = 0; i < 101; i++)
		CHECK(buf_printf(&b, "%s{\"key\":\"k%d\",\"value\":\"v\"}", i ? "," : "", i) == 0);
	CHECK(buf_append_str(&b, "]}") == 0);
	m = call_err("POST", "/api/2.0/mlflow/runs/log-batch", b.data, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "at most 100 params");
	buf_release(&b);

	snprintf(path, sizeof path, "/api/2.0/mlflow/runs/get?run_id=%s", id);
	v = call("GET", path, NULL, 200);
	json_t *data = json_object_get(json_object_get(v, "run"), "data");
	CHECK_INT_EQ(json_array_size(json_object_get(data, "metrics")), 2);  /* latest per key */
	CHECK_INT_EQ(json_array_size(json_object_get(data, "params")), 2);
	json_decref(v);
	free(id);
	fx_stop();
}

TEST(search_runs_and_bulk_history)
{
	fx_start(1, 0);
	char *a = create_run("0"), *b = create_run("0");
	char body[512], path[512];
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"m\",\"value\":%d,\"timestamp\":%d,\"step\":%d}",
			 a, i, 100 + i, i);
		json_decref(call("POST", "/api/2.0/mlflow/runs/log-metric", body, 200));
	}
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"m\",\"value\":7,\"timestamp\":1,\"step\":1}", b);
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-metric", body, 200));

	json_t *v = call("POST", "/api/2.0/mlflow/runs/search",
			 "{\"experiment_ids\":[\"0\"],\"filter\":\"metrics.m > 5\",\"max_results\":10}", 200);
	json_t *runs = json_object_get(v, "runs");
	CHECK_INT_EQ(json_array_size(runs), 1);
	CHECK_STR_EQ(sget(json_array_get(runs, 0), "info.run_id"), b);
	json_decref(v);
	v = call("POST", "/api/2.0/mlflow/runs/search",
		 "{\"experiment_ids\":[0],\"order_by\":[\"metrics.m DESC\"],\"max_results\":1}", 200);
	runs = json_object_get(v, "runs");
	CHECK_INT_EQ(json_array_size(runs), 1);
	CHECK_STR_EQ(sget(json_array_get(runs, 0), "info.run_id"), b);
	CHECK(sget(v, "next_page_token") != NULL);
	json_decref(v);
	call_err("POST", "/api/2.0/mlflow/runs/search", "{\"filter\":\"metrics.m >\"}", 400,
		 "INVALID_PARAMETER_VALUE");
	call_err("POST", "/api/2.0/mlflow/runs/search", "{\"max_results\":50001}", 400,
		 "INVALID_PARAMETER_VALUE");

	snprintf(path, sizeof path,
		 "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=%s&run_ids=%s&metric_key=m", a, b);
	v = call("GET", path, NULL, 200);
	json_t *ms = json_object_get(v, "metrics");
	CHECK(json_array_size(ms) >= 4);
	CHECK(sget(json_array_get(ms, 0), "run_id") != NULL);
	json_decref(v);
	snprintf(path, sizeof path,
		 "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=%s&metric_key=m&start_step=2", a);
	call_err("GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
	call_err("GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval?metric_key=m", NULL, 400,
		 "INVALID_PARAMETER_VALUE");

	snprintf(path, sizeof path,
		 "/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=%s&run_id=%s&run_id=ffffffffffffffffffffffffffffffff&metric_key=m", b, a);
	v = call("GET", path, NULL, 200);
	ms = json_object_get(v, "metrics");
	CHECK_INT_EQ(json_array_size(ms), 4);
	/* sorted by run id */
	const char *first = strcmp(a, b) < 0 ? a : b;
	CHECK_STR_EQ(sget(json_array_get(ms, 0), "run_id"), first);
	json_decref(v);
	snprintf(path, sizeof path, "/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=%s&metric_key=m&max_results=2", a);
	v = call("GET", path, NULL, 200);
	CHECK_INT_EQ(json_array_size(json_object_get(v, "metrics")), 2);
	json_decref(v);
	free(a);
	free(b);
	fx_stop();
}

TEST(log_inputs_and_model)
{
	fx_start(1, 0);
	char *id = create_run("0");
	char body[1024], path[256];
	snprintf(body, sizeof body,
		 "{\"run_id\":\"%s\",\"datasets\":[{\"tags\":[{\"key\":\"mlflow.data.context\",\"value\":\"training\"}],"
		 "\"dataset\":{\"name\":\"d\",\"digest\":\"abc\",\"source_type\":\"local\",\"source\":\"{}\"}}]}", id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-inputs", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"datasets\":[{\"tags\":[]}]}", id);
	const char *m = call_err("POST", "/api/2.0/mlflow/runs/log-inputs", body, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "datasets[0]");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\"}", id);
	call_err("POST", "/api/2.0/mlflow/runs/log-inputs", body, 400, "INVALID_PARAMETER_VALUE");

	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"model_json\":\"{\\\"artifact_path\\\":\\\"model\\\","
		 "\\\"flavors\\\":{},\\\"utc_time_created\\\":\\\"2024\\\",\\\"run_id\\\":\\\"%s\\\"}\"}", id, id);
	json_decref(call("POST", "/api/2.0/mlflow/runs/log-model", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"model_json\":\"{\\\"flavors\\\":{}}\"}", id);
	m = call_err("POST", "/api/2.0/mlflow/runs/log-model", body, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "missing mandatory fields");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"model_json\":\"{nope\"}", id);
	call_err("POST", "/api/2.0/mlflow/runs/log-model", body, 400, "INVALID_PARAMETER_VALUE");

	snprintf(path, sizeof path, "/api/2.0/mlflow/runs/get?run_id=%s", id);
	json_t *v = call("GET", path, NULL, 200);
	json_t *di = json_object_get(json_object_get(json_object_get(v, "run"), "inputs"), "dataset_inputs");
	CHECK_INT_EQ(json_array_size(di), 1);
	CHECK_STR_EQ(sget(json_array_get(di, 0), "dataset.digest"), "abc");
	json_decref(v);
	free(id);
	fx_stop();
}

TEST(artifact_proxy_roundtrip)
{
	fx_start(1, 0);
	char *id = create_run("0");
	char path[512];
	struct tu_response r;
	const char data[] = "hello artifact";
	snprintf(path, sizeof path, "/api/2.0/mlflow-artifacts/artifacts/0/%s/artifacts/my%%20dir/f%%20%%C3%%BC.txt", id);
	tu_request(&fx.s, "PUT", path, "text/plain", data, sizeof data - 1, &r);
	CHECK_MSG(r.status == 200, "PUT: %ld %s", r.status, r.body);
	CHECK_STR_EQ(r.body, "{}");
	tu_response_free(&r);
	snprintf(path, sizeof path, "/api/2.0/mlflow-artifacts/artifacts/0/%s/artifacts/model/MLmodel", id);
	tu_request(&fx.s, "PUT", path, "application/octet-stream", "flavors: {}\n", 12, &r);
	CHECK_INT_EQ(r.status, 200);
	tu_response_free(&r);

	snprintf(path, sizeof path, "/api/2.0/mlflow-artifacts/artifacts/0/%s/artifacts/my%%20dir/f%%20%%C3%%BC.txt", id);
	tu_request(&fx.s, "GET", path, NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK_STR_EQ(r.body, data);
	CHECK_STR_EQ(r.content_type, "text/plain");
	CHECK_STR_CONTAINS(r.headers, "Content-Disposition: attachment; filename=");
	CHECK_STR_CONTAINS(r.headers, "filename*=UTF-8''f%20%C3%BC.txt");
	CHECK_STR_CONTAINS(r.headers, "X-Content-Type-Options: nosniff");
	tu_response_free(&r);

	snprintf(path, sizeof path, "/api/2.0/mlflow-artifacts/artifacts?path=0%%2F%s%%2Fartifacts", id);
	json_t *v = call("GET", path, NULL, 200);
	json_t *files = json_object_get(v, "files");
	CHECK_INT_EQ(json_array_size(files), 2);
	CHECK_STR_EQ(sget(json_array_get(files, 0), "path"), "model");
	CHECK(json_is_true(json_object_get(json_array_get(files, 0), "is_dir")));
	CHECK(json_object_get(json_array_get(files, 0), "file_size") == NULL);
	CHECK_STR_EQ(sget(json_array_get(files, 1), "path"), "my dir");
	json_decref(v);
	/* a file lists as nothing */
	snprintf(path, sizeof path, "/api/2.0/mlflow-artifacts/artifacts?path=0/%s/artifacts/model/MLmodel", id);
	v = call("GET", path, NULL, 200);
	CHECK_INT_EQ(json_object_size(v), 0);
	json_decref(v);

	/* tracking-side list: paths relative to the run's artifact root */
	snprintf(path, sizeof path, "/api/2.0/mlflow/artifacts/list?run_id=%s&path=model", id);
	v = call("GET", path, NULL, 200);
	char root[128];
	snprintf(root, sizeof root, "mlflow-artifacts:/0/%s/artifacts", id);
	CHECK_STR_EQ(sget(v, "root_uri"), root);
	files = json_object_get(v, "files");
	CHECK_INT_EQ(json_array_size(files), 1);
	CHECK_STR_EQ(sget(json_array_get(files, 0), "path"), "model/MLmodel");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(files, 0), "file_size")), 12);
	CHECK(json_is_false(json_object_get(json_array_get(files, 0), "is_dir")));
	json_decref(v);
	snprintf(path, sizeof path, "/api/2.0/mlflow/artifacts/list?run_id=%s", id);
	v = call("GET", path, NULL, 200);
	CHECK_INT_EQ(json_array_size(json_object_get(v, "files")), 2);
	json_decref(v);
	snprintf(path, sizeof path, "/api/2.0/mlflow/artifacts/list?run_id=%s&path=../x", id);
	const char *m = call_err("GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_EQ(m, "Invalid path");

	/* unsafe proxy paths */
	call_err("GET", "/api/2.0/mlflow-artifacts/artifacts/0/%2E%2E/%2E%2E/etc/passwd", NULL, 400,
		 "INVALID_PARAMETER_VALUE");
	call_err("GET", "/api/2.0/mlflow-artifacts/artifacts?path=/etc", NULL, 400, "INVALID_PARAMETER_VALUE");
	tu_request(&fx.s, "PUT", "/api/2.0/mlflow-artifacts/artifacts/a/..%2F..%2Fx", "text/plain", "x", 1, &r);
	CHECK_INT_EQ(r.status, 400);
	tu_response_free(&r);
	call_err("GET", "/api/2.0/mlflow-artifacts/artifacts/0/none.txt", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	call_err("GET", "/api/2.0/mlflow-artifacts/artifactsX", NULL, 404, "ENDPOINT_NOT_FOUND");
	call_err("DELETE", "/api/2.0/mlflow-artifacts/artifacts/", NULL, 400, "INVALID_PARAMETER_VALUE");

	m = call_err("POST", "/api/2.0/mlflow-artifacts/mpu/create/0/x.bin", "{\"path\":\"x\",\"num_parts\":2}",
		     501, "NOT_IMPLEMENTED");
	CHECK_STR_EQ(m, "Multipart upload is not supported for the current artifact repository");

	snprintf(path, sizeof path, "/ajax-api/2.0/mlflow-artifacts/artifacts/0/%s/artifacts/model", id);
	v = call("DELETE", path, NULL, 200);
	CHECK_INT_EQ(json_object_size(v), 0);
	json_decref(v);
	snprintf(path, sizeof path, "/api/2.0/mlflow/artifacts/list?run_id=%s", id);
	v = call("GET", path, NULL, 200);
	CHECK_INT_EQ(json_array_size(json_object_get(v, "files")), 1);
	json_decref(v);
	free(id);
	fx_stop();
}

TEST(disabled_modes_answer_503_text)
{
	fx_start(0, 0);
	struct tu_response r;
	tu_request(&fx.s, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=x", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 503);
	CHECK_STR_CONTAINS(r.content_type, "text/plain");
	CHECK_STR_CONTAINS(r.body, "--serve-artifacts");
	tu_response_free(&r);
	tu_request(&fx.s, "PUT", "/api/2.0/mlflow-artifacts/artifacts/x", "text/plain", "abc", 3, &r);
	CHECK_INT_EQ(r.status, 503);
	tu_response_free(&r);
	/* tracking still works, and artifacts/list answers with no files */
	char *id = create_run("0");
	char path[256];
	snprintf(path, sizeof path, "/api/2.0/mlflow/artifacts/list?run_id=%s", id);
	json_t *v = call("GET", path, NULL, 200);
	CHECK(json_object_get(v, "files") == NULL);
	json_decref(v);
	free(id);
	fx_stop();

	fx_start(1, 1);
	tu_request(&fx.s, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 503);
	CHECK_STR_CONTAINS(r.content_type, "text/plain");
	CHECK_STR_CONTAINS(r.body, "--artifacts-only");
	tu_response_free(&r);
	tu_request(&fx.s, "PUT", "/api/2.0/mlflow-artifacts/artifacts/x/y.txt", "text/plain", "abc", 3, &r);
	CHECK_INT_EQ(r.status, 200);
	tu_response_free(&r);
	tu_request(&fx.s, "GET", "/health", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	tu_response_free(&r);
	fx_stop();
}

TEST(route_table_shape)
{
	struct api_context ctx = { 0 };
	struct http_route *routes = NULL;
	size_t n = 0;
	struct cairn_error err = {0};
	CHECK_INT_EQ(api_build_routes(&ctx, &routes, &n, &err), 0);
	int found_api = 0, found_ajax = 0, bulk_api = 0, stream = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(routes[i].path && routes[i].method);
		if (strcmp(routes[i].path, "/api/2.0/mlflow/runs/log-metric") == 0)
			found_api = 1;
		if (strcmp(routes[i].path, "/ajax-api/2.0/mlflow/runs/log-metric") == 0)
			found_ajax = 1;
		if (strcmp(routes[i].path, "/api/2.0/mlflow/metrics/get-history-bulk") == 0)
			bulk_api = 1;
		if (routes[i].flags & HTTP_ROUTE_STREAM) {
			stream++;
			CHECK(routes[i].upload != NULL);
			CHECK_STR_EQ(routes[i].method, "PUT");
		}
		for (size_t j = 0; j < i; j++)
			CHECK_MSG(!(strcmp(routes[i].path, routes[j].path) == 0 &&
				    strcmp(routes[i].method, routes[j].method) == 0),
				  "duplicate route %s %s", routes[i].method, routes[i].path);
	}
	CHECK(found_api && found_ajax && !bulk_api);
	int registry = 0;
	for (size_t i = 0; i < n; i++)
		registry += strcmp(routes[i].path, "/api/2.0/mlflow/registered-models/create") == 0 ||
			    strcmp(routes[i].path, "/ajax-api/2.0/mlflow/registered-models/create") == 0;
	CHECK_INT_EQ(registry, 2);
	CHECK_INT_EQ(stream, 2);
	cairn_free(routes);
	CHECK_INT_EQ(api_build_routes(NULL, &routes, &n, &err), CAIRN_EINVAL);
}

TEST_MAIN(health_version_and_unknown_routes, experiments_lifecycle, request_body_rules,
	  runs_create_get_update_delete, logging_metrics_params_batch, search_runs_and_bulk_history,
	  log_inputs_and_model, artifact_proxy_roundtrip, disabled_modes_answer_503_text,
	  route_table_shape)
