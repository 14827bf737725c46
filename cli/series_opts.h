/* series_opts.h - the input options shared by the researcher verbs
 * (gains, change, ruptures, signals): wide or long CSV, --json. */
#ifndef ATTUNE_CLI_SERIES_OPTS_H
#define ATTUNE_CLI_SERIES_OPTS_H

#include "attune/series.h"
#include "cli.h"

enum {
	OPT_S_ID = 1100, OPT_S_VARS, OPT_S_LONG, OPT_S_SESSION_COL,
	OPT_S_SCORE_COL, OPT_S_FIRST, OPT_S_INSTRUMENT, OPT_S_SCALE,
	OPT_S_RESPONDENT, OPT_S_CLIENT
};

#define SERIES_OPTS \
	{"id", required_argument, NULL, OPT_S_ID}, \
	{"vars", required_argument, NULL, OPT_S_VARS}, \
	{"long", no_argument, NULL, OPT_S_LONG}, \
	{"session-col", required_argument, NULL, OPT_S_SESSION_COL}, \
	{"score-col", required_argument, NULL, OPT_S_SCORE_COL}, \
	{"first-session", required_argument, NULL, OPT_S_FIRST}, \
	{"instrument", required_argument, NULL, OPT_S_INSTRUMENT}, \
	{"scale", required_argument, NULL, OPT_S_SCALE}, \
	{"respondent", required_argument, NULL, OPT_S_RESPONDENT}, \
	{"client", required_argument, NULL, OPT_S_CLIENT}

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
"Empty fields and NA are missing values.\n" \
"Or from the database (--db PATH, no FILE):\n" \
"  --instrument ID     the measure whose scores form the series\n" \
"  --scale NAME        total (default) or a subscale id (e.g. bond)\n" \
"  --respondent R      client (default: the instrument's) or therapist\n" \
"  --client CODE       one client (default: every client of the clinic);\n" \
"                      the current episode's sessions, by number\n"

struct series_opts {
	attune_series_spec spec;
	const char *instrument;  /* set: read from the database */
	const char *scale;
	int respondent;          /* -1: the instrument's own */
	const char *client;
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

/* The same from the database (o->instrument set): one series per client
 * of the clinic (or o->client), the chosen scale's scores by session
 * number in the current episode, each read audited. */
int series_run_db(struct cli *cli, const struct series_opts *o,
                  attune_series_cb cb, void *ctx);

/* series_run_db when o->instrument is set, else series_run on path. */
int series_run_any(struct cli *cli, const struct series_opts *o,
                   const char *path, attune_series_cb cb, void *ctx);

#endif
