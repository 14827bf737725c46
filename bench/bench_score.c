/* bench_score.c - scoring throughput (issue: bench/score).
 *
 *   bench_score gen N > FILE   write N random PHQ-9 rows as CSV (fixed seed)
 *   bench_score mem N          score N rows already in memory, rows/s
 *   bench_score csv FILE       read + parse + validate + score FILE (no
 *                              output), rows/s and MB/s
 *
 * Run through bench/score.sh, which records the figures in one run. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "attune/csv.h"
#include "attune/score.h"
#include "util/util_int.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64* (Vigna 2016): fast, fixed seed, good enough for data. */
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const attune_instrument *phq9(attune_catalog *cat)
{
	attune_err err;

	if (attune_catalog_add_builtin(cat, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		exit(3);
	}
	return attune_catalog_find(cat, "phq9");
}

static int gen(long n)
{
	char line[64];
	long r;
	int i;

	fputs("id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,"
	      "phq9_9\n", stdout);
	for (r = 0; r < n; r++) {
		size_t k = fmt_num(line, (double)(r + 1));
		for (i = 0; i < 9; i++) {
			uint64_t x = next();
			line[k++] = ',';
			/* ~1 in 50 answers missing */
			if ((x >> 32) % 50 != 0)
				line[k++] = (char)('0' + (x & 3));
		}
		line[k++] = '\n';
		fwrite(line, 1, k, stdout);
	}
	return 0;
}

static int mem(const attune_instrument *in, long n)
{
	size_t w = in->n_items;  /* 10: item 10 is recorded, not scored */
	double *v = malloc((size_t)n * w * sizeof(double));
	attune_score *out = malloc(4096 * sizeof(attune_score));
	double t0, t1, sum = 0;
	long r, done;
	int i;

	if (!v || !out)
		return 3;
	for (r = 0; r < n; r++) {
		for (i = 0; i < 9; i++) {
			uint64_t x = next();
			v[(size_t)r * w + (size_t)i] = (x >> 32) % 50 ?
				(double)(x & 3) : attune_missing();
		}
		v[(size_t)r * w + 9] = attune_missing();
	}
	t0 = now();
	for (done = 0; done < n; done += 4096) {
		long k = n - done < 4096 ? n - done : 4096;
		attune_score_rows(in, v + (size_t)done * w, (size_t)k, out);
		for (r = 0; r < k; r++)  /* consume so nothing is elided */
			sum += out[r].total == out[r].total ? out[r].total : 0;
	}
	t1 = now();
	printf("mem: %ld rows in %.3f s = %.1f M rows/s (checksum %.0f)\n",
	       n, t1 - t0, (double)n / (t1 - t0) / 1e6, sum);
	free(v);
	free(out);
	return 0;
}

static long read_fd(void *ctx, char *buf, size_t n)
{
	return (long)read(*(int *)ctx, buf, n);
}

static int csv(const attune_instrument *in, const char *path)
{
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	attune_score s;
	double v[ATTUNE_ITEMS_MAX], t0, t1, sum = 0;
	int col[16];
	size_t n, j, rows = 0;
	off_t bytes;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	bytes = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	t0 = now();
	if (attune_csv_open(read_fd, &fd, path, &c))
		return 3;
	if (attune_csv_next(c, &f, &n, &err) || n != 10)
		return 1;
	for (j = 1; j < n; j++) {
		char name[16];
		memcpy(name, f[j].p, f[j].n);
		name[f[j].n] = '\0';
		col[j] = attune_instrument_item_index(in, name);
	}
	while (attune_csv_next(c, &f, &n, &err) == 0 && n) {
		for (j = 0; j < in->n_items; j++)
			v[j] = attune_missing();
		for (j = 1; j < n; j++) {
			double x;
			if (!f[j].n)
				continue;
			if (parse_num(f[j].p, f[j].n, &x) ||
			    !attune_item_value_ok(&in->items[col[j]], x))
				return 1;
			v[col[j]] = x;
		}
		attune_score_compute(in, v, &s);
		sum += s.total == s.total ? s.total : 0;
		rows++;
	}
	t1 = now();
	printf("csv: %zu rows, %.1f MB in %.3f s = %.1f M rows/s, %.1f MB/s "
	       "(checksum %.0f)\n", rows, (double)bytes / 1e6, t1 - t0,
	       (double)rows / (t1 - t0) / 1e6,
	       (double)bytes / (t1 - t0) / 1e6, sum);
	attune_csv_close(c);
	close(fd);
	return 0;
}

static long count(const char *s)
{
	int64_t n;

	if (parse_i64(s, strlen(s), &n) || n <= 0) {
		fprintf(stderr, "bench_score: bad count '%s'\n", s);
		exit(2);
	}
	return (long)n;
}

int main(int argc, char **argv)
{
	attune_catalog *cat = attune_catalog_new();
	int rc = 2;

	if (argc == 3 && strcmp(argv[1], "gen") == 0)
		rc = gen(count(argv[2]));
	else if (argc == 3 && strcmp(argv[1], "mem") == 0)
		rc = mem(phq9(cat), count(argv[2]));
	else if (argc == 3 && strcmp(argv[1], "csv") == 0)
		rc = csv(phq9(cat), argv[2]);
	else
		fprintf(stderr, "usage: bench_score gen N | mem N | csv FILE\n");
	attune_catalog_free(cat);
	return rc;
}
