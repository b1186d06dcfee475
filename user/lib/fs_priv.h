/* SPDX-License-Identifier: GPL-2.0 */
/* Library-internal: the file system handle shared by fs_open.c and fs_ops.c. */
#ifndef FAMFS_FS_PRIV_H
#define FAMFS_FS_PRIV_H

#include <limits.h>

#include "nameidx.h"

struct famfs_fs {
	bool online;		/* mounted: meta files; else a device mapping */
	bool write;		/* opened for mutation (lock held if master) */
	bool master;
	uuid_t me;
	char mpt[PATH_MAX];	/* online: the mount root (realpath) */
	int sb_fd, log_fd;	/* online meta files, -1 otherwise */
	struct famfs_superblock *sb;
	struct famfs_log *log;
	size_t sb_map_len, log_map_len;	/* online mappings */
	struct famfs_dev dev;	/* offline */
	uint64_t dev_size;	/* bound for every map */
	struct famfs_alloc *alloc;	/* built on the first allocation */
	struct famfs_nameidx names;	/* built on the first lookup */
	bool names_built;
	bool log_scanned;	/* valid prefix == header (checked once under the lock) */
	/*
	 * Entries whose CRC this handle has checked: later scans start there.
	 * Every reader still checks what it takes from a copy (paths, maps),
	 * as it must anyway, since the memory can change after any check.
	 */
	uint64_t log_checked;
	/* Live files: what a replay on an empty namespace would map. */
	bool live_built;
	/*
	 * The release floor the live set was built with: the allocator uses
	 * the same snapshot, else memory a host released in between is free
	 * to one and owned by a deleted file to the other.
	 */
	uint64_t floor;
	bool floor_read;
	uint64_t *live;		/* bit per log index: a live FILE entry */
	uint64_t live_cap;	/* bits allocated */
	struct famfs_units *owned;	/* memory of the live files */
	/* Delete feature: entries removed by a valid DELETE (bit per index). */
	uint64_t *dead;
	uint64_t dead_n;		/* bits in dead */
	/* Creates allocated (online: in the kernel) but not logged yet. */
	struct famfs_staged *staged;
};

/* The host table of the handle, or NULL if it is not mapped. */
void *famfs_fs_ht(const struct famfs_fs *fs);

int famfs_fs_names(struct famfs_fs *fs);

/* famfs_log_scan() of the handle's log that skips entries it checked. */
int famfs_fs_scan(struct famfs_fs *fs, struct famfs_log_scan *s);

#endif /* FAMFS_FS_PRIV_H */
