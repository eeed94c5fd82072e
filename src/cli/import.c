#include "cli/cli.h"

#include <stdio.h>

const char gz_cli_import_usage[] = "gongzhi import grids FILE.geojson (not yet available)\n";

int gz_cli_import(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "gongzhi import: not yet available\n");
	return 1;
}
