/* cmd_ruptures.c - `attune ruptures`: alliance rupture-repair sequences
 * in session-by-session scores (total and subscales), and with
 * --discrepancy the client's and the therapist's view of the same
 * sessions. The computing is in lib/core/alliance.c; this file reads the
 * input, runs it one person at a time and writes CSV or JSON.
 *
 * Several scales per person (total and subscales; client and therapist)
 * come from one file: in wide form their columns are read together
 * through the shared series reader and split per scale; in long form
 * with more than one score column a small reader below follows the same
 * rules as lib/util/series.c (rows of a person together, sessions
 * increasing). Output is held back (memory, then an unlinked temporary
 * file) so that bad input prints nothing on stdout. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "series_opts.h"
#include "attune/alliance.h"

#define MAX_SUB ATTUNE_SUBSCALES_MAX
/* Scales per person: client total + subscales, therapist total +
 * subscales. */
#define MAX_GROUPS (2 * (1 + MAX_SUB))

static const char usage_text[] =
"usage: attune ruptures [--rule stiles|strauss|cutoff|drop] [--k SD]\n"
"           [--sd within|between|stricter|VALUE] [--between-sd X]\n"
"           [--cutoff X] [--drop D] [--repair mean|pre|line] [--within N]\n"
"           [--missing skip|break] [--sub NAME=COLS]... [--scales total|all]\n"
"           [--all] [--json] INPUT-OPTIONS FILE\n"
"       attune ruptures --discrepancy (--therapist-vars COLS |\n"
"           --therapist-col COL) [--sub NAME=COLS --therapist-sub NAME=COLS]...\n"
"           [--gap X] [--sustain N] [--missing skip|break]\n"
"           [--by session|person] [--all] [--json] INPUT-OPTIONS FILE\n"
"\n"
"Find alliance rupture-repair sequences in session-by-session alliance\n"
"scores (higher = stronger alliance: WAI-SR, SRS, SAI, checkin-alliance,\n"
"mirror-alliance, ...). A sequence is a drop (the rupture), its lowest\n"
"session, and a later return (the repair), or no return (unrepaired).\n"
"\n"
"Rules (--rule):\n"
"  stiles    a session at least k SD below the client's own mean, right\n"
"            after a session above that line; repaired when a later\n"
"            session is back at the client's mean or above. k = 2\n"
"            (Stiles et al. 2004, J Couns Psychol 51:81-92). The default.\n"
"  strauss   the same with k = 1, repaired when a later session is back\n"
"            at the score before the drop (Strauss et al. 2006, J Consult\n"
"            Clin Psychol 74:337-345).\n"
"  cutoff    a session below a cut-off (the SRS's 36 by default);\n"
"            repaired when a later session is at or above it. This is\n"
"            the feedback-system alert (PCOMS).\n"
"  drop      a drop of at least D points since the previous rated\n"
"            session; repaired when a later session is back at the score\n"
"            before the drop.\n"
"\n"
"Options of the rules:\n"
"  --k SD              how many SDs below the mean is a rupture (stiles,\n"
"                      strauss)\n"
"  --sd within         the SD of the client's own scores (default)\n"
"  --sd between        the SD of everyone's scores in FILE (a first pass\n"
"                      reads FILE once more), or the value of --between-sd\n"
"  --sd stricter       the larger of the two, so a rupture must be deep\n"
"                      both for this client and for the sample\n"
"                      (Gumz et al. 2012, BMC Med Res Methodol 12:10)\n"
"  --sd VALUE          this SD for everyone (a published norm, say)\n"
"  --between-sd X      the sample SD of the total, instead of the first\n"
"                      pass (needed when FILE is standard input)\n"
"  --cutoff X          the cut-off of --rule cutoff (default 36)\n"
"  --drop D            points of --rule drop (default 5, attune's choice\n"
"                      for the SRS's 0-40; 1 is one step on a 0-4 scale)\n"
"  --repair R          what counts as the return: mean (back at the\n"
"                      client's mean), pre (back at the score of the\n"
"                      session before the rupture), line (no longer meets\n"
"                      the rupture rule); default: the rule's own, above\n"
"  --within N          the return must come within N sessions of the\n"
"                      first rupture session, else the sequence is\n"
"                      unrepaired (default 0: any later session)\n"
"  --missing skip      a session without a score is passed over: the\n"
"                      session before it counts as the previous one and a\n"
"                      sequence runs on across it (default)\n"
"  --missing break     a session without a score breaks the series: no\n"
"                      drop is measured across it and an open sequence\n"
"                      ends there as 'interrupted'\n"
"\n"
"Subscales:\n"
"  --sub NAME=COLS     a subscale (goals, tasks, bond, ...): in wide form\n"
"                      its session columns as for --vars, one per session\n"
"                      like the total; in long form its column. Up to 8.\n"
"                      The subscale whose score fell furthest, in its own\n"
"                      SDs, at the lowest session is named as the one\n"
"                      that led the drop.\n"
"  --scales all        search the total and every subscale (default)\n"
"  --scales total      search the total only\n"
"\n"
"Output (CSV; --json for a JSON array of the same records), one row per\n"
"sequence, people without one left out unless --all (a row with status\n"
"none): id, scale (total or the subscale's NAME), rule, pre (the last\n"
"session before the rupture), start (first rupture session), lowest,\n"
"repair (empty when none), status (repaired, unrepaired, interrupted),\n"
"reference (the level the drop is measured from: the client's mean,\n"
"the cut-off, or the score before the drop), low (the lowest score),\n"
"depth (reference - low, in points), sd (the SD used), depth_sd (depth\n"
"in SDs), lead (the subscale that led the drop), lead_z (its drop in\n"
"its own SDs). Sessions are numbered from 1 in the order of --vars, or\n"
"as in the session column in long form.\n"
"\n"
"Two views of one relationship (--discrepancy): the client's scores are\n"
"the ones INPUT-OPTIONS name, the therapist's rating of the same\n"
"sessions comes from --therapist-vars COLS (wide) or --therapist-col COL\n"
"(long), on the same scale (e.g. checkin-alliance and mirror-alliance).\n"
"For each session both rated: diff = therapist - client. The flag\n"
"fires when the therapist rates the alliance at least --gap points\n"
"higher (default 1: one full response step on the 0-4 scale of\n"
"checkin/mirror-alliance) in --sustain consecutive sessions both rated\n"
"(default 2). Clients usually rate the alliance higher than their\n"
"therapists (Tryon, Blackwell & Hammel 2007, d = .63), so a therapist\n"
"clearly above the client is the unusual direction: a strain the client\n"
"feels may be going unseen. Give the same subscales on both sides with\n"
"--sub NAME=COLS and --therapist-sub NAME=COLS.\n"
"  --by session        one row per session both rated (default): id,\n"
"                      session, client, therapist, diff, NAME_diff per\n"
"                      subscale, run (consecutive sessions at the gap so\n"
"                      far), flag (1 when run >= --sustain)\n"
"  --by person         one row per flagged person (every person with\n"
"                      --all): id, sessions, mean_diff, sd_diff, max_diff,\n"
"                      last_diff, longest_run, flagged, first_flag,\n"
"                      flag_now, NAME_mean_diff and NAME_flagged per\n"
"                      subscale\n"
"\n"
SERIES_OPTS_HELP
"\n"
"Errors name the file, line and column; on bad input nothing is printed\n"
"on stdout. Exit codes: 0 ok, 1 bad input, 2 usage, 3 internal error.\n"
"Methods, formulas and what attune does differently from the papers:\n"
"docs/analytics.md (alliance).\n";

/* One scale read per person. */
struct group {
	char name[ATTUNE_ID_MAX + 1];
	const char *cols;            /* as given: columns (wide) or a column */
	size_t n_items;              /* wide: entries after splitting commas */
	size_t first_item;           /* index into the combined vars list */
	size_t len;                  /* wide: session columns after ranges */
};

/* What the reader hands over per person: x[g][0..n) for every group. */
struct person {
	const char *id;
	size_t line;
	int first;
	size_t n;
	const double *x[MAX_GROUPS];
};

struct ctx {
	struct cli *cli;             /* for reading from the database */
	/* options */
	int discrepancy, json, all, by_person, scales_all;
	attune_rupture_params rp;
	attune_discrepancy_params dp;
	double between_total;        /* --between-sd, NaN when not given */
	struct group g[MAX_GROUPS];
	size_t n_sub;                /* client subscales (groups 1..n_sub) */
	size_t n_tsub;               /* therapist subscales given */
	char tsub_name[MAX_SUB][ATTUNE_ID_MAX + 1];
	const char *tsub_cols[MAX_SUB];
	const char *therapist_cols;  /* --therapist-vars / --therapist-col */
	size_t n_groups;
	/* run */
	int pass;                    /* 0: sample pass, 1: output */
	attune_alliance_sample samp[MAX_GROUPS];
	attune_rupture_params gp[1 + MAX_SUB]; /* per searched scale */
	int split_ready;
	struct out o;
	size_t n_written;
	attune_rupture seq[ATTUNE_SERIES_MAX];
	attune_discrepancy_row rows[ATTUNE_SERIES_MAX];
};

/* ---- output --------------------------------------------------------- */


/* Start a record: CSV id field, or the JSON object with "id". */
static void rec_start(struct ctx *c, const char *id)
{
	strbuf *b = &c->o.b;

	if (c->json) {
		sb_puts(b, c->n_written ? ",\n  {\"id\": " : "  {\"id\": ");
		sb_json_str(b, id);
	} else {
		csv_field(b, id, strlen(id));
	}
	c->n_written++;
}

/* v with at most 6 decimals, trailing zeros dropped ("49.875", "2.170648",
 * "40"), locale-free. Six decimals are far finer than any alliance scale
 * and SD ratio needs, and this is several times faster than the
 * shortest round-trip form, which dominated the time of a large run. */
static void put_fixed(strbuf *b, double v)
{
	char tmp[48];
	unsigned long long ip, fp;
	size_t n = sizeof(tmp), d;
	double a = fabs(v), r;

	if (isnan(v))
		return;
	if (!(a < 1e12)) {           /* huge or infinite: the general form */
		sb_num(b, v);
		return;
	}
	r = floor(a * 1e6 + 0.5);    /* round half away from zero */
	ip = (unsigned long long)(r / 1e6);
	fp = (unsigned long long)(r - (double)ip * 1e6);
	if (fp >= 1000000) {         /* guard the split against rounding */
		ip += fp / 1000000;
		fp %= 1000000;
	}
	if (fp) {
		for (d = 6; fp % 10 == 0; d--)
			fp /= 10;
		for (; d; d--) {
			tmp[--n] = (char)('0' + fp % 10);
			fp /= 10;
		}
		tmp[--n] = '.';
	}
	do {
		tmp[--n] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	if (v < 0 && (r != 0))
		tmp[--n] = '-';
	sb_append(b, tmp + n, sizeof(tmp) - n);
}

static void put_num(struct ctx *c, const char *key, double v)
{
	strbuf *b = &c->o.b;

	if (c->json) {
		sb_puts(b, ", ");
		sb_json_str(b, key);
		sb_puts(b, ": ");
		if (isnan(v))
			sb_puts(b, "null");
		else
			put_fixed(b, v);
	} else {
		sb_putc(b, ',');
		put_fixed(b, v);
	}
}

/* A session number, or empty / null when < 0 (none). */
static void put_session(struct ctx *c, const char *key, int s)
{
	put_num(c, key, s < 0 ? NAN : (double)s);
}

static void put_str(struct ctx *c, const char *key, const char *s)
{
	strbuf *b = &c->o.b;

	if (c->json) {
		sb_puts(b, ", ");
		sb_json_str(b, key);
		sb_puts(b, ": ");
		if (s)
			sb_json_str(b, s);
		else
			sb_puts(b, "null");
	} else {
		sb_putc(b, ',');
		if (s)
			csv_field(b, s, strlen(s));
	}
}

static void put_bool(struct ctx *c, const char *key, int v)
{
	strbuf *b = &c->o.b;

	if (c->json) {
		sb_puts(b, ", ");
		sb_json_str(b, key);
		sb_puts(b, v ? ": true" : ": false");
	} else {
		sb_puts(b, v ? ",1" : ",0");
	}
}

static void rec_end(struct ctx *c)
{
	sb_puts(&c->o.b, c->json ? "}" : "\n");
}

static void put_header(struct ctx *c)
{
	strbuf *b = &c->o.b;
	size_t j;

	if (c->json) {
		sb_puts(b, "[\n");
		return;
	}
	if (!c->discrepancy) {
		sb_puts(b, "id,scale,rule,pre,start,lowest,repair,status,"
		        "reference,low,depth,sd,depth_sd,lead,lead_z\n");
		return;
	}
	if (!c->by_person) {
		sb_puts(b, "id,session,client,therapist,diff");
		for (j = 0; j < c->n_sub; j++)
			sb_printf(b, ",%s_diff", c->g[1 + j].name);
		sb_puts(b, ",run,flag\n");
		return;
	}
	sb_puts(b, "id,sessions,mean_diff,sd_diff,max_diff,last_diff,"
	        "longest_run,flagged,first_flag,flag_now");
	for (j = 0; j < c->n_sub; j++)
		sb_printf(b, ",%s_mean_diff", c->g[1 + j].name);
	for (j = 0; j < c->n_sub; j++)
		sb_printf(b, ",%s_flagged", c->g[1 + j].name);
	sb_putc(b, '\n');
}

/* ---- per person ------------------------------------------------------- */

static void put_rupture(struct ctx *c, const char *id, size_t g,
                        const attune_rupture *r)
{
	rec_start(c, id);
	put_str(c, "scale", g ? c->g[g].name : "total");
	put_str(c, "rule", attune_rupture_rule_name(c->gp[g].rule));
	if (!r) {
		/* --all: a person (scale) without any sequence */
		put_session(c, "pre", -1);
		put_session(c, "start", -1);
		put_session(c, "lowest", -1);
		put_session(c, "repair", -1);
		put_str(c, "status", "none");
		put_num(c, "reference", NAN);
		put_num(c, "low", NAN);
		put_num(c, "depth", NAN);
		put_num(c, "sd", NAN);
		put_num(c, "depth_sd", NAN);
		put_str(c, "lead", NULL);
		put_num(c, "lead_z", NAN);
		rec_end(c);
		return;
	}
	put_session(c, "pre", r->pre);
	put_session(c, "start", r->start);
	put_session(c, "lowest", r->lowest);
	put_session(c, "repair", r->repair);
	put_str(c, "status", attune_rupture_status_name(r->status));
	put_num(c, "reference", r->reference);
	put_num(c, "low", r->low);
	put_num(c, "depth", r->depth);
	put_num(c, "sd", r->sd);
	put_num(c, "depth_sd", r->depth_sd);
	put_str(c, "lead", r->lead >= 0 ? c->g[1 + r->lead].name : NULL);
	put_num(c, "lead_z", r->lead_z);
	rec_end(c);
}

static int do_ruptures(struct ctx *c, const struct person *p)
{
	attune_alliance_series s;
	attune_err err;
	size_t g, k, n_seq, n_scales = c->scales_all ? 1 + c->n_sub : 1;
	int rc;

	s.first = p->first;
	s.n = p->n;
	for (g = 0; g < n_scales; g++) {
		s.x = p->x[g];
		/* Only the total is ranked by subscale. */
		s.n_sub = g == 0 ? c->n_sub : 0;
		s.sub = g == 0 ? &p->x[1] : NULL;
		err.msg[0] = '\0';
		rc = attune_rupture_detect(&s, &c->gp[g], c->seq,
		                           ATTUNE_SERIES_MAX, &n_seq, &err);
		if (rc) {
			cli_err("line %zu: id %s: %s", p->line, p->id, err.msg);
			return rc;
		}
		for (k = 0; k < n_seq; k++)
			put_rupture(c, p->id, g, &c->seq[k]);
		if (n_seq == 0 && c->all)
			put_rupture(c, p->id, g, NULL);
	}
	return ATTUNE_OK;
}

static int do_discrepancy(struct ctx *c, const struct person *p)
{
	attune_alliance_pair pr;
	attune_discrepancy_summary sum;
	attune_err err;
	size_t k, j, n_rows, t0 = 1 + c->n_sub;
	int rc;

	pr.first = p->first;
	pr.n = p->n;
	pr.client = p->x[0];
	pr.therapist = p->x[t0];
	pr.n_sub = c->n_sub;
	pr.client_sub = &p->x[1];
	pr.therapist_sub = &p->x[t0 + 1];
	err.msg[0] = '\0';
	rc = attune_alliance_discrepancy(&pr, &c->dp, c->rows,
	                                 ATTUNE_SERIES_MAX, &n_rows, &sum,
	                                 &err);
	if (rc) {
		cli_err("line %zu: id %s: %s", p->line, p->id, err.msg);
		return rc;
	}
	if (!c->by_person) {
		for (k = 0; k < n_rows; k++) {
			const attune_discrepancy_row *r = &c->rows[k];
			rec_start(c, p->id);
			put_num(c, "session", r->session);
			put_num(c, "client", r->client);
			put_num(c, "therapist", r->therapist);
			put_num(c, "diff", r->diff);
			for (j = 0; j < c->n_sub; j++) {
				char key[ATTUNE_ID_MAX + 8];
				snprintf(key, sizeof(key), "%s_diff",
				         c->g[1 + j].name);
				put_num(c, key, r->sub_diff[j]);
			}
			put_num(c, "run", r->run);
			put_bool(c, "flag", r->flag);
			rec_end(c);
		}
		return ATTUNE_OK;
	}
	if (!sum.flagged && !c->all)
		return ATTUNE_OK;
	rec_start(c, p->id);
	put_num(c, "sessions", (double)sum.n_paired);
	put_num(c, "mean_diff", sum.mean_diff);
	put_num(c, "sd_diff", sum.sd_diff);
	put_num(c, "max_diff", sum.max_diff);
	put_num(c, "last_diff", sum.last_diff);
	put_num(c, "longest_run", sum.longest_run);
	put_bool(c, "flagged", sum.flagged);
	put_session(c, "first_flag", sum.first_flag);
	put_bool(c, "flag_now", sum.flag_now);
	for (j = 0; j < c->n_sub; j++) {
		char key[ATTUNE_ID_MAX + 16];
		snprintf(key, sizeof(key), "%s_mean_diff", c->g[1 + j].name);
		put_num(c, key, sum.sub_mean_diff[j]);
	}
	for (j = 0; j < c->n_sub; j++) {
		char key[ATTUNE_ID_MAX + 16];
		snprintf(key, sizeof(key), "%s_flagged", c->g[1 + j].name);
		put_bool(c, key, sum.sub_flagged[j]);
	}
	rec_end(c);
	return ATTUNE_OK;
}

static int on_person(struct ctx *c, const struct person *p)
{
	size_t g;
	int rc;

	if (c->pass == 0) {
		for (g = 0; g < c->n_groups; g++)
			attune_alliance_sample_add(&c->samp[g], p->x[g], p->n);
		return ATTUNE_OK;
	}
	rc = c->discrepancy ? do_discrepancy(c, p) : do_ruptures(c, p);
	if (rc)
		return rc;
	if (out_flush(&c->o, 0)) {
		cli_err("writing output: %s", attune_strerror(c->o.rc));
		return -1;
	}
	return ATTUNE_OK;
}

/* ---- input: wide form (and long form with one score column) ---------- */

/* Wide form: the combined columns are group 0's, then group 1's, ...;
 * work out where each group's expanded columns start from the names
 * (ranges "a:b" run from a to b in file order). */
static int split_groups(struct ctx *c, const attune_series_cols *cols,
                        const char *const *vars)
{
	size_t g, t, pos = 0;

	for (g = 0; g < c->n_groups; g++) {
		size_t start = pos;
		for (t = 0; t < c->g[g].n_items; t++) {
			const char *v = vars[c->g[g].first_item + t];
			const char *colon = strchr(v, ':');
			if (pos >= cols->n)
				return -1;
			if (colon) {
				const char *b = colon + 1;
				while (pos < cols->n && strcmp(cols->names[pos], b))
					pos++;
				if (pos == cols->n)
					return -1;
			}
			pos++;
		}
		c->g[g].len = pos - start;
	}
	return pos == cols->n ? 0 : -1;
}

struct wide_ctx {
	struct ctx *c;
	const char *const *vars;
};

static int on_series(void *vctx, const attune_series *s,
                     const attune_series_cols *cols)
{
	struct wide_ctx *w = vctx;
	struct ctx *c = w->c;
	struct person p;
	size_t g, off = 0;

	if (c->n_groups == 1 || !cols->n) {
		/* One scale (or long form): the series as it is. */
		p.x[0] = s->x;
		p.n = s->n;
	} else {
		if (!c->split_ready) {
			if (split_groups(c, cols, w->vars) != 0) {
				cli_err("cannot match the session columns to "
				        "their scales (internal)");
				return -1;
			}
			for (g = 1; g < c->n_groups; g++)
				if (c->g[g].len != c->g[0].len) {
					cli_err("%s names %zu session columns, "
					        "--vars names %zu: every scale "
					        "needs one column per session",
					        c->g[g].name, c->g[g].len,
					        c->g[0].len);
					return ATTUNE_EINVAL;
				}
			c->split_ready = 1;
		}
		for (g = 0; g < c->n_groups; g++) {
			p.x[g] = s->x + off;
			off += c->g[g].len;
		}
		p.n = c->g[0].len;
	}
	p.id = s->id;
	p.line = s->line;
	p.first = s->first;
	return on_person(c, &p);
}

/* ---- input: long form with several score columns --------------------- */

struct long_reader {
	attune_csv *csv;
	const char *name;
	const attune_series_spec *spec;
	struct ctx *c;
	int id_col, session_col, col[MAX_GROUPS];
	size_t n_cols;
	char id[ATTUNE_TEXT_MAX + 1];
	double *x;                  /* [MAX_GROUPS][ATTUNE_SERIES_MAX] */
	uint64_t *seen;
	size_t n_seen, cap_seen;
};

static int lr_fail(struct long_reader *r, size_t line, const char *fmt, ...)
	ATTUNE_PRINTF(3, 4);

static int lr_fail(struct long_reader *r, size_t line, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cli_err("%s:%zu: %s", r->name, line, what);
	return ATTUNE_EINVAL;
}

static int lr_find(const attune_csv_field *f, size_t n, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < n; i++)
		if (f[i].n == len && memcmp(f[i].p, name, len) == 0)
			return (int)i;
	return -1;
}

/* FNV-1a, as lib/util/series.c: a person whose rows come back later is
 * an error, found with one hash per person. */
static uint64_t lr_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

static int lr_seen(struct long_reader *r, uint64_t h)
{
	size_t i, mask;

	if ((r->n_seen + 1) * 2 > r->cap_seen) {
		size_t cap = r->cap_seen ? r->cap_seen * 2 : 1024, k;
		uint64_t *t = calloc(cap, sizeof(*t));
		if (!t)
			return -1;
		for (k = 0; k < r->cap_seen; k++)
			if (r->seen[k]) {
				i = r->seen[k] & (cap - 1);
				while (t[i])
					i = (i + 1) & (cap - 1);
				t[i] = r->seen[k];
			}
		free(r->seen);
		r->seen = t;
		r->cap_seen = cap;
	}
	mask = r->cap_seen - 1;
	for (i = h & mask; r->seen[i]; i = (i + 1) & mask)
		if (r->seen[i] == h)
			return 1;
	r->seen[i] = h;
	r->n_seen++;
	return 0;
}

static int lr_emit(struct long_reader *r, size_t line, size_t filled)
{
	struct person p;
	size_t g;

	p.id = r->id;
	p.line = line;
	p.first = r->spec->first_session;
	p.n = filled;
	for (g = 0; g < r->c->n_groups; g++)
		p.x[g] = r->x + g * ATTUNE_SERIES_MAX;
	return on_person(r->c, &p);
}

static int read_long_multi(struct long_reader *r)
{
	const attune_series_spec *sp = r->spec;
	const char *sc = sp->session_col ? sp->session_col : "session";
	const attune_csv_field *f;
	attune_err err;
	size_t n, g, k, line, first_line = 0, filled = 0;
	int rc, have = 0, last = 0, base = sp->first_session;

	err.msg[0] = '\0';
	rc = attune_csv_next(r->csv, &f, &n, &err);
	if (rc) {
		cli_err("%s", err.msg);
		return rc;
	}
	if (n == 0) {
		cli_err("%s: empty input: expected a header line", r->name);
		return ATTUNE_EINVAL;
	}
	line = attune_csv_line(r->csv);
	r->n_cols = n;
	r->id_col = lr_find(f, n, sp->id_col);
	if (r->id_col < 0)
		return lr_fail(r, line, "no column named '%s' for the id",
		               sp->id_col);
	r->session_col = lr_find(f, n, sc);
	if (r->session_col < 0)
		return lr_fail(r, line, "no column named '%s' for the session "
		               "number", sc);
	for (g = 0; g < r->c->n_groups; g++) {
		r->col[g] = lr_find(f, n, r->c->g[g].cols);
		if (r->col[g] < 0)
			return lr_fail(r, line, "no column named '%s' for %s",
			               r->c->g[g].cols, g ? r->c->g[g].name
			                                  : "the score");
	}
	for (;;) {
		int64_t session;

		err.msg[0] = '\0';
		rc = attune_csv_next(r->csv, &f, &n, &err);
		if (rc) {
			cli_err("%s", err.msg);
			return rc;
		}
		line = attune_csv_line(r->csv);
		if (n == 0 || (have && (f[r->id_col].n != strlen(r->id) ||
		    memcmp(f[r->id_col].p, r->id, f[r->id_col].n) != 0))) {
			if (have && (rc = lr_emit(r, first_line, filled)))
				return rc;
			have = 0;
			if (n == 0)
				return ATTUNE_OK;
		}
		if (n != r->n_cols)
			return lr_fail(r, line, "has %zu fields, the header has "
			               "%zu", n, r->n_cols);
		if (!have) {
			const attune_csv_field *id = &f[r->id_col];
			int seen;
			if (id->n == 0)
				return lr_fail(r, line, "column %s: empty id",
				               sp->id_col);
			if (id->n > ATTUNE_TEXT_MAX)
				return lr_fail(r, line, "column %s: id longer "
				               "than 4096 bytes", sp->id_col);
			memcpy(r->id, id->p, id->n);
			r->id[id->n] = '\0';
			seen = lr_seen(r, lr_hash(r->id));
			if (seen < 0) {
				cli_err("out of memory");
				return ATTUNE_ENOMEM;
			}
			if (seen)
				return lr_fail(r, line, "id '%.64s' appears again: "
				               "in long form each person's rows "
				               "must be together", r->id);
			have = 1;
			first_line = line;
			filled = 0;
			last = base - 1;
		}
		if (parse_i64(f[r->session_col].p, f[r->session_col].n,
		              &session) != 0 || session > 1000000)
			return lr_fail(r, line, "column %s: '%.*s' is not a "
			               "session number (0, 1, 2, ...)", sc,
			               (int)(f[r->session_col].n > 40 ? 40 :
			                     f[r->session_col].n),
			               f[r->session_col].p);
		if (session < base)
			return lr_fail(r, line, "column %s: session %lld is below "
			               "the first session %d (--first-session)",
			               sc, (long long)session, base);
		if ((int)session <= last)
			return lr_fail(r, line, "column %s: session %lld does not "
			               "follow session %d (sessions must increase "
			               "within a person)", sc, (long long)session,
			               last);
		if (session - base >= ATTUNE_SERIES_MAX)
			return lr_fail(r, line, "column %s: session %lld is beyond "
			               "the %d sessions a series may have", sc,
			               (long long)session, ATTUNE_SERIES_MAX);
		for (g = 0; g < r->c->n_groups; g++) {
			const attune_csv_field *v = &f[r->col[g]];
			double *x = r->x + g * ATTUNE_SERIES_MAX, d;
			if (v->n == 0 || (v->n == 2 && v->p[0] == 'N' &&
			                  v->p[1] == 'A'))
				d = NAN;
			else if (parse_num(v->p, v->n, &d) != 0)
				return lr_fail(r, line, "column %s: '%.*s' is not "
				               "a number", r->c->g[g].cols,
				               (int)(v->n > 40 ? 40 : v->n), v->p);
			for (k = filled; k < (size_t)(session - base); k++)
				x[k] = NAN;
			x[session - base] = d;
		}
		filled = (size_t)(session - base) + 1;
		last = (int)session;
	}
}

static long read_fd(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	ssize_t r;

	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno_is_eintr());
	return (long)r;
}

/* Run one pass over path: returns an exit code. */
static int run_pass(struct ctx *c, const struct series_opts *so,
                    const char *path)
{
	struct long_reader r;
	struct wide_ctx w;
	struct series_opts combo;
	const char *vars[MAX_GROUPS * 64];
	char *buf = NULL, *p, *comma;
	size_t g, nv = 0;
	int fd = 0, rc, exitc = EXIT_INTERNAL;

	c->split_ready = 0;
	if (so->instrument) {
		/* From the database: one scale (--scale), series as they are. */
		w.c = c;
		w.vars = NULL;
		return series_run_db(c->cli, so, on_series, &w);
	}
	if (so->spec.long_form && c->n_groups > 1) {
		memset(&r, 0, sizeof(r));
		r.spec = &so->spec;
		r.c = c;
		r.name = path;
		r.x = malloc(sizeof(double) * MAX_GROUPS * ATTUNE_SERIES_MAX);
		if (!r.x) {
			cli_err("out of memory");
			return EXIT_INTERNAL;
		}
		if (strcmp(path, "-") != 0) {
			fd = open_readonly(path);
			if (fd < 0) {
				cli_err("%s: cannot open: %s", path, errno_text());
				free(r.x);
				return EXIT_INPUT;
			}
		}
		rc = attune_csv_open(read_fd, &fd, path, &r.csv);
		if (rc)
			cli_err("out of memory");
		else
			rc = read_long_multi(&r);
		attune_csv_close(r.csv);
		if (fd > 0)
			close(fd);
		free(r.x);
		free(r.seen);
		return rc == ATTUNE_OK ? EXIT_OKAY : rc < 0 ? EXIT_INTERNAL
		                                          : cli_exit_for(rc);
	}
	combo = *so;
	if (!so->spec.long_form && c->n_groups > 1) {
		/* Wide form: one combined list of every scale's columns. */
		size_t total = 0;
		for (g = 1; g < c->n_groups; g++)
			total += strlen(c->g[g].cols) + 1;
		buf = malloc(total);
		if (!buf) {
			cli_err("out of memory");
			return EXIT_INTERNAL;
		}
		p = buf;
		/* Group 0: --vars as the shared options split it. */
		c->g[0].first_item = 0;
		c->g[0].n_items = so->spec.n_vars;
		for (nv = 0; nv < so->spec.n_vars; nv++)
			vars[nv] = so->spec.vars[nv];
		for (g = 1; g < c->n_groups; g++) {
			size_t len = strlen(c->g[g].cols);
			char *s = p;
			memcpy(p, c->g[g].cols, len + 1);
			p += len + 1;
			c->g[g].first_item = nv;
			c->g[g].n_items = 0;
			for (; s; s = comma ? comma + 1 : NULL) {
				comma = strchr(s, ',');
				if (comma)
					*comma = '\0';
				if (!*s || nv == sizeof(vars) / sizeof(vars[0])) {
					cli_err("%s: an empty column name, or more "
					        "than 64 names (use A:B ranges)",
					        c->g[g].name);
					exitc = EXIT_USAGE;
					goto out;
				}
				vars[nv++] = s;
				c->g[g].n_items++;
			}
		}
		combo.spec.vars = vars;
		combo.spec.n_vars = nv;
	}
	w.c = c;
	w.vars = vars;
	exitc = series_run(&combo, path, on_series, &w);
out:
	free(buf);
	return exitc;
}

/* ---- options ---------------------------------------------------------- */

static int parse_double(const char *opt, const char *arg, double *v)
{
	if (parse_num(arg, strlen(arg), v) != 0 || !isfinite(*v)) {
		cli_err("%s must be a number, not '%s'", opt, arg);
		return -1;
	}
	return 0;
}

static int parse_int(const char *opt, const char *arg, int min, int *v)
{
	int64_t i;

	if (parse_i64(arg, strlen(arg), &i) != 0 || i < min || i > 1000) {
		cli_err("%s must be a whole number %d..1000, not '%s'", opt, min,
		        arg);
		return -1;
	}
	*v = (int)i;
	return 0;
}

/* NAME=COLS into name (checked) and *cols. */
static int parse_named(const char *opt, const char *arg,
                       char name[ATTUNE_ID_MAX + 1], const char **cols)
{
	const char *eq = strchr(arg, '=');
	size_t i, n;

	if (!eq || eq == arg || !eq[1]) {
		cli_err("%s wants NAME=COLUMNS (e.g. goals=g1:g10), not '%s'",
		        opt, arg);
		return -1;
	}
	n = (size_t)(eq - arg);
	if (n > ATTUNE_ID_MAX) {
		cli_err("%s: the name is longer than %d characters", opt,
		        ATTUNE_ID_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char ch = arg[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
			cli_err("%s: the name '%.*s' may hold only letters, "
			        "digits, _ and -", opt, (int)n, arg);
			return -1;
		}
	}
	if ((n == 5 && memcmp(arg, "total", 5) == 0)) {
		cli_err("%s: 'total' names the total; choose another name", opt);
		return -1;
	}
	memcpy(name, arg, n);
	name[n] = '\0';
	*cols = eq + 1;
	return 0;
}

int cmd_ruptures(struct cli *cli, int argc, char **argv)
{
	enum { OPT_RULE = OPT_FIRST_FREE, OPT_K, OPT_SD, OPT_BETWEEN,
	       OPT_CUTOFF, OPT_DROP, OPT_REPAIR, OPT_WITHIN, OPT_MISSING,
	       OPT_SUB, OPT_SCALES, OPT_ALL, OPT_DISC, OPT_TVARS, OPT_TCOL,
	       OPT_TSUB, OPT_GAP, OPT_SUSTAIN, OPT_BY };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		SERIES_OPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"rule", required_argument, NULL, OPT_RULE},
		{"k", required_argument, NULL, OPT_K},
		{"sd", required_argument, NULL, OPT_SD},
		{"between-sd", required_argument, NULL, OPT_BETWEEN},
		{"cutoff", required_argument, NULL, OPT_CUTOFF},
		{"drop", required_argument, NULL, OPT_DROP},
		{"repair", required_argument, NULL, OPT_REPAIR},
		{"within", required_argument, NULL, OPT_WITHIN},
		{"missing", required_argument, NULL, OPT_MISSING},
		{"sub", required_argument, NULL, OPT_SUB},
		{"scales", required_argument, NULL, OPT_SCALES},
		{"all", no_argument, NULL, OPT_ALL},
		{"discrepancy", no_argument, NULL, OPT_DISC},
		{"therapist-vars", required_argument, NULL, OPT_TVARS},
		{"therapist-col", required_argument, NULL, OPT_TCOL},
		{"therapist-sub", required_argument, NULL, OPT_TSUB},
		{"gap", required_argument, NULL, OPT_GAP},
		{"sustain", required_argument, NULL, OPT_SUSTAIN},
		{"by", required_argument, NULL, OPT_BY},
		{NULL, 0, NULL, 0}
	};
	struct series_opts so;
	struct ctx *c;
	const char *path, *rule_arg = NULL, *sd_arg = NULL;
	double k = NAN, cutoff = NAN, drop = NAN, sd_fixed = NAN;
	int opt, rc, exitc = EXIT_USAGE, within = -1, missing = -1;
	int repair = -1, tvars = 0, tcol = 0, rule_opts = 0, disc_opts = 0;
	attune_rupture_rule rule = ATTUNE_RUPTURE_STILES;
	attune_rupture_sd sdk = ATTUNE_RUPTURE_SD_WITHIN;
	attune_err err;
	size_t g, j;

	c = calloc(1, sizeof(*c));
	if (!c) {
		cli_err("out of memory");
		return EXIT_INTERNAL;
	}
	c->cli = cli;
	series_opts_init(&so);
	out_init(&c->o, 0);
	c->scales_all = 1;
	c->between_total = NAN;
	attune_discrepancy_defaults(&c->dp);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = series_opt(&so, opt, optarg);
		if (rc < 0)
			goto out;
		if (rc > 0)
			continue;
		switch (opt) {
		case OPT_HELP:
			exitc = cli_usage(usage_text, 0);
			goto out;
		case OPT_JSON: c->json = 1; break;
		case OPT_RULE:
			rule_arg = optarg;
			if (strcmp(optarg, "stiles") == 0)
				rule = ATTUNE_RUPTURE_STILES;
			else if (strcmp(optarg, "strauss") == 0)
				rule = ATTUNE_RUPTURE_STRAUSS;
			else if (strcmp(optarg, "cutoff") == 0)
				rule = ATTUNE_RUPTURE_CUTOFF;
			else if (strcmp(optarg, "drop") == 0)
				rule = ATTUNE_RUPTURE_DROP;
			else {
				cli_err("--rule must be stiles, strauss, cutoff or "
				        "drop");
				goto out;
			}
			break;
		case OPT_K:
			if (parse_double("--k", optarg, &k))
				goto out;
			rule_opts = 1;
			break;
		case OPT_SD:
			sd_arg = optarg;
			if (strcmp(optarg, "within") == 0)
				sdk = ATTUNE_RUPTURE_SD_WITHIN;
			else if (strcmp(optarg, "between") == 0)
				sdk = ATTUNE_RUPTURE_SD_BETWEEN;
			else if (strcmp(optarg, "stricter") == 0)
				sdk = ATTUNE_RUPTURE_SD_STRICTER;
			else if (parse_num(optarg, strlen(optarg), &sd_fixed) == 0
			         && sd_fixed > 0 && isfinite(sd_fixed))
				sdk = ATTUNE_RUPTURE_SD_VALUE;
			else {
				cli_err("--sd must be within, between, stricter or "
				        "an SD above 0, not '%s'", optarg);
				goto out;
			}
			rule_opts = 1;
			break;
		case OPT_BETWEEN:
			if (parse_double("--between-sd", optarg,
			                 &c->between_total))
				goto out;
			if (!(c->between_total > 0)) {
				cli_err("--between-sd must be above 0");
				goto out;
			}
			rule_opts = 1;
			break;
		case OPT_CUTOFF:
			if (parse_double("--cutoff", optarg, &cutoff))
				goto out;
			rule_opts = 1;
			break;
		case OPT_DROP:
			if (parse_double("--drop", optarg, &drop))
				goto out;
			rule_opts = 1;
			break;
		case OPT_REPAIR:
			if (strcmp(optarg, "mean") == 0)
				repair = ATTUNE_REPAIR_MEAN;
			else if (strcmp(optarg, "pre") == 0)
				repair = ATTUNE_REPAIR_PRE;
			else if (strcmp(optarg, "line") == 0)
				repair = ATTUNE_REPAIR_LINE;
			else {
				cli_err("--repair must be mean, pre or line");
				goto out;
			}
			rule_opts = 1;
			break;
		case OPT_WITHIN:
			if (parse_int("--within", optarg, 0, &within))
				goto out;
			rule_opts = 1;
			break;
		case OPT_MISSING:
			if (strcmp(optarg, "skip") == 0)
				missing = ATTUNE_MISSING_SKIP;
			else if (strcmp(optarg, "break") == 0)
				missing = ATTUNE_MISSING_BREAK;
			else {
				cli_err("--missing must be skip or break");
				goto out;
			}
			break;
		case OPT_SUB:
			if (c->n_sub == MAX_SUB) {
				cli_err("at most %d --sub", MAX_SUB);
				goto out;
			}
			if (parse_named("--sub", optarg, c->g[1 + c->n_sub].name,
			                &c->g[1 + c->n_sub].cols))
				goto out;
			for (j = 0; j < c->n_sub; j++)
				if (!strcmp(c->g[1 + j].name,
				            c->g[1 + c->n_sub].name)) {
					cli_err("--sub %s is given twice",
					        c->g[1 + j].name);
					goto out;
				}
			c->n_sub++;
			break;
		case OPT_SCALES:
			if (strcmp(optarg, "all") == 0)
				c->scales_all = 1;
			else if (strcmp(optarg, "total") == 0)
				c->scales_all = 0;
			else {
				cli_err("--scales must be total or all");
				goto out;
			}
			rule_opts = 1;
			break;
		case OPT_ALL: c->all = 1; break;
		case OPT_DISC: c->discrepancy = 1; break;
		case OPT_TVARS:
			c->therapist_cols = optarg;
			tvars = 1;
			break;
		case OPT_TCOL:
			c->therapist_cols = optarg;
			tcol = 1;
			break;
		case OPT_TSUB:
			if (c->n_tsub == MAX_SUB) {
				cli_err("at most %d --therapist-sub", MAX_SUB);
				goto out;
			}
			if (parse_named("--therapist-sub", optarg,
			                c->tsub_name[c->n_tsub],
			                &c->tsub_cols[c->n_tsub]))
				goto out;
			c->n_tsub++;
			disc_opts = 1;
			break;
		case OPT_GAP:
			if (parse_double("--gap", optarg, &c->dp.gap))
				goto out;
			if (!(c->dp.gap > 0)) {
				cli_err("--gap must be above 0");
				goto out;
			}
			disc_opts = 1;
			break;
		case OPT_SUSTAIN:
			if (parse_int("--sustain", optarg, 1, &c->dp.sustain))
				goto out;
			disc_opts = 1;
			break;
		case OPT_BY:
			if (strcmp(optarg, "person") == 0)
				c->by_person = 1;
			else if (strcmp(optarg, "session") == 0)
				c->by_person = 0;
			else {
				cli_err("--by must be session or person");
				goto out;
			}
			disc_opts = 1;
			break;
		default:
			rc = cli_common_opt(cli, opt, optarg);
			if (rc <= 0) {
				exitc = cli_usage(usage_text, 1);
				goto out;
			}
		}
	}
	if ((exitc = series_opts_check(&so)) != EXIT_OKAY)
		goto out;
	exitc = EXIT_USAGE;
	if (so.instrument) {
		if (optind != argc) {
			cli_err("ruptures: --instrument reads the database; no "
			        "FILE");
			goto out;
		}
		if (c->discrepancy || c->n_sub) {
			cli_err("ruptures: from the database, one scale at a time "
			        "(--scale); --sub and --discrepancy read files");
			goto out;
		}
		path = "(database)";
	} else if (optind + 1 != argc) {
		cli_err(optind == argc ? "ruptures: give the input FILE (or - "
		        "for standard input)" : "ruptures: one input file only");
		goto out;
	} else {
		path = argv[optind];
	}

	/* The client's (or only) scale, then its subscales. */
	c->g[0].cols = so.spec.long_form ? (so.spec.score_col ?
	               so.spec.score_col : "score") : NULL;
	strcpy(c->g[0].name, "total");
	c->n_groups = 1 + c->n_sub;
	if (c->discrepancy) {
		if (rule_arg || rule_opts) {
			cli_err("--discrepancy compares two views; the rupture "
			        "options (--rule, --k, --sd, ...) do not apply");
			goto out;
		}
		if (!tvars && !tcol) {
			cli_err("--discrepancy needs the therapist's ratings: "
			        "--therapist-vars COLS (wide form) or "
			        "--therapist-col COL (long form)");
			goto out;
		}
		if (so.spec.long_form ? tvars : tcol) {
			cli_err(so.spec.long_form ? "long form: give "
			        "--therapist-col, not --therapist-vars" :
			        "wide form: give --therapist-vars, not "
			        "--therapist-col");
			goto out;
		}
		if (c->n_tsub != c->n_sub) {
			cli_err("give each --sub NAME a --therapist-sub NAME "
			        "(%zu and %zu given)", c->n_sub, c->n_tsub);
			goto out;
		}
		g = 1 + c->n_sub;
		strcpy(c->g[g].name, "therapist");
		c->g[g].cols = c->therapist_cols;
		for (j = 0; j < c->n_sub; j++) {
			size_t t;
			for (t = 0; t < c->n_tsub; t++)
				if (!strcmp(c->tsub_name[t], c->g[1 + j].name))
					break;
			if (t == c->n_tsub) {
				cli_err("--sub %s has no --therapist-sub %s",
				        c->g[1 + j].name, c->g[1 + j].name);
				goto out;
			}
			snprintf(c->g[g + 1 + j].name, sizeof(c->g[0].name),
			         "%s", c->tsub_name[t]);
			c->g[g + 1 + j].cols = c->tsub_cols[t];
		}
		c->n_groups = 2 * (1 + c->n_sub);
		if (missing >= 0)
			c->dp.missing = (attune_rupture_missing)missing;
	} else {
		if (disc_opts || tvars || tcol) {
			cli_err("--therapist-*, --gap, --sustain and --by belong "
			        "to --discrepancy");
			goto out;
		}
		attune_rupture_defaults(rule, &c->rp);
		if (!isnan(k))
			c->rp.k = k;
		if (!isnan(cutoff))
			c->rp.cutoff = cutoff;
		if (!isnan(drop))
			c->rp.drop = drop;
		if (repair >= 0)
			c->rp.repair = (attune_rupture_repair)repair;
		if (within >= 0)
			c->rp.repair_within = within;
		if (missing >= 0)
			c->rp.missing = (attune_rupture_missing)missing;
		c->rp.sd = sdk;
		c->rp.sd_value = sd_fixed;
		if (sdk == ATTUNE_RUPTURE_SD_VALUE && c->n_sub &&
		    c->scales_all) {
			cli_err("--sd %s is on the total's scale; with --sub "
			        "add --scales total (the subscales then use their "
			        "own SD to rank which one led)", sd_arg);
			goto out;
		}
		if (!isnan(c->between_total) &&
		    sdk != ATTUNE_RUPTURE_SD_BETWEEN &&
		    sdk != ATTUNE_RUPTURE_SD_STRICTER) {
			cli_err("--between-sd goes with --sd between or --sd "
			        "stricter");
			goto out;
		}
		if ((sdk == ATTUNE_RUPTURE_SD_BETWEEN ||
		     sdk == ATTUNE_RUPTURE_SD_STRICTER) &&
		    strcmp(path, "-") == 0 &&
		    (isnan(c->between_total) || c->n_sub)) {
			cli_err("--sd %s from standard input: give the sample's "
			        "SD with --between-sd (and no --sub), or a file "
			        "to take a first pass over", sd_arg);
			goto out;
		}
		if (!isnan(k) && (rule == ATTUNE_RUPTURE_CUTOFF ||
		                  rule == ATTUNE_RUPTURE_DROP)) {
			cli_err("--k belongs to --rule stiles or strauss");
			goto out;
		}
		if (!isnan(cutoff) && rule != ATTUNE_RUPTURE_CUTOFF) {
			cli_err("--cutoff belongs to --rule cutoff");
			goto out;
		}
		if (!isnan(drop) && rule != ATTUNE_RUPTURE_DROP) {
			cli_err("--drop belongs to --rule drop");
			goto out;
		}
	}
	if (so.spec.long_form) {
		for (g = 1; g < c->n_groups; g++)
			if (strchr(c->g[g].cols, ',') || strchr(c->g[g].cols,
			                                        ':')) {
				cli_err("long form: %s names one column, not '%s'",
				        c->g[g].name, c->g[g].cols);
				goto out;
			}
	}

	/* First pass for the sample's SD. */
	if (!c->discrepancy && (c->rp.sd == ATTUNE_RUPTURE_SD_BETWEEN ||
	                        c->rp.sd == ATTUNE_RUPTURE_SD_STRICTER)) {
		if (strcmp(path, "-") != 0) {
			for (g = 0; g < c->n_groups; g++)
				attune_alliance_sample_init(&c->samp[g]);
			c->pass = 0;
			exitc = run_pass(c, &so, path);
			if (exitc != EXIT_OKAY)
				goto out;
		}
	}
	if (!c->discrepancy) {
		for (g = 0; g < 1 + c->n_sub; g++) {
			attune_rupture_params *gp = &c->gp[g];
			*gp = c->rp;
			if (gp->sd == ATTUNE_RUPTURE_SD_BETWEEN ||
			    gp->sd == ATTUNE_RUPTURE_SD_STRICTER) {
				gp->sd_value = g == 0 && !isnan(c->between_total)
				               ? c->between_total
				               : attune_alliance_sample_sd(&c->samp[g]);
				for (j = 0; j < c->n_sub; j++)
					gp->sd_value_sub[j] =
					    strcmp(path, "-") == 0 ? NAN :
					    attune_alliance_sample_sd(&c->samp[1 + j]);
			}
			err.msg[0] = '\0';
			if (attune_rupture_check(gp, &err) != ATTUNE_OK &&
			    (g == 0 || c->scales_all)) {
				if (isnan(gp->sd_value) &&
				    gp->sd != ATTUNE_RUPTURE_SD_WITHIN)
					cli_err("%s: fewer than 2 scores of %s in the "
					        "file: no sample SD", path,
					        c->g[g].name);
				else
					cli_err("%s", err.msg);
				exitc = isnan(gp->sd_value) ? EXIT_INPUT
				                            : EXIT_USAGE;
				goto out;
			}
		}
	}

	c->pass = 1;
	put_header(c);
	exitc = run_pass(c, &so, path);
	if (exitc != EXIT_OKAY)
		goto out;
	if (c->json)
		sb_puts(&c->o.b, c->n_written ? "\n]\n" : "]\n");
	if (out_finish(&c->o)) {
		cli_err("writing output: %s", attune_strerror(c->o.rc));
		exitc = EXIT_INTERNAL;
		goto out;
	}
	exitc = EXIT_OKAY;
out:
	out_free(&c->o);
	series_opts_free(&so);
	free(c);
	return exitc;
}
