// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - iomap operations: hand fs/dax the device range behind a file range.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/iomap.h>
#include <linux/minmax.h>

#include "famfs_internal.h"

/**
 * famfs_iomap_begin() - map a file range to device memory
 * @inode:  the file
 * @pos:    first file byte fs/dax wants
 * @length: bytes wanted
 * @flags:  IOMAP_* flags (ignored: every map is fully allocated)
 * @iomap:  filled with one IOMAP_MAPPED range starting at @pos
 * @srcmap: unused
 *
 * The returned range ends at the end of the extent or interleave chunk and
 * at the page holding the last file byte, whichever comes first. A file with
 * no map, a range past the end of the file, or a shut down mount fail with
 * -EIO: fs/dax must never get a zero-length mapping.
 *
 * Return: 0 or -EIO.
 */
static int famfs_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
			     unsigned int flags, struct iomap *iomap,
			     struct iomap *srcmap)
{
	struct famfs_fs_info *fsi = famfs_sb(inode->i_sb);
	const struct famfs_fmap *map = famfs_inode_fmap(inode);
	u64 size = i_size_read(inode);
	u64 dev_off, seg_len, eof;
	int rc;

	if (famfs_is_shut_down(fsi) || !map || pos < 0 || length <= 0)
		return -EIO;

	eof = round_up(min(size, map->covered), PAGE_SIZE);
	if (pos >= eof)
		return -EIO;

	rc = famfs_fmap_resolve(map, pos, &dev_off, &seg_len);
	if (rc)
		return rc;

	iomap->offset = pos;
	iomap->length = min3(seg_len, eof - pos, (u64)length);
	iomap->type = IOMAP_MAPPED;
	iomap->flags = 0;
	iomap->addr = fsi->dax_start_off + dev_off;
	iomap->dax_dev = fsi->dax_dev;
	iomap->bdev = fsi->bdev_file ? file_bdev(fsi->bdev_file) : NULL;
	return 0;
}

const struct iomap_ops famfs_iomap_ops = {
	.iomap_begin	= famfs_iomap_begin,
};
