/* bench_gains_gen.c - test data for bench/gains_vs_r.sh.
 *
 *   bench_gains_gen N [SESSIONS] > FILE
 *
 * Writes a wide CSV, `id,bdi_s1,...,bdi_sSESSIONS` (default 12 sessions),
 * one row per person, ids 1..N, with BDI-like scores (whole numbers in
 * 0..63) and NA for a missing value. Fixed seed: the same N gives the same
 * file on every machine.
 *
 * Each person: an intake score of 14-45; a gradual change over treatment
 * (most improve by up to 60 %, some stay put or get a little worse);
 * session-to-session noise; about a quarter have one sudden drop of 7-16
 * points at a random session that persists, a third of those partly
 * reversing a few sessions later; about 5 % a sudden rise; about 6 % of
 * values missing at random, and about 5 % of people drop out (every
 * session after a random one missing). So the file exercises all three
 * criteria, the adjusted critical values for missing data, reversals and
 * people with too little data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 0x5ad6a1e5c0ffee01ULL;

/* xorshift64* (Vigna 2016), as in bench_score.c. */
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* Uniform in [0, 1). */
static double unif(void)
{
	return (double)(next() >> 11) * (1.0 / 9007199254740992.0);
}

/* Roughly normal, mean 0, SD 1 (Irwin-Hall with 12 terms). */
static double gauss(void)
{
	double s = 0;
	int i;

	for (i = 0; i < 12; i++)
		s += unif();
	return s - 6.0;
}

#define MAX_SESSIONS 64

int main(int argc, char **argv)
{
	long n, p;
	int ns = 12, s;
	double score[MAX_SESSIONS];
	int miss[MAX_SESSIONS];

	if (argc < 2 || argc > 3) {
		fputs("usage: bench_gains_gen N [SESSIONS] > FILE\n", stderr);
		return 2;
	}
	n = strtol(argv[1], NULL, 10);
	if (argc == 3)
		ns = (int)strtol(argv[2], NULL, 10);
	if (n < 1 || ns < 4 || ns > MAX_SESSIONS) {
		fputs("bench_gains_gen: N >= 1, 4 <= SESSIONS <= 64\n", stderr);
		return 2;
	}

	fputs("id", stdout);
	for (s = 1; s <= ns; s++)
		printf(",bdi_s%d", s);
	fputc('\n', stdout);

	for (p = 1; p <= n; p++) {
		double intake = 14.0 + 32.0 * unif();
		double change = unif() < 0.8 ? 0.6 * unif() : -0.15 * unif();
		double noise = 1.5 + 2.0 * unif();
		int gain_at = 0, rev_at = 0, loss_at = 0, drop_at = 0;
		double gain = 0, rev = 0, loss = 0;

		if (unif() < 0.25) {
			gain_at = 2 + (int)(unif() * (ns - 3)); /* 2..ns-2 */
			gain = 7.0 + 9.0 * unif();
			if (unif() < 0.33) {
				rev_at = gain_at + 2 + (int)(unif() * 3);
				rev = gain * (0.4 + 0.6 * unif());
			}
		}
		if (unif() < 0.05) {
			loss_at = 2 + (int)(unif() * (ns - 3));
			loss = 7.0 + 8.0 * unif();
		}
		if (unif() < 0.05)
			drop_at = 2 + (int)(unif() * (ns - 2));

		for (s = 1; s <= ns; s++) {
			double x = intake * (1.0 - change * (s - 1) / (ns - 1));

			x += noise * gauss();
			if (gain_at && s > gain_at)
				x -= gain;
			if (rev_at && s > rev_at)
				x += rev;
			if (loss_at && s > loss_at)
				x += loss;
			if (x < 0)
				x = 0;
			if (x > 63)
				x = 63;
			score[s - 1] = x;
			miss[s - 1] = unif() < 0.06 || (drop_at && s > drop_at);
		}

		printf("%ld", p);
		for (s = 0; s < ns; s++) {
			if (miss[s])
				fputs(",NA", stdout);
			else
				printf(",%d", (int)(score[s] + 0.5));
		}
		fputc('\n', stdout);
	}
	return ferror(stdout) ? 3 : 0;
}
