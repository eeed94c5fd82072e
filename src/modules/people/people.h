/* The people module: units and their owners, households, residents with encrypted
 * personal data, tags, imports and exports (src/api/residents.c, units.c,
 * people_import.c; domain person.c, resident.c, decimal.c). The functions other
 * modules share are in api/people.h until the module's files move here. */
#ifndef GZ_MODULES_PEOPLE_H
#define GZ_MODULES_PEOPLE_H

#include "domain/policy.h"

extern policy_resource RES_RESIDENT; /* units and their owners, households, residents */

#endif
