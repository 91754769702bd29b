/* SQLite store at benchmark volumes (10,000 runs, 100,000 points, 300,000-point batches):
 * they check results at scale and print timings to stderr for the curious. No time is
 * asserted: performance targets live in bench/ and docs/benchmarks.md. */
#include "../../harness.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct arena A;
static struct cairn_error E;

static struct store *open_store(void)
{
	char path[2048];
	snprintf(path, sizeof path, "%s/perf.db", test_tmpdir());
	struct store *s = store_open(path, NULL, &E);
	CHECK_MSG(s != NULL, "store_open: %s", E.msg);
	return s;
}

static const char *mkrun(struct store *s, int64_t start)
{
	struct store_run_create req = { .user_id = "u", .start_time = start };
	struct store_run r;
	CHECK_MSG(store_create_run(s, &req, &A, &r, &E) == 0, "%s", E.msg);
	return r.info.run_id;
}

static double ms_since(int64_t t0)
{
	return (double)(time_mono_ns() - t0) / 1e6;
}

TEST(log_metric_rate)
{
	struct store *s = open_store();
	const char *run = mkrun(s, 1);
	const int n = 10000;
	int64_t t0 = time_mono_ns();
	for (int i = 0; i < n; i++) {
		struct store_metric m = { .key = "loss", .value = 1.0 / (i + 1), .timestamp = i, .step = i };
		CHECK(store_log_metric(s, run, &m, &E) == 0);
	}
	double ms = ms_since(t0);
	fprintf(stderr, "    %d log_metric calls: %.1f ms = %.0f calls/s\n", n, ms, n / (ms / 1000));
	struct store_metric_page p;
	CHECK(store_get_metric_history(s, run, "loss", 0, NULL, &A, &p, &E) == 0);
	CHECK_INT_EQ(p.n, n);
	store_close(s);
}

TEST(log_batch_rate)
{
	struct store *s = open_store();
	const char *run = mkrun(s, 1);
	struct store_metric *ms = arena_alloc(&A, 1000 * sizeof *ms);
	const int batches = 300;
	static const char *const keys[] = { "loss", "acc", "lr", "f1", "auc" };
	int64_t t0 = time_mono_ns();
	for (int b = 0; b < batches; b++) {
		for (int i = 0; i < 1000; i++) {
			int64_t step = (int64_t)b * 200 + i / 5;
			ms[i] = (struct store_metric){ .key = keys[i % 5], .value = (double)i,
						       .timestamp = 1700000000000 + step, .step = step };
		}
		CHECK_MSG(store_log_batch(s, run, ms, 1000, NULL, 0, NULL, 0, &E) == 0, "%s", E.msg);
	}
	double t = ms_since(t0);
	double pts = batches * 1000.0;
	fprintf(stderr, "    %d log_batch x 1000 metrics: %.1f ms = %.0f points/s\n", batches, t,
		pts / (t / 1000));
	struct store_run r;
	CHECK(store_get_run(s, run, &A, &r, &E) == 0);
	CHECK_INT_EQ(r.nmetrics, 5);
	store_close(s);
}

TEST(search_10000_runs)
{
	struct store *s = open_store();
	const int n = 10000;
	int64_t t0 = time_mono_ns();
	for (int i = 0; i < n; i++) {
		const char *run = mkrun(s, 1000 + i);
		struct store_metric ms[] = {
			{ .key = "acc", .value = (double)((i * 7919) % n) / n, .timestamp = 1 },
			{ .key = "loss", .value = (double)i, .timestamp = 1 },
		};
		char v[16];
		snprintf(v, sizeof v, "%d", i % 10);
		struct store_tag ps[] = { { "depth", v }, { "model", "rf" } };
		struct store_tag ts[] = { { "team", i % 2 ? "a" : "b" } };
		CHECK(store_log_batch(s, run, ms, 2, ps, 2, ts, 1, &E) == 0);
	}
	fprintf(stderr, "    setup of %d runs: %.1f ms\n", n, ms_since(t0));
	struct store_run_query q = { .experiment_ids = (const char *[]){ "0" }, .nexperiment_ids = 1,
				     .filter = "metrics.acc > 0.5",
				     .order_by = (const char *[]){ "metrics.acc DESC" }, .norder_by = 1 };
	struct store_run_page p;
	double best = 1e9;
	for (int rep = 0; rep < 5; rep++) {
		struct arena a;
		arena_init(&a, 0);
		t0 = time_mono_ns();
		CHECK_MSG(store_search_runs(s, &q, &a, &p, &E) == 0, "%s", E.msg);
		double t = ms_since(t0);
		if (t < best)
			best = t;
		CHECK_INT_EQ(p.n, 1000);
		CHECK(p.next_page_token != NULL);
		for (size_t i = 0; i + 1 < p.n; i++)
			CHECK(p.runs[i].metrics[0].value >= p.runs[i + 1].metrics[0].value ||
			      p.runs[i].nmetrics == 2);
		CHECK_INT_EQ(p.runs[0].nparams, 2);
		CHECK_INT_EQ(p.runs[0].ntags, 2);
		arena_release(&a);
	}
	fprintf(stderr, "    search over %d runs (metric filter + order, 1000 full runs back): "
		"best of 5 %.1f ms\n", n, best);
	store_close(s);
}

TEST(history_100000_points)
{
	struct store *s = open_store();
	const char *run = mkrun(s, 1);
	struct store_metric *ms = arena_alloc(&A, 1000 * sizeof *ms);
	for (int b = 0; b < 100; b++) {
		for (int i = 0; i < 1000; i++) {
			int64_t k = (int64_t)b * 1000 + i;
			ms[i] = (struct store_metric){ .key = "loss", .value = 1.0 / (double)(k + 1),
						       .timestamp = k, .step = k };
		}
		CHECK(store_log_batch(s, run, ms, 1000, NULL, 0, NULL, 0, &E) == 0);
	}
	double best = 1e9;
	for (int rep = 0; rep < 3; rep++) {
		struct arena a;
		arena_init(&a, 0);
		int64_t t0 = time_mono_ns();
		const char *tok = NULL;
		size_t total = 0;
		do {
			struct store_metric_page p;
			CHECK(store_get_metric_history(s, run, "loss", 25000, tok, &a, &p, &E) == 0);
			total += p.n;
			tok = p.next_page_token;
		} while (tok);
		double t = ms_since(t0);
		if (t < best)
			best = t;
		CHECK_INT_EQ(total, 100000);
		arena_release(&a);
	}
	fprintf(stderr, "    get-history of 100000 points (4 pages): best of 3 %.1f ms\n", best);
	store_close(s);
}

TEST_MAIN(log_metric_rate, log_batch_rate, search_10000_runs, history_100000_points)
