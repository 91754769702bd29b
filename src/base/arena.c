/* Bump-pointer arenas: many small allocations, one release (h2o's per-request pool). */
#include "base/base.h"

#include <stdint.h>
#include <string.h>

#define ARENA_ALIGN ((size_t)16)
#define ARENA_BLOCK_SIZE ((size_t)16 << 10)
/* Requests above this get a block of their own, so one big allocation does not waste the
 * tail of the current block nor force the next block to be huge. */
#define ARENA_BIG ((size_t)4 << 10)

struct arena_block {
	struct arena_block *next;
	size_t size;   /* usable bytes from data (after alignment) */
	size_t off;    /* next free byte offset from data */
	unsigned char *data;  /* ARENA_ALIGN-aligned start of the usable space */
	/* storage follows the header */
};

static size_t round_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}

void arena_init(struct arena *a, size_t limit)
{
	a->head = NULL;
	a->used = 0;
	a->limit = limit;
}

static struct arena_block *block_new(size_t size)
{
	/* calloc gives zeroed memory; bytes are never handed out twice before release, so
	 * every allocation is zero without a memset. Slack of ARENA_ALIGN lets us align the
	 * start whatever alignment the allocator gives. */
	size_t total = sizeof(struct arena_block) + size + ARENA_ALIGN;
	if (total < size)
		return NULL;
	struct arena_block *b = cairn_calloc(1, total);
	if (!b)
		return NULL;
	uintptr_t start = (uintptr_t)(b + 1);
	start = (start + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
	b->data = (unsigned char *)start;
	b->size = size;
	b->off = 0;
	b->next = NULL;
	return b;
}

void *arena_alloc(struct arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2)
		return NULL;
	size_t need = round_up(n);
	if (a->limit && (need > a->limit || a->used > a->limit - need))
		return NULL;

	struct arena_block *b = a->head;
	if (b && b->size - b->off >= need) {
		void *p = b->data + b->off;
		b->off += need;
		a->used += need;
		return p;
	}
	if (need > ARENA_BIG) {
		struct arena_block *big = block_new(need);
		if (!big)
			return NULL;
		big->off = need;
		/* Keep the current block at the head: it still has room for small requests. */
		if (a->head) {
			big->next = a->head->next;
			a->head->next = big;
		} else {
			a->head = big;
		}
		a->used += need;
		return big->data;
	}
	b = block_new(ARENA_BLOCK_SIZE);
	if (!b)
		return NULL;
	b->next = a->head;
	a->head = b;
	b->off = need;
	a->used += need;
	return b->data;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = NULL;
	if (len >= 0) {
		p = arena_alloc(a, (size_t)len + 1);
		if (p)
			vsnprintf(p, (size_t)len + 1, fmt, ap2);
	}
	va_end(ap2);
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		cairn_free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}
