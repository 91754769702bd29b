/* Request-field readers over jansson, with MLflow's error wording. */
#include "base/base.h"

#include <math.h>
#include <string.h>

#define JSON_VALUE_TEXT_MAX 100

struct text_ctx {
	char *out;
	size_t size;   /* bytes available for text, excluding the terminator */
	size_t len;
	int cut;
};

static int text_cb(const char *data, size_t n, void *arg)
{
	struct text_ctx *t = arg;
	size_t room = t->size - t->len;
	size_t k = n < room ? n : room;
	memcpy(t->out + t->len, data, k);
	t->len += k;
	if (k < n) {
		t->cut = 1;
		return -1;  /* stop: the rest would be dropped anyway */
	}
	return 0;
}

/* The value as compact JSON text for error messages, cut at about 100 characters. Dumps
 * through a callback into `out` so that a huge value is never serialised in full. */
static void value_text(const json_t *v, char *out, size_t size)
{
	char text[JSON_VALUE_TEXT_MAX + 1];
	struct text_ctx t = { text, JSON_VALUE_TEXT_MAX + 1, 0, 0 };
	if (json_dump_callback(v, text_cb, &t, JSON_COMPACT | JSON_ENCODE_ANY) != 0 && !t.cut) {
		snprintf(out, size, "(unprintable)");
		return;
	}
	if (t.len > JSON_VALUE_TEXT_MAX) {
		t.cut = 1;
		t.len = JSON_VALUE_TEXT_MAX;
	}
	if (t.cut) {
		/* Cut on a code-point boundary so the message stays valid UTF-8. */
		while (t.len > 0 && ((unsigned char)text[t.len] & 0xC0) == 0x80)
			t.len--;
		snprintf(out, size, "%.*s...", (int)t.len, text);
	} else {
		snprintf(out, size, "%.*s", (int)t.len, text);
	}
}

static int invalid_value(struct cairn_error *err, const json_t *v, const char *name, const char *type)
{
	char text[JSON_VALUE_TEXT_MAX + 16];
	value_text(v, text, sizeof text);
	return cairn_error_set(err, CAIRN_EINVAL, "Invalid value %s for parameter '%s' supplied: expected %s",
			       text, name, type);
}

static int missing_value(struct cairn_error *err, const char *name)
{
	return cairn_error_set(err, CAIRN_EINVAL,
			       "Missing value for required parameter '%s'. See the API docs for more "
			       "information about request parameters.", name);
}

/* obj[name], or NULL when absent or JSON null. */
static json_t *field(json_t *obj, const char *name)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, name) : NULL;
	return json_is_null(v) ? NULL : v;
}

static void set_present(int *present, int value)
{
	if (present)
		*present = value;
}

int json_get_str(json_t *obj, const char *name, int required, const char **out, struct cairn_error *err)
{
	json_t *v = field(obj, name);
	*out = NULL;
	if (!v)
		return required ? missing_value(err, name) : 0;
	if (!json_is_string(v))
		return invalid_value(err, v, name, "string");
	const char *s = json_string_value(v);
	if (required && s[0] == '\0')
		return missing_value(err, name);
	*out = s;
	return 0;
}

/* Largest double below 2^63: integral reals from -2^63 up to this convert exactly. */
#define TWO_POW_63 9223372036854775808.0

int json_value_int64(json_t *v, const char *what, int64_t *out, struct cairn_error *err)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		int64_t x;
		if (str_to_int64(json_string_value(v), &x) != 0)
			return invalid_value(err, v, what, "integer");
		*out = x;
		return 0;
	}
	if (json_is_real(v)) {
		/* jansson reads 5.0 as a real; protobuf JSON accepts it for an int64 field. */
		double d = json_real_value(v);
		if (isfinite(d) && d == floor(d) && d >= -TWO_POW_63 && d < TWO_POW_63) {
			*out = (int64_t)d;
			return 0;
		}
	}
	return invalid_value(err, v, what, "integer");
}

int json_value_double(json_t *v, const char *what, double *out, struct cairn_error *err)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		double d;
		if (str_to_double(json_string_value(v), &d) != 0)
			return invalid_value(err, v, what, "number");
		*out = d;
		return 0;
	}
	return invalid_value(err, v, what, "number");
}

int json_get_int64(json_t *obj, const char *name, int required, int64_t *out, int *present,
		   struct cairn_error *err)
{
	json_t *v = field(obj, name);
	set_present(present, 0);
	if (!v)
		return required ? missing_value(err, name) : 0;
	int rc = json_value_int64(v, name, out, err);
	if (rc == 0)
		set_present(present, 1);
	return rc;
}

int json_get_double(json_t *obj, const char *name, int required, double *out, int *present,
		    struct cairn_error *err)
{
	json_t *v = field(obj, name);
	set_present(present, 0);
	if (!v)
		return required ? missing_value(err, name) : 0;
	int rc = json_value_double(v, name, out, err);
	if (rc == 0)
		set_present(present, 1);
	return rc;
}

int json_get_bool(json_t *obj, const char *name, int required, int *out, int *present,
		  struct cairn_error *err)
{
	json_t *v = field(obj, name);
	set_present(present, 0);
	if (!v)
		return required ? missing_value(err, name) : 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
	} else if (json_is_string(v) && str_casecmp_ascii(json_string_value(v), "true") == 0) {
		*out = 1;
	} else if (json_is_string(v) && str_casecmp_ascii(json_string_value(v), "false") == 0) {
		*out = 0;
	} else {
		return invalid_value(err, v, name, "boolean");
	}
	set_present(present, 1);
	return 0;
}

int json_get_array(json_t *obj, const char *name, int required, json_t **out, struct cairn_error *err)
{
	json_t *v = field(obj, name);
	*out = NULL;
	if (!v)
		return required ? missing_value(err, name) : 0;
	if (!json_is_array(v))
		return invalid_value(err, v, name, "array");
	*out = v;
	return 0;
}

json_t *json_double_value(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

struct dump_ctx {
	struct buf *out;
	int rc;
};

static int dump_cb(const char *data, size_t size, void *arg)
{
	struct dump_ctx *ctx = arg;
	int rc = buf_append(ctx->out, data, size);
	if (rc) {
		ctx->rc = rc;
		return -1;
	}
	return 0;
}

int json_dump_buf(const json_t *v, struct buf *out)
{
	struct dump_ctx ctx = { out, 0 };
	size_t old_len = out->len;
	if (json_dump_callback(v, dump_cb, &ctx, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
		/* Leave the buffer as it was rather than holding half a document. */
		out->len = old_len;
		if (out->data)
			out->data[old_len] = '\0';
		return ctx.rc ? ctx.rc : CAIRN_EINVAL;
	}
	if (!out->data) {
		/* An empty dump never appended: keep the "always NUL-terminated" promise. */
		return buf_append(out, "", 0);
	}
	return 0;
}
