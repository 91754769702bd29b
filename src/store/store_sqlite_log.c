/* SQLite tracking store: logging (spec §3.3) and reading metric history (§3.4). */
#include "store/sqlite_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ERR_CODE(err) ((err) && (err)->code ? (err)->code : CAIRN_EIO)

static int oom(struct cairn_error *err)
{
	return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

static int validate_metric(const struct store_metric *m, struct cairn_error *err)
{
	int rc = store_validate_key("metric", m->key, err);
	if (rc != 0)
		return rc;
	if (m->timestamp < 0)
		return cairn_error_set(err, CAIRN_EINVAL, "Got invalid timestamp %" PRId64 " for metric "
				       "'%s' (value=%g). Timestamp must be a nonnegative long (64-bit "
				       "integer) ", m->timestamp, m->key, m->value);
	return 0;
}

static int insert_point(struct sq_conn *c, sqlite3_stmt *st, int64_t run_key, const char *key,
			const struct store_metric *m, struct cairn_error *err)
{
	sqlite3_bind_int64(st, 1, run_key);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, m->timestamp);
	sqlite3_bind_int64(st, 4, m->step);
	sq_bind_metric_value(st, 5, m->value);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc, "logging a metric", err);
	return 0;
}

static int upsert_latest(struct sq_conn *c, int64_t run_key, const struct store_metric *m,
			 struct cairn_error *err)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_LATEST_UPSERT, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, run_key);
	sqlite3_bind_text(st, 2, m->key, -1, SQLITE_STATIC);
	sq_bind_metric_value(st, 3, m->value);
	sqlite3_bind_int64(st, 5, m->timestamp);
	sqlite3_bind_int64(st, 6, m->step);
	return sq_exec_stmt(c, st, "updating the latest metric", err);
}

/*
 * Group commit. A single log-metric is tiny, and as its own transaction it pays a commit
 * (WAL frames for every page it touched) and a hand-off of the write lock. So writers
 * queue here: the first to arrive becomes the leader and commits at once (no added latency
 * on an idle server); whoever arrives while it commits waits, and the next leader commits
 * all of them in one transaction. A waiter whose run is unknown or not active gets its own
 * error and writes nothing; a database error fails every waiter of that batch.
 */
struct sq_lm_waiter {
	const char *run_id;
	const struct store_metric *m;
	int done;                     /* guarded by gc_mu; the waiter's frame lives until it sees 1 */
	int rc;
	struct cairn_error err;
	struct sq_lm_waiter *next;
};

static void lm_commit_batch(struct sq_conn *c, struct sq_lm_waiter *batch)
{
	struct cairn_error e;
	cairn_error_clear(&e);
	int ret = sq_write_begin(c, &e);
	if (ret == 0) {
		for (struct sq_lm_waiter *w = batch; w && ret == 0; w = w->next) {
			int64_t key;
			if (sq_run_lookup(c, w->run_id, 1, &key, NULL, &w->err) != 0) {
				w->rc = w->err.code ? w->err.code : CAIRN_EIO;
				continue;
			}
			sqlite3_stmt *st = sq_stmt(c, SQ_METRIC_INSERT, &e);
			if (!st) {
				ret = e.code ? e.code : CAIRN_EIO;
				break;
			}
			ret = insert_point(c, st, key, w->m->key, w->m, &e);
			sqlite3_clear_bindings(st);
			if (ret == 0)
				ret = upsert_latest(c, key, w->m, &e);
		}
		ret = sq_write_end(c, ret, &e);
	}
	if (ret != 0)
		for (struct sq_lm_waiter *w = batch; w; w = w->next)
			if (w->rc == 0) {
				w->rc = ret;
				w->err = e;
			}
}

int store_log_metric(struct store *s, const char *run_id, const struct store_metric *m,
		     struct cairn_error *err)
{
	int ret = validate_metric(m, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	if (s->read_only)
		return cairn_error_set(err, CAIRN_EINVAL, "the store was opened read-only");
	struct sq_lm_waiter self;
	memset(&self, 0, sizeof self);
	self.run_id = run_id;
	self.m = m;

	pthread_mutex_lock(&s->gc_mu);
	if (s->gc_tail)
		s->gc_tail->next = &self;
	else
		s->gc_head = &self;
	s->gc_tail = &self;
	while (!self.done && s->gc_leader)
		pthread_cond_wait(&s->gc_cv, &s->gc_mu);
	if (!self.done) {
		/* Lead one batch: everything queued now, which includes this request. */
		s->gc_leader = 1;
		struct sq_lm_waiter *batch = s->gc_head;
		s->gc_head = s->gc_tail = NULL;
		pthread_mutex_unlock(&s->gc_mu);
		lm_commit_batch(c, batch);
		pthread_mutex_lock(&s->gc_mu);
		while (batch) {
			struct sq_lm_waiter *next = batch->next; /* read before the waiter may leave */
			batch->done = 1;
			batch = next;
		}
		s->gc_leader = 0;
		/* Wakes this batch's waiters, and one of the next batch's to lead it. */
		pthread_cond_broadcast(&s->gc_cv);
	}
	pthread_mutex_unlock(&s->gc_mu);
	if (self.rc != 0 && err)
		*err = self.err;
	return self.rc;
}

/* Inside a write transaction: insert the param, or check that the stored value is equal. */
static int put_param(struct sq_conn *c, const char *run_id, int64_t run_key, const char *key,
		     const char *value, struct cairn_error *err)
{
	if (!value)
		value = "";
	size_t vlen = sq_truncated_len(value, STORE_MAX_PARAM_VALUE_CHARS);
	sqlite3_stmt *st = sq_stmt(c, SQ_PARAM_INSERT, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, run_key);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, (int)vlen, SQLITE_STATIC);
	int ret = sq_exec_stmt(c, st, "logging a param", err);
	if (ret != 0 || sqlite3_changes(c->db) > 0)
		return ret;
	st = sq_stmt(c, SQ_PARAM_GET, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, run_key);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 0);
		size_t olen = (size_t)sqlite3_column_bytes(st, 0);
		if (!old || olen != vlen || memcmp(old, value, vlen) != 0)
			ret = cairn_error_set(err, CAIRN_EINVAL, "Changing param values is not allowed. "
					      "Param with key='%s' was already logged with value='%.200s' "
					      "for run ID='%s'. Attempted logging new value '%.*s'.",
					      key, old ? old : "", run_id, (int)(vlen > 200 ? 200 : vlen),
					      value);
	} else {
		ret = sq_error(c, rc, "reading a param", err);
	}
	sq_done(st);
	return ret;
}

int store_log_param(struct store *s, const char *run_id, const char *key, const char *value,
		    struct cairn_error *err)
{
	int ret = store_validate_key("param", key, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t rk;
	ret = sq_run_lookup(c, run_id, 1, &rk, NULL, err);
	if (ret == 0)
		ret = put_param(c, run_id, rk, key, value, err);
	return sq_write_end(c, ret, err);
}

int store_set_tag(struct store *s, const char *run_id, const char *key, const char *value,
		  struct cairn_error *err)
{
	int ret = store_validate_key("tag", key, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t rk;
	ret = sq_run_lookup(c, run_id, 1, &rk, NULL, err);
	if (ret == 0)
		ret = sq_set_run_tag(c, rk, key, value, err);
	return sq_write_end(c, ret, err);
}

int store_delete_tag(struct store *s, const char *run_id, const char *key, struct cairn_error *err)
{
	if (!key)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'key'. "
				       "See the API docs for more information about request parameters.");
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	int ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t rk;
	ret = sq_run_lookup(c, run_id, 1, &rk, NULL, err);
	if (ret != 0)
		goto out;
	sqlite3_stmt *st = sq_stmt(c, SQ_TAG_DELETE, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, rk);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	ret = sq_exec_stmt(c, st, "deleting a tag", err);
	if (ret == 0 && sqlite3_changes(c->db) == 0)
		ret = cairn_error_set(err, CAIRN_ENOENT, "No tag with name: %s in run with id %s",
				      key, run_id);
out:
	return sq_write_end(c, ret, err);
}

/* ------------------------------------------------------------------ log-batch */

/* Order used to group a batch's metrics by key and to insert them in primary-key order. */
static int cmp_point(const struct store_metric *x, const struct store_metric *y)
{
	int k = strcmp(x->key, y->key);
	if (k)
		return k;
	if (x->timestamp != y->timestamp)
		return x->timestamp < y->timestamp ? -1 : 1;
	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	return 0;
}

/* Sorts pointers into the caller's array; ties keep array order (address order). */
static int cmp_ptr(const void *pa, const void *pb)
{
	const struct store_metric *a = *(const struct store_metric *const *)pa;
	const struct store_metric *b = *(const struct store_metric *const *)pb;
	int r = cmp_point(a, b);
	if (r)
		return r;
	return a < b ? -1 : a > b;
}

/* The latest-value order of §3.3: (step, timestamp, value), NaN counting as 0. */
static int point_greater(const struct store_metric *x, const struct store_metric *y)
{
	if (x->step != y->step)
		return x->step > y->step;
	if (x->timestamp != y->timestamp)
		return x->timestamp > y->timestamp;
	double xv = isnan(x->value) ? 0.0 : x->value;
	double yv = isnan(y->value) ? 0.0 : y->value;
	return xv > yv;
}

static int validate_batch(const char *run_id, const struct store_metric *metrics, size_t nmetrics,
			  const struct store_tag *params, size_t nparams,
			  const struct store_tag *tags, size_t ntags, struct cairn_error *err)
{
	int rc = store_validate_run_id(run_id, err);
	if (rc != 0)
		return rc;
	if (nmetrics > STORE_MAX_BATCH_METRICS)
		return cairn_error_set(err, CAIRN_EINVAL, "A batch logging request can contain at most "
				       "%d metrics. Got %zu metrics. Please split up metrics across "
				       "multiple requests and try again.", STORE_MAX_BATCH_METRICS, nmetrics);
	if (nparams > STORE_MAX_BATCH_PARAMS)
		return cairn_error_set(err, CAIRN_EINVAL, "A batch logging request can contain at most "
				       "%d params. Got %zu params. Please split up params across "
				       "multiple requests and try again.", STORE_MAX_BATCH_PARAMS, nparams);
	if (ntags > STORE_MAX_BATCH_TAGS)
		return cairn_error_set(err, CAIRN_EINVAL, "A batch logging request can contain at most "
				       "%d tags. Got %zu tags. Please split up tags across multiple "
				       "requests and try again.", STORE_MAX_BATCH_TAGS, ntags);
	size_t total = nmetrics + nparams + ntags;
	if (total > STORE_MAX_BATCH_TOTAL)
		return cairn_error_set(err, CAIRN_EINVAL, "A batch logging request can contain at most "
				       "%d total metrics, params, and tags. Got %zu metrics, %zu params, "
				       "and %zu tags. Please split up the data across multiple requests "
				       "and try again.", STORE_MAX_BATCH_TOTAL, nmetrics, nparams, ntags);
	for (size_t i = 0; i < nmetrics; i++)
		if ((rc = validate_metric(&metrics[i], err)) != 0)
			return rc;
	for (size_t i = 0; i < nparams; i++) {
		if ((rc = store_validate_key("param", params[i].key, err)) != 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(params[i].key, params[j].key) == 0)
				return cairn_error_set(err, CAIRN_EINVAL, "Duplicate parameter keys have "
						       "been submitted: ['%s']. Please ensure the request "
						       "contains only one param value per param key.",
						       params[i].key);
	}
	for (size_t i = 0; i < ntags; i++)
		if ((rc = store_validate_key("tag", tags[i].key, err)) != 0)
			return rc;
	return 0;
}

/* Insert points (in primary-key order) SQ_INSERT_MANY_ROWS per statement, the rest one by one. */
static int insert_points(struct sq_conn *c, int64_t rk, const struct store_metric **pts, size_t n,
			 struct cairn_error *err)
{
	size_t i = 0;
	int ret = 0;
	if (n >= SQ_INSERT_MANY_ROWS) {
		sqlite3_stmt *st = sq_stmt(c, SQ_METRIC_INSERT_MANY, err);
		if (!st)
			return ERR_CODE(err);
		for (; ret == 0 && i + SQ_INSERT_MANY_ROWS <= n; i += SQ_INSERT_MANY_ROWS) {
			for (int r = 0; r < SQ_INSERT_MANY_ROWS; r++) {
				const struct store_metric *m = pts[i + (size_t)r];
				int col = r * 6 + 1;
				sqlite3_bind_int64(st, col, rk);
				sqlite3_bind_text(st, col + 1, m->key, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, col + 2, m->timestamp);
				sqlite3_bind_int64(st, col + 3, m->step);
				sq_bind_metric_value(st, col + 4, m->value);
			}
			int rc = sqlite3_step(st);
			sqlite3_reset(st);
			if (rc != SQLITE_DONE)
				ret = sq_error(c, rc, "logging metrics", err);
		}
		sq_done(st);
	}
	if (ret != 0 || i == n)
		return ret;
	sqlite3_stmt *st = sq_stmt(c, SQ_METRIC_INSERT, err);
	if (!st)
		return ERR_CODE(err);
	for (; ret == 0 && i < n; i++)
		ret = insert_point(c, st, rk, pts[i]->key, pts[i], err);
	sq_done(st);
	return ret;
}

int store_log_batch(struct store *s, const char *run_id,
		    const struct store_metric *metrics, size_t nmetrics,
		    const struct store_tag *params, size_t nparams,
		    const struct store_tag *tags, size_t ntags, struct cairn_error *err)
{
	int ret = validate_batch(run_id, metrics, nmetrics, params, nparams, tags, ntags, err);
	if (ret != 0)
		return ret;
	const struct store_metric **order = NULL;
	if (nmetrics) {
		/* Sorted outside the write transaction, so other writers do not wait on it. */
		order = cairn_malloc(nmetrics * sizeof *order);
		if (!order)
			return oom(err);
		for (size_t i = 0; i < nmetrics; i++)
			order[i] = &metrics[i];
		qsort(order, nmetrics, sizeof *order, cmp_ptr);
	}
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c) {
		cairn_free(order);
		return ERR_CODE(err);
	}
	ret = sq_write_begin(c, err);
	if (ret != 0) {
		cairn_free(order);
		return ret;
	}
	int64_t rk;
	ret = sq_run_lookup(c, run_id, 1, &rk, NULL, err);
	for (size_t i = 0; ret == 0 && i < nparams; i++)
		ret = put_param(c, run_id, rk, params[i].key, params[i].value, err);
	if (ret == 0 && nmetrics)
		ret = insert_points(c, rk, order, nmetrics, err);
	for (size_t i = 0; ret == 0 && i < nmetrics;) {
		/* One group of equal keys: upsert the greatest point once. */
		const struct store_metric *best = order[i];
		size_t j = i + 1;
		for (; j < nmetrics && strcmp(order[j]->key, best->key) == 0; j++)
			if (point_greater(order[j], best))
				best = order[j];
		ret = upsert_latest(c, rk, best, err);
		i = j;
	}
	for (size_t i = 0; ret == 0 && i < ntags; i++)
		ret = sq_set_run_tag(c, rk, tags[i].key, tags[i].value, err);
	ret = sq_write_end(c, ret, err);
	cairn_free(order);
	return ret;
}

/* ------------------------------------------------------------------ log-inputs */

static int check_len(const char *what, const char *v, size_t max, int required,
		     struct cairn_error *err)
{
	if (!v || (required && !*v)) {
		if (required)
			return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter "
					       "'%s'. See the API docs for more information about "
					       "request parameters.", what);
		return 0;
	}
	size_t n = strlen(v);
	size_t chars = utf8_length(v, n);
	if (chars > max)
		return cairn_error_set(err, CAIRN_EINVAL, "'%s' exceeds the maximum length of %zu "
				       "characters (got %zu)", what, max, chars);
	return 0;
}

static int validate_input(const struct store_dataset_input *in, struct cairn_error *err)
{
	const struct store_dataset *d = &in->dataset;
	int rc;
	if ((rc = check_len("dataset.name", d->name, 500, 1, err)) ||
	    (rc = check_len("dataset.digest", d->digest, 36, 1, err)) ||
	    (rc = check_len("dataset.source_type", d->source_type, 36, 1, err)) ||
	    (rc = check_len("dataset.source", d->source, 65535, 1, err)) ||
	    (rc = check_len("dataset.schema", d->schema, 1048575, 0, err)) ||
	    (rc = check_len("dataset.profile", d->profile, 16777215, 0, err)))
		return rc;
	for (size_t i = 0; i < in->ntags; i++) {
		if ((rc = check_len("input_tag.key", in->tags[i].key, 255, 1, err)))
			return rc;
		if (!in->tags[i].value)
			return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter "
					       "'input_tag.value'. See the API docs for more "
					       "information about request parameters.");
		if ((rc = check_len("input_tag.value", in->tags[i].value, 500, 0, err)))
			return rc;
	}
	return 0;
}

static int bind_opt_text(sqlite3_stmt *st, int col, const char *v)
{
	return v ? sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, col);
}

static int link_input(struct sq_conn *c, int64_t rk, int64_t exp_id,
		      const struct store_dataset_input *in, struct cairn_error *err)
{
	const struct store_dataset *d = &in->dataset;
	sqlite3_stmt *st = sq_stmt(c, SQ_DATASET_FIND, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, exp_id);
	sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->digest, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t dkey = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sq_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_error(c, rc, "looking up a dataset", err);
	int ret;
	if (rc == SQLITE_DONE) {
		st = sq_stmt(c, SQ_DATASET_INSERT, err);
		if (!st)
			return ERR_CODE(err);
		sqlite3_bind_int64(st, 1, exp_id);
		sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, d->source_type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, d->source, -1, SQLITE_STATIC);
		bind_opt_text(st, 6, d->schema);
		bind_opt_text(st, 7, d->profile);
		ret = sq_exec_stmt(c, st, "creating a dataset", err);
		if (ret != 0)
			return ret;
		dkey = sqlite3_last_insert_rowid(c->db);
	}
	st = sq_stmt(c, SQ_INPUT_INSERT, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, rk);
	sqlite3_bind_int64(st, 2, dkey);
	ret = sq_exec_stmt(c, st, "linking a dataset", err);
	if (ret != 0 || sqlite3_changes(c->db) == 0)
		return ret;  /* already linked: a no-op, tags untouched */
	for (size_t i = 0; i < in->ntags; i++) {
		st = sq_stmt(c, SQ_INPUT_TAG_INSERT, err);
		if (!st)
			return ERR_CODE(err);
		sqlite3_bind_int64(st, 1, rk);
		sqlite3_bind_int64(st, 2, dkey);
		sqlite3_bind_text(st, 3, in->tags[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, in->tags[i].value, -1, SQLITE_STATIC);
		ret = sq_exec_stmt(c, st, "setting an input tag", err);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int store_log_inputs(struct store *s, const char *run_id, const struct store_dataset_input *inputs,
		     size_t ninputs, struct cairn_error *err)
{
	int ret = store_validate_run_id(run_id, err);
	if (ret != 0)
		return ret;
	for (size_t i = 0; i < ninputs; i++)
		if ((ret = validate_input(&inputs[i], err)) != 0)
			return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t rk, exp_id;
	ret = sq_run_lookup(c, run_id, 1, &rk, &exp_id, err);
	for (size_t i = 0; ret == 0 && i < ninputs; i++) {
		/* Within one request the first of equal (name, digest) wins. */
		int dup = 0;
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcmp(inputs[i].dataset.name, inputs[j].dataset.name) == 0 &&
			      strcmp(inputs[i].dataset.digest, inputs[j].dataset.digest) == 0;
		if (!dup)
			ret = link_input(c, rk, exp_id, &inputs[i], err);
	}
	return sq_write_end(c, ret, err);
}

/* ------------------------------------------------------------------ log-model */

#define TAG_LOG_MODEL_HISTORY "mlflow.log-model.history"

/* The subset of the model MLflow keeps in the history tag. New reference. */
static json_t *model_summary(json_t *model)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	static const char *const keep[] = { "run_id", "artifact_path", "utc_time_created", "model_uuid" };
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		json_t *v = json_object_get(model, keep[i]);
		if (v && json_object_set(o, keep[i], v) != 0)
			goto fail;
	}
	json_t *flavors = json_object_get(model, "flavors");
	if (json_is_object(flavors)) {
		json_t *nf = json_deep_copy(flavors);
		if (!nf || json_object_set_new(o, "flavors", nf) != 0)
			goto fail;
		const char *name;
		json_t *fl;
		json_object_foreach(nf, name, fl) {
			if (json_is_object(fl))
				json_object_del(fl, "config");
		}
	} else if (flavors && json_object_set(o, "flavors", flavors) != 0) {
		goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

int store_log_model(struct store *s, const char *run_id, const char *model_json,
		    struct cairn_error *err)
{
	if (!model_json || !*model_json)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter "
				       "'model_json'. See the API docs for more information about "
				       "request parameters.");
	json_error_t jerr;
	json_t *model = json_loads(model_json, JSON_DECODE_ANY, &jerr);
	json_t *hist = NULL, *summary = NULL;
	struct buf out;
	buf_init(&out, 0);
	int ret = 0;
	struct sq_conn *c = NULL;
	int in_txn = 0;
	if (!json_is_object(model)) {
		ret = cairn_error_set(err, CAIRN_EINVAL, "Malformed model info. \n %s\n is not a valid "
				      "JSON object.", model ? "model_json" : jerr.text);
		goto out;
	}
	static const char *const required[] = { "artifact_path", "flavors", "utc_time_created", "run_id" };
	char missing[128] = "";
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		if (!json_object_get(model, required[i])) {
			size_t ml = strlen(missing);
			snprintf(missing + ml, sizeof missing - ml, "%s'%s'", ml ? ", " : "", required[i]);
		}
	}
	if (*missing) {
		ret = cairn_error_set(err, CAIRN_EINVAL, "Model json is missing mandatory fields: {%s}",
				      missing);
		goto out;
	}
	summary = model_summary(model);
	if (!summary) {
		ret = oom(err);
		goto out;
	}
	ret = store_validate_run_id(run_id, err);
	if (ret != 0)
		goto out;
	c = sq_conn_get(s, err);
	if (!c) {
		ret = ERR_CODE(err);
		goto out;
	}
	ret = sq_write_begin(c, err);
	if (ret != 0)
		goto out;
	in_txn = 1;
	int64_t rk;
	ret = sq_run_lookup(c, run_id, 1, &rk, NULL, err);
	if (ret != 0)
		goto out;
	sqlite3_stmt *st = sq_stmt(c, SQ_TAG_GET, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, rk);
	sqlite3_bind_text(st, 2, TAG_LOG_MODEL_HISTORY, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 0);
		hist = old ? json_loads(old, 0, &jerr) : NULL;
	} else if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading the model history", err);
	}
	sq_done(st);
	if (ret != 0)
		goto out;
	if (!json_is_array(hist)) {
		/* Absent, or damaged by hand: start a fresh history rather than fail. */
		json_decref(hist);
		hist = json_array();
	}
	if (!hist || json_array_append(hist, summary) != 0 || json_dump_buf(hist, &out) != 0) {
		ret = oom(err);
		goto out;
	}
	/* Written directly: truncating it like other tags would leave invalid JSON. */
	st = sq_stmt(c, SQ_TAG_UPSERT, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, rk);
	sqlite3_bind_text(st, 2, TAG_LOG_MODEL_HISTORY, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, out.data, (int)out.len, SQLITE_STATIC);
	ret = sq_exec_stmt(c, st, "writing the model history", err);
out:
	if (in_txn)
		ret = sq_write_end(c, ret, err);
	json_decref(model);
	json_decref(hist);
	json_decref(summary);
	buf_release(&out);
	return ret;
}

/* ------------------------------------------------------------------ metric history */

int store_get_metric_history(struct store *s, const char *run_id, const char *key,
			     int64_t max_results, const char *page_token, struct arena *a,
			     struct store_metric_page *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	if (!key || !*key)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter "
				       "'metric_key'. See the API docs for more information about "
				       "request parameters.");
	if (max_results < 0)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value %" PRId64 " for parameter "
				       "'max_results' supplied. It must be a positive integer", max_results);
	/* MLflow's SQL store ignores max_results; cairn pages, capped at the page size. */
	int64_t max = max_results == 0 || max_results > STORE_HISTORY_PAGE ? STORE_HISTORY_PAGE :
		      max_results;
	int64_t offset;
	int ret = filter_page_token_decode(page_token, &offset, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_read_begin(c, err);
	if (ret != 0)
		return ret;
	sqlite3_stmt *st = NULL;
	int64_t rk;
	ret = sq_run_lookup(c, run_id, 0, &rk, NULL, err);
	if (ret != 0)
		goto out;
	st = sq_stmt(c, SQ_HISTORY, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	const char *k = arena_strdup(a, key);
	size_t cap = 256;
	out->metrics = arena_alloc(a, cap * sizeof *out->metrics);
	if (!k || !out->metrics) {
		ret = oom(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, rk);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, max + 1);
	sqlite3_bind_int64(st, 4, offset);
	int rc;
	int more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((int64_t)out->n == max) {
			more = 1;
			break;
		}
		out->metrics = sq_grow(a, out->metrics, out->n, &cap, sizeof *out->metrics);
		if (!out->metrics) {
			ret = oom(err);
			goto out;
		}
		struct store_metric *m = &out->metrics[out->n++];
		m->key = k;
		m->timestamp = sqlite3_column_int64(st, 0);
		m->step = sqlite3_column_int64(st, 1);
		m->value = sq_col_metric_value(st, 2, 3);
		m->run_id = NULL;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading metric history", err);
		goto out;
	}
	if (more) {
		out->next_page_token = filter_page_token_encode(a, offset + (int64_t)out->n);
		if (!out->next_page_token)
			ret = oom(err);
	}
out:
	sq_done(st);
	sq_read_end(c);
	if (ret != 0)
		memset(out, 0, sizeof *out);
	return ret;
}

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t x = *(const int64_t *)pa, y = *(const int64_t *)pb;
	return x < y ? -1 : x > y;
}

static int cmp_str_ptr(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int has_step(const int64_t *steps, size_t n, int64_t step)
{
	return bsearch(&step, steps, n, sizeof *steps, cmp_i64) != NULL;
}

/* Append an int64 to a cairn_malloc'd vector. */
static int push_i64(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		int64_t *nv = cairn_realloc(*v, nc * sizeof *nv);
		if (!nv)
			return CAIRN_ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Sort and de-duplicate in place; returns the new length. */
static size_t uniq_i64(int64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	size_t w = 1;
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[w - 1])
			v[w++] = v[i];
	return w;
}

int store_get_metric_history_bulk_interval(struct store *s, const char *const *run_ids, size_t nruns,
					   const char *key, int has_range, int64_t start_step,
					   int64_t end_step, int64_t max_results, struct arena *a,
					   struct store_metric_page *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	if (nruns == 0)
		return cairn_error_set(err, CAIRN_EINVAL, "GetMetricHistoryBulkInterval request must "
				       "specify at least one run_id.");
	if (nruns > STORE_BULK_MAX_RUNS)
		return cairn_error_set(err, CAIRN_EINVAL, "GetMetricHistoryBulkInterval request cannot "
				       "specify more than %d run_ids. Received %zu run_ids.",
				       STORE_BULK_MAX_RUNS, nruns);
	if (!key || !*key)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter "
				       "'metric_key'. See the API docs for more information about "
				       "request parameters.");
	if (max_results == 0)
		max_results = STORE_BULK_MAX_RESULTS;
	if (max_results < 1 || max_results > STORE_BULK_MAX_RESULTS)
		return cairn_error_set(err, CAIRN_EINVAL, "max_results must be between 1 and %d. "
				       "Received %" PRId64 ".", STORE_BULK_MAX_RESULTS, max_results);
	if (has_range && start_step > end_step)
		return cairn_error_set(err, CAIRN_EINVAL, "end_step must be greater than start_step. "
				       "Found start_step=%" PRId64 " and end_step=%" PRId64 ".",
				       start_step, end_step);

	int ret = 0;
	const char **ids = cairn_malloc(nruns * sizeof *ids);
	int64_t *rks = cairn_malloc(nruns * sizeof *rks);
	int64_t *all = NULL, *extremes = NULL, *sampled = NULL;
	size_t nall = 0, capall = 0, next = 0, capext = 0, nsampled = 0, capsampled = 0;
	struct sq_conn *c = NULL;
	int in_txn = 0;
	sqlite3_stmt *st = NULL;
	if (!ids || !rks) {
		ret = oom(err);
		goto out;
	}
	memcpy(ids, run_ids, nruns * sizeof *ids);
	qsort(ids, nruns, sizeof *ids, cmp_str_ptr);
	c = sq_conn_get(s, err);
	if (!c) {
		ret = ERR_CODE(err);
		goto out;
	}
	ret = sq_read_begin(c, err);
	if (ret != 0)
		goto out;
	in_txn = 1;
	for (size_t i = 0; i < nruns; i++) {
		ret = sq_run_lookup(c, ids[i], 0, &rks[i], NULL, err);
		if (ret != 0)
			goto out;
	}
	/* Steps 1 and 4 of §3.4: every step of the key, and each run's own min and max. */
	st = sq_stmt(c, SQ_HISTORY_BY_STEP, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	for (size_t i = 0; i < nruns; i++) {
		if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
			continue;
		sqlite3_bind_int64(st, 1, rks[i]);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		int rc, any = 0;
		int64_t lo = 0, hi = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t step = sqlite3_column_int64(st, 0);
			if (!any)
				lo = step;
			hi = step;
			any = 1;
			if (nall == 0 || all[nall - 1] != step)
				if (push_i64(&all, &nall, &capall, step) != 0) {
					ret = oom(err);
					goto out;
				}
		}
		sq_done(st);
		if (rc != SQLITE_DONE) {
			ret = sq_error(c, rc, "reading metric history", err);
			goto out;
		}
		if (any && (push_i64(&extremes, &next, &capext, lo) != 0 ||
			    push_i64(&extremes, &next, &capext, hi) != 0)) {
			ret = oom(err);
			goto out;
		}
	}
	nall = uniq_i64(all, nall);
	/* Step 2: the range, by default 0 .. the largest step. */
	if (!has_range) {
		start_step = 0;
		end_step = nall ? all[nall - 1] : 0;
	}
	size_t first = 0;
	while (first < nall && all[first] < start_step)
		first++;
	size_t last = first;
	while (last < nall && all[last] <= end_step)
		last++;
	size_t ninr = last - first;
	const int64_t *inr = all ? all + first : NULL;
	/* Step 3: evenly spaced by index, plus the last, when there are too many. */
	if (ninr <= (size_t)max_results) {
		for (size_t i = 0; i < ninr; i++)
			if (push_i64(&sampled, &nsampled, &capsampled, inr[i]) != 0) {
				ret = oom(err);
				goto out;
			}
	} else {
		double interval = (double)ninr / (double)max_results;
		for (int64_t i = 0; i < max_results; i++) {
			size_t at = (size_t)((double)i * interval);
			if (push_i64(&sampled, &nsampled, &capsampled, inr[at]) != 0) {
				ret = oom(err);
				goto out;
			}
		}
		if (push_i64(&sampled, &nsampled, &capsampled, inr[ninr - 1]) != 0) {
			ret = oom(err);
			goto out;
		}
	}
	for (size_t i = 0; i < next; i++)
		if (extremes[i] >= start_step && extremes[i] <= end_step &&
		    push_i64(&sampled, &nsampled, &capsampled, extremes[i]) != 0) {
			ret = oom(err);
			goto out;
		}
	nsampled = uniq_i64(sampled, nsampled);

	/* Step 5: each run's points at those steps, runs in id order. */
	const char *k = arena_strdup(a, key);
	size_t cap = 256;
	out->metrics = arena_alloc(a, cap * sizeof *out->metrics);
	if (!k || !out->metrics) {
		ret = oom(err);
		goto out;
	}
	for (size_t i = 0; i < nruns && nsampled > 0; i++) {
		if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
			continue;
		const char *rid = arena_strdup(a, ids[i]);
		if (!rid) {
			ret = oom(err);
			goto out;
		}
		sqlite3_bind_int64(st, 1, rks[i]);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		int rc;
		size_t per_run = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && per_run < STORE_HISTORY_PAGE) {
			int64_t step = sqlite3_column_int64(st, 0);
			if (!has_step(sampled, nsampled, step))
				continue;
			out->metrics = sq_grow(a, out->metrics, out->n, &cap, sizeof *out->metrics);
			if (!out->metrics) {
				sq_done(st);
				ret = oom(err);
				goto out;
			}
			struct store_metric *m = &out->metrics[out->n++];
			m->key = k;
			m->run_id = rid;
			m->step = step;
			m->timestamp = sqlite3_column_int64(st, 1);
			m->value = sq_col_metric_value(st, 2, 3);
			per_run++;
		}
		sq_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			ret = sq_error(c, rc, "reading metric history", err);
			goto out;
		}
	}
out:
	sq_done(st);
	if (in_txn)
		sq_read_end(c);
	cairn_free(ids);
	cairn_free(rks);
	cairn_free(all);
	cairn_free(extremes);
	cairn_free(sampled);
	if (ret != 0)
		memset(out, 0, sizeof *out);
	return ret;
}
