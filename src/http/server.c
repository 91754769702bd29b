/*
 * The HTTP server on libmicrohttpd (0.9.75): daemon set-up, per-request state, routing,
 * buffered and streamed bodies, responses, access log.
 *
 * What the request fields hold (verified by tests/unit/http/test_server.c):
 * - req->path is the path exactly as the client sent it, NOT percent-decoded ("%2F" and
 *   "%20" stay as they are). MHD decodes the `url` it hands the access handler in place,
 *   so the raw request target is taken from MHD_OPTION_URI_LOG_CALLBACK, which MHD calls
 *   with the undecoded target before it parses it.
 * - req->query is the raw query string as sent (from the same callback), "" when none.
 * - req->params is parsed from that raw query by this file, not by MHD: split on '&',
 *   then the first '='; '+' becomes a space and "%XX" is decoded. A malformed escape ("%zz",
 *   a trailing "%4") is kept literally, the way MHD's own unescaper treats it, so the handler
 *   always sees a value. Repeated keys are kept in order; empty segments ("a&&b") are skipped;
 *   a key without '=' has the value "".
 * - req->suffix (prefix routes) is the raw rest of the path after the prefix.
 * - HEAD is routed like GET (MHD sends the headers only).
 * - not_found is called with res->status preset to 404 (no route has the path) or 405 (a
 *   route has the path, none the method); it may change it.
 * - A streamed route's body is not limited here (body_limit is ignored): its upload
 *   callbacks see every byte and decide. A failed upload whose end() leaves the status 0
 *   is answered 500.
 * - The request state is created in the URI callback rather than on the first access
 *   handler call, because that is the only place the raw target is visible.
 *
 * Memory per request: one arena whose first block also holds the request state, so a small
 * request costs one allocation on our side; a buffered body with a Content-Length is read
 * into the arena, a chunked one into a capped struct buf. The response body is handed to
 * MHD without a copy (MHD frees it with cairn_free).
 *
 * Threads: MHD's internal thread pool with epoll; each connection lives on one worker
 * thread, so per-request state needs no locking and the request path takes no global lock.
 * SIGPIPE: MHD 0.9.75 suppresses it itself in the threads it starts (MSG_NOSIGNAL on send,
 * SIGPIPE blocked around sendfile), so the process-wide disposition is left to the program.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define HTTP_DEFAULT_BODY_LIMIT ((size_t)4 << 20)
#define HTTP_DEFAULT_THREADS 4
#define HTTP_DEFAULT_TIMEOUT_S 30
/* Request-scoped allocations beyond the body. */
#define HTTP_ARENA_LIMIT ((size_t)64 << 20)
/* MHD's per-connection pool holds the request line and headers (and read/write buffers):
 * this is also the effective cap on header size (MHD answers 431 beyond it). */
#define HTTP_CONNECTION_MEMORY ((size_t)64 << 10)
/* After a body went over its limit (or a streamed upload failed) we keep reading so that
 * the client sees our answer; beyond this many discarded bytes we close the connection
 * instead of reading a client's multi-GB upload to /dev/null. */
#define HTTP_DRAIN_MAX ((uint64_t)64 << 20)

struct http_server {
	struct MHD_Daemon *daemon;
	const struct http_route *routes;
	size_t nroutes;
	size_t default_body_limit;
	int access_log;
	http_handler_fn not_found;
	int port;
	/* Shared, immutable, used when a request's state cannot be allocated. */
	struct MHD_Response *oom_response;
};

enum body_mode { BODY_NONE = 0, BODY_ARENA, BODY_BUF, BODY_DRAIN, BODY_STREAM };

struct req_state {
	struct arena arena;      /* owns this struct too: copy it out before releasing */
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct http_request req;
	struct http_response res;
	const struct http_route *route;
	int reject_status;       /* 404 / 405 when no route took the request */
	int started;             /* the access handler has seen this request */
	int queued;              /* a response has been queued */
	int too_big;
	int oom;
	enum body_mode mode;
	size_t limit;
	/* BODY_ARENA: a buffer of the announced Content-Length; BODY_BUF: chunked. */
	char *abody;
	size_t abody_len, abody_cap;
	struct buf body;
	uint64_t drained;
	/* Streamed uploads. */
	void *upload_state;
	int upload_begun, upload_ended, upload_failed;
	/* Access log. */
	int64_t start_ns;
	int status_sent;
	uint64_t bytes_sent;
};

/* ------------------------------------------------------------------ query parsing */

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Lenient form decoding: '+' → ' ', valid %XX decoded, anything malformed kept as is. */
static char *form_decode(struct arena *a, const char *s, size_t n, size_t *out_len)
{
	char *out = arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			out[o++] = ' ';
		} else if (c == '%' && n - i >= 3 && hex_digit((unsigned char)s[i + 1]) >= 0 &&
			   hex_digit((unsigned char)s[i + 2]) >= 0) {
			out[o++] = (char)(hex_digit((unsigned char)s[i + 1]) << 4 |
					  hex_digit((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static int parse_query(struct req_state *st)
{
	const char *q = st->req.query;
	size_t n = strlen(q);
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (q[i] == '&')
			count++;
	count++;
	struct http_kv *kv = arena_alloc(&st->arena, count * sizeof *kv);
	if (!kv)
		return CAIRN_ENOMEM;
	size_t k = 0;
	const char *p = q, *end = q + n;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		if (seg_end > p) {
			const char *eq = memchr(p, '=', (size_t)(seg_end - p));
			const char *key_end = eq ? eq : seg_end;
			size_t klen, vlen = 0;
			char *key = form_decode(&st->arena, p, (size_t)(key_end - p), &klen);
			char *val = eq ? form_decode(&st->arena, eq + 1, (size_t)(seg_end - eq - 1), &vlen)
				       : arena_strdup(&st->arena, "");
			if (!key || !val)
				return CAIRN_ENOMEM;
			kv[k].key = key;
			kv[k].value = val;
			kv[k].value_len = vlen;
			k++;
		}
		p = seg_end + 1;
	}
	st->req.params = kv;
	st->req.nparams = k;
	return 0;
}

/* ------------------------------------------------------------------ routing */

static int method_matches(const char *route_method, const char *method)
{
	if (strcmp(route_method, "*") == 0 || strcmp(route_method, method) == 0)
		return 1;
	/* HEAD is GET without the body (MHD drops the body), as every web framework does. */
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

static int path_matches(const struct http_route *r, const char *path)
{
	if (r->match == HTTP_MATCH_PREFIX)
		return strncmp(path, r->path, strlen(r->path)) == 0;
	return strcmp(path, r->path) == 0;
}

static void route_request(struct req_state *st)
{
	const struct http_server *srv = st->srv;
	int path_seen = 0;
	for (size_t i = 0; i < srv->nroutes; i++) {
		const struct http_route *r = &srv->routes[i];
		if (!path_matches(r, st->req.path))
			continue;
		if (!method_matches(r->method, st->req.method)) {
			path_seen = 1;
			continue;
		}
		st->route = r;
		st->req.route_data = r->data;
		st->req.suffix = r->match == HTTP_MATCH_PREFIX ? st->req.path + strlen(r->path) : "";
		return;
	}
	st->reject_status = path_seen ? 405 : 404;
}

/* ------------------------------------------------------------------ request state */

static const char *remote_addr_string(struct arena *a, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char text[INET6_ADDRSTRLEN] = "-";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				  text, sizeof text);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				  text, sizeof text);
	}
	return arena_strdup(a, text);
}

/* MHD_OPTION_URI_LOG_CALLBACK: called once per request with the undecoded request target,
 * before MHD parses it. The state created here becomes *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *srv = cls;
	struct arena a;
	arena_init(&a, HTTP_ARENA_LIMIT);
	struct req_state *st = arena_alloc(&a, sizeof *st);
	if (!st) {
		arena_release(&a);
		return NULL;
	}
	st->arena = a;
	st->srv = srv;
	st->conn = conn;
	st->start_ns = time_mono_ns();
	st->res.fd = -1;
	buf_init(&st->body, 0);
	st->req.arena = &st->arena;
	st->req.impl = conn;
	st->req.body = "";
	st->req.suffix = "";

	const char *qmark = strchr(uri, '?');
	size_t plen = qmark ? (size_t)(qmark - uri) : strlen(uri);
	char *path = arena_strndup(&st->arena, uri, plen);
	char *query = arena_strdup(&st->arena, qmark ? qmark + 1 : "");
	const char *remote = remote_addr_string(&st->arena, conn);
	if (!path || !query || !remote)
		goto fail;
	st->req.path = path;
	st->req.query = query;
	st->req.remote_addr = remote;
	if (parse_query(st) != 0)
		goto fail;
	return st;
fail:
	a = st->arena;
	arena_release(&a);
	return NULL;
}

static void state_free(struct req_state *st)
{
	buf_release(&st->body);
	buf_release(&st->res.body);
	if (st->res.fd >= 0)
		close(st->res.fd);
	struct arena a = st->arena;
	arena_release(&a);
}

/* ------------------------------------------------------------------ responses */

static void json_error_body(struct http_response *res, int status, const char *code,
			    const char *message)
{
	res->status = status;
	res->content_type = "application/json";
	buf_reset(&res->body);
	json_t *o = json_pack("{s:s, s:s}", "error_code", code, "message", message);
	if (!o || json_dump_buf(o, &res->body) != 0) {
		buf_reset(&res->body);
		buf_append_str(&res->body, "{\"error_code\":\"INTERNAL_ERROR\"}");
	}
	json_decref(o);
}

static enum MHD_Result queue_static(struct req_state *st, struct MHD_Response *r, int status)
{
	enum MHD_Result ok = MHD_queue_response(st->conn, (unsigned int)status, r);
	if (ok == MHD_YES) {
		st->queued = 1;
		st->status_sent = status;
	}
	return ok;
}

/* Turn st->res into an MHD response and queue it. */
static enum MHD_Result send_response(struct req_state *st)
{
	struct http_response *res = &st->res;
	struct MHD_Response *r = NULL;
	int status = res->status ? res->status : 200;
	uint64_t bytes = 0;

	if (res->fd >= 0) {
		uint64_t size;
		if (res->fd_size >= 0) {
			size = (uint64_t)res->fd_size;
		} else {
			struct stat sb;
			if (fstat(res->fd, &sb) != 0) {
				log_warn("http: %s %s: fstat on the response fd: %s", st->req.method,
					 st->req.path, strerror(errno));
				return queue_static(st, st->srv->oom_response, 500);
			}
			size = (uint64_t)sb.st_size;
		}
		r = MHD_create_response_from_fd64(size, res->fd);
		if (r) {
			res->fd = -1;   /* MHD closes it with the response */
			bytes = size;
		}
	} else if (res->body.len > 0) {
		size_t len = 0;
		char *data = buf_detach(&res->body, &len);
		if (data) {
			r = MHD_create_response_from_buffer_with_free_callback(len, data, cairn_free);
			if (!r)
				cairn_free(data);
			bytes = len;
		}
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return queue_static(st, st->srv->oom_response, 500);

	const char *ct = res->content_type ? res->content_type : "application/json";
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ct) != MHD_YES)
		log_warn("http: %s %s: rejected Content-Type '%s'", st->req.method, st->req.path, ct);
	for (size_t i = 0; i < res->nheaders && i < sizeof res->headers / sizeof res->headers[0]; i++) {
		const struct http_header *h = &res->headers[i];
		if (!h->name || !h->value ||
		    MHD_add_response_header(r, h->name, h->value) != MHD_YES)
			log_warn("http: %s %s: rejected response header '%s'", st->req.method,
				 st->req.path, h->name ? h->name : "(null)");
	}
	enum MHD_Result ok = MHD_queue_response(st->conn, (unsigned int)status, r);
	MHD_destroy_response(r);
	if (ok == MHD_YES) {
		st->queued = 1;
		st->status_sent = status;
		st->bytes_sent = bytes;
	}
	return ok;
}

static enum MHD_Result send_too_big(struct req_state *st)
{
	char msg[128];
	snprintf(msg, sizeof msg, "Request body exceeds the limit of %zu bytes", st->limit);
	json_error_body(&st->res, 413, "INVALID_PARAMETER_VALUE", msg);
	return send_response(st);
}

static enum MHD_Result send_reject(struct req_state *st)
{
	struct http_response *res = &st->res;
	res->status = st->reject_status;
	if (st->srv->not_found) {
		int rc = st->srv->not_found(&st->req, res);
		if (rc != 0)
			log_debug("http: not-found handler for %s %s returned %d", st->req.method,
				  st->req.path, rc);
		return send_response(st);
	}
	char msg[512];
	if (st->reject_status == 405)
		snprintf(msg, sizeof msg, "Method %.32s is not allowed for %.400s", st->req.method,
			 st->req.path);
	else
		snprintf(msg, sizeof msg, "No endpoint for %.32s %.400s", st->req.method, st->req.path);
	json_error_body(res, st->reject_status, "ENDPOINT_NOT_FOUND", msg);
	return send_response(st);
}

/* ------------------------------------------------------------------ access handler */

static int content_length(struct MHD_Connection *conn, uint64_t *out)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!v || MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					      MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return 0;
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || end == v || *end != '\0' || v[0] == '-')
		return 0;
	*out = n;
	return 1;
}

/* The first call: headers are in, no body yet. Decide where the body goes, or answer at
 * once (no memory, Content-Length over the limit, upload refused): MHD then discards the
 * body and closes the connection after the response. */
static void begin_request(struct req_state *st, const char *method, enum MHD_Result *result)
{
	*result = MHD_YES;
	st->req.method = arena_strdup(&st->arena, method);
	if (!st->req.method) {
		*result = queue_static(st, st->srv->oom_response, 500);
		return;
	}
	route_request(st);
	if (!st->route) {
		st->mode = BODY_DRAIN;
		return;
	}
	if (st->route->flags & HTTP_ROUTE_STREAM) {
		st->mode = BODY_STREAM;
		const struct http_upload_ops *up = st->route->upload;
		if (!up || !up->begin || !up->chunk || !up->end) {
			json_error_body(&st->res, 500, "INTERNAL_ERROR", "streamed route without upload callbacks");
			*result = send_response(st);
			return;
		}
		if (up->begin(&st->req, &st->res, &st->upload_state) != 0) {
			/* Refused: answer now; MHD then discards the body and closes the connection. */
			if (st->res.status == 0)
				st->res.status = 400;
			*result = send_response(st);
			return;
		}
		st->upload_begun = 1;
		return;
	}

	st->limit = st->route->body_limit ? st->route->body_limit : st->srv->default_body_limit;
	st->arena.limit = st->limit < SIZE_MAX - HTTP_ARENA_LIMIT ? HTTP_ARENA_LIMIT + st->limit : 0;
	uint64_t cl = 0;
	if (content_length(st->conn, &cl)) {
		if (cl > st->limit || cl >= SIZE_MAX) {
			st->too_big = 1;
			*result = send_too_big(st);
			return;
		}
		st->abody = arena_alloc(&st->arena, (size_t)cl + 1);
		if (!st->abody) {
			*result = queue_static(st, st->srv->oom_response, 500);
			return;
		}
		st->abody_cap = (size_t)cl;
		st->mode = BODY_ARENA;
	} else {
		buf_init(&st->body, st->limit);
		st->mode = BODY_BUF;
	}
	return;
}

/* A piece of the body. Returns 0, or -1 to close the connection. */
static int take_body(struct req_state *st, const char *data, size_t n)
{
	switch (st->mode) {
	case BODY_ARENA:
		if (n > st->abody_cap - st->abody_len) {
			/* MHD enforces Content-Length, so this is not expected; never overflow. */
			st->too_big = 1;
			st->mode = BODY_DRAIN;
			break;
		}
		memcpy(st->abody + st->abody_len, data, n);
		st->abody_len += n;
		return 0;
	case BODY_BUF: {
		int rc = buf_append(&st->body, data, n);
		if (rc == 0)
			return 0;
		if (rc == CAIRN_ETOOBIG)
			st->too_big = 1;
		else
			st->oom = 1;
		buf_release(&st->body);
		st->mode = BODY_DRAIN;
		break;
	}
	case BODY_STREAM:
		if (!st->upload_failed) {
			if (st->route->upload->chunk(st->upload_state, data, n) == 0)
				return 0;
			st->upload_failed = 1;
			st->upload_ended = 1;
			st->route->upload->end(st->upload_state, &st->req, &st->res, 1);
			return 0;
		}
		break;
	case BODY_NONE:
	case BODY_DRAIN:
		break;
	}
	st->drained += n;
	if (st->drained > HTTP_DRAIN_MAX) {
		log_debug("http: %s %s: closing after discarding %llu body bytes", st->req.method,
			  st->req.path, (unsigned long long)st->drained);
		return -1;
	}
	return 0;
}

/* The body is complete: answer. */
static enum MHD_Result finish_request(struct req_state *st)
{
	if (!st->route)
		return send_reject(st);
	if (st->mode == BODY_STREAM) {
		if (!st->upload_ended) {
			st->upload_ended = 1;
			st->route->upload->end(st->upload_state, &st->req, &st->res, 0);
		} else if (st->upload_failed && st->res.status == 0) {
			json_error_body(&st->res, 500, "INTERNAL_ERROR", "The upload failed");
		}
		return send_response(st);
	}
	if (st->too_big)
		return send_too_big(st);
	if (st->oom)
		return queue_static(st, st->srv->oom_response, 500);
	if (st->mode == BODY_ARENA) {
		st->abody[st->abody_len] = '\0';
		st->req.body = st->abody;
		st->req.body_len = st->abody_len;
	} else if (st->mode == BODY_BUF && st->body.data) {
		st->req.body = st->body.data;
		st->req.body_len = st->body.len;
	}
	int rc = st->route->handler ? st->route->handler(&st->req, &st->res) : 0;
	if (rc != 0)
		log_debug("http: handler for %s %s returned %d", st->req.method, st->req.path, rc);
	return send_response(st);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct req_state *st = *con_cls;
	if (!st) {
		/* on_uri could not allocate the request state. */
		if (*upload_data_size) {
			*upload_data_size = 0;
			return MHD_YES;
		}
		return MHD_queue_response(conn, 500, srv->oom_response);
	}
	if (!st->started) {
		st->started = 1;
		enum MHD_Result result;
		begin_request(st, method, &result);
		return result;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (st->queued)
			return MHD_YES;
		return take_body(st, upload_data, n) == 0 ? MHD_YES : MHD_NO;
	}
	if (st->queued)
		return MHD_YES;
	return finish_request(st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct req_state *st = *con_cls;
	if (!st)
		return;
	*con_cls = NULL;
	if (st->upload_begun && !st->upload_ended) {
		/* Client went away or the server is stopping mid-upload. The response filled by
		 * end() has nobody to go to. */
		st->upload_ended = 1;
		st->route->upload->end(st->upload_state, &st->req, &st->res, 1);
	}
	if (srv->access_log) {
		double ms = (double)(time_mono_ns() - st->start_ns) / 1e6;
		const char *how = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
				  toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (timeout)" :
				  toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? " (shutdown)" :
				  " (aborted)";
		log_info("%s %s %d %llu %.3fms %s%s", st->req.method ? st->req.method : "-",
			 st->req.path ? st->req.path : "-", st->status_sent,
			 (unsigned long long)st->bytes_sent, ms,
			 st->req.remote_addr ? st->req.remote_addr : "-", how);
	}
	state_free(st);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	if (log_get_level() > LOG_DEBUG)
		return;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_write(LOG_DEBUG, "microhttpd: %s", line);
}

/* ------------------------------------------------------------------ server */

/* Why MHD_start_daemon failed: MHD does not say, so bind a probe socket the same way. */
static int diagnose_bind(const struct sockaddr *sa, socklen_t len, char *why, size_t why_len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	int rc = 0;
	if (bind(fd, sa, len) != 0 || listen(fd, 1) != 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		rc = -1;
	} else {
		snprintf(why, why_len, "microhttpd could not start (threads, epoll or memory)");
	}
	close(fd);
	return rc;
}

struct http_server *http_server_start(const struct http_route *routes, size_t nroutes,
				      const struct http_server_options *opts, struct cairn_error *err)
{
	struct http_server_options o = {0};
	if (opts)
		o = *opts;
	const char *host = o.host ? o.host : "127.0.0.1";
	if (o.port < 0 || o.port > 65535) {
		cairn_error_set(err, CAIRN_EINVAL, "invalid port %d (want 0..65535)", o.port);
		return NULL;
	}
	if (o.threads < 0 || o.threads > 1024) {
		cairn_error_set(err, CAIRN_EINVAL, "invalid thread count %d (want 1..1024)", o.threads);
		return NULL;
	}
	if (o.connection_timeout_s < 0) {
		cairn_error_set(err, CAIRN_EINVAL, "invalid connection timeout %d s", o.connection_timeout_s);
		return NULL;
	}
	for (size_t i = 0; i < nroutes; i++) {
		const struct http_route *r = &routes[i];
		if (!r->method || !r->path || (!(r->flags & HTTP_ROUTE_STREAM) && !r->handler) ||
		    ((r->flags & HTTP_ROUTE_STREAM) &&
		     (!r->upload || !r->upload->begin || !r->upload->chunk || !r->upload->end))) {
			cairn_error_set(err, CAIRN_EINVAL, "route %zu (%s %s) lacks a method, path or handler",
					i, r->method ? r->method : "(null)", r->path ? r->path : "(null)");
			return NULL;
		}
	}

	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	socklen_t salen;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	/* "[::1]" as written in URLs is accepted too; "localhost" means the IPv4 loopback. */
	char h6[INET6_ADDRSTRLEN + 2] = "";
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']' && hl - 2 < sizeof h6) {
		memcpy(h6, host + 1, hl - 2);
		h6[hl - 2] = '\0';
	}
	const char *v4 = strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
	if (inet_pton(AF_INET, v4, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)o.port);
		sa = (struct sockaddr *)&sin;
		salen = sizeof sin;
	} else if (inet_pton(AF_INET6, h6[0] ? h6 : host, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)o.port);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof sin6;
		flags |= MHD_USE_IPv6;
	} else {
		cairn_error_set(err, CAIRN_EINVAL,
				"invalid host '%s': want an IPv4 or IPv6 address (or localhost)", host);
		return NULL;
	}

	struct http_server *srv = cairn_calloc(1, sizeof *srv);
	if (!srv) {
		cairn_error_set(err, CAIRN_ENOMEM, "out of memory starting the HTTP server");
		return NULL;
	}
	srv->routes = routes;
	srv->nroutes = nroutes;
	srv->default_body_limit = o.default_body_limit ? o.default_body_limit : HTTP_DEFAULT_BODY_LIMIT;
	srv->access_log = o.access_log;
	srv->not_found = o.not_found;
	static const char oom_body[] =
		"{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"The server is out of memory\"}";
	srv->oom_response = MHD_create_response_from_buffer(sizeof oom_body - 1, (void *)oom_body,
							    MHD_RESPMEM_PERSISTENT);
	if (!srv->oom_response ||
	    MHD_add_response_header(srv->oom_response, MHD_HTTP_HEADER_CONTENT_TYPE,
				    "application/json") != MHD_YES) {
		cairn_error_set(err, CAIRN_ENOMEM, "out of memory starting the HTTP server");
		goto fail;
	}

	unsigned int threads = o.threads > 0 ? (unsigned int)o.threads : HTTP_DEFAULT_THREADS;
	unsigned int timeout = o.connection_timeout_s > 0 ? (unsigned int)o.connection_timeout_s
							  : HTTP_DEFAULT_TIMEOUT_S;
	struct MHD_OptionItem ops[] = {
		/* The logger first, so that start-up messages go through it too. */
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL },
		{ MHD_OPTION_SOCK_ADDR, 0, sa },
		{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv },
		{ MHD_OPTION_CONNECTION_TIMEOUT, timeout, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)HTTP_CONNECTION_MEMORY, NULL },
		{ threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	srv->daemon = MHD_start_daemon(flags, (uint16_t)o.port, NULL, NULL, on_request, srv,
				       MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	if (!srv->daemon) {
		char why[256];
		diagnose_bind(sa, salen, why, sizeof why);
		int bracket = sa->sa_family == AF_INET6;
		cairn_error_set(err, CAIRN_EIO, "cannot listen on %s%s%s:%d: %s", bracket ? "[" : "",
				h6[0] ? h6 : host, bracket ? "]" : "", o.port, why);
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : 0;
	if (srv->port == 0) {
		const union MHD_DaemonInfo *li = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_LISTEN_FD);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (li && getsockname(li->listen_fd, (struct sockaddr *)&ss, &sl) == 0)
			srv->port = ntohs(ss.ss_family == AF_INET6
						  ? ((struct sockaddr_in6 *)(void *)&ss)->sin6_port
						  : ((struct sockaddr_in *)(void *)&ss)->sin_port);
	}
	return srv;
fail:
	if (srv->oom_response)
		MHD_destroy_response(srv->oom_response);
	cairn_free(srv);
	return NULL;
}

int http_server_port(const struct http_server *srv)
{
	return srv ? srv->port : 0;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	/* Closes every connection; on_completed runs for each open request. */
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	if (srv->oom_response)
		MHD_destroy_response(srv->oom_response);
	cairn_free(srv);
}
