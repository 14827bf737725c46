/* items.h - questionnaires as HTML form fields and back (items.c).
 * Private to web/. */
#ifndef ATTUNE_WEB_ITEMS_H
#define ATTUNE_WEB_ITEMS_H

#include "web/web.h"

/* 1 when every item has its wording (licensed wording may be absent:
 * such an instrument can be entered from paper but not sent to a
 * client). */
int items_have_wording(const attune_instrument *in);

/* The instrument as a <fieldset>: item i's field is named zPrefix + i
 * (1-based), e.g. "a.3" or "a.phq9.3". prefill (may be NULL) holds
 * answers to show checked (NaN: none). */
void items_form(strbuf *b, const attune_instrument *in, const char *zPrefix,
                const double *prefill);

/* Read the answers of in from the posted form into v[0..n_items) (NaN
 * when not answered) and check them by the instrument's rules.
 * ATTUNE_EINVAL with *iBad the first item (0-based) that is not a
 * number or not an allowed answer; *iBad == in->n_items when a field
 * with the prefix names no item. *n_answered counts answers given. */
int items_parse(const struct web_req *r, const attune_instrument *in,
                const char *zPrefix, double *v, size_t *n_answered,
                size_t *iBad);

#endif
