/* test_web_unit.c - the web server's pure parts without a server: the
 * escaping writers (every context), the form parser's limits and
 * refusals, the validators, and the login rate table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "web/pagecache.h"
#include "web/web.h"

static char *render(void (*w)(strbuf *, const char *), const char *in)
{
	static char out[4096];
	strbuf b;
	char *s;
	int rc;

	sb_init(&b, 1 << 16);
	w(&b, in);
	s = sb_detach(&b, &rc);
	assert_non_null(s);
	snprintf(out, sizeof(out), "%s", s);
	free(s);
	return out;
}

static void test_escapers(void **state)
{
	const char *evil = "<script>alert(\"x\")</script>&'";

	(void)state;
	assert_string_equal(render(html_text, evil),
	                    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
	                    "&amp;&#39;");
	assert_string_equal(render(html_attr, "\" onmouseover='x'"),
	                    "&quot; onmouseover=&#39;x&#39;");
	assert_string_equal(render(svg_text, "]]><svg onload=x>"),
	                    "]]&gt;&lt;svg onload=x&gt;");
	assert_string_equal(render(url_part, "a b/c?d=e&f#\xc3\xa9~-._"),
	                    "a%20b%2Fc%3Fd%3De%26f%23%C3%A9~-._");
	assert_string_equal(render(json_str, "</script>\"\\\n"),
	                    "\"\\u003c/script\\u003e\\\"\\\\\\n\"");
	assert_string_equal(render(html_text, ""), "");
	assert_string_equal(render(html_text, "plain words"), "plain words");
	assert_string_equal(render(html_raw_trusted, "<b>"), "<b>");
}

static void test_form_parse(void **state)
{
	struct web_field *f;
	const char *why;
	size_t n;
	arena ar;
	char *big;
	size_t i;

	(void)state;
	arena_init(&ar);
	assert_int_equal(web_form_parse(&ar, "a=1&b=x+y%21&c=&d", 17, &f, &n,
	                                &why), 0);
	assert_int_equal(n, 4);
	assert_string_equal(f[0].name, "a");
	assert_string_equal(f[1].value, "x y!");
	assert_string_equal(f[2].value, "");
	assert_string_equal(f[3].name, "d");
	assert_int_equal(f[3].len, 0);
	assert_int_equal(web_form_parse(&ar, "&&a=1&", 6, &f, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(web_form_parse(&ar, "", 0, &f, &n, &why), 0);
	assert_int_equal(n, 0);
	/* Refusals. */
	assert_int_equal(web_form_parse(&ar, "a=%zz", 5, &f, &n, &why), 400);
	assert_non_null(strstr(why, "hex"));
	assert_int_equal(web_form_parse(&ar, "a=%4", 4, &f, &n, &why), 400);
	assert_int_equal(web_form_parse(&ar, "a=%", 3, &f, &n, &why), 400);
	assert_int_equal(web_form_parse(&ar, "a=%00", 5, &f, &n, &why), 400);
	assert_int_equal(web_form_parse(&ar, "a=%ff", 5, &f, &n, &why), 400);
	assert_int_equal(web_form_parse(&ar, "=1", 2, &f, &n, &why), 400);
	assert_int_equal(web_form_parse(&ar, "a=\xc3\x28", 4, &f, &n, &why),
	                 400);
	/* Limits: field count, name and value length. */
	big = malloc(WEB_FIELDS_MAX * 4 + 16);
	assert_non_null(big);
	for (i = 0, n = 0; i <= WEB_FIELDS_MAX; i++)
		n += (size_t)snprintf(big + n, 8, "a=%c&", 'x');
	assert_int_equal(web_form_parse(&ar, big, n, &f, &i, &why), 400);
	assert_non_null(strstr(why, "too many"));
	free(big);
	big = calloc(1, WEB_FIELD_VALUE_MAX + 16);
	assert_non_null(big);
	memcpy(big, "v=", 2);
	memset(big + 2, 'x', WEB_FIELD_VALUE_MAX);
	assert_int_equal(web_form_parse(&ar, big, WEB_FIELD_VALUE_MAX + 2, &f,
	                                &n, &why), 0);
	big[WEB_FIELD_VALUE_MAX + 2] = 'x';
	assert_int_equal(web_form_parse(&ar, big, WEB_FIELD_VALUE_MAX + 3, &f,
	                                &n, &why), 400);
	memset(big, 'n', WEB_FIELD_NAME_MAX + 1);
	assert_int_equal(web_form_parse(&ar, big, WEB_FIELD_NAME_MAX + 1, &f,
	                                &n, &why), 400);
	free(big);
	arena_free(&ar);
}

static void test_validators(void **state)
{
	(void)state;
	assert_true(web_valid_id("1", 1));
	assert_true(web_valid_id("999999999", 9));
	assert_false(web_valid_id("0", 1));
	assert_false(web_valid_id("01", 2));
	assert_false(web_valid_id("1000000000", 10));
	assert_false(web_valid_id("-1", 2));
	assert_false(web_valid_id("", 0));
	assert_true(web_valid_ident("C-01", 4));
	assert_false(web_valid_ident("a b", 3));
	assert_true(web_valid_text0("", 0));
	assert_false(web_valid_text("", 0));
	assert_false(web_valid_text("a\tb", 3));
	assert_true(web_valid_text("caf\xc3\xa9", 5));
	assert_true(web_valid_number("", 0));
	assert_true(web_valid_number("3", 1));
	assert_true(web_valid_number("2.5", 3));
	assert_false(web_valid_number("x", 1));
	assert_true(web_valid_role("therapist", 9));
	assert_false(web_valid_role("root", 4));
	assert_true(web_valid_date("2026-02-28", 10));
	assert_false(web_valid_date("2026-2-28", 9));
	assert_true(web_valid_hex64("0123456789abcdef0123456789abcdef"
	                            "0123456789abcdef0123456789abcdef", 64));
	assert_false(web_valid_hex64("0123456789ABCDEF0123456789abcdef"
	                             "0123456789abcdef0123456789abcdef", 64));
	assert_true(web_valid_flag("1", 1));
	assert_false(web_valid_flag("0", 1));
}

static void test_rate_table(void **state)
{
	struct rate_table *t = rate_new();
	int i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < WEB_LOGIN_FAILS - 1; i++)
		rate_fail(t, "user:ann", 1000);
	assert_int_equal(rate_blocked(t, "user:ann", 1000, WEB_LOGIN_FAILS), 0);
	rate_fail(t, "user:ann", 1001);
	assert_int_equal(rate_blocked(t, "user:ann", 1010, WEB_LOGIN_FAILS),
	                 WEB_LOGIN_WINDOW - 10);
	assert_int_equal(rate_blocked(t, "user:bob", 1010, WEB_LOGIN_FAILS), 0);
	/* The window passes. */
	assert_int_equal(rate_blocked(t, "user:ann", 1000 + WEB_LOGIN_WINDOW,
	                              WEB_LOGIN_FAILS), 0);
	rate_clear(t, "user:ann");
	assert_int_equal(rate_blocked(t, "user:ann", 1010, WEB_LOGIN_FAILS), 0);
	/* Many keys: the table reuses old slots, never grows. */
	for (i = 0; i < 3 * WEB_RATE_SLOTS; i++) {
		char key[32];
		snprintf(key, sizeof(key), "ip:%d", i);
		rate_fail(t, key, 2000 + i);
	}
	rate_free(t);
}

static void test_tokens(void **state)
{
	char tok[WEB_TOKEN_LEN + 1], hash[WEB_HASH_HEX + 1];
	char tok2[WEB_TOKEN_LEN + 1], hash2[WEB_HASH_HEX + 1];
	char h[WEB_HASH_HEX + 1], pw[WEB_PWHASH_MAX];

	(void)state;
	assert_int_equal(web_token_new(tok, hash), ATTUNE_OK);
	assert_int_equal(web_token_new(tok2, hash2), ATTUNE_OK);
	assert_int_equal(strlen(tok), WEB_TOKEN_LEN);
	assert_int_equal(strlen(hash), WEB_HASH_HEX);
	assert_string_not_equal(tok, tok2);
	assert_true(web_valid_hex64(hash, strlen(hash)));
	web_token_hash(tok, strlen(tok), h);
	assert_string_equal(h, hash);
	assert_int_equal(web_password_hash("correct horse", pw), ATTUNE_OK);
	assert_int_equal(strncmp(pw, "$argon2id$", 10), 0);
	assert_int_equal(web_password_hash("", pw), ATTUNE_EINVAL);
}

/* CSV cells: RFC 4180 quoting, and formulas defused with a leading '. */
static void test_csv_cell(void **state)
{
	(void)state;
	assert_string_equal(render(csv_cell, "plain"), "plain");
	assert_string_equal(render(csv_cell, "a,b"), "\"a,b\"");
	assert_string_equal(render(csv_cell, "say \"hi\""),
	                    "\"say \"\"hi\"\"\"");
	assert_string_equal(render(csv_cell, "two\nlines"),
	                    "\"two\nlines\"");
	assert_string_equal(render(csv_cell, "=1+2"), "'=1+2");
	assert_string_equal(render(csv_cell, "+1"), "'+1");
	assert_string_equal(render(csv_cell, "-1"), "'-1");
	assert_string_equal(render(csv_cell, "@SUM(A1)"), "'@SUM(A1)");
	assert_string_equal(render(csv_cell, "\tx"), "'\tx");
	assert_string_equal(render(csv_cell, "=HYPERLINK(\"u\",\"t\")"),
	                    "\"'=HYPERLINK(\"\"u\"\",\"\"t\"\")\"");
	assert_string_equal(render(csv_cell, "a=b"), "a=b");
}

static void test_dates(void **state)
{
	(void)state;
	assert_int_equal(web_date_seconds("1970-01-01"), 0);
	assert_int_equal(web_date_seconds("2000-03-01"), 951868800);
	assert_int_equal(web_date_seconds("2024-02-29"), 1709164800);
	assert_int_equal(web_date_seconds("2023-02-29"), -1);
	assert_int_equal(web_date_seconds("1900-02-28"), -1);
	assert_int_equal(web_date_seconds("2026-13-01"), -1);
	assert_int_equal(web_date_seconds("2026-04-31"), -1);
	assert_int_equal(web_date_seconds("2026-1-01"), -1);
	assert_int_equal(web_date_seconds(NULL), -1);
	assert_true(web_valid_date0("", 0));
	assert_true(web_valid_date0("2026-01-01", 10));
	assert_false(web_valid_date0("2026-01-0", 9));
}

/* Every POST outside /api/ must prove it came from our own form; every
 * route declares its roles within the known ones. */
static void test_route_table(void **state)
{
	size_t i;

	(void)state;
	assert_true(web_n_routes > 10);
	for (i = 0; i < web_n_routes; i++) {
		const struct web_route *rt = &web_routes[i];
		int api = strncmp(rt->pattern, "/api/", 5) == 0;
		if (strcmp(rt->method, "POST") == 0 && !api &&
		    rt->csrf == WEB_CSRF_NONE)
			fail_msg("POST %s has no CSRF check", rt->pattern);
		if (strcmp(rt->method, "GET") == 0 && rt->csrf != WEB_CSRF_NONE)
			fail_msg("GET %s has a CSRF kind", rt->pattern);
		assert_true((rt->roles & ~(unsigned)WEB_ANY_USER) == 0);
		assert_non_null(rt->handler);
		assert_non_null(rt->what);
	}
}

/* The page cache: a hit only for the same key before its time, the
 * viewer's token written at every place and the stored one blanked,
 * a newer page replacing the older, the byte limit kept. */
static void test_page_cache(void **state)
{
	struct page_cache *pc = page_cache_new(64 * 1024);
	struct page_key k = {7, 3, 1, 2, 99}, k2;
	struct page_entry *e;
	const char body[] = "<form><input value=\"AAAA\"></form>"
	                    "<form><input value=\"BBBB\"></form>";
	size_t at[2], n = sizeof(body) - 1;
	uint64_t hits, misses;
	size_t bytes;
	char big[20000];
	strbuf b;
	int i;

	(void)state;
	assert_non_null(pc);
	at[0] = (size_t)(strstr(body, "AAAA") - body);
	at[1] = (size_t)(strstr(body, "BBBB") - body);
	assert_null(page_cache_get(pc, &k, 100));
	page_cache_put(pc, &k, 200, "C-07", body, n, at, 2, 4);

	sb_init(&b, 1 << 16);
	assert_non_null(e = page_cache_get(pc, &k, 199));
	assert_string_equal(page_entry_title(e), "C-07");
	page_entry_write(e, &b, "wxyz", 4);
	page_cache_release(pc, e);
	assert_string_equal(b.s, "<form><input value=\"wxyz\"></form>"
	                    "<form><input value=\"wxyz\"></form>");
	sb_free(&b);

	assert_null(page_cache_get(pc, &k, 200));          /* expired */
	k2 = k; k2.version = 4;
	assert_null(page_cache_get(pc, &k2, 100));
	k2 = k; k2.access = 2;
	assert_null(page_cache_get(pc, &k2, 100));
	k2 = k; k2.role = 1;
	assert_null(page_cache_get(pc, &k2, 100));
	k2 = k; k2.settings = 98;
	assert_null(page_cache_get(pc, &k2, 100));

	/* The newer version replaces the older. */
	k2 = k; k2.version = 4;
	page_cache_put(pc, &k2, 300, "C-07", "new", 3, NULL, 0, 4);
	assert_null(page_cache_get(pc, &k, 100));
	assert_non_null(e = page_cache_get(pc, &k2, 100));
	page_cache_release(pc, e);

	/* Token places that do not fit, too many of them, or a page over a
	 * quarter of the cache: nothing kept. */
	k2.client = 8;
	at[0] = n - 2;
	page_cache_put(pc, &k2, 300, "x", body, n, at, 1, 4);
	assert_null(page_cache_get(pc, &k2, 100));
	memset(big, 'x', sizeof(big));
	page_cache_put(pc, &k2, 300, "x", big, sizeof(big), NULL, 0, 4);
	assert_null(page_cache_get(pc, &k2, 100));

	/* Many clients: the bytes stay under the limit, and the latest
	 * page is there. */
	for (i = 0; i < 200; i++) {
		k2.client = 100 + i;
		page_cache_put(pc, &k2, 300, "x", big, 10000, NULL, 0, 4);
		page_cache_stats(pc, &hits, &misses, &bytes);
		assert_true(bytes <= 64 * 1024);
	}
	assert_non_null(e = page_cache_get(pc, &k2, 100));
	page_cache_release(pc, e);
	page_cache_stats(pc, &hits, &misses, &bytes);
	assert_int_equal(hits, 3);
	page_cache_free(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapers),
		cmocka_unit_test(test_form_parse),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_rate_table),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_route_table),
		cmocka_unit_test(test_csv_cell),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_page_cache),
	};

	return cmocka_run_group_tests_name("web (no server)", tests, NULL,
	                                   NULL);
}
