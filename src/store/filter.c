/*
 * filter — MLflow's search grammar (spec §4), hand-written: a small lexer over the filter
 * text and a recursive-descent parser for "comparison (AND comparison)*".
 *
 * MLflow parses filters with sqlparse and then checks the tokens; we accept the same
 * language directly and reject what MLflow rejects (OR, NOT, parentheses, IS NULL), with a
 * message naming the token and its column, which sqlparse never could.
 */
#include "store/filter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define OPBIT(op) (1u << (op))
#define OPS_NUMERIC (OPBIT(FILTER_OP_EQ) | OPBIT(FILTER_OP_NE) | OPBIT(FILTER_OP_GT) | \
		     OPBIT(FILTER_OP_GE) | OPBIT(FILTER_OP_LT) | OPBIT(FILTER_OP_LE))
#define OPS_STRING (OPBIT(FILTER_OP_EQ) | OPBIT(FILTER_OP_NE) | OPBIT(FILTER_OP_LIKE) | \
		    OPBIT(FILTER_OP_ILIKE))
#define OPS_LIST (OPBIT(FILTER_OP_IN) | OPBIT(FILTER_OP_NOT_IN))

/* Messages quote the user's text; keep it short enough that the explanation still fits. */
#define MSG_TEXT_MAX 200
#define MSG_TOKEN_MAX 60

/* ------------------------------------------------------------------ entity tables */

struct prefix_def {
	const char *name;
	int kind;
};

struct attr_def {
	const char *name;      /* as the user writes it */
	const char *canon;     /* what the backend sees */
	int numeric;
	unsigned extra_ops;    /* IN / NOT IN where MLflow allows a list */
	int lowercase_list;    /* drop list items that are not all lowercase (run ids) */
};

struct entity_def {
	const struct prefix_def *prefixes;
	size_t nprefixes;
	const char *prefix_list;
	const struct attr_def *attrs;
	size_t nattrs;
	const char *attr_list;
	const struct attr_def *order_attrs;
	size_t norder_attrs;
	const char *order_list;
	unsigned order_kinds;  /* bit per enum filter_kind allowed in order_by */
};

#define N_(arr) (sizeof(arr) / sizeof((arr)[0]))
#define KINDBIT(k) (1u << (k))

static const struct prefix_def run_prefixes[] = {
	{ "metric", FILTER_KIND_METRIC }, { "metrics", FILTER_KIND_METRIC },
	{ "param", FILTER_KIND_PARAM }, { "params", FILTER_KIND_PARAM },
	{ "parameter", FILTER_KIND_PARAM }, { "parameters", FILTER_KIND_PARAM },
	{ "tag", FILTER_KIND_TAG }, { "tags", FILTER_KIND_TAG },
	{ "attribute", FILTER_KIND_ATTR }, { "attributes", FILTER_KIND_ATTR },
	{ "attr", FILTER_KIND_ATTR }, { "run", FILTER_KIND_ATTR },
	{ "dataset", FILTER_KIND_DATASET }, { "datasets", FILTER_KIND_DATASET },
};

/* MLflow's SearchExperimentsUtils and the registry utils accept exactly these. */
static const struct prefix_def other_prefixes[] = {
	{ "attribute", FILTER_KIND_ATTR }, { "tag", FILTER_KIND_TAG }, { "tags", FILTER_KIND_TAG },
};

static const struct attr_def run_attrs[] = {
	{ "run_id", "run_id", 0, OPS_LIST, 1 },
	{ "run_name", "run_name", 0, 0, 0 },
	{ "run name", "run_name", 0, 0, 0 },
	{ "Run name", "run_name", 0, 0, 0 },
	{ "Run Name", "run_name", 0, 0, 0 },
	{ "status", "status", 0, 0, 0 },
	{ "user_id", "user_id", 0, 0, 0 },
	{ "artifact_uri", "artifact_uri", 0, 0, 0 },
	{ "start_time", "start_time", 1, 0, 0 },
	{ "end_time", "end_time", 1, 0, 0 },
	{ "created", "start_time", 1, 0, 0 },
	{ "Created", "start_time", 1, 0, 0 },
};

static const struct attr_def run_order_attrs[] = {
	{ "run_id", "run_id", 0, 0, 0 },
	{ "run_name", "run_name", 0, 0, 0 },
	{ "status", "status", 0, 0, 0 },
	{ "user_id", "user_id", 0, 0, 0 },
	{ "artifact_uri", "artifact_uri", 0, 0, 0 },
	{ "start_time", "start_time", 1, 0, 0 },
	{ "end_time", "end_time", 1, 0, 0 },
	{ "created", "start_time", 1, 0, 0 },
	{ "Created", "start_time", 1, 0, 0 },
};

static const struct attr_def exp_attrs[] = {
	{ "name", "name", 0, 0, 0 },
	{ "creation_time", "creation_time", 1, 0, 0 },
	{ "last_update_time", "last_update_time", 1, 0, 0 },
};

static const struct attr_def exp_order_attrs[] = {
	{ "name", "name", 0, 0, 0 },
	{ "experiment_id", "experiment_id", 0, 0, 0 },
	{ "creation_time", "creation_time", 1, 0, 0 },
	{ "last_update_time", "last_update_time", 1, 0, 0 },
};

static const struct attr_def rm_attrs[] = {
	{ "name", "name", 0, 0, 0 },
};

/* creation_timestamp is absent on purpose: MLflow's SQL store rejects it (§4.5). */
static const struct attr_def rm_order_attrs[] = {
	{ "name", "name", 0, 0, 0 },
	{ "timestamp", "last_updated_timestamp", 1, 0, 0 },
	{ "last_updated_timestamp", "last_updated_timestamp", 1, 0, 0 },
};

/* §4.5 lists IN but not NOT IN for model versions' run_id (MLflow's
 * SearchModelVersionUtils.VALID_STRING_ATTRIBUTE_COMPARATORS). */
static const struct attr_def mv_attrs[] = {
	{ "name", "name", 0, 0, 0 },
	{ "run_id", "run_id", 0, OPBIT(FILTER_OP_IN), 1 },
	{ "source_path", "source_path", 0, 0, 0 },
	{ "version_number", "version_number", 1, 0, 0 },
};

static const struct attr_def mv_order_attrs[] = {
	{ "name", "name", 0, 0, 0 },
	{ "version_number", "version_number", 1, 0, 0 },
	{ "creation_timestamp", "creation_timestamp", 1, 0, 0 },
	{ "last_updated_timestamp", "last_updated_timestamp", 1, 0, 0 },
};

static const char *const dataset_keys[] = { "name", "digest", "context" };

static const struct entity_def entity_defs[] = {
	[FILTER_RUNS] = {
		run_prefixes, N_(run_prefixes),
		"metric, metrics, param, params, parameter, parameters, tag, tags, attribute, "
		"attributes, attr, run, dataset, datasets",
		run_attrs, N_(run_attrs),
		"run_id, run_name, status, user_id, artifact_uri, start_time, end_time, created",
		run_order_attrs, N_(run_order_attrs),
		"run_id, run_name, status, user_id, artifact_uri, start_time, end_time, created",
		KINDBIT(FILTER_KIND_ATTR) | KINDBIT(FILTER_KIND_METRIC) | KINDBIT(FILTER_KIND_PARAM) |
			KINDBIT(FILTER_KIND_TAG),
	},
	[FILTER_EXPERIMENTS] = {
		other_prefixes, N_(other_prefixes), "attribute, tag, tags",
		exp_attrs, N_(exp_attrs), "name, creation_time, last_update_time",
		exp_order_attrs, N_(exp_order_attrs),
		"name, experiment_id, creation_time, last_update_time",
		KINDBIT(FILTER_KIND_ATTR),
	},
	[FILTER_REGISTERED_MODELS] = {
		other_prefixes, N_(other_prefixes), "attribute, tag, tags",
		rm_attrs, N_(rm_attrs), "name",
		rm_order_attrs, N_(rm_order_attrs), "name, timestamp, last_updated_timestamp",
		KINDBIT(FILTER_KIND_ATTR),
	},
	[FILTER_MODEL_VERSIONS] = {
		other_prefixes, N_(other_prefixes), "attribute, tag, tags",
		mv_attrs, N_(mv_attrs), "name, run_id, source_path, version_number",
		mv_order_attrs, N_(mv_order_attrs),
		"name, version_number, creation_timestamp, last_updated_timestamp",
		KINDBIT(FILTER_KIND_ATTR),
	},
};

/* ------------------------------------------------------------------ lexer */

struct parser {
	const char *s;
	size_t n;
	size_t pos;
	const char *what;              /* "filter" or "order_by clause" */
	const struct entity_def *ent;
	struct arena *a;
	struct cairn_error *err;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

static char ascii_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->n && is_space(p->s[p->pos]))
		p->pos++;
}

/* 1-based column in code points, so that non-ASCII text before the error counts once. */
static size_t column_of(const struct parser *p, size_t at)
{
	size_t col = 1;
	for (size_t i = 0; i < at && i < p->n; i++)
		if (((unsigned char)p->s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

/* Largest prefix of s[0..n) not longer than max bytes that does not split a code point. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Copy a token for a message, shortened with "..." when long. */
static const char *snip(const char *s, size_t n, char *buf, size_t bufsz)
{
	size_t k = utf8_cut(s, n, bufsz - 4);
	memcpy(buf, s, k);
	if (k < n)
		memcpy(buf + k, "...", 4);
	else
		buf[k] = 0;
	return buf;
}

static int perr(struct parser *p, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static int perr(struct parser *p, const char *fmt, ...)
{
	char detail[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	size_t k = utf8_cut(p->s, p->n, MSG_TEXT_MAX);
	return cairn_error_set(p->err, CAIRN_EINVAL, "Invalid %s '%.*s%s': %s", p->what, (int)k,
			       p->s, k < p->n ? "..." : "", detail);
}

static int oom(struct parser *p)
{
	return cairn_error_set(p->err, CAIRN_ENOMEM, "out of memory while parsing %s", p->what);
}

/* Extent of the token at `at`, for naming it in a message. */
static size_t token_end(const struct parser *p, size_t at)
{
	if (at >= p->n)
		return at;
	char c = p->s[at];
	size_t i = at + 1;
	if (is_word(c) || c == '.') {
		while (i < p->n && (is_word(p->s[i]) || p->s[i] == '.'))
			i++;
	} else if (c == '\'' || c == '"' || c == '`') {
		while (i < p->n && p->s[i] != c)
			i++;
		if (i < p->n)
			i++;
	} else if ((c == '!' || c == '<' || c == '>' || c == '=') && i < p->n &&
		   (p->s[i] == '=' || p->s[i] == '>')) {
		i++;
	} else {
		while (i < p->n && ((unsigned char)p->s[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

/* "'tok' at column N", or "end of <what>" when nothing is left. */
static const char *describe_at(struct parser *p, size_t at, char *buf, size_t bufsz)
{
	while (at < p->n && is_space(p->s[at]))
		at++;
	if (at >= p->n) {
		snprintf(buf, bufsz, "end of %s", p->what);
		return buf;
	}
	char tok[MSG_TOKEN_MAX + 4];
	size_t e = token_end(p, at);
	snprintf(buf, bufsz, "'%s' at column %zu", snip(p->s + at, e - at, tok, sizeof tok),
		 column_of(p, at));
	return buf;
}

/* Is the word at p->pos equal to kw (ASCII case-insensitive) and not followed by more word? */
static int at_keyword(const struct parser *p, size_t at, const char *kw)
{
	size_t k = strlen(kw);
	if (at + k > p->n)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (ascii_upper(p->s[at + i]) != kw[i])
			return 0;
	return at + k == p->n || !(is_word(p->s[at + k]) || p->s[at + k] == '.');
}

/*
 * A quoted token at p->pos (quote character q). sqlparse keeps a doubled quote and a
 * backslash escape inside the token without unescaping them, and MLflow only strips the
 * outer quotes; we do the same. Sets [*in_start, *in_end) to the text between the quotes.
 */
static int lex_quoted(struct parser *p, size_t *in_start, size_t *in_end)
{
	size_t start = p->pos;
	char q = p->s[start];
	size_t i = start + 1;
	while (i < p->n) {
		char c = p->s[i];
		if (c == '\\' && q != '`' && i + 1 < p->n) {
			i += 2;
			continue;
		}
		if (c == q) {
			if (i + 1 < p->n && p->s[i + 1] == q) {
				i += 2;
				continue;
			}
			*in_start = start + 1;
			*in_end = i;
			p->pos = i + 1;
			return 0;
		}
		i++;
	}
	return perr(p, "unterminated %s starting at column %zu",
		    q == '`' ? "backtick-quoted name" : "quoted string", column_of(p, start));
}

/* ------------------------------------------------------------------ identifiers */

struct ident {
	size_t start;
	int has_prefix;
	size_t prefix_start, prefix_len, prefix_pos;  /* prefix text (backticks removed) */
	size_t key_start, key_len, key_pos;           /* key text (quotes removed) */
};

static int err_expected_ident(struct parser *p)
{
	char where[MSG_TOKEN_MAX + 64];
	size_t at = p->pos;
	if (at < p->n) {
		char c = p->s[at];
		if (c == '(' || c == ')')
			return perr(p, "parentheses are not supported (found '%c' at column %zu)", c,
				    column_of(p, at));
		if (at_keyword(p, at, "OR"))
			return perr(p, "OR is not supported (found %s); combine comparisons with AND",
				    describe_at(p, at, where, sizeof where));
		if (at_keyword(p, at, "NOT"))
			return perr(p, "NOT is only supported as NOT IN (found %s)",
				    describe_at(p, at, where, sizeof where));
		if (at_keyword(p, at, "AND"))
			return perr(p, "expected an identifier before AND (found %s)",
				    describe_at(p, at, where, sizeof where));
	}
	return perr(p, "expected an identifier but found %s", describe_at(p, at, where, sizeof where));
}

static int lex_key_after_prefix(struct parser *p, struct ident *id)
{
	size_t at = p->pos;
	id->key_pos = at;
	if (at < p->n && (p->s[at] == '`' || p->s[at] == '"')) {
		size_t b, e;
		int rc = lex_quoted(p, &b, &e);
		if (rc)
			return rc;
		id->key_start = b;
		id->key_len = e - b;
		return 0;
	}
	size_t i = at;
	while (i < p->n && (is_word(p->s[i]) || p->s[i] == '.'))
		i++;
	if (i == at) {
		char where[MSG_TOKEN_MAX + 64];
		char tok[MSG_TOKEN_MAX + 4];
		return perr(p, "expected a key after '%s.' but found %s",
			    snip(p->s + id->prefix_start, id->prefix_len, tok, sizeof tok),
			    describe_at(p, at, where, sizeof where));
	}
	id->key_start = at;
	id->key_len = i - at;
	p->pos = i;
	return 0;
}

/* identifier := [ prefix "." ] key, where the prefix may be backticked and the key is bare
 * ([A-Za-z0-9_.]+, everything after the first dot) or quoted with backticks or "…". */
static int lex_ident(struct parser *p, struct ident *id)
{
	memset(id, 0, sizeof *id);
	skip_ws(p);
	size_t at = p->pos;
	id->start = at;
	if (at >= p->n)
		return err_expected_ident(p);
	char c = p->s[at];
	int rc;
	if (c == '`') {
		size_t b, e;
		if ((rc = lex_quoted(p, &b, &e)))
			return rc;
		if (p->pos < p->n && p->s[p->pos] == '.') {
			id->has_prefix = 1;
			id->prefix_start = b;
			id->prefix_len = e - b;
			id->prefix_pos = at;
			p->pos++;
			if ((rc = lex_key_after_prefix(p, id)))
				return rc;
		} else {
			id->key_start = b;
			id->key_len = e - b;
			id->key_pos = at;
		}
	} else if (c == '"') {
		size_t b, e;
		if ((rc = lex_quoted(p, &b, &e)))
			return rc;
		id->key_start = b;
		id->key_len = e - b;
		id->key_pos = at;
	} else if (is_word(c)) {
		if (at_keyword(p, at, "OR") || at_keyword(p, at, "NOT") || at_keyword(p, at, "AND"))
			return err_expected_ident(p);
		size_t i = at;
		while (i < p->n && is_word(p->s[i]))
			i++;
		if (i < p->n && p->s[i] == '.') {
			id->has_prefix = 1;
			id->prefix_start = at;
			id->prefix_len = i - at;
			id->prefix_pos = at;
			p->pos = i + 1;
			if ((rc = lex_key_after_prefix(p, id)))
				return rc;
		} else {
			id->key_start = at;
			id->key_len = i - at;
			id->key_pos = at;
			p->pos = i;
		}
	} else {
		return err_expected_ident(p);
	}
	/* `a`b or "x"y: glued text after a quoted part is not part of any identifier. */
	if (p->pos < p->n && (is_word(p->s[p->pos]) || p->s[p->pos] == '`' || p->s[p->pos] == '"' ||
			      p->s[p->pos] == '.')) {
		char where[MSG_TOKEN_MAX + 64];
		return perr(p, "unexpected %s after identifier",
			    describe_at(p, p->pos, where, sizeof where));
	}
	return 0;
}

static int slice_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* Map the identifier to a kind and a canonical key (in the arena). */
static int resolve_ident(struct parser *p, const struct ident *id, int for_order, int *kind,
			 const struct attr_def **attr, const char **key)
{
	const struct entity_def *ent = p->ent;
	char tok[MSG_TOKEN_MAX + 4];
	*kind = FILTER_KIND_ATTR;
	*attr = NULL;
	if (id->has_prefix) {
		const char *ps = p->s + id->prefix_start;
		size_t i;
		for (i = 0; i < ent->nprefixes; i++)
			if (slice_eq(ps, id->prefix_len, ent->prefixes[i].name))
				break;
		if (i == ent->nprefixes)
			return perr(p, "invalid entity type '%s' at column %zu; valid entity types are %s",
				    snip(ps, id->prefix_len, tok, sizeof tok),
				    column_of(p, id->prefix_pos), ent->prefix_list);
		*kind = ent->prefixes[i].kind;
	}
	const char *ks = p->s + id->key_start;
	if (id->key_len == 0)
		return perr(p, "empty key at column %zu", column_of(p, id->key_pos));
	if (for_order && !(ent->order_kinds & KINDBIT(*kind)))
		return perr(p, "%s cannot be used to order results (at column %zu)",
			    *kind == FILTER_KIND_DATASET ? "datasets" :
			    *kind == FILTER_KIND_TAG ? "tags" : "this entity type",
			    column_of(p, id->has_prefix ? id->prefix_pos : id->key_pos));
	if (*kind == FILTER_KIND_ATTR) {
		const struct attr_def *tab = for_order ? ent->order_attrs : ent->attrs;
		size_t ntab = for_order ? ent->norder_attrs : ent->nattrs;
		size_t i;
		for (i = 0; i < ntab; i++)
			if (slice_eq(ks, id->key_len, tab[i].name))
				break;
		if (i == ntab)
			return perr(p, "invalid attribute key '%s' at column %zu; valid keys are %s",
				    snip(ks, id->key_len, tok, sizeof tok), column_of(p, id->key_pos),
				    for_order ? ent->order_list : ent->attr_list);
		*attr = &tab[i];
		*key = tab[i].canon;
		return 0;
	}
	if (*kind == FILTER_KIND_DATASET) {
		size_t i;
		for (i = 0; i < N_(dataset_keys); i++)
			if (slice_eq(ks, id->key_len, dataset_keys[i]))
				break;
		if (i == N_(dataset_keys))
			return perr(p, "invalid dataset key '%s' at column %zu; valid keys are name, "
				    "digest, context", snip(ks, id->key_len, tok, sizeof tok),
				    column_of(p, id->key_pos));
		*key = dataset_keys[i];
		return 0;
	}
	char *k = arena_strndup(p->a, ks, id->key_len);
	if (!k)
		return oom(p);
	*key = k;
	return 0;
}

/* ------------------------------------------------------------------ comparators, values */

static const char *op_name(int op)
{
	switch (op) {
	case FILTER_OP_EQ: return "=";
	case FILTER_OP_NE: return "!=";
	case FILTER_OP_GT: return ">";
	case FILTER_OP_GE: return ">=";
	case FILTER_OP_LT: return "<";
	case FILTER_OP_LE: return "<=";
	case FILTER_OP_LIKE: return "LIKE";
	case FILTER_OP_ILIKE: return "ILIKE";
	case FILTER_OP_IN: return "IN";
	case FILTER_OP_NOT_IN: return "NOT IN";
	}
	return "?";
}

static void ops_list(unsigned ops, char *buf, size_t bufsz)
{
	size_t len = 0;
	buf[0] = 0;
	for (int op = FILTER_OP_EQ; op <= FILTER_OP_NOT_IN; op++) {
		if (!(ops & OPBIT(op)))
			continue;
		int w = snprintf(buf + len, bufsz - len, "%s%s", len ? ", " : "", op_name(op));
		if (w < 0 || (size_t)w >= bufsz - len)
			return;
		len += (size_t)w;
	}
}

static int lex_comparator(struct parser *p, int *op, size_t *op_pos)
{
	skip_ws(p);
	size_t at = p->pos;
	*op_pos = at;
	const char *s = p->s;
	char where[MSG_TOKEN_MAX + 64];
	if (at < p->n) {
		char c = s[at];
		char d = at + 1 < p->n ? s[at + 1] : 0;
		if (c == '=') {
			if (d == '=')
				return perr(p, "invalid comparator '==' at column %zu; use '='",
					    column_of(p, at));
			*op = FILTER_OP_EQ;
			p->pos = at + 1;
			return 0;
		}
		if (c == '!' && d == '=') {
			*op = FILTER_OP_NE;
			p->pos = at + 2;
			return 0;
		}
		if (c == '<' && d == '>')
			return perr(p, "invalid comparator '<>' at column %zu; use '!='", column_of(p, at));
		if (c == '<' || c == '>') {
			int eq = d == '=';
			*op = c == '<' ? (eq ? FILTER_OP_LE : FILTER_OP_LT) : (eq ? FILTER_OP_GE : FILTER_OP_GT);
			p->pos = at + 1 + (size_t)eq;
			return 0;
		}
		if (at_keyword(p, at, "LIKE")) {
			*op = FILTER_OP_LIKE;
			p->pos = at + 4;
			return 0;
		}
		if (at_keyword(p, at, "ILIKE")) {
			*op = FILTER_OP_ILIKE;
			p->pos = at + 5;
			return 0;
		}
		if (at_keyword(p, at, "IN")) {
			*op = FILTER_OP_IN;
			p->pos = at + 2;
			return 0;
		}
		if (at_keyword(p, at, "NOT")) {
			p->pos = at + 3;
			skip_ws(p);
			if (at_keyword(p, p->pos, "IN")) {
				*op = FILTER_OP_NOT_IN;
				p->pos += 2;
				return 0;
			}
			return perr(p, "NOT is only supported as NOT IN (found 'NOT' at column %zu "
				    "followed by %s)", column_of(p, at),
				    describe_at(p, p->pos, where, sizeof where));
		}
		if (at_keyword(p, at, "IS"))
			return perr(p, "IS / IS NULL is not supported (found %s)",
				    describe_at(p, at, where, sizeof where));
	}
	return perr(p, "expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN) but "
		    "found %s", describe_at(p, at, where, sizeof where));
}

struct value {
	int type;           /* enum filter_value_type */
	size_t start, end;  /* the raw token */
	const char *str;
	double num;
	int is_int;
	int int_overflow;   /* an integer literal beyond int64 (fine for metrics) */
	const char **list;
	size_t nlist;
};

/* number := [+-] (digits [. digits*] | . digits) [ (e|E) [+-] digits ] */
static int lex_number(struct parser *p, struct value *v)
{
	size_t at = p->pos, i = at;
	const char *s = p->s;
	int is_int = 1;
	size_t digits = 0;
	if (i < p->n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < p->n && is_digit(s[i])) {
		i++;
		digits++;
	}
	if (i < p->n && s[i] == '.') {
		is_int = 0;
		i++;
		while (i < p->n && is_digit(s[i])) {
			i++;
			digits++;
		}
	}
	int bad = digits == 0;
	if (!bad && i < p->n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < p->n && (s[j] == '-' || s[j] == '+'))
			j++;
		if (j < p->n && is_digit(s[j])) {
			while (j < p->n && is_digit(s[j]))
				j++;
			i = j;
			is_int = 0;
		} else {
			bad = 1;
		}
	}
	if (bad || (i < p->n && (is_word(s[i]) || s[i] == '.'))) {
		size_t e = i;
		while (e < p->n && (is_word(s[e]) || s[e] == '.' || s[e] == '-' || s[e] == '+'))
			e++;
		char tok[MSG_TOKEN_MAX + 4];
		return perr(p, "malformed number '%s' at column %zu", snip(s + at, e - at, tok, sizeof tok),
			    column_of(p, at));
	}
	char buf[128];
	if (i - at >= sizeof buf)
		return perr(p, "number at column %zu is too long", column_of(p, at));
	memcpy(buf, s + at, i - at);
	buf[i - at] = 0;
	v->type = FILTER_VALUE_NUMBER;
	v->is_int = is_int;
	v->start = at;
	v->end = i;
	char *end;
	/* Overflow gives ±inf, as Python's float() does; MLflow accepts it for metrics. */
	v->num = strtod(buf, &end);
	if (*end)
		return perr(p, "malformed number '%s' at column %zu", buf, column_of(p, at));
	if (is_int) {
		errno = 0;
		long long ll = strtoll(buf, &end, 10);
		if (errno == ERANGE || *end)
			v->int_overflow = 1;
		else
			v->num = (double)ll;
	}
	p->pos = i;
	return 0;
}

static int lex_string(struct parser *p, struct value *v)
{
	size_t at = p->pos, b, e;
	int rc = lex_quoted(p, &b, &e);
	if (rc)
		return rc;
	char *str = arena_strndup(p->a, p->s + b, e - b);
	if (!str)
		return oom(p);
	v->type = FILTER_VALUE_STRING;
	v->start = at;
	v->end = p->pos;
	v->str = str;
	return 0;
}

static int lex_list(struct parser *p, struct value *v)
{
	size_t at = p->pos;
	size_t cap = 4, n = 0;
	const char **items = arena_alloc(p->a, cap * sizeof *items);
	char where[MSG_TOKEN_MAX + 64];
	if (!items)
		return oom(p);
	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == ')')
		return perr(p, "empty list at column %zu; IN needs at least one quoted string",
			    column_of(p, at));
	for (;;) {
		skip_ws(p);
		if (p->pos >= p->n || (p->s[p->pos] != '\'' && p->s[p->pos] != '"'))
			return perr(p, "expected a quoted string in the list starting at column %zu but "
				    "found %s", column_of(p, at), describe_at(p, p->pos, where, sizeof where));
		struct value item = { 0 };
		int rc = lex_string(p, &item);
		if (rc)
			return rc;
		if (n == cap) {
			const char **bigger = arena_alloc(p->a, 2 * cap * sizeof *items);
			if (!bigger)
				return oom(p);
			memcpy(bigger, items, n * sizeof *items);
			items = bigger;
			cap *= 2;
		}
		items[n++] = item.str;
		skip_ws(p);
		if (p->pos < p->n && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->n && p->s[p->pos] == ')') {
			p->pos++;
			break;
		}
		return perr(p, "expected ',' or ')' in the list starting at column %zu but found %s",
			    column_of(p, at), describe_at(p, p->pos, where, sizeof where));
	}
	v->type = FILTER_VALUE_LIST;
	v->start = at;
	v->end = p->pos;
	v->list = items;
	v->nlist = n;
	return 0;
}

static int lex_value(struct parser *p, struct value *v)
{
	skip_ws(p);
	size_t at = p->pos;
	char where[MSG_TOKEN_MAX + 64];
	if (at < p->n) {
		char c = p->s[at];
		char d = at + 1 < p->n ? p->s[at + 1] : 0;
		if (c == '\'' || c == '"')
			return lex_string(p, v);
		if (c == '(')
			return lex_list(p, v);
		if (is_digit(c) || c == '.' || ((c == '-' || c == '+') && (is_digit(d) || d == '.')))
			return lex_number(p, v);
		if (at_keyword(p, at, "NULL"))
			return perr(p, "NULL is not supported (found %s)",
				    describe_at(p, at, where, sizeof where));
	}
	return perr(p, "expected a value (a quoted string, a number or a list) but found %s",
		    describe_at(p, at, where, sizeof where));
}

/* Python's str.islower() over ASCII: at least one cased letter and no uppercase. */
static int all_lowercase(const char *s)
{
	int cased = 0;
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			return 0;
		if (*s >= 'a' && *s <= 'z')
			cased = 1;
	}
	return cased;
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case FILTER_KIND_METRIC: return "metric";
	case FILTER_KIND_PARAM: return "param";
	case FILTER_KIND_TAG: return "tag";
	case FILTER_KIND_DATASET: return "dataset key";
	default: return "attribute";
	}
}

static int check_value(struct parser *p, int kind, const struct attr_def *attr, const char *key,
		       int op, struct value *v)
{
	char tok[MSG_TOKEN_MAX + 4];
	const char *raw = snip(p->s + v->start, v->end - v->start, tok, sizeof tok);
	size_t col = column_of(p, v->start);
	int wants_list = op == FILTER_OP_IN || op == FILTER_OP_NOT_IN;
	if (wants_list && v->type != FILTER_VALUE_LIST)
		return perr(p, "%s needs a list of quoted strings like ('a', 'b') but found '%s' at "
			    "column %zu", op_name(op), raw, col);
	if (!wants_list && v->type == FILTER_VALUE_LIST)
		return perr(p, "a list value ('%s' at column %zu) is only allowed with IN or NOT IN",
			    raw, col);
	int numeric = kind == FILTER_KIND_METRIC || (kind == FILTER_KIND_ATTR && attr->numeric);
	if (numeric) {
		if (v->type != FILTER_VALUE_NUMBER)
			return perr(p, "expected a number for %s '%s' but found '%s' at column %zu",
				    kind_name(kind), key, raw, col);
		if (kind == FILTER_KIND_ATTR && !v->is_int)
			return perr(p, "expected an integer for attribute '%s' but found '%s' at column %zu",
				    key, raw, col);
		if (kind == FILTER_KIND_ATTR && v->int_overflow)
			return perr(p, "integer '%s' at column %zu is out of range for attribute '%s'",
				    raw, col, key);
		return 0;
	}
	if (v->type == FILTER_VALUE_NUMBER)
		return perr(p, "expected a quoted string for %s '%s' but found the number '%s' at "
			    "column %zu", kind_name(kind), key, raw, col);
	if (v->type == FILTER_VALUE_LIST && attr && attr->lowercase_list) {
		/* MySQL compares IN case-insensitively and run ids are lowercase, so MLflow drops
		 * any item with an uppercase letter; we follow for identical results. */
		size_t k = 0;
		for (size_t i = 0; i < v->nlist; i++)
			if (all_lowercase(v->list[i]))
				v->list[k++] = v->list[i];
		v->nlist = k;
	}
	return 0;
}

static int parse_comparison(struct parser *p, struct filter_cmp *cmp)
{
	struct ident id;
	int rc = lex_ident(p, &id);
	if (rc)
		return rc;
	int kind;
	const struct attr_def *attr;
	const char *key;
	if ((rc = resolve_ident(p, &id, 0, &kind, &attr, &key)))
		return rc;
	int op = 0;
	size_t op_pos;
	if ((rc = lex_comparator(p, &op, &op_pos)))
		return rc;
	unsigned allowed;
	switch (kind) {
	case FILTER_KIND_METRIC: allowed = OPS_NUMERIC; break;
	case FILTER_KIND_PARAM:
	case FILTER_KIND_TAG: allowed = OPS_STRING; break;
	case FILTER_KIND_DATASET: allowed = OPS_STRING | OPS_LIST; break;
	default: allowed = attr->numeric ? OPS_NUMERIC : (OPS_STRING | attr->extra_ops); break;
	}
	if (!(allowed & OPBIT(op))) {
		char ops[128];
		ops_list(allowed, ops, sizeof ops);
		return perr(p, "comparator '%s' at column %zu is not allowed for %s '%s'; valid "
			    "comparators are %s", op_name(op), column_of(p, op_pos), kind_name(kind),
			    key, ops);
	}
	struct value v = { 0 };
	if ((rc = lex_value(p, &v)))
		return rc;
	if ((rc = check_value(p, kind, attr, key, op, &v)))
		return rc;
	cmp->kind = kind;
	cmp->key = key;
	cmp->op = op;
	cmp->value_type = v.type;
	cmp->str = v.str;
	cmp->num = v.num;
	cmp->list = v.list;
	cmp->nlist = v.nlist;
	return 0;
}

static int err_after_comparison(struct parser *p)
{
	size_t at = p->pos;
	char c = p->s[at];
	char where[MSG_TOKEN_MAX + 64];
	if (c == '(' || c == ')')
		return perr(p, "parentheses are not supported (found '%c' at column %zu)", c,
			    column_of(p, at));
	if (at_keyword(p, at, "OR"))
		return perr(p, "OR is not supported (found %s); combine comparisons with AND",
			    describe_at(p, at, where, sizeof where));
	if (at_keyword(p, at, "IS"))
		return perr(p, "IS / IS NULL is not supported (found %s)",
			    describe_at(p, at, where, sizeof where));
	return perr(p, "unexpected token %s; expected AND or the end of the filter",
		    describe_at(p, at, where, sizeof where));
}

int filter_parse(enum filter_entity entity, const char *text, struct arena *a,
		 struct filter *out, struct cairn_error *err)
{
	out->cmps = NULL;
	out->n = 0;
	if (entity < FILTER_RUNS || entity > FILTER_MODEL_VERSIONS)
		return cairn_error_set(err, CAIRN_EINTERNAL, "filter_parse: unknown entity %d",
				       (int)entity);
	if (!text)
		return 0;
	struct parser p = { text, strlen(text), 0, "filter", &entity_defs[entity], a, err };
	skip_ws(&p);
	if (p.pos == p.n)
		return 0;
	size_t cap = 4, n = 0;
	struct filter_cmp *cmps = arena_alloc(a, cap * sizeof *cmps);
	if (!cmps)
		return oom(&p);
	for (;;) {
		if (n == cap) {
			struct filter_cmp *bigger = arena_alloc(a, 2 * cap * sizeof *cmps);
			if (!bigger)
				return oom(&p);
			memcpy(bigger, cmps, n * sizeof *cmps);
			cmps = bigger;
			cap *= 2;
		}
		int rc = parse_comparison(&p, &cmps[n]);
		if (rc)
			return rc;
		n++;
		skip_ws(&p);
		if (p.pos == p.n)
			break;
		if (!at_keyword(&p, p.pos, "AND"))
			return err_after_comparison(&p);
		p.pos += 3;
	}
	out->cmps = cmps;
	out->n = n;
	return 0;
}

/* ------------------------------------------------------------------ order_by */

static int parse_order_item(struct parser *p, struct filter_order *o, size_t *key_pos)
{
	skip_ws(p);
	if (p->pos == p->n)
		return perr(p, "empty clause; expected an identifier optionally followed by ASC or DESC");
	struct ident id;
	int rc = lex_ident(p, &id);
	if (rc)
		return rc;
	int kind;
	const struct attr_def *attr;
	const char *key;
	if ((rc = resolve_ident(p, &id, 1, &kind, &attr, &key)))
		return rc;
	o->kind = kind;
	o->key = key;
	o->desc = 0;
	*key_pos = id.start;
	skip_ws(p);
	if (p->pos < p->n) {
		if (at_keyword(p, p->pos, "DESC")) {
			o->desc = 1;
			p->pos += 4;
		} else if (at_keyword(p, p->pos, "ASC")) {
			p->pos += 3;
		} else {
			char where[MSG_TOKEN_MAX + 64];
			return perr(p, "expected ASC or DESC but found %s",
				    describe_at(p, p->pos, where, sizeof where));
		}
		skip_ws(p);
		if (p->pos < p->n) {
			char where[MSG_TOKEN_MAX + 64];
			return perr(p, "unexpected token %s after the sort direction",
				    describe_at(p, p->pos, where, sizeof where));
		}
	}
	return 0;
}

int filter_parse_order(enum filter_entity entity, const char *const *items, size_t n,
		       struct arena *a, struct filter_order **out, size_t *nout,
		       struct cairn_error *err)
{
	*out = NULL;
	*nout = 0;
	if (entity < FILTER_RUNS || entity > FILTER_MODEL_VERSIONS)
		return cairn_error_set(err, CAIRN_EINTERNAL, "filter_parse_order: unknown entity %d",
				       (int)entity);
	if (n == 0)
		return 0;
	struct filter_order *res = arena_alloc(a, n * sizeof *res);
	if (!res)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory while parsing order_by");
	for (size_t i = 0; i < n; i++) {
		const char *text = items[i] ? items[i] : "";
		struct parser p = { text, strlen(text), 0, "order_by clause", &entity_defs[entity], a,
				    err };
		size_t key_pos = 0;
		int rc = parse_order_item(&p, &res[i], &key_pos);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (res[j].kind == res[i].kind && strcmp(res[j].key, res[i].key) == 0)
				return perr(&p, "%s '%s' at column %zu is already ordered by (clause %zu)",
					    kind_name(res[i].kind), res[i].key, column_of(&p, key_pos),
					    j + 1);
	}
	*out = res;
	*nout = n;
	return 0;
}

/* ------------------------------------------------------------------ page tokens */

#define PAGE_TOKEN_MAX 512

int filter_page_token_decode(const char *token, int64_t *offset, struct cairn_error *err)
{
	*offset = 0;
	if (!token || !*token)
		return 0;
	size_t tlen = strlen(token);
	char shown[MSG_TOKEN_MAX + 4];
	snip(token, tlen, shown, sizeof shown);
	if (tlen > PAGE_TOKEN_MAX)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid page token '%s': too long", shown);
	struct arena a;
	arena_init(&a, 0);
	int rc = 0;
	json_t *j = NULL;
	size_t len;
	unsigned char *raw = base64_decode(&a, token, &len);
	if (!raw) {
		rc = cairn_error_set(err, CAIRN_EINVAL, "Invalid page token '%s': could not "
				     "base64-decode", shown);
		goto out;
	}
	json_error_t jerr;
	j = json_loadb((const char *)raw, len, JSON_DECODE_ANY, &jerr);
	json_t *off = json_is_object(j) ? json_object_get(j, "offset") : NULL;
	if (!off) {
		rc = cairn_error_set(err, CAIRN_EINVAL, "Invalid page token '%s': not a JSON object "
				     "with an offset", shown);
		goto out;
	}
	int64_t v;
	if (json_is_integer(off)) {
		v = (int64_t)json_integer_value(off);
	} else if (!json_is_string(off) || str_to_int64(json_string_value(off), &v) != 0) {
		/* MLflow runs int() on the offset, so a decimal string passes too. */
		rc = cairn_error_set(err, CAIRN_EINVAL, "Invalid page token '%s': offset is not an "
				     "integer", shown);
		goto out;
	}
	if (v < 0) {
		rc = cairn_error_set(err, CAIRN_EINVAL, "Invalid page token '%s': negative offset %lld",
				     shown, (long long)v);
		goto out;
	}
	*offset = v;
out:
	json_decref(j);
	arena_release(&a);
	return rc;
}

const char *filter_page_token_encode(struct arena *a, int64_t offset)
{
	if (offset < 0)
		return NULL;
	char json[64];
	/* Byte-for-byte what Python's json.dumps writes, so tokens match MLflow's. */
	int n = snprintf(json, sizeof json, "{\"offset\": %lld}", (long long)offset);
	if (n < 0 || (size_t)n >= sizeof json)
		return NULL;
	return base64_encode(a, json, (size_t)n);
}

/* ------------------------------------------------------------------ LIKE */

/* Byte length of the code point at s (n bytes left); an ill-formed byte counts as one. */
static size_t cp_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t k;
	if (c < 0x80)
		return 1;
	else if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4;
	else
		return 1;
	if (k > n)
		return 1;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return k;
}

/*
 * The classic wildcard matcher: walk both strings, remember the last '%' and where the
 * text stood then, and on a mismatch let that '%' swallow one more code point. Each text
 * position is revisited at most once per '%', so the cost is O(|pattern| * |text|) with
 * no recursion and no exponential case.
 */
int filter_like_match(const char *pattern, const char *s, int icase)
{
	const unsigned char *pt = (const unsigned char *)pattern;
	const unsigned char *tx = (const unsigned char *)s;
	size_t pn = strlen(pattern), tn = strlen(s);
	size_t pi = 0, ti = 0;
	size_t star_p = (size_t)-1, star_t = 0;
	while (ti < tn) {
		if (pi < pn && pt[pi] == '%') {
			while (pi < pn && pt[pi] == '%')
				pi++;
			star_p = pi;
			star_t = ti;
			continue;
		}
		size_t tl = cp_len(tx + ti, tn - ti);
		if (pi < pn) {
			if (pt[pi] == '_') {
				pi++;
				ti += tl;
				continue;
			}
			size_t pl = cp_len(pt + pi, pn - pi);
			int eq;
			if (pl != tl)
				eq = 0;
			else if (pl == 1 && icase)
				eq = ascii_lower((char)pt[pi]) == ascii_lower((char)tx[ti]);
			else
				eq = memcmp(pt + pi, tx + ti, pl) == 0;
			if (eq) {
				pi += pl;
				ti += tl;
				continue;
			}
		}
		if (star_p == (size_t)-1)
			return 0;
		star_t += cp_len(tx + star_t, tn - star_t);
		ti = star_t;
		pi = star_p;
	}
	while (pi < pn && pt[pi] == '%')
		pi++;
	return pi == pn;
}
