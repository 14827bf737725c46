/* cmd_db.c - the database verbs: init, client add|list, session add,
 * record, audit. Each opens the store, does one thing, and says what it
 * did; bad input changes nothing. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "attune/score.h"

/* ---- init ---- */

static const char init_usage[] =
"usage: attune init [--db PATH|URI] [--clinic NAME]\n"
"\n"
"Create an attune database (default ./attune.db, or $ATTUNE_DB) with one\n"
"clinic. Running it on an existing attune database only migrates it to\n"
"the current schema and says so. --db postgresql://USER@HOST/DB sets up\n"
"attune's tables in an existing, empty PostgreSQL database instead\n"
"(docs/operations.md).\n"
"\n"
"  --clinic NAME   the clinic's name (default \"My practice\")\n";

static int has_clinic(void *ctx, const attune_clinic_rec *r)
{
	*(attune_id *)ctx = r->id;
	return 1;  /* stop at the first */
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
	enum { OPT_CLINIC = OPT_FIRST_FREE };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"clinic", required_argument, NULL, OPT_CLINIC},
		{NULL, 0, NULL, 0}
	};
	const char *clinic = "My practice";
	attune_store *st;
	attune_err err;
	attune_id cid = 0;
	int c, rc, version = 0, existed;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_HELP)
			return cli_usage(init_usage, 0);
		if (c == OPT_CLINIC) {
			clinic = optarg;
			continue;
		}
		if (cli_common_opt(cli, c, optarg) <= 0)
			return cli_usage(init_usage, 1);
	}
	if (optind != argc)
		return cli_usage(init_usage, 1);
	if ((rc = cli_db_exists(cli, &existed)))
		return cli_exit_for(rc);
	rc = attune_store_open(cli->db, ATTUNE_STORE_CREATE, &st, &err);
	if (rc) {
		cli_err("%s", err.msg);
		return cli_exit_for(rc);
	}
	attune_store_set_actor(st, 0, "cli:init", "cli");
	/* An attune database without a clinic (an init that failed half-way
	 * on PostgreSQL, where the schema stays) gets one now. */
	if (existed && attune_store_clinic_list(st, has_clinic, &cid) == 1) {
		attune_store_schema_version(st, &version);
		printf("%s already holds an attune database (schema %d); "
		       "nothing to do\n", cli_db_shown(cli), version);
		attune_store_close(st);
		return EXIT_OKAY;
	}
	rc = attune_store_clinic_add(st, clinic, &cid);
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		attune_store_close(st);
		/* A file is removed; a PostgreSQL database keeps its
		 * (empty) schema, and init can simply run again. */
		if (!existed && !attune_store_location_is_server(cli->db))
			unlink(cli->db);
		return cli_exit_for(rc);
	}
	attune_store_schema_version(st, &version);
	attune_store_close(st);
	printf("created %s (schema %d) with clinic \"%s\"\n", cli_db_shown(cli),
	       version,
	       clinic);
	return EXIT_OKAY;
}

/* ---- client ---- */

static const char client_usage[] =
"usage: attune client add CODE [--name NAME] [--therapist LOGIN]\n"
"                             [--started YYYY-MM-DD]\n"
"       attune client list [--therapist LOGIN] [--json]\n"
"       attune client transfer (CODE | --from LOGIN) --therapist LOGIN\n"
"\n"
"Clients are known by a pseudonymous CODE (letters, digits, - and _);\n"
"a display name is optional and shown only to those allowed to see it.\n"
"Adding a client opens its first episode of care (today unless\n"
"--started is given).\n"
"\n"
"transfer makes another therapist responsible for a client (CODE) or\n"
"for every client of a therapist (--from LOGIN, e.g. one who leaves),\n"
"in one transaction: the new therapist has them as their own, the old\n"
"one no access (unless granted). Each moved client is audited\n"
"(client.transfer). A therapist who still has clients cannot be given\n"
"another role; transfer the clients first.\n";

struct user_find {
	attune_id id;
	char name[ATTUNE_ID_MAX + 1];
};

static int user_found(void *ctx, const attune_user_rec *r)
{
	struct user_find *u = ctx;

	u->id = r->id;
	snprintf(u->name, sizeof(u->name), "%s", r->name);
	return 0;
}

static int find_user(attune_store *st, attune_id clinic, const char *login,
                     attune_id *id)
{
	struct user_find u = {0, ""};
	int rc = attune_store_user_find(st, clinic, login, user_found, &u);

	if (rc == ATTUNE_OK && u.id == 0)
		rc = ATTUNE_ENOTFOUND;
	if (rc) {
		if (rc == ATTUNE_ENOTFOUND)
			cli_err("no user '%s' in this clinic", login);
		else
			cli_err("%s", attune_store_errmsg(st));
		return rc;
	}
	*id = u.id;
	return ATTUNE_OK;
}

struct list_ctx {
	strbuf *b;
	int json;
	size_t n;
	attune_store *st;
	struct user_find *users;     /* therapist names for the listing */
	size_t n_users, cap_users;
};

static int user_collect(void *ctx, const attune_user_rec *r)
{
	struct list_ctx *l = ctx;
	struct user_find *u;

	if (l->n_users == l->cap_users) {
		l->cap_users = l->cap_users ? 2 * l->cap_users : 64;
		u = realloc(l->users, l->cap_users * sizeof(*u));
		if (!u)
			return ATTUNE_ENOMEM;
		l->users = u;
	}
	l->users[l->n_users].id = r->id;
	snprintf(l->users[l->n_users].name, sizeof(l->users[0].name), "%s",
	         r->name);
	l->n_users++;
	return 0;
}

static const char *user_name(const struct list_ctx *l, attune_id id)
{
	size_t i;

	for (i = 0; i < l->n_users; i++)
		if (l->users[i].id == id)
			return l->users[i].name;
	return id ? "?" : "-";
}

static int client_row(void *ctx, const attune_client_rec *r)
{
	struct list_ctx *l = ctx;
	char when[11];
	time_t t = (time_t)r->created_at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	if (l->json) {
		sb_puts(l->b, l->n ? ",\n {\"code\": " : "\n {\"code\": ");
		sb_json_str(l->b, r->code);
		sb_puts(l->b, ", \"name\": ");
		if (r->display_name)
			sb_json_str(l->b, r->display_name);
		else
			sb_puts(l->b, "null");
		sb_puts(l->b, ", \"therapist\": ");
		if (r->therapist_id)
			sb_json_str(l->b, user_name(l, r->therapist_id));
		else
			sb_puts(l->b, "null");
		sb_printf(l->b, ", \"added\": \"%s\"}", when);
	} else {
		sb_printf(l->b, "%-16s %-24s %-10s %s\n", r->code,
		          r->display_name ? r->display_name : "-",
		          user_name(l, r->therapist_id), when);
	}
	l->n++;
	return 0;
}

static int setting_value(void *ctx, const char *zValue)
{
	*(int *)ctx = strcmp(zValue, "1") == 0;
	return 0;
}

/* Is the clinic's setting zName "1"? Unset or unreadable: no. */
static int setting_on(attune_store *st, attune_id clinic, const char *zName)
{
	int on = 0;

	if (attune_store_setting_get(st, clinic, zName, setting_value, &on))
		return 0;
	return on;
}

/* The ids of a therapist's clients, for transfer --from. */
struct id_list {
	attune_id *v;
	size_t n, cap;
};

static int id_collect(void *ctx, const attune_client_rec *r)
{
	struct id_list *l = ctx;
	attune_id *v;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if (!(v = realloc(l->v, l->cap * sizeof(*v))))
			return ATTUNE_ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = r->id;
	return 0;
}

/* client transfer: CODE, or every client of the therapist zFrom, to the
 * therapist tid (login zTo), in one transaction. */
static int client_transfer(attune_store *st, attune_id clinic,
                           const char *zFrom, const char *zCode,
                           const char *zTo, attune_id tid)
{
	struct id_list l = {NULL, 0, 0};
	attune_id fid, cid;
	size_t i;
	int rc;

	if (zFrom) {
		if (find_user(st, clinic, zFrom, &fid))
			return EXIT_INPUT;
		if (fid == tid) {
			cli_err("client transfer: --from and --therapist are the "
			        "same user '%s'", zTo);
			return EXIT_INPUT;
		}
	} else if (cli_find_client(st, clinic, zCode, &cid)) {
		return EXIT_INPUT;
	}
	rc = attune_store_begin(st);
	if (rc == ATTUNE_OK && zFrom)
		rc = attune_store_client_list(st, clinic, fid, id_collect, &l);
	if (rc == ATTUNE_OK && !zFrom)
		rc = attune_store_client_transfer(st, cid, tid);
	for (i = 0; rc == ATTUNE_OK && i < l.n; i++)
		rc = attune_store_client_transfer(st, l.v[i], tid);
	if (rc == ATTUNE_OK)
		rc = attune_store_commit(st);
	free(l.v);
	if (rc) {
		cli_err("%s; nothing was moved", attune_store_errmsg(st));
		attune_store_rollback(st);
		return cli_exit_for(rc);
	}
	if (zFrom)
		printf("moved %zu client%s from %s to %s\n", l.n,
		       l.n == 1 ? "" : "s", zFrom, zTo);
	else
		printf("client %s is now with %s\n", zCode, zTo);
	return EXIT_OKAY;
}

int cmd_client(struct cli *cli, int argc, char **argv)
{
	enum { OPT_NAME = OPT_FIRST_FREE, OPT_THERAPIST, OPT_STARTED,
	       OPT_FROM };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"name", required_argument, NULL, OPT_NAME},
		{"therapist", required_argument, NULL, OPT_THERAPIST},
		{"started", required_argument, NULL, OPT_STARTED},
		{"from", required_argument, NULL, OPT_FROM},
		{"json", no_argument, NULL, OPT_JSON},
		{NULL, 0, NULL, 0}
	};
	const char *name = NULL, *therapist = NULL, *started = NULL, *verb;
	const char *from = NULL;
	attune_client_rec rec;
	attune_store *st;
	attune_id clinic, tid = 0, id;
	int c, rc, json = 0, exitc;
	strbuf b;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(client_usage, 0);
		case OPT_NAME: name = optarg; break;
		case OPT_THERAPIST: therapist = optarg; break;
		case OPT_STARTED: started = optarg; break;
		case OPT_FROM: from = optarg; break;
		case OPT_JSON: json = 1; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(client_usage, 1);
		}
	}
	if (optind >= argc)
		return cli_usage(client_usage, 1);
	verb = argv[optind++];
	if (strcmp(verb, "add") == 0) {
		if (optind + 1 != argc)
			return cli_usage(client_usage, 1);
	} else if (strcmp(verb, "list") == 0) {
		if (optind != argc)
			return cli_usage(client_usage, 1);
	} else if (strcmp(verb, "transfer") == 0) {
		if (!therapist || (from ? optind != argc : optind + 1 != argc)) {
			cli_err("client transfer: give a CODE or --from LOGIN, "
			        "and --therapist LOGIN");
			return cli_usage(client_usage, 1);
		}
	} else {
		cli_err("client: unknown verb '%s'", verb);
		return cli_usage(client_usage, 1);
	}
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	if (therapist && find_user(st, clinic, therapist, &tid)) {
		attune_store_close(st);
		return EXIT_INPUT;
	}
	if (verb[0] == 't') {
		exitc = client_transfer(st, clinic, from,
		                        from ? NULL : argv[optind], therapist,
		                        tid);
		attune_store_close(st);
		return exitc;
	}
	if (verb[0] == 'a') {
		memset(&rec, 0, sizeof(rec));
		rec.clinic_id = clinic;
		rec.therapist_id = tid;
		rec.code = argv[optind];
		rec.display_name = name;
		/* The client and the clinic's default for the client's own
		 * view (as the web app's "add client" does), together. */
		rc = attune_store_begin(st);
		if (rc == ATTUNE_OK)
			rc = attune_store_client_add(st, &rec, started, &id);
		if (rc == ATTUNE_OK && setting_on(st, clinic,
		                                  ATTUNE_SETTING_SEES_PROGRESS))
			rc = attune_store_client_set_sees_progress(st, id, 1);
		if (rc == ATTUNE_OK)
			rc = attune_store_commit(st);
		if (rc) {
			cli_err("%s", attune_store_errmsg(st));
			attune_store_close(st);
			return cli_exit_for(rc);
		}
		printf("added client %s\n", rec.code);
		attune_store_close(st);
		return EXIT_OKAY;
	}
	sb_init(&b, (size_t)1 << 30);
	struct list_ctx l;
	memset(&l, 0, sizeof(l));
	l.b = &b;
	l.json = json;
	l.st = st;
	if ((rc = attune_store_user_list(st, clinic, user_collect, &l))) {
		cli_err("%s", attune_store_errmsg(st));
		free(l.users);
		sb_free(&b);
		attune_store_close(st);
		return cli_exit_for(rc);
	}
	if (!json)
		sb_printf(&b, "%-16s %-24s %-10s %s\n", "CODE", "NAME",
		          "THERAPIST", "ADDED");
	else
		sb_putc(&b, '[');
	rc = attune_store_client_list(st, clinic, tid, client_row, &l);
	if (json)
		sb_puts(&b, l.n ? "\n]\n" : "]\n");
	exitc = EXIT_OKAY;
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
	} else if (b.rc) {
		cli_err("out of memory");
		exitc = EXIT_INTERNAL;
	} else {
		fwrite(b.s, 1, b.len, stdout);
	}
	free(l.users);
	sb_free(&b);
	attune_store_close(st);
	return exitc;
}

/* ---- session ---- */

static const char session_usage[] =
"usage: attune session add --client CODE --session N [--date YYYY-MM-DD]\n"
"                          [--missed]\n"
"\n"
"Add session N to the client's current episode of care (date: today by\n"
"default). --missed records a session the client did not attend.\n";

struct client_find {
	attune_id id;
};

static int client_found(void *ctx, const attune_client_rec *r)
{
	((struct client_find *)ctx)->id = r->id;
	return 0;
}

int cli_find_client(attune_store *st, attune_id clinic, const char *code,
                       attune_id *id)
{
	struct client_find f = {0};
	int rc = attune_store_client_find(st, clinic, code, client_found, &f);

	if (rc == ATTUNE_OK && f.id == 0)
		rc = ATTUNE_ENOTFOUND;
	if (rc == ATTUNE_ENOTFOUND)
		cli_err("no client '%s' (see attune client list)", code);
	else if (rc)
		cli_err("%s", attune_store_errmsg(st));
	*id = f.id;
	return rc;
}

static int parse_session_no(const char *s, int *n)
{
	int64_t v;

	if (parse_i64(s, strlen(s), &v) || v < 1 || v > 100000) {
		cli_err("--session must be a whole number 1..100000, not '%s'",
		        s);
		return -1;
	}
	*n = (int)v;
	return 0;
}

int cmd_session(struct cli *cli, int argc, char **argv)
{
	enum { OPT_CLIENT = OPT_FIRST_FREE, OPT_SESSION, OPT_DATE, OPT_MISSED };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"client", required_argument, NULL, OPT_CLIENT},
		{"session", required_argument, NULL, OPT_SESSION},
		{"date", required_argument, NULL, OPT_DATE},
		{"missed", no_argument, NULL, OPT_MISSED},
		{NULL, 0, NULL, 0}
	};
	const char *code = NULL, *date = NULL;
	attune_session_rec s;
	attune_store *st;
	attune_id clinic, cid, sid;
	int c, rc, number = 0, missed = 0;
	char today[11];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(session_usage, 0);
		case OPT_CLIENT: code = optarg; break;
		case OPT_SESSION:
			if (parse_session_no(optarg, &number))
				return EXIT_USAGE;
			break;
		case OPT_DATE: date = optarg; break;
		case OPT_MISSED: missed = 1; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(session_usage, 1);
		}
	}
	if (optind >= argc || strcmp(argv[optind], "add") != 0 ||
	    optind + 1 != argc || !code || !number)
		return cli_usage(session_usage, 1);
	if (!date) {
		cli_today(today);
		date = today;
	}
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	if (cli_find_client(st, clinic, code, &cid)) {
		attune_store_close(st);
		return EXIT_INPUT;
	}
	memset(&s, 0, sizeof(s));
	s.client_id = cid;
	s.number = number;
	s.date = date;
	s.attended = !missed;
	rc = attune_store_session_add(st, &s, &sid);
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		attune_store_close(st);
		return cli_exit_for(rc);
	}
	printf("added session %d of client %s on %s%s\n", number, code, date,
	       missed ? " (missed)" : "");
	attune_store_close(st);
	return EXIT_OKAY;
}

/* ---- record ---- */

static const char record_usage[] =
"usage: attune record --client CODE --session N --instrument ID\n"
"                     --items V1,V2,... [--respondent client|therapist]\n"
"                     [--json]\n"
"\n"
"Record one completed measure for a session (a paper form entered by\n"
"hand, say). Values are given in item order (attune instruments show\n"
"ID); leave one empty for a missing answer (1,,3). Every value is\n"
"checked against the instrument before anything is written. Prints the\n"
"score, its band and any flag (e.g. PHQ-9 item 9).\n"
"\n"
"  --respondent R   who answered (default: the instrument's respondent)\n";

struct session_find {
	attune_id id;
};

static int session_found(void *ctx, const attune_session_rec *r)
{
	((struct session_find *)ctx)->id = r->id;
	return 0;
}

int cmd_record(struct cli *cli, int argc, char **argv)
{
	enum { OPT_CLIENT = OPT_FIRST_FREE, OPT_SESSION, OPT_INSTR, OPT_ITEMS,
	       OPT_RESP };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"client", required_argument, NULL, OPT_CLIENT},
		{"session", required_argument, NULL, OPT_SESSION},
		{"instrument", required_argument, NULL, OPT_INSTR},
		{"items", required_argument, NULL, OPT_ITEMS},
		{"respondent", required_argument, NULL, OPT_RESP},
		{"json", no_argument, NULL, OPT_JSON},
		{NULL, 0, NULL, 0}
	};
	const char *code = NULL, *iid = NULL, *items = NULL, *resp = NULL;
	const attune_instrument *in;
	double values[ATTUNE_ITEMS_MAX];
	attune_response_rec r;
	struct session_find sf = {0};
	attune_store *st;
	attune_score s;
	attune_id clinic, cid, rid;
	int c, rc, number = 0, json = 0, respondent;
	size_t i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(record_usage, 0);
		case OPT_CLIENT: code = optarg; break;
		case OPT_SESSION:
			if (parse_session_no(optarg, &number))
				return EXIT_USAGE;
			break;
		case OPT_INSTR: iid = optarg; break;
		case OPT_ITEMS: items = optarg; break;
		case OPT_RESP: resp = optarg; break;
		case OPT_JSON: json = 1; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(record_usage, 1);
		}
	}
	if (optind != argc || !code || !number || !iid || !items)
		return cli_usage(record_usage, 1);
	in = cli_instrument(cli, iid);
	if (!in)
		return EXIT_INPUT;
	respondent = (int)in->respondent;
	if (resp) {
		if (strcmp(resp, "client") == 0)
			respondent = ATTUNE_RESPONDENT_CLIENT;
		else if (strcmp(resp, "therapist") == 0)
			respondent = ATTUNE_RESPONDENT_THERAPIST;
		else {
			cli_err("--respondent must be client or therapist");
			return EXIT_USAGE;
		}
	}
	if (cli_parse_items(in, items, values))
		return EXIT_INPUT;
	attune_score_compute(in, values, &s);
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	if (cli_find_client(st, clinic, code, &cid))
		goto fail_input;
	rc = attune_store_session_find(st, cid, number, session_found, &sf);
	if (rc == ATTUNE_OK && sf.id == 0)
		rc = ATTUNE_ENOTFOUND;
	if (rc) {
		if (rc == ATTUNE_ENOTFOUND)
			cli_err("client %s has no session %d in the current "
			        "episode (add it: attune session add --client %s "
			        "--session %d)", code, number, code, number);
		else
			cli_err("%s", attune_store_errmsg(st));
		goto fail_input;
	}
	memset(&r, 0, sizeof(r));
	r.session_id = sf.id;
	r.instrument = in->id;
	r.instrument_version = in->version;
	r.respondent = respondent;
	r.n_values = in->n_items;
	r.values = values;
	r.total = s.total;
	rc = attune_store_response_add(st, &r, &rid);
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		attune_store_close(st);
		return cli_exit_for(rc);
	}
	attune_store_close(st);
	{
		const char *band = attune_score_band_label(in, &s);
		strbuf b;
		sb_init(&b, 1 << 16);
		if (json) {
			sb_puts(&b, "{\"client\": ");
			sb_json_str(&b, code);
			sb_printf(&b, ", \"session\": %d, \"instrument\": ", number);
			sb_json_str(&b, in->id);
			sb_puts(&b, ", \"total\": ");
			if (attune_is_missing(s.total))
				sb_puts(&b, "null");
			else
				sb_num(&b, s.total);
			sb_puts(&b, ", \"band\": ");
			if (band)
				sb_json_str(&b, band);
			else
				sb_puts(&b, "null");
			sb_puts(&b, s.prorated ? ", \"prorated\": true" :
			                         ", \"prorated\": false");
			sb_puts(&b, ", \"flags\": [");
			for (i = 0; i < in->n_flags; i++)
				if (s.flags & (1u << i)) {
					sb_json_str(&b, in->flags[i].id);
					if (s.flags >> (i + 1))
						sb_puts(&b, ", ");
				}
			sb_puts(&b, "]}\n");
		} else {
			sb_printf(&b, "recorded %s for client %s, session %d: ",
			          in->short_title, code, number);
			if (attune_is_missing(s.total)) {
				sb_printf(&b, "no total (%u answers missing, more "
				          "than the %u the scoring rule allows)\n",
				          s.n_missing, in->total.max_missing);
			} else {
				sb_puts(&b, "total ");
				sb_num(&b, s.total);
				if (band)
					sb_printf(&b, " (%s)", band);
				if (s.prorated & 1u)
					sb_printf(&b, ", prorated for %u missing",
					          s.n_missing);
				sb_putc(&b, '\n');
			}
		}
		if (b.s)
			fwrite(b.s, 1, b.len, stdout);
		sb_free(&b);
		for (i = 0; i < in->n_flags; i++)
			if (s.flags & (1u << i))
				cli_err("FLAG %s: %s", in->flags[i].id,
				        in->flags[i].label);
	}
	return EXIT_OKAY;
fail_input:
	attune_store_close(st);
	return EXIT_INPUT;
}

/* ---- audit ---- */

static const char audit_usage[] =
"usage: attune audit [--limit N] [--json]\n"
"\n"
"The audit log, newest first: who read or changed which client data,\n"
"when and from where. Every read and change of client data writes a\n"
"row; the log itself cannot be edited through attune.\n";

static int audit_row(void *ctx, const attune_audit_rec *r)
{
	struct list_ctx *l = ctx;
	char when[24];
	time_t t = (time_t)r->at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (l->json) {
		sb_puts(l->b, l->n ? ",\n {\"at\": " : "\n {\"at\": ");
		sb_json_str(l->b, when);
		sb_puts(l->b, ", \"actor\": ");
		sb_json_str(l->b, r->actor ? r->actor : "");
		sb_puts(l->b, ", \"origin\": ");
		sb_json_str(l->b, r->origin ? r->origin : "");
		sb_puts(l->b, ", \"action\": ");
		sb_json_str(l->b, r->action);
		sb_puts(l->b, ", \"object\": ");
		sb_json_str(l->b, r->object ? r->object : "");
		sb_putc(l->b, '}');
	} else {
		sb_printf(l->b, "%s  %-16s %-10s %-16s %s\n", when,
		          r->actor ? r->actor : "", r->origin ? r->origin : "",
		          r->action, r->object ? r->object : "");
	}
	l->n++;
	return 0;
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
	enum { OPT_LIMIT = OPT_FIRST_FREE };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"limit", required_argument, NULL, OPT_LIMIT},
		{"json", no_argument, NULL, OPT_JSON},
		{NULL, 0, NULL, 0}
	};
	attune_store *st;
	attune_id clinic;
	int64_t limit = 50;
	int c, rc, json = 0, exitc = EXIT_OKAY;
	strbuf b;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(audit_usage, 0);
		case OPT_JSON: json = 1; break;
		case OPT_LIMIT:
			if (parse_i64(optarg, strlen(optarg), &limit)) {
				cli_err("--limit must be a whole number (0: all)");
				return EXIT_USAGE;
			}
			break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(audit_usage, 1);
		}
	}
	if (optind != argc)
		return cli_usage(audit_usage, 1);
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	sb_init(&b, (size_t)1 << 30);
	struct list_ctx l;
	memset(&l, 0, sizeof(l));
	l.b = &b;
	l.json = json;
	l.st = st;
	if (json)
		sb_putc(&b, '[');
	rc = attune_store_audit_list(st, 0, (size_t)limit, audit_row, &l);
	if (json)
		sb_puts(&b, l.n ? "\n]\n" : "]\n");
	if (rc) {
		cli_err("%s", attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
	} else if (b.s) {
		fwrite(b.s, 1, b.len, stdout);
	}
	sb_free(&b);
	attune_store_close(st);
	return exitc;
}
