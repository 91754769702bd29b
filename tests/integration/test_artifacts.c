/*
 * The artifact proxy (spec §6) and artifacts/list (§3.4), as mlflow.log_artifact and
 * mlflow.pyfunc.load_model use them: PUT raw bytes, list, GET byte-identical, DELETE,
 * path safety, multipart refusal, and the --serve-artifacts / --artifacts-only switches.
 */
#include "itest.h"

#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char *random_bytes(size_t n, unsigned seed)
{
	unsigned char *b = malloc(n ? n : 1);
	CHECK(b != NULL);
	unsigned x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (unsigned char)x;
	}
	return b;
}

static void put_bytes(const struct tu_server *s, const char *path, const char *ctype, const void *data, size_t n)
{
	struct tu_response r;
	tu_request(s, "PUT", path, ctype, data, n, &r);
	CHECK_MSG(r.status == 200, "PUT %s: %ld %s", path, r.status, r.body);
	json_t *v = tu_json(&r);
	CHECK(json_is_object(v) && json_object_size(v) == 0);
	json_decref(v);
	tu_response_free(&r);
}

/* The value of a response header (case-insensitive name), copied into a static buffer. */
static const char *header(const struct tu_response *r, const char *name)
{
	static char value[512];
	size_t n = strlen(name);
	for (const char *line = r->headers; line && *line;) {
		const char *eol = strstr(line, "\r\n");
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			size_t vl = len - (size_t)(v - line);
			snprintf(value, sizeof value, "%.*s", (int)vl, v);
			return value;
		}
		line = eol ? eol + 2 : NULL;
	}
	return NULL;
}

/* mlflow.log_artifact: runs/get for artifact_uri, then PUT under mlflow-artifacts. */
TEST(upload_download_multi_mb_byte_identical)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64], run[64];
	it_create_experiment(&s, "arts", exp);
	it_create_run(&s, exp, NULL, run);
	json_t *got = it_get_run(&s, run);
	const char *uri = it_run_info_str(got, "artifact_uri");
	CHECK(uri && strncmp(uri, "mlflow-artifacts:/", 18) == 0);
	char rel[512];
	snprintf(rel, sizeof rel, "%s", uri + 18);   /* <exp>/<run>/artifacts */
	json_decref(got);

	size_t n = (6u << 20) + 12345;
	unsigned char *data = random_bytes(n, 7);
	char path[1024];
	snprintf(path, sizeof path, ARTIFACTS "/artifacts/%s/data/blob.bin", rel);
	put_bytes(&s, path, "application/octet-stream", data, n);

	struct tu_response r;
	tu_request(&s, "GET", path, NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK_INT_EQ(r.len, n);
	CHECK(memcmp(r.body, data, n) == 0);
	const char *cd = header(&r, "Content-Disposition");
	CHECK(cd != NULL);
	CHECK_STR_CONTAINS(cd, "attachment");
	CHECK_STR_CONTAINS(cd, "filename=blob.bin");
	const char *nosniff = header(&r, "X-Content-Type-Options");
	CHECK(nosniff != NULL);
	CHECK_STR_EQ(nosniff, "nosniff");
	CHECK_STR_CONTAINS(r.content_type, "application/octet-stream");
	tu_response_free(&r);

	/* The bytes are on disk under --artifacts-destination. */
	char disk[2048];
	snprintf(disk, sizeof disk, "%s/artifacts/%s/data/blob.bin", s.dir, rel);
	struct stat st;
	CHECK(stat(disk, &st) == 0);
	CHECK_INT_EQ(st.st_size, (long long)n);

	/* Overwrite with other content. */
	put_bytes(&s, path, "application/octet-stream", "short", 5);
	tu_request(&s, "GET", path, NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.len, 5);
	CHECK(memcmp(r.body, "short", 5) == 0);
	tu_response_free(&r);
	free(data);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(download_content_types)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	static const struct { const char *name; const char *type; } files[] = {
		{ "MLmodel", "text/plain" }, { "conda.yaml", "text/plain" }, { "metrics.json", "text/plain" },
		{ "data.csv", "text/plain" }, { "train.py", "text/plain" }, { "README.md", "text/plain" },
		{ "plot.png", "image/png" }, { "model.pkl", "application/octet-stream" },
		{ "noext", "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, ARTIFACTS "/artifacts/0/r/artifacts/model/%s", files[i].name);
		put_bytes(&s, path, "application/octet-stream", "x", 1);
		struct tu_response r;
		tu_request(&s, "GET", path, NULL, NULL, 0, &r);
		CHECK_INT_EQ(r.status, 200);
		CHECK_MSG(strncmp(r.content_type, files[i].type, strlen(files[i].type)) == 0,
			  "%s: Content-Type '%s', want '%s'", files[i].name, r.content_type, files[i].type);
		tu_response_free(&r);
	}
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(empty_file_and_names_needing_encoding)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	put_bytes(&s, ARTIFACTS "/artifacts/0/r/artifacts/empty.txt", "text/plain", "", 0);
	struct tu_response r;
	tu_request(&s, "GET", ARTIFACTS "/artifacts/0/r/artifacts/empty.txt", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK_INT_EQ(r.len, 0);
	tu_response_free(&r);
	/* requests percent-encodes spaces and non-ASCII in the path. */
	put_bytes(&s, ARTIFACTS "/artifacts/0/r/artifacts/my%20dir/f%20%C3%BC.txt", "text/plain", "hello", 5);
	char disk[2048];
	snprintf(disk, sizeof disk, "%s/artifacts/0/r/artifacts/my dir/f \xc3\xbc.txt", s.dir);
	CHECK(access(disk, F_OK) == 0);
	tu_request(&s, "GET", ARTIFACTS "/artifacts/0/r/artifacts/my%20dir/f%20%C3%BC.txt", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK(r.len == 5 && memcmp(r.body, "hello", 5) == 0);
	tu_response_free(&r);
	json_t *l = it_get(&s, 200, ARTIFACTS "/artifacts?path=%s", it_qs("0/r/artifacts/my dir"));
	json_t *files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0), "path")), "f \xc3\xbc.txt");
	json_decref(l);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(list_directory_levels)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	put_bytes(&s, ARTIFACTS "/artifacts/1/run/artifacts/model/MLmodel", NULL, "flavors: {}\n", 12);
	put_bytes(&s, ARTIFACTS "/artifacts/1/run/artifacts/model/model.bin", NULL, "0123456789", 10);
	put_bytes(&s, ARTIFACTS "/artifacts/1/run/artifacts/a.txt", NULL, "abc", 3);

	json_t *l = it_get(&s, 200, ARTIFACTS "/artifacts?path=1/run/artifacts");
	json_t *files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), 2);
	json_t *a = json_array_get(files, 0), *m = json_array_get(files, 1);
	CHECK_STR_EQ(json_string_value(json_object_get(a, "path")), "a.txt");
	CHECK(json_is_false(json_object_get(a, "is_dir")));
	CHECK_INT_EQ(json_integer_value(json_object_get(a, "file_size")), 3);
	CHECK_STR_EQ(json_string_value(json_object_get(m, "path")), "model");
	CHECK(json_is_true(json_object_get(m, "is_dir")));    /* is_dir always present */
	CHECK(json_object_get(m, "file_size") == NULL);
	json_decref(l);

	l = it_get(&s, 200, ARTIFACTS "/artifacts?path=1/run/artifacts/model");
	files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), 2);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0), "path")), "MLmodel");  /* basenames */
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(files, 1), "file_size")), 10);
	json_decref(l);

	/* A missing directory, or a file, lists as {} (the client's "is it a dir" test). */
	l = it_get(&s, 200, ARTIFACTS "/artifacts?path=1/run/artifacts/nope");
	CHECK_INT_EQ(it_array_size(l, "files"), 0);
	json_decref(l);
	l = it_get(&s, 200, ARTIFACTS "/artifacts?path=1/run/artifacts/a.txt");
	CHECK_INT_EQ(it_array_size(l, "files"), 0);
	json_decref(l);
	/* No path lists the root. */
	l = it_get(&s, 200, ARTIFACTS "/artifacts");
	files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0), "path")), "1");
	json_decref(l);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(delete_file_and_tree)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	put_bytes(&s, ARTIFACTS "/artifacts/2/r/artifacts/d/x.txt", NULL, "x", 1);
	put_bytes(&s, ARTIFACTS "/artifacts/2/r/artifacts/d/sub/y.txt", NULL, "y", 1);
	put_bytes(&s, ARTIFACTS "/artifacts/2/r/artifacts/keep.txt", NULL, "k", 1);
	json_t *v = tu_call_json(&s, "DELETE", ARTIFACTS "/artifacts/2/r/artifacts/d/x.txt", NULL, 200);
	CHECK(json_is_object(v));
	json_decref(v);
	const char *m = tu_expect_error(&s, "GET", ARTIFACTS "/artifacts/2/r/artifacts/d/x.txt", NULL, 404,
					"RESOURCE_DOES_NOT_EXIST");
	CHECK(*m);
	json_decref(tu_call_json(&s, "DELETE", ARTIFACTS "/artifacts/2/r/artifacts/d", NULL, 200));
	json_t *l = it_get(&s, 200, ARTIFACTS "/artifacts?path=2/r/artifacts");
	json_t *files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0), "path")), "keep.txt");
	json_decref(l);
	/* Deleting what is not there is fine. */
	json_decref(tu_call_json(&s, "DELETE", ARTIFACTS "/artifacts/2/r/artifacts/never", NULL, 200));
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(path_traversal_refused)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	put_bytes(&s, ARTIFACTS "/artifacts/0/r/artifacts/ok.txt", NULL, "ok", 2);
	static const char *const bad[] = {
		"../outside.txt", "0/../../outside.txt", "%2e%2e/outside.txt", "%2E%2E/%2e%2e/outside.txt",
		"0/%2e%2e/%2e%2e/outside.txt", "..%2foutside.txt", "0/r/..%2F..%2F..%2Foutside.txt",
		"%2Fetc%2Fpasswd", "0/a%00b.txt", "0/back%5Cslash.txt", "0/frag%23ment.txt",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, ARTIFACTS "/artifacts/%s", bad[i]);
		struct tu_response r;
		tu_request(&s, "PUT", path, NULL, "evil", 4, &r);
		CHECK_MSG(r.status == 400 || r.status == 404, "PUT %s answered %ld", bad[i], r.status);
		tu_response_free(&r);
		tu_request(&s, "GET", path, NULL, NULL, 0, &r);
		CHECK_MSG(r.status == 400 || r.status == 404, "GET %s answered %ld", bad[i], r.status);
		tu_response_free(&r);
		tu_request(&s, "DELETE", path, NULL, NULL, 0, &r);
		CHECK_MSG(r.status == 400 || r.status == 404, "DELETE %s answered %ld", bad[i], r.status);
		tu_response_free(&r);
	}
	/* The clear cases are INVALID_PARAMETER_VALUE "Invalid path". */
	const char *m = tu_expect_error(&s, "GET", ARTIFACTS "/artifacts/%2e%2e/%2e%2e/etc/passwd", NULL, 400,
					"INVALID_PARAMETER_VALUE");
	CHECK_CONTAINS_CI(m, "invalid path");
	m = tu_expect_error(&s, "GET", ARTIFACTS "/artifacts?path=..%2F..", NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_CONTAINS_CI(m, "invalid path");
	tu_expect_error(&s, "GET", ARTIFACTS "/artifacts?path=%2Fetc", NULL, 400, "INVALID_PARAMETER_VALUE");
	/* Nothing escaped the destination. */
	char outside[2048];
	snprintf(outside, sizeof outside, "%s/outside.txt", s.dir);
	CHECK(access(outside, F_OK) != 0);
	snprintf(outside, sizeof outside, "%s/../outside.txt", s.dir);
	CHECK(access(outside, F_OK) != 0);
	/* The good file is untouched and the server answers. */
	struct tu_response r;
	tu_request(&s, "GET", ARTIFACTS "/artifacts/0/r/artifacts/ok.txt", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK(r.len == 2 && memcmp(r.body, "ok", 2) == 0);
	tu_response_free(&r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* A symlink inside the destination that points outside must not be followed. */
TEST(symlink_escape_refused)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char target[1200], link[1200];
	snprintf(target, sizeof target, "%s/secret", s.dir);
	CHECK(mkdir(target, 0755) == 0);
	snprintf(link, sizeof link, "%s/artifacts/escape", s.dir);
	CHECK(symlink(target, link) == 0);
	struct tu_response r;
	tu_request(&s, "PUT", ARTIFACTS "/artifacts/escape/x.txt", NULL, "evil", 4, &r);
	CHECK_MSG(r.status == 400 || r.status == 403 || r.status == 404, "PUT through a symlink answered %ld", r.status);
	tu_response_free(&r);
	char leaked[1300];
	snprintf(leaked, sizeof leaked, "%s/x.txt", target);
	CHECK(access(leaked, F_OK) != 0);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(multipart_upload_not_implemented)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	const char *m = tu_expect_error(&s, "POST", ARTIFACTS "/mpu/create/0/r/artifacts/big.bin",
					"{\"path\":\"big.bin\",\"num_parts\":3}", 501, "NOT_IMPLEMENTED");
	/* The client recognises this prefix and falls back to a single PUT. */
	CHECK(strncmp(m, "Multipart upload is not supported for the current artifact repository", 69) == 0);
	tu_expect_error(&s, "POST", ARTIFACTS "/mpu/complete/0/r/artifacts/big.bin",
			"{\"path\":\"big.bin\",\"upload_id\":\"u\",\"parts\":[]}", 501, "NOT_IMPLEMENTED");
	tu_expect_error(&s, "POST", ARTIFACTS "/mpu/abort/0/r/artifacts/big.bin",
			"{\"path\":\"big.bin\",\"upload_id\":\"u\"}", 501, "NOT_IMPLEMENTED");
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* artifacts/list, the tracking endpoint the UI uses: paths relative to the run's root. */
TEST(tracking_artifacts_list)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64], run[64];
	it_create_experiment(&s, "listing", exp);
	it_create_run(&s, exp, NULL, run);
	char path[512];
	snprintf(path, sizeof path, ARTIFACTS "/artifacts/%s/%s/artifacts/model/MLmodel", exp, run);
	put_bytes(&s, path, NULL, "m", 1);
	snprintf(path, sizeof path, ARTIFACTS "/artifacts/%s/%s/artifacts/top.txt", exp, run);
	put_bytes(&s, path, NULL, "top", 3);

	json_t *l = it_get(&s, 200, API "/artifacts/list?run_id=%s", run);
	char root[256];
	snprintf(root, sizeof root, "mlflow-artifacts:/%s/%s/artifacts", exp, run);
	CHECK_STR_EQ(json_string_value(json_object_get(l, "root_uri")), root);
	json_t *files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), 2);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0), "path")), "model");
	CHECK(json_is_true(json_object_get(json_array_get(files, 0), "is_dir")));
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 1), "path")), "top.txt");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(files, 1), "file_size")), 3);
	json_decref(l);
	l = it_get(&s, 200, API "/artifacts/list?run_id=%s&path=model", run);
	files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0), "path")), "model/MLmodel");
	CHECK(json_is_false(json_object_get(json_array_get(files, 0), "is_dir")));
	json_decref(l);
	l = it_get(&s, 200, API "/artifacts/list?run_id=%s&path=nothing", run);
	CHECK_INT_EQ(it_array_size(l, "files"), 0);
	json_decref(l);
	char bad[512];
	snprintf(bad, sizeof bad, API "/artifacts/list?run_id=%s&path=..%%2F..%%2F..", run);
	const char *m = tu_expect_error(&s, "GET", bad, NULL, 400, "INVALID_PARAMETER_VALUE");
	CHECK_CONTAINS_CI(m, "invalid path");
	tu_expect_error(&s, "GET", API "/artifacts/list?run_id=0123456789abcdef0123456789abcdef", NULL, 404,
			"RESOURCE_DOES_NOT_EXIST");
	/* The UI's prefix too. */
	l = it_get(&s, 200, AJAX "/artifacts/list?run_id=%s", run);
	CHECK_INT_EQ(it_array_size(l, "files"), 2);
	json_decref(l);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(ajax_prefix_artifacts)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	put_bytes(&s, "/ajax-api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/a.txt", NULL, "abc", 3);
	struct tu_response r;
	tu_request(&s, "GET", ARTIFACTS "/artifacts/0/r/artifacts/a.txt", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 200);
	CHECK(r.len == 3 && memcmp(r.body, "abc", 3) == 0);
	tu_response_free(&r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(no_serve_artifacts_answers_503)
{
	struct tu_server s;
	const char *const args[] = { "--no-serve-artifacts", NULL };
	tu_server_start(&s, NULL, args);
	struct tu_response r;
	tu_request(&s, "PUT", ARTIFACTS "/artifacts/0/r/artifacts/a.txt", NULL, "abc", 3, &r);
	CHECK_INT_EQ(r.status, 503);
	tu_response_free(&r);
	tu_request(&s, "GET", ARTIFACTS "/artifacts?path=0", NULL, NULL, 0, &r);
	CHECK_INT_EQ(r.status, 503);
	tu_response_free(&r);
	/* Tracking still works; new experiments get a local root (./mlruns, absolute). */
	char id[64];
	it_create_experiment(&s, "local-root", id);
	json_t *g = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	const char *loc = json_string_value(json_object_get(json_object_get(g, "experiment"), "artifact_location"));
	CHECK(loc != NULL);
	CHECK_MSG(strstr(loc, "mlflow-artifacts:") == NULL, "artifact_location '%s' points at the proxy", loc);
	char suffix[80];
	snprintf(suffix, sizeof suffix, "/mlruns/%s", id);
	CHECK_STR_CONTAINS(loc, suffix);
	json_decref(g);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(artifacts_only_disables_tracking)
{
	struct tu_server s;
	const char *const args[] = { "--artifacts-only", NULL };
	tu_server_start(&s, NULL, args);
	put_bytes(&s, ARTIFACTS "/artifacts/0/r/artifacts/a.txt", NULL, "abc", 3);
	struct tu_response r;
	tu_call(&s, "POST", API "/experiments/create", "{\"name\":\"x\"}", &r);
	CHECK_INT_EQ(r.status, 503);
	tu_response_free(&r);
	tu_call(&s, "GET", API "/experiments/get?experiment_id=0", NULL, &r);
	CHECK_INT_EQ(r.status, 503);
	tu_response_free(&r);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(default_artifact_root_flag)
{
	struct tu_server s;
	const char *const args[] = { "--default-artifact-root", "s3://bucket/prefix", NULL };
	tu_server_start(&s, NULL, args);
	char id[64];
	it_create_experiment(&s, "s3-root", id);
	json_t *g = it_get(&s, 200, API "/experiments/get?experiment_id=%s", id);
	char want[128];
	snprintf(want, sizeof want, "s3://bucket/prefix/%s", id);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(g, "experiment"), "artifact_location")), want);
	json_decref(g);
	char run[64];
	it_create_run(&s, id, NULL, run);
	json_t *got = it_get_run(&s, run);
	char uri[256];
	snprintf(uri, sizeof uri, "s3://bucket/prefix/%s/%s/artifacts", id, run);
	CHECK_STR_EQ(it_run_info_str(got, "artifact_uri"), uri);
	json_decref(got);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST_MAIN(upload_download_multi_mb_byte_identical, download_content_types, empty_file_and_names_needing_encoding,
	  list_directory_levels, delete_file_and_tree, path_traversal_refused, symlink_escape_refused,
	  multipart_upload_not_implemented, tracking_artifacts_list, ajax_prefix_artifacts,
	  no_serve_artifacts_answers_503, artifacts_only_disables_tracking, default_artifact_root_flag)
