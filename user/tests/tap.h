/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP for C tests: ok()/is()/skip(), then tap_done() prints the
 * plan and the "N passed, N failed, N skipped" line and gives the exit code.
 */
#ifndef FAMFS_TAP_H
#define FAMFS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_fail, tap_skip;

static inline __attribute__((format(printf, 2, 3)))
int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_fail++;
	fflush(stdout);
	return cond;
}

/* Integer equality with a diagnostic on mismatch. */
#define is(got, want, ...) ({						\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	int r_ = ok(g_ == w_, __VA_ARGS__);				\
	if (!r_)							\
		printf("#   got %lld (0x%llx), want %lld (0x%llx)\n",	\
		       g_, (unsigned long long)g_, w_,			\
		       (unsigned long long)w_);				\
	r_;								\
})

static inline __attribute__((format(printf, 2, 3)))
void skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	tap_skip++;
	printf("ok %d - ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

static inline void diag(const char *msg)
{
	printf("# %s\n", msg);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	printf("%d passed, %d failed, %d skipped\n", tap_n - tap_fail - tap_skip,
	       tap_fail, tap_skip);
	return tap_fail ? 1 : 0;
}

#endif /* FAMFS_TAP_H */
