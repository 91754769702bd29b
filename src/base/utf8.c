/* UTF-8 validation and counting (Unicode 15, table 3-7 "well-formed byte sequences"). */
#include "base/base.h"

size_t utf8_seq_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;  /* range of the second byte */
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;        /* overlong */
		else if (c == 0xED)
			hi = 0x9F;        /* surrogates U+D800..DFFF */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;        /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;        /* above U+10FFFF */
	} else {
		return 0;  /* continuation byte, C0/C1 overlongs, F5..FF */
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	return len;
}

int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		if (s[i] < 0x80) {  /* the common case, without a call */
			i++;
			continue;
		}
		size_t len = utf8_seq_len(str + i, n - i);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

size_t utf8_length(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

size_t utf8_prefix_bytes(const char *str, size_t n, size_t max_chars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, chars = 0;
	while (i < n) {
		/* i sits on a lead byte; stop before the code point that would exceed the limit. */
		if (chars == max_chars)
			return i;
		chars++;
		i++;
		while (i < n && (s[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}
