/*
 * Metric lists (get-history, get-history-bulk-interval, ajax get-history-bulk) written
 * straight into the response buffer. Building a jansson tree of 25,000 objects and dumping
 * it cost ~10x the store read; this writes the same bytes directly.
 *
 * The output must equal what json_dump_buf (JSON_COMPACT | JSON_ENCODE_ANY) makes of the
 * tree api_json_metric builds, byte for byte (tests/unit/api/test_encode_fast.c checks it
 * differentially). What that means:
 *   - keys in insertion order: key, value, timestamp, step[, run_id];
 *   - reals as the system jansson 2.14 prints them: it is built without dtoa, so
 *     snprintf("%.17g"), then ".0" appended when there is neither '.' nor 'e', and the
 *     exponent's '+' and leading zeros dropped ("1e17", "1.0000000000000001e-5");
 *   - NaN and ±Inf as the strings json_double_value makes;
 *   - strings as api_json_str makes them (ill-formed UTF-8 repaired to U+FFFD) escaped
 *     as jansson does without JSON_ESCAPE_SLASH / JSON_ENSURE_ASCII.
 */
#include "api/api_internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ staging */

static void w_flush(struct api_metric_writer *w)
{
	if (w->nstage == 0)
		return;
	if (w->rc == 0)
		w->rc = buf_append(w->out, w->stage, w->nstage);
	w->nstage = 0;
}

static void w_put(struct api_metric_writer *w, const char *s, size_t n)
{
	if (n > sizeof w->stage - w->nstage) {
		w_flush(w);
		if (n > sizeof w->stage) {
			if (w->rc == 0)
				w->rc = buf_append(w->out, s, n);
			return;
		}
	}
	memcpy(w->stage + w->nstage, s, n);
	w->nstage += n;
}

#define W_LIT(w, s) w_put((w), (s), sizeof(s) - 1)

/* ------------------------------------------------------------------ strings */

static const char hex_upper[] = "0123456789ABCDEF";

/* Escape a well-formed UTF-8 string the way jansson's dump_string does with our flags:
 * '"', '\\' and C0 controls only; everything else (DEL, non-ASCII, '/') as is. */
static void w_escaped(struct api_metric_writer *w, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		w_put(w, s + run, i - run);
		run = i + 1;
		char e[6] = { '\\', 0, 0, 0, 0, 0 };
		size_t len = 2;
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex_upper[c >> 4];
			e[5] = hex_upper[c & 15];
			len = 6;
			break;
		}
		w_put(w, e, len);
	}
	w_put(w, s + run, n - run);
}

/* A quoted JSON string for `s` (NULL = ""), as api_json_str + jansson would write it. */
static void w_string(struct api_metric_writer *w, const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	if (utf8_valid(s, n)) {
		W_LIT(w, "\"");
		w_escaped(w, s, n);
		W_LIT(w, "\"");
		return;
	}
	/* Stored strings are valid UTF-8 unless something else wrote the database: take the
	 * reference path, which repairs them, rather than a second copy of the repair rule. */
	json_t *v = api_json_str(s);
	if (!v) {
		if (w->rc == 0)
			w->rc = CAIRN_ENOMEM;
		return;
	}
	w_flush(w);
	if (w->rc == 0)
		w->rc = json_dump_buf(v, w->out);
	json_decref(v);
}

/* ------------------------------------------------------------------ numbers */

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of x into the end of buf[0..20); returns the index of the first digit. */
static size_t u64_digits(uint64_t x, char buf[20])
{
	size_t i = 20;
	while (x >= 100) {
		unsigned r = (unsigned)(x % 100);
		x /= 100;
		buf[--i] = digit_pairs[2 * r + 1];
		buf[--i] = digit_pairs[2 * r];
	}
	if (x >= 10) {
		buf[--i] = digit_pairs[2 * x + 1];
		buf[--i] = digit_pairs[2 * x];
	} else {
		buf[--i] = (char)('0' + x);
	}
	return i;
}

/* As jansson's "%lld". */
static void w_int(struct api_metric_writer *w, int64_t v)
{
	char buf[21];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t i = u64_digits(u, buf + 1) + 1;
	if (v < 0)
		buf[--i] = '-';
	w_put(w, buf + i, 21 - i);
}

__extension__ typedef unsigned __int128 u128;

#define P19 UINT64_C(10000000000000000000)
#define P16 UINT64_C(10000000000000000)
#define P17 UINT64_C(100000000000000000)

/* 10^0 .. 10^38 (10^38 < 2^128). */
static const u128 pow10_tab[39] = {
	1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
	UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
	UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
	P16, P17, UINT64_C(1000000000000000000), P19,
	(u128)P19 * 10u, (u128)P19 * 100u, (u128)P19 * 1000u, (u128)P19 * 10000u,
	(u128)P19 * 100000u, (u128)P19 * 1000000u, (u128)P19 * 10000000u,
	(u128)P19 * 100000000u, (u128)P19 * 1000000000u, (u128)P19 * UINT64_C(10000000000),
	(u128)P19 * UINT64_C(100000000000), (u128)P19 * UINT64_C(1000000000000),
	(u128)P19 * UINT64_C(10000000000000), (u128)P19 * UINT64_C(100000000000000),
	(u128)P19 * UINT64_C(1000000000000000), (u128)P19 * P16, (u128)P19 * P17,
	(u128)P19 * UINT64_C(1000000000000000000), (u128)P19 * P19,
};

/* Round q + rem/den to an integer, ties to even, as glibc's printf does in the default
 * rounding mode. `half` is den/2 (den even). */
static uint64_t round_even(uint64_t q, u128 rem, u128 half)
{
	if (rem > half || (rem == half && (q & 1)))
		q++;
	return q;
}

/*
 * The 17 significant digits of |v| (finite, nonzero) that "%.17g" prints, as an integer
 * *digits in [10^16, 10^17), and the decimal exponent *dexp of the first digit. Exact: the
 * value is m * 2^e with m < 2^53, and every case taken here keeps the arithmetic within 128
 * bits. Returns 0, or -1 for magnitudes it does not cover (below ~1e-6, above ~1e38, and
 * subnormals), which the caller formats with snprintf.
 */
static int digits17(double v, uint64_t *digits, int *dexp)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	int be = (int)((bits >> 52) & 0x7FF);
	if (be == 0)
		return -1;
	uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
	int e = be - 1075;
	/* floor(log2 v) = e + 52; floor(log10 v) is this estimate or one more. */
	int l2 = e + 52;
	int E = (int)floor(l2 * 0.30102999566398120);
	for (int tries = 0; tries < 3; tries++) {
		uint64_t q;
		u128 rem, half;
		if (e >= 0) {
			/* An integer m * 2^e; 17 digits means dividing by 10^(E-16). */
			if (e > 74 || E > 38 + 16)
				return -1;
			u128 x = (u128)m << e;
			int k = E - 16;
			if (k <= 0) {
				if (-k > 3)
					return -1;
				u128 y = x * (u128)pow10_tab[-k];
				if (y >> 64)
					return -1;
				q = (uint64_t)y;
				rem = 0;
				half = 1;
			} else {
				u128 d = pow10_tab[k];
				u128 qq = x / d;
				if (qq >> 64)
					return -1;
				q = (uint64_t)qq;
				rem = x - qq * d;
				half = d / 2;
			}
		} else {
			/* m / 2^s times 10^(16-E). */
			int s = -e;
			int p = 16 - E;
			if (p < 0 || p > 22 || s > 120)
				return -1;
			u128 x = (u128)m * pow10_tab[p];
			u128 qq = x >> s;
			if (qq >> 64)
				return -1;
			q = (uint64_t)qq;
			rem = x & (((u128)1 << s) - 1);
			half = (u128)1 << (s - 1);
		}
		if (q >= P17) {
			E++;
			continue;
		}
		if (q < P16) {
			E--;
			continue;
		}
		q = round_even(q, rem, half);
		if (q == P17) {
			q = P16;
			E++;
		}
		*digits = q;
		*dexp = E;
		return 0;
	}
	return -1;
}

/* jansson's jsonp_dtostr (non-dtoa build) on snprintf output: the locale's decimal point
 * back to '.', ".0" when the text would read back as an integer, and the exponent's '+'
 * and leading zeros dropped. */
static size_t real_slow(double v, char *out, size_t size)
{
	char tmp[64];
	int r = snprintf(tmp, sizeof tmp, "%.17g", v);
	if (r < 0 || (size_t)r >= sizeof tmp)
		return 0;
	size_t o = 0, n = (size_t)r;
	int dot = 0, exp = 0;
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		char c = tmp[i];
		if (c == 'e') {
			exp = 1;
			out[o++] = 'e';
			i++;
			if (i < n && tmp[i] == '-')
				out[o++] = '-';
			else if (i < n && tmp[i] != '+')
				i--;
			while (i + 1 < n && tmp[i + 1] == '0')
				i++;
			continue;
		}
		if (!(c >= '0' && c <= '9') && c != '-') {
			c = '.';
			dot = 1;
		}
		out[o++] = c;
	}
	if (!dot && !exp && o + 2 < size) {
		out[o++] = '.';
		out[o++] = '0';
	}
	return o;
}

/* |v| formatted as jansson does; `out` has room for 40 bytes. Returns the length. */
static size_t real_text(double v, char *out)
{
	size_t o = 0;
	if (signbit(v))
		out[o++] = '-';
	if (v == 0) {
		memcpy(out + o, "0.0", 3);
		return o + 3;
	}
	uint64_t dg;
	int E;
	if (digits17(v, &dg, &E) != 0)
		return real_slow(v, out, 40);
	char d[20];
	const char *dd = d + u64_digits(dg, d);  /* 17 digits: d[3..20) */
	size_t nd = 17;
	while (nd > 1 && dd[nd - 1] == '0')
		nd--;
	if (E >= -4 && E < 17) {
		if (E >= 0) {
			size_t ip = (size_t)E + 1;
			memcpy(out + o, dd, ip);
			o += ip;
			out[o++] = '.';
			if (nd > ip) {
				memcpy(out + o, dd + ip, nd - ip);
				o += nd - ip;
			} else {
				out[o++] = '0';
			}
		} else {
			out[o++] = '0';
			out[o++] = '.';
			for (int z = -1; z > E; z--)
				out[o++] = '0';
			memcpy(out + o, dd, nd);
			o += nd;
		}
		return o;
	}
	out[o++] = dd[0];
	if (nd > 1) {
		out[o++] = '.';
		memcpy(out + o, dd + 1, nd - 1);
		o += nd - 1;
	}
	out[o++] = 'e';
	if (E < 0) {
		out[o++] = '-';
		E = -E;
	}
	char eb[20];
	size_t ei = u64_digits((uint64_t)E, eb);
	memcpy(out + o, eb + ei, 20 - ei);
	return o + 20 - ei;
}

size_t api_format_real(double v, char out[API_REAL_TEXT_MAX])
{
	if (!isfinite(v)) {
		const char *t = isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
		size_t n = strlen(t);
		memcpy(out, t, n);
		return n;
	}
	return real_text(v, out);
}

static void w_double(struct api_metric_writer *w, double v)
{
	if (isnan(v)) {
		W_LIT(w, "\"NaN\"");
		return;
	}
	if (isinf(v)) {
		if (v > 0)
			W_LIT(w, "\"Infinity\"");
		else
			W_LIT(w, "\"-Infinity\"");
		return;
	}
	char t[API_REAL_TEXT_MAX];
	w_put(w, t, real_text(v, t));
}

/* ------------------------------------------------------------------ metrics */

/* The quoted, escaped string, kept in `c` while the same string repeats, as the key does
 * across a history. The raw text is kept too, so nothing depends on the caller's pointers
 * staying valid. */
static void w_cached_string(struct api_metric_writer *w, struct api_metric_writer_cache *c,
			    const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	if (c->len > 0 && n == c->rawlen && memcmp(c->raw, s, n) == 0) {
		w_put(w, c->text, c->len);
		return;
	}
	c->len = 0;
	/* Encode into an empty stage so that the encoding can be copied from it. */
	w_flush(w);
	size_t out_len = w->out->len;
	w_string(w, s);
	if (w->rc != 0 || w->out->len != out_len || n > sizeof c->raw ||
	    w->nstage > sizeof c->text)
		return;  /* spilled past the stage, or too long to keep */
	memcpy(c->text, w->stage, w->nstage);
	c->len = w->nstage;
	memcpy(c->raw, s, n);
	c->rawlen = n;
}

void api_metric_writer_begin(struct api_metric_writer *w, struct buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

int api_metric_writer_add(struct api_metric_writer *w, const struct store_metric *m, int with_run_id)
{
	if (w->rc != 0)
		return w->rc;
	if (w->count == 0)
		W_LIT(w, "{\"metrics\":[{\"key\":");
	else
		W_LIT(w, ",{\"key\":");
	w_cached_string(w, &w->key, m->key);
	W_LIT(w, ",\"value\":");
	w_double(w, m->value);
	W_LIT(w, ",\"timestamp\":");
	w_int(w, m->timestamp);
	W_LIT(w, ",\"step\":");
	w_int(w, m->step);
	if (with_run_id) {
		W_LIT(w, ",\"run_id\":");
		w_cached_string(w, &w->run_id, m->run_id);
	}
	W_LIT(w, "}");
	w->count++;
	return w->rc;
}

int api_metric_writer_end(struct api_metric_writer *w, const char *next_page_token)
{
	int tok = next_page_token && *next_page_token;
	if (w->count > 0)
		W_LIT(w, "]");
	if (tok) {
		if (w->count > 0)
			W_LIT(w, ",\"next_page_token\":");
		else
			W_LIT(w, "{\"next_page_token\":");
		w_string(w, next_page_token);
		W_LIT(w, "}");
	} else if (w->count > 0) {
		W_LIT(w, "}");
	} else {
		W_LIT(w, "{}");
	}
	w_flush(w);
	return w->rc;
}

int api_encode_metrics(struct buf *out, const struct store_metric *ms, size_t n, int with_run_id,
		       const char *next_page_token)
{
	struct api_metric_writer w;
	api_metric_writer_begin(&w, out);
	for (size_t i = 0; i < n && w.rc == 0; i++)
		(void)api_metric_writer_add(&w, &ms[i], with_run_id);
	return api_metric_writer_end(&w, next_page_token);
}
