/* The space module: streets, communities, grids (polygons), buildings and the
 * point-in-grid locator (src/api/space*.c, src/domain/space.c, geo.c; the command
 * `gongzhi import grids`). The write functions other modules and the command line
 * share are in api/space.h until the module's files move here. */
#ifndef GZ_MODULES_SPACE_H
#define GZ_MODULES_SPACE_H

#include "domain/policy.h"

extern policy_resource RES_SPACE; /* streets, communities, grids, buildings */

#endif
