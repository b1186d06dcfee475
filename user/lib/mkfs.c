// SPDX-License-Identifier: GPL-2.0
/* Formatting (mkfs) and killing a superblock. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "famfs_priv.h"

int famfs_mkfs(struct famfs_dev *d, uint64_t log_len,
	       const uuid_t system_uuid, bool force)
{
	struct famfs_superblock *sb;
	struct famfs_log *log;
	char mpt[PATH_MAX];
	int rc;

	if (!d || !system_uuid)
		return famfs_fail(-EINVAL, "mkfs: missing argument");
	sb = (struct famfs_superblock *)d->base;
	if (!d->base || !d->writable)
		return famfs_fail(-EBADF, "%s: device not open for writing", d->path);
	if (!log_len)
		log_len = FAMFS_LOG_LEN_DEFAULT;
	rc = famfs_log_len_check(log_len);
	if (rc)
		return rc;
	if (d->size < FAMFS_LOG_OFFSET + log_len + FAMFS_ALLOC_UNIT)
		return famfs_fail(-EINVAL,
				  "%s: device of %llu bytes has no room for a %llu-byte log and data",
				  d->path, (unsigned long long)d->size,
				  (unsigned long long)log_len);
	rc = famfs_dev_mountpoint(d, mpt, sizeof(mpt));
	if (rc < 0)
		return rc;
	if (rc > 0)
		return famfs_fail(-EBUSY, "%s is mounted at %s; unmount it first",
				  d->path, mpt);
	/* No offline writer may go on appending to the log being replaced. */
	rc = famfs_dev_lock(d, -1);
	if (rc)
		return rc;
	if (!force && famfs_sb_check(sb, d->size) == 0)
		return famfs_fail(-EEXIST,
				  "%s already holds a valid famfs superblock (use force to overwrite)",
				  d->path);
	log = (struct famfs_log *)(d->base + FAMFS_LOG_OFFSET);
	/* Log first, superblock last: a crash never leaves a valid sb over a stale log. */
	memset(sb, 0, sizeof(*sb));
	famfs_flush(sb, sizeof(*sb));
	memset(log, 0, log_len);
	famfs_log_init(log, log_len);
	famfs_flush(log, log_len);
	famfs_sb_init(sb, d->size, log_len, system_uuid, d->path);
	famfs_flush(sb, sizeof(*sb));
	/*
	 * An empty host table, outside anything upstream reads: hosts
	 * register at mount from the start, so enabling delete later knows
	 * every host that has the file system mounted.
	 */
	famfs_ht_init(d->base + FAMFS_HT_OFFSET, sb);
	return 0;
}

int famfs_kill_sb(struct famfs_dev *d)
{
	struct famfs_superblock *sb;
	char mpt[PATH_MAX];
	int rc;

	if (!d)
		return famfs_fail(-EINVAL, "kill: no device");
	sb = (struct famfs_superblock *)d->base;
	if (!d->base || !d->writable)
		return famfs_fail(-EBADF, "%s: device not open for writing", d->path);
	rc = famfs_dev_mountpoint(d, mpt, sizeof(mpt));
	if (rc < 0)
		return rc;
	if (rc > 0)
		return famfs_fail(-EBUSY, "%s is mounted at %s; unmount it first",
				  d->path, mpt);
	rc = famfs_dev_lock(d, -1);
	if (rc)
		return rc;
	sb->magic = 0;
	famfs_flush(sb, sizeof(*sb));
	return 0;
}
