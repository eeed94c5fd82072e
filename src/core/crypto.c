/* Encryption at rest and keyed lookup hashes. See core/crypto.h for the contract. */
#include "core/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(GZ_CRYPTO_NONCE_BYTES == crypto_secretbox_NONCEBYTES, "nonce size");
_Static_assert(GZ_CRYPTO_MAC_BYTES == crypto_secretbox_MACBYTES, "mac size");
_Static_assert(GZ_CRYPTO_KEY_BYTES == crypto_kdf_KEYBYTES, "kdf key size");
_Static_assert(crypto_secretbox_KEYBYTES == 32, "secretbox key size");

#define KDF_CONTEXT   "gongzhi1" /* crypto_kdf_CONTEXTBYTES == 8 */
#define SUBKEY_BOX    1
#define SUBKEY_LOOKUP 2

struct gz_crypto {
	uint8_t box[crypto_secretbox_KEYBYTES];
	uint8_t lookup[crypto_generichash_KEYBYTES];
};

/* Nonces come from a per-thread pool of random bytes refilled with randombytes_buf():
 * libsodium's default generator makes one getrandom(2) system call per request, which
 * cost more than the encryption itself (≈1.5 µs per seal measured); the pool makes it
 * one refill per 168 nonces. Nonces need to be unique, not secret: 192 random bits per
 * nonce make a collision negligible. A forked child must not hand out the nonces its
 * parent still holds, so the forking thread's pool is emptied in the child
 * (pthread_atfork; only that thread exists in the child). */
#define NONCE_POOL_BYTES (crypto_secretbox_NONCEBYTES * 168)

static _Thread_local struct {
	uint8_t bytes[NONCE_POOL_BYTES];
	size_t pos;  /* next unused byte */
	bool filled; /* false in a new thread and after fork */
} nonce_pool;

static void nonce_pool_forget(void)
{
	nonce_pool.filled = false;
}

static void next_nonce(uint8_t out[crypto_secretbox_NONCEBYTES])
{
	if (!nonce_pool.filled || nonce_pool.pos == NONCE_POOL_BYTES) {
		randombytes_buf(nonce_pool.bytes, NONCE_POOL_BYTES);
		nonce_pool.pos = 0;
		nonce_pool.filled = true;
	}
	memcpy(out, nonce_pool.bytes + nonce_pool.pos, crypto_secretbox_NONCEBYTES);
	/* Erase what was handed out so no later reader of this memory can reuse it. */
	memset(nonce_pool.bytes + nonce_pool.pos, 0, crypto_secretbox_NONCEBYTES);
	nonce_pool.pos += crypto_secretbox_NONCEBYTES;
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "gongzhi: libsodium failed to initialise\n");
		abort();
	}
	pthread_atfork(NULL, NULL, nonce_pool_forget);
}

static void sodium_ready(void)
{
	pthread_once(&sodium_once, sodium_start);
}

gz_crypto *gz_crypto_from_master(const uint8_t master[GZ_CRYPTO_KEY_BYTES])
{
	sodium_ready();
	gz_crypto *c = sodium_malloc(sizeof *c);
	if (!c) {
		fprintf(stderr, "gongzhi: out of memory allocating key storage\n");
		abort();
	}
	crypto_kdf_derive_from_key(c->box, sizeof c->box, SUBKEY_BOX, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(c->lookup, sizeof c->lookup, SUBKEY_LOOKUP, KDF_CONTEXT, master);
	sodium_mprotect_readonly(c);
	return c;
}

void gz_crypto_free(gz_crypto *c)
{
	if (c)
		sodium_free(c); /* makes the region writable, zeroes it, unlocks, frees */
}

/* ------------------------------------------------------------ key file */

static int io_fail(gz_err *err, const char *what, const char *path)
{
	return gz_err_set(err, GZ_EINTERNAL, "key_file_io", "密钥文件 %s %s失败：%s", path, what,
	                  strerror(errno));
}

/* Open and check an existing key file; on success fills master and returns 0.
 * Returns 1 if the file does not exist, -1 on any other failure. */
static int read_key(const char *path, uint8_t *master, gz_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return io_fail(err, "打开", path);
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		io_fail(err, "读取属性", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return gz_err_set(err, GZ_EINTERNAL, "key_file_format", "密钥文件 %s 不是普通文件",
		                  path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return gz_err_set(
		    err, GZ_EINTERNAL, "key_file_mode",
		    "密钥文件 %s 的权限 %03o 过宽（组或其他用户可访问），请执行 chmod 600 %s", path,
		    (unsigned)(st.st_mode & 0777), path);
	}
	if (st.st_size != 32 && st.st_size != 64 && st.st_size != 65) {
		close(fd);
		return gz_err_set(
		    err, GZ_EINTERNAL, "key_file_size",
		    "密钥文件 %s 大小为 %lld 字节，应为 32 字节（或 64 位十六进制数字）", path,
		    (long long)st.st_size);
	}
	/* Read into locked memory: the hex form is as secret as the key. */
	uint8_t *raw = sodium_malloc(66);
	if (!raw) {
		close(fd);
		return gz_err_set(err, GZ_EINTERNAL, "key_file_io", "out of memory");
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, raw + got, 66 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			io_fail(err, "读取", path);
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		gz_err_set(err, GZ_EINTERNAL, "key_file_size", "密钥文件 %s 在读取时被修改", path);
		goto fail;
	}
	if (got == 32) {
		memcpy(master, raw, 32);
	} else {
		size_t bin_len = 0;
		const char *end = NULL;
		bool ok =
		    (got == 64 || raw[64] == '\n') &&
		    sodium_hex2bin(master, 32, (const char *)raw, 64, NULL, &bin_len, &end) == 0 &&
		    bin_len == 32 && end == (const char *)raw + 64;
		if (!ok) {
			gz_err_set(err, GZ_EINTERNAL, "key_file_format",
			           "密钥文件 %s 内容无效：应为 32 字节原始密钥或 64 位十六进制数字",
			           path);
			goto fail;
		}
	}
	sodium_free(raw);
	close(fd);
	return 0;
fail:
	sodium_free(raw);
	close(fd);
	return -1;
}

static int fsync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Create path with a fresh key unless it already exists. Returns 0 when path exists
 * afterwards (ours or a concurrent creator's), -1 on failure. */
static int create_key(const char *path, gz_err *err)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp)
		return gz_err_set(err, GZ_EINTERNAL, "key_file_path", "密钥文件路径过长：%s", path);
	int fd = mkstemp(tmp); /* O_CREAT|O_EXCL, mode 0600 */
	if (fd < 0)
		return io_fail(err, "创建", path);
	uint8_t *key = sodium_malloc(32);
	if (!key) {
		close(fd);
		unlink(tmp);
		return gz_err_set(err, GZ_EINTERNAL, "key_file_io", "out of memory");
	}
	randombytes_buf(key, 32);
	size_t put = 0;
	int rc = 0;
	while (put < 32) {
		ssize_t w = write(fd, key + put, 32 - put);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = io_fail(err, "写入", path);
			break;
		}
		put += (size_t)w;
	}
	sodium_free(key);
	if (rc == 0 && fchmod(fd, 0600) != 0)
		rc = io_fail(err, "设置权限", path);
	if (rc == 0 && fsync(fd) != 0)
		rc = io_fail(err, "同步", path);
	if (close(fd) != 0 && rc == 0)
		rc = io_fail(err, "关闭", path);
	/* link() never replaces an existing file: exactly one creator wins. */
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST)
		rc = io_fail(err, "创建", path);
	unlink(tmp);
	if (rc == 0 && fsync_dir_of(path) != 0)
		rc = io_fail(err, "同步所在目录", path);
	return rc;
}

gz_crypto *gz_crypto_load_or_create(const char *path, gz_err *err)
{
	sodium_ready();
	if (!path || !*path) {
		gz_err_set(err, GZ_EINTERNAL, "key_file_path", "未指定密钥文件");
		return NULL;
	}
	uint8_t *master = sodium_malloc(GZ_CRYPTO_KEY_BYTES);
	if (!master) {
		gz_err_set(err, GZ_EINTERNAL, "key_file_io", "out of memory");
		return NULL;
	}
	gz_crypto *c = NULL;
	int rc = read_key(path, master, err);
	if (rc == 1) {
		if (create_key(path, err) == 0) {
			rc = read_key(path, master, err);
			if (rc == 1) { /* removed between link and read */
				errno = ENOENT;
				io_fail(err, "打开", path);
			}
		}
	}
	if (rc == 0)
		c = gz_crypto_from_master(master);
	sodium_free(master); /* zeroes it */
	return c;
}

int gz_crypto_key_path(const char *db_url, char *out, size_t cap, gz_err *err)
{
	const char *env = getenv("GONGZHI_KEY_FILE");
	int n;
	if (env && *env) {
		n = snprintf(out, cap, "%s", env);
	} else if (db_url && strncmp(db_url, "sqlite:", 7) == 0 && db_url[7] &&
	           strcmp(db_url + 7, ":memory:") != 0) {
		n = snprintf(out, cap, "%s.key", db_url + 7);
	} else {
		return gz_err_set(err, GZ_EINTERNAL, "key_file_unset",
		                  "请设置环境变量 GONGZHI_KEY_FILE 指向个人信息加密密钥文件"
		                  "（PostgreSQL 部署中所有 gongzhi 进程须共用同一个密钥文件）");
	}
	if (n < 0 || (size_t)n >= cap)
		return gz_err_set(err, GZ_EINTERNAL, "key_file_path", "密钥文件路径过长");
	return 0;
}

/* ------------------------------------------------------------ sealing */

void gz_crypto_seal(const gz_crypto *c, const uint8_t *pt, size_t n, uint8_t *out)
{
	next_nonce(out);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, pt, n, out, c->box);
}

int gz_crypto_open(const gz_crypto *c, const uint8_t *in, size_t n, uint8_t *pt, size_t *pt_len)
{
	if (n < GZ_CRYPTO_OVERHEAD)
		return -1;
	size_t len = n - GZ_CRYPTO_OVERHEAD;
	if (crypto_secretbox_open_easy(pt, in + crypto_secretbox_NONCEBYTES,
	                               n - crypto_secretbox_NONCEBYTES, in, c->box) != 0) {
		sodium_memzero(pt, len);
		return -1;
	}
	if (pt_len)
		*pt_len = len;
	return 0;
}

void gz_crypto_lookup_n(const gz_crypto *c, const void *data, size_t n,
                        uint8_t out[GZ_CRYPTO_LOOKUP_BYTES])
{
	crypto_generichash(out, GZ_CRYPTO_LOOKUP_BYTES, data, n, c->lookup, sizeof c->lookup);
}

void gz_crypto_lookup(const gz_crypto *c, const char *normalised,
                      uint8_t out[GZ_CRYPTO_LOOKUP_BYTES])
{
	gz_crypto_lookup_n(c, normalised, strlen(normalised), out);
}

/* ------------------------------------------------------------ process keys */

static gz_crypto *global_keys;

void gz_crypto_set_global(gz_crypto *c)
{
	gz_crypto *old = global_keys;
	global_keys = c;
	if (old && old != c)
		gz_crypto_free(old);
}

const gz_crypto *gz_crypto_global(void)
{
	return global_keys;
}
