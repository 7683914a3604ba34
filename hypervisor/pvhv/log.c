/*
 * pvhv's log: one line per message on stderr (a file when daemonized),
 * prefixed with the level, filtered by --log-level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "pvhv.h"

static enum hv_log_level level = HV_LOG_INFO;

void hv_log_set_level(enum hv_log_level lvl)
{
	level = lvl;
}

void hv_log(enum hv_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	if (lvl > level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "pvhv %s.%03ld %s: ", when, ts.tv_nsec / 1000000,
		names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
