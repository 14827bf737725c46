/* cmd_gains.c - `attune gains`: sudden gains and losses (Tang & DeRubeis
 * 1999) in per-person score series from CSV, with the options and output
 * columns of the R package suddengains; and `--define-cutoff`, the
 * package's define_crit1_cutoff.
 *
 * Nothing is printed unless the whole input is valid (struct out,
 * cli/out.c). People are read one at a time; the only
 * allocation is one buffer of gains made before reading. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "series_opts.h"
#include "attune/gains.h"
#include "attune/limits.h"

static const char usage_text[] =
"usage: attune gains --vars A,B,...|A:B --cutoff X [options] [FILE|-]\n"
"       attune gains --long --cutoff X [options] [FILE|-]\n"
"       attune gains --define-cutoff --reliability R (--sd S | --vars COL\n"
"                    FILE)\n"
"\n"
"Find sudden gains (or, with --losses, sudden losses) in each person's\n"
"session-by-session scores, by the three criteria of Tang & DeRubeis\n"
"(1999, J Consult Clin Psychol 67:894) as the R package suddengains\n"
"(Wiedemann et al. 2020, PLOS ONE 15:e0230276) applies them. Lower\n"
"scores are better (BDI, PHQ-9): a gain is a fall from session N to N+1.\n"
"  1. the fall is at least the cut-off:      x_N - x_N+1 >= X\n"
"  2. the fall is at least a share of x_N:   x_N - x_N+1 >= P * x_N\n"
"  3. the fall is large against the ups and downs around it: the mean of\n"
"     sessions N-2..N minus the mean of N+1..N+3 is more than t times\n"
"     their pooled SD, t = |qt(alpha/2, n_pre + n_post - 2)| (2.776 when\n"
"     all six are there, larger when some are missing; at least two on\n"
"     each side are needed).\n"
"The first interval (first to second score) and the last are never\n"
"tested, as in the package: criterion 3 needs two scores on each side.\n"
"\n"
"Criteria:\n"
"  --cutoff X          criterion 1: the smallest change that counts, in\n"
"                      points (e.g. 7 for the BDI; see --define-cutoff)\n"
"  --pct P             criterion 2: the smallest change as a share of\n"
"                      the score before it (default 0.25 = 25 %)\n"
"  --alpha A           criterion 3: two-sided alpha of the t test\n"
"                      (default 0.05)\n"
"  --adjust on|off     criterion 3: on (default) takes t from alpha and\n"
"                      the scores present; off uses --critical-value\n"
"                      for every interval\n"
"  --critical-value T  criterion 3 with --adjust off (default 2.776)\n"
"  --no-crit1, --no-crit2, --no-crit3, --crit3 on|off\n"
"                      leave a criterion out (at least one must stay)\n"
"  --losses            look for sudden losses: rises from N to N+1, each\n"
"                      criterion mirrored (criterion 2 as x_N+1 - x_N >=\n"
"                      P * x_N; the package's identify_sl gets this one\n"
"                      wrong). --identify sg|sl says the same.\n"
"  --baseline          wide form: the first column is a pre-treatment\n"
"                      baseline, session 0, so the interval from session\n"
"                      1 to 2 can be tested (identify_sg_1to2 = TRUE)\n"
"  --reversal-from K   a gain is reversed when a score from session N+K\n"
"                      on is above x_N+1 + magnitude/2 (default 2: any\n"
"                      later session; 3 matches the package's default\n"
"                      call, which skips session N+2)\n"
"  --tx-start N, --tx-end N\n"
"                      sessions whose scores give the change over\n"
"                      treatment for sg_change_proportion (default the\n"
"                      first and last of each series)\n"
"  --last-session N    long form: each person's series runs to session N\n"
"                      (missing after their last row), as a wide file\n"
"                      with N sessions would\n"
"\n"
"Output (CSV, id column first; --json for JSON):\n"
"  --by gain           one row per gain (default; create_bysg)\n"
"  --by person         one row per person, people without a gain too\n"
"                      (create_byperson), keeping the gain chosen by\n"
"  --select S          first (default), last, largest or smallest\n"
"  --by interval       one row per person and interval tested, each\n"
"                      criterion 1, 0 or empty (cannot tell / not used)\n"
"  --measure NAME      name the score columns as the package does\n"
"                      (sg_NAME_n, sg_NAME_n1, ...)\n"
"  --json              JSON instead of CSV\n"
"Columns: id, id_sg, sg_crit123, sg_session_n (N: the session before\n"
"the gain), sg_freq_byperson, scores of sessions N-2..N+3 (sg_2n,\n"
"sg_1n, sg_n, sg_n1, sg_n2, sg_n3), sg_magnitude (x_N - x_N+1),\n"
"sg_tx_change, sg_change_proportion, sg_reversal_value, sg_reversal.\n"
"\n"
SERIES_OPTS_HELP
"\n"
"Cut-off for criterion 1 (define_crit1_cutoff; Jacobson & Truax 1991):\n"
"  --define-cutoff     print 1.96 * sqrt(2) * SD * sqrt(1 - R) instead\n"
"  --reliability R     reliability of the measure (0..1)\n"
"  --sd S              the pre-treatment SD; or give FILE with --vars\n"
"                      COL (SD of that column, e.g. bdi_s0) or --long\n"
"                      (SD of the scores at --tx-start, default the\n"
"                      first session)\n"
"\n"
"Exit codes: 0 ok, 1 bad input (nothing printed), 2 usage, 3 internal.\n"
"Methods and differences from the package: docs/analytics.md (section 2).\n";

enum by { BY_GAIN, BY_PERSON, BY_INTERVAL };

struct run {
	const char *path;
	attune_gains_cfg cfg;
	enum by by;
	attune_gains_pick pick;
	int json, wide, baseline;
	long tx_start, tx_end, last_session;  /* -1: not given */
	const char *measure;                  /* "" or "bdi_" */
	attune_gain *gains;                   /* ATTUNE_SERIES_MAX of them */
	double *pad;                          /* long-form padding buffer */
	size_t n_rows, n_people, n_gains;
	struct out o;
	strbuf tmp;                           /* id_sg, reused */
	attune_gains_sd sd;                   /* --define-cutoff from FILE */
};


/* A number, or the missing marker: empty in CSV, null in JSON. */
static void put_num(struct run *r, double v)
{
	if (isnan(v)) {
		if (r->json)
			sb_puts(&r->o.b, "null");
	} else {
		sb_num(&r->o.b, v);
	}
}

/* Start a field: the separator, and in JSON the key. */
static void key(struct run *r, const char *prefix, const char *name)
{
	if (r->json) {
		sb_puts(&r->o.b, ", \"");
		sb_puts(&r->o.b, prefix);
		sb_puts(&r->o.b, name);
		sb_puts(&r->o.b, "\": ");
	} else {
		sb_putc(&r->o.b, ',');
	}
}

static void put_crit(struct run *r, const char *name, signed char v)
{
	key(r, "", name);
	put_num(r, v == ATTUNE_CRIT_YES ? 1 : v == ATTUNE_CRIT_NO ? 0 : NAN);
}

static void row_start(struct run *r, const char *id)
{
	strbuf *b = &r->o.b;

	if (r->json) {
		sb_puts(b, r->n_rows ? ",\n  {\"id\": " : "  {\"id\": ");
		sb_json_str(b, id);
	} else {
		csv_field(b, id, strlen(id));
	}
	r->n_rows++;
}

static void row_end(struct run *r)
{
	sb_puts(&r->o.b, r->json ? "}" : "\n");
}

static void header(struct run *r)
{
	static const char *const around[6] = {"2n", "1n", "n", "n1", "n2",
	                                      "n3"};
	strbuf *b = &r->o.b;
	int j;

	if (r->json) {
		sb_puts(b, "[\n");
		return;
	}
	if (r->by == BY_INTERVAL) {
		sb_puts(b, "id,sg_interval,sg_session_n,sg_crit1,sg_crit2,"
		        "sg_crit3,sg_crit123,sg_change,sg_n_pre,sg_n_post,"
		        "sg_mean_pre,sg_mean_post,sg_sd_pooled,"
		        "sg_critical_value\n");
		return;
	}
	sb_puts(b, "id,id_sg,sg_crit123,sg_session_n,sg_freq_byperson");
	for (j = 0; j < 6; j++)
		sb_printf(b, ",sg_%s%s", r->measure, around[j]);
	sb_printf(b, ",sg_magnitude,sg_%stx_change,sg_change_proportion,"
	          "sg_reversal_value,sg_reversal\n", r->measure);
}

/* One create_bysg / create_byperson row; g NULL for a person without
 * a gain. */
static void put_gain(struct run *r, const char *id, int base,
                     const attune_gain *g, size_t freq)
{
	static const char *const around[6] = {"2n", "1n", "n", "n1", "n2",
	                                      "n3"};
	strbuf *b = &r->o.b;
	char pre[72];
	int j;

	row_start(r, id);
	key(r, "", "id_sg");
	if (g) {
		/* id_sg as create_bysg makes it: <id>_sg_<session>. */
		sb_reset(&r->tmp);
		sb_printf(&r->tmp, "%s_sg_%ld", id, (long)base + (long)g->i);
		if (r->tmp.rc)
			b->rc = r->tmp.rc;
		else if (r->json)
			sb_json_str(b, r->tmp.s);
		else
			csv_field(b, r->tmp.s, r->tmp.len);
	} else if (r->json) {
		sb_puts(b, "null");
	}
	key(r, "", "sg_crit123");
	sb_putc(b, g ? '1' : '0');
	key(r, "", "sg_session_n");
	put_num(r, g ? (double)base + (double)g->i : NAN);
	key(r, "", "sg_freq_byperson");
	sb_printf(b, "%zu", freq);
	snprintf(pre, sizeof(pre), "sg_%s", r->measure);
	for (j = 0; j < 6; j++) {
		key(r, pre, around[j]);
		put_num(r, g ? g->around[j] : NAN);
	}
	key(r, "", "sg_magnitude");
	put_num(r, g ? g->magnitude : NAN);
	key(r, pre, "tx_change");
	put_num(r, g ? g->tx_change : NAN);
	key(r, "", "sg_change_proportion");
	put_num(r, g ? g->change_proportion : NAN);
	key(r, "", "sg_reversal_value");
	put_num(r, g ? g->reversal_value : NAN);
	key(r, "", "sg_reversal");
	put_num(r, g ? (double)g->reversal : NAN);
	row_end(r);
}

static void put_interval(struct run *r, const char *id, int base,
                         const attune_gains_check *c)
{
	strbuf *b = &r->o.b;
	long n = (long)base + (long)c->i;
	const char *k = r->cfg.p.losses ? "sl" : "sg";

	row_start(r, id);
	key(r, "", "sg_interval");
	if (r->json)
		sb_printf(b, "\"%s_%ldto%ld\"", k, n, n + 1);
	else
		sb_printf(b, "%s_%ldto%ld", k, n, n + 1);
	key(r, "", "sg_session_n");
	sb_printf(b, "%ld", n);
	put_crit(r, "sg_crit1", c->crit1);
	put_crit(r, "sg_crit2", c->crit2);
	put_crit(r, "sg_crit3", c->crit3);
	put_crit(r, "sg_crit123", c->crit123);
	key(r, "", "sg_change");
	put_num(r, c->change);
	key(r, "", "sg_n_pre");
	put_num(r, r->cfg.p.crit3 ? (double)c->n_pre : NAN);
	key(r, "", "sg_n_post");
	put_num(r, r->cfg.p.crit3 ? (double)c->n_post : NAN);
	key(r, "", "sg_mean_pre");
	put_num(r, c->mean_pre);
	key(r, "", "sg_mean_post");
	put_num(r, c->mean_post);
	key(r, "", "sg_sd_pooled");
	put_num(r, c->sd_pooled);
	key(r, "", "sg_critical_value");
	put_num(r, c->t);
	row_end(r);
}

/* The score at session number s of a series starting at base. */
static double at_session(const double *x, size_t n, int base, long s)
{
	return s >= base && (size_t)(s - base) < n ? x[s - base] : NAN;
}

/* The series of one person, padded to --last-session in long form;
 * base is the session number of x[0]. */
static int person_series(struct run *r, const attune_series *s,
                         const double **x, size_t *n, int *base)
{
	size_t want, k;

	*x = s->x;
	*n = s->n;
	*base = r->wide ? (r->baseline ? 0 : 1) : s->first;
	if (r->wide || r->last_session < 0)
		return ATTUNE_OK;
	if (r->last_session < *base) {
		cli_err("--last-session %ld is before the first session %d",
		        r->last_session, *base);
		return ATTUNE_EINVAL;
	}
	want = (size_t)(r->last_session - *base) + 1;
	if (s->n > want) {
		cli_err("%s:%zu: id '%.64s' has scores after session %ld "
		        "(--last-session)", r->path, s->line, s->id,
		        r->last_session);
		return ATTUNE_EINVAL;
	}
	memcpy(r->pad, s->x, s->n * sizeof(double));
	for (k = s->n; k < want; k++)
		r->pad[k] = NAN;
	*x = r->pad;
	*n = want;
	return ATTUNE_OK;
}

static int on_person(void *ctx, const attune_series *s,
                     const attune_series_cols *cols)
{
	struct run *r = ctx;
	const double *x;
	size_t n, found = 0, k;
	attune_err err;
	int base, rc;

	(void)cols;
	if ((rc = person_series(r, s, &x, &n, &base)))
		return rc;
	r->n_people++;
	if (r->by == BY_INTERVAL) {
		attune_gains_check c;
		for (k = 1; k <= attune_gains_n_intervals(n); k++) {
			if (attune_gains_check_interval(&r->cfg, x, n, k, &c,
			                                &err))
				return ATTUNE_EINTERNAL;
			put_interval(r, s->id, base, &c);
			r->n_gains += c.crit123 == ATTUNE_CRIT_YES;
		}
	} else {
		double t0 = r->tx_start >= 0 ? at_session(x, n, base,
		                                          r->tx_start)
		                             : n ? x[0] : NAN;
		double t1 = r->tx_end >= 0 ? at_session(x, n, base, r->tx_end)
		                           : n ? x[n - 1] : NAN;
		rc = attune_gains_find(&r->cfg, x, n, t0, t1, r->gains,
		                       ATTUNE_SERIES_MAX, &found, &err);
		if (rc) {
			cli_err("%s", err.msg);
			return rc;
		}
		r->n_gains += found;
		if (r->by == BY_GAIN) {
			for (k = 0; k < found; k++)
				put_gain(r, s->id, base, &r->gains[k], found);
		} else {
			k = attune_gains_select(r->gains, found, r->pick,
			                        r->cfg.p.losses);
			put_gain(r, s->id, base, found ? &r->gains[k] : NULL,
			         found);
		}
	}
	if (out_flush(&r->o, 0)) {
		cli_err("writing output: %s", attune_strerror(r->o.rc));
		return -1;
	}
	return ATTUNE_OK;
}

/* --define-cutoff from a file: every value of the --vars columns (wide)
 * or each person's score at --tx-start (long). */
static int on_person_sd(void *ctx, const attune_series *s,
                        const attune_series_cols *cols)
{
	struct run *r = ctx;
	size_t k;

	(void)cols;
	if (r->wide) {
		for (k = 0; k < s->n; k++)
			attune_gains_sd_add(&r->sd, s->x[k]);
	} else {
		attune_gains_sd_add(&r->sd, at_session(s->x, s->n, s->first,
		                    r->tx_start >= 0 ? r->tx_start : s->first));
	}
	return ATTUNE_OK;
}

static int define_cutoff(struct run *r, double sd, double rel)
{
	attune_gains_cutoff c;
	attune_err err;
	strbuf *b = &r->o.b;

	if (attune_gains_crit1_cutoff(sd, rel, &c, &err)) {
		cli_err("%s", err.msg);
		return EXIT_INPUT;
	}
	if (r->json) {
		sb_puts(b, "{\"sd\": ");
		sb_num(b, c.sd);
		sb_puts(b, ", \"reliability\": ");
		sb_num(b, c.reliability);
		sb_puts(b, ", \"standard_error_measurement\": ");
		sb_num(b, c.sem);
		sb_puts(b, ", \"standard_error_difference\": ");
		sb_num(b, c.sdiff);
		sb_puts(b, ", \"reliable_change_value\": ");
		sb_num(b, c.cutoff);
		sb_puts(b, "}\n");
	} else {
		sb_puts(b, "sd,reliability,standard_error_measurement,"
		        "standard_error_difference,reliable_change_value\n");
		sb_num(b, c.sd);
		sb_putc(b, ',');
		sb_num(b, c.reliability);
		sb_putc(b, ',');
		sb_num(b, c.sem);
		sb_putc(b, ',');
		sb_num(b, c.sdiff);
		sb_putc(b, ',');
		sb_num(b, c.cutoff);
		sb_putc(b, '\n');
	}
	return EXIT_OKAY;
}

/* Parse a number option; message and -1 when it is not one. */
static int num_opt(const char *name, const char *arg, double *v)
{
	if (parse_num(arg, strlen(arg), v) != 0) {
		cli_err("%s: '%s' is not a number", name, arg);
		return -1;
	}
	return 0;
}

static int long_opt(const char *name, const char *arg, long max, long *v)
{
	int64_t x;

	if (parse_i64(arg, strlen(arg), &x) != 0 || x > max) {
		cli_err("%s must be a whole number 0..%ld", name, max);
		return -1;
	}
	*v = (long)x;
	return 0;
}

static int on_off(const char *name, const char *arg, int *v)
{
	if (strcmp(arg, "on") == 0)
		*v = 1;
	else if (strcmp(arg, "off") == 0)
		*v = 0;
	else {
		cli_err("%s must be on or off", name);
		return -1;
	}
	return 0;
}

int cmd_gains(struct cli *cli, int argc, char **argv)
{
	enum {
		OPT_CUTOFF = OPT_FIRST_FREE, OPT_PCT, OPT_ALPHA, OPT_ADJUST,
		OPT_CRITVAL, OPT_NO1, OPT_NO2, OPT_NO3, OPT_CRIT3, OPT_LOSSES,
		OPT_IDENTIFY, OPT_BASELINE, OPT_REVERSAL, OPT_TXSTART,
		OPT_TXEND, OPT_LAST, OPT_BY, OPT_SELECT, OPT_MEASURE,
		OPT_DEFINE, OPT_REL, OPT_SD
	};
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		SERIES_OPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"cutoff", required_argument, NULL, OPT_CUTOFF},
		{"pct", required_argument, NULL, OPT_PCT},
		{"alpha", required_argument, NULL, OPT_ALPHA},
		{"adjust", required_argument, NULL, OPT_ADJUST},
		{"critical-value", required_argument, NULL, OPT_CRITVAL},
		{"no-crit1", no_argument, NULL, OPT_NO1},
		{"no-crit2", no_argument, NULL, OPT_NO2},
		{"no-crit3", no_argument, NULL, OPT_NO3},
		{"crit3", required_argument, NULL, OPT_CRIT3},
		{"losses", no_argument, NULL, OPT_LOSSES},
		{"identify", required_argument, NULL, OPT_IDENTIFY},
		{"baseline", no_argument, NULL, OPT_BASELINE},
		{"reversal-from", required_argument, NULL, OPT_REVERSAL},
		{"tx-start", required_argument, NULL, OPT_TXSTART},
		{"tx-end", required_argument, NULL, OPT_TXEND},
		{"last-session", required_argument, NULL, OPT_LAST},
		{"by", required_argument, NULL, OPT_BY},
		{"select", required_argument, NULL, OPT_SELECT},
		{"measure", required_argument, NULL, OPT_MEASURE},
		{"define-cutoff", no_argument, NULL, OPT_DEFINE},
		{"reliability", required_argument, NULL, OPT_REL},
		{"sd", required_argument, NULL, OPT_SD},
		{NULL, 0, NULL, 0}
	};
	struct series_opts so;
	struct run r;
	attune_gains_params p;
	attune_err err;
	const char *path = NULL;
	char measure[72] = "";
	double rel = NAN, sd = NAN;
	long lv;
	int c, rc, exitc = EXIT_USAGE, define = 0, have_select = 0;

	memset(&r, 0, sizeof(r));
	out_init(&r.o, 0);
	sb_init(&r.tmp, ATTUNE_TEXT_MAX + 64);   /* id + "_sg_" + session */
	series_opts_init(&so);
	attune_gains_params_default(&p);
	r.tx_start = r.tx_end = r.last_session = -1;
	r.measure = measure;
	r.by = BY_GAIN;
	r.pick = ATTUNE_GAINS_FIRST;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			exitc = cli_usage(usage_text, 0);
			goto out;
		case OPT_JSON: r.json = 1; break;
		case OPT_CUTOFF:
			if (num_opt("--cutoff", optarg, &p.cutoff))
				goto usage;
			break;
		case OPT_PCT:
			if (num_opt("--pct", optarg, &p.pct))
				goto usage;
			break;
		case OPT_ALPHA:
			if (num_opt("--alpha", optarg, &p.alpha))
				goto usage;
			break;
		case OPT_ADJUST:
			if (on_off("--adjust", optarg, &p.crit3_adjust))
				goto usage;
			break;
		case OPT_CRITVAL:
			if (num_opt("--critical-value", optarg,
			            &p.critical_value))
				goto usage;
			break;
		case OPT_NO1: p.crit1 = 0; break;
		case OPT_NO2: p.crit2 = 0; break;
		case OPT_NO3: p.crit3 = 0; break;
		case OPT_CRIT3:
			if (on_off("--crit3", optarg, &p.crit3))
				goto usage;
			break;
		case OPT_LOSSES: p.losses = 1; break;
		case OPT_IDENTIFY:
			if (strcmp(optarg, "sg") == 0)
				p.losses = 0;
			else if (strcmp(optarg, "sl") == 0)
				p.losses = 1;
			else {
				cli_err("--identify must be sg (gains) or sl "
				        "(losses)");
				goto usage;
			}
			break;
		case OPT_BASELINE: r.baseline = 1; break;
		case OPT_REVERSAL:
			if (long_opt("--reversal-from", optarg,
			             ATTUNE_SERIES_MAX, &lv))
				goto usage;
			p.reversal_from = (int)lv;
			break;
		case OPT_TXSTART:
			if (long_opt("--tx-start", optarg, 1000000, &r.tx_start))
				goto usage;
			break;
		case OPT_TXEND:
			if (long_opt("--tx-end", optarg, 1000000, &r.tx_end))
				goto usage;
			break;
		case OPT_LAST:
			if (long_opt("--last-session", optarg, 1000000,
			             &r.last_session))
				goto usage;
			break;
		case OPT_BY:
			if (strcmp(optarg, "gain") == 0)
				r.by = BY_GAIN;
			else if (strcmp(optarg, "person") == 0)
				r.by = BY_PERSON;
			else if (strcmp(optarg, "interval") == 0)
				r.by = BY_INTERVAL;
			else {
				cli_err("--by must be gain, person or interval");
				goto usage;
			}
			break;
		case OPT_SELECT:
			have_select = 1;
			if (strcmp(optarg, "first") == 0)
				r.pick = ATTUNE_GAINS_FIRST;
			else if (strcmp(optarg, "last") == 0)
				r.pick = ATTUNE_GAINS_LAST;
			else if (strcmp(optarg, "largest") == 0)
				r.pick = ATTUNE_GAINS_LARGEST;
			else if (strcmp(optarg, "smallest") == 0)
				r.pick = ATTUNE_GAINS_SMALLEST;
			else {
				cli_err("--select must be first, last, largest "
				        "or smallest");
				goto usage;
			}
			break;
		case OPT_MEASURE: {
			size_t k, ln = strlen(optarg);
			if (ln == 0 || ln > 64)
				goto bad_measure;
			for (k = 0; k < ln; k++) {
				char ch = optarg[k];
				if (!((ch >= 'a' && ch <= 'z') ||
				      (ch >= 'A' && ch <= 'Z') ||
				      (ch >= '0' && ch <= '9') || ch == '_'))
					goto bad_measure;
			}
			memcpy(measure, optarg, ln);
			measure[ln] = '_';
			measure[ln + 1] = '\0';
			break;
bad_measure:
			cli_err("--measure: 1 to 64 letters, digits or _");
			goto usage;
		}
		case OPT_DEFINE: define = 1; break;
		case OPT_REL:
			if (num_opt("--reliability", optarg, &rel))
				goto usage;
			break;
		case OPT_SD:
			if (num_opt("--sd", optarg, &sd))
				goto usage;
			break;
		default:
			rc = series_opt(&so, c, optarg);
			if (rc < 0)
				goto usage;
			if (rc > 0)
				break;
			rc = cli_common_opt(cli, c, optarg);
			if (rc <= 0)
				goto usage;
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		cli_err("gains: one input file at most");
		goto usage;
	}
	if (so.instrument && path) {
		cli_err("gains: --instrument reads the database; no FILE");
		goto usage;
	}
	/* Database series are by session number, like long form. */
	r.wide = !so.spec.long_form && !so.instrument;
	r.path = path ? path : "-";

	if (define) {
		if (isnan(rel)) {
			cli_err("gains --define-cutoff: --reliability is "
			        "required");
			goto usage;
		}
		if (!isnan(sd) && (path || so.spec.n_vars || so.spec.long_form)) {
			cli_err("gains --define-cutoff: give the SD either with "
			        "--sd or from a file (--vars or --long), not "
			        "both");
			goto usage;
		}
		if (isnan(sd)) {
			if (series_opts_check(&so) != EXIT_OKAY) {
				cli_err("gains --define-cutoff: give --sd S, or a "
				        "file with --vars COL or --long");
				goto usage;
			}
			exitc = series_run(&so, r.path, on_person_sd, &r);
			if (exitc != EXIT_OKAY)
				goto out;
			sd = attune_gains_sd_value(&r.sd);
			if (isnan(sd)) {
				cli_err("%s: fewer than two scores to take the SD "
				        "of", r.path);
				exitc = EXIT_INPUT;
				goto out;
			}
		}
		exitc = define_cutoff(&r, sd, rel);
		if (exitc == EXIT_OKAY && out_finish(&r.o)) {
			cli_err("error writing output");
			exitc = EXIT_INTERNAL;
		}
		goto out;
	}

	if (series_opts_check(&so) != EXIT_OKAY)
		goto usage;
	if (p.crit1 && isnan(p.cutoff)) {
		cli_err("gains: --cutoff is required (or --no-crit1); "
		        "--define-cutoff can work one out");
		goto usage;
	}
	if (p.losses && p.crit1 && p.cutoff < 0)
		p.cutoff = -p.cutoff;   /* identify_sl's negative cut-off */
	if (have_select && r.by != BY_PERSON) {
		cli_err("gains: --select goes with --by person");
		goto usage;
	}
	if (r.baseline && !r.wide) {
		cli_err("gains: --baseline is for wide form; in long form "
		        "give the baseline as session 0 with --first-session "
		        "0");
		goto usage;
	}
	if (r.last_session >= 0 && r.wide) {
		cli_err("gains: --last-session is for long form");
		goto usage;
	}
	if (attune_gains_config(&p, &r.cfg, &err)) {
		cli_err("gains: %s", err.msg);
		goto usage;
	}
	r.gains = malloc(ATTUNE_SERIES_MAX * sizeof(*r.gains));
	r.pad = malloc(ATTUNE_SERIES_MAX * sizeof(*r.pad));
	if (!r.gains || !r.pad) {
		cli_err("out of memory");
		exitc = EXIT_INTERNAL;
		goto out;
	}
	if (r.last_session >= 0 &&
	    r.last_session - so.spec.first_session >= ATTUNE_SERIES_MAX) {
		cli_err("--last-session: a series has at most %d sessions",
		        ATTUNE_SERIES_MAX);
		goto usage;
	}
	header(&r);
	exitc = series_run_any(cli, &so, r.path, on_person, &r);
	if (exitc != EXIT_OKAY)
		goto out;
	if (r.json)
		sb_puts(&r.o.b, r.n_rows ? "\n]\n" : "]\n");
	if (out_flush(&r.o, 0) || out_finish(&r.o)) {
		cli_err("error writing output");
		exitc = EXIT_INTERNAL;
		goto out;
	}
	cli_err("note: %zu sudden %s in %zu %s", r.n_gains,
	        p.losses ? (r.n_gains == 1 ? "loss" : "losses")
	                 : (r.n_gains == 1 ? "gain" : "gains"),
	        r.n_people, r.n_people == 1 ? "person" : "people");
	exitc = EXIT_OKAY;
	goto out;
usage:
	exitc = cli_usage(usage_text, 1);
out:
	out_free(&r.o);
	sb_free(&r.tmp);
	free(r.gains);
	free(r.pad);
	series_opts_free(&so);
	return exitc;
}
