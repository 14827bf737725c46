/* series_opts.h - the input options shared by the researcher verbs
 * (gains, change, ruptures, signals): wide or long CSV, --json. */
#ifndef ATTUNE_CLI_SERIES_OPTS_H
#define ATTUNE_CLI_SERIES_OPTS_H

#include "attune/series.h"
#include "cli.h"

enum {
	OPT_S_ID = 1100, OPT_S_VARS, OPT_S_LONG, OPT_S_SESSION_COL,
	OPT_S_SCORE_COL, OPT_S_FIRST
};

#define SERIES_OPTS \
	{"id", required_argument, NULL, OPT_S_ID}, \
	{"vars", required_argument, NULL, OPT_S_VARS}, \
	{"long", no_argument, NULL, OPT_S_LONG}, \
	{"session-col", required_argument, NULL, OPT_S_SESSION_COL}, \
	{"score-col", required_argument, NULL, OPT_S_SCORE_COL}, \
	{"first-session", required_argument, NULL, OPT_S_FIRST}

/* Text for --help, describing the options above. */
#define SERIES_OPTS_HELP \
"Input (CSV; FILE or - for standard input):\n" \
"  --id COL            the id column (default id)\n" \
"  --vars A,B,...      wide form: session columns in order; A:B is the\n" \
"                      range of columns from A to B as they stand in\n" \
"                      the file (e.g. --vars bdi_s1:bdi_s12)\n" \
"  --long              long form: one row per person and session\n" \
"  --session-col COL   long form: session number column (default\n" \
"                      session)\n" \
"  --score-col COL     long form: score column (default score)\n" \
"  --first-session N   long form: the first session number (default 1)\n" \
"Empty fields and NA are missing values.\n"

struct series_opts {
	attune_series_spec spec;
	const char *vars[64];   /* split --vars (ranges stay "a:b") */
	char *vars_buf;
};

void series_opts_init(struct series_opts *o);
void series_opts_free(struct series_opts *o);

/* 1 if c was a series option (handled), -1 on a bad value (message
 * printed), 0 otherwise. */
int series_opt(struct series_opts *o, int c, const char *arg);

/* Check the options form a complete input description (message and
 * EXIT_USAGE if not, else EXIT_OKAY). */
int series_opts_check(const struct series_opts *o);

/* Read FILE ("-" for stdin) and call cb per person. Prints the error and
 * returns an exit code. */
int series_run(const struct series_opts *o, const char *path,
               attune_series_cb cb, void *ctx);

#endif
