/* cmd_user.c - `attune user`: accounts for the web app (add, list,
 * passwd), who supervises whom, and grants of a client to another
 * therapist. Passwords are hashed with argon2id (libsodium, INTERACTIVE
 * limits) before they reach the store; they come from a file, from the
 * terminal without echo, or are generated and printed once. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>
#include "cli.h"
#include "web/serve.h"

static const char user_usage[] =
"usage: attune user add --role admin|supervisor|therapist --name NAME\n"
"                       [--display-name TEXT] [--password-file FILE]\n"
"                       [--site SITE]\n"
"       attune user list\n"
"       attune user set-site --name NAME (--site SITE | --no-site)\n"
"       attune user passwd --name NAME [--password-file FILE]\n"
"       attune user supervise --supervisor NAME --therapist NAME\n"
"       attune user grant --name NAME --client CODE\n"
"\n"
"Accounts of the clinic for the web app (`attune serve`).\n"
"  add        a user; the password is read from FILE (its first line),\n"
"             or typed twice at the terminal (no echo), or, without a\n"
"             terminal, generated and printed once\n"
"  list       users with their roles and sites (never passwords)\n"
"  set-site   the site the user works at (see attune site); --no-site\n"
"             clears it. --site on add does the same in one step\n"
"  passwd     set a new password; signs the user out everywhere\n"
"  supervise  the supervisor may read the therapist's clients\n"
"  grant      another therapist may read this client (shared care)\n"
"Usernames are printable ASCII without spaces; passwords need at least\n"
"10 characters.\n";

#define PW_MIN 10
#define PW_MAX 1024

/* The first line of path (without its newline) into buf. */
static int password_from_file(const char *path, char *buf, size_t n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t len;

	if (!f) {
		cli_err("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (!fgets(buf, (int)n, f)) {
		cli_err("%s: no password in the file", path);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	return 0;
}

/* Read a line from the terminal with echo off. */
static int read_hidden(const char *prompt, char *buf, size_t n)
{
	struct termios old, noecho;
	int ok;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	ok = fgets(buf, (int)n, stdin) != NULL;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* A password from --password-file, the terminal, or generated (*made
 * set). */
static int get_password(const char *file, char *buf, size_t n, int *made)
{
	char again[PW_MAX + 2];

	*made = 0;
	if (file) {
		if (password_from_file(file, buf, n))
			return -1;
	} else if (isatty(STDIN_FILENO)) {
		if (read_hidden("New password: ", buf, n) ||
		    read_hidden("Again: ", again, sizeof(again))) {
			cli_err("no password read");
			return -1;
		}
		if (strcmp(buf, again) != 0) {
			sodium_memzero(again, sizeof(again));
			cli_err("the passwords differ");
			return -1;
		}
		sodium_memzero(again, sizeof(again));
	} else {
		web_password_generate(buf);
		*made = 1;
	}
	if (strlen(buf) < PW_MIN) {
		cli_err("a password needs at least %d characters", PW_MIN);
		return -1;
	}
	if (strlen(buf) >= PW_MAX) {
		cli_err("a password has at most %d characters", PW_MAX - 1);
		return -1;
	}
	return 0;
}

struct found {
	attune_id id;
	attune_role role;
};

static int found_cb(void *ctx, const attune_user_rec *u)
{
	struct found *f = ctx;

	f->id = u->id;
	f->role = u->role;
	return 0;
}

static int find_user(attune_store *st, attune_id clinic, const char *name,
                     struct found *f)
{
	int rc = attune_store_user_find(st, clinic, name, found_cb, f);

	if (rc == ATTUNE_ENOTFOUND)
		cli_err("no user '%s'", name);
	else if (rc)
		cli_err("%s", attune_store_errmsg(st));
	return rc;
}

/* The clinic's sites by id, for the listing. */
struct site_names {
	attune_id id[256];
	char name[256][ATTUNE_ID_MAX + 1];
	size_t n;
};

static int site_cb(void *ctx, const attune_site_rec *r)
{
	struct site_names *sn = ctx;

	if (sn->n < sizeof(sn->id) / sizeof(sn->id[0])) {
		sn->id[sn->n] = r->id;
		snprintf(sn->name[sn->n], sizeof(sn->name[0]), "%s", r->name);
		sn->n++;
	}
	return 0;
}

static int list_cb(void *ctx, const attune_user_rec *u)
{
	static const char *const roles[] = {"admin", "supervisor",
	                                    "therapist"};
	const struct site_names *sn = ctx;
	const char *site = NULL;
	size_t i;

	for (i = 0; u->site_id && i < sn->n; i++)
		if (sn->id[i] == u->site_id)
			site = sn->name[i];
	printf("%-20s %-11s %s%s%s%s%s\n", u->name,
	       (unsigned)u->role < 3 ? roles[u->role] : "?",
	       u->display_name ? u->display_name : "",
	       u->password_hash ? "" : " (cannot sign in)",
	       u->site_id ? " (site: " : "",
	       u->site_id ? (site ? site : "?") : "",
	       u->site_id ? ")" : "");
	return 0;
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
	enum { OPT_ROLE = OPT_FIRST_FREE, OPT_NAME, OPT_DISPLAY, OPT_PWFILE,
	       OPT_SUPERVISOR, OPT_THERAPIST, OPT_CLIENT, OPT_SITE,
	       OPT_NO_SITE };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"role", required_argument, NULL, OPT_ROLE},
		{"name", required_argument, NULL, OPT_NAME},
		{"display-name", required_argument, NULL, OPT_DISPLAY},
		{"password-file", required_argument, NULL, OPT_PWFILE},
		{"supervisor", required_argument, NULL, OPT_SUPERVISOR},
		{"therapist", required_argument, NULL, OPT_THERAPIST},
		{"client", required_argument, NULL, OPT_CLIENT},
		{"site", required_argument, NULL, OPT_SITE},
		{"no-site", no_argument, NULL, OPT_NO_SITE},
		{NULL, 0, NULL, 0}
	};
	const char *verb, *role = NULL, *name = NULL, *display = NULL;
	const char *pwfile = NULL, *sup = NULL, *ther = NULL, *code = NULL;
	const char *site = NULL;
	attune_id site_id = 0, uid = 0;
	int no_site = 0;
	char pw[PW_MAX + 2], hash[WEB_PWHASH_MAX];
	attune_store *st = NULL;
	attune_id clinic;
	attune_user_rec u;
	struct found f1, f2;
	attune_id cid;
	int c, rc, made, exitc = EXIT_INPUT;

	if (argc < 2 || strcmp(argv[1], "--help") == 0)
		return cli_usage(user_usage, argc < 2);
	verb = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(user_usage, 0);
		case OPT_ROLE: role = optarg; break;
		case OPT_NAME: name = optarg; break;
		case OPT_DISPLAY: display = optarg; break;
		case OPT_PWFILE: pwfile = optarg; break;
		case OPT_SUPERVISOR: sup = optarg; break;
		case OPT_THERAPIST: ther = optarg; break;
		case OPT_CLIENT: code = optarg; break;
		case OPT_SITE: site = optarg; break;
		case OPT_NO_SITE: no_site = 1; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(user_usage, 1);
		}
	}
	if (optind != argc)
		return cli_usage(user_usage, 1);
	if (web_crypto_init()) {
		cli_err("libsodium could not be initialised");
		return EXIT_INTERNAL;
	}
	if (strcmp(verb, "add") == 0) {
		if (!role || !name)
			return cli_usage(user_usage, 1);
		memset(&u, 0, sizeof(u));
		if (strcmp(role, "admin") == 0)
			u.role = ATTUNE_ROLE_ADMIN;
		else if (strcmp(role, "supervisor") == 0)
			u.role = ATTUNE_ROLE_SUPERVISOR;
		else if (strcmp(role, "therapist") == 0)
			u.role = ATTUNE_ROLE_THERAPIST;
		else {
			cli_err("--role must be admin, supervisor or therapist");
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "passwd") == 0) {
		if (!name)
			return cli_usage(user_usage, 1);
	} else if (strcmp(verb, "supervise") == 0) {
		if (!sup || !ther)
			return cli_usage(user_usage, 1);
	} else if (strcmp(verb, "grant") == 0) {
		if (!name || !code)
			return cli_usage(user_usage, 1);
	} else if (strcmp(verb, "set-site") == 0) {
		if (!name || !site == !no_site)
			return cli_usage(user_usage, 1);
	} else if (strcmp(verb, "list") != 0) {
		cli_err("unknown verb 'user %s' (see attune user --help)", verb);
		return EXIT_USAGE;
	}
	if ((site || no_site) && strcmp(verb, "add") != 0 &&
	    strcmp(verb, "set-site") != 0)
		return cli_usage(user_usage, 1);
	if (cli_open_store(cli, 0, &st, &clinic))
		return EXIT_INPUT;
	/* The site first: an unknown one changes nothing. */
	if (site && cli_find_site(st, clinic, site, &site_id))
		goto out;
	if (strcmp(verb, "set-site") == 0) {
		if (find_user(st, clinic, name, &f1))
			goto out;
		if ((rc = attune_store_user_set_site(st, f1.id, site_id)))
			goto store_fail;
		if (site)
			printf("%s works at %s\n", name, site);
		else
			printf("%s works at no site\n", name);
		exitc = EXIT_OKAY;
		goto out;
	}
	if (strcmp(verb, "list") == 0) {
		struct site_names *sn = calloc(1, sizeof(*sn));

		rc = sn ? attune_store_site_list(st, clinic, site_cb, sn)
		        : ATTUNE_ENOMEM;
		if (rc == ATTUNE_OK)
			rc = attune_store_user_list(st, clinic, list_cb, sn);
		free(sn);
		if (rc)
			goto store_fail;
		exitc = EXIT_OKAY;
		goto out;
	}
	if (strcmp(verb, "supervise") == 0) {
		if (find_user(st, clinic, sup, &f1) ||
		    find_user(st, clinic, ther, &f2))
			goto out;
		if (f1.role != ATTUNE_ROLE_SUPERVISOR ||
		    f2.role != ATTUNE_ROLE_THERAPIST) {
			cli_err("'%s' must be a supervisor and '%s' a therapist",
			        sup, ther);
			goto out;
		}
		if ((rc = attune_store_supervision_add(st, f1.id, f2.id)))
			goto store_fail;
		printf("%s now supervises %s\n", sup, ther);
		exitc = EXIT_OKAY;
		goto out;
	}
	if (strcmp(verb, "grant") == 0) {
		if (find_user(st, clinic, name, &f1) ||
		    cli_find_client(st, clinic, code, &cid))
			goto out;
		if ((rc = attune_store_grant_add(st, f1.id, cid)))
			goto store_fail;
		printf("%s may now read client %s\n", name, code);
		exitc = EXIT_OKAY;
		goto out;
	}
	if (get_password(pwfile, pw, sizeof(pw), &made))
		goto out;
	rc = web_password_hash(pw, hash);
	if (rc) {
		cli_err("hashing the password: %s", attune_strerror(rc));
		exitc = EXIT_INTERNAL;
		goto out;
	}
	if (strcmp(verb, "add") == 0) {
		u.clinic_id = clinic;
		u.name = name;
		u.display_name = display;
		u.password_hash = hash;
		/* the user and their site in one transaction */
		rc = attune_store_begin(st);
		if (!rc)
			rc = attune_store_user_add(st, &u, &uid);
		if (!rc && site_id)
			rc = attune_store_user_set_site(st, uid, site_id);
		if (!rc)
			rc = attune_store_commit(st);
		else
			attune_store_rollback(st);
	} else {
		if (find_user(st, clinic, name, &f1))
			goto out;
		rc = attune_store_begin(st);
		if (!rc)
			rc = attune_store_user_set_password(st, f1.id, hash);
		if (!rc)
			rc = attune_store_websession_delete_user(st, f1.id,
			                                         NULL);
		if (!rc)
			rc = attune_store_commit(st);
		else
			attune_store_rollback(st);
	}
	if (rc)
		goto store_fail;
	if (strcmp(verb, "add") == 0)
		printf("added %s %s\n", role, name);
	else
		printf("password of %s changed; signed out everywhere\n", name);
	if (made)
		printf("password (shown once): %s\n", pw);
	exitc = EXIT_OKAY;
	goto out;
store_fail:
	cli_err("%s", attune_store_errmsg(st));
	exitc = cli_exit_for(rc);
out:
	sodium_memzero(pw, sizeof(pw));
	attune_store_close(st);
	return exitc;
}

int cli_demo_web_accounts(attune_store *st, attune_id clinic, FILE *out)
{
	static const char *const names[] = {"admin", "sam", "alex", "blair",
	                                    "casey"};
	static const char *const supervised[] = {"alex", "blair"};
	char pw[64], hash[WEB_PWHASH_MAX];
	struct found f, t;
	size_t i;
	int rc;

	if (web_crypto_init())
		return ATTUNE_EINTERNAL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((rc = attune_store_user_find(st, clinic, names[i], found_cb,
		                                 &f)))
			return rc;
		snprintf(pw, sizeof(pw), "%s-demo-pass", names[i]);
		if ((rc = web_password_hash(pw, hash)) ||
		    (rc = attune_store_user_set_password(st, f.id, hash)))
			return rc;
		if (out)
			fprintf(out, "  %-6s password %s\n", names[i], pw);
	}
	if ((rc = attune_store_user_find(st, clinic, "sam", found_cb, &f)))
		return rc;
	for (i = 0; i < sizeof(supervised) / sizeof(supervised[0]); i++) {
		if ((rc = attune_store_user_find(st, clinic, supervised[i],
		                                 found_cb, &t)))
			return rc;
		rc = attune_store_supervision_add(st, f.id, t.id);
		if (rc && rc != ATTUNE_EEXIST)
			return rc;
	}
	return ATTUNE_OK;
}
