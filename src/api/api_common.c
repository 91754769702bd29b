/*
 * Shared pieces of the api module: MLflow's error mapping (spec §1.4), request messages
 * (spec §1.2, §1.3, §1.5), and responses. Depends on base and jansson only, so the unit
 * tests drive it without a server.
 */
#include "api/api_internal.h"

#include <limits.h>
#include <string.h>

/* ------------------------------------------------------------------ error mapping */

const char *api_error_code_name(int code)
{
	switch (code) {
	case CAIRN_EINVAL:
	case CAIRN_ETOOBIG:
	case CAIRN_ESTATE:
		return "INVALID_PARAMETER_VALUE";
	case CAIRN_ENOENT:
		return "RESOURCE_DOES_NOT_EXIST";
	case CAIRN_EEXIST:
		return "RESOURCE_ALREADY_EXISTS";
	case CAIRN_EUNSUPPORTED:
		return "NOT_IMPLEMENTED";
	case CAIRN_EBUSY:
		return "TEMPORARILY_UNAVAILABLE";
	default:
		return "INTERNAL_ERROR";
	}
}

int api_error_http_status(int code)
{
	switch (code) {
	case CAIRN_EINVAL:
	case CAIRN_ETOOBIG:
	case CAIRN_ESTATE:
	case CAIRN_EEXIST:     /* MLflow answers 400, not 409, for duplicates */
		return 400;
	case CAIRN_ENOENT:
		return 404;
	case CAIRN_EUNSUPPORTED:
		return 501;
	case CAIRN_EBUSY:
		return 503;
	default:
		return 500;
	}
}

/* ------------------------------------------------------------------ UTF-8 repair */

/* Byte offset of the first ill-formed sequence (only called once utf8_valid said no). */
static size_t utf8_bad_offset(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		size_t l = utf8_seq_len((const char *)s + i, n - i);
		if (l == 0)
			return i;
		i += l;
	}
	return n;
}

json_t *api_json_str(const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	if (utf8_valid(s, n))
		return json_stringn_nocheck(s, n);
	/* Stored data should be valid; if something else wrote the database, answer with
	 * U+FFFD rather than failing the whole response. */
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *fixed = cairn_malloc(n * 3 + 1);
	if (!fixed)
		return NULL;
	size_t o = 0, i = 0;
	const unsigned char *u = (const unsigned char *)s;
	while (i < n) {
		size_t l = utf8_seq_len((const char *)u + i, n - i);
		if (l == 0) {
			memcpy(fixed + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(fixed + o, s + i, l);
			o += l;
			i += l;
		}
	}
	json_t *v = json_stringn_nocheck(fixed, o);
	cairn_free(fixed);
	return v;
}

/* ------------------------------------------------------------------ responses */

static const char oom_body[] =
	"{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"out of memory while building the response\"}";

static void respond_oom(struct http_response *res)
{
	res->status = 500;
	res->content_type = "application/json";
	buf_reset(&res->body);
	(void)buf_append(&res->body, oom_body, sizeof oom_body - 1);
}

/* A full runs/search page (50000 runs) can pass the default 64 MiB buffer cap. */
#define API_RESPONSE_CAP ((size_t)1 << 30)

int api_respond_json(struct http_response *res, const json_t *v)
{
	buf_reset(&res->body);
	if (res->body.cap < API_RESPONSE_CAP)
		res->body.cap = API_RESPONSE_CAP;
	res->content_type = "application/json";
	int rc = json_dump_buf(v, &res->body);
	if (rc != 0)
		buf_reset(&res->body);
	return rc;
}

int api_respond_json_steal(struct http_response *res, json_t *v)
{
	if (!v || api_respond_json(res, v) != 0)
		respond_oom(res);
	json_decref(v);
	return 0;
}

int api_respond_empty(struct http_response *res)
{
	res->content_type = "application/json";
	buf_reset(&res->body);
	if (buf_append(&res->body, "{}", 2) != 0)
		respond_oom(res);
	return 0;
}

int api_respond_text(struct http_response *res, int status, const char *text)
{
	res->status = status;
	res->content_type = "text/plain; charset=utf-8";
	buf_reset(&res->body);
	if (buf_append_str(&res->body, text) != 0)
		respond_oom(res);
	return 0;
}

int api_respond_error_named(struct http_response *res, int status, const char *error_code,
			    const char *message)
{
	json_t *o = json_object();
	int bad = !o;
	if (o) {
		bad |= json_object_set_new(o, "error_code", json_string(error_code)) != 0;
		bad |= json_object_set_new(o, "message", api_json_str(message)) != 0;
	}
	if (bad || api_respond_json(res, o) != 0)
		respond_oom(res);
	else
		res->status = status;
	json_decref(o);
	return 0;
}

int api_respond_error(struct http_response *res, const struct cairn_error *err)
{
	int code = err && err->code != 0 ? err->code : CAIRN_EINTERNAL;
	const char *msg = err && err->msg[0] ? err->msg : cairn_strerror(code);
	return api_respond_error_named(res, api_error_http_status(code), api_error_code_name(code), msg);
}

int api_respond_errorf(struct http_response *res, int code, const char *fmt, ...)
{
	struct cairn_error err;
	va_list ap;
	va_start(ap, fmt);
	cairn_error_vset(&err, code, fmt, ap);
	va_end(ap);
	return api_respond_error(res, &err);
}

int api_not_found(struct http_request *req, struct http_response *res)
{
	char msg[700];
	const char *method = req && req->method ? req->method : "?";
	const char *path = req && req->path ? req->path : "?";
	/* The server pre-sets 405 when the path exists under another method (http.h). */
	if (res->status == 405) {
		snprintf(msg, sizeof msg, "Method %.16s not allowed for %.600s", method, path);
		return api_respond_error_named(res, 405, "INVALID_PARAMETER_VALUE", msg);
	}
	snprintf(msg, sizeof msg, "No API endpoint found for %.16s %.600s", method, path);
	return api_respond_error_named(res, 404, "ENDPOINT_NOT_FOUND", msg);
}

/* ------------------------------------------------------------------ request messages */

const char *const api_repeated_default[] = { "order_by", "run_ids", "experiment_ids", "stages", NULL };
const char *const api_repeated_run_id[] = { "run_id", "order_by", NULL };

static int is_repeated(const char *key, const char *const *repeated)
{
	for (; repeated && *repeated; repeated++)
		if (strcmp(key, *repeated) == 0)
			return 1;
	return 0;
}

int api_message_from_query(const struct http_kv *params, size_t n, const char *const *repeated,
			   json_t **out, struct cairn_error *err)
{
	*out = NULL;
	json_t *msg = json_object();
	if (!msg)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory building the request message");
	for (size_t i = 0; i < n; i++) {
		const char *key = params[i].key;
		const char *val = params[i].value ? params[i].value : "";
		size_t vlen = params[i].value ? params[i].value_len : 0;
		if (!key || !utf8_valid(key, strlen(key)))
			continue;  /* unknown to every message: ignored like any unknown field */
		if (memchr(val, '\0', vlen)) {
			cairn_error_set(err, CAIRN_EINVAL,
					"Invalid value for query parameter '%s': it contains a NUL byte", key);
			goto fail;
		}
		if (!utf8_valid(val, vlen)) {
			cairn_error_set(err, CAIRN_EINVAL,
					"Invalid value for query parameter '%s': not valid UTF-8 at byte %zu",
					key, utf8_bad_offset(val, vlen));
			goto fail;
		}
		if (is_repeated(key, repeated)) {
			json_t *arr = json_object_get(msg, key);
			if (!arr) {
				arr = json_array();
				if (!arr || json_object_set_new(msg, key, arr) != 0)
					goto oom;
			}
			if (json_array_append_new(arr, json_stringn_nocheck(val, vlen)) != 0)
				goto oom;
		} else if (!json_object_get(msg, key)) {
			if (json_object_set_new(msg, key, json_stringn_nocheck(val, vlen)) != 0)
				goto oom;
		}
	}
	*out = msg;
	return 0;
oom:
	cairn_error_set(err, CAIRN_ENOMEM, "out of memory building the request message");
fail:
	json_decref(msg);
	return err ? err->code : CAIRN_EINVAL;
}

int api_check_json_content_type(const char *method, const char *content_type,
				struct cairn_error *err)
{
	if (!method || (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0))
		return 0;
	if (!content_type)
		return cairn_error_set(err, CAIRN_EINVAL, "Bad Request. Content-Type header is missing.");
	const char *s = content_type;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strcspn(s, ";");
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	static const char want[] = "application/json";
	if (len == sizeof want - 1) {
		size_t i = 0;
		for (; i < len; i++) {
			char c = s[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != want[i])
				break;
		}
		if (i == len)
			return 0;
	}
	return cairn_error_set(err, CAIRN_EINVAL,
			       "Bad Request. Content-Type must be one of ['application/json'].");
}

static int all_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static int parse_json(const char *s, size_t n, json_t **out, struct cairn_error *err)
{
	json_error_t jerr;
	json_t *v = json_loadb(s, n, JSON_DECODE_ANY, &jerr);
	if (!v)
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Malformed JSON request body: %s at line %d column %d",
				       jerr.text, jerr.line, jerr.column);
	*out = v;
	return 0;
}

int api_message_from_body(const char *body, size_t len, json_t **out, struct cairn_error *err)
{
	*out = NULL;
	if (!body || len == 0 || all_space(body, len)) {
		*out = json_object();
		return *out ? 0 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	}
	if (!utf8_valid(body, len))
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Request body is not valid UTF-8: bad byte at offset %zu",
				       utf8_bad_offset(body, len));
	json_t *v = NULL;
	int rc = parse_json(body, len, &v, err);
	if (rc != 0)
		return rc;
	if (json_is_string(v)) {
		/* Old clients sent the message JSON-encoded twice. */
		json_t *inner = NULL;
		rc = parse_json(json_string_value(v), json_string_length(v), &inner, err);
		json_decref(v);
		if (rc != 0)
			return rc;
		v = inner;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Malformed JSON request body: the request message must be a JSON object");
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ field readers */

int api_get_run_id(json_t *msg, int allow_uuid, const char **out, struct cairn_error *err)
{
	const char *v = NULL;
	int rc = json_get_str(msg, "run_id", 0, &v, err);
	if (rc != 0)
		return rc;
	if ((!v || !*v) && allow_uuid) {
		rc = json_get_str(msg, "run_uuid", 0, &v, err);
		if (rc != 0)
			return rc;
	}
	if (!v || !*v) {
		/* Let base word the error the way every other required field is worded. */
		rc = json_get_str(msg, "run_id", 1, &v, err);
		return rc != 0 ? rc : cairn_error_set(err, CAIRN_EINVAL,
			"Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
	}
	*out = v;
	return 0;
}

int api_get_id(json_t *msg, const char *name, int required, struct arena *a, const char **out,
	       struct cairn_error *err)
{
	json_t *v = json_object_get(msg, name);
	*out = NULL;
	if (v && json_is_integer(v)) {
		char *s = arena_printf(a, "%lld", (long long)json_integer_value(v));
		if (!s)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		*out = s;
		return 0;
	}
	return json_get_str(msg, name, required, out, err);
}

int api_get_str_or_empty(json_t *msg, const char *name, const char **out, struct cairn_error *err)
{
	const char *v = NULL;
	int rc = json_get_str(msg, name, 0, &v, err);
	if (rc != 0)
		return rc;
	*out = v ? v : "";
	return 0;
}

int api_get_str_array(json_t *msg, const char *name, int ints_ok, struct arena *a,
		      const char *const **out, size_t *n, struct cairn_error *err)
{
	json_t *arr = NULL;
	*out = NULL;
	*n = 0;
	int rc = json_get_array(msg, name, 0, &arr, err);
	if (rc != 0 || !arr)
		return rc;
	size_t count = json_array_size(arr);
	if (count == 0)
		return 0;
	const char **items = arena_alloc(a, count * sizeof *items);
	if (!items)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		json_t *e = json_array_get(arr, i);
		if (json_is_string(e)) {
			items[i] = json_string_value(e);
		} else if (ints_ok && json_is_integer(e)) {
			items[i] = arena_printf(a, "%lld", (long long)json_integer_value(e));
			if (!items[i])
				return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		} else {
			return cairn_error_set(err, CAIRN_EINVAL,
					       "Invalid value for parameter '%s': element %zu is not a string",
					       name, i);
		}
	}
	*out = items;
	*n = count;
	return 0;
}

int api_get_tags(json_t *msg, const char *name, struct arena *a, struct store_tag **out,
		 size_t *n, struct cairn_error *err)
{
	json_t *arr = NULL;
	*out = NULL;
	*n = 0;
	int rc = json_get_array(msg, name, 0, &arr, err);
	if (rc != 0 || !arr)
		return rc;
	size_t count = json_array_size(arr);
	if (count == 0)
		return 0;
	struct store_tag *tags = arena_alloc(a, count * sizeof *tags);
	if (!tags)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			return cairn_error_set(err, CAIRN_EINVAL,
					       "Invalid value for parameter '%s': element %zu is not an object",
					       name, i);
		rc = json_get_str(e, "key", 1, &tags[i].key, err);
		if (rc == 0)
			rc = api_get_str_or_empty(e, "value", &tags[i].value, err);
		if (rc != 0) {
			cairn_error_prefix(err, "%s[%zu]", name, i);
			return rc;
		}
	}
	*out = tags;
	*n = count;
	return 0;
}

int api_get_max_results(json_t *msg, int64_t cap, int64_t *out, struct cairn_error *err)
{
	int present = 0;
	int64_t v = 0;
	*out = 0;
	int rc = json_get_int64(msg, "max_results", 0, &v, &present, err);
	if (rc != 0 || !present)
		return rc;
	if (v < 1)
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Invalid value for request parameter max_results. It must be a positive integer, but got %lld",
				       (long long)v);
	if (v > cap)
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Invalid value for request parameter max_results. It must be at most %lld, but got value %lld",
				       (long long)cap, (long long)v);
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ enums */

struct enum_name {
	const char *name;
	int value;
};

static const struct enum_name run_status_names[] = {
	{ "RUNNING", 1 }, { "SCHEDULED", 2 }, { "FINISHED", 3 }, { "FAILED", 4 }, { "KILLED", 5 },
	{ NULL, 0 },
};
static const struct enum_name view_type_names[] = {
	{ "ACTIVE_ONLY", 1 }, { "DELETED_ONLY", 2 }, { "ALL", 3 }, { NULL, 0 },
};

static int enum_known(const struct enum_name *tab, int64_t v)
{
	for (; tab->name; tab++)
		if (tab->value == v)
			return 1;
	return 0;
}

static int get_enum(json_t *msg, const char *name, const struct enum_name *tab, int *out,
		    int *present, struct cairn_error *err)
{
	json_t *v = json_object_get(msg, name);
	if (present)
		*present = 0;
	if (!v || json_is_null(v))
		return 0;
	int64_t num = 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		for (const struct enum_name *t = tab; t->name; t++) {
			if (strcmp(s, t->name) == 0) {
				*out = t->value;
				if (present)
					*present = 1;
				return 0;
			}
		}
		if (str_to_int64(s, &num) != 0)
			goto bad;
	} else if (json_is_integer(v)) {
		num = json_integer_value(v);
	} else {
		goto bad;
	}
	if (!enum_known(tab, num))
		goto bad;
	*out = (int)num;
	if (present)
		*present = 1;
	return 0;
bad:;
	char shown[128];
	if (json_is_string(v))
		snprintf(shown, sizeof shown, "'%.100s'", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(shown, sizeof shown, "%lld", (long long)json_integer_value(v));
	else
		snprintf(shown, sizeof shown, "of JSON type %d", (int)json_typeof(v));
	char names[128] = "";
	size_t used = 0;
	for (const struct enum_name *t = tab; t->name; t++) {
		int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", t->name);
		if (w < 0 || (size_t)w >= sizeof names - used)
			break;
		used += (size_t)w;
	}
	return cairn_error_set(err, CAIRN_EINVAL,
			       "Invalid value %s for parameter '%s' supplied: expected one of %s",
			       shown, name, names);
}

int api_get_run_status(json_t *msg, const char *name, int *out, int *present, struct cairn_error *err)
{
	return get_enum(msg, name, run_status_names, out, present, err);
}

int api_get_view_type(json_t *msg, const char *name, int *out, int *present, struct cairn_error *err)
{
	return get_enum(msg, name, view_type_names, out, present, err);
}

const char *api_run_status_name(int status)
{
	for (const struct enum_name *t = run_status_names; t->name; t++)
		if (t->value == status)
			return t->name;
	return NULL;
}

/* ------------------------------------------------------------------ entity encoding */

/* Each setter returns non-zero on failure; callers OR them together and check once. */
static int set_str(json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, api_json_str(v)) != 0;
}

static int set_int(json_t *o, const char *k, int64_t v)
{
	return json_object_set_new(o, k, json_integer((json_int_t)v)) != 0;
}

static json_t *tags_array(const struct store_tag *tags, size_t n)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_object();
		int bad = !t || json_array_append_new(arr, t) != 0;
		if (!bad) {
			bad |= set_str(t, "key", tags[i].key);
			bad |= set_str(t, "value", tags[i].value);
		}
		if (bad) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *api_json_experiment(const struct store_experiment *e)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = set_str(o, "experiment_id", e->experiment_id);
	bad |= set_str(o, "name", e->name);
	if (e->artifact_location)
		bad |= set_str(o, "artifact_location", e->artifact_location);
	bad |= set_str(o, "lifecycle_stage", e->lifecycle_stage ? e->lifecycle_stage : "active");
	if (e->last_update_time != 0)
		bad |= set_int(o, "last_update_time", e->last_update_time);
	if (e->creation_time != 0)
		bad |= set_int(o, "creation_time", e->creation_time);
	if (e->ntags > 0)
		bad |= json_object_set_new(o, "tags", tags_array(e->tags, e->ntags)) != 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *api_json_run_info(const struct store_run_info *info)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = set_str(o, "run_id", info->run_id);
	bad |= set_str(o, "run_uuid", info->run_id);
	if (info->run_name)
		bad |= set_str(o, "run_name", info->run_name);
	bad |= set_str(o, "experiment_id", info->experiment_id);
	if (info->user_id)
		bad |= set_str(o, "user_id", info->user_id);
	const char *status = api_run_status_name(info->status);
	if (status)
		bad |= set_str(o, "status", status);
	bad |= set_int(o, "start_time", info->start_time);
	if (info->has_end_time)
		bad |= set_int(o, "end_time", info->end_time);
	if (info->artifact_uri)
		bad |= set_str(o, "artifact_uri", info->artifact_uri);
	bad |= set_str(o, "lifecycle_stage", info->lifecycle_stage ? info->lifecycle_stage : "active");
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *api_json_metric(const struct store_metric *m, int with_run_id)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = set_str(o, "key", m->key);
	bad |= json_object_set_new(o, "value", json_double_value(m->value)) != 0;
	bad |= set_int(o, "timestamp", m->timestamp);
	bad |= set_int(o, "step", m->step);
	if (with_run_id)
		bad |= set_str(o, "run_id", m->run_id);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *dataset_input_json(const struct store_dataset_input *in)
{
	json_t *o = json_object();
	json_t *d = json_object();
	if (!o || !d) {
		json_decref(o);
		json_decref(d);
		return NULL;
	}
	int bad = 0;
	if (in->ntags > 0)
		bad |= json_object_set_new(o, "tags", tags_array(in->tags, in->ntags)) != 0;
	bad |= set_str(d, "name", in->dataset.name);
	bad |= set_str(d, "digest", in->dataset.digest);
	bad |= set_str(d, "source_type", in->dataset.source_type);
	bad |= set_str(d, "source", in->dataset.source);
	if (in->dataset.schema)
		bad |= set_str(d, "schema", in->dataset.schema);
	if (in->dataset.profile)
		bad |= set_str(d, "profile", in->dataset.profile);
	bad |= json_object_set_new(o, "dataset", d) != 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *api_json_run(const struct store_run *run)
{
	json_t *o = json_object();
	json_t *data = json_object();
	json_t *inputs = json_object();
	int bad = !o || !data || !inputs;
	if (bad) {
		json_decref(o);
		json_decref(data);
		json_decref(inputs);
		return NULL;
	}
	bad |= json_object_set_new(o, "info", api_json_run_info(&run->info)) != 0;
	bad |= json_object_set_new(o, "data", data) != 0;
	bad |= json_object_set_new(o, "inputs", inputs) != 0;
	if (bad)
		goto fail;
	if (run->nmetrics > 0) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(data, "metrics", arr) != 0)
			goto fail;
		for (size_t i = 0; i < run->nmetrics; i++)
			if (json_array_append_new(arr, api_json_metric(&run->metrics[i], 0)) != 0)
				goto fail;
	}
	if (run->nparams > 0 &&
	    json_object_set_new(data, "params", tags_array(run->params, run->nparams)) != 0)
		goto fail;
	if (run->ntags > 0 &&
	    json_object_set_new(data, "tags", tags_array(run->tags, run->ntags)) != 0)
		goto fail;
	if (run->ninputs > 0) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(inputs, "dataset_inputs", arr) != 0)
			goto fail;
		for (size_t i = 0; i < run->ninputs; i++)
			if (json_array_append_new(arr, dataset_input_json(&run->inputs[i])) != 0)
				goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *api_json_file_info(const struct artifact_file_info *f)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = set_str(o, "path", f->path);
	bad |= json_object_set_new(o, "is_dir", json_boolean(f->is_dir)) != 0;
	if (!f->is_dir && f->file_size >= 0)
		bad |= set_int(o, "file_size", f->file_size);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
