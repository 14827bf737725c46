/* cmd_signals.c - `attune signals`: expected-recovery curves fitted from
 * reference courses (Finch, Lambert & Schaalje 2001), the model file, and
 * one status per client combining the outcome signal with alliance
 * ruptures and the recency of the data (trajectory.h, signals.h).
 *
 * Nothing is printed unless the whole input is valid (struct out,
 * cli/out.c): output is held in memory or a temporary file, then
 * copied to stdout at the end. The fit and the classification read one
 * person at a time. Joining alliance ruptures (--alliance...) or dates
 * (--date-col) to the outcome keeps one small entry per person seen in
 * those passes (an id and a date, or an id and one rupture). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "series_opts.h"
#include "attune/csv.h"
#include "attune/signals.h"

#define MODEL_FILE_MAX (1u << 20)

static const char usage_text[] =
"usage: attune signals --fit REFERENCE [--bands LIST | --band-by WHAT]\n"
"                      [--out MODEL] INPUT-OPTIONS [options] [FILE|-]\n"
"       attune signals --model MODEL INPUT-OPTIONS [options] FILE|-\n"
"       attune signals --model MODEL --instrument ID [options]\n"
"\n"
"Expected treatment response (Finch, Lambert & Schaalje 2001, Clin\n"
"Psychol Psychother 8:231): from reference courses (finished courses of\n"
"treatment: the clinic's own or a published set), fit for each band of\n"
"intake severity the expected score at treatment session t (t = 1 at\n"
"intake) as E(t) = a + b ln(t), by least squares over every reference\n"
"score of the band, with s the residual SD of that fit. A later score\n"
"is then compared with its band's curve:\n"
"  not on track  worse than E(t) + z(90 %) s  (1.28 s: about 10 % of\n"
"                comparable clients are beyond it)\n"
"  at risk       worse than E(t) + z(70 %) s  (0.52 s: about 30 %)\n"
"  on track      otherwise\n"
"(for a measure where higher is better, worse is below E(t) - z s). A\n"
"score exactly on a boundary gets the milder status. After the last\n"
"session in the reference data the curve stays at its end.\n"
"\n"
"Each person then gets one status with its reasons, the most urgent\n"
"that holds: not-on-track, rupture-unrepaired (the latest alliance\n"
"rupture has had no repair), at-risk, no-recent-data, on-track, or\n"
"no-signal (only the intake score, no intake score, or no curve for\n"
"the intake band). Method and sources: docs/analytics.md (section 4).\n"
"\n"
"Model:\n"
"  --fit FILE          fit the curves from the reference courses in FILE\n"
"                      (laid out as the input options say; with\n"
"                      --instrument, long form id,session,score)\n"
"  --fit-score-col COL, --fit-vars A,B,...\n"
"                      the reference file's own score column (long\n"
"                      form) or session columns (wide form)\n"
"  --bands LIST        intake bands LOW-HIGH, both ends included, e.g.\n"
"                      0-9,10-14,15-19,20-27\n"
"  --band-by WHAT      the severity bands of an instrument: `instrument`\n"
"                      for the --instrument measure, or an id (phq9)\n"
"  --fit-sessions N    fit sessions 1..N of each course (default 20, as\n"
"                      Finch et al.; at most 200)\n"
"  --min-persons N     a band needs N reference courses for a curve\n"
"                      (default 10); thinner bands give no-signal\n"
"  --out MODEL         save the fitted model (CSV; JSON when the name\n"
"                      ends in .json) to use again with --model\n"
"  --model MODEL       a saved model (CSV or JSON)\n"
"  With --fit and no FILE (and no --instrument) the model is printed.\n"
"\n"
"Classification:\n"
"  --at-risk P         percentile of the at-risk boundary (default 70)\n"
"  --not-on-track P    percentile of the not-on-track limit (default 90);\n"
"                      50 <= at-risk <= not-on-track < 100\n"
"  --lower-is-better, --higher-is-better\n"
"                      which way is better (default: the instrument's,\n"
"                      or the model's; lower for PHQ-9)\n"
"  --measure NAME      the measure's name in reasons (default: the\n"
"                      instrument's short title, e.g. PHQ-9)\n"
"  --each-session      one row per person and session: the outcome\n"
"                      signal at every session (the alliance and the\n"
"                      recency parts belong to the per-person rows)\n"
"\n"
"Alliance (optional; ruptures found as `attune ruptures` finds them):\n"
"  --alliance FILE     alliance scores per person, laid out as the input\n"
"                      (default: FILE itself) with\n"
"  --alliance-col COL  long form: the alliance score column, or\n"
"  --alliance-vars A,B wide form: the alliance session columns\n"
"  --alliance-instrument ID   with --instrument: from the database\n"
"  --rupture RULE      strauss (default: 1 SD below the client's mean,\n"
"                      then a return), stiles (2 SD), cutoff, drop\n"
"  --rupture-k K, --rupture-cutoff X, --rupture-drop D\n"
"                      the rule's parameter (defaults 1 / 2 SD, 36, 5)\n"
"  --repair-within N   a repair must come within N sessions (default:\n"
"                      any later session)\n"
"\n"
"Recency (optional):\n"
"  --date-col COL      a column of FILE with the date (YYYY-MM-DD) of\n"
"                      each row; a person's latest date counts\n"
"  --recent-days N     no-recent-data after more than N days (default\n"
"                      21: three weeks)\n"
"  --as-of DATE        the day of the report (default today, UTC)\n"
"\n"
SERIES_OPTS_HELP
"\n"
"Output (CSV, id column first; --json for JSON, and with --fit alone\n"
"the model as JSON), one row per person:\n"
"id, session (the latest judged; the intake's when none), score,\n"
"expected, lower and upper (the at-risk boundaries on either side),\n"
"limit (the not-on-track boundary on the worse side), band (the intake\n"
"band), status, reasons (separated by '; '). Boundaries are rounded to\n"
"4 decimals; the statuses use them unrounded.\n"
"Exit codes: 0 ok, 1 bad input (nothing is printed), 2 usage,\n"
"3 internal error.\n";

/* ---- output: held until the whole input is read ---------------------- */

/* v with at most 4 decimals, trailing zeros dropped, no locale; NaN
 * appends nothing. Much faster than the shortest round-trip form. */
static void put4(strbuf *b, double v)
{
	char tmp[48];
	long long x;
	unsigned long long u, ip, fp;
	size_t n = 0;
	int i, neg;

	if (isnan(v))
		return;
	if (!(fabs(v) < 1e14)) {
		sb_num(b, v);
		return;
	}
	x = llround(v * 10000);
	neg = x < 0;
	u = neg ? 0ULL - (unsigned long long)x : (unsigned long long)x;
	ip = u / 10000;
	fp = u % 10000;
	if (fp) {
		char d[4];
		int nd = 4;
		for (i = 3; i >= 0; i--) {
			d[i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		while (nd > 0 && d[nd - 1] == '0')
			nd--;
		for (i = nd - 1; i >= 0; i--)
			tmp[n++] = d[i];
		tmp[n++] = '.';
	}
	do {
		tmp[n++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	if (neg && u)
		tmp[n++] = '-';
	while (n)
		sb_putc(b, tmp[--n]);
}

/* A whole number without printf. */
static void put_int(strbuf *b, long v)
{
	char tmp[24];
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[n++] = '-';
	while (n)
		sb_putc(b, tmp[--n]);
}

static void put_json4(strbuf *b, double v)
{
	if (isnan(v))
		sb_puts(b, "null");
	else
		put4(b, v);
}

/* ---- a small table: person id -> what the side passes found --------- */

struct extra {
	char *id;
	int has_day;
	long day;                /* latest date, days since 1970-01-01 */
	int has_rupture;
	attune_rupture last;     /* the latest rupture-repair sequence */
};

struct idmap {
	struct extra *v;
	size_t n, cap;           /* cap: a power of two, or 0 */
};

static uint64_t hash_id(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct extra *map_find(const struct idmap *m, const char *id,
                              size_t n)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash_id(id, n) & (m->cap - 1); m->v[i].id;
	     i = (i + 1) & (m->cap - 1))
		if (strlen(m->v[i].id) == n && memcmp(m->v[i].id, id, n) == 0)
			return &m->v[i];
	return NULL;
}

/* The entry for id, made when new; NULL when out of memory. */
static struct extra *map_get(struct idmap *m, const char *id, size_t n)
{
	struct extra *e = map_find(m, id, n);
	size_t i, k;

	if (e)
		return e;
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct extra *v = calloc(cap, sizeof(*v));
		if (!v)
			return NULL;
		for (k = 0; k < m->cap; k++) {
			if (!m->v[k].id)
				continue;
			for (i = hash_id(m->v[k].id, strlen(m->v[k].id)) &
			         (cap - 1); v[i].id; i = (i + 1) & (cap - 1))
				;
			v[i] = m->v[k];
		}
		free(m->v);
		m->v = v;
		m->cap = cap;
	}
	for (i = hash_id(id, n) & (m->cap - 1); m->v[i].id;
	     i = (i + 1) & (m->cap - 1))
		;
	m->v[i].id = malloc(n + 1);
	if (!m->v[i].id)
		return NULL;
	memcpy(m->v[i].id, id, n);
	m->v[i].id[n] = '\0';
	m->n++;
	return &m->v[i];
}

static void map_free(struct idmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].id);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- dates ----------------------------------------------------------- */

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant,
 * "chrono-compatible low-level date algorithms", days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* Parse YYYY-MM-DD into days; -1 when it is not a real date. */
static int parse_date(const char *s, size_t n, long *days)
{
	static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31,
	                                        31, 30, 31, 30, 31};
	unsigned y = 0, m, d;
	size_t i;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	                                           y % 400 == 0))))
		return -1;
	*days = days_from_civil((long)y, m, d);
	return 0;
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

/* The date pass: each person's latest date in column col of path. */
static int read_dates(const char *path, const char *id_col,
                      const char *col, struct idmap *map)
{
	const attune_csv_field *f;
	attune_csv *csv = NULL;
	attune_err err;
	size_t n, nh, i, line;
	int fd, rc, ic = -1, dc = -1, exitc = EXIT_INPUT;

	fd = open_readonly(path);
	if (fd < 0) {
		cli_err("%s: cannot open: %s", path, errno_text());
		return EXIT_INPUT;
	}
	if (attune_csv_open(read_fd, &fd, path, &csv)) {
		cli_err("out of memory");
		exitc = EXIT_INTERNAL;
		goto out;
	}
	if ((rc = attune_csv_next(csv, &f, &nh, &err))) {
		cli_err("%s", err.msg);
		exitc = cli_exit_for(rc);
		goto out;
	}
	for (i = 0; i < nh; i++) {
		if (f[i].n == strlen(id_col) && !memcmp(f[i].p, id_col, f[i].n))
			ic = (int)i;
		if (f[i].n == strlen(col) && !memcmp(f[i].p, col, f[i].n))
			dc = (int)i;
	}
	if (ic < 0 || dc < 0) {
		cli_err("%s:1: no column '%s' (%s)", path, ic < 0 ? id_col : col,
		        ic < 0 ? "--id" : "--date-col");
		goto out;
	}
	for (;;) {
		struct extra *e;
		long day;
		if ((rc = attune_csv_next(csv, &f, &n, &err))) {
			cli_err("%s", err.msg);
			exitc = cli_exit_for(rc);
			goto out;
		}
		if (n == 0)
			break;
		line = attune_csv_line(csv);
		if (n != nh) {
			cli_err("%s:%zu: has %zu fields, the header has %zu", path,
			        line, n, nh);
			goto out;
		}
		if (f[dc].n == 0 || (f[dc].n == 2 && !memcmp(f[dc].p, "NA", 2)))
			continue;
		if (parse_date(f[dc].p, f[dc].n, &day)) {
			cli_err("%s:%zu: column %s: '%.*s' is not a date "
			        "(YYYY-MM-DD)", path, line, col,
			        (int)(f[dc].n > 40 ? 40 : f[dc].n), f[dc].p);
			goto out;
		}
		e = map_get(map, f[ic].p, f[ic].n);
		if (!e) {
			cli_err("out of memory");
			exitc = EXIT_INTERNAL;
			goto out;
		}
		if (!e->has_day || day > e->day)
			e->day = day;
		e->has_day = 1;
	}
	exitc = EXIT_OKAY;
out:
	attune_csv_close(csv);
	close(fd);
	return exitc;
}

/* ---- the passes ------------------------------------------------------ */

struct run {
	attune_traj_model model;
	attune_traj_params params;
	attune_traj_fit *fit;
	size_t n_fit, n_no_intake, n_no_band;
	/* classification */
	struct out o;
	int json, each;
	size_t n_rows;
	const char *measure;
	attune_traj_point points[ATTUNE_SERIES_MAX];
	/* alliance */
	attune_rupture_params rp;
	attune_rupture ruptures[ATTUNE_SERIES_MAX];
	int use_alliance;
	/* recency */
	int use_dates;
	long as_of, recent_days;
	struct idmap map;
	/* One pass (--alliance-vars in the same wide file): the current
	 * person's alliance result, instead of a map entry per person. */
	int one_pass;
	size_t n_outcome_specs;  /* outcome entries first in the combined --vars */
	struct extra cur;
};

static int fit_cb(void *ctx, const attune_series *s,
                  const attune_series_cols *cols)
{
	struct run *r = ctx;

	(void)cols;
	switch (attune_traj_fit_add(r->fit, s->x, s->n)) {
	case ATTUNE_TRAJ_USED: r->n_fit++; break;
	case ATTUNE_TRAJ_NO_INTAKE: r->n_no_intake++; break;
	default: r->n_no_band++; break;
	}
	return 0;
}

static int alliance_cb(void *ctx, const attune_series *s,
                       const attune_series_cols *cols)
{
	struct run *r = ctx;
	attune_alliance_series as;
	struct extra *e;
	attune_err err;
	size_t nq = 0;
	int rc;

	(void)cols;
	memset(&as, 0, sizeof(as));
	as.first = s->first;
	as.n = s->n;
	as.x = s->x;
	rc = attune_rupture_detect(&as, &r->rp, r->ruptures, ATTUNE_SERIES_MAX,
	                           &nq, &err);
	if (rc) {
		cli_err("alliance of '%s': %s", s->id, err.msg);
		return rc;
	}
	if (r->one_pass) {
		r->cur.has_rupture = nq > 0;
		if (nq)
			r->cur.last = r->ruptures[nq - 1];
		return 0;
	}
	if (nq == 0)
		return 0;
	e = map_get(&r->map, s->id, strlen(s->id));
	if (!e) {
		cli_err("out of memory");
		return ATTUNE_ENOMEM;
	}
	e->has_rupture = 1;
	e->last = r->ruptures[nq - 1];
	return 0;
}

static int classify_cb(void *ctx, const attune_series *s,
                       const attune_series_cols *cols);

/* One pass over a wide file holding both measures: the combined --vars
 * list has the outcome's entries first, the alliance's after; split x
 * where the outcome's columns end, then detect ruptures and classify
 * this person before reading the next, so nothing is kept per person. */
static int both_cb(void *ctx, const attune_series *s,
                   const attune_series_cols *cols)
{
	struct run *r = ctx;
	attune_series part = *s;
	attune_series_cols none = {0, NULL, NULL};
	size_t i, split = 0;
	int rc;

	for (i = 0; i < r->n_outcome_specs; i++)
		split += cols->per_spec[i];
	part.x = s->x + split;
	part.n = s->n - split;
	rc = alliance_cb(r, &part, &none);
	if (rc)
		return rc;
	part.x = s->x;
	part.n = split;
	return classify_cb(r, &part, &none);
}

static void put_id(struct run *r, const char *id)
{
	if (r->json) {
		sb_puts(&r->o.b, r->n_rows ? ",\n  {\"id\": " : "\n  {\"id\": ");
		sb_json_str(&r->o.b, id);
	} else {
		csv_field(&r->o.b, id, strlen(id));
	}
}

/* The columns session..band of one point. */
static void put_point(struct run *r, const attune_traj_point *pt,
                      const char *band)
{
	strbuf *b = &r->o.b;

	if (r->json) {
		sb_printf(b, ", \"session\": %d, \"score\": ", pt->session);
		if (isnan(pt->score))
			sb_puts(b, "null");
		else
			sb_num(b, pt->score);
		sb_puts(b, ", \"expected\": ");
		put_json4(b, pt->expected);
		sb_puts(b, ", \"lower\": ");
		put_json4(b, pt->lower);
		sb_puts(b, ", \"upper\": ");
		put_json4(b, pt->upper);
		sb_puts(b, ", \"limit\": ");
		put_json4(b, pt->limit);
		sb_puts(b, ", \"band\": ");
		if (band)
			sb_json_str(b, band);
		else
			sb_puts(b, "null");
		return;
	}
	sb_putc(b, ',');
	put_int(b, pt->session);
	sb_putc(b, ',');
	sb_num(b, pt->score);
	sb_putc(b, ',');
	put4(b, pt->expected);
	sb_putc(b, ',');
	put4(b, pt->lower);
	sb_putc(b, ',');
	put4(b, pt->upper);
	sb_putc(b, ',');
	put4(b, pt->limit);
	sb_putc(b, ',');
	if (band)
		csv_field(b, band, strlen(band));
}

static void put_reasons(struct run *r, const char *const *z, size_t n)
{
	strbuf *b = &r->o.b;
	size_t i, len = 0;
	char joined[ATTUNE_SIGNAL_REASONS_MAX * (ATTUNE_SIGNAL_REASON_MAX + 2)];

	if (r->json) {
		sb_puts(b, ", \"reasons\": [");
		for (i = 0; i < n; i++) {
			if (i)
				sb_puts(b, ", ");
			sb_json_str(b, z[i]);
		}
		sb_puts(b, "]}");
		return;
	}
	for (i = 0; i < n; i++) {
		size_t k = strlen(z[i]);
		if (i) {
			memcpy(joined + len, "; ", 2);
			len += 2;
		}
		memcpy(joined + len, z[i], k);
		len += k;
	}
	sb_putc(b, ',');
	csv_field(b, joined, len);
	sb_putc(b, '\n');
}

static int classify_cb(void *ctx, const attune_series *s,
                       const attune_series_cols *cols)
{
	struct run *r = ctx;
	attune_traj_result res;
	attune_signal_input in;
	attune_signal sig;
	const char *band;
	const char *z[ATTUNE_SIGNAL_REASONS_MAX];
	struct extra *e = NULL;
	size_t k;

	(void)cols;
	attune_traj_classify(&r->model, &r->params, s->x, s->n, s->first,
	                     r->each ? r->points : NULL, &res);
	band = res.band >= 0 ? r->model.bands[res.band].label : NULL;
	if (r->each) {
		char reason[ATTUNE_SIGNAL_REASON_MAX];
		for (k = 0; k < s->n; k++) {
			const attune_traj_point *pt = &r->points[k];
			put_id(r, s->id);
			put_point(r, pt, band);
			attune_signal_outcome_reason(&r->model, pt, r->measure,
			                             reason);
			if (r->json) {
				sb_puts(&r->o.b, ", \"status\": ");
				sb_json_str(&r->o.b,
				            attune_traj_status_name(pt->status));
			} else {
				sb_putc(&r->o.b, ',');
				sb_puts(&r->o.b,
				        attune_traj_status_name(pt->status));
			}
			z[0] = reason;
			put_reasons(r, z, reason[0] ? 1 : 0);
			r->n_rows++;
		}
		goto flush;
	}
	memset(&in, 0, sizeof(in));
	in.outcome = &res;
	in.model = &r->model;
	in.measure = r->measure;
	in.days_since_last = -1;
	if (r->one_pass)
		e = &r->cur;
	else if (r->map.n)
		e = map_find(&r->map, s->id, strlen(s->id));
	if (e && e->has_rupture) {
		in.ruptures = &e->last;
		in.n_ruptures = 1;
	}
	if (r->use_dates) {
		in.recent_days = r->recent_days;
		if (e && e->has_day)
			in.days_since_last = r->as_of - e->day;
	}
	attune_signal_combine(&in, &sig);
	put_id(r, s->id);
	if (res.last.status == ATTUNE_TRAJ_NONE) {
		/* Nothing judged: show the intake. */
		res.last.session = s->first;
		res.last.score = res.intake;
		res.last.expected = res.last.lower = res.last.upper = NAN;
		res.last.limit = NAN;
	}
	put_point(r, &res.last, band);
	if (r->json) {
		int st, any = 0;
		sb_puts(&r->o.b, ", \"status\": ");
		sb_json_str(&r->o.b, attune_signal_status_name(sig.status));
		sb_puts(&r->o.b, ", \"flags\": [");
		for (st = ATTUNE_SIGNAL_NOT_ON_TRACK; st >= 0; st--)
			if (sig.flags & (1u << st)) {
				if (any++)
					sb_puts(&r->o.b, ", ");
				sb_json_str(&r->o.b, attune_signal_status_name(
				            (attune_signal_status)st));
			}
		sb_putc(&r->o.b, ']');
	} else {
		sb_putc(&r->o.b, ',');
		sb_puts(&r->o.b, attune_signal_status_name(sig.status));
	}
	for (k = 0; k < sig.n_reasons; k++)
		z[k] = sig.reasons[k];
	put_reasons(r, z, sig.n_reasons);
	r->n_rows++;
flush:
	if (out_flush(&r->o, 0)) {
		cli_err("writing output: %s", attune_strerror(r->o.rc));
		return ATTUNE_EIO;
	}
	return 0;
}

/* ---- options --------------------------------------------------------- */

static int parse_pct(const char *name, const char *arg, double *out)
{
	double v;

	if (parse_num(arg, strlen(arg), &v) != 0 || !(v >= 50 && v < 100)) {
		cli_err("%s must be a percentile from 50 to below 100", name);
		return -1;
	}
	*out = v / 100;
	return 0;
}

static int parse_count(const char *name, const char *arg, long lo, long hi,
                       long *out)
{
	int64_t v;

	if (parse_i64(arg, strlen(arg), &v) != 0 || v < lo || v > hi) {
		cli_err("%s must be a whole number %ld..%ld", name, lo, hi);
		return -1;
	}
	*out = (long)v;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		cli_err("%s: cannot create: %s", path, errno_text());
		return EXIT_INPUT;
	}
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		cli_err("%s: cannot write: %s", path, errno_text());
		return EXIT_INTERNAL;
	}
	return EXIT_OKAY;
}

/* The measure's short title when the catalogue knows id, else NULL. */
static const char *measure_of(struct cli *cli, const char *id)
{
	attune_catalog *cat;
	const attune_instrument *in;

	if (!id || !*id || cli_catalog(cli, &cat))
		return NULL;
	in = attune_catalog_find(cat, id);
	return in ? (in->short_title ? in->short_title : in->id) : NULL;
}

int cmd_signals(struct cli *cli, int argc, char **argv)
{
	enum { OPT_FIT = OPT_FIRST_FREE, OPT_BANDS, OPT_BAND_BY,
	       OPT_FIT_SESSIONS, OPT_MIN_PERSONS, OPT_OUT, OPT_MODEL,
	       OPT_AT_RISK, OPT_NOT_ON_TRACK, OPT_LOWER, OPT_HIGHER,
	       OPT_MEASURE, OPT_EACH, OPT_ALLIANCE, OPT_ALLIANCE_COL,
	       OPT_ALLIANCE_VARS, OPT_ALLIANCE_INSTR, OPT_RUPTURE,
	       OPT_RUPTURE_K, OPT_RUPTURE_CUTOFF, OPT_RUPTURE_DROP,
	       OPT_REPAIR_WITHIN, OPT_DATE_COL, OPT_RECENT, OPT_AS_OF,
	       OPT_FIT_SCORE_COL, OPT_FIT_VARS };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		SERIES_OPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"fit", required_argument, NULL, OPT_FIT},
		{"fit-score-col", required_argument, NULL, OPT_FIT_SCORE_COL},
		{"fit-vars", required_argument, NULL, OPT_FIT_VARS},
		{"bands", required_argument, NULL, OPT_BANDS},
		{"band-by", required_argument, NULL, OPT_BAND_BY},
		{"fit-sessions", required_argument, NULL, OPT_FIT_SESSIONS},
		{"min-persons", required_argument, NULL, OPT_MIN_PERSONS},
		{"out", required_argument, NULL, OPT_OUT},
		{"model", required_argument, NULL, OPT_MODEL},
		{"at-risk", required_argument, NULL, OPT_AT_RISK},
		{"not-on-track", required_argument, NULL, OPT_NOT_ON_TRACK},
		{"lower-is-better", no_argument, NULL, OPT_LOWER},
		{"higher-is-better", no_argument, NULL, OPT_HIGHER},
		{"measure", required_argument, NULL, OPT_MEASURE},
		{"each-session", no_argument, NULL, OPT_EACH},
		{"alliance", required_argument, NULL, OPT_ALLIANCE},
		{"alliance-col", required_argument, NULL, OPT_ALLIANCE_COL},
		{"alliance-vars", required_argument, NULL, OPT_ALLIANCE_VARS},
		{"alliance-instrument", required_argument, NULL,
		 OPT_ALLIANCE_INSTR},
		{"rupture", required_argument, NULL, OPT_RUPTURE},
		{"rupture-k", required_argument, NULL, OPT_RUPTURE_K},
		{"rupture-cutoff", required_argument, NULL, OPT_RUPTURE_CUTOFF},
		{"rupture-drop", required_argument, NULL, OPT_RUPTURE_DROP},
		{"repair-within", required_argument, NULL, OPT_REPAIR_WITHIN},
		{"date-col", required_argument, NULL, OPT_DATE_COL},
		{"recent-days", required_argument, NULL, OPT_RECENT},
		{"as-of", required_argument, NULL, OPT_AS_OF},
		{NULL, 0, NULL, 0}
	};
	struct series_opts so, ao, both;
	struct run *r = NULL;
	const char *fit_path = NULL, *bands = NULL, *band_by = NULL;
	const char *out_path = NULL, *model_path = NULL, *path = NULL;
	const char *measure = NULL, *al_path = NULL, *al_col = NULL;
	const char *al_vars = NULL, *al_instr = NULL, *date_col = NULL;
	const char *as_of = NULL, *fit_col = NULL, *fit_vars = NULL;
	double p_ar = ATTUNE_TRAJ_P_AT_RISK, p_nt = ATTUNE_TRAJ_P_NOT_ON_TRACK;
	double k = NAN, cutoff = NAN, drop = NAN;
	long fit_sessions = ATTUNE_TRAJ_SESSIONS_DEFAULT, min_persons = 10;
	long recent = 21, within = 0, direction = -1;
	attune_rupture_rule rule = ATTUNE_RUPTURE_STRAUSS;
	attune_err err;
	char *text = NULL;
	size_t len, i;
	int c, rc, json = 0, each = 0, exitc = EXIT_USAGE;

	series_opts_init(&so);
	series_opts_init(&ao);
	series_opts_init(&both);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = series_opt(&so, c, optarg);
		if (rc < 0)
			goto out;
		if (rc > 0)
			continue;
		switch (c) {
		case OPT_HELP:
			exitc = cli_usage(usage_text, 0);
			goto out;
		case OPT_JSON: json = 1; break;
		case OPT_FIT: fit_path = optarg; break;
		case OPT_FIT_SCORE_COL: fit_col = optarg; break;
		case OPT_FIT_VARS: fit_vars = optarg; break;
		case OPT_BANDS: bands = optarg; break;
		case OPT_BAND_BY: band_by = optarg; break;
		case OPT_FIT_SESSIONS:
			if (parse_count("--fit-sessions", optarg, 1,
			                ATTUNE_TRAJ_SESSIONS_MAX, &fit_sessions))
				goto out;
			break;
		case OPT_MIN_PERSONS:
			if (parse_count("--min-persons", optarg, 1, 1000000000L,
			                &min_persons))
				goto out;
			break;
		case OPT_OUT: out_path = optarg; break;
		case OPT_MODEL: model_path = optarg; break;
		case OPT_AT_RISK:
			if (parse_pct("--at-risk", optarg, &p_ar))
				goto out;
			break;
		case OPT_NOT_ON_TRACK:
			if (parse_pct("--not-on-track", optarg, &p_nt))
				goto out;
			break;
		case OPT_LOWER: direction = ATTUNE_LOWER_IS_BETTER; break;
		case OPT_HIGHER: direction = ATTUNE_HIGHER_IS_BETTER; break;
		case OPT_MEASURE: measure = optarg; break;
		case OPT_EACH: each = 1; break;
		case OPT_ALLIANCE: al_path = optarg; break;
		case OPT_ALLIANCE_COL: al_col = optarg; break;
		case OPT_ALLIANCE_VARS: al_vars = optarg; break;
		case OPT_ALLIANCE_INSTR: al_instr = optarg; break;
		case OPT_RUPTURE:
			if (strcmp(optarg, "strauss") == 0)
				rule = ATTUNE_RUPTURE_STRAUSS;
			else if (strcmp(optarg, "stiles") == 0)
				rule = ATTUNE_RUPTURE_STILES;
			else if (strcmp(optarg, "cutoff") == 0)
				rule = ATTUNE_RUPTURE_CUTOFF;
			else if (strcmp(optarg, "drop") == 0)
				rule = ATTUNE_RUPTURE_DROP;
			else {
				cli_err("--rupture must be strauss, stiles, cutoff "
				        "or drop");
				goto out;
			}
			break;
		case OPT_RUPTURE_K:
		case OPT_RUPTURE_CUTOFF:
		case OPT_RUPTURE_DROP: {
			double v;
			if (parse_num(optarg, strlen(optarg), &v) != 0) {
				cli_err("%s must be a number", c == OPT_RUPTURE_K ?
				        "--rupture-k" : c == OPT_RUPTURE_CUTOFF ?
				        "--rupture-cutoff" : "--rupture-drop");
				goto out;
			}
			if (c == OPT_RUPTURE_K)
				k = v;
			else if (c == OPT_RUPTURE_CUTOFF)
				cutoff = v;
			else
				drop = v;
			break;
		}
		case OPT_REPAIR_WITHIN:
			if (parse_count("--repair-within", optarg, 0, 1000,
			                &within))
				goto out;
			break;
		case OPT_DATE_COL: date_col = optarg; break;
		case OPT_RECENT:
			if (parse_count("--recent-days", optarg, 1, 100000,
			                &recent))
				goto out;
			break;
		case OPT_AS_OF: as_of = optarg; break;
		default:
			rc = cli_common_opt(cli, c, optarg);
			if (rc <= 0) {
				exitc = cli_usage(usage_text, 1);
				goto out;
			}
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		cli_err("signals: one input file at most");
		exitc = cli_usage(usage_text, 1);
		goto out;
	}
	/* What is asked must fit together. */
	if (!fit_path == !model_path) {
		cli_err("signals: give --fit REFERENCE (fit the curves) or "
		        "--model MODEL (a saved fit)");
		exitc = cli_usage(usage_text, 1);
		goto out;
	}
	if (model_path && (bands || band_by || out_path || fit_col ||
	                   fit_vars)) {
		cli_err("--bands, --band-by, --out, --fit-score-col and "
		        "--fit-vars belong to --fit");
		goto out;
	}
	if ((fit_col && (fit_vars || !(so.spec.long_form || so.instrument))) ||
	    (fit_vars && (so.spec.long_form || so.instrument))) {
		cli_err("--fit-score-col is for a long-form reference file, "
		        "--fit-vars for a wide one (laid out as the input)");
		goto out;
	}
	if (fit_path && !bands == !band_by &&
	    !(so.instrument && !bands && !band_by)) {
		cli_err(bands ? "give --bands or --band-by, not both"
		              : "--fit needs the intake bands: --bands LIST or "
		                "--band-by instrument|ID");
		goto out;
	}
	if (series_opts_check(&so) != EXIT_OKAY)
		goto out;
	if (so.instrument && path) {
		cli_err("--instrument reads the database: no FILE");
		goto out;
	}
	if (!so.instrument && !path && model_path)
		path = "-";
	if (!so.instrument && !path &&
	    (al_path || al_col || al_vars || date_col || each)) {
		cli_err("with --fit alone the model is the output: give FILE "
		        "to classify");
		goto out;
	}
	if ((al_col || al_vars) && (al_instr || so.instrument)) {
		cli_err("--alliance-col and --alliance-vars describe a file; "
		        "with --instrument use --alliance-instrument");
		goto out;
	}
	if (al_instr && !so.instrument) {
		cli_err("--alliance-instrument reads the database: it needs "
		        "--instrument");
		goto out;
	}
	if (al_path && !al_col && !al_vars) {
		cli_err("--alliance FILE needs --alliance-col COL (long form) "
		        "or --alliance-vars A,B,... (wide form)");
		goto out;
	}
	if ((al_col && !so.spec.long_form) || (al_vars && so.spec.long_form)) {
		cli_err(al_col ? "--alliance-col is for long form (--long); "
		                 "use --alliance-vars"
		               : "--alliance-vars is for wide form; use "
		                 "--alliance-col with --long");
		goto out;
	}
	if (date_col && so.instrument) {
		cli_err("--date-col reads a file, not the database");
		goto out;
	}
	if ((as_of || recent != 21) && !date_col) {
		cli_err("--as-of and --recent-days need --date-col");
		goto out;
	}
	if (each && (al_col || al_vars || al_instr || date_col)) {
		cli_err("--each-session shows the outcome signal only; leave out "
		        "the alliance and date options");
		goto out;
	}
	if (path && strcmp(path, "-") == 0 &&
	    (((al_col || al_vars) && !al_path) || date_col ||
	     (al_path && strcmp(al_path, "-") == 0) ||
	     (fit_path && strcmp(fit_path, "-") == 0))) {
		cli_err("standard input can be read only once: name the "
		        "file(s)");
		goto out;
	}

	exitc = EXIT_INTERNAL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		cli_err("out of memory");
		goto out;
	}
	out_init(&r->o, 0);
	r->json = json;
	r->each = each;
	if (attune_traj_params_init(&r->params, p_ar, p_nt, &err)) {
		cli_err("%s", err.msg);
		exitc = EXIT_USAGE;
		goto out;
	}

	/* The model: loaded, or fitted now. */
	if (model_path) {
		rc = cli_read_file(model_path, MODEL_FILE_MAX, &text, &len, &err);
		if (rc == ATTUNE_OK)
			rc = attune_traj_model_parse(text, len, model_path,
			                             &r->model, &err);
		free(text);
		text = NULL;
		if (rc) {
			cli_err("%s", err.msg);
			exitc = cli_exit_for(rc);
			goto out;
		}
	} else {
		const attune_instrument *in = NULL;
		struct series_opts fo;

		if (bands) {
			rc = attune_traj_bands_parse(&r->model, bands, &err);
		} else {
			const char *id = band_by && strcmp(band_by, "instrument")
			                 ? band_by : so.instrument;
			if (!id) {
				cli_err("--band-by instrument needs --instrument; "
				        "or name one: --band-by phq9");
				exitc = EXIT_USAGE;
				goto out;
			}
			in = cli_instrument(cli, id);
			if (!in) {
				exitc = EXIT_INPUT;
				goto out;
			}
			rc = attune_traj_bands_from_instrument(&r->model, in,
			                                       &err);
		}
		if (rc) {
			cli_err("%s", err.msg);
			exitc = bands ? EXIT_USAGE : cli_exit_for(rc);
			goto out;
		}
		if (so.instrument && !r->model.instrument[0] &&
		    strlen(so.instrument) <= ATTUNE_ID_MAX)
			memcpy(r->model.instrument, so.instrument,
			       strlen(so.instrument) + 1);
		if (so.instrument && !in) {
			in = cli_instrument(cli, so.instrument);
			if (!in) {
				exitc = EXIT_INPUT;
				goto out;
			}
			r->model.direction = in->direction;
		}
		if (direction >= 0)
			r->model.direction = (attune_direction)direction;
		if (attune_traj_fit_new(&r->model, (int)fit_sessions, &r->fit,
		                        &err)) {
			cli_err("%s", err.msg);
			goto out;
		}
		/* The reference file: laid out as the input, with its own
		 * score columns when given; with --instrument, long form
		 * id,session,score. */
		series_opts_init(&fo);
		if (!so.instrument) {
			fo.spec = so.spec;
			fo.spec.vars = so.vars;
		} else {
			fo.spec.long_form = 1;
		}
		if (fit_col)
			fo.spec.score_col = fit_col;
		if (fit_vars) {
			fo.spec.vars = fo.vars;
			if (series_opt(&fo, OPT_S_VARS, fit_vars) < 0) {
				series_opts_free(&fo);
				exitc = EXIT_USAGE;
				goto out;
			}
		}
		exitc = series_run(&fo, fit_path, fit_cb, r);
		series_opts_free(&fo);
		if (exitc != EXIT_OKAY)
			goto out;
		exitc = EXIT_INTERNAL;
		if (attune_traj_fit_finish(r->fit, (size_t)min_persons,
		                           &r->model, &err)) {
			cli_err("%s", err.msg);
			goto out;
		}
		if (r->n_fit == 0) {
			cli_err("%s: no reference course has an intake score in "
			        "a band: nothing to fit", fit_path);
			exitc = EXIT_INPUT;
			goto out;
		}
		for (i = 0; i < r->model.n_bands; i++)
			if (!attune_traj_band_fitted(&r->model, i))
				cli_err("signals: band %s: %zu reference courses, "
				        "%zu scores: no curve (--min-persons %ld)",
				        r->model.bands[i].label,
				        r->model.bands[i].n_persons,
				        r->model.bands[i].n_scores, min_persons);
		if (r->n_no_intake || r->n_no_band)
			cli_err("signals: %s: %zu courses fitted; %zu without an "
			        "intake score and %zu with an intake in no band "
			        "left out", fit_path, r->n_fit, r->n_no_intake,
			        r->n_no_band);
		if (out_path) {
			if (attune_traj_model_format(&r->model,
			                             ends_with(out_path, ".json"),
			                             &text, &len)) {
				cli_err("out of memory");
				goto out;
			}
			exitc = write_file(out_path, text, len);
			free(text);
			text = NULL;
			if (exitc != EXIT_OKAY)
				goto out;
			exitc = EXIT_INTERNAL;
		}
		if (!path && !so.instrument) {
			/* Fit only: the model is the output. */
			if (!out_path) {
				if (attune_traj_model_format(&r->model, json,
				                             &text, &len)) {
					cli_err("out of memory");
					goto out;
				}
				sb_append(&r->o.b, text, len);
			}
			goto emit;
		}
	}
	if (so.instrument && r->model.instrument[0] &&
	    strcmp(so.instrument, r->model.instrument) != 0) {
		cli_err("the model was fitted for %s, not %s",
		        r->model.instrument, so.instrument);
		exitc = EXIT_INPUT;
		goto out;
	}
	if (direction >= 0)
		r->model.direction = (attune_direction)direction;
	r->measure = measure ? measure
	           : measure_of(cli, so.instrument ? so.instrument
	                                          : r->model.instrument);
	if (!r->measure)
		r->measure = r->model.instrument[0] ? r->model.instrument
		                                    : "score";

	/* Side passes: alliance ruptures, dates. */
	if (al_col || al_vars || al_instr) {
		attune_rupture_defaults(rule, &r->rp);
		if (!isnan(k))
			r->rp.k = k;
		if (!isnan(cutoff))
			r->rp.cutoff = cutoff;
		if (!isnan(drop))
			r->rp.drop = drop;
		r->rp.repair_within = (int)within;
		if (attune_rupture_check(&r->rp, &err)) {
			cli_err("%s", err.msg);
			exitc = EXIT_USAGE;
			goto out;
		}
		ao.spec = so.spec;
		ao.spec.vars = ao.vars;
		ao.spec.n_vars = 0;
		if (al_vars && !al_path && !so.instrument) {
			/* Same wide file: one pass, below. */
			if (series_opt(&ao, OPT_S_VARS, al_vars) < 0) {
				exitc = EXIT_USAGE;
				goto out;
			}
			if (so.spec.n_vars + ao.spec.n_vars >
			    sizeof(both.vars) / sizeof(both.vars[0])) {
				cli_err("--vars and --alliance-vars: at most 64 "
				        "names or ranges together");
				exitc = EXIT_USAGE;
				goto out;
			}
			both.spec = so.spec;
			both.spec.vars = both.vars;
			both.spec.n_vars = 0;
			for (i = 0; i < so.spec.n_vars; i++)
				both.vars[both.spec.n_vars++] = so.spec.vars[i];
			for (i = 0; i < ao.spec.n_vars; i++)
				both.vars[both.spec.n_vars++] = ao.spec.vars[i];
			r->one_pass = 1;
			r->n_outcome_specs = so.spec.n_vars;
			exitc = EXIT_OKAY;
		} else if (al_instr) {
			ao.instrument = al_instr;
			ao.client = so.client;
			exitc = series_run_db(cli, &ao, alliance_cb, r);
		} else {
			if (al_vars && series_opt(&ao, OPT_S_VARS, al_vars) < 0) {
				exitc = EXIT_USAGE;
				goto out;
			}
			if (al_col)
				ao.spec.score_col = al_col;
			exitc = series_run(&ao, al_path ? al_path : path,
			                   alliance_cb, r);
		}
		if (exitc != EXIT_OKAY)
			goto out;
	}
	if (date_col) {
		char today[11];
		if (!as_of) {
			cli_today(today);
			as_of = today;
		}
		if (parse_date(as_of, strlen(as_of), &r->as_of)) {
			cli_err("--as-of must be a date YYYY-MM-DD");
			exitc = EXIT_USAGE;
			goto out;
		}
		r->use_dates = 1;
		r->recent_days = recent;
		exitc = read_dates(path, so.spec.id_col, date_col, &r->map);
		if (exitc != EXIT_OKAY)
			goto out;
	}

	/* The classification pass. */
	if (json)
		sb_puts(&r->o.b, "[");
	else
		sb_puts(&r->o.b, "id,session,score,expected,lower,upper,limit,"
		                 "band,status,reasons\n");
	if (r->one_pass)
		exitc = series_run(&both, path, both_cb, r);
	else
		exitc = series_run_any(cli, &so, path, classify_cb, r);
	if (exitc != EXIT_OKAY)
		goto out;
	if (json)
		sb_puts(&r->o.b, r->n_rows ? "\n]\n" : "]\n");
emit:
	exitc = EXIT_INTERNAL;
	if (out_flush(&r->o, 0) || out_finish(&r->o)) {
		cli_err("writing output: %s", attune_strerror(
		        r->o.rc ? r->o.rc : ATTUNE_EIO));
		goto out;
	}
	exitc = EXIT_OKAY;
out:
	if (r) {
		attune_traj_fit_free(r->fit);
		out_free(&r->o);
		map_free(&r->map);
		free(r);
	}
	free(text);
	series_opts_free(&so);
	series_opts_free(&ao);
	return exitc;
}
