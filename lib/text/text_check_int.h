/* text_check_int.h - the invariants every parsed transcript keeps, and a
 * driver that reads one input under several options and checks them.
 * Used by the fuzz targets fuzz/fuzz_transcript_*.c (a violation traps)
 * and by tests/unit/test_transcript.c. Library-internal. */
#ifndef ATTUNE_TEXT_CHECK_INT_H
#define ATTUNE_TEXT_CHECK_INT_H

#include <stdlib.h>
#include <string.h>
#include "attune/transcript.h"
#include "attune/limits.h"
#include "util/util_int.h"

/* 0 when t keeps every invariant, else a number naming the broken one.
 * n_lines: lines in the input (an upper bound for utterance lines). */
static inline int tr_check(const attune_transcript *t, size_t n_lines)
{
	size_t i, last_line = 0, last_turn = 0;

	if (!t->name || (t->n && !t->u) ||
	    t->n > ATTUNE_TRANSCRIPT_UTTERANCES_MAX || t->n_unordered > t->n)
		return 1;
	for (i = 0; i < t->n; i++) {
		const attune_utterance *u = &t->u[i];
		size_t k = u->text_len;
		if (!u->text || !u->label || strlen(u->text) != k ||
		    k > ATTUNE_UTTERANCE_TEXT_MAX)
			return 2;
		if (!utf8_valid(u->text, k, NULL) ||
		    !utf8_valid(u->label, strlen(u->label), NULL))
			return 3;
		if (memchr(u->text, '\n', k) || memchr(u->text, '\r', k))
			return 4;
		if (k && (u->text[0] == ' ' || u->text[0] == '\t' ||
		          u->text[k - 1] == ' ' || u->text[k - 1] == '\t'))
			return 5;
		if (strlen(u->label) > ATTUNE_SPEAKER_LABEL_MAX)
			return 6;
		if ((int)u->speaker < 0 || (int)u->speaker > 2)
			return 7;
		if (u->start_ms < -1 || u->end_ms < -1 ||
		    u->start_ms > ATTUNE_TRANSCRIPT_TIME_MAX_MS ||
		    u->end_ms > ATTUNE_TRANSCRIPT_TIME_MAX_MS ||
		    (u->start_ms >= 0 && u->end_ms >= 0 &&
		     u->end_ms < u->start_ms))
			return 8;
		if (u->line < 1 || u->line > n_lines || u->line < last_line)
			return 9;
		if (u->turn < last_turn || u->turn > i)
			return 10;
		if (u->utterance_id && strlen(u->utterance_id) > 64)
			return 11;
		last_line = u->line;
		last_turn = u->turn;
	}
	return 0;
}

struct tr_check_ctx {
	size_t n_lines;
	size_t count;
	int bad;
};

static inline int tr_check_cb(void *ctx, attune_transcript **t)
{
	struct tr_check_ctx *c = ctx;
	char *s = NULL;
	size_t n = 0;

	c->count++;
	if (!c->bad)
		c->bad = tr_check(*t, c->n_lines);
	if (!c->bad && (attune_transcript_canonical(*t, &s, &n) != ATTUNE_OK ||
	                strlen(s) != n))
		c->bad = 20;
	free(s);
	/* Keep every other transcript: the hand-off path. */
	if (c->count % 2 == 0) {
		attune_transcript_free(*t);
		*t = NULL;
	}
	return 0;
}

/* Read buf as format f under default and under unusual options; 0 when
 * every transcript keeps the invariants and every failure has a
 * "NAME:LINE: what" message, else the broken invariant. */
static inline int tr_check_input(const char *buf, size_t len,
                                 attune_transcript_format f)
{
	static const char name[] = "fuzz";
	attune_transcript_opts o[3];
	struct tr_check_ctx c;
	attune_transcript *t;
	attune_err err;
	size_t i, n_lines = 1;
	int rc, k;

	for (i = 0; i < len; i++)
		n_lines += buf[i] == '\n' || (buf[i] == '\r' &&
		                              !(i + 1 < len && buf[i + 1] == '\n'));
	memset(o, 0, sizeof(o));
	o[0].format = f;
	o[1].format = f;
	o[1].speakers = "Dr Lee=therapist,Sam=client,x=other";
	o[1].flags = ATTUNE_TRANSCRIPT_KEEP_CUES |
	             ATTUNE_TRANSCRIPT_KNOWN_LABELS;
	o[1].split_len = 16;
	o[2].format = ATTUNE_TRANSCRIPT_AUTO;
	for (k = 0; k < 3; k++) {
		memset(&c, 0, sizeof(c));
		c.n_lines = n_lines;
		rc = attune_transcript_each(buf, len, name, &o[k], tr_check_cb,
		                            &c, &err);
		if (c.bad)
			return c.bad;
		if (rc && (strncmp(err.msg, "fuzz:", 5) != 0 ||
		           (rc != ATTUNE_EINVAL && rc != ATTUNE_ELIMIT)))
			return 30;
	}
	rc = attune_transcript_parse(buf, len, name, &o[0], &t, &err);
	if (rc == ATTUNE_OK) {
		k = tr_check(t, n_lines);
		attune_transcript_free(t);
		if (k)
			return k;
	} else if (t) {
		return 31;
	}
	return 0;
}

#endif
