/*
 * promote — the registry's lifecycle layer above the store: model URIs, promotion policies
 * (YAML) with their gates, and promotion itself.
 *
 * Model URIs resolve the same way everywhere in cairn (CLI, serving, pipelines):
 *   models:/NAME/VERSION   that version
 *   models:/NAME/STAGE     the highest version in the stage (case-insensitive stage name)
 *   models:/NAME/latest    the highest version in any stage
 *   models:/NAME@ALIAS     the version the alias points at
 *   runs:/RUN_ID/PATH      an artifact path of a run (no registry involved)
 *
 * A promotion evaluates every gate of a policy against the candidate version's source run
 * (and the current holder of the target alias), then moves the alias in one store
 * transaction that compare-and-swaps the holder the gates were judged against: of two
 * concurrent promotions of one model exactly one wins, the other fails with CAIRN_ESTATE
 * and changes nothing.
 *
 * Memory: everything returned is allocated in the caller's arena.
 */
#ifndef CAIRN_PROMOTE_H
#define CAIRN_PROMOTE_H

#include "base/base.h"
#include "store/store.h"

/* ------------------------------------------------------------------ model URIs */

enum promote_uri_kind {
	PROMOTE_URI_VERSION = 1,
	PROMOTE_URI_STAGE = 2,
	PROMOTE_URI_LATEST = 3,
	PROMOTE_URI_ALIAS = 4,
	PROMOTE_URI_RUNS = 5,
};

struct promote_model_uri {
	int kind;                   /* enum promote_uri_kind */
	const char *name;           /* registered model name (not for runs:/) */
	const char *version;        /* VERSION */
	int stage;                  /* STAGE: enum store_stage */
	const char *alias;          /* ALIAS */
	const char *run_id;         /* RUNS */
	const char *path;           /* RUNS: artifact path, "" for the run's root */
};

/* Syntax only; CAIRN_EINVAL naming the URI and what is wrong. */
int promote_parse_uri(const char *uri, struct arena *a, struct promote_model_uri *out,
		      struct cairn_error *err);

struct promote_resolved {
	const char *name;           /* NULL for runs:/ */
	const char *version;        /* NULL for runs:/ */
	const char *run_id;         /* the source run, NULL when unknown */
	const char *artifact_uri;   /* where the model's files are */
};

/* Parse and resolve through the store. Unknown model/version/run: CAIRN_ENOENT; a stage or
 * alias with no version: CAIRN_ENOENT naming it. */
int promote_resolve_uri(struct store *s, const char *uri, struct arena *a,
			struct promote_resolved *out, struct cairn_error *err);

/* ------------------------------------------------------------------ policies */

enum promote_op { PROMOTE_OP_GE = 1, PROMOTE_OP_GT, PROMOTE_OP_LE, PROMOTE_OP_LT, PROMOTE_OP_EQ,
		  PROMOTE_OP_NE };

struct promote_metric_gate {
	const char *metric;
	int op;                     /* enum promote_op */
	double threshold;
};

struct promote_better_gate {
	const char *metric;
	double min_delta;           /* >= 0 */
	int lower_is_better;        /* loss-like metrics */
};

struct promote_policy {
	const char *path;           /* the file it came from, for messages */
	struct promote_metric_gate *metrics;
	size_t nmetrics;
	struct promote_better_gate *better;
	size_t nbetter;
	struct store_tag *required_tags;
	size_t nrequired_tags;
};

/* Load a policy file (format in docs/registry.md). Unknown keys, wrong types and bad values
 * are CAIRN_EINVAL with "FILE:LINE:COLUMN: message"; a missing file is CAIRN_ENOENT. */
int promote_policy_load(const char *path, struct arena *a, struct promote_policy *out,
			struct cairn_error *err);
/* The same from text; `path` only names the source in messages. */
int promote_policy_parse(const char *text, size_t len, const char *path, struct arena *a,
			 struct promote_policy *out, struct cairn_error *err);
/* ">= 0.80", "> 0.5", "== 1", ... into op + threshold; CAIRN_EINVAL otherwise. */
int promote_parse_condition(const char *text, int *op, double *threshold, struct cairn_error *err);
const char *promote_op_text(int op);

/* ------------------------------------------------------------------ gates and promotion */

struct promote_gate_result {
	const char *gate;           /* "f1 >= 0.8", "better than current on f1 by 0.01", ... */
	int passed;
	const char *detail;         /* "f1 = 0.83", "no current holder", ... */
};

struct promote_report {
	const char *name;
	const char *version;
	const char *alias;
	const char *current_holder; /* version holding the alias when the gates ran; "" none */
	struct promote_gate_result *gates;
	size_t ngates;
	int passed;                 /* every gate passed */
	int promoted;               /* the alias was moved (0 when refused or already there) */
	int already;                /* the version already held the alias */
};

/* Evaluate every gate of `policy` (NULL = no gates) for `version` against `alias`. Errors
 * only for failures to evaluate (unknown model or version, database); a gate that does not
 * hold is a refused gate, not an error. */
int promote_evaluate(struct store *s, const char *name, const char *version, const char *alias,
		     const struct promote_policy *policy, struct arena *a,
		     struct promote_report *out, struct cairn_error *err);

struct promote_request {
	const char *name;
	const char *version;
	const char *alias;          /* e.g. "production" */
	const char *stage;          /* NULL = leave stages alone; else also move the stage */
	int archive_previous;       /* archive the previous holder (and others in the stage) */
	const struct promote_policy *policy;  /* NULL = no gates */
	struct store_actor who;
};

/* Evaluate, then (all gates passing) move the alias with compare-and-swap on the holder
 * the gates saw. Returns 0 with report->promoted = 0 when a gate refused; CAIRN_ESTATE
 * when a concurrent promotion moved the alias first (nothing changed). */
int promote_version(struct store *s, const struct promote_request *r, struct arena *a,
		    struct promote_report *report, struct cairn_error *err);

/* The live version whose source run has the best value of `metric` (highest, or lowest
 * when lower_is_better; ties go to the higher version). CAIRN_ENOENT when no version has
 * the metric. *value receives it. */
int promote_pick_best(struct store *s, const char *name, const char *metric, int lower_is_better,
		      struct arena *a, const char **version, double *value, struct cairn_error *err);

/* The stage an alias implies when the caller names none: "staging" → Staging, "production"
 * → Production (case-insensitive); else NULL. */
const char *promote_default_stage(const char *alias);

/* ------------------------------------------------------------------ registry access
 *
 * What the CLI and the gates need from a registry, behind function pointers, so that the
 * same commands run directly on the store (promote_access_local) or against a running
 * cairn or MLflow-compatible server over REST (promote_access_rest_open). Both fill the
 * store's structs in the caller's arena and return 0 or a CAIRN_E* code with `err` filled
 * exactly as the store does (a REST error_code maps back: RESOURCE_DOES_NOT_EXIST →
 * CAIRN_ENOENT, RESOURCE_ALREADY_EXISTS → CAIRN_EEXIST, INVALID_PARAMETER_VALUE →
 * CAIRN_EINVAL, RESOURCE_CONFLICT → CAIRN_ESTATE, NOT_IMPLEMENTED / ENDPOINT_NOT_FOUND →
 * CAIRN_EUNSUPPORTED, TEMPORARILY_UNAVAILABLE → CAIRN_EBUSY, anything else and every
 * network failure → CAIRN_EIO naming the URL).
 */
struct registry_access {
	void *ctx;
	const char *where;          /* the store URI or server URL, for messages */
	int (*get_registered_model)(void *ctx, const char *name, struct arena *a,
				    struct store_registered_model *out, struct cairn_error *err);
	int (*search_registered_models)(void *ctx, const struct store_registry_query *q,
					struct arena *a, struct store_registered_model_page *out,
					struct cairn_error *err);
	int (*search_model_versions)(void *ctx, const struct store_registry_query *q, struct arena *a,
				     struct store_model_version_page *out, struct cairn_error *err);
	int (*get_model_version)(void *ctx, const char *name, const char *version, struct arena *a,
				 struct store_model_version *out, struct cairn_error *err);
	/* A missing alias is CAIRN_EINVAL, as in the store. */
	int (*get_model_version_by_alias)(void *ctx, const char *name, const char *alias,
					  struct arena *a, struct store_model_version *out,
					  struct cairn_error *err);
	int (*set_alias)(void *ctx, const char *name, const char *alias, const char *version,
			 const struct store_actor *who, struct cairn_error *err);
	int (*delete_alias)(void *ctx, const char *name, const char *alias,
			    const struct store_actor *who, struct cairn_error *err);
	int (*transition_stage)(void *ctx, const char *name, const char *version, const char *stage,
				int archive_existing, const struct store_actor *who, struct arena *a,
				struct store_model_version *out, struct cairn_error *err);
	int (*delete_registered_model)(void *ctx, const char *name, struct cairn_error *err);
	int (*delete_model_version)(void *ctx, const char *name, const char *version,
				    const struct store_actor *who, struct cairn_error *err);
	int (*list_history)(void *ctx, const char *name, const char *version, struct arena *a,
			    struct store_registry_event **out, size_t *n, struct cairn_error *err);
	/* A run's latest metrics and its tags (what the gates read). */
	int (*get_run)(void *ctx, const char *run_id, struct arena *a, struct store_run *out,
		       struct cairn_error *err);
	/* store_promote_model_version: one atomic step with compare-and-swap on the holder. */
	int (*promote)(void *ctx, const struct store_promotion *p, struct arena *a,
		       const char **previous_holder, struct cairn_error *err);
	/* store_get_latest_versions (stages NULL/0 = all four). */
	int (*get_latest_versions)(void *ctx, const char *name, const char *const *stages,
				   size_t nstages, struct arena *a, struct store_model_version **out,
				   size_t *n, struct cairn_error *err);
	void (*close)(void *ctx);
};

/* Wrap an open store. With `owns`, promote_access_close closes it. Never fails. */
void promote_access_local(struct registry_access *out, struct store *s, int owns);
/* A REST client for the server at `url` (http:// or https://, path prefix allowed). `user`
 * (may be NULL) is sent as the Basic-auth user name so that the server's history names
 * who made a change, unless $MLFLOW_TRACKING_USERNAME / $MLFLOW_TRACKING_PASSWORD or
 * $MLFLOW_TRACKING_TOKEN are set, which then win. Nothing is sent until the first call;
 * each call times out after 30 s. CAIRN_EINVAL for a malformed URL, CAIRN_ENOMEM. */
int promote_access_rest_open(const char *url, const char *user, struct registry_access *out,
			     struct cairn_error *err);
/* Release what either constructor made; safe on a zeroed struct. */
void promote_access_close(struct registry_access *ra);

/* The REST client's parsers of MLflow's JSON (spec §2.4), exposed for tests: every string
 * copied into `a`; a missing required field or a wrong type is CAIRN_EINVAL naming it. */
int promote_rest_parse_model_version(json_t *v, struct arena *a, struct store_model_version *out,
				     struct cairn_error *err);
int promote_rest_parse_registered_model(json_t *v, struct arena *a,
					struct store_registered_model *out, struct cairn_error *err);
int promote_rest_parse_event(json_t *v, struct arena *a, struct store_registry_event *out,
			     struct cairn_error *err);
int promote_rest_parse_run(json_t *v, struct arena *a, struct store_run *out,
			   struct cairn_error *err);
/* MLflow error_code name → CAIRN_E* (the reverse of api_error_code_name). */
int promote_rest_error_code(const char *error_code);

/* promote_evaluate, promote_version, promote_resolve_uri and promote_pick_best through an
 * access (the store variants above are these on promote_access_local). */
int promote_evaluate_via(const struct registry_access *ra, const char *name, const char *version,
			 const char *alias, const struct promote_policy *policy, struct arena *a,
			 struct promote_report *out, struct cairn_error *err);
int promote_version_via(const struct registry_access *ra, const struct promote_request *r,
			struct arena *a, struct promote_report *report, struct cairn_error *err);
int promote_resolve_uri_via(const struct registry_access *ra, const char *uri, struct arena *a,
			    struct promote_resolved *out, struct cairn_error *err);
int promote_pick_best_via(const struct registry_access *ra, const char *name, const char *metric,
			  int lower_is_better, struct arena *a, const char **version, double *value,
			  struct cairn_error *err);

#endif
