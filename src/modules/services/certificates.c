/* Certificates (证明): numbered, with a verification code anyone can check. */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"

int svc_certificate_issue(gz_db *db, const gz_actor *actor, int64_t id, int64_t now, json_t *note,
                          gz_err *err)
{
	(void)db, (void)actor, (void)id, (void)now, (void)note, (void)err;
	return 0;
}

int svc_certificate_of(gz_db *db, json_t *o, int64_t id, gz_err *err)
{
	(void)db, (void)id, (void)err;
	json_object_set_new(o, "certificate", json_null());
	return 0;
}
