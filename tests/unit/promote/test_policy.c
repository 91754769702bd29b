/* Promotion policies: the YAML format, and errors that name file:line:column. */
#include "../../harness.h"
#include "promote/promote.h"

#include <stdio.h>
#include <string.h>

static struct arena arena_;

static int parse(const char *text, struct promote_policy *p, struct cairn_error *err)
{
	return promote_policy_parse(text, strlen(text), "policy.yaml", &arena_, p, err);
}

static void expect_error(const char *text, const char *where, const char *what)
{
	struct promote_policy p;
	struct cairn_error err = { 0 };
	CHECK_MSG(parse(text, &p, &err) == CAIRN_EINVAL, "accepted: %s", text);
	CHECK_STR_CONTAINS(err.msg, where);
	CHECK_STR_CONTAINS(err.msg, what);
}

TEST(full_policy)
{
	const char *text =
		"version: 1\n"
		"gates:\n"
		"  metrics:\n"
		"    f1: \">= 0.80\"\n"
		"    accuracy: '> 0.85'\n"
		"    roc_auc: 0.9\n"
		"    log_loss: \"<= 0.3\"\n"
		"  better_than_current:\n"
		"    metric: f1\n"
		"    min_delta: 0.01\n"
		"  required_tags:\n"
		"    validation: passed\n";
	struct promote_policy p;
	struct cairn_error err = { 0 };
	CHECK_MSG(parse(text, &p, &err) == 0, "%s", err.msg);
	CHECK_INT_EQ(p.nmetrics, 4);
	CHECK_STR_EQ(p.metrics[0].metric, "f1");
	CHECK_INT_EQ(p.metrics[0].op, PROMOTE_OP_GE);
	CHECK(p.metrics[0].threshold == 0.80);
	CHECK_INT_EQ(p.metrics[1].op, PROMOTE_OP_GT);
	CHECK_INT_EQ(p.metrics[2].op, PROMOTE_OP_GE);  /* a bare number means >= */
	CHECK(p.metrics[2].threshold == 0.9);
	CHECK_INT_EQ(p.metrics[3].op, PROMOTE_OP_LE);
	CHECK_INT_EQ(p.nbetter, 1);
	CHECK_STR_EQ(p.better[0].metric, "f1");
	CHECK(p.better[0].min_delta == 0.01);
	CHECK_INT_EQ(p.better[0].lower_is_better, 0);
	CHECK_INT_EQ(p.nrequired_tags, 1);
	CHECK_STR_EQ(p.required_tags[0].key, "validation");
	CHECK_STR_EQ(p.required_tags[0].value, "passed");
}

TEST(better_as_list_and_direction)
{
	const char *text =
		"gates:\n"
		"  better_than_current:\n"
		"    - {metric: f1}\n"
		"    - metric: loss\n"
		"      direction: lower\n"
		"      min_delta: 0\n";
	struct promote_policy p;
	struct cairn_error err = { 0 };
	CHECK_MSG(parse(text, &p, &err) == 0, "%s", err.msg);
	CHECK_INT_EQ(p.nbetter, 2);
	CHECK(p.better[0].min_delta == 0);
	CHECK_INT_EQ(p.better[1].lower_is_better, 1);
}

TEST(empty_gates_are_fine)
{
	struct promote_policy p;
	struct cairn_error err = { 0 };
	CHECK_MSG(parse("gates:\n", &p, &err) == 0, "%s", err.msg);
	CHECK_INT_EQ(p.nmetrics + p.nbetter + p.nrequired_tags, 0);
	CHECK_MSG(parse("gates: {metrics: {}}\n", &p, &err) == 0, "%s", err.msg);
}

TEST(errors_name_line_and_column)
{
	expect_error("gates:\n  metric:\n    f1: 0.8\n", "policy.yaml:2:3", "unknown gate 'metric'");
	expect_error("gate: {}\n", "policy.yaml:1:1", "unknown key 'gate'");
	expect_error("gates:\n  metrics:\n    f1: \"~= 0.8\"\n", "policy.yaml:3:9", "f1");
	expect_error("gates:\n  metrics:\n    f1: [0.8]\n", "policy.yaml:3:9", "must be a string");
	expect_error("gates:\n  metrics: [f1]\n", "policy.yaml:2:12", "must be a mapping");
	expect_error("gates:\n  better_than_current:\n    min_delta: 0.1\n", "policy.yaml:3:5", "needs a 'metric'");
	expect_error("gates:\n  better_than_current:\n    metric: f1\n    min_delta: lots\n",
		     "policy.yaml:4:16", "must be a number");
	expect_error("gates:\n  better_than_current:\n    metric: f1\n    min_delta: -1\n",
		     "policy.yaml:4:16", ">= 0");
	expect_error("gates:\n  better_than_current:\n    metric: f1\n    direction: up\n",
		     "policy.yaml:4:16", "'higher' or 'lower'");
	expect_error("gates:\n  better_than_current:\n    metric: f1\n    delta: 1\n",
		     "policy.yaml:4:5", "unknown key 'delta'");
	expect_error("gates:\n  required_tags:\n    validation: [a]\n", "policy.yaml:3:17", "must be a string");
	expect_error("gates:\n  metrics:\n    f1: 0.8\n    f1: 0.9\n", "policy.yaml:4:5", "duplicate key 'f1'");
	expect_error("gates:\n  metrics:\n    \"../x\": 0.8\n", "policy.yaml:3:5", "invalid metric name");
	expect_error("version: 2\n", "policy.yaml:1:10", "unsupported policy version");
	expect_error("gates: [\n", "policy.yaml:", "invalid YAML");
	expect_error("", "policy.yaml:1:1", "empty");
	expect_error("- a\n- b\n", "policy.yaml:1:1", "must be a mapping");
}

TEST(conditions)
{
	int op;
	double t;
	CHECK(promote_parse_condition(">= 0.8", &op, &t, NULL) == 0 && op == PROMOTE_OP_GE && t == 0.8);
	CHECK(promote_parse_condition(" <0.5 ", &op, &t, NULL) == 0 && op == PROMOTE_OP_LT && t == 0.5);
	CHECK(promote_parse_condition("== 1", &op, &t, NULL) == 0 && op == PROMOTE_OP_EQ);
	CHECK(promote_parse_condition("!= 1", &op, &t, NULL) == 0 && op == PROMOTE_OP_NE);
	CHECK(promote_parse_condition("> -1e3", &op, &t, NULL) == 0 && op == PROMOTE_OP_GT && t == -1000);
	CHECK(promote_parse_condition("0.7", &op, &t, NULL) == 0 && op == PROMOTE_OP_GE && t == 0.7);
	CHECK(promote_parse_condition(">=", &op, &t, NULL) == CAIRN_EINVAL);
	CHECK(promote_parse_condition(">= x", &op, &t, NULL) == CAIRN_EINVAL);
	CHECK(promote_parse_condition("=> 1", &op, &t, NULL) == CAIRN_EINVAL);
	CHECK(promote_parse_condition(">= nan", &op, &t, NULL) == CAIRN_EINVAL);
	CHECK_STR_EQ(promote_op_text(PROMOTE_OP_LE), "<=");
}

TEST(load_from_file)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/p.yaml", test_tmpdir());
	struct cairn_error err = { 0 };
	const char *text = "gates:\n  metrics:\n    f1: '>= 0.5'\n";
	CHECK(fs_write_atomic(path, text, strlen(text), &err) == 0);
	struct promote_policy p;
	CHECK_MSG(promote_policy_load(path, &arena_, &p, &err) == 0, "%s", err.msg);
	CHECK_INT_EQ(p.nmetrics, 1);
	CHECK_STR_EQ(p.path, path);
	snprintf(path, sizeof path, "%s/missing.yaml", test_tmpdir());
	CHECK(promote_policy_load(path, &arena_, &p, &err) == CAIRN_ENOENT);
	CHECK_STR_CONTAINS(err.msg, "missing.yaml");
}

TEST_MAIN(full_policy, better_as_list_and_direction, empty_gates_are_fine, errors_name_line_and_column,
	  conditions, load_from_file)
