/*
 * The log-batch / log-metric fast parser against the jansson path, differentially: for
 * every body, api_fast_parse either declines or yields exactly the values the jansson
 * path's readers would hand to the store (strings byte for byte, doubles bit for bit).
 * Hand-picked bodies, a seeded mutation fuzz loop, and a live server end to end.
 */
#include "api/api_internal.h"
#include "../../harness.h"
#include "../../testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH API_FAST_LOG_BATCH
#define METRIC API_FAST_LOG_METRIC

/* The jansson path up to the store call: the handlers' reads, in their order. */
static int ref_parse(enum api_fast_kind kind, const char *body, size_t len, struct arena *a,
		     struct api_fast_msg *out, json_t **keep, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	*keep = NULL;
	json_t *msg = NULL;
	int rc = api_message_from_body(body, len, &msg, err);
	if (rc != 0)
		return rc;
	*keep = msg;
	if (kind == METRIC) {
		rc = api_get_run_id(msg, 1, &out->run_id, err);
		if (rc != 0)
			return rc;
		out->metrics = arena_alloc(a, sizeof *out->metrics);
		CHECK(out->metrics != NULL);
		out->nmetrics = 1;
		return api_read_metric(msg, out->metrics, err);
	}
	json_t *jm = NULL, *jp = NULL, *jt = NULL;
	rc = api_get_run_id(msg, 0, &out->run_id, err);
	if (rc == 0)
		rc = json_get_array(msg, "metrics", 0, &jm, err);
	if (rc == 0)
		rc = json_get_array(msg, "params", 0, &jp, err);
	if (rc == 0)
		rc = json_get_array(msg, "tags", 0, &jt, err);
	if (rc != 0)
		return rc;
	size_t nm = json_array_size(jm), np = json_array_size(jp), nt = json_array_size(jt);
	if (nm > STORE_MAX_BATCH_METRICS || np > STORE_MAX_BATCH_PARAMS || nt > STORE_MAX_BATCH_TAGS ||
	    nm + np + nt > STORE_MAX_BATCH_TOTAL)
		return CAIRN_EINVAL;
	if (nm > 0) {
		out->metrics = arena_alloc(a, nm * sizeof *out->metrics);
		CHECK(out->metrics != NULL);
		for (size_t i = 0; i < nm; i++) {
			json_t *item = json_array_get(jm, i);
			if (!json_is_object(item))
				return CAIRN_EINVAL;
			rc = api_read_metric(item, &out->metrics[i], err);
			if (rc != 0)
				return rc;
		}
	}
	out->nmetrics = nm;
	rc = api_get_tags(msg, "params", a, &out->params, &out->nparams, err);
	if (rc == 0)
		rc = api_get_tags(msg, "tags", a, &out->tags, &out->ntags, err);
	return rc;
}

static int str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int same_msg(const struct api_fast_msg *x, const struct api_fast_msg *y, char *why, size_t n)
{
	if (!str_same(x->run_id, y->run_id)) {
		snprintf(why, n, "run_id");
		return 0;
	}
	if (x->nmetrics != y->nmetrics || x->nparams != y->nparams || x->ntags != y->ntags) {
		snprintf(why, n, "counts %zu/%zu/%zu vs %zu/%zu/%zu", x->nmetrics, x->nparams, x->ntags,
			 y->nmetrics, y->nparams, y->ntags);
		return 0;
	}
	if (!x->metrics != !y->metrics || !x->params != !y->params || !x->tags != !y->tags) {
		snprintf(why, n, "NULL-ness of arrays");
		return 0;
	}
	for (size_t i = 0; i < x->nmetrics; i++) {
		const struct store_metric *a = &x->metrics[i], *b = &y->metrics[i];
		if (!str_same(a->key, b->key) || memcmp(&a->value, &b->value, sizeof a->value) != 0 ||
		    a->timestamp != b->timestamp || a->step != b->step || a->run_id != b->run_id) {
			snprintf(why, n, "metric %zu: %s %.17g %lld %lld vs %s %.17g %lld %lld", i, a->key,
				 a->value, (long long)a->timestamp, (long long)a->step, b->key, b->value,
				 (long long)b->timestamp, (long long)b->step);
			return 0;
		}
	}
	for (size_t i = 0; i < x->nparams; i++)
		if (!str_same(x->params[i].key, y->params[i].key) ||
		    !str_same(x->params[i].value, y->params[i].value)) {
			snprintf(why, n, "param %zu", i);
			return 0;
		}
	for (size_t i = 0; i < x->ntags; i++)
		if (!str_same(x->tags[i].key, y->tags[i].key) || !str_same(x->tags[i].value, y->tags[i].value)) {
			snprintf(why, n, "tag %zu", i);
			return 0;
		}
	return 1;
}

enum { EITHER = -1, DECLINE = 0, HANDLE = 1 };

/* The differential property for one body; returns 1 when the fast path took it. */
static int diff_len(enum api_fast_kind kind, const char *body, size_t len, int expect)
{
	struct arena a;
	arena_init(&a, 0);
	struct api_fast_msg fast, ref;
	json_t *keep = NULL;
	struct cairn_error err = {0};
	int frc = api_fast_parse(kind, body, len, &a, &fast);
	CHECK_MSG(frc == 0 || frc == API_FAST_DECLINED, "fast rc %d", frc);
	int rrc = ref_parse(kind, body, len, &a, &ref, &keep, &err);
	if (frc == 0) {
		char why[256] = "";
		CHECK_MSG(rrc == 0, "fast path took a body the jansson path rejects (%s): %.*s", err.msg,
			  (int)(len > 300 ? 300 : len), body);
		CHECK_MSG(same_msg(&fast, &ref, why, sizeof why), "fast != jansson (%s) for %.*s", why,
			  (int)(len > 300 ? 300 : len), body);
	} else {
		CHECK_MSG(fast.run_id == NULL && fast.nmetrics == 0 && fast.metrics == NULL,
			  "declined but out filled");
	}
	if (expect == HANDLE)
		CHECK_MSG(frc == 0, "fast path declined a canonical body: %s", body);
	if (expect == DECLINE)
		CHECK_MSG(frc != 0, "fast path took a body it must decline: %s", body);
	json_decref(keep);
	arena_release(&a);
	return frc == 0;
}

static int diff(enum api_fast_kind kind, const char *body, int expect)
{
	return diff_len(kind, body, strlen(body), expect);
}

#define R "\"run_id\":\"0123456789abcdef0123456789abcdef\""

TEST(canonical_batch_values)
{
	struct arena a;
	arena_init(&a, 0);
	struct api_fast_msg m;
	const char *body = "{" R ",\"metrics\":[{\"key\":\"m0\",\"value\":0.25,\"timestamp\":1700000000000,"
			   "\"step\":7},{\"key\":\"m1\",\"value\":-3,\"timestamp\":1,\"step\":-9223372036854775808}],"
			   "\"params\":[{\"key\":\"p\",\"value\":\"v\"},{\"key\":\"q\"}],"
			   "\"tags\":[{\"key\":\"t\",\"value\":\"caf\\u00e9 \\ud83d\\ude00\"}]}";
	CHECK_INT_EQ(api_fast_parse(BATCH, body, strlen(body), &a, &m), 0);
	CHECK_STR_EQ(m.run_id, "0123456789abcdef0123456789abcdef");
	CHECK_INT_EQ(m.nmetrics, 2);
	CHECK_STR_EQ(m.metrics[0].key, "m0");
	CHECK(m.metrics[0].value == 0.25);
	CHECK_INT_EQ(m.metrics[0].timestamp, 1700000000000LL);
	CHECK_INT_EQ(m.metrics[0].step, 7);
	CHECK(m.metrics[0].run_id == NULL);
	CHECK(m.metrics[1].value == -3.0);
	CHECK(m.metrics[1].step == INT64_MIN);
	CHECK_INT_EQ(m.nparams, 2);
	CHECK_STR_EQ(m.params[1].key, "q");
	CHECK_STR_EQ(m.params[1].value, "");
	CHECK_INT_EQ(m.ntags, 1);
	CHECK_STR_EQ(m.tags[0].value, "caf\xC3\xA9 \xF0\x9F\x98\x80");
	arena_release(&a);
	diff(BATCH, body, HANDLE);
}

TEST(canonical_metric_values)
{
	struct arena a;
	arena_init(&a, 0);
	struct api_fast_msg m;
	const char *body = "{\"run_uuid\":\"u1\",\"run_id\":\"\",\"key\":\"loss\",\"value\":\"-Infinity\","
			   "\"timestamp\":12,\"step\":null}";
	CHECK_INT_EQ(api_fast_parse(METRIC, body, strlen(body), &a, &m), 0);
	CHECK_STR_EQ(m.run_id, "u1");
	CHECK_INT_EQ(m.nmetrics, 1);
	CHECK(isinf(m.metrics[0].value) && m.metrics[0].value < 0);
	CHECK_INT_EQ(m.metrics[0].step, 0);
	arena_release(&a);
	diff(METRIC, body, HANDLE);
}

/* Valid variants the fast path must take and must read as jansson does. */
TEST(valid_batch_variants)
{
	static const char *const bodies[] = {
		"{" R "}",
		"{" R ",\"metrics\":[]}",
		"{" R ",\"metrics\":[],\"params\":[],\"tags\":[]}",
		"{\"metrics\":[{\"step\":3,\"timestamp\":5,\"value\":1.5,\"key\":\"k\"}]," R "}",
		"{\"tags\":[{\"value\":\"b\",\"key\":\"a\"}],\"params\":[{\"key\":\"x\",\"value\":\"\"}]," R "}",
		" \n\t{ " R " , \"metrics\" : [ { \"key\" : \"k\" , \"value\" : 1 , \"timestamp\" : 2 } ] } \r\n ",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":\"NaN\",\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":\"Infinity\",\"timestamp\":1},{\"key\":\"k\",\"value\":\"-Infinity\",\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":\"nan\",\"timestamp\":1},{\"key\":\"k\",\"value\":\"1.5e3\",\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":\"-inf\",\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1e10,\"timestamp\":1},{\"key\":\"k\",\"value\":1E-5,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":-1.25e+300,\"timestamp\":1},{\"key\":\"k\",\"value\":-0,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":-0.0,\"timestamp\":1},{\"key\":\"k\",\"value\":0,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":1e-400,\"timestamp\":1},{\"key\":\"k\",\"value\":4.9e-324,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":9007199254740993,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":9223372036854775807,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":-9223372036854775808,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":0.1000000000000000055511151231257827021181583404541015625,\"timestamp\":1},"
		"{\"key\":\"k\",\"value\":1.7976931348623157e308,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":-5,\"step\":9223372036854775807},"
		"{\"key\":\"k\",\"value\":1,\"timestamp\":\"17\",\"step\":\"-3\"},"
		"{\"key\":\"k\",\"value\":1,\"timestamp\":5.0,\"step\":1e3},{\"key\":\"k\",\"value\":1,\"timestamp\":0}]}",
		"{" R ",\"metrics\":[{\"key\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\",\"value\":1,\"timestamp\":1}]}",
		"{" R ",\"tags\":[{\"key\":\"\\u00e9\\u4e2d\\uD834\\uDD1E\\u0001\",\"value\":\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"}]}",
		"{" R ",\"tags\":[{\"key\":\"t\",\"value\":null}],\"params\":null}",
		"{" R ",\"metrics\":null}",
		/* unknown fields anywhere are skipped, as jansson keeps and the handlers ignore them */
		"{" R ",\"run_uuid\":5,\"extra\":{\"a\":[1,2.5,-3e2,true,false,null,\"s\\u00e9\",{}],\"b\":[]},"
		"\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":1,\"model_id\":\"m\",\"x\":[[[]]]}],"
		"\"tags\":[{\"key\":\"k\",\"zz\":{\"dup\":1,\"dup\":2}}]}",
		"{\"extra\":1,\"extra\":2," R "}",
		"{\"k\\u0065y\":1," R "}",
	};
	/* The escaped key "k\u0065y" in the last body is a decline, by design (keys are matched raw). */
	size_t nb = sizeof bodies / sizeof bodies[0];
	for (size_t i = 0; i + 1 < nb; i++)
		diff(BATCH, bodies[i], HANDLE);
	diff(BATCH, bodies[nb - 1], DECLINE);
}

TEST(valid_metric_variants)
{
	static const char *const bodies[] = {
		"{" R ",\"key\":\"k\",\"value\":1,\"timestamp\":2}",
		"{\"step\":4,\"timestamp\":2,\"value\":0.5,\"key\":\"k\"," R ",\"run_uuid\":\"x\"}",
		"{\"run_uuid\":\"u\",\"key\":\"k\",\"value\":1,\"timestamp\":2}",
		"{\"run_id\":null,\"run_uuid\":\"u\",\"key\":\"k\",\"value\":1,\"timestamp\":2}",
		"{" R ",\"run_uuid\":7,\"key\":\"k\",\"value\":\"NaN\",\"timestamp\":\"2\",\"step\":\"-1\"}",
		"{" R ",\"key\":\"k\",\"value\":-0,\"timestamp\":2,\"metrics\":[1],\"dataset_name\":\"d\"}",
		"{" R ",\"key\":\"\\u00fc\",\"value\":123456789012345678,\"timestamp\":2,\"step\":-7}",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
		diff(METRIC, bodies[i], HANDLE);
}

/* Bodies the jansson path rejects or words an error for: the fast path must decline. */
TEST(invalid_bodies_decline)
{
	static const char *const batch[] = {
		"", "   ", "{}", "[]", "null", "\"{}\"", "{" R ",}", "{" R "", "{" R "}x", "{" R "}{}",
		"{\"run_id\":\"\"}", "{\"run_id\":5}", "{\"run_uuid\":\"u\"}", "{" R "," R "}",
		"{" R ",\"metrics\":{}}", "{" R ",\"metrics\":[1]}", "{" R ",\"metrics\":[{}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"\",\"value\":1,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":null,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":true,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":\"abc\",\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":\" 1\",\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"key\":\"k\",\"value\":1,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":1.5}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":\"1.0\"}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":1e300}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":1,\"step\":[]}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":01,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1.,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":.5,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":+1,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":0x10,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":NaN,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":Infinity,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1e400,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":-1e400,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1e,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":-,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":9223372036854775808,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":-9223372036854775809,\"timestamp\":1}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":99999999999999999999}]}",
		"{" R ",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":1}],\"metrics\":[]}",
		"{" R ",\"params\":[{\"key\":\"k\",\"value\":1}]}",
		"{" R ",\"params\":[{\"value\":\"v\"}]}",
		"{" R ",\"params\":[\"k\"]}",
		"{" R ",\"tags\":[{\"key\":\"k\",\"value\":\"v\",\"value\":\"w\"}]}",
		"{" R ",\"x\":\"\\u0000\"}", "{" R ",\"x\":\"\\ud800\"}", "{" R ",\"x\":\"\\udc00\"}",
		"{" R ",\"x\":\"\\ud800\\u0041\"}", "{" R ",\"x\":\"\\x\"}", "{" R ",\"x\":\"\\u12\"}",
		"{" R ",\"x\":\"a\tb\"}", "{" R ",\"x\":\"\xc3\"}", "{" R ",\"x\":\"\xed\xa0\x80\"}",
		"{" R ",\"x\":\"\xc0\xaf\"}", "{" R ",\"x\":\"\xf4\x90\x80\x80\"}", "{" R ",\"x\":tru}",
		"{" R ",\"x\":1e400}", "{" R ",\"x\":123456789012345678901}", "{" R ",\"x\":[1,]}",
		"{" R ",\"x\":{\"a\"}}", "{" R ",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		"\xef\xbb\xbf{" R "}", "{\"run_\\u0069d\":\"abc\"}",
	};
	for (size_t i = 0; i < sizeof batch / sizeof batch[0]; i++)
		diff(BATCH, batch[i], DECLINE);
	static const char *const metric[] = {
		"{" R ",\"key\":\"k\",\"value\":1}", "{\"key\":\"k\",\"value\":1,\"timestamp\":1}",
		"{\"run_id\":\"\",\"run_uuid\":\"\",\"key\":\"k\",\"value\":1,\"timestamp\":1}",
		"{\"run_id\":\"\",\"run_uuid\":3,\"key\":\"k\",\"value\":1,\"timestamp\":1}",
		"{\"run_id\":[],\"key\":\"k\",\"value\":1,\"timestamp\":1}",
		"{" R ",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"value\":2}",
		"{" R ",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"step\":1.5}",
		"{" R ",\"key\":5,\"value\":1,\"timestamp\":1}",
	};
	for (size_t i = 0; i < sizeof metric / sizeof metric[0]; i++)
		diff(METRIC, metric[i], DECLINE);
}

/* Over-limit batches are left to the jansson path, which words the limit error. */
TEST(batch_limits_decline)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK(buf_append_str(&b, "{" R ",\"metrics\":[") == 0);
	for (int i = 0; i < 1001; i++)
		CHECK(buf_printf(&b, "%s{\"key\":\"m\",\"value\":%d,\"timestamp\":1,\"step\":%d}", i ? "," : "", i, i) == 0);
	CHECK(buf_append_str(&b, "]}") == 0);
	diff_len(BATCH, b.data, b.len, DECLINE);
	/* exactly 1000 is fine */
	buf_reset(&b);
	CHECK(buf_append_str(&b, "{" R ",\"metrics\":[") == 0);
	for (int i = 0; i < 1000; i++)
		CHECK(buf_printf(&b, "%s{\"key\":\"m%d\",\"value\":%d.25,\"timestamp\":1700000000000,\"step\":%d}",
				  i ? "," : "", i % 10, i, i / 10) == 0);
	CHECK(buf_append_str(&b, "]}") == 0);
	diff_len(BATCH, b.data, b.len, HANDLE);
	/* 999 metrics + 2 params: over the total */
	buf_reset(&b);
	CHECK(buf_append_str(&b, "{" R ",\"params\":[{\"key\":\"a\"},{\"key\":\"b\"}],\"metrics\":[") == 0);
	for (int i = 0; i < 999; i++)
		CHECK(buf_printf(&b, "%s{\"key\":\"m\",\"value\":1,\"timestamp\":1}", i ? "," : "") == 0);
	CHECK(buf_append_str(&b, "]}") == 0);
	diff_len(BATCH, b.data, b.len, DECLINE);
	buf_reset(&b);
	CHECK(buf_append_str(&b, "{" R ",\"tags\":[") == 0);
	for (int i = 0; i < 101; i++)
		CHECK(buf_printf(&b, "%s{\"key\":\"t%d\",\"value\":\"v\"}", i ? "," : "", i) == 0);
	CHECK(buf_append_str(&b, "]}") == 0);
	diff_len(BATCH, b.data, b.len, DECLINE);
	buf_release(&b);
}

/* Real tokens of every shape near the fast path's edges (length cap, exponents). */
TEST(number_tokens_match)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char body[512], num[200];
	for (int it = 0; it < 4000; it++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = 0;
		if (x & 1)
			num[n++] = '-';
		int intd = 1 + (int)(x >> 8) % 25, fracd = (int)(x >> 16) % 110;
		for (int i = 0; i < intd; i++)
			num[n++] = (char)('0' + (i == 0 && intd > 1 ? 1 + (x >> (20 + i)) % 9 : (x >> (20 + i)) % 10));
		if (fracd > 0 && (x & 2)) {
			num[n++] = '.';
			for (int i = 0; i < fracd && n < 180; i++)
				num[n++] = (char)('0' + (x >> (i % 60)) % 10);
		}
		if (x & 4)
			n += (size_t)snprintf(num + n, sizeof num - n, "e%d", (int)((x >> 30) % 700) - 350);
		num[n] = '\0';
		snprintf(body, sizeof body, "{" R ",\"key\":\"k\",\"value\":%s,\"timestamp\":%s}", num,
			 (x & 8) ? num : "1");
		diff(METRIC, body, EITHER);
	}
}

/* ------------------------------------------------------------------ fuzz */

static uint64_t rng = 0x243F6A8885A308D3ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const seeds_batch[] = {
	"{" R ",\"metrics\":[{\"key\":\"m0\",\"value\":0.25,\"timestamp\":1700000000000,\"step\":100},"
	"{\"key\":\"m1\",\"value\":\"NaN\",\"timestamp\":1700000000000,\"step\":-1}],"
	"\"params\":[{\"key\":\"lr\",\"value\":\"0.1\"}],\"tags\":[{\"key\":\"t\\u00e9\",\"value\":\"\\ud83d\\ude00\"}]}",
	"{\"metrics\":[{\"step\":1,\"timestamp\":\"5\",\"value\":-1.5e-3,\"key\":\"a\\nb\",\"x\":[1,{\"y\":null}]}]," R "}",
	"{" R ",\"tags\":[{\"key\":\"k\",\"value\":null}],\"extra\":[true,false,{\"a\":\"b\"}]}",
};
static const char *const seeds_metric[] = {
	"{" R ",\"run_uuid\":\"0123\",\"key\":\"loss\",\"value\":12.5,\"timestamp\":1700000000000,\"step\":3}",
	"{\"run_uuid\":\"u\",\"key\":\"k\\t\",\"value\":\"-Infinity\",\"timestamp\":\"7\",\"step\":null}",
};

static const char alphabet[] = "{}[],:\"\\/ u0123456789-+.eE\tnNaIfty\x01\x7f\x80\xc3\xa9\xed\xf0";

static size_t mutate(char *buf, size_t len, size_t cap)
{
	int ops = 1 + (int)(rnd() % 4);
	for (int k = 0; k < ops; k++) {
		size_t pos = len ? (size_t)(rnd() % len) : 0;
		char c = alphabet[rnd() % (sizeof alphabet - 1)];
		switch (rnd() % 6) {
		case 0:
			if (len)
				buf[pos] = c;
			break;
		case 1:
			if (len + 1 < cap) {
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = c;
				len++;
			}
			break;
		case 2:
			if (len) {
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
			}
			break;
		case 3:
			len = pos;
			break;
		case 4: {  /* duplicate a slice: repeated keys, nested structures */
			size_t sl = len - pos < 40 ? len - pos : 40;
			sl = sl ? (size_t)(rnd() % sl) + 1 : 0;
			size_t at = len ? (size_t)(rnd() % len) : 0;
			if (len + sl < cap) {
				char tmp[40];
				memcpy(tmp, buf + pos, sl);
				memmove(buf + at + sl, buf + at, len - at);
				memcpy(buf + at, tmp, sl);
				len += sl;
			}
			break;
		}
		default:
			if (len)
				buf[pos] = (char)(rnd() & 0xFF);
			break;
		}
	}
	buf[len] = '\0';
	return len;
}

static void fuzz(enum api_fast_kind kind, const char *const *seeds, size_t nseeds, int iters)
{
	char buf[2048];
	int handled = 0;
	for (int it = 0; it < iters; it++) {
		const char *seed = seeds[rnd() % nseeds];
		size_t len = strlen(seed);
		memcpy(buf, seed, len + 1);
		len = mutate(buf, len, sizeof buf - 1);
		/* Exact-length buffer so ASan catches any read past the body. */
		char *exact = malloc(len ? len : 1);
		CHECK(exact != NULL);
		memcpy(exact, buf, len);
		handled += diff_len(kind, exact, len, EITHER);
		free(exact);
	}
	/* The loop must exercise both outcomes, or it proves little. */
	CHECK_MSG(handled > iters / 20 && handled < iters, "handled %d of %d", handled, iters);
}

TEST(fuzz_batch)
{
	fuzz(BATCH, seeds_batch, sizeof seeds_batch / sizeof seeds_batch[0], 6000);
}

TEST(fuzz_metric)
{
	fuzz(METRIC, seeds_metric, sizeof seeds_metric / sizeof seeds_metric[0], 4000);
}

/* ------------------------------------------------------------------ live server */

struct fixture {
	struct store *store;
	struct api_context ctx;
	struct http_route *routes;
	size_t nroutes;
	struct http_server *srv;
	struct tu_server s;
};

static struct fixture fx;

static void fx_start(void)
{
	struct cairn_error err = {0};
	char path[1024];
	memset(&fx, 0, sizeof fx);
	snprintf(path, sizeof path, "%s/cairn.db", test_tmpdir());
	struct store_options so = { .default_artifact_root = "mlflow-artifacts:" };
	fx.store = store_open(path, &so, &err);
	CHECK_MSG(fx.store != NULL, "store_open: %s", err.msg);
	fx.ctx.store = fx.store;
	CHECK_MSG(api_build_routes(&fx.ctx, &fx.routes, &fx.nroutes, &err) == 0, "%s", err.msg);
	struct http_server_options ho = { .host = "127.0.0.1", .port = 0, .threads = 2,
					   .not_found = api_not_found };
	fx.srv = http_server_start(fx.routes, fx.nroutes, &ho, &err);
	CHECK_MSG(fx.srv != NULL, "http_server_start: %s", err.msg);
	snprintf(fx.s.base_url, sizeof fx.s.base_url, "http://127.0.0.1:%d", http_server_port(fx.srv));
}

static void fx_stop(void)
{
	http_server_stop(fx.srv);
	cairn_free(fx.routes);
	store_close(fx.store);
	memset(&fx, 0, sizeof fx);
}

static char run_id[64];

static void create_run(void)
{
	json_t *v = tu_call_json(&fx.s, "POST", "/api/2.0/mlflow/runs/create",
				 "{\"experiment_id\":\"0\",\"start_time\":1000}", 200);
	const char *id = json_string_value(json_object_get(json_object_get(json_object_get(v, "run"), "info"), "run_id"));
	CHECK(id != NULL && strlen(id) < sizeof run_id);
	snprintf(run_id, sizeof run_id, "%s", id);
	json_decref(v);
}

/* The history of `key` as compact JSON text. */
static char *history(const char *key)
{
	char path[256];
	snprintf(path, sizeof path, "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=%s", run_id, key);
	json_t *v = tu_call_json(&fx.s, "GET", path, NULL, 200);
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(v);
	CHECK(s != NULL);
	return s;
}

TEST(live_server_same_results)
{
	fx_start();
	create_run();
	char body[2048];
	/* Same points through the fast path (key "a") and, forced by an escaped key, the jansson
	 * path (key "b"): identical histories. */
	const char *pts = "{\"key\":\"%s\",\"value\":0.1,\"timestamp\":5,\"step\":1},"
			  "{\"key\":\"%s\",\"value\":\"NaN\",\"timestamp\":6,\"step\":-2},"
			  "{\"key\":\"%s\",\"value\":-0,\"timestamp\":7},"
			  "{\"key\":\"%s\",\"value\":1e-320,\"timestamp\":\"8\",\"step\":\"9\"}";
	char fmt[1024];
	snprintf(fmt, sizeof fmt, "{\"run_id\":\"%%s\",\"metrics\":[%s]%%s}", pts);
	snprintf(body, sizeof body, fmt, run_id, "a", "a", "a", "a", "");
	json_decref(tu_call_json(&fx.s, "POST", "/api/2.0/mlflow/runs/log-batch", body, 200));
	snprintf(body, sizeof body, fmt, run_id, "b", "b", "b", "b", ",\"\\u0078\":1");
	json_decref(tu_call_json(&fx.s, "POST", "/api/2.0/mlflow/runs/log-batch", body, 200));
	char *ha = history("a"), *hb = history("b");
	CHECK(strstr(ha, "\"key\":\"a\"") != NULL);
	for (char *p = hb; (p = strstr(p, "\"key\":\"b\"")) != NULL; p++)
		p[7] = 'a';
	CHECK_STR_EQ(ha, hb);
	free(ha);
	free(hb);

	/* log-metric, both ways */
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"c\",\"value\":2.5,\"timestamp\":3,\"step\":4}", run_id);
	json_decref(tu_call_json(&fx.s, "POST", "/api/2.0/mlflow/runs/log-metric", body, 200));
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"k\\u0065y\":\"d\",\"value\":2.5,\"timestamp\":3,\"step\":4}", run_id);
	json_decref(tu_call_json(&fx.s, "POST", "/api/2.0/mlflow/runs/log-metric", body, 200));
	char *hc = history("c"), *hd = history("d");
	CHECK(strstr(hc, "2.5") != NULL);
	hd[strstr(hd, "\"key\":\"d\"") - hd + 7] = 'c';
	CHECK_STR_EQ(hc, hd);
	free(hc);
	free(hd);

	/* params and tags land */
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"params\":[{\"key\":\"p\",\"value\":\"\\u00e9\"}],"
		 "\"tags\":[{\"key\":\"t\"}]}", run_id);
	json_decref(tu_call_json(&fx.s, "POST", "/api/2.0/mlflow/runs/log-batch", body, 200));
	char path[256];
	snprintf(path, sizeof path, "/api/2.0/mlflow/runs/get?run_id=%s", run_id);
	json_t *v = tu_call_json(&fx.s, "GET", path, NULL, 200);
	json_t *data = json_object_get(json_object_get(v, "run"), "data");
	json_t *p0 = json_array_get(json_object_get(data, "params"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(p0, "value")), "\xc3\xa9");
	json_decref(v);
	fx_stop();
}

TEST(live_server_same_errors)
{
	fx_start();
	create_run();
	char body[1024], other[1024];
	/* Store errors through the fast path word exactly what the jansson path words. */
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":1}]}",
		 "nonexistent0000000000000000000000");
	snprintf(other, sizeof other, "{\"run_id\":\"%s\",\"\\u0078\":0,\"metrics\":[{\"key\":\"k\",\"value\":1,\"timestamp\":1}]}",
		 "nonexistent0000000000000000000000");
	struct tu_response r1, r2;
	tu_call(&fx.s, "POST", "/api/2.0/mlflow/runs/log-batch", body, &r1);
	tu_call(&fx.s, "POST", "/api/2.0/mlflow/runs/log-batch", other, &r2);
	CHECK(r1.status >= 400);
	CHECK_INT_EQ(r1.status, r2.status);
	CHECK_STR_EQ(r1.body, r2.body);
	tu_response_free(&r1);
	tu_response_free(&r2);
	snprintf(body, sizeof body, "{\"run_id\":\"nope\",\"key\":\"k\",\"value\":1,\"timestamp\":1}");
	snprintf(other, sizeof other, "{\"run_id\":\"nope\",\"\\u0078\":0,\"key\":\"k\",\"value\":1,\"timestamp\":1}");
	tu_call(&fx.s, "POST", "/api/2.0/mlflow/runs/log-metric", body, &r1);
	tu_call(&fx.s, "POST", "/api/2.0/mlflow/runs/log-metric", other, &r2);
	CHECK(r1.status >= 400);
	CHECK_INT_EQ(r1.status, r2.status);
	CHECK_STR_EQ(r1.body, r2.body);
	tu_response_free(&r1);
	tu_response_free(&r2);
	/* Declined bodies still get today's messages. */
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"acc\",\"value\":0.9}]}", run_id);
	const char *m = tu_expect_error(&fx.s, "POST", "/api/2.0/mlflow/runs/log-batch", body, 400,
					"INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "metrics[0]");
	CHECK_STR_CONTAINS(m, "timestamp");
	m = tu_expect_error(&fx.s, "POST", "/api/2.0/mlflow/runs/log-metric", "{\"run_id\":\"x\",\"key\":\"k\",\"value\":01}",
			    400, "INVALID_PARAMETER_VALUE");
	CHECK_STR_CONTAINS(m, "Malformed JSON");
	/* Content-Type is still checked first. */
	struct tu_response r;
	snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"k\",\"value\":1,\"timestamp\":1}", run_id);
	tu_request(&fx.s, "POST", "/api/2.0/mlflow/runs/log-metric", "text/plain", body, strlen(body), &r);
	CHECK_INT_EQ(r.status, 400);
	CHECK_STR_CONTAINS(r.body, "Content-Type");
	tu_response_free(&r);
	fx_stop();
}

TEST_MAIN(canonical_batch_values, canonical_metric_values, valid_batch_variants, valid_metric_variants,
	  invalid_bodies_decline, batch_limits_decline, number_tokens_match, fuzz_batch, fuzz_metric,
	  live_server_same_results, live_server_same_errors)
