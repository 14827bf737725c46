/* signals.c - one status per client from the outcome signal, the
 * alliance signal and the recency of the data, with reasons (signals.h).
 *
 * Outcome: the latest judged session of the course against its expected
 * course (trajectory.c; Finch, Lambert & Schaalje 2001). Alliance: the
 * latest rupture-repair sequence (alliance.c; Stiles et al. 2004,
 * Strauss et al. 2006, or the feedback-system rules) counts when it has
 * had no repair, as the feedback literature asks therapists to attend to
 * ruptures until they are repaired (Safran, Muran & Eubanks-Carter 2011,
 * Psychotherapy 48:80). The order of urgency (not on track, unrepaired
 * rupture, at risk, no recent data, on track) is attune's own: the red
 * OQ-45 signal first (Lambert et al.'s feedback studies gave it the
 * strongest message), then what the therapist can act on in the next
 * session. docs/analytics.md (section 4) explains each rule. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "attune/signals.h"
#include "util/util_int.h"

const char *attune_signal_status_name(attune_signal_status s)
{
	switch (s) {
	case ATTUNE_SIGNAL_NO_SIGNAL: return "no-signal";
	case ATTUNE_SIGNAL_ON_TRACK: return "on-track";
	case ATTUNE_SIGNAL_NO_RECENT_DATA: return "no-recent-data";
	case ATTUNE_SIGNAL_AT_RISK: return "at-risk";
	case ATTUNE_SIGNAL_RUPTURE_UNREPAIRED: return "rupture-unrepaired";
	case ATTUNE_SIGNAL_NOT_ON_TRACK: return "not-on-track";
	}
	return "?";
}

/* v rounded half away from zero to `dec` (1 or 2) decimals, trailing
 * zeros dropped, written without the locale and without printf (this
 * runs once per client): 9, 9.2, -1.5, 0.14. */
static const char *fixed(double v, int dec, char buf[40])
{
	long long scale = dec == 1 ? 10 : 100, x;
	unsigned long long u, ip, fp;
	char tmp[40];
	size_t n = 0, i = 0;
	int d;

	if (!(fabs(v) < 1e15)) {
		fmt_num(buf, v);
		return buf;
	}
	x = llround(v * (double)scale);
	u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
	ip = u / (unsigned long long)scale;
	fp = u % (unsigned long long)scale;
	for (d = 0; d < dec; d++) {      /* fraction digits, last first */
		if (fp % 10 || n)
			tmp[n++] = (char)('0' + fp % 10);
		fp /= 10;
	}
	if (n)
		tmp[n++] = '.';
	do {
		tmp[n++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	if (x < 0)
		buf[i++] = '-';
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

static const char *num1(double v, char buf[40])
{
	return fixed(v, 1, buf);
}

/* Two decimals: alliance depths on 0-4 item-mean scales. */
static const char *num2(double v, char buf[40])
{
	return fixed(v, 2, buf);
}

/* The score as given (scores are usually whole numbers). */
static const char *num(double v, char buf[40])
{
	fmt_num(buf, v);
	return buf;
}

void attune_signal_outcome_reason(const attune_traj_model *m,
                                  const attune_traj_point *pt,
                                  const char *measure, char *buf)
{
	int lower_better = m->direction != ATTUNE_HIGHER_IS_BETTER;
	const char *worse = lower_better ? "above" : "below";
	const char *better = lower_better ? "below" : "above";
	const char *what, *rel, *tail = "";
	char y[40], e[40], w[40];
	double width = pt->upper - pt->expected;   /* the at-risk band */

	buf[0] = '\0';
	if (!measure || !*measure)
		measure = "score";
	switch (pt->status) {
	case ATTUNE_TRAJ_NOT_ON_TRACK:
		what = "not on track";
		rel = worse;
		width = fabs(pt->limit - pt->expected);
		break;
	case ATTUNE_TRAJ_AT_RISK:
		what = "at risk";
		rel = worse;
		break;
	case ATTUNE_TRAJ_ON_TRACK:
		what = "on track";
		rel = "within";
		if (pt->score < pt->lower || pt->score > pt->upper) {
			rel = better;
			tail = ", better than expected";
		}
		break;
	default:
		return;
	}
	snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "%s: %.40s %.24s at session %d "
	         "is %s the expected %.24s ± %.24s%s", what, measure,
	         num(pt->score, y), pt->session, rel, num1(pt->expected, e),
	         num1(width, w), tail);
}

/* Reasons collected with their urgency, then written most urgent
 * first. */
struct reasons {
	int prio[ATTUNE_SIGNAL_REASONS_MAX];
	char text[ATTUNE_SIGNAL_REASONS_MAX][ATTUNE_SIGNAL_REASON_MAX];
	size_t n;
};

static char *reason_slot(struct reasons *r, int prio)
{
	if (r->n == ATTUNE_SIGNAL_REASONS_MAX)
		return NULL;
	r->prio[r->n] = prio;
	r->text[r->n][0] = '\0';
	return r->text[r->n++];
}

/* The outcome part: a status bit and one reason. */
static unsigned outcome_part(const attune_signal_input *in,
                             struct reasons *r)
{
	const attune_traj_result *o = in->outcome;
	const char *measure = in->measure && *in->measure ? in->measure
	                                                  : "score";
	char *buf, a[40];

	if (!o) {
		if ((buf = reason_slot(r, ATTUNE_SIGNAL_NO_SIGNAL)))
			snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "no outcome "
			         "scores");
		return 1u << ATTUNE_SIGNAL_NO_SIGNAL;
	}
	if (o->skip == ATTUNE_TRAJ_USED && o->last.status != ATTUNE_TRAJ_NONE) {
		attune_signal_status s =
			o->last.status == ATTUNE_TRAJ_NOT_ON_TRACK ?
			ATTUNE_SIGNAL_NOT_ON_TRACK :
			o->last.status == ATTUNE_TRAJ_AT_RISK ?
			ATTUNE_SIGNAL_AT_RISK : ATTUNE_SIGNAL_ON_TRACK;
		if ((buf = reason_slot(r, (int)s)))
			attune_signal_outcome_reason(in->model, &o->last,
			                             measure, buf);
		return 1u << s;
	}
	if (!(buf = reason_slot(r, ATTUNE_SIGNAL_NO_SIGNAL)))
		return 1u << ATTUNE_SIGNAL_NO_SIGNAL;
	switch (o->skip) {
	case ATTUNE_TRAJ_NO_INTAKE:
		snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "no intake score: "
		         "%.40s is missing at session %d", measure,
		         o->intake_session);
		break;
	case ATTUNE_TRAJ_NO_BAND:
		snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "intake %.40s %.24s is in "
		         "no intake band of the model", measure, num(o->intake, a));
		break;
	case ATTUNE_TRAJ_NOT_FITTED:
		snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "no expected course for "
		         "intake band %.64s (%zu reference courses, too few)",
		         in->model->bands[o->band].label,
		         in->model->bands[o->band].n_persons);
		break;
	case ATTUNE_TRAJ_USED:
		snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "only the intake score "
		         "so far (%.40s %.24s at session %d)", measure,
		         num(o->intake, a), o->intake_session);
		break;
	}
	return 1u << ATTUNE_SIGNAL_NO_SIGNAL;
}

/* The level a drop is measured from, in words, by rule. */
static const char *reference_words(attune_rupture_rule rule)
{
	switch (rule) {
	case ATTUNE_RUPTURE_STILES:
	case ATTUNE_RUPTURE_STRAUSS:
		return "the client's mean";
	case ATTUNE_RUPTURE_CUTOFF:
		return "the cut-off";
	case ATTUNE_RUPTURE_DROP:
		return "the session before";
	}
	return "the reference level";
}

/* The alliance part: the latest sequence. */
static unsigned alliance_part(const attune_signal_input *in,
                              struct reasons *r)
{
	const attune_rupture *q;
	char *buf, lo[40], d[40], lead[ATTUNE_ID_MAX + 32] = "";

	if (!in->ruptures || in->n_ruptures == 0)
		return 0;
	q = &in->ruptures[in->n_ruptures - 1];
	if (q->lead >= 0 && in->subscales && (size_t)q->lead < in->n_subscales
	    && in->subscales[q->lead])
		snprintf(lead, sizeof(lead), "; %.64s fell most",
		         in->subscales[q->lead]);
	switch (q->status) {
	case ATTUNE_RUPTURE_UNREPAIRED:
		if ((buf = reason_slot(r, ATTUNE_SIGNAL_RUPTURE_UNREPAIRED)))
			snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "alliance rupture "
			         "at session %d not repaired: lowest %.24s at "
			         "session %d, %.24s below %.20s%.80s", q->start,
			         num(q->low, lo), q->lowest, num2(q->depth, d),
			         reference_words(q->rule), lead);
		return 1u << ATTUNE_SIGNAL_RUPTURE_UNREPAIRED;
	case ATTUNE_RUPTURE_INTERRUPTED:
		if ((buf = reason_slot(r, -1)))
			snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "alliance rupture "
			         "at session %d: a session without an alliance "
			         "rating ended it, repair not known", q->start);
		return 0;
	case ATTUNE_RUPTURE_REPAIRED:
		if ((buf = reason_slot(r, -1)))
			snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "alliance rupture "
			         "at session %d repaired at session %d", q->start,
			         q->repair);
		return 0;
	}
	return 0;
}

static unsigned recency_part(const attune_signal_input *in,
                             struct reasons *r)
{
	char *buf;

	if (in->recent_days <= 0 || in->days_since_last < 0 ||
	    in->days_since_last <= in->recent_days)
		return 0;
	if ((buf = reason_slot(r, ATTUNE_SIGNAL_NO_RECENT_DATA))) {
		if (in->recent_days % 7 == 0)
			snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "no data in the "
			         "last %ld week%s (the latest is %ld days old)",
			         in->recent_days / 7,
			         in->recent_days == 7 ? "" : "s",
			         in->days_since_last);
		else
			snprintf(buf, ATTUNE_SIGNAL_REASON_MAX, "no data in the "
			         "last %ld days (the latest is %ld days old)",
			         in->recent_days, in->days_since_last);
	}
	return 1u << ATTUNE_SIGNAL_NO_RECENT_DATA;
}

void attune_signal_combine(const attune_signal_input *in,
                           attune_signal *out)
{
	struct reasons r;
	size_t i, j;
	int s;

	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	out->flags = outcome_part(in, &r);
	out->flags |= alliance_part(in, &r);
	out->flags |= recency_part(in, &r);
	/* The status that holds with the most urgency. */
	out->status = ATTUNE_SIGNAL_NO_SIGNAL;
	for (s = ATTUNE_SIGNAL_NOT_ON_TRACK; s > ATTUNE_SIGNAL_NO_SIGNAL; s--)
		if (out->flags & (1u << s)) {
			out->status = (attune_signal_status)s;
			break;
		}
	/* Reasons by urgency, stable (selection of the largest left). */
	for (i = 0; i < r.n; i++) {
		size_t best = r.n;
		for (j = 0; j < r.n; j++)
			if (r.prio[j] != -2 && (best == r.n ||
			                        r.prio[j] > r.prio[best]))
				best = j;
		memcpy(out->reasons[i], r.text[best], sizeof(r.text[best]));
		r.prio[best] = -2;  /* taken */
	}
	out->n_reasons = r.n;
}
