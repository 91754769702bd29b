/* Base64, standard alphabet with padding (RFC 4648 section 4). */
#include "base/base.h"

#include <string.h>

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(struct arena *a, const void *data, size_t n)
{
	const unsigned char *in = data;
	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	size_t olen = (n + 2) / 3 * 4;
	char *out = arena_alloc(a, olen + 1);
	if (!out)
		return NULL;
	char *o = out;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

unsigned char *base64_decode(struct arena *a, const char *s, size_t *out_len)
{
	size_t n = strlen(s);
	if (n % 4 != 0)
		return NULL;
	size_t pad = 0;
	if (n >= 1 && s[n - 1] == '=')
		pad++;
	if (n >= 2 && s[n - 2] == '=')
		pad++;
	size_t olen = n / 4 * 3 - pad;
	unsigned char *out = arena_alloc(a, olen + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int last = i + 4 == n;
		int v[4];
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];
			if (c == '=' && last && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_value(c);
			if (v[k] < 0)
				return NULL;
		}
		unsigned bits = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
		/* Canonical form only: the bits that padding discards must be zero. */
		if (last && pad == 2 && (bits & 0xFFFF))
			return NULL;
		if (last && pad == 1 && (bits & 0xFF))
			return NULL;
		out[o++] = (unsigned char)(bits >> 16);
		if (!(last && pad == 2))
			out[o++] = (unsigned char)(bits >> 8 & 0xFF);
		if (!(last && pad >= 1))
			out[o++] = (unsigned char)(bits & 0xFF);
	}
	out[o] = '\0';
	if (out_len)
		*out_len = o;
	return out;
}
