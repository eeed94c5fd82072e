/* The accounts module: sessions, users and their grants, the audit log
 * (src/api/session.c, users.c, audit.c; the command `gongzhi user`). */
#ifndef GZ_MODULES_ACCOUNTS_H
#define GZ_MODULES_ACCOUNTS_H

#include "domain/policy.h"

extern policy_resource RES_ACCOUNT; /* users and their grants */
extern policy_resource RES_AUDIT;   /* the audit log */

#endif
