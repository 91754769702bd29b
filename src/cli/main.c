/*
 * cairn's entry point: `cairn <command> [args]`, dispatched through one table (git's habit).
 * The table drives `--help`, `cairn help <command>` and the "did you mean" hint.
 */
#include "cli/cli.h"
#include "cli/cmd_models.h"

#include <stdlib.h>
#include <string.h>

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

struct cli_command {
	const char *name;
	cli_command_fn fn;
	const char *summary;
};

static const struct cli_command commands[] = {
	{ "server", cmd_server, "Run the MLflow-compatible tracking server" },
	{ "experiments", cmd_experiments, "List and create experiments in a tracking store" },
	{ "runs", cmd_runs, "List runs and show one run from a tracking store" },
	{ "models", cmd_models, "The model registry: list, show, promote through gates, history" },
	{ "version", cmd_version, "Print the version of cairn and of the MLflow API it follows" },
	{ "help", cmd_help, "Show help for cairn or for one command" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: cairn <command> [options] [args]\n"
		"       cairn --help | --version\n"
		"       cairn help <command>\n"
		"\n"
		"cairn is an MLflow-compatible experiment tracking server and toolkit in one binary.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Every command takes --help. Exit codes: 0 ok, 1 the job failed, 2 usage or\n"
		"configuration error, 3 I/O or environment error.\n"
		"\n"
		"Environment:\n"
		"  " CLI_STORE_URI_ENV "   default for --backend-store-uri (" CLI_DEFAULT_STORE_URI ")\n"
		"  CAIRN_LOG                 log level: debug, info, warn, error, off\n"
		"\n"
		"Examples:\n"
		"  cairn server --port 5000\n"
		"  cairn experiments list\n"
		"  cairn runs list --experiment-id 1 --filter \"metrics.acc > 0.9\"\n");
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Levenshtein distance, capped: names are short, a small fixed matrix is enough. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 64;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			size_t m = sub < del ? sub : del;
			d[i][j] = m < ins ? m : ins;
		}
	}
	return d[la][lb];
}

static const char *closest_command(const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;  /* suggest only within two edits, or on a shared prefix */
	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t d = edit_distance(name, commands[i].name);
		if (strlen(name) >= 3 && strncmp(name, commands[i].name, strlen(name)) == 0)
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = commands[i].name;
		}
	}
	return best;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "cairn: '%s' is not a cairn command. See 'cairn --help'.\n", name);
	const char *hint = closest_command(name);
	if (hint)
		fprintf(stderr, "\nThe most similar command is\n\t%s\n", hint);
	return CLI_EXIT_USAGE;
}

static int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: cairn version\n\n"
		       "Print the version of cairn and of the MLflow REST API it follows.\n\n"
		       "Example:\n  cairn version\n");
		return CLI_EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
	printf("cairn %s (MLflow REST API %s)\n", CAIRN_VERSION, CAIRN_MLFLOW_COMPAT_VERSION);
	return CLI_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: cairn help [<command> [<subcommand>]]\n\n"
		       "Show help for cairn or for one command.\n\n"
		       "Examples:\n  cairn help server\n  cairn help runs list\n");
		return CLI_EXIT_OK;
	}
	const struct cli_command *c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	/* `cairn help runs list` → `cairn runs list --help`. */
	char *args[4];
	int n = 0;
	args[n++] = (char *)c->name;
	if (argc > 2)
		args[n++] = argv[2];
	args[n++] = (char *)"--help";
	args[n] = NULL;
	return c->fn(n, args);
}

/* Output that never reached its destination (a full disk, a closed pipe) is a failure. */
static int finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "cairn: error: writing to standard output failed\n");
		return code ? code : CLI_EXIT_IO;
	}
	return code;
}

int main(int argc, char **argv)
{
	log_init_from_env();
	/* Before any jansson value exists: lets the server parse requests into their arenas. */
	json_alloc_install();
	if (argc < 2) {
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *first = argv[1];
	if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0)
		return finish(cmd_help(1, argv + 1));
	if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0)
		return finish(cmd_version(1, argv + 1));
	if (first[0] == '-') {
		fprintf(stderr, "cairn: unknown option '%s'\n", first);
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const struct cli_command *c = find_command(first);
	if (!c)
		return unknown_command(first);
	return finish(c->fn(argc - 1, argv + 1));
}
