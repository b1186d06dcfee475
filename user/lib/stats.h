/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal: where a mount or replay spends its time. With FAMFS_REPLAY_STATS
 * set in the environment, famfs_stats_report() prints one line to stderr.
 */
#ifndef FAMFS_STATS_H
#define FAMFS_STATS_H

#include <stdint.h>

enum famfs_stat {
	FAMFS_STAT_ENTRIES,		/* actions applied or checked */
	FAMFS_STAT_LOOKUP_CALLS,	/* system calls of planning lookups */
	FAMFS_STAT_APPLY_CALLS,		/* system calls of applying the plan */
	FAMFS_STAT_NS_MOUNT,		/* kernel mount, meta files, records */
	FAMFS_STAT_NS_SCAN,		/* log checks and scans */
	FAMFS_STAT_NS_PLAN,
	FAMFS_STAT_NS_APPLY,
	FAMFS_STAT_NS_RECORD,		/* replay record and host table */
	FAMFS_STAT_CRC_CHECKED,		/* log entries whose CRC a scan checked */
	FAMFS_STAT_N
};

__attribute__((visibility("hidden")))
void famfs_stats_add(enum famfs_stat s, uint64_t v);
/* Monotonic nanoseconds; add (now - start) to a FAMFS_STAT_NS_* phase. */
__attribute__((visibility("hidden")))
uint64_t famfs_stats_now(void);
__attribute__((visibility("hidden")))
void famfs_stats_since(enum famfs_stat s, uint64_t start);
__attribute__((visibility("hidden")))
uint64_t famfs_stats_get(enum famfs_stat s);
/* famfs_stats_report() is public: libfamfs.h. */

#endif /* FAMFS_STATS_H */
