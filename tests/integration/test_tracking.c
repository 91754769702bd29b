/*
 * The tracking API end to end, as the unmodified MLflow Python client drives it (spec §3,
 * §10): experiments, runs, logging, reading back. Each test starts its own server.
 */
#include "itest.h"

#include <math.h>

/* mlflow.set_experiment("x"): get-by-name 404 → create → get. */
TEST(set_experiment_flow)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	tu_expect_error(&s, "GET", API "/experiments/get-by-name?experiment_name=my+first+exp", NULL, 404,
			"RESOURCE_DOES_NOT_EXIST");
	char id[64];
	it_create_experiment(&s, "my first exp", id);
	CHECK(strlen(id) > 0);
	CHECK(strcmp(id, "0") != 0);
	json_t *r = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	json_t *e = json_object_get(r, "experiment");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "experiment_id")), id);
	CHECK_STR_EQ(json_string_value(json_object_get(e, "name")), "my first exp");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "lifecycle_stage")), "active");
	char loc[128];
	snprintf(loc, sizeof loc, "mlflow-artifacts:/%s", id);
	CHECK_STR_EQ(json_string_value(json_object_get(e, "artifact_location")), loc);
	long long ct = (long long)it_num(json_object_get(e, "creation_time"), "creation_time");
	CHECK(ct > it_now_ms() - 60000 && ct <= it_now_ms() + 1000);
	CHECK(json_is_integer(json_object_get(e, "last_update_time")));
	json_decref(r);
	r = it_get(&s, 200, API "/experiments/get-by-name?experiment_name=%s", it_qs("my first exp"));
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "experiment_id")), id);
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(default_experiment_exists)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_t *r = it_get(&s, 200, API "/experiments/get?experiment_id=0");
	json_t *e = json_object_get(r, "experiment");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "experiment_id")), "0");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "name")), "Default");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "lifecycle_stage")), "active");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "artifact_location")), "mlflow-artifacts:/0");
	json_decref(r);
	r = it_get(&s, 200, API "/experiments/get-by-name?experiment_name=Default");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "experiment_id")), "0");
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(create_experiment_with_tags_and_location)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_t *r = it_post(&s, API "/experiments/create", 200, "{s:s,s:s,s:[{s:s,s:s},{s:s,s:s}]}",
			    "name", "tagged", "artifact_location", "s3://bucket/path",
			    "tags", "key", "team", "value", "growth", "key", "mlflow.note.content", "value", "hello");
	const char *id = json_string_value(json_object_get(r, "experiment_id"));
	CHECK(id != NULL);
	json_t *g = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	json_t *e = json_object_get(g, "experiment");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "artifact_location")), "s3://bucket/path");
	json_t *tags = json_object_get(e, "tags");
	CHECK_INT_EQ(json_array_size(tags), 2);
	CHECK_STR_EQ(json_string_value(json_object_get(it_find_key(tags, "team"), "value")), "growth");
	CHECK_STR_EQ(json_string_value(json_object_get(it_find_key(tags, "mlflow.note.content"), "value")), "hello");
	json_decref(g);
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(create_experiment_bad_artifact_location)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	it_post_error(&s, API "/experiments/create", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}", "name", "frag",
		      "artifact_location", "s3://bucket/path#frag");
	it_post_error(&s, API "/experiments/create", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}", "name", "dots",
		      "artifact_location", "http://host/path?x=../../y");
	tu_expect_error(&s, "GET", API "/experiments/get-by-name?experiment_name=frag", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(duplicate_experiment_name_even_deleted)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char id[64];
	it_create_experiment(&s, "dup", id);
	const char *m = it_post_error(&s, API "/experiments/create", 400, "RESOURCE_ALREADY_EXISTS", "{s:s}", "name", "dup");
	CHECK_STR_CONTAINS(m, "dup");
	json_decref(it_post(&s, API "/experiments/delete", 200, "{s:s}", "experiment_id", id));
	it_post_error(&s, API "/experiments/create", 400, "RESOURCE_ALREADY_EXISTS", "{s:s}", "name", "dup");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(experiment_name_limits)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char name[600];
	memset(name, 'n', 501);
	name[501] = 0;
	const char *m = it_post_error(&s, API "/experiments/create", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "name", name);
	CHECK_STR_CONTAINS(m, "name");
	name[500] = 0;  /* exactly 500 is fine */
	char id[64];
	it_create_experiment(&s, name, id);
	/* Characters, not bytes: 500 two-byte characters are fine too. */
	char *wide = malloc(1001);
	for (int i = 0; i < 500; i++)
		memcpy(wide + 2 * i, "\xc3\xa9", 2);
	wide[1000] = 0;
	it_create_experiment(&s, wide, id);
	free(wide);
	m = it_post_error(&s, API "/experiments/create", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "name", "");
	CHECK_STR_CONTAINS(m, "name");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(experiment_rename)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char id[64], other[64];
	it_create_experiment(&s, "before", id);
	it_create_experiment(&s, "taken", other);
	json_t *r = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	long long t0 = (long long)it_num(json_object_get(json_object_get(r, "experiment"), "last_update_time"), "lut");
	json_decref(r);
	json_t *u = it_post(&s, API "/experiments/update", 200, "{s:s,s:s}", "experiment_id", id, "new_name", "after");
	CHECK(json_object_size(u) == 0);
	json_decref(u);
	r = it_get(&s, 200, API "/experiments/get-by-name?experiment_name=after");
	json_t *e = json_object_get(r, "experiment");
	CHECK_STR_EQ(json_string_value(json_object_get(e, "experiment_id")), id);
	CHECK((long long)it_num(json_object_get(e, "last_update_time"), "lut") >= t0);
	json_decref(r);
	tu_expect_error(&s, "GET", API "/experiments/get-by-name?experiment_name=before", NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	it_post_error(&s, API "/experiments/update", 400, "RESOURCE_ALREADY_EXISTS", "{s:s,s:s}", "experiment_id", id,
		      "new_name", "taken");
	const char *m = it_post_error(&s, API "/experiments/update", 400, "INVALID_PARAMETER_VALUE", "{s:s}",
				      "experiment_id", id);
	CHECK_STR_CONTAINS(m, "new_name");
	it_post_error(&s, API "/experiments/update", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s,s:s}", "experiment_id",
		      "987654", "new_name", "x");
	/* A deleted experiment cannot be renamed; cairn answers 400, not MLflow's 500. */
	json_decref(it_post(&s, API "/experiments/delete", 200, "{s:s}", "experiment_id", id));
	it_post_error(&s, API "/experiments/update", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}", "experiment_id", id,
		      "new_name", "again");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(experiment_delete_restore_cascades_to_runs)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char id[64], run1[64], run2[64];
	it_create_experiment(&s, "cascade", id);
	it_create_run(&s, id, "r1", run1);
	it_create_run(&s, id, "r2", run2);
	json_decref(it_post(&s, API "/runs/delete", 200, "{s:s}", "run_id", run2));
	json_decref(it_post(&s, API "/experiments/delete", 200, "{s:s}", "experiment_id", id));

	json_t *r = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "lifecycle_stage")), "deleted");
	json_decref(r);
	/* get-by-name includes deleted experiments: the client relies on it. */
	r = it_get(&s, 200, API "/experiments/get-by-name?experiment_name=cascade");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "lifecycle_stage")), "deleted");
	json_decref(r);
	json_t *run = it_get_run(&s, run1);
	CHECK_STR_EQ(it_run_info_str(run, "lifecycle_stage"), "deleted");
	json_decref(run);
	/* A run cannot be created in a deleted experiment. */
	char *body = it_body("{s:s,s:I}", "experiment_id", id, "start_time", (json_int_t)it_now_ms());
	tu_expect_error(&s, "POST", API "/runs/create", body, 400, "INVALID_PARAMETER_VALUE");
	free(body);

	json_decref(it_post(&s, API "/experiments/restore", 200, "{s:s}", "experiment_id", id));
	r = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "lifecycle_stage")), "active");
	json_decref(r);
	/* Restore marks every run active, including one deleted on its own before. */
	run = it_get_run(&s, run1);
	CHECK_STR_EQ(it_run_info_str(run, "lifecycle_stage"), "active");
	json_decref(run);
	run = it_get_run(&s, run2);
	CHECK_STR_EQ(it_run_info_str(run, "lifecycle_stage"), "active");
	json_decref(run);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(experiment_delete_restore_wrong_state)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char id[64];
	it_create_experiment(&s, "states", id);
	it_post_error(&s, API "/experiments/restore", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s}", "experiment_id", id);
	json_decref(it_post(&s, API "/experiments/delete", 200, "{s:s}", "experiment_id", id));
	it_post_error(&s, API "/experiments/delete", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s}", "experiment_id", id);
	it_post_error(&s, API "/experiments/delete", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s}", "experiment_id", "424242");
	const char *m = it_post_error(&s, API "/experiments/delete", 400, "INVALID_PARAMETER_VALUE", "{}");
	CHECK_STR_CONTAINS(m, "experiment_id");
	/* The default experiment cannot be deleted (cairn follows the file store here). */
	it_post_error(&s, API "/experiments/delete", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "experiment_id", "0");
	json_t *r = it_get(&s, 200, API "/experiments/get?experiment_id=0");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "lifecycle_stage")), "active");
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(experiment_get_unknown)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	const char *m = tu_expect_error(&s, "GET", API "/experiments/get?experiment_id=31337", NULL, 404,
					"RESOURCE_DOES_NOT_EXIST");
	CHECK_STR_CONTAINS(m, "31337");
	m = tu_expect_error(&s, "GET", API "/experiments/get", NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "experiment_id");
	m = tu_expect_error(&s, "GET", API "/experiments/get-by-name", NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "experiment_name");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(set_experiment_tag)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char id[64];
	it_create_experiment(&s, "tags", id);
	json_decref(it_post(&s, API "/experiments/set-experiment-tag", 200, "{s:s,s:s,s:s}", "experiment_id", id,
			    "key", "k", "value", "v1"));
	json_decref(it_post(&s, API "/experiments/set-experiment-tag", 200, "{s:s,s:s,s:s}", "experiment_id", id,
			    "key", "k", "value", "v2"));
	json_t *r = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	json_t *tags = json_object_get(json_object_get(r, "experiment"), "tags");
	CHECK_INT_EQ(json_array_size(tags), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(it_find_key(tags, "k"), "value")), "v2");
	json_decref(r);
	/* Experiment tag values over 5000 characters are an error, not a truncation. */
	char *big = malloc(5002);
	memset(big, 'x', 5001);
	big[5001] = 0;
	const char *m = it_post_error(&s, API "/experiments/set-experiment-tag", 400, "INVALID_PARAMETER_VALUE",
				      "{s:s,s:s,s:s}", "experiment_id", id, "key", "big", "value", big);
	CHECK_CONTAINS_CI(m, "value");
	free(big);
	m = it_post_error(&s, API "/experiments/set-experiment-tag", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}",
			  "experiment_id", id, "value", "v");
	CHECK_STR_CONTAINS(m, "key");
	json_decref(it_post(&s, API "/experiments/delete", 200, "{s:s}", "experiment_id", id));
	it_post_error(&s, API "/experiments/set-experiment-tag", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:s}",
		      "experiment_id", id, "key", "k2", "value", "v");
	it_post_error(&s, API "/experiments/set-experiment-tag", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s,s:s,s:s}",
		      "experiment_id", "77777", "key", "k2", "value", "v");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* mlflow.start_run() with an experiment set: runs/create with the client's default tags. */
TEST(start_run_with_client_tags)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64];
	it_create_experiment(&s, "runs", exp);
	long long t = it_now_ms() - 5000;
	json_t *r = it_create_run_json(&s, exp, "bold-fox-1", t);
	json_t *run = json_object_get(r, "run");
	json_t *info = json_object_get(run, "info");
	const char *id = json_string_value(json_object_get(info, "run_id"));
	CHECK(id != NULL);
	CHECK_INT_EQ(strlen(id), 32);
	for (const char *p = id; *p; p++)
		CHECK((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	CHECK_STR_EQ(json_string_value(json_object_get(info, "run_uuid")), id);
	CHECK_STR_EQ(json_string_value(json_object_get(info, "run_name")), "bold-fox-1");
	CHECK_STR_EQ(json_string_value(json_object_get(info, "experiment_id")), exp);
	CHECK_STR_EQ(json_string_value(json_object_get(info, "user_id")), "tester");
	CHECK_STR_EQ(json_string_value(json_object_get(info, "status")), "RUNNING");
	CHECK_STR_EQ(json_string_value(json_object_get(info, "lifecycle_stage")), "active");
	CHECK_INT_EQ(json_integer_value(json_object_get(info, "start_time")), t);
	CHECK(json_object_get(info, "end_time") == NULL);
	char uri[256];
	snprintf(uri, sizeof uri, "mlflow-artifacts:/%s/%s/artifacts", exp, id);
	CHECK_STR_EQ(json_string_value(json_object_get(info, "artifact_uri")), uri);
	CHECK_STR_EQ(it_run_tag(run, "mlflow.user"), "tester");
	CHECK_STR_EQ(it_run_tag(run, "mlflow.source.name"), "train.py");
	CHECK_STR_EQ(it_run_tag(run, "mlflow.source.type"), "LOCAL");
	CHECK_STR_EQ(it_run_tag(run, "mlflow.runName"), "bold-fox-1");
	CHECK(json_is_object(json_object_get(run, "inputs")));
	CHECK(json_is_object(json_object_get(run, "data")));
	CHECK(it_array_size(json_object_get(run, "data"), "metrics") == 0);
	/* runs/get gives the same run. */
	json_t *got = it_get_run(&s, id);
	CHECK_STR_EQ(it_run_info_str(got, "run_name"), "bold-fox-1");
	CHECK_STR_EQ(it_run_tag(got, "mlflow.source.type"), "LOCAL");
	json_decref(got);
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(start_run_generated_name_and_defaults)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	/* No experiment, no name, no start time: experiment "0", a generated name, now. */
	long long before = it_now_ms();
	json_t *r = tu_call_json(&s, "POST", API "/runs/create", "{}", 200);
	json_t *run = json_object_get(r, "run");
	const char *name = it_run_info_str(run, "run_name");
	CHECK(name && *name);
	CHECK_STR_EQ(it_run_tag(run, "mlflow.runName"), name);
	CHECK_STR_EQ(it_run_info_str(run, "experiment_id"), "0");
	long long st = json_integer_value(json_object_get(json_object_get(run, "info"), "start_time"));
	CHECK(st >= before - 1000 && st <= it_now_ms() + 1000);
	json_decref(r);
	/* An empty experiment_id means "0"; the run name can come from the tag alone. */
	r = it_post(&s, API "/runs/create", 200, "{s:s,s:[{s:s,s:s}]}", "experiment_id", "",
		    "tags", "key", "mlflow.runName", "value", "from-tag");
	run = json_object_get(r, "run");
	CHECK_STR_EQ(it_run_info_str(run, "experiment_id"), "0");
	CHECK_STR_EQ(it_run_info_str(run, "run_name"), "from-tag");
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(start_run_name_conflict_and_bad_experiment)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	const char *m = it_post_error(&s, API "/runs/create", 400, "INVALID_PARAMETER_VALUE",
				      "{s:s,s:s,s:[{s:s,s:s}]}", "experiment_id", "0", "run_name", "a",
				      "tags", "key", "mlflow.runName", "value", "b");
	CHECK_CONTAINS_CI(m, "name");
	it_post_error(&s, API "/runs/create", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s}", "experiment_id", "99999");
	/* Same name in both places is fine. */
	json_decref(it_post(&s, API "/runs/create", 200, "{s:s,s:s,s:[{s:s,s:s}]}", "experiment_id", "0",
			    "run_name", "same", "tags", "key", "mlflow.runName", "value", "same"));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_param_immutable)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	it_log_param(&s, run, "lr", "0.01");
	it_log_param(&s, run, "lr", "0.01");  /* same value again: no-op success */
	it_log_param(&s, run, "empty", "");
	const char *m = it_post_error(&s, API "/runs/log-parameter", 400, "INVALID_PARAMETER_VALUE",
				      "{s:s,s:s,s:s}", "run_id", run, "key", "lr", "value", "0.02");
	CHECK_STR_CONTAINS(m, "lr");
	json_t *got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_param(got, "lr"), "0.01");
	CHECK_STR_EQ(it_run_param(got, "empty"), "");
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "params"), 2);
	json_decref(got);
	/* A missing value counts as "". */
	json_decref(it_post(&s, API "/runs/log-parameter", 200, "{s:s,s:s}", "run_id", run, "key", "novalue"));
	got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_param(got, "novalue"), "");
	json_decref(got);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_param_long_value_truncated)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	char *v = malloc(7001);
	memset(v, 'p', 7000);
	v[7000] = 0;
	it_log_param(&s, run, "long", v);
	/* Tag values are truncated at 8000. */
	char *t = malloc(9001);
	memset(t, 't', 9000);
	t[9000] = 0;
	it_set_tag(&s, run, "longtag", t);
	/* Limits count characters (code points), not bytes: 6000 'é' (12000 bytes) stay whole,
	 * 6001 are cut to 6000 characters, never in the middle of one. */
	char *u = malloc(2 * 6001 + 1);
	for (int i = 0; i < 6001; i++)
		memcpy(u + 2 * i, "\xc3\xa9", 2);
	u[2 * 6001] = 0;
	it_log_param(&s, run, "u6001", u);
	u[2 * 6000] = 0;
	it_log_param(&s, run, "u6000", u);
	json_t *got = it_get_run(&s, run);
	CHECK_INT_EQ(strlen(it_run_param(got, "long")), 6000);
	CHECK_INT_EQ(strlen(it_run_tag(got, "longtag")), 8000);
	CHECK_INT_EQ(strlen(it_run_param(got, "u6000")), 12000);
	CHECK_INT_EQ(strlen(it_run_param(got, "u6001")), 12000);
	CHECK_STR_EQ(it_run_param(got, "u6001"), u);
	json_decref(got);
	free(u);
	free(v);
	free(t);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(key_validation)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	static const char *const bad[] = { "../up", "/abs", "a//b", "a/./b", "trail/", ".", "bad*char", "q?" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *m = it_post_error(&s, API "/runs/log-metric", 400, "INVALID_PARAMETER_VALUE",
					      "{s:s,s:s,s:f,s:I}", "run_id", run, "key", bad[i], "value", 1.0,
					      "timestamp", (json_int_t)1);
		CHECK_STR_CONTAINS(m, bad[i]);
		it_post_error(&s, API "/runs/log-parameter", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:s}",
			      "run_id", run, "key", bad[i], "value", "v");
		it_post_error(&s, API "/runs/set-tag", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:s}",
			      "run_id", run, "key", bad[i], "value", "v");
	}
	/* Allowed: letters, digits, _ - . space / : ; \\w is Unicode-aware. */
	it_log_metric(&s, run, "ok key/with-all_the.allowed: chars", 1, 1, 0);
	it_log_metric(&s, run, "pr\xc3\xa9" "cision_\xe7\xb2\xbe\xe5\xba\xa6", 1, 1, 0);
	char key[300];
	memset(key, 'k', 251);
	key[251] = 0;
	it_post_error(&s, API "/runs/log-metric", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:f,s:I}", "run_id", run,
		      "key", key, "value", 1.0, "timestamp", (json_int_t)1);
	key[250] = 0;
	it_log_metric(&s, run, key, 1, 1, 0);
	json_t *got = it_get_run(&s, run);
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "metrics"), 3);
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "params"), 0);
	json_decref(got);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_metric_latest_value_and_history)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	it_log_metric(&s, run, "loss", 0.9, 1000, 0);
	it_log_metric(&s, run, "loss", 0.5, 3000, 2);
	it_log_metric(&s, run, "loss", 0.7, 2000, 1);
	it_log_metric(&s, run, "loss", 0.6, 4000, 2);   /* same step, later: wins */
	it_log_metric(&s, run, "loss", 0.1, 9000, -1);  /* negative step is allowed; lower step loses */
	json_t *got = it_get_run(&s, run);
	json_t *m = it_run_metric(got, "loss");
	CHECK(m != NULL);
	CHECK(fabs(it_num(json_object_get(m, "value"), "value") - 0.6) < 1e-12);
	CHECK_INT_EQ(json_integer_value(json_object_get(m, "step")), 2);
	CHECK_INT_EQ(json_integer_value(json_object_get(m, "timestamp")), 4000);
	json_decref(got);
	json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&run_uuid=%s&metric_key=loss&max_results=25000",
			   run, run);
	json_t *pts = json_object_get(h, "metrics");
	CHECK_INT_EQ(json_array_size(pts), 5);
	/* Ordered by (timestamp, step, value). */
	long long prev = -1;
	size_t i;
	json_t *p;
	json_array_foreach(pts, i, p) {
		long long ts = json_integer_value(json_object_get(p, "timestamp"));
		CHECK(ts >= prev);
		prev = ts;
		CHECK_STR_EQ(json_string_value(json_object_get(p, "key")), "loss");
		CHECK(json_is_integer(json_object_get(p, "step")));
	}
	json_decref(h);
	/* An unknown key has no history; an unknown run is 404 (cairn follows the file store). */
	h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=nope", run);
	CHECK_INT_EQ(it_array_size(h, "metrics"), 0);
	json_decref(h);
	tu_expect_error(&s, "GET", API "/metrics/get-history?run_id=0123456789abcdef0123456789abcdef&metric_key=loss",
			NULL, 404, "RESOURCE_DOES_NOT_EXIST");
	const char *msg = tu_expect_error(&s, "GET", API "/metrics/get-history?run_id=0123456789abcdef0123456789abcdef",
					  NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(msg, "metric_key");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_metric_nan_and_infinity)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	json_decref(it_post(&s, API "/runs/log-metric", 200, "{s:s,s:s,s:s,s:I,s:I}", "run_id", run, "key", "n",
			    "value", "NaN", "timestamp", (json_int_t)1, "step", (json_int_t)0));
	json_decref(it_post(&s, API "/runs/log-metric", 200, "{s:s,s:s,s:s,s:I}", "run_id", run, "key", "pinf",
			    "value", "Infinity", "timestamp", (json_int_t)1));
	json_decref(it_post(&s, API "/runs/log-metric", 200, "{s:s,s:s,s:s,s:I}", "run_id", run, "key", "ninf",
			    "value", "-Infinity", "timestamp", (json_int_t)1));
	json_decref(it_post(&s, API "/runs/log-metric", 200, "{s:s,s:s,s:s,s:I}", "run_id", run, "key", "str",
			    "value", "1.5", "timestamp", (json_int_t)1));
	json_t *got = it_get_run(&s, run);
	CHECK_STR_EQ(json_string_value(json_object_get(it_run_metric(got, "n"), "value")), "NaN");
	json_t *pv = json_object_get(it_run_metric(got, "pinf"), "value");
	CHECK((json_is_string(pv) && strcmp(json_string_value(pv), "Infinity") == 0) ||
	      (json_is_real(pv) && json_real_value(pv) > 1e308));
	json_t *nv = json_object_get(it_run_metric(got, "ninf"), "value");
	CHECK((json_is_string(nv) && strcmp(json_string_value(nv), "-Infinity") == 0) ||
	      (json_is_real(nv) && json_real_value(nv) < -1e308));
	CHECK(fabs(it_num(json_object_get(it_run_metric(got, "str"), "value"), "str") - 1.5) < 1e-12);
	json_decref(got);
	/* A bare NaN token is not JSON; a bool is not a number. */
	char body[256];
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"b\",\"value\":true,\"timestamp\":1}", run);
	const char *m = tu_expect_error(&s, "POST", API "/runs/log-metric", body, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "value");
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"b\",\"value\":\"abc\",\"timestamp\":1}", run);
	m = tu_expect_error(&s, "POST", API "/runs/log-metric", body, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "value");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_metric_duplicate_point_ignored_and_timestamp_rules)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	it_log_metric(&s, run, "m", 1.0, 100, 1);
	it_log_metric(&s, run, "m", 1.0, 100, 1);
	it_log_metric(&s, run, "m", 2.0, 100, 1);
	json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=m", run);
	CHECK_INT_EQ(it_array_size(h, "metrics"), 2);
	json_decref(h);
	const char *m = it_post_error(&s, API "/runs/log-metric", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:f,s:I}",
				      "run_id", run, "key", "m", "value", 1.0, "timestamp", (json_int_t)-5);
	CHECK_STR_CONTAINS(m, "timestamp");
	m = it_post_error(&s, API "/runs/log-metric", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:f}",
			  "run_id", run, "key", "m", "value", 1.0);
	CHECK_STR_CONTAINS(m, "timestamp");
	m = it_post_error(&s, API "/runs/log-metric", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:f,s:s}",
			  "run_id", run, "key", "m", "value", 1.0, "timestamp", "yesterday");
	CHECK_STR_CONTAINS(m, "timestamp");
	m = it_post_error(&s, API "/runs/log-metric", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:f,s:I,s:s}",
			  "run_id", run, "key", "m", "value", 1.0, "timestamp", (json_int_t)5, "step", "x");
	CHECK_STR_CONTAINS(m, "step");
	/* int64 fields may come as decimal strings (protobuf JSON). */
	json_decref(it_post(&s, API "/runs/log-metric", 200, "{s:s,s:s,s:f,s:s,s:s}", "run_id", run, "key", "m",
			    "value", 3.0, "timestamp", "200", "step", "7"));
	json_t *got = it_get_run(&s, run);
	CHECK_INT_EQ(json_integer_value(json_object_get(it_run_metric(got, "m"), "step")), 7);
	json_decref(got);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(set_tag_upsert_delete_and_rename)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", "orig", run);
	it_set_tag(&s, run, "k", "1");
	it_set_tag(&s, run, "k", "2");
	json_t *got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_tag(got, "k"), "2");
	json_decref(got);
	json_decref(it_post(&s, API "/runs/delete-tag", 200, "{s:s,s:s}", "run_id", run, "key", "k"));
	got = it_get_run(&s, run);
	CHECK(it_run_tag(got, "k") == NULL);
	json_decref(got);
	it_post_error(&s, API "/runs/delete-tag", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s,s:s}", "run_id", run, "key", "k");
	/* Setting mlflow.runName renames the run. */
	it_set_tag(&s, run, "mlflow.runName", "renamed");
	got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_info_str(got, "run_name"), "renamed");
	json_decref(got);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_batch_all_kinds)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	json_decref(it_post(&s, API "/runs/log-batch", 200,
			    "{s:s,s:[{s:s,s:f,s:I,s:I},{s:s,s:f,s:I,s:I},{s:s,s:f,s:I}],s:[{s:s,s:s},{s:s,s:s}],"
			    "s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}",
			    "run_id", run,
			    "metrics", "key", "acc", "value", 0.5, "timestamp", (json_int_t)10, "step", (json_int_t)0,
			    "key", "acc", "value", 0.8, "timestamp", (json_int_t)20, "step", (json_int_t)1,
			    "key", "f1", "value", 0.3, "timestamp", (json_int_t)20,
			    "params", "key", "depth", "value", "3", "key", "lr", "value", "0.1",
			    "tags", "key", "t", "value", "first", "key", "t", "value", "last", "key", "u", "value", "x"));
	json_t *got = it_get_run(&s, run);
	CHECK(fabs(it_num(json_object_get(it_run_metric(got, "acc"), "value"), "acc") - 0.8) < 1e-12);
	CHECK(it_run_metric(got, "f1") != NULL);
	CHECK_INT_EQ(json_integer_value(json_object_get(it_run_metric(got, "f1"), "step")), 0);
	CHECK_STR_EQ(it_run_param(got, "depth"), "3");
	CHECK_STR_EQ(it_run_param(got, "lr"), "0.1");
	CHECK_STR_EQ(it_run_tag(got, "t"), "last");   /* the last of equal keys wins */
	CHECK_STR_EQ(it_run_tag(got, "u"), "x");
	json_decref(got);
	json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=acc", run);
	CHECK_INT_EQ(it_array_size(h, "metrics"), 2);
	json_decref(h);
	/* An empty batch is fine. */
	json_decref(it_post(&s, API "/runs/log-batch", 200, "{s:s}", "run_id", run));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* A json array of n items {key: "<prefix><i>", value: ...}. */
static json_t *many(const char *prefix, int n, int metric)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++) {
		char k[64];
		snprintf(k, sizeof k, "%s%d", prefix, i);
		if (metric)
			json_array_append_new(a, json_pack("{s:s,s:f,s:I,s:I}", "key", k, "value", (double)i,
							   "timestamp", (json_int_t)1, "step", (json_int_t)0));
		else
			json_array_append_new(a, json_pack("{s:s,s:s}", "key", k, "value", "v"));
	}
	return a;
}

static void post_batch_expect(const struct tu_server *s, const char *run, json_t *metrics, json_t *params,
			      json_t *tags, long status, const char *field)
{
	json_t *b = json_pack("{s:s}", "run_id", run);
	if (metrics)
		json_object_set_new(b, "metrics", metrics);
	if (params)
		json_object_set_new(b, "params", params);
	if (tags)
		json_object_set_new(b, "tags", tags);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	if (status == 200) {
		json_decref(tu_call_json(s, "POST", API "/runs/log-batch", text, 200));
	} else {
		const char *m = tu_expect_error(s, "POST", API "/runs/log-batch", text, status, "INVALID_PARAMETER_VALUE");
		if (field)
			CHECK_CONTAINS_CI(m, field);
	}
	free(text);
}

TEST(log_batch_limits)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	post_batch_expect(&s, run, many("m", 1001, 1), NULL, NULL, 400, "metrics");
	post_batch_expect(&s, run, NULL, many("p", 101, 0), NULL, 400, "params");
	post_batch_expect(&s, run, NULL, NULL, many("t", 101, 0), 400, "tags");
	post_batch_expect(&s, run, many("m", 950, 1), many("p", 50, 0), many("t", 1, 0), 400, NULL);
	json_t *got = it_get_run(&s, run);
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "metrics"), 0);
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "params"), 0);
	json_decref(got);
	/* At the limits it works. */
	post_batch_expect(&s, run, many("m", 900, 1), many("p", 100, 0), NULL, 200, NULL);
	got = it_get_run(&s, run);
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "metrics"), 900);
	CHECK_INT_EQ(it_array_size(json_object_get(got, "data"), "params"), 100);
	json_decref(got);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* cairn applies a batch in one transaction: one bad item and nothing is written. */
TEST(log_batch_is_atomic)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	it_log_param(&s, run, "fixed", "1");
	/* A bad metric key after good params and tags. */
	post_batch_expect(&s, run, json_pack("[{s:s,s:f,s:I},{s:s,s:f,s:I}]", "key", "good", "value", 1.0,
					    "timestamp", (json_int_t)1, "key", "../bad", "value", 1.0,
					    "timestamp", (json_int_t)1),
			  json_pack("[{s:s,s:s}]", "key", "newparam", "value", "x"),
			  json_pack("[{s:s,s:s}]", "key", "newtag", "value", "x"), 400, "bad");
	/* A param conflicting with the stored value. */
	post_batch_expect(&s, run, json_pack("[{s:s,s:f,s:I}]", "key", "good", "value", 1.0, "timestamp", (json_int_t)1),
			  json_pack("[{s:s,s:s}]", "key", "fixed", "value", "2"), NULL, 400, "fixed");
	/* The same param key twice in one request. */
	post_batch_expect(&s, run, NULL, json_pack("[{s:s,s:s},{s:s,s:s}]", "key", "twice", "value", "1",
						  "key", "twice", "value", "2"), NULL, 400, "twice");
	/* A metric without a timestamp. */
	post_batch_expect(&s, run, json_pack("[{s:s,s:f}]", "key", "nots", "value", 1.0), NULL, NULL, 400, "timestamp");
	json_t *got = it_get_run(&s, run);
	CHECK(it_run_metric(got, "good") == NULL);
	CHECK(it_run_param(got, "newparam") == NULL);
	CHECK(it_run_param(got, "twice") == NULL);
	CHECK(it_run_tag(got, "newtag") == NULL);
	CHECK_STR_EQ(it_run_param(got, "fixed"), "1");
	json_decref(got);
	/* Same value again is skipped, not an error. */
	post_batch_expect(&s, run, NULL, json_pack("[{s:s,s:s}]", "key", "fixed", "value", "1"), NULL, 200, NULL);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_batch_run_id_rules)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	const char *m = it_post_error(&s, API "/runs/log-batch", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "run_id", "!!bad id");
	CHECK_STR_CONTAINS(m, "!!bad id");
	it_post_error(&s, API "/runs/log-batch", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s}", "run_id",
		      "0123456789abcdef0123456789abcdef");
	m = it_post_error(&s, API "/runs/log-batch", 400, "INVALID_PARAMETER_VALUE", "{s:[]}", "metrics");
	CHECK_STR_CONTAINS(m, "run_id");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_inputs_datasets)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	const char *fmt = "{s:s,s:[{s:[{s:s,s:s}],s:{s:s,s:s,s:s,s:s,s:s}}]}";
	json_decref(it_post(&s, API "/runs/log-inputs", 200, fmt, "run_id", run, "datasets",
			    "tags", "key", "mlflow.data.context", "value", "training",
			    "dataset", "name", "iris", "digest", "abc123", "source_type", "local",
			    "source", "{\"uri\": \"/data/iris.csv\"}", "schema", "{\"mlflow_colspec\": []}"));
	/* Same dataset again (other tags): a no-op. */
	json_decref(it_post(&s, API "/runs/log-inputs", 200, fmt, "run_id", run, "datasets",
			    "tags", "key", "mlflow.data.context", "value", "eval",
			    "dataset", "name", "iris", "digest", "abc123", "source_type", "local",
			    "source", "{}", "schema", "{}"));
	json_t *got = it_get_run(&s, run);
	json_t *di = json_object_get(json_object_get(got, "inputs"), "dataset_inputs");
	CHECK_INT_EQ(json_array_size(di), 1);
	json_t *d = json_object_get(json_array_get(di, 0), "dataset");
	CHECK_STR_EQ(json_string_value(json_object_get(d, "name")), "iris");
	CHECK_STR_EQ(json_string_value(json_object_get(d, "digest")), "abc123");
	CHECK_STR_EQ(json_string_value(json_object_get(d, "source_type")), "local");
	CHECK_STR_EQ(json_string_value(json_object_get(d, "source")), "{\"uri\": \"/data/iris.csv\"}");
	json_t *tags = json_object_get(json_array_get(di, 0), "tags");
	CHECK_STR_EQ(json_string_value(json_object_get(it_find_key(tags, "mlflow.data.context"), "value")), "training");
	json_decref(got);
	/* Missing required dataset fields. */
	const char *m = it_post_error(&s, API "/runs/log-inputs", 400, "INVALID_PARAMETER_VALUE",
				      "{s:s,s:[{s:{s:s,s:s,s:s}}]}", "run_id", run, "datasets",
				      "dataset", "name", "x", "source_type", "local", "source", "{}");
	CHECK_STR_CONTAINS(m, "digest");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(log_model_history_tag)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	char model[1024];
	snprintf(model, sizeof model,
		 "{\"artifact_path\": \"model\", \"flavors\": {\"python_function\": {\"loader_module\": \"x\", "
		 "\"config\": {\"a\": 1}}}, \"utc_time_created\": \"2024-01-01 00:00:00.000000\", "
		 "\"run_id\": \"%s\", \"model_uuid\": \"u1\", \"signature\": {}}", run);
	json_decref(it_post(&s, API "/runs/log-model", 200, "{s:s,s:s}", "run_id", run, "model_json", model));
	json_decref(it_post(&s, API "/runs/log-model", 200, "{s:s,s:s}", "run_id", run, "model_json", model));
	json_t *got = it_get_run(&s, run);
	const char *hist = it_run_tag(got, "mlflow.log-model.history");
	CHECK(hist != NULL);
	json_t *h = json_loads(hist, 0, NULL);
	CHECK(json_is_array(h));
	CHECK_INT_EQ(json_array_size(h), 2);
	json_t *first = json_array_get(h, 0);
	CHECK_STR_EQ(json_string_value(json_object_get(first, "artifact_path")), "model");
	CHECK_STR_EQ(json_string_value(json_object_get(first, "run_id")), run);
	CHECK(json_object_get(json_object_get(json_object_get(first, "flavors"), "python_function"), "config") == NULL);
	json_decref(h);
	json_decref(got);
	it_post_error(&s, API "/runs/log-model", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}", "run_id", run,
		      "model_json", "{not json");
	const char *m = it_post_error(&s, API "/runs/log-model", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}",
				      "run_id", run, "model_json", "{\"artifact_path\": \"m\"}");
	CHECK(strstr(m, "flavors") || strstr(m, "utc_time_created") || strstr(m, "run_id"));
	m = it_post_error(&s, API "/runs/log-model", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "run_id", run);
	CHECK_STR_CONTAINS(m, "model_json");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* mlflow.end_run() and resuming a run. */
TEST(end_run_and_resume)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", "ending", run);
	long long end = it_now_ms();
	json_t *r = it_post(&s, API "/runs/update", 200, "{s:s,s:s,s:s,s:I}", "run_id", run, "run_uuid", run,
			    "status", "FINISHED", "end_time", (json_int_t)end);
	json_t *ri = json_object_get(r, "run_info");
	CHECK_STR_EQ(json_string_value(json_object_get(ri, "status")), "FINISHED");
	CHECK_INT_EQ(json_integer_value(json_object_get(ri, "end_time")), end);
	CHECK_STR_EQ(json_string_value(json_object_get(ri, "run_name")), "ending");
	json_decref(r);
	json_t *got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_info_str(got, "status"), "FINISHED");
	json_decref(got);
	/* Resume: status RUNNING, the end time left alone when absent. */
	r = it_post(&s, API "/runs/update", 200, "{s:s,s:s}", "run_id", run, "status", "RUNNING");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "run_info"), "status")), "RUNNING");
	json_decref(r);
	/* Rename through update also updates the tag; status by number works too. */
	json_decref(it_post(&s, API "/runs/update", 200, "{s:s,s:s,s:i}", "run_id", run, "run_name", "new-name",
			    "status", 4));
	got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_info_str(got, "run_name"), "new-name");
	CHECK_STR_EQ(it_run_tag(got, "mlflow.runName"), "new-name");
	CHECK_STR_EQ(it_run_info_str(got, "status"), "FAILED");
	json_decref(got);
	const char *m = it_post_error(&s, API "/runs/update", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}", "run_id", run,
				      "status", "DONE");
	CHECK_STR_CONTAINS(m, "status");
	it_post_error(&s, API "/runs/update", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s,s:s}", "run_id",
		      "0123456789abcdef0123456789abcdef", "status", "FINISHED");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(get_run_variants)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	json_t *r = it_get(&s, 200, API "/runs/get?run_uuid=%s", run);
	CHECK_STR_EQ(it_run_info_str(json_object_get(r, "run"), "run_id"), run);
	json_decref(r);
	const char *m = tu_expect_error(&s, "GET", API "/runs/get?run_id=0123456789abcdef0123456789abcdef", NULL, 404,
					"RESOURCE_DOES_NOT_EXIST");
	CHECK_STR_CONTAINS(m, "0123456789abcdef0123456789abcdef");
	m = tu_expect_error(&s, "GET", API "/runs/get", NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "run_id");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(delete_restore_run_and_writes_to_deleted)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	it_log_param(&s, run, "p", "1");
	json_decref(it_post(&s, API "/runs/delete", 200, "{s:s}", "run_id", run));
	json_decref(it_post(&s, API "/runs/delete", 200, "{s:s}", "run_id", run));  /* twice is fine */
	json_t *got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_info_str(got, "lifecycle_stage"), "deleted");
	json_decref(got);
	const char *m;
	m = it_post_error(&s, API "/runs/log-metric", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:f,s:I}",
			  "run_id", run, "key", "m", "value", 1.0, "timestamp", (json_int_t)1);
	CHECK_STR_CONTAINS(m, "active");
	it_post_error(&s, API "/runs/log-parameter", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:s}",
		      "run_id", run, "key", "q", "value", "1");
	it_post_error(&s, API "/runs/set-tag", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s,s:s}",
		      "run_id", run, "key", "t", "value", "1");
	it_post_error(&s, API "/runs/log-batch", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:[{s:s,s:s}]}",
		      "run_id", run, "params", "key", "q", "value", "1");
	it_post_error(&s, API "/runs/update", 400, "INVALID_PARAMETER_VALUE", "{s:s,s:s}",
		      "run_id", run, "status", "FINISHED");
	it_post_error(&s, API "/runs/log-inputs", 400, "INVALID_PARAMETER_VALUE",
		      "{s:s,s:[{s:{s:s,s:s,s:s,s:s}}]}", "run_id", run, "datasets",
		      "dataset", "name", "x", "digest", "d", "source_type", "local", "source", "{}");
	json_decref(it_post(&s, API "/runs/restore", 200, "{s:s}", "run_id", run));
	it_log_param(&s, run, "q", "1");
	got = it_get_run(&s, run);
	CHECK_STR_EQ(it_run_info_str(got, "lifecycle_stage"), "active");
	CHECK_STR_EQ(it_run_param(got, "q"), "1");
	CHECK(it_run_param(got, "t") == NULL);
	CHECK_STR_EQ(it_run_info_str(got, "status"), "RUNNING");
	json_decref(got);
	it_post_error(&s, API "/runs/delete", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s}", "run_id",
		      "0123456789abcdef0123456789abcdef");
	it_post_error(&s, API "/runs/restore", 404, "RESOURCE_DOES_NOT_EXIST", "{s:s}", "run_id",
		      "0123456789abcdef0123456789abcdef");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(get_history_paging_follows_tokens)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	json_t *arr = json_array();
	for (int i = 0; i < 1000; i++)
		json_array_append_new(arr, json_pack("{s:s,s:f,s:I,s:I}", "key", "h", "value", (double)i,
						     "timestamp", (json_int_t)(1000 + i), "step", (json_int_t)i));
	json_t *b = json_pack("{s:s,s:o}", "run_id", run, "metrics", arr);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(tu_call_json(&s, "POST", API "/runs/log-batch", text, 200));
	free(text);
	json_decref(b);
	/* The client loop: follow next_page_token until it is absent or empty. */
	char token[1024] = "";
	size_t total = 0;
	long long prev_step = -1;
	for (int pages = 0; pages < 2000; pages++) {
		json_t *h = it_get(&s, 200, API "/metrics/get-history?run_id=%s&metric_key=h&max_results=300%s%s", run,
				   token[0] ? "&page_token=" : "", token[0] ? it_qs(token) : "");
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(h, "metrics"), i, p) {
			long long st = json_integer_value(json_object_get(p, "step"));
			CHECK(st == prev_step + 1);
			prev_step = st;
			total++;
		}
		const char *t = json_string_value(json_object_get(h, "next_page_token"));
		snprintf(token, sizeof token, "%s", t ? t : "");
		json_decref(h);
		if (!token[0])
			break;
	}
	CHECK_INT_EQ(total, 1000);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(history_bulk_interval)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char a[64], b[64];
	it_create_run(&s, "0", "a", a);
	it_create_run(&s, "0", "b", b);
	for (int i = 0; i < 10; i++) {
		it_log_metric(&s, a, "loss", 1.0 / (i + 1), 1000 + i, i);
		if (i % 2 == 0)
			it_log_metric(&s, b, "loss", 2.0 / (i + 1), 1000 + i, i);
	}
	json_t *r = it_get(&s, 200, API "/metrics/get-history-bulk-interval?run_ids=%s&run_ids=%s&metric_key=loss", a, b);
	json_t *m = json_object_get(r, "metrics");
	CHECK_INT_EQ(json_array_size(m), 15);
	size_t i, na = 0;
	json_t *p;
	json_array_foreach(m, i, p) {
		const char *rid = json_string_value(json_object_get(p, "run_id"));
		CHECK(rid && (strcmp(rid, a) == 0 || strcmp(rid, b) == 0));
		na += strcmp(rid, a) == 0;
		CHECK_STR_EQ(json_string_value(json_object_get(p, "key")), "loss");
	}
	CHECK_INT_EQ(na, 10);
	json_decref(r);
	r = it_get(&s, 200, API "/metrics/get-history-bulk-interval?run_ids=%s&metric_key=loss&start_step=2&end_step=4", a);
	m = json_object_get(r, "metrics");
	CHECK_INT_EQ(json_array_size(m), 3);
	long long prev = -1;
	json_array_foreach(m, i, p) {
		long long st = json_integer_value(json_object_get(p, "step"));
		CHECK(st >= 2 && st <= 4 && st > prev);
		prev = st;
	}
	json_decref(r);
	/* Sampling keeps the run's first and last step. */
	r = it_get(&s, 200, API "/metrics/get-history-bulk-interval?run_ids=%s&metric_key=loss&max_results=3", a);
	m = json_object_get(r, "metrics");
	CHECK(json_array_size(m) >= 3 && json_array_size(m) <= 5);
	int has0 = 0, has9 = 0;
	json_array_foreach(m, i, p) {
		long long st = json_integer_value(json_object_get(p, "step"));
		has0 |= st == 0;
		has9 |= st == 9;
	}
	CHECK(has0 && has9);
	json_decref(r);
	const char *msg;
	msg = tu_expect_error(&s, "GET", API "/metrics/get-history-bulk-interval?metric_key=loss", NULL, 400,
			      "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(msg, "run_id");
	char path[512];
	snprintf(path, sizeof path, API "/metrics/get-history-bulk-interval?run_ids=%s&metric_key=loss&start_step=2", a);
	tu_expect_error(&s, "GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
	snprintf(path, sizeof path, API "/metrics/get-history-bulk-interval?run_ids=%s&metric_key=loss&start_step=5&end_step=2", a);
	tu_expect_error(&s, "GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
	snprintf(path, sizeof path, API "/metrics/get-history-bulk-interval?run_ids=%s&metric_key=loss&max_results=2501", a);
	msg = tu_expect_error(&s, "GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(msg, "max_results");
	/* 101 run ids. */
	char *big = malloc(101 * 50 + 200);
	size_t n = (size_t)snprintf(big, 200, API "/metrics/get-history-bulk-interval?metric_key=loss");
	for (int k = 0; k < 101; k++)
		n += (size_t)snprintf(big + n, 50, "&run_ids=%032x", k);
	tu_expect_error(&s, "GET", big, NULL, 400, "INVALID_PARAMETER_VALUE");
	free(big);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* The web UI's prefix serves the same handlers. */
TEST(ajax_api_prefix)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_t *r = tu_call_json(&s, "POST", AJAX "/experiments/create", "{\"name\":\"via ajax\"}", 200);
	const char *id = json_string_value(json_object_get(r, "experiment_id"));
	CHECK(id != NULL);
	json_t *g = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(g, "experiment"), "name")), "via ajax");
	json_decref(g);
	g = it_get(&s, 200, AJAX "/experiments/get-by-name?experiment_name=via+ajax");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(g, "experiment"), "experiment_id")), id);
	json_decref(g);
	char body[128];
	snprintf(body, sizeof body, "{\"experiment_id\":\"%s\"}", id);
	json_t *run = tu_call_json(&s, "POST", AJAX "/runs/create", body, 200);
	const char *rid = it_run_info_str(json_object_get(run, "run"), "run_id");
	CHECK(rid != NULL);
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"k\",\"value\":\"v\"}", rid);
	json_decref(tu_call_json(&s, "POST", AJAX "/runs/log-parameter", body, 200));
	json_t *got = it_get_run(&s, rid);
	CHECK_STR_EQ(it_run_param(got, "k"), "v");
	json_decref(got);
	json_decref(run);
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* GET query strings as `requests` encodes them: '+' for space, %XX, repeated keys. */
TEST(get_query_param_encoding)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char id[64];
	it_create_experiment(&s, "a b+c&d=é", id);
	json_t *r = it_get(&s, 200, API "/experiments/get-by-name?experiment_name=%s", it_qs("a b+c&d=é"));
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "experiment_id")), id);
	json_decref(r);
	/* Unknown parameters are ignored; the first of repeated scalar keys wins. */
	r = it_get(&s, 200, API "/experiments/get?experiment_id=%s&experiment_id=0&unknown=1", id);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "experiment"), "experiment_id")), id);
	json_decref(r);
	/* experiments/search over GET with repeated order_by. */
	char id2[64];
	it_create_experiment(&s, "a b zzz", id2);
	r = it_get(&s, 200, API "/experiments/search?filter=%s&order_by=%s&order_by=%s&max_results=10",
		   it_qs("name LIKE 'a b%'"), it_qs("name DESC"), it_qs("experiment_id ASC"));
	json_t *ex = json_object_get(r, "experiments");
	CHECK_INT_EQ(json_array_size(ex), 2);
	/* Byte order: '+' (0x2b) sorts after ' ' (0x20), so DESC puts "a b+c..." first. */
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ex, 0), "name")), "a b+c&d=é");
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ex, 1), "name")), "a b zzz");
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* The UI's bulk history (ajax-api only, spec §3.5): runs sorted by id, each run's points in
 * (timestamp, step, value) order, run_id on every point, a cap on the total, errors. */
TEST(ajax_history_bulk)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char a[64], b[64];
	it_create_run(&s, "0", "a", a);
	it_create_run(&s, "0", "b", b);
	for (int i = 0; i < 6; i++) {
		it_log_metric(&s, a, "loss", 1.0 / (i + 1), 2000 - i, i);  /* timestamps descend */
		it_log_metric(&s, b, "loss", 2.0 / (i + 1), 3000 + i, i);
	}
	const char *first = strcmp(a, b) < 0 ? a : b, *second = first == a ? b : a;
	json_t *r = it_get(&s, 200, AJAX "/metrics/get-history-bulk?run_id=%s&run_id=%s&run_id=%s"
			   "&metric_key=loss", second, first, second);
	json_t *m = json_object_get(r, "metrics");
	CHECK_INT_EQ(json_array_size(m), 12);  /* the repeated run id counts once */
	size_t i;
	json_t *p;
	long long prev_ts = -1;
	json_array_foreach(m, i, p) {
		const char *rid = json_string_value(json_object_get(p, "run_id"));
		CHECK_STR_EQ(rid, i < 6 ? first : second);
		CHECK_STR_EQ(json_string_value(json_object_get(p, "key")), "loss");
		long long ts = json_integer_value(json_object_get(p, "timestamp"));
		if (i != 6)
			CHECK(ts > prev_ts);  /* ascending timestamps within each run */
		prev_ts = ts;
	}
	json_decref(r);
	r = it_get(&s, 200, AJAX "/metrics/get-history-bulk?run_id=%s&run_id=%s&metric_key=loss"
		   "&max_results=8", a, b);
	CHECK_INT_EQ(json_array_size(json_object_get(r, "metrics")), 8);
	json_decref(r);
	/* An unknown metric key is an empty answer, {}. */
	r = it_get(&s, 200, AJAX "/metrics/get-history-bulk?run_id=%s&metric_key=nope", a);
	CHECK(json_object_get(r, "metrics") == NULL);
	json_decref(r);
	tu_expect_error(&s, "GET", AJAX "/metrics/get-history-bulk?metric_key=loss", NULL, 400,
			"INVALID_PARAMETER_VALUE");
	char path[256];
	snprintf(path, sizeof path, AJAX "/metrics/get-history-bulk?run_id=%s", a);
	tu_expect_error(&s, "GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
	/* Only the UI's prefix serves it, as in MLflow. */
	snprintf(path, sizeof path, API "/metrics/get-history-bulk?run_id=%s&metric_key=loss", a);
	tu_expect_error(&s, "GET", path, NULL, 404, "ENDPOINT_NOT_FOUND");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST_MAIN(set_experiment_flow, default_experiment_exists, create_experiment_with_tags_and_location,
	  create_experiment_bad_artifact_location, duplicate_experiment_name_even_deleted,
	  experiment_name_limits, experiment_rename, experiment_delete_restore_cascades_to_runs,
	  experiment_delete_restore_wrong_state, experiment_get_unknown, set_experiment_tag,
	  start_run_with_client_tags, start_run_generated_name_and_defaults,
	  start_run_name_conflict_and_bad_experiment, log_param_immutable, log_param_long_value_truncated,
	  key_validation, log_metric_latest_value_and_history, log_metric_nan_and_infinity,
	  log_metric_duplicate_point_ignored_and_timestamp_rules, set_tag_upsert_delete_and_rename,
	  log_batch_all_kinds, log_batch_limits, log_batch_is_atomic, log_batch_run_id_rules,
	  log_inputs_datasets, log_model_history_tag, end_run_and_resume, get_run_variants,
	  delete_restore_run_and_writes_to_deleted, get_history_paging_follows_tokens,
	  history_bulk_interval, ajax_history_bulk, ajax_api_prefix, get_query_param_encoding)
