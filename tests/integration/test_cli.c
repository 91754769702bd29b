/*
 * The command-line front end: help and usage errors, and experiments/runs commands working
 * directly on a database that the server wrote (and the server reading what they wrote).
 */
#include "itest.h"

#include <sys/stat.h>
#include <unistd.h>

/* Run cairn with a NULL-terminated list; returns the exit code, output in *out. */
#define CLI(out, ...) tu_run_cli((const char *const[]){ __VA_ARGS__, NULL }, (out))

TEST(top_level_help_and_version)
{
	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "--help"), 0);
	CHECK_STR_CONTAINS(out, "usage: cairn");
	CHECK_STR_CONTAINS(out, "server");
	CHECK_STR_CONTAINS(out, "experiments");
	CHECK_STR_CONTAINS(out, "runs");
	CHECK_STR_CONTAINS(out, "Example");
	free(out);
	CHECK_INT_EQ(CLI(&out, "help"), 0);
	CHECK_STR_CONTAINS(out, "usage: cairn");
	free(out);
	CHECK_INT_EQ(CLI(&out, "--version"), 0);
	CHECK_STR_CONTAINS(out, "0.1.0");
	CHECK_STR_CONTAINS(out, "2.17.2");
	free(out);
	CHECK_INT_EQ(CLI(&out, "version"), 0);
	CHECK_STR_CONTAINS(out, "0.1.0");
	free(out);
	/* No command at all is a usage error. */
	CHECK_INT_EQ(tu_run_cli(NULL, &out), 2);
	CHECK_STR_CONTAINS(out, "usage");
	free(out);
	CHECK_INT_EQ(CLI(&out, "--frobnicate"), 2);
	free(out);
}

TEST(every_command_help_has_an_example)
{
	static const char *const cmds[][3] = {
		{ "server", "--help", NULL }, { "experiments", "--help", NULL }, { "experiments", "list", "--help" },
		{ "experiments", "create", "--help" }, { "runs", "--help", NULL }, { "runs", "list", "--help" },
		{ "runs", "show", "--help" }, { "version", "--help", NULL }, { "help", "--help", NULL },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char *out = NULL;
		int rc = tu_run_cli(cmds[i], &out);
		CHECK_MSG(rc == 0, "cairn %s %s: exit %d", cmds[i][0], cmds[i][1], rc);
		CHECK_MSG(strstr(out, "Example") != NULL, "cairn %s %s %s: no example in\n%s", cmds[i][0], cmds[i][1],
			  cmds[i][2] ? cmds[i][2] : "", out);
		CHECK_MSG(strstr(out, "usage: cairn") != NULL, "cairn %s %s: no usage line", cmds[i][0], cmds[i][1]);
		free(out);
	}
	/* `cairn help X Y` is `cairn X Y --help`. */
	char *a = NULL, *b = NULL;
	CHECK_INT_EQ(CLI(&a, "help", "runs", "list"), 0);
	CHECK_INT_EQ(CLI(&b, "runs", "list", "--help"), 0);
	CHECK_STR_EQ(a, b);
	free(a);
	free(b);
	CHECK_INT_EQ(CLI(&a, "help", "server"), 0);
	CHECK_STR_CONTAINS(a, "--default-artifact-root");
	free(a);
}

TEST(unknown_command_suggests)
{
	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "sever"), 2);
	CHECK_STR_CONTAINS(out, "not a cairn command");
	CHECK_STR_CONTAINS(out, "server");
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiment"), 2);
	CHECK_STR_CONTAINS(out, "experiments");
	free(out);
	CHECK_INT_EQ(CLI(&out, "zzzzzzzz"), 2);
	CHECK(strstr(out, "most similar") == NULL);
	free(out);
	CHECK_INT_EQ(CLI(&out, "help", "nope"), 2);
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "lsit"), 2);
	CHECK_STR_CONTAINS(out, "lsit");
	free(out);
	CHECK_INT_EQ(CLI(&out, "runs"), 2);
	free(out);
}

TEST(bad_flags_exit_2)
{
	char db[1200];
	snprintf(db, sizeof db, "sqlite:///%s/cli.db", test_tmpdir());
	static const char *const bad[][6] = {
		{ "experiments", "list", "--view", "bogus" },
		{ "experiments", "list", "--output", "xml" },
		{ "experiments", "list", "--max-results", "0" },
		{ "experiments", "list", "--nope" },
		{ "experiments", "list", "extra" },
		{ "experiments", "create" },
		{ "experiments", "create", "a", "b" },
		{ "experiments", "create", "x", "--tag", "novalue" },
		{ "experiments", "create", "x", "--tag", "=v" },
		{ "experiments", "create", "x", "--output", "table" },
		{ "runs", "list", "--max-results", "-3" },
		{ "runs", "list", "--view", "some" },
		{ "runs", "list", "--output", "text" },
		{ "runs", "list", "--order-by" },
		{ "runs", "show" },
		{ "runs", "show", "a", "b" },
		{ "runs", "show", "x", "--output", "table" },
		{ "version", "extra" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *args[10];
		size_t n = 0;
		for (size_t k = 0; k < 6 && bad[i][k]; k++)
			args[n++] = bad[i][k];
		args[n++] = "--backend-store-uri";
		args[n++] = db;
		args[n] = NULL;
		/* "--order-by" without a value would take the next flag as its value. */
		if (strcmp(bad[i][n - 3], "--order-by") == 0)
			args[n - 2] = NULL;
		char *out = NULL;
		int rc = tu_run_cli(args, &out);
		CHECK_MSG(rc == 2, "cairn %s %s %s %s: exit %d, output: %s", bad[i][0], bad[i][1],
			  bad[i][2] ? bad[i][2] : "", bad[i][3] ? bad[i][3] : "", rc, out);
		CHECK_MSG(strstr(out, "error") != NULL, "no error message: %s", out);
		free(out);
	}
	/* None of these created an experiment. */
	CHECK(access(db + 10, F_OK) != 0);
}

/* A server writes; the CLI reads the same database (while the server runs, and after). */
TEST(cli_reads_what_the_server_wrote)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64], run1[64], run2[64];
	it_create_experiment(&s, "cli-visible", exp);
	it_create_run(&s, exp, "first-run", run1);
	it_create_run(&s, exp, "second-run", run2);
	it_log_metric(&s, run1, "acc", 0.91, 1, 0);
	it_log_metric(&s, run2, "acc", 0.42, 1, 0);
	it_log_param(&s, run1, "depth", "7");
	json_decref(it_post(&s, API "/runs/update", 200, "{s:s,s:s,s:I}", "run_id", run1, "status", "FINISHED",
			    "end_time", (json_int_t)it_now_ms()));

	char *out = NULL;
	/* While the server is running (WAL readers do not block). */
	CHECK_INT_EQ(CLI(&out, "experiments", "list", "--backend-store-uri", s.db_uri), 0);
	CHECK_STR_CONTAINS(out, "cli-visible");
	CHECK_STR_CONTAINS(out, "Default");
	CHECK_STR_CONTAINS(out, "NAME");
	free(out);
	CHECK_INT_EQ(tu_server_stop(&s), 0);

	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri, "--experiment-id", exp), 0);
	CHECK_STR_CONTAINS(out, run1);
	CHECK_STR_CONTAINS(out, run2);
	CHECK_STR_CONTAINS(out, "first-run");
	CHECK_STR_CONTAINS(out, "FINISHED");
	free(out);
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri, "--filter", "metrics.acc > 0.5"), 0);
	CHECK_STR_CONTAINS(out, run1);
	CHECK(strstr(out, run2) == NULL);
	free(out);
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri, "--experiment-id", exp,
			 "--order-by", "metrics.acc ASC", "--max-results", "1", "--output", "json"), 0);
	json_t *j = json_loads(out, 0, NULL);
	CHECK_MSG(j != NULL, "not JSON: %s", out);
	CHECK_INT_EQ(it_array_size(j, "runs"), 1);
	CHECK_STR_EQ(it_run_info_str(json_array_get(json_object_get(j, "runs"), 0), "run_id"), run2);
	json_decref(j);
	free(out);

	CHECK_INT_EQ(CLI(&out, "runs", "show", run1, "--backend-store-uri", s.db_uri), 0);
	CHECK_STR_CONTAINS(out, run1);
	CHECK_STR_CONTAINS(out, "first-run");
	CHECK_STR_CONTAINS(out, "depth = 7");
	CHECK_STR_CONTAINS(out, "acc = 0.91");
	CHECK_STR_CONTAINS(out, "mlflow.source.name = train.py");
	free(out);
}

/* `runs show --output json` has the REST API's shape: compare with runs/get. */
TEST(cli_json_matches_rest)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", "same-shape", run);
	it_log_metric(&s, run, "m", 1.5, 10, 2);
	json_decref(it_post(&s, API "/runs/log-metric", 200, "{s:s,s:s,s:s,s:I}", "run_id", run, "key", "nan",
			    "value", "NaN", "timestamp", (json_int_t)1));
	it_log_param(&s, run, "p", "v");
	json_decref(it_post(&s, API "/runs/log-inputs", 200, "{s:s,s:[{s:[{s:s,s:s}],s:{s:s,s:s,s:s,s:s}}]}",
			    "run_id", run, "datasets", "tags", "key", "mlflow.data.context", "value", "training",
			    "dataset", "name", "d", "digest", "x1", "source_type", "local", "source", "{}"));
	json_t *rest = it_get(&s, 200, API "/runs/get?run_id=%s", run);
	json_t *exps = it_post(&s, API "/experiments/search", 200, "{s:s}", "view_type", "ALL");
	CHECK_INT_EQ(tu_server_stop(&s), 0);

	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "runs", "show", run, "--output", "json", "--backend-store-uri", s.db_uri), 0);
	json_t *cli = json_loads(out, 0, NULL);
	CHECK_MSG(cli != NULL, "not JSON: %s", out);
	free(out);
	/* Compare parts whose order is defined. */
	CHECK_MSG(json_equal(json_object_get(json_object_get(cli, "run"), "info"),
			     json_object_get(json_object_get(rest, "run"), "info")),
		  "info differs");
	CHECK_MSG(json_equal(json_object_get(json_object_get(cli, "run"), "inputs"),
			     json_object_get(json_object_get(rest, "run"), "inputs")),
		  "inputs differ");
	json_t *cm = it_run_metric(json_object_get(cli, "run"), "m");
	json_t *rm = it_run_metric(json_object_get(rest, "run"), "m");
	CHECK(cm && rm && json_equal(cm, rm));
	CHECK_STR_EQ(json_string_value(json_object_get(it_run_metric(json_object_get(cli, "run"), "nan"), "value")), "NaN");
	CHECK_STR_EQ(it_run_param(json_object_get(cli, "run"), "p"), "v");
	json_decref(cli);
	json_decref(rest);

	CHECK_INT_EQ(CLI(&out, "experiments", "list", "--view", "all", "--output", "json", "--order-by", "experiment_id",
			 "--backend-store-uri", s.db_uri), 0);
	cli = json_loads(out, 0, NULL);
	CHECK_MSG(cli != NULL, "not JSON: %s", out);
	free(out);
	CHECK_INT_EQ(it_array_size(cli, "experiments"), it_array_size(exps, "experiments"));
	json_t *e0 = json_array_get(json_object_get(cli, "experiments"), 0);
	size_t i;
	json_t *re;
	int found = 0;
	json_array_foreach(json_object_get(exps, "experiments"), i, re) {
		if (json_equal(re, e0))
			found = 1;
	}
	CHECK_MSG(found, "CLI experiment JSON matches no REST experiment");
	json_decref(cli);
	json_decref(exps);
}

/* The CLI creates; a server started afterwards on the same files sees it. */
TEST(cli_create_then_server_reads)
{
	char dir[1200];
	snprintf(dir, sizeof dir, "%s/shared", test_tmpdir());
	CHECK(mkdir(dir, 0755) == 0);
	char uri[1300];
	snprintf(uri, sizeof uri, "sqlite:///%s/cairn.db", dir);
	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "experiments", "create", "from-cli", "--tag", "team=ml", "--tag", "eq=a=b",
			 "--backend-store-uri", uri), 0);
	CHECK_STR_CONTAINS(out, "from-cli");
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "create", "from-cli-json", "--output", "json", "--artifact-location",
			 "s3://b/p", "--backend-store-uri", uri), 0);
	json_t *j = json_loads(out, 0, NULL);
	CHECK_MSG(j && json_string_value(json_object_get(j, "experiment_id")), "not JSON with experiment_id: %s", out);
	char jid[64];
	snprintf(jid, sizeof jid, "%s", json_string_value(json_object_get(j, "experiment_id")));
	json_decref(j);
	free(out);
	/* Duplicate name: the job failed (1), with MLflow's reason. */
	CHECK_INT_EQ(CLI(&out, "experiments", "create", "from-cli", "--backend-store-uri", uri), 1);
	CHECK_STR_CONTAINS(out, "from-cli");
	free(out);
	/* An invalid name: a usage/config error (2). */
	char longname[600];
	memset(longname, 'x', 501);
	longname[501] = 0;
	CHECK_INT_EQ(CLI(&out, "experiments", "create", longname, "--backend-store-uri", uri), 2);
	free(out);

	struct tu_server s;
	tu_server_start(&s, dir, NULL);
	json_t *g = it_get(&s, 200, API "/experiments/get-by-name?experiment_name=from-cli");
	json_t *tags = json_object_get(json_object_get(g, "experiment"), "tags");
	CHECK_STR_EQ(json_string_value(json_object_get(it_find_key(tags, "team"), "value")), "ml");
	CHECK_STR_EQ(json_string_value(json_object_get(it_find_key(tags, "eq"), "value")), "a=b");
	json_decref(g);
	g = it_get(&s, 200, API "/experiments/get?experiment_id=%s", jid);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(g, "experiment"), "artifact_location")), "s3://b/p");
	json_decref(g);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(filter_errors_exit_2_with_message)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char run[64];
	it_create_run(&s, "0", NULL, run);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri, "--filter", "metrics.acc > 'high'"), 2);
	CHECK_STR_CONTAINS(out, "error");
	CHECK_STR_CONTAINS(out, "acc");
	free(out);
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri, "--filter", "a = 1 OR b = 2"), 2);
	CHECK_STR_CONTAINS(out, "OR");
	free(out);
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri, "--order-by", "metrics.a",
			 "--order-by", "metrics.a DESC"), 2);
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "list", "--backend-store-uri", s.db_uri, "--filter", "metrics.x > 1"), 2);
	CHECK_STR_CONTAINS(out, "metrics");
	free(out);
	/* A run that does not exist: the job failed (1). */
	CHECK_INT_EQ(CLI(&out, "runs", "show", "0123456789abcdef0123456789abcdef", "--backend-store-uri", s.db_uri), 1);
	CHECK_STR_CONTAINS(out, "0123456789abcdef0123456789abcdef");
	free(out);
	/* The good run is listed. */
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri), 0);
	CHECK_STR_CONTAINS(out, run);
	free(out);
}

TEST(store_uri_from_environment_and_io_errors)
{
	char uri[1300];
	snprintf(uri, sizeof uri, "sqlite:///%s/env.db", test_tmpdir());
	setenv("CAIRN_BACKEND_STORE_URI", uri, 1);
	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "experiments", "create", "via-env"), 0);
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "list"), 0);
	CHECK_STR_CONTAINS(out, "via-env");
	free(out);
	/* The flag beats the environment. */
	char other[1300];
	snprintf(other, sizeof other, "sqlite:///%s/other.db", test_tmpdir());
	CHECK_INT_EQ(CLI(&out, "experiments", "create", "elsewhere", "--backend-store-uri", other), 0);
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "list"), 0);
	CHECK(strstr(out, "elsewhere") == NULL);
	free(out);
	unsetenv("CAIRN_BACKEND_STORE_URI");
	/* A store that cannot be opened is an I/O error (3). */
	snprintf(other, sizeof other, "sqlite:///%s/no/such/dir/x.db", test_tmpdir());
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", other), 3);
	CHECK_STR_CONTAINS(out, "no/such/dir");
	free(out);
}

TEST(table_truncates_long_values)
{
	char uri[1300];
	snprintf(uri, sizeof uri, "sqlite:///%s/wide.db", test_tmpdir());
	char name[200];
	memset(name, 'w', 150);
	name[150] = 0;
	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "experiments", "create", name, "--backend-store-uri", uri), 0);
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "create", "short", "--backend-store-uri", uri), 0);
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "list", "--backend-store-uri", uri), 0);
	CHECK(strstr(out, name) == NULL);
	CHECK_STR_CONTAINS(out, "\xe2\x80\xa6");   /* … */
	/* Columns are aligned: "short" and the cut name start at the same column. */
	const char *l1 = strstr(out, "short");
	const char *l2 = strstr(out, "wwww");
	CHECK(l1 && l2);
	const char *b1 = l1, *b2 = l2;
	while (b1 > out && b1[-1] != '\n')
		b1--;
	while (b2 > out && b2[-1] != '\n')
		b2--;
	CHECK_INT_EQ(l1 - b1, l2 - b2);
	/* JSON keeps the full value. */
	free(out);
	CHECK_INT_EQ(CLI(&out, "experiments", "list", "--output", "json", "--backend-store-uri", uri), 0);
	CHECK_STR_CONTAINS(out, name);
	free(out);
}

TEST(runs_list_views)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char keep[64], gone[64];
	it_create_run(&s, "0", "keep", keep);
	it_create_run(&s, "0", "gone", gone);
	json_decref(it_post(&s, API "/runs/delete", 200, "{s:s}", "run_id", gone));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
	char *out = NULL;
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--backend-store-uri", s.db_uri), 0);
	CHECK_STR_CONTAINS(out, keep);
	CHECK(strstr(out, gone) == NULL);
	free(out);
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--view", "deleted", "--backend-store-uri", s.db_uri), 0);
	CHECK_STR_CONTAINS(out, gone);
	CHECK(strstr(out, keep) == NULL);
	free(out);
	CHECK_INT_EQ(CLI(&out, "runs", "list", "--view", "all", "--output", "json", "--backend-store-uri", s.db_uri), 0);
	json_t *j = json_loads(out, 0, NULL);
	CHECK_MSG(j != NULL, "not JSON: %s", out);
	CHECK_INT_EQ(it_array_size(j, "runs"), 2);
	json_decref(j);
	free(out);
	/* A deleted run is still shown by `runs show`. */
	CHECK_INT_EQ(CLI(&out, "runs", "show", gone, "--backend-store-uri", s.db_uri), 0);
	CHECK_STR_CONTAINS(out, "deleted");
	free(out);
}

TEST_MAIN(top_level_help_and_version, every_command_help_has_an_example, unknown_command_suggests,
	  bad_flags_exit_2, cli_reads_what_the_server_wrote, cli_json_matches_rest, cli_create_then_server_reads,
	  filter_errors_exit_2_with_message, store_uri_from_environment_and_io_errors, table_truncates_long_values,
	  runs_list_views)
