/* The registry's direct JSON writers (search pages) against the jansson encoders they
 * replace: byte for byte the same output, including escapes and ill-formed UTF-8. */
#include "api/api_internal.h"
#include "api/api_registry.h"
#include "../../harness.h"

#include <stdlib.h>
#include <string.h>

/* Compact dump of a value we own (the reference is dropped), as api_respond_json prints. */
static char *dump(json_t *v)
{
	CHECK(v != NULL);
	struct buf b;
	buf_init(&b, 0);
	CHECK(json_dump_buf(v, &b) == 0);
	json_decref(v);
	size_t n;
	return buf_detach(&b, &n);
}

static char *write_version(const struct store_model_version *v)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK(buf_append_str(&b, "") == 0);
	CHECK(api_write_model_version(&b, v) == 0);
	size_t n;
	return buf_detach(&b, &n);
}

static char *write_model(const struct store_registered_model *m)
{
	struct buf b;
	buf_init(&b, 0);
	CHECK(buf_append_str(&b, "") == 0);
	CHECK(api_write_registered_model(&b, m) == 0);
	size_t n;
	return buf_detach(&b, &n);
}

static void same_version(const struct store_model_version *v)
{
	char *want = dump(api_json_model_version(v));
	char *got = write_version(v);
	CHECK_STR_EQ(got, want);
	cairn_free(want);
	cairn_free(got);
}

static void same_model(const struct store_registered_model *m)
{
	char *want = dump(api_json_registered_model(m));
	char *got = write_model(m);
	CHECK_STR_EQ(got, want);
	cairn_free(want);
	cairn_free(got);
}

/* Strings that exercise every escaping rule and every UTF-8 repair. */
static const char *const odd[] = {
	"",
	"plain",
	"quote \" backslash \\ slash / done",
	"\b\f\n\r\t",
	"\x01\x02\x1e\x1f \x7f",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",          /* valid multi-byte */
	"bad \xff byte",
	"truncated \xe2\x82",
	"overlong \xc0\xaf",
	"surrogate \xed\xa0\x80 x",
	"mixed \xc3\xa9\xff\"\x01\xf0\x9f\x98\x80\xf4\x90\x80\x80 end",
	"\xf0\x9f\x98",                                      /* truncated 4-byte at the end */
	"\xc2",
	"edges \xed\x9f\xbf \xf4\x8f\xbf\xbf \xf5 \xe0\x9f\x80 \xf0\x8f\x80\x80 \x80",
};
#define NODD (sizeof odd / sizeof odd[0])

TEST(version_minimal_matches_jansson)
{
	struct store_model_version v;
	memset(&v, 0, sizeof v);
	same_version(&v);  /* NULL name/version/source print "", stage and status defaults */
	v.name = "m";
	v.version = "1";
	v.source = "s3://b/k";
	v.current_stage = "Staging";
	v.status = "READY";
	v.user_id = "";
	v.description = "";
	v.run_id = "";
	v.run_link = "";
	v.status_message = "";
	same_version(&v);
	char *s = write_version(&v);
	CHECK_STR_EQ(s, "{\"name\":\"m\",\"version\":\"1\",\"creation_timestamp\":0,"
		     "\"last_updated_timestamp\":0,\"current_stage\":\"Staging\",\"source\":\"s3://b/k\","
		     "\"status\":\"READY\"}");
	cairn_free(s);
}

TEST(version_full_matches_jansson_for_every_odd_string)
{
	for (size_t i = 0; i < NODD; i++) {
		const char *x = odd[i];
		struct store_tag tags[] = { { x, "v" }, { "k", x }, { "", "" } };
		const char *aliases[] = { x, "champion" };
		struct store_model_version v = {
			.name = x, .version = "12", .version_number = 12,
			.creation_timestamp = INT64_MIN, .last_updated_timestamp = INT64_MAX,
			.user_id = x, .current_stage = x, .description = x, .source = x, .run_id = x,
			.run_link = x, .status = x, .status_message = x,
			.tags = tags, .ntags = 3, .aliases = aliases, .naliases = 2,
		};
		same_version(&v);
		v.creation_timestamp = -1;
		v.last_updated_timestamp = 1700000000123LL;
		v.ntags = 1;
		v.naliases = 1;
		same_version(&v);
	}
}

TEST(model_matches_jansson)
{
	struct store_registered_model m;
	memset(&m, 0, sizeof m);
	same_model(&m);
	for (size_t i = 0; i < NODD; i++) {
		const char *x = odd[i];
		struct store_tag tags[] = { { "team", x }, { x, "y" } };
		const char *valiases[] = { "prod" };
		struct store_model_version lv[2];
		memset(lv, 0, sizeof lv);
		lv[0] = (struct store_model_version){ .name = x, .version = "3", .creation_timestamp = 5,
						      .last_updated_timestamp = 6, .current_stage = "None",
						      .source = x, .status = "READY", .tags = tags,
						      .ntags = 2, .aliases = valiases, .naliases = 1 };
		lv[1] = (struct store_model_version){ .name = x, .version = "4", .current_stage = "Production",
						      .source = "s", .description = x };
		struct store_model_alias al[] = { { x, "3" }, { "prod", "4" } };
		m = (struct store_registered_model){
			.name = x, .creation_timestamp = 1, .last_updated_timestamp = -2, .user_id = x,
			.description = x, .latest_versions = lv, .nlatest = 2, .tags = tags, .ntags = 2,
			.aliases = al, .naliases = 2,
		};
		same_model(&m);
		m.nlatest = 1;
		m.naliases = 1;
		m.ntags = 1;
		m.user_id = "";
		m.description = NULL;
		same_model(&m);
	}
}

/* Strings longer than the writer's staging area, and enough items to flush it many times. */
TEST(long_strings_and_many_items)
{
	size_t n = 100000;
	char *big = cairn_malloc(n + 1);
	CHECK(big != NULL);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i % 97 == 0 ? '"' : i % 89 == 0 ? '\n' : 'a' + (int)(i % 26));
	big[n] = '\0';
	struct store_tag tags[40];
	for (size_t i = 0; i < 40; i++)
		tags[i] = (struct store_tag){ i % 2 ? big : "k", i % 3 ? "v" : big };
	struct store_model_version v = { .name = big, .version = "1", .source = big, .tags = tags,
					 .ntags = 40 };
	same_version(&v);
	struct store_model_version lv[3] = { v, v, v };
	struct store_registered_model m = { .name = big, .description = big, .latest_versions = lv,
					    .nlatest = 3, .tags = tags, .ntags = 40 };
	same_model(&m);
	cairn_free(big);
}

TEST(appends_and_leaves_buffer_intact_on_failure)
{
	struct store_model_version v = { .name = "m", .version = "1", .source = "s" };
	struct buf b;
	buf_init(&b, 0);
	CHECK(buf_append_str(&b, "prefix:") == 0);
	CHECK(api_write_model_version(&b, &v) == 0);
	CHECK(strncmp(b.data, "prefix:{\"name\":\"m\"", 18) == 0);
	buf_release(&b);

	/* A cap too small for the document: refused, the buffer keeps its old content. */
	buf_init(&b, 32);
	CHECK(buf_append_str(&b, "keep") == 0);
	CHECK_INT_EQ(api_write_model_version(&b, &v), CAIRN_ETOOBIG);
	CHECK_INT_EQ(b.len, 4);
	CHECK_STR_EQ(b.data, "keep");
	struct store_registered_model m = { .name = "a-name-long-enough-to-pass-the-cap" };
	CHECK_INT_EQ(api_write_registered_model(&b, &m), CAIRN_ETOOBIG);
	CHECK_STR_EQ(b.data, "keep");
	buf_release(&b);
}

TEST_MAIN(version_minimal_matches_jansson, version_full_matches_jansson_for_every_odd_string,
	  model_matches_jansson, long_strings_and_many_items,
	  appends_and_leaves_buffer_intact_on_failure)
