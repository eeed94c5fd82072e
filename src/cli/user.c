#include "cli/cli.h"

#include <stdio.h>

const char gz_cli_user_usage[] = "gongzhi user add|passwd|grant|revoke|list (not yet available)\n";

int gz_cli_user(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "gongzhi user: not yet available\n");
	return 1;
}
