/*
 * runs/search and experiments/search end to end (spec §4): filters on metrics, params, tags,
 * attributes and datasets, order_by, paging with next_page_token, and bad filters.
 */
#include "itest.h"

#include <unistd.h>

/*
 * The fixture: one experiment with five runs.
 *   run   start  acc   loss  params(lr, model)   tags(team)   status    name      dataset
 *   r0    1000   0.9   0.1   0.01, "xgb"         "Growth"     FINISHED  alpha     train/iris
 *   r1    2000   0.7   -     0.1,  "linear"      "core"       RUNNING   beta      eval/wine
 *   r2    3000   0.5   0.3   0.01, "XGB-v2"      -            FAILED    gamma-1   -
 *   r3    4000   -     0.4   -                   "growth"     RUNNING   Gamma-2   -
 *   r4    5000   NaN   0.5   0.5,  "tree"        "core"       FINISHED  delta     -
 */
struct fixture {
	struct tu_server s;
	char exp[64];
	char run[5][64];
};

static void add_dataset(const struct tu_server *s, const char *run, const char *context, const char *name)
{
	json_decref(it_post(s, API "/runs/log-inputs", 200, "{s:s,s:[{s:[{s:s,s:s}],s:{s:s,s:s,s:s,s:s}}]}",
			    "run_id", run, "datasets", "tags", "key", "mlflow.data.context", "value", context,
			    "dataset", "name", name, "digest", name, "source_type", "local", "source", "{}"));
}

static void setup(struct fixture *f)
{
	tu_server_start(&f->s, NULL, NULL);
	it_create_experiment(&f->s, "search", f->exp);
	static const char *const names[5] = { "alpha", "beta", "gamma-1", "Gamma-2", "delta" };
	for (int i = 0; i < 5; i++) {
		json_t *r = it_create_run_json(&f->s, f->exp, names[i], 1000 * (i + 1));
		it_copy_str(f->run[i], 64, json_object_get(json_object_get(json_object_get(r, "run"), "info"), "run_id"),
			    "run_id");
		json_decref(r);
	}
	struct tu_server *s = &f->s;
	it_log_metric(s, f->run[0], "acc", 0.9, 1, 0);
	it_log_metric(s, f->run[1], "acc", 0.7, 1, 0);
	it_log_metric(s, f->run[2], "acc", 0.5, 1, 0);
	json_decref(it_post(s, API "/runs/log-metric", 200, "{s:s,s:s,s:s,s:I}", "run_id", f->run[4], "key", "acc",
			    "value", "NaN", "timestamp", (json_int_t)1));
	it_log_metric(s, f->run[0], "loss", 0.1, 1, 0);
	it_log_metric(s, f->run[2], "loss", 0.3, 1, 0);
	it_log_metric(s, f->run[3], "loss", 0.4, 1, 0);
	it_log_metric(s, f->run[4], "loss", 0.5, 1, 0);
	/* An older, larger value must not be what search compares: the latest wins. */
	it_log_metric(s, f->run[2], "acc", 0.99, 0, -1);
	it_log_param(s, f->run[0], "lr", "0.01");
	it_log_param(s, f->run[1], "lr", "0.1");
	it_log_param(s, f->run[2], "lr", "0.01");
	it_log_param(s, f->run[4], "lr", "0.5");
	it_log_param(s, f->run[0], "model", "xgb");
	it_log_param(s, f->run[1], "model", "linear");
	it_log_param(s, f->run[2], "model", "XGB-v2");
	it_log_param(s, f->run[4], "model", "tree");
	it_set_tag(s, f->run[0], "team", "Growth");
	it_set_tag(s, f->run[1], "team", "core");
	it_set_tag(s, f->run[3], "team", "growth");
	it_set_tag(s, f->run[4], "team", "core");
	it_set_tag(s, f->run[0], "with space", "yes");
	it_log_metric(s, f->run[1], "f1 score", 0.6, 1, 0);
	static const char *const status[5] = { "FINISHED", NULL, "FAILED", NULL, "FINISHED" };
	for (int i = 0; i < 5; i++)
		if (status[i])
			json_decref(it_post(s, API "/runs/update", 200, "{s:s,s:s,s:I}", "run_id", f->run[i],
					    "status", status[i], "end_time", (json_int_t)(1000 * (i + 1) + 500)));
	add_dataset(s, f->run[0], "train", "iris");
	add_dataset(s, f->run[1], "eval", "wine");
}

/* Search with a filter and optional order_by list; returns the answer. */
static json_t *search(const struct fixture *f, const char *filter, const char *const *order_by, long status)
{
	json_t *b = json_pack("{s:[s],s:s,s:I,s:s}", "experiment_ids", f->exp, "filter", filter ? filter : "",
			      "max_results", (json_int_t)1000, "run_view_type", "ACTIVE_ONLY");
	json_t *ob = json_array();
	for (size_t i = 0; order_by && order_by[i]; i++)
		json_array_append_new(ob, json_string(order_by[i]));
	json_object_set_new(b, "order_by", ob);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	json_t *r = tu_call_json(&f->s, "POST", API "/runs/search", text, status);
	free(text);
	return r;
}

/* The fixture indexes of the runs in an answer, as a string like "0,2". */
static const char *which(const struct fixture *f, json_t *answer)
{
	static char out[128];
	size_t n = 0;
	out[0] = 0;
	size_t i;
	json_t *run;
	json_array_foreach(json_object_get(answer, "runs"), i, run) {
		const char *id = it_run_info_str(run, "run_id");
		int idx = -1;
		for (int k = 0; k < 5; k++)
			if (id && strcmp(id, f->run[k]) == 0)
				idx = k;
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%d", n ? "," : "", idx);
	}
	return out;
}

/* Runs matching `filter`, in the default order (start_time DESC), as indexes. */
static void expect(const struct fixture *f, const char *filter, const char *want)
{
	json_t *r = search(f, filter, NULL, 200);
	const char *got = which(f, r);
	CHECK_MSG(strcmp(got, want) == 0, "filter \"%s\": got runs [%s], want [%s]", filter, got, want);
	json_decref(r);
}

static void expect_order(const struct fixture *f, const char *const *order_by, const char *want)
{
	json_t *r = search(f, "", order_by, 200);
	const char *got = which(f, r);
	CHECK_MSG(strcmp(got, want) == 0, "order_by \"%s\"...: got runs [%s], want [%s]", order_by[0], got, want);
	json_decref(r);
}

TEST(search_default_order_and_shape)
{
	struct fixture f;
	setup(&f);
	json_t *r = search(&f, "", NULL, 200);
	CHECK_STR_EQ(which(&f, r), "4,3,2,1,0");
	json_t *run0 = json_array_get(json_object_get(r, "runs"), 4);
	/* Full runs: latest metrics, params, tags, inputs. */
	CHECK(it_run_metric(run0, "acc") != NULL);
	CHECK_STR_EQ(it_run_param(run0, "lr"), "0.01");
	CHECK_STR_EQ(it_run_tag(run0, "team"), "Growth");
	CHECK_INT_EQ(it_array_size(json_object_get(run0, "inputs"), "dataset_inputs"), 1);
	CHECK(json_object_get(r, "next_page_token") == NULL ||
	      strcmp(json_string_value(json_object_get(r, "next_page_token")), "") == 0);
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

TEST(search_metric_filters)
{
	struct fixture f;
	setup(&f);
	expect(&f, "metrics.acc > 0.6", "1,0");
	expect(&f, "metrics.acc >= 0.7", "1,0");
	expect(&f, "metrics.acc < 0.6 and metrics.acc > 0.1", "2");  /* latest 0.5, not the older 0.99 */
	expect(&f, "metrics.acc = 0.9", "0");
	expect(&f, "metric.acc <= 0.5 AND metric.acc >= 0.4", "2");
	/* A run lacking the metric never matches, not even != . */
	expect(&f, "metrics.loss != 0.1", "4,3,2");
	expect(&f, "metrics.acc != 0.9 and metrics.loss > 0.2 and metrics.loss < 0.45", "2");
	expect(&f, "metrics.acc > 1e-3 AND metrics.acc < 8E-1", "2,1");
	expect(&f, "metrics.`f1 score` > 0.5", "1");
	expect(&f, "metrics.\"f1 score\" > 0.5", "1");
	expect(&f, "metrics.loss > -1", "4,3,2,0");
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

TEST(search_param_and_tag_filters)
{
	struct fixture f;
	setup(&f);
	expect(&f, "params.lr = '0.01'", "2,0");
	expect(&f, "params.lr = \"0.1\"", "1");
	expect(&f, "params.lr != '0.01'", "4,1");
	expect(&f, "params.model LIKE 'xgb%'", "0");          /* LIKE is case-sensitive */
	expect(&f, "params.model ILIKE 'xgb%'", "2,0");
	expect(&f, "params.model like '%e%'", "4,1");
	expect(&f, "params.model LIKE 'tre_'", "4");
	expect(&f, "tags.team = 'core'", "4,1");
	expect(&f, "tags.team ILIKE 'GROWTH'", "3,0");
	expect(&f, "tag.team LIKE 'g%'", "3");
	expect(&f, "tags.`with space` = 'yes'", "0");
	expect(&f, "tags.team = 'core' and params.lr = '0.5'", "4");
	expect(&f, "tags.mlflow.source.type = 'LOCAL'", "4,3,2,1,0");
	expect(&f, "params.lr = '0.01' AND tags.team = 'nope'", "");
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

TEST(search_attribute_filters)
{
	struct fixture f;
	setup(&f);
	expect(&f, "attributes.status = 'FINISHED'", "4,0");
	expect(&f, "status != 'RUNNING'", "4,2,0");
	expect(&f, "attribute.run_name = 'beta'", "1");
	expect(&f, "run_name ILIKE 'gamma%'", "3,2");
	expect(&f, "run_name LIKE 'gamma%'", "2");
	expect(&f, "`Run name` = 'delta'", "4");
	expect(&f, "attributes.start_time >= 3000", "4,3,2");
	expect(&f, "created < 2500", "1,0");
	expect(&f, "attributes.end_time > 0", "4,2,0");     /* unset end_time never matches */
	expect(&f, "attributes.user_id = 'tester'", "4,3,2,1,0");
	char filter[256];
	snprintf(filter, sizeof filter, "attributes.run_id = '%s'", f.run[3]);
	expect(&f, filter, "3");
	snprintf(filter, sizeof filter, "attributes.run_id IN ('%s', '%s')", f.run[1], f.run[4]);
	expect(&f, filter, "4,1");
	snprintf(filter, sizeof filter, "run_id NOT IN ('%s')", f.run[1]);
	expect(&f, filter, "4,3,2,0");
	char upper[64];
	snprintf(upper, sizeof upper, "%s", f.run[1]);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	if (strcmp(upper, f.run[1]) != 0) {
		/* Items that are not all lowercase are dropped from IN lists. */
		snprintf(filter, sizeof filter, "attributes.run_id IN ('%s', '%s')", upper, f.run[0]);
		expect(&f, filter, "0");
	}
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

TEST(search_dataset_filters)
{
	struct fixture f;
	setup(&f);
	expect(&f, "datasets.name = 'iris'", "0");
	expect(&f, "dataset.context = 'eval'", "1");
	expect(&f, "datasets.name IN ('iris', 'wine')", "1,0");
	expect(&f, "datasets.digest LIKE 'w%'", "1");
	expect(&f, "datasets.context = 'train' AND metrics.acc > 0.8", "0");
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

TEST(search_order_by)
{
	struct fixture f;
	setup(&f);
	/* Runs lacking the key sort last in both directions; NaN after numbers. */
	expect_order(&f, (const char *const[]){ "metrics.acc DESC", NULL }, "0,1,2,4,3");
	expect_order(&f, (const char *const[]){ "metrics.acc", NULL }, "2,1,0,4,3");
	expect_order(&f, (const char *const[]){ "metrics.acc asc", NULL }, "2,1,0,4,3");
	expect_order(&f, (const char *const[]){ "params.lr ASC", NULL }, "2,0,1,4,3");  /* ties: start_time DESC */
	expect_order(&f, (const char *const[]){ "attributes.start_time ASC", NULL }, "0,1,2,3,4");
	expect_order(&f, (const char *const[]){ "run_name DESC", NULL }, "2,4,1,0,3");
	expect_order(&f, (const char *const[]){ "tags.team DESC", "metrics.loss ASC", NULL }, "3,4,1,0,2");
	expect_order(&f, (const char *const[]){ "metrics.`f1 score` DESC", NULL }, "1,4,3,2,0");
	/* The same key twice is an error (400, not MLflow's 500). */
	json_t *b = json_pack("{s:[s],s:[s,s]}", "experiment_ids", f.exp, "order_by", "metrics.acc", "metrics.acc DESC");
	char *text = json_dumps(b, JSON_COMPACT);
	const char *m = tu_expect_error(&f.s, "POST", API "/runs/search", text, 400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "acc");
	free(text);
	json_decref(b);
	b = json_pack("{s:[s],s:[s]}", "experiment_ids", f.exp, "order_by", "metrics.acc SIDEWAYS");
	text = json_dumps(b, JSON_COMPACT);
	tu_expect_error(&f.s, "POST", API "/runs/search", text, 400, "INVALID_PARAMETER_VALUE");
	free(text);
	json_decref(b);
	b = json_pack("{s:[s],s:[s]}", "experiment_ids", f.exp, "order_by", "datasets.name");
	text = json_dumps(b, JSON_COMPACT);
	tu_expect_error(&f.s, "POST", API "/runs/search", text, 400, "INVALID_PARAMETER_VALUE");
	free(text);
	json_decref(b);
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

/* mlflow.search_runs(): POST repeatedly while next_page_token is set. */
TEST(search_paging)
{
	struct fixture f;
	setup(&f);
	char token[1024] = "";
	char seen[256] = "";
	size_t n = 0;
	int pages = 0;
	for (; pages < 10; pages++) {
		json_t *b = json_pack("{s:[s],s:s,s:I,s:[s]}", "experiment_ids", f.exp, "filter", "",
				      "max_results", (json_int_t)2, "order_by", "attributes.start_time ASC");
		if (token[0])
			json_object_set_new(b, "page_token", json_string(token));
		char *text = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		json_t *r = tu_call_json(&f.s, "POST", API "/runs/search", text, 200);
		free(text);
		CHECK(it_array_size(r, "runs") <= 2);
		const char *w = which(&f, r);
		if (*w)
			n += (size_t)snprintf(seen + n, sizeof seen - n, "%s%s", n ? "," : "", w);
		const char *t = json_string_value(json_object_get(r, "next_page_token"));
		snprintf(token, sizeof token, "%s", t ? t : "");
		json_decref(r);
		if (!token[0])
			break;
	}
	CHECK_STR_EQ(seen, "0,1,2,3,4");
	CHECK(pages >= 2 && pages <= 3);
	/* Garbage tokens are refused. */
	json_t *b = json_pack("{s:[s],s:s}", "experiment_ids", f.exp, "page_token", "not-a-token!");
	char *text = json_dumps(b, JSON_COMPACT);
	const char *m = tu_expect_error(&f.s, "POST", API "/runs/search", text, 400, "INVALID_PARAMETER_VALUE");
	CHECK_CONTAINS_CI(m, "token");
	free(text);
	json_decref(b);
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

TEST(search_max_results_and_views)
{
	struct fixture f;
	setup(&f);
	static const long long bad[] = { 0, -1, 50001 };
	for (size_t i = 0; i < 3; i++) {
		const char *m = it_post_error(&f.s, API "/runs/search", 400, "INVALID_PARAMETER_VALUE", "{s:[s],s:I}",
					      "experiment_ids", f.exp, "max_results", (json_int_t)bad[i]);
		CHECK_STR_CONTAINS(m, "max_results");
	}
	json_t *r = it_post(&f.s, API "/runs/search", 200, "{s:[s],s:I}", "experiment_ids", f.exp,
			    "max_results", (json_int_t)50000);
	CHECK_INT_EQ(it_array_size(r, "runs"), 5);
	json_decref(r);
	json_decref(it_post(&f.s, API "/runs/delete", 200, "{s:s}", "run_id", f.run[2]));
	r = it_post(&f.s, API "/runs/search", 200, "{s:[s]}", "experiment_ids", f.exp);
	CHECK_STR_EQ(which(&f, r), "4,3,1,0");
	json_decref(r);
	r = it_post(&f.s, API "/runs/search", 200, "{s:[s],s:s}", "experiment_ids", f.exp, "run_view_type", "DELETED_ONLY");
	CHECK_STR_EQ(which(&f, r), "2");
	json_decref(r);
	r = it_post(&f.s, API "/runs/search", 200, "{s:[s],s:s}", "experiment_ids", f.exp, "run_view_type", "ALL");
	CHECK_STR_EQ(which(&f, r), "4,3,2,1,0");
	json_decref(r);
	it_post_error(&f.s, API "/runs/search", 400, "INVALID_PARAMETER_VALUE", "{s:[s],s:s}", "experiment_ids", f.exp,
		      "run_view_type", "SOME");
	/* Several experiments at once; an unknown experiment simply has no runs. */
	char other[64], orun[64];
	it_create_experiment(&f.s, "other", other);
	it_create_run(&f.s, other, "o", orun);
	r = it_post(&f.s, API "/runs/search", 200, "{s:[s,s,s]}", "experiment_ids", f.exp, other, "123456");
	CHECK_INT_EQ(it_array_size(r, "runs"), 5);
	json_decref(r);
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

static int names_one_of(const char *msg, const char *alternatives)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", alternatives);
	for (char *w = buf, *bar; w; w = bar ? bar + 1 : NULL) {
		bar = strchr(w, '|');
		if (bar)
			*bar = 0;
		if (strstr(msg, w))
			return 1;
	}
	return 0;
}

TEST(search_bad_filters)
{
	struct fixture f;
	setup(&f);
	static const struct { const char *filter; const char *names; } bad[] = {
		/* `names`: the message must contain one of these '|'-separated words. */
		{ "metrics.acc > 'x'", "acc|'x'" },           /* metrics compare with numbers */
		{ "params.lr > '1'", ">" },                   /* comparator not allowed for params */
		{ "params.lr = 0.01", "lr|0.01" },            /* param values must be quoted */
		{ "foo.bar = 'x'", "foo" },                   /* unknown prefix */
		{ "attributes.nope = 'x'", "nope" },          /* unknown attribute */
		{ "metrics.acc > 0.5 OR metrics.acc < 0.1", "OR" },
		{ "(metrics.acc > 0.5)", "(" },
		{ "metrics.acc >", "acc|>|end" },
		{ "metrics.acc ~ 1", "~" },
		{ "tags.team IS NULL", "IS" },
		{ "params.lr = 'unterminated", "unterminated|quote" },
		{ "attributes.start_time > 'x'", "start_time|'x'" },
		{ "datasets.nope = 'x'", "nope" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *m = it_post_error(&f.s, API "/runs/search", 400, "INVALID_PARAMETER_VALUE", "{s:[s],s:s}",
					      "experiment_ids", f.exp, "filter", bad[i].filter);
		CHECK_MSG(names_one_of(m, bad[i].names), "filter \"%s\": message \"%s\" does not name \"%s\"",
			  bad[i].filter, m, bad[i].names);
	}
	expect(&f, "metrics.acc > 0.6", "1,0");  /* still answering */
	CHECK_INT_EQ(tu_server_stop(&f.s), 0);
}

/* mlflow.search_experiments() and the UI's experiment list. */
TEST(search_experiments)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char ids[4][64];
	static const char *const names[4] = { "churn-a", "churn-b", "Fraud", "churn-c" };
	for (int i = 0; i < 4; i++) {
		it_create_experiment(&s, names[i], ids[i]);
		usleep(3000);  /* distinct creation times, so the default order is well defined */
	}
	json_decref(it_post(&s, API "/experiments/set-experiment-tag", 200, "{s:s,s:s,s:s}", "experiment_id", ids[1],
			    "key", "team", "value", "growth"));
	json_decref(it_post(&s, API "/experiments/delete", 200, "{s:s}", "experiment_id", ids[3]));

	json_t *r = it_post(&s, API "/experiments/search", 200, "{s:I}", "max_results", (json_int_t)1000);
	json_t *ex = json_object_get(r, "experiments");
	CHECK_INT_EQ(json_array_size(ex), 4);  /* Default + 3 active */
	/* Default order: creation_time DESC, so the newest active first. */
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ex, 0), "name")), "Fraud");
	CHECK(json_object_get(r, "next_page_token") == NULL);
	json_decref(r);
	r = it_post(&s, API "/experiments/search", 200, "{s:s,s:[s]}", "filter", "name LIKE 'churn%'", "order_by", "name DESC");
	ex = json_object_get(r, "experiments");
	CHECK_INT_EQ(json_array_size(ex), 2);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ex, 0), "name")), "churn-b");
	json_decref(r);
	r = it_post(&s, API "/experiments/search", 200, "{s:s}", "filter", "name ILIKE 'FRAUD'");
	CHECK_INT_EQ(it_array_size(r, "experiments"), 1);
	json_decref(r);
	r = it_post(&s, API "/experiments/search", 200, "{s:s}", "filter", "tags.team = 'growth'");
	ex = json_object_get(r, "experiments");
	CHECK_INT_EQ(json_array_size(ex), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ex, 0), "experiment_id")), ids[1]);
	CHECK(json_array_size(json_object_get(json_array_get(ex, 0), "tags")) == 1);
	json_decref(r);
	r = it_post(&s, API "/experiments/search", 200, "{s:s}", "view_type", "DELETED_ONLY");
	ex = json_object_get(r, "experiments");
	CHECK_INT_EQ(json_array_size(ex), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(ex, 0), "name")), "churn-c");
	json_decref(r);
	r = it_post(&s, API "/experiments/search", 200, "{s:s,s:s}", "view_type", "ALL", "filter", "name != 'Default'");
	CHECK_INT_EQ(it_array_size(r, "experiments"), 4);
	json_decref(r);
	r = it_post(&s, API "/experiments/search", 200, "{s:s}", "filter", "creation_time > 0");
	CHECK_INT_EQ(it_array_size(r, "experiments"), 4);
	json_decref(r);
	/* Paging: a token only when another row exists (the +1 rule). */
	char token[512] = "";
	size_t total = 0;
	int pages = 0;
	for (; pages < 10; pages++) {
		json_t *b = json_pack("{s:I,s:[s]}", "max_results", (json_int_t)2, "order_by", "name ASC");
		if (token[0])
			json_object_set_new(b, "page_token", json_string(token));
		char *text = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		r = tu_call_json(&s, "POST", API "/experiments/search", text, 200);
		free(text);
		total += it_array_size(r, "experiments");
		const char *t = json_string_value(json_object_get(r, "next_page_token"));
		snprintf(token, sizeof token, "%s", t ? t : "");
		json_decref(r);
		if (!token[0])
			break;
	}
	CHECK_INT_EQ(total, 4);
	CHECK_INT_EQ(pages, 1);  /* 2 + 2, no empty third page */
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(search_experiments_errors)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	const char *m;
	m = it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:I}", "max_results", (json_int_t)0);
	CHECK_STR_CONTAINS(m, "max_results");
	m = it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:I}", "max_results",
			  (json_int_t)50001);
	CHECK_STR_CONTAINS(m, "max_results");
	it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "page_token", "@@@");
	/* "attributes." is not an experiments prefix; metrics are not searchable here. */
	m = it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "filter",
			  "metrics.acc > 1");
	CHECK_STR_CONTAINS(m, "metrics");
	it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "filter", "name = 'a' OR name = 'b'");
	it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:[s]}", "order_by", "bogus");
	it_post_error(&s, API "/experiments/search", 400, "INVALID_PARAMETER_VALUE", "{s:s}", "view_type", "EVERYTHING");
	json_decref(it_post(&s, API "/experiments/search", 200, "{}"));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST_MAIN(search_default_order_and_shape, search_metric_filters, search_param_and_tag_filters,
	  search_attribute_filters, search_dataset_filters, search_order_by, search_paging,
	  search_max_results_and_views, search_bad_filters, search_experiments, search_experiments_errors)
