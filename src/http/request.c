/* Request accessors and response helpers for handlers. */
#include "http/http.h"

#include <microhttpd.h>
#include <string.h>

const char *http_request_header(const struct http_request *req, const char *name)
{
	if (!req || !req->impl || !name)
		return NULL;
	/* MHD compares header names case-insensitively for MHD_HEADER_KIND. */
	return MHD_lookup_connection_value((struct MHD_Connection *)req->impl, MHD_HEADER_KIND, name);
}

const char *http_request_param(const struct http_request *req, const char *key)
{
	if (!req || !key)
		return NULL;
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].value;
	return NULL;
}

/* The name and value are not copied: they must stay valid until the handler returns
 * (string literals or the request's arena). */
int http_response_add_header(struct http_response *res, const char *name, const char *value)
{
	if (!res || !name || !value || !name[0])
		return CAIRN_EINVAL;
	if (res->nheaders >= sizeof res->headers / sizeof res->headers[0])
		return CAIRN_ETOOBIG;
	res->headers[res->nheaders].name = name;
	res->headers[res->nheaders].value = value;
	res->nheaders++;
	return 0;
}

int http_response_json(struct http_response *res, const json_t *v)
{
	if (!res || !v)
		return CAIRN_EINVAL;
	buf_reset(&res->body);
	res->content_type = "application/json";
	int rc = json_dump_buf(v, &res->body);
	if (rc != 0)
		buf_reset(&res->body);
	return rc;
}

int http_response_text(struct http_response *res, int status, const char *text)
{
	if (!res || !text)
		return CAIRN_EINVAL;
	res->status = status;
	res->content_type = "text/plain; charset=utf-8";
	buf_reset(&res->body);
	return buf_append_str(&res->body, text);
}
