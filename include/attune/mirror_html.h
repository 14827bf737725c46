/* mirror_html.h - the session mirror drawn as HTML: the summary table
 * with the moments worth another look, and the timeline (each turn with
 * its code, rupture markers and relational moves, rupture episodes
 * shaded, repairs marked). One drawing for both the web page
 * (web/mirror.c) and `attune mirror code|summary --format html`.
 *
 * The fragments are markup for inside a page's <body>, styled by the
 * caller's style sheet through m-* classes (docs/mirror.md lists them):
 * no inline style, no script, no external resource, so a strict
 * Content-Security-Policy holds. Every piece of input text (speech,
 * speaker labels, transcript ids, rule ids and names) is escaped for its
 * context, so markup in a transcript stays inert. Pure: no I/O. */
#ifndef ATTUNE_MIRROR_HTML_H
#define ATTUNE_MIRROR_HTML_H

#include <stddef.h>
#include "attune.h"
#include "mirror.h"
#include "mirror_rules.h"
#include "mirror_summary.h"
#include "transcript.h"

/* The summary of t (s from attune_mirror_summarise() over t, res and mk):
 * a table (utterances, talk share, R:Q and % complex reflections against
 * the MITI 4.2.1 thresholds, change talk, markers, episodes) and, when
 * there are any, "Moments worth another look" linking to the timeline's
 * #uI anchors. On success *out is a NUL-terminated string of *len bytes
 * (len may be NULL) that the caller frees with free(). ATTUNE_ENOMEM,
 * or ATTUNE_ELIMIT past ATTUNE_MIRROR_HTML_MAX bytes; *out NULL then. */
int attune_mirror_html_summary(const attune_transcript *t,
                               const attune_mirror_marks *mk,
                               const attune_mirror_summary *s,
                               char **out, size_t *len);

/* The timeline of t: an <ol class="m-tl"> with one <li id="uI"> per
 * utterance (I 0-based; the text shows #I+1, the line and the start
 * time). res: t->n codes; mk, s as above. Ownership and errors as
 * attune_mirror_html_summary(). */
int attune_mirror_html_timeline(const attune_transcript *t,
                                const attune_mirror_result *res,
                                const attune_mirror_marks *mk,
                                const attune_mirror_summary *s,
                                char **out, size_t *len);

/* Why moment k of s is worth another look, in plain text (not escaped):
 * "episode 2 repaired (confrontation, intensity 2, 3 markers):
 * own-contribution, then the client re-engaged (agreement)" or
 * "relational move outside a rupture episode: immediacy". *out and errors
 * as attune_mirror_html_summary(); ATTUNE_EINVAL when k is out of range. */
int attune_mirror_moment_why(const attune_mirror_summary *s,
                             const attune_mirror_marks *mk, size_t k,
                             char **out, size_t *len);

#endif
