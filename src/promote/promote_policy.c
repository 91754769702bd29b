/*
 * Promotion policies in YAML (libyaml's document API). Every error names FILE:LINE:COLUMN
 * of the offending node (1-based), as DESIGN.md asks of all configuration.
 */
#include "promote/promote.h"

#include <stdarg.h>
#include <string.h>
#include <yaml.h>

struct pctx {
	const char *path;
	yaml_document_t *doc;
	struct arena *a;
	struct cairn_error *err;
};

static int perr(struct pctx *p, const yaml_node_t *n, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static int perr(struct pctx *p, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cairn_error_set(p->err, CAIRN_EINVAL, "%s:%zu:%zu: %s", p->path,
			       n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1, msg);
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static int is_null_scalar(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

/* A non-empty string scalar copied into the arena. */
static int get_string(struct pctx *p, const yaml_node_t *n, const char *what, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null_scalar(n))
		return perr(p, n, "%s must be a string, got %s", what,
			    n->type == YAML_SCALAR_NODE ? "null" : node_kind(n));
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return perr(p, n, "%s contains a NUL byte", what);
	*out = arena_strdup(p->a, (const char *)n->data.scalar.value);
	return *out ? 0 : cairn_error_set(p->err, CAIRN_ENOMEM, "out of memory reading a policy");
}

static int get_number(struct pctx *p, const yaml_node_t *n, const char *what, double *out)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    str_to_double((const char *)n->data.scalar.value, out) != 0 || *out != *out)
		return perr(p, n, "%s must be a number, got %s%s%s", what,
			    n->type == YAML_SCALAR_NODE ? "'" : node_kind(n),
			    n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "",
			    n->type == YAML_SCALAR_NODE ? "'" : "");
	return 0;
}

/* Reject a key seen before in the same mapping. */
static int check_duplicate(struct pctx *p, yaml_node_pair_t *start, yaml_node_pair_t *cur,
			   const yaml_node_t *key)
{
	for (yaml_node_pair_t *q = start; q < cur; q++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, q->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, (const char *)key->data.scalar.value) == 0)
			return perr(p, key, "duplicate key '%s'", (const char *)key->data.scalar.value);
	}
	return 0;
}

typedef int (*pair_fn)(struct pctx *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg);

/* Walk a mapping whose keys must be strings, calling fn for each pair. */
static int each_pair(struct pctx *p, yaml_node_t *map, const char *what, pair_fn fn, void *arg)
{
	if (map->type != YAML_MAPPING_NODE)
		return perr(p, map, "%s must be a mapping, got %s", what, node_kind(map));
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	for (yaml_node_pair_t *pr = start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		if (!k || !v)
			return perr(p, map, "malformed mapping in %s", what);
		if (k->type != YAML_SCALAR_NODE)
			return perr(p, k, "keys of %s must be strings, got %s", what, node_kind(k));
		int ret = check_duplicate(p, start, pr, k);
		if (ret == 0)
			ret = fn(p, (const char *)k->data.scalar.value, k, v, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static void *grow(struct arena *a, void *old, size_t n, size_t elem)
{
	/* Policies are tiny: grow by one, copying. */
	void *p = arena_alloc(a, (n + 1) * elem);
	if (p && old && n)
		memcpy(p, old, n * elem);
	return p;
}

/* ------------------------------------------------------------------ conditions */

static const struct { const char *text; int op; } ops[] = {
	{ ">=", PROMOTE_OP_GE }, { "<=", PROMOTE_OP_LE }, { "==", PROMOTE_OP_EQ },
	{ "!=", PROMOTE_OP_NE }, { ">", PROMOTE_OP_GT }, { "<", PROMOTE_OP_LT },
};

const char *promote_op_text(int op)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].op == op)
			return ops[i].text;
	return "?";
}

int promote_parse_condition(const char *text, int *op, double *threshold, struct cairn_error *err)
{
	const char *s = text ? text : "";
	while (*s == ' ' || *s == '\t')
		s++;
	*op = PROMOTE_OP_GE;  /* a bare number means "at least" */
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(s, ops[i].text, n) == 0) {
			*op = ops[i].op;
			s += n;
			break;
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	char num[64];
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof num)
		return cairn_error_set(err, CAIRN_EINVAL, "invalid condition '%s': expected an operator "
				       "(>=, >, <=, <, ==, !=) and a number, e.g. \">= 0.80\"", text ? text : "");
	memcpy(num, s, n);
	num[n] = '\0';
	if (str_to_double(num, threshold) != 0 || *threshold != *threshold)
		return cairn_error_set(err, CAIRN_EINVAL, "invalid condition '%s': '%s' is not a number",
				       text, num);
	return 0;
}

/* ------------------------------------------------------------------ sections */

static int metric_pair(struct pctx *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct promote_policy *pol = arg;
	struct cairn_error e = {0};
	if (store_validate_key("metric", key, &e) != 0)
		return perr(p, k, "invalid metric name: %s", e.msg);
	if (v->type != YAML_SCALAR_NODE || is_null_scalar(v))
		return perr(p, v, "the condition of metric '%s' must be a string such as \">= 0.80\" "
			    "or a number, got %s", key, v->type == YAML_SCALAR_NODE ? "null" : node_kind(v));
	struct promote_metric_gate g = {0};
	if (promote_parse_condition((const char *)v->data.scalar.value, &g.op, &g.threshold, &e) != 0)
		return perr(p, v, "metric '%s': %s", key, e.msg);
	g.metric = arena_strdup(p->a, key);
	struct promote_metric_gate *arr = grow(p->a, pol->metrics, pol->nmetrics, sizeof *arr);
	if (!g.metric || !arr)
		return cairn_error_set(p->err, CAIRN_ENOMEM, "out of memory reading a policy");
	arr[pol->nmetrics++] = g;
	pol->metrics = arr;
	return 0;
}

static int tag_pair(struct pctx *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct promote_policy *pol = arg;
	struct cairn_error e = {0};
	if (store_validate_key("tag", key, &e) != 0)
		return perr(p, k, "invalid tag key: %s", e.msg);
	struct store_tag t = {0};
	if (get_string(p, v, "a required tag's value", &t.value) != 0)
		return p->err ? p->err->code : CAIRN_EINVAL;
	t.key = arena_strdup(p->a, key);
	struct store_tag *arr = grow(p->a, pol->required_tags, pol->nrequired_tags, sizeof *arr);
	if (!t.key || !arr)
		return cairn_error_set(p->err, CAIRN_ENOMEM, "out of memory reading a policy");
	arr[pol->nrequired_tags++] = t;
	pol->required_tags = arr;
	return 0;
}

struct better_state {
	struct promote_better_gate g;
	int has_metric;
};

static int better_pair(struct pctx *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct better_state *b = arg;
	if (strcmp(key, "metric") == 0) {
		struct cairn_error e = {0};
		if (get_string(p, v, "better_than_current.metric", &b->g.metric) != 0)
			return p->err ? p->err->code : CAIRN_EINVAL;
		if (store_validate_key("metric", b->g.metric, &e) != 0)
			return perr(p, v, "invalid metric name: %s", e.msg);
		b->has_metric = 1;
		return 0;
	}
	if (strcmp(key, "min_delta") == 0) {
		if (get_number(p, v, "better_than_current.min_delta", &b->g.min_delta) != 0)
			return p->err ? p->err->code : CAIRN_EINVAL;
		if (b->g.min_delta < 0)
			return perr(p, v, "better_than_current.min_delta must be >= 0");
		return 0;
	}
	if (strcmp(key, "direction") == 0) {
		const char *d;
		if (get_string(p, v, "better_than_current.direction", &d) != 0)
			return p->err ? p->err->code : CAIRN_EINVAL;
		if (strcmp(d, "higher") == 0)
			b->g.lower_is_better = 0;
		else if (strcmp(d, "lower") == 0)
			b->g.lower_is_better = 1;
		else
			return perr(p, v, "better_than_current.direction must be 'higher' or 'lower', "
				    "got '%s'", d);
		return 0;
	}
	return perr(p, k, "unknown key '%s' in better_than_current (expected metric, min_delta, "
		    "direction)", key);
}

static int parse_better_one(struct pctx *p, yaml_node_t *n, struct promote_policy *pol)
{
	struct better_state b;
	memset(&b, 0, sizeof b);
	int ret = each_pair(p, n, "better_than_current", better_pair, &b);
	if (ret != 0)
		return ret;
	if (!b.has_metric)
		return perr(p, n, "better_than_current needs a 'metric'");
	struct promote_better_gate *arr = grow(p->a, pol->better, pol->nbetter, sizeof *arr);
	if (!arr)
		return cairn_error_set(p->err, CAIRN_ENOMEM, "out of memory reading a policy");
	arr[pol->nbetter++] = b.g;
	pol->better = arr;
	return 0;
}

static int gates_pair(struct pctx *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct promote_policy *pol = arg;
	if (strcmp(key, "metrics") == 0)
		return is_null_scalar(v) ? 0 : each_pair(p, v, "gates.metrics", metric_pair, pol);
	if (strcmp(key, "required_tags") == 0)
		return is_null_scalar(v) ? 0 : each_pair(p, v, "gates.required_tags", tag_pair, pol);
	if (strcmp(key, "better_than_current") == 0) {
		if (is_null_scalar(v))
			return 0;
		if (v->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				yaml_node_t *n = yaml_document_get_node(p->doc, *it);
				int ret = n ? parse_better_one(p, n, pol) : perr(p, v, "malformed list");
				if (ret != 0)
					return ret;
			}
			return 0;
		}
		return parse_better_one(p, v, pol);
	}
	return perr(p, k, "unknown gate '%s' (expected metrics, better_than_current, required_tags)",
		    key);
}

static int root_pair(struct pctx *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	if (strcmp(key, "gates") == 0)
		return is_null_scalar(v) ? 0 : each_pair(p, v, "gates", gates_pair, arg);
	if (strcmp(key, "version") == 0) {
		double d;
		if (get_number(p, v, "version", &d) != 0)
			return p->err ? p->err->code : CAIRN_EINVAL;
		if (d != 1)
			return perr(p, v, "unsupported policy version %g (this cairn reads version 1)", d);
		return 0;
	}
	return perr(p, k, "unknown key '%s' (expected gates, version)", key);
}

int promote_policy_parse(const char *text, size_t len, const char *path, struct arena *a,
			 struct promote_policy *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	out->path = arena_strdup(a, path ? path : "<policy>");
	if (!out->path)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading a policy");
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory initialising the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int ret = 0;
	if (!yaml_parser_load(&parser, &doc)) {
		ret = cairn_error_set(err, CAIRN_EINVAL, "%s:%zu:%zu: invalid YAML: %s%s%s", out->path,
				      parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				      parser.problem ? parser.problem : "syntax error",
				      parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return ret;
	}
	struct pctx p = { out->path, &doc, a, err };
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || is_null_scalar(root))
		ret = cairn_error_set(err, CAIRN_EINVAL, "%s:1:1: the policy is empty (expected a "
				      "mapping with 'gates')", out->path);
	else
		ret = each_pair(&p, root, "the policy", root_pair, out);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret != 0) {
		const char *keep = out->path;
		memset(out, 0, sizeof *out);
		out->path = keep;
	}
	return ret;
}

int promote_policy_load(const char *path, struct arena *a, struct promote_policy *out,
			struct cairn_error *err)
{
	char *text = NULL;
	size_t len = 0;
	memset(out, 0, sizeof *out);
	int ret = fs_read_all(path, (size_t)1 << 20, &text, &len, err);
	if (ret != 0) {
		cairn_error_prefix(err, "reading policy '%s'", path);
		return ret;
	}
	ret = promote_policy_parse(text, len, path, a, out, err);
	cairn_free(text);
	return ret;
}
