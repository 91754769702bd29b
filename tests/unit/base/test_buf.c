/* Growable buffers: appends, cap, printf, detach. */
#include "base/base.h"
#include "../../harness.h"

#include <string.h>

TEST(buf_zero_initialised_is_usable)
{
	struct buf b = {0};
	buf_release(&b);
	CHECK_INT_EQ(buf_append_str(&b, "abc"), 0);
	CHECK_STR_EQ(b.data, "abc");
	CHECK_INT_EQ(b.len, 3);
	buf_release(&b);
	CHECK(b.data == NULL);
}

TEST(buf_appends_and_terminates)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK_INT_EQ(buf_append(&b, "ab", 2), 0);
	CHECK_INT_EQ(buf_append_char(&b, 'c'), 0);
	CHECK_INT_EQ(buf_append_str(&b, "def"), 0);
	CHECK_INT_EQ(buf_append(&b, "", 0), 0);
	CHECK_STR_EQ(b.data, "abcdef");
	CHECK_INT_EQ(b.len, 6);
	CHECK_INT_EQ(buf_append(&b, "\0x", 2), 0);
	CHECK_INT_EQ(b.len, 8);
	CHECK(memcmp(b.data, "abcdef\0x", 9) == 0);
	buf_reset(&b);
	CHECK_INT_EQ(b.len, 0);
	CHECK_STR_EQ(b.data, "");
	buf_release(&b);
}

TEST(buf_empty_append_terminates)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK_INT_EQ(buf_append(&b, "", 0), 0);
	CHECK(b.data != NULL);
	CHECK_STR_EQ(b.data, "");
	buf_release(&b);
}

TEST(buf_grows_large)
{
	struct buf b;
	buf_init(&b, 0);
	char chunk[1000];
	for (int i = 0; i < 1000; i++) {
		memset(chunk, 'a' + i % 26, sizeof chunk);
		CHECK_INT_EQ(buf_append(&b, chunk, sizeof chunk), 0);
	}
	CHECK_INT_EQ(b.len, 1000000);
	CHECK(b.alloc > b.len);
	CHECK(b.data[b.len] == '\0');
	for (int i = 0; i < 1000; i++)
		CHECK(b.data[i * 1000 + 999] == 'a' + i % 26);
	buf_release(&b);
}

TEST(buf_cap_enforced_and_unchanged)
{
	struct buf b;
	buf_init(&b, 10);
	CHECK_INT_EQ(buf_append_str(&b, "0123456789"), 0);   /* exactly at cap */
	CHECK_INT_EQ(buf_append_char(&b, 'x'), CAIRN_ETOOBIG);
	CHECK_INT_EQ(b.len, 10);
	CHECK_STR_EQ(b.data, "0123456789");
	buf_reset(&b);
	CHECK_INT_EQ(buf_append_str(&b, "01234"), 0);
	CHECK_INT_EQ(buf_append_str(&b, "567890"), CAIRN_ETOOBIG);
	CHECK_STR_EQ(b.data, "01234");
	CHECK_INT_EQ(buf_printf(&b, "%s", "abcdef"), CAIRN_ETOOBIG);
	CHECK_STR_EQ(b.data, "01234");
	CHECK_INT_EQ(b.len, 5);
	CHECK_INT_EQ(buf_append(&b, "x", SIZE_MAX), CAIRN_ETOOBIG);
	CHECK_INT_EQ(buf_printf(&b, "%05d", 42), 0);
	CHECK_STR_EQ(b.data, "0123400042");
	buf_release(&b);
	CHECK_INT_EQ(b.cap, 10);
	CHECK_INT_EQ(buf_append_str(&b, "0123456789x"), CAIRN_ETOOBIG);
	buf_release(&b);
}

TEST(buf_default_cap)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK_INT_EQ(buf_append(&b, "x", BUF_DEFAULT_CAP + 1), CAIRN_ETOOBIG);
	CHECK_INT_EQ(b.len, 0);
	buf_release(&b);
}

TEST(buf_printf_formats)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK_INT_EQ(buf_printf(&b, "%d-%s", 7, "seven"), 0);
	CHECK_INT_EQ(buf_printf(&b, "|%.3f|%lld", 0.5, (long long)INT64_MIN), 0);
	CHECK_STR_EQ(b.data, "7-seven|0.500|-9223372036854775808");
	CHECK_INT_EQ(buf_printf(&b, "%s", ""), 0);
	CHECK_INT_EQ(b.len, strlen("7-seven|0.500|-9223372036854775808"));
	/* Longer than any initial allocation. */
	char big[5000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_reset(&b);
	CHECK_INT_EQ(buf_printf(&b, "[%s]", big), 0);
	CHECK_INT_EQ(b.len, sizeof big + 1);
	CHECK(b.data[0] == '[' && b.data[b.len - 1] == ']' && b.data[b.len] == '\0');
	buf_release(&b);
}

TEST(buf_detach_hands_over)
{
	struct buf b;
	buf_init(&b, 100);
	CHECK_INT_EQ(buf_append_str(&b, "payload"), 0);
	size_t len = 0;
	char *p = buf_detach(&b, &len);
	CHECK_STR_EQ(p, "payload");
	CHECK_INT_EQ(len, 7);
	CHECK(b.data == NULL);
	CHECK_INT_EQ(b.len, 0);
	CHECK_INT_EQ(b.alloc, 0);
	CHECK_INT_EQ(b.cap, 100);
	cairn_free(p);
	/* Reusable after detach. */
	CHECK_INT_EQ(buf_append_str(&b, "again"), 0);
	CHECK_STR_EQ(b.data, "again");
	buf_release(&b);
	/* Detaching an empty buffer gives an empty string, not NULL. */
	p = buf_detach(&b, &len);
	CHECK(p != NULL);
	CHECK_STR_EQ(p, "");
	CHECK_INT_EQ(len, 0);
	cairn_free(p);
	p = buf_detach(&b, NULL);
	CHECK(p != NULL);
	cairn_free(p);
}

TEST_MAIN(buf_zero_initialised_is_usable, buf_appends_and_terminates, buf_empty_append_terminates,
	  buf_grows_large, buf_cap_enforced_and_unchanged, buf_default_cap, buf_printf_formats,
	  buf_detach_hands_over)
