/*
 * The experiments/ endpoints (spec §3.1, §4.3).
 */
#include "api/api_internal.h"

#include <string.h>

/* MLflow refuses artifact locations that would let a later path join escape: a fragment,
 * ";params" on the path, or ".." in the query (spec §3.1); and runs:/ URIs. */
static int check_artifact_location(const char *loc, struct cairn_error *err)
{
	if (!loc || !*loc)
		return 0;
	if (strncmp(loc, "runs:", 5) == 0)
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Artifact location cannot be a runs:/ URI. Given: '%s'", loc);
	const char *q = strchr(loc, '?');
	size_t path_len = q ? (size_t)(q - loc) : strlen(loc);
	if (strchr(loc, '#') || memchr(loc, ';', path_len) || (q && strstr(q, "..")))
		return cairn_error_set(err, CAIRN_EINVAL,
				       "Invalid artifact_location '%s': it must not contain a fragment, "
				       "';' parameters, or '..' in the query string", loc);
	return 0;
}

int api_experiments_create(struct api_call *c)
{
	const char *name = NULL, *loc = NULL, *id = NULL;
	struct store_tag *tags = NULL;
	size_t ntags = 0;
	int rc = json_get_str(c->msg, "name", 1, &name, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "artifact_location", 0, &loc, &c->err);
	if (rc == 0)
		rc = check_artifact_location(loc, &c->err);
	if (rc == 0)
		rc = api_get_tags(c->msg, "tags", c->arena, &tags, &ntags, &c->err);
	if (rc == 0)
		rc = store_create_experiment(c->ctx->store, name, loc && *loc ? loc : NULL, tags, ntags,
					     c->arena, &id, &c->err);
	if (rc != 0)
		return rc;
	json_t *o = json_object();
	if (o && json_object_set_new(o, "experiment_id", api_json_str(id)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return api_respond_json_steal(c->res, o);
}

static int respond_experiment(struct api_call *c, const struct store_experiment *e)
{
	json_t *o = json_object();
	if (o && json_object_set_new(o, "experiment", api_json_experiment(e)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return api_respond_json_steal(c->res, o);
}

int api_experiments_get(struct api_call *c)
{
	const char *id = NULL;
	struct store_experiment e;
	int rc = api_get_id(c->msg, "experiment_id", 1, c->arena, &id, &c->err);
	if (rc == 0)
		rc = store_get_experiment(c->ctx->store, id, c->arena, &e, &c->err);
	return rc != 0 ? rc : respond_experiment(c, &e);
}

int api_experiments_get_by_name(struct api_call *c)
{
	const char *name = NULL;
	struct store_experiment e;
	int rc = json_get_str(c->msg, "experiment_name", 1, &name, &c->err);
	if (rc == 0)
		rc = store_get_experiment_by_name(c->ctx->store, name, c->arena, &e, &c->err);
	return rc != 0 ? rc : respond_experiment(c, &e);
}

int api_experiments_search(struct api_call *c)
{
	struct store_experiment_query q;
	memset(&q, 0, sizeof q);
	int present = 0;
	int rc = api_get_max_results(c->msg, STORE_EXPERIMENTS_MAX_RESULTS, &q.max_results, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "page_token", 0, &q.page_token, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "filter", 0, &q.filter, &c->err);
	if (rc == 0)
		rc = api_get_str_array(c->msg, "order_by", 0, c->arena, &q.order_by, &q.norder_by, &c->err);
	if (rc == 0)
		rc = api_get_view_type(c->msg, "view_type", &q.view_type, &present, &c->err);
	struct store_experiment_page page;
	memset(&page, 0, sizeof page);
	if (rc == 0)
		rc = store_search_experiments(c->ctx->store, &q, c->arena, &page, &c->err);
	if (rc != 0)
		return rc;
	json_t *o = json_object();
	if (!o)
		return api_respond_json_steal(c->res, NULL);
	if (page.n > 0) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(o, "experiments", arr) != 0)
			goto oom;
		for (size_t i = 0; i < page.n; i++)
			if (json_array_append_new(arr, api_json_experiment(&page.experiments[i])) != 0)
				goto oom;
	}
	if (page.next_page_token && *page.next_page_token &&
	    json_object_set_new(o, "next_page_token", api_json_str(page.next_page_token)) != 0)
		goto oom;
	return api_respond_json_steal(c->res, o);
oom:
	json_decref(o);
	return api_respond_json_steal(c->res, NULL);
}

int api_experiments_update(struct api_call *c)
{
	const char *id = NULL, *name = NULL;
	int rc = api_get_id(c->msg, "experiment_id", 1, c->arena, &id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "new_name", 1, &name, &c->err);
	if (rc == 0)
		rc = store_rename_experiment(c->ctx->store, id, name, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_experiments_delete(struct api_call *c)
{
	const char *id = NULL;
	int rc = api_get_id(c->msg, "experiment_id", 1, c->arena, &id, &c->err);
	if (rc == 0)
		rc = store_delete_experiment(c->ctx->store, id, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_experiments_restore(struct api_call *c)
{
	const char *id = NULL;
	int rc = api_get_id(c->msg, "experiment_id", 1, c->arena, &id, &c->err);
	if (rc == 0)
		rc = store_restore_experiment(c->ctx->store, id, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}

int api_experiments_set_tag(struct api_call *c)
{
	const char *id = NULL, *key = NULL, *value = NULL;
	int rc = api_get_id(c->msg, "experiment_id", 1, c->arena, &id, &c->err);
	if (rc == 0)
		rc = json_get_str(c->msg, "key", 1, &key, &c->err);
	if (rc == 0)
		rc = api_get_str_or_empty(c->msg, "value", &value, &c->err);
	if (rc == 0)
		rc = store_set_experiment_tag(c->ctx->store, id, key, value, &c->err);
	return rc != 0 ? rc : api_respond_empty(c->res);
}
