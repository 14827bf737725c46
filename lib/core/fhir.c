/* fhir.c - an instrument as a FHIR R4 Questionnaire resource.
 *
 * Mapping (HL7 FHIR R4, Questionnaire, https://hl7.org/fhir/R4/
 * questionnaire.html): one "choice" item per option-scored item, with
 * answerOption valueCoding (LOINC answer codes where the file gives them)
 * and the score in the ordinalValue extension
 * (http://hl7.org/fhir/StructureDefinition/ordinalValue); visual analogue
 * items are "decimal" with the minValue/maxValue extensions; the preamble
 * is a leading "display" item. Licensed wording that is not loaded is
 * exported as the text "wording licensed - load locally".
 *
 * Every cJSON call can fail for want of memory; the builder records the
 * first failure in b->oom and the result is then discarded, so an
 * incomplete resource is never returned as a success. */
#include <stdlib.h>
#include <cjson/cJSON.h>
#include "attune/instrument.h"
#include "util/util_int.h"

#define LOINC "http://loinc.org"
#define EXT_ORDINAL "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#define EXT_MIN "http://hl7.org/fhir/StructureDefinition/minValue"
#define EXT_MAX "http://hl7.org/fhir/StructureDefinition/maxValue"
#define LICENSED_TEXT "wording licensed - load locally"

struct builder {
	int oom;
};

/* Attach item to obj under key (or to an array when key is NULL); on
 * failure free item and note it. Returns item or NULL. */
static cJSON *put(struct builder *b, cJSON *obj, const char *key, cJSON *item)
{
	int ok;

	if (!item || !obj) {
		cJSON_Delete(item);
		b->oom = 1;
		return NULL;
	}
	ok = key ? cJSON_AddItemToObject(obj, key, item)
	         : cJSON_AddItemToArray(obj, item);
	if (!ok) {
		cJSON_Delete(item);
		b->oom = 1;
		return NULL;
	}
	return item;
}

static void put_str(struct builder *b, cJSON *obj, const char *key,
                    const char *val)
{
	put(b, obj, key, cJSON_CreateString(val));
}

static void put_num(struct builder *b, cJSON *obj, const char *key,
                    double val)
{
	put(b, obj, key, cJSON_CreateNumber(val));
}

static cJSON *coding(struct builder *b, const char *system, const char *code,
                     const char *disp)
{
	cJSON *c = cJSON_CreateObject();

	if (!c) {
		b->oom = 1;
		return NULL;
	}
	if (system)
		put_str(b, c, "system", system);
	if (code)
		put_str(b, c, "code", code);
	if (disp)
		put_str(b, c, "display", disp);
	return c;
}

static void ext_decimal(struct builder *b, cJSON *arr, const char *url,
                        double v)
{
	cJSON *e = put(b, arr, NULL, cJSON_CreateObject());

	if (!e)
		return;
	put_str(b, e, "url", url);
	put_num(b, e, "valueDecimal", v);
}

static void add_item(struct builder *b, cJSON *arr, const attune_item *it)
{
	cJSON *q = put(b, arr, NULL, cJSON_CreateObject()), *codes, *opts;
	cJSON *exts;
	size_t i;

	if (!q)
		return;
	put_str(b, q, "linkId", it->id);
	if (it->loinc) {
		codes = put(b, q, "code", cJSON_CreateArray());
		put(b, codes, NULL, coding(b, LOINC, it->loinc, NULL));
	}
	put_str(b, q, "text", it->text ? it->text : LICENSED_TEXT);
	if (it->is_range) {
		put_str(b, q, "type", "decimal");
		exts = put(b, q, "extension", cJSON_CreateArray());
		ext_decimal(b, exts, EXT_MIN, it->min);
		ext_decimal(b, exts, EXT_MAX, it->max);
	} else {
		put_str(b, q, "type", "choice");
		opts = put(b, q, "answerOption", cJSON_CreateArray());
		for (i = 0; opts && i < it->n_options; i++) {
			const attune_option *o = &it->options[i];
			cJSON *ao = put(b, opts, NULL, cJSON_CreateObject());
			char num[40];

			if (!ao)
				break;
			ext_decimal(b, put(b, ao, "extension",
			                   cJSON_CreateArray()),
			            EXT_ORDINAL, o->value);
			fmt_num(num, o->value);
			put(b, ao, "valueCoding",
			    o->code ? coding(b, LOINC, o->code, o->label)
			            : coding(b, "urn:attune:answer", num,
			                     o->label));
		}
	}
	put(b, q, "required", cJSON_CreateBool(0));
}

int attune_instrument_to_fhir(const attune_instrument *in, char **out,
                              attune_err *err)
{
	struct builder b = {0};
	cJSON *r = cJSON_CreateObject(), *items;
	char *url;
	size_t i;
	strbuf sb;

	*out = NULL;
	if (!r)
		goto oom;
	sb_init(&sb, 256);
	sb_puts(&sb, "urn:attune:instrument:");
	sb_puts(&sb, in->id);
	url = sb_detach(&sb, NULL);
	if (!url)
		b.oom = 1;
	put_str(&b, r, "resourceType", "Questionnaire");
	put_str(&b, r, "id", in->id);
	if (url)
		put_str(&b, r, "url", url);
	free(url);
	put_str(&b, r, "version", in->version);
	put_str(&b, r, "name", in->id);
	put_str(&b, r, "title", in->title);
	put_str(&b, r, "status", "active");
	put_str(&b, r, "description", in->citation);
	put_str(&b, r, "copyright", in->licence);
	if (in->loinc_panel)
		put(&b, put(&b, r, "code", cJSON_CreateArray()), NULL,
		    coding(&b, LOINC, in->loinc_panel, in->title));
	items = put(&b, r, "item", cJSON_CreateArray());
	if (items && in->preamble) {
		cJSON *d = put(&b, items, NULL, cJSON_CreateObject());
		if (d) {
			put_str(&b, d, "linkId", "preamble");
			put_str(&b, d, "text", in->preamble);
			put_str(&b, d, "type", "display");
		}
	}
	for (i = 0; items && !b.oom && i < in->n_items; i++)
		add_item(&b, items, &in->items[i]);
	if (!b.oom)
		*out = cJSON_Print(r);
	cJSON_Delete(r);
	if (*out)
		return ATTUNE_OK;
oom:
	return attune_err_set(err, ATTUNE_ENOMEM, "out of memory writing FHIR");
}
