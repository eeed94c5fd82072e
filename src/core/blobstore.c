/* The media store (core/blobstore.h): content-addressed files on disk. */
#include "core/blobstore.h"
#include "core/crypto.h"
#include "core/media.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOB_PATH_MAX 4096

static char g_dir[BLOB_PATH_MAX];
static atomic_uint g_seq;

static int io_fail(gz_err *err, const char *what, const char *path)
{
	return gz_err_set(err, GZ_EINTERNAL, "media_store", "媒体文件目录：无法%s %s：%s", what,
	                  path, strerror(errno));
}

int gz_blob_dir_for(const char *db_url, char *out, size_t cap, gz_err *err)
{
	const char *env = getenv("GONGZHI_MEDIA_DIR");
	int n;
	if (env && *env) {
		n = snprintf(out, cap, "%s", env);
	} else if (db_url && !strncmp(db_url, "sqlite:", 7) && db_url[7] &&
	           strcmp(db_url + 7, ":memory:") != 0) {
		n = snprintf(out, cap, "%s.media", db_url + 7);
	} else {
		char key[BLOB_PATH_MAX];
		if (gz_crypto_key_path(db_url, key, sizeof key, err) < 0)
			return gz_err_set(err, GZ_EINTERNAL, "media_dir_unset",
			                  "请设置环境变量 GONGZHI_MEDIA_DIR 指向媒体文件目录"
			                  "（或 GONGZHI_KEY_FILE：默认为密钥文件旁的 media 目录）");
		const char *slash = strrchr(key, '/');
		if (!slash)
			n = snprintf(out, cap, "media");
		else if (slash == key)
			n = snprintf(out, cap, "/media");
		else
			n = snprintf(out, cap, "%.*s/media", (int)(slash - key), key);
	}
	if (n < 0 || (size_t)n >= cap)
		return gz_err_set(err, GZ_EINTERNAL, "media_dir", "媒体文件目录路径过长");
	return 0;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir, gz_err *err)
{
	char p[BLOB_PATH_MAX];
	size_t n = strlen(dir);
	if (!n || n >= sizeof p)
		return gz_err_set(err, GZ_EINTERNAL, "media_dir", "媒体文件目录路径为空或过长");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		char c = p[i];
		p[i] = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			gz_err_set(err, GZ_EINTERNAL, "media_dir", "媒体文件目录：无法创建 %s：%s",
			           p, strerror(errno));
			return -1;
		}
		p[i] = c;
	}
	return 0;
}

int gz_blob_init(const char *dir, gz_err *err)
{
	struct stat sb;
	if (make_dirs(dir, err) < 0)
		return -1;
	if (stat(dir, &sb) < 0)
		return gz_err_set(err, GZ_EINTERNAL, "media_dir", "媒体文件目录：无法访问 %s：%s",
		                  dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return gz_err_set(err, GZ_EINTERNAL, "media_dir", "媒体文件目录 %s 不是目录", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return gz_err_set(err, GZ_EINTERNAL, "media_dir", "媒体文件目录 %s 不可写：%s", dir,
		                  strerror(errno));
	if (strlen(dir) >= sizeof g_dir)
		return gz_err_set(err, GZ_EINTERNAL, "media_dir", "媒体文件目录路径过长");
	snprintf(g_dir, sizeof g_dir, "%s", dir);
	return 0;
}

const char *gz_blob_dir(void)
{
	return g_dir[0] ? g_dir : NULL;
}

int gz_blob_hex_valid(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int gz_blob_path(const char *dir, const char *hex, char *out, size_t cap)
{
	if (!gz_blob_hex_valid(hex))
		return -1;
	int n = snprintf(out, cap, "%s/%.2s/%s", dir, hex, hex + 2);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int gz_blob_put_in(const char *dir, const void *buf, size_t len, char hex[GZ_BLOB_HEX], gz_err *err)
{
	char path[BLOB_PATH_MAX], sub[BLOB_PATH_MAX], tmp[BLOB_PATH_MAX + 64];
	gz_media_sha256_hex(buf, len, hex);
	if (gz_blob_path(dir, hex, path, sizeof path) < 0)
		return gz_err_set(err, GZ_EINTERNAL, "media_store", "媒体文件目录路径过长");
	snprintf(sub, sizeof sub, "%s/%.2s", dir, hex);
	/* Already there (written and synced by whoever renamed it): the subdirectory is
	 * synced again, in case that writer died between its rename and its sync. */
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == len)
		return fsync_dir(sub) < 0 ? io_fail(err, "同步目录", sub) : 0;
	bool made = false;
	if (mkdir(sub, 0700) == 0)
		made = true;
	else if (errno != EEXIST)
		return io_fail(err, "创建目录", sub);
	uint32_t rnd = randombytes_random();
	snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%u-%08x", sub, (long)getpid(),
	         atomic_fetch_add(&g_seq, 1), rnd);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_fail(err, "创建文件", tmp);
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return io_fail(err, "写入", tmp);
	}
	if (close(fd) < 0) {
		unlink(tmp);
		return io_fail(err, "写入", tmp);
	}
	/* Atomic: a concurrent put of the same bytes renames the same content over it. */
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return io_fail(err, "保存", path);
	}
	if (fsync_dir(sub) < 0)
		return io_fail(err, "同步目录", sub);
	if (made && fsync_dir(dir) < 0)
		return io_fail(err, "同步目录", dir);
	return 0;
}

int gz_blob_put(const void *buf, size_t len, char hex[GZ_BLOB_HEX], gz_err *err)
{
	if (!g_dir[0])
		return gz_err_set(err, GZ_EINTERNAL, "media_dir_unset", "媒体文件目录未设置");
	return gz_blob_put_in(g_dir, buf, len, hex, err);
}

int gz_blob_open_in(const char *dir, const char *hex, uint64_t *size, gz_err *err)
{
	char path[BLOB_PATH_MAX];
	if (gz_blob_path(dir, hex, path, sizeof path) < 0)
		return gz_err_set(err, GZ_ENOTFOUND, "media_missing", "没有这个文件");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return gz_err_set(err, GZ_ENOTFOUND, "media_missing", "没有这个文件");
	if (fd < 0)
		return io_fail(err, "读取", path);
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return gz_err_set(err, GZ_EINTERNAL, "media_store", "媒体文件目录：%s 不可读",
		                  path);
	}
	*size = (uint64_t)sb.st_size;
	return fd;
}

int gz_blob_open(const char *hex, uint64_t *size, gz_err *err)
{
	if (!g_dir[0])
		return gz_err_set(err, GZ_EINTERNAL, "media_dir_unset", "媒体文件目录未设置");
	return gz_blob_open_in(g_dir, hex, size, err);
}

/* The bytes of the regular file path (malloc'd) and their length, or NULL with errno. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat sb;
	char *buf = NULL;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (buf = malloc((size_t)sb.st_size + 1))) {
		size_t got = 0;
		while (got < (size_t)sb.st_size) {
			ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got != (size_t)sb.st_size) {
			free(buf);
			buf = NULL;
			errno = EIO;
		}
		*len = got;
	}
	int e = errno;
	close(fd);
	errno = e;
	return buf;
}

int gz_blob_copy_all(const char *src, const char *dst, long *copied, long *bad, gz_err *err)
{
	*copied = *bad = 0;
	DIR *top = opendir(src);
	if (!top)
		return errno == ENOENT ? 0 : io_fail(err, "读取目录", src);
	if (make_dirs(dst, err) < 0) {
		closedir(top);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(top))) {
		if (strlen(e->d_name) != 2 || strspn(e->d_name, "0123456789abcdef") != 2)
			continue;
		char sub[BLOB_PATH_MAX];
		snprintf(sub, sizeof sub, "%s/%s", src, e->d_name);
		DIR *d = opendir(sub);
		if (!d) {
			rc = io_fail(err, "读取目录", sub);
			break;
		}
		struct dirent *f;
		while (rc == 0 && (f = readdir(d))) {
			char hex[GZ_BLOB_HEX], path[BLOB_PATH_MAX], got[GZ_BLOB_HEX];
			if (snprintf(hex, sizeof hex, "%s%s", e->d_name, f->d_name) != 64 ||
			    !gz_blob_hex_valid(hex))
				continue; /* temporaries, anything else */
			struct stat sb;
			if (gz_blob_path(dst, hex, path, sizeof path) == 0 &&
			    stat(path, &sb) == 0) {
				char have[BLOB_PATH_MAX];
				struct stat ss;
				gz_blob_path(src, hex, have, sizeof have);
				if (stat(have, &ss) == 0 && ss.st_size == sb.st_size)
					continue;
			}
			gz_blob_path(src, hex, path, sizeof path);
			size_t len = 0;
			char *buf = read_file(path, &len);
			if (!buf) {
				rc = io_fail(err, "读取", path);
				break;
			}
			gz_media_sha256_hex(buf, len, got);
			if (strcmp(got, hex) != 0)
				(*bad)++;
			else if ((rc = gz_blob_put_in(dst, buf, len, got, err)) == 0)
				(*copied)++;
			free(buf);
		}
		closedir(d);
	}
	closedir(top);
	return rc;
}
