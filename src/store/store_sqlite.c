/*
 * SQLite tracking store: opening, per-thread connections, the statement cache, schema
 * migrations, transactions, and the validation rules shared with the other store files.
 */
#include "store/sqlite_internal.h"
#include "store/filter.h"
#include "store/registry_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int ckpt_wal_hook(void *arg, sqlite3 *db, const char *name, int frames);

/* ------------------------------------------------------------------ schema */

/*
 * Migrations, applied in order, each in its own transaction; PRAGMA user_version holds the
 * number of the last one applied. Never edit a released migration: append a new one.
 */
static const char *const migrations[] = {
	/* 1: core tables */
	"CREATE TABLE experiments ("
	" experiment_id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" artifact_location TEXT NOT NULL,"
	" lifecycle_stage TEXT NOT NULL DEFAULT 'active',"
	" creation_time INTEGER,"
	" last_update_time INTEGER);"
	"CREATE TABLE experiment_tags ("
	" experiment_id INTEGER NOT NULL,"
	" key TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;"
	"CREATE TABLE runs ("
	" run_key INTEGER PRIMARY KEY,"
	" run_uuid TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL DEFAULT '',"
	" experiment_id INTEGER NOT NULL,"
	" user_id TEXT NOT NULL DEFAULT '',"
	" status INTEGER NOT NULL,"
	" start_time INTEGER NOT NULL,"
	" end_time INTEGER,"
	" artifact_uri TEXT NOT NULL,"
	" lifecycle_stage TEXT NOT NULL DEFAULT 'active',"
	" deleted_time INTEGER);"
	"CREATE INDEX runs_experiment ON runs(experiment_id);"
	"CREATE TABLE params ("
	" run_key INTEGER NOT NULL,"
	" key TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (run_key, key)) WITHOUT ROWID;"
	"CREATE TABLE tags ("
	" run_key INTEGER NOT NULL,"
	" key TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (run_key, key)) WITHOUT ROWID;"
	/* The primary key makes an identical point a no-op (INSERT OR IGNORE) and is already
	 * the (timestamp, step, value) order get-history returns. NaN is value 0, is_nan 1. */
	"CREATE TABLE metrics ("
	" run_key INTEGER NOT NULL,"
	" key TEXT NOT NULL,"
	" timestamp INTEGER NOT NULL,"
	" step INTEGER NOT NULL,"
	" value REAL NOT NULL,"
	" is_nan INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_key, key, timestamp, step, value, is_nan)) WITHOUT ROWID;"
	"CREATE TABLE latest_metrics ("
	" run_key INTEGER NOT NULL,"
	" key TEXT NOT NULL,"
	" value REAL NOT NULL,"
	" is_nan INTEGER NOT NULL DEFAULT 0,"
	" timestamp INTEGER NOT NULL,"
	" step INTEGER NOT NULL,"
	" PRIMARY KEY (run_key, key)) WITHOUT ROWID;",

	/* 2: search indexes and dataset inputs */
	"CREATE INDEX latest_metrics_key_value ON latest_metrics(key, value);"
	"CREATE INDEX params_key_value ON params(key, value);"
	"CREATE INDEX tags_key_value ON tags(key, value);"
	"DROP INDEX runs_experiment;"
	"CREATE INDEX runs_experiment_start ON runs(experiment_id, lifecycle_stage, start_time);"
	"CREATE TABLE datasets ("
	" dataset_key INTEGER PRIMARY KEY,"
	" experiment_id INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" digest TEXT NOT NULL,"
	" source_type TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" schema TEXT,"
	" profile TEXT,"
	" UNIQUE (experiment_id, name, digest));"
	"CREATE TABLE inputs ("
	" run_key INTEGER NOT NULL,"
	" dataset_key INTEGER NOT NULL,"
	" PRIMARY KEY (run_key, dataset_key)) WITHOUT ROWID;"
	"CREATE INDEX inputs_dataset ON inputs(dataset_key);"
	"CREATE TABLE input_tags ("
	" run_key INTEGER NOT NULL,"
	" dataset_key INTEGER NOT NULL,"
	" key TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (run_key, dataset_key, key)) WITHOUT ROWID;",

	/* 3: model registry (schema in registry_internal.h, code in store_registry*.c) */
	SQ_REGISTRY_SCHEMA_SQL,

	/* 4: the registry's latest version per (model, stage), kept by triggers */
	SQ_REGISTRY_LATEST_SQL,
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_latest(void)
{
	return NMIGRATIONS;
}

/* ------------------------------------------------------------------ statement cache */

static const char *const sq_stmt_sql[SQ_STMT_COUNT] = {
	[SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[SQ_BEGIN] = "BEGIN",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_RUN_LOOKUP] = "SELECT run_key, lifecycle_stage, experiment_id FROM runs WHERE run_uuid = ?1",
	[SQ_RUN_INFO] = "SELECT " SQ_RUN_COLS " FROM runs r WHERE r.run_uuid = ?1",
	[SQ_RUN_INSERT] = "INSERT INTO runs(run_uuid, name, experiment_id, user_id, status, start_time,"
		" end_time, artifact_uri, lifecycle_stage, deleted_time)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, 'active', NULL)",
	[SQ_RUN_UPDATE] = "UPDATE runs SET status = COALESCE(?2, status),"
		" end_time = CASE WHEN ?3 THEN ?4 ELSE end_time END,"
		" name = COALESCE(?5, name) WHERE run_key = ?1",
	[SQ_RUN_SET_NAME] = "UPDATE runs SET name = ?2 WHERE run_key = ?1",
	[SQ_RUN_SET_STAGE] = "UPDATE runs SET lifecycle_stage = ?2, deleted_time = ?3 WHERE run_key = ?1",
	[SQ_METRIC_INSERT] = "INSERT OR IGNORE INTO metrics(run_key, key, timestamp, step, value, is_nan)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* Replace the latest point only by a greater (step, timestamp, value); NaN counts as 0
	 * there, as in MLflow's SQL store. */
	[SQ_LATEST_UPSERT] = "INSERT INTO latest_metrics(run_key, key, value, is_nan, timestamp, step)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT(run_key, key) DO UPDATE SET value = excluded.value,"
		" is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = excluded.step"
		" WHERE (excluded.step, excluded.timestamp, excluded.value)"
		" > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)",
	[SQ_PARAM_INSERT] = "INSERT INTO params(run_key, key, value) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(run_key, key) DO NOTHING",
	[SQ_PARAM_GET] = "SELECT value FROM params WHERE run_key = ?1 AND key = ?2",
	[SQ_TAG_UPSERT] = "INSERT INTO tags(run_key, key, value) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(run_key, key) DO UPDATE SET value = excluded.value",
	[SQ_TAG_GET] = "SELECT value FROM tags WHERE run_key = ?1 AND key = ?2",
	[SQ_TAG_DELETE] = "DELETE FROM tags WHERE run_key = ?1 AND key = ?2",
	[SQ_EXP_GET_BY_ID] = "SELECT " SQ_EXP_COLS " FROM experiments e WHERE e.experiment_id = ?1",
	[SQ_EXP_GET_BY_NAME] = "SELECT " SQ_EXP_COLS " FROM experiments e WHERE e.name = ?1",
	[SQ_EXP_NEXT_ID] = "SELECT COALESCE(MAX(experiment_id), -1) + 1 FROM experiments",
	[SQ_EXP_INSERT] = "INSERT INTO experiments(experiment_id, name, artifact_location,"
		" lifecycle_stage, creation_time, last_update_time) VALUES (?1, ?2, ?3, 'active', ?4, ?4)",
	[SQ_EXP_TAG_UPSERT] = "INSERT INTO experiment_tags(experiment_id, key, value) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(experiment_id, key) DO UPDATE SET value = excluded.value",
	[SQ_EXP_RENAME] = "UPDATE experiments SET name = ?2, last_update_time = ?3 WHERE experiment_id = ?1",
	[SQ_EXP_SET_STAGE] = "UPDATE experiments SET lifecycle_stage = ?2, last_update_time = ?3"
		" WHERE experiment_id = ?1",
	[SQ_EXP_RUNS_DELETE] = "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ?2"
		" WHERE experiment_id = ?1 AND lifecycle_stage <> 'deleted'",
	[SQ_EXP_RUNS_RESTORE] = "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL"
		" WHERE experiment_id = ?1",
	[SQ_BATCH_EXP_TAGS] = "SELECT experiment_id, key, value FROM experiment_tags"
		" WHERE experiment_id IN (SELECT value FROM json_each(?1)) ORDER BY experiment_id, key",
	[SQ_BATCH_PARAMS] = "SELECT run_key, key, value FROM params"
		" WHERE run_key IN (SELECT value FROM json_each(?1)) ORDER BY run_key, key",
	[SQ_BATCH_TAGS] = "SELECT run_key, key, value FROM tags"
		" WHERE run_key IN (SELECT value FROM json_each(?1)) ORDER BY run_key, key",
	[SQ_BATCH_METRICS] = "SELECT run_key, key, value, is_nan, timestamp, step FROM latest_metrics"
		" WHERE run_key IN (SELECT value FROM json_each(?1)) ORDER BY run_key, key",
	[SQ_BATCH_INPUTS] = "SELECT i.run_key, d.dataset_key, d.name, d.digest, d.source_type, d.source,"
		" d.schema, d.profile FROM inputs i JOIN datasets d ON d.dataset_key = i.dataset_key"
		" WHERE i.run_key IN (SELECT value FROM json_each(?1)) ORDER BY i.run_key, d.dataset_key",
	[SQ_BATCH_INPUT_TAGS] = "SELECT run_key, dataset_key, key, value FROM input_tags"
		" WHERE run_key IN (SELECT value FROM json_each(?1)) ORDER BY run_key, dataset_key, key",
	[SQ_HISTORY] = "SELECT timestamp, step, value, is_nan FROM metrics WHERE run_key = ?1 AND key = ?2"
		" ORDER BY timestamp, step, value, is_nan LIMIT ?3 OFFSET ?4",
	[SQ_HISTORY_BY_STEP] = "SELECT step, timestamp, value, is_nan FROM metrics"
		" WHERE run_key = ?1 AND key = ?2 ORDER BY step, timestamp, value, is_nan",
	[SQ_DATASET_FIND] = "SELECT dataset_key FROM datasets WHERE experiment_id = ?1 AND name = ?2"
		" AND digest = ?3",
	[SQ_DATASET_INSERT] = "INSERT INTO datasets(experiment_id, name, digest, source_type, source,"
		" schema, profile) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_INPUT_INSERT] = "INSERT OR IGNORE INTO inputs(run_key, dataset_key) VALUES (?1, ?2)",
	[SQ_INPUT_TAG_INSERT] = "INSERT OR REPLACE INTO input_tags(run_key, dataset_key, key, value)"
		" VALUES (?1, ?2, ?3, ?4)",
	[SQ_RG_MODEL_LOOKUP] = RG_SQL_MODEL_LOOKUP,
	[SQ_RG_LOAD_MODEL] = RG_SQL_LOAD_MODEL,
	[SQ_RG_LOAD_VERSION] = RG_SQL_LOAD_VERSION,
	[SQ_RG_MODEL_TAGS] = RG_SQL_MODEL_TAGS,
	[SQ_RG_MODEL_ALIASES] = RG_SQL_MODEL_ALIASES,
	[SQ_RG_VERSION_TAGS] = RG_SQL_VERSION_TAGS,
	[SQ_RG_VERSION_ALIASES] = RG_SQL_VERSION_ALIASES,
	[SQ_RG_LATEST] = RG_SQL_LATEST,
	[SQ_RG_LATEST_TAGS] = RG_SQL_LATEST_TAGS,
	[SQ_RG_LATEST_ALIASES] = RG_SQL_LATEST_ALIASES,
};

int sq_error(struct sq_conn *c, int rc, const char *what, struct cairn_error *err)
{
	const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
	int prim = rc & 0xff;
	int code = CAIRN_EIO;
	if (prim == SQLITE_NOMEM)
		code = CAIRN_ENOMEM;
	else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		code = CAIRN_EBUSY;
	return cairn_error_set(err, code, "database error while %s: %s", what, msg);
}

/* INSERT OR IGNORE of SQ_INSERT_MANY_ROWS points in one statement: log-batch binds 64 rows
 * per step instead of one, which saves most of the per-statement overhead. */
static char *metric_insert_many_sql(void)
{
	struct buf b;
	buf_init(&b, 0);
	int rc = buf_append_str(&b, "INSERT OR IGNORE INTO metrics(run_key, key, timestamp, step, "
				"value, is_nan) VALUES ");
	for (int i = 0; rc == 0 && i < SQ_INSERT_MANY_ROWS; i++)
		rc = buf_append_str(&b, i ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)");
	if (rc != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id, struct cairn_error *err)
{
	if (!c->stmt[id]) {
		const char *sql = sq_stmt_sql[id];
		char *many = NULL;
		if (id == SQ_METRIC_INSERT_MANY) {
			many = metric_insert_many_sql();
			if (!many) {
				cairn_error_set(err, CAIRN_ENOMEM, "out of memory preparing a statement");
				return NULL;
			}
			sql = many;
		}
		int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
					    &c->stmt[id], NULL);
		cairn_free(many);
		if (rc != SQLITE_OK) {
			c->stmt[id] = NULL;
			sq_error(c, rc, "preparing a statement", err);
			return NULL;
		}
	}
	return c->stmt[id];
}

void sq_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int sq_exec_stmt(struct sq_conn *c, sqlite3_stmt *st, const char *what, struct cairn_error *err)
{
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sq_error(c, rc, what, err);
	sq_done(st);
	return ret;
}

static int exec_cached(struct sq_conn *c, enum sq_stmt id, const char *what, struct cairn_error *err)
{
	sqlite3_stmt *st = sq_stmt(c, id, err);
	if (!st)
		return err ? err->code : CAIRN_EIO;
	return sq_exec_stmt(c, st, what, err);
}

int sq_write_begin(struct sq_conn *c, struct cairn_error *err)
{
	if (c->s->read_only)
		return cairn_error_set(err, CAIRN_EINVAL, "the store was opened read-only");
	pthread_mutex_lock(&c->s->write_mu);
	int rc = exec_cached(c, SQ_BEGIN_IMMEDIATE, "starting a write transaction", err);
	if (rc != 0)
		pthread_mutex_unlock(&c->s->write_mu);
	return rc;
}

int sq_write_end(struct sq_conn *c, int rc, struct cairn_error *err)
{
	if (rc == 0) {
		rc = exec_cached(c, SQ_COMMIT, "committing", err);
		if (rc != 0 && !sqlite3_get_autocommit(c->db))
			exec_cached(c, SQ_ROLLBACK, "rolling back", NULL);
	} else if (!sqlite3_get_autocommit(c->db)) {
		exec_cached(c, SQ_ROLLBACK, "rolling back", NULL);
	}
	pthread_mutex_unlock(&c->s->write_mu);
	return rc;
}

int sq_read_begin(struct sq_conn *c, struct cairn_error *err)
{
	return exec_cached(c, SQ_BEGIN, "starting a read transaction", err);
}

void sq_read_end(struct sq_conn *c)
{
	if (sqlite3_get_autocommit(c->db))
		return;
	if (exec_cached(c, SQ_COMMIT, "ending a read transaction", NULL) != 0 &&
	    !sqlite3_get_autocommit(c->db))
		exec_cached(c, SQ_ROLLBACK, "rolling back", NULL);
}

/* ------------------------------------------------------------------ column helpers */

int sq_col_str(struct arena *a, sqlite3_stmt *st, int col, int nullable, const char **out)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t) {
		*out = nullable ? NULL : "";
		return 0;
	}
	int n = sqlite3_column_bytes(st, col);
	char *p = arena_strndup(a, (const char *)t, (size_t)n);
	if (!p)
		return CAIRN_ENOMEM;
	*out = p;
	return 0;
}

int sq_bind_metric_value(sqlite3_stmt *st, int col, double v)
{
	int rc;
	if (isnan(v)) {
		rc = sqlite3_bind_double(st, col, 0.0);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int(st, col + 1, 1);
	} else {
		rc = sqlite3_bind_double(st, col, v);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int(st, col + 1, 0);
	}
	return rc;
}

double sq_col_metric_value(sqlite3_stmt *st, int value_col, int is_nan_col)
{
	if (sqlite3_column_int(st, is_nan_col))
		return NAN;
	return sqlite3_column_double(st, value_col);
}

const char *sq_key_list_json(struct arena *a, const int64_t *keys, size_t n)
{
	size_t cap = n * 22 + 3;
	char *p = arena_alloc(a, cap);
	if (!p)
		return NULL;
	size_t len = 0;
	p[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(p + len, cap - len, "%s%" PRId64, i ? "," : "", keys[i]);
		if (w < 0 || (size_t)w >= cap - len)
			return NULL;
		len += (size_t)w;
	}
	p[len++] = ']';
	p[len] = '\0';
	return p;
}

int sq_parse_experiment_id(const char *id, int64_t *out)
{
	if (!id || !*id)
		return CAIRN_EINVAL;
	return str_to_int64(id, out) == 0 ? 0 : CAIRN_EINVAL;
}

void *sq_grow(struct arena *a, void *old, size_t n, size_t *cap, size_t elem)
{
	if (old && n < *cap)
		return old;
	size_t ncap = *cap ? *cap * 2 : 8;
	if (ncap <= n)
		ncap = n + 1;
	void *p = arena_alloc(a, ncap * elem);
	if (!p)
		return NULL;
	if (old && n)
		memcpy(p, old, n * elem);
	*cap = ncap;
	return p;
}

int sq_search_parse(enum filter_entity entity, int64_t max_results, int64_t def, int64_t cap,
		    const char *page_token, const char *filter, const char *const *order_by,
		    size_t norder_by, struct arena *a, struct sq_search *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	int ret = sq_check_max_results(max_results, def, cap, &out->max, err);
	if (ret == 0)
		ret = filter_page_token_decode(page_token, &out->offset, err);
	if (ret == 0)
		ret = filter_parse(entity, filter ? filter : "", a, &out->f, err);
	if (ret == 0 && norder_by > 0)
		ret = filter_parse_order(entity, order_by, norder_by, a, &out->ord, &out->nord, err);
	return ret;
}

int sq_check_max_results(int64_t max_results, int64_t def, int64_t max, int64_t *out,
			 struct cairn_error *err)
{
	if (max_results == 0) {
		*out = def;
		return 0;
	}
	if (max_results < 0)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value %" PRId64 " for parameter "
				       "'max_results' supplied. It must be a positive integer", max_results);
	if (max_results > max)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value %" PRId64 " for parameter "
				       "'max_results' supplied. It must be at most %" PRId64, max_results, max);
	*out = max_results;
	return 0;
}

int sq_run_lookup(struct sq_conn *c, const char *run_id, int need_active, int64_t *run_key,
		  int64_t *experiment_id, struct cairn_error *err)
{
	if (!run_id || !*run_id)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'run_id'. "
				       "See the API docs for more information about request parameters.");
	sqlite3_stmt *st = sq_stmt(c, SQ_RUN_LOOKUP, err);
	if (!st)
		return err ? err->code : CAIRN_EIO;
	int ret = 0;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = cairn_error_set(err, CAIRN_ENOENT, "Run with id=%s not found", run_id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		ret = sq_error(c, rc, "looking up a run", err);
		goto out;
	}
	if (run_key)
		*run_key = sqlite3_column_int64(st, 0);
	if (experiment_id)
		*experiment_id = sqlite3_column_int64(st, 2);
	const char *stage = (const char *)sqlite3_column_text(st, 1);
	if (need_active && (!stage || strcmp(stage, "active") != 0))
		ret = cairn_error_set(err, CAIRN_EINVAL, "The run %s must be in the 'active' state. "
				      "Current state is %s.", run_id, stage ? stage : "unknown");
out:
	sq_done(st);
	return ret;
}

/* ------------------------------------------------------------------ connections */

static void sql_cairn_like(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *pat = sqlite3_value_text(argv[0]);
	const unsigned char *val = sqlite3_value_text(argv[1]);
	if (!pat || !val) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int(ctx, filter_like_match((const char *)pat, (const char *)val,
						  sqlite3_value_int(argv[2])));
}

static void conn_free(struct sq_conn *c)
{
	for (int i = 0; i < SQ_STMT_COUNT; i++)
		if (c->stmt[i])
			sqlite3_finalize(c->stmt[i]);
	if (c->db)
		sqlite3_close_v2(c->db);
	cairn_free(c);
}

/* pthread key destructor: a thread that used the store is exiting. */
static void conn_destroy(void *p)
{
	struct sq_conn *c = p;
	struct store *s = c->s;
	pthread_mutex_lock(&s->conns_mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->conns_mu);
	conn_free(c);
}

static int db_exec(sqlite3 *db, const char *sql, const char *what, struct cairn_error *err)
{
	char *emsg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &emsg);
	if (rc != SQLITE_OK) {
		int code = (rc & 0xff) == SQLITE_NOMEM ? CAIRN_ENOMEM :
			   ((rc & 0xff) == SQLITE_BUSY ? CAIRN_EBUSY : CAIRN_EIO);
		cairn_error_set(err, code, "database error while %s: %s", what,
				emsg ? emsg : sqlite3_errstr(rc));
		sqlite3_free(emsg);
		return code;
	}
	return 0;
}

static int db_open(const char *path, int read_only, int create, int busy_ms, sqlite3 **out,
		   struct cairn_error *err)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_NOMUTEX;
	flags |= read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (create && !read_only)
		flags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		cairn_error_set(err, (rc & 0xff) == SQLITE_NOMEM ? CAIRN_ENOMEM : CAIRN_EIO,
				"cannot open database '%s': %s", path,
				db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return err ? err->code : CAIRN_EIO;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, busy_ms);
	/* synchronous=NORMAL in WAL mode: a committed transaction survives a crash of the
	 * process (not of the machine), which is the durability cairn promises. */
	rc = db_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
		     " PRAGMA cache_size=-16384; PRAGMA foreign_keys=OFF;"
		     /* No memory-mapped I/O: while the file grows, SQLite re-maps it in every
		      * transaction, and each munmap costs TLB-shootdown IPIs on every core
		      * (measured: one mmap+munmap per log-metric request). */
		     " PRAGMA mmap_size=0;", "configuring the connection", err);
	if (rc == 0 && sqlite3_create_function_v2(db, "cairn_like", 3,
						  SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
						  sql_cairn_like, NULL, NULL, NULL) != SQLITE_OK)
		rc = cairn_error_set(err, CAIRN_EIO, "cannot register SQL function: %s",
				     sqlite3_errmsg(db));
	if (rc != 0) {
		sqlite3_close_v2(db);
		return rc;
	}
	*out = db;
	return 0;
}

struct sq_conn *sq_conn_get(struct store *s, struct cairn_error *err)
{
	struct sq_conn *c = pthread_getspecific(s->key);
	if (c)
		return c;
	c = cairn_calloc(1, sizeof *c);
	if (!c) {
		cairn_error_set(err, CAIRN_ENOMEM, "out of memory opening a database connection");
		return NULL;
	}
	c->s = s;
	if (db_open(s->path, s->read_only, 1, s->busy_timeout_ms, &c->db, err) != 0) {
		cairn_free(c);
		return NULL;
	}
	if (s->ckpt_ms > 0 && !s->read_only) {
		sqlite3_wal_autocheckpoint(c->db, 0); /* the background thread does it */
		sqlite3_wal_hook(c->db, ckpt_wal_hook, s);
	}
	if (pthread_setspecific(s->key, c) != 0) {
		conn_free(c);
		cairn_error_set(err, CAIRN_ENOMEM, "cannot attach a database connection to the thread");
		return NULL;
	}
	pthread_mutex_lock(&s->conns_mu);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	pthread_mutex_unlock(&s->conns_mu);
	return c;
}

/* ------------------------------------------------------------------ migrations */

static int db_user_version(sqlite3 *db, int *out, struct cairn_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		cairn_error_set(err, CAIRN_EIO, "cannot read the schema version: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return CAIRN_EIO;
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* Apply migrations up to `target`, one transaction each. Re-reads the version inside each
 * transaction so that two processes opening a fresh file at once do not both migrate. */
static int db_migrate(sqlite3 *db, int target, struct cairn_error *err)
{
	for (;;) {
		int v;
		int rc = db_user_version(db, &v, err);
		if (rc != 0)
			return rc;
		if (v > NMIGRATIONS)
			return cairn_error_set(err, CAIRN_EINVAL, "database schema version %d is newer "
					       "than this program supports (%d)", v, NMIGRATIONS);
		if (v >= target)
			return 0;
		rc = db_exec(db, "BEGIN IMMEDIATE", "starting a migration", err);
		if (rc != 0)
			return rc;
		rc = db_user_version(db, &v, err);
		if (rc == 0 && v < target) {
			char pragma[64];
			rc = db_exec(db, migrations[v], "applying a schema migration", err);
			if (rc != 0)
				cairn_error_prefix(err, "migration %d", v + 1);
			snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
			if (rc == 0)
				rc = db_exec(db, pragma, "recording the schema version", err);
		}
		if (rc == 0)
			rc = db_exec(db, "COMMIT", "committing a migration", err);
		if (rc != 0) {
			db_exec(db, "ROLLBACK", "rolling back a migration", NULL);
			return rc;
		}
	}
}

int store_create_at_version(const char *path, int version, struct cairn_error *err)
{
	if (version < 0 || version > NMIGRATIONS)
		return cairn_error_set(err, CAIRN_EINVAL, "schema version %d out of range 0..%d",
				       version, NMIGRATIONS);
	sqlite3 *db = NULL;
	int rc = db_open(path, 0, 1, 10000, &db, err);
	if (rc != 0)
		return rc;
	rc = db_exec(db, "PRAGMA journal_mode=WAL", "enabling WAL", err);
	if (rc == 0)
		rc = db_migrate(db, version, err);
	sqlite3_close_v2(db);
	return rc;
}

int store_schema_version(struct store *s, int *version, struct cairn_error *err)
{
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return err ? err->code : CAIRN_EIO;
	return db_user_version(c->db, version, err);
}

/* ------------------------------------------------------------------ open / close */

static const char *uri_to_path(const char *uri, struct cairn_error *err)
{
	if (!uri || !*uri) {
		cairn_error_set(err, CAIRN_EINVAL, "empty database URI");
		return NULL;
	}
	if (str_has_prefix(uri, "sqlite:///")) {
		const char *p = uri + strlen("sqlite:///");
		if (!*p) {
			cairn_error_set(err, CAIRN_EINVAL, "database URI '%s' has no path", uri);
			return NULL;
		}
		return p;
	}
	if (str_has_prefix(uri, "sqlite:")) {
		cairn_error_set(err, CAIRN_EINVAL, "unsupported database URI '%s': use sqlite:///path.db "
				"or sqlite:////absolute/path.db", uri);
		return NULL;
	}
	if (strstr(uri, "://")) {
		cairn_error_set(err, CAIRN_EINVAL, "unsupported database URI '%s'", uri);
		return NULL;
	}
	return uri;
}

static int ensure_default_experiment(struct store *s, struct sq_conn *c, struct cairn_error *err)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_GET_BY_ID, err);
	if (!st)
		return err ? err->code : CAIRN_EIO;
	sqlite3_bind_int64(st, 1, 0);
	int rc = sqlite3_step(st);
	sq_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return sq_error(c, rc, "looking up the default experiment", err);
	if (s->read_only)
		return 0;
	int ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	char loc[4096];
	int w = snprintf(loc, sizeof loc, "%s/0", s->artifact_root);
	if (w < 0 || (size_t)w >= sizeof loc) {
		ret = cairn_error_set(err, CAIRN_EINVAL, "default artifact root too long");
		return sq_write_end(c, ret, err);
	}
	sqlite3_stmt *ins = NULL;
	rc = sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO experiments(experiment_id, name, "
				"artifact_location, lifecycle_stage, creation_time, last_update_time) "
				"VALUES (0, 'Default', ?1, 'active', ?2, ?2)", -1, &ins, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(ins, 1, loc, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, time_now_ms());
		rc = sqlite3_step(ins);
	}
	if (rc != SQLITE_DONE)
		ret = sq_error(c, rc, "creating the default experiment", err);
	sqlite3_finalize(ins);
	return sq_write_end(c, ret, err);
}

static int ckpt_start(struct store *s, int ms, struct cairn_error *err);
static void ckpt_stop(struct store *s);

struct store *store_open(const char *uri, const struct store_options *opts, struct cairn_error *err)
{
	const char *path = uri_to_path(uri, err);
	if (!path)
		return NULL;
	struct store *s = cairn_calloc(1, sizeof *s);
	if (!s) {
		cairn_error_set(err, CAIRN_ENOMEM, "out of memory opening the store");
		return NULL;
	}
	const char *root = opts && opts->default_artifact_root && *opts->default_artifact_root ?
			   opts->default_artifact_root : "mlflow-artifacts:";
	size_t rlen = strlen(root);
	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	s->path = cairn_strdup(path);
	s->artifact_root = cairn_strndup(root, rlen);
	s->busy_timeout_ms = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 10000;
	s->read_only = opts ? opts->read_only : 0;
	if (!s->path || !s->artifact_root) {
		cairn_free(s->path);
		cairn_free(s->artifact_root);
		cairn_free(s);
		cairn_error_set(err, CAIRN_ENOMEM, "out of memory opening the store");
		return NULL;
	}
	pthread_mutex_init(&s->write_mu, NULL);
	pthread_mutex_init(&s->conns_mu, NULL);
	pthread_mutex_init(&s->gc_mu, NULL);
	pthread_cond_init(&s->gc_cv, NULL);
	if (pthread_key_create(&s->key, conn_destroy) != 0) {
		pthread_mutex_destroy(&s->write_mu);
		pthread_mutex_destroy(&s->conns_mu);
		pthread_mutex_destroy(&s->gc_mu);
		pthread_cond_destroy(&s->gc_cv);
		cairn_free(s->path);
		cairn_free(s->artifact_root);
		cairn_free(s);
		cairn_error_set(err, CAIRN_ENOMEM, "cannot create a thread key");
		return NULL;
	}
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		goto fail;
	if (!s->read_only) {
		if (db_exec(c->db, "PRAGMA journal_mode=WAL", "enabling WAL", err) != 0)
			goto fail;
		if (db_migrate(c->db, NMIGRATIONS, err) != 0)
			goto fail;
	} else {
		int v;
		if (db_user_version(c->db, &v, err) != 0)
			goto fail;
		if (v != NMIGRATIONS) {
			cairn_error_set(err, CAIRN_EINVAL, "database '%s' has schema version %d, this "
					"program needs %d; open it once read-write to migrate it",
					path, v, NMIGRATIONS);
			goto fail;
		}
	}
	if (ensure_default_experiment(s, c, err) != 0)
		goto fail;
	if (opts && opts->background_checkpoint_ms > 0 && !s->read_only) {
		sqlite3_wal_autocheckpoint(c->db, 0);
		sqlite3_wal_hook(c->db, ckpt_wal_hook, s);
		if (ckpt_start(s, opts->background_checkpoint_ms, err) != 0)
			goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	ckpt_stop(s);
	pthread_mutex_lock(&s->conns_mu);
	struct sq_conn *c = s->conns;
	s->conns = NULL;
	pthread_mutex_unlock(&s->conns_mu);
	while (c) {
		struct sq_conn *next = c->next;
		conn_free(c);
		c = next;
	}
	/* Other threads' slots still point at freed connections; deleting the key means their
	 * destructors will not run. */
	pthread_setspecific(s->key, NULL);
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->write_mu);
	pthread_mutex_destroy(&s->conns_mu);
	pthread_mutex_destroy(&s->gc_mu);
	pthread_cond_destroy(&s->gc_cv);
	cairn_free(s->path);
	cairn_free(s->artifact_root);
	cairn_free(s);
}

/* ------------------------------------------------------------------ background checkpoint */

/* Copies WAL frames into the database file off the request path. PASSIVE never blocks
 * writers or readers; once every frame is copied, the next writer restarts the WAL from its
 * beginning, so the file stays bounded. It runs every ckpt_ms, or sooner when a commit
 * leaves more than CKPT_WAL_FRAMES frames in the WAL: a checkpoint ends in an fsync, which
 * stalls the WAL appends of concurrent commits for milliseconds on a journaling file system
 * (measured: log-metric p99 4.6 ms without checkpoints, 6-10 ms checkpointing every 200 ms),
 * so fewer, larger checkpoints keep the tail down. */
#define CKPT_WAL_FRAMES 8192 /* 32 MiB of 4 KiB pages */

static int ckpt_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	struct store *s = arg;
	if (frames >= CKPT_WAL_FRAMES && s->ckpt_running) {
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_due = 1;
		pthread_cond_signal(&s->ckpt_cv);
		pthread_mutex_unlock(&s->ckpt_mu);
	}
	return SQLITE_OK;
}
static void *ckpt_main(void *arg)
{
	struct store *s = arg;
	struct cairn_error err = {0};
	struct sq_conn *c = sq_conn_get(s, &err);
	if (!c) {
		log_warn("background checkpoint disabled: %s", err.msg);
		return NULL;
	}
	pthread_mutex_lock(&s->ckpt_mu);
	while (!s->ckpt_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(s->ckpt_ms % 1000) * 1000000L;
		until.tv_sec += s->ckpt_ms / 1000 + until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		while (!s->ckpt_stop && !s->ckpt_due &&
		       pthread_cond_timedwait(&s->ckpt_cv, &s->ckpt_mu, &until) == 0)
			;
		s->ckpt_due = 0;
		int stopping = s->ckpt_stop;
		pthread_mutex_unlock(&s->ckpt_mu);
		int log_frames = 0, done = 0;
		int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			log_warn("background checkpoint: %s", sqlite3_errmsg(c->db));
		pthread_mutex_lock(&s->ckpt_mu);
		if (stopping)
			break;
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	return NULL;
}

static int ckpt_start(struct store *s, int ms, struct cairn_error *err)
{
	s->ckpt_ms = ms;
	pthread_mutex_init(&s->ckpt_mu, NULL);
	pthread_cond_init(&s->ckpt_cv, NULL);
	if (pthread_create(&s->ckpt_thread, NULL, ckpt_main, s) != 0) {
		pthread_mutex_destroy(&s->ckpt_mu);
		pthread_cond_destroy(&s->ckpt_cv);
		s->ckpt_ms = 0;
		return cairn_error_set(err, CAIRN_EIO, "cannot start the checkpoint thread");
	}
	s->ckpt_running = 1;
	return 0;
}

static void ckpt_stop(struct store *s)
{
	if (!s->ckpt_running)
		return;
	pthread_mutex_lock(&s->ckpt_mu);
	s->ckpt_stop = 1;
	pthread_cond_signal(&s->ckpt_cv);
	pthread_mutex_unlock(&s->ckpt_mu);
	pthread_join(s->ckpt_thread, NULL);
	pthread_mutex_destroy(&s->ckpt_mu);
	pthread_cond_destroy(&s->ckpt_cv);
	s->ckpt_running = 0;
}

int store_checkpoint(struct store *s, struct cairn_error *err)
{
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return err ? err->code : CAIRN_EIO;
	if (s->read_only)
		return 0;
	int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK)
		return sq_error(c, rc, "checkpointing", err);
	return 0;
}

/* ------------------------------------------------------------------ enums */

static const char *const status_names[] = {
	NULL, "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED",
};

const char *store_run_status_name(int status)
{
	if (status < STORE_RUN_RUNNING || status > STORE_RUN_KILLED)
		return NULL;
	return status_names[status];
}

int store_run_status_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = STORE_RUN_RUNNING; i <= STORE_RUN_KILLED; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	int64_t v;
	if (str_to_int64(s, &v) == 0 && v >= STORE_RUN_RUNNING && v <= STORE_RUN_KILLED)
		return (int)v;
	return -1;
}

int store_view_type_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "ACTIVE_ONLY") == 0 || strcmp(s, "1") == 0)
		return STORE_VIEW_ACTIVE_ONLY;
	if (strcmp(s, "DELETED_ONLY") == 0 || strcmp(s, "2") == 0)
		return STORE_VIEW_DELETED_ONLY;
	if (strcmp(s, "ALL") == 0 || strcmp(s, "3") == 0)
		return STORE_VIEW_ALL;
	return -1;
}

/* ------------------------------------------------------------------ validation */

static int name_char_ok(unsigned char ch)
{
	/* \w is Unicode-aware in MLflow's regex; any non-ASCII code point is accepted here. */
	if (ch >= 0x80)
		return 1;
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		return 1;
	return ch == '_' || ch == '/' || ch == '.' || ch == '-' || ch == ' ' || ch == ':';
}

/* posixpath.normpath of `in` (n bytes) into `out` (room for n + 2 bytes). */
static void posix_normpath(const char *in, size_t n, char *out)
{
	size_t lead = 0;
	if (n > 0 && in[0] == '/')
		lead = (n > 1 && in[1] == '/' && !(n > 2 && in[2] == '/')) ? 2 : 1;
	/* Components as (start, len) pairs kept on a stack in `out`'s scratch: simplest is to
	 * build into out directly and pop by scanning back to the previous '/'. */
	size_t len = 0;      /* bytes of joined components in out (after the lead slashes) */
	size_t ncomp = 0;    /* components currently in out */
	size_t ndotdot = 0;  /* leading ".." components (only possible without lead) */
	char *body = out + lead;
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && in[j] != '/')
			j++;
		size_t clen = j - i;
		const char *comp = in + i;
		if (clen == 0 || (clen == 1 && comp[0] == '.')) {
			/* skip */
		} else if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			if ((lead == 0 && ncomp == 0) || (ncomp > 0 && ncomp == ndotdot)) {
				if (len)
					body[len++] = '/';
				body[len++] = '.';
				body[len++] = '.';
				ncomp++;
				ndotdot++;
			} else if (ncomp > 0) {
				while (len > 0 && body[len - 1] != '/')
					len--;
				if (len > 0)
					len--;
				ncomp--;
			}
		} else {
			if (len)
				body[len++] = '/';
			memcpy(body + len, comp, clen);
			len += clen;
			ncomp++;
		}
		i = j + 1;
	}
	for (size_t k = 0; k < lead; k++)
		out[k] = '/';
	if (lead + len == 0)
		out[len++] = '.';
	out[lead + len] = '\0';
}

static const char *key_label(const char *what)
{
	if (!what)
		return "Key";
	if (strcmp(what, "metric") == 0)
		return "Metric name";
	if (strcmp(what, "param") == 0)
		return "Param key";
	if (strcmp(what, "tag") == 0)
		return "Tag key";
	return what;
}

int store_validate_key(const char *what, const char *key, struct cairn_error *err)
{
	if (!key)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'key'. "
				       "See the API docs for more information about request parameters.");
	size_t n = strlen(key);
	if (!utf8_valid(key, n))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value for parameter 'key' supplied: "
				       "%s is not valid UTF-8", key_label(what));
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok((unsigned char)key[i]))
			return cairn_error_set(err, CAIRN_EINVAL, "Invalid value '%.300s' for parameter "
					       "'key' supplied: Names may only contain alphanumerics, "
					       "underscores (_), dashes (-), periods (.), spaces ( ), "
					       "colon(:) and slashes (/).", key);
	size_t chars = utf8_length(key, n);
	if (chars > STORE_MAX_KEY_CHARS)
		return cairn_error_set(err, CAIRN_EINVAL, "%s '%.250s' had length %zu, which exceeded "
				       "length limit of %d", key_label(what), key, chars,
				       STORE_MAX_KEY_CHARS);
	/* At most 250 code points, so at most 1000 bytes. */
	char norm[1024];
	posix_normpath(key, n, norm);
	/* MLflow's path_not_unique: not in normal form, or ".", or escaping upwards/root. */
	if (strcmp(norm, key) != 0 || strcmp(norm, ".") == 0 || norm[0] == '/' ||
	    (norm[0] == '.' && norm[1] == '.'))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value '%s' for parameter 'key' "
				       "supplied: Names may be treated as files in certain cases, and "
				       "must not resolve to other names when treated as such. This name "
				       "would resolve to '%s'", key, norm);
	return 0;
}

int store_validate_run_id(const char *run_id, struct cairn_error *err)
{
	if (!run_id || !*run_id)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'run_id'. "
				       "See the API docs for more information about request parameters.");
	size_t n = strlen(run_id);
	int ok = n <= 256;
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char ch = (unsigned char)run_id[i];
		int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
		ok = alnum || (i > 0 && (ch == '_' || ch == '-'));
	}
	if (!ok)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value '%.300s' for parameter 'run_id' "
				       "supplied.", run_id);
	return 0;
}

size_t sq_truncated_len(const char *value, size_t max_chars)
{
	size_t n = strlen(value);
	return utf8_prefix_bytes(value, n, max_chars);
}

int sq_validate_exp_tag(const char *key, const char *value, struct cairn_error *err)
{
	int rc = store_validate_key("tag", key, err);
	if (rc != 0)
		return rc;
	if (value) {
		size_t n = strlen(value);
		size_t chars = utf8_length(value, n);
		if (chars > STORE_MAX_EXP_TAG_VALUE_CHARS)
			return cairn_error_set(err, CAIRN_EINVAL, "Tag value '%.250s' had length %zu, "
					       "which exceeded length limit of %d", value, chars,
					       STORE_MAX_EXP_TAG_VALUE_CHARS);
	}
	return 0;
}

/* ------------------------------------------------------------------ dynamic queries */

void sq_q_init(struct sq_query *q)
{
	memset(q, 0, sizeof *q);
	buf_init(&q->sql, 0);
}

void sq_q_release(struct sq_query *q)
{
	buf_release(&q->sql);
	cairn_free(q->b);
	q->b = NULL;
	q->nb = q->cap = 0;
}

void sq_q_sql(struct sq_query *q, const char *sql)
{
	if (!q->failed && buf_append_str(&q->sql, sql) != 0)
		q->failed = 1;
}

static struct sq_bind *q_bind(struct sq_query *q)
{
	if (q->failed)
		return NULL;
	if (q->nb == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 16;
		struct sq_bind *nb = cairn_realloc(q->b, ncap * sizeof *nb);
		if (!nb) {
			q->failed = 1;
			return NULL;
		}
		q->b = nb;
		q->cap = ncap;
	}
	sq_q_sql(q, "?");
	if (q->failed)
		return NULL;
	struct sq_bind *b = &q->b[q->nb++];
	memset(b, 0, sizeof *b);
	return b;
}

void sq_q_text(struct sq_query *q, const char *s)
{
	struct sq_bind *b = q_bind(q);
	if (b) {
		b->type = SQLITE_TEXT;
		b->s = s;
	}
}

void sq_q_int(struct sq_query *q, int64_t v)
{
	struct sq_bind *b = q_bind(q);
	if (b) {
		b->type = SQLITE_INTEGER;
		b->i = v;
	}
}

void sq_q_double(struct sq_query *q, double v)
{
	struct sq_bind *b = q_bind(q);
	if (b) {
		b->type = SQLITE_FLOAT;
		b->d = v;
	}
}

static const char *op_sql(int op)
{
	switch (op) {
	case FILTER_OP_EQ: return " = ";
	case FILTER_OP_NE: return " <> ";
	case FILTER_OP_GT: return " > ";
	case FILTER_OP_GE: return " >= ";
	case FILTER_OP_LT: return " < ";
	case FILTER_OP_LE: return " <= ";
	default: return NULL;
	}
}

void sq_q_cmp(struct sq_query *q, const char *expr, const struct filter_cmp *cmp)
{
	switch (cmp->op) {
	case FILTER_OP_LIKE:
	case FILTER_OP_ILIKE:
		sq_q_sql(q, "cairn_like(");
		sq_q_text(q, cmp->str ? cmp->str : "");
		sq_q_sql(q, ", ");
		sq_q_sql(q, expr);
		sq_q_sql(q, cmp->op == FILTER_OP_ILIKE ? ", 1)" : ", 0)");
		return;
	case FILTER_OP_IN:
	case FILTER_OP_NOT_IN:
		sq_q_sql(q, expr);
		sq_q_sql(q, cmp->op == FILTER_OP_IN ? " IN (" : " NOT IN (");
		for (size_t i = 0; i < cmp->nlist; i++) {
			if (i)
				sq_q_sql(q, ", ");
			sq_q_text(q, cmp->list[i]);
		}
		sq_q_sql(q, ")");
		return;
	default:
		break;
	}
	const char *op = op_sql(cmp->op);
	if (!op) {
		/* The parser never produces this; make the comparison false rather than crash. */
		sq_q_sql(q, "0");
		return;
	}
	sq_q_sql(q, expr);
	sq_q_sql(q, op);
	if (cmp->value_type == FILTER_VALUE_NUMBER)
		sq_q_double(q, cmp->num);
	else
		sq_q_text(q, cmp->str ? cmp->str : "");
}

int sq_q_prepare(struct sq_conn *c, struct sq_query *q, sqlite3_stmt **out, struct cairn_error *err)
{
	*out = NULL;
	if (q->failed)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory building a query");
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, q->sql.data, (int)q->sql.len, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_error(c, rc, "preparing a search", err);
	for (size_t i = 0; i < q->nb && rc == SQLITE_OK; i++) {
		const struct sq_bind *b = &q->b[i];
		int col = (int)i + 1;
		if (b->type == SQLITE_TEXT)
			rc = sqlite3_bind_text(st, col, b->s, -1, SQLITE_STATIC);
		else if (b->type == SQLITE_INTEGER)
			rc = sqlite3_bind_int64(st, col, b->i);
		else
			rc = sqlite3_bind_double(st, col, b->d);
	}
	if (rc != SQLITE_OK) {
		int ret = sq_error(c, rc, "binding search values", err);
		sqlite3_finalize(st);
		return ret;
	}
	*out = st;
	return 0;
}
