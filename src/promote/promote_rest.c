/*
 * The registry access over REST (spec §5): libcurl + jansson against a cairn or
 * MLflow-compatible server. GET requests carry their fields as query parameters, versions
 * travel as strings, answers are parsed into the store's structs in the caller's arena.
 * Promotion uses cairn's extension POST registered-models/promote, which runs the store's
 * compare-and-swap on the server, so that two clients promoting at once cannot both win.
 */
#include "promote/promote.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define REST_TIMEOUT_S 30L
#define REST_RESPONSE_CAP ((size_t)256 << 20)  /* a full page of 200000 versions */
#define REST_PREFIX "/api/2.0/mlflow/"

struct rest {
	CURL *curl;
	char *base;                 /* no trailing slash */
	char *user, *password;      /* Basic auth; NULL = none */
	char *token;                /* Bearer; NULL = none */
	struct buf resp;
	int too_big;
};

/* ------------------------------------------------------------------ parsing */

int promote_rest_error_code(const char *code)
{
	if (!code)
		return CAIRN_EIO;
	if (strcmp(code, "RESOURCE_DOES_NOT_EXIST") == 0)
		return CAIRN_ENOENT;
	if (strcmp(code, "RESOURCE_ALREADY_EXISTS") == 0)
		return CAIRN_EEXIST;
	if (strcmp(code, "INVALID_PARAMETER_VALUE") == 0 || strcmp(code, "BAD_REQUEST") == 0 ||
	    strcmp(code, "INVALID_STATE") == 0)
		return CAIRN_EINVAL;
	if (strcmp(code, "RESOURCE_CONFLICT") == 0)
		return CAIRN_ESTATE;
	if (strcmp(code, "NOT_IMPLEMENTED") == 0 || strcmp(code, "ENDPOINT_NOT_FOUND") == 0)
		return CAIRN_EUNSUPPORTED;
	if (strcmp(code, "TEMPORARILY_UNAVAILABLE") == 0)
		return CAIRN_EBUSY;
	return CAIRN_EIO;
}

/* A string field copied into the arena; absent → dflt; an integer is formatted (versions
 * from servers that send numbers). */
static int get_s(json_t *o, const char *k, int required, const char *dflt, struct arena *a,
		 const char **out, struct cairn_error *err)
{
	json_t *v = json_object_get(o, k);
	*out = dflt;
	if (!v || json_is_null(v)) {
		if (required)
			return cairn_error_set(err, CAIRN_EINVAL, "server answer lacks field '%s'", k);
		return 0;
	}
	if (json_is_string(v))
		*out = arena_strndup(a, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		*out = arena_printf(a, "%lld", (long long)json_integer_value(v));
	else
		return cairn_error_set(err, CAIRN_EINVAL, "server answer: field '%s' is not a string", k);
	return *out ? 0 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

static int get_i(json_t *o, const char *k, int64_t *out, struct cairn_error *err)
{
	*out = 0;
	struct cairn_error e = {0};
	if (json_get_int64(o, k, 0, out, NULL, &e) != 0)
		return cairn_error_set(err, CAIRN_EINVAL, "server answer: %s", e.msg);
	return 0;
}

static int get_arr(json_t *o, const char *k, json_t **out, struct cairn_error *err)
{
	*out = json_object_get(o, k);
	if (*out && !json_is_array(*out)) {
		if (json_is_null(*out)) {
			*out = NULL;
			return 0;
		}
		return cairn_error_set(err, CAIRN_EINVAL, "server answer: field '%s' is not an array", k);
	}
	return 0;
}

static int parse_tags(json_t *o, const char *k, struct arena *a, struct store_tag **out, size_t *n,
		      struct cairn_error *err)
{
	json_t *arr;
	*out = NULL;
	*n = 0;
	int rc = get_arr(o, k, &arr, err);
	if (rc != 0 || !arr || json_array_size(arr) == 0)
		return rc;
	struct store_tag *t = arena_alloc(a, json_array_size(arr) * sizeof *t);
	if (!t)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		if (!json_is_object(e))
			return cairn_error_set(err, CAIRN_EINVAL, "server answer: '%s'[%zu] is not an object",
					       k, i);
		if ((rc = get_s(e, "key", 1, NULL, a, &t[i].key, err)) != 0 ||
		    (rc = get_s(e, "value", 0, "", a, &t[i].value, err)) != 0)
			return rc;
	}
	*out = t;
	*n = i;
	return 0;
}

static int need_object(json_t *v, const char *what, struct cairn_error *err)
{
	return json_is_object(v) ? 0 : cairn_error_set(err, CAIRN_EINVAL, "server answer: %s is not "
						       "an object", what);
}

int promote_rest_parse_model_version(json_t *v, struct arena *a, struct store_model_version *out,
				     struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = need_object(v, "model_version", err);
	if (rc == 0)
		rc = get_s(v, "name", 1, NULL, a, &out->name, err);
	if (rc == 0)
		rc = get_s(v, "version", 1, NULL, a, &out->version, err);
	if (rc == 0 && store_parse_model_version(out->version, &out->version_number, NULL) != 0)
		rc = cairn_error_set(err, CAIRN_EINVAL, "server answer: version '%s' is not a number",
				     out->version);
	if (rc == 0)
		rc = get_i(v, "creation_timestamp", &out->creation_timestamp, err);
	if (rc == 0)
		rc = get_i(v, "last_updated_timestamp", &out->last_updated_timestamp, err);
	if (rc == 0)
		rc = get_s(v, "user_id", 0, NULL, a, &out->user_id, err);
	if (rc == 0)
		rc = get_s(v, "current_stage", 0, "None", a, &out->current_stage, err);
	if (rc == 0)
		rc = get_s(v, "description", 0, NULL, a, &out->description, err);
	if (rc == 0)
		rc = get_s(v, "source", 0, "", a, &out->source, err);
	if (rc == 0)
		rc = get_s(v, "run_id", 0, NULL, a, &out->run_id, err);
	if (rc == 0)
		rc = get_s(v, "run_link", 0, NULL, a, &out->run_link, err);
	if (rc == 0)
		rc = get_s(v, "status", 0, "READY", a, &out->status, err);
	if (rc == 0)
		rc = get_s(v, "status_message", 0, NULL, a, &out->status_message, err);
	if (rc == 0)
		rc = parse_tags(v, "tags", a, &out->tags, &out->ntags, err);
	json_t *al = NULL;
	if (rc == 0)
		rc = get_arr(v, "aliases", &al, err);
	if (rc == 0 && al && json_array_size(al)) {
		const char **names = arena_alloc(a, json_array_size(al) * sizeof *names);
		if (!names)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		for (size_t i = 0; i < json_array_size(al); i++) {
			json_t *e = json_array_get(al, i);
			if (!json_is_string(e))
				return cairn_error_set(err, CAIRN_EINVAL, "server answer: aliases[%zu] is "
						       "not a string", i);
			if (!(names[i] = arena_strdup(a, json_string_value(e))))
				return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		}
		out->aliases = names;
		out->naliases = json_array_size(al);
	}
	return rc;
}

int promote_rest_parse_registered_model(json_t *v, struct arena *a,
					struct store_registered_model *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = need_object(v, "registered_model", err);
	if (rc == 0)
		rc = get_s(v, "name", 1, NULL, a, &out->name, err);
	if (rc == 0)
		rc = get_i(v, "creation_timestamp", &out->creation_timestamp, err);
	if (rc == 0)
		rc = get_i(v, "last_updated_timestamp", &out->last_updated_timestamp, err);
	if (rc == 0)
		rc = get_s(v, "user_id", 0, NULL, a, &out->user_id, err);
	if (rc == 0)
		rc = get_s(v, "description", 0, NULL, a, &out->description, err);
	if (rc == 0)
		rc = parse_tags(v, "tags", a, &out->tags, &out->ntags, err);
	json_t *lv = NULL, *al = NULL;
	if (rc == 0)
		rc = get_arr(v, "latest_versions", &lv, err);
	if (rc == 0 && lv && json_array_size(lv)) {
		out->latest_versions = arena_alloc(a, json_array_size(lv) * sizeof *out->latest_versions);
		if (!out->latest_versions)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		for (size_t i = 0; rc == 0 && i < json_array_size(lv); i++)
			rc = promote_rest_parse_model_version(json_array_get(lv, i), a,
							      &out->latest_versions[i], err);
		out->nlatest = json_array_size(lv);
	}
	if (rc == 0)
		rc = get_arr(v, "aliases", &al, err);
	if (rc == 0 && al && json_array_size(al)) {
		out->aliases = arena_alloc(a, json_array_size(al) * sizeof *out->aliases);
		if (!out->aliases)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		for (size_t i = 0; rc == 0 && i < json_array_size(al); i++) {
			json_t *e = json_array_get(al, i);
			rc = need_object(e, "an alias", err);
			if (rc == 0)
				rc = get_s(e, "alias", 1, NULL, a, &out->aliases[i].alias, err);
			if (rc == 0)
				rc = get_s(e, "version", 1, NULL, a, &out->aliases[i].version, err);
		}
		out->naliases = json_array_size(al);
	}
	return rc;
}

int promote_rest_parse_event(json_t *v, struct arena *a, struct store_registry_event *out,
			     struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = need_object(v, "a history entry", err);
	if (rc == 0)
		rc = get_i(v, "id", &out->id, err);
	if (rc == 0)
		rc = get_s(v, "name", 0, "", a, &out->name, err);
	if (rc == 0)
		rc = get_s(v, "version", 0, "", a, &out->version, err);
	if (rc == 0)
		rc = get_s(v, "kind", 1, NULL, a, &out->kind, err);
	if (rc == 0)
		rc = get_s(v, "alias", 0, NULL, a, &out->alias, err);
	int stage = out->kind && strcmp(out->kind, "stage") == 0;
	if (rc == 0)
		rc = get_s(v, stage ? "from_stage" : "from_version", 0, "", a, &out->from_value, err);
	if (rc == 0)
		rc = get_s(v, stage ? "to_stage" : "to_version", 0, "", a, &out->to_value, err);
	if (rc == 0)
		rc = get_i(v, "timestamp", &out->timestamp, err);
	if (rc == 0)
		rc = get_s(v, "user", 0, "", a, &out->user, err);
	if (rc == 0)
		rc = get_s(v, "reason", 0, "", a, &out->reason, err);
	return rc;
}

int promote_rest_parse_run(json_t *v, struct arena *a, struct store_run *out,
			   struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = need_object(v, "run", err);
	json_t *info = json_object_get(v, "info");
	json_t *data = json_object_get(v, "data");
	if (rc == 0)
		rc = need_object(info, "run.info", err);
	if (rc == 0)
		rc = get_s(info, "run_id", 0, NULL, a, &out->info.run_id, err);
	if (rc == 0 && !out->info.run_id)
		rc = get_s(info, "run_uuid", 1, NULL, a, &out->info.run_id, err);
	if (rc == 0)
		rc = get_s(info, "experiment_id", 0, "", a, &out->info.experiment_id, err);
	if (rc == 0)
		rc = get_s(info, "artifact_uri", 0, "", a, &out->info.artifact_uri, err);
	if (rc != 0 || !data || json_is_null(data))
		return rc;
	if ((rc = need_object(data, "run.data", err)) != 0)
		return rc;
	if ((rc = parse_tags(data, "tags", a, &out->tags, &out->ntags, err)) != 0 ||
	    (rc = parse_tags(data, "params", a, &out->params, &out->nparams, err)) != 0)
		return rc;
	json_t *ms;
	if ((rc = get_arr(data, "metrics", &ms, err)) != 0 || !ms || !json_array_size(ms))
		return rc;
	out->metrics = arena_alloc(a, json_array_size(ms) * sizeof *out->metrics);
	if (!out->metrics)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		json_t *m = json_array_get(ms, i);
		struct store_metric *o = &out->metrics[i];
		memset(o, 0, sizeof *o);
		struct cairn_error e = {0};
		if ((rc = need_object(m, "a metric", err)) != 0 ||
		    (rc = get_s(m, "key", 1, NULL, a, &o->key, err)) != 0 ||
		    (rc = get_i(m, "timestamp", &o->timestamp, err)) != 0 ||
		    (rc = get_i(m, "step", &o->step, err)) != 0)
			return rc;
		if (json_get_double(m, "value", 1, &o->value, NULL, &e) != 0)
			return cairn_error_set(err, CAIRN_EINVAL, "server answer: metric '%s': %s", o->key,
					       e.msg);
	}
	out->nmetrics = json_array_size(ms);
	return 0;
}

/* ------------------------------------------------------------------ HTTP */

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct rest *r = ud;
	size_t len = size * n;
	if (r->resp.len + len > REST_RESPONSE_CAP) {
		r->too_big = 1;
		return 0;
	}
	return buf_append(&r->resp, p, len) == 0 ? len : 0;
}

/* "k=v&k=v" with both escaped; appended to `q`. */
static int q_add(struct rest *r, struct buf *q, const char *k, const char *v)
{
	if (!v)
		return 0;
	char *e = curl_easy_escape(r->curl, v, 0);
	if (!e)
		return CAIRN_ENOMEM;
	int rc = buf_printf(q, "%s%s=%s", q->len ? "&" : "", k, e);
	curl_free(e);
	return rc;
}

/*
 * One call. `q` (GET, may be NULL) is the encoded query; `body` (others) is consumed. On
 * success *out is the parsed answer (caller decrefs). Errors come back with the server's
 * message and the mapped code, or CAIRN_EIO naming the URL.
 */
static int rest_call(struct rest *r, const char *method, const char *endpoint, struct buf *q,
		     json_t *body, json_t **out, struct cairn_error *err)
{
	*out = NULL;
	int rc = 0;
	struct curl_slist *hdr = NULL;
	struct buf url, payload;
	buf_init(&url, 0);
	buf_init(&payload, 0);
	if (buf_printf(&url, "%s" REST_PREFIX "%s%s%s", r->base, endpoint, q && q->len ? "?" : "",
		       q && q->len ? q->data : "") != 0) {
		rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		goto out;
	}
	if (body) {
		if (json_dump_buf(body, &payload) != 0) {
			rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
			goto out;
		}
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		if (!hdr) {
			rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (r->token) {
		char line[4096];
		snprintf(line, sizeof line, "Authorization: Bearer %s", r->token);
		struct curl_slist *h = curl_slist_append(hdr, line);
		if (!h) {
			rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
			goto out;
		}
		hdr = h;
	}
	CURL *c = r->curl;
	curl_easy_reset(c);
	buf_reset(&r->resp);
	r->too_big = 0;
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, REST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)payload.len);
	}
	if (hdr)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (!r->token && r->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->password ? r->password : "");
	}
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		if (r->too_big)
			rc = cairn_error_set(err, CAIRN_EIO, "%s %s: the answer is larger than %zu bytes",
					     method, url.data, REST_RESPONSE_CAP);
		else
			rc = cairn_error_set(err, CAIRN_EIO, "cannot reach the tracking server at %s: %s "
					     "(%s %s)", r->base, curl_easy_strerror(cc), method, url.data);
		goto out;
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	json_error_t je;
	json_t *v = r->resp.len ? json_loadb(r->resp.data, r->resp.len, 0, &je) : json_object();
	if (status == 200 && json_is_object(v)) {
		*out = v;
		goto out;
	}
	if (json_is_object(v) && json_is_string(json_object_get(v, "error_code"))) {
		const char *code = json_string_value(json_object_get(v, "error_code"));
		const char *msg = json_string_value(json_object_get(v, "message"));
		int cairn = promote_rest_error_code(code);
		if (strcmp(code, "ENDPOINT_NOT_FOUND") == 0)
			rc = cairn_error_set(err, cairn, "the server at %s does not support %s %s (%s)",
					     r->base, method, endpoint, msg ? msg : code);
		else
			rc = cairn_error_set(err, cairn, "%s", msg && *msg ? msg : code);
	} else if (status == 404) {
		rc = cairn_error_set(err, CAIRN_EUNSUPPORTED, "the server at %s does not support %s %s "
				     "(HTTP 404)", r->base, method, endpoint);
	} else {
		size_t show = r->resp.len < 200 ? r->resp.len : 200;
		rc = cairn_error_set(err, CAIRN_EIO, "%s %s: HTTP %ld: %.*s", method, url.data, status,
				     (int)show, r->resp.data ? r->resp.data : "");
	}
	json_decref(v);
out:
	json_decref(body);
	buf_release(&payload);
	curl_slist_free_all(hdr);
	buf_release(&url);
	return rc;
}

static int oom(struct cairn_error *err)
{
	return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------------ operations */

static int r_get_rm(void *ctx, const char *name, struct arena *a, struct store_registered_model *out,
		    struct cairn_error *err)
{
	struct rest *r = ctx;
	struct buf q;
	buf_init(&q, 0);
	json_t *v = NULL;
	int rc = q_add(r, &q, "name", name) != 0 ? oom(err) : 0;
	if (rc == 0)
		rc = rest_call(r, "GET", "registered-models/get", &q, NULL, &v, err);
	if (rc == 0)
		rc = promote_rest_parse_registered_model(json_object_get(v, "registered_model"), a, out, err);
	json_decref(v);
	buf_release(&q);
	return rc;
}

static int query_of(struct rest *r, const struct store_registry_query *sq, struct buf *q)
{
	int rc = q_add(r, q, "filter", sq->filter && *sq->filter ? sq->filter : NULL);
	for (size_t i = 0; rc == 0 && i < sq->norder_by; i++)
		rc = q_add(r, q, "order_by", sq->order_by[i]);
	if (rc == 0 && sq->max_results > 0)
		rc = buf_printf(q, "%smax_results=%lld", q->len ? "&" : "", (long long)sq->max_results);
	if (rc == 0)
		rc = q_add(r, q, "page_token", sq->page_token && *sq->page_token ? sq->page_token : NULL);
	return rc;
}

/* One search page: GET `path` with the query, parse each element of `key` with `parse` into
 * an arena array of `elem`-sized structs. The two registry searches differ only in these. */
typedef int (*rest_parse_fn)(json_t *v, struct arena *a, void *out, struct cairn_error *err);

static int search_page(struct rest *r, const struct store_registry_query *sq, const char *path,
		       const char *key, size_t elem, rest_parse_fn parse, struct arena *a,
		       void **items, size_t *nitems, const char **token, struct cairn_error *err)
{
	struct buf q;
	buf_init(&q, 0);
	json_t *v = NULL, *arr = NULL;
	char *out = NULL;
	int rc = query_of(r, sq, &q) != 0 ? oom(err) : 0;
	if (rc == 0)
		rc = rest_call(r, "GET", path, &q, NULL, &v, err);
	if (rc == 0)
		rc = get_arr(v, key, &arr, err);
	size_t n = arr ? json_array_size(arr) : 0;
	if (rc == 0 && n && !(out = arena_alloc(a, n * elem)))
		rc = oom(err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = parse(json_array_get(arr, i), a, out + i * elem, err);
	if (rc == 0)
		rc = get_s(v, "next_page_token", 0, NULL, a, token, err);
	if (rc == 0) {
		*items = out;
		*nitems = n;
	}
	json_decref(v);
	buf_release(&q);
	return rc;
}

static int parse_rm(json_t *v, struct arena *a, void *out, struct cairn_error *err)
{
	return promote_rest_parse_registered_model(v, a, out, err);
}

static int parse_mv(json_t *v, struct arena *a, void *out, struct cairn_error *err)
{
	return promote_rest_parse_model_version(v, a, out, err);
}

static int r_search_rm(void *ctx, const struct store_registry_query *sq, struct arena *a,
		       struct store_registered_model_page *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	void *items = NULL;
	int rc = search_page(ctx, sq, "registered-models/search", "registered_models",
			     sizeof *out->models, parse_rm, a, &items, &out->n,
			     &out->next_page_token, err);
	out->models = items;
	return rc;
}

static int r_search_mv(void *ctx, const struct store_registry_query *sq, struct arena *a,
		       struct store_model_version_page *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	void *items = NULL;
	int rc = search_page(ctx, sq, "model-versions/search", "model_versions",
			     sizeof *out->versions, parse_mv, a, &items, &out->n,
			     &out->next_page_token, err);
	out->versions = items;
	return rc;
}

static int r_get_mv(void *ctx, const char *name, const char *version, struct arena *a,
		    struct store_model_version *out, struct cairn_error *err)
{
	struct rest *r = ctx;
	struct buf q;
	buf_init(&q, 0);
	json_t *v = NULL;
	int rc = q_add(r, &q, "name", name) != 0 || q_add(r, &q, "version", version) != 0 ? oom(err) : 0;
	if (rc == 0)
		rc = rest_call(r, "GET", "model-versions/get", &q, NULL, &v, err);
	if (rc == 0)
		rc = promote_rest_parse_model_version(json_object_get(v, "model_version"), a, out, err);
	json_decref(v);
	buf_release(&q);
	return rc;
}

static int r_get_alias(void *ctx, const char *name, const char *alias, struct arena *a,
		       struct store_model_version *out, struct cairn_error *err)
{
	struct rest *r = ctx;
	struct buf q;
	buf_init(&q, 0);
	json_t *v = NULL;
	int rc = q_add(r, &q, "name", name) != 0 || q_add(r, &q, "alias", alias) != 0 ? oom(err) : 0;
	if (rc == 0)
		rc = rest_call(r, "GET", "registered-models/alias", &q, NULL, &v, err);
	if (rc == 0)
		rc = promote_rest_parse_model_version(json_object_get(v, "model_version"), a, out, err);
	json_decref(v);
	buf_release(&q);
	return rc;
}

/* A write whose answer is not needed. `body` is consumed. */
static int write_call(struct rest *r, const char *method, const char *endpoint, json_t *body,
		      struct cairn_error *err)
{
	if (!body)
		return oom(err);
	json_t *v = NULL;
	int rc = rest_call(r, method, endpoint, NULL, body, &v, err);
	json_decref(v);
	return rc;
}

static int r_set_alias(void *ctx, const char *name, const char *alias, const char *version,
		       const struct store_actor *who, struct cairn_error *err)
{
	return write_call(ctx, "POST", "registered-models/alias",
			  json_pack("{s:s,s:s,s:s}", "name", name, "alias", alias, "version", version), err);
}

static int r_delete_alias(void *ctx, const char *name, const char *alias, const struct store_actor *who,
			  struct cairn_error *err)
{
	return write_call(ctx, "DELETE", "registered-models/alias",
			  json_pack("{s:s,s:s}", "name", name, "alias", alias), err);
}

static int r_transition(void *ctx, const char *name, const char *version, const char *stage,
			int archive_existing, const struct store_actor *who, struct arena *a,
			struct store_model_version *out, struct cairn_error *err)
{
	json_t *body = json_pack("{s:s,s:s,s:s,s:b}", "name", name, "version", version, "stage", stage,
				 "archive_existing_versions", archive_existing);
	if (!body)
		return oom(err);
	json_t *v = NULL;
	int rc = rest_call(ctx, "POST", "model-versions/transition-stage", NULL, body, &v, err);
	if (rc == 0)
		rc = promote_rest_parse_model_version(json_object_get(v, "model_version"), a, out, err);
	json_decref(v);
	return rc;
}

static int r_delete_rm(void *ctx, const char *name, struct cairn_error *err)
{
	return write_call(ctx, "DELETE", "registered-models/delete", json_pack("{s:s}", "name", name), err);
}

static int r_delete_mv(void *ctx, const char *name, const char *version, const struct store_actor *who,
		       struct cairn_error *err)
{
	return write_call(ctx, "DELETE", "model-versions/delete",
			  json_pack("{s:s,s:s}", "name", name, "version", version), err);
}

static int r_history(void *ctx, const char *name, const char *version, struct arena *a,
		     struct store_registry_event **out, size_t *n, struct cairn_error *err)
{
	struct rest *r = ctx;
	*out = NULL;
	*n = 0;
	struct buf q;
	buf_init(&q, 0);
	json_t *v = NULL, *arr = NULL;
	int rc = q_add(r, &q, "name", name) != 0 || q_add(r, &q, "version", version) != 0 ? oom(err) : 0;
	if (rc == 0)
		rc = rest_call(r, "GET", "registered-models/history", &q, NULL, &v, err);
	if (rc == 0)
		rc = get_arr(v, "history", &arr, err);
	size_t cnt = arr ? json_array_size(arr) : 0;
	struct store_registry_event *ev = NULL;
	if (rc == 0 && cnt && !(ev = arena_alloc(a, cnt * sizeof *ev)))
		rc = oom(err);
	for (size_t i = 0; rc == 0 && i < cnt; i++)
		rc = promote_rest_parse_event(json_array_get(arr, i), a, &ev[i], err);
	if (rc == 0) {
		*out = ev;
		*n = cnt;
	}
	json_decref(v);
	buf_release(&q);
	return rc;
}

static int r_get_run(void *ctx, const char *run_id, struct arena *a, struct store_run *out,
		     struct cairn_error *err)
{
	struct rest *r = ctx;
	struct buf q;
	buf_init(&q, 0);
	json_t *v = NULL;
	int rc = q_add(r, &q, "run_id", run_id) != 0 ? oom(err) : 0;
	if (rc == 0)
		rc = rest_call(r, "GET", "runs/get", &q, NULL, &v, err);
	if (rc == 0)
		rc = promote_rest_parse_run(json_object_get(v, "run"), a, out, err);
	json_decref(v);
	buf_release(&q);
	return rc;
}

static int r_promote(void *ctx, const struct store_promotion *p, struct arena *a,
		     const char **previous_holder, struct cairn_error *err)
{
	*previous_holder = "";
	json_t *body = json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s}", "name", p->name, "version", p->version,
				 "alias", p->alias, "archive_previous", p->archive_previous,
				 "expected_holder_version", p->expected_holder ? p->expected_holder : "",
				 "user", p->who.user ? p->who.user : "",
				 "reason", p->who.reason ? p->who.reason : "");
	if (body && p->stage && json_object_set_new(body, "stage", json_string(p->stage)) != 0) {
		json_decref(body);
		body = NULL;
	}
	if (!body)
		return oom(err);
	json_t *v = NULL;
	int rc = rest_call(ctx, "POST", "registered-models/promote", NULL, body, &v, err);
	if (rc == 0)
		rc = get_s(v, "previous_holder_version", 0, "", a, previous_holder, err);
	json_decref(v);
	return rc;
}

static int r_latest(void *ctx, const char *name, const char *const *stages, size_t nstages,
		    struct arena *a, struct store_model_version **out, size_t *n, struct cairn_error *err)
{
	struct rest *r = ctx;
	*out = NULL;
	*n = 0;
	struct buf q;
	buf_init(&q, 0);
	json_t *v = NULL, *arr = NULL;
	int rc = q_add(r, &q, "name", name) != 0 ? oom(err) : 0;
	for (size_t i = 0; rc == 0 && i < nstages; i++)
		rc = q_add(r, &q, "stages", stages[i]) != 0 ? oom(err) : 0;
	if (rc == 0)
		rc = rest_call(r, "GET", "registered-models/get-latest-versions", &q, NULL, &v, err);
	if (rc == 0)
		rc = get_arr(v, "model_versions", &arr, err);
	size_t cnt = arr ? json_array_size(arr) : 0;
	struct store_model_version *vs = NULL;
	if (rc == 0 && cnt && !(vs = arena_alloc(a, cnt * sizeof *vs)))
		rc = oom(err);
	for (size_t i = 0; rc == 0 && i < cnt; i++)
		rc = promote_rest_parse_model_version(json_array_get(arr, i), a, &vs[i], err);
	if (rc == 0) {
		*out = vs;
		*n = cnt;
	}
	json_decref(v);
	buf_release(&q);
	return rc;
}

static void r_close(void *ctx)
{
	struct rest *r = ctx;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	buf_release(&r->resp);
	cairn_free(r->base);
	cairn_free(r->user);
	cairn_free(r->password);
	cairn_free(r->token);
	cairn_free(r);
	curl_global_cleanup();
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int promote_access_rest_open(const char *url, const char *user, struct registry_access *out,
			     struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	if (!url || !(str_has_prefix(url, "http://") || str_has_prefix(url, "https://")) ||
	    !url[str_has_prefix(url, "http://") ? 7 : 8])
		return cairn_error_set(err, CAIRN_EINVAL, "invalid tracking URI '%s': expected "
				       "http://HOST[:PORT][/PATH] or https://...", url ? url : "");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cairn_error_set(err, CAIRN_EIO, "cannot initialise libcurl");
	struct rest *r = cairn_calloc(1, sizeof *r);
	if (!r) {
		curl_global_cleanup();
		return oom(err);
	}
	buf_init(&r->resp, REST_RESPONSE_CAP);
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	r->base = cairn_strndup(url, n);
	r->curl = curl_easy_init();
	const char *eu = env_nonempty("MLFLOW_TRACKING_USERNAME");
	const char *ep = env_nonempty("MLFLOW_TRACKING_PASSWORD");
	const char *et = env_nonempty("MLFLOW_TRACKING_TOKEN");
	int bad = !r->base || !r->curl;
	if (et)
		bad |= !(r->token = cairn_strdup(et));
	else if (eu) {
		bad |= !(r->user = cairn_strdup(eu));
		if (ep)
			bad |= !(r->password = cairn_strdup(ep));
	} else if (user && *user) {
		bad |= !(r->user = cairn_strdup(user));
	}
	if (bad) {
		r_close(r);
		return oom(err);
	}
	out->ctx = r;
	out->where = r->base;
	out->get_registered_model = r_get_rm;
	out->search_registered_models = r_search_rm;
	out->search_model_versions = r_search_mv;
	out->get_model_version = r_get_mv;
	out->get_model_version_by_alias = r_get_alias;
	out->set_alias = r_set_alias;
	out->delete_alias = r_delete_alias;
	out->transition_stage = r_transition;
	out->delete_registered_model = r_delete_rm;
	out->delete_model_version = r_delete_mv;
	out->list_history = r_history;
	out->get_run = r_get_run;
	out->promote = r_promote;
	out->get_latest_versions = r_latest;
	out->close = r_close;
	return 0;
}
