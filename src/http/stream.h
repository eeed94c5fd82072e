/* Server-Sent Event streams (text/event-stream): connections that stay open after their
 * answer's head, to which the server pushes events as they happen.
 *
 * A handler opens a stream for a key (the account it belongs to) with gz_stream_open,
 * which registers it at once: whatever is pushed for that key from then on is kept for
 * it, so nothing falls between what the handler read and the moment the connection is
 * handed over. It then answers with gz_reply_stream(); once the head and the initial
 * bytes are sent, the worker hands the socket to the stream hub (one thread with its own
 * epoll set), which writes what gz_stream_push() queues, sends a comment line every
 * GZ_STREAM_PING_MS so dead peers are found, and ends every stream after
 * GZ_STREAM_MAX_MS so the client reconnects and its login is checked again.
 *
 * A stream whose client does not read falls behind: past GZ_STREAM_BACKLOG unsent bytes
 * it is closed (the client reconnects and reads what it missed from its inbox). All
 * functions are thread-safe. */
#ifndef GZ_HTTP_STREAM_H
#define GZ_HTTP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define GZ_STREAM_PING_MS     15000
#define GZ_STREAM_MAX_MS      (10 * 60 * 1000)
#define GZ_STREAM_BACKLOG     (256 * 1024)
#define GZ_STREAM_MAX         10000 /* streams open in the process */
#define GZ_STREAM_MAX_PER_KEY 8     /* per key: tabs and devices of one account */

typedef struct gz_stream gz_stream;

/* A new stream for key, already receiving pushes; NULL when the process or the key has
 * too many (the handler answers 429/503). Owned by the request it is given to. */
gz_stream *gz_stream_open(int64_t key);
/* For the HTTP server: the connection that carried the stream's answer is handed over
 * (fd, non-blocking), or died before (fd -1: the stream is dropped). */
void gz_stream_adopt(gz_stream *s, int fd);
/* Queues bytes (whole events) for every stream of key. */
void gz_stream_push(int64_t key, const char *data, size_t len);
/* Ends every stream of key in this process (the account logged out, was disabled or
 * deleted): its other tabs reconnect, and only those whose login still holds get a new
 * stream. In this process only: modules call gz_notify_end_streams (notify.h), which
 * reaches every process. */
void gz_stream_close_key(int64_t key);
/* Streams open now (for /metrics and tests). */
int gz_stream_count(void);
/* Closes every stream and stops the hub (server shutdown). */
void gz_stream_shutdown(void);

#endif
