/* err.c - result code names and the detail message of attune_err. */
#include <stdio.h>
#include <string.h>
#include "util/util_int.h"

const char *attune_strerror(int rc)
{
	switch (rc) {
	case ATTUNE_OK: return "ok";
	case ATTUNE_EINVAL: return "invalid input";
	case ATTUNE_ENOMEM: return "out of memory";
	case ATTUNE_EIO: return "input/output error";
	case ATTUNE_ENOTFOUND: return "not found";
	case ATTUNE_ELIMIT: return "limit exceeded";
	case ATTUNE_ESTORE: return "storage error";
	case ATTUNE_EEXIST: return "already exists";
	case ATTUNE_EVERSION: return "made by a newer version of attune";
	case ATTUNE_EINTERNAL: return "internal error";
	}
	return "unknown error";
}

void attune_err_clear(attune_err *err)
{
	if (err)
		err->msg[0] = '\0';
}

int attune_err_set(attune_err *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}
