/* score.h - item values to total, subscale scores, band and flags.
 *
 * Pure functions: no I/O, no allocation, no globals. A missing answer is
 * NaN (see attune_missing()). Rules are described in docs/scoring.md. */
#ifndef ATTUNE_SCORE_H
#define ATTUNE_SCORE_H

#include <math.h>
#include "instrument.h"

/* The NaN used for a missing answer. */
static inline double attune_missing(void) { return NAN; }

static inline int attune_is_missing(double v) { return v != v; }

typedef struct attune_score {
	double total;                      /* NaN: too many items missing */
	double sub[ATTUNE_SUBSCALES_MAX];  /* per in->subscales[i], NaN likewise */
	int band;                          /* index into in->bands, -1: none */
	unsigned n_missing;                /* scored items left unanswered */
	unsigned prorated;                 /* bit 0: total; bit 1+i: subscale i */
	uint32_t flags;                    /* bit i: in->flags[i] fired */
} attune_score;

/* Validate one row of answers: values[i] is the answer to in->items[i],
 * NaN when missing. Returns ATTUNE_OK, or ATTUNE_EINVAL with *iBad set to
 * the first item whose value is not allowed. */
int attune_score_validate(const attune_instrument *in, const double *values,
                          size_t *iBad);

/* Score one validated row. Always succeeds for a validated row; values
 * outside the item's range are still scored (never undefined behaviour)
 * but the result is then meaningless. */
void attune_score_compute(const attune_instrument *in, const double *values,
                          attune_score *out);

/* Score n rows stored row-major (values[r * in->n_items + i]). */
void attune_score_rows(const attune_instrument *in, const double *values,
                       size_t n, attune_score *out);

/* Label of the band of a total, or NULL. */
const char *attune_score_band_label(const attune_instrument *in,
                                    const attune_score *s);

#endif
