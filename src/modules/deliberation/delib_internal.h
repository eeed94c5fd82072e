/* Between the deliberation module's handler files (topics.c, votes.c). */
#ifndef GZ_MODULES_DELIBERATION_INTERNAL_H
#define GZ_MODULES_DELIBERATION_INTERNAL_H

#include "api/auth.h"
#include "core/blobstore.h"
#include "db/db.h"
#include "http/http.h"
#include "modules/deliberation/deliberation.h"

/* May actor a do action on a topic or vote whose place is scope (a community or grid
 * code)? As gz_actor_check, and for reading and writing (proposing, voting) also when
 * the place contains one of the actor's grants that allows it: a resident of a grid takes
 * part in the topics of its community. 0, or -1 with err (404 out of scope, 403). */
int delib_check(const gz_actor *a, policy_action action, const char *scope, gz_err *err);

/* The topic's place and stage (stage as topic_stage) and published_at; 1 found, 0 not,
 * -1 error. scope holds 16 bytes. */
int delib_topic_head(gz_db *db, int64_t id, char *scope, int *stage, int64_t *published_at,
                     gz_err *err);

/* Appends a stage row for topic id (who: the actor) and sets the topic's stage (and
 * published_at = at when it becomes confirmed). In the caller's transaction. */
int delib_topic_set_stage(gz_db *db, const gz_actor *a, int64_t id, int stage, const char *note,
                          int64_t at, gz_err *err);

/* The topic as the API shows it to actor a, with its stages and votes (new reference), or
 * NULL with err (404 when there is none). */
json_t *delib_topic_json(gz_db *db, const gz_actor *a, int64_t id, gz_err *err);

/* Adds the records of the stages to the topic object o: "comments" (oldest first, replies
 * with their parent_id), "meetings" (with "participants"), "tasks", "evaluation" (counts
 * per rating with the satisfaction rate's numerator and denominator, and every
 * evaluation). stages.c. 0, or -1 with err. */
int delib_topic_records_json(gz_db *db, const gz_actor *a, int64_t id, json_t *o, gz_err *err);

/* In the open transaction: the topic of the path's {id} into *id and its place into scope
 * (SPACE_CODE_SIZE), the actor's check for action (delib_check), and whether its stage
 * allows what (a topic_doing; -1: any stage). stages.c. 0, or -1 with err (404, 403,
 * 409). */
int delib_topic_for(gz_req *r, gz_db *db, policy_action action, int what, int64_t *id, char *scope,
                    gz_err *err);

/* Audits action on topic id (detail: stolen). stages.c. 0, or -1 with err. */
int delib_audit_topic(const gz_actor *a, gz_db *db, const char *action, int64_t id,
                      const char *scope, json_t *detail, gz_err *err);

/* Adds "attachments" (oldest first) to each meeting of topic_id in the array meetings
 * (objects with "id" and an empty "attachments"). meeting_files.c. 0, or -1 with err. */
int delib_meeting_files_json(gz_db *db, int64_t topic_id, json_t *meetings, gz_err *err);

/* Stores file data (len bytes of type, already checked) as a file of meeting mid named
 * name, uploaded by a at `at`, into *id, and its address (SHA-256 hex) into sha256: the
 * bytes into the media store (core/blobstore.h) at once, the rows in the caller's
 * transaction; no audit (the caller's). meeting_files.c. 0, or -1 with err. */
int delib_meeting_file_add(gz_db *db, const gz_actor *a, int64_t mid, const char *type,
                           const void *data, size_t len, char sha256[GZ_BLOB_HEX], const char *name,
                           int64_t at, int64_t *id, gz_err *err);

/* The progress of every task of topic id into *out (malloc'd, *n long). 0 or -1. */
int delib_task_progress(gz_db *db, int64_t id, int64_t **out, size_t *n, gz_err *err);

/* Answers a write: commits with its answer out (stolen) or rolls back and answers err. */
void delib_reply_write(gz_req *r, gz_db *db, int status, json_t *out, gz_err *err);

/* Freezes the electorate of vote vote_id (electorate: topic_electorate) under scope at
 * `at` and sets its electorate_units. Returns the units or voters (0: nobody), or -1 with
 * err; *unknown gets the residents left out for want of a birth date. votes.c. */
int64_t delib_vote_freeze(gz_db *db, int64_t vote_id, const char *scope, int electorate, int64_t at,
                          int64_t *unknown, gz_err *err);

/* Tallies vote vote_id from its frozen electorate and ballots, stores the result and
 * closes it at `at` (by: the user, 0 for none). 0 with *res, or -1 with err. */
int delib_vote_store_result(gz_db *db, int64_t vote_id, int64_t at, int64_t by, vote_result *res,
                            gz_err *err);

/* Closes participatory budget round id at `at`: runs its rule on its pabulib text, stores
 * the explained result and marks the selected projects. *ballots, *selected: the counts.
 * 0, or -1 with err (409 no_ballots). pb_rounds.c. */
int delib_pb_decide(gz_db *db, int64_t id, int64_t at, size_t *ballots, size_t *selected,
                    gz_err *err);

#define DELIB_TITLE_MAX   100
#define DELIB_BODY_MAX    5000
#define DELIB_NOTE_MAX    1000
#define DELIB_COMMENT_MAX 2000
#define DELIB_MINUTES_MAX 20000
#define DELIB_NAME_MAX    100

#endif
