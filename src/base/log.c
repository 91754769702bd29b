/* Line-oriented logging to stderr. Each line is formatted in memory and written with one
 * write(2), so lines from concurrent threads never interleave mid-line. */
#include "base/base.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error", "off" };
static const char *const level_tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR", "OFF  " };

int log_parse_level(const char *name)
{
	if (!name)
		return -1;
	for (int i = LOG_DEBUG; i <= LOG_OFF; i++)
		if (str_casecmp_ascii(name, level_names[i]) == 0)
			return i;
	if (str_casecmp_ascii(name, "warning") == 0)
		return LOG_WARN;
	return -1;
}

void log_init_from_env(void)
{
	const char *v = getenv("CAIRN_LOG");
	int lvl = (v && *v) ? log_parse_level(v) : LOG_INFO;
	if (lvl < 0) {
		atomic_store(&log_level, LOG_INFO);
		log_write(LOG_WARN, "CAIRN_LOG: unknown level '%s' (want debug|info|warn|error|off); using info", v);
		return;
	}
	atomic_store(&log_level, lvl);
}

void log_set_level(enum log_level level)
{
	if ((int)level < LOG_DEBUG || level > LOG_OFF)
		level = LOG_INFO;
	atomic_store(&log_level, (int)level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;  /* nowhere left to report a failing stderr */
		}
		p += w;
		n -= (size_t)w;
	}
}

void log_write(enum log_level level, const char *fmt, ...)
{
	if ((int)level < LOG_DEBUG || level >= LOG_OFF)
		return;
	if ((int)level < atomic_load(&log_level))
		return;

	int saved_errno = errno;
	char stamp[64];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int hl = snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			  tm.tm_sec, (long)(ts.tv_nsec / 1000000), level_tags[level]);
	if (hl < 0 || (size_t)hl >= sizeof stamp)
		hl = 0;

	char small[2048];
	char *line = small;
	size_t room = sizeof small;
	va_list ap;
	va_start(ap, fmt);
	va_list ap2;
	va_copy(ap2, ap);
	int ml = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (ml < 0)
		ml = 0;
	size_t total = (size_t)hl + (size_t)ml + 2;
	if (total > room) {
		char *big = cairn_malloc(total);
		if (big) {
			line = big;
			room = total;
		}
	}
	memcpy(line, stamp, (size_t)hl);
	vsnprintf(line + hl, room - (size_t)hl - 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(line);
	/* One record per line: a trailing newline in the message would leave an empty line. */
	while (len > (size_t)hl && line[len - 1] == '\n')
		len--;
	line[len++] = '\n';
	write_all(STDERR_FILENO, line, len);
	if (line != small)
		cairn_free(line);
	errno = saved_errno;
}
