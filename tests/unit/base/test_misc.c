/* Errors, ids, clocks, logging. */
#include "base/base.h"
#include "../../harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST(error_set_and_clear)
{
	struct cairn_error err = {0};
	CHECK_INT_EQ(cairn_error_set(&err, CAIRN_ENOENT, "run '%s' not found", "abc"), CAIRN_ENOENT);
	CHECK_INT_EQ(err.code, CAIRN_ENOENT);
	CHECK_STR_EQ(err.msg, "run 'abc' not found");
	CHECK_INT_EQ(cairn_error_set(NULL, CAIRN_EIO, "ignored %d", 1), CAIRN_EIO);
	cairn_error_clear(&err);
	CHECK_INT_EQ(err.code, 0);
	CHECK_STR_EQ(err.msg, "");
	cairn_error_clear(NULL);
	/* Long messages are cut, never overflow. */
	char big[3000];
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cairn_error_set(&err, CAIRN_EINVAL, "%s", big);
	CHECK_INT_EQ(strlen(err.msg), sizeof err.msg - 1);
}

TEST(error_prefix)
{
	struct cairn_error err = {0};
	cairn_error_set(&err, CAIRN_EINVAL, "line 3: bad value");
	cairn_error_prefix(&err, "reading %s", "x.csv");
	CHECK_STR_EQ(err.msg, "reading x.csv: line 3: bad value");
	CHECK_INT_EQ(err.code, CAIRN_EINVAL);
	cairn_error_prefix(&err, "step %d", 2);
	CHECK_STR_EQ(err.msg, "step 2: reading x.csv: line 3: bad value");
	/* With no message yet, the prefix becomes the message. */
	cairn_error_clear(&err);
	cairn_error_prefix(&err, "ctx");
	CHECK_STR_EQ(err.msg, "ctx");
	cairn_error_prefix(NULL, "nothing");
	/* Prefixing a full message keeps the prefix and cuts the tail. */
	char big[2000];
	memset(big, 'o', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cairn_error_set(&err, CAIRN_EIO, "%s", big);
	cairn_error_prefix(&err, "pre");
	CHECK_INT_EQ(strlen(err.msg), sizeof err.msg - 1);
	CHECK(strncmp(err.msg, "pre: ooo", 8) == 0);
	/* A prefix longer than the whole message. */
	cairn_error_set(&err, CAIRN_EIO, "old");
	cairn_error_prefix(&err, "%s", big);
	CHECK_INT_EQ(strlen(err.msg), sizeof err.msg - 1);
	CHECK(err.msg[0] == 'o');
}

TEST(error_strerror_names)
{
	CHECK_STR_EQ(cairn_strerror(CAIRN_EINVAL), "invalid argument");
	CHECK_STR_EQ(cairn_strerror(CAIRN_ENOENT), "not found");
	CHECK_STR_EQ(cairn_strerror(CAIRN_OK), "ok");
	static const int codes[] = { CAIRN_EEXIST, CAIRN_ENOMEM, CAIRN_EIO, CAIRN_ETOOBIG, CAIRN_ESTATE,
				     CAIRN_EINTERNAL, CAIRN_EUNSUPPORTED, CAIRN_EBUSY };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		CHECK(strcmp(cairn_strerror(codes[i]), "unknown error") != 0);
	CHECK_STR_EQ(cairn_strerror(-1000), "unknown error");
}

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

TEST(id_hex32_format_and_unique)
{
	enum { N = 2000 };
	static char ids[N][33];
	for (int i = 0; i < N; i++) {
		struct cairn_error err = {0};
		CHECK_INT_EQ(id_new_hex32(ids[i], &err), 0);
		CHECK_INT_EQ(strlen(ids[i]), 32);
		CHECK(is_lower_hex(ids[i], 32));
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			CHECK_MSG(strcmp(ids[i], ids[j]) != 0, "duplicate id %s", ids[i]);
	/* Every hex digit shows up in every position eventually; check a weaker spread. */
	int seen[16] = {0};
	for (int i = 0; i < N; i++)
		seen[ids[i][0] <= '9' ? ids[i][0] - '0' : ids[i][0] - 'a' + 10] = 1;
	for (int k = 0; k < 16; k++)
		CHECK_MSG(seen[k], "first digit %x never seen", k);
}

TEST(id_random_bytes_large)
{
	unsigned char buf[100000];
	memset(buf, 0, sizeof buf);
	CHECK_INT_EQ(id_random_bytes(buf, sizeof buf, NULL), 0);
	size_t zeros = 0;
	for (size_t i = 0; i < sizeof buf; i++)
		zeros += buf[i] == 0;
	CHECK(zeros < 1000);   /* ~390 expected */
	CHECK_INT_EQ(id_random_bytes(buf, 0, NULL), 0);
}

TEST(time_clocks)
{
	int64_t now = time_now_ms();
	CHECK(now > 1700000000000LL);      /* after Nov 2023 */
	CHECK(now < 4102444800000LL);      /* before 2100 */
	int64_t a = time_mono_ns();
	usleep(2000);
	int64_t b = time_mono_ns();
	CHECK(b - a >= 2000000);
}

/* Run fn with stderr redirected to a file; return what was written (cairn_free it). */
static char *capture_stderr(void (*fn)(void))
{
	char path[4096];
	snprintf(path, sizeof path, "%s/stderr.txt", test_tmpdir());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	int saved = dup(STDERR_FILENO);
	CHECK(saved >= 0);
	CHECK(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	fn();
	CHECK(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	char *out = NULL;
	CHECK_INT_EQ(fs_read_all(path, 0, &out, NULL, NULL), 0);
	return out;
}

static void log_some(void)
{
	log_set_level(LOG_INFO);
	log_debug("hidden %d", 1);
	log_info("shown %d", 2);
	log_warn("warned");
	log_error("failed: %s\n", "x");
	log_set_level(LOG_OFF);
	log_error("hidden too");
}

TEST(log_format_and_levels)
{
	char *out = capture_stderr(log_some);
	CHECK(strstr(out, "hidden") == NULL);
	/* "2026-11-25T13:40:00.123Z INFO  shown 2" */
	char *line = out;
	CHECK(strlen(line) > 25);
	CHECK(line[4] == '-' && line[7] == '-' && line[10] == 'T' && line[13] == ':' && line[16] == ':');
	CHECK(line[19] == '.' && line[23] == 'Z' && line[24] == ' ');
	CHECK(strncmp(line + 25, "INFO  shown 2\n", 14) == 0);
	CHECK_STR_CONTAINS(out, "Z WARN  warned\n");
	/* A trailing newline in the message does not make an empty line. */
	CHECK_STR_CONTAINS(out, "Z ERROR failed: x\n");
	CHECK(strstr(out, "\n\n") == NULL);
	int lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	CHECK_INT_EQ(lines, 3);
	cairn_free(out);
}

TEST(log_levels_from_env)
{
	CHECK_INT_EQ(log_parse_level("debug"), LOG_DEBUG);
	CHECK_INT_EQ(log_parse_level("INFO"), LOG_INFO);
	CHECK_INT_EQ(log_parse_level("warn"), LOG_WARN);
	CHECK_INT_EQ(log_parse_level("error"), LOG_ERROR);
	CHECK_INT_EQ(log_parse_level("off"), LOG_OFF);
	CHECK_INT_EQ(log_parse_level("verbose"), -1);
	CHECK_INT_EQ(log_parse_level(""), -1);
	CHECK_INT_EQ(log_parse_level(NULL), -1);

	CHECK(setenv("CAIRN_LOG", "debug", 1) == 0);
	log_init_from_env();
	CHECK_INT_EQ(log_get_level(), LOG_DEBUG);
	CHECK(setenv("CAIRN_LOG", "error", 1) == 0);
	log_init_from_env();
	CHECK_INT_EQ(log_get_level(), LOG_ERROR);
	CHECK(unsetenv("CAIRN_LOG") == 0);
	log_init_from_env();
	CHECK_INT_EQ(log_get_level(), LOG_INFO);
	log_set_level(LOG_WARN);
	CHECK_INT_EQ(log_get_level(), LOG_WARN);
}

static void *log_thread(void *arg)
{
	char fill[300];
	memset(fill, 'a' + (int)(intptr_t)arg, sizeof fill - 1);
	fill[sizeof fill - 1] = '\0';
	for (int i = 0; i < 200; i++)
		log_info("T%d %s", (int)(intptr_t)arg, fill);
	return NULL;
}

static void log_threads(void)
{
	log_set_level(LOG_INFO);
	pthread_t th[8];
	for (intptr_t i = 0; i < 8; i++)
		CHECK(pthread_create(&th[i], NULL, log_thread, (void *)i) == 0);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
}

TEST(log_lines_do_not_interleave)
{
	char *out = capture_stderr(log_threads);
	int lines = 0;
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		char *t = strstr(line, "INFO  T");
		CHECK_MSG(t != NULL, "mangled line: %.60s", line);
		int k = t[7] - '0';
		CHECK(k >= 0 && k < 8);
		char *fill = t + 9;
		CHECK_INT_EQ(strlen(fill), 299);
		for (int j = 0; j < 299; j++)
			CHECK_MSG(fill[j] == 'a' + k, "interleaved line %d", lines);
	}
	CHECK_INT_EQ(lines, 8 * 200);
	cairn_free(out);
}

static void log_long(void)
{
	log_set_level(LOG_INFO);
	char big[10000];
	memset(big, 'L', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_info("<%s>", big);
}

TEST(log_long_line_not_truncated)
{
	char *out = capture_stderr(log_long);
	char *s = strchr(out, '<');
	CHECK(s != NULL);
	CHECK_INT_EQ(strlen(s), 9999 + 3);
	CHECK(s[10000] == '>' && s[10001] == '\n');
	cairn_free(out);
}

TEST_MAIN(error_set_and_clear, error_prefix, error_strerror_names, id_hex32_format_and_unique,
	  id_random_bytes_large, time_clocks, log_format_and_levels, log_levels_from_env,
	  log_lines_do_not_interleave, log_long_line_not_truncated)
