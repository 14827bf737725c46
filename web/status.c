/* status.c - a client's current episode as the pages need it, and the
 * one status a therapist acts on: the expected-response signal of PHQ-9
 * (Finch, Lambert & Schaalje 2001; trajectory.h), alliance
 * rupture-repair sequences in the client's alliance check-in (Strauss et
 * al. 2006 rule, alliance.h) and the recency of the data, combined by
 * attune_signal_combine() (signals.h). Nothing is computed here that the
 * library computes; this file only gathers the series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "web/status.h"

long st_days(const char *z)
{
	long y, m, d, era;
	unsigned yoe, doy, doe;
	int64_t v;

	if (!z || strlen(z) != 10 || z[4] != '-' || z[7] != '-' ||
	    parse_i64(z, 4, &v))
		return -1;
	y = (long)v;
	if (parse_i64(z + 5, 2, &v))
		return -1;
	m = (long)v;
	if (parse_i64(z + 8, 2, &v))
		return -1;
	d = (long)v;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	/* days_from_civil (H. Hinnant, "chrono-compatible low-level date
	 * algorithms"). */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* ---- Loading ---- */

struct loader {
	arena *ar;
	const attune_catalog *cat;
	struct client_data *cd;
	attune_id episode;          /* the current episode */
	size_t cap_s, cap_r;
	int oom;
};

static int client_cb(void *ctx, const attune_client_rec *c)
{
	struct loader *l = ctx;

	l->cd->client = *c;
	l->cd->client.code = arena_strdup(l->ar, c->code);
	l->cd->client.display_name = c->display_name
	        ? arena_strdup(l->ar, c->display_name) : NULL;
	if (!l->cd->client.code || (c->display_name &&
	                            !l->cd->client.display_name))
		l->oom = 1;
	return l->oom;
}

/* Growing arrays in the arena: double and copy (the old block stays in
 * the arena until the request ends). */
static void *grow(arena *ar, void *p, size_t n, size_t *cap, size_t size)
{
	void *q;

	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 32;
	q = arena_alloc(ar, *cap * size);
	if (q && n)
		memcpy(q, p, n * size);
	return q;
}

/* Episodes come in start order: the last one is the current. */
static int episode_cb(void *ctx, const attune_episode_rec *e)
{
	struct loader *l = ctx;

	l->episode = e->id;
	l->cd->ended = e->ended ? arena_strdup(l->ar, e->ended) : NULL;
	if (e->ended && !l->cd->ended)
		return l->oom = 1;
	return 0;
}

static int session_cb(void *ctx, const attune_session_rec *s)
{
	struct loader *l = ctx;
	struct client_data *cd = l->cd;

	if (s->episode_id != l->episode)
		return 0;
	cd->s = grow(l->ar, cd->s, cd->ns, &l->cap_s, sizeof(*cd->s));
	if (!cd->s)
		return l->oom = 1;
	cd->s[cd->ns].number = s->number;
	cd->s[cd->ns].date = arena_strdup(l->ar, s->date);
	cd->s[cd->ns].attended = s->attended;
	if (!cd->s[cd->ns].date)
		return l->oom = 1;
	cd->ns++;
	return 0;
}

static int in_episode(const struct client_data *cd, int number,
                      const char *date)
{
	size_t i;

	for (i = 0; i < cd->ns; i++)
		if (cd->s[i].number == number &&
		    strcmp(cd->s[i].date, date) == 0)
			return 1;
	return 0;
}

static int response_cb(void *ctx, const attune_response_rec *rec)
{
	struct loader *l = ctx;
	struct client_data *cd = l->cd;
	const attune_instrument *in;
	struct cd_resp *r;
	double v[ATTUNE_ITEMS_MAX];
	size_t i;

	if (!in_episode(cd, rec->session_number, rec->session_date))
		return 0;
	in = attune_catalog_find(l->cat, rec->instrument);
	if (!in || in->n_items != rec->n_values) {
		cd->n_unknown++;
		return 0;
	}
	cd->r = grow(l->ar, cd->r, cd->nr, &l->cap_r, sizeof(*cd->r));
	if (!cd->r)
		return l->oom = 1;
	r = &cd->r[cd->nr];
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->respondent = rec->respondent;
	r->session = rec->session_number;
	r->date = arena_strdup(l->ar, rec->session_date);
	r->n = rec->n_values;
	r->v = arena_alloc(l->ar, rec->n_values * sizeof(double));
	r->recorded_at = rec->recorded_at;
	if (!r->date || !r->v)
		return l->oom = 1;
	memcpy(r->v, rec->values, rec->n_values * sizeof(double));
	for (i = 0; i < in->n_items; i++)
		v[i] = rec->values[i];
	/* Scores are recomputed from the answers by the instrument's
	 * rules (the stored total is a cache). */
	attune_score_compute(in, v, &r->sc);
	cd->nr++;
	return 0;
}

static int load(attune_store *st, arena *ar, const attune_catalog *cat,
                attune_id client_id, const attune_client_rec *known,
                struct client_data *cd)
{
	struct loader l;
	int rc = ATTUNE_OK;

	memset(cd, 0, sizeof(*cd));
	memset(&l, 0, sizeof(l));
	l.ar = ar;
	l.cat = cat;
	l.cd = cd;
	if (known)
		client_cb(&l, known);
	else
		rc = attune_store_client_get(st, client_id, client_cb, &l);
	if (rc == ATTUNE_OK && !l.oom)
		rc = attune_store_episode_list(st, client_id, episode_cb, &l);
	if (rc == ATTUNE_OK && !l.oom)
		rc = attune_store_session_list(st, client_id, session_cb, &l);
	if (rc == ATTUNE_OK)
		rc = attune_store_response_list(st, client_id, NULL,
		                                 response_cb, &l);
	if (l.oom)
		return ATTUNE_ENOMEM;
	return rc;
}

int cd_load(attune_store *st, arena *ar, const attune_catalog *cat,
            attune_id client_id, struct client_data *cd)
{
	return load(st, ar, cat, client_id, NULL, cd);
}

int cd_load_known(attune_store *st, arena *ar, const attune_catalog *cat,
                  const attune_client_rec *c, struct client_data *cd)
{
	return load(st, ar, cat, c->id, c, cd);
}

/* cd_load_many(): the lists come client by client in ids' order, so a
 * record of another client moves the loader on to it. */
struct many {
	struct loader l;
	const attune_id *ids;
	struct client_data *cds;
	size_t n, i;
	int lost;                   /* a record of no client asked for */
};

static struct loader *many_at(struct many *m, attune_id client_id)
{
	if (m->i == m->n)
		return NULL;
	if (m->ids[m->i] == client_id)
		return &m->l;
	while (++m->i < m->n && m->ids[m->i] != client_id)
		;
	if (m->i == m->n) {
		m->lost = 1;
		return NULL;
	}
	m->l.cd = &m->cds[m->i];
	m->l.episode = 0;
	m->l.cap_s = m->l.cap_r = 0;
	return &m->l;
}

static int many_episode_cb(void *ctx, const attune_episode_rec *e)
{
	struct loader *l = many_at(ctx, e->client_id);

	return l ? episode_cb(l, e) : 1;
}

static int many_session_cb(void *ctx, const attune_session_rec *s)
{
	struct loader *l = many_at(ctx, s->client_id);

	return l ? session_cb(l, s) : 1;
}

static int many_response_cb(void *ctx, const attune_response_rec *r)
{
	struct loader *l = many_at(ctx, r->client_id);

	return l ? response_cb(l, r) : 1;
}

int cd_load_many(attune_store *st, arena *ar, const attune_catalog *cat,
                 const attune_id *ids, size_t n, struct client_data *cds)
{
	struct many m;
	size_t i;
	int rc;

	if (n == 0)
		return ATTUNE_OK;
	memset(&m, 0, sizeof(m));
	memset(cds, 0, n * sizeof(*cds));
	for (i = 0; i < n; i++)
		cds[i].client.id = ids[i];
	m.l.ar = ar;
	m.l.cat = cat;
	m.l.cd = &cds[0];
	m.ids = ids;
	m.cds = cds;
	m.n = n;
	rc = attune_store_course_list(st, ids, n, many_episode_cb,
	                              many_session_cb, many_response_cb, &m);
	if (m.l.oom)
		return ATTUNE_ENOMEM;
	if (m.lost)
		return ATTUNE_ESTORE;
	return rc;
}

size_t cd_series(const struct client_data *cd, const char *zId,
                 int respondent, int scale, double *x, size_t max,
                 int *first)
{
	size_t i, k, n = 0;
	int lo = 0, hi = 0, have = 0;

	for (i = 0; i < cd->nr; i++) {
		const struct cd_resp *r = &cd->r[i];
		double v;
		if (strcmp(r->in->id, zId) || r->respondent != respondent)
			continue;
		v = scale ? r->sc.sub[scale - 1] : r->sc.total;
		if (isnan(v))
			continue;
		if (!have || r->session < lo)
			lo = r->session;
		if (!have || r->session > hi)
			hi = r->session;
		have = 1;
	}
	*first = lo;
	if (!have)
		return 0;
	n = (size_t)(hi - lo + 1);
	if (n > max)
		n = max;
	for (k = 0; k < n; k++)
		x[k] = NAN;
	/* The latest answer of a session counts. */
	for (i = 0; i < cd->nr; i++) {
		const struct cd_resp *r = &cd->r[i];
		double v;
		if (strcmp(r->in->id, zId) || r->respondent != respondent)
			continue;
		v = scale ? r->sc.sub[scale - 1] : r->sc.total;
		if (isnan(v) || (size_t)(r->session - lo) >= n)
			continue;
		x[r->session - lo] = v;
	}
	return n;
}

/* ---- Status ---- */

static long today_days(void)
{
	time_t t = time(NULL);

	return (long)(t / 86400);
}

void cd_status(const struct web_server *srv, const struct client_data *cd,
               struct client_status *cs)
{
	const attune_instrument *out = attune_catalog_find(srv->cat,
	                                                   ST_OUTCOME);
	const attune_instrument *ally = attune_catalog_find(srv->cat,
	                                                    ST_ALLIANCE);
	const double *subp[ATTUNE_SUBSCALES_MAX];
	const char *names[ATTUNE_SUBSCALES_MAX];
	attune_signal_input in;
	attune_traj_params tp;
	attune_rupture_params rp;
	attune_alliance_series as;
	attune_err err;
	size_t n, i, k, nsub = 0;
	int first, f2;

	memset(cs, 0, sizeof(*cs));
	memset(&in, 0, sizeof(in));
	in.days_since_last = -1;
	in.recent_days = ST_RECENT_DAYS;
	/* Outcome against the expected course. */
	if (out && srv->has_model) {
		double *y = malloc(ATTUNE_SERIES_MAX * sizeof(double));
		if (y && (n = cd_series(cd, ST_OUTCOME, 0, 0, y,
		                        ATTUNE_SERIES_MAX, &first)) > 0) {
			attune_traj_params_init(&tp, ATTUNE_TRAJ_P_AT_RISK,
			                        ATTUNE_TRAJ_P_NOT_ON_TRACK, &err);
			attune_traj_classify(&srv->model, &tp, y, n, first,
			                     NULL, &cs->outcome);
			cs->has_outcome = 1;
			in.outcome = &cs->outcome;
			in.model = &srv->model;
			in.measure = out->short_title ? out->short_title
			                              : out->id;
		}
		free(y);
	}
	/* Alliance ruptures in the client's own check-in. */
	if (ally) {
		/* The total, then each subscale as read and aligned. */
		double *y = malloc(ATTUNE_SERIES_MAX * sizeof(double) *
		                   (1 + 2 * ATTUNE_SUBSCALES_MAX));
		if (y && (n = cd_series(cd, ST_ALLIANCE, 0, 0, y,
		                        ATTUNE_SERIES_MAX, &first)) > 0) {
			nsub = ally->n_subscales;
			for (k = 0; k < nsub; k++) {
				double *s = y + ATTUNE_SERIES_MAX * (k + 1);
				size_t m = cd_series(cd, ST_ALLIANCE, 0,
				                     (int)k + 1, s,
				                     ATTUNE_SERIES_MAX, &f2);
				/* Align to the total's sessions. */
				double *al = y + ATTUNE_SERIES_MAX *
				             (1 + ATTUNE_SUBSCALES_MAX + k);
				for (i = 0; i < n; i++) {
					long j = (long)first + (long)i - f2;
					al[i] = (m && j >= 0 && (size_t)j < m)
					        ? s[j] : NAN;
				}
				subp[k] = al;
				names[k] = ally->subscales[k].id;
			}
			attune_rupture_defaults(ATTUNE_RUPTURE_STRAUSS, &rp);
			memset(&as, 0, sizeof(as));
			as.first = first;
			as.n = n;
			as.x = y;
			as.n_sub = nsub;
			as.sub = subp;
			if (attune_rupture_detect(&as, &rp, cs->ruptures,
			                          sizeof(cs->ruptures) /
			                          sizeof(cs->ruptures[0]),
			                          &cs->n_ruptures, &err))
				cs->n_ruptures = 0;
			in.ruptures = cs->ruptures;
			in.n_ruptures = cs->n_ruptures;
			in.subscales = names;
			in.n_subscales = nsub;
		}
		free(y);
	}
	/* Recency: the latest session with answers. */
	for (i = 0; i < cd->nr; i++)
		if (!cs->last_date || strcmp(cd->r[i].date, cs->last_date) > 0)
			cs->last_date = cd->r[i].date;
	if (cs->last_date && st_days(cs->last_date) >= 0)
		in.days_since_last = today_days() - st_days(cs->last_date);
	attune_signal_combine(&in, &cs->sig);
}

/* ---- The model ---- */

/* The model's clients are read this many at a time (their data lives
 * in one arena until their series are added). */
#define FIT_CHUNK 256

struct fit_ctx {
	attune_id ids[4096];
	size_t n;
};

static int fit_client_cb(void *ctx, const attune_client_rec *c)
{
	struct fit_ctx *f = ctx;

	if (f->n < sizeof(f->ids) / sizeof(f->ids[0]))
		f->ids[f->n++] = c->id;
	return 0;
}

int status_fit_model(struct web_server *srv, attune_store *st)
{
	const attune_instrument *in = attune_catalog_find(srv->cat,
	                                                  ST_OUTCOME);
	struct fit_ctx *f = NULL;
	struct client_data *cd = NULL;
	attune_traj_fit *fit = NULL;
	attune_err err;
	double *x = NULL;
	size_t i, k, m, n;
	int first, rc = ATTUNE_OK;
	arena ar;

	arena_init(&ar);
	srv->has_model = 0;
	if (!in || attune_traj_bands_from_instrument(&srv->model, in, &err))
		return ATTUNE_OK;      /* no PHQ-9: no outcome signal */
	f = calloc(1, sizeof(*f));
	x = malloc(ATTUNE_SERIES_MAX * sizeof(double));
	cd = malloc(FIT_CHUNK * sizeof(*cd));
	if (!f || !x || !cd) {
		rc = ATTUNE_ENOMEM;
		goto out;
	}
	if ((rc = attune_store_client_list(st, srv->clinic_id, 0,
	                                   fit_client_cb, f)))
		goto out;
	if ((rc = attune_traj_fit_new(&srv->model, 0, &fit, &err)))
		goto out;
	for (i = 0; i < f->n; i += m) {
		m = f->n - i < FIT_CHUNK ? f->n - i : FIT_CHUNK;
		if ((rc = cd_load_many(st, &ar, srv->cat, f->ids + i, m, cd)))
			goto out;
		for (k = 0; k < m; k++) {
			n = cd_series(&cd[k], ST_OUTCOME, 0, 0, x,
			              ATTUNE_SERIES_MAX, &first);
			if (n)
				attune_traj_fit_add(fit, x, n);
		}
		arena_free(&ar);
	}
	if (attune_traj_fit_finish(fit, ST_MIN_PERSONS, &srv->model, &err) ==
	    ATTUNE_OK) {
		for (i = 0; i < srv->model.n_bands; i++)
			if (attune_traj_band_fitted(&srv->model, i))
				srv->has_model = 1;
	}
out:
	arena_free(&ar);
	attune_traj_fit_free(fit);
	free(cd);
	free(x);
	free(f);
	return rc;
}
