#include "core/log.h"
#include "core/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static void emit(const char *level, const char *fmt, va_list ap)
{
	char line[2048], ts[32];
	int n = snprintf(line, sizeof line, "%s %s ",
	                 gz_time_rfc3339(gz_time_now_ms(), ts, sizeof ts), level);
	n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* One write(2) so lines from several threads never interleave. */
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

void gz_log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("info", fmt, ap);
	va_end(ap);
}

void gz_log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("warn", fmt, ap);
	va_end(ap);
}

void gz_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error", fmt, ap);
	va_end(ap);
}
