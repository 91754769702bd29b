/*
 * The model registry endpoints (spec §5.1, §5.2) and cairn's history extension.
 *
 * Each route's data is the api_context; the handler is found by method and sub-path in the
 * table below, so the table alone drives both routing and dispatch.
 */
#include "api/api_internal.h"
#include "api/api_registry.h"

#include <string.h>

/* ------------------------------------------------------------------ JSON encoding */

static int set_str(json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, api_json_str(v)) != 0;
}

static int set_int(json_t *o, const char *k, int64_t v)
{
	return json_object_set_new(o, k, json_integer((json_int_t)v)) != 0;
}

static json_t *tags_json(const struct store_tag *t, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_object();
		if (!o || set_str(o, "key", t[i].key) || set_str(o, "value", t[i].value) ||
		    json_array_append_new(arr, o) != 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *api_json_model_version(const struct store_model_version *v)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = set_str(o, "name", v->name);
	bad |= set_str(o, "version", v->version);
	bad |= set_int(o, "creation_timestamp", v->creation_timestamp);
	bad |= set_int(o, "last_updated_timestamp", v->last_updated_timestamp);
	if (v->user_id && *v->user_id)
		bad |= set_str(o, "user_id", v->user_id);
	bad |= set_str(o, "current_stage", v->current_stage ? v->current_stage : "None");
	if (v->description && *v->description)
		bad |= set_str(o, "description", v->description);
	bad |= set_str(o, "source", v->source);
	if (v->run_id && *v->run_id)
		bad |= set_str(o, "run_id", v->run_id);
	if (v->run_link && *v->run_link)
		bad |= set_str(o, "run_link", v->run_link);
	bad |= set_str(o, "status", v->status ? v->status : "READY");
	if (v->status_message && *v->status_message)
		bad |= set_str(o, "status_message", v->status_message);
	if (v->ntags)
		bad |= json_object_set_new(o, "tags", tags_json(v->tags, v->ntags)) != 0;
	if (v->naliases) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < v->naliases; i++)
			if (json_array_append_new(arr, api_json_str(v->aliases[i])) != 0)
				bad = 1;
		bad |= json_object_set_new(o, "aliases", arr) != 0;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *api_json_registered_model(const struct store_registered_model *m)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = set_str(o, "name", m->name);
	bad |= set_int(o, "creation_timestamp", m->creation_timestamp);
	bad |= set_int(o, "last_updated_timestamp", m->last_updated_timestamp);
	if (m->user_id && *m->user_id)
		bad |= set_str(o, "user_id", m->user_id);
	if (m->description && *m->description)
		bad |= set_str(o, "description", m->description);
	if (m->nlatest) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < m->nlatest; i++)
			if (json_array_append_new(arr, api_json_model_version(&m->latest_versions[i])) != 0)
				bad = 1;
		bad |= json_object_set_new(o, "latest_versions", arr) != 0;
	}
	if (m->ntags)
		bad |= json_object_set_new(o, "tags", tags_json(m->tags, m->ntags)) != 0;
	if (m->naliases) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < m->naliases; i++) {
			json_t *a = json_object();
			if (!a || set_str(a, "alias", m->aliases[i].alias) ||
			    set_str(a, "version", m->aliases[i].version) || json_array_append_new(arr, a) != 0)
				bad = 1;
		}
		bad |= json_object_set_new(o, "aliases", arr) != 0;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *api_json_registry_event(const struct store_registry_event *e)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int stage = e->kind && strcmp(e->kind, "stage") == 0;
	int bad = set_int(o, "id", e->id);
	bad |= set_str(o, "name", e->name);
	bad |= set_str(o, "version", e->version);
	bad |= set_str(o, "kind", e->kind);
	if (e->alias)
		bad |= set_str(o, "alias", e->alias);
	bad |= set_str(o, stage ? "from_stage" : "from_version", e->from_value);
	bad |= set_str(o, stage ? "to_stage" : "to_version", e->to_value);
	bad |= set_int(o, "timestamp", e->timestamp);
	bad |= set_str(o, "user", e->user);
	bad |= set_str(o, "reason", e->reason);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------------------------ direct writer
 *
 * Search pages go straight from the store's structs to bytes: building a jansson tree for a
 * 1000-model page and dumping it cost more than the SQL (several allocations per field, then
 * a second walk to print). The writer emits exactly what json_dump_buf (JSON_COMPACT)
 * prints for the api_json_* values above: the same keys in the same order, the same
 * omissions, strings escaped as jansson escapes them (\" \\ \b \f \n \r \t, other controls
 * as \u00XX, everything else raw) and ill-formed UTF-8 replaced byte by byte with U+FFFD as
 * api_json_str does. tests/unit/api/test_registry_json.c holds the two side by side.
 */

#define REG_RESPONSE_CAP ((size_t)1 << 30)

struct jw {
	struct buf *out;
	size_t n;
	int rc;
	char tmp[16384];  /* staged bytes: one buf_append per 16 KiB, not one per token */
};

static void jw_flush(struct jw *w)
{
	if (w->n && !w->rc)
		w->rc = buf_append(w->out, w->tmp, w->n);
	w->n = 0;
}

static void jw_put(struct jw *w, const char *s, size_t n)
{
	if (n > sizeof w->tmp - w->n) {
		jw_flush(w);
		if (n > sizeof w->tmp) {
			if (!w->rc)
				w->rc = buf_append(w->out, s, n);
			return;
		}
	}
	memcpy(w->tmp + w->n, s, n);
	w->n += n;
}

#define JW_LIT(w, lit) jw_put((w), "" lit, sizeof("" lit) - 1)  /* literals only */
/* ,"key": (keys are literals of this file and need no escaping) */
#define JW_KEY(w, lit) jw_put((w), ",\"" lit "\":", sizeof(lit) + 3)

/* Bytes that go out as they are: printable ASCII other than '"' and '\\'. */
static const unsigned char jw_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x80..0xFF: checked as UTF-8 sequences */
};

/* One pass: api_json_str's repair (each byte that starts no well-formed sequence becomes
 * U+FFFD, sequence by sequence, which leaves a valid string as it is) and jansson's
 * escaping together. */
static void jw_str(struct jw *w, const char *str)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	JW_LIT(w, "\"");
	size_t run = 0, i = 0;  /* s[run..i) is pending raw output */
	for (;;) {
		while (jw_plain[s[i]])
			i++;
		unsigned char c = s[i];
		if (c == 0)
			break;
		/* The string is NUL-terminated and utf8_seq_len checks bytes in order, stopping at
		 * the first that is not a continuation byte (a NUL never is), so passing 4 as the
		 * length never reads past the terminator. */
		size_t l = c >= 0x80 ? utf8_seq_len((const char *)s + i, 4) : 0;
		if (l > 0) {
			i += l;
			continue;
		}
		jw_put(w, (const char *)s + run, i - run);
		char esc[6] = { '\\', 0, 0, 0, 0, 0 };
		size_t el = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				el = 6;
			} else {
				memcpy(esc, "\xEF\xBF\xBD", 3);
				el = 3;
			}
			break;
		}
		jw_put(w, esc, el);
		run = ++i;
	}
	jw_put(w, (const char *)s + run, i - run);
	JW_LIT(w, "\"");
}

static void jw_int(struct jw *w, int64_t v)
{
	char d[24];
	size_t i = sizeof d;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--i] = '-';
	jw_put(w, d + i, sizeof d - i);
}

static void jw_tags(struct jw *w, const struct store_tag *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			JW_LIT(w, ",{\"key\":");
		else
			JW_LIT(w, "[{\"key\":");
		jw_str(w, t[i].key);
		JW_LIT(w, ",\"value\":");
		jw_str(w, t[i].value);
		JW_LIT(w, "}");
	}
	JW_LIT(w, "]");
}

/* api_json_model_version */
static void jw_model_version(struct jw *w, const struct store_model_version *v)
{
	JW_LIT(w, "{\"name\":");
	jw_str(w, v->name);
	JW_KEY(w, "version");
	jw_str(w, v->version);
	JW_KEY(w, "creation_timestamp");
	jw_int(w, v->creation_timestamp);
	JW_KEY(w, "last_updated_timestamp");
	jw_int(w, v->last_updated_timestamp);
	if (v->user_id && *v->user_id) {
		JW_KEY(w, "user_id");
		jw_str(w, v->user_id);
	}
	JW_KEY(w, "current_stage");
	jw_str(w, v->current_stage ? v->current_stage : "None");
	if (v->description && *v->description) {
		JW_KEY(w, "description");
		jw_str(w, v->description);
	}
	JW_KEY(w, "source");
	jw_str(w, v->source);
	if (v->run_id && *v->run_id) {
		JW_KEY(w, "run_id");
		jw_str(w, v->run_id);
	}
	if (v->run_link && *v->run_link) {
		JW_KEY(w, "run_link");
		jw_str(w, v->run_link);
	}
	JW_KEY(w, "status");
	jw_str(w, v->status ? v->status : "READY");
	if (v->status_message && *v->status_message) {
		JW_KEY(w, "status_message");
		jw_str(w, v->status_message);
	}
	if (v->ntags) {
		JW_KEY(w, "tags");
		jw_tags(w, v->tags, v->ntags);
	}
	if (v->naliases) {
		JW_KEY(w, "aliases");
		for (size_t i = 0; i < v->naliases; i++) {
			jw_put(w, i ? "," : "[", 1);
			jw_str(w, v->aliases[i]);
		}
		JW_LIT(w, "]");
	}
	JW_LIT(w, "}");
}

/* api_json_registered_model */
static void jw_registered_model(struct jw *w, const struct store_registered_model *m)
{
	JW_LIT(w, "{\"name\":");
	jw_str(w, m->name);
	JW_KEY(w, "creation_timestamp");
	jw_int(w, m->creation_timestamp);
	JW_KEY(w, "last_updated_timestamp");
	jw_int(w, m->last_updated_timestamp);
	if (m->user_id && *m->user_id) {
		JW_KEY(w, "user_id");
		jw_str(w, m->user_id);
	}
	if (m->description && *m->description) {
		JW_KEY(w, "description");
		jw_str(w, m->description);
	}
	if (m->nlatest) {
		JW_KEY(w, "latest_versions");
		for (size_t i = 0; i < m->nlatest; i++) {
			jw_put(w, i ? "," : "[", 1);
			jw_model_version(w, &m->latest_versions[i]);
		}
		JW_LIT(w, "]");
	}
	if (m->ntags) {
		JW_KEY(w, "tags");
		jw_tags(w, m->tags, m->ntags);
	}
	if (m->naliases) {
		JW_KEY(w, "aliases");
		for (size_t i = 0; i < m->naliases; i++) {
			if (i)
				JW_LIT(w, ",{\"alias\":");
			else
				JW_LIT(w, "[{\"alias\":");
			jw_str(w, m->aliases[i].alias);
			JW_LIT(w, ",\"version\":");
			jw_str(w, m->aliases[i].version);
			JW_LIT(w, "}");
		}
		JW_LIT(w, "]");
	}
	JW_LIT(w, "}");
}

static struct jw *jw_open(struct buf *out)
{
	struct jw *w = cairn_malloc(sizeof *w);
	if (w) {
		w->out = out;
		w->n = 0;
		w->rc = 0;
	}
	return w;
}

/* Flush and free; the writer's result. On failure `out` keeps what it had before. */
static int jw_close(struct jw *w, size_t old_len)
{
	jw_flush(w);
	int rc = w->rc;
	if (rc != 0) {
		w->out->len = old_len;
		if (w->out->data)
			w->out->data[old_len] = '\0';
	}
	cairn_free(w);
	return rc;
}

int api_write_model_version(struct buf *out, const struct store_model_version *v)
{
	size_t old = out->len;
	struct jw *w = jw_open(out);
	if (!w)
		return CAIRN_ENOMEM;
	jw_model_version(w, v);
	return jw_close(w, old);
}

int api_write_registered_model(struct buf *out, const struct store_registered_model *m)
{
	size_t old = out->len;
	struct jw *w = jw_open(out);
	if (!w)
		return CAIRN_ENOMEM;
	jw_registered_model(w, m);
	return jw_close(w, old);
}

/* {"<key>":[v...],"next_page_token":...} of versions or models (exactly one given). */
static int respond_page(struct api_call *c, const char *key,
			const struct store_model_version *v, const struct store_registered_model *m,
			size_t n, const char *token)
{
	struct http_response *res = c->res;
	buf_reset(&res->body);
	/* A full page of versions is megabytes: the same cap as api_respond_json's. */
	if (res->body.cap < REG_RESPONSE_CAP)
		res->body.cap = REG_RESPONSE_CAP;
	res->content_type = "application/json";
	/* One allocation for the whole page instead of doubling through megabytes (measured
	 * ~240 bytes per version and ~1 KB per model on the registry benchmark). Only a hint:
	 * if it fails, appends grow the buffer as usual and report any real failure. */
	size_t per = v ? 256 : 1024;
	if (n < REG_RESPONSE_CAP / per)
		(void)buf_reserve(&res->body, n * per + 64);
	struct jw *w = jw_open(&res->body);
	if (!w)
		return api_respond_json_steal(res, NULL);  /* its out-of-memory answer */
	JW_LIT(w, "{\"");
	jw_put(w, key, strlen(key));
	JW_LIT(w, "\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			JW_LIT(w, ",");
		if (v)
			jw_model_version(w, &v[i]);
		else
			jw_registered_model(w, &m[i]);
	}
	JW_LIT(w, "]");
	if (token && *token) {
		JW_KEY(w, "next_page_token");
		jw_str(w, token);
	}
	JW_LIT(w, "}");
	if (jw_close(w, 0) != 0)
		return api_respond_json_steal(res, NULL);
	return 0;
}

/* ------------------------------------------------------------------ helpers */

static int respond_wrapped(struct api_call *c, const char *key, json_t *v)
{
	json_t *o = json_object();
	if (!v || !o || json_object_set_new(o, key, v) != 0) {
		if (!o)
			json_decref(v);
		json_decref(o);
		o = NULL;
	}
	return api_respond_json_steal(c->res, o);
}

/* The user for the history: the Basic-auth user name when the client sent one. */
static const char *request_user(struct api_call *c)
{
	const char *auth = http_request_header(c->req, "Authorization");
	if (!auth || str_casecmp_ascii(auth, "") == 0 || strncmp(auth, "Basic ", 6) != 0)
		return "";
	size_t n = 0;
	unsigned char *dec = base64_decode(c->arena, auth + 6, &n);
	if (!dec)
		return "";
	char *colon = memchr(dec, ':', n);
	size_t ulen = colon ? (size_t)(colon - (char *)dec) : n;
	const char *u = arena_strndup(c->arena, (const char *)dec, ulen);
	return u && utf8_valid(u, strlen(u)) ? u : "";
}

static int get_name(struct api_call *c, const char **name)
{
	return json_get_str(c->msg, "name", 1, name, &c->err);
}

static int get_name_version(struct api_call *c, const char **name, const char **version)
{
	int rc = get_name(c, name);
	if (rc == 0)
		rc = api_get_id(c->msg, "version", 1, c->arena, version, &c->err);
	return rc;
}

/* ------------------------------------------------------------------ registered models */

static int rm_create(struct api_call *c)
{
	const char *name, *desc = NULL;
	struct store_tag *tags = NULL;
	size_t ntags = 0;
	struct store_registered_model m;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "description", 0, &desc, &c->err);
	if (rc == 0)
		rc = api_get_tags(c->msg, "tags", c->arena, &tags, &ntags, &c->err);
	if (rc == 0)
		rc = store_create_registered_model(c->ctx->store, name, desc, tags, ntags, c->arena, &m,
						   &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "registered_model", api_json_registered_model(&m));
}

static int rm_get(struct api_call *c)
{
	const char *name;
	struct store_registered_model m;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = store_get_registered_model(c->ctx->store, name, c->arena, &m, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "registered_model", api_json_registered_model(&m));
}

static int rm_rename(struct api_call *c)
{
	const char *name, *new_name;
	struct store_registered_model m;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "new_name", 1, &new_name, &c->err);
	if (rc == 0)
		rc = store_rename_registered_model(c->ctx->store, name, new_name, c->arena, &m, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "registered_model", api_json_registered_model(&m));
}

static int rm_update(struct api_call *c)
{
	const char *name, *desc = NULL;
	struct store_registered_model m;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "description", 0, &desc, &c->err);
	if (rc == 0)
		rc = store_update_registered_model(c->ctx->store, name, desc, c->arena, &m, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "registered_model", api_json_registered_model(&m));
}

static int rm_delete(struct api_call *c)
{
	const char *name;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = store_delete_registered_model(c->ctx->store, name, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int get_query(struct api_call *c, int64_t cap, struct store_registry_query *q)
{
	memset(q, 0, sizeof *q);
	int rc = api_get_max_results(c->msg, cap, &q->max_results, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "page_token", 0, &q->page_token, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "filter", 0, &q->filter, &c->err);
	if (rc == 0)
		rc = api_get_str_array(c->msg, "order_by", 0, c->arena, &q->order_by, &q->norder_by,
				       &c->err);
	return rc;
}

static int rm_search(struct api_call *c)
{
	struct store_registry_query q;
	struct store_registered_model_page page;
	int rc = get_query(c, STORE_REGISTERED_MODELS_MAX_RESULTS, &q);
	if (rc == 0)
		rc = store_search_registered_models(c->ctx->store, &q, c->arena, &page, &c->err);
	return rc != 0 ? rc : respond_page(c, "registered_models", NULL, page.models, page.n,
					   page.next_page_token);
}

static int rm_latest(struct api_call *c)
{
	const char *name;
	const char *const *stages = NULL;
	size_t nstages = 0, n = 0;
	struct store_model_version *v = NULL;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = api_get_str_array(c->msg, "stages", 0, c->arena, &stages, &nstages, &c->err);
	if (rc == 0)
		rc = store_get_latest_versions(c->ctx->store, name, stages, nstages, c->arena, &v, &n,
					       &c->err);
	return rc != 0 ? rc : respond_page(c, "model_versions", v, NULL, n, NULL);
}

static int rm_set_tag(struct api_call *c)
{
	const char *name, *key, *value = NULL;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = api_get_str_or_empty(c->msg, "value", &value, &c->err);
	if (rc == 0)
		rc = store_set_registered_model_tag(c->ctx->store, name, key, value, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int rm_delete_tag(struct api_call *c)
{
	const char *name, *key;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = store_delete_registered_model_tag(c->ctx->store, name, key, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int rm_alias_set(struct api_call *c)
{
	const char *name, *alias, *version;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "alias", 1, &alias, &c->err);
	if (rc == 0)
		rc = api_get_id(c->msg, "version", 1, c->arena, &version, &c->err);
	struct store_actor who = { request_user(c), "set via REST API" };
	if (rc == 0)
		rc = store_set_registered_model_alias(c->ctx->store, name, alias, version, &who, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int rm_alias_delete(struct api_call *c)
{
	const char *name, *alias;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "alias", 1, &alias, &c->err);
	struct store_actor who = { request_user(c), "deleted via REST API" };
	if (rc == 0)
		rc = store_delete_registered_model_alias(c->ctx->store, name, alias, &who, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int rm_alias_get(struct api_call *c)
{
	const char *name, *alias;
	struct store_model_version v;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = json_get_str(c->msg, "alias", 1, &alias, &c->err);
	if (rc == 0)
		rc = store_get_model_version_by_alias(c->ctx->store, name, alias, c->arena, &v, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "model_version", api_json_model_version(&v));
}

static int rm_history(struct api_call *c)
{
	const char *name, *version = NULL;
	struct store_registry_event *ev = NULL;
	size_t n = 0;
	int rc = get_name(c, &name);
	if (rc == 0)
		rc = api_get_id(c->msg, "version", 0, c->arena, &version, &c->err);
	if (rc == 0)
		rc = store_list_registry_history(c->ctx->store, name, version, c->arena, &ev, &n, &c->err);
	if (rc != 0)
		return rc;
	json_t *arr = json_array();
	int bad = !arr;
	for (size_t i = 0; !bad && i < n; i++)
		bad = json_array_append_new(arr, api_json_registry_event(&ev[i])) != 0;
	if (bad) {
		json_decref(arr);
		arr = NULL;
	}
	return respond_wrapped(c, "history", arr);
}

/*
 * cairn extension: POST registered-models/promote {name, version, alias, stage?,
 * archive_previous?, expected_holder_version, user?, reason?} → {model_version,
 * previous_holder_version}. The client has judged its gates against
 * expected_holder_version ("" = no holder); the store moves the alias only if that is
 * still the holder, else 409 RESOURCE_CONFLICT and nothing changes (docs/registry.md).
 */
static int rm_promote(struct api_call *c)
{
	struct store_promotion p;
	memset(&p, 0, sizeof p);
	const char *user = NULL, *reason = NULL;
	int archive = 0, present = 0;
	int rc = get_name_version(c, &p.name, &p.version);
	if (rc == 0)
		rc = json_get_str(c->msg, "alias", 1, &p.alias, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "stage", 0, &p.stage, &c->err);
	if (rc == 0)
		rc = json_get_bool(c->msg, "archive_previous", 0, &archive, &present, &c->err);
	if (rc == 0)
		rc = api_get_str_or_empty(c->msg, "expected_holder_version", &p.expected_holder, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "user", 0, &user, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "reason", 0, &reason, &c->err);
	if (rc != 0)
		return rc;
	if (p.stage && !*p.stage)
		p.stage = NULL;
	p.archive_previous = present && archive;
	p.who.user = user && *user ? user : request_user(c);
	p.who.reason = reason && *reason ? reason : "promoted via REST API";
	const char *prev = "";
	rc = store_promote_model_version(c->ctx->store, &p, c->arena, &prev, &c->err);
	if (rc == CAIRN_ESTATE) {
		/* Not MLflow's 400: the client must tell a lost race from a bad request. */
		api_respond_error_named(c->res, 409, "RESOURCE_CONFLICT", c->err.msg);
		return 0;
	}
	struct store_model_version v;
	if (rc == 0)
		rc = store_get_model_version(c->ctx->store, p.name, p.version, c->arena, &v, &c->err);
	if (rc != 0)
		return rc;
	json_t *o = json_object();
	json_t *mv = api_json_model_version(&v);
	if (!o || !mv || json_object_set_new(o, "model_version", mv) != 0 ||
	    json_object_set_new(o, "previous_holder_version", api_json_str(prev ? prev : "")) != 0) {
		if (!o)
			json_decref(mv);
		json_decref(o);
		o = NULL;
	}
	return api_respond_json_steal(c->res, o);
}

/* ------------------------------------------------------------------ model versions */

static int mv_create(struct api_call *c)
{
	struct store_model_version_create req;
	struct store_tag *tags = NULL;
	memset(&req, 0, sizeof req);
	struct store_model_version v;
	int rc = get_name(c, &req.name);
	if (rc == 0)
		rc = json_get_str(c->msg, "source", 1, &req.source, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "run_id", 0, &req.run_id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "run_link", 0, &req.run_link, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "description", 0, &req.description, &c->err);
	if (rc == 0)
		rc = api_get_tags(c->msg, "tags", c->arena, &tags, &req.ntags, &c->err);
	req.tags = tags;
	if (rc == 0)
		rc = store_create_model_version(c->ctx->store, &req, c->arena, &v, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "model_version", api_json_model_version(&v));
}

static int mv_get(struct api_call *c)
{
	const char *name, *version;
	struct store_model_version v;
	int rc = get_name_version(c, &name, &version);
	if (rc == 0)
		rc = store_get_model_version(c->ctx->store, name, version, c->arena, &v, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "model_version", api_json_model_version(&v));
}

static int mv_update(struct api_call *c)
{
	const char *name, *version, *desc = NULL;
	struct store_model_version v;
	int rc = get_name_version(c, &name, &version);
	if (rc == 0)
		rc = json_get_str(c->msg, "description", 0, &desc, &c->err);
	if (rc == 0)
		rc = store_update_model_version(c->ctx->store, name, version, desc, c->arena, &v, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "model_version", api_json_model_version(&v));
}

static int mv_delete(struct api_call *c)
{
	const char *name, *version;
	int rc = get_name_version(c, &name, &version);
	struct store_actor who = { request_user(c), "version deleted via REST API" };
	if (rc == 0)
		rc = store_delete_model_version(c->ctx->store, name, version, &who, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int mv_search(struct api_call *c)
{
	struct store_registry_query q;
	struct store_model_version_page page;
	int rc = get_query(c, STORE_MODEL_VERSIONS_MAX_RESULTS, &q);
	if (rc == 0)
		rc = store_search_model_versions(c->ctx->store, &q, c->arena, &page, &c->err);
	return rc != 0 ? rc : respond_page(c, "model_versions", page.versions, NULL, page.n,
					   page.next_page_token);
}

static int mv_transition(struct api_call *c)
{
	const char *name, *version, *stage;
	int archive = 0, present = 0;
	struct store_model_version v;
	int rc = get_name_version(c, &name, &version);
	if (rc == 0)
		rc = json_get_str(c->msg, "stage", 1, &stage, &c->err);
	if (rc == 0)
		rc = json_get_bool(c->msg, "archive_existing_versions", 0, &archive, &present, &c->err);
	struct store_actor who = { request_user(c), "transition-stage via REST API" };
	if (rc == 0)
		rc = store_transition_model_version_stage(c->ctx->store, name, version, stage,
							  present && archive, &who, c->arena, &v, &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "model_version", api_json_model_version(&v));
}

static int mv_download_uri(struct api_call *c)
{
	const char *name, *version, *uri = NULL;
	int rc = get_name_version(c, &name, &version);
	if (rc == 0)
		rc = store_get_model_version_download_uri(c->ctx->store, name, version, c->arena, &uri,
							  &c->err);
	return rc != 0 ? rc : respond_wrapped(c, "artifact_uri", api_json_str(uri));
}

static int mv_set_tag(struct api_call *c)
{
	const char *name, *version, *key, *value = NULL;
	int rc = get_name_version(c, &name, &version);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = api_get_str_or_empty(c->msg, "value", &value, &c->err);
	if (rc == 0)
		rc = store_set_model_version_tag(c->ctx->store, name, version, key, value, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

static int mv_delete_tag(struct api_call *c)
{
	const char *name, *version, *key;
	int rc = get_name_version(c, &name, &version);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = store_delete_model_version_tag(c->ctx->store, name, version, key, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

/* ------------------------------------------------------------------ routing */

#define API_PREFIX "/api/2.0/mlflow/"
#define AJAX_PREFIX "/ajax-api/2.0/mlflow/"

static const struct api_endpoint registry_endpoints[] = {
	{ "POST", "registered-models/create", rm_create, API_BODY_SMALL, 0 },
	{ "GET", "registered-models/get", rm_get, API_BODY_SMALL, 0 },
	{ "POST", "registered-models/rename", rm_rename, API_BODY_SMALL, 0 },
	{ "PATCH", "registered-models/update", rm_update, API_BODY_SMALL, 0 },
	{ "DELETE", "registered-models/delete", rm_delete, API_BODY_SMALL, 0 },
	{ "GET", "registered-models/search", rm_search, API_BODY_SMALL, 0 },
	{ "POST", "registered-models/get-latest-versions", rm_latest, API_BODY_SMALL, 0 },
	{ "GET", "registered-models/get-latest-versions", rm_latest, API_BODY_SMALL, 0 },
	{ "POST", "registered-models/set-tag", rm_set_tag, API_BODY_SMALL, 0 },
	{ "DELETE", "registered-models/delete-tag", rm_delete_tag, API_BODY_SMALL, 0 },
	{ "POST", "registered-models/alias", rm_alias_set, API_BODY_SMALL, 0 },
	{ "DELETE", "registered-models/alias", rm_alias_delete, API_BODY_SMALL, 0 },
	{ "GET", "registered-models/alias", rm_alias_get, API_BODY_SMALL, 0 },
	{ "GET", "registered-models/history", rm_history, API_BODY_SMALL, 0 },
	{ "POST", "registered-models/promote", rm_promote, API_BODY_SMALL, 0 },
	{ "POST", "model-versions/create", mv_create, API_BODY_SMALL, 0 },
	{ "GET", "model-versions/get", mv_get, API_BODY_SMALL, 0 },
	{ "PATCH", "model-versions/update", mv_update, API_BODY_SMALL, 0 },
	{ "DELETE", "model-versions/delete", mv_delete, API_BODY_SMALL, 0 },
	{ "GET", "model-versions/search", mv_search, API_BODY_SMALL, 0 },
	{ "POST", "model-versions/transition-stage", mv_transition, API_BODY_SMALL, 0 },
	{ "GET", "model-versions/get-download-uri", mv_download_uri, API_BODY_SMALL, 0 },
	{ "POST", "model-versions/set-tag", mv_set_tag, API_BODY_SMALL, 0 },
	{ "DELETE", "model-versions/delete-tag", mv_delete_tag, API_BODY_SMALL, 0 },
};
#define N_REGISTRY (sizeof registry_endpoints / sizeof registry_endpoints[0])

/* Full paths, built at compile time so that routes need no allocation. Same order. */
#define PATHS(p) \
	p "registered-models/create", p "registered-models/get", p "registered-models/rename", \
	p "registered-models/update", p "registered-models/delete", p "registered-models/search", \
	p "registered-models/get-latest-versions", p "registered-models/get-latest-versions", \
	p "registered-models/set-tag", p "registered-models/delete-tag", p "registered-models/alias", \
	p "registered-models/alias", p "registered-models/alias", p "registered-models/history", \
	p "registered-models/promote", \
	p "model-versions/create", p "model-versions/get", p "model-versions/update", \
	p "model-versions/delete", p "model-versions/search", p "model-versions/transition-stage", \
	p "model-versions/get-download-uri", p "model-versions/set-tag", p "model-versions/delete-tag"
static const char *const api_paths[] = { PATHS(API_PREFIX) };
static const char *const ajax_paths[] = { PATHS(AJAX_PREFIX) };

_Static_assert(sizeof api_paths / sizeof api_paths[0] == N_REGISTRY, "registry path table");
_Static_assert(2 * N_REGISTRY == API_REGISTRY_NROUTES, "API_REGISTRY_NROUTES");

static const struct api_endpoint *find_endpoint(const char *method, const char *path)
{
	const char *sub = NULL;
	if (str_has_prefix(path, API_PREFIX))
		sub = path + strlen(API_PREFIX);
	else if (str_has_prefix(path, AJAX_PREFIX))
		sub = path + strlen(AJAX_PREFIX);
	if (!sub)
		return NULL;
	for (size_t i = 0; i < N_REGISTRY; i++)
		if (strcmp(registry_endpoints[i].name, sub) == 0 &&
		    strcmp(registry_endpoints[i].method, method) == 0)
			return &registry_endpoints[i];
	return NULL;
}

static int registry_dispatch(struct http_request *req, struct http_response *res)
{
	struct api_context *ctx = req->route_data;
	if (ctx->artifacts_only || !ctx->store) {
		char msg[768];
		snprintf(msg, sizeof msg,
			 "Endpoint: %.500s disabled due to the cairn server running in `--artifacts-only` "
			 "mode. To enable tracking server functionality, run `cairn server` without "
			 "`--artifacts-only`", req->path ? req->path : "");
		return api_respond_text(res, 503, msg);
	}
	const struct api_endpoint *ep = find_endpoint(req->method, req->path);
	if (!ep)  /* the router matched this path and method; never expected */
		return api_respond_errorf(res, CAIRN_EINTERNAL, "no registry handler for %s %.300s",
					  req->method, req->path);
	struct api_call c;
	memset(&c, 0, sizeof c);
	c.ctx = ctx;
	c.req = req;
	c.res = res;
	c.arena = req->arena;
	/* As in rpc_dispatch: this request's jansson values live in its arena. */
	struct arena *prev_json = json_arena_begin(req->arena);
	int rc;
	if (strcmp(req->method, "GET") == 0) {
		rc = api_message_from_query(req->params, req->nparams, api_repeated_default, &c.msg, &c.err);
	} else {
		rc = api_check_json_content_type(req->method, http_request_header(req, "Content-Type"),
						 &c.err);
		if (rc == 0)
			rc = api_message_from_body(req->body, req->body_len, &c.msg, &c.err);
	}
	if (rc == 0)
		rc = ep->fn(&c);
	json_decref(c.msg);
	if (rc != 0) {
		if (c.err.code == 0)
			c.err.code = rc;
		api_respond_error(res, &c.err);
	}
	json_arena_end(prev_json);
	return rc;
}

int api_registry_routes(struct api_context *ctx, struct http_route *out, size_t cap, size_t *n)
{
	*n = API_REGISTRY_NROUTES;
	if (cap < API_REGISTRY_NROUTES)
		return CAIRN_ETOOBIG;
	size_t k = 0;
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < N_REGISTRY; i++) {
			out[k++] = (struct http_route){
				.method = registry_endpoints[i].method,
				.path = p == 0 ? api_paths[i] : ajax_paths[i],
				.match = HTTP_MATCH_EXACT,
				.handler = registry_dispatch,
				.body_limit = registry_endpoints[i].body_limit,
				.data = ctx,
			};
		}
	}
	return 0;
}
