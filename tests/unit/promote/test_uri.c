/* Model URIs: parsing, and resolution through the store. */
#include "../../harness.h"
#include "promote/promote.h"

#include <stdio.h>
#include <string.h>

static struct arena arena_;

TEST(parse_forms)
{
	struct promote_model_uri u;
	struct cairn_error err = { 0 };
	CHECK(promote_parse_uri("models:/churn/3", &arena_, &u, &err) == 0);
	CHECK_INT_EQ(u.kind, PROMOTE_URI_VERSION);
	CHECK_STR_EQ(u.name, "churn");
	CHECK_STR_EQ(u.version, "3");
	CHECK(promote_parse_uri("models:/churn/production", &arena_, &u, &err) == 0);
	CHECK_INT_EQ(u.kind, PROMOTE_URI_STAGE);
	CHECK_INT_EQ(u.stage, STORE_STAGE_PRODUCTION);
	CHECK(promote_parse_uri("models:/churn/Staging", &arena_, &u, &err) == 0);
	CHECK_INT_EQ(u.stage, STORE_STAGE_STAGING);
	CHECK(promote_parse_uri("models:/churn/LATEST", &arena_, &u, &err) == 0);
	CHECK_INT_EQ(u.kind, PROMOTE_URI_LATEST);
	CHECK(promote_parse_uri("models:/churn@champion", &arena_, &u, &err) == 0);
	CHECK_INT_EQ(u.kind, PROMOTE_URI_ALIAS);
	CHECK_STR_EQ(u.name, "churn");
	CHECK_STR_EQ(u.alias, "champion");
	CHECK(promote_parse_uri("runs:/0123abcd/model/sub", &arena_, &u, &err) == 0);
	CHECK_INT_EQ(u.kind, PROMOTE_URI_RUNS);
	CHECK_STR_EQ(u.run_id, "0123abcd");
	CHECK_STR_EQ(u.path, "model/sub");
	CHECK(promote_parse_uri("runs:/0123abcd", &arena_, &u, &err) == 0);
	CHECK_STR_EQ(u.path, "");
}

TEST(parse_errors)
{
	const char *bad[] = { "", "model:/x/1", "models:x/1", "models://x/1", "models:/x", "models:/x/",
			      "models:/x/1/2", "models:/x/prod", "models:/@a", "models:/x@", "models:/a/b@c",
			      "models:/x/0", "runs:x/y", "runs://y", "s3://b/k" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct promote_model_uri u;
		struct cairn_error err = { 0 };
		CHECK_MSG(promote_parse_uri(bad[i], &arena_, &u, &err) == CAIRN_EINVAL, "accepted '%s'", bad[i]);
		CHECK(err.msg[0] != '\0');
	}
}

static struct store *open_store(void)
{
	struct cairn_error err = { 0 };
	struct store *s = store_open(arena_printf(&arena_, "%s/u.db", test_tmpdir()), NULL, &err);
	CHECK_MSG(s != NULL, "%s", err.msg);
	return s;
}

static void add_version(struct store *s, const char *name, const char *source)
{
	struct cairn_error err = { 0 };
	struct store_model_version_create req = { 0 };
	struct store_model_version v;
	req.name = name;
	req.source = source;
	CHECK_MSG(store_create_model_version(s, &req, &arena_, &v, &err) == 0, "%s", err.msg);
}

TEST(resolve_everywhere_the_same)
{
	struct store *s = open_store();
	struct cairn_error err = { 0 };
	struct store_registered_model m;
	CHECK(store_create_registered_model(s, "churn", NULL, NULL, 0, &arena_, &m, &err) == 0);
	add_version(s, "churn", "s3://b/v1");
	add_version(s, "churn", "s3://b/v2");
	add_version(s, "churn", "s3://b/v3");
	struct store_model_version v;
	CHECK(store_transition_model_version_stage(s, "churn", "1", "Production", 0, NULL, &arena_, &v, &err) == 0);
	CHECK(store_transition_model_version_stage(s, "churn", "2", "Production", 0, NULL, &arena_, &v, &err) == 0);
	CHECK(store_set_registered_model_alias(s, "churn", "champion", "1", NULL, &err) == 0);
	struct promote_resolved r;
	CHECK_MSG(promote_resolve_uri(s, "models:/churn/3", &arena_, &r, &err) == 0, "%s", err.msg);
	CHECK_STR_EQ(r.version, "3");
	CHECK_STR_EQ(r.artifact_uri, "s3://b/v3");
	CHECK(promote_resolve_uri(s, "models:/churn/production", &arena_, &r, &err) == 0);
	CHECK_STR_EQ(r.version, "2");  /* the highest version in the stage wins */
	CHECK(promote_resolve_uri(s, "models:/churn/latest", &arena_, &r, &err) == 0);
	CHECK_STR_EQ(r.version, "3");
	CHECK(promote_resolve_uri(s, "models:/churn@champion", &arena_, &r, &err) == 0);
	CHECK_STR_EQ(r.version, "1");
	CHECK_STR_EQ(r.artifact_uri, "s3://b/v1");
	CHECK(promote_resolve_uri(s, "models:/churn/staging", &arena_, &r, &err) == CAIRN_ENOENT);
	CHECK_STR_CONTAINS(err.msg, "Staging");
	CHECK(promote_resolve_uri(s, "models:/churn@nobody", &arena_, &r, &err) == CAIRN_ENOENT);
	CHECK(promote_resolve_uri(s, "models:/churn@v1", &arena_, &r, &err) == CAIRN_EINVAL);
	CHECK(promote_resolve_uri(s, "models:/churn/9", &arena_, &r, &err) == CAIRN_ENOENT);
	CHECK(promote_resolve_uri(s, "models:/other/1", &arena_, &r, &err) == CAIRN_ENOENT);
	CHECK(promote_resolve_uri(s, "models:/other/latest", &arena_, &r, &err) == CAIRN_ENOENT);
	struct store_run_create rc = { 0 };
	struct store_run run;
	rc.experiment_id = "0";
	CHECK(store_create_run(s, &rc, &arena_, &run, &err) == 0);
	CHECK(promote_resolve_uri(s, arena_printf(&arena_, "runs:/%s/model", run.info.run_id), &arena_, &r,
				  &err) == 0);
	CHECK_STR_EQ(r.artifact_uri, arena_printf(&arena_, "%s/model", run.info.artifact_uri));
	CHECK_STR_EQ(r.run_id, run.info.run_id);
	CHECK(promote_resolve_uri(s, "runs:/ffffffffffffffffffffffffffffffff/m", &arena_, &r, &err) == CAIRN_ENOENT);
	store_close(s);
}

TEST_MAIN(parse_forms, parse_errors, resolve_everywhere_the_same)
