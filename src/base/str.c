/* Strict number parsing and small string helpers. */
#include "base/base.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_space_ascii(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

_Static_assert(sizeof(long long) == sizeof(int64_t), "long long must be 64 bits");

int str_to_int64(const char *s, int64_t *out)
{
	if (!s || !*s || is_space_ascii(*s))
		return CAIRN_EINVAL;
	/* strtoll accepts "0x" only with base 0; base 10 still takes a leading '+'. */
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return CAIRN_EINVAL;
	if (errno != 0)  /* ERANGE: outside long long, which is int64_t here */
		return CAIRN_EINVAL;
	*out = (int64_t)v;
	return 0;
}

int str_to_double(const char *s, double *out)
{
	if (!s || !*s || is_space_ascii(*s))
		return CAIRN_EINVAL;
	const char *p = s;
	int neg = 0;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	/* Spell the specials ourselves: strtod also takes "infinity", "nan(...)", hex floats,
	 * and we want exactly MLflow's spellings plus the short forms. */
	if (str_casecmp_ascii(p, "nan") == 0) {
		*out = neg ? -NAN : NAN;
		return 0;
	}
	if (str_casecmp_ascii(p, "inf") == 0 || str_casecmp_ascii(p, "infinity") == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	/* Only decimal digits, one point, and an exponent: rejects hex floats and "nan(x)". */
	const char *q = p;
	int digits = 0;
	while (*q >= '0' && *q <= '9') {
		q++;
		digits++;
	}
	if (*q == '.') {
		q++;
		while (*q >= '0' && *q <= '9') {
			q++;
			digits++;
		}
	}
	if (!digits)
		return CAIRN_EINVAL;
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!(*q >= '0' && *q <= '9'))
			return CAIRN_EINVAL;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q != '\0')
		return CAIRN_EINVAL;
	errno = 0;
	char *end = NULL;
	double v = strtod(s, &end);
	if (end != q)
		return CAIRN_EINVAL;
	/* Overflow gives ±HUGE_VAL: out of range. Underflow to a tiny or zero value is kept,
	 * as every JSON parser does. */
	if (errno == ERANGE && isinf(v))
		return CAIRN_EINVAL;
	*out = v;
	return 0;
}

int str_has_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0;
}

int str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return m <= n && memcmp(s + n - m, suffix, m) == 0;
}

static int lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int str_casecmp_ascii(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (;;) {
		int cx = lower_ascii(*x), cy = lower_ascii(*y);
		if (cx != cy || cx == 0)
			return cx - cy;
		x++;
		y++;
	}
}
