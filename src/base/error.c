/* The error type shared by every module (see base.h). */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

const char *cairn_strerror(int code)
{
	switch (code) {
	case CAIRN_OK: return "ok";
	case CAIRN_EINVAL: return "invalid argument";
	case CAIRN_ENOENT: return "not found";
	case CAIRN_EEXIST: return "already exists";
	case CAIRN_ENOMEM: return "out of memory";
	case CAIRN_EIO: return "i/o error";
	case CAIRN_ETOOBIG: return "too big";
	case CAIRN_ESTATE: return "invalid state";
	case CAIRN_EINTERNAL: return "internal error";
	case CAIRN_EUNSUPPORTED: return "unsupported";
	case CAIRN_EBUSY: return "busy";
	default: return "unknown error";
	}
}

int cairn_error_vset(struct cairn_error *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->msg[0] = '\0';
	if (fmt)
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return code;
}

int cairn_error_set(struct cairn_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cairn_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void cairn_error_prefix(struct cairn_error *err, const char *fmt, ...)
{
	char prefix[sizeof err->msg];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	int pn = vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	if (pn < 0)
		return;
	size_t cap = sizeof err->msg - 1;  /* room for text, excluding the terminator */
	size_t plen = (size_t)pn < cap ? (size_t)pn : cap;
	size_t olen = strnlen(err->msg, cap);
	size_t sep = olen ? 2 : 0;
	/* Shift the old message right (dropping its tail if the whole no longer fits), then
	 * write the prefix in front. */
	size_t keep = 0;
	if (plen + sep < cap)
		keep = olen < cap - plen - sep ? olen : cap - plen - sep;
	else
		sep = cap - plen < sep ? cap - plen : sep;
	memmove(err->msg + plen + sep, err->msg, keep);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", sep);
	err->msg[plen + sep + keep] = '\0';
}

void cairn_error_clear(struct cairn_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
