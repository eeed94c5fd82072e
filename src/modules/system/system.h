/* The system module: health, metrics, status, the API description and storage probes
 * (src/api/system.c, src/api/probes.c). */
#ifndef GZ_MODULES_SYSTEM_H
#define GZ_MODULES_SYSTEM_H

#include "domain/policy.h"

/* Storage probes and operations data (status details, metrics). */
extern policy_resource RES_PROBE;

/* Records when the process started serving (for the status answer's uptime). */
void gz_system_mark_started(void);

#endif
