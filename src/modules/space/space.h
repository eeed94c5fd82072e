/* The space tree (streets, communities, grids, buildings): operations shared by the
 * HTTP handlers (api/space.c) and the command line (cli/import.c), so both take one
 * code path. docs/SPACE.md describes the rules.
 *
 * Each write takes the actor who does it (api/auth.h, gz_actor): a request's user, whose
 * grants decide what it may do, or the command line's operator, who may do anything; the
 * audit row names it. A request's actor carries the request, whose connection is used
 * when db is NULL and whose Idempotency-Key stores the answer. */
#ifndef GZ_MODULES_SPACE_H
#define GZ_MODULES_SPACE_H

#include "domain/policy.h"
#include "db/db.h"
#include "domain/space_code.h"
#include "api/auth.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>

/* Largest GeoJSON document the import takes (API and command line alike). */
#define GZ_SPACE_IMPORT_MAX_BYTES (16u << 20)
/* Most features in one import. */
#define GZ_SPACE_IMPORT_MAX_FEATURES 20000
/* Most errors listed in one report (the count is always exact). */
#define GZ_SPACE_IMPORT_MAX_ERRORS 1000
/* Names of streets, communities, grids and buildings: 1..64 characters. */
#define GZ_SPACE_NAME_MAX 64

/* Imports a GeoJSON FeatureCollection of grids (docs/SPACE.md, "Grid import"):
 * validates everything, reports every problem, and only if there is none creates or
 * replaces the grids (and creates or renames their streets and communities) in ONE
 * transaction with one audit row, bumping space_version. With dry_run nothing is
 * written.
 *
 * Returns 0 with *report set to the report (new reference): {"ok": bool, "dry_run",
 * "features", "created", "replaced", "streets_created", "communities_created",
 * "errors": [...], "error_count", "warnings": [...], "space_version"} — "ok" false
 * when the input has problems (nothing written). Returns -1 with err set when the
 * import could not be judged or written: 401/403/404 (the actor may not administer a grid's
 * community or a new street), 409/503/500 from the database. */
int gz_space_import(gz_db *db, const gz_actor *a, json_t *doc, bool dry_run, json_t **report,
                    gz_err *err);

/* Creates a street (9-digit code) or a community (12-digit code; its street must
 * exist), in one transaction with the audit row. With out, *out gets the record as the
 * route answers it (new reference), read in that transaction. Returns 0, or -1 with err
 * set: 422 invalid_fields, 409 duplicate_code, 401/403/404 from authorisation. */
int gz_space_add_street(gz_db *db, const gz_actor *a, const char *code, const char *name,
                        json_t **out, gz_err *err);
int gz_space_add_community(gz_db *db, const gz_actor *a, const char *code, const char *name,
                           json_t **out, gz_err *err);

/* The street or community code (level SPACE_STREET or SPACE_COMMUNITY) as the API shows
 * it, read from db (new reference); NULL with err set (500 when there is none). */
json_t *gz_space_node_json(gz_db *db, space_level level, const char *code, gz_err *err);

/* Creates a building from {name (1..64), address (1..200), lat, lng} — the body of
 * POST /api/v1/buildings — placed into the grid that contains its point (stored at 1e-7
 * degrees and located at the stored value), in one transaction with the audit row.
 * With a request's actor, db may be NULL (the request's connection, taken after validation).
 * Returns 0 with *out the building as the route answers it ({"id", "grid_code", ...};
 * new reference), or -1 with err set: 422 invalid_fields / outside_grids, 401/403/404
 * from authorisation, 503/500 from the database. */
int gz_space_add_building(gz_db *db, const gz_actor *a, json_t *in, json_t **out, gz_err *err);

/* Point -> grid with this process's locator (an STRtree over prepared polygons, see
 * domain/geo.h), first rebuilding it if space_version in db differs from the version
 * it was built at — so every process sharing one PostgreSQL sees an import at once.
 * Writes the grid code into code (SPACE_CODE_SIZE bytes). Returns 1 when the point
 * lies in a grid, 0 when in none, -1 with err set on a database error. Thread-safe. */
int gz_space_locate(gz_db *db, double lon, double lat, char *code, gz_err *err);

/* Rebuilds the locator from db now if space_version changed (called after an import
 * commits, so the next lookup does not pay for it). Returns 0, or -1 with err set. */
int gz_space_locator_refresh(gz_db *db, gz_err *err);

/* The process's locator: number of grids and the space_version it was built at (for
 * tests and /metrics); -1, -1 before the first lookup. */
void gz_space_locator_info(int *grids, long long *version);

/* Registers the namers of places, streets, communities, grids and buildings
 * (api/names.h; space_names.c): the module's init hook. */
void gz_space_names_init(void);

/* Does the street, community or grid `code` exist (added with mobilisation, for
 * modules placing records at a node)? 1 yes, 0 no (or not a node code), -1 with err set. */
int gz_space_node_exists(gz_db *db, const char *code, gz_err *err);

/* Its rows of the policy table (assigned when the module registers). */
extern policy_resource RES_SPACE; /* streets, communities, grids, buildings */

#endif
