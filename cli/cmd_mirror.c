/* cmd_mirror.c - placeholder until the session mirror lands (issue 5). */
#include "cli.h"

int cmd_mirror(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	cli_err("mirror: not built yet");
	return EXIT_INTERNAL;
}
