/* api.c - the JSON API under /api/v1/ (docs/api.md): the caseload, a
 * client's summary, new check-in links and the audit log, with bearer
 * tokens and exactly the permissions of the pages (the same access
 * checks, the same audit rows). Strings go out through json_str(), which
 * escapes <, > and & too. */
#include <math.h>
#include <string.h>
#include "attune/change.h"
#include "web/status.h"

static void json_num(strbuf *b, double v)
{
	if (isnan(v))
		sb_puts(b, "null");
	else
		sb_num(b, v);
}

static void json_begin(struct web_req *r)
{
	r->ctype = "application/json";
	sb_reset(&r->out);
}

int h_api_clients(struct web_req *r)
{
	struct caseload_row *rows;
	strbuf *b = &r->out;
	size_t i, k, n, n_sup;
	int rc;

	if ((rc = caseload_collect(r, &rows, &n, &n_sup)))
		return rc;
	json_begin(r);
	sb_puts(b, "{\"clients\": [");
	for (i = 0; i < n; i++) {
		const struct caseload_row *rw = &rows[i];
		sb_printf(b, "%s\n  {\"id\": %lld, \"code\": ", i ? "," : "",
		          (long long)rw->c.id);
		json_str(b, rw->c.code);
		sb_puts(b, ", \"display_name\": ");
		if (rw->c.display_name)
			json_str(b, rw->c.display_name);
		else
			sb_puts(b, "null");
		sb_puts(b, ", \"status\": ");
		json_str(b, rw->ended ? "discharged"
		                      : attune_signal_status_name(rw->status));
		sb_puts(b, ", \"reasons\": [");
		for (k = 0; k < rw->n_reasons; k++) {
			sb_puts(b, k ? ", " : "");
			json_str(b, rw->reasons[k]);
		}
		sb_printf(b, "], \"sessions\": %zu, \"last\": ", rw->n_sessions);
		if (rw->last)
			json_str(b, rw->last);
		else
			sb_puts(b, "null");
		sb_printf(b, ", \"shared\": %s}", rw->granted ? "true" : "false");
	}
	sb_puts(b, "\n]}\n");
	return 0;
}

int h_api_client(struct web_req *r)
{
	struct client_data cd;
	struct client_status *cs;
	strbuf *b = &r->out;
	size_t i, k;
	int rc;

	if ((rc = client_allowed(r, 0)))
		return rc < 0 ? 0 : rc;
	cs = arena_alloc(&r->ar, sizeof(*cs));
	if (!cs)
		return ATTUNE_ENOMEM;
	if ((rc = attune_store_begin(r->st)))
		return rc;
	if ((rc = cd_load(r->st, &r->ar, r->srv->cat, r->path_id, &cd)))
		return rc;
	cd_status(r->srv, &cd, cs);
	if ((rc = attune_store_commit(r->st)))
		return rc;
	json_begin(r);
	sb_printf(b, "{\"id\": %lld, \"code\": ", (long long)cd.client.id);
	json_str(b, cd.client.code);
	sb_puts(b, ", \"ended\": ");
	if (cd.ended)
		json_str(b, cd.ended);
	else
		sb_puts(b, "null");
	sb_puts(b, ",\n \"status\": ");
	json_str(b, attune_signal_status_name(cs->sig.status));
	sb_puts(b, ", \"reasons\": [");
	for (i = 0; i < cs->sig.n_reasons; i++) {
		sb_puts(b, i ? ", " : "");
		json_str(b, cs->sig.reasons[i]);
	}
	sb_puts(b, "],\n \"ruptures\": [");
	for (i = 0; i < cs->n_ruptures; i++) {
		const attune_rupture *ru = &cs->ruptures[i];
		sb_printf(b, "%s{\"start\": %d, \"lowest\": %d, \"repair\": ",
		          i ? ", " : "", ru->start, ru->lowest);
		if (ru->repair > 0)
			sb_printf(b, "%d", ru->repair);
		else
			sb_puts(b, "null");
		sb_puts(b, ", \"status\": ");
		json_str(b, attune_rupture_status_name(ru->status));
		sb_puts(b, ", \"depth\": ");
		json_num(b, ru->depth);
		sb_putc(b, '}');
	}
	sb_puts(b, "],\n \"scores\": [");
	for (i = 0; i < cd.nr; i++) {
		const struct cd_resp *x = &cd.r[i];
		const char *band = attune_score_band_label(x->in, &x->sc);
		int nf = 0;
		sb_printf(b, "%s\n  {\"session\": %d, \"date\": ", i ? "," : "",
		          x->session);
		json_str(b, x->date);
		sb_puts(b, ", \"instrument\": ");
		json_str(b, x->in->id);
		sb_puts(b, ", \"respondent\": ");
		json_str(b, x->respondent ? "therapist" : "client");
		sb_puts(b, ", \"total\": ");
		json_num(b, x->sc.total);
		sb_puts(b, ", \"subscales\": {");
		for (k = 0; k < x->in->n_subscales; k++) {
			sb_puts(b, k ? ", " : "");
			json_str(b, x->in->subscales[k].id);
			sb_puts(b, ": ");
			json_num(b, x->sc.sub[k]);
		}
		sb_puts(b, "}, \"band\": ");
		if (band)
			json_str(b, band);
		else
			sb_puts(b, "null");
		sb_puts(b, ", \"flags\": [");
		for (k = 0; k < x->in->n_flags; k++)
			if (x->sc.flags & (1u << k)) {
				sb_puts(b, nf++ ? ", " : "");
				json_str(b, x->in->flags[k].id);
			}
		sb_puts(b, "]}");
	}
	sb_puts(b, "\n]}\n");
	return 0;
}

int h_api_link_new(struct web_req *r)
{
	const char *url;
	int64_t days;
	int rc;

	if ((rc = link_create(r, &url, &days)))
		return rc < 0 ? 0 : rc;
	r->status = 201;
	json_begin(r);
	sb_puts(&r->out, "{\"url\": ");
	json_str(&r->out, url);
	sb_printf(&r->out, ", \"days\": %lld}\n", (long long)days);
	return 0;
}

struct audit_out {
	strbuf *b;
	size_t n;
};

static int audit_cb(void *ctx, const attune_audit_rec *a)
{
	struct audit_out *o = ctx;

	sb_printf(o->b, "%s\n  {\"id\": %lld, \"at\": %lld, \"user\": %lld, "
	          "\"actor\": ", o->n++ ? "," : "", (long long)a->id,
	          (long long)a->at, (long long)a->user_id);
	json_str(o->b, a->actor);
	sb_puts(o->b, ", \"origin\": ");
	json_str(o->b, a->origin);
	sb_puts(o->b, ", \"action\": ");
	json_str(o->b, a->action);
	sb_puts(o->b, ", \"object\": ");
	json_str(o->b, a->object);
	sb_puts(o->b, ", \"detail\": ");
	if (a->detail)
		json_str(o->b, a->detail);
	else
		sb_puts(o->b, "null");
	sb_putc(o->b, '}');
	return 0;
}

int h_api_audit(struct web_req *r)
{
	struct audit_out o = {&r->out, 0};
	int64_t since = web_field_int(r, "since", 0);
	int64_t limit = web_field_int(r, "limit", 100);
	int rc;

	if (limit > 1000)
		return web_bad_request(r, "limit is at most 1000"), 0;
	json_begin(r);
	sb_puts(&r->out, "{\"audit\": [");
	if ((rc = attune_store_audit_list(r->st, since, (size_t)limit,
	                                  audit_cb, &o)))
		return rc;
	sb_puts(&r->out, "\n]}\n");
	return 0;
}
