/*
 * `cairn runs list|show`: directly on the tracking store, no server needed.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMD "runs"
#define LIST_DEFAULT_MAX 1000

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairn runs <subcommand> [options]\n"
		"\n"
		"List runs and show one run, directly from a tracking store (no server needed).\n"
		"\n"
		"Subcommands:\n"
		"  list     search runs (cairn runs list --help)\n"
		"  show     show one run with its params, metrics, tags and inputs\n"
		"\n"
		"Examples:\n"
		"  cairn runs list --experiment-id 1 --filter \"metrics.acc > 0.9\"\n"
		"  cairn runs show 0b7c3e1f9a2d4c5e8f6a1b2c3d4e5f60\n");
}

static void usage_list(FILE *out)
{
	fprintf(out,
		"usage: cairn runs list [options]\n"
		"\n"
		"Search the runs of one or more experiments (all experiments by default), with\n"
		"MLflow's filter and order-by grammar. Default order: newest first.\n"
		"\n"
		"Options:\n"
		"      --backend-store-uri URI  the store (default $" CLI_STORE_URI_ENV " or " CLI_DEFAULT_STORE_URI ")\n"
		"      --experiment-id ID       an experiment to search; may be repeated (default: all)\n"
		"      --filter FILTER          e.g. \"metrics.acc > 0.9 AND params.depth = '3'\"\n"
		"      --order-by CLAUSE        e.g. \"metrics.acc DESC\"; may be repeated\n"
		"      --max-results N          show at most N runs (default %d)\n"
		"      --view VIEW              active (default), deleted or all\n"
		"      --output FORMAT          table (default) or json (the REST API's shape)\n"
		"      --help                   show this help\n"
		"\n"
		"Examples:\n"
		"  cairn runs list\n"
		"  cairn runs list --experiment-id 1 --filter \"params.lr = '0.01'\" --order-by \"metrics.f1 DESC\"\n"
		"  cairn runs list --view deleted --output json\n",
		LIST_DEFAULT_MAX);
}

static void usage_show(FILE *out)
{
	fprintf(out,
		"usage: cairn runs show RUN_ID [options]\n"
		"\n"
		"Show one run (in any lifecycle stage): its info, params, latest metrics, tags and\n"
		"dataset inputs.\n"
		"\n"
		"Options:\n"
		"      --backend-store-uri URI  the store (default $" CLI_STORE_URI_ENV " or " CLI_DEFAULT_STORE_URI ")\n"
		"      --output FORMAT          text (default) or json ({\"run\": ...}, the REST API's shape)\n"
		"      --help                   show this help\n"
		"\n"
		"Examples:\n"
		"  cairn runs show 0b7c3e1f9a2d4c5e8f6a1b2c3d4e5f60\n"
		"  cairn runs show 0b7c3e1f9a2d4c5e8f6a1b2c3d4e5f60 --output json\n");
}

enum { OPT_STORE = 256, OPT_EXPERIMENT, OPT_FILTER, OPT_ORDER_BY, OPT_MAX, OPT_VIEW, OPT_OUTPUT,
       OPT_HELP };

static int bad_option(const char *cmd, char **argv, int c)
{
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

static const char *duration_text(struct arena *a, const struct store_run_info *ri)
{
	if (!ri->has_end_time || ri->end_time < ri->start_time)
		return "-";
	double s = (double)(ri->end_time - ri->start_time) / 1000.0;
	if (s < 60)
		return arena_printf(a, "%.1fs", s);
	if (s < 3600)
		return arena_printf(a, "%.1fmin", s / 60);
	return arena_printf(a, "%.1fh", s / 3600);
}

static int print_table(struct arena *a, const struct store_run *runs, size_t n)
{
	static const char *const headers[] = { "RUN ID", "EXPERIMENT", "NAME", "STATUS", "STARTED",
					       "DURATION", "USER" };
	static const size_t caps[] = { 32, 12, 32, 9, 19, 9, 20 };
	struct cli_table t;
	if (cli_table_init(&t, a, 7, headers, caps) != 0)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct store_run_info *ri = &runs[i].info;
		const char *status = store_run_status_name(ri->status);
		const char *row[7] = { ri->run_id, ri->experiment_id, ri->run_name, status ? status : "?",
				       cli_format_time(a, ri->start_time), duration_text(a, ri), ri->user_id };
		if (cli_table_add_row(&t, row) != 0)
			return CAIRN_ENOMEM;
	}
	cli_table_print(&t, stdout);
	return 0;
}

/* Default experiment list: every experiment, deleted ones included, so that --view deleted
 * finds runs of deleted experiments too. */
static int all_experiment_ids(struct store *s, struct arena *a, const char ***ids, size_t *n,
			      struct cairn_error *err)
{
	const char **out = NULL;
	size_t count = 0, alloc = 0;
	const char *token = NULL;
	do {
		struct store_experiment_query q = {
			.view_type = STORE_VIEW_ALL, .max_results = STORE_EXPERIMENTS_MAX_RESULTS,
			.page_token = token,
		};
		struct store_experiment_page page = {0};
		int rc = store_search_experiments(s, &q, a, &page, err);
		if (rc)
			return rc;
		if (count + page.n > alloc) {
			size_t na = (count + page.n) * 2;
			const char **grown = arena_alloc(a, na * sizeof *grown);
			if (!grown)
				return cairn_error_set(err, CAIRN_ENOMEM, "out of memory listing experiments");
			if (count)
				memcpy(grown, out, count * sizeof *grown);
			out = grown;
			alloc = na;
		}
		for (size_t i = 0; i < page.n; i++)
			out[count++] = page.experiments[i].experiment_id;
		token = page.next_page_token && *page.next_page_token ? page.next_page_token : NULL;
	} while (token);
	*ids = out;
	*n = count;
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend-store-uri", required_argument, NULL, OPT_STORE },
		{ "experiment-id", required_argument, NULL, OPT_EXPERIMENT },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "order-by", required_argument, NULL, OPT_ORDER_BY },
		{ "max-results", required_argument, NULL, OPT_MAX },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = CMD " list";
	const char *uri = NULL, *filter = NULL;
	const char *order_by[16];
	size_t norder = 0;
	const char *exp_flags[256];
	size_t nexp = 0;
	int view = STORE_VIEW_ACTIVE_ONLY, output = CLI_OUTPUT_TABLE, rc;
	long long max = LIST_DEFAULT_MAX;

	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_STORE: uri = optarg; break;
		case OPT_FILTER: filter = optarg; break;
		case OPT_EXPERIMENT:
			if (nexp == sizeof exp_flags / sizeof exp_flags[0])
				return cli_usage_error(cmd, "too many --experiment-id flags (at most 256)");
			exp_flags[nexp++] = optarg;
			break;
		case OPT_ORDER_BY:
			if (norder == sizeof order_by / sizeof order_by[0])
				return cli_usage_error(cmd, "too many --order-by clauses (at most 16)");
			order_by[norder++] = optarg;
			break;
		case OPT_MAX:
			if ((rc = cli_parse_int(cmd, "--max-results", optarg, 1, 1000000000, &max)))
				return rc;
			break;
		case OPT_VIEW:
			if ((rc = cli_parse_view(cmd, optarg, &view)))
				return rc;
			break;
		case OPT_OUTPUT:
			if ((rc = cli_parse_output(cmd, optarg, CLI_OUTPUT_BIT(CLI_OUTPUT_TABLE) |
						   CLI_OUTPUT_BIT(CLI_OUTPUT_JSON), &output)))
				return rc;
			break;
		case OPT_HELP:
			usage_list(stdout);
			return CLI_EXIT_OK;
		default:
			return bad_option(cmd, argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

	int exit_code;
	struct store *s = cli_store_open(cmd, uri, 1, &exit_code);
	if (!s)
		return exit_code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	const char *const *ids = exp_flags;
	size_t nids = nexp;
	if (!nexp) {
		const char **found = NULL;
		if (all_experiment_ids(s, &a, &found, &nids, &err) != 0) {
			exit_code = cli_report_error(cmd, &err);
			goto out;
		}
		ids = found;
	}
	struct store_run *all = NULL;
	size_t n = 0, alloc = 0;
	const char *token = NULL;
	int more = 0;
	do {
		struct store_run_query q = {
			.experiment_ids = ids, .nexperiment_ids = nids, .filter = filter, .view_type = view,
			.order_by = norder ? order_by : NULL, .norder_by = norder, .page_token = token,
		};
		long long want = max - (long long)n;
		q.max_results = want < STORE_RUNS_MAX_RESULTS ? want : STORE_RUNS_MAX_RESULTS;
		struct store_run_page page = {0};
		if (store_search_runs(s, &q, &a, &page, &err) != 0) {
			exit_code = cli_report_error(cmd, &err);
			goto out;
		}
		if (n + page.n > alloc) {
			size_t na = (n + page.n) * 2;
			struct store_run *grown = arena_alloc(&a, na * sizeof *grown);
			if (!grown) {
				cairn_error_set(&err, CAIRN_ENOMEM, "out of memory listing runs");
				exit_code = cli_report_error(cmd, &err);
				goto out;
			}
			if (n)
				memcpy(grown, all, n * sizeof *grown);
			all = grown;
			alloc = na;
		}
		if (page.n)
			memcpy(all + n, page.runs, page.n * sizeof *all);
		n += page.n;
		token = page.next_page_token && *page.next_page_token ? page.next_page_token : NULL;
		/* The store emits a token whenever a page is full, even when nothing follows. */
		more = token != NULL && page.n > 0;
	} while (more && (long long)n < max);

	if (output == CLI_OUTPUT_JSON) {
		json_t *root = json_object();
		json_t *arr = json_array();
		int bad = !root || !arr;
		for (size_t i = 0; i < n && !bad; i++) {
			json_t *r = cli_json_run(&all[i]);
			bad = !r || json_array_append_new(arr, r) != 0;
		}
		if (!bad && n)
			bad = json_object_set(root, "runs", arr) != 0;
		json_decref(arr);
		if (bad) {
			json_decref(root);
			cairn_error_set(&err, CAIRN_ENOMEM, "out of memory writing JSON");
			exit_code = cli_report_error(cmd, &err);
			goto out;
		}
		if (cli_json_print(root, stdout) != 0)
			exit_code = CLI_EXIT_IO;
	} else {
		if (print_table(&a, all, n) != 0) {
			cairn_error_set(&err, CAIRN_ENOMEM, "out of memory printing the table");
			exit_code = cli_report_error(cmd, &err);
			goto out;
		}
		if (more && (long long)n >= max)
			fprintf(stderr, "(showing the first %zu runs; use --max-results for more)\n", n);
	}
out:
	arena_release(&a);
	store_close(s);
	return exit_code;
}

static void print_metric_value(double v)
{
	if (isnan(v))
		printf("NaN");
	else if (isinf(v))
		printf("%s", v > 0 ? "Infinity" : "-Infinity");
	else {
		/* The shortest form that reads back as the same double: 0.91, not 0.91000000000000003. */
		char text[64];
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(text, sizeof text, "%.*g", prec, v);
			if (strtod(text, NULL) == v)
				break;
		}
		printf("%s", text);
	}
}

static void print_run_text(struct arena *a, const struct store_run *r)
{
	const struct store_run_info *ri = &r->info;
	const char *status = store_run_status_name(ri->status);
	printf("Run %s\n", ri->run_id);
	printf("  name:            %s\n", ri->run_name ? ri->run_name : "");
	printf("  experiment id:   %s\n", ri->experiment_id ? ri->experiment_id : "");
	printf("  status:          %s\n", status ? status : "?");
	printf("  lifecycle stage: %s\n", ri->lifecycle_stage ? ri->lifecycle_stage : "");
	printf("  user:            %s\n", ri->user_id ? ri->user_id : "");
	printf("  start time:      %s UTC\n", cli_format_time(a, ri->start_time));
	if (ri->has_end_time)
		printf("  end time:        %s UTC (%s)\n", cli_format_time(a, ri->end_time),
		       duration_text(a, ri));
	printf("  artifact uri:    %s\n", ri->artifact_uri ? ri->artifact_uri : "");

	printf("\nParams (%zu)\n", r->nparams);
	for (size_t i = 0; i < r->nparams; i++)
		printf("  %s = %s\n", r->params[i].key, r->params[i].value ? r->params[i].value : "");
	printf("\nMetrics (%zu, latest values)\n", r->nmetrics);
	for (size_t i = 0; i < r->nmetrics; i++) {
		printf("  %s = ", r->metrics[i].key);
		print_metric_value(r->metrics[i].value);
		printf("  (step %lld, %s UTC)\n", (long long)r->metrics[i].step,
		       cli_format_time(a, r->metrics[i].timestamp));
	}
	printf("\nTags (%zu)\n", r->ntags);
	for (size_t i = 0; i < r->ntags; i++)
		printf("  %s = %s\n", r->tags[i].key, r->tags[i].value ? r->tags[i].value : "");
	if (r->ninputs) {
		printf("\nDataset inputs (%zu)\n", r->ninputs);
		for (size_t i = 0; i < r->ninputs; i++) {
			const struct store_dataset *d = &r->inputs[i].dataset;
			printf("  %s (digest %s, source type %s)", d->name, d->digest,
			       d->source_type ? d->source_type : "");
			for (size_t j = 0; j < r->inputs[i].ntags; j++)
				printf("%s%s=%s", j ? ", " : " [", r->inputs[i].tags[j].key,
				       r->inputs[i].tags[j].value);
			printf("%s\n", r->inputs[i].ntags ? "]" : "");
		}
	}
}

static int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend-store-uri", required_argument, NULL, OPT_STORE },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = CMD " show";
	const char *uri = NULL;
	int output = CLI_OUTPUT_TEXT, rc;

	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_STORE: uri = optarg; break;
		case OPT_OUTPUT:
			if ((rc = cli_parse_output(cmd, optarg, CLI_OUTPUT_BIT(CLI_OUTPUT_TEXT) |
						   CLI_OUTPUT_BIT(CLI_OUTPUT_JSON), &output)))
				return rc;
			break;
		case OPT_HELP:
			usage_show(stdout);
			return CLI_EXIT_OK;
		default:
			return bad_option(cmd, argv, c);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "missing the RUN_ID");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	const char *run_id = argv[optind];

	int exit_code;
	struct store *s = cli_store_open(cmd, uri, 1, &exit_code);
	if (!s)
		return exit_code;
	struct arena a;
	arena_init(&a, 0);
	struct cairn_error err = {0};
	struct store_run run;
	memset(&run, 0, sizeof run);
	if (store_get_run(s, run_id, &a, &run, &err) != 0) {
		exit_code = cli_report_error(cmd, &err);
		goto out;
	}
	if (output == CLI_OUTPUT_JSON) {
		json_t *r = cli_json_run(&run);
		json_t *root = r ? json_pack("{s:o}", "run", r) : NULL;
		if (!root) {
			cairn_error_set(&err, CAIRN_ENOMEM, "out of memory writing JSON");
			exit_code = cli_report_error(cmd, &err);
			goto out;
		}
		if (cli_json_print(root, stdout) != 0)
			exit_code = CLI_EXIT_IO;
	} else {
		print_run_text(&a, &run);
	}
out:
	arena_release(&a);
	store_close(s);
	return exit_code;
}

int cmd_runs(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	return cli_usage_error(CMD, "unknown subcommand '%s' (expected list or show)", sub);
}
