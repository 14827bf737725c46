/* cmd_change.c - `attune change`: reliable and clinically significant
 * change from a first to a last score (Jacobson & Truax 1991, as the R
 * package clinicalsignificance computes it) and the NHS Talking Therapies
 * outcomes of PHQ-9 + GAD-7 pairs, from CSV.
 *
 * Bad input prints nothing on stdout. When the norms come from the
 * sample (its pre-treatment mean and SD), the input is read twice: the
 * first pass checks every value and estimates them, the second writes;
 * standard input and pipes are copied to a temporary file for that.
 * Otherwise one pass, with the output held (struct out, cli/out.c)
 * until the input has been read whole.
 * Memory does not grow with the number of people either way. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "series_opts.h"
#include "attune/change.h"
#include "attune/csv.h"
#include "attune/iapt.h"


static const char usage_text[] =
"usage: attune change --id COL --pre COL --post COL [--reliability R]\n"
"                     [--sd S] [--clin-mean M --clin-sd S]\n"
"                     [--func-mean M --func-sd S]\n"
"                     --criterion a|b|c | --cutoff X\n"
"                     --lower-is-better | --higher-is-better\n"
"                     [--instrument ID] [--z Z] [--b-sd clinical]\n"
"                     [--summary] [--json] [FILE|-]\n"
"       attune change --vars A,B,...|--long ... (first and last score)\n"
"       attune change --iapt --id COL --phq-pre C --phq-post C\n"
"                     --gad-pre C --gad-post C [--sessions COL] ...\n"
"\n"
"Reliable and clinically significant change from a first (pre) to a last\n"
"(post) score, one row per person.\n"
"\n"
"Jacobson & Truax (1991, J Consult Clin Psychol 59:12-19), computed as the\n"
"R package clinicalsignificance (cs_combined, JT method) does:\n"
"  SE = SD * sqrt(1 - reliability), S_diff = sqrt(2 * SE^2),\n"
"  RC = (post - pre) / S_diff; the change is reliable when |RC| > z (1.96).\n"
"  Cut-off between the clinical and the functional population:\n"
"    a: 2 SD beyond the clinical mean, towards better;\n"
"    b: 2 SD beyond the functional mean, towards worse;\n"
"    c: (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func).\n"
"  class: recovered (reliably better, clinical before and functional\n"
"  after), improved (reliably better, not recovered), unchanged,\n"
"  deteriorated (reliably worse, not harmed), harmed (reliably worse, not\n"
"  clinical before and not functional after). A score exactly at a\n"
"  computed cut-off is on neither side; at a published cut-off (--cutoff,\n"
"  or the instrument's) it is on the clinical side.\n"
"\n"
"Where the scores are:\n"
"  --id COL            the column that names the person (default id)\n"
"  --pre COL           the first score (before treatment)\n"
"  --post COL          the last score (after treatment)\n"
"  or the wide or long series input below: the first and the last\n"
"  score a person has are pre and post.\n"
"\n"
"The method's numbers:\n"
"  --reliability R     the instrument's reliability (e.g. Cronbach's alpha\n"
"                      or test-retest), at least 0 and below 1\n"
"  --sd S              the SD used for reliable change; default: the\n"
"                      clinical SD, which defaults to the SD of the\n"
"                      sample's pre scores\n"
"  --clin-mean M       mean of the clinical population; default: the mean\n"
"                      of the sample's pre scores (as the R package does)\n"
"  --clin-sd S         SD of the clinical population; default: the SD of\n"
"                      the sample's pre scores\n"
"  --func-mean M       mean of the functional (non-clinical) population,\n"
"                      needed for cut-offs b and c\n"
"  --func-sd S         its SD, needed for b and c\n"
"  --criterion a|b|c   which cut-off (see above; c is usually recommended)\n"
"  --cutoff X          a published cut-off instead of a, b or c\n"
"  --lower-is-better   lower scores are better (PHQ-9, GAD-7, CORE-10)\n"
"  --higher-is-better  higher scores are better (alliance, ORS)\n"
"  --instrument ID     take the reliability, norms, cut-off and direction\n"
"                      from an instrument file (attune instruments show\n"
"                      ID); flags given as well win. Without --pre/--post,\n"
"                      --vars or --long, each client's first and last\n"
"                      score of ID are read from the database (below)\n"
"  --z Z               critical value of |RC| (default 1.96; the R\n"
"                      package uses qnorm(0.975) = 1.9599639845400536)\n"
"  --b-sd clinical     cut-off b with the clinical SD, as the R package\n"
"                      clinicalsignificance 2.0 computes it, instead of\n"
"                      the functional SD of Jacobson & Truax\n"
"  Only people with both scores count towards the sample's mean and SD.\n"
"\n"
"NHS Talking Therapies (--iapt): outcomes of a course of treatment from\n"
"the first and last paired PHQ-9 and GAD-7 scores (NHS Talking Therapies\n"
"Manual; docs/analytics.md (section 1)):\n"
"  caseness: PHQ-9 >= 10 or GAD-7 >= 8; recovered: a case at the start\n"
"  and not at the end; reliable change: a change of 6 or more on PHQ-9,\n"
"  4 or more on GAD-7; reliable improvement: a reliable decrease on at\n"
"  least one measure and a reliable increase on neither (deterioration\n"
"  is the mirror image); reliable recovery: recovered and reliably\n"
"  improved. Outcomes apply only to a finished course (at least two\n"
"  attended treatment sessions) with both measures paired.\n"
"  --phq-pre C --phq-post C   PHQ-9 columns, first and last\n"
"  --gad-pre C --gad-post C   GAD-7 columns, or those of the anxiety-\n"
"                      disorder-specific measure used in its place\n"
"  --sessions COL      attended treatment sessions; without it every row\n"
"                      is taken as a finished course\n"
"  --min-sessions N    sessions that make a finished course (default 2)\n"
"  --phq-cutoff X --phq-rc X   PHQ-9 caseness (10) and reliable change (6)\n"
"  --gad-cutoff X --gad-rc X   GAD-7 caseness (8) and reliable change (4),\n"
"                      or the anxiety-disorder-specific measure's own\n"
"  --anx-instrument ID take --gad-cutoff and --gad-rc from an instrument\n"
"                      file's cut-off and reliable change\n"
"  --rule nhs|both|either  how the two measures combine: nhs (default, as\n"
"                      above); both (both measures must change); either\n"
"                      (one is enough, the other is not looked at)\n"
"\n"
"Output (CSV, id first; --json for JSON):\n"
"  id,pre,post,diff,rc,reliable,clinical_pre,functional_post,class\n"
"  --iapt: id,phq_pre,phq_post,gad_pre,gad_post,sessions,finished,\n"
"  case_pre,case_post,phq_change,gad_change,phq_reliable,gad_reliable,\n"
"  recovered,reliable_improvement,reliable_deterioration,reliable_recovery\n"
"  (1 yes, 0 no, empty: does not apply; phq_reliable 1 reliably better,\n"
"  -1 reliably worse, 0 neither). A person without both scores has empty\n"
"  results. The norms used are noted on standard error.\n"
"  --summary           one row per class (or outcome) with counts and\n"
"                      percentages instead of one row per person\n"
"  --json              JSON: {\"method\", \"parameters\", \"rows\",\n"
"                      \"summary\"}\n"
"\n"
SERIES_OPTS_HELP
"\n"
"Exit codes: 0 ok, 1 bad input (named by file, line and column), 2 usage,\n"
"3 internal error. Methods: docs/analytics.md (section 1).\n";

/* Values read per row. */
enum { V_PRE = 0, V_POST = 1 };
enum { V_PHQ_PRE = 0, V_PHQ_POST, V_GAD_PRE, V_GAD_POST, V_SESSIONS,
       V_MAX };

/* What a pass over the input does. */
enum {
	PASS_ONLY = 0,    /* write (the output is held until the end) */
	PASS_CHECK,       /* check every value, estimate the sample's norms */
	PASS_WRITE,       /* write, after PASS_CHECK */
	PASS_HOLD         /* keep every person's scores in memory */
};

/* Where a norm came from, for the notes. */
enum { FROM_NONE = 0, FROM_FLAG, FROM_INSTRUMENT, FROM_SAMPLE, FROM_CLIN };

struct run {
	int iapt, json, summary, series;
	int pass;                  /* PASS_* */
	const char *zname;         /* the input's name in messages */
	/* column input */
	const char *col_name[V_MAX];
	size_t n_val;
	/* series input */
	struct series_opts so;
	/* Jacobson & Truax */
	attune_jt_params jp;
	attune_jt jt;
	int from_sd, from_clin_mean, from_clin_sd;
	attune_moments mom;
	size_t n_class[ATTUNE_CHANGE_HARMED + 1];
	/* NHS Talking Therapies */
	attune_iapt_params ip;
	int have_sessions;
	attune_iapt_tally tally;
	/* database input: every client's first and last score, held */
	int db;
	strbuf ids;                /* the clients' codes, NUL-separated */
	struct held { size_t id; double v[2]; } *held;
	size_t n_held, cap_held;
	/* output */
	struct out out;            /* held or streamed (cli/out.c) */
	size_t n_rows;
	char *idz;                 /* NUL-terminated copy of an id */
};

/* ---- output ---- */

/* A number, or empty (CSV) / null (JSON) when NaN. */
static void put_num(strbuf *b, double v, int json)
{
	if (isnan(v)) {
		if (json)
			sb_puts(b, "null");
	} else {
		sb_num(b, v);
	}
}

/* A flag 1 / 0 / -1 (does not apply). */
static void put_flag(strbuf *b, int v, int json)
{
	if (v < 0)
		sb_puts(b, json ? "null" : "");
	else if (json)
		sb_puts(b, v ? "true" : "false");
	else
		sb_putc(b, v ? '1' : '0');
}

static void put_key(strbuf *b, const char *key)
{
	sb_puts(b, ", \"");
	sb_puts(b, key);
	sb_puts(b, "\": ");
}

static void put_id(struct run *r, const char *id, size_t n)
{
	strbuf *b = &r->out.b;

	if (!r->json) {
		csv_field(b, id, n);
		return;
	}
	memcpy(r->idz, id, n);
	r->idz[n] = '\0';
	sb_puts(b, r->n_rows ? ",\n    {\"id\": " : "\n    {\"id\": ");
	sb_json_str(b, r->idz);
}

static void write_jt_row(struct run *r, const char *id, size_t n,
                         double pre, double post, const attune_jt_result *x)
{
	strbuf *b = &r->out.b;
	int known = x->cls != ATTUNE_CHANGE_UNKNOWN;
	int json = r->json;

	put_id(r, id, n);
	if (json) {
		put_key(b, "pre");
		put_num(b, pre, 1);
		put_key(b, "post");
		put_num(b, post, 1);
		put_key(b, "diff");
		put_num(b, x->diff, 1);
		put_key(b, "rc");
		put_num(b, x->rc, 1);
		put_key(b, "reliable");
		put_flag(b, known ? x->reliable != 0 : -1, 1);
		put_key(b, "clinical_pre");
		put_flag(b, known ? x->clinical_pre : -1, 1);
		put_key(b, "functional_post");
		put_flag(b, known ? x->functional_post : -1, 1);
		put_key(b, "class");
		if (known)
			sb_json_str(b, attune_change_class_id(x->cls));
		else
			sb_puts(b, "null");
		sb_putc(b, '}');
		return;
	}
	sb_putc(b, ',');
	put_num(b, pre, 0);
	sb_putc(b, ',');
	put_num(b, post, 0);
	sb_putc(b, ',');
	put_num(b, x->diff, 0);
	sb_putc(b, ',');
	put_num(b, x->rc, 0);
	sb_putc(b, ',');
	put_flag(b, known ? x->reliable != 0 : -1, 0);
	sb_putc(b, ',');
	put_flag(b, known ? x->clinical_pre : -1, 0);
	sb_putc(b, ',');
	put_flag(b, known ? x->functional_post : -1, 0);
	sb_putc(b, ',');
	sb_puts(b, attune_change_class_id(x->cls));
	sb_putc(b, '\n');
}

static void write_iapt_row(struct run *r, const char *id, size_t n,
                           const attune_iapt_scores *s,
                           const attune_iapt_outcome *o)
{
	/* One output column: a number (NaN: empty) or a flag (-1: empty). */
	struct cell {
		const char *name;
		int is_flag;
		double num;
		int flag;
	};
	const double paired = o->paired ? 0 : NAN;  /* NaN when unpaired */
	const struct cell c[] = {
		{ "phq_pre", 0, s->dep_pre, 0 },
		{ "phq_post", 0, s->dep_post, 0 },
		{ "gad_pre", 0, s->anx_pre, 0 },
		{ "gad_post", 0, s->anx_post, 0 },
		{ "sessions", 0, s->sessions, 0 },
		{ "finished", 1, 0, o->finished },
		{ "case_pre", 1, 0, o->case_pre },
		{ "case_post", 1, 0, o->case_post },
		{ "phq_change", 0, s->dep_post - s->dep_pre + paired, 0 },
		{ "gad_change", 0, s->anx_post - s->anx_pre + paired, 0 },
		{ "phq_reliable", 0, (double)o->dep_reliable + paired, 0 },
		{ "gad_reliable", 0, (double)o->anx_reliable + paired, 0 },
		{ "recovered", 1, 0, o->recovered },
		{ "reliable_improvement", 1, 0, o->reliable_improvement },
		{ "reliable_deterioration", 1, 0, o->reliable_deterioration },
		{ "reliable_recovery", 1, 0, o->reliable_recovery },
	};
	strbuf *b = &r->out.b;
	size_t i;

	put_id(r, id, n);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (r->json)
			put_key(b, c[i].name);
		else
			sb_putc(b, ',');
		if (c[i].is_flag)
			put_flag(b, c[i].flag, r->json);
		else
			put_num(b, c[i].num, r->json);
	}
	sb_puts(b, r->json ? "}" : "\n");
}

/* ---- one person ---- */

static int on_row(struct run *r, const char *id, size_t n, const double *v)
{
	if (r->pass == PASS_HOLD) {
		if (r->n_held == r->cap_held) {
			size_t cap = r->cap_held ? 2 * r->cap_held : 256;
			struct held *h = realloc(r->held, cap * sizeof(*h));
			if (!h)
				return ATTUNE_ENOMEM;
			r->held = h;
			r->cap_held = cap;
		}
		r->held[r->n_held].id = r->ids.len;
		r->held[r->n_held].v[V_PRE] = v[V_PRE];
		r->held[r->n_held].v[V_POST] = v[V_POST];
		r->n_held++;
		sb_append(&r->ids, id, n);
		sb_putc(&r->ids, '\0');
		return r->ids.rc;
	}
	if (r->pass == PASS_CHECK) {
		/* Only complete pairs count, as the package's na.omit(). */
		if (!r->iapt && !isnan(v[V_PRE]) && !isnan(v[V_POST]))
			attune_change_moments_add(&r->mom, v[V_PRE]);
		return ATTUNE_OK;
	}
	if (r->iapt) {
		attune_iapt_scores s;
		attune_iapt_outcome o;

		s.dep_pre = v[V_PHQ_PRE];
		s.dep_post = v[V_PHQ_POST];
		s.anx_pre = v[V_GAD_PRE];
		s.anx_post = v[V_GAD_POST];
		s.sessions = r->have_sessions ? v[V_SESSIONS] : NAN;
		attune_iapt_classify(&r->ip, &s, &o);
		attune_iapt_tally_add(&r->tally, &o);
		if (!r->summary)
			write_iapt_row(r, id, n, &s, &o);
	} else {
		attune_jt_result x;

		attune_change_jt_classify(&r->jt, v[V_PRE], v[V_POST], &x);
		r->n_class[x.cls]++;
		if (!r->summary)
			write_jt_row(r, id, n, v[V_PRE], v[V_POST], &x);
	}
	r->n_rows++;
	return out_flush(&r->out, 0);
}

/* ---- input ---- */

static long read_fd(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	ssize_t got;

	do {
		got = read(fd, buf, n);
	} while (got < 0 && errno_is_eintr());
	return (long)got;
}

/* Empty and NA are missing. 0 ok, -1 not a number. */
static int parse_value(const attune_csv_field *f, double *v)
{
	if (f->n == 0 || (f->n == 2 && f->p[0] == 'N' && f->p[1] == 'A')) {
		*v = NAN;
		return 0;
	}
	return parse_num(f->p, f->n, v) ? -1 : 0;
}

/* Column input: the id column and r->n_val value columns by name. */
static int read_columns(struct run *r, int fd)
{
	const attune_csv_field *f;
	attune_csv *csv = NULL;
	attune_err err;
	size_t ncol, n, j, k;
	long ix[V_MAX + 1];
	double v[V_MAX];
	const char *want[V_MAX + 1];
	int rc, exitc = EXIT_INTERNAL;

	want[0] = r->so.spec.id_col;
	for (k = 0; k < r->n_val; k++)
		want[k + 1] = r->col_name[k];
	if (attune_csv_open(read_fd, &fd, r->zname, &csv)) {
		cli_err("out of memory");
		goto out;
	}
	rc = attune_csv_next(csv, &f, &ncol, &err);
	if (rc) {
		cli_err("%s", err.msg);
		exitc = cli_exit_for(rc);
		goto out;
	}
	if (ncol == 0) {
		cli_err("%s: empty input: expected a header line naming the "
		        "columns", r->zname);
		exitc = EXIT_INPUT;
		goto out;
	}
	for (k = 0; k <= r->n_val; k++) {
		size_t len = strlen(want[k]);
		ix[k] = -1;
		for (j = 0; j < ncol && ix[k] < 0; j++)
			if (f[j].n == len && memcmp(f[j].p, want[k], len) == 0)
				ix[k] = (long)j;
		if (ix[k] < 0) {
			cli_err("%s:%zu: no column '%s' in the header", r->zname,
			        attune_csv_line(csv), want[k]);
			exitc = EXIT_INPUT;
			goto out;
		}
	}
	for (;;) {
		rc = attune_csv_next(csv, &f, &n, &err);
		if (rc) {
			cli_err("%s", err.msg);
			exitc = cli_exit_for(rc);
			goto out;
		}
		if (n == 0)
			break;
		if (n != ncol) {
			cli_err("%s:%zu: has %zu fields, the header has %zu",
			        r->zname, attune_csv_line(csv), n, ncol);
			exitc = EXIT_INPUT;
			goto out;
		}
		for (k = 0; k < r->n_val; k++) {
			const attune_csv_field *x = &f[ix[k + 1]];
			if (parse_value(x, &v[k])) {
				cli_err("%s:%zu: column %s: '%.*s' is not a number",
				        r->zname, attune_csv_line(csv), want[k + 1],
				        (int)(x->n > 40 ? 40 : x->n), x->p);
				exitc = EXIT_INPUT;
				goto out;
			}
		}
		rc = on_row(r, f[ix[0]].p, f[ix[0]].n, v);
		if (rc) {
			cli_err("writing output: %s", attune_strerror(rc));
			goto out;
		}
	}
	exitc = EXIT_OKAY;
out:
	attune_csv_close(csv);
	return exitc;
}

static int series_cb(void *ctx, const attune_series *s,
                     const attune_series_cols *cols)
{
	struct run *r = ctx;
	double v[2] = { NAN, NAN };
	size_t i, first = s->n, last = s->n;
	int rc;

	(void)cols;
	for (i = 0; i < s->n; i++)
		if (!isnan(s->x[i])) {
			if (first == s->n)
				first = i;
			last = i;
		}
	if (first < s->n)
		v[V_PRE] = s->x[first];
	if (last < s->n && last != first)
		v[V_POST] = s->x[last];
	rc = on_row(r, s->id, strlen(s->id), v);
	if (rc)
		cli_err("%s", rc == ATTUNE_ENOMEM ? "out of memory"
		                                   : "writing output failed");
	return rc;
}

static int read_series(struct run *r, int fd)
{
	attune_csv *csv = NULL;
	attune_err err;
	int rc, exitc = EXIT_INTERNAL;

	if (attune_csv_open(read_fd, &fd, r->zname, &csv)) {
		cli_err("out of memory");
		goto out;
	}
	err.msg[0] = '\0';
	rc = attune_series_read(csv, &r->so.spec, series_cb, r, &err);
	if (rc) {
		/* A failure of ours (series_cb) has been reported. */
		if (err.msg[0])
			cli_err("%s", err.msg);
		exitc = err.msg[0] ? cli_exit_for(rc) : EXIT_INTERNAL;
		goto out;
	}
	exitc = EXIT_OKAY;
out:
	attune_csv_close(csv);
	return exitc;
}

static int read_input(struct run *r, int fd)
{
	return r->series ? read_series(r, fd) : read_columns(r, fd);
}

/* Copy fd into an anonymous temporary file, for a second pass. */
static int spool(int fd, FILE **tmp)
{
	char buf[65536];
	long got;

	*tmp = tmpfile();
	if (!*tmp)
		return -1;
	while ((got = read_fd(&fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)got, *tmp) != (size_t)got)
			return -1;
	if (got < 0 || fflush(*tmp) != 0)
		return -1;
	return lseek(fileno(*tmp), 0, SEEK_SET) == 0 ? 0 : -1;
}

/* ---- parameters and notes ---- */

/* The long name of option c in opts. */
static const char *opt_name(const struct option *opts, int c)
{
	for (; opts->name; opts++)
		if (opts->val == c)
			return opts->name;
	return "?";
}

static int num_arg(const char *flag, const char *arg, double *v)
{
	if (parse_num(arg, strlen(arg), v) || !isfinite(*v)) {
		cli_err("--%s needs a number, not '%s'", flag, arg);
		return -1;
	}
	return 0;
}

static const char *criterion_name(attune_jt_criterion c)
{
	switch (c) {
	case ATTUNE_JT_A: return "a";
	case ATTUNE_JT_B: return "b";
	case ATTUNE_JT_C: return "c";
	case ATTUNE_JT_GIVEN: return "given";
	}
	return "?";
}

static const char *from_name(int from)
{
	switch (from) {
	case FROM_FLAG: return "flag";
	case FROM_INSTRUMENT: return "instrument";
	case FROM_SAMPLE: return "sample";
	case FROM_CLIN: return "clinical SD";
	}
	return "none";
}

static void put_param(strbuf *b, const char *key, double v, int first)
{
	if (!first)
		sb_puts(b, ", ");
	sb_putc(b, '"');
	sb_puts(b, key);
	sb_puts(b, "\": ");
	put_num(b, v, 1);
}

static void put_param_str(strbuf *b, const char *key, const char *v)
{
	sb_puts(b, ", \"");
	sb_puts(b, key);
	sb_puts(b, "\": ");
	sb_json_str(b, v);
}

static void json_head(struct run *r)
{
	strbuf *b = &r->out.b;
	const attune_jt_params *p = &r->jt.p;
	const attune_iapt_params *q = &r->ip;

	if (r->iapt) {
		sb_puts(b, "{\"method\": \"nhs-talking-therapies\", "
		        "\"parameters\": {");
		put_param(b, "phq_cutoff", q->dep_cutoff, 1);
		put_param(b, "phq_rc", q->dep_rc, 0);
		put_param(b, "gad_cutoff", q->anx_cutoff, 0);
		put_param(b, "gad_rc", q->anx_rc, 0);
		put_param(b, "min_sessions", r->have_sessions ? q->min_sessions
		                                              : NAN, 0);
		put_param_str(b, "rule", attune_iapt_rule_name(q->rule));
	} else {
		sb_puts(b, "{\"method\": \"jacobson-truax\", \"parameters\": {");
		put_param(b, "reliability", p->reliability, 1);
		put_param(b, "sd", p->sd, 0);
		put_param_str(b, "sd_from", from_name(r->from_sd));
		put_param(b, "clin_mean", p->clin_mean, 0);
		put_param_str(b, "clin_mean_from", from_name(r->from_clin_mean));
		put_param(b, "clin_sd", p->clin_sd, 0);
		put_param_str(b, "clin_sd_from", from_name(r->from_clin_sd));
		put_param(b, "func_mean", p->func_mean, 0);
		put_param(b, "func_sd", p->func_sd, 0);
		put_param_str(b, "criterion", criterion_name(p->criterion));
		put_param(b, "cutoff", r->jt.cutoff, 0);
		put_param_str(b, "direction",
		              p->direction == ATTUNE_HIGHER_IS_BETTER
		              ? "higher_is_better" : "lower_is_better");
		put_param(b, "z", p->z, 0);
		put_param(b, "se", r->jt.se, 0);
		put_param(b, "s_diff", r->jt.s_diff, 0);
		if (r->pass == PASS_WRITE)
			put_param(b, "n_sample", (double)r->mom.n, 0);
	}
	sb_puts(b, "},\n  \"rows\": [");
}

static void note_params(const struct run *r)
{
	const attune_jt_params *p = &r->jt.p;
	char a[40], b2[40], c[40], d[40];

	if (r->iapt) {
		fmt_num(a, r->ip.dep_cutoff);
		fmt_num(b2, r->ip.dep_rc);
		fmt_num(c, r->ip.anx_cutoff);
		fmt_num(d, r->ip.anx_rc);
		cli_err("note: NHS Talking Therapies: caseness PHQ-9 >= %s or "
		        "GAD-7 >= %s; reliable change %s and %s points; rule %s",
		        a, c, b2, d, attune_iapt_rule_name(r->ip.rule));
		return;
	}
	fmt_num(a, r->jt.s_diff);
	fmt_num(b2, r->jt.s_diff * p->z);
	fmt_num(c, r->jt.cutoff);
	if (p->criterion == ATTUNE_JT_GIVEN)
		cli_err("note: Jacobson & Truax: S_diff %s (reliable: a change "
		        "of more than %s points), cut-off %s as given", a, b2, c);
	else
		cli_err("note: Jacobson & Truax: S_diff %s (reliable: a change "
		        "of more than %s points), cut-off %s = %s", a, b2,
		        criterion_name(p->criterion), c);
	if (r->pass == PASS_WRITE) {
		fmt_num(a, r->mom.mean);
		fmt_num(b2, attune_change_moments_sd(&r->mom));
		cli_err("note: the sample's pre scores (%zu people with both "
		        "scores): mean %s, SD %s", r->mom.n, a, b2);
	}
}

static void write_summary(struct run *r)
{
	static const attune_change_class order[] = {
		ATTUNE_CHANGE_RECOVERED, ATTUNE_CHANGE_IMPROVED,
		ATTUNE_CHANGE_UNCHANGED, ATTUNE_CHANGE_DETERIORATED,
		ATTUNE_CHANGE_HARMED
	};
	strbuf *b = &r->out.b;
	const attune_iapt_tally *t = &r->tally;
	const char *name[5];
	size_t num[5], den[5], used = 0, i, nk;
	int json = r->json;

	if (r->iapt) {
		name[0] = "finished_course";
		num[0] = t->finished;
		den[0] = t->n;
		name[1] = "recovery";
		num[1] = t->recovered;
		den[1] = t->case_pre;
		name[2] = "reliable_improvement";
		num[2] = t->reliable_improvement;
		den[2] = t->eligible;
		name[3] = "reliable_deterioration";
		num[3] = t->reliable_deterioration;
		den[3] = t->eligible;
		name[4] = "reliable_recovery";
		num[4] = t->reliable_recovery;
		den[4] = t->case_pre;
	} else {
		for (i = 0; i < 5; i++)
			used += r->n_class[order[i]];
		for (i = 0; i < 5; i++) {
			name[i] = attune_change_class_id(order[i]);
			num[i] = r->n_class[order[i]];
			den[i] = used;
		}
	}
	nk = 5;
	if (!json)
		sb_puts(b, r->iapt ? "outcome,n,of,percent\n"
		                   : "class,n,of,percent\n");
	for (i = 0; i < nk; i++) {
		/* Percent to two decimals, half away from zero. */
		double pct = den[i] ? round(10000.0 * (double)num[i] /
		                            (double)den[i]) / 100.0 : NAN;
		if (json) {
			sb_puts(b, i ? ", \"" : "\"");
			sb_puts(b, name[i]);
			sb_printf(b, "\": {\"n\": %zu, \"of\": %zu, \"percent\": ",
			          num[i], den[i]);
			put_num(b, pct, 1);
			sb_putc(b, '}');
		} else {
			sb_printf(b, "%s,%zu,%zu,", name[i], num[i], den[i]);
			put_num(b, pct, 0);
			sb_putc(b, '\n');
		}
	}
}

/* ---- the command ---- */

enum {
	O_PRE = OPT_FIRST_FREE, O_POST, O_REL, O_SD, O_CMEAN, O_CSD, O_FMEAN,
	O_FSD, O_CRIT, O_CUTOFF, O_LOWER, O_HIGHER, O_Z, O_BSD, O_SUMMARY,
	O_IAPT, O_PHQPRE, O_PHQPOST, O_GADPRE, O_GADPOST, O_SESSIONS,
	O_MINSESS, O_PHQCUT, O_PHQRC, O_GADCUT, O_GADRC, O_ANXINSTR, O_RULE
};

/* Larger than every option value (ours and SERIES_OPTS'). */
#define SEEN_MAX 1200

static const struct option opts[] = {
	CLI_COMMON_OPTS,
	SERIES_OPTS,
	{"json", no_argument, NULL, OPT_JSON},
	{"pre", required_argument, NULL, O_PRE},
	{"post", required_argument, NULL, O_POST},
	{"reliability", required_argument, NULL, O_REL},
	{"sd", required_argument, NULL, O_SD},
	{"clin-mean", required_argument, NULL, O_CMEAN},
	{"clin-sd", required_argument, NULL, O_CSD},
	{"func-mean", required_argument, NULL, O_FMEAN},
	{"func-sd", required_argument, NULL, O_FSD},
	{"criterion", required_argument, NULL, O_CRIT},
	{"cutoff", required_argument, NULL, O_CUTOFF},
	{"lower-is-better", no_argument, NULL, O_LOWER},
	{"higher-is-better", no_argument, NULL, O_HIGHER},
	{"z", required_argument, NULL, O_Z},
	{"b-sd", required_argument, NULL, O_BSD},
	{"summary", no_argument, NULL, O_SUMMARY},
	{"iapt", no_argument, NULL, O_IAPT},
	{"phq-pre", required_argument, NULL, O_PHQPRE},
	{"phq-post", required_argument, NULL, O_PHQPOST},
	{"gad-pre", required_argument, NULL, O_GADPRE},
	{"gad-post", required_argument, NULL, O_GADPOST},
	{"sessions", required_argument, NULL, O_SESSIONS},
	{"min-sessions", required_argument, NULL, O_MINSESS},
	{"phq-cutoff", required_argument, NULL, O_PHQCUT},
	{"phq-rc", required_argument, NULL, O_PHQRC},
	{"gad-cutoff", required_argument, NULL, O_GADCUT},
	{"gad-rc", required_argument, NULL, O_GADRC},
	{"anx-instrument", required_argument, NULL, O_ANXINSTR},
	{"rule", required_argument, NULL, O_RULE},
	{NULL, 0, NULL, 0}
};

/* Options of one mode that make no sense in the other. */
static const int jt_only[] = {
	O_PRE, O_POST, O_REL, O_SD, O_CMEAN, O_CSD, O_FMEAN, O_FSD, O_CRIT,
	O_CUTOFF, O_LOWER, O_HIGHER, O_Z, O_BSD, OPT_S_VARS, OPT_S_LONG,
	OPT_S_SESSION_COL, OPT_S_SCORE_COL, OPT_S_FIRST, OPT_S_INSTRUMENT,
	OPT_S_SCALE, OPT_S_RESPONDENT, OPT_S_CLIENT
};
static const int iapt_only[] = {
	O_PHQPRE, O_PHQPOST, O_GADPRE, O_GADPOST, O_SESSIONS, O_MINSESS,
	O_PHQCUT, O_PHQRC, O_GADCUT, O_GADRC, O_ANXINSTR, O_RULE
};

/* The command line as given. Numbers are NaN when not given. */
struct args {
	const char *path;          /* NULL: none given */
	const char *pre, *post, *anx_instr;
	const char *iapt_col[V_MAX];
	double rel, sd, cmean, csd, fmean, fsd, cut;
	double phqcut, phqrc, gadcut, gadrc, minsess, z;
	int crit, dir, b_clin, rule;
	unsigned char seen[SEEN_MAX];
};

/* -1: go on; else the exit code (message printed). */
static int parse_args(struct cli *cli, struct run *r, struct args *a,
                      int argc, char **argv)
{
	double v;
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->rel = a->sd = a->cmean = a->csd = a->fmean = a->fsd = NAN;
	a->cut = a->phqcut = a->phqrc = a->gadcut = a->gadrc = NAN;
	a->minsess = a->z = NAN;
	a->crit = a->dir = a->rule = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c >= 0 && c < SEEN_MAX)
			a->seen[c] = 1;
		rc = series_opt(&r->so, c, optarg);
		if (rc < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (c) {
		case OPT_HELP:
			return cli_usage(usage_text, 0);
		case OPT_JSON: r->json = 1; break;
		case O_SUMMARY: r->summary = 1; break;
		case O_IAPT: r->iapt = 1; break;
		case O_PRE: a->pre = optarg; break;
		case O_POST: a->post = optarg; break;
		case O_PHQPRE: a->iapt_col[V_PHQ_PRE] = optarg; break;
		case O_PHQPOST: a->iapt_col[V_PHQ_POST] = optarg; break;
		case O_GADPRE: a->iapt_col[V_GAD_PRE] = optarg; break;
		case O_GADPOST: a->iapt_col[V_GAD_POST] = optarg; break;
		case O_SESSIONS: a->iapt_col[V_SESSIONS] = optarg; break;
		case O_ANXINSTR: a->anx_instr = optarg; break;
		case O_LOWER: a->dir = ATTUNE_LOWER_IS_BETTER; break;
		case O_HIGHER: a->dir = ATTUNE_HIGHER_IS_BETTER; break;
		case O_CRIT:
			if (strcmp(optarg, "a") == 0)
				a->crit = ATTUNE_JT_A;
			else if (strcmp(optarg, "b") == 0)
				a->crit = ATTUNE_JT_B;
			else if (strcmp(optarg, "c") == 0)
				a->crit = ATTUNE_JT_C;
			else {
				cli_err("--criterion must be a, b or c");
				return EXIT_USAGE;
			}
			break;
		case O_BSD:
			if (strcmp(optarg, "clinical") == 0)
				a->b_clin = 1;
			else if (strcmp(optarg, "functional") == 0)
				a->b_clin = 0;
			else {
				cli_err("--b-sd must be clinical or functional");
				return EXIT_USAGE;
			}
			break;
		case O_RULE:
			if (strcmp(optarg, "nhs") == 0)
				a->rule = ATTUNE_IAPT_RULE_NHS;
			else if (strcmp(optarg, "both") == 0)
				a->rule = ATTUNE_IAPT_RULE_BOTH;
			else if (strcmp(optarg, "either") == 0)
				a->rule = ATTUNE_IAPT_RULE_EITHER;
			else {
				cli_err("--rule must be nhs, both or either");
				return EXIT_USAGE;
			}
			break;
		case O_REL: case O_SD: case O_CMEAN: case O_CSD: case O_FMEAN:
		case O_FSD: case O_CUTOFF: case O_Z: case O_MINSESS:
		case O_PHQCUT: case O_PHQRC: case O_GADCUT: case O_GADRC:
			if (num_arg(opt_name(opts, c), optarg, &v))
				return EXIT_USAGE;
			switch (c) {
			case O_REL: a->rel = v; break;
			case O_SD: a->sd = v; break;
			case O_CMEAN: a->cmean = v; break;
			case O_CSD: a->csd = v; break;
			case O_FMEAN: a->fmean = v; break;
			case O_FSD: a->fsd = v; break;
			case O_CUTOFF: a->cut = v; break;
			case O_Z: a->z = v; break;
			case O_MINSESS: a->minsess = v; break;
			case O_PHQCUT: a->phqcut = v; break;
			case O_PHQRC: a->phqrc = v; break;
			case O_GADCUT: a->gadcut = v; break;
			case O_GADRC: a->gadrc = v; break;
			}
			break;
		default:
			rc = cli_common_opt(cli, c, optarg);
			if (rc <= 0)
				return cli_usage(usage_text, 1);
		}
	}
	if (optind < argc)
		a->path = argv[optind++];
	if (optind < argc) {
		cli_err("change: one input file at most");
		return cli_usage(usage_text, 1);
	}
	return -1;
}

static int setup_iapt(struct cli *cli, struct run *r, const struct args *a)
{
	const attune_instrument *ain;
	attune_err err;
	int k;

	for (k = 0; k < V_SESSIONS; k++)
		if (!a->iapt_col[k]) {
			cli_err("change --iapt: give --phq-pre, --phq-post, "
			        "--gad-pre and --gad-post");
			return EXIT_USAGE;
		}
	r->have_sessions = a->iapt_col[V_SESSIONS] != NULL;
	r->n_val = r->have_sessions ? V_MAX : V_SESSIONS;
	for (k = 0; k < V_MAX; k++)
		r->col_name[k] = a->iapt_col[k];
	if (a->anx_instr) {
		ain = cli_instrument(cli, a->anx_instr);
		if (!ain)
			return EXIT_INPUT;
		if (isnan(ain->norms.cutoff) || isnan(ain->norms.reliable_change)) {
			cli_err("change: instrument %s has no cut-off and reliable "
			        "change in its norms; give --gad-cutoff and "
			        "--gad-rc", ain->id);
			return EXIT_INPUT;
		}
		if (ain->direction != ATTUNE_LOWER_IS_BETTER) {
			cli_err("change: instrument %s is higher-is-better; the NHS "
			        "Talking Therapies measures are lower-is-better",
			        ain->id);
			return EXIT_INPUT;
		}
		r->ip.anx_cutoff = ain->norms.cutoff;
		r->ip.anx_rc = ain->norms.reliable_change;
	}
	if (!isnan(a->phqcut))
		r->ip.dep_cutoff = a->phqcut;
	if (!isnan(a->phqrc))
		r->ip.dep_rc = a->phqrc;
	if (!isnan(a->gadcut))
		r->ip.anx_cutoff = a->gadcut;
	if (!isnan(a->gadrc))
		r->ip.anx_rc = a->gadrc;
	if (!isnan(a->minsess))
		r->ip.min_sessions = a->minsess;
	if (a->rule >= 0)
		r->ip.rule = (attune_iapt_rule)a->rule;
	if (attune_iapt_check(&r->ip, &err)) {
		cli_err("change: %s", err.msg);
		return EXIT_USAGE;
	}
	return EXIT_OKAY;
}

/* Where the scores come from: columns, a series file or the database. */
static int setup_input(struct run *r, const struct args *a)
{
	int columns = a->pre || a->post;
	int series = r->so.spec.long_form || r->so.spec.n_vars;

	if (columns && series) {
		cli_err("change: give either --pre and --post, or --vars / "
		        "--long, not both");
		return EXIT_USAGE;
	}
	r->series = series;
	r->db = r->so.instrument && !columns && !series;
	if (!columns && !series && !r->db) {
		cli_err("change: say where the scores are: --pre COL --post "
		        "COL, --vars A,B,... / --long, or --instrument ID for "
		        "the database");
		return EXIT_USAGE;
	}
	if (columns && (!a->pre || !a->post)) {
		cli_err("change: give both --pre and --post");
		return EXIT_USAGE;
	}
	if (series && r->so.spec.long_form && r->so.spec.n_vars) {
		cli_err("give either --vars (wide form) or --long, not both");
		return EXIT_USAGE;
	}
	if (!r->db && (r->so.scale || r->so.client || r->so.respondent >= 0)) {
		cli_err("change: --scale, --client and --respondent select "
		        "scores in the database: give --instrument and no "
		        "--pre/--post, --vars or --long");
		return EXIT_USAGE;
	}
	if (r->db && a->path) {
		cli_err("change: --instrument without --pre/--post, --vars or "
		        "--long reads the database (--db); no FILE then");
		return EXIT_USAGE;
	}
	r->col_name[V_PRE] = a->pre;
	r->col_name[V_POST] = a->post;
	r->n_val = 2;
	return EXIT_OKAY;
}

/* The Jacobson & Truax parameters from the instrument file and the
 * flags; *need_sample when the sample's pre scores must give some. */
static int setup_jt(struct cli *cli, struct run *r, const struct args *a,
                    int *need_sample)
{
	const attune_instrument *in = NULL;
	attune_jt_params *p = &r->jp, probe;
	attune_err err;
	int crit = a->crit, dir = a->dir, need_cmean, need_csd, rc;

	rc = setup_input(r, a);
	if (rc)
		return rc;
	if (a->seen[O_LOWER] && a->seen[O_HIGHER]) {
		cli_err("change: --lower-is-better and --higher-is-better "
		        "contradict each other");
		return EXIT_USAGE;
	}
	if (crit >= 0 && !isnan(a->cut)) {
		cli_err("change: give --criterion or --cutoff, not both");
		return EXIT_USAGE;
	}
	if (r->so.instrument) {
		in = cli_instrument(cli, r->so.instrument);
		if (!in)
			return EXIT_INPUT;
		if (dir < 0)
			dir = (int)in->direction;
		/* The norms describe the total; a subscale has none. */
		if (!r->so.scale || strcmp(r->so.scale, "total") == 0) {
			p->reliability = in->norms.reliability;
			if (!isnan(in->norms.clin_mean)) {
				p->clin_mean = in->norms.clin_mean;
				r->from_clin_mean = FROM_INSTRUMENT;
			}
			if (!isnan(in->norms.clin_sd)) {
				p->clin_sd = in->norms.clin_sd;
				r->from_clin_sd = FROM_INSTRUMENT;
			}
			p->func_mean = in->norms.func_mean;
			p->func_sd = in->norms.func_sd;
			if (crit < 0 && isnan(a->cut) && !isnan(in->norms.cutoff)) {
				crit = ATTUNE_JT_GIVEN;
				p->cutoff = in->norms.cutoff;
			}
		}
	}
	if (!isnan(a->rel))
		p->reliability = a->rel;
	if (!isnan(a->cmean)) {
		p->clin_mean = a->cmean;
		r->from_clin_mean = FROM_FLAG;
	}
	if (!isnan(a->csd)) {
		p->clin_sd = a->csd;
		r->from_clin_sd = FROM_FLAG;
	}
	if (!isnan(a->fmean))
		p->func_mean = a->fmean;
	if (!isnan(a->fsd))
		p->func_sd = a->fsd;
	if (!isnan(a->cut)) {
		crit = ATTUNE_JT_GIVEN;
		p->cutoff = a->cut;
	}
	if (!isnan(a->z))
		p->z = a->z;
	if (isnan(p->reliability)) {
		cli_err("change: --reliability is needed%s",
		        in ? " (the instrument file gives none)" : "");
		return EXIT_USAGE;
	}
	if (crit < 0) {
		cli_err("change: choose the cut-off: --criterion a|b|c or "
		        "--cutoff X");
		return EXIT_USAGE;
	}
	if (dir < 0) {
		/* The interface of issue 3: --lower-is-better is the optional
		 * flag, so higher is better unless it is given. Say so, since a
		 * symptom scale read the wrong way round swaps improved and
		 * deteriorated. */
		cli_err("change: note: taking higher scores as better; give "
		        "--lower-is-better for symptom measures (PHQ-9, GAD-7)");
		dir = ATTUNE_HIGHER_IS_BETTER;
	}
	p->criterion = (attune_jt_criterion)crit;
	p->direction = (attune_direction)dir;
	p->b_clin_sd = a->b_clin;
	/* The SD for reliable change: --sd, else the clinical SD, else the
	 * sample's (Jacobson & Truax's SD_1, the pre-treatment SD). */
	if (!isnan(a->sd)) {
		p->sd = a->sd;
		r->from_sd = FROM_FLAG;
	} else if (!isnan(p->clin_sd)) {
		p->sd = p->clin_sd;
		r->from_sd = FROM_CLIN;
	}
	/* The sample is read first when it has to give the SD or a clinical
	 * norm that the cut-off uses. */
	need_cmean = crit == ATTUNE_JT_A || crit == ATTUNE_JT_C;
	need_csd = need_cmean || (crit == ATTUNE_JT_B && a->b_clin);
	*need_sample = isnan(p->sd) || (need_cmean && isnan(p->clin_mean)) ||
	               (need_csd && isnan(p->clin_sd));
	/* Check the flags before reading anything, with stand-ins for what
	 * the sample will give. */
	probe = *p;
	if (*need_sample) {
		if (isnan(probe.sd))
			probe.sd = 1;
		if (isnan(probe.clin_mean))
			probe.clin_mean = 0;
		if (isnan(probe.clin_sd))
			probe.clin_sd = 1;
	}
	if (attune_change_jt_prepare(&probe, &r->jt, &err)) {
		cli_err("change: %s", err.msg);
		return EXIT_USAGE;
	}
	return EXIT_OKAY;
}

/* After PASS_CHECK: the norms from the sample's pre scores. */
static int use_sample(struct run *r)
{
	attune_jt_params *p = &r->jp;
	attune_err err;
	char buf[40];

	if (r->mom.n < 2) {
		cli_err("%s: %zu %s with both a pre and a post score; at least "
		        "2 are needed to take the mean and SD from the sample "
		        "(or give --sd, --clin-mean and --clin-sd)", r->zname,
		        r->mom.n, r->mom.n == 1 ? "person" : "people");
		return EXIT_INPUT;
	}
	if (isnan(p->clin_mean)) {
		p->clin_mean = r->mom.mean;
		r->from_clin_mean = FROM_SAMPLE;
	}
	if (isnan(p->clin_sd)) {
		p->clin_sd = attune_change_moments_sd(&r->mom);
		r->from_clin_sd = FROM_SAMPLE;
	}
	if (isnan(p->sd)) {
		p->sd = attune_change_moments_sd(&r->mom);
		r->from_sd = FROM_SAMPLE;
	}
	if (attune_change_jt_prepare(p, &r->jt, &err)) {
		fmt_num(buf, attune_change_moments_sd(&r->mom));
		cli_err("%s: %s (the SD of the sample's pre scores is %s)",
		        r->zname, err.msg, buf);
		return EXIT_INPUT;
	}
	return EXIT_OKAY;
}

static void write_head(struct run *r)
{
	if (r->json)
		json_head(r);
	else if (!r->summary)
		sb_puts(&r->out.b, r->iapt
		        ? "id,phq_pre,phq_post,gad_pre,gad_post,sessions,"
		          "finished,case_pre,case_post,phq_change,gad_change,"
		          "phq_reliable,gad_reliable,recovered,"
		          "reliable_improvement,reliable_deterioration,"
		          "reliable_recovery\n"
		        : "id,pre,post,diff,rc,reliable,clinical_pre,"
		          "functional_post,class\n");
}

static void write_tail(struct run *r)
{
	if (r->json) {
		sb_puts(&r->out.b, r->n_rows ? "\n  ],\n  \"summary\": {"
		                            : "],\n  \"summary\": {");
		write_summary(r);
		sb_puts(&r->out.b, "}}\n");
	} else if (r->summary) {
		write_summary(r);
	}
}

/* Every held person through on_row. */
static int replay(struct run *r)
{
	size_t i;
	const char *id;
	int rc;

	for (i = 0; i < r->n_held; i++) {
		id = r->ids.s + r->held[i].id;
		rc = on_row(r, id, strlen(id), r->held[i].v);
		if (rc) {
			cli_err("writing output: %s", attune_strerror(rc));
			return EXIT_INTERNAL;
		}
	}
	return EXIT_OKAY;
}

/* The database: every client's first and last score, held in memory
 * (two numbers and a code per client), then the passes over them. */
static int run_db(struct cli *cli, struct run *r, int need_sample)
{
	int exitc;

	r->zname = "the database";
	r->pass = PASS_HOLD;
	exitc = series_run_db(cli, &r->so, series_cb, r);
	if (exitc)
		return exitc;
	if (need_sample) {
		r->pass = PASS_CHECK;
		if ((exitc = replay(r)) || (exitc = use_sample(r)))
			return exitc;
		r->pass = PASS_WRITE;
	} else {
		r->pass = PASS_ONLY;
	}
	write_head(r);
	return replay(r);
}

/* A file or standard input: read once, or twice when the sample gives
 * norms (a pipe is copied to a temporary file first). */
static int run_file(struct run *r, const char *path, int need_sample)
{
	FILE *tmp = NULL;
	off_t start = 0;
	int fd = 0, exitc = EXIT_INPUT;

	r->zname = path;
	if (strcmp(path, "-") != 0) {
		fd = open_readonly(path);
		if (fd < 0) {
			cli_err("%s: cannot open: %s", path, errno_text());
			return EXIT_INPUT;
		}
	}
	if (need_sample) {
		/* Where the data start (standard input may be part-read). */
		start = lseek(fd, 0, SEEK_CUR);
		if (start < 0) {
			start = 0;
			if (spool(fd, &tmp)) {
				cli_err("%s: cannot copy the input to a temporary "
				        "file: %s", path, errno_text());
				exitc = EXIT_INTERNAL;
				goto out;
			}
			if (fd > 0)
				close(fd);
			fd = fileno(tmp);
		}
		r->pass = PASS_CHECK;
		if ((exitc = read_input(r, fd)) || (exitc = use_sample(r)))
			goto out;
		if (lseek(fd, start, SEEK_SET) != start) {
			cli_err("%s: cannot read the input a second time: %s",
			        path, errno_text());
			exitc = EXIT_INTERNAL;
			goto out;
		}
		r->pass = PASS_WRITE;
		r->out.stream = 1;   /* every value has been checked */
	} else {
		r->pass = PASS_ONLY;
	}
	write_head(r);
	exitc = read_input(r, fd);
out:
	if (tmp)
		fclose(tmp);
	else if (fd > 0)
		close(fd);
	return exitc;
}

int cmd_change(struct cli *cli, int argc, char **argv)
{
	struct run *r;
	struct args *a;
	int k, exitc = EXIT_USAGE, need_sample = 0;

	r = calloc(1, sizeof(*r));
	a = malloc(sizeof(*a));
	if (!r || !a) {
		free(r);
		free(a);
		cli_err("out of memory");
		return EXIT_INTERNAL;
	}
	series_opts_init(&r->so);
	attune_change_jt_params_init(&r->jp);
	attune_iapt_params_init(&r->ip);
	out_init(&r->out, 0);
	sb_init(&r->ids, (size_t)1 << 40);

	exitc = parse_args(cli, r, a, argc, argv);
	if (exitc >= 0)
		goto out;
	exitc = EXIT_USAGE;
	for (k = 0; k < (int)(sizeof(jt_only) / sizeof(jt_only[0])); k++)
		if (r->iapt && a->seen[jt_only[k]]) {
			cli_err("change --iapt: --%s does not apply to the NHS "
			        "Talking Therapies outcomes (see --help)",
			        opt_name(opts, jt_only[k]));
			goto out;
		}
	for (k = 0; k < (int)(sizeof(iapt_only) / sizeof(iapt_only[0])); k++)
		if (!r->iapt && a->seen[iapt_only[k]]) {
			cli_err("change: --%s is an NHS Talking Therapies option: "
			        "it needs --iapt", opt_name(opts, iapt_only[k]));
			goto out;
		}
	exitc = r->iapt ? setup_iapt(cli, r, a)
	                : setup_jt(cli, r, a, &need_sample);
	if (exitc)
		goto out;
	r->idz = malloc(ATTUNE_CSV_LINE_MAX + 1);
	if (!r->idz) {
		cli_err("out of memory");
		exitc = EXIT_INTERNAL;
		goto out;
	}
	if (r->db)
		exitc = run_db(cli, r, need_sample);
	else
		exitc = run_file(r, a->path ? a->path : "-", need_sample);
	if (exitc)
		goto out;
	write_tail(r);
	if (out_finish(&r->out)) {
		cli_err("writing output: %s", attune_strerror(r->out.rc));
		exitc = EXIT_INTERNAL;
		goto out;
	}
	note_params(r);
	exitc = EXIT_OKAY;
out:
	out_free(&r->out);
	sb_free(&r->ids);
	series_opts_free(&r->so);
	free(r->held);
	free(r->idz);
	free(r);
	free(a);
	return exitc;
}
