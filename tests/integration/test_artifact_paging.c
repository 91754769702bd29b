/*
 * Paging of the artifact listings: the tracking artifacts/list (spec §3.4) pages at
 * STORE_ARTIFACT_LIST_PAGE entries with MLflow's page tokens; the proxy list (§6.2) has no
 * paging in MLflow's proto, so it answers everything up to STORE_ARTIFACT_PROXY_LIST_MAX
 * names in one response and refuses a bigger directory with 400 instead of truncating.
 * Files are made directly under the server's --artifacts-destination: thousands of PUTs
 * would test the upload path, not the listing.
 */
#include "itest.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The run's artifact directory on disk, "<dir>/artifacts/<exp>/<run>/artifacts". */
static void run_dir(const struct tu_server *s, const char *run, char *out, size_t cap)
{
	json_t *got = it_get_run(s, run);
	const char *uri = it_run_info_str(got, "artifact_uri");
	CHECK(uri && strncmp(uri, "mlflow-artifacts:/", 18) == 0);
	snprintf(out, cap, "%s/artifacts/%s", s->dir, uri + 18);
	json_decref(got);
}

static void mkdirs(const char *path)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		CHECK_MSG(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s", p);
		*q = '/';
	}
	CHECK_MSG(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s", p);
}

/* `n` files "<fmt % i>" in `dir`; file i holds i % 5 bytes. */
static void make_files(const char *dir, const char *fmt, int from, int n)
{
	mkdirs(dir);
	char name[64], p[4200];
	for (int i = from; i < from + n; i++) {
		snprintf(name, sizeof name, fmt, i);
		snprintf(p, sizeof p, "%s/%s", dir, name);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK_MSG(fd >= 0, "creating %s", p);
		CHECK(write(fd, "abcd", (size_t)(i % 5)) == i % 5);
		close(fd);
	}
}

static const char *page_token(json_t *page)
{
	json_t *t = json_object_get(page, "next_page_token");
	if (!t)
		return NULL;
	CHECK(json_is_string(t));
	CHECK(json_string_length(t) > 0);
	return json_string_value(t);
}

/* Follow next_page_token through artifacts/list for `path`; checks every page and returns
 * the number of pages. `seen[i]` counts how often "<path>/f%04d" % i appeared. */
static int follow_pages(const struct tu_server *s, const char *prefix_route, const char *run,
			const char *path, int nfiles, int *seen)
{
	char token[512] = "";
	char root[512];
	snprintf(root, sizeof root, "mlflow-artifacts:/");
	int pages = 0, expect_next = 0;
	for (;;) {
		json_t *l = it_get(s, 200, "%s/artifacts/list?run_id=%s&path=%s%s%s", prefix_route, run,
				   it_qs(path), *token ? "&page_token=" : "", *token ? it_qs(token) : "");
		pages++;
		CHECK(pages <= nfiles / STORE_ARTIFACT_LIST_PAGE + 2);
		CHECK(strncmp(json_string_value(json_object_get(l, "root_uri")), root, strlen(root)) == 0);
		json_t *files = json_object_get(l, "files");
		size_t n = json_array_size(files);
		const char *next = page_token(l);
		CHECK(n <= STORE_ARTIFACT_LIST_PAGE);
		if (next)
			CHECK_INT_EQ(n, STORE_ARTIFACT_LIST_PAGE);
		for (size_t i = 0; i < n; i++) {
			json_t *f = json_array_get(files, i);
			const char *p = json_string_value(json_object_get(f, "path"));
			CHECK(p != NULL);
			char want[256];
			snprintf(want, sizeof want, "%s/f%04d", path, expect_next);
			/* In name order, across pages, each one once. */
			CHECK_STR_EQ(p, want);
			CHECK(json_is_false(json_object_get(f, "is_dir")));
			CHECK_INT_EQ(json_integer_value(json_object_get(f, "file_size")), expect_next % 5);
			seen[expect_next]++;
			expect_next++;
		}
		if (!next) {
			json_decref(l);
			break;
		}
		CHECK(strlen(next) < sizeof token);
		snprintf(token, sizeof token, "%s", next);
		json_decref(l);
	}
	CHECK_INT_EQ(expect_next, nfiles);
	return pages;
}

TEST(tracking_list_pages_through_2500_files)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64], run[64], dir[2048], sub[2200];
	it_create_experiment(&s, "paging", exp);
	it_create_run(&s, exp, NULL, run);
	run_dir(&s, run, dir, sizeof dir);
	snprintf(sub, sizeof sub, "%s/many", dir);
	make_files(sub, "f%04d", 0, 2500);

	int seen[2500] = { 0 };
	CHECK_INT_EQ(follow_pages(&s, API, run, "many", 2500, seen), 3);
	for (int i = 0; i < 2500; i++)
		CHECK_MSG(seen[i] == 1, "f%04d seen %d times", i, seen[i]);

	/* The UI's prefix pages the same way. */
	memset(seen, 0, sizeof seen);
	CHECK_INT_EQ(follow_pages(&s, AJAX, run, "many", 2500, seen), 3);

	/* The first page's token is MLflow's, base64 of {"offset": 1000}. */
	json_t *l = it_get(&s, 200, API "/artifacts/list?run_id=%s&path=many", run);
	CHECK_STR_EQ(page_token(l), "eyJvZmZzZXQiOiAxMDAwfQ==");
	json_decref(l);
	/* A token past the end is an empty, final page. */
	l = it_get(&s, 200, API "/artifacts/list?run_id=%s&path=many&page_token=%s", run,
		   it_qs("eyJvZmZzZXQiOiAxMDAwMDAwfQ=="));   /* {"offset": 1000000} */
	CHECK_INT_EQ(it_array_size(l, "files"), 0);
	CHECK(page_token(l) == NULL);
	json_decref(l);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(tracking_list_exactly_one_page_has_no_token)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64], run[64], dir[2048], sub[2200];
	it_create_experiment(&s, "paging", exp);
	it_create_run(&s, exp, NULL, run);
	run_dir(&s, run, dir, sizeof dir);
	snprintf(sub, sizeof sub, "%s/exact", dir);
	make_files(sub, "f%04d", 0, STORE_ARTIFACT_LIST_PAGE);
	json_t *l = it_get(&s, 200, API "/artifacts/list?run_id=%s&path=exact/", run);
	CHECK_INT_EQ(it_array_size(l, "files"), STORE_ARTIFACT_LIST_PAGE);
	CHECK(page_token(l) == NULL);
	json_decref(l);
	/* One more file makes a second page of one. */
	make_files(sub, "f%04d", STORE_ARTIFACT_LIST_PAGE, 1);
	int seen[STORE_ARTIFACT_LIST_PAGE + 1] = { 0 };
	CHECK_INT_EQ(follow_pages(&s, API, run, "exact", STORE_ARTIFACT_LIST_PAGE + 1, seen), 2);
	/* The run's root level is small: one page, no token. */
	l = it_get(&s, 200, API "/artifacts/list?run_id=%s", run);
	CHECK_INT_EQ(it_array_size(l, "files"), 1);
	CHECK(page_token(l) == NULL);
	json_decref(l);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST(tracking_list_bad_page_token_is_400)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char exp[64], run[64];
	it_create_experiment(&s, "paging", exp);
	it_create_run(&s, exp, NULL, run);
	static const char *const bad[] = {
		"garbage!",
		"bm90IGpzb24=",               /* "not json" */
		"eyJvZmZzZXQiOiAtMX0=",       /* {"offset": -1} */
		"eyJvZmZzZXQiOiAieCJ9",       /* {"offset": "x"} */
		"W10=",                       /* [] */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, API "/artifacts/list?run_id=%s&page_token=%s", run,
			 it_qs(bad[i]));
		const char *m = tu_expect_error(&s, "GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
		CHECK_CONTAINS_CI(m, "page token");
	}
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

/* The proxy list answers everything in one response, up to the cap, and refuses beyond it. */
TEST(proxy_list_has_a_hard_cap)
{
	struct tu_server s;
	tu_server_start(&s, NULL, NULL);
	char dir[2200];
	snprintf(dir, sizeof dir, "%s/artifacts/big/level", s.dir);
	make_files(dir, "f%06d", 0, STORE_ARTIFACT_PROXY_LIST_MAX);

	json_t *l = it_get(&s, 200, ARTIFACTS "/artifacts?path=big/level");
	json_t *files = json_object_get(l, "files");
	CHECK_INT_EQ(json_array_size(files), STORE_ARTIFACT_PROXY_LIST_MAX);
	CHECK(json_object_get(l, "next_page_token") == NULL);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, 0), "path")), "f000000");
	char last[32];
	snprintf(last, sizeof last, "f%06d", STORE_ARTIFACT_PROXY_LIST_MAX - 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(files, STORE_ARTIFACT_PROXY_LIST_MAX - 1),
						       "path")), last);
	json_decref(l);

	make_files(dir, "f%06d", STORE_ARTIFACT_PROXY_LIST_MAX, 1);
	const char *m = tu_expect_error(&s, "GET", ARTIFACTS "/artifacts?path=big/level", NULL, 400,
					"INVALID_PARAMETER_VALUE");
	char want[128];
	snprintf(want, sizeof want, "directory 'big/level' has more than %d entries",
		 STORE_ARTIFACT_PROXY_LIST_MAX);
	CHECK_CONTAINS_CI(m, want);
	/* Other directories are unaffected. */
	l = it_get(&s, 200, ARTIFACTS "/artifacts?path=big");
	CHECK_INT_EQ(it_array_size(l, "files"), 1);
	json_decref(l);
	CHECK_INT_EQ(tu_server_stop(&s), 0);
}

TEST_MAIN(tracking_list_pages_through_2500_files, tracking_list_exactly_one_page_has_no_token,
	  tracking_list_bad_page_token_is_400, proxy_list_has_a_hard_cap)
