/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs on character /dev/daxX.Y devices.
 */
#ifndef _FS_FAMFS_DEVDAX_H
#define _FS_FAMFS_DEVDAX_H

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kconfig.h>

#include "famfs_internal.h"

/*
 * famfs_devdax_open() - take the dax device fsi->devt for the mount @fsi.
 * On success sets fsi->dax_dev (held with fsi->sb as holder and
 * famfs_dax_holder_ops), fsi->dev_size and fsi->dax_start_off.
 * If it lent a device_dax device to fsdev_dax, sets fsi->dax_loan.
 * famfs_devdax_close() undoes whatever a full or partial open took.
 *
 * A character dax device serves a file system only through the fsdev_dax
 * driver (drivers/dax/fsdev.c and its patches). Kernels without it, such as
 * a stock 6.12 for an out-of-tree build, get the refusing versions below.
 */
#if IS_ENABLED(CONFIG_DEV_DAX_FSDEV)
int famfs_devdax_open(struct famfs_fs_info *fsi, struct fs_context *fc);
void famfs_devdax_close(struct famfs_fs_info *fsi);
#else
static inline int famfs_devdax_open(struct famfs_fs_info *fsi,
				    struct fs_context *fc)
{
	errorfc(fc,
		"%s: character dax devices need a kernel with the fsdev_dax driver (CONFIG_DEV_DAX_FSDEV); this famfs serves pmem only",
		fsi->sb->s_id);
	return -EOPNOTSUPP;
}

static inline void famfs_devdax_close(struct famfs_fs_info *fsi)
{
}
#endif

#endif /* _FS_FAMFS_DEVDAX_H */
