/*
 * The model registry against the real server (spec §5): every endpoint under both prefixes,
 * MLflow's error codes and statuses, the history extension, and `cairn models promote`
 * (pass, refuse with exit 1, history after a server restart).
 */
#include "itest.h"

#include <sys/wait.h>

static json_t *call(const struct tu_server *s, const char *method, const char *path, long status,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = it_vbody(fmt, ap);
	va_end(ap);
	json_t *v = tu_call_json(s, method, path, body, status);
	free(body);
	return v;
}

static const char *expect_err(const struct tu_server *s, const char *method, const char *path,
			      long status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = it_vbody(fmt, ap);
	va_end(ap);
	const char *m = tu_expect_error(s, method, path, body, status, code);
	free(body);
	return m;
}

static char path_buf[8][1024];
static int path_next;

/* prefix + sub-path, in a rotating static buffer. */
static const char *P(const char *prefix, const char *sub)
{
	char *b = path_buf[path_next++ % 8];
	snprintf(b, sizeof path_buf[0], "%s/%s", prefix, sub);
	return b;
}

static void every_endpoint(const struct tu_server *s, const char *pre, const char *name)
{
	char renamed[128];
	snprintf(renamed, sizeof renamed, "%s-renamed", name);
	json_t *r = call(s, "POST", P(pre, "registered-models/create"), 200, "{s:s,s:s,s:[{s:s,s:s}]}",
			 "name", name, "description", "d1", "tags", "key", "team", "value", "a");
	json_t *rm = json_object_get(r, "registered_model");
	CHECK_STR_EQ(json_string_value(json_object_get(rm, "name")), name);
	CHECK(json_is_integer(json_object_get(rm, "creation_timestamp")));
	json_decref(r);
	r = it_get(s, 200, "%s?name=%s", P(pre, "registered-models/get"), it_qs(name));
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "registered_model"), "description")), "d1");
	json_decref(r);
	json_decref(call(s, "POST", P(pre, "registered-models/rename"), 200, "{s:s,s:s}", "name", name,
			 "new_name", renamed));
	r = call(s, "PATCH", P(pre, "registered-models/update"), 200, "{s:s,s:s}", "name", renamed,
		 "description", "d2");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "registered_model"), "description")), "d2");
	json_decref(r);
	json_decref(call(s, "POST", P(pre, "registered-models/set-tag"), 200, "{s:s,s:s,s:s}", "name", renamed,
			 "key", "k", "value", "v"));
	json_decref(call(s, "DELETE", P(pre, "registered-models/delete-tag"), 200, "{s:s,s:s}", "name",
			 renamed, "key", "k"));
	/* versions */
	for (int i = 0; i < 3; i++) {
		r = call(s, "POST", P(pre, "model-versions/create"), 200, "{s:s,s:s,s:s}", "name", renamed,
			 "source", "mlflow-artifacts:/0/r/artifacts/model", "run_id",
			 "0123456789abcdef0123456789abcdef");
		json_t *mv = json_object_get(r, "model_version");
		char want[16];
		snprintf(want, sizeof want, "%d", i + 1);
		CHECK_STR_EQ(json_string_value(json_object_get(mv, "version")), want);  /* a string */
		CHECK_STR_EQ(json_string_value(json_object_get(mv, "status")), "READY");
		CHECK_STR_EQ(json_string_value(json_object_get(mv, "current_stage")), "None");
		json_decref(r);
	}
	r = it_get(s, 200, "%s?name=%s&version=2", P(pre, "model-versions/get"), it_qs(renamed));
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "version")), "2");
	json_decref(r);
	r = call(s, "PATCH", P(pre, "model-versions/update"), 200, "{s:s,s:s,s:s}", "name", renamed,
		 "version", "2", "description", "v2");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "description")), "v2");
	json_decref(r);
	r = call(s, "POST", P(pre, "model-versions/transition-stage"), 200, "{s:s,s:s,s:s,s:b}", "name",
		 renamed, "version", "1", "stage", "production", "archive_existing_versions", 0);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "current_stage")),
		     "Production");
	json_decref(r);
	/* version given as a JSON integer is accepted too */
	json_decref(call(s, "POST", P(pre, "model-versions/transition-stage"), 200, "{s:s,s:i,s:s,s:b}", "name",
			 renamed, "version", 2, "stage", "Production", "archive_existing_versions", 1));
	r = it_get(s, 200, "%s?name=%s&version=1", P(pre, "model-versions/get"), it_qs(renamed));
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "current_stage")),
		     "Archived");
	json_decref(r);
	r = call(s, "POST", P(pre, "registered-models/get-latest-versions"), 200, "{s:s,s:[s]}", "name",
		 renamed, "stages", "production");
	CHECK_INT_EQ(it_array_size(r, "model_versions"), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(json_object_get(r, "model_versions"), 0),
						       "version")), "2");
	json_decref(r);
	r = it_get(s, 200, "%s?name=%s&stages=None&stages=Archived", P(pre, "registered-models/get-latest-versions"),
		   it_qs(renamed));
	CHECK_INT_EQ(it_array_size(r, "model_versions"), 2);
	json_decref(r);
	json_decref(call(s, "POST", P(pre, "registered-models/alias"), 200, "{s:s,s:s,s:s}", "name", renamed,
			 "alias", "champion", "version", "3"));
	r = it_get(s, 200, "%s?name=%s&alias=champion", P(pre, "registered-models/alias"), it_qs(renamed));
	json_t *mv = json_object_get(r, "model_version");
	CHECK_STR_EQ(json_string_value(json_object_get(mv, "version")), "3");
	CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(mv, "aliases"), 0)), "champion");
	json_decref(r);
	r = it_get(s, 200, "%s?name=%s", P(pre, "registered-models/get"), it_qs(renamed));
	json_t *al = json_object_get(json_object_get(r, "registered_model"), "aliases");
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(al, 0), "version")), "3");
	CHECK_INT_EQ(it_array_size(json_object_get(r, "registered_model"), "latest_versions"), 3);
	json_decref(r);
	json_decref(call(s, "POST", P(pre, "model-versions/set-tag"), 200, "{s:s,s:s,s:s,s:s}", "name", renamed,
			 "version", "3", "key", "validation", "value", "passed"));
	r = it_get(s, 200, "%s?filter=%s", P(pre, "model-versions/search"),
		   it_qs("tags.validation = 'passed'"));
	CHECK_INT_EQ(it_array_size(r, "model_versions"), 1);
	json_decref(r);
	json_decref(call(s, "DELETE", P(pre, "model-versions/delete-tag"), 200, "{s:s,s:s,s:s}", "name", renamed,
			 "version", "3", "key", "validation"));
	r = it_get(s, 200, "%s?name=%s&version=3", P(pre, "model-versions/get-download-uri"), it_qs(renamed));
	CHECK_STR_EQ(json_string_value(json_object_get(r, "artifact_uri")), "mlflow-artifacts:/0/r/artifacts/model");
	json_decref(r);
	char filter[256];
	snprintf(filter, sizeof filter, "name = '%s'", renamed);
	r = it_get(s, 200, "%s?filter=%s&order_by=%s&max_results=2", P(pre, "model-versions/search"),
		   it_qs(filter), it_qs("version_number ASC"));
	CHECK_INT_EQ(it_array_size(r, "model_versions"), 2);
	CHECK(json_is_string(json_object_get(r, "next_page_token")));
	json_decref(r);
	r = it_get(s, 200, "%s?filter=%s", P(pre, "registered-models/search"), it_qs(filter));
	CHECK_INT_EQ(it_array_size(r, "registered_models"), 1);
	json_decref(r);
	r = it_get(s, 200, "%s?name=%s", P(pre, "registered-models/history"), it_qs(renamed));
	/* 1 → Production; 2 → Production archiving 1; alias champion → 3 */
	CHECK_INT_EQ(it_array_size(r, "history"), 4);
	json_t *h0 = json_array_get(json_object_get(r, "history"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(h0, "kind")), "stage");
	CHECK_STR_EQ(json_string_value(json_object_get(h0, "from_stage")), "None");
	CHECK_STR_EQ(json_string_value(json_object_get(h0, "to_stage")), "Production");
	json_t *h3 = json_array_get(json_object_get(r, "history"), 3);
	CHECK_STR_EQ(json_string_value(json_object_get(h3, "alias")), "champion");
	CHECK_STR_EQ(json_string_value(json_object_get(h3, "to_version")), "3");
	json_decref(r);
	json_decref(call(s, "DELETE", P(pre, "registered-models/alias"), 200, "{s:s,s:s}", "name", renamed,
			 "alias", "champion"));
	json_decref(call(s, "DELETE", P(pre, "model-versions/delete"), 200, "{s:s,s:s}", "name", renamed,
			 "version", "3"));
	r = it_get(s, 404, "%s?name=%s&version=3", P(pre, "model-versions/get"), it_qs(renamed));
	json_decref(r);
	json_decref(call(s, "DELETE", P(pre, "registered-models/delete"), 200, "{s:s}", "name", renamed));
	r = it_get(s, 404, "%s?name=%s", P(pre, "registered-models/get"), it_qs(renamed));
	CHECK_STR_EQ(json_string_value(json_object_get(r, "error_code")), "RESOURCE_DOES_NOT_EXIST");
	json_decref(r);
}

TEST(every_endpoint_both_prefixes)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	every_endpoint(&s, API, "model-api");
	every_endpoint(&s, AJAX, "model-ajax");
	tu_server_stop(&s);
}

TEST(error_codes_and_statuses)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_decref(call(&s, "POST", API "/registered-models/create", 200, "{s:s}", "name", "m"));
	json_decref(call(&s, "POST", API "/model-versions/create", 200, "{s:s,s:s}", "name", "m", "source",
			 "s3://b/m"));
	/* duplicates are 400 RESOURCE_ALREADY_EXISTS, not 409 */
	expect_err(&s, "POST", API "/registered-models/create", 400, "RESOURCE_ALREADY_EXISTS", "{s:s}", "name", "m");
	expect_err(&s, "POST", API "/registered-models/create", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "name", "");
	const char *msg = expect_err(&s, "POST", API "/registered-models/create", 400, "INVALID_PARAMETER_VALUE",
				     "{}");
	CHECK_STR_CONTAINS(msg, "'name'");
	msg = tu_expect_error(&s, "GET", API "/registered-models/get?name=nope", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	CHECK_STR_CONTAINS(msg, "Registered Model with name=nope not found");
	tu_expect_error(&s, "GET", API "/model-versions/get?name=m&version=7", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	tu_expect_error(&s, "GET", API "/model-versions/get?name=m&version=abc", NULL, 400, "INVALID_PARAMETER_VALUE");
	tu_expect_error(&s, "GET", API "/model-versions/get?name=nope&version=1", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	expect_err(&s, "POST", API "/model-versions/transition-stage", 400, "INVALID_PARAMETER_VALUE",
		   "{s:s,s:s,s:s}", "name", "m", "version", "1", "stage", "Live");
	expect_err(&s, "POST", API "/model-versions/transition-stage", 400, "INVALID_PARAMETER_VALUE",
		   "{s:s,s:s,s:s,s:b}", "name", "m", "version", "1", "stage", "Archived",
		   "archive_existing_versions", 1);
	expect_err(&s, "POST", API "/registered-models/alias", 400, "INVALID_PARAMETER_VALUE",
		   "{s:s,s:s,s:s}", "name", "m", "alias", "v1", "version", "1");
	expect_err(&s, "POST", API "/registered-models/alias", 400, "INVALID_PARAMETER_VALUE",
		   "{s:s,s:s,s:s}", "name", "m", "alias", "Latest", "version", "1");
	expect_err(&s, "POST", API "/registered-models/alias", 404, "RESOURCE_DOES_NOT_EXIST",
		   "{s:s,s:s,s:s}", "name", "m", "alias", "champ", "version", "5");
	/* GET of a missing alias, or of an alias of a missing model: 400, not 404 */
	msg = tu_expect_error(&s, "GET", API "/registered-models/alias?name=m&alias=champ", NULL, 400,
			      "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(msg, "Registered model alias champ not found.");
	tu_expect_error(&s, "GET", API "/registered-models/alias?name=nope&alias=champ", NULL, 400,
			"INVALID_PARAMETER_VALUE");
	/* deleting a missing tag or alias is a silent success; an unknown model is not */
	json_decref(call(&s, "DELETE", API "/registered-models/delete-tag", 200, "{s:s,s:s}", "name", "m", "key", "x"));
	json_decref(call(&s, "DELETE", API "/registered-models/alias", 200, "{s:s,s:s}", "name", "m", "alias", "x"));
	json_decref(call(&s, "DELETE", API "/model-versions/delete-tag", 200, "{s:s,s:s,s:s}", "name", "m",
			 "version", "1", "key", "x"));
	expect_err(&s, "DELETE", API "/registered-models/delete-tag", 404, "RESOURCE_DOES_NOT_EXIST",
		   "{s:s,s:s}", "name", "nope", "key", "x");
	expect_err(&s, "POST", API "/registered-models/get-latest-versions", 400, "INVALID_PARAMETER_VALUE",
		   "{s:s,s:[s]}", "name", "m", "stages", "Prod");
	tu_expect_error(&s, "GET", API "/registered-models/search?max_results=1001", NULL, 400,
			"INVALID_PARAMETER_VALUE");
	tu_expect_error(&s, "GET", API "/registered-models/search?filter=bogus+%3D+1", NULL, 400,
			"INVALID_PARAMETER_VALUE");
	tu_expect_error(&s, "GET", API "/model-versions/search?page_token=xyz", NULL, 400,
			"INVALID_PARAMETER_VALUE");
	expect_err(&s, "POST", API "/model-versions/create", 400, "INVALID_PARAMETER_VALUE",
		   "{s:s,s:s}", "name", "m", "source", "/etc/passwd");
	expect_err(&s, "POST", API "/model-versions/create", 404, "RESOURCE_DOES_NOT_EXIST",
		   "{s:s,s:s}", "name", "nope", "source", "s3://b/m");
	expect_err(&s, "POST", API "/registered-models/rename", 404, "RESOURCE_DOES_NOT_EXIST",
		   "{s:s,s:s}", "name", "nope", "new_name", "x");
	tu_expect_error(&s, "GET", API "/registered-models/history?name=nope", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	/* POST without a JSON Content-Type */
	struct tu_response r;
	tu_request(&s, "POST", API "/registered-models/create", NULL, "{\"name\":\"z\"}", 12, &r);
	CHECK_INT_EQ(r.status, 400);
	tu_response_free(&r);
	/* a method the route does not serve */
	tu_request(&s, "PUT", API "/registered-models/create", "application/json", "{}", 2, &r);
	CHECK_INT_EQ(r.status, 405);
	tu_response_free(&r);
	tu_server_stop(&s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* A run with f1 and accuracy, and a version of `model` sourced from it. */
static void version_with_metrics(const struct tu_server *s, const char *model, double f1, double acc)
{
	char run[64];
	it_create_run(s, "0", NULL, run);
	it_log_metric(s, run, "f1", f1, it_now_ms(), 0);
	it_log_metric(s, run, "accuracy", acc, it_now_ms(), 0);
	it_set_tag(s, run, "validation", "passed");
	json_t *r = it_get_run(s, run);
	char source[1024];
	snprintf(source, sizeof source, "%s/model", it_run_info_str(r, "artifact_uri"));
	json_decref(r);
	json_decref(call(s, "POST", API "/model-versions/create", 200, "{s:s,s:s,s:s}", "name", model,
			 "source", source, "run_id", run));
}

TEST(cli_promote_pass_refuse_and_history_after_restart)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_decref(call(&s, "POST", API "/registered-models/create", 200, "{s:s}", "name", "churn"));
	version_with_metrics(&s, "churn", 0.86, 0.90);  /* 1: passes */
	version_with_metrics(&s, "churn", 0.70, 0.95);  /* 2: f1 too low */
	version_with_metrics(&s, "churn", 0.865, 0.95); /* 3: not better than 1 by 0.01 */
	char policy[1200];
	snprintf(policy, sizeof policy, "%s/policy.yaml", s.dir);
	write_file(policy, "gates:\n"
			   "  metrics: {f1: \">= 0.80\", accuracy: \">= 0.85\"}\n"
			   "  better_than_current: {metric: f1, min_delta: 0.01}\n"
			   "  required_tags: {validation: passed}\n");
	char *out = NULL;
	const char *pass[] = { "models", "promote", "churn", "1", "--to", "production",
			       "--policy", policy, "--backend-store-uri", s.db_uri, "--user", "ci",
			       "--reason", "nightly", NULL };
	int code = tu_run_cli(pass, &out);
	CHECK_MSG(code == 0, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "PASS");
	CHECK_STR_CONTAINS(out, "promoted");
	free(out);
	const char *refuse[] = { "models", "promote", "churn", "2", "--to", "production",
				 "--policy", policy, "--backend-store-uri", s.db_uri, NULL };
	code = tu_run_cli(refuse, &out);
	CHECK_MSG(code == 1, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "FAIL  f1 >= 0.8");
	CHECK_STR_CONTAINS(out, "refused");
	free(out);
	const char *refuse3[] = { "models", "promote", "churn", "3", "--policy", policy,
				  "--backend-store-uri", s.db_uri, NULL };
	code = tu_run_cli(refuse3, &out);
	CHECK_MSG(code == 1, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "FAIL  higher than current production holder on f1");
	free(out);
	/* bad policy: exit 2 with file:line:column */
	char bad[1200];
	snprintf(bad, sizeof bad, "%s/bad.yaml", s.dir);
	write_file(bad, "gates:\n  metrics:\n    f1: [1]\n");
	const char *badp[] = { "models", "promote", "churn", "3", "--policy", bad,
			       "--backend-store-uri", s.db_uri, NULL };
	code = tu_run_cli(badp, &out);
	CHECK_MSG(code == 2, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "bad.yaml:3:9");
	free(out);
	const char *unknown[] = { "models", "promote", "churn", "9",
				  "--backend-store-uri", s.db_uri, NULL };
	code = tu_run_cli(unknown, &out);
	CHECK_MSG(code == 1, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "not found");
	free(out);
	/* the server sees the CLI's promotion at once */
	json_t *r = it_get(&s, 200, API "/registered-models/alias?name=churn&alias=production");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "version")), "1");
	json_decref(r);
	tu_server_stop(&s);
	tu_server_start(&s, s.dir, NULL);
	r = it_get(&s, 200, API "/registered-models/history?name=churn");
	CHECK_INT_EQ(it_array_size(r, "history"), 2);  /* alias → 1, stage None → Production */
	json_t *h = json_array_get(json_object_get(r, "history"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(h, "user")), "ci");
	CHECK_STR_EQ(json_string_value(json_object_get(h, "reason")), "nightly");
	json_decref(r);
	const char *hist[] = { "models", "history", "churn", "--backend-store-uri", s.db_uri, NULL };
	code = tu_run_cli(hist, &out);
	CHECK_MSG(code == 0, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "alias production");
	CHECK_STR_CONTAINS(out, "Production");
	free(out);
	/* promote-best picks version 3 (best f1, 0.865), whose margin over the holder is too small. */
	const char *best[] = { "models", "promote-best", "churn", "--metric", "f1",
			       "--policy", policy, "--backend-store-uri", s.db_uri, NULL };
	code = tu_run_cli(best, &out);
	CHECK_MSG(code == 1, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "version 3");
	free(out);
	tu_server_stop(&s);
}

TEST_MAIN(every_endpoint_both_prefixes, error_codes_and_statuses,
	  cli_promote_pass_refuse_and_history_after_restart)
