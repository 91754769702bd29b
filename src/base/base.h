/*
 * base — the building blocks every other module uses.
 *
 * Errors: one convention across cairn. A function that can fail returns 0 (CAIRN_OK) on
 * success or a negative CAIRN_E* code, and fills the caller's `struct cairn_error` with the
 * same code and a message that names the input (file:line:column, field, value). Functions
 * that return pointers return NULL on failure and fill the error the same way. The error
 * argument may be NULL when the caller does not want the message.
 *
 * Memory: `cairn_malloc` and friends wrap the C allocator so that tests can make the Nth
 * allocation fail. Arenas own request- and step-scoped memory: everything allocated from
 * an arena is freed by one `arena_release`. A zero-initialised arena, buf or error is valid
 * and safe to release.
 *
 * Threads: everything here is thread-safe in the sense that distinct objects may be used
 * from distinct threads; a single arena or buf must not be shared without a lock. Logging
 * is safe from any thread.
 */
#ifndef CAIRN_BASE_H
#define CAIRN_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#define CAIRN_VERSION "0.1.0"
/* The MLflow version cairn's REST API follows; /version answers it so clients that gate on
 * the server's version take their 2.x code paths. */
#define CAIRN_MLFLOW_COMPAT_VERSION "2.17.2"

#if defined(__GNUC__)
#define CAIRN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CAIRN_PRINTF(a, b)
#endif

/* ------------------------------------------------------------------ errors */

enum cairn_code {
	CAIRN_OK = 0,
	CAIRN_EINVAL = -1,     /* caller's input is invalid (bad field, bad value, bad syntax) */
	CAIRN_ENOENT = -2,     /* the named thing does not exist */
	CAIRN_EEXIST = -3,     /* the named thing already exists */
	CAIRN_ENOMEM = -4,     /* allocation failed */
	CAIRN_EIO = -5,        /* I/O or environment failure (disk, database, network) */
	CAIRN_ETOOBIG = -6,    /* input exceeds a hard limit */
	CAIRN_ESTATE = -7,     /* operation not allowed in the object's current state */
	CAIRN_EINTERNAL = -8,  /* a bug or an unexpected condition */
	CAIRN_EUNSUPPORTED = -9, /* a valid request this build does not support */
	CAIRN_EBUSY = -10,     /* a concurrent operation holds the resource; retry */
};

struct cairn_error {
	int code;        /* one of enum cairn_code; 0 when no error was recorded */
	char msg[1024];  /* human message naming the input; "" when none */
};

/* A stable short name for a code: "invalid argument", "not found", ... */
const char *cairn_strerror(int code);

/* Record `code` and a formatted message in `err` (if non-NULL). Returns `code`, so callers
 * write `return cairn_error_set(err, CAIRN_EINVAL, "field '%s' ...", name);`. */
int cairn_error_set(struct cairn_error *err, int code, const char *fmt, ...) CAIRN_PRINTF(3, 4);
int cairn_error_vset(struct cairn_error *err, int code, const char *fmt, va_list ap);
/* Prefix the existing message with context: "reading x.csv: <old message>". */
void cairn_error_prefix(struct cairn_error *err, const char *fmt, ...) CAIRN_PRINTF(2, 3);
void cairn_error_clear(struct cairn_error *err);

/* ------------------------------------------------------------------ allocation */

void *cairn_malloc(size_t n);
void *cairn_calloc(size_t count, size_t size);
void *cairn_realloc(void *p, size_t n);
char *cairn_strdup(const char *s);
char *cairn_strndup(const char *s, size_t n);
void cairn_free(void *p);
/* Test hook: make the allocation numbered `n` from now (1 = the next one) and every one
 * after it fail. 0 disables. Counts only cairn_* allocations, process-wide. */
void cairn_alloc_fail_after(long n);

/* ------------------------------------------------------------------ arenas */

struct arena_block;
struct arena {
	struct arena_block *head;
	size_t used;   /* bytes handed out so far */
	size_t limit;  /* 0 = unlimited; else allocations beyond it fail (ENOMEM) */
};

void arena_init(struct arena *a, size_t limit);
/* Returns zeroed memory aligned for any type, or NULL when out of memory or over limit. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) CAIRN_PRINTF(2, 3);
/* Free everything the arena handed out; the arena may be reused afterwards. */
void arena_release(struct arena *a);

/* ------------------------------------------------------------------ buffers */

/* A growable byte buffer with a hard cap. Always NUL-terminated after a successful append
 * (the terminator is not counted in len). `cap` 0 means the default cap (64 MiB). */
struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap;
};

#define BUF_DEFAULT_CAP ((size_t)64 << 20)

void buf_init(struct buf *b, size_t cap);
/* Each append returns 0, CAIRN_ENOMEM, or CAIRN_ETOOBIG when the cap would be exceeded (the
 * buffer is then left unchanged). */
int buf_append(struct buf *b, const void *data, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) CAIRN_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Make room for `extra` more bytes (plus the terminator) in one allocation, so that a
 * writer that knows its size roughly does not grow by doubling. ETOOBIG beyond the cap. */
int buf_reserve(struct buf *b, size_t extra);
void buf_reset(struct buf *b);      /* len = 0, keeps memory */
void buf_release(struct buf *b);    /* frees memory, keeps the cap */
/* Hand the data to the caller (who frees it with cairn_free); the buffer becomes empty. */
char *buf_detach(struct buf *b, size_t *len);

/* ------------------------------------------------------------------ logging */

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3, LOG_OFF = 4 };

/* Reads CAIRN_LOG (debug|info|warn|error|off); defaults to info. Safe to call repeatedly. */
void log_init_from_env(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse a level name; returns -1 for an unknown name. */
int log_parse_level(const char *name);
/* One line to stderr: "2026-11-25T13:40:00.123Z INFO  message". Thread-safe. */
void log_write(enum log_level level, const char *fmt, ...) CAIRN_PRINTF(2, 3);
#define log_debug(...) do { if (log_get_level() <= LOG_DEBUG) log_write(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

/* ------------------------------------------------------------------ time, ids, hashing */

int64_t time_now_ms(void);          /* wall clock, ms since the Unix epoch */
int64_t time_mono_ns(void);         /* monotonic clock for measuring durations */

/* 32 lowercase hex digits from the OS random source (getrandom). out must hold 33 bytes. */
int id_new_hex32(char out[33], struct cairn_error *err);
/* Fill `buf` with `n` random bytes from the OS. */
int id_random_bytes(void *buf, size_t n, struct cairn_error *err);

/* ------------------------------------------------------------------ strings and UTF-8 */

/* 1 if the n bytes are well-formed UTF-8 (no overlongs, no surrogates), else 0. */
int utf8_valid(const char *s, size_t n);
/* Length of the sequence at s (n >= 1 bytes available): 1 for ASCII, 2-4 for a well-formed
 * multi-byte sequence, 0 if ill-formed (overlong, surrogate, above U+10FFFF, truncated). */
size_t utf8_seq_len(const char *s, size_t n);
/* Number of code points in well-formed UTF-8. */
size_t utf8_length(const char *s, size_t n);
/* Byte length of the longest prefix holding at most `max_chars` code points. */
size_t utf8_prefix_bytes(const char *s, size_t n, size_t max_chars);

/* Strict integer parsing: the whole string must be a decimal integer within range. */
int str_to_int64(const char *s, int64_t *out);
/* Strict double parsing; accepts "NaN", "Infinity", "-Infinity", "inf", "nan" too. */
int str_to_double(const char *s, double *out);
int str_has_prefix(const char *s, const char *prefix);
int str_has_suffix(const char *s, const char *suffix);
int str_casecmp_ascii(const char *a, const char *b);

/* Base64 (standard alphabet, padded). Outputs are NUL-terminated, allocated in `a`. */
char *base64_encode(struct arena *a, const void *data, size_t n);
/* Returns NULL if `s` is not valid base64. */
unsigned char *base64_decode(struct arena *a, const char *s, size_t *out_len);

/* Percent-decoding for URL paths and query strings. `plus_is_space` for form encoding.
 * Returns NULL on a malformed escape. The result may contain NUL bytes; *out_len says. */
char *url_decode(struct arena *a, const char *s, size_t n, int plus_is_space, size_t *out_len);

/* ------------------------------------------------------------------ files */

/* Write `n` bytes to `path` atomically: temp file in the same directory, fsync, rename,
 * fsync the directory. On failure nothing at `path` changes. */
int fs_write_atomic(const char *path, const void *data, size_t n, struct cairn_error *err);
/* Read a whole file (capped at `cap` bytes; 0 = 256 MiB) into a NUL-terminated buffer. */
int fs_read_all(const char *path, size_t cap, char **out, size_t *out_len, struct cairn_error *err);
/* mkdir -p with mode 0755. */
int fs_mkdirs(const char *path, struct cairn_error *err);
/* rm -rf; a missing path is success. Does not follow symlinks. */
int fs_remove_tree(const char *path, struct cairn_error *err);
int fs_exists(const char *path);
int fs_is_dir(const char *path);

/* ------------------------------------------------------------------ JSON helpers (jansson) */

/*
 * Field readers for request messages. Each reads `obj[name]`:
 * - absent (or JSON null) → returns 0 and leaves *present = 0 (present may be NULL), unless
 *   `required`, in which case CAIRN_EINVAL "Missing value for required parameter 'name'";
 * - wrong type → CAIRN_EINVAL naming the field and the value.
 * Strings: an empty string counts as absent for `required` (MLflow's rule). The returned
 * pointer is owned by `obj`.
 * Integers accept a JSON integer or a decimal string ("12"), as protobuf JSON does.
 * Doubles accept a number, a numeric string, or "NaN", "Infinity", "-Infinity".
 * Bools accept true/false (and "true"/"false" strings, for query parameters).
 */
int json_get_str(json_t *obj, const char *name, int required, const char **out, struct cairn_error *err);
int json_get_int64(json_t *obj, const char *name, int required, int64_t *out, int *present, struct cairn_error *err);
int json_get_double(json_t *obj, const char *name, int required, double *out, int *present, struct cairn_error *err);
int json_get_bool(json_t *obj, const char *name, int required, int *out, int *present, struct cairn_error *err);
/* An array field; absent gives *out = NULL. A non-array is CAIRN_EINVAL. */
int json_get_array(json_t *obj, const char *name, int required, json_t **out, struct cairn_error *err);
/* Parse a value already extracted (e.g. an array element) the same way. `what` names it. */
int json_value_int64(json_t *v, const char *what, int64_t *out, struct cairn_error *err);
int json_value_double(json_t *v, const char *what, double *out, struct cairn_error *err);

/* A JSON number for finite doubles; the strings "NaN", "Infinity", "-Infinity" otherwise
 * (MLflow's encoding). Returns a new reference, NULL on allocation failure. */
json_t *json_double_value(double v);

/* Route jansson's allocations through cairn's (call once at start-up, before any jansson
 * value exists). Required for json_arena_begin to take effect. */
void json_alloc_install(void);
/* Until json_arena_end(prev), this thread's new jansson values are allocated in `a` and
 * json_decref frees nothing; they must not be used after `a` is released. Returns the
 * previous scope's arena (scopes nest). */
struct arena *json_arena_begin(struct arena *a);
void json_arena_end(struct arena *prev);

/* Serialise compactly into `out` (appends). Returns 0 or a CAIRN_E* code. */
int json_dump_buf(const json_t *v, struct buf *out);

#endif
