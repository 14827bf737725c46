/* bench_analytics.c - the analytics of issue 3 over many clients
 * (bench/analytics): reliable change, sudden gains, alliance ruptures and
 * signals, from memory and from CSV.
 *
 *   bench_analytics gen N > FILE   N clients x 20 sessions as a wide CSV:
 *                                  id,s1..s20,a1..a20 (fixed seed)
 *   bench_analytics mem N          the same N clients generated into
 *                                  memory (all of them, before the timer),
 *                                  then the fit and the pass over them
 *   bench_analytics csv FILE       the fit as a first streaming pass over
 *                                  FILE (s1:s20), then the pass over FILE
 *                                  (s1:s20 and a1:a20, 40 columns in one
 *                                  attune_series_read, split in the
 *                                  callback)
 *
 * The data. Outcome s1..s20: PHQ-9-like totals, whole numbers 0..27: an
 * intake of mean 16, SD 5.5; a course on ln(session) (60 % improve by
 * 30-80 % over 20 sessions, 30 % change little, 10 % get worse), noise of
 * SD 2; 20 % have a sudden fall of 6-11 points that persists, a third of
 * those partly reversing three sessions later. Alliance a1..a20: WAI-SR-
 * like totals, whole numbers 12..60 (12 items scored 1-5): a level of mean
 * 44, SD 6, rising slowly, noise of SD 2.2; 25 % have a dip of 8-16
 * points, repaired within 1-2 sessions in 70 % of them, lasting to the
 * end in the rest. About 5 % of every score (intake included) missing,
 * written as an empty field. Each client's numbers come from its own
 * seed (its id), so gen and mem produce exactly the same values.
 *
 * The pass, one client at a time (what `attune change`, `gains`,
 * `ruptures` and `signals` compute, without their output):
 *   - Jacobson & Truax on the first and last outcome score present, with
 *     fixed norms (attune_change_jt_*): reliability .89, SD_1 = clinical
 *     SD 5.0, clinical mean 15.0, functional mean 2.91 and SD 3.52
 *     (PHQ-9 general-population norms), cut-off c, lower is better;
 *   - sudden gains in s1..s20 (attune_gains_find): cut-off 7, 25 %,
 *     alpha .05 with the adjusted critical value, the package's
 *     defaults otherwise; tx_start/tx_end = s1 and s20, as `attune gains`;
 *   - rupture-repair sequences in a1..a20 (attune_rupture_detect): the
 *     Stiles et al. rule, 2 SD below the client's own mean (within-client
 *     SD), repair at the mean;
 *   - signals: expected-response curves fitted first from all clients
 *     (attune_traj_fit_*, PHQ-9 bands 0-4,5-9,10-14,15-19,20-27, 20
 *     sessions, at least 10 courses a band), then each client's course
 *     classified (attune_traj_classify, the latest judged session) and
 *     combined with its ruptures (attune_signal_combine).
 * The checksum (counts and a hash of every client's results in order) is
 * the same from mem and csv for the same N.
 *
 * Run through bench/analytics.sh. */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "attune/change.h"
#include "attune/csv.h"
#include "attune/gains.h"
#include "attune/series.h"
#include "attune/signals.h"

#define SESSIONS 20
#define COLS (2 * SESSIONS)
#define BANDS "0-4,5-9,10-14,15-19,20-27"

/* ---- data ---------------------------------------------------------- */

struct rng {
	uint64_t s;
};

/* splitmix64 (Vigna): turns a client's id into a well-mixed seed. */
static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* xorshift64* (Vigna 2016), as in bench_score.c. */
static uint64_t next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

/* Uniform in [0, 1). */
static double unif(struct rng *r)
{
	return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Roughly normal, mean 0, SD 1: Irwin-Hall with 4 terms, scaled. */
static double gauss(struct rng *r)
{
	return (unif(r) + unif(r) + unif(r) + unif(r) - 2.0) * 1.7320508075688772;
}

static double clamp_round(double v, double lo, double hi)
{
	v = floor(v + 0.5);
	return v < lo ? lo : v > hi ? hi : v;
}

/* Client `id` (1-based): s[0..SESSIONS) outcome, a[0..SESSIONS)
 * alliance, NaN where missing. */
static void gen_client(long id, double *s, double *a)
{
	struct rng r;
	double intake, f, u, noise = 2.0, base, slope;
	double gain = 0, rev = 0, dip = 0;
	int t, gain_at = -1, rev_at = -1, dip_at = -1, repaired = 0;

	r.s = splitmix((uint64_t)id) | 1;
	/* Outcome. */
	intake = clamp_round(16.0 + 5.5 * gauss(&r), 0, 27);
	u = unif(&r);
	f = u < 0.60 ? 0.30 + 0.50 * unif(&r)      /* responders */
	  : u < 0.90 ? -0.05 + 0.30 * unif(&r)     /* little change */
	  : -0.30 + 0.25 * unif(&r);               /* worse */
	if (unif(&r) < 0.20) {
		gain_at = 2 + (int)(unif(&r) * (SESSIONS - 4)); /* 2..17 */
		gain = 6.0 + 5.0 * unif(&r);
		if (unif(&r) < 0.33) {
			rev_at = gain_at + 3;
			rev = gain * (0.4 + 0.4 * unif(&r));
		}
	}
	for (t = 0; t < SESSIONS; t++) {
		double x = intake * (1.0 - f * log(t + 1.0) / log(SESSIONS));
		if (t > 0)
			x += noise * gauss(&r);
		if (gain_at >= 0 && t > gain_at)
			x -= gain;
		if (rev_at >= 0 && t > rev_at)
			x += rev;
		s[t] = clamp_round(x, 0, 27);
	}
	/* Alliance. */
	base = 44.0 + 6.0 * gauss(&r);
	slope = 0.25 + 0.2 * gauss(&r);
	if (unif(&r) < 0.25) {
		dip_at = 2 + (int)(unif(&r) * (SESSIONS - 2)); /* 2..19 */
		dip = 8.0 + 8.0 * unif(&r);
		repaired = unif(&r) < 0.70;
	}
	for (t = 0; t < SESSIONS; t++) {
		double x = base + slope * t + 2.2 * gauss(&r);
		if (dip_at >= 0 && t >= dip_at) {
			int k = t - dip_at;
			if (!repaired)
				x -= dip * (k == 0 ? 1.0 : 0.8);
			else if (k <= 1)
				x -= dip * (k == 0 ? 1.0 : 0.4);
		}
		a[t] = clamp_round(x, 12, 60);
	}
	/* About 5 % of every score missing. */
	for (t = 0; t < SESSIONS; t++) {
		if (next(&r) % 20 == 0)
			s[t] = NAN;
		if (next(&r) % 20 == 0)
			a[t] = NAN;
	}
}

/* Whole number into p, returns the length. */
static size_t put_uint(char *p, unsigned long v)
{
	char tmp[24];
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		p[k++] = tmp[--n];
	return k;
}

static int gen(long n)
{
	static char buf[1 << 16];
	double s[SESSIONS], a[SESSIONS];
	size_t k = 0;
	long id;
	int t;

	fputs("id", stdout);
	for (t = 1; t <= SESSIONS; t++)
		printf(",s%d", t);
	for (t = 1; t <= SESSIONS; t++)
		printf(",a%d", t);
	fputc('\n', stdout);
	for (id = 1; id <= n; id++) {
		gen_client(id, s, a);
		k += put_uint(buf + k, (unsigned long)id);
		for (t = 0; t < COLS; t++) {
			double v = t < SESSIONS ? s[t] : a[t - SESSIONS];
			buf[k++] = ',';
			if (!isnan(v))
				k += put_uint(buf + k, (unsigned long)v);
		}
		buf[k++] = '\n';
		if (k > sizeof(buf) - 512) {
			fwrite(buf, 1, k, stdout);
			k = 0;
		}
	}
	fwrite(buf, 1, k, stdout);
	return ferror(stdout) || fflush(stdout) ? 3 : 0;
}

/* ---- the pass ------------------------------------------------------ */

struct pass {
	attune_jt jt;
	attune_gains_cfg gcfg;
	attune_rupture_params rp;
	attune_traj_model model;
	attune_traj_params tp;
	attune_traj_fit *fit;
	/* scratch */
	attune_gain gains[SESSIONS];
	attune_rupture rupt[SESSIONS];
	/* results */
	long persons, fitted, fit_skipped;
	long cls[ATTUNE_CHANGE_HARMED + 1];
	long n_gains, gainers, reversals;
	long n_rupt, rupt_status[4], rupturers;
	long status[ATTUNE_SIGNAL_NOT_ON_TRACK + 1];
	uint64_t hash;
};

static void die(const char *what, const attune_err *err)
{
	fprintf(stderr, "bench_analytics: %s: %s\n", what,
	        err ? err->msg : "failed");
	exit(3);
}

static void setup(struct pass *p)
{
	attune_jt_params jp;
	attune_gains_params gp;
	attune_err err;

	memset(p, 0, sizeof(*p));
	attune_change_jt_params_init(&jp);
	jp.reliability = 0.89;       /* PHQ-9, Kroenke et al. 2001 */
	jp.sd = 5.0;
	jp.clin_mean = 15.0;
	jp.clin_sd = 5.0;
	jp.func_mean = 2.91;         /* Kocalevent et al. 2013 */
	jp.func_sd = 3.52;
	jp.criterion = ATTUNE_JT_C;
	jp.direction = ATTUNE_LOWER_IS_BETTER;
	if (attune_change_jt_prepare(&jp, &p->jt, &err))
		die("change", &err);
	attune_gains_params_default(&gp);
	gp.cutoff = 7;
	if (attune_gains_config(&gp, &p->gcfg, &err))
		die("gains", &err);
	attune_rupture_defaults(ATTUNE_RUPTURE_STILES, &p->rp);
	if (attune_rupture_check(&p->rp, &err))
		die("ruptures", &err);
	if (attune_traj_bands_parse(&p->model, BANDS, &err))
		die("bands", &err);
	p->model.direction = ATTUNE_LOWER_IS_BETTER;
	if (attune_traj_params_init(&p->tp, ATTUNE_TRAJ_P_AT_RISK,
	                            ATTUNE_TRAJ_P_NOT_ON_TRACK, &err))
		die("signals", &err);
	if (attune_traj_fit_new(&p->model, SESSIONS, &p->fit, &err))
		die("fit", &err);
	p->hash = 1469598103934665603ULL;
}

static void fit_one(struct pass *p, const double *s)
{
	if (attune_traj_fit_add(p->fit, s, SESSIONS) == ATTUNE_TRAJ_USED)
		p->fitted++;
	else
		p->fit_skipped++;
}

static void fit_finish(struct pass *p)
{
	attune_err err;

	if (attune_traj_fit_finish(p->fit, 10, &p->model, &err))
		die("fit", &err);
}

static void mix(struct pass *p, unsigned v)
{
	p->hash ^= v;
	p->hash *= 1099511628211ULL;
}

/* One client: s outcome, a alliance, SESSIONS each. */
static void analyse(struct pass *p, const double *s, const double *a)
{
	attune_jt_result jr;
	attune_alliance_series as;
	attune_traj_result tr;
	attune_signal_input in;
	attune_signal sig;
	attune_err err;
	double pre = NAN, post = NAN;
	size_t k, first = SESSIONS, last = SESSIONS, ng, nr;

	p->persons++;
	/* Reliable change: first and last score present (`attune change
	 * --vars`). */
	for (k = 0; k < SESSIONS; k++)
		if (!isnan(s[k])) {
			if (first == SESSIONS)
				first = k;
			last = k;
		}
	if (first < SESSIONS && last != first) {
		pre = s[first];
		post = s[last];
	}
	attune_change_jt_classify(&p->jt, pre, post, &jr);
	p->cls[jr.cls]++;

	/* Sudden gains. */
	if (attune_gains_find(&p->gcfg, s, SESSIONS, s[0], s[SESSIONS - 1],
	                      p->gains, SESSIONS, &ng, &err))
		die("gains", &err);
	p->n_gains += (long)ng;
	p->gainers += ng > 0;
	for (k = 0; k < ng; k++)
		p->reversals += p->gains[k].reversal;

	/* Ruptures. */
	memset(&as, 0, sizeof(as));
	as.first = 1;
	as.n = SESSIONS;
	as.x = a;
	if (attune_rupture_detect(&as, &p->rp, p->rupt, SESSIONS, &nr, &err))
		die("ruptures", &err);
	p->n_rupt += (long)nr;
	p->rupturers += nr > 0;
	for (k = 0; k < nr; k++)
		p->rupt_status[p->rupt[k].status & 3]++;

	/* Signals. */
	attune_traj_classify(&p->model, &p->tp, s, SESSIONS, 1, NULL, &tr);
	memset(&in, 0, sizeof(in));
	in.outcome = &tr;
	in.model = &p->model;
	in.measure = "PHQ-9";
	in.ruptures = p->rupt;
	in.n_ruptures = nr;
	in.days_since_last = -1;
	attune_signal_combine(&in, &sig);
	p->status[sig.status]++;

	mix(p, (unsigned)jr.cls | (unsigned)ng << 4 | (unsigned)nr << 12 |
	       (unsigned)sig.status << 20 | (unsigned)tr.last.status << 24);
	mix(p, (unsigned)(nr ? p->rupt[nr - 1].lowest : 0) |
	       (unsigned)(ng ? p->gains[0].i : 0) << 8 | sig.flags << 16);
}

static void report(const char *mode, const struct pass *p)
{
	printf("%s: checksum persons=%ld fit=%ld/%ld | change: recovered=%ld "
	       "improved=%ld unchanged=%ld deteriorated=%ld harmed=%ld "
	       "unknown=%ld | gains=%ld in %ld persons, %ld reversed | "
	       "ruptures=%ld in %ld persons, repaired=%ld unrepaired=%ld | "
	       "signals: not-on-track=%ld rupture-unrepaired=%ld "
	       "at-risk=%ld on-track=%ld no-signal=%ld | hash=%016llx\n",
	       mode, p->persons, p->fitted, p->fitted + p->fit_skipped,
	       p->cls[ATTUNE_CHANGE_RECOVERED], p->cls[ATTUNE_CHANGE_IMPROVED],
	       p->cls[ATTUNE_CHANGE_UNCHANGED],
	       p->cls[ATTUNE_CHANGE_DETERIORATED], p->cls[ATTUNE_CHANGE_HARMED],
	       p->cls[ATTUNE_CHANGE_UNKNOWN], p->n_gains, p->gainers,
	       p->reversals, p->n_rupt, p->rupturers,
	       p->rupt_status[ATTUNE_RUPTURE_REPAIRED],
	       p->rupt_status[ATTUNE_RUPTURE_UNREPAIRED],
	       p->status[ATTUNE_SIGNAL_NOT_ON_TRACK],
	       p->status[ATTUNE_SIGNAL_RUPTURE_UNREPAIRED],
	       p->status[ATTUNE_SIGNAL_AT_RISK],
	       p->status[ATTUNE_SIGNAL_ON_TRACK],
	       p->status[ATTUNE_SIGNAL_NO_SIGNAL],
	       (unsigned long long)p->hash);
}

/* ---- measuring ----------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident memory of this process (VmHWM, which the kernel gives in
 * kB = 1024 bytes) in MB of 10^6 bytes; -1 when unknown. */
static double vm_hwm_mb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : (double)kb * 1024 / 1e6;
}

static void rate(const char *mode, const char *what, long persons,
                 double secs)
{
	printf("%s: %s: %ld persons, %ld session rows in %.3f s = "
	       "%.2f M persons/s, %.1f M rows/s\n", mode, what, persons,
	       persons * SESSIONS, secs, (double)persons / secs / 1e6,
	       (double)persons * SESSIONS / secs / 1e6);
}

/* ---- modes --------------------------------------------------------- */

static int mem(long n)
{
	struct pass p;
	double *data, t0, t1, t2;
	long i;

	data = malloc((size_t)n * COLS * sizeof(double));
	if (!data) {
		fputs("bench_analytics: out of memory\n", stderr);
		return 3;
	}
	/* Every client in memory first: [s1..s20, a1..a20] per client. */
	for (i = 0; i < n; i++)
		gen_client(i + 1, data + (size_t)i * COLS,
		           data + (size_t)i * COLS + SESSIONS);
	printf("mem: %ld persons x %d sessions (outcome + alliance) generated "
	       "into memory before timing: %.1f MB of doubles\n", n, SESSIONS,
	       (double)n * COLS * sizeof(double) / 1e6);
	setup(&p);
	t0 = now();
	for (i = 0; i < n; i++)
		fit_one(&p, data + (size_t)i * COLS);
	fit_finish(&p);
	t1 = now();
	for (i = 0; i < n; i++)
		analyse(&p, data + (size_t)i * COLS,
		        data + (size_t)i * COLS + SESSIONS);
	t2 = now();
	rate("mem", "fit (one pass over s1..s20)", n, t1 - t0);
	rate("mem", "change+gains+ruptures+signals", n, t2 - t1);
	rate("mem", "both", n, t2 - t0);
	report("mem", &p);
	printf("mem: peak memory (VmHWM) %.1f MB (the data in memory "
	       "included)\n", vm_hwm_mb());
	attune_traj_fit_free(p.fit);
	free(data);
	return 0;
}

static long read_fd(void *ctx, char *buf, size_t n)
{
	return (long)read(*(int *)ctx, buf, n);
}

static int fit_cb(void *ctx, const attune_series *s,
                  const attune_series_cols *cols)
{
	(void)cols;
	if (s->n != SESSIONS)
		return ATTUNE_EINVAL;
	fit_one(ctx, s->x);
	return 0;
}

static int pass_cb(void *ctx, const attune_series *s,
                   const attune_series_cols *cols)
{
	(void)cols;
	if (s->n != COLS)
		return ATTUNE_EINVAL;
	/* The 40 columns: s1..s20, then a1..a20. */
	analyse(ctx, s->x, s->x + SESSIONS);
	return 0;
}

/* One streaming pass over path: open, read every client, close. */
static void stream(const char *path, const char *const *vars, size_t nv,
                   attune_series_cb cb, struct pass *p)
{
	attune_series_spec spec;
	attune_csv *c;
	attune_err err;
	int fd = open(path, O_RDONLY), rc;

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(&spec, 0, sizeof(spec));
	spec.id_col = "id";
	spec.vars = vars;
	spec.n_vars = nv;
	if (attune_csv_open(read_fd, &fd, path, &c))
		die("csv", NULL);
	err.msg[0] = '\0';
	rc = attune_series_read(c, &spec, cb, p, &err);
	if (rc) {
		fprintf(stderr, "bench_analytics: %s: %s\n", path,
		        err.msg[0] ? err.msg : "unexpected number of columns");
		exit(1);
	}
	attune_csv_close(c);
	close(fd);
}

static int csv(const char *path)
{
	static const char *const fit_vars[] = {"s1:s20"};
	static const char *const all_vars[] = {"s1:s20", "a1:a20"};
	struct pass p;
	double t0, t1, t2, mb;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	mb = (double)lseek(fd, 0, SEEK_END) / 1e6;
	close(fd);
	setup(&p);
	t0 = now();
	stream(path, fit_vars, 1, fit_cb, &p);
	fit_finish(&p);
	t1 = now();
	stream(path, all_vars, 2, pass_cb, &p);
	t2 = now();
	printf("csv: %s, %.1f MB, read twice, each time streamed one person "
	       "at a time\n", path, mb);
	rate("csv", "pass 1, fit (columns s1:s20)", p.fitted + p.fit_skipped,
	     t1 - t0);
	rate("csv", "pass 2, change+gains+ruptures+signals (s1:s20,a1:a20)",
	     p.persons, t2 - t1);
	rate("csv", "both passes", p.persons, t2 - t0);
	printf("csv: both passes %.1f MB/s of CSV read (%.1f MB twice)\n",
	       2 * mb / (t2 - t0), mb);
	report("csv", &p);
	printf("csv: peak memory (VmHWM) %.1f MB\n",
	       vm_hwm_mb());
	attune_traj_fit_free(p.fit);
	return 0;
}

int main(int argc, char **argv)
{
	long n;

	if (argc == 3 && (strcmp(argv[1], "gen") == 0 ||
	                  strcmp(argv[1], "mem") == 0)) {
		n = strtol(argv[2], NULL, 10);
		if (n < 1) {
			fputs("bench_analytics: N must be at least 1\n", stderr);
			return 2;
		}
		return argv[1][0] == 'g' ? gen(n) : mem(n);
	}
	if (argc == 3 && strcmp(argv[1], "csv") == 0)
		return csv(argv[2]);
	fputs("usage: bench_analytics gen N > FILE\n"
	      "       bench_analytics mem N\n"
	      "       bench_analytics csv FILE\n", stderr);
	return 2;
}
