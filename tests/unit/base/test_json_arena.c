/* jansson allocations routed to a request arena (src/base/json_arena.c). */
#include "../../harness.h"
#include "base/base.h"

TEST(values_in_scope_use_the_arena)
{
	json_alloc_install();
	struct arena a;
	arena_init(&a, 0);
	size_t before = a.used;
	struct arena *prev = json_arena_begin(&a);
	json_t *v = json_loads("{\"k\":[1,2,3,\"x\"],\"s\":\"hello\"}", 0, NULL);
	CHECK(v != NULL);
	CHECK(a.used > before);
	CHECK_INT_EQ(json_array_size(json_object_get(v, "k")), 4);
	json_decref(v); /* frees nothing; must not crash */
	json_arena_end(prev);
	arena_release(&a);
}

TEST(heap_values_freed_inside_a_scope)
{
	json_alloc_install();
	json_t *heap = json_pack("{s:i}", "a", 1); /* made outside any scope */
	struct arena a;
	arena_init(&a, 0);
	struct arena *prev = json_arena_begin(&a);
	size_t used = a.used;
	json_decref(heap); /* must go back to the heap (ASan would report a leak otherwise) */
	CHECK_INT_EQ(a.used, used);
	json_arena_end(prev);
	arena_release(&a);
}

TEST(scopes_nest_and_restore)
{
	json_alloc_install();
	struct arena a, b;
	arena_init(&a, 0);
	arena_init(&b, 0);
	struct arena *p0 = json_arena_begin(&a);
	CHECK(p0 == NULL);
	struct arena *p1 = json_arena_begin(&b);
	CHECK(p1 == &a);
	json_t *x = json_string("in b");
	CHECK(b.used > 0);
	json_decref(x);
	json_arena_end(p1);
	size_t a_used = a.used;
	json_t *y = json_string("in a");
	CHECK(a.used > a_used);
	json_decref(y);
	json_arena_end(p0);
	json_t *z = json_string("heap");
	CHECK(z != NULL);
	json_decref(z);
	arena_release(&a);
	arena_release(&b);
}

TEST(arena_limit_makes_parse_fail_cleanly)
{
	json_alloc_install();
	struct arena a;
	arena_init(&a, 256);
	struct arena *prev = json_arena_begin(&a);
	json_error_t e;
	json_t *v = json_loads("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
			       "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
			       "\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"]", 0, &e);
	CHECK(v == NULL);
	json_arena_end(prev);
	arena_release(&a);
}

TEST_MAIN(values_in_scope_use_the_arena, heap_values_freed_inside_a_scope, scopes_nest_and_restore,
	  arena_limit_makes_parse_fail_cleanly)
