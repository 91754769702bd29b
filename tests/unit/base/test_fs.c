/* Files: atomic write, bounded read, mkdir -p, rm -rf. */
#include "base/base.h"
#include "../../harness.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *join(char *out, size_t n, const char *dir, const char *name)
{
	int w = snprintf(out, n, "%s/%s", dir, name);
	CHECK(w > 0 && (size_t)w < n);
	return out;
}

static char *path_in(char *out, size_t n, const char *name)
{
	return join(out, n, test_tmpdir(), name);
}

/* Number of entries in `dir` whose name contains ".tmp.". */
static int count_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

static char *read_file(const char *path, size_t *len)
{
	char *data = NULL;
	struct cairn_error err = {0};
	int rc = fs_read_all(path, 0, &data, len, &err);
	CHECK_MSG(rc == 0, "read %s: %s", path, err.msg);
	return data;
}

TEST(fs_write_atomic_writes_and_overwrites)
{
	char p[4096];
	path_in(p, sizeof p, "out.json");
	struct cairn_error err = {0};
	CHECK_INT_EQ(fs_write_atomic(p, "{\"a\":1}", 7, &err), 0);
	size_t len = 0;
	char *d = read_file(p, &len);
	CHECK_INT_EQ(len, 7);
	CHECK_STR_EQ(d, "{\"a\":1}");
	cairn_free(d);
	struct stat st;
	CHECK(stat(p, &st) == 0);
	mode_t um = umask(0);
	umask(um);
	CHECK_INT_EQ(st.st_mode & 0777, 0644 & ~um);

	CHECK_INT_EQ(fs_write_atomic(p, "xy", 2, &err), 0);
	d = read_file(p, &len);
	CHECK_INT_EQ(len, 2);
	CHECK_STR_EQ(d, "xy");
	cairn_free(d);

	/* Empty and binary contents. */
	CHECK_INT_EQ(fs_write_atomic(p, "", 0, &err), 0);
	d = read_file(p, &len);
	CHECK_INT_EQ(len, 0);
	cairn_free(d);
	CHECK_INT_EQ(fs_write_atomic(p, "a\0b", 3, &err), 0);
	d = read_file(p, &len);
	CHECK_INT_EQ(len, 3);
	CHECK(memcmp(d, "a\0b", 3) == 0);
	cairn_free(d);
	CHECK_INT_EQ(count_temp_files(test_tmpdir()), 0);
}

TEST(fs_write_atomic_large)
{
	char p[4096];
	path_in(p, sizeof p, "big.bin");
	size_t n = (size_t)3 << 20;
	char *data = cairn_malloc(n);
	CHECK(data != NULL);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)(i * 31);
	CHECK_INT_EQ(fs_write_atomic(p, data, n, NULL), 0);
	size_t len = 0;
	char *back = read_file(p, &len);
	CHECK_INT_EQ(len, n);
	CHECK(memcmp(back, data, n) == 0);
	cairn_free(back);
	cairn_free(data);
}

TEST(fs_write_atomic_relative_path)
{
	CHECK(chdir(test_tmpdir()) == 0);
	CHECK_INT_EQ(fs_write_atomic("rel.txt", "r", 1, NULL), 0);
	CHECK(fs_exists("rel.txt"));
	CHECK_INT_EQ(count_temp_files("."), 0);
}

TEST(fs_write_atomic_missing_dir_fails)
{
	char p[4096];
	path_in(p, sizeof p, "no/such/dir/file.txt");
	struct cairn_error err = {0};
	int rc = fs_write_atomic(p, "x", 1, &err);
	CHECK_INT_EQ(rc, CAIRN_EIO);
	CHECK_INT_EQ(err.code, CAIRN_EIO);
	CHECK_STR_CONTAINS(err.msg, p);
	CHECK_STR_CONTAINS(err.msg, "No such file or directory");
	CHECK(!fs_exists(p));
	CHECK_INT_EQ(count_temp_files(test_tmpdir()), 0);
}

TEST(fs_write_atomic_unwritable_dir_fails)
{
	char dir[4096], p[4096];
	struct cairn_error err = {0};
	if (geteuid() != 0) {
		path_in(dir, sizeof dir, "ro");
		CHECK_INT_EQ(fs_mkdirs(dir, NULL), 0);
		CHECK(chmod(dir, 0555) == 0);
		join(p, sizeof p, dir, "file.txt");
		CHECK_INT_EQ(fs_write_atomic(p, "x", 1, &err), CAIRN_EIO);
		CHECK_STR_CONTAINS(err.msg, "Permission denied");
		CHECK(chmod(dir, 0755) == 0);
	} else {
		/* root ignores permission bits; a regular file as the "directory" fails for anyone. */
		path_in(dir, sizeof dir, "plainfile");
		CHECK_INT_EQ(fs_write_atomic(dir, "x", 1, NULL), 0);
		join(p, sizeof p, dir, "file.txt");
		CHECK_INT_EQ(fs_write_atomic(p, "x", 1, &err), CAIRN_EIO);
		CHECK_STR_CONTAINS(err.msg, "Not a directory");
	}
	CHECK_STR_CONTAINS(err.msg, p);
	CHECK(!fs_exists(p));
	CHECK_INT_EQ(count_temp_files(test_tmpdir()), 0);
}

TEST(fs_write_atomic_rename_failure_removes_temp)
{
	/* The target is a non-empty directory: the temp file is written, the rename fails, and
	 * the temp file must be cleaned up while the directory stays. */
	char p[4096], inner[4096];
	path_in(p, sizeof p, "target");
	join(inner, sizeof inner, p, "keep");
	CHECK_INT_EQ(fs_mkdirs(p, NULL), 0);
	CHECK_INT_EQ(fs_write_atomic(inner, "k", 1, NULL), 0);
	struct cairn_error err = {0};
	CHECK_INT_EQ(fs_write_atomic(p, "data", 4, &err), CAIRN_EIO);
	CHECK_STR_CONTAINS(err.msg, p);
	CHECK_STR_CONTAINS(err.msg, "rename");
	CHECK(fs_is_dir(p));
	CHECK(fs_exists(inner));
	CHECK_INT_EQ(count_temp_files(test_tmpdir()), 0);
}

TEST(fs_read_all_cap)
{
	char p[4096];
	path_in(p, sizeof p, "ten.txt");
	CHECK_INT_EQ(fs_write_atomic(p, "0123456789", 10, NULL), 0);
	char *d = NULL;
	size_t len = 0;
	struct cairn_error err = {0};
	CHECK_INT_EQ(fs_read_all(p, 10, &d, &len, &err), 0);
	CHECK_STR_EQ(d, "0123456789");
	CHECK_INT_EQ(len, 10);
	cairn_free(d);
	d = (char *)1;
	CHECK_INT_EQ(fs_read_all(p, 9, &d, &len, &err), CAIRN_ETOOBIG);
	CHECK(d == NULL);
	CHECK_INT_EQ(err.code, CAIRN_ETOOBIG);
	CHECK_STR_CONTAINS(err.msg, p);
	CHECK_INT_EQ(fs_read_all(p, 1, &d, &len, &err), CAIRN_ETOOBIG);
	/* Large file through the grow path, cap just above and just below. */
	size_t n = 100000;
	char *big = cairn_malloc(n);
	CHECK(big != NULL);
	memset(big, 'b', n);
	CHECK_INT_EQ(fs_write_atomic(p, big, n, NULL), 0);
	CHECK_INT_EQ(fs_read_all(p, n, &d, &len, &err), 0);
	CHECK_INT_EQ(len, n);
	CHECK(d[n] == '\0');
	cairn_free(d);
	CHECK_INT_EQ(fs_read_all(p, n - 1, &d, &len, &err), CAIRN_ETOOBIG);
	cairn_free(big);
}

TEST(fs_read_all_non_regular)
{
	char *d = NULL;
	size_t len = 5;
	struct cairn_error err = {0};
	char p[4096];
	path_in(p, sizeof p, "missing.txt");
	CHECK_INT_EQ(fs_read_all(p, 0, &d, &len, &err), CAIRN_ENOENT);
	CHECK_STR_CONTAINS(err.msg, p);
	CHECK(d == NULL);
	CHECK_INT_EQ(fs_read_all(test_tmpdir(), 0, &d, &len, &err), CAIRN_EIO);
	CHECK_STR_CONTAINS(err.msg, "directory");
	/* A file that reports size 0 but has content. */
	CHECK_INT_EQ(fs_read_all("/proc/self/status", 0, &d, &len, &err), 0);
	CHECK(len > 0);
	CHECK_STR_CONTAINS(d, "Name:");
	cairn_free(d);
	/* An empty file. */
	path_in(p, sizeof p, "empty");
	CHECK_INT_EQ(fs_write_atomic(p, "", 0, NULL), 0);
	CHECK_INT_EQ(fs_read_all(p, 0, &d, &len, &err), 0);
	CHECK_INT_EQ(len, 0);
	CHECK_STR_EQ(d, "");
	cairn_free(d);
}

TEST(fs_mkdirs_nested)
{
	char p[4096];
	path_in(p, sizeof p, "a/b//c/d/");
	struct cairn_error err = {0};
	CHECK_INT_EQ(fs_mkdirs(p, &err), 0);
	CHECK(fs_is_dir(p));
	CHECK_INT_EQ(fs_mkdirs(p, &err), 0);   /* existing is fine */
	path_in(p, sizeof p, "a/b/c/d/e");
	CHECK_INT_EQ(fs_mkdirs(p, &err), 0);
	CHECK(fs_is_dir(p));
	CHECK_INT_EQ(fs_mkdirs("/", &err), 0);
	CHECK_INT_EQ(fs_mkdirs("", &err), CAIRN_EINVAL);

	char f[4096];
	path_in(f, sizeof f, "a/file");
	CHECK_INT_EQ(fs_write_atomic(f, "x", 1, NULL), 0);
	CHECK(fs_exists(f));
	CHECK(!fs_is_dir(f));
	CHECK(fs_mkdirs(f, &err) < 0);
	CHECK_STR_CONTAINS(err.msg, f);
	path_in(p, sizeof p, "a/file/sub");
	CHECK(fs_mkdirs(p, &err) < 0);
	CHECK_STR_CONTAINS(err.msg, p);
}

TEST(fs_remove_tree_no_follow)
{
	char root[4096], outside[4096], p[4096];
	path_in(root, sizeof root, "tree");
	path_in(outside, sizeof outside, "outside");
	CHECK_INT_EQ(fs_mkdirs(outside, NULL), 0);
	join(p, sizeof p, outside, "precious");
	CHECK_INT_EQ(fs_write_atomic(p, "keep", 4, NULL), 0);
	join(p, sizeof p, root, "x/y/z");
	CHECK_INT_EQ(fs_mkdirs(p, NULL), 0);
	join(p, sizeof p, root, "x/y/file");
	CHECK_INT_EQ(fs_write_atomic(p, "f", 1, NULL), 0);
	join(p, sizeof p, root, "x/link");
	CHECK(symlink(outside, p) == 0);

	struct cairn_error err = {0};
	CHECK_INT_EQ(fs_remove_tree(root, &err), 0);
	CHECK(!fs_exists(root));
	join(p, sizeof p, outside, "precious");
	CHECK(fs_exists(p));
	/* Missing is success; a single file is removed too. */
	CHECK_INT_EQ(fs_remove_tree(root, &err), 0);
	CHECK_INT_EQ(fs_remove_tree(p, &err), 0);
	CHECK(!fs_exists(p));
	CHECK(fs_is_dir(outside));
	/* A symlink at the top is removed, not its target. */
	CHECK_INT_EQ(fs_write_atomic(p, "keep", 4, NULL), 0);
	path_in(root, sizeof root, "toplink");
	CHECK(symlink(outside, root) == 0);
	CHECK_INT_EQ(fs_remove_tree(root, &err), 0);
	CHECK(!fs_exists(root));
	CHECK(fs_exists(p));
}

TEST_MAIN(fs_write_atomic_writes_and_overwrites, fs_write_atomic_large, fs_write_atomic_relative_path,
	  fs_write_atomic_missing_dir_fails, fs_write_atomic_unwritable_dir_fails,
	  fs_write_atomic_rename_failure_removes_temp, fs_read_all_cap, fs_read_all_non_regular,
	  fs_mkdirs_nested, fs_remove_tree_no_follow)
