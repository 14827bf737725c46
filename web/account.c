/* account.c - one's own account, for every signed-in user: change the
 * password (the current one required; every other session ends, this
 * browser gets a new one) and sign out everywhere. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "web/web.h"

static int account_page(struct web_req *r, const char *zNotice,
                        const char *zError)
{
	strbuf *b = &r->out;

	sb_reset(b);
	page_begin(r, "Your account");
	page_notes(r, zNotice, zError);
	html_raw_trusted(b, "<p>Signed in as <strong>");
	html_text(b, r->user.name);
	html_raw_trusted(b, "</strong>");
	if (strcmp(r->user.display, r->user.name) != 0) {
		html_raw_trusted(b, " (");
		html_text(b, r->user.display);
		html_raw_trusted(b, ")");
	}
	html_raw_trusted(b, ".</p>\n<h2>Change your password</h2>\n"
	                 "<form class=\"login\" method=\"post\" "
	                 "action=\"/account/password\">");
	form_csrf(r);
	/* A hidden username lets password managers file the new one. */
	html_raw_trusted(b, "<input type=\"hidden\" name=\"username\" "
	                 "autocomplete=\"username\" value=\"");
	html_attr(b, r->user.name);
	html_raw_trusted(b, "\" disabled>"
	                 "<label for=\"current\">Current password</label>"
	                 "<input id=\"current\" name=\"current\" "
	                 "type=\"password\" autocomplete=\"current-password\" "
	                 "required>"
	                 "<label for=\"password\">New password</label>"
	                 "<input id=\"password\" name=\"password\" "
	                 "type=\"password\" autocomplete=\"new-password\" "
	                 "required minlength=\"10\" "
	                 "aria-describedby=\"pw-help\">"
	                 "<label for=\"password2\">New password again</label>"
	                 "<input id=\"password2\" name=\"password2\" "
	                 "type=\"password\" autocomplete=\"new-password\" "
	                 "required minlength=\"10\">"
	                 "<p class=\"muted\" id=\"pw-help\">At least 10 "
	                 "characters. Your other sessions end; this one goes "
	                 "on.</p>"
	                 "<button type=\"submit\">Change password</button>"
	                 "</form>\n<h2>Sign out everywhere</h2>\n"
	                 "<form class=\"inline-form\" method=\"post\" "
	                 "action=\"/account/logout-all\">");
	form_csrf(r);
	html_raw_trusted(b, "<p class=\"muted\">Ends every session of your "
	                 "account, on this and every other device, for "
	                 "example after using a shared computer.</p>"
	                 "<button type=\"submit\" class=\"secondary\">Sign "
	                 "out everywhere</button></form>\n");
	page_end(r);
	return 0;
}

int h_account(struct web_req *r)
{
	return account_page(r, NULL, NULL);
}

int h_account_password(struct web_req *r)
{
	const char *cur = web_field(r, "current");
	const char *pw = web_field(r, "password");
	const char *pw2 = web_field(r, "password2");
	char kuser[96], hash[WEB_PWHASH_MAX];
	int64_t now = (int64_t)time(NULL);
	long wait;
	int rc, ok = 0;

	/* A wrong current password counts as a failed sign-in, so that a
	 * stolen session cannot be used to guess the password. */
	snprintf(kuser, sizeof(kuser), "user:%s", r->user.name);
	wait = rate_blocked(r->srv->rate, kuser, now, WEB_LOGIN_FAILS);
	if (wait > 0) {
		web_header_add(r, "Retry-After", web_printf(r, "%ld", wait));
		r->status = 429;
		return account_page(r, NULL, "Too many wrong passwords. Please "
		                    "wait a few minutes and try again.");
	}
	if ((rc = auth_password_check(r, r->user.id, cur, &ok)))
		return rc;
	if (!ok) {
		rate_fail(r->srv->rate, kuser, now);
		attune_store_audit(r->st, "auth.fail",
		                   web_printf(r, "user:%lld",
		                              (long long)r->user.id),
		                   "password change");
		r->status = 403;
		return account_page(r, NULL, "The current password is not "
		                    "right. Nothing was changed.");
	}
	if (strlen(pw) < WEB_PASSWORD_MIN) {
		r->status = 400;
		return account_page(r, NULL, "A password needs at least 10 "
		                    "characters. Nothing was changed.");
	}
	if (strcmp(pw, pw2) != 0) {
		r->status = 400;
		return account_page(r, NULL, "The two new passwords differ. "
		                    "Nothing was changed.");
	}
	if (strcmp(pw, cur) == 0) {
		r->status = 400;
		return account_page(r, NULL, "The new password is the current "
		                    "one. Nothing was changed.");
	}
	rate_clear(r->srv->rate, kuser);
	if (web_password_hash(pw, hash) != ATTUNE_OK)
		return ATTUNE_ENOMEM;
	/* The new password, every session ended, and a new one for this
	 * browser (with a new CSRF secret): one transaction. */
	if ((rc = attune_store_begin(r->st)) ||
	    (rc = attune_store_user_set_password(r->st, r->user.id, hash)) ||
	    (rc = attune_store_websession_delete_user(r->st, r->user.id,
	                                              NULL)) ||
	    (rc = auth_session_start(r, r->user.id)) ||
	    (rc = attune_store_commit(r->st))) {
		r->n_hdr = 0;               /* no cookie for a session that
		                               was rolled back */
		return rc;
	}
	sodium_memzero(hash, sizeof(hash));
	return account_page(r, "Your password was changed. Your other "
	                    "sessions have ended.", NULL);
}

int h_account_logout_all(struct web_req *r)
{
	int rc;

	if ((rc = attune_store_websession_delete_user(r->st, r->user.id,
	                                              NULL)))
		return rc;
	auth_cookie_clear(r);
	return web_redirect(r, "/login");
}
