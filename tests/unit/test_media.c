/* core/media.c: files are told by their bytes (the services' attachments, the cases'
 * photos), never by what a client claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/media.h"

static void test_media_files_are_told_by_their_bytes(void **state)
{
	(void)state;
	assert_string_equal(gz_media_sniff("%PDF-1.7\n", 9), "application/pdf");
	assert_string_equal(gz_media_sniff("\x89PNG\r\n\x1a\n\0\0", 10), "image/png");
	assert_string_equal(gz_media_sniff("\xFF\xD8\xFF\xE0", 4), "image/jpeg");
	assert_string_equal(gz_media_sniff("RIFF\x10\0\0\0WEBPVP8 ", 16), "image/webp");
	assert_null(gz_media_sniff("RIFF\x10\0\0\0WAVEfmt ", 16));
	assert_null(gz_media_sniff("RIFF\x10\0\0\0WEB", 11));
	assert_null(gz_media_sniff("GIF89a", 6));
	assert_null(gz_media_sniff("%PDF", 4));
	assert_null(gz_media_sniff("<html>%PDF-", 11));
	assert_null(gz_media_sniff("", 0));
}

static void test_media_photos_are_png_jpeg_webp(void **state)
{
	(void)state;
	assert_true(gz_media_is_image("image/png"));
	assert_true(gz_media_is_image("image/jpeg"));
	assert_true(gz_media_is_image("image/webp"));
	assert_false(gz_media_is_image("application/pdf"));
	assert_false(gz_media_is_image("image/gif"));
	assert_false(gz_media_is_image(NULL));
}

static void test_media_check_and_address(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_media_check("application/pdf", "%PDF-1.4", 8, "PDF", &err), 0);
	assert_int_equal(gz_media_check("application/pdf", "", 0, "PDF", &err), -1);
	assert_string_equal(err.code, "empty_file");
	assert_int_equal(err.kind, GZ_EINVALID);
	gz_err_clear(&err);
	assert_int_equal(gz_media_check("image/jpeg", "%PDF-1.4", 8, "JPEG", &err), -1);
	assert_string_equal(err.code, "attachment_mismatch");
	char hex[GZ_MEDIA_SHA256_HEX];
	gz_media_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_media_files_are_told_by_their_bytes),
	    cmocka_unit_test(test_media_photos_are_png_jpeg_webp),
	    cmocka_unit_test(test_media_check_and_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
