/* cmd_ruptures.c - placeholder until the command lands (issue 3). */
#include "cli.h"

int cmd_ruptures(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	cli_err("ruptures: not built yet");
	return EXIT_INTERNAL;
}
