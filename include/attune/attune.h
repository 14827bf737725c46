/* attune.h - umbrella header of libattune: version, result codes, errors.
 *
 * Every public function that can fail returns an attune_rc and, when the
 * caller passes a non-NULL attune_err, writes a one-line detail message
 * there that says what went wrong and where (file, line, column, field). */
#ifndef ATTUNE_ATTUNE_H
#define ATTUNE_ATTUNE_H

#include <stddef.h>
#include <stdint.h>

#define ATTUNE_VERSION "0.1.0"

/* Result codes. Never renumber: values are part of the ABI. */
typedef enum attune_rc {
	ATTUNE_OK = 0,
	ATTUNE_EINVAL = 1,    /* bad input: a value, a file, a field */
	ATTUNE_ENOMEM = 2,    /* out of memory */
	ATTUNE_EIO = 3,       /* read or write failed */
	ATTUNE_ENOTFOUND = 4, /* no such object */
	ATTUNE_ELIMIT = 5,    /* a documented limit was exceeded (see limits.h) */
	ATTUNE_ESTORE = 6,    /* the storage engine failed */
	ATTUNE_EEXIST = 7,    /* object already exists / constraint violated */
	ATTUNE_EVERSION = 8,  /* database or file from a newer attune */
	ATTUNE_EINTERNAL = 9  /* a bug: please report it */
} attune_rc;

/* Detail of the last failure. Fixed size so that filling it never fails. */
#define ATTUNE_ERR_MAX 512
typedef struct attune_err {
	char msg[ATTUNE_ERR_MAX];
} attune_err;

/* Static English name of rc ("invalid input", ...). Never NULL. */
const char *attune_strerror(int rc);

/* Clear err (may be NULL). */
void attune_err_clear(attune_err *err);

#endif
