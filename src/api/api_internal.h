/*
 * api_internal — private to the api module: the endpoint table, the per-call state that
 * handlers share, request-message conversion, and MLflow's JSON encoding of store entities.
 *
 * Pure parts (message conversion, encoding, content-type guessing, error mapping) depend
 * only on base and jansson so that unit tests can exercise them without a server or store.
 *
 * Ownership: every json_t returned here is a new reference the caller must json_decref.
 * Strings handed back through `const char **` are owned by the message object or the arena
 * named in the call.
 */
#ifndef CAIRN_API_INTERNAL_H
#define CAIRN_API_INTERNAL_H

#include "api/api.h"

/* Body limits (bytes) per route class; see api_routes.c for which route gets which. */
#define API_BODY_SMALL ((size_t)1 << 20)          /* single-item RPCs */
#define API_BODY_DEFAULT ((size_t)4 << 20)
#define API_BODY_BATCH ((size_t)8 << 20)          /* log-batch: >= 2 MB per spec §7.1 */
#define API_BODY_INPUTS ((size_t)40 << 20)        /* log-inputs: dataset profile may be 16M chars */

/* The state of one tracking RPC call, handed to each handler. */
struct api_call {
	struct api_context *ctx;
	struct http_request *req;
	struct http_response *res;
	json_t *msg;                 /* the request message (borrowed; the dispatcher owns it) */
	struct arena *arena;         /* == req->arena */
	struct cairn_error err;      /* filled by a handler that returns < 0 */
};

/* A handler fills c->res and returns 0, or returns a negative CAIRN_E* code with c->err set;
 * the dispatcher then answers with the MLflow error body. */
typedef int (*api_handler_fn)(struct api_call *c);

enum api_endpoint_flags {
	API_EP_AJAX_ONLY = 1,        /* registered only under /ajax-api (UI helpers) */
	API_EP_RUN_ID_REPEATED = 2,  /* GET query: run_id is a repeated field (get-history-bulk) */
};

struct api_endpoint {
	const char *method;          /* "GET" or "POST" */
	const char *name;            /* path after ".../2.0/mlflow/", e.g. "runs/log-metric" */
	api_handler_fn fn;
	size_t body_limit;
	int flags;
};

/* ------------------------------------------------------------ handlers (api_*.c) */

int api_experiments_create(struct api_call *c);
int api_experiments_get(struct api_call *c);
int api_experiments_get_by_name(struct api_call *c);
int api_experiments_search(struct api_call *c);
int api_experiments_update(struct api_call *c);
int api_experiments_delete(struct api_call *c);
int api_experiments_restore(struct api_call *c);
int api_experiments_set_tag(struct api_call *c);

int api_runs_create(struct api_call *c);
int api_runs_get(struct api_call *c);
int api_runs_update(struct api_call *c);
int api_runs_delete(struct api_call *c);
int api_runs_restore(struct api_call *c);
int api_runs_search(struct api_call *c);
int api_runs_log_metric(struct api_call *c);
int api_runs_log_param(struct api_call *c);
int api_runs_log_batch(struct api_call *c);
int api_runs_log_inputs(struct api_call *c);
int api_runs_log_model(struct api_call *c);
int api_runs_set_tag(struct api_call *c);
int api_runs_delete_tag(struct api_call *c);

int api_metrics_get_history(struct api_call *c);
int api_metrics_get_history_bulk_interval(struct api_call *c);
int api_metrics_get_history_bulk(struct api_call *c);

int api_artifacts_list_run(struct api_call *c);

/* Artifact proxy (spec §6.2), plain http handlers on prefix routes; route data = ctx. */
int api_proxy_get(struct http_request *req, struct http_response *res);
int api_proxy_delete(struct http_request *req, struct http_response *res);
int api_proxy_mpu(struct http_request *req, struct http_response *res);
extern const struct http_upload_ops api_proxy_upload_ops;
/* Never called for a streamed route; present because a route needs a handler. */
int api_proxy_put(struct http_request *req, struct http_response *res);

/* One metric from a message or a log-batch item as the jansson path reads it: key, value,
 * timestamp required, step optional (api_runs.c). */
int api_read_metric(json_t *obj, struct store_metric *m, struct cairn_error *err);

/* ------------------------------------------------------------ fast path (api_fastjson.c) */

/* Returned by the fast path when it does not take a body: run the jansson path. */
#define API_FAST_DECLINED 1

enum api_fast_kind { API_FAST_LOG_BATCH, API_FAST_LOG_METRIC };

/* What the log-batch / log-metric handlers hand to the store (log-metric: one metric). */
struct api_fast_msg {
	const char *run_id;
	struct store_metric *metrics;
	size_t nmetrics;
	struct store_tag *params;
	size_t nparams;
	struct store_tag *tags;
	size_t ntags;
};

/* One pass over a raw body into `out` (strings and arrays in `a`). 0 when the body is in
 * the canonical shape and the jansson path would read exactly these values and reach the
 * store; API_FAST_DECLINED for anything else (including every input it would reject). */
int api_fast_parse(enum api_fast_kind kind, const char *body, size_t len, struct arena *a,
		   struct api_fast_msg *out);
/* For runs/log-batch and runs/log-metric: parse with api_fast_parse and, if taken, make the
 * handler's store call and response; returns its result. API_FAST_DECLINED otherwise, with
 * c->res and c->err untouched. */
int api_fast_try(const struct api_endpoint *ep, struct api_call *c);

/* ------------------------------------------------------------ responses (api_common.c) */

/* Serialise `v` into res->body (replacing it) with Content-Type application/json. Does not
 * take the reference. 0 or CAIRN_ENOMEM. */
int api_respond_json(struct http_response *res, const json_t *v);
/* Serialise and json_decref `v` (NULL means allocation failed: 500). Always returns 0 after
 * having filled `res` with either the value or an error. */
int api_respond_json_steal(struct http_response *res, json_t *v);
/* The empty response {} (most write RPCs). */
int api_respond_empty(struct http_response *res);
/* A text/plain response. */
int api_respond_text(struct http_response *res, int status, const char *text);
/* Respond with an error built from a code and a formatted message. */
int api_respond_errorf(struct http_response *res, int code, const char *fmt, ...) CAIRN_PRINTF(3, 4);
/* An error body with an explicit MLflow error_code name and status (404/405/501 helpers). */
int api_respond_error_named(struct http_response *res, int status, const char *error_code,
			    const char *message);

/* ------------------------------------------------------------ request messages */

/* Build the request message from decoded query parameters. Fields named in `repeated`
 * (a NULL-terminated list) become arrays of strings; every other field takes its first
 * value as a string. A value with a NUL byte or invalid UTF-8 is CAIRN_EINVAL. */
int api_message_from_query(const struct http_kv *params, size_t n, const char *const *repeated,
			   json_t **out, struct cairn_error *err);
/* The default repeated-field list for GET RPCs (order_by, run_ids, experiment_ids, stages). */
extern const char *const api_repeated_default[];
/* ... and the one of metrics/get-history-bulk, where run_id repeats. */
extern const char *const api_repeated_run_id[];

/* Check the Content-Type of a POST/PUT JSON RPC (spec §1.2). `content_type` may be NULL
 * (header absent). Methods other than POST and PUT always pass. */
int api_check_json_content_type(const char *method, const char *content_type,
				 struct cairn_error *err);
/* Parse a JSON body into an object: UTF-8 checked (the offset of the first bad byte is
 * named), empty or all-whitespace body = {}, a JSON string holding JSON decoded again, any
 * other non-object rejected. */
int api_message_from_body(const char *body, size_t len, json_t **out, struct cairn_error *err);

/* ------------------------------------------------------------ field readers */

/* run_id, falling back to run_uuid when `allow_uuid` (spec §1.5); required. */
int api_get_run_id(json_t *msg, int allow_uuid, const char **out, struct cairn_error *err);
/* A string id field that old clients may send as a JSON integer (experiment_id). An
 * integer is formatted into `a`. Empty string counts as absent for `required`. */
int api_get_id(json_t *msg, const char *name, int required, struct arena *a, const char **out,
	       struct cairn_error *err);
/* A string field that may be absent: *out = "" then. */
int api_get_str_or_empty(json_t *msg, const char *name, const char **out, struct cairn_error *err);
/* An array of strings (ints accepted and formatted when `ints_ok`) into an arena array. */
int api_get_str_array(json_t *msg, const char *name, int ints_ok, struct arena *a,
		      const char *const **out, size_t *n, struct cairn_error *err);
/* A list of {key, value} objects (value optional, "" when absent) into store tags. */
int api_get_tags(json_t *msg, const char *name, struct arena *a, struct store_tag **out,
		 size_t *n, struct cairn_error *err);

/* max_results of the search RPCs (spec §3.1, §4.1): absent gives *out = 0 (the store's
 * default); below 1 or above `cap` is CAIRN_EINVAL in MLflow's SQL-store wording. */
int api_get_max_results(json_t *msg, int64_t cap, int64_t *out, struct cairn_error *err);

/* Enum fields by name or number (spec §1.3). *present = 0 and *out untouched when absent. */
int api_get_run_status(json_t *msg, const char *name, int *out, int *present, struct cairn_error *err);
int api_get_view_type(json_t *msg, const char *name, int *out, int *present, struct cairn_error *err);
const char *api_run_status_name(int status);     /* NULL when out of range */

/* ------------------------------------------------------------ entity encoding (§2) */

json_t *api_json_experiment(const struct store_experiment *e);
json_t *api_json_run_info(const struct store_run_info *info);
json_t *api_json_run(const struct store_run *run);
json_t *api_json_metric(const struct store_metric *m, int with_run_id);
json_t *api_json_file_info(const struct artifact_file_info *f);
/* A JSON string from possibly-NULL, possibly-invalid UTF-8 (invalid bytes become U+FFFD). */
json_t *api_json_str(const char *s);

/* ------------------------------------------------------------ metric lists (api_encode_fast.c) */

/* {"metrics":[...],"next_page_token":...} written straight into a buffer, byte for byte what
 * json_dump_buf makes of a tree of api_json_metric objects (no "metrics" when there are
 * none, no token when NULL or empty, so "{}" for nothing). Appends to `out`; 0, or
 * CAIRN_ENOMEM / CAIRN_ETOOBIG with `out` holding a partial document. */
int api_encode_metrics(struct buf *out, const struct store_metric *ms, size_t n, int with_run_id,
		       const char *next_page_token);

/* The same, a metric at a time (get-history-bulk gathers them over several store reads):
 * begin, add for each metric, end once. add and end return the first error so far. */
struct api_metric_writer_cache {
	size_t rawlen;
	size_t len;                  /* 0: nothing cached */
	char raw[128];
	char text[256];
};
struct api_metric_writer {
	struct buf *out;
	size_t count;
	int rc;
	size_t nstage;
	struct api_metric_writer_cache key, run_id;
	char stage[8192];
};
void api_metric_writer_begin(struct api_metric_writer *w, struct buf *out);
int api_metric_writer_add(struct api_metric_writer *w, const struct store_metric *m, int with_run_id);
int api_metric_writer_end(struct api_metric_writer *w, const char *next_page_token);

/* A finite double as jansson 2.14 dumps a real (the text of json_real(v)); non-finite
 * values as "nan", "inf", "-inf" (jansson refuses them). Returns the length; no NUL. */
#define API_REAL_TEXT_MAX 40
size_t api_format_real(double v, char out[API_REAL_TEXT_MAX]);

/* ------------------------------------------------------------ artifacts helpers */

/* The Content-Type for a downloaded file, per spec §6.2 (never NULL). */
const char *api_guess_content_type(const char *path);
/* "attachment; filename=..." for `path`'s basename, safe as a header value (in `a`). */
const char *api_content_disposition(struct arena *a, const char *path);
/* Percent-decode an artifact path from a URL path segment (no '+' → space); a malformed
 * escape or a decoded NUL is CAIRN_EINVAL "Invalid path". */
int api_decode_path(struct arena *a, const char *raw, const char **out, struct cairn_error *err);
/* MLflow's path safety rule (spec §6.3) for user-given relative paths: no '#', NUL,
 * backslash, absolute form, or ".." segment. 0 or CAIRN_EINVAL "Invalid path". */
int api_check_rel_path(const char *path, struct cairn_error *err);
/* Map a run's artifact_uri to a path relative to the artifact store root. *out = NULL
 * when the URI is not served by this artifact store (other scheme, outside the root). */
int api_artifact_uri_to_rel(const char *uri, const char *root, struct arena *a,
			    const char **out, struct cairn_error *err);

#endif
