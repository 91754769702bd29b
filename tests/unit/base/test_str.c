/* Strict number parsing and string helpers. */
#include "base/base.h"
#include "../../harness.h"

#include <math.h>
#include <stdint.h>

TEST(str_int64_valid)
{
	int64_t v = 1;
	CHECK_INT_EQ(str_to_int64("0", &v), 0);
	CHECK_INT_EQ(v, 0);
	CHECK_INT_EQ(str_to_int64("-0", &v), 0);
	CHECK_INT_EQ(v, 0);
	CHECK_INT_EQ(str_to_int64("42", &v), 0);
	CHECK_INT_EQ(v, 42);
	CHECK_INT_EQ(str_to_int64("+7", &v), 0);
	CHECK_INT_EQ(v, 7);
	CHECK_INT_EQ(str_to_int64("-123456789012", &v), 0);
	CHECK_INT_EQ(v, -123456789012LL);
	CHECK_INT_EQ(str_to_int64("007", &v), 0);
	CHECK_INT_EQ(v, 7);
	CHECK_INT_EQ(str_to_int64("9223372036854775807", &v), 0);
	CHECK(v == INT64_MAX);
	CHECK_INT_EQ(str_to_int64("-9223372036854775808", &v), 0);
	CHECK(v == INT64_MIN);
}

TEST(str_int64_invalid)
{
	static const char *const bad[] = {
		"", " ", " 1", "1 ", "\t1", "1\n", "+", "-", "1a", "a1", "0x10", "1.0", "1e3",
		"9223372036854775808", "-9223372036854775809", "99999999999999999999999",
		"--1", "+-1", "1,000", "NaN", "inf",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t v = 12345;
		CHECK_MSG(str_to_int64(bad[i], &v) == CAIRN_EINVAL, "accepted \"%s\"", bad[i]);
		CHECK_MSG(v == 12345, "\"%s\" changed the output", bad[i]);
	}
	int64_t v;
	CHECK_INT_EQ(str_to_int64(NULL, &v), CAIRN_EINVAL);
}

TEST(str_double_valid)
{
	static const struct { const char *s; double v; } ok[] = {
		{ "0", 0.0 }, { "1", 1.0 }, { "-1.5", -1.5 }, { "+2.25", 2.25 }, { ".5", 0.5 },
		{ "5.", 5.0 }, { "1e3", 1000.0 }, { "1E-2", 0.01 }, { "-2.5e+2", -250.0 },
		{ "1.7976931348623157e308", 1.7976931348623157e308 }, { "4.9e-324", 4.9e-324 },
		{ "123456789", 123456789.0 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		double v = -999;
		CHECK_MSG(str_to_double(ok[i].s, &v) == 0, "rejected \"%s\"", ok[i].s);
		CHECK_MSG(v == ok[i].v, "\"%s\" gave %.17g", ok[i].s, v);
	}
	double v = 1;
	CHECK_INT_EQ(str_to_double("-0", &v), 0);
	CHECK(v == 0 && signbit(v));
	/* Underflow to zero is not an error. */
	CHECK_INT_EQ(str_to_double("1e-400", &v), 0);
	CHECK(v == 0);
}

TEST(str_double_specials)
{
	static const char *const nans[] = { "NaN", "nan", "NAN", "-nan", "+NaN" };
	for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
		double v = 0;
		CHECK_MSG(str_to_double(nans[i], &v) == 0, "rejected \"%s\"", nans[i]);
		CHECK_MSG(isnan(v), "\"%s\" is not NaN", nans[i]);
	}
	static const char *const pinf[] = { "Infinity", "infinity", "inf", "INF", "+inf", "+Infinity" };
	for (size_t i = 0; i < sizeof pinf / sizeof pinf[0]; i++) {
		double v = 0;
		CHECK_MSG(str_to_double(pinf[i], &v) == 0, "rejected \"%s\"", pinf[i]);
		CHECK_MSG(isinf(v) && v > 0, "\"%s\" is not +inf", pinf[i]);
	}
	static const char *const ninf[] = { "-Infinity", "-inf", "-INF" };
	for (size_t i = 0; i < sizeof ninf / sizeof ninf[0]; i++) {
		double v = 0;
		CHECK_MSG(str_to_double(ninf[i], &v) == 0, "rejected \"%s\"", ninf[i]);
		CHECK_MSG(isinf(v) && v < 0, "\"%s\" is not -inf", ninf[i]);
	}
}

TEST(str_double_invalid)
{
	static const char *const bad[] = {
		"", " ", " 1", "1 ", "\n1.5", "1.5\t", "abc", "1.2.3", "1e", "1e+", "e5", ".", "-",
		"+", "0x1p3", "0x10", "nan(123)", "NaNx", "infinit", "Infinityy", "--1", "1..2",
		"1e400", "-1e400", "1,5", "1_000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double v = 42;
		CHECK_MSG(str_to_double(bad[i], &v) == CAIRN_EINVAL, "accepted \"%s\"", bad[i]);
		CHECK_MSG(v == 42, "\"%s\" changed the output", bad[i]);
	}
	double v;
	CHECK_INT_EQ(str_to_double(NULL, &v), CAIRN_EINVAL);
}

TEST(str_helpers)
{
	CHECK(str_has_prefix("models:/x", "models:/"));
	CHECK(str_has_prefix("abc", ""));
	CHECK(!str_has_prefix("ab", "abc"));
	CHECK(!str_has_prefix("xabc", "abc"));
	CHECK(str_has_suffix("file.csv", ".csv"));
	CHECK(str_has_suffix("abc", ""));
	CHECK(!str_has_suffix("csv", ".csv"));
	CHECK(!str_has_suffix("file.csvx", ".csv"));
	CHECK_INT_EQ(str_casecmp_ascii("Hello", "hELLO"), 0);
	CHECK(str_casecmp_ascii("a", "b") < 0);
	CHECK(str_casecmp_ascii("b", "A") > 0);
	CHECK(str_casecmp_ascii("ab", "abc") < 0);
	CHECK(str_casecmp_ascii("abc", "ab") > 0);
	CHECK_INT_EQ(str_casecmp_ascii("", ""), 0);
	/* Only ASCII letters fold. */
	CHECK(str_casecmp_ascii("\xc3\xa9", "\xc3\x89") != 0);
}

TEST_MAIN(str_int64_valid, str_int64_invalid, str_double_valid, str_double_specials,
	  str_double_invalid, str_helpers)
