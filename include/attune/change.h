/* change.h - change between two scores of one instrument: reliable change
 * and clinical significance.
 *
 * Pure functions. The full set of change statistics (Jacobson & Truax
 * with norms from flags, NHS Talking Therapies definitions, sudden gains)
 * grows here; see docs/scoring.md. */
#ifndef ATTUNE_CHANGE_H
#define ATTUNE_CHANGE_H

#include "instrument.h"

typedef enum attune_change_class {
	ATTUNE_CHANGE_UNKNOWN = 0,      /* no norms to judge by */
	ATTUNE_CHANGE_UNCHANGED,        /* no reliable change */
	ATTUNE_CHANGE_IMPROVED,         /* reliable change for the better */
	ATTUNE_CHANGE_RECOVERED,        /* improved and crossed the cut-off */
	ATTUNE_CHANGE_DETERIORATED,     /* reliable change for the worse */
	ATTUNE_CHANGE_HARMED            /* deteriorated and crossed into the
	                                   clinical range */
} attune_change_class;

typedef struct attune_change {
	double diff;             /* last - first */
	double threshold;        /* points needed for reliable change; NaN */
	int reliable;            /* |diff| >= threshold */
	int better;              /* the change is in the better direction */
	int case_first, case_last; /* on the clinical side of the cut-off;
	                              -1 when the instrument has none */
	attune_change_class cls;
} attune_change;

/* Reliable-change threshold in points for in: the instrument's published
 * "reliable_change" when it has one; else, from reliability r and the
 * clinical SD, 1.96 * S_diff with S_diff = sqrt(2) * SD * sqrt(1 - r)
 * (Jacobson & Truax 1991, J Consult Clin Psychol 59:12, eq. for RC);
 * NaN when neither is known. */
double attune_change_threshold(const attune_instrument *in);

/* Classify the change from first to last (both totals, not NaN). A
 * change exactly at the threshold counts as reliable, as the NHS Talking
 * Therapies definitions (PHQ-9 >= 6, GAD-7 >= 4) do. The cut-off is
 * "clinical at or beyond cutoff" on the worse side. */
void attune_change_classify(const attune_instrument *in, double first,
                            double last, attune_change *out);

/* Static English name: "recovered", "improved", ... */
const char *attune_change_class_name(attune_change_class c);

#endif
