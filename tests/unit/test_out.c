/* test_out.c - held output (cli/out.c): nothing reaches stdout before
 * out_finish(); past the spill size it goes through a temporary file and
 * still comes out whole and in order; streaming writes as it goes; a full
 * disk is an error. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"

/* Point stdout at a new temporary file; return the saved fd. */
static int capture(char *path, size_t n)
{
	const char *dir = getenv("ATTUNE_TEST_TMP");
	int saved, fd;

	snprintf(path, n, "%s/out.XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	close(fd);
	return saved;
}

static void restore(int saved)
{
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

static void test_spill_in_order(void **state)
{
	char path[256], want[32], line[32];
	struct out o;
	FILE *f;
	int saved, i;

	(void)state;
	saved = capture(path, sizeof(path));
	out_init(&o, 0);
	o.spill_at = 100;
	for (i = 0; i < 1000; i++) {
		sb_printf(&o.b, "row %d\n", i);
		assert_int_equal(out_flush(&o, 0), ATTUNE_OK);
		if (i == 50) {
			fflush(stdout);
			assert_int_equal(file_size(path), 0);  /* held back */
		}
	}
	assert_non_null(o.spill);
	assert_int_equal(out_finish(&o), ATTUNE_OK);
	out_free(&o);
	restore(saved);
	f = fopen(path, "r");
	assert_non_null(f);
	for (i = 0; i < 1000; i++) {
		snprintf(want, sizeof(want), "row %d\n", i);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_string_equal(line, want);
	}
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(path);
}

static void test_stream(void **state)
{
	char path[256];
	struct out o;
	int saved, i;

	(void)state;
	saved = capture(path, sizeof(path));
	out_init(&o, 1);
	for (i = 0; i < 20000; i++) {
		sb_puts(&o.b, "0123456789\n");
		assert_int_equal(out_flush(&o, 0), ATTUNE_OK);
	}
	fflush(stdout);
	assert_true(file_size(path) > 0);   /* went out before the end */
	assert_null(o.spill);
	assert_int_equal(out_finish(&o), ATTUNE_OK);
	out_free(&o);
	restore(saved);
	assert_int_equal(file_size(path), 20000 * 11);
	unlink(path);
}

static void test_full_disk(void **state)
{
	struct out o;
	int saved, fd;

	(void)state;
	fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	close(fd);
	out_init(&o, 0);
	sb_puts(&o.b, "something\n");
	assert_int_equal(out_finish(&o), ATTUNE_EIO);
	out_free(&o);
	clearerr(stdout);
	restore(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spill_in_order),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_full_disk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
