/* What the files of src/modules/services/ share (module-internal). catalogue.c: the
 * catalogue (办事指南) and its search; common.c: field parsers and small helpers. */
#ifndef GZ_MODULES_SERVICES_INTERNAL_H
#define GZ_MODULES_SERVICES_INTERNAL_H

#include "api/auth.h"
#include "core/arena.h"
#include "db/db.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The version of the search terms (terms.c): rows indexed by an older one are indexed
 * again (gz_services_reindex). Raise it when svc_terms changes. */
#define SVC_TERMS_VERSION 1

/* A JSON text column parsed (new reference), or an empty array when it is not JSON. */
json_t *svc_json_column(gz_stmt *st, int col);

/* Category codes and their labels: "certificate" → "证明开具". NULL when unknown. */
const char *svc_category_label(const char *code);

/* "123" for an id, in A. */
const char *svc_idstr(gz_arena *A, int64_t id);

#endif
