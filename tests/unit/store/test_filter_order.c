/* filter_parse_order, page tokens and filter_like_match. */
#include "../../harness.h"
#include "store/filter.h"

#include <stdio.h>
#include <stdlib.h>

static struct arena arena_;

static struct filter_order *order_ok(enum filter_entity e, const char *const *items, size_t n)
{
	struct filter_order *o = NULL;
	size_t no = 99;
	struct cairn_error err = { 0 };
	int rc = filter_parse_order(e, items, n, &arena_, &o, &no, &err);
	CHECK_MSG(rc == 0, "order_by '%s' failed: %s", n ? items[0] : "", err.msg);
	CHECK_INT_EQ(no, n);
	return o;
}

static const char *order_bad(enum filter_entity e, const char *const *items, size_t n)
{
	static struct cairn_error err;
	struct filter_order *o = (struct filter_order *)1;
	size_t no = 99;
	cairn_error_clear(&err);
	int rc = filter_parse_order(e, items, n, &arena_, &o, &no, &err);
	CHECK_MSG(rc == CAIRN_EINVAL, "order_by gave %d, expected EINVAL", rc);
	CHECK(o == NULL && no == 0);
	CHECK_STR_CONTAINS(err.msg, "Invalid order_by clause '");
	return err.msg;
}

static const char *order_bad1(enum filter_entity e, const char *item)
{
	const char *items[1] = { item };
	const char *m = order_bad(e, items, 1);
	char prefix[512];
	snprintf(prefix, sizeof prefix, "Invalid order_by clause '%s': ", item ? item : "");
	CHECK_MSG(strncmp(m, prefix, strlen(prefix)) == 0, "'%s' lacks prefix '%s'", m, prefix);
	return m;
}

static void check_order(const struct filter_order *o, int kind, const char *key, int desc)
{
	CHECK_INT_EQ(o->kind, kind);
	CHECK_STR_EQ(o->key, key);
	CHECK_INT_EQ(o->desc, desc);
}

/* ------------------------------------------------------------------ order_by */

TEST(order_runs_valid)
{
	const char *items[] = {
		"start_time", "metrics.`f1 score` DESC", "params.\"lr\" asc", "tags.mlflow.source.type desc",
		"attributes.run_name", "attr.status   DESC  ", "  user_id Asc", "run.artifact_uri",
		"end_time DESC", "run_id", "metric.loss", "`tags`.`a b`",
	};
	struct filter_order *o = order_ok(FILTER_RUNS, items, 12);
	check_order(&o[0], FILTER_KIND_ATTR, "start_time", 0);
	check_order(&o[1], FILTER_KIND_METRIC, "f1 score", 1);
	check_order(&o[2], FILTER_KIND_PARAM, "lr", 0);
	check_order(&o[3], FILTER_KIND_TAG, "mlflow.source.type", 1);
	check_order(&o[4], FILTER_KIND_ATTR, "run_name", 0);
	check_order(&o[5], FILTER_KIND_ATTR, "status", 1);
	check_order(&o[6], FILTER_KIND_ATTR, "user_id", 0);
	check_order(&o[7], FILTER_KIND_ATTR, "artifact_uri", 0);
	check_order(&o[8], FILTER_KIND_ATTR, "end_time", 1);
	check_order(&o[9], FILTER_KIND_ATTR, "run_id", 0);
	check_order(&o[10], FILTER_KIND_METRIC, "loss", 0);
	check_order(&o[11], FILTER_KIND_TAG, "a b", 0);
}

TEST(order_runs_created_alias)
{
	const char *items[] = { "created DESC" };
	struct filter_order *o = order_ok(FILTER_RUNS, items, 1);
	check_order(&o[0], FILTER_KIND_ATTR, "start_time", 1);
	const char *items2[] = { "attributes.Created" };
	o = order_ok(FILTER_RUNS, items2, 1);
	check_order(&o[0], FILTER_KIND_ATTR, "start_time", 0);
}

TEST(order_empty_list)
{
	struct filter_order *o = (struct filter_order *)1;
	size_t n = 7;
	CHECK_INT_EQ(filter_parse_order(FILTER_RUNS, NULL, 0, &arena_, &o, &n, NULL), 0);
	CHECK(o == NULL);
	CHECK_INT_EQ(n, 0);
}

TEST(order_runs_errors)
{
	const char *m = order_bad1(FILTER_RUNS, "datasets.name");
	CHECK_STR_CONTAINS(m, "datasets cannot be used to order results (at column 1)");
	m = order_bad1(FILTER_RUNS, "foo DESC");
	CHECK_STR_CONTAINS(m, "invalid attribute key 'foo' at column 1; valid keys are run_id");
	m = order_bad1(FILTER_RUNS, "start_time DOWN");
	CHECK_STR_CONTAINS(m, "expected ASC or DESC but found 'DOWN' at column 12");
	m = order_bad1(FILTER_RUNS, "start_time DESC extra");
	CHECK_STR_CONTAINS(m, "unexpected token 'extra' at column 17");
	m = order_bad1(FILTER_RUNS, "");
	CHECK_STR_CONTAINS(m, "empty clause");
	m = order_bad1(FILTER_RUNS, "   ");
	CHECK_STR_CONTAINS(m, "empty clause");
	m = order_bad1(FILTER_RUNS, NULL);
	CHECK_STR_CONTAINS(m, "empty clause");
	m = order_bad1(FILTER_RUNS, "metricz.a");
	CHECK_STR_CONTAINS(m, "invalid entity type 'metricz'");
	m = order_bad1(FILTER_RUNS, "\"run name\"");
	CHECK_STR_CONTAINS(m, "invalid attribute key 'run name'");
	m = order_bad1(FILTER_RUNS, "metrics.`a");
	CHECK_STR_CONTAINS(m, "unterminated");
	m = order_bad1(FILTER_RUNS, "start_time, end_time");
	CHECK_STR_CONTAINS(m, "expected ASC or DESC but found ',' at column 11");
	m = order_bad1(FILTER_RUNS, "metrics.a > 1");
	CHECK_STR_CONTAINS(m, "'>' at column 11");
}

TEST(order_error_names_the_failing_clause)
{
	const char *items[] = { "start_time", "metrics.a DESC", "bogus" };
	const char *m = order_bad(FILTER_RUNS, items, 3);
	CHECK(strncmp(m, "Invalid order_by clause 'bogus': ", 33) == 0);
}

TEST(order_duplicates_are_rejected)
{
	const char *a[] = { "metrics.a", "metrics.a DESC" };
	const char *m = order_bad(FILTER_RUNS, a, 2);
	CHECK_STR_CONTAINS(m, "Invalid order_by clause 'metrics.a DESC': ");
	CHECK_STR_CONTAINS(m, "metric 'a' at column 1 is already ordered by (clause 1)");
	const char *b[] = { "start_time", "tags.x", "created DESC" };
	m = order_bad(FILTER_RUNS, b, 3);
	CHECK_STR_CONTAINS(m, "attribute 'start_time' at column 1 is already ordered by (clause 1)");
	const char *c[] = { "`metrics`.x", "metric.`x`" };
	m = order_bad(FILTER_RUNS, c, 2);
	CHECK_STR_CONTAINS(m, "already ordered by");
	/* Same key under different kinds is not a duplicate. */
	const char *d[] = { "metrics.a", "params.a", "tags.a" };
	order_ok(FILTER_RUNS, d, 3);
}

TEST(order_experiments)
{
	const char *items[] = { "name", "experiment_id DESC", "attribute.creation_time desc", "last_update_time ASC" };
	struct filter_order *o = order_ok(FILTER_EXPERIMENTS, items, 4);
	check_order(&o[0], FILTER_KIND_ATTR, "name", 0);
	check_order(&o[1], FILTER_KIND_ATTR, "experiment_id", 1);
	check_order(&o[2], FILTER_KIND_ATTR, "creation_time", 1);
	check_order(&o[3], FILTER_KIND_ATTR, "last_update_time", 0);
	const char *m = order_bad1(FILTER_EXPERIMENTS, "tags.team");
	CHECK_STR_CONTAINS(m, "tags cannot be used to order results");
	m = order_bad1(FILTER_EXPERIMENTS, "metrics.a");
	CHECK_STR_CONTAINS(m, "invalid entity type 'metrics'");
	m = order_bad1(FILTER_EXPERIMENTS, "start_time");
	CHECK_STR_CONTAINS(m, "valid keys are name, experiment_id, creation_time, last_update_time");
	const char *dup[] = { "name", "attribute.name DESC" };
	m = order_bad(FILTER_EXPERIMENTS, dup, 2);
	CHECK_STR_CONTAINS(m, "already ordered by");
}

TEST(order_registered_models)
{
	const char *items[] = { "name DESC", "timestamp" };
	struct filter_order *o = order_ok(FILTER_REGISTERED_MODELS, items, 2);
	check_order(&o[0], FILTER_KIND_ATTR, "name", 1);
	check_order(&o[1], FILTER_KIND_ATTR, "last_updated_timestamp", 0);
	const char *items2[] = { "last_updated_timestamp DESC" };
	o = order_ok(FILTER_REGISTERED_MODELS, items2, 1);
	check_order(&o[0], FILTER_KIND_ATTR, "last_updated_timestamp", 1);
	const char *m = order_bad1(FILTER_REGISTERED_MODELS, "creation_timestamp");
	CHECK_STR_CONTAINS(m, "invalid attribute key 'creation_timestamp'");
	CHECK_STR_CONTAINS(m, "valid keys are name, timestamp, last_updated_timestamp");
	const char *dup[] = { "timestamp DESC", "last_updated_timestamp" };
	m = order_bad(FILTER_REGISTERED_MODELS, dup, 2);
	CHECK_STR_CONTAINS(m, "already ordered by");
	m = order_bad1(FILTER_REGISTERED_MODELS, "tags.x");
	CHECK_STR_CONTAINS(m, "cannot be used to order results");
}

TEST(order_model_versions)
{
	const char *items[] = { "name", "version_number DESC", "creation_timestamp", "last_updated_timestamp desc" };
	struct filter_order *o = order_ok(FILTER_MODEL_VERSIONS, items, 4);
	check_order(&o[0], FILTER_KIND_ATTR, "name", 0);
	check_order(&o[1], FILTER_KIND_ATTR, "version_number", 1);
	check_order(&o[2], FILTER_KIND_ATTR, "creation_timestamp", 0);
	check_order(&o[3], FILTER_KIND_ATTR, "last_updated_timestamp", 1);
	const char *m = order_bad1(FILTER_MODEL_VERSIONS, "run_id");
	CHECK_STR_CONTAINS(m, "valid keys are name, version_number, creation_timestamp, last_updated_timestamp");
	m = order_bad1(FILTER_MODEL_VERSIONS, "timestamp");
	CHECK_STR_CONTAINS(m, "invalid attribute key 'timestamp'");
}

/* ------------------------------------------------------------------ page tokens */

TEST(page_token_matches_mlflow_format)
{
	CHECK_STR_EQ(filter_page_token_encode(&arena_, 1000), "eyJvZmZzZXQiOiAxMDAwfQ==");
	int64_t off = -1;
	CHECK_INT_EQ(filter_page_token_decode("eyJvZmZzZXQiOiAxMDAwfQ==", &off, NULL), 0);
	CHECK_INT_EQ(off, 1000);
}

TEST(page_token_round_trip)
{
	static const int64_t values[] = { 0, 1, 25, 1000, 50000, 123456789012LL, INT64_MAX };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		const char *t = filter_page_token_encode(&arena_, values[i]);
		CHECK(t != NULL);
		int64_t off = -1;
		struct cairn_error err = { 0 };
		CHECK_MSG(filter_page_token_decode(t, &off, &err) == 0, "%s: %s", t, err.msg);
		CHECK_INT_EQ(off, values[i]);
	}
	CHECK(filter_page_token_encode(&arena_, -1) == NULL);
}

TEST(page_token_empty_is_zero)
{
	int64_t off = 5;
	CHECK_INT_EQ(filter_page_token_decode(NULL, &off, NULL), 0);
	CHECK_INT_EQ(off, 0);
	off = 5;
	CHECK_INT_EQ(filter_page_token_decode("", &off, NULL), 0);
	CHECK_INT_EQ(off, 0);
}

static void token_bad(const char *token, const char *want)
{
	int64_t off = 77;
	struct cairn_error err = { 0 };
	CHECK_MSG(filter_page_token_decode(token, &off, &err) == CAIRN_EINVAL, "token '%s' accepted", token);
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	CHECK_MSG(strncmp(err.msg, "Invalid page token", 18) == 0, "message: %s", err.msg);
	CHECK_STR_CONTAINS(err.msg, want);
	CHECK_INT_EQ(off, 0);
}

static const char *b64(const char *s)
{
	return base64_encode(&arena_, s, strlen(s));
}

TEST(page_token_garbage_is_rejected)
{
	token_bad("!!!not base64!!!", "could not base64-decode");
	token_bad("abc", "could not base64-decode");
	token_bad(b64("not json"), "not a JSON object with an offset");
	token_bad(b64("[1,2]"), "not a JSON object with an offset");
	token_bad(b64("{}"), "not a JSON object with an offset");
	token_bad(b64("{\"other\": 3}"), "not a JSON object with an offset");
	token_bad(b64("{\"offset\": -5}"), "negative offset -5");
	token_bad(b64("{\"offset\": -1}"), "negative offset -1");
	token_bad(b64("{\"offset\": 1.5}"), "offset is not an integer");
	token_bad(b64("{\"offset\": \"abc\"}"), "offset is not an integer");
	token_bad(b64("{\"offset\": null}"), "offset is not an integer");
	token_bad(b64("{\"offset\": true}"), "offset is not an integer");
	char big[700];
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = 0;
	token_bad(big, "too long");
}

TEST(page_token_string_offset_is_accepted)
{
	int64_t off = 0;
	CHECK_INT_EQ(filter_page_token_decode(b64("{\"offset\": \"25\"}"), &off, NULL), 0);
	CHECK_INT_EQ(off, 25);
}

/* ------------------------------------------------------------------ LIKE */

TEST(like_basics)
{
	CHECK(filter_like_match("abc", "abc", 0));
	CHECK(!filter_like_match("abc", "abcd", 0));
	CHECK(!filter_like_match("abc", "xabc", 0));
	CHECK(filter_like_match("a%", "abc", 0));
	CHECK(filter_like_match("a%", "a", 0));
	CHECK(filter_like_match("%c", "abc", 0));
	CHECK(!filter_like_match("%c", "abcd", 0));
	CHECK(filter_like_match("%b%", "abc", 0));
	CHECK(filter_like_match("%", "", 0));
	CHECK(filter_like_match("", "", 0));
	CHECK(!filter_like_match("", "a", 0));
	CHECK(!filter_like_match("_", "", 0));
	CHECK(filter_like_match("a_c", "abc", 0));
	CHECK(!filter_like_match("a_c", "ac", 0));
	CHECK(filter_like_match("a%b%c", "a--b--c", 0));
	CHECK(filter_like_match("a%%c", "ac", 0));
	CHECK(filter_like_match("%a%b%", "xxaxxbxx", 0));
	CHECK(!filter_like_match("%a%b%", "xxbxxaxx", 0));
	CHECK(filter_like_match("ab%ab", "abab", 0));
	CHECK(!filter_like_match("ab%ab", "aba", 0));
	CHECK(filter_like_match("%aab", "aaab", 0));
	CHECK(filter_like_match("_%_", "ab", 0));
	CHECK(!filter_like_match("_%_", "a", 0));
}

TEST(like_regex_characters_are_literal)
{
	CHECK(filter_like_match("a.c", "a.c", 0));
	CHECK(!filter_like_match("a.c", "abc", 0));
	CHECK(filter_like_match("x*y+[z]", "x*y+[z]", 0));
	CHECK(!filter_like_match("x*", "xx", 0));
	CHECK(filter_like_match("^a$", "^a$", 0));
	CHECK(filter_like_match("a\\%", "a\\bc", 0));
}

TEST(like_case_sensitivity)
{
	CHECK(!filter_like_match("ABC", "abc", 0));
	CHECK(filter_like_match("ABC", "abc", 1));
	CHECK(filter_like_match("%Prod%", "my-PROD-model", 1));
	CHECK(!filter_like_match("%Prod%", "my-PROD-model", 0));
	/* Folding is ASCII only, as SQLite's lower() is. */
	CHECK(!filter_like_match("É", "é", 1));
	CHECK(filter_like_match("é", "é", 1));
	CHECK(filter_like_match("_", "Z", 1));
}

TEST(like_utf8_code_points)
{
	CHECK(filter_like_match("_", "é", 0));          /* 2 bytes, 1 code point */
	CHECK(filter_like_match("_", "✓", 0));          /* 3 bytes */
	CHECK(filter_like_match("_", "😀", 0));         /* 4 bytes */
	CHECK(!filter_like_match("__", "é", 0));
	CHECK(filter_like_match("d_a", "día", 0));
	CHECK(filter_like_match("%ü%", "grün", 0));
	CHECK(filter_like_match("a_c_", "aéc😀", 0));
	CHECK(!filter_like_match("a_c", "aéc😀", 0));
	CHECK(filter_like_match("%😀", "xx😀", 0));
	CHECK(!filter_like_match("é", "è", 0));         /* same length, different bytes */
	CHECK(filter_like_match("%é", "ééé", 0));
	/* Ill-formed bytes count as one character each and still match themselves. */
	CHECK(filter_like_match("_", "\xff", 0));
	CHECK(filter_like_match("__", "\xc3(", 0));
	CHECK(filter_like_match("a\xff%", "a\xff" "b", 0));
	/* '%' gives up whole code points, never a piece of one. */
	CHECK(!filter_like_match("%\xa9", "é", 0));
	CHECK(!filter_like_match("%\xa9%", "xéx", 0));
}

TEST(like_has_no_exponential_blowup)
{
	size_t n = 20000;
	char *s = cairn_malloc(n + 2);
	CHECK(s != NULL);
	memset(s, 'a', n);
	s[n] = 0;
	int64_t t0 = time_mono_ns();
	CHECK(!filter_like_match("%a%a%a%a%a%a%a%a%a%a%a%a%b", s, 0));
	CHECK(!filter_like_match("%_%_%_%_%_%_%_%_%_%_%_%_b", s, 1));
	s[n] = 'b';
	s[n + 1] = 0;
	CHECK(filter_like_match("%a%a%a%a%a%a%a%a%a%a%a%a%b", s, 0));
	int64_t ms = (time_mono_ns() - t0) / 1000000;
	CHECK_MSG(ms < 2000, "took %lld ms", (long long)ms);
	cairn_free(s);
}

TEST_MAIN(order_runs_valid, order_runs_created_alias, order_empty_list, order_runs_errors,
	  order_error_names_the_failing_clause, order_duplicates_are_rejected, order_experiments,
	  order_registered_models, order_model_versions, page_token_matches_mlflow_format,
	  page_token_round_trip, page_token_empty_is_zero, page_token_garbage_is_rejected,
	  page_token_string_offset_is_accepted, like_basics, like_regex_characters_are_literal,
	  like_case_sensitivity, like_utf8_code_points, like_has_no_exponential_blowup)
