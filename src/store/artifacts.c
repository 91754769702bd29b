/*
 * artifacts — the local artifact store behind the mlflow-artifacts proxy (spec §6).
 *
 * Every path from a client goes through one gate, resolve_path(): the textual rules of
 * MLflow's validate_path_is_safe (no '#', no backslash, not absolute, no ".." segment),
 * then a check on the file system that the deepest existing ancestor of the target, with
 * symlinks resolved, is still inside the root. A symlink planted in the tree can therefore
 * not lead a read, write, list or delete outside it. (The check and the operation are not
 * atomic; the tree is owned by the server, so a race needs write access to it already.)
 */
#include "store/store.h"
#include "store/filter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct artifact_store {
	char *root;        /* realpath of the root, no trailing slash (except "/") */
	size_t root_len;
};

struct artifact_upload {
	int fd;
	char *tmp;         /* "<target>.upload.<random>" in the target's directory */
	char *target;
	char *rel;         /* for messages */
};

static int invalid_path(struct cairn_error *err)
{
	return cairn_error_set(err, CAIRN_EINVAL, "Invalid path");
}

struct artifact_store *artifact_store_open(const char *root, struct cairn_error *err)
{
	if (!root || !*root) {
		cairn_error_set(err, CAIRN_EINVAL, "artifact store: empty root directory");
		return NULL;
	}
	if (fs_mkdirs(root, err) != 0)
		return NULL;
	char *real = realpath(root, NULL);
	if (!real) {
		cairn_error_set(err, CAIRN_EIO, "artifact store root '%s': %s", root, strerror(errno));
		return NULL;
	}
	struct artifact_store *as = cairn_calloc(1, sizeof *as);
	char *copy = cairn_strdup(real);
	free(real);  /* realpath's buffer comes from the C library's malloc */
	if (!as || !copy) {
		cairn_free(as);
		cairn_free(copy);
		cairn_error_set(err, CAIRN_ENOMEM, "artifact store root '%s': out of memory", root);
		return NULL;
	}
	if (!fs_is_dir(copy)) {
		cairn_error_set(err, CAIRN_EIO, "artifact store root '%s' is not a directory", root);
		cairn_free(as);
		cairn_free(copy);
		return NULL;
	}
	as->root = copy;
	as->root_len = strlen(copy);
	return as;
}

void artifact_store_close(struct artifact_store *as)
{
	if (!as)
		return;
	cairn_free(as->root);
	cairn_free(as);
}

const char *artifact_store_root(const struct artifact_store *as)
{
	return as->root;
}

/* ------------------------------------------------------------------ path safety */

/*
 * Check the textual rules and normalise ("a//b" → "a/b", "./a" → "a", trailing '/' gone).
 * The result is in the arena; "" means the root.
 */
static int normalise(const char *rel, struct arena *a, const char **out, struct cairn_error *err)
{
	size_t n = strlen(rel);
	if (strchr(rel, '#') || strchr(rel, '\\'))
		return invalid_path(err);
	if (rel[0] == '/')
		return invalid_path(err);
	/* Windows drive-absolute ("C:/x"): MLflow rejects it everywhere (PureWindowsPath). */
	if (n >= 3 && ((rel[0] >= 'A' && rel[0] <= 'Z') || (rel[0] >= 'a' && rel[0] <= 'z')) &&
	    rel[1] == ':' && rel[2] == '/')
		return invalid_path(err);
	char *res = arena_alloc(a, n + 1);
	if (!res)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory resolving path");
	size_t len = 0;
	const char *p = rel;
	while (*p) {
		const char *seg = p;
		while (*p && *p != '/')
			p++;
		size_t sl = (size_t)(p - seg);
		if (*p == '/')
			p++;
		if (sl == 0 || (sl == 1 && seg[0] == '.'))
			continue;
		if (sl == 2 && seg[0] == '.' && seg[1] == '.')
			return invalid_path(err);
		if (len)
			res[len++] = '/';
		memcpy(res + len, seg, sl);
		len += sl;
	}
	res[len] = 0;
	*out = res;
	return 0;
}

static int under_root(const struct artifact_store *as, const char *real)
{
	if (as->root_len == 1)  /* root is "/" */
		return real[0] == '/';
	return strncmp(real, as->root, as->root_len) == 0 &&
	       (real[as->root_len] == 0 || real[as->root_len] == '/');
}

/* The deepest existing ancestor of `abs` (root + "/" + normalised path), symlinks
 * resolved, must be the root or below it. `abs` is modified and restored. */
static int check_contained(const struct artifact_store *as, char *abs, struct cairn_error *err)
{
	size_t len = strlen(abs);
	int rc = 0;
	for (;;) {
		char *real = realpath(abs, NULL);
		if (real) {
			if (!under_root(as, real))
				rc = invalid_path(err);
			free(real);
			break;
		}
		int e = errno;
		if (e == ELOOP) {
			rc = invalid_path(err);
			break;
		}
		if (e != ENOENT && e != ENOTDIR) {
			rc = cairn_error_set(err, CAIRN_EIO, "resolving artifact path: %s", strerror(e));
			break;
		}
		char *slash = strrchr(abs, '/');
		if (!slash || (size_t)(slash - abs) < as->root_len) {
			rc = cairn_error_set(err, CAIRN_EIO, "artifact root '%s' is missing", as->root);
			break;
		}
		*slash = 0;
	}
	/* Undo the cuts: every NUL inside the original length was a '/'. */
	for (size_t i = 0; i < len; i++)
		if (abs[i] == 0)
			abs[i] = '/';
	return rc;
}

static int resolve_path(struct artifact_store *as, const char *rel, struct arena *a,
			char **out_abs, const char **out_norm, struct cairn_error *err)
{
	const char *norm = NULL;
	int rc = normalise(rel ? rel : "", a, &norm, err);
	if (rc)
		return rc;
	char *abs = *norm ? arena_printf(a, "%s%s%s", as->root, as->root_len == 1 ? "" : "/", norm)
			  : arena_strdup(a, as->root);
	if (!abs)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory resolving path");
	if ((rc = check_contained(as, abs, err)))
		return rc;
	*out_abs = abs;
	if (out_norm)
		*out_norm = norm;
	return 0;
}

int artifact_resolve(struct artifact_store *as, const char *rel, struct arena *a,
		     const char **out_abs, struct cairn_error *err)
{
	char *abs;
	int rc = resolve_path(as, rel, a, &abs, NULL, err);
	if (rc)
		return rc;
	*out_abs = abs;
	return 0;
}

/* ------------------------------------------------------------------ list */

/*
 * The names of one directory level, on the heap: a caller's page is a slice of the sorted
 * names, so all of them must be read, but only the slice is stat'ed and copied into the
 * request's arena.
 */
struct name_list {
	struct buf text;        /* the names, each NUL-terminated */
	union name_ref {
		size_t off;     /* into text while reading (text moves as it grows) */
		const char *p;  /* after reading, for sorting */
	} *refs;
	size_t n, cap;
};

static void name_list_release(struct name_list *nl)
{
	buf_release(&nl->text);
	cairn_free(nl->refs);
}

static int cmp_name(const void *x, const void *y)
{
	const union name_ref *a = x, *b = y;
	return strcmp(a->p, b->p);
}

/* Read every name but "." and ".." of `d`, then sort. `shown` names the directory. */
static int read_names(DIR *d, const char *shown, size_t max_names, struct name_list *nl,
		      struct cairn_error *err)
{
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				return cairn_error_set(err, CAIRN_EIO, "listing artifacts '%s': %s", shown,
						       strerror(errno));
			break;
		}
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (nl->n == max_names)
			return cairn_error_set(err, CAIRN_ETOOBIG, "directory '%s' has more than %zu "
					       "entries, the most cairn lists", shown, max_names);
		if (nl->n == nl->cap) {
			size_t cap = nl->cap ? 2 * nl->cap : 64;
			union name_ref *bigger = cairn_realloc(nl->refs, cap * sizeof *bigger);
			if (!bigger)
				return cairn_error_set(err, CAIRN_ENOMEM, "out of memory listing artifacts");
			nl->refs = bigger;
			nl->cap = cap;
		}
		nl->refs[nl->n].off = nl->text.len;
		int rc = buf_append(&nl->text, name, strlen(name) + 1);
		if (rc == CAIRN_ENOMEM)
			return cairn_error_set(err, rc, "out of memory listing artifacts");
		if (rc)
			return cairn_error_set(err, rc, "listing artifacts '%s': names too long", shown);
		nl->n++;
	}
	for (size_t i = 0; i < nl->n; i++)
		nl->refs[i].p = nl->text.data + nl->refs[i].off;
	if (nl->n > 1)  /* refs is NULL for an empty directory, and qsort wants a pointer */
		qsort(nl->refs, nl->n, sizeof *nl->refs, cmp_name);
	return 0;
}

/* Fill `fi` (path not set) for `name` in the directory `d` (absolute path `abs`). Returns 1
 * when the entry is listed, 0 when it is hidden or vanished. */
static int classify(struct artifact_store *as, DIR *d, const char *abs, const char *name,
		    struct artifact_file_info *fi)
{
	struct stat lst, st;
	if (fstatat(dirfd(d), name, &lst, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;  /* vanished meanwhile */
	if (S_ISLNK(lst.st_mode)) {
		/* Show a symlink only if it stays inside the root, so that a listing never
		 * reveals what lies outside. */
		char child[PATH_MAX];
		int len = snprintf(child, sizeof child, "%s/%s", abs, name);
		if (len < 0 || (size_t)len >= sizeof child)
			return 0;
		char *real = realpath(child, NULL);
		int inside = real && under_root(as, real);
		free(real);
		if (!inside || stat(child, &st) != 0)
			return 0;
	} else {
		st = lst;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0;
	fi->is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
	fi->file_size = fi->is_dir ? -1 : (int64_t)st.st_size;
	return 1;
}

int artifact_list_page(struct artifact_store *as, const char *rel, const char *prefix,
		       int64_t offset, size_t limit, size_t max_names, struct arena *a,
		       struct artifact_file_info **out, size_t *n, int64_t *next_offset,
		       struct cairn_error *err)
{
	*out = NULL;
	*n = 0;
	*next_offset = -1;
	if (offset < 0)
		return cairn_error_set(err, CAIRN_EINVAL, "listing artifacts: negative offset %lld",
				       (long long)offset);
	if (limit == 0)
		return cairn_error_set(err, CAIRN_EINVAL, "listing artifacts: page size 0");
	if (max_names == 0 || max_names > STORE_ARTIFACT_DIR_MAX_NAMES)
		max_names = STORE_ARTIFACT_DIR_MAX_NAMES;
	char *abs;
	const char *norm = NULL;
	int rc = resolve_path(as, rel, a, &abs, &norm, err);
	if (rc)
		return rc;
	const char *shown = *norm ? norm : ".";
	DIR *d = opendir(abs);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;  /* MLflow answers {} for a missing path or a file */
		return cairn_error_set(err, CAIRN_EIO, "listing artifacts '%s': %s", shown,
				       strerror(errno));
	}
	struct name_list nl = { .refs = NULL };
	/* Each name is at most NAME_MAX bytes, so the cap on names bounds the text too. */
	buf_init(&nl.text, max_names * (NAME_MAX + 1) + 1);
	if ((rc = read_names(d, shown, max_names, &nl, err)))
		goto out;
	if ((uint64_t)offset >= nl.n)
		goto out;
	size_t start = (size_t)offset;
	size_t room = nl.n - start < limit ? nl.n - start : limit;
	struct artifact_file_info *items = arena_alloc(a, room * sizeof *items);
	if (!items) {
		rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory listing artifacts");
		goto out;
	}
	int has_prefix = prefix && *prefix;
	size_t cnt = 0, i;
	for (i = start; i < nl.n; i++) {
		struct artifact_file_info fi;
		if (!classify(as, d, abs, nl.refs[i].p, &fi))
			continue;
		if (cnt == limit)
			break;  /* one more visible entry: the next page starts here */
		fi.path = has_prefix ? arena_printf(a, "%s/%s", prefix, nl.refs[i].p)
				     : arena_strdup(a, nl.refs[i].p);
		if (!fi.path) {
			rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory listing artifacts");
			goto out;
		}
		items[cnt++] = fi;
	}
	*out = cnt ? items : NULL;
	*n = cnt;
	*next_offset = i < nl.n ? (int64_t)i : -1;
out:
	name_list_release(&nl);
	closedir(d);
	return rc;
}

int artifact_list(struct artifact_store *as, const char *rel, const char *prefix, struct arena *a,
		  struct artifact_file_info **out, size_t *n, struct cairn_error *err)
{
	int64_t next;
	return artifact_list_page(as, rel, prefix, 0, SIZE_MAX, 0, a, out, n, &next, err);
}

int artifact_page_token_decode(const char *token, int64_t *offset, struct cairn_error *err)
{
	return filter_page_token_decode(token, offset, err);
}

const char *artifact_page_token_encode(struct arena *a, int64_t offset)
{
	return filter_page_token_encode(a, offset);
}

/* ------------------------------------------------------------------ upload */

static void upload_free(struct artifact_upload *u)
{
	cairn_free(u->tmp);
	cairn_free(u->target);
	cairn_free(u->rel);
	cairn_free(u);
}

struct artifact_upload *artifact_upload_begin(struct artifact_store *as, const char *rel,
					      struct cairn_error *err)
{
	struct arena a;
	arena_init(&a, 0);
	struct artifact_upload *u = NULL;
	char *abs;
	const char *norm = NULL;
	if (resolve_path(as, rel, &a, &abs, &norm, err) != 0)
		goto fail;
	if (!*norm) {
		cairn_error_set(err, CAIRN_EINVAL, "Invalid path: cannot upload to the artifact root");
		goto fail;
	}
	struct stat st;
	if (stat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
		cairn_error_set(err, CAIRN_EINVAL, "Cannot upload to '%s': it is a directory", norm);
		goto fail;
	}
	char *slash = strrchr(abs, '/');
	if (slash && (size_t)(slash - abs) > as->root_len) {
		*slash = 0;
		int rc = fs_mkdirs(abs, err);
		*slash = '/';
		if (rc) {
			cairn_error_prefix(err, "uploading artifact '%s'", norm);
			goto fail;
		}
	}
	unsigned char rnd[6];
	if (id_random_bytes(rnd, sizeof rnd, err) != 0)
		goto fail;
	char hex[2 * sizeof rnd + 1];
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	u = cairn_calloc(1, sizeof *u);
	if (!u) {
		cairn_error_set(err, CAIRN_ENOMEM, "out of memory uploading artifact");
		goto fail;
	}
	u->fd = -1;
	char *tmp = arena_printf(&a, "%s.upload.%s", abs, hex);
	u->tmp = tmp ? cairn_strdup(tmp) : NULL;
	u->target = cairn_strdup(abs);
	u->rel = cairn_strdup(norm);
	if (!u->tmp || !u->target || !u->rel) {
		cairn_error_set(err, CAIRN_ENOMEM, "out of memory uploading artifact");
		goto fail;
	}
	u->fd = open(u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (u->fd < 0) {
		cairn_error_set(err, errno == ENOENT || errno == ENOTDIR ? CAIRN_EINVAL : CAIRN_EIO,
				"uploading artifact '%s': %s", norm, strerror(errno));
		goto fail;
	}
	arena_release(&a);
	return u;
fail:
	if (u)
		upload_free(u);
	arena_release(&a);
	return NULL;
}

int artifact_upload_write(struct artifact_upload *u, const void *data, size_t n,
			  struct cairn_error *err)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(u->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_set(err, CAIRN_EIO, "writing artifact '%s': %s", u->rel,
					       strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Make the rename durable; a failure here loses nothing that was promised, so ignore it. */
static void fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return;
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	char dir[PATH_MAX];
	if (len >= sizeof dir)
		return;
	memcpy(dir, path, len);
	dir[len] = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int artifact_upload_commit(struct artifact_upload *u, struct cairn_error *err)
{
	int rc = 0;
	if (fsync(u->fd) != 0) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing artifact '%s': fsync: %s", u->rel,
				     strerror(errno));
		close(u->fd);
		goto fail;
	}
	if (close(u->fd) != 0) {
		rc = cairn_error_set(err, CAIRN_EIO, "writing artifact '%s': close: %s", u->rel,
				     strerror(errno));
		goto fail;
	}
	if (rename(u->tmp, u->target) != 0) {
		int e = errno;
		rc = cairn_error_set(err, e == EISDIR || e == ENOTEMPTY || e == EEXIST ? CAIRN_EINVAL
				     : CAIRN_EIO, "storing artifact '%s': %s", u->rel, strerror(e));
		goto fail;
	}
	fsync_parent(u->target);
	upload_free(u);
	return 0;
fail:
	unlink(u->tmp);
	upload_free(u);
	return rc;
}

void artifact_upload_abort(struct artifact_upload *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	unlink(u->tmp);
	upload_free(u);
}

/* ------------------------------------------------------------------ read, delete */

int artifact_open_read(struct artifact_store *as, const char *rel, int *fd, int64_t *size,
		       struct cairn_error *err)
{
	struct arena a;
	arena_init(&a, 0);
	*fd = -1;
	char *abs;
	int rc = resolve_path(as, rel, &a, &abs, NULL, err);
	if (rc)
		goto out;
	int f = open(abs, O_RDONLY | O_CLOEXEC);
	if (f < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			rc = cairn_error_set(err, CAIRN_ENOENT, "Artifact '%s' not found", rel ? rel : "");
		else
			rc = cairn_error_set(err, CAIRN_EIO, "opening artifact '%s': %s", rel ? rel : "",
					     strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(f);
		rc = cairn_error_set(err, CAIRN_ENOENT, "Artifact '%s' not found", rel ? rel : "");
		goto out;
	}
	*fd = f;
	if (size)
		*size = (int64_t)st.st_size;
out:
	arena_release(&a);
	return rc;
}

int artifact_delete(struct artifact_store *as, const char *rel, struct cairn_error *err)
{
	struct arena a;
	arena_init(&a, 0);
	char *abs;
	const char *norm = NULL;
	int rc = resolve_path(as, rel, &a, &abs, &norm, err);
	if (rc)
		goto out;
	if (!*norm) {
		rc = cairn_error_set(err, CAIRN_EINVAL, "Invalid path: refusing to delete the artifact root");
		goto out;
	}
	struct stat st;
	if (lstat(abs, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			rc = cairn_error_set(err, CAIRN_EIO, "deleting artifact '%s': %s", norm,
					     strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		if ((rc = fs_remove_tree(abs, err)))
			cairn_error_prefix(err, "deleting artifact '%s'", norm);
	} else if (unlink(abs) != 0 && errno != ENOENT) {
		rc = cairn_error_set(err, CAIRN_EIO, "deleting artifact '%s': %s", norm, strerror(errno));
	}
out:
	arena_release(&a);
	return rc;
}
