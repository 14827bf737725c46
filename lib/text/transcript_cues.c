/* transcript_cues.c - WebVTT (W3C WebVTT 1, https://www.w3.org/TR/webvtt1/)
 * and SubRip (SRT) transcripts: cues with timings, speakers from voice
 * tags <v Name> or "Name:" prefixes, markup stripped, entities decoded.
 * Consecutive cues of one speaker are merged into one turn unless
 * ATTUNE_TRANSCRIPT_KEEP_CUES. Rules in docs/transcripts.md. */
#include "text/text_int.h"

/* A speaker state: explicit (a voice tag, a "Name:" prefix, or "- " for
 * an unnamed new speaker) or a continuation of whoever spoke last. */
typedef struct vstate {
	int expl;
	const char *lab;
	size_t labn;
} vstate;

typedef struct cue_rd {
	trb *b;
	int srt;
	int keep;               /* ATTUNE_TRANSCRIPT_KEEP_CUES */
	int known_only;         /* ATTUNE_TRANSCRIPT_KNOWN_LABELS */
	int64_t start, end;     /* times of the cue being read */
	vstate st[ATTUNE_VOICE_DEPTH_MAX + 1];  /* st[0]: the line's state */
	size_t depth;
	char vlab[ATTUNE_VOICE_DEPTH_MAX + 1][ATTUNE_SPEAKER_LABEL_MAX + 1];
	int attached;           /* the current segment has a turn */
	size_t seg_line;
	size_t lno;             /* line being read */
} cue_rd;

/* Give the current segment a turn: join the open turn when the speaker
 * is the same (or not said), else open a new one. */
static int attach(cue_rd *r)
{
	const vstate *v = &r->st[r->depth];
	trb *b = r->b;

	if (r->attached)
		return ATTUNE_OK;
	r->attached = 1;
	if (v->expl ? (!r->keep && v->labn && trb_same_label(b, v->lab, v->labn))
	            : b->open) {
		trb_newline(b);
		if (r->end > b->end)
			b->end = r->end;
		return ATTUNE_OK;
	}
	if (!v->expl && r->keep && b->labelled)
		return trb_turn_same(b, r->seg_line, r->start, r->end);
	return trb_turn(b, v->lab, v->labn, v->expl && v->labn, r->seg_line,
	                r->start, r->end);
}

/* The speaker changes: a segment that named a speaker but said nothing
 * still makes its turn; then a new segment begins. */
static int new_segment(cue_rd *r)
{
	int rc = ATTUNE_OK;

	if (!r->attached && r->st[r->depth].expl)
		rc = attach(r);
	r->attached = 0;
	r->seg_line = r->lno;
	return rc;
}

static int put_text(cue_rd *r, const char *s, size_t n)
{
	size_t i;
	int rc;

	if (!r->attached) {
		for (i = 0; i < n && is_blank((unsigned char)s[i]); i++)
			;
		if (i == n)
			return ATTUNE_OK;
		if ((rc = attach(r)) != ATTUNE_OK)
			return rc;
	}
	trb_put(r->b, s, n);
	return ATTUNE_OK;
}

/* <v.class Name> (push), </v> (pop); every other tag is dropped. */
static int tag(cue_rd *r, const char *t, size_t n)
{
	char *out;
	size_t i, k, used, w;
	int rc;

	if (n >= 2 && t[0] == '/' && t[1] == 'v' &&
	    (n == 2 || is_blank((unsigned char)t[2]))) {
		if (r->depth == 0)
			return ATTUNE_OK;
		if ((rc = new_segment(r)) != ATTUNE_OK)
			return rc;
		r->depth--;
		return ATTUNE_OK;
	}
	if (n == 0 || t[0] != 'v' ||
	    !(n == 1 || t[1] == '.' || is_blank((unsigned char)t[1])))
		return ATTUNE_OK;
	if (r->depth == ATTUNE_VOICE_DEPTH_MAX)
		return trb_fail(r->b, ATTUNE_ELIMIT, r->lno, "voice tags nested "
		                "deeper than ATTUNE_VOICE_DEPTH_MAX (%u)",
		                ATTUNE_VOICE_DEPTH_MAX);
	for (i = 1; i < n && !is_blank((unsigned char)t[i]); i++)
		;  /* classes */
	while (i < n && is_blank((unsigned char)t[i]))
		i++;
	k = n;
	while (k > i && is_blank((unsigned char)t[k - 1]))
		k--;
	if ((rc = new_segment(r)) != ATTUNE_OK)
		return rc;
	r->depth++;
	if (k == i) {  /* <v> without a name: the speaker does not change */
		r->st[r->depth] = r->st[r->depth - 1];
		return ATTUNE_OK;
	}
	out = r->vlab[r->depth];
	for (w = 0; i < k;) {
		char dec[4];
		size_t m = t[i] == '&' ? ent_decode(t + i, k - i, dec, &used) : 0;
		if (!m) {
			dec[0] = t[i];
			m = used = 1;
		}
		if (w + m > ATTUNE_SPEAKER_LABEL_MAX)
			return trb_fail(r->b, ATTUNE_ELIMIT, r->lno, "speaker "
			                "label longer than "
			                "ATTUNE_SPEAKER_LABEL_MAX (%u bytes)",
			                ATTUNE_SPEAKER_LABEL_MAX);
		memcpy(out + w, dec, m);
		w += m;
		i += used;
	}
	r->st[r->depth].expl = 1;
	r->st[r->depth].lab = out;
	r->st[r->depth].labn = w;
	return ATTUNE_OK;
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Bytes of markup other than voice tags at the start of s ("<i>",
 * "<font color=red>", "{\an8}"), so that "<i>T: Hi</i>" has a prefix. */
static size_t markup_len(const cue_rd *r, const char *s, size_t n)
{
	size_t i = 0;
	const char *q;

	while (i < n) {
		size_t t = i + 1 < n && s[i + 1] == '/' ? i + 2 : i + 1;
		if (s[i] == '<' && t < n && s[t] != 'v' &&
		    is_alpha((unsigned char)s[t]) &&
		    (q = memchr(s + i, '>', n - i)) != NULL)
			i = (size_t)(q - s) + 1;
		else if (r->srt && s[i] == '{' && i + 1 < n && s[i + 1] == '\\' &&
		         (q = memchr(s + i, '}', n - i)) != NULL)
			i = (size_t)(q - s) + 1;
		else
			break;
		while (i < n && is_blank((unsigned char)s[i]))
			i++;
	}
	return i;
}

/* One line of cue text. */
static int payload_line(cue_rd *r, const char *s, size_t n)
{
	size_t i, j, ln, rest, from, used, k;
	int rc, dash = 0;
	char dec[4];

	s = trim(s, &n);
	if (n >= 2 && s[0] == '-' && is_blank((unsigned char)s[1])) {
		dash = 1;  /* "- " marks a change of speaker in captions */
		for (s += 2, n -= 2; n && is_blank((unsigned char)*s); s++, n--)
			;
	}
	k = markup_len(r, s, n);
	if (k < n && s[k] != '<' &&
	    spk_prefix(&r->b->map, s + k, n - k, r->known_only, &ln, &rest)) {
		if ((rc = new_segment(r)) != ATTUNE_OK)
			return rc;
		s += k;  /* markup before the label ("<i>T: ...") goes */
		n -= k;
		r->depth = 0;
		r->st[0].expl = 1;
		r->st[0].lab = s;
		r->st[0].labn = ln;
		s += rest;
		n -= rest;
	} else if (dash) {
		if ((rc = new_segment(r)) != ATTUNE_OK)
			return rc;
		r->depth = 0;
		r->st[0].expl = 1;
		r->st[0].lab = "";
		r->st[0].labn = 0;
	} else if (r->attached) {
		trb_newline(r->b);
	} else {
		r->seg_line = r->lno;  /* the text starts here */
	}
	for (i = from = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '<') {
			const char *gt = memchr(s + i + 1, '>', n - i - 1);
			if (!gt || (r->srt && !(i + 1 < n && (is_alpha(
			           (unsigned char)s[i + 1]) || s[i + 1] == '/')))) {
				i++;  /* not a tag: a literal '<' */
				continue;
			}
			j = (size_t)(gt - s);
			if ((rc = put_text(r, s + from, i - from)) != ATTUNE_OK ||
			    (rc = tag(r, s + i + 1, j - i - 1)) != ATTUNE_OK)
				return rc;
			i = from = j + 1;
		} else if (c == '&') {
			k = ent_decode(s + i, n - i, dec, &used);
			if (!k) {
				i++;
				continue;
			}
			if ((rc = put_text(r, s + from, i - from)) != ATTUNE_OK ||
			    (rc = put_text(r, dec, k)) != ATTUNE_OK)
				return rc;
			i = from = i + used;
		} else if (c == '{' && r->srt && i + 1 < n && s[i + 1] == '\\') {
			/* {\an8}: an ASS override tag some SRT files carry. */
			const char *cb = memchr(s + i, '}', n - i);
			if (!cb) {
				i++;
				continue;
			}
			if ((rc = put_text(r, s + from, i - from)) != ATTUNE_OK)
				return rc;
			i = from = (size_t)(cb - s) + 1;
		} else {
			i++;
		}
	}
	return put_text(r, s + from, n - from);
}

/* "START --> END [settings]". */
static int timing(cue_rd *r, const char *s, size_t n)
{
	const char *a = s, *e = s + n, *t2;
	char why[96], b1[32], b2[32];
	int rc, strict = r->srt ? 2 : 1;  /* SRT words its errors so */
	size_t n1, n2;

	while (a + 3 <= e && !(a[0] == '-' && a[1] == '-' && a[2] == '>'))
		a++;
	n1 = (size_t)(a - s);
	s = trim(s, &n1);
	for (t2 = a + 3; t2 < e && is_blank((unsigned char)*t2); t2++)
		;
	for (n2 = 0; t2 + n2 < e && !is_blank((unsigned char)t2[n2]); n2++)
		;
	rc = ts_parse(s, n1, strict, &r->start, why, sizeof(why));
	if (rc == ATTUNE_OK)
		rc = ts_parse(t2, n2, strict, &r->end, why, sizeof(why));
	if (rc)
		return trb_fail(r->b, rc, r->lno, "%s", why);
	if (r->end < r->start) {
		ts_format(b1, r->start);
		ts_format(b2, r->end);
		return trb_fail(r->b, ATTUNE_EINVAL, r->lno, "cue ends (%s) "
		                "before it starts (%s)", b2, b1);
	}
	r->depth = 0;
	r->st[0].expl = 0;
	r->st[0].lab = "";
	r->st[0].labn = 0;
	r->attached = 0;
	r->seg_line = r->lno + 1;
	return ATTUNE_OK;
}

/* The cue is over: a named speaker without words still counts; turns of
 * nobody in particular (and every turn with KEEP_CUES) end here. */
static int cue_end(cue_rd *r)
{
	int rc;

	if ((rc = new_segment(r)) != ATTUNE_OK)
		return rc;
	if (r->keep || !r->b->labelled)
		return trb_end_turn(r->b);
	return ATTUNE_OK;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static int next_nonblank(lines *L, const char **s, size_t *n)
{
	while (lines_next(L, s, n)) {
		*s = trim(*s, n);
		if (*n)
			return 1;
	}
	return 0;
}

/* Read the payload after a timing line, then any cues that follow
 * without a blank line between them. */
static int cue_body(cue_rd *r, lines *L)
{
	const char *s;
	size_t n;
	int rc;

	for (;;) {
		if (!lines_next(L, &s, &n))
			break;
		r->lno = L->lno;
		s = trim(s, &n);
		if (n == 0)
			break;
		if (has_arrow(s, n)) {
			/* WebVTT 6.1: a "-->" line starts the next cue. */
			if ((rc = cue_end(r)) != ATTUNE_OK ||
			    (rc = timing(r, s, n)) != ATTUNE_OK)
				return rc;
			continue;
		}
		if (r->srt && all_digits(s, n)) {
			/* "2" then a timing line: the next cue, no blank. */
			lines peek = *L;
			const char *s2;
			size_t n2;
			if (lines_next(&peek, &s2, &n2) && has_arrow(s2, n2)) {
				*L = peek;
				r->lno = L->lno;
				if ((rc = cue_end(r)) != ATTUNE_OK ||
				    (rc = timing(r, s2, n2)) != ATTUNE_OK)
					return rc;
				continue;
			}
		}
		if ((rc = payload_line(r, s, n)) != ATTUNE_OK)
			return rc;
	}
	return cue_end(r);
}

static void rd_init(cue_rd *r, trb *b, int srt)
{
	memset(r, 0, sizeof(*r));
	r->b = b;
	r->srt = srt;
	r->keep = (b->flags & ATTUNE_TRANSCRIPT_KEEP_CUES) != 0;
	r->known_only = (b->flags & ATTUNE_TRANSCRIPT_KNOWN_LABELS) != 0;
	r->st[0].lab = "";
}

/* A block keyword ("NOTE", "STYLE", "REGION") alone or before a blank. */
static int keyword(const char *s, size_t n, const char *kw)
{
	size_t k = strlen(kw);

	return n >= k && memcmp(s, kw, k) == 0 &&
	       (n == k || is_blank((unsigned char)s[k]));
}

static void skip_block(lines *L)
{
	const char *s;
	size_t n;

	while (lines_next(L, &s, &n)) {
		s = trim(s, &n);
		if (n == 0)
			return;
	}
}

int tr_read_vtt(trb *b, const char *buf, size_t len)
{
	const char *s, *s2;
	size_t n, n2;
	cue_rd r;
	lines L;
	int rc;

	if ((rc = trb_begin(b, NULL, 0, 1)) != ATTUNE_OK)
		return rc;
	rd_init(&r, b, 0);
	lines_init(&L, buf, len);
	if (!next_nonblank(&L, &s, &n) || !keyword(s, n, "WEBVTT"))
		return trb_fail(b, ATTUNE_EINVAL, L.lno ? L.lno : 1, "missing "
		                "the WEBVTT header (a WebVTT file starts with "
		                "the line WEBVTT)");
	/* Header lines up to a blank line (or, leniently, a timing line). */
	while (lines_next(&L, &s, &n)) {
		s = trim(s, &n);
		if (n == 0)
			break;
		if (has_arrow(s, n)) {
			r.lno = L.lno;
			if ((rc = timing(&r, s, n)) != ATTUNE_OK ||
			    (rc = cue_body(&r, &L)) != ATTUNE_OK)
				return rc;
			break;
		}
	}
	while (next_nonblank(&L, &s, &n)) {
		r.lno = L.lno;
		if (keyword(s, n, "NOTE")) {
			skip_block(&L);
			continue;
		}
		if (!has_arrow(s, n)) {
			lines peek = L;
			int timed = lines_next(&peek, &s2, &n2) &&
			            has_arrow(s2, n2);
			if (!timed && (keyword(s, n, "STYLE") ||
			               keyword(s, n, "REGION"))) {
				skip_block(&L);
				continue;
			}
			if (!timed)
				return trb_fail(b, ATTUNE_EINVAL, L.lno + 1,
				                "expected a timing line "
				                "'hh:mm:ss.ttt --> hh:mm:ss.ttt' "
				                "after the cue id '%.*s'",
				                (int)(n > 40 ? 40 : n), s);
			L = peek;  /* s was the cue id */
			s = s2;
			n = n2;
			r.lno = L.lno;
		}
		if ((rc = timing(&r, s, n)) != ATTUNE_OK ||
		    (rc = cue_body(&r, &L)) != ATTUNE_OK)
			return rc;
	}
	return trb_finish(b);
}

int tr_read_srt(trb *b, const char *buf, size_t len)
{
	const char *s, *s2;
	size_t n, n2;
	cue_rd r;
	lines L;
	int rc;

	if ((rc = trb_begin(b, NULL, 0, 1)) != ATTUNE_OK)
		return rc;
	rd_init(&r, b, 1);
	lines_init(&L, buf, len);
	while (next_nonblank(&L, &s, &n)) {
		r.lno = L.lno;
		if (all_digits(s, n)) {
			if (!lines_next(&L, &s2, &n2) || !has_arrow(s2, n2))
				return trb_fail(b, ATTUNE_EINVAL, L.lno, "cue %.*s "
				                "has no timing line 'hh:mm:ss,ttt "
				                "--> hh:mm:ss,ttt'",
				                (int)(n > 20 ? 20 : n), s);
			s = s2;
			n = n2;
			r.lno = L.lno;
		} else if (!has_arrow(s, n)) {
			return trb_fail(b, ATTUNE_EINVAL, L.lno, "expected a cue "
			                "number or a timing line 'hh:mm:ss,ttt --> "
			                "hh:mm:ss,ttt'");
		}
		if ((rc = timing(&r, s, n)) != ATTUNE_OK ||
		    (rc = cue_body(&r, &L)) != ATTUNE_OK)
			return rc;
	}
	return trb_finish(b);
}
