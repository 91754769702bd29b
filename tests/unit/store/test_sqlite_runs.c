/* SQLite store: runs, params, tags, metrics, log-batch, log-inputs, log-model. */
#include "../../harness.h"
#include "store/store.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct arena A;
static struct cairn_error E;

static struct store *open_store(void)
{
	char path[2048];
	snprintf(path, sizeof path, "%s/t.db", test_tmpdir());
	struct store *s = store_open(path, NULL, &E);
	CHECK_MSG(s != NULL, "store_open: %s", E.msg);
	return s;
}

static struct store_run create(struct store *s, const struct store_run_create *req)
{
	struct store_run r;
	int rc = store_create_run(s, req, &A, &r, &E);
	CHECK_MSG(rc == 0, "create_run: %s", E.msg);
	return r;
}

static const char *mkrun(struct store *s)
{
	struct store_run_create req = { .user_id = "u" };
	return create(s, &req).info.run_id;
}

static struct store_run get(struct store *s, const char *id)
{
	struct store_run r;
	int rc = store_get_run(s, id, &A, &r, &E);
	CHECK_MSG(rc == 0, "get_run(%s): %s", id, E.msg);
	return r;
}

static const char *tag_of(const struct store_tag *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].key, key) == 0)
			return t[i].value;
	return NULL;
}

static const struct store_metric *metric_of(const struct store_run *r, const char *key)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].key, key) == 0)
			return &r->metrics[i];
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

static void logm(struct store *s, const char *run, const char *key, double v, int64_t ts, int64_t step)
{
	struct store_metric m = { .key = key, .value = v, .timestamp = ts, .step = step };
	int rc = store_log_metric(s, run, &m, &E);
	CHECK_MSG(rc == 0, "log_metric: %s", E.msg);
}

static struct store_metric_page history(struct store *s, const char *run, const char *key)
{
	struct store_metric_page p;
	int rc = store_get_metric_history(s, run, key, 0, NULL, &A, &p, &E);
	CHECK_MSG(rc == 0, "history: %s", E.msg);
	return p;
}

/* ------------------------------------------------------------------ create / get */

TEST(create_run_defaults)
{
	struct store *s = open_store();
	int64_t before = time_now_ms();
	struct store_run_create req = { .user_id = "alice" };
	struct store_run r = create(s, &req);
	CHECK_INT_EQ(strlen(r.info.run_id), 32);
	for (const char *p = r.info.run_id; *p; p++)
		CHECK((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	CHECK_STR_EQ(r.info.experiment_id, "0");
	CHECK_STR_EQ(r.info.user_id, "alice");
	CHECK_INT_EQ(r.info.status, STORE_RUN_RUNNING);
	CHECK_STR_EQ(r.info.lifecycle_stage, "active");
	CHECK_INT_EQ(r.info.has_end_time, 0);
	CHECK(r.info.start_time >= before && r.info.start_time <= time_now_ms());
	char uri[128];
	snprintf(uri, sizeof uri, "mlflow-artifacts:/0/%s/artifacts", r.info.run_id);
	CHECK_STR_EQ(r.info.artifact_uri, uri);
	/* adjective-noun-NNN, mirrored in the tag */
	const char *n = r.info.run_name;
	const char *d1 = strchr(n, '-');
	CHECK(d1 && d1 > n);
	const char *d2 = strchr(d1 + 1, '-');
	CHECK(d2 && d2 > d1 + 1);
	CHECK(strlen(d2 + 1) >= 1 && strlen(d2 + 1) <= 3);
	CHECK(strspn(d2 + 1, "0123456789") == strlen(d2 + 1));
	CHECK_STR_EQ(tag_of(r.tags, r.ntags, "mlflow.runName"), n);
	CHECK_INT_EQ(r.ntags, 1);
	CHECK_INT_EQ(r.nparams + r.nmetrics + r.ninputs, 0);
	struct store_run g = get(s, r.info.run_id);
	CHECK_STR_EQ(g.info.run_name, n);
	CHECK_INT_EQ(g.ntags, 1);
	/* Two generated names are (very likely) different runs with different ids. */
	CHECK(strcmp(mkrun(s), r.info.run_id) != 0);
	store_close(s);
}

TEST(create_run_name_rules)
{
	struct store *s = open_store();
	struct store_tag t1[] = { { "mlflow.runName", "from-tag" }, { "mlflow.user", "bob" } };
	struct store_run_create req = { .tags = t1, .ntags = 2, .start_time = 1234 };
	struct store_run r = create(s, &req);
	CHECK_STR_EQ(r.info.run_name, "from-tag");
	CHECK_INT_EQ(r.info.start_time, 1234);
	CHECK_INT_EQ(r.ntags, 2);
	req.run_name = "from-tag";  /* same value in both: fine */
	r = create(s, &req);
	CHECK_STR_EQ(r.info.run_name, "from-tag");
	req.run_name = "other";
	struct store_run bad;
	CHECK_INT_EQ(store_create_run(s, &req, &A, &bad, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "different values");
	struct store_run_create req2 = { .run_name = "explicit" };
	r = create(s, &req2);
	CHECK_STR_EQ(r.info.run_name, "explicit");
	CHECK_STR_EQ(tag_of(r.tags, r.ntags, "mlflow.runName"), "explicit");
	store_close(s);
}

TEST(create_run_errors)
{
	struct store *s = open_store();
	struct store_run r;
	struct store_run_create req = { .experiment_id = "5" };
	CHECK_INT_EQ(store_create_run(s, &req, &A, &r, &E), CAIRN_ENOENT);
	CHECK_STR_EQ(E.msg, "No Experiment with id=5 exists");
	req.experiment_id = "abc";
	CHECK_INT_EQ(store_create_run(s, &req, &A, &r, &E), CAIRN_ENOENT);
	const char *id;
	CHECK(store_create_experiment(s, "e", "/art", NULL, 0, &A, &id, &E) == 0);
	req.experiment_id = id;
	r = create(s, &req);
	CHECK(str_has_prefix(r.info.artifact_uri, "/art/"));
	CHECK_STR_EQ(r.info.experiment_id, "1");
	CHECK(store_delete_experiment(s, id, &E) == 0);
	CHECK_INT_EQ(store_create_run(s, &req, &A, &r, &E), CAIRN_EINVAL);
	CHECK_STR_EQ(E.msg, "The experiment 1 must be in the 'active' state. Current state is deleted.");
	struct store_tag bad = { "bad//key", "v" };
	struct store_run_create req3 = { .tags = &bad, .ntags = 1 };
	CHECK_INT_EQ(store_create_run(s, &req3, &A, &r, &E), CAIRN_EINVAL);
	store_close(s);
}

TEST(create_run_truncates_tag_values)
{
	struct store *s = open_store();
	struct store_tag t = { "long", repeat("\xc3\xa9", 8001) };
	struct store_run_create req = { .tags = &t, .ntags = 1 };
	struct store_run r = create(s, &req);
	const char *v = tag_of(r.tags, r.ntags, "long");
	CHECK(v != NULL);
	CHECK_INT_EQ(strlen(v), 16000);  /* 8000 code points of two bytes */
	store_close(s);
}

TEST(get_run_errors)
{
	struct store *s = open_store();
	struct store_run r;
	CHECK_INT_EQ(store_get_run(s, "0123456789abcdef0123456789abcdef", &A, &r, &E), CAIRN_ENOENT);
	CHECK_STR_EQ(E.msg, "Run with id=0123456789abcdef0123456789abcdef not found");
	CHECK_INT_EQ(store_get_run(s, "not a run", &A, &r, &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_get_run(s, "", &A, &r, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_get_run(s, NULL, &A, &r, &E), CAIRN_EINVAL);
	store_close(s);
}

TEST(update_run)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	struct store_run_info info;
	struct store_run_update u = { .run_id = id, .status = STORE_RUN_FINISHED, .has_end_time = 1,
				      .end_time = 999 };
	CHECK(store_update_run(s, &u, &A, &info, &E) == 0);
	CHECK_INT_EQ(info.status, STORE_RUN_FINISHED);
	CHECK_INT_EQ(info.has_end_time, 1);
	CHECK_INT_EQ(info.end_time, 999);
	const char *old_name = info.run_name;
	struct store_run_update u2 = { .run_id = id, .run_name = "renamed" };
	CHECK(store_update_run(s, &u2, &A, &info, &E) == 0);
	CHECK_INT_EQ(info.status, STORE_RUN_FINISHED);  /* unchanged */
	CHECK_INT_EQ(info.end_time, 999);
	CHECK_STR_EQ(info.run_name, "renamed");
	CHECK(strcmp(old_name, "renamed") != 0);
	struct store_run r = get(s, id);
	CHECK_STR_EQ(tag_of(r.tags, r.ntags, "mlflow.runName"), "renamed");
	/* Any transition is allowed, e.g. back to RUNNING. */
	struct store_run_update u3 = { .run_id = id, .status = STORE_RUN_RUNNING };
	CHECK(store_update_run(s, &u3, &A, &info, &E) == 0);
	CHECK_INT_EQ(info.status, STORE_RUN_RUNNING);
	CHECK(store_update_run(s, &u3, &A, NULL, &E) == 0);
	struct store_run_update bad = { .run_id = id, .status = 9 };
	CHECK_INT_EQ(store_update_run(s, &bad, &A, &info, &E), CAIRN_EINVAL);
	struct store_run_update unknown = { .run_id = "ffffffffffffffffffffffffffffffff", .status = 3 };
	CHECK_INT_EQ(store_update_run(s, &unknown, &A, &info, &E), CAIRN_ENOENT);
	store_close(s);
}

TEST(delete_restore_run)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	CHECK(store_delete_run(s, id, &E) == 0);
	CHECK_STR_EQ(get(s, id).info.lifecycle_stage, "deleted");
	CHECK(store_delete_run(s, id, &E) == 0);  /* twice is fine */
	CHECK(store_restore_run(s, id, &E) == 0);
	CHECK_STR_EQ(get(s, id).info.lifecycle_stage, "active");
	CHECK(store_restore_run(s, id, &E) == 0);
	CHECK_INT_EQ(store_delete_run(s, "ffffffffffffffffffffffffffffffff", &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_restore_run(s, "nope", &E), CAIRN_ENOENT);
	store_close(s);
}

TEST(writes_to_deleted_run_fail)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	CHECK(store_set_tag(s, id, "t", "v", &E) == 0);
	CHECK(store_delete_run(s, id, &E) == 0);
	char want[256];
	snprintf(want, sizeof want, "The run %s must be in the 'active' state. Current state is deleted.", id);
	struct store_metric m = { .key = "m", .value = 1, .timestamp = 1 };
	CHECK_INT_EQ(store_log_metric(s, id, &m, &E), CAIRN_EINVAL);
	CHECK_STR_EQ(E.msg, want);
	CHECK_INT_EQ(store_log_param(s, id, "p", "v", &E), CAIRN_EINVAL);
	CHECK_STR_EQ(E.msg, want);
	CHECK_INT_EQ(store_set_tag(s, id, "t", "w", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_delete_tag(s, id, "t", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_log_batch(s, id, &m, 1, NULL, 0, NULL, 0, &E), CAIRN_EINVAL);
	CHECK_STR_EQ(E.msg, want);
	struct store_dataset_input in = { .dataset = { "d", "g", "local", "src", NULL, NULL } };
	CHECK_INT_EQ(store_log_inputs(s, id, &in, 1, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_log_model(s, id, "{\"artifact_path\":\"m\",\"flavors\":{},"
				     "\"utc_time_created\":\"t\",\"run_id\":\"x\"}", &E), CAIRN_EINVAL);
	struct store_run_update u = { .run_id = id, .status = STORE_RUN_FAILED };
	struct store_run_info info;
	CHECK_INT_EQ(store_update_run(s, &u, &A, &info, &E), CAIRN_EINVAL);
	CHECK_STR_EQ(E.msg, want);
	CHECK(store_restore_run(s, id, &E) == 0);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(r.nmetrics + r.nparams + r.ninputs, 0);
	CHECK_STR_EQ(tag_of(r.tags, r.ntags, "t"), "v");
	CHECK_INT_EQ(r.info.status, STORE_RUN_RUNNING);
	store_close(s);
}

/* ------------------------------------------------------------------ metrics */

TEST(metric_history_and_dedup)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	logm(s, id, "loss", 0.5, 100, 0);
	logm(s, id, "loss", 0.5, 100, 0);   /* identical: ignored */
	logm(s, id, "loss", 0.4, 100, 0);   /* different value: a new point */
	logm(s, id, "loss", 0.3, 50, 1);
	logm(s, id, "loss", 0.2, 100, -1);  /* negative steps are fine */
	logm(s, id, "other", 7, 1, 0);
	struct store_metric_page p = history(s, id, "loss");
	CHECK_INT_EQ(p.n, 4);
	CHECK(p.next_page_token == NULL);
	/* (timestamp, step, value) ascending */
	CHECK(p.metrics[0].timestamp == 50 && p.metrics[0].value == 0.3);
	CHECK(p.metrics[1].timestamp == 100 && p.metrics[1].step == -1);
	CHECK(p.metrics[2].value == 0.4 && p.metrics[3].value == 0.5);
	for (size_t i = 0; i < p.n; i++)
		CHECK_STR_EQ(p.metrics[i].key, "loss");
	CHECK_INT_EQ(history(s, id, "missing").n, 0);
	struct store_metric_page q;
	CHECK_INT_EQ(store_get_metric_history(s, "ffffffffffffffffffffffffffffffff", "loss", 0, NULL,
					      &A, &q, &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_get_metric_history(s, id, "", 0, NULL, &A, &q, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_get_metric_history(s, id, "loss", -1, NULL, &A, &q, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_get_metric_history(s, id, "loss", 0, "bad token", &A, &q, &E), CAIRN_EINVAL);
	/* History of a deleted run is still readable. */
	CHECK(store_delete_run(s, id, &E) == 0);
	CHECK_INT_EQ(history(s, id, "loss").n, 4);
	store_close(s);
}

TEST(metric_nan_inf_round_trip)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	logm(s, id, "n", NAN, 1, 0);
	logm(s, id, "n", NAN, 1, 0);  /* identical NaN point: ignored */
	logm(s, id, "pinf", INFINITY, 1, 0);
	logm(s, id, "minf", -INFINITY, 1, 0);
	struct store_metric_page p = history(s, id, "n");
	CHECK_INT_EQ(p.n, 1);
	CHECK(isnan(p.metrics[0].value));
	p = history(s, id, "pinf");
	CHECK(isinf(p.metrics[0].value) && p.metrics[0].value > 0);
	p = history(s, id, "minf");
	CHECK(isinf(p.metrics[0].value) && p.metrics[0].value < 0);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(r.nmetrics, 3);
	CHECK(isnan(metric_of(&r, "n")->value));
	CHECK(metric_of(&r, "pinf")->value == INFINITY);
	CHECK(metric_of(&r, "minf")->value == -INFINITY);
	store_close(s);
}

TEST(latest_metric_rule)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	logm(s, id, "m", 5, 100, 1);
	logm(s, id, "m", 1, 50, 2);     /* greater step wins even with an older timestamp */
	struct store_run r = get(s, id);
	CHECK(metric_of(&r, "m")->value == 1);
	logm(s, id, "m", 9, 10, 1);     /* a smaller step never replaces */
	logm(s, id, "m", 0.5, 50, 2);   /* same step and time, smaller value */
	r = get(s, id);
	CHECK(metric_of(&r, "m")->value == 1);
	logm(s, id, "m", 3, 50, 2);     /* same step and time, greater value */
	r = get(s, id);
	CHECK(metric_of(&r, "m")->value == 3);
	logm(s, id, "m", -7, 60, 2);    /* same step, later time */
	r = get(s, id);
	const struct store_metric *m = metric_of(&r, "m");
	CHECK(m->value == -7 && m->timestamp == 60 && m->step == 2);
	/* NaN counts as 0 in the comparison (MLflow's SQL store): 0 does not beat NaN... */
	logm(s, id, "n", NAN, 5, 5);
	logm(s, id, "n", 0, 5, 5);
	r = get(s, id);
	CHECK(isnan(metric_of(&r, "n")->value));
	/* ...but a positive value at the same point does, and NaN does not beat it back. */
	logm(s, id, "n", 0.1, 5, 5);
	logm(s, id, "n", NAN, 5, 5);
	r = get(s, id);
	CHECK(metric_of(&r, "n")->value == 0.1);
	store_close(s);
}

TEST(log_metric_errors)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	struct store_metric m = { .key = "ok", .value = 1, .timestamp = -1 };
	CHECK_INT_EQ(store_log_metric(s, id, &m, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "timestamp");
	m.timestamp = 0;
	m.key = "bad//key";
	CHECK_INT_EQ(store_log_metric(s, id, &m, &E), CAIRN_EINVAL);
	m.key = NULL;
	CHECK_INT_EQ(store_log_metric(s, id, &m, &E), CAIRN_EINVAL);
	m.key = "ok";
	CHECK_INT_EQ(store_log_metric(s, "ffffffffffffffffffffffffffffffff", &m, &E), CAIRN_ENOENT);
	CHECK_INT_EQ(store_log_metric(s, "", &m, &E), CAIRN_EINVAL);
	CHECK(store_log_metric(s, id, &m, &E) == 0);  /* timestamp 0 is valid */
	CHECK_INT_EQ(history(s, id, "ok").n, 1);
	store_close(s);
}

/* ------------------------------------------------------------------ params, tags */

TEST(params_are_immutable)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	CHECK(store_log_param(s, id, "lr", "0.1", &E) == 0);
	CHECK(store_log_param(s, id, "lr", "0.1", &E) == 0);
	CHECK_INT_EQ(store_log_param(s, id, "lr", "0.2", &E), CAIRN_EINVAL);
	CHECK(str_has_prefix(E.msg, "Changing param values is not allowed. Param with key='lr' was "
			     "already logged with value='0.1'"));
	CHECK(store_log_param(s, id, "empty", "", &E) == 0);
	CHECK(store_log_param(s, id, "null", NULL, &E) == 0);
	CHECK(store_log_param(s, id, "null", "", &E) == 0);  /* NULL was stored as "" */
	CHECK_INT_EQ(store_log_param(s, id, "a/../b", "x", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_log_param(s, "ffffffffffffffffffffffffffffffff", "k", "v", &E), CAIRN_ENOENT);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(r.nparams, 3);
	CHECK_STR_EQ(tag_of(r.params, r.nparams, "lr"), "0.1");
	CHECK_STR_EQ(tag_of(r.params, r.nparams, "empty"), "");
	store_close(s);
}

TEST(param_values_truncated)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	const char *longv = repeat("\xe2\x82\xac", 6001);  /* 3-byte code points */
	CHECK(store_log_param(s, id, "long", longv, &E) == 0);
	CHECK(store_log_param(s, id, "long", longv, &E) == 0);  /* same after truncation */
	CHECK(store_log_param(s, id, "exact", repeat("x", 6000), &E) == 0);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(strlen(tag_of(r.params, r.nparams, "long")), 18000);
	CHECK_INT_EQ(strlen(tag_of(r.params, r.nparams, "exact")), 6000);
	store_close(s);
}

TEST(tags_upsert_and_delete)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	CHECK(store_set_tag(s, id, "k", "v1", &E) == 0);
	CHECK(store_set_tag(s, id, "k", "v2", &E) == 0);
	CHECK(store_set_tag(s, id, "long", repeat("y", 8001), &E) == 0);
	CHECK(store_set_tag(s, id, "mlflow.runName", "new-name", &E) == 0);
	struct store_run r = get(s, id);
	CHECK_STR_EQ(tag_of(r.tags, r.ntags, "k"), "v2");
	CHECK_INT_EQ(strlen(tag_of(r.tags, r.ntags, "long")), 8000);
	CHECK_STR_EQ(r.info.run_name, "new-name");
	CHECK(store_delete_tag(s, id, "k", &E) == 0);
	CHECK_INT_EQ(store_delete_tag(s, id, "k", &E), CAIRN_ENOENT);
	char want[128];
	snprintf(want, sizeof want, "No tag with name: k in run with id %s", id);
	CHECK_STR_EQ(E.msg, want);
	CHECK_INT_EQ(store_delete_tag(s, id, NULL, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_set_tag(s, id, "", "v", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_set_tag(s, "ffffffffffffffffffffffffffffffff", "k", "v", &E), CAIRN_ENOENT);
	r = get(s, id);
	CHECK(tag_of(r.tags, r.ntags, "k") == NULL);
	CHECK_INT_EQ(r.ntags, 2);
	store_close(s);
}

/* ------------------------------------------------------------------ log-batch */

TEST(batch_logs_everything)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	struct store_metric ms[] = {
		{ .key = "b", .value = 1, .timestamp = 10, .step = 3 },
		{ .key = "a", .value = 2, .timestamp = 10, .step = 1 },
		{ .key = "b", .value = 5, .timestamp = 5, .step = 3 },
		{ .key = "b", .value = 9, .timestamp = 20, .step = 2 },
		{ .key = "a", .value = 2, .timestamp = 10, .step = 1 },  /* duplicate point */
		{ .key = "c", .value = NAN, .timestamp = 1, .step = 0 },
	};
	struct store_tag ps[] = { { "p1", "x" }, { "p2", NULL } };
	struct store_tag ts[] = { { "t", "first" }, { "t", "last" }, { "mlflow.runName", "bn" } };
	CHECK_MSG(store_log_batch(s, id, ms, 6, ps, 2, ts, 3, &E) == 0, "%s", E.msg);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(r.nmetrics, 3);
	const struct store_metric *b = metric_of(&r, "b");
	CHECK(b->value == 1 && b->step == 3 && b->timestamp == 10);
	CHECK(metric_of(&r, "a")->value == 2);
	CHECK(isnan(metric_of(&r, "c")->value));
	CHECK_INT_EQ(history(s, id, "b").n, 3);
	CHECK_INT_EQ(history(s, id, "a").n, 1);
	CHECK_STR_EQ(tag_of(r.params, r.nparams, "p2"), "");
	CHECK_STR_EQ(tag_of(r.tags, r.ntags, "t"), "last");
	CHECK_STR_EQ(r.info.run_name, "bn");
	/* A later batch only replaces the latest value when it is greater. */
	struct store_metric later = { .key = "b", .value = 0, .timestamp = 1, .step = 2 };
	CHECK(store_log_batch(s, id, &later, 1, ps, 1, NULL, 0, &E) == 0);  /* same param again */
	r = get(s, id);
	CHECK(metric_of(&r, "b")->value == 1);
	CHECK(store_log_batch(s, id, NULL, 0, NULL, 0, NULL, 0, &E) == 0);  /* empty batch */
	store_close(s);
}

TEST(batch_limits)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	struct store_metric *ms = arena_alloc(&A, 1001 * sizeof *ms);
	struct store_tag *ts = arena_alloc(&A, 101 * sizeof *ts);
	for (int i = 0; i < 1001; i++)
		ms[i] = (struct store_metric){ .key = "m", .value = i, .timestamp = i };
	for (int i = 0; i < 101; i++) {
		ts[i].key = arena_printf(&A, "k%d", i);
		ts[i].value = "v";
	}
	CHECK_INT_EQ(store_log_batch(s, id, ms, 1001, NULL, 0, NULL, 0, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "at most 1000 metrics");
	CHECK_INT_EQ(store_log_batch(s, id, NULL, 0, ts, 101, NULL, 0, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "at most 100 params");
	CHECK_INT_EQ(store_log_batch(s, id, NULL, 0, NULL, 0, ts, 101, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "at most 100 tags");
	CHECK_INT_EQ(store_log_batch(s, id, ms, 1000, NULL, 0, ts, 1, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "1000 total");
	CHECK(store_log_batch(s, id, ms, 900, ts, 50, ts + 50, 50, &E) == 0);
	CHECK_INT_EQ(history(s, id, "m").n, 900);
	CHECK(store_log_batch(s, id, ms, 1000, NULL, 0, NULL, 0, &E) == 0);
	CHECK_INT_EQ(history(s, id, "m").n, 1000);
	store_close(s);
}

TEST(batch_is_atomic)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	CHECK(store_log_param(s, id, "fixed", "1", &E) == 0);
	struct store_metric ms[] = { { .key = "good", .value = 1, .timestamp = 1 },
				     { .key = "bad$", .value = 1, .timestamp = 1 } };
	struct store_tag ts[] = { { "t", "v" } };
	struct store_tag ps[] = { { "new", "x" }, { "fixed", "2" } };
	/* Invalid item: caught in validation. */
	CHECK_INT_EQ(store_log_batch(s, id, ms, 2, NULL, 0, ts, 1, &E), CAIRN_EINVAL);
	/* Param conflict: caught inside the transaction, after other writes; all rolled back. */
	CHECK_INT_EQ(store_log_batch(s, id, ms, 1, ps, 2, ts, 1, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "Changing param values is not allowed");
	struct store_tag dup[] = { { "d", "1" }, { "d", "1" } };
	CHECK_INT_EQ(store_log_batch(s, id, ms, 1, dup, 2, NULL, 0, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "Duplicate parameter keys");
	struct store_metric neg = { .key = "good", .value = 1, .timestamp = -5 };
	CHECK_INT_EQ(store_log_batch(s, id, &neg, 1, NULL, 0, NULL, 0, &E), CAIRN_EINVAL);
	struct store_tag badtag = { "x//y", "v" };
	CHECK_INT_EQ(store_log_batch(s, id, ms, 1, NULL, 0, &badtag, 1, &E), CAIRN_EINVAL);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(r.nmetrics, 0);
	CHECK_INT_EQ(r.nparams, 1);
	CHECK(tag_of(r.tags, r.ntags, "t") == NULL);
	CHECK_INT_EQ(history(s, id, "good").n, 0);
	CHECK_INT_EQ(store_log_batch(s, "bad id!", ms, 1, NULL, 0, NULL, 0, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "run_id");
	CHECK_INT_EQ(store_log_batch(s, "ffffffffffffffffffffffffffffffff", ms, 1, NULL, 0, NULL, 0, &E),
		     CAIRN_ENOENT);
	store_close(s);
}

TEST(batch_large_with_duplicates)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	/* 300 rows (several multi-row statements plus a remainder), 3 keys, each point twice. */
	struct store_metric *ms = arena_alloc(&A, 300 * sizeof *ms);
	static const char *const keys[] = { "x", "y", "z" };
	for (int i = 0; i < 300; i++) {
		int p = i % 150;
		ms[i] = (struct store_metric){ .key = keys[p % 3], .value = p, .timestamp = p, .step = p / 3 };
	}
	CHECK_MSG(store_log_batch(s, id, ms, 300, NULL, 0, NULL, 0, &E) == 0, "%s", E.msg);
	CHECK_INT_EQ(history(s, id, "x").n, 50);
	CHECK_INT_EQ(history(s, id, "y").n, 50);
	CHECK_INT_EQ(history(s, id, "z").n, 50);
	/* Again: all ignored. */
	CHECK(store_log_batch(s, id, ms, 300, NULL, 0, NULL, 0, &E) == 0);
	CHECK_INT_EQ(history(s, id, "z").n, 50);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(r.nmetrics, 3);
	const struct store_metric *z = metric_of(&r, "z");
	CHECK(z->value == 149 && z->step == 49);
	store_close(s);
}

/* ------------------------------------------------------------------ inputs, models */

TEST(log_inputs_dedup)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	struct store_tag ctx_train = { "mlflow.data.context", "training" };
	struct store_tag ctx_eval = { "mlflow.data.context", "eval" };
	struct store_dataset_input ins[] = {
		{ .dataset = { "iris", "d1", "local", "{\"uri\":\"x\"}", "{\"s\":1}", NULL },
		  .tags = &ctx_train, .ntags = 1 },
		{ .dataset = { "iris", "d1", "http", "other", NULL, NULL }, .tags = &ctx_eval, .ntags = 1 },
		{ .dataset = { "iris", "d2", "local", "y", NULL, "{\"p\":2}" } },
	};
	CHECK_MSG(store_log_inputs(s, id, ins, 3, &E) == 0, "%s", E.msg);
	/* Linking again is a no-op: tags are not updated. */
	struct store_dataset_input again = ins[0];
	again.tags = &ctx_eval;
	CHECK(store_log_inputs(s, id, &again, 1, &E) == 0);
	CHECK(store_log_inputs(s, id, NULL, 0, &E) == 0);
	struct store_run r = get(s, id);
	CHECK_INT_EQ(r.ninputs, 2);
	const struct store_dataset_input *a = &r.inputs[0], *b = &r.inputs[1];
	CHECK_STR_EQ(a->dataset.name, "iris");
	CHECK_STR_EQ(a->dataset.digest, "d1");
	CHECK_STR_EQ(a->dataset.source_type, "local");  /* first one won */
	CHECK_STR_EQ(a->dataset.schema, "{\"s\":1}");
	CHECK(a->dataset.profile == NULL);
	CHECK_INT_EQ(a->ntags, 1);
	CHECK_STR_EQ(a->tags[0].value, "training");
	CHECK_STR_EQ(b->dataset.digest, "d2");
	CHECK(b->dataset.schema == NULL);
	CHECK_STR_EQ(b->dataset.profile, "{\"p\":2}");
	CHECK_INT_EQ(b->ntags, 0);
	/* Another run reuses the dataset and gets its own tags. */
	const char *id2 = mkrun(s);
	CHECK(store_log_inputs(s, id2, &again, 1, &E) == 0);
	struct store_run r2 = get(s, id2);
	CHECK_INT_EQ(r2.ninputs, 1);
	CHECK_STR_EQ(r2.inputs[0].dataset.source_type, "local");
	CHECK_STR_EQ(r2.inputs[0].tags[0].value, "eval");
	store_close(s);
}

TEST(log_inputs_validation)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	struct store_dataset_input in = { .dataset = { NULL, "d", "local", "s", NULL, NULL } };
	CHECK_INT_EQ(store_log_inputs(s, id, &in, 1, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "dataset.name");
	in.dataset.name = "n";
	in.dataset.digest = repeat("a", 37);
	CHECK_INT_EQ(store_log_inputs(s, id, &in, 1, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "dataset.digest");
	in.dataset.digest = "d";
	struct store_tag t = { "k", repeat("v", 501) };
	in.tags = &t;
	in.ntags = 1;
	CHECK_INT_EQ(store_log_inputs(s, id, &in, 1, &E), CAIRN_EINVAL);
	t.value = repeat("v", 500);
	CHECK(store_log_inputs(s, id, &in, 1, &E) == 0);
	CHECK_INT_EQ(store_log_inputs(s, "bad id", &in, 1, &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_log_inputs(s, "ffffffffffffffffffffffffffffffff", &in, 1, &E), CAIRN_ENOENT);
	store_close(s);
}

TEST(log_model_appends_history)
{
	struct store *s = open_store();
	const char *id = mkrun(s);
	const char *m1 = "{\"artifact_path\":\"model\",\"run_id\":\"r\",\"utc_time_created\":\"2024\","
			 "\"model_uuid\":\"u1\",\"extra\":5,"
			 "\"flavors\":{\"python_function\":{\"loader\":\"x\",\"config\":{\"a\":1}}}}";
	const char *m2 = "{\"artifact_path\":\"m2\",\"run_id\":\"r\",\"utc_time_created\":\"2025\","
			 "\"flavors\":{}}";
	CHECK_MSG(store_log_model(s, id, m1, &E) == 0, "%s", E.msg);
	CHECK(store_log_model(s, id, m2, &E) == 0);
	struct store_run r = get(s, id);
	const char *h = tag_of(r.tags, r.ntags, "mlflow.log-model.history");
	CHECK(h != NULL);
	json_error_t je;
	json_t *arr = json_loads(h, 0, &je);
	CHECK(json_is_array(arr) && json_array_size(arr) == 2);
	json_t *first = json_array_get(arr, 0);
	CHECK_STR_EQ(json_string_value(json_object_get(first, "artifact_path")), "model");
	CHECK_STR_EQ(json_string_value(json_object_get(first, "model_uuid")), "u1");
	CHECK(json_object_get(first, "extra") == NULL);
	json_t *pf = json_object_get(json_object_get(first, "flavors"), "python_function");
	CHECK(json_object_get(pf, "loader") != NULL);
	CHECK(json_object_get(pf, "config") == NULL);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(arr, 1), "artifact_path")), "m2");
	json_decref(arr);
	CHECK_INT_EQ(store_log_model(s, id, "{not json", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_log_model(s, id, "[1]", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_log_model(s, id, "{\"artifact_path\":\"m\"}", &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "flavors");
	CHECK_INT_EQ(store_log_model(s, id, "", &E), CAIRN_EINVAL);
	CHECK_INT_EQ(store_log_model(s, "ffffffffffffffffffffffffffffffff", m2, &E), CAIRN_ENOENT);
	store_close(s);
}

TEST_MAIN(create_run_defaults, create_run_name_rules, create_run_errors,
	  create_run_truncates_tag_values, get_run_errors, update_run, delete_restore_run,
	  writes_to_deleted_run_fail, metric_history_and_dedup, metric_nan_inf_round_trip,
	  latest_metric_rule, log_metric_errors, params_are_immutable, param_values_truncated,
	  tags_upsert_and_delete, batch_logs_everything, batch_limits, batch_is_atomic,
	  batch_large_with_duplicates,
	  log_inputs_dedup, log_inputs_validation, log_model_appends_history)
