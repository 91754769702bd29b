/*
 * api_registry — private to the api module and its callers that wire routes: the model
 * registry's REST endpoints (spec §5.1) under /api/2.0/mlflow and /ajax-api/2.0/mlflow,
 * plus cairn's extensions (GET registered-models/history, POST registered-models/promote;
 * docs/registry.md).
 *
 * Routes are static data; each route's data pointer is the api_context, which must outlive
 * the server. The JSON encoders are shared with the CLI so that `--output json` prints the
 * shapes the REST API answers with.
 */
#ifndef CAIRN_API_REGISTRY_H
#define CAIRN_API_REGISTRY_H

#include "api/api.h"

/* Number of routes api_registry_routes produces (24 endpoints x 2 prefixes). */
#define API_REGISTRY_NROUTES 48

/* Fill out[0..*n) with the registry routes. CAIRN_ETOOBIG (and *n = the number needed)
 * when cap is too small. */
int api_registry_routes(struct api_context *ctx, struct http_route *out, size_t cap, size_t *n);

/* MLflow's JSON of the registry entities (spec §2.4); unset fields omitted. New
 * references, NULL on allocation failure. */
json_t *api_json_registered_model(const struct store_registered_model *m);
json_t *api_json_model_version(const struct store_model_version *v);
/* {id, name, version, kind, alias?, from_stage/to_stage | from_version/to_version,
 *  timestamp, user, reason} */
json_t *api_json_registry_event(const struct store_registry_event *e);

/* Append exactly what json_dump_buf (compact) prints for api_json_registered_model(m) /
 * api_json_model_version(v), without building the tree: search pages use these writers.
 * 0, or CAIRN_ENOMEM / CAIRN_ETOOBIG with `out` as it was. */
int api_write_registered_model(struct buf *out, const struct store_registered_model *m);
int api_write_model_version(struct buf *out, const struct store_model_version *v);

#endif
