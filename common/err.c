/*
 * err.c - shared error messages. See err.h.
 */
#include "common/err.h"

#include <stdio.h>

int err_oom(char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", ERR_OOM);
	return -1;
}
