/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs on character /dev/daxX.Y devices.
 */
#ifndef _FS_FAMFS_DEVDAX_H
#define _FS_FAMFS_DEVDAX_H

#include <linux/types.h>

struct famfs_fs_info;

/*
 * famfs_devdax_open() - take the dax device @devt for the mount @fsi.
 * On success sets fsi->dax_dev (held with fsi->sb as holder and
 * famfs_dax_holder_ops), fsi->dev_size and fsi->dax_start_off.
 * famfs_devdax_close() undoes it; it is only called after a successful open.
 */
int famfs_devdax_open(struct famfs_fs_info *fsi, dev_t devt);
void famfs_devdax_close(struct famfs_fs_info *fsi);

#endif /* _FS_FAMFS_DEVDAX_H */
