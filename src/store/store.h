/*
 * store — the tracking store (experiments, runs, params, metrics, tags, dataset inputs)
 * and the artifact store (local files under one root).
 *
 * One interface, written so that PostgreSQL and REST implementations can sit behind it
 * later; today the implementation is SQLite (store_sqlite.c), embedded, one file.
 *
 * Ownership: a `struct store` is opened once and shared by every thread; it is internally
 * synchronised (each thread gets its own SQLite connection, lazily; writes are serialised
 * by one process-wide mutex so that writers queue instead of spinning on SQLITE_BUSY).
 * Everything a read returns is allocated in the caller's arena and lives until the caller
 * releases that arena. Input strings are borrowed for the duration of the call.
 *
 * Errors: CAIRN_ENOENT for unknown ids/names, CAIRN_EEXIST for duplicates, CAIRN_EINVAL for
 * invalid values and for writes to deleted runs/experiments, CAIRN_EIO for database
 * failures. Messages follow MLflow's wording where the client shows them
 * ("Run with id=<id> not found", "No Experiment with id=<id> exists").
 *
 * Validation of MLflow's rules (name characters, lengths, limits of §7 of the spec) lives
 * here, so that the CLI, the pipeline and the REST API enforce the same rules.
 */
#ifndef CAIRN_STORE_H
#define CAIRN_STORE_H

#include "base/base.h"

#include <stdint.h>
#include <sys/types.h>

struct store;

/* ------------------------------------------------------------------ limits (spec §7) */

#define STORE_MAX_KEY_CHARS 250           /* metric, param, run-tag, experiment-tag keys */
#define STORE_MAX_PARAM_VALUE_CHARS 6000  /* truncated beyond */
#define STORE_MAX_RUN_TAG_VALUE_CHARS 8000 /* truncated beyond */
#define STORE_MAX_EXP_TAG_VALUE_CHARS 5000 /* error beyond */
#define STORE_MAX_EXPERIMENT_NAME_CHARS 500
#define STORE_MAX_BATCH_METRICS 1000
#define STORE_MAX_BATCH_PARAMS 100
#define STORE_MAX_BATCH_TAGS 100
#define STORE_MAX_BATCH_TOTAL 1000
#define STORE_RUNS_DEFAULT_MAX_RESULTS 1000
#define STORE_RUNS_MAX_RESULTS 50000
#define STORE_EXPERIMENTS_DEFAULT_MAX_RESULTS 1000
#define STORE_EXPERIMENTS_MAX_RESULTS 50000
#define STORE_HISTORY_PAGE 25000          /* get-history page size cap */
#define STORE_BULK_MAX_RUNS 100
#define STORE_BULK_MAX_RESULTS 2500
#define STORE_ARTIFACT_LIST_PAGE 1000          /* tracking artifacts/list page size */
#define STORE_ARTIFACT_PROXY_LIST_MAX 100000   /* proxy list: entries in its one response */
#define STORE_ARTIFACT_DIR_MAX_NAMES 1000000   /* names read from one directory level */

/* ------------------------------------------------------------------ entities */

enum store_run_status {
	STORE_RUN_RUNNING = 1,
	STORE_RUN_SCHEDULED = 2,
	STORE_RUN_FINISHED = 3,
	STORE_RUN_FAILED = 4,
	STORE_RUN_KILLED = 5,
};
/* "RUNNING" ... ; NULL for an invalid value. */
const char *store_run_status_name(int status);
/* Accepts the name (case-sensitive, as protobuf) or the number as a string; -1 if invalid. */
int store_run_status_parse(const char *s);

enum store_view_type { STORE_VIEW_ACTIVE_ONLY = 1, STORE_VIEW_DELETED_ONLY = 2, STORE_VIEW_ALL = 3 };
/* "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL" or "1" | "2" | "3"; -1 if invalid. */
int store_view_type_parse(const char *s);

struct store_tag {
	const char *key;
	const char *value;
};

struct store_experiment {
	const char *experiment_id;
	const char *name;
	const char *artifact_location;
	const char *lifecycle_stage;   /* "active" | "deleted" */
	int64_t creation_time;         /* 0 = unknown (omitted on the wire) */
	int64_t last_update_time;
	struct store_tag *tags;
	size_t ntags;
};

struct store_metric {
	const char *key;
	double value;                  /* NaN and ±Inf are kept as they are */
	int64_t timestamp;             /* ms */
	int64_t step;
	const char *run_id;            /* filled by bulk reads only */
};

struct store_dataset {
	const char *name;
	const char *digest;
	const char *source_type;
	const char *source;
	const char *schema;            /* NULL when absent */
	const char *profile;           /* NULL when absent */
};

struct store_dataset_input {
	struct store_dataset dataset;
	struct store_tag *tags;
	size_t ntags;
};

struct store_run_info {
	const char *run_id;
	const char *run_name;
	const char *experiment_id;
	const char *user_id;
	int status;                    /* enum store_run_status */
	int64_t start_time;
	int64_t end_time;              /* meaningful only when has_end_time */
	int has_end_time;
	const char *artifact_uri;
	const char *lifecycle_stage;
};

struct store_run {
	struct store_run_info info;
	struct store_metric *metrics;  /* latest value per key */
	size_t nmetrics;
	struct store_tag *params;
	size_t nparams;
	struct store_tag *tags;
	size_t ntags;
	struct store_dataset_input *inputs;
	size_t ninputs;
};

/* ------------------------------------------------------------------ open / close */

struct store_options {
	/* Root for new experiments' artifact_location: "<root>/<experiment_id>".
	 * Default "mlflow-artifacts:" gives "mlflow-artifacts:/<id>". */
	const char *default_artifact_root;
	int busy_timeout_ms;           /* default 10000 */
	int read_only;                 /* CLI readers may open read-only */
	/* > 0: a background thread checkpoints the WAL every this many ms and connections do
	 * not checkpoint in the committing thread. The server sets it, so no request ever
	 * waits for a checkpoint's fsync while holding the write lock (p99 latency). */
	int background_checkpoint_ms;
};

/* `uri` is "sqlite:///relative/path.db", "sqlite:////abs/path.db", or a plain file path.
 * Creates the file and applies migrations. */
struct store *store_open(const char *uri, const struct store_options *opts, struct cairn_error *err);
void store_close(struct store *s);

/* Schema version the binary knows (the highest migration), and the one in the file. */
int store_schema_latest(void);
int store_schema_version(struct store *s, int *version, struct cairn_error *err);
/* Test hook: create a database at `path` with migrations applied only up to `version`. */
int store_create_at_version(const char *path, int version, struct cairn_error *err);

/* Run a WAL checkpoint now (the server also runs them in the background). */
int store_checkpoint(struct store *s, struct cairn_error *err);

/* ------------------------------------------------------------------ experiments */

int store_create_experiment(struct store *s, const char *name, const char *artifact_location,
			    const struct store_tag *tags, size_t ntags,
			    struct arena *a, const char **out_id, struct cairn_error *err);
int store_get_experiment(struct store *s, const char *experiment_id, struct arena *a,
			 struct store_experiment *out, struct cairn_error *err);
int store_get_experiment_by_name(struct store *s, const char *name, struct arena *a,
				 struct store_experiment *out, struct cairn_error *err);
int store_rename_experiment(struct store *s, const char *experiment_id, const char *new_name,
			    struct cairn_error *err);
int store_delete_experiment(struct store *s, const char *experiment_id, struct cairn_error *err);
int store_restore_experiment(struct store *s, const char *experiment_id, struct cairn_error *err);
int store_set_experiment_tag(struct store *s, const char *experiment_id, const char *key,
			     const char *value, struct cairn_error *err);

struct store_experiment_query {
	int view_type;                 /* enum store_view_type; 0 = ACTIVE_ONLY */
	const char *filter;            /* NULL or "" = none; grammar of spec §4.3 */
	const char *const *order_by;
	size_t norder_by;
	int64_t max_results;           /* 0 = default */
	const char *page_token;        /* NULL or "" = first page */
};
struct store_experiment_page {
	struct store_experiment *experiments;
	size_t n;
	const char *next_page_token;   /* NULL when no more rows */
};
int store_search_experiments(struct store *s, const struct store_experiment_query *q,
			     struct arena *a, struct store_experiment_page *out, struct cairn_error *err);

/* ------------------------------------------------------------------ runs */

struct store_run_create {
	const char *experiment_id;     /* NULL or "" = "0" */
	const char *user_id;
	const char *run_name;          /* NULL = from the mlflow.runName tag, else generated */
	int64_t start_time;            /* 0 = now */
	const struct store_tag *tags;
	size_t ntags;
};
int store_create_run(struct store *s, const struct store_run_create *req, struct arena *a,
		     struct store_run *out, struct cairn_error *err);
int store_get_run(struct store *s, const char *run_id, struct arena *a, struct store_run *out,
		  struct cairn_error *err);

struct store_run_update {
	const char *run_id;
	int status;                    /* 0 = unchanged */
	int has_end_time;
	int64_t end_time;
	const char *run_name;          /* NULL = unchanged */
};
int store_update_run(struct store *s, const struct store_run_update *req, struct arena *a,
		     struct store_run_info *out, struct cairn_error *err);
int store_delete_run(struct store *s, const char *run_id, struct cairn_error *err);
int store_restore_run(struct store *s, const char *run_id, struct cairn_error *err);

struct store_run_query {
	const char *const *experiment_ids;
	size_t nexperiment_ids;
	const char *filter;            /* spec §4.1 */
	int view_type;                 /* 0 = ACTIVE_ONLY */
	int64_t max_results;           /* 0 = default 1000 */
	const char *const *order_by;   /* spec §4.2 */
	size_t norder_by;
	const char *page_token;
};
struct store_run_page {
	struct store_run *runs;
	size_t n;
	const char *next_page_token;
};
int store_search_runs(struct store *s, const struct store_run_query *q, struct arena *a,
		      struct store_run_page *out, struct cairn_error *err);

/* ------------------------------------------------------------------ logging */

int store_log_metric(struct store *s, const char *run_id, const struct store_metric *m,
		     struct cairn_error *err);
int store_log_param(struct store *s, const char *run_id, const char *key, const char *value,
		    struct cairn_error *err);
int store_set_tag(struct store *s, const char *run_id, const char *key, const char *value,
		  struct cairn_error *err);
int store_delete_tag(struct store *s, const char *run_id, const char *key, struct cairn_error *err);

/* All of it is validated first, then written in one transaction (spec §3.3 log-batch). */
int store_log_batch(struct store *s, const char *run_id,
		    const struct store_metric *metrics, size_t nmetrics,
		    const struct store_tag *params, size_t nparams,
		    const struct store_tag *tags, size_t ntags, struct cairn_error *err);
int store_log_inputs(struct store *s, const char *run_id, const struct store_dataset_input *inputs,
		     size_t ninputs, struct cairn_error *err);
/* model_json is the client's JSON string; appended to the mlflow.log-model.history tag. */
int store_log_model(struct store *s, const char *run_id, const char *model_json,
		    struct cairn_error *err);

struct store_metric_page {
	struct store_metric *metrics;
	size_t n;
	const char *next_page_token;
};
/* Ordered by (timestamp, step, value). max_results 0 = STORE_HISTORY_PAGE. */
int store_get_metric_history(struct store *s, const char *run_id, const char *key,
			     int64_t max_results, const char *page_token, struct arena *a,
			     struct store_metric_page *out, struct cairn_error *err);
/* spec §3.4 get-history-bulk-interval; has_range says whether start/end were given. */
int store_get_metric_history_bulk_interval(struct store *s, const char *const *run_ids, size_t nruns,
					   const char *key, int has_range, int64_t start_step,
					   int64_t end_step, int64_t max_results, struct arena *a,
					   struct store_metric_page *out, struct cairn_error *err);

/* ------------------------------------------------------------------ validation (shared) */

/* MLflow's key rule (§7.2) and length limit; `what` is "metric", "param" or "tag". */
int store_validate_key(const char *what, const char *key, struct cairn_error *err);
/* ^[a-zA-Z0-9][\w\-]{0,255}$ */
int store_validate_run_id(const char *run_id, struct cairn_error *err);

/* ------------------------------------------------------------------ artifact store */

/*
 * Local artifact storage under one root directory. Paths are relative, '/'-separated,
 * already percent-decoded. Every path is checked (spec §6.3): no '#', no NUL, no backslash,
 * not absolute, no ".." segment; the resolved location must stay under the root, symlinks
 * included. Writes go to a temp file in the target directory and are renamed into place.
 */
struct artifact_store;

struct artifact_store *artifact_store_open(const char *root, struct cairn_error *err);
void artifact_store_close(struct artifact_store *as);
const char *artifact_store_root(const struct artifact_store *as);

/* Resolve a relative path to an absolute file-system path (in the arena) after the safety
 * checks. CAIRN_EINVAL "Invalid path" when unsafe. "" is the root. */
int artifact_resolve(struct artifact_store *as, const char *rel, struct arena *a,
		     const char **out_abs, struct cairn_error *err);

struct artifact_file_info {
	const char *path;              /* as the caller asked: basename, or rel path (see list) */
	int is_dir;
	int64_t file_size;             /* -1 for directories */
};
/* List one directory level, sorted by name. A missing path or a file lists as empty.
 * Each entry's path is `prefix` + "/" + name when prefix is non-empty, else the name. */
int artifact_list(struct artifact_store *as, const char *rel, const char *prefix, struct arena *a,
		  struct artifact_file_info **out, size_t *n, struct cairn_error *err);
/*
 * One page of that listing: the visible entries (directories, regular files, symlinks that
 * stay inside the root) in name order, starting at name position `offset`, at most `limit`
 * (>= 1) of them. *next_offset is where the next page starts, or -1 when no visible entry
 * is left, so a caller never gets an empty last page. Offsets count names, hidden ones
 * included, so they stay valid while the directory does not change. Only the page's entries
 * are stat'ed and kept in the arena; the names of the whole level are read and sorted on the
 * heap and freed before returning. More than `max_names` names (0 or above the hard cap =
 * STORE_ARTIFACT_DIR_MAX_NAMES) is CAIRN_ETOOBIG "directory 'x' has more than N entries".
 * artifact_list() is this with offset 0, no limit and the default name cap.
 */
int artifact_list_page(struct artifact_store *as, const char *rel, const char *prefix,
		       int64_t offset, size_t limit, size_t max_names, struct arena *a,
		       struct artifact_file_info **out, size_t *n, int64_t *next_offset,
		       struct cairn_error *err);
/* artifacts/list page tokens, MLflow's format (base64 of {"offset": N}) as in the other list
 * calls. NULL or "" decodes to 0; garbage or a negative offset is CAIRN_EINVAL naming the
 * token. Encoding returns NULL when out of memory. */
int artifact_page_token_decode(const char *token, int64_t *offset, struct cairn_error *err);
const char *artifact_page_token_encode(struct arena *a, int64_t offset);

/* Streaming upload: open, write chunks, then commit (rename into place) or abort. */
struct artifact_upload;
struct artifact_upload *artifact_upload_begin(struct artifact_store *as, const char *rel,
					      struct cairn_error *err);
int artifact_upload_write(struct artifact_upload *u, const void *data, size_t n, struct cairn_error *err);
int artifact_upload_commit(struct artifact_upload *u, struct cairn_error *err);  /* frees u */
void artifact_upload_abort(struct artifact_upload *u);                            /* frees u */

/* Open a regular file for reading; CAIRN_ENOENT if missing or a directory. */
int artifact_open_read(struct artifact_store *as, const char *rel, int *fd, int64_t *size,
		       struct cairn_error *err);
/* Delete a file or a whole directory tree; a missing path is success. */
int artifact_delete(struct artifact_store *as, const char *rel, struct cairn_error *err);

/* ------------------------------------------------------------------ model registry */

/*
 * The model registry (spec §2.4, §5): registered models, their numbered versions, tags,
 * aliases and the fixed stages, in the same database as tracking. Aliases are the native
 * way to point at a version ("production" → 7); the stages None/Staging/Production/Archived
 * stay for MLflow compatibility.
 *
 * Every stage and alias change is appended to the registry history (append-only: the
 * database refuses UPDATE and DELETE on it), with who did it and why when the caller says.
 * History rows belong to the model, not its name, so a rename keeps them and a deleted
 * model's history is kept but no longer listed under the name.
 *
 * Versions are strings on the wire ("3") and here; a non-integer version is CAIRN_EINVAL.
 * Errors: unknown model or version CAIRN_ENOENT, duplicate name CAIRN_EEXIST, invalid names,
 * stages, aliases, tags CAIRN_EINVAL; GET of a missing alias is CAIRN_EINVAL (MLflow's rule).
 */

#define STORE_MAX_MODEL_NAME_CHARS 256
#define STORE_MAX_REGISTRY_TAG_VALUE_CHARS 5000
#define STORE_MAX_DESCRIPTION_CHARS 5000
#define STORE_MAX_SOURCE_CHARS 500
#define STORE_MAX_ALIAS_CHARS 255
#define STORE_REGISTERED_MODELS_DEFAULT_MAX_RESULTS 100
#define STORE_REGISTERED_MODELS_MAX_RESULTS 1000
#define STORE_MODEL_VERSIONS_DEFAULT_MAX_RESULTS 200000
#define STORE_MODEL_VERSIONS_MAX_RESULTS 200000

enum store_stage {
	STORE_STAGE_NONE = 0,
	STORE_STAGE_STAGING = 1,
	STORE_STAGE_PRODUCTION = 2,
	STORE_STAGE_ARCHIVED = 3,
};
/* Canonical spelling "None", "Staging", "Production", "Archived"; NULL when out of range. */
const char *store_stage_name(int stage);
/* Case-insensitive; -1 for anything else (including "Deleted_Internal"). */
int store_stage_parse(const char *s);

/* MLflow's alias rules (spec §5.2): ^[\w\-]+$, at most 255 characters, not "latest" in any
 * case, not a version look-alike ^[vV]\d+$. 0 or CAIRN_EINVAL naming the alias. */
int store_validate_alias(const char *alias, struct cairn_error *err);
/* A version string: a decimal integer >= 1. CAIRN_EINVAL "Model version must be an integer". */
int store_parse_model_version(const char *version, int64_t *out, struct cairn_error *err);

/* Who made a change and why; recorded in the history. NULL or NULL fields = unknown. */
struct store_actor {
	const char *user;
	const char *reason;
};

struct store_model_alias {
	const char *alias;
	const char *version;
};

struct store_model_version {
	const char *name;
	const char *version;           /* "1", "2", ... */
	int64_t version_number;
	int64_t creation_timestamp;
	int64_t last_updated_timestamp;
	const char *user_id;           /* NULL when unset */
	const char *current_stage;     /* canonical stage name */
	const char *description;       /* NULL when unset */
	const char *source;
	const char *run_id;            /* NULL when unset */
	const char *run_link;          /* NULL when unset */
	const char *status;            /* always "READY" */
	const char *status_message;    /* NULL when unset */
	struct store_tag *tags;
	size_t ntags;
	const char **aliases;          /* names of the aliases pointing here, sorted */
	size_t naliases;
};

struct store_registered_model {
	const char *name;
	int64_t creation_timestamp;
	int64_t last_updated_timestamp;
	const char *user_id;           /* NULL when unset */
	const char *description;       /* NULL when unset */
	struct store_model_version *latest_versions;  /* highest non-deleted version per stage */
	size_t nlatest;
	struct store_tag *tags;
	size_t ntags;
	struct store_model_alias *aliases;  /* sorted by alias */
	size_t naliases;
};

/* One history entry. kind "stage": version moved from_value → to_value (stage names).
 * kind "alias": `alias` moved from version from_value ("" = unset) to to_value ("" = the
 * alias was deleted); `version` is the version the alias now points at, or the one it left. */
struct store_registry_event {
	int64_t id;                    /* increasing in the order the changes were committed */
	const char *name;              /* the model's name when the change was made */
	const char *version;
	const char *kind;              /* "stage" | "alias" */
	const char *alias;             /* NULL for stage changes */
	const char *from_value;
	const char *to_value;
	int64_t timestamp;
	const char *user;              /* "" when unknown */
	const char *reason;            /* "" when none was given */
};

int store_create_registered_model(struct store *s, const char *name, const char *description,
				  const struct store_tag *tags, size_t ntags, struct arena *a,
				  struct store_registered_model *out, struct cairn_error *err);
int store_get_registered_model(struct store *s, const char *name, struct arena *a,
			       struct store_registered_model *out, struct cairn_error *err);
int store_rename_registered_model(struct store *s, const char *name, const char *new_name,
				  struct arena *a, struct store_registered_model *out,
				  struct cairn_error *err);
/* description NULL clears it (MLflow's PATCH rule). */
int store_update_registered_model(struct store *s, const char *name, const char *description,
				  struct arena *a, struct store_registered_model *out,
				  struct cairn_error *err);
/* Hard delete of the model, its versions, tags and aliases; its history rows stay. */
int store_delete_registered_model(struct store *s, const char *name, struct cairn_error *err);

struct store_registry_query {
	const char *filter;            /* spec §4.5; NULL or "" = none */
	const char *const *order_by;
	size_t norder_by;
	int64_t max_results;           /* 0 = the default of the entity */
	const char *page_token;
};
struct store_registered_model_page {
	struct store_registered_model *models;
	size_t n;
	const char *next_page_token;   /* NULL when no more rows */
};
struct store_model_version_page {
	struct store_model_version *versions;
	size_t n;
	const char *next_page_token;
};
int store_search_registered_models(struct store *s, const struct store_registry_query *q,
				   struct arena *a, struct store_registered_model_page *out,
				   struct cairn_error *err);
int store_search_model_versions(struct store *s, const struct store_registry_query *q,
				struct arena *a, struct store_model_version_page *out,
				struct cairn_error *err);

/* For each of `stages` (case-insensitive; none = all four), the highest non-deleted version
 * in that stage, ordered None, Staging, Production, Archived. One SQL query. */
int store_get_latest_versions(struct store *s, const char *name, const char *const *stages,
			      size_t nstages, struct arena *a, struct store_model_version **out,
			      size_t *n, struct cairn_error *err);

int store_set_registered_model_tag(struct store *s, const char *name, const char *key,
				   const char *value, struct cairn_error *err);
/* A missing key is a silent success; the model must exist. */
int store_delete_registered_model_tag(struct store *s, const char *name, const char *key,
				      struct cairn_error *err);

/* Create or move an alias (history entry when it moves). */
int store_set_registered_model_alias(struct store *s, const char *name, const char *alias,
				     const char *version, const struct store_actor *who,
				     struct cairn_error *err);
/* A missing alias is a silent success; the model must exist. */
int store_delete_registered_model_alias(struct store *s, const char *name, const char *alias,
					const struct store_actor *who, struct cairn_error *err);
/* Missing model or alias: CAIRN_EINVAL "Registered model alias X not found." */
int store_get_model_version_by_alias(struct store *s, const char *name, const char *alias,
				     struct arena *a, struct store_model_version *out,
				     struct cairn_error *err);

struct store_model_version_create {
	const char *name;
	const char *source;            /* required; checked and resolved as spec §5.2 says */
	const char *run_id;            /* NULL or "" = none */
	const char *run_link;
	const char *description;
	const struct store_tag *tags;
	size_t ntags;
};
int store_create_model_version(struct store *s, const struct store_model_version_create *req,
			       struct arena *a, struct store_model_version *out,
			       struct cairn_error *err);
/* Unknown or deleted version: CAIRN_ENOENT. */
int store_get_model_version(struct store *s, const char *name, const char *version,
			    struct arena *a, struct store_model_version *out, struct cairn_error *err);
int store_update_model_version(struct store *s, const char *name, const char *version,
			       const char *description, struct arena *a,
			       struct store_model_version *out, struct cairn_error *err);
/* Soft delete: the number is never reused; aliases pointing at it are removed (history). */
int store_delete_model_version(struct store *s, const char *name, const char *version,
			       const struct store_actor *who, struct cairn_error *err);
/* stage case-insensitive; archive_existing only with Staging/Production (else CAIRN_EINVAL):
 * every other version in that stage becomes Archived, in the same transaction. */
int store_transition_model_version_stage(struct store *s, const char *name, const char *version,
					 const char *stage, int archive_existing,
					 const struct store_actor *who, struct arena *a,
					 struct store_model_version *out, struct cairn_error *err);
int store_get_model_version_download_uri(struct store *s, const char *name, const char *version,
					 struct arena *a, const char **out, struct cairn_error *err);
int store_set_model_version_tag(struct store *s, const char *name, const char *version,
				const char *key, const char *value, struct cairn_error *err);
int store_delete_model_version_tag(struct store *s, const char *name, const char *version,
				   const char *key, struct cairn_error *err);

/* The model's history, oldest first; `version` NULL = every version. Unknown model:
 * CAIRN_ENOENT. */
int store_list_registry_history(struct store *s, const char *name, const char *version,
				struct arena *a, struct store_registry_event **out, size_t *n,
				struct cairn_error *err);

/*
 * Promotion as one write transaction: point `alias` at `version`, optionally move the
 * version to `stage`, archive the previous alias holder (and, with a stage of Staging or
 * Production, every other version in it) when `archive_previous`, and append the history.
 *
 * Compare-and-swap: the caller checked its gates against `expected_holder` (the version
 * that held the alias then; NULL or "" = none). If the alias holder differs now, nothing is
 * written and the call fails with CAIRN_ESTATE, so that of concurrent promotions of one
 * model exactly one wins. Promoting the version that already holds the alias changes
 * nothing but the stage.
 */
struct store_promotion {
	const char *name;
	const char *version;
	const char *alias;             /* required */
	const char *expected_holder;
	const char *stage;             /* NULL = leave stages alone */
	int archive_previous;
	struct store_actor who;
};
/* *previous_holder (arena; "" when none) is the version that held the alias before. */
int store_promote_model_version(struct store *s, const struct store_promotion *p,
				struct arena *a, const char **previous_holder,
				struct cairn_error *err);

#endif
