/* What kind of file bytes are, told by their first bytes (magic numbers), never by the
 * name or the Content-Type a client claims: the one check of every upload (the
 * services module's attachments, the cases module's photos, the deliberation module's
 * meeting attachments). */
#ifndef GZ_CORE_MEDIA_H
#define GZ_CORE_MEDIA_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

/* The media type the bytes are: "application/pdf" ("%PDF-"), "image/png", "image/jpeg"
 * (FF D8 FF), "image/webp" ("RIFF" size "WEBP"), or NULL for anything else. An upload is
 * accepted only when this equals the Content-Type it claims. */
const char *gz_media_sniff(const void *buf, size_t len);

/* The check of an upload: len bytes at buf claimed to be type. 0 when they are that type;
 * else -1 with err 422 "empty_file" (nothing), or "attachment_mismatch" (not what it
 * claims; the message names type and accepted, e.g. "PDF、PNG、JPEG"). */
int gz_media_check(const char *type, const void *buf, size_t len, const char *accepted,
                   gz_err *err);

/* Is type one of the photo types (PNG, JPEG, WebP)? */
bool gz_media_is_image(const char *type);

/* The SHA-256 of the bytes as 64 lower-case hex digits into hex (65 bytes): the address
 * of content-addressed files. */
#define GZ_MEDIA_SHA256_HEX 65
void gz_media_sha256_hex(const void *buf, size_t len, char hex[GZ_MEDIA_SHA256_HEX]);

#endif
