/* test_archive_stream.c - the streaming archive reader at its limits:
 * the same verdict whatever the read sizes, a line of exactly
 * ATTUNE_ARCHIVE_LINE_MAX bytes and one more, a read error, the fast
 * row path and the general (cJSON) one agreeing, references into key
 * sets with gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "attune/archive.h"
#include "attune/limits.h"

static const char *const tables[] = {
	"clinics", "sites", "users", "supervision", "clients", "grants",
	"episodes", "sessions", "responses", "transcripts", "checkin_links",
	"api_tokens", "clinic_settings", "audit" };

/* A whole archive around body (row lines, each ending in '\n'): the
 * header, the body, the end line with its counts and checksum. */
static char *wrap(const char *body, size_t *len)
{
	size_t cap = strlen(body) + 4096, n, i, counts[14] = { 0 };
	char *s = malloc(cap), hex[65];
	const char *p;
	unsigned char sum[32];

	assert_non_null(s);
	n = (size_t)snprintf(s, cap, "{\"format\":\"%s\",\"schema_version\":"
	                     "%d,\"exported_at\":0,\"attune\":\"t\"}\n",
	                     ATTUNE_ARCHIVE_FORMAT,
	                     attune_store_schema_latest());
	memcpy(s + n, body, strlen(body));
	for (p = body; *p; p = strchr(p, '\n') + 1)
		for (i = 0; i < 14; i++)
			if (!strncmp(p + 2, tables[i], strlen(tables[i])) &&
			    p[2 + strlen(tables[i])] == '"')
				counts[i]++;
	n += strlen(body);
	crypto_generichash(sum, sizeof(sum), (unsigned char *)s, n, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	n += (size_t)snprintf(s + n, cap - n, "{\"end\":\"%s\",\"rows\":{",
	                      ATTUNE_ARCHIVE_FORMAT);
	for (i = 0; i < 14; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s\"%s\":%zu",
		                      i ? "," : "", tables[i], counts[i]);
	n += (size_t)snprintf(s + n, cap - n, "},\"instruments\":[],"
	                      "\"blake2b\":\"%s\"}\n", hex);
	*len = n;
	return s;
}

/* A reader that hands out at most `step` bytes a call; fails with -1
 * once `fail_at` bytes are out (0: never). */
struct chunks {
	const char *p;
	size_t len, off, step, fail_at;
};

static ptrdiff_t chunk_read(void *ctx, char *buf, size_t n)
{
	struct chunks *c = ctx;

	if (c->fail_at && c->off >= c->fail_at)
		return -1;
	if (n > c->step)
		n = c->step;
	if (n > c->len - c->off)
		n = c->len - c->off;
	memcpy(buf, c->p + c->off, n);
	c->off += n;
	return (ptrdiff_t)n;
}

/* Check s with every read size: all agree with attune_archive_check;
 * returns the rc, the message in msg. */
static int check_all(const char *s, size_t len, char *msg, size_t n_msg)
{
	static const size_t steps[] = { 1, 2, 7, 4096, (size_t)1 << 30 };
	attune_err err, e2;
	struct chunks c;
	size_t i;
	int rc, rc2;

	rc = attune_archive_check(s, len, &err);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.p = s;
		c.len = len;
		c.step = steps[i];
		if (steps[i] < 4 && len > 600000)
			continue;             /* slow, and no other path */
		rc2 = attune_archive_check_stream(chunk_read, &c, &e2);
		assert_int_equal(rc, rc2);
		if (rc)
			assert_string_equal(err.msg, e2.msg);
	}
	snprintf(msg, n_msg, "%s", rc ? err.msg : "");
	return rc;
}

static void test_valid_any_read_size(void **state)
{
	char msg[ATTUNE_ERR_MAX], *s;
	size_t len;

	(void)state;
	s = wrap("[\"clinics\",1,\"North\",0]\n"
	         "[\"users\",1,1,\"a\",null,0,null,0,null]\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_OK);
	free(s);
}

/* A row line padded to n bytes (without its '\n'). */
static char *row_of(size_t n)
{
	static const char head[] = "[\"clinics\",1,\"", tail[] = "\",0]";
	char *s = malloc(n + 2);
	size_t pad = n - (sizeof(head) - 1) - (sizeof(tail) - 1);

	assert_non_null(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'x', pad);
	memcpy(s + sizeof(head) - 1 + pad, tail, sizeof(tail) - 1);
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

static void test_line_max(void **state)
{
	char msg[ATTUNE_ERR_MAX], *row, *s;
	size_t len;

	(void)state;
	row = row_of(ATTUNE_ARCHIVE_LINE_MAX);
	s = wrap(row, &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_OK);
	free(s);
	free(row);
	row = row_of(ATTUNE_ARCHIVE_LINE_MAX + 1);
	s = wrap(row, &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_ELIMIT);
	assert_non_null(strstr(msg, "line 2: longer than"));
	free(s);
	/* ... also as the last line, without its newline */
	row[ATTUNE_ARCHIVE_LINE_MAX + 1] = '\0';
	assert_int_equal(check_all(row, ATTUNE_ARCHIVE_LINE_MAX + 1, msg,
	                           sizeof(msg)), ATTUNE_ELIMIT);
	assert_non_null(strstr(msg, "line 1: longer than"));
	free(row);
}

static void test_read_error(void **state)
{
	attune_err err;
	struct chunks c;
	char *s;
	size_t len;

	(void)state;
	s = wrap("[\"clinics\",1,\"North\",0]\n[\"clinics\",2,\"South\",0]\n",
	         &len);
	memset(&c, 0, sizeof(c));
	c.p = s;
	c.len = len;
	c.step = 1;
	c.fail_at = strchr(s, '\n') - s + 5;  /* inside line 2 */
	assert_int_equal(attune_archive_check_stream(chunk_read, &c, &err),
	                 ATTUNE_EIO);
	assert_string_equal(err.msg, "line 2: reading the archive failed");
	free(s);
}

/* Lines the fast path leaves to cJSON give the same verdict as their
 * plain twins. */
static void test_general_path(void **state)
{
	char msg[ATTUNE_ERR_MAX], *s;
	size_t len;

	(void)state;
	s = wrap("[\"clinics\" , 1e0, \"caf\\u00e9\", 0.0 ]\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_OK);
	free(s);
	s = wrap("[\"clinics\",1,\"a\\u0000b\",0]\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_EINVAL);
	assert_string_equal(msg, "line 2: a NUL character in a text");
	free(s);
	s = wrap("[\"clinics\",1,\"North\",0.5]\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_EINVAL);
	assert_string_equal(msg, "line 2: clinics.created_at must be a "
	                    "whole number");
	free(s);
	s = wrap("[\"clinics\",1,\"North\",true]\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_EINVAL);
	assert_string_equal(msg, "line 2: clinics.created_at must be a "
	                    "whole number");
	free(s);
	s = wrap("[\"clinics\",1,\"North\",0\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_EINVAL);
	assert_string_equal(msg, "line 2: not valid JSON");
	free(s);
	/* 2^53 is exact; 2^53 + 1 is not a whole number a reader keeps */
	s = wrap("[\"clinics\",9007199254740992,\"North\",0]\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_OK);
	free(s);
	s = wrap("[\"clinics\",90071992547409921,\"North\",0]\n", &len);
	assert_int_equal(check_all(s, len, msg, sizeof(msg)), ATTUNE_EINVAL);
	free(s);
}

/* Key sets kept as runs of ids: gaps are seen. */
static void test_key_runs(void **state)
{
	static const char rows[] =
		"[\"clinics\",1,\"North\",0]\n"
		"[\"clients\",1,1,null,\"C1\",null,0,0]\n"
		"[\"clients\",2,1,null,\"C2\",null,0,0]\n"
		"[\"clients\",5,1,null,\"C5\",null,0,0]\n"
		"[\"episodes\",1,%d,\"2025-01-01\",null,null]\n";
	char msg[ATTUNE_ERR_MAX], body[512], *s;
	size_t len;
	int id;

	(void)state;
	for (id = 0; id <= 6; id++) {
		snprintf(body, sizeof(body), rows, id);
		s = wrap(body, &len);
		if (id == 1 || id == 2 || id == 5) {
			assert_int_equal(check_all(s, len, msg, sizeof(msg)),
			                 ATTUNE_OK);
		} else {
			assert_int_equal(check_all(s, len, msg, sizeof(msg)),
			                 ATTUNE_EINVAL);
			assert_non_null(strstr(msg, "line 6: episodes.client_id "
			                       "refers to clients"));
		}
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_any_read_size),
		cmocka_unit_test(test_line_max),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_general_path),
		cmocka_unit_test(test_key_runs),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
