/*
 * Pure helpers of the artifact endpoints: MLflow's content-type guess and attachment
 * header (spec §6.2), path decoding and the path-safety rule (spec §6.3), and the mapping
 * from a run's artifact_uri to the artifact store (spec §3.4 artifacts/list).
 */
#include "api/api_internal.h"

#include <stdlib.h>
#include <string.h>

/* MLflow's mime_type_utils: these extensions (and the bare names MLmodel, MLproject)
 * are served as text/plain so that the UI can show them; compared case-sensitively. */
static const char *const text_extensions[] = {
	"txt", "log", "err", "cfg", "conf", "cnf", "cf", "ini", "properties", "prop", "hocon",
	"toml", "yaml", "yml", "xml", "json", "js", "py", "py3", "csv", "tsv", "md", "rst",
	"MLmodel", "MLproject", NULL,
};

/* A small slice of Python's mimetypes table: the types artifacts realistically have.
 * Python tries the extension as written, then lower-cased; so do we (case-insensitive). */
static const struct { const char *ext; const char *type; } mime_table[] = {
	{ "html", "text/html" }, { "htm", "text/html" }, { "css", "text/css" },
	{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
	{ "jpe", "image/jpeg" }, { "gif", "image/gif" }, { "svg", "image/svg+xml" },
	{ "bmp", "image/bmp" }, { "ico", "image/vnd.microsoft.icon" }, { "tif", "image/tiff" },
	{ "tiff", "image/tiff" }, { "webp", "image/webp" }, { "pdf", "application/pdf" },
	{ "zip", "application/zip" }, { "tar", "application/x-tar" },
	{ "wasm", "application/wasm" }, { "mp4", "video/mp4" }, { "mpeg", "video/mpeg" },
	{ "webm", "video/webm" }, { "mp3", "audio/mpeg" }, { "wav", "audio/x-wav" },
	{ "h5", "application/x-hdf5" }, { "hdf5", "application/x-hdf5" },
	{ "sh", "application/x-sh" }, { "c", "text/plain" }, { "h", "text/plain" },
	{ "bat", "text/plain" }, { "ksh", "text/plain" }, { "pl", "text/plain" },
	{ "text", "text/plain" }, { "xsl", "application/xml" }, { "rdf", "application/xml" },
	{ "wsdl", "application/xml" }, { "mjs", "text/javascript" },
	{ "eml", "message/rfc822" }, { "mht", "message/rfc822" },
	/* reached only in other letter cases ("DATA.CSV"): the text list is case-sensitive */
	{ "txt", "text/plain" }, { "json", "application/json" }, { "csv", "text/csv" },
	{ "xml", "text/xml" }, { "js", "text/javascript" }, { "py", "text/x-python" },
	{ "md", "text/markdown" }, { "tsv", "text/tab-separated-values" },
	{ NULL, NULL },
};

static const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* os.path.splitext semantics: leading dots do not start an extension. Returns the part
 * after the final dot, or "" when there is none. */
static const char *name_extension(const char *name)
{
	const char *s = name;
	while (*s == '.')
		s++;
	const char *dot = strrchr(s, '.');
	return dot ? dot + 1 : "";
}

const char *api_guess_content_type(const char *path)
{
	const char *name = path_basename(path ? path : "");
	const char *ext = name_extension(name);
	const char *key = *ext ? ext : name;
	for (size_t i = 0; text_extensions[i]; i++)
		if (strcmp(key, text_extensions[i]) == 0)
			return "text/plain";
	if (*ext) {
		/* "x.tar.gz" is application/x-tar with gzip encoding in Python; "x.gz" alone has
		 * no type. Other compressions likewise. */
		if (str_casecmp_ascii(ext, "gz") == 0 || str_casecmp_ascii(ext, "bz2") == 0 ||
		    str_casecmp_ascii(ext, "xz") == 0 || str_casecmp_ascii(ext, "br") == 0) {
			size_t base_len = (size_t)(ext - 1 - name);
			if (base_len >= 4) {
				char tmp[5];
				memcpy(tmp, name + base_len - 4, 4);
				tmp[4] = '\0';
				if (str_casecmp_ascii(tmp, ".tar") == 0)
					return "application/x-tar";
			}
			return "application/octet-stream";
		}
		for (size_t i = 0; mime_table[i].ext; i++)
			if (str_casecmp_ascii(ext, mime_table[i].ext) == 0)
				return mime_table[i].type;
	}
	return "application/octet-stream";
}

static int is_token_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL;
}

const char *api_content_disposition(struct arena *a, const char *path)
{
	const char *name = path_basename(path ? path : "");
	size_t n = strlen(name);
	int token = n > 0, printable = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!is_token_char(c))
			token = 0;
		if (c < 0x20 || c > 0x7e)
			printable = 0;
	}
	if (token)
		return arena_printf(a, "attachment; filename=%s", name);
	struct buf b;
	buf_init(&b, 0);
	int rc = buf_append_str(&b, "attachment; filename=\"");
	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '"' || c == '\\')
			rc = buf_append_char(&b, '\\');
		if (rc == 0)
			rc = buf_append_char(&b, (c < 0x20 || c > 0x7e) ? '_' : (char)c);
	}
	if (rc == 0)
		rc = buf_append_char(&b, '"');
	if (rc == 0 && !printable) {
		/* RFC 6266 / 5987: the exact name for clients that understand filename*. */
		rc = buf_append_str(&b, "; filename*=UTF-8''");
		for (size_t i = 0; i < n && rc == 0; i++) {
			unsigned char c = (unsigned char)name[i];
			if (is_token_char(c) && c != '%')
				rc = buf_append_char(&b, (char)c);
			else
				rc = buf_printf(&b, "%%%02X", c);
		}
	}
	const char *out = rc == 0 ? arena_strdup(a, b.data ? b.data : "") : NULL;
	buf_release(&b);
	return out;
}

int api_decode_path(struct arena *a, const char *raw, const char **out, struct cairn_error *err)
{
	*out = NULL;
	if (!raw)
		raw = "";
	if (!strchr(raw, '%')) {
		*out = raw;
		return 0;
	}
	size_t len = 0;
	const char *dec = url_decode(a, raw, strlen(raw), 0, &len);
	if (!dec || memchr(dec, '\0', len))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid path");
	*out = dec;
	return 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Python's unquote in place: malformed escapes stay as they are. Returns 1 if changed,
 * -1 if an escape decodes to NUL (which would hide the rest of the string). */
static int unquote_in_place(char *s)
{
	char *r = s, *w = s;
	int changed = 0;
	while (*r) {
		if (r[0] == '%' && hexval((unsigned char)r[1]) >= 0 && hexval((unsigned char)r[2]) >= 0) {
			char c = (char)(hexval((unsigned char)r[1]) << 4 | hexval((unsigned char)r[2]));
			if (c == '\0')
				return -1;
			*w++ = c;
			r += 3;
			changed = 1;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return changed;
}

static int rel_path_unsafe(const char *p)
{
	if (strchr(p, '#') || strchr(p, '\\'))
		return 1;
	if (p[0] == '/')
		return 1;
	/* Windows absolute form "C:/..." */
	if (((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')) && p[1] == ':' &&
	    (p[2] == '/' || p[2] == '\0'))
		return 1;
	for (const char *seg = p;;) {
		size_t len = strcspn(seg, "/");
		if (len == 2 && seg[0] == '.' && seg[1] == '.')
			return 1;
		if (seg[len] == '\0')
			break;
		seg += len + 1;
	}
	return 0;
}

int api_check_rel_path(const char *path, struct cairn_error *err)
{
	if (!path)
		return 0;
	if (rel_path_unsafe(path))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid path");
	if (!strchr(path, '%'))
		return 0;
	/* MLflow decodes up to 10 times before checking, so "%252e%252e" is refused too:
	 * whatever later layer decodes the name once more must not see a traversal. */
	char *tmp = cairn_strdup(path);
	if (!tmp)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	int rc = 0;
	for (int i = 0; i < 10; i++) {
		int changed = unquote_in_place(tmp);
		if (changed == 0)
			break;
		if (changed < 0 || rel_path_unsafe(tmp)) {
			rc = cairn_error_set(err, CAIRN_EINVAL, "Invalid path");
			break;
		}
	}
	cairn_free(tmp);
	return rc;
}

/* Does `uri` begin with a URI scheme ("s3:", "gs:", "http:")? One letter followed by ':'
 * is a Windows drive, not a scheme. */
static int has_scheme(const char *uri)
{
	size_t i = 0;
	if (!((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z')))
		return 0;
	while (uri[i] && (((uri[i] | 0x20) >= 'a' && (uri[i] | 0x20) <= 'z') ||
			  (uri[i] >= '0' && uri[i] <= '9') || uri[i] == '+' || uri[i] == '-' ||
			  uri[i] == '.'))
		i++;
	return uri[i] == ':' && i > 1;
}

int api_artifact_uri_to_rel(const char *uri, const char *root, struct arena *a,
			    const char **out, struct cairn_error *err)
{
	*out = NULL;
	if (!uri || !root)
		return 0;
	static const char mla[] = "mlflow-artifacts:";
	if (strncmp(uri, mla, sizeof mla - 1) == 0) {
		const char *rest = uri + sizeof mla - 1;
		if (rest[0] == '/' && rest[1] == '/') {
			/* mlflow-artifacts://host:port/path: the authority names a server; the path
			 * is still relative to the destination root. */
			const char *slash = strchr(rest + 2, '/');
			rest = slash ? slash : "";
		}
		while (*rest == '/')
			rest++;
		size_t len = strlen(rest);
		while (len > 0 && rest[len - 1] == '/')
			len--;
		char *rel = arena_strndup(a, rest, len);
		if (!rel)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
		if (rel_path_unsafe(rel))
			return 0;
		*out = rel;
		return 0;
	}
	const char *local;
	if (strncmp(uri, "file://", 7) == 0) {
		local = uri + 7;
		if (strncmp(local, "localhost/", 10) == 0)
			local += 9;
		if (local[0] != '/')
			return 0;   /* file://otherhost/... is not ours */
	} else if (strncmp(uri, "file:", 5) == 0) {
		local = uri + 5;
	} else if (has_scheme(uri)) {
		return 0;
	} else {
		local = uri;
	}
	if (!*local)
		return 0;
	char *real_root = realpath(root, NULL);
	char *real_dir = real_root ? realpath(local, NULL) : NULL;
	int rc = 0;
	if (real_root && real_dir) {
		size_t rl = strlen(real_root);
		/* realpath("/") is "/": every absolute path is under it. */
		if (rl == 1 && real_root[0] == '/')
			rl = 0;
		if (strncmp(real_dir, real_root, rl) == 0 && (real_dir[rl] == '/' || real_dir[rl] == '\0')) {
			const char *rest = real_dir + rl;
			while (*rest == '/')
				rest++;
			char *rel = arena_strdup(a, rest);
			if (!rel)
				rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
			else
				*out = rel;
		}
	}
	free(real_root);  /* realpath allocates with malloc */
	free(real_dir);
	return rc;
}
