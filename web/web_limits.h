/* web_limits.h - every limit of the HTTP server in one place, with its
 * reason and the status a breach gets. The server faces the internet:
 * nothing a client sends may make it allocate without bound, and every
 * refusal names its limit with a specific status, never a crash. */
#ifndef ATTUNE_WEB_LIMITS_H
#define ATTUNE_WEB_LIMITS_H

/* The request target (path and query). Our URLs are short: the longest
 * is a check-in link (/c/ + 43 characters) or a client page with a few
 * query parameters. Longer: 414 URI Too Long. */
#define WEB_URL_MAX 2048

/* All request header lines together (names and values). Browsers send
 * 1-2 KiB; 8 KiB is what many servers allow. More: 431 Request Header
 * Fields Too Large. libmicrohttpd's own per-connection memory
 * (WEB_CONN_MEMORY) is the hard stop behind it. */
#define WEB_HEADERS_MAX (8u * 1024u)

/* Memory libmicrohttpd gives one connection for the request line, the
 * headers and its read buffer. */
#define WEB_CONN_MEMORY (32u * 1024u)

/* A request body. The largest form is a paper questionnaire entered by
 * hand (at most ATTUNE_ITEMS_MAX answers of a few bytes) or a check-in
 * with a few instruments. More: 413 Content Too Large. A POST must say
 * its length (no chunked uploads): otherwise 411 Length Required. */
#define WEB_BODY_MAX (64u * 1024u)

/* Fields in one form or query string: the check-in form holds at most
 * ATTUNE_LINK_INSTRUMENTS_MAX instruments of at most ATTUNE_ITEMS_MAX
 * items, but a real one has well under 100; 512 leaves room. More: 400. */
#define WEB_FIELDS_MAX 512

/* One field's name and value (after decoding). Names are short
 * identifiers; the longest values are display names and passwords
 * (ATTUNE_TEXT_MAX would allow 4 KiB; a form field longer than 1 KiB
 * is not something a person typed). More: 400. */
#define WEB_FIELD_NAME_MAX 64
#define WEB_FIELD_VALUE_MAX 1024

/* A session transcript pasted or uploaded on the web (the one form with a
 * long field). A 3-hour session is about 200 KB of text; 512 KiB leaves
 * room for subtitles with cue timings, and keeps the rendered mirror
 * (about 4 times the text) under WEB_PAGE_MAX. The library would take up
 * to ATTUNE_TRANSCRIPT_SIZE_MAX from the command line. The form's body
 * may be three times the text (%XX escapes) plus the other fields. More:
 * 413 for the body, 400 for the field. */
#define WEB_TRANSCRIPT_MAX (512u * 1024u)
#define WEB_TRANSCRIPT_BODY_MAX (3u * WEB_TRANSCRIPT_MAX + 4096u)

/* Bodies we accept, by Content-Type: forms only
 * (application/x-www-form-urlencoded); anything else on a form route:
 * 415 Unsupported Media Type. */

/* A rendered page. The client page with 40 sessions and every chart is
 * about 200 KiB; 4 MiB stops a runaway render. */
#define WEB_PAGE_MAX (4u * 1024u * 1024u)

/* Concurrency: worker threads (each with its own store handle) and
 * connections. More threads than cores on purpose: a request that
 * writes (every view writes its audit row) waits for the disk sync of
 * its commit, and the commits waiting together share one sync (group
 * commit), so more waiters means fewer syncs per request. bench/web.sh
 * measured 4 threads against 16. SQLite serialises the writes
 * themselves. */
#define WEB_THREADS 16
/* Bytes of drawn client pages kept (web/pagecache.h): about 300 pages
 * of a client with 40 sessions. */
#define WEB_PAGE_CACHE_BYTES (32u << 20)
#define WEB_CONNECTIONS_MAX 256
#define WEB_CONNECTIONS_PER_IP 32
/* Seconds a connection may sit idle before it is closed (slow-loris). */
#define WEB_CONN_TIMEOUT 30

/* Sign-in sessions: idle 30 minutes, absolute 12 hours (a clinical
 * working day); last_seen is written at most once a minute. */
#define WEB_SESSION_IDLE (30 * 60)
#define WEB_SESSION_MAX (12 * 60 * 60)
#define WEB_SESSION_TOUCH 60

/* Login rate limiting: after this many failures within the window for
 * one user name, or WEB_LOGIN_FAILS_IP from one address (higher: a
 * clinic's staff may share one address behind NAT), further attempts
 * get 429 with Retry-After until the window has passed. The table is
 * fixed-size (least recently used entries are reused). */
#define WEB_LOGIN_FAILS 5
#define WEB_LOGIN_FAILS_IP 20
#define WEB_LOGIN_WINDOW (15 * 60)
#define WEB_RATE_SLOTS 4096

/* Check-in links: default lifetime 4 days, at most 30. */
#define WEB_LINK_DAYS 4
#define WEB_LINK_DAYS_MAX 30

/* Passwords set in the browser (admin page, own account): at least this
 * many characters, as `attune user add` asks. */
#define WEB_PASSWORD_MIN 10

/* The admin's audit log: rows per page, and at most this many rows in
 * one CSV export (about 150 bytes each, well inside WEB_PAGE_MAX; more:
 * a page asking to narrow the dates, never a cut-off file). */
#define WEB_AUDIT_PAGE 50
#define WEB_AUDIT_EXPORT_MAX 20000
/* "Last sign-in" on the users page is looked up in the newest this many
 * audit rows (the store keeps no sign-in time per user). */
#define WEB_LAST_LOGIN_SCAN 50000

/* On SIGTERM/SIGINT: stop accepting, then wait this long for open
 * connections to finish before closing them. */
#define WEB_DRAIN_SECONDS 10

#endif
