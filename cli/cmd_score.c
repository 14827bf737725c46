/* cmd_score.c - `attune score`: batch scoring of a CSV of answers.
 *
 * Without --skip-invalid nothing is printed unless every row is valid
 * (struct out, cli/out.c). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "attune/csv.h"
#include "attune/score.h"


static const char usage_text[] =
"usage: attune score --instrument ID [--format csv|json] [--skip-invalid]\n"
"                    [FILE|-]\n"
"\n"
"Score a CSV of answers without touching any database. The first column\n"
"is `id`; the others are the instrument's item ids (see `attune\n"
"instruments show ID`), in any order; an empty field is a missing answer.\n"
"Items marked unscored may be left out.\n"
"\n"
"Output, one row per input row: id, total, one column per subscale, band,\n"
"prorated (1 when a score was prorated for missing answers), flags (the\n"
"ids of the instrument's flags that fired, ';'-separated, e.g.\n"
"risk-self-harm for PHQ-9 item 9 above 0). A score that cannot be\n"
"computed (too many answers missing) is empty.\n"
"\n"
"  --instrument ID   the instrument (phq9, gad7, core10, wai-sr, ...)\n"
"  --format F        csv (default) or json\n"
"  --json            same as --format json\n"
"  --skip-invalid    print valid rows and report invalid ones on stderr;\n"
"                    without it an invalid value stops everything and\n"
"                    nothing is printed\n"
"\n"
"An invalid value is reported as FILE:LINE: column NAME: what is wrong.\n"
"Exit codes: 0 ok (also when rows were skipped with --skip-invalid),\n"
"1 bad input, 2 usage, 3 internal error. Rules: docs/scoring.md.\n";

static long read_fd(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	ssize_t r;

	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno_is_eintr());
	return (long)r;
}

static void put_score(strbuf *b, const attune_instrument *in,
                      const attune_score *s, const attune_csv_field *id,
                      int json, int first)
{
	const char *band = attune_score_band_label(in, s);
	size_t i;
	int any = 0;

	if (json) {
		char *idz = malloc(id->n + 1);
		if (!idz) {
			b->rc = ATTUNE_ENOMEM;
			return;
		}
		memcpy(idz, id->p, id->n);
		idz[id->n] = '\0';
		sb_puts(b, first ? "  {\"id\": " : ",\n  {\"id\": ");
		sb_json_str(b, idz);
		free(idz);
		sb_puts(b, ", \"total\": ");
		if (attune_is_missing(s->total))
			sb_puts(b, "null");
		else
			sb_num(b, s->total);
		sb_puts(b, ", \"subscales\": {");
		for (i = 0; i < in->n_subscales; i++) {
			if (i)
				sb_puts(b, ", ");
			sb_json_str(b, in->subscales[i].id);
			sb_puts(b, ": ");
			if (attune_is_missing(s->sub[i]))
				sb_puts(b, "null");
			else
				sb_num(b, s->sub[i]);
		}
		sb_puts(b, "}, \"band\": ");
		if (band)
			sb_json_str(b, band);
		else
			sb_puts(b, "null");
		sb_puts(b, s->prorated ? ", \"prorated\": true, \"flags\": ["
		                       : ", \"prorated\": false, \"flags\": [");
		for (i = 0; i < in->n_flags; i++)
			if (s->flags & (1u << i)) {
				if (any++)
					sb_puts(b, ", ");
				sb_json_str(b, in->flags[i].id);
			}
		sb_puts(b, "]}");
		return;
	}
	csv_field(b, id->p, id->n);
	sb_putc(b, ',');
	sb_num(b, s->total);
	for (i = 0; i < in->n_subscales; i++) {
		sb_putc(b, ',');
		sb_num(b, s->sub[i]);
	}
	sb_putc(b, ',');
	if (band)
		sb_puts(b, band);
	sb_puts(b, s->prorated ? ",1," : ",0,");
	for (i = 0; i < in->n_flags; i++)
		if (s->flags & (1u << i)) {
			if (any++)
				sb_putc(b, ';');
			sb_puts(b, in->flags[i].id);
		}
	sb_putc(b, '\n');
}

/* Name a column for a message. */
static const char *colname(const attune_instrument *in, const int *col_item,
                           size_t j)
{
	return j == 0 ? "id" : in->items[col_item[j]].id;
}

int cmd_score(struct cli *cli, int argc, char **argv)
{
	enum { OPT_INSTR = OPT_FIRST_FREE, OPT_FORMAT, OPT_SKIP };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"instrument", required_argument, NULL, OPT_INSTR},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"json", no_argument, NULL, OPT_JSON},
		{"skip-invalid", no_argument, NULL, OPT_SKIP},
		{NULL, 0, NULL, 0}
	};
	const char *id = NULL, *path = "-";
	const attune_instrument *in;
	const attune_csv_field *f;
	attune_csv *csv = NULL;
	attune_err err;
	struct out o;
	int json = 0, skip = 0, c, fd = -1, rc, exitc = EXIT_INTERNAL;
	int col_item[ATTUNE_CSV_FIELDS_MAX];
	int seen[ATTUNE_ITEMS_MAX];
	double values[ATTUNE_ITEMS_MAX];
	size_t n, ncol, j, nrows = 0, nbad = 0, nflag[ATTUNE_FLAGS_MAX];
	attune_score s;

	out_init(&o, 0);
	memset(nflag, 0, sizeof(nflag));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			return cli_usage(usage_text, 0);
		case OPT_INSTR: id = optarg; break;
		case OPT_JSON: json = 1; break;
		case OPT_SKIP: skip = 1; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "csv") == 0)
				json = 0;
			else {
				cli_err("--format must be csv or json");
				return EXIT_USAGE;
			}
			break;
		default:
			rc = cli_common_opt(cli, c, optarg);
			if (rc <= 0)
				return cli_usage(usage_text, 1);
		}
	}
	if (!id) {
		cli_err("score: --instrument is required");
		return cli_usage(usage_text, 1);
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		cli_err("score: one input file at most");
		return cli_usage(usage_text, 1);
	}
	in = cli_instrument(cli, id);
	if (!in)
		return EXIT_INPUT;
	if (strcmp(path, "-") == 0) {
		fd = 0;
	} else {
		fd = open_readonly(path);
		if (fd < 0) {
			cli_err("%s: cannot open: %s", path, errno_text());
			return EXIT_INPUT;
		}
	}
	o.stream = skip;  /* --skip-invalid: rows go out as they come */
	rc = attune_csv_open(read_fd, &fd, strcmp(path, "-") ? path : "-",
	                     &csv);
	if (rc) {
		cli_err("out of memory");
		goto out;
	}

	/* Header: id, then item ids. */
	rc = attune_csv_next(csv, &f, &ncol, &err);
	if (rc) {
		cli_err("%s", err.msg);
		exitc = cli_exit_for(rc);
		goto out;
	}
	if (ncol == 0) {
		cli_err("%s: empty input: expected a header line starting with "
		        "`id`", path);
		exitc = EXIT_INPUT;
		goto out;
	}
	if (f[0].n != 2 || memcmp(f[0].p, "id", 2) != 0) {
		cli_err("%s:%zu: the first column must be `id`", path,
		        attune_csv_line(csv));
		exitc = EXIT_INPUT;
		goto out;
	}
	memset(seen, 0, sizeof(seen));
	for (j = 1; j < ncol; j++) {
		char name[ATTUNE_ID_MAX + 1];
		int ix;
		if (f[j].n == 0 || f[j].n > ATTUNE_ID_MAX) {
			cli_err("%s:%zu: column %zu: header '%.*s' is not an item "
			        "id of %s", path, attune_csv_line(csv), j + 1,
			        (int)(f[j].n > 64 ? 64 : f[j].n), f[j].p, in->id);
			exitc = EXIT_INPUT;
			goto out;
		}
		memcpy(name, f[j].p, f[j].n);
		name[f[j].n] = '\0';
		ix = attune_instrument_item_index(in, name);
		if (ix < 0) {
			cli_err("%s:%zu: column %zu: '%s' is not an item id of %s "
			        "(see attune instruments show %s)", path,
			        attune_csv_line(csv), j + 1, name, in->id, in->id);
			exitc = EXIT_INPUT;
			goto out;
		}
		if (seen[ix]++) {
			cli_err("%s:%zu: column %zu: item '%s' appears twice",
			        path, attune_csv_line(csv), j + 1, name);
			exitc = EXIT_INPUT;
			goto out;
		}
		col_item[j] = ix;
	}
	for (j = 0; j < in->n_items; j++)
		if (!seen[j] && in->items[j].scored) {
			cli_err("%s:%zu: no column for item '%s' of %s", path,
			        attune_csv_line(csv), in->items[j].id, in->id);
			exitc = EXIT_INPUT;
			goto out;
		}

	/* Output header. */
	if (json) {
		sb_puts(&o.b, "[\n");
	} else {
		sb_puts(&o.b, "id,total");
		for (j = 0; j < in->n_subscales; j++) {
			sb_putc(&o.b, ',');
			sb_puts(&o.b, in->subscales[j].id);
		}
		sb_puts(&o.b, ",band,prorated,flags\n");
	}

	for (;;) {
		const char *why = NULL;
		size_t bad_col = 0;

		rc = attune_csv_next(csv, &f, &n, &err);
		if (rc) {
			cli_err("%s", err.msg);
			exitc = cli_exit_for(rc);
			goto out;
		}
		if (n == 0)
			break;
		if (n != ncol) {
			char what[96];
			snprintf(what, sizeof(what), "has %zu fields, the header "
			         "has %zu", n, ncol);
			if (!skip) {
				cli_err("%s:%zu: %s", path, attune_csv_line(csv),
				        what);
				exitc = EXIT_INPUT;
				goto out;
			}
			cli_err("%s:%zu: %s; row skipped", path,
			        attune_csv_line(csv), what);
			nbad++;
			continue;
		}
		for (j = 0; j < in->n_items; j++)
			values[j] = attune_missing();
		for (j = 1; j < ncol; j++) {
			double v;
			if (f[j].n == 0)
				continue;
			if (parse_num(f[j].p, f[j].n, &v) != 0) {
				why = "is not a number";
				bad_col = j;
				break;
			}
			if (!attune_item_value_ok(&in->items[col_item[j]], v)) {
				why = "is not an allowed answer";
				bad_col = j;
				break;
			}
			values[col_item[j]] = v;
		}
		if (why) {
			const attune_item *it = &in->items[col_item[bad_col]];
			char lo[40], hi[40];
			fmt_num(lo, it->min);
			fmt_num(hi, it->max);
			cli_err("%s:%zu: column %s: '%.*s' %s (allowed: %s..%s%s)"
			        "%s", path, attune_csv_line(csv),
			        colname(in, col_item, bad_col),
			        (int)(f[bad_col].n > 40 ? 40 : f[bad_col].n),
			        f[bad_col].p, why, lo, hi,
			        it->is_range ? "" : ", listed values only",
			        skip ? "; row skipped" : "");
			if (!skip) {
				exitc = EXIT_INPUT;
				goto out;
			}
			nbad++;
			continue;
		}
		attune_score_compute(in, values, &s);
		for (j = 0; j < in->n_flags; j++)
			nflag[j] += (s.flags >> j) & 1u;
		put_score(&o.b, in, &s, &f[0], json, nrows == 0);
		nrows++;
		if (out_flush(&o, 0)) {
			cli_err("writing output: %s", attune_strerror(o.rc));
			goto out;
		}
	}
	if (json)
		sb_puts(&o.b, nrows ? "\n]\n" : "]\n");
	if (out_finish(&o)) {
		cli_err("writing output: %s", attune_strerror(o.rc));
		goto out;
	}
	for (j = 0; j < in->n_flags; j++)
		if (nflag[j])
			cli_err("note: %zu row%s raised flag %s: %s", nflag[j],
			        nflag[j] == 1 ? "" : "s", in->flags[j].id,
			        in->flags[j].label);
	if (nbad)
		cli_err("%zu invalid row%s skipped", nbad, nbad == 1 ? "" : "s");
	exitc = EXIT_OKAY;
out:
	attune_csv_close(csv);
	if (fd > 0)
		close(fd);
	out_free(&o);
	return exitc;
}
