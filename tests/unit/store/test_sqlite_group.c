/* Group commit of store_log_metric (store_sqlite_log.c): writers that share a batch get
 * their own outcome, and every acknowledged point is stored exactly once. */
#include "../../harness.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 8
#define PER_THREAD 300

struct worker {
	struct store *s;
	const char *live, *dead;
	int id;
	int ok_live, einval_dead, other;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		struct cairn_error e = {0};
		struct store_metric m = { .key = "loss", .value = i, .timestamp = 1000 + i,
					  .step = w->id * 100000 + i };
		/* Alternate between the live and the deleted run so batches mix both. */
		const char *run = (i % 3 == 0) ? w->dead : w->live;
		int rc = store_log_metric(w->s, run, &m, &e);
		if (run == w->live && rc == 0)
			w->ok_live++;
		else if (run == w->dead && rc == CAIRN_EINVAL && strstr(e.msg, "must be in the 'active' state"))
			w->einval_dead++;
		else
			w->other++;
	}
	return NULL;
}

static struct store *open_server_like(void)
{
	char uri[4200];
	snprintf(uri, sizeof uri, "sqlite:///%s/g.db", test_tmpdir());
	struct store_options o = { .background_checkpoint_ms = 50 };
	struct cairn_error e = {0};
	struct store *s = store_open(uri, &o, &e);
	CHECK_MSG(s != NULL, "store_open: %s", e.msg);
	return s;
}

static const char *new_run(struct store *s, struct arena *a)
{
	struct store_run_create req = { .experiment_id = "0" };
	struct store_run r;
	struct cairn_error e = {0};
	CHECK_MSG(store_create_run(s, &req, a, &r, &e) == 0, "%s", e.msg);
	return r.info.run_id;
}

TEST(concurrent_writers_get_their_own_outcome)
{
	struct store *s = open_server_like();
	struct arena a;
	arena_init(&a, 0);
	const char *live = new_run(s, &a), *dead = new_run(s, &a);
	struct cairn_error e = {0};
	CHECK(store_delete_run(s, dead, &e) == 0);

	pthread_t t[THREADS];
	struct worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .s = s, .live = live, .dead = dead, .id = i };
		CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
	}
	int ok = 0, bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT_EQ(w[i].other, 0);
		ok += w[i].ok_live;
		bad += w[i].einval_dead;
	}
	CHECK_INT_EQ(ok, THREADS * (PER_THREAD - PER_THREAD / 3));
	CHECK_INT_EQ(bad, THREADS * (PER_THREAD / 3));

	/* Every acknowledged point is in the history exactly once; none reached the dead run. */
	size_t total = 0;
	const char *tok = NULL;
	do {
		struct store_metric_page p;
		CHECK_MSG(store_get_metric_history(s, live, "loss", 0, tok, &a, &p, &e) == 0, "%s", e.msg);
		total += p.n;
		tok = p.next_page_token;
	} while (tok);
	CHECK_INT_EQ(total, ok);
	struct store_metric_page d;
	CHECK(store_get_metric_history(s, dead, "loss", 0, NULL, &a, &d, &e) == 0);
	CHECK_INT_EQ(d.n, 0);
	store_close(s);
	arena_release(&a);
}

TEST(unknown_run_in_a_batch_is_not_found)
{
	struct store *s = open_server_like();
	struct cairn_error e = {0};
	struct store_metric m = { .key = "k", .value = 1, .timestamp = 1 };
	CHECK_INT_EQ(store_log_metric(s, "0123456789abcdef0123456789abcdef", &m, &e), CAIRN_ENOENT);
	CHECK_STR_CONTAINS(e.msg, "0123456789abcdef0123456789abcdef");
	store_close(s);
}

TEST(survives_reopen_after_background_checkpoints)
{
	struct store *s = open_server_like();
	struct arena a;
	arena_init(&a, 0);
	const char *run = arena_strdup(&a, new_run(s, &a));
	struct cairn_error e = {0};
	for (int i = 0; i < 2000; i++) {
		struct store_metric m = { .key = "acc", .value = i * 0.5, .timestamp = i, .step = i };
		CHECK_MSG(store_log_metric(s, run, &m, &e) == 0, "%s", e.msg);
	}
	store_close(s);
	s = open_server_like();
	struct store_run r;
	CHECK(store_get_run(s, run, &a, &r, &e) == 0);
	CHECK_INT_EQ(r.nmetrics, 1);
	CHECK(r.metrics[0].value == 1999 * 0.5);
	CHECK_INT_EQ(r.metrics[0].step, 1999);
	store_close(s);
	arena_release(&a);
}

TEST_MAIN(concurrent_writers_get_their_own_outcome, unknown_run_in_a_batch_is_not_found,
	  survives_reopen_after_background_checkpoints)
