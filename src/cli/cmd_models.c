/*
 * `cairn models list|show|versions|history|alias|archive|delete|promote|promote-best`:
 * the model registry, directly on the store or through a server's REST API (both behind
 * promote's struct registry_access; --tracking-uri picks). Promotion goes through
 * src/promote: every gate is printed with its verdict; exit 1 when a gate refuses or a
 * concurrent promotion won.
 */
#include "cli/cli.h"
#include "cli/cmd_models.h"
#include "api/api_registry.h"
#include "promote/promote.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define CMD "models"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairn models <subcommand> [options]\n"
		"\n"
		"The model registry, directly on the store (no server needed) or, with an http(s)\n"
		"tracking URI, through a running cairn or MLflow-compatible server's REST API.\n"
		"\n"
		"Subcommands:\n"
		"  list                       registered models (filter: name, tags.<key>)\n"
		"  show NAME                  one model: description, tags, aliases, latest versions\n"
		"  versions NAME              every live version of a model\n"
		"  history NAME               every stage and alias change (who, when, why)\n"
		"  alias NAME ALIAS [VERSION] show, set (with VERSION) or --delete an alias\n"
		"  archive NAME VERSION       move a version to the Archived stage\n"
		"  delete NAME [VERSION]      delete a model (with its versions) or one version\n"
		"  promote NAME VERSION       check the policy's gates, then move the alias\n"
		"  promote-best NAME --metric M  promote the version whose run is best on M\n"
		"\n"
		"Common options:\n"
		"      --tracking-uri URI       http(s)://HOST:PORT: work through that server's REST API\n"
		"                               (default $MLFLOW_TRACKING_URI when it is http(s)://...);\n"
		"                               any other URI is used as --backend-store-uri\n"
		"      --backend-store-uri URI  the store, direct mode (default $" CLI_STORE_URI_ENV " or\n"
		"                               " CLI_DEFAULT_STORE_URI ")\n"
		"      --output FORMAT          table/text (default) or json (the REST API's shapes)\n"
		"      --help                   show this help\n"
		"\n"
		"Promotion options (promote, promote-best):\n"
		"      --to ALIAS               the alias to move (default production)\n"
		"      --policy FILE            YAML gates (docs/registry.md); none = no gates\n"
		"      --stage STAGE            also move the version to STAGE (default: Production for\n"
		"                               alias production, Staging for staging, else none)\n"
		"      --no-stage               leave stages alone\n"
		"      --no-archive             keep the previous holder's stage\n"
		"      --reason TEXT            recorded in the history (also for alias, archive, delete)\n"
		"      --user NAME              recorded in the history (default $USER)\n"
		"      --metric M               promote-best: the source-run metric to rank by\n"
		"      --lower-is-better        promote-best: smallest value wins (losses)\n"
		"\n"
		"Exit codes: 0 ok, 1 a gate refused / not found / a concurrent promotion won,\n"
		"2 usage or configuration error, 3 I/O error (also: the server cannot be reached).\n"
		"\n"
		"Through a server, --user is sent as the HTTP Basic user name (unless\n"
		"$MLFLOW_TRACKING_USERNAME or $MLFLOW_TRACKING_TOKEN is set); promotion records --user\n"
		"and --reason exactly, other changes record the server's own reason.\n"
		"\n"
		"Examples:\n"
		"  cairn models list --filter \"name LIKE 'churn%%'\"\n"
		"  cairn models show churn\n"
		"  cairn models promote churn 3 --to production --policy policy.yaml\n"
		"  cairn models promote-best churn --metric f1 --policy policy.yaml\n"
		"  cairn models alias churn champion 3 --reason \"A/B winner\"\n"
		"  cairn models history churn --output json\n"
		"  cairn models promote churn 3 --policy policy.yaml --tracking-uri http://mlflow:5000\n"
		"  MLFLOW_TRACKING_URI=http://localhost:5000 cairn models list\n");
}

enum {
	OPT_STORE = 256, OPT_OUTPUT, OPT_HELP, OPT_FILTER, OPT_ORDER_BY, OPT_MAX, OPT_VERSION,
	OPT_DELETE, OPT_REASON, OPT_USER, OPT_TO, OPT_POLICY, OPT_STAGE, OPT_NO_STAGE,
	OPT_NO_ARCHIVE, OPT_METRIC, OPT_LOWER, OPT_TRACKING,
};

#define BIT(o) (1ull << ((o) - OPT_STORE))

struct opts {
	const char *uri, *tracking_uri, *filter, *version, *reason, *user, *to, *policy, *stage, *metric;
	const char *order_by[16];
	size_t norder;
	long long max;
	int output, del, no_stage, no_archive, lower;
	const char *pos[4];
	int npos;
};

struct sub {
	const char *name;
	int (*fn)(const char *cmd, struct opts *o);
	unsigned long long allowed;
	int min_pos, max_pos;
	unsigned outputs;
	const char *synopsis;
};

static int parse_opts(const char *cmd, const struct sub *sub, int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "backend-store-uri", required_argument, NULL, OPT_STORE },
		{ "tracking-uri", required_argument, NULL, OPT_TRACKING },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "order-by", required_argument, NULL, OPT_ORDER_BY },
		{ "max-results", required_argument, NULL, OPT_MAX },
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "delete", no_argument, NULL, OPT_DELETE },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "user", required_argument, NULL, OPT_USER },
		{ "to", required_argument, NULL, OPT_TO },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "stage", required_argument, NULL, OPT_STAGE },
		{ "no-stage", no_argument, NULL, OPT_NO_STAGE },
		{ "no-archive", no_argument, NULL, OPT_NO_ARCHIVE },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "lower-is-better", no_argument, NULL, OPT_LOWER },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->max = 100;
	o->output = sub->outputs & CLI_OUTPUT_BIT(CLI_OUTPUT_TABLE) ? CLI_OUTPUT_TABLE : CLI_OUTPUT_TEXT;
	optind = 0;
	opterr = 0;
	int rc;
	for (;;) {
		int c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1)
			break;
		if (c == ':')
			return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		if (c == '?' || c < OPT_STORE)
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		if (c == OPT_HELP)
			return -1;
		if (!(sub->allowed & BIT(c)) && c != OPT_STORE && c != OPT_TRACKING)
			return cli_usage_error(cmd, "option '%s' does not apply to 'models %s'",
					       argv[optind - 1], sub->name);
		switch (c) {
		case OPT_STORE: o->uri = optarg; break;
		case OPT_TRACKING: o->tracking_uri = optarg; break;
		case OPT_OUTPUT:
			if ((rc = cli_parse_output(cmd, optarg, sub->outputs, &o->output)))
				return rc;
			break;
		case OPT_FILTER: o->filter = optarg; break;
		case OPT_ORDER_BY:
			if (o->norder == sizeof o->order_by / sizeof o->order_by[0])
				return cli_usage_error(cmd, "too many --order-by clauses (at most 16)");
			o->order_by[o->norder++] = optarg;
			break;
		case OPT_MAX:
			if ((rc = cli_parse_int(cmd, "--max-results", optarg, 1,
						STORE_REGISTERED_MODELS_MAX_RESULTS, &o->max)))
				return rc;
			break;
		case OPT_VERSION: o->version = optarg; break;
		case OPT_DELETE: o->del = 1; break;
		case OPT_REASON: o->reason = optarg; break;
		case OPT_USER: o->user = optarg; break;
		case OPT_TO: o->to = optarg; break;
		case OPT_POLICY: o->policy = optarg; break;
		case OPT_STAGE: o->stage = optarg; break;
		case OPT_NO_STAGE: o->no_stage = 1; break;
		case OPT_NO_ARCHIVE: o->no_archive = 1; break;
		case OPT_METRIC: o->metric = optarg; break;
		case OPT_LOWER: o->lower = 1; break;
		default: break;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (o->npos == sub->max_pos)
			return cli_usage_error(cmd, "unexpected argument '%s' (usage: cairn models %s)",
					       argv[i], sub->synopsis);
		o->pos[o->npos++] = argv[i];
	}
	if (o->npos < sub->min_pos)
		return cli_usage_error(cmd, "missing argument (usage: cairn models %s)", sub->synopsis);
	if (o->uri && o->tracking_uri)
		return cli_usage_error(cmd, "--tracking-uri and --backend-store-uri exclude each other");
	return 0;
}

static const char *who_user(const struct opts *o)
{
	if (o->user && *o->user)
		return o->user;
	const char *u = getenv("USER");
	return u && *u ? u : "unknown";
}

static int is_http(const char *uri)
{
	return uri && (strncmp(uri, "http://", 7) == 0 || strncmp(uri, "https://", 8) == 0);
}

/*
 * REST or direct: --tracking-uri http(s)://... → REST; another --tracking-uri is a store
 * URI; --backend-store-uri → direct; else $MLFLOW_TRACKING_URI when it is http(s)://...;
 * else the default store. 0, or an exit code in *code with the error printed.
 */
static int open_access(const char *cmd, const struct opts *o, int read_only,
		       struct registry_access *ra, int *code)
{
	const char *rest = NULL, *store_uri = o->uri;
	if (o->tracking_uri) {
		if (is_http(o->tracking_uri))
			rest = o->tracking_uri;
		else
			store_uri = o->tracking_uri;
	} else if (!o->uri && is_http(getenv("MLFLOW_TRACKING_URI"))) {
		rest = getenv("MLFLOW_TRACKING_URI");
	}
	if (rest) {
		struct cairn_error err = {0};
		if (promote_access_rest_open(rest, who_user(o), ra, &err) != 0) {
			*code = cli_report_env_error(cmd, &err);
			return -1;
		}
		*code = CLI_EXIT_OK;
		return 0;
	}
	struct store *s = cli_store_open(cmd, store_uri, read_only, code);
	if (!s)
		return -1;
	promote_access_local(ra, s, 1);
	return 0;
}

static int oom(const char *cmd)
{
	cli_errorf(cmd, "out of memory");
	return CLI_EXIT_IO;
}

static const char *aliases_text(struct arena *a, const char *const *names, size_t n)
{
	if (n == 0)
		return "-";
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		if (buf_printf(&b, "%s%s", i ? "," : "", names[i]) != 0) {
			buf_release(&b);
			return NULL;
		}
	const char *s = arena_strdup(a, b.data);
	buf_release(&b);
	return s;
}

/* ------------------------------------------------------------------ read commands */

static int sub_list(const char *cmd, struct opts *o)
{
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 1, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	struct store_registry_query q = { .filter = o->filter, .order_by = o->order_by,
					  .norder_by = o->norder, .max_results = o->max };
	struct store_registered_model_page page;
	int ret = s->search_registered_models(s->ctx, &q, &a, &page, &err);
	if (ret != 0) {
		code = cli_report_error(cmd, &err);
		goto out;
	}
	if (o->output == CLI_OUTPUT_JSON) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < page.n; i++)
			if (json_array_append_new(arr, api_json_registered_model(&page.models[i])) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		json_t *obj = arr ? json_pack("{s:o}", "registered_models", arr) : NULL;
		if (obj && page.next_page_token)
			json_object_set_new(obj, "next_page_token", json_string(page.next_page_token));
		code = cli_json_print(obj, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
		goto out;
	}
	static const char *const headers[] = { "NAME", "LATEST", "ALIASES", "UPDATED", "DESCRIPTION" };
	static const size_t caps[] = { 40, 8, 40, 19, 50 };
	struct cli_table t;
	if (cli_table_init(&t, &a, 5, headers, caps) != 0) {
		code = oom(cmd);
		goto out;
	}
	for (size_t i = 0; i < page.n; i++) {
		const struct store_registered_model *m = &page.models[i];
		int64_t latest = 0;
		for (size_t k = 0; k < m->nlatest; k++)
			if (m->latest_versions[k].version_number > latest)
				latest = m->latest_versions[k].version_number;
		struct buf b;
		buf_init(&b, 0);
		for (size_t k = 0; k < m->naliases; k++)
			buf_printf(&b, "%s%s=%s", k ? "," : "", m->aliases[k].alias, m->aliases[k].version);
		const char *row[5] = { m->name, latest ? arena_printf(&a, "%lld", (long long)latest) : "-",
				       b.len ? arena_strdup(&a, b.data) : "-",
				       cli_format_time(&a, m->last_updated_timestamp),
				       m->description ? m->description : "" };
		buf_release(&b);
		if (cli_table_add_row(&t, row) != 0) {
			code = oom(cmd);
			goto out;
		}
	}
	cli_table_print(&t, stdout);
	if (page.next_page_token)
		printf("(more models: raise --max-results or narrow --filter)\n");
	code = CLI_EXIT_OK;
out:
	arena_release(&a);
	promote_access_close(s);
	return code;
}

static void print_version_line(struct arena *a, const struct store_model_version *v)
{
	printf("  version %-5s %-10s %s  aliases: %s  run: %s\n", v->version, v->current_stage,
	       cli_format_time(a, v->creation_timestamp),
	       aliases_text(a, v->aliases, v->naliases), v->run_id ? v->run_id : "-");
}

static int sub_show(const char *cmd, struct opts *o)
{
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 1, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	struct store_registered_model m;
	if (s->get_registered_model(s->ctx, o->pos[0], &a, &m, &err) != 0) {
		code = cli_report_error(cmd, &err);
		goto out;
	}
	if (o->output == CLI_OUTPUT_JSON) {
		code = cli_json_print(json_pack("{s:o}", "registered_model", api_json_registered_model(&m)),
				      stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
		goto out;
	}
	printf("name:         %s\n", m.name);
	printf("created:      %s\n", cli_format_time(&a, m.creation_timestamp));
	printf("updated:      %s\n", cli_format_time(&a, m.last_updated_timestamp));
	printf("description:  %s\n", m.description ? m.description : "");
	printf("aliases:%s\n", m.naliases ? "" : "      -");
	for (size_t i = 0; i < m.naliases; i++)
		printf("  %s -> version %s\n", m.aliases[i].alias, m.aliases[i].version);
	printf("tags:%s\n", m.ntags ? "" : "         -");
	for (size_t i = 0; i < m.ntags; i++)
		printf("  %s = %s\n", m.tags[i].key, m.tags[i].value);
	printf("latest versions:%s\n", m.nlatest ? "" : " -");
	for (size_t i = 0; i < m.nlatest; i++)
		print_version_line(&a, &m.latest_versions[i]);
	code = CLI_EXIT_OK;
out:
	arena_release(&a);
	promote_access_close(s);
	return code;
}

/* Every live version of one model, ascending. */
static int all_versions(const struct registry_access *s, const char *name, struct arena *a,
			struct store_model_version_page *page, struct cairn_error *err)
{
	struct store_registered_model m;
	int ret = s->get_registered_model(s->ctx, name, a, &m, err);
	if (ret != 0)
		return ret;
	const char *filter = !strchr(name, '\'') ? arena_printf(a, "name = '%s'", name)
						 : arena_printf(a, "name = \"%s\"", name);
	if (!filter)
		return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
	const char *order[] = { "version_number ASC" };
	struct store_registry_query q = { .filter = filter, .order_by = order, .norder_by = 1,
					  .max_results = STORE_MODEL_VERSIONS_MAX_RESULTS };
	return s->search_model_versions(s->ctx, &q, a, page, err);
}

static int sub_versions(const char *cmd, struct opts *o)
{
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 1, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	struct store_model_version_page page;
	if (all_versions(s, o->pos[0], &a, &page, &err) != 0) {
		code = cli_report_error(cmd, &err);
		goto out;
	}
	if (o->output == CLI_OUTPUT_JSON) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < page.n; i++)
			if (json_array_append_new(arr, api_json_model_version(&page.versions[i])) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		code = cli_json_print(arr ? json_pack("{s:o}", "model_versions", arr) : NULL, stdout) == 0
			       ? CLI_EXIT_OK : CLI_EXIT_IO;
		goto out;
	}
	static const char *const headers[] = { "VERSION", "STAGE", "ALIASES", "CREATED", "RUN ID", "SOURCE" };
	static const size_t caps[] = { 8, 10, 30, 19, 32, 60 };
	struct cli_table t;
	if (cli_table_init(&t, &a, 6, headers, caps) != 0) {
		code = oom(cmd);
		goto out;
	}
	for (size_t i = 0; i < page.n; i++) {
		const struct store_model_version *v = &page.versions[i];
		const char *row[6] = { v->version, v->current_stage, aliases_text(&a, v->aliases, v->naliases),
				       cli_format_time(&a, v->creation_timestamp), v->run_id ? v->run_id : "-",
				       v->source };
		if (cli_table_add_row(&t, row) != 0) {
			code = oom(cmd);
			goto out;
		}
	}
	cli_table_print(&t, stdout);
	code = CLI_EXIT_OK;
out:
	arena_release(&a);
	promote_access_close(s);
	return code;
}

static int sub_history(const char *cmd, struct opts *o)
{
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 1, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	struct store_registry_event *ev;
	size_t n;
	if (s->list_history(s->ctx, o->pos[0], o->version, &a, &ev, &n, &err) != 0) {
		code = cli_report_error(cmd, &err);
		goto out;
	}
	if (o->output == CLI_OUTPUT_JSON) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < n; i++)
			if (json_array_append_new(arr, api_json_registry_event(&ev[i])) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		code = cli_json_print(arr ? json_pack("{s:o}", "history", arr) : NULL, stdout) == 0
			       ? CLI_EXIT_OK : CLI_EXIT_IO;
		goto out;
	}
	static const char *const headers[] = { "WHEN", "VERSION", "CHANGE", "FROM", "TO", "BY", "WHY" };
	static const size_t caps[] = { 19, 8, 20, 10, 10, 20, 60 };
	struct cli_table t;
	if (cli_table_init(&t, &a, 7, headers, caps) != 0) {
		code = oom(cmd);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_registry_event *e = &ev[i];
		int stage = strcmp(e->kind, "stage") == 0;
		const char *change = stage ? "stage" : arena_printf(&a, "alias %s", e->alias ? e->alias : "");
		const char *row[7] = { cli_format_time(&a, e->timestamp), e->version, change,
				       *e->from_value ? e->from_value : "-", *e->to_value ? e->to_value : "-",
				       *e->user ? e->user : "-", e->reason };
		if (cli_table_add_row(&t, row) != 0) {
			code = oom(cmd);
			goto out;
		}
	}
	cli_table_print(&t, stdout);
	code = CLI_EXIT_OK;
out:
	arena_release(&a);
	promote_access_close(s);
	return code;
}

/* ------------------------------------------------------------------ write commands */

static int sub_alias(const char *cmd, struct opts *o)
{
	if (o->del && o->npos == 3)
		return cli_usage_error(cmd, "--delete takes no VERSION (usage: cairn models alias NAME ALIAS --delete)");
	int code;
	int writes = o->del || o->npos == 3;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, !writes, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	struct store_actor who = { who_user(o), o->reason };
	int ret;
	if (o->del) {
		ret = s->delete_alias(s->ctx, o->pos[0], o->pos[1], &who, &err);
		if (ret == 0)
			printf("deleted alias '%s' of model '%s'\n", o->pos[1], o->pos[0]);
	} else if (o->npos == 3) {
		ret = s->set_alias(s->ctx, o->pos[0], o->pos[1], o->pos[2], &who, &err);
		if (ret == 0)
			printf("alias '%s' of model '%s' -> version %s\n", o->pos[1], o->pos[0], o->pos[2]);
	} else {
		struct store_model_version v;
		ret = s->get_model_version_by_alias(s->ctx, o->pos[0], o->pos[1], &a, &v, &err);
		if (ret == CAIRN_EINVAL && store_validate_alias(o->pos[1], NULL) == 0) {
			/* The store answers MLflow's INVALID_PARAMETER_VALUE; for a person it is a miss. */
			err.code = CAIRN_ENOENT;
			ret = CAIRN_ENOENT;
		}
		if (ret == 0)
			printf("%s\n", v.version);
	}
	code = ret == 0 ? CLI_EXIT_OK : cli_report_error(cmd, &err);
	arena_release(&a);
	promote_access_close(s);
	return code;
}

static int sub_archive(const char *cmd, struct opts *o)
{
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 0, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	struct store_actor who = { who_user(o), o->reason };
	struct store_model_version v;
	int ret = s->transition_stage(s->ctx, o->pos[0], o->pos[1], "Archived", 0, &who, &a,
						       &v, &err);
	if (ret == 0)
		printf("model '%s' version %s is now Archived\n", o->pos[0], v.version);
	code = ret == 0 ? CLI_EXIT_OK : cli_report_error(cmd, &err);
	arena_release(&a);
	promote_access_close(s);
	return code;
}

static int sub_delete(const char *cmd, struct opts *o)
{
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 0, &ra, &code) != 0)
		return code;
	struct cairn_error err = {0};
	struct store_actor who = { who_user(o), o->reason };
	int ret;
	if (o->npos == 2) {
		ret = s->delete_model_version(s->ctx, o->pos[0], o->pos[1], &who, &err);
		if (ret == 0)
			printf("deleted version %s of model '%s'\n", o->pos[1], o->pos[0]);
	} else {
		ret = s->delete_registered_model(s->ctx, o->pos[0], &err);
		if (ret == 0)
			printf("deleted model '%s' with all its versions\n", o->pos[0]);
	}
	code = ret == 0 ? CLI_EXIT_OK : cli_report_error(cmd, &err);
	promote_access_close(s);
	return code;
}

/* ------------------------------------------------------------------ promotion */

static int print_report_json(const struct promote_report *r, const char *stage, int refused)
{
	json_t *gates = json_array();
	for (size_t i = 0; gates && i < r->ngates; i++)
		json_array_append_new(gates, json_pack("{s:s,s:b,s:s}", "gate", r->gates[i].gate, "passed",
						       r->gates[i].passed, "detail", r->gates[i].detail));
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:o}", "name", r->name, "version", r->version,
			      "alias", r->alias, "previous_holder", r->current_holder, "promoted",
			      r->promoted, "refused", refused, "gates", gates ? gates : json_array());
	if (o && stage)
		json_object_set_new(o, "stage", json_string(stage));
	return cli_json_print(o, stdout) == 0 ? 0 : CAIRN_EIO;
}

static int do_promote(const char *cmd, struct opts *o, const struct registry_access *s, struct arena *a,
		      const char *name, const char *version)
{
	struct cairn_error err = {0};
	struct promote_policy pol;
	const struct promote_policy *policy = NULL;
	if (o->policy) {
		int ret = promote_policy_load(o->policy, a, &pol, &err);
		if (ret != 0) {
			cli_errorf(cmd, "%s", err.msg);
			return ret == CAIRN_EINVAL || ret == CAIRN_ENOENT ? CLI_EXIT_USAGE : CLI_EXIT_IO;
		}
		policy = &pol;
	}
	const char *alias = o->to ? o->to : "production";
	if (store_validate_alias(alias, &err) != 0)
		return cli_usage_error(cmd, "--to: %s", err.msg);
	const char *stage = NULL;
	if (o->stage && o->no_stage)
		return cli_usage_error(cmd, "--stage and --no-stage exclude each other");
	if (o->stage) {
		int st = store_stage_parse(o->stage);
		if (st < 0)
			return cli_usage_error(cmd, "invalid --stage '%s': expected None, Staging, Production "
					       "or Archived", o->stage);
		stage = store_stage_name(st);
	} else if (!o->no_stage) {
		stage = promote_default_stage(alias);
	}
	struct promote_request req = {
		.name = name, .version = version, .alias = alias, .stage = stage,
		.archive_previous = !o->no_archive, .policy = policy,
		.who = { who_user(o), o->reason ? o->reason
					       : (policy ? arena_printf(a, "gates of %s passed", policy->path)
							 : "promoted without a policy") },
	};
	struct promote_report rep;
	int ret = promote_version_via(s, &req, a, &rep, &err);
	if (ret != 0 && ret != CAIRN_ESTATE)
		return cli_report_error(cmd, &err);
	int refused = ret == 0 && !rep.passed;
	if (o->output == CLI_OUTPUT_JSON) {
		if (print_report_json(&rep, stage, refused || ret != 0) != 0)
			return CLI_EXIT_IO;
	} else {
		printf("promoting model '%s' version %s to alias '%s'%s%s (current holder: %s)\n", name,
		       rep.version, alias, stage ? ", stage " : "", stage ? stage : "",
		       *rep.current_holder ? rep.current_holder : "none");
		if (!policy)
			printf("  no policy: no gates to check\n");
		for (size_t i = 0; i < rep.ngates; i++)
			printf("  %s  %s  (%s)\n", rep.gates[i].passed ? "PASS" : "FAIL", rep.gates[i].gate,
			       rep.gates[i].detail);
	}
	if (ret == CAIRN_ESTATE)
		return cli_report_error(cmd, &err);
	if (refused) {
		size_t failed = 0;
		for (size_t i = 0; i < rep.ngates; i++)
			failed += !rep.gates[i].passed;
		if (o->output != CLI_OUTPUT_JSON)
			printf("refused: %zu of %zu gates failed; nothing changed\n", failed, rep.ngates);
		return CLI_EXIT_FAILED;
	}
	if (o->output != CLI_OUTPUT_JSON) {
		if (rep.already)
			printf("version %s already holds '%s'%s\n", rep.version, alias,
			       stage ? "; stage checked" : "");
		else
			printf("promoted: '%s' -> version %s%s%s\n", alias, rep.version,
			       *rep.current_holder && !o->no_archive ? "; previous holder archived: version " : "",
			       *rep.current_holder && !o->no_archive ? rep.current_holder : "");
	}
	return CLI_EXIT_OK;
}

static int sub_promote(const char *cmd, struct opts *o)
{
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 0, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	code = do_promote(cmd, o, s, &a, o->pos[0], o->pos[1]);
	arena_release(&a);
	promote_access_close(s);
	return code;
}

static int sub_promote_best(const char *cmd, struct opts *o)
{
	if (!o->metric || !*o->metric)
		return cli_usage_error(cmd, "promote-best needs --metric METRIC");
	int code;
	struct registry_access ra, *s = &ra;
	if (open_access(cmd, o, 0, &ra, &code) != 0)
		return code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	const char *version;
	double value;
	if (promote_pick_best_via(s, o->pos[0], o->metric, o->lower, &a, &version, &value, &err) != 0) {
		code = cli_report_error(cmd, &err);
		goto out;
	}
	if (o->output != CLI_OUTPUT_JSON)
		printf("best version of '%s' by %s (%s): version %s (%s = %.6g)\n", o->pos[0], o->metric,
		       o->lower ? "lowest" : "highest", version, o->metric, value);
	code = do_promote(cmd, o, s, &a, o->pos[0], version);
out:
	arena_release(&a);
	promote_access_close(s);
	return code;
}

/* ------------------------------------------------------------------ table */

#define OUT_TJ (CLI_OUTPUT_BIT(CLI_OUTPUT_TABLE) | CLI_OUTPUT_BIT(CLI_OUTPUT_JSON))
#define OUT_XJ (CLI_OUTPUT_BIT(CLI_OUTPUT_TEXT) | CLI_OUTPUT_BIT(CLI_OUTPUT_JSON))
#define OUT_T (CLI_OUTPUT_BIT(CLI_OUTPUT_TEXT))
#define PROMOTE_OPTS (BIT(OPT_OUTPUT) | BIT(OPT_REASON) | BIT(OPT_USER) | BIT(OPT_TO) | \
		      BIT(OPT_POLICY) | BIT(OPT_STAGE) | BIT(OPT_NO_STAGE) | BIT(OPT_NO_ARCHIVE))

static const struct sub subs[] = {
	{ "list", sub_list, BIT(OPT_OUTPUT) | BIT(OPT_FILTER) | BIT(OPT_ORDER_BY) | BIT(OPT_MAX), 0, 0,
	  OUT_TJ, "list [--filter F] [--order-by C] [--max-results N]" },
	{ "show", sub_show, BIT(OPT_OUTPUT), 1, 1, OUT_XJ, "show NAME" },
	{ "versions", sub_versions, BIT(OPT_OUTPUT), 1, 1, OUT_TJ, "versions NAME" },
	{ "history", sub_history, BIT(OPT_OUTPUT) | BIT(OPT_VERSION), 1, 1, OUT_TJ,
	  "history NAME [--version V]" },
	{ "alias", sub_alias, BIT(OPT_DELETE) | BIT(OPT_REASON) | BIT(OPT_USER), 2, 3, OUT_T,
	  "alias NAME ALIAS [VERSION | --delete]" },
	{ "archive", sub_archive, BIT(OPT_REASON) | BIT(OPT_USER), 2, 2, OUT_T, "archive NAME VERSION" },
	{ "delete", sub_delete, BIT(OPT_REASON) | BIT(OPT_USER), 1, 2, OUT_T, "delete NAME [VERSION]" },
	{ "promote", sub_promote, PROMOTE_OPTS, 2, 2, OUT_XJ,
	  "promote NAME VERSION [--to ALIAS] [--policy FILE]" },
	{ "promote-best", sub_promote_best, PROMOTE_OPTS | BIT(OPT_METRIC) | BIT(OPT_LOWER), 1, 1, OUT_XJ,
	  "promote-best NAME --metric M [--to ALIAS] [--policy FILE]" },
};

int cmd_models(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		char cmd[64];
		snprintf(cmd, sizeof cmd, CMD " %s", subs[i].name);
		struct opts o;
		int rc = parse_opts(cmd, &subs[i], argc - 1, argv + 1, &o);
		if (rc == -1) {
			printf("usage: cairn models %s [options]\n\n", subs[i].synopsis);
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (rc != 0)
			return rc;
		return subs[i].fn(cmd, &o);
	}
	return cli_usage_error(CMD, "unknown subcommand '%s' (list, show, versions, history, alias, "
			       "archive, delete, promote, promote-best)", argv[1]);
}
