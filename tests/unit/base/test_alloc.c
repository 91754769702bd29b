/* The allocation-failure hook, and that arena and buf fail cleanly at every allocation. */
#include "base/base.h"
#include "../../harness.h"

#include <string.h>

TEST(alloc_hook_counts_and_stays_failing)
{
	cairn_alloc_fail_after(3);
	void *a = cairn_malloc(10);
	void *b = cairn_calloc(2, 8);
	void *c = cairn_malloc(10);
	char *d = cairn_strdup("x");
	void *e = cairn_realloc(NULL, 4);
	CHECK(a != NULL);
	CHECK(b != NULL);
	CHECK(c == NULL);
	CHECK(d == NULL);
	CHECK(e == NULL);
	cairn_alloc_fail_after(0);
	char *f = cairn_strndup("hello", 3);
	CHECK_STR_EQ(f, "hel");
	cairn_free(a);
	cairn_free(b);
	cairn_free(f);
	cairn_free(NULL);
}

TEST(alloc_hook_next_one_fails)
{
	cairn_alloc_fail_after(1);
	CHECK(cairn_malloc(1) == NULL);
	cairn_alloc_fail_after(0);
	void *p = cairn_malloc(1);
	CHECK(p != NULL);
	cairn_free(p);
	/* A failed realloc leaves the old block alone. */
	char *q = cairn_malloc(4);
	CHECK(q != NULL);
	memcpy(q, "abc", 4);
	cairn_alloc_fail_after(1);
	CHECK(cairn_realloc(q, 1000) == NULL);
	cairn_alloc_fail_after(0);
	CHECK_STR_EQ(q, "abc");
	cairn_free(q);
}

/* Enough work to need several allocations (new blocks, big blocks). */
static int arena_workload(struct arena *a)
{
	for (int i = 0; i < 50; i++) {
		char *s = arena_printf(a, "item %d %0500d", i, i);
		if (!s)
			return CAIRN_ENOMEM;
		if (!arena_alloc(a, i % 10 == 0 ? 20000 : 300))
			return CAIRN_ENOMEM;
	}
	return 0;
}

TEST(alloc_fail_each_arena)
{
	int succeeded = 0;
	for (long n = 1; n <= 200 && !succeeded; n++) {
		struct arena a;
		arena_init(&a, 0);
		cairn_alloc_fail_after(n);
		int rc = arena_workload(&a);
		cairn_alloc_fail_after(0);
		if (rc == 0)
			succeeded = 1;
		else
			CHECK_INT_EQ(rc, CAIRN_ENOMEM);
		/* After a failure the arena is still usable and releasable. */
		CHECK(arena_strdup(&a, "after") != NULL);
		arena_release(&a);
	}
	CHECK_MSG(succeeded, "workload never succeeded within 200 allocations");
}

static int buf_workload(struct buf *b)
{
	int rc;
	for (int i = 0; i < 200; i++) {
		if ((rc = buf_printf(b, "line %d %0100d\n", i, i)) != 0)
			return rc;
		if ((rc = buf_append_str(b, "tail")) != 0)
			return rc;
	}
	return 0;
}

TEST(alloc_fail_each_buf)
{
	int succeeded = 0, failures = 0;
	for (long n = 1; n <= 100 && !succeeded; n++) {
		struct buf b;
		buf_init(&b, 0);
		cairn_alloc_fail_after(n);
		int rc = buf_workload(&b);
		cairn_alloc_fail_after(0);
		if (rc == 0) {
			succeeded = 1;
		} else {
			failures++;
			CHECK_INT_EQ(rc, CAIRN_ENOMEM);
			/* What was appended before the failure is intact and terminated. */
			if (b.data) {
				CHECK(b.data[b.len] == '\0');
				CHECK(strncmp(b.data, "line 0 ", 7) == 0);
			}
		}
		buf_release(&b);
	}
	CHECK(succeeded);
	CHECK(failures > 3);
}

TEST(alloc_fail_each_json_dump_and_fs)
{
	json_t *v = json_pack("{s:s, s:[i,i,i], s:f}", "name", "a long enough value to matter", "xs", 1, 2, 3, "f", 1.5);
	CHECK(v != NULL);
	int succeeded = 0;
	for (long n = 1; n <= 50 && !succeeded; n++) {
		struct buf b;
		buf_init(&b, 0);
		cairn_alloc_fail_after(n);
		int rc = json_dump_buf(v, &b);
		cairn_alloc_fail_after(0);
		if (rc == 0) {
			succeeded = 1;
			CHECK_STR_CONTAINS(b.data, "\"xs\":[1,2,3]");
		} else {
			CHECK_INT_EQ(rc, CAIRN_ENOMEM);
			CHECK(b.len == 0);
		}
		buf_release(&b);
	}
	CHECK(succeeded);
	json_decref(v);

	char path[4096];
	snprintf(path, sizeof path, "%s/f.txt", test_tmpdir());
	succeeded = 0;
	for (long n = 1; n <= 20 && !succeeded; n++) {
		struct cairn_error err = {0};
		cairn_alloc_fail_after(n);
		int rc = fs_write_atomic(path, "data", 4, &err);
		cairn_alloc_fail_after(0);
		if (rc == 0) {
			succeeded = 1;
		} else {
			CHECK_INT_EQ(rc, CAIRN_ENOMEM);
			CHECK_STR_CONTAINS(err.msg, path);
			CHECK(!fs_exists(path));
		}
	}
	CHECK(succeeded);
	char *data = NULL;
	size_t len = 0;
	CHECK_INT_EQ(fs_read_all(path, 0, &data, &len, NULL), 0);
	CHECK_STR_EQ(data, "data");
	cairn_free(data);
}

TEST_MAIN(alloc_hook_counts_and_stays_failing, alloc_hook_next_one_fails, alloc_fail_each_arena,
	  alloc_fail_each_buf, alloc_fail_each_json_dump_and_fs)
