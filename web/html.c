/* html.c - output writers that escape by context (HTML text, HTML
 * attribute, URL part, SVG text, JSON string), the page frame, and the
 * kind pages for refusals. Markup is written only through
 * html_raw_trusted(), with literals (after cgit's html.c). */
#include <math.h>
#include <string.h>
#include <time.h>
#include "web/web.h"

/* &, <, >, " and ' as entities: safe in element content and in quoted
 * attribute values alike (sb_html, the library's one HTML escaper). */
static void escape_xml(strbuf *b, const char *s)
{
	if (s)
		sb_html(b, s, strlen(s));
}

void html_text(strbuf *b, const char *s)
{
	escape_xml(b, s);
}

void html_attr(strbuf *b, const char *s)
{
	escape_xml(b, s);
}

void svg_text(strbuf *b, const char *s)
{
	escape_xml(b, s);
}

/* RFC 3986: everything but unreserved characters is %-encoded. */
void url_part(strbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return;
	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			sb_putc(b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			sb_append(b, e, 3);
		}
	}
}

void json_str(strbuf *b, const char *s)
{
	sb_json_str(b, s ? s : "");
}

void html_num(strbuf *b, double v)
{
	if (isnan(v))
		sb_puts(b, "\xe2\x80\x93");   /* an en dash: no value */
	else
		sb_num(b, v);
}

void html_raw_trusted(strbuf *b, const char *s)
{
	sb_puts(b, s);
}

void csv_cell(strbuf *b, const char *s)
{
	const char *p;
	int quote = 0;

	if (!s)
		return;
	for (p = s; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\r' || *p == '\n')
			quote = 1;
	if (quote)
		sb_putc(b, '"');
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' ||
	    *s == '\r')
		sb_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '"')
			sb_putc(b, '"');
		sb_putc(b, *p);
	}
	if (quote)
		sb_putc(b, '"');
}

/* ---- Page frame ---- */

static const char *role_name(attune_role r)
{
	switch (r) {
	case ATTUNE_ROLE_ADMIN: return "admin";
	case ATTUNE_ROLE_SUPERVISOR: return "supervisor";
	case ATTUNE_ROLE_THERAPIST: return "therapist";
	}
	return "?";
}

/* A link of the header's navigation; the current section is marked
 * for screen readers (aria-current). */
static void nav_link(struct web_req *r, const char *zPath, const char *zText)
{
	size_t n = strlen(zPath);
	int here = r->path && strncmp(r->path, zPath, n) == 0 &&
	           (r->path[n] == '\0' || r->path[n] == '/' ||
	            r->path[n] == '.');

	html_raw_trusted(&r->out, "<a href=\"");
	html_attr(&r->out, zPath);
	html_raw_trusted(&r->out, here ? "\" aria-current=\"page\">" : "\">");
	html_text(&r->out, zText);
	html_raw_trusted(&r->out, "</a>");
}

void page_begin(struct web_req *r, const char *zTitle)
{
	strbuf *b = &r->out;

	r->ctype = "text/html; charset=utf-8";
	html_raw_trusted(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	                 "<meta charset=\"utf-8\">"
	                 "<meta name=\"viewport\" content=\"width=device-width,"
	                 " initial-scale=1\">"
	                 "<link rel=\"stylesheet\" href=\"/static/attune.css\">"
	                 "<script src=\"/static/attune.js\" defer></script>"
	                 "<title>");
	html_text(b, zTitle);
	html_raw_trusted(b, " \xc2\xb7 attune</title></head><body>\n"
	                 "<header class=\"top\"><a class=\"brand\" href=\"/\">"
	                 "attune</a>");
	if (r->signed_in) {
		html_raw_trusted(b, "<nav aria-label=\"Main\">");
		if (r->user.role != ATTUNE_ROLE_ADMIN) {
			nav_link(r, "/caseload", "Caseload");
			if (r->user.role == ATTUNE_ROLE_SUPERVISOR)
				nav_link(r, "/clinic", "Clinic");
		} else {
			nav_link(r, "/clinic", "Clinic");
			nav_link(r, "/admin/users", "Users");
			nav_link(r, "/admin/grants", "Access");
			nav_link(r, "/admin/settings", "Settings");
			nav_link(r, "/admin/audit", "Audit log");
		}
		nav_link(r, "/account", "Your account");
		html_raw_trusted(b, "</nav><form class=\"signout\" method=\"post\""
		                 " action=\"/logout\"><span class=\"who\">");
		html_text(b, r->user.display);
		html_raw_trusted(b, " (");
		html_text(b, role_name(r->user.role));
		html_raw_trusted(b, ")</span>");
		form_csrf(r);
		html_raw_trusted(b, "<button type=\"submit\">Sign out</button>"
		                 "</form>");
	}
	html_raw_trusted(b, "</header>\n<main>\n<h1>");
	html_text(b, zTitle);
	html_raw_trusted(b, "</h1>\n");
}

void page_end(struct web_req *r)
{
	html_raw_trusted(&r->out, "</main>\n<footer>attune ");
	html_text(&r->out, ATTUNE_VERSION);
	html_raw_trusted(&r->out, " \xc2\xb7 measurement-based care centred on"
	                 " the relationship</footer>\n</body></html>\n");
}

void page_notes(struct web_req *r, const char *zNotice, const char *zError)
{
	if (zNotice) {
		html_raw_trusted(&r->out, "<p class=\"notice\" role=\"status\">");
		html_text(&r->out, zNotice);
		html_raw_trusted(&r->out, "</p>\n");
	}
	if (zError) {
		html_raw_trusted(&r->out, "<p class=\"error\" role=\"alert\">");
		html_text(&r->out, zError);
		html_raw_trusted(&r->out, "</p>\n");
	}
}

void html_utc(strbuf *b, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char iso[32], shown[32];

	if (t == 0 || !gmtime_r(&tt, &tm)) {
		sb_puts(b, "\xe2\x80\x93");
		return;
	}
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(shown, sizeof(shown), "%Y-%m-%d %H:%M", &tm);
	html_raw_trusted(b, "<time datetime=\"");
	html_attr(b, iso);
	html_raw_trusted(b, "\">");
	html_text(b, shown);
	html_raw_trusted(b, "</time>");
}

void form_csrf(struct web_req *r)
{
	html_raw_trusted(&r->out, "<input type=\"hidden\" name=\"csrf\" "
	                 "value=\"");
	if (r->n_csrf_at < sizeof(r->csrf_at) / sizeof(r->csrf_at[0]))
		r->csrf_at[r->n_csrf_at] = r->out.len;
	r->n_csrf_at++;
	html_attr(&r->out, r->csrf);
	html_raw_trusted(&r->out, "\">");
}

int page_message(struct web_req *r, int status, const char *zTitle,
                 const char *zText)
{
	sb_reset(&r->out);
	r->status = status;
	if (r->is_api) {
		r->ctype = "application/json";
		sb_puts(&r->out, "{\"error\": ");
		json_str(&r->out, zTitle);
		sb_puts(&r->out, ", \"detail\": ");
		json_str(&r->out, zText);
		sb_puts(&r->out, "}\n");
		return 0;
	}
	page_begin(r, zTitle);
	html_raw_trusted(&r->out, "<p class=\"message\">");
	html_text(&r->out, zText);
	html_raw_trusted(&r->out, "</p>\n");
	if (r->signed_in)
		html_raw_trusted(&r->out, "<p><a href=\"/\">Back to the start"
		                 "</a></p>\n");
	page_end(r);
	return 0;
}

int web_redirect(struct web_req *r, const char *zPath)
{
	r->status = 303;
	web_header_add(r, "Location", zPath);
	r->ctype = "text/plain; charset=utf-8";
	sb_reset(&r->out);
	sb_puts(&r->out, "See Other\n");
	return 0;
}

int web_not_found(struct web_req *r)
{
	return page_message(r, 404, "Not found",
	                    "There is nothing here. The address may be "
	                    "mistyped, or the page is not yours to see.");
}

int web_forbidden(struct web_req *r)
{
	return page_message(r, 403, "Not allowed",
	                    "Your account cannot do this. If you think it "
	                    "should, ask your clinic's admin.");
}

int web_bad_request(struct web_req *r, const char *zWhy)
{
	return page_message(r, 400, "Something in that request was not right",
	                    zWhy);
}

int web_server_error(struct web_req *r, const char *zWhat)
{
	return page_message(r, 500, "Sorry, that did not work",
	                    zWhat ? zWhat : "Something went wrong on our "
	                    "side. Nothing was changed; please try again.");
}
