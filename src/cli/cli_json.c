/*
 * Store entities as the REST API's JSON (spec §1.3, §2), so that `--output json` of the CLI
 * and the server agree and scripts can switch between them.
 */
#include "cli/cli.h"

#include <string.h>

/* Each setter steals the reference to `v` and fails on NULL, so a chain of them needs one
 * check at the end. */
static int put(json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v) {
		json_decref(v);
		return -1;
	}
	return json_object_set_new(obj, key, v);
}

static int put_str(json_t *obj, const char *key, const char *s)
{
	return s ? put(obj, key, json_string(s)) : 0;
}

static json_t *tags_array(const struct store_tag *tags, size_t n)
{
	json_t *arr = json_array();
	int bad = !arr;
	for (size_t i = 0; i < n && !bad; i++) {
		json_t *t = json_object();
		bad |= put_str(t, "key", tags[i].key) != 0;
		bad |= put_str(t, "value", tags[i].value ? tags[i].value : "") != 0;
		bad |= !t || json_array_append_new(arr, t) != 0;
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

json_t *cli_json_experiment(const struct store_experiment *e)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= put_str(o, "experiment_id", e->experiment_id) != 0;
	bad |= put_str(o, "name", e->name) != 0;
	bad |= put_str(o, "artifact_location", e->artifact_location) != 0;
	bad |= put_str(o, "lifecycle_stage", e->lifecycle_stage) != 0;
	if (e->last_update_time)
		bad |= put(o, "last_update_time", json_integer(e->last_update_time)) != 0;
	if (e->creation_time)
		bad |= put(o, "creation_time", json_integer(e->creation_time)) != 0;
	if (e->ntags)
		bad |= put(o, "tags", tags_array(e->tags, e->ntags)) != 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *cli_json_run_info(const struct store_run_info *ri)
{
	json_t *o = json_object();
	int bad = !o;
	const char *status = store_run_status_name(ri->status);
	bad |= put_str(o, "run_id", ri->run_id) != 0;
	bad |= put_str(o, "run_uuid", ri->run_id) != 0;
	bad |= put_str(o, "run_name", ri->run_name) != 0;
	bad |= put_str(o, "experiment_id", ri->experiment_id) != 0;
	bad |= put_str(o, "user_id", ri->user_id) != 0;
	bad |= put_str(o, "status", status) != 0;
	bad |= put(o, "start_time", json_integer(ri->start_time)) != 0;
	if (ri->has_end_time)
		bad |= put(o, "end_time", json_integer(ri->end_time)) != 0;
	bad |= put_str(o, "artifact_uri", ri->artifact_uri) != 0;
	bad |= put_str(o, "lifecycle_stage", ri->lifecycle_stage) != 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *metrics_array(const struct store_metric *m, size_t n)
{
	json_t *arr = json_array();
	int bad = !arr;
	for (size_t i = 0; i < n && !bad; i++) {
		json_t *o = json_object();
		bad |= put_str(o, "key", m[i].key) != 0;
		bad |= put(o, "value", json_double_value(m[i].value)) != 0;
		bad |= put(o, "timestamp", json_integer(m[i].timestamp)) != 0;
		bad |= put(o, "step", json_integer(m[i].step)) != 0;
		bad |= !o || json_array_append_new(arr, o) != 0;
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *dataset_object(const struct store_dataset *d)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= put_str(o, "name", d->name) != 0;
	bad |= put_str(o, "digest", d->digest) != 0;
	bad |= put_str(o, "source_type", d->source_type) != 0;
	bad |= put_str(o, "source", d->source) != 0;
	bad |= put_str(o, "schema", d->schema) != 0;
	bad |= put_str(o, "profile", d->profile) != 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *cli_json_run(const struct store_run *r)
{
	json_t *run = json_object();
	json_t *data = json_object();
	json_t *inputs = json_object();
	int bad = !run || !data || !inputs;
	if (!bad && r->nmetrics)
		bad |= put(data, "metrics", metrics_array(r->metrics, r->nmetrics)) != 0;
	if (!bad && r->nparams)
		bad |= put(data, "params", tags_array(r->params, r->nparams)) != 0;
	if (!bad && r->ntags)
		bad |= put(data, "tags", tags_array(r->tags, r->ntags)) != 0;
	if (!bad && r->ninputs) {
		json_t *arr = json_array();
		bad |= !arr;
		for (size_t i = 0; i < r->ninputs && !bad; i++) {
			json_t *di = json_object();
			if (r->inputs[i].ntags)
				bad |= put(di, "tags", tags_array(r->inputs[i].tags, r->inputs[i].ntags)) != 0;
			bad |= put(di, "dataset", dataset_object(&r->inputs[i].dataset)) != 0;
			bad |= !di || json_array_append_new(arr, di) != 0;
		}
		bad |= put(inputs, "dataset_inputs", arr) != 0;
	}
	if (!bad) {
		bad |= put(run, "info", cli_json_run_info(&r->info)) != 0;
		bad |= put(run, "data", data) != 0;
		data = NULL;
		bad |= put(run, "inputs", inputs) != 0;
		inputs = NULL;
	}
	if (bad) {
		json_decref(data);
		json_decref(inputs);
		json_decref(run);
		return NULL;
	}
	return run;
}

int cli_json_print(json_t *v, FILE *out)
{
	if (!v)
		return CAIRN_ENOMEM;
	int rc = json_dumpf(v, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(v);
	if (rc != 0 || fputc('\n', out) == EOF)
		return CAIRN_EIO;
	return 0;
}
