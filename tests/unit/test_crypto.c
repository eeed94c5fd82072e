/* Unit tests for core/crypto.c: key file creation and checks, sealing, keyed lookup
 * hashes, key path resolution. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/crypto.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/gz-crypto-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	unsetenv("GONGZHI_KEY_FILE");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char p[512];
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
				if (rmdir(p) != 0)
					unlink(p);
			}
		closedir(d);
	}
	rmdir(dir);
	return 0;
}

static void path_in_dir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_crypto_creates_key_file_0600_and_reloads_same_key(void **state)
{
	(void)state;
	char path[256];
	path_in_dir(path, sizeof path, "db.key");
	gz_err err;
	gz_crypto *a = gz_crypto_load_or_create(path, &err);
	assert_non_null(a);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);

	gz_crypto *b = gz_crypto_load_or_create(path, &err);
	assert_non_null(b);
	const uint8_t msg[] = "13812341234";
	uint8_t sealed[GZ_CRYPTO_SEALED_LEN(sizeof msg)], back[sizeof msg];
	gz_crypto_seal(a, msg, sizeof msg, sealed);
	size_t n = 0;
	assert_int_equal(gz_crypto_open(b, sealed, sizeof sealed, back, &n), 0);
	assert_int_equal(n, sizeof msg);
	assert_memory_equal(back, msg, sizeof msg);
	uint8_t h1[32], h2[32];
	gz_crypto_lookup(a, "13812341234", h1);
	gz_crypto_lookup(b, "13812341234", h2);
	assert_memory_equal(h1, h2, 32);
	gz_crypto_free(a);
	gz_crypto_free(b);

	/* No temporary file is left behind. */
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)))
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);
}

static void test_crypto_seal_open_round_trip_and_fresh_nonces(void **state)
{
	(void)state;
	uint8_t master[32] = {1, 2, 3};
	gz_crypto *c = gz_crypto_from_master(master);
	const char *pt = "110105194912310 02X 张三";
	size_t n = strlen(pt);
	uint8_t s1[128], s2[128], back[128];
	gz_crypto_seal(c, (const uint8_t *)pt, n, s1);
	gz_crypto_seal(c, (const uint8_t *)pt, n, s2);
	assert_memory_not_equal(s1, s2, GZ_CRYPTO_SEALED_LEN(n)); /* random nonces */
	size_t got;
	assert_int_equal(gz_crypto_open(c, s1, GZ_CRYPTO_SEALED_LEN(n), back, &got), 0);
	assert_int_equal(got, n);
	assert_memory_equal(back, pt, n);
	/* Empty plaintext seals to exactly the overhead. */
	uint8_t e[GZ_CRYPTO_OVERHEAD];
	gz_crypto_seal(c, (const uint8_t *)"", 0, e);
	assert_int_equal(gz_crypto_open(c, e, sizeof e, back, &got), 0);
	assert_int_equal(got, 0);
	gz_crypto_free(c);
}

static void test_crypto_open_detects_tampering_and_wrong_key(void **state)
{
	(void)state;
	uint8_t master[32] = {9};
	gz_crypto *c = gz_crypto_from_master(master);
	const uint8_t pt[] = "secret-phone";
	size_t n = sizeof pt, sn = GZ_CRYPTO_SEALED_LEN(sizeof pt);
	uint8_t sealed[GZ_CRYPTO_SEALED_LEN(sizeof pt)], bad[sizeof sealed], back[sizeof pt];
	gz_crypto_seal(c, pt, n, sealed);
	size_t positions[] = {0, 23, 24, 39, 40, sn - 1}; /* nonce, MAC, ciphertext */
	for (size_t i = 0; i < sizeof positions / sizeof *positions; i++) {
		memcpy(bad, sealed, sn);
		bad[positions[i]] ^= 0x01;
		memset(back, 'Z', sizeof back);
		assert_int_equal(gz_crypto_open(c, bad, sn, back, NULL), -1);
		for (size_t k = 0; k < sizeof back; k++)
			assert_int_equal(back[k], 0); /* nothing of a forged plaintext leaks */
	}
	assert_int_equal(gz_crypto_open(c, sealed, sn - 1, back, NULL), -1); /* truncated */
	assert_int_equal(gz_crypto_open(c, sealed, GZ_CRYPTO_OVERHEAD - 1, back, NULL), -1);
	uint8_t other_master[32] = {10};
	gz_crypto *o = gz_crypto_from_master(other_master);
	assert_int_equal(gz_crypto_open(o, sealed, sn, back, NULL), -1);
	gz_crypto_free(o);
	gz_crypto_free(c);
}

static void test_crypto_subkeys_are_kdf_derived_with_context_gongzhi1(void **state)
{
	(void)state;
	/* Pins the stored format: changing the derivation would make every stored value
	 * unreadable, so it is checked against libsodium directly. */
	uint8_t master[32];
	for (int i = 0; i < 32; i++)
		master[i] = (uint8_t)(i * 7 + 1);
	gz_crypto *c = gz_crypto_from_master(master);
	uint8_t box[32], look[32];
	crypto_kdf_derive_from_key(box, 32, 1, "gongzhi1", master);
	crypto_kdf_derive_from_key(look, 32, 2, "gongzhi1", master);

	uint8_t want[32], got[32];
	crypto_generichash(want, 32, (const uint8_t *)"13812341234", 11, look, 32);
	gz_crypto_lookup(c, "13812341234", got);
	assert_memory_equal(want, got, 32);
	gz_crypto_lookup_n(c, "13812341234xyz", 11, got);
	assert_memory_equal(want, got, 32);

	const uint8_t pt[] = "19491231";
	uint8_t sealed[GZ_CRYPTO_SEALED_LEN(sizeof pt)], back[sizeof pt];
	randombytes_buf(sealed, 24);
	crypto_secretbox_easy(sealed + 24, pt, sizeof pt, sealed, box);
	assert_int_equal(gz_crypto_open(c, sealed, sizeof sealed, back, NULL), 0);
	assert_memory_equal(back, pt, sizeof pt);
	gz_crypto_free(c);
}

static void test_crypto_lookup_depends_on_value_and_key(void **state)
{
	(void)state;
	uint8_t m1[32] = {1}, m2[32] = {2};
	gz_crypto *a = gz_crypto_from_master(m1), *b = gz_crypto_from_master(m2);
	uint8_t x[32], y[32], z[32];
	gz_crypto_lookup(a, "13812341234", x);
	gz_crypto_lookup(a, "13812341235", y);
	gz_crypto_lookup(b, "13812341234", z);
	assert_memory_not_equal(x, y, 32);
	assert_memory_not_equal(x, z, 32);
	/* Unkeyed BLAKE2b of the phone (guessable by enumeration) is not what is stored. */
	uint8_t plain[32];
	crypto_generichash(plain, 32, (const uint8_t *)"13812341234", 11, NULL, 0);
	assert_memory_not_equal(x, plain, 32);
	gz_crypto_free(a);
	gz_crypto_free(b);
}

static void test_crypto_refuses_key_file_readable_by_others(void **state)
{
	(void)state;
	char path[256];
	path_in_dir(path, sizeof path, "loose.key");
	uint8_t key[32] = {5};
	const mode_t modes[] = {0644, 0640, 0604, 0660, 0700 | 0010};
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		write_file(path, key, 32, modes[i]);
		gz_err err;
		gz_err_clear(&err);
		assert_null(gz_crypto_load_or_create(path, &err));
		assert_string_equal(err.code, "key_file_mode");
		assert_non_null(strstr(err.message, "chmod 600"));
		assert_non_null(strstr(err.message, path));
	}
	write_file(path, key, 32, 0400); /* read-only for the owner is fine */
	gz_err err;
	gz_crypto *c = gz_crypto_load_or_create(path, &err);
	assert_non_null(c);
	gz_crypto_free(c);
}

static void test_crypto_rejects_wrong_size_and_bad_hex(void **state)
{
	(void)state;
	char path[256];
	path_in_dir(path, sizeof path, "bad.key");
	gz_err err;
	uint8_t junk[100] = {0};
	const size_t sizes[] = {0, 16, 31, 33, 63, 66, 100};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		write_file(path, junk, sizes[i], 0600);
		gz_err_clear(&err);
		assert_null(gz_crypto_load_or_create(path, &err));
		assert_string_equal(err.code, "key_file_size");
		assert_non_null(strstr(err.message, path));
	}
	char hex[66];
	memset(hex, 'g', 64); /* not hex */
	write_file(path, hex, 64, 0600);
	assert_null(gz_crypto_load_or_create(path, &err));
	assert_string_equal(err.code, "key_file_format");
	memset(hex, 'a', 64);
	hex[64] = 'x'; /* 65th byte must be a newline */
	write_file(path, hex, 65, 0600);
	assert_null(gz_crypto_load_or_create(path, &err));
	assert_string_equal(err.code, "key_file_format");
	/* A directory is not a key file. */
	char sub[256];
	path_in_dir(sub, sizeof sub, "adir");
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_null(gz_crypto_load_or_create(sub, &err));
	assert_string_equal(err.code, "key_file_format");
	/* A missing directory cannot hold a new key. */
	char deep[256];
	path_in_dir(deep, sizeof deep, "missing/dir/db.key");
	assert_null(gz_crypto_load_or_create(deep, &err));
	assert_string_equal(err.code, "key_file_io");
}

static void test_crypto_hex_key_file_equals_raw(void **state)
{
	(void)state;
	uint8_t raw[32];
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(0xA0 + i);
	char hex[65];
	sodium_bin2hex(hex, sizeof hex, raw, 32);
	char p1[256], p2[256], p3[256];
	path_in_dir(p1, sizeof p1, "raw.key");
	path_in_dir(p2, sizeof p2, "hex.key");
	path_in_dir(p3, sizeof p3, "hexnl.key");
	write_file(p1, raw, 32, 0600);
	write_file(p2, hex, 64, 0600);
	char hexnl[65];
	memcpy(hexnl, hex, 64);
	hexnl[64] = '\n';
	write_file(p3, hexnl, 65, 0600);
	gz_err err;
	gz_crypto *a = gz_crypto_load_or_create(p1, &err);
	gz_crypto *b = gz_crypto_load_or_create(p2, &err);
	gz_crypto *c = gz_crypto_load_or_create(p3, &err);
	gz_crypto *d = gz_crypto_from_master(raw);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	uint8_t ha[32], hb[32], hc[32], hd[32];
	gz_crypto_lookup(a, "v", ha);
	gz_crypto_lookup(b, "v", hb);
	gz_crypto_lookup(c, "v", hc);
	gz_crypto_lookup(d, "v", hd);
	assert_memory_equal(ha, hb, 32);
	assert_memory_equal(ha, hc, 32);
	assert_memory_equal(ha, hd, 32);
	gz_crypto_free(a);
	gz_crypto_free(b);
	gz_crypto_free(c);
	gz_crypto_free(d);
}

static void test_crypto_concurrent_first_start_agrees_on_one_key(void **state)
{
	(void)state;
	enum { N = 8 };
	char path[256];
	path_in_dir(path, sizeof path, "race.key");
	int go[2], res[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	pid_t kids[N];
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(go[1]);
			char b;
			if (read(go[0], &b, 1) < 0) /* blocks until the parent closes go[1] */
				_exit(2);
			gz_err err;
			gz_crypto *c = gz_crypto_load_or_create(path, &err);
			uint8_t h[32] = {0};
			if (c)
				gz_crypto_lookup(c, "race", h);
			if (write(res[1], h, 32) != 32)
				_exit(3);
			_exit(c ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]); /* start them all at once */
	close(res[1]);
	uint8_t first[32], h[32];
	for (int i = 0; i < N; i++) {
		assert_int_equal(read(res[0], h, 32), 32);
		if (i == 0)
			memcpy(first, h, 32);
		assert_memory_equal(first, h, 32);
	}
	close(res[0]);
	for (int i = 0; i < N; i++) {
		int status;
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	gz_err err;
	gz_crypto *c = gz_crypto_load_or_create(path, &err);
	assert_non_null(c);
	gz_crypto_lookup(c, "race", h);
	assert_memory_equal(first, h, 32);
	gz_crypto_free(c);
}

static void test_crypto_forked_child_never_reuses_parent_nonces(void **state)
{
	(void)state;
	uint8_t m[32] = {4};
	gz_crypto *c = gz_crypto_from_master(m);
	uint8_t first[GZ_CRYPTO_OVERHEAD + 1], mine[GZ_CRYPTO_OVERHEAD + 1];
	uint8_t theirs[GZ_CRYPTO_OVERHEAD + 1];
	gz_crypto_seal(c, (const uint8_t *)"a", 1, first); /* the parent's pool is now filled */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		uint8_t s[GZ_CRYPTO_OVERHEAD + 1];
		gz_crypto_seal(c, (const uint8_t *)"b", 1, s);
		_exit(write(fds[1], s, sizeof s) == (ssize_t)sizeof s ? 0 : 1);
	}
	gz_crypto_seal(c, (const uint8_t *)"b", 1, mine);
	assert_int_equal(read(fds[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
	int status;
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_memory_not_equal(mine, theirs, GZ_CRYPTO_NONCE_BYTES);
	assert_memory_not_equal(first, mine, GZ_CRYPTO_NONCE_BYTES);
	close(fds[0]);
	close(fds[1]);
	gz_crypto_free(c);
}

static void test_crypto_many_seals_have_distinct_nonces(void **state)
{
	(void)state;
	uint8_t m[32] = {6};
	gz_crypto *c = gz_crypto_from_master(m);
	enum { N = 1000 }; /* several pool refills */
	static uint8_t nonces[N][GZ_CRYPTO_NONCE_BYTES];
	uint8_t s[GZ_CRYPTO_OVERHEAD];
	for (int i = 0; i < N; i++) {
		gz_crypto_seal(c, (const uint8_t *)"", 0, s);
		memcpy(nonces[i], s, GZ_CRYPTO_NONCE_BYTES);
		static const uint8_t zero[GZ_CRYPTO_NONCE_BYTES];
		assert_memory_not_equal(nonces[i], zero, GZ_CRYPTO_NONCE_BYTES);
	}
	for (int i = 0; i < N; i++)
		for (int k = i + 1; k < N; k++)
			assert_memory_not_equal(nonces[i], nonces[k], GZ_CRYPTO_NONCE_BYTES);
	gz_crypto_free(c);
}

static void test_crypto_key_path_resolution(void **state)
{
	(void)state;
	char out[256];
	gz_err err;
	assert_int_equal(gz_crypto_key_path("sqlite:data/gongzhi.db", out, sizeof out, &err), 0);
	assert_string_equal(out, "data/gongzhi.db.key");
	gz_err_clear(&err);
	assert_int_equal(gz_crypto_key_path("postgres://u@h/db", out, sizeof out, &err), -1);
	assert_string_equal(err.code, "key_file_unset");
	assert_non_null(strstr(err.message, "GONGZHI_KEY_FILE"));
	assert_int_equal(gz_crypto_key_path("sqlite::memory:", out, sizeof out, &err), -1);
	assert_int_equal(gz_crypto_key_path("sqlite:", out, sizeof out, &err), -1);
	assert_int_equal(gz_crypto_key_path(NULL, out, sizeof out, &err), -1);
	assert_int_equal(gz_crypto_key_path("sqlite:data/gongzhi.db", out, 8, &err), -1);
	assert_string_equal(err.code, "key_file_path");

	setenv("GONGZHI_KEY_FILE", "/etc/gongzhi/key", 1);
	assert_int_equal(gz_crypto_key_path("postgres://u@h/db", out, sizeof out, &err), 0);
	assert_string_equal(out, "/etc/gongzhi/key");
	assert_int_equal(gz_crypto_key_path("sqlite:x.db", out, sizeof out, &err), 0);
	assert_string_equal(out, "/etc/gongzhi/key");
	setenv("GONGZHI_KEY_FILE", "", 1); /* empty counts as unset */
	assert_int_equal(gz_crypto_key_path("sqlite:x.db", out, sizeof out, &err), 0);
	assert_string_equal(out, "x.db.key");
	unsetenv("GONGZHI_KEY_FILE");
}

static void test_crypto_global_keys(void **state)
{
	(void)state;
	gz_crypto_set_global(NULL);
	assert_null(gz_crypto_global());
	uint8_t m[32] = {3};
	gz_crypto *c = gz_crypto_from_master(m);
	gz_crypto_set_global(c);
	assert_ptr_equal(gz_crypto_global(), c);
	gz_crypto_set_global(gz_crypto_from_master(m)); /* frees c */
	assert_non_null(gz_crypto_global());
	gz_crypto_set_global(NULL);
	assert_null(gz_crypto_global());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_crypto_creates_key_file_0600_and_reloads_same_key,
	                                    setup, teardown),
	    cmocka_unit_test(test_crypto_seal_open_round_trip_and_fresh_nonces),
	    cmocka_unit_test(test_crypto_open_detects_tampering_and_wrong_key),
	    cmocka_unit_test(test_crypto_subkeys_are_kdf_derived_with_context_gongzhi1),
	    cmocka_unit_test(test_crypto_lookup_depends_on_value_and_key),
	    cmocka_unit_test_setup_teardown(test_crypto_refuses_key_file_readable_by_others, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_crypto_rejects_wrong_size_and_bad_hex, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_crypto_hex_key_file_equals_raw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crypto_concurrent_first_start_agrees_on_one_key,
	                                    setup, teardown),
	    cmocka_unit_test(test_crypto_forked_child_never_reuses_parent_nonces),
	    cmocka_unit_test(test_crypto_many_seals_have_distinct_nonces),
	    cmocka_unit_test(test_crypto_key_path_resolution),
	    cmocka_unit_test(test_crypto_global_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
