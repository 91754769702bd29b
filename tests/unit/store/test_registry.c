/* Model registry store, part 1: registered models, tags, aliases, latest versions, search. */
#include "registry_fixture.h"

#include <stdlib.h>

TEST(create_and_get_model)
{
	struct store *s = fx_open();
	struct store_tag tags[] = { { "team", "a" }, { "team", "b" }, { "k2", "v" } };
	struct store_registered_model m;
	OK(store_create_registered_model(s, "churn", "my model", tags, 3, &arena_, &m, err_));
	CHECK_STR_EQ(m.name, "churn");
	CHECK_STR_EQ(m.description, "my model");
	CHECK(m.creation_timestamp > 0 && m.creation_timestamp == m.last_updated_timestamp);
	CHECK_INT_EQ(m.ntags, 2);  /* duplicate keys collapse, the last one wins */
	CHECK_STR_EQ(m.tags[0].key, "k2");
	CHECK_STR_EQ(m.tags[1].key, "team");
	CHECK_STR_EQ(m.tags[1].value, "b");
	CHECK_INT_EQ(m.nlatest, 0);
	OK(store_get_registered_model(s, "churn", &arena_, &m, err_));
	CHECK_STR_EQ(m.name, "churn");
	CHECK_INT_EQ(m.ntags, 2);
	store_close(s);
}

TEST(create_model_errors)
{
	struct store *s = fx_open();
	struct store_registered_model m;
	fx_model(s, "churn");
	CHECK_ERR(store_create_registered_model(s, "churn", NULL, NULL, 0, &arena_, &m, err_), CAIRN_EEXIST);
	CHECK_ERR(store_create_registered_model(s, "", NULL, NULL, 0, &arena_, &m, err_), CAIRN_EINVAL);
	CHECK_ERR(store_create_registered_model(s, NULL, NULL, NULL, 0, &arena_, &m, err_), CAIRN_EINVAL);
	struct store_tag bad[] = { { "../x", "v" } };
	CHECK_ERR(store_create_registered_model(s, "m2", NULL, bad, 1, &arena_, &m, err_), CAIRN_EINVAL);
	char *long_name = calloc(1, 300);
	memset(long_name, 'n', 299);
	CHECK_ERR(store_create_registered_model(s, long_name, NULL, NULL, 0, &arena_, &m, err_), CAIRN_EINVAL);
	free(long_name);
	/* Nothing half-created by the failures. */
	CHECK_ERR(store_get_registered_model(s, "m2", &arena_, &m, err_), CAIRN_ENOENT);
	CHECK_ERR(store_get_registered_model(s, "nope", &arena_, &m, err_), CAIRN_ENOENT);
	struct cairn_error err = { 0 };
	store_get_registered_model(s, "nope", &arena_, &m, &err);
	CHECK_STR_EQ(err.msg, "Registered Model with name=nope not found");
	store_close(s);
}

TEST(rename_moves_versions)
{
	struct store *s = fx_open();
	fx_model(s, "a");
	fx_model(s, "taken");
	fx_version(s, "a", NULL, 0);
	fx_version(s, "a", NULL, 0);
	OK(store_set_registered_model_alias(s, "a", "champion", "2", NULL, err_));
	struct store_registered_model m;
	OK(store_rename_registered_model(s, "a", "b", &arena_, &m, err_));
	CHECK_STR_EQ(m.name, "b");
	CHECK_INT_EQ(m.naliases, 1);
	struct store_model_version v;
	OK(store_get_model_version(s, "b", "2", &arena_, &v, err_));
	CHECK_STR_EQ(v.name, "b");
	CHECK_INT_EQ(v.naliases, 1);
	CHECK_ERR(store_get_model_version(s, "a", "2", &arena_, &v, err_), CAIRN_ENOENT);
	CHECK_ERR(store_rename_registered_model(s, "b", "taken", &arena_, &m, err_), CAIRN_EEXIST);
	CHECK_ERR(store_rename_registered_model(s, "zzz", "c", &arena_, &m, err_), CAIRN_ENOENT);
	CHECK_ERR(store_rename_registered_model(s, "b", "", &arena_, &m, err_), CAIRN_EINVAL);
	/* The history follows the model through the rename. */
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "b", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 1);
	store_close(s);
}

TEST(update_description)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	struct store_registered_model m;
	OK(store_update_registered_model(s, "m", "hello", &arena_, &m, err_));
	CHECK_STR_EQ(m.description, "hello");
	OK(store_update_registered_model(s, "m", NULL, &arena_, &m, err_));
	CHECK(m.description == NULL);
	CHECK_ERR(store_update_registered_model(s, "x", "d", &arena_, &m, err_), CAIRN_ENOENT);
	char *big = calloc(1, 5002);
	memset(big, 'd', 5001);
	CHECK_ERR(store_update_registered_model(s, "m", big, &arena_, &m, err_), CAIRN_EINVAL);
	free(big);
	store_close(s);
}

TEST(delete_model_and_recreate)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	fx_version(s, "m", NULL, 0);
	fx_version(s, "m", NULL, 0);
	OK(store_set_registered_model_tag(s, "m", "k", "v", err_));
	OK(store_set_registered_model_alias(s, "m", "prod", "2", NULL, err_));
	OK(store_delete_registered_model(s, "m", err_));
	struct store_registered_model m;
	CHECK_ERR(store_get_registered_model(s, "m", &arena_, &m, err_), CAIRN_ENOENT);
	CHECK_ERR(store_delete_registered_model(s, "m", err_), CAIRN_ENOENT);
	fx_model(s, "m");
	CHECK_STR_EQ(fx_version(s, "m", NULL, 0), "1");  /* a new model numbers from 1 */
	OK(store_get_registered_model(s, "m", &arena_, &m, err_));
	CHECK_INT_EQ(m.ntags, 0);
	CHECK_INT_EQ(m.naliases, 0);
	/* The old model's history is kept but is not the new model's. */
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 0);
	store_close(s);
}

TEST(model_tags)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	OK(store_set_registered_model_tag(s, "m", "k", "v1", err_));
	OK(store_set_registered_model_tag(s, "m", "k", "v2", err_));
	struct store_registered_model m;
	OK(store_get_registered_model(s, "m", &arena_, &m, err_));
	CHECK_INT_EQ(m.ntags, 1);
	CHECK_STR_EQ(m.tags[0].value, "v2");
	OK(store_delete_registered_model_tag(s, "m", "k", err_));
	OK(store_delete_registered_model_tag(s, "m", "k", err_));  /* missing key: silent */
	OK(store_get_registered_model(s, "m", &arena_, &m, err_));
	CHECK_INT_EQ(m.ntags, 0);
	CHECK_ERR(store_set_registered_model_tag(s, "x", "k", "v", err_), CAIRN_ENOENT);
	CHECK_ERR(store_delete_registered_model_tag(s, "x", "k", err_), CAIRN_ENOENT);
	CHECK_ERR(store_set_registered_model_tag(s, "m", "/abs", "v", err_), CAIRN_EINVAL);
	CHECK_ERR(store_set_registered_model_tag(s, "m", "", "v", err_), CAIRN_EINVAL);
	char *big = calloc(1, 5002);
	memset(big, 'v', 5001);
	CHECK_ERR(store_set_registered_model_tag(s, "m", "k", big, err_), CAIRN_EINVAL);
	big[5000] = '\0';
	OK(store_set_registered_model_tag(s, "m", "k", big, err_));
	free(big);
	store_close(s);
}

TEST(alias_rules)
{
	struct cairn_error err = { 0 };
	CHECK(store_validate_alias("champion", &err) == 0);
	CHECK(store_validate_alias("a-b_c9", &err) == 0);
	CHECK(store_validate_alias("v", &err) == 0);
	CHECK(store_validate_alias("v1x", &err) == 0);
	CHECK(store_validate_alias("latest", &err) == CAIRN_EINVAL);
	CHECK(store_validate_alias("LaTeSt", &err) == CAIRN_EINVAL);
	CHECK(store_validate_alias("v1", &err) == CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "version");
	CHECK(store_validate_alias("V42", &err) == CAIRN_EINVAL);
	CHECK(store_validate_alias("a b", &err) == CAIRN_EINVAL);
	CHECK(store_validate_alias("a.b", &err) == CAIRN_EINVAL);
	CHECK(store_validate_alias("", &err) == CAIRN_EINVAL);
	char big[300];
	memset(big, 'a', 256);
	big[256] = '\0';
	CHECK(store_validate_alias(big, &err) == CAIRN_EINVAL);
	big[255] = '\0';
	CHECK(store_validate_alias(big, &err) == 0);
}

TEST(aliases_set_get_move_delete)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	fx_version(s, "m", NULL, 0);
	fx_version(s, "m", NULL, 0);
	struct store_actor who = { "alice", "first" };
	OK(store_set_registered_model_alias(s, "m", "champion", "1", &who, err_));
	struct store_model_version v;
	OK(store_get_model_version_by_alias(s, "m", "champion", &arena_, &v, err_));
	CHECK_STR_EQ(v.version, "1");
	CHECK_INT_EQ(v.naliases, 1);
	CHECK_STR_EQ(v.aliases[0], "champion");
	OK(store_set_registered_model_alias(s, "m", "champion", "2", &who, err_));
	OK(store_set_registered_model_alias(s, "m", "champion", "2", &who, err_));  /* no-op */
	OK(store_set_registered_model_alias(s, "m", "backup", "1", &who, err_));
	struct store_registered_model m;
	OK(store_get_registered_model(s, "m", &arena_, &m, err_));
	CHECK_INT_EQ(m.naliases, 2);
	CHECK_STR_EQ(m.aliases[0].alias, "backup");
	CHECK_STR_EQ(m.aliases[0].version, "1");
	CHECK_STR_EQ(m.aliases[1].alias, "champion");
	CHECK_STR_EQ(m.aliases[1].version, "2");
	OK(store_delete_registered_model_alias(s, "m", "backup", &who, err_));
	OK(store_delete_registered_model_alias(s, "m", "backup", &who, err_));  /* silent */
	/* MLflow answers INVALID_PARAMETER_VALUE for a missing alias or model on GET. */
	CHECK_ERR(store_get_model_version_by_alias(s, "m", "backup", &arena_, &v, err_), CAIRN_EINVAL);
	CHECK_ERR(store_get_model_version_by_alias(s, "nope", "x", &arena_, &v, err_), CAIRN_EINVAL);
	CHECK_ERR(store_set_registered_model_alias(s, "m", "c", "9", &who, err_), CAIRN_ENOENT);
	CHECK_ERR(store_set_registered_model_alias(s, "nope", "c", "1", &who, err_), CAIRN_ENOENT);
	CHECK_ERR(store_set_registered_model_alias(s, "m", "v3", "1", &who, err_), CAIRN_EINVAL);
	CHECK_ERR(store_set_registered_model_alias(s, "m", "latest", "1", &who, err_), CAIRN_EINVAL);
	CHECK_ERR(store_set_registered_model_alias(s, "m", "c", "one", &who, err_), CAIRN_EINVAL);
	CHECK_ERR(store_delete_registered_model_alias(s, "nope", "c", &who, err_), CAIRN_ENOENT);
	/* set 1, move to 2, set backup, delete backup: four recorded changes. */
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 4);
	CHECK_STR_EQ(ev[1].kind, "alias");
	CHECK_STR_EQ(ev[1].alias, "champion");
	CHECK_STR_EQ(ev[1].from_value, "1");
	CHECK_STR_EQ(ev[1].to_value, "2");
	CHECK_STR_EQ(ev[1].user, "alice");
	CHECK_STR_EQ(ev[1].reason, "first");
	CHECK_STR_EQ(ev[3].to_value, "");
	store_close(s);
}

TEST(latest_versions_by_stage)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	for (int i = 0; i < 6; i++)
		fx_version(s, "m", NULL, 0);
	OK(store_transition_model_version_stage(s, "m", "1", "production", 0, NULL, &arena_, NULL, err_));
	OK(store_transition_model_version_stage(s, "m", "2", "Production", 0, NULL, &arena_, NULL, err_));
	OK(store_transition_model_version_stage(s, "m", "3", "STAGING", 0, NULL, &arena_, NULL, err_));
	OK(store_transition_model_version_stage(s, "m", "6", "Archived", 0, NULL, &arena_, NULL, err_));
	struct store_model_version *v;
	size_t n;
	OK(store_get_latest_versions(s, "m", NULL, 0, &arena_, &v, &n, err_));
	CHECK_INT_EQ(n, 4);
	CHECK_STR_EQ(v[0].current_stage, "None");
	CHECK_STR_EQ(v[0].version, "5");
	CHECK_STR_EQ(v[1].current_stage, "Staging");
	CHECK_STR_EQ(v[1].version, "3");
	CHECK_STR_EQ(v[2].current_stage, "Production");
	CHECK_STR_EQ(v[2].version, "2");
	CHECK_STR_EQ(v[3].version, "6");
	const char *stages[] = { "production", "none" };
	OK(store_get_latest_versions(s, "m", stages, 2, &arena_, &v, &n, err_));
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(v[0].version, "5");
	CHECK_STR_EQ(v[1].version, "2");
	/* A deleted version drops out; the next-highest in its stage takes its place. */
	OK(store_delete_model_version(s, "m", "2", NULL, err_));
	const char *prod[] = { "Production" };
	OK(store_get_latest_versions(s, "m", prod, 1, &arena_, &v, &n, err_));
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(v[0].version, "1");
	const char *bad[] = { "Prod" };
	CHECK_ERR(store_get_latest_versions(s, "m", bad, 1, &arena_, &v, &n, err_), CAIRN_EINVAL);
	CHECK_ERR(store_get_latest_versions(s, "x", NULL, 0, &arena_, &v, &n, err_), CAIRN_ENOENT);
	struct store_registered_model m;
	OK(store_get_registered_model(s, "m", &arena_, &m, err_));
	CHECK_INT_EQ(m.nlatest, 4);
	store_close(s);
}

TEST(search_models_filter_order_pages)
{
	struct store *s = fx_open();
	const char *names[] = { "alpha", "beta", "gamma", "Alpine", "delta" };
	for (int i = 0; i < 5; i++)
		fx_model(s, names[i]);
	OK(store_set_registered_model_tag(s, "beta", "team", "x", err_));
	OK(store_set_registered_model_tag(s, "gamma", "team", "y", err_));
	struct store_registry_query q = { 0 };
	struct store_registered_model_page p;
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 5);
	CHECK_STR_EQ(p.models[0].name, "Alpine");  /* default name ASC, binary order */
	CHECK(p.next_page_token == NULL);
	q.filter = "name LIKE 'al%'";
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	q.filter = "name ILIKE 'al%'";
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 2);
	q.filter = "tags.team = 'y'";
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	CHECK_STR_EQ(p.models[0].name, "gamma");
	CHECK_INT_EQ(p.models[0].ntags, 1);
	q.filter = "name != 'beta' AND tags.team LIKE '%'";
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	q.filter = NULL;
	const char *ord[] = { "name DESC" };
	q.order_by = ord;
	q.norder_by = 1;
	q.max_results = 2;
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 2);
	CHECK_STR_EQ(p.models[0].name, "gamma");
	CHECK(p.next_page_token != NULL);
	q.page_token = p.next_page_token;
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_STR_EQ(p.models[0].name, "beta");
	q.page_token = p.next_page_token;
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	CHECK(p.next_page_token == NULL);  /* the "+1" rule: no token on the last page */
	q.page_token = "garbage!";
	CHECK_ERR(store_search_registered_models(s, &q, &arena_, &p, err_), CAIRN_EINVAL);
	q.page_token = NULL;
	q.max_results = 1001;
	CHECK_ERR(store_search_registered_models(s, &q, &arena_, &p, err_), CAIRN_EINVAL);
	q.max_results = 0;
	q.filter = "version_number = 1";
	CHECK_ERR(store_search_registered_models(s, &q, &arena_, &p, err_), CAIRN_EINVAL);
	q.filter = NULL;
	const char *bad_ord[] = { "creation_timestamp" };
	q.order_by = bad_ord;
	CHECK_ERR(store_search_registered_models(s, &q, &arena_, &p, err_), CAIRN_EINVAL);
	store_close(s);
}

TEST(search_models_carry_latest_and_aliases)
{
	struct store *s = fx_open();
	fx_model(s, "a");
	fx_model(s, "b");
	fx_version(s, "a", NULL, 0);
	fx_version(s, "a", NULL, 0);
	fx_version(s, "b", NULL, 0);
	OK(store_set_registered_model_alias(s, "a", "prod", "1", NULL, err_));
	OK(store_set_model_version_tag(s, "a", "2", "k", "v", err_));
	struct store_registry_query q = { 0 };
	struct store_registered_model_page p;
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 2);
	CHECK_INT_EQ(p.models[0].nlatest, 1);
	CHECK_STR_EQ(p.models[0].latest_versions[0].version, "2");
	CHECK_INT_EQ(p.models[0].latest_versions[0].ntags, 1);
	CHECK_INT_EQ(p.models[0].naliases, 1);
	CHECK_INT_EQ(p.models[1].nlatest, 1);
	CHECK_STR_EQ(p.models[1].latest_versions[0].name, "b");
	CHECK_INT_EQ(p.models[1].naliases, 0);
	store_close(s);
}

TEST(stage_names)
{
	CHECK_INT_EQ(store_stage_parse("none"), STORE_STAGE_NONE);
	CHECK_INT_EQ(store_stage_parse("STAGING"), STORE_STAGE_STAGING);
	CHECK_INT_EQ(store_stage_parse("Production"), STORE_STAGE_PRODUCTION);
	CHECK_INT_EQ(store_stage_parse("archived"), STORE_STAGE_ARCHIVED);
	CHECK_INT_EQ(store_stage_parse("Deleted_Internal"), -1);
	CHECK_INT_EQ(store_stage_parse(""), -1);
	CHECK_INT_EQ(store_stage_parse(NULL), -1);
	CHECK_STR_EQ(store_stage_name(STORE_STAGE_PRODUCTION), "Production");
	CHECK(store_stage_name(4) == NULL);
	int64_t v;
	CHECK(store_parse_model_version("12", &v, NULL) == 0 && v == 12);
	CHECK(store_parse_model_version("0", &v, NULL) == CAIRN_EINVAL);
	CHECK(store_parse_model_version("1.5", &v, NULL) == CAIRN_EINVAL);
	CHECK(store_parse_model_version("", &v, NULL) == CAIRN_EINVAL);
	CHECK(store_parse_model_version("v1", &v, NULL) == CAIRN_EINVAL);
}

TEST_MAIN(create_and_get_model, create_model_errors, rename_moves_versions, update_description,
	  delete_model_and_recreate, model_tags, alias_rules, aliases_set_get_move_delete,
	  latest_versions_by_stage, search_models_filter_order_pages,
	  search_models_carry_latest_and_aliases, stage_names)
