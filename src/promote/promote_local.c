/*
 * The registry access on a store opened in this process: each entry is the store call of
 * the same name, so direct mode behaves exactly as before the access layer existed.
 */
#include "promote/promote.h"

#include <string.h>

static int l_get_rm(void *ctx, const char *name, struct arena *a, struct store_registered_model *out,
		    struct cairn_error *err)
{
	return store_get_registered_model(ctx, name, a, out, err);
}

static int l_search_rm(void *ctx, const struct store_registry_query *q, struct arena *a,
		       struct store_registered_model_page *out, struct cairn_error *err)
{
	return store_search_registered_models(ctx, q, a, out, err);
}

static int l_search_mv(void *ctx, const struct store_registry_query *q, struct arena *a,
		       struct store_model_version_page *out, struct cairn_error *err)
{
	return store_search_model_versions(ctx, q, a, out, err);
}

static int l_get_mv(void *ctx, const char *name, const char *version, struct arena *a,
		    struct store_model_version *out, struct cairn_error *err)
{
	return store_get_model_version(ctx, name, version, a, out, err);
}

static int l_get_alias(void *ctx, const char *name, const char *alias, struct arena *a,
		       struct store_model_version *out, struct cairn_error *err)
{
	return store_get_model_version_by_alias(ctx, name, alias, a, out, err);
}

static int l_set_alias(void *ctx, const char *name, const char *alias, const char *version,
		       const struct store_actor *who, struct cairn_error *err)
{
	return store_set_registered_model_alias(ctx, name, alias, version, who, err);
}

static int l_delete_alias(void *ctx, const char *name, const char *alias, const struct store_actor *who,
			  struct cairn_error *err)
{
	return store_delete_registered_model_alias(ctx, name, alias, who, err);
}

static int l_transition(void *ctx, const char *name, const char *version, const char *stage,
			int archive_existing, const struct store_actor *who, struct arena *a,
			struct store_model_version *out, struct cairn_error *err)
{
	return store_transition_model_version_stage(ctx, name, version, stage, archive_existing, who, a,
						    out, err);
}

static int l_delete_rm(void *ctx, const char *name, struct cairn_error *err)
{
	return store_delete_registered_model(ctx, name, err);
}

static int l_delete_mv(void *ctx, const char *name, const char *version, const struct store_actor *who,
		       struct cairn_error *err)
{
	return store_delete_model_version(ctx, name, version, who, err);
}

static int l_history(void *ctx, const char *name, const char *version, struct arena *a,
		     struct store_registry_event **out, size_t *n, struct cairn_error *err)
{
	return store_list_registry_history(ctx, name, version, a, out, n, err);
}

static int l_get_run(void *ctx, const char *run_id, struct arena *a, struct store_run *out,
		     struct cairn_error *err)
{
	return store_get_run(ctx, run_id, a, out, err);
}

static int l_promote(void *ctx, const struct store_promotion *p, struct arena *a,
		     const char **previous_holder, struct cairn_error *err)
{
	return store_promote_model_version(ctx, p, a, previous_holder, err);
}

static int l_latest(void *ctx, const char *name, const char *const *stages, size_t nstages,
		    struct arena *a, struct store_model_version **out, size_t *n, struct cairn_error *err)
{
	return store_get_latest_versions(ctx, name, stages, nstages, a, out, n, err);
}

static void l_close_owned(void *ctx)
{
	store_close(ctx);
}

static void l_close_borrowed(void *ctx)
{
	(void)ctx;
}

void promote_access_local(struct registry_access *out, struct store *s, int owns)
{
	memset(out, 0, sizeof *out);
	out->ctx = s;
	out->where = "the store";
	out->get_registered_model = l_get_rm;
	out->search_registered_models = l_search_rm;
	out->search_model_versions = l_search_mv;
	out->get_model_version = l_get_mv;
	out->get_model_version_by_alias = l_get_alias;
	out->set_alias = l_set_alias;
	out->delete_alias = l_delete_alias;
	out->transition_stage = l_transition;
	out->delete_registered_model = l_delete_rm;
	out->delete_model_version = l_delete_mv;
	out->list_history = l_history;
	out->get_run = l_get_run;
	out->promote = l_promote;
	out->get_latest_versions = l_latest;
	out->close = owns ? l_close_owned : l_close_borrowed;
}

void promote_access_close(struct registry_access *ra)
{
	if (ra && ra->close && ra->ctx)
		ra->close(ra->ctx);
	if (ra)
		memset(ra, 0, sizeof *ra);
}
