/* cmd_report.c - `attune report`: one client's measures session by
 * session in the terminal (or JSON): totals, subscales, bands, risk
 * flags first, and change from first to last score. Every number comes
 * from libattune; the report only arranges them. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "attune/change.h"
#include "attune/score.h"

static const char report_usage[] =
"usage: attune report --client CODE [--json]\n"
"\n"
"A client's scores by session for every measure recorded: totals,\n"
"subscales (goals, tasks, bond for alliance measures), severity bands,\n"
"flags such as PHQ-9 item 9 shown first, and the change from the first\n"
"to the latest score with reliable change and the clinical cut-off\n"
"(docs/scoring.md). Reading a report is written to the audit log.\n";

struct resp {
	char instrument[ATTUNE_ID_MAX + 1];
	int respondent;
	int session;
	char date[11];
	size_t n;
	double v[ATTUNE_ITEMS_MAX];
};

struct collect {
	struct resp *r;
	size_t n, cap;
	int oom;
};

static int collect_cb(void *ctx, const attune_response_rec *rec)
{
	struct collect *c = ctx;
	struct resp *r;
	size_t i;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct resp *nr = realloc(c->r, cap * sizeof(*nr));
		if (!nr) {
			c->oom = 1;
			return 1;
		}
		c->r = nr;
		c->cap = cap;
	}
	r = &c->r[c->n++];
	snprintf(r->instrument, sizeof(r->instrument), "%s", rec->instrument);
	r->respondent = rec->respondent;
	r->session = rec->session_number;
	snprintf(r->date, sizeof(r->date), "%s",
	         rec->session_date ? rec->session_date : "");
	r->n = rec->n_values < ATTUNE_ITEMS_MAX ? rec->n_values
	                                        : ATTUNE_ITEMS_MAX;
	for (i = 0; i < ATTUNE_ITEMS_MAX; i++)
		r->v[i] = i < r->n ? rec->values[i] : attune_missing();
	return 0;
}

struct client_info {
	attune_client_rec rec;
	char code[ATTUNE_ID_MAX + 1];
	char name[256];
	int has_name;
};

static int client_cb(void *ctx, const attune_client_rec *r)
{
	struct client_info *ci = ctx;

	ci->rec = *r;
	snprintf(ci->code, sizeof(ci->code), "%s", r->code);
	ci->has_name = r->display_name != NULL;
	snprintf(ci->name, sizeof(ci->name), "%s",
	         r->display_name ? r->display_name : "");
	return 0;
}

struct therapist_name {
	attune_id id;
	char name[ATTUNE_ID_MAX + 1];
};

static int therapist_cb(void *ctx, const attune_user_rec *r)
{
	struct therapist_name *t = ctx;

	if (r->id == t->id)
		snprintf(t->name, sizeof(t->name), "%s", r->name);
	return 0;
}

/* A line of eight-level blocks from lo to hi: a glance at the course. */
static void sparkline(strbuf *b, const double *x, size_t n, double lo,
                      double hi)
{
	static const char *const bars[] = {"\u2581", "\u2582", "\u2583",
		"\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
	size_t i;

	for (i = 0; i < n; i++) {
		int k;
		if (isnan(x[i])) {
			sb_putc(b, ' ');
			continue;
		}
		k = hi > lo ? (int)floor((x[i] - lo) / (hi - lo) * 7.999) : 0;
		k = k < 0 ? 0 : k > 7 ? 7 : k;
		sb_puts(b, bars[k]);
	}
}

/* A difference of two rounded scores, rounded again to the scores'
 * precision (or 2 decimals) so 3.29 - 2.86 shows as 0.43. */
static double display(const attune_instrument *in, double v)
{
	int d = in->total.round_digits >= 0 ? in->total.round_digits : 2;
	double p = pow(10, d);

	return round(v * p) / p;
}

static void put_num(strbuf *b, double v, int json)
{
	if (isnan(v))
		sb_puts(b, json ? "null" : "-");
	else
		sb_num(b, v);
}

/* One instrument + respondent series. */
static void series(strbuf *b, const attune_instrument *in, int respondent,
                   const struct resp *r, size_t n, int json, int *first)
{
	attune_score *s = calloc(n ? n : 1, sizeof(*s));
	double *tot = calloc(n ? n : 1, sizeof(double));
	double firstv = NAN, lastv = NAN;
	size_t i, k, m = 0;
	char cell[40];

	if (!s || !tot) {
		b->rc = ATTUNE_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(r[i].instrument, in->id) != 0 ||
		    r[i].respondent != respondent)
			continue;
		attune_score_compute(in, r[i].v, &s[i]);
		tot[m++] = s[i].total;
		if (!isnan(s[i].total)) {
			if (isnan(firstv))
				firstv = s[i].total;
			lastv = s[i].total;
		}
	}
	if (m == 0)
		goto out;
	if (json) {
		sb_puts(b, *first ? "\n  {\"instrument\": " :
		                    ",\n  {\"instrument\": ");
		*first = 0;
		sb_json_str(b, in->id);
		sb_puts(b, ", \"respondent\": ");
		sb_json_str(b, respondent ? "therapist" : "client");
		sb_puts(b, ", \"scores\": [");
	} else {
		sb_printf(b, "\n%s%s  (%s is better; range ", in->title,
		          respondent != (int)in->respondent ?
		          (respondent ? " [rated by the therapist]" :
		           " [rated by the client]") : "",
		          in->direction == ATTUNE_HIGHER_IS_BETTER ? "higher" :
		          "lower");
		put_num(b, in->total.min, 0);
		sb_putc(b, '-');
		put_num(b, in->total.max, 0);
		sb_puts(b, ")\n  ");
		sparkline(b, tot, m, in->total.min, in->total.max);
		sb_printf(b, "\n  %-8s %-10s %7s", "session", "date", "total");
		for (k = 0; k < in->n_subscales; k++)
			sb_printf(b, " %7.7s", in->subscales[k].id);
		sb_puts(b, "  band / flags\n");
	}
	m = 0;
	for (i = 0; i < n; i++) {
		const char *band;
		if (strcmp(r[i].instrument, in->id) != 0 ||
		    r[i].respondent != respondent)
			continue;
		band = attune_score_band_label(in, &s[i]);
		if (json) {
			sb_printf(b, "%s{\"session\": %d, \"date\": ",
			          m++ ? ", " : "", r[i].session);
			sb_json_str(b, r[i].date);
			sb_puts(b, ", \"total\": ");
			put_num(b, s[i].total, 1);
			sb_puts(b, ", \"subscales\": {");
			for (k = 0; k < in->n_subscales; k++) {
				sb_puts(b, k ? ", " : "");
				sb_json_str(b, in->subscales[k].id);
				sb_puts(b, ": ");
				put_num(b, s[i].sub[k], 1);
			}
			sb_puts(b, "}, \"band\": ");
			if (band)
				sb_json_str(b, band);
			else
				sb_puts(b, "null");
			sb_puts(b, s[i].prorated ? ", \"prorated\": true" :
			                           ", \"prorated\": false");
			sb_puts(b, ", \"flags\": [");
			int nf = 0;
			for (k = 0; k < in->n_flags; k++)
				if (s[i].flags & (1u << k)) {
					sb_puts(b, nf++ ? ", " : "");
					sb_json_str(b, in->flags[k].id);
				}
			sb_puts(b, "]}");
			continue;
		}
		sb_printf(b, "  %-8d %-10s ", r[i].session, r[i].date);
		if (isnan(s[i].total))
			snprintf(cell, sizeof(cell), "-");
		else
			fmt_num(cell, s[i].total);
		sb_printf(b, "%7s%s", cell, s[i].prorated & 1u ? "*" : " ");
		for (k = 0; k < in->n_subscales; k++) {
			if (isnan(s[i].sub[k]))
				snprintf(cell, sizeof(cell), "-");
			else
				fmt_num(cell, s[i].sub[k]);
			sb_printf(b, "%7.7s ", cell);
		}
		sb_printf(b, " %s", band ? band : "");
		for (k = 0; k < in->n_flags; k++)
			if (s[i].flags & (1u << k))
				sb_printf(b, "  FLAG %s", in->flags[k].id);
		sb_putc(b, '\n');
	}
	if (!isnan(firstv) && !isnan(lastv)) {
		attune_change ch;
		attune_change_classify(in, firstv, lastv, &ch);
		if (json) {
			sb_puts(b, "], \"change\": {\"first\": ");
			sb_num(b, firstv);
			sb_puts(b, ", \"last\": ");
			sb_num(b, lastv);
			sb_puts(b, ", \"threshold\": ");
			put_num(b, ch.threshold, 1);
			sb_puts(b, ", \"class\": ");
			sb_json_str(b, attune_change_class_name(ch.cls));
			sb_puts(b, "}}");
		} else {
			sb_puts(b, "  change: ");
			sb_num(b, firstv);
			sb_puts(b, " -> ");
			sb_num(b, lastv);
			sb_puts(b, " (");
			if (ch.diff > 0)
				sb_putc(b, '+');
			sb_num(b, display(in, ch.diff));
			sb_printf(b, "): %s", attune_change_class_name(ch.cls));
			if (!isnan(ch.threshold)) {
				sb_puts(b, " [reliable change ");
				sb_num(b, ch.threshold);
				sb_puts(b, " points");
				if (ch.case_first >= 0) {
					sb_puts(b, "; cut-off ");
					sb_num(b, in->norms.cutoff);
				}
				sb_putc(b, ']');
			}
			sb_putc(b, '\n');
		}
	} else if (json) {
		sb_puts(b, "], \"change\": null}");
	}
out:
	free(s);
	free(tot);
}

static int kind_rank(const attune_instrument *in)
{
	if (strcmp(in->kind, "outcome") == 0)
		return 0;
	if (strcmp(in->kind, "alliance") == 0 ||
	    strstr(in->id, "alliance") != NULL)
		return 1;
	if (strcmp(in->kind, "reflective") == 0)
		return 2;
	return 3;
}

int cli_report(struct cli *cli, attune_store *st, attune_id clinic,
               const char *code, int json)
{
	struct collect col = {NULL, 0, 0, 0};
	struct client_info ci;
	struct therapist_name tn;
	attune_catalog *cat;
	size_t i, k, nflags = 0, attended_sessions = 0;
	int rc, first = 1, resp, rank, last_session = -1;
	strbuf b;

	memset(&ci, 0, sizeof(ci));
	if (cli_catalog(cli, &cat))
		return EXIT_INPUT;
	rc = attune_store_client_find(st, clinic, code, client_cb, &ci);
	if (rc == ATTUNE_OK && ci.rec.id == 0)
		rc = ATTUNE_ENOTFOUND;
	if (rc) {
		if (rc == ATTUNE_ENOTFOUND)
			cli_err("no client '%s' (see attune client list)", code);
		else
			cli_err("%s", attune_store_errmsg(st));
		return cli_exit_for(rc);
	}
	rc = attune_store_response_list(st, ci.rec.id, NULL, collect_cb, &col);
	if (col.oom) {
		free(col.r);
		cli_err("out of memory");
		return EXIT_INTERNAL;
	}
	if (rc) {
		free(col.r);
		cli_err("%s", attune_store_errmsg(st));
		return cli_exit_for(rc);
	}
	tn.id = ci.rec.therapist_id;
	snprintf(tn.name, sizeof(tn.name), "unassigned");
	if (tn.id)
		attune_store_user_list(st, clinic, therapist_cb, &tn);
	for (i = 0; i < col.n; i++)
		if (col.r[i].session != last_session) {
			attended_sessions++;
			last_session = col.r[i].session;
		}

	sb_init(&b, (size_t)1 << 30);
	if (json) {
		sb_puts(&b, "{\"client\": ");
		sb_json_str(&b, ci.code);
		sb_puts(&b, ", \"name\": ");
		if (ci.has_name)
			sb_json_str(&b, ci.name);
		else
			sb_puts(&b, "null");
		sb_puts(&b, ", \"therapist\": ");
		sb_json_str(&b, tn.name);
		sb_printf(&b, ", \"sessions_with_data\": %zu, \"measures\": [",
		          attended_sessions);
	} else {
		sb_printf(&b, "Client %s%s%s%s - therapist %s - %zu sessions "
		          "with measures\n", ci.code, ci.has_name ? " (" : "",
		          ci.name, ci.has_name ? ")" : "", tn.name,
		          attended_sessions);
		/* Flags first, so nobody scrolls past a risk item. */
		for (i = 0; i < col.n; i++) {
			const attune_instrument *in =
				attune_catalog_find(cat, col.r[i].instrument);
			attune_score s;
			if (!in)
				continue;
			attune_score_compute(in, col.r[i].v, &s);
			for (k = 0; k < in->n_flags; k++)
				if (s.flags & (1u << k)) {
					sb_printf(&b, "!! session %d (%s): %s\n",
					          col.r[i].session, col.r[i].date,
					          in->flags[k].label);
					nflags++;
				}
		}
		if (col.n == 0)
			sb_puts(&b, "No measures recorded yet.\n");
	}
	/* Outcome first, then the alliance from both sides, then the
	 * reflective check-ins and attachment. */
	for (rank = 0; rank < 4; rank++)
		for (i = 0; i < attune_catalog_count(cat); i++)
			for (resp = 0; resp <= 1; resp++) {
				const attune_instrument *in =
					attune_catalog_at(cat, i);
				if (kind_rank(in) == rank)
					series(&b, in, resp, col.r, col.n, json,
					       &first);
			}
	if (json)
		sb_puts(&b, first ? "]}\n" : "\n]}\n");
	else if (col.n)
		sb_puts(&b, "\n* prorated for missing answers. Rules and "
		        "sources: docs/scoring.md\n");
	free(col.r);
	if (b.rc) {
		sb_free(&b);
		cli_err("out of memory");
		return EXIT_INTERNAL;
	}
	fwrite(b.s, 1, b.len, stdout);
	sb_free(&b);
	(void)nflags;
	return EXIT_OKAY;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	enum { OPT_CLIENT = OPT_FIRST_FREE };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"client", required_argument, NULL, OPT_CLIENT},
		{"json", no_argument, NULL, OPT_JSON},
		{NULL, 0, NULL, 0}
	};
	const char *code = NULL;
	attune_store *st;
	attune_id clinic;
	int c, json = 0, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(report_usage, 0);
		case OPT_CLIENT: code = optarg; break;
		case OPT_JSON: json = 1; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(report_usage, 1);
		}
	}
	if (optind != argc || !code)
		return cli_usage(report_usage, 1);
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	rc = cli_report(cli, st, clinic, code, json);
	attune_store_close(st);
	return rc;
}
