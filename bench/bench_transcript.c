/* bench_transcript.c - throughput of the transcript readers on AnnoMI:
 * the CSV as shipped, and the same utterances rewritten in memory as
 * plain text, WebVTT, SRT and JSON. Reports utterances/s and MB/s of
 * input, best of several runs, one core.
 *
 * Usage: bench_transcript [annomi-simple.csv] [seconds-per-format]
 * (default ../shared/data/annomi/annomi-simple.csv, 1 s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attune/transcript.h"
#include "util/util_int.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = buf ? (size_t)len : 0;
	return buf;
}

/* Every utterance of the CSV, kept for rewriting in other formats. */
struct all {
	attune_transcript *t[512];
	size_t n;
	size_t n_utt;
};

static int keep(void *ctx, attune_transcript **t)
{
	struct all *a = ctx;

	if (a->n == 512)
		return 1;
	a->n_utt += (*t)->n;
	a->t[a->n++] = *t;
	*t = NULL;
	return 0;
}

static int count(void *ctx, attune_transcript **t)
{
	*(size_t *)ctx += (*t)->n;
	return 0;
}

static void ts(strbuf *b, int64_t ms, char sep)
{
	sb_printf(b, "%02lld:%02lld:%02lld%c%03lld", (long long)(ms / 3600000),
	          (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), sep,
	          (long long)(ms % 1000));
}

/* Rewrite every utterance (one transcript after another) as FORMAT. */
static char *rewrite(const struct all *a, attune_transcript_format f,
                     size_t *len)
{
	strbuf b;
	size_t i, k, cue = 0;
	int rc;

	sb_init(&b, (size_t)1 << 30);
	if (f == ATTUNE_TRANSCRIPT_VTT)
		sb_puts(&b, "WEBVTT\n");
	if (f == ATTUNE_TRANSCRIPT_JSON)
		sb_puts(&b, "[\n");
	for (i = 0; i < a->n; i++) {
		for (k = 0; k < a->t[i]->n; k++) {
			const attune_utterance *u = &a->t[i]->u[k];
			const char *who = u->speaker == ATTUNE_SPEAKER_THERAPIST ?
			                  "T" : "C";
			int64_t s = u->start_ms < 0 ? 0 : u->start_ms;
			cue++;
			switch (f) {
			case ATTUNE_TRANSCRIPT_TEXT:
				sb_printf(&b, "%s: %s\n", who, u->text);
				break;
			case ATTUNE_TRANSCRIPT_VTT:
			case ATTUNE_TRANSCRIPT_SRT:
				if (f == ATTUNE_TRANSCRIPT_VTT)
					sb_printf(&b, "\n%zu\n", cue);
				else
					sb_printf(&b, "%zu\n", cue);
				ts(&b, s, f == ATTUNE_TRANSCRIPT_VTT ? '.' : ',');
				sb_puts(&b, " --> ");
				ts(&b, s + 1000, f == ATTUNE_TRANSCRIPT_VTT ? '.' : ',');
				sb_printf(&b, "\n<v %s>%s\n", who, u->text);
				if (f == ATTUNE_TRANSCRIPT_SRT)
					sb_putc(&b, '\n');
				break;
			case ATTUNE_TRANSCRIPT_JSON:
				sb_printf(&b, "%s{\"speaker\": \"%s\", \"start\": %.3f, "
				          "\"text\": ", cue > 1 ? ",\n" : "", who,
				          (double)s / 1000.0);
				sb_json_str(&b, u->text);
				sb_putc(&b, '}');
				break;
			default:
				break;
			}
		}
	}
	if (f == ATTUNE_TRANSCRIPT_JSON)
		sb_puts(&b, "\n]\n");
	*len = b.len;
	return sb_detach(&b, &rc);
}

/* Parse buf over and over for about secs; print the best of 5 runs. */
static void run(const char *what, const char *buf, size_t len,
                attune_transcript_format f, unsigned flags, double secs)
{
	attune_transcript_opts o = {0};
	double best = 1e30, t0, dt;
	size_t reps = 1, r, n = 0, k;
	attune_err err;

	o.format = f;
	o.flags = flags;
	/* Calibrate: enough repetitions for secs / 5 per run. */
	for (;;) {
		t0 = now();
		for (r = 0; r < reps; r++)
			if (attune_transcript_each(buf, len, what, &o, count, &n,
			                           &err)) {
				fprintf(stderr, "%s: %s\n", what, err.msg);
				exit(1);
			}
		dt = now() - t0;
		if (dt > secs / 5 || reps > (1u << 20))
			break;
		reps *= 2;
	}
	for (k = 0; k < 5; k++) {
		n = 0;
		t0 = now();
		for (r = 0; r < reps; r++)
			attune_transcript_each(buf, len, what, &o, count, &n, &err);
		dt = (now() - t0) / (double)reps;
		if (dt < best)
			best = dt;
	}
	n /= reps;
	printf("%-5s %8zu utterances, %6.2f MB: %7.3f ms = %6.2f M utt/s, "
	       "%7.1f MB/s\n", what, n, (double)len / 1e6, best * 1e3,
	       (double)n / best / 1e6, (double)len / best / 1e6);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] :
	                   "../shared/data/annomi/annomi-simple.csv";
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	static const struct {
		const char *name;
		attune_transcript_format f;
		unsigned flags;
	} fmts[] = {
		{"text", ATTUNE_TRANSCRIPT_TEXT, 0},
		{"vtt", ATTUNE_TRANSCRIPT_VTT, ATTUNE_TRANSCRIPT_KEEP_CUES},
		{"srt", ATTUNE_TRANSCRIPT_SRT, ATTUNE_TRANSCRIPT_KEEP_CUES},
		{"json", ATTUNE_TRANSCRIPT_JSON, 0},
	};
	struct all a = {{0}, 0, 0};
	attune_err err;
	size_t len, i, n;
	char *csv, *buf;

	csv = slurp(path, &len);
	if (!csv) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	if (attune_transcript_each(csv, len, "csv", NULL, keep, &a, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("%s: %zu transcripts, %zu utterances\n", path, a.n, a.n_utt);
	run("csv", csv, len, ATTUNE_TRANSCRIPT_CSV, 0, secs);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		buf = rewrite(&a, fmts[i].f, &n);
		if (!buf)
			return 1;
		run(fmts[i].name, buf, n, fmts[i].f, fmts[i].flags, secs);
		free(buf);
	}
	for (i = 0; i < a.n; i++)
		attune_transcript_free(a.t[i]);
	free(csv);
	return 0;
}
