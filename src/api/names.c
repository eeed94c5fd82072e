/* Display names of records (api/names.h): a small registry of the modules' namers. */
#include "api/names.h"
#include "api/common.h"

#include <string.h>

#define NAMERS_MAX 32

static const gz_namer *namers[NAMERS_MAX];
static int nnamers;

void gz_names_register(const gz_namer *list)
{
	for (const gz_namer *n = list; n && n->record_type; n++) {
		int i = 0;
		while (i < nnamers && strcmp(namers[i]->record_type, n->record_type))
			i++;
		if (i < nnamers)
			namers[i] = n;
		else if (nnamers < NAMERS_MAX)
			namers[nnamers++] = n;
	}
}

/* One chunk of refs[from, to): binds their ids (unused slots NULL), runs the query and
 * fills every ref whose id a row has. Returns 0, or -1 with err. */
static int name_chunk(const gz_namer *nm, const gz_actor *viewer, gz_db *db, gz_arena *A,
                      gz_name_ref *refs, size_t from, size_t to, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, nm->sql, err);
	if (!st)
		return -1;
	int bound = 0;
	for (size_t i = from; i < from + GZ_NAMES_CHUNK; i++) {
		int idx = (int)(i - from) + 1;
		int64_t id = i < to && refs[i].id && nm->int_ids ? gz_api_parse_id(refs[i].id) : 0;
		if (i >= to || !refs[i].id || !refs[i].id[0] || (nm->int_ids && id <= 0)) {
			gz_stmt_bind_null(st, idx);
			continue;
		}
		if (nm->int_ids)
			gz_stmt_bind_int64(st, idx, id);
		else
			gz_stmt_bind_str(st, idx, refs[i].id);
		bound++;
	}
	int rc = GZ_DONE;
	while (bound && (rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *id = gz_stmt_text(st, 0);
		for (size_t i = from; i < to; i++)
			if (refs[i].id && id && !strcmp(refs[i].id, id))
				nm->row(st, &refs[i], viewer, A);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int gz_names_resolve(const gz_actor *viewer, gz_db *db, gz_arena *A, const char *record_type,
                     gz_name_ref *refs, size_t n, gz_err *err)
{
	for (size_t i = 0; i < n; i++) {
		refs[i].name = refs[i].detail = NULL;
		refs[i].masked = false;
	}
	const gz_namer *nm = NULL;
	for (int i = 0; record_type && i < nnamers && !nm; i++)
		if (!strcmp(namers[i]->record_type, record_type))
			nm = namers[i];
	if (!nm)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (nm->empty_name && refs[i].id && !refs[i].id[0])
			refs[i].name = nm->empty_name;
	for (size_t from = 0; from < n; from += GZ_NAMES_CHUNK)
		if (name_chunk(nm, viewer, db, A, refs, from,
		               from + GZ_NAMES_CHUNK < n ? from + GZ_NAMES_CHUNK : n, err) < 0)
			return -1;
	if (strcmp(record_type, "place") != 0)
		return 0;
	/* A scope is a place or an organisation's ("org:<id>/", domain/policy.h): those the
	 * place namer left go to the "org_scope" namer, in one more batch. */
	size_t norg = 0;
	for (size_t i = 0; i < n; i++)
		norg += !refs[i].name && refs[i].id && !strncmp(refs[i].id, "org:", 4);
	if (!norg)
		return 0;
	gz_name_ref *orgs = gz_arena_alloc(A, sizeof *orgs * norg);
	size_t *at = gz_arena_alloc(A, sizeof *at * norg), k = 0;
	for (size_t i = 0; i < n; i++)
		if (!refs[i].name && refs[i].id && !strncmp(refs[i].id, "org:", 4)) {
			orgs[k].id = refs[i].id;
			at[k++] = i;
		}
	if (gz_names_resolve(viewer, db, A, "org_scope", orgs, norg, err) < 0)
		return -1;
	for (k = 0; k < norg; k++) {
		refs[at[k]].name = orgs[k].name;
		refs[at[k]].detail = orgs[k].detail;
	}
	return 0;
}
