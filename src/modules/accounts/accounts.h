/* The account store: users, their passwords and grants. Shared by the HTTP handlers
 * (users.c, session.c) and the command line (cli/user.c), so each piece of account
 * SQL exists once. Functions that change data run in the caller's open transaction
 * and do not write the audit log (the caller does, with gz_audit / gz_audit_write,
 * in the same transaction). */
#ifndef GZ_MODULES_ACCOUNTS_H
#define GZ_MODULES_ACCOUNTS_H

#include "domain/policy.h"
#include "api/auth.h"
#include "core/arena.h"
#include "db/db.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdint.h>

#define GZ_USERNAME_MAX     64
#define GZ_DISPLAY_NAME_MAX 64   /* code points */
#define GZ_PASSWORD_MIN     8    /* code points */
#define GZ_PASSWORD_MAX     1024 /* bytes */
#define GZ_PWHASH_MAX       128  /* >= crypto_pwhash_STRBYTES */
#define GZ_WORK_PHONE_MAX   16   /* "0571-12345678" */

typedef struct gz_user_row {
	int64_t id;
	char username[GZ_USERNAME_MAX + 1];
	char display_name[GZ_DISPLAY_NAME_MAX * 4 + 1];
	int64_t created_at, deleted_at;         /* deleted_at 0 = live */
	int64_t password_reset_at;              /* 0, or when an admin reset it: must change */
	int64_t disabled_at;                    /* 0 = enabled */
	char work_phone[GZ_WORK_PHONE_MAX + 1]; /* "" = none; see gz_work_phone_normalise */
	int ngrants;
	gz_grant grants[GZ_AUTH_MAX_GRANTS];
} gz_user_row;

/* Usernames are 1..64 of a-z 0-9 . _ - @, case-insensitive: writes the lower-case form
 * into out (GZ_USERNAME_MAX + 1 bytes). Returns 0, or -1 if name is not a valid
 * username (err gets a field error for field, when err is not NULL). */
int gz_username_normalise(const char *name, char *out, gz_err *err, const char *field);

/* A staff account's work phone, published to the residents it serves: a mobile number
 * (11 digits from 1) or a landline with its area code (0 and 9..11 more digits; 010 and
 * 02x have 3-digit codes, the others 4), spaces, dashes and a leading +86 ignored. Writes
 * "13812345678" or "010-12345678" into out (GZ_WORK_PHONE_MAX + 1 bytes); "" stays "".
 * Returns 0, or -1 with a field error for field (when err is not NULL). */
int gz_work_phone_normalise(const char *in, char *out, gz_err *err, const char *field);

/* argon2id (libsodium crypto_pwhash_str, interactive limits). out holds
 * GZ_PWHASH_MAX bytes. Returns 0, or -1 with err set (500 when out of memory). */
int gz_password_hash(const char *password, char out[GZ_PWHASH_MAX], gz_err *err);
/* Constant-work check of password against an argon2id string. */
bool gz_password_verify(const char *hash, const char *password);
/* Spends the same work as gz_password_verify() on a dummy hash, so an unknown user
 * takes as long to refuse as a wrong password. */
void gz_password_burn(const char *password);
/* Checks a new password's length (GZ_PASSWORD_MIN code points .. GZ_PASSWORD_MAX
 * bytes, valid UTF-8). Returns 0 or -1 with a field error added for field. */
int gz_password_check(const char *password, gz_err *err, const char *field);

/* Looks a user up by id or (normalised) username, with grants. Deleted users are found
 * only with include_deleted. Returns 1 found, 0 not found, -1 error. */
int gz_user_get(gz_db *db, int64_t id, bool include_deleted, gz_user_row *out, gz_err *err);
int gz_user_by_name(gz_db *db, const char *username, bool include_deleted, gz_user_row *out,
                    gz_err *err);
/* The user's password hash (live users only): 1 found, 0 none, -1 error. */
int gz_user_password_hash(gz_db *db, int64_t id, char out[GZ_PWHASH_MAX], gz_err *err);

/* Inserts a user; returns the new id, or -1 with err set (409 "username_taken"). */
int64_t gz_user_insert(gz_db *db, const char *username, const char *display_name,
                       const char *password_hash, gz_err *err);
/* Adds a grant: 1 added, 0 already there, -1 error (422 "too_many_grants" beyond
 * GZ_AUTH_MAX_GRANTS). */
int gz_user_grant(gz_db *db, int64_t user_id, policy_role role, const char *scope, gz_err *err);
/* Removes a grant: 1 removed, 0 there was none, -1 error. */
int gz_user_revoke(gz_db *db, int64_t user_id, policy_role role, const char *scope, gz_err *err);
/* Sets a new password hash and ends the user's sessions, all of them, or all but the
 * one whose token hash is keep_session (32 bytes; NULL = none kept: the user changing
 * their own password stays logged in where they did it). With must_change the user must
 * choose a new password before anything else (an administrator's reset); without, that
 * mark is cleared. Returns 1 set, 0 no live user, -1 error. */
int gz_user_set_password(gz_db *db, int64_t user_id, const char *password_hash, bool must_change,
                         const unsigned char *keep_session, gz_err *err);
/* Disables (disabled true: their sessions end, they cannot log in) or re-enables a live
 * user: 1 changed, 0 already so or no live user, -1 error. */
int gz_user_set_disabled(gz_db *db, int64_t user_id, bool disabled, gz_err *err);

/* A one-time password from libsodium's generator: 3 groups of 4 symbols of an alphabet
 * without look-alikes (0/O, 1/l/I ...), "xxxx-xxxx-xxxx", as the demo accounts'. */
#define GZ_OTP_LEN 14
void gz_password_generate(char out[GZ_OTP_LEN + 1]);
/* Sets the display name and/or the work phone (NULL: unchanged; work_phone "": none) of a
 * live user: 1 changed, 0 no live user, -1 error. */
int gz_user_set_profile(gz_db *db, int64_t user_id, const char *display_name,
                        const char *work_phone, gz_err *err);

/* The staff accounts serving a resident's home (docs/SECURITY.md, "Staff serving a
 * resident"): live, enabled accounts holding grid_worker at grid or community, or
 * community_staff / community_admin at community (grid and community: codes; either may
 * be NULL). Calls fn(ctx, role, display_name, username, work_phone, scope) for each grant,
 * by role then name. Returns 0, or -1 with err. */
int gz_accounts_serving(gz_db *db, const char *grid, const char *community,
                        void (*fn)(void *ctx, policy_role role, const char *display_name,
                                   const char *username, const char *work_phone, const char *scope),
                        void *ctx, gz_err *err);

/* Soft-deletes the user and ends all their sessions: 1 deleted, 0 not found or already
 * deleted, -1 error. */
int gz_user_soft_delete(gz_db *db, int64_t user_id, gz_err *err);

/* The one scope that holds every grant of the user (their common ancestor; "" when
 * they have none), for the audit row of a change to the account. buf: GZ_SCOPE_MAX. */
void gz_user_scope(const gz_user_row *u, char *buf);

/* {"id","username","display_name","work_phone","created_at","disabled",
 * "must_change_password", "roles":[{"role","role_label","scope"}]} (plus "deleted_at" when
 * deleted). Never any password data. */
json_t *gz_user_json(const gz_user_row *u);
/* Adds "scope_name" and "scope_path" (the names above it) to every role of the accounts
 * users[0..n) (objects with "roles", as gz_user_json() makes them), naming all their
 * scopes in one batch (api/names.h, "place"; null for a code with no name). Returns 0, or
 * -1 with err. */
int gz_users_name_scopes(gz_db *db, gz_arena *A, json_t *const *users, size_t n, gz_err *err);
/* The roles array alone, as in gz_user_json(). */
json_t *gz_grants_json(const gz_grant *g, int n);

/* Registers the namer of accounts (api/names.h, "user"): the module's init hook. */
void gz_accounts_names_init(void);

/* Its rows of the policy table (assigned when the module registers). */
extern policy_resource RES_ACCOUNT; /* users and their grants */
extern policy_resource RES_AUDIT;   /* the audit log */

#endif
