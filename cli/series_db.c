/* series_db.c - per-client score series out of the database for the
 * researcher verbs (`--instrument ID` instead of a CSV file): the same
 * callbacks run over a clinic's data as over a file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "series_opts.h"
#include "attune/score.h"

struct client_ref {
	attune_id id;
	char code[ATTUNE_ID_MAX + 1];
};

struct clients {
	struct client_ref *v;
	size_t n, cap;
	int oom;
};

static int add_client(void *ctx, const attune_client_rec *r)
{
	struct clients *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct client_ref *v = realloc(c->v, cap * sizeof(*v));
		if (!v) {
			c->oom = 1;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].id = r->id;
	snprintf(c->v[c->n].code, sizeof(c->v[0].code), "%s", r->code);
	c->n++;
	return 0;
}

/* One client's sessions: which belong to the current (latest) episode. */
struct sessions {
	attune_id episode;        /* latest episode seen */
	attune_id ids[ATTUNE_SERIES_MAX];
	int numbers[ATTUNE_SERIES_MAX];
	size_t n;
};

static int add_session(void *ctx, const attune_session_rec *r)
{
	struct sessions *s = ctx;

	/* Listed by episode then number: a new episode restarts the list. */
	if (r->episode_id != s->episode) {
		s->episode = r->episode_id;
		s->n = 0;
	}
	if (s->n < ATTUNE_SERIES_MAX) {
		s->ids[s->n] = r->id;
		s->numbers[s->n] = r->number;
		s->n++;
	}
	return 0;
}

struct fill {
	const attune_instrument *in;
	int scale;                /* -1: total; else subscale index */
	int respondent;
	const struct sessions *ss;
	double x[ATTUNE_SERIES_MAX];
	size_t n;
};

static int add_response(void *ctx, const attune_response_rec *r)
{
	struct fill *f = ctx;
	double v[ATTUNE_ITEMS_MAX];
	attune_score s;
	size_t i;
	int number = -1;

	if (r->respondent != f->respondent)
		return 0;
	for (i = 0; i < f->ss->n; i++)
		if (f->ss->ids[i] == r->session_id) {
			number = f->ss->numbers[i];
			break;
		}
	if (number < 1 || number > ATTUNE_SERIES_MAX)
		return 0;  /* an earlier episode, or out of range */
	for (i = 0; i < f->in->n_items; i++)
		v[i] = i < r->n_values ? r->values[i] : NAN;
	attune_score_compute(f->in, v, &s);
	f->x[number - 1] = f->scale < 0 ? s.total : s.sub[f->scale];
	if ((size_t)number > f->n)
		f->n = (size_t)number;
	return 0;
}

int series_run_db(struct cli *cli, const struct series_opts *o,
                  attune_series_cb cb, void *ctx)
{
	struct clients cl = {NULL, 0, 0, 0};
	struct sessions *ss = NULL;
	struct fill *fl = NULL;
	const attune_instrument *in;
	attune_store *st = NULL;
	attune_id clinic;
	attune_series_cols cols = {0, NULL, NULL};
	attune_series s;
	size_t i, k;
	int rc, exitc = EXIT_INTERNAL, scale = -1;

	in = cli_instrument(cli, o->instrument);
	if (!in)
		return EXIT_INPUT;
	if (o->scale && strcmp(o->scale, "total") != 0) {
		for (k = 0; k < in->n_subscales; k++)
			if (strcmp(in->subscales[k].id, o->scale) == 0)
				scale = (int)k;
		if (scale < 0) {
			cli_err("--scale: %s has no subscale '%s' (see attune "
			        "instruments show %s)", in->id, o->scale, in->id);
			return EXIT_INPUT;
		}
	} else if (!in->has_total) {
		cli_err("--scale: %s has no total; name a subscale", in->id);
		return EXIT_INPUT;
	}
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	ss = malloc(sizeof(*ss));
	fl = malloc(sizeof(*fl));
	if (!ss || !fl) {
		cli_err("out of memory");
		goto out;
	}
	if (o->client)
		rc = attune_store_client_find(st, clinic, o->client, add_client,
		                              &cl);
	else
		rc = attune_store_client_list(st, clinic, 0, add_client, &cl);
	if (cl.oom) {
		cli_err("out of memory");
		goto out;
	}
	if (rc == ATTUNE_ENOTFOUND || (rc == ATTUNE_OK && o->client &&
	                               cl.n == 0)) {
		cli_err("no client '%s'", o->client);
		exitc = EXIT_INPUT;
		goto out;
	}
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
		goto out;
	}
	for (i = 0; i < cl.n; i++) {
		memset(ss, 0, sizeof(*ss));
		rc = attune_store_session_list(st, cl.v[i].id, add_session, ss);
		if (rc == ATTUNE_OK) {
			fl->in = in;
			fl->scale = scale;
			fl->respondent = o->respondent >= 0 ? o->respondent
			                                    : (int)in->respondent;
			fl->ss = ss;
			fl->n = 0;
			for (k = 0; k < ATTUNE_SERIES_MAX; k++)
				fl->x[k] = NAN;
			rc = attune_store_response_list(st, cl.v[i].id, in->id,
			                                add_response, fl);
		}
		if (rc) {
			cli_err("%s", attune_store_errmsg(st));
			exitc = cli_exit_for(rc);
			goto out;
		}
		s.id = cl.v[i].code;
		s.line = 0;
		s.n = fl->n;
		s.x = fl->x;
		s.first = 1;
		rc = cb(ctx, &s, &cols);
		if (rc) {
			exitc = rc < 0 ? EXIT_INTERNAL : cli_exit_for(rc);
			goto out;
		}
	}
	exitc = EXIT_OKAY;
out:
	free(cl.v);
	free(ss);
	free(fl);
	attune_store_close(st);
	return exitc;
}

int series_run_any(struct cli *cli, const struct series_opts *o,
                   const char *path, attune_series_cb cb, void *ctx)
{
	if (o->instrument)
		return series_run_db(cli, o, cb, ctx);
	return series_run(o, path, cb, ctx);
}
