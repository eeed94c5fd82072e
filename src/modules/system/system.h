/* The system module: health, metrics, status, the API description and storage probes
 * (src/api/system.c, src/api/probes.c). */
#ifndef GZ_MODULES_SYSTEM_H
#define GZ_MODULES_SYSTEM_H

#include "domain/policy.h"

/* Storage probes and operations data (status details, metrics). */
extern policy_resource RES_PROBE;

#endif
