/* instrument.h - questionnaire definitions loaded from JSON data files.
 *
 * The file format is documented in docs/instruments.md. Parsing works on a
 * buffer (no I/O); the caller reads the file. A parsed instrument is
 * immutable and may be shared between threads. */
#ifndef ATTUNE_INSTRUMENT_H
#define ATTUNE_INSTRUMENT_H

#include "attune.h"
#include "limits.h"

/* Who answers an instrument. */
typedef enum attune_respondent {
	ATTUNE_RESPONDENT_CLIENT = 0,
	ATTUNE_RESPONDENT_THERAPIST = 1
} attune_respondent;

typedef enum attune_method {
	ATTUNE_METHOD_SUM = 0,
	ATTUNE_METHOD_MEAN = 1
} attune_method;

/* Which way is better on the total: PHQ-9 lower, alliance higher. */
typedef enum attune_direction {
	ATTUNE_LOWER_IS_BETTER = 0,
	ATTUNE_HIGHER_IS_BETTER = 1
} attune_direction;

typedef enum attune_flag_op {
	ATTUNE_OP_GE = 0, ATTUNE_OP_GT, ATTUNE_OP_LE, ATTUNE_OP_LT, ATTUNE_OP_EQ
} attune_flag_op;

typedef struct attune_option {
	double value;
	const char *label;
	const char *code;      /* LOINC answer code (LA...), or NULL */
} attune_option;

typedef struct attune_item {
	const char *id;
	const char *text;      /* NULL when the wording is licensed and not loaded */
	const char *loinc;     /* NULL when none */
	int scored;            /* 0: recorded but never part of a score */
	int reverse;           /* reverse-keyed: v' = min + max - v */
	int is_range;          /* 1: any value min..max in steps of step (VAS) */
	double min, max, step; /* for options: smallest and largest value */
	size_t n_options;
	const attune_option *options;
	uint64_t small_ints;   /* bit k set: the whole number k (0..63) is an
	                          option value (a fast validation path) */
	const char *min_label, *max_label; /* anchors of a range item, or NULL */
} attune_item;

/* The total or one subscale. */
typedef struct attune_scale {
	const char *id;
	const char *title;
	attune_method method;
	size_t n_items;
	const unsigned *items;   /* indexes into attune_instrument.items */
	unsigned max_missing;    /* prorate when 1..max_missing items are missing;
	                            with more, no score. 0: any missing, no score */
	int round_digits;        /* round the (prorated) score to this many
	                            decimals, half away from zero; -1: never */
	double min, max;         /* possible range of the score */
} attune_scale;

typedef struct attune_band {
	double min, max;         /* inclusive, on the total */
	const char *label;
} attune_band;

typedef struct attune_flag_rule {
	const char *id;          /* e.g. "risk-self-harm" */
	const char *label;       /* what every output shows */
	const char *scale;       /* NULL: tests item; else "total" or subscale id */
	int scale_ix;            /* -1: tests item; 0: total; 1 + k: subscale k */
	unsigned item;           /* index of the tested item when scale_ix < 0 */
	attune_flag_op op;
	double value;
} attune_flag_rule;

/* Norms for reliable change and clinical significance. Absent values are
 * NaN. */
typedef struct attune_norms {
	double reliability;      /* r_xx, e.g. Cronbach's alpha */
	double clin_mean, clin_sd;
	double func_mean, func_sd;
	double cutoff;           /* clinical cut-off on the total: "case" when the
	                            total is on the worse side, inclusive */
	double reliable_change;  /* points needed for reliable change */
	const char *source;
} attune_norms;

typedef struct attune_instrument {
	const char *id;          /* short, stable: "phq9" */
	const char *title;
	const char *short_title;
	const char *version;
	const char *kind;        /* "outcome", "alliance", "attachment",
	                            "reflective" */
	int validated;           /* 0 for attune's own reflective check-ins */
	const char *licence;
	const char *licence_url;
	int wording_licensed;    /* 1: item text must be loaded locally */
	const char *citation;
	const char *preamble;    /* instructions shown before the items */
	const char *loinc_panel, *loinc_total;
	attune_respondent respondent;
	attune_direction direction;
	size_t n_items;
	const attune_item *items;
	int has_total;           /* 0: the instrument publishes no total (ECR-RS);
	                            total is then always NaN */
	attune_scale total;      /* all scored items (also when !has_total, for
	                            counting missing answers) */
	size_t n_subscales;
	const attune_scale *subscales;
	size_t n_bands;
	const attune_band *bands;
	size_t n_flags;
	const attune_flag_rule *flags;
	attune_norms norms;
} attune_instrument;

/* Parse and validate one instrument definition from buf[0..len).
 * zName names the source in messages ("instruments/phq9.json"). On
 * failure returns ATTUNE_EINVAL (or ELIMIT/ENOMEM) and writes
 * "FILE: $.items[3].options[1].value: must be a number" to err; *out is
 * set to NULL. On success the caller owns *out and frees it with
 * attune_instrument_free(). */
int attune_instrument_parse(const char *buf, size_t len, const char *zName,
                            attune_instrument **out, attune_err *err);

/* Free an instrument. NULL is a no-op. */
void attune_instrument_free(attune_instrument *in);

/* Index of the item with id zId, or -1. */
int attune_instrument_item_index(const attune_instrument *in, const char *zId);

/* Load licensed wording from a local JSON file's buffer of the form
 *   {"instrument": "wai-sr", "items": {"wai1": "text", ...},
 *    "preamble": "...", "options": {"wai1": ["label", ...]}}
 * into in (which must have wording_licensed set). Returns ATTUNE_EINVAL
 * naming the JSON path when the file does not match the instrument; in is
 * unchanged then. */
int attune_instrument_load_wording(attune_instrument *in, const char *buf,
                                   size_t len, const char *zName,
                                   attune_err *err);

/* Check that v is an allowed answer for item i. 1 = ok, 0 = not. NaN
 * (missing) is never allowed here; callers handle missing first. */
int attune_item_value_ok(const attune_item *it, double v);

/* Write the FHIR R4 Questionnaire resource for in as JSON into a newly
 * allocated NUL-terminated string (*out, freed with free()). */
int attune_instrument_to_fhir(const attune_instrument *in, char **out,
                              attune_err *err);

/* ---- Catalogue: the set of instruments a program works with. ---- */

typedef struct attune_catalog attune_catalog;

/* New empty catalogue; NULL on out of memory. */
attune_catalog *attune_catalog_new(void);

/* Add in to the catalogue, which takes ownership (also on failure, where
 * in is freed). ATTUNE_EEXIST when the id is already there. */
int attune_catalog_add(attune_catalog *cat, attune_instrument *in,
                       attune_err *err);

/* Parse buf and add it: attune_instrument_parse + attune_catalog_add. */
int attune_catalog_add_json(attune_catalog *cat, const char *buf, size_t len,
                            const char *zName, attune_err *err);

/* Add the instruments compiled into libattune (instruments/ at build
 * time). */
int attune_catalog_add_builtin(attune_catalog *cat, attune_err *err);

/* Borrowed pointer valid until the catalogue is freed; NULL if absent. */
const attune_instrument *attune_catalog_find(const attune_catalog *cat,
                                             const char *zId);
attune_instrument *attune_catalog_find_mut(attune_catalog *cat,
                                           const char *zId);

/* Load a licensed-wording file (format of attune_instrument_load_wording)
 * into the catalogue instrument it names in its "instrument" field. */
int attune_catalog_load_wording(attune_catalog *cat, const char *buf,
                                size_t len, const char *zName,
                                attune_err *err);

size_t attune_catalog_count(const attune_catalog *cat);
const attune_instrument *attune_catalog_at(const attune_catalog *cat,
                                           size_t i);

void attune_catalog_free(attune_catalog *cat);

#endif
