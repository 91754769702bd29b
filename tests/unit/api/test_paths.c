/* Artifact helpers: content-type guess and attachment header (spec §6.2), path decoding and
 * safety (§6.3), artifact_uri → artifact-store path (§3.4). */
#include "api/api_internal.h"
#include "../../harness.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TEST(content_type_text_list)
{
	const char *text[] = { "a/b/notes.txt", "run.log", "x.err", "c.cfg", "c.conf", "c.cnf", "c.cf",
			       "c.ini", "a.properties", "a.prop", "a.hocon", "a.toml", "a.yaml", "a.yml",
			       "a.xml", "model/data.json", "a.js", "train.py", "a.py3", "data.csv",
			       "d.tsv", "README.md", "doc.rst", "model/MLmodel", "MLproject" };
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
		CHECK_MSG(strcmp(api_guess_content_type(text[i]), "text/plain") == 0, "%s -> %s",
			  text[i], api_guess_content_type(text[i]));
}

TEST(content_type_other_and_fallback)
{
	CHECK_STR_EQ(api_guess_content_type("plot.png"), "image/png");
	CHECK_STR_EQ(api_guess_content_type("PLOT.PNG"), "image/png");
	CHECK_STR_EQ(api_guess_content_type("a/photo.JPEG"), "image/jpeg");
	CHECK_STR_EQ(api_guess_content_type("report.html"), "text/html");
	CHECK_STR_EQ(api_guess_content_type("fig.svg"), "image/svg+xml");
	CHECK_STR_EQ(api_guess_content_type("doc.pdf"), "application/pdf");
	CHECK_STR_EQ(api_guess_content_type("model.pkl"), "application/octet-stream");
	CHECK_STR_EQ(api_guess_content_type("weights"), "application/octet-stream");
	CHECK_STR_EQ(api_guess_content_type("x.gz"), "application/octet-stream");
	CHECK_STR_EQ(api_guess_content_type("src.tar.gz"), "application/x-tar");
	CHECK_STR_EQ(api_guess_content_type("src.tar"), "application/x-tar");
	/* the text list is case-sensitive like MLflow's; .TXT still maps via the MIME table */
	CHECK_STR_EQ(api_guess_content_type("mlmodel"), "application/octet-stream");
	CHECK_STR_EQ(api_guess_content_type("README.TXT"), "text/plain");
	CHECK_STR_EQ(api_guess_content_type("DATA.CSV"), "text/csv");
	/* a leading dot does not start an extension (os.path.splitext) */
	CHECK_STR_EQ(api_guess_content_type(".json"), "application/octet-stream");
	CHECK_STR_EQ(api_guess_content_type("dir.v2/file"), "application/octet-stream");
	CHECK_STR_EQ(api_guess_content_type(""), "application/octet-stream");
}

TEST(content_disposition_forms)
{
	struct arena a;
	arena_init(&a, 0);
	CHECK_STR_EQ(api_content_disposition(&a, "model/MLmodel"), "attachment; filename=MLmodel");
	CHECK_STR_EQ(api_content_disposition(&a, "a/model.pkl"), "attachment; filename=model.pkl");
	CHECK_STR_EQ(api_content_disposition(&a, "my file \"1\".txt"),
		     "attachment; filename=\"my file \\\"1\\\".txt\"");
	CHECK_STR_EQ(api_content_disposition(&a, "f\xc3\xbc.txt"),
		     "attachment; filename=\"f__.txt\"; filename*=UTF-8''f%C3%BC.txt");
	/* CR/LF can never reach the header */
	const char *h = api_content_disposition(&a, "a\r\nSet-Cookie: x");
	CHECK(h != NULL);
	CHECK(strchr(h, '\r') == NULL && strchr(h, '\n') == NULL);
	CHECK_STR_CONTAINS(h, "%0D%0A");
	arena_release(&a);
}

TEST(decode_path)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	const char *out = NULL;
	CHECK_INT_EQ(api_decode_path(&a, "my%20dir/f%20%C3%BC.txt", &out, &err), 0);
	CHECK_STR_EQ(out, "my dir/f \xc3\xbc.txt");
	CHECK_INT_EQ(api_decode_path(&a, "a+b", &out, &err), 0);
	CHECK_STR_EQ(out, "a+b");   /* '+' is not a space in a path */
	CHECK_INT_EQ(api_decode_path(&a, "bad%zz", &out, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid path");
	CHECK_INT_EQ(api_decode_path(&a, "a%00b", &out, &err), CAIRN_EINVAL);
	CHECK_INT_EQ(api_decode_path(&a, "", &out, &err), 0);
	CHECK_STR_EQ(out, "");
	arena_release(&a);
}

TEST(rel_path_safety)
{
	struct cairn_error err = {0};
	const char *ok[] = { "", "a", "a/b/c.txt", "a..b", "..a", "a/.../b", "x/.hidden", "C:x",
			     "100%", "a%2Fb" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		CHECK_MSG(api_check_rel_path(ok[i], &err) == 0, "'%s' refused", ok[i]);
	const char *bad[] = { "/etc/passwd", "..", "../x", "a/../b", "a/..", "a#b", "a\\b", "C:/x",
			      "c:", "%2e%2e/x", "a/%252e%252e/b", "%2Fetc", "%23", "a%00/../x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cairn_error_clear(&err);
		CHECK_MSG(api_check_rel_path(bad[i], &err) == CAIRN_EINVAL, "'%s' accepted", bad[i]);
		CHECK_STR_EQ(err.msg, "Invalid path");
	}
	CHECK_INT_EQ(api_check_rel_path(NULL, &err), 0);
}

TEST(artifact_uri_mlflow_artifacts)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	const char *rel = NULL;
	CHECK_INT_EQ(api_artifact_uri_to_rel("mlflow-artifacts:/3/abc/artifacts", "/root", &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "3/abc/artifacts");
	CHECK_INT_EQ(api_artifact_uri_to_rel("mlflow-artifacts://host:5000/3/abc/artifacts/", "/root", &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "3/abc/artifacts");
	CHECK_INT_EQ(api_artifact_uri_to_rel("mlflow-artifacts:3/r/artifacts", "/root", &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "3/r/artifacts");
	CHECK_INT_EQ(api_artifact_uri_to_rel("mlflow-artifacts://host", "/root", &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "");
	CHECK_INT_EQ(api_artifact_uri_to_rel("mlflow-artifacts:/../etc", "/root", &a, &rel, &err), 0);
	CHECK(rel == NULL);
	CHECK_INT_EQ(api_artifact_uri_to_rel("s3://bucket/x", "/root", &a, &rel, &err), 0);
	CHECK(rel == NULL);
	CHECK_INT_EQ(api_artifact_uri_to_rel(NULL, "/root", &a, &rel, &err), 0);
	CHECK(rel == NULL);
	arena_release(&a);
}

TEST(artifact_uri_local_paths)
{
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	char root[PATH_MAX], runs[PATH_MAX], outside[PATH_MAX], uri[PATH_MAX + 16];
	snprintf(root, sizeof root, "%s/root", test_tmpdir());
	snprintf(runs, sizeof runs, "%s/root/1/r1/artifacts", test_tmpdir());
	snprintf(outside, sizeof outside, "%s/elsewhere", test_tmpdir());
	CHECK_INT_EQ(fs_mkdirs(runs, &err), 0);
	CHECK_INT_EQ(fs_mkdirs(outside, &err), 0);
	const char *rel = NULL;
	CHECK_INT_EQ(api_artifact_uri_to_rel(runs, root, &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "1/r1/artifacts");
	snprintf(uri, sizeof uri, "file://%s", runs);
	CHECK_INT_EQ(api_artifact_uri_to_rel(uri, root, &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "1/r1/artifacts");
	snprintf(uri, sizeof uri, "file:%s", runs);
	CHECK_INT_EQ(api_artifact_uri_to_rel(uri, root, &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "1/r1/artifacts");
	CHECK_INT_EQ(api_artifact_uri_to_rel(root, root, &a, &rel, &err), 0);
	CHECK_STR_EQ(rel, "");
	CHECK_INT_EQ(api_artifact_uri_to_rel(outside, root, &a, &rel, &err), 0);
	CHECK(rel == NULL);
	/* "<root>x" shares the root's letters but is not under it */
	char sibling[PATH_MAX];
	snprintf(sibling, sizeof sibling, "%s/rootx", test_tmpdir());
	CHECK_INT_EQ(fs_mkdirs(sibling, &err), 0);
	CHECK_INT_EQ(api_artifact_uri_to_rel(sibling, root, &a, &rel, &err), 0);
	CHECK(rel == NULL);
	/* a path that does not exist (yet) lists as empty */
	snprintf(uri, sizeof uri, "%s/root/9/none", test_tmpdir());
	CHECK_INT_EQ(api_artifact_uri_to_rel(uri, root, &a, &rel, &err), 0);
	CHECK(rel == NULL);
	/* ".." inside the URI is resolved before the containment check */
	snprintf(uri, sizeof uri, "%s/root/1/../../elsewhere", test_tmpdir());
	CHECK_INT_EQ(api_artifact_uri_to_rel(uri, root, &a, &rel, &err), 0);
	CHECK(rel == NULL);
	CHECK_INT_EQ(api_artifact_uri_to_rel("file://otherhost/x", root, &a, &rel, &err), 0);
	CHECK(rel == NULL);
	arena_release(&a);
}

TEST_MAIN(content_type_text_list, content_type_other_and_fallback, content_disposition_forms,
	  decode_path, rel_path_safety, artifact_uri_mlflow_artifacts, artifact_uri_local_paths)
