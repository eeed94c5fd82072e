/* The inbox (站内消息) and live events of accounts: the one way a module tells people
 * that something concerns them. A module calls gz_notify() inside the write transaction
 * that made the news; the row commits with it, and only once it has committed is the
 * event pushed to the account's open event streams (GET /api/v1/events/stream) — in this
 * process directly on SQLite, through every process's LISTEN on PostgreSQL (NOTIFY is
 * delivered at COMMIT, never for a rolled-back transaction).
 *
 * Nobody is told of their own action: a recipient equal to the actor is skipped. */
#ifndef GZ_MODULES_NOTIFY_NOTIFY_H
#define GZ_MODULES_NOTIFY_NOTIFY_H

#include "api/auth.h"
#include "db/db.h"

#include <stdint.h>

/* What a notification says: kind ("case.dispatched": stable, for the web and tests),
 * title (one line of Chinese, at most 200 characters; longer is cut), link (the web
 * route, "/cases/12"; may be NULL), and the record it is about (object_type "case" and
 * object_id, or NULL/0). */
typedef struct gz_notice {
	const char *kind, *title, *link, *object_type;
	int64_t object_id;
} gz_notice;

/* Tells account user_id (skipped when 0 or the actor itself). Returns 0, or -1 with err
 * set (the caller rolls back its write). */
int gz_notify(gz_db *db, const gz_actor *a, int64_t user_id, const gz_notice *n, gz_err *err);

/* Tells every account holding a grant exactly at scope (a grid code, a community code,
 * "org:7/"), of role (policy_role_name: "grid_worker"; NULL: any role) — the people
 * responsible there. Returns the number told, or -1 with err set. */
int gz_notify_scope(gz_db *db, const gz_actor *a, const char *role, const char *scope,
                    const gz_notice *n, gz_err *err);

/* Ends every event stream of account user_id in every process, because its logins
 * ended (logout, password set, disabled, deleted): its tabs reconnect, and only those
 * whose login still holds get a new stream. Inside a write transaction it happens once
 * that commits, never after a rollback: on SQLite in this process (the only one), on
 * PostgreSQL through every process's listener (NOTIFY is delivered at COMMIT). Without a
 * transaction, at once. Returns 0, or -1 with err set. */
int gz_notify_end_streams(gz_db *db, int64_t user_id, gz_err *err);

#endif
