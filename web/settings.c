/* settings.c - the clinic's settings: how long a new check-in link is
 * valid, whether a new client may see their own progress, and which
 * instruments the clinic uses; the admin's page to change them, and the
 * small readers the rest of the server calls where a setting applies. */
#include <stdio.h>
#include <string.h>
#include "attune/limits.h"
#include "web/web.h"

/* Names in the store's clinic_settings (identifiers). */
#define SET_LINK_DAYS "link_days"
#define SET_SEES_PROGRESS ATTUNE_SETTING_SEES_PROGRESS
#define SET_INSTRUMENTS "instruments"    /* comma-separated ids in use */

/* Room for the instrument list: every instrument of the catalogue with
 * its comma. The store holds up to ATTUNE_TEXT_MAX bytes. */
#define SET_VALUE_MAX ATTUNE_TEXT_MAX

struct value {
	char *buf;
	size_t cap;
	int set, too_long;
};

static int value_cb(void *ctx, const char *zValue)
{
	struct value *v = ctx;
	size_t n = strlen(zValue);

	if (n >= v->cap) {
		v->too_long = 1;
		return 0;
	}
	memcpy(v->buf, zValue, n + 1);
	v->set = 1;
	return 0;
}

/* The value of setting zName into buf: 1 when set, 0 when unset or
 * unreadable (the caller's default holds). */
static int setting(struct web_req *r, const char *zName, char *buf,
                   size_t cap)
{
	struct value v = {buf, cap, 0, 0};

	if (attune_store_setting_get(r->st, r->srv->clinic_id, zName,
	                             value_cb, &v) != ATTUNE_OK)
		return 0;
	return v.set && !v.too_long;
}

/* A whole decimal number lo..hi, else -1. */
static int64_t in_range(const char *z, int64_t lo, int64_t hi)
{
	int64_t x;

	if (!z || !*z || parse_i64(z, strlen(z), &x) != 0 || x < lo || x > hi)
		return -1;
	return x;
}

int web_setting_link_days(struct web_req *r)
{
	char buf[16];
	int64_t d;

	if (!setting(r, SET_LINK_DAYS, buf, sizeof(buf)))
		return WEB_LINK_DAYS;
	d = in_range(buf, 1, WEB_LINK_DAYS_MAX);
	return d < 0 ? WEB_LINK_DAYS : (int)d;
}

int web_setting_sees_progress(struct web_req *r)
{
	char buf[4];

	return setting(r, SET_SEES_PROGRESS, buf, sizeof(buf)) &&
	       strcmp(buf, "1") == 0;
}

/* Is zId one of the comma-separated ids of zList? */
static int list_has(const char *zList, const char *zId)
{
	size_t n = strlen(zId);
	const char *p = zList;

	while (*p) {
		size_t k = strcspn(p, ",");
		if (k == n && memcmp(p, zId, n) == 0)
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

int web_setting_instrument_used(struct web_req *r, const char *zId)
{
	char buf[SET_VALUE_MAX + 1];

	/* A page asks for every instrument it offers: one read each
	 * request. */
	if (!r->set_instruments_state) {
		r->set_instruments_state = 1;
		if (setting(r, SET_INSTRUMENTS, buf, sizeof(buf)) &&
		    (r->set_instruments = arena_strdup(&r->ar, buf)))
			r->set_instruments_state = 2;
	}
	if (r->set_instruments_state == 1)
		return 1;
	return list_has(r->set_instruments, zId);
}

/* ---- The admin's page ---- */

/* The form, filled from the store, or with from_form from the fields
 * just sent (to show them again with an error). */
static int settings_page(struct web_req *r, int from_form,
                         const char *zNotice, const char *zError)
{
	strbuf *b = &r->out;
	size_t i, n = attune_catalog_count(r->srv->cat);
	const char *days = from_form ? web_field(r, "link_days") : NULL;

	sb_reset(b);
	page_begin(r, "Clinic settings");
	page_notes(r, zNotice, zError);
	html_raw_trusted(b, "<p class=\"muted\">These hold for the whole "
	                 "clinic from the next page a therapist opens. "
	                 "Changes are in the audit log.</p>\n"
	                 "<form method=\"post\" action=\"/admin/settings\">");
	form_csrf(r);
	html_raw_trusted(b, "<fieldset><legend>Check-in links</legend>"
	                 "<div class=\"inline-form\"><div><label "
	                 "for=\"link_days\">A new link is valid for (days, 1 "
	                 "to ");
	sb_printf(b, "%d", WEB_LINK_DAYS_MAX);
	html_raw_trusted(b, ")</label><input id=\"link_days\" "
	                 "name=\"link_days\" inputmode=\"numeric\" required "
	                 "pattern=\"[1-9][0-9]?\" value=\"");
	if (days)
		html_attr(b, days);
	else
		sb_printf(b, "%d", web_setting_link_days(r));
	html_raw_trusted(b, "\"></div></div><p class=\"muted\">The default "
	                 "a therapist sees when making a link; they may "
	                 "choose up to ");
	sb_printf(b, "%d", WEB_LINK_DAYS_MAX);
	html_raw_trusted(b, " days for one link.</p></fieldset>\n"
	                 "<fieldset><legend>New clients</legend><label>"
	                 "<input type=\"checkbox\" name=\"sees_progress\" "
	                 "value=\"1\"");
	if (from_form ? web_field(r, "sees_progress") != NULL
	               : web_setting_sees_progress(r))
		html_raw_trusted(b, " checked");
	html_raw_trusted(b, "> A client added from now on may see their own "
	                 "alliance and progress after a check-in (their "
	                 "therapist can change it per client)</label>"
	                 "</fieldset>\n<fieldset><legend>Instruments in use"
	                 "</legend><p class=\"muted\">Offered to therapists "
	                 "for check-in links and paper forms. Answers already "
	                 "stored stay and are shown.</p>");
	for (i = 0; i < n; i++) {
		const attune_instrument *in = attune_catalog_at(r->srv->cat, i);
		const char *name = web_printf(r, "use.%s", in->id);
		int on = from_form ? (name && web_field(r, name) != NULL)
		                    : web_setting_instrument_used(r, in->id);
		html_raw_trusted(b, "<label><input type=\"checkbox\" "
		                 "name=\"use.");
		html_attr(b, in->id);
		html_raw_trusted(b, "\" value=\"1\"");
		if (on)
			html_raw_trusted(b, " checked");
		html_raw_trusted(b, "> ");
		html_text(b, in->title);
		html_raw_trusted(b, " <span class=\"muted\">(");
		html_text(b, in->id);
		html_raw_trusted(b, ")</span></label><br>");
	}
	html_raw_trusted(b, "</fieldset>\n<button type=\"submit\">Save "
	                 "settings</button></form>\n");
	page_end(r);
	return 0;
}

int h_admin_settings(struct web_req *r)
{
	return settings_page(r, 0, NULL, NULL);
}

int h_admin_settings_save(struct web_req *r)
{
	int64_t days = in_range(web_field(r, "link_days"), 1,
	                        WEB_LINK_DAYS_MAX);
	strbuf list;
	size_t i, n_used = 0;
	int rc;

	if (days < 0) {
		r->status = 400;
		return settings_page(r, 1, NULL,
		                     web_printf(r, "A link's lifetime is a whole "
		                                "number of days from 1 to %d.",
		                                WEB_LINK_DAYS_MAX));
	}
	/* Every use.ID must name an instrument of the catalogue. */
	for (i = 0; i < r->nf; i++)
		if (strncmp(r->f[i].name, "use.", 4) == 0 &&
		    !attune_catalog_find(r->srv->cat, r->f[i].name + 4))
			return web_bad_request(r, "The form names an instrument "
			                       "this clinic does not have.");
	sb_init(&list, SET_VALUE_MAX);
	for (i = 0; i < attune_catalog_count(r->srv->cat); i++) {
		const attune_instrument *in = attune_catalog_at(r->srv->cat, i);
		const char *name = web_printf(r, "use.%s", in->id);
		if (!name) {
			sb_free(&list);
			return ATTUNE_ENOMEM;
		}
		if (!web_field(r, name))
			continue;
		if (n_used++)
			sb_putc(&list, ',');
		sb_puts(&list, in->id);
	}
	if (n_used == 0 || list.rc) {
		sb_free(&list);
		r->status = 400;
		return settings_page(r, 1, NULL, "Choose at least one "
		                     "instrument the clinic uses.");
	}
	rc = attune_store_begin(r->st);
	if (!rc)
		rc = attune_store_setting_set(r->st, r->srv->clinic_id,
		                              SET_LINK_DAYS,
		                              web_printf(r, "%lld",
		                                         (long long)days));
	if (!rc)
		rc = attune_store_setting_set(r->st, r->srv->clinic_id,
		                              SET_SEES_PROGRESS,
		                              web_field(r, "sees_progress")
		                              ? "1" : "0");
	if (!rc)
		rc = attune_store_setting_set(r->st, r->srv->clinic_id,
		                              SET_INSTRUMENTS, list.s);
	sb_free(&list);
	if (!rc)
		rc = attune_store_commit(r->st);
	if (rc)
		return rc;
	/* Shown from the store, as every later page will read it. */
	r->set_instruments_state = 0;        /* read the saved list */
	return settings_page(r, 0, "The settings were saved.", NULL);
}
