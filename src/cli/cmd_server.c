/*
 * `cairn server`: the MLflow-compatible tracking server. Flags follow `mlflow server` where
 * the two overlap, so existing start-up scripts keep working.
 *
 * Signals: SIGINT and SIGTERM are blocked before any thread starts (the store's and the
 * HTTP server's threads inherit the mask), and the main thread waits for them with
 * sigwait(), so shutdown runs in ordinary code rather than in a signal handler.
 */
#include "cli/cli.h"
#include "api/api.h"
#include "http/http.h"

#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define CMD "server"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairn server [options]\n"
		"\n"
		"Run the MLflow-compatible tracking server: the MLflow 2.x REST API under /api/2.0/mlflow\n"
		"and /ajax-api/2.0/mlflow, the artifact proxy under /api/2.0/mlflow-artifacts, /health\n"
		"and /version. Point unmodified MLflow clients at it with\n"
		"MLFLOW_TRACKING_URI=http://HOST:PORT.\n"
		"\n"
		"Once the server listens it prints exactly one line to standard output,\n"
		"\"listening on http://HOST:PORT\" (with the real port when --port is 0). SIGINT or\n"
		"SIGTERM stops it gracefully (exit status 0).\n"
		"\n"
		"Options:\n"
		"  -h, --host HOST              address to listen on (default 127.0.0.1; 0.0.0.0 for all)\n"
		"  -p, --port PORT              port to listen on (default 5000; 0 picks a free port)\n"
		"      --backend-store-uri URI  tracking store: sqlite:///relative.db, sqlite:////abs.db\n"
		"                               or a file path (default $" CLI_STORE_URI_ENV " or\n"
		"                               " CLI_DEFAULT_STORE_URI ")\n"
		"      --default-artifact-root URI\n"
		"                               artifact root of new experiments, which get <URI>/<id>\n"
		"                               (default mlflow-artifacts: when serving artifacts, giving\n"
		"                               mlflow-artifacts:/<id>; else the absolute path ./mlruns)\n"
		"      --artifacts-destination DIR\n"
		"                               where proxied artifacts are stored (default ./mlartifacts)\n"
		"      --serve-artifacts        enable the artifact proxy (default)\n"
		"      --no-serve-artifacts     disable it; its endpoints answer 503\n"
		"      --artifacts-only         serve only the artifact proxy; tracking answers 503\n"
		"  -w, --workers N              HTTP worker threads (default 4)\n"
		"      --access-log             log one line per request\n"
		"      --log-level LEVEL        debug, info, warn, error or off (default $CAIRN_LOG or info)\n"
		"      --help                   show this help\n"
		"\n"
		"Note: as in `mlflow server`, -h is --host; use --help for help.\n"
		"\n"
		"Examples:\n"
		"  cairn server\n"
		"  cairn server --host 0.0.0.0 --port 5000 --backend-store-uri sqlite:////srv/cairn/cairn.db \\\n"
		"      --artifacts-destination /srv/cairn/artifacts\n"
		"  cairn server --port 0 --workers 8 --access-log\n");
}

struct server_flags {
	const char *host;
	long long port;
	const char *store_uri;
	const char *default_artifact_root;
	const char *artifacts_destination;
	int serve_artifacts;
	int artifacts_only;
	long long workers;
	int access_log;
	const char *log_level;
};

enum {
	OPT_STORE = 256, OPT_ROOT, OPT_DEST, OPT_SERVE, OPT_NO_SERVE, OPT_ONLY, OPT_ACCESS_LOG,
	OPT_LOG_LEVEL, OPT_HELP,
};

static int parse_flags(int argc, char **argv, struct server_flags *f, int *help)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "backend-store-uri", required_argument, NULL, OPT_STORE },
		{ "default-artifact-root", required_argument, NULL, OPT_ROOT },
		{ "artifacts-destination", required_argument, NULL, OPT_DEST },
		{ "serve-artifacts", no_argument, NULL, OPT_SERVE },
		{ "no-serve-artifacts", no_argument, NULL, OPT_NO_SERVE },
		{ "artifacts-only", no_argument, NULL, OPT_ONLY },
		{ "workers", required_argument, NULL, 'w' },
		{ "access-log", no_argument, NULL, OPT_ACCESS_LOG },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int rc;
	optind = 0;  /* glibc: full re-initialisation, in case getopt ran before */
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":h:p:w:", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'h':
			if (!*optarg)
				return cli_usage_error(CMD, "--host must not be empty");
			f->host = optarg;
			break;
		case 'p':
			if ((rc = cli_parse_int(CMD, "--port", optarg, 0, 65535, &f->port)))
				return rc;
			break;
		case 'w':
			if ((rc = cli_parse_int(CMD, "--workers", optarg, 1, 1024, &f->workers)))
				return rc;
			break;
		case OPT_STORE:
			f->store_uri = optarg;
			break;
		case OPT_ROOT:
			f->default_artifact_root = optarg;
			break;
		case OPT_DEST:
			if (!*optarg)
				return cli_usage_error(CMD, "--artifacts-destination must not be empty");
			f->artifacts_destination = optarg;
			break;
		case OPT_SERVE:
			f->serve_artifacts = 1;
			break;
		case OPT_NO_SERVE:
			f->serve_artifacts = 0;
			break;
		case OPT_ONLY:
			f->artifacts_only = 1;
			break;
		case OPT_ACCESS_LOG:
			f->access_log = 1;
			break;
		case OPT_LOG_LEVEL:
			if (log_parse_level(optarg) < 0)
				return cli_usage_error(CMD, "invalid value '%s' for --log-level: expected debug, info, warn, error or off",
						       optarg);
			f->log_level = optarg;
			break;
		case OPT_HELP:
			*help = 1;
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (f->artifacts_only && !f->serve_artifacts)
		return cli_usage_error(CMD, "--artifacts-only needs the artifact proxy; drop --no-serve-artifacts");
	return CLI_EXIT_OK;
}

/* MLflow's default root when artifacts are not proxied: ./mlruns, made absolute so that the
 * artifact_location stored with each experiment does not depend on a later cwd. */
static const char *local_default_root(struct arena *a)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	return arena_printf(a, "%s/mlruns", strcmp(cwd, "/") == 0 ? "" : cwd);
}

int cmd_server(int argc, char **argv)
{
	struct server_flags f = {
		.host = "127.0.0.1", .port = 5000, .store_uri = NULL, .default_artifact_root = NULL,
		.artifacts_destination = "./mlartifacts", .serve_artifacts = 1, .workers = 4,
	};
	int help = 0;
	int rc = parse_flags(argc, argv, &f, &help);
	if (rc)
		return rc;
	if (help) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (f.log_level)
		log_set_level((enum log_level)log_parse_level(f.log_level));
	if (!f.store_uri)
		f.store_uri = cli_default_store_uri();

	struct arena arena;
	arena_init(&arena, 0);
	struct cairn_error err = {0};
	struct store *store = NULL;
	struct artifact_store *artifacts = NULL;
	struct http_route *routes = NULL;
	size_t nroutes = 0;
	struct http_server *srv = NULL;
	int exit_code = CLI_EXIT_OK;

	/* Before any thread exists, so that every thread inherits the mask and the signals are
	 * delivered only to sigwait() below. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &stop_signals, NULL) != 0) {
		cli_errorf(CMD, "cannot block SIGINT/SIGTERM");
		exit_code = CLI_EXIT_IO;
		goto out;
	}
	/* A client hanging up mid-response must not kill the server. */
	struct sigaction ign;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);

	const char *root = f.default_artifact_root;
	if (!root)
		root = f.serve_artifacts ? "mlflow-artifacts:" : local_default_root(&arena);
	if (!root) {
		cli_errorf(CMD, "cannot determine the current directory for the default artifact root; pass --default-artifact-root");
		exit_code = CLI_EXIT_IO;
		goto out;
	}

	if (!f.artifacts_only) {
		struct store_options so = {0};
		so.default_artifact_root = root;
		/* Checkpoints off the request path (every 5 s, or sooner when the WAL is long):
		 * no request waits for a checkpoint inside its write transaction. */
		so.background_checkpoint_ms = 5000;
		store = store_open(f.store_uri, &so, &err);
		if (!store) {
			cairn_error_prefix(&err, "opening the backend store '%s'", f.store_uri);
			exit_code = cli_report_env_error(CMD, &err);
			goto out;
		}
	}
	if (f.serve_artifacts) {
		if (fs_mkdirs(f.artifacts_destination, &err) != 0) {
			cairn_error_prefix(&err, "creating --artifacts-destination '%s'", f.artifacts_destination);
			exit_code = cli_report_env_error(CMD, &err);
			goto out;
		}
		artifacts = artifact_store_open(f.artifacts_destination, &err);
		if (!artifacts) {
			cairn_error_prefix(&err, "opening --artifacts-destination '%s'", f.artifacts_destination);
			exit_code = cli_report_env_error(CMD, &err);
			goto out;
		}
	}

	struct api_context ctx = {
		.store = store,
		.artifacts = artifacts,
		.serve_artifacts = f.serve_artifacts,
		.artifacts_only = f.artifacts_only,
	};
	if (api_build_routes(&ctx, &routes, &nroutes, &err) != 0) {
		exit_code = cli_report_error(CMD, &err);
		goto out;
	}
	struct http_server_options ho = {
		.host = f.host,
		.port = (int)f.port,
		.threads = (int)f.workers,
		.access_log = f.access_log,
		.not_found = api_not_found,
	};
	srv = http_server_start(routes, nroutes, &ho, &err);
	if (!srv) {
		/* Anything that stops the socket from opening (port in use, no such address) is
		 * the environment, not the flags: those were checked above. */
		cli_errorf(CMD, "%s", err.msg[0] ? err.msg : cairn_strerror(err.code));
		exit_code = err.code == CAIRN_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_IO;
		goto out;
	}

	int port = http_server_port(srv);
	int bracket = strchr(f.host, ':') != NULL;  /* IPv6 literal */
	printf("listening on http://%s%s%s:%d\n", bracket ? "[" : "", f.host, bracket ? "]" : "", port);
	fflush(stdout);
	log_info("cairn %s serving MLflow REST %s on %s%s%s:%d (store %s, artifacts %s, %lld workers)",
		 CAIRN_VERSION, CAIRN_MLFLOW_COMPAT_VERSION, bracket ? "[" : "", f.host, bracket ? "]" : "",
		 port, f.artifacts_only ? "(none: --artifacts-only)" : f.store_uri,
		 f.serve_artifacts ? f.artifacts_destination : "(not served)", f.workers);

	for (;;) {
		int sig = 0;
		if (sigwait(&stop_signals, &sig) == 0 && (sig == SIGINT || sig == SIGTERM)) {
			log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
	}

out:
	if (srv)
		http_server_stop(srv);
	cairn_free(routes);
	if (artifacts)
		artifact_store_close(artifacts);
	if (store)
		store_close(store);
	if (exit_code == CLI_EXIT_OK)
		log_info("stopped");
	arena_release(&arena);
	return exit_code;
}
