/* overview.c - the clinic overview (attune_store_overview): the groups
 * (therapists or sites), the engine's grouped counts and its histogram
 * of (first, latest) outcome totals per group, judged with change.c.
 * Memory grows with the number of groups only. docs/analytics.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attune/change.h"
#include "store/store_int.h"

struct group {
	attune_id id;
	char *name;               /* NULL for group 0 */
	int listed;               /* a therapist-role user or a site: shown
	                             even when all its numbers are 0 */
	attune_overview_row row;
};

struct ov {
	attune_store *st;
	const attune_instrument *in;
	struct group *g;          /* in name order; group 0 last */
	size_t n, cap;
	size_t *by_id;            /* indexes of g sorted by id */
	int rc;
};

static int add_group(struct ov *o, attune_id id, const char *zName,
                     int listed)
{
	struct group *g;
	size_t cap;

	if (o->n == o->cap) {
		cap = o->cap ? o->cap * 2 : 16;
		g = realloc(o->g, cap * sizeof(*g));
		if (!g)
			return o->rc = store_fail(o->st, ATTUNE_ENOMEM,
			                          "out of memory for the "
			                          "overview's groups");
		o->g = g;
		o->cap = cap;
	}
	g = &o->g[o->n];
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->listed = listed;
	if (zName && !(g->name = strdup(zName)))
		return o->rc = store_fail(o->st, ATTUNE_ENOMEM,
		                          "out of memory for the overview's "
		                          "groups");
	o->n++;
	return 0;
}

static int on_user(void *ctx, const attune_user_rec *r)
{
	return add_group(ctx, r->id, r->name,
	                 r->role == ATTUNE_ROLE_THERAPIST);
}

static int on_site(void *ctx, const attune_site_rec *r)
{
	return add_group(ctx, r->id, r->name, 1);
}

static const struct ov *sort_ov;

static int cmp_id(const void *a, const void *b)
{
	attune_id x = sort_ov->g[*(const size_t *)a].id;
	attune_id y = sort_ov->g[*(const size_t *)b].id;

	return (x > y) - (x < y);
}

static struct group *find(struct ov *o, attune_id id)
{
	size_t lo = 0, hi = o->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (o->g[o->by_id[mid]].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < o->n && o->g[o->by_id[lo]].id == id)
		return &o->g[o->by_id[lo]];
	return NULL;
}

static int on_counts(void *ctx, attune_id id, int64_t clients,
                     int64_t open, int64_t recent)
{
	struct ov *o = ctx;
	struct group *g = find(o, id);

	if (!g)   /* a therapist of another clinic: store.c refuses those */
		return 0;
	g->row.clients = clients;
	g->row.open_episodes = open;
	g->row.recent_responses = recent;
	return 0;
}

/* Jacobson & Truax (1991) through attune_change_classify(): reliable
 * when |last - first| >= the instrument's reliable-change points;
 * recovered / harmed also cross its clinical cut-off. */
static void judge(attune_overview_outcome *out, const attune_instrument *in,
                  double first, double last, int64_t n)
{
	attune_change c;

	attune_change_classify(in, first, last, &c);
	out->episodes += n;
	out->sum_change += (last - first) * (double)n;
	switch (c.cls) {
	case ATTUNE_CHANGE_RECOVERED:
		out->recovered += n;
		/* fall through */
	case ATTUNE_CHANGE_IMPROVED:
		out->improved += n;
		break;
	case ATTUNE_CHANGE_DETERIORATED:
	case ATTUNE_CHANGE_HARMED:
		out->deteriorated += n;
		break;
	default:
		out->unchanged += n;
		break;
	}
}

static int on_pair(void *ctx, attune_id id, int closed, double first,
                   double last, int64_t n)
{
	struct ov *o = ctx;
	struct group *g = find(o, id);

	if (!g || !isfinite(first) || !isfinite(last))
		return 0;
	judge(&g->row.all, o->in, first, last, n);
	if (closed)
		judge(&g->row.closed, o->in, first, last, n);
	return 0;
}

static void finish(attune_overview_outcome *x)
{
	x->mean_change = x->episodes ? x->sum_change / (double)x->episodes
	                             : NAN;
}

int store_overview_run(attune_store *st, attune_id clinic_id,
                       attune_overview_by by, int64_t since,
                       const attune_instrument *in,
                       attune_overview_cb cb, void *ctx)
{
	struct ov o;
	attune_audit_rec a;
	char obj[64], detail[64];
	size_t i;
	int rc, cbrc = 0;

	memset(&o, 0, sizeof(o));
	o.st = st;
	o.in = in;
	if (!in->has_total || !in->id ||
	    !isfinite(attune_change_threshold(in)))
		return store_fail(st, ATTUNE_EINVAL, "instrument %s has no "
		                  "total or no reliable-change threshold: the "
		                  "overview cannot judge change with it",
		                  in->id ? in->id : "(unnamed)");
	/* The groups (not client data; checks the clinic exists). */
	if (by == ATTUNE_OVERVIEW_SITE)
		rc = st->ops->site_list(st, clinic_id, on_site, &o);
	else
		rc = st->ops->user_list(st, clinic_id, on_user, &o);
	if (rc || o.rc || add_group(&o, 0, NULL, 0)) {
		rc = o.rc ? o.rc : rc;
		goto out;
	}
	if (!(o.by_id = malloc(o.n * sizeof(*o.by_id)))) {
		rc = store_fail(st, ATTUNE_ENOMEM, "out of memory for the "
		                "overview's groups");
		goto out;
	}
	for (i = 0; i < o.n; i++)
		o.by_id[i] = i;
	sort_ov = &o;             /* qsort has no context argument */
	qsort(o.by_id, o.n, sizeof(*o.by_id), cmp_id);
	sort_ov = NULL;

	/* The audit row before any aggregate is read: no row, no data. */
	snprintf(obj, sizeof(obj), "clinic:%lld", (long long)clinic_id);
	snprintf(detail, sizeof(detail), "by:%s",
	         by == ATTUNE_OVERVIEW_SITE ? "site" : "therapist");
	store_audit_rec(st, &a, "clinic.overview", obj, detail);
	if ((rc = st->ops->audit_add(st, &a)) ||
	    (rc = store_note_read(st, &a)))
		goto out;

	if ((rc = st->ops->overview(st, clinic_id, by, since, in->id,
	                            on_counts, on_pair, &o)))
		goto out;
	for (i = 0; i < o.n; i++) {
		struct group *g = &o.g[i];

		if (!g->listed && g->row.clients == 0 &&
		    g->row.all.episodes == 0)
			continue;
		g->row.id = g->id;
		g->row.name = g->name;
		finish(&g->row.all);
		finish(&g->row.closed);
		st->in_cb++;
		cbrc = cb(ctx, &g->row);
		st->in_cb--;
		if (cbrc)
			break;
	}
	rc = cbrc;
out:
	for (i = 0; i < o.n; i++)
		free(o.g[i].name);
	free(o.g);
	free(o.by_id);
	return rc;
}
