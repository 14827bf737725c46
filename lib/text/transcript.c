/* transcript.c - the public transcript API: input checks, format
 * detection, the transcript builder shared by every reader, and the
 * canonical text form. The readers live in transcript_{text,cues,csv,json}.c,
 * the small parsers they share in transcript_fields.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text/text_int.h"

#define POOL_CHUNK (64u * 1024u)

/* ---- names ------------------------------------------------------------- */

const char *attune_speaker_name(attune_speaker s)
{
	switch (s) {
	case ATTUNE_SPEAKER_THERAPIST: return "therapist";
	case ATTUNE_SPEAKER_CLIENT: return "client";
	case ATTUNE_SPEAKER_OTHER: break;
	}
	return "other";
}

const char *attune_transcript_format_name(attune_transcript_format f)
{
	switch (f) {
	case ATTUNE_TRANSCRIPT_TEXT: return "text";
	case ATTUNE_TRANSCRIPT_VTT: return "vtt";
	case ATTUNE_TRANSCRIPT_SRT: return "srt";
	case ATTUNE_TRANSCRIPT_CSV: return "csv";
	case ATTUNE_TRANSCRIPT_JSON: return "json";
	case ATTUNE_TRANSCRIPT_AUTO: break;
	}
	return "auto";
}

int attune_transcript_format_from_name(const char *z,
                                       attune_transcript_format *out)
{
	static const struct {
		const char *z;
		attune_transcript_format f;
	} names[] = {
		{"auto", ATTUNE_TRANSCRIPT_AUTO}, {"text", ATTUNE_TRANSCRIPT_TEXT},
		{"txt", ATTUNE_TRANSCRIPT_TEXT}, {"vtt", ATTUNE_TRANSCRIPT_VTT},
		{"webvtt", ATTUNE_TRANSCRIPT_VTT}, {"srt", ATTUNE_TRANSCRIPT_SRT},
		{"csv", ATTUNE_TRANSCRIPT_CSV}, {"json", ATTUNE_TRANSCRIPT_JSON},
	};
	size_t i;

	if (!z)
		return ATTUNE_EINVAL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (eq_ci(z, strlen(z), names[i].z)) {
			*out = names[i].f;
			return ATTUNE_OK;
		}
	return ATTUNE_EINVAL;
}

/* ---- builder ------------------------------------------------------------- */

int trb_fail(trb *b, int rc, size_t line, const char *fmt, ...)
{
	char what[ATTUNE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return attune_err_set(b->err, rc, "%s:%zu: %s", b->zName, line, what);
}

static int trb_oom(trb *b)
{
	return attune_err_set(b->err, ATTUNE_ENOMEM, "%s: out of memory",
	                      b->zName);
}

int trb_init(trb *b, const char *zName, const attune_transcript_opts *opts,
             attune_err *err)
{
	memset(b, 0, sizeof(*b));
	b->zName = zName ? zName : "(input)";
	b->err = err;
	if (opts) {
		b->format = opts->format;
		b->flags = opts->flags;
		b->split_len = opts->split_len;
	}
	return spk_map_parse(&b->map, opts ? opts->speakers : NULL, err);
}

void trb_cleanup(trb *b)
{
	attune_transcript_free((attune_transcript *)b->t);
	b->t = NULL;
	free(b->u);
	free(b->tx);
	b->u = NULL;
	b->tx = NULL;
}

const char *trb_strdup(trb *b, const char *s, size_t n)
{
	char *p;

	if (n + 1 > b->pool_left) {
		size_t want = n + 1 > POOL_CHUNK / 4 ? n + 1 : POOL_CHUNK;
		p = arena_alloc(&b->t->a, want);
		if (!p)
			return NULL;
		if (want != POOL_CHUNK) {  /* a big string: its own block */
			memcpy(p, s, n);
			p[n] = '\0';
			return p;
		}
		b->pool = p;
		b->pool_left = want;
	}
	p = b->pool;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	b->pool += n + 1;
	b->pool_left -= n + 1;
	return p;
}

int trb_begin(trb *b, const char *id, size_t id_n, size_t line)
{
	tr_impl *t;

	if (b->single && b->n_done > 0)
		return trb_fail(b, ATTUNE_EINVAL, line, "a second transcript "
		                "('%.*s') begins here, but one was expected",
		                (int)(id_n > 64 ? 64 : id_n), id ? id : "");
	if (id && id_n > ATTUNE_ID_MAX)
		return trb_fail(b, ATTUNE_ELIMIT, line, "transcript_id longer "
		                "than ATTUNE_ID_MAX (%d bytes)", ATTUNE_ID_MAX);
	t = calloc(1, sizeof(*t));
	if (!t)
		return trb_oom(b);
	arena_init(&t->a);
	b->t = t;
	b->nu = 0;
	b->n_turns = 0;
	b->total_text = 0;
	b->last_start = -1;
	b->pool = NULL;
	b->pool_left = 0;
	b->n_lab = 0;
	b->open = 0;
	b->labelled = 0;
	b->label = "";
	b->label_n = 0;
	b->sp = ATTUNE_SPEAKER_OTHER;
	t->pub.format = b->format;
	t->pub.name = trb_strdup(b, b->zName, strlen(b->zName));
	if (!t->pub.name)
		return trb_oom(b);
	if (id) {
		t->pub.id = trb_strdup(b, id, id_n);
		if (!t->pub.id)
			return trb_oom(b);
	}
	return ATTUNE_OK;
}

int trb_finish(trb *b)
{
	tr_impl *t = b->t;
	attune_utterance *u;
	attune_transcript *pub;
	int rc;

	if ((rc = trb_end_turn(b)) != ATTUNE_OK)
		return rc;
	if (b->nu) {
		u = arena_alloc(&t->a, b->nu * sizeof(*u));
		if (!u)
			return trb_oom(b);
		memcpy(u, b->u, b->nu * sizeof(*u));
		t->pub.u = u;
	}
	t->pub.n = b->nu;
	b->t = NULL;
	b->n_done++;
	pub = &t->pub;
	rc = b->cb(b->cbctx, &pub);
	attune_transcript_free(pub);
	if (rc)
		b->cb_rc = rc;
	return rc;
}

static const char *intern_label(trb *b, const char *s, size_t n,
                                attune_speaker *sp)
{
	const char *z;
	size_t i;

	for (i = 0; i < b->n_lab; i++)
		if (b->lab[i].n == n && memcmp(b->lab[i].z, s, n) == 0) {
			*sp = b->lab[i].sp;
			return b->lab[i].z;
		}
	*sp = spk_resolve(&b->map, s, n, NULL);
	z = trb_strdup(b, s, n);
	if (z && b->n_lab < TRB_LABELS) {
		b->lab[b->n_lab].z = z;
		b->lab[b->n_lab].n = n;
		b->lab[b->n_lab].sp = *sp;
		b->n_lab++;
	}
	return z;
}

int trb_turn(trb *b, const char *label, size_t label_n, int has_label,
             size_t line, int64_t start, int64_t end)
{
	int rc;

	if (b->open && (rc = trb_end_turn(b)) != ATTUNE_OK)
		return rc;
	if (has_label) {
		if (label_n > ATTUNE_SPEAKER_LABEL_MAX)
			return trb_fail(b, ATTUNE_ELIMIT, line, "speaker label "
			                "longer than ATTUNE_SPEAKER_LABEL_MAX "
			                "(%u bytes)", ATTUNE_SPEAKER_LABEL_MAX);
		b->label = intern_label(b, label, label_n, &b->sp);
		if (!b->label)
			return trb_oom(b);
		b->label_n = label_n;
	} else {
		b->label = "";
		b->label_n = 0;
		b->sp = ATTUNE_SPEAKER_OTHER;
	}
	b->labelled = has_label;
	b->open = 1;
	b->keep_empty = 0;
	b->pending = 0;
	b->txn = 0;
	b->line = line;
	b->start = start;
	b->end = end;
	b->uid = NULL;
	return ATTUNE_OK;
}

int trb_turn_same(trb *b, size_t line, int64_t start, int64_t end)
{
	int rc;

	if (b->open && (rc = trb_end_turn(b)) != ATTUNE_OK)
		return rc;
	/* label, label_n, sp and labelled still hold the last turn's. */
	b->open = 1;
	b->keep_empty = 0;
	b->pending = 0;
	b->txn = 0;
	b->line = line;
	b->start = start;
	b->end = end;
	b->uid = NULL;
	return ATTUNE_OK;
}

int trb_same_label(const trb *b, const char *s, size_t n)
{
	return b->open && b->labelled && b->label_n == n && n > 0 &&
	       memcmp(b->label, s, n) == 0;
}

static int tx_reserve(trb *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->txcap - b->txn >= more)
		return 1;
	if (b->tx_oom)
		return 0;
	cap = b->txcap ? b->txcap : 256;
	while (cap - b->txn < more)
		cap *= 2;
	p = realloc(b->tx, cap);
	if (!p) {
		b->tx_oom = 1;
		return 0;
	}
	b->tx = p;
	b->txcap = cap;
	return 1;
}

void trb_put(trb *b, const char *s, size_t n)
{
	if (b->txn == 0) {
		while (n && is_blank((unsigned char)*s))
			s++, n--;
		if (!n)
			return;
		b->pending = 0;
	}
	if (!tx_reserve(b, n + 1))
		return;
	if (b->pending) {
		b->tx[b->txn++] = ' ';
		b->pending = 0;
	}
	memcpy(b->tx + b->txn, s, n);
	b->txn += n;
}

void trb_newline(trb *b)
{
	while (b->txn && is_blank((unsigned char)b->tx[b->txn - 1]))
		b->txn--;
	b->pending = 1;
}

void trb_put_text(trb *b, const char *s, size_t n)
{
	const char *e = s + n, *q;

	/* Most values have no line break: one memchr each says so. */
	if (!memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		trb_put(b, s, n);
		return;
	}
	while (s < e) {
		for (q = s; q < e && *q != '\n' && *q != '\r'; q++)
			;
		trb_put(b, s, (size_t)(q - s));
		if (q == e)
			break;
		trb_newline(b);
		s = q + 1;
	}
}

static int push(trb *b, const char *text, size_t n)
{
	attune_utterance *u;

	if (b->nu == ATTUNE_TRANSCRIPT_UTTERANCES_MAX)
		return trb_fail(b, ATTUNE_ELIMIT, b->line, "more than "
		                "ATTUNE_TRANSCRIPT_UTTERANCES_MAX (%u) "
		                "utterances", ATTUNE_TRANSCRIPT_UTTERANCES_MAX);
	if (b->nu == b->capu) {
		size_t cap = b->capu ? b->capu * 2 : 256;
		u = realloc(b->u, cap * sizeof(*u));
		if (!u)
			return trb_oom(b);
		b->u = u;
		b->capu = cap;
	}
	u = &b->u[b->nu++];
	u->speaker = b->sp;
	u->label = b->label;
	u->text = trb_strdup(b, text, n);
	if (!u->text)
		return trb_oom(b);
	u->text_len = n;
	u->start_ms = b->start;
	u->end_ms = b->end;
	u->line = b->line;
	u->turn = b->n_turns;
	u->utterance_id = b->uid;
	return ATTUNE_OK;
}

/* Where a sentence ends at s[i] ('.', '?' or '!' plus closing quotes or
 * brackets, then a blank): the offset just past it, else 0. */
static size_t sentence_end(const char *s, size_t n, size_t i)
{
	if (s[i] != '.' && s[i] != '?' && s[i] != '!')
		return 0;
	i++;
	while (i < n && (s[i] == '"' || s[i] == '\'' || s[i] == ')' ||
	                 s[i] == ']'))
		i++;
	return i < n && s[i] == ' ' ? i : 0;
}

/* Split a long turn at sentence ends: each piece ends at the last
 * sentence end within split_len bytes, or, when there is none, at the
 * first one after; a turn without one stays whole. */
static int push_split(trb *b, const char *s, size_t n)
{
	size_t lim = b->split_len, cut, i, e;
	int rc;

	while (n > lim) {
		cut = 0;
		for (i = 0; i < lim && i < n; i++)
			if ((e = sentence_end(s, n, i)) != 0 && e <= lim)
				cut = e;
		if (!cut)
			for (i = lim; i < n && !cut; i++)
				cut = sentence_end(s, n, i);
		if (!cut)
			break;
		if ((rc = push(b, s, cut)) != ATTUNE_OK)
			return rc;
		s += cut;  /* and the blanks after the sentence */
		n -= cut;
		while (n && is_blank((unsigned char)*s))
			s++, n--;
	}
	return push(b, s, n);
}

int trb_end_turn(trb *b)
{
	int rc;

	if (!b->open)
		return ATTUNE_OK;
	b->open = 0;
	if (b->tx_oom)
		return trb_oom(b);
	while (b->txn && is_blank((unsigned char)b->tx[b->txn - 1]))
		b->txn--;
	if (b->txn == 0 && !b->labelled && !b->keep_empty)
		return ATTUNE_OK;  /* nothing said and nobody named */
	if (b->txn > ATTUNE_UTTERANCE_TEXT_MAX)
		return trb_fail(b, ATTUNE_ELIMIT, b->line, "utterance longer "
		                "than ATTUNE_UTTERANCE_TEXT_MAX (%u bytes)",
		                ATTUNE_UTTERANCE_TEXT_MAX);
	b->total_text += b->txn;
	if (b->total_text > ATTUNE_TRANSCRIPT_SIZE_MAX)
		return trb_fail(b, ATTUNE_ELIMIT, b->line, "transcript text "
		                "longer than ATTUNE_TRANSCRIPT_SIZE_MAX (%u "
		                "bytes)", ATTUNE_TRANSCRIPT_SIZE_MAX);
	if (b->start >= 0) {
		if (b->last_start >= 0 && b->start < b->last_start)
			b->t->pub.n_unordered++;
		b->last_start = b->start;
	}
	if (b->split_len && b->format != ATTUNE_TRANSCRIPT_CSV &&
	    b->txn > b->split_len)
		rc = push_split(b, b->tx ? b->tx : "", b->txn);
	else
		rc = push(b, b->tx ? b->tx : "", b->txn);
	if (rc == ATTUNE_OK)
		b->n_turns++;
	return rc;
}

/* ---- the public entry points ------------------------------------------- */

void attune_transcript_free(attune_transcript *t)
{
	tr_impl *impl = (tr_impl *)t;

	if (!impl)
		return;
	arena_free(&impl->a);
	free(impl);
}

/* A cue timing line: starts with a digit and holds "-->". */
static int timing_like(const char *s, size_t n)
{
	return n && s[0] >= '0' && s[0] <= '9' && has_arrow(s, n);
}

attune_transcript_format attune_transcript_detect(const char *buf,
                                                  size_t len)
{
	const char *p = buf, *e = buf + len, *l1, *l2;
	size_t n1, n2, i;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < e && is_space((unsigned char)*p))
		p++;
	if (e - p >= 6 && memcmp(p, "WEBVTT", 6) == 0 &&
	    (e - p == 6 || is_space((unsigned char)p[6])))
		return ATTUNE_TRANSCRIPT_VTT;
	if (p < e && *p == '{')
		return ATTUNE_TRANSCRIPT_JSON;
	if (p < e && *p == '[') {
		const char *q = p + 1;
		while (q < e && is_space((unsigned char)*q))
			q++;
		if (q == e || *q == '{' || *q == ']')
			return ATTUNE_TRANSCRIPT_JSON;
	}
	/* First two lines. */
	l1 = p;
	while (p < e && *p != '\n' && *p != '\r')
		p++;
	n1 = (size_t)(p - l1);
	if (p < e && *p == '\r' && p + 1 < e && p[1] == '\n')
		p++;
	if (p < e)
		p++;
	l2 = p;
	while (p < e && *p != '\n' && *p != '\r')
		p++;
	n2 = (size_t)(p - l2);
	l1 = trim(l1, &n1);
	l2 = trim(l2, &n2);
	for (i = 0; i < n1 && l1[i] >= '0' && l1[i] <= '9'; i++)
		;
	if ((n1 && i == n1 && timing_like(l2, n2)) || timing_like(l1, n1))
		return ATTUNE_TRANSCRIPT_SRT;
	if (memchr(l1, ',', n1)) {
		for (i = 0; i + 14 <= n1; i++)
			if (eq_ci(l1 + i, 14, "utterance_text"))
				return ATTUNE_TRANSCRIPT_CSV;
	}
	return ATTUNE_TRANSCRIPT_TEXT;
}

static int check_input(trb *b, const char *buf, size_t len)
{
	const char *z;
	size_t bad = len, off;

	if (len > ATTUNE_TRANSCRIPT_SIZE_MAX)
		return trb_fail(b, ATTUNE_ELIMIT,
		                line_of(buf, len, ATTUNE_TRANSCRIPT_SIZE_MAX),
		                "input longer than ATTUNE_TRANSCRIPT_SIZE_MAX "
		                "(%u bytes)", ATTUNE_TRANSCRIPT_SIZE_MAX);
	z = len ? memchr(buf, '\0', len) : NULL;
	if (!utf8_valid(buf, z ? (size_t)(z - buf) : len, &bad))
		z = NULL;
	else if (z)
		bad = (size_t)(z - buf);
	if (bad < len) {
		size_t line = line_of(buf, len, bad);
		const char *ls = buf + bad;
		while (ls > buf && ls[-1] != '\n' && ls[-1] != '\r')
			ls--;
		off = (size_t)(buf + bad - ls) + 1;
		return trb_fail(b, ATTUNE_EINVAL, line, "%s at byte offset %zu "
		                "(column %zu)", z ? "NUL byte" : "invalid UTF-8",
		                bad, off);
	}
	return ATTUNE_OK;
}

static int read_any(trb *b, const char *buf, size_t len)
{
	attune_csv *csv;
	size_t i;
	int rc;

	if ((rc = check_input(b, buf, len)) != ATTUNE_OK)
		return rc;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		/* Lines are unchanged: the BOM is on line 1. */
		buf += 3;
		len -= 3;
	}
	if (b->format == ATTUNE_TRANSCRIPT_AUTO)
		b->format = attune_transcript_detect(buf, len);
	for (i = 0; i < len && is_space((unsigned char)buf[i]); i++)
		;
	if (i == len) {  /* empty: one transcript without utterances */
		if ((rc = trb_begin(b, NULL, 0, 1)) != ATTUNE_OK)
			return rc;
		return trb_finish(b);
	}
	switch (b->format) {
	case ATTUNE_TRANSCRIPT_VTT: return tr_read_vtt(b, buf, len);
	case ATTUNE_TRANSCRIPT_SRT: return tr_read_srt(b, buf, len);
	case ATTUNE_TRANSCRIPT_JSON: return tr_read_json(b, buf, len);
	case ATTUNE_TRANSCRIPT_CSV:
		if (attune_csv_open_buf(buf, len, b->zName, &csv))
			return trb_oom(b);
		rc = tr_read_csv(b, csv);
		attune_csv_close(csv);
		return rc;
	case ATTUNE_TRANSCRIPT_TEXT:
	case ATTUNE_TRANSCRIPT_AUTO:
		break;
	}
	return tr_read_text(b, buf, len);
}

int attune_transcript_each(const char *buf, size_t len, const char *zName,
                           const attune_transcript_opts *opts,
                           attune_transcript_cb cb, void *ctx,
                           attune_err *err)
{
	trb b;
	int rc;

	attune_err_clear(err);
	if ((rc = trb_init(&b, zName, opts, err)) != ATTUNE_OK)
		return rc;
	b.cb = cb;
	b.cbctx = ctx;
	rc = read_any(&b, buf ? buf : "", buf ? len : 0);
	trb_cleanup(&b);
	return rc;
}

struct keep_one {
	attune_transcript *t;
};

static int keep_first(void *ctx, attune_transcript **t)
{
	struct keep_one *k = ctx;

	k->t = *t;
	*t = NULL;
	return 0;
}

int attune_transcript_parse(const char *buf, size_t len, const char *zName,
                            const attune_transcript_opts *opts,
                            attune_transcript **out, attune_err *err)
{
	struct keep_one k = {NULL};
	trb b;
	int rc;

	*out = NULL;
	attune_err_clear(err);
	if ((rc = trb_init(&b, zName, opts, err)) != ATTUNE_OK)
		return rc;
	b.cb = keep_first;
	b.cbctx = &k;
	b.single = 1;
	rc = read_any(&b, buf ? buf : "", buf ? len : 0);
	if (rc == ATTUNE_OK && !k.t) {
		/* A CSV with a transcript_id column and no rows. */
		if ((rc = trb_begin(&b, NULL, 0, 1)) == ATTUNE_OK)
			rc = trb_finish(&b);
	}
	trb_cleanup(&b);
	if (rc) {
		attune_transcript_free(k.t);
		return rc;
	}
	*out = k.t;
	return ATTUNE_OK;
}

int attune_transcript_read_csv(attune_csv *csv,
                               const attune_transcript_opts *opts,
                               attune_transcript_cb cb, void *ctx,
                               attune_err *err)
{
	trb b;
	int rc;

	attune_err_clear(err);
	if ((rc = trb_init(&b, attune_csv_name(csv), opts, err)) != ATTUNE_OK)
		return rc;
	b.format = ATTUNE_TRANSCRIPT_CSV;
	b.cb = cb;
	b.cbctx = ctx;
	rc = tr_read_csv(&b, csv);
	trb_cleanup(&b);
	return rc;
}

/* ---- canonical form ------------------------------------------------------- */

static void put_esc(strbuf *sb, const char *s)
{
	const char *p = s;

	for (;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '\\' && c != 0x7f)
			continue;
		sb_append(sb, s, (size_t)(p - s));
		s = p + 1;
		if (c == '\0')
			return;
		switch (c) {
		case '\\': sb_append(sb, "\\\\", 2); break;
		case '\t': sb_append(sb, "\\t", 2); break;
		case '\n': sb_append(sb, "\\n", 2); break;
		case '\r': sb_append(sb, "\\r", 2); break;
		default: sb_printf(sb, "\\x%02x", c); break;
		}
	}
}

static void put_time(strbuf *sb, int64_t ms)
{
	char buf[32];

	if (ms < 0)
		sb_putc(sb, '-');
	else
		sb_append(sb, buf, ts_format(buf, ms));
}

int attune_transcript_canonical(const attune_transcript *t, char **out,
                                size_t *len)
{
	strbuf sb;
	size_t i;
	int rc = ATTUNE_OK;

	*out = NULL;
	sb_init(&sb, (size_t)1 << 30);
	sb_puts(&sb, "transcript\t");
	put_esc(&sb, t->id ? t->id : "");
	sb_printf(&sb, "\t%s\t%zu\t%zu\n",
	          attune_transcript_format_name(t->format), t->n, t->n_unordered);
	for (i = 0; i < t->n; i++) {
		const attune_utterance *u = &t->u[i];
		sb_printf(&sb, "%zu\t%zu\t%s\t", u->line, u->turn,
		          attune_speaker_name(u->speaker));
		put_esc(&sb, u->label);
		sb_putc(&sb, '\t');
		put_time(&sb, u->start_ms);
		sb_putc(&sb, '\t');
		put_time(&sb, u->end_ms);
		sb_putc(&sb, '\t');
		put_esc(&sb, u->utterance_id ? u->utterance_id : "");
		sb_putc(&sb, '\t');
		put_esc(&sb, u->text);
		sb_putc(&sb, '\n');
	}
	if (len)
		*len = sb.len;
	*out = sb_detach(&sb, &rc);
	return *out ? ATTUNE_OK : (rc ? rc : ATTUNE_ENOMEM);
}
