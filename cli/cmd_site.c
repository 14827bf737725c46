/* cmd_site.c - `attune site`: the sites of a clinic network (add, list).
 * A user works at one site (attune user set-site); the clinic overview
 * (attune overview --by site) groups by it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char site_usage[] =
"usage: attune site add NAME\n"
"       attune site list\n"
"\n"
"Sites of the clinic (a clinic network's locations). NAME is text, unique\n"
"in the clinic. Put a user at a site with `attune user set-site` or\n"
"`attune user add --site`; `attune overview --by site` groups by it.\n"
"  add   a new site (audited site.add)\n"
"  list  sites by name with how many users work there\n";

/* A callback's "stop, found": above every attune_rc. */
#define FOUND 100

struct site_find {
	const char *name;
	attune_id id;
};

static int find_cb(void *ctx, const attune_site_rec *r)
{
	struct site_find *f = ctx;

	if (strcmp(r->name, f->name) == 0) {
		f->id = r->id;
		return FOUND;
	}
	return 0;
}

int cli_find_site(attune_store *st, attune_id clinic, const char *name,
                  attune_id *id)
{
	struct site_find f = { name, 0 };
	int rc = attune_store_site_list(st, clinic, find_cb, &f);

	if (rc && rc != FOUND) {
		cli_err("%s", attune_store_errmsg(st));
		return -1;
	}
	if (!f.id) {
		cli_err("no site '%s' (see attune site list)", name);
		return -1;
	}
	*id = f.id;
	return 0;
}

static int list_cb(void *ctx, const attune_site_rec *r)
{
	(void)ctx;
	printf("%-30s %lld user%s\n", r->name, (long long)r->n_users,
	       r->n_users == 1 ? "" : "s");
	return 0;
}

int cmd_site(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{NULL, 0, NULL, 0}
	};
	attune_store *st = NULL;
	attune_id clinic;
	const char *verb;
	int c, rc, exitc = EXIT_INPUT;

	if (argc < 2 || strcmp(argv[1], "--help") == 0)
		return cli_usage(site_usage, argc < 2);
	verb = argv[1];
	argc--;                   /* the verb stands where getopt expects the
	                             program name, so that it permutes */
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_HELP)
			return cli_usage(site_usage, 0);
		if (cli_common_opt(cli, c, optarg) <= 0)
			return cli_usage(site_usage, 1);
	}
	if (strcmp(verb, "add") == 0) {
		if (optind + 1 != argc)
			return cli_usage(site_usage, 1);
	} else if (strcmp(verb, "list") == 0) {
		if (optind != argc)
			return cli_usage(site_usage, 1);
	} else {
		cli_err("unknown verb 'site %s' (see attune site --help)", verb);
		return EXIT_USAGE;
	}
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	if (strcmp(verb, "add") == 0) {
		rc = attune_store_site_add(st, clinic, argv[optind], NULL);
		if (!rc)
			printf("added site %s\n", argv[optind]);
	} else {
		rc = attune_store_site_list(st, clinic, list_cb, NULL);
	}
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
	} else {
		exitc = EXIT_OKAY;
	}
	attune_store_close(st);
	return exitc;
}
