/*
 * A one-pass parser for the bodies of the two hot logging RPCs, runs/log-batch and
 * runs/log-metric, straight into the arrays the store takes. Building a jansson tree for
 * a 1000-metric batch cost a third of the server's CPU.
 *
 * Contract: for every body it accepts, the result equals what the jansson path's readers
 * (api_message_from_body, api_get_run_id, json_get_array, api_read_metric, api_get_tags)
 * would hand to the store; for everything else it declines and the jansson path runs and
 * answers exactly as before. So it only accepts bodies on which the jansson path succeeds
 * up to the store call, and declines on any error, oddity or doubt: duplicate known keys,
 * escapes in object keys, \u0000, lone surrogates, control characters, ill-formed UTF-8,
 * integer or real overflow, deep nesting, oversize batches, missing required fields.
 * Unknown fields are skipped after being checked as strictly as jansson checks them.
 */
#include "api/api_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nesting beyond this (inside skipped unknown values) is left to jansson. */
#define FAST_DEPTH_MAX 32
/* Real-number tokens longer than this are left to jansson (strtod copy buffer). */
#define FAST_NUM_MAX 96

struct fparser {
	const unsigned char *p, *end;
	/* Decoded strings, NUL-terminated, one after another. A string's decoded form plus
	 * its NUL is never longer than its quoted source, so len + 1 bytes always suffice. */
	char *out;
	struct arena *a;
};

/* A parsed JSON number token. */
struct fnum {
	int is_int;         /* no fraction or exponent: jansson makes it an integer */
	int64_t i;
	double d;           /* is_int: (double)i, as json_number_value gives */
};

enum ftype { F_ABSENT, F_NULL, F_STR, F_NUM };

/* A scalar field value as read: a string (decoded), a number, or null. */
struct fval {
	enum ftype type;
	const char *s;
	struct fnum n;
};

static void skip_ws(struct fparser *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t'))
		f->p++;
}

/* Consume `c` after optional whitespace; -1 if it is not there. */
static int expect(struct fparser *f, unsigned char c)
{
	skip_ws(f);
	if (f->p >= f->end || *f->p != c)
		return -1;
	f->p++;
	return 0;
}

static int hex4(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* One escape after the backslash at f->p - 1; appends its UTF-8 to *o when o != NULL.
 * Rejects what jansson rejects: unknown escapes, \u0000, unpaired surrogates. */
static int parse_escape(struct fparser *f, char **o)
{
	if (f->p >= f->end)
		return -1;
	unsigned char c = *f->p++;
	char ch;
	switch (c) {
	case '"': ch = '"'; break;
	case '\\': ch = '\\'; break;
	case '/': ch = '/'; break;
	case 'b': ch = '\b'; break;
	case 'f': ch = '\f'; break;
	case 'n': ch = '\n'; break;
	case 'r': ch = '\r'; break;
	case 't': ch = '\t'; break;
	case 'u': {
		unsigned cp, lo;
		if (f->end - f->p < 4 || hex4(f->p, &cp) != 0)
			return -1;
		f->p += 4;
		if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
			return -1;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (f->end - f->p < 6 || f->p[0] != '\\' || f->p[1] != 'u' || hex4(f->p + 2, &lo) != 0 ||
			    lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			f->p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (o) {
			unsigned char *w = (unsigned char *)*o;
			if (cp < 0x80) {
				*w++ = (unsigned char)cp;
			} else if (cp < 0x800) {
				*w++ = (unsigned char)(0xC0 | cp >> 6);
				*w++ = (unsigned char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				*w++ = (unsigned char)(0xE0 | cp >> 12);
				*w++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
				*w++ = (unsigned char)(0x80 | (cp & 0x3F));
			} else {
				*w++ = (unsigned char)(0xF0 | cp >> 18);
				*w++ = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
				*w++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
				*w++ = (unsigned char)(0x80 | (cp & 0x3F));
			}
			*o = (char *)w;
		}
		return 0;
	}
	default:
		return -1;
	}
	if (o)
		*(*o)++ = ch;
	return 0;
}

/*
 * The string whose opening quote is at f->p. With `store`, its decoded text is appended
 * to f->out and *s points at it; without, it is only checked. *raw and *rawlen give the
 * undecoded bytes and *escaped whether there was any backslash (object keys).
 */
static int parse_string(struct fparser *f, int store, const char **s, const unsigned char **raw,
			size_t *rawlen, int *escaped)
{
	if (f->p >= f->end || *f->p != '"')
		return -1;
	f->p++;
	const unsigned char *start = f->p;
	char *o = store ? f->out : NULL;
	int esc = 0;
	for (;;) {
		/* Plain ASCII runs are the common case: find the run, then copy it at once. */
		const unsigned char *q = f->p;
		while (q < f->end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
			q++;
		if (o) {
			memcpy(o, f->p, (size_t)(q - f->p));
			o += q - f->p;
		}
		f->p = q;
		if (q >= f->end)
			return -1;
		unsigned char c = *q;
		if (c == '"')
			break;
		if (c == '\\') {
			esc = 1;
			f->p++;
			if (parse_escape(f, store ? &o : NULL) != 0)
				return -1;
		} else if (c < 0x20) {
			return -1;
		} else {
			size_t l = utf8_seq_len((const char *)q, (size_t)(f->end - q));
			if (l == 0)
				return -1;
			if (o) {
				memcpy(o, q, l);
				o += l;
			}
			f->p += l;
		}
	}
	if (raw)
		*raw = start;
	if (rawlen)
		*rawlen = (size_t)(f->p - start);
	if (escaped)
		*escaped = esc;
	f->p++;  /* closing quote */
	if (store) {
		*o++ = '\0';
		*s = f->out;
		f->out = o;
	}
	return 0;
}

/* A number token per the JSON grammar, with jansson's integer/real split and its range
 * errors (integers outside long long, reals that overflow) turned into a decline. */
static int parse_number(struct fparser *f, struct fnum *n)
{
	const unsigned char *start = f->p, *q = f->p;
	int neg = 0;
	if (q < f->end && *q == '-') {
		neg = 1;
		q++;
	}
	if (q >= f->end)
		return -1;
	const unsigned char *digits = q;
	if (*q == '0') {
		q++;
		if (q < f->end && *q >= '0' && *q <= '9')
			return -1;
	} else if (*q >= '1' && *q <= '9') {
		while (q < f->end && *q >= '0' && *q <= '9')
			q++;
	} else {
		return -1;
	}
	const unsigned char *int_end = q;
	int is_int = 1;
	if (q < f->end && *q == '.') {
		is_int = 0;
		q++;
		if (q >= f->end || !(*q >= '0' && *q <= '9'))
			return -1;
		while (q < f->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < f->end && (*q == 'e' || *q == 'E')) {
		is_int = 0;
		q++;
		if (q < f->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= f->end || !(*q >= '0' && *q <= '9'))
			return -1;
		while (q < f->end && *q >= '0' && *q <= '9')
			q++;
	}
	n->is_int = is_int;
	if (is_int) {
		/* strtoll's range: [-2^63, 2^63 - 1]. */
		uint64_t max = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
		uint64_t u = 0;
		for (const unsigned char *d = digits; d < int_end; d++) {
			unsigned v = (unsigned)(*d - '0');
			if (u > (max - v) / 10)
				return -1;
			u = u * 10 + v;
		}
		if (neg)
			n->i = u == 0 ? 0 : -(int64_t)(u - 1) - 1;
		else
			n->i = (int64_t)u;
		n->d = (double)n->i;
	} else {
		size_t len = (size_t)(q - start);
		char buf[FAST_NUM_MAX + 1];
		if (len > FAST_NUM_MAX)
			return -1;
		memcpy(buf, start, len);
		buf[len] = '\0';
		char *end = NULL;
		double d = strtod(buf, &end);
		/* A finite decimal token gives infinity only by overflow, which jansson rejects. */
		if (end != buf + len || isinf(d))
			return -1;
		n->d = d;
	}
	f->p = q;
	return 0;
}

static int parse_literal(struct fparser *f, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n) != 0)
		return -1;
	f->p += n;
	return 0;
}

/* Check and step over any value (an unknown field's), at nesting `depth`. */
static int skip_value(struct fparser *f, int depth)
{
	skip_ws(f);
	if (f->p >= f->end)
		return -1;
	unsigned char c = *f->p;
	if (c == '{' || c == '[') {
		unsigned char close = c == '{' ? '}' : ']';
		if (depth >= FAST_DEPTH_MAX)
			return -1;
		f->p++;
		skip_ws(f);
		if (f->p < f->end && *f->p == close) {
			f->p++;
			return 0;
		}
		for (;;) {
			if (c == '{') {
				skip_ws(f);
				if (parse_string(f, 0, NULL, NULL, NULL, NULL) != 0 || expect(f, ':') != 0)
					return -1;
			}
			if (skip_value(f, depth + 1) != 0)
				return -1;
			skip_ws(f);
			if (f->p >= f->end)
				return -1;
			if (*f->p == close) {
				f->p++;
				return 0;
			}
			if (*f->p != ',')
				return -1;
			f->p++;
		}
	}
	if (c == '"')
		return parse_string(f, 0, NULL, NULL, NULL, NULL);
	if (c == '-' || (c >= '0' && c <= '9')) {
		struct fnum n;
		return parse_number(f, &n);
	}
	if (c == 't')
		return parse_literal(f, "true");
	if (c == 'f')
		return parse_literal(f, "false");
	if (c == 'n')
		return parse_literal(f, "null");
	return -1;
}

/* A field value that must be a string, a number or null; anything else declines. */
static int parse_scalar(struct fparser *f, struct fval *v)
{
	skip_ws(f);
	if (f->p >= f->end)
		return -1;
	unsigned char c = *f->p;
	if (c == '"') {
		v->type = F_STR;
		return parse_string(f, 1, &v->s, NULL, NULL, NULL);
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		v->type = F_NUM;
		return parse_number(f, &v->n);
	}
	if (c == 'n') {
		v->type = F_NULL;
		return parse_literal(f, "null");
	}
	return -1;
}

/*
 * Iterate over an object's members: call with *first = 1 right after the '{' is due.
 * Returns 1 with the key (undecoded, escape-free) in *key, *klen and f->p after the ':',
 * 0 at the closing '}', -1 on a syntax error or an escaped key (keys are compared raw).
 */
static int next_member(struct fparser *f, int *first, const unsigned char **key, size_t *klen)
{
	skip_ws(f);
	if (f->p >= f->end)
		return -1;
	if (*first) {
		if (*f->p != '{')
			return -1;
		f->p++;
		skip_ws(f);
		if (f->p < f->end && *f->p == '}') {
			f->p++;
			return 0;
		}
		*first = 0;
	} else {
		if (*f->p == '}') {
			f->p++;
			return 0;
		}
		if (*f->p != ',')
			return -1;
		f->p++;
		skip_ws(f);
	}
	int escaped = 0;
	if (parse_string(f, 0, NULL, key, klen, &escaped) != 0 || escaped)
		return -1;
	return expect(f, ':') == 0 ? 1 : -1;
}

static int key_is(const unsigned char *key, size_t klen, const char *name)
{
	size_t n = strlen(name);
	return klen == n && memcmp(key, name, n) == 0;
}

/* Mark a known field seen; a second occurrence declines (jansson keeps the last one). */
static int once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return -1;
	*seen |= bit;
	return 0;
}

/* json_value_int64 on the value read: integer, integral in-range real, or a decimal string. */
static int fval_int64(const struct fval *v, int64_t *out)
{
	if (v->type == F_NUM && v->n.is_int) {
		*out = v->n.i;
		return 0;
	}
	if (v->type == F_NUM) {
		double d = v->n.d;
		if (isfinite(d) && d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
			*out = (int64_t)d;
			return 0;
		}
		return -1;
	}
	if (v->type == F_STR)
		return str_to_int64(v->s, out) == 0 ? 0 : -1;
	return -1;
}

/* json_value_double on the value read: a number, or a string per str_to_double. */
static int fval_double(const struct fval *v, double *out)
{
	if (v->type == F_NUM) {
		*out = v->n.d;
		return 0;
	}
	if (v->type == F_STR)
		return str_to_double(v->s, out) == 0 ? 0 : -1;
	return -1;
}

enum {
	SEEN_KEY = 1, SEEN_VALUE = 2, SEEN_TIMESTAMP = 4, SEEN_STEP = 8,
	SEEN_RUN_ID = 16, SEEN_RUN_UUID = 32, SEEN_METRICS = 64, SEEN_PARAMS = 128, SEEN_TAGS = 256,
};

/* The metric fields of one object, as api_read_metric reads them (null = absent). */
struct fmetric_fields {
	struct fval key, value, timestamp, step;
};

/* If the member is one of the four metric fields, read it: 1 taken, 0 not ours, -1 bad. */
static int metric_member(struct fparser *f, const unsigned char *k, size_t kl, unsigned *seen,
			 struct fmetric_fields *mf)
{
	struct fval *v;
	unsigned bit;
	if (key_is(k, kl, "key")) {
		v = &mf->key;
		bit = SEEN_KEY;
	} else if (key_is(k, kl, "value")) {
		v = &mf->value;
		bit = SEEN_VALUE;
	} else if (key_is(k, kl, "timestamp")) {
		v = &mf->timestamp;
		bit = SEEN_TIMESTAMP;
	} else if (key_is(k, kl, "step")) {
		v = &mf->step;
		bit = SEEN_STEP;
	} else {
		return 0;
	}
	if (once(seen, bit) != 0 || parse_scalar(f, v) != 0)
		return -1;
	return 1;
}

/* Required key (non-empty string), value, timestamp; optional step (absent or null = 0). */
static int metric_finish(const struct fmetric_fields *mf, struct store_metric *m)
{
	if (mf->key.type != F_STR || mf->key.s[0] == '\0')
		return -1;
	m->key = mf->key.s;
	m->run_id = NULL;
	if (fval_double(&mf->value, &m->value) != 0 || fval_int64(&mf->timestamp, &m->timestamp) != 0)
		return -1;
	m->step = 0;
	if (mf->step.type != F_ABSENT && mf->step.type != F_NULL && fval_int64(&mf->step, &m->step) != 0)
		return -1;
	return 0;
}

static int parse_metric_object(struct fparser *f, struct store_metric *m)
{
	struct fmetric_fields mf;
	memset(&mf, 0, sizeof mf);
	unsigned seen = 0;
	int first = 1, r;
	const unsigned char *k;
	size_t kl;
	while ((r = next_member(f, &first, &k, &kl)) == 1) {
		int t = metric_member(f, k, kl, &seen, &mf);
		if (t < 0 || (t == 0 && skip_value(f, 3) != 0))
			return -1;
	}
	return r == 0 ? metric_finish(&mf, m) : -1;
}

/* A {key, value} object as api_get_tags reads it: key a non-empty string, value a string,
 * or absent or null for "". */
static int parse_tag_object(struct fparser *f, struct store_tag *t)
{
	struct fval key, value;
	memset(&key, 0, sizeof key);
	memset(&value, 0, sizeof value);
	unsigned seen = 0;
	int first = 1, r;
	const unsigned char *k;
	size_t kl;
	while ((r = next_member(f, &first, &k, &kl)) == 1) {
		if (key_is(k, kl, "key")) {
			if (once(&seen, SEEN_KEY) != 0 || parse_scalar(f, &key) != 0)
				return -1;
		} else if (key_is(k, kl, "value")) {
			if (once(&seen, SEEN_VALUE) != 0 || parse_scalar(f, &value) != 0)
				return -1;
		} else if (skip_value(f, 3) != 0) {
			return -1;
		}
	}
	if (r != 0 || key.type != F_STR || key.s[0] == '\0')
		return -1;
	if (value.type == F_STR)
		t->value = value.s;
	else if (value.type == F_ABSENT || value.type == F_NULL)
		t->value = "";
	else
		return -1;
	t->key = key.s;
	return 0;
}

/* Grow an arena array by doubling (capped at `limit` + 1 elements by the caller). */
static void *grow(struct arena *a, void *old, size_t n, size_t *cap, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = arena_alloc(a, ncap * size);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, old, n * size);
	*cap = ncap;
	return p;
}

/* An array field of objects (null = absent), at most `limit` of them: more declines, so
 * that the jansson path words the batch-limit error. `is_metric` picks the element type. */
static int parse_object_array(struct fparser *f, int is_metric, size_t limit, void **items, size_t *n)
{
	*items = NULL;
	*n = 0;
	skip_ws(f);
	if (f->p < f->end && *f->p == 'n')
		return parse_literal(f, "null");
	if (f->p >= f->end || *f->p != '[')
		return -1;
	f->p++;
	skip_ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
		return 0;
	}
	size_t size = is_metric ? sizeof(struct store_metric) : sizeof(struct store_tag);
	size_t cap = 0;
	char *arr = NULL;
	for (;;) {
		if (*n >= limit)
			return -1;
		if (*n == cap) {
			arr = grow(f->a, arr, *n, &cap, size);
			if (!arr)
				return -1;
		}
		void *slot = arr + *n * size;
		if ((is_metric ? parse_metric_object(f, slot) : parse_tag_object(f, slot)) != 0)
			return -1;
		(*n)++;
		skip_ws(f);
		if (f->p >= f->end)
			return -1;
		if (*f->p == ']') {
			f->p++;
			break;
		}
		if (*f->p != ',')
			return -1;
		f->p++;
	}
	*items = arr;
	return 0;
}

int api_fast_parse(enum api_fast_kind kind, const char *body, size_t len, struct arena *a,
		   struct api_fast_msg *out)
{
	memset(out, 0, sizeof *out);
	if (!body || len == 0 || len == SIZE_MAX)
		return API_FAST_DECLINED;
	struct fparser f = { (const unsigned char *)body, (const unsigned char *)body + len, NULL, a };
	f.out = arena_alloc(a, len + 1);
	if (!f.out)
		return API_FAST_DECLINED;
	struct fmetric_fields mf;
	memset(&mf, 0, sizeof mf);
	struct fval run_id, run_uuid;
	memset(&run_id, 0, sizeof run_id);
	memset(&run_uuid, 0, sizeof run_uuid);
	unsigned seen = 0;
	int first = 1, r;
	const unsigned char *k;
	size_t kl;
	while ((r = next_member(&f, &first, &k, &kl)) == 1) {
		int t = 0;
		if (key_is(k, kl, "run_id")) {
			t = once(&seen, SEEN_RUN_ID) == 0 && parse_scalar(&f, &run_id) == 0 ? 1 : -1;
		} else if (kind == API_FAST_LOG_METRIC) {
			if (key_is(k, kl, "run_uuid"))
				t = once(&seen, SEEN_RUN_UUID) == 0 && parse_scalar(&f, &run_uuid) == 0 ? 1 : -1;
			else
				t = metric_member(&f, k, kl, &seen, &mf);
		} else {
			void *items = NULL;
			size_t n = 0;
			if (key_is(k, kl, "metrics")) {
				t = once(&seen, SEEN_METRICS) == 0 &&
				    parse_object_array(&f, 1, STORE_MAX_BATCH_METRICS, &items, &n) == 0 ? 1 : -1;
				out->metrics = items;
				out->nmetrics = n;
			} else if (key_is(k, kl, "params")) {
				t = once(&seen, SEEN_PARAMS) == 0 &&
				    parse_object_array(&f, 0, STORE_MAX_BATCH_PARAMS, &items, &n) == 0 ? 1 : -1;
				out->params = items;
				out->nparams = n;
			} else if (key_is(k, kl, "tags")) {
				t = once(&seen, SEEN_TAGS) == 0 &&
				    parse_object_array(&f, 0, STORE_MAX_BATCH_TAGS, &items, &n) == 0 ? 1 : -1;
				out->tags = items;
				out->ntags = n;
			}
		}
		if (t < 0 || (t == 0 && skip_value(&f, 1) != 0))
			goto decline;
	}
	if (r != 0)
		goto decline;
	skip_ws(&f);
	if (f.p != f.end)
		goto decline;

	/* api_get_run_id: run_id unless absent, null or empty; log-metric then run_uuid. */
	if (run_id.type != F_ABSENT && run_id.type != F_NULL && run_id.type != F_STR)
		goto decline;
	if (run_id.type == F_STR && run_id.s[0] != '\0') {
		out->run_id = run_id.s;
	} else if (kind == API_FAST_LOG_METRIC && run_uuid.type == F_STR && run_uuid.s[0] != '\0') {
		out->run_id = run_uuid.s;
	} else {
		goto decline;
	}
	if (kind == API_FAST_LOG_METRIC) {
		out->metrics = arena_alloc(a, sizeof *out->metrics);
		if (!out->metrics || metric_finish(&mf, out->metrics) != 0)
			goto decline;
		out->nmetrics = 1;
	} else if (out->nmetrics + out->nparams + out->ntags > STORE_MAX_BATCH_TOTAL) {
		goto decline;
	}
	return 0;
decline:
	memset(out, 0, sizeof *out);
	return API_FAST_DECLINED;
}

int api_fast_try(const struct api_endpoint *ep, struct api_call *c)
{
	enum api_fast_kind kind;
	if (ep->fn == api_runs_log_batch)
		kind = API_FAST_LOG_BATCH;
	else if (ep->fn == api_runs_log_metric)
		kind = API_FAST_LOG_METRIC;
	else
		return API_FAST_DECLINED;
	struct api_fast_msg m;
	if (api_fast_parse(kind, c->req->body, c->req->body_len, c->arena, &m) != 0)
		return API_FAST_DECLINED;
	/* From here on the call is ours: the same store calls and response as the handlers. */
	int rc;
	if (kind == API_FAST_LOG_METRIC)
		rc = store_log_metric(c->ctx->store, m.run_id, &m.metrics[0], &c->err);
	else
		rc = store_log_batch(c->ctx->store, m.run_id, m.metrics, m.nmetrics, m.params, m.nparams,
				     m.tags, m.ntags, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}
