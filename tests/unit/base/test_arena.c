/* Arenas: alignment, zeroing, big blocks, limits, release and reuse. */
#include "base/base.h"
#include "../../harness.h"

#include <stdint.h>
#include <string.h>

static int aligned16(const void *p)
{
	return ((uintptr_t)p & 15) == 0;
}

TEST(arena_zero_initialised_is_releasable)
{
	struct arena a = {0};
	arena_release(&a);
	arena_release(&a);
	CHECK(a.head == NULL);
	CHECK_INT_EQ(a.used, 0);
}

TEST(arena_alignment_and_zeroed)
{
	struct arena a;
	arena_init(&a, 0);
	static const size_t sizes[] = { 1, 3, 7, 15, 16, 17, 31, 100, 1000, 5000, 20000, 1 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = arena_alloc(&a, sizes[i]);
		CHECK(p != NULL);
		CHECK_MSG(aligned16(p), "size %zu not aligned: %p", sizes[i], (void *)p);
		for (size_t k = 0; k < sizes[i]; k++)
			CHECK_MSG(p[k] == 0, "size %zu byte %zu not zero", sizes[i], k);
		memset(p, 0xAB, sizes[i]);
	}
	arena_release(&a);
}

TEST(arena_allocations_do_not_overlap)
{
	struct arena a;
	arena_init(&a, 0);
	unsigned char *ptrs[2000];
	size_t lens[2000];
	for (size_t i = 0; i < 2000; i++) {
		lens[i] = (i * 37) % 300 + 1;
		ptrs[i] = arena_alloc(&a, lens[i]);
		CHECK(ptrs[i] != NULL);
		memset(ptrs[i], (int)(i & 0xFF), lens[i]);
	}
	for (size_t i = 0; i < 2000; i++)
		for (size_t k = 0; k < lens[i]; k++)
			CHECK_MSG(ptrs[i][k] == (unsigned char)(i & 0xFF), "allocation %zu clobbered", i);
	arena_release(&a);
}

TEST(arena_big_allocation_gets_own_block)
{
	struct arena a;
	arena_init(&a, 0);
	char *small1 = arena_alloc(&a, 32);
	CHECK(small1 != NULL);
	struct arena_block *head = a.head;
	/* Bigger than a whole default block. */
	unsigned char *big = arena_alloc(&a, (size_t)1 << 20);
	CHECK(big != NULL);
	CHECK(aligned16(big));
	for (size_t k = 0; k < ((size_t)1 << 20); k += 4096)
		CHECK(big[k] == 0);
	memset(big, 0xCD, (size_t)1 << 20);
	/* Small allocations keep using the block that still has room. */
	char *small2 = arena_alloc(&a, 32);
	CHECK(small2 != NULL);
	CHECK(a.head == head);
	CHECK(small2 == small1 + 32);
	CHECK(small2[0] == 0);
	arena_release(&a);
}

TEST(arena_limit_enforced)
{
	struct arena a;
	arena_init(&a, 1000);
	CHECK(arena_alloc(&a, 2000) == NULL);
	CHECK(arena_alloc(&a, 1001) == NULL);
	void *p = arena_alloc(&a, 600);
	CHECK(p != NULL);
	CHECK(a.used >= 600 && a.used <= 1000);
	CHECK(arena_alloc(&a, 600) == NULL);
	/* A failed request leaves the arena usable. */
	CHECK(arena_alloc(&a, 100) != NULL);
	CHECK(a.used <= 1000);
	CHECK(arena_alloc(&a, (size_t)-1) == NULL);
	CHECK(arena_strdup(&a, "this string is small") != NULL);
	arena_release(&a);
	CHECK_INT_EQ(a.used, 0);
	CHECK_INT_EQ(a.limit, 1000);
	CHECK(arena_alloc(&a, 900) != NULL);
	arena_release(&a);
}

TEST(arena_huge_request_fails_cleanly)
{
	struct arena a;
	arena_init(&a, 0);
	CHECK(arena_alloc(&a, SIZE_MAX) == NULL);
	CHECK(arena_alloc(&a, SIZE_MAX - 8) == NULL);
	CHECK(arena_alloc(&a, 10) != NULL);
	arena_release(&a);
}

TEST(arena_release_and_reuse)
{
	struct arena a;
	arena_init(&a, 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 100; i++) {
			char *p = arena_alloc(&a, 1000);
			CHECK(p != NULL);
			CHECK(p[999] == 0);
			memset(p, 1, 1000);
		}
		CHECK(a.used >= 100000);
		arena_release(&a);
		CHECK(a.head == NULL);
		CHECK_INT_EQ(a.used, 0);
	}
}

TEST(arena_strings)
{
	struct arena a;
	arena_init(&a, 0);
	CHECK_STR_EQ(arena_strdup(&a, "hello"), "hello");
	CHECK_STR_EQ(arena_strdup(&a, ""), "");
	CHECK_STR_EQ(arena_strndup(&a, "hello world", 5), "hello");
	CHECK_STR_EQ(arena_strndup(&a, "hi", 10), "hi");
	CHECK_STR_EQ(arena_printf(&a, "%s-%d-%.1f", "x", 42, 1.5), "x-42-1.5");
	char big[40000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *p = arena_printf(&a, "<%s>", big);
	CHECK(p != NULL);
	CHECK_INT_EQ(strlen(p), sizeof big + 1);
	CHECK(p[0] == '<' && p[sizeof big] == '>');
	arena_release(&a);
}

TEST_MAIN(arena_zero_initialised_is_releasable, arena_alignment_and_zeroed,
	  arena_allocations_do_not_overlap, arena_big_allocation_gets_own_block,
	  arena_limit_enforced, arena_huge_request_fails_cleanly, arena_release_and_reuse,
	  arena_strings)
