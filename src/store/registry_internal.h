/*
 * registry_internal — private to the SQLite model registry (store_registry*.c) and to the
 * migration list in store_sqlite.c, which applies the registry's schema as one migration.
 *
 * The registry reuses the tracking store's connections and write mutex (sqlite_internal.h):
 * reads run in a deferred transaction for one snapshot; writes go through
 * sq_write_begin/sq_write_end. The statements of the read paths (lookups, and the batched
 * reads that fill a page of models or versions) are in the connection's statement cache
 * (SQ_RG_* in sqlite_internal.h, SQL text below); one-off writes are prepared per call.
 *
 * Models are keyed by an integer model_id so that a rename is one UPDATE and the history
 * follows the model, not the name.
 */
#ifndef CAIRN_STORE_REGISTRY_INTERNAL_H
#define CAIRN_STORE_REGISTRY_INTERNAL_H

#include "store/sqlite_internal.h"

/*
 * The registry schema, one migration (a macro so that the migrations array in
 * store_sqlite.c can hold it in its static initializer).
 *
 * model_versions rows are never removed while their model exists (soft delete), so that
 * max(version) + 1 never reuses a number. registry_history refuses UPDATE and DELETE: the
 * history is append-only by construction, not by convention.
 */
#define SQ_REGISTRY_SCHEMA_SQL \
	"CREATE TABLE registered_models (" \
	" model_id INTEGER PRIMARY KEY AUTOINCREMENT," \
	" name TEXT NOT NULL UNIQUE," \
	" creation_timestamp INTEGER NOT NULL," \
	" last_updated_timestamp INTEGER NOT NULL," \
	" user_id TEXT," \
	" description TEXT);" \
	"CREATE INDEX registered_models_updated ON registered_models(last_updated_timestamp);" \
	"CREATE TABLE registered_model_tags (" \
	" model_id INTEGER NOT NULL," \
	" key TEXT NOT NULL," \
	" value TEXT NOT NULL," \
	" PRIMARY KEY (model_id, key)) WITHOUT ROWID;" \
	"CREATE TABLE model_versions (" \
	" model_id INTEGER NOT NULL," \
	" version INTEGER NOT NULL," \
	" creation_timestamp INTEGER NOT NULL," \
	" last_updated_timestamp INTEGER NOT NULL," \
	" user_id TEXT," \
	" current_stage TEXT NOT NULL DEFAULT 'None'," \
	" description TEXT," \
	" source TEXT NOT NULL," \
	" run_id TEXT," \
	" run_link TEXT," \
	" status TEXT NOT NULL DEFAULT 'READY'," \
	" status_message TEXT," \
	" deleted INTEGER NOT NULL DEFAULT 0," \
	" PRIMARY KEY (model_id, version));" \
	"CREATE INDEX model_versions_stage ON model_versions(model_id, current_stage, version)" \
	" WHERE deleted = 0;" \
	"CREATE INDEX model_versions_updated ON model_versions(last_updated_timestamp);" \
	"CREATE INDEX model_versions_run ON model_versions(run_id);" \
	"CREATE TABLE model_version_tags (" \
	" model_id INTEGER NOT NULL," \
	" version INTEGER NOT NULL," \
	" key TEXT NOT NULL," \
	" value TEXT NOT NULL," \
	" PRIMARY KEY (model_id, version, key)) WITHOUT ROWID;" \
	"CREATE TABLE registered_model_aliases (" \
	" model_id INTEGER NOT NULL," \
	" alias TEXT NOT NULL," \
	" version INTEGER NOT NULL," \
	" PRIMARY KEY (model_id, alias)) WITHOUT ROWID;" \
	"CREATE TABLE registry_history (" \
	" id INTEGER PRIMARY KEY AUTOINCREMENT," \
	" model_id INTEGER NOT NULL," \
	" name TEXT NOT NULL," \
	" version INTEGER NOT NULL," \
	" kind TEXT NOT NULL," \
	" alias TEXT," \
	" from_value TEXT NOT NULL," \
	" to_value TEXT NOT NULL," \
	" timestamp INTEGER NOT NULL," \
	" user_id TEXT NOT NULL DEFAULT ''," \
	" reason TEXT NOT NULL DEFAULT '');" \
	"CREATE INDEX registry_history_model ON registry_history(model_id, id);" \
	"CREATE TRIGGER registry_history_no_update BEFORE UPDATE ON registry_history" \
	" BEGIN SELECT RAISE(ABORT, 'registry_history is append-only'); END;" \
	"CREATE TRIGGER registry_history_no_delete BEFORE DELETE ON registry_history" \
	" BEGIN SELECT RAISE(ABORT, 'registry_history is append-only'); END;"

/*
 * Migration 4: the latest live version per (model, stage), kept by triggers on
 * model_versions, so that a page of 1000 models reads its latest_versions by key instead of
 * grouping all 20,000 versions (that GROUP BY was the largest cost of a search). Triggers
 * rather than code in every writer: a version's stage or deleted flag changes in several
 * places (transition, archive, promote, delete, model delete), and SQL cannot forget one.
 * stage_rank gives get-latest-versions' order (None, Staging, Production, Archived).
 */
#define RG_STAGE_RANK(col) "CASE " col " WHEN 'None' THEN 0 WHEN 'Staging' THEN 1" \
	" WHEN 'Production' THEN 2 WHEN 'Archived' THEN 3 ELSE 4 END"
/* Recompute the row of (model m, stage s): the highest live version, or no row. */
#define RG_LATEST_REFRESH(m, s) \
	"DELETE FROM registered_model_latest WHERE model_id = " m " AND stage = " s ";" \
	"INSERT INTO registered_model_latest(model_id, stage_rank, stage, version)" \
	" SELECT model_id, " RG_STAGE_RANK("current_stage") ", current_stage, MAX(version)" \
	" FROM model_versions WHERE model_id = " m " AND current_stage = " s " AND deleted = 0" \
	" GROUP BY model_id;"
#define SQ_REGISTRY_LATEST_SQL \
	"CREATE TABLE registered_model_latest (" \
	" model_id INTEGER NOT NULL," \
	" stage_rank INTEGER NOT NULL," \
	" stage TEXT NOT NULL," \
	" version INTEGER NOT NULL," \
	" PRIMARY KEY (model_id, stage_rank, stage)) WITHOUT ROWID;" \
	"INSERT INTO registered_model_latest(model_id, stage_rank, stage, version)" \
	" SELECT model_id, " RG_STAGE_RANK("current_stage") ", current_stage, MAX(version)" \
	" FROM model_versions WHERE deleted = 0 GROUP BY model_id, current_stage;" \
	"CREATE TRIGGER model_versions_latest_insert AFTER INSERT ON model_versions BEGIN " \
	RG_LATEST_REFRESH("NEW.model_id", "NEW.current_stage") " END;" \
	"CREATE TRIGGER model_versions_latest_update AFTER UPDATE OF model_id, version," \
	" current_stage, deleted ON model_versions BEGIN " \
	RG_LATEST_REFRESH("OLD.model_id", "OLD.current_stage") \
	RG_LATEST_REFRESH("NEW.model_id", "NEW.current_stage") " END;" \
	"CREATE TRIGGER model_versions_latest_delete AFTER DELETE ON model_versions BEGIN " \
	RG_LATEST_REFRESH("OLD.model_id", "OLD.current_stage") " END;"

#define RG_ERR(err) ((err) && (err)->code ? (err)->code : CAIRN_EIO)

/* This thread's connection with a read snapshot / a write transaction open; NULL with *ret
 * set on failure (store_registry.c). */
struct sq_conn *rg_read_open(struct store *s, struct cairn_error *err, int *ret);
struct sq_conn *rg_write_open(struct store *s, struct cairn_error *err, int *ret);

/* Columns of a model-version row (alias mv joined with registered_models rm), in the order
 * rg_read_version expects; the last one is mv.model_id. */
#define RG_MV_COLS "rm.name, mv.version, mv.creation_timestamp, mv.last_updated_timestamp, " \
	"mv.user_id, mv.current_stage, mv.description, mv.source, mv.run_id, mv.run_link, " \
	"mv.status, mv.status_message, mv.model_id"
#define RG_MV_FROM " FROM model_versions mv JOIN registered_models rm ON rm.model_id = mv.model_id"
#define RG_MV_NCOLS 13
#define RG_RM_COLS "rm.model_id, rm.name, rm.creation_timestamp, rm.last_updated_timestamp, " \
	"rm.user_id, rm.description"

/*
 * SQL of the cached registry statements (sq_stmt_sql in store_sqlite.c). Batched reads
 * take ?1 = a JSON list of model ids (sq_key_list_json) and return rows ordered by model
 * id first, for the binary searches that hand each model or version its slice.
 */
#define RG_SQL_MODEL_LOOKUP "SELECT model_id FROM registered_models WHERE name = ?1"
#define RG_SQL_LOAD_MODEL "SELECT " RG_RM_COLS " FROM registered_models rm WHERE rm.model_id = ?1"
#define RG_SQL_LOAD_VERSION "SELECT " RG_MV_COLS RG_MV_FROM " WHERE mv.model_id = ?1 AND" \
	" mv.version = ?2 AND mv.deleted = 0"
#define RG_SQL_MODEL_TAGS "SELECT model_id, key, value FROM registered_model_tags WHERE" \
	" model_id IN (SELECT value FROM json_each(?1)) ORDER BY model_id, key"
#define RG_SQL_MODEL_ALIASES "SELECT model_id, alias, version FROM registered_model_aliases" \
	" WHERE model_id IN (SELECT value FROM json_each(?1)) ORDER BY model_id, alias"
/* Tags and aliases of every version of the models (a page of versions). */
#define RG_SQL_VERSION_TAGS "SELECT model_id, version, key, value FROM model_version_tags" \
	" WHERE model_id IN (SELECT value FROM json_each(?1)) ORDER BY model_id, version, key"
#define RG_SQL_VERSION_ALIASES "SELECT model_id, version, alias FROM registered_model_aliases" \
	" WHERE model_id IN (SELECT value FROM json_each(?1)) ORDER BY model_id, version, alias"
/* The latest versions of the models, optionally only in the stages of JSON list ?2. */
#define RG_LATEST_WHERE " WHERE l.model_id IN (SELECT value FROM json_each(?1)) AND" \
	" (?2 IS NULL OR l.stage IN (SELECT value FROM json_each(?2)))"
#define RG_SQL_LATEST "SELECT " RG_MV_COLS " FROM registered_model_latest l" \
	" JOIN model_versions mv ON mv.model_id = l.model_id AND mv.version = l.version" \
	" JOIN registered_models rm ON rm.model_id = l.model_id" RG_LATEST_WHERE \
	" ORDER BY l.model_id, l.stage_rank, l.stage"
/* Tags and aliases of only those latest versions, not of every version of the models. */
/* CROSS JOIN keeps latest as the outer loop: the planner otherwise scans every tag of the
 * models and probes latest for each. */
#define RG_SQL_LATEST_TAGS "SELECT t.model_id, t.version, t.key, t.value FROM" \
	" registered_model_latest l CROSS JOIN model_version_tags t ON t.model_id = l.model_id AND" \
	" t.version = l.version" RG_LATEST_WHERE " ORDER BY t.model_id, t.version, t.key"
#define RG_SQL_LATEST_ALIASES "SELECT a.model_id, a.version, a.alias FROM" \
	" registered_model_latest l CROSS JOIN registered_model_aliases a ON a.model_id = l.model_id" \
	" AND a.version = l.version" RG_LATEST_WHERE " ORDER BY a.model_id, a.version, a.alias"

/* Prepare an uncached statement. */
int rg_prepare(struct sq_conn *c, const char *sql, sqlite3_stmt **st, struct cairn_error *err);

/* Validation shared by both files. */
int rg_validate_model_name(const char *name, const char *field, struct cairn_error *err);
int rg_validate_tag(const char *key, const char *value, struct cairn_error *err);
int rg_validate_description(const char *d, struct cairn_error *err);

/* The model's id by name; CAIRN_ENOENT "Registered Model with name=X not found". */
int rg_model_lookup(struct sq_conn *c, const char *name, int64_t *model_id, struct cairn_error *err);
/* A live (non-deleted) version; CAIRN_ENOENT "Model Version (name=X, version=V) not found".
 * *stage (optional) receives the canonical stage index. */
int rg_version_lookup(struct sq_conn *c, int64_t model_id, const char *name, int64_t version,
		      int *stage, struct cairn_error *err);
/* Bump the model's last_updated_timestamp. */
int rg_touch_model(struct sq_conn *c, int64_t model_id, int64_t now, struct cairn_error *err);
/* Append one history row (the only way rows get there). */
int rg_history_append(struct sq_conn *c, int64_t model_id, int64_t version, const char *kind,
		      const char *alias, const char *from, const char *to, int64_t now,
		      const struct store_actor *who, struct cairn_error *err);
/* Move (or delete, version 0) an alias inside a write transaction, with history; a no-op
 * when the alias already points there. *previous = the old version (0 = none). */
int rg_alias_move(struct sq_conn *c, int64_t model_id, const char *alias, int64_t version,
		  int64_t now, const struct store_actor *who, int64_t *previous,
		  struct cairn_error *err);
/* Set a version's stage with timestamps and history (no-op history when unchanged). */
int rg_stage_set(struct sq_conn *c, int64_t model_id, int64_t version, int from, int to,
		 int64_t now, const struct store_actor *who, struct cairn_error *err);
/* Archive every other live version of the model in `stage` (with history). */
int rg_archive_others(struct sq_conn *c, int64_t model_id, int64_t keep_version, int stage,
		      int64_t now, const struct store_actor *who, struct cairn_error *err);

/* Read RG_MV_COLS from column 0; tags and aliases are not read. */
int rg_read_version(struct arena *a, sqlite3_stmt *st, struct store_model_version *out,
		    int64_t *model_id);
/* Fill tags and aliases of `n` versions whose rows were read (model ids in `mids`). */
int rg_fill_versions(struct sq_conn *c, struct arena *a, struct store_model_version *v,
		     const int64_t *mids, size_t n, struct cairn_error *err);
/* The distinct ids of mids[0..n) as a JSON list in the arena (for ?1 above); NULL when out
 * of memory. */
const char *rg_ids_json(struct arena *a, const int64_t *mids, size_t n);
/* Read one live version (with tags and aliases) inside the caller's transaction. */
int rg_load_version(struct sq_conn *c, struct arena *a, int64_t model_id, int64_t version,
		    struct store_model_version *out, struct cairn_error *err);
/* Read one model (with tags, aliases, latest versions) inside the caller's transaction. */
int rg_load_model(struct sq_conn *c, struct arena *a, int64_t model_id,
		  struct store_registered_model *out, struct cairn_error *err);

/* A version number as a string in the arena. */
const char *rg_version_str(struct arena *a, int64_t v);

#endif
