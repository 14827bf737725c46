/* cmd_gains.c - placeholder until the command lands (issue 3). */
#include "cli.h"

int cmd_gains(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	cli_err("gains: not built yet");
	return EXIT_INTERNAL;
}
