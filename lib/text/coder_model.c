/* coder_model.c - the coder's model in memory and in its file format:
 * save, load with every field checked, and the model compiled in.
 *
 * File format, version 1 (docs/mirror.md):
 *   a text header of "key value" lines, LF-terminated, ASCII:
 *     attune-mirror-model 1                     magic and version
 *     hash_bits 18                               buckets = 2^hash_bits
 *     word_ngrams 2
 *     char_ngrams 3-5                            or 0
 *     char_client 0                              1: client turns too
 *     context 2
 *     next 0
 *     w_word 1 / w_char 1 / w_meta 0.5 / w_prev 0.5
 *     tasks therapist_behaviour,client_talk,subcode   (those trained)
 *     classes therapist_behaviour question,reflection,therapist_input,other
 *     classes client_talk change,neutral,sustain
 *     classes subcode open,closed,simple,complex,information,advice,
 *             options,negotiation                (one line)
 *     columns 15
 *     weights float32le 3932175                  bias + buckets*columns
 *     trained_on 106 transcripts, ...            free text
 *     created_by attune 0.1.0                    free text
 *     end
 *   then the 15 biases and the weight table, row by row (bucket-major),
 *   as IEEE-754 float32 little-endian;
 *   then 8 bytes: FNV-1a 64 of every byte before them, little-endian.
 * Every key appears exactly once, in this order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text/coder_int.h"

#define MAGIC "attune-mirror-model"
#define FORMAT_VERSION 1

static const char *const class_line[3] = {
	"therapist_behaviour question,reflection,therapist_input,other",
	"client_talk change,neutral,sustain",
	("subcode open,closed,simple,complex,information,advice,options,"
	 "negotiation")
};
static const char *const task_name[3] = {
	"therapist_behaviour", "client_talk", "subcode"
};

attune_mirror_model *mir_model_new(const mir_cfg *cfg)
{
	attune_mirror_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->n_buckets = (size_t)1 << cfg->hash_bits;
	/* rows on cache lines; the size is a multiple of 64 */
	m->w = aligned_alloc(64, m->n_buckets * MIR_NCOL * sizeof(float));
	if (!m->w) {
		free(m);
		return NULL;
	}
	memset(m->w, 0, m->n_buckets * MIR_NCOL * sizeof(float));
	return m;
}

void attune_mirror_model_free(attune_mirror_model *m)
{
	if (!m)
		return;
	free(m->w);
	free(m->header);
	free(m->provenance);
	free(m);
}

const char *attune_mirror_model_header(const attune_mirror_model *m)
{
	return m->header ? m->header : "";
}

int attune_mirror_model_has(const attune_mirror_model *m,
                            attune_mirror_task task)
{
	return (unsigned)task < 3 && (m->trained >> task & 1u);
}

int mir_model_make_header(attune_mirror_model *m)
{
	strbuf b;
	char num[32];
	unsigned t;
	int rc, any = 0;

	sb_init(&b, ATTUNE_MIRROR_HEADER_MAX);
	sb_printf(&b, "%s %d\n", MAGIC, FORMAT_VERSION);
	sb_printf(&b, "hash_bits %u\n", m->cfg.hash_bits);
	sb_printf(&b, "word_ngrams %u\n", m->cfg.word_ngrams);
	if (m->cfg.char_min)
		sb_printf(&b, "char_ngrams %u-%u\n", m->cfg.char_min,
		          m->cfg.char_max);
	else
		sb_puts(&b, "char_ngrams 0\n");
	sb_printf(&b, "char_client %u\n", m->cfg.char_client);
	sb_printf(&b, "context %u\n", m->cfg.context);
	sb_printf(&b, "next %u\n", m->cfg.next);
	fmt_num(num, m->cfg.w_word);
	sb_printf(&b, "w_word %s\n", num);
	fmt_num(num, m->cfg.w_char);
	sb_printf(&b, "w_char %s\n", num);
	fmt_num(num, m->cfg.w_meta);
	sb_printf(&b, "w_meta %s\n", num);
	fmt_num(num, m->cfg.w_prev);
	sb_printf(&b, "w_prev %s\n", num);
	sb_puts(&b, "tasks ");
	for (t = 0; t < 3; t++)
		if (m->trained >> t & 1u) {
			if (any++)
				sb_putc(&b, ',');
			sb_puts(&b, task_name[t]);
		}
	if (!any)
		sb_puts(&b, "none");
	sb_putc(&b, '\n');
	for (t = 0; t < 3; t++)
		sb_printf(&b, "classes %s\n", class_line[t]);
	sb_printf(&b, "columns %d\n", MIR_NCLS);
	sb_printf(&b, "weights float32le %zu\n",
	          MIR_NCLS + m->n_buckets * MIR_NCLS);
	sb_printf(&b, "trained_on %s\n",
	          m->provenance ? m->provenance : "unknown");
	sb_printf(&b, "created_by attune %s\n", ATTUNE_VERSION);
	sb_puts(&b, "end\n");
	free(m->header);
	m->header = sb_detach(&b, &rc);
	return m->header ? ATTUNE_OK : rc;
}

/* ---- bytes ---------------------------------------------------------------- */

static uint64_t fnv_update(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void put_f32(unsigned char *p, float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	p[0] = (unsigned char)u;
	p[1] = (unsigned char)(u >> 8);
	p[2] = (unsigned char)(u >> 16);
	p[3] = (unsigned char)(u >> 24);
}

static float get_f32(const unsigned char *p)
{
	uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	             (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	float f;

	memcpy(&f, &u, 4);
	return f;
}

int attune_mirror_model_save(const attune_mirror_model *m,
                             unsigned char **out, size_t *len)
{
	size_t hl = strlen(m->header), nw = m->n_buckets * MIR_NCLS, i, c, n;
	unsigned char *buf, *p;
	uint64_t h;

	*out = NULL;
	*len = 0;
	n = hl + 4 * (MIR_NCLS + nw) + 8;
	buf = malloc(n);
	if (!buf)
		return ATTUNE_ENOMEM;
	memcpy(buf, m->header, hl);
	p = buf + hl;
	for (c = 0; c < MIR_NCLS; c++, p += 4)
		put_f32(p, m->bias[c]);
	for (i = 0; i < m->n_buckets; i++)
		for (c = 0; c < MIR_NCLS; c++, p += 4)
			put_f32(p, m->w[i * MIR_NCOL + c]);
	h = fnv_update(0xcbf29ce484222325ULL, buf, (size_t)(p - buf));
	for (i = 0; i < 8; i++)
		*p++ = (unsigned char)(h >> (8 * i));
	*out = buf;
	*len = n;
	return ATTUNE_OK;
}

/* ---- loading -------------------------------------------------------------- */

typedef struct hdr {
	const char *zName;
	attune_err *err;
	const char *p, *end;      /* the header bytes */
	size_t line;
	const char *val;          /* value of the line read */
	size_t val_n;
} hdr;

static int hfail(hdr *h, int rc, const char *fmt, ...) ATTUNE_PRINTF(3, 4);

static int hfail(hdr *h, int rc, const char *fmt, ...)
{
	char what[ATTUNE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (h->line)
		return attune_err_set(h->err, rc, "%s: header line %zu: %s",
		                      h->zName, h->line, what);
	return attune_err_set(h->err, rc, "%s: %s", h->zName, what);
}

/* Read the next line and check that it is "key value". */
static int hline(hdr *h, const char *key)
{
	const char *nl, *s = h->p;
	size_t n, kn = strlen(key), i;

	h->line++;
	if (s >= h->end)
		return hfail(h, ATTUNE_EINVAL, "the header ends before '%s'",
		             key);
	nl = memchr(s, '\n', (size_t)(h->end - s));
	if (!nl)
		return hfail(h, ATTUNE_EINVAL, "line not terminated");
	n = (size_t)(nl - s);
	h->p = nl + 1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return hfail(h, ATTUNE_EINVAL, "byte 0x%02x at column "
			             "%zu: the header is printable ASCII",
			             (unsigned char)s[i], i + 1);
	if (n < kn || memcmp(s, key, kn) != 0 ||
	    (n > kn && s[kn] != ' ') || (n == kn && strcmp(key, "end") != 0))
		return hfail(h, ATTUNE_EINVAL, "expected '%s', found '%.*s'",
		             key, (int)(n > 40 ? 40 : n), s);
	h->val = n > kn ? s + kn + 1 : s + n;
	h->val_n = n > kn ? n - kn - 1 : 0;
	return ATTUNE_OK;
}

static int huint(hdr *h, const char *key, unsigned lo, unsigned hi,
                 unsigned *out)
{
	int64_t v;
	int rc = hline(h, key);

	if (rc)
		return rc;
	if (parse_i64(h->val, h->val_n, &v) || v < lo || v > hi)
		return hfail(h, ATTUNE_EINVAL, "%s '%.*s' is not a whole number "
		             "in %u..%u", key, (int)(h->val_n > 20 ? 20 :
		             h->val_n), h->val, lo, hi);
	*out = (unsigned)v;
	return ATTUNE_OK;
}

static int hfloat(hdr *h, const char *key, float *out)
{
	double v;
	int rc = hline(h, key);

	if (rc)
		return rc;
	if (parse_num(h->val, h->val_n, &v) || !(v >= 0 && v <= 100))
		return hfail(h, ATTUNE_EINVAL, "%s '%.*s' is not a number in "
		             "0..100", key, (int)(h->val_n > 20 ? 20 :
		             h->val_n), h->val);
	*out = (float)v;
	return ATTUNE_OK;
}

static int hexact(hdr *h, const char *key, const char *want)
{
	int rc = hline(h, key);

	if (rc)
		return rc;
	if (h->val_n != strlen(want) || memcmp(h->val, want, h->val_n) != 0)
		return hfail(h, ATTUNE_EINVAL, "%s is '%.*s', expected '%s'",
		             key, (int)(h->val_n > 80 ? 80 : h->val_n), h->val,
		             want);
	return ATTUNE_OK;
}

int attune_mirror_model_load(const void *data, size_t len, const char *zName,
                             attune_mirror_model **out, attune_err *err)
{
	const unsigned char *buf = data;
	attune_mirror_model *m = NULL;
	mir_cfg cfg;
	hdr h;
	const char *end;
	size_t hl, nw, i, ml;
	unsigned t, cols;
	int64_t v;
	uint64_t sum, want;
	int rc;

	*out = NULL;
	memset(&h, 0, sizeof(h));
	memset(&cfg, 0, sizeof(cfg));
	h.zName = zName;
	h.err = err;
	ml = strlen(MAGIC);
	if (len < ml + 1 || memcmp(buf, MAGIC, ml) != 0 || buf[ml] != ' ')
		return hfail(&h, ATTUNE_EINVAL, "not an attune coder model "
		             "(it does not start with '%s')", MAGIC);
	/* the header ends at "\nend\n" within ATTUNE_MIRROR_HEADER_MAX */
	end = NULL;
	for (i = ml; i + 5 <= len && i + 5 <= ATTUNE_MIRROR_HEADER_MAX; i++)
		if (buf[i] == '\n' && memcmp(buf + i, "\nend\n", 5) == 0) {
			end = (const char *)buf + i + 5;
			break;
		}
	h.p = (const char *)buf;
	h.end = end ? end : (const char *)buf + (len < ATTUNE_MIRROR_HEADER_MAX ?
	                     len : ATTUNE_MIRROR_HEADER_MAX);
	/* version first: a newer file gets ATTUNE_EVERSION */
	rc = hline(&h, MAGIC);
	if (rc)
		return rc;
	if (parse_i64(h.val, h.val_n, &v) || v < 1)
		return hfail(&h, ATTUNE_EINVAL, "version '%.*s' is not a "
		             "number", (int)(h.val_n > 20 ? 20 : h.val_n),
		             h.val);
	if (v > FORMAT_VERSION)
		return hfail(&h, ATTUNE_EVERSION, "format version %lld is newer "
		             "than this attune reads (%d)", (long long)v,
		             FORMAT_VERSION);
	if (!end)
		return hfail(&h, len > ATTUNE_MIRROR_HEADER_MAX ? ATTUNE_ELIMIT :
		             ATTUNE_EINVAL, "no 'end' line within the first "
		             "%u bytes (ATTUNE_MIRROR_HEADER_MAX)",
		             ATTUNE_MIRROR_HEADER_MAX);
	hl = (size_t)(end - (const char *)buf);

	if ((rc = huint(&h, "hash_bits", ATTUNE_MIRROR_HASH_BITS_MIN,
	                ATTUNE_MIRROR_HASH_BITS_MAX, &cfg.hash_bits)) ||
	    (rc = huint(&h, "word_ngrams", 1, 3, &cfg.word_ngrams)))
		return rc;
	rc = hline(&h, "char_ngrams");
	if (rc)
		return rc;
	if (h.val_n == 1 && h.val[0] == '0') {
		cfg.char_min = cfg.char_max = 0;
	} else if (h.val_n == 3 && h.val[1] == '-' && h.val[0] >= '1' &&
	           h.val[0] <= '8' && h.val[2] >= h.val[0] && h.val[2] <= '8') {
		cfg.char_min = (unsigned)(h.val[0] - '0');
		cfg.char_max = (unsigned)(h.val[2] - '0');
	} else {
		return hfail(&h, ATTUNE_EINVAL, "char_ngrams '%.*s' is not 0 or "
		             "MIN-MAX with 1 <= MIN <= MAX <= 8",
		             (int)(h.val_n > 20 ? 20 : h.val_n), h.val);
	}
	if ((rc = huint(&h, "char_client", 0, 1, &cfg.char_client)) ||
	    (rc = huint(&h, "context", 0, 3, &cfg.context)) ||
	    (rc = huint(&h, "next", 0, 1, &cfg.next)) ||
	    (rc = hfloat(&h, "w_word", &cfg.w_word)) ||
	    (rc = hfloat(&h, "w_char", &cfg.w_char)) ||
	    (rc = hfloat(&h, "w_meta", &cfg.w_meta)) ||
	    (rc = hfloat(&h, "w_prev", &cfg.w_prev)))
		return rc;

	m = mir_model_new(&cfg);
	if (!m)
		return attune_err_set(err, ATTUNE_ENOMEM, "%s: out of memory",
		                      zName);
	rc = hline(&h, "tasks");
	if (rc)
		goto fail;
	if (!(h.val_n == 4 && memcmp(h.val, "none", 4) == 0)) {
		const char *p = h.val, *e = h.val + h.val_n;
		while (p < e) {
			const char *c = memchr(p, ',', (size_t)(e - p));
			size_t n = (size_t)((c ? c : e) - p);
			for (t = 0; t < 3; t++)
				if (strlen(task_name[t]) == n &&
				    memcmp(p, task_name[t], n) == 0)
					break;
			if (t == 3 || (m->trained >> t & 1u)) {
				rc = hfail(&h, ATTUNE_EINVAL, "tasks: '%.*s' is "
				           "%s", (int)(n > 40 ? 40 : n), p,
				           t == 3 ? "not therapist_behaviour, "
				           "client_talk or subcode" : "repeated");
				goto fail;
			}
			m->trained |= 1u << t;
			p += n + (c ? 1 : 0);
			if (c && p == e) {
				rc = hfail(&h, ATTUNE_EINVAL, "tasks: empty "
				           "name after ','");
				goto fail;
			}
		}
	}
	for (t = 0; t < 3; t++)
		if ((rc = hexact(&h, "classes", class_line[t])))
			goto fail;
	if ((rc = huint(&h, "columns", MIR_NCLS, MIR_NCLS, &cols)))
		goto fail;
	nw = m->n_buckets * MIR_NCLS;
	{
		char want_w[64];
		snprintf(want_w, sizeof(want_w), "float32le %zu",
		         MIR_NCLS + nw);
		if ((rc = hexact(&h, "weights", want_w)))
			goto fail;
	}
	rc = hline(&h, "trained_on");
	if (rc)
		goto fail;
	m->provenance = malloc(h.val_n + 1);
	if (!m->provenance)
		goto oom;
	memcpy(m->provenance, h.val, h.val_n);
	m->provenance[h.val_n] = '\0';
	if ((rc = hline(&h, "created_by")) || (rc = hline(&h, "end")))
		goto fail;
	h.line = 0;

	/* the weights and the checksum */
	if (len - hl != 4 * (MIR_NCLS + nw) + 8) {
		rc = hfail(&h, ATTUNE_EINVAL, "%zu bytes after the header; "
		           "hash_bits %u needs %zu (%zu float32 and an 8-byte "
		           "checksum)", len - hl, cfg.hash_bits,
		           4 * (MIR_NCLS + nw) + 8, MIR_NCLS + nw);
		goto fail;
	}
	sum = fnv_update(0xcbf29ce484222325ULL, buf, len - 8);
	want = 0;
	for (i = 0; i < 8; i++)
		want |= (uint64_t)buf[len - 8 + i] << (8 * i);
	if (sum != want) {
		rc = hfail(&h, ATTUNE_EINVAL, "checksum mismatch (the file is "
		           "damaged or truncated)");
		goto fail;
	}
	for (i = 0; i < MIR_NCLS; i++) {
		m->bias[i] = get_f32(buf + hl + 4 * i);
		if (!isfinite(m->bias[i])) {
			rc = hfail(&h, ATTUNE_EINVAL, "bias %zu is not a finite "
			           "number", i);
			goto fail;
		}
		if (fabsf(m->bias[i]) > ATTUNE_MIRROR_WEIGHT_MAX) {
			rc = hfail(&h, ATTUNE_EINVAL, "bias %zu is beyond "
			           "+-ATTUNE_MIRROR_WEIGHT_MAX (1e6)", i);
			goto fail;
		}
	}
	for (i = 0; i < nw; i++) {
		float w = get_f32(buf + hl + 4 * (MIR_NCLS + i));
		if (!isfinite(w)) {
			rc = hfail(&h, ATTUNE_EINVAL, "weight %zu (bucket %zu, "
			           "column %zu) is not a finite number", i,
			           i / MIR_NCLS, i % MIR_NCLS);
			goto fail;
		}
		if (fabsf(w) > ATTUNE_MIRROR_WEIGHT_MAX) {
			rc = hfail(&h, ATTUNE_EINVAL, "weight %zu (bucket %zu, "
			           "column %zu) is beyond "
			           "+-ATTUNE_MIRROR_WEIGHT_MAX (1e6)", i,
			           i / MIR_NCLS, i % MIR_NCLS);
			goto fail;
		}
		m->w[i / MIR_NCLS * MIR_NCOL + i % MIR_NCLS] = w;
	}
	m->header = malloc(hl + 1);
	if (!m->header)
		goto oom;
	memcpy(m->header, buf, hl);
	m->header[hl] = '\0';
	*out = m;
	return ATTUNE_OK;
oom:
	rc = attune_err_set(err, ATTUNE_ENOMEM, "%s: out of memory", zName);
fail:
	attune_mirror_model_free(m);
	return rc;
}

int attune_mirror_model_builtin(attune_mirror_model **out, attune_err *err)
{
	size_t len;
	const unsigned char *p = mir_builtin_model(&len);

	*out = NULL;
	if (!p || len == 0)
		return attune_err_set(err, ATTUNE_ENOTFOUND, "no coder model "
		                      "was compiled in (models/annomi.model was "
		                      "missing at build time); give --model");
	return attune_mirror_model_load(p, len, "built-in model", out, err);
}

/* ---- scoring ---------------------------------------------------------------- */

void mir_scores(const attune_mirror_model *m, const mir_feat *f, size_t nf,
                unsigned col, unsigned k, float *z)
{
	size_t j;
	unsigned c;

	for (c = 0; c < k; c++)
		z[c] = m->bias[col + c];
	for (j = 0; j < nf; j++) {
		const float *row = m->w + (size_t)f[j].i * MIR_NCOL + col;
		for (c = 0; c < k; c++)
			z[c] += f[j].v * row[c];
	}
}

unsigned mir_softmax(float *z, unsigned k)
{
	unsigned c, best = 0;
	float mx = z[0], s = 0;

	for (c = 1; c < k; c++)
		if (z[c] > mx) {
			mx = z[c];
			best = c;
		}
	for (c = 0; c < k; c++) {
		z[c] = expf(z[c] - mx);
		s += z[c];
	}
	for (c = 0; c < k; c++)
		z[c] /= s;
	return best;
}
