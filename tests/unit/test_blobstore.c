/* core/blobstore.c: the media store. Content-addressed files under DIR/ab/cdef…: the same
 * bytes twice are one file, concurrent writers (threads and processes) of the same or
 * other bytes leave whole files and no temporaries, a directory that cannot be used is an
 * error; and where the store is by default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/blobstore.h"
#include "core/media.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/gz-blob-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* The bytes of the file at path (malloc'd), their length into *len. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 16);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

/* Files under dir/ab whose name starts with ".tmp" (temporaries left behind). */
static int temporaries(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) != 2)
			continue;
		char sub[512];
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		DIR *s = opendir(sub);
		struct dirent *f;
		while (s && (f = readdir(s)))
			n += !strncmp(f->d_name, ".tmp", 4);
		if (s)
			closedir(s);
	}
	if (d)
		closedir(d);
	return n;
}

static void test_blob_same_bytes_twice_are_one_file(void **state)
{
	(void)state;
	char dir[300], path[512], hex[GZ_BLOB_HEX], again[GZ_BLOB_HEX], want[GZ_MEDIA_SHA256_HEX];
	snprintf(dir, sizeof dir, "%s/media", root);
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_blob_init(dir, &err), 0);
	assert_string_equal(gz_blob_dir(), dir);
	const char photo[] = "\xFF\xD8\xFF\xE0 a photo of a broken street lamp";
	assert_int_equal(gz_blob_put(photo, sizeof photo - 1, hex, &err), 0);
	gz_media_sha256_hex(photo, sizeof photo - 1, want);
	assert_string_equal(hex, want);
	/* At DIR/ab/cdef…, whole, readable by the owner only. */
	assert_int_equal(gz_blob_path(dir, hex, path, sizeof path), 0);
	char expect[512];
	snprintf(expect, sizeof expect, "%s/%.2s/%s", dir, hex, hex + 2);
	assert_string_equal(path, expect);
	size_t len = 0;
	char *got = slurp(path, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof photo - 1);
	assert_memory_equal(got, photo, len);
	free(got);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	ino_t ino = 0;
	assert_int_equal(stat(path, &sb), 0);
	ino = sb.st_ino;
	/* Again: the same address, the same file (not rewritten). */
	assert_int_equal(gz_blob_put_in(dir, photo, sizeof photo - 1, again, &err), 0);
	assert_string_equal(again, hex);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_ino, ino);
	/* A truncated file at the address (not what put leaves) is replaced. */
	assert_int_equal(truncate(path, 3), 0);
	assert_int_equal(gz_blob_put_in(dir, photo, sizeof photo - 1, again, &err), 0);
	got = slurp(path, &len);
	assert_int_equal(len, sizeof photo - 1);
	free(got);
	/* Read back through the store. */
	uint64_t size = 0;
	int fd = gz_blob_open(hex, &size, &err);
	assert_true(fd >= 0);
	assert_int_equal(size, sizeof photo - 1);
	close(fd);
	assert_int_equal(temporaries(dir), 0);
}

#define WRITERS 4
#define ROUNDS  25

struct writer {
	const char *dir;
	int id;
	int failures;
};

static void *write_many(void *arg)
{
	struct writer *w = arg;
	char hex[GZ_BLOB_HEX], buf[4096];
	gz_err err;
	for (int i = 0; i < ROUNDS; i++) {
		gz_err_clear(&err);
		/* The same bytes as every other writer, and bytes of its own. */
		memset(buf, 'S', sizeof buf);
		w->failures += gz_blob_put_in(w->dir, buf, sizeof buf, hex, &err) < 0;
		snprintf(buf, sizeof buf, "%%PDF-writer %d round %d", w->id, i);
		w->failures += gz_blob_put_in(w->dir, buf, strlen(buf), hex, &err) < 0;
	}
	return NULL;
}

static void check_after_writers(const char *dir, int nwriters)
{
	char buf[4096], hex[GZ_MEDIA_SHA256_HEX], path[512];
	memset(buf, 'S', sizeof buf);
	gz_media_sha256_hex(buf, sizeof buf, hex);
	assert_int_equal(gz_blob_path(dir, hex, path, sizeof path), 0);
	size_t len = 0;
	char *got = slurp(path, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof buf);
	assert_memory_equal(got, buf, len);
	free(got);
	for (int w = 0; w < nwriters; w++)
		for (int i = 0; i < ROUNDS; i++) {
			snprintf(buf, sizeof buf, "%%PDF-writer %d round %d", w, i);
			gz_media_sha256_hex(buf, strlen(buf), hex);
			assert_int_equal(gz_blob_path(dir, hex, path, sizeof path), 0);
			got = slurp(path, &len);
			assert_non_null(got);
			assert_int_equal(len, strlen(buf));
			assert_memory_equal(got, buf, len);
			free(got);
		}
	assert_int_equal(temporaries(dir), 0);
}

static void test_blob_concurrent_threads(void **state)
{
	(void)state;
	char dir[300];
	snprintf(dir, sizeof dir, "%s/threads", root);
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(mkdir(dir, 0700), 0);
	pthread_t t[WRITERS];
	struct writer w[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){dir, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	check_after_writers(dir, WRITERS);
}

/* Several processes share one store (the servers of one PostgreSQL database). */
static void test_blob_concurrent_processes(void **state)
{
	(void)state;
	char dir[300];
	snprintf(dir, sizeof dir, "%s/processes", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	pid_t kids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			struct writer w = {dir, i, 0};
			write_many(&w);
			_exit(w.failures ? 1 : 0);
		}
	}
	for (int i = 0; i < WRITERS; i++) {
		int status = 0;
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	check_after_writers(dir, WRITERS);
}

static void test_blob_bad_dir_is_an_error(void **state)
{
	(void)state;
	char file[300], under[400], hex[GZ_BLOB_HEX];
	snprintf(file, sizeof file, "%s/not-a-dir", root);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	gz_err err;
	gz_err_clear(&err);
	/* A file where the directory should be. */
	assert_int_equal(gz_blob_init(file, &err), -1);
	assert_string_equal(err.code, "media_dir");
	assert_int_equal(err.kind, GZ_EINTERNAL);
	assert_non_null(strstr(err.message, file));
	/* Under a file: cannot be created. */
	snprintf(under, sizeof under, "%s/media", file);
	gz_err_clear(&err);
	assert_int_equal(gz_blob_init(under, &err), -1);
	assert_string_equal(err.code, "media_dir");
	/* Writing into a store that is not there: an error, nothing written. */
	gz_err_clear(&err);
	assert_int_equal(gz_blob_put_in(under, "%PDF-x", 6, hex, &err), -1);
	assert_string_equal(err.code, "media_store");
	assert_int_equal(err.kind, GZ_EINTERNAL);
	/* Reading what is not there, or what is not an address. */
	uint64_t size;
	gz_err_clear(&err);
	assert_int_equal(gz_blob_open_in(root, hex, &size, &err), -1);
	assert_int_equal(err.kind, GZ_ENOTFOUND);
	gz_err_clear(&err);
	assert_int_equal(gz_blob_open_in(root, "../../etc/passwd", &size, &err), -1);
	assert_int_equal(err.kind, GZ_ENOTFOUND);
	assert_false(gz_blob_hex_valid("ABCDEF"));
	assert_false(
	    gz_blob_hex_valid("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
	assert_true(
	    gz_blob_hex_valid("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

static void test_blob_dir_defaults(void **state)
{
	(void)state;
	char out[512];
	gz_err err;
	gz_err_clear(&err);
	unsetenv("GONGZHI_MEDIA_DIR");
	unsetenv("GONGZHI_KEY_FILE");
	/* SQLite: next to the database. */
	assert_int_equal(
	    gz_blob_dir_for("sqlite:/var/lib/gongzhi/gongzhi.db", out, sizeof out, &err), 0);
	assert_string_equal(out, "/var/lib/gongzhi/gongzhi.db.media");
	/* PostgreSQL: next to the key file, which every process shares. */
	assert_int_equal(gz_blob_dir_for("postgresql://db/gongzhi", out, sizeof out, &err), -1);
	assert_string_equal(err.code, "media_dir_unset");
	assert_non_null(strstr(err.message, "GONGZHI_MEDIA_DIR"));
	setenv("GONGZHI_KEY_FILE", "/etc/gongzhi/gongzhi.key", 1);
	gz_err_clear(&err);
	assert_int_equal(gz_blob_dir_for("postgresql://db/gongzhi", out, sizeof out, &err), 0);
	assert_string_equal(out, "/etc/gongzhi/media");
	setenv("GONGZHI_KEY_FILE", "gongzhi.key", 1);
	assert_int_equal(gz_blob_dir_for("postgresql://db/gongzhi", out, sizeof out, &err), 0);
	assert_string_equal(out, "media");
	/* The setting wins; empty counts as unset. */
	setenv("GONGZHI_MEDIA_DIR", "/srv/media", 1);
	assert_int_equal(gz_blob_dir_for("sqlite:/x.db", out, sizeof out, &err), 0);
	assert_string_equal(out, "/srv/media");
	setenv("GONGZHI_MEDIA_DIR", "", 1);
	assert_int_equal(gz_blob_dir_for("sqlite:/x.db", out, sizeof out, &err), 0);
	assert_string_equal(out, "/x.db.media");
	unsetenv("GONGZHI_MEDIA_DIR");
	unsetenv("GONGZHI_KEY_FILE");
}

/* The media half of a backup: everything once, then only what is missing; a file that no
 * longer matches its address is not copied. */
static void test_blob_copy_all(void **state)
{
	(void)state;
	char src[300], dst[300], hex[GZ_BLOB_HEX], path[512];
	snprintf(src, sizeof src, "%s/copy-src", root);
	snprintf(dst, sizeof dst, "%s/copy-dst/media", root);
	gz_err err;
	gz_err_clear(&err);
	long copied = -1, bad = -1;
	/* Nothing there yet: nothing to copy. */
	assert_int_equal(gz_blob_copy_all(src, dst, &copied, &bad, &err), 0);
	assert_int_equal(copied, 0);
	assert_int_equal(mkdir(src, 0700), 0);
	assert_int_equal(gz_blob_put_in(src, "%PDF-one", 8, hex, &err), 0);
	assert_int_equal(gz_blob_put_in(src, "%PDF-two", 8, hex, &err), 0);
	assert_int_equal(gz_blob_copy_all(src, dst, &copied, &bad, &err), 0);
	assert_int_equal(copied, 2);
	assert_int_equal(bad, 0);
	assert_int_equal(gz_blob_path(dst, hex, path, sizeof path), 0);
	size_t len = 0;
	char *got = slurp(path, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(got, "%PDF-two", 8);
	free(got);
	assert_int_equal(gz_blob_copy_all(src, dst, &copied, &bad, &err), 0);
	assert_int_equal(copied, 0);
	/* A new file and a damaged one. */
	assert_int_equal(gz_blob_put_in(src, "%PDF-three", 10, hex, &err), 0);
	assert_int_equal(gz_blob_put_in(src, "%PDF-four", 9, hex, &err), 0);
	assert_int_equal(gz_blob_path(src, hex, path, sizeof path), 0);
	FILE *f = fopen(path, "r+");
	fputs("X", f);
	fclose(f);
	assert_int_equal(gz_blob_copy_all(src, dst, &copied, &bad, &err), 0);
	assert_int_equal(copied, 1);
	assert_int_equal(bad, 1);
	assert_int_equal(gz_blob_path(dst, hex, path, sizeof path), 0);
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_blob_same_bytes_twice_are_one_file),
	    cmocka_unit_test(test_blob_concurrent_threads),
	    cmocka_unit_test(test_blob_concurrent_processes),
	    cmocka_unit_test(test_blob_bad_dir_is_an_error),
	    cmocka_unit_test(test_blob_dir_defaults),
	    cmocka_unit_test(test_blob_copy_all),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
