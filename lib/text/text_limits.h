/* text_limits.h - the size limits of the transcript readers, with their
 * reasons. Proposed for include/attune/limits.h (where every other limit
 * lives); kept here until the lead moves them. A breach gives
 * ATTUNE_ELIMIT and a message "NAME:LINE: ... ATTUNE_..._MAX (n)". */
#ifndef ATTUNE_TEXT_LIMITS_H
#define ATTUNE_TEXT_LIMITS_H

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

#endif
