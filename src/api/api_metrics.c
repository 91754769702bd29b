/*
 * The metrics/ endpoints (spec §3.4, §3.5) and the tracking-side artifacts/list.
 */
#include "api/api_internal.h"

#include <stdlib.h>
#include <string.h>

/* The cap api_respond_json uses: a 25,000-point page with long keys and run ids can pass
 * the default 64 MiB. */
#define METRICS_RESPONSE_CAP ((size_t)1 << 30)

static void metrics_body_begin(struct http_response *res)
{
	buf_reset(&res->body);
	if (res->body.cap < METRICS_RESPONSE_CAP)
		res->body.cap = METRICS_RESPONSE_CAP;
	res->content_type = "application/json";
}

/* Written directly rather than through a jansson tree (api_encode_fast.c): same bytes, a
 * tenth of the time for a 25,000-point page. */
static int respond_metrics(struct api_call *c, const struct store_metric *ms, size_t n,
			   int with_run_id, const char *next_page_token)
{
	metrics_body_begin(c->res);
	if (api_encode_metrics(&c->res->body, ms, n, with_run_id, next_page_token) != 0)
		return api_respond_json_steal(c->res, NULL);  /* the out-of-memory answer */
	return 0;
}

int api_metrics_get_history(struct api_call *c)
{
	const char *run_id = NULL, *key = NULL, *token = NULL;
	int64_t max_results = 0;
	int present = 0;
	int rc = api_get_run_id(c->msg, 1, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "metric_key", 1, &key, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "page_token", 0, &token, &c->err);
	if (rc == 0)
		rc = json_get_int64(c->msg, "max_results", 0, &max_results, &present, &c->err);
	if (rc != 0)
		return rc;
	/* MLflow ignores max_results here; we page, so only clamp it into range. */
	if (!present || max_results < 1 || max_results > STORE_HISTORY_PAGE)
		max_results = 0;
	struct store_metric_page page;
	memset(&page, 0, sizeof page);
	rc = store_get_metric_history(c->ctx->store, run_id, key, max_results, token, c->arena,
				      &page, &c->err);
	if (rc != 0)
		return rc;
	return respond_metrics(c, page.metrics, page.n, 0, page.next_page_token);
}

int api_metrics_get_history_bulk_interval(struct api_call *c)
{
	const char *const *run_ids = NULL;
	size_t nruns = 0;
	const char *key = NULL;
	int64_t start = 0, end = 0, max_results = STORE_BULK_MAX_RESULTS;
	int has_start = 0, has_end = 0, has_max = 0;
	int rc = api_get_str_array(c->msg, "run_ids", 0, c->arena, &run_ids, &nruns, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "metric_key", 1, &key, &c->err);
	if (rc == 0)
		rc = json_get_int64(c->msg, "start_step", 0, &start, &has_start, &c->err);
	if (rc == 0)
		rc = json_get_int64(c->msg, "end_step", 0, &end, &has_end, &c->err);
	if (rc == 0)
		rc = json_get_int64(c->msg, "max_results", 0, &max_results, &has_max, &c->err);
	if (rc != 0)
		return rc;
	if (nruns == 0)
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "GetMetricHistoryBulkInterval request must specify at least one run_id.");
	if (nruns > STORE_BULK_MAX_RUNS)
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "GetMetricHistoryBulkInterval request cannot specify more than %d run_ids. Received %zu run_ids.",
				       STORE_BULK_MAX_RUNS, nruns);
	if (has_start != has_end)
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "If either start step or end step are specified, both must be specified.");
	if (has_start && start > end)
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "end_step must be greater than start_step. Found start_step=%lld and end_step=%lld.",
				       (long long)start, (long long)end);
	if (has_max && (max_results < 1 || max_results > STORE_BULK_MAX_RESULTS))
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "max_results must be between 1 and %d. Got %lld.",
				       STORE_BULK_MAX_RESULTS, (long long)max_results);
	struct store_metric_page page;
	memset(&page, 0, sizeof page);
	rc = store_get_metric_history_bulk_interval(c->ctx->store, run_ids, nruns, key, has_start,
						    start, end, max_results, c->arena, &page, &c->err);
	if (rc != 0)
		return rc;
	return respond_metrics(c, page.metrics, page.n, 1, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The UI helper of MLflow's server (spec §3.5): run ids in run_id (repeated), sorted by
 * run id, each run's history in (timestamp, step, value) order, at most max_results points
 * in all. Unknown runs contribute nothing, as with MLflow's SQL store. */
int api_metrics_get_history_bulk(struct api_call *c)
{
	const char *const *given = NULL;
	size_t nruns = 0;
	const char *key = NULL;
	int64_t max_results = STORE_HISTORY_PAGE;
	int has_max = 0;
	int rc = api_get_str_array(c->msg, "run_id", 0, c->arena, &given, &nruns, &c->err);
	if (rc == 0)
		rc = json_get_int64(c->msg, "max_results", 0, &max_results, &has_max, &c->err);
	if (rc != 0)
		return rc;
	if (nruns == 0)
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "GetMetricHistoryBulk request must specify at least one run_id.");
	if (nruns > STORE_BULK_MAX_RUNS)
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "GetMetricHistoryBulk request cannot specify more than %d run_ids. Received %zu run_ids.",
				       STORE_BULK_MAX_RUNS, nruns);
	rc = json_get_str(c->msg, "metric_key", 0, &key, &c->err);
	if (rc != 0)
		return rc;
	if (!key)
		return cairn_error_set(&c->err, CAIRN_EINVAL,
				       "GetMetricHistoryBulk request must specify a metric_key.");
	if (!has_max || max_results > STORE_HISTORY_PAGE)
		max_results = STORE_HISTORY_PAGE;
	if (max_results < 1)
		return cairn_error_set(&c->err, CAIRN_EINVAL, "max_results must be a positive integer. Got %lld.",
				       (long long)max_results);

	const char **ids = arena_alloc(c->arena, nruns * sizeof *ids);
	if (!ids)
		return cairn_error_set(&c->err, CAIRN_ENOMEM, "out of memory");
	memcpy(ids, given, nruns * sizeof *ids);
	qsort(ids, nruns, sizeof *ids, cmp_str);
	/* Write the answer as pages arrive rather than gathering up to 25000 points first. */
	struct api_metric_writer *w = arena_alloc(c->arena, sizeof *w);
	if (!w)
		return cairn_error_set(&c->err, CAIRN_ENOMEM, "out of memory");
	metrics_body_begin(c->res);
	api_metric_writer_begin(w, &c->res->body);
	size_t total = 0;
	for (size_t r = 0; r < nruns && total < (size_t)max_results; r++) {
		if (r > 0 && strcmp(ids[r], ids[r - 1]) == 0)
			continue;
		const char *token = NULL;
		do {
			struct store_metric_page page;
			memset(&page, 0, sizeof page);
			struct cairn_error e;
			cairn_error_clear(&e);
			rc = store_get_metric_history(c->ctx->store, ids[r], key, 0, token, c->arena,
						      &page, &e);
			if (rc == CAIRN_ENOENT)
				break;
			if (rc != 0) {
				c->err = e;
				buf_reset(&c->res->body);
				return rc;
			}
			for (size_t i = 0; i < page.n && total < (size_t)max_results; i++, total++) {
				page.metrics[i].run_id = ids[r];
				if (api_metric_writer_add(w, &page.metrics[i], 1) != 0)
					return api_respond_json_steal(c->res, NULL);
			}
			token = page.next_page_token && *page.next_page_token ? page.next_page_token : NULL;
		} while (token && total < (size_t)max_results);
	}
	if (api_metric_writer_end(w, NULL) != 0)
		return api_respond_json_steal(c->res, NULL);
	return 0;
}

/* artifacts/list (spec §3.4): one level of the run's artifacts, paths relative to the
 * run's artifact root, STORE_ARTIFACT_LIST_PAGE entries a page. MLflow never pages here,
 * but its proto has page_token/next_page_token, so a client that reads the proto can follow. */
int api_artifacts_list_run(struct api_call *c)
{
	const char *run_id = NULL, *path = NULL, *token = NULL;
	int64_t offset = 0;
	int rc = api_get_run_id(c->msg, 1, &run_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "path", 0, &path, &c->err);
	if (rc == 0)
		rc = api_check_rel_path(path, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "page_token", 0, &token, &c->err);
	if (rc == 0)
		rc = artifact_page_token_decode(token, &offset, &c->err);
	struct store_run run;
	if (rc == 0)
		rc = store_get_run(c->ctx->store, run_id, c->arena, &run, &c->err);
	if (rc != 0)
		return rc;
	/* "model/" and "model" name the same directory; the prefix must not end in '/'. */
	size_t plen = path ? strlen(path) : 0;
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	const char *prefix = arena_strndup(c->arena, path ? path : "", plen);
	if (!prefix)
		return cairn_error_set(&c->err, CAIRN_ENOMEM, "out of memory");

	struct artifact_file_info *files = NULL;
	size_t nfiles = 0;
	int64_t next = -1;
	const char *root_rel = NULL;
	if (c->ctx->artifacts) {
		rc = api_artifact_uri_to_rel(run.info.artifact_uri, artifact_store_root(c->ctx->artifacts),
					     c->arena, &root_rel, &c->err);
		if (rc != 0)
			return rc;
	}
	if (root_rel) {
		const char *rel;
		if (*prefix)
			rel = *root_rel ? arena_printf(c->arena, "%s/%s", root_rel, prefix) : prefix;
		else
			rel = root_rel;
		if (!rel)
			return cairn_error_set(&c->err, CAIRN_ENOMEM, "out of memory");
		rc = artifact_list_page(c->ctx->artifacts, rel, prefix, offset, STORE_ARTIFACT_LIST_PAGE,
					0, c->arena, &files, &nfiles, &next, &c->err);
		if (rc != 0)
			return rc;
	}
	const char *next_token = NULL;
	if (next >= 0 && !(next_token = artifact_page_token_encode(c->arena, next)))
		return cairn_error_set(&c->err, CAIRN_ENOMEM, "out of memory");
	json_t *o = json_object();
	if (!o)
		return api_respond_json_steal(c->res, NULL);
	if (run.info.artifact_uri &&
	    json_object_set_new(o, "root_uri", api_json_str(run.info.artifact_uri)) != 0)
		goto oom;
	if (nfiles > 0) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(o, "files", arr) != 0)
			goto oom;
		for (size_t i = 0; i < nfiles; i++)
			if (json_array_append_new(arr, api_json_file_info(&files[i])) != 0)
				goto oom;
	}
	if (next_token && json_object_set_new(o, "next_page_token", api_json_str(next_token)) != 0)
		goto oom;
	return api_respond_json_steal(c->res, o);
oom:
	json_decref(o);
	return api_respond_json_steal(c->res, NULL);
}
