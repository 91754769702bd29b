/* The REST access's pure parts: MLflow JSON → store structs, error-code mapping, URL checks. */
#include "../../harness.h"
#include "promote/promote.h"

#include <math.h>
#include <string.h>

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	CHECK_MSG(v != NULL, "bad test JSON: %s", je.text);
	return v;
}

TEST(model_version_parses_every_field)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = { 0 };
	json_t *v = load("{\"name\":\"m\",\"version\":\"7\",\"creation_timestamp\":11,"
			 "\"last_updated_timestamp\":\"12\",\"user_id\":\"u\",\"current_stage\":\"Staging\","
			 "\"description\":\"d\",\"source\":\"s3://b\",\"run_id\":\"r\",\"status\":\"READY\","
			 "\"tags\":[{\"key\":\"k\",\"value\":\"v\"},{\"key\":\"e\"}],"
			 "\"aliases\":[\"a\",\"b\"]}");
	struct store_model_version mv;
	CHECK_INT_EQ(promote_rest_parse_model_version(v, &a, &mv, &err), 0);
	json_decref(v);  /* everything must live in the arena */
	CHECK_STR_EQ(mv.name, "m");
	CHECK_STR_EQ(mv.version, "7");
	CHECK_INT_EQ(mv.version_number, 7);
	CHECK_INT_EQ(mv.creation_timestamp, 11);
	CHECK_INT_EQ(mv.last_updated_timestamp, 12);
	CHECK_STR_EQ(mv.current_stage, "Staging");
	CHECK_STR_EQ(mv.description, "d");
	CHECK_STR_EQ(mv.run_id, "r");
	CHECK(mv.run_link == NULL);
	CHECK_INT_EQ(mv.ntags, 2);
	CHECK_STR_EQ(mv.tags[1].key, "e");
	CHECK_STR_EQ(mv.tags[1].value, "");
	CHECK_INT_EQ(mv.naliases, 2);
	CHECK_STR_EQ(mv.aliases[1], "b");
	/* an integer version (older servers) and defaults for absent fields */
	v = load("{\"name\":\"m\",\"version\":3}");
	CHECK_INT_EQ(promote_rest_parse_model_version(v, &a, &mv, &err), 0);
	json_decref(v);
	CHECK_STR_EQ(mv.version, "3");
	CHECK_STR_EQ(mv.current_stage, "None");
	CHECK_STR_EQ(mv.status, "READY");
	CHECK_INT_EQ(mv.ntags, 0);
	arena_release(&a);
}

TEST(model_version_rejects_bad_shapes)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = { 0 };
	struct store_model_version mv;
	const char *bad[] = {
		"{\"version\":\"1\"}",
		"{\"name\":\"m\",\"version\":\"x\"}",
		"{\"name\":\"m\",\"version\":\"1\",\"tags\":{}}",
		"{\"name\":\"m\",\"version\":\"1\",\"aliases\":[1]}",
		"{\"name\":\"m\",\"version\":\"1\",\"creation_timestamp\":\"soon\"}",
		"{\"name\":[],\"version\":\"1\"}",
		"[]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *v = load(bad[i]);
		CHECK_MSG(promote_rest_parse_model_version(v, &a, &mv, &err) == CAIRN_EINVAL, "%s", bad[i]);
		CHECK(strlen(err.msg) > 0);
		json_decref(v);
	}
	CHECK_INT_EQ(promote_rest_parse_model_version(NULL, &a, &mv, &err), CAIRN_EINVAL);
	arena_release(&a);
}

TEST(registered_model_with_latest_and_aliases)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = { 0 };
	json_t *v = load("{\"name\":\"churn\",\"creation_timestamp\":1,\"last_updated_timestamp\":2,"
			 "\"latest_versions\":[{\"name\":\"churn\",\"version\":\"2\"}],"
			 "\"aliases\":[{\"alias\":\"production\",\"version\":\"2\"}]}");
	struct store_registered_model m;
	CHECK_INT_EQ(promote_rest_parse_registered_model(v, &a, &m, &err), 0);
	json_decref(v);
	CHECK_STR_EQ(m.name, "churn");
	CHECK_INT_EQ(m.nlatest, 1);
	CHECK_STR_EQ(m.latest_versions[0].version, "2");
	CHECK_INT_EQ(m.naliases, 1);
	CHECK_STR_EQ(m.aliases[0].alias, "production");
	CHECK(m.description == NULL);
	v = load("{\"name\":\"churn\",\"aliases\":[{\"alias\":\"x\"}]}");
	CHECK_INT_EQ(promote_rest_parse_registered_model(v, &a, &m, &err), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "version");
	json_decref(v);
	arena_release(&a);
}

TEST(history_events_both_kinds)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = { 0 };
	struct store_registry_event e;
	json_t *v = load("{\"id\":4,\"name\":\"m\",\"version\":\"3\",\"kind\":\"stage\",\"from_stage\":"
			 "\"None\",\"to_stage\":\"Production\",\"timestamp\":9,\"user\":\"ci\",\"reason\":\"r\"}");
	CHECK_INT_EQ(promote_rest_parse_event(v, &a, &e, &err), 0);
	json_decref(v);
	CHECK_INT_EQ(e.id, 4);
	CHECK_STR_EQ(e.from_value, "None");
	CHECK_STR_EQ(e.to_value, "Production");
	CHECK(e.alias == NULL);
	v = load("{\"id\":5,\"version\":\"3\",\"kind\":\"alias\",\"alias\":\"prod\",\"from_version\":\"\","
		 "\"to_version\":\"3\",\"timestamp\":9}");
	CHECK_INT_EQ(promote_rest_parse_event(v, &a, &e, &err), 0);
	json_decref(v);
	CHECK_STR_EQ(e.alias, "prod");
	CHECK_STR_EQ(e.from_value, "");
	CHECK_STR_EQ(e.to_value, "3");
	CHECK_STR_EQ(e.user, "");
	v = load("{\"id\":5}");
	CHECK_INT_EQ(promote_rest_parse_event(v, &a, &e, &err), CAIRN_EINVAL);
	json_decref(v);
	arena_release(&a);
}

TEST(run_metrics_and_tags_for_gates)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = { 0 };
	struct store_run r;
	json_t *v = load("{\"info\":{\"run_id\":\"abc\",\"experiment_id\":\"0\"},\"data\":{"
			 "\"metrics\":[{\"key\":\"f1\",\"value\":0.8,\"timestamp\":1,\"step\":0},"
			 "{\"key\":\"loss\",\"value\":\"NaN\",\"timestamp\":1,\"step\":2}],"
			 "\"tags\":[{\"key\":\"validation\",\"value\":\"passed\"}]}}");
	CHECK_INT_EQ(promote_rest_parse_run(v, &a, &r, &err), 0);
	json_decref(v);
	CHECK_STR_EQ(r.info.run_id, "abc");
	CHECK_INT_EQ(r.nmetrics, 2);
	CHECK(r.metrics[0].value == 0.8);
	CHECK(isnan(r.metrics[1].value));
	CHECK_INT_EQ(r.metrics[1].step, 2);
	CHECK_INT_EQ(r.ntags, 1);
	CHECK_STR_EQ(r.tags[0].value, "passed");
	/* an empty run: no data at all */
	v = load("{\"info\":{\"run_uuid\":\"u\"}}");
	CHECK_INT_EQ(promote_rest_parse_run(v, &a, &r, &err), 0);
	json_decref(v);
	CHECK_STR_EQ(r.info.run_id, "u");
	CHECK_INT_EQ(r.nmetrics, 0);
	v = load("{\"info\":{\"run_id\":\"abc\"},\"data\":{\"metrics\":[{\"key\":\"f1\",\"value\":\"x\"}]}}");
	CHECK_INT_EQ(promote_rest_parse_run(v, &a, &r, &err), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "f1");
	json_decref(v);
	v = load("{\"data\":{}}");
	CHECK_INT_EQ(promote_rest_parse_run(v, &a, &r, &err), CAIRN_EINVAL);
	json_decref(v);
	arena_release(&a);
}

TEST(error_codes_map_back)
{
	CHECK_INT_EQ(promote_rest_error_code("RESOURCE_DOES_NOT_EXIST"), CAIRN_ENOENT);
	CHECK_INT_EQ(promote_rest_error_code("RESOURCE_ALREADY_EXISTS"), CAIRN_EEXIST);
	CHECK_INT_EQ(promote_rest_error_code("INVALID_PARAMETER_VALUE"), CAIRN_EINVAL);
	CHECK_INT_EQ(promote_rest_error_code("RESOURCE_CONFLICT"), CAIRN_ESTATE);
	CHECK_INT_EQ(promote_rest_error_code("NOT_IMPLEMENTED"), CAIRN_EUNSUPPORTED);
	CHECK_INT_EQ(promote_rest_error_code("ENDPOINT_NOT_FOUND"), CAIRN_EUNSUPPORTED);
	CHECK_INT_EQ(promote_rest_error_code("TEMPORARILY_UNAVAILABLE"), CAIRN_EBUSY);
	CHECK_INT_EQ(promote_rest_error_code("INTERNAL_ERROR"), CAIRN_EIO);
	CHECK_INT_EQ(promote_rest_error_code(NULL), CAIRN_EIO);
}

TEST(rest_open_checks_the_url)
{
	struct cairn_error err = { 0 };
	struct registry_access ra;
	CHECK_INT_EQ(promote_access_rest_open("ftp://x", NULL, &ra, &err), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "ftp://x");
	CHECK_INT_EQ(promote_access_rest_open("http://", NULL, &ra, &err), CAIRN_EINVAL);
	CHECK_INT_EQ(promote_access_rest_open(NULL, NULL, &ra, &err), CAIRN_EINVAL);
	CHECK_INT_EQ(promote_access_rest_open("http://127.0.0.1:1/x/", "me", &ra, &err), 0);
	CHECK_STR_EQ(ra.where, "http://127.0.0.1:1/x");
	/* nothing listens on port 1: CAIRN_EIO naming the URL */
	struct arena a;
	arena_init(&a, 0);
	struct store_registered_model m;
	CHECK_INT_EQ(ra.get_registered_model(ra.ctx, "m", &a, &m, &err), CAIRN_EIO);
	CHECK_STR_CONTAINS(err.msg, "http://127.0.0.1:1/x");
	promote_access_close(&ra);
	promote_access_close(&ra);  /* a zeroed access is fine */
	arena_release(&a);
}

TEST_MAIN(model_version_parses_every_field, model_version_rejects_bad_shapes,
	  registered_model_with_latest_and_aliases, history_events_both_kinds,
	  run_metrics_and_tags_for_gates, error_codes_map_back, rest_open_checks_the_url)
