/* instrument_int.h - the private side of attune_instrument: the arena
 * that owns every string and array of a parsed definition. */
#ifndef ATTUNE_CORE_INSTRUMENT_INT_H
#define ATTUNE_CORE_INSTRUMENT_INT_H

#include <math.h>
#include "attune/instrument.h"
#include "util/arena.h"

/* A scale flattened for the scoring loop: answer v of item ix[k] counts
 * as off[k] + sign[k] * v (off 0, sign 1 normally; off = min + max,
 * sign -1 when reverse-keyed), so the loop has no branches on keying. */
struct scale_plan {
	size_t n;
	const unsigned *ix;
	const double *off, *sign;
};

struct instrument_impl {
	attune_instrument pub;  /* first: a pointer to it is a pointer to us */
	struct scale_plan total;
	struct scale_plan sub[ATTUNE_SUBSCALES_MAX];
	arena a;
};

static inline double attune_missing_(void) { return NAN; }

#endif
