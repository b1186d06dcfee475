/* SPDX-License-Identifier: GPL-2.0 */
/* Internal: report progress to the famfs_set_progress() callback, if any. */
#ifndef FAMFS_PROGRESS_H
#define FAMFS_PROGRESS_H

#include <stdint.h>

/* @done of @total entries of @phase; throttled, and a no-op without one. */
__attribute__((visibility("hidden")))
void famfs_progress_tick(const char *phase, uint64_t done, uint64_t total);

#endif /* FAMFS_PROGRESS_H */
