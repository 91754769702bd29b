/* Gate evaluation, promotion with compare-and-swap, promote-best. */
#include "../../harness.h"
#include "promote/promote.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static struct arena arena_;

static struct store *open_store(void)
{
	struct cairn_error err = { 0 };
	struct store *s = store_open(arena_printf(&arena_, "%s/g.db", test_tmpdir()), NULL, &err);
	CHECK_MSG(s != NULL, "%s", err.msg);
	struct store_registered_model m;
	CHECK(store_create_registered_model(s, "m", NULL, NULL, 0, &arena_, &m, &err) == 0);
	return s;
}

/* A version whose run logged f1 and acc (NaN = not logged), with run tag validation=`tag`. */
static const char *version(struct store *s, double f1, double acc, const char *tag)
{
	struct cairn_error err = { 0 };
	struct store_run_create rc = { 0 };
	struct store_run run;
	rc.experiment_id = "0";
	CHECK(store_create_run(s, &rc, &arena_, &run, &err) == 0);
	if (!isnan(f1)) {
		struct store_metric m = { "f1", f1, 1, 0, NULL };
		CHECK(store_log_metric(s, run.info.run_id, &m, &err) == 0);
	}
	if (!isnan(acc)) {
		struct store_metric m = { "accuracy", acc, 1, 0, NULL };
		CHECK(store_log_metric(s, run.info.run_id, &m, &err) == 0);
	}
	if (tag)
		CHECK(store_set_tag(s, run.info.run_id, "validation", tag, &err) == 0);
	struct store_model_version_create req = { 0 };
	req.name = "m";
	req.run_id = run.info.run_id;
	req.source = arena_printf(&arena_, "%s/model", run.info.artifact_uri);
	struct store_model_version v;
	CHECK_MSG(store_create_model_version(s, &req, &arena_, &v, &err) == 0, "%s", err.msg);
	return v.version;
}

static struct promote_policy policy(const char *text)
{
	struct promote_policy p;
	struct cairn_error err = { 0 };
	CHECK_MSG(promote_policy_parse(text, strlen(text), "p.yaml", &arena_, &p, &err) == 0, "%s", err.msg);
	return p;
}

static const char *const POLICY =
	"gates:\n"
	"  metrics: {f1: '>= 0.80', accuracy: '>= 0.85'}\n"
	"  better_than_current: {metric: f1, min_delta: 0.01}\n"
	"  required_tags: {validation: passed}\n";

static int promote(struct store *s, const char *v, const struct promote_policy *p,
		   struct promote_report *rep)
{
	struct promote_request r = { 0 };
	r.name = "m";
	r.version = v;
	r.alias = "production";
	r.stage = "Production";
	r.archive_previous = 1;
	r.policy = p;
	r.who.user = "tester";
	struct cairn_error err = { 0 };
	int rc = promote_version(s, &r, &arena_, rep, &err);
	CHECK_MSG(rc == 0 || rc == CAIRN_ESTATE, "promote: %d %s", rc, err.msg);
	return rc;
}

TEST(all_gates_pass_first_promotion)
{
	struct store *s = open_store();
	const char *v1 = version(s, 0.85, 0.90, "passed");
	struct promote_policy p = policy(POLICY);
	struct promote_report rep;
	CHECK(promote(s, v1, &p, &rep) == 0);
	CHECK_INT_EQ(rep.ngates, 4);
	for (size_t i = 0; i < rep.ngates; i++)
		CHECK_MSG(rep.gates[i].passed, "%s: %s", rep.gates[i].gate, rep.gates[i].detail);
	CHECK_STR_CONTAINS(rep.gates[2].detail, "no version holds");
	CHECK(rep.passed && rep.promoted);
	struct promote_resolved r;
	struct cairn_error err = { 0 };
	CHECK(promote_resolve_uri(s, "models:/m@production", &arena_, &r, &err) == 0);
	CHECK_STR_EQ(r.version, v1);
	CHECK(promote_resolve_uri(s, "models:/m/Production", &arena_, &r, &err) == 0);
	CHECK_STR_EQ(r.version, v1);
	store_close(s);
}

TEST(each_gate_can_refuse)
{
	struct store *s = open_store();
	struct promote_policy p = policy(POLICY);
	struct promote_report rep;
	const char *v1 = version(s, 0.85, 0.90, "passed");
	CHECK(promote(s, v1, &p, &rep) == 0 && rep.promoted);
	/* metric threshold */
	const char *low = version(s, 0.70, 0.90, "passed");
	CHECK(promote(s, low, &p, &rep) == 0);
	CHECK(!rep.passed && !rep.promoted);
	CHECK(!rep.gates[0].passed);
	CHECK_STR_CONTAINS(rep.gates[0].detail, "f1 = 0.7");
	/* better than current by at least 0.01: 0.855 is only +0.005 */
	const char *close_v = version(s, 0.855, 0.90, "passed");
	CHECK(promote(s, close_v, &p, &rep) == 0 && !rep.passed);
	CHECK(rep.gates[0].passed && !rep.gates[2].passed);
	CHECK_STR_CONTAINS(rep.gates[2].detail, "vs 0.85");
	/* required tag */
	const char *untagged = version(s, 0.95, 0.95, NULL);
	CHECK(promote(s, untagged, &p, &rep) == 0 && !rep.passed);
	CHECK(!rep.gates[3].passed);
	CHECK_STR_CONTAINS(rep.gates[3].detail, "not set");
	const char *failed = version(s, 0.95, 0.95, "failed");
	CHECK(promote(s, failed, &p, &rep) == 0 && !rep.passed);
	/* missing metric */
	const char *no_acc = version(s, 0.95, NAN, "passed");
	CHECK(promote(s, no_acc, &p, &rep) == 0 && !rep.passed);
	CHECK_STR_CONTAINS(rep.gates[1].detail, "not logged");
	/* nothing moved through all of that */
	struct store_model_version mv;
	struct cairn_error err = { 0 };
	CHECK(store_get_model_version_by_alias(s, "m", "production", &arena_, &mv, &err) == 0);
	CHECK_STR_EQ(mv.version, v1);
	struct store_registry_event *ev;
	size_t n;
	CHECK(store_list_registry_history(s, "m", NULL, &arena_, &ev, &n, &err) == 0);
	CHECK_INT_EQ(n, 2);
	/* a version tag satisfies required_tags too, and a good version moves the alias */
	const char *good = version(s, 0.90, 0.90, NULL);
	CHECK(store_set_model_version_tag(s, "m", good, "validation", "passed", &err) == 0);
	CHECK(promote(s, good, &p, &rep) == 0 && rep.passed && rep.promoted);
	CHECK_STR_EQ(rep.current_holder, v1);
	CHECK(store_get_model_version(s, "m", v1, &arena_, &mv, &err) == 0);
	CHECK_STR_EQ(mv.current_stage, "Archived");
	store_close(s);
}

TEST(version_without_run_fails_metric_gates)
{
	struct store *s = open_store();
	struct cairn_error err = { 0 };
	struct store_model_version_create req = { 0 };
	struct store_model_version v;
	req.name = "m";
	req.source = "s3://b/x";
	CHECK(store_create_model_version(s, &req, &arena_, &v, &err) == 0);
	struct promote_policy p = policy("gates: {metrics: {f1: 0.5}}\n");
	struct promote_report rep;
	CHECK(promote(s, v.version, &p, &rep) == 0 && !rep.passed);
	CHECK_STR_CONTAINS(rep.gates[0].detail, "no source run");
	/* no policy: no gates, promotion goes through */
	CHECK(promote(s, v.version, NULL, &rep) == 0 && rep.promoted);
	CHECK(promote(s, v.version, NULL, &rep) == 0 && rep.already && !rep.promoted);
	store_close(s);
}

TEST(lower_is_better_gate)
{
	struct store *s = open_store();
	struct promote_report rep;
	const char *v1 = version(s, 0.5, NAN, NULL);
	CHECK(promote(s, v1, NULL, &rep) == 0 && rep.promoted);
	struct promote_policy p = policy("gates: {better_than_current: {metric: f1, direction: lower, min_delta: 0.1}}\n");
	const char *v2 = version(s, 0.45, NAN, NULL);
	CHECK(promote(s, v2, &p, &rep) == 0 && !rep.passed);
	const char *v3 = version(s, 0.3, NAN, NULL);
	CHECK(promote(s, v3, &p, &rep) == 0 && rep.passed && rep.promoted);
	store_close(s);
}

TEST(evaluate_errors)
{
	struct store *s = open_store();
	struct promote_report rep;
	struct cairn_error err = { 0 };
	CHECK(promote_evaluate(s, "m", "1", "production", NULL, &arena_, &rep, &err) == CAIRN_ENOENT);
	CHECK(promote_evaluate(s, "nope", "1", "production", NULL, &arena_, &rep, &err) == CAIRN_ENOENT);
	version(s, 0.5, 0.5, NULL);
	CHECK(promote_evaluate(s, "m", "1", "v1", NULL, &arena_, &rep, &err) == CAIRN_EINVAL);
	CHECK(promote_evaluate(s, "m", "x", "production", NULL, &arena_, &rep, &err) == CAIRN_EINVAL);
	store_close(s);
}

TEST(pick_best)
{
	struct store *s = open_store();
	struct cairn_error err = { 0 };
	const char *v;
	double val;
	CHECK(promote_pick_best(s, "m", "f1", 0, &arena_, &v, &val, &err) == CAIRN_ENOENT);
	version(s, 0.7, NAN, NULL);
	version(s, 0.9, NAN, NULL);
	version(s, NAN, NAN, NULL);
	version(s, 0.9, NAN, NULL);
	version(s, 0.6, NAN, NULL);
	CHECK(promote_pick_best(s, "m", "f1", 0, &arena_, &v, &val, &err) == 0);
	CHECK_STR_EQ(v, "4");  /* ties go to the higher version */
	CHECK(val == 0.9);
	CHECK(promote_pick_best(s, "m", "f1", 1, &arena_, &v, &val, &err) == 0);
	CHECK_STR_EQ(v, "5");
	CHECK(promote_pick_best(s, "m", "nope", 0, &arena_, &v, &val, &err) == CAIRN_ENOENT);
	CHECK(promote_pick_best(s, "x", "f1", 0, &arena_, &v, &val, &err) == CAIRN_ENOENT);
	CHECK_STR_EQ(promote_default_stage("Production"), "Production");
	CHECK_STR_EQ(promote_default_stage("staging"), "Staging");
	CHECK(promote_default_stage("champion") == NULL);
	store_close(s);
}

TEST_MAIN(all_gates_pass_first_promotion, each_gate_can_refuse, version_without_run_fails_metric_gates,
	  lower_is_better_gate, evaluate_errors, pick_best)
