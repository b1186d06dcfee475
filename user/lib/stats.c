// SPDX-License-Identifier: GPL-2.0
/*
 * Replay statistics: counters and phase times, per thread, printed on
 * request (FAMFS_REPLAY_STATS=1) so a benchmark can tell which phase of a
 * mount or logplay costs what, and how many system calls it made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libfamfs.h"
#include "stats.h"

static __thread uint64_t stats[FAMFS_STAT_N];

void famfs_stats_add(enum famfs_stat s, uint64_t v)
{
	if (s < FAMFS_STAT_N)
		stats[s] += v;
}

uint64_t famfs_stats_get(enum famfs_stat s)
{
	return s < FAMFS_STAT_N ? stats[s] : 0;
}

uint64_t famfs_stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void famfs_stats_since(enum famfs_stat s, uint64_t start)
{
	famfs_stats_add(s, famfs_stats_now() - start);
}

static double sec(enum famfs_stat s)
{
	return (double)stats[s] / 1e9;
}

void famfs_stats_report(const char *what)
{
	const char *e = getenv("FAMFS_REPLAY_STATS");

	if (e && *e && strcmp(e, "0"))
		fprintf(stderr,
			"famfs-stats: %s entries=%llu lookup_calls=%llu apply_calls=%llu mount_s=%.6f scan_s=%.6f plan_s=%.6f apply_s=%.6f record_s=%.6f crc_checked=%llu\n",
			what, (unsigned long long)stats[FAMFS_STAT_ENTRIES],
			(unsigned long long)stats[FAMFS_STAT_LOOKUP_CALLS],
			(unsigned long long)stats[FAMFS_STAT_APPLY_CALLS],
			sec(FAMFS_STAT_NS_MOUNT), sec(FAMFS_STAT_NS_SCAN),
			sec(FAMFS_STAT_NS_PLAN), sec(FAMFS_STAT_NS_APPLY),
			sec(FAMFS_STAT_NS_RECORD),
			(unsigned long long)stats[FAMFS_STAT_CRC_CHECKED]);
	memset(stats, 0, sizeof(stats));
}
