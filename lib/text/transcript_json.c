/* transcript_json.c - transcripts from JSON: an array of utterance
 * objects {"speaker"|"interlocutor", "text"|"utterance_text", "start"?,
 * "end"?, "utterance_id"?, "transcript_id"?}, or an object holding such an
 * array under "utterances" (or "segments", as speech-to-text tools write)
 * and optionally a "transcript_id". Parsed with cJSON; a small second
 * pass over the (already valid) text finds the line of each utterance,
 * which cJSON does not keep. */
#include <math.h>
#include <stdlib.h>
#include <cjson/cJSON.h>
#include "text/text_int.h"

/* ---- the line finder ----------------------------------------------------- */

typedef struct jw {
	const char *p, *e;
	size_t line;
	size_t nul;     /* line of a "\u0000", which cJSON would cut a
	                   string at; 0 when none */
} jw;

static void jw_char(jw *w)
{
	if (*w->p == '\n' || (*w->p == '\r' && !(w->p + 1 < w->e &&
	                                          w->p[1] == '\n')))
		w->line++;
	w->p++;
}

/* cJSON takes every byte up to 0x20 for white space; so must we. */
static int jw_is_ws(char c)
{
	return (unsigned char)c <= 0x20;
}

static void jw_ws(jw *w)
{
	while (w->p < w->e && jw_is_ws(*w->p))
		jw_char(w);
}

static void jw_string(jw *w)
{
	const char *p = w->p + 1, *e = w->e;  /* after the opening quote */

	for (;;) {
		/* Plain bytes, the common case, in a tight loop. */
		while (p < e && *p != '"' && *p != '\\' && *p != '\n' &&
		       *p != '\r')
			p++;
		if (p >= e)
			break;
		if (*p == '"') {
			p++;
			break;
		}
		if (*p == '\\') {
			if (e - p >= 6 && memcmp(p + 1, "u0000", 5) == 0)
				w->nul = w->nul ? w->nul : w->line;
			p += e - p >= 2 ? 2 : 1;
			continue;
		}
		w->p = p;
		jw_char(w);  /* a raw line break, which cJSON lets through */
		p = w->p;
	}
	w->p = p;
}

static void jw_value(jw *w)
{
	size_t depth = 0;

	if (w->p >= w->e)
		return;
	if (*w->p == '"') {
		jw_string(w);
		return;
	}
	if (*w->p != '{' && *w->p != '[') {
		while (w->p < w->e && *w->p != ',' && *w->p != ']' &&
		       *w->p != '}' && !jw_is_ws(*w->p))
			w->p++;
		return;
	}
	do {
		char c = *w->p;
		if (c == '"') {
			jw_string(w);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		jw_char(w);
	} while (w->p < w->e && depth > 0);
}

/* w->p at '[': the line of each element (at most n). */
static void jw_elems(jw *w, size_t *at, size_t n)
{
	size_t i = 0;

	w->p++;
	for (;;) {
		jw_ws(w);
		if (w->p >= w->e || *w->p == ']')
			return;
		if (i < n)
			at[i] = w->line;
		i++;
		jw_value(w);
		jw_ws(w);
		if (w->p < w->e && *w->p == ',')
			w->p++;
		else
			return;
	}
}

/* Fill at[0..n) with the line of each utterance: the elements of the
 * root array, or of the root object's first member named key. */
static void find_lines(jw *w, const char *key, size_t *at, size_t n)
{
	size_t klen = key ? strlen(key) : 0;
	const char *k;

	jw_ws(w);
	if (w->p < w->e && *w->p == '[') {
		jw_elems(w, at, n);
		return;
	}
	if (w->p >= w->e || *w->p != '{' || !key)
		return;
	w->p++;
	for (;;) {
		jw_ws(w);
		if (w->p >= w->e || *w->p != '"')
			return;
		k = w->p + 1;
		jw_string(w);
		jw_ws(w);
		if (w->p >= w->e || *w->p != ':')
			return;
		w->p++;
		jw_ws(w);
		if ((size_t)(w->p - k) >= klen + 1 &&
		    memcmp(k, key, klen) == 0 && k[klen] == '"' &&
		    w->p < w->e && *w->p == '[') {
			jw_elems(w, at, n);
			return;
		}
		jw_value(w);
		jw_ws(w);
		if (w->p < w->e && *w->p == ',')
			w->p++;
		else
			return;
	}
}

/* ---- the reader ---------------------------------------------------------- */

/* The members of an utterance object that we read, found in one pass
 * over its children (first occurrence wins, as in cJSON's lookups). For
 * pairs of names, the first one wins over the second. */
enum { K_TID, K_SPEAKER, K_INTERLOCUTOR, K_TEXT, K_UTEXT, K_START,
       K_TIMESTAMP, K_END, K_UID, K_N };

static const char *const knames[K_N] = {
	"transcript_id", "speaker", "interlocutor", "text", "utterance_text",
	"start", "timestamp", "end", "utterance_id"
};

static void members(const cJSON *o, const cJSON *m[K_N])
{
	const cJSON *c;
	size_t k;

	for (k = 0; k < K_N; k++)
		m[k] = NULL;
	for (c = o->child; c; c = c->next) {
		if (!c->string)
			continue;
		for (k = 0; k < K_N; k++)
			if (!m[k] && c->string[0] == knames[k][0] &&
			    strcmp(c->string, knames[k]) == 0) {
				m[k] = c;
				break;
			}
	}
}

/* m[a] if present, else m[b]; *used names the one taken. */
static const cJSON *either(const cJSON *const m[K_N], int a, int b,
                           const char **used)
{
	*used = knames[m[a] || b < 0 ? a : b];
	return m[a] || b < 0 ? m[a] : m[b];
}

/* An id: a string, or a number written without locale. */
static int id_text(const cJSON *v, char *num, const char **s, size_t *n)
{
	if (cJSON_IsString(v) && v->valuestring) {
		*s = v->valuestring;
		*n = strlen(*s);
		return 1;
	}
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
		*n = fmt_num(num, v->valuedouble);
		*s = num;
		return 1;
	}
	return 0;
}

static int get_time(trb *b, const cJSON *v, const char *key, size_t line,
                    int64_t *ms)
{
	char why[96];
	int rc;

	*ms = -1;
	if (!v || cJSON_IsNull(v))
		return ATTUNE_OK;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!isfinite(d) || d < 0)
			return trb_fail(b, ATTUNE_EINVAL, line, "\"%s\" is "
			                "negative", key);
		if (d * 1000.0 > (double)ATTUNE_TRANSCRIPT_TIME_MAX_MS)
			return trb_fail(b, ATTUNE_ELIMIT, line, "\"%s\" is above "
			                "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)",
			                key);
		*ms = (int64_t)(d * 1000.0 + 0.5);
		return ATTUNE_OK;
	}
	if (cJSON_IsString(v) && v->valuestring) {
		rc = ts_parse(v->valuestring, strlen(v->valuestring), 0, ms, why,
		              sizeof(why));
		if (rc)
			return trb_fail(b, rc, line, "\"%s\": %s", key, why);
		return ATTUNE_OK;
	}
	return trb_fail(b, ATTUNE_EINVAL, line, "\"%s\" is not a number of "
	                "seconds or a timestamp string", key);
}

static int utterance(trb *b, const cJSON *o, size_t idx, size_t line,
                     const char *root_id, size_t root_id_n)
{
	const cJSON *v, *m[K_N];
	const char *key, *s = NULL, *id;
	char num[32], num2[32];
	size_t n = 0, id_n;
	int64_t start, end;
	int rc;

	if (!cJSON_IsObject(o))
		return trb_fail(b, ATTUNE_EINVAL, line, "utterance %zu is not an "
		                "object", idx + 1);
	members(o, m);
	/* transcript_id on the utterance: rows of an exported table. */
	v = m[K_TID];
	if (v && !cJSON_IsNull(v)) {
		if (!id_text(v, num2, &id, &id_n))
			return trb_fail(b, ATTUNE_EINVAL, line, "\"transcript_id\" "
			                "is not a string or a number");
	} else {
		id = root_id;
		id_n = root_id_n;
	}
	if (!b->t || (id && !(b->t->pub.id && strlen(b->t->pub.id) == id_n &&
	                      memcmp(b->t->pub.id, id, id_n) == 0)) ||
	    (!id && b->t->pub.id)) {
		if (b->t && (rc = trb_finish(b)) != ATTUNE_OK)
			return rc;
		if ((rc = trb_begin(b, id, id_n, line)) != ATTUNE_OK)
			return rc;
	}
	v = either(m, K_SPEAKER, K_INTERLOCUTOR, &key);
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || !v->valuestring)
			return trb_fail(b, ATTUNE_EINVAL, line, "\"%s\" is not a "
			                "string", key);
		s = v->valuestring;
		n = strlen(s);
		s = trim(s, &n);
	}
	v = either(m, K_START, K_TIMESTAMP, &key);
	if ((rc = get_time(b, v, key, line, &start)) != ATTUNE_OK)
		return rc;
	v = either(m, K_END, -1, &key);
	if ((rc = get_time(b, v, key, line, &end)) != ATTUNE_OK)
		return rc;
	if (start >= 0 && end >= 0 && end < start) {
		char b1[32], b2[32];
		ts_format(b1, start);
		ts_format(b2, end);
		return trb_fail(b, ATTUNE_EINVAL, line, "utterance ends (%s) "
		                "before it starts (%s)", b2, b1);
	}
	if ((rc = trb_turn(b, s, n, n > 0, line, start, end)) != ATTUNE_OK)
		return rc;
	b->keep_empty = 1;  /* one element, one utterance */
	v = m[K_UID];
	if (v && !cJSON_IsNull(v)) {
		if (!id_text(v, num, &s, &n))
			return trb_fail(b, ATTUNE_EINVAL, line, "\"utterance_id\" "
			                "is not a string or a number");
		if (n > ATTUNE_ID_MAX)
			return trb_fail(b, ATTUNE_ELIMIT, line, "utterance_id "
			                "longer than ATTUNE_ID_MAX (%d bytes)",
			                ATTUNE_ID_MAX);
		if (!(b->uid = trb_strdup(b, s, n)))
			return attune_err_set(b->err, ATTUNE_ENOMEM, "%s: out of "
			                      "memory", b->zName);
	}
	v = either(m, K_TEXT, K_UTEXT, &key);
	if (!cJSON_IsString(v) || !v->valuestring)
		return trb_fail(b, ATTUNE_EINVAL, line, "utterance %zu has no "
		                "\"text\" (or \"utterance_text\") string", idx + 1);
	trb_put_text(b, v->valuestring, strlen(v->valuestring));
	return trb_end_turn(b);
}

int tr_read_json(trb *b, const char *buf, size_t len)
{
	const char *end = NULL, *key = NULL, *rid = NULL;
	const cJSON *arr, *v;
	char num[32];
	cJSON *root;
	size_t *at = NULL, i, n, rid_n = 0;
	jw w;
	int rc;

	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root) {
		size_t off = end && end >= buf ? (size_t)(end - buf) : 0, col = 1;
		if (off > len)
			off = len;
		while (col <= off && buf[off - col] != '\n' &&
		       buf[off - col] != '\r')
			col++;
		return trb_fail(b, ATTUNE_EINVAL, line_of(buf, len, off),
		                "JSON syntax error at column %zu", col);
	}
	w.p = end && end >= buf ? end : buf + len;
	w.e = buf + len;
	w.line = 1;
	while (w.p < w.e && jw_is_ws(*w.p))
		w.p++;
	if (w.p < w.e) {
		rc = trb_fail(b, ATTUNE_EINVAL,
		              line_of(buf, len, (size_t)(w.p - buf)),
		              "text after the JSON value");
		goto out;
	}
	if (cJSON_IsArray(root)) {
		arr = root;
	} else if (cJSON_IsObject(root)) {
		key = "utterances";
		arr = cJSON_GetObjectItemCaseSensitive(root, key);
		if (!arr) {
			key = "segments";
			arr = cJSON_GetObjectItemCaseSensitive(root, key);
		}
		v = cJSON_GetObjectItemCaseSensitive(root, "transcript_id");
		if (v && !cJSON_IsNull(v) && !id_text(v, num, &rid, &rid_n)) {
			rc = trb_fail(b, ATTUNE_EINVAL, 1, "\"transcript_id\" is "
			              "not a string or a number");
			goto out;
		}
	} else {
		arr = NULL;
	}
	if (!cJSON_IsArray(arr)) {
		rc = trb_fail(b, ATTUNE_EINVAL, 1, "a JSON transcript is an array "
		              "of utterances or an object with an \"utterances\" "
		              "array");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > ATTUNE_TRANSCRIPT_UTTERANCES_MAX)
		n = ATTUNE_TRANSCRIPT_UTTERANCES_MAX + 1;  /* the limit fires */
	at = malloc((n ? n : 1) * sizeof(*at));
	if (!at) {
		rc = attune_err_set(b->err, ATTUNE_ENOMEM, "%s: out of memory",
		                    b->zName);
		goto out;
	}
	for (i = 0; i < n; i++)
		at[i] = 1;
	w.p = buf;
	w.line = 1;
	w.nul = 0;
	find_lines(&w, key, at, n);
	for (i = 1; i < n; i++)  /* never backwards, whatever happened */
		if (at[i] < at[i - 1])
			at[i] = at[i - 1];
	if (w.nul) {
		rc = trb_fail(b, ATTUNE_EINVAL, w.nul, "a string holds \\u0000 "
		              "(NUL)");
		goto out;
	}
	i = 0;
	for (v = arr->child; v; v = v->next, i++) {
		if ((rc = utterance(b, v, i, i < n ? at[i] : at[n - 1],
		                    rid, rid_n)) != ATTUNE_OK)
			goto out;
	}
	if (!b->t && (rc = trb_begin(b, rid, rid_n, 1)) != ATTUNE_OK)
		goto out;
	rc = trb_finish(b);
out:
	free(at);
	cJSON_Delete(root);
	return rc;
}
