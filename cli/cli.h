/* cli.h - shared parts of the `attune` command: the context every
 * subcommand receives, exit codes, messages, and loading instruments and
 * the database the same way everywhere. */
#ifndef ATTUNE_CLI_H
#define ATTUNE_CLI_H

#include <stdio.h>
#include "attune/attune.h"
#include "attune/instrument.h"
#include "attune/store.h"
#include "util/util_int.h"

/* Exit codes (documented in attune(1)). */
enum {
	EXIT_OKAY = 0,
	EXIT_INPUT = 1,    /* bad input: file, value, missing object */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_INTERNAL = 3  /* out of memory, I/O, storage, bug */
};

#define DEFAULT_DB "attune.db"

struct cli {
	const char *db;              /* --db, or $ATTUNE_DB, or DEFAULT_DB: a
	                                file, or a postgresql:// URI */
	const char *instruments_dir; /* --instruments DIR: extra definitions */
	const char *wording[16];     /* --wording FILE (repeatable) */
	size_t n_wording;
	attune_catalog *cat;         /* loaded on first use */
};

/* Options every subcommand accepts, for getopt_long tables. */
enum { OPT_DB = 1000, OPT_INSTRUMENTS, OPT_WORDING, OPT_HELP, OPT_JSON,
       OPT_FIRST_FREE };
#define CLI_COMMON_OPTS \
	{"db", required_argument, NULL, OPT_DB}, \
	{"instruments", required_argument, NULL, OPT_INSTRUMENTS}, \
	{"wording", required_argument, NULL, OPT_WORDING}, \
	{"help", no_argument, NULL, OPT_HELP}

/* Handle a common option; returns 1 if c was one, -1 on error (message
 * printed), 0 if not common. */
int cli_common_opt(struct cli *cli, int c, const char *arg);

/* "attune: " + message + newline on stderr. */
void cli_err(const char *fmt, ...) ATTUNE_PRINTF(1, 2);

/* Print usage to stdout (for --help, returns EXIT_OKAY) or stderr (after
 * a usage error, returns EXIT_USAGE). */
int cli_usage(const char *text, int to_stderr);

/* Exit code for an attune_rc. */
int cli_exit_for(int rc);

/* Read a whole file (path "-" is stdin) of at most max bytes into a
 * malloc'd buffer with a NUL after it. */
int cli_read_file(const char *path, size_t max, char **buf, size_t *len,
                  attune_err *err);

/* The instrument catalogue: built-ins, then --instruments DIR, then
 * licensed wording from --wording files and $ATTUNE_WORDING_DIR. */
int cli_catalog(struct cli *cli, attune_catalog **out);

/* An instrument by id, or a message naming the known ids. */
const attune_instrument *cli_instrument(struct cli *cli, const char *id);

/* cli->db as it may be shown: a PostgreSQL URI without its password.
 * Valid until the next call. */
const char *cli_db_shown(const struct cli *cli);

/* Does cli->db hold an attune database? A file: it exists. A PostgreSQL
 * database (which must exist itself): it has attune's schema. *exists
 * gets the answer; on an error (server unreachable, not attune's) a
 * message and non-zero. */
int cli_db_exists(struct cli *cli, int *exists);

/* Open the database (flags as attune_store_open), set the actor to the
 * command-line user, and find the clinic (the first one). Messages on
 * failure. */
int cli_open_store(struct cli *cli, int flags, attune_store **st,
                   attune_id *clinic_id);

/* Parse "1,2,,3" into values for in's items; "" = missing. Messages name
 * the item. */
int cli_parse_items(const attune_instrument *in, const char *list,
                    double *values);

/* Write a CSV field, quoting when needed. */
void csv_field(strbuf *b, const char *s, size_t n);

/* open(path, O_RDONLY|O_CLOEXEC); errno text; EINTR test. */
int open_readonly(const char *path);
const char *errno_text(void);
int errno_is_eintr(void);

/* Output held back until the input has proved valid (out.c): rows are
 * appended to b; out_flush() after each row spills past 32 MiB to an
 * unlinked temporary file (or, with stream, writes to stdout);
 * out_finish() copies everything to stdout. Errors stick in rc. */
struct out {
	strbuf b;
	FILE *spill;
	size_t spill_at;   /* bytes held in memory before spilling (32 MiB;
	                      tests lower it) */
	int stream;
	int rc;
};
void out_init(struct out *o, int stream);
int out_flush(struct out *o, int force);
int out_finish(struct out *o);
void out_free(struct out *o);

/* Today's date as YYYY-MM-DD (UTC). */
void cli_today(char out[11]);

/* Print a client's report (text or JSON) to stdout: every instrument's
 * scores by session with bands, flags and change. */
int cli_report(struct cli *cli, attune_store *st, attune_id clinic,
               const char *code, int json);

/* Look up a client by code; message when absent. */
int cli_find_client(attune_store *st, attune_id clinic, const char *code,
                    attune_id *id);

/* Look up a site of the clinic by name; message when absent
 * (cmd_site.c). */
int cli_find_site(attune_store *st, attune_id clinic, const char *name,
                  attune_id *id);

/* Subcommands. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_client(struct cli *cli, int argc, char **argv);
int cmd_session(struct cli *cli, int argc, char **argv);
int cmd_record(struct cli *cli, int argc, char **argv);
int cmd_score(struct cli *cli, int argc, char **argv);
int cmd_instruments(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);
int cmd_gains(struct cli *cli, int argc, char **argv);
int cmd_change(struct cli *cli, int argc, char **argv);
int cmd_ruptures(struct cli *cli, int argc, char **argv);
int cmd_signals(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_site(struct cli *cli, int argc, char **argv);
int cmd_overview(struct cli *cli, int argc, char **argv);

/* Serve the web app on cli->db until SIGINT/SIGTERM (cmd_serve.c);
 * zListen NULL: 127.0.0.1:8080. Returns an exit code. For `attune demo`
 * too. */
int cli_serve(struct cli *cli, const char *zListen, int secure,
              const char *zCert, const char *zKey);

/* Give the demo clinic's users (admin, sam, alex, blair, casey) the demo
 * passwords NAME-demo-pass and let sam supervise alex and blair
 * (cmd_user.c). Prints "  NAME password PASS" lines to out (may be
 * NULL). Call it with the demo's store inside or outside a transaction;
 * returns an attune_rc. */
int cli_demo_web_accounts(attune_store *st, attune_id clinic, FILE *out);
int cmd_mirror(struct cli *cli, int argc, char **argv);
int cmd_transcript(struct cli *cli, int argc, char **argv);

/* Code one transcript held in memory (len bytes of text; zLabel names it
 * in messages and in the output's file column; zIn its format's name,
 * "auto" or unknown: detect) with the compiled-in model and rules, and
 * write it to stdout as `attune mirror code --format zOut` does (csv,
 * json or html). Nothing is written unless all of it codes. Returns an
 * exit code; messages printed (cmd_mirror.c). */
int cli_mirror_code_text(const char *zLabel, const char *text, size_t len,
                         const char *zIn, const char *zOut);

#endif
