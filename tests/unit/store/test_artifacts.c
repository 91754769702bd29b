/* The local artifact store: path safety (spec §6.3), uploads, listing, reading, deleting. */
#include "../../harness.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct arena arena_;

static const char *tpath(const char *rel)
{
	return arena_printf(&arena_, "%s/%s", test_tmpdir(), rel);
}

static struct artifact_store *open_store(const char *rel)
{
	struct cairn_error err = { 0 };
	struct artifact_store *as = artifact_store_open(tpath(rel), &err);
	CHECK_MSG(as != NULL, "open: %s", err.msg);
	return as;
}

static void put_file(const char *abs, const char *content)
{
	struct cairn_error err = { 0 };
	CHECK_MSG(fs_write_atomic(abs, content, strlen(content), &err) == 0, "%s", err.msg);
}

static char *slurp(const char *abs)
{
	char *data = NULL;
	size_t len;
	struct cairn_error err = { 0 };
	CHECK_MSG(fs_read_all(abs, 0, &data, &len, &err) == 0, "%s", err.msg);
	char *copy = arena_strdup(&arena_, data);
	cairn_free(data);
	return copy;
}

static void upload(struct artifact_store *as, const char *rel, const char *content)
{
	struct cairn_error err = { 0 };
	struct artifact_upload *u = artifact_upload_begin(as, rel, &err);
	CHECK_MSG(u != NULL, "begin %s: %s", rel, err.msg);
	CHECK_MSG(artifact_upload_write(u, content, strlen(content), &err) == 0, "%s", err.msg);
	CHECK_MSG(artifact_upload_commit(u, &err) == 0, "%s", err.msg);
}

/* Entries in a directory other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void expect_invalid(struct artifact_store *as, const char *rel)
{
	struct cairn_error err = { 0 };
	const char *abs = "unchanged";
	int rc = artifact_resolve(as, rel, &arena_, &abs, &err);
	CHECK_MSG(rc == CAIRN_EINVAL, "'%s' resolved (rc %d) to %s", rel, rc, abs);
	CHECK_STR_EQ(err.msg, "Invalid path");
	CHECK_STR_EQ(abs, "unchanged");
}

/* ------------------------------------------------------------------ open, resolve */

TEST(open_creates_root_and_keeps_its_realpath)
{
	struct cairn_error err = { 0 };
	CHECK(symlink(test_tmpdir(), tpath("alias")) == 0);
	struct artifact_store *as = artifact_store_open(tpath("alias/x/y/artifacts"), &err);
	CHECK_MSG(as != NULL, "%s", err.msg);
	CHECK(fs_is_dir(tpath("x/y/artifacts")));
	char *real = realpath(tpath("x/y/artifacts"), NULL);
	CHECK_STR_EQ(artifact_store_root(as), real);
	free(real);
	artifact_store_close(as);
	artifact_store_close(NULL);
}

TEST(open_rejects_bad_roots)
{
	struct cairn_error err = { 0 };
	CHECK(artifact_store_open("", &err) == NULL);
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	put_file(tpath("file"), "x");
	cairn_error_clear(&err);
	CHECK(artifact_store_open(tpath("file"), &err) == NULL);
	CHECK(err.code != 0);
	cairn_error_clear(&err);
	CHECK(artifact_store_open(tpath("file/sub"), &err) == NULL);
	CHECK(err.code != 0);
}

TEST(resolve_normalises)
{
	struct artifact_store *as = open_store("root");
	const char *root = artifact_store_root(as);
	static const struct { const char *rel; const char *want; } cases[] = {
		{ "", "" }, { ".", "" }, { "./", "" }, { ".//.", "" },
		{ "a", "/a" }, { "a//b", "/a/b" }, { "./a", "/a" }, { "a/./b/", "/a/b" },
		{ "a/b/c.txt", "/a/b/c.txt" }, { "my dir/f ü.txt", "/my dir/f ü.txt" },
		{ "...", "/..." }, { "..a/b..", "/..a/b.." }, { "a/.hidden", "/a/.hidden" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *abs = NULL;
		struct cairn_error err = { 0 };
		CHECK_MSG(artifact_resolve(as, cases[i].rel, &arena_, &abs, &err) == 0, "%s: %s",
			  cases[i].rel, err.msg);
		CHECK_STR_EQ(abs, arena_printf(&arena_, "%s%s", root, cases[i].want));
	}
	const char *abs = NULL;
	CHECK_INT_EQ(artifact_resolve(as, NULL, &arena_, &abs, NULL), 0);
	CHECK_STR_EQ(abs, root);
	artifact_store_close(as);
}

TEST(resolve_rejects_traversal_and_unsafe_characters)
{
	struct artifact_store *as = open_store("root");
	static const char *const bad[] = {
		"..", "../x", "a/../../x", "a/..", "a/../b", "./../x", "a/b/../../..", "../root/x",
		"/etc/passwd", "/", "//etc", "a\\b", "..\\x", "a#b", "#", "x/y#frag",
		"C:/Windows", "c:/x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_invalid(as, bad[i]);
	artifact_store_close(as);
}

TEST(nul_ends_the_path)
{
	/* A C string cannot carry a NUL; the API layer must refuse decoded paths whose length
	 * disagrees with strlen. Here we only pin down that the part before it is what counts. */
	struct artifact_store *as = open_store("root");
	const char *abs = NULL;
	CHECK_INT_EQ(artifact_resolve(as, "a\0/../../etc/passwd", &arena_, &abs, NULL), 0);
	CHECK_STR_EQ(abs, arena_printf(&arena_, "%s/a", artifact_store_root(as)));
	artifact_store_close(as);
}

TEST(symlink_out_of_the_root_is_refused_everywhere)
{
	struct artifact_store *as = open_store("root");
	CHECK(fs_mkdirs(tpath("outside"), NULL) == 0);
	put_file(tpath("outside/secret"), "s3cret");
	CHECK(symlink(tpath("outside"), tpath("root/link")) == 0);
	CHECK(symlink(tpath("outside/secret"), tpath("root/filelink")) == 0);
	CHECK(fs_mkdirs(tpath("root/d"), NULL) == 0);
	CHECK(symlink("../../outside", tpath("root/d/rel")) == 0);

	expect_invalid(as, "link");
	expect_invalid(as, "link/secret");
	expect_invalid(as, "link/new/deeper/file");
	expect_invalid(as, "filelink");
	expect_invalid(as, "d/rel/secret");

	struct cairn_error err = { 0 };
	CHECK(artifact_upload_begin(as, "link/new", &err) == NULL);
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	int fd = -1;
	CHECK_INT_EQ(artifact_open_read(as, "link/secret", &fd, NULL, &err), CAIRN_EINVAL);
	CHECK_INT_EQ(fd, -1);
	CHECK_INT_EQ(artifact_open_read(as, "filelink", &fd, NULL, &err), CAIRN_EINVAL);
	struct artifact_file_info *fi;
	size_t n;
	CHECK_INT_EQ(artifact_list(as, "link", "", &arena_, &fi, &n, &err), CAIRN_EINVAL);
	CHECK_INT_EQ(artifact_delete(as, "link/secret", &err), CAIRN_EINVAL);
	CHECK_INT_EQ(artifact_delete(as, "d/rel", &err), CAIRN_EINVAL);
	CHECK_STR_EQ(slurp(tpath("outside/secret")), "s3cret");
	CHECK(!fs_exists(tpath("outside/new")));
	artifact_store_close(as);
}

TEST(symlink_inside_the_root_is_followed)
{
	struct artifact_store *as = open_store("root");
	upload(as, "real/f.txt", "hello");
	CHECK(symlink("real", tpath("root/alias")) == 0);
	const char *abs;
	CHECK_INT_EQ(artifact_resolve(as, "alias/f.txt", &arena_, &abs, NULL), 0);
	int fd = -1;
	int64_t size = 0;
	CHECK_INT_EQ(artifact_open_read(as, "alias/f.txt", &fd, &size, NULL), 0);
	CHECK_INT_EQ(size, 5);
	close(fd);
	artifact_store_close(as);
}

TEST(symlink_loop_is_refused)
{
	struct artifact_store *as = open_store("root");
	CHECK(symlink("loop2", tpath("root/loop1")) == 0);
	CHECK(symlink("loop1", tpath("root/loop2")) == 0);
	expect_invalid(as, "loop1/x");
	artifact_store_close(as);
}

/* ------------------------------------------------------------------ upload */

TEST(upload_commit_writes_the_file_and_leaves_nothing_else)
{
	struct artifact_store *as = open_store("root");
	struct cairn_error err = { 0 };
	struct artifact_upload *u = artifact_upload_begin(as, "run/model.bin", &err);
	CHECK_MSG(u != NULL, "%s", err.msg);
	/* While in flight, the data sits in a temp file next to the target. */
	CHECK_INT_EQ(count_entries(tpath("root/run")), 1);
	CHECK(!fs_exists(tpath("root/run/model.bin")));
	DIR *d = opendir(tpath("root/run"));
	struct dirent *de;
	int seen_tmp = 0;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "model.bin.upload.", 17) == 0)
			seen_tmp = 1;
	closedir(d);
	CHECK(seen_tmp);
	for (int i = 0; i < 100; i++)
		CHECK_INT_EQ(artifact_upload_write(u, "0123456789", 10, &err), 0);
	CHECK_INT_EQ(artifact_upload_write(u, "", 0, &err), 0);
	CHECK_INT_EQ(artifact_upload_commit(u, &err), 0);
	CHECK_INT_EQ(count_entries(tpath("root/run")), 1);
	char *data = slurp(tpath("root/run/model.bin"));
	CHECK_INT_EQ(strlen(data), 1000);
	CHECK(strncmp(data + 990, "0123456789", 10) == 0);
	artifact_store_close(as);
}

TEST(upload_abort_leaves_nothing)
{
	struct artifact_store *as = open_store("root");
	struct cairn_error err = { 0 };
	struct artifact_upload *u = artifact_upload_begin(as, "x/y.txt", &err);
	CHECK(u != NULL);
	CHECK_INT_EQ(artifact_upload_write(u, "partial", 7, &err), 0);
	artifact_upload_abort(u);
	CHECK_INT_EQ(count_entries(tpath("root/x")), 0);
	artifact_upload_abort(NULL);
	artifact_store_close(as);
}

TEST(upload_overwrites_an_existing_file)
{
	struct artifact_store *as = open_store("root");
	upload(as, "f.txt", "first version, long");
	upload(as, "f.txt", "second");
	CHECK_STR_EQ(slurp(tpath("root/f.txt")), "second");
	CHECK_INT_EQ(count_entries(tpath("root")), 1);
	/* An aborted overwrite keeps the old content. */
	struct artifact_upload *u = artifact_upload_begin(as, "f.txt", NULL);
	CHECK(u != NULL);
	CHECK_INT_EQ(artifact_upload_write(u, "third", 5, NULL), 0);
	artifact_upload_abort(u);
	CHECK_STR_EQ(slurp(tpath("root/f.txt")), "second");
	artifact_store_close(as);
}

TEST(upload_creates_nested_directories)
{
	struct artifact_store *as = open_store("root");
	upload(as, "3/abc/artifacts/model/MLmodel", "flavors: {}");
	upload(as, "3//abc/./artifacts/model/data/w.bin", "w");
	CHECK_STR_EQ(slurp(tpath("root/3/abc/artifacts/model/MLmodel")), "flavors: {}");
	CHECK_STR_EQ(slurp(tpath("root/3/abc/artifacts/model/data/w.bin")), "w");
	artifact_store_close(as);
}

TEST(upload_refuses_directories_root_and_unsafe_paths)
{
	struct artifact_store *as = open_store("root");
	upload(as, "dir/f", "x");
	struct cairn_error err = { 0 };
	CHECK(artifact_upload_begin(as, "dir", &err) == NULL);
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "'dir'");
	CHECK_STR_CONTAINS(err.msg, "directory");
	cairn_error_clear(&err);
	CHECK(artifact_upload_begin(as, "", &err) == NULL);
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	cairn_error_clear(&err);
	CHECK(artifact_upload_begin(as, "../escape", &err) == NULL);
	CHECK_STR_EQ(err.msg, "Invalid path");
	CHECK(!fs_exists(tpath("escape")));
	cairn_error_clear(&err);
	/* A file where a directory is needed. */
	CHECK(artifact_upload_begin(as, "dir/f/g", &err) == NULL);
	CHECK(err.code != 0);
	CHECK_INT_EQ(count_entries(tpath("root/dir")), 1);
	artifact_store_close(as);
}

/* ------------------------------------------------------------------ list */

TEST(list_is_sorted_one_level_with_prefix)
{
	struct artifact_store *as = open_store("root");
	upload(as, "run/b.txt", "bb");
	upload(as, "run/a.txt", "a");
	upload(as, "run/c/inner.txt", "deep");
	upload(as, "run/B.txt", "BBB");
	upload(as, "run/empty", "");
	struct artifact_file_info *fi = NULL;
	size_t n = 0;
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_list(as, "run", "", &arena_, &fi, &n, &err), 0);
	CHECK_INT_EQ(n, 5);
	CHECK_STR_EQ(fi[0].path, "B.txt");
	CHECK_INT_EQ(fi[0].file_size, 3);
	CHECK_STR_EQ(fi[1].path, "a.txt");
	CHECK_INT_EQ(fi[1].is_dir, 0);
	CHECK_INT_EQ(fi[1].file_size, 1);
	CHECK_STR_EQ(fi[2].path, "b.txt");
	CHECK_STR_EQ(fi[3].path, "c");
	CHECK_INT_EQ(fi[3].is_dir, 1);
	CHECK_INT_EQ(fi[3].file_size, -1);
	CHECK_STR_EQ(fi[4].path, "empty");
	CHECK_INT_EQ(fi[4].file_size, 0);

	CHECK_INT_EQ(artifact_list(as, "./run/", "run", &arena_, &fi, &n, &err), 0);
	CHECK_INT_EQ(n, 5);
	CHECK_STR_EQ(fi[0].path, "run/B.txt");
	CHECK_STR_EQ(fi[3].path, "run/c");
	CHECK_INT_EQ(artifact_list(as, "run/c", "x/y", &arena_, &fi, &n, &err), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "x/y/inner.txt");
	CHECK_INT_EQ(artifact_list(as, "run/c", NULL, &arena_, &fi, &n, &err), 0);
	CHECK_STR_EQ(fi[0].path, "inner.txt");
	artifact_store_close(as);
}

TEST(list_root)
{
	struct artifact_store *as = open_store("root");
	struct artifact_file_info *fi = (void *)1;
	size_t n = 9;
	CHECK_INT_EQ(artifact_list(as, "", "", &arena_, &fi, &n, NULL), 0);
	CHECK_INT_EQ(n, 0);
	upload(as, "z", "1");
	upload(as, "m/x", "1");
	CHECK_INT_EQ(artifact_list(as, NULL, NULL, &arena_, &fi, &n, NULL), 0);
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(fi[0].path, "m");
	CHECK_STR_EQ(fi[1].path, "z");
	artifact_store_close(as);
}

TEST(list_many_entries)
{
	struct artifact_store *as = open_store("root");
	for (int i = 99; i >= 0; i--)
		upload(as, arena_printf(&arena_, "d/f%03d", i), "x");
	struct artifact_file_info *fi;
	size_t n;
	CHECK_INT_EQ(artifact_list(as, "d", "", &arena_, &fi, &n, NULL), 0);
	CHECK_INT_EQ(n, 100);
	for (int i = 0; i < 100; i++)
		CHECK_STR_EQ(fi[i].path, arena_printf(&arena_, "f%03d", i));
	artifact_store_close(as);
}

TEST(list_missing_or_file_is_empty)
{
	struct artifact_store *as = open_store("root");
	upload(as, "f.txt", "x");
	struct artifact_file_info *fi = (void *)1;
	size_t n = 9;
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_list(as, "nope/deeper", "", &arena_, &fi, &n, &err), 0);
	CHECK_INT_EQ(n, 0);
	CHECK(fi == NULL);
	n = 9;
	CHECK_INT_EQ(artifact_list(as, "f.txt", "", &arena_, &fi, &n, &err), 0);
	CHECK_INT_EQ(n, 0);
	CHECK_INT_EQ(artifact_list(as, "f.txt/x", "", &arena_, &fi, &n, &err), 0);
	CHECK_INT_EQ(n, 0);
	CHECK_INT_EQ(artifact_list(as, "../x", "", &arena_, &fi, &n, &err), CAIRN_EINVAL);
	artifact_store_close(as);
}

TEST(list_hides_symlinks_that_leave_the_root)
{
	struct artifact_store *as = open_store("root");
	put_file(tpath("outside.txt"), "secret");
	upload(as, "d/real.txt", "abc");
	CHECK(symlink(tpath("outside.txt"), tpath("root/d/evil")) == 0);
	CHECK(symlink("real.txt", tpath("root/d/good")) == 0);
	CHECK(symlink("missing", tpath("root/d/dangling")) == 0);
	struct artifact_file_info *fi;
	size_t n;
	CHECK_INT_EQ(artifact_list(as, "d", "", &arena_, &fi, &n, NULL), 0);
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(fi[0].path, "good");
	CHECK_INT_EQ(fi[0].file_size, 3);
	CHECK_STR_EQ(fi[1].path, "real.txt");
	artifact_store_close(as);
}

/* ------------------------------------------------------------------ read */

TEST(open_read_regular_file)
{
	struct artifact_store *as = open_store("root");
	upload(as, "a/b.txt", "contents!");
	int fd = -1;
	int64_t size = -1;
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_open_read(as, "a//b.txt", &fd, &size, &err), 0);
	CHECK(fd >= 0);
	CHECK_INT_EQ(size, 9);
	char buf[32];
	ssize_t r = read(fd, buf, sizeof buf);
	CHECK_INT_EQ(r, 9);
	CHECK(memcmp(buf, "contents!", 9) == 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	artifact_store_close(as);
}

TEST(open_read_missing_or_directory_is_enoent)
{
	struct artifact_store *as = open_store("root");
	upload(as, "a/b.txt", "x");
	int fd = 123;
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_open_read(as, "a", &fd, NULL, &err), CAIRN_ENOENT);
	CHECK_STR_EQ(err.msg, "Artifact 'a' not found");
	CHECK_INT_EQ(fd, -1);
	CHECK_INT_EQ(artifact_open_read(as, "a/nope.txt", &fd, NULL, &err), CAIRN_ENOENT);
	CHECK_STR_EQ(err.msg, "Artifact 'a/nope.txt' not found");
	CHECK_INT_EQ(artifact_open_read(as, "a/b.txt/c", &fd, NULL, &err), CAIRN_ENOENT);
	CHECK_INT_EQ(artifact_open_read(as, "", &fd, NULL, &err), CAIRN_ENOENT);
	CHECK_INT_EQ(artifact_open_read(as, "a/../../x", &fd, NULL, &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid path");
	CHECK_INT_EQ(fd, -1);
	artifact_store_close(as);
}

/* ------------------------------------------------------------------ delete */

TEST(delete_file_and_tree)
{
	struct artifact_store *as = open_store("root");
	upload(as, "keep.txt", "k");
	upload(as, "run/a.txt", "a");
	upload(as, "run/sub/b.txt", "b");
	upload(as, "run/sub/deeper/c.txt", "c");
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_delete(as, "run/a.txt", &err), 0);
	CHECK(!fs_exists(tpath("root/run/a.txt")));
	CHECK(fs_exists(tpath("root/run/sub/b.txt")));
	CHECK_INT_EQ(artifact_delete(as, "run", &err), 0);
	CHECK(!fs_exists(tpath("root/run")));
	CHECK(fs_exists(tpath("root/keep.txt")));
	CHECK_INT_EQ(count_entries(tpath("root")), 1);
	artifact_store_close(as);
}

TEST(delete_missing_is_success)
{
	struct artifact_store *as = open_store("root");
	upload(as, "f", "x");
	CHECK_INT_EQ(artifact_delete(as, "nothing", NULL), 0);
	CHECK_INT_EQ(artifact_delete(as, "no/such/dir", NULL), 0);
	CHECK_INT_EQ(artifact_delete(as, "f/under-a-file", NULL), 0);
	CHECK(fs_exists(tpath("root/f")));
	artifact_store_close(as);
}

TEST(delete_refuses_root_and_unsafe_paths)
{
	struct artifact_store *as = open_store("root");
	upload(as, "f", "x");
	put_file(tpath("sibling"), "y");
	struct cairn_error err = { 0 };
	static const char *const roots[] = { "", ".", "./", ".//./" };
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		cairn_error_clear(&err);
		CHECK_INT_EQ(artifact_delete(as, roots[i], &err), CAIRN_EINVAL);
		CHECK_STR_CONTAINS(err.msg, "root");
	}
	CHECK_INT_EQ(artifact_delete(as, NULL, &err), CAIRN_EINVAL);
	CHECK_INT_EQ(artifact_delete(as, "../sibling", &err), CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid path");
	CHECK_INT_EQ(artifact_delete(as, "/tmp", &err), CAIRN_EINVAL);
	CHECK(fs_exists(tpath("root/f")));
	CHECK(fs_exists(tpath("sibling")));
	artifact_store_close(as);
}

TEST(delete_symlink_inside_removes_the_link_only)
{
	struct artifact_store *as = open_store("root");
	upload(as, "data/x.txt", "x");
	CHECK(symlink("data", tpath("root/alias")) == 0);
	CHECK_INT_EQ(artifact_delete(as, "alias", NULL), 0);
	CHECK(!fs_exists(tpath("root/alias")));
	CHECK(fs_exists(tpath("root/data/x.txt")));
	artifact_store_close(as);
}

TEST(unicode_and_space_names_round_trip)
{
	struct artifact_store *as = open_store("root");
	upload(as, "my dir/f ü.txt", "ü");
	struct artifact_file_info *fi;
	size_t n;
	CHECK_INT_EQ(artifact_list(as, "my dir", "my dir", &arena_, &fi, &n, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "my dir/f ü.txt");
	CHECK_INT_EQ(fi[0].file_size, 2);
	artifact_store_close(as);
}

TEST_MAIN(open_creates_root_and_keeps_its_realpath, open_rejects_bad_roots, resolve_normalises,
	  resolve_rejects_traversal_and_unsafe_characters, nul_ends_the_path,
	  symlink_out_of_the_root_is_refused_everywhere, symlink_inside_the_root_is_followed,
	  symlink_loop_is_refused, upload_commit_writes_the_file_and_leaves_nothing_else,
	  upload_abort_leaves_nothing, upload_overwrites_an_existing_file,
	  upload_creates_nested_directories, upload_refuses_directories_root_and_unsafe_paths,
	  list_is_sorted_one_level_with_prefix, list_root, list_many_entries,
	  list_missing_or_file_is_empty, list_hides_symlinks_that_leave_the_root,
	  open_read_regular_file, open_read_missing_or_directory_is_enoent, delete_file_and_tree,
	  delete_missing_is_success, delete_refuses_root_and_unsafe_paths,
	  delete_symlink_inside_removes_the_link_only, unicode_and_space_names_round_trip)
