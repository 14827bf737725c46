/* instrument.c - parse and validate instrument definitions (JSON, format
 * "attune-instrument/1", documented in docs/instruments.md).
 *
 * Every problem is reported as "FILE: $.json.path: what is wrong" so that
 * the author of a definition can find it at once. The parser is strict:
 * unknown keys are errors, because a misspelt "reverse" would otherwise
 * silently score an instrument wrongly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "attune/instrument.h"
#include "core/instrument_int.h"
#include "util/util_int.h"

#define FORMAT_TAG "attune-instrument/1"

/* Parsing context: where we are, for messages. */
typedef struct pctx {
	const char *zName;
	attune_err *err;
	arena *a;
	int rc;
} pctx;

static int fail(pctx *p, const char *path, const char *what)
{
	p->rc = ATTUNE_EINVAL;
	attune_err_set(p->err, ATTUNE_EINVAL, "%s: %s: %s", p->zName, path, what);
	return ATTUNE_EINVAL;
}

static int oom(pctx *p)
{
	p->rc = ATTUNE_ENOMEM;
	attune_err_set(p->err, ATTUNE_ENOMEM, "%s: out of memory", p->zName);
	return ATTUNE_ENOMEM;
}

/* path + "." + key, into a fixed buffer (paths are short: keys are ours,
 * only ids from the file appear, and those are length-checked first). */
static void subpath(char *out, size_t n, const char *path, const char *key)
{
	size_t lp = strlen(path), lk = strlen(key);

	if (lp + 1 + lk + 1 > n) {
		lp = lp < n - 1 ? lp : n - 1;
		memcpy(out, path, lp);
		out[lp] = '\0';
		return;
	}
	memcpy(out, path, lp);
	out[lp] = '.';
	memcpy(out + lp + 1, key, lk + 1);
}

static void idxpath(char *out, size_t n, const char *path, size_t i)
{
	char num[32];
	size_t lp = strlen(path), ln = fmt_num(num, (double)i);

	if (lp + ln + 3 > n) {
		lp = lp < n - 1 ? lp : n - 1;
		memcpy(out, path, lp);
		out[lp] = '\0';
		return;
	}
	memcpy(out, path, lp);
	out[lp] = '[';
	memcpy(out + lp + 1, num, ln);
	out[lp + 1 + ln] = ']';
	out[lp + 2 + ln] = '\0';
}

#define PATH_MAX_ 256

/* Reject keys not in allowed (NULL-terminated). */
static int check_keys(pctx *p, const cJSON *obj, const char *path,
                      const char *const *allowed)
{
	const cJSON *c;
	char sp[PATH_MAX_];

	cJSON_ArrayForEach(c, obj) {
		const char *const *k;
		for (k = allowed; *k; k++)
			if (strcmp(*k, c->string) == 0)
				break;
		if (!*k) {
			char key[ATTUNE_ID_MAX + 1];
			size_t n = strlen(c->string);
			n = n < ATTUNE_ID_MAX ? n : ATTUNE_ID_MAX;
			memcpy(key, c->string, n);
			key[n] = '\0';
			subpath(sp, sizeof(sp), path, key);
			return fail(p, sp, "unknown key (check its spelling "
			            "against docs/instruments.md)");
		}
	}
	return ATTUNE_OK;
}

static int valid_id(const char *s, int allow_dash)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > ATTUNE_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || (allow_dash && c == '-' && i > 0))
			continue;
		return 0;
	}
	return 1;
}

/* Get a string member. required: absent is an error. Null allowed when
 * nullable (then *out = NULL). */
static int get_str(pctx *p, const cJSON *obj, const char *path,
                   const char *key, int required, int nullable,
                   const char **out)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
	char sp[PATH_MAX_];

	*out = NULL;
	subpath(sp, sizeof(sp), path, key);
	if (!c) {
		if (required)
			return fail(p, sp, "is required");
		return ATTUNE_OK;
	}
	if (cJSON_IsNull(c)) {
		if (!nullable)
			return fail(p, sp, "must be a string, not null");
		return ATTUNE_OK;
	}
	if (!cJSON_IsString(c) || !c->valuestring)
		return fail(p, sp, "must be a string");
	if (strlen(c->valuestring) > ATTUNE_TEXT_MAX)
		return fail(p, sp, "is longer than ATTUNE_TEXT_MAX (4096 bytes)");
	if (required && c->valuestring[0] == '\0')
		return fail(p, sp, "must not be empty");
	*out = arena_strdup(p->a, c->valuestring);
	if (!*out)
		return oom(p);
	return ATTUNE_OK;
}

static int get_num(pctx *p, const cJSON *obj, const char *path,
                   const char *key, int required, double *out)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
	char sp[PATH_MAX_];

	subpath(sp, sizeof(sp), path, key);
	if (!c) {
		if (required)
			return fail(p, sp, "is required");
		return ATTUNE_OK;
	}
	if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble))
		return fail(p, sp, "must be a number");
	*out = c->valuedouble;
	return ATTUNE_OK;
}

static int get_bool(pctx *p, const cJSON *obj, const char *path,
                    const char *key, int required, int *out)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
	char sp[PATH_MAX_];

	subpath(sp, sizeof(sp), path, key);
	if (!c) {
		if (required)
			return fail(p, sp, "is required");
		return ATTUNE_OK;
	}
	if (!cJSON_IsBool(c))
		return fail(p, sp, "must be true or false");
	*out = cJSON_IsTrue(c) ? 1 : 0;
	return ATTUNE_OK;
}

/* One of the NULL-terminated words; *out = its index. */
static int get_enum(pctx *p, const cJSON *obj, const char *path,
                    const char *key, const char *const *words, int *out)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
	char sp[PATH_MAX_];
	int i;

	subpath(sp, sizeof(sp), path, key);
	if (!c)
		return fail(p, sp, "is required");
	if (!cJSON_IsString(c))
		return fail(p, sp, "must be a string");
	for (i = 0; words[i]; i++)
		if (strcmp(words[i], c->valuestring) == 0) {
			*out = i;
			return ATTUNE_OK;
		}
	return fail(p, sp, "has a value that is not allowed (see "
	            "docs/instruments.md)");
}

static int is_integer(double v)
{
	return v == floor(v);
}

/* "missing": {"max_missing": k}, "round": d, "method": m for a scale. */
static int parse_scale_rules(pctx *p, const cJSON *obj, const char *path,
                             attune_scale *sc, int method_required)
{
	static const char *const methods[] = {"sum", "mean", NULL};
	static const char *const mkeys[] = {"max_missing", NULL};
	const cJSON *m;
	char sp[PATH_MAX_];
	double d;
	int meth = 0;

	if (method_required || cJSON_GetObjectItemCaseSensitive(obj, "method")) {
		if (get_enum(p, obj, path, "method", methods, &meth))
			return p->rc;
	}
	sc->method = meth ? ATTUNE_METHOD_MEAN : ATTUNE_METHOD_SUM;
	sc->max_missing = 0;
	m = cJSON_GetObjectItemCaseSensitive(obj, "missing");
	subpath(sp, sizeof(sp), path, "missing");
	if (m) {
		if (!cJSON_IsObject(m))
			return fail(p, sp, "must be an object {\"max_missing\": k}");
		if (check_keys(p, m, sp, mkeys))
			return p->rc;
		d = 0;
		if (get_num(p, m, sp, "max_missing", 1, &d))
			return p->rc;
		subpath(sp, sizeof(sp), sp, "max_missing");
		if (d < 0 || !is_integer(d) || d > ATTUNE_ITEMS_MAX)
			return fail(p, sp, "must be a whole number >= 0");
		sc->max_missing = (unsigned)d;
	}
	sc->round_digits = -1;
	if (cJSON_GetObjectItemCaseSensitive(obj, "round")) {
		d = 0;
		if (get_num(p, obj, path, "round", 1, &d))
			return p->rc;
		if (d < 0 || d > 6 || !is_integer(d)) {
			subpath(sp, sizeof(sp), path, "round");
			return fail(p, sp, "must be a whole number 0..6");
		}
		sc->round_digits = (int)d;
	}
	return ATTUNE_OK;
}

static void scale_range(const attune_instrument *in, attune_scale *sc)
{
	double lo = 0, hi = 0;
	size_t i;

	for (i = 0; i < sc->n_items; i++) {
		lo += in->items[sc->items[i]].min;
		hi += in->items[sc->items[i]].max;
	}
	if (sc->method == ATTUNE_METHOD_MEAN && sc->n_items) {
		lo /= (double)sc->n_items;
		hi /= (double)sc->n_items;
	}
	sc->min = lo;
	sc->max = hi;
}

static int parse_options(pctx *p, const cJSON *arr, const char *path,
                         attune_option **out, size_t *n_out)
{
	static const char *const keys[] = {"value", "label", "code", NULL};
	const cJSON *c;
	char sp[PATH_MAX_];
	size_t n, i = 0, j;
	attune_option *opt;

	if (!cJSON_IsArray(arr))
		return fail(p, path, "must be an array of {\"value\", \"label\"}");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n < 2)
		return fail(p, path, "needs at least 2 response options");
	if (n > ATTUNE_OPTIONS_MAX)
		return fail(p, path, "has more than ATTUNE_OPTIONS_MAX (32) "
		            "options");
	opt = arena_alloc(p->a, n * sizeof(*opt));
	if (!opt)
		return oom(p);
	cJSON_ArrayForEach(c, arr) {
		idxpath(sp, sizeof(sp), path, i);
		if (!cJSON_IsObject(c))
			return fail(p, sp, "must be an object");
		if (check_keys(p, c, sp, keys) ||
		    get_num(p, c, sp, "value", 1, &opt[i].value) ||
		    get_str(p, c, sp, "label", 1, 0, &opt[i].label) ||
		    get_str(p, c, sp, "code", 0, 0, &opt[i].code))
			return p->rc;
		for (j = 0; j < i; j++)
			if (opt[j].value == opt[i].value) {
				subpath(sp, sizeof(sp), sp, "value");
				return fail(p, sp, "repeats an earlier option's "
				            "value");
			}
		i++;
	}
	*out = opt;
	*n_out = n;
	return ATTUNE_OK;
}

static int parse_range(pctx *p, const cJSON *r, const char *path,
                       attune_item *it)
{
	static const char *const keys[] = {"min", "max", "step", "min_label",
	                                   "max_label", NULL};
	double steps;

	if (!cJSON_IsObject(r))
		return fail(p, path, "must be an object {\"min\", \"max\", "
		            "\"step\"}");
	if (check_keys(p, r, path, keys) ||
	    get_num(p, r, path, "min", 1, &it->min) ||
	    get_num(p, r, path, "max", 1, &it->max) ||
	    get_num(p, r, path, "step", 1, &it->step) ||
	    get_str(p, r, path, "min_label", 0, 0, &it->min_label) ||
	    get_str(p, r, path, "max_label", 0, 0, &it->max_label))
		return p->rc;
	if (!(it->min < it->max))
		return fail(p, path, "min must be below max");
	if (!(it->step > 0))
		return fail(p, path, "step must be above 0");
	steps = (it->max - it->min) / it->step;
	if (fabs(steps - floor(steps + 0.5)) > 1e-9 || steps > 1e6)
		return fail(p, path, "(max - min) must be a whole number of "
		            "steps, at most 1000000");
	it->is_range = 1;
	return ATTUNE_OK;
}

static int parse_items(pctx *p, const cJSON *root, attune_instrument *in,
                       int licensed)
{
	static const char *const keys[] = {"id", "text", "responses", "range",
	                                   "reverse", "scored", "loinc", NULL};
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "items");
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(root,
	                                                     "response_sets");
	const cJSON *c;
	attune_item *items;
	char sp[PATH_MAX_], sp2[PATH_MAX_];
	size_t n, i = 0, j;

	if (!arr)
		return fail(p, "$.items", "is required");
	if (!cJSON_IsArray(arr))
		return fail(p, "$.items", "must be an array");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n == 0)
		return fail(p, "$.items", "must not be empty");
	if (n > ATTUNE_ITEMS_MAX)
		return fail(p, "$.items", "has more than ATTUNE_ITEMS_MAX (128) "
		            "items");
	if (sets && !cJSON_IsObject(sets))
		return fail(p, "$.response_sets", "must be an object of arrays");
	items = arena_alloc(p->a, n * sizeof(*items));
	if (!items)
		return oom(p);
	cJSON_ArrayForEach(c, arr) {
		attune_item *it = &items[i];
		const char *set = NULL;
		const cJSON *range, *text;

		idxpath(sp, sizeof(sp), "$.items", i);
		if (!cJSON_IsObject(c))
			return fail(p, sp, "must be an object");
		if (check_keys(p, c, sp, keys) ||
		    get_str(p, c, sp, "id", 1, 0, &it->id))
			return p->rc;
		if (!valid_id(it->id, 0)) {
			subpath(sp2, sizeof(sp2), sp, "id");
			return fail(p, sp2, "must be 1-64 characters of a-z, 0-9 "
			            "and _ (it is a CSV column name)");
		}
		for (j = 0; j < i; j++)
			if (strcmp(items[j].id, it->id) == 0) {
				subpath(sp2, sizeof(sp2), sp, "id");
				return fail(p, sp2, "repeats an earlier item's id");
			}
		text = cJSON_GetObjectItemCaseSensitive(c, "text");
		subpath(sp2, sizeof(sp2), sp, "text");
		if (licensed) {
			if (text && !cJSON_IsNull(text))
				return fail(p, sp2, "must be null: the licence says "
				            "the wording is loaded locally");
		} else if (get_str(p, c, sp, "text", 1, 0, &it->text)) {
			return p->rc;
		}
		it->scored = 1;
		if (get_bool(p, c, sp, "reverse", 0, &it->reverse) ||
		    get_bool(p, c, sp, "scored", 0, &it->scored) ||
		    get_str(p, c, sp, "loinc", 0, 0, &it->loinc) ||
		    get_str(p, c, sp, "responses", 0, 0, &set))
			return p->rc;
		range = cJSON_GetObjectItemCaseSensitive(c, "range");
		if ((set != NULL) == (range != NULL))
			return fail(p, sp, "needs exactly one of \"responses\" (a "
			            "response set) or \"range\"");
		if (range) {
			subpath(sp2, sizeof(sp2), sp, "range");
			if (parse_range(p, range, sp2, it))
				return p->rc;
		} else {
			const cJSON *opts = sets ?
				cJSON_GetObjectItemCaseSensitive(sets, set) : NULL;
			attune_option *o = NULL;
			size_t k;

			subpath(sp2, sizeof(sp2), sp, "responses");
			if (!opts)
				return fail(p, sp2, "names a set that is not in "
				            "$.response_sets");
			/* Options are parsed per item so each item owns its
			 * copy; sets are tiny. */
			char setpath[PATH_MAX_];
			subpath(setpath, sizeof(setpath), "$.response_sets", set);
			if (parse_options(p, opts, setpath, &o, &it->n_options))
				return p->rc;
			it->options = o;
			it->small_ints = 0;
			for (k = 0; k < it->n_options; k++)
				if (o[k].value >= 0 && o[k].value < 64 &&
				    o[k].value == floor(o[k].value))
					it->small_ints |= 1ULL << (int)o[k].value;
			it->min = it->max = o[0].value;
			for (k = 1; k < it->n_options; k++) {
				if (o[k].value < it->min)
					it->min = o[k].value;
				if (o[k].value > it->max)
					it->max = o[k].value;
			}
		}
		i++;
	}
	in->items = items;
	in->n_items = n;
	return ATTUNE_OK;
}

static int item_of(const attune_instrument *in, const char *id)
{
	size_t i;

	for (i = 0; i < in->n_items; i++)
		if (strcmp(in->items[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int parse_total(pctx *p, const cJSON *root, attune_instrument *in)
{
	static const char *const keys[] = {"method", "missing", "round",
	                                   "total", NULL};
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "scoring");
	unsigned *idx;
	size_t i, n = 0;

	if (!s)
		return fail(p, "$.scoring", "is required");
	if (!cJSON_IsObject(s))
		return fail(p, "$.scoring", "must be an object");
	in->has_total = 1;
	if (check_keys(p, s, "$.scoring", keys) ||
	    get_bool(p, s, "$.scoring", "total", 0, &in->has_total) ||
	    parse_scale_rules(p, s, "$.scoring", &in->total, 1))
		return p->rc;
	idx = arena_alloc(p->a, in->n_items * sizeof(*idx));
	if (!idx)
		return oom(p);
	for (i = 0; i < in->n_items; i++)
		if (in->items[i].scored)
			idx[n++] = (unsigned)i;
	if (n == 0)
		return fail(p, "$.items", "has no scored item");
	if (in->total.max_missing >= n)
		return fail(p, "$.scoring.missing.max_missing",
		            "must be below the number of scored items");
	in->total.id = "total";
	in->total.title = "Total";
	in->total.items = idx;
	in->total.n_items = n;
	scale_range(in, &in->total);
	return ATTUNE_OK;
}

static int parse_subscales(pctx *p, const cJSON *root, attune_instrument *in)
{
	static const char *const keys[] = {"id", "title", "items", "method",
	                                   "missing", "round", NULL};
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "subscales");
	const cJSON *c, *e;
	attune_scale *sub;
	char sp[PATH_MAX_], sp2[PATH_MAX_];
	size_t n, i = 0, j, k;

	if (!arr)
		return ATTUNE_OK;
	if (!cJSON_IsArray(arr))
		return fail(p, "$.subscales", "must be an array");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > ATTUNE_SUBSCALES_MAX)
		return fail(p, "$.subscales", "has more than "
		            "ATTUNE_SUBSCALES_MAX (8) subscales");
	sub = arena_alloc(p->a, (n ? n : 1) * sizeof(*sub));
	if (!sub)
		return oom(p);
	cJSON_ArrayForEach(c, arr) {
		attune_scale *sc = &sub[i];
		const cJSON *items;
		unsigned *idx;
		size_t ni;

		idxpath(sp, sizeof(sp), "$.subscales", i);
		if (!cJSON_IsObject(c))
			return fail(p, sp, "must be an object");
		if (check_keys(p, c, sp, keys) ||
		    get_str(p, c, sp, "id", 1, 0, &sc->id) ||
		    get_str(p, c, sp, "title", 1, 0, &sc->title) ||
		    parse_scale_rules(p, c, sp, sc, 1))
			return p->rc;
		subpath(sp2, sizeof(sp2), sp, "id");
		if (!valid_id(sc->id, 0) || strcmp(sc->id, "total") == 0 ||
		    strcmp(sc->id, "id") == 0 || strcmp(sc->id, "band") == 0 ||
		    strcmp(sc->id, "prorated") == 0 ||
		    strcmp(sc->id, "flags") == 0)
			return fail(p, sp2, "must be a-z, 0-9 and _ and not one "
			            "of id, total, band, prorated, flags");
		for (j = 0; j < i; j++)
			if (strcmp(sub[j].id, sc->id) == 0)
				return fail(p, sp2, "repeats an earlier subscale's "
				            "id");
		items = cJSON_GetObjectItemCaseSensitive(c, "items");
		subpath(sp2, sizeof(sp2), sp, "items");
		if (!items || !cJSON_IsArray(items) ||
		    cJSON_GetArraySize(items) < 1)
			return fail(p, sp2, "must be a non-empty array of item "
			            "ids");
		ni = (size_t)cJSON_GetArraySize(items);
		if (ni > in->n_items)
			return fail(p, sp2, "has more entries than there are "
			            "items");
		idx = arena_alloc(p->a, ni * sizeof(*idx));
		if (!idx)
			return oom(p);
		k = 0;
		cJSON_ArrayForEach(e, items) {
			char sp3[PATH_MAX_];
			int ix;
			idxpath(sp3, sizeof(sp3), sp2, k);
			if (!cJSON_IsString(e))
				return fail(p, sp3, "must be an item id");
			ix = item_of(in, e->valuestring);
			if (ix < 0)
				return fail(p, sp3, "is not an item of this "
				            "instrument");
			if (!in->items[ix].scored)
				return fail(p, sp3, "names an item marked "
				            "\"scored\": false");
			for (j = 0; j < k; j++)
				if (idx[j] == (unsigned)ix)
					return fail(p, sp3, "repeats an item");
			idx[k++] = (unsigned)ix;
		}
		sc->items = idx;
		sc->n_items = ni;
		if (sc->max_missing >= ni) {
			subpath(sp2, sizeof(sp2), sp, "missing.max_missing");
			return fail(p, sp2, "must be below the subscale's number "
			            "of items");
		}
		scale_range(in, sc);
		i++;
	}
	in->subscales = sub;
	in->n_subscales = n;
	return ATTUNE_OK;
}

static int parse_bands(pctx *p, const cJSON *root, attune_instrument *in)
{
	static const char *const keys[] = {"min", "max", "label", NULL};
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "bands");
	const cJSON *c;
	attune_band *b;
	char sp[PATH_MAX_];
	size_t n, i = 0;

	if (!arr)
		return ATTUNE_OK;
	if (!cJSON_IsArray(arr))
		return fail(p, "$.bands", "must be an array");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > ATTUNE_BANDS_MAX)
		return fail(p, "$.bands", "has more than ATTUNE_BANDS_MAX (16) "
		            "bands");
	b = arena_alloc(p->a, (n ? n : 1) * sizeof(*b));
	if (!b)
		return oom(p);
	cJSON_ArrayForEach(c, arr) {
		idxpath(sp, sizeof(sp), "$.bands", i);
		if (!cJSON_IsObject(c))
			return fail(p, sp, "must be an object");
		if (check_keys(p, c, sp, keys) ||
		    get_num(p, c, sp, "min", 1, &b[i].min) ||
		    get_num(p, c, sp, "max", 1, &b[i].max) ||
		    get_str(p, c, sp, "label", 1, 0, &b[i].label))
			return p->rc;
		if (b[i].min > b[i].max)
			return fail(p, sp, "min must not be above max");
		if (strchr(b[i].label, ',') || strchr(b[i].label, '"') ||
		    strchr(b[i].label, '\n'))
			return fail(p, sp, "label must not contain a comma, "
			            "quote or newline");
		if (i > 0 && !(b[i].min > b[i - 1].max))
			return fail(p, sp, "must start above the previous band's "
			            "max (bands are ascending and do not "
			            "overlap)");
		i++;
	}
	in->bands = b;
	in->n_bands = n;
	return ATTUNE_OK;
}

static int parse_flags(pctx *p, const cJSON *root, attune_instrument *in)
{
	static const char *const keys[] = {"id", "label", "item", "scale",
	                                   "op", "value", NULL};
	static const char *const ops[] = {">=", ">", "<=", "<", "==", NULL};
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "flags");
	const cJSON *c;
	attune_flag_rule *f;
	char sp[PATH_MAX_], sp2[PATH_MAX_];
	size_t n, i = 0, j;

	if (!arr)
		return ATTUNE_OK;
	if (!cJSON_IsArray(arr))
		return fail(p, "$.flags", "must be an array");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > ATTUNE_FLAGS_MAX)
		return fail(p, "$.flags", "has more than ATTUNE_FLAGS_MAX (16) "
		            "rules");
	f = arena_alloc(p->a, (n ? n : 1) * sizeof(*f));
	if (!f)
		return oom(p);
	cJSON_ArrayForEach(c, arr) {
		const char *item = NULL, *scale = NULL;
		int op = 0;

		idxpath(sp, sizeof(sp), "$.flags", i);
		if (!cJSON_IsObject(c))
			return fail(p, sp, "must be an object");
		if (check_keys(p, c, sp, keys) ||
		    get_str(p, c, sp, "id", 1, 0, &f[i].id) ||
		    get_str(p, c, sp, "label", 1, 0, &f[i].label) ||
		    get_str(p, c, sp, "item", 0, 0, &item) ||
		    get_str(p, c, sp, "scale", 0, 0, &scale) ||
		    get_enum(p, c, sp, "op", ops, &op) ||
		    get_num(p, c, sp, "value", 1, &f[i].value))
			return p->rc;
		subpath(sp2, sizeof(sp2), sp, "id");
		if (!valid_id(f[i].id, 1))
			return fail(p, sp2, "must be a-z, 0-9, _ and -");
		for (j = 0; j < i; j++)
			if (strcmp(f[j].id, f[i].id) == 0)
				return fail(p, sp2, "repeats an earlier flag's id");
		f[i].op = (attune_flag_op)op;
		if ((item != NULL) == (scale != NULL))
			return fail(p, sp, "needs exactly one of \"item\" or "
			            "\"scale\"");
		if (item) {
			int ix = item_of(in, item);
			subpath(sp2, sizeof(sp2), sp, "item");
			if (ix < 0)
				return fail(p, sp2, "is not an item of this "
				            "instrument");
			f[i].item = (unsigned)ix;
			f[i].scale_ix = -1;
		} else {
			int ok = strcmp(scale, "total") == 0;
			f[i].scale_ix = 0;
			for (j = 0; !ok && j < in->n_subscales; j++) {
				ok = strcmp(scale, in->subscales[j].id) == 0;
				f[i].scale_ix = (int)j + 1;
			}
			subpath(sp2, sizeof(sp2), sp, "scale");
			if (!ok)
				return fail(p, sp2, "must be \"total\" or a "
				            "subscale id");
			f[i].scale = scale;
		}
		i++;
	}
	in->flags = f;
	in->n_flags = n;
	return ATTUNE_OK;
}

static int parse_meanvsd(pctx *p, const cJSON *obj, const char *path,
                         const char *key, double *mean, double *sd)
{
	static const char *const keys[] = {"mean", "sd", NULL};
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
	char sp[PATH_MAX_];

	if (!c)
		return ATTUNE_OK;
	subpath(sp, sizeof(sp), path, key);
	if (!cJSON_IsObject(c))
		return fail(p, sp, "must be an object {\"mean\", \"sd\"}");
	if (check_keys(p, c, sp, keys) || get_num(p, c, sp, "mean", 1, mean) ||
	    get_num(p, c, sp, "sd", 1, sd))
		return p->rc;
	if (!(*sd > 0))
		return fail(p, sp, "sd must be above 0");
	return ATTUNE_OK;
}

static int parse_norms(pctx *p, const cJSON *root, attune_instrument *in)
{
	static const char *const keys[] = {"reliability", "clinical",
	                                   "functional", "cutoff",
	                                   "reliable_change", "source", NULL};
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "norms");
	attune_norms *nm = &in->norms;
	double nan = attune_missing_();

	nm->reliability = nm->clin_mean = nm->clin_sd = nan;
	nm->func_mean = nm->func_sd = nm->cutoff = nm->reliable_change = nan;
	if (!c)
		return ATTUNE_OK;
	if (!cJSON_IsObject(c))
		return fail(p, "$.norms", "must be an object");
	if (check_keys(p, c, "$.norms", keys) ||
	    get_num(p, c, "$.norms", "reliability", 0, &nm->reliability) ||
	    get_num(p, c, "$.norms", "cutoff", 0, &nm->cutoff) ||
	    get_num(p, c, "$.norms", "reliable_change", 0,
	            &nm->reliable_change) ||
	    get_str(p, c, "$.norms", "source", 1, 0, &nm->source) ||
	    parse_meanvsd(p, c, "$.norms", "clinical", &nm->clin_mean,
	                  &nm->clin_sd) ||
	    parse_meanvsd(p, c, "$.norms", "functional", &nm->func_mean,
	                  &nm->func_sd))
		return p->rc;
	if (!isnan(nm->reliability) &&
	    !(nm->reliability > 0 && nm->reliability < 1))
		return fail(p, "$.norms.reliability", "must be between 0 and 1");
	if (!isnan(nm->reliable_change) && !(nm->reliable_change > 0))
		return fail(p, "$.norms.reliable_change", "must be above 0");
	return ATTUNE_OK;
}

static int parse_root(pctx *p, const cJSON *root, attune_instrument *in)
{
	static const char *const keys[] = {
		"format", "id", "title", "short_title", "version", "kind",
		"validated", "respondent", "direction", "licence", "citation",
		"sources", "loinc", "preamble", "response_sets", "items",
		"scoring", "subscales", "bands", "flags", "norms", NULL};
	static const char *const kinds[] = {"outcome", "alliance",
	                                    "attachment", "reflective", NULL};
	static const char *const resp[] = {"client", "therapist", NULL};
	static const char *const dirs[] = {"lower_is_better",
	                                   "higher_is_better", NULL};
	static const char *const lkeys[] = {"name", "url", "wording", NULL};
	static const char *const wording[] = {"included", "licensed", NULL};
	static const char *const loinckeys[] = {"panel", "total", NULL};
	const cJSON *c;
	const char *fmt;
	int kind = 0, r = 0, d = 0, w = 0;
	size_t i;

	if (!cJSON_IsObject(root))
		return fail(p, "$", "must be a JSON object");
	if (check_keys(p, root, "$", keys) ||
	    get_str(p, root, "$", "format", 1, 0, &fmt))
		return p->rc;
	if (strcmp(fmt, FORMAT_TAG) != 0)
		return fail(p, "$.format", "must be \"" FORMAT_TAG "\"");
	if (get_str(p, root, "$", "id", 1, 0, &in->id))
		return p->rc;
	if (!valid_id(in->id, 1))
		return fail(p, "$.id", "must be 1-64 characters of a-z, 0-9, _ "
		            "and - (not first)");
	if (get_str(p, root, "$", "title", 1, 0, &in->title) ||
	    get_str(p, root, "$", "short_title", 0, 0, &in->short_title) ||
	    get_str(p, root, "$", "version", 1, 0, &in->version) ||
	    get_enum(p, root, "$", "kind", kinds, &kind) ||
	    get_bool(p, root, "$", "validated", 1, &in->validated) ||
	    get_enum(p, root, "$", "respondent", resp, &r) ||
	    get_enum(p, root, "$", "direction", dirs, &d) ||
	    get_str(p, root, "$", "citation", 1, 0, &in->citation))
		return p->rc;
	if (!in->short_title)
		in->short_title = in->title;
	in->kind = kinds[kind];
	in->respondent = (attune_respondent)r;
	in->direction = (attune_direction)d;

	c = cJSON_GetObjectItemCaseSensitive(root, "licence");
	if (!c)
		return fail(p, "$.licence", "is required");
	if (!cJSON_IsObject(c))
		return fail(p, "$.licence", "must be an object");
	if (check_keys(p, c, "$.licence", lkeys) ||
	    get_str(p, c, "$.licence", "name", 1, 0, &in->licence) ||
	    get_str(p, c, "$.licence", "url", 0, 0, &in->licence_url) ||
	    get_enum(p, c, "$.licence", "wording", wording, &w))
		return p->rc;
	in->wording_licensed = w;

	c = cJSON_GetObjectItemCaseSensitive(root, "sources");
	if (!c || !cJSON_IsArray(c) || cJSON_GetArraySize(c) < 1)
		return fail(p, "$.sources", "must be a non-empty array of "
		            "strings citing every rule");
	i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, c) {
		char sp[PATH_MAX_];
		idxpath(sp, sizeof(sp), "$.sources", i++);
		if (!cJSON_IsString(e) || !e->valuestring[0])
			return fail(p, sp, "must be a non-empty string");
	}

	c = cJSON_GetObjectItemCaseSensitive(root, "loinc");
	if (c) {
		if (!cJSON_IsObject(c))
			return fail(p, "$.loinc", "must be an object");
		if (check_keys(p, c, "$.loinc", loinckeys) ||
		    get_str(p, c, "$.loinc", "panel", 0, 0, &in->loinc_panel) ||
		    get_str(p, c, "$.loinc", "total", 0, 0, &in->loinc_total))
			return p->rc;
	}
	if (get_str(p, root, "$", "preamble", 0, 1, &in->preamble))
		return p->rc;
	if (in->wording_licensed && in->preamble)
		return fail(p, "$.preamble", "must be null: the licence says the "
		            "wording is loaded locally");

	if (parse_items(p, root, in, in->wording_licensed) ||
	    parse_total(p, root, in) || parse_subscales(p, root, in) ||
	    parse_bands(p, root, in) || parse_flags(p, root, in) ||
	    parse_norms(p, root, in))
		return p->rc;
	if (!in->has_total) {
		if (in->n_subscales == 0)
			return fail(p, "$.scoring.total", "false needs at least "
			            "one subscale");
		if (in->n_bands)
			return fail(p, "$.bands", "apply to the total, and "
			            "\"total\" is false");
		for (i = 0; i < in->n_flags; i++)
			if (in->flags[i].scale_ix == 0)
				return fail(p, "$.flags", "a flag on the total needs "
				            "a total");
	}
	return ATTUNE_OK;
}

static int make_plan(pctx *p, const attune_instrument *in,
                     const attune_scale *sc, struct scale_plan *pl)
{
	double *off = arena_alloc(p->a, sc->n_items * sizeof(double));
	double *sign = arena_alloc(p->a, sc->n_items * sizeof(double));
	size_t k;

	if (!off || !sign)
		return oom(p);
	for (k = 0; k < sc->n_items; k++) {
		const attune_item *it = &in->items[sc->items[k]];
		off[k] = it->reverse ? it->min + it->max : 0;
		sign[k] = it->reverse ? -1 : 1;
	}
	pl->n = sc->n_items;
	pl->ix = sc->items;
	pl->off = off;
	pl->sign = sign;
	return ATTUNE_OK;
}

/* Line and column (1-based) of offset off in buf. */
static void line_col(const char *buf, size_t len, size_t off, size_t *line,
                     size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int attune_instrument_parse(const char *buf, size_t len, const char *zName,
                            attune_instrument **out, attune_err *err)
{
	struct instrument_impl *impl = NULL;
	cJSON *root = NULL;
	const char *end = NULL;
	size_t bad, line, col;
	pctx p;
	int rc;

	*out = NULL;
	if (!zName)
		zName = "(instrument)";
	if (len > ATTUNE_INSTRUMENT_FILE_MAX)
		return attune_err_set(err, ATTUNE_ELIMIT, "%s: larger than "
		                      "ATTUNE_INSTRUMENT_FILE_MAX (1 MiB)", zName);
	if (!utf8_valid(buf, len, &bad)) {
		line_col(buf, len, bad, &line, &col);
		return attune_err_set(err, ATTUNE_EINVAL, "%s:%zu:%zu: invalid "
		                      "UTF-8 at byte offset %zu", zName, line,
		                      col, bad);
	}
	if (memchr(buf, '\0', len))
		return attune_err_set(err, ATTUNE_EINVAL, "%s: contains a NUL "
		                      "byte", zName);
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root) {
		size_t off = end && end >= buf ? (size_t)(end - buf) : 0;
		line_col(buf, len, off, &line, &col);
		return attune_err_set(err, ATTUNE_EINVAL, "%s:%zu:%zu: JSON "
		                      "syntax error", zName, line, col);
	}
	impl = calloc(1, sizeof(*impl));
	if (!impl) {
		rc = attune_err_set(err, ATTUNE_ENOMEM, "%s: out of memory",
		                    zName);
		goto out;
	}
	arena_init(&impl->a);
	p.zName = zName;
	p.err = err;
	p.a = &impl->a;
	p.rc = ATTUNE_OK;
	rc = parse_root(&p, root, &impl->pub);
	if (rc)
		goto out;
	rc = make_plan(&p, &impl->pub, &impl->pub.total, &impl->total);
	for (size_t i = 0; rc == ATTUNE_OK && i < impl->pub.n_subscales; i++)
		rc = make_plan(&p, &impl->pub, &impl->pub.subscales[i],
		               &impl->sub[i]);
	if (rc)
		goto out;
	*out = &impl->pub;
	impl = NULL;
out:
	cJSON_Delete(root);
	if (impl) {
		arena_free(&impl->a);
		free(impl);
	}
	return rc;
}

void attune_instrument_free(attune_instrument *in)
{
	struct instrument_impl *impl = (struct instrument_impl *)in;

	if (!impl)
		return;
	arena_free(&impl->a);
	free(impl);
}

int attune_instrument_item_index(const attune_instrument *in, const char *zId)
{
	return item_of(in, zId);
}

int attune_item_value_ok(const attune_item *it, double v)
{
	size_t i;

	if (v >= 0 && v < 64 && v == (double)(int)v &&
	    ((it->small_ints >> (int)v) & 1u))
		return 1;
	if (v != v)
		return 0;
	if (it->is_range) {
		double k;
		if (v < it->min || v > it->max)
			return 0;
		k = (v - it->min) / it->step;
		return fabs(k - floor(k + 0.5)) < 1e-6;
	}
	for (i = 0; i < it->n_options; i++)
		if (it->options[i].value == v)
			return 1;
	return 0;
}

/* ---- Licensed wording loaded from a local file ---- */

int attune_instrument_load_wording(attune_instrument *in, const char *buf,
                                   size_t len, const char *zName,
                                   attune_err *err)
{
	static const char *const keys[] = {"instrument", "preamble", "items",
	                                   "options", "anchors", NULL};
	struct instrument_impl *impl = (struct instrument_impl *)in;
	const char *texts[ATTUNE_ITEMS_MAX] = {0};
	const char *preamble = NULL, *id = NULL;
	const cJSON *items, *opts, *c;
	cJSON *root = NULL;
	const char *end = NULL;
	attune_item *mitems = (attune_item *)in->items;
	/* Option labels are staged and applied only when all is valid. */
	const char **labels[ATTUNE_ITEMS_MAX] = {0};
	const char *anchor_lo[ATTUNE_ITEMS_MAX] = {0};
	const char *anchor_hi[ATTUNE_ITEMS_MAX] = {0};
	const cJSON *anchors;
	size_t bad, line, col, i;
	arena stage;
	pctx p;
	int rc;

	arena_init(&stage);
	if (!zName)
		zName = "(wording)";
	if (len > ATTUNE_INSTRUMENT_FILE_MAX)
		return attune_err_set(err, ATTUNE_ELIMIT, "%s: larger than "
		                      "ATTUNE_INSTRUMENT_FILE_MAX (1 MiB)", zName);
	if (!utf8_valid(buf, len, &bad)) {
		line_col(buf, len, bad, &line, &col);
		return attune_err_set(err, ATTUNE_EINVAL, "%s:%zu:%zu: invalid "
		                      "UTF-8 at byte offset %zu", zName, line,
		                      col, bad);
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root) {
		size_t off = end && end >= buf ? (size_t)(end - buf) : 0;
		line_col(buf, len, off, &line, &col);
		return attune_err_set(err, ATTUNE_EINVAL, "%s:%zu:%zu: JSON "
		                      "syntax error", zName, line, col);
	}
	p.zName = zName;
	p.err = err;
	p.a = &impl->a;  /* strings land in the instrument's arena */
	p.rc = ATTUNE_OK;
	if (!cJSON_IsObject(root)) {
		rc = fail(&p, "$", "must be a JSON object");
		goto out;
	}
	if (check_keys(&p, root, "$", keys) ||
	    get_str(&p, root, "$", "instrument", 1, 0, &id) ||
	    get_str(&p, root, "$", "preamble", 0, 1, &preamble)) {
		rc = p.rc;
		goto out;
	}
	if (strcmp(id, in->id) != 0) {
		rc = fail(&p, "$.instrument", "names a different instrument");
		goto out;
	}
	if (!in->wording_licensed) {
		rc = fail(&p, "$.instrument", "already ships its wording; "
		          "nothing to load");
		goto out;
	}
	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (!items || !cJSON_IsObject(items)) {
		rc = fail(&p, "$.items", "must be an object {item id: text}");
		goto out;
	}
	cJSON_ArrayForEach(c, items) {
		char sp[PATH_MAX_];
		int ix = valid_id(c->string, 0) ? item_of(in, c->string) : -1;

		subpath(sp, sizeof(sp), "$.items",
		        valid_id(c->string, 0) ? c->string : "?");
		if (ix < 0) {
			rc = fail(&p, sp, "is not an item of this instrument");
			goto out;
		}
		if (!cJSON_IsString(c) || !c->valuestring[0] ||
		    strlen(c->valuestring) > ATTUNE_TEXT_MAX) {
			rc = fail(&p, sp, "must be a non-empty string of at most "
			          "4096 bytes");
			goto out;
		}
		texts[ix] = c->valuestring;
	}
	opts = cJSON_GetObjectItemCaseSensitive(root, "options");
	if (opts && !cJSON_IsObject(opts)) {
		rc = fail(&p, "$.options", "must be an object {item id: [labels]}");
		goto out;
	}
	if (opts) {
		cJSON_ArrayForEach(c, opts) {
			char sp[PATH_MAX_];
			int ix = valid_id(c->string, 0) ? item_of(in, c->string)
			                                : -1;
			const cJSON *l;
			size_t k = 0;

			subpath(sp, sizeof(sp), "$.options",
			        valid_id(c->string, 0) ? c->string : "?");
			if (ix < 0) {
				rc = fail(&p, sp, "is not an item of this "
				          "instrument");
				goto out;
			}
			if (in->items[ix].is_range || !cJSON_IsArray(c) ||
			    (size_t)cJSON_GetArraySize(c) !=
			    in->items[ix].n_options) {
				rc = fail(&p, sp, "must be an array with one label "
				          "per response option");
				goto out;
			}
			labels[ix] = arena_alloc(&stage, in->items[ix].n_options *
			                         sizeof(char *));
			if (!labels[ix]) {
				rc = oom(&p);
				goto out;
			}
			cJSON_ArrayForEach(l, c) {
				if (!cJSON_IsString(l) || !l->valuestring[0]) {
					rc = fail(&p, sp, "labels must be non-empty "
					          "strings");
					goto out;
				}
				labels[ix][k++] = l->valuestring;
			}
		}
	}
	anchors = cJSON_GetObjectItemCaseSensitive(root, "anchors");
	if (anchors && !cJSON_IsObject(anchors)) {
		rc = fail(&p, "$.anchors", "must be an object {item id: [low, "
		          "high]}");
		goto out;
	}
	if (anchors) {
		cJSON_ArrayForEach(c, anchors) {
			char sp[PATH_MAX_];
			int ix = valid_id(c->string, 0) ? item_of(in, c->string)
			                                : -1;
			const cJSON *lo, *hi;

			subpath(sp, sizeof(sp), "$.anchors",
			        valid_id(c->string, 0) ? c->string : "?");
			if (ix < 0) {
				rc = fail(&p, sp, "is not an item of this "
				          "instrument");
				goto out;
			}
			lo = cJSON_GetArrayItem(c, 0);
			hi = cJSON_GetArrayItem(c, 1);
			if (!in->items[ix].is_range || !cJSON_IsArray(c) ||
			    cJSON_GetArraySize(c) != 2 || !cJSON_IsString(lo) ||
			    !cJSON_IsString(hi) || !lo->valuestring[0] ||
			    !hi->valuestring[0] ||
			    strlen(lo->valuestring) > ATTUNE_TEXT_MAX ||
			    strlen(hi->valuestring) > ATTUNE_TEXT_MAX) {
				rc = fail(&p, sp, "must be [\"low anchor\", \"high "
				          "anchor\"] of a visual-analogue item");
				goto out;
			}
			anchor_lo[ix] = lo->valuestring;
			anchor_hi[ix] = hi->valuestring;
		}
	}
	/* Everything checked: apply. Copies go into the instrument's arena;
	 * an allocation failure part-way leaves older text in place, which
	 * is still a consistent instrument. */
	for (i = 0; i < in->n_items; i++) {
		if (texts[i]) {
			char *t = arena_strdup(&impl->a, texts[i]);
			if (!t) {
				rc = oom(&p);
				goto out;
			}
			mitems[i].text = t;
		}
		if (anchor_lo[i]) {
			const char *lo = arena_strdup(&impl->a, anchor_lo[i]);
			const char *hi = arena_strdup(&impl->a, anchor_hi[i]);
			if (!lo || !hi) {
				rc = oom(&p);
				goto out;
			}
			mitems[i].min_label = lo;
			mitems[i].max_label = hi;
		}
		if (labels[i]) {
			attune_option *o = arena_alloc(&impl->a,
			        mitems[i].n_options * sizeof(*o));
			size_t k;
			if (!o) {
				rc = oom(&p);
				goto out;
			}
			for (k = 0; k < mitems[i].n_options; k++) {
				o[k].value = mitems[i].options[k].value;
				o[k].code = mitems[i].options[k].code;
				o[k].label = arena_strdup(&impl->a, labels[i][k]);
				if (!o[k].label) {
					rc = oom(&p);
					goto out;
				}
			}
			mitems[i].options = o;
		}
	}
	if (preamble)
		in->preamble = preamble;
	rc = ATTUNE_OK;
out:
	arena_free(&stage);
	cJSON_Delete(root);
	return rc;
}
