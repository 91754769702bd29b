/*
 * The route table (one row per RPC, as data) and the dispatcher every tracking RPC goes
 * through: gate (--artifacts-only), request message (query or JSON body), handler, error.
 */
#include "api/api_internal.h"
#include "api/api_registry.h"

#include <string.h>

static const struct api_endpoint endpoints[] = {
	{ "POST", "experiments/create", api_experiments_create, API_BODY_SMALL, 0 },
	{ "GET", "experiments/get", api_experiments_get, API_BODY_SMALL, 0 },
	{ "GET", "experiments/get-by-name", api_experiments_get_by_name, API_BODY_SMALL, 0 },
	{ "POST", "experiments/search", api_experiments_search, API_BODY_SMALL, 0 },
	{ "GET", "experiments/search", api_experiments_search, API_BODY_SMALL, 0 },
	{ "POST", "experiments/update", api_experiments_update, API_BODY_SMALL, 0 },
	{ "POST", "experiments/delete", api_experiments_delete, API_BODY_SMALL, 0 },
	{ "POST", "experiments/restore", api_experiments_restore, API_BODY_SMALL, 0 },
	{ "POST", "experiments/set-experiment-tag", api_experiments_set_tag, API_BODY_SMALL, 0 },
	{ "POST", "runs/create", api_runs_create, API_BODY_DEFAULT, 0 },
	{ "GET", "runs/get", api_runs_get, API_BODY_SMALL, 0 },
	{ "POST", "runs/update", api_runs_update, API_BODY_SMALL, 0 },
	{ "POST", "runs/delete", api_runs_delete, API_BODY_SMALL, 0 },
	{ "POST", "runs/restore", api_runs_restore, API_BODY_SMALL, 0 },
	{ "POST", "runs/search", api_runs_search, API_BODY_SMALL, 0 },
	{ "POST", "runs/log-metric", api_runs_log_metric, API_BODY_SMALL, 0 },
	{ "POST", "runs/log-parameter", api_runs_log_param, API_BODY_SMALL, 0 },
	{ "POST", "runs/log-batch", api_runs_log_batch, API_BODY_BATCH, 0 },
	{ "POST", "runs/log-inputs", api_runs_log_inputs, API_BODY_INPUTS, 0 },
	{ "POST", "runs/log-model", api_runs_log_model, API_BODY_DEFAULT, 0 },
	{ "POST", "runs/set-tag", api_runs_set_tag, API_BODY_SMALL, 0 },
	{ "POST", "runs/delete-tag", api_runs_delete_tag, API_BODY_SMALL, 0 },
	{ "GET", "metrics/get-history", api_metrics_get_history, API_BODY_SMALL, 0 },
	{ "GET", "metrics/get-history-bulk-interval", api_metrics_get_history_bulk_interval,
	  API_BODY_SMALL, 0 },
	{ "GET", "metrics/get-history-bulk", api_metrics_get_history_bulk, API_BODY_SMALL,
	  API_EP_AJAX_ONLY | API_EP_RUN_ID_REPEATED },
	{ "GET", "artifacts/list", api_artifacts_list_run, API_BODY_SMALL, 0 },
};
#define N_ENDPOINTS (sizeof endpoints / sizeof endpoints[0])

static const char *const tracking_prefixes[] = { "/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/" };
static const char *const artifact_prefixes[] = { "/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts" };

/* What a tracking route's data points at. Lives in the same allocation as the routes. */
struct api_binding {
	struct api_context *ctx;
	const struct api_endpoint *ep;
};

static int rpc_dispatch(struct http_request *req, struct http_response *res)
{
	const struct api_binding *b = req->route_data;
	struct api_context *ctx = b->ctx;
	if (ctx->artifacts_only || !ctx->store) {
		char msg[768];
		snprintf(msg, sizeof msg,
			 "Endpoint: %.500s disabled due to the cairn server running in `--artifacts-only` "
			 "mode. To enable tracking server functionality, run `cairn server` without "
			 "`--artifacts-only`",
			 req->path ? req->path : "");
		return api_respond_text(res, 503, msg);
	}
	struct api_call c;
	memset(&c, 0, sizeof c);
	c.ctx = ctx;
	c.req = req;
	c.res = res;
	c.arena = req->arena;
	/* Every jansson value of this request (the parsed message, the response being built)
	 * lives in the request arena: no per-node malloc/free on the hot logging paths. */
	struct arena *prev_json = json_arena_begin(req->arena);
	int rc, fast = API_FAST_DECLINED;
	if (strcmp(b->ep->method, "GET") == 0) {
		rc = api_message_from_query(req->params, req->nparams,
					    (b->ep->flags & API_EP_RUN_ID_REPEATED) ? api_repeated_run_id
										     : api_repeated_default,
					    &c.msg, &c.err);
	} else {
		rc = api_check_json_content_type(req->method, http_request_header(req, "Content-Type"),
						 &c.err);
		/* log-batch / log-metric: a one-pass parse of the canonical body, no jansson tree;
		 * any body it does not take goes the jansson way. */
		if (rc == 0)
			fast = api_fast_try(b->ep, &c);
		if (rc == 0 && fast == API_FAST_DECLINED)
			rc = api_message_from_body(req->body, req->body_len, &c.msg, &c.err);
		else if (rc == 0)
			rc = fast;
	}
	if (rc == 0 && fast == API_FAST_DECLINED)
		rc = b->ep->fn(&c);
	json_decref(c.msg);
	if (rc != 0) {
		if (c.err.code == 0)
			c.err.code = rc;
		api_respond_error(res, &c.err);
	}
	json_arena_end(prev_json);
	return rc;
}

static int handle_health(struct http_request *req, struct http_response *res)
{
	(void)req;
	return api_respond_text(res, 200, "OK");
}

static int handle_version(struct http_request *req, struct http_response *res)
{
	(void)req;
	return api_respond_text(res, 200, CAIRN_MLFLOW_COMPAT_VERSION);
}

/* Route paths are built once into this block after the routes and bindings. */
struct route_block {
	char *strings;
	size_t used, cap;
};

static const char *block_path(struct route_block *blk, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (blk->used + la + lb + 1 > blk->cap)
		return NULL;
	char *p = blk->strings + blk->used;
	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	p[la + lb] = '\0';
	blk->used += la + lb + 1;
	return p;
}

int api_build_routes(struct api_context *ctx, struct http_route **out, size_t *n,
		     struct cairn_error *err)
{
	*out = NULL;
	*n = 0;
	if (!ctx)
		return cairn_error_set(err, CAIRN_EINVAL, "api_build_routes: no context");
	/* Artifact proxy per prefix: GET, PUT, DELETE on /artifacts, and three mpu POSTs. */
	static const char *const mpu[] = { "/mpu/create", "/mpu/complete", "/mpu/abort" };
	const size_t nprefix = 2, per_artifact_prefix = 3 + 3;
	size_t nroutes = 2 /* /health, /version */ + nprefix * per_artifact_prefix +
			 API_REGISTRY_NROUTES;
	size_t strings = 0;
	for (size_t p = 0; p < nprefix; p++) {
		for (size_t i = 0; i < N_ENDPOINTS; i++) {
			if ((endpoints[i].flags & API_EP_AJAX_ONLY) && p == 0)
				continue;
			nroutes++;
			strings += strlen(tracking_prefixes[p]) + strlen(endpoints[i].name) + 1;
		}
		strings += strlen(artifact_prefixes[p]) + sizeof "/artifacts";
		for (size_t m = 0; m < 3; m++)
			strings += strlen(artifact_prefixes[p]) + strlen(mpu[m]) + 1;
	}
	size_t routes_size = nroutes * sizeof(struct http_route);
	size_t bind_size = nroutes * sizeof(struct api_binding);
	char *mem = cairn_calloc(1, routes_size + bind_size + strings);
	if (!mem)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory building the route table");
	struct http_route *routes = (struct http_route *)(void *)mem;
	struct api_binding *binds = (struct api_binding *)(void *)(mem + routes_size);
	struct route_block blk = { mem + routes_size + bind_size, 0, strings };

	size_t k = 0;
	for (size_t p = 0; p < nprefix; p++) {
		for (size_t i = 0; i < N_ENDPOINTS; i++) {
			const struct api_endpoint *ep = &endpoints[i];
			if ((ep->flags & API_EP_AJAX_ONLY) && p == 0)
				continue;
			binds[k].ctx = ctx;
			binds[k].ep = ep;
			routes[k] = (struct http_route){
				.method = ep->method,
				.path = block_path(&blk, tracking_prefixes[p], ep->name),
				.match = HTTP_MATCH_EXACT,
				.handler = rpc_dispatch,
				.body_limit = ep->body_limit,
				.data = &binds[k],
			};
			k++;
		}
		const char *art = block_path(&blk, artifact_prefixes[p], "/artifacts");
		routes[k++] = (struct http_route){ .method = "GET", .path = art, .match = HTTP_MATCH_PREFIX,
						   .handler = api_proxy_get, .body_limit = API_BODY_SMALL,
						   .data = ctx };
		/* Uploads stream to disk: no body limit beyond the disk (spec §6.2). */
		routes[k++] = (struct http_route){ .method = "PUT", .path = art, .match = HTTP_MATCH_PREFIX,
						   .handler = api_proxy_put, .flags = HTTP_ROUTE_STREAM,
						   .upload = &api_proxy_upload_ops, .data = ctx };
		routes[k++] = (struct http_route){ .method = "DELETE", .path = art, .match = HTTP_MATCH_PREFIX,
						   .handler = api_proxy_delete, .body_limit = API_BODY_SMALL,
						   .data = ctx };
		for (size_t m = 0; m < 3; m++)
			routes[k++] = (struct http_route){ .method = "POST",
							   .path = block_path(&blk, artifact_prefixes[p], mpu[m]),
							   .match = HTTP_MATCH_PREFIX, .handler = api_proxy_mpu,
							   .body_limit = API_BODY_SMALL, .data = ctx };
	}
	/* The model registry (spec §5) lives in api_registry.c with its own table. */
	size_t nreg = 0;
	if (k + API_REGISTRY_NROUTES > nroutes ||
	    api_registry_routes(ctx, routes + k, nroutes - k, &nreg) != 0) {
		cairn_free(mem);
		return cairn_error_set(err, CAIRN_EINTERNAL, "registry route table does not fit");
	}
	k += nreg;
	routes[k++] = (struct http_route){ .method = "GET", .path = "/health", .match = HTTP_MATCH_EXACT,
					   .handler = handle_health, .data = ctx };
	routes[k++] = (struct http_route){ .method = "GET", .path = "/version", .match = HTTP_MATCH_EXACT,
					   .handler = handle_version, .data = ctx };
	for (size_t i = 0; i < k; i++) {
		if (!routes[i].path) {  /* the string block was sized above; never expected */
			cairn_free(mem);
			return cairn_error_set(err, CAIRN_EINTERNAL, "route table string space miscounted");
		}
	}
	if (k != nroutes) {
		cairn_free(mem);
		return cairn_error_set(err, CAIRN_EINTERNAL, "route table miscounted (%zu != %zu)", k, nroutes);
	}
	*out = routes;
	*n = nroutes;
	return 0;
}
