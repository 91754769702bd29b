/* The registry's batched reads: a whole page of models or versions filled with one query
 * per table (tags, aliases, latest versions and their tags and aliases), and the
 * trigger-kept registered_model_latest table they read (migration 4). */
#include "registry_fixture.h"

#include <sqlite3.h>
#include <stdlib.h>

#define NM 40
#define MAXV 6

struct expect_version {
	int stage;     /* STORE_STAGE_* */
	int deleted;
	int alias;     /* "a<model>" points here */
};

struct expect_model {
	int nv;
	struct expect_version v[MAXV + 1];  /* 1-based */
	int ntags;
};

static const char *mname(int i)
{
	return arena_printf(&arena_, "model-%02d", i);
}

/* Models with 0-2 tags, 1-6 versions spread over the stages, a deleted version in some,
 * an alias in half, and a tag on every version whose value names the version. */
static void build(struct store *s, struct expect_model *ex)
{
	for (int i = 0; i < NM; i++) {
		struct expect_model *e = &ex[i];
		memset(e, 0, sizeof *e);
		fx_model(s, mname(i));
		e->ntags = i % 3;
		for (int j = 0; j < e->ntags; j++)
			OK(store_set_registered_model_tag(s, mname(i), arena_printf(&arena_, "t%d", j),
							  arena_printf(&arena_, "%d-%d", i, j), err_));
		e->nv = 1 + i % MAXV;
		for (int v = 1; v <= e->nv; v++) {
			CHECK_STR_EQ(fx_version(s, mname(i), NULL, 0), arena_printf(&arena_, "%d", v));
			const char *vs = arena_printf(&arena_, "%d", v);
			OK(store_set_model_version_tag(s, mname(i), vs, "vt",
						       arena_printf(&arena_, "%d.%d", i, v), err_));
			int stage = (v * 7 + i) % 4;
			if (stage != STORE_STAGE_NONE)
				OK(store_transition_model_version_stage(s, mname(i), vs,
									store_stage_name(stage), 0, NULL,
									&arena_, NULL, err_));
			e->v[v].stage = stage;
		}
		if (i % 5 == 0 && e->nv >= 2) {
			OK(store_delete_model_version(s, mname(i), "2", NULL, err_));
			e->v[2].deleted = 1;
		}
		if (i % 2) {
			int target = e->nv;
			while (e->v[target].deleted)
				target--;
			OK(store_set_registered_model_alias(s, mname(i), arena_printf(&arena_, "a%d", i),
							    arena_printf(&arena_, "%d", target), NULL, err_));
			e->v[target].alias = 1;
		}
	}
}

static void check_version(const struct store_model_version *v, int i, int64_t vn,
			  const struct expect_model *e)
{
	CHECK_STR_EQ(v->name, mname(i));
	CHECK_INT_EQ(v->version_number, vn);
	CHECK_STR_EQ(v->version, arena_printf(&arena_, "%d", (int)vn));
	CHECK_STR_EQ(v->current_stage, store_stage_name(e->v[vn].stage));
	CHECK_STR_EQ(v->status, "READY");
	/* its own tag only, never a sibling's */
	CHECK_INT_EQ(v->ntags, 1);
	CHECK_STR_EQ(v->tags[0].key, "vt");
	CHECK_STR_EQ(v->tags[0].value, arena_printf(&arena_, "%d.%d", i, (int)vn));
	CHECK_INT_EQ(v->naliases, e->v[vn].alias);
	if (e->v[vn].alias)
		CHECK_STR_EQ(v->aliases[0], arena_printf(&arena_, "a%d", i));
}

static void check_model(const struct store_registered_model *m, int i, const struct expect_model *e)
{
	CHECK_STR_EQ(m->name, mname(i));
	CHECK_INT_EQ(m->ntags, e->ntags);
	for (int j = 0; j < e->ntags; j++) {
		CHECK_STR_EQ(m->tags[j].key, arena_printf(&arena_, "t%d", j));
		CHECK_STR_EQ(m->tags[j].value, arena_printf(&arena_, "%d-%d", i, j));
	}
	size_t nl = 0;
	for (int st = STORE_STAGE_NONE; st <= STORE_STAGE_ARCHIVED; st++) {
		int best = 0;
		for (int v = 1; v <= e->nv; v++)
			if (!e->v[v].deleted && e->v[v].stage == st)
				best = v;
		if (!best)
			continue;
		CHECK_MSG(nl < m->nlatest, "model %d: missing latest of stage %d", i, st);
		check_version(&m->latest_versions[nl], i, best, e);
		nl++;
	}
	CHECK_INT_EQ(m->nlatest, nl);
	int alias_at = 0;
	for (int v = 1; v <= e->nv; v++)
		if (e->v[v].alias)
			alias_at = v;
	CHECK_INT_EQ(m->naliases, alias_at ? 1 : 0);
	if (alias_at) {
		CHECK_STR_EQ(m->aliases[0].alias, arena_printf(&arena_, "a%d", i));
		CHECK_STR_EQ(m->aliases[0].version, arena_printf(&arena_, "%d", alias_at));
	}
}

TEST(page_of_models_has_each_models_latest_tags_and_aliases)
{
	struct store *s = fx_open();
	static struct expect_model ex[NM];
	build(s, ex);
	struct store_registry_query q = { 0 };
	q.max_results = 1000;
	struct store_registered_model_page p;
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, NM);
	CHECK(p.next_page_token == NULL);
	for (int i = 0; i < NM; i++)
		check_model(&p.models[i], i, &ex[i]);
	/* Small pages: each batch covers only its page, and pages join up. */
	q.max_results = 7;
	int seen = 0;
	do {
		OK(store_search_registered_models(s, &q, &arena_, &p, err_));
		for (size_t k = 0; k < p.n; k++, seen++)
			check_model(&p.models[k], seen, &ex[seen]);
		q.page_token = p.next_page_token;
	} while (q.page_token);
	CHECK_INT_EQ(seen, NM);
	/* A filtered page (ids not contiguous), and single-model reads, agree. */
	q = (struct store_registry_query){ .filter = "tags.t1 LIKE '%'", .max_results = 1000 };
	OK(store_search_registered_models(s, &q, &arena_, &p, err_));
	int n = 0;
	for (int i = 0; i < NM; i++) {
		if (ex[i].ntags < 2)
			continue;
		check_model(&p.models[n++], i, &ex[i]);
		struct store_registered_model m;
		OK(store_get_registered_model(s, mname(i), &arena_, &m, err_));
		check_model(&m, i, &ex[i]);
	}
	CHECK_INT_EQ(p.n, n);
	store_close(s);
}

TEST(page_of_versions_has_each_versions_tags_and_aliases)
{
	struct store *s = fx_open();
	static struct expect_model ex[NM];
	build(s, ex);
	int live = 0;
	for (int i = 0; i < NM; i++)
		for (int v = 1; v <= ex[i].nv; v++)
			live += !ex[i].v[v].deleted;
	struct store_registry_query q = { 0 };
	q.order_by = (const char *[]){ "name ASC", "version_number ASC" };
	q.norder_by = 2;
	struct store_model_version_page p;
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, live);
	size_t k = 0;
	for (int i = 0; i < NM; i++)
		for (int v = 1; v <= ex[i].nv; v++)
			if (!ex[i].v[v].deleted)
				check_version(&p.versions[k++], i, v, &ex[i]);
	/* The default order (newest first) interleaves models: each version still gets its own. */
	q = (struct store_registry_query){ .max_results = 13 };
	OK(store_search_model_versions(s, &q, &arena_, &p, err_));
	CHECK_INT_EQ(p.n, 13);
	for (size_t j = 0; j < p.n; j++) {
		int i = (int)strtol(p.versions[j].name + strlen("model-"), NULL, 10);
		check_version(&p.versions[j], i, p.versions[j].version_number, &ex[i]);
	}
	/* get-latest-versions with a stage filter reads the same rows. */
	for (int i = 0; i < NM; i++) {
		struct store_model_version *lv;
		size_t n;
		const char *stages[] = { "production", "None" };
		OK(store_get_latest_versions(s, mname(i), stages, 2, &arena_, &lv, &n, err_));
		size_t want = 0;
		for (int st = STORE_STAGE_NONE; st <= STORE_STAGE_PRODUCTION; st += 2) {
			int best = 0;
			for (int v = 1; v <= ex[i].nv; v++)
				if (!ex[i].v[v].deleted && ex[i].v[v].stage == st)
					best = v;
			if (!best)
				continue;
			CHECK(want < n);
			check_version(&lv[want], i, best, &ex[i]);
			want++;
		}
		CHECK_INT_EQ(n, want);
	}
	store_close(s);
}

/* registered_model_latest against the GROUP BY it replaces; "" when equal. */
static const char *latest_mismatch(void)
{
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(fx_db_path(), &db) == SQLITE_OK);
	const char *q[2] = {
		"SELECT group_concat(model_id || ':' || stage || '=' || version, ' ') FROM"
		" (SELECT model_id, stage, version FROM registered_model_latest ORDER BY 1, 2)",
		"SELECT group_concat(model_id || ':' || current_stage || '=' || v, ' ') FROM"
		" (SELECT model_id, current_stage, MAX(version) AS v FROM model_versions WHERE"
		" deleted = 0 GROUP BY 1, 2 ORDER BY 1, 2)",
	};
	const char *got[2];
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st;
		CHECK(sqlite3_prepare_v2(db, q[i], -1, &st, NULL) == SQLITE_OK);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		const char *t = (const char *)sqlite3_column_text(st, 0);
		got[i] = arena_strdup(&arena_, t ? t : "");
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	if (strcmp(got[0], got[1]) == 0)
		return "";
	return arena_printf(&arena_, "table: %s\nwant:  %s", got[0], got[1]);
}

#define CHECK_LATEST() do { const char *m_ = latest_mismatch(); CHECK_MSG(!*m_, "%s", m_); } while (0)

TEST(latest_table_follows_every_writer)
{
	struct store *s = fx_open();
	CHECK_LATEST();
	fx_model(s, "a");
	fx_model(s, "b");
	for (int k = 0; k < 5; k++) {
		fx_version(s, "a", NULL, 0);
		fx_version(s, "b", NULL, 0);
	}
	CHECK_LATEST();
	OK(store_transition_model_version_stage(s, "a", "2", "Production", 0, NULL, &arena_, NULL, err_));
	OK(store_transition_model_version_stage(s, "a", "3", "Production", 0, NULL, &arena_, NULL, err_));
	CHECK_LATEST();
	/* archive_existing moves version 2 too */
	OK(store_transition_model_version_stage(s, "a", "1", "production", 1, NULL, &arena_, NULL, err_));
	CHECK_LATEST();
	/* the latest None version leaves None: the next one down takes its place */
	OK(store_transition_model_version_stage(s, "a", "5", "Staging", 0, NULL, &arena_, NULL, err_));
	CHECK_LATEST();
	OK(store_delete_model_version(s, "a", "4", NULL, err_));
	OK(store_delete_model_version(s, "a", "5", NULL, err_));
	CHECK_LATEST();
	fx_version(s, "a", NULL, 0);  /* 6, never reusing 4 or 5 */
	CHECK_LATEST();
	struct store_promotion pr = { .name = "b", .version = "3", .alias = "champion",
				      .stage = "Production", .archive_previous = 1 };
	OK(store_promote_model_version(s, &pr, &arena_, NULL, err_));
	pr = (struct store_promotion){ .name = "b", .version = "4", .alias = "champion",
				       .expected_holder = "3", .stage = "Production",
				       .archive_previous = 1 };
	OK(store_promote_model_version(s, &pr, &arena_, NULL, err_));
	CHECK_LATEST();
	OK(store_rename_registered_model(s, "b", "c", &arena_, NULL, err_));
	CHECK_LATEST();
	struct store_model_version *lv;
	size_t n;
	OK(store_get_latest_versions(s, "c", NULL, 0, &arena_, &lv, &n, err_));
	CHECK_INT_EQ(n, 3);  /* None 5, Production 4, Archived 3 */
	CHECK_STR_EQ(lv[0].version, "5");
	CHECK_STR_EQ(lv[1].current_stage, "Production");
	CHECK_STR_EQ(lv[1].version, "4");
	CHECK_STR_EQ(lv[1].name, "c");
	CHECK_STR_EQ(lv[2].current_stage, "Archived");
	CHECK_STR_EQ(lv[2].version, "3");
	OK(store_delete_registered_model(s, "a", err_));
	CHECK_LATEST();
	/* a model of the same name starts from nothing */
	fx_model(s, "a");
	struct store_registered_model m;
	OK(store_get_registered_model(s, "a", &arena_, &m, err_));
	CHECK_INT_EQ(m.nlatest, 0);
	fx_version(s, "a", NULL, 0);
	CHECK_LATEST();
	store_close(s);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	CHECK_MSG(rc == SQLITE_OK, "raw sql failed: %s", msg ? msg : "?");
	sqlite3_close(db);
}

TEST(migration_fills_latest_from_existing_versions)
{
	struct cairn_error err = { 0 };
	int latest = store_schema_latest();
	CHECK(latest >= 4);
	/* A registry written by the schema before the latest table. */
	CHECK_MSG(store_create_at_version(fx_db_path(), latest - 1, &err) == 0, "%s", err.msg);
	raw_exec(fx_db_path(),
		 "INSERT INTO registered_models VALUES (7, 'old', 1, 2, NULL, NULL);"
		 "INSERT INTO model_versions(model_id, version, creation_timestamp,"
		 " last_updated_timestamp, current_stage, source, deleted) VALUES"
		 " (7, 1, 1, 1, 'Production', 's', 0), (7, 2, 1, 1, 'None', 's', 0),"
		 " (7, 3, 1, 1, 'Production', 's', 1), (7, 4, 1, 1, 'None', 's', 0),"
		 " (7, 5, 1, 1, 'Archived', 's', 1);"
		 "INSERT INTO model_version_tags VALUES (7, 4, 'k', 'v'), (7, 2, 'k', 'old');"
		 "INSERT INTO registered_model_aliases VALUES (7, 'prod', 1);");
	struct store *s = fx_open();
	int v = 0;
	OK(store_schema_version(s, &v, err_));
	CHECK_INT_EQ(v, latest);
	CHECK_LATEST();
	struct store_registered_model m;
	OK(store_get_registered_model(s, "old", &arena_, &m, err_));
	CHECK_INT_EQ(m.nlatest, 2);
	CHECK_STR_EQ(m.latest_versions[0].version, "4");
	CHECK_INT_EQ(m.latest_versions[0].ntags, 1);
	CHECK_STR_EQ(m.latest_versions[0].tags[0].value, "v");
	CHECK_INT_EQ(m.latest_versions[0].naliases, 0);
	CHECK_STR_EQ(m.latest_versions[1].version, "1");
	CHECK_INT_EQ(m.latest_versions[1].ntags, 0);
	CHECK_INT_EQ(m.latest_versions[1].naliases, 1);
	CHECK_STR_EQ(m.latest_versions[1].aliases[0], "prod");
	/* and the triggers run on the migrated file */
	OK(store_transition_model_version_stage(s, "old", "2", "Staging", 0, NULL, &arena_, NULL, err_));
	CHECK_LATEST();
	store_close(s);
}

TEST_MAIN(page_of_models_has_each_models_latest_tags_and_aliases,
	  page_of_versions_has_each_versions_tags_and_aliases, latest_table_follows_every_writer,
	  migration_fills_latest_from_existing_versions)
