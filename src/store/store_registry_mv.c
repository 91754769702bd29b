/*
 * SQLite model registry, part 2 (spec §5): model versions (create with source checks, get,
 * update, soft delete, search, stage transitions, download URI, tags) and the atomic,
 * compare-and-swap promotion.
 */
#include "store/registry_internal.h"

#include <inttypes.h>
#include <string.h>

static int step_done(struct sq_conn *c, sqlite3_stmt *st, const char *what, struct cairn_error *err)
{
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sq_error(c, rc, what, err);
	sqlite3_finalize(st);
	return ret;
}

/* Validate name + version and look both up inside an open transaction. */
static int lookup_name_version(struct sq_conn *c, const char *name, int64_t v, int64_t *mid,
			       int *stage, struct cairn_error *err)
{
	int ret = rg_model_lookup(c, name, mid, err);
	if (ret == CAIRN_ENOENT)  /* MLflow names the version when either is missing */
		return cairn_error_set(err, CAIRN_ENOENT, "Model Version (name=%s, version=%" PRId64
				       ") not found", name, v);
	if (ret == 0)
		ret = rg_version_lookup(c, *mid, name, v, stage, err);
	return ret;
}

static int check_name_version(const char *name, const char *version, int64_t *v,
			      struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0)
		ret = store_parse_model_version(version, v, err);
	return ret;
}

/* ------------------------------------------------------------------ source checks */

/* "scheme:" of a URI; a single letter is a Windows drive, not a scheme. */
static size_t scheme_len(const char *s)
{
	size_t i = 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while (s[i] && s[i] != ':') {
		char ch = s[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			 ch == '+' || ch == '.' || ch == '-';
		if (!ok)
			return 0;
		i++;
	}
	return s[i] == ':' && i > 1 ? i : 0;
}

static int has_dotdot_segment(const char *p, size_t n)
{
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && p[j] != '/' && p[j] != '\\')
			j++;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.')
			return 1;
		i = j + 1;
	}
	return 0;
}

/* Percent-decode until stable (an attacker may encode "..%2F" several times), refusing a
 * ".." segment or a NUL at any round. */
static int check_remote_source(struct arena *a, const char *src, struct cairn_error *err)
{
	const char *cur = src;
	size_t len = strlen(src);
	for (int round = 0; round < 16; round++) {
		if (memchr(cur, '\0', len) || has_dotdot_segment(cur, len))
			return cairn_error_set(err, CAIRN_EINVAL, "Invalid model version source: '%.300s'. "
					       "If supplying a source as an http, https, local file path, "
					       "ftp, objectstore, or mlflow-artifacts uri, an absolute path "
					       "must be provided without relative path references present.",
					       src);
		size_t n;
		char *dec = url_decode(a, cur, len, 0, &n);
		if (!dec || (n == len && memcmp(dec, cur, n) == 0))
			return 0;
		cur = dec;
		len = n;
	}
	return 0;
}

static const char *strip_file_scheme(const char *s)
{
	if (strncmp(s, "file://", 7) == 0)
		return s + 7;
	if (strncmp(s, "file:", 5) == 0)
		return s + 5;
	return s;
}

/* A local source is accepted only inside the given run's local artifact directory. */
static int check_local_source(struct sq_conn *c, const char *src, const char *run_id,
			      struct cairn_error *err)
{
	const char *path = strip_file_scheme(src);
	int ok = 0;
	if (run_id && *run_id && !has_dotdot_segment(path, strlen(path))) {
		sqlite3_stmt *st;
		int ret = rg_prepare(c, "SELECT artifact_uri FROM runs WHERE run_uuid = ?1", &st, err);
		if (ret != 0)
			return ret;
		sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *uri = (const char *)sqlite3_column_text(st, 0);
			if (uri && (uri[0] == '/' || strncmp(uri, "file:", 5) == 0)) {
				const char *root = strip_file_scheme(uri);
				size_t rl = strlen(root);
				while (rl > 1 && root[rl - 1] == '/')
					rl--;
				ok = rl > 0 && strncmp(path, root, rl) == 0 &&
				     (path[rl] == '\0' || path[rl] == '/');
			}
		}
		sqlite3_finalize(st);
	}
	if (!ok)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid model version source: '%.300s'. To "
				       "use a local path as a model version source, the run_id request "
				       "parameter has to be specified and the local path has to be "
				       "contained within the artifact directory of the run specified by "
				       "the run_id.", src);
	return 0;
}

/* models:/NAME/VERSION or models:/NAME@ALIAS → that version's source. */
static int resolve_models_source(struct sq_conn *c, struct arena *a, const char *src,
				 const char **out, struct cairn_error *err)
{
	const char *body = src + strlen("models:");
	while (*body == '/')
		body++;
	const char *at = strrchr(body, '@');
	const char *slash = strrchr(body, '/');
	const char *name, *ref;
	int by_alias = 0;
	if (at && (!slash || at > slash)) {
		name = arena_strndup(a, body, (size_t)(at - body));
		ref = at + 1;
		by_alias = 1;
	} else if (slash) {
		name = arena_strndup(a, body, (size_t)(slash - body));
		ref = slash + 1;
	} else {
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid model URI '%.300s' as a source: "
				       "expected models:/NAME/VERSION or models:/NAME@ALIAS", src);
	}
	if (!name)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory resolving a source");
	int64_t mid, v = 0;
	int ret = rg_model_lookup(c, name, &mid, err);
	if (ret != 0)
		return ret;
	sqlite3_stmt *st;
	if (by_alias) {
		ret = rg_prepare(c, "SELECT version FROM registered_model_aliases WHERE model_id = ?1 "
				 "AND alias = ?2", &st, err);
		if (ret != 0)
			return ret;
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (v == 0)
			return cairn_error_set(err, CAIRN_EINVAL, "Registered model alias %s not found.", ref);
	} else if (store_parse_model_version(ref, &v, err) != 0) {
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid model URI '%.300s' as a source: "
				       "the version must be an integer", src);
	}
	ret = rg_prepare(c, "SELECT source FROM model_versions WHERE model_id = ?1 AND version = ?2 "
			 "AND deleted = 0", &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, v);
	if (sqlite3_step(st) == SQLITE_ROW)
		ret = sq_col_str(a, st, 0, 0, out) ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory") : 0;
	else
		ret = cairn_error_set(err, CAIRN_ENOENT, "Model Version (name=%s, version=%" PRId64
				      ") not found", name, v);
	sqlite3_finalize(st);
	return ret;
}

/* ------------------------------------------------------------------ versions */

static int upsert_version_tag(struct sq_conn *c, int64_t mid, int64_t v, const char *key,
			      const char *value, struct cairn_error *err)
{
	sqlite3_stmt *st;
	int ret = rg_prepare(c, "INSERT INTO model_version_tags(model_id, version, key, value) VALUES "
			     "(?1, ?2, ?3, ?4) ON CONFLICT(model_id, version, key) DO UPDATE SET "
			     "value = excluded.value", &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, v);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, value ? value : "", -1, SQLITE_STATIC);
	return step_done(c, st, "writing a model version tag", err);
}

int store_create_model_version(struct store *s, const struct store_model_version_create *req,
			       struct arena *a, struct store_model_version *out,
			       struct cairn_error *err)
{
	int ret = rg_validate_model_name(req->name, "name", err);
	if (ret == 0 && (!req->source || !*req->source))
		ret = cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'source'. "
				      "See the API docs for more information about request parameters.");
	if (ret == 0 && utf8_length(req->source, strlen(req->source)) > STORE_MAX_SOURCE_CHARS)
		ret = cairn_error_set(err, CAIRN_EINVAL, "source had length %zu, which exceeded length "
				      "limit of %d", utf8_length(req->source, strlen(req->source)),
				      STORE_MAX_SOURCE_CHARS);
	if (ret == 0)
		ret = rg_validate_description(req->description, err);
	for (size_t i = 0; ret == 0 && i < req->ntags; i++)
		ret = rg_validate_tag(req->tags[i].key, req->tags[i].value, err);
	if (ret != 0)
		return ret;
	const char *source = req->source;
	int is_models = strncmp(source, "models:", 7) == 0;
	size_t sl = scheme_len(source);
	int local = !is_models && (sl == 0 || (sl == 4 && strncmp(source, "file", 4) == 0));
	if (!is_models && !local) {
		ret = check_remote_source(a, source, err);
		if (ret != 0)
			return ret;
	}
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid, v = 0, now = time_now_ms();
	sqlite3_stmt *st = NULL;
	ret = rg_model_lookup(c, req->name, &mid, err);
	if (ret == 0 && local)
		ret = check_local_source(c, source, req->run_id, err);
	if (ret == 0 && is_models)
		ret = resolve_models_source(c, a, req->source, &source, err);
	if (ret != 0)
		goto out;
	/* Deleted versions keep their rows, so MAX covers every number ever handed out. */
	ret = rg_prepare(c, "SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE "
			 "model_id = ?1", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		ret = sq_error(c, rc, "numbering a model version", err);
	sqlite3_finalize(st);
	if (ret != 0)
		goto out;
	ret = rg_prepare(c, "INSERT INTO model_versions(model_id, version, creation_timestamp, "
			 "last_updated_timestamp, current_stage, description, source, run_id, run_link,"
			 " status) VALUES (?1, ?2, ?3, ?3, 'None', ?4, ?5, ?6, ?7, 'READY')", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, v);
	sqlite3_bind_int64(st, 3, now);
	if (req->description && *req->description)
		sqlite3_bind_text(st, 4, req->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, source, -1, SQLITE_STATIC);
	if (req->run_id && *req->run_id)
		sqlite3_bind_text(st, 6, req->run_id, -1, SQLITE_STATIC);
	if (req->run_link && *req->run_link)
		sqlite3_bind_text(st, 7, req->run_link, -1, SQLITE_STATIC);
	ret = step_done(c, st, "creating a model version", err);
	for (size_t i = 0; ret == 0 && i < req->ntags; i++)
		ret = upsert_version_tag(c, mid, v, req->tags[i].key, req->tags[i].value, err);
	if (ret == 0)
		ret = rg_touch_model(c, mid, now, err);
	if (ret == 0 && out)
		ret = rg_load_version(c, a, mid, v, out, err);
out:
	return sq_write_end(c, ret, err);
}

int store_get_model_version(struct store *s, const char *name, const char *version,
			    struct arena *a, struct store_model_version *out, struct cairn_error *err)
{
	int64_t v, mid;
	int ret = check_name_version(name, version, &v, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_read_open(s, err, &ret);
	if (!c)
		return ret;
	ret = lookup_name_version(c, name, v, &mid, NULL, err);
	if (ret == 0)
		ret = rg_load_version(c, a, mid, v, out, err);
	sq_read_end(c);
	return ret;
}

int store_update_model_version(struct store *s, const char *name, const char *version,
			       const char *description, struct arena *a,
			       struct store_model_version *out, struct cairn_error *err)
{
	int64_t v, mid;
	int ret = check_name_version(name, version, &v, err);
	if (ret == 0)
		ret = rg_validate_description(description, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	sqlite3_stmt *st;
	ret = lookup_name_version(c, name, v, &mid, NULL, err);
	if (ret == 0)
		ret = rg_prepare(c, "UPDATE model_versions SET description = ?3, last_updated_timestamp"
				 " = ?4 WHERE model_id = ?1 AND version = ?2", &st, err);
	if (ret == 0) {
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_int64(st, 2, v);
		if (description && *description)
			sqlite3_bind_text(st, 3, description, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, time_now_ms());
		ret = step_done(c, st, "updating a model version", err);
	}
	if (ret == 0 && out)
		ret = rg_load_version(c, a, mid, v, out, err);
	return sq_write_end(c, ret, err);
}

int store_delete_model_version(struct store *s, const char *name, const char *version,
			       const struct store_actor *who, struct cairn_error *err)
{
	int64_t v, mid, now = time_now_ms();
	int ret = check_name_version(name, version, &v, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	sqlite3_stmt *st = NULL;
	ret = lookup_name_version(c, name, v, &mid, NULL, err);
	if (ret != 0)
		goto out;
	/* Each alias leaving the version is a recorded change. */
	ret = rg_prepare(c, "SELECT alias FROM registered_model_aliases WHERE model_id = ?1 AND "
			 "version = ?2 ORDER BY alias", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, v);
	struct arena tmp;
	arena_init(&tmp, 0);
	const char **aliases = NULL;
	size_t na = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		aliases = sq_grow(&tmp, aliases, na, &cap, sizeof *aliases);
		if (!aliases || sq_col_str(&tmp, st, 0, 0, &aliases[na])) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory deleting a model version");
			break;
		}
		na++;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sq_error(c, rc, "reading aliases", err);
	sqlite3_finalize(st);
	st = NULL;
	struct store_actor deleted_by = { who ? who->user : NULL,
					  who && who->reason ? who->reason : "version deleted" };
	for (size_t i = 0; ret == 0 && i < na; i++)
		ret = rg_alias_move(c, mid, aliases[i], 0, now, &deleted_by, NULL, err);
	arena_release(&tmp);
	if (ret != 0)
		goto out;
	ret = rg_prepare(c, "UPDATE model_versions SET deleted = 1, last_updated_timestamp = ?3 "
			 "WHERE model_id = ?1 AND version = ?2", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, v);
	sqlite3_bind_int64(st, 3, now);
	ret = step_done(c, st, "deleting a model version", err);
	if (ret == 0)
		ret = rg_touch_model(c, mid, now, err);
out:
	return sq_write_end(c, ret, err);
}

int store_transition_model_version_stage(struct store *s, const char *name, const char *version,
					 const char *stage, int archive_existing,
					 const struct store_actor *who, struct arena *a,
					 struct store_model_version *out, struct cairn_error *err)
{
	int64_t v, mid, now = time_now_ms();
	int ret = check_name_version(name, version, &v, err);
	if (ret != 0)
		return ret;
	if (!stage || !*stage)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'stage'. "
				       "See the API docs for more information about request parameters.");
	int to = store_stage_parse(stage);
	if (to < 0)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid Model Version stage: %.100s. Value "
				       "must be one of None, Staging, Production, Archived.", stage);
	if (archive_existing && to != STORE_STAGE_STAGING && to != STORE_STAGE_PRODUCTION)
		return cairn_error_set(err, CAIRN_EINVAL, "Model version transition cannot archive "
				       "existing model versions because '%s' is not an Active stage. "
				       "Valid stages are Staging, Production.", store_stage_name(to));
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int from = 0;
	ret = lookup_name_version(c, name, v, &mid, &from, err);
	if (ret == 0)
		ret = rg_stage_set(c, mid, v, from, to, now, who, err);
	if (ret == 0 && archive_existing)
		ret = rg_archive_others(c, mid, v, to, now, who, err);
	if (ret == 0)
		ret = rg_touch_model(c, mid, now, err);
	if (ret == 0 && out)
		ret = rg_load_version(c, a, mid, v, out, err);
	return sq_write_end(c, ret, err);
}

int store_get_model_version_download_uri(struct store *s, const char *name, const char *version,
					 struct arena *a, const char **out, struct cairn_error *err)
{
	struct store_model_version mv;
	*out = NULL;
	int ret = store_get_model_version(s, name, version, a, &mv, err);
	if (ret == 0)
		*out = mv.source;
	return ret;
}

int store_set_model_version_tag(struct store *s, const char *name, const char *version,
				const char *key, const char *value, struct cairn_error *err)
{
	int64_t v, mid;
	int ret = check_name_version(name, version, &v, err);
	if (ret == 0)
		ret = rg_validate_tag(key, value, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	ret = lookup_name_version(c, name, v, &mid, NULL, err);
	if (ret == 0)
		ret = upsert_version_tag(c, mid, v, key, value, err);
	return sq_write_end(c, ret, err);
}

int store_delete_model_version_tag(struct store *s, const char *name, const char *version,
				   const char *key, struct cairn_error *err)
{
	int64_t v, mid;
	int ret = check_name_version(name, version, &v, err);
	if (ret == 0 && (!key || !*key))
		ret = cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'key'. "
				      "See the API docs for more information about request parameters.");
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	sqlite3_stmt *st;
	ret = lookup_name_version(c, name, v, &mid, NULL, err);
	if (ret == 0)
		ret = rg_prepare(c, "DELETE FROM model_version_tags WHERE model_id = ?1 AND version = ?2 "
				 "AND key = ?3", &st, err);
	if (ret == 0) {
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_int64(st, 2, v);
		sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
		ret = step_done(c, st, "deleting a model version tag", err);
	}
	return sq_write_end(c, ret, err);
}

/* ------------------------------------------------------------------ search */

static const char *mv_attr_expr(const char *key)
{
	if (strcmp(key, "name") == 0)
		return "rm.name";
	if (strcmp(key, "run_id") == 0)
		return "mv.run_id";
	if (strcmp(key, "source_path") == 0)
		return "mv.source";
	if (strcmp(key, "version_number") == 0)
		return "mv.version";
	if (strcmp(key, "creation_timestamp") == 0)
		return "mv.creation_timestamp";
	if (strcmp(key, "last_updated_timestamp") == 0)
		return "mv.last_updated_timestamp";
	return NULL;
}

int store_search_model_versions(struct store *s, const struct store_registry_query *q,
				struct arena *a, struct store_model_version_page *out,
				struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	struct sq_search sp;
	int ret = sq_search_parse(FILTER_MODEL_VERSIONS, q->max_results,
				  STORE_MODEL_VERSIONS_DEFAULT_MAX_RESULTS, STORE_MODEL_VERSIONS_MAX_RESULTS,
				  q->page_token, q->filter, q->order_by, q->norder_by, a, &sp, err);
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
	sq_q_sql(&sq, "SELECT " RG_MV_COLS RG_MV_FROM " WHERE mv.deleted = 0");
	for (size_t i = 0; i < f.n; i++) {
		const struct filter_cmp *cmp = &f.cmps[i];
		sq_q_sql(&sq, " AND ");
		if (cmp->kind == FILTER_KIND_TAG) {
			sq_q_sql(&sq, "EXISTS (SELECT 1 FROM model_version_tags t WHERE t.model_id = "
				 "mv.model_id AND t.version = mv.version AND t.key = ");
			sq_q_text(&sq, cmp->key);
			sq_q_sql(&sq, " AND ");
			sq_q_cmp(&sq, "t.value", cmp);
			sq_q_sql(&sq, ")");
			continue;
		}
		const char *expr = cmp->kind == FILTER_KIND_ATTR ? mv_attr_expr(cmp->key) : NULL;
		if (!expr) {
			ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid attribute key '%s' in model "
					      "version filter", cmp->key);
			goto out;
		}
		sq_q_cmp(&sq, expr, cmp);
	}
	sq_q_sql(&sq, " ORDER BY ");
	int has_name = 0, has_version = 0;
	if (nord == 0) {
		sq_q_sql(&sq, "mv.last_updated_timestamp DESC");
	}
	for (size_t i = 0; i < nord; i++) {
		const char *expr = ord[i].kind == FILTER_KIND_ATTR ? mv_attr_expr(ord[i].key) : NULL;
		if (!expr || strcmp(ord[i].key, "run_id") == 0 || strcmp(ord[i].key, "source_path") == 0) {
			ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid order_by key '%s'", ord[i].key);
			goto out;
		}
		if (strcmp(ord[i].key, "name") == 0)
			has_name = 1;
		if (strcmp(ord[i].key, "version_number") == 0)
			has_version = 1;
		if (i)
			sq_q_sql(&sq, ", ");
		sq_q_sql(&sq, expr);
		sq_q_sql(&sq, ord[i].desc ? " DESC" : " ASC");
	}
	if (!has_name)
		sq_q_sql(&sq, ", rm.name ASC");
	if (!has_version)
		sq_q_sql(&sq, ", mv.version DESC");
	sq_q_sql(&sq, " LIMIT ");
	sq_q_int(&sq, max + 1);
	sq_q_sql(&sq, " OFFSET ");
	sq_q_int(&sq, offset);

	c = rg_read_open(s, err, &ret);
	if (!c)
		goto out;
	ret = sq_q_prepare(c, &sq, &st, err);
	if (ret != 0)
		goto out;
	size_t cap = 0, cap2 = 0;
	int64_t *mids = NULL;
	int rc, more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((int64_t)out->n == max) {
			more = 1;
			break;
		}
		out->versions = sq_grow(a, out->versions, out->n, &cap, sizeof *out->versions);
		mids = sq_grow(a, mids, out->n, &cap2, sizeof *mids);
		if (!out->versions || !mids ||
		    rg_read_version(a, st, &out->versions[out->n], &mids[out->n]) != 0) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory searching model versions");
			goto out;
		}
		out->n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "searching model versions", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	ret = rg_fill_versions(c, a, out->versions, mids, out->n, err);
	if (ret == 0 && more) {
		out->next_page_token = filter_page_token_encode(a, offset + (int64_t)out->n);
		if (!out->next_page_token)
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory encoding a page token");
	}
out:
	sqlite3_finalize(st);
	if (c)
		sq_read_end(c);
	sq_q_release(&sq);
	if (ret != 0)
		memset(out, 0, sizeof *out);
	return ret;
}

/* ------------------------------------------------------------------ promotion */

int store_promote_model_version(struct store *s, const struct store_promotion *p,
				struct arena *a, const char **previous_holder,
				struct cairn_error *err)
{
	int64_t v, expected = 0, now = time_now_ms();
	if (previous_holder)
		*previous_holder = NULL;
	int ret = check_name_version(p->name, p->version, &v, err);
	if (ret == 0)
		ret = store_validate_alias(p->alias, err);
	if (ret == 0 && p->expected_holder && *p->expected_holder &&
	    store_parse_model_version(p->expected_holder, &expected, err) != 0)
		ret = cairn_error_set(err, CAIRN_EINVAL, "expected alias holder '%.100s' is not a "
				      "version number", p->expected_holder);
	int to = -1;
	if (ret == 0 && p->stage) {
		to = store_stage_parse(p->stage);
		if (to < 0)
			ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid Model Version stage: %.100s. "
					      "Value must be one of None, Staging, Production, "
					      "Archived.", p->stage);
	}
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid, cur = 0;
	int from = 0;
	sqlite3_stmt *st;
	ret = lookup_name_version(c, p->name, v, &mid, &from, err);
	if (ret != 0)
		goto out;
	ret = rg_prepare(c, "SELECT version FROM registered_model_aliases WHERE model_id = ?1 AND "
			 "alias = ?2", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, p->alias, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		cur = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = sq_error(c, rc, "reading an alias", err);
	sqlite3_finalize(st);
	if (ret != 0)
		goto out;
	/* The compare-and-swap: the gates were judged against `expected`. */
	if (cur != expected) {
		char now_s[24] = "none", exp_s[24] = "none";
		if (cur)
			snprintf(now_s, sizeof now_s, "version %" PRId64, cur);
		if (expected)
			snprintf(exp_s, sizeof exp_s, "version %" PRId64, expected);
		ret = cairn_error_set(err, CAIRN_ESTATE, "alias '%s' of model '%s' is held by %s, not %s "
				      "as when the gates were checked (a concurrent promotion won); "
				      "nothing was changed", p->alias, p->name, now_s, exp_s);
		goto out;
	}
	if (cur != v)
		ret = rg_alias_move(c, mid, p->alias, v, now, &p->who, NULL, err);
	if (ret == 0 && to >= 0)
		ret = rg_stage_set(c, mid, v, from, to, now, &p->who, err);
	if (ret == 0 && p->archive_previous && cur > 0 && cur != v) {
		int cur_stage = 0;
		ret = rg_version_lookup(c, mid, p->name, cur, &cur_stage, err);
		if (ret == CAIRN_ENOENT) {
			ret = 0;  /* the old holder was deleted since; nothing to archive */
		} else if (ret == 0 && cur_stage != STORE_STAGE_ARCHIVED) {
			ret = rg_stage_set(c, mid, cur, cur_stage, STORE_STAGE_ARCHIVED, now, &p->who, err);
		}
	}
	if (ret == 0 && p->archive_previous &&
	    (to == STORE_STAGE_STAGING || to == STORE_STAGE_PRODUCTION))
		ret = rg_archive_others(c, mid, v, to, now, &p->who, err);
	if (ret == 0)
		ret = rg_touch_model(c, mid, now, err);
	if (ret == 0 && previous_holder) {
		*previous_holder = cur ? rg_version_str(a, cur) : "";
		if (!*previous_holder)
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	}
out:
	return sq_write_end(c, ret, err);
}
