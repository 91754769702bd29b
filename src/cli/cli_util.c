/* Helpers shared by the commands: errors and exit codes, flag values, the store, tables. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *cli_default_store_uri(void)
{
	const char *env = getenv(CLI_STORE_URI_ENV);
	return env && *env ? env : CLI_DEFAULT_STORE_URI;
}

static void vreport(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "cairn%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_errorf(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'cairn %s%s--help' for more information.\n", cmd ? cmd : "", cmd ? " " : "");
	return CLI_EXIT_USAGE;
}

int cli_exit_code_for(int code)
{
	switch (code) {
	case CAIRN_OK:
		return CLI_EXIT_OK;
	case CAIRN_EINVAL:
	case CAIRN_EUNSUPPORTED:
	case CAIRN_ETOOBIG:
		return CLI_EXIT_USAGE;
	case CAIRN_ENOENT:
	case CAIRN_EEXIST:
	case CAIRN_ESTATE:
		return CLI_EXIT_FAILED;
	default:
		return CLI_EXIT_IO;
	}
}

int cli_report_error(const char *cmd, const struct cairn_error *err)
{
	int code = err && err->code ? err->code : CAIRN_EINTERNAL;
	const char *msg = err && err->msg[0] ? err->msg : cairn_strerror(code);
	cli_errorf(cmd, "%s", msg);
	return cli_exit_code_for(code);
}

int cli_report_env_error(const char *cmd, const struct cairn_error *err)
{
	cli_report_error(cmd, err);
	int code = err ? err->code : 0;
	return code == CAIRN_EINVAL || code == CAIRN_EUNSUPPORTED ? CLI_EXIT_USAGE : CLI_EXIT_IO;
}

int cli_parse_int(const char *cmd, const char *flag, const char *value, long long min,
		  long long max, long long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = value && *value ? strtoll(value, &end, 10) : 0;
	if (!value || !*value || errno || !end || *end || v < min || v > max)
		return cli_usage_error(cmd, "invalid value '%s' for %s: expected an integer from %lld to %lld",
				       value ? value : "", flag, min, max);
	*out = v;
	return CLI_EXIT_OK;
}

int cli_parse_view(const char *cmd, const char *value, int *out)
{
	static const struct { const char *name; int view; } views[] = {
		{ "active", STORE_VIEW_ACTIVE_ONLY }, { "deleted", STORE_VIEW_DELETED_ONLY },
		{ "all", STORE_VIEW_ALL }, { "ACTIVE_ONLY", STORE_VIEW_ACTIVE_ONLY },
		{ "DELETED_ONLY", STORE_VIEW_DELETED_ONLY }, { "ALL", STORE_VIEW_ALL },
	};
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
		if (strcmp(value, views[i].name) == 0) {
			*out = views[i].view;
			return CLI_EXIT_OK;
		}
	}
	return cli_usage_error(cmd, "invalid value '%s' for --view: expected active, deleted or all", value);
}

int cli_parse_output(const char *cmd, const char *value, unsigned allowed_mask, int *out)
{
	static const struct { const char *name; int output; } outputs[] = {
		{ "table", CLI_OUTPUT_TABLE }, { "json", CLI_OUTPUT_JSON }, { "text", CLI_OUTPUT_TEXT },
	};
	for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
		if (strcmp(value, outputs[i].name) == 0 && (allowed_mask & CLI_OUTPUT_BIT(outputs[i].output))) {
			*out = outputs[i].output;
			return CLI_EXIT_OK;
		}
	}
	char allowed[64] = "";
	size_t used = 0;
	for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
		if (!(allowed_mask & CLI_OUTPUT_BIT(outputs[i].output)))
			continue;
		int w = snprintf(allowed + used, sizeof allowed - used, "%s%s", used ? ", " : "",
				 outputs[i].name);
		if (w > 0 && (size_t)w < sizeof allowed - used)
			used += (size_t)w;
	}
	return cli_usage_error(cmd, "invalid value '%s' for --output: expected one of %s", value, allowed);
}

struct store *cli_store_open(const char *cmd, const char *uri, int read_only, int *exit_code)
{
	struct cairn_error err = {0};
	struct store_options opts = {0};
	opts.read_only = read_only;
	if (!uri)
		uri = cli_default_store_uri();
	struct store *s = store_open(uri, &opts, &err);
	if (!s) {
		cairn_error_prefix(&err, "opening the store '%s'", uri);
		if (read_only && err.code == CAIRN_EIO) {
			size_t used = strlen(err.msg);
			snprintf(err.msg + used, sizeof err.msg - used,
				 " (readers do not create a database: `cairn server` or `cairn experiments create` does)");
		}
		*exit_code = cli_report_env_error(cmd, &err);
		return NULL;
	}
	*exit_code = CLI_EXIT_OK;
	return s;
}

const char *cli_format_time(struct arena *a, int64_t ms)
{
	if (ms <= 0)
		return "-";
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char text[32];
	if (!gmtime_r(&secs, &tm) || strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return arena_printf(a, "%lld", (long long)ms);
	return arena_strdup(a, text);
}

/* ------------------------------------------------------------------ tables */

int cli_table_init(struct cli_table *t, struct arena *a, size_t ncols, const char *const *headers,
		   const size_t *caps)
{
	memset(t, 0, sizeof *t);
	t->arena = a;
	t->ncols = ncols;
	t->headers = arena_alloc(a, ncols * sizeof *t->headers);
	t->caps = arena_alloc(a, ncols * sizeof *t->caps);
	if (!t->headers || !t->caps)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < ncols; i++) {
		t->headers[i] = headers[i];
		t->caps[i] = caps ? caps[i] : 0;
	}
	return 0;
}

int cli_table_add_row(struct cli_table *t, const char *const *values)
{
	if (t->nrows == t->alloc_rows) {
		size_t n = t->alloc_rows ? t->alloc_rows * 2 : 16;
		const char **cells = arena_alloc(t->arena, n * t->ncols * sizeof *cells);
		if (!cells)
			return CAIRN_ENOMEM;
		if (t->nrows)
			memcpy(cells, t->cells, t->nrows * t->ncols * sizeof *cells);
		t->cells = cells;
		t->alloc_rows = n;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		const char *v = values[i] ? values[i] : "";
		/* Control characters (a newline in a tag value) would break the grid. */
		char *copy = arena_strdup(t->arena, v);
		if (!copy)
			return CAIRN_ENOMEM;
		for (char *p = copy; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		t->cells[t->nrows * t->ncols + i] = copy;
	}
	t->nrows++;
	return 0;
}

/* Display width: code points for valid UTF-8, bytes otherwise. */
static size_t text_width(const char *s)
{
	size_t n = strlen(s);
	return utf8_valid(s, n) ? utf8_length(s, n) : n;
}

static void print_cell(FILE *out, const char *s, size_t cap, size_t width, int pad)
{
	size_t n = strlen(s);
	size_t w = text_width(s);
	if (cap && w > cap) {
		size_t keep = utf8_valid(s, n) ? utf8_prefix_bytes(s, n, cap - 1) : cap - 1;
		fwrite(s, 1, keep, out);
		fputs("\xe2\x80\xa6", out);  /* … */
		w = cap;
	} else {
		fputs(s, out);
	}
	if (pad)
		for (size_t i = w; i < width; i++)
			fputc(' ', out);
}

void cli_table_print(const struct cli_table *t, FILE *out)
{
	size_t widths[32] = {0};
	size_t ncols = t->ncols < 32 ? t->ncols : 32;
	for (size_t c = 0; c < ncols; c++) {
		widths[c] = text_width(t->headers[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = text_width(t->cells[r * t->ncols + c]);
			if (t->caps[c] && w > t->caps[c])
				w = t->caps[c];
			if (w > widths[c])
				widths[c] = w;
		}
	}
	for (size_t c = 0; c < ncols; c++) {
		print_cell(out, t->headers[c], 0, widths[c], c + 1 < ncols);
		if (c + 1 < ncols)
			fputs("  ", out);
	}
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			print_cell(out, t->cells[r * t->ncols + c], t->caps[c], widths[c], c + 1 < ncols);
			if (c + 1 < ncols)
				fputs("  ", out);
		}
		fputc('\n', out);
	}
}
