/* Allocator wrappers with a process-wide failure-injection hook for tests. */
#include "base/base.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Allocations left before failures start: 0 = hook off; 1 = the next one fails. Once it
 * reaches the failing allocation it stays at 1 so every later allocation fails too. */
static atomic_long fail_countdown;

void cairn_alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n > 0 ? n : 0);
}

static int should_fail(void)
{
	long cur = atomic_load(&fail_countdown);
	for (;;) {
		if (cur <= 0)
			return 0;
		if (cur == 1)
			return 1;
		if (atomic_compare_exchange_weak(&fail_countdown, &cur, cur - 1))
			return 0;
	}
}

void *cairn_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *cairn_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	if (count == 0 || size == 0)
		count = size = 1;
	return calloc(count, size);
}

void *cairn_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *cairn_strdup(const char *s)
{
	return cairn_strndup(s, strlen(s));
}

char *cairn_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = cairn_malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void cairn_free(void *p)
{
	free(p);
}
