/*
 * harness — cairn's test runner.
 *
 * Every test is a named function run in its own forked process with a timeout, so one
 * crash or hang cannot hide the others (libuv's habit). A test binary prints one line per
 * test and closes with "N passed, N failed"; scripts/run-tests.sh adds the binaries up.
 *
 *   TEST(parses_empty) { CHECK(x == 1); CHECK_STR_EQ(a, "b"); }
 *   TEST_MAIN(parses_empty, other_test)
 *
 * Run one test: ./build/tests/unit_base_arena arena_grows
 * Environment: CAIRN_TEST_TIMEOUT (seconds per test, default 60), CAIRN_TEST_NOFORK=1 to run
 * in-process (for gdb).
 */
#ifndef CAIRN_TEST_HARNESS_H
#define CAIRN_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
int test_run_all(int argc, char **argv, const struct test_case *tests, size_t n);

/* A temporary directory private to the running test, removed when it ends. */
const char *test_tmpdir(void);

#define TEST(name) static void name(void)

#define CHECK(cond) do { if (!(cond)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)
#define CHECK_MSG(cond, ...) do { if (!(cond)) test_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define CHECK_INT_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, _a, _b); } while (0)
#define CHECK_STR_EQ(a, b) do { const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b) != 0) test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
		#a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)
#define CHECK_STR_CONTAINS(hay, needle) do { const char *_h = (hay), *_n = (needle); \
	if (!_h || !strstr(_h, _n)) test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
		_h ? _h : "(null)", _n); } while (0)

#define TEST_ENTRY(fn) { #fn, fn },
#define TEST_MAIN(...) \
	static const struct test_case test_cases_[] = { TEST_MAP_(__VA_ARGS__) }; \
	int main(int argc, char **argv) { \
		return test_run_all(argc, argv, test_cases_, sizeof test_cases_ / sizeof test_cases_[0]); }

/* Expand TEST_ENTRY over up to 64 arguments: count them, then call TEST_MAP_<count>. */
#define TEST_MAP_(...) TEST_CAT_(TEST_MAP_, TEST_COUNT_(__VA_ARGS__))(__VA_ARGS__)
#define TEST_CAT_(a, b) TEST_CAT2_(a, b)
#define TEST_CAT2_(a, b) a##b
#define TEST_COUNT_(...) TEST_COUNT_N_(__VA_ARGS__, TEST_SEQ_())
#define TEST_COUNT_N_(...) TEST_ARG_N_(__VA_ARGS__)
#define TEST_ARG_N_(_1,_2,_3,_4,_5,_6,_7,_8,_9,_10,_11,_12,_13,_14,_15,_16,_17,_18,_19,_20, \
	_21,_22,_23,_24,_25,_26,_27,_28,_29,_30,_31,_32,_33,_34,_35,_36,_37,_38,_39,_40, \
	_41,_42,_43,_44,_45,_46,_47,_48,_49,_50,_51,_52,_53,_54,_55,_56,_57,_58,_59,_60, \
	_61,_62,_63,_64,N,...) N
#define TEST_SEQ_() 64,63,62,61,60,59,58,57,56,55,54,53,52,51,50,49,48,47,46,45,44,43,42,41, \
	40,39,38,37,36,35,34,33,32,31,30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11, \
	10,9,8,7,6,5,4,3,2,1,0
#define TEST_MAP_1(a) TEST_ENTRY(a)
#define TEST_MAP_2(a, ...) TEST_ENTRY(a) TEST_MAP_1(__VA_ARGS__)
#define TEST_MAP_3(a, ...) TEST_ENTRY(a) TEST_MAP_2(__VA_ARGS__)
#define TEST_MAP_4(a, ...) TEST_ENTRY(a) TEST_MAP_3(__VA_ARGS__)
#define TEST_MAP_5(a, ...) TEST_ENTRY(a) TEST_MAP_4(__VA_ARGS__)
#define TEST_MAP_6(a, ...) TEST_ENTRY(a) TEST_MAP_5(__VA_ARGS__)
#define TEST_MAP_7(a, ...) TEST_ENTRY(a) TEST_MAP_6(__VA_ARGS__)
#define TEST_MAP_8(a, ...) TEST_ENTRY(a) TEST_MAP_7(__VA_ARGS__)
#define TEST_MAP_9(a, ...) TEST_ENTRY(a) TEST_MAP_8(__VA_ARGS__)
#define TEST_MAP_10(a, ...) TEST_ENTRY(a) TEST_MAP_9(__VA_ARGS__)
#define TEST_MAP_11(a, ...) TEST_ENTRY(a) TEST_MAP_10(__VA_ARGS__)
#define TEST_MAP_12(a, ...) TEST_ENTRY(a) TEST_MAP_11(__VA_ARGS__)
#define TEST_MAP_13(a, ...) TEST_ENTRY(a) TEST_MAP_12(__VA_ARGS__)
#define TEST_MAP_14(a, ...) TEST_ENTRY(a) TEST_MAP_13(__VA_ARGS__)
#define TEST_MAP_15(a, ...) TEST_ENTRY(a) TEST_MAP_14(__VA_ARGS__)
#define TEST_MAP_16(a, ...) TEST_ENTRY(a) TEST_MAP_15(__VA_ARGS__)
#define TEST_MAP_17(a, ...) TEST_ENTRY(a) TEST_MAP_16(__VA_ARGS__)
#define TEST_MAP_18(a, ...) TEST_ENTRY(a) TEST_MAP_17(__VA_ARGS__)
#define TEST_MAP_19(a, ...) TEST_ENTRY(a) TEST_MAP_18(__VA_ARGS__)
#define TEST_MAP_20(a, ...) TEST_ENTRY(a) TEST_MAP_19(__VA_ARGS__)
#define TEST_MAP_21(a, ...) TEST_ENTRY(a) TEST_MAP_20(__VA_ARGS__)
#define TEST_MAP_22(a, ...) TEST_ENTRY(a) TEST_MAP_21(__VA_ARGS__)
#define TEST_MAP_23(a, ...) TEST_ENTRY(a) TEST_MAP_22(__VA_ARGS__)
#define TEST_MAP_24(a, ...) TEST_ENTRY(a) TEST_MAP_23(__VA_ARGS__)
#define TEST_MAP_25(a, ...) TEST_ENTRY(a) TEST_MAP_24(__VA_ARGS__)
#define TEST_MAP_26(a, ...) TEST_ENTRY(a) TEST_MAP_25(__VA_ARGS__)
#define TEST_MAP_27(a, ...) TEST_ENTRY(a) TEST_MAP_26(__VA_ARGS__)
#define TEST_MAP_28(a, ...) TEST_ENTRY(a) TEST_MAP_27(__VA_ARGS__)
#define TEST_MAP_29(a, ...) TEST_ENTRY(a) TEST_MAP_28(__VA_ARGS__)
#define TEST_MAP_30(a, ...) TEST_ENTRY(a) TEST_MAP_29(__VA_ARGS__)
#define TEST_MAP_31(a, ...) TEST_ENTRY(a) TEST_MAP_30(__VA_ARGS__)
#define TEST_MAP_32(a, ...) TEST_ENTRY(a) TEST_MAP_31(__VA_ARGS__)
#define TEST_MAP_33(a, ...) TEST_ENTRY(a) TEST_MAP_32(__VA_ARGS__)
#define TEST_MAP_34(a, ...) TEST_ENTRY(a) TEST_MAP_33(__VA_ARGS__)
#define TEST_MAP_35(a, ...) TEST_ENTRY(a) TEST_MAP_34(__VA_ARGS__)
#define TEST_MAP_36(a, ...) TEST_ENTRY(a) TEST_MAP_35(__VA_ARGS__)
#define TEST_MAP_37(a, ...) TEST_ENTRY(a) TEST_MAP_36(__VA_ARGS__)
#define TEST_MAP_38(a, ...) TEST_ENTRY(a) TEST_MAP_37(__VA_ARGS__)
#define TEST_MAP_39(a, ...) TEST_ENTRY(a) TEST_MAP_38(__VA_ARGS__)
#define TEST_MAP_40(a, ...) TEST_ENTRY(a) TEST_MAP_39(__VA_ARGS__)
#define TEST_MAP_41(a, ...) TEST_ENTRY(a) TEST_MAP_40(__VA_ARGS__)
#define TEST_MAP_42(a, ...) TEST_ENTRY(a) TEST_MAP_41(__VA_ARGS__)
#define TEST_MAP_43(a, ...) TEST_ENTRY(a) TEST_MAP_42(__VA_ARGS__)
#define TEST_MAP_44(a, ...) TEST_ENTRY(a) TEST_MAP_43(__VA_ARGS__)
#define TEST_MAP_45(a, ...) TEST_ENTRY(a) TEST_MAP_44(__VA_ARGS__)
#define TEST_MAP_46(a, ...) TEST_ENTRY(a) TEST_MAP_45(__VA_ARGS__)
#define TEST_MAP_47(a, ...) TEST_ENTRY(a) TEST_MAP_46(__VA_ARGS__)
#define TEST_MAP_48(a, ...) TEST_ENTRY(a) TEST_MAP_47(__VA_ARGS__)
#define TEST_MAP_49(a, ...) TEST_ENTRY(a) TEST_MAP_48(__VA_ARGS__)
#define TEST_MAP_50(a, ...) TEST_ENTRY(a) TEST_MAP_49(__VA_ARGS__)
#define TEST_MAP_51(a, ...) TEST_ENTRY(a) TEST_MAP_50(__VA_ARGS__)
#define TEST_MAP_52(a, ...) TEST_ENTRY(a) TEST_MAP_51(__VA_ARGS__)
#define TEST_MAP_53(a, ...) TEST_ENTRY(a) TEST_MAP_52(__VA_ARGS__)
#define TEST_MAP_54(a, ...) TEST_ENTRY(a) TEST_MAP_53(__VA_ARGS__)
#define TEST_MAP_55(a, ...) TEST_ENTRY(a) TEST_MAP_54(__VA_ARGS__)
#define TEST_MAP_56(a, ...) TEST_ENTRY(a) TEST_MAP_55(__VA_ARGS__)
#define TEST_MAP_57(a, ...) TEST_ENTRY(a) TEST_MAP_56(__VA_ARGS__)
#define TEST_MAP_58(a, ...) TEST_ENTRY(a) TEST_MAP_57(__VA_ARGS__)
#define TEST_MAP_59(a, ...) TEST_ENTRY(a) TEST_MAP_58(__VA_ARGS__)
#define TEST_MAP_60(a, ...) TEST_ENTRY(a) TEST_MAP_59(__VA_ARGS__)
#define TEST_MAP_61(a, ...) TEST_ENTRY(a) TEST_MAP_60(__VA_ARGS__)
#define TEST_MAP_62(a, ...) TEST_ENTRY(a) TEST_MAP_61(__VA_ARGS__)
#define TEST_MAP_63(a, ...) TEST_ENTRY(a) TEST_MAP_62(__VA_ARGS__)
#define TEST_MAP_64(a, ...) TEST_ENTRY(a) TEST_MAP_63(__VA_ARGS__)

#endif
