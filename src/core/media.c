#include "core/media.h"

#include <sodium.h>
#include <string.h>

const char *gz_media_sniff(const void *buf, size_t len)
{
	const unsigned char *b = buf;
	if (len >= 5 && !memcmp(b, "%PDF-", 5))
		return "application/pdf";
	if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "image/jpeg";
	if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return "image/webp";
	return NULL;
}

int gz_media_check(const char *type, const void *buf, size_t len, const char *accepted, gz_err *err)
{
	const char *is = gz_media_sniff(buf, len);
	if (!len)
		return gz_err_set(err, GZ_EINVALID, "empty_file", "文件是空的");
	if (!is || !type || strcmp(is, type))
		return gz_err_set(err, GZ_EINVALID, "attachment_mismatch",
		                  "文件内容不是所声明的类型 %s（只接受 %s）", type ? type : "",
		                  accepted);
	return 0;
}

bool gz_media_is_image(const char *type)
{
	return type && (!strcmp(type, "image/png") || !strcmp(type, "image/jpeg") ||
	                !strcmp(type, "image/webp"));
}

void gz_media_sha256_hex(const void *buf, size_t len, char hex[GZ_MEDIA_SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, buf, len);
	sodium_bin2hex(hex, GZ_MEDIA_SHA256_HEX, h, sizeof h);
}
