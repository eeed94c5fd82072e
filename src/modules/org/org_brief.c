/* Organisations and co-building agreements in brief, for other capabilities (org.h). */
#include "modules/org/org.h"
#include "modules/org/rules.h"

#include <stdio.h>
#include <string.h>

int gz_org_brief_get(gz_db *db, int64_t id, gz_org_brief *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT id, type, name, space_code FROM organisations WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		out->id = gz_stmt_int64(st, 0);
		snprintf(out->type, sizeof out->type, "%s", gz_stmt_text(st, 1));
		snprintf(out->name, sizeof out->name, "%s", gz_stmt_text(st, 2));
		snprintf(out->space, sizeof out->space, "%s", gz_stmt_text(st, 3));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

#define AGREEMENT_BRIEF_COLS "id, unit_org_id, start_at, end_at, community_code, status"

static void agreement_row(gz_stmt *st, gz_org_agreement_brief *out)
{
	memset(out, 0, sizeof *out);
	out->id = gz_stmt_int64(st, 0);
	out->unit_org_id = gz_stmt_int64(st, 1);
	out->start_at = gz_stmt_int64(st, 2);
	out->end_at = gz_stmt_int64(st, 3);
	snprintf(out->community_code, sizeof out->community_code, "%s", gz_stmt_text(st, 4));
	out->active = org_agreement_status_parse(gz_stmt_text(st, 5)) == ORG_AGREEMENT_ACTIVE;
}

int gz_org_agreement_brief_get(gz_db *db, int64_t id, gz_org_agreement_brief *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT " AGREEMENT_BRIEF_COLS " FROM coop_agreements WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		agreement_row(st, out);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int gz_org_agreements_of(gz_db *db, const char *community, gz_org_agreement_brief *out, int max,
                         gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT " AGREEMENT_BRIEF_COLS " FROM coop_agreements WHERE "
	                            "community_code = $1 ORDER BY id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, community);
	int n = 0, rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW && n < max)
		agreement_row(st, &out[n++]);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : n;
}
