/* UTF-8 validation vectors (Markus Kuhn's stress test, Unicode table 3-7) and counting. */
#include "base/base.h"
#include "../../harness.h"

#include <string.h>

struct vec {
	const char *bytes;
	size_t n;
	int valid;
	const char *what;
};

#define V(s, ok, what) { s, sizeof(s) - 1, ok, what }

static const struct vec vectors[] = {
	V("", 1, "empty"),
	V("hello", 1, "ascii"),
	V("\x00", 1, "embedded NUL is a valid code point"),
	V("caf\xc3\xa9", 1, "2-byte e-acute"),
	V("\xc2\x80", 1, "U+0080 smallest 2-byte"),
	V("\xdf\xbf", 1, "U+07FF largest 2-byte"),
	V("\xe0\xa0\x80", 1, "U+0800 smallest 3-byte"),
	V("\xe2\x82\xac", 1, "euro sign"),
	V("\xed\x9f\xbf", 1, "U+D7FF just below surrogates"),
	V("\xee\x80\x80", 1, "U+E000 just above surrogates"),
	V("\xef\xbf\xbf", 1, "U+FFFF"),
	V("\xf0\x90\x80\x80", 1, "U+10000 smallest 4-byte"),
	V("\xf0\x9f\x98\x80", 1, "emoji"),
	V("\xf4\x8f\xbf\xbf", 1, "U+10FFFF largest"),
	V("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 1, "mixed"),

	V("\x80", 0, "lone continuation"),
	V("\xbf", 0, "lone continuation bf"),
	V("\xc0\x80", 0, "overlong NUL (2-byte)"),
	V("\xc1\xbf", 0, "overlong 2-byte C1"),
	V("\xe0\x80\x80", 0, "overlong NUL (3-byte)"),
	V("\xe0\x9f\xbf", 0, "overlong U+07FF in 3 bytes"),
	V("\xf0\x80\x80\x80", 0, "overlong NUL (4-byte)"),
	V("\xf0\x8f\xbf\xbf", 0, "overlong U+FFFF in 4 bytes"),
	V("\xed\xa0\x80", 0, "surrogate U+D800"),
	V("\xed\xbf\xbf", 0, "surrogate U+DFFF"),
	V("\xed\xa0\xbd\xed\xb8\x80", 0, "CESU-8 surrogate pair"),
	V("\xf4\x90\x80\x80", 0, "U+110000 above max"),
	V("\xf5\x80\x80\x80", 0, "F5 lead"),
	V("\xf8\x88\x80\x80\x80", 0, "5-byte form"),
	V("\xfc\x84\x80\x80\x80\x80", 0, "6-byte form"),
	V("\xfe", 0, "FE"),
	V("\xff", 0, "FF"),
	V("\xc3", 0, "truncated 2-byte"),
	V("\xe2\x82", 0, "truncated 3-byte"),
	V("\xf0\x9f\x98", 0, "truncated 4-byte"),
	V("abc\xe2\x82", 0, "truncated at end after ascii"),
	V("\xc3\x41", 0, "bad continuation"),
	V("\xe2\x28\xa1", 0, "bad second byte of 3"),
	V("\xe2\x82\x28", 0, "bad third byte of 3"),
	V("\xf0\x9f\x28\x80", 0, "bad third byte of 4"),
	V("\xf0\x9f\x98\x28", 0, "bad fourth byte of 4"),
	V("ok\xc3\xa9\x80", 0, "stray continuation after valid"),
};

TEST(utf8_vectors)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vec *v = &vectors[i];
		CHECK_MSG(utf8_valid(v->bytes, v->n) == v->valid, "%s: expected %s", v->what,
			  v->valid ? "valid" : "invalid");
	}
}

TEST(utf8_respects_length)
{
	/* Only the first n bytes count: a cut multi-byte sequence is invalid, the rest is ignored. */
	const char *s = "\xe2\x82\xac";
	CHECK(utf8_valid(s, 3));
	CHECK(!utf8_valid(s, 2));
	CHECK(!utf8_valid(s, 1));
	CHECK(utf8_valid(s, 0));
	CHECK(utf8_valid("ab\xff", 2));
}

TEST(utf8_every_two_byte_lead)
{
	char s[2];
	for (int lead = 0x80; lead <= 0xFF; lead++) {
		s[0] = (char)lead;
		s[1] = (char)0x80;
		int expect = lead >= 0xC2 && lead <= 0xDF;
		CHECK_MSG(utf8_valid(s, 2) == expect, "lead 0x%02x", lead);
	}
}

TEST(utf8_length_counts_code_points)
{
	CHECK_INT_EQ(utf8_length("", 0), 0);
	CHECK_INT_EQ(utf8_length("abc", 3), 3);
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
	CHECK_INT_EQ(utf8_length(s, strlen(s)), 5);
}

TEST(utf8_prefix_bytes_cuts_on_boundaries)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"; /* 1+2+3+4+1 bytes */
	size_t n = strlen(s);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 0), 0);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 1), 1);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 2), 3);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 3), 6);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 4), 10);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 5), 11);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 6), 11);
	CHECK_INT_EQ(utf8_prefix_bytes(s, n, 1000), 11);
	CHECK_INT_EQ(utf8_prefix_bytes("", 0, 3), 0);
}

TEST(seq_len_per_sequence)
{
	CHECK_INT_EQ(utf8_seq_len("a", 1), 1);
	CHECK_INT_EQ(utf8_seq_len("\xc3\xa9", 2), 2);            /* é */
	CHECK_INT_EQ(utf8_seq_len("\xe2\x82\xac", 3), 3);        /* € */
	CHECK_INT_EQ(utf8_seq_len("\xf0\x9f\x98\x80", 4), 4);    /* 😀 */
	CHECK_INT_EQ(utf8_seq_len("\xe2\x82\xac", 2), 0);        /* truncated */
	CHECK_INT_EQ(utf8_seq_len("\xc0\xaf", 2), 0);            /* overlong '/' */
	CHECK_INT_EQ(utf8_seq_len("\xe0\x80\xaf", 3), 0);        /* overlong */
	CHECK_INT_EQ(utf8_seq_len("\xed\xa0\x80", 3), 0);        /* surrogate */
	CHECK_INT_EQ(utf8_seq_len("\xf4\x90\x80\x80", 4), 0);    /* above U+10FFFF */
	CHECK_INT_EQ(utf8_seq_len("\x80", 1), 0);                /* lone continuation */
	CHECK_INT_EQ(utf8_seq_len("\xe2\x28\xa1", 3), 0);        /* bad continuation */
}

TEST_MAIN(utf8_vectors, utf8_respects_length, utf8_every_two_byte_lead, utf8_length_counts_code_points,
	  utf8_prefix_bytes_cuts_on_boundaries, seq_len_per_sequence)
