/* SQLite store: opening, migrations, experiments, experiment search, validation helpers. */
#include "../../harness.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct arena A;
static struct cairn_error E;

static const char *db_path(const char *name)
{
	static char path[2048];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	return path;
}

static struct store *open_at(const char *path, const struct store_options *o)
{
	cairn_error_clear(&E);
	struct store *s = store_open(path, o, &E);
	CHECK_MSG(s != NULL, "store_open(%s): %s", path, E.msg);
	return s;
}

static struct store *open_store(void)
{
	return open_at(db_path("t.db"), NULL);
}

static const char *mkexp(struct store *s, const char *name)
{
	const char *id = NULL;
	int rc = store_create_experiment(s, name, NULL, NULL, 0, &A, &id, &E);
	CHECK_MSG(rc == 0, "create_experiment(%s): %s", name, E.msg);
	return id;
}

static const char *mkrun(struct store *s, const char *exp)
{
	struct store_run_create req = { .experiment_id = exp, .user_id = "u" };
	struct store_run r;
	int rc = store_create_run(s, &req, &A, &r, &E);
	CHECK_MSG(rc == 0, "create_run: %s", E.msg);
	return r.info.run_id;
}

static struct store_experiment get_exp(struct store *s, const char *id)
{
	struct store_experiment e;
	int rc = store_get_experiment(s, id, &A, &e, &E);
	CHECK_MSG(rc == 0, "get_experiment(%s): %s", id, E.msg);
	return e;
}

static const char *exp_tag(const struct store_experiment *e, const char *key)
{
	for (size_t i = 0; i < e->ntags; i++)
		if (strcmp(e->tags[i].key, key) == 0)
			return e->tags[i].value;
	return NULL;
}

static char *repeat(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *p = arena_alloc(&A, u * n + 1);
	CHECK(p != NULL);
	for (size_t i = 0; i < n; i++)
		memcpy(p + i * u, unit, u);
	p[u * n] = '\0';
	return p;
}

/* ------------------------------------------------------------------ open */

TEST(default_experiment_exists)
{
	struct store *s = open_store();
	struct store_experiment e = get_exp(s, "0");
	CHECK_STR_EQ(e.experiment_id, "0");
	CHECK_STR_EQ(e.name, "Default");
	CHECK_STR_EQ(e.artifact_location, "mlflow-artifacts:/0");
	CHECK_STR_EQ(e.lifecycle_stage, "active");
	CHECK(e.creation_time > 0);
	CHECK_INT_EQ(e.ntags, 0);
	store_close(s);
}

TEST(artifact_root_plain_path)
{
	struct store_options o = { .default_artifact_root = "/data/art/" };
	struct store *s = open_at(db_path("p.db"), &o);
	CHECK_STR_EQ(get_exp(s, "0").artifact_location, "/data/art/0");
	const char *id = mkexp(s, "x");
	CHECK_STR_EQ(id, "1");
	CHECK_STR_EQ(get_exp(s, id).artifact_location, "/data/art/1");
	const char *run = mkrun(s, id);
	struct store_run r;
	CHECK(store_get_run(s, run, &A, &r, &E) == 0);
	char want[256];
	snprintf(want, sizeof want, "/data/art/1/%s/artifacts", run);
	CHECK_STR_EQ(r.info.artifact_uri, want);
	store_close(s);
}

TEST(open_uri_forms)
{
	char uri[2100];
	snprintf(uri, sizeof uri, "sqlite:///%s", db_path("abs.db"));  /* four slashes */
	CHECK(uri[10] == '/');
	struct store *s = open_at(uri, NULL);
	store_close(s);
	CHECK(access(db_path("abs.db"), F_OK) == 0);
	CHECK(chdir(test_tmpdir()) == 0);
	s = open_at("sqlite:///rel.db", NULL);
	store_close(s);
	CHECK(access(db_path("rel.db"), F_OK) == 0);
	CHECK(store_open("postgresql://h/db", NULL, &E) == NULL);
	CHECK_INT_EQ(E.code, CAIRN_EINVAL);
	CHECK(store_open("sqlite://host/x.db", NULL, &E) == NULL);
	CHECK_INT_EQ(E.code, CAIRN_EINVAL);
	CHECK(store_open("", NULL, &E) == NULL);
	CHECK(store_open("/nonexistent-dir/x/y.db", NULL, &E) == NULL);
	CHECK_INT_EQ(E.code, CAIRN_EIO);
}

TEST(schema_version_is_latest)
{
	CHECK(store_schema_latest() >= 2);
	struct store *s = open_store();
	int v = -1;
	CHECK(store_schema_version(s, &v, &E) == 0);
	CHECK_INT_EQ(v, store_schema_latest());
	store_close(s);
	CHECK_INT_EQ(store_create_at_version(db_path("x.db"), -1, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_create_at_version(db_path("x.db"), store_schema_latest() + 1, &E),
		     CAIRN_EINVAL);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	CHECK_MSG(rc == SQLITE_OK, "raw sql failed: %s", msg ? msg : "?");
	sqlite3_close(db);
}

TEST(migrates_from_every_earlier_version)
{
	int latest = store_schema_latest();
	for (int v = 0; v < latest; v++) {
		char name[64];
		snprintf(name, sizeof name, "v%d.db", v);
		const char *path = db_path(name);
		CHECK_MSG(store_create_at_version(path, v, &E) == 0, "create v%d: %s", v, E.msg);
		if (v >= 1) {
			/* Data written the way version-1 code would have. */
			raw_exec(path,
				 "INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 1, 1);"
				 "INSERT INTO experiments VALUES (1, 'old', 'mlflow-artifacts:/1', 'active', 5, 6);"
				 "INSERT INTO experiment_tags VALUES (1, 'team', 'a');"
				 "INSERT INTO runs VALUES (1, '0123456789abcdef0123456789abcdef', 'r1', 1, 'me', 3,"
				 " 100, 200, 'mlflow-artifacts:/1/0123456789abcdef0123456789abcdef/artifacts', 'active', NULL);"
				 "INSERT INTO params VALUES (1, 'lr', '0.1');"
				 "INSERT INTO tags VALUES (1, 'mlflow.runName', 'r1');"
				 "INSERT INTO metrics VALUES (1, 'loss', 10, 0, 0.5, 0);"
				 "INSERT INTO metrics VALUES (1, 'loss', 20, 1, 0.25, 0);"
				 "INSERT INTO latest_metrics VALUES (1, 'loss', 0.25, 0, 20, 1);");
		}
		struct store *s = open_at(path, NULL);
		int got = -1;
		CHECK(store_schema_version(s, &got, &E) == 0);
		CHECK_INT_EQ(got, latest);
		CHECK_STR_EQ(get_exp(s, "0").name, "Default");
		if (v >= 1) {
			struct store_experiment e = get_exp(s, "1");
			CHECK_STR_EQ(e.name, "old");
			CHECK_STR_EQ(exp_tag(&e, "team"), "a");
			struct store_run r;
			CHECK(store_get_run(s, "0123456789abcdef0123456789abcdef", &A, &r, &E) == 0);
			CHECK_STR_EQ(r.info.run_name, "r1");
			CHECK_INT_EQ(r.info.status, STORE_RUN_FINISHED);
			CHECK_INT_EQ(r.info.end_time, 200);
			CHECK_INT_EQ(r.nparams, 1);
			CHECK_INT_EQ(r.nmetrics, 1);
			CHECK(r.metrics[0].value == 0.25);
			/* The tables of later migrations work on the migrated file. */
			struct store_dataset_input in = { .dataset = { "d", "dg", "local", "{}", NULL, NULL } };
			CHECK_MSG(store_log_inputs(s, r.info.run_id, &in, 1, &E) == 0, "%s", E.msg);
			struct store_run_query q = { .experiment_ids = (const char *[]){ "1" },
						     .nexperiment_ids = 1, .filter = "metrics.loss < 1" };
			struct store_run_page pg;
			CHECK_MSG(store_search_runs(s, &q, &A, &pg, &E) == 0, "%s", E.msg);
			CHECK_INT_EQ(pg.n, 1);
			CHECK_INT_EQ(pg.runs[0].ninputs, 1);
			/* New ids continue after the old ones. */
			CHECK_STR_EQ(mkexp(s, "new"), "2");
		}
		store_close(s);
	}
}

TEST(newer_schema_refused)
{
	const char *path = db_path("n.db");
	CHECK(store_create_at_version(path, store_schema_latest(), &E) == 0);
	raw_exec(path, "PRAGMA user_version=999");
	CHECK(store_open(path, NULL, &E) == NULL);
	CHECK_INT_EQ(E.code, CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "999");
}

TEST(reopen_keeps_everything)
{
	const char *path = db_path("re.db");
	struct store *s = open_at(path, NULL);
	const char *exp = mkexp(s, "keep");
	const char *run = mkrun(s, exp);
	struct store_metric m = { .key = "acc", .value = 0.75, .timestamp = 5, .step = 2 };
	CHECK(store_log_metric(s, run, &m, &E) == 0);
	CHECK(store_log_param(s, run, "p", "v", &E) == 0);
	CHECK(store_checkpoint(s, &E) == 0);
	store_close(s);
	s = open_at(path, NULL);
	struct store_run r;
	CHECK(store_get_run(s, run, &A, &r, &E) == 0);
	CHECK_STR_EQ(r.info.experiment_id, exp);
	CHECK_INT_EQ(r.nmetrics, 1);
	CHECK(r.metrics[0].value == 0.75);
	CHECK_INT_EQ(r.metrics[0].step, 2);
	CHECK_INT_EQ(r.nparams, 1);
	CHECK_STR_EQ(r.params[0].value, "v");
	store_close(s);
}

TEST(read_only_store)
{
	const char *path = db_path("ro.db");
	struct store *s = open_at(path, NULL);
	mkexp(s, "e");
	store_close(s);
	struct store_options o = { .read_only = 1 };
	s = open_at(path, &o);
	CHECK_STR_EQ(get_exp(s, "1").name, "e");
	const char *id;
	CHECK_INT_EQ(store_create_experiment(s, "f", NULL, NULL, 0, &A, &id, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "read-only");
	store_close(s);
	const char *old = db_path("old.db");
	CHECK(store_create_at_version(old, 1, &E) == 0);
	CHECK(store_open(old, &o, &E) == NULL);
	CHECK_INT_EQ(E.code, CAIRN_EINVAL);
}

/* ------------------------------------------------------------------ experiments */

TEST(create_and_get_experiment)
{
	struct store *s = open_store();
	struct store_tag tags[] = { { "team", "ml" }, { "a.b/c", "" } };
	const char *id = NULL;
	CHECK(store_create_experiment(s, "exp one", NULL, tags, 2, &A, &id, &E) == 0);
	CHECK_STR_EQ(id, "1");
	struct store_experiment e = get_exp(s, id);
	CHECK_STR_EQ(e.name, "exp one");
	CHECK_STR_EQ(e.artifact_location, "mlflow-artifacts:/1");
	CHECK_STR_EQ(e.lifecycle_stage, "active");
	CHECK(e.creation_time > 0 && e.last_update_time == e.creation_time);
	CHECK_INT_EQ(e.ntags, 2);
	CHECK_STR_EQ(exp_tag(&e, "team"), "ml");
	CHECK_STR_EQ(exp_tag(&e, "a.b/c"), "");
	CHECK(store_create_experiment(s, "two", "s3://bucket/x", NULL, 0, &A, &id, &E) == 0);
	CHECK_STR_EQ(id, "2");
	CHECK_STR_EQ(get_exp(s, "2").artifact_location, "s3://bucket/x");
	struct store_experiment byname;
	CHECK(store_get_experiment_by_name(s, "two", &A, &byname, &E) == 0);
	CHECK_STR_EQ(byname.experiment_id, "2");
	store_close(s);
}

TEST(create_experiment_duplicate_name)
{
	struct store *s = open_store();
	const char *id = mkexp(s, "dup");
	CHECK_INT_EQ(store_create_experiment(s, "dup", NULL, NULL, 0, &A, &id, &E), CAIRN_EEXIST);
	CHECK_STR_CONTAINS(E.msg, "Experiment(name=dup) already exists");
	CHECK(store_delete_experiment(s, "1", &E) == 0);
	/* Names stay taken by deleted experiments too. */
	CHECK_INT_EQ(store_create_experiment(s, "dup", NULL, NULL, 0, &A, &id, &E), CAIRN_EEXIST);
	CHECK_INT_EQ(store_create_experiment(s, "Default", NULL, NULL, 0, &A, &id, &E), CAIRN_EEXIST);
	store_close(s);
}

TEST(create_experiment_invalid)
{
	struct store *s = open_store();
	const char *id;
	CHECK_INT_EQ(store_create_experiment(s, "", NULL, NULL, 0, &A, &id, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "Invalid experiment name");
	CHECK_INT_EQ(store_create_experiment(s, NULL, NULL, NULL, 0, &A, &id, &E), CAIRN_EINVAL);
	/* 500 code points are fine even when they take 1000 bytes; 501 are not. */
	CHECK(store_create_experiment(s, repeat("\xc3\xa9", 500), NULL, NULL, 0, &A, &id, &E) == 0);
	CHECK_INT_EQ(store_create_experiment(s, repeat("a", 501), NULL, NULL, 0, &A, &id, &E),
		     CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "500");
	CHECK_INT_EQ(store_create_experiment(s, "f", "s3://b/x#frag", NULL, 0, &A, &id, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "fragment");
	CHECK_INT_EQ(store_create_experiment(s, "f", "s3://b/x;p=1", NULL, 0, &A, &id, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_create_experiment(s, "f", "s3://b/x?a=../y", NULL, 0, &A, &id, &E), CAIRN_EINVAL);
	struct store_tag bad_key = { "a//b", "v" };
	CHECK_INT_EQ(store_create_experiment(s, "f", NULL, &bad_key, 1, &A, &id, &E), CAIRN_EINVAL);
	struct store_tag long_val = { "k", repeat("x", 5001) };
	CHECK_INT_EQ(store_create_experiment(s, "f", NULL, &long_val, 1, &A, &id, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "5000");
	/* Nothing of the failed attempts was written. */
	struct store_experiment e;
	CHECK_INT_EQ(store_get_experiment_by_name(s, "f", &A, &e, &E), CAIRN_ENOENT);
	store_close(s);
}

TEST(get_experiment_errors)
{
	struct store *s = open_store();
	struct store_experiment e;
	CHECK_INT_EQ(store_get_experiment(s, "999", &A, &e, &E), CAIRN_ENOENT);
	CHECK_STR_EQ(E.msg, "No Experiment with id=999 exists");
	CHECK_INT_EQ(store_get_experiment(s, "abc", &A, &e, &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_get_experiment(s, "", &A, &e, &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_get_experiment_by_name(s, "nope", &A, &e, &E), CAIRN_ENOENT);
	CHECK_STR_EQ(E.msg, "Could not find experiment with name 'nope'");
	CHECK_INT_EQ(store_get_experiment_by_name(s, "", &A, &e, &E), CAIRN_EINVAL);
	/* Deleted experiments are found by name (the client relies on it). */
	mkexp(s, "gone");
	CHECK(store_delete_experiment(s, "1", &E) == 0);
	CHECK(store_get_experiment_by_name(s, "gone", &A, &e, &E) == 0);
	CHECK_STR_EQ(e.lifecycle_stage, "deleted");
	CHECK(store_get_experiment(s, "1", &A, &e, &E) == 0);
	store_close(s);
}

TEST(rename_experiment)
{
	struct store *s = open_store();
	const char *id = mkexp(s, "a");
	mkexp(s, "b");
	int64_t before = get_exp(s, id).last_update_time;
	usleep(2000);
	CHECK(store_rename_experiment(s, id, "a2", &E) == 0);
	struct store_experiment e = get_exp(s, id);
	CHECK_STR_EQ(e.name, "a2");
	CHECK(e.last_update_time > before);
	CHECK(store_rename_experiment(s, id, "a2", &E) == 0);  /* own name again */
	CHECK_INT_EQ(store_rename_experiment(s, id, "b", &E), CAIRN_EEXIST);
	CHECK_INT_EQ(store_rename_experiment(s, id, "", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_rename_experiment(s, "77", "z", &E), CAIRN_ENOENT);
	CHECK(store_delete_experiment(s, id, &E) == 0);
	CHECK_INT_EQ(store_rename_experiment(s, id, "z", &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "deleted");
	store_close(s);
}

TEST(delete_restore_cascade_to_runs)
{
	struct store *s = open_store();
	const char *id = mkexp(s, "c");
	const char *r1 = mkrun(s, id), *r2 = mkrun(s, id);
	const char *other = mkrun(s, "0");
	CHECK(store_delete_run(s, r1, &E) == 0);
	CHECK(store_delete_experiment(s, id, &E) == 0);
	struct store_run r;
	CHECK(store_get_run(s, r2, &A, &r, &E) == 0);
	CHECK_STR_EQ(r.info.lifecycle_stage, "deleted");
	CHECK(store_get_run(s, other, &A, &r, &E) == 0);
	CHECK_STR_EQ(r.info.lifecycle_stage, "active");
	CHECK_STR_EQ(get_exp(s, id).lifecycle_stage, "deleted");
	CHECK_INT_EQ(store_delete_experiment(s, id, &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_restore_experiment(s, "0", &E), CAIRN_ENOENT);  /* active */
	CHECK(store_restore_experiment(s, id, &E) == 0);
	CHECK_STR_EQ(get_exp(s, id).lifecycle_stage, "active");
	/* Restoring marks every run active, also one deleted on its own before. */
	CHECK(store_get_run(s, r1, &A, &r, &E) == 0);
	CHECK_STR_EQ(r.info.lifecycle_stage, "active");
	CHECK(store_get_run(s, r2, &A, &r, &E) == 0);
	CHECK_STR_EQ(r.info.lifecycle_stage, "active");
	CHECK_INT_EQ(store_restore_experiment(s, id, &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_delete_experiment(s, "42", &E), CAIRN_ENOENT);
	CHECK_STR_EQ(E.msg, "No Experiment with id=42 exists");
	CHECK_INT_EQ(store_delete_experiment(s, "x", &E), CAIRN_ENOENT);
	store_close(s);
}

TEST(default_experiment_cannot_be_deleted)
{
	struct store *s = open_store();
	CHECK_INT_EQ(store_delete_experiment(s, "0", &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "default experiment");
	CHECK_STR_EQ(get_exp(s, "0").lifecycle_stage, "active");
	store_close(s);
}

TEST(set_experiment_tag)
{
	struct store *s = open_store();
	const char *id = mkexp(s, "t");
	CHECK(store_set_experiment_tag(s, id, "k", "v1", &E) == 0);
	CHECK(store_set_experiment_tag(s, id, "k", "v2", &E) == 0);
	CHECK(store_set_experiment_tag(s, id, "k2", repeat("x", 5000), &E) == 0);
	struct store_experiment e = get_exp(s, id);
	CHECK_INT_EQ(e.ntags, 2);
	CHECK_STR_EQ(exp_tag(&e, "k"), "v2");
	CHECK_INT_EQ(strlen(exp_tag(&e, "k2")), 5000);
	CHECK_INT_EQ(store_set_experiment_tag(s, id, "k", repeat("x", 5001), &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_set_experiment_tag(s, id, "/abs", "v", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_set_experiment_tag(s, id, NULL, "v", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_set_experiment_tag(s, "99", "k", "v", &E), CAIRN_ENOENT);
	CHECK(store_delete_experiment(s, id, &E) == 0);
	CHECK_INT_EQ(store_set_experiment_tag(s, id, "k", "v3", &E), CAIRN_EINVAL);
	CHECK_STR_EQ(E.msg, "The experiment 1 must be in the 'active' state. Current state is deleted.");
	e = get_exp(s, id);
	CHECK_STR_EQ(exp_tag(&e, "k"), "v2");
	store_close(s);
}

/* ------------------------------------------------------------------ search */

static struct store_experiment_page search_exp(struct store *s, const struct store_experiment_query *q)
{
	struct store_experiment_page p;
	int rc = store_search_experiments(s, q, &A, &p, &E);
	CHECK_MSG(rc == 0, "search_experiments: %s", E.msg);
	return p;
}

static void set_times(const char *path, const char *id, int64_t ct, int64_t lut)
{
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE experiments SET creation_time=%lld, last_update_time=%lld "
		 "WHERE experiment_id=%s", (long long)ct, (long long)lut, id);
	raw_exec(path, sql);
}

/* Experiments 1..4 with known times; 0 is the default. */
static struct store *exp_fixture(void)
{
	const char *path = db_path("t.db");
	struct store *s = open_store();
	mkexp(s, "alpha");
	mkexp(s, "Beta");
	mkexp(s, "gamma");
	mkexp(s, "beta-2");
	set_times(path, "0", 10, 10);
	set_times(path, "1", 100, 400);
	set_times(path, "2", 300, 300);
	set_times(path, "3", 300, 200);
	set_times(path, "4", 200, 100);
	CHECK(store_set_experiment_tag(s, "1", "team", "ml", &E) == 0);
	CHECK(store_set_experiment_tag(s, "2", "team", "ML", &E) == 0);
	CHECK(store_set_experiment_tag(s, "3", "other", "x", &E) == 0);
	return s;
}

static void check_ids(const struct store_experiment_page *p, const char *want)
{
	char got[256] = "";
	for (size_t i = 0; i < p->n; i++) {
		size_t l = strlen(got);
		snprintf(got + l, sizeof got - l, "%s%s", i ? "," : "", p->experiments[i].experiment_id);
	}
	CHECK_STR_EQ(got, want);
}

TEST(search_experiments_default_order)
{
	struct store *s = exp_fixture();
	struct store_experiment_query q = { 0 };
	struct store_experiment_page p = search_exp(s, &q);
	/* creation_time DESC, then experiment_id ASC among equal times. */
	check_ids(&p, "2,3,4,1,0");
	CHECK(p.next_page_token == NULL);
	CHECK_STR_EQ(exp_tag(&p.experiments[0], "team"), "ML");
	store_close(s);
}

TEST(search_experiments_filters)
{
	struct store *s = exp_fixture();
	struct store_experiment_query q = { .filter = "name LIKE 'b%'" };
	struct store_experiment_page p = search_exp(s, &q);
	check_ids(&p, "4");                     /* LIKE is case-sensitive */
	q.filter = "name ILIKE 'b%'";
	check_ids((p = search_exp(s, &q), &p), "2,4");
	q.filter = "name = 'gamma'";
	check_ids((p = search_exp(s, &q), &p), "3");
	q.filter = "name != 'gamma'";
	check_ids((p = search_exp(s, &q), &p), "2,4,1,0");
	q.filter = "tags.team = 'ml'";
	check_ids((p = search_exp(s, &q), &p), "1");
	q.filter = "tags.team ILIKE 'ml'";
	check_ids((p = search_exp(s, &q), &p), "2,1");
	/* Experiments without the tag never match, not even != */
	q.filter = "tags.team != 'ml'";
	check_ids((p = search_exp(s, &q), &p), "2");
	q.filter = "creation_time >= 200 AND last_update_time < 300";
	check_ids((p = search_exp(s, &q), &p), "3,4");
	q.filter = "name = 'nothing'";
	p = search_exp(s, &q);
	CHECK_INT_EQ(p.n, 0);
	CHECK(p.next_page_token == NULL);
	q.filter = "name = 'x' OR name = 'y'";
	struct store_experiment_page bad;
	CHECK_INT_EQ(store_search_experiments(s, &q, &A, &bad, &E), CAIRN_EINVAL);
	store_close(s);
}

TEST(search_experiments_order_by)
{
	struct store *s = exp_fixture();
	struct store_experiment_page p;
	struct store_experiment_query q = { .order_by = (const char *[]){ "name ASC" }, .norder_by = 1 };
	check_ids((p = search_exp(s, &q), &p), "2,0,1,4,3");  /* byte order: 'B' < 'D' < 'a' */
	q.order_by = (const char *[]){ "last_update_time DESC" };
	check_ids((p = search_exp(s, &q), &p), "1,2,3,4,0");
	/* Ties broken by experiment_id DESC when experiment_id is not among the keys. */
	q.order_by = (const char *[]){ "creation_time" };
	check_ids((p = search_exp(s, &q), &p), "0,1,4,3,2");
	q.order_by = (const char *[]){ "creation_time DESC", "experiment_id ASC" };
	q.norder_by = 2;
	check_ids((p = search_exp(s, &q), &p), "2,3,4,1,0");
	q.order_by = (const char *[]){ "name", "name DESC" };
	CHECK_INT_EQ(store_search_experiments(s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.order_by = (const char *[]){ "tags.team" };
	q.norder_by = 1;
	CHECK_INT_EQ(store_search_experiments(s, &q, &A, &p, &E), CAIRN_EINVAL);
	store_close(s);
}

TEST(search_experiments_view_types)
{
	struct store *s = exp_fixture();
	CHECK(store_delete_experiment(s, "3", &E) == 0);
	struct store_experiment_page p;
	struct store_experiment_query q = { .view_type = STORE_VIEW_ACTIVE_ONLY };
	check_ids((p = search_exp(s, &q), &p), "2,4,1,0");
	q.view_type = STORE_VIEW_DELETED_ONLY;
	check_ids((p = search_exp(s, &q), &p), "3");
	q.view_type = STORE_VIEW_ALL;
	check_ids((p = search_exp(s, &q), &p), "2,3,4,1,0");
	q.view_type = 9;
	CHECK_INT_EQ(store_search_experiments(s, &q, &A, &p, &E), CAIRN_EINVAL);
	store_close(s);
}

TEST(search_experiments_paging)
{
	struct store *s = exp_fixture();
	struct store_experiment_query q = { .max_results = 2 };
	char seen[256] = "";
	int pages = 0;
	for (;;) {
		struct store_experiment_page p = search_exp(s, &q);
		pages++;
		for (size_t i = 0; i < p.n; i++) {
			size_t l = strlen(seen);
			snprintf(seen + l, sizeof seen - l, "%s,", p.experiments[i].experiment_id);
		}
		if (!p.next_page_token)
			break;
		CHECK_INT_EQ(p.n, 2);
		q.page_token = p.next_page_token;
		CHECK(pages < 10);
	}
	CHECK_STR_EQ(seen, "2,3,4,1,0,");
	CHECK_INT_EQ(pages, 3);
	/* The "+1" rule: a full last page carries no token. */
	q.page_token = NULL;
	q.max_results = 5;
	struct store_experiment_page p = search_exp(s, &q);
	CHECK_INT_EQ(p.n, 5);
	CHECK(p.next_page_token == NULL);
	q.max_results = -1;
	CHECK_INT_EQ(store_search_experiments(s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.max_results = STORE_EXPERIMENTS_MAX_RESULTS + 1;
	CHECK_INT_EQ(store_search_experiments(s, &q, &A, &p, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "50000");
	q.max_results = STORE_EXPERIMENTS_MAX_RESULTS;
	CHECK_INT_EQ(search_exp(s, &q).n, 5);
	q.page_token = "garbage!";
	CHECK_INT_EQ(store_search_experiments(s, &q, &A, &p, &E), CAIRN_EINVAL);
	store_close(s);
}

/* ------------------------------------------------------------------ validation, enums */

TEST(validate_key_rules)
{
	const char *good[] = { "a", "a/b", "a.b", "a-b_c", "x y", "x:y", "\xc3\xa9t\xc3\xa9",
			       "a..b", "a/.b", ".a", "mlflow.runName" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK_MSG(store_validate_key("metric", good[i], &E) == 0, "'%s': %s", good[i], E.msg);
	const char *bad[] = { "", ".", "..", "/a", "a/", "a//b", "a/./b", "a/../b", "../a", "./a",
			      "a/.", "a/..", "..a", "/abs", "a$b", "a\\b", "a\tb", "a#b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(store_validate_key("param", bad[i], &E) == CAIRN_EINVAL, "'%s' accepted", bad[i]);
	CHECK_INT_EQ(store_validate_key("tag", "a/../b", &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "would resolve to 'b'");
	CHECK_INT_EQ(store_validate_key("tag", "a$", &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "Names may only contain");
	CHECK(store_validate_key("tag", repeat("\xc3\xa9", 250), &E) == 0);
	CHECK_INT_EQ(store_validate_key("tag", repeat("a", 251), &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "Tag key");
	CHECK_INT_EQ(store_validate_key("metric", NULL, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "Missing value for required parameter 'key'");
	CHECK_INT_EQ(store_validate_key("metric", "\xff", &E), CAIRN_EINVAL);
}

TEST(validate_run_id_rules)
{
	CHECK(store_validate_run_id("0123456789abcdef0123456789abcdef", &E) == 0);
	CHECK(store_validate_run_id("A-b_c", &E) == 0);
	CHECK(store_validate_run_id(repeat("a", 256), &E) == 0);
	CHECK_INT_EQ(store_validate_run_id(repeat("a", 257), &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_validate_run_id("", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_validate_run_id(NULL, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_validate_run_id("-abc", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_validate_run_id("_abc", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_validate_run_id("ab c", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_validate_run_id("ab/c", &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "run_id");
}

TEST(status_and_view_enums)
{
	CHECK_STR_EQ(store_run_status_name(STORE_RUN_RUNNING), "RUNNING");
	CHECK_STR_EQ(store_run_status_name(STORE_RUN_KILLED), "KILLED");
	CHECK(store_run_status_name(0) == NULL);
	CHECK(store_run_status_name(6) == NULL);
	CHECK_INT_EQ(store_run_status_parse("FINISHED"), STORE_RUN_FINISHED);
	CHECK_INT_EQ(store_run_status_parse("2"), STORE_RUN_SCHEDULED);
	CHECK_INT_EQ(store_run_status_parse("finished"), -1);
	CHECK_INT_EQ(store_run_status_parse("0"), -1);
	CHECK_INT_EQ(store_run_status_parse("6"), -1);
	CHECK_INT_EQ(store_run_status_parse(""), -1);
	CHECK_INT_EQ(store_run_status_parse(NULL), -1);
	CHECK_INT_EQ(store_view_type_parse("ACTIVE_ONLY"), STORE_VIEW_ACTIVE_ONLY);
	CHECK_INT_EQ(store_view_type_parse("DELETED_ONLY"), STORE_VIEW_DELETED_ONLY);
	CHECK_INT_EQ(store_view_type_parse("ALL"), STORE_VIEW_ALL);
	CHECK_INT_EQ(store_view_type_parse("3"), STORE_VIEW_ALL);
	CHECK_INT_EQ(store_view_type_parse("all"), -1);
	CHECK_INT_EQ(store_view_type_parse("4"), -1);
	CHECK_INT_EQ(store_view_type_parse(NULL), -1);
}

TEST(allocation_failures_are_reported)
{
	struct store *s = open_store();
	mkexp(s, "x");
	/* Fail each allocation in turn: every call must fail cleanly or succeed, never crash. */
	for (long n = 1; n < 40; n++) {
		struct arena a;
		arena_init(&a, 0);
		struct store_experiment_page p;
		struct store_experiment_query q = { .filter = "name LIKE '%'" };
		cairn_alloc_fail_after(n);
		int rc = store_search_experiments(s, &q, &a, &p, &E);
		cairn_alloc_fail_after(0);
		CHECK(rc == 0 || rc == CAIRN_ENOMEM);
		if (rc == 0)
			CHECK_INT_EQ(p.n, 2);
		arena_release(&a);
	}
	store_close(s);
}

TEST_MAIN(default_experiment_exists, artifact_root_plain_path, open_uri_forms,
	  schema_version_is_latest, migrates_from_every_earlier_version, newer_schema_refused,
	  reopen_keeps_everything, read_only_store, create_and_get_experiment,
	  create_experiment_duplicate_name, create_experiment_invalid, get_experiment_errors,
	  rename_experiment, delete_restore_cascade_to_runs, default_experiment_cannot_be_deleted,
	  set_experiment_tag, search_experiments_default_order, search_experiments_filters,
	  search_experiments_order_by, search_experiments_view_types, search_experiments_paging,
	  validate_key_rules, validate_run_id_rules, status_and_view_enums,
	  allocation_failures_are_reported)
