/* SQLite tracking store: experiments (spec §3.1, §4.3). */
#include "store/sqlite_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ERR_CODE(err) ((err) && (err)->code ? (err)->code : CAIRN_EIO)

static int err_no_experiment(struct cairn_error *err, const char *id)
{
	return cairn_error_set(err, CAIRN_ENOENT, "No Experiment with id=%s exists", id ? id : "");
}

static int validate_experiment_name(const char *name, struct cairn_error *err)
{
	if (!name || !*name)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid experiment name: '%s'", name ? name : "");
	size_t n = strlen(name);
	if (!utf8_valid(name, n))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid experiment name: not valid UTF-8");
	if (utf8_length(name, n) > STORE_MAX_EXPERIMENT_NAME_CHARS)
		return cairn_error_set(err, CAIRN_EINVAL, "'name' exceeds the maximum length of %d "
				       "characters", STORE_MAX_EXPERIMENT_NAME_CHARS);
	return 0;
}

/* MLflow parses the location as a URL and refuses a fragment, ';params' and '..' in the
 * query, since those could make the artifact location escape its root. */
static int validate_artifact_location(const char *loc, struct cairn_error *err)
{
	const char *hash = strchr(loc, '#');
	if (hash && hash[1])
		return cairn_error_set(err, CAIRN_EINVAL, "'artifact_location' URL can't include fragments");
	const char *q = strchr(loc, '?');
	size_t pathlen = q ? (size_t)(q - loc) : (hash ? (size_t)(hash - loc) : strlen(loc));
	const char *semi = memchr(loc, ';', pathlen);
	if (semi) {
		/* Only the last path segment carries params. */
		const char *slash = NULL;
		for (const char *p = semi; p < loc + pathlen; p++)
			if (*p == '/')
				slash = p;
		if (!slash)
			return cairn_error_set(err, CAIRN_EINVAL, "'artifact_location' URL can't include "
					       "parameters");
	}
	if (q) {
		size_t qlen = hash ? (size_t)(hash - q) : strlen(q);
		for (size_t i = 0; i + 1 < qlen; i++)
			if (q[i] == '.' && q[i + 1] == '.')
				return cairn_error_set(err, CAIRN_EINVAL, "'artifact_location' URL can't "
						       "include '..' in query");
	}
	return 0;
}

int sq_read_experiment(struct arena *a, sqlite3_stmt *st, struct store_experiment *out)
{
	memset(out, 0, sizeof *out);
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%" PRId64, (int64_t)sqlite3_column_int64(st, 0));
	out->experiment_id = arena_strdup(a, idbuf);
	if (!out->experiment_id)
		return CAIRN_ENOMEM;
	if (sq_col_str(a, st, 1, 0, &out->name) || sq_col_str(a, st, 2, 0, &out->artifact_location) ||
	    sq_col_str(a, st, 3, 0, &out->lifecycle_stage))
		return CAIRN_ENOMEM;
	out->creation_time = sqlite3_column_int64(st, 4);
	out->last_update_time = sqlite3_column_int64(st, 5);
	return 0;
}

struct tag_row {
	size_t idx;
	struct store_tag t;
};

struct id_idx {
	int64_t id;
	size_t idx;
};

static int id_idx_cmp(const void *pa, const void *pb)
{
	const struct id_idx *x = pa, *y = pb;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Experiment ids within one page are distinct. */
static const struct id_idx *find_id(const struct id_idx *v, size_t n, int64_t id)
{
	struct id_idx key = { id, 0 };
	return bsearch(&key, v, n, sizeof *v, id_idx_cmp);
}

int sq_fill_experiment_tags(struct sq_conn *c, struct arena *a, struct store_experiment *exps,
			    size_t n, struct cairn_error *err)
{
	if (n == 0)
		return 0;
	int ret = 0;
	int64_t *ids = cairn_malloc(n * sizeof *ids);
	struct tag_row *rows = NULL;
	struct id_idx *sorted = NULL;
	size_t nrows = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	if (!ids) {
		ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading experiment tags");
		goto out;
	}
	sorted = cairn_malloc(n * sizeof *sorted);
	if (!sorted) {
		ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading experiment tags");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (str_to_int64(exps[i].experiment_id, &ids[i]) != 0)
			ids[i] = -1;
		sorted[i].id = ids[i];
		sorted[i].idx = i;
	}
	qsort(sorted, n, sizeof *sorted, id_idx_cmp);
	const char *json = sq_key_list_json(a, ids, n);
	if (!json) {
		ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading experiment tags");
		goto out;
	}
	st = sq_stmt(c, SQ_BATCH_EXP_TAGS, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const struct id_idx *hit = find_id(sorted, n, id);
		if (hit) {
			size_t i = hit->idx;
			if (nrows == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct tag_row *nr = cairn_realloc(rows, ncap * sizeof *nr);
				if (!nr) {
					ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading "
							      "experiment tags");
					goto out;
				}
				rows = nr;
				cap = ncap;
			}
			struct tag_row *r = &rows[nrows++];
			r->idx = i;
			if (sq_col_str(a, st, 1, 0, &r->t.key) || sq_col_str(a, st, 2, 0, &r->t.value)) {
				ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading "
						      "experiment tags");
				goto out;
			}
		}
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading experiment tags", err);
		goto out;
	}
	for (size_t r = 0; r < nrows; r++)
		exps[rows[r].idx].ntags++;
	for (size_t i = 0; i < n; i++) {
		if (!exps[i].ntags)
			continue;
		exps[i].tags = arena_alloc(a, exps[i].ntags * sizeof *exps[i].tags);
		if (!exps[i].tags) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading experiment tags");
			goto out;
		}
		exps[i].ntags = 0;
	}
	for (size_t r = 0; r < nrows; r++) {
		struct store_experiment *e = &exps[rows[r].idx];
		e->tags[e->ntags++] = rows[r].t;
	}
out:
	sq_done(st);
	cairn_free(ids);
	cairn_free(sorted);
	cairn_free(rows);
	return ret;
}

/* ------------------------------------------------------------------ create / get */

int store_create_experiment(struct store *s, const char *name, const char *artifact_location,
			    const struct store_tag *tags, size_t ntags,
			    struct arena *a, const char **out_id, struct cairn_error *err)
{
	int ret = validate_experiment_name(name, err);
	if (ret != 0)
		return ret;
	if (artifact_location && *artifact_location) {
		ret = validate_artifact_location(artifact_location, err);
		if (ret != 0)
			return ret;
	}
	for (size_t i = 0; i < ntags; i++) {
		ret = sq_validate_exp_tag(tags[i].key, tags[i].value, err);
		if (ret != 0)
			return ret;
	}
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;

	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_GET_BY_NAME, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sq_done(st);
	if (rc == SQLITE_ROW) {
		ret = cairn_error_set(err, CAIRN_EEXIST, "Experiment(name=%s) already exists.", name);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "looking up an experiment", err);
		goto out;
	}
	st = sq_stmt(c, SQ_EXP_NEXT_ID, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	rc = sqlite3_step(st);
	int64_t id = sqlite3_column_int64(st, 0);
	sq_done(st);
	if (rc != SQLITE_ROW) {
		ret = sq_error(c, rc, "allocating an experiment id", err);
		goto out;
	}
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
	const char *loc = artifact_location && *artifact_location ? artifact_location :
			  arena_printf(a, "%s/%s", s->artifact_root, idbuf);
	const char *id_out = arena_strdup(a, idbuf);
	if (!loc || !id_out) {
		ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory creating an experiment");
		goto out;
	}
	st = sq_stmt(c, SQ_EXP_INSERT, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, loc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time_now_ms());
	ret = sq_exec_stmt(c, st, "creating an experiment", err);
	for (size_t i = 0; ret == 0 && i < ntags; i++) {
		st = sq_stmt(c, SQ_EXP_TAG_UPSERT, err);
		if (!st) {
			ret = ERR_CODE(err);
			break;
		}
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, tags[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, tags[i].value ? tags[i].value : "", -1, SQLITE_STATIC);
		ret = sq_exec_stmt(c, st, "setting an experiment tag", err);
	}
	if (ret == 0 && out_id)
		*out_id = id_out;
out:
	return sq_write_end(c, ret, err);
}

/* Read one experiment row from a bound cached statement, plus its tags. */
static int get_experiment_with(struct sq_conn *c, sqlite3_stmt *st, struct arena *a,
			       struct store_experiment *out, int *found, struct cairn_error *err)
{
	*found = 0;
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		*found = 1;
		if (sq_read_experiment(a, st, out) != 0)
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading an experiment");
	} else if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading an experiment", err);
	}
	sq_done(st);
	if (ret == 0 && *found)
		ret = sq_fill_experiment_tags(c, a, out, 1, err);
	return ret;
}

int store_get_experiment(struct store *s, const char *experiment_id, struct arena *a,
			 struct store_experiment *out, struct cairn_error *err)
{
	int64_t id;
	if (sq_parse_experiment_id(experiment_id, &id) != 0)
		return err_no_experiment(err, experiment_id);
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	int ret = sq_read_begin(c, err);
	if (ret != 0)
		return ret;
	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_GET_BY_ID, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	int found;
	ret = get_experiment_with(c, st, a, out, &found, err);
	if (ret == 0 && !found)
		ret = err_no_experiment(err, experiment_id);
out:
	sq_read_end(c);
	return ret;
}

int store_get_experiment_by_name(struct store *s, const char *name, struct arena *a,
				 struct store_experiment *out, struct cairn_error *err)
{
	if (!name || !*name)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter "
				       "'experiment_name'. See the API docs for more information about "
				       "request parameters.");
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	int ret = sq_read_begin(c, err);
	if (ret != 0)
		return ret;
	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_GET_BY_NAME, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int found;
	ret = get_experiment_with(c, st, a, out, &found, err);
	if (ret == 0 && !found)
		ret = cairn_error_set(err, CAIRN_ENOENT, "Could not find experiment with name '%s'", name);
out:
	sq_read_end(c);
	return ret;
}

/* ------------------------------------------------------------------ updates */

/* Inside a write transaction: the experiment's lifecycle stage ("active"/"deleted") into
 * `stage` (at least 16 bytes). ENOENT when unknown. */
static int exp_stage(struct sq_conn *c, const char *experiment_id, int64_t *id, char *stage,
		     struct cairn_error *err)
{
	if (sq_parse_experiment_id(experiment_id, id) != 0)
		return err_no_experiment(err, experiment_id);
	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_GET_BY_ID, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, *id);
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 3);
		snprintf(stage, 16, "%s", t ? t : "");
	} else if (rc == SQLITE_DONE) {
		ret = err_no_experiment(err, experiment_id);
	} else {
		ret = sq_error(c, rc, "reading an experiment", err);
	}
	sq_done(st);
	return ret;
}

static int err_exp_not_active(struct cairn_error *err, const char *id, const char *stage)
{
	return cairn_error_set(err, CAIRN_EINVAL, "The experiment %s must be in the 'active' state. "
			       "Current state is %s.", id, stage);
}

int store_rename_experiment(struct store *s, const char *experiment_id, const char *new_name,
			    struct cairn_error *err)
{
	int ret = validate_experiment_name(new_name, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t id;
	char stage[16];
	ret = exp_stage(c, experiment_id, &id, stage, err);
	if (ret != 0)
		goto out;
	if (strcmp(stage, "active") != 0) {
		ret = cairn_error_set(err, CAIRN_EINVAL, "Cannot rename a non-active experiment. "
				      "The experiment %s is in the '%s' state.", experiment_id, stage);
		goto out;
	}
	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_GET_BY_NAME, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_text(st, 1, new_name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t other = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sq_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "looking up an experiment", err);
		goto out;
	}
	if (rc == SQLITE_ROW && other != id) {
		ret = cairn_error_set(err, CAIRN_EEXIST, "Experiment(name=%s) already exists.", new_name);
		goto out;
	}
	st = sq_stmt(c, SQ_EXP_RENAME, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, new_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_now_ms());
	ret = sq_exec_stmt(c, st, "renaming an experiment", err);
out:
	return sq_write_end(c, ret, err);
}

/* delete (to_deleted = 1) or restore: the experiment and its runs change stage together. */
static int set_experiment_stage(struct store *s, const char *experiment_id, int to_deleted,
				struct cairn_error *err)
{
	int64_t id;
	if (sq_parse_experiment_id(experiment_id, &id) != 0)
		return err_no_experiment(err, experiment_id);
	if (to_deleted && id == 0)
		return cairn_error_set(err, CAIRN_EINVAL, "Cannot delete the default experiment '0'. "
				       "This is an internally reserved experiment.");
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	int ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	char stage[16];
	ret = exp_stage(c, experiment_id, &id, stage, err);
	if (ret != 0)
		goto out;
	/* MLflow looks the experiment up in the stage it must be in, so the wrong stage reads
	 * as "does not exist". */
	if (strcmp(stage, to_deleted ? "active" : "deleted") != 0) {
		ret = err_no_experiment(err, experiment_id);
		goto out;
	}
	int64_t now = time_now_ms();
	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_SET_STAGE, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, to_deleted ? "deleted" : "active", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	ret = sq_exec_stmt(c, st, "changing an experiment's stage", err);
	if (ret != 0)
		goto out;
	st = sq_stmt(c, to_deleted ? SQ_EXP_RUNS_DELETE : SQ_EXP_RUNS_RESTORE, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if (to_deleted)
		sqlite3_bind_int64(st, 2, now);
	ret = sq_exec_stmt(c, st, "changing the stage of an experiment's runs", err);
out:
	return sq_write_end(c, ret, err);
}

int store_delete_experiment(struct store *s, const char *experiment_id, struct cairn_error *err)
{
	return set_experiment_stage(s, experiment_id, 1, err);
}

int store_restore_experiment(struct store *s, const char *experiment_id, struct cairn_error *err)
{
	return set_experiment_stage(s, experiment_id, 0, err);
}

int store_set_experiment_tag(struct store *s, const char *experiment_id, const char *key,
			     const char *value, struct cairn_error *err)
{
	int ret = sq_validate_exp_tag(key, value, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t id;
	char stage[16];
	ret = exp_stage(c, experiment_id, &id, stage, err);
	if (ret != 0)
		goto out;
	if (strcmp(stage, "active") != 0) {
		ret = err_exp_not_active(err, experiment_id, stage);
		goto out;
	}
	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_TAG_UPSERT, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value ? value : "", -1, SQLITE_STATIC);
	ret = sq_exec_stmt(c, st, "setting an experiment tag", err);
out:
	return sq_write_end(c, ret, err);
}

/* ------------------------------------------------------------------ search */

static const char *view_clause(int view_type)
{
	switch (view_type) {
	case STORE_VIEW_DELETED_ONLY: return "e.lifecycle_stage = 'deleted'";
	case STORE_VIEW_ALL: return "1";
	default: return "e.lifecycle_stage = 'active'";
	}
}

static const char *exp_attr_expr(const char *key)
{
	if (strcmp(key, "name") == 0)
		return "e.name";
	if (strcmp(key, "creation_time") == 0)
		return "e.creation_time";
	if (strcmp(key, "last_update_time") == 0)
		return "e.last_update_time";
	if (strcmp(key, "experiment_id") == 0)
		return "e.experiment_id";
	return NULL;
}

int store_search_experiments(struct store *s, const struct store_experiment_query *q,
			     struct arena *a, struct store_experiment_page *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	int view = q->view_type ? q->view_type : STORE_VIEW_ACTIVE_ONLY;
	if (view < STORE_VIEW_ACTIVE_ONLY || view > STORE_VIEW_ALL)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value %d for parameter 'view_type'",
				       q->view_type);
	struct sq_search sp;
	int ret = sq_search_parse(FILTER_EXPERIMENTS, q->max_results, STORE_EXPERIMENTS_DEFAULT_MAX_RESULTS,
				  STORE_EXPERIMENTS_MAX_RESULTS, q->page_token, q->filter, q->order_by,
				  q->norder_by, a, &sp, err);
	if (ret != 0)
		return ret;
	int64_t max = sp.max, offset = sp.offset;
	struct filter f = sp.f;
	struct filter_order *ord = sp.ord;
	size_t nord = sp.nord;

	struct sq_query sq;
	sq_q_init(&sq);
	sqlite3_stmt *st = NULL;
	struct sq_conn *c = NULL;
	int in_txn = 0;
	sq_q_sql(&sq, "SELECT " SQ_EXP_COLS " FROM experiments e WHERE ");
	sq_q_sql(&sq, view_clause(view));
	for (size_t i = 0; i < f.n; i++) {
		const struct filter_cmp *cmp = &f.cmps[i];
		sq_q_sql(&sq, " AND ");
		if (cmp->kind == FILTER_KIND_TAG) {
			sq_q_sql(&sq, "EXISTS (SELECT 1 FROM experiment_tags t WHERE "
				 "t.experiment_id = e.experiment_id AND t.key = ");
			sq_q_text(&sq, cmp->key);
			sq_q_sql(&sq, " AND ");
			sq_q_cmp(&sq, "t.value", cmp);
			sq_q_sql(&sq, ")");
		} else {
			const char *expr = exp_attr_expr(cmp->key);
			if (!expr || cmp->kind != FILTER_KIND_ATTR) {
				ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid attribute key '%s' in "
						      "experiment filter", cmp->key);
				goto out;
			}
			sq_q_cmp(&sq, expr, cmp);
		}
	}
	sq_q_sql(&sq, " ORDER BY ");
	int has_id = 0;
	if (nord == 0) {
		sq_q_sql(&sq, "(e.creation_time IS NULL), e.creation_time DESC, e.experiment_id ASC");
		has_id = 1;
	}
	for (size_t i = 0; i < nord; i++) {
		const char *expr = exp_attr_expr(ord[i].key);
		if (!expr || ord[i].kind != FILTER_KIND_ATTR) {
			ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid order_by key '%s'", ord[i].key);
			goto out;
		}
		if (strcmp(ord[i].key, "experiment_id") == 0)
			has_id = 1;
		if (i)
			sq_q_sql(&sq, ", ");
		/* Missing values sort last in either direction. */
		sq_q_sql(&sq, "(");
		sq_q_sql(&sq, expr);
		sq_q_sql(&sq, " IS NULL), ");
		sq_q_sql(&sq, expr);
		sq_q_sql(&sq, ord[i].desc ? " DESC" : " ASC");
	}
	if (!has_id)
		sq_q_sql(&sq, ", e.experiment_id DESC");
	sq_q_sql(&sq, " LIMIT ");
	sq_q_int(&sq, max + 1);
	sq_q_sql(&sq, " OFFSET ");
	sq_q_int(&sq, offset);

	c = sq_conn_get(s, err);
	if (!c) {
		ret = ERR_CODE(err);
		goto out;
	}
	ret = sq_read_begin(c, err);
	if (ret != 0)
		goto out;
	in_txn = 1;
	ret = sq_q_prepare(c, &sq, &st, err);
	if (ret != 0)
		goto out;
	size_t cap = 16;
	out->experiments = arena_alloc(a, cap * sizeof *out->experiments);
	if (!out->experiments) {
		ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory searching experiments");
		goto out;
	}
	int rc;
	int more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((int64_t)out->n == max) {
			more = 1;
			break;
		}
		out->experiments = sq_grow(a, out->experiments, out->n, &cap, sizeof *out->experiments);
		if (!out->experiments || sq_read_experiment(a, st, &out->experiments[out->n]) != 0) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory searching experiments");
			goto out;
		}
		out->n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "searching experiments", err);
		goto out;
	}
	ret = sq_fill_experiment_tags(c, a, out->experiments, out->n, err);
	if (ret != 0)
		goto out;
	if (more) {
		out->next_page_token = filter_page_token_encode(a, offset + (int64_t)out->n);
		if (!out->next_page_token)
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory encoding a page token");
	}
out:
	sqlite3_finalize(st);
	if (in_txn)
		sq_read_end(c);
	sq_q_release(&sq);
	if (ret != 0)
		memset(out, 0, sizeof *out);
	return ret;
}
