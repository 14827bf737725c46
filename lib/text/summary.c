/* summary.c - the session analysis of a coded transcript: rupture
 * episodes and their repair, the MITI 4.2.1-style summary, talk share,
 * change-talk proportion, and the moments worth another look
 * (docs/mirror.md, "Episodes and repair" and "The session summary").
 *
 * Repair follows the rupture-resolution model of Safran & Muran (2000)
 * as the 3RS operationalises it (Eubanks, Muran & Safran 2015): a
 * rupture is resolved when the therapist addresses it (a resolution
 * strategy) and the patient re-engages in the work. The windows that
 * turn this into utterance counts are this tool's own choices (params in
 * the rules file), not the 3RS's, which rates five-minute segments. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "attune/mirror_summary.h"
#include "text/rules_int.h"

const char *attune_mirror_reengage_name(int how)
{
	switch (how) {
	case ATTUNE_REENGAGE_AGREEMENT: return "agreement";
	case ATTUNE_REENGAGE_CHANGE: return "change talk";
	case ATTUNE_REENGAGE_LONGER: return "longer turn";
	}
	return "none";
}

const char *attune_mirror_band_name(int band)
{
	switch (band) {
	case ATTUNE_BAND_BELOW: return "below fair";
	case ATTUNE_BAND_FAIR: return "fair";
	case ATTUNE_BAND_GOOD: return "good";
	}
	return "n/a";
}

/* MITI 4.2.1 (Moyers, Manuel & Ernst 2014, "Summary scores" and
 * "Thresholds"; Moyers et al. 2016): R:Q = reflections / questions,
 * fair >= 1, good >= 2. */
int attune_mirror_band_rq(double rq)
{
	if (isnan(rq))
		return ATTUNE_BAND_NONE;
	return rq >= 2.0 ? ATTUNE_BAND_GOOD : rq >= 1.0 ? ATTUNE_BAND_FAIR :
	       ATTUNE_BAND_BELOW;
}

/* %CR = complex reflections / all reflections, fair >= 40 %, good >=
 * 50 % (same sources). */
int attune_mirror_band_cr(double pct)
{
	if (isnan(pct))
		return ATTUNE_BAND_NONE;
	return pct >= 0.5 ? ATTUNE_BAND_GOOD : pct >= 0.4 ? ATTUNE_BAND_FAIR :
	       ATTUNE_BAND_BELOW;
}

/* Marker types on utterance i (bits), and whether a move / an engage
 * mark is there (its first mark's index, or NONE). */
static unsigned marker_bits(const attune_mirror_marks *mk, size_t i)
{
	unsigned b = 0;
	size_t j;

	for (j = mk->first[i]; j < mk->first[i + 1]; j++)
		if (mk->m[j].type < ATTUNE_CUE_MARKER_TYPES)
			b |= 1u << mk->m[j].type;
	return b;
}

static size_t mark_of(const attune_mirror_marks *mk, size_t i, int type)
{
	size_t j;

	for (j = mk->first[i]; j < mk->first[i + 1]; j++)
		if (mk->m[j].type == type)
			return j;
	return ATTUNE_MIRROR_NONE;
}

static size_t words_of(const attune_utterance *u)
{
	return mr_tokenise(u->text, u->text_len, NULL, 0);
}

/* Duration of u[i] in ms, or -1: end - start, or the next utterance's
 * start - start. */
static int64_t duration(const attune_utterance *u, size_t n, size_t i)
{
	if (u[i].start_ms < 0)
		return -1;
	if (u[i].end_ms >= u[i].start_ms)
		return u[i].end_ms - u[i].start_ms;
	if (i + 1 < n && u[i + 1].start_ms >= u[i].start_ms)
		return u[i + 1].start_ms - u[i].start_ms;
	return -1;
}

static void counts(attune_mirror_summary *s, const attune_utterance *u,
                   size_t n, const attune_mirror_result *codes,
                   const attune_mirror_marks *mk)
{
	attune_mirror_miti *m = &s->miti;
	size_t i, j;
	int timed = 1;

	for (i = 0; i < n; i++) {
		int th = u[i].speaker == ATTUNE_SPEAKER_THERAPIST;
		int64_t d;
		if (u[i].speaker == ATTUNE_SPEAKER_OTHER)
			continue;
		d = duration(u, n, i);
		if (d < 0 && i + 1 < n)
			timed = 0;   /* the last turn may lack an end */
		if (th) {
			s->n_therapist++;
			s->words_therapist += words_of(&u[i]);
			s->ms_therapist += d > 0 ? d : 0;
		} else {
			s->n_client++;
			s->words_client += words_of(&u[i]);
			s->ms_client += d > 0 ? d : 0;
		}
		for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
			if (mk->m[j].type < ATTUNE_CUE_MARKER_TYPES)
				s->n_markers[mk->m[j].type]++;
			else if (mk->m[j].type == ATTUNE_CUE_MOVE)
				s->n_moves++;
		}
		if (!codes)
			continue;
		switch (th ? codes[i].behaviour : -1) {
		case ATTUNE_MIRROR_QUESTION:
			m->questions++;
			m->open += codes[i].subcode == ATTUNE_MIRROR_OPEN;
			m->closed += codes[i].subcode == ATTUNE_MIRROR_CLOSED;
			break;
		case ATTUNE_MIRROR_REFLECTION:
			m->reflections++;
			m->simple += codes[i].subcode == ATTUNE_MIRROR_SIMPLE;
			m->complex += codes[i].subcode == ATTUNE_MIRROR_COMPLEX;
			break;
		case ATTUNE_MIRROR_INPUT:
			m->inputs++;
			break;
		case ATTUNE_MIRROR_OTHER:
			m->other++;
			break;
		}
		switch (th ? -1 : codes[i].talk) {
		case ATTUNE_MIRROR_CHANGE: s->change++; break;
		case ATTUNE_MIRROR_NEUTRAL: s->neutral++; break;
		case ATTUNE_MIRROR_SUSTAIN: s->sustain++; break;
		}
	}
	s->share_words = s->words_therapist + s->words_client ?
	                 (double)s->words_therapist /
	                 (double)(s->words_therapist + s->words_client) : NAN;
	s->has_time = timed && s->n_therapist + s->n_client > 0 &&
	              s->ms_therapist + s->ms_client > 0;
	s->share_time = s->has_time ? (double)s->ms_therapist /
	                (double)(s->ms_therapist + s->ms_client) : NAN;
	if (!s->has_time)
		s->ms_therapist = s->ms_client = 0;
	m->rq = m->questions ? (double)m->reflections / (double)m->questions :
	        NAN;
	/* %CR over the reflections that have a subcode */
	m->pct_complex = m->simple + m->complex ? (double)m->complex /
	                 (double)(m->simple + m->complex) : NAN;
	m->rq_band = attune_mirror_band_rq(m->rq);
	m->cr_band = attune_mirror_band_cr(m->pct_complex);
	s->change_prop = s->change + s->sustain ? (double)s->change /
	                 (double)(s->change + s->sustain) : NAN;
}

/* Group marker turns into episodes. */
static int episodes(attune_mirror_summary *s, const attune_utterance *u,
                    size_t n, const attune_mirror_marks *mk,
                    const attune_mirror_params *p)
{
	attune_mirror_episode *e = NULL;
	size_t i, j, cap = 0;

	for (i = 0; i < n; i++) {
		if (u[i].speaker != ATTUNE_SPEAKER_CLIENT || !marker_bits(mk, i))
			continue;
		if (!e || i - e->last > p->episode_gap) {
			if (s->n_episodes == cap) {
				size_t nc = cap ? cap * 2 : 8;
				attune_mirror_episode *q = realloc(s->episodes,
				                                   nc * sizeof(*q));
				if (!q)
					return ATTUNE_ENOMEM;
				s->episodes = q;
				cap = nc;
			}
			e = &s->episodes[s->n_episodes++];
			memset(e, 0, sizeof(*e));
			e->first = i;
			e->response = e->move = e->reengage = ATTUNE_MIRROR_NONE;
		}
		e->last = i;
		e->n_turns++;
		for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
			const attune_mirror_mark *m = &mk->m[j];
			if (m->type >= ATTUNE_CUE_MARKER_TYPES)
				continue;
			e->n_markers++;
			e->n_by_type[m->type]++;
			if (m->intensity > e->intensity)
				e->intensity = m->intensity;
		}
	}
	return ATTUNE_OK;
}

/* The episode's dominant type: the most markers, then the strongest
 * marker of that type, then the lower type value. */
static int dominant(const attune_mirror_episode *e,
                    const attune_mirror_marks *mk)
{
	int best = -1, t, bi = 0;
	size_t i, j;

	for (t = 0; t < ATTUNE_CUE_MARKER_TYPES; t++) {
		int it = 0;
		if (!e->n_by_type[t])
			continue;
		for (i = e->first; i <= e->last; i++)
			for (j = mk->first[i]; j < mk->first[i + 1]; j++)
				if (mk->m[j].type == t && mk->m[j].intensity > it)
					it = mk->m[j].intensity;
		if (best < 0 || e->n_by_type[t] > e->n_by_type[best] ||
		    (e->n_by_type[t] == e->n_by_type[best] && it > bi)) {
			best = t;
			bi = it;
		}
	}
	return best;
}

/* Response, move and re-engagement of episode k. */
static void repair(attune_mirror_summary *s, size_t k,
                   const attune_utterance *u, size_t n,
                   const attune_mirror_result *codes,
                   const attune_mirror_marks *mk,
                   const attune_mirror_params *p)
{
	attune_mirror_episode *e = &s->episodes[k];
	size_t stop = k + 1 < s->n_episodes ? s->episodes[k + 1].first : n;
	size_t i, end, from, words = 0;
	double mean;

	for (i = e->first + 1; i < stop; i++)
		if (u[i].speaker == ATTUNE_SPEAKER_THERAPIST) {
			e->response = i;
			break;
		}
	end = e->last + p->response_window;
	for (i = e->first + 1; i < stop && i <= end; i++) {
		size_t m;
		if (u[i].speaker != ATTUNE_SPEAKER_THERAPIST)
			continue;
		m = mark_of(mk, i, ATTUNE_CUE_MOVE);
		if (m != ATTUNE_MIRROR_NONE) {
			e->move = i;
			e->move_subtype = mk->m[m].subtype;
			break;
		}
	}
	for (i = e->first; i <= e->last; i++)
		if (u[i].speaker == ATTUNE_SPEAKER_CLIENT && marker_bits(mk, i))
			words += words_of(&u[i]);
	mean = (double)words / (double)e->n_turns;
	from = e->move != ATTUNE_MIRROR_NONE ? e->move : e->last;
	end = from + p->reengage_window;
	for (i = from + 1; i < stop && i <= end && i < n; i++) {
		size_t w;
		if (u[i].speaker != ATTUNE_SPEAKER_CLIENT || marker_bits(mk, i))
			continue;
		w = words_of(&u[i]);
		if (mark_of(mk, i, ATTUNE_CUE_ENGAGE) != ATTUNE_MIRROR_NONE)
			e->reengage_how = ATTUNE_REENGAGE_AGREEMENT;
		else if (codes && codes[i].talk == ATTUNE_MIRROR_CHANGE)
			e->reengage_how = ATTUNE_REENGAGE_CHANGE;
		else if (w >= p->reengage_words && (double)w > mean)
			e->reengage_how = ATTUNE_REENGAGE_LONGER;
		if (e->reengage_how) {
			e->reengage = i;
			break;
		}
	}
	e->repaired = e->move != ATTUNE_MIRROR_NONE &&
	              e->reengage != ATTUNE_MIRROR_NONE;
}

/* Rank for the moments list: lower first. */
static long rank(const attune_mirror_summary *s, const attune_mirror_moment *m)
{
	const attune_mirror_episode *e;

	if (m->kind == ATTUNE_MOMENT_MOVE)
		return 3000000L;
	e = &s->episodes[m->episode];
	/* unrepaired before repaired; stronger and longer first */
	return (m->kind == ATTUNE_MOMENT_RUPTURE ? 0 : 1000000L) +
	       (3 - e->intensity) * 100000L -
	       (long)(e->n_markers > 99999 ? 99999 : e->n_markers);
}

static int by_utterance(const void *a, const void *b)
{
	const attune_mirror_moment *x = a, *y = b;

	return x->utterance < y->utterance ? -1 : x->utterance > y->utterance;
}

/* Insertion sort with a comparator and no global state (qsort has no
 * context argument in C11). n is small: one entry per episode or move. */
static void sort_moments(const attune_mirror_summary *s,
                         attune_mirror_moment *m, size_t n, int by_time)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		attune_mirror_moment x = m[i];
		for (j = i; j > 0; j--) {
			int c;
			if (by_time) {
				c = by_utterance(&m[j - 1], &x);
			} else {
				long ra = rank(s, &m[j - 1]), rb = rank(s, &x);
				c = ra != rb ? (ra < rb ? -1 : 1) :
				    by_utterance(&m[j - 1], &x);
			}
			if (c <= 0)
				break;
			m[j] = m[j - 1];
		}
		m[j] = x;
	}
}

static int moments(attune_mirror_summary *s, const attune_utterance *u,
                   size_t n, const attune_mirror_marks *mk,
                   const attune_mirror_params *p)
{
	attune_mirror_moment *m;
	size_t i, k, cnt = 0;

	m = malloc((s->n_episodes + s->n_moves + 1) * sizeof(*m));
	if (!m)
		return ATTUNE_ENOMEM;
	for (k = 0; k < s->n_episodes; k++) {
		const attune_mirror_episode *e = &s->episodes[k];
		m[cnt].episode = k;
		if (e->repaired) {
			m[cnt].kind = ATTUNE_MOMENT_REPAIR;
			m[cnt].utterance = e->move;
		} else {
			m[cnt].kind = ATTUNE_MOMENT_RUPTURE;
			m[cnt].utterance = e->first;
		}
		cnt++;
	}
	for (i = 0; i < n; i++) {
		int inside = 0;
		if (u[i].speaker != ATTUNE_SPEAKER_THERAPIST ||
		    mark_of(mk, i, ATTUNE_CUE_MOVE) == ATTUNE_MIRROR_NONE)
			continue;
		for (k = 0; k < s->n_episodes && !inside; k++)
			inside = i > s->episodes[k].first &&
			         i <= s->episodes[k].last + p->response_window;
		if (inside)
			continue;
		m[cnt].kind = ATTUNE_MOMENT_MOVE;
		m[cnt].utterance = i;
		m[cnt].episode = ATTUNE_MIRROR_NONE;
		cnt++;
	}
	sort_moments(s, m, cnt, 0);
	if (cnt > p->moments_max)
		cnt = p->moments_max;
	sort_moments(s, m, cnt, 1);
	s->moments = m;
	s->n_moments = cnt;
	return ATTUNE_OK;
}

int attune_mirror_summarise(const attune_mirror_rules *r,
                            const attune_utterance *u, size_t n,
                            const attune_mirror_result *codes,
                            const attune_mirror_marks *marks,
                            attune_mirror_summary **out, attune_err *err)
{
	attune_mirror_summary *s;
	attune_mirror_params p;
	size_t k;

	*out = NULL;
	if (marks->n_utterances != n)
		return attune_err_set(err, ATTUNE_EINVAL, "the marks are for %zu "
		                      "utterances, the transcript has %zu",
		                      marks->n_utterances, n);
	attune_mirror_rules_params(r, &p);
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->n_utterances = n;
	counts(s, u, n, codes, marks);
	if (episodes(s, u, n, marks, &p))
		goto oom;
	for (k = 0; k < s->n_episodes; k++) {
		s->episodes[k].type = dominant(&s->episodes[k], marks);
		repair(s, k, u, n, codes, marks, &p);
		s->n_repaired += (size_t)s->episodes[k].repaired;
	}
	if (moments(s, u, n, marks, &p))
		goto oom;
	*out = s;
	return ATTUNE_OK;
oom:
	attune_mirror_summary_free(s);
	return attune_err_set(err, ATTUNE_ENOMEM, "out of memory while "
	                      "summarising the session");
}

void attune_mirror_summary_free(attune_mirror_summary *s)
{
	if (!s)
		return;
	free(s->episodes);
	free(s->moments);
	free(s);
}
