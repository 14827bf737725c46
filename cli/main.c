/* main.c - the `attune` command: global options and dispatch to one
 * subcommand per file (cmd_*.c). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const struct command {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *summary;
} commands[] = {
	{"init", cmd_init, "create a database"},
	{"demo", cmd_demo, "build the demo clinic and show a client's report"},
	{"client", cmd_client, "add or list clients"},
	{"session", cmd_session, "add a session to a client's episode"},
	{"record", cmd_record, "record a client's or therapist's answers"},
	{"report", cmd_report, "a client's scores and change, in the terminal"},
	{"score", cmd_score, "score a CSV of answers (batch, no database)"},
	{"instruments", cmd_instruments, "list, show or export instruments"},
	{"gains", cmd_gains, "sudden gains and losses (Tang & DeRubeis)"},
	{"change", cmd_change, "reliable and clinically significant change"},
	{"ruptures", cmd_ruptures, "alliance rupture-repair sequences"},
	{"signals", cmd_signals, "expected response and not-on-track signals"},
	{"mirror", cmd_mirror, "code a session transcript (the session mirror)"},
	{"transcript", cmd_transcript, "add, list, show or delete stored "
	 "transcripts"},
	{"audit", cmd_audit, "read the audit log"},
	{"export", cmd_export, "write the whole database as an archive"},
	{"import", cmd_import, "load an archive into a new database"},
	{"serve", cmd_serve, "serve the web app"},
	{"overview", cmd_overview, "the clinic per therapist or site "
	                           "(aggregates)"},
	{"site", cmd_site, "the sites of a clinic network"},
	{"user", cmd_user, "web accounts, supervision and grants"},
	{"token", cmd_token, "API tokens for the JSON API"},
	{NULL, NULL, NULL}
};

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f,
	"usage: attune [--db PATH|URI] [--instruments DIR] [--wording FILE] "
	"COMMAND [ARGS]\n"
	"\n"
	"attune makes the therapeutic relationship visible, session by "
	"session:\n"
	"alliance, outcome and reflective check-ins, scored and kept in a "
	"local\n"
	"database (an SQLite file by default, or PostgreSQL).\n"
	"\n"
	"Commands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f,
	"\n"
	"Options (also accepted after the command):\n"
	"  --db PATH|URI       database file (default $ATTUNE_DB or "
	"./attune.db), or a\n"
	"                      PostgreSQL database: "
	"postgresql://USER@HOST[:PORT]/DB\n"
	"                      (libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD,\n"
	"                      PGPASSFILE fill in what the URI leaves out)\n"
	"  --instruments DIR   also load instrument definitions from "
	"DIR/*.json\n"
	"  --wording FILE      load licensed item wording from FILE "
	"(repeatable);\n"
	"                      also every *.json in $ATTUNE_WORDING_DIR\n"
	"  --help              this help; `attune COMMAND --help` for a "
	"command\n"
	"  --version           print the version\n"
	"\n"
	"Exit codes: 0 ok, 1 bad input, 2 usage, 3 internal error.\n"
	"See attune(1) and docs/ for more.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct cli cli;
	const struct command *cmd;
	int c, rc;

	memset(&cli, 0, sizeof(cli));
	cli.db = getenv("ATTUNE_DB");
	if (!cli.db || !*cli.db)
		cli.db = DEFAULT_DB;
	/* '+': stop at the first non-option, the command name. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'V') {
			printf("attune %s\n", ATTUNE_VERSION);
			return EXIT_OKAY;
		}
		if (c == OPT_HELP) {
			usage(stdout);
			return EXIT_OKAY;
		}
		rc = cli_common_opt(&cli, c, optarg);
		if (rc < 0)
			return EXIT_USAGE;
		if (rc == 0) {
			cli_err("unknown option '%s' (see attune --help)",
			        argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (cmd = commands; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (!cmd->name) {
		if (strcmp(argv[optind], "help") == 0) {
			usage(stdout);
			return EXIT_OKAY;
		}
		cli_err("unknown command '%s' (see attune --help)",
		        argv[optind]);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0;  /* reset getopt for the subcommand (glibc) */
	opterr = 1;
	rc = cmd->fn(&cli, argc, argv);
	attune_catalog_free(cli.cat);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("error writing output");
		return EXIT_INTERNAL;
	}
	return rc;
}
