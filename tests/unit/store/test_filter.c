/* filter_parse: the search grammar of spec §4 for runs, experiments and the registry. */
#include "../../harness.h"
#include "store/filter.h"

#include <math.h>
#include <stdio.h>

static struct arena arena_;

/* Parse and require success. */
static struct filter ok(enum filter_entity e, const char *text)
{
	struct filter f;
	struct cairn_error err = { 0 };
	int rc = filter_parse(e, text, &arena_, &f, &err);
	CHECK_MSG(rc == 0, "filter '%s' failed: %d %s", text ? text : "(null)", rc, err.msg);
	return f;
}

/* Parse and require CAIRN_EINVAL; returns the message (valid until the next call). */
static const char *bad(enum filter_entity e, const char *text)
{
	static struct cairn_error err;
	struct filter f = { (struct filter_cmp *)1, 99 };
	cairn_error_clear(&err);
	int rc = filter_parse(e, text, &arena_, &f, &err);
	CHECK_MSG(rc == CAIRN_EINVAL, "filter '%s' gave %d, expected EINVAL", text, rc);
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	CHECK(f.n == 0 && f.cmps == NULL);
	char prefix[512];
	if (strlen(text) > 200)
		snprintf(prefix, sizeof prefix, "Invalid filter '%.100s", text);
	else
		snprintf(prefix, sizeof prefix, "Invalid filter '%s': ", text);
	CHECK_MSG(strncmp(err.msg, prefix, strlen(prefix)) == 0, "message '%s' lacks prefix '%s'",
		  err.msg, prefix);
	return err.msg;
}

static void check_cmp(const struct filter_cmp *c, int kind, const char *key, int op)
{
	CHECK_INT_EQ(c->kind, kind);
	CHECK_STR_EQ(c->key, key);
	CHECK_INT_EQ(c->op, op);
}

static void check_str(const struct filter_cmp *c, int kind, const char *key, int op, const char *v)
{
	check_cmp(c, kind, key, op);
	CHECK_INT_EQ(c->value_type, FILTER_VALUE_STRING);
	CHECK_STR_EQ(c->str, v);
}

static void check_num(const struct filter_cmp *c, int kind, const char *key, int op, double v)
{
	check_cmp(c, kind, key, op);
	CHECK_INT_EQ(c->value_type, FILTER_VALUE_NUMBER);
	CHECK_MSG(c->num == v, "number %.17g != %.17g", c->num, v);
}

/* ------------------------------------------------------------------ valid: runs */

TEST(empty_filters_have_no_comparisons)
{
	struct filter f = ok(FILTER_RUNS, NULL);
	CHECK_INT_EQ(f.n, 0);
	f = ok(FILTER_RUNS, "");
	CHECK_INT_EQ(f.n, 0);
	f = ok(FILTER_EXPERIMENTS, " \t\n ");
	CHECK_INT_EQ(f.n, 0);
	f = ok(FILTER_MODEL_VERSIONS, "");
	CHECK_INT_EQ(f.n, 0);
}

TEST(runs_metric_number_literals)
{
	struct filter f = ok(FILTER_RUNS, "metrics.acc > 0.5 and metrics.loss <= 1e-3 AND "
			     "metric.n = 42 AND metrics.x >= -1 AND metrics.y < -2.5E+2 AND "
			     "metrics.z != .5 AND metrics.w = +3 AND metrics.v > 5.");
	CHECK_INT_EQ(f.n, 8);
	check_num(&f.cmps[0], FILTER_KIND_METRIC, "acc", FILTER_OP_GT, 0.5);
	check_num(&f.cmps[1], FILTER_KIND_METRIC, "loss", FILTER_OP_LE, 1e-3);
	check_num(&f.cmps[2], FILTER_KIND_METRIC, "n", FILTER_OP_EQ, 42);
	check_num(&f.cmps[3], FILTER_KIND_METRIC, "x", FILTER_OP_GE, -1);
	check_num(&f.cmps[4], FILTER_KIND_METRIC, "y", FILTER_OP_LT, -250);
	check_num(&f.cmps[5], FILTER_KIND_METRIC, "z", FILTER_OP_NE, 0.5);
	check_num(&f.cmps[6], FILTER_KIND_METRIC, "w", FILTER_OP_EQ, 3);
	check_num(&f.cmps[7], FILTER_KIND_METRIC, "v", FILTER_OP_GT, 5);
}

TEST(runs_metric_without_spaces_and_huge_exponent)
{
	struct filter f = ok(FILTER_RUNS, "metrics.a>-1 AND metrics.b<=2e400");
	CHECK_INT_EQ(f.n, 2);
	check_num(&f.cmps[0], FILTER_KIND_METRIC, "a", FILTER_OP_GT, -1);
	CHECK(isinf(f.cmps[1].num));
	f = ok(FILTER_RUNS, "metrics.c > 99999999999999999999");
	check_num(&f.cmps[0], FILTER_KIND_METRIC, "c", FILTER_OP_GT, 1e20);
}

TEST(runs_params_and_tags_take_strings)
{
	struct filter f = ok(FILTER_RUNS, "params.depth = '3' AND param.lr != \"0.1\" AND "
			     "tags.team LIKE 'ml%' AND tag.owner ilike '%BOB%' AND "
			     "parameter.a like 'x_' AND parameters.b ILIKE 'y'");
	CHECK_INT_EQ(f.n, 6);
	check_str(&f.cmps[0], FILTER_KIND_PARAM, "depth", FILTER_OP_EQ, "3");
	check_str(&f.cmps[1], FILTER_KIND_PARAM, "lr", FILTER_OP_NE, "0.1");
	check_str(&f.cmps[2], FILTER_KIND_TAG, "team", FILTER_OP_LIKE, "ml%");
	check_str(&f.cmps[3], FILTER_KIND_TAG, "owner", FILTER_OP_ILIKE, "%BOB%");
	check_str(&f.cmps[4], FILTER_KIND_PARAM, "a", FILTER_OP_LIKE, "x_");
	check_str(&f.cmps[5], FILTER_KIND_PARAM, "b", FILTER_OP_ILIKE, "y");
}

TEST(runs_every_prefix_maps_to_its_kind)
{
	static const struct { const char *text; int kind; const char *key; } cases[] = {
		{ "metric.k = 1", FILTER_KIND_METRIC, "k" },
		{ "metrics.k = 1", FILTER_KIND_METRIC, "k" },
		{ "param.k = 'v'", FILTER_KIND_PARAM, "k" },
		{ "params.k = 'v'", FILTER_KIND_PARAM, "k" },
		{ "parameter.k = 'v'", FILTER_KIND_PARAM, "k" },
		{ "parameters.k = 'v'", FILTER_KIND_PARAM, "k" },
		{ "tag.k = 'v'", FILTER_KIND_TAG, "k" },
		{ "tags.k = 'v'", FILTER_KIND_TAG, "k" },
		{ "attribute.status = 'v'", FILTER_KIND_ATTR, "status" },
		{ "attributes.status = 'v'", FILTER_KIND_ATTR, "status" },
		{ "attr.status = 'v'", FILTER_KIND_ATTR, "status" },
		{ "run.status = 'v'", FILTER_KIND_ATTR, "status" },
		{ "status = 'v'", FILTER_KIND_ATTR, "status" },
		{ "dataset.name = 'v'", FILTER_KIND_DATASET, "name" },
		{ "datasets.name = 'v'", FILTER_KIND_DATASET, "name" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct filter f = ok(FILTER_RUNS, cases[i].text);
		CHECK_INT_EQ(f.n, 1);
		CHECK_MSG(f.cmps[0].kind == cases[i].kind, "%s: kind %d", cases[i].text, f.cmps[0].kind);
		CHECK_STR_EQ(f.cmps[0].key, cases[i].key);
	}
}

TEST(runs_backticked_prefixes_and_quoted_keys)
{
	struct filter f = ok(FILTER_RUNS, "`metrics`.`f1 score` > 0.9 AND params.\"learning-rate\" = '0.1'"
			     " AND tags.`mlflow.log-model.history` LIKE '%x%' AND `tags`.\"a b\" = 'c'"
			     " AND `params`.plain = 'p'");
	CHECK_INT_EQ(f.n, 5);
	check_num(&f.cmps[0], FILTER_KIND_METRIC, "f1 score", FILTER_OP_GT, 0.9);
	check_str(&f.cmps[1], FILTER_KIND_PARAM, "learning-rate", FILTER_OP_EQ, "0.1");
	check_str(&f.cmps[2], FILTER_KIND_TAG, "mlflow.log-model.history", FILTER_OP_LIKE, "%x%");
	check_str(&f.cmps[3], FILTER_KIND_TAG, "a b", FILTER_OP_EQ, "c");
	check_str(&f.cmps[4], FILTER_KIND_PARAM, "plain", FILTER_OP_EQ, "p");
}

TEST(runs_dotted_bare_key_keeps_everything_after_first_dot)
{
	struct filter f = ok(FILTER_RUNS, "tags.mlflow.source.type = 'LOCAL' AND metrics.a.b.c < 3"
			     " AND params.0 = '1' AND tags.x_1.Y2 = 'z'");
	CHECK_INT_EQ(f.n, 4);
	check_str(&f.cmps[0], FILTER_KIND_TAG, "mlflow.source.type", FILTER_OP_EQ, "LOCAL");
	check_num(&f.cmps[1], FILTER_KIND_METRIC, "a.b.c", FILTER_OP_LT, 3);
	check_str(&f.cmps[2], FILTER_KIND_PARAM, "0", FILTER_OP_EQ, "1");
	check_str(&f.cmps[3], FILTER_KIND_TAG, "x_1.Y2", FILTER_OP_EQ, "z");
}

TEST(runs_attribute_aliases_are_canonicalised)
{
	struct filter f = ok(FILTER_RUNS, "created > 5 AND attributes.Created < 9 AND \"run name\" = 'a'"
			     " AND attributes.`Run name` LIKE 'b%' AND attr.\"Run Name\" != 'c'"
			     " AND run_name ILIKE 'd' AND attribute.user_id = 'u' AND artifact_uri LIKE 's3:%'"
			     " AND status = 'FINISHED' AND run_id = 'abc'");
	CHECK_INT_EQ(f.n, 10);
	check_num(&f.cmps[0], FILTER_KIND_ATTR, "start_time", FILTER_OP_GT, 5);
	check_num(&f.cmps[1], FILTER_KIND_ATTR, "start_time", FILTER_OP_LT, 9);
	check_str(&f.cmps[2], FILTER_KIND_ATTR, "run_name", FILTER_OP_EQ, "a");
	check_str(&f.cmps[3], FILTER_KIND_ATTR, "run_name", FILTER_OP_LIKE, "b%");
	check_str(&f.cmps[4], FILTER_KIND_ATTR, "run_name", FILTER_OP_NE, "c");
	check_str(&f.cmps[5], FILTER_KIND_ATTR, "run_name", FILTER_OP_ILIKE, "d");
	check_str(&f.cmps[6], FILTER_KIND_ATTR, "user_id", FILTER_OP_EQ, "u");
	check_str(&f.cmps[7], FILTER_KIND_ATTR, "artifact_uri", FILTER_OP_LIKE, "s3:%");
	check_str(&f.cmps[8], FILTER_KIND_ATTR, "status", FILTER_OP_EQ, "FINISHED");
	check_str(&f.cmps[9], FILTER_KIND_ATTR, "run_id", FILTER_OP_EQ, "abc");
}

TEST(runs_numeric_attributes_take_integers)
{
	struct filter f = ok(FILTER_RUNS, "attributes.start_time >= 1700000000000 AND end_time != -1"
			     " AND start_time = 0 AND end_time <= 9007199254740992");
	CHECK_INT_EQ(f.n, 4);
	check_num(&f.cmps[0], FILTER_KIND_ATTR, "start_time", FILTER_OP_GE, 1700000000000.0);
	check_num(&f.cmps[1], FILTER_KIND_ATTR, "end_time", FILTER_OP_NE, -1);
	check_num(&f.cmps[2], FILTER_KIND_ATTR, "start_time", FILTER_OP_EQ, 0);
	check_num(&f.cmps[3], FILTER_KIND_ATTR, "end_time", FILTER_OP_LE, 9007199254740992.0);
}

TEST(runs_run_id_lists_keep_only_lowercase_items)
{
	struct filter f = ok(FILTER_RUNS, "run_id IN ('abc123', 'ABC', 'MixedCase', \"def\", '123', 'x-y')"
			     " AND attributes.run_id not  in ('q1')");
	CHECK_INT_EQ(f.n, 2);
	check_cmp(&f.cmps[0], FILTER_KIND_ATTR, "run_id", FILTER_OP_IN);
	CHECK_INT_EQ(f.cmps[0].value_type, FILTER_VALUE_LIST);
	/* '123' has no cased letter, so Python's islower() is False and MLflow drops it. */
	CHECK_INT_EQ(f.cmps[0].nlist, 3);
	CHECK_STR_EQ(f.cmps[0].list[0], "abc123");
	CHECK_STR_EQ(f.cmps[0].list[1], "def");
	CHECK_STR_EQ(f.cmps[0].list[2], "x-y");
	check_cmp(&f.cmps[1], FILTER_KIND_ATTR, "run_id", FILTER_OP_NOT_IN);
	CHECK_INT_EQ(f.cmps[1].nlist, 1);
	CHECK_STR_EQ(f.cmps[1].list[0], "q1");

	f = ok(FILTER_RUNS, "run_id IN ('ONLYUPPER')");
	CHECK_INT_EQ(f.n, 1);
	CHECK_INT_EQ(f.cmps[0].value_type, FILTER_VALUE_LIST);
	CHECK_INT_EQ(f.cmps[0].nlist, 0);
}

TEST(runs_long_lists_grow)
{
	char text[4096];
	size_t len = (size_t)snprintf(text, sizeof text, "run_id IN (");
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s'r%d'", i ? "," : "", i);
	snprintf(text + len, sizeof text - len, ")");
	struct filter f = ok(FILTER_RUNS, text);
	CHECK_INT_EQ(f.cmps[0].nlist, 100);
	CHECK_STR_EQ(f.cmps[0].list[0], "r0");
	CHECK_STR_EQ(f.cmps[0].list[99], "r99");
}

TEST(runs_dataset_filters)
{
	struct filter f = ok(FILTER_RUNS, "datasets.name = 'iris' AND dataset.digest IN ('ab', 'CD')"
			     " AND datasets.context LIKE 'train%' AND datasets.name NOT IN ('x')"
			     " AND datasets.digest ILIKE 'a%' AND datasets.context != 'eval'");
	CHECK_INT_EQ(f.n, 6);
	check_str(&f.cmps[0], FILTER_KIND_DATASET, "name", FILTER_OP_EQ, "iris");
	check_cmp(&f.cmps[1], FILTER_KIND_DATASET, "digest", FILTER_OP_IN);
	/* Only run_id lists lose their non-lowercase items. */
	CHECK_INT_EQ(f.cmps[1].nlist, 2);
	CHECK_STR_EQ(f.cmps[1].list[1], "CD");
	check_str(&f.cmps[2], FILTER_KIND_DATASET, "context", FILTER_OP_LIKE, "train%");
	check_cmp(&f.cmps[3], FILTER_KIND_DATASET, "name", FILTER_OP_NOT_IN);
	check_str(&f.cmps[4], FILTER_KIND_DATASET, "digest", FILTER_OP_ILIKE, "a%");
	check_str(&f.cmps[5], FILTER_KIND_DATASET, "context", FILTER_OP_NE, "eval");
}

TEST(runs_many_clauses_and_free_whitespace)
{
	char text[2048];
	size_t len = 0;
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%smetrics.m%d\t>\n%d",
					i ? " \r\n aNd " : "  ", i, i);
	struct filter f = ok(FILTER_RUNS, text);
	CHECK_INT_EQ(f.n, 20);
	for (int i = 0; i < 20; i++) {
		char key[16];
		snprintf(key, sizeof key, "m%d", i);
		check_num(&f.cmps[i], FILTER_KIND_METRIC, key, FILTER_OP_GT, i);
	}
}

TEST(keywords_are_case_insensitive)
{
	struct filter f = ok(FILTER_RUNS, "tags.a like 'x' AnD tags.b iLiKe 'y' and run_id in ('a')"
			     " AND run_id Not In ('b')");
	CHECK_INT_EQ(f.n, 4);
	CHECK_INT_EQ(f.cmps[0].op, FILTER_OP_LIKE);
	CHECK_INT_EQ(f.cmps[1].op, FILTER_OP_ILIKE);
	CHECK_INT_EQ(f.cmps[2].op, FILTER_OP_IN);
	CHECK_INT_EQ(f.cmps[3].op, FILTER_OP_NOT_IN);
}

TEST(string_values_are_taken_as_written)
{
	struct filter f = ok(FILTER_RUNS, "tags.a = '' AND tags.b = 'it''s' AND tags.c = 'a\\'b'"
			     " AND tags.d = \"say \"\"hi\"\"\" AND tags.e = 'día ✓' AND tags.f = 'a AND b'"
			     " AND tags.g = \"'\" AND tags.h = '\"'");
	CHECK_INT_EQ(f.n, 8);
	check_str(&f.cmps[0], FILTER_KIND_TAG, "a", FILTER_OP_EQ, "");
	check_str(&f.cmps[1], FILTER_KIND_TAG, "b", FILTER_OP_EQ, "it''s");
	check_str(&f.cmps[2], FILTER_KIND_TAG, "c", FILTER_OP_EQ, "a\\'b");
	check_str(&f.cmps[3], FILTER_KIND_TAG, "d", FILTER_OP_EQ, "say \"\"hi\"\"");
	check_str(&f.cmps[4], FILTER_KIND_TAG, "e", FILTER_OP_EQ, "día ✓");
	check_str(&f.cmps[5], FILTER_KIND_TAG, "f", FILTER_OP_EQ, "a AND b");
	check_str(&f.cmps[6], FILTER_KIND_TAG, "g", FILTER_OP_EQ, "'");
	check_str(&f.cmps[7], FILTER_KIND_TAG, "h", FILTER_OP_EQ, "\"");
}

/* ------------------------------------------------------------------ valid: other entities */

TEST(experiments_valid_filters)
{
	struct filter f = ok(FILTER_EXPERIMENTS, "name LIKE 'exp%' AND attribute.name != 'x'"
			     " AND creation_time > 100 AND attribute.last_update_time <= 200"
			     " AND tags.team = 'ml' AND tag.`the key` ILIKE '%a%' AND \"name\" = 'q'");
	CHECK_INT_EQ(f.n, 7);
	check_str(&f.cmps[0], FILTER_KIND_ATTR, "name", FILTER_OP_LIKE, "exp%");
	check_str(&f.cmps[1], FILTER_KIND_ATTR, "name", FILTER_OP_NE, "x");
	check_num(&f.cmps[2], FILTER_KIND_ATTR, "creation_time", FILTER_OP_GT, 100);
	check_num(&f.cmps[3], FILTER_KIND_ATTR, "last_update_time", FILTER_OP_LE, 200);
	check_str(&f.cmps[4], FILTER_KIND_TAG, "team", FILTER_OP_EQ, "ml");
	check_str(&f.cmps[5], FILTER_KIND_TAG, "the key", FILTER_OP_ILIKE, "%a%");
	check_str(&f.cmps[6], FILTER_KIND_ATTR, "name", FILTER_OP_EQ, "q");
}

TEST(registered_models_valid_filters)
{
	struct filter f = ok(FILTER_REGISTERED_MODELS, "name = 'churn' AND tags.stage LIKE 'prod%'"
			     " AND tag.owner ILIKE 'a%' AND attribute.name != 'x'");
	CHECK_INT_EQ(f.n, 4);
	check_str(&f.cmps[0], FILTER_KIND_ATTR, "name", FILTER_OP_EQ, "churn");
	check_str(&f.cmps[1], FILTER_KIND_TAG, "stage", FILTER_OP_LIKE, "prod%");
	check_str(&f.cmps[2], FILTER_KIND_TAG, "owner", FILTER_OP_ILIKE, "a%");
	check_str(&f.cmps[3], FILTER_KIND_ATTR, "name", FILTER_OP_NE, "x");
}

TEST(model_versions_valid_filters)
{
	struct filter f = ok(FILTER_MODEL_VERSIONS, "name = 'churn' AND run_id IN ('abc', 'DEF', 'g1')"
			     " AND source_path LIKE 'mlflow-artifacts:/%' AND version_number >= 3"
			     " AND tags.validated = 'true' AND run_id ILIKE 'a%'");
	CHECK_INT_EQ(f.n, 6);
	check_str(&f.cmps[0], FILTER_KIND_ATTR, "name", FILTER_OP_EQ, "churn");
	check_cmp(&f.cmps[1], FILTER_KIND_ATTR, "run_id", FILTER_OP_IN);
	CHECK_INT_EQ(f.cmps[1].nlist, 2);
	CHECK_STR_EQ(f.cmps[1].list[0], "abc");
	CHECK_STR_EQ(f.cmps[1].list[1], "g1");
	check_str(&f.cmps[2], FILTER_KIND_ATTR, "source_path", FILTER_OP_LIKE, "mlflow-artifacts:/%");
	check_num(&f.cmps[3], FILTER_KIND_ATTR, "version_number", FILTER_OP_GE, 3);
	check_str(&f.cmps[4], FILTER_KIND_TAG, "validated", FILTER_OP_EQ, "true");
	check_str(&f.cmps[5], FILTER_KIND_ATTR, "run_id", FILTER_OP_ILIKE, "a%");
}

/* ------------------------------------------------------------------ errors */

TEST(err_or_is_rejected_with_column)
{
	const char *m = bad(FILTER_RUNS, "metrics.a > 1 OR metrics.b < 2");
	CHECK_STR_CONTAINS(m, "OR is not supported");
	CHECK_STR_CONTAINS(m, "'OR' at column 15");
	m = bad(FILTER_RUNS, "or = 'x'");
	CHECK_STR_CONTAINS(m, "'or' at column 1");
}

TEST(err_parentheses_are_rejected)
{
	const char *m = bad(FILTER_RUNS, "(metrics.a > 1)");
	CHECK_STR_CONTAINS(m, "parentheses are not supported");
	CHECK_STR_CONTAINS(m, "column 1");
	m = bad(FILTER_RUNS, "metrics.a > 1 AND (metrics.b < 2)");
	CHECK_STR_CONTAINS(m, "'(' at column 19");
	m = bad(FILTER_RUNS, "metrics.a > 1)");
	CHECK_STR_CONTAINS(m, "')' at column 14");
}

TEST(err_not_and_is_null_are_rejected)
{
	const char *m = bad(FILTER_RUNS, "NOT metrics.a > 1");
	CHECK_STR_CONTAINS(m, "NOT is only supported as NOT IN");
	CHECK_STR_CONTAINS(m, "column 1");
	m = bad(FILTER_RUNS, "tags.a NOT LIKE 'x'");
	CHECK_STR_CONTAINS(m, "NOT is only supported as NOT IN");
	CHECK_STR_CONTAINS(m, "'LIKE' at column 12");
	m = bad(FILTER_RUNS, "tags.a IS NULL");
	CHECK_STR_CONTAINS(m, "IS NULL is not supported");
	CHECK_STR_CONTAINS(m, "'IS' at column 8");
	m = bad(FILTER_RUNS, "tags.a = 'x' is not null");
	CHECK_STR_CONTAINS(m, "'is' at column 14");
	m = bad(FILTER_RUNS, "tags.a = NULL");
	CHECK_STR_CONTAINS(m, "NULL is not supported");
}

TEST(err_unknown_prefix_lists_valid_ones)
{
	const char *m = bad(FILTER_RUNS, "metricz.a > 1");
	CHECK_STR_CONTAINS(m, "invalid entity type 'metricz' at column 1");
	CHECK_STR_CONTAINS(m, "metric, metrics, param");
	m = bad(FILTER_RUNS, "tags.a = 'x' AND `Metrics`.b > 1");
	CHECK_STR_CONTAINS(m, "'Metrics' at column 18");
	m = bad(FILTER_EXPERIMENTS, "attributes.name = 'x'");
	CHECK_STR_CONTAINS(m, "invalid entity type 'attributes'");
	CHECK_STR_CONTAINS(m, "attribute, tag, tags");
	m = bad(FILTER_EXPERIMENTS, "metrics.a > 1");
	CHECK_STR_CONTAINS(m, "'metrics'");
	m = bad(FILTER_REGISTERED_MODELS, "params.a = 'x'");
	CHECK_STR_CONTAINS(m, "invalid entity type 'params'");
	m = bad(FILTER_MODEL_VERSIONS, "datasets.name = 'x'");
	CHECK_STR_CONTAINS(m, "invalid entity type 'datasets'");
}

TEST(err_unknown_attribute_lists_valid_ones)
{
	const char *m = bad(FILTER_RUNS, "metrics.a > 1 AND foo = 'x'");
	CHECK_STR_CONTAINS(m, "invalid attribute key 'foo' at column 19");
	CHECK_STR_CONTAINS(m, "run_id, run_name, status, user_id, artifact_uri, start_time, end_time");
	m = bad(FILTER_RUNS, "attributes.experiment_id = '1'");
	CHECK_STR_CONTAINS(m, "'experiment_id' at column 12");
	m = bad(FILTER_RUNS, "Status = 'x'");
	CHECK_STR_CONTAINS(m, "'Status'");
	m = bad(FILTER_EXPERIMENTS, "experiment_id = '1'");
	CHECK_STR_CONTAINS(m, "valid keys are name, creation_time, last_update_time");
	m = bad(FILTER_REGISTERED_MODELS, "version_number = 1");
	CHECK_STR_CONTAINS(m, "valid keys are name");
	m = bad(FILTER_MODEL_VERSIONS, "creation_timestamp > 1");
	CHECK_STR_CONTAINS(m, "valid keys are name, run_id, source_path, version_number");
}

TEST(err_dataset_key)
{
	const char *m = bad(FILTER_RUNS, "datasets.source = 'x'");
	CHECK_STR_CONTAINS(m, "invalid dataset key 'source' at column 10");
	CHECK_STR_CONTAINS(m, "name, digest, context");
}

TEST(err_metric_needs_a_number)
{
	const char *m = bad(FILTER_RUNS, "metrics.acc > '0.5'");
	CHECK_STR_CONTAINS(m, "expected a number for metric 'acc'");
	CHECK_STR_CONTAINS(m, "''0.5'' at column 15");
	m = bad(FILTER_RUNS, "metrics.acc = \"1\"");
	CHECK_STR_CONTAINS(m, "expected a number");
	m = bad(FILTER_RUNS, "metrics.acc IN ('1')");
	CHECK_STR_CONTAINS(m, "comparator 'IN' at column 13 is not allowed for metric 'acc'");
	m = bad(FILTER_RUNS, "metrics.acc > NaN");
	CHECK_STR_CONTAINS(m, "expected a value");
	CHECK_STR_CONTAINS(m, "'NaN' at column 15");
}

TEST(err_params_and_tags_need_strings)
{
	const char *m = bad(FILTER_RUNS, "params.depth = 3");
	CHECK_STR_CONTAINS(m, "expected a quoted string for param 'depth'");
	CHECK_STR_CONTAINS(m, "'3' at column 16");
	m = bad(FILTER_RUNS, "tags.t = 1.5");
	CHECK_STR_CONTAINS(m, "expected a quoted string for tag 't'");
	m = bad(FILTER_RUNS, "params.depth = abc");
	CHECK_STR_CONTAINS(m, "expected a value");
	CHECK_STR_CONTAINS(m, "'abc' at column 16");
	m = bad(FILTER_RUNS, "status = 3");
	CHECK_STR_CONTAINS(m, "expected a quoted string for attribute 'status'");
	m = bad(FILTER_EXPERIMENTS, "name = 5");
	CHECK_STR_CONTAINS(m, "quoted string for attribute 'name'");
	m = bad(FILTER_MODEL_VERSIONS, "tags.a = 5");
	CHECK_STR_CONTAINS(m, "quoted string for tag 'a'");
}

TEST(err_numeric_attributes_need_integers)
{
	const char *m = bad(FILTER_RUNS, "start_time > '123'");
	CHECK_STR_CONTAINS(m, "expected a number for attribute 'start_time'");
	m = bad(FILTER_RUNS, "created > 1.5");
	CHECK_STR_CONTAINS(m, "expected an integer for attribute 'start_time'");
	CHECK_STR_CONTAINS(m, "'1.5' at column 11");
	m = bad(FILTER_RUNS, "end_time < 1e3");
	CHECK_STR_CONTAINS(m, "expected an integer");
	m = bad(FILTER_EXPERIMENTS, "creation_time = 1.0");
	CHECK_STR_CONTAINS(m, "expected an integer for attribute 'creation_time'");
	m = bad(FILTER_MODEL_VERSIONS, "version_number = '1'");
	CHECK_STR_CONTAINS(m, "expected a number for attribute 'version_number'");
	m = bad(FILTER_RUNS, "start_time > 99999999999999999999");
	CHECK_STR_CONTAINS(m, "out of range");
}

TEST(err_comparator_not_allowed_for_type)
{
	static const struct { enum filter_entity e; const char *text; const char *want; } cases[] = {
		{ FILTER_RUNS, "metrics.a LIKE 1", "comparator 'LIKE' at column 11 is not allowed for metric 'a'" },
		{ FILTER_RUNS, "params.a > 'x'", "comparator '>' at column 10 is not allowed for param 'a'" },
		{ FILTER_RUNS, "tags.a <= 'x'", "comparator '<=' at column 8 is not allowed for tag 'a'" },
		{ FILTER_RUNS, "tags.a IN ('x')", "comparator 'IN' at column 8 is not allowed for tag 'a'" },
		{ FILTER_RUNS, "params.a NOT IN ('x')", "comparator 'NOT IN' at column 10" },
		{ FILTER_RUNS, "status IN ('x')", "comparator 'IN' at column 8 is not allowed for attribute 'status'" },
		{ FILTER_RUNS, "status > 'x'", "is not allowed for attribute 'status'" },
		{ FILTER_RUNS, "start_time LIKE '1%'", "comparator 'LIKE' at column 12 is not allowed for attribute 'start_time'" },
		{ FILTER_RUNS, "datasets.name > 'a'", "is not allowed for dataset key 'name'" },
		{ FILTER_RUNS, "run_id >= 'a'", "is not allowed for attribute 'run_id'" },
		{ FILTER_EXPERIMENTS, "name IN ('a')", "comparator 'IN' at column 6 is not allowed for attribute 'name'" },
		{ FILTER_EXPERIMENTS, "creation_time LIKE 'x'", "is not allowed for attribute 'creation_time'" },
		{ FILTER_EXPERIMENTS, "tags.a < 'x'", "is not allowed for tag 'a'" },
		{ FILTER_REGISTERED_MODELS, "name > 'a'", "is not allowed for attribute 'name'" },
		{ FILTER_REGISTERED_MODELS, "name IN ('a')", "is not allowed for attribute 'name'" },
		{ FILTER_MODEL_VERSIONS, "run_id NOT IN ('a')", "comparator 'NOT IN' at column 8 is not allowed for attribute 'run_id'" },
		{ FILTER_MODEL_VERSIONS, "version_number LIKE '1'", "is not allowed for attribute 'version_number'" },
		{ FILTER_MODEL_VERSIONS, "source_path IN ('a')", "is not allowed for attribute 'source_path'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *m = bad(cases[i].e, cases[i].text);
		CHECK_STR_CONTAINS(m, cases[i].want);
		CHECK_STR_CONTAINS(m, "valid comparators are");
	}
	CHECK_STR_CONTAINS(bad(FILTER_RUNS, "metrics.a LIKE 1"), "valid comparators are =, !=, >, >=, <, <=");
	CHECK_STR_CONTAINS(bad(FILTER_RUNS, "status IN ('x')"), "valid comparators are =, !=, LIKE, ILIKE");
	CHECK_STR_CONTAINS(bad(FILTER_RUNS, "run_id > 'x'"), "=, !=, LIKE, ILIKE, IN, NOT IN");
}

TEST(err_list_rules)
{
	const char *m = bad(FILTER_RUNS, "run_id = ('a')");
	CHECK_STR_CONTAINS(m, "only allowed with IN or NOT IN");
	CHECK_STR_CONTAINS(m, "column 10");
	m = bad(FILTER_RUNS, "run_id IN 'a'");
	CHECK_STR_CONTAINS(m, "IN needs a list of quoted strings");
	CHECK_STR_CONTAINS(m, "''a'' at column 11");
	m = bad(FILTER_RUNS, "run_id IN ()");
	CHECK_STR_CONTAINS(m, "empty list at column 11");
	m = bad(FILTER_RUNS, "run_id IN ( )");
	CHECK_STR_CONTAINS(m, "empty list");
	m = bad(FILTER_RUNS, "run_id IN ('a', 1)");
	CHECK_STR_CONTAINS(m, "expected a quoted string in the list starting at column 11");
	CHECK_STR_CONTAINS(m, "'1' at column 17");
	m = bad(FILTER_RUNS, "run_id IN ('a' 'b')");
	CHECK_STR_CONTAINS(m, "expected ',' or ')'");
	CHECK_STR_CONTAINS(m, "column 16");
	m = bad(FILTER_RUNS, "run_id IN ('a',)");
	CHECK_STR_CONTAINS(m, "')' at column 16");
	m = bad(FILTER_RUNS, "run_id IN ('a'");
	CHECK_STR_CONTAINS(m, "end of filter");
	m = bad(FILTER_RUNS, "datasets.name NOT IN 'x'");
	CHECK_STR_CONTAINS(m, "NOT IN needs a list");
}

TEST(err_unterminated_quotes)
{
	const char *m = bad(FILTER_RUNS, "tags.a = 'abc");
	CHECK_STR_CONTAINS(m, "unterminated quoted string starting at column 10");
	m = bad(FILTER_RUNS, "tags.`abc = 'x'");
	CHECK_STR_CONTAINS(m, "unterminated backtick-quoted name starting at column 6");
	m = bad(FILTER_RUNS, "tags.a = 'ab\\'");
	CHECK_STR_CONTAINS(m, "unterminated");
	m = bad(FILTER_RUNS, "\"run name = 'x'");
	CHECK_STR_CONTAINS(m, "unterminated quoted string starting at column 1");
}

TEST(err_malformed_numbers)
{
	static const struct { const char *text; const char *tok; } cases[] = {
		{ "metrics.a > 1e", "'1e' at column 13" },
		{ "metrics.a > 1.2.3", "'1.2.3' at column 13" },
		{ "metrics.a > 5abc", "'5abc' at column 13" },
		{ "metrics.a > 1e+", "'1e+' at column 13" },
		{ "metrics.a > -.", "'-.' at column 13" },
		{ "metrics.a > .", "'.' at column 13" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *m = bad(FILTER_RUNS, cases[i].text);
		CHECK_STR_CONTAINS(m, "malformed number");
		CHECK_STR_CONTAINS(m, cases[i].tok);
	}
	const char *m = bad(FILTER_RUNS, "metrics.a > --1");
	CHECK_STR_CONTAINS(m, "expected a value");
	CHECK_STR_CONTAINS(m, "column 13");
}

TEST(err_structure)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "metrics.a", "expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN) but found end of filter" },
		{ "metrics.a 1", "expected a comparator" },
		{ "metrics.a >", "expected a value (a quoted string, a number or a list) but found end of filter" },
		{ "metrics.a > 1 AND", "expected an identifier but found end of filter" },
		{ "AND metrics.a > 1", "expected an identifier before AND" },
		{ "metrics.a > 1 metrics.b > 2", "unexpected token 'metrics.b' at column 15; expected AND" },
		{ "metrics.a > 1 AND AND metrics.b > 2", "'AND' at column 19" },
		{ "metrics.a > 1 ANDmetrics.b > 2", "unexpected token 'ANDmetrics.b' at column 15" },
		{ "= 1", "expected an identifier but found '=' at column 1" },
		{ "metrics. > 1", "expected a key after 'metrics.' but found '>' at column 10" },
		{ "metrics.`` > 1", "empty key at column 9" },
		{ "metrics.a == 1", "invalid comparator '==' at column 11" },
		{ "metrics.a <> 1", "invalid comparator '<>' at column 11" },
		{ "metrics.a ! 1", "expected a comparator" },
		{ "tags.a = 'x';", "';' at column 13" },
		{ "tags.`a`b = 'x'", "unexpected 'b' at column 9 after identifier" },
		{ "\"run name\".x = 'x'", "unexpected '.x' at column 11 after identifier" },
		{ "metrics.f1-score > 1", "expected a comparator" },
		{ "tags.a = 'x' ; tags.b = 'y'", "';' at column 14" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *m = bad(FILTER_RUNS, cases[i].text);
		CHECK_STR_CONTAINS(m, cases[i].want);
	}
}

TEST(err_column_counts_code_points)
{
	/* 'é' and '✓' are 2 and 3 bytes but one column each. */
	const char *m = bad(FILTER_RUNS, "tags.a = 'é✓' OR tags.b = 'x'");
	CHECK_STR_CONTAINS(m, "'OR' at column 15");
	m = bad(FILTER_RUNS, "tags.a = 'x' AND é = 'y'");
	CHECK_STR_CONTAINS(m, "'é' at column 18");
}

TEST(err_long_filter_is_shortened_but_names_the_token)
{
	char text[3000];
	size_t len = 0;
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%stags.k%d = 'v'", i ? " AND " : "", i);
	snprintf(text + len, sizeof text - len, " OR tags.z = 'q'");
	struct filter f;
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(filter_parse(FILTER_RUNS, text, &arena_, &f, &err), CAIRN_EINVAL);
	CHECK(strncmp(err.msg, "Invalid filter 'tags.k0 = 'v' AND", 33) == 0);
	CHECK_STR_CONTAINS(err.msg, "...': OR is not supported");
	char col[64];
	snprintf(col, sizeof col, "'OR' at column %zu", len + 2);
	CHECK_STR_CONTAINS(err.msg, col);
}

TEST(err_long_token_is_shortened)
{
	char text[600];
	memcpy(text, "tags.a = ", 9);
	memset(text + 9, 'x', 400);
	text[409] = 0;
	const char *m = bad(FILTER_RUNS, text);
	CHECK_STR_CONTAINS(m, "expected a value");
	CHECK_STR_CONTAINS(m, "xxx...' at column 10");
	CHECK(strlen(m) < 1000);
}

TEST(out_of_memory_is_reported)
{
	struct arena small;
	arena_init(&small, 64);
	struct filter f;
	struct cairn_error err = { 0 };
	int rc = filter_parse(FILTER_RUNS, "tags.a = 'x' AND tags.b = 'y' AND tags.c = 'z' AND "
			      "tags.d = 'w' AND tags.e = 'v'", &small, &f, &err);
	CHECK_INT_EQ(rc, CAIRN_ENOMEM);
	CHECK_STR_CONTAINS(err.msg, "out of memory");
	CHECK(f.n == 0);
	arena_release(&small);
}

TEST(error_pointer_may_be_null)
{
	struct filter f;
	CHECK_INT_EQ(filter_parse(FILTER_RUNS, "metrics.a > 'x'", &arena_, &f, NULL), CAIRN_EINVAL);
	CHECK_INT_EQ(filter_parse(FILTER_RUNS, "metrics.a > 1", &arena_, &f, NULL), 0);
	CHECK_INT_EQ(f.n, 1);
}

TEST_MAIN(empty_filters_have_no_comparisons, runs_metric_number_literals,
	  runs_metric_without_spaces_and_huge_exponent, runs_params_and_tags_take_strings,
	  runs_every_prefix_maps_to_its_kind, runs_backticked_prefixes_and_quoted_keys,
	  runs_dotted_bare_key_keeps_everything_after_first_dot, runs_attribute_aliases_are_canonicalised,
	  runs_numeric_attributes_take_integers, runs_run_id_lists_keep_only_lowercase_items,
	  runs_long_lists_grow, runs_dataset_filters, runs_many_clauses_and_free_whitespace,
	  keywords_are_case_insensitive, string_values_are_taken_as_written,
	  experiments_valid_filters, registered_models_valid_filters, model_versions_valid_filters,
	  err_or_is_rejected_with_column, err_parentheses_are_rejected, err_not_and_is_null_are_rejected,
	  err_unknown_prefix_lists_valid_ones, err_unknown_attribute_lists_valid_ones, err_dataset_key,
	  err_metric_needs_a_number, err_params_and_tags_need_strings,
	  err_numeric_attributes_need_integers, err_comparator_not_allowed_for_type, err_list_rules,
	  err_unterminated_quotes, err_malformed_numbers, err_structure, err_column_counts_code_points,
	  err_long_filter_is_shortened_but_names_the_token, err_long_token_is_shortened,
	  out_of_memory_is_reported, error_pointer_may_be_null)
