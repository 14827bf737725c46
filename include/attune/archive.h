/* archive.h - a whole practice as one file (docs/archive.md): export a
 * database to an archive, check an archive, import one into an empty
 * database. The same file moves a practice between SQLite and
 * PostgreSQL in either direction with every key kept. */
#ifndef ATTUNE_ARCHIVE_H
#define ATTUNE_ARCHIVE_H

#include <stddef.h>
#include "attune.h"
#include "store.h"

/* The first line's "format" value; a reader refuses any other. */
#define ATTUNE_ARCHIVE_FORMAT "attune-archive/2"

/* Receives the archive in pieces of whole lines; returns 0, or non-zero
 * to stop the export (which then fails with ATTUNE_EIO). */
typedef int (*attune_archive_write_fn)(void *ctx, const char *p, size_t n);

/* Write every row of st (all tables but web sign-in sessions) to w as
 * an archive, read in one snapshot. exported_at (unix seconds) goes into
 * the header only. Afterwards one audit row "archive.export" records
 * the export; it is not in the archive it records. Needs an actor (see
 * attune_store_set_actor). *n_rows (may be NULL) gets the rows written.
 * Errors in attune_store_errmsg(st). */
int attune_archive_export(attune_store *st, int64_t exported_at,
                          attune_archive_write_fn w, void *ctx,
                          size_t *n_rows);

/* Check buf[0..len) is a whole, undamaged archive this attune can
 * import: the format and schema version, every line's JSON and types,
 * keys ascending, every reference to a row earlier in the file, the row
 * counts and the BLAKE2b checksum of the end line. ATTUNE_EINVAL (or
 * ATTUNE_ELIMIT, ATTUNE_EVERSION) with "line N: ..." in err. Touches no
 * database. */
int attune_archive_check(const char *buf, size_t len, attune_err *err);

/* Supplies the archive to a streaming reader: copy up to n bytes into
 * buf and return how many (any number of lines or part of one), 0 at
 * the end of the archive, or a negative number on a read error (the
 * call then fails with ATTUNE_EIO). */
typedef ptrdiff_t (*attune_archive_read_fn)(void *ctx, char *buf,
                                            size_t n);

/* attune_archive_check() for an archive of any size read through
 * read(ctx, ...), in bounded memory (about 1.5 MiB plus 16 bytes per
 * gap in the ids of a table that others refer to). */
int attune_archive_check_stream(attune_archive_read_fn read, void *ctx,
                                attune_err *err);

/* Load the archive read through read(ctx, ...) into st, which must be
 * empty (as for attune_archive_import), checking every line as it is
 * loaded, all in one transaction: the first fault (a bad line, a row
 * the database refuses, a count or checksum mismatch at the end) rolls
 * everything back, with "line N: ..." in err. Rows are loaded in bulk
 * (PostgreSQL: COPY per table; SQLite: one prepared INSERT per table).
 * Memory stays bounded whatever the archive's size. Tables and indexes
 * the migrations made stay as they are; only rows are added, plus the
 * audit row "archive.import". */
int attune_archive_import_stream(attune_store *st,
                                 attune_archive_read_fn read, void *ctx,
                                 size_t *n_rows, attune_err *err);

/* Check buf as above, then load it into st, which must be empty (a
 * schema and no clinic, no audit rows: else ATTUNE_EEXIST), all in one
 * transaction: on any error nothing is written. Afterwards one audit row
 * "archive.import". *n_rows (may be NULL) gets the rows loaded. Errors
 * in err, with the line number where there is one. */
int attune_archive_import(attune_store *st, const char *buf, size_t len,
                          size_t *n_rows, attune_err *err);

#endif
