/* catalog.c - the set of instruments a program works with: the built-in
 * definitions plus any the user loads. */
#include <stdlib.h>
#include <string.h>
#include "attune/instrument.h"
#include <cjson/cJSON.h>
#include "core/builtin.h"
#include "util/util_int.h"

struct attune_catalog {
	attune_instrument **v;
	size_t n, cap;
};

attune_catalog *attune_catalog_new(void)
{
	return calloc(1, sizeof(attune_catalog));
}

void attune_catalog_free(attune_catalog *cat)
{
	size_t i;

	if (!cat)
		return;
	for (i = 0; i < cat->n; i++)
		attune_instrument_free(cat->v[i]);
	free(cat->v);
	free(cat);
}

int attune_catalog_add(attune_catalog *cat, attune_instrument *in,
                       attune_err *err)
{
	if (attune_catalog_find(cat, in->id)) {
		attune_err_set(err, ATTUNE_EEXIST, "instrument '%s' is defined "
		               "twice", in->id);
		attune_instrument_free(in);
		return ATTUNE_EEXIST;
	}
	if (cat->n == cat->cap) {
		size_t cap = cat->cap ? cat->cap * 2 : 16;
		attune_instrument **v = realloc(cat->v, cap * sizeof(*v));
		if (!v) {
			attune_instrument_free(in);
			return attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
		}
		cat->v = v;
		cat->cap = cap;
	}
	cat->v[cat->n++] = in;
	return ATTUNE_OK;
}

int attune_catalog_add_json(attune_catalog *cat, const char *buf, size_t len,
                            const char *zName, attune_err *err)
{
	attune_instrument *in;
	int rc = attune_instrument_parse(buf, len, zName, &in, err);

	if (rc)
		return rc;
	return attune_catalog_add(cat, in, err);
}

int attune_catalog_add_builtin(attune_catalog *cat, attune_err *err)
{
	const struct attune_builtin_file *f;
	int rc;

	for (f = attune_builtin_files; f->name; f++) {
		rc = attune_catalog_add_json(cat, f->data, f->len, f->name, err);
		if (rc)
			return rc;
	}
	return ATTUNE_OK;
}

const attune_instrument *attune_catalog_find(const attune_catalog *cat,
                                             const char *zId)
{
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->v[i]->id, zId) == 0)
			return cat->v[i];
	return NULL;
}

attune_instrument *attune_catalog_find_mut(attune_catalog *cat,
                                           const char *zId)
{
	return (attune_instrument *)attune_catalog_find(cat, zId);
}

size_t attune_catalog_count(const attune_catalog *cat)
{
	return cat->n;
}

const attune_instrument *attune_catalog_at(const attune_catalog *cat,
                                           size_t i)
{
	return i < cat->n ? cat->v[i] : NULL;
}

int attune_catalog_load_wording(attune_catalog *cat, const char *buf,
                                size_t len, const char *zName,
                                attune_err *err)
{
	const cJSON *id;
	cJSON *root;
	attune_instrument *in;

	if (!zName)
		zName = "(wording)";
	if (len > ATTUNE_INSTRUMENT_FILE_MAX)
		return attune_err_set(err, ATTUNE_ELIMIT, "%s: larger than "
		                      "ATTUNE_INSTRUMENT_FILE_MAX (1 MiB)", zName);
	root = cJSON_ParseWithLength(buf, len);
	id = root ? cJSON_GetObjectItemCaseSensitive(root, "instrument") : NULL;
	in = cJSON_IsString(id) ? attune_catalog_find_mut(cat, id->valuestring)
	                        : NULL;
	if (!in && cJSON_IsString(id)) {
		attune_err_set(err, ATTUNE_EINVAL, "%s: $.instrument: no "
		               "instrument '%.64s' is loaded", zName,
		               id->valuestring);
		cJSON_Delete(root);
		return ATTUNE_EINVAL;
	}
	cJSON_Delete(root);
	if (!in) {
		return attune_err_set(err, ATTUNE_EINVAL, "%s: not a wording file: "
		                      "needs a JSON object with \"instrument\" "
		                      "naming a loaded instrument", zName);
	}
	return attune_instrument_load_wording(in, buf, len, zName, err);
}
