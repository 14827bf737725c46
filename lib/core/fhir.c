/* fhir.c - an instrument as a FHIR R4 Questionnaire resource.
 *
 * Mapping (HL7 FHIR R4, Questionnaire, https://hl7.org/fhir/R4/
 * questionnaire.html): one "choice" item per option-scored item, with
 * answerOption valueCoding (LOINC answer codes where the file gives them)
 * and the score in the ordinalValue extension
 * (http://hl7.org/fhir/StructureDefinition/ordinalValue); visual analogue
 * items are "decimal" with the minValue/maxValue extensions; the preamble
 * is a leading "display" item. Licensed wording that is not loaded is
 * exported as the text "wording licensed - load locally". */
#include <stdlib.h>
#include <cjson/cJSON.h>
#include "attune/instrument.h"
#include "util/util_int.h"

#define LOINC "http://loinc.org"
#define EXT_ORDINAL "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#define EXT_MIN "http://hl7.org/fhir/StructureDefinition/minValue"
#define EXT_MAX "http://hl7.org/fhir/StructureDefinition/maxValue"
#define LICENSED_TEXT "wording licensed - load locally"

static cJSON *coding(const char *system, const char *code, const char *disp)
{
	cJSON *c = cJSON_CreateObject();

	if (!c)
		return NULL;
	if (system)
		cJSON_AddStringToObject(c, "system", system);
	if (code)
		cJSON_AddStringToObject(c, "code", code);
	if (disp)
		cJSON_AddStringToObject(c, "display", disp);
	return c;
}

static cJSON *ext_decimal(const char *url, double v)
{
	cJSON *e = cJSON_CreateObject();

	if (!e)
		return NULL;
	cJSON_AddStringToObject(e, "url", url);
	cJSON_AddNumberToObject(e, "valueDecimal", v);
	return e;
}

static int add_item(cJSON *arr, const attune_item *it)
{
	cJSON *q = cJSON_CreateObject(), *codes, *opts, *exts;
	size_t i;

	if (!q)
		return -1;
	cJSON_AddItemToArray(arr, q);
	cJSON_AddStringToObject(q, "linkId", it->id);
	if (it->loinc) {
		codes = cJSON_AddArrayToObject(q, "code");
		if (!codes)
			return -1;
		cJSON_AddItemToArray(codes, coding(LOINC, it->loinc, NULL));
	}
	cJSON_AddStringToObject(q, "text", it->text ? it->text : LICENSED_TEXT);
	if (it->is_range) {
		cJSON_AddStringToObject(q, "type", "decimal");
		exts = cJSON_AddArrayToObject(q, "extension");
		if (!exts)
			return -1;
		cJSON_AddItemToArray(exts, ext_decimal(EXT_MIN, it->min));
		cJSON_AddItemToArray(exts, ext_decimal(EXT_MAX, it->max));
	} else {
		cJSON_AddStringToObject(q, "type", "choice");
		opts = cJSON_AddArrayToObject(q, "answerOption");
		if (!opts)
			return -1;
		for (i = 0; i < it->n_options; i++) {
			const attune_option *o = &it->options[i];
			cJSON *ao = cJSON_CreateObject(), *vc, *ex;
			char num[40];
			if (!ao)
				return -1;
			cJSON_AddItemToArray(opts, ao);
			ex = cJSON_AddArrayToObject(ao, "extension");
			if (!ex)
				return -1;
			cJSON_AddItemToArray(ex, ext_decimal(EXT_ORDINAL,
			                                     o->value));
			fmt_num(num, o->value);
			vc = o->code ? coding(LOINC, o->code, o->label)
			             : coding("urn:attune:answer", num, o->label);
			if (!vc)
				return -1;
			cJSON_AddItemToObject(ao, "valueCoding", vc);
		}
	}
	cJSON_AddBoolToObject(q, "required", 0);
	return 0;
}

int attune_instrument_to_fhir(const attune_instrument *in, char **out,
                              attune_err *err)
{
	cJSON *r = cJSON_CreateObject(), *items, *codes;
	char url[160];
	size_t i;
	int rc = ATTUNE_ENOMEM;
	strbuf b;

	*out = NULL;
	if (!r)
		goto out;
	sb_init(&b, sizeof(url) - 1);
	sb_puts(&b, "urn:attune:instrument:");
	sb_puts(&b, in->id);
	cJSON_AddStringToObject(r, "resourceType", "Questionnaire");
	cJSON_AddStringToObject(r, "id", in->id);
	cJSON_AddStringToObject(r, "url", b.rc ? in->id : b.s);
	sb_free(&b);
	cJSON_AddStringToObject(r, "version", in->version);
	cJSON_AddStringToObject(r, "name", in->id);
	cJSON_AddStringToObject(r, "title", in->title);
	cJSON_AddStringToObject(r, "status", "active");
	cJSON_AddStringToObject(r, "description", in->citation);
	cJSON_AddStringToObject(r, "copyright", in->licence);
	if (in->loinc_panel) {
		codes = cJSON_AddArrayToObject(r, "code");
		if (!codes)
			goto out;
		cJSON_AddItemToArray(codes, coding(LOINC, in->loinc_panel,
		                                   in->title));
	}
	items = cJSON_AddArrayToObject(r, "item");
	if (!items)
		goto out;
	if (in->preamble) {
		cJSON *d = cJSON_CreateObject();
		if (!d)
			goto out;
		cJSON_AddItemToArray(items, d);
		cJSON_AddStringToObject(d, "linkId", "preamble");
		cJSON_AddStringToObject(d, "text", in->preamble);
		cJSON_AddStringToObject(d, "type", "display");
	}
	for (i = 0; i < in->n_items; i++)
		if (add_item(items, &in->items[i]))
			goto out;
	*out = cJSON_Print(r);
	if (*out)
		rc = ATTUNE_OK;
out:
	cJSON_Delete(r);
	if (rc)
		attune_err_set(err, rc, "out of memory writing FHIR");
	return rc;
}
