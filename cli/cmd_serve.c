/* cmd_serve.c - `attune serve`: the web app on an existing database,
 * until SIGINT or SIGTERM (web/server.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "web/serve.h"

static const char serve_usage[] =
"usage: attune serve [--db PATH|URI] [--listen ADDR:PORT] [--secure-cookies]\n"
"\n"
"Serve the web app: therapists' caseloads and client pages, supervisors'\n"
"read-only views, the admin's user pages, and clients' check-in links\n"
"(/c/TOKEN). Runs until SIGINT (Ctrl-C) or SIGTERM, then stops taking\n"
"new connections, lets requests in flight finish and closes the\n"
"database cleanly. One line per request goes to standard error.\n"
"\n"
"  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0\n"
"                      picks a free one; [::1]:8080 for IPv6)\n"
"  --secure-cookies    mark cookies Secure and send HSTS: use this when\n"
"                      a TLS reverse proxy serves attune over https\n"
"  --db PATH|URI       an SQLite file, or a PostgreSQL database as\n"
"                      postgresql://USER@HOST[:PORT]/DB (one connection\n"
"                      per worker thread; the password from PGPASSWORD\n"
"                      or ~/.pgpass rather than in the URI, which the\n"
"                      startup log line shows)\n"
"\n"
"Accounts: `attune user add`. See docs/user-guide.md and\n"
"docs/security.md (running behind a TLS reverse proxy).\n";

static void ready(void *ctx, const char *zAddress)
{
	(void)ctx;
	printf("attune: serving at http://%s/ (Ctrl-C to stop)\n", zAddress);
	fflush(stdout);
}

int cli_serve(struct cli *cli, const char *zListen, int secure)
{
	struct web_options o;
	attune_catalog *cat;
	attune_err err;
	int rc, exists = 0;

	if ((rc = cli_db_exists(cli, &exists)))
		return cli_exit_for(rc);
	if (!exists) {
		cli_err("%s: no database here (create one with `attune init "
		        "--db %s`)", cli_db_shown(cli), cli_db_shown(cli));
		return EXIT_INPUT;
	}
	if (cli_catalog(cli, &cat))
		return EXIT_INPUT;
	memset(&o, 0, sizeof(o));
	o.db = cli->db;
	o.listen = zListen;
	o.secure_cookies = secure;
	o.cat = cat;
	o.ready = ready;
	rc = web_serve(&o, &err);
	if (rc) {
		cli_err("%s", err.msg);
		return cli_exit_for(rc);
	}
	return EXIT_OKAY;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	enum { OPT_LISTEN = OPT_FIRST_FREE, OPT_SECURE };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"secure-cookies", no_argument, NULL, OPT_SECURE},
		{NULL, 0, NULL, 0}
	};
	const char *listen = NULL;
	int c, secure = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(serve_usage, 0);
		case OPT_LISTEN: listen = optarg; break;
		case OPT_SECURE: secure = 1; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(serve_usage, 1);
		}
	}
	if (optind != argc)
		return cli_usage(serve_usage, 1);
	return cli_serve(cli, listen, secure);
}
