/* location.c - what a store location names (a PostgreSQL server or an
 * SQLite file), and the location with its password hidden, for messages
 * and logs. Pure string handling: no I/O. */
#include <string.h>
#include "attune/store.h"
#include "store/store_int.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int has_prefix_ci(const char *z, const char *zPrefix)
{
	for (; *zPrefix; z++, zPrefix++)
		if (lower((unsigned char)*z) != *zPrefix)
			return 0;
	return 1;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_uri(const char *z)
{
	return has_prefix_ci(z, "postgresql://") ||
	       has_prefix_ci(z, "postgres://");
}

/* libpq's connection keywords that can open a keyword=value string
 * (libpq "Parameter Key Words", PostgreSQL 15 manual, 34.1.2). A file
 * whose name starts like one of these must be given as ./NAME. */
static const char *const pg_keywords[] = {
	"host", "hostaddr", "port", "dbname", "user", "password", "passfile",
	"service", "sslmode", "connect_timeout", "application_name",
	"options", "target_session_attrs", "sslrootcert", "sslcert",
	"sslkey", "gssencmode", "krbsrvname",
};

static int is_keyword_string(const char *z)
{
	size_t i, n;

	while (is_space((unsigned char)*z))
		z++;
	for (i = 0; i < sizeof(pg_keywords) / sizeof(pg_keywords[0]); i++) {
		n = strlen(pg_keywords[i]);
		if (strncmp(z, pg_keywords[i], n) != 0)
			continue;
		z += n;
		while (is_space((unsigned char)*z))
			z++;
		return *z == '=';
	}
	return 0;
}

int attune_store_location_is_server(const char *zLocation)
{
	if (!zLocation)
		return 0;
	return is_uri(zLocation) || is_keyword_string(zLocation);
}

/* The password spans of a location: calls fn(ctx, start, len) for each
 * (the bytes of zLocation that are the password, as written). */
static void each_password(const char *z,
                          void (*fn)(void *ctx, size_t start, size_t len),
                          void *ctx)
{
	size_t i, n = strlen(z), end, at, colon, k, v;

	if (is_uri(z)) {
		i = (size_t)(strstr(z, "://") - z) + 3;
		/* The authority runs to the first '/', '?' or '#'. */
		end = i + strcspn(z + i, "/?#");
		for (at = end; at > i && z[at - 1] != '@'; at--)
			;
		if (at > i) {
			at--;     /* the '@' */
			for (colon = i; colon < at && z[colon] != ':'; colon++)
				;
			if (colon < at)
				fn(ctx, colon + 1, at - colon - 1);
		}
		/* Query parameters: ...?password=x&... */
		i = end + strcspn(z + end, "?");
		while (i < n) {
			i++;      /* '?' or '&' */
			k = i;
			v = k + strcspn(z + k, "=&#");
			end = v + strcspn(z + v, "&#");
			if (v - k == 8 && strncmp(z + k, "password", 8) == 0 &&
			    z[v] == '=')
				fn(ctx, v + 1, end - v - 1);
			i = end;
			if (z[i] == '#')
				break;
		}
		return;
	}
	if (!is_keyword_string(z))
		return;
	/* keyword = value pairs; a value is bare or 'quoted' with \' and \\
	 * escapes. */
	i = 0;
	while (i < n) {
		while (i < n && is_space((unsigned char)z[i]))
			i++;
		k = i;
		while (i < n && z[i] != '=' && !is_space((unsigned char)z[i]))
			i++;
		end = i;
		while (i < n && is_space((unsigned char)z[i]))
			i++;
		if (i >= n || z[i] != '=')
			return;   /* malformed: libpq will say so */
		i++;
		while (i < n && is_space((unsigned char)z[i]))
			i++;
		v = i;
		if (i < n && z[i] == '\'') {
			i++;
			while (i < n && z[i] != '\'') {
				if (z[i] == '\\' && i + 1 < n)
					i++;
				i++;
			}
			if (i < n)
				i++;
		} else {
			while (i < n && !is_space((unsigned char)z[i])) {
				if (z[i] == '\\' && i + 1 < n)
					i++;
				i++;
			}
		}
		if (end - k == 8 && strncmp(z + k, "password", 8) == 0)
			fn(ctx, v, i - v);
	}
}

struct spans {
	size_t start[8], len[8];
	size_t n;
};

static void add_span(void *ctx, size_t start, size_t len)
{
	struct spans *s = ctx;

	if (s->n < sizeof(s->start) / sizeof(s->start[0]) && len > 0) {
		s->start[s->n] = start;
		s->len[s->n] = len;
		s->n++;
	}
}

const char *attune_store_location_safe(const char *zLocation, char *buf,
                                       size_t n)
{
	struct spans sp = {{0}, {0}, 0};
	size_t i, o = 0, k = 0;

	if (!buf || n == 0)
		return "";
	buf[0] = '\0';
	if (!zLocation)
		return buf;
	each_password(zLocation, add_span, &sp);
	for (i = 0; zLocation[i] && o + 1 < n; ) {
		if (k < sp.n && i == sp.start[k]) {
			const char *m = "***";

			while (*m && o + 1 < n)
				buf[o++] = *m++;
			i += sp.len[k++];
			continue;
		}
		buf[o++] = zLocation[i++];
	}
	buf[o] = '\0';
	return buf;
}

/* The first occurrence of needle[0..len) in z, or NULL. */
static char *find(char *z, const char *needle, size_t len)
{
	for (; *z; z++)
		if (strncmp(z, needle, len) == 0)
			return z;
	return NULL;
}

void store_scrub_password(char *zMsg, const char *zLocation)
{
	struct spans sp = {{0}, {0}, 0};
	size_t k;
	char *p;

	if (!zMsg || !zLocation)
		return;
	each_password(zLocation, add_span, &sp);
	/* Each occurrence becomes '*'s of its length: the message keeps
	 * its size, and a password is hidden wherever libpq quoted it. */
	for (k = 0; k < sp.n; k++)
		while ((p = find(zMsg, zLocation + sp.start[k], sp.len[k])))
			memset(p, '*', sp.len[k]);
}
