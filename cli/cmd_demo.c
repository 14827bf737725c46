/* cmd_demo.c - `attune demo`: build a believable demo clinic from a fixed
 * seed (therapists, ~30 clients with 8-25 sessions, alliance dips and
 * repairs, recoveries, a few deteriorations, missed sessions, a few risk
 * answers), then serve it with the web app or show one client's report.
 *
 * The data are invented. Courses follow a simple model: severity decays
 * exponentially from intake towards an end level chosen by the client's
 * archetype (after the log-linear recovery curves of Finch, Lambert &
 * Schaalje 2001); item answers are drawn around the level and then scored
 * by libattune like any other answers. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "attune/score.h"

static const char demo_usage[] =
"usage: attune demo [--db PATH|URI] [--listen ADDR:PORT] [--seed N]\n"
"       attune demo --report [--client CODE] [--db PATH|URI] [--seed N]\n"
"\n"
"Create the demo clinic in PATH (default ./attune-demo.db) if it does\n"
"not exist, or in an empty PostgreSQL database given as a\n"
"postgresql://USER@HOST/DB URI, then serve it with the web app\n"
"(default 127.0.0.1:8080)\n"
"and print the address and the demo logins; stop with Ctrl-C. With\n"
"--report, print one client's report in the terminal instead (C-1001\n"
"unless --client is given) and exit.\n"
"\n"
"The same seed always gives the same clinic: three therapists (alex,\n"
"blair, casey), a supervisor (sam, supervising alex and blair), an\n"
"admin (admin), each with the password NAME-demo-pass, and 30 clients\n"
"with 8-25 weekly sessions of PHQ-9, GAD-7, the alliance check-in and\n"
"the therapist's mirror, WAI-SR, the patterns and outward-capacities\n"
"check-ins and CORE-10, including alliance ruptures (most repaired),\n"
"recoveries, deteriorations, missed sessions and a few PHQ-9 item 9\n"
"answers above 0. All names and data are invented; the demo passwords\n"
"are public, so never put real data in a demo database.\n"
"\n"
"  --listen ADDR:PORT   where to serve (default 127.0.0.1:8080)\n"
"  --report             print a client's report instead of serving\n"
"  --client CODE        whose report (with --report)\n"
"  --seed N             another demo clinic (default 1)\n"
"  --anchor YYYY-MM-DD  the demo's \"today\" (default: yesterday), for\n"
"                       the same dates every time\n";

#define DEMO_DB "attune-demo.db"
#define N_CLIENTS 30
/* The demo's "today" (days since 1970-01-01): the day before it is
 * built, so a fresh demo always has recent sessions; --anchor fixes it
 * for reproducible data. Everything else follows from the seed. */
static long anchor_day;

static uint64_t rng_state;
static int no_skips;  /* the featured client answers every question */

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's
 * xorshift generators", 2016). */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double unif(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static double unif_in(double lo, double hi)
{
	return lo + (hi - lo) * unif();
}

static int int_in(int lo, int hi)
{
	return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Box-Muller. */
static double gauss(void)
{
	double u = unif(), v = unif();

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms", civil_from_days). */
static void date_of(long z, char out[11])
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(y % 10000) % 10000u,
	         (unsigned)m % 100u, (unsigned)d % 100u);
}

/* Days since 1970-01-01 of "YYYY-MM-DD" (Hinnant, days_from_civil);
 * 0 on success. */
static int days_of(const char *z, long *out)
{
	int64_t y, m, d;
	long era, yoe, doy, doe;

	if (strlen(z) != 10 || z[4] != '-' || z[7] != '-' ||
	    parse_i64(z, 4, &y) || parse_i64(z + 5, 2, &m) ||
	    parse_i64(z + 8, 2, &d) || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	y -= m <= 2;
	era = (long)(y / 400);
	yoe = (long)y - era * 400;
	doy = (153 * (long)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (long)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = era * 146097 + doe - 719468;
	return 0;
}

/* Answers for in drawn around per-item levels in [0, 1], where 1 is the
 * "high" end of the item as worded (before reverse keying). */
static void draw_items(const attune_instrument *in, const double *level,
                       double noise, double *v)
{
	size_t i, k;

	for (i = 0; i < in->n_items; i++) {
		const attune_item *it = &in->items[i];
		double x = clamp01(level[i] + noise * gauss());
		double raw = it->min + x * (it->max - it->min);

		if (it->is_range) {
			v[i] = it->min + round((raw - it->min) / it->step) *
			       it->step;
			v[i] = round(v[i] * 1e6) / 1e6;
			if (v[i] > it->max)
				v[i] = it->max;
		} else {
			double best = it->options[0].value;
			for (k = 1; k < it->n_options; k++)
				if (fabs(it->options[k].value - raw) <
				    fabs(best - raw))
					best = it->options[k].value;
			v[i] = best;
		}
		if (!it->scored && it->n_options)
			v[i] = it->options[0].value;
		if (unif() < 0.008 && !no_skips)  /* the odd skipped question */
			v[i] = attune_missing();
	}
}

/* Level for every item: reverse-keyed items get 1 - level so that their
 * keyed value follows the same course. */
static void fill_levels(const attune_instrument *in, double level,
                        double *lv)
{
	size_t i;

	for (i = 0; i < in->n_items; i++)
		lv[i] = in->items[i].reverse ? 1 - level : level;
}

/* Offset the items of the subscale whose id starts with prefix. */
static void shift_subscale(const attune_instrument *in, const char *prefix,
                           double delta, double *lv)
{
	size_t s, k, n = strlen(prefix);

	for (s = 0; s < in->n_subscales; s++)
		if (strncmp(in->subscales[s].id, prefix, n) == 0)
			for (k = 0; k < in->subscales[s].n_items; k++)
				lv[in->subscales[s].items[k]] += delta;
}

enum archetype { RECOVERS, IMPROVES, SUDDEN_GAIN, STUCK, WORSENS, MILD };

struct client_plan {
	enum archetype type;
	int n_sessions;
	long start_day;
	double sev0, sev_end, tau;     /* PHQ-9 severity course, 0..27 */
	int gain_at;                   /* SUDDEN_GAIN: session of the drop */
	double ally0, ally_growth;     /* alliance level, 0..1 */
	double therapist_bias;         /* therapist's rating minus client's */
	int rupture_at, repair_after;  /* 0: none; repair_after 0: never */
	const char *rupture_in;        /* subscale that leads the drop */
	int pattern;                   /* 0 withdrawal, 1 pleasing, 2 mistrust */
	int risk;                      /* PHQ-9 item 9 answered above 0 */
};

static void plan_client(int idx, struct client_plan *p)
{
	static const char *const subs[] = {"goal", "task", "bond"};
	double r = unif();

	memset(p, 0, sizeof(*p));
	p->type = r < 0.45 ? RECOVERS : r < 0.62 ? IMPROVES :
	          r < 0.72 ? SUDDEN_GAIN : r < 0.84 ? STUCK :
	          r < 0.93 ? WORSENS : MILD;
	p->n_sessions = int_in(8, 25);
	p->start_day = anchor_day - 7L * (p->n_sessions - 1) - int_in(0, 160);
	p->sev0 = p->type == MILD ? unif_in(6, 9.5) : unif_in(11, 23);
	p->tau = unif_in(2.5, 6);
	switch (p->type) {
	case RECOVERS: p->sev_end = unif_in(2, 7); break;
	case IMPROVES: p->sev_end = fmax(10.5, p->sev0 - unif_in(7, 10)); break;
	case SUDDEN_GAIN: p->sev_end = unif_in(3, 8); break;
	case STUCK: p->sev_end = p->sev0 + unif_in(-2, 2); break;
	case WORSENS: p->sev_end = fmin(26, p->sev0 + unif_in(6, 9)); break;
	case MILD: p->sev_end = unif_in(1, 4); break;
	}
	p->gain_at = int_in(3, p->n_sessions > 7 ? p->n_sessions - 4 : 4);
	p->ally0 = unif_in(0.5, 0.78);
	p->ally_growth = p->type == STUCK || p->type == WORSENS ?
	                 unif_in(-0.05, 0.05) : unif_in(0.08, 0.2);
	p->therapist_bias = unif() < 0.25 ? unif_in(0.15, 0.25)
	                                  : unif_in(-0.05, 0.08);
	if (idx == 0 || unif() < 0.4) {
		p->rupture_at = int_in(3, p->n_sessions - 3);
		p->repair_after = unif() < 0.8 ? int_in(1, 2) : 0;
		p->rupture_in = subs[rnd() % 3];
	}
	p->pattern = (int)(rnd() % 3);
	p->risk = idx % 11 == 4;
	if (idx == 0) {
		/* The featured client: recovers, with a repaired rupture. */
		p->type = RECOVERS;
		p->n_sessions = 14;
		p->start_day = anchor_day - 7L * 13 - 3;
		p->sev0 = 17;
		p->sev_end = 5;
		p->rupture_at = 5;
		p->repair_after = 2;
		p->rupture_in = "task";
		p->therapist_bias = 0.05;
		p->risk = 0;
	}
	if (p->type == WORSENS || p->type == STUCK) {
		if (p->rupture_at)
			p->repair_after = 0;
	}
}

/* PHQ-9 severity at session t (1-based). */
static double severity(const struct client_plan *p, int t)
{
	double s;

	if (p->type == SUDDEN_GAIN) {
		double pre = p->sev0 - 0.4 * (t - 1);
		s = t <= p->gain_at ? pre
		    : p->sev_end + (pre - 9 - p->sev_end) *
		      exp(-(t - p->gain_at) / 3.0);
		if (t > p->gain_at && s > pre - 8)
			s = pre - 8;
	} else {
		s = p->sev_end + (p->sev0 - p->sev_end) *
		    exp(-(t - 1) / p->tau);
	}
	/* An unrepaired rupture stalls improvement. */
	if (p->rupture_at && !p->repair_after && t > p->rupture_at)
		s += 0.5 * (t - p->rupture_at);
	return s < 0 ? 0 : s > 27 ? 27 : s;
}

/* Alliance level (0..1) at session t, and the drop of the rupture. */
static double alliance(const struct client_plan *p, int t, double *drop)
{
	double a = p->ally0 + p->ally_growth * (1 - exp(-(t - 1) / 4.0));

	*drop = 0;
	if (p->rupture_at && t >= p->rupture_at) {
		int end = p->repair_after ? p->rupture_at + p->repair_after
		                          : 1 << 30;
		if (t < end)
			*drop = t == p->rupture_at ? 0.32 : 0.22;
		else if (t == end)
			*drop = -0.04;  /* repair often deepens the bond */
	}
	return a;
}

struct builder {
	attune_store *st;
	attune_catalog *cat;
	attune_id clinic;
	attune_id therapists[3];
};

static int add_response(struct builder *bd, attune_id session_id,
                        const char *iid, double *lv, double noise, int risk)
{
	const attune_instrument *in = attune_catalog_find(bd->cat, iid);
	double v[ATTUNE_ITEMS_MAX];
	attune_response_rec r;
	attune_score s;
	attune_id rid;

	if (!in) {
		cli_err("demo: instrument %s is not loaded", iid);
		return ATTUNE_EINTERNAL;
	}
	/* Risk items (PHQ-9 item 9, CORE-10's risk item) stay at 0 unless
	 * the plan says otherwise: they do not follow general severity. */
	for (size_t f = 0; f < in->n_flags; f++)
		if (in->flags[f].scale_ix < 0 && !risk &&
		    (in->flags[f].op == ATTUNE_OP_GE ||
		     in->flags[f].op == ATTUNE_OP_GT))
			lv[in->flags[f].item] = -1;
	draw_items(in, lv, noise, v);
	attune_score_compute(in, v, &s);
	memset(&r, 0, sizeof(r));
	r.session_id = session_id;
	r.instrument = in->id;
	r.instrument_version = in->version;
	r.respondent = (int)in->respondent;
	r.n_values = in->n_items;
	r.values = v;
	r.total = s.total;
	return attune_store_response_add(bd->st, &r, &rid);
}

static const char *const first_names[N_CLIENTS] = {
	"Maya R.", "Jonas K.", "Priya S.", "Tom W.", "Lea M.", "Samir A.",
	"Hannah B.", "Kofi O.", "Ines D.", "Marek P.", "Yuki T.", "Grace L.",
	"Diego F.", "Noor H.", "Paul E.", "Sofia V.", "Ben C.", "Amara N.",
	"Lukas G.", "Rosa J.", "Omar Z.", "Clara S.", "Eli R.", "Mira K.",
	"Felix T.", "Aisha B.", "Jon A.", "Tess M.", "Ravi P.", "Nina L."
};

static int last_episode(void *ctx, const attune_episode_rec *r)
{
	*(attune_id *)ctx = r->id;
	return 0;
}

static int build_client(struct builder *bd, int idx)
{
	const attune_instrument *phq = attune_catalog_find(bd->cat, "phq9");
	const attune_instrument *gad = attune_catalog_find(bd->cat, "gad7");
	const attune_instrument *ca = attune_catalog_find(bd->cat,
	                                                  "checkin-alliance");
	const attune_instrument *ma = attune_catalog_find(bd->cat,
	                                                  "mirror-alliance");
	const attune_instrument *wai = attune_catalog_find(bd->cat, "wai-sr");
	const attune_instrument *pt = attune_catalog_find(bd->cat,
	                                                  "checkin-patterns");
	const attune_instrument *cap = attune_catalog_find(bd->cat,
	                                                   "checkin-capacities");
	const attune_instrument *core = attune_catalog_find(bd->cat, "core10");
	struct client_plan p;
	attune_client_rec c;
	attune_session_rec s;
	attune_id cid, sid;
	double lv[ATTUNE_ITEMS_MAX];
	char code[16], date[11];
	int t, rc, last_attended = 0;

	if (!phq || !gad || !ca || !ma || !wai || !pt || !cap || !core) {
		cli_err("demo: a built-in instrument is missing");
		return ATTUNE_EINTERNAL;
	}
	plan_client(idx, &p);
	no_skips = idx == 0;
	snprintf(code, sizeof(code), "C-%d", 1001 + idx);
	date_of(p.start_day, date);
	memset(&c, 0, sizeof(c));
	c.clinic_id = bd->clinic;
	c.therapist_id = bd->therapists[idx % 3];
	c.code = code;
	c.display_name = first_names[idx];
	rc = attune_store_client_add(bd->st, &c, date, &cid);
	if (rc)
		return rc;
	for (t = 1; t <= p.n_sessions; t++) {
		double sev = severity(&p, t), drop, a, prog, pat;
		int attended = t == 1 || t == p.n_sessions || unif() > 0.08;

		memset(&s, 0, sizeof(s));
		s.client_id = cid;
		s.number = t;
		date_of(p.start_day + 7L * (t - 1), date);
		s.date = date;
		s.attended = attended;
		rc = attune_store_session_add(bd->st, &s, &sid);
		if (rc)
			return rc;
		if (!attended)
			continue;
		last_attended = t;

		/* Outcome. */
		fill_levels(phq, sev / 27.0, lv);
		lv[8] = p.risk && sev > 12 && t % 3 == 1 ? 0.4 : -1;
		if ((rc = add_response(bd, sid, "phq9", lv, 0.12, lv[8] > 0)))
			return rc;
		fill_levels(gad, clamp01(sev / 27.0 * 0.85 + 0.05), lv);
		if ((rc = add_response(bd, sid, "gad7", lv, 0.13, 0)))
			return rc;

		/* Alliance, from both sides. */
		a = alliance(&p, t, &drop);
		fill_levels(ca, a - drop * 0.5, lv);
		if (p.rupture_at)
			shift_subscale(ca, p.rupture_in, -drop, lv);
		if ((rc = add_response(bd, sid, "checkin-alliance", lv, 0.07, 0)))
			return rc;
		fill_levels(ma, a + p.therapist_bias - drop * 0.25, lv);
		if (p.rupture_at)
			shift_subscale(ma, p.rupture_in, -drop * 0.5, lv);
		if ((rc = add_response(bd, sid, "mirror-alliance", lv, 0.06, 0)))
			return rc;
		if (t % 3 == 0 || (p.rupture_at && t == p.rupture_at)) {
			fill_levels(wai, a - drop * 0.5, lv);
			if (p.rupture_at)
				shift_subscale(wai, p.rupture_in, -drop, lv);
			if ((rc = add_response(bd, sid, "wai-sr", lv, 0.08, 0)))
				return rc;
		}

		/* The seeds' patterns ease as the relationship holds; the
		 * outward capacities grow with recovery. */
		prog = clamp01((p.sev0 - sev) / (p.sev0 > 1 ? p.sev0 : 1));
		if (t % 2 == 1) {
			fill_levels(pt, 0.25, lv);
			pat = 0.75 - 0.4 * prog + drop;
			shift_subscale(pt, p.pattern == 0 ? "withdraw" :
			               p.pattern == 1 ? "pleas" : "mistrust",
			               pat - 0.25, lv);
			if ((rc = add_response(bd, sid, "checkin-patterns", lv,
			                       0.1, 0)))
				return rc;
		}
		if (t % 4 == 1) {
			fill_levels(cap, 0.3 + 0.5 * prog, lv);
			if ((rc = add_response(bd, sid, "checkin-capacities", lv,
			                       0.1, 0)))
				return rc;
		}
		if (t == 1 || t == p.n_sessions) {
			fill_levels(core, clamp01(sev / 27.0 * 0.9), lv);
			if ((rc = add_response(bd, sid, "core10", lv, 0.12, 0)))
				return rc;
		}
	}
	/* Courses that ended more than three weeks before the anchor are
	 * closed episodes. */
	if (p.start_day + 7L * (p.n_sessions - 1) < anchor_day - 21) {
		attune_id eid = 0;
		rc = attune_store_episode_list(bd->st, cid, last_episode, &eid);
		if (rc)
			return rc;
		date_of(p.start_day + 7L * (last_attended - 1), date);
		rc = attune_store_episode_close(bd->st, eid, date,
		                                p.type == STUCK ||
		                                p.type == WORSENS ?
		                                "ended early" : "completed");
		if (rc)
			return rc;
	}
	return ATTUNE_OK;
}

static int build(struct cli *cli, attune_store *st, uint64_t seed)
{
	static const struct { const char *name, *display; attune_role role; }
	users[] = {
		{"admin", "Clinic admin", ATTUNE_ROLE_ADMIN},
		{"sam", "Sam Okafor", ATTUNE_ROLE_SUPERVISOR},
		{"alex", "Alex Moreau", ATTUNE_ROLE_THERAPIST},
		{"blair", "Blair Lindqvist", ATTUNE_ROLE_THERAPIST},
		{"casey", "Casey Nakamura", ATTUNE_ROLE_THERAPIST},
	};
	struct builder bd;
	attune_user_rec u;
	attune_id uid;
	size_t i;
	int rc, idx;

	memset(&bd, 0, sizeof(bd));
	bd.st = st;
	if (cli_catalog(cli, &bd.cat))
		return ATTUNE_EINVAL;
	rng_state = 0x2545F4914F6CDD1DULL ^ (seed * 0x9E3779B97F4A7C15ULL);
	if (rng_state == 0)
		rng_state = 1;
	attune_store_set_actor(st, 0, "demo", "cli");
	rc = attune_store_begin(st);
	if (rc)
		return rc;
	rc = attune_store_clinic_add(st, "Riverside Psychotherapy (demo)",
	                             &bd.clinic);
	for (i = 0; rc == ATTUNE_OK && i < sizeof(users) / sizeof(users[0]);
	     i++) {
		memset(&u, 0, sizeof(u));
		u.clinic_id = bd.clinic;
		u.name = users[i].name;
		u.display_name = users[i].display;
		u.role = users[i].role;
		rc = attune_store_user_add(st, &u, &uid);
		if (users[i].role == ATTUNE_ROLE_THERAPIST)
			bd.therapists[i - 2] = uid;
	}
	for (idx = 0; rc == ATTUNE_OK && idx < N_CLIENTS; idx++)
		rc = build_client(&bd, idx);
	if (rc == ATTUNE_OK)
		rc = cli_demo_web_accounts(st, bd.clinic, NULL);
	if (rc) {
		attune_store_rollback(st);
		return rc;
	}
	return attune_store_commit(st);
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
	enum { OPT_SEED = OPT_FIRST_FREE, OPT_CLIENT, OPT_LISTEN, OPT_REPORT,
	       OPT_ANCHOR };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"seed", required_argument, NULL, OPT_SEED},
		{"client", required_argument, NULL, OPT_CLIENT},
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"report", no_argument, NULL, OPT_REPORT},
		{"anchor", required_argument, NULL, OPT_ANCHOR},
		{NULL, 0, NULL, 0}
	};
	const char *code = "C-1001", *listen = NULL;
	int report = 0;
	attune_store *st;
	attune_err err;
	attune_id clinic;
	int64_t seed = 1;
	int c, rc, db_given = 0, exists = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(demo_usage, 0);
		case OPT_CLIENT: code = optarg; break;
		case OPT_LISTEN: listen = optarg; break;
		case OPT_REPORT: report = 1; break;
		case OPT_ANCHOR:
			if (days_of(optarg, &anchor_day)) {
				cli_err("--anchor must be a date YYYY-MM-DD");
				return EXIT_USAGE;
			}
			break;
		case OPT_SEED:
			if (parse_i64(optarg, strlen(optarg), &seed)) {
				cli_err("--seed must be a whole number");
				return EXIT_USAGE;
			}
			break;
		default:
			if (c == OPT_DB)
				db_given = 1;
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(demo_usage, 1);
		}
	}
	if (optind != argc)
		return cli_usage(demo_usage, 1);
	if (anchor_day == 0)
		anchor_day = (long)(time(NULL) / 86400) - 1;
	if (!db_given && strcmp(cli->db, DEFAULT_DB) == 0)
		cli->db = DEMO_DB;
	if ((rc = cli_db_exists(cli, &exists)))
		return cli_exit_for(rc);
	if (!exists) {
		rc = attune_store_open(cli->db, ATTUNE_STORE_CREATE, &st, &err);
		if (rc) {
			cli_err("%s", err.msg);
			return cli_exit_for(rc);
		}
		rc = build(cli, st, (uint64_t)seed);
		if (rc) {
			cli_err("building the demo: %s", attune_store_errmsg(st));
			attune_store_close(st);
			/* build() is one transaction: nothing of it is left
			 * in a PostgreSQL database; a new file goes. */
			if (!attune_store_location_is_server(cli->db))
				unlink(cli->db);
			return cli_exit_for(rc);
		}
		attune_store_close(st);
		printf("Created the demo clinic in %s (seed %lld). All names "
		       "and data are invented.\n\n", cli_db_shown(cli),
		       (long long)seed);
	}
	if (!report) {
		printf("Demo logins (user / password), all invented:\n"
		       "  alex / alex-demo-pass      therapist\n"
		       "  blair / blair-demo-pass    therapist\n"
		       "  casey / casey-demo-pass    therapist\n"
		       "  sam / sam-demo-pass        supervisor of alex and blair\n"
		       "  admin / admin-demo-pass    clinic admin (no clinical "
		       "data)\n\n");
		fflush(stdout);
		return cli_serve(cli, listen, 0, NULL, NULL);
	}
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	rc = cli_report(cli, st, clinic, code, 0);
	attune_store_close(st);
	if (rc == EXIT_OKAY)
		printf("\nMore: attune --db %s client list | attune --db %s "
		       "report --client C-1002 | attune --db %s audit\n"
		       "The web app: attune demo --db %s\n",
		       cli_db_shown(cli), cli_db_shown(cli), cli_db_shown(cli),
		       cli_db_shown(cli));
	return rc;
}
