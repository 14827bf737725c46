/* bench_store_gen.c - a synthetic clinic as an attune-archive/1 file on
 * standard output, for bench/store.sh: one clinic, CLIENTS clients with
 * one open episode of SESSIONS weekly sessions each, one PHQ-9 per
 * session, PER_THERAPIST clients per therapist (user 2 is "ther1", user
 * 1 the admin). Fixed seed: the same archive every run.
 *
 * usage: bench_store_gen CLIENTS [SESSIONS [PER_THERAPIST]] > FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "attune/archive.h"
#include "attune/store.h"

/* A clinic network of this many sites (schema 5); therapists take turns. */
#define BENCH_SITES 4
#define BENCH_SITES_STR "4"

#define OUT_CAP ((size_t)1 << 20)

static char out[OUT_CAP + 4096];
static size_t n_out;
static crypto_generichash_state hash;

static void flush_out(void)
{
	size_t off = 0;
	ssize_t w;

	crypto_generichash_update(&hash, (const unsigned char *)out, n_out);
	while (off < n_out) {
		w = write(1, out + off, n_out - off);
		if (w <= 0) {
			perror("bench_store_gen: write");
			exit(1);
		}
		off += (size_t)w;
	}
	n_out = 0;
}

static void put(const char *s)
{
	size_t n = strlen(s);

	memcpy(out + n_out, s, n);
	n_out += n;
}

static void put_int(int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[n_out++] = '-';
	while (n)
		out[n_out++] = tmp[--n];
}

/* End of a line: hand a full buffer on. */
static void eol(void)
{
	out[n_out++] = '\n';
	if (n_out >= OUT_CAP)
		flush_out();
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)   /* xorshift64*, 0..n-1 */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)(((rng * 2685821657736338717u) >> 32) % n);
}

/* civil_from_days (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms"): days since 1970-01-01 -> "YYYY-MM-DD". */
static void ymd(int64_t z, char *buf)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
}

static int64_t arg(const char *s, const char *what)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end || v < 1 || v > 100000000) {
		fprintf(stderr, "bench_store_gen: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const int64_t day0 = 20089;            /* 2025-01-01 */
	const int64_t t0 = day0 * 86400;
	int64_t n_clients, n_sess, per, n_ther, i, k, id, total, target;
	unsigned char sum[32];
	char hex[65], date[11];
	int j, v;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: bench_store_gen CLIENTS [SESSIONS "
		        "[PER_THERAPIST]] > FILE\n");
		return 2;
	}
	n_clients = arg(argv[1], "CLIENTS");
	n_sess = argc > 2 ? arg(argv[2], "SESSIONS") : 20;
	per = argc > 3 ? arg(argv[3], "PER_THERAPIST") : 60;
	n_ther = (n_clients + per - 1) / per;
	if (sodium_init() < 0)
		return 1;
	crypto_generichash_init(&hash, NULL, 0, sizeof(sum));

	put("{\"format\":\"" ATTUNE_ARCHIVE_FORMAT "\",\"schema_version\":");
	put_int(attune_store_schema_latest());
	put(",\"exported_at\":");
	put_int(t0);
	put(",\"attune\":\"bench\"}");
	eol();
	put("[\"clinics\",1,\"Bench clinic\",");
	put_int(t0);
	put("]");
	eol();
	/* sites: BENCH_SITES of them; therapists take turns */
	for (i = 1; i <= BENCH_SITES; i++) {
		put("[\"sites\",");
		put_int(i);
		put(",1,\"Site ");
		put_int(i);
		put("\",");
		put_int(t0);
		put("]");
		eol();
	}
	/* users: the admin (no site), then therapists ther1 .. (role 2) */
	put("[\"users\",1,1,\"admin\",\"Clinic admin\",0,null,");
	put_int(t0);
	put(",null]");
	eol();
	for (i = 1; i <= n_ther; i++) {
		put("[\"users\",");
		put_int(i + 1);
		put(",1,\"ther");
		put_int(i);
		put("\",\"Therapist ");
		put_int(i);
		put("\",2,null,");
		put_int(t0);
		put(",");
		put_int((i - 1) % BENCH_SITES + 1);
		put("]");
		eol();
	}
	for (i = 1; i <= n_clients; i++) {
		put("[\"clients\",");
		put_int(i);
		put(",1,");
		put_int(2 + (i - 1) / per);
		put(",\"C-");
		put_int(i);
		put("\",null,");
		put_int(t0);
		put(",0]");
		eol();
	}
	ymd(day0, date);
	for (i = 1; i <= n_clients; i++) {
		put("[\"episodes\",");
		put_int(i);
		put(",");
		put_int(i);
		put(",\"");
		put(date);
		put("\",null,null]");
		eol();
	}
	for (i = 1, id = 1; i <= n_clients; i++) {
		for (k = 0; k < n_sess; k++, id++) {
			ymd(day0 + 7 * k, date);
			put("[\"sessions\",");
			put_int(id);
			put(",");
			put_int(i);
			put(",");
			put_int(k + 1);
			put(",\"");
			put(date);
			put("\",1]");
			eol();
		}
	}
	/* responses: a course from a baseline of 8..23 that improves by
	 * about a third over the sessions, items 0..3 around it; item 10
	 * (difficulty, not scored) 0..3. */
	for (i = 1, id = 1; i <= n_clients; i++) {
		int64_t base = 8 + rnd(16);

		for (k = 0; k < n_sess; k++, id++) {
			target = base - base * k / (3 * n_sess);
			put("[\"responses\",");
			put_int(id);
			put(",");
			put_int(id);
			put(",\"phq9\",\"1\",0,\"");
			for (j = 0, total = 0; j < 9; j++) {
				v = (int)((target * 4 + 2 * j + rnd(9)) / 36);
				v = v > 3 ? 3 : v;
				total += v;
				put_int(v);
				put(",");
			}
			put_int(rnd(4));
			put("\",");
			put_int(total);
			put(",");
			put_int(t0 + 7 * 86400 * k + 36000);
			put("]");
			eol();
		}
	}
	flush_out();
	crypto_generichash_final(&hash, sum, sizeof(sum));
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	put("{\"end\":\"" ATTUNE_ARCHIVE_FORMAT "\",\"rows\":{\"clinics\":1,"
	    "\"sites\":" BENCH_SITES_STR ",\"users\":");
	put_int(n_ther + 1);
	put(",\"supervision\":0,\"clients\":");
	put_int(n_clients);
	put(",\"grants\":0,\"episodes\":");
	put_int(n_clients);
	put(",\"sessions\":");
	put_int(n_clients * n_sess);
	put(",\"responses\":");
	put_int(n_clients * n_sess);
	put(",\"transcripts\":0,\"checkin_links\":0,\"api_tokens\":0,"
	    "\"clinic_settings\":0,\"audit\":0},\"instruments\":"
	    "[[\"phq9\",\"1\"]],\"blake2b\":\"");
	put(hex);
	put("\"}\n");
	/* the end line is not part of its own checksum */
	{
		size_t off = 0;
		ssize_t w;

		while (off < n_out) {
			w = write(1, out + off, n_out - off);
			if (w <= 0) {
				perror("bench_store_gen: write");
				return 1;
			}
			off += (size_t)w;
		}
	}
	return 0;
}
