/* common.c - helpers shared by the subcommands: messages, exit codes,
 * reading files, loading instruments and opening the database. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "attune/score.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("attune: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage(const char *text, int to_stderr)
{
	fputs(text, to_stderr ? stderr : stdout);
	return to_stderr ? EXIT_USAGE : EXIT_OKAY;
}

int cli_common_opt(struct cli *cli, int c, const char *arg)
{
	switch (c) {
	case OPT_DB:
		if (!arg || !*arg) {
			cli_err("--db needs a path or a postgresql:// URI");
			return -1;
		}
		cli->db = arg;
		return 1;
	case OPT_INSTRUMENTS:
		cli->instruments_dir = arg;
		return 1;
	case OPT_WORDING:
		if (cli->n_wording == sizeof(cli->wording) /
		                      sizeof(cli->wording[0])) {
			cli_err("at most 16 --wording files");
			return -1;
		}
		cli->wording[cli->n_wording++] = arg;
		return 1;
	}
	return 0;
}

int cli_exit_for(int rc)
{
	switch (rc) {
	case ATTUNE_OK: return EXIT_OKAY;
	case ATTUNE_EINVAL: case ATTUNE_ENOTFOUND: case ATTUNE_ELIMIT:
	case ATTUNE_EEXIST: case ATTUNE_EVERSION:
		return EXIT_INPUT;
	}
	return EXIT_INTERNAL;
}

int cli_read_file(const char *path, size_t max, char **buf, size_t *len,
                  attune_err *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *b = NULL, *nb;
	size_t n = 0, cap = 0, got;
	int rc = ATTUNE_OK;

	*buf = NULL;
	*len = 0;
	if (!f)
		return attune_err_set(err, ATTUNE_EINVAL, "%s: cannot open: %s",
		                      path, strerror(errno));
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(b, cap + 1);
			if (!nb) {
				rc = attune_err_set(err, ATTUNE_ENOMEM,
				                    "%s: out of memory", path);
				goto out;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			rc = attune_err_set(err, ATTUNE_ELIMIT, "%s: larger than "
			                    "the limit of %zu bytes", path, max);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = attune_err_set(err, ATTUNE_EIO, "%s: read error", path);
		goto out;
	}
	if (!b) {
		b = malloc(1);
		if (!b) {
			rc = ATTUNE_ENOMEM;
			goto out;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int has_json_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Every *.json in dir, sorted so errors are reproducible; fn per path. */
static int for_json_in(const char *dir, int (*fn)(struct cli *, const char *),
                       struct cli *cli)
{
	struct dirent **list = NULL;
	int n, i, rc = ATTUNE_OK;

	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		cli_err("%s: cannot read directory: %s", dir, strerror(errno));
		return ATTUNE_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (rc == ATTUNE_OK && has_json_suffix(list[i]->d_name)) {
			strbuf p;
			sb_init(&p, 4096);
			sb_puts(&p, dir);
			sb_putc(&p, '/');
			sb_puts(&p, list[i]->d_name);
			rc = p.rc ? p.rc : fn(cli, p.s);
			sb_free(&p);
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

static int load_definition(struct cli *cli, const char *path)
{
	attune_err err;
	char *buf;
	size_t len;
	int rc;

	rc = cli_read_file(path, ATTUNE_INSTRUMENT_FILE_MAX, &buf, &len, &err);
	if (rc == ATTUNE_OK)
		rc = attune_catalog_add_json(cli->cat, buf, len, path, &err);
	if (rc)
		cli_err("%s", err.msg);
	free(buf);
	return rc;
}

static int load_wording(struct cli *cli, const char *path)
{
	attune_err err;
	char *buf;
	size_t len;
	int rc;

	rc = cli_read_file(path, ATTUNE_INSTRUMENT_FILE_MAX, &buf, &len, &err);
	if (rc == ATTUNE_OK)
		rc = attune_catalog_load_wording(cli->cat, buf, len, path, &err);
	if (rc)
		cli_err("%s", err.msg);
	free(buf);
	return rc;
}

int cli_catalog(struct cli *cli, attune_catalog **out)
{
	attune_err err;
	const char *wdir;
	size_t i;
	int rc;

	if (cli->cat) {
		*out = cli->cat;
		return ATTUNE_OK;
	}
	cli->cat = attune_catalog_new();
	if (!cli->cat) {
		cli_err("out of memory");
		return ATTUNE_ENOMEM;
	}
	rc = attune_catalog_add_builtin(cli->cat, &err);
	if (rc) {
		cli_err("built-in instruments: %s", err.msg);
		return rc;
	}
	if (cli->instruments_dir) {
		rc = for_json_in(cli->instruments_dir, load_definition, cli);
		if (rc)
			return rc;
	}
	wdir = getenv("ATTUNE_WORDING_DIR");
	if (wdir && *wdir) {
		rc = for_json_in(wdir, load_wording, cli);
		if (rc)
			return rc;
	}
	for (i = 0; i < cli->n_wording; i++) {
		rc = load_wording(cli, cli->wording[i]);
		if (rc)
			return rc;
	}
	*out = cli->cat;
	return ATTUNE_OK;
}

const attune_instrument *cli_instrument(struct cli *cli, const char *id)
{
	attune_catalog *cat;
	const attune_instrument *in;
	strbuf b;
	size_t i;

	if (cli_catalog(cli, &cat))
		return NULL;
	in = attune_catalog_find(cat, id);
	if (in)
		return in;
	sb_init(&b, 4096);
	for (i = 0; i < attune_catalog_count(cat); i++) {
		if (i)
			sb_puts(&b, ", ");
		sb_puts(&b, attune_catalog_at(cat, i)->id);
	}
	cli_err("no instrument '%s' (known: %s)", id, b.s ? b.s : "");
	sb_free(&b);
	return NULL;
}

static int first_clinic(void *ctx, const attune_clinic_rec *r)
{
	*(attune_id *)ctx = r->id;
	return 1;  /* stop at the first */
}

const char *cli_db_shown(const struct cli *cli)
{
	static char shown[512];

	return attune_store_location_safe(cli->db, shown, sizeof(shown));
}

int cli_db_exists(struct cli *cli, int *exists)
{
	attune_store *st;
	attune_err err;
	int rc;

	if (!attune_store_location_is_server(cli->db)) {
		*exists = access(cli->db, F_OK) == 0;
		return 0;
	}
	rc = attune_store_open(cli->db, 0, &st, &err);
	*exists = rc != ATTUNE_ENOTFOUND;
	if (rc == ATTUNE_OK || rc == ATTUNE_ENOTFOUND) {
		attune_store_close(st);
		return 0;
	}
	cli_err("%s", err.msg);
	return rc;
}

int cli_open_store(struct cli *cli, int flags, attune_store **st,
                   attune_id *clinic_id)
{
	attune_err err;
	const char *user = getenv("USER");
	char actor[96];
	struct passwd *pw;
	int rc;

	*st = NULL;
	rc = attune_store_open(cli->db, flags, st, &err);
	if (rc) {
		if (rc == ATTUNE_ENOTFOUND)
			cli_err("%s: no database here (create one with `attune "
			        "init --db %s`)", cli_db_shown(cli),
			        cli_db_shown(cli));
		else
			cli_err("%s", err.msg);
		return rc;
	}
	if (!user || !*user) {
		pw = getpwuid(getuid());
		user = pw ? pw->pw_name : "unknown";
	}
	snprintf(actor, sizeof(actor), "cli:%.80s", user);
	rc = attune_store_set_actor(*st, 0, actor, "cli");
	if (rc == ATTUNE_OK && clinic_id) {
		*clinic_id = 0;
		rc = attune_store_clinic_list(*st, first_clinic, clinic_id);
		if (rc == 1)
			rc = ATTUNE_OK;
		if (rc == ATTUNE_OK && *clinic_id == 0) {
			cli_err("%s: the database has no clinic",
			        cli_db_shown(cli));
			rc = ATTUNE_EINVAL;
		}
	}
	if (rc) {
		if (rc != ATTUNE_EINVAL)
			cli_err("%s: %s", cli_db_shown(cli),
			        attune_store_errmsg(*st));
		attune_store_close(*st);
		*st = NULL;
	}
	return rc;
}

int cli_parse_items(const attune_instrument *in, const char *list,
                    double *values)
{
	const char *p = list, *e;
	size_t i = 0, k, n;

	for (k = 0; k < in->n_items; k++)
		values[k] = attune_missing();
	for (;;) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		if (i >= in->n_items) {
			cli_err("--items: %s has %zu items, but more values were "
			        "given", in->id, in->n_items);
			return ATTUNE_EINVAL;
		}
		if (n > 0) {
			double v;
			if (parse_num(p, n, &v) != 0) {
				cli_err("--items: value %zu (item %s) '%.*s' is not a "
				        "number", i + 1, in->items[i].id,
				        (int)(n > 40 ? 40 : n), p);
				return ATTUNE_EINVAL;
			}
			if (!attune_item_value_ok(&in->items[i], v)) {
				char lo[40], hi[40];
				fmt_num(lo, in->items[i].min);
				fmt_num(hi, in->items[i].max);
				cli_err("--items: value %zu (item %s) '%.*s' is not "
				        "an allowed answer (%s..%s)", i + 1,
				        in->items[i].id, (int)(n > 40 ? 40 : n), p,
				        lo, hi);
				return ATTUNE_EINVAL;
			}
			values[i] = v;
		}
		i++;
		if (!e)
			break;
		p = e + 1;
	}
	if (i < in->n_items) {
		size_t scored_missing = 0;
		for (k = i; k < in->n_items; k++)
			scored_missing += in->items[k].scored;
		if (scored_missing) {
			cli_err("--items: %s has %zu items but %zu values were "
			        "given (leave a value empty for a missing "
			        "answer: 1,,3)", in->id, in->n_items, i);
			return ATTUNE_EINVAL;
		}
	}
	return ATTUNE_OK;
}

void csv_field(strbuf *b, const char *s, size_t n)
{
	size_t i;
	int q = 0;

	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') {
			q = 1;
			break;
		}
	if (!q) {
		sb_append(b, s, n);
		return;
	}
	sb_putc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			sb_putc(b, '"');
		sb_putc(b, s[i]);
	}
	sb_putc(b, '"');
}

void cli_today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int open_readonly(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

const char *errno_text(void)
{
	return strerror(errno);
}

int errno_is_eintr(void)
{
	return errno == EINTR;
}
