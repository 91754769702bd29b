/*
 * Request-scoped allocation for jansson.
 *
 * jansson allocates every node, key and string with malloc and frees them one by one; on a
 * 1000-metric log-batch that is ~10,000 malloc/free pairs and was a third of the server's
 * CPU. Inside a scope opened with json_arena_begin(), this thread's jansson allocations come
 * from the given arena instead and json_decref() frees nothing; the arena's release frees
 * them all at once. Outside a scope, allocations go to the heap as before.
 *
 * Each allocation carries a 16-byte header that says where it came from, so a value made on
 * the heap and freed inside a scope (or the reverse) is handled correctly. The one rule: a
 * jansson value created inside a scope must not be used after the arena is released.
 */
#include "base/base.h"

#include <stdint.h>
#include <stdlib.h>

#define HDR ((size_t)16)
#define TAG_HEAP UINT64_C(0x6361697268656170)  /* "cairheap" */
#define TAG_ARENA UINT64_C(0x636169726172656e) /* "cairaren" */

static _Thread_local struct arena *tl_arena;

static void *json_alloc_fn(size_t n)
{
	unsigned char *p;
	uint64_t tag;
	if (n > SIZE_MAX - HDR)
		return NULL;
	if (tl_arena) {
		p = arena_alloc(tl_arena, n + HDR);
		tag = TAG_ARENA;
	} else {
		p = cairn_malloc(n + HDR);
		tag = TAG_HEAP;
	}
	if (!p)
		return NULL;
	*(uint64_t *)(void *)p = tag;
	return p + HDR;
}

static void json_free_fn(void *q)
{
	if (!q)
		return;
	unsigned char *p = (unsigned char *)q - HDR;
	if (*(uint64_t *)(void *)p == TAG_HEAP)
		cairn_free(p);
	/* arena memory is freed with its arena */
}

void json_alloc_install(void)
{
	json_set_alloc_funcs(json_alloc_fn, json_free_fn);
}

struct arena *json_arena_begin(struct arena *a)
{
	struct arena *prev = tl_arena;
	tl_arena = a;
	return prev;
}

void json_arena_end(struct arena *prev)
{
	tl_arena = prev;
}
