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

/* ------------------------------------------------------------------ paged list */

/* A file of `size` bytes, without the fsyncs of an upload (these tests make thousands). */
static void touch(const char *abs, size_t size)
{
	int fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK_MSG(fd >= 0, "creating %s", abs);
	for (size_t i = 0; i < size; i++)
		CHECK(write(fd, "x", 1) == 1);
	close(fd);
}

/* root/d holds f0000 .. f<n-1> (file i is i % 7 bytes) and every 10th name is a directory. */
static struct artifact_store *store_with_entries(int n)
{
	struct artifact_store *as = open_store("root");
	CHECK(mkdir(tpath("root/d"), 0755) == 0);
	for (int i = n - 1; i >= 0; i--) {
		const char *p = tpath(arena_printf(&arena_, "root/d/f%04d", i));
		if (i % 10 == 3)
			CHECK(mkdir(p, 0755) == 0);
		else
			touch(p, (size_t)(i % 7));
	}
	return as;
}

/* Follow next_offset from 0 with `limit`; return the concatenation, and check each page. */
static struct artifact_file_info *all_pages(struct artifact_store *as, const char *rel,
					    const char *prefix, size_t limit, size_t *total,
					    int *pages)
{
	size_t cap = 4096, got = 0;
	struct artifact_file_info *acc = arena_alloc(&arena_, cap * sizeof *acc);
	CHECK(acc != NULL);
	int64_t off = 0;
	*pages = 0;
	for (;;) {
		struct artifact_file_info *fi = NULL;
		size_t n = 99;
		int64_t next = 12345;
		struct cairn_error err = { 0 };
		CHECK_MSG(artifact_list_page(as, rel, prefix, off, limit, 0, &arena_, &fi, &n, &next,
					     &err) == 0, "offset %lld: %s", (long long)off, err.msg);
		(*pages)++;
		CHECK(n <= limit);
		CHECK(got + n <= cap);
		if (next >= 0) {
			/* Not the last page: it is full and the next one starts further on. */
			CHECK_INT_EQ(n, limit);
			CHECK(next > off);
		} else {
			CHECK_INT_EQ(next, -1);
		}
		for (size_t i = 0; i < n; i++)
			acc[got++] = fi[i];
		if (next < 0)
			break;
		off = next;
	}
	*total = got;
	return acc;
}

TEST(list_page_pages_concatenate_to_the_full_listing)
{
	struct artifact_store *as = store_with_entries(257);
	struct artifact_file_info *full;
	size_t nfull;
	CHECK_INT_EQ(artifact_list(as, "d", "", &arena_, &full, &nfull, NULL), 0);
	CHECK_INT_EQ(nfull, 257);
	static const size_t limits[] = { 1, 2, 7, 100, 256, 257, 258, 1000, SIZE_MAX };
	for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
		size_t total;
		int pages;
		struct artifact_file_info *acc = all_pages(as, "d", "", limits[k], &total, &pages);
		CHECK_INT_EQ(total, 257);
		size_t lim = limits[k];
		CHECK_INT_EQ(pages, (int)((257 + (lim > 257 ? 257 : lim) - 1) / (lim > 257 ? 257 : lim)));
		for (size_t i = 0; i < total; i++) {
			CHECK_STR_EQ(acc[i].path, full[i].path);
			CHECK_STR_EQ(acc[i].path, arena_printf(&arena_, "f%04zu", i));
			CHECK_INT_EQ(acc[i].is_dir, full[i].is_dir);
			CHECK_INT_EQ(acc[i].is_dir, i % 10 == 3);
			CHECK_INT_EQ(acc[i].file_size, i % 10 == 3 ? -1 : (long long)(i % 7));
		}
	}
	artifact_store_close(as);
}

TEST(list_page_limit_one_and_the_exact_next_rule)
{
	struct artifact_store *as = store_with_entries(3);
	struct artifact_file_info *fi;
	size_t n;
	int64_t next;
	CHECK_INT_EQ(artifact_list_page(as, "d", "p", 0, 1, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "p/f0000");
	CHECK_INT_EQ(next, 1);
	CHECK_INT_EQ(artifact_list_page(as, "d", "p", 1, 1, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "p/f0001");
	CHECK_INT_EQ(next, 2);
	CHECK_INT_EQ(artifact_list_page(as, "d", "p", 2, 1, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "p/f0002");
	CHECK_INT_EQ(next, -1);
	/* A page that takes exactly what is left has no next page. */
	CHECK_INT_EQ(artifact_list_page(as, "d", NULL, 0, 3, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 3);
	CHECK_STR_EQ(fi[2].path, "f0002");
	CHECK_INT_EQ(next, -1);
	CHECK_INT_EQ(artifact_list_page(as, "d", NULL, 1, 2, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(fi[0].path, "f0001");
	CHECK_INT_EQ(next, -1);
	artifact_store_close(as);
}

TEST(list_page_offsets_past_the_end_and_bad_arguments)
{
	struct artifact_store *as = store_with_entries(5);
	static const int64_t offs[] = { 5, 6, 1000, INT64_MAX };
	for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
		struct artifact_file_info *fi = (void *)1;
		size_t n = 9;
		int64_t next = 9;
		CHECK_INT_EQ(artifact_list_page(as, "d", "", offs[k], 10, 0, &arena_, &fi, &n, &next,
						NULL), 0);
		CHECK_INT_EQ(n, 0);
		CHECK(fi == NULL);
		CHECK_INT_EQ(next, -1);
	}
	struct artifact_file_info *fi;
	size_t n;
	int64_t next;
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 4, 10, 0, &arena_, &fi, &n, &next, &err), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "f0004");
	CHECK_INT_EQ(artifact_list_page(as, "d", "", -1, 10, 0, &arena_, &fi, &n, &next, &err),
		     CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "-1");
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 0, 0, &arena_, &fi, &n, &next, &err),
		     CAIRN_EINVAL);
	CHECK_INT_EQ(artifact_list_page(as, "../d", "", 0, 10, 0, &arena_, &fi, &n, &next, &err),
		     CAIRN_EINVAL);
	CHECK_STR_EQ(err.msg, "Invalid path");
	/* Missing directories and files list as empty, whatever the offset. */
	n = 9;
	CHECK_INT_EQ(artifact_list_page(as, "nope", "", 3, 10, 0, &arena_, &fi, &n, &next, &err), 0);
	CHECK_INT_EQ(n, 0);
	CHECK_INT_EQ(next, -1);
	CHECK_INT_EQ(artifact_list_page(as, "d/f0000", "", 0, 10, 0, &arena_, &fi, &n, &next, &err), 0);
	CHECK_INT_EQ(n, 0);
	artifact_store_close(as);
}

TEST(list_page_hidden_entries_never_make_an_empty_last_page)
{
	struct artifact_store *as = open_store("root");
	put_file(tpath("outside.txt"), "secret");
	upload(as, "d/a.txt", "a");
	upload(as, "d/c.txt", "cc");
	CHECK(symlink(tpath("outside.txt"), tpath("root/d/b_evil")) == 0);
	CHECK(symlink("missing", tpath("root/d/z1_dangling")) == 0);
	CHECK(mkfifo(tpath("root/d/z2_fifo"), 0644) == 0);
	CHECK(symlink("a.txt", tpath("root/d/z3_good")) == 0);
	struct artifact_file_info *fi;
	size_t n;
	int64_t next;
	/* Names: a.txt b_evil c.txt z1_dangling z2_fifo z3_good; visible: a.txt c.txt z3_good. */
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 1, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "a.txt");
	CHECK_INT_EQ(next, 2);  /* b_evil is skipped, not shown */
	CHECK_INT_EQ(artifact_list_page(as, "d", "", next, 1, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "c.txt");
	CHECK_INT_EQ(next, 5);
	CHECK_INT_EQ(artifact_list_page(as, "d", "", next, 1, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "z3_good");
	CHECK_INT_EQ(fi[0].file_size, 1);
	CHECK_INT_EQ(next, -1);
	/* Hidden entries at the end: the page before them is the last one. */
	CHECK(unlink(tpath("root/d/z3_good")) == 0);
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 1, 1, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(fi[0].path, "c.txt");
	CHECK_INT_EQ(next, -1);
	/* An offset inside the hidden tail gives an empty, final page. */
	n = 9;
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 3, 5, 0, &arena_, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 0);
	CHECK_INT_EQ(next, -1);
	artifact_store_close(as);
}

TEST(list_page_name_cap_is_enforced_and_named)
{
	struct artifact_store *as = store_with_entries(6);
	struct artifact_file_info *fi = (void *)1;
	size_t n = 9;
	int64_t next = 9;
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 100, 6, &arena_, &fi, &n, &next, &err), 0);
	CHECK_INT_EQ(n, 6);
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 100, 5, &arena_, &fi, &n, &next, &err),
		     CAIRN_ETOOBIG);
	CHECK_STR_CONTAINS(err.msg, "directory 'd' has more than 5 entries");
	CHECK(fi == NULL);
	CHECK_INT_EQ(n, 0);
	/* The cap applies whatever page is asked for. */
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 4, 1, 5, &arena_, &fi, &n, &next, &err),
		     CAIRN_ETOOBIG);
	/* Hidden entries count: they are names the server had to read and sort. */
	CHECK(symlink("/", tpath("root/d/zz_out")) == 0);
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 100, 6, &arena_, &fi, &n, &next, &err),
		     CAIRN_ETOOBIG);
	CHECK_STR_CONTAINS(err.msg, "more than 6 entries");
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 100, 7, &arena_, &fi, &n, &next, &err), 0);
	CHECK_INT_EQ(n, 6);
	/* The root is named '.'; 0 means the default (hard) cap. */
	for (int i = 0; i < 3; i++)
		touch(tpath(arena_printf(&arena_, "root/r%d", i)), 1);
	CHECK_INT_EQ(artifact_list_page(as, "", "", 0, 100, 3, &arena_, &fi, &n, &next, &err),
		     CAIRN_ETOOBIG);
	CHECK_STR_CONTAINS(err.msg, "directory '.' has more than 3 entries");
	CHECK_INT_EQ(artifact_list_page(as, "./", "", 0, 100, 0, &arena_, &fi, &n, &next, &err), 0);
	CHECK_INT_EQ(n, 4);
	CHECK_INT_EQ(artifact_list_page(as, "", "", 0, 100, SIZE_MAX, &arena_, &fi, &n, &next, &err), 0);
	CHECK_INT_EQ(n, 4);
	artifact_store_close(as);
}

TEST(list_page_arena_holds_only_the_page)
{
	struct artifact_store *as = store_with_entries(3000);
	struct arena a;
	arena_init(&a, 0);
	struct artifact_file_info *fi;
	size_t n;
	int64_t next;
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 2000, 10, 0, &a, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 10);
	CHECK_STR_EQ(fi[0].path, "f2000");
	CHECK_INT_EQ(next, 2010);
	size_t page_used = a.used;
	arena_release(&a);
	arena_init(&a, 0);
	CHECK_INT_EQ(artifact_list(as, "d", "", &a, &fi, &n, NULL), 0);
	CHECK_INT_EQ(n, 3000);
	size_t full_used = a.used;
	arena_release(&a);
	CHECK_MSG(page_used < 2048, "a page of 10 used %zu arena bytes", page_used);
	CHECK_MSG(full_used > 3000 * sizeof(struct artifact_file_info), "full list used %zu", full_used);
	/* A small arena limit is enough for a page of a big directory. */
	arena_init(&a, 4096);
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 20, 0, &a, &fi, &n, &next, NULL), 0);
	CHECK_INT_EQ(n, 20);
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_list_page(as, "d", "", 0, 3000, 0, &a, &fi, &n, &next, &err), CAIRN_ENOMEM);
	arena_release(&a);
	artifact_store_close(as);
}

TEST(list_page_allocation_failures_are_reported)
{
	struct artifact_store *as = store_with_entries(300);
	int saw_enomem = 0;
	for (long k = 1; k < 200; k++) {
		struct arena a;
		arena_init(&a, 0);
		struct artifact_file_info *fi;
		size_t n = 0;
		int64_t next = 0;
		struct cairn_error err = { 0 };
		cairn_alloc_fail_after(k);
		int rc = artifact_list_page(as, "d", "p", 100, 50, 0, &a, &fi, &n, &next, &err);
		cairn_alloc_fail_after(0);
		if (rc == 0) {
			CHECK_INT_EQ(n, 50);
			CHECK_STR_EQ(fi[0].path, "p/f0100");
			CHECK_INT_EQ(next, 150);
			arena_release(&a);
			break;
		}
		CHECK_MSG(rc == CAIRN_ENOMEM, "k=%ld rc=%d %s", k, rc, err.msg);
		CHECK_STR_CONTAINS(err.msg, "out of memory");
		saw_enomem = 1;
		arena_release(&a);
	}
	CHECK(saw_enomem);
	artifact_store_close(as);
}

TEST(list_page_tokens_round_trip_and_reject_garbage)
{
	int64_t off = -1;
	CHECK_INT_EQ(artifact_page_token_decode(NULL, &off, NULL), 0);
	CHECK_INT_EQ(off, 0);
	CHECK_INT_EQ(artifact_page_token_decode("", &off, NULL), 0);
	CHECK_INT_EQ(off, 0);
	const char *t = artifact_page_token_encode(&arena_, 1000);
	CHECK_STR_EQ(t, "eyJvZmZzZXQiOiAxMDAwfQ==");  /* base64 of {"offset": 1000}, as MLflow */
	CHECK_INT_EQ(artifact_page_token_decode(t, &off, NULL), 0);
	CHECK_INT_EQ(off, 1000);
	struct cairn_error err = { 0 };
	CHECK_INT_EQ(artifact_page_token_decode("garbage!", &off, &err), CAIRN_EINVAL);
	CHECK_STR_CONTAINS(err.msg, "garbage!");
	/* {"offset": -5} */
	CHECK_INT_EQ(artifact_page_token_decode("eyJvZmZzZXQiOiAtNX0=", &off, &err), CAIRN_EINVAL);
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
	  delete_symlink_inside_removes_the_link_only, unicode_and_space_names_round_trip,
	  list_page_pages_concatenate_to_the_full_listing, list_page_limit_one_and_the_exact_next_rule,
	  list_page_offsets_past_the_end_and_bad_arguments,
	  list_page_hidden_entries_never_make_an_empty_last_page,
	  list_page_name_cap_is_enforced_and_named, list_page_arena_holds_only_the_page,
	  list_page_allocation_failures_are_reported, list_page_tokens_round_trip_and_reject_garbage)
