// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - memory failure handling.
 *
 * famfs holds its dax device with the superblock as holder. When the memory
 * reports an uncorrectable error (or is about to be removed) the dax core
 * calls famfs_dax_notify_failure(): the mount is shut down for I/O and the
 * processes that map the failed range get SIGBUS.
 *
 * A notification only carries the holder pointer and may arrive at any time,
 * also while the mount is being torn down. Handlers run inside
 * famfs_failure_srcu; famfs_kill_sb() marks the mount dying and waits for
 * them (famfs_failure_quiesce()) before it evicts inodes, and again after
 * it released the holder, before it frees the mount.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/srcu.h>

#include "famfs_internal.h"

/**
 * famfs_shutdown() - stop all I/O on a mount
 * @fsi: the mount
 * @err: errno MAP_CREATE returns from now on (-EHWPOISON or -ENODEV)
 *
 * Reads, writes and faults fail with -EIO afterwards. Logged once.
 */
void famfs_shutdown(struct famfs_fs_info *fsi, int err)
{
	if (!cmpxchg(&fsi->shutdown_err, 0, err))
		pr_err("%s: memory failure (%d), file system shut down\n",
		       fsi->sb->s_id, err);
	WRITE_ONCE(fsi->shutdown, true);
}

/*
 * Take down every page table entry of a file: the next access faults, and
 * the fault fails (SIGBUS) because the mount is shut down. Faults hold the
 * invalidate lock shared while they check that and install an entry, so
 * none installs one after this. Private copy-on-write pages stay: they are
 * not device memory.
 */
static void famfs_zap_inode(struct inode *inode, void *unused)
{
	struct address_space *mapping = inode->i_mapping;

	filemap_invalidate_lock(mapping);
	unmap_mapping_range(mapping, 0, 0, 0);
	filemap_invalidate_unlock(mapping);
}

/**
 * famfs_shutdown_request() - FAMFSIOC_SHUTDOWN: shut a mount down on request
 * @fsi: the mount; the caller holds an open file of it
 *
 * User space asks for this when its host was fenced (evicted from the host
 * table): from now on reads, writes, new mmaps and faults fail with -EIO
 * (SIGBUS for faults), MAP_CREATE with -EIO, and the page table entries of
 * every mapped file are taken down so that existing mappings fault too.
 * Idempotent: a mount already shut down (also by a memory failure) only has
 * its mappings zapped again. Logged once.
 */
void famfs_shutdown_request(struct famfs_fs_info *fsi)
{
	if (!cmpxchg(&fsi->shutdown_err, 0, -EIO))
		pr_warn("%s: shut down on request (FAMFSIOC_SHUTDOWN): I/O and faults fail from now on\n",
			fsi->sb->s_id);
	WRITE_ONCE(fsi->shutdown, true);
	famfs_walk_mapped_inodes(fsi->sb, famfs_zap_inode, NULL);
}

DEFINE_STATIC_SRCU(famfs_failure_srcu);

/* Pages handed to the memory-failure core at a time (one PMD). */
#define FAMFS_FAIL_CHUNK	(SZ_2M >> PAGE_SHIFT)

/**
 * famfs_failure_quiesce() - wait until no failure handler uses a mount
 * @fsi: the mount, or NULL to only wait (its holder is already released)
 *
 * Handlers that start later see the mount dying and return at once.
 */
void famfs_failure_quiesce(struct famfs_fs_info *fsi)
{
	if (fsi)
		WRITE_ONCE(fsi->dying, true);
	synchronize_srcu(&famfs_failure_srcu);
}

struct famfs_failure {
	struct address_space *mapping;
	int mf_flags;
};

/*
 * Kill mappers of one failed file range. Before device removal also drop its
 * DAX entries: they point at struct pages that go away with the device, and
 * evict would touch them. Dirty entries are kept by the invalidation, so they
 * are written back (cache flush while the memory is still there) first.
 */
static void famfs_fail_file_range(void *ctx, u64 file_off, u64 len)
{
	struct famfs_failure *f = ctx;
	pgoff_t first = file_off >> PAGE_SHIFT;
	pgoff_t last = (file_off + len - 1) >> PAGE_SHIFT;
	pgoff_t idx, n;

	/*
	 * The memory-failure core visits page by page: a removed device covers
	 * whole files, so go in bounded chunks. Without DAX entries no process
	 * has the range mapped (a later fault fails: the mount is shut down).
	 */
	for (idx = first; IS_ENABLED(CONFIG_MEMORY_FAILURE) &&
	     !mapping_empty(f->mapping) && idx <= last; idx += n) {
		n = min_t(pgoff_t, last - idx + 1, FAMFS_FAIL_CHUNK);
		mf_dax_kill_procs(f->mapping, idx, n, f->mf_flags);
		cond_resched();
	}
	if (!(f->mf_flags & MF_MEM_PRE_REMOVE))
		return;
	filemap_write_and_wait_range(f->mapping, file_off, file_off + len - 1);
	if (invalidate_inode_pages2_range(f->mapping, first, last))
		pr_warn("%s: ino %lu: cannot drop DAX entries before removal\n",
			f->mapping->host->i_sb->s_id, f->mapping->host->i_ino);
}

struct famfs_failed_range {
	u64 dev_off;
	u64 len;
	int mf_flags;
};

/* Act on one file whose map may cover the failed device range. */
static void famfs_fail_inode(struct inode *inode, void *ctx)
{
	const struct famfs_failed_range *r = ctx;
	struct famfs_failure f = {
		.mapping = inode->i_mapping,
		.mf_flags = r->mf_flags,
	};

	/* The reference keeps the map: it is freed only at evict. */
	famfs_fmap_dev_to_file(famfs_inode_fmap(inode), r->dev_off, r->len,
			       famfs_fail_file_range, &f);
}

/* Walk the mount's files; act on those whose map covers the device range. */
static void famfs_fail_range(struct super_block *sb, u64 dev_off, u64 len,
			     int mf_flags)
{
	struct famfs_failed_range r = {
		.dev_off = dev_off,
		.len = len,
		.mf_flags = mf_flags,
	};

	famfs_walk_mapped_inodes(sb, famfs_fail_inode, &r);
}

/**
 * famfs_dax_notify_failure() - the dax core reports failed memory
 * @dax_dev:  the device we hold
 * @offset:   byte offset of the failure in @dax_dev
 * @len:      length of the failed range
 * @mf_flags: MF_* flags; MF_MEM_PRE_REMOVE when the whole device goes away
 *
 * Return: 0 when handled, -ENXIO if the range is outside this mount's
 * device, -EIO if the mount is not set up or is being unmounted.
 */
static int famfs_dax_notify_failure(struct dax_device *dax_dev, u64 offset,
				    u64 len, int mf_flags)
{
	struct famfs_fs_info *fsi;
	struct super_block *sb;
	u64 start, end;
	int idx, rc = 0;

	idx = srcu_read_lock(&famfs_failure_srcu);
	sb = dax_holder(dax_dev);
	fsi = sb ? famfs_sb(sb) : NULL;
	if (!fsi || READ_ONCE(fsi->dying)) {
		rc = -EIO;
		goto out;
	}

	/* Clip the range to this mount's part of the dax device. */
	if (check_add_overflow(offset, len, &end))
		end = U64_MAX;
	start = max(offset, fsi->dax_start_off);
	end = min(end, fsi->dax_start_off + fsi->dev_size);
	if (start >= end) {
		rc = -ENXIO;
		goto out;
	}

	famfs_shutdown(fsi, (mf_flags & MF_MEM_PRE_REMOVE) ? -ENODEV : -EHWPOISON);
	famfs_fail_range(sb, start - fsi->dax_start_off, end - start, mf_flags);
out:
	srcu_read_unlock(&famfs_failure_srcu, idx);
	return rc;
}

const struct dax_holder_operations famfs_dax_holder_ops = {
	.notify_failure = famfs_dax_notify_failure,
};
