/* score.c - item values to total and subscale scores, severity band and
 * flags, per the rules of docs/scoring.md. Pure: no I/O, no allocation.
 *
 * Rules (each instrument's file cites its published source):
 *   reverse keying   v' = min + max - v               (item's own range)
 *   sum              S  = sum of v' over answered items
 *   prorating        S* = S * n_items / n_answered, when
 *                    1 <= n_missing <= max_missing; more missing: no score
 *   mean             M  = S / n_answered (same missing rule)
 *   rounding         half away from zero to round_digits decimals
 *   band             the band whose [min, max] holds the total; a total
 *                    between two bands (prorated) takes the lower band
 *                    unless it reaches the next band's min. */
#include <math.h>
#include "attune/score.h"
#include "core/instrument_int.h"

static const double pow10d[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

static double round_to(double v, int digits)
{
	double p, t;

	if (digits < 0 || v != v)
		return v;
	if (fabs(v) < 1e15 && v == (double)(long long)v)  /* whole already */
		return v;
	p = pow10d[digits];
	t = v * p;
	/* A relative nudge so that 2.5 stored as 2.4999999999 rounds up, as
	 * a person computing by hand would. */
	t = round(t + copysign(fabs(t) * 1e-12, t));
	return t / p;
}

/* Score one scale; sets *prorated and *missing. */
static double scale_score(const struct scale_plan *pl, const attune_scale *sc,
                          const double *values, int *prorated,
                          unsigned *missing)
{
	double sum = 0, v;
	size_t k, answered = 0;

	*prorated = 0;
	for (k = 0; k < pl->n; k++) {
		v = values[pl->ix[k]];
		if (v == v) {
			sum += pl->off[k] + pl->sign[k] * v;
			answered++;
		}
	}
	*missing = (unsigned)(pl->n - answered);
	if (answered < pl->n) {
		if (pl->n - answered > sc->max_missing || answered == 0)
			return NAN;
		*prorated = 1;
		if (sc->method == ATTUNE_METHOD_SUM)
			sum = sum * (double)pl->n / (double)answered;
	}
	if (sc->method == ATTUNE_METHOD_MEAN)
		sum /= (double)answered;
	return round_to(sum, sc->round_digits);
}

static int test_op(attune_flag_op op, double x, double v)
{
	switch (op) {
	case ATTUNE_OP_GE: return x >= v;
	case ATTUNE_OP_GT: return x > v;
	case ATTUNE_OP_LE: return x <= v;
	case ATTUNE_OP_LT: return x < v;
	case ATTUNE_OP_EQ: return x == v;
	}
	return 0;
}

int attune_score_validate(const attune_instrument *in, const double *values,
                          size_t *iBad)
{
	size_t i;

	for (i = 0; i < in->n_items; i++) {
		double v = values[i];
		if (v != v)
			continue;
		if (!attune_item_value_ok(&in->items[i], v)) {
			if (iBad)
				*iBad = i;
			return ATTUNE_EINVAL;
		}
	}
	return ATTUNE_OK;
}

void attune_score_compute(const attune_instrument *in, const double *values,
                          attune_score *out)
{
	const struct instrument_impl *impl =
		(const struct instrument_impl *)in;
	unsigned miss;
	size_t i;
	int pr;

	out->total = scale_score(&impl->total, &in->total, values, &pr,
	                         &out->n_missing);
	if (!in->has_total) {
		out->total = NAN;
		pr = 0;
	}
	out->prorated = (unsigned)pr;
	for (i = 0; i < in->n_subscales; i++) {
		out->sub[i] = scale_score(&impl->sub[i], &in->subscales[i],
		                          values, &pr, &miss);
		out->prorated |= (unsigned)pr << (i + 1);
	}
	out->band = -1;
	if (out->total == out->total) {
		for (i = in->n_bands; i-- > 0;) {
			if (out->total >= in->bands[i].min) {
				if (out->total <= in->bands[i].max ||
				    i + 1 < in->n_bands)
					out->band = (int)i;
				break;
			}
		}
	}
	out->flags = 0;
	for (i = 0; i < in->n_flags; i++) {
		const attune_flag_rule *f = &in->flags[i];
		double x;
		if (f->scale_ix < 0)
			x = values[f->item];
		else if (f->scale_ix == 0)
			x = out->total;
		else
			x = out->sub[f->scale_ix - 1];
		if (x == x && test_op(f->op, x, f->value))
			out->flags |= 1u << i;
	}
}

void attune_score_rows(const attune_instrument *in, const double *values,
                       size_t n, attune_score *out)
{
	size_t r;

	for (r = 0; r < n; r++)
		attune_score_compute(in, values + r * in->n_items, &out[r]);
}

const char *attune_score_band_label(const attune_instrument *in,
                                    const attune_score *s)
{
	if (s->band < 0 || (size_t)s->band >= in->n_bands)
		return NULL;
	return in->bands[s->band].label;
}
