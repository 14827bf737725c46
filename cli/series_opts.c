/* series_opts.c - shared input options of the researcher verbs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "series_opts.h"

void series_opts_init(struct series_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->spec.id_col = "id";
	o->spec.first_session = 1;
	o->spec.vars = o->vars;
	o->respondent = -1;
}

void series_opts_free(struct series_opts *o)
{
	free(o->vars_buf);
	o->vars_buf = NULL;
}

int series_opt(struct series_opts *o, int c, const char *arg)
{
	char *p, *comma;
	int64_t v;

	switch (c) {
	case OPT_S_ID:
		o->spec.id_col = arg;
		return 1;
	case OPT_S_VARS:
		free(o->vars_buf);
		o->vars_buf = strdup(arg);
		if (!o->vars_buf) {
			cli_err("out of memory");
			return -1;
		}
		o->spec.n_vars = 0;
		for (p = o->vars_buf; p; p = comma ? comma + 1 : NULL) {
			comma = strchr(p, ',');
			if (comma)
				*comma = '\0';
			if (!*p) {
				cli_err("--vars: an empty column name");
				return -1;
			}
			if (o->spec.n_vars == sizeof(o->vars) / sizeof(o->vars[0])) {
				cli_err("--vars: at most 64 names or ranges "
				        "(use A:B for a range)");
				return -1;
			}
			o->vars[o->spec.n_vars++] = p;
		}
		return 1;
	case OPT_S_LONG:
		o->spec.long_form = 1;
		return 1;
	case OPT_S_SESSION_COL:
		o->spec.session_col = arg;
		return 1;
	case OPT_S_SCORE_COL:
		o->spec.score_col = arg;
		return 1;
	case OPT_S_INSTRUMENT:
		o->instrument = arg;
		return 1;
	case OPT_S_SCALE:
		o->scale = arg;
		return 1;
	case OPT_S_CLIENT:
		o->client = arg;
		return 1;
	case OPT_S_RESPONDENT:
		if (strcmp(arg, "client") == 0)
			o->respondent = ATTUNE_RESPONDENT_CLIENT;
		else if (strcmp(arg, "therapist") == 0)
			o->respondent = ATTUNE_RESPONDENT_THERAPIST;
		else {
			cli_err("--respondent must be client or therapist");
			return -1;
		}
		return 1;
	case OPT_S_FIRST:
		if (parse_i64(arg, strlen(arg), &v) || v > 1000) {
			cli_err("--first-session must be a whole number 0..1000");
			return -1;
		}
		o->spec.first_session = (int)v;
		return 1;
	}
	return 0;
}

int series_opts_check(const struct series_opts *o)
{
	if (o->instrument) {
		if (o->spec.long_form || o->spec.n_vars) {
			cli_err("--instrument reads the database; --vars and "
			        "--long describe a file: give one or the other");
			return EXIT_USAGE;
		}
		return EXIT_OKAY;
	}
	if ((o->scale || o->client || o->respondent >= 0)) {
		cli_err("--scale, --client and --respondent need --instrument "
		        "(they select scores in the database)");
		return EXIT_USAGE;
	}
	if (o->spec.long_form && o->spec.n_vars) {
		cli_err("give either --vars (wide form) or --long, not both");
		return EXIT_USAGE;
	}
	if (!o->spec.long_form && !o->spec.n_vars) {
		cli_err("say where the scores are: --vars A,B,... (wide form) "
		        "or --long");
		return EXIT_USAGE;
	}
	return EXIT_OKAY;
}

static long read_fd(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	ssize_t r;

	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno == EINTR);
	return (long)r;
}

int series_run(const struct series_opts *o, const char *path,
               attune_series_cb cb, void *ctx)
{
	attune_csv *csv = NULL;
	attune_err err;
	int fd = 0, rc;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cli_err("%s: cannot open: %s", path, strerror(errno));
			return EXIT_INPUT;
		}
	}
	rc = attune_csv_open(read_fd, &fd, path, &csv);
	if (rc == ATTUNE_OK) {
		err.msg[0] = '\0';
		rc = attune_series_read(csv, &o->spec, cb, ctx, &err);
		if (rc && err.msg[0])
			cli_err("%s", err.msg);
	} else {
		cli_err("out of memory");
	}
	attune_csv_close(csv);
	if (fd > 0)
		close(fd);
	return rc == ATTUNE_OK ? EXIT_OKAY : rc < 0 ? EXIT_INTERNAL :
	       cli_exit_for(rc);
}
