/* The media store: uploaded files (the cases module's photos, the deliberation module's
 * meeting attachments, the services module's attachments) kept on disk, content-addressed
 * by the SHA-256 of their bytes, while the database keeps only what they are (sha256,
 * media type, size) and who may read them.
 *
 * Layout: DIR/ab/cdef… (the 64 hex digits, the first two naming a subdirectory). A file
 * is written to a temporary file in its subdirectory, fsynced, renamed to its address,
 * and the subdirectory fsynced, all before the transaction that names it commits: what a
 * client was told is stored is on disk. Writing the same bytes again (also from another
 * process, also at the same moment) finds or replaces the same file with the same bytes,
 * so a put is idempotent and safe between the processes that share DIR. A file whose
 * transaction then rolled back is an orphan nobody can name: harmless (no sweep yet).
 * Directories are 0700 and files 0600: they are read only by gongzhi, through the routes
 * that check who may read them, never as static files. */
#ifndef GZ_CORE_BLOBSTORE_H
#define GZ_CORE_BLOBSTORE_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define GZ_BLOB_HEX 65 /* 64 hex digits and the NUL */

/* Where the media store is for db_url, in this order:
 *   1. $GONGZHI_MEDIA_DIR, if set and not empty;
 *   2. for "sqlite:PATH" (PATH not empty and not ":memory:"), "PATH.media" next to the
 *      database;
 *   3. otherwise (PostgreSQL) the directory "media" next to the key file
 *      (gz_crypto_key_path: $GONGZHI_KEY_FILE), which every process sharing the database
 *      shares already; an error when that is unset too.
 * Writes the path into out (cap bytes) and returns 0, or -1 with err set (500). */
int gz_blob_dir_for(const char *db_url, char *out, size_t cap, gz_err *err);

/* Makes dir the process's media store: creates it (and missing parents, mode 0700) and
 * checks it is a directory this process may write. Call before any thread starts.
 * 0, or -1 with err set (500 "media_dir", naming dir and why). */
int gz_blob_init(const char *dir, gz_err *err);
/* The process's media store (gz_blob_init), or NULL before. */
const char *gz_blob_dir(void);

/* Is s a blob address (exactly 64 lower-case hex digits)? */
int gz_blob_hex_valid(const char *s);

/* The path of address hex under dir into out. 0, or -1 when it does not fit or hex is
 * not an address. */
int gz_blob_path(const char *dir, const char *hex, char *out, size_t cap);

/* Stores len bytes at buf under dir (see the top of this file) and writes their address
 * into hex. 0, or -1 with err set (500 "media_store": the message names the path and
 * the reason); nothing is then left at the address that was not there before. */
int gz_blob_put_in(const char *dir, const void *buf, size_t len, char hex[GZ_BLOB_HEX],
                   gz_err *err);
/* gz_blob_put_in in the process's store (500 "media_dir_unset" before gz_blob_init). */
int gz_blob_put(const void *buf, size_t len, char hex[GZ_BLOB_HEX], gz_err *err);

/* Opens the file at address hex under dir for reading: its descriptor (close-on-exec;
 * the caller closes it) and its size into *size, or -1 with err set (GZ_ENOTFOUND
 * "media_missing" when there is no such file, 500 "media_store" when it cannot be
 * read). */
int gz_blob_open_in(const char *dir, const char *hex, uint64_t *size, gz_err *err);
/* gz_blob_open_in in the process's store. */
int gz_blob_open(const char *hex, uint64_t *size, gz_err *err);

/* Copies every file of the store at src that the store at dst lacks into dst (created if
 * missing), each checked against its address on the way (a file whose bytes no longer
 * match it is skipped and counted in *bad): the media half of a backup, run after the
 * database's half, so every file the copied database names is copied (a file is in the
 * store before the row naming it commits). A missing src holds nothing. Counts into
 * *copied (files written) and *bad; 0, or -1 with err set (500 "media_store"). */
int gz_blob_copy_all(const char *src, const char *dst, long *copied, long *bad, gz_err *err);

#endif
