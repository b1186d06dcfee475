// SPDX-License-Identifier: GPL-2.0
/* Thread-local error messages: every failing call says what went wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "famfs_priv.h"

static _Thread_local char errbuf[512];

const char *famfs_errmsg(void)
{
	return errbuf;
}

int famfs_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return err;
}

int famfs_fail_ctx(int err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(errbuf)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* The message names it already ("X is not ...", "X: ..."): say it once. */
	if (prefix[0] && strstr(errbuf, prefix))
		return err;
	memcpy(old, errbuf, sizeof(old));
	/* Truncating a very long message is acceptable. */
	famfs_strfmt(errbuf, sizeof(errbuf), "%s: %s", prefix, old);
	return err;
}

void famfs_strfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
