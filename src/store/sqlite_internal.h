/*
 * sqlite_internal — private to the SQLite tracking store (store_sqlite*.c).
 *
 * Concurrency model: one `struct store` shared by every thread; each thread lazily gets its
 * own `struct sq_conn` (an sqlite3 handle opened NOMUTEX plus its cache of prepared
 * statements), found through a pthread key. All write transactions go through
 * sq_write_begin/sq_write_end, which hold `write_mu` for the whole BEGIN IMMEDIATE ..
 * COMMIT, so writers of this process queue on the mutex rather than in SQLite's busy
 * handler. Readers never take the mutex: WAL gives them a snapshot.
 *
 * store_close must only be called once no other thread uses the store.
 */
#ifndef CAIRN_STORE_SQLITE_INTERNAL_H
#define CAIRN_STORE_SQLITE_INTERNAL_H

#include "store/store.h"
#include "store/filter.h"

#include <pthread.h>
#include <sqlite3.h>

/* Cached statements; SQL text in store_sqlite.c (sq_stmt_sql). */
enum sq_stmt {
	SQ_BEGIN_IMMEDIATE,
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_RUN_LOOKUP,
	SQ_RUN_INFO,
	SQ_RUN_INSERT,
	SQ_RUN_UPDATE,
	SQ_RUN_SET_NAME,
	SQ_RUN_SET_STAGE,
	SQ_METRIC_INSERT,
	SQ_METRIC_INSERT_MANY,
	SQ_LATEST_UPSERT,
	SQ_PARAM_INSERT,
	SQ_PARAM_GET,
	SQ_TAG_UPSERT,
	SQ_TAG_GET,
	SQ_TAG_DELETE,
	SQ_EXP_GET_BY_ID,
	SQ_EXP_GET_BY_NAME,
	SQ_EXP_NEXT_ID,
	SQ_EXP_INSERT,
	SQ_EXP_TAG_UPSERT,
	SQ_EXP_RENAME,
	SQ_EXP_SET_STAGE,
	SQ_EXP_RUNS_DELETE,
	SQ_EXP_RUNS_RESTORE,
	SQ_BATCH_EXP_TAGS,
	SQ_BATCH_PARAMS,
	SQ_BATCH_TAGS,
	SQ_BATCH_METRICS,
	SQ_BATCH_INPUTS,
	SQ_BATCH_INPUT_TAGS,
	SQ_HISTORY,
	SQ_HISTORY_BY_STEP,
	SQ_DATASET_FIND,
	SQ_DATASET_INSERT,
	SQ_INPUT_INSERT,
	SQ_INPUT_TAG_INSERT,
	/* model registry (SQL in registry_internal.h) */
	SQ_RG_MODEL_LOOKUP,
	SQ_RG_LOAD_MODEL,
	SQ_RG_LOAD_VERSION,
	SQ_RG_MODEL_TAGS,
	SQ_RG_MODEL_ALIASES,
	SQ_RG_VERSION_TAGS,
	SQ_RG_VERSION_ALIASES,
	SQ_RG_LATEST,
	SQ_RG_LATEST_TAGS,
	SQ_RG_LATEST_ALIASES,
	SQ_STMT_COUNT
};

struct sq_conn {
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ_STMT_COUNT];
	struct store *s;
	struct sq_conn *next;
	struct sq_conn *prev;
};

struct store {
	char *path;
	char *artifact_root;          /* without trailing '/' unless it ends in ':' */
	int busy_timeout_ms;
	int read_only;
	pthread_key_t key;
	pthread_mutex_t write_mu;     /* held across every write transaction */
	pthread_mutex_t conns_mu;     /* guards `conns` */
	struct sq_conn *conns;
	/* Group commit of single-metric writes (store_log_metric): queued waiters, and
	 * whether a leader is committing a batch. Guarded by gc_mu. */
	pthread_mutex_t gc_mu;
	pthread_cond_t gc_cv;
	struct sq_lm_waiter *gc_head, *gc_tail;
	int gc_leader;
	/* Background checkpointer (store_options.background_checkpoint_ms). */
	int ckpt_ms;
	int ckpt_running;             /* the thread was started */
	int ckpt_stop;                /* guarded by ckpt_mu */
	int ckpt_due;                 /* a commit found the WAL long; guarded by ckpt_mu */
	pthread_t ckpt_thread;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
};

/* Rows per statement of SQ_METRIC_INSERT_MANY (6 bindings each). */
#define SQ_INSERT_MANY_ROWS 64

/* Columns of a run row, in the order sq_read_run_info expects (alias r). */
#define SQ_RUN_COLS "r.run_key, r.run_uuid, r.name, r.experiment_id, r.user_id, r.status, " \
	"r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage"
#define SQ_RUN_NCOLS 10
/* Columns of an experiment row, in the order sq_read_experiment expects (alias e). */
#define SQ_EXP_COLS "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, " \
	"e.creation_time, e.last_update_time"
#define SQ_EXP_NCOLS 6

#define SQ_TAG_RUN_NAME "mlflow.runName"

/* This thread's connection for `s`, opened on first use. NULL and `err` on failure. */
struct sq_conn *sq_conn_get(struct store *s, struct cairn_error *err);
/* The cached statement `id` (prepared on first use), reset and unbound. */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id, struct cairn_error *err);
/* Reset and clear bindings; NULL is fine. Call on every exit path after sq_stmt. */
void sq_done(sqlite3_stmt *st);
/* Turn an SQLite result code into a cairn error naming `what`. */
int sq_error(struct sq_conn *c, int rc, const char *what, struct cairn_error *err);
/* Step a statement that returns no rows; reset it afterwards. */
int sq_exec_stmt(struct sq_conn *c, sqlite3_stmt *st, const char *what, struct cairn_error *err);

/* Lock write_mu and BEGIN IMMEDIATE. On failure nothing is held. */
int sq_write_begin(struct sq_conn *c, struct cairn_error *err);
/* COMMIT when rc == 0, else ROLLBACK; unlock. Returns rc or the commit's failure. */
int sq_write_end(struct sq_conn *c, int rc, struct cairn_error *err);
/* A deferred read transaction so that several SELECTs see one snapshot. */
int sq_read_begin(struct sq_conn *c, struct cairn_error *err);
void sq_read_end(struct sq_conn *c);

/* Copy column `col` into the arena: NULL columns give "" (or NULL when `nullable`).
 * Returns 0 or CAIRN_ENOMEM. */
int sq_col_str(struct arena *a, sqlite3_stmt *st, int col, int nullable, const char **out);
/* Bind a double; NaN is stored as 0 with the is_nan flag bound at col+1. */
int sq_bind_metric_value(sqlite3_stmt *st, int col, double v);
double sq_col_metric_value(sqlite3_stmt *st, int value_col, int is_nan_col);

/* Look a run up by id. Unknown → CAIRN_ENOENT; when `need_active`, deleted → CAIRN_EINVAL. */
int sq_run_lookup(struct sq_conn *c, const char *run_id, int need_active, int64_t *run_key,
		  int64_t *experiment_id, struct cairn_error *err);
/* Read SQ_RUN_COLS starting at column 0. */
int sq_read_run_info(struct arena *a, sqlite3_stmt *st, struct store_run_info *out, int64_t *run_key);
/* Fill params, tags, latest metrics and inputs of `n` runs whose info is already read. */
int sq_fill_runs(struct sq_conn *c, struct arena *a, struct store_run *runs, const int64_t *keys,
		 size_t n, struct cairn_error *err);
/* Read SQ_EXP_COLS starting at column 0; tags are not read. */
int sq_read_experiment(struct arena *a, sqlite3_stmt *st, struct store_experiment *out);
/* Fill the tags of `n` experiments (their experiment_id strings are already set). */
int sq_fill_experiment_tags(struct sq_conn *c, struct arena *a, struct store_experiment *exps,
			    size_t n, struct cairn_error *err);

/* A JSON array "[k1,k2,...]" of int64 keys in the arena, for json_each() batching. */
const char *sq_key_list_json(struct arena *a, const int64_t *keys, size_t n);
/* Experiment ids are integers in the database; a non-integer id exists nowhere. */
int sq_parse_experiment_id(const char *id, int64_t *out);

/* Shared validation and the rename that set-tag of mlflow.runName implies. */
int sq_validate_exp_tag(const char *key, const char *value, struct cairn_error *err);
/* Byte length of `value` truncated to `max_chars` code points. */
size_t sq_truncated_len(const char *value, size_t max_chars);
int sq_set_run_tag(struct sq_conn *c, int64_t run_key, const char *key, const char *value,
		   struct cairn_error *err);
/* Check max_results of a search against [1, max]; 0 means `def`. */
/* Room for element n of an arena array growing by doubling: returns `old` while n < *cap,
 * else a copy twice as large (8 at first); NULL when the arena is out of memory. */
void *sq_grow(struct arena *a, void *old, size_t n, size_t *cap, size_t elem);

/* What every search begins with, parsed for `entity`: max_results within [1, cap]
 * (`def` when 0), the page token's offset, the filter and the order_by clauses. */
struct sq_search {
	int64_t max;
	int64_t offset;
	struct filter f;
	struct filter_order *ord;
	size_t nord;
};
int sq_search_parse(enum filter_entity entity, int64_t max_results, int64_t def, int64_t cap,
		    const char *page_token, const char *filter, const char *const *order_by,
		    size_t norder_by, struct arena *a, struct sq_search *out, struct cairn_error *err);
int sq_check_max_results(int64_t max_results, int64_t def, int64_t max, int64_t *out,
			 struct cairn_error *err);

/* A dynamically built statement: SQL text plus its positional ("?") bindings. User text is
 * only ever bound, never pasted. */
struct sq_bind {
	int type;                     /* SQLITE_TEXT, SQLITE_INTEGER, SQLITE_FLOAT */
	const char *s;                /* borrowed */
	int64_t i;
	double d;
};
struct sq_query {
	struct buf sql;
	struct sq_bind *b;
	size_t nb, cap;
	int failed;                   /* an append failed (out of memory) */
};
void sq_q_init(struct sq_query *q);
void sq_q_release(struct sq_query *q);
void sq_q_sql(struct sq_query *q, const char *sql);
void sq_q_text(struct sq_query *q, const char *s);
void sq_q_int(struct sq_query *q, int64_t v);
void sq_q_double(struct sq_query *q, double v);
/* Append a comparison of SQL expression `expr` with the value of `cmp` (filter.h). */
void sq_q_cmp(struct sq_query *q, const char *expr, const struct filter_cmp *cmp);
/* Prepare (uncached) and bind. */
int sq_q_prepare(struct sq_conn *c, struct sq_query *q, sqlite3_stmt **out, struct cairn_error *err);

#endif
