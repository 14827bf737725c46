/* status.h - one client's data as the pages use it (the current episode's
 * sessions and scored responses) and the status a therapist acts on,
 * every number from libattune (score.h, trajectory.h, alliance.h,
 * signals.h). Private to web/. */
#ifndef ATTUNE_WEB_STATUS_H
#define ATTUNE_WEB_STATUS_H

#include "attune/alliance.h"
#include "attune/score.h"
#include "attune/series.h"
#include "attune/signals.h"
#include "web/web.h"

/* The instruments the status and the charts read. */
#define ST_OUTCOME "phq9"
#define ST_ALLIANCE "checkin-alliance"
#define ST_MIRROR "mirror-alliance"
/* No recent data after three weeks (as `attune signals`). */
#define ST_RECENT_DAYS 21
/* A band of the expected-course model needs this many courses of the
 * clinic's own to get a curve (`attune signals` asks 10 by default; a
 * small clinic has fewer). */
#define ST_MIN_PERSONS 3

struct cd_resp {
	const attune_instrument *in;
	int respondent;
	int session;                /* number in the current episode */
	const char *date;
	size_t n;
	double *v;                  /* answers, NaN = missing */
	attune_score sc;
	int64_t recorded_at;
};

struct cd_session {
	int number;
	const char *date;
	int attended;
};

/* Arena memory; lives as long as the arena. */
struct client_data {
	attune_client_rec client;   /* strings copied */
	struct cd_session *s;       /* the current episode, by number */
	size_t ns;
	struct cd_resp *r;          /* by session, then recording time */
	size_t nr;
	const char *ended;          /* the current (latest) episode's end
	                               date; NULL while it is open */
	int n_unknown;              /* responses of instruments not loaded */
};

/* Load client_id's record (audited client.read), episodes, sessions and
 * responses (audited) into ar. The current episode is the latest one
 * (open, or the last closed); only its sessions and answers are kept. */
int cd_load(attune_store *st, arena *ar, const attune_catalog *cat,
            attune_id client_id, struct client_data *cd);

/* The same for a client record already read (with its read audited):
 * only the sessions and responses are read. c's strings are copied. */
int cd_load_known(attune_store *st, arena *ar, const attune_catalog *cat,
                  const attune_client_rec *c, struct client_data *cd);

/* What cd_load_known() loads, for n distinct clients at once through
 * attune_store_course_list() (on PostgreSQL a few statements for all of
 * them, not several per client): cds[i] for ids[i]. The client records
 * are not read: cds[i].client holds only the id. */
int cd_load_many(attune_store *st, arena *ar, const attune_catalog *cat,
                 const attune_id *ids, size_t n, struct client_data *cds);

/* The scale (0: total, 1 + k: subscale k) of instrument zId answered by
 * respondent, as a series over the sessions from the first to the last
 * that have it: x[i] is session *first + i, NaN when missing there.
 * Returns the length (0: none). x holds max values. */
size_t cd_series(const struct client_data *cd, const char *zId,
                 int respondent, int scale, double *x, size_t max,
                 int *first);

/* Everything the status is made of. */
struct client_status {
	attune_signal sig;
	int has_outcome;
	attune_traj_result outcome;
	size_t n_ruptures;
	attune_rupture ruptures[ATTUNE_SERIES_MAX / 2 + 1];
	const char *last_date;      /* latest session with answers, or NULL */
};

/* The status of a client as of today (UTC). */
void cd_status(const struct web_server *srv, const struct client_data *cd,
               struct client_status *cs);

/* One row of a caseload (pages.c): arena strings. */
struct caseload_row {
	attune_client_rec c;
	const char *therapist;      /* for a supervisor's view */
	int granted;                /* shared with the user by a grant */
	attune_signal_status status;
	const char *reason;         /* the most urgent reason, or NULL */
	const char *reasons[ATTUNE_SIGNAL_REASONS_MAX];
	size_t n_reasons;
	size_t n_sessions;
	const char *last;           /* latest session with answers */
	const char *ended;          /* discharged on this date, or NULL */
};

/* The signed-in clinician's caseload (own and granted clients; for a
 * supervisor the supervisees' clients), each with its status: open
 * courses first, the most urgent first. The reads are audited in one
 * transaction. Arena memory. */
int caseload_collect(struct web_req *r, struct caseload_row **rows,
                     size_t *n, size_t *n_supervisees);

/* Fit srv->model (PHQ-9 expected course) from every client of the
 * clinic (reads audited as actor web:startup). */
int status_fit_model(struct web_server *srv, attune_store *st);

/* Days since 1970-01-01 of "YYYY-MM-DD"; -1 when it is not one. */
long st_days(const char *z);

#endif
