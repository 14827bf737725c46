/* cmd_token.c - `attune token`: API tokens for the integration API
 * (/api/v1/, docs/api.md). A token is shown once when made; the store
 * keeps only its hash. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "cli.h"
#include "web/serve.h"

static const char token_usage[] =
"usage: attune token create --user NAME [--label TEXT]\n"
"       attune token list\n"
"       attune token revoke ID\n"
"\n"
"Bearer tokens for the JSON API under /api/v1/. A token acts as its\n"
"user, with exactly that user's permissions. `create` prints the token\n"
"once (only its hash is kept); `revoke` ends it at once.\n";

struct who {
	attune_id id;
};

static int who_cb(void *ctx, const attune_user_rec *u)
{
	((struct who *)ctx)->id = u->id;
	return 0;
}

static int list_cb(void *ctx, const attune_token_rec *t)
{
	char when[32];
	time_t c = (time_t)t->created_at;
	struct tm tm;

	(void)ctx;
	gmtime_r(&c, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	printf("%-6lld user:%-6lld %s %s%s\n", (long long)t->id,
	       (long long)t->user_id, when, t->label,
	       t->revoked_at ? " (revoked)" : "");
	return 0;
}

int cmd_token(struct cli *cli, int argc, char **argv)
{
	enum { OPT_USER = OPT_FIRST_FREE, OPT_LABEL };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"user", required_argument, NULL, OPT_USER},
		{"label", required_argument, NULL, OPT_LABEL},
		{NULL, 0, NULL, 0}
	};
	const char *verb, *user = NULL, *label = "API token";
	char tok[WEB_TOKEN_LEN + 1], hash[WEB_HASH_HEX + 1];
	attune_token_rec t;
	attune_store *st = NULL;
	attune_id clinic, id = 0;
	struct who w = {0};
	int64_t rid = 0;
	int c, rc, exitc = EXIT_INPUT;

	if (argc < 2 || strcmp(argv[1], "--help") == 0)
		return cli_usage(token_usage, argc < 2);
	verb = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(token_usage, 0);
		case OPT_USER: user = optarg; break;
		case OPT_LABEL: label = optarg; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(token_usage, 1);
		}
	}
	if (strcmp(verb, "create") == 0) {
		if (!user || optind != argc)
			return cli_usage(token_usage, 1);
	} else if (strcmp(verb, "revoke") == 0) {
		if (optind + 1 != argc ||
		    parse_i64(argv[optind], strlen(argv[optind]), &rid) ||
		    rid <= 0)
			return cli_usage(token_usage, 1);
	} else if (strcmp(verb, "list") != 0 || optind != argc) {
		return cli_usage(token_usage, 1);
	}
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	if (strcmp(verb, "list") == 0) {
		rc = attune_store_token_list(st, 0, list_cb, NULL);
	} else if (strcmp(verb, "revoke") == 0) {
		rc = attune_store_token_revoke(st, rid);
		if (!rc)
			printf("token %lld revoked\n", (long long)rid);
	} else {
		rc = attune_store_user_find(st, clinic, user, who_cb, &w);
		if (rc == ATTUNE_ENOTFOUND) {
			cli_err("no user '%s'", user);
			goto out;
		}
		if (!rc && (rc = web_token_new(tok, hash)) == ATTUNE_OK) {
			memset(&t, 0, sizeof(t));
			t.token_hash = hash;
			t.user_id = w.id;
			t.label = label;
			rc = attune_store_token_add(st, &t, &id);
		}
		if (!rc)
			printf("token %lld for %s (shown once):\n%s\n",
			       (long long)id, user, tok);
		sodium_memzero(tok, sizeof(tok));
	}
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
		goto out;
	}
	exitc = EXIT_OKAY;
out:
	attune_store_close(st);
	return exitc;
}
