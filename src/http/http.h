/*
 * http — the HTTP/1.1 server cairn's network faces run on (libmicrohttpd underneath),
 * and a route table that drives dispatch.
 *
 * A server owns a thread pool (MHD's); handlers run on those threads and must be
 * thread-safe. Each request gets an arena that lives from the first byte to the end of
 * the response: everything request-scoped (decoded query, parsed JSON copies, response
 * strings) is allocated there and freed in one call.
 *
 * Routes are data: a table of {method, path, match, handler, body limit}. Two body modes:
 * - buffered (default): the whole body is collected into req->body up to the route's
 *   limit; beyond it the server answers 413 with a JSON error without calling the handler;
 * - streamed (HTTP_ROUTE_STREAM): the route's upload callbacks receive the body in chunks
 *   as it arrives, so multi-GB uploads never sit in memory.
 *
 * Responses are either a memory body (res->body, copied out by the server) or a file
 * descriptor streamed by the server (res->fd, closed by the server).
 */
#ifndef CAIRN_HTTP_H
#define CAIRN_HTTP_H

#include "base/base.h"

#include <stdint.h>

struct http_server;
struct http_request;
struct http_response;

struct http_kv {
	const char *key;
	const char *value;     /* percent-decoded, '+' as space */
	size_t value_len;      /* may contain NUL bytes after decoding */
};

struct http_request {
	const char *method;    /* "GET", "POST", ... */
	const char *path;      /* raw path as sent, without the query string */
	const char *query;     /* raw query string, "" when none */
	struct http_kv *params;/* decoded query parameters in order, repeated keys kept */
	size_t nparams;
	const char *body;      /* buffered body, NUL-terminated; "" when none */
	size_t body_len;
	const char *remote_addr;
	struct arena *arena;   /* request-scoped memory */
	void *route_data;      /* the route's `data` pointer */
	const char *suffix;    /* for prefix routes: the rest of the path after the prefix, raw */
	void *impl;            /* the server's connection handle */
};

/* A request header by name (case-insensitive), NULL when absent. */
const char *http_request_header(const struct http_request *req, const char *name);
/* First value of a query parameter, NULL when absent. */
const char *http_request_param(const struct http_request *req, const char *key);

struct http_header {
	const char *name;
	const char *value;
};

struct http_response {
	int status;                 /* default 200 */
	const char *content_type;   /* default "application/json" */
	struct buf body;            /* memory body */
	int fd;                     /* >= 0: stream this file instead of body; server closes it */
	int64_t fd_size;
	struct http_header headers[8]; /* extra headers */
	size_t nheaders;
};

int http_response_add_header(struct http_response *res, const char *name, const char *value);

/* Handler: fill `res`. The return value is only for logging (0 ok). */
typedef int (*http_handler_fn)(struct http_request *req, struct http_response *res);

/* Streaming upload callbacks. begin() may refuse by filling res and returning non-zero;
 * then the body is discarded and res is sent. chunk() returning non-zero aborts the upload
 * (end() is then called with failed = 1). end() fills res. */
struct http_upload_ops {
	int (*begin)(struct http_request *req, struct http_response *res, void **state);
	int (*chunk)(void *state, const char *data, size_t n);
	void (*end)(void *state, struct http_request *req, struct http_response *res, int failed);
};

enum http_match { HTTP_MATCH_EXACT = 0, HTTP_MATCH_PREFIX = 1 };
enum http_route_flags { HTTP_ROUTE_STREAM = 1 };

struct http_route {
	const char *method;         /* "GET", "POST", ...; "*" any */
	const char *path;           /* exact path, or a prefix with HTTP_MATCH_PREFIX */
	int match;
	http_handler_fn handler;
	size_t body_limit;          /* 0 = server default */
	int flags;
	const struct http_upload_ops *upload; /* with HTTP_ROUTE_STREAM */
	void *data;                 /* handed to the handler as req->route_data */
};

struct http_server_options {
	const char *host;           /* default "127.0.0.1" */
	int port;                   /* 0 = any free port; see http_server_port() */
	int threads;                /* worker threads; default 4 */
	size_t default_body_limit;  /* default 4 MiB */
	int connection_timeout_s;   /* idle keep-alive timeout; default 30 */
	int access_log;             /* 1: one log line per request at info level */
	/* Called when no route matches the path (404) or the method (405); may be NULL. */
	http_handler_fn not_found;
};

/* Start listening and serving. `routes` must outlive the server. Tried in order; the
 * first route whose path matches and whose method matches wins; a path that matches with
 * no method gives 405. */
struct http_server *http_server_start(const struct http_route *routes, size_t nroutes,
				      const struct http_server_options *opts, struct cairn_error *err);
int http_server_port(const struct http_server *srv);
void http_server_stop(struct http_server *srv);

/* Convenience for handlers: set a JSON body from a jansson value (status unchanged). */
int http_response_json(struct http_response *res, const json_t *v);
/* Set status, content type text/plain and the given text. */
int http_response_text(struct http_response *res, int status, const char *text);

#endif
