/* Unit tests for core/arena.c: the per-request allocator. ASan checks every byte
 * written here lies inside a live allocation and that gz_arena_free leaks nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/arena.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_arena_zero_initialised_is_valid(void **state)
{
	(void)state;
	gz_arena a = {0};
	char *p = gz_arena_alloc(&a, 10);
	assert_non_null(p);
	gz_arena_free(&a);
	gz_arena_free(&a); /* freeing an empty arena is fine */
}

static void test_arena_many_small_allocs_do_not_overlap(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	enum { N = 20000 };
	unsigned char **ps = malloc(N * sizeof *ps);
	size_t *ns = malloc(N * sizeof *ns);
	for (int i = 0; i < N; i++) {
		ns[i] = (size_t)(i % 97) + 1;
		ps[i] = gz_arena_alloc(&a, ns[i]);
		memset(ps[i], i & 0xff, ns[i]);
	}
	for (int i = 0; i < N; i++)
		for (size_t k = 0; k < ns[i]; k++)
			if (ps[i][k] != (unsigned char)(i & 0xff))
				fail_msg("allocation %d overwritten at byte %zu", i, k);
	free(ps);
	free(ns);
	gz_arena_free(&a);
}

static void test_arena_alloc_is_16_byte_aligned(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	static const size_t sizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 100, 4095, 4096, 4097, 9000, 1};
	for (int round = 0; round < 50; round++)
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			void *p = gz_arena_alloc(&a, sizes[i]);
			assert_int_equal((uintptr_t)p % 16, 0);
		}
	assert_int_equal((uintptr_t)gz_arena_strdup(&a, "x") % 16, 0);
	assert_int_equal((uintptr_t)gz_arena_printf(&a, "%d", 7) % 16, 0);
	gz_arena_free(&a);
}

static void test_arena_alloc_is_zeroed(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	/* Dirty memory, give it back to malloc, then allocate again: whatever malloc
	 * returns (ASan fills fresh blocks with junk), the arena hands out zeros. */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 200; i++) {
			size_t n = (size_t)(i * 37 % 300) + 1;
			unsigned char *p = gz_arena_alloc(&a, n);
			assert_true(all_zero(p, n));
			memset(p, 0xff, n);
		}
		unsigned char *big = gz_arena_alloc(&a, 50000);
		assert_true(all_zero(big, 50000));
		memset(big, 0xff, 50000);
		gz_arena_free(&a);
	}
}

static void test_arena_big_alloc_larger_than_chunk(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	char *small1 = gz_arena_strdup(&a, "before");
	size_t sizes[] = {8192, 8193, 100000, 1 << 20};
	char *bigs[4];
	for (int i = 0; i < 4; i++) {
		bigs[i] = gz_arena_alloc(&a, sizes[i]);
		assert_true(all_zero((unsigned char *)bigs[i], sizes[i]));
		memset(bigs[i], 'a' + i, sizes[i]); /* ASan: whole block is ours */
	}
	char *small2 = gz_arena_strdup(&a, "after");
	for (int i = 0; i < 4; i++) {
		assert_int_equal(bigs[i][0], 'a' + i);
		assert_int_equal(bigs[i][sizes[i] - 1], 'a' + i);
	}
	assert_string_equal(small1, "before");
	assert_string_equal(small2, "after");
	gz_arena_free(&a);
}

static void test_arena_big_alloc_first(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	char *big = gz_arena_alloc(&a, 20000);
	memset(big, 'b', 20000);
	char *s = gz_arena_strdup(&a, "small");
	assert_string_equal(s, "small");
	assert_int_equal(big[19999], 'b');
	gz_arena_free(&a);
}

static void test_arena_alloc_exactly_fills_chunk(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	/* Sizes around the chunk and half-chunk boundaries. */
	static const size_t sizes[] = {4096, 4096, 4097, 4080, 16, 8192, 4095, 8176, 1};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = gz_arena_alloc(&a, sizes[i]);
		assert_true(all_zero(p, sizes[i]));
		memset(p, 0x11, sizes[i]);
	}
	gz_arena_free(&a);
}

static void test_arena_alloc_zero_bytes_returns_pointer(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	assert_non_null(gz_arena_alloc(&a, 0));
	gz_arena_free(&a);
}

static void test_arena_strdup_and_strndup(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	const char *src = "共治：业主自治";
	char *d = gz_arena_strdup(&a, src);
	assert_string_equal(d, src);
	assert_ptr_not_equal(d, src);
	char *n = gz_arena_strndup(&a, "abcdef", 3);
	assert_string_equal(n, "abc");
	char *e = gz_arena_strdup(&a, "");
	assert_string_equal(e, "");
	/* strndup copies exactly n bytes, even from a buffer without a NUL. */
	char buf[4] = {'w', 'x', 'y', 'z'};
	assert_string_equal(gz_arena_strndup(&a, buf, sizeof buf), "wxyz");
	gz_arena_free(&a);
}

static void test_arena_printf_formats(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	assert_string_equal(gz_arena_printf(&a, "%s-%d-%05.1f", "楼栋", 12, 3.14159),
	                    "楼栋-12-003.1");
	assert_string_equal(gz_arena_printf(&a, "%s", ""), "");
	assert_string_equal(gz_arena_printf(&a, "%lld", (long long)INT64_MIN),
	                    "-9223372036854775808");
	gz_arena_free(&a);
}

static void test_arena_printf_longer_than_chunk(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	enum { N = 30000 };
	char *src = malloc(N + 1);
	memset(src, 'q', N);
	src[N] = '\0';
	char *s = gz_arena_printf(&a, "<%s>", src);
	assert_int_equal(strlen(s), N + 2);
	assert_int_equal(s[0], '<');
	assert_int_equal(s[N + 1], '>');
	free(src);
	gz_arena_free(&a);
}

static void test_arena_free_and_reuse(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 100; i++)
			gz_arena_printf(&a, "round %d item %d", round, i);
		gz_arena_alloc(&a, 10000);
		char *s = gz_arena_strdup(&a, "still works");
		assert_string_equal(s, "still works");
		gz_arena_free(&a);
		assert_null(a.head);
	}
}

/* Runs gz_arena_alloc(n) in a child; true if the child died (abort or sanitizer)
 * instead of returning normally. */
static bool alloc_dies(size_t n)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gz_arena a;
		gz_arena_init(&a);
		gz_arena_alloc(&a, n);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* "Never returns NULL (aborts on exhaustion)": a size that cannot be satisfied must
 * abort, not wrap around while rounding up to 16 and return a tiny block. */
static void test_arena_alloc_huge_size_aborts_instead_of_wrapping(void **state)
{
	(void)state;
	assert_true(alloc_dies(SIZE_MAX));
	assert_true(alloc_dies(SIZE_MAX - 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena_zero_initialised_is_valid),
	    cmocka_unit_test(test_arena_many_small_allocs_do_not_overlap),
	    cmocka_unit_test(test_arena_alloc_is_16_byte_aligned),
	    cmocka_unit_test(test_arena_alloc_is_zeroed),
	    cmocka_unit_test(test_arena_big_alloc_larger_than_chunk),
	    cmocka_unit_test(test_arena_big_alloc_first),
	    cmocka_unit_test(test_arena_alloc_exactly_fills_chunk),
	    cmocka_unit_test(test_arena_alloc_zero_bytes_returns_pointer),
	    cmocka_unit_test(test_arena_strdup_and_strndup),
	    cmocka_unit_test(test_arena_printf_formats),
	    cmocka_unit_test(test_arena_printf_longer_than_chunk),
	    cmocka_unit_test(test_arena_free_and_reuse),
	    cmocka_unit_test(test_arena_alloc_huge_size_aborts_instead_of_wrapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
