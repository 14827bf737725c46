/* cmd_overview.c - `attune overview`: the clinic overview per therapist
 * or per site (attune_store_overview): clients, open episodes, recent
 * responses and PHQ-9 outcomes judged by reliable change. Aggregates
 * only, never a client code. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attune/change.h"
#include "cli.h"

static const char overview_usage[] =
"usage: attune overview [--by therapist|site] [--days N] [--json]\n"
"\n"
"The clinic at a glance, one row per therapist (every therapist, and\n"
"'(none)' for clients without one) or per site ('(none)' for therapists\n"
"without a site), then the clinic total. Aggregates only: no client\n"
"codes. Computed inside the database (SQLite or PostgreSQL), so it\n"
"stays fast on a large network. Audited (clinic.overview).\n"
"\n"
"Columns:\n"
"  clients    clients whose therapist is in the group\n"
"  open       open episodes of care\n"
"  recent     responses recorded in the last N days (--days, default 90)\n"
"  episodes   episodes (open or closed) with at least two client-rated\n"
"             PHQ-9 totals; first and latest by session number, then\n"
"             time recorded\n"
"  mean       mean change latest - first (negative is better)\n"
"  improved   reliably improved: a drop of at least the reliable-change\n"
"             points of the PHQ-9 definition (6; Jacobson & Truax 1991,\n"
"             J Consult Clin Psychol 59:12, RC = diff / S_diff with\n"
"             reliability .89 from the instrument catalogue; NHS Talking\n"
"             Therapies use the same 6 points)\n"
"  recovered  of those, from at or above the cut-off (10) to below it\n"
"  unchanged  no reliable change\n"
"  worse      reliably deteriorated (a rise of at least 6 points)\n"
"  closed ... the same four for finished episodes only (--json)\n"
"Methods: docs/analytics.md (clinic overview).\n"
"\n"
"Options:\n"
"  --by therapist|site  group by the client's therapist (default) or the\n"
"                       therapist's site (attune site, attune user\n"
"                       set-site)\n"
"  --days N             the window of 'recent', 1..3650 days (90)\n"
"  --json               JSON: {\"by\", \"since\", \"instrument\",\n"
"                       \"reliable_change\", \"rows\": [...], \"total\"}\n";

struct ovc {
	int json;
	size_t n;
	strbuf b;
	attune_overview_row total;
};

static void add_outcome(attune_overview_outcome *t,
                        const attune_overview_outcome *o)
{
	t->episodes += o->episodes;
	t->sum_change += o->sum_change;
	t->improved += o->improved;
	t->recovered += o->recovered;
	t->unchanged += o->unchanged;
	t->deteriorated += o->deteriorated;
}

static void json_num(strbuf *b, double v)
{
	if (isnan(v))
		sb_puts(b, "null");
	else
		sb_num(b, v);
}

static void json_outcome(strbuf *b, const attune_overview_outcome *o)
{
	sb_printf(b, "{\"episodes\":%lld,\"mean_change\":",
	          (long long)o->episodes);
	json_num(b, o->mean_change);
	sb_printf(b, ",\"improved\":%lld,\"recovered\":%lld,"
	          "\"unchanged\":%lld,\"deteriorated\":%lld}",
	          (long long)o->improved, (long long)o->recovered,
	          (long long)o->unchanged, (long long)o->deteriorated);
}

static void put_row(struct ovc *x, const attune_overview_row *r,
                    const char *zName)
{
	strbuf *b = &x->b;
	char mean[40];

	if (x->json) {
		sb_puts(b, x->n ? ",\n" : "\n");
		sb_printf(b, "{\"id\":%lld,\"name\":", (long long)r->id);
		if (r->name)
			sb_json_str(b, r->name);
		else
			sb_puts(b, "null");
		sb_printf(b, ",\"clients\":%lld,\"open_episodes\":%lld,"
		          "\"recent_responses\":%lld,\"all\":",
		          (long long)r->clients, (long long)r->open_episodes,
		          (long long)r->recent_responses);
		json_outcome(b, &r->all);
		sb_puts(b, ",\"closed\":");
		json_outcome(b, &r->closed);
		sb_puts(b, "}");
		return;
	}
	if (isnan(r->all.mean_change))
		snprintf(mean, sizeof(mean), "-");
	else
		fmt_num(mean, round(r->all.mean_change * 100) / 100);
	sb_printf(b, "%-20s %7lld %6lld %7lld %8lld %6s %8lld %9lld %9lld "
	          "%6lld\n", zName, (long long)r->clients,
	          (long long)r->open_episodes, (long long)r->recent_responses,
	          (long long)r->all.episodes, mean, (long long)r->all.improved,
	          (long long)r->all.recovered, (long long)r->all.unchanged,
	          (long long)r->all.deteriorated);
}

static int row_cb(void *ctx, const attune_overview_row *r)
{
	struct ovc *x = ctx;

	put_row(x, r, r->name ? r->name : "(none)");
	x->n++;
	x->total.clients += r->clients;
	x->total.open_episodes += r->open_episodes;
	x->total.recent_responses += r->recent_responses;
	add_outcome(&x->total.all, &r->all);
	add_outcome(&x->total.closed, &r->closed);
	return 0;
}

static void finish(attune_overview_outcome *o)
{
	o->mean_change = o->episodes ? o->sum_change / (double)o->episodes
	                             : NAN;
}

int cmd_overview(struct cli *cli, int argc, char **argv)
{
	enum { OPT_BY = OPT_FIRST_FREE, OPT_DAYS };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"by", required_argument, NULL, OPT_BY},
		{"days", required_argument, NULL, OPT_DAYS},
		{NULL, 0, NULL, 0}
	};
	const attune_instrument *phq9;
	attune_overview_by by = ATTUNE_OVERVIEW_THERAPIST;
	attune_store *st = NULL;
	attune_id clinic;
	struct ovc x;
	int64_t days = 90, since;
	char *out;
	int c, rc, exitc = EXIT_INPUT;

	memset(&x, 0, sizeof(x));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(overview_usage, 0);
		case OPT_JSON: x.json = 1; break;
		case OPT_BY:
			if (strcmp(optarg, "therapist") == 0)
				by = ATTUNE_OVERVIEW_THERAPIST;
			else if (strcmp(optarg, "site") == 0)
				by = ATTUNE_OVERVIEW_SITE;
			else {
				cli_err("--by must be therapist or site, not "
				        "'%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DAYS:
			if (parse_i64(optarg, strlen(optarg), &days) ||
			    days < 1 || days > 3650) {
				cli_err("--days must be a whole number of days "
				        "from 1 to 3650, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(overview_usage, 1);
		}
	}
	if (optind != argc)
		return cli_usage(overview_usage, 1);
	if (!(phq9 = cli_instrument(cli, "phq9")))
		return EXIT_INTERNAL;
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	since = (int64_t)time(NULL) - days * 86400;
	sb_init(&x.b, (size_t)64 << 20);
	if (x.json) {
		sb_printf(&x.b, "{\"by\":\"%s\",\"since\":%lld,"
		          "\"instrument\":\"phq9\",\"reliable_change\":",
		          by == ATTUNE_OVERVIEW_SITE ? "site" : "therapist",
		          (long long)since);
		json_num(&x.b, attune_change_threshold(phq9));
		sb_puts(&x.b, ",\"rows\":[");
	} else {
		sb_printf(&x.b, "%-20s %7s %6s %7s %8s %6s %8s %9s %9s %6s\n",
		          by == ATTUNE_OVERVIEW_SITE ? "site" : "therapist",
		          "clients", "open", "recent", "episodes", "mean",
		          "improved", "recovered", "unchanged", "worse");
	}
	rc = attune_store_overview(st, clinic, by, since, phq9, row_cb, &x);
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
		goto out;
	}
	finish(&x.total.all);
	finish(&x.total.closed);
	if (x.json) {
		sb_puts(&x.b, "\n],\"total\":");
		x.n = 0;             /* no comma before the total's object */
		put_row(&x, &x.total, "total");
		sb_puts(&x.b, "}\n");
	} else {
		put_row(&x, &x.total, "total");
	}
	if (!(out = sb_detach(&x.b, &rc))) {
		cli_err("the overview is too large: %s", attune_strerror(rc));
		exitc = EXIT_INTERNAL;
		goto out;
	}
	fputs(out, stdout);
	free(out);
	exitc = EXIT_OKAY;
out:
	sb_free(&x.b);
	attune_store_close(st);
	return exitc;
}
