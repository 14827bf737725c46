/* cmd_transcript.c - `attune transcript`: session transcripts kept in the
 * database (the ones the web app's session mirror shows).
 *   add     store a transcript file with a client's session, once it reads
 *   list    a client's transcripts, without their text
 *   show    one transcript coded, as `attune mirror code` codes a file
 *   delete  delete one for good
 * The store audits every call (transcript.add, .list, .read, .delete,
 * actor cli:USER); this file parses, checks and prints. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "attune/limits.h"
#include "attune/transcript.h"

static const char usage_text[] =
"usage: attune transcript add --client CODE --session N [--format F] FILE\n"
"       attune transcript list --client CODE [--json]\n"
"       attune transcript show [--format csv|json|html] ID\n"
"       attune transcript delete ID\n"
"\n"
"Session transcripts kept in the database with a client's session, the\n"
"ones the web app shows as the session mirror (docs/transcripts.md).\n"
"They are client data: every command is in the audit log.\n"
"\n"
"  add     store FILE (- for stdin) with session N of client CODE (the\n"
"          session must exist: attune session add). F is text, vtt,\n"
"          srt, csv or json (default: detect). The transcript is read\n"
"          first; one that does not read is not stored, and the message\n"
"          names the line. Prints the new transcript's ID.\n"
"  list    ID, session, format, size and when added, oldest first\n"
"  show    code transcript ID with the compiled-in model and cue rules\n"
"          and print it as `attune mirror code --format F` prints a file\n"
"          (default csv; html: the self-contained timeline page)\n"
"  delete  delete transcript ID (its text; the session stays)\n"
"\n"
"Exit codes: 0 ok, 1 bad input or no such transcript (nothing changed),\n"
"2 usage, 3 internal.\n";

enum { OPT_CLIENT = OPT_FIRST_FREE, OPT_SESSION, OPT_FORMAT };

/* A transcript id: a whole number 1..2^53 (message on failure). */
static int parse_tid(const char *z, attune_id *id)
{
	int64_t v;

	if (parse_i64(z, strlen(z), &v) || v < 1 ||
	    v > ((int64_t)1 << 53)) {
		cli_err("transcript: '%s' is not a transcript id (a whole "
		        "number from 1; see attune transcript list)", z);
		return -1;
	}
	*id = v;
	return 0;
}

/* ---- add ---- */

struct session_find {
	attune_id id;
};

static int session_found(void *ctx, const attune_session_rec *r)
{
	((struct session_find *)ctx)->id = r->id;
	return 0;
}

static int do_add(struct cli *cli, const char *code, int number,
                  const char *zFormat, const char *path)
{
	attune_transcript_opts opts;
	attune_transcript *t = NULL;
	attune_transcript_row row;
	struct session_find sf = {0};
	attune_store *st = NULL;
	attune_id clinic, cid, tid = 0;
	attune_err err;
	char *buf = NULL;
	size_t len = 0;
	int rc, exitc;

	memset(&opts, 0, sizeof(opts));
	attune_err_clear(&err);
	if (zFormat && attune_transcript_format_from_name(zFormat,
	                                                  &opts.format)) {
		cli_err("--format: '%s' is not text, vtt, srt, csv or json",
		        zFormat);
		return EXIT_USAGE;
	}
	/* Read and parse before the database is touched: only a readable
	 * transcript is stored, and the reader names the line to fix. */
	rc = cli_read_file(path, (size_t)ATTUNE_TRANSCRIPT_SIZE_MAX, &buf,
	                   &len, &err);
	if (rc == ATTUNE_OK && strlen(buf) != len)
		rc = attune_err_set(&err, ATTUNE_EINVAL, "%s: a NUL byte at "
		                    "offset %zu; a transcript is text", path,
		                    strlen(buf));
	if (rc == ATTUNE_OK)
		rc = attune_transcript_parse(buf, len, path, &opts, &t, &err);
	if (rc == ATTUNE_OK && t->n == 0)
		rc = attune_err_set(&err, ATTUNE_EINVAL, "%s: no utterances "
		                    "(is it a transcript?)", path);
	if (rc) {
		cli_err("%s", err.msg[0] ? err.msg : attune_strerror(rc));
		exitc = cli_exit_for(rc);
		goto out;
	}
	memset(&row, 0, sizeof(row));
	row.format = attune_transcript_format_name(t->format);
	row.text = buf;
	if (cli_open_store(cli, 0, &st, &clinic)) {
		exitc = EXIT_INPUT;
		goto out;
	}
	if (cli_find_client(st, clinic, code, &cid)) {
		exitc = EXIT_INPUT;
		goto out;
	}
	rc = attune_store_session_find(st, cid, number, session_found, &sf);
	if (rc == ATTUNE_ENOTFOUND) {
		cli_err("client %s has no session %d (add it first: attune "
		        "session add --client %s --session %d)", code, number,
		        code, number);
		exitc = EXIT_INPUT;
		goto out;
	}
	if (rc == ATTUNE_OK) {
		row.session_id = sf.id;
		rc = attune_store_transcript_add(st, &row, &tid);
	}
	if (rc) {
		cli_err("%s: %s", path, attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
		goto out;
	}
	printf("%lld\n", (long long)tid);
	fprintf(stderr, "attune: stored transcript %lld (%s, %zu bytes, %zu "
	        "utterances) with session %d of client %s\n", (long long)tid,
	        row.format, len, t->n, number, code);
	exitc = EXIT_OKAY;
out:
	attune_transcript_free(t);
	attune_store_close(st);
	free(buf);
	return exitc;
}

/* ---- list ---- */

struct list_ctx {
	strbuf *b;
	int json;
	size_t n;
};

static void utc(char out[21], int64_t at)
{
	time_t t = (time_t)at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int list_row(void *ctx, const attune_transcript_row *r)
{
	struct list_ctx *l = ctx;
	char when[21];

	utc(when, r->created_at);
	if (l->json) {
		sb_printf(l->b, "%s\n {\"id\": %lld, \"session\": %d, "
		          "\"format\": ", l->n ? "," : "", (long long)r->id,
		          r->session_number);
		sb_json_str(l->b, r->format);
		sb_printf(l->b, ", \"bytes\": %zu, \"added\": \"%s\"}", r->size,
		          when);
	} else {
		if (l->n == 0)
			sb_puts(l->b, "id       session  format  bytes      "
			        "added\n");
		sb_printf(l->b, "%-8lld %-8d %-7s %-10zu %s\n",
		          (long long)r->id, r->session_number, r->format,
		          r->size, when);
	}
	l->n++;
	return 0;
}

static int do_list(struct cli *cli, const char *code, int json)
{
	struct list_ctx l = {0};
	attune_store *st;
	attune_id clinic, cid;
	strbuf b;
	int rc;

	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	if (cli_find_client(st, clinic, code, &cid)) {
		attune_store_close(st);
		return EXIT_INPUT;
	}
	sb_init(&b, (size_t)1 << 26);
	l.b = &b;
	l.json = json;
	if (json) {
		sb_puts(&b, "{\"client\": ");
		sb_json_str(&b, code);
		sb_puts(&b, ", \"transcripts\": [");
	}
	rc = attune_store_transcript_list(st, cid, 0, list_row, &l);
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		sb_free(&b);
		attune_store_close(st);
		return cli_exit_for(rc);
	}
	attune_store_close(st);
	if (json)
		sb_puts(&b, l.n ? "\n]}\n" : "]}\n");
	else if (l.n == 0)
		fprintf(stderr, "attune: client %s has no transcripts\n", code);
	if (b.rc) {
		sb_free(&b);
		cli_err("out of memory");
		return EXIT_INTERNAL;
	}
	fwrite(b.s, 1, b.len, stdout);
	sb_free(&b);
	return EXIT_OKAY;
}

/* ---- show ---- */

struct got {
	char *text;
	size_t size;
	char format[16];
};

static int got_row(void *ctx, const attune_transcript_row *r)
{
	struct got *g = ctx;

	g->text = malloc(r->size + 1);
	if (!g->text)
		return ATTUNE_ENOMEM;
	memcpy(g->text, r->text, r->size);
	g->text[r->size] = '\0';
	g->size = r->size;
	snprintf(g->format, sizeof(g->format), "%s", r->format);
	return 0;
}

static int do_show(struct cli *cli, attune_id tid, const char *zOut)
{
	struct got g = {0};
	attune_store *st;
	char label[48];
	int rc;

	if (strcmp(zOut, "csv") && strcmp(zOut, "json") &&
	    strcmp(zOut, "html")) {
		cli_err("--format: '%s' is not csv, json or html", zOut);
		return EXIT_USAGE;
	}
	if (cli_open_store(cli, 0, &st, NULL))
		return EXIT_INPUT;
	rc = attune_store_transcript_get(st, tid, got_row, &g);
	if (rc == ATTUNE_ENOTFOUND)
		cli_err("%s: no transcript %lld (see attune transcript list)",
		        cli_db_shown(cli), (long long)tid);
	else if (rc == ATTUNE_ENOMEM)
		cli_err("out of memory");
	else if (rc)
		cli_err("%s", attune_store_errmsg(st));
	attune_store_close(st);
	if (rc) {
		free(g.text);
		return cli_exit_for(rc);
	}
	snprintf(label, sizeof(label), "transcript %lld", (long long)tid);
	rc = cli_mirror_code_text(label, g.text, g.size, g.format, zOut);
	free(g.text);
	return rc;
}

/* ---- delete ---- */

static int do_delete(struct cli *cli, attune_id tid)
{
	attune_store *st;
	int rc;

	if (cli_open_store(cli, 0, &st, NULL))
		return EXIT_INPUT;
	rc = attune_store_transcript_delete(st, 0, tid);
	if (rc == ATTUNE_ENOTFOUND)
		cli_err("%s: no transcript %lld (see attune transcript list); "
		        "nothing deleted", cli_db_shown(cli), (long long)tid);
	else if (rc)
		cli_err("%s", attune_store_errmsg(st));
	attune_store_close(st);
	if (rc)
		return cli_exit_for(rc);
	fprintf(stderr, "attune: deleted transcript %lld\n", (long long)tid);
	return EXIT_OKAY;
}

int cmd_transcript(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"client", required_argument, NULL, OPT_CLIENT},
		{"session", required_argument, NULL, OPT_SESSION},
		{"format", required_argument, NULL, OPT_FORMAT},
		{NULL, 0, NULL, 0}
	};
	const char *verb, *code = NULL, *format = NULL;
	attune_id tid;
	int64_t number = 0;
	int c, json = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return cli_usage(usage_text, argc < 2);
	verb = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			return cli_usage(usage_text, 0);
		case OPT_JSON:
			json = 1;
			break;
		case OPT_CLIENT:
			code = optarg;
			break;
		case OPT_SESSION:
			if (parse_i64(optarg, strlen(optarg), &number) ||
			    number < 1 || number > 100000) {
				cli_err("--session must be a whole number "
				        "1..100000, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case '?':
			return cli_usage(usage_text, 1);
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(usage_text, 1);
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(verb, "add") == 0) {
		if (!code || !number || argc != 1) {
			cli_err("transcript add: --client CODE, --session N and "
			        "one FILE are needed");
			return cli_usage(usage_text, 1);
		}
		return do_add(cli, code, (int)number, format, argv[0]);
	}
	if (strcmp(verb, "list") == 0) {
		if (!code || argc != 0 || number || format) {
			cli_err("transcript list: --client CODE (and only "
			        "that, or --json) is needed");
			return cli_usage(usage_text, 1);
		}
		return do_list(cli, code, json);
	}
	if (strcmp(verb, "show") == 0 || strcmp(verb, "delete") == 0) {
		int show = verb[0] == 's';
		if (argc != 1 || code || number || json ||
		    (!show && format)) {
			cli_err("transcript %s: give one transcript ID%s", verb,
			        show ? " (and --format csv|json|html)" : "");
			return cli_usage(usage_text, 1);
		}
		if (parse_tid(argv[0], &tid))
			return EXIT_USAGE;
		return show ? do_show(cli, tid, format ? format : "csv")
		            : do_delete(cli, tid);
	}
	cli_err("transcript: unknown verb '%s' (add, list, show, delete)",
	        verb);
	return cli_usage(usage_text, 1);
}
