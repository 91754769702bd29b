/*
 * api — MLflow's REST API (spec §1–4, 6, 7): JSON ↔ store.
 *
 * api_build_routes() produces the route table for the http module: every tracking RPC
 * under /api/2.0/mlflow and /ajax-api/2.0/mlflow, the artifact proxy under
 * /api/2.0/mlflow-artifacts (and /ajax-api/...), /health and /version.
 *
 * Request messages: GET fields come from the query string, other methods from a JSON body;
 * both become one jansson object so that handlers read fields one way. Errors become
 * {"error_code": ..., "message": ...} with MLflow's status for the code (spec §1.4).
 *
 * Ownership: the context and everything it points at must outlive the server. Handlers are
 * thread-safe because the store is.
 */
#ifndef CAIRN_API_H
#define CAIRN_API_H

#include "base/base.h"
#include "http/http.h"
#include "store/store.h"

struct api_context {
	struct store *store;
	struct artifact_store *artifacts;   /* NULL when artifacts are not served */
	int serve_artifacts;                /* proxy endpoints enabled (503 text otherwise) */
	int artifacts_only;                 /* tracking endpoints answer 503 text */
};

/* Allocate the route table (free with cairn_free). */
int api_build_routes(struct api_context *ctx, struct http_route **out, size_t *n,
		     struct cairn_error *err);

/* The handler for unmatched routes: 404 ENDPOINT_NOT_FOUND (or 405) as MLflow JSON. */
int api_not_found(struct http_request *req, struct http_response *res);

/* Map a cairn error code to MLflow's error_code name and HTTP status. */
const char *api_error_code_name(int code);
int api_error_http_status(int code);
/* Fill `res` with the MLflow error body for `err`. */
int api_respond_error(struct http_response *res, const struct cairn_error *err);

#endif
