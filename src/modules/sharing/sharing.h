/* Sharing and transparency (共享): equity analytics, the public board (居务公开) and the
 * dashboard's figures. Builds on space, people, visits, cases and mobilisation, whose
 * tables it reads (never writes) in the documented read-only joins of
 * docs/ARCHITECTURE.md; formulas in docs/METRICS.md "Equity" and "The public board". */
#ifndef GZ_MODULES_SHARING_H
#define GZ_MODULES_SHARING_H

#include "domain/policy.h"

/* Its row of the policy table: the equity figures of a place and the list of unreached
 * vulnerable residents (which also needs resident read at the place). */
extern policy_resource RES_EQUITY;

#endif
