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

/* ---- Transcripts (lib/text) ---- */

/* A transcript buffer (any format), and the text of one transcript read
 * from a CSV stream. A 3-hour session is about 200 KB of text; AnnoMI's
 * 106 whole sessions are 1.9 MB as CSV. 16 MiB leaves room for JSON from
 * speech-to-text tools (word timings inflate it tenfold) and bounds the
 * memory a hostile upload can take. */
#define ATTUNE_TRANSCRIPT_SIZE_MAX (16u << 20)

/* Utterances in one transcript. AnnoMI's longest session has 394; a
 * 3-hour session with a turn every 2 seconds has 5400. 100 000 bounds the
 * utterance array (about 7 MB). */
#define ATTUNE_TRANSCRIPT_UTTERANCES_MAX 100000u

/* Bytes of one utterance's text after normalisation. AnnoMI's longest is
 * 1212; a 5-minute monologue is about 5 KB. 64 KiB matches
 * ATTUNE_CSV_LINE_MAX, so a CSV row can always hold one. */
#define ATTUNE_UTTERANCE_TEXT_MAX (64u * 1024u)

/* Bytes of a speaker label ("T", "Dr Lee", "SPEAKER_01") and of a name
 * in the caller's speaker map. */
#define ATTUNE_SPEAKER_LABEL_MAX 64u

/* Names in a speaker map ("Dr Lee=therapist,Sam=client"). */
#define ATTUNE_SPEAKER_MAP_MAX 32u

/* Nested voice spans (<v A>..<v B>..</v>..</v>) in one WebVTT or SRT cue.
 * Real files have one; 8 keeps the stack fixed-size. */
#define ATTUNE_VOICE_DEPTH_MAX 8u

/* Largest timestamp, in milliseconds: 100 hours. Far above any session,
 * and keeps every sum of times inside int64. */
#define ATTUNE_TRANSCRIPT_TIME_MAX_MS (100LL * 3600 * 1000)

/* One HTML fragment of the session mirror (mirror_html.h): a turn's
 * markup is its escaped text (entities at most 6x) plus about 1 KB of
 * codes and marks, so 128 MiB holds the largest transcript attune reads;
 * the web server's page limit is far smaller and applies after. */
#define ATTUNE_MIRROR_HTML_MAX ((size_t)128 << 20)

/* One line of an archive (attune export --all): the longest row is an
 * audit row or a response with ATTUNE_ITEMS_MAX values, both far below
 * this; a longer line is damage, not data. */
#define ATTUNE_ARCHIVE_LINE_MAX (256u * 1024u)
/* An archive as a whole has no size limit: attune import streams it,
 * holding one line (and the key runs of docs/archive.md) at a time. */

#endif
