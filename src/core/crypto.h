/* Encryption at rest for personal information (个人信息保护法; SPEC §3): phone, ID number,
 * birth date and sensitive tags are stored sealed with libsodium's secretbox
 * (XSalsa20-Poly1305), and found by exact value through a keyed hash (BLAKE2b), never
 * by decrypting every row.
 *
 * Keys. One 32-byte master key lives in a key file. Two subkeys are derived from it with
 * crypto_kdf_derive_from_key, context "gongzhi1":
 *     subkey id 1  secretbox key  (sealing)
 *     subkey id 2  lookup key     (keyed BLAKE2b for exact search)
 * so a leaked lookup hash says nothing about the sealing key and either can be rotated
 * by a new id later. The master key is wiped as soon as the subkeys are derived; the
 * subkeys sit in sodium_malloc'd memory (guard pages, mlock'd where the system allows,
 * read-only after load) and are wiped by gz_crypto_free().
 *
 * Key file: exactly 32 raw bytes, or 64 hex digits optionally followed by one newline
 * (so an operator can provision it with `openssl rand -hex 32 > gongzhi.key`). It must
 * be a regular file with no permission bits for group or others (mode 0600 or 0400).
 * Losing it makes every sealed value unreadable: back it up separately from the
 * database (a backup of both together defeats encryption at rest).
 *
 * Threads: a gz_crypto is read-only after gz_crypto_load_or_create() returns, so any
 * number of threads may seal/open/lookup with it concurrently. sodium_init() is called
 * once per process (pthread_once) by the constructors. */
#ifndef GZ_CORE_CRYPTO_H
#define GZ_CORE_CRYPTO_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define GZ_CRYPTO_KEY_BYTES   32
#define GZ_CRYPTO_NONCE_BYTES 24 /* crypto_secretbox_NONCEBYTES */
#define GZ_CRYPTO_MAC_BYTES   16 /* crypto_secretbox_MACBYTES */
/* A sealed value is nonce ‖ MAC ‖ ciphertext: the plaintext length + 40 bytes. */
#define GZ_CRYPTO_OVERHEAD      (GZ_CRYPTO_NONCE_BYTES + GZ_CRYPTO_MAC_BYTES)
#define GZ_CRYPTO_SEALED_LEN(n) ((size_t)(n) + GZ_CRYPTO_OVERHEAD)
#define GZ_CRYPTO_LOOKUP_BYTES  32

typedef struct gz_crypto gz_crypto;

/* Load the master key from path, creating the file with a fresh random key if it does
 * not exist. Creation is atomic and race-free: the key is written to a temporary file
 * in the same directory (mkstemp: O_CREAT|O_EXCL, mode 0600), fsync'd, then hard-linked
 * to path (link(2) fails with EEXIST instead of replacing) and the directory fsync'd;
 * a process that loses the race discards its key and reads the winner's. So two
 * processes starting together end with the same key, and no process ever sees a
 * partially written file. The directory must exist and support hard links.
 * Fails (NULL, *err filled, kind GZ_EINTERNAL) when:
 *   - the file is readable/writable/executable by group or others — code
 *     "key_file_mode", message names the file and says `chmod 600 <path>`;
 *   - it is not a regular file, or its size/content is not a key as described above —
 *     code "key_file_size" / "key_file_format";
 *   - any system call fails — code "key_file_io", message with the path and strerror.
 * Caller frees the result with gz_crypto_free(). */
gz_crypto *gz_crypto_load_or_create(const char *path, gz_err *err);

/* Keys from a master key already in memory (tests, benchmarks, tools). The caller
 * keeps and wipes its copy. Never returns NULL (aborts when out of memory). */
gz_crypto *gz_crypto_from_master(const uint8_t master[GZ_CRYPTO_KEY_BYTES]);

/* Wipe and free the keys. NULL is ignored. */
void gz_crypto_free(gz_crypto *c);

/* Where the key file is, in this order:
 *   1. $GONGZHI_KEY_FILE, if set and not empty;
 *   2. for db_url "sqlite:PATH" (PATH not empty and not ":memory:"), "PATH.key" next to
 *      the database;
 *   3. otherwise an error (code "key_file_unset", kind GZ_EINTERNAL) asking to set
 *      GONGZHI_KEY_FILE. This is the PostgreSQL case: several gongzhi processes share
 *      one database and must share one key file, which only the operator can place.
 * Writes the path into out (cap bytes) and returns 0, or -1 (also when it does not fit:
 * code "key_file_path"). */
int gz_crypto_key_path(const char *db_url, char *out, size_t cap, gz_err *err);

/* Seal n bytes of pt into out, which must hold GZ_CRYPTO_SEALED_LEN(n) bytes: a fresh
 * random nonce, then crypto_secretbox_easy's MAC ‖ ciphertext. pt and out must not
 * overlap. Cannot fail. */
void gz_crypto_seal(const gz_crypto *c, const uint8_t *pt, size_t n, uint8_t *out);

/* Open a sealed value of n bytes into pt, which must hold n - GZ_CRYPTO_OVERHEAD bytes
 * (the plaintext length; also stored into *pt_len if pt_len is not NULL). Returns 0, or
 * -1 if n is shorter than the overhead or the value was tampered with / sealed under
 * another key (pt is then zeroed). */
int gz_crypto_open(const gz_crypto *c, const uint8_t *in, size_t n, uint8_t *pt, size_t *pt_len);

/* Keyed BLAKE2b-256 of the NUL-terminated, already normalised value (e.g. the output
 * of person_phone_check / person_id_info.normalised), for an indexed exact-match
 * column. Normalise first: "138 1234 1234" and "13812341234" hash differently. */
void gz_crypto_lookup(const gz_crypto *c, const char *normalised,
                      uint8_t out[GZ_CRYPTO_LOOKUP_BYTES]);

/* Same over n bytes that need not be NUL-terminated. */
void gz_crypto_lookup_n(const gz_crypto *c, const void *data, size_t n,
                        uint8_t out[GZ_CRYPTO_LOOKUP_BYTES]);

/* Process-wide keys. The server and CLI load the key once at start (after parsing the
 * database URL, before starting threads) and install it here; handlers then use
 * gz_crypto_global(). Setting is not synchronised: call it before any other thread
 * reads it. Installing takes ownership; a previously installed key is freed (tests
 * only — never replace keys while other threads may hold the old pointer). NULL
 * uninstalls (and frees). gz_crypto_global() returns NULL until a key is installed. */
void gz_crypto_set_global(gz_crypto *c);
const gz_crypto *gz_crypto_global(void);

#endif
