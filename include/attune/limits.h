/* limits.h - every size limit of libattune in one place, with its reason.
 * A breach gives ATTUNE_ELIMIT and a message naming the limit, never a
 * crash or a silent truncation. */
#ifndef ATTUNE_LIMITS_H
#define ATTUNE_LIMITS_H

/* Instrument definitions are hand-written files of a few KiB; 1 MiB leaves
 * room for long licensed wording and keeps a hostile file from exhausting
 * memory. */
#define ATTUNE_INSTRUMENT_FILE_MAX (1u << 20)

/* No validated questionnaire we know has more than ~100 items; 128 keeps
 * per-row arrays on the stack. */
#define ATTUNE_ITEMS_MAX 128

/* Subscales per instrument (WAI has 3, CORE-OM 4 domains). */
#define ATTUNE_SUBSCALES_MAX 8

/* Response options per item (Likert scales have <= 11). */
#define ATTUNE_OPTIONS_MAX 32

/* Severity bands and flag rules per instrument. */
#define ATTUNE_BANDS_MAX 16
#define ATTUNE_FLAGS_MAX 16

/* Identifiers (instrument ids, item ids, client codes): short, stable
 * ASCII names. */
#define ATTUNE_ID_MAX 64

/* Free text in an instrument (item wording, titles, citations). */
#define ATTUNE_TEXT_MAX 4096

/* One CSV line. Scoring files have a few dozen short fields; 64 KiB is
 * generous and bounds memory per row. */
#define ATTUNE_CSV_LINE_MAX (64u * 1024u)

/* CSV fields per row: an id plus the items of the largest instrument,
 * with room for extra columns. */
#define ATTUNE_CSV_FIELDS_MAX 256

#endif
