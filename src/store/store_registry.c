/*
 * SQLite model registry, part 1 (spec §2.4, §5): the schema, shared helpers, registered
 * models (CRUD, search, latest versions, tags, aliases) and the history.
 * Model versions and promotion are in store_registry_mv.c.
 */
#include "store/registry_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ enums and validation */

static const char *const stage_names[] = { "None", "Staging", "Production", "Archived" };

const char *store_stage_name(int stage)
{
	if (stage < STORE_STAGE_NONE || stage > STORE_STAGE_ARCHIVED)
		return NULL;
	return stage_names[stage];
}

int store_stage_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = STORE_STAGE_NONE; i <= STORE_STAGE_ARCHIVED; i++)
		if (str_casecmp_ascii(s, stage_names[i]) == 0)
			return i;
	return -1;
}

int store_parse_model_version(const char *version, int64_t *out, struct cairn_error *err)
{
	int64_t v = 0;
	if (!version || !*version)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter "
				       "'version'. See the API docs for more information about "
				       "request parameters.");
	if (str_to_int64(version, &v) != 0 || v < 1)
		return cairn_error_set(err, CAIRN_EINVAL, "Model version must be an integer >= 1, "
				       "got '%.100s'", version);
	*out = v;
	return 0;
}

int store_validate_alias(const char *alias, struct cairn_error *err)
{
	if (!alias || !*alias)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'alias'. "
				       "See the API docs for more information about request parameters.");
	size_t n = strlen(alias);
	if (!utf8_valid(alias, n))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid alias name: not valid UTF-8");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)alias[i];
		int ok = ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
		if (!ok)
			return cairn_error_set(err, CAIRN_EINVAL, "Invalid alias name: '%.300s'. Names "
					       "may only contain alphanumerics, underscores (_) and "
					       "dashes (-).", alias);
	}
	size_t chars = utf8_length(alias, n);
	if (chars > STORE_MAX_ALIAS_CHARS)
		return cairn_error_set(err, CAIRN_EINVAL, "Alias name '%.255s' had length %zu, which "
				       "exceeded length limit of %d", alias, chars, STORE_MAX_ALIAS_CHARS);
	if (str_casecmp_ascii(alias, "latest") == 0)
		return cairn_error_set(err, CAIRN_EINVAL, "'%s' alias name (case insensitive) is "
				       "reserved.", alias);
	if ((alias[0] == 'v' || alias[0] == 'V') && n > 1) {
		size_t i = 1;
		while (i < n && alias[i] >= '0' && alias[i] <= '9')
			i++;
		if (i == n)
			return cairn_error_set(err, CAIRN_EINVAL, "Version alias name '%s' is reserved: "
					       "an alias must not look like a version (v<number>).", alias);
	}
	return 0;
}

int rg_validate_model_name(const char *name, const char *field, struct cairn_error *err)
{
	if (!name || !*name)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter '%s'. "
				       "See the API docs for more information about request parameters.",
				       field);
	size_t n = strlen(name);
	if (!utf8_valid(name, n))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value for parameter '%s': not valid "
				       "UTF-8", field);
	size_t chars = utf8_length(name, n);
	if (chars > STORE_MAX_MODEL_NAME_CHARS)
		return cairn_error_set(err, CAIRN_EINVAL, "Registered model name '%.256s...' had length "
				       "%zu, which exceeded length limit of %d", name, chars,
				       STORE_MAX_MODEL_NAME_CHARS);
	return 0;
}

int rg_validate_tag(const char *key, const char *value, struct cairn_error *err)
{
	int rc = store_validate_key("tag", key, err);
	if (rc != 0)
		return rc;
	if (value) {
		size_t n = strlen(value);
		if (!utf8_valid(value, n))
			return cairn_error_set(err, CAIRN_EINVAL, "Tag value for key '%s' is not valid "
					       "UTF-8", key);
		size_t chars = utf8_length(value, n);
		if (chars > STORE_MAX_REGISTRY_TAG_VALUE_CHARS)
			return cairn_error_set(err, CAIRN_EINVAL, "Tag value '%.250s' had length %zu, "
					       "which exceeded length limit of %d", value, chars,
					       STORE_MAX_REGISTRY_TAG_VALUE_CHARS);
	}
	return 0;
}

int rg_validate_description(const char *d, struct cairn_error *err)
{
	if (!d)
		return 0;
	size_t n = strlen(d);
	if (!utf8_valid(d, n))
		return cairn_error_set(err, CAIRN_EINVAL, "description is not valid UTF-8");
	size_t chars = utf8_length(d, n);
	if (chars > STORE_MAX_DESCRIPTION_CHARS)
		return cairn_error_set(err, CAIRN_EINVAL, "description had length %zu, which exceeded "
				       "length limit of %d", chars, STORE_MAX_DESCRIPTION_CHARS);
	return 0;
}

/* ------------------------------------------------------------------ helpers */

int rg_prepare(struct sq_conn *c, const char *sql, sqlite3_stmt **st, struct cairn_error *err)
{
	*st = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return sq_error(c, rc, "preparing a registry statement", err);
	}
	return 0;
}

const char *rg_version_str(struct arena *a, int64_t v)
{
	/* Every version of a page goes through here; arena_printf's vfprintf showed up. */
	char d[24];
	size_t i = sizeof d;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--i] = '-';
	return arena_strndup(a, d + i, sizeof d - i);
}

/* Step a prepared one-shot statement that returns no rows, then finalize it. */
static int step_done(struct sq_conn *c, sqlite3_stmt *st, const char *what, struct cairn_error *err)
{
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sq_error(c, rc, what, err);
	sqlite3_finalize(st);
	return ret;
}

int rg_model_lookup(struct sq_conn *c, const char *name, int64_t *model_id, struct cairn_error *err)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_RG_MODEL_LOOKUP, err);
	if (!st)
		return RG_ERR(err);
	int ret = 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*model_id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		ret = cairn_error_set(err, CAIRN_ENOENT, "Registered Model with name=%s not found", name);
	else
		ret = sq_error(c, rc, "looking up a registered model", err);
	sq_done(st);
	return ret;
}

int rg_version_lookup(struct sq_conn *c, int64_t model_id, const char *name, int64_t version,
		      int *stage, struct cairn_error *err)
{
	sqlite3_stmt *st;
	int ret = rg_prepare(c, "SELECT current_stage FROM model_versions WHERE model_id = ?1 AND "
			     "version = ?2 AND deleted = 0", &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_int64(st, 2, version);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (stage) {
			int s = store_stage_parse((const char *)sqlite3_column_text(st, 0));
			*stage = s < 0 ? STORE_STAGE_NONE : s;
		}
	} else if (rc == SQLITE_DONE) {
		ret = cairn_error_set(err, CAIRN_ENOENT, "Model Version (name=%s, version=%" PRId64
				      ") not found", name, version);
	} else {
		ret = sq_error(c, rc, "looking up a model version", err);
	}
	sqlite3_finalize(st);
	return ret;
}

int rg_touch_model(struct sq_conn *c, int64_t model_id, int64_t now, struct cairn_error *err)
{
	sqlite3_stmt *st;
	int ret = rg_prepare(c, "UPDATE registered_models SET last_updated_timestamp = ?2 "
			     "WHERE model_id = ?1", &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_int64(st, 2, now);
	return step_done(c, st, "updating a registered model", err);
}

int rg_history_append(struct sq_conn *c, int64_t model_id, int64_t version, const char *kind,
		      const char *alias, const char *from, const char *to, int64_t now,
		      const struct store_actor *who, struct cairn_error *err)
{
	sqlite3_stmt *st;
	int ret = rg_prepare(c, "INSERT INTO registry_history(model_id, name, version, kind, alias,"
			     " from_value, to_value, timestamp, user_id, reason)"
			     " SELECT ?1, name, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM registered_models"
			     " WHERE model_id = ?1", &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	if (alias)
		sqlite3_bind_text(st, 4, alias, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, from ? from : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, to ? to : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_text(st, 8, who && who->user ? who->user : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, who && who->reason ? who->reason : "", -1, SQLITE_STATIC);
	return step_done(c, st, "recording registry history", err);
}

int rg_alias_move(struct sq_conn *c, int64_t model_id, const char *alias, int64_t version,
		  int64_t now, const struct store_actor *who, int64_t *previous,
		  struct cairn_error *err)
{
	sqlite3_stmt *st;
	int64_t prev = 0;
	int ret = rg_prepare(c, "SELECT version FROM registered_model_aliases WHERE model_id = ?1 "
			     "AND alias = ?2", &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		prev = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = sq_error(c, rc, "reading an alias", err);
	sqlite3_finalize(st);
	if (ret != 0)
		return ret;
	if (previous)
		*previous = prev;
	if (prev == version)
		return 0;
	if (version > 0) {
		ret = rg_prepare(c, "INSERT INTO registered_model_aliases(model_id, alias, version) "
				 "VALUES (?1, ?2, ?3) ON CONFLICT(model_id, alias) DO UPDATE SET "
				 "version = excluded.version", &st, err);
		if (ret != 0)
			return ret;
		sqlite3_bind_int64(st, 3, version);
	} else {
		ret = rg_prepare(c, "DELETE FROM registered_model_aliases WHERE model_id = ?1 AND "
				 "alias = ?2", &st, err);
		if (ret != 0)
			return ret;
	}
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	ret = step_done(c, st, "writing an alias", err);
	if (ret != 0)
		return ret;
	char from[24] = "", to[24] = "";
	if (prev > 0)
		snprintf(from, sizeof from, "%" PRId64, prev);
	if (version > 0)
		snprintf(to, sizeof to, "%" PRId64, version);
	ret = rg_history_append(c, model_id, version > 0 ? version : prev, "alias", alias, from, to,
				now, who, err);
	if (ret == 0)
		ret = rg_touch_model(c, model_id, now, err);
	return ret;
}

int rg_stage_set(struct sq_conn *c, int64_t model_id, int64_t version, int from, int to,
		 int64_t now, const struct store_actor *who, struct cairn_error *err)
{
	sqlite3_stmt *st;
	int ret = rg_prepare(c, "UPDATE model_versions SET current_stage = ?3, "
			     "last_updated_timestamp = ?4 WHERE model_id = ?1 AND version = ?2", &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_text(st, 3, store_stage_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	ret = step_done(c, st, "changing a version's stage", err);
	if (ret == 0 && from != to)
		ret = rg_history_append(c, model_id, version, "stage", NULL, store_stage_name(from),
					store_stage_name(to), now, who, err);
	return ret;
}

int rg_archive_others(struct sq_conn *c, int64_t model_id, int64_t keep_version, int stage,
		      int64_t now, const struct store_actor *who, struct cairn_error *err)
{
	sqlite3_stmt *st;
	int ret = rg_prepare(c, "SELECT version FROM model_versions WHERE model_id = ?1 AND "
			     "current_stage = ?2 AND deleted = 0 AND version <> ?3 ORDER BY version",
			     &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, store_stage_name(stage), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, keep_version);
	/* Collect first: updating while the SELECT is open would be a self-modifying scan. */
	int64_t small[64];
	int64_t *vs = small;
	size_t n = 0, cap = 64;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *nv = cairn_malloc(cap * 2 * sizeof *nv);
			if (!nv) {
				ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory archiving versions");
				break;
			}
			memcpy(nv, vs, n * sizeof *nv);
			if (vs != small)
				cairn_free(vs);
			vs = nv;
			cap *= 2;
		}
		vs[n++] = sqlite3_column_int64(st, 0);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sq_error(c, rc, "finding versions to archive", err);
	sqlite3_finalize(st);
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = rg_stage_set(c, model_id, vs[i], stage, STORE_STAGE_ARCHIVED, now, who, err);
	if (vs != small)
		cairn_free(vs);
	return ret;
}

/* ------------------------------------------------------------------ reading */

static int col_opt(struct arena *a, sqlite3_stmt *st, int col, const char **out)
{
	return sq_col_str(a, st, col, 1, out);
}

/* Stage and status columns hold a handful of values: point at constants instead of
 * copying them for each of a page's 20,000 versions. */
static int col_common(struct arena *a, sqlite3_stmt *st, int col, const char *const *known,
		      const char **out)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	for (size_t i = 0; t && known[i]; i++) {
		if (strcmp(t, known[i]) == 0) {
			*out = known[i];
			return 0;
		}
	}
	return sq_col_str(a, st, col, 0, out);
}

int rg_read_version(struct arena *a, sqlite3_stmt *st, struct store_model_version *out,
		    int64_t *model_id)
{
	static const char *const stages[] = { "None", "Staging", "Production", "Archived", NULL };
	static const char *const statuses[] = { "READY", "PENDING_REGISTRATION",
						"FAILED_REGISTRATION", NULL };
	memset(out, 0, sizeof *out);
	out->version_number = sqlite3_column_int64(st, 1);
	out->version = rg_version_str(a, out->version_number);
	if (!out->version)
		return CAIRN_ENOMEM;
	out->creation_timestamp = sqlite3_column_int64(st, 2);
	out->last_updated_timestamp = sqlite3_column_int64(st, 3);
	if (sq_col_str(a, st, 0, 0, &out->name) || col_opt(a, st, 4, &out->user_id) ||
	    col_common(a, st, 5, stages, &out->current_stage) ||
	    col_opt(a, st, 6, &out->description) ||
	    sq_col_str(a, st, 7, 0, &out->source) || col_opt(a, st, 8, &out->run_id) ||
	    col_opt(a, st, 9, &out->run_link) || col_common(a, st, 10, statuses, &out->status) ||
	    col_opt(a, st, 11, &out->status_message))
		return CAIRN_ENOMEM;
	if (model_id)
		*model_id = sqlite3_column_int64(st, 12);
	return 0;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

const char *rg_ids_json(struct arena *a, const int64_t *mids, size_t n)
{
	int64_t *ids = arena_alloc(a, (n ? n : 1) * sizeof *ids);
	if (!ids)
		return NULL;
	memcpy(ids, mids, n * sizeof *ids);
	/* Pages usually come in model order already; sort only when they do not. */
	int sorted = 1;
	for (size_t i = 1; sorted && i < n; i++)
		sorted = ids[i - 1] <= ids[i];
	if (!sorted)
		qsort(ids, n, sizeof *ids, cmp_i64);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	return sq_key_list_json(a, ids, u);
}

/* First index in rows sorted by (k1, k2) whose key is >= (a, b); k2 may be NULL. */
static size_t lower_bound(const int64_t *k1, const int64_t *k2, size_t n, int64_t a, int64_t b)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int less = k1[mid] < a || (k1[mid] == a && k2 && k2[mid] < b);
		if (less)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t upper_bound(const int64_t *k1, const int64_t *k2, size_t n, int64_t a, int64_t b)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int le = k1[mid] < a || (k1[mid] == a && (!k2 || k2[mid] <= b));
		if (le)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A cached batch statement with ?1 = ids and, when given, ?2 = stages. */
static sqlite3_stmt *batch_stmt(struct sq_conn *c, enum sq_stmt id, const char *ids,
				const char *stages, struct cairn_error *err)
{
	sqlite3_stmt *st = sq_stmt(c, id, err);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, ids, -1, SQLITE_STATIC);
	if (stages)
		sqlite3_bind_text(st, 2, stages, -1, SQLITE_STATIC);
	return st;
}

/* Tags and aliases of versions v[0..n) (model ids in mids) from the statements tag_id
 * (model_id, version, key, value) and alias_id (model_id, version, alias), both ordered by
 * model id and version. */
static int fill_versions_from(struct sq_conn *c, struct arena *a, struct store_model_version *v,
			      const int64_t *mids, size_t n, enum sq_stmt tag_id,
			      enum sq_stmt alias_id, const char *ids, const char *stages,
			      struct cairn_error *err)
{
	int ret = 0, rc;
	int64_t *k1 = NULL, *k2 = NULL;
	struct store_tag *tags = NULL;
	size_t nt = 0, c1 = 0, c2 = 0, c3 = 0;
	sqlite3_stmt *st = batch_stmt(c, tag_id, ids, stages, err);
	if (!st)
		return RG_ERR(err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k1 = sq_grow(a, k1, nt, &c1, sizeof *k1);
		k2 = sq_grow(a, k2, nt, &c2, sizeof *k2);
		tags = sq_grow(a, tags, nt, &c3, sizeof *tags);
		if (!k1 || !k2 || !tags || sq_col_str(a, st, 2, 0, &tags[nt].key) ||
		    sq_col_str(a, st, 3, 0, &tags[nt].value)) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading version tags");
			goto out;
		}
		k1[nt] = sqlite3_column_int64(st, 0);
		k2[nt] = sqlite3_column_int64(st, 1);
		nt++;
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading version tags", err);
		goto out;
	}
	sq_done(st);
	for (size_t i = 0; i < n; i++) {
		size_t lo = lower_bound(k1, k2, nt, mids[i], v[i].version_number);
		size_t hi = lo;
		while (hi < nt && k1[hi] == mids[i] && k2[hi] == v[i].version_number)
			hi++;
		v[i].tags = hi > lo ? &tags[lo] : NULL;
		v[i].ntags = hi - lo;
	}
	int64_t *a1 = NULL, *a2 = NULL;
	const char **names = NULL;
	size_t na = 0;
	c1 = c2 = c3 = 0;
	st = batch_stmt(c, alias_id, ids, stages, err);
	if (!st)
		return RG_ERR(err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a1 = sq_grow(a, a1, na, &c1, sizeof *a1);
		a2 = sq_grow(a, a2, na, &c2, sizeof *a2);
		names = sq_grow(a, names, na, &c3, sizeof *names);
		if (!a1 || !a2 || !names || sq_col_str(a, st, 2, 0, &names[na])) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading aliases");
			goto out;
		}
		a1[na] = sqlite3_column_int64(st, 0);
		a2[na] = sqlite3_column_int64(st, 1);
		na++;
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading aliases", err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t lo = na ? lower_bound(a1, a2, na, mids[i], v[i].version_number) : 0;
		size_t hi = lo;
		while (hi < na && a1[hi] == mids[i] && a2[hi] == v[i].version_number)
			hi++;
		v[i].aliases = hi > lo ? &names[lo] : NULL;
		v[i].naliases = hi - lo;
	}
out:
	sq_done(st);
	return ret;
}

int rg_fill_versions(struct sq_conn *c, struct arena *a, struct store_model_version *v,
		     const int64_t *mids, size_t n, struct cairn_error *err)
{
	if (n == 0)
		return 0;
	const char *ids = rg_ids_json(a, mids, n);
	if (!ids)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading model versions");
	return fill_versions_from(c, a, v, mids, n, SQ_RG_VERSION_TAGS, SQ_RG_VERSION_ALIASES, ids,
				  NULL, err);
}

int rg_load_version(struct sq_conn *c, struct arena *a, int64_t model_id, int64_t version,
		    struct store_model_version *out, struct cairn_error *err)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_RG_LOAD_VERSION, err);
	if (!st)
		return RG_ERR(err);
	int ret = 0;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_int64(st, 2, version);
	int rc = sqlite3_step(st);
	int64_t mid = model_id;
	if (rc == SQLITE_ROW) {
		if (rg_read_version(a, st, out, &mid) != 0)
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading a model version");
	} else if (rc == SQLITE_DONE) {
		ret = cairn_error_set(err, CAIRN_ENOENT, "Model Version (version=%" PRId64 ") not found",
				      version);
	} else {
		ret = sq_error(c, rc, "reading a model version", err);
	}
	sq_done(st);
	if (ret == 0)
		ret = rg_fill_versions(c, a, out, &mid, 1, err);
	return ret;
}

static int read_model_row(struct arena *a, sqlite3_stmt *st, struct store_registered_model *out,
			  int64_t *model_id)
{
	memset(out, 0, sizeof *out);
	*model_id = sqlite3_column_int64(st, 0);
	out->creation_timestamp = sqlite3_column_int64(st, 2);
	out->last_updated_timestamp = sqlite3_column_int64(st, 3);
	if (sq_col_str(a, st, 1, 0, &out->name) || col_opt(a, st, 4, &out->user_id) ||
	    col_opt(a, st, 5, &out->description))
		return CAIRN_ENOMEM;
	return 0;
}

/* The latest version per stage of the models in `ids` (a JSON list), optionally only the
 * stages in `stages_json`, with their tags and aliases: rows of registered_model_latest
 * (migration 4), ordered by model id, then stage order. */
static int read_latest(struct sq_conn *c, struct arena *a, const char *ids, const char *stages_json,
		       struct store_model_version **out, int64_t **out_mids, size_t *n,
		       struct cairn_error *err)
{
	*out = NULL;
	*out_mids = NULL;
	*n = 0;
	sqlite3_stmt *st = batch_stmt(c, SQ_RG_LATEST, ids, stages_json, err);
	if (!st)
		return RG_ERR(err);
	struct store_model_version *v = NULL;
	int64_t *mids = NULL;
	size_t nv = 0, c1 = 0, c2 = 0;
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sq_grow(a, v, nv, &c1, sizeof *v);
		mids = sq_grow(a, mids, nv, &c2, sizeof *mids);
		if (!v || !mids || rg_read_version(a, st, &v[nv], &mids[nv]) != 0) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading latest versions");
			break;
		}
		nv++;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sq_error(c, rc, "reading latest versions", err);
	sq_done(st);
	if (ret == 0 && nv > 0)
		ret = fill_versions_from(c, a, v, mids, nv, SQ_RG_LATEST_TAGS, SQ_RG_LATEST_ALIASES,
					 ids, stages_json, err);
	if (ret == 0) {
		*out = v;
		*out_mids = mids;
		*n = nv;
	}
	return ret;
}

/* Tags, aliases and latest versions of `n` models whose rows were read. */
static int fill_models(struct sq_conn *c, struct arena *a, struct store_registered_model *m,
		       const int64_t *mids, size_t n, struct cairn_error *err)
{
	if (n == 0)
		return 0;
	const char *ids = rg_ids_json(a, mids, n);
	if (!ids)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading registered models");
	int rc, ret = 0;
	int64_t *k = NULL;
	struct store_tag *tags = NULL;
	size_t nt = 0, c1 = 0, c2 = 0;
	sqlite3_stmt *st = batch_stmt(c, SQ_RG_MODEL_TAGS, ids, NULL, err);
	if (!st)
		return RG_ERR(err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = sq_grow(a, k, nt, &c1, sizeof *k);
		tags = sq_grow(a, tags, nt, &c2, sizeof *tags);
		if (!k || !tags || sq_col_str(a, st, 1, 0, &tags[nt].key) ||
		    sq_col_str(a, st, 2, 0, &tags[nt].value)) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading model tags");
			goto out;
		}
		k[nt++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading model tags", err);
		goto out;
	}
	sq_done(st);
	for (size_t i = 0; i < n; i++) {
		size_t lo = lower_bound(k, NULL, nt, mids[i], 0);
		size_t hi = upper_bound(k, NULL, nt, mids[i], 0);
		m[i].tags = hi > lo ? &tags[lo] : NULL;
		m[i].ntags = hi - lo;
	}

	int64_t *ak = NULL;
	struct store_model_alias *al = NULL;
	size_t na = 0;
	c1 = c2 = 0;
	st = batch_stmt(c, SQ_RG_MODEL_ALIASES, ids, NULL, err);
	if (!st)
		return RG_ERR(err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ak = sq_grow(a, ak, na, &c1, sizeof *ak);
		al = sq_grow(a, al, na, &c2, sizeof *al);
		if (!ak || !al || sq_col_str(a, st, 1, 0, &al[na].alias) ||
		    !(al[na].version = rg_version_str(a, sqlite3_column_int64(st, 2)))) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading aliases");
			goto out;
		}
		ak[na++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading aliases", err);
		goto out;
	}
	sq_done(st);
	st = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t lo = lower_bound(ak, NULL, na, mids[i], 0);
		size_t hi = upper_bound(ak, NULL, na, mids[i], 0);
		m[i].aliases = hi > lo ? &al[lo] : NULL;
		m[i].naliases = hi - lo;
	}

	struct store_model_version *lv;
	int64_t *lm;
	size_t nl;
	ret = read_latest(c, a, ids, NULL, &lv, &lm, &nl, err);
	if (ret != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t lo = lower_bound(lm, NULL, nl, mids[i], 0);
		size_t hi = upper_bound(lm, NULL, nl, mids[i], 0);
		m[i].latest_versions = hi > lo ? &lv[lo] : NULL;
		m[i].nlatest = hi - lo;
	}
out:
	sq_done(st);
	return ret;
}

int rg_load_model(struct sq_conn *c, struct arena *a, int64_t model_id,
		  struct store_registered_model *out, struct cairn_error *err)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_RG_LOAD_MODEL, err);
	if (!st)
		return RG_ERR(err);
	int ret = 0;
	sqlite3_bind_int64(st, 1, model_id);
	int rc = sqlite3_step(st);
	int64_t mid = model_id;
	if (rc == SQLITE_ROW) {
		if (read_model_row(a, st, out, &mid) != 0)
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading a registered model");
	} else if (rc == SQLITE_DONE) {
		ret = cairn_error_set(err, CAIRN_ENOENT, "Registered Model not found");
	} else {
		ret = sq_error(c, rc, "reading a registered model", err);
	}
	sq_done(st);
	if (ret == 0)
		ret = fill_models(c, a, out, &mid, 1, err);
	return ret;
}

/* ------------------------------------------------------------------ transactions */

/* Open this thread's connection and a read snapshot (or a write transaction); NULL with
 * *ret set on failure. Shared with store_registry_mv.c through registry_internal.h. */
struct sq_conn *rg_read_open(struct store *s, struct cairn_error *err, int *ret)
{
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c) {
		*ret = RG_ERR(err);
		return NULL;
	}
	*ret = sq_read_begin(c, err);
	return *ret == 0 ? c : NULL;
}

struct sq_conn *rg_write_open(struct store *s, struct cairn_error *err, int *ret)
{
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c) {
		*ret = RG_ERR(err);
		return NULL;
	}
	*ret = sq_write_begin(c, err);
	return *ret == 0 ? c : NULL;
}

/* ------------------------------------------------------------------ registered models */

static int upsert_model_tag(struct sq_conn *c, int64_t model_id, const char *key, const char *value,
			    struct cairn_error *err)
{
	sqlite3_stmt *st;
	int ret = rg_prepare(c, "INSERT INTO registered_model_tags(model_id, key, value) VALUES "
			     "(?1, ?2, ?3) ON CONFLICT(model_id, key) DO UPDATE SET value = excluded.value",
			     &st, err);
	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value ? value : "", -1, SQLITE_STATIC);
	return step_done(c, st, "writing a registered model tag", err);
}

int store_create_registered_model(struct store *s, const char *name, const char *description,
				  const struct store_tag *tags, size_t ntags, struct arena *a,
				  struct store_registered_model *out, struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0)
		ret = rg_validate_description(description, err);
	for (size_t i = 0; ret == 0 && i < ntags; i++)
		ret = rg_validate_tag(tags[i].key, tags[i].value, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms();
	int64_t mid = 0;
	ret = rg_prepare(c, "INSERT INTO registered_models(name, creation_timestamp, "
			 "last_updated_timestamp, description) VALUES (?1, ?2, ?2, ?3)", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (description && *description)
		sqlite3_bind_text(st, 3, description, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		ret = cairn_error_set(err, CAIRN_EEXIST, "Registered Model (name=%s) already exists.", name);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "creating a registered model", err);
		goto out;
	}
	mid = sqlite3_last_insert_rowid(c->db);
	/* Duplicate keys collapse, last one wins: the upsert does exactly that. */
	for (size_t i = 0; ret == 0 && i < ntags; i++)
		ret = upsert_model_tag(c, mid, tags[i].key, tags[i].value, err);
	if (ret == 0 && out)
		ret = rg_load_model(c, a, mid, out, err);
out:
	return sq_write_end(c, ret, err);
}

int store_get_registered_model(struct store *s, const char *name, struct arena *a,
			       struct store_registered_model *out, struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_read_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret == 0)
		ret = rg_load_model(c, a, mid, out, err);
	sq_read_end(c);
	return ret;
}

int store_rename_registered_model(struct store *s, const char *name, const char *new_name,
				  struct arena *a, struct store_registered_model *out,
				  struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0)
		ret = rg_validate_model_name(new_name, "new_name", err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid, now = time_now_ms();
	sqlite3_stmt *st = NULL;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret != 0)
		goto out;
	if (strcmp(name, new_name) != 0) {
		ret = rg_prepare(c, "UPDATE registered_models SET name = ?2, last_updated_timestamp = ?3 "
				 "WHERE model_id = ?1", &st, err);
		if (ret != 0)
			goto out;
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_text(st, 2, new_name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if ((rc & 0xff) == SQLITE_CONSTRAINT) {
			ret = cairn_error_set(err, CAIRN_EEXIST, "Registered Model (name=%s) already exists.",
					      new_name);
			goto out;
		}
		if (rc != SQLITE_DONE) {
			ret = sq_error(c, rc, "renaming a registered model", err);
			goto out;
		}
		/* The versions move with the model id; MLflow bumps their timestamps. */
		ret = rg_prepare(c, "UPDATE model_versions SET last_updated_timestamp = ?2 "
				 "WHERE model_id = ?1", &st, err);
		if (ret != 0)
			goto out;
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_int64(st, 2, now);
		ret = step_done(c, st, "renaming model versions", err);
	}
	if (ret == 0 && out)
		ret = rg_load_model(c, a, mid, out, err);
out:
	return sq_write_end(c, ret, err);
}

int store_update_registered_model(struct store *s, const char *name, const char *description,
				  struct arena *a, struct store_registered_model *out,
				  struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0)
		ret = rg_validate_description(description, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	sqlite3_stmt *st;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret != 0)
		goto out;
	ret = rg_prepare(c, "UPDATE registered_models SET description = ?2, last_updated_timestamp = ?3"
			 " WHERE model_id = ?1", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	if (description && *description)
		sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_now_ms());
	ret = step_done(c, st, "updating a registered model", err);
	if (ret == 0 && out)
		ret = rg_load_model(c, a, mid, out, err);
out:
	return sq_write_end(c, ret, err);
}

int store_delete_registered_model(struct store *s, const char *name, struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	ret = rg_model_lookup(c, name, &mid, err);
	static const char *const dels[] = {
		"DELETE FROM registered_model_aliases WHERE model_id = ?1",
		"DELETE FROM model_version_tags WHERE model_id = ?1",
		"DELETE FROM model_versions WHERE model_id = ?1",
		"DELETE FROM registered_model_tags WHERE model_id = ?1",
		"DELETE FROM registered_models WHERE model_id = ?1",
	};
	for (size_t i = 0; ret == 0 && i < sizeof dels / sizeof dels[0]; i++) {
		sqlite3_stmt *st;
		ret = rg_prepare(c, dels[i], &st, err);
		if (ret != 0)
			break;
		sqlite3_bind_int64(st, 1, mid);
		ret = step_done(c, st, "deleting a registered model", err);
	}
	return sq_write_end(c, ret, err);
}

/* ------------------------------------------------------------------ search */

int store_search_registered_models(struct store *s, const struct store_registry_query *q,
				   struct arena *a, struct store_registered_model_page *out,
				   struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	struct sq_search sp;
	int ret = sq_search_parse(FILTER_REGISTERED_MODELS, q->max_results,
				  STORE_REGISTERED_MODELS_DEFAULT_MAX_RESULTS,
				  STORE_REGISTERED_MODELS_MAX_RESULTS, q->page_token, q->filter, q->order_by,
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
	sq_q_sql(&sq, "SELECT " RG_RM_COLS " FROM registered_models rm WHERE 1");
	for (size_t i = 0; i < f.n; i++) {
		const struct filter_cmp *cmp = &f.cmps[i];
		sq_q_sql(&sq, " AND ");
		if (cmp->kind == FILTER_KIND_TAG) {
			sq_q_sql(&sq, "EXISTS (SELECT 1 FROM registered_model_tags t WHERE "
				 "t.model_id = rm.model_id AND t.key = ");
			sq_q_text(&sq, cmp->key);
			sq_q_sql(&sq, " AND ");
			sq_q_cmp(&sq, "t.value", cmp);
			sq_q_sql(&sq, ")");
		} else if (cmp->kind == FILTER_KIND_ATTR && strcmp(cmp->key, "name") == 0) {
			sq_q_cmp(&sq, "rm.name", cmp);
		} else {
			ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid attribute key '%s' in registered "
					      "model filter", cmp->key);
			goto out;
		}
	}
	sq_q_sql(&sq, " ORDER BY ");
	int has_name = 0;
	for (size_t i = 0; i < nord; i++) {
		const char *expr = NULL;
		if (strcmp(ord[i].key, "name") == 0) {
			expr = "rm.name";
			has_name = 1;
		} else if (strcmp(ord[i].key, "last_updated_timestamp") == 0) {
			expr = "rm.last_updated_timestamp";
		}
		if (!expr || ord[i].kind != FILTER_KIND_ATTR) {
			ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid order_by key '%s'", ord[i].key);
			goto out;
		}
		if (i)
			sq_q_sql(&sq, ", ");
		sq_q_sql(&sq, expr);
		sq_q_sql(&sq, ord[i].desc ? " DESC" : " ASC");
	}
	if (!has_name)
		sq_q_sql(&sq, nord ? ", rm.name ASC" : "rm.name ASC");
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
		out->models = sq_grow(a, out->models, out->n, &cap, sizeof *out->models);
		mids = sq_grow(a, mids, out->n, &cap2, sizeof *mids);
		if (!out->models || !mids || read_model_row(a, st, &out->models[out->n], &mids[out->n])) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory searching registered models");
			goto out;
		}
		out->n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "searching registered models", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	ret = fill_models(c, a, out->models, mids, out->n, err);
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

int store_get_latest_versions(struct store *s, const char *name, const char *const *stages,
			      size_t nstages, struct arena *a, struct store_model_version **out,
			      size_t *n, struct cairn_error *err)
{
	*out = NULL;
	*n = 0;
	int ret = rg_validate_model_name(name, "name", err);
	if (ret != 0)
		return ret;
	const char *stages_json = NULL;
	if (nstages > 0) {
		struct buf b;
		buf_init(&b, 0);
		int bad = buf_append_char(&b, '[');
		for (size_t i = 0; !bad && i < nstages; i++) {
			int st = store_stage_parse(stages[i]);
			if (st < 0) {
				buf_release(&b);
				return cairn_error_set(err, CAIRN_EINVAL, "Invalid Model Version stage: %.100s. "
						       "Value must be one of None, Staging, Production, "
						       "Archived.", stages[i] ? stages[i] : "");
			}
			bad = buf_printf(&b, "%s\"%s\"", i ? "," : "", store_stage_name(st));
		}
		if (!bad)
			bad = buf_append_char(&b, ']');
		if (!bad)
			stages_json = arena_strdup(a, b.data);
		buf_release(&b);
		if (!stages_json)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading latest versions");
	}
	struct sq_conn *c = rg_read_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	int64_t *mids;
	ret = rg_model_lookup(c, name, &mid, err);
	const char *ids = ret == 0 ? sq_key_list_json(a, &mid, 1) : NULL;
	if (ret == 0 && !ids)
		ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading latest versions");
	if (ret == 0)
		ret = read_latest(c, a, ids, stages_json, out, &mids, n, err);
	sq_read_end(c);
	return ret;
}

/* ------------------------------------------------------------------ tags */

int store_set_registered_model_tag(struct store *s, const char *name, const char *key,
				   const char *value, struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0)
		ret = rg_validate_tag(key, value, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret == 0)
		ret = upsert_model_tag(c, mid, key, value, err);
	return sq_write_end(c, ret, err);
}

int store_delete_registered_model_tag(struct store *s, const char *name, const char *key,
				      struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0 && (!key || !*key))
		ret = cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'key'. "
				      "See the API docs for more information about request parameters.");
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	sqlite3_stmt *st;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret == 0)
		ret = rg_prepare(c, "DELETE FROM registered_model_tags WHERE model_id = ?1 AND key = ?2",
				 &st, err);
	if (ret == 0) {
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		ret = step_done(c, st, "deleting a registered model tag", err);
	}
	return sq_write_end(c, ret, err);
}

/* ------------------------------------------------------------------ aliases */

int store_set_registered_model_alias(struct store *s, const char *name, const char *alias,
				     const char *version, const struct store_actor *who,
				     struct cairn_error *err)
{
	int64_t v;
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0)
		ret = store_validate_alias(alias, err);
	if (ret == 0)
		ret = store_parse_model_version(version, &v, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret == 0)
		ret = rg_version_lookup(c, mid, name, v, NULL, err);
	if (ret == 0)
		ret = rg_alias_move(c, mid, alias, v, time_now_ms(), who, NULL, err);
	return sq_write_end(c, ret, err);
}

int store_delete_registered_model_alias(struct store *s, const char *name, const char *alias,
					const struct store_actor *who, struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0 && (!alias || !*alias))
		ret = cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'alias'. "
				      "See the API docs for more information about request parameters.");
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_write_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret == 0)
		ret = rg_alias_move(c, mid, alias, 0, time_now_ms(), who, NULL, err);
	return sq_write_end(c, ret, err);
}

int store_get_model_version_by_alias(struct store *s, const char *name, const char *alias,
				     struct arena *a, struct store_model_version *out,
				     struct cairn_error *err)
{
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0 && (!alias || !*alias))
		ret = cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'alias'. "
				      "See the API docs for more information about request parameters.");
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_read_open(s, err, &ret);
	if (!c)
		return ret;
	sqlite3_stmt *st;
	int64_t mid = 0, v = 0;
	ret = rg_prepare(c, "SELECT a.model_id, a.version FROM registered_model_aliases a JOIN "
			 "registered_models rm ON rm.model_id = a.model_id WHERE rm.name = ?1 AND "
			 "a.alias = ?2", &st, err);
	if (ret == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			mid = sqlite3_column_int64(st, 0);
			v = sqlite3_column_int64(st, 1);
		} else if (rc == SQLITE_DONE) {
			ret = cairn_error_set(err, CAIRN_EINVAL, "Registered model alias %s not found.", alias);
		} else {
			ret = sq_error(c, rc, "reading an alias", err);
		}
		sqlite3_finalize(st);
	}
	if (ret == 0)
		ret = rg_load_version(c, a, mid, v, out, err);
	sq_read_end(c);
	return ret;
}

/* ------------------------------------------------------------------ history */

int store_list_registry_history(struct store *s, const char *name, const char *version,
				struct arena *a, struct store_registry_event **out, size_t *n,
				struct cairn_error *err)
{
	*out = NULL;
	*n = 0;
	int64_t v = 0;
	int ret = rg_validate_model_name(name, "name", err);
	if (ret == 0 && version && *version)
		ret = store_parse_model_version(version, &v, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = rg_read_open(s, err, &ret);
	if (!c)
		return ret;
	int64_t mid;
	sqlite3_stmt *st = NULL;
	ret = rg_model_lookup(c, name, &mid, err);
	if (ret == 0)
		ret = rg_prepare(c, "SELECT id, name, version, kind, alias, from_value, to_value, "
				 "timestamp, user_id, reason FROM registry_history WHERE model_id = ?1 "
				 "AND (?2 = 0 OR version = ?2) ORDER BY id", &st, err);
	if (ret != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, v);
	struct store_registry_event *ev = NULL;
	size_t ne = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ev = sq_grow(a, ev, ne, &cap, sizeof *ev);
		if (!ev) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading history");
			goto out;
		}
		struct store_registry_event *e = &ev[ne];
		memset(e, 0, sizeof *e);
		e->id = sqlite3_column_int64(st, 0);
		e->timestamp = sqlite3_column_int64(st, 7);
		e->version = rg_version_str(a, sqlite3_column_int64(st, 2));
		if (!e->version || sq_col_str(a, st, 1, 0, &e->name) || sq_col_str(a, st, 3, 0, &e->kind) ||
		    col_opt(a, st, 4, &e->alias) || sq_col_str(a, st, 5, 0, &e->from_value) ||
		    sq_col_str(a, st, 6, 0, &e->to_value) || sq_col_str(a, st, 8, 0, &e->user) ||
		    sq_col_str(a, st, 9, 0, &e->reason)) {
			ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading history");
			goto out;
		}
		ne++;
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading history", err);
		goto out;
	}
	*out = ev;
	*n = ne;
out:
	sqlite3_finalize(st);
	sq_read_end(c);
	return ret;
}
