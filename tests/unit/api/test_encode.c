/* MLflow's JSON encoding of store entities (spec §1.3, §2), from hand-built structs. */
#include "api/api_internal.h"
#include "../../harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Compact dump of a value we own (the reference is dropped). */
static char *dump(json_t *v)
{
	CHECK(v != NULL);
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	CHECK(s != NULL);
	return s;
}

TEST(experiment_full_and_minimal)
{
	struct store_tag tags[] = { { "team", "ml" } };
	struct store_experiment e = {
		.experiment_id = "3", .name = "exp", .artifact_location = "mlflow-artifacts:/3",
		.lifecycle_stage = "active", .creation_time = 1700000000000LL,
		.last_update_time = 1700000000001LL, .tags = tags, .ntags = 1,
	};
	char *s = dump(api_json_experiment(&e));
	CHECK_STR_EQ(s, "{\"experiment_id\":\"3\",\"name\":\"exp\",\"artifact_location\":\"mlflow-artifacts:/3\","
		     "\"lifecycle_stage\":\"active\",\"last_update_time\":1700000000001,"
		     "\"creation_time\":1700000000000,\"tags\":[{\"key\":\"team\",\"value\":\"ml\"}]}");
	free(s);
	/* unset times and no tags are omitted, never null */
	struct store_experiment m = { .experiment_id = "0", .name = "Default",
				      .artifact_location = "x", .lifecycle_stage = "deleted" };
	s = dump(api_json_experiment(&m));
	CHECK_STR_EQ(s, "{\"experiment_id\":\"0\",\"name\":\"Default\",\"artifact_location\":\"x\","
		     "\"lifecycle_stage\":\"deleted\"}");
	free(s);
}

TEST(run_info_end_time_only_when_set)
{
	struct store_run_info info = {
		.run_id = "0123456789abcdef0123456789abcdef", .run_name = "bold-fox-1",
		.experiment_id = "1", .user_id = "alice", .status = STORE_RUN_RUNNING,
		.start_time = 5, .artifact_uri = "mlflow-artifacts:/1/r/artifacts",
		.lifecycle_stage = "active",
	};
	char *s = dump(api_json_run_info(&info));
	CHECK_STR_EQ(s, "{\"run_id\":\"0123456789abcdef0123456789abcdef\","
		     "\"run_uuid\":\"0123456789abcdef0123456789abcdef\",\"run_name\":\"bold-fox-1\","
		     "\"experiment_id\":\"1\",\"user_id\":\"alice\",\"status\":\"RUNNING\",\"start_time\":5,"
		     "\"artifact_uri\":\"mlflow-artifacts:/1/r/artifacts\",\"lifecycle_stage\":\"active\"}");
	free(s);
	info.status = STORE_RUN_KILLED;
	info.has_end_time = 1;
	info.end_time = 9;
	json_t *v = api_json_run_info(&info);
	CHECK_STR_EQ(json_string_value(json_object_get(v, "status")), "KILLED");
	CHECK_INT_EQ(json_integer_value(json_object_get(v, "end_time")), 9);
	CHECK(json_is_integer(json_object_get(v, "start_time")));
	json_decref(v);
}

TEST(run_empty_data_and_inputs_are_objects)
{
	struct store_run run;
	memset(&run, 0, sizeof run);
	run.info.run_id = "r";
	run.info.experiment_id = "0";
	run.info.status = STORE_RUN_FINISHED;
	run.info.lifecycle_stage = "active";
	json_t *v = api_json_run(&run);
	CHECK(v != NULL);
	json_t *data = json_object_get(v, "data");
	json_t *inputs = json_object_get(v, "inputs");
	CHECK(json_is_object(data) && json_object_size(data) == 0);
	CHECK(json_is_object(inputs) && json_object_size(inputs) == 0);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(v, "info"), "status")), "FINISHED");
	json_decref(v);
}

TEST(run_with_data_and_inputs)
{
	struct store_metric metrics[] = {
		{ .key = "loss", .value = 0.5, .timestamp = 10, .step = 2 },
		{ .key = "nan", .value = NAN, .timestamp = 11, .step = 0 },
		{ .key = "inf", .value = INFINITY, .timestamp = 12, .step = -1 },
		{ .key = "ninf", .value = -INFINITY, .timestamp = 13, .step = 0 },
	};
	struct store_tag params[] = { { "lr", "0.1" } };
	struct store_tag tags[] = { { "mlflow.runName", "x" }, { "t", "" } };
	struct store_tag itags[] = { { "mlflow.data.context", "training" } };
	struct store_dataset_input inputs[] = {
		{ .dataset = { "ds", "abc123", "local", "{\"uri\":\"x\"}", "{}", NULL },
		  .tags = itags, .ntags = 1 },
		{ .dataset = { "ds2", "d2", "s3", "src", NULL, NULL } },
	};
	struct store_run run;
	memset(&run, 0, sizeof run);
	run.info.run_id = "r";
	run.info.experiment_id = "0";
	run.info.status = STORE_RUN_RUNNING;
	run.metrics = metrics;
	run.nmetrics = 4;
	run.params = params;
	run.nparams = 1;
	run.tags = tags;
	run.ntags = 2;
	run.inputs = inputs;
	run.ninputs = 2;
	json_t *v = api_json_run(&run);
	CHECK(v != NULL);
	json_t *data = json_object_get(v, "data");
	json_t *ms = json_object_get(data, "metrics");
	CHECK_INT_EQ(json_array_size(ms), 4);
	char *s = dump(json_incref(json_array_get(ms, 0)));
	CHECK_STR_EQ(s, "{\"key\":\"loss\",\"value\":0.5,\"timestamp\":10,\"step\":2}");
	free(s);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ms, 1), "value")), "NaN");
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ms, 2), "value")), "Infinity");
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ms, 3), "value")), "-Infinity");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(ms, 2), "step")), -1);
	CHECK(json_object_get(json_array_get(ms, 0), "run_id") == NULL);
	s = dump(json_incref(json_object_get(data, "params")));
	CHECK_STR_EQ(s, "[{\"key\":\"lr\",\"value\":\"0.1\"}]");
	free(s);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(json_object_get(data, "tags"), 1), "value")), "");
	json_t *di = json_object_get(json_object_get(v, "inputs"), "dataset_inputs");
	CHECK_INT_EQ(json_array_size(di), 2);
	s = dump(json_incref(json_array_get(di, 0)));
	CHECK_STR_EQ(s, "{\"tags\":[{\"key\":\"mlflow.data.context\",\"value\":\"training\"}],"
		     "\"dataset\":{\"name\":\"ds\",\"digest\":\"abc123\",\"source_type\":\"local\","
		     "\"source\":\"{\\\"uri\\\":\\\"x\\\"}\",\"schema\":\"{}\"}}");
	free(s);
	s = dump(json_incref(json_array_get(di, 1)));
	CHECK_STR_EQ(s, "{\"dataset\":{\"name\":\"ds2\",\"digest\":\"d2\",\"source_type\":\"s3\",\"source\":\"src\"}}");
	free(s);
	json_decref(v);
}

TEST(metric_with_run_id)
{
	struct store_metric m = { .key = "k", .value = 2, .timestamp = 1, .step = 0, .run_id = "abc" };
	char *s = dump(api_json_metric(&m, 1));
	CHECK_STR_EQ(s, "{\"key\":\"k\",\"value\":2.0,\"timestamp\":1,\"step\":0,\"run_id\":\"abc\"}");
	free(s);
}

TEST(file_info_is_dir_always_present)
{
	struct artifact_file_info f = { "model/MLmodel", 0, 123 };
	char *s = dump(api_json_file_info(&f));
	CHECK_STR_EQ(s, "{\"path\":\"model/MLmodel\",\"is_dir\":false,\"file_size\":123}");
	free(s);
	struct artifact_file_info d = { "model", 1, -1 };
	s = dump(api_json_file_info(&d));
	CHECK_STR_EQ(s, "{\"path\":\"model\",\"is_dir\":true}");
	free(s);
	struct artifact_file_info z = { "empty.txt", 0, 0 };
	s = dump(api_json_file_info(&z));
	CHECK_STR_EQ(s, "{\"path\":\"empty.txt\",\"is_dir\":false,\"file_size\":0}");
	free(s);
}

TEST(json_str_repairs_invalid_utf8)
{
	json_t *v = api_json_str("a\xff" "b");
	CHECK(v != NULL);
	CHECK_STR_EQ(json_string_value(v), "a\xef\xbf\xbd" "b");
	json_decref(v);
	v = api_json_str(NULL);
	CHECK_STR_EQ(json_string_value(v), "");
	json_decref(v);
	v = api_json_str("caf\xc3\xa9");
	CHECK_STR_EQ(json_string_value(v), "caf\xc3\xa9");
	json_decref(v);
}

TEST(encoders_survive_allocation_failure)
{
	struct store_tag tags[] = { { "a", "b" }, { "c", "d" } };
	struct store_metric metrics[] = { { .key = "loss", .value = 1, .timestamp = 1 } };
	struct store_run run;
	memset(&run, 0, sizeof run);
	run.info.run_id = "r";
	run.tags = tags;
	run.ntags = 2;
	run.metrics = metrics;
	run.nmetrics = 1;
	/* Route jansson through cairn_* (this test process only) and fail each allocation in
	 * turn: the encoder must return NULL cleanly or a complete value, never crash or leak. */
	json_set_alloc_funcs(cairn_malloc, cairn_free);
	int failures = 0, successes = 0;
	for (long n = 1; n < 200; n++) {
		cairn_alloc_fail_after(n);
		json_t *v = api_json_run(&run);
		cairn_alloc_fail_after(0);
		if (v) {
			successes++;
			json_t *ts = json_object_get(json_object_get(v, "data"), "tags");
			CHECK_INT_EQ(json_array_size(ts), 2);
			json_decref(v);
		} else {
			failures++;
		}
	}
	CHECK(failures > 10);
	CHECK(successes > 0);
}

TEST_MAIN(experiment_full_and_minimal, run_info_end_time_only_when_set,
	  run_empty_data_and_inputs_are_objects, run_with_data_and_inputs, metric_with_run_id,
	  file_info_is_dir_always_present, json_str_repairs_invalid_utf8,
	  encoders_survive_allocation_failure)
