/* base64 and percent-decoding. */
#include "base/base.h"
#include "../../harness.h"

#include <string.h>

TEST(base64_rfc4648_vectors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	struct arena a;
	arena_init(&a, 0);
	for (size_t i = 0; i < 7; i++) {
		CHECK_STR_EQ(base64_encode(&a, plain[i], strlen(plain[i])), enc[i]);
		size_t n = 99;
		unsigned char *d = base64_decode(&a, enc[i], &n);
		CHECK(d != NULL);
		CHECK_INT_EQ(n, strlen(plain[i]));
		CHECK(memcmp(d, plain[i], n) == 0);
		CHECK(d[n] == 0);
	}
	arena_release(&a);
}

TEST(base64_round_trip_binary)
{
	struct arena a;
	arena_init(&a, 0);
	unsigned char data[300];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof data; n += 1) {
		char *e = base64_encode(&a, data, n);
		CHECK(e != NULL);
		CHECK_INT_EQ(strlen(e), (n + 2) / 3 * 4);
		size_t m = 0;
		unsigned char *d = base64_decode(&a, e, &m);
		CHECK_MSG(d != NULL, "n=%zu", n);
		CHECK_INT_EQ(m, n);
		CHECK(memcmp(d, data, n) == 0);
	}
	/* All 64 alphabet characters appear and survive. */
	const char *all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t m = 0;
	unsigned char *d = base64_decode(&a, all, &m);
	CHECK(d != NULL);
	CHECK_INT_EQ(m, 48);
	CHECK_STR_EQ(base64_encode(&a, d, m), all);
	arena_release(&a);
}

TEST(base64_rejects_malformed)
{
	static const char *const bad[] = {
		"Z", "Zg", "Zg=", "Zm9", "Zm9vY", "Z===", "====", "=Zm9", "Zm=v", "Zg==Zg==",
		"Zm9v\n", " Zm9v", "Zm9v!", "Zm-_", "Zh==", "Zm9=", "\xc3\xa9\xc3\xa9",
	};
	struct arena a;
	arena_init(&a, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = 0;
		CHECK_MSG(base64_decode(&a, bad[i], &n) == NULL, "accepted \"%s\"", bad[i]);
	}
	arena_release(&a);
}

TEST(base64_arena_limit)
{
	struct arena a;
	arena_init(&a, 64);
	char data[100] = {0};
	CHECK(base64_encode(&a, data, sizeof data) == NULL);
	arena_release(&a);
}

TEST(url_decode_basic)
{
	struct arena a;
	arena_init(&a, 0);
	size_t n = 0;
	const char *s = "a%20b%2Fc%2fd";
	CHECK_STR_EQ(url_decode(&a, s, strlen(s), 0, &n), "a b/c/d");
	CHECK_INT_EQ(n, 7);
	s = "x+y%2B";
	CHECK_STR_EQ(url_decode(&a, s, strlen(s), 1, NULL), "x y+");
	CHECK_STR_EQ(url_decode(&a, s, strlen(s), 0, NULL), "x+y+");
	CHECK_STR_EQ(url_decode(&a, "", 0, 0, &n), "");
	CHECK_INT_EQ(n, 0);
	CHECK_STR_EQ(url_decode(&a, "%C3%a9", 6, 0, &n), "\xc3\xa9");
	/* Only n bytes are read. */
	CHECK_STR_EQ(url_decode(&a, "abc%zz", 3, 0, &n), "abc");
	/* %00 yields a NUL byte, and the length says so. */
	char *d = url_decode(&a, "a%00b", 5, 0, &n);
	CHECK(d != NULL);
	CHECK_INT_EQ(n, 3);
	CHECK(memcmp(d, "a\0b", 3) == 0);
	arena_release(&a);
}

TEST(url_decode_malformed)
{
	static const char *const bad[] = { "%", "%4", "a%4", "%zz", "%4g", "%g4", "%%", "%-1", "% 1", "abc%" };
	struct arena a;
	arena_init(&a, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = 0;
		CHECK_MSG(url_decode(&a, bad[i], strlen(bad[i]), 0, &n) == NULL, "accepted \"%s\"", bad[i]);
	}
	/* An escape cut by n is malformed even if the string goes on. */
	CHECK(url_decode(&a, "%41", 2, 0, NULL) == NULL);
	arena_release(&a);
}

TEST_MAIN(base64_rfc4648_vectors, base64_round_trip_binary, base64_rejects_malformed,
	  base64_arena_limit, url_decode_basic, url_decode_malformed)
