/* cmd_serve.c - `attune serve`: the web app on an existing database,
 * until SIGINT or SIGTERM (web/server.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "web/serve.h"

static const char serve_usage[] =
"usage: attune serve [--db PATH|URI] [--listen ADDR:PORT] [--secure-cookies]\n"
"                    [--tls-cert FILE --tls-key FILE]\n"
"\n"
"Serve the web app: therapists' caseloads and client pages, supervisors'\n"
"read-only views, the admin's pages (users and roles, passwords, access\n"
"to single clients, clinic settings, the audit log and its CSV export),\n"
"everyone's own account page, and clients' check-in links (/c/TOKEN).\n"
"Runs until SIGINT (Ctrl-C) or SIGTERM, then stops taking\n"
"new connections, lets requests in flight finish and closes the\n"
"database cleanly. One line per request goes to standard error.\n"
"\n"
"  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0\n"
"                      picks a free one; [::1]:8080 for IPv6)\n"
"  --secure-cookies    mark cookies Secure and send HSTS: use this when\n"
"                      a TLS reverse proxy serves attune over https\n"
"  --tls-cert FILE     serve https directly (TLS 1.2 and 1.3): FILE is\n"
"                      the PEM certificate chain, server first\n"
"  --tls-key FILE      its PEM private key (keep it readable by the\n"
"                      server's user only); both or neither; implies\n"
"                      --secure-cookies\n"
"  --db PATH|URI       an SQLite file, or a PostgreSQL database as\n"
"                      postgresql://USER@HOST[:PORT]/DB (one connection\n"
"                      per worker thread; the password from PGPASSWORD\n"
"                      or ~/.pgpass rather than in the URI; logs show\n"
"                      the URI with any password masked)\n"
"\n"
"Accounts: `attune user add`. See docs/user-guide.md and\n"
"docs/security.md (TLS directly or behind a reverse proxy).\n";

static void ready(void *ctx, const char *zAddress)
{
	const struct web_options *o = ctx;

	printf("attune: serving at %s://%s/ (Ctrl-C to stop)\n",
	       o->tls_cert ? "https" : "http", zAddress);
	fflush(stdout);
}

/* A PEM file for TLS: read whole, at most 1 MiB, and it must look like
 * PEM (GnuTLS says little more than "refused" about a wrong file). */
static int read_pem(const char *zFlag, const char *zPath, const char *zWant,
                    char **out)
{
	attune_err err;
	size_t len;

	*out = NULL;
	if (cli_read_file(zPath, 1u << 20, out, &len, &err) != ATTUNE_OK) {
		cli_err("%s %s: %s", zFlag, zPath, err.msg);
		return EXIT_INPUT;
	}
	if (!strstr(*out, "-----BEGIN ") || !strstr(*out, zWant)) {
		cli_err("%s %s: not a PEM file with a %s (it should contain "
		        "a line '-----BEGIN ...%s...-----')", zFlag, zPath,
		        zWant, zWant);
		free(*out);
		*out = NULL;
		return EXIT_INPUT;
	}
	return EXIT_OKAY;
}

int cli_serve(struct cli *cli, const char *zListen, int secure,
              const char *zCert, const char *zKey)
{
	struct web_options o;
	attune_catalog *cat;
	attune_err err;
	char *cert = NULL, *key = NULL;
	int rc, exists = 0;

	if ((rc = cli_db_exists(cli, &exists)))
		return cli_exit_for(rc);
	if (!exists) {
		cli_err("%s: no database here (create one with `attune init "
		        "--db %s`)", cli_db_shown(cli), cli_db_shown(cli));
		return EXIT_INPUT;
	}
	if (zCert && ((rc = read_pem("--tls-cert", zCert, "CERTIFICATE",
	                             &cert)) ||
	              (rc = read_pem("--tls-key", zKey, "PRIVATE KEY",
	                             &key)))) {
		free(cert);
		return rc;
	}
	if (cli_catalog(cli, &cat)) {
		free(cert);
		free(key);
		return EXIT_INPUT;
	}
	memset(&o, 0, sizeof(o));
	o.db = cli->db;
	o.listen = zListen;
	o.secure_cookies = secure || cert;
	o.tls_cert = cert;
	o.tls_key = key;
	o.cat = cat;
	o.ready = ready;
	o.ready_ctx = &o;
	rc = web_serve(&o, &err);
	if (key) {
		memset(key, 0, strlen(key));   /* not left in freed memory */
		free(key);
	}
	free(cert);
	if (rc) {
		cli_err("%s", err.msg);
		return cli_exit_for(rc);
	}
	return EXIT_OKAY;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	enum { OPT_LISTEN = OPT_FIRST_FREE, OPT_SECURE, OPT_CERT, OPT_KEY };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"secure-cookies", no_argument, NULL, OPT_SECURE},
		{"tls-cert", required_argument, NULL, OPT_CERT},
		{"tls-key", required_argument, NULL, OPT_KEY},
		{NULL, 0, NULL, 0}
	};
	const char *listen = NULL, *cert = NULL, *key = NULL;
	int c, secure = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(serve_usage, 0);
		case OPT_LISTEN: listen = optarg; break;
		case OPT_SECURE: secure = 1; break;
		case OPT_CERT: cert = optarg; break;
		case OPT_KEY: key = optarg; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(serve_usage, 1);
		}
	}
	if (optind != argc)
		return cli_usage(serve_usage, 1);
	if (!cert != !key) {
		cli_err("--tls-cert and --tls-key go together: give both to "
		        "serve https, or neither");
		return EXIT_USAGE;
	}
	return cli_serve(cli, listen, secure, cert, key);
}
