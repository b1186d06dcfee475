// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - the memory device behind a mount.
 *
 * The mount source names a pmem block device (fs-dax through the block layer)
 * or a character dax device (devdax.c). Either way the device is identified by
 * its dev_t, held exclusively with the superblock as dax holder, and mounted at
 * most once per host.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/fs_context.h>
#include <linux/string.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/namei.h>

#include "famfs_internal.h"
#include "devdax.h"

/* Devices mounted on this host: a second mount of one fails with -EBUSY. */
static LIST_HEAD(famfs_mounted_devs);
static DEFINE_MUTEX(famfs_mounted_lock);

static int famfs_claim_devt(struct famfs_fs_info *fsi, dev_t devt)
{
	struct famfs_fs_info *other;
	int rc = 0;

	mutex_lock(&famfs_mounted_lock);
	list_for_each_entry(other, &famfs_mounted_devs, dev_list) {
		if (other->devt == devt) {
			rc = -EBUSY;
			break;
		}
	}
	if (!rc) {
		fsi->devt = devt;
		list_add(&fsi->dev_list, &famfs_mounted_devs);
	}
	mutex_unlock(&famfs_mounted_lock);
	return rc;
}

static void famfs_release_devt(struct famfs_fs_info *fsi)
{
	mutex_lock(&famfs_mounted_lock);
	list_del_init(&fsi->dev_list);
	mutex_unlock(&famfs_mounted_lock);
}

/*
 * Resolve a path to a device number without comparing names: a block device
 * through lookup_bdev(), otherwise a character device inode's i_rdev.
 */
static int famfs_resolve_dev(const char *name, dev_t *devt, bool *is_chr)
{
	struct path path;
	struct inode *inode;
	int rc;

	rc = lookup_bdev(name, devt);
	if (rc != -ENOTBLK) {
		*is_chr = false;
		return rc;
	}

	rc = kern_path(name, LOOKUP_FOLLOW, &path);
	if (rc)
		return rc;
	inode = d_backing_inode(path.dentry);
	if (!S_ISCHR(inode->i_mode))
		rc = -ENOTBLK;
	else if (path.mnt->mnt_flags & MNT_NODEV)
		rc = -EACCES;
	else
		*devt = inode->i_rdev;
	path_put(&path);
	*is_chr = true;
	return rc;
}

static int famfs_open_bdev(struct famfs_fs_info *fsi, struct fs_context *fc)
{
	const char *name = fsi->sb->s_id;
	struct block_device *bdev;
	struct file *bdev_file;
	u64 start_off = 0;

	bdev_file = bdev_file_open_by_dev(fsi->devt, BLK_OPEN_READ | BLK_OPEN_WRITE,
					  fsi->sb, NULL);
	if (IS_ERR(bdev_file)) {
		errorfc(fc, "%s: cannot open the block device (%ld)",
			name, PTR_ERR(bdev_file));
		return PTR_ERR(bdev_file);
	}
	fsi->bdev_file = bdev_file;
	bdev = file_bdev(bdev_file);

	if (bdev_read_only(bdev)) {
		errorfc(fc, "%s: device is read-only", name);
		return -EACCES;
	}
	if (!blk_queue_dax(bdev->bd_disk->queue)) {
		errorfc(fc,
			"%s: not a DAX capable device (pmem in fsdax mode, or a character dax device)",
			name);
		return -EINVAL;
	}
	fsi->dax_dev = fs_dax_get_by_bdev(bdev, &start_off, fsi->sb,
					  &famfs_dax_holder_ops);
	if (!fsi->dax_dev) {
		errorfc(fc,
			"%s: cannot hold its dax device (in use, or a partition not 2 MiB aligned)",
			name);
		return -EBUSY;
	}
	fsi->dax_start_off = start_off;
	fsi->dev_size = bdev_nr_bytes(bdev);
	return 0;
}

/**
 * famfs_open_device() - find, claim and hold the device a mount names
 * @fsi: the mount being set up; fsi->sb must be set
 * @fc:  the mount context; fc->source is the path of a pmem block device or
 *       a character dax device. Why a device is refused goes to its log.
 *
 * Messages name the device by the last component of fc->source, which also
 * becomes sb->s_id. On failure famfs_close_device() releases what was taken.
 *
 * Return: 0, -EBUSY if the device is mounted or held elsewhere, -ENOTBLK if
 * the source is no device, -EINVAL if the device cannot do DAX, or another
 * errno.
 */
int famfs_open_device(struct famfs_fs_info *fsi, struct fs_context *fc)
{
	const char *name = fsi->sb->s_id;
	bool is_chr;
	dev_t devt;
	int rc;

	strscpy(fsi->sb->s_id, kbasename(fc->source), sizeof(fsi->sb->s_id));
	rc = famfs_resolve_dev(fc->source, &devt, &is_chr);
	if (rc == -ENOTBLK) {
		errorfc(fc, "%s: not a block or character device", name);
		return rc;
	}
	if (rc == -EACCES) {
		errorfc(fc, "%s: device node on a nodev mount", name);
		return rc;
	}
	if (rc) {
		errorfc(fc, "%s: cannot look up the device (%d)", name, rc);
		return rc;
	}

	rc = famfs_claim_devt(fsi, devt);
	if (rc) {
		errorfc(fc, "%s: already mounted on this host", name);
		return rc;
	}

	if (is_chr)
		return famfs_devdax_open(fsi, fc);
	return famfs_open_bdev(fsi, fc);
}

/**
 * famfs_close_device() - release the device of a mount
 * @fsi: the mount; may be partly set up by a failed famfs_open_device()
 */
void famfs_close_device(struct famfs_fs_info *fsi)
{
	if (fsi->bdev_file) {
		fs_put_dax(fsi->dax_dev, fsi->sb);
		/* Drop the exclusive claim now, not at task_work time. */
		bdev_fput(fsi->bdev_file);
		fsi->bdev_file = NULL;
	} else {
		famfs_devdax_close(fsi);
	}
	fsi->dax_dev = NULL;
	if (!list_empty(&fsi->dev_list))
		famfs_release_devt(fsi);
}

/**
 * famfs_dev_fence() - complete the write-back of CPU caches to the memory
 * @fsi: the mount
 *
 * Cache lines written back (CLWB, through dax_flush()) and non-temporal
 * stores are only guaranteed to have left the CPU after a store fence. On
 * pmem the block layer's flush does that and also drains the platform's
 * write queues (nvdimm_flush(): fence, flush hints, fence). A character dax
 * device has no flush request: a store fence is all there is.
 *
 * Return: 0, or the errno of the pmem flush.
 */
int famfs_dev_fence(struct famfs_fs_info *fsi)
{
	if (fsi->bdev_file)
		return blkdev_issue_flush(file_bdev(fsi->bdev_file));
	/* Order and complete the write-backs and non-temporal stores. */
	wmb();
	return 0;
}
