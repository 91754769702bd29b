/*
 * `cairn models ...` through a live server's REST API (--tracking-uri, $MLFLOW_TRACKING_URI)
 * against the same commands directly on the store: the same output and exit codes, writes
 * visible to the server, gates evaluated client-side, cairn's POST registered-models/promote
 * extension with its compare-and-swap (409 RESOURCE_CONFLICT), concurrent promotions from
 * several processes (exactly one wins), and an unreachable server (exit 3 naming the URL).
 */
#include "itest.h"
#include "promote/promote.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *call(const struct tu_server *s, const char *method, const char *path, long status,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = it_vbody(fmt, ap);
	va_end(ap);
	json_t *v = tu_call_json(s, method, path, body, status);
	free(body);
	return v;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* A run with f1 and accuracy (and tag validation=passed), and a version of `model` from it. */
static void version_with_metrics(const struct tu_server *s, const char *model, double f1, double acc)
{
	char run[64];
	it_create_run(s, "0", NULL, run);
	it_log_metric(s, run, "f1", f1, it_now_ms(), 0);
	it_log_metric(s, run, "accuracy", acc, it_now_ms(), 0);
	it_set_tag(s, run, "validation", "passed");
	json_t *r = it_get_run(s, run);
	char source[1024];
	snprintf(source, sizeof source, "%s/model", it_run_info_str(r, "artifact_uri"));
	json_decref(r);
	json_decref(call(s, "POST", API "/model-versions/create", 200, "{s:s,s:s,s:s}", "name", model,
			 "source", source, "run_id", run));
}

/* churn: 1 (f1 .86, passes), 2 (f1 .70, too low), 3 (f1 .865, not better than 1 by .01). */
static void churn(const struct tu_server *s)
{
	json_decref(call(s, "POST", API "/registered-models/create", 200, "{s:s,s:s}", "name", "churn",
			 "description", "churn model"));
	version_with_metrics(s, "churn", 0.86, 0.90);
	version_with_metrics(s, "churn", 0.70, 0.95);
	version_with_metrics(s, "churn", 0.865, 0.95);
}

#define MAXARGS 32

/* Run `cairn models ARGS... <mode flags>`; rest != 0 adds --tracking-uri, else
 * --backend-store-uri. */
static int run_mode(const struct tu_server *s, int rest, const char *const *args, char **out)
{
	const char *argv[MAXARGS];
	size_t n = 0;
	argv[n++] = "models";
	for (size_t i = 0; args[i]; i++) {
		CHECK(n + 3 < MAXARGS);
		argv[n++] = args[i];
	}
	argv[n++] = rest ? "--tracking-uri" : "--backend-store-uri";
	argv[n++] = rest ? s->base_url : s->db_uri;
	argv[n] = NULL;
	return tu_run_cli(argv, out);
}

/* The same command both ways: same exit code, same output. Returns the exit code. */
static int same_both_ways(const struct tu_server *s, const char *const *args)
{
	char *direct = NULL, *rest = NULL;
	int cd = run_mode(s, 0, args, &direct);
	int cr = run_mode(s, 1, args, &rest);
	CHECK_MSG(cd == cr, "'%s %s': direct exit %d, REST exit %d\n--- direct:\n%s\n--- REST:\n%s",
		  args[0], args[1] ? args[1] : "", cd, cr, direct, rest);
	CHECK_MSG(strcmp(direct, rest) == 0, "'%s %s': outputs differ\n--- direct:\n%s\n--- REST:\n%s",
		  args[0], args[1] ? args[1] : "", direct, rest);
	free(direct);
	free(rest);
	return cd;
}

TEST(read_commands_match_direct_mode)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	churn(&s);
	json_decref(call(&s, "POST", API "/registered-models/create", 200, "{s:s}", "name", "other"));
	json_decref(call(&s, "POST", API "/registered-models/alias", 200, "{s:s,s:s,s:s}", "name", "churn",
			 "alias", "champion", "version", "2"));
	json_decref(call(&s, "POST", API "/model-versions/transition-stage", 200, "{s:s,s:s,s:s}", "name",
			 "churn", "version", "1", "stage", "Staging"));
	const char *const cmds[][8] = {
		{ "list", NULL },
		{ "list", "--output", "json", NULL },
		{ "list", "--filter", "name LIKE 'ch%'", NULL },
		{ "list", "--order-by", "name DESC", "--max-results", "1", "--output", "json", NULL },
		{ "show", "churn", NULL },
		{ "show", "churn", "--output", "json", NULL },
		{ "versions", "churn", NULL },
		{ "versions", "churn", "--output", "json", NULL },
		{ "history", "churn", NULL },
		{ "history", "churn", "--output", "json", NULL },
		{ "history", "churn", "--version", "1", "--output", "json", NULL },
		{ "alias", "churn", "champion", NULL },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		CHECK_INT_EQ(same_both_ways(&s, cmds[i]), 0);
	char *out = NULL;
	const char *show[] = { "show", "churn", NULL };
	CHECK_INT_EQ(run_mode(&s, 1, show, &out), 0);
	CHECK_STR_CONTAINS(out, "champion -> version 2");
	CHECK_STR_CONTAINS(out, "churn model");
	free(out);
	const char *hist[] = { "history", "churn", "--output", "json", NULL };
	CHECK_INT_EQ(run_mode(&s, 1, hist, &out), 0);
	CHECK_STR_CONTAINS(out, "\"to_stage\": \"Staging\"");
	CHECK_STR_CONTAINS(out, "\"to_version\": \"2\"");
	free(out);
	/* misses: the same exit code and message both ways */
	const char *const misses[][6] = {
		{ "show", "nope", NULL },
		{ "versions", "nope", NULL },
		{ "history", "nope", NULL },
		{ "alias", "churn", "nobody", NULL },
		{ "alias", "nope", "champion", NULL },
		{ "list", "--filter", "bogus = 1", NULL },
	};
	CHECK_INT_EQ(same_both_ways(&s, misses[0]), 1);
	CHECK_INT_EQ(same_both_ways(&s, misses[1]), 1);
	CHECK_INT_EQ(same_both_ways(&s, misses[2]), 1);
	CHECK_INT_EQ(same_both_ways(&s, misses[3]), 1);
	CHECK_INT_EQ(same_both_ways(&s, misses[4]), 1);
	CHECK_INT_EQ(same_both_ways(&s, misses[5]), 2);
	tu_server_stop(&s);
}

TEST(environment_variable_selects_rest_mode)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	churn(&s);
	CHECK(setenv("MLFLOW_TRACKING_URI", s.base_url, 1) == 0);
	/* No store flag and a default store that does not exist: only REST can answer. */
	CHECK(setenv("CAIRN_BACKEND_STORE_URI", "sqlite:////nonexistent-dir/cairn.db", 1) == 0);
	char *out = NULL;
	const char *list[] = { "models", "list", NULL };
	int code = tu_run_cli(list, &out);
	CHECK_MSG(code == 0, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "churn");
	free(out);
	/* an explicit --backend-store-uri wins over the environment */
	const char *direct[] = { "models", "list", "--backend-store-uri", s.db_uri, NULL };
	CHECK_INT_EQ(tu_run_cli(direct, &out), 0);
	CHECK_STR_CONTAINS(out, "churn");
	free(out);
	const char *both[] = { "models", "list", "--backend-store-uri", s.db_uri, "--tracking-uri",
			       s.base_url, NULL };
	CHECK_INT_EQ(tu_run_cli(both, &out), 2);
	CHECK_STR_CONTAINS(out, "exclude each other");
	free(out);
	/* a non-HTTP MLFLOW_TRACKING_URI is not a server: the default store is used */
	CHECK(setenv("MLFLOW_TRACKING_URI", "file:///tmp/mlruns", 1) == 0);
	code = tu_run_cli(list, &out);
	CHECK_MSG(code == 3, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "nonexistent-dir");
	free(out);
	tu_server_stop(&s);
}

TEST(write_commands_through_rest)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	churn(&s);
	char *out = NULL;
	const char *set[] = { "alias", "churn", "champion", "3", "--user", "alice", NULL };
	int code = run_mode(&s, 1, set, &out);
	CHECK_MSG(code == 0, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "alias 'champion' of model 'churn' -> version 3");
	free(out);
	json_t *r = it_get(&s, 200, API "/registered-models/alias?name=churn&alias=champion");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "version")), "3");
	json_decref(r);
	/* --user travels as the Basic-auth user: the server's history names it */
	r = it_get(&s, 200, API "/registered-models/history?name=churn");
	json_t *h = json_array_get(json_object_get(r, "history"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(h, "user")), "alice");
	json_decref(r);
	const char *del[] = { "alias", "churn", "champion", "--delete", NULL };
	CHECK_INT_EQ(run_mode(&s, 1, del, &out), 0);
	CHECK_STR_CONTAINS(out, "deleted alias 'champion'");
	free(out);
	tu_expect_error(&s, "GET", API "/registered-models/alias?name=churn&alias=champion", NULL, 400,
			"INVALID_PARAMETER_VALUE");
	const char *bad_alias[] = { "alias", "churn", "v1", "2", NULL };
	CHECK_INT_EQ(same_both_ways(&s, bad_alias), 2);
	const char *arch[] = { "archive", "churn", "2", NULL };
	CHECK_INT_EQ(run_mode(&s, 1, arch, &out), 0);
	CHECK_STR_CONTAINS(out, "version 2 is now Archived");
	free(out);
	r = it_get(&s, 200, API "/model-versions/get?name=churn&version=2");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "current_stage")),
		     "Archived");
	json_decref(r);
	const char *arch9[] = { "archive", "churn", "9", NULL };
	CHECK_INT_EQ(same_both_ways(&s, arch9), 1);
	const char *delv[] = { "delete", "churn", "3", NULL };
	CHECK_INT_EQ(run_mode(&s, 1, delv, &out), 0);
	CHECK_STR_CONTAINS(out, "deleted version 3 of model 'churn'");
	free(out);
	json_decref(it_get(&s, 404, API "/model-versions/get?name=churn&version=3"));
	CHECK_INT_EQ(same_both_ways(&s, delv), 1);  /* gone now, both ways */
	const char *delm[] = { "delete", "churn", NULL };
	CHECK_INT_EQ(run_mode(&s, 1, delm, &out), 0);
	CHECK_STR_CONTAINS(out, "deleted model 'churn'");
	free(out);
	json_decref(it_get(&s, 404, API "/registered-models/get?name=churn"));
	CHECK_INT_EQ(same_both_ways(&s, delm), 1);
	tu_server_stop(&s);
}

TEST(promote_pass_refuse_and_best_through_rest)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	churn(&s);
	char policy[1200];
	snprintf(policy, sizeof policy, "%s/policy.yaml", s.dir);
	write_file(policy, "gates:\n"
			   "  metrics: {f1: \">= 0.80\", accuracy: \">= 0.85\"}\n"
			   "  better_than_current: {metric: f1, min_delta: 0.01}\n"
			   "  required_tags: {validation: passed}\n");
	char *out = NULL;
	const char *pass[] = { "promote", "churn", "1", "--to", "production", "--policy", policy,
			       "--user", "ci", "--reason", "nightly", NULL };
	int code = run_mode(&s, 1, pass, &out);
	CHECK_MSG(code == 0, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "PASS  f1 >= 0.8  (f1 = 0.86)");
	CHECK_STR_CONTAINS(out, "PASS  tag validation = passed");
	CHECK_STR_CONTAINS(out, "promoted: 'production' -> version 1");
	free(out);
	json_t *r = it_get(&s, 200, API "/registered-models/alias?name=churn&alias=production");
	json_t *mv = json_object_get(r, "model_version");
	CHECK_STR_EQ(json_string_value(json_object_get(mv, "version")), "1");
	CHECK_STR_EQ(json_string_value(json_object_get(mv, "current_stage")), "Production");
	json_decref(r);
	r = it_get(&s, 200, API "/registered-models/history?name=churn");
	json_t *h = json_array_get(json_object_get(r, "history"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(h, "user")), "ci");
	CHECK_STR_EQ(json_string_value(json_object_get(h, "reason")), "nightly");
	json_decref(r);
	/* refusals: identical reports and exit codes both ways (the gates run client-side) */
	const char *refuse2[] = { "promote", "churn", "2", "--policy", policy, NULL };
	CHECK_INT_EQ(same_both_ways(&s, refuse2), 1);
	CHECK_INT_EQ(run_mode(&s, 1, refuse2, &out), 1);
	CHECK_STR_CONTAINS(out, "FAIL  f1 >= 0.8");
	CHECK_STR_CONTAINS(out, "refused");
	free(out);
	const char *refuse3[] = { "promote", "churn", "3", "--policy", policy, "--output", "json", NULL };
	CHECK_INT_EQ(same_both_ways(&s, refuse3), 1);
	const char *best[] = { "promote-best", "churn", "--metric", "f1", "--policy", policy, NULL };
	CHECK_INT_EQ(same_both_ways(&s, best), 1);
	CHECK_INT_EQ(run_mode(&s, 1, best, &out), 1);
	CHECK_STR_CONTAINS(out, "version 3");
	CHECK_STR_CONTAINS(out, "FAIL  higher than current production holder on f1");
	free(out);
	const char *unknown[] = { "promote", "churn", "9", NULL };
	CHECK_INT_EQ(same_both_ways(&s, unknown), 1);
	const char *nomodel[] = { "promote", "nope", "1", NULL };
	CHECK_INT_EQ(same_both_ways(&s, nomodel), 1);
	/* the holder again: nothing moves, both ways */
	const char *again[] = { "promote", "churn", "1", NULL };
	CHECK_INT_EQ(same_both_ways(&s, again), 0);
	/* promote-best without gates: the lowest accuracy is version 1's; staging is free. */
	const char *best_low[] = { "promote-best", "churn", "--metric", "accuracy", "--lower-is-better",
				   "--to", "staging", "--no-archive", NULL };
	code = run_mode(&s, 1, best_low, &out);
	CHECK_MSG(code == 0, "exit %d: %s", code, out);
	CHECK_STR_CONTAINS(out, "promoted: 'staging' -> version 1");
	free(out);
	r = it_get(&s, 200, API "/registered-models/alias?name=churn&alias=staging");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "version")), "1");
	json_decref(r);
	tu_server_stop(&s);
}

TEST(promote_endpoint_compare_and_swap)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	churn(&s);
	json_t *r = call(&s, "POST", API "/registered-models/promote", 200, "{s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s}",
			 "name", "churn", "version", "1", "alias", "production", "stage", "Production",
			 "archive_previous", 1, "expected_holder_version", "", "user", "u1", "reason", "r1");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "current_stage")),
		     "Production");
	CHECK_STR_EQ(json_string_value(json_object_get(r, "previous_holder_version")), "");
	json_decref(r);
	/* a stale expected holder: 409, nothing changed */
	const char *msg = tu_expect_error(&s, "POST", AJAX "/registered-models/promote",
					  "{\"name\":\"churn\",\"version\":\"2\",\"alias\":\"production\","
					  "\"expected_holder_version\":\"\"}", 409, "RESOURCE_CONFLICT");
	CHECK(msg && *msg);
	r = it_get(&s, 200, API "/registered-models/alias?name=churn&alias=production");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "version")), "1");
	json_decref(r);
	r = call(&s, "POST", API "/registered-models/promote", 200, "{s:s,s:s,s:s,s:s,s:b,s:s}", "name",
		 "churn", "version", "2", "alias", "production", "stage", "Production", "archive_previous", 1,
		 "expected_holder_version", "1");
	CHECK_STR_EQ(json_string_value(json_object_get(r, "previous_holder_version")), "1");
	json_decref(r);
	r = it_get(&s, 200, API "/model-versions/get?name=churn&version=1");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(r, "model_version"), "current_stage")),
		     "Archived");
	json_decref(r);
	r = it_get(&s, 200, API "/registered-models/history?name=churn&version=1");
	json_t *h = json_array_get(json_object_get(r, "history"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(h, "user")), "u1");
	CHECK_STR_EQ(json_string_value(json_object_get(h, "reason")), "r1");
	json_decref(r);
	/* validation */
	tu_expect_error(&s, "POST", API "/registered-models/promote",
			"{\"name\":\"churn\",\"version\":\"2\"}", 400, "INVALID_PARAMETER_VALUE");
	tu_expect_error(&s, "POST", API "/registered-models/promote",
			"{\"name\":\"nope\",\"version\":\"1\",\"alias\":\"production\"}", 404,
			"RESOURCE_DOES_NOT_EXIST");
	tu_expect_error(&s, "POST", API "/registered-models/promote",
			"{\"name\":\"churn\",\"version\":\"9\",\"alias\":\"production\","
			"\"expected_holder_version\":\"2\"}", 404, "RESOURCE_DOES_NOT_EXIST");
	tu_expect_error(&s, "POST", API "/registered-models/promote",
			"{\"name\":\"churn\",\"version\":\"1\",\"alias\":\"latest\"}", 400,
			"INVALID_PARAMETER_VALUE");
	tu_expect_error(&s, "POST", API "/registered-models/promote",
			"{\"name\":\"churn\",\"version\":\"1\",\"alias\":\"x\",\"stage\":\"Live\"}", 400,
			"INVALID_PARAMETER_VALUE");
	tu_server_stop(&s);
}

TEST(concurrent_rest_promotions_exactly_one_wins)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	json_decref(call(&s, "POST", API "/registered-models/create", 200, "{s:s}", "name", "race"));
	enum { N = 8 };
	for (int i = 0; i < N; i++)
		version_with_metrics(&s, "race", 0.9, 0.9);
	/* Equal f1 everywhere: once any version holds the alias no other is better by 0.01, and
	 * a loser that judged "no holder yet" must lose the compare-and-swap instead. */
	char policy[1200];
	snprintf(policy, sizeof policy, "%s/policy.yaml", s.dir);
	write_file(policy, "gates:\n  better_than_current: {metric: f1, min_delta: 0.01}\n");
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0) {
			char version[16];
			snprintf(version, sizeof version, "%d", i + 1);
			const char *args[] = { "promote", "race", version, "--policy", policy, NULL };
			char *out = NULL;
			int code = run_mode(&s, 1, args, &out);
			if (code != 0 && code != 1)
				fprintf(stderr, "promote %s: exit %d: %s\n", version, code, out);
			free(out);
			_exit(code);
		}
	}
	int wins = 0, losses = 0;
	for (int i = 0; i < N; i++) {
		int st;
		CHECK(waitpid(pids[i], &st, 0) == pids[i]);
		CHECK(WIFEXITED(st));
		wins += WEXITSTATUS(st) == 0;
		losses += WEXITSTATUS(st) == 1;
	}
	CHECK_INT_EQ(wins, 1);
	CHECK_INT_EQ(losses, N - 1);
	json_t *r = it_get(&s, 200, API "/registered-models/history?name=race");
	size_t alias_moves = 0;
	json_t *hist = json_object_get(r, "history");
	for (size_t i = 0; i < json_array_size(hist); i++)
		alias_moves += strcmp(json_string_value(json_object_get(json_array_get(hist, i), "kind")),
				      "alias") == 0;
	CHECK_INT_EQ(alias_moves, 1);
	json_decref(r);
	tu_server_stop(&s);
}

/* The library's REST access resolves model URIs as the local one does on the same data. */
TEST(resolve_uris_through_rest_like_the_store)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	churn(&s);
	json_decref(call(&s, "POST", API "/registered-models/alias", 200, "{s:s,s:s,s:s}", "name", "churn",
			 "alias", "champion", "version", "2"));
	json_decref(call(&s, "POST", API "/model-versions/transition-stage", 200, "{s:s,s:s,s:s}", "name",
			 "churn", "version", "1", "stage", "Production"));
	struct cairn_error err = { 0 };
	struct store_options so = { 0 };
	so.read_only = 1;
	struct store *st = store_open(s.db_uri, &so, &err);
	CHECK_MSG(st != NULL, "%s", err.msg);
	struct registry_access local, rest;
	promote_access_local(&local, st, 1);
	CHECK_MSG(promote_access_rest_open(s.base_url, NULL, &rest, &err) == 0, "%s", err.msg);
	struct arena a;
	arena_init(&a, 0);
	const char *uris[] = { "models:/churn/1", "models:/churn@champion", "models:/churn/production",
			       "models:/churn/latest", "models:/churn/staging", "models:/churn@nobody",
			       "models:/churn/9", "models:/nope/1", "models:/churn@v1" };
	for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
		struct promote_resolved rl, rr;
		struct cairn_error el = { 0 }, er = { 0 };
		int cl = promote_resolve_uri_via(&local, uris[i], &a, &rl, &el);
		int cr = promote_resolve_uri_via(&rest, uris[i], &a, &rr, &er);
		CHECK_MSG(cl == cr, "%s: local %d (%s), REST %d (%s)", uris[i], cl, el.msg, cr, er.msg);
		if (cl == 0) {
			CHECK_STR_EQ(rl.version, rr.version);
			CHECK_STR_EQ(rl.artifact_uri, rr.artifact_uri);
			CHECK_STR_EQ(rl.run_id, rr.run_id);
		} else {
			CHECK_STR_EQ(el.msg, er.msg);
		}
	}
	struct promote_resolved r;
	CHECK_INT_EQ(promote_resolve_uri_via(&rest, "models:/churn/latest", &a, &r, &err), 0);
	CHECK_STR_EQ(r.version, "3");
	CHECK_INT_EQ(promote_resolve_uri_via(&rest, "models:/churn/Production", &a, &r, &err), 0);
	CHECK_STR_EQ(r.version, "1");
	char runs_uri[128];
	snprintf(runs_uri, sizeof runs_uri, "runs:/%s/model", r.run_id);
	struct promote_resolved rl2, rr2;
	CHECK_INT_EQ(promote_resolve_uri_via(&local, runs_uri, &a, &rl2, &err), 0);
	CHECK_INT_EQ(promote_resolve_uri_via(&rest, runs_uri, &a, &rr2, &err), 0);
	CHECK_STR_EQ(rl2.artifact_uri, rr2.artifact_uri);
	arena_release(&a);
	promote_access_close(&rest);
	promote_access_close(&local);
	tu_server_stop(&s);
}

TEST(server_down_is_exit_3_naming_the_url)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char url[160];
	snprintf(url, sizeof url, "%s", s.base_url);
	tu_server_stop(&s);
	const char *const cmds[][7] = {
		{ "models", "list", "--tracking-uri", url, NULL },
		{ "models", "show", "churn", "--tracking-uri", url, NULL },
		{ "models", "promote", "churn", "1", "--tracking-uri", url, NULL },
	};
	for (size_t i = 0; i < 3; i++) {
		char *out = NULL;
		int code = tu_run_cli(cmds[i], &out);
		CHECK_MSG(code == 3, "exit %d: %s", code, out);
		CHECK_STR_CONTAINS(out, "cannot reach the tracking server at");
		CHECK_STR_CONTAINS(out, url);
		free(out);
	}
	char *out = NULL;
	const char *bad[] = { "models", "list", "--tracking-uri", "http://", NULL };
	CHECK_INT_EQ(tu_run_cli(bad, &out), 2);
	CHECK_STR_CONTAINS(out, "invalid tracking URI");
	free(out);
}

TEST_MAIN(read_commands_match_direct_mode, environment_variable_selects_rest_mode,
	  write_commands_through_rest, promote_pass_refuse_and_best_through_rest,
	  promote_endpoint_compare_and_swap, concurrent_rest_promotions_exactly_one_wins,
	  resolve_uris_through_rest_like_the_store, server_down_is_exit_3_naming_the_url)
