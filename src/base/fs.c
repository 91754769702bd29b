/* Files: atomic replace, bounded reads, mkdir -p, rm -rf. */
/* nftw and FTW_PHYS are X/Open extensions. */
#define _XOPEN_SOURCE 700
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define FS_DEFAULT_READ_CAP ((size_t)256 << 20)

/* The directory holding `path`, for fsync after rename: "." for a bare name. */
static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return cairn_strdup(".");
	if (slash == path)
		return cairn_strdup("/");
	return cairn_strndup(path, (size_t)(slash - path));
}

static int write_full(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t n, struct cairn_error *err)
{
	int rc = 0;
	int fd = -1;
	char *tmp = NULL;
	char *dir = NULL;
	int created = 0;
	unsigned int rnd = 0;

	if (id_random_bytes(&rnd, sizeof rnd, err) != 0) {
		cairn_error_prefix(err, "writing %s", path);
		return CAIRN_EIO;
	}
	size_t tlen = strlen(path) + 64;
	tmp = cairn_malloc(tlen);
	if (!tmp) {
		rc = cairn_error_set(err, CAIRN_ENOMEM, "writing %s: out of memory", path);
		goto out;
	}
	snprintf(tmp, tlen, "%s.tmp.%ld.%08x", path, (long)getpid(), rnd);
	/* Allocate everything before the rename, so nothing after it can fail for memory. */
	dir = parent_dir(path);
	if (!dir) {
		rc = cairn_error_set(err, CAIRN_ENOMEM, "writing %s: out of memory", path);
		goto out;
	}

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing %s: creating %s: %s", path, tmp, strerror(errno));
		goto out;
	}
	created = 1;
	if (write_full(fd, data, n) != 0) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing %s: %s", path, strerror(errno));
		goto out;
	}
	if (fsync(fd) != 0) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing %s: fsync: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = cairn_error_set(err, CAIRN_EIO, "writing %s: close: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing %s: rename: %s", path, strerror(errno));
		goto out;
	}
	created = 0;
	/* The rename is durable only once the directory entry is. If that fsync fails the new
	 * content is already visible but may not survive a crash: report it as an error. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing %s: opening directory %s: %s", path, dir, strerror(errno));
		goto out;
	}
	if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing %s: fsync directory %s: %s", path, dir, strerror(errno));
	}
	close(dfd);
out:
	if (fd >= 0)
		close(fd);
	if (rc && created)
		unlink(tmp);
	cairn_free(tmp);
	cairn_free(dir);
	return rc;
}

int fs_read_all(const char *path, size_t cap, char **out, size_t *out_len, struct cairn_error *err)
{
	int rc = 0;
	char *data = NULL;
	size_t len = 0, alloc = 0;
	if (!cap)
		cap = FS_DEFAULT_READ_CAP;
	*out = NULL;
	if (out_len)
		*out_len = 0;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return cairn_error_set(err, e == ENOENT ? CAIRN_ENOENT : CAIRN_EIO,
				       "reading %s: %s", path, strerror(e));
	}
	if (cap > SIZE_MAX - 2)
		cap = SIZE_MAX - 2;
	struct stat st;
	int have_st = fstat(fd, &st) == 0;
	if (have_st && S_ISDIR(st.st_mode)) {
		rc = cairn_error_set(err, CAIRN_EIO, "reading %s: is a directory", path);
		goto out;
	}
	/* Start from the size when it is known; keep reading regardless, since files may grow
	 * and /proc files report 0. */
	alloc = 4096;
	if (have_st && S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size < cap)
		alloc = (size_t)st.st_size + 2;
	data = cairn_malloc(alloc);
	if (!data) {
		rc = cairn_error_set(err, CAIRN_ENOMEM, "reading %s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len + 1 >= alloc) {
			/* Reading one byte past the cap tells "exactly cap" from "too big". */
			size_t want = alloc > (cap + 1) / 2 ? cap + 2 : alloc * 2;
			if (want <= alloc)
				want = alloc + 1;
			char *p = cairn_realloc(data, want);
			if (!p) {
				rc = cairn_error_set(err, CAIRN_ENOMEM, "reading %s: out of memory", path);
				goto out;
			}
			data = p;
			alloc = want;
		}
		ssize_t r = read(fd, data + len, alloc - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = cairn_error_set(err, CAIRN_EIO, "reading %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > cap) {
			rc = cairn_error_set(err, CAIRN_ETOOBIG, "reading %s: larger than the limit of %zu bytes",
					     path, cap);
			goto out;
		}
	}
	data[len] = '\0';
	*out = data;
	data = NULL;
	if (out_len)
		*out_len = len;
out:
	close(fd);
	cairn_free(data);
	return rc;
}

int fs_mkdirs(const char *path, struct cairn_error *err)
{
	size_t n = strlen(path);
	if (n == 0)
		return cairn_error_set(err, CAIRN_EINVAL, "mkdir: empty path");
	char *p = cairn_strdup(path);
	if (!p)
		return cairn_error_set(err, CAIRN_ENOMEM, "mkdir %s: out of memory", path);
	int rc = 0;
	/* Create each prefix in turn; EEXIST is fine as long as it is a directory. */
	for (size_t i = 1; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (i < n && p[i - 1] == '/')
			continue;  /* "a//b" */
		char saved = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) != 0) {
			int e = errno;
			struct stat st;
			if (e == EEXIST || e == EISDIR) {
				if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
					rc = cairn_error_set(err, CAIRN_EEXIST, "mkdir %s: %s exists and is not a directory",
							     path, p);
					goto out;
				}
			} else if (!(stat(p, &st) == 0 && S_ISDIR(st.st_mode))) {
				rc = cairn_error_set(err, e == ENOENT || e == ENOTDIR ? CAIRN_ENOENT : CAIRN_EIO,
						     "mkdir %s: %s: %s", path, p, strerror(e));
				goto out;
			}
		}
		p[i] = saved;
	}
out:
	cairn_free(p);
	return rc;
}

static int remove_entry(const char *fpath, const struct stat *sb, int typeflag, struct FTW *ftwbuf)
{
	(void)sb;
	(void)ftwbuf;
	int is_dir = typeflag == FTW_DP || typeflag == FTW_D || typeflag == FTW_DNR;
	int r = is_dir ? rmdir(fpath) : unlink(fpath);
	if (r != 0 && errno != ENOENT)
		return errno;
	return 0;
}

int fs_remove_tree(const char *path, struct cairn_error *err)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return cairn_error_set(err, CAIRN_EIO, "removing %s: %s", path, strerror(errno));
	}
	errno = 0;
	int r = nftw(path, remove_entry, 32, FTW_PHYS | FTW_DEPTH);
	if (r != 0) {
		int e = r > 0 ? r : errno;
		return cairn_error_set(err, CAIRN_EIO, "removing %s: %s", path, strerror(e ? e : EIO));
	}
	return 0;
}

int fs_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
