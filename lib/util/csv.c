/* csv.c - the bounded CSV reader of csv.h.
 *
 * Fast path: a record without any '"' is split with memchr in place.
 * Quoted records go through a small state machine that unescapes in
 * place (an unescaped field is never longer than its source). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attune/csv.h"
#include "attune/limits.h"
#include "util/util_int.h"

#define CHUNK (1u << 20)

struct attune_csv {
	attune_csv_read_fn fn;
	void *ctx;
	char *buf;          /* owned unless from_buf */
	size_t cap;
	size_t start, end;  /* unconsumed bytes are buf[start..end) */
	int eof;
	int from_buf;
	int rc;             /* sticky error */
	char errmsg[ATTUNE_ERR_MAX];
	size_t line;        /* next line to read */
	size_t rec_line;    /* line of the record last returned */
	attune_csv_field fields[ATTUNE_CSV_FIELDS_MAX];
	char name[128];
};

static void set_name(attune_csv *c, const char *zName)
{
	size_t n = zName ? strlen(zName) : 0;

	if (!zName)
		zName = "(input)", n = 7;
	if (n >= sizeof(c->name))
		n = sizeof(c->name) - 1;
	memcpy(c->name, zName, n);
	c->name[n] = '\0';
}

int attune_csv_open(attune_csv_read_fn fn, void *ctx, const char *zName,
                    attune_csv **out)
{
	attune_csv *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return ATTUNE_ENOMEM;
	c->cap = CHUNK + ATTUNE_CSV_LINE_MAX + 1;
	c->buf = malloc(c->cap);
	if (!c->buf) {
		free(c);
		return ATTUNE_ENOMEM;
	}
	c->fn = fn;
	c->ctx = ctx;
	c->line = 1;
	set_name(c, zName);
	*out = c;
	return ATTUNE_OK;
}

int attune_csv_open_buf(const char *buf, size_t len, const char *zName,
                        attune_csv **out)
{
	attune_csv *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return ATTUNE_ENOMEM;
	/* A private copy so quoted fields can be unescaped in place. */
	c->buf = malloc(len + 1);
	if (!c->buf) {
		free(c);
		return ATTUNE_ENOMEM;
	}
	if (len)
		memcpy(c->buf, buf, len);
	c->cap = len + 1;
	c->end = len;
	c->eof = 1;
	c->from_buf = 1;
	c->line = 1;
	set_name(c, zName);
	*out = c;
	return ATTUNE_OK;
}

void attune_csv_close(attune_csv *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c);
}

const char *attune_csv_name(const attune_csv *c)
{
	return c->name;
}

size_t attune_csv_line(const attune_csv *c)
{
	return c->rec_line;
}

static int failf(attune_csv *c, attune_err *err, int rc, const char *what,
                 size_t line)
{
	c->rc = rc;
	snprintf(c->errmsg, sizeof(c->errmsg), "%s:%zu: %s", c->name, line,
	         what);
	return attune_err_set(err, rc, "%s", c->errmsg);
}

/* Make more bytes available; 0 when none came (end of input). */
static int fill(attune_csv *c, attune_err *err)
{
	long got;

	if (c->eof)
		return 0;
	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end >= c->cap - 1)
		return 0;
	got = c->fn(c->ctx, c->buf + c->end, c->cap - 1 - c->end);
	if (got < 0) {
		failf(c, err, ATTUNE_EIO, "read error", c->line);
		return -1;
	}
	if (got == 0) {
		c->eof = 1;
		return 0;
	}
	c->end += (size_t)got;
	return 1;
}

/* Find the end of the record that starts at buf[start]: the offset of its
 * terminating '\n' (or end of data at EOF), honouring quotes. *quoted
 * says whether a '"' was seen, *nl counts newlines inside it.
 * Returns 1 found, 0 need more data. */
static int find_end(attune_csv *c, size_t *rec_end, int *quoted, size_t *nl)
{
	const char *b = c->buf + c->start;
	size_t n = c->end - c->start, i = 0;
	const char *q, *e;
	int inq = 0;

	e = memchr(b, '\n', n);
	q = memchr(b, '"', e ? (size_t)(e - b) : n);
	if (!q) {
		*quoted = 0;
		*nl = 0;
		if (e) {
			*rec_end = c->start + (size_t)(e - b);
			return 1;
		}
		if (c->eof) {
			*rec_end = c->end;
			return 1;
		}
		return 0;
	}
	*quoted = 1;
	*nl = 0;
	for (i = (size_t)(q - b); i < n; i++) {
		if (b[i] == '"') {
			inq = !inq;
		} else if (b[i] == '\n') {
			if (!inq) {
				*rec_end = c->start + i;
				return 1;
			}
			(*nl)++;
		}
	}
	if (c->eof) {
		*rec_end = c->end;
		return 1;
	}
	return 0;
}

static int split_plain(attune_csv *c, char *p, size_t len, size_t *nf,
                       attune_err *err)
{
	size_t k = 0;
	char *end = p + len, *q;

	/* Fields are short (answers are a digit or two): a byte loop beats
	 * a memchr call per field. */
	for (;;) {
		if (k == ATTUNE_CSV_FIELDS_MAX)
			return failf(c, err, ATTUNE_ELIMIT, "more than "
			             "ATTUNE_CSV_FIELDS_MAX (256) fields",
			             c->rec_line);
		for (q = p; q < end && *q != ','; q++)
			;
		c->fields[k].p = p;
		c->fields[k++].n = (size_t)(q - p);
		if (q == end)
			break;
		p = q + 1;
	}
	*nf = k;
	return ATTUNE_OK;
}

static int split_quoted(attune_csv *c, char *p, size_t len, size_t *nf,
                        attune_err *err)
{
	size_t i = 0, k = 0, line = c->rec_line;
	char *w;

	while (i <= len) {
		if (k == ATTUNE_CSV_FIELDS_MAX)
			return failf(c, err, ATTUNE_ELIMIT, "more than "
			             "ATTUNE_CSV_FIELDS_MAX (256) fields", line);
		if (i < len && p[i] == '"') {
			/* Quoted field: unescape into place starting at w. */
			w = p + i;
			c->fields[k].p = w;
			i++;
			for (;;) {
				if (i >= len)
					return failf(c, err, ATTUNE_EINVAL,
					             "unterminated quoted field "
					             "(the quote opens on this "
					             "line)", c->rec_line);
				if (p[i] == '"') {
					if (i + 1 < len && p[i + 1] == '"') {
						*w++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (p[i] == '\n')
					line++;
				*w++ = p[i++];
			}
			c->fields[k].n = (size_t)(w - c->fields[k].p);
			k++;
			if (i == len)
				break;
			if (p[i] != ',')
				return failf(c, err, ATTUNE_EINVAL, "text after a "
				             "closing quote (a quote inside a "
				             "field must be doubled)", line);
			i++;
			if (i == len)  /* trailing comma: one more empty field */
				goto trailing;
		} else {
			size_t s = i;
			while (i < len && p[i] != ',') {
				if (p[i] == '"')
					return failf(c, err, ATTUNE_EINVAL, "a quote "
					             "inside an unquoted field",
					             line);
				i++;
			}
			c->fields[k].p = p + s;
			c->fields[k++].n = i - s;
			if (i == len)
				break;
			i++;
			if (i == len)
				goto trailing;
		}
	}
	*nf = k;
	return ATTUNE_OK;
trailing:
	if (k == ATTUNE_CSV_FIELDS_MAX)
		return failf(c, err, ATTUNE_ELIMIT, "more than "
		             "ATTUNE_CSV_FIELDS_MAX (256) fields", line);
	c->fields[k].p = p + len;
	c->fields[k++].n = 0;
	*nf = k;
	return ATTUNE_OK;
}

int attune_csv_next(attune_csv *c, const attune_csv_field **fields,
                    size_t *n, attune_err *err)
{
	size_t rec_end, nl, len, bad;
	int quoted, r;
	char *p;

	*n = 0;
	*fields = c->fields;
	if (c->rc)
		return attune_err_set(err, c->rc, "%s", c->errmsg);
	for (;;) {
		if (c->start == c->end) {
			r = fill(c, err);
			if (r < 0)
				return c->rc;
			if (r == 0)
				return ATTUNE_OK;  /* end of input */
		}
		while (!find_end(c, &rec_end, &quoted, &nl)) {
			if (c->end - c->start > ATTUNE_CSV_LINE_MAX)
				return failf(c, err, ATTUNE_ELIMIT, "record longer "
				             "than ATTUNE_CSV_LINE_MAX (65536 "
				             "bytes)", c->line);
			r = fill(c, err);
			if (r < 0)
				return c->rc;
			if (r == 0 && !c->eof)
				return failf(c, err, ATTUNE_ELIMIT, "record longer "
				             "than ATTUNE_CSV_LINE_MAX (65536 "
				             "bytes)", c->line);
		}
		c->rec_line = c->line;
		c->line += 1 + nl;
		p = c->buf + c->start;
		len = rec_end - c->start;
		c->start = rec_end < c->end ? rec_end + 1 : rec_end;
		if (len > ATTUNE_CSV_LINE_MAX)
			return failf(c, err, ATTUNE_ELIMIT, "record longer than "
			             "ATTUNE_CSV_LINE_MAX (65536 bytes)",
			             c->rec_line);
		if (len && p[len - 1] == '\r')
			len--;
		if (len == 0)
			continue;  /* skip empty lines */
		if (!utf8_valid(p, len, &bad)) {
			char what[96];
			snprintf(what, sizeof(what), "invalid UTF-8 at column "
			         "byte %zu", bad + 1);
			return failf(c, err, ATTUNE_EINVAL, what, c->rec_line);
		}
		if (memchr(p, '\0', len))
			return failf(c, err, ATTUNE_EINVAL, "NUL byte in the "
			             "record", c->rec_line);
		r = quoted ? split_quoted(c, p, len, n, err)
		           : split_plain(c, p, len, n, err);
		if (r) {
			*n = 0;
			return r;
		}
		return ATTUNE_OK;
	}
}
