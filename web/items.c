/* items.c - a questionnaire as form fields and back: radio buttons for
 * an item's response options (a number field for a visual-analogue
 * item), and the answers read from a posted form and checked by the
 * instrument's own rules (attune_score_validate) before anything is
 * written. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "attune/score.h"
#include "web/items.h"

int items_have_wording(const attune_instrument *in)
{
	size_t i;

	for (i = 0; i < in->n_items; i++)
		if (!in->items[i].text)
			return 0;
	return 1;
}

void items_form(strbuf *b, const attune_instrument *in, const char *zPrefix,
                const double *prefill)
{
	size_t i, k;
	char name[WEB_FIELD_NAME_MAX + 1];

	html_raw_trusted(b, "<fieldset><legend>");
	html_text(b, in->title);
	html_raw_trusted(b, "</legend>");
	if (!in->validated)
		html_raw_trusted(b, "<p class=\"muted\">A reflective check-in "
		                 "(not a validated measure).</p>");
	if (in->preamble) {
		html_raw_trusted(b, "<p class=\"preamble\">");
		html_text(b, in->preamble);
		html_raw_trusted(b, "</p>");
	}
	for (i = 0; i < in->n_items; i++) {
		const attune_item *it = &in->items[i];
		double pre = prefill ? prefill[i] : NAN;

		snprintf(name, sizeof(name), "%s%zu", zPrefix, i + 1);
		html_raw_trusted(b, "<div class=\"item\" role=\"group\" "
		                 "aria-labelledby=\"");
		html_attr(b, name);
		html_raw_trusted(b, "-q\"><div class=\"item-text\" id=\"");
		html_attr(b, name);
		html_raw_trusted(b, "-q\">");
		sb_printf(b, "%zu. ", i + 1);
		html_text(b, it->text ? it->text : "(wording on the paper "
		          "form)");
		html_raw_trusted(b, "</div>");
		if (it->is_range) {
			html_raw_trusted(b, "<label for=\"");
			html_attr(b, name);
			html_raw_trusted(b, "\">");
			html_text(b, it->min_label ? it->min_label : "");
			html_raw_trusted(b, " ");
			html_num(b, it->min);
			html_raw_trusted(b, " \xe2\x80\x93 ");
			html_num(b, it->max);
			html_raw_trusted(b, " ");
			html_text(b, it->max_label ? it->max_label : "");
			html_raw_trusted(b, "</label> <input type=\"number\" "
			                 "id=\"");
			html_attr(b, name);
			html_raw_trusted(b, "\" name=\"");
			html_attr(b, name);
			html_raw_trusted(b, "\" inputmode=\"decimal\" min=\"");
			html_num(b, it->min);
			html_raw_trusted(b, "\" max=\"");
			html_num(b, it->max);
			html_raw_trusted(b, "\" step=\"");
			html_num(b, it->step);
			html_raw_trusted(b, "\"");
			if (!isnan(pre)) {
				html_raw_trusted(b, " value=\"");
				html_num(b, pre);
				html_raw_trusted(b, "\"");
			}
			html_raw_trusted(b, "></div>");
			continue;
		}
		html_raw_trusted(b, "<div class=\"options\">");
		for (k = 0; k < it->n_options; k++) {
			const attune_option *o = &it->options[k];
			html_raw_trusted(b, "<label><input type=\"radio\" name=\"");
			html_attr(b, name);
			html_raw_trusted(b, "\" value=\"");
			html_num(b, o->value);
			html_raw_trusted(b, "\"");
			if (!isnan(pre) && pre == o->value)
				html_raw_trusted(b, " checked");
			html_raw_trusted(b, "> <span>");
			if (o->label)
				html_text(b, o->label);
			else
				html_num(b, o->value);
			html_raw_trusted(b, "</span></label>");
		}
		html_raw_trusted(b, "</div></div>");
	}
	html_raw_trusted(b, "</fieldset>\n");
}

int items_parse(const struct web_req *r, const attune_instrument *in,
                const char *zPrefix, double *v, size_t *n_answered,
                size_t *iBad)
{
	size_t i, k, plen = strlen(zPrefix), matched = 0, seen = 0;
	char name[WEB_FIELD_NAME_MAX + 1];

	*n_answered = 0;
	*iBad = 0;
	for (i = 0; i < in->n_items; i++) {
		const char *val;
		snprintf(name, sizeof(name), "%s%zu", zPrefix, i + 1);
		val = web_field(r, name);
		v[i] = NAN;
		if (!val)
			continue;
		matched++;
		if (!*val)
			continue;
		if (parse_num(val, strlen(val), &v[i]) != 0) {
			*iBad = i;
			return ATTUNE_EINVAL;
		}
		(*n_answered)++;
	}
	/* Every field with the prefix must be one of the items. */
	for (k = 0; k < r->nf; k++)
		if (strncmp(r->f[k].name, zPrefix, plen) == 0)
			seen++;
	if (seen != matched) {
		*iBad = in->n_items;
		return ATTUNE_EINVAL;
	}
	return attune_score_validate(in, v, iBad);
}
