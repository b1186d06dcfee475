// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - the device ranges of live file maps: no two files share memory.
 *
 * Each mount keeps the extents (or interleave strips) of every installed
 * map in a maple tree indexed by device page. MAP_CREATE enters a new map's
 * ranges; the map is refused with -EADDRINUSE if any of them is already
 * taken by another live file. Eviction of the inode takes them out again.
 */
#define pr_fmt(fmt) "famfs: " fmt

#include <linux/maple_tree.h>
#include <linux/mutex.h>

#include "famfs_internal.h"

static unsigned long famfs_ext_first(const struct famfs_dev_extent *ext)
{
	return ext->offset >> PAGE_SHIFT;
}

static unsigned long famfs_ext_last(const struct famfs_dev_extent *ext)
{
	return (ext->offset + ext->len - 1) >> PAGE_SHIFT;
}

/**
 * famfs_index_init() - set up the empty range index of a new mount
 * @fsi: the mount
 */
void famfs_index_init(struct famfs_fs_info *fsi)
{
	mutex_init(&fsi->index_lock);
	mt_init(&fsi->ext_index);
}

/**
 * famfs_index_destroy() - free the range index at unmount
 * @fsi: the mount; every inode has been evicted
 */
void famfs_index_destroy(struct famfs_fs_info *fsi)
{
	WARN_ON_ONCE(!mtree_empty(&fsi->ext_index));
	mtree_destroy(&fsi->ext_index);
}

/**
 * famfs_index_insert() - claim the device ranges of a new map
 * @fsi:   the mount
 * @inode: the file the map is for (the value stored for its ranges)
 * @map:   a validated map whose extents do not overlap each other
 *
 * All or nothing: on failure no range of @map stays claimed.
 *
 * Return: 0, -EADDRINUSE if a range overlaps one of another live file,
 * or -ENOMEM.
 */
int famfs_index_insert(struct famfs_fs_info *fsi, struct inode *inode,
		       const struct famfs_fmap *map)
{
	u32 i, n;
	int rc = 0;

	mutex_lock(&fsi->index_lock);
	for (i = 0; i < map->next; i++) {
		rc = mtree_insert_range(&fsi->ext_index,
					famfs_ext_first(&map->ext[i]),
					famfs_ext_last(&map->ext[i]), inode,
					GFP_KERNEL);
		if (rc)
			break;
	}
	if (rc) {
		for (n = 0; n < i; n++)
			mtree_erase(&fsi->ext_index,
				    famfs_ext_first(&map->ext[n]));
	}
	mutex_unlock(&fsi->index_lock);
	return rc == -EEXIST ? -EADDRINUSE : rc;
}

/**
 * famfs_index_remove() - release the device ranges of an evicted map
 * @fsi: the mount
 * @map: a map famfs_index_insert() accepted
 */
void famfs_index_remove(struct famfs_fs_info *fsi, const struct famfs_fmap *map)
{
	u32 i;

	mutex_lock(&fsi->index_lock);
	for (i = 0; i < map->next; i++)
		mtree_erase(&fsi->ext_index, famfs_ext_first(&map->ext[i]));
	mutex_unlock(&fsi->index_lock);
}
