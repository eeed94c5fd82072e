/* The matching module (供需对接, issue 11): what other modules and main may use.
 * Today the exact fair matching engine (engine.h), its JSON instances (instance.h)
 * and the command `gongzhi match`; the needs, resources and projects lists and their
 * API come next. */
#ifndef GZ_MODULES_MATCHING_MATCHING_H
#define GZ_MODULES_MATCHING_MATCHING_H

#include "modules/matching/engine.h"
#include "modules/matching/instance.h"

/* gongzhi match --in INSTANCE.json [--out RESULT.json] [--explain] (cli.c) */
int gz_cli_match(int argc, char **argv);
extern const char gz_cli_match_usage[];

#endif
