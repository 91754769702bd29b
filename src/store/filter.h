/*
 * filter — private to the store module: the search grammar of MLflow (spec §4) parsed into
 * a list of comparisons and order keys, independent of any database. The SQL backends turn
 * the result into SQL with bound parameters; nothing from the user is ever pasted into SQL.
 *
 * Everything returned is allocated in the caller's arena.
 */
#ifndef CAIRN_STORE_FILTER_H
#define CAIRN_STORE_FILTER_H

#include "base/base.h"

enum filter_entity {
	FILTER_RUNS = 1,              /* runs/search (§4.1, §4.2) */
	FILTER_EXPERIMENTS = 2,       /* experiments/search (§4.3) */
	FILTER_REGISTERED_MODELS = 3, /* registered-models/search (§4.5) */
	FILTER_MODEL_VERSIONS = 4,    /* model-versions/search (§4.5) */
};

enum filter_kind {
	FILTER_KIND_ATTR = 1,     /* key is a canonical attribute name, see below */
	FILTER_KIND_METRIC = 2,
	FILTER_KIND_PARAM = 3,
	FILTER_KIND_TAG = 4,
	FILTER_KIND_DATASET = 5,  /* key is "name", "digest" or "context" */
};

enum filter_op {
	FILTER_OP_EQ = 1, FILTER_OP_NE, FILTER_OP_GT, FILTER_OP_GE, FILTER_OP_LT, FILTER_OP_LE,
	FILTER_OP_LIKE, FILTER_OP_ILIKE, FILTER_OP_IN, FILTER_OP_NOT_IN,
};

enum filter_value_type { FILTER_VALUE_STRING = 1, FILTER_VALUE_NUMBER = 2, FILTER_VALUE_LIST = 3 };

/*
 * Canonical attribute keys by entity (aliases are resolved by the parser):
 *   runs:         run_id, run_name, status, user_id, artifact_uri, start_time, end_time
 *                 ("created" → start_time; "run name", "Run name", "Run Name" → run_name)
 *   experiments:  name, creation_time, last_update_time   (order_by also: experiment_id)
 *   registered models: name   (order_by: name, last_updated_timestamp ("timestamp" alias))
 *   model versions: name, run_id, source_path, version_number
 *                 (order_by: name, version_number, creation_timestamp, last_updated_timestamp)
 * Numeric attributes (start_time, end_time, creation_time, last_update_time,
 * version_number) take number values; the others take strings.
 */
struct filter_cmp {
	int kind;                 /* enum filter_kind */
	const char *key;          /* canonical attribute name, or the metric/param/tag key */
	int op;                   /* enum filter_op */
	int value_type;           /* enum filter_value_type */
	const char *str;          /* STRING */
	double num;               /* NUMBER (metrics: any double; attributes: integral) */
	const char *const *list;  /* LIST (IN / NOT IN); for run_id only lowercase items kept */
	size_t nlist;
};

struct filter {
	struct filter_cmp *cmps;
	size_t n;                 /* 0 for an empty filter */
};

/* Parse a filter. Syntax and type errors are CAIRN_EINVAL with a message naming the
 * offending token and its position, e.g. "Invalid filter 'x': unexpected token 'OR' at
 * column 12". */
int filter_parse(enum filter_entity entity, const char *text, struct arena *a,
		 struct filter *out, struct cairn_error *err);

struct filter_order {
	int kind;                 /* enum filter_kind (ATTR, METRIC, PARAM, TAG) */
	const char *key;
	int desc;                 /* 1 = DESC */
};

/* Parse order_by clauses. Duplicate keys are CAIRN_EINVAL. The tie-breakers of the spec
 * are NOT appended here; the backend appends them. */
int filter_parse_order(enum filter_entity entity, const char *const *items, size_t n,
		       struct arena *a, struct filter_order **out, size_t *nout,
		       struct cairn_error *err);

/* Page tokens: MLflow's format, base64 of {"offset": N}. Decoding NULL or "" gives 0;
 * garbage or a negative offset is CAIRN_EINVAL. */
int filter_page_token_decode(const char *token, int64_t *offset, struct cairn_error *err);
const char *filter_page_token_encode(struct arena *a, int64_t offset);

/* SQL LIKE semantics on UTF-8 strings ('%' any run, '_' one code point); case-insensitive
 * (ASCII folding) when `icase`. For backends or in-memory filtering. */
int filter_like_match(const char *pattern, const char *s, int icase);

#endif
