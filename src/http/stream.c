/* The stream hub (stream.h): one thread owns every event-stream socket once its answer's
 * head has gone out. Streams are in one list (swept by the hub) and in a hash table by
 * key (found by pushes); both under one mutex. Writes are non-blocking and short, so
 * they happen under the mutex; a socket that cannot take more waits for EPOLLOUT. */
#include "http/stream.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define NBUCKETS 1024
#define TICK_MS  1000

struct gz_stream {
	gz_stream *prev, *next;   /* every stream */
	gz_stream *bprev, *bnext; /* the key's bucket */
	int64_t key;
	int fd; /* -1 until adopted */
	char *buf;
	size_t len, off, cap; /* unsent bytes are buf[off, len) */
	int64_t opened_ns, sent_ns;
	bool dead, want_out;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static gz_stream *all;
static gz_stream *buckets[NBUCKETS];
static int nstreams;
static int ep = -1, evfd = -1;
static pthread_t hub;
static bool hub_running;
static atomic_bool stopping;

static size_t bucket_of(int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 54) & (NBUCKETS - 1);
}

static void wake(void)
{
	uint64_t one = 1;
	if (evfd >= 0 && write(evfd, &one, sizeof one) < 0 && errno != EAGAIN)
		gz_log_error("stream hub: wake-up failed: %s", strerror(errno));
}

/* Appends bytes to a stream's queue; false when it would exceed the backlog. Under mu. */
static bool queue(gz_stream *s, const char *data, size_t n)
{
	if (s->len - s->off + n > GZ_STREAM_BACKLOG)
		return false;
	if (s->off && s->off == s->len)
		s->off = s->len = 0;
	if (s->len + n > s->cap) {
		if (s->off) { /* compact before growing */
			memmove(s->buf, s->buf + s->off, s->len - s->off);
			s->len -= s->off;
			s->off = 0;
		}
		size_t cap = s->cap ? s->cap : 1024;
		while (cap < s->len + n)
			cap *= 2;
		if (cap != s->cap) {
			s->buf = gz_realloc(s->buf, cap);
			s->cap = cap;
		}
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return true;
}

/* Unlinks and frees a stream, closing its socket. Under mu. */
static void drop(gz_stream *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (s->bprev)
		s->bprev->bnext = s->bnext;
	else
		buckets[bucket_of(s->key)] = s->bnext;
	if (s->bnext)
		s->bnext->bprev = s->bprev;
	if (s->fd >= 0)
		close(s->fd); /* also leaves the epoll set */
	nstreams--;
	free(s->buf);
	free(s);
}

/* Writes what is queued; marks the stream dead on a write error. Under mu. */
static void flush(gz_stream *s, int64_t now)
{
	while (!s->dead && s->off < s->len) {
		ssize_t n = write(s->fd, s->buf + s->off, s->len - s->off);
		if (n > 0) {
			s->off += (size_t)n;
			s->sent_ns = now;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!s->want_out) {
				struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
				                                   EPOLLET,
				                         .data.ptr = s};
				epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
				s->want_out = true;
			}
			return;
		}
		s->dead = true;
	}
}

static void *hub_main(void *arg)
{
	(void)arg;
	struct epoll_event evs[64];
	while (!atomic_load(&stopping)) {
		int n = epoll_wait(ep, evs, 64, TICK_MS);
		pthread_mutex_lock(&mu);
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr) {
				uint64_t v;
				while (read(evfd, &v, sizeof v) > 0) {
				}
				continue;
			}
			gz_stream *s = evs[i].data.ptr;
			if (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				s->dead = true;
			if (evs[i].events &
			    EPOLLIN) { /* clients send nothing; read to notice EOF */
				char junk[512];
				ssize_t r;
				while ((r = read(s->fd, junk, sizeof junk)) > 0) {
				}
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
					s->dead = true;
			}
		}
		int64_t now = gz_time_mono_ns();
		for (gz_stream *s = all, *next; s; s = next) {
			next = s->next;
			if (s->fd < 0)
				continue;
			if (now - s->opened_ns > (int64_t)GZ_STREAM_MAX_MS * 1000000)
				s->dead = true;
			else if (now - s->sent_ns > (int64_t)GZ_STREAM_PING_MS * 1000000 &&
			         s->off == s->len)
				queue(s, ": ping\n\n", 8);
			flush(s, now);
			if (s->dead)
				drop(s);
		}
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

/* Under mu. */
static bool hub_start(void)
{
	if (hub_running)
		return true;
	ep = epoll_create1(EPOLL_CLOEXEC);
	evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (ep < 0 || evfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, evfd, &ev) < 0 ||
	    pthread_create(&hub, NULL, hub_main, NULL) != 0) {
		gz_log_error("stream hub: cannot start: %s", strerror(errno));
		if (ep >= 0)
			close(ep);
		if (evfd >= 0)
			close(evfd);
		ep = evfd = -1;
		return false;
	}
	hub_running = true;
	return true;
}

gz_stream *gz_stream_open(int64_t key)
{
	pthread_mutex_lock(&mu);
	gz_stream *s = NULL;
	if (atomic_load(&stopping) || nstreams >= GZ_STREAM_MAX || !hub_start())
		goto out;
	size_t b = bucket_of(key);
	int same = 0;
	for (gz_stream *t = buckets[b]; t; t = t->bnext)
		same += t->key == key;
	if (same >= GZ_STREAM_MAX_PER_KEY)
		goto out;
	s = gz_calloc(1, sizeof *s);
	s->key = key;
	s->fd = -1;
	s->opened_ns = s->sent_ns = gz_time_mono_ns();
	s->next = all;
	if (all)
		all->prev = s;
	all = s;
	s->bnext = buckets[b];
	if (buckets[b])
		buckets[b]->bprev = s;
	buckets[b] = s;
	nstreams++;
out:
	pthread_mutex_unlock(&mu);
	return s;
}

void gz_stream_adopt(gz_stream *s, int fd)
{
	pthread_mutex_lock(&mu);
	s->fd = fd;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = s};
	if (fd < 0 || atomic_load(&stopping) || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		drop(s);
	pthread_mutex_unlock(&mu);
	wake(); /* flush what was pushed while it was pending */
}

void gz_stream_push(int64_t key, const char *data, size_t len)
{
	bool any = false;
	pthread_mutex_lock(&mu);
	for (gz_stream *s = buckets[bucket_of(key)]; s; s = s->bnext) {
		if (s->key != key || s->dead)
			continue;
		if (!queue(s, data, len))
			s->dead = true; /* too far behind: it reconnects and reads its inbox */
		any = true;
	}
	pthread_mutex_unlock(&mu);
	if (any)
		wake();
}

void gz_stream_close_key(int64_t key)
{
	bool any = false;
	pthread_mutex_lock(&mu);
	for (gz_stream *s = buckets[bucket_of(key)]; s; s = s->bnext)
		if (s->key == key)
			s->dead = any = true;
	pthread_mutex_unlock(&mu);
	if (any)
		wake();
}

int gz_stream_count(void)
{
	pthread_mutex_lock(&mu);
	int n = nstreams;
	pthread_mutex_unlock(&mu);
	return n;
}

void gz_stream_shutdown(void)
{
	pthread_mutex_lock(&mu);
	bool running = hub_running;
	atomic_store(&stopping, true);
	pthread_mutex_unlock(&mu);
	if (!running)
		return;
	wake();
	pthread_join(hub, NULL);
	pthread_mutex_lock(&mu);
	while (all)
		drop(all);
	close(ep);
	close(evfd);
	ep = evfd = -1;
	hub_running = false;
	pthread_mutex_unlock(&mu);
}
