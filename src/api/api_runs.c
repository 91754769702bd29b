/*
 * The runs/ endpoints (spec §3.2, §3.3, §4.1, §4.2). log-metric is the hot path (tens of
 * thousands of calls per second): it reads four fields from the parsed message, calls the
 * store and writes a constant body, allocating nothing of its own.
 */
#include "api/api_internal.h"

#include <string.h>

static int respond_run(struct api_call *c, const struct store_run *run)
{
	json_t *o = json_object();
	if (o && json_object_set_new(o, "run", api_json_run(run)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return api_respond_json_steal(c->res, o);
}

int api_runs_create(struct api_call *c)
{
	struct store_run_create rq;
	memset(&rq, 0, sizeof rq);
	int present = 0;
	int rc = api_get_id(c->msg, "experiment_id", 0, c->arena, &rq.experiment_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "user_id", 0, &rq.user_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "run_name", 0, &rq.run_name, &c->err);
	if (rc == 0)
		rc = json_get_int64(c->msg, "start_time", 0, &rq.start_time, &present, &c->err);
	struct store_tag *tags = NULL;
	if (rc == 0)
		rc = api_get_tags(c->msg, "tags", c->arena, &tags, &rq.ntags, &c->err);
	if (rc != 0)
		return rc;
	rq.tags = tags;
	if (rq.run_name && !*rq.run_name)
		rq.run_name = NULL;   /* proto default: "not given" */
	if (rq.run_name) {
		for (size_t i = 0; i < rq.ntags; i++) {
			if (strcmp(tags[i].key, "mlflow.runName") == 0 && strcmp(tags[i].value, rq.run_name) != 0)
				return cairn_error_set(&c->err, CAIRN_EINVAL,
						       "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='%s', mlflow.runName='%s').",
						       rq.run_name, tags[i].value);
		}
	}
	struct store_run run;
	rc = store_create_run(c->ctx->store, &rq, c->arena, &run, &c->err);
	return rc != 0 ? rc : respond_run(c, &run);
}

int api_runs_get(struct api_call *c)
{
	const char *run_id = NULL;
	struct store_run run;
	int rc = api_get_run_id(c->msg, 1, &run_id, &c->err);
	if (rc == 0)
		rc = store_get_run(c->ctx->store, run_id, c->arena, &run, &c->err);
	return rc != 0 ? rc : respond_run(c, &run);
}

int api_runs_update(struct api_call *c)
{
	struct store_run_update rq;
	memset(&rq, 0, sizeof rq);
	int present = 0;
	int rc = api_get_run_id(c->msg, 1, &rq.run_id, &c->err);
	if (rc == 0)
		rc = api_get_run_status(c->msg, "status", &rq.status, &present, &c->err);
	if (rc == 0)
		rc = json_get_int64(c->msg, "end_time", 0, &rq.end_time, &rq.has_end_time, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "run_name", 0, &rq.run_name, &c->err);
	if (rc != 0)
		return rc;
	if (rq.run_name && !*rq.run_name)
		rq.run_name = NULL;   /* MLflow renames only on a non-empty name */
	struct store_run_info info;
	rc = store_update_run(c->ctx->store, &rq, c->arena, &info, &c->err);
	if (rc != 0)
		return rc;
	json_t *o = json_object();
	if (o && json_object_set_new(o, "run_info", api_json_run_info(&info)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return api_respond_json_steal(c->res, o);
}

int api_runs_delete(struct api_call *c)
{
	const char *run_id = NULL;
	int rc = api_get_run_id(c->msg, 0, &run_id, &c->err);
	if (rc == 0)
		rc = store_delete_run(c->ctx->store, run_id, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_runs_restore(struct api_call *c)
{
	const char *run_id = NULL;
	int rc = api_get_run_id(c->msg, 0, &run_id, &c->err);
	if (rc == 0)
		rc = store_restore_run(c->ctx->store, run_id, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_runs_search(struct api_call *c)
{
	struct store_run_query q;
	memset(&q, 0, sizeof q);
	int present = 0;
	int rc = api_get_str_array(c->msg, "experiment_ids", 1, c->arena, &q.experiment_ids,
				   &q.nexperiment_ids, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "filter", 0, &q.filter, &c->err);
	if (rc == 0)
		rc = api_get_view_type(c->msg, "run_view_type", &q.view_type, &present, &c->err);
	if (rc == 0)
		rc = api_get_max_results(c->msg, STORE_RUNS_MAX_RESULTS, &q.max_results, &c->err);
	if (rc == 0)
		rc = api_get_str_array(c->msg, "order_by", 0, c->arena, &q.order_by, &q.norder_by, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "page_token", 0, &q.page_token, &c->err);
	struct store_run_page page;
	memset(&page, 0, sizeof page);
	if (rc == 0)
		rc = store_search_runs(c->ctx->store, &q, c->arena, &page, &c->err);
	if (rc != 0)
		return rc;
	json_t *o = json_object();
	if (!o)
		return api_respond_json_steal(c->res, NULL);
	if (page.n > 0) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(o, "runs", arr) != 0)
			goto oom;
		for (size_t i = 0; i < page.n; i++)
			if (json_array_append_new(arr, api_json_run(&page.runs[i])) != 0)
				goto oom;
	}
	if (page.next_page_token && *page.next_page_token &&
	    json_object_set_new(o, "next_page_token", api_json_str(page.next_page_token)) != 0)
		goto oom;
	return api_respond_json_steal(c->res, o);
oom:
	json_decref(o);
	return api_respond_json_steal(c->res, NULL);
}

/* One metric from a message or a log-batch item: key, value, timestamp required. */
int api_read_metric(json_t *obj, struct store_metric *m, struct cairn_error *err)
{
	int present = 0;
	m->step = 0;
	m->run_id = NULL;
	int rc = json_get_str(obj, "key", 1, &m->key, err);
	if (rc == 0)
		rc = json_get_double(obj, "value", 1, &m->value, &present, err);
	if (rc == 0)
		rc = json_get_int64(obj, "timestamp", 1, &m->timestamp, &present, err);
	if (rc == 0)
		rc = json_get_int64(obj, "step", 0, &m->step, &present, err);
	return rc;
}

int api_runs_log_metric(struct api_call *c)
{
	const char *run_id = NULL;
	struct store_metric m;
	int rc = api_get_run_id(c->msg, 1, &run_id, &c->err);
	if (rc == 0)
		rc = api_read_metric(c->msg, &m, &c->err);
	if (rc == 0)
		rc = store_log_metric(c->ctx->store, run_id, &m, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_runs_log_param(struct api_call *c)
{
	const char *run_id = NULL, *key = NULL, *value = NULL;
	int rc = api_get_run_id(c->msg, 1, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = api_get_str_or_empty(c->msg, "value", &value, &c->err);
	if (rc == 0)
		rc = store_log_param(c->ctx->store, run_id, key, value, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_runs_set_tag(struct api_call *c)
{
	const char *run_id = NULL, *key = NULL, *value = NULL;
	int rc = api_get_run_id(c->msg, 1, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = api_get_str_or_empty(c->msg, "value", &value, &c->err);
	if (rc == 0)
		rc = store_set_tag(c->ctx->store, run_id, key, value, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_runs_delete_tag(struct api_call *c)
{
	const char *run_id = NULL, *key = NULL;
	int rc = api_get_run_id(c->msg, 0, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = store_delete_tag(c->ctx->store, run_id, key, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int batch_limit(struct cairn_error *err, const char *what, size_t limit, size_t n)
{
	if (n <= limit)
		return 0;
	return cairn_error_set(err, CAIRN_EINVAL,
			       "A batch logging request can contain at most %zu %s. Got %zu %s. Please split up %s across multiple requests and try again.",
			       limit, what, n, what, what);
}

int api_runs_log_batch(struct api_call *c)
{
	const char *run_id = NULL;
	json_t *jm = NULL, *jp = NULL, *jt = NULL;
	/* run_uuid is not part of LogBatch (spec §3.3). */
	int rc = api_get_run_id(c->msg, 0, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_array(c->msg, "metrics", 0, &jm, &c->err);
	if (rc == 0)
		rc = json_get_array(c->msg, "params", 0, &jp, &c->err);
	if (rc == 0)
		rc = json_get_array(c->msg, "tags", 0, &jt, &c->err);
	if (rc != 0)
		return rc;
	size_t nm = json_array_size(jm), np = json_array_size(jp), nt = json_array_size(jt);
	/* Refuse oversize batches before allocating anything for them. */
	rc = batch_limit(&c->err, "metrics", STORE_MAX_BATCH_METRICS, nm);
	if (rc == 0)
		rc = batch_limit(&c->err, "params", STORE_MAX_BATCH_PARAMS, np);
	if (rc == 0)
		rc = batch_limit(&c->err, "tags", STORE_MAX_BATCH_TAGS, nt);
	if (rc == 0 && nm + np + nt > STORE_MAX_BATCH_TOTAL)
		rc = cairn_error_set(&c->err, CAIRN_EINVAL,
				     "A batch logging request can contain at most %d metrics, params, and tags in total. Got %zu total entities (%zu metrics, %zu params, %zu tags).",
				     STORE_MAX_BATCH_TOTAL, nm + np + nt, nm, np, nt);
	if (rc != 0)
		return rc;
	struct store_metric *metrics = NULL;
	if (nm > 0) {
		metrics = arena_alloc(c->arena, nm * sizeof *metrics);
		if (!metrics)
			return cairn_error_set(&c->err, CAIRN_ENOMEM, "out of memory");
		for (size_t i = 0; i < nm; i++) {
			json_t *item = json_array_get(jm, i);
			if (!json_is_object(item))
				return cairn_error_set(&c->err, CAIRN_EINVAL,
						       "Invalid value for parameter 'metrics': element %zu is not an object", i);
			rc = api_read_metric(item, &metrics[i], &c->err);
			if (rc != 0) {
				cairn_error_prefix(&c->err, "metrics[%zu]", i);
				return rc;
			}
		}
	}
	struct store_tag *params = NULL, *tags = NULL;
	rc = api_get_tags(c->msg, "params", c->arena, &params, &np, &c->err);
	if (rc == 0)
		rc = api_get_tags(c->msg, "tags", c->arena, &tags, &nt, &c->err);
	if (rc == 0)
		rc = store_log_batch(c->ctx->store, run_id, metrics, nm, params, np, tags, nt, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int read_dataset_input(json_t *item, size_t i, struct arena *a,
			      struct store_dataset_input *in, struct cairn_error *err)
{
	char where[64];
	snprintf(where, sizeof where, "datasets[%zu]", i);
	if (!json_is_object(item))
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Invalid value for parameter 'datasets': element %zu is not an object", i);
	json_t *ds = json_object_get(item, "dataset");
	if (!ds || json_is_null(ds)) {
		cairn_error_set(err, CAIRN_EINVAL,
				"Missing value for required parameter 'dataset'. See the API docs for more information about request parameters.");
		cairn_error_prefix(err, "%s", where);
		return CAIRN_EINVAL;
	}
	if (!json_is_object(ds)) {
		cairn_error_set(err, CAIRN_EINVAL, "Invalid value for parameter 'dataset': expected an object");
		cairn_error_prefix(err, "%s", where);
		return CAIRN_EINVAL;
	}
	struct store_dataset *d = &in->dataset;
	int rc = json_get_str(ds, "name", 1, &d->name, err);
	if (rc == 0)
		rc = json_get_str(ds, "digest", 1, &d->digest, err);
	if (rc == 0)
		rc = json_get_str(ds, "source_type", 1, &d->source_type, err);
	if (rc == 0)
		rc = json_get_str(ds, "source", 1, &d->source, err);
	if (rc == 0)
		rc = json_get_str(ds, "schema", 0, &d->schema, err);
	if (rc == 0)
		rc = json_get_str(ds, "profile", 0, &d->profile, err);
	if (rc != 0) {
		cairn_error_prefix(err, "%s.dataset", where);
		return rc;
	}
	rc = api_get_tags(item, "tags", a, &in->tags, &in->ntags, err);
	if (rc != 0)
		cairn_error_prefix(err, "%s", where);
	return rc;
}

int api_runs_log_inputs(struct api_call *c)
{
	const char *run_id = NULL;
	json_t *arr = NULL;
	int rc = api_get_run_id(c->msg, 0, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_array(c->msg, "datasets", 1, &arr, &c->err);
	if (rc != 0)
		return rc;
	size_t n = json_array_size(arr);
	struct store_dataset_input *inputs = NULL;
	if (n > 0) {
		inputs = arena_alloc(c->arena, n * sizeof *inputs);
		if (!inputs)
			return cairn_error_set(&c->err, CAIRN_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++) {
			rc = read_dataset_input(json_array_get(arr, i), i, c->arena, &inputs[i], &c->err);
			if (rc != 0)
				return rc;
		}
	}
	rc = store_log_inputs(c->ctx->store, run_id, inputs, n, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

/* MLflow's handler checks model_json before the store sees it (spec §3.3 log-model). */
static int check_model_json(const char *model_json, struct cairn_error *err)
{
	json_error_t jerr;
	json_t *m = json_loads(model_json, 0, &jerr);
	if (!m || !json_is_object(m)) {
		json_decref(m);
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Malformed model info. \n %.300s \n is not a valid JSON.", model_json);
	}
	static const char *const required[] = { "artifact_path", "flavors", "utc_time_created", "run_id" };
	char missing[128] = "";
	size_t used = 0;
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		if (json_object_get(m, required[i]))
			continue;
		int w = snprintf(missing + used, sizeof missing - used, "%s'%s'", used ? ", " : "", required[i]);
		if (w > 0 && (size_t)w < sizeof missing - used)
			used += (size_t)w;
	}
	json_decref(m);
	if (used > 0)
		return cairn_error_set(err, CAIRN_EINVAL, "Model json is missing mandatory fields: {%s}", missing);
	return 0;
}

int api_runs_log_model(struct api_call *c)
{
	const char *run_id = NULL, *model_json = NULL;
	int rc = api_get_run_id(c->msg, 0, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "model_json", 1, &model_json, &c->err);
	if (rc == 0)
		rc = check_model_json(model_json, &c->err);
	if (rc == 0)
		rc = store_log_model(c->ctx->store, run_id, model_json, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}
