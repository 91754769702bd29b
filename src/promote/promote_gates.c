/*
 * Gate evaluation and promotion. Gates read the latest metric values of the candidate's
 * source run (and of the current alias holder's), and the candidate's tags (falling back to
 * its run's tags). The decision is then applied by store_promote_model_version (directly, or
 * on the server through POST registered-models/promote), whose compare-and-swap on the
 * holder makes a check-then-act race impossible. Everything reads through a
 * struct registry_access, so the gates judge the same way with and without a server.
 */
#include "promote/promote.h"

#include <math.h>
#include <string.h>

static int cmp_holds(int op, double v, double t)
{
	switch (op) {
	case PROMOTE_OP_GE: return v >= t;
	case PROMOTE_OP_GT: return v > t;
	case PROMOTE_OP_LE: return v <= t;
	case PROMOTE_OP_LT: return v < t;
	case PROMOTE_OP_EQ: return v == t;
	case PROMOTE_OP_NE: return v != t;
	default: return 0;
	}
}

static const struct store_metric *find_metric(const struct store_run *r, const char *key)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].key, key) == 0)
			return &r->metrics[i];
	return NULL;
}

static const char *find_tag(const struct store_tag *tags, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tags[i].key, key) == 0)
			return tags[i].value;
	return NULL;
}

/* The source run of a version, or NULL (with *why) when it has none or it is gone. */
static int load_run(const struct registry_access *ra, const struct store_model_version *mv, struct arena *a,
		    struct store_run **out, const char **why, struct cairn_error *err)
{
	*out = NULL;
	*why = NULL;
	if (!mv->run_id || !*mv->run_id) {
		*why = arena_printf(a, "version %s has no source run", mv->version);
		return *why ? 0 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	}
	struct store_run *r = arena_alloc(a, sizeof *r);
	if (!r)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	struct cairn_error e = {0};
	int ret = ra->get_run(ra->ctx, mv->run_id, a, r, &e);
	if (ret == CAIRN_ENOENT) {
		*why = arena_printf(a, "source run %s of version %s not found", mv->run_id, mv->version);
		return *why ? 0 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	}
	if (ret != 0) {
		if (err)
			*err = e;
		return ret;
	}
	*out = r;
	return 0;
}

static int add_result(struct arena *a, struct promote_report *rep, size_t *cap, const char *gate,
		      int passed, const char *detail, struct cairn_error *err)
{
	if (rep->ngates == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct promote_gate_result *g = arena_alloc(a, ncap * sizeof *g);
		if (!g)
			return cairn_error_set(err, CAIRN_ENOMEM, "out of memory evaluating gates");
		if (rep->ngates)
			memcpy(g, rep->gates, rep->ngates * sizeof *g);
		rep->gates = g;
		*cap = ncap;
	}
	if (!gate || !detail)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory evaluating gates");
	rep->gates[rep->ngates++] = (struct promote_gate_result){ gate, passed, detail };
	if (!passed)
		rep->passed = 0;
	return 0;
}

int promote_evaluate_via(const struct registry_access *ra, const char *name, const char *version,
			 const char *alias, const struct promote_policy *policy, struct arena *a,
			 struct promote_report *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	out->name = name;
	out->version = version;
	out->alias = alias;
	out->passed = 1;
	out->current_holder = "";
	int ret = store_validate_alias(alias, err);
	if (ret != 0)
		return ret;
	struct store_model_version mv, holder;
	ret = ra->get_model_version(ra->ctx, name, version, a, &mv, err);
	if (ret != 0)
		return ret;
	out->version = mv.version;  /* canonical ("007" → "7") */
	struct cairn_error e = {0};
	int has_holder = 0;
	ret = ra->get_model_version_by_alias(ra->ctx, name, alias, a, &holder, &e);
	if (ret == 0) {
		has_holder = 1;
		out->current_holder = holder.version;
		out->already = holder.version_number == mv.version_number;
	} else if (ret != CAIRN_EINVAL) {  /* EINVAL is MLflow's "alias not found" */
		if (err)
			*err = e;
		return ret;
	}
	if (!policy)
		return 0;

	size_t cap = 0;
	struct store_run *run = NULL, *hrun = NULL;
	const char *why = NULL, *hwhy = NULL;
	if (policy->nmetrics || policy->nbetter || policy->nrequired_tags) {
		ret = load_run(ra, &mv, a, &run, &why, err);
		if (ret != 0)
			return ret;
	}
	for (size_t i = 0; i < policy->nmetrics; i++) {
		const struct promote_metric_gate *g = &policy->metrics[i];
		const char *gate = arena_printf(a, "%s %s %g", g->metric, promote_op_text(g->op),
						g->threshold);
		const struct store_metric *m = find_metric(run, g->metric);
		int pass = 0;
		const char *detail;
		if (!run)
			detail = why;
		else if (!m)
			detail = arena_printf(a, "metric '%s' was not logged by run %s", g->metric,
					      run->info.run_id);
		else if (isnan(m->value))
			detail = arena_printf(a, "%s = NaN", g->metric);
		else {
			pass = cmp_holds(g->op, m->value, g->threshold);
			detail = arena_printf(a, "%s = %.6g", g->metric, m->value);
		}
		ret = add_result(a, out, &cap, gate, pass, detail, err);
		if (ret != 0)
			return ret;
	}
	if (policy->nbetter && has_holder && !out->already) {
		ret = load_run(ra, &holder, a, &hrun, &hwhy, err);
		if (ret != 0)
			return ret;
	}
	for (size_t i = 0; i < policy->nbetter; i++) {
		const struct promote_better_gate *g = &policy->better[i];
		const char *gate = arena_printf(a, "%s than current %s holder on %s by >= %g",
						g->lower_is_better ? "lower" : "higher", alias, g->metric,
						g->min_delta);
		const struct store_metric *m = find_metric(run, g->metric);
		int pass = 0;
		const char *detail;
		if (!has_holder) {
			pass = 1;
			detail = arena_printf(a, "no version holds '%s' yet", alias);
		} else if (out->already) {
			pass = 1;
			detail = arena_printf(a, "version %s already holds '%s'", mv.version, alias);
		} else if (!run) {
			detail = why;
		} else if (!m || isnan(m->value)) {
			detail = arena_printf(a, "metric '%s' missing or NaN for version %s", g->metric,
					      mv.version);
		} else {
			const struct store_metric *hm = find_metric(hrun, g->metric);
			if (!hrun) {
				/* A holder that cannot be measured cannot be beaten knowingly. */
				detail = arena_printf(a, "current holder: %s", hwhy);
			} else if (!hm || isnan(hm->value)) {
				detail = arena_printf(a, "metric '%s' missing or NaN for current holder "
						      "version %s", g->metric, holder.version);
			} else {
				double delta = g->lower_is_better ? hm->value - m->value : m->value - hm->value;
				pass = delta >= g->min_delta;
				detail = arena_printf(a, "%s = %.6g vs %.6g (version %s), delta %+.6g",
						      g->metric, m->value, hm->value, holder.version, delta);
			}
		}
		ret = add_result(a, out, &cap, gate, pass, detail, err);
		if (ret != 0)
			return ret;
	}
	for (size_t i = 0; i < policy->nrequired_tags; i++) {
		const struct store_tag *t = &policy->required_tags[i];
		const char *gate = arena_printf(a, "tag %s = %s", t->key, t->value);
		const char *have = find_tag(mv.tags, mv.ntags, t->key);
		const char *where = "version";
		if (!have && run) {
			have = find_tag(run->tags, run->ntags, t->key);
			where = "run";
		}
		const char *detail = have ? arena_printf(a, "%s tag %s = %s", where, t->key, have)
					  : arena_printf(a, "tag '%s' not set on the version or its run",
							 t->key);
		ret = add_result(a, out, &cap, gate, have && strcmp(have, t->value) == 0, detail, err);
		if (ret != 0)
			return ret;
	}
	return 0;
}

const char *promote_default_stage(const char *alias)
{
	if (!alias)
		return NULL;
	if (str_casecmp_ascii(alias, "production") == 0)
		return "Production";
	if (str_casecmp_ascii(alias, "staging") == 0)
		return "Staging";
	return NULL;
}

int promote_version_via(const struct registry_access *ra, const struct promote_request *r,
			struct arena *a, struct promote_report *report, struct cairn_error *err)
{
	int ret = promote_evaluate_via(ra, r->name, r->version, r->alias, r->policy, a, report, err);
	if (ret != 0 || !report->passed)
		return ret;
	struct store_promotion p = {
		.name = r->name,
		.version = report->version,
		.alias = r->alias,
		.expected_holder = report->current_holder,
		.stage = r->stage,
		.archive_previous = r->archive_previous,
		.who = r->who,
	};
	const char *prev = NULL;
	ret = ra->promote(ra->ctx, &p, a, &prev, err);
	if (ret == 0)
		report->promoted = !report->already;
	return ret;
}

int promote_pick_best_via(const struct registry_access *ra, const char *name, const char *metric,
			  int lower_is_better, struct arena *a, const char **version, double *value,
			  struct cairn_error *err)
{
	*version = NULL;
	struct store_registered_model rm;
	int ret = ra->get_registered_model(ra->ctx, name, a, &rm, err);
	if (ret != 0)
		return ret;
	/* The filter grammar has no escapes: quote with whichever quote the name lacks. */
	const char *filter;
	if (!strchr(name, '\''))
		filter = arena_printf(a, "name = '%s'", name);
	else if (!strchr(name, '"'))
		filter = arena_printf(a, "name = \"%s\"", name);
	else
		return cairn_error_set(err, CAIRN_EUNSUPPORTED, "model names containing both quote "
				       "characters cannot be searched: '%s'", name);
	if (!filter)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	struct store_registry_query q = { .filter = filter };
	const char *order[] = { "version_number ASC" };
	q.order_by = order;
	q.norder_by = 1;
	q.max_results = STORE_MODEL_VERSIONS_MAX_RESULTS;
	struct store_model_version_page page;
	ret = ra->search_model_versions(ra->ctx, &q, a, &page, err);
	if (ret != 0)
		return ret;
	const struct store_model_version *best = NULL;
	double best_v = 0;
	for (size_t i = 0; i < page.n; i++) {
		const struct store_model_version *mv = &page.versions[i];
		struct store_run *run;
		const char *why;
		ret = load_run(ra, mv, a, &run, &why, err);
		if (ret != 0)
			return ret;
		const struct store_metric *m = find_metric(run, metric);
		if (!m || isnan(m->value))
			continue;
		/* Ascending versions, so ">=" hands ties to the higher version. */
		int better = !best || (lower_is_better ? m->value <= best_v : m->value >= best_v);
		if (better) {
			best = mv;
			best_v = m->value;
		}
	}
	if (!best)
		return cairn_error_set(err, CAIRN_ENOENT, "no version of model '%s' has a source run "
				       "with metric '%s'", name, metric);
	*version = best->version;
	*value = best_v;
	return 0;
}

/* ------------------------------------------------------------------ store variants */

int promote_evaluate(struct store *s, const char *name, const char *version, const char *alias,
		     const struct promote_policy *policy, struct arena *a,
		     struct promote_report *out, struct cairn_error *err)
{
	struct registry_access ra;
	promote_access_local(&ra, s, 0);
	return promote_evaluate_via(&ra, name, version, alias, policy, a, out, err);
}

int promote_version(struct store *s, const struct promote_request *r, struct arena *a,
		    struct promote_report *report, struct cairn_error *err)
{
	struct registry_access ra;
	promote_access_local(&ra, s, 0);
	return promote_version_via(&ra, r, a, report, err);
}

int promote_pick_best(struct store *s, const char *name, const char *metric, int lower_is_better,
		      struct arena *a, const char **version, double *value, struct cairn_error *err)
{
	struct registry_access ra;
	promote_access_local(&ra, s, 0);
	return promote_pick_best_via(&ra, name, metric, lower_is_better, a, version, value, err);
}
