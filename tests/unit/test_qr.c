/* core/qr.h: the modules of a QR code and its SVG. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_modules_have_the_finder_patterns(void **state)
{
	(void)state;
	int w;
	unsigned char *m =
	    gz_qr_modules("https://example.org/mobilisation/activities/12?code=042917", &w);
	assert_non_null(m);
	assert_true(w >= 21 && (w - 21) % 4 == 0); /* version 1 is 21, each next +4 */
	/* The top-left finder: a dark 7x7 ring, a light ring inside, a dark 3x3 centre. */
	for (int i = 0; i < 7; i++) {
		assert_int_equal(m[0 * w + i], 1);
		assert_int_equal(m[6 * w + i], 1);
		assert_int_equal(m[i * w + 0], 1);
		assert_int_equal(m[i * w + 6], 1);
	}
	assert_int_equal(m[1 * w + 1], 0);
	assert_int_equal(m[3 * w + 3], 1);
	/* ... and the top-right and bottom-left ones. */
	assert_int_equal(m[0 * w + (w - 1)], 1);
	assert_int_equal(m[(w - 1) * w + 0], 1);
	for (int i = 0; i < w * w; i++)
		assert_true(m[i] <= 1);
	free(m);
}

static void test_svg_is_one_path_with_a_quiet_zone(void **state)
{
	(void)state;
	int w;
	unsigned char *m = gz_qr_modules("042917", &w);
	char *s = gz_qr_svg("042917");
	assert_non_null(m);
	assert_non_null(s);
	char vb[64];
	snprintf(vb, sizeof vb, "viewBox=\"0 0 %d %d\"", w + 8, w + 8);
	assert_non_null(strstr(s, vb));
	assert_int_equal(strncmp(s, "<svg ", 5), 0);
	assert_non_null(strstr(s, "M4 4h1v1h-1z")); /* the first dark module, after 4 light */
	assert_int_equal(strcmp(s + strlen(s) - 6, "</svg>"), 0);
	size_t dark = 0;
	for (int i = 0; i < w * w; i++)
		dark += m[i];
	size_t squares = 0;
	for (const char *p = s; (p = strstr(p, "h1v1h-1z")); p++)
		squares++;
	assert_int_equal(squares, dark);
	free(m);
	free(s);
}

static void test_nothing_to_encode(void **state)
{
	(void)state;
	int w = 5;
	assert_null(gz_qr_modules(NULL, &w));
	assert_int_equal(w, 0);
	assert_null(gz_qr_svg(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modules_have_the_finder_patterns),
	    cmocka_unit_test(test_svg_is_one_path_with_a_quiet_zone),
	    cmocka_unit_test(test_nothing_to_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
