/* SQLite tracking store: runs (spec §3.2) and run search (§4.1, §4.2). */
#include "store/sqlite_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ERR_CODE(err) ((err) && (err)->code ? (err)->code : CAIRN_EIO)

/* ------------------------------------------------------------------ reading runs */

int sq_read_run_info(struct arena *a, sqlite3_stmt *st, struct store_run_info *out, int64_t *run_key)
{
	memset(out, 0, sizeof *out);
	if (run_key)
		*run_key = sqlite3_column_int64(st, 0);
	if (sq_col_str(a, st, 1, 0, &out->run_id) || sq_col_str(a, st, 2, 0, &out->run_name))
		return CAIRN_ENOMEM;
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%" PRId64, (int64_t)sqlite3_column_int64(st, 3));
	out->experiment_id = arena_strdup(a, idbuf);
	if (!out->experiment_id || sq_col_str(a, st, 4, 0, &out->user_id))
		return CAIRN_ENOMEM;
	out->status = sqlite3_column_int(st, 5);
	out->start_time = sqlite3_column_int64(st, 6);
	if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
		out->has_end_time = 1;
		out->end_time = sqlite3_column_int64(st, 7);
	}
	if (sq_col_str(a, st, 8, 0, &out->artifact_uri) || sq_col_str(a, st, 9, 0, &out->lifecycle_stage))
		return CAIRN_ENOMEM;
	return 0;
}

/* Map run_key → index in the page, by binary search over a sorted copy. */
struct key_idx {
	int64_t key;
	size_t idx;
};

static int key_idx_cmp(const void *pa, const void *pb)
{
	const struct key_idx *x = pa, *y = pb;
	return x->key < y->key ? -1 : x->key > y->key;
}

static const struct key_idx *key_find(const struct key_idx *ki, size_t n, int64_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ki[mid].key < key)
			lo = mid + 1;
		else if (ki[mid].key > key)
			hi = mid;
		else
			return &ki[mid];
	}
	return NULL;
}

/* A growable cairn_malloc'd vector of fixed-size rows. */
struct vec {
	char *data;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		char *nd = cairn_realloc(v->data, ncap * v->size);
		if (!nd)
			return NULL;
		v->data = nd;
		v->cap = ncap;
	}
	return v->data + v->size * v->n++;
}

struct kv_row {
	size_t idx;
	struct store_tag t;
};
struct metric_row {
	size_t idx;
	struct store_metric m;
};
struct input_row {
	size_t idx;
	int64_t dkey;
	struct store_dataset_input in;
};

static int oom(struct cairn_error *err)
{
	return cairn_error_set(err, CAIRN_ENOMEM, "out of memory reading runs");
}

/* Params or tags of the page (one query), distributed into per-run arrays. */
static int fill_kv(struct sq_conn *c, enum sq_stmt id, const char *json, struct arena *a,
		   const struct key_idx *ki, size_t n, struct store_run *runs, int params,
		   struct cairn_error *err)
{
	struct vec v = { .size = sizeof(struct kv_row) };
	int ret = 0;
	sqlite3_stmt *st = sq_stmt(c, id, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct key_idx *k = key_find(ki, n, sqlite3_column_int64(st, 0));
		if (!k)
			continue;
		struct kv_row *r = vec_push(&v);
		if (!r) {
			ret = oom(err);
			goto out;
		}
		r->idx = k->idx;
		if (sq_col_str(a, st, 1, 0, &r->t.key) || sq_col_str(a, st, 2, 0, &r->t.value)) {
			ret = oom(err);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading run data", err);
		goto out;
	}
	struct kv_row *rows = (struct kv_row *)v.data;
	for (size_t i = 0; i < v.n; i++) {
		if (params)
			runs[rows[i].idx].nparams++;
		else
			runs[rows[i].idx].ntags++;
	}
	for (size_t i = 0; i < n; i++) {
		size_t cnt = params ? runs[i].nparams : runs[i].ntags;
		if (!cnt)
			continue;
		struct store_tag *arr = arena_alloc(a, cnt * sizeof *arr);
		if (!arr) {
			ret = oom(err);
			goto out;
		}
		if (params) {
			runs[i].params = arr;
			runs[i].nparams = 0;
		} else {
			runs[i].tags = arr;
			runs[i].ntags = 0;
		}
	}
	for (size_t i = 0; i < v.n; i++) {
		struct store_run *r = &runs[rows[i].idx];
		if (params)
			r->params[r->nparams++] = rows[i].t;
		else
			r->tags[r->ntags++] = rows[i].t;
	}
out:
	sq_done(st);
	cairn_free(v.data);
	return ret;
}

static int fill_metrics(struct sq_conn *c, const char *json, struct arena *a,
			const struct key_idx *ki, size_t n, struct store_run *runs,
			struct cairn_error *err)
{
	struct vec v = { .size = sizeof(struct metric_row) };
	int ret = 0;
	sqlite3_stmt *st = sq_stmt(c, SQ_BATCH_METRICS, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct key_idx *k = key_find(ki, n, sqlite3_column_int64(st, 0));
		if (!k)
			continue;
		struct metric_row *r = vec_push(&v);
		if (!r) {
			ret = oom(err);
			goto out;
		}
		memset(r, 0, sizeof *r);
		r->idx = k->idx;
		if (sq_col_str(a, st, 1, 0, &r->m.key)) {
			ret = oom(err);
			goto out;
		}
		r->m.value = sq_col_metric_value(st, 2, 3);
		r->m.timestamp = sqlite3_column_int64(st, 4);
		r->m.step = sqlite3_column_int64(st, 5);
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading run metrics", err);
		goto out;
	}
	struct metric_row *rows = (struct metric_row *)v.data;
	for (size_t i = 0; i < v.n; i++)
		runs[rows[i].idx].nmetrics++;
	for (size_t i = 0; i < n; i++) {
		if (!runs[i].nmetrics)
			continue;
		runs[i].metrics = arena_alloc(a, runs[i].nmetrics * sizeof *runs[i].metrics);
		if (!runs[i].metrics) {
			ret = oom(err);
			goto out;
		}
		runs[i].nmetrics = 0;
	}
	for (size_t i = 0; i < v.n; i++) {
		struct store_run *r = &runs[rows[i].idx];
		r->metrics[r->nmetrics++] = rows[i].m;
	}
out:
	sq_done(st);
	cairn_free(v.data);
	return ret;
}

static int fill_inputs(struct sq_conn *c, const char *json, struct arena *a,
		       const struct key_idx *ki, size_t n, struct store_run *runs,
		       struct cairn_error *err)
{
	struct vec v = { .size = sizeof(struct input_row) };
	struct vec tv = { .size = sizeof(struct input_row) };  /* reused: idx, dkey, one tag */
	int64_t **dkeys = NULL;
	int ret = 0;
	sqlite3_stmt *st = sq_stmt(c, SQ_BATCH_INPUTS, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct key_idx *k = key_find(ki, n, sqlite3_column_int64(st, 0));
		if (!k)
			continue;
		struct input_row *r = vec_push(&v);
		if (!r) {
			ret = oom(err);
			goto out;
		}
		memset(r, 0, sizeof *r);
		r->idx = k->idx;
		r->dkey = sqlite3_column_int64(st, 1);
		struct store_dataset *d = &r->in.dataset;
		if (sq_col_str(a, st, 2, 0, &d->name) || sq_col_str(a, st, 3, 0, &d->digest) ||
		    sq_col_str(a, st, 4, 0, &d->source_type) || sq_col_str(a, st, 5, 0, &d->source) ||
		    sq_col_str(a, st, 6, 1, &d->schema) || sq_col_str(a, st, 7, 1, &d->profile)) {
			ret = oom(err);
			goto out;
		}
	}
	sq_done(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading run inputs", err);
		goto out;
	}
	if (v.n == 0)
		goto out;
	struct input_row *rows = (struct input_row *)v.data;
	for (size_t i = 0; i < v.n; i++)
		runs[rows[i].idx].ninputs++;
	dkeys = cairn_calloc(n, sizeof *dkeys);
	if (!dkeys) {
		ret = oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!runs[i].ninputs)
			continue;
		runs[i].inputs = arena_alloc(a, runs[i].ninputs * sizeof *runs[i].inputs);
		dkeys[i] = arena_alloc(a, runs[i].ninputs * sizeof **dkeys);
		if (!runs[i].inputs || !dkeys[i]) {
			ret = oom(err);
			goto out;
		}
		runs[i].ninputs = 0;
	}
	for (size_t i = 0; i < v.n; i++) {
		struct store_run *r = &runs[rows[i].idx];
		dkeys[rows[i].idx][r->ninputs] = rows[i].dkey;
		r->inputs[r->ninputs++] = rows[i].in;
	}

	st = sq_stmt(c, SQ_BATCH_INPUT_TAGS, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct key_idx *k = key_find(ki, n, sqlite3_column_int64(st, 0));
		if (!k)
			continue;
		struct input_row *r = vec_push(&tv);
		if (!r) {
			ret = oom(err);
			goto out;
		}
		memset(r, 0, sizeof *r);
		r->idx = k->idx;
		r->dkey = sqlite3_column_int64(st, 1);
		/* The tag travels in dataset.name / dataset.digest of the scratch row. */
		if (sq_col_str(a, st, 2, 0, &r->in.dataset.name) ||
		    sq_col_str(a, st, 3, 0, &r->in.dataset.digest)) {
			ret = oom(err);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "reading input tags", err);
		goto out;
	}
	struct input_row *trows = (struct input_row *)tv.data;
	/* Two passes: count tags per input, then fill. Runs have few inputs; scan linearly. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < tv.n; i++) {
			struct store_run *r = &runs[trows[i].idx];
			for (size_t j = 0; j < r->ninputs; j++) {
				if (dkeys[trows[i].idx][j] != trows[i].dkey)
					continue;
				struct store_dataset_input *in = &r->inputs[j];
				if (pass == 0) {
					in->ntags++;
				} else {
					in->tags[in->ntags].key = trows[i].in.dataset.name;
					in->tags[in->ntags].value = trows[i].in.dataset.digest;
					in->ntags++;
				}
				break;
			}
		}
		if (pass == 0) {
			for (size_t i = 0; i < n; i++) {
				for (size_t j = 0; j < runs[i].ninputs; j++) {
					struct store_dataset_input *in = &runs[i].inputs[j];
					if (!in->ntags)
						continue;
					in->tags = arena_alloc(a, in->ntags * sizeof *in->tags);
					if (!in->tags) {
						ret = oom(err);
						goto out;
					}
					in->ntags = 0;
				}
			}
		}
	}
out:
	sq_done(st);
	cairn_free(v.data);
	cairn_free(tv.data);
	cairn_free(dkeys);
	return ret;
}

int sq_fill_runs(struct sq_conn *c, struct arena *a, struct store_run *runs, const int64_t *keys,
		 size_t n, struct cairn_error *err)
{
	if (n == 0)
		return 0;
	struct key_idx *ki = cairn_malloc(n * sizeof *ki);
	if (!ki)
		return oom(err);
	for (size_t i = 0; i < n; i++) {
		ki[i].key = keys[i];
		ki[i].idx = i;
	}
	qsort(ki, n, sizeof *ki, key_idx_cmp);
	int ret = 0;
	const char *json = sq_key_list_json(a, keys, n);
	if (!json) {
		ret = oom(err);
		goto out;
	}
	ret = fill_kv(c, SQ_BATCH_PARAMS, json, a, ki, n, runs, 1, err);
	if (ret == 0)
		ret = fill_kv(c, SQ_BATCH_TAGS, json, a, ki, n, runs, 0, err);
	if (ret == 0)
		ret = fill_metrics(c, json, a, ki, n, runs, err);
	if (ret == 0)
		ret = fill_inputs(c, json, a, ki, n, runs, err);
out:
	cairn_free(ki);
	return ret;
}

/* Read one run fully (any lifecycle stage); ENOENT when unknown. */
static int read_run(struct sq_conn *c, const char *run_id, struct arena *a, struct store_run *out,
		    struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = sq_stmt(c, SQ_RUN_INFO, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int ret = 0;
	int64_t key = 0;
	if (rc == SQLITE_ROW) {
		if (sq_read_run_info(a, st, &out->info, &key) != 0)
			ret = oom(err);
	} else if (rc == SQLITE_DONE) {
		ret = cairn_error_set(err, CAIRN_ENOENT, "Run with id=%s not found", run_id);
	} else {
		ret = sq_error(c, rc, "reading a run", err);
	}
	sq_done(st);
	if (ret == 0)
		ret = sq_fill_runs(c, a, out, &key, 1, err);
	return ret;
}

int store_get_run(struct store *s, const char *run_id, struct arena *a, struct store_run *out,
		  struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	if (!run_id || !*run_id)
		return cairn_error_set(err, CAIRN_EINVAL, "Missing value for required parameter 'run_id'. "
				       "See the API docs for more information about request parameters.");
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	int ret = sq_read_begin(c, err);
	if (ret != 0)
		return ret;
	ret = read_run(c, run_id, a, out, err);
	sq_read_end(c);
	if (ret != 0)
		memset(out, 0, sizeof *out);
	return ret;
}

/* ------------------------------------------------------------------ create */

static const char *const name_adjectives[] = {
	"able", "agreeable", "amazing", "ambitious", "amusing", "awesome", "bald", "beautiful",
	"bedecked", "big", "bittersweet", "blushing", "bold", "bouncy", "brawny", "bright",
	"burly", "bustling", "calm", "capable", "carefree", "caring", "casual", "charming",
	"chill", "classy", "clean", "clumsy", "colorful", "crawling", "dapper", "debonair",
	"dashing", "defiant", "delicate", "delightful", "dazzling", "efficient", "enchanting",
	"entertaining", "enthused", "exultant", "fearless", "flawless", "fortunate", "fun",
	"funny", "gaudy", "gentle", "gifted", "glamorous", "grandiose", "gregarious",
	"handsome", "hilarious", "honorable", "illustrious", "incongruous", "indecisive",
	"industrious", "intelligent", "inquisitive", "intrigued", "invincible", "judicious",
	"kindly", "languid", "learned", "legendary", "likeable", "loud", "luminous", "luxuriant",
	"lyrical", "magnificent", "marvelous", "masked", "melodic", "merciful", "mercurial",
	"monumental", "mysterious", "nebulous", "nervous", "nimble", "nosy", "omniscient",
	"orderly", "overjoyed", "peaceful", "painted", "persistent", "placid", "polite",
	"popular", "powerful", "puzzled", "rambunctious", "rare", "rebellious", "respected",
	"resilient", "righteous", "receptive", "redolent", "rogue", "rumbling",
	"salty", "sassy", "secretive", "selective", "sedate", "serious", "shivering", "skillful",
	"sincere", "skittish", "silent", "smiling", "sneaky", "sophisticated", "spiffy",
	"stately", "suave", "stylish", "tasteful", "thoughtful", "thundering", "traveling",
	"treasured", "trusting", "unequaled", "upset", "unique", "unleashed", "useful",
	"upbeat", "unruly", "valuable", "vaunted", "victorious", "welcoming", "whimsical",
	"wistful", "wise", "worried", "youthful", "zealous",
};

static const char *const name_nouns[] = {
	"ant", "ape", "asp", "auk", "bass", "bat", "bear", "bee", "bird", "boar", "bug", "calf",
	"carp", "cat", "chimp", "cod", "colt", "conch", "cow", "crab", "crane", "croc", "crow",
	"cub", "deer", "doe", "dog", "dolphin", "donkey", "dove", "duck", "eel", "elk", "fawn",
	"finch", "fish", "flea", "fly", "foal", "fowl", "fox", "frog", "gnat", "gnu", "goat",
	"goose", "grouse", "grub", "gull", "hare", "hawk", "hen", "hog", "horse", "hound", "jay",
	"kit", "kite", "koi", "lamb", "lark", "loon", "lynx", "mare", "midge", "mink", "mole",
	"moose", "moth", "mouse", "mule", "newt", "owl", "ox", "panda", "penguin", "perch",
	"pig", "pug", "quail", "ram", "rat", "ray", "robin", "roo", "rook", "seal", "shad",
	"shark", "sheep", "shoat", "shrew", "shrike", "shrimp", "skink", "skunk", "sloth",
	"slug", "smelt", "snail", "snake", "snipe", "sow", "sponge", "squid", "squirrel",
	"stag", "steed", "stoat", "stork", "swan", "tern", "toad", "trout", "turtle", "vole",
	"wasp", "whale", "wolf", "worm", "wren", "yak", "zebra",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* MLflow's generated run names: adjective-noun-NNN. */
static int generate_run_name(char *out, size_t n, struct cairn_error *err)
{
	uint32_t r[3];
	int rc = id_random_bytes(r, sizeof r, err);
	if (rc != 0)
		return rc;
	snprintf(out, n, "%s-%s-%u", name_adjectives[r[0] % NELEM(name_adjectives)],
		 name_nouns[r[1] % NELEM(name_nouns)], (unsigned)(r[2] % 1000));
	return 0;
}

int sq_set_run_tag(struct sq_conn *c, int64_t run_key, const char *key, const char *value,
		   struct cairn_error *err)
{
	if (!value)
		value = "";
	size_t vlen = sq_truncated_len(value, STORE_MAX_RUN_TAG_VALUE_CHARS);
	sqlite3_stmt *st = sq_stmt(c, SQ_TAG_UPSERT, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, run_key);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, (int)vlen, SQLITE_STATIC);
	int ret = sq_exec_stmt(c, st, "setting a tag", err);
	if (ret != 0 || strcmp(key, SQ_TAG_RUN_NAME) != 0)
		return ret;
	st = sq_stmt(c, SQ_RUN_SET_NAME, err);
	if (!st)
		return ERR_CODE(err);
	sqlite3_bind_int64(st, 1, run_key);
	sqlite3_bind_text(st, 2, value, (int)vlen, SQLITE_STATIC);
	return sq_exec_stmt(c, st, "renaming a run", err);
}

int store_create_run(struct store *s, const struct store_run_create *req, struct arena *a,
		     struct store_run *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	const char *exp_id = req->experiment_id && *req->experiment_id ? req->experiment_id : "0";
	const char *tag_name = NULL;
	int ret;
	for (size_t i = 0; i < req->ntags; i++) {
		ret = store_validate_key("tag", req->tags[i].key, err);
		if (ret != 0)
			return ret;
		if (strcmp(req->tags[i].key, SQ_TAG_RUN_NAME) == 0)
			tag_name = req->tags[i].value ? req->tags[i].value : "";
	}
	if (req->run_name && tag_name && strcmp(req->run_name, tag_name) != 0)
		return cairn_error_set(err, CAIRN_EINVAL, "Both 'run_name' argument and 'mlflow.runName' "
				       "tag are specified, but with different values (run_name='%s', "
				       "mlflow.runName='%s').", req->run_name, tag_name);
	char gen[128];
	const char *name = req->run_name ? req->run_name : tag_name;
	if (!name) {
		ret = generate_run_name(gen, sizeof gen, err);
		if (ret != 0)
			return ret;
		name = gen;
	}
	size_t name_len = sq_truncated_len(name, STORE_MAX_RUN_TAG_VALUE_CHARS);
	int64_t exp_key;
	if (sq_parse_experiment_id(exp_id, &exp_key) != 0)
		return cairn_error_set(err, CAIRN_ENOENT, "No Experiment with id=%s exists", exp_id);
	char run_id[33];
	ret = id_new_hex32(run_id, err);
	if (ret != 0)
		return ret;
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;

	sqlite3_stmt *st = sq_stmt(c, SQ_EXP_GET_BY_ID, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, exp_key);
	int rc = sqlite3_step(st);
	const char *loc = NULL;
	if (rc == SQLITE_ROW) {
		const char *stage = (const char *)sqlite3_column_text(st, 3);
		if (!stage || strcmp(stage, "active") != 0)
			ret = cairn_error_set(err, CAIRN_EINVAL, "The experiment %s must be in the "
					      "'active' state. Current state is %s.", exp_id,
					      stage ? stage : "unknown");
		else
			ret = sq_col_str(a, st, 2, 0, &loc) ? oom(err) : 0;
	} else if (rc == SQLITE_DONE) {
		ret = cairn_error_set(err, CAIRN_ENOENT, "No Experiment with id=%s exists", exp_id);
	} else {
		ret = sq_error(c, rc, "reading an experiment", err);
	}
	sq_done(st);
	if (ret != 0)
		goto out;
	const char *uri = arena_printf(a, "%s/%s/artifacts", loc, run_id);
	if (!uri) {
		ret = oom(err);
		goto out;
	}
	st = sq_stmt(c, SQ_RUN_INSERT, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, (int)name_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, exp_key);
	sqlite3_bind_text(st, 4, req->user_id ? req->user_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, STORE_RUN_RUNNING);
	sqlite3_bind_int64(st, 6, req->start_time ? req->start_time : time_now_ms());
	sqlite3_bind_text(st, 7, uri, -1, SQLITE_STATIC);
	ret = sq_exec_stmt(c, st, "creating a run", err);
	if (ret != 0)
		goto out;
	int64_t run_key = sqlite3_last_insert_rowid(c->db);
	for (size_t i = 0; ret == 0 && i < req->ntags; i++)
		ret = sq_set_run_tag(c, run_key, req->tags[i].key, req->tags[i].value, err);
	if (ret == 0 && !tag_name) {
		char *nm = arena_strndup(a, name, name_len);
		ret = nm ? sq_set_run_tag(c, run_key, SQ_TAG_RUN_NAME, nm, err) : oom(err);
	}
	if (ret == 0)
		ret = read_run(c, run_id, a, out, err);
out:
	ret = sq_write_end(c, ret, err);
	if (ret != 0)
		memset(out, 0, sizeof *out);
	return ret;
}

/* ------------------------------------------------------------------ update / delete */

int store_update_run(struct store *s, const struct store_run_update *req, struct arena *a,
		     struct store_run_info *out, struct cairn_error *err)
{
	if (out)
		memset(out, 0, sizeof *out);
	if (req->status != 0 && !store_run_status_name(req->status))
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value %d for parameter 'status'",
				       req->status);
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	int ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t key;
	ret = sq_run_lookup(c, req->run_id, 1, &key, NULL, err);
	if (ret != 0)
		goto out;
	const char *name = req->run_name;
	size_t name_len = name ? sq_truncated_len(name, STORE_MAX_RUN_TAG_VALUE_CHARS) : 0;
	sqlite3_stmt *st = sq_stmt(c, SQ_RUN_UPDATE, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, key);
	if (req->status)
		sqlite3_bind_int(st, 2, req->status);
	sqlite3_bind_int(st, 3, req->has_end_time ? 1 : 0);
	sqlite3_bind_int64(st, 4, req->end_time);
	if (name)
		sqlite3_bind_text(st, 5, name, (int)name_len, SQLITE_STATIC);
	ret = sq_exec_stmt(c, st, "updating a run", err);
	if (ret == 0 && name)
		ret = sq_set_run_tag(c, key, SQ_TAG_RUN_NAME, name, err);
	if (ret == 0 && out) {
		st = sq_stmt(c, SQ_RUN_INFO, err);
		if (!st) {
			ret = ERR_CODE(err);
			goto out;
		}
		sqlite3_bind_text(st, 1, req->run_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			ret = sq_read_run_info(a, st, out, NULL) ? oom(err) : 0;
		else
			ret = sq_error(c, rc, "reading a run", err);
		sq_done(st);
	}
out:
	ret = sq_write_end(c, ret, err);
	if (ret != 0 && out)
		memset(out, 0, sizeof *out);
	return ret;
}

static int set_run_stage(struct store *s, const char *run_id, int to_deleted, struct cairn_error *err)
{
	struct sq_conn *c = sq_conn_get(s, err);
	if (!c)
		return ERR_CODE(err);
	int ret = sq_write_begin(c, err);
	if (ret != 0)
		return ret;
	int64_t key;
	ret = sq_run_lookup(c, run_id, 0, &key, NULL, err);
	if (ret != 0)
		goto out;
	sqlite3_stmt *st = sq_stmt(c, SQ_RUN_SET_STAGE, err);
	if (!st) {
		ret = ERR_CODE(err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, to_deleted ? "deleted" : "active", -1, SQLITE_STATIC);
	if (to_deleted)
		sqlite3_bind_int64(st, 3, time_now_ms());
	ret = sq_exec_stmt(c, st, "changing a run's stage", err);
out:
	return sq_write_end(c, ret, err);
}

int store_delete_run(struct store *s, const char *run_id, struct cairn_error *err)
{
	return set_run_stage(s, run_id, 1, err);
}

int store_restore_run(struct store *s, const char *run_id, struct cairn_error *err)
{
	return set_run_stage(s, run_id, 0, err);
}

/* ------------------------------------------------------------------ search */

#define STATUS_EXPR "(CASE r.status WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'SCHEDULED' " \
	"WHEN 3 THEN 'FINISHED' WHEN 4 THEN 'FAILED' WHEN 5 THEN 'KILLED' END)"

static const char *run_attr_expr(const char *key)
{
	static const struct { const char *key, *expr; } map[] = {
		{ "run_id", "r.run_uuid" }, { "run_name", "r.name" }, { "status", STATUS_EXPR },
		{ "user_id", "r.user_id" }, { "artifact_uri", "r.artifact_uri" },
		{ "start_time", "r.start_time" }, { "end_time", "r.end_time" },
	};
	for (size_t i = 0; i < NELEM(map); i++)
		if (strcmp(map[i].key, key) == 0)
			return map[i].expr;
	return NULL;
}

/* Append the WHERE condition of one comparison. Metric/param/tag comparisons are EXISTS on
 * the (run_key, key) primary key, so a run lacking the key drops out whatever the operator
 * (MLflow's rule: not even != matches). */
static int add_cmp(struct sq_query *q, size_t i, const struct filter_cmp *cmp,
		   struct cairn_error *err)
{
	char alias[32];
	char expr[64];
	switch (cmp->kind) {
	case FILTER_KIND_METRIC:
	case FILTER_KIND_PARAM:
	case FILTER_KIND_TAG:
		snprintf(alias, sizeof alias, "f%zu", i);
		sq_q_sql(q, " AND EXISTS (SELECT 1 FROM ");
		sq_q_sql(q, cmp->kind == FILTER_KIND_METRIC ? "latest_metrics " :
			 cmp->kind == FILTER_KIND_PARAM ? "params " : "tags ");
		sq_q_sql(q, alias);
		sq_q_sql(q, " WHERE ");
		sq_q_sql(q, alias);
		sq_q_sql(q, ".run_key = r.run_key AND ");
		sq_q_sql(q, alias);
		sq_q_sql(q, ".key = ");
		sq_q_text(q, cmp->key);
		sq_q_sql(q, " AND ");
		snprintf(expr, sizeof expr, "%s.value", alias);
		sq_q_cmp(q, expr, cmp);
		sq_q_sql(q, ")");
		return 0;
	case FILTER_KIND_ATTR:
		if (strcmp(cmp->key, "run_name") == 0) {
			/* MLflow filters run names through the mlflow.runName tag. */
			struct filter_cmp t = *cmp;
			t.kind = FILTER_KIND_TAG;
			t.key = SQ_TAG_RUN_NAME;
			return add_cmp(q, i, &t, err);
		}
		{
			const char *e = run_attr_expr(cmp->key);
			if (!e)
				return cairn_error_set(err, CAIRN_EINVAL, "Invalid attribute key '%s' "
						       "in run filter", cmp->key);
			sq_q_sql(q, " AND ");
			sq_q_cmp(q, e, cmp);
		}
		return 0;
	case FILTER_KIND_DATASET:
		if (strcmp(cmp->key, "context") == 0) {
			sq_q_sql(q, " AND EXISTS (SELECT 1 FROM input_tags it WHERE it.run_key = r.run_key"
				 " AND it.key = 'mlflow.data.context' AND ");
			sq_q_cmp(q, "it.value", cmp);
			sq_q_sql(q, ")");
			return 0;
		}
		if (strcmp(cmp->key, "name") != 0 && strcmp(cmp->key, "digest") != 0)
			return cairn_error_set(err, CAIRN_EINVAL, "Invalid dataset key '%s' in run filter",
					       cmp->key);
		sq_q_sql(q, " AND EXISTS (SELECT 1 FROM inputs i JOIN datasets d ON "
			 "d.dataset_key = i.dataset_key WHERE i.run_key = r.run_key AND ");
		sq_q_cmp(q, strcmp(cmp->key, "name") == 0 ? "d.name" : "d.digest", cmp);
		sq_q_sql(q, ")");
		return 0;
	default:
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid filter key '%s'", cmp->key);
	}
}

int store_search_runs(struct store *s, const struct store_run_query *q, struct arena *a,
		      struct store_run_page *out, struct cairn_error *err)
{
	memset(out, 0, sizeof *out);
	int view = q->view_type ? q->view_type : STORE_VIEW_ACTIVE_ONLY;
	if (view < STORE_VIEW_ACTIVE_ONLY || view > STORE_VIEW_ALL)
		return cairn_error_set(err, CAIRN_EINVAL, "Invalid value %d for parameter 'run_view_type'",
				       q->view_type);
	struct sq_search sp;
	int ret = sq_search_parse(FILTER_RUNS, q->max_results, STORE_RUNS_DEFAULT_MAX_RESULTS,
				  STORE_RUNS_MAX_RESULTS, q->page_token, q->filter, q->order_by,
				  q->norder_by, a, &sp, err);
	if (ret != 0)
		return ret;
	int64_t max = sp.max, offset = sp.offset;
	struct filter f = sp.f;
	struct filter_order *ord = sp.ord;
	size_t nord = sp.nord;

	struct sq_query sq, oq;
	sq_q_init(&sq);
	sq_q_init(&oq);
	sqlite3_stmt *st = NULL;
	struct sq_conn *c = NULL;
	int64_t *keys = NULL;
	int in_txn = 0;

	/* The ORDER BY joins come first in the SQL, so their bindings are built first. */
	sq_q_sql(&sq, "SELECT " SQ_RUN_COLS " FROM runs r");
	int has_start = 0;
	for (size_t i = 0; i < nord; i++) {
		char alias[24], tmp[256];
		const struct filter_order *o = &ord[i];
		const char *dir = o->desc ? " DESC" : " ASC";
		if (i)
			sq_q_sql(&oq, ", ");
		if (o->kind == FILTER_KIND_ATTR) {
			const char *e = run_attr_expr(o->key);
			if (!e) {
				ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid order_by key '%s'", o->key);
				goto out;
			}
			if (strcmp(o->key, "start_time") == 0)
				has_start = 1;
			sq_q_sql(&oq, "(");
			sq_q_sql(&oq, e);
			sq_q_sql(&oq, " IS NULL), ");
			sq_q_sql(&oq, e);
			sq_q_sql(&oq, dir);
			continue;
		}
		snprintf(alias, sizeof alias, "o%zu", i);
		const char *table = o->kind == FILTER_KIND_METRIC ? "latest_metrics" :
				    o->kind == FILTER_KIND_PARAM ? "params" : "tags";
		if (o->kind != FILTER_KIND_METRIC && o->kind != FILTER_KIND_PARAM &&
		    o->kind != FILTER_KIND_TAG) {
			ret = cairn_error_set(err, CAIRN_EINVAL, "Invalid order_by key '%s'", o->key);
			goto out;
		}
		snprintf(tmp, sizeof tmp, " LEFT JOIN %s %s ON %s.run_key = r.run_key AND %s.key = ",
			 table, alias, alias, alias);
		sq_q_sql(&sq, tmp);
		sq_q_text(&sq, o->key);
		/* Missing keys last in both directions; NaN metrics after numbers. */
		if (o->kind == FILTER_KIND_METRIC)
			snprintf(tmp, sizeof tmp, "(CASE WHEN %s.run_key IS NULL THEN 2 WHEN %s.is_nan "
				 "THEN 1 ELSE 0 END), %s.value%s", alias, alias, alias, dir);
		else
			snprintf(tmp, sizeof tmp, "(%s.run_key IS NULL), %s.value%s", alias, alias, dir);
		sq_q_sql(&oq, tmp);
	}
	if (!has_start)
		sq_q_sql(&oq, nord ? ", r.start_time DESC" : "r.start_time DESC");
	sq_q_sql(&oq, ", r.run_uuid ASC");

	sq_q_sql(&sq, " WHERE r.experiment_id IN (");
	size_t nexp = 0;
	for (size_t i = 0; i < q->nexperiment_ids; i++) {
		int64_t id;
		if (sq_parse_experiment_id(q->experiment_ids[i], &id) != 0)
			continue;
		if (nexp++)
			sq_q_sql(&sq, ", ");
		sq_q_int(&sq, id);
	}
	sq_q_sql(&sq, ")");
	if (view == STORE_VIEW_ACTIVE_ONLY)
		sq_q_sql(&sq, " AND r.lifecycle_stage = 'active'");
	else if (view == STORE_VIEW_DELETED_ONLY)
		sq_q_sql(&sq, " AND r.lifecycle_stage = 'deleted'");
	for (size_t i = 0; i < f.n; i++) {
		ret = add_cmp(&sq, i, &f.cmps[i], err);
		if (ret != 0)
			goto out;
	}
	sq_q_sql(&sq, " ORDER BY ");
	if (oq.failed) {
		ret = cairn_error_set(err, CAIRN_ENOMEM, "out of memory building a query");
		goto out;
	}
	sq_q_sql(&sq, oq.sql.data);
	sq_q_sql(&sq, " LIMIT ");
	sq_q_int(&sq, max + 1);
	sq_q_sql(&sq, " OFFSET ");
	sq_q_int(&sq, offset);
	if (nexp == 0)
		goto out;  /* no experiment to search: an empty page */

	c = sq_conn_get(s, err);
	if (!c) {
		ret = ERR_CODE(err);
		goto out;
	}
	ret = sq_read_begin(c, err);
	if (ret != 0)
		goto out;
	in_txn = 1;
	ret = sq_q_prepare(c, &sq, &st, err);
	if (ret != 0)
		goto out;
	size_t cap = 64;
	out->runs = arena_alloc(a, cap * sizeof *out->runs);
	keys = cairn_malloc(cap * sizeof *keys);
	if (!out->runs || !keys) {
		ret = oom(err);
		goto out;
	}
	int rc;
	int more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((int64_t)out->n == max) {
			more = 1;
			break;
		}
		if (out->n == cap) {
			struct store_run *nr = arena_alloc(a, cap * 2 * sizeof *nr);
			int64_t *nk = cairn_realloc(keys, cap * 2 * sizeof *nk);
			if (nk)
				keys = nk;
			if (!nr || !nk) {
				ret = oom(err);
				goto out;
			}
			memcpy(nr, out->runs, cap * sizeof *nr);
			out->runs = nr;
			cap *= 2;
		}
		struct store_run *r = &out->runs[out->n];
		memset(r, 0, sizeof *r);
		if (sq_read_run_info(a, st, &r->info, &keys[out->n]) != 0) {
			ret = oom(err);
			goto out;
		}
		out->n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = sq_error(c, rc, "searching runs", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	ret = sq_fill_runs(c, a, out->runs, keys, out->n, err);
	if (ret != 0)
		goto out;
	if (more) {
		out->next_page_token = filter_page_token_encode(a, offset + (int64_t)out->n);
		if (!out->next_page_token)
			ret = oom(err);
	}
out:
	sqlite3_finalize(st);
	if (in_txn)
		sq_read_end(c);
	sq_q_release(&sq);
	sq_q_release(&oq);
	cairn_free(keys);
	if (ret != 0)
		memset(out, 0, sizeof *out);
	return ret;
}
