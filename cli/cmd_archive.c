/* cmd_archive.c - attune export --all and attune import: a whole
 * practice as one archive file (docs/archive.md), to move it between
 * SQLite and PostgreSQL or to another machine. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "attune/archive.h"
#include "attune/limits.h"

/* ---- export ---- */

static const char export_usage[] =
"usage: attune export --all [--db PATH|URI] [--out FILE]\n"
"\n"
"Write the whole database as an archive (docs/archive.md): clinics,\n"
"users with their password hashes, supervision and grants, clients,\n"
"episodes, sessions, every response with its item values and total,\n"
"check-in links and API tokens (hashes only), clinic settings and the\n"
"audit log, with every id kept, read in one consistent snapshot. Web\n"
"sign-in sessions are not exported. The export itself is audited\n"
"(archive.export). `attune import` loads the archive into a new\n"
"database, SQLite or PostgreSQL.\n"
"\n"
"  --all         everything (the only kind of export so far)\n"
"  --out FILE    write to FILE instead of standard output (a regular\n"
"                file is written as FILE.part and renamed when complete)\n";

static int to_file(void *ctx, const char *p, size_t n)
{
	return fwrite(p, 1, n, (FILE *)ctx) != n;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	enum { OPT_ALL = OPT_FIRST_FREE, OPT_OUT };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"all", no_argument, NULL, OPT_ALL},
		{"out", required_argument, NULL, OPT_OUT},
		{NULL, 0, NULL, 0}
	};
	const char *out = NULL;
	char *part = NULL;
	attune_store *st = NULL;
	FILE *f = stdout;
	struct stat sb;
	size_t n_rows = 0;
	int fd, c, rc, all = 0, exitc = EXIT_OKAY;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(export_usage, 0);
		case OPT_ALL: all = 1; break;
		case OPT_OUT: out = optarg; break;
		default:
			if (cli_common_opt(cli, c, optarg) <= 0)
				return cli_usage(export_usage, 1);
		}
	}
	if (optind != argc || !all)
		return cli_usage(export_usage, 1);
	if (cli_open_store(cli, 0, &st, NULL))
		return EXIT_INPUT;
	/* A device or pipe (/dev/stdout, a FIFO) is written in place;
	 * only a regular file goes through FILE.part. */
	if (out && stat(out, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		f = fopen(out, "wb");
		if (!f) {
			cli_err("%s: %s", out, errno_text());
			exitc = EXIT_INPUT;
			goto done;
		}
	} else if (out) {
		size_t n = strlen(out) + sizeof(".part");

		part = malloc(n);
		if (!part) {
			cli_err("out of memory");
			exitc = EXIT_INTERNAL;
			goto done;
		}
		snprintf(part, n, "%s.part", out);
		/* Client data and password hashes: readable by the owner
		 * only. */
		fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		          0600);
		f = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (!f) {
			if (fd >= 0)
				close(fd);
			cli_err("%s: %s", part, errno_text());
			exitc = EXIT_INPUT;
			goto done;
		}
	}
	rc = attune_archive_export(st, (int64_t)time(NULL), to_file, f,
	                           &n_rows);
	if (rc == ATTUNE_OK && fflush(f) != 0)
		rc = ATTUNE_EIO;
	if (out && fclose(f) != 0 && rc == ATTUNE_OK)
		rc = ATTUNE_EIO;
	if (rc) {
		cli_err("%s: %s", cli_db_shown(cli),
		        rc == ATTUNE_EIO ? "writing the archive failed"
		                         : attune_store_errmsg(st));
		exitc = cli_exit_for(rc);
		if (part)
			unlink(part);
		goto done;
	}
	if (part) {
		if (rename(part, out) != 0) {
			cli_err("%s: %s", out, errno_text());
			unlink(part);
			exitc = EXIT_INTERNAL;
			goto done;
		}
	}
	if (out)
		fprintf(stderr, "attune: exported %zu rows from %s to %s\n",
		        n_rows, cli_db_shown(cli), out);
done:
	free(part);
	attune_store_close(st);
	return exitc;
}

/* ---- import ---- */

static const char import_usage[] =
"usage: attune import [--db PATH|URI] FILE\n"
"\n"
"Load an archive written by `attune export --all` (FILE, or - for\n"
"standard input) into a new, empty database: an SQLite file that does\n"
"not exist yet, or an empty PostgreSQL database (createdb). The archive\n"
"is read as a stream, in bounded memory, and every line is checked as\n"
"it is loaded (format, JSON, references, row counts and checksum), all\n"
"in one transaction: any fault is reported with its line number and\n"
"nothing is written (a new SQLite file is removed again). Into\n"
"PostgreSQL a FILE is checked once before the database is touched, so\n"
"that a bad archive does not even create the schema. The load is\n"
"audited as archive.import. A database that already holds data is\n"
"refused.\n";

/* The archive from a file descriptor, for attune_archive_*_stream. */
static ptrdiff_t from_fd(void *ctx, char *buf, size_t n)
{
	ssize_t got;

	do
		got = read(*(int *)ctx, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{NULL, 0, NULL, 0}
	};
	const char *path;
	attune_store *st = NULL;
	attune_err err;
	struct stat sb;
	size_t n_rows = 0;
	int fd = -1, c, rc, existed = 0, exitc = EXIT_OKAY;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_HELP)
			return cli_usage(import_usage, 0);
		if (cli_common_opt(cli, c, optarg) <= 0)
			return cli_usage(import_usage, 1);
	}
	if (optind + 1 != argc)
		return cli_usage(import_usage, 1);
	path = argv[optind];
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		cli_err("%s: %s", path, errno_text());
		return EXIT_INPUT;
	}
	/* Into PostgreSQL, where even the schema would stay: a file is
	 * checked before the database is opened (SQLite's new file is
	 * simply removed after a failed load). */
	if (attune_store_location_is_server(cli->db) && fd != 0 &&
	    fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if ((rc = attune_archive_check_stream(from_fd, &fd, &err))) {
			cli_err("%s: %s (nothing was written)", path, err.msg);
			exitc = cli_exit_for(rc);
			goto done;
		}
		if (lseek(fd, 0, SEEK_SET) != 0) {
			cli_err("%s: %s", path, errno_text());
			exitc = EXIT_INPUT;
			goto done;
		}
	}
	if ((rc = cli_db_exists(cli, &existed))) {
		exitc = cli_exit_for(rc);
		goto done;
	}
	if (cli_open_store(cli, ATTUNE_STORE_CREATE, &st, NULL)) {
		exitc = EXIT_INPUT;
		goto done;
	}
	rc = attune_archive_import_stream(st, from_fd, &fd, &n_rows, &err);
	attune_store_close(st);
	st = NULL;
	if (rc) {
		cli_err("%s: %s%s", path, err.msg, rc == ATTUNE_EEXIST ? "" :
		        " (nothing was written)");
		exitc = cli_exit_for(rc);
		/* A file made for this import goes again. */
		if (!existed && !attune_store_location_is_server(cli->db))
			unlink(cli->db);
		goto done;
	}
	printf("imported %zu rows from %s into %s\n", n_rows, path,
	       cli_db_shown(cli));
done:
	attune_store_close(st);
	if (fd > 0)
		close(fd);
	return exitc;
}
