/* transcript_text.c - plain-text transcripts: "T: ..." / "Client: ..." /
 * "Dr Lee: ..." lines, continuation lines, blank lines between turns,
 * optional "[hh:mm:ss]" at the start of a line. Rules in
 * docs/transcripts.md. */
#include "text/text_int.h"

/* "[00:01:05]" at s[0]: 1 and *ms, *used (the brackets and the blanks
 * after them) when it is one; 0 when the brackets hold something else
 * ("[laughs]"); an error when they hold a timestamp out of range. */
static int bracket_time(trb *b, const char *s, size_t n, size_t line,
                        int64_t *ms, size_t *used, int *rc)
{
	char why[96];
	size_t i, colon = 0;

	*rc = ATTUNE_OK;
	for (i = 1; i < n && i < 24 && s[i] != ']'; i++) {
		if (s[i] == ':')
			colon = 1;
		else if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		           s[i] == ','))
			return 0;
	}
	if (i >= n || s[i] != ']' || !colon)
		return 0;
	*rc = ts_parse(s + 1, i - 1, 0, ms, why, sizeof(why));
	if (*rc) {
		*rc = trb_fail(b, *rc, line, "%s", why);
		return 0;
	}
	for (i++; i < n && is_blank((unsigned char)s[i]); i++)
		;
	*used = i;
	return 1;
}

int tr_read_text(trb *b, const char *buf, size_t len)
{
	const int known_only = (b->flags & ATTUNE_TRANSCRIPT_KNOWN_LABELS) != 0;
	int64_t ts, pending_ts = -1;
	size_t n, off, ln, rest;
	const char *s, *q;
	lines L;
	int rc;

	if ((rc = trb_begin(b, NULL, 0, 1)) != ATTUNE_OK)
		return rc;
	lines_init(&L, buf, len);
	while (lines_next(&L, &s, &n)) {
		s = trim(s, &n);
		if (n == 0) {  /* a blank line ends the turn */
			if ((rc = trb_end_turn(b)) != ATTUNE_OK)
				return rc;
			continue;
		}
		ts = -1;
		off = 0;
		if (s[0] == '[' && !bracket_time(b, s, n, L.lno, &ts, &off, &rc)
		    && rc)
			return rc;
		if (off == n) {  /* a timestamp alone: for the next turn */
			pending_ts = ts;
			continue;
		}
		if (ts < 0)
			ts = pending_ts;
		pending_ts = -1;
		q = s + off;
		if (spk_prefix(&b->map, q, n - off, known_only, &ln, &rest)) {
			rc = trb_turn(b, q, ln, 1, L.lno, ts, -1);
			if (rc)
				return rc;
			trb_put(b, q + rest, n - off - rest);
		} else if (b->open && ts < 0) {
			trb_newline(b);
			trb_put(b, q, n - off);
		} else {
			/* After a blank line (or with its own timestamp):
			 * a new utterance of the same speaker. */
			if ((rc = trb_turn_same(b, L.lno, ts, -1)) != ATTUNE_OK)
				return rc;
			trb_put(b, q, n - off);
		}
	}
	return trb_finish(b);
}
