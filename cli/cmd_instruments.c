/* cmd_instruments.c - `attune instruments list|show ID|export ID --fhir`. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char usage_text[] =
"usage: attune instruments list [--json]\n"
"       attune instruments show ID [--json]\n"
"       attune instruments export ID --fhir\n"
"\n"
"list    every instrument attune knows: built in, from --instruments DIR\n"
"show    items, answers, subscales, bands, flags, norms and sources\n"
"export  the FHIR R4 Questionnaire resource (JSON) for the instrument\n"
"\n"
"Licensed instruments (WAI-SR, SAI, ORS, SRS, CORE-10) ship without their\n"
"wording; a clinic holding the licence loads it with --wording FILE or\n"
"$ATTUNE_WORDING_DIR (see docs/instruments.md).\n";

static const char *resp_name(attune_respondent r)
{
	return r == ATTUNE_RESPONDENT_THERAPIST ? "therapist" : "client";
}

static void num_or_null(strbuf *b, double v)
{
	if (isnan(v))
		sb_puts(b, "null");
	else
		sb_num(b, v);
}

static void show_json(strbuf *b, const attune_instrument *in)
{
	size_t i, k;

	sb_puts(b, "{\"id\": ");
	sb_json_str(b, in->id);
	sb_puts(b, ", \"title\": ");
	sb_json_str(b, in->title);
	sb_puts(b, ", \"short_title\": ");
	sb_json_str(b, in->short_title);
	sb_puts(b, ", \"version\": ");
	sb_json_str(b, in->version);
	sb_puts(b, ", \"kind\": ");
	sb_json_str(b, in->kind);
	sb_puts(b, in->validated ? ", \"validated\": true" :
	                           ", \"validated\": false");
	sb_puts(b, ", \"respondent\": ");
	sb_json_str(b, resp_name(in->respondent));
	sb_puts(b, ", \"direction\": ");
	sb_json_str(b, in->direction == ATTUNE_HIGHER_IS_BETTER ?
	            "higher_is_better" : "lower_is_better");
	sb_puts(b, ", \"wording\": ");
	sb_json_str(b, in->wording_licensed ? "licensed" : "included");
	sb_puts(b, ", \"licence\": ");
	sb_json_str(b, in->licence);
	sb_puts(b, ", \"citation\": ");
	sb_json_str(b, in->citation);
	sb_puts(b, ", \"items\": [");
	for (i = 0; i < in->n_items; i++) {
		const attune_item *it = &in->items[i];
		sb_puts(b, i ? ", {\"id\": " : "{\"id\": ");
		sb_json_str(b, it->id);
		sb_puts(b, ", \"text\": ");
		if (it->text)
			sb_json_str(b, it->text);
		else
			sb_puts(b, "null");
		sb_puts(b, it->reverse ? ", \"reverse\": true" :
		                         ", \"reverse\": false");
		sb_puts(b, it->scored ? ", \"scored\": true" :
		                        ", \"scored\": false");
		sb_puts(b, ", \"min\": ");
		sb_num(b, it->min);
		sb_puts(b, ", \"max\": ");
		sb_num(b, it->max);
		if (it->is_range) {
			sb_puts(b, ", \"step\": ");
			sb_num(b, it->step);
		} else {
			sb_puts(b, ", \"options\": [");
			for (k = 0; k < it->n_options; k++) {
				sb_puts(b, k ? ", {\"value\": " : "{\"value\": ");
				sb_num(b, it->options[k].value);
				sb_puts(b, ", \"label\": ");
				sb_json_str(b, it->options[k].label);
				sb_putc(b, '}');
			}
			sb_putc(b, ']');
		}
		sb_putc(b, '}');
	}
	sb_puts(b, "], \"subscales\": [");
	for (i = 0; i < in->n_subscales; i++) {
		const attune_scale *sc = &in->subscales[i];
		sb_puts(b, i ? ", {\"id\": " : "{\"id\": ");
		sb_json_str(b, sc->id);
		sb_puts(b, ", \"items\": [");
		for (k = 0; k < sc->n_items; k++) {
			if (k)
				sb_puts(b, ", ");
			sb_json_str(b, in->items[sc->items[k]].id);
		}
		sb_puts(b, "]}");
	}
	sb_puts(b, "], \"bands\": [");
	for (i = 0; i < in->n_bands; i++) {
		sb_puts(b, i ? ", {\"min\": " : "{\"min\": ");
		sb_num(b, in->bands[i].min);
		sb_puts(b, ", \"max\": ");
		sb_num(b, in->bands[i].max);
		sb_puts(b, ", \"label\": ");
		sb_json_str(b, in->bands[i].label);
		sb_putc(b, '}');
	}
	sb_puts(b, "], \"flags\": [");
	for (i = 0; i < in->n_flags; i++) {
		sb_puts(b, i ? ", {\"id\": " : "{\"id\": ");
		sb_json_str(b, in->flags[i].id);
		sb_puts(b, ", \"label\": ");
		sb_json_str(b, in->flags[i].label);
		sb_putc(b, '}');
	}
	sb_puts(b, "], \"norms\": {\"reliability\": ");
	num_or_null(b, in->norms.reliability);
	sb_puts(b, ", \"cutoff\": ");
	num_or_null(b, in->norms.cutoff);
	sb_puts(b, ", \"reliable_change\": ");
	num_or_null(b, in->norms.reliable_change);
	sb_puts(b, "}}\n");
}

static void show_text(strbuf *b, const attune_instrument *in)
{
	size_t i, k;
	char lo[40], hi[40];

	sb_printf(b, "%s (%s), version %s\n", in->title, in->id, in->version);
	sb_printf(b, "  kind: %s%s; answered by the %s; %s is better\n",
	          in->kind, in->validated ? "" : " (reflective, not validated)",
	          resp_name(in->respondent),
	          in->direction == ATTUNE_HIGHER_IS_BETTER ? "higher" :
	          "lower");
	sb_printf(b, "  licence: %s\n", in->licence);
	sb_printf(b, "  source: %s\n", in->citation);
	fmt_num(lo, in->total.min);
	fmt_num(hi, in->total.max);
	sb_printf(b, "  total: %s of %zu items, %s..%s; prorated with up to "
	          "%u missing\n",
	          in->total.method == ATTUNE_METHOD_SUM ? "sum" : "mean",
	          in->total.n_items, lo, hi, in->total.max_missing);
	if (in->preamble)
		sb_printf(b, "\n  %s\n", in->preamble);
	sb_puts(b, "\nItems:\n");
	for (i = 0; i < in->n_items; i++) {
		const attune_item *it = &in->items[i];
		fmt_num(lo, it->min);
		fmt_num(hi, it->max);
		sb_printf(b, "  %-12s %s..%s%s%s  %s\n", it->id, lo, hi,
		          it->reverse ? " reversed" : "",
		          it->scored ? "" : " (not scored)",
		          it->text ? it->text : "[wording licensed - load "
		          "locally]");
	}
	if (in->n_items && !in->items[0].is_range) {
		const attune_item *it = &in->items[0];
		sb_puts(b, "\nAnswers:");
		for (k = 0; k < it->n_options; k++) {
			fmt_num(lo, it->options[k].value);
			sb_printf(b, " %s=%s%s", lo, it->options[k].label,
			          k + 1 < it->n_options ? ";" : "");
		}
		sb_putc(b, '\n');
	}
	if (in->n_subscales) {
		sb_puts(b, "\nSubscales:\n");
		for (i = 0; i < in->n_subscales; i++) {
			const attune_scale *sc = &in->subscales[i];
			sb_printf(b, "  %-10s %-20s", sc->id, sc->title);
			for (k = 0; k < sc->n_items; k++)
				sb_printf(b, " %s", in->items[sc->items[k]].id);
			sb_putc(b, '\n');
		}
	}
	if (in->n_bands) {
		sb_puts(b, "\nBands:\n");
		for (i = 0; i < in->n_bands; i++) {
			fmt_num(lo, in->bands[i].min);
			fmt_num(hi, in->bands[i].max);
			sb_printf(b, "  %5s-%-5s %s\n", lo, hi,
			          in->bands[i].label);
		}
	}
	if (in->n_flags) {
		sb_puts(b, "\nFlags:\n");
		for (i = 0; i < in->n_flags; i++)
			sb_printf(b, "  %s: %s\n", in->flags[i].id,
			          in->flags[i].label);
	}
	if (!isnan(in->norms.cutoff) || !isnan(in->norms.reliable_change)) {
		sb_puts(b, "\nNorms:");
		if (!isnan(in->norms.cutoff)) {
			fmt_num(lo, in->norms.cutoff);
			sb_printf(b, " clinical cut-off %s;", lo);
		}
		if (!isnan(in->norms.reliable_change)) {
			fmt_num(lo, in->norms.reliable_change);
			sb_printf(b, " reliable change %s points;", lo);
		}
		if (in->norms.source)
			sb_printf(b, " (%s)", in->norms.source);
		sb_putc(b, '\n');
	}
}

int cmd_instruments(struct cli *cli, int argc, char **argv)
{
	enum { OPT_FHIR = OPT_FIRST_FREE };
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"fhir", no_argument, NULL, OPT_FHIR},
		{NULL, 0, NULL, 0}
	};
	const attune_instrument *in;
	attune_catalog *cat;
	const char *verb;
	int c, json = 0, fhir = 0, rc;
	size_t i;
	strbuf b;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: return cli_usage(usage_text, 0);
		case OPT_JSON: json = 1; break;
		case OPT_FHIR: fhir = 1; break;
		default:
			rc = cli_common_opt(cli, c, optarg);
			if (rc <= 0)
				return cli_usage(usage_text, 1);
		}
	}
	if (optind >= argc)
		return cli_usage(usage_text, 1);
	verb = argv[optind++];
	if (cli_catalog(cli, &cat))
		return EXIT_INPUT;
	sb_init(&b, (size_t)64 << 20);
	if (strcmp(verb, "list") == 0) {
		if (optind != argc) {
			sb_free(&b);
			return cli_usage(usage_text, 1);
		}
		if (json)
			sb_puts(&b, "[");
		else
			sb_printf(&b, "%-18s %-10s %5s  %-9s %-10s %s\n", "ID",
			          "KIND", "ITEMS", "ANSWERS", "WORDING", "TITLE");
		for (i = 0; i < attune_catalog_count(cat); i++) {
			in = attune_catalog_at(cat, i);
			if (json) {
				sb_puts(&b, i ? ",\n {\"id\": " : "\n {\"id\": ");
				sb_json_str(&b, in->id);
				sb_puts(&b, ", \"title\": ");
				sb_json_str(&b, in->title);
				sb_puts(&b, ", \"kind\": ");
				sb_json_str(&b, in->kind);
				sb_printf(&b, ", \"items\": %zu", in->n_items);
				sb_puts(&b, ", \"respondent\": ");
				sb_json_str(&b, resp_name(in->respondent));
				sb_puts(&b, ", \"wording\": ");
				sb_json_str(&b, in->wording_licensed && !in->items[0].text
				            ? "licensed" : "included");
				sb_putc(&b, '}');
			} else {
				sb_printf(&b, "%-18s %-10s %5zu  %-9s %-10s %s%s\n",
				          in->id, in->kind, in->n_items,
				          resp_name(in->respondent),
				          in->wording_licensed && !in->items[0].text
				          ? "licensed" : "included", in->title,
				          in->validated ? "" : " [reflective]");
			}
		}
		if (json)
			sb_puts(&b, "\n]\n");
	} else if (strcmp(verb, "show") == 0 || strcmp(verb, "export") == 0) {
		if (optind + 1 != argc) {
			sb_free(&b);
			return cli_usage(usage_text, 1);
		}
		in = cli_instrument(cli, argv[optind]);
		if (!in) {
			sb_free(&b);
			return EXIT_INPUT;
		}
		if (verb[0] == 'e') {
			attune_err err;
			char *s;
			if (!fhir) {
				cli_err("instruments export: say which format: "
				        "--fhir");
				sb_free(&b);
				return EXIT_USAGE;
			}
			rc = attune_instrument_to_fhir(in, &s, &err);
			if (rc) {
				cli_err("%s", err.msg);
				sb_free(&b);
				return cli_exit_for(rc);
			}
			sb_puts(&b, s);
			sb_putc(&b, '\n');
			free(s);
		} else if (json) {
			show_json(&b, in);
		} else {
			show_text(&b, in);
		}
	} else {
		cli_err("instruments: unknown verb '%s'", verb);
		sb_free(&b);
		return cli_usage(usage_text, 1);
	}
	if (b.rc) {
		cli_err("out of memory");
		sb_free(&b);
		return EXIT_INTERNAL;
	}
	fwrite(b.s, 1, b.len, stdout);
	sb_free(&b);
	return EXIT_OKAY;
}
