/* series.h - per-person score series read from CSV, streamed one person
 * at a time so that memory does not grow with the number of people.
 *
 * Wide form: one row per person, an id column and one column per session
 * (named in session order, e.g. --vars bdi_s1:bdi_s12).
 * Long form: one row per person and session, columns id, session, score;
 * each person's rows must be together and in increasing session order.
 * Empty fields and "NA" are missing values (NaN). */
#ifndef ATTUNE_SERIES_H
#define ATTUNE_SERIES_H

#include "csv.h"

/* Longest series (sessions per person) a reader accepts. */
#define ATTUNE_SERIES_MAX 1000

typedef struct attune_series_spec {
	const char *id_col;         /* name of the id column ("id") */
	/* Wide form: the session columns, in session order. Each entry is a
	 * column name or a range "first:last" of consecutive columns. */
	const char *const *vars;
	size_t n_vars;
	/* Long form (when long_form is 1). */
	int long_form;
	const char *session_col;    /* default "session" */
	const char *score_col;      /* default "score" */
	int first_session;          /* session number of x[0] (default 1
	                               when 0 is not used; see below) */
} attune_series_spec;

typedef struct attune_series {
	const char *id;             /* NUL-terminated, borrowed */
	size_t line;                /* line of the person's first row */
	size_t n;                   /* slots in x */
	const double *x;            /* x[k]: score at session first + k,
	                               NaN when missing */
	int first;                  /* session number of x[0] */
} attune_series;

/* Names of the wide-form session columns after ranges are expanded, for
 * output headers; valid during callbacks. */
typedef struct attune_series_cols {
	size_t n;
	const char *const *names;
	/* per_spec[i]: how many columns spec->vars[i] expanded to (a range
	 * "a:c" gives 3), so a caller that asked for several groups of
	 * columns in one read can split x; NULL in long form. */
	const size_t *per_spec;
} attune_series_cols;

/* Called once per person; a non-zero return stops reading and is
 * returned by attune_series_read(). The series is borrowed. */
typedef int (*attune_series_cb)(void *ctx, const attune_series *s,
                                const attune_series_cols *cols);

/* Read every person from csv (positioned at its header line). Errors
 * name the line and column: unknown columns, a value that is not a
 * number, a long-form person whose rows are not together or whose
 * sessions are not increasing, more than ATTUNE_SERIES_MAX sessions. */
int attune_series_read(attune_csv *csv, const attune_series_spec *spec,
                       attune_series_cb cb, void *ctx, attune_err *err);

#endif
