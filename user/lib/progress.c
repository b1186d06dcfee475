// SPDX-License-Identifier: GPL-2.0
/*
 * Progress of long library walks (log scan, allocation build, replay plan)
 * for a caller that shows it: a per-thread callback, off by default.
 */
#include "libfamfs.h"
#include "progress.h"

static __thread famfs_progress_fn progress_fn;
static __thread void *progress_arg;

void famfs_set_progress(famfs_progress_fn fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

void famfs_progress_tick(const char *phase, uint64_t done, uint64_t total)
{
	/* Every 4096 entries: cheap enough for a walk of millions. */
	if (progress_fn && (done % 4096 == 0 || done == total))
		progress_fn(progress_arg, phase, done, total);
}
