/*
 * The direct metric-list encoder (api_encode_fast.c) against the jansson path it replaces,
 * differentially: for every input, api_encode_metrics / the writer must produce exactly the
 * bytes json_dump_buf makes of the api_json_metric tree, and api_format_real exactly what
 * jansson prints for json_real(v).
 */
#include "api/api_internal.h"
#include "../../harness.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The handler's old response: a jansson tree, dumped. */
static void ref_encode(struct buf *out, const struct store_metric *ms, size_t n, int with_run_id,
		       const char *token)
{
	json_t *o = json_object();
	CHECK(o != NULL);
	if (n > 0) {
		json_t *arr = json_array();
		CHECK(arr != NULL && json_object_set_new(o, "metrics", arr) == 0);
		for (size_t i = 0; i < n; i++)
			CHECK(json_array_append_new(arr, api_json_metric(&ms[i], with_run_id)) == 0);
	}
	if (token && *token)
		CHECK(json_object_set_new(o, "next_page_token", api_json_str(token)) == 0);
	CHECK(json_dump_buf(o, out) == 0);
	json_decref(o);
}

static void check_same(const struct store_metric *ms, size_t n, int with_run_id, const char *token)
{
	struct buf ref, got;
	buf_init(&ref, 0);
	buf_init(&got, 0);
	ref_encode(&ref, ms, n, with_run_id, token);
	CHECK_INT_EQ(api_encode_metrics(&got, ms, n, with_run_id, token), 0);
	if (got.len != ref.len || memcmp(got.data, ref.data, ref.len) != 0) {
		size_t i = 0;
		while (i < got.len && i < ref.len && got.data[i] == ref.data[i])
			i++;
		size_t from = i > 60 ? i - 60 : 0;
		test_fail(__FILE__, __LINE__, "differ at byte %zu (len %zu vs ref %zu):\n got ...%.120s\n ref ...%.120s",
			  i, got.len, ref.len, got.data + from, ref.data + from);
	}
	/* The writer API gives the same bytes. */
	struct buf w2;
	buf_init(&w2, 0);
	struct api_metric_writer *w = malloc(sizeof *w);
	CHECK(w != NULL);
	api_metric_writer_begin(w, &w2);
	for (size_t i = 0; i < n; i++)
		CHECK_INT_EQ(api_metric_writer_add(w, &ms[i], with_run_id), 0);
	CHECK_INT_EQ(api_metric_writer_end(w, token), 0);
	CHECK(w2.len == ref.len && memcmp(w2.data, ref.data, ref.len) == 0);
	free(w);
	buf_release(&ref);
	buf_release(&got);
	buf_release(&w2);
}

/* ------------------------------------------------------------------ doubles */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static double bits_double(uint64_t b)
{
	double d;
	memcpy(&d, &b, sizeof d);
	return d;
}

static void check_real(double v)
{
	if (!isfinite(v))
		return;  /* json_real refuses them; the lists test their string form */
	char got[API_REAL_TEXT_MAX + 1];
	size_t n = api_format_real(v, got);
	CHECK(n <= API_REAL_TEXT_MAX);
	got[n] = '\0';
	json_t *r = json_real(v);
	CHECK(r != NULL);
	char *ref = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
	CHECK(ref != NULL);
	if (strcmp(got, ref) != 0)
		test_fail(__FILE__, __LINE__, "%a: got %s, jansson %s", v, got, ref);
	free(ref);
	json_decref(r);
}

static void check_real_both_signs(double v)
{
	check_real(v);
	check_real(-v);
}

TEST(reals_special_values)
{
	static const double vals[] = {
		0.0, 1.0, 0.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 100.0, 1e15, 1e16, 1e17, 1e18, 1e21,
		1e22, 1e23, 1e37, 1e38, 1e39, 1e100, 1e300, 1e308, 1e-4, 1e-5, 1e-6, 1e-7, 1e-10,
		1e-300, 1e-308, 1e-320, 123456789012345678.0, 9007199254740992.0,
		9007199254740993.0, 4503599627370496.0, 4503599627370495.5, 99999999999999999.0,
		9999999999999998.0, 0.00001, 0.0001, 0.001, 3.141592653589793, 2.718281828459045,
		DBL_MAX, DBL_MIN, DBL_EPSILON, 5e-324, 4.9406564584124654e-324,
		2.2250738585072009e-308, 1.7976931348623157e308, 0.1 + 0.2, 1.5e-7,
		/* ties at the 17th digit (glibc rounds them to even) */
		12345678901.0 + 1.0 / 128, 12345678903.0 + 1.0 / 128, 12345678901.0 + 3.0 / 128,
		1234567890123.0 + 1.0 / 32, 1234567890123.0 + 3.0 / 32, 0.5 + 1.0 / 1024,
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		check_real_both_signs(vals[i]);
	/* Around every power of ten and two the double range has, with neighbours. */
	for (int e = -330; e <= 310; e++) {
		char t[32];
		snprintf(t, sizeof t, "1e%d", e);
		double p = strtod(t, NULL);
		check_real_both_signs(p);
		check_real_both_signs(nextafter(p, 0));
		check_real_both_signs(nextafter(p, INFINITY));
		snprintf(t, sizeof t, "9.99999999999999999e%d", e);
		check_real_both_signs(strtod(t, NULL));
	}
	for (int e = -1074; e <= 1023; e++) {
		double p = ldexp(1.0, e);
		check_real_both_signs(p);
		check_real_both_signs(nextafter(p, 0));
		check_real_both_signs(nextafter(p, INFINITY));
	}
}

TEST(reals_random_bits)
{
	/* Every exponent, subnormals included, uniformly. */
	for (int i = 0; i < 400000; i++) {
		double v = bits_double(rnd());
		if (isfinite(v))
			check_real(v);
	}
}

TEST(reals_random_metric_like)
{
	for (int i = 0; i < 300000; i++) {
		uint64_t r = rnd();
		double u = (double)(r >> 11) / 9007199254740992.0;  /* [0, 1) */
		check_real(u);
		check_real(1.0 / (double)(i + 1));
		check_real((double)(int64_t)(rnd() % 2000001) - 1000000.0);      /* integers */
		check_real(u * pow(10.0, (double)(int)(rnd() % 40) - 20));     /* 1e-20 .. 1e20 */
		check_real((double)(rnd() >> (rnd() % 64)));                    /* big integers */
		/* short decimals, like values a user typed */
		check_real((double)(int)(rnd() % 100000) / 1000.0);
		/* dyadic fractions: exact decimals, many hit 17-digit ties */
		check_real((double)(rnd() >> 20) / (double)(UINT64_C(1) << (rnd() % 40)));
	}
}

TEST(reals_nonfinite_text)
{
	char t[API_REAL_TEXT_MAX];
	CHECK_INT_EQ(api_format_real(NAN, t), 3);
	CHECK(memcmp(t, "nan", 3) == 0);
	CHECK_INT_EQ(api_format_real(-INFINITY, t), 4);
	CHECK(memcmp(t, "-inf", 4) == 0);
}

/* ------------------------------------------------------------------ metric lists */

static const char *const tricky[] = {
	"loss", "", "a\"b", "back\\slash", "slash/key", "tab\there", "nl\nx", "cr\rx", "bs\bx",
	"ff\fx", "\x01\x02\x1f", "del\x7f", "caf\xc3\xa9", "\xe2\x82\xac euro",
	"\xf0\x9f\x98\x80 emoji", "\xe4\xb8\xad\xe6\x96\x87", "bad\xff utf8", "trunc\xe2\x82",
	"over\xc0\xaf", "surr\xed\xa0\x80", "\"\\\"\\", "k" /* short */,
	("a very long metric key name / with: many characters, to pass the 128-byte cache of the "
	 "writer and check that uncached keys are written correctly every time they occur."),
};
#define NTRICKY (sizeof tricky / sizeof tricky[0])

static double rnd_value(void)
{
	switch (rnd() % 10) {
	case 0: return NAN;
	case 1: return (rnd() & 1) ? INFINITY : -INFINITY;
	case 2: return (rnd() & 1) ? 0.0 : -0.0;
	case 3: return (double)(int64_t)(rnd() % 1000);
	case 4: return bits_double(rnd() & UINT64_C(0x800FFFFFFFFFFFFF));  /* subnormal */
	case 5: {
		double v = bits_double(rnd());
		return isfinite(v) ? v : 1.0;
	}
	default: return (double)(rnd() >> 11) / 9007199254740992.0 * pow(10.0, (double)(int)(rnd() % 16) - 8);
	}
}

static int64_t rnd_int(void)
{
	switch (rnd() % 6) {
	case 0: return INT64_MIN;
	case 1: return INT64_MAX;
	case 2: return -(int64_t)(rnd() % 1000);
	case 3: return 0;
	default: return (int64_t)(rnd() >> 1) >> (rnd() % 63);
	}
}

static void fill_random(struct store_metric *ms, size_t n, int vary_key)
{
	const char *key = tricky[rnd() % NTRICKY];
	const char *run = tricky[rnd() % NTRICKY];
	for (size_t i = 0; i < n; i++) {
		if (vary_key && rnd() % 4 == 0)
			key = tricky[rnd() % NTRICKY];
		if (rnd() % 8 == 0)
			run = tricky[rnd() % NTRICKY];
		ms[i].key = key;
		ms[i].value = rnd_value();
		ms[i].timestamp = rnd_int();
		ms[i].step = rnd_int();
		ms[i].run_id = run;
	}
}

TEST(lists_random)
{
	static const char *const tokens[] = { NULL, "", "eyJvZmZzZXQiOiAyNTAwMH0=", "tok/\"x\"\n",
					      "bad\xfe" };
	struct store_metric *ms = calloc(300, sizeof *ms);
	CHECK(ms != NULL);
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(rnd() % 300);
		if (round % 10 == 0)
			n = 0;
		fill_random(ms, n, round % 3 != 0);
		check_same(ms, n, (int)(rnd() & 1), tokens[rnd() % 5]);
	}
	free(ms);
}

TEST(lists_empty)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK_INT_EQ(api_encode_metrics(&b, NULL, 0, 0, NULL), 0);
	CHECK_STR_EQ(b.data, "{}");
	buf_reset(&b);
	CHECK_INT_EQ(api_encode_metrics(&b, NULL, 0, 1, ""), 0);
	CHECK_STR_EQ(b.data, "{}");
	buf_reset(&b);
	CHECK_INT_EQ(api_encode_metrics(&b, NULL, 0, 0, "abc"), 0);
	CHECK_STR_EQ(b.data, "{\"next_page_token\":\"abc\"}");
	buf_release(&b);
	check_same(NULL, 0, 0, NULL);
	check_same(NULL, 0, 1, "abc");
}

TEST(lists_exact_text)
{
	/* Pinned, so that a change in both paths at once is still noticed. */
	struct store_metric ms[3] = {
		{ "loss", 0.1, 1700000000000, 0, "r1" },
		{ "loss", 1.0, -1, 1, "r1" },
		{ "loss", NAN, 2, INT64_MIN, "r\"2" },
	};
	struct buf b;
	buf_init(&b, 0);
	CHECK_INT_EQ(api_encode_metrics(&b, ms, 3, 1, "t"), 0);
	CHECK_STR_EQ(b.data,
		     "{\"metrics\":[{\"key\":\"loss\",\"value\":0.10000000000000001,\"timestamp\":1700000000000,"
		     "\"step\":0,\"run_id\":\"r1\"},{\"key\":\"loss\",\"value\":1.0,\"timestamp\":-1,"
		     "\"step\":1,\"run_id\":\"r1\"},{\"key\":\"loss\",\"value\":\"NaN\",\"timestamp\":2,"
		     "\"step\":-9223372036854775808,\"run_id\":\"r\\\"2\"}],\"next_page_token\":\"t\"}");
	buf_release(&b);
	check_same(ms, 3, 1, "t");
	check_same(ms, 3, 0, NULL);
}

TEST(lists_null_strings_and_huge_keys)
{
	/* NULL key/run_id read as "", as api_json_str does; keys longer than the writer's
	 * stage (8 KiB) and cache, with escapes that grow them 6x. */
	size_t big = 20000;
	char *k1 = malloc(big + 1), *k2 = malloc(big + 1);
	CHECK(k1 && k2);
	for (size_t i = 0; i < big; i++) {
		k1[i] = (char)('a' + i % 26);
		k2[i] = (char)(i % 3 == 0 ? '\x01' : '"');
	}
	k1[big] = k2[big] = '\0';
	struct store_metric ms[6] = {
		{ NULL, 1.5, 1, 2, NULL },
		{ k1, 2.5, 3, 4, k2 },
		{ k1, 2.5, 3, 4, k2 },
		{ k2, -0.0, 5, 6, k1 },
		{ "x", 1e300, 7, 8, NULL },
		{ "x", 5e-324, 9, 10, "" },
	};
	check_same(ms, 6, 1, k2);
	check_same(ms, 6, 0, NULL);
	free(k1);
	free(k2);
}

TEST(lists_same_text_different_pointers)
{
	/* The cache compares text, not pointers: a reused buffer with new contents, and equal
	 * contents at different addresses. */
	char a[8] = "alpha", b[8] = "alpha";
	struct store_metric m = { a, 1.0, 1, 1, b };
	struct buf got, ref;
	buf_init(&got, 0);
	buf_init(&ref, 0);
	struct api_metric_writer *w = malloc(sizeof *w);
	CHECK(w != NULL);
	api_metric_writer_begin(w, &got);
	CHECK_INT_EQ(api_metric_writer_add(w, &m, 1), 0);
	memcpy(a, "beta", 5);
	CHECK_INT_EQ(api_metric_writer_add(w, &m, 1), 0);
	m.key = b;
	CHECK_INT_EQ(api_metric_writer_add(w, &m, 1), 0);
	CHECK_INT_EQ(api_metric_writer_end(w, NULL), 0);
	CHECK_STR_EQ(got.data,
		     "{\"metrics\":[{\"key\":\"alpha\",\"value\":1.0,\"timestamp\":1,\"step\":1,\"run_id\":\"alpha\"},"
		     "{\"key\":\"beta\",\"value\":1.0,\"timestamp\":1,\"step\":1,\"run_id\":\"alpha\"},"
		     "{\"key\":\"alpha\",\"value\":1.0,\"timestamp\":1,\"step\":1,\"run_id\":\"alpha\"}]}");
	free(w);
	buf_release(&got);
	buf_release(&ref);
}

TEST(lists_over_cap_fails)
{
	struct store_metric ms[1000];
	for (size_t i = 0; i < 1000; i++)
		ms[i] = (struct store_metric){ "loss", 0.25, 1, (int64_t)i, NULL };
	struct buf b;
	buf_init(&b, 4096);
	CHECK_INT_EQ(api_encode_metrics(&b, ms, 1000, 0, NULL), CAIRN_ETOOBIG);
	CHECK(b.len <= 4096);
	buf_release(&b);
	/* Under the cap the same input succeeds. */
	buf_init(&b, 1 << 20);
	CHECK_INT_EQ(api_encode_metrics(&b, ms, 1000, 0, NULL), 0);
	buf_release(&b);
	/* The writer keeps reporting the first error. */
	buf_init(&b, 100);
	struct api_metric_writer *w = malloc(sizeof *w);
	CHECK(w != NULL);
	api_metric_writer_begin(w, &b);
	int rc = 0;
	for (size_t i = 0; i < 1000 && rc == 0; i++)
		rc = api_metric_writer_add(w, &ms[i], 0);
	CHECK_INT_EQ(rc, CAIRN_ETOOBIG);
	CHECK_INT_EQ(api_metric_writer_add(w, &ms[0], 0), CAIRN_ETOOBIG);
	CHECK_INT_EQ(api_metric_writer_end(w, "t"), CAIRN_ETOOBIG);
	free(w);
	buf_release(&b);
}

TEST_MAIN(reals_special_values, reals_random_bits, reals_random_metric_like, reals_nonfinite_text,
	  lists_random, lists_empty, lists_exact_text, lists_null_strings_and_huge_keys,
	  lists_same_text_different_pointers, lists_over_cap_fails)
