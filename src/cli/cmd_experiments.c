/*
 * `cairn experiments list|create`: directly on the tracking store, no server needed.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

#define CMD "experiments"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairn experiments <subcommand> [options]\n"
		"\n"
		"List and create experiments directly in a tracking store (no server needed).\n"
		"\n"
		"Subcommands:\n"
		"  list     list experiments (cairn experiments list --help)\n"
		"  create   create an experiment (cairn experiments create --help)\n"
		"\n"
		"Examples:\n"
		"  cairn experiments list --view all\n"
		"  cairn experiments create churn --tag team=growth\n");
}

static void usage_list(FILE *out)
{
	fprintf(out,
		"usage: cairn experiments list [options]\n"
		"\n"
		"List the experiments of a tracking store, newest first.\n"
		"\n"
		"Options:\n"
		"      --backend-store-uri URI  the store (default $" CLI_STORE_URI_ENV " or " CLI_DEFAULT_STORE_URI ")\n"
		"      --view VIEW              active (default), deleted or all\n"
		"      --filter FILTER          MLflow search filter, e.g. \"name LIKE 'churn%%'\" or\n"
		"                               \"tags.team = 'growth'\"\n"
		"      --order-by CLAUSE        e.g. \"name ASC\"; may be repeated\n"
		"      --max-results N          show at most N experiments (default: all)\n"
		"      --output FORMAT          table (default) or json (the REST API's shape)\n"
		"      --help                   show this help\n"
		"\n"
		"Examples:\n"
		"  cairn experiments list\n"
		"  cairn experiments list --view all --filter \"name LIKE 'churn%%'\" --output json\n");
}

static void usage_create(FILE *out)
{
	fprintf(out,
		"usage: cairn experiments create NAME [options]\n"
		"\n"
		"Create an experiment and print its id.\n"
		"\n"
		"Options:\n"
		"      --backend-store-uri URI    the store (default $" CLI_STORE_URI_ENV " or " CLI_DEFAULT_STORE_URI ")\n"
		"      --artifact-location URI    artifact location (default <default root>/<id>,\n"
		"                                 i.e. mlflow-artifacts:/<id>)\n"
		"      --tag KEY=VALUE            an experiment tag; may be repeated\n"
		"      --output FORMAT            text (default) or json ({\"experiment_id\": ...})\n"
		"      --help                     show this help\n"
		"\n"
		"Examples:\n"
		"  cairn experiments create churn\n"
		"  cairn experiments create churn --tag team=growth --tag owner=ana\n");
}

enum { OPT_STORE = 256, OPT_VIEW, OPT_FILTER, OPT_ORDER_BY, OPT_MAX, OPT_OUTPUT, OPT_HELP,
       OPT_LOCATION, OPT_TAG };

static int bad_option(const char *cmd, char **argv, int c)
{
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

static int print_table(struct arena *a, const struct store_experiment *e, size_t n)
{
	static const char *const headers[] = { "ID", "NAME", "STAGE", "CREATED", "ARTIFACT LOCATION" };
	static const size_t caps[] = { 20, 40, 8, 19, 60 };
	struct cli_table t;
	if (cli_table_init(&t, a, 5, headers, caps) != 0)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *row[5] = { e[i].experiment_id, e[i].name, e[i].lifecycle_stage,
				       cli_format_time(a, e[i].creation_time), e[i].artifact_location };
		if (cli_table_add_row(&t, row) != 0)
			return CAIRN_ENOMEM;
	}
	cli_table_print(&t, stdout);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend-store-uri", required_argument, NULL, OPT_STORE },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "order-by", required_argument, NULL, OPT_ORDER_BY },
		{ "max-results", required_argument, NULL, OPT_MAX },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = CMD " list";
	const char *uri = NULL, *filter = NULL;
	const char *order_by[16];
	size_t norder = 0;
	int view = STORE_VIEW_ACTIVE_ONLY, output = CLI_OUTPUT_TABLE, rc;
	long long max = 0;

	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_STORE: uri = optarg; break;
		case OPT_FILTER: filter = optarg; break;
		case OPT_VIEW:
			if ((rc = cli_parse_view(cmd, optarg, &view)))
				return rc;
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
	struct store_experiment *all = NULL;
	size_t n = 0, alloc = 0;
	const char *token = NULL;
	/* Page through the store; it caps one page at STORE_EXPERIMENTS_MAX_RESULTS. */
	do {
		struct store_experiment_query q = {
			.view_type = view, .filter = filter, .order_by = norder ? order_by : NULL,
			.norder_by = norder, .page_token = token,
		};
		long long want = max ? max - (long long)n : STORE_EXPERIMENTS_MAX_RESULTS;
		q.max_results = want < STORE_EXPERIMENTS_MAX_RESULTS ? want : STORE_EXPERIMENTS_MAX_RESULTS;
		struct store_experiment_page page = {0};
		if (store_search_experiments(s, &q, &a, &page, &err) != 0) {
			exit_code = cli_report_error(cmd, &err);
			goto out;
		}
		if (n + page.n > alloc) {
			size_t na = (n + page.n) * 2;
			struct store_experiment *grown = arena_alloc(&a, na * sizeof *grown);
			if (!grown) {
				cairn_error_set(&err, CAIRN_ENOMEM, "out of memory listing experiments");
				exit_code = cli_report_error(cmd, &err);
				goto out;
			}
			if (n)
				memcpy(grown, all, n * sizeof *grown);
			all = grown;
			alloc = na;
		}
		if (page.n)
			memcpy(all + n, page.experiments, page.n * sizeof *all);
		n += page.n;
		token = page.next_page_token && *page.next_page_token ? page.next_page_token : NULL;
	} while (token && (!max || (long long)n < max));

	if (output == CLI_OUTPUT_JSON) {
		json_t *root = json_object();
		json_t *arr = json_array();
		int bad = !root || !arr;
		for (size_t i = 0; i < n && !bad; i++) {
			json_t *e = cli_json_experiment(&all[i]);
			bad = !e || json_array_append_new(arr, e) != 0;
		}
		if (!bad && n)
			bad = json_object_set(root, "experiments", arr) != 0;
		json_decref(arr);
		if (bad) {
			json_decref(root);
			cairn_error_set(&err, CAIRN_ENOMEM, "out of memory writing JSON");
			exit_code = cli_report_error(cmd, &err);
			goto out;
		}
		if (cli_json_print(root, stdout) != 0)
			exit_code = CLI_EXIT_IO;
	} else if (print_table(&a, all, n) != 0) {
		cairn_error_set(&err, CAIRN_ENOMEM, "out of memory printing the table");
		exit_code = cli_report_error(cmd, &err);
	}
out:
	arena_release(&a);
	store_close(s);
	return exit_code;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend-store-uri", required_argument, NULL, OPT_STORE },
		{ "artifact-location", required_argument, NULL, OPT_LOCATION },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = CMD " create";
	const char *uri = NULL, *location = NULL;
	int output = CLI_OUTPUT_TEXT, rc;
	struct arena a;
	arena_init(&a, 0);
	struct store_tag *tags = NULL;
	size_t ntags = 0;
	int exit_code = CLI_EXIT_OK;
	struct store *s = NULL;

	if (argc > 1) {
		tags = arena_alloc(&a, (size_t)argc * sizeof *tags);
		if (!tags) {
			cli_errorf(cmd, "out of memory");
			exit_code = CLI_EXIT_IO;
			goto out;
		}
	}
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_STORE: uri = optarg; break;
		case OPT_LOCATION: location = optarg; break;
		case OPT_TAG: {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				exit_code = cli_usage_error(cmd, "invalid --tag '%s': expected KEY=VALUE", optarg);
				goto out;
			}
			tags[ntags].key = arena_strndup(&a, optarg, (size_t)(eq - optarg));
			tags[ntags].value = eq + 1;
			if (!tags[ntags].key) {
				cli_errorf(cmd, "out of memory");
				exit_code = CLI_EXIT_IO;
				goto out;
			}
			ntags++;
			break;
		}
		case OPT_OUTPUT:
			if ((rc = cli_parse_output(cmd, optarg, CLI_OUTPUT_BIT(CLI_OUTPUT_TEXT) |
						   CLI_OUTPUT_BIT(CLI_OUTPUT_JSON), &output))) {
				exit_code = rc;
				goto out;
			}
			break;
		case OPT_HELP:
			usage_create(stdout);
			goto out;
		default:
			exit_code = bad_option(cmd, argv, c);
			goto out;
		}
	}
	if (optind >= argc) {
		exit_code = cli_usage_error(cmd, "missing the experiment NAME");
		goto out;
	}
	if (optind + 1 < argc) {
		exit_code = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
		goto out;
	}
	const char *name = argv[optind];
	s = cli_store_open(cmd, uri, 0, &exit_code);
	if (!s)
		goto out;
	struct cairn_error err = {0};
	const char *id = NULL;
	if (store_create_experiment(s, name, location, tags, ntags, &a, &id, &err) != 0) {
		exit_code = cli_report_error(cmd, &err);
		goto out;
	}
	if (output == CLI_OUTPUT_JSON) {
		json_t *o = json_pack("{s:s}", "experiment_id", id);
		if (cli_json_print(o, stdout) != 0)
			exit_code = CLI_EXIT_IO;
	} else {
		printf("Created experiment '%s' with id %s\n", name, id);
	}
out:
	if (s)
		store_close(s);
	arena_release(&a);
	return exit_code;
}

int cmd_experiments(int argc, char **argv)
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
	if (strcmp(sub, "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	return cli_usage_error(CMD, "unknown subcommand '%s' (expected list or create)", sub);
}
