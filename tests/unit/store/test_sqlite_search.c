/* SQLite store: run search (filters, order, paging, views), metric history paging, the
 * bulk-interval sampler, and concurrent writers. */
#include "../../harness.h"
#include "store/store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct arena A;
static struct cairn_error E;

static const char *db_path(void)
{
	static char path[2048];
	snprintf(path, sizeof path, "%s/t.db", test_tmpdir());
	return path;
}

static struct store *open_store(void)
{
	struct store *s = store_open(db_path(), NULL, &E);
	CHECK_MSG(s != NULL, "store_open: %s", E.msg);
	return s;
}

static const char *mkrun_at(struct store *s, const char *exp, const char *name, int64_t start)
{
	struct store_run_create req = { .experiment_id = exp, .run_name = name, .start_time = start };
	struct store_run r;
	CHECK_MSG(store_create_run(s, &req, &A, &r, &E) == 0, "create_run: %s", E.msg);
	return r.info.run_id;
}

static void logm(struct store *s, const char *run, const char *key, double v, int64_t ts, int64_t step)
{
	struct store_metric m = { .key = key, .value = v, .timestamp = ts, .step = step };
	CHECK_MSG(store_log_metric(s, run, &m, &E) == 0, "log_metric: %s", E.msg);
}

/* ------------------------------------------------------------------ fixture */

static struct fixture {
	struct store *s;
	const char *a, *b, *c, *d, *e, *f;
	char names[8][40];
} F;

/* Experiment 1 holds runs A..E (E deleted); experiment 0 holds F. */
static void fixture(void)
{
	F.s = open_store();
	const char *exp;
	CHECK(store_create_experiment(F.s, "search", NULL, NULL, 0, &A, &exp, &E) == 0);
	F.a = mkrun_at(F.s, exp, "runA", 1000);
	F.b = mkrun_at(F.s, exp, "runB", 2000);
	F.c = mkrun_at(F.s, exp, "runC", 3000);
	F.d = mkrun_at(F.s, exp, "runD", 3000);
	F.e = mkrun_at(F.s, exp, "runE", 500);
	F.f = mkrun_at(F.s, "0", "runF", 4000);
	logm(F.s, F.a, "acc", 0.9, 1, 0);
	logm(F.s, F.a, "loss", 0.1, 1, 0);
	logm(F.s, F.b, "acc", 0.5, 1, 0);
	logm(F.s, F.c, "acc", NAN, 1, 0);
	logm(F.s, F.e, "acc", -1, 1, 0);
	logm(F.s, F.f, "acc", 0.7, 1, 0);
	CHECK(store_log_param(F.s, F.a, "model", "RandomForest", &E) == 0);
	CHECK(store_log_param(F.s, F.b, "model", "randomforest", &E) == 0);
	CHECK(store_log_param(F.s, F.c, "model", "xgb", &E) == 0);
	CHECK(store_set_tag(F.s, F.a, "team", "ml", &E) == 0);
	CHECK(store_set_tag(F.s, F.b, "team", "ML", &E) == 0);
	CHECK(store_set_tag(F.s, F.d, "team", "data", &E) == 0);
	CHECK(store_set_tag(F.s, F.e, "team", "ml", &E) == 0);
	struct store_tag train = { "mlflow.data.context", "training" };
	struct store_tag eval = { "mlflow.data.context", "eval" };
	struct store_dataset_input ia = { .dataset = { "iris", "d1", "local", "s", NULL, NULL },
					  .tags = &train, .ntags = 1 };
	struct store_dataset_input ib = { .dataset = { "iris", "d2", "local", "s", NULL, NULL },
					  .tags = &eval, .ntags = 1 };
	CHECK(store_log_inputs(F.s, F.a, &ia, 1, &E) == 0);
	CHECK(store_log_inputs(F.s, F.b, &ib, 1, &E) == 0);
	struct store_run_update u = { .run_id = F.a, .status = STORE_RUN_FINISHED, .has_end_time = 1,
				      .end_time = 2000 };
	CHECK(store_update_run(F.s, &u, &A, NULL, &E) == 0);
	CHECK(store_update_run(F.s, &(struct store_run_update){ .run_id = F.c, .status = STORE_RUN_FAILED },
			       &A, NULL, &E) == 0);
	CHECK(store_update_run(F.s, &(struct store_run_update){ .run_id = F.d, .status = STORE_RUN_FAILED },
			       &A, NULL, &E) == 0);
	CHECK(store_update_run(F.s, &(struct store_run_update){ .run_id = F.b, .status = STORE_RUN_KILLED },
			       &A, NULL, &E) == 0);
	CHECK(store_delete_run(F.s, F.e, &E) == 0);
}

/* Run ids → letters, so expectations read as "B,A". */
static char letter(const char *id)
{
	const char *ids[] = { F.a, F.b, F.c, F.d, F.e, F.f };
	for (int i = 0; i < 6; i++)
		if (ids[i] && strcmp(ids[i], id) == 0)
			return (char)('A' + i);
	return '?';
}

static const char *letters(const struct store_run_page *p)
{
	static char buf[128];
	size_t n = 0;
	for (size_t i = 0; i < p->n && n + 2 < sizeof buf; i++) {
		if (i)
			buf[n++] = ',';
		buf[n++] = letter(p->runs[i].info.run_id);
	}
	buf[n] = '\0';
	return buf;
}

/* C and D share a start time: the tie-breaker is run_id ASC. */
static const char *cd(void)
{
	return strcmp(F.c, F.d) < 0 ? "C,D" : "D,C";
}

static struct store_run_page search(const char *filter, const char *const *order, size_t norder)
{
	struct store_run_query q = { .experiment_ids = (const char *[]){ "1" }, .nexperiment_ids = 1,
				     .filter = filter, .order_by = order, .norder_by = norder };
	struct store_run_page p;
	int rc = store_search_runs(F.s, &q, &A, &p, &E);
	CHECK_MSG(rc == 0, "search '%s': %s", filter ? filter : "", E.msg);
	return p;
}

static void expect(const char *filter, const char *want)
{
	struct store_run_page p = search(filter, NULL, 0);
	CHECK_MSG(strcmp(letters(&p), want) == 0, "filter \"%s\": got %s, want %s", filter,
		  letters(&p), want);
}

static void expect_order(const char *order, const char *want)
{
	struct store_run_page p = search(NULL, (const char *[]){ order }, 1);
	CHECK_MSG(strcmp(letters(&p), want) == 0, "order \"%s\": got %s, want %s", order,
		  letters(&p), want);
}

/* ------------------------------------------------------------------ filters */

TEST(default_order_and_full_runs)
{
	fixture();
	struct store_run_page p = search("", NULL, 0);
	char want[32];
	snprintf(want, sizeof want, "%s,B,A", cd());
	CHECK_STR_EQ(letters(&p), want);
	CHECK(p.next_page_token == NULL);
	const struct store_run *a = &p.runs[3];
	CHECK_STR_EQ(a->info.run_name, "runA");
	CHECK_INT_EQ(a->info.status, STORE_RUN_FINISHED);
	CHECK_INT_EQ(a->nmetrics, 2);
	CHECK_INT_EQ(a->nparams, 1);
	CHECK_INT_EQ(a->ntags, 2);
	CHECK_INT_EQ(a->ninputs, 1);
	CHECK_INT_EQ(a->inputs[0].ntags, 1);
	CHECK_STR_EQ(a->inputs[0].tags[0].value, "training");
	const struct store_run *b = &p.runs[2];
	CHECK_STR_EQ(b->params[0].value, "randomforest");
	CHECK_INT_EQ(b->nmetrics, 1);
	store_close(F.s);
}

TEST(filter_metrics)
{
	fixture();
	expect("metrics.acc > 0.4", "B,A");
	expect("metrics.acc >= 0.5 AND metrics.acc < 0.95", "B,A");
	expect("metrics.acc = 0.9", "A");
	expect("metrics.loss <= 0.1", "A");
	expect("metric.loss > 100", "");
	/* A run lacking the metric never matches, not even != (D has no acc). NaN is stored
	 * as 0 for comparisons, as in MLflow. */
	expect("metrics.acc != 0.9", "C,B");
	expect("metrics.loss != 5", "A");
	expect("metrics.acc < 0", "");  /* E (-1) is deleted */
	store_close(F.s);
}

TEST(filter_params_like_ilike)
{
	fixture();
	expect("params.model LIKE 'Random%'", "A");
	expect("params.model ILIKE 'random%'", "B,A");
	expect("params.model like '%forest'", "B");
	expect("params.model = 'xgb'", "C");
	expect("params.model LIKE '_gb'", "C");
	expect("params.model LIKE 'x'", "");
	expect("params.model != 'xgb'", "B,A");  /* D lacks the param */
	expect("parameters.`model` = 'RandomForest'", "A");
	store_close(F.s);
}

TEST(filter_tags_and_attributes)
{
	fixture();
	expect("tags.team != 'ml'", "D,B");  /* C lacks the tag */
	expect("tags.team ILIKE 'ML'", "B,A");
	expect("tags.team = 'ml'", "A");
	expect("attributes.status = 'FINISHED'", "A");
	expect("status = 'KILLED'", "B");
	expect("attributes.status LIKE 'F%'", strcmp(F.c, F.d) < 0 ? "C,D,A" : "D,C,A");
	expect("attributes.status != 'FAILED'", "B,A");
	expect("attributes.start_time >= 2000", strcmp(F.c, F.d) < 0 ? "C,D,B" : "D,C,B");
	expect("created < 2000", "A");
	expect("end_time > 0", "A");          /* unset end_time never matches */
	expect("end_time != 5", "A");
	expect("run_name = 'runB'", "B");
	expect("attributes.`Run name` LIKE 'run__'", "");
	expect("run_name LIKE 'run_'", strcmp(F.c, F.d) < 0 ? "C,D,B,A" : "D,C,B,A");
	expect("run_name ILIKE 'RUNA'", "A");
	expect("user_id = ''", strcmp(F.c, F.d) < 0 ? "C,D,B,A" : "D,C,B,A");
	char f[256];
	snprintf(f, sizeof f, "attributes.run_id IN ('%s', '%s')", F.a, F.b);
	expect(f, "B,A");
	snprintf(f, sizeof f, "attributes.run_id NOT IN ('%s', '%s')", F.a, F.b);
	expect(f, cd());
	/* Items that are not all lowercase are dropped, leaving an empty list. */
	expect("run_id IN ('ABC')", "");
	expect("run_id NOT IN ('ABC')", strcmp(F.c, F.d) < 0 ? "C,D,B,A" : "D,C,B,A");
	snprintf(f, sizeof f, "run_id = '%s'", F.c);
	expect(f, "C");
	snprintf(f, sizeof f, "artifact_uri LIKE '%%%s%%'", F.b);
	expect(f, "B");
	store_close(F.s);
}

TEST(filter_datasets)
{
	fixture();
	expect("datasets.name = 'iris'", "B,A");
	expect("datasets.digest = 'd2'", "B");
	expect("dataset.context = 'training'", "A");
	expect("datasets.context IN ('eval', 'x')", "B");
	expect("datasets.context NOT IN ('eval')", "A");
	expect("datasets.name LIKE 'IR%'", "");
	expect("datasets.name ILIKE 'IR%'", "B,A");
	expect("datasets.name = 'iris' AND metrics.acc > 0.6", "A");
	store_close(F.s);
}

/* ------------------------------------------------------------------ order */

TEST(order_by_metrics_missing_and_nan_last)
{
	fixture();
	expect_order("metrics.acc ASC", "B,A,C,D");
	expect_order("metrics.acc DESC", "A,B,C,D");
	expect_order("metrics.`acc`", "B,A,C,D");
	char want[16];
	snprintf(want, sizeof want, "A,%s,B", cd());
	expect_order("metrics.loss DESC", want);  /* missing: by start_time DESC, run_id */
	store_close(F.s);
}

TEST(order_by_params_tags_attributes)
{
	fixture();
	expect_order("params.model ASC", "A,B,C,D");
	expect_order("params.model DESC", "C,B,A,D");
	expect_order("tags.team DESC", "A,D,B,C");
	expect_order("tags.team ASC", "B,D,A,C");
	char want[16];
	snprintf(want, sizeof want, "A,B,%s", cd());
	expect_order("start_time ASC", want);
	snprintf(want, sizeof want, "A,%s,B", cd());
	expect_order("end_time ASC", want);
	expect_order("end_time DESC", want);
	expect_order("run_name DESC", "D,C,B,A");
	snprintf(want, sizeof want, "B,A,%s", cd());
	expect_order("attributes.status DESC", want);
	struct store_run_page p = search(NULL, (const char *[]){ "metrics.acc DESC", "run_name ASC" }, 2);
	CHECK_STR_EQ(letters(&p), "A,B,C,D");
	store_close(F.s);
}

/* ------------------------------------------------------------------ views, paging, errors */

TEST(view_types_and_experiments)
{
	fixture();
	struct store_run_query q = { .experiment_ids = (const char *[]){ "1" }, .nexperiment_ids = 1,
				     .view_type = STORE_VIEW_DELETED_ONLY };
	struct store_run_page p;
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	CHECK_STR_EQ(letters(&p), "E");
	q.view_type = STORE_VIEW_ALL;
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 5);
	CHECK_INT_EQ(letter(p.runs[4].info.run_id), 'E');
	q.view_type = 0;
	q.experiment_ids = (const char *[]){ "1", "0" };
	q.nexperiment_ids = 2;
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 5);
	CHECK_INT_EQ(letter(p.runs[0].info.run_id), 'F');
	q.experiment_ids = (const char *[]){ "abc", "77" };
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 0);
	q.nexperiment_ids = 0;
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 0);
	CHECK(p.next_page_token == NULL);
	/* Deleting the experiment hides its runs from ACTIVE_ONLY. */
	CHECK(store_delete_experiment(F.s, "1", &E) == 0);
	q.experiment_ids = (const char *[]){ "1" };
	q.nexperiment_ids = 1;
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 0);
	store_close(F.s);
}

TEST(paging_visits_every_run_once)
{
	fixture();
	struct store_run_page all = search(NULL, NULL, 0);
	CHECK_INT_EQ(all.n, 4);
	for (int64_t max = 1; max <= 5; max++) {
		struct store_run_query q = { .experiment_ids = (const char *[]){ "1" },
					     .nexperiment_ids = 1, .max_results = max };
		size_t seen = 0;
		int pages = 0;
		for (;;) {
			struct store_run_page p;
			CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
			pages++;
			for (size_t i = 0; i < p.n; i++, seen++)
				CHECK_STR_EQ(p.runs[i].info.run_id, all.runs[seen].info.run_id);
			if (!p.next_page_token)
				break;
			CHECK_INT_EQ(p.n, max);  /* a token only after a full page... */
			q.page_token = p.next_page_token;
			CHECK(pages < 10);
		}
		CHECK_INT_EQ(seen, 4);
		CHECK_INT_EQ(pages, (int)((4 + max - 1) / max));  /* ...and only when more exist */
	}
	store_close(F.s);
}

TEST(search_errors)
{
	fixture();
	struct store_run_query q = { .experiment_ids = (const char *[]){ "1" }, .nexperiment_ids = 1 };
	struct store_run_page p;
	q.max_results = STORE_RUNS_MAX_RESULTS + 1;
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(E.msg, "max_results");
	q.max_results = -3;
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.max_results = STORE_RUNS_MAX_RESULTS;
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	q.max_results = 0;
	q.filter = "metrics.acc > 'x'";
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.filter = "params.a = 'x' OR params.b = 'y'";
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.filter = NULL;
	q.page_token = "%%%";
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.page_token = NULL;
	q.order_by = (const char *[]){ "metrics.acc", "metrics.acc DESC" };
	q.norder_by = 2;
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.order_by = (const char *[]){ "datasets.name" };
	q.norder_by = 1;
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	q.norder_by = 0;
	q.view_type = 7;
	CHECK_INT_EQ(store_search_runs(F.s, &q, &A, &p, &E), CAIRN_EINVAL);
	/* Hostile text is bound, never pasted. */
	q.view_type = 0;
	q.filter = "params.model = 'x''; DROP TABLE runs; --'";
	int rc = store_search_runs(F.s, &q, &A, &p, &E);
	CHECK(rc == 0 || rc == CAIRN_EINVAL);
	q.filter = NULL;
	CHECK(store_search_runs(F.s, &q, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 4);
	store_close(F.s);
}

/* ------------------------------------------------------------------ metric history */

TEST(history_pages_at_25000)
{
	struct store *s = open_store();
	const char *run = mkrun_at(s, "0", "h", 1);
	struct store_metric *ms = arena_alloc(&A, 1000 * sizeof *ms);
	for (int b = 0; b < 60; b++) {
		for (int i = 0; i < 1000; i++) {
			int64_t k = (int64_t)b * 1000 + i;
			/* Logged out of order on purpose; history comes back sorted. */
			ms[i] = (struct store_metric){ .key = "m", .value = (double)k,
						       .timestamp = 60000 - k, .step = k };
		}
		CHECK_MSG(store_log_batch(s, run, ms, 1000, NULL, 0, NULL, 0, &E) == 0, "%s", E.msg);
	}
	const char *tok = NULL;
	size_t sizes[8], npages = 0, total = 0;
	int64_t last_ts = -1;
	do {
		struct store_metric_page p;
		CHECK(store_get_metric_history(s, run, "m", 25000, tok, &A, &p, &E) == 0);
		for (size_t i = 0; i < p.n; i++) {
			CHECK(p.metrics[i].timestamp > last_ts);
			last_ts = p.metrics[i].timestamp;
		}
		sizes[npages++] = p.n;
		total += p.n;
		tok = p.next_page_token;
		CHECK(npages < 8);
	} while (tok);
	CHECK_INT_EQ(npages, 3);
	CHECK_INT_EQ(sizes[0], 25000);
	CHECK_INT_EQ(sizes[1], 25000);
	CHECK_INT_EQ(sizes[2], 10000);
	CHECK_INT_EQ(total, 60000);
	/* Larger requests are capped; small ones page by their own size. */
	struct store_metric_page p;
	CHECK(store_get_metric_history(s, run, "m", 100000, NULL, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 25000);
	CHECK(store_get_metric_history(s, run, "m", 100, NULL, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 100);
	CHECK(p.next_page_token != NULL);
	CHECK_INT_EQ(p.metrics[0].timestamp, 1);
	CHECK(store_get_metric_history(s, run, "m", 100, p.next_page_token, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.metrics[0].timestamp, 101);
	struct store_run r;
	CHECK(store_get_run(s, run, &A, &r, &E) == 0);
	CHECK(r.metrics[0].step == 59999);
	store_close(s);
}

/* ------------------------------------------------------------------ bulk interval */

static struct store_metric_page bulk(struct store *s, const char *const *ids, size_t n,
				     int has_range, int64_t lo, int64_t hi, int64_t max)
{
	struct store_metric_page p;
	int rc = store_get_metric_history_bulk_interval(s, ids, n, "m", has_range, lo, hi, max, &A, &p, &E);
	CHECK_MSG(rc == 0, "bulk: %s", E.msg);
	return p;
}

/* "run:step,step;run:step" with runs as X/Y. */
static const char *describe(const struct store_metric_page *p, const char *x)
{
	static char buf[512];
	size_t n = 0;
	const char *cur = NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		const char *rid = p->metrics[i].run_id;
		CHECK(rid != NULL);
		CHECK_STR_EQ(p->metrics[i].key, "m");
		if (!cur || strcmp(cur, rid) != 0) {
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%c:", cur ? ";" : "",
					      strcmp(rid, x) == 0 ? 'X' : 'Y');
			cur = rid;
		} else {
			n += (size_t)snprintf(buf + n, sizeof buf - n, ",");
		}
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%lld", (long long)p->metrics[i].step);
	}
	return buf;
}

TEST(bulk_interval_sampling)
{
	struct store *s = open_store();
	const char *x = mkrun_at(s, "0", "x", 1), *y = mkrun_at(s, "0", "y", 1);
	for (int st = 0; st <= 9; st++)
		logm(s, x, "m", st * 10.0, 100 + st, st);
	logm(s, x, "m", -1, 50, 5);  /* a second point at step 5, earlier */
	for (int st = 5; st <= 24; st++)
		logm(s, y, "m", st, 100 + st, st);
	/* Runs come back in run id order whatever order they were asked in. */
	const char *ids[] = { y, x };
	int xfirst = strcmp(x, y) < 0;
	struct store_metric_page p = bulk(s, ids, 2, 0, 0, 0, 0);
	CHECK_INT_EQ(p.n, 31);
	char want[512];
	snprintf(want, sizeof want, xfirst ? "%s;%s" : "%2$s;%1$s",
		 "X:0,1,2,3,4,5,5,6,7,8,9",
		 "Y:5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24");
	CHECK_STR_EQ(describe(&p, x), want);
	/* Points at one step: timestamp order. */
	for (size_t i = 0; i + 1 < p.n; i++)
		if (p.metrics[i].step == 5 && p.metrics[i + 1].step == 5)
			CHECK(p.metrics[i].timestamp < p.metrics[i + 1].timestamp);
	/* 25 steps, 5 wanted: indices 0,5,10,15,20 plus the last, plus each run's min/max. */
	p = bulk(s, ids, 2, 0, 0, 0, 5);
	snprintf(want, sizeof want, xfirst ? "%s;%s" : "%2$s;%1$s", "X:0,5,5,9", "Y:5,9,10,15,20,24");
	CHECK_STR_EQ(describe(&p, x), want);
	/* Range [3,12], 4 wanted: 10 steps, interval 2.5 → 3,5,8,10, last 12, extremes 9, 5. */
	p = bulk(s, ids, 2, 1, 3, 12, 4);
	snprintf(want, sizeof want, xfirst ? "%s;%s" : "%2$s;%1$s", "X:3,5,5,8,9", "Y:5,8,9,10,12");
	CHECK_STR_EQ(describe(&p, x), want);
	/* A range outside every step gives nothing. */
	CHECK_INT_EQ(bulk(s, ids, 2, 1, 100, 200, 0).n, 0);
	const char *one[] = { x };
	CHECK_INT_EQ(bulk(s, one, 1, 1, 9, 9, 1).n, 1);
	store_close(s);
}

TEST(bulk_interval_errors)
{
	struct store *s = open_store();
	const char *x = mkrun_at(s, "0", "x", 1);
	const char *ids[101];
	for (int i = 0; i < 101; i++)
		ids[i] = x;
	struct store_metric_page p;
	CHECK_INT_EQ(store_get_metric_history_bulk_interval(s, ids, 0, "m", 0, 0, 0, 0, &A, &p, &E),
		     CAIRN_EINVAL);
	CHECK_INT_EQ(store_get_metric_history_bulk_interval(s, ids, 101, "m", 0, 0, 0, 0, &A, &p, &E),
		     CAIRN_EINVAL);
	CHECK(store_get_metric_history_bulk_interval(s, ids, 100, "m", 0, 0, 0, 0, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 0);
	CHECK_INT_EQ(store_get_metric_history_bulk_interval(s, ids, 1, "m", 1, 5, 4, 0, &A, &p, &E),
		     CAIRN_EINVAL);
	CHECK_INT_EQ(store_get_metric_history_bulk_interval(s, ids, 1, "m", 0, 0, 0, 2501, &A, &p, &E),
		     CAIRN_EINVAL);
	CHECK_INT_EQ(store_get_metric_history_bulk_interval(s, ids, 1, "m", 0, 0, 0, -1, &A, &p, &E),
		     CAIRN_EINVAL);
	CHECK_INT_EQ(store_get_metric_history_bulk_interval(s, ids, 1, "", 0, 0, 0, 0, &A, &p, &E),
		     CAIRN_EINVAL);
	const char *unknown[] = { "ffffffffffffffffffffffffffffffff" };
	CHECK_INT_EQ(store_get_metric_history_bulk_interval(s, unknown, 1, "m", 0, 0, 0, 0, &A, &p, &E),
		     CAIRN_ENOENT);
	store_close(s);
}

/* ------------------------------------------------------------------ concurrency */

#define NTHREADS 8
#define PER_THREAD 300

struct worker {
	struct store *s;
	const char *own;
	const char *shared;
	int idx;
	int errors;
	char msg[sizeof(struct cairn_error){ 0 }.msg];
};

static void *writer(void *p)
{
	struct worker *w = p;
	struct cairn_error err = { 0 };
	for (int i = 0; i < PER_THREAD; i++) {
		struct store_metric m = { .key = "m", .value = i, .timestamp = i, .step = i };
		if (store_log_metric(w->s, w->own, &m, &err) != 0) {
			w->errors++;
			snprintf(w->msg, sizeof w->msg, "%s", err.msg);
		}
		m.timestamp = (int64_t)w->idx * 100000 + i;
		if (store_log_metric(w->s, w->shared, &m, &err) != 0) {
			w->errors++;
			snprintf(w->msg, sizeof w->msg, "%s", err.msg);
		}
	}
	struct store_metric batch[100];
	for (int i = 0; i < 100; i++)
		batch[i] = (struct store_metric){ .key = "b", .value = i,
						  .timestamp = (int64_t)w->idx * 1000 + i };
	char pk[32];
	snprintf(pk, sizeof pk, "p%d", w->idx);
	struct store_tag param = { pk, "v" };
	if (store_log_batch(w->s, w->shared, batch, 100, &param, 1, NULL, 0, &err) != 0) {
		w->errors++;
		snprintf(w->msg, sizeof w->msg, "%s", err.msg);
	}
	return NULL;
}

static void *reader(void *p)
{
	struct worker *w = p;
	struct cairn_error err = { 0 };
	for (int i = 0; i < 50; i++) {
		struct arena a;
		arena_init(&a, 0);
		struct store_run_query q = { .experiment_ids = (const char *[]){ "0" },
					     .nexperiment_ids = 1, .filter = "metrics.m >= 0",
					     .order_by = (const char *[]){ "metrics.m DESC" }, .norder_by = 1 };
		struct store_run_page pg;
		if (store_search_runs(w->s, &q, &a, &pg, &err) != 0) {
			w->errors++;
			snprintf(w->msg, sizeof w->msg, "%s", err.msg);
		}
		arena_release(&a);
	}
	return NULL;
}

TEST(concurrent_writers_add_up)
{
	struct store *s = open_store();
	const char *shared = mkrun_at(s, "0", "shared", 1);
	struct worker w[NTHREADS + 1];
	pthread_t th[NTHREADS + 1];
	for (int i = 0; i <= NTHREADS; i++) {
		w[i] = (struct worker){ .s = s, .shared = shared, .idx = i };
		if (i < NTHREADS)
			w[i].own = mkrun_at(s, "0", NULL, 2 + i);
	}
	for (int i = 0; i <= NTHREADS; i++)
		CHECK(pthread_create(&th[i], NULL, i < NTHREADS ? writer : reader, &w[i]) == 0);
	for (int i = 0; i <= NTHREADS; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	for (int i = 0; i <= NTHREADS; i++)
		CHECK_MSG(w[i].errors == 0, "thread %d: %d errors, last: %s", i, w[i].errors, w[i].msg);
	struct store_metric_page p;
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(store_get_metric_history(s, w[i].own, "m", 0, NULL, &A, &p, &E) == 0);
		CHECK_INT_EQ(p.n, PER_THREAD);
	}
	CHECK(store_get_metric_history(s, shared, "m", 0, NULL, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, NTHREADS * PER_THREAD);
	CHECK(store_get_metric_history(s, shared, "b", 0, NULL, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, NTHREADS * 100);
	struct store_run r;
	CHECK(store_get_run(s, shared, &A, &r, &E) == 0);
	CHECK_INT_EQ(r.nparams, NTHREADS);
	store_close(s);
}

TEST(concurrent_processes_share_the_file)
{
	struct store *s = open_store();
	const char *run = mkrun_at(s, "0", "mp", 1);
	char id[64];
	snprintf(id, sizeof id, "%s", run);
	store_close(s);
	pid_t kids[3];
	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0) {
			struct cairn_error err = { 0 };
			struct store *cs = store_open(db_path(), NULL, &err);
			int bad = cs == NULL;
			for (int i = 0; cs && i < 200; i++) {
				struct store_metric m = { .key = "m", .value = i,
							  .timestamp = (int64_t)k * 1000 + i };
				if (store_log_metric(cs, id, &m, &err) != 0)
					bad++;
			}
			store_close(cs);
			_exit(bad ? 1 : 0);
		}
	}
	for (int k = 0; k < 3; k++) {
		int st;
		CHECK(waitpid(kids[k], &st, 0) == kids[k]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	s = open_store();
	struct store_metric_page p;
	CHECK(store_get_metric_history(s, id, "m", 0, NULL, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, 600);
	store_close(s);
}

TEST_MAIN(default_order_and_full_runs, filter_metrics, filter_params_like_ilike,
	  filter_tags_and_attributes, filter_datasets, order_by_metrics_missing_and_nan_last,
	  order_by_params_tags_attributes, view_types_and_experiments, paging_visits_every_run_once,
	  search_errors, history_pages_at_25000, bulk_interval_sampling, bulk_interval_errors,
	  concurrent_writers_add_up, concurrent_processes_share_the_file)
