#include "http/static.h"
#include "core/log.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Directory fd of the web root; every file is opened relative to it with
 * O_NOFOLLOW after the path has been checked segment by segment. */
static int root_fd = -1;

int gz_static_init(const char *dir)
{
	if (!dir || !*dir)
		return 0;
	root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		gz_log_warn("web directory %s not found: the UI is not served (%s)", dir,
		            strerror(errno));
		return -1;
	}
	return 0;
}

void gz_static_shutdown(void)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = -1;
}

static const struct {
	const char *ext, *type;
} mime_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"xml", "application/xml; charset=utf-8"},
    {"geojson", "application/geo+json"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
};

static const char *mime_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (!dot)
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
		if (!strcasecmp(dot + 1, mime_types[i].ext))
			return mime_types[i].type;
	return "application/octet-stream";
}

/* Relative path for openat, or NULL if any segment is unsafe: "." / ".." / hidden
 * files, backslashes, control characters. Empty path means the index. */
static const char *safe_rel(gz_req *r, const char *path, gz_err *err)
{
	const char *p = path;
	while (*p == '/')
		p++;
	for (const char *s = p; *s;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0 || s[0] == '.') {
			gz_err_set(err, GZ_EBADREQ, "bad_path", "不允许的路径");
			return NULL;
		}
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == '\\') {
				gz_err_set(err, GZ_EBADREQ, "bad_path", "不允许的路径");
				return NULL;
			}
		s += len;
		if (*s == '/')
			s++;
	}
	return *p ? gz_arena_strdup(&r->arena, p) : "index.html";
}

/* Opens rel under the web root one segment at a time with O_NOFOLLOW, so no symlink
 * anywhere on the path (directory or file) can lead outside the root. Returns the fd,
 * -1 when the file does not exist, -2 when the path is refused (a symlink, a file used
 * as a directory, not a regular file). */
static int open_file(const char *rel, struct stat *st)
{
	int dir = root_fd, fd = -1;
	const char *s = rel;
	for (;;) {
		const char *slash = strchr(s, '/');
		char seg[256];
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if (n == 0 || n >= sizeof seg)
			break;
		memcpy(seg, s, n);
		seg[n] = '\0';
		int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : 0);
		int next = openat(dir, seg, flags);
		if (dir != root_fd)
			close(dir);
		if (next < 0)
			return errno == ENOENT ? -1 : -2;
		if (!slash) {
			fd = next;
			break;
		}
		dir = next;
		s = slash + 1;
	}
	if (fd < 0) {
		if (dir != root_fd)
			close(dir);
		return -1;
	}
	if (fstat(fd, st) < 0) {
		close(fd);
		return -2;
	}
	if (!S_ISREG(st->st_mode)) {
		bool dir = S_ISDIR(st->st_mode);
		close(fd);
		return dir ? -1 : -2; /* a directory is not a file: a client-side route */
	}
	return fd;
}

static bool accepts_gzip(gz_req *r)
{
	const char *ae = gz_req_header(r, "Accept-Encoding");
	if (!ae)
		return false;
	const char *g = strstr(ae, "gzip");
	if (!g)
		return false;
	/* "gzip;q=0" refuses it. */
	const char *q = g + 4;
	while (*q == ' ')
		q++;
	if (*q == ';') {
		q++;
		while (*q == ' ')
			q++;
		if (q[0] == 'q' && q[1] == '=' && strtod(q + 2, NULL) <= 0)
			return false;
	}
	return true;
}

void gz_static_serve(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	if (root_fd < 0) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "未部署网页界面");
		return;
	}
	const char *rel = safe_rel(r, r->path, &err);
	if (!rel) {
		gz_reply_err(r, &err);
		return;
	}
	struct stat st;
	int fd = open_file(rel, &st);
	if (fd == -2) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "文件不存在");
		return;
	}
	if (fd < 0) {
		/* SPA: a path without an extension is a client-side route. */
		const char *last = strrchr(rel, '/');
		if (strchr(last ? last : rel, '.')) {
			gz_reply_error(r, GZ_ENOTFOUND, "not_found", "文件不存在");
			return;
		}
		rel = "index.html";
		fd = open_file(rel, &st);
		if (fd < 0) {
			gz_reply_error(r, GZ_ENOTFOUND, "not_found", "未部署网页界面");
			return;
		}
	}
	const char *type = mime_for(rel);

	/* Pre-compressed sibling, when the client takes gzip. */
	bool gz = false;
	char *gzrel = gz_arena_printf(&r->arena, "%s.gz", rel);
	struct stat gst;
	int gfd = open_file(gzrel, &gst);
	bool has_gz = gfd >= 0;
	if (has_gz && accepts_gzip(r) && gst.st_mtime >= st.st_mtime) {
		close(fd);
		fd = gfd, st = gst, gz = true;
	} else if (has_gz) {
		close(gfd);
	}

	char etag[80];
	snprintf(etag, sizeof etag, "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	             (unsigned long long)st.st_mtim.tv_nsec,
	         gz ? "-gz" : "");
	const char *cache =
	    !strncmp(rel, "assets/", 7) ? "public, max-age=31536000, immutable" : "no-cache";
	const char *inm = gz_req_header(r, "If-None-Match");
	if (inm && (strstr(inm, etag) || !strcmp(inm, "*"))) {
		close(fd);
		gz_reply_raw(r, 304, NULL, "", 0);
	} else {
		gz_reply_fd(r, 200, type, fd, (uint64_t)st.st_size);
		if (gz)
			gz_reply_header(r, "Content-Encoding", "gzip");
		gz_reply_header(r, "X-Content-Type-Options", "nosniff");
	}
	gz_reply_header(r, "ETag", etag);
	gz_reply_header(r, "Cache-Control", cache);
	if (has_gz)
		gz_reply_header(r, "Vary", "Accept-Encoding");
}
