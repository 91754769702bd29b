/* Model URIs: models:/NAME/VERSION|STAGE|latest, models:/NAME@ALIAS, runs:/ID/PATH. */
#include "promote/promote.h"

#include <string.h>

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int promote_parse_uri(const char *uri, struct arena *a, struct promote_model_uri *out,
		      struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	if (!uri || !*uri)
		return cairn_error_set(err, CAIRN_EINVAL, "empty model URI");
	if (strncmp(uri, "runs:", 5) == 0) {
		const char *p = uri + 5;
		if (*p != '/')
			return cairn_error_set(err, CAIRN_EINVAL, "invalid run URI '%s': expected "
					       "runs:/RUN_ID/PATH", uri);
		p++;
		const char *slash = strchr(p, '/');
		size_t idlen = slash ? (size_t)(slash - p) : strlen(p);
		out->kind = PROMOTE_URI_RUNS;
		out->run_id = arena_strndup(a, p, idlen);
		out->path = arena_strdup(a, slash ? slash + 1 : "");
		if (!out->run_id || !out->path)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory parsing a URI");
		if (store_validate_run_id(out->run_id, NULL) != 0)
			return cairn_error_set(err, CAIRN_EINVAL, "invalid run URI '%s': '%s' is not a "
					       "run id", uri, out->run_id);
		return 0;
	}
	if (strncmp(uri, "models:", 7) != 0)
		return cairn_error_set(err, CAIRN_EINVAL, "invalid model URI '%s': expected models:/NAME/"
				       "VERSION, models:/NAME/STAGE, models:/NAME/latest, "
				       "models:/NAME@ALIAS or runs:/RUN_ID/PATH", uri);
	const char *p = uri + 7;
	if (p[0] != '/' || p[1] == '/')
		return cairn_error_set(err, CAIRN_EINVAL, "invalid model URI '%s': it must start with "
				       "'models:/' followed by the model name", uri);
	p++;
	const char *at = strrchr(p, '@');
	if (at) {
		if (at == p || !at[1] || memchr(p, '/', (size_t)(at - p)) || strchr(at, '/'))
			return cairn_error_set(err, CAIRN_EINVAL, "invalid model URI '%s': expected "
					       "models:/NAME@ALIAS", uri);
		out->kind = PROMOTE_URI_ALIAS;
		out->name = arena_strndup(a, p, (size_t)(at - p));
		out->alias = arena_strdup(a, at + 1);
		if (!out->name || !out->alias)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory parsing a URI");
		return 0;
	}
	const char *slash = strchr(p, '/');
	if (!slash || slash == p || !slash[1] || strchr(slash + 1, '/'))
		return cairn_error_set(err, CAIRN_EINVAL, "invalid model URI '%s': expected "
				       "models:/NAME/VERSION, models:/NAME/STAGE or models:/NAME/latest",
				       uri);
	out->name = arena_strndup(a, p, (size_t)(slash - p));
	if (!out->name)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory parsing a URI");
	const char *ref = slash + 1;
	if (all_digits(ref)) {
		int64_t v;
		if (store_parse_model_version(ref, &v, NULL) != 0)
			return cairn_error_set(err, CAIRN_EINVAL, "invalid model URI '%s': version '%s' "
					       "out of range", uri, ref);
		out->kind = PROMOTE_URI_VERSION;
		out->version = arena_strdup(a, ref);
		return out->version ? 0 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	}
	if (str_casecmp_ascii(ref, "latest") == 0) {
		out->kind = PROMOTE_URI_LATEST;
		return 0;
	}
	int stage = store_stage_parse(ref);
	if (stage < 0)
		return cairn_error_set(err, CAIRN_EINVAL, "invalid model URI '%s': '%s' is neither a "
				       "version number, a stage (None, Staging, Production, Archived) "
				       "nor 'latest'", uri, ref);
	out->kind = PROMOTE_URI_STAGE;
	out->stage = stage;
	return 0;
}

static int fill_from_version(struct arena *a, const struct store_model_version *mv,
			     struct promote_resolved *out, struct cairn_error *err)
{
	(void)a;
	(void)err;
	out->name = mv->name;
	out->version = mv->version;
	out->run_id = mv->run_id;
	out->artifact_uri = mv->source;
	return 0;
}

int promote_resolve_uri_via(const struct registry_access *ra, const char *uri, struct arena *a,
			    struct promote_resolved *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	struct promote_model_uri u;
	int ret = promote_parse_uri(uri, a, &u, err);
	if (ret != 0)
		return ret;
	struct store_model_version mv, *vs = NULL;
	size_t n = 0;
	switch (u.kind) {
	case PROMOTE_URI_RUNS: {
		struct store_run run;
		ret = ra->get_run(ra->ctx, u.run_id, a, &run, err);
		if (ret != 0)
			return ret;
		out->run_id = run.info.run_id;
		const char *root = run.info.artifact_uri ? run.info.artifact_uri : "";
		size_t rl = strlen(root);
		int slash = rl > 0 && root[rl - 1] == '/';
		out->artifact_uri = *u.path ? arena_printf(a, "%s%s%s", root, slash ? "" : "/", u.path)
					    : arena_strdup(a, root);
		return out->artifact_uri ? 0 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	}
	case PROMOTE_URI_VERSION:
		ret = ra->get_model_version(ra->ctx, u.name, u.version, a, &mv, err);
		return ret != 0 ? ret : fill_from_version(a, &mv, out, err);
	case PROMOTE_URI_ALIAS:
		ret = store_validate_alias(u.alias, err);
		if (ret != 0)
			return ret;
		ret = ra->get_model_version_by_alias(ra->ctx, u.name, u.alias, a, &mv, err);
		if (ret == CAIRN_EINVAL)  /* the store's MLflow-compatible code for "no such alias" */
			return cairn_error_set(err, CAIRN_ENOENT, "model '%s' has no alias '%s' (%s)",
					       u.name, u.alias, uri);
		return ret != 0 ? ret : fill_from_version(a, &mv, out, err);
	case PROMOTE_URI_STAGE:
	case PROMOTE_URI_LATEST: {
		const char *stage = store_stage_name(u.stage);
		ret = ra->get_latest_versions(ra->ctx, u.name, u.kind == PROMOTE_URI_STAGE ? &stage : NULL,
					      u.kind == PROMOTE_URI_STAGE ? 1 : 0, a, &vs, &n, err);
		if (ret != 0)
			return ret;
		const struct store_model_version *best = NULL;
		for (size_t i = 0; i < n; i++)
			if (!best || vs[i].version_number > best->version_number)
				best = &vs[i];
		if (!best) {
			if (u.kind == PROMOTE_URI_STAGE)
				return cairn_error_set(err, CAIRN_ENOENT, "model '%s' has no version in stage "
						       "%s (%s)", u.name, stage, uri);
			return cairn_error_set(err, CAIRN_ENOENT, "model '%s' has no versions (%s)", u.name, uri);
		}
		return fill_from_version(a, best, out, err);
	}
	default:
		return cairn_error_set(err, CAIRN_EINTERNAL, "unhandled model URI kind");
	}
}

int promote_resolve_uri(struct store *s, const char *uri, struct arena *a,
			struct promote_resolved *out, struct cairn_error *err)
{
	struct registry_access ra;
	promote_access_local(&ra, s, 0);
	return promote_resolve_uri_via(&ra, uri, a, out, err);
}
