/* JSON field readers, their MLflow error messages, and serialisation. */
#include "base/base.h"
#include "../../harness.h"

#include <math.h>
#include <string.h>

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	CHECK_MSG(v != NULL, "bad test JSON %s: %s", text, je.text);
	return v;
}

#define MISSING(name) "Missing value for required parameter '" name "'. See the API docs for more information about request parameters."

TEST(json_str_reader)
{
	json_t *o = parse("{\"name\":\"abc\",\"empty\":\"\",\"num\":5,\"nul\":null,\"obj\":{\"a\":1}}");
	struct cairn_error err = {0};
	const char *s = "x";
	CHECK_INT_EQ(json_get_str(o, "name", 1, &s, &err), 0);
	CHECK_STR_EQ(s, "abc");
	CHECK_INT_EQ(json_get_str(o, "absent", 0, &s, &err), 0);
	CHECK(s == NULL);
	CHECK_INT_EQ(json_get_str(o, "nul", 0, &s, &err), 0);
	CHECK(s == NULL);
	CHECK_INT_EQ(json_get_str(o, "empty", 0, &s, &err), 0);
	CHECK_STR_EQ(s, "");

	CHECK_INT_EQ(json_get_str(o, "absent", 1, &s, &err), CAIRN_EINVAL);
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, MISSING("absent"));
	CHECK_INT_EQ(json_get_str(o, "nul", 1, &s, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, MISSING("nul"));
	CHECK_INT_EQ(json_get_str(o, "empty", 1, &s, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, MISSING("empty"));

	CHECK_INT_EQ(json_get_str(o, "num", 0, &s, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value 5 for parameter 'num' supplied: expected string");
	CHECK_INT_EQ(json_get_str(o, "obj", 1, &s, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value {\"a\":1} for parameter 'obj' supplied: expected string");
	/* A NULL error is allowed. */
	CHECK_INT_EQ(json_get_str(o, "num", 0, &s, NULL), CAIRN_EINVAL);
	/* A non-object behaves as if every field were absent. */
	json_t *arr = parse("[1]");
	CHECK_INT_EQ(json_get_str(arr, "name", 0, &s, &err), 0);
	CHECK_INT_EQ(json_get_str(NULL, "name", 1, &s, &err), CAIRN_EINVAL);
	json_decref(arr);
	json_decref(o);
}

TEST(json_int64_reader)
{
	json_t *o = parse("{\"i\":42,\"neg\":-7,\"s\":\"123\",\"big\":\"9223372036854775807\","
			  "\"min\":-9223372036854775808,\"r\":5.0,\"frac\":5.5,\"b\":true,\"bs\":\"12x\","
			  "\"over\":\"9223372036854775808\",\"rbig\":1e19,\"arr\":[1],\"es\":\"\",\"nul\":null}");
	struct cairn_error err = {0};
	int64_t v = 0;
	int present = -1;
	CHECK_INT_EQ(json_get_int64(o, "i", 1, &v, &present, &err), 0);
	CHECK_INT_EQ(v, 42);
	CHECK_INT_EQ(present, 1);
	CHECK_INT_EQ(json_get_int64(o, "neg", 0, &v, NULL, &err), 0);
	CHECK_INT_EQ(v, -7);
	CHECK_INT_EQ(json_get_int64(o, "s", 0, &v, &present, &err), 0);
	CHECK_INT_EQ(v, 123);
	CHECK_INT_EQ(json_get_int64(o, "big", 0, &v, &present, &err), 0);
	CHECK(v == INT64_MAX);
	CHECK_INT_EQ(json_get_int64(o, "min", 0, &v, &present, &err), 0);
	CHECK(v == INT64_MIN);
	CHECK_INT_EQ(json_get_int64(o, "r", 0, &v, &present, &err), 0);
	CHECK_INT_EQ(v, 5);

	v = 99;
	CHECK_INT_EQ(json_get_int64(o, "absent", 0, &v, &present, &err), 0);
	CHECK_INT_EQ(present, 0);
	CHECK_INT_EQ(v, 99);
	CHECK_INT_EQ(json_get_int64(o, "nul", 0, &v, &present, &err), 0);
	CHECK_INT_EQ(present, 0);
	CHECK_INT_EQ(json_get_int64(o, "absent", 1, &v, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, MISSING("absent"));
	CHECK_INT_EQ(present, 0);

	static const struct { const char *name, *msg; } bad[] = {
		{ "frac", "Invalid value 5.5 for parameter 'frac' supplied: expected integer" },
		{ "b", "Invalid value true for parameter 'b' supplied: expected integer" },
		{ "bs", "Invalid value \"12x\" for parameter 'bs' supplied: expected integer" },
		{ "over", "Invalid value \"9223372036854775808\" for parameter 'over' supplied: expected integer" },
		{ "rbig", "Invalid value 1e19 for parameter 'rbig' supplied: expected integer" },
		{ "arr", "Invalid value [1] for parameter 'arr' supplied: expected integer" },
		{ "es", "Invalid value \"\" for parameter 'es' supplied: expected integer" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		present = -1;
		cairn_error_clear(&err);
		CHECK_MSG(json_get_int64(o, bad[i].name, 0, &v, &present, &err) == CAIRN_EINVAL, "%s accepted", bad[i].name);
		CHECK_INT_EQ(present, 0);
		CHECK_INT_EQ(err.code, CAIRN_EINVAL);
		CHECK_STR_EQ(err.msg, bad[i].msg);
	}
	json_decref(o);
}

TEST(json_value_int64_names_what)
{
	json_t *v = json_string("abc");
	struct cairn_error err = {0};
	int64_t x;
	CHECK_INT_EQ(json_value_int64(v, "timestamps[3]", &x, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value \"abc\" for parameter 'timestamps[3]' supplied: expected integer");
	json_decref(v);
	v = json_integer(-5);
	CHECK_INT_EQ(json_value_int64(v, "x", &x, &err), 0);
	CHECK_INT_EQ(x, -5);
	json_decref(v);
}

TEST(json_double_reader)
{
	json_t *o = parse("{\"r\":1.5,\"i\":3,\"s\":\"2.5e3\",\"nan\":\"NaN\",\"inf\":\"Infinity\","
			  "\"ninf\":\"-Infinity\",\"b\":false,\"bad\":\"1.5x\",\"o\":{},\"big\":1e308}");
	struct cairn_error err = {0};
	double d = 0;
	int present = 0;
	CHECK_INT_EQ(json_get_double(o, "r", 1, &d, &present, &err), 0);
	CHECK(d == 1.5 && present == 1);
	CHECK_INT_EQ(json_get_double(o, "i", 1, &d, &present, &err), 0);
	CHECK(d == 3.0);
	CHECK_INT_EQ(json_get_double(o, "s", 1, &d, &present, &err), 0);
	CHECK(d == 2500.0);
	CHECK_INT_EQ(json_get_double(o, "nan", 1, &d, &present, &err), 0);
	CHECK(isnan(d));
	CHECK_INT_EQ(json_get_double(o, "inf", 1, &d, &present, &err), 0);
	CHECK(isinf(d) && d > 0);
	CHECK_INT_EQ(json_get_double(o, "ninf", 1, &d, &present, &err), 0);
	CHECK(isinf(d) && d < 0);
	CHECK_INT_EQ(json_get_double(o, "big", 1, &d, &present, &err), 0);
	CHECK(d == 1e308);

	CHECK_INT_EQ(json_get_double(o, "absent", 0, &d, &present, &err), 0);
	CHECK_INT_EQ(present, 0);
	CHECK_INT_EQ(json_get_double(o, "absent", 1, &d, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, MISSING("absent"));
	CHECK_INT_EQ(json_get_double(o, "b", 0, &d, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value false for parameter 'b' supplied: expected number");
	CHECK_INT_EQ(present, 0);
	CHECK_INT_EQ(json_get_double(o, "bad", 0, &d, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value \"1.5x\" for parameter 'bad' supplied: expected number");
	CHECK_INT_EQ(json_get_double(o, "o", 0, &d, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value {} for parameter 'o' supplied: expected number");

	json_t *nan = json_string("nan");
	CHECK_INT_EQ(json_value_double(nan, "v", &d, &err), 0);
	CHECK(isnan(d));
	json_decref(nan);
	json_decref(o);
}

TEST(json_bool_reader)
{
	json_t *o = parse("{\"t\":true,\"f\":false,\"st\":\"true\",\"sf\":\"False\",\"n\":1,\"s\":\"yes\"}");
	struct cairn_error err = {0};
	int b = -1, present = -1;
	CHECK_INT_EQ(json_get_bool(o, "t", 1, &b, &present, &err), 0);
	CHECK(b == 1 && present == 1);
	CHECK_INT_EQ(json_get_bool(o, "f", 1, &b, &present, &err), 0);
	CHECK(b == 0 && present == 1);
	CHECK_INT_EQ(json_get_bool(o, "st", 1, &b, &present, &err), 0);
	CHECK(b == 1);
	CHECK_INT_EQ(json_get_bool(o, "sf", 1, &b, &present, &err), 0);
	CHECK(b == 0);
	b = 7;
	CHECK_INT_EQ(json_get_bool(o, "absent", 0, &b, &present, &err), 0);
	CHECK(b == 7 && present == 0);
	CHECK_INT_EQ(json_get_bool(o, "absent", 1, &b, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, MISSING("absent"));
	CHECK_INT_EQ(json_get_bool(o, "n", 0, &b, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value 1 for parameter 'n' supplied: expected boolean");
	CHECK_INT_EQ(json_get_bool(o, "s", 0, &b, &present, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value \"yes\" for parameter 's' supplied: expected boolean");
	json_decref(o);
}

TEST(json_array_reader)
{
	json_t *o = parse("{\"a\":[1,2],\"e\":[],\"s\":\"x\"}");
	struct cairn_error err = {0};
	json_t *arr = (json_t *)1;
	CHECK_INT_EQ(json_get_array(o, "a", 1, &arr, &err), 0);
	CHECK(json_is_array(arr) && json_array_size(arr) == 2);
	CHECK_INT_EQ(json_get_array(o, "e", 1, &arr, &err), 0);
	CHECK(json_is_array(arr) && json_array_size(arr) == 0);
	CHECK_INT_EQ(json_get_array(o, "absent", 0, &arr, &err), 0);
	CHECK(arr == NULL);
	CHECK_INT_EQ(json_get_array(o, "absent", 1, &arr, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, MISSING("absent"));
	CHECK_INT_EQ(json_get_array(o, "s", 0, &arr, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid value \"x\" for parameter 's' supplied: expected array");
	CHECK(arr == NULL);
	json_decref(o);
}

TEST(json_error_value_truncated)
{
	char long_str[400];
	memset(long_str, 'v', sizeof long_str - 1);
	long_str[sizeof long_str - 1] = '\0';
	json_t *o = json_pack("{s:s}", "k", long_str);
	CHECK(o != NULL);
	struct cairn_error err = {0};
	int64_t v;
	CHECK_INT_EQ(json_get_int64(o, "k", 0, &v, NULL, &err), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "Invalid value \"vvvv");
	CHECK_STR_CONTAINS(err.msg, "...");
	CHECK_STR_CONTAINS(err.msg, "for parameter 'k' supplied: expected integer");
	CHECK(strlen(err.msg) < 200);
	json_decref(o);

	/* 98 characters + 2 quotes = exactly 100: not cut. 99 + 2: cut to 100 plus "...". */
	char s98[99];
	memset(s98, 'w', 98);
	s98[98] = '\0';
	o = json_pack("{s:s}", "k", s98);
	CHECK_INT_EQ(json_get_int64(o, "k", 0, &v, NULL, &err), CAIRN_EINVAL);
	CHECK(strstr(err.msg, "...") == NULL);
	CHECK_STR_CONTAINS(err.msg, "www\" for parameter");
	json_decref(o);
	char s99[100];
	memset(s99, 'w', 99);
	s99[99] = '\0';
	o = json_pack("{s:s}", "k", s99);
	CHECK_INT_EQ(json_get_int64(o, "k", 0, &v, NULL, &err), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "\"www");
	CHECK_STR_CONTAINS(err.msg, "www... for parameter");
	json_decref(o);

	/* A cut inside a multi-byte character backs off to the character's start. */
	char mb[200];
	size_t k = 0;
	while (k + 2 < sizeof mb - 1) {
		mb[k++] = (char)0xc3;
		mb[k++] = (char)0xa9;
	}
	mb[k] = '\0';
	o = json_pack("{s:s}", "k", mb);
	CHECK(o != NULL);
	CHECK_INT_EQ(json_get_double(o, "k", 0, &(double){0}, NULL, &err), CAIRN_EINVAL);
	CHECK(utf8_valid(err.msg, strlen(err.msg)));
	CHECK_STR_CONTAINS(err.msg, "\xc3\xa9... for parameter 'k'");
	json_decref(o);
}

TEST(json_double_value_encoding)
{
	json_t *v = json_double_value(NAN);
	CHECK_STR_EQ(json_string_value(v), "NaN");
	json_decref(v);
	v = json_double_value(INFINITY);
	CHECK_STR_EQ(json_string_value(v), "Infinity");
	json_decref(v);
	v = json_double_value(-INFINITY);
	CHECK_STR_EQ(json_string_value(v), "-Infinity");
	json_decref(v);
	v = json_double_value(2.5);
	CHECK(json_is_real(v) && json_real_value(v) == 2.5);
	json_decref(v);
	v = json_double_value(0.1);
	struct buf b = {0};
	CHECK_INT_EQ(json_dump_buf(v, &b), 0);
	double back = 0;
	CHECK_INT_EQ(str_to_double(b.data, &back), 0);
	CHECK(back == 0.1);  /* round-trips exactly */
	buf_release(&b);
	json_decref(v);
}

TEST(json_dump_buf_appends_compact)
{
	json_t *o = parse("{\"a\": [1, 2, {\"b\": \"\xc3\xa9\"}], \"c\": null}");
	struct buf b;
	buf_init(&b, 0);
	CHECK_INT_EQ(buf_append_str(&b, "pre:"), 0);
	CHECK_INT_EQ(json_dump_buf(o, &b), 0);
	CHECK_STR_EQ(b.data, "pre:{\"a\":[1,2,{\"b\":\"\xc3\xa9\"}],\"c\":null}");
	/* Scalars dump too. */
	json_t *s = json_string("x");
	buf_reset(&b);
	CHECK_INT_EQ(json_dump_buf(s, &b), 0);
	CHECK_STR_EQ(b.data, "\"x\"");
	json_decref(s);
	buf_release(&b);

	/* Over the cap: error and the buffer is left as it was. */
	buf_init(&b, 10);
	CHECK_INT_EQ(buf_append_str(&b, "ab"), 0);
	CHECK_INT_EQ(json_dump_buf(o, &b), CAIRN_ETOOBIG);
	CHECK_STR_EQ(b.data, "ab");
	CHECK_INT_EQ(b.len, 2);
	buf_release(&b);
	json_decref(o);
}

TEST_MAIN(json_str_reader, json_int64_reader, json_value_int64_names_what, json_double_reader,
	  json_bool_reader, json_array_reader, json_error_value_truncated, json_double_value_encoding,
	  json_dump_buf_appends_compact)
