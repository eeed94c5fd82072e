/* Logging: one line per event on stderr, "2026-11-29T03:00:00Z level message".
 * The access log (one JSON line per request) is written by http/server.c. */
#ifndef GZ_CORE_LOG_H
#define GZ_CORE_LOG_H

void gz_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gz_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gz_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
