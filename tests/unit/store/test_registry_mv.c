/* Model registry store, part 2: versions, sources, stages, history, promotion, concurrency,
 * migration. */
#include "registry_fixture.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>

TEST(versions_are_numbered_and_never_reused)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	CHECK_STR_EQ(fx_version(s, "m", NULL, 0), "1");
	CHECK_STR_EQ(fx_version(s, "m", NULL, 0), "2");
	CHECK_STR_EQ(fx_version(s, "m", NULL, 0), "3");
	OK(store_delete_model_version(s, "m", "3", NULL, err_));
	CHECK_STR_EQ(fx_version(s, "m", NULL, 0), "4");
	struct store_model_version v;
	CHECK_ERR(store_get_model_version(s, "m", "3", &arena_, &v, err_), CAIRN_ENOENT);
	CHECK_ERR(store_delete_model_version(s, "m", "3", NULL, err_), CAIRN_ENOENT);
	OK(store_get_model_version(s, "m", "4", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "None");
	CHECK_STR_EQ(v.status, "READY");
	CHECK_INT_EQ(v.version_number, 4);
	CHECK_ERR(store_get_model_version(s, "m", "abc", &arena_, &v, err_), CAIRN_EINVAL);
	CHECK_ERR(store_get_model_version(s, "m", "99", &arena_, &v, err_), CAIRN_ENOENT);
	CHECK_ERR(store_get_model_version(s, "zz", "1", &arena_, &v, err_), CAIRN_ENOENT);
	struct cairn_error err = { 0 };
	store_get_model_version(s, "m", "99", &arena_, &v, &err);
	CHECK_STR_EQ(err.msg, "Model Version (name=m, version=99) not found");
	struct store_model_version_create req = { 0 };
	req.name = "zz";
	req.source = "s3://b/m";
	CHECK_ERR(store_create_model_version(s, &req, &arena_, &v, err_), CAIRN_ENOENT);
	req.name = "m";
	req.source = "";
	CHECK_ERR(store_create_model_version(s, &req, &arena_, &v, err_), CAIRN_EINVAL);
	store_close(s);
}

TEST(version_create_fields_and_bumps_model)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	struct store_registered_model m0, m1;
	OK(store_get_registered_model(s, "m", &arena_, &m0, err_));
	struct store_tag tags[] = { { "a", "1" }, { "a", "2" } };
	struct store_model_version_create req = { 0 };
	req.name = "m";
	req.source = "s3://bucket/path/model";
	req.run_id = "0123456789abcdef0123456789abcdef";
	req.run_link = "http://x/run";
	req.description = "first";
	req.tags = tags;
	req.ntags = 2;
	struct store_model_version v;
	OK(store_create_model_version(s, &req, &arena_, &v, err_));
	CHECK_STR_EQ(v.source, "s3://bucket/path/model");
	CHECK_STR_EQ(v.run_id, req.run_id);
	CHECK_STR_EQ(v.run_link, "http://x/run");
	CHECK_STR_EQ(v.description, "first");
	CHECK_INT_EQ(v.ntags, 1);
	CHECK_STR_EQ(v.tags[0].value, "2");
	OK(store_get_registered_model(s, "m", &arena_, &m1, err_));
	CHECK(m1.last_updated_timestamp >= m0.last_updated_timestamp);
	OK(store_update_model_version(s, "m", "1", "second", &arena_, &v, err_));
	CHECK_STR_EQ(v.description, "second");
	OK(store_update_model_version(s, "m", "1", NULL, &arena_, &v, err_));
	CHECK(v.description == NULL);
	CHECK_ERR(store_update_model_version(s, "m", "2", "x", &arena_, &v, err_), CAIRN_ENOENT);
	const char *uri;
	OK(store_get_model_version_download_uri(s, "m", "1", &arena_, &uri, err_));
	CHECK_STR_EQ(uri, "s3://bucket/path/model");
	CHECK_ERR(store_get_model_version_download_uri(s, "m", "7", &arena_, &uri, err_), CAIRN_ENOENT);
	store_close(s);
}

TEST(version_source_checks)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	struct store_model_version v;
	struct store_model_version_create req = { 0 };
	req.name = "m";
	const char *bad[] = { "/tmp/model", "relative/model", "file:///tmp/model",
			      "s3://b/a/../../etc", "mlflow-artifacts:/0/%2e%2e/x",
			      "http://h/a/%252e%252e/b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		req.source = bad[i];
		struct cairn_error err = { 0 };
		CHECK_MSG(store_create_model_version(s, &req, &arena_, &v, &err) == CAIRN_EINVAL,
			  "source %s accepted", bad[i]);
		CHECK_STR_CONTAINS(err.msg, "source");
	}
	/* A local path inside the run's local artifact directory is fine. */
	struct store_run_create rc = { 0 };
	struct store_run run;
	rc.experiment_id = "0";
	OK(store_create_run(s, &rc, &arena_, &run, err_));
	req.run_id = run.info.run_id;
	req.source = arena_printf(&arena_, "%s/model", run.info.artifact_uri);
	OK(store_create_model_version(s, &req, &arena_, &v, err_));
	req.source = arena_printf(&arena_, "%s/../other", run.info.artifact_uri);
	CHECK_ERR(store_create_model_version(s, &req, &arena_, &v, err_), CAIRN_EINVAL);
	req.source = "/elsewhere/model";
	CHECK_ERR(store_create_model_version(s, &req, &arena_, &v, err_), CAIRN_EINVAL);
	/* models:/ sources resolve to the version's own storage location. */
	req.run_id = NULL;
	req.source = "s3://b/one";
	OK(store_create_model_version(s, &req, &arena_, &v, err_));
	OK(store_set_registered_model_alias(s, "m", "best", v.version, NULL, err_));
	req.source = arena_printf(&arena_, "models:/m/%s", v.version);
	OK(store_create_model_version(s, &req, &arena_, &v, err_));
	CHECK_STR_EQ(v.source, "s3://b/one");
	req.source = "models:/m@best";
	OK(store_create_model_version(s, &req, &arena_, &v, err_));
	CHECK_STR_EQ(v.source, "s3://b/one");
	req.source = "models:/m/77";
	CHECK_ERR(store_create_model_version(s, &req, &arena_, &v, err_), CAIRN_ENOENT);
	store_close(s);
}

TEST(transition_stage_rules)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	for (int i = 0; i < 3; i++)
		fx_version(s, "m", NULL, 0);
	struct store_model_version v;
	OK(store_transition_model_version_stage(s, "m", "1", "production", 0, NULL, &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "Production");  /* stored canonically */
	OK(store_transition_model_version_stage(s, "m", "2", "Production", 0, NULL, &arena_, &v, err_));
	OK(store_transition_model_version_stage(s, "m", "3", "PRODUCTION", 1, NULL, &arena_, &v, err_));
	OK(store_get_model_version(s, "m", "1", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "Archived");
	OK(store_get_model_version(s, "m", "2", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "Archived");
	OK(store_get_model_version(s, "m", "3", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "Production");
	CHECK_ERR(store_transition_model_version_stage(s, "m", "1", "Prod", 0, NULL, &arena_, &v, err_),
		  CAIRN_EINVAL);
	CHECK_ERR(store_transition_model_version_stage(s, "m", "1", "Deleted_Internal", 0, NULL, &arena_,
						       &v, err_), CAIRN_EINVAL);
	CHECK_ERR(store_transition_model_version_stage(s, "m", "1", "Archived", 1, NULL, &arena_, &v, err_),
		  CAIRN_EINVAL);
	CHECK_ERR(store_transition_model_version_stage(s, "m", "1", "None", 1, NULL, &arena_, &v, err_),
		  CAIRN_EINVAL);
	CHECK_ERR(store_transition_model_version_stage(s, "m", "9", "None", 0, NULL, &arena_, &v, err_),
		  CAIRN_ENOENT);
	CHECK_ERR(store_transition_model_version_stage(s, "m", "1", "", 0, NULL, &arena_, &v, err_),
		  CAIRN_EINVAL);
	/* 1,2 → Production, then 3 → Production archiving 1 and 2: five stage changes. */
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 5);
	CHECK_STR_EQ(ev[0].kind, "stage");
	CHECK_STR_EQ(ev[0].from_value, "None");
	CHECK_STR_EQ(ev[0].to_value, "Production");
	OK(store_list_registry_history(s, "m", "1", &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(ev[1].to_value, "Archived");
	CHECK_ERR(store_list_registry_history(s, "nope", NULL, &arena_, &ev, &n, err_), CAIRN_ENOENT);
	CHECK_ERR(store_list_registry_history(s, "m", "x", &arena_, &ev, &n, err_), CAIRN_EINVAL);
	store_close(s);
}

TEST(version_tags)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	fx_version(s, "m", NULL, 0);
	OK(store_set_model_version_tag(s, "m", "1", "validation", "passed", err_));
	OK(store_set_model_version_tag(s, "m", "1", "validation", "failed", err_));
	struct store_model_version v;
	OK(store_get_model_version(s, "m", "1", &arena_, &v, err_));
	CHECK_INT_EQ(v.ntags, 1);
	CHECK_STR_EQ(v.tags[0].value, "failed");
	OK(store_delete_model_version_tag(s, "m", "1", "validation", err_));
	OK(store_delete_model_version_tag(s, "m", "1", "validation", err_));  /* silent */
	CHECK_ERR(store_set_model_version_tag(s, "m", "2", "k", "v", err_), CAIRN_ENOENT);
	CHECK_ERR(store_delete_model_version_tag(s, "m", "2", "k", err_), CAIRN_ENOENT);
	CHECK_ERR(store_set_model_version_tag(s, "m", "1", "a//b", "v", err_), CAIRN_EINVAL);
	CHECK_ERR(store_set_model_version_tag(s, "m", "x", "k", "v", err_), CAIRN_EINVAL);
	store_close(s);
}

TEST(delete_version_removes_aliases_with_history)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	fx_version(s, "m", NULL, 0);
	struct store_actor who = { "bob", NULL };
	OK(store_set_registered_model_alias(s, "m", "prod", "1", &who, err_));
	OK(store_delete_model_version(s, "m", "1", &who, err_));
	struct store_model_version v;
	CHECK_ERR(store_get_model_version_by_alias(s, "m", "prod", &arena_, &v, err_), CAIRN_EINVAL);
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(ev[1].from_value, "1");
	CHECK_STR_EQ(ev[1].to_value, "");
	CHECK_STR_EQ(ev[1].reason, "version deleted");
	store_close(s);
}

TEST(search_versions)
{
	struct store *s = fx_open();
	fx_model(s, "a");
	fx_model(s, "b");
	for (int i = 0; i < 3; i++)
		fx_version(s, "a", NULL, 0);
	fx_version(s, "b", "f1", 0.5);
	OK(store_set_model_version_tag(s, "a", "2", "k", "v", err_));
	OK(store_delete_model_version(s, "a", "3", NULL, err_));
	struct store_registry_query q = { 0 };
	struct store_model_version_page p;
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 3);  /* deleted versions never appear */
	q.filter = "name = 'a'";
	const char *ord[] = { "version_number DESC" };
	q.order_by = ord;
	q.norder_by = 1;
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 2);
	CHECK_STR_EQ(p.versions[0].version, "2");
	CHECK_INT_EQ(p.versions[0].ntags, 1);
	q.filter = "tags.k = 'v'";
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	q.filter = "version_number >= 2 AND name = 'a'";
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	struct store_model_version bv;
	OK(store_get_model_version(s, "b", "1", &arena_, &bv, err_));
	q.filter = arena_printf(&arena_, "run_id = '%s'", bv.run_id);
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	CHECK_STR_EQ(p.versions[0].name, "b");
	q.filter = "source_path LIKE 'mlflow-artifacts:%'";
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 2);
	q.filter = NULL;
	q.norder_by = 0;
	q.max_results = 2;
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 2);
	CHECK(p.next_page_token != NULL);
	q.page_token = p.next_page_token;
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 1);
	CHECK(p.next_page_token == NULL);
	q.page_token = NULL;
	q.max_results = 200001;
	CHECK_ERR(store_search_model_versions(s, &q, &arena_, &p, err_), CAIRN_EINVAL);
	q.max_results = 0;
	q.filter = "metrics.x > 1";
	CHECK_ERR(store_search_model_versions(s, &q, &arena_, &p, err_), CAIRN_EINVAL);
	store_close(s);
}

TEST(promote_cas_and_archive)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	fx_version(s, "m", NULL, 0);
	fx_version(s, "m", NULL, 0);
	fx_version(s, "m", NULL, 0);
	struct store_promotion p = { 0 };
	p.name = "m";
	p.version = "1";
	p.alias = "production";
	p.stage = "Production";
	p.archive_previous = 1;
	p.who.user = "carol";
	p.who.reason = "gates passed";
	const char *prev;
	OK(store_promote_model_version(s, &p, &arena_, &prev, err_));
	CHECK_STR_EQ(prev, "");
	/* A caller that still believes nobody holds the alias loses. */
	p.version = "2";
	CHECK_ERR(store_promote_model_version(s, &p, &arena_, &prev, err_), CAIRN_ESTATE);
	struct store_model_version v;
	OK(store_get_model_version_by_alias(s, "m", "production", &arena_, &v, err_));
	CHECK_STR_EQ(v.version, "1");
	OK(store_get_model_version(s, "m", "2", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "None");  /* nothing changed on the loser's side */
	p.expected_holder = "1";
	OK(store_promote_model_version(s, &p, &arena_, &prev, err_));
	CHECK_STR_EQ(prev, "1");
	OK(store_get_model_version(s, "m", "1", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "Archived");
	OK(store_get_model_version(s, "m", "2", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "Production");
	/* Without archiving, the previous holder keeps its stage. */
	p.version = "3";
	p.expected_holder = "2";
	p.archive_previous = 0;
	p.stage = NULL;
	OK(store_promote_model_version(s, &p, &arena_, &prev, err_));
	OK(store_get_model_version(s, "m", "2", &arena_, &v, err_));
	CHECK_STR_EQ(v.current_stage, "Production");
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	/* alias 1, stage 1; alias 1→2, stage 2, stage 1→Archived; alias 2→3 */
	CHECK_INT_EQ(n, 6);
	CHECK_STR_EQ(ev[0].user, "carol");
	CHECK_STR_EQ(ev[0].reason, "gates passed");
	for (size_t i = 1; i < n; i++)
		CHECK(ev[i].id > ev[i - 1].id);
	/* Bad input. */
	p.expected_holder = "3";
	p.alias = "v2";
	CHECK_ERR(store_promote_model_version(s, &p, &arena_, &prev, err_), CAIRN_EINVAL);
	p.alias = "production";
	p.stage = "Live";
	CHECK_ERR(store_promote_model_version(s, &p, &arena_, &prev, err_), CAIRN_EINVAL);
	p.stage = NULL;
	p.version = "9";
	CHECK_ERR(store_promote_model_version(s, &p, &arena_, &prev, err_), CAIRN_ENOENT);
	p.version = "3";
	p.expected_holder = "x";
	CHECK_ERR(store_promote_model_version(s, &p, &arena_, &prev, err_), CAIRN_EINVAL);
	store_close(s);
}

struct racer {
	struct store *s;
	const char *version;
	pthread_barrier_t *barrier;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct arena a;
	arena_init(&a, 0);
	struct store_promotion p = { 0 };
	p.name = "m";
	p.version = r->version;
	p.alias = "production";
	p.stage = "Production";
	p.archive_previous = 1;
	const char *prev;
	pthread_barrier_wait(r->barrier);
	r->rc = store_promote_model_version(r->s, &p, &a, &prev, NULL);
	arena_release(&a);
	return NULL;
}

TEST(concurrent_promotions_exactly_one_wins)
{
	enum { N = 8 };
	struct store *s = fx_open();
	fx_model(s, "m");
	const char *versions[N];
	for (int i = 0; i < N; i++)
		versions[i] = fx_version(s, "m", NULL, 0);
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, N);
	pthread_t th[N];
	struct racer r[N];
	for (int i = 0; i < N; i++) {
		r[i] = (struct racer){ s, versions[i], &barrier, -999 };
		CHECK(pthread_create(&th[i], NULL, race, &r[i]) == 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	int wins = 0;
	const char *winner = NULL;
	for (int i = 0; i < N; i++) {
		CHECK_MSG(r[i].rc == 0 || r[i].rc == CAIRN_ESTATE, "racer %d: rc %d", i, r[i].rc);
		if (r[i].rc == 0) {
			wins++;
			winner = r[i].version;
		}
	}
	CHECK_INT_EQ(wins, 1);
	struct store_model_version v;
	OK(store_get_model_version_by_alias(s, "m", "production", &arena_, &v, err_));
	CHECK_STR_EQ(v.version, winner);
	struct store_model_version *lv;
	size_t nl;
	const char *prod[] = { "Production" };
	OK(store_get_latest_versions(s, "m", prod, 1, &arena_, &lv, &nl, err_));
	CHECK_INT_EQ(nl, 1);
	CHECK_STR_EQ(lv[0].version, winner);
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 2);  /* one alias move, one stage move: the winner's, nobody else's */
	CHECK_STR_EQ(ev[0].version, winner);
	CHECK_STR_EQ(ev[1].version, winner);
	store_close(s);
}

TEST(history_survives_reopen_and_is_append_only)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	fx_version(s, "m", NULL, 0);
	struct store_actor who = { "dave", "release 1" };
	OK(store_set_registered_model_alias(s, "m", "prod", "1", &who, err_));
	OK(store_transition_model_version_stage(s, "m", "1", "Staging", 0, &who, &arena_, NULL, err_));
	store_close(s);
	s = fx_open();
	struct store_registry_event *ev;
	size_t n;
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(ev[0].alias, "prod");
	CHECK_STR_EQ(ev[1].to_value, "Staging");
	CHECK_STR_EQ(ev[1].user, "dave");
	CHECK(ev[1].timestamp > 0);
	store_close(s);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(fx_db_path(), &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "UPDATE registry_history SET reason = 'x'", NULL, NULL, NULL) != SQLITE_OK);
	CHECK(sqlite3_exec(db, "DELETE FROM registry_history", NULL, NULL, NULL) != SQLITE_OK);
	sqlite3_close(db);
	s = fx_open();
	OK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, err_));
	CHECK_INT_EQ(n, 2);
	store_close(s);
}

TEST(migration_from_previous_schema)
{
	struct cairn_error err = { 0 };
	int latest = store_schema_latest();
	CHECK(latest >= 3);
	CHECK_MSG(store_create_at_version(fx_db_path(), latest - 1, &err) == 0, "%s", err.msg);
	struct store *s = fx_open();  /* applies the registry migration */
	int v = 0;
	OK(store_schema_version(s, &v, err_));
	CHECK_INT_EQ(v, latest);
	fx_model(s, "m");
	CHECK_STR_EQ(fx_version(s, "m", NULL, 0), "1");
	store_close(s);
}

TEST(read_only_store_refuses_writes)
{
	struct store *s = fx_open();
	fx_model(s, "m");
	store_close(s);
	struct store_options o = { 0 };
	o.read_only = 1;
	struct cairn_error err = { 0 };
	s = store_open(fx_db_path(), &o, &err);
	CHECK_MSG(s != NULL, "%s", err.msg);
	struct store_registered_model m;
	OK(store_get_registered_model(s, "m", &arena_, &m, err_));
	CHECK_ERR(store_set_registered_model_tag(s, "m", "k", "v", err_), CAIRN_EINVAL);
	store_close(s);
}

TEST_MAIN(versions_are_numbered_and_never_reused, version_create_fields_and_bumps_model,
	  version_source_checks, transition_stage_rules, version_tags,
	  delete_version_removes_aliases_with_history, search_versions, promote_cas_and_archive,
	  concurrent_promotions_exactly_one_wins, history_survives_reopen_and_is_append_only,
	  migration_from_previous_schema, read_only_store_refuses_writes)
