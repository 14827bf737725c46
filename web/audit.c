/* audit.c - the admin's view of the audit log: filtered by date, user,
 * client and action, newest first, a page at a time, and the same rows
 * as a CSV file. Reading the log is itself audited ("audit.read",
 * "audit.export") with the filters used. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "web/web.h"

/* A listing callback returning this stops early (no attune_rc uses it). */
#define STOP 1000

/* ---- Filters ---- */

struct filter {
	int64_t since, until;          /* [since, until); until 0: none */
	attune_id user;                /* acting user; 0: anyone */
	const char *object;            /* "client:N" or NULL */
	const char *action;            /* exact, or a prefix ending in '.' */
	int empty;                     /* matches nothing (unknown name) */
};

static const char *field0(struct web_req *r, const char *zName)
{
	const char *v = web_field(r, zName);

	return v && *v ? v : NULL;
}

struct found {
	attune_id id;
};

static int user_cb(void *ctx, const attune_user_rec *u)
{
	((struct found *)ctx)->id = u->id;
	return 0;
}

static int client_cb(void *ctx, const attune_client_rec *c)
{
	((struct found *)ctx)->id = c->id;
	return 0;
}

/* Read the filters. 0; -1 with *zError set (a 400); or an attune_rc. An
 * unknown user or client is not an error: it matches no row, and
 * *zNote says so. */
static int filter_read(struct web_req *r, struct filter *f,
                       const char **zError, const char **zNote)
{
	const char *since = field0(r, "since"), *until = field0(r, "until");
	const char *user = field0(r, "user"), *client = field0(r, "client");
	struct found fd;
	int rc;

	memset(f, 0, sizeof(*f));
	*zError = *zNote = NULL;
	if (since && (f->since = web_date_seconds(since)) < 0) {
		*zError = "\"Since\" is not a calendar date.";
		return -1;
	}
	if (until) {
		f->until = web_date_seconds(until);
		if (f->until < 0) {
			*zError = "\"Until\" is not a calendar date.";
			return -1;
		}
		f->until += 86400;             /* the whole day */
		if (f->until <= f->since) {
			*zError = "\"Until\" is before \"Since\".";
			return -1;
		}
	}
	f->action = field0(r, "action");
	if (user) {
		fd.id = 0;
		rc = web_valid_ident(user, strlen(user))
		     ? attune_store_user_find(r->st, r->srv->clinic_id, user,
		                              user_cb, &fd)
		     : ATTUNE_ENOTFOUND;
		if (rc == ATTUNE_ENOTFOUND) {
			f->empty = 1;
			*zNote = web_printf(r, "There is no user %s.", user);
		} else if (rc) {
			return rc;
		}
		f->user = fd.id;
	}
	if (client) {
		/* The code names the client; the log names it client:N. The
		 * look-up is a read of the client (audited "client.read"); only
		 * the id is kept. */
		fd.id = 0;
		rc = web_valid_ident(client, strlen(client))
		     ? attune_store_client_find(r->st, r->srv->clinic_id,
		                                client, client_cb, &fd)
		     : ATTUNE_ENOTFOUND;
		if (rc == ATTUNE_ENOTFOUND) {
			f->empty = 1;
			*zNote = web_printf(r, "There is no client %s.", client);
		} else if (rc) {
			return rc;
		}
		f->object = web_printf(r, "client:%lld", (long long)fd.id);
		if (!f->object)
			return ATTUNE_ENOMEM;
	}
	return 0;
}

static int filter_match(const struct filter *f, const attune_audit_rec *a)
{
	size_t n;

	if (f->empty || (f->until && a->at >= f->until) ||
	    (f->user && a->user_id != f->user))
		return 0;
	if (f->object && strcmp(a->object, f->object) != 0 &&
	    !(a->detail && strcmp(a->detail, f->object) == 0))
		return 0;
	if (f->action) {
		n = strlen(f->action);
		if (f->action[n - 1] == '.' ? strncmp(a->action, f->action, n)
		                            : strcmp(a->action, f->action))
			return 0;
	}
	return 1;
}

/* The filters as a query string (each value %-encoded), for links and
 * for the audit row of the read: ASCII only, at most 200 characters of
 * each value. */
static void filter_query(struct web_req *r, strbuf *b)
{
	static const char *const names[] = {"since", "until", "user",
	                                    "client", "action"};
	size_t i, n = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = field0(r, names[i]);
		char cut[201];
		if (!v)
			continue;
		snprintf(cut, sizeof(cut), "%s", v);
		sb_printf(b, "%s%s=", n++ ? "&" : "", names[i]);
		url_part(b, cut);
	}
}

/* Write the audit row of this read: action, and the filters as detail. */
static int audit_the_read(struct web_req *r, const char *zAction,
                          const char *zExtra)
{
	strbuf d;
	int rc;

	sb_init(&d, 2048);
	filter_query(r, &d);
	if (zExtra)
		sb_printf(&d, "%s%s", d.len ? "&" : "", zExtra);
	rc = d.rc ? d.rc
	     : attune_store_audit(r->st, zAction,
	                          web_printf(r, "clinic:%lld",
	                                     (long long)r->srv->clinic_id),
	                          d.len ? d.s : NULL);
	sb_free(&d);
	return rc;
}

/* ---- The page ---- */

struct page_rows {
	struct web_req *r;
	const struct filter *f;
	int64_t skip;                  /* matching rows before this page */
	attune_audit_rec row[WEB_AUDIT_PAGE];
	size_t n;
	int more;                      /* a row after this page matched */
};

static const char *dup0(struct web_req *r, const char *z)
{
	return z ? arena_strdup(&r->ar, z) : NULL;
}

static int page_cb(void *ctx, const attune_audit_rec *a)
{
	struct page_rows *p = ctx;
	attune_audit_rec *d;

	if (!filter_match(p->f, a))
		return 0;
	if (p->skip > 0) {
		p->skip--;
		return 0;
	}
	if (p->n == WEB_AUDIT_PAGE) {
		p->more = 1;
		return STOP;
	}
	d = &p->row[p->n];
	*d = *a;
	d->actor = dup0(p->r, a->actor);
	d->origin = dup0(p->r, a->origin);
	d->action = dup0(p->r, a->action);
	d->object = dup0(p->r, a->object);
	d->detail = dup0(p->r, a->detail);
	if (!d->actor || !d->origin || !d->action || !d->object ||
	    (a->detail && !d->detail))
		return ATTUNE_ENOMEM;
	p->n++;
	return 0;
}

static void filter_input(struct web_req *r, const char *zName,
                         const char *zLabel, const char *zType)
{
	strbuf *b = &r->out;
	const char *v = field0(r, zName);

	html_raw_trusted(b, "<div><label for=\"");
	html_attr(b, zName);
	html_raw_trusted(b, "\">");
	html_text(b, zLabel);
	html_raw_trusted(b, "</label><input id=\"");
	html_attr(b, zName);
	html_raw_trusted(b, "\" name=\"");
	html_attr(b, zName);
	html_raw_trusted(b, "\" type=\"");
	html_attr(b, zType);
	html_raw_trusted(b, "\" value=\"");
	html_attr(b, v ? v : "");
	html_raw_trusted(b, "\"></div>");
}

/* A link to page n of the same filters. */
static void page_link(struct web_req *r, int64_t n, const char *zText,
                      const char *zRel)
{
	strbuf *b = &r->out;
	strbuf q;

	sb_init(&q, 4096);
	filter_query(r, &q);
	sb_printf(&q, "%spage=%lld", q.len ? "&" : "", (long long)n);
	html_raw_trusted(b, "<a rel=\"");
	html_attr(b, zRel);
	html_raw_trusted(b, "\" href=\"/admin/audit?");
	html_attr(b, q.rc ? "" : q.s);
	html_raw_trusted(b, "\">");
	html_text(b, zText);
	html_raw_trusted(b, "</a>");
	sb_free(&q);
}

static int audit_page(struct web_req *r, const struct filter *f,
                      const char *zNote, const char *zError)
{
	strbuf *b = &r->out;
	struct page_rows *p = NULL;
	int64_t page = web_field_int(r, "page", 1);
	size_t i;
	int rc;
	strbuf q;

	if (page < 1)
		page = 1;
	if (!zError) {
		p = arena_alloc(&r->ar, sizeof(*p));
		if (!p)
			return ATTUNE_ENOMEM;
		memset(p, 0, sizeof(*p));
		p->r = r;
		p->f = f;
		p->skip = (page - 1) * WEB_AUDIT_PAGE;
		if ((rc = audit_the_read(r, "audit.read",
		                         web_printf(r, "page=%lld",
		                                    (long long)page))))
			return rc;
		rc = attune_store_audit_list(r->st, f->since, 0, page_cb, p);
		if (rc && rc != STOP)
			return rc;
	}
	page_begin(r, "Audit log");
	page_notes(r, zNote, zError);
	html_raw_trusted(b, "<p class=\"muted\">Every sign-in, every change "
	                 "and every read of client data, newest first, with "
	                 "who, from where and when (UTC). Reading and "
	                 "exporting the log are in it too. An action ending "
	                 "in '.' (\"client.\") matches all of its kind.</p>\n"
	                 "<form class=\"inline-form\" method=\"get\" "
	                 "action=\"/admin/audit\">");
	filter_input(r, "since", "Since", "date");
	filter_input(r, "until", "Until", "date");
	filter_input(r, "user", "User", "text");
	filter_input(r, "client", "Client code", "text");
	filter_input(r, "action", "Action", "text");
	html_raw_trusted(b, "<button type=\"submit\">Show</button></form>\n"
	                 "<p><a href=\"/admin/audit.csv");
	sb_init(&q, 4096);
	filter_query(r, &q);
	if (q.len && !q.rc) {
		html_raw_trusted(b, "?");
		html_attr(b, q.s);
	}
	sb_free(&q);
	html_raw_trusted(b, "\" download>Export these rows as CSV</a></p>\n");
	if (!p) {
		page_end(r);
		return 0;
	}
	if (p->n == 0) {
		html_raw_trusted(b, "<p class=\"muted\">No rows match.</p>\n");
	} else {
		html_raw_trusted(b, "<div class=\"table-wrap\"><table><thead>"
		                 "<tr><th scope=\"col\">When (UTC)</th>"
		                 "<th scope=\"col\">Who</th>"
		                 "<th scope=\"col\">From</th>"
		                 "<th scope=\"col\">Action</th>"
		                 "<th scope=\"col\">Object</th>"
		                 "<th scope=\"col\">Detail</th></tr></thead>"
		                 "<tbody>\n");
		for (i = 0; i < p->n; i++) {
			const attune_audit_rec *a = &p->row[i];
			html_raw_trusted(b, "<tr><td>");
			html_utc(b, a->at);
			html_raw_trusted(b, "</td><td>");
			html_text(b, a->actor);
			html_raw_trusted(b, "</td><td>");
			html_text(b, a->origin);
			html_raw_trusted(b, "</td><td>");
			html_text(b, a->action);
			html_raw_trusted(b, "</td><td>");
			html_text(b, a->object);
			html_raw_trusted(b, "</td><td>");
			html_text(b, a->detail ? a->detail : "");
			html_raw_trusted(b, "</td></tr>\n");
		}
		html_raw_trusted(b, "</tbody></table></div>\n");
	}
	html_raw_trusted(b, "<nav class=\"pages\" aria-label=\"Pages of the "
	                 "audit log\">");
	if (page > 1)
		page_link(r, page - 1, "Newer", "prev");
	sb_printf(b, " <span>Page %lld</span> ", (long long)page);
	if (p->more)
		page_link(r, page + 1, "Older", "next");
	html_raw_trusted(b, "</nav>\n");
	page_end(r);
	return 0;
}

int h_admin_audit(struct web_req *r)
{
	struct filter f;
	const char *err, *note;
	int rc = filter_read(r, &f, &err, &note);

	if (rc > 0)
		return rc;
	if (rc < 0)
		r->status = 400;
	return audit_page(r, &f, note, err);
}

/* ---- CSV export ---- */

struct csv_rows {
	strbuf *b;
	const struct filter *f;
	size_t n;
	int too_many;
};

static int csv_cb(void *ctx, const attune_audit_rec *a)
{
	struct csv_rows *c = ctx;
	time_t t = (time_t)a->at;
	struct tm tm;
	char when[32] = "";

	if (!filter_match(c->f, a))
		return 0;
	if (c->n == WEB_AUDIT_EXPORT_MAX || c->b->rc) {
		c->too_many = 1;
		return STOP;
	}
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sb_printf(c->b, "%lld,%s,%lld,", (long long)a->id, when,
	          (long long)a->user_id);
	csv_cell(c->b, a->actor);
	sb_putc(c->b, ',');
	csv_cell(c->b, a->origin);
	sb_putc(c->b, ',');
	csv_cell(c->b, a->action);
	sb_putc(c->b, ',');
	csv_cell(c->b, a->object);
	sb_putc(c->b, ',');
	csv_cell(c->b, a->detail);
	sb_puts(c->b, "\r\n");
	c->n++;
	return 0;
}

int h_admin_audit_csv(struct web_req *r)
{
	struct filter f;
	struct csv_rows c;
	const char *err, *note;
	char day[16];
	time_t t = time(NULL);
	struct tm tm;
	int rc = filter_read(r, &f, &err, &note);

	if (rc > 0)
		return rc;
	if (rc < 0)
		return web_bad_request(r, err);
	if ((rc = audit_the_read(r, "audit.export", NULL)))
		return rc;
	memset(&c, 0, sizeof(c));
	c.b = &r->out;
	c.f = &f;
	sb_reset(&r->out);
	/* RFC 4180, CRLF line ends; times in UTC (ISO 8601). */
	sb_puts(&r->out, "id,at,user_id,actor,origin,action,object,detail\r\n");
	rc = attune_store_audit_list(r->st, f.since, 0, csv_cb, &c);
	if (rc && rc != STOP)
		return rc;
	if (c.too_many || r->out.rc)
		return page_message(r, 400, "Too many rows for one file",
		                    "More rows match than one export holds "
		                    "(20 000, or 4 MiB). Choose a shorter span "
		                    "with Since and Until and export it in "
		                    "parts.");
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	r->ctype = "text/csv; charset=utf-8";
	web_header_add(r, "Content-Disposition",
	               web_printf(r, "attachment; filename=\"attune-audit-%s"
	                          ".csv\"", day));
	return 0;
}
