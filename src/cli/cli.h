/*
 * cli — private to src/cli/: the command prototypes that main.c's table points at, and the
 * helpers every command shares (exit codes, error printing, opening the store, tables, the
 * REST-shaped JSON of store entities).
 *
 * Commands parse their own arguments with getopt_long, call library modules, print, and
 * return an exit code; only main() turns that code into the process status. Nothing below
 * cli/ ever exits.
 *
 * Memory: helpers that return strings allocate them in the caller's arena; tables own their
 * cells in the arena they were created with.
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include "base/base.h"
#include "store/store.h"

#include <stdio.h>

/* Process exit codes (DESIGN.md "CLI"). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,   /* the job failed: not found, already exists, ... */
	CLI_EXIT_USAGE = 2,    /* bad flags, bad values, bad configuration */
	CLI_EXIT_IO = 3,       /* I/O or environment: disk, database, network, port in use */
};

/* A command: `argv[0]` is the command name, the rest its arguments. Returns an exit code. */
typedef int (*cli_command_fn)(int argc, char **argv);

int cmd_server(int argc, char **argv);
int cmd_experiments(int argc, char **argv);
int cmd_runs(int argc, char **argv);

/* The default store URI: $CAIRN_BACKEND_STORE_URI, else CLI_DEFAULT_STORE_URI. */
#define CLI_DEFAULT_STORE_URI "sqlite:///cairn.db"
#define CLI_STORE_URI_ENV "CAIRN_BACKEND_STORE_URI"
const char *cli_default_store_uri(void);

/* "cairn <cmd>: error: <message>" on stderr. */
void cli_errorf(const char *cmd, const char *fmt, ...) CAIRN_PRINTF(2, 3);
/* Usage error: the message, then "Try 'cairn <cmd> --help'." Returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) CAIRN_PRINTF(2, 3);
/* Print err's message for `cmd` and map its code to an exit code (EINVAL/EUNSUPPORTED → 2,
 * ENOENT/EEXIST/ESTATE → 1, everything else → 3). */
int cli_report_error(const char *cmd, const struct cairn_error *err);
int cli_exit_code_for(int cairn_code);
/* For failures to open or create the environment (database, directories): EINVAL and
 * EUNSUPPORTED (a malformed URI) → 2, everything else → 3. */
int cli_report_env_error(const char *cmd, const struct cairn_error *err);

/* Strict flag-value parsers: fill `*out` or print a usage error naming the flag and return
 * CLI_EXIT_USAGE. */
int cli_parse_int(const char *cmd, const char *flag, const char *value, long long min,
		  long long max, long long *out);
/* "active" | "deleted" | "all" (also MLflow's ACTIVE_ONLY, DELETED_ONLY, ALL). */
int cli_parse_view(const char *cmd, const char *value, int *out);
/* Output formats a command accepts: "table", "json", "text". */
enum cli_output { CLI_OUTPUT_TABLE = 1, CLI_OUTPUT_JSON = 2, CLI_OUTPUT_TEXT = 3 };
int cli_parse_output(const char *cmd, const char *value, unsigned allowed_mask, int *out);
#define CLI_OUTPUT_BIT(o) (1u << (o))

/* Open the store named by `uri` (NULL = cli_default_store_uri()); prints the error and
 * returns NULL with *exit_code set on failure. */
struct store *cli_store_open(const char *cmd, const char *uri, int read_only, int *exit_code);

/* "2026-11-25 13:40:00" (UTC) for a millisecond timestamp, "-" for 0. In the arena. */
const char *cli_format_time(struct arena *a, int64_t ms);

/* ------------------------------------------------------------------ tables */

/* Aligned columns for a terminal. A cell longer than its column's cap is cut and ends in
 * "…"; widths count UTF-8 code points. The last column is not padded. */
struct cli_table {
	struct arena *arena;
	size_t ncols;
	const char **headers;
	size_t *caps;            /* per-column width cap, 0 = none */
	const char **cells;      /* row-major, nrows * ncols */
	size_t nrows;
	size_t alloc_rows;
};

int cli_table_init(struct cli_table *t, struct arena *a, size_t ncols, const char *const *headers,
		   const size_t *caps);
/* Copies `values` (ncols strings; NULL prints as ""). Returns 0 or CAIRN_ENOMEM. */
int cli_table_add_row(struct cli_table *t, const char *const *values);
void cli_table_print(const struct cli_table *t, FILE *out);

/* ------------------------------------------------------------------ REST-shaped JSON */

/* The same shapes the REST API answers with (spec §2): unset fields omitted, NaN/±Inf as
 * strings, empty data/inputs as {}. New references; NULL on allocation failure. */
json_t *cli_json_experiment(const struct store_experiment *e);
json_t *cli_json_run_info(const struct store_run_info *ri);
json_t *cli_json_run(const struct store_run *r);
/* Pretty-print `v` followed by a newline; consumes the reference. 0 or CAIRN_EIO. */
int cli_json_print(json_t *v, FILE *out);

#endif
