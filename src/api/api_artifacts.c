/*
 * The artifact proxy, /api/2.0/mlflow-artifacts/... (spec §6.2, §6.4). Routes are prefix
 * routes whose data is the api_context; req->suffix is the raw rest of the path
 * (http.h: not percent-decoded), so it is decoded here, without '+' → space.
 */
#include "api/api_internal.h"

#include <string.h>
#include <unistd.h>

/* 503 text unless the proxy is on (MLflow's _disable_unless_serve_artifacts). Returns 1 when
 * it answered. */
static int proxy_disabled(struct api_context *ctx, struct http_request *req, struct http_response *res)
{
	if (ctx && ctx->serve_artifacts && ctx->artifacts)
		return 0;
	char msg[768];
	snprintf(msg, sizeof msg,
		 "Endpoint: %.500s disabled due to the cairn server running without artifact serving "
		 "(--no-serve-artifacts). To enable artifacts server functionality, run `cairn server` "
		 "with `--serve-artifacts`",
		 req->path ? req->path : "");
	api_respond_text(res, 503, msg);
	return 1;
}

/*
 * The artifact path named by the URL: "" for the bare prefix, else what follows "/".
 * Returns 1 when it answered (bad path, or a path that only shares the prefix's letters,
 * e.g. ".../artifactsX").
 */
static int proxy_path(struct http_request *req, struct http_response *res, const char **out)
{
	const char *s = req->suffix ? req->suffix : "";
	struct cairn_error err;
	cairn_error_clear(&err);
	if (*s && *s != '/') {
		res->status = 404;
		api_not_found(req, res);
		return 1;
	}
	if (*s == '/')
		s++;
	const char *rel = NULL;
	if (api_decode_path(req->arena, s, &rel, &err) != 0 || api_check_rel_path(rel, &err) != 0) {
		api_respond_error(res, &err);
		return 1;
	}
	*out = rel;
	return 0;
}

/*
 * MLflow's proto has no paging here and its client reads one answer, so a capped directory
 * must fail loudly rather than list a prefix: up to STORE_ARTIFACT_PROXY_LIST_MAX names come
 * back in one response, more is 400 naming the directory and the cap (docs/compatibility.md).
 * Capping the names read (not only the entries shown) also bounds the work per request.
 */
static int proxy_list(struct api_context *ctx, struct http_request *req, struct http_response *res)
{
	struct cairn_error err;
	cairn_error_clear(&err);
	const char *path = http_request_param(req, "path");
	if (!path)
		path = "";
	struct artifact_file_info *files = NULL;
	size_t n = 0;
	int64_t next = -1;
	if (api_check_rel_path(path, &err) != 0 ||
	    artifact_list_page(ctx->artifacts, path, "", 0, STORE_ARTIFACT_PROXY_LIST_MAX,
			       STORE_ARTIFACT_PROXY_LIST_MAX, req->arena, &files, &n, &next, &err) != 0)
		return api_respond_error(res, &err);
	if (next >= 0)  /* cannot happen: entries shown <= names read <= the page size */
		return api_respond_errorf(res, CAIRN_EINTERNAL, "artifact listing of '%s' was cut short",
					  path);
	json_t *o = json_object();
	if (!o)
		return api_respond_json_steal(res, NULL);
	if (n > 0) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(o, "files", arr) != 0)
			goto oom;
		for (size_t i = 0; i < n; i++)
			if (json_array_append_new(arr, api_json_file_info(&files[i])) != 0)
				goto oom;
	}
	return api_respond_json_steal(res, o);
oom:
	json_decref(o);
	return api_respond_json_steal(res, NULL);
}

int api_proxy_get(struct http_request *req, struct http_response *res)
{
	struct api_context *ctx = req->route_data;
	const char *rel = NULL;
	if (proxy_disabled(ctx, req, res) || proxy_path(req, res, &rel))
		return 0;
	if (*rel == '\0')
		return proxy_list(ctx, req, res);

	struct cairn_error err;
	cairn_error_clear(&err);
	int fd = -1;
	int64_t size = 0;
	if (artifact_open_read(ctx->artifacts, rel, &fd, &size, &err) != 0)
		return api_respond_error(res, &err);
	const char *disposition = api_content_disposition(req->arena, rel);
	if (!disposition) {
		close(fd);
		return api_respond_errorf(res, CAIRN_ENOMEM, "out of memory");
	}
	res->status = 200;
	res->content_type = api_guess_content_type(rel);
	res->fd = fd;
	res->fd_size = size;
	buf_reset(&res->body);
	http_response_add_header(res, "Content-Disposition", disposition);
	http_response_add_header(res, "X-Content-Type-Options", "nosniff");
	return 0;
}

int api_proxy_delete(struct http_request *req, struct http_response *res)
{
	struct api_context *ctx = req->route_data;
	const char *rel = NULL;
	if (proxy_disabled(ctx, req, res) || proxy_path(req, res, &rel))
		return 0;
	if (*rel == '\0')   /* deleting the whole destination is never what a client means */
		return api_respond_errorf(res, CAIRN_EINVAL, "Invalid path");
	struct cairn_error err;
	cairn_error_clear(&err);
	if (artifact_delete(ctx->artifacts, rel, &err) != 0)
		return api_respond_error(res, &err);
	return api_respond_empty(res);
}

int api_proxy_mpu(struct http_request *req, struct http_response *res)
{
	struct api_context *ctx = req->route_data;
	if (proxy_disabled(ctx, req, res))
		return 0;
	/* The client falls back to a single PUT on exactly this message prefix (spec §6.4). */
	return api_respond_error_named(res, 501, "NOT_IMPLEMENTED",
				       "Multipart upload is not supported for the current artifact repository");
}

int api_proxy_put(struct http_request *req, struct http_response *res)
{
	(void)req;
	return api_respond_errorf(res, CAIRN_EINTERNAL, "artifact upload route called without streaming");
}

/* ------------------------------------------------------------------ streamed PUT */

struct upload_state {
	struct artifact_upload *up;
	struct cairn_error err;
};

static int upload_begin(struct http_request *req, struct http_response *res, void **state)
{
	struct api_context *ctx = req->route_data;
	const char *rel = NULL;
	*state = NULL;
	if (proxy_disabled(ctx, req, res) || proxy_path(req, res, &rel))
		return 1;
	if (*rel == '\0') {
		api_respond_errorf(res, CAIRN_EINVAL, "Invalid path");
		return 1;
	}
	struct upload_state *st = arena_alloc(req->arena, sizeof *st);
	if (!st) {
		api_respond_errorf(res, CAIRN_ENOMEM, "out of memory");
		return 1;
	}
	cairn_error_clear(&st->err);
	st->up = artifact_upload_begin(ctx->artifacts, rel, &st->err);
	if (!st->up) {
		api_respond_error(res, &st->err);
		return 1;
	}
	*state = st;
	return 0;
}

static int upload_chunk(void *state, const char *data, size_t n)
{
	struct upload_state *st = state;
	return artifact_upload_write(st->up, data, n, &st->err) != 0;
}

static void upload_end(void *state, struct http_request *req, struct http_response *res, int failed)
{
	struct upload_state *st = state;
	(void)req;
	if (!st || !st->up)
		return;
	struct artifact_upload *up = st->up;
	st->up = NULL;
	if (failed) {
		artifact_upload_abort(up);
		if (st->err.code == 0)
			cairn_error_set(&st->err, CAIRN_EIO, "The upload was interrupted");
		api_respond_error(res, &st->err);
		return;
	}
	if (artifact_upload_commit(up, &st->err) != 0) {
		api_respond_error(res, &st->err);
		return;
	}
	api_respond_empty(res);
}

const struct http_upload_ops api_proxy_upload_ops = {
	.begin = upload_begin,
	.chunk = upload_chunk,
	.end = upload_end,
};
